//! A File sink whose disk is full (`/dev/full`: every write fails with
//! ENOSPC) through the public API: its records are never counted as
//! delivered. Without a fallback they are counted dropped (`SinkError`);
//! with one, they reach it and are counted in `fallback`.
#![cfg(target_os = "linux")]

mod common;

use common::{parse, serial, Collect};
use fapilog::sink::{File, Format};
use fapilog::{DropReason, Level, Stats};
use simd_json::prelude::*;
use std::path::Path;
use std::time::Duration;

/// A sink on `/dev/full`: the file `full` in `/dev`, opened for appending.
/// No rotation: that would rename the device.
fn full_disk() -> File {
    File::new("/dev").file_name("full").format(Format::Flat)
}

/// Logs `n` INFO records numbered by `i`.
fn log(n: u64) {
    for i in 0..n {
        fapilog::info!(i, "record");
    }
}

/// The `i` of each "record" line, in order (drop summaries left out).
fn numbers(lines: &[String]) -> Vec<u64> {
    lines
        .iter()
        .map(|l| parse(l))
        .filter(|v| v["message"] == "record")
        .map(|v| v["i"].as_u64().expect("i"))
        .collect()
}

/// Every record processed (and every drop summary) ended delivered,
/// rescued or dropped for its one sink.
fn assert_books(s: &Stats) {
    assert_eq!(s.dropped_before_processing(), 0, "{s:#?}");
    assert_eq!(s.submitted, s.processed, "{s:#?}");
    assert_eq!(
        s.processed + s.drop_summaries,
        s.delivered
            + s.fallback
            + s.dropped_for(DropReason::SinkFull)
            + s.dropped_for(DropReason::SinkError),
        "{s:#?}"
    );
}

const N: u64 = 1000;

#[test]
fn records_a_full_disk_refuses_are_counted_dropped_not_delivered() {
    if !Path::new("/dev/full").exists() {
        return;
    }
    let _serial = serial();
    let guard = fapilog::builder()
        .sink(full_disk())
        // Lossless and in several batches: every record reaches the sink.
        .backpressure(Duration::ZERO, false)
        .batch_records(64)
        .install()
        .expect("install");
    log(N);
    assert!(!fapilog::flush(), "records were lost: flush says so");
    // The drop summary written at shutdown is lost too.
    assert!(!guard.shutdown(), "records were lost: shutdown says so");

    let s = fapilog::stats();
    assert_eq!(s.processed, N, "{s:#?}");
    assert_eq!(s.delivered, 0, "nothing reached the disk: {s:#?}");
    assert_eq!(s.fallback, 0, "{s:#?}");
    assert_eq!(
        s.dropped_for_at(DropReason::SinkError, Level::Info),
        N,
        "every record counted lost, for the sink's error: {s:#?}"
    );
    assert_eq!(s.dropped_for(DropReason::SinkFull), 0, "{s:#?}");
    assert!(s.sink_errors >= 1, "{s:#?}");
    assert_books(&s);
}

#[test]
fn records_a_full_disk_refuses_reach_the_fallback() {
    if !Path::new("/dev/full").exists() {
        return;
    }
    let _serial = serial();
    let rescued = Collect::new(Format::Flat);
    let guard = fapilog::builder()
        .sink(full_disk())
        .fallback(rescued.clone())
        .backpressure(Duration::ZERO, false)
        .batch_records(64)
        // The fallback's queue must take every failed batch.
        .sink_queue(64)
        .install()
        .expect("install");
    log(N);
    assert!(guard.shutdown(), "shutdown flushed in time");

    let s = fapilog::stats();
    assert_eq!(s.processed, N, "{s:#?}");
    assert_eq!(s.delivered, 0, "nothing reached the disk: {s:#?}");
    assert_eq!(s.dropped_at(Level::Info), 0, "{s:#?}");
    assert!(s.fallback >= N, "{s:#?}");
    assert_books(&s);
    assert_eq!(
        numbers(&rescued.lines()),
        (0..N).collect::<Vec<_>>(),
        "every record reached the fallback once, in order"
    );
}
