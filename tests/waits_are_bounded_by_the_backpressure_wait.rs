//! A log call under a dropping policy gives up after the backpressure wait,
//! whatever holds the worker up and however the record is written: a
//! record that needs room several times waits once, and an async call gives
//! up even while the worker is busy in user code. An async call cancelled
//! while it waits is counted.

mod common;

use std::time::{Duration, Instant};

use common::{serial, Collect};
use fapilog::enrich::{EnrichFields, Enricher, RecordInfo};
use fapilog::sink::Format;
use fapilog::{DropReason, Level};

/// Holds the worker up for `0` ms on every record: any slow stage of the
/// worker's (an enricher, a filter, a redactor) does the same.
struct SlowWorker(u64);

impl Enricher for SlowWorker {
    fn enrich(&mut self, _: &RecordInfo<'_>, _: &mut EnrichFields<'_, '_>) {
        std::thread::sleep(Duration::from_millis(self.0));
    }
}

const WAIT: Duration = Duration::from_millis(150);

/// A logger whose worker takes `per_record_ms` a record, with a ring of 32
/// 128-byte slots that INFO may fill whole.
fn slow_logger(per_record_ms: u64) -> fapilog::Guard {
    fapilog::builder()
        .sink(Collect::new(Format::Flat))
        .enricher(SlowWorker(per_record_ms))
        .capacity(32)
        .slot_size(128)
        .protected_levels(None)
        .batch_records(1)
        .backpressure(WAIT, true)
        .drop_summary_interval(Duration::from_secs(3600))
        // The records behind the slow worker are given up at the end.
        .flush_timeout(Duration::from_millis(300))
        .install()
        .expect("install")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime")
}

/// Fills the ring: the worker holds one record, 32 more wait behind it.
fn fill_the_ring() {
    fapilog::info!("first");
    std::thread::sleep(Duration::from_millis(20));
    for i in 0..32u32 {
        fapilog::info!(i, "fill");
    }
}

#[test]
fn a_record_written_in_pieces_waits_once_not_once_a_piece() {
    let _serial = serial();
    let guard = slow_logger(100);
    fill_the_ring();
    let dropped_before = fapilog::stats().dropped_for(DropReason::QueueFull);

    // Five formatted values of 110 bytes: the record is claimed in pieces,
    // and each piece found the ring full. Each used to wait the whole 150 ms
    // again (the call took 487 ms).
    let v = "x".repeat(110);
    let started = Instant::now();
    fapilog::info!(a = %v, b = %v, c = %v, d = %v, e = %v, "big {}", 1);
    let took = started.elapsed();

    let s = fapilog::stats();
    assert_eq!(
        s.dropped_for(DropReason::QueueFull) - dropped_before,
        1,
        "the record was dropped after its wait: {s:#?}"
    );
    assert!(
        took < WAIT + Duration::from_millis(120),
        "the call waited {took:?}, the policy says {WAIT:?}"
    );
    drop(guard);
}

#[test]
fn an_async_call_gives_up_while_the_worker_is_busy_in_user_code() {
    let _serial = serial();
    // Two seconds a record: the worker finishes no pass while the call
    // waits, so it never wakes the call itself.
    let guard = slow_logger(2_000);
    let rt = runtime();
    let took = rt.block_on(async {
        fill_the_ring();
        let started = Instant::now();
        fapilog::info_async!("one more").await;
        started.elapsed()
    });
    let s = fapilog::stats();
    assert!(
        s.dropped_for_at(DropReason::QueueFull, Level::Info) >= 1,
        "the async call was dropped: {s:#?}"
    );
    // It used to wait for the worker's next pass: 2 s here, 14 s in the
    // review's set-up.
    assert!(
        took < WAIT + Duration::from_millis(200),
        "the async call waited {took:?}, the policy says {WAIT:?}"
    );
    drop(guard);
}

#[test]
fn an_async_call_cancelled_while_it_waits_is_counted() {
    let _serial = serial();
    let guard = slow_logger(100);
    let rt = runtime();
    let cancelled = rt.block_on(async {
        fill_the_ring();
        // Cancelled (by the timeout) long before its 150 ms wait is up.
        let call = fapilog::info_async!("cancelled");
        tokio::time::timeout(Duration::from_millis(5), call)
            .await
            .is_err()
    });
    assert!(cancelled, "the call was still waiting at the timeout");
    let s = fapilog::stats();
    assert_eq!(
        s.dropped_for_at(DropReason::Cancelled, Level::Info),
        1,
        "{s:#?}"
    );
    drop(guard);
}

#[test]
fn an_async_call_that_waited_and_was_written_counts_no_drop() {
    let _serial = serial();
    // 20 ms a record: space comes well within the 150 ms wait.
    let guard = slow_logger(20);
    let rt = runtime();
    rt.block_on(async {
        fill_the_ring();
        fapilog::info_async!("waited").await;
    });
    let s = fapilog::stats();
    assert_eq!(s.dropped, 0, "{s:#?}");
    drop(guard);
}
