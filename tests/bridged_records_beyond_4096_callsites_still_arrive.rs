//! The bridges make at most 4,096 callsites each (features `log` and
//! `tracing`). Past that, records still arrive, through a shared callsite
//! per level whose logger is `log` or `tracing`: the real target becomes a
//! field, the key-values or fields one text field, and per-target
//! directives still match the real target. Callsites made before the table
//! filled keep working.
#![cfg(all(feature = "log", feature = "tracing"))]

mod common;

use std::sync::OnceLock;

use common::{parse, Collect};
use fapilog::sink::Format;
use simd_json::prelude::*;
use tracing_core::callsite::{Callsite, Identifier};
use tracing_core::field::{FieldSet, Value};
use tracing_core::metadata::Kind;
use tracing_core::subscriber::Interest;
use tracing_core::{Event, Level, Metadata};

/// A `tracing` callsite made at run time (leaked, as `tracing`'s own are
/// `static`): each has its own metadata, so each is a callsite to the
/// bridge.
struct Leaked(OnceLock<&'static Metadata<'static>>);

impl Callsite for Leaked {
    fn set_interest(&self, _: Interest) {}
    fn metadata(&self) -> &Metadata<'_> {
        self.0.get().unwrap()
    }
}

fn event_metadata(target: String, level: Level) -> &'static Metadata<'static> {
    let callsite: &'static Leaked = Box::leak(Box::new(Leaked(OnceLock::new())));
    let metadata: &'static Metadata<'static> = Box::leak(Box::new(Metadata::new(
        "event",
        Box::leak(target.into_boxed_str()),
        level,
        Some(file!()),
        Some(line!()),
        Some(module_path!()),
        FieldSet::new(&["message", "a"], Identifier(callsite)),
        Kind::EVENT,
    )));
    callsite.0.set(metadata).unwrap();
    metadata
}

/// Dispatches an event of `metadata` with `message` and `a = 1`.
fn dispatch(metadata: &'static Metadata<'static>, message: &str) {
    let fields = metadata.fields();
    let (m, a) = (fields.field("message").unwrap(), fields.field("a").unwrap());
    let message = format_args!("{message}");
    let values: [(&_, Option<&dyn Value>); 2] = [(&m, Some(&message)), (&a, Some(&1i64))];
    Event::dispatch(metadata, &fields.value_set(&values));
}

/// One `log` callsite, the same every call.
fn log_early() {
    log::info!(target: "dep::early", n = 1; "early log");
}

#[test]
fn records_past_the_callsite_tables_arrive_with_their_target_and_fields_as_fields() {
    let sink = Collect::new(Format::Flat);
    let guard = fapilog::builder()
        .sink(sink.clone())
        .directives("info,dep::quiet=error")
        .install()
        .unwrap();
    fapilog::integrations::log::init().unwrap();
    fapilog::integrations::tracing::init().unwrap();
    let early_tracing = event_metadata("dep::early".into(), Level::INFO);
    log_early();
    dispatch(early_tracing, "early tracing");

    // Fill both tables. INFO passes the level gate, so each call makes its
    // callsite, and its target's directive then drops it: nothing is logged.
    for i in 0..4_096 {
        let target = format!("dep::quiet::t{i}");
        log::info!(target: &target, "fill");
        dispatch(event_metadata(target, Level::INFO), "fill");
    }

    log_early();
    dispatch(early_tracing, "early tracing");
    log::warn!(target: "dep::late", a = 1, b = "x"; "late {}", 1);
    log::info!(target: "dep::quiet::late", "filtered by its real target");
    dispatch(
        event_metadata("dep::late".into(), Level::WARN),
        "late tracing",
    );
    dispatch(
        event_metadata("dep::quiet::late".into(), Level::INFO),
        "filtered by its real target",
    );
    drop(guard);

    let lines: Vec<_> = sink.lines().iter().map(|l| parse(l)).collect();
    let summary: Vec<_> = lines
        .iter()
        .map(|l| {
            (
                l["logger"].as_str().unwrap(),
                l["message"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("dep::early", "early log"),
            ("dep::early", "early tracing"),
            ("dep::early", "early log"),
            ("dep::early", "early tracing"),
            ("log", "late 1"),
            ("tracing", "late tracing"),
        ],
        "{:#?}",
        sink.lines()
    );
    assert_eq!(
        lines[2]["n"].as_i64(),
        Some(1),
        "an early callsite keeps its fields"
    );
    assert_eq!(lines[3]["a"].as_i64(), Some(1));
    let log = &lines[4];
    assert_eq!(log["level"], "WARNING");
    assert_eq!(log["log.target"], "dep::late");
    assert_eq!(log["log.kv"], "a=1 b=x");
    let tracing = &lines[5];
    assert_eq!(tracing["level"], "WARNING");
    assert_eq!(tracing["tracing.target"], "dep::late");
    assert_eq!(tracing["tracing.fields"], "a=1");
}
