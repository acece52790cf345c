//! Writing values into slot memory on the caller's thread.
//!
//! The [`Encoder`] appends tagged values to a region of the ring that its
//! producer has reserved. Every write checks one bound (`pos + n <= limit`);
//! only when the region is exhausted does it call the cold [`Grow`] path, which
//! waits for space, wraps around the ring's end, or gives up (backpressure).
//!
//! Strings longer than the record size limit are cut at a character boundary
//! and flagged; the worker appends a visible `…[truncated]` marker and counts
//! them. Nothing is cut silently.

use std::fmt;
use std::ptr;

use super::value::Fields;

use super::HEADER_LEN;

pub(crate) const TAG_NULL: u8 = 0;
pub(crate) const TAG_FALSE: u8 = 1;
pub(crate) const TAG_TRUE: u8 = 2;
pub(crate) const TAG_I64: u8 = 3;
pub(crate) const TAG_U64: u8 = 4;
pub(crate) const TAG_I128: u8 = 5;
pub(crate) const TAG_U128: u8 = 6;
pub(crate) const TAG_F64: u8 = 7;
pub(crate) const TAG_STR: u8 = 8;
pub(crate) const TAG_BYTES: u8 = 9;
pub(crate) const TAG_STATIC_STR: u8 = 10;
/// Bytes of an encoded static message (tag, pointer, length).
pub(crate) const STATIC_STR_LEN: usize = 17;
/// Set on `TAG_STR`/`TAG_BYTES` when the value was cut.
pub(crate) const TAG_TRUNCATED: u8 = 0x80;

/// The largest encoding of a value that is never truncated (tag + u128).
pub(crate) const MAX_FIXED_VALUE: usize = 17;
/// Tag plus length prefix of a string or byte value.
pub(crate) const VAR_PREFIX: usize = 5;

/// The cold path of an [`Encoder`]: finds more room for the record.
pub(crate) trait Grow {
    /// Makes `needed` bytes from the record's start writable. The first `pos`
    /// bytes already written must be preserved (the record may move, e.g. to
    /// the start of the ring). Returns the new start and the number of bytes
    /// writable from it, or `None` when no room can be had (the record is
    /// abandoned).
    fn grow(&mut self, base: *mut u8, pos: usize, needed: usize) -> Option<(*mut u8, usize)>;
}

/// Appends the values of one record to reserved memory.
///
/// Obtained inside the logging functions, which hand it to each value's
/// `ToValue` implementation (a sealed trait: the value kinds are the
/// crate's own). Not part of the public API.
pub struct Encoder<'g> {
    base: *mut u8,
    pos: usize,
    limit: usize,
    max_len: usize,
    /// Strings and bytes may extend to here; the rest is kept for the
    /// values that may follow (see [`Encoder::expect_values`]).
    var_limit: usize,
    failed: bool,
    truncated: bool,
    grow: &'g mut dyn Grow,
}

impl<'g> Encoder<'g> {
    /// An encoder over `limit` writable bytes at `base`, for a record of at
    /// most `max_len` bytes. The first [`HEADER_LEN`] bytes are left for the
    /// header.
    ///
    /// # Safety
    /// `base..base + limit` must be writable for the encoder's lifetime and
    /// not read or written by anyone else until the record is published or
    /// abandoned; `grow` must uphold the same for the regions it returns.
    #[inline(always)]
    pub(crate) unsafe fn new(
        base: *mut u8,
        limit: usize,
        max_len: usize,
        grow: &'g mut dyn Grow,
    ) -> Encoder<'g> {
        let mut enc = Encoder {
            base,
            pos: 0,
            limit,
            max_len,
            var_limit: max_len.saturating_sub(VAR_PREFIX),
            failed: false,
            truncated: false,
            grow,
        };
        if enc.reserve(HEADER_LEN) {
            enc.pos = HEADER_LEN;
        }
        enc
    }

    /// Bytes written so far, header included.
    #[inline(always)]
    pub(crate) fn len(&self) -> usize {
        self.pos
    }

    /// Where the record starts now (it may have moved while growing).
    #[inline(always)]
    pub(crate) fn base(&self) -> *mut u8 {
        self.base
    }

    /// True when room ran out and the record must be abandoned.
    #[inline(always)]
    pub(crate) fn failed(&self) -> bool {
        self.failed
    }

    /// True when a value was cut to respect the record size limit.
    #[inline(always)]
    pub(crate) fn truncated(&self) -> bool {
        self.truncated
    }

    /// Announces how many values the record has (message included), so
    /// that a long string leaves room under the size limit for every value
    /// that may follow it.
    #[inline(always)]
    pub(crate) fn expect_values(&mut self, count: usize) {
        self.var_limit = self
            .max_len
            .saturating_sub(VAR_PREFIX + count * MAX_FIXED_VALUE);
    }

    #[inline(always)]
    fn reserve(&mut self, n: usize) -> bool {
        if self.pos + n <= self.limit {
            true
        } else {
            self.grow_slow(n)
        }
    }

    #[cold]
    #[inline(never)]
    fn grow_slow(&mut self, n: usize) -> bool {
        if self.failed {
            return false;
        }
        match self.grow.grow(self.base, self.pos, self.pos + n) {
            Some((base, limit)) if limit >= self.pos + n => {
                self.base = base;
                self.limit = limit;
                true
            }
            _ => {
                self.failed = true;
                false
            }
        }
    }

    #[inline(always)]
    fn put(&mut self, bytes: &[u8]) {
        if self.reserve(bytes.len()) {
            // SAFETY: `reserve` made `pos..pos + len` writable and exclusively
            // ours (the contract of `new` and `Grow`); the source is a distinct
            // borrowed slice, so the ranges do not overlap.
            unsafe {
                ptr::copy_nonoverlapping(bytes.as_ptr(), self.base.add(self.pos), bytes.len())
            };
            self.pos += bytes.len();
        }
    }

    #[inline(always)]
    fn tagged<const N: usize>(&mut self, tag: u8, payload: [u8; N]) {
        if self.reserve(1 + N) {
            // SAFETY: `reserve` made `pos..pos + 1 + N` writable and ours.
            unsafe { raw_fixed(self.base.add(self.pos), tag, payload) };
            self.pos += 1 + N;
        }
    }

    /// Bytes a variable-length value may still take under the size limit.
    #[inline(always)]
    fn var_budget(&self) -> usize {
        self.var_limit.saturating_sub(self.pos)
    }

    /// Writes a null (e.g. `Option::None`).
    #[inline(always)]
    pub fn null(&mut self) {
        self.tagged(TAG_NULL, []);
    }

    /// Writes a boolean.
    #[inline(always)]
    pub fn bool(&mut self, v: bool) {
        self.tagged(if v { TAG_TRUE } else { TAG_FALSE }, []);
    }

    /// Writes a signed integer.
    #[inline(always)]
    pub fn i64(&mut self, v: i64) {
        self.tagged(TAG_I64, v.to_ne_bytes());
    }

    /// Writes an unsigned integer.
    #[inline(always)]
    pub fn u64(&mut self, v: u64) {
        self.tagged(TAG_U64, v.to_ne_bytes());
    }

    /// Writes a 128-bit signed integer.
    #[inline(always)]
    pub fn i128(&mut self, v: i128) {
        self.tagged(TAG_I128, v.to_ne_bytes());
    }

    /// Writes a 128-bit unsigned integer.
    #[inline(always)]
    pub fn u128(&mut self, v: u128) {
        self.tagged(TAG_U128, v.to_ne_bytes());
    }

    /// Writes a float (NaN and infinities included).
    #[inline(always)]
    pub fn f64(&mut self, v: f64) {
        self.tagged(TAG_F64, v.to_bits().to_ne_bytes());
    }

    /// Writes a string, cut at a character boundary if it exceeds the limit.
    #[inline(always)]
    pub fn str(&mut self, s: &str) {
        let budget = self.var_budget();
        if s.len() <= budget {
            self.var(TAG_STR, s.as_bytes());
        } else {
            let cut = crate::text::floor_char_boundary(s, budget);
            self.truncated = true;
            self.var(TAG_STR | TAG_TRUNCATED, &s.as_bytes()[..cut]);
        }
    }

    /// Writes a byte string (rendered as lossy UTF-8 by the JSON formats).
    #[inline(always)]
    pub fn bytes(&mut self, b: &[u8]) {
        let budget = self.var_budget();
        if b.len() <= budget {
            self.var(TAG_BYTES, b);
        } else {
            self.truncated = true;
            self.var(TAG_BYTES | TAG_TRUNCATED, &b[..budget]);
        }
    }

    #[inline(always)]
    fn var(&mut self, tag: u8, b: &[u8]) {
        if self.reserve(VAR_PREFIX + b.len()) {
            // SAFETY: `reserve` made `pos..pos + 5 + len` writable and ours;
            // `b` is a distinct borrowed slice; its length was cut under the
            // record limit, so it fits in a `u32`.
            unsafe { raw_var(self.base.add(self.pos), tag, b) };
            self.pos += VAR_PREFIX + b.len();
        }
    }

    /// Writes the message: a literal is stored as a pointer to the static
    /// text; format arguments are formatted straight into the slot.
    #[inline(always)]
    pub fn message(&mut self, args: fmt::Arguments<'_>) {
        match args.as_str() {
            Some(s) => self.static_str(s),
            None => self.fmt(|w| w.write_fmt(args)),
        }
    }

    #[inline(always)]
    fn static_str(&mut self, s: &'static str) {
        if self.reserve(STATIC_STR_LEN) {
            // SAFETY: `reserve` made `pos..pos + STATIC_STR_LEN` writable and
            // ours.
            unsafe { raw_static(self.base.add(self.pos), s) };
            self.pos += STATIC_STR_LEN;
        }
    }

    /// Writes a value through `fmt::Write` (used by `%display`, `?debug` and
    /// format arguments): the text goes into the slot, no `String` involved.
    #[inline]
    pub fn fmt(&mut self, f: impl FnOnce(&mut dyn fmt::Write) -> fmt::Result) {
        if !self.reserve(VAR_PREFIX) {
            return;
        }
        let start = self.pos;
        self.pos += VAR_PREFIX;
        let budget = self.var_budget() + VAR_PREFIX;
        let mut w = FmtWriter {
            enc: self,
            budget,
            cut: false,
        };
        // A formatting error from the value's own impl ends the text early;
        // what was written stays.
        let _ = f(&mut w);
        let cut = w.cut;
        if self.failed {
            return;
        }
        let len = (self.pos - start - VAR_PREFIX) as u32;
        let tag = if cut {
            TAG_STR | TAG_TRUNCATED
        } else {
            TAG_STR
        };
        self.truncated |= cut;
        // SAFETY: `start..start + 5` was reserved above and lies below `pos`,
        // inside the region we own (a move by `grow` preserves written bytes
        // at the same offsets from the new base).
        unsafe {
            let p = self.base.add(start);
            *p = tag;
            ptr::copy_nonoverlapping(len.to_ne_bytes().as_ptr(), p.add(1), 4);
        }
    }
}

/// Writes a fixed-size value (tag and payload) at `dst` with no check;
/// returns the byte after it.
///
/// # Safety
/// `dst..dst + 1 + N` must be writable and ours.
#[inline(always)]
pub(crate) unsafe fn raw_fixed<const N: usize>(dst: *mut u8, tag: u8, payload: [u8; N]) -> *mut u8 {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        *dst = tag;
        ptr::copy_nonoverlapping(payload.as_ptr(), dst.add(1), N);
        dst.add(1 + N)
    }
}

/// Writes a string or byte value (tag, length, bytes) at `dst` with no
/// check; returns the byte after it.
///
/// # Safety
/// `dst..dst + 5 + bytes.len()` must be writable, ours and disjoint from
/// `bytes`; `bytes.len()` fits in a `u32`.
#[inline(always)]
pub(crate) unsafe fn raw_var(dst: *mut u8, tag: u8, bytes: &[u8]) -> *mut u8 {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        *dst = tag;
        ptr::copy_nonoverlapping((bytes.len() as u32).to_ne_bytes().as_ptr(), dst.add(1), 4);
        crate::copy::copy_bytes(bytes, dst.add(VAR_PREFIX));
        dst.add(VAR_PREFIX + bytes.len())
    }
}

/// `fmt::Write` into the slot, cutting at the size limit.
struct FmtWriter<'e, 'g> {
    enc: &'e mut Encoder<'g>,
    /// Bytes this value may still take.
    budget: usize,
    cut: bool,
}

impl fmt::Write for FmtWriter<'_, '_> {
    #[inline]
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.cut {
            return Ok(());
        }
        let take = if s.len() <= self.budget {
            s.len()
        } else {
            let cut = crate::text::floor_char_boundary(s, self.budget);
            self.cut = true;
            cut
        };
        self.budget -= take;
        self.enc.put(&s.as_bytes()[..take]);
        if self.enc.failed {
            Err(fmt::Error)
        } else {
            Ok(())
        }
    }
}

/// Writes a static message (tag, pointer, length) at `dst` with no check;
/// returns the byte after it. The pointer is stored as a pointer, keeping
/// its provenance for the worker (see [`super::write_ptr`]).
///
/// # Safety
/// `dst..dst + STATIC_STR_LEN` must be writable and ours.
#[inline(always)]
pub(crate) unsafe fn raw_static(dst: *mut u8, s: &'static str) -> *mut u8 {
    // SAFETY: forwarded from this function's contract: 1 + 8 + 8 bytes.
    unsafe {
        *dst = TAG_STATIC_STR;
        super::write_ptr(dst.add(1), s.as_ptr());
        dst.add(9).cast::<u64>().write_unaligned(s.len() as u64);
        dst.add(STATIC_STR_LEN)
    }
}

/// Encodes into a growable `Vec`: for records made on the worker (drop
/// summaries), for tests and for fuzzing the codec.
pub(crate) struct VecGrow<'v>(pub &'v mut Vec<u8>);

impl Grow for VecGrow<'_> {
    fn grow(&mut self, _base: *mut u8, pos: usize, needed: usize) -> Option<(*mut u8, usize)> {
        // The encoder writes into spare capacity; `pos` bytes of it are live.
        // SAFETY: the first `pos` bytes of spare capacity were initialised by
        // the encoder; `reserve` below preserves them when it reallocates
        // because we first extend the length to cover them.
        unsafe { self.0.set_len(pos) };
        self.0.reserve(needed.saturating_sub(pos));
        let cap = self.0.capacity();
        // SAFETY: shrinking the length back to 0 keeps the bytes in place; the
        // encoder owns the buffer until `finish_vec` sets the final length.
        unsafe { self.0.set_len(0) };
        Some((self.0.as_mut_ptr(), cap))
    }
}

/// Encodes a whole record into `buf` (cleared first): header, message and
/// `fields`. Returns `false` if nothing could be written.
pub(crate) fn encode_into_vec<F: Fields + ?Sized>(
    buf: &mut Vec<u8>,
    stamp: super::Stamp,
    max_len: usize,
    message: fmt::Arguments<'_>,
    fields: &F,
    value_count: usize,
) -> bool {
    buf.clear();
    let base = buf.as_mut_ptr();
    let cap = buf.capacity();
    let mut grow = VecGrow(buf);
    // SAFETY: the Vec's spare capacity is writable and exclusively borrowed
    // through `grow` for the encoder's lifetime.
    let mut enc = unsafe { Encoder::new(base, cap, max_len, &mut grow) };
    enc.expect_values(value_count);
    enc.message(message);
    fields.encode_all(&mut enc);
    if enc.failed() {
        return false;
    }
    let (base, len, truncated) = (enc.base(), enc.len(), enc.truncated());
    // SAFETY: the header area `base..base + HEADER_LEN` was reserved by
    // `Encoder::new` and lies inside the Vec's allocation.
    unsafe { super::decode::write_header(base, len, super::KIND_RECORD, truncated, Some(&stamp)) };
    // SAFETY: the encoder initialised `len` bytes at the start of the buffer.
    unsafe { buf.set_len(len) };
    true
}

/// Encodes a plain `Fields` tuple (message first) into a `Vec` and returns the
/// bytes: the slot codec's fuzz and property tests use this.
#[doc(hidden)]
pub fn encode_for_test<F: Fields>(
    buf: &mut Vec<u8>,
    callsite: &'static super::Callsite,
    max_len: usize,
    message: fmt::Arguments<'_>,
    fields: &F,
) -> bool {
    let stamp = super::Stamp {
        callsite,
        timestamp: 0,
        context: std::ptr::null(),
    };
    encode_into_vec(buf, stamp, max_len, message, fields, fields.count() + 1)
}

/// Encodes values alone (no header, no message) into `buf`, which is
/// cleared first: the form a bound context keeps its fields in. Values over
/// 64 KiB are cut as in a record.
pub(crate) fn encode_values_into_vec<F: Fields + ?Sized>(buf: &mut Vec<u8>, fields: &F) {
    buf.clear();
    let base = buf.as_mut_ptr();
    let cap = buf.capacity();
    let mut grow = VecGrow(buf);
    // SAFETY: the Vec's spare capacity is writable and exclusively borrowed
    // through `grow` for the encoder's lifetime.
    let mut enc = unsafe { Encoder::new(base, cap, 64 << 10, &mut grow) };
    enc.expect_values(fields.count());
    fields.encode_all(&mut enc);
    let (base, len) = (
        enc.base(),
        if enc.failed() { HEADER_LEN } else { enc.len() },
    );
    // SAFETY: `Encoder::new` reserved `HEADER_LEN` bytes at `base` (a Vec of
    // any capacity grows to hold them) without writing them: zero them so
    // that all `len` bytes are initialised, then hand them to the Vec.
    unsafe {
        ptr::write_bytes(base, 0, HEADER_LEN);
        buf.set_len(len);
    }
    buf.drain(..HEADER_LEN);
}
