//! A batch a sink fails to write (an error or a panic) goes to the logger's
//! fallback sink instead of being dropped: counted in `stats().fallback`,
//! not in `dropped`. Without a fallback, with its queue full, or when it
//! fails too, the records are dropped and counted `SinkError` as before.
//! `flush()` and `shutdown()` still answer true when the fallback rescued
//! every failed batch, and false once records were lost.
//! The `production` preset (and `FAPILOG_FALLBACK_DIR`) add a rotating file
//! fallback; an unusable directory fails the install, naming the variable.

mod common;

use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{parse, serial, Collect, Env, Slow, TempDir};
use fapilog::sink::{Batch, File, Format, Sink};
use fapilog::{DropReason, Error, Preset, Stats};
use simd_json::prelude::*;

/// A sink that fails every batch: an error, or a panic; after `delay`, so
/// its last batches fail only during shutdown's final flush.
struct Failing {
    format: Format,
    panics: bool,
    delay: Duration,
}

impl Failing {
    fn errors(format: Format) -> Failing {
        Failing {
            format,
            panics: false,
            delay: Duration::ZERO,
        }
    }

    fn panics(format: Format) -> Failing {
        Failing {
            panics: true,
            ..Failing::errors(format)
        }
    }

    fn slowly(mut self, delay: Duration) -> Failing {
        self.delay = delay;
        self
    }
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
        self.format
    }
    fn write_batch(&mut self, _batch: &Batch) -> io::Result<()> {
        std::thread::sleep(self.delay);
        if self.panics {
            panic!("sink exploded (expected by the test)");
        }
        Err(io::Error::other("disk on fire (expected by the test)"))
    }
}

/// The lines of a file (empty if there is none).
fn file_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Logs `n` records numbered by `i`.
fn log(n: u64) {
    for i in 0..n {
        fapilog::info!(i, "record");
    }
}

/// The `i` of each record line (flat or envelope), in order.
fn numbers(lines: &[String]) -> Vec<u64> {
    lines
        .iter()
        .map(|l| parse(l))
        // The envelope nests the record in `log`, its fields in `data`.
        .map(|v| match v.get("log") {
            Some(log) => (log["message"].clone(), log["data"].get("i").cloned()),
            None => (v["message"].clone(), v.get("i").cloned()),
        })
        .filter(|(message, _)| message == "record")
        .map(|(_, i)| i.and_then(|i| i.as_u64()).expect("i"))
        .collect()
}

/// The books balance, for a logger whose every record went to `sinks`
/// sinks: each (record, sink) ended delivered, rescued or dropped.
fn assert_books(s: &Stats, sinks: u64) {
    assert_eq!(s.dropped_before_processing(), 0, "{s:#?}");
    assert_eq!(s.submitted, s.processed, "{s:#?}");
    assert_eq!(
        (s.processed + s.drop_summaries) * sinks,
        s.delivered
            + s.fallback
            + s.dropped_for(DropReason::SinkFull)
            + s.dropped_for(DropReason::SinkError),
        "{s:#?}"
    );
    assert_eq!(
        s.dropped,
        DropReason::ALL
            .iter()
            .map(|r| s.dropped_for(*r))
            .sum::<u64>(),
        "{s:#?}"
    );
}

const N: u64 = 500;

#[test]
fn records_an_erroring_sink_fails_reach_the_fallback_and_are_not_dropped() {
    let _serial = serial();
    let good = Collect::new(Format::Flat);
    let rescued = Collect::new(Format::Flat);
    let guard = fapilog::builder()
        .sink(good.clone())
        // Envelope lines, and slow: its last batch fails during the final
        // flush at shutdown, and must still reach the fallback.
        .sink(Failing::errors(Format::Envelope).slowly(Duration::from_millis(50)))
        .fallback(rescued.clone())
        .backpressure(Duration::ZERO, false)
        .batch_records(64)
        .install()
        .expect("install");
    log(N);
    assert!(guard.shutdown(), "shutdown flushed in time");

    let s = fapilog::stats();
    assert_eq!(s.processed, N, "{s:#?}");
    assert_eq!(s.fallback, N, "every record rescued: {s:#?}");
    assert_eq!(s.delivered, N, "the good sink's deliveries only: {s:#?}");
    assert_eq!(s.dropped, 0, "{s:#?}");
    assert!(s.sink_errors >= 1, "the failure is still counted: {s:#?}");
    assert_eq!(s.sink_panics, 0, "{s:#?}");
    assert_books(&s, 2);

    let lines = rescued.lines();
    assert_eq!(numbers(&lines), (0..N).collect::<Vec<_>>(), "all, in order");
    // As serialized for the failing sink (the envelope), not the
    // fallback's own format (flat).
    let first = parse(&lines[0]);
    assert!(
        first.get("schema_version").is_some() && first.get("log").is_some(),
        "envelope lines: {}",
        lines[0]
    );
    assert_eq!(numbers(&good.lines()).len() as u64, N);
}

#[test]
fn records_a_panicking_sink_fails_reach_a_file_fallback() {
    let _serial = serial();
    let dir = TempDir::new("panicking");
    let guard = fapilog::builder()
        .sink(Failing::panics(Format::Flat))
        .fallback(File::new(&dir.0).file_name("rescued.log"))
        .backpressure(Duration::ZERO, false)
        .batch_records(64)
        .install()
        .expect("install");
    log(N);
    assert!(guard.shutdown());

    let s = fapilog::stats();
    assert_eq!(s.fallback, N, "{s:#?}");
    assert_eq!(s.dropped, 0, "{s:#?}");
    assert_eq!(s.delivered, 0, "{s:#?}");
    assert!(s.sink_panics >= 1, "the panic is counted: {s:#?}");
    assert_books(&s, 1);
    let lines = file_lines(&dir.0.join("rescued.log"));
    assert_eq!(numbers(&lines), (0..N).collect::<Vec<_>>());
}

#[test]
fn flush_pushes_the_fallback_output_to_its_file() {
    let _serial = serial();
    let dir = TempDir::new("flush");
    let guard = fapilog::builder()
        .sink(Failing::errors(Format::Flat))
        .fallback(File::new(&dir.0))
        .install()
        .expect("install");
    log(10);
    assert!(fapilog::flush(), "flush confirmed");
    // The file sink buffers; only its flush (within fapilog::flush, not the
    // idle flush 100 ms later) puts the lines in the file by now.
    let lines = file_lines(&dir.0.join("fapilog.log"));
    assert_eq!(numbers(&lines), (0..10).collect::<Vec<_>>());
    assert_eq!(fapilog::stats().fallback, 10);
    drop(guard);
}

#[test]
fn without_a_fallback_failed_records_are_dropped_and_counted() {
    let _serial = serial();
    let guard = fapilog::builder()
        .sink(Failing::errors(Format::Flat))
        .sink(Failing::panics(Format::Flat))
        .backpressure(Duration::ZERO, false)
        .drop_summary_interval(Duration::from_secs(3600))
        .install()
        .expect("install");
    log(N);
    assert!(!guard.shutdown(), "records were lost: shutdown says so");

    let s = fapilog::stats();
    assert_eq!(s.fallback, 0, "{s:#?}");
    // Each record, and the drop summary at shutdown, failed in both.
    assert_eq!(
        s.dropped_for(DropReason::SinkError),
        2 * (N + s.drop_summaries),
        "{s:#?}"
    );
    assert!(s.sink_errors >= 1 && s.sink_panics >= 1, "{s:#?}");
    assert_books(&s, 2);
}

#[test]
fn when_the_fallback_fails_too_the_records_are_dropped_and_both_failures_counted() {
    let _serial = serial();
    let guard = fapilog::builder()
        .sink(Failing::errors(Format::Flat))
        .fallback(Failing::panics(Format::Flat))
        .backpressure(Duration::ZERO, false)
        .batch_records(64)
        .drop_summary_interval(Duration::from_secs(3600))
        .install()
        .expect("install");
    log(N);
    assert!(!guard.shutdown(), "records were lost: shutdown says so");

    let s = fapilog::stats();
    assert_eq!(s.fallback, 0, "{s:#?}");
    assert_eq!(
        s.dropped_for(DropReason::SinkError),
        N + s.drop_summaries,
        "{s:#?}"
    );
    assert!(s.sink_errors >= 1, "the sink's errors: {s:#?}");
    assert_eq!(
        s.sink_panics, s.sink_errors,
        "the fallback panicked on every batch the sink failed: {s:#?}"
    );
    assert_books(&s, 1);
}

#[test]
fn a_full_fallback_queue_drops_and_counts_without_holding_up_the_sink() {
    let _serial = serial();
    let rescued = Collect::new(Format::Flat);
    let guard = fapilog::builder()
        .sink(Failing::errors(Format::Flat))
        // A fallback slow enough that its queue fills.
        .fallback(Slow {
            lines: rescued.clone(),
            per_batch: Duration::from_millis(20),
        })
        .backpressure(Duration::ZERO, false)
        .batch_records(1)
        .sink_queue(1)
        .drop_summary_interval(Duration::from_secs(3600))
        .install()
        .expect("install");
    let started = std::time::Instant::now();
    log(200);
    // Some records found the fallback's queue full and were lost.
    assert!(!fapilog::flush(), "records were lost: flush says so");
    let took = started.elapsed();
    assert!(guard.shutdown());

    let s = fapilog::stats();
    assert!(s.fallback > 0, "some rescued: {s:#?}");
    assert!(
        s.dropped_for(DropReason::SinkError) > 0,
        "the rest dropped, counted: {s:#?}"
    );
    assert_eq!(rescued.lines().len() as u64, s.fallback, "{s:#?}");
    assert_books(&s, 1);
    // 200 batches through a fallback taking 20 ms each would take 4 s.
    assert!(
        took < Duration::from_secs(2),
        "the failing sink did not wait for the fallback: {took:?}"
    );
}

#[test]
fn the_production_preset_falls_back_to_a_file_in_fapilog_fallback_dir() {
    let _serial = serial();
    let dir = TempDir::new("production");
    let dir_str = dir.0.to_str().expect("a UTF-8 temp dir").to_string();
    let file = dir.0.join("fallback.log");

    // In code.
    let env = Env::set(&[("FAPILOG_FALLBACK_DIR", &dir_str)]);
    let guard = fapilog::builder()
        .preset(Preset::Production)
        .sink(Failing::errors(Format::Flat))
        .install()
        .expect("install");
    log(N);
    assert!(guard.shutdown());
    let s = fapilog::stats();
    assert_eq!(s.fallback, N, "{s:#?}");
    assert_eq!(s.dropped, 0, "{s:#?}");
    assert_eq!(numbers(&file_lines(&file)), (0..N).collect::<Vec<_>>());
    drop(env);
    std::fs::remove_file(&file).unwrap();

    // From FAPILOG_PRESET.
    let env = Env::set(&[
        ("FAPILOG_PRESET", "production"),
        ("FAPILOG_FALLBACK_DIR", &dir_str),
    ]);
    let guard = fapilog::builder()
        .sink(Failing::errors(Format::Flat))
        .install()
        .expect("install");
    log(3);
    assert!(guard.shutdown());
    assert_eq!(numbers(&file_lines(&file)), vec![0, 1, 2]);
    assert_eq!(fapilog::stats().fallback, 3);
    drop(env);
    std::fs::remove_file(&file).unwrap();
}

#[test]
fn without_fapilog_fallback_dir_the_file_fallback_is_in_the_temp_dir() {
    let _serial = serial();
    // `std::env::temp_dir()` follows TMPDIR: point it at a directory of the
    // test's own (the test's other paths are made before, under the real
    // temp dir).
    let tmp = TempDir::new("tmpdir");
    std::fs::create_dir_all(&tmp.0).unwrap();
    let regular = tmp.0.join("a-regular-file");
    std::fs::write(&regular, b"not a directory").unwrap();
    let tmp_str = tmp.0.to_str().expect("a UTF-8 temp dir").to_string();
    let env = Env::set(&[("TMPDIR", &tmp_str)]);
    let guard = fapilog::builder()
        .preset(Preset::Production)
        .sink(Failing::errors(Format::Flat))
        .install()
        .expect("install");
    log(3);
    assert!(guard.shutdown());
    drop(env);
    assert_eq!(fapilog::stats().fallback, 3);
    let file = default_fallback_dir(&tmp.0).join("fallback.log");
    assert_eq!(numbers(&file_lines(&file)), vec![0, 1, 2]);

    // An unusable default directory names the setting.
    let env = Env::set(&[("TMPDIR", regular.to_str().unwrap())]);
    let e = fapilog::builder()
        .preset(Preset::Production)
        .sink(Collect::new(Format::Flat))
        .install()
        .expect_err("the default fallback directory cannot be created");
    drop(env);
    assert!(
        matches!(
            e,
            Error::InvalidSetting {
                setting: "fallback",
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains(&*regular.to_string_lossy()), "{e}");
}

/// The default fallback directory under `tmp`, as the crate names it.
fn default_fallback_dir(tmp: &Path) -> std::path::PathBuf {
    #[cfg(unix)]
    // SAFETY: `geteuid` has no preconditions and cannot fail.
    return tmp.join(format!("fapilog-fallback-{}", unsafe { libc::geteuid() }));
    #[cfg(not(unix))]
    return tmp.join("fapilog-fallback");
}

/// Installs the production preset (file fallback in the default directory)
/// with `TMPDIR` pointing at `tmp`.
fn install_production_in(tmp: &Path) -> Result<fapilog::Guard, Error> {
    let env = Env::set(&[("TMPDIR", tmp.to_str().expect("a UTF-8 temp dir"))]);
    let installed = fapilog::builder()
        .preset(Preset::Production)
        .sink(Collect::new(Format::Flat))
        .install();
    drop(env);
    installed
}

#[cfg(unix)]
#[test]
fn the_default_fallback_directory_is_private_to_its_user() {
    use std::os::unix::fs::{symlink, PermissionsExt};
    let _serial = serial();
    let tmp = TempDir::new("private");
    std::fs::create_dir_all(&tmp.0).unwrap();
    let dir = default_fallback_dir(&tmp.0);
    let mode = |p: &Path| std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777;

    // Made with mode 0700.
    assert!(install_production_in(&tmp.0).expect("install").shutdown());
    assert_eq!(mode(&dir), 0o700);

    // Found open to others (made by hand, or by an older version): closed.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert!(install_production_in(&tmp.0).expect("install").shutdown());
    assert_eq!(mode(&dir), 0o700);

    // A symbolic link planted in its place (where another user could read
    // what it points to) is refused, naming the setting and the reason.
    std::fs::remove_dir_all(&dir).unwrap();
    let elsewhere = tmp.0.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    symlink(&elsewhere, &dir).unwrap();
    let e = install_production_in(&tmp.0).expect_err("a symlinked fallback directory");
    assert!(
        matches!(
            e,
            Error::InvalidSetting {
                setting: "fallback",
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("symbolic link"), "{e}");
    assert!(!elsewhere.join("fallback.log").exists());
    std::fs::remove_file(&dir).unwrap();

    // Another user's directory is refused (only root can make one here).
    // SAFETY: `geteuid` has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        std::fs::create_dir(&dir).unwrap();
        std::os::unix::fs::chown(&dir, Some(65534), None).unwrap();
        let e = install_production_in(&tmp.0).expect_err("another user's fallback directory");
        assert!(e.to_string().contains("owned by user 65534"), "{e}");
    }
}

#[test]
fn fapilog_fallback_dir_alone_adds_a_file_fallback() {
    let _serial = serial();
    let dir = TempDir::new("alone");
    let dir_str = dir.0.to_str().expect("a UTF-8 temp dir").to_string();
    let env = Env::set(&[("FAPILOG_FALLBACK_DIR", &dir_str)]);
    let guard = fapilog::builder()
        .sink(Failing::errors(Format::Flat))
        .install()
        .expect("install");
    log(5);
    assert!(guard.shutdown());
    drop(env);
    assert_eq!(fapilog::stats().fallback, 5);
    assert_eq!(
        numbers(&file_lines(&dir.0.join("fallback.log"))),
        vec![0, 1, 2, 3, 4]
    );
}

#[test]
fn a_preset_chosen_in_code_decides_the_fallback_but_fapilog_fallback_dir_turns_it_on() {
    let _serial = serial();
    let dir = TempDir::new("code-preset");
    let dir_str = dir.0.to_str().expect("a UTF-8 temp dir").to_string();
    let file = dir.0.join("fallback.log");

    // The code chose `dev` (no fallback): FAPILOG_PRESET does not add one.
    let env = Env::set(&[("FAPILOG_PRESET", "production")]);
    let guard = fapilog::builder()
        .preset(Preset::Dev)
        .sink(Failing::errors(Format::Flat))
        .drop_summary_interval(Duration::from_secs(3600))
        .install()
        .expect("install");
    log(3);
    assert!(!guard.shutdown(), "records were lost: shutdown says so");
    drop(env);
    let s = fapilog::stats();
    assert_eq!(s.fallback, 0, "{s:#?}");
    assert_eq!(
        s.dropped_for(DropReason::SinkError),
        3 + s.drop_summaries,
        "{s:#?}"
    );

    // FAPILOG_FALLBACK_DIR is the operator's switch: it does.
    let env = Env::set(&[
        ("FAPILOG_PRESET", "production"),
        ("FAPILOG_FALLBACK_DIR", &dir_str),
    ]);
    let guard = fapilog::builder()
        .preset(Preset::Dev)
        .sink(Failing::errors(Format::Flat))
        .install()
        .expect("install");
    log(3);
    assert!(guard.shutdown());
    drop(env);
    assert_eq!(fapilog::stats().fallback, 3);
    assert_eq!(numbers(&file_lines(&file)), vec![0, 1, 2]);
}

#[test]
fn a_fallback_set_in_code_wins_over_the_preset_and_the_environment() {
    let _serial = serial();
    let dir = TempDir::new("code-wins");
    let dir_str = dir.0.to_str().expect("a UTF-8 temp dir").to_string();
    let env = Env::set(&[
        ("FAPILOG_PRESET", "production"),
        ("FAPILOG_FALLBACK_DIR", &dir_str),
    ]);
    let first = Collect::new(Format::Flat);
    let second = Collect::new(Format::Flat);
    let builders = [
        // The environment's preset.
        fapilog::builder().fallback(first.clone()),
        // A preset in code, before or after.
        fapilog::builder()
            .fallback(second.clone())
            .preset(Preset::Production),
        fapilog::builder()
            .preset(Preset::Production)
            .fallback(second.clone()),
    ];
    for b in builders {
        let guard = b
            .sink(Failing::errors(Format::Flat))
            .install()
            .expect("install");
        log(2);
        assert!(guard.shutdown());
        assert_eq!(fapilog::stats().fallback, 2);
    }
    drop(env);
    assert_eq!(numbers(&first.lines()), vec![0, 1]);
    assert_eq!(numbers(&second.lines()), vec![0, 1, 0, 1]);
    assert!(
        !dir.0.join("fallback.log").exists(),
        "no file fallback was made"
    );
}

#[test]
fn no_fallback_in_code_wins_over_the_preset_and_the_environment() {
    let _serial = serial();
    let dir = TempDir::new("code-off");
    let dir_str = dir.0.to_str().expect("a UTF-8 temp dir").to_string();
    let env = Env::set(&[
        ("FAPILOG_PRESET", "production"),
        ("FAPILOG_FALLBACK_DIR", &dir_str),
    ]);
    let builders = [
        // The environment's preset and directory.
        fapilog::builder().no_fallback(),
        // A preset in code, before or after.
        fapilog::builder().no_fallback().preset(Preset::Production),
        fapilog::builder().preset(Preset::Production).no_fallback(),
    ];
    for b in builders {
        let guard = b
            .sink(Failing::errors(Format::Flat))
            .drop_summary_interval(Duration::from_secs(3600))
            .install()
            .expect("install");
        log(2);
        assert!(!guard.shutdown(), "records were lost: shutdown says so");
        let s = fapilog::stats();
        assert_eq!(s.fallback, 0, "{s:#?}");
        assert_eq!(
            s.dropped_for(DropReason::SinkError),
            2 + s.drop_summaries,
            "dropped and counted: {s:#?}"
        );
    }
    drop(env);
    assert!(
        !dir.0.join("fallback.log").exists(),
        "no file fallback was made"
    );
}

#[test]
fn an_unwritable_fapilog_fallback_dir_fails_the_install_naming_it() {
    let _serial = serial();
    let dir = TempDir::new("unwritable");
    std::fs::create_dir_all(&dir.0).unwrap();
    let regular = dir.0.join("a-regular-file");
    std::fs::write(&regular, b"not a directory").unwrap();
    let bad = regular.join("fallback");
    let bad_str = bad.to_str().expect("a UTF-8 temp dir").to_string();

    for preset in [None, Some("production")] {
        let mut vars = vec![("FAPILOG_FALLBACK_DIR", bad_str.as_str())];
        vars.extend(preset.map(|p| ("FAPILOG_PRESET", p)));
        let env = Env::set(&vars);
        let e = fapilog::builder()
            .sink(Collect::new(Format::Flat))
            .install()
            .expect_err("the fallback directory cannot be created");
        drop(env);
        match &e {
            Error::InvalidSetting { setting, .. } => {
                assert_eq!(*setting, "FAPILOG_FALLBACK_DIR", "{e}")
            }
            other => panic!("expected InvalidSetting, got {other:?}"),
        }
        let text = e.to_string();
        assert!(
            text.contains("`FAPILOG_FALLBACK_DIR`") && text.contains(&bad_str),
            "names the variable and the path: {text}"
        );
    }
    // Nothing was left installed.
    let guard = fapilog::builder()
        .sink(Collect::new(Format::Flat))
        .install()
        .expect("a later install works");
    drop(guard);
}

#[test]
fn a_fallback_that_cannot_open_fails_the_install_naming_it() {
    let _serial = serial();
    let dir = TempDir::new("cannot-open");
    std::fs::create_dir_all(&dir.0).unwrap();
    let regular = dir.0.join("a-regular-file");
    std::fs::write(&regular, b"not a directory").unwrap();
    let e = fapilog::builder()
        .sink(Collect::new(Format::Flat))
        .fallback(File::new(regular.join("logs")))
        .install()
        .expect_err("the fallback cannot open");
    match &e {
        Error::SinkOpen { sink, .. } => {
            assert!(sink.contains("(fallback)"), "{sink}")
        }
        other => panic!("expected SinkOpen, got {other:?}"),
    }
}

/// Shared state, to check the fallback's thread outlives the sinks feeding
/// it: it must still be open when the last failed batch arrives.
#[derive(Clone, Default)]
struct Events(Arc<Mutex<Vec<&'static str>>>);

struct Tracking(Events);

impl Sink for Tracking {
    fn name(&self) -> &str {
        "tracking"
    }
    fn write_batch(&mut self, _: &Batch) -> io::Result<()> {
        self.0 .0.lock().unwrap().push("write");
        Ok(())
    }
    fn close(&mut self) -> io::Result<()> {
        self.0 .0.lock().unwrap().push("close");
        Ok(())
    }
}

#[test]
fn the_fallback_closes_after_the_sinks_that_feed_it() {
    let _serial = serial();
    let events = Events::default();
    let guard = fapilog::builder()
        .sink(Failing::errors(Format::Flat).slowly(Duration::from_millis(100)))
        .fallback(Tracking(events.clone()))
        .install()
        .expect("install");
    fapilog::info!("the last record");
    assert!(guard.shutdown());
    assert_eq!(*events.0.lock().unwrap(), ["write", "close"]);
    assert_eq!(fapilog::stats().fallback, 1);
}
