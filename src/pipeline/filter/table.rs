//! A fixed-capacity map from borrowed string keys to values, evicting the
//! least recently used entry when full. Shared by the per-key rate limiter
//! and the de-duplicator.
//!
//! Keys are hashed with a seeded, non-allocating hasher straight from the
//! borrowed strings; the index is a `HashMap<u64, u32>` sized at creation so
//! that it never grows, and every slot keeps its key in a `String` that is
//! reused when the slot is. So once warm a lookup of a known key allocates
//! nothing; a new key allocates only when it is longer than the key its slot
//! held before (and the first time each slot is used). A slot whose string
//! grew for a key longer than [`KEEP_CAPACITY`] gives the excess back when
//! it takes a much shorter key, so the table holds about its current keys,
//! not the longest key each slot ever saw.
//!
//! Two different keys with the same 64-bit hash cannot both be present: the
//! newer one takes over the older one's slot, as if the older one had been
//! evicted.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

const NIL: u32 = u32::MAX;

/// Bytes a slot's key string keeps whatever key it holds; beyond this, the
/// string is shrunk to fit a shorter key.
const KEEP_CAPACITY: usize = 1024;

/// One entry: its key (two strings stored back to back), a small tag that is
/// part of the key (the level, for the de-duplicator), and its value.
pub(crate) struct Slot<V> {
    hash: u64,
    tag: u8,
    key: String,
    split: usize,
    prev: u32,
    next: u32,
    pub(crate) value: V,
}

impl<V> Slot<V> {
    /// The first key string.
    pub(crate) fn first(&self) -> &str {
        &self.key[..self.split]
    }

    /// The second key string.
    pub(crate) fn second(&self) -> &str {
        &self.key[self.split..]
    }

    fn is(&self, tag: u8, a: &str, b: &str) -> bool {
        self.tag == tag
            && self.split == a.len()
            && self.key.len() == a.len() + b.len()
            && self.key.as_bytes()[..self.split] == *a.as_bytes()
            && self.key.as_bytes()[self.split..] == *b.as_bytes()
    }

    fn set_key(&mut self, hash: u64, tag: u8, a: &str, b: &str) {
        self.hash = hash;
        self.tag = tag;
        self.key.clear();
        let len = a.len() + b.len();
        if self.key.capacity() > KEEP_CAPACITY && self.key.capacity() > 2 * len {
            self.key.shrink_to(len.max(KEEP_CAPACITY));
        }
        self.key.push_str(a);
        self.key.push_str(b);
        self.split = a.len();
    }
}

/// What [`Table::entry`] found.
pub(crate) struct Entry<V> {
    /// The slot now holding the key.
    pub(crate) index: usize,
    /// True when the key was not there (the value is fresh from `init`).
    pub(crate) inserted: bool,
    /// The value of the entry that made room for it, if one was evicted.
    pub(crate) evicted: Option<V>,
}

pub(crate) struct Table<V> {
    index: HashMap<u64, u32, BuildHasherDefault<Prehashed>>,
    slots: Vec<Slot<V>>,
    capacity: usize,
    /// Most recently used.
    head: u32,
    /// Least recently used: the next to go.
    tail: u32,
    seed: u64,
}

impl<V> Table<V> {
    /// A table for at most `capacity` keys (at least 1), all memory but the
    /// key strings allocated now.
    pub(crate) fn new(capacity: usize, seed: u64) -> Table<V> {
        let capacity = capacity.clamp(1, NIL as usize - 1);
        Table {
            // Twice the room needed: hashbrown then always rehashes in place
            // instead of growing, however many removals came before.
            index: HashMap::with_capacity_and_hasher(2 * capacity + 2, Default::default()),
            slots: Vec::with_capacity(capacity),
            capacity,
            head: NIL,
            tail: NIL,
            seed,
        }
    }

    #[cfg_attr(not(test), allow(dead_code))] // used by the tests
    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    pub(crate) fn slot(&self, index: usize) -> &Slot<V> {
        &self.slots[index]
    }

    pub(crate) fn slot_mut(&mut self, index: usize) -> &mut Slot<V> {
        &mut self.slots[index]
    }

    /// Every slot in use, in no particular order.
    pub(crate) fn slots_mut(&mut self) -> impl Iterator<Item = (usize, &mut Slot<V>)> {
        self.slots.iter_mut().enumerate()
    }

    /// Finds the entry for `(tag, a, b)` and marks it most recently used, or
    /// inserts one with `init()`, evicting the least recently used entry if
    /// the table is full.
    pub(crate) fn entry(
        &mut self,
        tag: u8,
        a: &str,
        b: &str,
        init: impl FnOnce() -> V,
    ) -> Entry<V> {
        let hash = hash_key(self.seed, tag, a, b);
        if let Some(&i) = self.index.get(&hash) {
            let i = i as usize;
            self.touch(i);
            let slot = &mut self.slots[i];
            if slot.is(tag, a, b) {
                return Entry {
                    index: i,
                    inserted: false,
                    evicted: None,
                };
            }
            // A 64-bit collision: the new key replaces the old one.
            slot.set_key(hash, tag, a, b);
            let old = std::mem::replace(&mut slot.value, init());
            return Entry {
                index: i,
                inserted: true,
                evicted: Some(old),
            };
        }
        if self.slots.len() < self.capacity {
            let i = self.slots.len();
            let mut slot = Slot {
                hash: 0,
                tag: 0,
                key: String::new(),
                split: 0,
                prev: NIL,
                next: NIL,
                value: init(),
            };
            slot.set_key(hash, tag, a, b);
            self.slots.push(slot);
            self.index.insert(hash, i as u32);
            self.push_front(i);
            return Entry {
                index: i,
                inserted: true,
                evicted: None,
            };
        }
        let i = self.tail as usize;
        self.unlink(i);
        self.index.remove(&self.slots[i].hash);
        let slot = &mut self.slots[i];
        slot.set_key(hash, tag, a, b);
        let old = std::mem::replace(&mut slot.value, init());
        self.index.insert(hash, i as u32);
        self.push_front(i);
        Entry {
            index: i,
            inserted: true,
            evicted: Some(old),
        }
    }

    fn touch(&mut self, i: usize) {
        if self.head as usize != i {
            self.unlink(i);
            self.push_front(i);
        }
    }

    fn unlink(&mut self, i: usize) {
        let (prev, next) = (self.slots[i].prev, self.slots[i].next);
        match prev {
            NIL => self.head = next,
            p => self.slots[p as usize].next = next,
        }
        match next {
            NIL => self.tail = prev,
            n => self.slots[n as usize].prev = prev,
        }
        self.slots[i].prev = NIL;
        self.slots[i].next = NIL;
    }

    fn push_front(&mut self, i: usize) {
        self.slots[i].prev = NIL;
        self.slots[i].next = self.head;
        match self.head {
            NIL => self.tail = i as u32,
            h => self.slots[h as usize].prev = i as u32,
        }
        self.head = i as u32;
    }
}

/// The identity hasher for keys that are already hashes.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only u64 keys are hashed; fold anything else in anyway.
        for &b in bytes {
            self.0 = (self.0 << 8) ^ b as u64;
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

const K: u64 = 0x517c_c1b7_2722_0a95;

#[inline]
fn mix(h: u64, word: u64) -> u64 {
    (h.rotate_left(5) ^ word).wrapping_mul(K)
}

fn mix_bytes(mut h: u64, bytes: &[u8]) -> u64 {
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        h = mix(h, u64::from_le_bytes(c.try_into().expect("8 bytes")));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut word = [0u8; 8];
        word[..rest.len()].copy_from_slice(rest);
        h = mix(h, u64::from_le_bytes(word));
    }
    mix(h, bytes.len() as u64)
}

/// A seeded FxHash-style hash of `(tag, a, b)`, finished with a full
/// avalanche so the low bits (the map's bucket) are as good as the high.
pub(crate) fn hash_key(seed: u64, tag: u8, a: &str, b: &str) -> u64 {
    let h = mix(seed, tag as u64);
    let h = mix_bytes(h, a.as_bytes());
    let mut h = mix_bytes(h, b.as_bytes());
    // murmur3's fmix64.
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// A per-table seed, different in every process.
pub(crate) fn random_seed() -> u64 {
    use std::hash::BuildHasher;
    std::collections::hash_map::RandomState::new().hash_one(0x5eed_u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(t: &Table<u32>) -> Vec<String> {
        // Most recent first, following the list.
        let mut out = Vec::new();
        let mut i = t.head;
        while i != NIL {
            let s = &t.slots[i as usize];
            out.push(format!("{}{}", s.first(), s.second()));
            i = s.next;
        }
        out
    }

    #[test]
    fn finds_inserts_and_evicts_the_least_recently_used() {
        let mut t: Table<u32> = Table::new(3, 7);
        for (n, k) in ["a", "b", "c"].iter().enumerate() {
            let e = t.entry(0, k, "", || n as u32);
            assert!(e.inserted && e.evicted.is_none());
        }
        assert_eq!(keys(&t), ["c", "b", "a"]);
        let e = t.entry(0, "a", "", || 99);
        assert!(!e.inserted);
        assert_eq!(t.slot(e.index).value, 0);
        assert_eq!(keys(&t), ["a", "c", "b"]);
        let e = t.entry(0, "d", "", || 3);
        assert!(e.inserted);
        assert_eq!(e.evicted, Some(1)); // "b"
        assert_eq!(keys(&t), ["d", "a", "c"]);
        assert_eq!(t.len(), 3);
        // The tag and the split are part of the key.
        assert!(t.entry(1, "a", "", || 4).inserted);
        assert!(t.entry(0, "d", "x", || 5).inserted);
        assert!(t.entry(0, "dx", "", || 6).inserted);
        assert_eq!(keys(&t), ["dx", "dx", "a"]);
        let e = t.entry(0, "dx", "", || 7);
        assert!(!e.inserted);
        assert_eq!(t.slot(e.index).value, 6);
        let e = t.entry(0, "d", "x", || 8);
        assert!(!e.inserted);
        assert_eq!(t.slot(e.index).value, 5);
    }

    #[test]
    fn many_keys_through_a_small_table() {
        let mut t: Table<usize> = Table::new(16, random_seed());
        for round in 0..if cfg!(miri) { 4 } else { 50 } {
            for k in 0..40 {
                let key = format!("key-{k}");
                let e = t.entry(0, &key, "", || round * 100 + k);
                let slot = t.slot(e.index);
                assert_eq!(slot.first(), key);
                assert!(t.len() <= 16);
            }
            // The last 16 keys are all present.
            for k in 24..40 {
                let e = t.entry(0, &format!("key-{k}"), "", || usize::MAX);
                assert!(!e.inserted, "key-{k} in round {round}");
            }
        }
    }

    #[test]
    fn slots_hold_about_their_current_keys_not_the_longest_they_saw() {
        let mut t: Table<u32> = Table::new(4, 3);
        // Far past KEEP_CAPACITY; shorter under miri, which hashes slowly.
        let long = "x".repeat(if cfg!(miri) {
            8 * KEEP_CAPACITY
        } else {
            200_000
        });
        for k in 0..4 {
            t.entry(0, &format!("{k}{long}"), "", || 0);
        }
        // Short keys evict the long ones from every slot.
        for k in 0..4 {
            t.entry(0, &format!("short-{k}"), "", || 0);
        }
        let held: usize = t.slots.iter().map(|s| s.key.capacity()).sum();
        assert!(
            held <= 4 * KEEP_CAPACITY,
            "{held} bytes held for 4 short keys"
        );
        // Keys up to KEEP_CAPACITY reuse their slot's string: no churn.
        let before: Vec<usize> = t.slots.iter().map(|s| s.key.capacity()).collect();
        for k in 0..4 {
            t.entry(0, &format!("other-{k}"), "", || 0);
        }
        let after: Vec<usize> = t.slots.iter().map(|s| s.key.capacity()).collect();
        assert_eq!(before, after);
    }

    #[test]
    fn hashes_differ_with_every_part() {
        let h = |tag, a, b| hash_key(1, tag, a, b);
        assert_ne!(h(0, "ab", ""), h(0, "a", "b"));
        assert_ne!(h(0, "a", ""), h(1, "a", ""));
        assert_ne!(h(0, "abcdefgh", ""), h(0, "abcdefgh\0", ""));
        assert_ne!(hash_key(1, 0, "a", ""), hash_key(2, 0, "a", ""));
    }
}
