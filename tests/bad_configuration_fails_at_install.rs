//! Invalid settings fail at `install()` with an error that names the setting
//! (or the sink), nothing panics, and nothing is left installed.

mod common;

use common::{serial, Collect};
use fapilog::sink::Format;
use fapilog::Error;
use std::io;
use std::time::Duration;

fn install_error(b: fapilog::LoggerBuilder) -> Error {
    match b.install() {
        Ok(_) => panic!("install should have failed"),
        Err(e) => e,
    }
}

fn assert_names_setting(e: &Error, setting: &str) {
    match e {
        Error::InvalidSetting { setting: s, .. } => assert_eq!(*s, setting, "{e}"),
        other => panic!("expected InvalidSetting({setting}), got {other:?}"),
    }
    let text = e.to_string();
    assert!(
        text.contains(&format!("`{setting}`")),
        "the message names the setting: {text}"
    );
}

#[test]
fn each_invalid_setting_is_named() {
    let _serial = serial();
    let cases: Vec<(fapilog::LoggerBuilder, &str)> = vec![
        (fapilog::builder().capacity(0), "capacity"),
        (fapilog::builder().capacity(1000), "capacity"),
        (fapilog::builder().capacity(8).slot_size(64), "capacity"),
        (fapilog::builder().slot_size(16), "slot_size"),
        (fapilog::builder().slot_size(100), "slot_size"),
        (fapilog::builder().slot_size(0), "slot_size"),
        (
            fapilog::builder().capacity(64).protected_reserve(32),
            "protected_reserve",
        ),
        (fapilog::builder().batch_records(0), "batch_records"),
        (fapilog::builder().batch_bytes(0), "batch_bytes"),
        (fapilog::builder().sink_queue(0), "sink_queue"),
        (
            fapilog::builder().flush_timeout(Duration::ZERO),
            "flush_timeout",
        ),
        (fapilog::builder().pin_worker(100_000), "pin_worker"),
    ];
    for (builder, setting) in cases {
        let e = install_error(builder.sink(Collect::new(Format::Flat)));
        assert_names_setting(&e, setting);
    }
    // Nothing was installed by any of them.
    let ok = fapilog::builder()
        .sink(Collect::new(Format::Flat))
        .install();
    assert!(ok.is_ok(), "{:?}", ok.err());
}

#[test]
fn an_unwritable_log_directory_names_the_sink_and_the_path() {
    let _serial = serial();
    let file = std::env::temp_dir().join(format!("fapilog-not-a-dir-{}", std::process::id()));
    std::fs::write(&file, b"a regular file").unwrap();
    let dir = file.join("logs");
    let e = install_error(fapilog::builder().sink(fapilog::sink::File::new(&dir)));
    match &e {
        Error::SinkOpen { sink, .. } => assert!(sink.starts_with("file:"), "{sink}"),
        other => panic!("expected SinkOpen, got {other:?}"),
    }
    let text = e.to_string();
    assert!(
        text.contains(&*dir.to_string_lossy()),
        "the message names the path: {text}"
    );
    std::fs::remove_file(&file).unwrap();
}

struct Refuses;

impl fapilog::sink::Sink for Refuses {
    fn name(&self) -> &str {
        "refuses"
    }
    fn open(&mut self) -> io::Result<()> {
        Err(io::Error::new(
            io::ErrorKind::ConnectionRefused,
            "no server on 127.0.0.1:9",
        ))
    }
    fn write_batch(&mut self, _: &fapilog::sink::Batch) -> io::Result<()> {
        unreachable!("never opened")
    }
}

#[test]
fn a_sink_that_cannot_open_fails_the_install_and_installs_nothing() {
    let _serial = serial();
    let working = Collect::new(Format::Flat);
    let e = install_error(fapilog::builder().sink(working.clone()).sink(Refuses));
    assert!(
        e.to_string().contains("`refuses`") && e.to_string().contains("127.0.0.1:9"),
        "{e}"
    );
    fapilog::info!("nobody listens");
    assert!(fapilog::flush());
    assert!(working.lines().is_empty());
    let guard = fapilog::builder()
        .sink(working.clone())
        .install()
        .expect("a later install works");
    fapilog::info!("now installed");
    drop(guard);
    assert_eq!(working.lines().len(), 1);
}

/// Installs `b` under `catch_unwind`: the error, or what went wrong instead
/// (a panic, or a logger that installed: shut down, or with `leak` leaked,
/// for a flush timeout that would panic at shutdown).
fn try_install(b: fapilog::LoggerBuilder, leak: bool) -> Result<Error, String> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| b.install())) {
        Ok(Err(e)) => Ok(e),
        Ok(Ok(guard)) => {
            if leak {
                std::mem::forget(guard);
            } else {
                guard.shutdown();
            }
            Err("installed".into())
        }
        Err(panic) => Err(format!(
            "panicked: {}",
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        )),
    }
}

#[test]
fn settings_too_large_to_work_with_fail_at_install_stating_the_limit() {
    let _serial = serial();
    let huge_wait = Duration::MAX;
    let an_hour_and_a_bit = Duration::from_secs(3600) + Duration::from_millis(1);
    let cases: Vec<(fapilog::LoggerBuilder, &str, &str)> = vec![
        // Panicked in a log call that found its ring full.
        (
            fapilog::builder().backpressure(huge_wait, true),
            "backpressure",
            "at most 1 hour",
        ),
        (
            fapilog::builder().backpressure(an_hour_and_a_bit, false),
            "backpressure",
            "at most 1 hour",
        ),
        // Panicked in install (capacity or multiplication overflow).
        (
            fapilog::builder().batch_records(usize::MAX),
            "batch_records",
            "1 to 1048576",
        ),
        (
            fapilog::builder().batch_records((1 << 20) + 1),
            "batch_records",
            "1 to 1048576",
        ),
        (
            fapilog::builder().batch_bytes(usize::MAX),
            "batch_bytes",
            "16 MiB",
        ),
        (
            fapilog::builder().batch_bytes((16 << 20) + 1),
            "batch_bytes",
            "16 MiB",
        ),
        (
            fapilog::builder().sink_queue(usize::MAX),
            "sink_queue",
            "1 to 1024",
        ),
        (
            fapilog::builder().sink_queue(1025),
            "sink_queue",
            "1 to 1024",
        ),
        // 1026 batches with room for 2 MiB each.
        (
            fapilog::builder().sink_queue(1024).batch_bytes(1 << 20),
            "sink_queue",
            "at most 1 GiB",
        ),
        (
            fapilog::builder().preallocated_producers(usize::MAX),
            "preallocated_producers",
            "at most 1024",
        ),
        // Panicked at flush and shutdown (adding it to `Instant::now()`);
        // last, since such a logger, once installed, cannot be shut down.
        (
            fapilog::builder().flush_timeout(huge_wait),
            "flush_timeout",
            "at most 1 hour",
        ),
        (
            fapilog::builder().flush_timeout(an_hour_and_a_bit),
            "flush_timeout",
            "at most 1 hour",
        ),
    ];
    let mut wrong = Vec::new();
    for (builder, setting, limit) in cases {
        let leak = setting == "flush_timeout";
        match try_install(builder.sink(Collect::new(Format::Flat)), leak) {
            Ok(Error::InvalidSetting {
                setting: s,
                expected,
                ..
            }) if s == setting && expected.contains(limit) => {}
            Ok(other) => wrong.push(format!("{setting}: {other}")),
            Err(e) => wrong.push(format!("{setting}: {e}")),
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");

    // The limits themselves are fine.
    let sink = Collect::new(Format::Flat);
    let guard = fapilog::builder()
        .sink(sink.clone())
        .flush_timeout(Duration::from_secs(3600))
        .backpressure(Duration::from_secs(3600), true)
        .batch_records(1 << 20)
        .batch_bytes(16 << 20)
        .sink_queue(16)
        .preallocated_producers(4)
        .install()
        .expect("the largest values are valid");
    for i in 0..1_000u32 {
        fapilog::info!(i, "within the limits");
    }
    assert!(fapilog::flush());
    assert!(guard.shutdown());
    assert_eq!(sink.lines().len(), 1_000);
}

#[test]
fn the_drop_summary_interval_has_a_range() {
    let _serial = serial();
    // ZERO summarized on every turn of the worker, MAX never: both were
    // accepted without a word.
    for every in [Duration::ZERO, Duration::from_millis(9), Duration::MAX] {
        let e = install_error(
            fapilog::builder()
                .sink(Collect::new(Format::Flat))
                .drop_summary_interval(every),
        );
        assert_names_setting(&e, "drop_summary_interval");
        assert!(e.to_string().contains("10 ms to 1 hour"), "{e}");
    }
    for every in [Duration::from_millis(10), Duration::from_secs(3600)] {
        let guard = fapilog::builder()
            .sink(Collect::new(Format::Flat))
            .drop_summary_interval(every)
            .install()
            .unwrap_or_else(|e| panic!("{every:?}: {e}"));
        drop(guard);
    }
}

#[test]
fn empty_process_fields_are_refused_in_code() {
    let _serial = serial();
    // FAPILOG_SERVICE="" means the default; service("") wrote an empty name.
    let cases: [(fapilog::LoggerBuilder, &str); 4] = [
        (fapilog::builder().service(""), "service"),
        (fapilog::builder().service("  "), "service"),
        (fapilog::builder().environment(""), "environment"),
        (fapilog::builder().version(""), "version"),
    ];
    for (builder, setting) in cases {
        let e = install_error(builder.sink(Collect::new(Format::Flat)));
        assert_names_setting(&e, setting);
    }
}

/// A directory for one test, removed when dropped.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("fapilog-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn two_sinks_writing_one_file_are_refused_naming_both() {
    use fapilog::sink::File;
    let _serial = serial();
    let tmp = TempDir::new("same-file");
    let dir = &tmp.0;
    let name = format!("file:{}", dir.join("fapilog.log").display());

    // Each would rotate and trim the file under the other.
    let e = install_error(
        fapilog::builder()
            .sink(File::new(dir))
            .sink(File::new(dir.join("sub/..")).format(Format::Flat)),
    );
    assert_names_setting(&e, "sink");
    assert!(e.to_string().contains(&name), "names the first: {e}");
    assert!(e.to_string().contains("sub/.."), "names the second: {e}");
    assert!(!dir.exists(), "refused before anything was opened");

    // The fallback on a sink's file.
    let e = install_error(
        fapilog::builder()
            .sink(File::new(dir).file_name("app.log"))
            .fallback(File::new(dir).file_name("app.log")),
    );
    assert_names_setting(&e, "fallback");

    // The file fallback of FAPILOG_FALLBACK_DIR on a sink's file.
    let env = common::Env::set(&[("FAPILOG_FALLBACK_DIR", dir.to_str().unwrap())]);
    let e = install_error(fapilog::builder().sink(File::new(dir).file_name("fallback.log")));
    drop(env);
    assert_names_setting(&e, "FAPILOG_FALLBACK_DIR");

    // Two files in one directory are fine.
    let guard = fapilog::builder()
        .sink(File::new(dir).file_name("a.log"))
        .sink(File::new(dir).file_name("b.log"))
        .install()
        .expect("two files");
    drop(guard);
}

#[test]
fn file_sink_settings_are_invalid_settings_not_open_failures() {
    use fapilog::sink::File;
    let _serial = serial();
    let tmp = TempDir::new("file-settings");
    let dir = &tmp.0;
    let cases: [(File, &str, &str); 4] = [
        (
            File::new(dir).rotate_bytes(100).keep_files(0),
            "file.keep_files",
            "at least 1",
        ),
        (
            File::new(dir).rotate_daily().keep_bytes(0),
            "file.keep_bytes",
            "at least 1",
        ),
        (
            File::new(dir).file_name(""),
            "file.file_name",
            "a plain file name",
        ),
        (File::new(""), "file.dir", "a directory path"),
    ];
    for (sink, setting, expected) in cases {
        let e = install_error(fapilog::builder().sink(sink));
        assert_names_setting(&e, setting);
        assert!(e.to_string().contains(expected), "{e}");
    }
    // As the fallback too.
    let e = install_error(
        fapilog::builder()
            .sink(Collect::new(Format::Flat))
            .fallback(File::new(dir).keep_files(0)),
    );
    assert_names_setting(&e, "file.keep_files");
    assert!(e.to_string().contains("(fallback)"), "{e}");
}

#[test]
fn the_slot_size_error_states_the_header_size() {
    let _serial = serial();
    let e = install_error(
        fapilog::builder()
            .slot_size(16)
            .sink(Collect::new(Format::Flat)),
    );
    assert_names_setting(&e, "slot_size");
    let text = e.to_string();
    assert!(text.contains("a record header takes 32"), "{text}");
}
