//! Timing, percentiles, allocation counting, counting/slow writers, tables.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------- timing

/// A raw timestamp: TSC ticks on x86_64, nanoseconds elsewhere.
#[inline(always)]
pub fn ticks() -> u64 {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `lfence` and `rdtsc` are available on every x86_64 CPU.
    unsafe {
        use core::arch::x86_64::{_mm_lfence, _rdtsc};
        _mm_lfence();
        let t = _rdtsc();
        _mm_lfence();
        t
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        use std::sync::OnceLock;
        static EPOCH: OnceLock<Instant> = OnceLock::new();
        EPOCH.get_or_init(Instant::now).elapsed().as_nanos() as u64
    }
}

/// Ticks per nanosecond, measured against `Instant` over `window`.
pub fn calibrate(window: Duration) -> f64 {
    let (i0, t0) = (Instant::now(), ticks());
    while i0.elapsed() < window {
        std::hint::spin_loop();
    }
    let (t1, ns) = (ticks(), i0.elapsed().as_nanos() as f64);
    (t1 - t0) as f64 / ns
}

/// The tick rate shared by parent and children (`PEERS_TICKS_PER_NS`).
pub fn ticks_per_ns() -> f64 {
    std::env::var("PEERS_TICKS_PER_NS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| calibrate(Duration::from_millis(100)))
}

/// Sorted samples, reported in nanoseconds.
pub struct Percentiles {
    sorted: Vec<u64>,
    ticks_per_ns: f64,
}

impl Percentiles {
    pub fn new(mut samples: Vec<u64>, ticks_per_ns: f64) -> Percentiles {
        samples.sort_unstable();
        Percentiles {
            sorted: samples,
            ticks_per_ns,
        }
    }

    /// The `q`-quantile (0..=1) in ns, nearest-rank.
    pub fn ns(&self, q: f64) -> f64 {
        if self.sorted.is_empty() {
            return f64::NAN;
        }
        let rank = ((q * self.sorted.len() as f64).ceil() as usize).clamp(1, self.sorted.len());
        self.sorted[rank - 1] as f64 / self.ticks_per_ns
    }

    /// The mean in ns of the samples below the 99th percentile (the timer
    /// counts in steps of about 10 ns here, so quantiles move in steps too;
    /// a mean shows what lies between them, and trimming keeps interrupts
    /// out of it).
    pub fn trimmed_mean_ns(&self) -> f64 {
        let kept = &self.sorted[..(self.sorted.len() * 99 / 100).max(1).min(self.sorted.len())];
        kept.iter().map(|&t| t as f64).sum::<f64>() / kept.len() as f64 / self.ticks_per_ns
    }

    /// `p50=.. mean=.. p99=.. p999=.. max=.. n=..` for a result line.
    pub fn fields(&self) -> String {
        format!(
            "p50={:.1} mean={:.1} p99={:.1} p999={:.1} max={:.1} n={}",
            self.ns(0.5),
            self.trimmed_mean_ns(),
            self.ns(0.99),
            self.ns(0.999),
            self.ns(1.0),
            self.sorted.len()
        )
    }
}

/// Distribution of an empty timed region: what every sample includes.
pub fn empty_region(ticks_per_ns: f64) -> Percentiles {
    timed_region(ticks_per_ns, || std::hint::black_box(()))
}

/// Distribution of a timed region holding one bare `rdtsc` (no fences):
/// the floor of a log call that reads the clock on the caller's thread, as
/// fapilog does with `rdtsc` itself. The closing fence waits for the read
/// to complete, so its latency counts in full.
pub fn clock_read_region(ticks_per_ns: f64) -> Percentiles {
    timed_region(ticks_per_ns, || {
        std::hint::black_box(raw_clock());
    })
}

/// 100,000 samples of a timed region holding `body`.
fn timed_region(ticks_per_ns: f64, body: impl Fn()) -> Percentiles {
    let mut v = Vec::with_capacity(100_000);
    for _ in 0..100_000 {
        let t0 = ticks();
        body();
        v.push(ticks() - t0);
    }
    Percentiles::new(v, ticks_per_ns)
}

/// One unfenced clock read, as a logger's timestamp takes it.
#[inline(always)]
fn raw_clock() -> u64 {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `rdtsc` is available on every x86_64 CPU.
    unsafe {
        core::arch::x86_64::_rdtsc()
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
    }
}

// ------------------------------------------------------ allocation count

/// Counts allocations made by threads that switched counting on.
pub struct CountingAlloc;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
    static BYTES: Cell<u64> = const { Cell::new(0) };
}

fn note_alloc(size: usize) {
    let _ = COUNTING.try_with(|on| {
        if on.get() {
            ALLOCS.with(|a| a.set(a.get() + 1));
            BYTES.with(|b| b.set(b.get() + size as u64));
        }
    });
}

// SAFETY: every method forwards to `System` unchanged; counting only touches
// const-initialized thread locals, which never allocate.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_alloc(layout.size());
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_alloc(layout.size());
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_alloc(new_size);
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// Switches counting on or off for the calling thread.
pub fn count_allocs(on: bool) {
    COUNTING.with(|c| c.set(on));
}

/// (allocations, bytes) counted on this thread so far.
pub fn alloc_counts() -> (u64, u64) {
    (ALLOCS.with(Cell::get), BYTES.with(Cell::get))
}

// ------------------------------------------------------------- writers

/// Where the records of one run end up, and its shared counters.
#[derive(Clone)]
pub struct Output {
    /// Newline bytes that reached the innermost writer.
    pub lines: Arc<AtomicU64>,
    /// While true, a slow writer sleeps [`SLOW_WRITE`] per `write` call.
    pub slow: Arc<AtomicBool>,
    /// Sleep on writes at all (the slow-sink scenario).
    pub slow_sink: bool,
}

/// The sleep of the slow sink per write call.
pub const SLOW_WRITE: Duration = Duration::from_millis(10);

impl Output {
    pub fn new(slow_sink: bool) -> Output {
        Output {
            lines: Arc::new(AtomicU64::new(0)),
            slow: Arc::new(AtomicBool::new(slow_sink)),
            slow_sink,
        }
    }

    /// A writer that discards bytes, counting lines (and sleeping if slow).
    pub fn writer(&self) -> Counting<io::Sink> {
        self.wrap(io::sink())
    }

    /// `inner`, with lines counted (and sleeping if slow).
    pub fn wrap<W: Write>(&self, inner: W) -> Counting<W> {
        Counting {
            inner,
            lines: self.lines.clone(),
            slow: self.slow_sink.then(|| self.slow.clone()),
        }
    }

    /// Called by sinks that write a whole batch at once (fapilog).
    pub fn on_write(&self, lines: u64) {
        if self.slow_sink && self.slow.load(Ordering::Relaxed) {
            std::thread::sleep(SLOW_WRITE);
        }
        self.lines.fetch_add(lines, Ordering::Release);
    }

    pub fn lines(&self) -> u64 {
        self.lines.load(Ordering::Acquire)
    }

    /// Waits until `n` lines have been written; false on timeout.
    pub fn wait_lines(&self, n: u64, timeout: Duration) -> bool {
        let start = Instant::now();
        while self.lines() < n {
            if start.elapsed() > timeout {
                return false;
            }
            std::thread::sleep(Duration::from_micros(100));
        }
        true
    }
}

/// A writer that counts the newlines passing through it.
pub struct Counting<W> {
    inner: W,
    lines: Arc<AtomicU64>,
    slow: Option<Arc<AtomicBool>>,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(slow) = &self.slow {
            if slow.load(Ordering::Relaxed) {
                std::thread::sleep(SLOW_WRITE);
            }
        }
        let n = self.inner.write(buf)?;
        let nl = buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
        self.lines.fetch_add(nl, Ordering::Release);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Writes `bytes` to a scratch file in `dir`, then deletes it; returns how
/// long that took.
///
/// These VMs seem to hand memory the guest has not used for a while back
/// to the host (as free page reporting does), and taking it back costs
/// time: growing the page cache by 500 MB after an idle spell was measured
/// at 0.6 s of the writer's system time, against 0.2 s right after a run
/// had freed the same amount. Which of the two a logger's run met depended on
/// what ran before it. Cycling as many pages as the run will write through
/// the page cache just before it puts every logger in the second case.
pub fn warm_page_cache(dir: &std::path::Path, bytes: u64) -> Duration {
    let t0 = Instant::now();
    let path = dir.join("page-cache-warm-up");
    let chunk = vec![b'x'; 1 << 20];
    let mut f = std::fs::File::create(&path).expect("warm-up file");
    let mut left = bytes;
    while left > 0 {
        let n = left.min(chunk.len() as u64) as usize;
        f.write_all(&chunk[..n]).expect("warm-up write");
        left -= n as u64;
    }
    drop(f);
    std::fs::remove_file(&path).expect("remove warm-up file");
    t0.elapsed()
}

/// Newlines in every regular file under `dir` (a logger may rotate).
pub fn count_file_lines(dir: &std::path::Path) -> io::Result<u64> {
    let mut n = 0;
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        if p.is_file() {
            n += std::fs::read(&p)?.iter().filter(|&&b| b == b'\n').count() as u64;
        }
    }
    Ok(n)
}

// -------------------------------------------------------------- machine

pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let nproc = std::thread::available_parallelism().map_or(0, |n| n.get());
    let clock =
        std::fs::read_to_string("/sys/devices/system/clocksource/clocksource0/current_clocksource")
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|_| "?".into());
    format!(
        "nproc={nproc}  cpu={cpu}  clocksource={clock}  loadavg={}",
        loadavg()
    )
}

/// The 1/5/15-minute load averages: other work on the machine skews results.
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

// --------------------------------------------------------------- tables

/// A plain-text table with right-aligned numeric columns.
pub struct Table {
    pub title: String,
    pub head: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(title: impl Into<String>, head: &[&str]) -> Table {
        Table {
            title: title.into(),
            head: head.iter().map(|s| s.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn print(&self) {
        let cols = self.head.len();
        let mut w = vec![0; cols];
        for r in std::iter::once(&self.head).chain(&self.rows) {
            for (i, c) in r.iter().enumerate().take(cols) {
                w[i] = w[i].max(c.chars().count());
            }
        }
        println!("\n## {}\n", self.title);
        let line = |r: &Vec<String>| {
            let cells: Vec<String> = (0..cols)
                .map(|i| {
                    let c = r.get(i).map_or("", String::as_str);
                    // First and last (notes) column left-aligned, numbers right.
                    if i == 0 || i == cols - 1 {
                        format!("{c:<0$}", w[i])
                    } else {
                        format!("{c:>0$}", w[i])
                    }
                })
                .collect();
            println!("| {} |", cells.join(" | ").trim_end());
        };
        line(&self.head);
        println!(
            "|{}|",
            w.iter()
                .map(|n| "-".repeat(n + 2))
                .collect::<Vec<_>>()
                .join("|")
        );
        for r in &self.rows {
            line(r);
        }
    }
}

/// `peer / fapilog`, or "n/a" without a fapilog figure.
pub fn ratio(peer: Option<f64>, fapilog: Option<f64>) -> String {
    match (peer, fapilog) {
        (Some(p), Some(f)) if f > 0.0 => format!("{:.2}x", p / f),
        (Some(0.0), Some(_)) => "1.00x".into(),
        (Some(_), Some(_)) => "inf (fapilog 0)".into(),
        _ => "n/a".into(),
    }
}
