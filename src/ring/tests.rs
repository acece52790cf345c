//! Single- and two-thread tests of the ring; they also run under miri
//! (`cargo +nightly miri test --lib ring::tests`).

use super::*;
use crate::record::Callsite;
use crate::record::RecordView;
use crate::Level;
use std::sync::Arc;
use std::time::Duration;

static CS: Callsite = Callsite::new(Level::Info, "ring", "tests.rs", 1, &["n", "s"]);
static CS_ERR: Callsite = Callsite::new(Level::Error, "ring", "tests.rs", 2, &["n", "s"]);

const BLOCK: WaitPolicy = WaitPolicy {
    wait: Duration::ZERO,
    drop_on_full: false,
};

fn shape(slots: usize, slot_size: usize, reserve: usize) -> RingShape {
    RingShape {
        slots,
        slot_size,
        protected_reserve: reserve,
        policy: BLOCK,
        protected_from: Level::Error as u8,
        protected_policy: BLOCK,
    }
}

fn read_all(ring: &Ring) -> Vec<(u64, String)> {
    let mut out = Vec::new();
    // SAFETY: this test thread is the only consumer.
    unsafe {
        ring.consume(usize::MAX, |bytes| {
            // SAFETY: the bytes were written by the encoder in this process.
            let r = RecordView::decode(bytes).unwrap();
            let mut f = r.fields();
            let n = match f.next().unwrap().unwrap().1 {
                crate::record::Value::U64(n) => n,
                v => panic!("{v:?}"),
            };
            let s = match f.next().unwrap().unwrap().1 {
                crate::record::Value::Str { text, .. } => text.to_string(),
                v => panic!("{v:?}"),
            };
            out.push((n, s));
        })
    };
    out
}

fn stamp(callsite: &'static Callsite, timestamp: u64) -> Stamp {
    Stamp {
        callsite,
        timestamp,
        context: std::ptr::null(),
    }
}

fn write(ring: &Ring, policy: &WaitPolicy, cs: &'static Callsite, n: u64, s: &str) -> bool {
    // SAFETY: each test has one producer thread per ring.
    unsafe {
        ring.write(
            policy,
            cs.level >= Level::Error,
            &stamp(cs, n),
            format_args!("m"),
            &(n, s),
        )
    }
}

#[test]
fn records_come_out_in_order_and_whole() {
    let ring = Ring::new(shape(16, 64, 0));
    for i in 0..5 {
        assert!(write(&ring, &BLOCK, &CS, i, &"x".repeat(i as usize * 30)));
    }
    let got = read_all(&ring);
    assert_eq!(got.len(), 5);
    for (i, (n, s)) in got.into_iter().enumerate() {
        assert_eq!(n, i as u64);
        assert_eq!(s.len(), i * 30);
    }
    assert_eq!(ring.depth(), 0);
}

#[test]
fn a_record_reaching_the_end_moves_to_the_start_behind_padding() {
    let ring = Ring::new(shape(8, 64, 0));
    for round in 0..20u64 {
        // 1 to 3 slots each, so records keep landing across the buffer's end.
        let s = "y".repeat((round as usize * 37) % 130);
        assert!(write(&ring, &WaitPolicy::NO_WAIT, &CS, round, &s));
        let got = read_all(&ring);
        assert_eq!(got, vec![(round, s)]);
    }
}

#[test]
fn a_full_ring_refuses_without_waiting_under_no_wait() {
    let ring = Ring::new(shape(4, 64, 0));
    let mut written = 0;
    while write(&ring, &WaitPolicy::NO_WAIT, &CS, written, "") {
        written += 1;
    }
    assert_eq!(written, 4, "one slot per record, four slots");
    assert_eq!(read_all(&ring).len(), 4);
    assert!(write(&ring, &WaitPolicy::NO_WAIT, &CS, 9, ""));
}

#[test]
fn protected_levels_may_use_the_reserve_others_may_not() {
    let ring = Ring::new(shape(8, 64, 2));
    let mut info = 0;
    while write(&ring, &WaitPolicy::NO_WAIT, &CS, info, "") {
        info += 1;
    }
    assert_eq!(info, 6);
    assert!(write(&ring, &WaitPolicy::NO_WAIT, &CS_ERR, 100, ""));
    assert!(write(&ring, &WaitPolicy::NO_WAIT, &CS_ERR, 101, ""));
    assert!(!write(&ring, &WaitPolicy::NO_WAIT, &CS_ERR, 102, ""));
}

#[test]
fn waiting_with_drop_gives_up_after_the_wait() {
    let ring = Ring::new(shape(4, 64, 0));
    let policy = WaitPolicy {
        wait: Duration::from_millis(20),
        drop_on_full: true,
    };
    while write(&ring, &WaitPolicy::NO_WAIT, &CS, 0, "") {}
    let t = std::time::Instant::now();
    assert!(!write(&ring, &policy, &CS, 1, ""));
    assert!(t.elapsed() >= Duration::from_millis(20));
}

/// Fills `ring` with one-slot records, then starts a producer whose next
/// record waits for space under `policy`; returns it and a flag it sets once
/// that record is written.
fn blocked_producer(
    ring: &Arc<Ring>,
    policy: WaitPolicy,
) -> (std::thread::JoinHandle<()>, Arc<AtomicBool>) {
    while write(ring, &WaitPolicy::NO_WAIT, &CS, 0, "") {}
    let done = Arc::new(AtomicBool::new(false));
    let handle = {
        let (ring, done) = (ring.clone(), done.clone());
        std::thread::spawn(move || {
            assert!(write(&ring, &policy, &CS, 1, ""));
            done.store(true, Ordering::SeqCst);
        })
    };
    (handle, done)
}

/// Takes up to `n` records off the ring.
fn consume(ring: &Ring, n: usize) -> usize {
    // SAFETY: the test thread is the ring's only consumer.
    unsafe { ring.consume(n, |_| {}) }
}

/// True once `done` is set, waiting at most `limit`.
fn becomes_true(done: &AtomicBool, limit: Duration) -> bool {
    let t = std::time::Instant::now();
    while !done.load(Ordering::SeqCst) {
        if t.elapsed() > limit {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    true
}

#[test]
#[cfg_attr(miri, ignore = "waits tens of milliseconds of wall time")]
fn a_blocked_producer_resumes_only_once_half_the_ring_is_free() {
    let ring = Arc::new(Ring::new(shape(64, 64, 0)));
    let (producer, done) = blocked_producer(&ring, BLOCK);
    // Past its spin phase (microseconds), the producer parks.
    std::thread::sleep(Duration::from_millis(20));
    // Room for its record, but not half the ring: the producer stays parked
    // through many park slices (1 ms each).
    assert_eq!(consume(&ring, 8), 8);
    assert!(!becomes_true(&done, Duration::from_millis(30)));
    // Half the ring free: the consumer wakes it.
    assert_eq!(consume(&ring, 24), 24);
    assert!(becomes_true(&done, Duration::from_secs(10)));
    producer.join().unwrap();
}

#[test]
#[cfg_attr(miri, ignore = "waits tens of milliseconds of wall time")]
fn a_producer_racing_a_drop_deadline_resumes_as_soon_as_its_record_fits() {
    let ring = Arc::new(Ring::new(shape(64, 64, 0)));
    let policy = WaitPolicy {
        wait: Duration::from_secs(60),
        drop_on_full: true,
    };
    let (producer, done) = blocked_producer(&ring, policy);
    std::thread::sleep(Duration::from_millis(5));
    assert_eq!(consume(&ring, 1), 1);
    assert!(becomes_true(&done, Duration::from_secs(10)));
    producer.join().unwrap();
}

#[test]
fn a_record_larger_than_half_the_ring_is_truncated_not_lost() {
    let ring = Ring::new(shape(8, 64, 0));
    let big = "z".repeat(10_000);
    assert!(write(&ring, &BLOCK, &CS, 1, &big));
    let mut seen = 0;
    // SAFETY: single consumer.
    unsafe {
        ring.consume(usize::MAX, |b| {
            // SAFETY: written by the encoder.
            let r = RecordView::decode(b).unwrap();
            assert!(r.truncated);
            assert!(b.len() <= ring.shape().max_record());
            seen += 1;
        })
    };
    assert_eq!(seen, 1);
    assert_eq!(
        ring.counters()
            .truncated
            .load(std::sync::atomic::Ordering::Relaxed),
        1
    );
}

#[test]
fn a_blocked_producer_resumes_when_the_consumer_frees_space() {
    let ring = Arc::new(Ring::new(shape(8, 64, 0)));
    let total: u64 = if cfg!(miri) { 60 } else { 20_000 };
    let producer = {
        let ring = ring.clone();
        std::thread::spawn(move || {
            for i in 0..total {
                assert!(write(
                    &ring,
                    &BLOCK,
                    &CS,
                    i,
                    &"p".repeat((i % 100) as usize)
                ));
            }
        })
    };
    let mut next = 0;
    while next < total {
        for (n, s) in read_all(&ring) {
            assert_eq!(n, next, "per-producer order");
            assert_eq!(s.len(), (n % 100) as usize);
            next += 1;
        }
        std::thread::yield_now();
    }
    producer.join().unwrap();
}

#[test]
fn the_exact_fast_path_writes_the_same_bytes_as_the_checked_path() {
    static CS_ALL: Callsite = Callsite::new(
        Level::Info,
        "ring",
        "tests.rs",
        3,
        &["a", "b", "c", "d", "e", "f", "g", "h", "i"],
    );
    let owned = String::from("owned");
    let fields = (
        -3i8,
        u64::MAX,
        i128::MIN,
        1.5f32,
        true,
        'é',
        &owned,
        Some(&b"\x00\xff"[..]),
        Option::<u16>::None,
    );
    let len =
        crate::record::Fields::encoded_len(&fields).expect("every built-in value knows its size");
    let take = |ring: &Ring| {
        let mut out = Vec::new();
        // SAFETY: single consumer.
        unsafe { ring.consume(usize::MAX, |b| out.push(b.to_vec())) };
        out
    };
    let (checked, exact) = (Ring::new(shape(64, 64, 0)), Ring::new(shape(64, 64, 0)));
    // SAFETY: this thread is both rings' only producer.
    unsafe {
        assert!(checked.write(
            &BLOCK,
            false,
            &stamp(&CS_ALL, 7),
            format_args!("m"),
            &fields
        ));
        assert_eq!(
            exact.write_exact(false, &stamp(&CS_ALL, 7), "m", &fields, len),
            Exact::Written
        );
    }
    assert_eq!(take(&checked), take(&exact));
    // It declines, writing nothing, when it would have to wrap or wait.
    let small = Ring::new(shape(4, 64, 0));
    let one_slot = (1u64, "x");
    let two_slots = (1u64, "y".repeat(100));
    let len_of = |f: &dyn Fn() -> Option<usize>| f().unwrap();
    let (one, two) = (
        len_of(&|| crate::record::Fields::encoded_len(&one_slot)),
        len_of(&|| crate::record::Fields::encoded_len(&two_slots)),
    );
    // SAFETY: as above.
    unsafe {
        for _ in 0..4 {
            assert_eq!(
                small.write_exact(false, &stamp(&CS, 0), "m", &one_slot, one),
                Exact::Written
            );
        }
        assert_eq!(
            small.write_exact(false, &stamp(&CS, 0), "m", &one_slot, one),
            Exact::Full
        );
        assert_eq!(take(&small).len(), 4);
        assert_eq!(
            small.write_exact(false, &stamp(&CS, 0), "m", &one_slot, one),
            Exact::Written
        );
        assert_eq!(
            small.write_exact(false, &stamp(&CS, 0), "m", &one_slot, one),
            Exact::Written
        );
        assert_eq!(
            small.write_exact(false, &stamp(&CS, 0), "m", &one_slot, one),
            Exact::Written
        );
        assert_eq!(take(&small).len(), 3);
        assert_eq!(
            small.write_exact(false, &stamp(&CS, 0), "m", &two_slots, two),
            Exact::Declined,
            "would wrap"
        );
    }
    assert_eq!(small.depth(), 0);
}

#[test]
fn a_record_of_half_the_ring_wraps_into_an_empty_ring_despite_the_reserve() {
    // 16 slots of 64 bytes, 3 reserved for protected levels: an unprotected
    // record may fill 13. A record of 8 slots (half the ring, the largest)
    // starting at slot 9 needs 7 slots of padding first: 15 slots, more than
    // the 13 it may fill, although the ring is empty. The padding is not a
    // record, so it must not count against the reserve.
    let ring = Ring::new(shape(16, 64, 3));
    for n in 0..9 {
        assert!(write(&ring, &WaitPolicy::NO_WAIT, &CS, n, ""));
    }
    assert_eq!(read_all(&ring).len(), 9);
    assert_eq!(ring.depth(), 0);
    // The longest string the encoder does not cut (it keeps room for the
    // other values); with the header and the other values, 8 slots.
    let big = "z".repeat(398);
    assert!(
        write(&ring, &WaitPolicy::NO_WAIT, &CS, 99, &big),
        "an unprotected record that fits the ring was refused by an empty ring"
    );
    assert_eq!(read_all(&ring), vec![(99, big.clone())]);
    // The same wrap under a blocking policy returns at once instead of
    // waiting for ever. Until the consumer skips the padding, unprotected
    // records are refused and a protected one still fits.
    assert!(write(&ring, &WaitPolicy::NO_WAIT, &CS, 1, ""));
    read_all(&ring);
    assert_eq!(ring.tail.load(Ordering::Relaxed) & ring.mask, 9);
    assert!(write(&ring, &BLOCK, &CS, 100, &big));
    assert!(!write(&ring, &WaitPolicy::NO_WAIT, &CS, 2, ""));
    assert!(write(&ring, &WaitPolicy::NO_WAIT, &CS_ERR, 101, ""));
    let got = read_all(&ring);
    assert_eq!(got, vec![(100, big), (101, String::new())]);
}
