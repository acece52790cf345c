//! Shutdown waits for the sinks up to the flush timeout, lossless or not.
//! What it then gives up on is counted `shutdown`; what a sink that did not
//! confirm still holds is reported on stderr, and counted delivered if that
//! sink gets to write it after all.

mod common;

use common::serial;
use fapilog::sink::{Batch, Sink};
use fapilog::DropReason;
use std::time::Duration;

/// Takes 500 ms per batch.
struct Slow;

impl Sink for Slow {
    fn name(&self) -> &str {
        "slow"
    }
    fn write_batch(&mut self, _batch: &Batch) -> std::io::Result<()> {
        std::thread::sleep(Duration::from_millis(500));
        Ok(())
    }
}

#[test]
fn records_a_lossless_shutdown_gives_up_on_are_counted() {
    let _serial = serial();
    const RECORDS: u64 = 20;
    let guard = fapilog::builder()
        .sink(Slow)
        .backpressure(Duration::ZERO, false)
        .batch_records(1)
        .sink_queue(1)
        .flush_timeout(Duration::from_millis(300))
        .install()
        .expect("install");
    for i in 0..RECORDS {
        fapilog::info!(i, "record");
    }
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
