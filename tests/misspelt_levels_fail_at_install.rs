//! A level name with a typo, a number, or an item that cannot be a module
//! path fails `install()`, naming where it came from and the item: before,
//! each was taken for a target (`warnig` meant `warnig=trace`), so the
//! install succeeded and the most verbose target ran at TRACE.

mod common;

use common::{serial, Collect, Env};
use fapilog::sink::Format;
use fapilog::Error;

/// The error of installing `b` with these level variables (`""` unsets).
fn install_error(vars: &[(&'static str, &str)], b: fapilog::LoggerBuilder) -> Error {
    let mut all = vec![
        ("FAPILOG_LEVEL", ""),
        ("RUST_LOG", ""),
        ("FAPILOG_PRESET", ""),
    ];
    all.retain(|(k, _)| !vars.iter().any(|(v, _)| v == k));
    all.extend_from_slice(vars);
    let _env = Env::set(&all);
    match b.sink(Collect::new(Format::Flat)).install() {
        Ok(guard) => {
            let level = fapilog::current_level();
            drop(guard);
            panic!("{vars:?} installed, at level {level:?}")
        }
        Err(e) => e,
    }
}

fn assert_names(e: &Error, setting: &str, item: &str, reason: &str) {
    match e {
        Error::InvalidSetting { setting: s, .. } => assert_eq!(*s, setting, "{e}"),
        other => panic!("expected InvalidSetting({setting}), got {other:?}"),
    }
    let text = e.to_string();
    assert!(text.contains(&format!("`{setting}`")), "{text}");
    assert!(
        text.contains(&format!("{item:?}")),
        "names the item: {text}"
    );
    assert!(text.contains(reason), "{reason:?} in {text}");
}

#[test]
fn misspelt_or_numeric_levels_fail_naming_the_variable_and_the_item() {
    let _serial = serial();
    let b = fapilog::builder;
    let cases: [(&'static str, &str, &str, &str); 4] = [
        (
            "FAPILOG_LEVEL",
            "warnig",
            "warnig",
            "did you mean `warning`?",
        ),
        ("FAPILOG_LEVEL", "3", "3", "not a number"),
        ("FAPILOG_LEVEL", "info,app:db", "app:db", "`::`"),
        ("RUST_LOG", "2fa", "2fa", "digit"),
    ];
    for (var, value, item, reason) in cases {
        let e = install_error(&[(var, value)], b());
        assert_names(&e, var, item, reason);
    }
    let e = install_error(&[], b().directives("warnig"));
    assert_names(&e, "directives", "warnig", "did you mean `warning`?");
    // FAPILOG_LEVEL is strict about the syntax RUST_LOG skips.
    let e = install_error(&[("FAPILOG_LEVEL", "info/request")], b());
    assert_names(&e, "FAPILOG_LEVEL", "info/request", "/regex");
    let e = install_error(&[], b().directives("warn,app[span]=debug"));
    assert_names(
        &e,
        "directives",
        "app[span]=debug",
        "span and field filters",
    );
}

#[test]
fn a_rust_log_error_names_the_variable_once() {
    let _serial = serial();
    let e = install_error(&[("RUST_LOG", "warn,app=loud")], fapilog::builder());
    let text = e.to_string();
    assert!(
        text.starts_with(
            "fapilog: invalid setting `RUST_LOG` = \"warn,app=loud\" (invalid log directive \"app=loud\" (item 2)"
        ),
        "{text}"
    );
    assert_eq!(
        text.matches("RUST_LOG").count(),
        2,
        "once, and in `expected`: {text}"
    );
}

#[test]
fn a_target_named_like_a_level_is_written_out() {
    let _serial = serial();
    let _env = Env::set(&[("FAPILOG_LEVEL", ""), ("RUST_LOG", "")]);
    let sink = Collect::new(Format::Flat);
    let guard = fapilog::builder()
        .sink(sink.clone())
        .directives("warn,warp=trace")
        .install()
        .expect("an explicit target is never taken for a typo");
    fapilog::trace!(target: "warp::filters", "shown");
    fapilog::info!(target: "app", "hidden");
    drop(guard);
    assert_eq!(sink.lines().len(), 1, "{:?}", sink.lines());
}
