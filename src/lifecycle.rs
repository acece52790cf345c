//! Install guard, `flush()`, `shutdown()` and the panic hook.
//!
//! Nothing is lost at the end of a program that shuts fapilog down: dropping
//! the [`Guard`] (or calling [`shutdown`]) stops new records, drains every
//! ring, hands the rest to the sinks, flushes and closes them, and waits for
//! that up to the flush timeout (5 s by default). Call [`shutdown`] before
//! `std::process::exit`, which skips destructors.
//!
//! What [`flush`] and [`shutdown`] return is told on [`flush`].

use std::cell::{Cell, RefCell};
use std::sync::Once;

use crate::logger::{self, Shared};
use crate::pipeline::health::say;
use crate::pipeline::sinks::Answers;

/// Keeps the logger installed; dropping it shuts the logger down, draining
/// and flushing every record logged before.
///
/// Bind it to a named variable for the life of `main`: `let _guard = …`.
/// Binding it to `_` drops it at once, which shuts logging down immediately.
#[must_use = "dropping the guard shuts the logger down at once: bind it with `let _guard = ...`"]
#[derive(Debug)]
pub struct Guard {
    pub(crate) epoch: usize,
}

impl Guard {
    /// Shuts the logger down now (as dropping the guard does). Returns true
    /// when every record logged before reached its sinks without error:
    /// see [`shutdown()`](crate::shutdown).
    pub fn shutdown(self) -> bool {
        let done = shutdown_epoch(self.epoch);
        std::mem::forget(self);
        done
    }
}

/// Dropping the guard shuts the logger down as [`Guard::shutdown`] does; what
/// went wrong is on stderr (sinks that failed, or did not confirm in time).
impl Drop for Guard {
    fn drop(&mut self) {
        shutdown_epoch(self.epoch);
    }
}

/// Drains the rings and flushes every sink; waits up to the flush timeout.
///
/// # What it returns (and [`shutdown`] too)
///
/// True when every record submitted before the call reached its sinks
/// without error, that is when every sink (and the fallback) answered
/// within the flush timeout, and each answered *clean*: since its previous
/// answer to a flush (or since install),
///
/// * no batch it failed to write (an error or a panic in `write_batch`) was
///   lost: one the fallback wrote in its place was not, so a failing sink
///   with a working fallback still answers clean;
/// * no flush of it failed (nor its close, at shutdown): output a sink held
///   back may be lost, or, for the `File` sink, a rotation, compression or
///   retention step failed.
///
/// A failure is thus told to the one flush (or shutdown) that follows it.
/// Every failure, whatever the answer, is also counted (`Stats::sink_errors`,
/// `Stats::sink_panics`, [`sink_health`](crate::sink_health)) and reported on
/// stderr by the sink's thread, naming the sink: the first at once, then at
/// most one line per sink every 10 s (saying how many went unreported), and
/// at close the rest.
///
/// Records fapilog drops by policy before they reach a sink (a full ring or
/// sink queue under a dropping backpressure policy, sampling, rate limits,
/// the size guard) do not make the answer false: they are counted in
/// [`stats`](crate::stats).
///
/// Also true when no logger is installed.
///
/// Records logged by this thread before the call are all included; records
/// other threads log meanwhile may be.
///
/// On fapilog's own threads (from a sink, an enricher, a filter or a
/// redactor) it returns false at once: the flush would wait for that very
/// thread, holding the pipeline up until the flush timeout.
///
/// In a fork's child whose logger was inherited from the parent (`fork()`
/// after `install()`), it returns false at once, with a line on stderr: the
/// worker and the sinks stayed in the parent, so nothing logged in the
/// child reaches a sink (see [`DropReason::Forked`](crate::DropReason::Forked)).
pub fn flush() -> bool {
    let Some(shared) = logger::installed() else {
        return true;
    };
    if on_internal_thread() {
        return false;
    }
    if shared.inherited() {
        crate::fork::say(&logger::forked_line("flush", &shared));
        return false;
    }
    report(&shared, "flush", shared.control.flush(shared.flush_timeout))
}

/// Shuts the installed logger down: stops new records, drains, flushes and
/// closes every sink, waiting up to the flush timeout. Later log calls are
/// ignored until a new logger is installed.
///
/// Returns true when every record submitted before the call reached its
/// sinks without error, as [`flush`] does: every sink (and the fallback)
/// closed in time, and none failed a write whose records the fallback did
/// not take, a flush, or its close, since the previous flush. So a logger
/// whose only sink failed every write returns false, even though that sink
/// answered at once. Also true when no logger is installed.
///
/// In a fork's child whose logger was inherited from the parent, it
/// unpublishes that logger and returns false at once, with a line on stderr
/// (nothing logged in the child reached a sink; no thread of the parent is
/// signalled or joined); so does dropping the inherited [`Guard`].
pub fn shutdown() -> bool {
    match logger::installed() {
        Some(shared) => shutdown_epoch(shared.epoch),
        None => true,
    }
}

fn shutdown_epoch(epoch: usize) -> bool {
    let Some(shared) = logger::unpublish(epoch) else {
        return true;
    };
    if shared.inherited() {
        // A fork's child: the worker and the sinks are in the parent. Not
        // signalled, not joined: their threads do not exist here.
        crate::fork::say(&logger::forked_line("shutdown", &shared));
        return false;
    }
    let result = shared.control.shutdown(shared.flush_timeout);
    let ok = report(&shared, "shutdown", result.clone());
    if result.is_ok() {
        if let Some(worker) = shared.worker.lock().take() {
            let _ = worker.join();
        }
    }
    ok
}

/// Tells stderr what a flush or shutdown could not finish: the only place
/// left to say it. (The sinks' threads have reported their failures
/// already.) Says whether everything was written without error.
fn report(shared: &Shared, what: &str, result: Result<Answers, ()>) -> bool {
    match result {
        Ok(answers) => {
            if !answers.late.is_empty() {
                say(&format!(
                    "fapilog: {what}: sink(s) {} did not confirm within {:?}; their last records may be lost\n",
                    answers.late.join(", "),
                    shared.flush_timeout
                ));
            }
            answers.all_clean()
        }
        Err(()) => {
            let s = shared.stats();
            say(&format!(
                "fapilog: {what}: the worker did not finish within {:?}; {} slot(s) were still queued\n",
                shared.flush_timeout, s.queue_depth
            ));
            false
        }
    }
}

thread_local! {
    static INTERNAL: Cell<bool> = const { Cell::new(false) };
    /// A panic raised by user code inside a log call on this thread (a
    /// `Display` impl, say), waiting to be logged once the call gives its
    /// record up (see [`log_deferred_panic`]).
    static DEFERRED_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Marks the calling thread as one of fapilog's own (the worker, a sink's
/// thread). fapilog catches and counts the panics of the user code these
/// threads run (enrichers, redactors, sinks); the panic hook leaves them
/// alone, since flushing from the worker or a sink's thread would wait for
/// that very thread until the flush timeout.
pub(crate) fn mark_internal_thread() {
    INTERNAL.with(|internal| internal.set(true));
}

pub(crate) fn on_internal_thread() -> bool {
    INTERNAL.try_with(Cell::get).unwrap_or(false)
}

/// Installs (once per process) a panic hook that runs the previous hook,
/// then logs the panic as a CRITICAL record and flushes, when the installed
/// logger asked for it (`LoggerBuilder::flush_on_panic`). Panics on
/// fapilog's own threads are not the application's: the hook only runs the
/// previous hook for them.
///
/// A panic from user code inside a log call (a `Display` impl, a format
/// argument) comes while this thread's ring holds the call's half-written
/// record, so no other record can be written there yet. Under
/// `panic = "unwind"` the hook keeps the panic's text instead, and the call,
/// once unwinding has given its record up, logs it and flushes
/// ([`log_deferred_panic`]). Under `panic = "abort"` there is no unwinding:
/// the hook flushes what was logged before, and the CRITICAL record is
/// counted as dropped (`reentrant`).
pub(crate) fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            previous(info);
            if on_internal_thread() || !logger::installed().is_some_and(|s| s.flush_on_panic) {
                return;
            }
            if cfg!(panic = "unwind") && logger::writing_on_this_thread() {
                let text = info.to_string();
                let _ = DEFERRED_PANIC.try_with(|pending| *pending.borrow_mut() = Some(text));
                return;
            }
            log_panic(info);
        }));
    });
}

/// Logs and flushes the panic the hook kept for this thread, if any: called
/// by a log call whose user code panicked, once its record is given up.
pub(crate) fn log_deferred_panic() {
    let Some(text) = DEFERRED_PANIC
        .try_with(|pending| pending.borrow_mut().take())
        .ok()
        .flatten()
    else {
        return;
    };
    log_panic(text);
}

/// The panic as a CRITICAL record (target `panic`), then a flush.
fn log_panic(panic: impl std::fmt::Display) {
    crate::critical!(target: "panic", %panic, "thread panicked");
    flush();
}
