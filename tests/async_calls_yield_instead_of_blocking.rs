//! `info_async!` and friends wait for ring space by yielding to the executor,
//! never by parking its thread: other tasks on the same executor thread keep
//! running. With the drop policy they give up after the backpressure wait
//! (counted as `QueueFull`), even when the worker is stuck.

mod common;

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use common::{serial, u64_fields, Collect, Slow};
use fapilog::sink::{Batch, Format, Sink};
use fapilog::{DropReason, Level};

/// Wraps a future and counts how often it returned `Pending`.
struct CountPending<F> {
    inner: Pin<Box<F>>,
    pending: Arc<AtomicU64>,
}

impl<F: Future> Future for CountPending<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let out = self.inner.as_mut().poll(cx);
        if out.is_pending() {
            self.pending.fetch_add(1, Ordering::Relaxed);
        }
        out
    }
}

fn one_worker_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_time()
        .build()
        .expect("runtime")
}

#[test]
fn waiting_async_log_calls_let_other_tasks_on_the_thread_run() {
    const TASKS: u64 = 20;
    const PER_TASK: u64 = 100;
    let _serial = serial();
    let sink = Collect::new(Format::Flat);
    let guard = fapilog::builder()
        .sink(Slow {
            lines: sink.clone(),
            per_batch: Duration::from_millis(2),
        })
        .backpressure(Duration::ZERO, false)
        .capacity(32)
        .slot_size(128)
        .batch_records(8)
        .sink_queue(1)
        .install()
        .expect("install");

    let pending = Arc::new(AtomicU64::new(0));
    let remaining = Arc::new(AtomicU64::new(TASKS));
    let ticks_while_logging = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    one_worker_runtime().block_on(async {
        let ticker = tokio::spawn({
            let remaining = remaining.clone();
            let ticks = ticks_while_logging.clone();
            async move {
                while remaining.load(Ordering::SeqCst) > 0 {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    if remaining.load(Ordering::SeqCst) > 0 {
                        ticks.fetch_add(1, Ordering::SeqCst);
                    }
                }
            }
        });
        let tasks: Vec<_> = (0..TASKS)
            .map(|task| {
                let pending = pending.clone();
                let remaining = remaining.clone();
                tokio::spawn(async move {
                    for i in 0..PER_TASK {
                        CountPending {
                            inner: Box::pin(fapilog::info_async!(task, i, "a")),
                            pending: pending.clone(),
                        }
                        .await;
                    }
                    remaining.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for t in tasks {
            t.await.expect("log task");
        }
        ticker.await.expect("ticker");
    });
    let logging = started.elapsed();
    assert!(guard.shutdown());

    let ticks = ticks_while_logging.load(Ordering::SeqCst);
    let pending = pending.load(Ordering::SeqCst);
    eprintln!("logging took {logging:?}; {pending} pending polls; {ticks} ticks meanwhile");
    assert!(
        pending > 0,
        "the ring was full, so some async calls had to wait"
    );
    assert!(
        ticks >= 20,
        "the ticker ran while log calls waited: {ticks} ticks in {logging:?}"
    );

    let mut seen = std::collections::HashSet::new();
    for line in sink.lines() {
        let [task, i] = u64_fields(line.as_bytes(), ["task", "i"])
            .unwrap_or_else(|| panic!("unexpected line {line}"));
        assert!(seen.insert((task, i)), "task={task} i={i} delivered twice");
    }
    assert_eq!(
        seen.len() as u64,
        TASKS * PER_TASK,
        "every record delivered"
    );
    let s = fapilog::stats();
    assert_eq!(s.submitted, TASKS * PER_TASK, "{s:#?}");
    assert_eq!(s.dropped, 0, "{s:#?}");
}

/// A sink whose `write_batch` blocks while the gate is closed. A way to hold
/// the worker: with `protected_lossless`, it waits for room in the sink's
/// queue with a batch holding an ERROR record instead of dropping it.
struct Gated {
    inner: Collect,
    gate: Arc<Gate>,
}

#[derive(Default)]
struct Gate {
    closed: Mutex<bool>,
    changed: Condvar,
    entered: AtomicBool,
}

impl Gate {
    fn close(&self) {
        *self.closed.lock().unwrap() = true;
    }
    fn open(&self) {
        *self.closed.lock().unwrap() = false;
        self.changed.notify_all();
    }
    fn pass(&self) {
        let mut closed = self.closed.lock().unwrap();
        if *closed {
            self.entered.store(true, Ordering::SeqCst);
        }
        while *closed {
            closed = self.changed.wait(closed).unwrap();
        }
    }
}

impl Sink for Gated {
    fn name(&self) -> &str {
        "gated"
    }
    fn format(&self) -> Format {
        Format::Flat
    }
    fn write_batch(&mut self, batch: &Batch) -> io::Result<()> {
        self.gate.pass();
        self.inner.write_batch(batch)
    }
}

#[test]
fn with_the_drop_policy_an_async_call_gives_up_after_the_wait_even_when_the_worker_is_stuck() {
    let _serial = serial();
    let sink = Collect::new(Format::Flat);
    let gate = Arc::new(Gate::default());
    let guard = fapilog::builder()
        .sink(Gated {
            inner: sink.clone(),
            gate: gate.clone(),
        })
        .backpressure(Duration::from_millis(20), true)
        .protected_lossless(true)
        .capacity(64)
        .slot_size(128)
        .batch_records(1)
        .sink_queue(1)
        .flush_timeout(Duration::from_secs(20))
        .drop_summary_interval(Duration::from_secs(3600))
        .install()
        .expect("install");

    // Hold the worker: the sink's thread blocks writing the first ERROR, the
    // second waits in its queue, and the worker waits for room with the
    // third, which it may not drop.
    gate.close();
    for _ in 0..3 {
        fapilog::error!("hold");
    }
    while !gate.entered.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(1));
    }
    // The other two follow within microseconds.
    std::thread::sleep(Duration::from_millis(50));

    // 64 slots, 8 reserved for ERROR and above: 56 one-slot INFO records
    // fit, the next 24 each wait 20 ms and are dropped.
    const CALLS: u64 = 80;
    const FIT: u64 = 56;
    let done = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let finished_in_time = one_worker_runtime().block_on({
        let done = done.clone();
        async move {
            let logging = tokio::spawn(async move {
                for n in 0..CALLS {
                    fapilog::info_async!(n, "d").await;
                    done.fetch_add(1, Ordering::SeqCst);
                }
            });
            tokio::time::timeout(Duration::from_secs(10), logging)
                .await
                .is_ok()
        }
    });
    let elapsed = started.elapsed();
    let calls_done = done.load(Ordering::SeqCst);
    let stats_while_stuck = fapilog::stats();
    gate.open();
    assert!(guard.shutdown());

    assert!(
        finished_in_time,
        "async calls hung while the worker was stuck: {calls_done} of {CALLS} returned in {elapsed:?}"
    );
    eprintln!(
        "{CALLS} async calls, {} dropped, in {elapsed:?}",
        CALLS - FIT
    );
    assert!(
        elapsed >= Duration::from_millis(20),
        "the drops waited: {elapsed:?}"
    );
    let s = stats_while_stuck;
    assert_eq!(s.dropped_for(DropReason::QueueFull), CALLS - FIT, "{s:#?}");
    assert_eq!(
        s.dropped_for_at(DropReason::QueueFull, Level::Info),
        CALLS - FIT
    );
    let delivered: Vec<u64> = sink
        .lines()
        .iter()
        .filter(|l| !common::is_drop_summary(l) && !l.contains(r#""message":"hold""#))
        .map(|l| u64_fields(l.as_bytes(), ["n"]).expect("n")[0])
        .collect();
    // The ones that fit come out in order. The sink's queue holds one batch
    // of one record here (to hold the worker), so once the worker runs again
    // some may find it full and be dropped, counted `sink_full`.
    assert!(delivered.windows(2).all(|w| w[0] < w[1]), "{delivered:?}");
    assert!(delivered.iter().all(|&n| n < FIT), "{delivered:?}");
    let sink_full = fapilog::stats().dropped_for_at(DropReason::SinkFull, Level::Info);
    assert_eq!(delivered.len() as u64 + sink_full, FIT);
}
