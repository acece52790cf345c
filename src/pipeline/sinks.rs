//! One thread per sink, fed through a bounded queue of shared batches.
//!
//! The worker serializes a record once per format; every sink of that format
//! receives the same `Arc<Batch>`. A sink's thread writes it, drops its
//! reference, and the worker reuses the batch once nobody else holds it, so
//! the steady state allocates nothing. A slow sink fills only its own queue:
//! with a dropping backpressure policy its batches are then dropped and
//! counted (`SinkFull`), except at shutdown, when the worker waits for room
//! until the flush timeout; in lossless mode the worker waits for it.
//!
//! Each handle counts the batches it has in flight, so the worker can keep
//! filling a batch while the sink is still busy with the previous one: under
//! load, batches grow instead of queueing, and only a few are ever in use.
//!
//! # Fallback
//!
//! A logger may have one fallback sink (`LoggerBuilder::fallback`), on a
//! thread of its own like any sink but in no lane: the worker never sends it
//! anything but flushes and closes. When a sink's `write_batch` fails
//! (returns an error or panics), its thread counts the failure and hands the
//! same `Arc<Batch>` (the lines as serialized for that sink) to the
//! fallback's queue without waiting ([`rescue`]). The fallback counts what it
//! writes in `fallback`, not `delivered`; what it cannot take (no fallback,
//! its queue full or closed) or fails to write is dropped and counted
//! `SinkError`, as without a fallback. A retry or circuit breaker would sit
//! in the sink's thread in front of `write_batch`, and send what it gives up
//! on through the same [`rescue`].
//!
//! # Failures
//!
//! Every failure of a sink's code (an error or a panic in `write_batch`,
//! `flush` or `close`) is counted and reported on stderr by the sink's own
//! thread, rate-limited ([`health`](super::health)). A sink answers each
//! flush or close request with whether it is *clean*: since its previous
//! answer no batch of its failed without reaching the fallback's queue, no
//! idle flush failed, and the flush (or close) it was asked for succeeded.
//! The fallback answers the same way for what it was sent, and is asked
//! after the sinks, so its answer covers the batches they gave it.
//! `fapilog::flush()` and `shutdown()` return false unless every sink
//! answered, in time, clean.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::health::{guarded, HealthCell, Reporter};
use crate::logger::{wake_async_waiters, Shared};
use crate::sink::{Batch, Format, Opened, Sink};
use crate::stats::DropReason;

/// How long a sink may hold unflushed output while idle.
const IDLE_FLUSH: Duration = Duration::from_millis(100);

/// While the worker waits for a sink, it still wakes async log calls this
/// often: they have no timer of their own, and one with the drop policy must
/// give up after its backpressure wait even when the worker is held up.
const WAKE_EVERY: Duration = Duration::from_millis(1);

/// Room kept in every sink's queue for flush and close requests beyond the
/// batches it may hold, so that asking a sink whose queue is full of batches
/// never blocks the worker (a hung sink would hold it for good). A sink that
/// has not taken this many requests is past answering; the next is not sent
/// and the sink is reported late at once.
const REQUEST_ROOM: usize = 4;

/// How long [`SinkHandle::send`] waits for room in a full queue.
#[derive(Clone, Copy, Debug)]
pub(crate) enum SendWait {
    /// Not at all (drop policy).
    No,
    /// As long as it takes (lossless policy).
    Forever,
    /// Until a deadline (drop policy at shutdown).
    Until(Instant),
}

/// A sink's answer to a flush or close: whether it is clean (see the
/// module's docs).
pub(crate) type Clean = bool;

pub(crate) enum SinkMsg {
    Batch(Arc<Batch>),
    Flush(SyncSender<Clean>),
    Close(SyncSender<Clean>),
}

/// What the sinks answered to a flush or a close.
#[derive(Clone, Debug, Default)]
pub(crate) struct Answers {
    /// Sinks that did not answer in time (or could not be asked).
    pub late: Vec<String>,
    /// Sinks that answered, but not clean: records were lost, or their
    /// flush or close failed.
    pub failed: Vec<String>,
}

impl Answers {
    /// Every sink answered in time, clean.
    pub(crate) fn all_clean(&self) -> bool {
        self.late.is_empty() && self.failed.is_empty()
    }

    pub(crate) fn extend(&mut self, other: Answers) {
        self.late.extend(other.late);
        self.failed.extend(other.failed);
    }
}

/// What a sink thread is for.
pub(crate) enum Role {
    /// A sink of the logger: fed by the worker; a batch it fails to write
    /// goes to the fallback, if any.
    Sink { fallback: Option<Feed> },
    /// The logger's fallback: fed by the other sinks' threads with the
    /// batches they failed to write.
    Fallback,
}

/// The sending end of a sink thread's queue, and its count of batches in
/// flight. The worker holds one per sink; every sink thread holds one for
/// the fallback.
#[derive(Clone)]
pub(crate) struct Feed {
    tx: SyncSender<SinkMsg>,
    /// Batches sent and not yet written (and released) by the sink.
    in_flight: Arc<AtomicUsize>,
    /// The most batches in flight: the queue's, and the one being written.
    limit: usize,
}

/// Every sink thread of a logger: its sinks, and its fallback if any.
pub(crate) struct SinkThreads {
    pub sinks: Vec<SinkHandle>,
    pub fallback: Option<SinkHandle>,
}

/// The worker's handle on one sink thread.
pub(crate) struct SinkHandle {
    pub name: String,
    pub format: Format,
    feed: Feed,
    thread: Option<JoinHandle<()>>,
}

impl SinkHandle {
    /// Starts the thread of an opened sink. If it cannot start, the sink is
    /// closed here.
    pub(crate) fn spawn(
        opened: Opened,
        role: Role,
        queue: usize,
        shared: Arc<Shared>,
    ) -> Result<SinkHandle, crate::Error> {
        let sink = opened.sink();
        let (name, thread_name) = match role {
            Role::Sink { .. } => (
                sink.name().to_string(),
                format!("fapilog-sink-{}", sink.name()),
            ),
            // Named so in reports of sinks that did not confirm a flush.
            Role::Fallback => (
                format!("{} (fallback)", sink.name()),
                format!("fapilog-fallback-{}", sink.name()),
            ),
        };
        let health = Arc::new(HealthCell::new(
            name.clone(),
            matches!(role, Role::Fallback),
        ));
        shared.add_sink_health(health.clone());
        let format = sink.format();
        let limit = queue + 1;
        let (tx, rx) = mpsc::sync_channel(limit + REQUEST_ROOM);
        let feed = Feed {
            tx,
            in_flight: Arc::new(AtomicUsize::new(0)),
            limit,
        };
        let in_flight_sink = feed.in_flight.clone();
        let thread = std::thread::Builder::new()
            .name(thread_name.clone())
            // Dropped unrun if the thread does not start: `Opened` then
            // closes the sink.
            .spawn(move || {
                let sink = opened.into_inner();
                run(sink, role, rx, &shared, &in_flight_sink, health)
            })
            .map_err(|source| crate::Error::Spawn {
                thread: thread_name,
                source,
            })?;
        Ok(SinkHandle {
            name,
            format,
            feed,
            thread: Some(thread),
        })
    }

    /// A sender into this sink's queue (the fallback's, for the sinks).
    pub(crate) fn feed(&self) -> Feed {
        self.feed.clone()
    }

    /// True when the sink has written every batch it was sent.
    pub(crate) fn idle(&self) -> bool {
        self.feed.in_flight.load(Ordering::Acquire) == 0
    }

    /// Hands a batch to the sink, waiting for room in its queue as `wait`
    /// says. Returns false if the batch was not queued (the caller counts
    /// the drop).
    pub(crate) fn send(&self, batch: &Arc<Batch>, wait: SendWait) -> bool {
        self.feed.send(batch, wait)
    }

    /// Asks the sink to flush (or close), without waiting; returns a
    /// receiver for its answer, or `None` if the request could not be sent
    /// (the sink left [`REQUEST_ROOM`] requests unanswered, or its thread is
    /// gone): the sink is late.
    pub(crate) fn request(&self, close: bool) -> Option<Receiver<Clean>> {
        let (ack_tx, ack_rx) = mpsc::sync_channel(1);
        let msg = if close {
            SinkMsg::Close(ack_tx)
        } else {
            SinkMsg::Flush(ack_tx)
        };
        self.feed.tx.try_send(msg).ok().map(|()| ack_rx)
    }

    /// Waits for the answers of `requests` until `deadline`; returns the
    /// names of the sinks that did not answer (or were not asked), and of
    /// those that answered not clean.
    pub(crate) fn await_all(
        handles: &[SinkHandle],
        requests: Vec<Option<Receiver<Clean>>>,
        deadline: Instant,
    ) -> Answers {
        let mut answers = Answers::default();
        for (h, rx) in handles.iter().zip(requests) {
            let Some(rx) = rx else {
                answers.late.push(h.name.clone());
                continue;
            };
            let answer = loop {
                let left = deadline.saturating_duration_since(Instant::now());
                match rx.recv_timeout(left.min(WAKE_EVERY)) {
                    Ok(clean) => break Some(clean),
                    Err(RecvTimeoutError::Timeout) if left > WAKE_EVERY => wake_async_waiters(),
                    Err(_) => break None,
                }
            };
            match answer {
                Some(true) => {}
                Some(false) => answers.failed.push(h.name.clone()),
                None => answers.late.push(h.name.clone()),
            }
        }
        answers
    }

    /// Joins the sink's thread (after a close was answered).
    pub(crate) fn join(&mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Feed {
    /// Queues a batch, waiting for room as `wait` says. False if it was not
    /// queued (full, or the sink's thread is gone); the caller counts that.
    pub(crate) fn send(&self, batch: &Arc<Batch>, wait: SendWait) -> bool {
        loop {
            if self.take_place() {
                match self.tx.try_send(SinkMsg::Batch(batch.clone())) {
                    Ok(()) => return true,
                    // Full only when requests have taken more than their
                    // room: as full as a queue of batches.
                    Err(e) => {
                        self.in_flight.fetch_sub(1, Ordering::AcqRel);
                        if let TrySendError::Disconnected(_) = e {
                            return false;
                        }
                    }
                }
            }
            match wait {
                SendWait::No => return false,
                SendWait::Until(deadline) if Instant::now() >= deadline => return false,
                // While the worker waits here it still wakes the async log
                // calls waiting for ring space (see `WAKE_EVERY`).
                SendWait::Forever | SendWait::Until(_) => {
                    wake_async_waiters();
                    std::thread::sleep(Duration::from_micros(200));
                }
            }
        }
    }

    /// Counts one more batch in flight if that stays within the limit (the
    /// fallback's feed is shared by every sink's thread).
    fn take_place(&self) -> bool {
        self.in_flight
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.limit).then_some(n + 1)
            })
            .is_ok()
    }
}

fn run(
    mut sink: Box<dyn Sink>,
    role: Role,
    rx: Receiver<SinkMsg>,
    shared: &Shared,
    in_flight: &AtomicUsize,
    health: Arc<HealthCell>,
) {
    crate::lifecycle::mark_internal_thread();
    let mut report = Reporter::new(health);
    // A sink's successful writes are deliveries; the fallback's are rescues.
    let written = match role {
        Role::Sink { .. } => &shared.counters.delivered,
        Role::Fallback => &shared.counters.fallback,
    };
    let mut dirty = false;
    // Nothing lost and no flush failed since the last answer to a flush.
    let mut clean = true;
    loop {
        let msg = if dirty {
            rx.recv_timeout(IDLE_FLUSH)
        } else {
            rx.recv().map_err(|_| RecvTimeoutError::Disconnected)
        };
        match msg {
            Ok(SinkMsg::Batch(batch)) => {
                match guarded(|| sink.write_batch(&batch)) {
                    Ok(()) => {
                        written.fetch_add(batch.len() as u64, Ordering::Relaxed);
                    }
                    Err(failure) => {
                        report.failed(&failure, shared);
                        let rescued = match &role {
                            Role::Sink { fallback } => rescue(&batch, fallback.as_ref(), shared),
                            // The fallback's own failure: nothing is left to
                            // try.
                            Role::Fallback => {
                                drop_batch(&batch, shared);
                                false
                            }
                        };
                        clean &= rescued;
                    }
                }
                // Release the batch before saying so: the worker reuses it.
                drop(batch);
                in_flight.fetch_sub(1, Ordering::AcqRel);
                dirty = true;
            }
            Ok(SinkMsg::Flush(ack)) => {
                let flushed = attempt(&mut report, shared, || sink.flush());
                dirty = false;
                let _ = ack.send(std::mem::replace(&mut clean, true) && flushed);
            }
            Ok(SinkMsg::Close(ack)) => {
                let closed = attempt(&mut report, shared, || sink.close());
                // Said before the answer: once shutdown() returns, stderr
                // has every report.
                report.finish();
                let _ = ack.send(clean && closed);
                return;
            }
            Err(RecvTimeoutError::Timeout) => {
                // Output a sink held back, and failed to push out now, is
                // lost: the next flush is told.
                clean &= attempt(&mut report, shared, || sink.flush());
                dirty = false;
            }
            Err(RecvTimeoutError::Disconnected) => {
                attempt(&mut report, shared, || sink.close());
                report.finish();
                return;
            }
        }
    }
}

/// Hands a batch a sink failed to write to the fallback, without waiting;
/// if there is none, or its queue is full or closed, the batch's records are
/// dropped and counted `SinkError`. (Once queued, the fallback counts them:
/// rescued in `fallback`, or dropped if it fails too.) Returns whether the
/// fallback took the batch.
fn rescue(batch: &Arc<Batch>, fallback: Option<&Feed>, shared: &Shared) -> bool {
    let queued = fallback.is_some_and(|f| f.send(batch, SendWait::No));
    if !queued {
        drop_batch(batch, shared);
    }
    queued
}

/// Counts every record of a batch no sink could write as dropped.
fn drop_batch(batch: &Batch, shared: &Shared) {
    for (r, _) in batch.iter() {
        shared
            .counters
            .drop_records(DropReason::SinkError, r.level, 1);
    }
}

/// Runs a sink's flush or close; reports its failure. True if it succeeded.
fn attempt(
    report: &mut Reporter,
    shared: &Shared,
    f: impl FnOnce() -> std::io::Result<()>,
) -> bool {
    match guarded(f) {
        Ok(()) => true,
        Err(failure) => {
            report.failed(&failure, shared);
            false
        }
    }
}
