//! Where the level comes from, first found wins: `FAPILOG_LEVEL`, the
//! code (`level()`, `directives()`), `RUST_LOG`, the preset's level (chosen
//! in code or by `FAPILOG_PRESET`), `INFO`. A preset's level is a default:
//! it never hides `RUST_LOG`.

mod common;

use common::{serial, Collect, Env};
use fapilog::sink::Format;
use fapilog::{Level, Preset};

/// Installs `b` with every level variable as given (`""` is unset), and
/// returns the level in force.
fn level_with(vars: &[(&'static str, &str)], b: fapilog::LoggerBuilder) -> Option<Level> {
    let mut all = vec![
        ("FAPILOG_LEVEL", ""),
        ("RUST_LOG", ""),
        ("FAPILOG_PRESET", ""),
    ];
    for (k, v) in vars {
        all.retain(|(name, _)| name != k);
        all.push((k, v));
    }
    let _env = Env::set(&all);
    let guard = b
        .sink(Collect::new(Format::Flat))
        .install()
        .unwrap_or_else(|e| panic!("{vars:?}: {e}"));
    let level = fapilog::current_level();
    drop(guard);
    level
}

#[test]
fn rust_log_applies_under_a_preset_from_the_environment() {
    let _serial = serial();
    let sink = Collect::new(Format::Flat);
    let _env = Env::set(&[
        ("FAPILOG_PRESET", "production"),
        ("RUST_LOG", "debug"),
        ("FAPILOG_LEVEL", ""),
    ]);
    let guard = fapilog::builder().sink(sink.clone()).install().unwrap();
    assert_eq!(fapilog::current_level(), Some(Level::Debug));
    fapilog::debug!("shown: RUST_LOG wins over the preset's INFO");
    drop(guard);
    assert_eq!(sink.lines().len(), 1, "{:?}", sink.lines());
}

#[test]
fn each_source_wins_over_the_ones_after_it() {
    let _serial = serial();
    let b = fapilog::builder;
    // Nothing set: INFO; a preset's own level.
    assert_eq!(level_with(&[], b()), Some(Level::Info));
    assert_eq!(level_with(&[], b().preset(Preset::Dev)), Some(Level::Debug));
    assert_eq!(
        level_with(&[("FAPILOG_PRESET", "dev")], b()),
        Some(Level::Debug)
    );
    // RUST_LOG over a preset, chosen in code or in the environment.
    assert_eq!(
        level_with(&[("RUST_LOG", "warn")], b().preset(Preset::Dev)),
        Some(Level::Warning)
    );
    assert_eq!(
        level_with(&[("RUST_LOG", "error"), ("FAPILOG_PRESET", "dev")], b()),
        Some(Level::Error)
    );
    // The code over RUST_LOG and the preset, wherever preset() comes.
    assert_eq!(
        level_with(
            &[("RUST_LOG", "trace")],
            b().level(Level::Error).preset(Preset::Dev)
        ),
        Some(Level::Error)
    );
    assert_eq!(
        level_with(
            &[("RUST_LOG", "trace")],
            b().preset(Preset::Dev).directives("warn")
        ),
        Some(Level::Warning)
    );
    // FAPILOG_LEVEL over everything.
    assert_eq!(
        level_with(
            &[("FAPILOG_LEVEL", "critical"), ("RUST_LOG", "trace")],
            b().level(Level::Debug).preset(Preset::Dev)
        ),
        Some(Level::Critical)
    );
}
