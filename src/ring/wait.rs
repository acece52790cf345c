//! Waiting for space: spin briefly, then park. Never a busy core.
//!
//! A producer that finds its ring full spins with exponential backoff for a
//! few microseconds (the worker usually frees space by then), then parks on a
//! condition variable in short slices. The worker wakes parked producers
//! whenever it frees slots of a ring that has its `waiting` flag set; the
//! slices bound the cost of a missed wake-up.

use std::time::{Duration, Instant};

use super::sync::{AtomicBool, Ordering};

/// What a producer does when its ring is full: `Backpressure` as the
/// builder stores it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct WaitPolicy {
    /// How long to wait for space.
    pub wait: Duration,
    /// After `wait`: drop the record (true) or keep waiting (false).
    pub drop_on_full: bool,
}

impl WaitPolicy {
    /// Never waits: what the async log path uses before yielding.
    pub(crate) const NO_WAIT: WaitPolicy = WaitPolicy {
        wait: Duration::ZERO,
        drop_on_full: true,
    };

    /// Waits until `ready()` returns true or the policy gives up. Returns
    /// whether space came.
    pub(crate) fn wait(&self, waiting: &AtomicBool, mut ready: impl FnMut() -> bool) -> bool {
        if self.wait.is_zero() && self.drop_on_full {
            return false;
        }
        #[cfg(fapilog_loom)]
        {
            let _ = waiting;
            loop {
                if ready() {
                    return true;
                }
                loom::thread::yield_now();
            }
        }
        #[cfg(not(fapilog_loom))]
        {
            let backoff = crossbeam_utils::Backoff::new();
            while !backoff.is_completed() {
                backoff.snooze();
                if ready() {
                    return true;
                }
            }
            let deadline = Instant::now() + self.wait;
            loop {
                // SeqCst pairs with the worker's store of `head` and load of
                // `waiting`: one of us sees the other.
                waiting.store(true, Ordering::SeqCst);
                if ready() {
                    return true;
                }
                let now = Instant::now();
                if now >= deadline && self.drop_on_full {
                    return false;
                }
                let slice = PARK_SLICE.min(deadline.saturating_duration_since(now).max(MIN_SLICE));
                let mut guard = SPACE_LOCK.lock();
                SPACE.wait_for(&mut guard, slice);
                drop(guard);
                if ready() {
                    return true;
                }
            }
        }
    }
}

const PARK_SLICE: Duration = Duration::from_millis(1);
const MIN_SLICE: Duration = Duration::from_micros(50);

static SPACE_LOCK: parking_lot::Mutex<()> = parking_lot::const_mutex(());
static SPACE: parking_lot::Condvar = parking_lot::Condvar::new();

/// Wakes every parked producer (called by the worker after freeing slots).
pub(crate) fn wake_waiting_producers() {
    let _guard = SPACE_LOCK.lock();
    SPACE.notify_all();
}
