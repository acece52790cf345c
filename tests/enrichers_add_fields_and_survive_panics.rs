//! Enrichers: process fields (runtime, Kubernetes) computed once, custom
//! per-record fields, and a panicking enricher that is counted while the
//! worker and the other enrichers go on.

mod common;

use common::{parse, serial, Collect, Env};
use fapilog::enrich::{EnrichFields, Enricher, RecordInfo};
use fapilog::sink::Format;
use simd_json::prelude::*;

struct Sequence(u64);

impl Enricher for Sequence {
    fn enrich(&mut self, record: &RecordInfo<'_>, fields: &mut EnrichFields<'_, '_>) {
        self.0 += 1;
        fields.u64("seq", self.0);
        fields.str("level_seen", record.level.as_str());
        if record.field("user_id").is_some() {
            fields.bool("has_user", true);
        }
        fields.str("path", "ignored: the record's own field wins");
    }
}

/// Panics on every third record, after adding a field.
struct Flaky(u32);

impl Enricher for Flaky {
    fn enrich(&mut self, _record: &RecordInfo<'_>, fields: &mut EnrichFields<'_, '_>) {
        self.0 += 1;
        fields.str("flaky", "ok");
        if self.0 % 3 == 0 {
            panic!("enricher bug");
        }
    }
}

#[test]
fn custom_enrichers_add_fields_to_every_record() {
    let _serial = serial();
    let envelope = Collect::new(Format::Envelope);
    let flat = Collect::new(Format::Flat);
    let guard = fapilog::builder()
        .sink(envelope.clone())
        .sink(flat.clone())
        .service("api")
        .environment("production")
        .version("1.2.3")
        .enricher(Sequence(0))
        .install()
        .unwrap();
    fapilog::info!(user_id = 7u64, path = "/a", "one");
    fapilog::warn!("two");
    drop(guard);

    let e: Vec<_> = envelope.lines().iter().map(|l| parse(l)).collect();
    assert_eq!(e[0]["log"]["data"]["seq"], 1u64);
    assert_eq!(e[0]["log"]["data"]["has_user"], true);
    assert_eq!(e[0]["log"]["data"]["path"], "/a");
    assert_eq!(e[1]["log"]["data"]["seq"], 2u64);
    assert_eq!(e[1]["log"]["data"]["level_seen"], "WARNING");
    assert_eq!(e[0]["log"]["diagnostics"]["version"], "1.2.3");
    assert_eq!(e[0]["log"]["diagnostics"]["service"], "api");

    let f: Vec<_> = flat.lines().iter().map(|l| parse(l)).collect();
    assert_eq!(
        f[0]["seq"], 1u64,
        "each format sees the same enrichment once"
    );
    assert_eq!(f[0]["service"], "api");
    assert_eq!(f[0]["env"], "production");
    assert_eq!(f[0]["version"], "1.2.3");
    assert_eq!(f[0]["pid"], std::process::id() as u64);
    assert!(f[0]["host"].as_str().is_some_and(|h| !h.is_empty()));
}

#[test]
fn a_panicking_enricher_is_counted_and_the_worker_goes_on() {
    let _serial = serial();
    let sink = Collect::new(Format::Flat);
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {})); // keep the expected panics quiet
    let guard = fapilog::builder()
        .sink(sink.clone())
        .enricher(Flaky(0))
        .enricher(Sequence(0))
        .install()
        .unwrap();
    for i in 0..9u32 {
        fapilog::info!(i, "record");
    }
    drop(guard);
    std::panic::set_hook(previous_hook);

    let lines: Vec<_> = sink.lines().iter().map(|l| parse(l)).collect();
    assert_eq!(lines.len(), 9, "every record is still written");
    for (n, line) in lines.iter().enumerate() {
        assert_eq!(line["seq"], (n + 1) as u64, "the other enricher still runs");
        let panicked = (n + 1) % 3 == 0;
        assert_eq!(
            line.get("flaky").is_none(),
            panicked,
            "a panicking enricher's fields are dropped: {line:?}"
        );
    }
    assert_eq!(fapilog::stats().enricher_panics, 3);
}

#[test]
fn kubernetes_variables_become_process_fields() {
    let _serial = serial();
    let env = Env::set(&[("POD_NAME", "api-7d9f"), ("POD_NAMESPACE", "prod")]);
    let envelope = Collect::new(Format::Envelope);
    let flat = Collect::new(Format::Flat);
    let guard = fapilog::builder()
        .sink(envelope.clone())
        .sink(flat.clone())
        .install()
        .unwrap();
    drop(env);
    fapilog::info!("in a pod");
    drop(guard);
    let e = parse(&envelope.lines()[0]);
    assert_eq!(e["log"]["diagnostics"]["kubernetes"]["pod"], "api-7d9f");
    assert_eq!(e["log"]["diagnostics"]["kubernetes"]["namespace"], "prod");
    let f = parse(&flat.lines()[0]);
    assert_eq!(f["kubernetes.pod"], "api-7d9f");

    let plain = Collect::new(Format::Flat);
    let guard = fapilog::builder()
        .sink(plain.clone())
        .enrich_runtime(false)
        .install()
        .unwrap();
    fapilog::info!("lean");
    drop(guard);
    let p = parse(&plain.lines()[0]);
    assert!(
        p.get("service").is_none() && p.get("pid").is_none(),
        "enrich_runtime(false): {p:?}"
    );
}

/// Calls `fapilog::flush()` from the worker and says what it returned.
struct Flushes(std::sync::Arc<std::sync::Mutex<Vec<bool>>>);

impl Enricher for Flushes {
    fn enrich(&mut self, _: &RecordInfo<'_>, _: &mut EnrichFields<'_, '_>) {
        let flushed = fapilog::flush();
        self.0.lock().unwrap().push(flushed);
    }
}

#[test]
fn a_flush_from_the_worker_returns_at_once_and_holds_nothing_up() {
    let _serial = serial();
    let answers = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = Collect::new(Format::Flat);
    let guard = fapilog::builder()
        .sink(sink.clone())
        .enricher(Flushes(answers.clone()))
        .flush_timeout(std::time::Duration::from_secs(2))
        .install()
        .expect("install");
    fapilog::info!("one");
    let started = std::time::Instant::now();
    // Used to wait the whole flush timeout, as did the worker's own flush.
    assert!(fapilog::flush(), "the caller's flush");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(1),
        "the flush took {:?}",
        started.elapsed()
    );
    assert_eq!(*answers.lock().unwrap(), [false], "the worker's flush");
    assert_eq!(sink.lines().len(), 1);
    drop(guard);
}
