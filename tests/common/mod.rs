//! Helpers shared by the integration tests.
#![allow(dead_code)]

use fapilog::sink::{Batch, Format, Sink};
use std::io;
use std::sync::{Arc, Mutex, MutexGuard};

/// Only one logger may be installed per process: tests in one binary take
/// this lock around install … shutdown.
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// A sink that keeps every line it receives.
#[derive(Clone)]
pub struct Collect {
    pub format: Format,
    pub lines: Arc<Mutex<Vec<String>>>,
}

impl Collect {
    pub fn new(format: Format) -> Collect {
        Collect {
            format,
            lines: Arc::default(),
        }
    }

    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }
}

impl Sink for Collect {
    fn name(&self) -> &str {
        "collect"
    }
    fn format(&self) -> Format {
        self.format
    }
    fn write_batch(&mut self, batch: &Batch) -> io::Result<()> {
        let mut lines = self.lines.lock().unwrap();
        for (_, line) in batch.iter() {
            let s = std::str::from_utf8(line).expect("sinks receive UTF-8");
            assert!(
                s.ends_with('\n') && !s[..s.len() - 1].contains('\n'),
                "one record per line: {s:?}"
            );
            lines.push(s[..s.len() - 1].to_string());
        }
        Ok(())
    }
}

/// Parses a JSON line with simd-json.
pub fn parse(line: &str) -> simd_json::OwnedValue {
    let mut bytes = line.as_bytes().to_vec();
    simd_json::to_owned_value(&mut bytes).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
}
