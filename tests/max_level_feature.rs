//! With `--features max_level_warn`, calls below WARNING compile to nothing:
//! their values are never evaluated and nothing reaches the sinks, whatever
//! the runtime level. Run by CI as
//! `cargo test --features max_level_warn,log --test max_level_feature`.
#![cfg(feature = "max_level_warn")]

mod common;

use common::{serial, Collect};
use fapilog::sink::Format;
use fapilog::Level;
use std::cell::Cell;

#[test]
fn calls_below_the_compile_time_maximum_vanish() {
    let _serial = serial();
    let sink = Collect::new(Format::Flat);
    let guard = fapilog::builder()
        .sink(sink.clone())
        .level(Level::Trace)
        .install()
        .unwrap();
    let evaluated = Cell::new(0);
    let count = || {
        evaluated.set(evaluated.get() + 1);
        1u8
    };
    fapilog::debug!(v = count(), "compiled out");
    fapilog::info!(v = count(), "compiled out");
    fapilog::warn!(v = count(), "kept");
    fapilog::error!(v = count(), "kept");
    drop(guard);
    assert_eq!(
        evaluated.get(),
        2,
        "values of compiled-out calls are never evaluated"
    );
    let lines = sink.lines();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].contains("WARNING") && lines[1].contains("ERROR"));
}

#[test]
fn enabled_and_current_level_know_what_is_compiled_out() {
    let _serial = serial();
    let guard = fapilog::builder()
        .sink(Collect::new(Format::Flat))
        .level(Level::Trace)
        .install()
        .unwrap();
    // `info!` is compiled out: asking first would build a value for nothing.
    assert!(!fapilog::enabled(Level::Info));
    assert!(!fapilog::enabled(Level::Trace));
    assert!(fapilog::enabled(Level::Warning));
    assert!(fapilog::enabled(Level::Error));
    assert_eq!(fapilog::current_level(), Some(Level::Warning));
    // Above the compile-time maximum, the runtime level is itself.
    fapilog::set_level(Some(Level::Error));
    assert!(!fapilog::enabled(Level::Warning));
    assert_eq!(fapilog::current_level(), Some(Level::Error));
    fapilog::set_level(None);
    assert_eq!(fapilog::current_level(), None);
    drop(guard);
}

/// With the `log` bridge, a `log` record below the compile-time maximum
/// vanishes too: `log::max_level()` says so, and a record handed to the
/// logger directly (past that check) is dropped by the bridge.
#[cfg(feature = "log")]
#[test]
fn log_records_below_the_compile_time_maximum_vanish_too() {
    let _serial = serial();
    let sink = Collect::new(Format::Flat);
    let guard = fapilog::builder()
        .sink(sink.clone())
        .level(Level::Trace)
        .install()
        .unwrap();
    fapilog::integrations::log::init().unwrap();
    assert_eq!(log::max_level(), log::LevelFilter::Warn);
    log::info!("compiled out");
    log::logger().log(
        &log::Record::builder()
            .level(log::Level::Info)
            .args(format_args!("handed to the logger directly"))
            .build(),
    );
    log::warn!("kept");
    drop(guard);
    let lines = sink.lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("WARNING") && lines[0].contains("kept"));
}
