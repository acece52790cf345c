//! Random (version 4) UUIDs from a fast, non-cryptographic generator.
//!
//! The generator is xoshiro256++ (256 bits of state). [`UuidV4::from_entropy`]
//! seeds it from std's per-process random hash keys, the clock, the process
//! and thread ids and a stack address, so generators in different threads
//! and processes produce independent streams. The ids are unique, not secret:
//! do not use them as tokens.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A generator of random (version 4, RFC 9562 variant) UUIDs.
#[derive(Clone, Debug)]
pub struct UuidV4 {
    s: [u64; 4],
}

/// Bumped for every generator seeded from entropy, so two seeded in the same
/// thread at the same clock tick still differ.
static SEEDED: AtomicU64 = AtomicU64::new(0);

#[inline]
fn splitmix64(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl UuidV4 {
    /// A generator seeded from std's random hash keys (themselves from the
    /// operating system's random source), the time, the process id, the
    /// thread id and the address of a stack variable.
    pub fn from_entropy() -> UuidV4 {
        let stack_var = 0u8;
        let addr = std::ptr::addr_of!(stack_var) as usize;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let pid = std::process::id();
        let tid = std::thread::current().id();
        let count = SEEDED.fetch_add(1, Ordering::Relaxed);
        let mut s = [0u64; 4];
        for (i, word) in s.iter_mut().enumerate() {
            // Each RandomState has fresh keys, so the four words are
            // independent even though they hash the same inputs.
            let mut h = RandomState::new().build_hasher();
            i.hash(&mut h);
            now.hash(&mut h);
            pid.hash(&mut h);
            tid.hash(&mut h);
            addr.hash(&mut h);
            count.hash(&mut h);
            *word = h.finish();
        }
        if s == [0; 4] {
            s[0] = 1; // xoshiro's one forbidden state
        }
        UuidV4 { s }
    }

    /// A deterministic generator (for tests and reproducible runs).
    pub fn with_seed(seed: u64) -> UuidV4 {
        let mut x = seed;
        // splitmix64 never yields four zeros in a row.
        UuidV4 {
            s: [
                splitmix64(&mut x),
                splitmix64(&mut x),
                splitmix64(&mut x),
                splitmix64(&mut x),
            ],
        }
    }

    /// The next 64 random bits (xoshiro256++).
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Appends a new UUID as 36 unquoted lowercase characters,
    /// `xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx`.
    #[inline]
    pub fn write(&mut self, out: &mut Vec<u8>) {
        let hi = (self.next_u64() & !0xF000) | 0x4000; // version 4
        let lo = (self.next_u64() & !(0xC0 << 56)) | (0x80 << 56); // variant 10xx
        let (hi, lo) = (hex16(hi), hex16(lo));
        let mut buf = [b'-'; 36];
        buf[0..8].copy_from_slice(&hi[..8]);
        buf[9..13].copy_from_slice(&hi[8..12]);
        buf[14..18].copy_from_slice(&hi[12..]);
        buf[19..23].copy_from_slice(&lo[..4]);
        buf[24..36].copy_from_slice(&lo[4..]);
        out.extend_from_slice(&buf);
    }
}

/// Sixteen lowercase hex digits of `x`, most significant first.
#[inline(always)]
fn hex16(x: u64) -> [u8; 16] {
    #[cfg(target_arch = "x86_64")]
    {
        sse2::hex16(x)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let mut out = [0; 16];
        out[..8].copy_from_slice(&hex8((x >> 32) as u32));
        out[8..].copy_from_slice(&hex8(x as u32));
        out
    }
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::{
        _mm_add_epi8, _mm_and_si128, _mm_cmpgt_epi8, _mm_cvtsi64_si128, _mm_set1_epi8,
        _mm_srli_epi16, _mm_storeu_si128, _mm_unpacklo_epi8,
    };

    /// [`super::hex16`] in one SSE2 register: the eight bytes of `x`, most
    /// significant first, are split into high and low nibbles, interleaved,
    /// and offset to `'0'..='9'` or `'a'..='f'`.
    #[inline(always)]
    pub(super) fn hex16(x: u64) -> [u8; 16] {
        let mut out = [0u8; 16];
        // SAFETY: SSE2 is part of the x86-64 baseline, so these intrinsics
        // are always available; the one store writes the 16 bytes of `out`
        // (`_mm_storeu_si128` has no alignment requirement).
        unsafe {
            let bytes = _mm_cvtsi64_si128(x.swap_bytes() as i64);
            let low_nibbles = _mm_set1_epi8(0x0F);
            let high = _mm_and_si128(_mm_srli_epi16::<4>(bytes), low_nibbles);
            let low = _mm_and_si128(bytes, low_nibbles);
            let digits = _mm_unpacklo_epi8(high, low);
            let letters = _mm_cmpgt_epi8(digits, _mm_set1_epi8(9));
            let ascii = _mm_add_epi8(
                _mm_add_epi8(digits, _mm_set1_epi8(b'0' as i8)),
                _mm_and_si128(letters, _mm_set1_epi8((b'a' - b'0' - 10) as i8)),
            );
            _mm_storeu_si128(out.as_mut_ptr().cast(), ascii);
        }
        out
    }
}

/// Eight lowercase hex digits of `x`, most significant first, without a
/// loop or a table: each nibble is spread into its own byte, then offset to
/// `'0'..='9'` or `'a'..='f'`. The portable half of [`hex16`].
#[cfg_attr(all(target_arch = "x86_64", not(test)), allow(dead_code))]
#[inline(always)]
fn hex8(x: u32) -> [u8; 8] {
    let x = x as u64;
    let mut v = ((x & 0xFFFF_0000) << 16) | (x & 0xFFFF);
    v = ((v & 0x0000_FF00_0000_FF00) << 8) | (v & 0x0000_00FF_0000_00FF);
    v = ((v & 0x00F0_00F0_00F0_00F0) << 4) | (v & 0x000F_000F_000F_000F);
    // 1 in each byte whose nibble is 10 or more.
    let letters = ((v + 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101;
    (v + 0x3030_3030_3030_3030 + letters * (b'a' - b'0' - 10) as u64).to_be_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn hex8_matches_the_formatter() {
        for x in [
            0u32,
            1,
            9,
            10,
            15,
            16,
            0xDEAD_BEEF,
            0x0123_4567,
            0x89AB_CDEF,
            u32::MAX,
        ] {
            assert_eq!(std::str::from_utf8(&hex8(x)).unwrap(), format!("{x:08x}"));
        }
        let mut x = 0x1234_5679u32;
        for _ in 0..if cfg!(miri) { 500 } else { 100_000 } {
            x = x.wrapping_mul(2_654_435_761).wrapping_add(12345);
            assert_eq!(std::str::from_utf8(&hex8(x)).unwrap(), format!("{x:08x}"));
        }
    }

    #[test]
    fn hex16_matches_the_formatter() {
        let mut x = 0x0123_4567_89AB_CDEFu64;
        for i in 0..if cfg!(miri) { 200 } else { 100_000 } {
            let want = format!("{x:016x}");
            assert_eq!(std::str::from_utf8(&hex16(x)).unwrap(), want);
            let halves = [hex8((x >> 32) as u32), hex8(x as u32)].concat();
            assert_eq!(halves, want.as_bytes(), "the portable path");
            x = match i {
                0 => 0,
                1 => u64::MAX,
                2 => 0xFEDC_BA98_7654_3210,
                _ => x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1),
            };
        }
    }

    fn check_format(u: &[u8]) {
        assert_eq!(u.len(), 36);
        for (i, &c) in u.iter().enumerate() {
            if matches!(i, 8 | 13 | 18 | 23) {
                assert_eq!(c, b'-', "{}", String::from_utf8_lossy(u));
            } else {
                assert!(
                    matches!(c, b'0'..=b'9' | b'a'..=b'f'),
                    "{}",
                    String::from_utf8_lossy(u)
                );
            }
        }
        assert_eq!(u[14], b'4', "version");
        assert!(matches!(u[19], b'8' | b'9' | b'a' | b'b'), "variant");
    }

    #[test]
    fn format_and_uniqueness() {
        let mut g = UuidV4::from_entropy();
        let mut seen = HashSet::new();
        let mut variants = HashSet::new();
        for _ in 0..if cfg!(miri) { 300 } else { 10_000 } {
            let mut out = Vec::new();
            g.write(&mut out);
            check_format(&out);
            variants.insert(out[19]);
            assert!(seen.insert(out), "duplicate UUID");
        }
        assert_eq!(variants.len(), 4);
    }

    #[test]
    fn appends() {
        let mut out = b"id=".to_vec();
        UuidV4::with_seed(1).write(&mut out);
        assert_eq!(&out[..3], b"id=");
        check_format(&out[3..]);
    }

    #[test]
    fn seeds() {
        let draw = |g: &mut UuidV4| {
            let mut out = Vec::new();
            g.write(&mut out);
            out
        };
        let (mut a, mut b) = (UuidV4::with_seed(7), UuidV4::with_seed(7));
        assert_eq!(draw(&mut a), draw(&mut b));
        assert_ne!(
            draw(&mut UuidV4::with_seed(7)),
            draw(&mut UuidV4::with_seed(8))
        );
        assert_ne!(
            draw(&mut UuidV4::with_seed(0)),
            draw(&mut UuidV4::with_seed(1))
        );
        let (mut e1, mut e2) = (UuidV4::from_entropy(), UuidV4::from_entropy());
        assert_ne!(draw(&mut e1), draw(&mut e2));
        let other = std::thread::spawn(move || draw(&mut UuidV4::from_entropy()))
            .join()
            .unwrap();
        assert_ne!(draw(&mut e1), other);
    }

    #[test]
    fn xoshiro_reference() {
        // xoshiro256++ from state [1, 2, 3, 4]: first outputs of the
        // reference C implementation.
        let mut g = UuidV4 { s: [1, 2, 3, 4] };
        assert_eq!(g.next_u64(), 41_943_041);
        assert_eq!(g.next_u64(), 58_720_359);
        assert_eq!(g.next_u64(), 3_588_806_011_781_223);
    }
}
