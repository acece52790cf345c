//! The slot codec's fuzz check: arbitrary values through the encoder, the
//! ring and the decoder must come back equal (or, past the size limit, as a
//! flagged prefix). Shared by `fuzz/fuzz_targets/slot_codec.rs` and the
//! corpus replay in `tests/fuzz_corpus.rs`.

use std::time::Duration;

use super::encode::encode_for_test;
use super::value::{DynFields, Sealed, ToValue};
use super::{Callsite, RecordView, Stamp, Value};
use crate::ring::{Ring, RingShape, WaitPolicy};
use crate::Level;

/// A value as the fuzzer chose it.
#[derive(Debug)]
enum Input {
    Str(String),
    Bytes(Vec<u8>),
    U64(u64),
    I64(i64),
    F64(f64),
    U128(u128),
    Bool(bool),
    Null,
}

impl Sealed for Input {}
impl ToValue for Input {
    fn encode(&self, enc: &mut super::Encoder<'_>) {
        match self {
            Input::Str(s) => enc.str(s),
            Input::Bytes(b) => enc.bytes(b),
            Input::U64(v) => enc.u64(*v),
            Input::I64(v) => enc.i64(*v),
            Input::F64(v) => enc.f64(*v),
            Input::U128(v) => enc.u128(*v),
            Input::Bool(v) => enc.bool(*v),
            Input::Null => enc.null(),
        }
    }
}

/// Reads values from the fuzzer's bytes: a kind byte, then its payload.
fn inputs(mut data: &[u8]) -> Vec<Input> {
    let mut out = Vec::new();
    let take = |n: usize, data: &mut &[u8]| -> Vec<u8> {
        let n = n.min(data.len());
        let (a, b) = data.split_at(n);
        *data = b;
        a.to_vec()
    };
    while let Some((&kind, rest)) = data.split_first() {
        data = rest;
        let num = |b: Vec<u8>| b.iter().fold(0u128, |acc, &x| acc << 8 | x as u128);
        out.push(match kind % 8 {
            0 => {
                let len = take(1, &mut data).first().copied().unwrap_or(0) as usize * 4;
                Input::Str(String::from_utf8_lossy(&take(len, &mut data)).into_owned())
            }
            1 => {
                let len = take(1, &mut data).first().copied().unwrap_or(0) as usize * 4;
                Input::Bytes(take(len, &mut data))
            }
            2 => Input::U64(num(take(8, &mut data)) as u64),
            3 => Input::I64(num(take(8, &mut data)) as u64 as i64),
            4 => Input::F64(f64::from_bits(num(take(8, &mut data)) as u64)),
            5 => Input::U128(num(take(16, &mut data))),
            6 => Input::Bool(kind & 0x80 != 0),
            _ => Input::Null,
        });
        if out.len() == NAMES.len() {
            break;
        }
    }
    out
}

const NAMES: [&str; 16] = [
    "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p",
];
static CALLSITE: Callsite = Callsite::new(Level::Info, "fuzz", "check.rs", 1, &NAMES);

/// Asserts that `got` is what encoding `want` must give back.
fn assert_value(want: &Input, got: &Value<'_>) {
    match (want, *got) {
        (Input::Str(s), Value::Str { text, truncated }) => {
            assert!(if truncated {
                s.starts_with(text) && text.len() < s.len()
            } else {
                text == s
            });
        }
        (Input::Bytes(b), Value::Bytes { bytes, truncated }) => {
            assert!(if truncated {
                b.starts_with(bytes) && bytes.len() < b.len()
            } else {
                bytes == &b[..]
            });
        }
        (Input::U64(a), Value::U64(b)) => assert_eq!(*a, b),
        (Input::I64(a), Value::I64(b)) => assert_eq!(*a, b),
        (Input::F64(a), Value::F64(b)) => assert_eq!(a.to_bits(), b.to_bits()),
        (Input::U128(a), Value::U128(b)) => assert_eq!(*a, b),
        (Input::Bool(a), Value::Bool(b)) => assert_eq!(*a, b),
        (Input::Null, Value::Null) => {}
        (w, g) => panic!("{w:?} came back as {g:?}"),
    }
}

fn assert_record(bytes: &[u8], message: &str, values: &[Input], max_len: usize) {
    assert!(
        bytes.len() <= max_len,
        "record of {} bytes over the limit {max_len}",
        bytes.len()
    );
    // SAFETY: `bytes` were written by the encoder in this process.
    let view = unsafe { RecordView::decode(bytes) }.expect("decodes");
    assert!(if view.message_truncated {
        message.starts_with(view.message)
    } else {
        view.message == message
    });
    let got: Vec<_> = view.fields().map(|f| f.expect("field decodes")).collect();
    assert_eq!(got.len(), values.len());
    for (want, (name, got)) in values.iter().zip(&got) {
        assert!(NAMES.contains(name));
        assert_value(want, got);
    }
}

/// The fuzz target's body.
#[doc(hidden)]
pub fn check_roundtrip(data: &[u8]) {
    let Some((&limit, data)) = data.split_first() else {
        return;
    };
    let (message, data) = data.split_at(data.len().min(limit as usize % 64));
    let message = String::from_utf8_lossy(message).into_owned();
    let values = inputs(data);
    let refs: Vec<&dyn ToValue> = values.iter().map(|v| v as &dyn ToValue).collect();
    let fields = DynFields(&refs);

    // Into a Vec, under a size limit the fuzzer picks.
    let max_len = 512 + (limit as usize) * 64;
    let mut buf = Vec::new();
    assert!(encode_for_test(
        &mut buf,
        &CALLSITE,
        max_len,
        format_args!("{message}"),
        &fields
    ));
    assert_record(&buf, &message, &values, max_len);

    // Through a small ring, twice, so that records wrap around its end.
    let ring = Ring::new(RingShape {
        slots: 64,
        slot_size: 64,
        protected_reserve: 0,
        policy: WaitPolicy::NO_WAIT,
        protected_from: 8,
        protected_policy: WaitPolicy::NO_WAIT,
    });
    let block = WaitPolicy {
        wait: Duration::ZERO,
        drop_on_full: true,
    };
    for round in 0..3 {
        // SAFETY: this thread is the ring's only producer and consumer.
        let written = unsafe {
            ring.write(
                &block,
                false,
                &Stamp {
                    callsite: &CALLSITE,
                    timestamp: round,
                    context: std::ptr::null(),
                },
                format_args!("{message}"),
                &fields,
            )
        };
        assert!(written, "an empty ring always takes a record");
        let mut seen = 0;
        // SAFETY: as above.
        unsafe {
            ring.consume(usize::MAX, |bytes| {
                assert_record(bytes, &message, &values, ring.shape().max_record());
                seen += 1;
            })
        };
        assert_eq!(seen, 1);
    }
}
