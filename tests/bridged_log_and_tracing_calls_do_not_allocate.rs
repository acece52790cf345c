//! The bridges from `log` and `tracing` add no allocation to a call once
//! its callsite was seen (features `log` and `tracing`), checked with a
//! counting global allocator: 0 per call on the caller, and 0 per record on
//! the worker and sink threads, for `log` records with and without
//! key-values and `tracing` events with fields, in spans with fields
//! (given at creation and recorded later) and out of them.
#![cfg(all(feature = "log", feature = "tracing"))]

mod common;

use std::time::Duration;

use common::counting_alloc::{self, Counting};

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Six records: `log` without and with key-values, `tracing` events with
/// fields (the caller is inside a span with a field); the last one inside a
/// second span, whose fields were given at creation and recorded later.
fn calls(i: u32, query: &tracing::Span) {
    log::info!("x {}", 1);
    log::info!("a literal message");
    log::warn!(target: "dep::db", rows = i, elapsed_ms = 1.5, ok = true, table = "users"; "query {}", i);
    tracing::info!(a = 1, "y");
    tracing::info!(target: "dep::http", status = 200u16, path = "/api", latency = 0.25, "request {}", i);
    let _query = query.enter();
    tracing::info!(error = %"timed out", ?i, "no format args");
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
    let query = tracing::info_span!(
        "db_query",
        table = "users",
        peer = %"10.0.0.7:5432",
        note = %"needs quotes",
        rows = tracing::field::Empty
    );
    query.record("rows", 3);

    // Warm up: callsites are made, this thread leases its ring, the worker
    // grows its batches to their steady size.
    for i in 0..2_000 {
        calls(i, &query);
    }
    common::wait_processed(12_000);
    std::thread::sleep(Duration::from_millis(50));

    let all_before = counting_alloc::all_threads();
    let here = counting_alloc::allocations_on_this_thread(|| {
        for i in 0..1_000 {
            calls(i, &query);
        }
    });
    assert_eq!(here, 0, "allocations on the caller for 6,000 bridged calls");
    common::wait_processed(18_000);
    let everywhere = counting_alloc::all_threads() - all_before;
    assert_eq!(
        everywhere, 0,
        "allocations on any thread while 6,000 bridged records were processed"
    );
    drop(_entered);
    drop(guard);
    assert_eq!(null.records(), 18_000);
}
