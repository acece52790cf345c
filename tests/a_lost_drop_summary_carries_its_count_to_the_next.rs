//! A "fapilog dropped N records in the last T ms" summary that meets a full
//! sink queue waits briefly for room; if no sink takes it, its N is carried
//! over to the next summary instead of going out of the log with it. So the
//! summaries that arrive add up to every drop, and the last one's
//! `total_dropped` is the final count.

mod common;

use std::time::{Duration, Instant};

use common::{is_drop_summary, serial, Collect, Slow};
use fapilog::sink::Format;

#[test]
fn the_summaries_that_arrive_add_up_to_every_drop() {
    let _serial = serial();
    let lines = Collect::new(Format::Flat);
    let guard = common::builder()
        .sink(Slow {
            lines: lines.clone(),
            per_batch: Duration::from_millis(5),
        })
        .no_fallback()
        .backpressure(Duration::ZERO, true)
        .sink_queue(1)
        .batch_records(16)
        .drop_summary_interval(Duration::from_millis(20))
        .install()
        .expect("install");
    // About a second of logging far faster than 16 records per 5 ms.
    let start = Instant::now();
    let mut i = 0u64;
    while start.elapsed() < Duration::from_secs(1) {
        for _ in 0..100 {
            fapilog::info!(i, "record");
            i += 1;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    assert!(guard.shutdown(), "shutdown in time");
    let stats = fapilog::stats();

    let summaries: Vec<(u64, u64)> = lines
        .lines()
        .iter()
        .filter(|l| is_drop_summary(l))
        .map(|l| {
            let v = common::parse(l);
            use simd_json::prelude::*;
            (
                v["dropped"].as_u64().expect("dropped"),
                v["total_dropped"].as_u64().expect("total_dropped"),
            )
        })
        .collect();
    assert!(stats.dropped > 0, "the test needs drops: {stats:?}");
    assert!(summaries.len() > 5, "summaries: {summaries:?}");
    let reported: u64 = summaries.iter().map(|&(dropped, _)| dropped).sum();
    let last_total = summaries.last().map(|&(_, total)| total);
    assert_eq!(
        (reported, last_total),
        (stats.dropped, Some(stats.dropped)),
        "{} summaries arrived: {summaries:?}\n{stats:?}",
        summaries.len()
    );
}
