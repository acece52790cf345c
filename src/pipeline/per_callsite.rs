//! Values the worker works out once per callsite and finds again by the
//! callsite's address: a callsite's names, level and target never change,
//! and callsites are `static`, so their addresses are unique for the
//! process's life.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::record::Callsite;

/// A `T` for each callsite met so far.
pub(crate) struct PerCallsite<T> {
    values: Vec<T>,
    /// Index in `values` by callsite address.
    index: HashMap<usize, usize, BuildHasherDefault<AddressHasher>>,
    /// The address and index of the last value returned: records often come
    /// in runs from one callsite. No callsite is at address 0.
    last: (usize, usize),
}

impl<T> PerCallsite<T> {
    pub(crate) fn new() -> PerCallsite<T> {
        PerCallsite {
            values: Vec::new(),
            index: HashMap::default(),
            last: (0, 0),
        }
    }

    /// The value of `cs`, made by `make` the first time.
    #[inline]
    pub(crate) fn get_or_make(
        &mut self,
        cs: &'static Callsite,
        make: impl FnOnce(&'static Callsite) -> T,
    ) -> &mut T {
        let address = cs as *const Callsite as usize;
        if self.last.0 != address {
            let PerCallsite { values, index, .. } = self;
            let i = *index.entry(address).or_insert_with(|| {
                values.push(make(cs));
                values.len() - 1
            });
            self.last = (address, i);
        }
        &mut self.values[self.last.1]
    }

    /// How many callsites have a value.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.values.len()
    }
}

/// Hashes an address with one multiplication (addresses are unique keys; a
/// SipHash round per record would cost more than the lookup saves).
#[derive(Default)]
struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ b as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = (n as u64)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .rotate_left(29);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Level;

    static A: Callsite = Callsite::new(Level::Info, "a", "a.rs", 1, &["x"]);
    static B: Callsite = Callsite::new(Level::Warning, "b", "b.rs", 2, &["y", "z"]);

    #[test]
    fn each_callsite_gets_its_own_value_made_once_in_any_order() {
        let mut map = PerCallsite::new();
        let mut made = 0;
        for cs in [&A, &A, &B, &A, &B, &B, &A] {
            let names = map.get_or_make(cs, |cs| {
                made += 1;
                cs.fields
            });
            assert_eq!(*names, cs.fields);
        }
        assert_eq!((map.len(), made), (2, 2), "one value per callsite");
    }
}
