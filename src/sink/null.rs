//! A sink that discards everything: for benchmarks and tests.

use super::{Batch, Format, Sink};
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Discards records, counting them. Clones share the count.
#[derive(Clone, Debug)]
pub struct Null {
    format: Format,
    records: Arc<AtomicU64>,
}

impl Null {
    /// A null sink that still serializes records as the envelope (so
    /// benchmarks measure the whole pipeline).
    pub fn new() -> Null {
        Null::with_format(Format::Envelope)
    }

    /// A null sink asking for `format`.
    pub fn with_format(format: Format) -> Null {
        Null {
            format,
            records: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Records written to this sink (and its clones) so far.
    pub fn records(&self) -> u64 {
        self.records.load(Ordering::Relaxed)
    }
}

impl Default for Null {
    fn default() -> Self {
        Null::new()
    }
}

impl Sink for Null {
    fn name(&self) -> &str {
        "null"
    }
    fn format(&self) -> Format {
        self.format
    }
    fn write_batch(&mut self, batch: &Batch) -> io::Result<()> {
        self.records
            .fetch_add(batch.len() as u64, Ordering::Relaxed);
        Ok(())
    }
}
