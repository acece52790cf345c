//! `fapilog::flush()` waits for every sink, but the worker does not: while
//! one sink takes its time to flush, the worker goes on taking records from
//! the rings and handing them to the other sinks.

mod common;

use common::{serial, Collect};
use fapilog::sink::{Batch, Format, Sink};
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
