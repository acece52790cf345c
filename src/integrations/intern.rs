//! Callsites made at run time, once each, found again without a lock.
//!
//! A record carries a `&'static Callsite`. The macros make theirs in a
//! `static`; a bridge makes one the first time it meets a callsite of the
//! other facade (a `log` record's level, target, file, line and key names; a
//! `tracing` event's metadata and the fields it recorded), leaks it, and
//! keeps it here. Later records find it with a hash, a probe of an
//! open-addressing table of atomic pointers and a comparison: no lock and no
//! allocation. Only a miss takes the table's lock.
//!
//! The table holds at most half its slots, so a probe always ends at an
//! empty slot, and the memory leaked is bounded: at most [`Table::MAX`]
//! callsites. When it is full, [`Table::find_or_insert`] answers `None` and
//! the bridge logs through a generic callsite of its own. It answers `None`
//! too for a record logged while this thread is inserting (user code run by
//! the equality test or the maker, a `log` key-value source that logs, say),
//! which would otherwise wait for the lock its own thread holds.

use std::sync::atomic::{AtomicPtr, Ordering};

use parking_lot::Mutex;

/// Up to `SLOTS / 2` values of `E`, leaked, each found by its hash and an
/// equality test.
pub(crate) struct Table<E: 'static, const SLOTS: usize> {
    slots: [AtomicPtr<Entry<E>>; SLOTS],
    /// Held while inserting; counts the entries.
    len: Mutex<usize>,
}

struct Entry<E> {
    hash: u64,
    value: E,
}

impl<E: 'static, const SLOTS: usize> Table<E, SLOTS> {
    /// The most entries the table takes.
    pub(crate) const MAX: usize = SLOTS / 2;

    /// An empty table (`SLOTS` a power of two).
    pub(crate) const fn new() -> Self {
        assert!(SLOTS.is_power_of_two() && SLOTS >= 2);
        Table {
            slots: [const { AtomicPtr::new(std::ptr::null_mut()) }; SLOTS],
            len: parking_lot::const_mutex(0),
        }
    }

    /// The value with this `hash` for which `eq` is true, if any.
    #[inline]
    pub(crate) fn find(&self, hash: u64, mut eq: impl FnMut(&E) -> bool) -> Option<&'static E> {
        let mut i = hash as usize & (SLOTS - 1);
        loop {
            let entry = self.slots[i].load(Ordering::Acquire);
            if entry.is_null() {
                return None;
            }
            // SAFETY: a non-null slot holds a pointer from `Box::leak` in
            // `insert`, published with a release store after the entry was
            // written (our acquire load pairs with it) and never freed.
            let entry: &'static Entry<E> = unsafe { &*entry };
            if entry.hash == hash && eq(&entry.value) {
                return Some(&entry.value);
            }
            i = (i + 1) & (SLOTS - 1);
        }
    }

    /// The value [`find`](Self::find) finds, else one `make` makes (once,
    /// under the table's lock); `None` when the table is full.
    #[inline]
    pub(crate) fn find_or_insert(
        &self,
        hash: u64,
        mut eq: impl FnMut(&E) -> bool,
        make: impl FnOnce() -> E,
    ) -> Option<&'static E> {
        match self.find(hash, &mut eq) {
            Some(value) => Some(value),
            None => self.insert(hash, eq, make),
        }
    }

    #[cold]
    #[inline(never)]
    fn insert(
        &self,
        hash: u64,
        mut eq: impl FnMut(&E) -> bool,
        make: impl FnOnce() -> E,
    ) -> Option<&'static E> {
        if INSERTING.get() {
            return None;
        }
        INSERTING.set(true);
        let _reset = ResetOnDrop;
        let mut len = self.len.lock();
        // Another thread may have made it since we looked.
        if let Some(value) = self.find(hash, &mut eq) {
            return Some(value);
        }
        if *len >= Self::MAX {
            return None;
        }
        let mut i = hash as usize & (SLOTS - 1);
        while !self.slots[i].load(Ordering::Relaxed).is_null() {
            i = (i + 1) & (SLOTS - 1);
        }
        let entry: &'static mut Entry<E> = Box::leak(Box::new(Entry {
            hash,
            value: make(),
        }));
        self.slots[i].store(entry, Ordering::Release);
        *len += 1;
        Some(&entry.value)
    }

    /// How many entries the table holds.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        *self.len.lock()
    }
}

thread_local! {
    /// True while this thread inserts into a table (see the module docs).
    static INSERTING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Clears [`INSERTING`] when an insertion ends, a panic in user code
/// included.
struct ResetOnDrop;

impl Drop for ResetOnDrop {
    fn drop(&mut self) {
        INSERTING.set(false);
    }
}

/// A 64-bit hash of words and strings (FxHash's step, then a final mix so
/// that the low bits, which pick the slot, depend on every input bit).
pub(crate) struct Hash(u64);

impl Hash {
    pub(crate) const fn new() -> Hash {
        Hash(0)
    }

    #[inline]
    pub(crate) fn word(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    #[inline]
    #[cfg_attr(not(feature = "log"), allow(dead_code))]
    pub(crate) fn str(&mut self, s: &str) {
        let mut chunks = s.as_bytes().chunks_exact(8);
        for chunk in &mut chunks {
            self.word(u64::from_le_bytes(chunk.try_into().unwrap()));
        }
        let rest = chunks.remainder();
        let mut last = [0u8; 8];
        last[..rest.len()].copy_from_slice(rest);
        self.word(u64::from_le_bytes(last));
        self.word(s.len() as u64);
    }

    #[inline]
    pub(crate) fn finish(self) -> u64 {
        // MurmurHash3's fmix64.
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_made_once_found_again_and_refused_when_full() {
        static TABLE: Table<u32, 8> = Table::new();
        let mut made = 0;
        let mut get = |v: u32| {
            // Every value on one hash: the probe must walk past the others.
            TABLE.find_or_insert(
                7,
                |e| *e == v,
                || {
                    made += 1;
                    v
                },
            )
        };
        let first: Vec<_> = (0..4).map(|v| get(v).copied()).collect();
        assert_eq!(first, [Some(0), Some(1), Some(2), Some(3)]);
        let a = get(2).unwrap() as *const u32;
        let b = get(2).unwrap() as *const u32;
        assert_eq!(a, b, "one value per key, at one address");
        assert_eq!(get(9), None, "a full table makes nothing more");
        assert_eq!(made, 4);
        assert_eq!(TABLE.len(), Table::<u32, 8>::MAX);
    }

    #[test]
    fn an_insert_from_within_an_insert_is_refused_instead_of_deadlocking() {
        static TABLE: Table<u32, 8> = Table::new();
        let inner = TABLE.find_or_insert(
            1,
            |e| *e == 1,
            || {
                // User code making the value logs, which interns again.
                let nested = TABLE.find_or_insert(2, |e| *e == 2, || 2);
                assert_eq!(nested, None, "a nested insert is refused");
                1
            },
        );
        assert_eq!(inner.copied(), Some(1));
        assert_eq!(TABLE.find_or_insert(2, |e| *e == 2, || 2).copied(), Some(2));
    }

    #[test]
    fn strings_that_differ_anywhere_hash_apart() {
        let hash = |s: &str| {
            let mut h = Hash::new();
            h.str(s);
            h.finish()
        };
        let words = [
            "",
            "a",
            "b",
            "ab",
            "app::db",
            "app::dc",
            "0123456789abcdef",
            "0123456789abcdeg",
        ];
        for (i, a) in words.iter().enumerate() {
            for b in &words[i + 1..] {
                assert_ne!(hash(a), hash(b), "{a:?} {b:?}");
            }
        }
        assert_ne!(hash("a\0"), hash("a"), "the length is part of the hash");
    }
}
