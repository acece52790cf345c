//! The ring: preallocated, lock-free, fixed-size slots.
//!
//! Each producing thread leases its **own** single-producer ring from the
//! logger (see `logger.rs`), so the multi-producer system never has two
//! threads fight over one cache line: a claim is a load of the thread's own
//! tail and a compare with a cached copy of the consumer's head. Measured on
//! the project's 2-core VMs, a shared-counter claim costs ~80 ns under
//! contention against ~18 ns uncontended; per-thread rings keep every call on
//! the uncontended path, and records from one thread trivially stay in order.
//!
//! A record occupies one or more contiguous slots: a 24-byte header, then its
//! values (see [`crate::record`]). A record that would straddle the physical
//! end of the buffer is moved to its start, and the slots it skipped are
//! published as padding. Records are never cut silently: the largest record
//! is half the ring, and longer values are truncated *and flagged* by the
//! encoder.
//!
//! ```text
//!            head (consumer)             tail (producer)
//!              v                           v
//!  [ pad | rec1 rec1 | rec2 | rec3 rec3 rec3 |  free  ...  ]
//! ```
//!
//! Synchronisation: the producer writes slot bytes, then stores `tail` with
//! `Release`; the consumer loads `tail` with `Acquire`, reads, then stores
//! `head` (`SeqCst`, see waiting) so the producer may reuse the slots. This is
//! the one place for most of the crate's `unsafe`; it is model-checked with
//! loom (`loom_tests.rs`) and runs under miri.

#[cfg(all(test, fapilog_loom))]
mod loom_tests;
mod sync;
#[cfg(test)]
mod tests;

use std::alloc::{self, Layout};
use std::ptr::NonNull;

use crossbeam_utils::CachePadded;

use crate::record::decode::{read_header, write_header, Header};
use crate::record::encode::{raw_static, Grow, STATIC_STR_LEN};
use crate::record::{Encoder, Fields, Stamp, HEADER_LEN, KIND_PAD, KIND_RECORD};
use crate::stats::ProducerCounters;
use sync::{AtomicBool, AtomicUsize, Ordering};

pub(crate) use wait::{wake_waiting_producers, WaitPolicy, WaitStart};

mod wait;

/// Shape of a ring; validated by the builder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RingShape {
    /// Number of slots (a power of two, at least 4).
    pub slots: usize,
    /// Bytes per slot (a power of two, at least [`HEADER_LEN`] rounded up).
    pub slot_size: usize,
    /// Slots that only protected levels may fill.
    pub protected_reserve: usize,
    /// What a producer does when the ring is full.
    pub policy: WaitPolicy,
    /// The same for protected levels (lossless when the builder says so).
    pub protected_policy: WaitPolicy,
    /// Levels at or above this (as `u8`; 8 = none) are protected: they may
    /// use the reserve, so lower levels are dropped first.
    pub protected_from: u8,
}

impl RingShape {
    /// The largest record, in bytes: half the ring (which guarantees that a
    /// record moved to the buffer's start never overlaps its old place).
    pub fn max_record(&self) -> usize {
        (self.slots / 2) * self.slot_size
    }
}

/// A single-producer, single-consumer ring of fixed-size slots.
pub(crate) struct Ring {
    buf: NonNull<u8>,
    layout: Layout,
    shape: RingShape,
    slot_shift: u32,
    mask: usize,
    /// `shape.max_record()`, kept so the fast path does not multiply.
    max_record: usize,
    /// Slots consumed (monotonic). Written by the consumer.
    head: CachePadded<AtomicUsize>,
    /// Slots published (monotonic). Written by the producer.
    tail: CachePadded<AtomicUsize>,
    /// The producer's own state and counters.
    producer: CachePadded<ProducerSide>,
    /// A producer is parked waiting for space in this ring.
    waiting: AtomicBool,
    /// Per-slot access markers that let loom check the data races the
    /// atomics are meant to prevent.
    #[cfg(fapilog_loom)]
    cells: Box<[loom::cell::UnsafeCell<()>]>,
}

/// Fields only the owning producer writes.
pub(crate) struct ProducerSide {
    /// Last value of `head` the producer saw.
    cached_head: AtomicUsize,
    /// Counters of this producer (read by `stats()`).
    pub counters: ProducerCounters,
}

// SAFETY: the buffer is only accessed through the SPSC protocol described in
// the module docs: the producer (one thread at a time, enforced by the lease
// in `logger.rs`) writes unpublished slots, the consumer (one worker) reads
// published ones; all other fields are atomics.
unsafe impl Send for Ring {}
// SAFETY: as above.
unsafe impl Sync for Ring {}

impl Ring {
    /// Allocates a ring and touches every page, so the first records do not
    /// pay for page faults on the caller's thread.
    pub(crate) fn new(shape: RingShape) -> Ring {
        assert!(shape.slots.is_power_of_two() && shape.slots >= 4);
        assert!(shape.slot_size.is_power_of_two() && shape.slot_size >= HEADER_LEN);
        assert!(shape.protected_reserve < shape.slots / 2);
        let size = shape.slots * shape.slot_size;
        // The builder allows at most 4 GiB, so a record (at most half the
        // ring) and each of its lengths fit in the `u32`s that store them.
        assert!(size <= 1 << 32, "a ring holds at most 4 GiB");
        let layout =
            Layout::from_size_align(size, 64.max(shape.slot_size.min(4096))).expect("ring layout");
        // SAFETY: `layout` has a non-zero size (slots >= 4, slot_size >= 24).
        let ptr = unsafe { alloc::alloc(layout) };
        let buf = NonNull::new(ptr).unwrap_or_else(|| alloc::handle_alloc_error(layout));
        // SAFETY: `buf` points to `size` freshly allocated bytes.
        unsafe { std::ptr::write_bytes(buf.as_ptr(), 0, size) };
        Ring {
            buf,
            layout,
            shape,
            slot_shift: shape.slot_size.trailing_zeros(),
            mask: shape.slots - 1,
            max_record: shape.max_record(),
            head: CachePadded::new(AtomicUsize::new(0)),
            tail: CachePadded::new(AtomicUsize::new(0)),
            producer: CachePadded::new(ProducerSide {
                cached_head: AtomicUsize::new(0),
                counters: ProducerCounters::default(),
            }),
            waiting: AtomicBool::new(false),
            #[cfg(fapilog_loom)]
            cells: (0..shape.slots)
                .map(|_| loom::cell::UnsafeCell::new(()))
                .collect(),
        }
    }

    pub(crate) fn shape(&self) -> &RingShape {
        &self.shape
    }

    pub(crate) fn counters(&self) -> &ProducerCounters {
        &self.producer.counters
    }

    /// Slots published and not yet consumed.
    pub(crate) fn depth(&self) -> usize {
        let tail = self.tail.load(Ordering::Acquire);
        let head = self.head.load(Ordering::Acquire);
        tail.wrapping_sub(head)
    }

    #[inline(always)]
    fn slot_ptr(&self, logical: usize) -> *mut u8 {
        // SAFETY: `logical & mask` < slots, so the offset is inside the
        // allocation of `slots << slot_shift` bytes.
        unsafe {
            self.buf
                .as_ptr()
                .add((logical & self.mask) << self.slot_shift)
        }
    }

    #[inline(always)]
    fn slots_for(&self, bytes: usize) -> usize {
        (bytes + self.shape.slot_size - 1) >> self.slot_shift
    }

    /// Slots a record of this protection class may fill.
    #[inline(always)]
    fn usable(&self, protected: bool) -> usize {
        if protected {
            self.shape.slots
        } else {
            self.shape.slots - self.shape.protected_reserve
        }
    }

    /// Starts a record: the claim and the contiguous region writable now
    /// (possibly empty, in which case the encoder's first write takes the
    /// slow path).
    ///
    /// # Safety
    /// Only the ring's current owner thread may call this, and it must
    /// finish the claim (commit or drop it) before starting another.
    #[inline(always)]
    pub(crate) unsafe fn begin<'r>(&'r self, protected: bool, policy: &'r WaitPolicy) -> Claim<'r> {
        let start = self.tail.load(Ordering::Relaxed);
        let head = self.producer.cached_head.load(Ordering::Relaxed);
        let free = self
            .usable(protected)
            .saturating_sub(start.wrapping_sub(head));
        let contiguous = self.shape.slots - (start & self.mask);
        Claim {
            ring: self,
            start,
            pad: 0,
            protected,
            policy,
            waiting_since: WaitStart::default(),
            base: self.slot_ptr(start),
            limit: free.min(contiguous) << self.slot_shift,
        }
    }

    /// Publishes the record of `claim`, `len` bytes long.
    ///
    /// # Safety
    /// `claim` came from `begin` on this ring by the owner thread, its
    /// region holds `len >= HEADER_LEN` encoded bytes at `base`, and `len`
    /// fits in the region the claim granted.
    #[inline(always)]
    pub(crate) unsafe fn commit(
        &self,
        claim: Claim<'_>,
        base: *mut u8,
        len: usize,
        truncated: bool,
        stamp: &Stamp,
    ) {
        // SAFETY: the caller guarantees `base..base + len` is the claimed,
        // unpublished region (and `len >= HEADER_LEN`).
        unsafe { write_header(base, len, KIND_RECORD, truncated, Some(stamp)) };
        let end = claim.start + claim.pad + self.slots_for(len);
        #[cfg(fapilog_loom)]
        for s in claim.start..end {
            self.cells[s & self.mask].with_mut(|_| ());
        }
        self.tail.store(end, Ordering::Release);
        let c = &self.producer.counters;
        c.bump_submitted();
        if truncated {
            c.bump_truncated();
        }
    }

    /// Writes and publishes one record: the whole producer side of a log
    /// call. Returns false when the policy gave up waiting for space (the
    /// caller counts the drop).
    ///
    /// # Safety
    /// Only the ring's current owner thread may call this, and not while
    /// another `write` on this ring is in progress (re-entrancy is the
    /// caller's to prevent).
    #[inline(always)]
    pub(crate) unsafe fn write<F: Fields + ?Sized>(
        &self,
        policy: &WaitPolicy,
        protected: bool,
        stamp: &Stamp,
        message: std::fmt::Arguments<'_>,
        fields: &F,
    ) -> bool {
        // SAFETY: forwarded from this function's contract.
        let mut claim = unsafe { self.begin(protected, policy) };
        let (base, limit) = (claim.base, claim.limit);
        // SAFETY: `begin` granted `base..base + limit`, unpublished slots only
        // this producer writes; `claim` grows the region under the same rule.
        let mut enc = unsafe { Encoder::new(base, limit, self.max_record, &mut claim) };
        enc.expect_values(fields.count() + 1);
        enc.message(message);
        fields.encode_all(&mut enc);
        if enc.failed() {
            return false;
        }
        let (base, len, truncated) = (enc.base(), enc.len(), enc.truncated());
        // SAFETY: the encoder wrote `len` bytes (header space included) into
        // the claimed region starting at `base`.
        unsafe { self.commit(claim, base, len, truncated, stamp) };
        true
    }

    /// The fast path of a log call whose message is a literal and whose
    /// values all know their encoded size (`fields_len`): one reservation,
    /// then writes with no per-value checks. Writes nothing and returns
    /// [`Exact::Full`] when there is no room for the record now, or
    /// [`Exact::Declined`] when it would wrap around the buffer's end or be
    /// cut; the caller then takes [`Ring::write`] (or, for `Full` under a
    /// policy that never waits, counts the drop at once).
    ///
    /// # Safety
    /// As [`Ring::write`], and `fields.encoded_len() == Some(fields_len)`.
    #[inline(always)]
    pub(crate) unsafe fn write_exact<F: Fields + ?Sized>(
        &self,
        protected: bool,
        stamp: &Stamp,
        message: &'static str,
        fields: &F,
        fields_len: usize,
    ) -> Exact {
        let len = HEADER_LEN + STATIC_STR_LEN + fields_len;
        let start = self.tail.load(Ordering::Relaxed);
        let slots = self.slots_for(len);
        if len > self.max_record || (start & self.mask) + slots > self.shape.slots {
            return Exact::Declined;
        }
        let usable = self.usable(protected);
        let mut head = self.producer.cached_head.load(Ordering::Relaxed);
        if start.wrapping_sub(head) + slots > usable {
            // The cached head is stale or the ring is full: look again once.
            head = self.head.load(Ordering::Acquire);
            self.producer.cached_head.store(head, Ordering::Relaxed);
            if start.wrapping_sub(head) + slots > usable {
                return Exact::Full;
            }
        }
        let base = self.slot_ptr(start);
        // SAFETY: the `slots` slots from `start` are free (checked against
        // the consumer's head above), contiguous (no wrap) and unpublished,
        // so only this producer touches them; they hold `len` bytes, exactly
        // what the header, the message and `fields.encode_raw` write.
        unsafe {
            let values = raw_static(base.add(HEADER_LEN), message);
            let end = fields.encode_raw(values);
            debug_assert_eq!(end as usize - base as usize, len);
            write_header(base, len, KIND_RECORD, false, Some(stamp));
        }
        #[cfg(fapilog_loom)]
        for s in start..start + slots {
            self.cells[s & self.mask].with_mut(|_| ());
        }
        self.tail.store(start + slots, Ordering::Release);
        self.producer.counters.bump_submitted();
        Exact::Written
    }

    /// Consumes up to `max_records` published records, handing each one's
    /// bytes to `each`, then frees their slots. Returns how many it handed.
    ///
    /// # Safety
    /// Only one thread at a time may consume from a ring (the worker).
    pub(crate) unsafe fn consume(&self, max_records: usize, mut each: impl FnMut(&[u8])) -> usize {
        let tail = self.tail.load(Ordering::Acquire);
        let mut head = self.head.load(Ordering::Relaxed);
        let mut handed = 0;
        while head != tail && handed < max_records {
            let p = self.slot_ptr(head);
            // SAFETY: `head` < `tail`, so the slot was published (Acquire on
            // `tail` above) and the producer will not touch it until we move
            // `head` past it; a slot holds at least a header.
            let header = read_header(unsafe { std::slice::from_raw_parts(p, HEADER_LEN) });
            let slots = self.slots_for(header.len.max(HEADER_LEN));
            debug_assert!(head + slots <= tail, "record runs past the tail");
            #[cfg(fapilog_loom)]
            for s in head..head + slots {
                self.cells[s & self.mask].with(|_| ());
            }
            if header.kind != KIND_PAD {
                // SAFETY: as above for every slot of the record, which the
                // producer laid out contiguously from `p`.
                each(unsafe { std::slice::from_raw_parts(p, header.len) });
                handed += 1;
            }
            head += slots;
        }
        // SeqCst pairs with the producer's store of `waiting` (see `wait`).
        self.head.store(head, Ordering::SeqCst);
        if self.waiting.load(Ordering::SeqCst) && self.worth_waking(tail.wrapping_sub(head)) {
            self.waiting.store(false, Ordering::Relaxed);
            wake_waiting_producers();
        }
        handed
    }

    /// Calls `each` with the header of every record published and not
    /// consumed, without consuming it (to count what a finished worker left).
    ///
    /// # Safety
    /// No consumer may run on this ring any more (its worker has finished):
    /// the slots between `head` and `tail` then stay as published.
    pub(crate) unsafe fn unconsumed(&self, mut each: impl FnMut(&Header)) {
        let tail = self.tail.load(Ordering::Acquire);
        let mut head = self.head.load(Ordering::Acquire);
        while head != tail {
            // SAFETY: as in `consume`: `head` < `tail`, published (Acquire on
            // `tail`), and no producer reuses the slot while `head` stays.
            let header =
                read_header(unsafe { std::slice::from_raw_parts(self.slot_ptr(head), HEADER_LEN) });
            if header.kind != KIND_PAD {
                each(&header);
            }
            head += self.slots_for(header.len.max(HEADER_LEN));
        }
    }

    /// Whether a parked producer should be woken now that `depth` slots are
    /// still in use. Not until half the ring is free (or it is empty): a
    /// producer that outruns the worker then resumes once per half ring,
    /// not once per consumed batch, which saves a pair of futex calls and a
    /// context switch per batch. Nobody waits for ever: the worker consumes
    /// (and so checks again) on every pass, a producer whose record still
    /// does not fit parks again, and every park ends after a short slice
    /// (`wait.rs`), when the producer looks for space by itself.
    #[inline]
    fn worth_waking(&self, depth: usize) -> bool {
        depth <= self.shape.slots / 2
    }
}

impl Drop for Ring {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with this layout; no claim can outlive
        // the ring (claims borrow it).
        unsafe { alloc::dealloc(self.buf.as_ptr(), self.layout) };
    }
}

/// What [`Ring::write_exact`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Exact {
    /// The record is written and published.
    Written,
    /// Nothing written: the ring has no room for the record now.
    Full,
    /// Nothing written: the record would wrap or be cut.
    Declined,
}

/// A record being written: the encoder's [`Grow`] for one ring.
pub(crate) struct Claim<'r> {
    ring: &'r Ring,
    /// First slot of the claim (where padding, if any, starts).
    start: usize,
    /// Slots skipped at the buffer's end before the record.
    pad: usize,
    protected: bool,
    policy: &'r WaitPolicy,
    /// When the claim first had to wait: a record written in several pieces
    /// may wait several times, all within one backpressure wait.
    waiting_since: WaitStart,
    /// Where the record starts and how many bytes are writable there.
    pub base: *mut u8,
    pub limit: usize,
}

impl Claim<'_> {
    /// Slots the claim may have in use, counted from the consumer's head:
    /// what its protection class may fill, plus the padding it skipped. The
    /// padding is not a record (the consumer skips it at once), so it does
    /// not count against the slots reserved for protected levels: a record
    /// of half the ring plus its padding can exceed what an unprotected
    /// record may fill even in an empty ring, and would wait (or be dropped)
    /// for ever. Padding and record must still fit the whole ring.
    fn room(&self) -> usize {
        let ring = self.ring;
        (ring.usable(self.protected) + self.pad).min(ring.shape.slots)
    }

    /// Waits, by the claim's policy, until slots up to `end` (logical,
    /// exclusive) are free and within the claim's [`Claim::room`]. Returns
    /// false if the policy gives up.
    fn wait_until_free(&mut self, end: usize) -> bool {
        let ring = self.ring;
        let room = self.room();
        let free_now = |ring: &Ring| {
            let head = ring.head.load(Ordering::SeqCst);
            ring.producer.cached_head.store(head, Ordering::Relaxed);
            end.wrapping_sub(head) <= room
        };
        let roomy = || ring.worth_waking(self.start.wrapping_sub(ring.head.load(Ordering::SeqCst)));
        free_now(ring)
            || self.policy.wait(
                &mut self.waiting_since,
                &ring.waiting,
                || free_now(ring),
                roomy,
            )
    }

    /// Contiguous bytes writable from the record's start `from` (logical).
    fn writable_from(&self, from: usize) -> usize {
        let ring = self.ring;
        let head = ring.producer.cached_head.load(Ordering::Relaxed);
        let free = self.room().saturating_sub(from.wrapping_sub(head));
        let contiguous = ring.shape.slots - (from & ring.mask);
        free.min(contiguous) << ring.slot_shift
    }
}

impl Grow for Claim<'_> {
    fn grow(&mut self, base: *mut u8, pos: usize, needed: usize) -> Option<(*mut u8, usize)> {
        let ring = self.ring;
        if needed > ring.max_record {
            return None;
        }
        let needed_slots = ring.slots_for(needed);
        let from = self.start + self.pad;
        if (from & ring.mask) + needed_slots <= ring.shape.slots {
            if !self.wait_until_free(from + needed_slots) {
                return None;
            }
            self.limit = self.writable_from(from);
            return Some((base, self.limit));
        }
        // The record would straddle the buffer's end: move it to the start,
        // behind padding (which widens the claim's room, see `room`).
        debug_assert_eq!(self.pad, 0, "a record wraps at most once");
        let pad = ring.shape.slots - (from & ring.mask);
        self.pad = pad;
        if !self.wait_until_free(from + pad + needed_slots) {
            return None;
        }
        let new_base = ring.slot_ptr(0);
        // SAFETY: the destination `0..needed_slots` slots are free (waited for
        // above) and, because a record is at most half the ring, disjoint
        // from the `pos` bytes at `base` (which lie in the padded tail slots).
        unsafe { std::ptr::copy_nonoverlapping(base, new_base, pos) };
        // SAFETY: `base` starts the `pad` slots we own; they become padding.
        unsafe { write_header(base, pad << ring.slot_shift, KIND_PAD, false, None) };
        self.base = new_base;
        self.limit = self.writable_from(from + pad);
        Some((new_base, self.limit))
    }
}
