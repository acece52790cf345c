//! One file per logger. Each builds its logger from a [`Setup`] and logs the
//! common [`Rec`] with its own idiomatic structured-logging macro.

use crate::harness::Output;
use std::path::PathBuf;
use std::time::Duration;

mod fapilog;
mod ftlog;
mod slog;
mod spdlog;
mod tracing;

/// The record every logger writes: message "request handled" plus five fields.
#[derive(Clone, Copy, Debug)]
pub struct Rec {
    pub request_id: &'static str,
    pub user_id: u64,
    pub latency_ms: f64,
    pub path: &'static str,
    pub status: u16,
}

const IDS: [&str; 8] = [
    "a1b2c3d4e5f60718",
    "0f1e2d3c4b5a6978",
    "deadbeefcafef00d",
    "0123456789abcdef",
    "fedcba9876543210",
    "1111222233334444",
    "9a8b7c6d5e4f3a2b",
    "c0ffee00c0ffee00",
];
const PATHS: [&str; 4] = [
    "/api/v1/users/42",
    "/api/v1/orders/7",
    "/api/v1/users/1337",
    "/healthz/ready/01",
];

/// 64 distinct records, cycled through so nothing is constant-folded.
pub fn records() -> Vec<Rec> {
    (0..64u64)
        .map(|i| Rec {
            request_id: IDS[i as usize % IDS.len()],
            user_id: 1_000 + i * 7,
            latency_ms: 0.25 + i as f64 * 1.5,
            path: PATHS[i as usize % PATHS.len()],
            status: [200, 201, 404, 500][i as usize % 4],
        })
        .collect()
}

/// Where records go.
#[derive(Clone)]
pub enum Target {
    /// The harness's counting writer (discards bytes, counts lines).
    Null,
    /// Counting writer that sleeps 10 ms per write call.
    Slow,
    /// The logger's own file appender, writing into this (empty) directory.
    File(PathBuf),
}

/// How to build a logger for one run.
#[derive(Clone)]
pub struct Setup {
    pub target: Target,
    pub out: Output,
    /// Drop records when the queue is full instead of blocking the caller.
    pub lossy: bool,
    /// Queue capacity in records (fapilog: slots per producer ring).
    pub queue: usize,
}

/// What a logger reports once drained.
pub struct Finished {
    /// Records the logger itself says it dropped; `None` if it can't tell.
    pub dropped: Option<u64>,
}

/// A logger under test. `log` is one call of its macro with the common record.
pub trait Logger: Sync {
    fn log(&self, r: &Rec);
    /// Drains the queue and flushes the sink. `expect` is the line count a
    /// lossless run must reach (for loggers whose guard can return early).
    fn finish(self: Box<Self>, expect: Option<u64>) -> Finished;
    /// `n` timed calls of [`Logger::log`], from record `start` on (cycling
    /// through `recs`), one sample in ticks per call. A provided method, so
    /// each logger gets its own copy in which `log` is a direct call: the
    /// timed region holds the log call, not a virtual call to it.
    fn timed_burst(&self, recs: &[Rec; 64], n: usize, start: usize, samples: &mut Vec<u64>) {
        for i in start..start + n {
            let r = &recs[i & 63];
            let t0 = crate::harness::ticks();
            self.log(std::hint::black_box(r));
            let t1 = crate::harness::ticks();
            samples.push(t1 - t0);
        }
    }
}

/// A built logger and a one-line description of its configuration.
pub type Built = (Box<dyn Logger>, String);

/// Builds a logger for a setup.
pub type Build = fn(&Setup) -> Built;

/// Every logger, by name.
pub const ALL: &[(&str, Build)] = &[
    ("fapilog", fapilog::build),
    ("tracing", tracing::build),
    ("slog", slog::build),
    ("ftlog", ftlog::build),
    ("spdlog", spdlog::build),
];

/// Time a lossless drain may take before the run is declared failed.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(60);
