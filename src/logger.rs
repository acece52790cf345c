//! The installed logger and the caller's side of a log call.
//!
//! Each thread that logs leases a ring from the installed logger on its first
//! call (the one call that allocates and locks) and keeps it in a
//! thread-local until it exits, when the ring returns to the logger's free
//! list for the next new thread. After that, a call is:
//!
//! 1. the level gate (in the macro: a constant and one relaxed load);
//! 2. a raw timestamp ([`crate::clock`]);
//! 3. the thread-local lease, checked against the logger's epoch (one
//!    relaxed load), so a lease from an earlier logger is never used;
//! 4. [`Ring::write`]: encode into the slots and publish with one release
//!    store.
//!
//! No allocation, lock or system call on that path, for every value type.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use crate::context::Scope;
use crate::fork::lock::{fork_mutex, ForkMutex};
use crate::pipeline::control::Control;
use crate::pipeline::health::{HealthCell, SinkHealth};
use crate::record::decode::Header;
use crate::record::{Callsite, Fields, Stamp, KIND_RECORD};
use crate::ring::{Exact, Ring, RingShape, WaitPolicy};
use crate::stats::{DropCounters, DropReason, Stats, WorkerCounters};
use crate::{clock, Level};

/// Epoch of the installed logger; 0 when none is. Changed only under
/// [`CURRENT`]'s lock.
static EPOCH: AtomicUsize = AtomicUsize::new(0);
/// The installed logger, or the last one (kept for `stats()` after shutdown).
/// A [`ForkMutex`]: a fork's child can always take it (see `fork/`).
static CURRENT: ForkMutex<Option<Arc<Shared>>> = fork_mutex(None);
/// The logger whose ring list the fork handlers hold (see [`hold_for_fork`]).
static HELD_FOR_FORK: AtomicPtr<Shared> = AtomicPtr::new(std::ptr::null_mut());

/// State shared by callers (through their leases), the worker and `stats()`.
pub(crate) struct Shared {
    pub epoch: usize,
    pub shape: RingShape,
    /// A [`ForkMutex`], held across a fork (see [`hold_for_fork`]): a fork's
    /// child reads the list in `stats()` and gives rings back to it.
    rings: ForkMutex<RingSet>,
    /// Bumped whenever a ring is added, so the worker refreshes its list.
    rings_version: AtomicUsize,
    pub counters: WorkerCounters,
    /// Drops counted against no ring (a thread without a lease): submitted
    /// and dropped at once, from any thread; rare, so shared atomics.
    unowned_drops: DropCounters,
    /// Records the consumer-side filters removed or changed.
    pub filter_counters: crate::pipeline::filter::FilterCounters,
    /// The redactor's counters, when redaction is on.
    pub redaction_counters: Option<Arc<crate::pipeline::redact::RedactionCounters>>,
    /// Flush and shutdown requests to the worker.
    pub control: Control,
    /// How long `flush()` and shutdown wait for the sinks.
    pub flush_timeout: Duration,
    /// Log panics and flush from the panic hook.
    pub flush_on_panic: bool,
    /// The worker thread, joined at shutdown.
    pub worker: Mutex<Option<std::thread::JoinHandle<()>>>,
    /// Each sink's failures (see `fapilog::sink_health`), added as the sink
    /// threads start.
    sink_health: Mutex<Vec<Arc<HealthCell>>>,
}

#[derive(Default)]
struct RingSet {
    all: Vec<Arc<Ring>>,
    free: Vec<Arc<Ring>>,
}

impl Shared {
    pub(crate) fn new(
        epoch: usize,
        shape: RingShape,
        preallocate: usize,
        flush_timeout: Duration,
        flush_on_panic: bool,
        redaction_counters: Option<Arc<crate::pipeline::redact::RedactionCounters>>,
    ) -> Shared {
        let rings: Vec<Arc<Ring>> = (0..preallocate)
            .map(|_| Arc::new(Ring::new(shape)))
            .collect();
        Shared {
            epoch,
            shape,
            rings: fork_mutex(RingSet {
                all: rings.clone(),
                free: rings,
            }),
            rings_version: AtomicUsize::new(1),
            counters: WorkerCounters::default(),
            filter_counters: Default::default(),
            unowned_drops: DropCounters::default(),
            redaction_counters,
            control: Control::default(),
            flush_timeout,
            flush_on_panic,
            worker: Mutex::new(None),
            sink_health: Mutex::new(Vec::new()),
        }
    }

    /// Keeps a sink's health cell for `fapilog::sink_health`.
    pub(crate) fn add_sink_health(&self, cell: Arc<HealthCell>) {
        self.sink_health.lock().push(cell);
    }

    /// Every sink's health, the fallback last.
    pub(crate) fn sink_health(&self) -> Vec<SinkHealth> {
        let cells = self.sink_health.lock();
        let sinks = cells.iter().filter(|c| !c.is_fallback());
        let fallback = cells.iter().filter(|c| c.is_fallback());
        sinks.chain(fallback).map(|c| c.snapshot()).collect()
    }

    fn lease(&self) -> Arc<Ring> {
        let mut set = self.rings.lock();
        if let Some(ring) = set.free.pop() {
            return ring;
        }
        let ring = Arc::new(Ring::new(self.shape));
        set.all.push(ring.clone());
        self.rings_version.fetch_add(1, Ordering::Release);
        ring
    }

    fn give_back(&self, ring: Arc<Ring>) {
        self.rings.lock().free.push(ring);
    }

    /// The current version of the ring list and, if it differs from `seen`,
    /// a copy of the list.
    pub(crate) fn rings_if_changed(&self, seen: usize) -> Option<(usize, Vec<Arc<Ring>>)> {
        let now = self.rings_version.load(Ordering::Acquire);
        (now != seen).then(|| (now, self.rings.lock().all.clone()))
    }

    /// Whether this logger was inherited at a fork (see `fork/`): its worker
    /// and sinks are in another process.
    pub(crate) fn inherited(&self) -> bool {
        crate::fork::inherited(self.epoch)
    }

    pub(crate) fn stats(&self) -> Stats {
        let mut s = Stats::default();
        // After shutdown, records still in a ring are lost: published after
        // the worker's last look (a call that was still writing when the
        // logger shut down, its `Display` slow), or left when shutdown gave
        // up. They count as dropped `shutdown`. In a fork's child, whatever
        // the inherited logger's rings hold never reaches a sink from this
        // process: dropped `forked` (those logged before the fork are the
        // parent's to write, and its worker writes its own copies).
        let lost = if self.inherited() {
            Some(DropReason::Forked)
        } else {
            self.control.is_finished().then_some(DropReason::Shutdown)
        };
        for ring in &self.rings.lock().all {
            s.add_producer(ring.counters());
            s.queue_depth += ring.depth() as u64;
            if let Some(reason) = lost {
                let mut count = |header: &Header| s.add_drops(reason, header_level(header), 1);
                // SAFETY: the rings' only consumer, the worker, has finished,
                // or (inherited at a fork) does not exist in this process.
                unsafe { ring.unconsumed(&mut count) };
            }
        }
        s.add_worker(&self.counters);
        s.add_unowned(&self.unowned_drops);
        s.add_filters(self.filter_counters.snapshot());
        s.redacted += self.redaction_counters.as_ref().map_or(0, |c| c.total());
        s.finish()
    }
}

/// The level of a published record; INFO for one that is not a record (as
/// for `DropReason::Corrupt`).
fn header_level(header: &Header) -> Level {
    if header.kind != KIND_RECORD || header.callsite.is_null() {
        return Level::Info;
    }
    // SAFETY: a published record's callsite points to the `static` its
    // macro created.
    unsafe { &*header.callsite }.level
}

/// Makes `shared` the installed logger. Fails if one is installed, unless
/// it is one this process inherited at a fork: that one is replaced (its
/// worker and sinks are in the parent, so there is nothing to stop or join
/// here), and what was logged to it in this process is reported on stderr.
pub(crate) fn publish(shared: Arc<Shared>) -> Result<(), crate::Error> {
    crate::fork::register_handlers();
    let replaced = {
        // A fork's child may take this lock: the fork handlers hold it
        // across every fork, so no thread of the parent held it then.
        let mut current = CURRENT.lock();
        let epoch = EPOCH.load(Ordering::Acquire);
        if epoch != 0 && !crate::fork::inherited(epoch) {
            return Err(crate::Error::AlreadyInstalled);
        }
        EPOCH.store(shared.epoch, Ordering::Release);
        current.replace(shared).filter(|old| old.epoch == epoch)
    };
    if let Some(old) = replaced {
        // Dropped outside the lock. Never freed in fact: the parent's
        // worker, gone from this process, still owns a count of it.
        crate::fork::say(&forked_line("install", &old));
    }
    Ok(())
}

/// The line a fork's child writes to stderr when it flushes, shuts down or
/// replaces the logger it inherited.
pub(crate) fn forked_line(what: &str, inherited: &Shared) -> String {
    format!(
        "fapilog: {what}: this process is a fork's child and its logger was installed in the \
         parent, whose worker and sinks are not here: {} record(s) reached no sink (counted \
         dropped, forked); install a logger in this process to log here\n",
        inherited.stats().dropped_for(DropReason::Forked)
    )
}

/// The installed logger's epoch (0 when none is), read without the lock.
#[inline]
pub(crate) fn installed_epoch() -> usize {
    EPOCH.load(Ordering::Relaxed)
}

/// The fork handlers' prepare step: takes [`CURRENT`] and the current
/// logger's ring list, waiting for any other thread holding them, so that
/// no thread the child lacks holds them at the fork; released by
/// [`release_after_fork`] in both processes. (Lock order as everywhere:
/// `CURRENT` before a ring list.)
#[cfg_attr(any(not(unix), miri), allow(dead_code))]
pub(crate) fn hold_for_fork() {
    let current = CURRENT.lock();
    if let Some(shared) = current.as_ref() {
        std::mem::forget(shared.rings.lock());
        HELD_FOR_FORK.store(Arc::as_ptr(shared).cast_mut(), Ordering::Relaxed);
    }
    std::mem::forget(current);
}

/// The fork handlers' parent and child step: lets go of what
/// [`hold_for_fork`] took. Atomic loads and stores only (async-signal-safe).
#[cfg_attr(any(not(unix), miri), allow(dead_code))]
pub(crate) fn release_after_fork() {
    let held = HELD_FOR_FORK.swap(std::ptr::null_mut(), Ordering::Relaxed);
    if !held.is_null() {
        // SAFETY: `held` is the logger in `CURRENT`, kept alive by it, and
        // `CURRENT` is still locked by `hold_for_fork` (released below), so
        // it cannot have changed. Its ring list's guard was forgotten there
        // by this same thread, and is never used.
        unsafe { (*held).rings.force_unlock() };
    }
    // SAFETY: as above: `hold_for_fork` forgot this guard.
    unsafe { CURRENT.force_unlock() };
}

/// The next epoch number (never 0).
pub(crate) fn next_epoch() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Stops new records from reaching the logger installed as `epoch` and
/// returns it; `None` (touching nothing) if that logger is not the
/// installed one. Checked under the lock, so a stale guard can never switch
/// off a logger installed after it.
pub(crate) fn unpublish(epoch: usize) -> Option<Arc<Shared>> {
    let shared = {
        let current = CURRENT.lock();
        let shared = current.as_ref().filter(|s| s.epoch == epoch)?.clone();
        if EPOCH.load(Ordering::Acquire) != epoch {
            return None;
        }
        crate::level::store_directives(&crate::level::Directives::new(None));
        EPOCH.store(0, Ordering::Release);
        shared
    };
    // Outside the lock: the `tracing` facade runs its subscribers' code
    // here, which may call back into fapilog (`stats()`, a panic hook).
    crate::integrations::level_changed();
    Some(shared)
}

/// The installed logger, if any.
pub(crate) fn installed() -> Option<Arc<Shared>> {
    let current = CURRENT.lock();
    let shared = current.as_ref()?;
    (EPOCH.load(Ordering::Acquire) == shared.epoch).then(|| shared.clone())
}

/// The installed logger, or the last one after shutdown.
pub(crate) fn last() -> Option<Arc<Shared>> {
    CURRENT.lock().clone()
}

/// Counters of the installed logger, or of the last one after shutdown.
pub fn stats() -> Stats {
    last().map(|s| s.stats()).unwrap_or_default()
}

/// Counts a drop against the installed logger when the calling thread has
/// no ring to count it against (a rare path: it takes a lock).
#[cold]
fn drop_unowned(reason: DropReason, level: Level) {
    if let Some(shared) = installed() {
        shared.unowned_drops.add(reason, level);
    }
}

/// A thread's lease on a ring, and its bound context: what every call
/// reads. It has no destructor, so reaching it is a plain thread-local
/// access with no "initialised yet?" check; [`LeaseOwner`] gives the ring
/// and the context back when the thread exits.
struct Lease {
    ring: Cell<*const Ring>,
    /// The epoch of the logger `ring` came from (0 when there is none).
    epoch: Cell<usize>,
    /// `epoch` while a ring is leased and no record is being written, else
    /// [`NOT_READY`], a value no logger's epoch takes: so one compare with
    /// the installed logger's epoch is the whole check of the fast path.
    /// With a ring leased, `NOT_READY` means a record is being written on
    /// this thread (the re-entrancy guard; see [`Lease::busy`]).
    key: Cell<usize>,
    /// The bound context (one owned strong count of an `Arc<Scope>`), or
    /// null. Kept here so a call reads it with the same thread-local access.
    scope: Cell<*const Scope>,
}

/// The key of a lease that may not take the fast path (`EPOCH` counts up
/// from 1, and is 0 when no logger is installed).
const NOT_READY: usize = usize::MAX;

/// The owning half of a thread's lease: the logger its ring came from. Its
/// destructor, run at thread exit, returns the ring to that logger and
/// releases the bound context. Registered by the thread's first lease or
/// binding.
struct LeaseOwner {
    shared: Cell<Option<Arc<Shared>>>,
}

impl Drop for LeaseOwner {
    fn drop(&mut self) {
        // `LEASE` has no destructor, so it is still there.
        LEASE.with(|lease| {
            lease.release(self.shared.take());
            let scope = lease.scope.replace(std::ptr::null());
            if !scope.is_null() {
                // SAFETY: the lease owned one strong count of its scope.
                drop(unsafe { Arc::from_raw(scope) });
            }
        });
    }
}

/// Whether a log call on this thread is writing its record (so its user
/// code is running): false when the thread has no lease.
pub(crate) fn writing_on_this_thread() -> bool {
    LEASE.try_with(Lease::busy).unwrap_or(false)
}

/// The thread's bound context (null when none): the lease keeps one strong
/// count of it.
pub(crate) fn current_scope() -> *const Scope {
    LEASE.with(|l| l.scope.get())
}

/// Makes `new` (one owned strong count, or null) the thread's bound context
/// and returns the previous one, whose count passes to the caller.
pub(crate) fn replace_scope(new: *const Scope) -> *const Scope {
    // The owner releases the context at thread exit, so it must exist.
    match LEASE_OWNER.try_with(|_| ()) {
        Ok(()) => LEASE.with(|l| l.scope.replace(new)),
        // The thread is exiting and its lease is gone: nothing is bound.
        Err(_) => new,
    }
}

impl Lease {
    const fn new() -> Lease {
        Lease {
            ring: Cell::new(std::ptr::null()),
            epoch: Cell::new(0),
            key: Cell::new(NOT_READY),
            scope: Cell::new(std::ptr::null()),
        }
    }

    /// Whether a call on this thread may take the fast path: a ring leased
    /// from the installed logger, and no record being written.
    #[inline(always)]
    fn ready(&self) -> bool {
        self.key.get() == EPOCH.load(Ordering::Relaxed)
    }

    /// A record is being written on this thread: a ring is leased, but the
    /// lease is not ready.
    #[inline(always)]
    fn busy(&self) -> bool {
        !self.ring.get().is_null() && self.key.get() == NOT_READY
    }

    /// Marks a record as being written (or done). Only with a ring leased.
    #[inline(always)]
    fn set_busy(&self, busy: bool) {
        debug_assert!(!self.ring.get().is_null());
        self.key
            .set(if busy { NOT_READY } else { self.epoch.get() });
    }

    /// Gives the leased ring, if any, back to `owner`, the logger it came
    /// from.
    fn release(&self, owner: Option<Arc<Shared>>) {
        let ring = self.ring.replace(std::ptr::null());
        self.epoch.set(0);
        self.key.set(NOT_READY);
        if ring.is_null() {
            return;
        }
        // SAFETY: `ring` came from `Arc::into_raw` in `renew` and this lease
        // holds that reference; it is cleared above so it is taken once.
        let ring = unsafe { Arc::from_raw(ring) };
        if let Some(owner) = owner {
            owner.give_back(ring);
        }
    }

    /// Leases a ring from the installed logger, if there is one and it was
    /// not inherited at a fork (one that was gets no new rings: nothing
    /// written to them could reach a sink).
    #[cold]
    fn renew(&self, owner: &LeaseOwner) -> Renewed {
        self.release(owner.shared.take());
        let Some(shared) = installed() else {
            return Renewed::NoLogger;
        };
        if shared.inherited() {
            return Renewed::Forked(shared);
        }
        let ring = shared.lease();
        self.ring.set(Arc::into_raw(ring));
        self.epoch.set(shared.epoch);
        // Not busy: a busy lease never gets here (`write_slow`).
        self.key.set(shared.epoch);
        owner.shared.set(Some(shared));
        Renewed::Leased
    }
}

/// What [`Lease::renew`] did.
enum Renewed {
    /// The lease holds a ring of the installed logger.
    Leased,
    /// No logger is installed.
    NoLogger,
    /// The installed logger was inherited at a fork: no ring leased.
    Forked(Arc<Shared>),
}

thread_local! {
    static LEASE: Lease = const { Lease::new() };
    static LEASE_OWNER: LeaseOwner = const { LeaseOwner { shared: Cell::new(None) } };
}

/// Resets the busy flag if user code panics mid-record, counts the loss and
/// gives back the record's count of its bound context.
struct BusyGuard<'a> {
    lease: &'a Lease,
    ring: &'a Ring,
    level: Level,
    context: *const Scope,
}

impl Drop for BusyGuard<'_> {
    fn drop(&mut self) {
        // Only reached by unwinding: the normal path forgets the guard.
        self.lease.set_busy(false);
        self.ring
            .counters()
            .drop_record(DropReason::Panicked, self.level);
        if !self.context.is_null() {
            // SAFETY: the count `write_leased` took for this record, which
            // was never published (the panic came before the commit).
            unsafe { Arc::decrement_strong_count(self.context) };
        }
        // The ring is free again: the panic hook's CRITICAL record for this
        // panic can be written now.
        crate::lifecycle::log_deferred_panic();
    }
}

/// Outcome of a non-blocking attempt.
#[doc(hidden)]
#[derive(Debug, PartialEq, Eq)]
pub enum TryLog {
    /// Written (or deliberately not: no logger, re-entrant call).
    Done,
    /// The ring is full; nothing was written or counted.
    Full,
}

/// Writes one record with `policy` (`None`: the ring's own). The shared body
/// of every log call.
///
/// `fields` travel by value down to the out-of-line slow paths, which get
/// their own copy: nothing takes the address of the call's tuple, so the
/// fast path keeps its values in registers (see `record::value`).
#[inline(always)]
fn write<F: Fields + Copy>(
    callsite: &'static Callsite,
    message: std::fmt::Arguments<'_>,
    fields: F,
    policy: Option<&WaitPolicy>,
) -> TryLog {
    let timestamp = clock::now_raw();
    // `try_with`, not `with`, which has a panic path and then is not inlined;
    // the lease has no destructor, so it is always there.
    LEASE
        .try_with(|lease| {
            if !lease.ready() {
                return write_slow(lease, callsite, message, fields, policy, timestamp);
            }
            // SAFETY: a ready lease holds a ring (`key` is `NOT_READY`
            // whenever `ring` is null), kept alive by the Arc count the
            // lease owns.
            let ring = unsafe { &*lease.ring.get() };
            write_leased(lease, ring, callsite, message, fields, policy, timestamp)
        })
        .unwrap_or(TryLog::Done)
}

#[inline(always)]
fn write_leased<F: Fields + Copy>(
    lease: &Lease,
    ring: &Ring,
    callsite: &'static Callsite,
    message: std::fmt::Arguments<'_>,
    fields: F,
    policy: Option<&WaitPolicy>,
    timestamp: u64,
) -> TryLog {
    let context = lease.scope.get();
    if !context.is_null() {
        // The record takes a count of its own, released by the worker (or
        // below, if the record is not written).
        // SAFETY: the lease holds a count, so the scope is alive.
        unsafe { Arc::increment_strong_count(context) };
    }
    let stamp = Stamp {
        callsite,
        timestamp,
        context,
    };
    let written = write_stamped(lease, ring, &stamp, message, fields, policy);
    if !written && !context.is_null() {
        // SAFETY: the count taken above, never published.
        unsafe { Arc::decrement_strong_count(context) };
    }
    match (written, policy.is_some()) {
        (true, _) => TryLog::Done,
        // An explicit policy is the async path's single attempt: a full ring
        // is reported to it, not counted. (Comparing the policy with
        // `NO_WAIT` instead would also match a ring configured with
        // `backpressure(0, true)`, whose drops would then go uncounted.)
        (false, true) => TryLog::Full,
        (false, false) => {
            drop_full(lease, ring, callsite.level);
            TryLog::Done
        }
    }
}

/// Counts a record the ring had no room for: `forked` when the ring's
/// logger was inherited at a fork (no worker will ever make room), else
/// `queue_full`.
#[cold]
#[inline(never)]
fn drop_full(lease: &Lease, ring: &Ring, level: Level) {
    let reason = if crate::fork::inherited(lease.epoch.get()) {
        DropReason::Forked
    } else {
        DropReason::QueueFull
    };
    ring.counters().drop_record(reason, level);
}

/// Writes one record to the leased ring; false if the policy gave up.
#[inline(always)]
fn write_stamped<F: Fields + Copy>(
    lease: &Lease,
    ring: &Ring,
    stamp: &Stamp,
    message: std::fmt::Arguments<'_>,
    fields: F,
    policy: Option<&WaitPolicy>,
) -> bool {
    let shape = ring.shape();
    let level = stamp.callsite.level;
    let protected = level as u8 >= shape.protected_from;
    // Fast path: a literal message and values of known size run no user
    // code while writing, so they need no re-entrancy guard.
    if let (Some(message), Some(fields_len)) = (message.as_str(), fields.encoded_len()) {
        // SAFETY: this thread holds the lease (the ring's only producer) and
        // is not inside another write (`busy` was checked by the caller);
        // `fields_len` is `fields.encoded_len()`.
        match unsafe { ring.write_exact(protected, stamp, message, &fields, fields_len) } {
            Exact::Written => return true,
            // No room, and a policy that would give up at once anyway: the
            // drop costs no more than the check (slow sinks in drop mode).
            Exact::Full if policy_for(shape, policy, protected).gives_up_at_once() => return false,
            Exact::Full | Exact::Declined => {}
        }
    }
    write_checked(lease, ring, stamp, message, fields, policy, protected)
}

/// The policy a call waits by: the one it brings (the async path's), else
/// its ring's for its protection class.
#[inline(always)]
fn policy_for<'a>(
    shape: &'a RingShape,
    policy: Option<&'a WaitPolicy>,
    protected: bool,
) -> &'a WaitPolicy {
    policy.unwrap_or(if protected {
        &shape.protected_policy
    } else {
        &shape.policy
    })
}

/// The general path: user code (`Display`, `Debug`, format arguments) may
/// run while the record is written, so the re-entrancy guard is set, and the
/// encoder checks every write. Out of line, so that a call site holds only
/// the fast path.
#[inline(never)]
fn write_checked<F: Fields + Copy>(
    lease: &Lease,
    ring: &Ring,
    stamp: &Stamp,
    message: std::fmt::Arguments<'_>,
    fields: F,
    policy: Option<&WaitPolicy>,
    protected: bool,
) -> bool {
    let shape = ring.shape();
    let level = stamp.callsite.level;
    lease.set_busy(true);
    let guard = BusyGuard {
        lease,
        ring,
        level,
        context: stamp.context,
    };
    let policy = policy_for(shape, policy, protected);
    // SAFETY: this thread holds the lease, so it is the ring's only producer,
    // and `busy` keeps a nested call on this thread from entering `write`.
    let written = unsafe { ring.write(policy, protected, stamp, message, &fields) };
    std::mem::forget(guard);
    lease.set_busy(false);
    written
}

#[cold]
#[inline(never)]
fn write_slow<F: Fields + Copy>(
    lease: &Lease,
    callsite: &'static Callsite,
    message: std::fmt::Arguments<'_>,
    fields: F,
    policy: Option<&WaitPolicy>,
    timestamp: u64,
) -> TryLog {
    if lease.busy() {
        // A `Display` impl (or a format argument) logged while its own record
        // was being written on this thread.
        // SAFETY: busy implies a live lease with a non-null ring.
        let ring = unsafe { &*lease.ring.get() };
        ring.counters()
            .drop_record(DropReason::Reentrant, callsite.level);
        return TryLog::Done;
    }
    if crate::lifecycle::on_internal_thread() {
        // A sink, enricher, filter or redactor that logs: its record would
        // come back to the sink that logged it, which would log again. Such
        // threads never lease a ring, so every call of theirs comes here.
        drop_unowned(DropReason::Reentrant, callsite.level);
        return TryLog::Done;
    }
    match LEASE_OWNER.try_with(|owner| lease.renew(owner)) {
        Ok(Renewed::Leased) => {}
        Ok(Renewed::NoLogger) => return TryLog::Done,
        // A thread of a fork's child (or one that had not logged before the
        // fork): its record could reach no sink.
        Ok(Renewed::Forked(shared)) => {
            shared.unowned_drops.add(DropReason::Forked, callsite.level);
            return TryLog::Done;
        }
        // This thread's lease is already torn down (a log call from another
        // thread-local's destructor at thread exit).
        Err(_) => {
            drop_unowned(DropReason::ThreadExit, callsite.level);
            return TryLog::Done;
        }
    }
    // SAFETY: `renew` succeeded, so the lease holds a live ring.
    let ring = unsafe { &*lease.ring.get() };
    write_leased(lease, ring, callsite, message, fields, policy, timestamp)
}

/// The body of every synchronous log macro.
#[doc(hidden)]
#[inline(always)]
pub fn log<F: Fields + Copy>(
    callsite: &'static Callsite,
    message: std::fmt::Arguments<'_>,
    fields: F,
) {
    write(callsite, message, fields, None);
}

/// One non-blocking attempt, for the async macros.
#[doc(hidden)]
#[inline(always)]
pub fn try_log<F: Fields + Copy>(
    callsite: &'static Callsite,
    message: std::fmt::Arguments<'_>,
    fields: F,
) -> TryLog {
    write(callsite, message, fields, Some(&WaitPolicy::NO_WAIT))
}

/// Wakers of async log calls waiting for space.
static ASYNC_WAITERS: Mutex<Vec<Waker>> = parking_lot::const_mutex(Vec::new());
static ASYNC_WAITING: AtomicBool = AtomicBool::new(false);

/// Wakes async log calls waiting for space (called by the worker).
pub(crate) fn wake_async_waiters() {
    if ASYNC_WAITING.swap(false, Ordering::AcqRel) {
        wake_all_async_waiters();
    }
}

/// Wakes every registered async log call, whatever the flag says (called by
/// the worker at shutdown, after the logger was unpublished).
pub(crate) fn wake_all_async_waiters() {
    let wakers = std::mem::take(&mut *ASYNC_WAITERS.lock());
    for waker in wakers {
        waker.wake();
    }
}

/// How often the async timer wakes waiting async log calls.
const ASYNC_TICK: Duration = Duration::from_millis(1);

/// True while the async timer is not ticking: not started yet, or parked
/// with no call waiting (set under the waiters' lock). The next call to
/// register starts or wakes it.
static ASYNC_TIMER_IDLE: AtomicBool = AtomicBool::new(true);

/// The async timer: a thread of fapilog's own, started by the first async
/// log call that has to wait, that wakes waiting calls every
/// [`ASYNC_TICK`] and parks while none waits. The worker wakes them too
/// whenever it frees space, but a worker held up in user code (a slow
/// enricher, a sink's full queue) frees none: the timer is what bounds an
/// async call's wait by its backpressure wait. `None` if the thread could
/// not be started (the worker's wake-ups are then all there is).
fn async_timer() -> Option<&'static std::thread::Thread> {
    static TIMER: std::sync::OnceLock<Option<std::thread::Thread>> = std::sync::OnceLock::new();
    TIMER
        .get_or_init(|| {
            std::thread::Builder::new()
                .name("fapilog-async-timer".into())
                .spawn(run_async_timer)
                .ok()
                .map(|t| t.thread().clone())
        })
        .as_ref()
}

fn run_async_timer() {
    crate::lifecycle::mark_internal_thread();
    loop {
        {
            let waiters = ASYNC_WAITERS.lock();
            if waiters.is_empty() {
                ASYNC_TIMER_IDLE.store(true, Ordering::Release);
                drop(waiters);
                std::thread::park();
                continue;
            }
        }
        // A sleep, not a timed park: a call registering again right after
        // being woken does not shorten the tick.
        std::thread::sleep(ASYNC_TICK);
        wake_all_async_waiters();
    }
}

/// The waiting half of an async log call: yields to the executor until the
/// worker has freed space, for at most the backpressure wait.
///
/// A call whose future is dropped while it waits (cancelled by a `select!`,
/// a timeout or an aborted task) is counted as dropped, `cancelled`.
#[doc(hidden)]
pub struct AsyncWait {
    callsite: &'static Callsite,
    /// Set by the first wait, cleared when the record ends (written or
    /// given up): a future dropped while it is set loses its record.
    deadline: Option<Instant>,
}

impl AsyncWait {
    #[doc(hidden)]
    pub fn new(callsite: &'static Callsite) -> AsyncWait {
        AsyncWait {
            callsite,
            deadline: None,
        }
    }

    /// Waits for space. Returns false (after counting the drop) when the
    /// policy gives up: the ring's policy for the call's protection class,
    /// as for a synchronous call.
    #[doc(hidden)]
    pub async fn space(&mut self) -> bool {
        let level = self.callsite.level;
        let shared = installed();
        if shared.as_ref().is_some_and(|s| s.inherited()) {
            // A fork's child: no worker will make room.
            self.deadline = None;
            drop_async(DropReason::Forked, level);
            return false;
        }
        let policy = shared
            .map(|s| *policy_for(&s.shape, None, level as u8 >= s.shape.protected_from))
            .unwrap_or(WaitPolicy::NO_WAIT);
        let deadline = *self
            .deadline
            .get_or_insert_with(|| Instant::now() + policy.wait);
        if policy.drop_on_full && Instant::now() >= deadline {
            self.deadline = None;
            drop_async(DropReason::QueueFull, self.callsite.level);
            return false;
        }
        YieldOnce(false).await;
        true
    }

    /// The record was written (or the attempt ended without a loss to
    /// count): dropping the wait counts nothing.
    #[doc(hidden)]
    pub fn done(&mut self) {
        self.deadline = None;
    }
}

impl Drop for AsyncWait {
    fn drop(&mut self) {
        if self.deadline.is_some() {
            drop_async(DropReason::Cancelled, self.callsite.level);
        }
    }
}

#[cold]
fn drop_async(reason: DropReason, level: Level) {
    // A cancelled call may be dropped during this thread's teardown.
    let counted = LEASE.try_with(|lease| {
        let ring = lease.ring.get();
        if ring.is_null() {
            drop_unowned(reason, level);
        } else {
            // SAFETY: a non-null ring is kept alive by the lease; the counters
            // are written by the thread holding the lease, which we are.
            unsafe { &*ring }.counters().drop_record(reason, level);
        }
    });
    if counted.is_err() {
        drop_unowned(reason, level);
    }
}

/// Pending once, with the waker registered for the worker's next pass.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        let mut waiters = ASYNC_WAITERS.lock();
        // No logger (any more): no worker will wake us, and the retry returns
        // at once. Checked under the lock, which the worker's last wake-up at
        // shutdown takes after the logger was unpublished: either that
        // wake-up sees our waker or we see the logger gone.
        if EPOCH.load(Ordering::Acquire) == 0 {
            return Poll::Ready(());
        }
        waiters.push(cx.waker().clone());
        let timer_idle = ASYNC_TIMER_IDLE.swap(false, Ordering::AcqRel);
        drop(waiters);
        ASYNC_WAITING.store(true, Ordering::Release);
        if timer_idle {
            if let Some(timer) = async_timer() {
                timer.unpark();
            }
        }
        Poll::Pending
    }
}
