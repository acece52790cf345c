//! `RUST_LOG`-style directives: per-target levels at install and at run
//! time, the environment's precedence, and errors that name the source.

mod common;

use common::{parse, serial, Collect, Env};
use fapilog::sink::Format;
use fapilog::{Directives, Error};
use simd_json::prelude::*;

fn log_from_every_target() {
    fapilog::debug!(target: "app::db", "db debug");
    fapilog::debug!(target: "app::db::pool", "pool debug");
    fapilog::trace!(target: "app::db::pool", "pool trace");
    fapilog::info!(target: "app::http", "http info");
    fapilog::warn!(target: "app::http", "http warn");
    fapilog::error!(target: "hyper", "hyper error");
    fapilog::info!(target: "app::dbx", "dbx info: not under app::db");
}

fn messages(sink: &Collect) -> Vec<String> {
    sink.lines()
        .iter()
        .map(|l| parse(l)["message"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn targets_get_their_own_levels_and_the_longest_prefix_wins() {
    let _serial = serial();
    let sink = Collect::new(Format::Flat);
    let guard = fapilog::builder()
        .sink(sink.clone())
        .directives("warn,app::db=debug,app::db::pool=trace,hyper=off")
        .install()
        .unwrap();
    log_from_every_target();
    assert!(fapilog::flush());
    assert_eq!(
        messages(&sink),
        ["db debug", "pool debug", "pool trace", "http warn"],
        "hyper is off; app::dbx falls back to the default (warn)"
    );

    // Changed at run time: callsites drop their cached levels.
    fapilog::set_directives(&"error,app::http=info".parse::<Directives>().unwrap());
    log_from_every_target();
    fapilog::set_level(Some(fapilog::Level::Debug));
    fapilog::debug!(target: "anything", "uniform again");
    drop(guard);
    assert_eq!(
        &messages(&sink)[4..],
        ["http info", "http warn", "hyper error", "uniform again"]
    );
}

#[test]
fn an_invalid_directive_fails_the_install_naming_the_setting() {
    let _serial = serial();
    match fapilog::builder()
        .sink(Collect::new(Format::Flat))
        .directives("info,app::db=loud")
        .install()
    {
        Err(
            e @ Error::InvalidSetting {
                setting: "directives",
                ..
            },
        ) => {
            let text = e.to_string();
            assert!(
                text.contains("loud") && text.contains("app::db=loud"),
                "{text}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn fapilog_level_overrides_the_code_and_rust_log_only_fills_in() {
    let _serial = serial();
    let sink = Collect::new(Format::Flat);
    let rust_log = Env::set(&[("RUST_LOG", "trace")]);
    let level = Env::set(&[("FAPILOG_LEVEL", "error")]);
    let guard = fapilog::builder()
        .sink(sink.clone())
        .level(fapilog::Level::Debug)
        .install()
        .unwrap();
    fapilog::warn!("hidden: FAPILOG_LEVEL=error wins over the code");
    fapilog::error!("shown");
    drop(guard);
    drop(level);
    assert_eq!(messages(&sink), ["shown"]);

    let sink = Collect::new(Format::Flat);
    let guard = fapilog::builder()
        .sink(sink.clone())
        .level(fapilog::Level::Info)
        .install()
        .unwrap();
    fapilog::debug!("hidden: the code's level wins over RUST_LOG");
    drop(guard);
    let guard = fapilog::builder().sink(sink.clone()).install().unwrap();
    fapilog::trace!("shown: RUST_LOG fills in when the code sets nothing");
    drop(guard);
    drop(rust_log);
    assert_eq!(
        messages(&sink),
        ["shown: RUST_LOG fills in when the code sets nothing"]
    );

    let level = Env::set(&[("FAPILOG_LEVEL", "info,app=verbose")]);
    let e = fapilog::builder()
        .sink(Collect::new(Format::Flat))
        .install()
        .expect_err("a bad FAPILOG_LEVEL fails");
    drop(level);
    let text = e.to_string();
    assert!(
        text.contains("FAPILOG_LEVEL") && text.contains("verbose"),
        "{text}"
    );
}
