//! Presets bundle settings per deployment; FAPILOG_* variables fill in what
//! the code left unset (FAPILOG_LEVEL overrides); bad values name their
//! variable.

mod common;

use common::{parse, serial, Collect, Env, Slow};
use fapilog::sink::Format;
use fapilog::{Error, Preset};
use simd_json::prelude::*;

fn run(b: fapilog::LoggerBuilder, log: impl FnOnce()) -> Vec<simd_json::OwnedValue> {
    let sink = Collect::new(Format::Flat);
    let guard = b.sink(sink.clone()).install().unwrap();
    log();
    drop(guard);
    sink.lines().iter().map(|l| parse(l)).collect()
}

fn secrets() {
    fapilog::debug!("debug record");
    fapilog::info!(
        password = "hunter2",
        card = "4111 1111 1111 1111",
        email = "ada@example.com",
        "info record"
    );
}

#[test]
fn each_preset_sets_level_and_redaction() {
    let _serial = serial();
    let dev = run(fapilog::builder().preset(Preset::Dev), secrets);
    assert_eq!(dev.len(), 2, "dev logs DEBUG");
    assert_eq!(dev[1]["password"], "hunter2", "dev redacts nothing");

    let prod = run(fapilog::builder().preset(Preset::Production), secrets);
    assert_eq!(prod.len(), 1, "production logs INFO and above");
    assert_eq!(prod[0]["password"], "***", "CREDENTIALS");
    assert_eq!(
        prod[0]["email"], "ada@example.com",
        "contact info is not in CREDENTIALS"
    );

    let hard = run(fapilog::builder().preset(Preset::Hardened), secrets);
    assert_eq!(hard[0]["password"], "***");
    assert!(
        !hard[0]["card"].as_str().unwrap().contains("4111"),
        "PCI_DSS: {:?}",
        hard[0]["card"]
    );
    assert!(
        !hard[0]["email"].as_str().unwrap().contains("ada@"),
        "CONTACT_INFO: {:?}",
        hard[0]["email"]
    );

    let minimal = run(fapilog::builder().preset(Preset::Minimal), secrets);
    assert!(
        minimal[0].get("pid").is_none(),
        "minimal adds no process fields"
    );

    let overridden = run(
        fapilog::builder()
            .preset(Preset::Production)
            .level(fapilog::Level::Debug),
        secrets,
    );
    assert_eq!(overridden.len(), 2, "settings after the preset win");
}

#[test]
fn the_environment_fills_in_what_the_code_left_unset() {
    let _serial = serial();
    let env = Env::set(&[("FAPILOG_PRESET", "production")]);
    let prod = run(fapilog::builder(), secrets);
    assert_eq!(prod[0]["password"], "***", "FAPILOG_PRESET applied");
    let code = run(fapilog::builder().preset(Preset::Dev), secrets);
    assert_eq!(
        code[1]["password"], "hunter2",
        "the code's preset wins over FAPILOG_PRESET"
    );
    drop(env);

    let env = Env::set(&[("FAPILOG_CAPACITY", "1000")]);
    let ok = fapilog::builder()
        .sink(Collect::new(Format::Flat))
        .capacity(4096)
        .install();
    assert!(
        ok.is_ok(),
        "the code set capacity: the bad variable is not read: {:?}",
        ok.err()
    );
    drop(ok);
    let e = fapilog::builder()
        .sink(Collect::new(Format::Flat))
        .install()
        .expect_err("1000 is no power of two");
    assert!(
        matches!(
            e,
            Error::InvalidSetting {
                setting: "FAPILOG_CAPACITY",
                ..
            }
        ) && e.to_string().contains("\"1000\""),
        "a value that parses but is invalid names the variable: {e}"
    );
    drop(env);
    let env = Env::set(&[("FAPILOG_CAPACITY", "lots")]);
    let e = fapilog::builder()
        .sink(Collect::new(Format::Flat))
        .install()
        .expect_err("not a number");
    drop(env);
    assert!(
        e.to_string().contains("FAPILOG_CAPACITY") && e.to_string().contains("lots"),
        "{e}"
    );

    for (var, bad) in [
        ("FAPILOG_PRESET", "prod"),
        ("FAPILOG_FORMAT", "xml"),
        ("FAPILOG_SAMPLING_RATE", "2"),
        ("FAPILOG_DROP_ON_FULL", "maybe"),
        ("FAPILOG_REDACTION", "some"),
    ] {
        let env = Env::set(&[(var, bad)]);
        let e = fapilog::builder()
            .sink(Collect::new(Format::Flat))
            .install()
            .expect_err(var);
        drop(env);
        let text = e.to_string();
        assert!(text.contains(var) && text.contains(bad), "{var}: {text}");
    }

    let env = Env::set(&[
        ("FAPILOG_REDACTION", "credentials"),
        ("FAPILOG_SAMPLING_RATE", "0"),
    ]);
    let lines = run(fapilog::builder(), || {
        fapilog::info!(token = "abc", "sampled out");
        fapilog::error!(token = "abc", "kept: errors are never sampled out");
    });
    drop(env);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["token"], "***");
}

#[test]
fn protected_levels_wait_instead_of_dropping_when_lossless() {
    let _serial = serial();
    let sink = Collect::new(Format::Flat);
    let guard = fapilog::builder()
        .sink(Slow {
            lines: sink.clone(),
            per_batch: std::time::Duration::from_millis(2),
        })
        .capacity(64)
        .slot_size(128)
        .backpressure(std::time::Duration::ZERO, true)
        .protected_lossless(true)
        .install()
        .unwrap();
    for i in 0..2_000u32 {
        fapilog::info!(i, "may drop");
        fapilog::error!(i, "must arrive");
    }
    drop(guard);
    let s = fapilog::stats();
    let errors = sink
        .lines()
        .iter()
        .filter(|l| l.contains("must arrive"))
        .count();
    assert_eq!(errors, 2_000, "every protected record arrived");
    assert_eq!(s.dropped_at(fapilog::Level::Error), 0);
    assert!(
        s.dropped_at(fapilog::Level::Info) > 0,
        "the others were dropped: {s:?}"
    );
}

#[test]
fn variables_with_values_that_parse_but_are_invalid_are_named() {
    let _serial = serial();
    // The last would install a logger whose flush and shutdown panic: one
    // that installs is leaked, and the rest fail as already installed.
    for (var, value) in [
        ("FAPILOG_CAPACITY", "1000"),
        ("FAPILOG_SLOT_SIZE", "100"),
        ("FAPILOG_FLUSH_TIMEOUT_MS", "0"),
        ("FAPILOG_BACKPRESSURE_WAIT_MS", "18446744073709551615"),
        ("FAPILOG_FLUSH_TIMEOUT_MS", "18446744073709551615"),
    ] {
        let env = Env::set(&[(var, value)]);
        let result = fapilog::builder()
            .sink(Collect::new(Format::Flat))
            .install();
        drop(env);
        let e = match result {
            Ok(guard) => {
                std::mem::forget(guard);
                panic!("{var}={value} installed");
            }
            Err(e) => e,
        };
        let text = e.to_string();
        assert!(
            matches!(e, Error::InvalidSetting { setting, .. } if setting == var)
                && text.contains(&format!("{value:?}")),
            "{var}={value}: {text}"
        );
    }
}

#[test]
fn fapilog_drop_on_full_takes_the_usual_boolean_spellings() {
    let _serial = serial();
    // Only `true` and `false` were accepted, in lowercase.
    for value in ["1", "0", "TRUE", "False", "yes", "no", "on", "OFF"] {
        let env = Env::set(&[("FAPILOG_DROP_ON_FULL", value)]);
        let installed = fapilog::builder()
            .sink(Collect::new(Format::Flat))
            .install();
        drop(env);
        assert!(installed.is_ok(), "{value}: {:?}", installed.err());
    }
}
