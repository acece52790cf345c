//! Waiting for space: spin briefly, then park. Never a busy core.
//!
//! A producer that finds its ring full spins with exponential backoff for a
//! few microseconds (the worker usually frees space by then), then parks on a
//! condition variable in short slices. The worker wakes parked producers
//! once it has freed half of a ring that has its `waiting` flag set; the
//! slices bound the cost of a missed wake-up.
//!
//! Once parked, a producer under a blocking policy also waits for half its
//! ring to be free (`roomy`), not merely for room for its record: a producer
//! that outruns the worker then parks once per half ring instead of once per
//! batch the worker takes, which on a 2-core machine leaves the worker the
//! CPU time those futex calls and context switches cost. A producer racing
//! a drop deadline resumes as soon as its record fits.

use std::time::Duration;
#[cfg(not(fapilog_loom))]
use std::time::Instant;

use super::sync::AtomicBool;
#[cfg(not(fapilog_loom))]
use super::sync::Ordering;

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

    /// Drops a record that finds no room at once, without waiting.
    #[inline(always)]
    pub(crate) fn gives_up_at_once(&self) -> bool {
        self.wait.is_zero() && self.drop_on_full
    }

    /// Waits until `ready()` returns true or the policy gives up. Returns
    /// whether space came. After parking, a blocking policy also waits for
    /// `roomy()` (see the module docs).
    ///
    /// The wait is counted from `since`, set by the record's first wait: a
    /// record that needs room several times (one value after another) waits
    /// `wait` in all, not `wait` each time.
    pub(crate) fn wait(
        &self,
        since: &mut WaitStart,
        waiting: &AtomicBool,
        mut ready: impl FnMut() -> bool,
        mut roomy: impl FnMut() -> bool,
    ) -> bool {
        // In a fork's child logging to the logger it inherited, no worker
        // will ever make room (see `fork/`): give up at once.
        if self.gives_up_at_once() || crate::fork::must_not_wait() {
            return false;
        }
        #[cfg(fapilog_loom)]
        {
            let _ = (since, waiting, &mut roomy);
            loop {
                if ready() {
                    return true;
                }
                loom::thread::yield_now();
            }
        }
        #[cfg(not(fapilog_loom))]
        {
            let since = *since.0.get_or_insert_with(Instant::now);
            let backoff = crossbeam_utils::Backoff::new();
            while !backoff.is_completed() {
                backoff.snooze();
                if ready() {
                    return true;
                }
            }
            // A wait too long to be a deadline (`Duration::MAX`, say) has
            // none: it waits as long as it takes, as a blocking policy does.
            let deadline = since.checked_add(self.wait);
            let mut parked = false;
            loop {
                // SeqCst pairs with the worker's store of `head` and load of
                // `waiting`: one of us sees the other.
                waiting.store(true, Ordering::SeqCst);
                if ready() && (!parked || self.drop_on_full || roomy()) {
                    return true;
                }
                // Until the deadline, slices end with it; after it (blocking
                // from then on), or without one, a whole slice.
                let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
                let slice = match left {
                    Some(left) if left.is_zero() && self.drop_on_full => return false,
                    Some(left) if !left.is_zero() => left.clamp(MIN_SLICE, PARK_SLICE),
                    _ => PARK_SLICE,
                };
                let mut guard = SPACE_LOCK.lock();
                SPACE.wait_for(&mut guard, slice);
                drop(guard);
                parked = true;
            }
        }
    }
}

/// When a record first waited for space (see [`WaitPolicy::wait`]).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct WaitStart(#[cfg(not(fapilog_loom))] Option<Instant>);

// The loom model yields instead of parking (see `WaitPolicy::wait`).
#[cfg(not(fapilog_loom))]
const PARK_SLICE: Duration = Duration::from_millis(1);
#[cfg(not(fapilog_loom))]
const MIN_SLICE: Duration = Duration::from_micros(50);

static SPACE_LOCK: parking_lot::Mutex<()> = parking_lot::const_mutex(());
static SPACE: parking_lot::Condvar = parking_lot::Condvar::new();

/// Wakes every parked producer (called by the worker after freeing slots).
pub(crate) fn wake_waiting_producers() {
    let _guard = SPACE_LOCK.lock();
    SPACE.notify_all();
}

#[cfg(all(test, not(fapilog_loom)))]
mod tests {
    use super::*;

    /// A wait too long to add to `Instant::now()` waits without a deadline
    /// instead of panicking (the builder caps the wait at an hour, so only
    /// a policy made here gets this far).
    #[test]
    fn a_wait_too_long_for_a_deadline_waits_until_space_comes() {
        for drop_on_full in [true, false] {
            let policy = WaitPolicy {
                wait: Duration::MAX,
                drop_on_full,
            };
            let waiting = AtomicBool::new(false);
            let mut polls = 0;
            // Space comes after a few parked slices.
            let ready = || {
                polls += 1;
                polls > 50
            };
            let mut since = WaitStart::default();
            assert!(
                policy.wait(&mut since, &waiting, ready, || true),
                "{policy:?}"
            );
        }
    }
}
