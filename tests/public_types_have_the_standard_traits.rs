//! Every public type is `Debug`, and what users configure by name
//! (`Level`, `Preset`, `TimestampPrecision`) parses with `FromStr`, with an
//! error that lists the names accepted. Before, `LoggerBuilder`, the
//! context types and the enricher's arguments had no `Debug` (a struct
//! holding one could not derive it), and only `Level::parse` and
//! `Preset::parse` existed, returning `Option`.

mod common;

use std::fmt::Debug;
use std::sync::{Arc, Mutex};

use common::{serial, Collect};
use fapilog::context::{Context, ContextGuard, Scope, WithContext, WithLogContext};
use fapilog::enrich::{EnrichFields, Enricher, RecordInfo};
use fapilog::sink::Format;
use fapilog::{Level, LoggerBuilder, ParseError, Preset, TimestampPrecision};

fn assert_debug<T: Debug + ?Sized>() {}

#[test]
fn every_public_type_is_debug() {
    assert_debug::<LoggerBuilder>();
    assert_debug::<Context>();
    assert_debug::<ContextGuard>();
    assert_debug::<Scope>();
    assert_debug::<WithContext<std::future::Ready<()>>>();
    assert_debug::<RecordInfo<'static>>();
    assert_debug::<EnrichFields<'static, 'static>>();

    let shown = format!(
        "{:?}",
        fapilog::builder()
            .sink(Collect::new(Format::Flat))
            .capacity(64)
            .service("api")
    );
    for part in [
        "LoggerBuilder",
        "sinks: [\"collect\"]",
        "capacity: 64",
        "Some(\"api\")",
    ] {
        assert!(shown.contains(part), "{part} in {shown}");
    }
}

#[test]
fn a_context_shows_its_fields() {
    let _serial = serial();
    let guard = fapilog::builder()
        .sink(Collect::new(Format::Flat))
        .install()
        .unwrap();
    assert_eq!(
        format!("{:?}", Context::current()),
        "Context { fields: {} }"
    );
    let _outer = fapilog::bind!(request_id = "req-1", user_id = 7u64);
    let _inner = fapilog::bind!(user_id = 8u64);
    let ctx = Context::current();
    let shown = format!("{ctx:?}");
    assert!(shown.contains("\"request_id\": Str"), "{shown}");
    assert!(
        shown.contains("\"user_id\": U64(8)"),
        "the inner one: {shown}"
    );
    assert!(!shown.contains("U64(7)"), "shadowed: {shown}");
    let task = std::future::ready(()).with_log_context(ctx);
    assert!(format!("{task:?}").starts_with("WithContext { ctx: Context"));
    assert_eq!(format!("{_inner:?}"), "ContextGuard { .. }");
    drop((_inner, _outer));
    drop(guard);
}

/// Keeps the `Debug` of what it was given.
struct Shows(Arc<Mutex<Vec<String>>>);

impl Enricher for Shows {
    fn enrich(&mut self, record: &RecordInfo<'_>, fields: &mut EnrichFields<'_, '_>) {
        fields.u64("seq", 1);
        let mut shown = self.0.lock().unwrap();
        shown.push(format!("{record:?}"));
        shown.push(format!("{fields:?}"));
    }
}

#[test]
fn what_an_enricher_gets_shows_the_record() {
    let _serial = serial();
    let shown = Arc::new(Mutex::new(Vec::new()));
    let guard = fapilog::builder()
        .sink(Collect::new(Format::Flat))
        .enricher(Shows(shown.clone()))
        .install()
        .unwrap();
    fapilog::info!(order = 42u64, "order placed");
    drop(guard);
    let shown = shown.lock().unwrap();
    assert!(
        shown[0].starts_with("RecordInfo { level: Info, target: ")
            && shown[0].contains("message: \"order placed\"")
            && shown[0].contains("\"order\": U64(42)"),
        "{}",
        shown[0]
    );
    assert_eq!(shown[1], "EnrichFields { added: {\"seq\": U64(1)} }");
}

#[test]
fn names_parse_with_from_str_and_errors_list_the_accepted_ones() {
    assert_eq!("warn".parse::<Level>(), Ok(Level::Warning));
    assert_eq!("SECURITY".parse::<Level>(), Ok(Level::Security));
    assert_eq!("Production".parse::<Preset>(), Ok(Preset::Production));
    assert_eq!(
        "ms".parse::<TimestampPrecision>(),
        Ok(TimestampPrecision::Millis)
    );
    assert_eq!(
        "nanos".parse::<TimestampPrecision>(),
        Ok(TimestampPrecision::Nanos)
    );
    for p in Preset::ALL {
        assert_eq!(p.name().parse::<Preset>(), Ok(p));
    }
    for l in Level::ALL {
        assert_eq!(l.as_str().parse::<Level>(), Ok(l));
    }

    let e: ParseError = "loud".parse::<Level>().unwrap_err();
    assert_eq!(e.value(), "loud");
    assert!(e.to_string().contains("\"loud\"") && e.to_string().contains("warn or warning"));
    let e = "prod".parse::<Preset>().unwrap_err();
    assert!(
        e.to_string()
            .contains("dev, production, serverless, hardened or minimal"),
        "{e}"
    );
    let e = "hours".parse::<TimestampPrecision>().unwrap_err();
    assert!(
        e.to_string().contains("seconds, millis, micros or nanos"),
        "{e}"
    );
    let _: &dyn std::error::Error = &e;
}
