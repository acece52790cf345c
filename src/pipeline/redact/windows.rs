//! One vectorized pass over the text, in 64-byte blocks, that marks every
//! byte where a detector may start, so that clean text is walked once.
//!
//! For each block it computes four bitmasks (bit `k` is byte `k` of the
//! block):
//!
//! - **`class`**: digits and the separators ` `, `-`, `.`, for the digit
//!   spans of cards and phones ([`Spans`], [`super::digits`]). A block
//!   without `min_len` such bytes in a row (most of a log, even a
//!   number-heavy one: a timestamp's `:` and `T` break the run) is skipped
//!   without looking at a byte of it again.
//! - **`auth`**: `b`/`B` followed by `e`/`E`/`a`/`A`, the candidates for
//!   `Bearer`/`Basic` credentials. `b` is frequent (words, hex ids), and
//!   restarting memchr at each one cost more than the rest of the scan.
//! - **`sep`**: `=` and `:`, for `key=value` pairs ([`super::keyvalue`]),
//!   less those that [`super::keyvalue`] would skip anyway, about half of
//!   them in a log: between two digits (times, addresses with a port) and
//!   `:` in `::` (paths) or before `/` (`://`). Only what the block itself
//!   shows is dropped: a separator at either end of it is kept.
//! - **`rare`**: the anchors of the rarer detectors: `@` (URL userinfo,
//!   e-mail), `+` and `(` (phones), `I` followed by `A` (the end of `AKIA`,
//!   `ASIA`), `y` followed by `J` (inside `eyJ`, a JWT) and `-` followed by
//!   `B` (the end of `-----B`, a PEM block). The caller tells them apart by
//!   the byte.
//!
//! Pairs are found by comparing the block with itself loaded one byte later,
//! so each block reads 65 bytes and no candidate is split between blocks.
//! The blocks do not overlap. The last one is read as the text's last 65
//! bytes, its bits moved down past the bytes already seen (no copy: most
//! values are a line or two); only a text shorter than 65 bytes is copied
//! into a zero-padded buffer, where zero bytes mark nothing. AVX2 computes
//! the masks where the CPU has it (checked at run time), SSE2 (baseline on
//! x86_64) otherwise, and a scalar loop elsewhere; a test holds each to the
//! scalar definition.

use super::digits::probe_scan;

/// Bytes per block.
pub(super) const BLOCK: usize = 64;

/// What a block holds (module docs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Masks {
    /// Digits and separators.
    pub class: u64,
    /// `b`/`B` followed by `e`/`E`/`a`/`A`.
    pub auth: u64,
    /// `=` and `:`, less those between two digits, in `::` or before `/`.
    pub sep: u64,
    /// `@`, `+`, `(`, and `I`, `y`, `-` followed by `A`, `J`, `B`.
    pub rare: u64,
}

/// Calls `f(start, masks)` for each block of `t`, in text order. The last
/// block may be short: its masks have no bits past the end of `t`.
#[inline(always)]
pub(super) fn for_each_block(t: &[u8], f: impl FnMut(usize, &Masks)) {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: this CPU has AVX2, just checked.
        return unsafe { blocks_avx2(t, f) };
    }
    blocks::<Native>(t, f)
}

/// How a CPU computes a block's masks.
trait Classify {
    /// The masks of `chunk`'s first `len` bytes (`1..=BLOCK`), the rest of
    /// it being zeros, which mark nothing: vector code compares only the
    /// vectors that hold text (one, for most values).
    fn masks(chunk: &[u8; BLOCK + 1], len: usize) -> Masks;
}

/// The blocks loop (see [`for_each_block`]), for one way of computing masks.
/// `f` is called from one place, so that it is inlined into the loop.
#[inline(always)]
fn blocks<C: Classify>(t: &[u8], mut f: impl FnMut(usize, &Masks)) {
    let n = t.len();
    let mut w = 0;
    while w < n {
        let m = if n - w > BLOCK {
            C::masks(t[w..w + BLOCK + 1].try_into().expect("65 bytes"), BLOCK)
        } else if n > BLOCK {
            tail::<C>(t, w)
        } else {
            let mut buf = [0u8; BLOCK + 1];
            buf[..n].copy_from_slice(t);
            C::masks(&buf, n)
        };
        f(w, &m);
        w += BLOCK;
    }
}

/// The masks of the last 1..=64 bytes `t[w..]` of a text longer than a
/// block: classify the last 65 bytes of the text (bytes `n - 65 .. n - 1`,
/// each with its next one) instead of copying the rest into a padded
/// buffer, drop the bits of the bytes already seen, and add the last byte,
/// which starts no pair.
#[inline(always)]
fn tail<C: Classify>(t: &[u8], w: usize) -> Masks {
    let n = t.len();
    let s = n - BLOCK - 1;
    let m = C::masks(t[s..].try_into().expect("65 bytes"), BLOCK);
    let seen = (w - s) as u32;
    let last = t[n - 1];
    let at = n - 1 - w;
    let down = |x: u64| x.checked_shr(seen).unwrap_or(0);
    Masks {
        class: down(m.class)
            | u64::from(last.is_ascii_digit() || super::digits::is_sep(last)) << at,
        auth: down(m.auth),
        sep: down(m.sep) | u64::from(matches!(last, b'=' | b':')) << at,
        rare: down(m.rare) | u64::from(matches!(last, b'@' | b'+' | b'(')) << at,
    }
}

/// The blocks loop compiled for AVX2.
///
/// # Safety
///
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn blocks_avx2(t: &[u8], f: impl FnMut(usize, &Masks)) {
    blocks::<Avx2>(t, f)
}

/// Digit spans of at least `min_len` bytes (`2 <= min_len <= 16`), fed one
/// block's `class` mask at a time, in text order.
pub(super) struct Spans {
    min_len: usize,
    /// Shifts that turn the class mask into run ends: each at most the run
    /// length reached so far (1, 2, 4, 8, …), adding up to `min_len - 1`.
    shifts: [u32; 4],
    /// The previous block's `class` mask: a run may start there.
    prev: u64,
    /// Where the probe scan may start again.
    resume: usize,
}

impl Spans {
    pub(super) fn new(min_len: usize) -> Spans {
        assert!((2..=16).contains(&min_len));
        let (mut shifts, mut len) = ([0; 4], 1);
        for s in &mut shifts {
            *s = len.min(min_len - len);
            len += *s;
        }
        debug_assert_eq!(len, min_len);
        Spans {
            min_len,
            shifts: shifts.map(|s| s as u32),
            prev: 0,
            resume: 0,
        }
    }

    /// Calls `f(start, end)` for every maximal digit span of `min_len` bytes
    /// or more whose first `min_len` bytes end in the block at `w` (and
    /// perhaps a few more that the probe scan meets). A span lies inside a
    /// run of digits and separators, so only such runs of `min_len` bytes or
    /// more are probed, each from its start to its end.
    #[inline(always)]
    pub(super) fn block(
        &mut self,
        t: &[u8],
        w: usize,
        class: u64,
        f: &mut impl FnMut(usize, usize),
    ) {
        let prev = std::mem::replace(&mut self.prev, class);
        // Bit j: the min_len bytes ending at byte j of the block are all
        // digits or separators, inside the block, or for the first such j,
        // a run from the previous block that goes on here. (Both computed,
        // no short circuit: which one holds is data.)
        let (lead, carry) = (class.trailing_ones() as usize, prev.leading_ones() as usize);
        let crossing = (lead > 0) & (carry + lead >= self.min_len);
        let mut ends = self.shifts.iter().fold(class, |r, &s| r & r << s);
        if ends == 0 && !crossing {
            return;
        }
        if crossing {
            ends |= 1 << (self.min_len - 1).saturating_sub(carry);
        }
        while ends != 0 {
            let j = ends.trailing_zeros() as usize;
            // The run through byte j ends before byte `end` of the block (or
            // goes on into the next block, and the probe scan follows it).
            let end = j + (class >> j).trailing_ones() as usize;
            let from = self.resume.max(w + j + 1 - self.min_len);
            self.resume = probe_scan(t, from, w + end, self.min_len, f);
            ends = if end >= BLOCK { 0 } else { ends & !0 << end };
        }
    }
}

/// Every digit span of at least `min_len` bytes (tests of the span users).
#[cfg(test)]
pub(super) fn for_each_span(t: &[u8], min_len: usize, mut f: impl FnMut(usize, usize)) {
    let mut spans = Spans::new(min_len);
    for_each_block(t, |w, m| spans.block(t, w, m.class, &mut f));
}

/// The separators that start no `key=value` (see [`Masks::sep`]), from
/// the block's digits and its `:` followed by `:` or `/`: a separator
/// between two digits, such a `:`, and the byte after it. Bits 0 and 63 do
/// not see both neighbours and are never dropped as between digits.
#[inline(always)]
fn skipped_seps(digits: u64, colon_pairs: u64) -> u64 {
    (digits << 1 & digits >> 1) | colon_pairs | colon_pairs << 1
}

/// The baseline: SSE2 on x86_64, the scalar definition elsewhere.
struct Native;

#[cfg(not(target_arch = "x86_64"))]
impl Classify for Native {
    fn masks(chunk: &[u8; BLOCK + 1], _len: usize) -> Masks {
        scalar_masks(chunk)
    }
}

#[cfg(target_arch = "x86_64")]
impl Classify for Native {
    #[inline(always)]
    fn masks(chunk: &[u8; BLOCK + 1], len: usize) -> Masks {
        // SAFETY: SSE2 is part of the x86_64 baseline, so it is available
        // on any x86_64 CPU.
        unsafe { vector::masks::<std::arch::x86_64::__m128i>(chunk, len) }
    }
}

/// AVX2: the same compares as [`Native`], 32 bytes at a time. Only used
/// inside [`blocks_avx2`].
#[cfg(target_arch = "x86_64")]
struct Avx2;

#[cfg(target_arch = "x86_64")]
impl Classify for Avx2 {
    #[inline(always)]
    fn masks(chunk: &[u8; BLOCK + 1], len: usize) -> Masks {
        // SAFETY: `Avx2` is only used by `blocks_avx2`, which runs only on
        // CPUs with AVX2 (and the tests check the CPU first).
        unsafe { masks_avx2(chunk, len) }
    }
}

/// # Safety
///
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn masks_avx2(chunk: &[u8; BLOCK + 1], len: usize) -> Masks {
    // SAFETY: the caller guarantees AVX2; compiled with it enabled here, the
    // generic body's intrinsics inline as AVX2 instructions.
    unsafe { vector::masks::<std::arch::x86_64::__m256i>(chunk, len) }
}

/// The vector compares, written once for both widths (SSE2 16 bytes, AVX2
/// 32), in the manner of `memchr`'s generic vector code.
#[cfg(target_arch = "x86_64")]
mod vector {
    use super::{skipped_seps, Masks, BLOCK};
    use std::arch::x86_64::*;

    /// A vector of bytes and the few operations the classifier needs.
    ///
    /// # Safety
    ///
    /// Every method may only be called on a CPU with the vector's
    /// instruction set (SSE2 for `__m128i`, AVX2 for `__m256i`).
    pub(super) trait Vector: Copy {
        /// Bytes per vector.
        const WIDTH: usize;
        /// Loads `WIDTH` bytes from `p` (any alignment), which must be
        /// readable.
        unsafe fn load(p: *const u8) -> Self;
        unsafe fn splat(b: u8) -> Self;
        unsafe fn eq(self, other: Self) -> Self;
        unsafe fn or(self, other: Self) -> Self;
        unsafe fn and(self, other: Self) -> Self;
        unsafe fn sub(self, other: Self) -> Self;
        /// Signed, bytewise `self < other`.
        unsafe fn lt(self, other: Self) -> Self;
        /// Bit `k` set when byte `k` is all ones.
        unsafe fn bits(self) -> u64;

        /// Bytewise `self == b`.
        #[inline(always)]
        unsafe fn is(self, b: u8) -> Self {
            // SAFETY: forwarded from the trait's contract.
            unsafe { self.eq(Self::splat(b)) }
        }
    }

    /// Implements [`Vector`] for one width from its intrinsics.
    macro_rules! vector_impl {
        ($v:ty, $width:literal, $mask:ty, $load:ident, $splat:ident, $eq:ident,
         $or:ident, $and:ident, $sub:ident, $gt:ident, $movemask:ident) => {
            impl Vector for $v {
                const WIDTH: usize = $width;
                #[inline(always)]
                unsafe fn load(p: *const u8) -> Self {
                    // SAFETY: the contracts give the instruction set and
                    // `WIDTH` readable bytes at `p`; `loadu` takes any
                    // alignment.
                    unsafe { $load(p.cast()) }
                }
                #[inline(always)]
                unsafe fn splat(b: u8) -> Self {
                    // SAFETY: the trait's contract gives the instruction set.
                    unsafe { $splat(b as i8) }
                }
                #[inline(always)]
                unsafe fn eq(self, other: Self) -> Self {
                    // SAFETY: the trait's contract gives the instruction set.
                    unsafe { $eq(self, other) }
                }
                #[inline(always)]
                unsafe fn or(self, other: Self) -> Self {
                    // SAFETY: the trait's contract gives the instruction set.
                    unsafe { $or(self, other) }
                }
                #[inline(always)]
                unsafe fn and(self, other: Self) -> Self {
                    // SAFETY: the trait's contract gives the instruction set.
                    unsafe { $and(self, other) }
                }
                #[inline(always)]
                unsafe fn sub(self, other: Self) -> Self {
                    // SAFETY: the trait's contract gives the instruction set.
                    unsafe { $sub(self, other) }
                }
                #[inline(always)]
                unsafe fn lt(self, other: Self) -> Self {
                    // SAFETY: the trait's contract gives the instruction set.
                    unsafe { $gt(other, self) }
                }
                #[inline(always)]
                unsafe fn bits(self) -> u64 {
                    // SAFETY: the trait's contract gives the instruction set.
                    u64::from(unsafe { $movemask(self) } as $mask)
                }
            }
        };
    }

    vector_impl!(
        __m128i,
        16,
        u16,
        _mm_loadu_si128,
        _mm_set1_epi8,
        _mm_cmpeq_epi8,
        _mm_or_si128,
        _mm_and_si128,
        _mm_sub_epi8,
        _mm_cmpgt_epi8,
        _mm_movemask_epi8
    );
    vector_impl!(
        __m256i,
        32,
        u32,
        _mm256_loadu_si256,
        _mm256_set1_epi8,
        _mm256_cmpeq_epi8,
        _mm256_or_si256,
        _mm256_and_si256,
        _mm256_sub_epi8,
        _mm256_cmpgt_epi8,
        _mm256_movemask_epi8
    );

    /// The masks of a block (module docs) whose bytes from `len` on are
    /// zeros, `V::WIDTH` bytes at a time: only the vectors holding some of
    /// the first `len` bytes, since vectors of zeros mark nothing.
    ///
    /// # Safety
    ///
    /// As [`Vector`]: the CPU has `V`'s instruction set.
    #[inline(always)]
    pub(super) unsafe fn masks<V: Vector>(chunk: &[u8; BLOCK + 1], len: usize) -> Masks {
        let (mut m, mut digits, mut colon_pairs) = (Masks::default(), 0, 0);
        for k in 0..len.min(BLOCK).div_ceil(V::WIDTH) {
            let at = V::WIDTH * k;
            // SAFETY: the caller guarantees the instruction set. The loads
            // read bytes `at..at + WIDTH` and `at + 1..at + WIDTH + 1` of
            // `chunk`, which holds `BLOCK + 1` (`at + WIDTH <= BLOCK`).
            unsafe {
                let v = V::load(chunk.as_ptr().add(at));
                let next = V::load(chunk.as_ptr().add(at + 1));
                // b - '0' < 10 unsigned, as a signed compare after moving the
                // range to the bottom: (b - '0' - 128) < (10 - 128).
                let digit = v
                    .sub(V::splat(b'0'.wrapping_sub(128)))
                    .lt(V::splat(10u8.wrapping_add(128)));
                let dash = v.is(b'-');
                let class = digit.or(v.is(b' ')).or(dash.or(v.is(b'.')));
                let (folded, next_folded) = (v.or(V::splat(0x20)), next.or(V::splat(0x20)));
                let auth = folded
                    .is(b'b')
                    .and(next_folded.is(b'e').or(next_folded.is(b'a')));
                let colon = v.is(b':');
                let sep = v.is(b'=').or(colon);
                let colon_pair = colon.and(next.is(b':').or(next.is(b'/')));
                let singles = v.is(b'@').or(v.is(b'+')).or(v.is(b'('));
                let pairs = v
                    .is(b'I')
                    .and(next.is(b'A'))
                    .or(v.is(b'y').and(next.is(b'J')))
                    .or(dash.and(next.is(b'B')));
                m.class |= class.bits() << at;
                m.auth |= auth.bits() << at;
                m.sep |= sep.bits() << at;
                m.rare |= singles.or(pairs).bits() << at;
                digits |= digit.bits() << at;
                colon_pairs |= colon_pair.bits() << at;
            }
        }
        m.sep &= !skipped_seps(digits, colon_pairs);
        m
    }
}

/// The masks byte by byte: the definition the vector code must agree with.
#[cfg(any(test, not(target_arch = "x86_64")))]
fn scalar_masks(chunk: &[u8; BLOCK + 1]) -> Masks {
    let mut m = Masks::default();
    for k in 0..BLOCK {
        let (byte, next) = (chunk[k], chunk[k + 1]);
        m.class |= u64::from(byte.is_ascii_digit() || super::digits::is_sep(byte)) << k;
        m.auth |= u64::from(byte | 0x20 == b'b' && matches!(next | 0x20, b'e' | b'a')) << k;
        let prev = k.checked_sub(1).map(|p| chunk[p]);
        let between_digits =
            k < BLOCK - 1 && prev.is_some_and(|p| p.is_ascii_digit()) && next.is_ascii_digit();
        let path = byte == b':' && (matches!(next, b':' | b'/') || prev == Some(b':'));
        m.sep |= u64::from(matches!(byte, b'=' | b':') && !between_digits && !path) << k;
        let rare = matches!(byte, b'@' | b'+' | b'(')
            || matches!((byte, next), (b'I', b'A') | (b'y', b'J') | (b'-', b'B'));
        m.rare |= u64::from(rare) << k;
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_mark_their_bytes() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut chunks = Vec::new();
        for start in [0u8, 64, 128, 192, 20] {
            let mut chunk = [0u8; BLOCK + 1];
            for (k, c) in chunk.iter_mut().enumerate() {
                *c = start.wrapping_add(k as u8);
            }
            chunk[10..13].copy_from_slice(b"bEa");
            chunks.push(chunk);
        }
        // Every pair of interesting bytes, across the 16-byte lanes too.
        let alphabet = b"0123456789 -.=:/@+(bBeEaAIyJ-xZ\0\xff";
        for _ in 0..2000 {
            let mut chunk = [0u8; BLOCK + 1];
            for c in chunk.iter_mut() {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                *c = alphabet[(seed % alphabet.len() as u64) as usize];
            }
            chunks.push(chunk);
        }
        for (i, chunk) in chunks.iter().enumerate() {
            let m = Native::masks(chunk, BLOCK);
            assert_eq!(m, scalar_masks(chunk), "{chunk:?}");
            #[cfg(target_arch = "x86_64")]
            if std::is_x86_feature_detected!("avx2") {
                assert_eq!(Avx2::masks(chunk, BLOCK), m, "{chunk:?}");
            }
            // Zeros past `len`: comparing only the vectors that hold text
            // gives the masks of the whole chunk.
            let len = 1 + i % BLOCK;
            let mut short = *chunk;
            short[len..].fill(0);
            let whole = scalar_masks(&short);
            assert_eq!(Native::masks(&short, len), whole, "len {len}");
            #[cfg(target_arch = "x86_64")]
            if std::is_x86_feature_detected!("avx2") {
                assert_eq!(Avx2::masks(&short, len), whole, "len {len}");
            }
            for (k, &byte) in chunk[..BLOCK].iter().enumerate() {
                assert_eq!(
                    m.class >> k & 1 == 1,
                    byte.is_ascii_digit() || super::super::digits::is_sep(byte),
                    "byte {byte}"
                );
                let next = chunk[k + 1] | 0x20;
                let auth = byte | 0x20 == b'b' && matches!(next, b'e' | b'a');
                assert_eq!(m.auth >> k & 1 == 1, auth, "byte {byte} at {k}");
            }
        }
    }

    #[test]
    fn blocks_mark_every_byte_of_any_text_once() {
        let alphabet = b"0123456789 -.=:/@+(bBeEaAIyJ-xZ";
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        // Under miri (intrinsics interpreted), every length around one and
        // two blocks only.
        let lens: Vec<usize> = if cfg!(miri) {
            (0..8).chain([63, 64, 65, 66, 127, 128, 129, 130]).collect()
        } else {
            (0..300).chain([511, 512, 513, 1000]).collect()
        };
        for len in lens {
            let text: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    alphabet[(seed % alphabet.len() as u64) as usize]
                })
                .collect();
            // Each byte's bits, the scalar way, with the whole text around it.
            let mut padded = text.clone();
            padded.push(0);
            let expected: Vec<Masks> = (0..len)
                .map(|i| {
                    let mut chunk = [0u8; BLOCK + 1];
                    chunk[1] = padded[i];
                    chunk[2] = padded[i + 1];
                    chunk[0] = if i > 0 { text[i - 1] } else { b'x' };
                    let m = scalar_masks(&chunk);
                    let bit = |x: u64| x >> 1 & 1;
                    Masks {
                        class: bit(m.class),
                        auth: bit(m.auth),
                        sep: bit(m.sep),
                        rare: bit(m.rare),
                    }
                })
                .collect();
            let mut next = 0;
            for_each_block(&text, |w, m| {
                assert_eq!(w, next, "blocks in order, len {len}");
                next += BLOCK;
                for k in 0..BLOCK {
                    let i = w + k;
                    let got = |x: u64| x >> k & 1;
                    if i >= len {
                        assert_eq!(got(m.class | m.auth | m.sep | m.rare), 0, "past the end");
                        continue;
                    }
                    let e = &expected[i];
                    assert_eq!(got(m.class), e.class, "class at {i} of {len}");
                    assert_eq!(got(m.auth), e.auth, "auth at {i} of {len}");
                    assert_eq!(got(m.rare), e.rare, "rare at {i} of {len}");
                    // A separator may be kept at a block's edge, never
                    // dropped inside it.
                    let raw = u64::from(matches!(text[i], b'=' | b':'));
                    assert!(
                        got(m.sep) >= e.sep && got(m.sep) <= raw,
                        "sep at {i} of {len}"
                    );
                }
            });
            assert_eq!(next, len.div_ceil(BLOCK) * BLOCK, "len {len}");
        }
    }

    #[test]
    fn auth_candidates_are_each_reported_once() {
        for len in [0, 5, 63, 64, 65, 66, 100, 128, 129, 130, 1000] {
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
            for_each_block(text.as_bytes(), |w, m| {
                let mut bits = m.auth;
                while bits != 0 {
                    seen.push(w + bits.trailing_zeros() as usize);
                    bits &= bits - 1;
                }
            });
            let expected: Vec<usize> = (0..len).filter(|i| i % 7 == 3 && i + 1 < len).collect();
            assert_eq!(seen, expected, "len {len}");
        }
    }

    #[test]
    fn rare_anchors_across_block_edges() {
        for len in [2, 63, 64, 65, 66, 127, 128, 129, 200] {
            // Under miri (which emulates the SIMD slowly), only the places
            // next to a block edge.
            let ats: Vec<usize> = if cfg!(miri) {
                [0, 1, 62, 63, 64, 65, 126, 127, 128, len - 2]
                    .into_iter()
                    .filter(|&at| at < len - 1)
                    .collect()
            } else {
                (0..len - 1).collect()
            };
            for at in ats {
                for pair in [b"@x", b"+1", b"(2", b"IA", b"yJ", b"-B"] {
                    let mut text = vec![b'x'; len];
                    text[at..at + 2].copy_from_slice(pair);
                    let mut seen = Vec::new();
                    for_each_block(&text, |w, m| {
                        let mut bits = m.rare;
                        while bits != 0 {
                            seen.push(w + bits.trailing_zeros() as usize);
                            bits &= bits - 1;
                        }
                    });
                    assert_eq!(seen, [at], "{pair:?} at {at} of {len}");
                }
            }
        }
    }
}
