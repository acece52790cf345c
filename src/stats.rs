//! Counters and the `stats()` snapshot.
//!
//! Producer counters live in each thread's ring, on a cache line only that
//! thread writes (single-writer increments: a load and a store, no locked
//! instruction). Worker counters live in the logger. `fapilog::stats()` adds
//! them up.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::Level;

/// Why a record was lost. Every loss is counted under one of these.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DropReason {
    /// The ring stayed full for the whole backpressure wait.
    QueueFull = 0,
    /// Logged from inside the formatting of another record on the same
    /// thread (a `Display` impl that logs), or from one of fapilog's own
    /// threads (a sink, an enricher, a filter or a redactor that logs: its
    /// record would come back to it, without end).
    Reentrant = 1,
    /// User code (a `Display`/`Debug` impl) panicked while the record was
    /// being written; the panic goes on to the caller.
    Panicked = 2,
    /// A sink's hand-off queue was full (drop policy only).
    SinkFull = 3,
    /// A sink returned an error or panicked while writing the record, and
    /// no fallback sink wrote it instead (there is none, its queue was
    /// full, or it failed too).
    SinkError = 4,
    /// Still in the ring when shutdown gave up waiting.
    Shutdown = 5,
    /// The worker could not decode the record (a bug; never expected).
    /// Counted under INFO: a record that does not decode has no level the
    /// worker can trust.
    Corrupt = 6,
    /// A custom redactor failed under `FailMode::Closed`.
    RedactionFailed = 7,
    /// Logged from another thread-local's destructor after this thread's
    /// own state was torn down.
    ThreadExit = 8,
    /// An async log call (`info_async!` and the like) was cancelled while
    /// it waited for space: its future was dropped (a `select!`, a timeout,
    /// an aborted task) before the record was written or given up.
    Cancelled = 9,
    /// Logged in a fork's child to the logger it inherited from its parent
    /// (`fork()` after `install()`), whose worker and sinks stayed in the
    /// parent: a call that finds its ring full is dropped at once, whatever
    /// the backpressure policy, as is every call of a thread that had not
    /// logged before the fork; and the records the child wrote into its
    /// ring before it filled count here too (`stats()` counts them as soon
    /// as they are written, since no worker will take them). Install a
    /// logger in the child to log there: `stats()` then reports the new
    /// logger, and the inherited one's count is in the line `install()`
    /// writes to stderr as it replaces it.
    Forked = 10,
}

impl DropReason {
    /// Every reason, in counter order.
    pub const ALL: [DropReason; 11] = [
        DropReason::QueueFull,
        DropReason::Reentrant,
        DropReason::Panicked,
        DropReason::SinkFull,
        DropReason::SinkError,
        DropReason::Shutdown,
        DropReason::Corrupt,
        DropReason::RedactionFailed,
        DropReason::ThreadExit,
        DropReason::Cancelled,
        DropReason::Forked,
    ];

    /// Its name in stats and drop summaries.
    pub const fn as_str(self) -> &'static str {
        match self {
            DropReason::QueueFull => "queue_full",
            DropReason::Reentrant => "reentrant",
            DropReason::Panicked => "panicked",
            DropReason::SinkFull => "sink_full",
            DropReason::SinkError => "sink_error",
            DropReason::Shutdown => "shutdown",
            DropReason::Corrupt => "corrupt",
            DropReason::RedactionFailed => "redaction_failed",
            DropReason::ThreadExit => "thread_exit",
            DropReason::Cancelled => "cancelled",
            DropReason::Forked => "forked",
        }
    }
}

const REASONS: usize = DropReason::ALL.len();
const LEVELS: usize = Level::ALL.len();

#[inline(always)]
fn bump_single_writer(c: &AtomicU64, n: u64) {
    c.store(c.load(Ordering::Relaxed) + n, Ordering::Relaxed);
}

/// Drops by reason and level. Single-writer or shared, depending on owner.
#[derive(Default)]
pub(crate) struct DropCounters([[AtomicU64; LEVELS]; REASONS]);

impl DropCounters {
    /// Counts one drop (shared counters: an atomic add).
    pub(crate) fn add(&self, reason: DropReason, level: Level) {
        self.0[reason as usize][level as usize].fetch_add(1, Ordering::Relaxed);
    }

    fn add_into(&self, out: &mut [[u64; LEVELS]; REASONS]) {
        for (r, row) in self.0.iter().enumerate() {
            for (l, c) in row.iter().enumerate() {
                out[r][l] += c.load(Ordering::Relaxed);
            }
        }
    }
}

/// Counters written only by the thread that owns a ring.
#[derive(Default)]
pub(crate) struct ProducerCounters {
    submitted: AtomicU64,
    pub(crate) truncated: AtomicU64,
    dropped: DropCounters,
}

impl ProducerCounters {
    #[inline(always)]
    pub(crate) fn bump_submitted(&self) {
        bump_single_writer(&self.submitted, 1);
    }

    #[inline(always)]
    pub(crate) fn bump_truncated(&self) {
        bump_single_writer(&self.truncated, 1);
    }

    /// Counts a record lost on the producer side. A lost record was
    /// submitted too: `submitted == processed + dropped` once drained.
    #[cold]
    pub(crate) fn drop_record(&self, reason: DropReason, level: Level) {
        bump_single_writer(&self.submitted, 1);
        bump_single_writer(&self.dropped.0[reason as usize][level as usize], 1);
    }
}

/// Counters written by the worker and sink threads.
#[derive(Default)]
pub(crate) struct WorkerCounters {
    pub processed: AtomicU64,
    pub delivered: AtomicU64,
    pub fallback: AtomicU64,
    pub sink_errors: AtomicU64,
    pub sink_panics: AtomicU64,
    pub high_water: AtomicU64,
    pub drop_summaries: AtomicU64,
    pub enricher_panics: AtomicU64,
    dropped: DropCounters,
}

impl WorkerCounters {
    /// Counts one record the worker processed. Only the worker thread writes
    /// `processed`, so this is a plain load and store: a locked add would
    /// also wait, on every record, for the stores of the lines just written
    /// to reach the cache.
    #[inline(always)]
    pub(crate) fn bump_processed(&self) {
        bump_single_writer(&self.processed, 1);
    }

    pub(crate) fn drop_records(&self, reason: DropReason, level: Level, n: u64) {
        self.dropped.0[reason as usize][level as usize].fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn raise_high_water(&self, depth: u64) {
        self.high_water.fetch_max(depth, Ordering::Relaxed);
    }
}

/// A snapshot of the logger's counters: `fapilog::stats()`.
///
/// Records are counted once each: `submitted` counts every enabled call,
/// including those later dropped. Once the logger is drained,
/// `submitted == processed + dropped_before_processing` and every processed
/// record, for each sink, was exactly one of: delivered to that sink
/// (`delivered`), written by the fallback sink in its place after the sink
/// failed (`fallback`), or dropped and counted under `SinkFull` /
/// `SinkError` for that sink. The worker's own drop summaries are not
/// `processed` (they were never submitted) but are delivered like records:
/// with one sink, `processed + drop_summaries == delivered + fallback +
/// SinkFull + SinkError` drops.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Enabled log calls (records offered to the ring).
    pub submitted: u64,
    /// Records the worker decoded and serialized (drop summaries excluded).
    pub processed: u64,
    /// Record deliveries to sinks (a record sent to two sinks counts twice;
    /// drop summaries included). Records the fallback wrote for a failed
    /// sink are not in here but in `fallback`.
    pub delivered: u64,
    /// Records rescued by the fallback sink (`LoggerBuilder::fallback`): a
    /// sink failed to write them (counted in `sink_errors`/`sink_panics`)
    /// and the fallback wrote them instead. Neither `delivered` nor
    /// `dropped`. A record two sinks failed is rescued, and counted, twice.
    pub fallback: u64,
    /// Records lost, all reasons and levels together.
    pub dropped: u64,
    /// Records that had a value cut at the record size limit (still delivered).
    pub truncated: u64,
    /// Errors returned by sinks (the fallback sink included), from
    /// `write_batch`, `flush` and `close`. Per sink, with the last error's
    /// text: [`sink_health()`](crate::sink_health).
    pub sink_errors: u64,
    /// Panics caught in sinks (the fallback sink included). Per sink:
    /// [`sink_health()`](crate::sink_health).
    pub sink_panics: u64,
    /// Slots waiting in the rings now.
    pub queue_depth: u64,
    /// The most slots seen waiting in one ring when the worker came to it.
    pub queue_high_water: u64,
    /// Producer rings (one per thread that has logged).
    pub producers: u64,
    /// "N records dropped" summary records the worker has emitted.
    pub drop_summaries: u64,
    /// Panics caught in custom enrichers (the record was still written).
    pub enricher_panics: u64,
    /// Records removed by sampling.
    pub sampled_out: u64,
    /// Records removed by rate limiting.
    pub rate_limited: u64,
    /// Duplicate records suppressed (each reported in the log by a
    /// "N duplicate records suppressed" record).
    pub deduplicated: u64,
    /// Records cut by the size guard (`SizeAction::Truncate`).
    pub oversize_truncated: u64,
    /// Records removed by the size guard (`SizeAction::Drop`).
    pub oversize_dropped: u64,
    /// Oversized records let through whole (`SizeAction::Warn`).
    pub oversize_warned: u64,
    /// Values and texts redacted (all kinds; see `fapilog::redact`).
    pub redacted: u64,
    dropped_by: [[u64; LEVELS]; REASONS],
}

impl Stats {
    /// Records dropped for `reason`, all levels.
    pub fn dropped_for(&self, reason: DropReason) -> u64 {
        self.dropped_by[reason as usize].iter().sum()
    }

    /// Records dropped at `level`, all reasons.
    pub fn dropped_at(&self, level: Level) -> u64 {
        self.dropped_by.iter().map(|row| row[level as usize]).sum()
    }

    /// Records dropped for `reason` at `level`.
    pub fn dropped_for_at(&self, reason: DropReason, level: Level) -> u64 {
        self.dropped_by[reason as usize][level as usize]
    }

    /// Records lost before the worker processed them (on the producer side
    /// or at shutdown): `submitted - processed` once the logger is drained.
    pub fn dropped_before_processing(&self) -> u64 {
        [
            DropReason::QueueFull,
            DropReason::Reentrant,
            DropReason::Panicked,
            DropReason::Shutdown,
            DropReason::Corrupt,
            DropReason::ThreadExit,
            DropReason::Cancelled,
            DropReason::Forked,
        ]
        .iter()
        .map(|r| self.dropped_for(*r))
        .sum()
    }

    /// Adds drops counted against no ring (each was submitted too).
    pub(crate) fn add_unowned(&mut self, c: &DropCounters) {
        let mut by = [[0u64; LEVELS]; REASONS];
        c.add_into(&mut by);
        self.submitted += by.iter().flatten().sum::<u64>();
        for (row, add) in self.dropped_by.iter_mut().zip(by) {
            for (n, a) in row.iter_mut().zip(add) {
                *n += a;
            }
        }
    }

    /// Adds `n` drops found outside the counters (each already submitted).
    pub(crate) fn add_drops(&mut self, reason: DropReason, level: Level, n: u64) {
        self.dropped_by[reason as usize][level as usize] += n;
    }

    pub(crate) fn add_producer(&mut self, c: &ProducerCounters) {
        self.submitted += c.submitted.load(Ordering::Relaxed);
        self.truncated += c.truncated.load(Ordering::Relaxed);
        c.dropped.add_into(&mut self.dropped_by);
        self.producers += 1;
    }

    pub(crate) fn add_worker(&mut self, c: &WorkerCounters) {
        self.processed += c.processed.load(Ordering::Relaxed);
        self.delivered += c.delivered.load(Ordering::Relaxed);
        self.fallback += c.fallback.load(Ordering::Relaxed);
        self.sink_errors += c.sink_errors.load(Ordering::Relaxed);
        self.sink_panics += c.sink_panics.load(Ordering::Relaxed);
        self.queue_high_water = self
            .queue_high_water
            .max(c.high_water.load(Ordering::Relaxed));
        self.drop_summaries += c.drop_summaries.load(Ordering::Relaxed);
        self.enricher_panics += c.enricher_panics.load(Ordering::Relaxed);
        c.dropped.add_into(&mut self.dropped_by);
    }

    pub(crate) fn add_filters(&mut self, f: crate::pipeline::filter::FilterCounts) {
        self.sampled_out += f.sampled_out;
        self.rate_limited += f.rate_limited;
        self.deduplicated += f.deduplicated;
        self.oversize_truncated += f.oversize_truncated;
        self.oversize_dropped += f.oversize_dropped;
        self.oversize_warned += f.oversize_warned;
    }

    pub(crate) fn finish(mut self) -> Stats {
        self.dropped = self.dropped_by.iter().flatten().sum();
        self
    }
}
