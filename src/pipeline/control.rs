//! Requests from callers to the worker: flush and shutdown.

use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::Thread;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use super::sinks::Answers;

#[derive(Default)]
struct State {
    flush_requested: u64,
    flush_done: u64,
    /// Deadline of the flush in progress (for sink acknowledgements).
    flush_deadline: Option<Instant>,
    shutdown_deadline: Option<Instant>,
    finished: bool,
    /// What the sinks answered at the last flush or shutdown.
    answers: Answers,
}

/// How long after the shutdown deadline a caller still waits for the worker
/// to finish counting what it gave up on.
const FINISH_GRACE: Duration = Duration::from_millis(250);

/// What the worker should do next.
pub(crate) enum Request {
    Flush { upto: u64, deadline: Instant },
    Shutdown { deadline: Instant },
}

/// The mailbox between callers and the worker.
#[derive(Default)]
pub(crate) struct Control {
    state: Mutex<State>,
    changed: Condvar,
    pending: AtomicBool,
    worker: Mutex<Option<Thread>>,
}

impl Control {
    pub(crate) fn set_worker(&self, thread: Thread) {
        *self.worker.lock() = Some(thread);
    }

    fn poke(&self) {
        self.pending.store(true, Ordering::Release);
        if let Some(t) = self.worker.lock().as_ref() {
            t.unpark();
        }
    }

    /// Asks the worker to drain and flush; waits up to `timeout`. Returns
    /// what the sinks answered, or `Err(())` if the worker did not answer.
    pub(crate) fn flush(&self, timeout: Duration) -> Result<Answers, ()> {
        let deadline = Instant::now() + timeout;
        let mut s = self.state.lock();
        if s.finished {
            return Ok(Answers::default());
        }
        s.flush_requested += 1;
        let ticket = s.flush_requested;
        s.flush_deadline = Some(deadline);
        drop(s);
        self.poke();
        let mut s = self.state.lock();
        while s.flush_done < ticket && !s.finished {
            if self.changed.wait_until(&mut s, deadline).timed_out() {
                return Err(());
            }
        }
        Ok(s.answers.clone())
    }

    /// Asks the worker to drain, flush, close the sinks and stop; waits up
    /// to `timeout`. The worker gives up on the sinks at that deadline and
    /// counts what it could not hand them; this waits a little longer
    /// ([`FINISH_GRACE`]) for it to finish that, so that the stats are final
    /// when it returns.
    pub(crate) fn shutdown(&self, timeout: Duration) -> Result<Answers, ()> {
        let deadline = Instant::now() + timeout;
        self.state.lock().shutdown_deadline = Some(deadline);
        self.poke();
        let mut s = self.state.lock();
        while !s.finished {
            if self
                .changed
                .wait_until(&mut s, deadline + FINISH_GRACE)
                .timed_out()
            {
                return Err(());
            }
        }
        Ok(s.answers.clone())
    }

    /// The shutdown's deadline, once shutdown was asked for.
    pub(crate) fn shutdown_deadline(&self) -> Option<Instant> {
        if !self.pending.load(Ordering::Acquire) {
            return None;
        }
        self.state.lock().shutdown_deadline
    }

    /// Whether the worker has finished (after shutdown).
    pub(crate) fn is_finished(&self) -> bool {
        self.state.lock().finished
    }

    /// The worker's check, cheap when nothing is pending.
    pub(crate) fn take_request(&self) -> Option<Request> {
        if !self.pending.load(Ordering::Acquire) {
            return None;
        }
        let s = self.state.lock();
        if let Some(deadline) = s.shutdown_deadline {
            return Some(Request::Shutdown { deadline });
        }
        if s.flush_done < s.flush_requested {
            return Some(Request::Flush {
                upto: s.flush_requested,
                deadline: s.flush_deadline.unwrap_or_else(Instant::now),
            });
        }
        self.pending.store(false, Ordering::Release);
        None
    }

    pub(crate) fn flush_done(&self, upto: u64, answers: Answers) {
        let mut s = self.state.lock();
        s.flush_done = s.flush_done.max(upto);
        s.answers = answers;
        self.changed.notify_all();
    }

    pub(crate) fn finished(&self, answers: Answers) {
        let mut s = self.state.lock();
        s.finished = true;
        s.answers = answers;
        self.changed.notify_all();
    }
}
