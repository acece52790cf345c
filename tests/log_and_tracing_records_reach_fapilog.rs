//! Records that dependencies log through the `log` facade or `tracing`
//! reach fapilog's sinks (features `log` and `tracing`): with their level,
//! target, message and typed fields; filtered by fapilog's level and
//! per-target directives, which the facades' own maximum levels follow; and
//! dropped and counted `reentrant` when a sink logs through them.
#![cfg(all(feature = "log", feature = "tracing"))]

mod common;

use std::fmt;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Once};
use std::time::Duration;

use common::{serial, Collect};
use fapilog::sink::{Batch, Format, Sink};
use fapilog::{DropReason, Level};
use simd_json::prelude::*;
use tracing::level_filters::LevelFilter;

/// Both bridges, once per process (each facade takes one logger).
fn bridges() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        fapilog::integrations::log::init().expect("log bridge");
        fapilog::integrations::tracing::init().expect("tracing bridge");
    });
}

struct Shown;
impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("shown")
    }
}

fn messages(sink: &Collect) -> Vec<String> {
    sink.records()
        .iter()
        .map(|l| l["message"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_log_record_arrives_with_its_level_target_message_and_typed_key_values() {
    let _serial = serial();
    bridges();
    let sink = Collect::new(Format::Envelope);
    let guard = fapilog::builder().sink(sink.clone()).install().unwrap();
    assert_eq!(
        log::max_level(),
        log::LevelFilter::Info,
        "set from fapilog's level"
    );

    fapilog::info!("a macro record");
    log::warn!(target: "dep", "x {}", 1);
    log::error!("literal");
    log::info!(
        target: "dep::kv",
        i = -3i64, u = 7u64, f = 1.5, b = true, s = "text", c = 'c', wide = 5u128,
        big = u128::MAX, shown:% = Shown, dbg:? = vec![1, 2];
        "kv {}", "message"
    );
    log::debug!(target: "dep", "below the level");
    drop(guard);
    assert_eq!(fapilog::stats().submitted, 4, "{:#?}", fapilog::stats());

    let got = sink.records();
    assert_eq!(got.len(), 4, "{:#?}", sink.lines());
    let warn = &got[1]["log"];
    assert_eq!(warn["level"], "WARNING");
    assert_eq!(warn["logger"], "dep");
    assert_eq!(warn["message"], "x 1");
    let error = &got[2]["log"];
    assert_eq!(error["level"], "ERROR");
    assert_eq!(error["logger"], module_path!(), "the default target");
    assert_eq!(error["message"], "literal");
    let kv = &got[3]["log"];
    assert_eq!(
        (kv["level"].as_str(), kv["logger"].as_str()),
        (Some("INFO"), Some("dep::kv"))
    );
    assert_eq!(kv["message"], "kv message");
    let data = &kv["data"];
    assert_eq!(data["i"].as_i64(), Some(-3));
    assert_eq!(data["u"].as_u64(), Some(7));
    assert_eq!(data["f"].as_f64(), Some(1.5));
    assert_eq!(data["b"].as_bool(), Some(true));
    assert_eq!(data["s"].as_str(), Some("text"));
    assert_eq!(data["c"].as_str(), Some("c"));
    assert_eq!(data["wide"].as_u64(), Some(5));
    assert_eq!(
        data["big"].as_str(),
        Some("340282366920938463463374607431768211455"),
        "as fapilog writes a u128 beyond u64"
    );
    assert_eq!(data["shown"].as_str(), Some("shown"));
    assert_eq!(data["dbg"].as_str(), Some("[1, 2]"));
    assert_eq!(
        log::max_level(),
        log::LevelFilter::Off,
        "off after shutdown"
    );
}

#[test]
fn a_tracing_event_arrives_with_its_level_target_message_typed_fields_and_spans() {
    let _serial = serial();
    bridges();
    let sink = Collect::new(Format::Flat);
    let guard = fapilog::builder().sink(sink.clone()).install().unwrap();
    assert_eq!(
        LevelFilter::current(),
        LevelFilter::INFO,
        "the hint follows fapilog's level"
    );

    tracing::warn!(a = 1, "y");
    tracing::info!(
        target: "dep::fields",
        i = -3i64, u = 7u64, f = 1.5, b = true, s = "text", wide = 5u128, big = u128::MAX,
        shown = %Shown, dbg = ?vec![1, 2], bytes = &b"ab"[..],
        "fields {}", 2
    );
    tracing::info!(k = 1);
    let outer = tracing::info_span!("outer", id = 7);
    let _outer = outer.enter();
    let inner = tracing::info_span!("inner");
    let _inner = inner.enter();
    tracing::error!(n = 1u8, "in spans");
    tracing::debug!("below the level");
    drop((_inner, _outer));
    drop(guard);

    let got = sink.records();
    assert_eq!(got.len(), 4, "{:#?}", sink.lines());
    assert_eq!(got[0]["level"], "WARNING");
    assert_eq!(got[0]["logger"], module_path!());
    assert_eq!(got[0]["message"], "y");
    assert_eq!(got[0]["a"].as_i64(), Some(1));
    let f = &got[1];
    assert_eq!(
        (f["level"].as_str(), f["logger"].as_str()),
        (Some("INFO"), Some("dep::fields"))
    );
    assert_eq!(f["message"], "fields 2");
    assert_eq!(f["i"].as_i64(), Some(-3));
    assert_eq!(f["u"].as_u64(), Some(7));
    assert_eq!(f["f"].as_f64(), Some(1.5));
    assert_eq!(f["b"].as_bool(), Some(true));
    assert_eq!(f["s"].as_str(), Some("text"));
    assert_eq!(f["wide"].as_u64(), Some(5));
    assert_eq!(
        f["big"].as_str(),
        Some("340282366920938463463374607431768211455")
    );
    assert_eq!(f["shown"].as_str(), Some("shown"));
    assert_eq!(f["dbg"].as_str(), Some("[1, 2]"));
    assert_eq!(f["bytes"].as_str(), Some("ab"));
    assert!(f.get("spans").is_none(), "in no span");
    assert_eq!(
        (got[2]["message"].as_str(), got[2]["k"].as_i64()),
        (Some(""), Some(1))
    );
    let s = &got[3];
    assert_eq!(
        (s["level"].as_str(), s["message"].as_str()),
        (Some("ERROR"), Some("in spans"))
    );
    assert_eq!(s["n"].as_u64(), Some(1));
    assert_eq!(
        s["spans"], "outer{id=7}:inner",
        "spans outermost first, with their fields"
    );
    assert_eq!(
        LevelFilter::current(),
        LevelFilter::OFF,
        "off after shutdown"
    );
}

fn from_every_target() {
    log::info!(target: "dep::noisy", "log noisy info");
    log::error!(target: "dep::noisy", "log noisy error");
    log::debug!(target: "dep::verbose::pool", "log verbose debug");
    log::debug!(target: "other", "log other debug");
    log::info!(target: "other", "log other info");
    tracing::info!(target: "dep::noisy", "tracing noisy info");
    tracing::error!(target: "dep::noisy", "tracing noisy error");
    tracing::debug!(target: "dep::verbose::pool", "tracing verbose debug");
    tracing::debug!(target: "other", "tracing other debug");
    tracing::info!(target: "other", "tracing other info");
}

#[test]
fn both_facades_follow_fapilogs_level_and_per_target_directives_as_they_change() {
    let _serial = serial();
    bridges();
    let sink = Collect::new(Format::Flat);
    let guard = fapilog::builder()
        .sink(sink.clone())
        .directives("info,dep::noisy=error,dep::verbose=debug")
        .install()
        .unwrap();
    assert_eq!(
        log::max_level(),
        log::LevelFilter::Debug,
        "the most verbose directive"
    );
    assert_eq!(LevelFilter::current(), LevelFilter::DEBUG);
    assert!(!log::log_enabled!(target: "dep::noisy", log::Level::Warn));
    assert!(log::log_enabled!(target: "dep::verbose", log::Level::Debug));
    from_every_target();
    assert!(fapilog::flush());
    assert_eq!(
        messages(&sink),
        [
            "log noisy error",
            "log verbose debug",
            "log other info",
            "tracing noisy error",
            "tracing verbose debug",
            "tracing other info"
        ]
    );

    fapilog::set_level(Some(Level::Warning));
    assert_eq!(log::max_level(), log::LevelFilter::Warn);
    assert_eq!(LevelFilter::current(), LevelFilter::WARN);
    from_every_target();
    fapilog::set_directives(&"off,dep::verbose=trace".parse().unwrap());
    assert_eq!(log::max_level(), log::LevelFilter::Trace);
    assert_eq!(LevelFilter::current(), LevelFilter::TRACE);
    log::trace!(target: "dep::verbose", "log verbose trace");
    tracing::trace!(target: "dep::verbose", "tracing verbose trace");
    from_every_target();
    drop(guard);
    assert_eq!(
        &messages(&sink)[6..],
        [
            "log noisy error",
            "tracing noisy error",
            "log verbose trace",
            "tracing verbose trace",
            "log verbose debug",
            "tracing verbose debug"
        ]
    );
}

#[test]
fn the_layer_in_a_stack_of_ones_own_filters_by_fapilogs_level_too() {
    use tracing_subscriber::layer::SubscriberExt;
    let _serial = serial();
    bridges();
    let sink = Collect::new(Format::Flat);
    let guard = fapilog::builder()
        .sink(sink.clone())
        .directives("info,dep=debug")
        .install()
        .unwrap();
    let stack = tracing_subscriber::registry().with(fapilog::integrations::tracing::layer());
    tracing::subscriber::with_default(stack, || {
        tracing::debug!(target: "app", "below the level");
        tracing::debug!(target: "dep", v = 1, "through the layer");
    });
    drop(guard);
    assert_eq!(messages(&sink), ["through the layer"]);
}

/// A sink that logs through both facades for every batch it writes.
struct Chatty {
    inner: Collect,
    batches: Arc<AtomicU64>,
}

impl Sink for Chatty {
    fn name(&self) -> &str {
        "chatty"
    }
    fn format(&self) -> Format {
        Format::Flat
    }
    fn write_batch(&mut self, batch: &Batch) -> io::Result<()> {
        self.batches.fetch_add(1, Ordering::SeqCst);
        log::warn!(target: "sink", "log from inside a sink");
        tracing::warn!(target: "sink", "tracing from inside a sink");
        self.inner.write_batch(batch)
    }
}

#[test]
fn log_and_tracing_calls_from_inside_a_sink_are_dropped_and_counted_reentrant() {
    let _serial = serial();
    bridges();
    let inner = Collect::new(Format::Flat);
    let batches = Arc::new(AtomicU64::new(0));
    let guard = fapilog::builder()
        .sink(Chatty {
            inner: inner.clone(),
            batches: batches.clone(),
        })
        .drop_summary_interval(Duration::from_secs(3600))
        .install()
        .unwrap();
    log::info!(target: "app", "one record");
    // The sink writes while the logger is installed (at shutdown the level
    // is already off, and the facades' calls stop at their own level check).
    assert!(fapilog::flush());
    let batches = batches.load(Ordering::SeqCst);
    assert!(guard.shutdown());

    let s = fapilog::stats();
    assert!(batches >= 1);
    assert_eq!(
        s.dropped_for(DropReason::Reentrant),
        2 * batches,
        "two calls per batch, each counted: {s:#?}"
    );
    assert_eq!(
        s.dropped_for_at(DropReason::Reentrant, Level::Warning),
        2 * batches
    );
    assert_eq!(
        messages(&inner),
        ["one record"],
        "the sink's own calls never came back"
    );
}
