//! The worker's cost per record, without its threads: `cargo bench --bench pipeline`.
//!
//! End-to-end throughput is bound by the worker (the peer bench's throughput
//! scenario runs three busy threads on two cores), but timing it there mixes
//! in the producer, the sink, the scheduler and the hypervisor: on these VMs
//! one configuration's runs spread over a factor of two. This bench runs the
//! worker's per-record stages (`LoggerBuilder::into_bench_stages`: decode,
//! filters, redaction, envelope JSON into a batch) on the bench's own thread
//! over one encoded standard record, in trials of 10,000 records with the
//! batch handed off (cleared) every 400, and prints the fastest trial and
//! the median. The fastest is the one least disturbed; compare it between
//! builds run in the same session.
//!
//! Set-ups: the default builder (what the peer bench's fapilog runs), and
//! the production and hardened presets, whose redaction scans every value.
//! `PIPELINE_QUICK=1` shrinks the trial count for a smoke run;
//! `PIPELINE_ONLY=default` (or `production`, `hardened`) runs one set-up,
//! e.g. under `valgrind --tool=callgrind` to count instructions.

use std::time::Instant;

use fapilog::record::Callsite;
use fapilog::Level;

static STANDARD: Callsite = Callsite::new(
    Level::Info,
    "bench",
    file!(),
    line!(),
    &["request_id", "user_id", "latency_ms", "path", "status"],
);

/// Records per trial, and per batch hand-off (a 256 KiB batch holds ~500
/// envelope lines of this record).
const PER_TRIAL: usize = 10_000;
const PER_BATCH: usize = 400;

fn standard_record() -> Vec<u8> {
    let mut buf = Vec::new();
    let fields = (
        "req-0123456789ab",
        424_242u64,
        3.25f64,
        "/api/v1/users/42",
        200u16,
    );
    assert!(fapilog::__fuzz::encode_for_test(
        &mut buf,
        &STANDARD,
        1 << 12,
        format_args!("request handled"),
        &fields,
    ));
    buf
}

/// ns per record of the fastest trial and of the median one.
fn run(name: &str, builder: fapilog::LoggerBuilder, trials: usize) {
    let mut stages = builder.into_bench_stages().expect("bench set-up");
    let record = standard_record();
    let mut line_len = 0;
    let mut per_record = Vec::with_capacity(trials);
    for trial in 0..=trials {
        let start = Instant::now();
        for i in 0..PER_TRIAL {
            assert!(stages.process(&record));
            if i % PER_BATCH == PER_BATCH - 1 {
                line_len = stages.batch().len() / PER_BATCH;
                stages.clear();
            }
        }
        let ns = start.elapsed().as_nanos() as f64 / PER_TRIAL as f64;
        // The first trial warms the caches and the batch's buffer.
        if trial > 0 {
            per_record.push(ns);
        }
        stages.clear();
    }
    per_record.sort_by(f64::total_cmp);
    println!(
        "| {name:<34} | {:>10.1} | {:>9.1} | {line_len:>10} |",
        per_record[0],
        per_record[per_record.len() / 2],
    );
}

fn main() {
    let trials = if std::env::var_os("PIPELINE_QUICK").is_some() {
        10
    } else {
        300
    };
    println!("worker stages, one thread, {trials} trials x {PER_TRIAL} standard records\n");
    println!("| set-up                             | fastest ns | median ns | bytes/line |");
    println!("|------------------------------------|------------|-----------|------------|");
    let only = std::env::var("PIPELINE_ONLY").ok();
    let wanted = |name: &str| only.as_deref().is_none_or(|o| o.eq_ignore_ascii_case(name));
    if wanted("default") {
        let name = "default builder (envelope JSON)";
        run(name, fapilog::builder(), trials);
    }
    for preset in [fapilog::Preset::Production, fapilog::Preset::Hardened] {
        if wanted(preset.name()) {
            let name = format!("preset {} (its redaction)", preset.name());
            run(&name, fapilog::builder().preset(preset), trials);
        }
    }
}
