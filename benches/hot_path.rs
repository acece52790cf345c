//! fapilog's own hot-path benchmark: `cargo bench --bench hot_path`.
//!
//! Times every call with the TSC (calibrated against the wall clock) in
//! bursts of 1,000 with a pause after each so the worker keeps up, and
//! reports percentiles. The peer comparison lives in `benches/peers`.
//!
//! Scenarios: a disabled call; the standard record (message + request_id,
//! user_id, latency_ms, path, status) from 1 and from 2 threads to a null
//! sink, and from 1 thread inside a bound context; the same while the only sink sleeps 10 ms per batch (drop policy);
//! end-to-end throughput of 1,000,000 records to a file (lossless).
//! `HOT_PATH_QUICK=1` shrinks the counts for a smoke run.

use std::io::Write;
use std::time::{Duration, Instant};

use fapilog::sink::{Batch, Null, Sink};

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn ticks() -> u64 {
    // SAFETY: RDTSC exists on every x86_64 CPU; the fences keep the timed
    // region from being reordered around the reads.
    unsafe {
        core::arch::x86_64::_mm_lfence();
        let t = core::arch::x86_64::_rdtsc();
        core::arch::x86_64::_mm_lfence();
        t
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn ticks() -> u64 {
    use std::sync::OnceLock;
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_nanos() as u64
}

/// Nanoseconds per tick, measured over 100 ms.
fn ns_per_tick() -> f64 {
    let (t0, i0) = (ticks(), Instant::now());
    std::thread::sleep(Duration::from_millis(100));
    let (t1, i1) = (ticks(), Instant::now());
    (i1 - i0).as_nanos() as f64 / (t1 - t0) as f64
}

fn quick() -> bool {
    std::env::var_os("HOT_PATH_QUICK").is_some()
}

/// `HOT_PATH_ONLY=latency` runs only the 1-thread latency scenario.
fn only_latency() -> bool {
    std::env::var("HOT_PATH_ONLY").is_ok_and(|v| v == "latency")
}

struct Percentiles {
    p50: f64,
    p99: f64,
    p999: f64,
    max: f64,
}

fn percentiles(mut samples: Vec<u64>, ns_per_tick: f64) -> Percentiles {
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize] as f64 * ns_per_tick;
    Percentiles {
        p50: at(0.50),
        p99: at(0.99),
        p999: at(0.999),
        max: at(1.0),
    }
}

fn print_row(name: &str, p: &Percentiles, note: &str) {
    println!(
        "| {name:<34} | {:>7.1} | {:>7.1} | {:>8.1} | {:>9.1} | {note} |",
        p.p50, p.p99, p.p999, p.max
    );
}

#[inline(always)]
fn standard_record(i: u64) {
    let request_id = "req-0123456789ab";
    let path = "/api/v1/users/42";
    fapilog::info!(
        request_id,
        user_id = i,
        latency_ms = 3.25,
        path,
        status = 200u16,
        "request handled"
    );
}

/// Times `bursts` bursts of 1,000 standard records on this thread.
fn timed_bursts(bursts: usize) -> Vec<u64> {
    let mut samples = Vec::with_capacity(bursts * 1000);
    for _ in 0..bursts {
        for i in 0..1000u64 {
            let t0 = ticks();
            standard_record(i);
            let t1 = ticks();
            samples.push(t1 - t0);
        }
        std::thread::sleep(Duration::from_micros(1500));
    }
    samples
}

/// Sleeps 10 ms per batch: a sink much slower than the callers.
struct SlowSink;

impl Sink for SlowSink {
    fn name(&self) -> &str {
        "slow"
    }
    fn write_batch(&mut self, _batch: &Batch) -> std::io::Result<()> {
        std::thread::sleep(Duration::from_millis(10));
        Ok(())
    }
}

fn main() {
    let npt = ns_per_tick();
    let bursts = if quick() { 20 } else { 200 };
    let empty = {
        let mut v = Vec::with_capacity(100_000);
        for _ in 0..100_000 {
            let t0 = ticks();
            let t1 = ticks();
            v.push(t1 - t0);
        }
        percentiles(v, npt)
    };
    println!(
        "fapilog hot path ({} cores; {:.3} ns per TSC tick)",
        num_cpus(),
        npt
    );
    println!(
        "| scenario                           | p50 ns  | p99 ns  | p99.9 ns | max ns    | note |"
    );
    println!(
        "|------------------------------------|---------|---------|----------|-----------|------|"
    );
    print_row(
        "empty timed region (overhead)",
        &empty,
        "not subtracted below",
    );

    // A disabled call: one relaxed load.
    {
        let guard = fapilog::builder()
            .sink(Null::new())
            .level(fapilog::Level::Warning)
            .install()
            .unwrap();
        let mut v = Vec::with_capacity(100_000);
        for i in 0..100_000u64 {
            let t0 = ticks();
            standard_record(i);
            let t1 = ticks();
            v.push(t1 - t0);
        }
        print_row(
            "disabled level",
            &percentiles(v, npt),
            "INFO call, WARNING level",
        );
        drop(guard);
    }

    // 1 producer thread, null sink (envelope JSON still produced).
    {
        let guard = fapilog::builder().sink(Null::new()).install().unwrap();
        standard_record(0); // lease the ring
        let v = timed_bursts(bursts);
        let s = fapilog::stats();
        print_row(
            "1 thread, null sink",
            &percentiles(v, npt),
            &format!("dropped {}", s.dropped),
        );
        drop(guard);
    }

    // The same inside a bound context: one reference count more per call.
    {
        let guard = fapilog::builder().sink(Null::new()).install().unwrap();
        let _ctx = fapilog::bind!(request_id = "req-0123456789ab", tenant = "acme");
        standard_record(0);
        let v = timed_bursts(bursts);
        print_row(
            "1 thread, context bound",
            &percentiles(v, npt),
            "bind!(request_id, tenant)",
        );
        drop(guard);
    }

    if only_latency() {
        return;
    }

    // 2 producer threads.
    {
        let guard = fapilog::builder().sink(Null::new()).install().unwrap();
        let handles: Vec<_> = (0..2)
            .map(|_| {
                std::thread::spawn(move || {
                    standard_record(0);
                    timed_bursts(bursts)
                })
            })
            .collect();
        let v: Vec<u64> = handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        let s = fapilog::stats();
        print_row(
            "2 threads, null sink",
            &percentiles(v, npt),
            &format!("dropped {}", s.dropped),
        );
        drop(guard);
    }

    // Slow sink, drop policy: the caller must not feel the sink.
    {
        let guard = fapilog::builder()
            .sink(SlowSink)
            .backpressure(Duration::ZERO, true)
            .install()
            .unwrap();
        standard_record(0);
        let v = timed_bursts(bursts);
        let s = fapilog::stats();
        print_row(
            "1 thread, sink sleeps 10 ms/batch",
            &percentiles(v, npt),
            &format!("drop policy; dropped {} of {}", s.dropped, s.submitted),
        );
        drop(guard);
    }

    // End-to-end throughput to a file, lossless.
    {
        let n: u64 = if quick() { 100_000 } else { 1_000_000 };
        let dir = std::env::temp_dir().join(format!("fapilog-bench-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let guard = fapilog::builder()
            .sink(fapilog::sink::File::new(&dir).file_name("bench.log"))
            .backpressure(Duration::ZERO, false)
            .install()
            .unwrap();
        let t = Instant::now();
        for i in 0..n {
            standard_record(i);
        }
        assert!(guard.shutdown(), "flushed in time");
        let elapsed = t.elapsed();
        let lines = std::fs::read(dir.join("bench.log"))
            .unwrap()
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        assert_eq!(lines as u64, n, "every record reached the file");
        println!(
            "\nthroughput: {n} envelope records to a file (lossless) in {:.3} s = {:.0} records/s",
            elapsed.as_secs_f64(),
            n as f64 / elapsed.as_secs_f64()
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
    let _ = std::io::stdout().flush();
}

fn num_cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
