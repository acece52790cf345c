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

const HEX: &[u8; 16] = b"0123456789abcdef";

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
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.next_u64().to_be_bytes());
        bytes[8..].copy_from_slice(&self.next_u64().to_be_bytes());
        bytes[6] = (bytes[6] & 0x0F) | 0x40; // version 4
        bytes[8] = (bytes[8] & 0x3F) | 0x80; // variant 10xx
        let mut buf = [0u8; 36];
        let mut p = 0;
        for (i, b) in bytes.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                buf[p] = b'-';
                p += 1;
            }
            buf[p] = HEX[(b >> 4) as usize];
            buf[p + 1] = HEX[(b & 0xF) as usize];
            p += 2;
        }
        out.extend_from_slice(&buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

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
        for _ in 0..10_000 {
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
