//! A sink's failures are not only counted: their text reaches stderr
//! (naming the sink: the first at once, then rate-limited, the rest at
//! close), `fapilog::sink_health()` keeps the last one, and `flush()` and
//! `shutdown()` return false when records were lost or a flush failed. A
//! batch the fallback rescued is not lost: the answer stays true, the
//! failure is still reported.
//!
//! Each scenario runs in a child process (the test binary re-run with only
//! [`child`] selected and `FAPILOG_SINK_FAILURE_CHILD` naming the
//! scenario), so the parent can read what reached its stderr. The child
//! writes its results to stdout as `@name value` lines.

mod common;

use std::io;
use std::process::Output;
use std::sync::mpsc;
use std::time::Duration;

use common::Collect;
use fapilog::sink::{Batch, Format, Sink};

const SCENARIO_VAR: &str = "FAPILOG_SINK_FAILURE_CHILD";
const RECORDS: u64 = 100;

// ---------------------------------------------------------------- sinks

/// Refuses every batch, as an HTTP collector with a bad API key would.
struct Unauthorized;

impl Sink for Unauthorized {
    fn name(&self) -> &str {
        "http:collector"
    }
    fn write_batch(&mut self, _: &Batch) -> io::Result<()> {
        Err(io::Error::other("401 Unauthorized: bad API key"))
    }
}

/// Takes every batch into a buffer, and loses it when asked to flush.
#[derive(Default)]
struct LosesItsBuffer {
    buffered: Vec<u8>,
}

impl Sink for LosesItsBuffer {
    fn name(&self) -> &str {
        "buffering"
    }
    fn write_batch(&mut self, batch: &Batch) -> io::Result<()> {
        self.buffered.extend_from_slice(batch.as_bytes());
        Ok(())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.buffered.clear();
        Err(io::Error::other("connection reset by peer"))
    }
}

/// Panics on every batch.
struct Panicking;

impl Sink for Panicking {
    fn name(&self) -> &str {
        "panicking"
    }
    fn write_batch(&mut self, _: &Batch) -> io::Result<()> {
        panic!("sink exploded (expected by the test)");
    }
}

/// Fails its first flush only, and tells the test each time it is flushed.
struct FailsOneFlush {
    flushes: u64,
    told: mpsc::Sender<u64>,
}

impl Sink for FailsOneFlush {
    fn name(&self) -> &str {
        "flaky"
    }
    fn write_batch(&mut self, _: &Batch) -> io::Result<()> {
        Ok(())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.flushes += 1;
        let _ = self.told.send(self.flushes);
        if self.flushes == 1 {
            return Err(io::Error::other("first flush failed"));
        }
        Ok(())
    }
}

// ---------------------------------------------------------------- the child

fn log(n: u64) {
    for i in 0..n {
        fapilog::info!(i, "record");
        // Several batches, so that the sink fails several times.
        if i % 10 == 9 {
            println!("@flush{} {}", i / 10, fapilog::flush());
        }
    }
}

/// Prints what the parent checks: the stats and each sink's health.
fn print_results() {
    let s = fapilog::stats();
    println!("@submitted {}", s.submitted);
    println!("@delivered {}", s.delivered);
    println!("@fallback {}", s.fallback);
    println!("@dropped {}", s.dropped);
    println!("@drop_summaries {}", s.drop_summaries);
    println!("@sink_errors {}", s.sink_errors);
    println!("@sink_panics {}", s.sink_panics);
    for h in fapilog::sink_health() {
        println!(
            "@health {}|{}|{}|{}",
            h.name,
            h.errors,
            h.panics,
            h.last_error.unwrap_or_default()
        );
    }
}

/// The child's entry point: does nothing unless the parent set a scenario.
#[test]
fn child() {
    let Ok(scenario) = std::env::var(SCENARIO_VAR) else {
        return;
    };
    // The harness's "test child ... " has no newline yet.
    println!();
    let builder = fapilog::builder()
        .backpressure(Duration::ZERO, false)
        // Drops are summarised at shutdown only, so that no summary fails
        // (and loses a record) at a time the test does not choose.
        .drop_summary_interval(Duration::from_secs(3600))
        .flush_timeout(Duration::from_secs(10));
    match scenario.as_str() {
        "unauthorized" => {
            let guard = builder.sink(Unauthorized).install().expect("install");
            log(RECORDS);
            println!("@flush {}", fapilog::flush());
            println!("@shutdown {}", guard.shutdown());
        }
        "rescued" => {
            let guard = builder
                .sink(Unauthorized)
                .fallback(Collect::new(Format::Flat))
                .install()
                .expect("install");
            log(RECORDS);
            println!("@flush {}", fapilog::flush());
            println!("@shutdown {}", guard.shutdown());
        }
        "loses_its_buffer" => {
            let guard = builder
                .sink(LosesItsBuffer::default())
                .install()
                .expect("install");
            for i in 0..10 {
                fapilog::info!(i, "record");
            }
            println!("@flush {}", fapilog::flush());
            println!("@shutdown {}", guard.shutdown());
        }
        "panicking" => {
            let guard = builder.sink(Panicking).install().expect("install");
            fapilog::info!("record");
            println!("@flush {}", fapilog::flush());
            println!("@shutdown {}", guard.shutdown());
        }
        "idle_flush_fails" => {
            let (told, flushes) = mpsc::channel();
            let guard = builder
                .sink(FailsOneFlush { flushes: 0, told })
                .install()
                .expect("install");
            fapilog::info!("record");
            // The sink's first flush is the idle one, 100 ms after the batch.
            let first = flushes.recv_timeout(Duration::from_secs(5));
            println!("@idle_flush {}", first.is_ok());
            println!("@flush1 {}", fapilog::flush());
            println!("@flush2 {}", fapilog::flush());
            println!("@shutdown {}", guard.shutdown());
        }
        #[cfg(target_os = "linux")]
        "stderr_full" => {
            // Every write to stderr now fails (ENOSPC).
            let full = std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .expect("/dev/full");
            // SAFETY: makes descriptor 2 of this process a copy of `full`'s
            // descriptor, which stays open for the call.
            let r = unsafe { libc::dup2(std::os::fd::AsRawFd::as_raw_fd(&full), 2) };
            assert_eq!(r, 2, "dup2");
            let guard = builder.sink(Unauthorized).install().expect("install");
            log(RECORDS);
            println!("@flush {}", fapilog::flush());
            println!("@shutdown {}", guard.shutdown());
        }
        other => panic!("unknown scenario {other}"),
    }
    print_results();
}

// ---------------------------------------------------------------- the parent

/// What a child printed.
struct Child {
    out: Output,
    stdout: String,
    stderr: String,
}

impl Child {
    fn run(scenario: &str) -> Child {
        let out = common::child_command(SCENARIO_VAR, scenario)
            .output()
            .expect("run the child");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let child = Child {
            out,
            stdout,
            stderr,
        };
        assert!(child.out.status.success(), "{}", child.describe());
        child
    }

    fn describe(&self) -> String {
        format!(
            "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.out.status, self.stdout, self.stderr
        )
    }

    /// The value the child printed as `@name value`.
    fn value(&self, name: &str) -> &str {
        let prefix = format!("@{name} ");
        self.stdout
            .lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .unwrap_or_else(|| panic!("no @{name}:\n{}", self.describe()))
    }

    fn flag(&self, name: &str) -> bool {
        self.value(name).parse().expect("true or false")
    }

    fn number(&self, name: &str) -> u64 {
        self.value(name).parse().expect("a number")
    }

    /// The sink's health: errors, panics, last error.
    fn health(&self, sink: &str) -> (u64, u64, String) {
        let line = self
            .stdout
            .lines()
            .filter_map(|l| l.strip_prefix("@health "))
            .find(|l| l.split('|').next() == Some(sink))
            .unwrap_or_else(|| panic!("no health of {sink}:\n{}", self.describe()));
        let f: Vec<&str> = line.splitn(4, '|').collect();
        (
            f[1].parse().unwrap(),
            f[2].parse().unwrap(),
            f[3].to_string(),
        )
    }

    /// fapilog's lines about `sink` on stderr.
    fn reports(&self, sink: &str) -> Vec<&str> {
        let about = format!("fapilog: sink \"{sink}\"");
        self.stderr
            .lines()
            .filter(|l| l.starts_with(&about))
            .collect()
    }
}

#[test]
fn a_sink_that_refuses_every_batch_is_named_on_stderr_with_its_error() {
    let c = Child::run("unauthorized");
    let errors = c.number("sink_errors");
    assert!(errors > 1, "{}", c.describe());
    let reports = c.reports("http:collector");
    assert_eq!(
        reports.first().copied(),
        Some("fapilog: sink \"http:collector\" failed: 401 Unauthorized: bad API key"),
        "the first failure at once: {}",
        c.describe()
    );
    // All within a second: rate-limited to that line, and one at close for
    // the others.
    let rest: Vec<String> = reports.iter().skip(1).map(|l| l.to_string()).collect();
    assert_eq!(
        rest,
        [format!(
            "fapilog: sink \"http:collector\": {} more failure(s) since the last report; the last: 401 Unauthorized: bad API key",
            errors - 1
        )],
        "{}",
        c.describe()
    );
    assert_eq!(
        c.health("http:collector"),
        (errors, 0, "401 Unauthorized: bad API key".to_string())
    );
}

#[test]
fn flush_and_shutdown_say_false_when_every_record_was_lost() {
    let c = Child::run("unauthorized");
    for i in 0..RECORDS / 10 {
        assert!(!c.flag(&format!("flush{i}")), "{}", c.describe());
    }
    // Nothing was logged, and nothing failed, since the last of those.
    assert!(c.flag("flush"), "{}", c.describe());
    // The drop summary written at shutdown failed.
    assert!(!c.flag("shutdown"), "{}", c.describe());
    assert_eq!(c.number("delivered"), 0, "{}", c.describe());
    // The drop summaries went to the same broken sink: lost and counted
    // too, and reported with the rest.
    assert_eq!(
        c.number("dropped"),
        RECORDS + c.number("drop_summaries"),
        "{}",
        c.describe()
    );
}

#[test]
fn a_flush_that_loses_buffered_records_is_reported_and_answered_false() {
    let c = Child::run("loses_its_buffer");
    assert!(!c.flag("flush"), "{}", c.describe());
    assert!(!c.flag("shutdown"), "its close fails too: {}", c.describe());
    assert_eq!(
        c.reports("buffering").first().copied(),
        Some("fapilog: sink \"buffering\" failed: connection reset by peer"),
        "{}",
        c.describe()
    );
    let (errors, panics, last) = c.health("buffering");
    assert!(errors >= 2, "the flush and the close: {}", c.describe());
    assert_eq!((panics, last.as_str()), (0, "connection reset by peer"));
}

#[test]
fn records_the_fallback_rescued_are_not_lost_but_the_failure_is_reported() {
    let c = Child::run("rescued");
    for i in 0..RECORDS / 10 {
        assert!(c.flag(&format!("flush{i}")), "{}", c.describe());
    }
    assert!(c.flag("flush"), "{}", c.describe());
    assert!(c.flag("shutdown"), "{}", c.describe());
    assert_eq!(c.number("fallback"), RECORDS, "{}", c.describe());
    assert_eq!(c.number("dropped"), 0, "{}", c.describe());
    assert_eq!(
        c.reports("http:collector").first().copied(),
        Some("fapilog: sink \"http:collector\" failed: 401 Unauthorized: bad API key"),
        "{}",
        c.describe()
    );
    assert_eq!(
        c.health("collect (fallback)"),
        (0, 0, String::new()),
        "{}",
        c.describe()
    );
}

#[test]
fn a_panicking_sink_is_reported_with_its_panic_message() {
    let c = Child::run("panicking");
    assert!(!c.flag("flush"), "{}", c.describe());
    assert!(!c.flag("shutdown"), "{}", c.describe());
    assert_eq!(
        c.reports("panicking").first().copied(),
        Some("fapilog: sink \"panicking\" failed: panicked: sink exploded (expected by the test)"),
        "{}",
        c.describe()
    );
    let (errors, panics, last) = c.health("panicking");
    assert_eq!(errors, 0);
    assert!(panics >= 1, "{}", c.describe());
    assert_eq!(last, "panicked: sink exploded (expected by the test)");
}

#[test]
fn a_failed_idle_flush_is_told_to_the_next_flush_only() {
    let c = Child::run("idle_flush_fails");
    assert!(c.flag("idle_flush"), "the sink was flushed while idle");
    assert!(!c.flag("flush1"), "{}", c.describe());
    assert!(c.flag("flush2"), "{}", c.describe());
    assert!(c.flag("shutdown"), "{}", c.describe());
    assert_eq!(
        c.reports("flaky"),
        ["fapilog: sink \"flaky\" failed: first flush failed"],
        "{}",
        c.describe()
    );
}

/// Reports to a stderr that cannot be written (a full disk) are given up
/// quietly: no panic in the sink's thread (which would leave flushes
/// unanswered), and the answers are the same.
#[cfg(target_os = "linux")]
#[test]
fn an_unwritable_stderr_is_ignored() {
    let c = Child::run("stderr_full");
    assert!(!c.flag("flush9"), "{}", c.describe());
    assert!(!c.flag("shutdown"), "{}", c.describe());
    assert_eq!(c.number("sink_panics"), 0, "{}", c.describe());
    assert_eq!(
        c.health("http:collector").2,
        "401 Unauthorized: bad API key",
        "{}",
        c.describe()
    );
}
