//! One vectorized pass over the text, in 64-byte windows, for the triggers
//! that are too common for memchr to jump between.
//!
//! - **Digit spans** (cards, phones, [`super::digits`]): each window gets a
//!   bitmask of its digit and separator bytes; a window without `min_len`
//!   such bytes in a row (most of a log, even a number-heavy one: a
//!   timestamp's `:` and `T` break the run) is skipped without looking at a
//!   byte of it again.
//! - **`Bearer`/`Basic`**: `b` is frequent (words, hex ids), and restarting
//!   memchr at each one cost more than the rest of the scan; instead the
//!   window's bitmask of `b`/`B` followed by `e`/`E`/`a`/`A` gives the
//!   candidates, visited by bit iteration.
//!
//! Windows overlap by 12 bytes (`min_len - 1` at most), so a span's first
//! `min_len` bytes lie whole in some window; a bearer candidate is taken only
//! from the first 52 bytes of a window (the next window holds the rest),
//! except in the last one. The last, partial window is copied into a
//! zero-padded buffer. SSE2 (baseline on x86_64) computes the masks;
//! elsewhere a scalar loop does.

use super::digits::probe_scan;

const WINDOW: usize = 64;
/// Windows start this far apart: they overlap by 12 bytes.
const STEP: usize = WINDOW - 12;

/// What the pass found, in text order per kind.
pub(super) enum Trigger {
    /// A maximal digit span `start..end` (see [`super::digits`]).
    Span(usize, usize),
    /// A `b`/`B` followed by `e`/`a` (any case) at this position.
    AuthScheme(usize),
    /// A `=` or `:` at this position (`key=value` pairs, [`super::keyvalue`]).
    KeySep(usize),
}

/// Calls `f` for every digit span of at least `min_len` bytes (when
/// `spans` is `Some(min_len)`, `2 <= min_len <= 13`) and every `Bearer`/`Basic`
/// candidate (when `auth`).
pub(super) fn scan(
    t: &[u8],
    spans: Option<usize>,
    auth: bool,
    key_seps: bool,
    mut f: impl FnMut(Trigger),
) {
    assert!(spans.is_none_or(|min_len| (2..=13).contains(&min_len)));
    if spans.is_none() && !auth && !key_seps {
        return;
    }
    let (mut resume, mut w) = (0, 0);
    loop {
        let last = w + WINDOW >= t.len();
        let m = if last {
            let mut buf = [0u8; WINDOW];
            buf[..t.len() - w].copy_from_slice(&t[w..]);
            masks(&buf)
        } else {
            masks(t[w..w + WINDOW].try_into().expect("a whole window"))
        };
        if auth {
            let mut bits = if last {
                m.auth
            } else {
                m.auth & ((1 << STEP) - 1)
            };
            while bits != 0 {
                f(Trigger::AuthScheme(w + bits.trailing_zeros() as usize));
                bits &= bits - 1;
            }
        }
        if key_seps {
            let mut bits = if last {
                m.sep
            } else {
                m.sep & ((1 << STEP) - 1)
            };
            while bits != 0 {
                let at = w + bits.trailing_zeros() as usize;
                if at < t.len() {
                    f(Trigger::KeySep(at));
                }
                bits &= bits - 1;
            }
        }
        if let Some(min_len) = spans {
            let runs = (1..min_len).fold(m.class, |r, k| r & (m.class >> k));
            if runs != 0 {
                let from = resume.max(w + runs.trailing_zeros() as usize);
                let until = if last { t.len() } else { w + WINDOW };
                resume = probe_scan(t, from, until, min_len, &mut |s, e| f(Trigger::Span(s, e)));
            }
        }
        if last {
            return;
        }
        w += STEP;
    }
}

/// Every digit span of at least `min_len` bytes (tests and callers that
/// want spans only).
#[cfg(test)]
pub(super) fn for_each_span(t: &[u8], min_len: usize, mut f: impl FnMut(usize, usize)) {
    scan(t, Some(min_len), false, false, |trigger| {
        if let Trigger::Span(s, e) = trigger {
            f(s, e)
        }
    });
}

struct Masks {
    /// Digits and separators.
    class: u64,
    /// `b`/`B` followed by `e`/`E`/`a`/`A` (bit 63 never: its next byte is
    /// in the next window).
    auth: u64,
    /// `=` and `:`.
    sep: u64,
}

#[cfg(target_arch = "x86_64")]
fn masks(chunk: &[u8; WINDOW]) -> Masks {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_cmplt_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8, _mm_sub_epi8,
    };
    let (mut class, mut b, mut ea, mut sep) = (0u64, 0u64, 0u64, 0u64);
    for k in 0..WINDOW / 16 {
        // SAFETY: SSE2 is part of the x86_64 baseline, so every intrinsic
        // here is available on any x86_64 CPU; the unaligned load reads bytes
        // 16k..16k+16 of `chunk`, which holds 64.
        let (c, lower_b, lower_ea, eq_colon) = unsafe {
            let v = _mm_loadu_si128(chunk.as_ptr().add(16 * k).cast());
            // b - '0' < 10 unsigned, as a signed compare after moving the
            // range to the bottom: (b - '0' - 128) < (10 - 128).
            let shifted = _mm_sub_epi8(v, _mm_set1_epi8((b'0' as i8).wrapping_sub(i8::MIN)));
            let digit = _mm_cmplt_epi8(shifted, _mm_set1_epi8(10 + i8::MIN));
            let space = _mm_cmpeq_epi8(v, _mm_set1_epi8(b' ' as i8));
            let dash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'-' as i8));
            let dot = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'.' as i8));
            let class = _mm_or_si128(_mm_or_si128(digit, space), _mm_or_si128(dash, dot));
            let folded = _mm_or_si128(v, _mm_set1_epi8(0x20));
            let lower_b = _mm_cmpeq_epi8(folded, _mm_set1_epi8(b'b' as i8));
            let lower_e = _mm_cmpeq_epi8(folded, _mm_set1_epi8(b'e' as i8));
            let lower_a = _mm_cmpeq_epi8(folded, _mm_set1_epi8(b'a' as i8));
            let eq = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'=' as i8));
            let colon = _mm_cmpeq_epi8(v, _mm_set1_epi8(b':' as i8));
            (
                _mm_movemask_epi8(class),
                _mm_movemask_epi8(lower_b),
                _mm_movemask_epi8(_mm_or_si128(lower_e, lower_a)),
                _mm_movemask_epi8(_mm_or_si128(eq, colon)),
            )
        };
        class |= u64::from(c as u16) << (16 * k);
        b |= u64::from(lower_b as u16) << (16 * k);
        ea |= u64::from(lower_ea as u16) << (16 * k);
        sep |= u64::from(eq_colon as u16) << (16 * k);
    }
    Masks {
        class,
        auth: b & (ea >> 1),
        sep,
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn masks(chunk: &[u8; WINDOW]) -> Masks {
    let (mut class, mut b, mut ea, mut sep) = (0u64, 0u64, 0u64, 0u64);
    for (k, &byte) in chunk.iter().enumerate() {
        class |= u64::from(byte.is_ascii_digit() || super::digits::is_sep(byte)) << k;
        b |= u64::from(byte | 0x20 == b'b') << k;
        ea |= u64::from(matches!(byte | 0x20, b'e' | b'a')) << k;
        sep |= u64::from(matches!(byte, b'=' | b':')) << k;
    }
    Masks {
        class,
        auth: b & (ea >> 1),
        sep,
    }
}

#[cfg(test)]
mod tests {
    use super::super::digits::is_sep;
    use super::*;

    #[test]
    fn masks_mark_their_bytes() {
        for start in [0u8, 64, 128, 192, 20] {
            let mut chunk = [0u8; WINDOW];
            for (k, c) in chunk.iter_mut().enumerate() {
                *c = start.wrapping_add(k as u8);
            }
            chunk[10..13].copy_from_slice(b"bEa");
            let m = masks(&chunk);
            for (k, &byte) in chunk.iter().enumerate() {
                assert_eq!(
                    m.class >> k & 1 == 1,
                    byte.is_ascii_digit() || is_sep(byte),
                    "byte {byte}"
                );
                let next = chunk.get(k + 1).map_or(0, |b| b | 0x20);
                let auth = byte | 0x20 == b'b' && matches!(next, b'e' | b'a');
                assert_eq!(m.auth >> k & 1 == 1, auth, "byte {byte} at {k}");
            }
        }
    }

    #[test]
    fn auth_candidates_are_each_reported_once() {
        for len in [0, 5, 63, 64, 65, 100, 130, 1000] {
            let text: String = (0..len)
                .map(|i| {
                    if i % 7 == 3 {
                        'B'
                    } else if i % 7 == 4 {
                        'a'
                    } else {
                        'x'
                    }
                })
                .collect();
            let mut seen = Vec::new();
            scan(text.as_bytes(), None, true, false, |t| {
                if let Trigger::AuthScheme(i) = t {
                    seen.push(i)
                }
            });
            let expected: Vec<usize> = (0..len).filter(|i| i % 7 == 3 && i + 1 < len).collect();
            assert_eq!(seen, expected, "len {len}");
        }
    }
}
