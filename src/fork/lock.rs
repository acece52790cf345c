//! A lock that a fork's child can always take: [`ForkMutex`].
//!
//! A `parking_lot` (or `std`) mutex held by another thread when the process
//! forks stays held for ever in the child, where that thread does not
//! exist; and releasing one whose waiters were parked goes through
//! `parking_lot`'s global table of parked threads, whose own locks may be
//! held at the fork too. This lock is one atomic flag: the fork handlers
//! (`fork/mod.rs`) take it before the fork and clear it after, in the
//! parent and in the child, with a plain store.
//!
//! It spins, then yields, while it waits: for the few short sections it
//! guards (a pointer swap or an `Arc` clone under the installed logger's
//! lock, a push or a `Vec` clone under a ring list's), none of them on a log
//! call's fast path, that is cheaper than parking.

use std::sync::atomic::{AtomicBool, Ordering};

use crossbeam_utils::Backoff;
use parking_lot::lock_api;

/// A test-and-set lock whose state is a single flag (see the module docs).
#[derive(Debug)]
pub(crate) struct RawForkLock(AtomicBool);

// SAFETY: `lock` returns only once this thread set the flag from false to
// true (Acquire), and `try_lock` only reports success when it did; `unlock`
// clears it (Release). So at most one guard exists at a time, and what the
// holder wrote is seen by the next holder.
unsafe impl lock_api::RawMutex for RawForkLock {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: RawForkLock = RawForkLock(AtomicBool::new(false));
    type GuardMarker = lock_api::GuardSend;

    fn lock(&self) {
        let backoff = Backoff::new();
        while !self.try_lock() {
            if backoff.is_completed() {
                std::thread::yield_now();
            } else {
                backoff.snooze();
            }
        }
    }

    fn try_lock(&self) -> bool {
        !self.0.load(Ordering::Relaxed)
            && self
                .0
                .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
    }

    unsafe fn unlock(&self) {
        self.0.store(false, Ordering::Release);
    }
}

/// A mutex on a [`RawForkLock`].
pub(crate) type ForkMutex<T> = lock_api::Mutex<RawForkLock, T>;

/// A new, unlocked [`ForkMutex`] (usable in a `static`).
pub(crate) const fn fork_mutex<T>(value: T) -> ForkMutex<T> {
    ForkMutex::const_new(<RawForkLock as lock_api::RawMutex>::INIT, value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn it_excludes_and_a_forced_unlock_frees_it() {
        let m = Arc::new(fork_mutex(0u64));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let m = m.clone();
                std::thread::spawn(move || {
                    for _ in 0..10_000 {
                        *m.lock() += 1;
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(*m.lock(), 40_000);
        std::mem::forget(m.lock());
        assert!(m.try_lock().is_none());
        // SAFETY: the guard forgotten above is never used.
        unsafe { m.force_unlock() };
        assert!(m.try_lock().is_some());
    }
}
