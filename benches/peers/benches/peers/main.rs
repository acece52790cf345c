//! Peer comparison: fapilog vs tracing, slog, ftlog and spdlog-rs.
//!
//! `cargo bench -p fapilog-peer-bench [-- --loggers=a,b --scenarios=x,y]`
//! (or `PEERS_LOGGERS` / `PEERS_SCENARIOS`); `PEERS_QUICK=1` for a smoke run.
//!
//! Most of these loggers are process-global, so the parent runs every
//! (scenario, logger) pair in a fresh child process (this binary again, with
//! `PEERS_CHILD="<scenario> <logger>"`) and tabulates the `@result` lines the
//! children print.

mod harness;
mod loggers;
mod scenarios;

use harness::{ratio, Table};
use scenarios::{Counts, NAMES};
use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[global_allocator]
static ALLOC: harness::CountingAlloc = harness::CountingAlloc;

fn main() {
    if let Ok(child) = std::env::var("PEERS_CHILD") {
        let (scenario, name) = child
            .split_once(' ')
            .expect("PEERS_CHILD=<scenario> <logger>");
        let build = loggers::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("unknown logger {name}"))
            .1;
        scenarios::run(scenario, name, build, Counts::get());
        return;
    }
    parent();
}

/// `--key=a,b`, `--key a,b` or env `var`, else everything in `all`.
fn selection(key: &str, var: &str, all: &[&'static str]) -> Vec<&'static str> {
    let args: Vec<String> = std::env::args().collect();
    let flag = format!("--{key}");
    let from_args = args.iter().enumerate().find_map(|(i, a)| {
        a.strip_prefix(&format!("{flag}="))
            .map(str::to_string)
            .or_else(|| (*a == flag).then(|| args.get(i + 1).cloned()).flatten())
    });
    match from_args.or_else(|| std::env::var(var).ok()) {
        Some(list) => {
            let want: Vec<&str> = list.split(',').map(str::trim).collect();
            for w in &want {
                if !all.contains(w) {
                    eprintln!("ignoring unknown {key} {w:?} (known: {})", all.join(","));
                }
            }
            all.iter().copied().filter(|n| want.contains(n)).collect()
        }
        None => all.to_vec(),
    }
}

/// One child's parsed `@result` line.
struct Row {
    name: &'static str,
    fields: HashMap<String, String>,
    note: String,
    error: Option<String>,
}

impl Row {
    fn num(&self, k: &str) -> Option<f64> {
        self.fields.get(k).and_then(|v| v.parse().ok())
    }
    fn cell(&self, k: &str, digits: usize) -> String {
        match (self.num(k), self.fields.get(k)) {
            (Some(v), _) => format!("{v:.digits$}"),
            (None, Some(s)) => s.clone(),
            (None, None) => "-".into(),
        }
    }
}

/// Median of every numeric field over runs of one logger (`lines` takes the
/// minimum, so a lossy run is never hidden); `p50_range` keeps the spread.
fn median_row(runs: Vec<Row>) -> Row {
    if let Some(bad) = runs.iter().position(|r| r.error.is_some()) {
        return runs.into_iter().nth(bad).expect("index from position");
    }
    let values = |k: &str| {
        let mut xs: Vec<f64> = runs.iter().filter_map(|r| r.num(k)).collect();
        xs.sort_by(f64::total_cmp);
        xs
    };
    let mut fields = runs[0].fields.clone();
    for (k, v) in fields.iter_mut() {
        let xs = values(k);
        if xs.len() == runs.len() {
            *v = if k == "lines" {
                xs[0]
            } else {
                xs[xs.len() / 2]
            }
            .to_string();
        }
    }
    let p50 = values("p50");
    if let (Some(lo), Some(hi)) = (p50.first(), p50.last()) {
        fields.insert("p50_range".into(), format!("{lo:.0}-{hi:.0}"));
    }
    Row {
        name: runs[0].name,
        fields,
        note: runs[0].note.clone(),
        error: None,
    }
}

fn run_child(scenario: &str, name: &'static str, tpn: f64) -> Row {
    let exe = std::env::current_exe().expect("current exe");
    let out = Command::new(exe)
        .env("PEERS_CHILD", format!("{scenario} {name}"))
        .env("PEERS_TICKS_PER_NS", tpn.to_string())
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .expect("spawn child");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find_map(|l| l.strip_prefix("@result "));
    match (out.status.success(), line) {
        (true, Some(line)) => {
            let (kv, note) = line.split_once(" ;; ").unwrap_or((line, ""));
            let fields = kv
                .split_whitespace()
                .filter_map(|p| p.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            Row {
                name,
                fields,
                note: note.to_string(),
                error: None,
            }
        }
        _ => Row {
            name,
            fields: HashMap::new(),
            note: String::new(),
            error: Some(format!("failed ({})", out.status)),
        },
    }
}

fn parent() {
    let names: Vec<&'static str> = loggers::ALL.iter().map(|(n, _)| *n).collect();
    let loggers = selection("loggers", "PEERS_LOGGERS", &names);
    let scenarios = selection("scenarios", "PEERS_SCENARIOS", NAMES);
    let c = Counts::get();
    let tpn = harness::calibrate(Duration::from_millis(200));
    let tpn2 = harness::calibrate(Duration::from_millis(200));
    let empty = harness::empty_region(tpn);
    let clock_read = harness::clock_read_region(tpn);

    println!("# fapilog peer comparison\n");
    println!("machine: {}", harness::machine());
    let load1: f64 = harness::loadavg()
        .split_whitespace()
        .next()
        .and_then(|l| l.parse().ok())
        .unwrap_or(0.0);
    let nproc = std::thread::available_parallelism().map_or(1, |n| n.get());
    if load1 > nproc as f64 * 0.75 {
        println!("WARNING: 1-minute load {load1} on {nproc} CPUs: other work is running; tails (p99+) will be noisy");
    }
    println!(
        "timer: rdtsc (lfence-fenced), {tpn:.4} ticks/ns (recalibrated: {tpn2:.4}); \
         empty timed region p50={:.1} ns p99={:.1} ns — included in every latency below, not subtracted; \
         the region with one bare clock read (rdtsc, the floor of a call that timestamps on the caller's thread) \
         p50={:.1} ns, mean below p99 {:.1} ns (empty: {:.1} ns)",
        empty.ns(0.5),
        empty.ns(0.99),
        clock_read.ns(0.5),
        clock_read.trimmed_mean_ns(),
        empty.trimmed_mean_ns()
    );
    println!(
        "counts: {} bursts x {} calls/thread (latency), {} records (throughput), {} calls (allocs), {} calls (slow); \
         each (scenario, logger) run {} times in fresh processes, loggers interleaved, median reported{}",
        c.bursts,
        c.burst,
        c.throughput,
        c.alloc_bursts * c.burst,
        c.slow_bursts * c.burst,
        c.repeat,
        if c.bursts < 200 { "  [PEERS_QUICK]" } else { "" }
    );
    println!(
        "record: info \"request handled\" request_id(&str,16) user_id(u64) latency_ms(f64) path(&str) status(u16); JSON lines"
    );
    if !names.contains(&"fapilog") {
        println!("fapilog: not selected; ratio columns read n/a");
    }
    let started = Instant::now();
    for scenario in scenarios {
        // Rounds interleave the loggers so slow drifts in machine load hit
        // every logger alike; each figure is then the median over rounds.
        let mut runs: Vec<Vec<Row>> = loggers.iter().map(|_| Vec::new()).collect();
        for _ in 0..c.repeat {
            for (i, &name) in loggers.iter().enumerate() {
                runs[i].push(run_child(scenario, name, tpn));
            }
        }
        let rows: Vec<Row> = runs.into_iter().map(median_row).collect();
        table(scenario, &rows, c).print();
    }
    println!(
        "\ntotal wall time: {:.1} s; loadavg at end: {}",
        started.elapsed().as_secs_f64(),
        harness::loadavg()
    );
}

fn table(scenario: &str, rows: &[Row], c: Counts) -> Table {
    let fap = rows
        .iter()
        .find(|r| r.name == "fapilog" && r.error.is_none());
    let fv = |k: &str| fap.and_then(|f| f.num(k));
    let lat_ratio = |r: &Row| {
        format!(
            "{} / {}",
            ratio(r.num("p50"), fv("p50")),
            ratio(r.num("p99"), fv("p99"))
        )
    };
    let mut t = match scenario {
        "lat1" | "lat2" => {
            let threads = if scenario == "lat1" { 1 } else { 2 };
            Table::new(
                format!(
                    "{}. Per-call latency, {threads} producer thread{} (ns; bursts of {} per thread, drained between; sink: counting null writer)",
                    threads,
                    if threads == 1 { "" } else { "s" },
                    c.burst
                ),
                &["logger", "p50", "mean < p99", "p99", "p99.9", "max", "p50 min-max", "samples", "ratio to fapilog (p50 / p99)", "notes"],
            )
        }
        "throughput" => Table::new(
            format!(
                "3. End-to-end throughput, {} records to a file, lossless, 1 producer",
                c.throughput
            ),
            &[
                "logger",
                "records/s",
                "total s",
                "calls done s",
                "lines in file",
                "bytes/line",
                "page-cache warm-up s",
                "ratio to fapilog (records/s)",
                "notes",
            ],
        ),
        "allocs" => Table::new(
            "4. Allocations per call on the calling thread (after warm-up)",
            &[
                "logger",
                "allocs/call",
                "bytes/call",
                "ratio to fapilog (allocs/call)",
                "notes",
            ],
        ),
        _ => Table::new(
            "5. Slow sink (10 ms per write call), drop mode, queue 1,024 records",
            &[
                "logger",
                "p50 ns",
                "p99 ns",
                "p99.9 ns",
                "max ns",
                "p50 min-max",
                "delivered",
                "dropped (sink count)",
                "dropped (logger says)",
                "ratio to fapilog (p50 / p99)",
                "notes",
            ],
        ),
    };
    for r in rows {
        let mut cells = vec![r.name.to_string()];
        if let Some(e) = &r.error {
            cells.push(e.clone());
            t.rows.push(cells);
            continue;
        }
        match scenario {
            "lat1" | "lat2" => cells.extend([
                r.cell("p50", 0),
                r.cell("mean", 1),
                r.cell("p99", 0),
                r.cell("p999", 0),
                r.cell("max", 0),
                r.cell("p50_range", 0),
                r.cell("n", 0),
                lat_ratio(r),
            ]),
            "throughput" => {
                let ok = r.fields.get("lines") == r.fields.get("expected");
                cells.extend([
                    r.cell("rps", 0),
                    r.cell("total_s", 3),
                    r.cell("calls_s", 3),
                    format!(
                        "{}{}",
                        r.cell("lines", 0),
                        if ok { "" } else { " (MISMATCH)" }
                    ),
                    r.cell("bytes_per_line", 0),
                    r.cell("warm_s", 2),
                    ratio(r.num("rps"), fv("rps")),
                ]);
            }
            "allocs" => cells.extend([
                r.cell("allocs_per_call", 2),
                r.cell("bytes_per_call", 0),
                ratio(r.num("allocs_per_call"), fv("allocs_per_call")),
            ]),
            _ => cells.extend([
                r.cell("p50", 0),
                r.cell("p99", 0),
                r.cell("p999", 0),
                r.cell("max", 0),
                r.cell("p50_range", 0),
                r.cell("delivered", 0),
                r.cell("dropped", 0),
                r.cell("reported", 0),
                lat_ratio(r),
            ]),
        }
        cells.push(r.note.clone());
        t.rows.push(cells);
    }
    t
}
