//! A process forked after fapilog was installed.
//!
//! `fork()` copies the calling thread alone: in the child the installed
//! logger's worker and sink threads are gone, but its state (rings,
//! counters, locks) is copied as it was. A log call there must never wait
//! for a worker that does not exist, `flush()` and `shutdown()` must not
//! wait for it either, and `install()` must be able to replace the logger.
//!
//! Detection costs the log call nothing: a `pthread_atfork` child handler,
//! registered at the first install, notes the epoch of the logger installed
//! at the fork ([`inherited`]). Only paths that are slow already look at it
//! (a full ring, a thread's first call, flush, shutdown, install, `stats()`).
//!
//! The handlers also keep fapilog's own process-wide locks consistent across
//! the fork: the prepare handler takes the installed logger's lock and its
//! ring list's lock ([`lock`]) before the fork, and the parent and child
//! handlers release them after it, so that no thread the child lacks can
//! hold one of them there. The child handler only stores to atomics, which
//! is async-signal-safe.

pub(crate) mod lock;

use std::sync::atomic::{AtomicUsize, Ordering};

/// The epoch of the logger that was installed when this process was forked
/// from its parent; 0 when none was (or this process is not a fork's
/// child). Epochs are never reused within a process tree's line of descent
/// (the counter is copied at the fork and counts on), so no logger this
/// process installs can take it.
static INHERITED: AtomicUsize = AtomicUsize::new(0);

/// Whether the logger with `epoch` was inherited at a fork: its worker and
/// sinks live in another process, and nothing logged to it here reaches a
/// sink.
#[inline]
pub(crate) fn inherited(epoch: usize) -> bool {
    epoch != 0 && INHERITED.load(Ordering::Relaxed) == epoch
}

/// Whether a log call must not wait for ring space: the installed logger
/// was inherited at a fork, and no worker will ever free its rings. (A call
/// that began writing to the inherited logger's ring while this process
/// installed a logger of its own waits by its policy: a rare race, left
/// alone.)
#[inline]
pub(crate) fn must_not_wait() -> bool {
    inherited(crate::logger::installed_epoch())
}

/// Registers the fork handlers, once per process (the child inherits them).
pub(crate) fn register_handlers() {
    // Not under miri, which has no `pthread_atfork` (and no `fork`).
    #[cfg(all(unix, not(miri)))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            // SAFETY: the three handlers are `extern "C"` functions with the
            // signature `pthread_atfork` expects, and live for the whole
            // program. A failure (ENOMEM) leaves a fork's child with the
            // behaviour of a fapilog without this module.
            unsafe { libc::pthread_atfork(Some(prepare), Some(parent), Some(child)) };
        });
    }
}

/// Before the fork, in the forking thread: takes fapilog's process-wide
/// locks, waiting for any other thread that holds one to let go.
#[cfg(all(unix, not(miri)))]
extern "C" fn prepare() {
    crate::logger::hold_for_fork();
}

/// After the fork, in the parent: lets the locks go again.
#[cfg(all(unix, not(miri)))]
extern "C" fn parent() {
    crate::logger::release_after_fork();
}

/// After the fork, in the child (its only thread): notes the logger it
/// inherited and lets the locks go. Atomic loads and stores only, which are
/// async-signal-safe.
#[cfg(all(unix, not(miri)))]
extern "C" fn child() {
    INHERITED.store(crate::logger::installed_epoch(), Ordering::Relaxed);
    crate::logger::release_after_fork();
}

/// Writes `line` to stderr with one `write(2)` call per piece: no lock (the
/// standard library's stderr lock may have been held, at the fork, by a
/// thread the child lacks).
pub(crate) fn say(line: &str) {
    #[cfg(unix)]
    {
        let mut bytes = line.as_bytes();
        while !bytes.is_empty() {
            // SAFETY: `bytes` is a valid, initialised buffer of that length.
            let n = unsafe { libc::write(2, bytes.as_ptr().cast(), bytes.len()) };
            if n <= 0 {
                return;
            }
            bytes = &bytes[n as usize..];
        }
    }
    #[cfg(not(unix))]
    crate::pipeline::health::say(line);
}
