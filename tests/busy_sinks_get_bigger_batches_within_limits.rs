//! While a sink is busy, the worker keeps filling its next batch instead of
//! queueing many small ones; but a batch is handed off as soon as it reaches
//! `batch_records` records or `batch_bytes` bytes, so it never outgrows the
//! buffers the worker preallocated (a pass over a full ring once appended up
//! to `batch_records` more records to an almost full batch).

mod common;

use common::serial;
use fapilog::sink::{Batch, Format, Sink};
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Default)]
struct Sizes {
    batches: Vec<(usize, usize)>,
    longest_line: usize,
}

/// Takes a while over every batch, and notes its size.
#[derive(Clone)]
struct SlowSink(Arc<Mutex<Sizes>>);

impl Sink for SlowSink {
    fn name(&self) -> &str {
        "slow"
    }
    fn format(&self) -> Format {
        Format::Flat
    }
    fn write_batch(&mut self, batch: &Batch) -> io::Result<()> {
        let mut sizes = self.0.lock().unwrap();
        sizes.batches.push((batch.len(), batch.as_bytes().len()));
        let longest = batch.iter().map(|(_, line)| line.len()).max().unwrap_or(0);
        sizes.longest_line = sizes.longest_line.max(longest);
        drop(sizes);
        std::thread::sleep(Duration::from_millis(1));
        Ok(())
    }
}

fn run(batch_records: usize, batch_bytes: usize) -> Sizes {
    let _serial = serial();
    let sizes = Arc::new(Mutex::new(Sizes::default()));
    let guard = fapilog::builder()
        .sink(SlowSink(sizes.clone()))
        // Lossless: the producer outruns the sink, and nothing is dropped.
        .backpressure(Duration::ZERO, false)
        .capacity(4096)
        .batch_records(batch_records)
        .batch_bytes(batch_bytes)
        .sink_queue(2)
        .install()
        .expect("install");
    let padding = "p".repeat(200);
    for i in 0..20_000u32 {
        fapilog::info!(i, padding = padding.as_str(), "a record of about 300 bytes");
    }
    assert!(guard.shutdown(), "shutdown flushed in time");
    let stats = fapilog::stats();
    assert_eq!((stats.delivered, stats.dropped), (20_000, 0), "{stats:?}");
    Arc::try_unwrap(sizes)
        .ok()
        .expect("the sink was dropped at shutdown")
        .into_inner()
        .unwrap()
}

#[test]
fn a_batch_is_handed_off_at_batch_bytes() {
    let sizes = run(1024, 8 << 10);
    let bound = (8 << 10) + sizes.longest_line;
    let over: Vec<_> = sizes.batches.iter().filter(|b| b.1 >= bound).collect();
    assert!(
        over.is_empty(),
        "batches of {bound} bytes or more: {over:?}"
    );
    let records: usize = sizes.batches.iter().map(|b| b.0).sum();
    assert_eq!(records, 20_000);
    // The sink was busy: batches did grow, to the limit.
    assert!(
        sizes.batches.iter().any(|b| b.1 >= 8 << 10),
        "{:?}",
        sizes.batches
    );
}

#[test]
fn a_batch_is_handed_off_at_batch_records() {
    let sizes = run(64, 256 << 10);
    let over: Vec<_> = sizes.batches.iter().filter(|b| b.0 > 64).collect();
    assert!(over.is_empty(), "batches of more than 64 records: {over:?}");
    assert!(
        sizes.batches.iter().any(|b| b.0 == 64),
        "{:?}",
        sizes.batches
    );
}
