//! Shutdown waits for the sinks up to the flush timeout, lossless or not.
//! What it then gives up on is counted `shutdown`; what a sink that did not
//! confirm still holds is reported on stderr, and counted delivered if that
//! sink gets to write it after all. So is a record a call was still writing
//! when the logger shut down, and what a hung sink kept from the worker.

mod common;

use common::serial;
use fapilog::sink::{Batch, Sink};
use fapilog::{DropReason, Level};
use std::time::Duration;

/// Takes this long per batch.
struct Slow(Duration);

impl Sink for Slow {
    fn name(&self) -> &str {
        "slow"
    }
    fn write_batch(&mut self, _batch: &Batch) -> std::io::Result<()> {
        std::thread::sleep(self.0);
        Ok(())
    }
}

const RECORDS: u64 = 20;

/// Logs `RECORDS` records, lossless, in batches of one through `sink` with
/// a queue of one; shutdown waits 300 ms.
fn lossless_through(sink: Slow) -> fapilog::Guard {
    let guard = fapilog::builder()
        .sink(sink)
        .backpressure(Duration::ZERO, false)
        .batch_records(1)
        .sink_queue(1)
        .flush_timeout(Duration::from_millis(300))
        .install()
        .expect("install");
    for i in 0..RECORDS {
        fapilog::info!(i, "record");
    }
    guard
}

#[test]
fn records_a_lossless_shutdown_gives_up_on_are_counted() {
    let _serial = serial();
    let guard = lossless_through(Slow(Duration::from_millis(500)));
    assert!(
        !guard.shutdown(),
        "the slow sink cannot take 20 batches in 300 ms"
    );

    let s = fapilog::stats();
    assert_eq!(s.submitted, RECORDS);
    assert!(s.dropped_for(DropReason::Shutdown) > 0, "{s:?}");
    assert_eq!(s.dropped, s.dropped_for(DropReason::Shutdown), "{s:?}");
    // Besides the logged records, the worker wrote its summaries of the
    // drops (a WARNING record each, lost the same way).
    let records = RECORDS + s.drop_summaries;
    // At most the batch the sink is writing and the one in its queue (of
    // one) are unaccounted for: the sink may still write them.
    let held = records - s.delivered - s.dropped;
    assert!(
        held <= 2,
        "{held} records neither delivered nor counted: {s:?}"
    );

    // The sink's thread goes on with what it holds, then closes.
    std::thread::sleep(Duration::from_millis(1500));
    let s = fapilog::stats();
    assert_eq!(s.delivered + s.dropped, records, "{s:?}");
}

/// Writes itself after `0` ms.
struct SlowDisplay(u64);

impl std::fmt::Display for SlowDisplay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::thread::sleep(Duration::from_millis(self.0));
        f.write_str("slow")
    }
}

#[test]
fn a_record_still_being_written_at_shutdown_is_counted() {
    let _serial = serial();
    let guard = fapilog::builder()
        .sink(common::Collect::new(fapilog::sink::Format::Flat))
        .install()
        .expect("install");
    // The call passes the level check, then its value takes 200 ms to
    // write: it publishes the record after the worker's last look.
    let late = std::thread::spawn(|| fapilog::warn!(v = %SlowDisplay(200), "late"));
    std::thread::sleep(Duration::from_millis(20));
    assert!(guard.shutdown());
    late.join().expect("the late call");

    let s = fapilog::stats();
    assert_eq!(s.submitted, 1, "{s:#?}");
    // It used to be in no counter at all: submitted 1, processed 0,
    // dropped 0.
    assert_eq!(s.processed + s.dropped, 1, "{s:#?}");
    if s.processed == 0 {
        assert_eq!(
            s.dropped_for_at(DropReason::Shutdown, Level::Warning),
            1,
            "{s:#?}"
        );
    }
}

#[test]
fn a_lossless_shutdown_counts_what_a_hung_sink_kept_it_from() {
    let _serial = serial();
    // Hung for an hour on its first batch.
    let guard = lossless_through(Slow(Duration::from_secs(3600)));
    std::thread::sleep(Duration::from_millis(100));
    assert!(!guard.shutdown(), "the hung sink cannot confirm");

    let s = fapilog::stats();
    assert_eq!(s.submitted, RECORDS, "{s:#?}");
    assert_eq!(s.delivered, 0, "{s:#?}");
    // The worker waited for the hung sink's queue (lossless) and never saw
    // the shutdown: nothing was counted, 18 slots were left queued. Now only
    // the batch the sink is stuck on and the one in its queue are held.
    let held = RECORDS + s.drop_summaries - s.dropped_for(DropReason::Shutdown);
    assert!(
        held <= 2,
        "{held} records neither delivered nor counted: {s:#?}"
    );
    assert_eq!(s.dropped, s.dropped_for(DropReason::Shutdown), "{s:#?}");
}
