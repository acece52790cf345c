//! Consumer-side filters: sampling, rate limiting, de-duplication of errors
//! and a limit on line size.
//!
//! They run on the worker, per record, after decoding (the size guard after
//! serialization). Each has a public configuration type, checked by its
//! `validate()` (errors name the setting, e.g. `sampling.rate`), and a
//! worker-side state built from it. None allocates per record in the steady
//! state: their tables are fixed-size and allocated up front (the rate
//! limiter's and de-duplicator's key strings excepted, see
//! [`RateLimit`] and [`Dedupe`]). Time is passed in (`now: Instant`), so they
//! are deterministic under test.
//!
//! Suggested order on the worker, cheapest and most selective first, so that
//! a record dropped by one does not use up another's budget:
//!
//! 1. level / directives (before decoding the fields, if possible);
//! 2. [`Sampling`] (`Sampler::keep`);
//! 3. [`Dedupe`] (`Deduper::keep`; report `Deduper::take_suppressed` after
//!    each pass and `flush_suppressed` on flush and shutdown);
//! 4. [`RateLimit`] (`RateLimiter::keep`, key from `RateLimit::key_of`);
//! 5. serialize, then [`SizeGuard`] (`SizeGuard::apply` before
//!    `Batch::end_record`).
//!
//! Every record a filter removes is counted in [`FilterCounters`].

mod dedupe;
mod rate_limit;
mod sampling;
mod size_guard;
mod stage;
mod table;

use std::sync::atomic::{AtomicU64, Ordering};

pub use dedupe::Dedupe;
pub(crate) use dedupe::{Deduper, Suppressed};
pub use rate_limit::RateLimit;
pub(crate) use rate_limit::RateLimiter;
pub(crate) use sampling::Sampler;
pub use sampling::Sampling;
pub(crate) use size_guard::SizeOutcome;
pub use size_guard::{SizeAction, SizeGuard};
pub(crate) use stage::{FilterConfig, Filters};

/// Records removed or changed by the filters, by filter. Written by the
/// worker only (relaxed), read by `stats()`.
#[derive(Debug, Default)]
pub(crate) struct FilterCounters {
    /// Removed by [`Sampling`].
    pub sampled_out: AtomicU64,
    /// Removed by [`RateLimit`].
    pub rate_limited: AtomicU64,
    /// Suppressed by [`Dedupe`] (reported in the log as they are taken).
    pub deduplicated: AtomicU64,
    /// Cut by [`SizeGuard`] with [`SizeAction::Truncate`].
    pub oversize_truncated: AtomicU64,
    /// Removed by [`SizeGuard`] with [`SizeAction::Drop`].
    pub oversize_dropped: AtomicU64,
    /// Let through whole by [`SizeGuard`] with [`SizeAction::Warn`].
    pub oversize_warned: AtomicU64,
}

/// A snapshot of [`FilterCounters`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct FilterCounts {
    pub sampled_out: u64,
    pub rate_limited: u64,
    pub deduplicated: u64,
    pub oversize_truncated: u64,
    pub oversize_dropped: u64,
    pub oversize_warned: u64,
}

impl FilterCounters {
    /// Counts what [`SizeGuard`] did to a line.
    pub(crate) fn count_size(&self, outcome: SizeOutcome) {
        let counter = match outcome {
            SizeOutcome::Fits => return,
            SizeOutcome::Truncated { .. } => &self.oversize_truncated,
            SizeOutcome::Dropped { .. } => &self.oversize_dropped,
            SizeOutcome::Warned { .. } => &self.oversize_warned,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The current values.
    pub(crate) fn snapshot(&self) -> FilterCounts {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        FilterCounts {
            sampled_out: get(&self.sampled_out),
            rate_limited: get(&self.rate_limited),
            deduplicated: get(&self.deduplicated),
            oversize_truncated: get(&self.oversize_truncated),
            oversize_dropped: get(&self.oversize_dropped),
            oversize_warned: get(&self.oversize_warned),
        }
    }
}

/// A workload running every filter, for `tests/filters_do_not_allocate.rs`
/// (a counting allocator there checks that a warm run allocates nothing).
/// Not public API.
#[doc(hidden)]
pub struct SteadyState {
    sampler: Sampler,
    deduper: Deduper,
    limiter: RateLimiter,
    guard: SizeGuard,
    summary_guard: SizeGuard,
    counters: FilterCounters,
    keys: Vec<String>,
    messages: Vec<String>,
    line: Vec<u8>,
    wide_line: Vec<u8>,
    buf: Vec<u8>,
    t0: std::time::Instant,
    step: u64,
}

impl SteadyState {
    /// Builds the filters and the inputs (this allocates).
    #[allow(clippy::new_without_default)]
    pub fn new() -> SteadyState {
        let t0 = std::time::Instant::now();
        let mut line =
            br#"{"timestamp":"2026-11-21T10:30:00Z","level":"ERROR","logger":"app","message":""#
                .to_vec();
        line.extend(std::iter::repeat_n(b'm', 4000));
        line.extend_from_slice(br#"","query":""#);
        line.extend(std::iter::repeat_n(b'q', 3000));
        line.extend_from_slice(br#""}"#);
        let mut wide_line = br#"{"level":"ERROR","message":"x""#.to_vec();
        for i in 0..300 {
            wide_line.extend_from_slice(format!(",\"n{i:03}\":{i}").as_bytes());
        }
        wide_line.push(b'}');
        SteadyState {
            sampler: Sampling::new(0.5).seed(1).sampler(),
            deduper: Dedupe::new(std::time::Duration::from_millis(5))
                .max_entries(64)
                .deduper(),
            limiter: RateLimit::new(1000.0, 10)
                .per_key("user")
                .max_keys(64)
                .limiter(t0),
            guard: SizeGuard::new(1024, SizeAction::Truncate),
            summary_guard: SizeGuard::new(256, SizeAction::Truncate),
            counters: FilterCounters::default(),
            // More keys and messages than the tables hold, all the same
            // length, so evictions reuse the slots' strings.
            keys: (0..100).map(|i| format!("user-{i:03}")).collect(),
            messages: (0..100).map(|i| format!("failure {i:03}")).collect(),
            buf: Vec::with_capacity(4 * (line.len() + wide_line.len())),
            line,
            wide_line,
            t0,
            step: 0,
        }
    }

    /// Runs `records` records through every filter.
    pub fn run(&mut self, records: usize) {
        use std::time::Duration;
        for _ in 0..records {
            self.step += 1;
            let i = self.step as usize;
            let now = self.t0 + Duration::from_micros(self.step * 37);
            let level = if i % 3 == 0 {
                crate::Level::Error
            } else {
                crate::Level::Info
            };
            if !self.sampler.keep(level) {
                self.counters.sampled_out.fetch_add(1, Ordering::Relaxed);
            }
            let message = &self.messages[(i * 7) % self.messages.len()];
            if !self
                .deduper
                .keep(crate::Level::Error, "app::db", message, now)
            {
                self.counters.deduplicated.fetch_add(1, Ordering::Relaxed);
            }
            if i % 50 == 0 {
                while self.deduper.take_suppressed(now).is_some() {}
            }
            if i % 5000 == 0 {
                while self.deduper.flush_suppressed().is_some() {}
            }
            let key = &self.keys[(i * 13) % self.keys.len()];
            if !self.limiter.keep(Some(key), now) {
                self.counters.rate_limited.fetch_add(1, Ordering::Relaxed);
            }
            if i % 10 == 0 {
                self.buf.clear();
                self.buf.extend_from_slice(&self.line);
                let outcome = self.guard.apply(&mut self.buf, 0);
                self.counters.count_size(outcome);
                self.buf.clear();
                self.buf.extend_from_slice(&self.wide_line);
                let outcome = self.summary_guard.apply(&mut self.buf, 0);
                self.counters.count_size(outcome);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_outcomes_are_counted_by_kind() {
        let c = FilterCounters::default();
        c.count_size(SizeOutcome::Fits);
        c.count_size(SizeOutcome::Truncated { original_bytes: 1 });
        c.count_size(SizeOutcome::Dropped { original_bytes: 1 });
        c.count_size(SizeOutcome::Dropped { original_bytes: 1 });
        c.count_size(SizeOutcome::Warned { original_bytes: 1 });
        c.sampled_out.fetch_add(3, Ordering::Relaxed);
        assert_eq!(
            c.snapshot(),
            FilterCounts {
                sampled_out: 3,
                oversize_truncated: 1,
                oversize_dropped: 2,
                oversize_warned: 1,
                ..FilterCounts::default()
            }
        );
    }
}
