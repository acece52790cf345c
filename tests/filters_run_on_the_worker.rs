//! Sampling, rate limiting, de-duplication and the size guard, configured on
//! the builder and run on the worker: what they remove is counted, and
//! suppressed duplicates are reported in the log.

mod common;

use common::{parse, serial, Collect};
use fapilog::filter::{Dedupe, RateLimit, Sampling, SizeAction, SizeGuard};
use fapilog::sink::Format;
use simd_json::prelude::*;
use std::time::Duration;

fn install(sink: &Collect, b: fapilog::LoggerBuilder) -> fapilog::Guard {
    b.sink(sink.clone())
        .backpressure(Duration::ZERO, false)
        .install()
        .unwrap()
}

#[test]
fn sampling_keeps_errors_and_counts_what_it_removes() {
    let _serial = serial();
    let sink = Collect::new(Format::Flat);
    let guard = install(&sink, fapilog::builder().sampling(Sampling::new(0.0)));
    for i in 0..50u32 {
        fapilog::info!(i, "sampled out");
        fapilog::error!(i, "always kept");
    }
    drop(guard);
    assert_eq!(sink.lines().len(), 50);
    assert!(sink.lines().iter().all(|l| l.contains("always kept")));
    let s = fapilog::stats();
    assert_eq!(s.sampled_out, 50);
    assert_eq!(s.dropped, 0, "filtering is counted apart from losses");
}

#[test]
fn duplicates_are_suppressed_and_reported() {
    let _serial = serial();
    let sink = Collect::new(Format::Flat);
    let guard = install(
        &sink,
        fapilog::builder().dedupe(Dedupe::new(Duration::from_secs(60))),
    );
    for i in 0..100u32 {
        fapilog::error!(i, "database unreachable");
    }
    fapilog::error!("another error");
    fapilog::info!("infos are not de-duplicated");
    fapilog::info!("infos are not de-duplicated");
    drop(guard);
    let lines: Vec<_> = sink.lines().iter().map(|l| parse(l)).collect();
    let msgs: Vec<_> = lines
        .iter()
        .map(|l| l["message"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        msgs.iter().filter(|m| *m == "database unreachable").count(),
        1
    );
    let report = lines
        .iter()
        .find(|l| {
            l["message"]
                .as_str()
                .unwrap()
                .starts_with("99 duplicate records suppressed")
        })
        .unwrap_or_else(|| panic!("no report in {msgs:?}"));
    assert_eq!(report["suppressed"], 99u64);
    assert_eq!(report["level"], "WARNING");
    assert_eq!(report["logger"], "fapilog");
    assert_eq!(msgs.iter().filter(|m| m.starts_with("infos")).count(), 2);
    assert_eq!(fapilog::stats().deduplicated, 99);
}

#[test]
fn rate_limiting_per_key_counts_what_it_removes() {
    let _serial = serial();
    let sink = Collect::new(Format::Flat);
    let guard = install(
        &sink,
        fapilog::builder().rate_limit(RateLimit::new(0.001, 5).per_key("tenant")),
    );
    for i in 0..20u32 {
        fapilog::info!(tenant = "a", i, "from a");
        fapilog::info!(tenant = "b", i, "from b");
    }
    drop(guard);
    let lines = sink.lines();
    assert_eq!(lines.iter().filter(|l| l.contains("from a")).count(), 5);
    assert_eq!(
        lines.iter().filter(|l| l.contains("from b")).count(),
        5,
        "keys have their own buckets"
    );
    assert_eq!(fapilog::stats().rate_limited, 30);
}

#[test]
fn the_size_guard_cuts_or_drops_oversized_records() {
    let _serial = serial();
    let big = "x".repeat(10_000);
    let sink = Collect::new(Format::Envelope);
    let guard = install(
        &sink,
        fapilog::builder().size_guard(SizeGuard::new(1024, SizeAction::Truncate)),
    );
    fapilog::info!(body = big.as_str(), "large");
    fapilog::info!("small");
    drop(guard);
    let lines = sink.lines();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].len() <= 1024, "{}", lines[0].len());
    let v = parse(&lines[0]);
    assert!(v["log"]["data"]["body"]
        .as_str()
        .unwrap()
        .ends_with("…[truncated]"));
    assert_eq!(fapilog::stats().oversize_truncated, 1);

    let sink = Collect::new(Format::Flat);
    let guard = install(
        &sink,
        fapilog::builder().size_guard(SizeGuard::new(1024, SizeAction::Drop)),
    );
    fapilog::info!(body = big.as_str(), "large");
    fapilog::info!("small");
    drop(guard);
    assert_eq!(sink.lines().len(), 1);
    assert_eq!(fapilog::stats().oversize_dropped, 1);
}

#[test]
fn invalid_filter_settings_fail_the_install_naming_them() {
    let _serial = serial();
    let e = fapilog::builder()
        .sampling(Sampling::new(1.5))
        .install()
        .expect_err("rate above 1");
    assert!(e.to_string().contains("sampling.rate"), "{e}");
    let e = fapilog::builder()
        .size_guard(SizeGuard::new(10, SizeAction::Drop))
        .install()
        .expect_err("too small");
    assert!(e.to_string().contains("size_guard.max_bytes"), "{e}");
}

#[test]
fn the_filters_never_remove_the_summary_of_dropped_records() {
    let _serial = serial();
    let sink = Collect::new(Format::Flat);
    // Sampling out every WARNING-and-below record and a tiny ring in drop
    // mode: records are lost, and each summary saying so must still arrive.
    let guard = fapilog::builder()
        .sink(sink.clone())
        .capacity(64)
        .slot_size(64)
        .backpressure(Duration::ZERO, true)
        .sampling(Sampling::new(0.0))
        .install()
        .unwrap();
    for i in 0..100_000u64 {
        fapilog::info!(i, "record {}", i);
    }
    assert!(guard.shutdown());
    let s = fapilog::stats();
    assert!(s.dropped > 0, "the tiny ring dropped records");
    let summaries = sink
        .lines()
        .iter()
        .filter(|l| l.contains("records in the last"))
        .count() as u64;
    assert!(summaries > 0);
    assert_eq!(
        summaries, s.drop_summaries,
        "every summary counted reached the sink"
    );
}

#[test]
fn audit_and_security_records_are_never_filtered_as_noise() {
    let _serial = serial();
    let sink = Collect::new(Format::Flat);
    let guard = install(
        &sink,
        fapilog::builder()
            .sampling(Sampling::new(0.0).sample_errors(true))
            .rate_limit(RateLimit::new(1.0, 5))
            .dedupe(Dedupe::new(Duration::from_secs(60))),
    );
    for i in 0..10u32 {
        fapilog::info!(i, "noise");
    }
    for user in 0..3u32 {
        fapilog::audit!(user, "login");
        fapilog::security!(user, "password changed");
    }
    drop(guard);
    let kept = |message: &str| {
        let needle = format!(r#""message":"{message}""#);
        sink.lines().iter().filter(|l| l.contains(&needle)).count()
    };
    assert_eq!(kept("noise"), 0);
    assert_eq!(kept("login"), 3);
    assert_eq!(kept("password changed"), 3);
}

#[test]
fn the_size_guard_counts_each_record_once_whatever_the_number_of_formats() {
    let _serial = serial();
    let big = "x".repeat(10_000);
    let flat = Collect::new(Format::Flat);
    let envelope = Collect::new(Format::Envelope);
    let guard = fapilog::builder()
        .sink(flat.clone())
        .sink(envelope.clone())
        .size_guard(SizeGuard::new(1024, SizeAction::Drop))
        .install()
        .unwrap();
    fapilog::info!(body = big.as_str(), "large");
    fapilog::info!("small");
    drop(guard);
    assert_eq!(flat.lines().len(), 1);
    assert_eq!(envelope.lines().len(), 1);
    assert_eq!(
        fapilog::stats().oversize_dropped,
        1,
        "one record, two formats"
    );
}
