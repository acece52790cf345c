//! Four producer threads at full speed: lossless mode delivers every record
//! exactly once and in per-thread order; drop mode counts every loss and says
//! so in the log; protected levels are never dropped to make room for
//! unprotected ones.

mod common;

use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{is_drop_summary, serial, u64_fields, Collect};
use fapilog::sink::{Batch, Format, Sink};
use fapilog::{DropReason, Level};

const THREADS: usize = 4;

/// What [`OrderCheck`] saw.
#[derive(Default)]
struct Seen {
    /// Per producer thread: the next `i` expected (lossless) or one past the
    /// last `i` seen (drop mode).
    next: [u64; THREADS],
    /// Records `{t, i}` seen.
    records: u64,
    /// Every line (records and others).
    lines: u64,
    /// Lines that are not `{t, i}` records (drop summaries), kept whole.
    others: Vec<String>,
    /// The first few order violations.
    errors: Vec<String>,
}

/// A flat-JSON sink that keeps no records: it reads `t` and `i` off the end
/// of each line and checks per-thread order on the fly.
struct OrderCheck {
    /// Gaps allowed (drop mode): `i` must only increase.
    gaps: bool,
    /// Sleep per batch, to make the sink the bottleneck.
    delay: Duration,
    seen: Arc<Mutex<Seen>>,
}

impl Sink for OrderCheck {
    fn name(&self) -> &str {
        "order-check"
    }
    fn format(&self) -> Format {
        Format::Flat
    }
    fn write_batch(&mut self, batch: &Batch) -> io::Result<()> {
        if !self.delay.is_zero() {
            std::thread::sleep(self.delay);
        }
        let mut seen = self.seen.lock().unwrap();
        let seen = &mut *seen;
        for (_, line) in batch.iter() {
            seen.lines += 1;
            let Some([t, i]) = u64_fields(line, ["t", "i"]) else {
                seen.others
                    .push(String::from_utf8_lossy(line).trim_end().to_string());
                continue;
            };
            seen.records += 1;
            let t = t as usize;
            let ok = t < THREADS
                && if self.gaps {
                    i >= seen.next[t]
                } else {
                    i == seen.next[t]
                };
            if ok {
                seen.next[t] = i + 1;
            } else if seen.errors.len() < 10 {
                let expected = seen.next.get(t).copied();
                seen.errors.push(format!(
                    "t={t} i={i}, expected {}{expected:?}",
                    if self.gaps { ">= " } else { "" }
                ));
            }
        }
        Ok(())
    }
}

fn produce(per_thread: u64) {
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            std::thread::spawn(move || {
                for i in 0..per_thread {
                    fapilog::info!(t, i, "s");
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("producer");
    }
}

/// Records per thread in the lossless run: 4 × 1,000,000 takes about 25 s
/// in the unoptimised test profile on a 2-core machine. Under miri, 4 × 50
/// through a 64-slot ring (so the producers wait for space and are woken).
const LOSSLESS_PER_THREAD: u64 = if cfg!(miri) { 50 } else { 1_000_000 };

#[test]
fn lossless_mode_delivers_every_record_of_four_producers_once_and_in_order() {
    let _serial = serial();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let builder = fapilog::builder()
        .sink(OrderCheck {
            gaps: false,
            delay: Duration::ZERO,
            seen: seen.clone(),
        })
        .backpressure(Duration::ZERO, false);
    let builder = if cfg!(miri) {
        builder
            .capacity(64)
            .slot_size(128)
            .flush_timeout(Duration::from_secs(600))
    } else {
        builder.flush_timeout(Duration::from_secs(60))
    };
    let guard = builder.install().expect("install");
    let started = std::time::Instant::now();
    produce(LOSSLESS_PER_THREAD);
    let produced = started.elapsed();
    assert!(guard.shutdown(), "shutdown flushed in time");
    eprintln!(
        "lossless: {} records produced in {produced:?}, delivered in {:?}",
        LOSSLESS_PER_THREAD * THREADS as u64,
        started.elapsed()
    );

    let seen = seen.lock().unwrap();
    assert!(seen.errors.is_empty(), "out of order: {:#?}", seen.errors);
    assert!(
        seen.others.is_empty(),
        "unexpected lines: {:#?}",
        seen.others
    );
    assert_eq!(
        seen.next, [LOSSLESS_PER_THREAD; THREADS],
        "every record once"
    );
    let total = LOSSLESS_PER_THREAD * THREADS as u64;
    assert_eq!(seen.records, total);
    let s = fapilog::stats();
    assert_eq!(s.submitted, total, "{s:#?}");
    assert_eq!(s.processed, total, "{s:#?}");
    assert_eq!(s.delivered, total, "{s:#?}");
    assert_eq!(s.dropped, 0, "{s:#?}");
    assert_eq!(s.queue_depth, 0, "{s:#?}");
}

#[test]
fn drop_mode_counts_every_loss_and_logs_a_summary() {
    let _serial = serial();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let guard = fapilog::builder()
        .sink(OrderCheck {
            gaps: true,
            delay: Duration::from_millis(5),
            seen: seen.clone(),
        })
        .backpressure(Duration::ZERO, true)
        .capacity(64)
        .slot_size(128)
        .batch_records(32)
        .sink_queue(4)
        // No periodic summary during the run: the one written at shutdown
        // must then report every drop.
        .drop_summary_interval(Duration::from_secs(3600))
        .install()
        .expect("install");
    produce(50_000);
    assert!(guard.shutdown(), "shutdown flushed in time");

    let s = fapilog::stats();
    let seen = seen.lock().unwrap();
    assert!(seen.errors.is_empty(), "out of order: {:#?}", seen.errors);
    assert!(
        s.dropped > 0,
        "the slow sink and small ring dropped: {s:#?}"
    );
    assert_eq!(s.submitted, 50_000 * THREADS as u64, "{s:#?}");
    assert_eq!(
        s.submitted,
        s.processed + s.dropped_before_processing(),
        "every submitted record was processed or dropped before: {s:#?}"
    );
    assert_eq!(seen.lines, s.delivered, "the sink got what was counted");
    assert_eq!(
        s.processed + s.drop_summaries,
        s.delivered + s.dropped_for(DropReason::SinkFull) + s.dropped_for(DropReason::SinkError),
        "every processed record (and summary) was delivered or dropped at the sink: {s:#?}"
    );
    assert_eq!(
        seen.records + seen.others.len() as u64,
        seen.lines,
        "records plus summaries"
    );
    assert_eq!(s.drop_summaries, 1, "{s:#?}");
    assert_eq!(
        seen.others.len(),
        1,
        "the shutdown drop summary reached the sink: {s:#?}"
    );
    let line = &seen.others[0];
    assert!(is_drop_summary(line), "unexpected line: {line}");
    let v = common::parse(line);
    use simd_json::prelude::*;
    assert_eq!(v["dropped"].as_u64(), Some(s.dropped), "{line}\n{s:#?}");
    assert_eq!(v["total_dropped"].as_u64(), Some(s.dropped), "{line}");
    assert!(v["window_ms"].as_u64().is_some(), "{line}");
    eprintln!("drop mode: {s:?}");
}

#[test]
fn a_full_ring_drops_info_records_but_never_protected_error_records() {
    let _serial = serial();
    let sink = Collect::new(Format::Flat);
    // 64 slots of 128 bytes; the default reserve is capacity / 8 = 8 slots
    // that only ERROR and above may fill. Each record takes one slot, so
    // however far behind the worker is, INFO stops at 56 slots in use and
    // up to 8 ERROR records still fit: rounds of 400 INFO records with 8
    // ERROR records among them, then a flush that empties the ring.
    const ROUNDS: u64 = 50;
    const PER_ROUND: u64 = 400;
    const ERROR_EVERY: u64 = PER_ROUND / 8;
    let guard = fapilog::builder()
        .sink(sink.clone())
        .backpressure(Duration::ZERO, true)
        .capacity(64)
        .slot_size(128)
        .drop_summary_interval(Duration::from_secs(3600))
        .install()
        .expect("install");
    let mut errors = 0u64;
    for round in 0..ROUNDS {
        for i in 0..PER_ROUND {
            let n = round * PER_ROUND + i;
            if i % ERROR_EVERY == ERROR_EVERY - 1 {
                fapilog::error!(n, "e");
                errors += 1;
            } else {
                fapilog::info!(n, "i");
            }
        }
        assert!(fapilog::flush());
    }
    assert!(guard.shutdown());

    let s = fapilog::stats();
    assert_eq!(s.dropped_at(Level::Error), 0, "{s:#?}");
    assert!(s.dropped_at(Level::Info) > 0, "the ring did fill: {s:#?}");
    assert_eq!(
        s.dropped_for_at(DropReason::QueueFull, Level::Info),
        s.dropped_at(Level::Info),
        "{s:#?}"
    );
    let lines = sink.lines();
    let error_lines: Vec<u64> = lines
        .iter()
        .filter(|l| l.contains(r#""level":"ERROR""#))
        .map(|l| u64_fields(l.as_bytes(), ["n"]).expect("n")[0])
        .collect();
    assert_eq!(error_lines.len() as u64, errors, "every ERROR record");
    let expected: Vec<u64> = (0..ROUNDS * PER_ROUND)
        .filter(|n| n % ERROR_EVERY == ERROR_EVERY - 1)
        .collect();
    assert_eq!(error_lines, expected);
    let info_lines = lines.iter().filter(|l| l.contains(r#""level":"INFO""#));
    assert_eq!(
        info_lines.count() as u64 + s.dropped_at(Level::Info),
        ROUNDS * PER_ROUND - errors,
        "every INFO record delivered or counted"
    );
}

#[test]
fn u64_fields_reads_integer_fields_of_a_flat_line() {
    let line = br#"{"timestamp":"x","level":"INFO","logger":"a","message":"s","t":3,"i":17,"service":"x","pid":9}"#;
    assert_eq!(u64_fields(line, ["t", "i"]), Some([3, 17]));
    assert_eq!(u64_fields(b"{\"x\":1,\"i\":0}\n", ["i"]), Some([0]));
    assert_eq!(u64_fields(line, ["x", "i"]), None, "a missing key");
    assert_eq!(
        u64_fields(b"{\"a\":0,\"t\":\"3\",\"i\":1}", ["t", "i"]),
        None,
        "not an integer"
    );
}
