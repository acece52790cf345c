//! Reading records back on the worker, borrowing the slot bytes.

use std::fmt;

use super::encode::{
    TAG_BYTES, TAG_F64, TAG_FALSE, TAG_I128, TAG_I64, TAG_NULL, TAG_STATIC_STR, TAG_STR, TAG_TRUE,
    TAG_TRUNCATED, TAG_U128, TAG_U64,
};
use super::{read_ptr, write_ptr, Callsite, Stamp, FLAG_TRUNCATED, HEADER_LEN, KIND_RECORD};

/// A decoded value, borrowing the record's bytes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value<'a> {
    /// `None`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A signed integer.
    I64(i64),
    /// An unsigned integer.
    U64(u64),
    /// A 128-bit signed integer.
    I128(i128),
    /// A 128-bit unsigned integer.
    U128(u128),
    /// A float.
    F64(f64),
    /// Text; `truncated` when it was cut at the record size limit.
    Str {
        /// The text.
        text: &'a str,
        /// It was cut.
        truncated: bool,
    },
    /// Raw bytes; `truncated` when they were cut at the record size limit.
    Bytes {
        /// The bytes.
        bytes: &'a [u8],
        /// They were cut.
        truncated: bool,
    },
}

/// A record that does not decode: only ever the result of a bug or of
/// corrupted memory. The worker counts these and goes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeError(&'static str);

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "corrupt record: {}", self.0)
    }
}

impl std::error::Error for DecodeError {}

/// Header fields of a record or padding.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Header {
    pub len: usize,
    pub kind: u8,
    pub flags: u8,
    pub callsite: *const Callsite,
    pub timestamp: u64,
    pub context: *const crate::context::Scope,
}

/// Writes a header at `base`.
/// Padding passes `None` for the stamp.
///
/// The callsite and context pointers are stored as pointers (see
/// [`write_ptr`]), so the worker gets them back with their provenance.
///
/// # Safety
/// `base..base + HEADER_LEN` must be writable and exclusively ours.
#[inline(always)]
pub(crate) unsafe fn write_header(
    base: *mut u8,
    len: usize,
    kind: u8,
    truncated: bool,
    stamp: Option<&Stamp>,
) {
    let mut head = [0u8; 8];
    head[0..4].copy_from_slice(&(len as u32).to_ne_bytes());
    head[4] = kind;
    head[5] = if truncated { FLAG_TRUNCATED } else { 0 };
    let (callsite, timestamp, context) = match stamp {
        Some(s) => (s.callsite as *const Callsite, s.timestamp, s.context),
        None => (std::ptr::null(), 0, std::ptr::null()),
    };
    // SAFETY: the caller guarantees `base..base + HEADER_LEN` is writable and
    // ours; the four 8-byte fields below tile exactly that range.
    unsafe {
        base.cast::<[u8; 8]>().write_unaligned(head);
        write_ptr(base.add(8), callsite);
        base.add(16).cast::<u64>().write_unaligned(timestamp);
        write_ptr(base.add(24), context);
    }
}

/// Reads the header at the start of `bytes` (which must hold at least
/// [`HEADER_LEN`] bytes).
#[inline(always)]
pub(crate) fn read_header(bytes: &[u8]) -> Header {
    let h = &bytes[..HEADER_LEN];
    let field = |at: usize| -> &[u8; 8] { h[at..at + 8].try_into().unwrap() };
    Header {
        len: u32::from_ne_bytes(h[0..4].try_into().unwrap()) as usize,
        kind: h[4],
        flags: h[5],
        callsite: read_ptr(field(8)),
        timestamp: u64::from_ne_bytes(*field(16)),
        context: read_ptr(field(24)),
    }
}

/// A record as the worker sees it.
#[derive(Clone, Copy, Debug)]
pub struct RecordView<'a> {
    /// Level, target, file, line and field names.
    pub callsite: &'static Callsite,
    /// Raw timestamp as taken on the caller (see the clock module).
    pub timestamp: u64,
    /// Some value was cut at the record size limit.
    pub truncated: bool,
    /// The message text.
    pub message: &'a str,
    /// The message was cut at the record size limit.
    pub message_truncated: bool,
    /// The message is the call's literal text, a `'static` string (no
    /// format arguments).
    pub message_is_static: bool,
    values: &'a [u8],
}

impl<'a> RecordView<'a> {
    /// Decodes a record written by the encoder.
    ///
    /// # Safety
    /// `bytes` must be exactly a record produced by this module's encoder in
    /// this process: its header and static-string tags hold pointers to
    /// `'static` data, and its text is UTF-8 by construction; both are
    /// trusted, not validated (UTF-8 is checked in debug builds). Lengths and
    /// tags are validated, so a bug elsewhere shows as a `DecodeError`.
    pub unsafe fn decode(bytes: &'a [u8]) -> Result<RecordView<'a>, DecodeError> {
        if bytes.len() < HEADER_LEN {
            return Err(DecodeError("shorter than a header"));
        }
        let h = read_header(bytes);
        if h.kind != KIND_RECORD || h.len != bytes.len() || h.callsite.is_null() {
            return Err(DecodeError("bad header"));
        }
        // SAFETY: by this function's contract the pointer was written by the
        // encoder from a `&'static Callsite`.
        let callsite = unsafe { &*h.callsite };
        let mut values = &bytes[HEADER_LEN..];
        let message_is_static = values.first() == Some(&TAG_STATIC_STR);
        // SAFETY: same contract: static-string tags come from the encoder.
        let (message, message_truncated) = match unsafe { next_value(&mut values) }? {
            Value::Str { text, truncated } => (text, truncated),
            _ => return Err(DecodeError("message is not text")),
        };
        Ok(RecordView {
            callsite,
            timestamp: h.timestamp,
            truncated: h.flags & FLAG_TRUNCATED != 0,
            message,
            message_truncated,
            message_is_static,
            values,
        })
    }

    /// The fields, each with its name from the callsite.
    pub fn fields(&self) -> Fields<'a> {
        Fields {
            names: self.callsite.fields.iter(),
            values: self.values,
        }
    }
}

/// Iterator over a record's `(name, value)` pairs.
#[derive(Clone, Debug)]
pub struct Fields<'a> {
    names: std::slice::Iter<'static, &'static str>,
    values: &'a [u8],
}

impl<'a> Iterator for Fields<'a> {
    type Item = Result<(&'static str, Value<'a>), DecodeError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.values.is_empty() {
            return None;
        }
        let name = self.names.next().copied().unwrap_or("_");
        // SAFETY: `Fields` only comes from a `RecordView`, whose contract
        // covers the static-string tags of its bytes.
        Some(unsafe { next_value(&mut self.values) }.map(|v| (name, v)))
    }
}

/// Values written by `encode_values_into_vec`, in order.
#[derive(Clone, Debug)]
pub(crate) struct Values<'a>(&'a [u8]);

/// Iterates over values encoded without a header (a bound context's).
///
/// # Safety
/// As [`RecordView::decode`]: `bytes` were written by this module's encoder
/// in this process.
pub(crate) unsafe fn decode_values(bytes: &[u8]) -> Values<'_> {
    Values(bytes)
}

impl<'a> Iterator for Values<'a> {
    type Item = Result<Value<'a>, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.0.is_empty() {
            return None;
        }
        // SAFETY: `Values` only comes from `decode_values`, whose contract
        // covers these bytes.
        Some(unsafe { next_value(&mut self.0) })
    }
}

fn take<'a>(b: &mut &'a [u8], n: usize) -> Result<&'a [u8], DecodeError> {
    if b.len() < n {
        return Err(DecodeError("value runs past the record"));
    }
    let (head, tail) = b.split_at(n);
    *b = tail;
    Ok(head)
}

fn take_array<const N: usize>(b: &mut &[u8]) -> Result<[u8; N], DecodeError> {
    Ok(take(b, N)?.try_into().unwrap())
}

/// # Safety
/// `b` must hold values written by the encoder: a `TAG_STATIC_STR` holds the
/// pointer and length of a `'static` string, and `TAG_STR` text is UTF-8.
#[inline(always)]
unsafe fn next_value<'a>(b: &mut &'a [u8]) -> Result<Value<'a>, DecodeError> {
    let tag = take(b, 1)?[0];
    let truncated = tag & TAG_TRUNCATED != 0;
    Ok(match tag & !TAG_TRUNCATED {
        TAG_NULL => Value::Null,
        TAG_FALSE => Value::Bool(false),
        TAG_TRUE => Value::Bool(true),
        TAG_I64 => Value::I64(i64::from_ne_bytes(take_array(b)?)),
        TAG_U64 => Value::U64(u64::from_ne_bytes(take_array(b)?)),
        TAG_I128 => Value::I128(i128::from_ne_bytes(take_array(b)?)),
        TAG_U128 => Value::U128(u128::from_ne_bytes(take_array(b)?)),
        TAG_F64 => Value::F64(f64::from_bits(u64::from_ne_bytes(take_array(b)?))),
        TAG_STR => {
            let len = u32::from_ne_bytes(take_array(b)?) as usize;
            let bytes = take(b, len)?;
            debug_assert!(
                std::str::from_utf8(bytes).is_ok(),
                "the encoder writes only UTF-8 text"
            );
            // SAFETY: by this function's contract the bytes were written by the
            // encoder, which only copies `&str` data and cuts it at character
            // boundaries, so they are UTF-8 (checked in debug builds above).
            let text = unsafe { std::str::from_utf8_unchecked(bytes) };
            Value::Str { text, truncated }
        }
        TAG_BYTES => {
            let len = u32::from_ne_bytes(take_array(b)?) as usize;
            Value::Bytes {
                bytes: take(b, len)?,
                truncated,
            }
        }
        TAG_STATIC_STR => {
            // Read in place through a reference (not `take_array`, whose
            // by-value copy of the bytes would strip the pointer's
            // provenance: undefined behaviour, which miri reports).
            let ptr = read_ptr::<u8>(take(b, 8)?.try_into().unwrap());
            let len = u64::from_ne_bytes(take_array(b)?) as usize;
            // SAFETY: by this function's contract, pointer and length were
            // taken from a `&'static str`, so they form valid UTF-8 that lives
            // for the whole program.
            let text: &'static str =
                unsafe { std::str::from_utf8_unchecked(std::slice::from_raw_parts(ptr, len)) };
            Value::Str { text, truncated }
        }
        _ => return Err(DecodeError("unknown tag")),
    })
}

#[cfg(test)]
mod tests {
    use super::super::encode::encode_for_test;
    use super::super::value::{DebugValue, DisplayValue};
    use super::*;
    use crate::Level;

    static CS: Callsite = Callsite::new(
        Level::Info,
        "t",
        "f.rs",
        1,
        &["a", "b", "c", "d", "e", "f", "g", "h"],
    );

    fn decode(buf: &[u8]) -> (RecordView<'_>, Vec<(&'static str, Value<'_>)>) {
        // SAFETY: `buf` was written by `encode_for_test` in this process.
        let r = unsafe { RecordView::decode(buf) }.unwrap();
        let f = r.fields().collect::<Result<Vec<_>, _>>().unwrap();
        (r, f)
    }

    #[test]
    fn every_value_kind_round_trips() {
        let mut buf = Vec::new();
        let n = 7;
        assert!(encode_for_test(
            &mut buf,
            &CS,
            1 << 16,
            format_args!("retry {} of {}", n, 9),
            &(
                42u64,
                -3i32,
                f64::NAN,
                "path",
                &b"\xff\x00"[..],
                DisplayValue(&1.5),
                DebugValue(&Some("x")),
                Option::<u8>::None
            ),
        ));
        let (r, f) = decode(&buf);
        assert_eq!(r.message, "retry 7 of 9");
        assert!(!r.truncated);
        assert_eq!(f[0], ("a", Value::U64(42)));
        assert_eq!(f[1], ("b", Value::I64(-3)));
        assert!(matches!(f[2], ("c", Value::F64(x)) if x.is_nan()));
        assert_eq!(
            f[3].1,
            Value::Str {
                text: "path",
                truncated: false
            }
        );
        assert_eq!(
            f[4].1,
            Value::Bytes {
                bytes: b"\xff\x00",
                truncated: false
            }
        );
        assert_eq!(
            f[5].1,
            Value::Str {
                text: "1.5",
                truncated: false
            }
        );
        assert_eq!(
            f[6].1,
            Value::Str {
                text: "Some(\"x\")",
                truncated: false
            }
        );
        assert_eq!(f[7].1, Value::Null);
    }

    #[test]
    fn a_literal_message_is_stored_as_a_static_pointer() {
        let mut buf = Vec::new();
        assert!(encode_for_test(
            &mut buf,
            &CS,
            1 << 16,
            format_args!("request handled"),
            &()
        ));
        assert_eq!(buf.len(), HEADER_LEN + 17);
        assert_eq!(decode(&buf).0.message, "request handled");
    }

    #[test]
    fn oversized_strings_are_cut_at_a_char_boundary_and_flagged() {
        let mut buf = Vec::new();
        let big = "é".repeat(10_000);
        assert!(encode_for_test(
            &mut buf,
            &CS,
            1024,
            format_args!("m"),
            &(big.as_str(), DisplayValue(&big), 7u8)
        ));
        assert!(buf.len() <= 1024);
        let (r, f) = decode(&buf);
        assert!(r.truncated);
        match f[0].1 {
            Value::Str { text, truncated } => {
                assert!(truncated && !text.is_empty() && big.starts_with(text))
            }
            ref v => panic!("{v:?}"),
        }
        assert!(matches!(
            f[1].1,
            Value::Str {
                truncated: true,
                ..
            }
        ));
        assert_eq!(f[2].1, Value::U64(7), "values after a cut one survive");
    }

    #[test]
    fn corrupt_bytes_are_an_error_not_a_crash() {
        const VAR: usize = 5; // tag + length prefix of the `abc` value
        let mut buf = Vec::new();
        assert!(encode_for_test(
            &mut buf,
            &CS,
            1 << 16,
            format_args!("m"),
            &("abc",)
        ));
        let n = buf.len();
        let mut bad_tag = buf.clone();
        bad_tag[n - 3 - VAR] = 0x7f;
        // SAFETY: header and message are the encoder's; only the field's tag
        // byte is now unknown, which decode must catch.
        let r = unsafe { RecordView::decode(&bad_tag) }.unwrap();
        assert!(r.fields().next().unwrap().is_err());
        buf.truncate(n - 2);
        buf[0..4].copy_from_slice(&((n - 2) as u32).to_ne_bytes());
        // SAFETY: as above; the string's length now runs past the record.
        let r = unsafe { RecordView::decode(&buf) }.unwrap();
        assert!(r.fields().next().unwrap().is_err());
    }
}
