//! `flush_on_panic` is for the application's panics. fapilog catches and
//! counts the panics of the user code its own threads run (enrichers on the
//! worker, sinks on their threads); the hook must not flush from those
//! threads, which would wait for themselves until the flush timeout.

mod common;

use common::{serial, Collect};
use fapilog::enrich::{EnrichFields, Enricher, RecordInfo};
use fapilog::sink::{Batch, Format, Sink};
use std::time::{Duration, Instant};

struct PanickingEnricher;

impl Enricher for PanickingEnricher {
    fn enrich(&mut self, _record: &RecordInfo<'_>, _fields: &mut EnrichFields<'_, '_>) {
        panic!("enricher bug");
    }
}

struct PanickingSink;

impl Sink for PanickingSink {
    fn name(&self) -> &str {
        "panicking"
    }
    fn write_batch(&mut self, _batch: &Batch) -> std::io::Result<()> {
        panic!("sink bug");
    }
}

/// Short enough that a stalled flush fails the test quickly, long enough
/// for a loaded machine.
const TIMEOUT: Duration = Duration::from_secs(3);

#[test]
fn a_panicking_enricher_does_not_stall_flush() {
    let _serial = serial();
    let lines = Collect::new(Format::Flat);
    let guard = common::builder()
        .sink(lines.clone())
        .enricher(PanickingEnricher)
        .flush_on_panic(true)
        .flush_timeout(TIMEOUT)
        .install()
        .expect("install");
    for i in 0..3 {
        fapilog::info!(i, "record");
    }
    assert!(
        fapilog::flush(),
        "flush timed out: the worker waited for itself"
    );
    assert!(guard.shutdown());
    assert_eq!(
        lines.lines().len(),
        3,
        "records still arrive, without the enricher's fields"
    );
    assert_eq!(
        fapilog::stats().enricher_panics,
        3,
        "one panic per record, no more"
    );
}

#[test]
fn a_panicking_sink_does_not_stall_flush_or_the_other_sinks() {
    let _serial = serial();
    let lines = Collect::new(Format::Flat);
    let guard = common::builder()
        .sink(PanickingSink)
        .sink(lines.clone())
        .flush_on_panic(true)
        .flush_timeout(TIMEOUT)
        .install()
        .expect("install");
    fapilog::info!("one");
    let started = Instant::now();
    let flushed = fapilog::flush();
    assert!(
        started.elapsed() < TIMEOUT,
        "flush timed out: it waited for the panicking sink's thread"
    );
    // It answered in time, but the panicking sink lost the record.
    assert!(!flushed, "the record was lost: flush says so");
    assert!(!guard.shutdown(), "so was the drop summary");
    // The other sink has the record (and fapilog's summary of the one the
    // panicking sink lost).
    let ones = lines
        .lines()
        .iter()
        .filter(|l| l.contains(r#""message":"one""#))
        .count();
    assert_eq!(ones, 1, "{:?}", lines.lines());
    assert!(fapilog::stats().sink_panics >= 1);
}
