//! The consumer thread: drain rings, decode, serialize, hand batches to sinks.
//!
//! A pass visits every producer ring and takes up to `batch_records` records
//! from each. Each record is decoded in place (its values borrowed from the
//! slots), its fields collected in a bumpalo arena reset after every record
//! (so it never grows past the largest record), and serialized
//! once per format into that format's batch. Batches go to the sink threads
//! when full (see `outbox`) and whenever their sinks are idle. When a
//! pass finds nothing, the worker backs off: a few yields, then short parks.
//! Callers never wake it (that would be a system call on their path); it
//! wakes itself at least every millisecond, and `flush()`/`shutdown()` unpark
//! it at once. A flush does not stop it: it hands out the batches and the
//! sinks' flush requests, and goes on consuming while the sinks answer.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bumpalo::Bump;

use super::control::Request;
use super::enrich::Enrichers;
use super::filter::{Filters, SizeOutcome, Suppressed};
use super::format::{Decoded, Formatter};
use super::outbox::{Lane, Outbox, PendingFlush};
use super::redact::{CallsiteMemo, Dropped, FieldAction, ForCallsite, Redactor, BLOCKED_MARKER};
use super::sinks::SinkThreads;
use crate::clock::Converter;
use crate::logger::{wake_all_async_waiters, wake_async_waiters, Shared};
use crate::record::decode::read_header;
use crate::record::encode::encode_into_vec;
use crate::record::{Callsite, RecordView, Stamp, Value, HEADER_LEN};
use crate::ring::Ring;
use crate::sink::Format;
use crate::stats::DropReason;
use crate::Level;

/// Worker settings, from the builder.
#[derive(Clone, Debug)]
pub(crate) struct WorkerConfig {
    /// Records taken from one ring per visit, and the most in one batch.
    pub batch_records: usize,
    /// A batch is handed off once it holds this many bytes.
    pub batch_bytes: usize,
    /// A batch holding a record at or above this level (as `u8`) waits for
    /// a full sink queue instead of being dropped: 0 (every batch) under a
    /// blocking policy, the protected levels' under `protected_lossless`,
    /// 8 (none) otherwise.
    pub lossless_from: u8,
    /// Under a dropping policy: the protected levels (as `u8`) and the
    /// backpressure wait. A batch holding a protected record waits that
    /// long for room in a full sink queue before it is dropped; others are
    /// dropped at once. `None` when no level is protected or they are
    /// lossless anyway.
    pub protected_wait: Option<(u8, Duration)>,
    /// How often drops are summarised in the log.
    pub drop_summary_every: Duration,
    /// Longest idle park.
    pub idle_park: Duration,
    /// Batches that may wait in each sink's queue.
    pub sink_queue: usize,
}

pub(crate) struct Worker {
    shared: Arc<Shared>,
    cfg: WorkerConfig,
    rings: Vec<Arc<Ring>>,
    rings_version: usize,
    outbox: Outbox,
    stages: RecordStages,
    summary: DropSummary,
    /// The flush the sinks are answering, and the request it answers.
    flushing: Option<(u64, PendingFlush)>,
}

impl Worker {
    pub(crate) fn new(
        shared: Arc<Shared>,
        cfg: WorkerConfig,
        sinks: SinkThreads,
        stages: RecordStages,
    ) -> Worker {
        let outbox = Outbox::new(sinks, &cfg);
        Worker {
            shared,
            cfg,
            rings: Vec::new(),
            rings_version: 0,
            outbox,
            stages,
            summary: DropSummary::new(),
            flushing: None,
        }
    }

    /// The thread's body: runs until shutdown.
    pub(crate) fn run(mut self) {
        crate::lifecycle::mark_internal_thread();
        let mut idle = 0u32;
        loop {
            let n = self.pass();
            wake_async_waiters();
            self.poll_flush();
            match self.shared.control.take_request() {
                Some(Request::Shutdown { deadline }) => return self.finish(deadline),
                // One flush at a time; a later request is taken once this one
                // is answered.
                Some(Request::Flush { upto, deadline }) if self.flushing.is_none() => {
                    self.drain();
                    self.emit_suppressed(true);
                    let pending = self.outbox.start_flush(deadline, &self.shared);
                    self.flushing = Some((upto, pending));
                    self.poll_flush();
                    continue;
                }
                _ => {}
            }
            self.stages.converter.recalibrate_if_due();
            if self.summary.due(self.cfg.drop_summary_every) {
                self.emit_suppressed(false);
                self.emit_drop_summary();
            }
            if n > 0 {
                idle = 0;
                continue;
            }
            idle = idle.saturating_add(1);
            if idle < 16 {
                std::thread::yield_now();
            } else {
                let park =
                    Duration::from_micros(50u64 << (idle - 16).min(5)).min(self.cfg.idle_park);
                std::thread::park_timeout(park);
            }
        }
    }

    /// Closes the sinks without running (the worker could not start).
    pub(crate) fn abandon(mut self) {
        let deadline = Instant::now() + Duration::from_secs(1);
        self.outbox.close_sinks(deadline, &self.shared);
    }

    /// Tells the callers of the flush in progress, if every sink answered.
    fn poll_flush(&mut self) {
        let Some((upto, pending)) = &mut self.flushing else {
            return;
        };
        if let Some(answers) = self.outbox.poll_flush(pending) {
            let upto = *upto;
            self.flushing = None;
            self.shared.control.flush_done(upto, answers);
        }
    }

    /// Takes everything published so far (more may come meanwhile).
    fn drain(&mut self) {
        while self.pass() > 0 {}
    }

    /// One visit to every ring. Returns the records processed.
    fn pass(&mut self) -> usize {
        if let Some((version, rings)) = self.shared.rings_if_changed(self.rings_version) {
            self.rings_version = version;
            self.rings = rings;
        }
        let mut total = 0;
        for i in 0..self.rings.len() {
            let ring = self.rings[i].clone();
            self.shared.counters.raise_high_water(ring.depth() as u64);
            let Worker {
                outbox,
                stages,
                shared,
                cfg,
                ..
            } = self;
            // SAFETY: this worker is the only consumer of its logger's rings.
            let n = unsafe {
                ring.consume(cfg.batch_records, |bytes| {
                    if stages.process(bytes, outbox.lanes(), shared) {
                        shared.counters.bump_processed();
                    }
                    outbox.send_full(shared);
                })
            };
            total += n;
        }
        // Batches held back for busy sinks go out once the sinks are idle
        // (an idle worker's empty passes keep checking).
        self.outbox.send_ready(&self.shared);
        total
    }

    /// Sends a flush (or close) to every sink and waits for the answers.
    fn finish(mut self, deadline: Instant) {
        self.outbox.close_by(deadline);
        self.drain();
        // Calls that passed the level gate just before shutdown may still be
        // writing: give them a moment, then take what they published.
        std::thread::sleep(Duration::from_millis(2));
        self.drain();
        self.emit_suppressed(true);
        self.emit_drop_summary();
        wake_all_async_waiters();
        // A flush in progress ends here: its callers are told with the
        // shutdown's answer (`Control::finished`).
        self.flushing = None;
        let answers = self.outbox.close_sinks(deadline, &self.shared);
        self.outbox.join_sinks_except(&answers.late);
        self.shared.control.finished(answers);
        // The logger is unpublished: woken calls find no logger and return.
        // Calls that register after this see that themselves (`YieldOnce`).
        wake_all_async_waiters();
    }

    /// Writes a WARNING record for each batch of suppressed duplicates that
    /// is due (all of them when `all`): "N duplicate records suppressed".
    fn emit_suppressed(&mut self, all: bool) {
        loop {
            let mut buf = std::mem::take(&mut self.summary.buf);
            let Some(s) = self.stages.filters.take_suppressed(all) else {
                self.summary.buf = buf;
                return;
            };
            // Encoded before processing: `s` borrows the filter state.
            let ok = match s {
                Suppressed::Duplicates {
                    level,
                    target,
                    message,
                    count,
                } => encode_own(
                    &mut buf,
                    &DUPLICATES,
                    format_args!("{count} duplicate records suppressed: {message}"),
                    &(count, level.as_str(), target),
                ),
                Suppressed::Evicted { level, count } => encode_own(
                    &mut buf,
                    &DUPLICATES,
                    format_args!("{count} duplicate records suppressed"),
                    &(count, level.as_str(), "(various)"),
                ),
            };
            self.write_own(buf, ok, Handoff::WithTheBatch);
        }
    }

    /// Writes a WARNING record saying how many records were lost since the
    /// last summary, if any were.
    fn emit_drop_summary(&mut self) {
        let total = self.shared.stats().dropped;
        let before = (self.summary.reported, self.summary.since);
        let Some((dropped, window)) = self.summary.take(total) else {
            return;
        };
        let mut buf = std::mem::take(&mut self.summary.buf);
        let window_ms = window.as_millis() as u64;
        let ok = encode_own(
            &mut buf,
            &DROP_SUMMARY,
            format_args!("fapilog dropped {dropped} records in the last {window_ms} ms"),
            &(dropped, window_ms, total),
        );
        if ok {
            self.shared
                .counters
                .drop_summaries
                .fetch_add(1, Ordering::Relaxed);
        }
        if !self.write_own(buf, ok, Handoff::AtOnce) {
            // No sink took it: its count goes into the next summary
            // instead of out of the log.
            (self.summary.reported, self.summary.since) = before;
        }
    }

    /// Sends a record the worker encoded itself (in `buf`, when `ok`) down
    /// the same stages as logged ones but the filters (a summary of what
    /// was lost must not be sampled, rate-limited or deduplicated away), and
    /// keeps the buffer for next time. With [`Handoff::AtOnce`] the batches
    /// holding it are handed off now (see [`Outbox::send_own`]) and the
    /// answer is whether a sink took them; otherwise they go when ready, as
    /// logged records do, and the answer is whether it reached a batch.
    fn write_own(&mut self, buf: Vec<u8>, ok: bool, handoff: Handoff) -> bool {
        let batched = ok
            && self
                .stages
                .process_with(&buf, Origin::Worker, self.outbox.lanes(), &self.shared);
        self.summary.buf = buf;
        match handoff {
            Handoff::AtOnce => batched && self.outbox.send_own(&self.shared),
            Handoff::WithTheBatch => {
                self.outbox.send_ready(&self.shared);
                batched
            }
        }
    }
}

/// When a record of the worker's own leaves for the sinks.
#[derive(Clone, Copy)]
enum Handoff {
    /// Now, waiting briefly for room: the drop summary, whose count is
    /// carried over when no sink takes it.
    AtOnce,
    /// When its batch is ready, as a logged record's: the dedupe summaries,
    /// of which a flush may write thousands.
    WithTheBatch,
}

/// Encodes a record of the worker's own (summaries) into `buf`.
fn encode_own<F: crate::record::Fields>(
    buf: &mut Vec<u8>,
    callsite: &'static Callsite,
    message: std::fmt::Arguments<'_>,
    fields: &F,
) -> bool {
    let stamp = Stamp {
        callsite,
        timestamp: crate::clock::now_raw(),
        context: std::ptr::null(),
    };
    encode_into_vec(buf, stamp, 1 << 12, message, fields, fields.count() + 1)
}

static DUPLICATES: Callsite = Callsite::new(
    Level::Warning,
    "fapilog",
    file!(),
    line!(),
    &["suppressed", "level", "logger"],
);

static DROP_SUMMARY: Callsite = Callsite::new(
    Level::Warning,
    "fapilog",
    file!(),
    line!(),
    &["dropped", "window_ms", "total_dropped"],
);

/// A worker's per-record stages without its threads, rings or sinks, for
/// `benches/pipeline.rs` (see `LoggerBuilder::into_bench_stages`): encoded
/// records go through decode, enrichment, filters, redaction and one
/// format into a batch, exactly as on the worker. Not public API.
#[doc(hidden)]
pub struct BenchStages {
    stages: RecordStages,
    lanes: [Lane; 1],
    shared: Arc<Shared>,
}

impl BenchStages {
    pub(crate) fn new(shared: Arc<Shared>, stages: RecordStages, lane: Lane) -> BenchStages {
        BenchStages {
            stages,
            lanes: [lane],
            shared,
        }
    }

    /// Serializes one encoded record (as `__fuzz::encode_for_test` makes
    /// them) into the batch; false if it does not decode.
    pub fn process(&mut self, record: &[u8]) -> bool {
        self.stages.process(record, &mut self.lanes, &self.shared)
    }

    /// The batch's bytes so far.
    pub fn batch(&mut self) -> &[u8] {
        self.lanes[0].batch().as_bytes()
    }

    /// Empties the batch, as a hand-off to the sinks would.
    pub fn clear(&mut self) {
        self.lanes[0].batch().clear();
    }
}

/// Everything that turns one record's bytes into lines: the per-record
/// arena, the clock converter, the enrichers, filters, redaction and the
/// formats.
pub(crate) struct RecordStages {
    arena: Bump,
    converter: Converter,
    formatter: Formatter,
    enrichers: Enrichers,
    filters: Filters,
    redactor: Option<Redactor>,
    /// What redaction decided per callsite.
    memo: CallsiteMemo,
}

impl RecordStages {
    pub(crate) fn new(
        formatter: Formatter,
        enrichers: Enrichers,
        filters: Filters,
        redactor: Option<Redactor>,
    ) -> RecordStages {
        RecordStages {
            arena: Bump::with_capacity(64 << 10),
            converter: Converter::new(),
            formatter,
            enrichers,
            filters,
            redactor,
            memo: CallsiteMemo::new(),
        }
    }

    /// Decodes one record, adds its bound context and enrichment, and
    /// appends it to every lane's batch. False (counted) if it does not
    /// decode.
    fn process(&mut self, bytes: &[u8], lanes: &mut [Lane], shared: &Shared) -> bool {
        self.process_with(bytes, Origin::Logged, lanes, shared)
    }

    /// As [`RecordStages::process`], for a record of the given origin.
    fn process_with(
        &mut self,
        bytes: &[u8],
        origin: Origin,
        lanes: &mut [Lane],
        shared: &Shared,
    ) -> bool {
        // The record owns a count of its bound context, if any: take it back
        // now so that it is released whatever happens below.
        let context = (bytes.len() >= HEADER_LEN)
            .then(|| read_header(bytes).context)
            .filter(|p| !p.is_null())
            // SAFETY: a non-null context in a header is a strong count the
            // producer took for this record (`logger::write_leased`).
            .map(|p| unsafe { Arc::from_raw(p) });
        let written = self.write_record(bytes, origin, context.as_deref(), lanes, shared);
        // The fields lived only for this record: the arena's single chunk is
        // reused by the next one, so it never grows past the largest record.
        self.arena.reset();
        if !written {
            shared
                .counters
                .drop_records(DropReason::Corrupt, Level::Info, 1);
        }
        written
    }

    fn write_record(
        &mut self,
        bytes: &[u8],
        origin: Origin,
        context: Option<&crate::context::Scope>,
        lanes: &mut [Lane],
        shared: &Shared,
    ) -> bool {
        let RecordStages {
            arena,
            converter,
            formatter,
            enrichers,
            filters,
            redactor,
            memo,
        } = self;
        let arena = &*arena;
        // SAFETY: the bytes come from a ring (or the drop-summary buffer),
        // where only the encoder writes records.
        let Ok(view) = (unsafe { RecordView::decode(bytes) }) else {
            return false;
        };
        let mut fields =
            bumpalo::collections::Vec::with_capacity_in(view.callsite.fields.len() + 8, arena);
        for f in view.fields() {
            let Ok(field) = f else { return false };
            fields.push(field);
        }
        let call_fields = fields.len();
        if let Some(scope) = context {
            scope.for_each_field(|name, value| {
                if !fields[..call_fields].iter().any(|(n, _)| *n == name) {
                    fields.push((name, value));
                }
            });
        }
        let timestamp_ns = converter.to_unix_nanos(view.timestamp);
        let level = view.callsite.level;
        if !enrichers.is_empty() {
            let (target, message) = (view.callsite.target, view.message);
            let panics = enrichers.run(level, target, message, timestamp_ns, arena, &mut fields);
            if panics > 0 {
                shared
                    .counters
                    .enricher_panics
                    .fetch_add(panics, Ordering::Relaxed);
            }
        }
        let counters = &shared.filter_counters;
        let filtered = origin == Origin::Logged;
        if filtered && !filters.keep(level, view.callsite.target, view.message, &fields, counters) {
            // Decoded, counted by the filter, not written.
            return true;
        }
        let mut message = view.message;
        if let Some(r) = redactor {
            let memo = memo.of(r, view.callsite);
            let literal = view.message_is_static;
            if redact(r, memo, literal, &mut message, &mut fields, arena).is_err() {
                // A custom redactor failed under `FailMode::Closed`.
                shared
                    .counters
                    .drop_records(DropReason::RedactionFailed, level, 1);
                return true;
            }
        }
        let rec = Decoded {
            callsite: view.callsite,
            message,
            message_truncated: view.message_truncated,
            fields: fields.into_bump_slice(),
            call_fields,
            timestamp_ns,
        };
        let mut size = SizeOutcome::Fits;
        for lane in lanes.iter_mut() {
            let format = lane.format();
            let batch = lane.batch();
            let start = batch.buffer().len();
            formatter.write(format, &rec, batch.buffer());
            let text = matches!(format, Format::Pretty { .. });
            let outcome = filters.guard_size(batch.buffer(), start, text);
            if outcome.kept() {
                batch.end_record(level, rec.timestamp_ns);
            }
            size = size.worse(outcome);
        }
        counters.count_size(size);
        true
    }
}

/// `bytes` as lossy UTF-8 (U+FFFD for each bad sequence, as
/// `String::from_utf8_lossy`), in the record's arena.
fn lossy_in<'a>(bytes: &[u8], arena: &'a Bump) -> &'a str {
    let mut text = bumpalo::collections::String::with_capacity_in(bytes.len() + 8, arena);
    for chunk in bytes.utf8_chunks() {
        text.push_str(chunk.valid());
        if !chunk.invalid().is_empty() {
            text.push(char::REPLACEMENT_CHARACTER);
        }
    }
    text.into_bump_str()
}

/// The smallest number with as many digits as the shortest card number.
const SHORTEST_CARD: u64 = 1_000_000_000_000;

/// Integers long enough to be card numbers (13 digits and more) are
/// scanned as their decimal text, so that `card = 4111111111111111u64` is
/// masked as `%card` would be; shorter ones (ids, counts, timestamps in
/// seconds) are left alone. A masked integer becomes a string.
fn redact_long_integer<'a>(
    r: &Redactor,
    name: &str,
    v: impl itoa::Integer,
    value: &mut Value<'a>,
    arena: &'a Bump,
) -> Result<(), Dropped> {
    let text = arena.alloc_str(itoa::Buffer::new().format(v));
    let redacted = r.redact_text(Some(name), text, arena)?;
    if !std::ptr::eq(redacted, text) {
        *value = Value::Str {
            text: redacted,
            truncated: false,
        };
    }
    Ok(())
}

/// Where a record comes from: a log call, or the worker itself (summaries
/// of dropped and of suppressed duplicate records), which the filters skip.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Origin {
    Logged,
    Worker,
}

/// Redacts a record in place, before any format sees it: the message, then
/// each field by its name (mask or block) or by a scan of its text. Byte
/// values that are UTF-8 are scanned too (and written as text if changed).
/// `memo` holds what is decided once for the record's callsite: its field
/// names, and its message if `literal` (the call's `'static` text) and
/// found clean before.
fn redact<'a>(
    r: &Redactor,
    mut memo: ForCallsite<'_>,
    literal: bool,
    message: &mut &'a str,
    fields: &mut [(&'a str, Value<'a>)],
    arena: &'a Bump,
) -> Result<(), Dropped> {
    *message = memo.message(r, message, literal, arena)?;
    for (i, (name, value)) in fields.iter_mut().enumerate() {
        match memo.field_action(r, i, name) {
            FieldAction::Keep => match *value {
                Value::Str { text, truncated } => {
                    *value = Value::Str {
                        text: r.redact_text(Some(name), text, arena)?,
                        truncated,
                    }
                }
                Value::Bytes { bytes, truncated } => {
                    // Scanned as the text the formats write for them: bytes
                    // that are not UTF-8 (or were cut inside a character)
                    // are scanned with U+FFFD for each bad sequence.
                    let text = match std::str::from_utf8(bytes) {
                        Ok(text) => text,
                        Err(_) => lossy_in(bytes, arena),
                    };
                    let redacted = r.redact_text(Some(name), text, arena)?;
                    if !std::ptr::eq(redacted, text) {
                        *value = Value::Str {
                            text: redacted,
                            truncated,
                        };
                    }
                }
                Value::U64(v) if v >= SHORTEST_CARD => {
                    redact_long_integer(r, name, v, value, arena)?
                }
                Value::I64(v) if v.unsigned_abs() >= SHORTEST_CARD => {
                    redact_long_integer(r, name, v, value, arena)?
                }
                Value::U128(v) if v >= SHORTEST_CARD.into() => {
                    redact_long_integer(r, name, v, value, arena)?
                }
                Value::I128(v) if v.unsigned_abs() >= SHORTEST_CARD.into() => {
                    redact_long_integer(r, name, v, value, arena)?
                }
                _ => {}
            },
            FieldAction::Mask => {
                *value = Value::Str {
                    text: arena.alloc_str(r.mask_text()),
                    truncated: false,
                }
            }
            FieldAction::Block => {
                *value = Value::Str {
                    text: BLOCKED_MARKER,
                    truncated: false,
                }
            }
        }
    }
    Ok(())
}

/// When the last drop summary was written and what it had counted.
struct DropSummary {
    reported: u64,
    since: Instant,
    checked: Instant,
    buf: Vec<u8>,
}

impl DropSummary {
    fn new() -> DropSummary {
        let now = Instant::now();
        DropSummary {
            reported: 0,
            since: now,
            checked: now,
            buf: Vec::with_capacity(512),
        }
    }

    fn due(&mut self, every: Duration) -> bool {
        let now = Instant::now();
        if now.duration_since(self.checked) < every {
            return false;
        }
        self.checked = now;
        true
    }

    /// The drops since the last summary and the window they fell in, if any.
    fn take(&mut self, total: u64) -> Option<(u64, Duration)> {
        if total <= self.reported {
            return None;
        }
        let now = Instant::now();
        let out = (total - self.reported, now.duration_since(self.since));
        self.reported = total;
        self.since = now;
        Some(out)
    }
}
