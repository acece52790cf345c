//! The five scenarios. Each runs one logger (in a child process) and prints
//! one `@result` line for the parent to tabulate.

use crate::harness::{self, count_file_lines, Output, Percentiles};
use crate::loggers::{records, Build, Logger, Rec, Setup, Target, DRAIN_TIMEOUT};
use std::hint::black_box;
use std::sync::Barrier;
use std::time::{Duration, Instant};

/// Scenario names, in the order they run.
pub const NAMES: &[&str] = &["lat1", "lat2", "throughput", "allocs", "slow"];

/// Queue capacity (records) for the lossless scenarios, the same for every
/// logger; a 1,000-call burst always fits.
pub const QUEUE: usize = 16_384;
/// Queue capacity for the slow-sink scenario, so every logger reaches "full".
pub const SLOW_QUEUE: usize = 1_024;

/// How much work each scenario does (`PEERS_QUICK=1` shrinks it ~10x).
#[derive(Clone, Copy)]
pub struct Counts {
    pub bursts: usize,
    pub burst: usize,
    pub throughput: u64,
    pub alloc_bursts: usize,
    pub slow_bursts: usize,
    /// Runs per (scenario, logger); the parent reports medians.
    pub repeat: usize,
}

impl Counts {
    pub fn get() -> Counts {
        let quick = std::env::var("PEERS_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
        let div = if quick { 10 } else { 1 };
        Counts {
            bursts: 200 / div,
            burst: 1_000,
            throughput: 1_000_000 / div as u64,
            alloc_bursts: 20 / div,
            slow_bursts: 20 / div,
            repeat: std::env::var("PEERS_REPEAT")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(if quick { 1 } else { 3 })
                .max(1),
        }
    }
}

/// Runs `scenario` for the logger built by `build`; prints `@result`.
pub fn run(scenario: &str, name: &str, build: Build, c: Counts) {
    let tpn = harness::ticks_per_ns();
    let (fields, note) = match scenario {
        "lat1" => latency(build, c, 1, tpn),
        "lat2" => latency(build, c, 2, tpn),
        "throughput" => throughput(name, build, c),
        "allocs" => allocs(build, c),
        "slow" => slow(build, c, tpn),
        other => panic!("unknown scenario {other}"),
    };
    println!("@result {fields} ;; {note}");
}

fn setup(target: Target, lossy: bool, queue: usize) -> Setup {
    let out = Output::new(matches!(target, Target::Slow));
    Setup {
        target,
        out,
        lossy,
        queue,
    }
}

/// One burst of timed calls from this thread, samples appended.
fn timed_burst(l: &dyn Logger, n: usize, start: usize, samples: &mut Vec<u64>) {
    let recs: [Rec; 64] = records().try_into().expect("64 records");
    l.timed_burst(&recs, n, start, samples);
}

/// Untimed calls (warm-up).
fn calls(l: &dyn Logger, n: usize) {
    let recs = records();
    for i in 0..n {
        l.log(black_box(&recs[i & 63]));
    }
}

fn drained(s: &Setup, n: u64) {
    assert!(
        s.out.wait_lines(n, DRAIN_TIMEOUT),
        "drain timed out: {} of {n} lines",
        s.out.lines()
    );
}

/// Scenarios 1 and 2: every call timed, bursts of `c.burst` per thread,
/// then a pause until the sink has seen every line.
fn latency(build: Build, c: Counts, threads: usize, tpn: f64) -> (String, String) {
    let s = setup(Target::Null, false, QUEUE);
    let (logger, note) = build(&s);
    let l = &*logger;
    let barrier = Barrier::new(threads);
    let per_burst = (c.burst * threads) as u64;
    let samples: Vec<u64> = std::thread::scope(|sc| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (barrier, s) = (&barrier, &s);
                sc.spawn(move || {
                    // Warm this thread's path (and any per-thread state) untimed.
                    calls(l, c.burst);
                    barrier.wait();
                    if t == 0 {
                        drained(s, per_burst);
                    }
                    let mut v = Vec::with_capacity(c.bursts * c.burst);
                    for b in 0..c.bursts {
                        barrier.wait();
                        timed_burst(l, c.burst, b * c.burst + t * 17, &mut v);
                        barrier.wait();
                        if t == 0 {
                            drained(s, (b as u64 + 2) * per_burst);
                        }
                    }
                    v
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("producer"))
            .collect()
    });
    logger.finish(None);
    let p = Percentiles::new(samples, tpn);
    (p.fields(), note)
}

/// Scenario 3: N records to a file, lossless, first call until drained.
fn throughput(name: &str, build: Build, c: Counts) -> (String, String) {
    let dir = std::env::temp_dir().join(format!("fapilog-peers-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    // The largest line of any logger here is ~520 bytes (fapilog's
    // envelope): warm up for 640 a record.
    let warm = harness::warm_page_cache(&dir, 640 * c.throughput);
    let s = setup(Target::File(dir.clone()), false, QUEUE);
    let (logger, note) = build(&s);
    let recs = records();
    let n = c.throughput;
    let t0 = Instant::now();
    for i in 0..n as usize {
        logger.log(black_box(&recs[i & 63]));
    }
    let calls_done = t0.elapsed();
    logger.finish(Some(n));
    let total = t0.elapsed();
    let lines = count_file_lines(&dir).expect("count lines");
    let bytes: u64 = std::fs::read_dir(&dir)
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0);
    if std::env::var_os("PEERS_KEEP_FILES").is_some() {
        eprintln!("{name}: kept {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    let fields = format!(
        "rps={:.0} total_s={:.3} calls_s={:.3} lines={lines} expected={n} bytes_per_line={:.0} warm_s={:.2}",
        n as f64 / total.as_secs_f64(),
        total.as_secs_f64(),
        calls_done.as_secs_f64(),
        bytes as f64 / lines.max(1) as f64,
        warm.as_secs_f64(),
    );
    (fields, note)
}

/// Scenario 4: allocations on the calling thread, after warm-up.
fn allocs(build: Build, c: Counts) -> (String, String) {
    let s = setup(Target::Null, false, QUEUE);
    let (logger, note) = build(&s);
    let l = &*logger;
    calls(l, 2 * c.burst);
    let mut done = 2 * c.burst as u64;
    drained(&s, done);
    let (a0, b0) = harness::alloc_counts();
    let recs = records();
    for _ in 0..c.alloc_bursts {
        harness::count_allocs(true);
        for i in 0..c.burst {
            l.log(black_box(&recs[i & 63]));
        }
        harness::count_allocs(false);
        done += c.burst as u64;
        drained(&s, done);
    }
    let (a1, b1) = harness::alloc_counts();
    logger.finish(None);
    let n = (c.alloc_bursts * c.burst) as f64;
    let fields = format!(
        "allocs_per_call={:.3} bytes_per_call={:.1} calls={n}",
        (a1 - a0) as f64 / n,
        (b1 - b0) as f64 / n
    );
    (fields, note)
}

/// Scenario 5: a sink that sleeps 10 ms per write; loggers in drop mode.
fn slow(build: Build, c: Counts, tpn: f64) -> (String, String) {
    let s = setup(Target::Slow, true, SLOW_QUEUE);
    let (logger, note) = build(&s);
    let l = &*logger;
    // Warm up untimed with the sink still fast (as the other scenarios do),
    // so first-call costs stay out of the samples; then make it slow.
    let fast = |on: bool| s.out.slow.store(!on, std::sync::atomic::Ordering::Relaxed);
    // 256 calls fit every logger's queue, so none is dropped.
    fast(true);
    calls(l, 256);
    drained(&s, 256);
    let warm = s.out.lines();
    fast(false);
    let mut v = Vec::with_capacity(c.slow_bursts * c.burst);
    for b in 0..c.slow_bursts {
        timed_burst(l, c.burst, b * c.burst, &mut v);
        std::thread::sleep(Duration::from_millis(1));
    }
    // Let the sink go fast so the queue drains in seconds, not minutes.
    fast(true);
    let calls = v.len() as u64;
    let fin = logger.finish(None);
    let delivered = s.out.lines() - warm;
    let p = Percentiles::new(v, tpn);
    let said = fin.dropped.map_or("-".to_string(), |d| d.to_string());
    let fields = format!(
        "{} delivered={delivered} dropped={} reported={said}",
        p.fields(),
        calls.saturating_sub(delivered)
    );
    (fields, note)
}
