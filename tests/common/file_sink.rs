//! Helpers for the tests that drive the File sink through the `Sink` trait.

use super::TempDir;
use fapilog::sink::{Batch, File};
use fapilog::Level;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

/// 2026-11-21T10:15:00Z.
pub const T0: u64 = 1_795_256_100;

/// A fresh, empty directory for one test, removed when the guard drops,
/// whether the test passed or not.
pub fn scratch(test: &str) -> TempDir {
    let dir = TempDir::new(&format!("file-{test}"));
    std::fs::create_dir_all(&dir.0).unwrap();
    dir
}

/// A clock tests move by hand, in whole seconds since the epoch.
#[derive(Clone)]
pub struct FakeClock(Arc<AtomicU64>);

impl FakeClock {
    pub fn at(secs: u64) -> FakeClock {
        FakeClock(Arc::new(AtomicU64::new(secs)))
    }
    pub fn set(&self, secs: u64) {
        self.0.store(secs, Ordering::SeqCst);
    }
    pub fn install(&self, sink: File) -> File {
        let secs = Arc::clone(&self.0);
        sink.clock(move || UNIX_EPOCH + Duration::from_secs(secs.load(Ordering::SeqCst)))
    }
}

/// A batch of INFO lines.
pub fn batch<S: AsRef<str>>(lines: &[S]) -> Batch {
    let mut batch = Batch::default();
    for (i, line) in lines.iter().enumerate() {
        batch.push_line(Level::Info, i as u64, line.as_ref().as_bytes());
    }
    batch
}
