//! Where serialized records wait for their sinks.
//!
//! Each format has a lane: the batch being filled, and the sinks that want
//! that format. A batch goes to its sinks when it is full (`batch_records`
//! records or `batch_bytes` bytes, checked after every record), and earlier
//! whenever all of its sinks are idle. A busy sink thus gets a bigger batch
//! next time instead of a queue of small ones, and a batch never outgrows the
//! buffers it was given up front: the bytes only for a single line longer
//! than `batch_bytes`.
//!
//! Sent batches go back to a pool and are reused once no sink holds them, so
//! the steady state allocates nothing.
//!
//! The fallback sink, if any, is in no lane: only the sinks' threads send it
//! batches (those they failed to write). It is flushed and closed after the
//! sinks, so a batch that fails during their last flush still reaches it.

use std::sync::mpsc::{Receiver, TryRecvError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::sinks::{Answers, Clean, SendWait, SinkHandle, SinkThreads};
use super::worker::WorkerConfig;
use crate::logger::Shared;
use crate::sink::{Batch, Format};
use crate::stats::DropReason;

/// Records serialized in one format, and the sinks that want it.
pub(crate) struct Lane {
    format: Format,
    batch: Arc<Batch>,
    sinks: Vec<usize>,
}

impl Lane {
    /// A lane that feeds no sink (for `BenchStages`).
    pub(crate) fn detached(format: Format, bytes: usize, records: usize) -> Lane {
        Lane {
            format,
            batch: Limits { records, bytes }.new_batch(),
            sinks: Vec::new(),
        }
    }

    pub(crate) fn format(&self) -> Format {
        self.format
    }

    /// The batch being filled.
    pub(crate) fn batch(&mut self) -> &mut Batch {
        Arc::get_mut(&mut self.batch).expect("a lane's batch is the worker's alone")
    }
}

/// Hand-off sizes, from the builder.
#[derive(Clone, Copy)]
struct Limits {
    records: usize,
    bytes: usize,
}

impl Limits {
    fn reached_by(self, batch: &Batch) -> bool {
        batch.len() >= self.records || batch.as_bytes().len() >= self.bytes
    }

    /// A batch with room for everything it can hold before it is handed off:
    /// `records` records, and `bytes` bytes plus a last line of up to as
    /// much again.
    fn new_batch(self) -> Arc<Batch> {
        Arc::new(Batch::with_capacity(2 * self.bytes, self.records))
    }
}

/// The lanes, the sink threads and the pool of free batches.
pub(crate) struct Outbox {
    lanes: Vec<Lane>,
    sinks: Vec<SinkHandle>,
    /// The fallback sink's thread, fed by the sinks' threads.
    fallback: Option<SinkHandle>,
    pool: Vec<Arc<Batch>>,
    limits: Limits,
    /// See `WorkerConfig::lossless_from`.
    lossless_from: u8,
    /// See `WorkerConfig::protected_wait`.
    protected_wait: Option<(u8, Duration)>,
    /// The shutdown deadline, once shutting down. From then on a full sink
    /// queue is waited for until that deadline, even with the drop policy
    /// (so the last records and the final drop summary are not dropped just
    /// because the sink is behind), and no longer, even when lossless.
    closing: Option<Instant>,
}

impl Outbox {
    pub(crate) fn new(threads: SinkThreads, cfg: &WorkerConfig) -> Outbox {
        let SinkThreads { sinks, fallback } = threads;
        let limits = Limits {
            records: cfg.batch_records,
            bytes: cfg.batch_bytes,
        };
        let mut lanes: Vec<Lane> = Vec::new();
        for (i, s) in sinks.iter().enumerate() {
            match lanes.iter_mut().find(|l| l.format == s.format) {
                Some(lane) => lane.sinks.push(i),
                None => lanes.push(Lane {
                    format: s.format,
                    batch: limits.new_batch(),
                    sinks: vec![i],
                }),
            }
        }
        // Every batch that can be in use at once, allocated now (the pages
        // are only touched as they fill): per lane, a full queue and one
        // being written, besides the one filling; as many again for the
        // fallback, whose queue holds batches the sinks failed.
        let queues = lanes.len() + usize::from(fallback.is_some());
        let pool = (0..queues * (cfg.sink_queue + 1))
            .map(|_| limits.new_batch())
            .collect();
        Outbox {
            lanes,
            sinks,
            fallback,
            pool,
            limits,
            lossless_from: cfg.lossless_from,
            protected_wait: cfg.protected_wait,
            closing: None,
        }
    }

    /// The lanes, for appending a record to each.
    pub(crate) fn lanes(&mut self) -> &mut [Lane] {
        &mut self.lanes
    }

    /// Hands off the batches that are full; called after every record.
    pub(crate) fn send_full(&mut self, shared: &Shared) {
        for i in 0..self.lanes.len() {
            if self.limits.reached_by(&self.lanes[i].batch) {
                self.send_lane(i, None, shared);
            }
        }
    }

    /// Hands off every non-empty batch now, just after the worker wrote a
    /// record of its own (a drop summary, say) into each: a batch waits up
    /// to [`OWN_RECORD_WAIT`] for room in a full queue (longer when it
    /// would anyway). Returns true when at least one sink took the record.
    pub(crate) fn send_own(&mut self, shared: &Shared) -> bool {
        let wait = Instant::now() + OWN_RECORD_WAIT;
        let mut taken = false;
        for i in 0..self.lanes.len() {
            if !self.lanes[i].batch.is_empty() {
                taken |= self.send_lane(i, Some(wait), shared);
            }
        }
        taken
    }

    /// Hands off the non-empty batches that are full or whose sinks are all
    /// idle.
    pub(crate) fn send_ready(&mut self, shared: &Shared) {
        self.send(false, shared);
    }

    /// As [`Outbox::send_ready`]; every non-empty batch when `force`.
    fn send(&mut self, force: bool, shared: &Shared) {
        for i in 0..self.lanes.len() {
            let lane = &self.lanes[i];
            if lane.batch.is_empty() {
                continue;
            }
            let ready = force
                || self.limits.reached_by(&lane.batch)
                || lane.sinks.iter().all(|&s| self.sinks[s].idle());
            if ready {
                self.send_lane(i, None, shared);
            }
        }
    }

    /// Sends lane `i`'s batch to each of its sinks (counting the records a
    /// full sink queue turned away) and starts a fresh one.
    ///
    /// Once shutting down, every batch waits for room until the shutdown
    /// deadline, lossless or not, and what still finds no room then is
    /// dropped and counted `Shutdown`: the caller of `shutdown()` stops
    /// waiting at that deadline, and the process may exit right after.
    /// Otherwise a batch that would be dropped at a full queue at once
    /// waits until `at_least` when given. Returns true when at least one
    /// sink took the batch.
    fn send_lane(&mut self, i: usize, at_least: Option<Instant>, shared: &Shared) -> bool {
        let lane = &mut self.lanes[i];
        let holds = |from: u8| lane.batch.iter().any(|(r, _)| r.level as u8 >= from);
        let lossless = match self.lossless_from {
            0 => true,
            NO_LEVEL.. => false,
            from => holds(from),
        };
        let (wait, reason) = match (lossless, self.closing) {
            (_, Some(deadline)) => (SendWait::Until(deadline), DropReason::Shutdown),
            (true, None) => (SendWait::Forever, DropReason::SinkFull),
            (false, None) => match self.protected_wait {
                // Protected records wait as they do for ring space.
                Some((from, wait)) if holds(from) => {
                    (SendWait::Until(Instant::now() + wait), DropReason::SinkFull)
                }
                _ => match at_least {
                    Some(deadline) => (SendWait::Until(deadline), DropReason::SinkFull),
                    None => (SendWait::No, DropReason::SinkFull),
                },
            },
        };
        let mut taken = false;
        for &s in &lane.sinks {
            let sink = &self.sinks[s];
            let (sent, reason) = match wait {
                SendWait::Forever => send_until_shutdown(sink, &lane.batch, shared),
                wait => (sink.send(&lane.batch, wait), reason),
            };
            taken |= sent;
            if !sent {
                for (r, _) in lane.batch.iter() {
                    shared.counters.drop_records(reason, r.level, 1);
                }
            }
        }
        let fresh = take_free(&mut self.pool, self.limits);
        let sent = std::mem::replace(&mut lane.batch, fresh);
        self.pool.push(sent);
        taken
    }

    /// From now on, waits for room in full sink queues until `deadline`, and
    /// no longer (see [`Outbox::send_lane`]).
    pub(crate) fn close_by(&mut self, deadline: Instant) {
        self.closing = Some(deadline);
    }

    /// Sends every batch, then a close to every sink, and waits for the
    /// answers until `deadline`; then the same for the fallback, so that
    /// what the sinks failed on the way reaches it first. Returns the sinks
    /// that did not answer in time, or not clean.
    pub(crate) fn close_sinks(&mut self, deadline: Instant, shared: &Shared) -> Answers {
        self.send(true, shared);
        // Waiting for a hung sink's queue may have used the time up: the
        // others still get a moment to answer the close they are sent now.
        let deadline = deadline.max(Instant::now() + ANSWER_GRACE);
        let requests = self.sinks.iter().map(|s| s.request(true)).collect();
        let mut answers = SinkHandle::await_all(&self.sinks, requests, deadline);
        if let Some(f) = &self.fallback {
            // Every sink that answered has queued its failed batches before
            // answering: the fallback's queue is in order, so they come
            // before this request.
            let request = vec![f.request(true)];
            answers.extend(SinkHandle::await_all(
                std::slice::from_ref(f),
                request,
                deadline,
            ));
        }
        answers
    }

    /// Sends every batch, then a flush to every sink, and returns without
    /// waiting: the worker goes on consuming while the sinks answer (a sink
    /// that takes long to flush must not hold up the rings or the other
    /// sinks), and checks the answers with [`Outbox::poll_flush`].
    pub(crate) fn start_flush(&mut self, deadline: Instant, shared: &Shared) -> PendingFlush {
        self.send(true, shared);
        let mut flush = PendingFlush {
            deadline,
            waiting: Vec::new(),
            answers: Answers::default(),
            fallback_asked: false,
        };
        for s in &self.sinks {
            match s.request(false) {
                Some(answer) => flush.waiting.push((s.name.clone(), answer)),
                None => flush.answers.late.push(s.name.clone()),
            }
        }
        flush
    }

    /// Collects the answers to a flush so far. Once every sink has answered
    /// (or its time is up), asks the fallback, as [`Outbox::close_sinks`]
    /// does; once that has answered too, returns the sinks that did not
    /// answer in time, or not clean.
    pub(crate) fn poll_flush(&self, flush: &mut PendingFlush) -> Option<Answers> {
        let now = Instant::now();
        let answers = &mut flush.answers;
        flush
            .waiting
            .retain(|(name, answer)| match answer.try_recv() {
                Ok(true) => false,
                Ok(false) => {
                    answers.failed.push(name.clone());
                    false
                }
                Err(TryRecvError::Empty) if now < flush.deadline => true,
                // Too late, or the sink's thread is gone.
                Err(_) => {
                    answers.late.push(name.clone());
                    false
                }
            });
        if !flush.waiting.is_empty() {
            return None;
        }
        if !flush.fallback_asked {
            flush.fallback_asked = true;
            if let Some(f) = &self.fallback {
                match f.request(false) {
                    Some(answer) => {
                        flush.waiting.push((f.name.clone(), answer));
                        return None;
                    }
                    None => flush.answers.late.push(f.name.clone()),
                }
            }
        }
        Some(std::mem::take(&mut flush.answers))
    }

    /// Joins the threads of the sinks (and the fallback) that answered
    /// their close.
    pub(crate) fn join_sinks_except(&mut self, late: &[String]) {
        let all = self.sinks.iter_mut().chain(self.fallback.as_mut());
        for s in all.filter(|s| !late.contains(&s.name)) {
            s.join();
        }
    }
}

/// Above every level: `lossless_from` for "no batch waits".
const NO_LEVEL: u8 = 8;

/// How long a batch holding a record of the worker's own (a drop summary)
/// waits for room in a full sink queue before it is dropped (and the
/// summary's count carried over to the next one).
const OWN_RECORD_WAIT: Duration = Duration::from_millis(10);

/// How long sinks asked to close after the shutdown deadline still have to
/// answer (well within the time `shutdown()` gives the worker to finish).
const ANSWER_GRACE: Duration = Duration::from_millis(100);

/// How long a lossless send waits between looks for a shutdown request.
const SHUTDOWN_CHECK: Duration = Duration::from_millis(10);

/// A lossless send: waits for room as long as it takes, but not past a
/// shutdown's deadline once shutdown is asked for (the worker, waiting
/// here, would otherwise never see the request, and a hung sink would keep
/// shutdown from counting what it gives up on). Returns whether the batch
/// was queued, and the reason to count it under if not.
fn send_until_shutdown(
    sink: &SinkHandle,
    batch: &Arc<Batch>,
    shared: &Shared,
) -> (bool, DropReason) {
    loop {
        if let Some(deadline) = shared.control.shutdown_deadline() {
            return (
                sink.send(batch, SendWait::Until(deadline)),
                DropReason::Shutdown,
            );
        }
        if sink.send(batch, SendWait::Until(Instant::now() + SHUTDOWN_CHECK)) {
            return (true, DropReason::SinkFull);
        }
    }
}

/// A flush the sinks are answering (see [`Outbox::start_flush`]).
pub(crate) struct PendingFlush {
    deadline: Instant,
    /// The sinks yet to answer, and where their answer comes.
    waiting: Vec<(String, Receiver<Clean>)>,
    /// Sinks that did not answer in time, or not clean.
    answers: Answers,
    /// Whether the fallback was asked (after every sink answered).
    fallback_asked: bool,
}

/// A batch no sink holds any more, emptied; a new one if none is free.
fn take_free(pool: &mut Vec<Arc<Batch>>, limits: Limits) -> Arc<Batch> {
    match pool.iter().position(|b| Arc::strong_count(b) == 1) {
        Some(i) => {
            let mut b = pool.swap_remove(i);
            Arc::get_mut(&mut b).expect("no other holder").clear();
            b
        }
        None => limits.new_batch(),
    }
}
