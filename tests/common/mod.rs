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

/// `fapilog::builder()`, with room for miri's pace: the worker runs about a
/// thousand times slower under miri, so `flush()` and shutdown may wait
/// minutes there instead of the default 5 s.
pub fn builder() -> fapilog::LoggerBuilder {
    let builder = fapilog::builder();
    if cfg!(miri) {
        builder.flush_timeout(std::time::Duration::from_secs(600))
    } else {
        builder
    }
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

    /// The lines written so far, drop summaries left out, each parsed.
    pub fn records(&self) -> Vec<simd_json::OwnedValue> {
        self.lines()
            .iter()
            .filter(|l| !is_drop_summary(l))
            .map(|l| parse(l))
            .collect()
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

/// A [`Collect`] that takes `per_batch` over every batch, so that rings
/// and sink queues fill while records keep coming.
pub struct Slow {
    pub lines: Collect,
    pub per_batch: std::time::Duration,
}

impl Sink for Slow {
    fn name(&self) -> &str {
        "slow"
    }
    fn format(&self) -> Format {
        self.lines.format
    }
    fn write_batch(&mut self, batch: &Batch) -> io::Result<()> {
        std::thread::sleep(self.per_batch);
        self.lines.write_batch(batch)
    }
}

/// This test binary, run again to execute only its test `child`, with
/// `var=value` set so that `child` knows to run (env_logger's pattern for
/// what must happen in a process of its own: exit, a closed descriptor, an
/// affinity mask).
pub fn child_command(var: &str, value: impl AsRef<std::ffi::OsStr>) -> std::process::Command {
    let mut command = std::process::Command::new(std::env::current_exe().expect("test binary"));
    command
        .args(["--exact", "child", "--nocapture", "--test-threads=1"])
        .env(var, value);
    command
}

/// Waits (up to 30 s) until the worker has processed `target` records, so
/// that a count taken next covers their processing.
pub fn wait_processed(target: u64) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while fapilog::stats().processed < target {
        assert!(
            std::time::Instant::now() < deadline,
            "worker did not catch up: {:?}",
            fapilog::stats()
        );
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

/// Parses a JSON line with simd-json (with serde_json into the same value
/// type under miri: simd-json's parser breaks miri's aliasing rules, see
/// simd-lite/simd-json issue 446).
pub fn parse(line: &str) -> simd_json::OwnedValue {
    #[cfg(miri)]
    let parsed = serde_json::from_str(line).map_err(|e| e.to_string());
    #[cfg(not(miri))]
    let parsed =
        simd_json::to_owned_value(&mut line.as_bytes().to_vec()).map_err(|e| e.to_string());
    parsed.unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
}

/// A minimal append-to-file sink for the tests (independent of the library's
/// own file sink): one `write_all` per batch into a `BufWriter`, pushed to the
/// file on `flush()` and `close()`.
pub struct FileSink {
    path: std::path::PathBuf,
    format: Format,
    out: Option<io::BufWriter<std::fs::File>>,
}

impl FileSink {
    /// A sink writing flat JSON lines to `path` (created or truncated at
    /// install).
    pub fn new(path: impl Into<std::path::PathBuf>) -> FileSink {
        FileSink {
            path: path.into(),
            format: Format::Flat,
            out: None,
        }
    }

    pub fn with_format(mut self, format: Format) -> FileSink {
        self.format = format;
        self
    }
}

impl Sink for FileSink {
    fn name(&self) -> &str {
        "test-file"
    }
    fn format(&self) -> Format {
        self.format
    }
    fn open(&mut self) -> io::Result<()> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(true)
            .open(&self.path)?;
        self.out = Some(io::BufWriter::with_capacity(64 << 10, file));
        Ok(())
    }
    fn write_batch(&mut self, batch: &Batch) -> io::Result<()> {
        use io::Write;
        match &mut self.out {
            Some(out) => out.write_all(batch.as_bytes()),
            None => Err(io::Error::other("write before open")),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        use io::Write;
        match &mut self.out {
            Some(out) => out.flush(),
            None => Ok(()),
        }
    }
}

/// Reads unsigned integer fields of a flat JSON line without a JSON parser
/// or an allocation: `…,"t":3,…,"i":17,…` with `keys = ["t", "i"]` gives
/// `[3, 17]`, wherever the keys sit after the first one. `None` if a key is
/// missing or its value is not an unsigned integer.
pub fn u64_fields<const N: usize>(line: &[u8], keys: [&str; N]) -> Option<[u64; N]> {
    let mut out = [0u64; N];
    for (k, key) in keys.iter().enumerate() {
        // `,"key":` then digits.
        let mut needle = [0u8; 68];
        let n = key.len() + 4;
        if n > needle.len() {
            return None;
        }
        needle[..2].copy_from_slice(b",\"");
        needle[2..n - 2].copy_from_slice(key.as_bytes());
        needle[n - 2..n].copy_from_slice(b"\":");
        let at = line.windows(n).position(|w| w == &needle[..n])? + n;
        let digits = line[at..].iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 || digits > 20 {
            return None;
        }
        let mut v = 0u64;
        for &d in &line[at..at + digits] {
            v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
        }
        out[k] = v;
    }
    Some(out)
}

/// True for the worker's "fapilog dropped N records in the last T ms"
/// summary, in the flat format.
pub fn is_drop_summary(line: &str) -> bool {
    line.contains(r#""level":"WARNING","logger":"fapilog","message":"fapilog dropped "#)
}
pub mod counting_alloc;
pub mod file_sink;
pub mod secrets;

/// A directory of its own under the system's temp dir, emptied first and
/// removed on drop.
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("fapilog-test-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Sets environment variables for a scope and restores what was there,
/// even if the test fails.
pub struct Env(Vec<(&'static str, Option<std::ffi::OsString>)>);

impl Env {
    pub fn set(vars: &[(&'static str, &str)]) -> Env {
        let saved = vars
            .iter()
            .map(|&(k, v)| {
                let old = std::env::var_os(k);
                std::env::set_var(k, v);
                (k, old)
            })
            .collect();
        Env(saved)
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        for (k, old) in self.0.drain(..) {
            match old {
                Some(v) => std::env::set_var(k, v),
                None => std::env::remove_var(k),
            }
        }
    }
}
