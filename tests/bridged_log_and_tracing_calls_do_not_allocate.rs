//! The bridges from `log` and `tracing` add no allocation to a call once
//! its callsite was seen (features `log` and `tracing`), checked with a
//! counting global allocator: 0 per call on the caller, and 0 per record on
//! the worker and sink threads, for `log` records with and without
//! key-values and `tracing` events with fields, in and out of a span.
#![cfg(all(feature = "log", feature = "tracing"))]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

struct Counting;

static ALL_THREADS: AtomicU64 = AtomicU64::new(0);
thread_local! {
    static THIS_THREAD: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALL_THREADS.fetch_add(1, Ordering::Relaxed);
        let _ = THIS_THREAD.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALL_THREADS.fetch_add(1, Ordering::Relaxed);
        let _ = THIS_THREAD.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_on_this_thread(f: impl FnOnce()) -> u64 {
    let before = THIS_THREAD.with(Cell::get);
    f();
    THIS_THREAD.with(Cell::get) - before
}

/// Six records: `log` without and with key-values, `tracing` events with
/// fields (the caller is inside a span).
fn calls(i: u32) {
    log::info!("x {}", 1);
    log::info!("a literal message");
    log::warn!(target: "dep::db", rows = i, elapsed_ms = 1.5, ok = true, table = "users"; "query {}", i);
    tracing::info!(a = 1, "y");
    tracing::info!(target: "dep::http", status = 200u16, path = "/api", latency = 0.25, "request {}", i);
    tracing::info!(error = %"timed out", ?i, "no format args");
}

fn wait_processed(target: u64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while fapilog::stats().processed < target {
        assert!(
            Instant::now() < deadline,
            "worker did not catch up: {:?}",
            fapilog::stats()
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn bridged_calls_allocate_nothing_once_their_callsites_were_seen() {
    let null = fapilog::sink::Null::new();
    let guard = fapilog::builder()
        .sink(null.clone())
        .backpressure(Duration::ZERO, false)
        .install()
        .unwrap();
    fapilog::integrations::log::init().unwrap();
    fapilog::integrations::tracing::init().unwrap();
    let span = tracing::info_span!("request", id = 7);
    let _entered = span.enter();

    // Warm up: callsites are made, this thread leases its ring, the worker
    // grows its batches to their steady size.
    for i in 0..2_000 {
        calls(i);
    }
    wait_processed(12_000);
    std::thread::sleep(Duration::from_millis(50));

    let all_before = ALL_THREADS.load(Ordering::Relaxed);
    let here = allocations_on_this_thread(|| {
        for i in 0..1_000 {
            calls(i);
        }
    });
    assert_eq!(here, 0, "allocations on the caller for 6,000 bridged calls");
    wait_processed(18_000);
    let everywhere = ALL_THREADS.load(Ordering::Relaxed) - all_before;
    assert_eq!(
        everywhere, 0,
        "allocations on any thread while 6,000 bridged records were processed"
    );
    drop(_entered);
    drop(guard);
    assert_eq!(null.records(), 18_000);
}
