//! A program started with its standard output closed (`prog >&-`) must not
//! count the records its `Stdout` sink could not write as delivered: they
//! are sink errors, and dropped. The scenario runs in a child process (the
//! test binary re-run with `FAPILOG_CLOSED_STDOUT_CHILD` set), which closes
//! its own descriptor 1 first.

#![cfg(unix)]

mod common;

use std::time::Duration;

const CHILD_VAR: &str = "FAPILOG_CLOSED_STDOUT_CHILD";
const RECORDS: u64 = 100;

#[test]
fn child() {
    if std::env::var_os(CHILD_VAR).is_none() {
        return;
    }
    // SAFETY: closing descriptor 1 of this process, which owns it; nothing
    // else in the child uses it afterwards but std's stdout, which then
    // sees EBADF.
    unsafe { libc::close(1) };
    let guard = fapilog::builder()
        .sink(fapilog::sink::Stdout::flat())
        .flush_timeout(Duration::from_secs(10))
        .install()
        .expect("install");
    for i in 0..RECORDS {
        fapilog::info!(i, "record");
    }
    let _ = guard.shutdown();
    let s = fapilog::stats();
    eprintln!(
        "@stats delivered={} dropped={} sink_errors={}",
        s.delivered, s.dropped, s.sink_errors
    );
}

#[test]
fn records_a_closed_stdout_could_not_take_are_counted_lost() {
    let out = common::child_command(CHILD_VAR, "1")
        .output()
        .expect("run the child");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stats = stderr
        .lines()
        .find_map(|l| l.strip_prefix("@stats "))
        .unwrap_or_else(|| panic!("no stats from the child:\n{stderr}"));
    let field = |name: &str| -> u64 {
        stats
            .split(' ')
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name} in {stats}"))
    };
    assert_eq!(field("delivered"), 0, "{stats}");
    assert!(field("sink_errors") > 0, "{stats}");
    assert!(field("dropped") >= RECORDS, "{stats}");
}
