//! A record of up to half the ring arrives whole wherever in the ring it
//! lands: one that has to move past the buffer's end, behind padding, is
//! neither dropped nor left waiting, whatever the backpressure policy.

mod common;

use common::{serial, Collect};
use fapilog::sink::Format;
use fapilog::DropReason;
use std::sync::mpsc;
use std::time::Duration;

/// Logs `small` one-slot records, waits until the worker has taken them
/// (the ring is empty again), then one record holding a `big`-byte string.
/// Returns whether that call returned in time, and the lines.
fn small_records_then_a_big_one(
    builder: fapilog::LoggerBuilder,
    small: usize,
    big: usize,
) -> (bool, Vec<String>, fapilog::Stats) {
    let lines = Collect::new(Format::Flat);
    let guard = builder.sink(lines.clone()).install().expect("install");
    let (done, returned) = mpsc::channel();
    std::thread::spawn(move || {
        for _ in 0..small {
            fapilog::info!("small");
        }
        assert!(fapilog::flush(), "the small records reach the sink");
        let text = "y".repeat(big);
        fapilog::info!(text = text.as_str(), "big");
        let _ = done.send(());
    });
    // Miri runs about a thousand times slower.
    let patience = Duration::from_secs(if cfg!(miri) { 600 } else { 10 });
    let returned = returned.recv_timeout(patience).is_ok();
    assert!(guard.shutdown(), "shutdown flushed everything in time");
    (returned, lines.lines(), fapilog::stats())
}

fn assert_whole(
    returned: bool,
    lines: &[String],
    stats: &fapilog::Stats,
    small: usize,
    big: usize,
) {
    assert!(returned, "the log call never returned");
    assert_eq!(stats.dropped_for(DropReason::QueueFull), 0, "{stats:?}");
    assert_eq!(lines.len(), small + 1);
    let last: serde_json::Value = serde_json::from_str(&lines[small]).expect("JSON");
    assert_eq!(last["text"].as_str().map(str::len), Some(big), "not cut");
}

/// 64 slots of 64 bytes, 8 reserved for protected levels: 34 one-slot
/// records put the next record at slot 34, and a 1,900-byte string takes 31
/// slots, which have to move to the start behind 30 slots of padding.
fn small_ring() -> fapilog::LoggerBuilder {
    common::builder()
        .capacity(64)
        .slot_size(64)
        .protected_reserve(8)
}

#[test]
fn under_the_blocking_policy_a_wrapping_record_does_not_wait_for_ever() {
    let _serial = serial();
    let builder = small_ring().backpressure(Duration::ZERO, false);
    let (returned, lines, stats) = small_records_then_a_big_one(builder, 34, 1900);
    assert_whole(returned, &lines, &stats, 34, 1900);
}

#[test]
fn under_the_drop_policy_a_wrapping_record_is_not_dropped_by_an_empty_ring() {
    let _serial = serial();
    let builder = small_ring().backpressure(Duration::ZERO, true);
    let (returned, lines, stats) = small_records_then_a_big_one(builder, 34, 1900);
    assert_whole(returned, &lines, &stats, 34, 1900);
}

#[test]
fn with_the_default_ring_a_quarter_megabyte_value_arrives_whole() {
    let _serial = serial();
    let (returned, lines, stats) = small_records_then_a_big_one(common::builder(), 2200, 250_000);
    assert_whole(returned, &lines, &stats, 2200, 250_000);
}
