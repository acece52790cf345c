//! `RUST_LOG` is read by `tracing` and `env_logger` based tools too. Their
//! syntax that fapilog does not support (span and field filters, numeric
//! levels, `/regex`) is skipped with one warning line on stderr naming it,
//! as `tracing`'s `EnvFilter::from_default_env` does, and the rest applies.
//! Before, span filters failed the install, and `info/request` installed as
//! a target `info/request` at TRACE.
//!
//! The warnings go to the process's stderr, so each case runs in a child
//! process (this test binary again, with only [`child`] selected).

mod common;

use common::{serial, Collect};
use fapilog::sink::Format;

const CHILD_VAR: &str = "FAPILOG_CHILD_RUST_LOG";

/// The child: installs with the `RUST_LOG` it was given and prints the level
/// in force on stdout.
#[test]
fn child() {
    if std::env::var_os(CHILD_VAR).is_none() {
        return;
    }
    let _serial = serial();
    let guard = fapilog::builder()
        .sink(Collect::new(Format::Flat))
        .install()
        .unwrap_or_else(|e| panic!("install failed: {e}"));
    println!("level={:?}", fapilog::current_level());
    drop(guard);
}

/// Runs the child with `RUST_LOG=value`: (level line, fapilog's stderr lines).
fn run_child(value: &str) -> (String, Vec<String>) {
    let out = common::child_command(CHILD_VAR, "1")
        .env("RUST_LOG", value)
        .env_remove("FAPILOG_LEVEL")
        .env_remove("FAPILOG_PRESET")
        .output()
        .expect("spawn the child");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "RUST_LOG={value:?}: child failed\n{stdout}\n{stderr}"
    );
    let level = stdout
        .lines()
        // The harness prints `test child ... ` on the same line.
        .find_map(|l| l.split_once("level=").map(|(_, level)| level.trim()))
        .unwrap_or_else(|| panic!("no level line in {stdout}"))
        .to_owned();
    let warnings = stderr
        .lines()
        .filter(|l| l.starts_with("fapilog:"))
        .map(str::to_owned)
        .collect();
    (level, warnings)
}

#[test]
fn foreign_syntax_is_skipped_with_one_warning_naming_it() {
    let cases: [(&str, &str, &[&str]); 5] = [
        (
            "warn,my_app[handle]=debug",
            "Some(Warning)",
            &["fapilog: RUST_LOG: ignoring \"my_app[handle]=debug\": span and field filters"],
        ),
        (
            "info/request",
            "Some(Info)",
            &["fapilog: RUST_LOG: ignoring \"/request\": a `/regex` message filter"],
        ),
        (
            "debug,app[{id=1,user=ada}]=trace,hyper=off",
            "Some(Debug)",
            &["fapilog: RUST_LOG: ignoring \"app[{id=1,user=ada}]=trace\": span and field"],
        ),
        (
            "3,error",
            "Some(Error)",
            &["fapilog: RUST_LOG: ignoring \"3\": numeric levels"],
        ),
        // A crate named one letter from a level (an error in FAPILOG_LEVEL)
        // is the crate, as tracing and env_logger read it.
        (
            "info,warp",
            "Some(Trace)",
            &["fapilog: RUST_LOG: reading \"warp\" as `warp=trace`: close to the level name `warn`"],
        ),
    ];
    for (value, level, warnings) in cases {
        let (got_level, got_warnings) = run_child(value);
        assert_eq!(got_level, level, "RUST_LOG={value:?}");
        assert_eq!(
            got_warnings.len(),
            warnings.len(),
            "RUST_LOG={value:?}: {got_warnings:#?}"
        );
        for (got, want) in got_warnings.iter().zip(warnings) {
            assert!(got.starts_with(want), "RUST_LOG={value:?}: {got}");
        }
    }
    // Valid RUST_LOG: no warning.
    let (level, warnings) = run_child("debug,app::db=trace");
    assert_eq!(level, "Some(Trace)");
    assert!(warnings.is_empty(), "{warnings:?}");
}
