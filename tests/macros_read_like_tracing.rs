//! The log macros take what a `tracing` user writes and mean the same by
//! it: raw identifiers name fields without their `r#`, a field named
//! `message` is the message when no literal is given, `concat!` makes a
//! message, and the macros' own item names never shadow the caller's.

mod common;

use common::{parse, serial, Collect};
use fapilog::sink::Format;

/// Runs `log` with a flat-format sink installed and returns its lines.
fn lines_of(log: impl FnOnce()) -> Vec<simd_json::OwnedValue> {
    let _serial = serial();
    let sink = Collect::new(Format::Flat);
    let guard = common::builder().sink(sink.clone()).install().unwrap();
    log();
    assert!(fapilog::flush());
    drop(guard);
    sink.lines().iter().map(|l| parse(l)).collect()
}

#[test]
fn raw_identifiers_name_fields_without_their_prefix() {
    let lines = lines_of(|| {
        let r#type = 3u32;
        fapilog::info!(r#type = 1u32, r#ref = "x", "raw");
        fapilog::info!(r#type, "raw shorthand");
        fapilog::info!(%r#type, "raw display");
    });
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["type"], 1u64);
    assert_eq!(lines[0]["ref"], "x");
    assert_eq!(lines[1]["type"], 3u64);
    assert_eq!(lines[2]["type"], "3");
    for line in &lines {
        assert!(!line.to_string().contains("r#"), "{line:?}");
    }
}

#[test]
fn a_field_named_message_is_the_message_when_no_literal_is_given() {
    let lines = lines_of(|| {
        let err = "disk full";
        let message = "shorthand";
        fapilog::error!(message = %err);
        fapilog::error!(code = 7u32, message = ?err, retry = true);
        fapilog::info!(message = "plain");
        fapilog::info!(message);
        // With a literal, `message` is an ordinary field, as before.
        fapilog::info!(message = "a field", "the literal");
        fapilog::info!(message.kind = "dotted", "dotted names stay fields");
    });
    assert_eq!(lines.len(), 6);
    assert_eq!(lines[0]["message"], "disk full");
    assert!(
        !lines[0].to_string().contains("field.message"),
        "{:?}",
        lines[0]
    );
    assert_eq!(lines[1]["message"], "\"disk full\"");
    assert_eq!(lines[1]["code"], 7u64);
    assert_eq!(lines[1]["retry"], true);
    assert_eq!(lines[2]["message"], "plain");
    assert_eq!(lines[3]["message"], "shorthand");
    assert_eq!(lines[4]["message"], "the literal");
    assert_eq!(lines[4]["field.message"], "a field");
    assert_eq!(lines[5]["message"], "dotted names stay fields");
    assert_eq!(lines[5]["message.kind"], "dotted");
}

#[test]
fn concat_makes_a_message() {
    let lines = lines_of(|| {
        fapilog::info!(concat!("con", "cat"));
        fapilog::info!(a = 1u32, concat!("with ", "{}"), "args");
    });
    assert_eq!(lines[0]["message"], "concat");
    assert_eq!(lines[1]["message"], "with args");
    assert_eq!(lines[1]["a"], 1u64);
}

#[test]
fn the_macros_item_names_never_shadow_the_callers() {
    #[allow(non_snake_case)]
    let lines = lines_of(|| {
        let __LEVEL = "mine";
        let __CALLSITE = 5u32;
        fapilog::warn!(__CALLSITE, "level var = {}", __LEVEL);
        fapilog::warn!("inline = {__LEVEL}");
    });
    assert_eq!(lines[0]["message"], "level var = mine");
    assert_eq!(lines[0]["__CALLSITE"], 5u64);
    assert_eq!(lines[1]["message"], "inline = mine");
}

#[test]
fn async_calls_read_the_same() {
    let lines = lines_of(|| {
        let r#type = 2u32;
        let err = "gone";
        futures_lite_block_on(async {
            fapilog::info_async!(r#type, message = %err).await;
        });
    });
    assert_eq!(lines[0]["type"], 2u64);
    assert_eq!(lines[0]["message"], "gone");
}

/// Polls a future on this thread (the ring has room, so it is ready at once).
fn futures_lite_block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

#[test]
fn value_types_tracing_takes_are_taken() {
    #[derive(Debug)]
    struct Boom;
    impl std::fmt::Display for Boom {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("boom")
        }
    }
    impl std::error::Error for Boom {}
    let lines = lines_of(|| {
        let nz = std::num::NonZeroU32::new(3).unwrap();
        let neg = std::num::NonZeroI64::new(-4).unwrap();
        let w = std::num::Wrapping(250u8) + std::num::Wrapping(9);
        let e = Boom;
        let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(Boom);
        let x = 7;
        fapilog::info!(nz, neg, w, "numbers");
        fapilog::info!(error = &e as &dyn std::error::Error, boxed, "errors");
        fapilog::info!(a = format_args!("{x}-{}", x + 1), "arguments");
    });
    assert_eq!(lines[0]["nz"], 3u64);
    assert_eq!(lines[0]["neg"], -4i64);
    assert_eq!(lines[0]["w"], 3u64);
    assert_eq!(lines[1]["error"], "boom");
    assert_eq!(lines[1]["boxed"], "boom");
    assert_eq!(lines[2]["a"], "7-8");
}
