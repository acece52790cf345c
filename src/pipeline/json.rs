//! JSON writing primitives for the consumer thread's formatters.
//!
//! Every function appends to a `Vec<u8>` and never allocates beyond the
//! vector's own growth. The output is valid JSON (and valid UTF-8) for every
//! input, and can never smuggle a line break into a log line:
//!
//! * `"` → `\"`, `\` → `\\`;
//! * `\n` `\r` `\t` and U+0008 / U+000C → `\n` `\r` `\t` `\b` `\f`;
//! * every other byte below 0x20, and DEL (0x7F) → `\u00XX` (lowercase hex);
//! * U+2028 and U+2029 → `\u2028` / `\u2029` (JavaScript treats them as line
//!   terminators);
//! * everything else is copied as is.
//!
//! Most strings in a log line are short and need no escaping (ids, paths,
//! messages): a string of up to 32 bytes is checked with two to four
//! overlapping 8- or 16-byte loads and, when clean, copied with as many
//! overlapping stores (`write_raw`), without a loop or a call to `memcpy`.
//! Longer strings, and strings that need escaping, take the general path: it
//! looks at 16 bytes at a time (SSE2 on x86-64), then eight (SWAR), and
//! copies whole clean runs with `extend_from_slice`.

use crate::copy::copy_bytes;

/// `ESCAPE[b]` says what byte `b` needs: `CLEAN` (copy it), `UNICODE` (write
/// `\u00XX`), `MAYBE_LS` (0xE2, the lead byte of U+2028/U+2029: look at the
/// next two bytes), or the letter of a short escape (`b'n'` for `\n`, `b'"'`
/// for `"`, …).
static ESCAPE: [u8; 256] = build_escape_table();

const CLEAN: u8 = 0;
const UNICODE: u8 = b'u';
const MAYBE_LS: u8 = 0xE2;

const fn build_escape_table() -> [u8; 256] {
    let mut t = [CLEAN; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = UNICODE;
        i += 1;
    }
    t[0x08] = b'b';
    t[0x09] = b't';
    t[0x0A] = b'n';
    t[0x0C] = b'f';
    t[0x0D] = b'r';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t[0x7F] = UNICODE;
    t[0xE2] = MAYBE_LS;
    t
}

const HEX: &[u8; 16] = b"0123456789abcdef";

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// High bit set in each byte of `w` that is below `n` (`n <= 0x80`). Bits may
/// also be set above (more significant than) a true hit, never below it, so
/// the lowest set bit always marks the first such byte.
#[inline(always)]
const fn bytes_below(w: u64, n: u8) -> u64 {
    w.wrapping_sub(ONES * n as u64) & !w & HIGHS
}

/// Same as [`bytes_below`] for bytes equal to `b`.
#[inline(always)]
const fn bytes_equal(w: u64, b: u8) -> u64 {
    bytes_below(w ^ (ONES * b as u64), 1)
}

/// Index of the first byte at or after `i` whose `ESCAPE` entry is not
/// `CLEAN`, or `bytes.len()`: 16 bytes at a time with SSE2 on x86-64, then 8
/// at a time with SWAR, then byte by byte.
#[inline(always)]
fn next_special(bytes: &[u8], mut i: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        i = sse2::next_special_16(bytes, i);
    }
    i = next_special_8(bytes, i);
    while i < bytes.len() && ESCAPE[bytes[i] as usize] == CLEAN {
        i += 1;
    }
    i
}

/// High bit set in each byte of `w` whose `ESCAPE` entry is not `CLEAN`; as
/// with [`bytes_below`], bits above the first such byte may be set too, so
/// only "none" and "the lowest" are exact.
#[inline(always)]
const fn special_bytes(w: u64) -> u64 {
    bytes_below(w, 0x20)
        | bytes_equal(w, b'"')
        | bytes_equal(w, b'\\')
        | bytes_equal(w, 0x7F)
        | bytes_equal(w, 0xE2)
}

/// Skips clean 8-byte words from `i`; returns the index of the first special
/// byte, or the start of the last (< 8 bytes) partial word.
#[inline(always)]
fn next_special_8(bytes: &[u8], mut i: usize) -> usize {
    while let Some(chunk) = bytes.get(i..i + 8) {
        let hits = special_bytes(u64::from_le_bytes(chunk.try_into().expect("8 bytes")));
        if hits != 0 {
            // Little-endian load: byte k of the chunk is bits 8k..8k+8.
            return i + (hits.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    i
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use super::{CLEAN, ESCAPE};
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
        _mm_set_epi64x, _mm_setzero_si128, _mm_subs_epu8,
    };

    /// The bytes of `v` that need escaping, one bit each (bit `k` for byte
    /// `k`).
    #[inline(always)]
    fn special_mask(v: __m128i) -> u32 {
        // SAFETY: SSE2 is part of the x86-64 baseline, so these intrinsics
        // are always available; they only compute on registers.
        unsafe {
            // Unsigned v <= 0x1F  <=>  saturating v - 0x1F == 0.
            let ctrl = _mm_cmpeq_epi8(_mm_subs_epu8(v, _mm_set1_epi8(0x1F)), _mm_setzero_si128());
            let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
            let backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
            let del = _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7F));
            let e2 = _mm_cmpeq_epi8(v, _mm_set1_epi8(0xE2u8 as i8));
            let any = _mm_or_si128(
                _mm_or_si128(ctrl, quote),
                _mm_or_si128(backslash, _mm_or_si128(del, e2)),
            );
            _mm_movemask_epi8(any) as u32
        }
    }

    /// True when no byte of `lo` and `hi` needs escaping.
    #[inline(always)]
    pub(super) fn words_clean(lo: u64, hi: u64) -> bool {
        // SAFETY: SSE2 is part of the x86-64 baseline; this only moves two
        // integers into a register.
        let v = unsafe { _mm_set_epi64x(hi as i64, lo as i64) };
        special_mask(v) == 0
    }

    /// Skips clean 16-byte blocks from `i`; returns the index of the first
    /// special byte, or the start of the last (< 16 bytes) partial block.
    #[inline(always)]
    pub(super) fn next_special_16(bytes: &[u8], mut i: usize) -> usize {
        while let Some(chunk) = bytes.get(i..i + 16) {
            // SAFETY: SSE2 is part of the x86-64 baseline, so the intrinsic is
            // always available; `chunk` is exactly 16 readable bytes and
            // `_mm_loadu_si128` has no alignment requirement.
            let mask = special_mask(unsafe { _mm_loadu_si128(chunk.as_ptr().cast::<__m128i>()) });
            if mask != 0 {
                let hit = i + mask.trailing_zeros() as usize;
                debug_assert_ne!(ESCAPE[bytes[hit] as usize], CLEAN);
                return hit;
            }
            i += 16;
        }
        i
    }
}

/// The longest string [`short_is_clean`] checks without a loop.
const SHORT: usize = 32;

/// The little-endian word at `b[at..at + 8]`.
#[inline(always)]
fn word(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

/// True when no byte of `lo` and `hi` (16 bytes in all) needs escaping.
#[inline(always)]
fn words_clean(lo: u64, hi: u64) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        sse2::words_clean(lo, hi)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        special_bytes(lo) | special_bytes(hi) == 0
    }
}

/// True when no byte of `b` (at most [`SHORT`] bytes) needs escaping. The
/// bytes are read as two or four overlapping words that together cover all
/// of `b` (some bytes twice, which cannot change the answer), so there is no
/// loop and no byte-by-byte tail.
#[inline(always)]
fn short_is_clean(b: &[u8]) -> bool {
    debug_assert!(b.len() <= SHORT);
    let n = b.len();
    match n {
        0 => true,
        1..=3 => {
            // First, middle and last byte: all of them for n <= 3.
            let w = u32::from_le_bytes([b[0], b[n / 2], b[n - 1], b[0]]);
            let w = u64::from(w) * 0x1_0000_0001;
            words_clean(w, w)
        }
        4..=7 => {
            let first = u32::from_le_bytes(b[..4].try_into().expect("4 bytes"));
            let last = u32::from_le_bytes(b[n - 4..].try_into().expect("4 bytes"));
            let w = u64::from(first) | u64::from(last) << 32;
            words_clean(w, w)
        }
        8..=16 => words_clean(word(b, 0), word(b, n - 8)),
        _ => words_clean(word(b, 0), word(b, 8)) && words_clean(word(b, n - 16), word(b, n - 8)),
    }
}

/// Appends `bytes` as they are, like `extend_from_slice`, but copying a
/// short piece (a key, a number, an id) inline instead of calling `memcpy`
/// ([`copy_bytes`]).
#[inline(always)]
pub(crate) fn write_raw(out: &mut Vec<u8>, bytes: &[u8]) {
    write_copied(out, bytes, false);
}

/// Appends `bytes`, between quotes if `quoted`, with one `reserve` and,
/// for short pieces, without a call to `memcpy`.
#[inline(always)]
fn write_copied(out: &mut Vec<u8>, bytes: &[u8], quoted: bool) {
    let n = bytes.len();
    let q = usize::from(quoted);
    out.reserve(n + 2 * q);
    let len = out.len();
    // SAFETY: `reserve` made room for `n + 2 * q` more bytes, so every store
    // below lands inside the vector's allocation (and not in `bytes`, which
    // cannot point into a vector borrowed mutably): the quotes at `0` and
    // `n + 1`, the text at `q..q + n`, all of which `copy_bytes` writes. The
    // new length therefore covers initialized bytes only.
    unsafe {
        let dst = out.as_mut_ptr().add(len);
        if quoted {
            dst.write(b'"');
            dst.add(1 + n).write(b'"');
        }
        copy_bytes(bytes, dst.add(q));
        out.set_len(len + n + 2 * q);
    }
}

/// Appends `s` escaped, without quotes: the raw material for building one JSON
/// string out of several pieces (`"` + pieces + `"`).
#[inline]
pub fn write_str_contents(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    if bytes.len() <= SHORT && short_is_clean(bytes) {
        return write_raw(out, bytes);
    }
    write_escaped(out, bytes);
}

/// The general path of [`write_str_contents`] and [`write_str`]: strings
/// that are long or need escaping.
fn write_escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    out.reserve(bytes.len());
    let mut start = 0; // first byte not yet copied
    let mut i = 0;
    loop {
        i = next_special(bytes, i);
        let Some(&b) = bytes.get(i) else { break };
        let kind = ESCAPE[b as usize];
        if kind == MAYBE_LS {
            // E2 80 A8 is U+2028, E2 80 A9 is U+2029.
            if let Some(&[0x80, last @ (0xA8 | 0xA9)]) = bytes.get(i + 1..i + 3) {
                out.extend_from_slice(&bytes[start..i]);
                out.extend_from_slice(if last == 0xA8 { b"\\u2028" } else { b"\\u2029" });
                i += 3;
                start = i;
            } else {
                i += 1;
            }
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        if kind == UNICODE {
            out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[(b >> 4) as usize],
                HEX[(b & 0xF) as usize],
            ]);
        } else {
            out.extend_from_slice(&[b'\\', kind]);
        }
        i += 1;
        start = i;
    }
    out.extend_from_slice(&bytes[start..]);
}

/// Appends `s` as a quoted, escaped JSON string.
#[inline(always)]
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    if bytes.len() <= SHORT && short_is_clean(bytes) {
        return write_copied(out, bytes, true);
    }
    out.reserve(s.len() + 2);
    out.push(b'"');
    write_escaped(out, bytes);
    out.push(b'"');
}

/// Appends `b` escaped, without quotes, decoding it as UTF-8 the way
/// [`String::from_utf8_lossy`] does: valid runs are escaped as usual and each
/// invalid sequence becomes one U+FFFD.
pub fn write_bytes_lossy_contents(out: &mut Vec<u8>, mut b: &[u8]) {
    // `str::from_utf8` is much faster than `utf8_chunks`; decoding is greedy
    // left to right, so restarting after each invalid sequence gives exactly
    // `from_utf8_lossy`'s result.
    loop {
        match std::str::from_utf8(b) {
            Ok(valid) => return write_str_contents(out, valid),
            Err(e) => {
                let (valid, rest) = b.split_at(e.valid_up_to());
                // Re-checking the valid prefix costs little next to escaping
                // it and keeps this function free of `unsafe`.
                write_str_contents(out, std::str::from_utf8(valid).unwrap_or_default());
                out.extend_from_slice("\u{FFFD}".as_bytes());
                match e.error_len() {
                    Some(len) => b = &rest[len..],
                    None => return, // truncated sequence at the end
                }
            }
        }
    }
}

/// Appends `b` as a quoted JSON string whose value is exactly
/// `String::from_utf8_lossy(b)`.
#[inline]
pub fn write_bytes_lossy(out: &mut Vec<u8>, b: &[u8]) {
    out.reserve(b.len() + 2);
    out.push(b'"');
    write_bytes_lossy_contents(out, b);
    out.push(b'"');
}

/// Appends an object key and its colon: `"key":`.
#[inline]
pub fn write_key(out: &mut Vec<u8>, key: &str) {
    write_str(out, key);
    out.push(b':');
}

/// Appends an unsigned integer.
#[inline]
pub fn write_u64(out: &mut Vec<u8>, v: u64) {
    write_raw(out, itoa::Buffer::new().format(v).as_bytes());
}

/// Appends a signed integer.
#[inline]
pub fn write_i64(out: &mut Vec<u8>, v: i64) {
    write_raw(out, itoa::Buffer::new().format(v).as_bytes());
}

/// Appends an unsigned 128-bit integer (as a JSON number, all digits).
#[inline]
pub fn write_u128(out: &mut Vec<u8>, v: u128) {
    write_raw(out, itoa::Buffer::new().format(v).as_bytes());
}

/// Appends a signed 128-bit integer (as a JSON number, all digits).
#[inline]
pub fn write_i128(out: &mut Vec<u8>, v: i128) {
    write_raw(out, itoa::Buffer::new().format(v).as_bytes());
}

/// Appends a float.
///
/// A finite value is written as the shortest decimal that parses back to the
/// same bits (`-0.0` stays `-0.0`). JSON has no NaN or infinities, so those
/// become the JSON *strings* `"NaN"`, `"Infinity"` and `"-Infinity"`.
#[inline]
pub fn write_f64(out: &mut Vec<u8>, v: f64) {
    if v.is_finite() {
        if !write_f64_millis(out, v) {
            write_raw(out, ryu::Buffer::new().format_finite(v).as_bytes());
        }
    } else if v.is_nan() {
        out.extend_from_slice(b"\"NaN\"");
    } else if v > 0.0 {
        out.extend_from_slice(b"\"Infinity\"");
    } else {
        out.extend_from_slice(b"\"-Infinity\"");
    }
}

/// The fast path of [`write_f64`] for values with at most three decimals
/// (latencies, ratios, prices): `v == k / 1000` exactly for an integer `k`.
/// Below 1e12 in magnitude, distinct thousandths are distinct doubles (their
/// spacing, 1e-3, is more than twice the largest ulp, 1.2e-4), and division
/// rounds correctly, so the decimal `k / 1000` reads back as exactly `v`.
/// Returns false (writing nothing) for every other value, which then takes
/// ryu's general path. `v` must be finite.
#[inline]
fn write_f64_millis(out: &mut Vec<u8>, v: f64) -> bool {
    if v == 0.0 || v.abs() >= 1e12 {
        return false;
    }
    let scaled = v * 1000.0;
    // |scaled| < 1e15 fits an i64, so the cast is exact exactly when `scaled`
    // is a whole number (this is `scaled.fract() == 0.0` without the call to
    // `trunc`).
    let k = scaled as i64;
    if k as f64 != scaled || k as f64 / 1000.0 != v {
        return false;
    }
    if k < 0 {
        out.push(b'-');
    }
    let k = k.unsigned_abs();
    write_u64(out, k / 1000);
    // The point and the thousandths without their trailing zeros, but with
    // at least one digit: `.125`, `.25`, `.5`, `.0`.
    let frac = (k % 1000) as u32;
    let text = [
        b'.',
        b'0' + (frac / 100) as u8,
        b'0' + (frac / 10 % 10) as u8,
        b'0' + (frac % 10) as u8,
    ];
    let len = match (frac % 100, frac % 10) {
        (0, _) => 2,
        (_, 0) => 3,
        _ => 4,
    };
    write_raw(out, &text[..len]);
    true
}

/// Appends `true` or `false`.
#[inline]
pub fn write_bool(out: &mut Vec<u8>, v: bool) {
    out.extend_from_slice(if v { b"true" } else { b"false" });
}

/// Appends `null`.
#[inline]
pub fn write_null(out: &mut Vec<u8>) {
    out.extend_from_slice(b"null");
}

/// Fuzzing and corpus oracle, not public API: runs `data` through every
/// writer in this module and panics if any output is not the strict JSON it
/// should be, does not decode back to the input, or could break a log line.
///
/// The `json_writer` fuzz target and `tests/fuzz_corpus.rs` both call it.
#[doc(hidden)]
pub fn check_roundtrip(data: &[u8]) {
    const PREFIX: &[u8] = b"{\"x\":";
    let lossy = String::from_utf8_lossy(data);

    // Lossy bytes, appended after existing content.
    let mut out = PREFIX.to_vec();
    write_bytes_lossy(&mut out, data);
    assert!(out.starts_with(PREFIX), "writer clobbered earlier output");
    let quoted = &out[PREFIX.len()..];
    check_line_safe(quoted);
    let decoded = decode_json_string(quoted).unwrap_or_else(|e| {
        panic!(
            "invalid JSON string ({e}): {:?}",
            String::from_utf8_lossy(quoted)
        )
    });
    assert_eq!(decoded, lossy, "write_bytes_lossy did not round-trip");

    // The &str writers must agree with the lossy writer on valid UTF-8.
    let mut s_out = PREFIX.to_vec();
    write_str(&mut s_out, &lossy);
    if std::str::from_utf8(data).is_ok() {
        assert_eq!(s_out, out, "write_str and write_bytes_lossy disagree");
    }
    check_line_safe(&s_out[PREFIX.len()..]);
    assert_eq!(
        decode_json_string(&s_out[PREFIX.len()..]).as_deref(),
        Ok(&*lossy),
        "write_str did not round-trip"
    );

    // Keys: the same string followed by a colon.
    let mut k_out = Vec::new();
    write_key(&mut k_out, &lossy);
    assert_eq!(k_out.pop(), Some(b':'));
    assert_eq!(
        k_out,
        s_out[PREFIX.len()..],
        "write_key differs from write_str"
    );

    // Contents pieces concatenate into one string, split anywhere (on a char
    // boundary for the &str piece, on any byte for the byte pieces).
    let split = data.first().map_or(0, |&b| b as usize % (data.len() + 1));
    let mut str_split = split.min(lossy.len());
    while !lossy.is_char_boundary(str_split) {
        str_split -= 1;
    }
    let mut c_out = vec![b'"'];
    write_str_contents(&mut c_out, &lossy[..str_split]);
    write_str_contents(&mut c_out, &lossy[str_split..]);
    c_out.push(b'"');
    assert_eq!(
        c_out,
        s_out[PREFIX.len()..],
        "split write_str_contents differs"
    );
    let (a, b) = data.split_at(split);
    let mut b_out = vec![b'"'];
    write_bytes_lossy_contents(&mut b_out, a);
    write_bytes_lossy_contents(&mut b_out, b);
    b_out.push(b'"');
    check_line_safe(&b_out);
    let expected = String::from_utf8_lossy(a).into_owned() + &String::from_utf8_lossy(b);
    assert_eq!(
        decode_json_string(&b_out).as_deref(),
        Ok(&*expected),
        "split write_bytes_lossy_contents did not round-trip"
    );

    // Numbers from the first bytes.
    let mut word = [0u8; 16];
    let n = data.len().min(16);
    word[..n].copy_from_slice(&data[..n]);
    let lo = u64::from_le_bytes(word[..8].try_into().expect("8 bytes"));
    let wide = u128::from_le_bytes(word);
    check_number(lo, write_u64, |s| s.parse::<u64>().ok());
    check_number(lo as i64, write_i64, |s| s.parse::<i64>().ok());
    check_number(wide, write_u128, |s| s.parse::<u128>().ok());
    check_number(wide as i128, write_i128, |s| s.parse::<i128>().ok());

    let f = f64::from_bits(lo);
    let mut f_out = Vec::new();
    write_f64(&mut f_out, f);
    let text = std::str::from_utf8(&f_out).expect("float output is ASCII");
    if f.is_finite() {
        assert!(is_json_number(text), "not a JSON number: {text}");
        let back: f64 = text.parse().expect("float parses back");
        assert_eq!(
            back.to_bits(),
            f.to_bits(),
            "float {text} did not round-trip"
        );
    } else {
        let want = if f.is_nan() {
            "\"NaN\""
        } else if f > 0.0 {
            "\"Infinity\""
        } else {
            "\"-Infinity\""
        };
        assert_eq!(text, want);
    }
}

fn check_number<T: Copy + PartialEq + std::fmt::Debug>(
    v: T,
    write: fn(&mut Vec<u8>, T),
    parse: fn(&str) -> Option<T>,
) {
    let mut out = Vec::new();
    write(&mut out, v);
    let text = std::str::from_utf8(&out).expect("integer output is ASCII");
    assert!(is_json_number(text), "not a JSON number: {text}");
    assert_eq!(parse(text), Some(v), "integer {text} did not round-trip");
}

/// The JSON number grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
fn is_json_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > start
    };
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    if b.get(i) == Some(&b'0') {
        i += 1;
    } else if !digits(&mut i) {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == b.len()
}

/// Panics if `out` holds anything that could split or confuse a log line.
fn check_line_safe(out: &[u8]) {
    let text = std::str::from_utf8(out).expect("output is not valid UTF-8");
    for c in text.chars() {
        assert!(
            !matches!(c, '\0'..='\x1f' | '\x7f' | '\u{2028}' | '\u{2029}'),
            "raw {c:?} in output"
        );
    }
}

/// A strict, independent decoder for one quoted JSON string that must span
/// all of `s` (RFC 8259 §7; lone surrogate escapes are rejected).
fn decode_json_string(s: &[u8]) -> Result<String, &'static str> {
    let s = std::str::from_utf8(s).map_err(|_| "not UTF-8")?;
    let inner = s
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .ok_or("not quoted")?;
    let mut decoded = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    let hex4 = |chars: &mut std::str::Chars<'_>| -> Result<u32, &'static str> {
        let mut v = 0;
        for _ in 0..4 {
            let d = chars.next().and_then(|c| c.to_digit(16)).ok_or("bad \\u")?;
            v = v * 16 + d;
        }
        Ok(v)
    };
    while let Some(c) = chars.next() {
        match c {
            '"' => return Err("unescaped quote"),
            '\0'..='\x1f' => return Err("raw control character"),
            '\\' => {
                let e = chars.next().ok_or("dangling backslash")?;
                decoded.push(match e {
                    '"' => '"',
                    '\\' => '\\',
                    '/' => '/',
                    'b' => '\x08',
                    'f' => '\x0c',
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    'u' => {
                        let hi = hex4(&mut chars)?;
                        let code = if (0xD800..0xDC00).contains(&hi) {
                            if chars.next() != Some('\\') || chars.next() != Some('u') {
                                return Err("lone high surrogate");
                            }
                            let lo = hex4(&mut chars)?;
                            if !(0xDC00..0xE000).contains(&lo) {
                                return Err("bad low surrogate");
                            }
                            0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                        } else {
                            hi
                        };
                        char::from_u32(code).ok_or("lone surrogate")?
                    }
                    _ => return Err("unknown escape"),
                });
            }
            c => decoded.push(c),
        }
    }
    Ok(decoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> String {
        let mut out = Vec::new();
        write_str(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    fn lossy(b: &[u8]) -> String {
        let mut out = Vec::new();
        write_bytes_lossy(&mut out, b);
        String::from_utf8(out).unwrap()
    }

    fn f(v: f64) -> String {
        let mut out = Vec::new();
        write_f64(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn short_escapes() {
        assert_eq!(s("a\"b"), r#""a\"b""#);
        assert_eq!(s("a\\b"), r#""a\\b""#);
        assert_eq!(s("a\nb"), r#""a\nb""#);
        assert_eq!(s("a\rb"), r#""a\rb""#);
        assert_eq!(s("a\tb"), r#""a\tb""#);
        assert_eq!(s("a\x08b"), r#""a\bb""#);
        assert_eq!(s("a\x0cb"), r#""a\fb""#);
        assert_eq!(s(""), r#""""#);
        assert_eq!(s("/"), r#""/""#);
    }

    #[test]
    fn unicode_escapes() {
        assert_eq!(s("\0"), r#""\u0000""#);
        assert_eq!(s("\x01\x1f"), r#""\u0001\u001f""#);
        assert_eq!(s("\x0b"), r#""\u000b""#);
        assert_eq!(s("\x1b[31m"), r#""\u001b[31m""#);
        assert_eq!(s("\x7f"), r#""\u007f""#);
        assert_eq!(s("a\u{2028}b\u{2029}c"), r#""a\u2028b\u2029c""#);
        // Other characters starting with 0xE2 are copied as they are.
        assert_eq!(
            s("\u{2027}\u{202a}\u{2000}→€"),
            "\"\u{2027}\u{202a}\u{2000}→€\""
        );
        assert_eq!(s("é😀日本"), "\"é😀日本\"");
        // U+0080..U+009F (C1 controls) are valid JSON as they are.
        assert_eq!(s("\u{85}"), "\"\u{85}\"");
    }

    #[test]
    fn all_ascii() {
        let all: String = (0u8..=0x7f).map(char::from).collect();
        let mut expected = String::from("\"");
        for b in 0u8..=0x7f {
            match b {
                b'"' => expected.push_str("\\\""),
                b'\\' => expected.push_str("\\\\"),
                b'\n' => expected.push_str("\\n"),
                b'\r' => expected.push_str("\\r"),
                b'\t' => expected.push_str("\\t"),
                0x08 => expected.push_str("\\b"),
                0x0c => expected.push_str("\\f"),
                0..=0x1f | 0x7f => expected.push_str(&format!("\\u{b:04x}")),
                _ => expected.push(char::from(b)),
            }
        }
        expected.push('"');
        assert_eq!(s(&all), expected);
        check_roundtrip(all.as_bytes());
    }

    #[test]
    fn specials_at_every_offset() {
        // Exercise the 8-byte scan: a special byte at each position of a
        // chunk, and at chunk boundaries.
        for special in [
            "\"", "\\", "\n", "\x7f", "\u{2028}", "\u{2029}", "\u{2030}", "\0",
        ] {
            for pad in 0..20 {
                let text = format!("{}{special}{}", "a".repeat(pad), "b".repeat(20 - pad));
                check_roundtrip(text.as_bytes());
                let escaped = s(&text);
                assert!(escaped.starts_with(&format!("\"{}", "a".repeat(pad))));
                assert!(escaped.ends_with(&format!("{}\"", "b".repeat(20 - pad))));
            }
        }
    }

    #[test]
    fn block_scanners_agree_with_table() {
        // Every byte value at every position of a 16- and an 8-byte block.
        let reference = |bytes: &[u8], from: usize| {
            (from..bytes.len())
                .find(|&i| ESCAPE[bytes[i] as usize] != CLEAN)
                .unwrap_or(bytes.len())
        };
        // Under miri, the bytes around every class boundary of the table.
        let values: Vec<u8> = if cfg!(miri) {
            vec![
                0, 0x1F, 0x20, b'"', b'\\', 0x7E, 0x7F, 0x80, 0xE1, 0xE2, 0xE3, 0xFF,
            ]
        } else {
            (0..=255).collect()
        };
        for len in [8, 16, 24, 40] {
            for pos in 0..len {
                for &b in &values {
                    let mut bytes = vec![b'a'; len];
                    bytes[pos] = b;
                    let want = reference(&bytes, 0);
                    assert_eq!(next_special(&bytes, 0), want, "{b:#x} at {pos}/{len}");
                    // `len` is a multiple of 8: the SWAR scan alone must find it.
                    assert_eq!(
                        next_special_8(&bytes, 0),
                        want,
                        "swar {b:#x} at {pos}/{len}"
                    );
                    #[cfg(target_arch = "x86_64")]
                    {
                        let simd = sse2::next_special_16(&bytes, 0);
                        let block_end = len / 16 * 16;
                        assert_eq!(simd, want.min(block_end), "sse2 {b:#x} at {pos}/{len}");
                    }
                }
            }
        }
    }

    #[test]
    fn short_path_agrees_with_general_path() {
        // Every length the short path takes and some it does not, each with
        // one special byte (or none) at every position: the output must be
        // exactly the general path's.
        let specials: &[&[u8]] = if cfg!(miri) {
            &[b"", b"\"", b"\0", b"\xe2\x80\xa8"]
        } else {
            &[
                b"",
                b"\"",
                b"\\",
                b"\n",
                b"\0",
                b"\x1f",
                b"\x7f",
                b"\xe2\x80\xa8",
                b"\xe2\x80\xa9",
                b"\xe2\x82\xac",
                b"\xc3\xa9",
                b" ",
                b"~",
            ]
        };
        let lens: std::ops::RangeInclusive<usize> = if cfg!(miri) { 0..=34 } else { 0..=64 };
        for len in lens {
            for &special in specials {
                for pos in 0..=len.saturating_sub(special.len()) {
                    let mut bytes: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
                    if len >= special.len() {
                        bytes[pos..pos + special.len()].copy_from_slice(special);
                    }
                    let text = std::str::from_utf8(&bytes).unwrap();
                    let mut fast = b"{".to_vec();
                    write_str_contents(&mut fast, text);
                    let mut general = b"{".to_vec();
                    write_escaped(&mut general, text.as_bytes());
                    assert_eq!(fast, general, "{text:?}");
                    assert_eq!(
                        short_is_clean(&bytes[..len.min(SHORT)]),
                        bytes[..len.min(SHORT)]
                            .iter()
                            .all(|&b| ESCAPE[b as usize] == CLEAN),
                        "{text:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn short_cleanliness_sees_every_byte_value_at_every_position() {
        let values: Vec<u8> = if cfg!(miri) {
            vec![0, 0x1F, 0x20, b'"', b'\\', 0x7F, 0x80, 0xE2, 0xFF]
        } else {
            (0..=255).collect()
        };
        for len in 1..=SHORT {
            for pos in 0..len {
                for &b in &values {
                    let mut bytes = vec![b'a'; len];
                    bytes[pos] = b;
                    let clean = ESCAPE[b as usize] == CLEAN;
                    assert_eq!(short_is_clean(&bytes), clean, "{b:#x} at {pos}/{len}");
                    if len == 16 {
                        // The portable check `words_clean` uses off x86-64.
                        let swar = special_bytes(word(&bytes, 0)) | special_bytes(word(&bytes, 8));
                        assert_eq!(swar == 0, clean, "swar {b:#x} at {pos}");
                    }
                }
            }
        }
    }

    #[test]
    fn write_raw_appends_exactly_the_bytes() {
        let all: Vec<u8> = (0..=255).collect();
        for len in 0..=2 * SHORT {
            for start in [0, 1, 7] {
                let bytes = &all[start..start + len];
                let mut out = b"prefix".to_vec();
                write_raw(&mut out, bytes);
                assert_eq!(&out[..6], b"prefix");
                assert_eq!(&out[6..], bytes, "{len} from {start}");
                // And into a vector with no spare capacity at all.
                let mut tight = Vec::new();
                write_raw(&mut tight, bytes);
                assert_eq!(tight, bytes);
            }
        }
    }

    #[test]
    fn contents_and_key() {
        let mut out = b"{".to_vec();
        write_key(&mut out, "k\"1");
        out.push(b'"');
        write_str_contents(&mut out, "a\n");
        write_bytes_lossy_contents(&mut out, b"b\xff");
        out.extend_from_slice(b"\"}");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"k\\\"1\":\"a\\nb\u{FFFD}\"}"
        );
    }

    #[test]
    fn lossy_matches_std() {
        let cases: &[&[u8]] = &[
            b"",
            b"plain",
            b"\xff",
            b"a\xffb",
            b"\xff\xfe\xfd",
            b"\xc3",             // truncated 2-byte
            b"\xe2\x82",         // truncated 3-byte
            b"\xf0\x9f\x98",     // truncated 4-byte
            b"\xf0\x9f\x98 x",   // truncated 4-byte then ASCII
            b"\xc0\x80",         // overlong NUL
            b"\xe0\x80\xaf",     // overlong '/'
            b"\xed\xa0\x80",     // UTF-16 surrogate encoded in UTF-8
            b"\xed\xbf\xbf",     // low surrogate
            b"\xf4\x90\x80\x80", // above U+10FFFF
            b"\x80\x80",         // lone continuation bytes
            b"\xe2\x80",         // truncated U+2028 prefix
            b"\xe2\x80\xa8\xe2", // U+2028 then truncated lead byte
            b"\"\\\n\xff\x7f",
        ];
        for &case in cases {
            let out = lossy(case);
            let decoded = decode_json_string(out.as_bytes()).unwrap();
            assert_eq!(decoded, String::from_utf8_lossy(case), "{case:?}");
            check_roundtrip(case);
        }
        assert_eq!(lossy(b"a\xffb"), "\"a\u{FFFD}b\"");
        assert_eq!(lossy(b"\xed\xa0\x80"), "\"\u{FFFD}\u{FFFD}\u{FFFD}\"");
        assert_eq!(lossy(b"\xe2\x80\xa8\xe2"), "\"\\u2028\u{FFFD}\"");
    }

    #[test]
    fn floats() {
        assert_eq!(f(0.0), "0.0");
        assert_eq!(f(-0.0), "-0.0");
        assert_eq!(f(1.5), "1.5");
        assert_eq!(f(1e300), "1e300");
        assert_eq!(f(5e-324), "5e-324");
        assert_eq!(f(f64::MAX), "1.7976931348623157e308");
        assert_eq!(f(f64::NAN), "\"NaN\"");
        assert_eq!(f(-f64::NAN), "\"NaN\"");
        assert_eq!(f(f64::INFINITY), "\"Infinity\"");
        assert_eq!(f(f64::NEG_INFINITY), "\"-Infinity\"");
        for v in [
            0.0,
            -0.0,
            1e300,
            5e-324,
            -5e-324,
            f64::MIN_POSITIVE,
            0.1,
            1e-7,
            1e16,
        ] {
            let text = f(v);
            assert!(is_json_number(&text), "{text}");
            assert_eq!(text.parse::<f64>().unwrap().to_bits(), v.to_bits());
        }
    }

    #[test]
    fn integers() {
        let mut out = Vec::new();
        write_u64(&mut out, u64::MAX);
        out.push(b' ');
        write_i64(&mut out, i64::MIN);
        out.push(b' ');
        write_u128(&mut out, u128::MAX);
        out.push(b' ');
        write_i128(&mut out, i128::MIN);
        out.push(b' ');
        write_i128(&mut out, i128::MAX);
        out.push(b' ');
        write_u64(&mut out, 0);
        out.push(b' ');
        write_i64(&mut out, -1);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "18446744073709551615 -9223372036854775808 \
             340282366920938463463374607431768211455 \
             -170141183460469231731687303715884105728 \
             170141183460469231731687303715884105727 0 -1"
        );
    }

    #[test]
    fn bool_and_null() {
        let mut out = Vec::new();
        write_bool(&mut out, true);
        write_bool(&mut out, false);
        write_null(&mut out);
        assert_eq!(out, b"truefalsenull");
    }

    #[test]
    fn decoder_is_strict() {
        for bad in [
            &b"\"a"[..],
            b"a\"",
            b"\"\n\"",
            b"\"\\x\"",
            b"\"\\u12\"",
            b"\"\\ud800\"",
            b"\"a\"b\"",
            b"\"\xff\"",
        ] {
            assert!(decode_json_string(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            decode_json_string(br#""\ud83d\ude00\/\u00e9""#).unwrap(),
            "😀/é"
        );
        assert!(!is_json_number("01"));
        assert!(!is_json_number("1."));
        assert!(!is_json_number("NaN"));
        assert!(is_json_number("-0.0e+5"));
    }
}

#[cfg(test)]
mod f64_fast_path_tests {
    use super::*;

    fn written(v: f64) -> String {
        let mut out = Vec::new();
        write_f64(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn thousandths_are_written_exactly_and_read_back_bit_for_bit() {
        for (v, s) in [
            (3.25, "3.25"),
            (3.2, "3.2"),
            (-0.125, "-0.125"),
            (1.0, "1.0"),
            (0.001, "0.001"),
            (999_999_999_999.5, "999999999999.5"),
        ] {
            assert_eq!(written(v), s);
        }
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..if cfg!(miri) { 300 } else { 200_000 } {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let k = (state % 2_000_000_000_000) as i64 - 1_000_000_000_000;
            for v in [
                k as f64 / 1000.0,
                f64::from_bits(state),
                (state % 100_000) as f64 / 7.0,
            ] {
                if v.is_finite() {
                    let s = written(v);
                    assert_eq!(
                        s.parse::<f64>().unwrap().to_bits(),
                        v.to_bits(),
                        "{v:?} written as {s}"
                    );
                }
            }
        }
    }
}
