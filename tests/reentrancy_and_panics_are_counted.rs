//! Losses caused by user code are counted, never silent, and never break
//! the logger: a `Display` impl that logs (re-entrancy), a `Display` impl
//! that panics, and sinks that fail or panic.

mod common;

use std::fmt;
use std::io;
use std::panic::{self, AssertUnwindSafe};

use common::{is_drop_summary, parse, serial, u64_fields, Collect};
use fapilog::sink::{Batch, Format, Sink};
use fapilog::{DropReason, Level};
use simd_json::prelude::*;

/// Logs while being formatted.
struct Chatty;
impl fmt::Display for Chatty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fapilog::warn!(inner = true, "logged from inside Display");
        f.write_str("chatty")
    }
}

/// Panics while being formatted.
struct Explosive;
impl fmt::Display for Explosive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("partial output, then ")?;
        panic!("Display exploded");
    }
}

#[test]
fn a_display_impl_that_logs_delivers_the_outer_record_and_counts_the_inner_one() {
    let _serial = serial();
    let sink = Collect::new(Format::Flat);
    let guard = fapilog::builder()
        .sink(sink.clone())
        .drop_summary_interval(std::time::Duration::from_secs(3600))
        .install()
        .expect("install");
    let chatty = Chatty;
    fapilog::info!(value = %chatty, "outer");
    fapilog::info!(after = 1, "next call on the same thread");
    assert!(guard.shutdown());

    let s = fapilog::stats();
    assert_eq!(s.submitted, 3, "{s:#?}");
    assert_eq!(s.processed, 2, "{s:#?}");
    assert_eq!(s.dropped, 1, "{s:#?}");
    assert_eq!(s.dropped_for(DropReason::Reentrant), 1, "{s:#?}");
    assert_eq!(
        s.dropped_for_at(DropReason::Reentrant, Level::Warning),
        1,
        "counted at the inner record's level"
    );
    let lines: Vec<String> = sink
        .lines()
        .into_iter()
        .filter(|l| !is_drop_summary(l))
        .collect();
    assert_eq!(lines.len(), 2, "{lines:#?}");
    let outer = parse(&lines[0]);
    assert_eq!(outer["message"], "outer");
    assert_eq!(outer["value"], "chatty");
    assert_eq!(parse(&lines[1])["after"], 1u64);
    assert!(!lines.iter().any(|l| l.contains("inside Display")));
}

#[test]
fn a_display_impl_that_panics_propagates_is_counted_and_leaves_the_thread_able_to_log() {
    let _serial = serial();
    let sink = Collect::new(Format::Flat);
    let guard = fapilog::builder()
        .sink(sink.clone())
        .drop_summary_interval(std::time::Duration::from_secs(3600))
        .install()
        .expect("install");
    fapilog::info!(n = 0u64, "before");
    let caught = panic::catch_unwind(AssertUnwindSafe(|| {
        let bomb = Explosive;
        fapilog::error!(n = 1u64, bomb = %bomb, "never written");
    }));
    let payload = caught.expect_err("the panic reaches the caller");
    assert_eq!(
        payload.downcast_ref::<&str>().copied(),
        Some("Display exploded")
    );
    // The same thread (and ring) keeps working, many times over: the
    // abandoned half-record must not corrupt what comes after.
    for n in 2..2002u64 {
        fapilog::info!(n, "after");
    }
    assert!(guard.shutdown());

    let s = fapilog::stats();
    assert_eq!(s.submitted, 2002, "{s:#?}");
    assert_eq!(s.processed, 2001, "{s:#?}");
    assert_eq!(s.dropped_for(DropReason::Panicked), 1, "{s:#?}");
    assert_eq!(s.dropped_for_at(DropReason::Panicked, Level::Error), 1);
    assert_eq!(s.dropped, 1, "{s:#?}");
    assert_eq!(s.dropped_for(DropReason::Corrupt), 0);
    let ns: Vec<u64> = sink
        .lines()
        .iter()
        .filter(|l| !is_drop_summary(l))
        .map(|l| u64_fields(l.as_bytes(), ["n"]).expect("n")[0])
        .collect();
    let expected: Vec<u64> = std::iter::once(0).chain(2..2002).collect();
    assert_eq!(ns, expected);
}

/// Fails every batch: by error or by panic.
struct Failing {
    panics: bool,
}

impl Sink for Failing {
    fn name(&self) -> &str {
        if self.panics {
            "panicking"
        } else {
            "erroring"
        }
    }
    fn format(&self) -> Format {
        Format::Flat
    }
    fn write_batch(&mut self, _batch: &Batch) -> io::Result<()> {
        if self.panics {
            panic!("sink exploded (expected by the test)");
        }
        Err(io::Error::other("disk on fire (expected by the test)"))
    }
}

#[test]
fn failing_and_panicking_sinks_are_counted_and_do_not_stop_the_others() {
    const N: u64 = 3000;
    let _serial = serial();
    let good = Collect::new(Format::Flat);
    let guard = fapilog::builder()
        .sink(Failing { panics: true })
        .sink(good.clone())
        .sink(Failing { panics: false })
        .backpressure(std::time::Duration::ZERO, false)
        .drop_summary_interval(std::time::Duration::from_secs(3600))
        .install()
        .expect("install");
    // Three rounds with a flush between: several batches reach each sink,
    // so each failing sink keeps failing after its first failure.
    for round in 0..3 {
        for i in 0..N / 3 {
            fapilog::info!(n = round * (N / 3) + i, "r");
        }
        // The failing sinks lost every record: flush says so.
        assert!(!fapilog::flush(), "round {round}");
    }
    // And so does shutdown, for the drop summary they lose.
    assert!(!guard.shutdown());

    let s = fapilog::stats();
    assert_eq!(s.submitted, N, "{s:#?}");
    assert_eq!(s.processed, N, "{s:#?}");
    assert!(s.sink_panics >= 3, "one per batch at least: {s:#?}");
    assert!(s.sink_errors >= 3, "one per batch at least: {s:#?}");
    // Each record (and the shutdown drop summary) failed in both failing
    // sinks and reached the good one.
    let records = N + s.drop_summaries;
    assert_eq!(s.dropped_for(DropReason::SinkError), 2 * records, "{s:#?}");
    assert_eq!(s.delivered, records, "{s:#?}");
    assert_eq!(s.dropped_before_processing(), 0);

    let lines = good.lines();
    let ns: Vec<u64> = lines
        .iter()
        .filter(|l| !is_drop_summary(l))
        .map(|l| u64_fields(l.as_bytes(), ["n"]).expect("n")[0])
        .collect();
    assert_eq!(
        ns,
        (0..N).collect::<Vec<_>>(),
        "the good sink got every record"
    );
    let summaries: Vec<_> = lines.iter().filter(|l| is_drop_summary(l)).collect();
    assert_eq!(summaries.len() as u64, s.drop_summaries);
    if let Some(last) = summaries.last() {
        let v = parse(last);
        assert_eq!(v["level"], "WARNING");
        assert_eq!(v["logger"], "fapilog");
        assert!(v["dropped"].as_u64().unwrap() >= 2 * N, "{last}");
    }
}

struct LogsOnDrop;

impl Drop for LogsOnDrop {
    fn drop(&mut self) {
        fapilog::info!(from = "a thread-local destructor", "late");
    }
}

thread_local! {
    static LATE: LogsOnDrop = const { LogsOnDrop };
}

#[test]
fn a_record_logged_while_a_thread_exits_is_delivered_or_counted() {
    let _serial = serial();
    let sink = Collect::new(Format::Flat);
    let guard = fapilog::builder().sink(sink.clone()).install().unwrap();
    std::thread::spawn(|| {
        // Register this destructor first: it then runs after fapilog's own
        // thread-local is gone (destructors run in reverse order).
        LATE.with(|_| {});
        fapilog::info!("early");
    })
    .join()
    .unwrap();
    drop(guard);
    let s = fapilog::stats();
    let late = sink
        .lines()
        .iter()
        .filter(|l| l.contains("\"late\""))
        .count() as u64;
    assert_eq!(
        late + s.dropped_for(DropReason::ThreadExit),
        1,
        "delivered or counted: {s:?}"
    );
    assert_eq!(
        s.submitted,
        s.processed + s.dropped_before_processing(),
        "{s:?}"
    );
}

/// A sink that logs a line through fapilog for every batch it writes.
struct LogsWhatItWrites(Collect);

impl Sink for LogsWhatItWrites {
    fn name(&self) -> &str {
        "logs-what-it-writes"
    }
    fn format(&self) -> Format {
        Format::Flat
    }
    fn write_batch(&mut self, batch: &Batch) -> io::Result<()> {
        fapilog::info!(lines = batch.len(), "wrote a batch");
        self.0.write_batch(batch)
    }
}

#[test]
fn a_sink_that_logs_is_counted_instead_of_feeding_itself() {
    let _serial = serial();
    let lines = Collect::new(Format::Flat);
    let guard = fapilog::builder()
        .sink(LogsWhatItWrites(lines.clone()))
        .drop_summary_interval(std::time::Duration::from_secs(3600))
        .install()
        .expect("install");
    fapilog::info!("one application record");
    assert!(fapilog::flush());
    // Idle: a record logged by the sink used to become a batch of its own,
    // which the sink logged again (6,680 batches in 2 s in the review).
    std::thread::sleep(std::time::Duration::from_millis(300));
    let s = fapilog::stats();
    assert_eq!(s.processed, 1, "{s:#?}");
    assert_eq!(
        s.dropped_for_at(DropReason::Reentrant, Level::Info),
        1,
        "{s:#?}"
    );
    assert!(guard.shutdown());
    // The application's record, and the summary of the drop at shutdown.
    let lines = lines.lines();
    assert_eq!(lines.iter().filter(|l| !is_drop_summary(l)).count(), 1);
}
