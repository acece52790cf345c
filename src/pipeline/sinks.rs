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

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::logger::{wake_async_waiters, Shared};
use crate::sink::{Batch, Format, Sink};
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

pub(crate) enum SinkMsg {
    Batch(Arc<Batch>),
    Flush(SyncSender<()>),
    Close(SyncSender<()>),
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
    pub(crate) fn spawn(
        sink: Box<dyn Sink>,
        role: Role,
        queue: usize,
        shared: Arc<Shared>,
    ) -> Result<SinkHandle, crate::Error> {
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
            .spawn(move || run(sink, role, rx, &shared, &in_flight_sink))
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
    pub(crate) fn request(&self, close: bool) -> Option<Receiver<()>> {
        let (ack_tx, ack_rx) = mpsc::sync_channel(1);
        let msg = if close {
            SinkMsg::Close(ack_tx)
        } else {
            SinkMsg::Flush(ack_tx)
        };
        self.feed.tx.try_send(msg).ok().map(|()| ack_rx)
    }

    /// Waits for the answers of `requests` until `deadline`; returns the
    /// names of the sinks that did not answer (or were not asked).
    pub(crate) fn await_all(
        handles: &[SinkHandle],
        requests: Vec<Option<Receiver<()>>>,
        deadline: Instant,
    ) -> Vec<String> {
        let mut late = Vec::new();
        for (h, rx) in handles.iter().zip(requests) {
            let Some(rx) = rx else {
                late.push(h.name.clone());
                continue;
            };
            let answered = loop {
                let left = deadline.saturating_duration_since(Instant::now());
                match rx.recv_timeout(left.min(WAKE_EVERY)) {
                    Ok(()) => break true,
                    Err(RecvTimeoutError::Timeout) if left > WAKE_EVERY => wake_async_waiters(),
                    Err(_) => break false,
                }
            };
            if !answered {
                late.push(h.name.clone());
            }
        }
        late
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
) {
    crate::lifecycle::mark_internal_thread();
    let counters = &shared.counters;
    // A sink's successful writes are deliveries; the fallback's are rescues.
    let written = match role {
        Role::Sink { .. } => &counters.delivered,
        Role::Fallback => &counters.fallback,
    };
    let mut dirty = false;
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
                        failure.count(shared);
                        match &role {
                            Role::Sink { fallback } => rescue(&batch, fallback.as_ref(), shared),
                            // The fallback's own failure: nothing is left to
                            // try.
                            Role::Fallback => drop_batch(&batch, shared),
                        }
                    }
                }
                // Release the batch before saying so: the worker reuses it.
                drop(batch);
                in_flight.fetch_sub(1, Ordering::AcqRel);
                dirty = true;
            }
            Ok(SinkMsg::Flush(ack)) => {
                if let Err(f) = guarded(|| sink.flush()) {
                    f.count(shared);
                }
                dirty = false;
                let _ = ack.send(());
            }
            Ok(SinkMsg::Close(ack)) => {
                if let Err(f) = guarded(|| sink.close()) {
                    f.count(shared);
                }
                let _ = ack.send(());
                return;
            }
            Err(RecvTimeoutError::Timeout) => {
                if let Err(f) = guarded(|| sink.flush()) {
                    f.count(shared);
                }
                dirty = false;
            }
            Err(RecvTimeoutError::Disconnected) => {
                let _ = guarded(|| sink.close());
                return;
            }
        }
    }
}

/// Hands a batch a sink failed to write to the fallback, without waiting;
/// if there is none, or its queue is full or closed, the batch's records are
/// dropped and counted `SinkError`. (Once queued, the fallback counts them:
/// rescued in `fallback`, or dropped if it fails too.)
fn rescue(batch: &Arc<Batch>, fallback: Option<&Feed>, shared: &Shared) {
    let queued = fallback.is_some_and(|f| f.send(batch, SendWait::No));
    if !queued {
        drop_batch(batch, shared);
    }
}

/// Counts every record of a batch no sink could write as dropped.
fn drop_batch(batch: &Batch, shared: &Shared) {
    for (r, _) in batch.iter() {
        shared
            .counters
            .drop_records(DropReason::SinkError, r.level, 1);
    }
}

enum Failure {
    Error,
    Panic,
}

impl Failure {
    fn count(&self, shared: &Shared) {
        let c = match self {
            Failure::Error => &shared.counters.sink_errors,
            Failure::Panic => &shared.counters.sink_panics,
        };
        c.fetch_add(1, Ordering::Relaxed);
    }
}

/// Runs sink code, turning an error or a panic into a counted failure.
fn guarded(f: impl FnOnce() -> std::io::Result<()>) -> Result<(), Failure> {
    match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(Failure::Error),
        Err(_) => Err(Failure::Panic),
    }
}
