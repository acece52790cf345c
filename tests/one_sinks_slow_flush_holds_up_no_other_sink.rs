//! `fapilog::flush()` waits for every sink, but the worker does not: while
//! one sink takes its time to flush, the worker goes on taking records from
//! the rings and handing them to the other sinks. Not even a hung sink with
//! a full queue holds the worker: flushes and shutdowns report it late, and
//! the other sinks go on being fed, flushed and closed.

mod common;

use common::{serial, Collect};
use fapilog::sink::{Batch, Format, Sink};
use fapilog::DropReason;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Holds `flush` until opened.
#[derive(Default)]
struct Gate {
    open: Mutex<bool>,
    opened: Condvar,
}

impl Gate {
    fn pass(&self) {
        let mut open = self.open.lock().unwrap();
        while !*open {
            open = self.opened.wait(open).unwrap();
        }
    }
    fn open(&self) {
        *self.open.lock().unwrap() = true;
        self.opened.notify_all();
    }
}

struct SlowToFlush(Arc<Gate>);

impl Sink for SlowToFlush {
    fn name(&self) -> &str {
        "slow-to-flush"
    }
    fn write_batch(&mut self, _batch: &Batch) -> std::io::Result<()> {
        Ok(())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.pass();
        Ok(())
    }
}

#[test]
fn records_keep_reaching_the_other_sinks_while_one_flushes() {
    let _serial = serial();
    let gate = Arc::new(Gate::default());
    let fast = Collect::new(Format::Flat);
    let guard = common::builder()
        .sink(SlowToFlush(gate.clone()))
        .sink(fast.clone())
        .flush_timeout(Duration::from_secs(60))
        .install()
        .expect("install");
    let flusher = std::thread::spawn(fapilog::flush);
    // Give the flush time to reach the worker and the sinks.
    std::thread::sleep(Duration::from_millis(50));

    const RECORDS: usize = 5_000;
    for i in 0..RECORDS {
        fapilog::info!(i, "while flushing");
    }
    let start = Instant::now();
    while fast.lines().len() < RECORDS && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(5));
    }
    let reached = fast.lines().len();
    let flush_still_waiting = !flusher.is_finished();
    gate.open();
    assert!(
        flusher.join().expect("flusher"),
        "the flush completes once the sink does"
    );
    assert!(guard.shutdown());

    assert!(
        flush_still_waiting,
        "flush() returned before the slow sink flushed"
    );
    assert_eq!(
        reached, RECORDS,
        "the other sink got records while one flushed"
    );
    assert_eq!(fapilog::stats().dropped, 0);
}

/// Hangs in `write_batch` until its gate opens.
struct Hung(Arc<Gate>);

impl Sink for Hung {
    fn name(&self) -> &str {
        "hung"
    }
    fn write_batch(&mut self, _batch: &Batch) -> std::io::Result<()> {
        self.0.pass();
        Ok(())
    }
}

/// Counts the lines it was given and whether it was closed.
#[derive(Clone, Default)]
struct Healthy {
    lines: Arc<AtomicUsize>,
    closed: Arc<AtomicUsize>,
}

impl Sink for Healthy {
    fn name(&self) -> &str {
        "healthy"
    }
    fn write_batch(&mut self, batch: &Batch) -> std::io::Result<()> {
        self.lines.fetch_add(batch.len(), Ordering::SeqCst);
        Ok(())
    }
    fn close(&mut self) -> std::io::Result<()> {
        self.closed.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

/// A hung sink and a healthy one; batches of one record, queues of one,
/// so the hung sink's queue is full after three records. Returns once ten
/// records have been processed.
fn hung_and_healthy(gate: &Arc<Gate>, healthy: &Healthy) -> fapilog::Guard {
    let guard = fapilog::builder()
        .sink(Hung(gate.clone()))
        .sink(healthy.clone())
        .sink_queue(1)
        .batch_records(1)
        .flush_timeout(Duration::from_millis(300))
        .drop_summary_interval(Duration::from_secs(3600))
        .install()
        .expect("install");
    for i in 0..10 {
        fapilog::info!(i, "before");
        std::thread::sleep(Duration::from_millis(2));
    }
    wait_for(|| fapilog::stats().processed == 10);
    guard
}

fn wait_for(what: impl Fn() -> bool) {
    let start = Instant::now();
    while !what() && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_flush_with_a_hung_sink_reports_it_late_and_the_others_go_on() {
    let _serial = serial();
    let gate = Arc::new(Gate::default());
    let healthy = Healthy::default();
    let guard = hung_and_healthy(&gate, &healthy);

    // The flush request used to block the worker on the hung sink's full
    // queue for good: it processed nothing more, and the healthy sink got
    // nothing more.
    assert!(!fapilog::flush(), "the hung sink cannot confirm");
    // At the healthy sink's pace: with queues of one under the drop policy,
    // a burst would overflow its queue too.
    for i in 0..100 {
        fapilog::info!(i, "after");
        std::thread::sleep(Duration::from_millis(2));
    }
    // Every record reached the healthy sink or was dropped and counted
    // there; the hung sink took at most two batches (one record each: the
    // one it hangs on and one in its queue), and the rest of its share was
    // dropped and counted.
    let accounted = || {
        let s = fapilog::stats();
        healthy.lines.load(Ordering::SeqCst) as u64 + s.dropped_for(DropReason::SinkFull)
    };
    wait_for(|| accounted() >= 2 * 110 - 2);
    let s = fapilog::stats();
    assert_eq!(s.processed, 110, "{s:#?}");
    assert!(accounted() >= 2 * 110 - 2, "{s:#?}");
    assert!(
        healthy.lines.load(Ordering::SeqCst) > 10,
        "the healthy sink got records after the flush: {s:#?}"
    );
    gate.open();
    drop(guard);
}

#[test]
fn a_shutdown_with_a_hung_sink_still_closes_the_others() {
    let _serial = serial();
    let gate = Arc::new(Gate::default());
    let healthy = Healthy::default();
    let guard = hung_and_healthy(&gate, &healthy);
    let started = Instant::now();
    assert!(!guard.shutdown(), "the hung sink cannot confirm");
    let took = started.elapsed();
    // Closed before shutdown returned: it used to be left unclosed, its
    // buffered records never flushed.
    assert_eq!(
        healthy.closed.load(Ordering::SeqCst),
        1,
        "the healthy sink was closed"
    );
    assert!(took < Duration::from_secs(2), "shutdown took {took:?}");
    gate.open();
}
