//! Nothing logged before the end of a program is lost, however it ends:
//! the guard dropped at the end of `main`, a panic with `flush_on_panic`,
//! or `shutdown()` before `process::exit`. And what `process::exit`
//! *without* shutdown can lose is bounded: lines may be missing, never
//! duplicated or torn.
//!
//! Each scenario runs in a child process (env_logger's pattern): the parent
//! test re-runs this test binary with only [`child_scenario`] selected and
//! `FAPILOG_CHILD_SCENARIO` set; the child logs to a file through
//! `common::FileSink`, ends the way the scenario says, and the parent reads
//! the file.
//!
//! Every scenario is lossless (`backpressure(0, false)`) with a small ring
//! (64 slots), so producers fill it and block many times over.

mod common;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use common::{parse, u64_fields, FileSink};
use simd_json::prelude::*;

const SCENARIO_VAR: &str = "FAPILOG_CHILD_SCENARIO";
const FILE_VAR: &str = "FAPILOG_CHILD_FILE";
/// Records per scenario, split over `THREADS` producer threads.
const N: u64 = 50_000;
const THREADS: u64 = 3;

// ---------------------------------------------------------------- the child

/// The child's entry point: does nothing unless the parent set the scenario.
#[test]
fn child_scenario() {
    let Ok(scenario) = std::env::var(SCENARIO_VAR) else {
        return;
    };
    let path = PathBuf::from(std::env::var(FILE_VAR).expect("FAPILOG_CHILD_FILE"));
    let builder = fapilog::builder()
        .sink(FileSink::new(&path))
        .backpressure(Duration::ZERO, false)
        .capacity(64)
        .slot_size(128)
        .flush_timeout(Duration::from_secs(30));
    match scenario.as_str() {
        "guard_drop" => {
            let _guard = builder.install().expect("install");
            log_n_from_threads();
            // `_guard` drops here, at the end of the "main" flow.
        }
        "panic" => {
            let guard = builder.flush_on_panic(true).install().expect("install");
            // Leak the guard: unwinding would otherwise drop it and shut the
            // logger down, hiding whether the panic hook itself flushed.
            std::mem::forget(guard);
            log_n_from_threads();
            panic!("boom");
        }
        "panic_in_display" => {
            let guard = builder.flush_on_panic(true).install().expect("install");
            std::mem::forget(guard);
            log_n_from_threads();
            // The panic comes from user code inside a log call, while this
            // thread's ring holds the call's half-written record.
            fapilog::info!(value = %PanicsWhenShown, "never written");
            unreachable!("the Display impl panics");
        }
        "shutdown_then_exit" => {
            let guard = builder.install().expect("install");
            std::mem::forget(guard);
            log_n_from_threads();
            assert!(fapilog::shutdown(), "shutdown flushed in time");
            std::process::exit(3);
        }
        "exit_without_shutdown" => {
            let guard = builder.install().expect("install");
            std::mem::forget(guard);
            log_n_from_threads();
            std::process::exit(4);
        }
        other => panic!("unknown scenario {other}"),
    }
}

/// A value whose `Display` panics.
struct PanicsWhenShown;

impl std::fmt::Display for PanicsWhenShown {
    fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        panic!("display blew up")
    }
}

/// Logs `N` records `{t, i}` from `THREADS` threads (i = 0.. per thread).
fn log_n_from_threads() {
    let per_thread = N / THREADS;
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let count = if t == THREADS - 1 {
                N - per_thread * (THREADS - 1)
            } else {
                per_thread
            };
            std::thread::spawn(move || {
                for i in 0..count {
                    fapilog::info!(t, i, "r");
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("producer thread");
    }
}

// ---------------------------------------------------------------- the parent

fn run_child(scenario: &str) -> (Output, PathBuf) {
    let path = std::env::temp_dir().join(format!(
        "fapilog-exit-{}-{scenario}.log",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&path);
    let out = Command::new(std::env::current_exe().expect("current_exe"))
        .args([
            "--exact",
            "child_scenario",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(SCENARIO_VAR, scenario)
        .env(FILE_VAR, &path)
        .output()
        .expect("run the child");
    (out, path)
}

fn describe(out: &Output) -> String {
    format!(
        "status {:?}\n--- child stdout ---\n{}\n--- child stderr ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The file's lines: each a complete flat JSON record. Returns the `(t, i)`
/// records (checked for duplicates) and the other lines.
fn read_records(path: &Path, out: &Output) -> (HashSet<(u64, u64)>, Vec<String>) {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("read {}: {e}\n{}", path.display(), describe(out)));
    let _ = std::fs::remove_file(path);
    assert!(
        text.is_empty() || text.ends_with('\n'),
        "the last line is torn: {:?}",
        &text[text.len().saturating_sub(200)..]
    );
    let mut seen = HashSet::new();
    let mut others = Vec::new();
    for line in text.lines() {
        match u64_fields(line.as_bytes(), ["t", "i"]) {
            Some([t, i]) => {
                assert!(
                    line.contains(r#""level":"INFO""#) && line.contains(r#""message":"r""#),
                    "{line}"
                );
                assert!(seen.insert((t, i)), "record t={t} i={i} written twice");
            }
            None => others.push(line.to_string()),
        }
    }
    (seen, others)
}

fn assert_all_n(seen: &HashSet<(u64, u64)>) {
    assert_eq!(seen.len() as u64, N, "records in the file");
    let per_thread = N / THREADS;
    for t in 0..THREADS {
        let count = if t == THREADS - 1 {
            N - per_thread * (THREADS - 1)
        } else {
            per_thread
        };
        for i in 0..count {
            assert!(seen.contains(&(t, i)), "missing t={t} i={i}");
        }
    }
}

#[test]
fn dropping_the_guard_at_the_end_of_main_writes_every_record() {
    let (out, path) = run_child("guard_drop");
    assert!(out.status.success(), "{}", describe(&out));
    let (seen, others) = read_records(&path, &out);
    assert_all_n(&seen);
    assert!(others.is_empty(), "unexpected lines: {others:#?}");
}

#[test]
fn a_panic_with_flush_on_panic_writes_every_record_and_the_panic() {
    let what = every_record_and_one_panic_record("panic");
    assert!(what.contains("boom"), "{what}");
    assert!(what.contains("nothing_is_lost_at_exit.rs"), "{what}");
}

/// Runs `scenario`, which panics, and checks that the file holds every
/// record and one CRITICAL panic record besides; returns its `panic` text.
fn every_record_and_one_panic_record(scenario: &str) -> String {
    let (out, path) = run_child(scenario);
    assert!(
        !out.status.success(),
        "the child panicked: {}",
        describe(&out)
    );
    let (seen, others) = read_records(&path, &out);
    assert_all_n(&seen);
    assert_eq!(others.len(), 1, "one panic record: {others:#?}");
    let panic = parse(&others[0]);
    assert_eq!(panic["level"], "CRITICAL", "{}", others[0]);
    assert_eq!(panic["logger"], "panic");
    assert_eq!(panic["message"], "thread panicked");
    panic["panic"]
        .as_str()
        .expect("a `panic` field")
        .to_string()
}

/// A panic inside a log call (here a `Display` impl) comes while the
/// thread's ring is mid-record: the hook's CRITICAL record waits until the
/// call has given its record up, and is then written and flushed.
#[test]
fn a_panic_inside_a_log_call_is_logged_once_the_call_gives_its_record_up() {
    let what = every_record_and_one_panic_record("panic_in_display");
    assert!(what.contains("display blew up"), "{what}");
}

#[test]
fn shutdown_then_process_exit_writes_every_record() {
    let (out, path) = run_child("shutdown_then_exit");
    assert_eq!(out.status.code(), Some(3), "{}", describe(&out));
    let (seen, others) = read_records(&path, &out);
    assert_all_n(&seen);
    assert!(others.is_empty(), "unexpected lines: {others:#?}");
}

/// Documents the limit: `process::exit` skips destructors, so without
/// `shutdown()` whatever is still in the rings, the worker or the sink's
/// buffer is lost. What did reach the file is whole and written once.
#[test]
fn process_exit_without_shutdown_may_lose_records_but_never_duplicates_or_tears_them() {
    let (out, path) = run_child("exit_without_shutdown");
    assert_eq!(out.status.code(), Some(4), "{}", describe(&out));
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    for line in text.lines() {
        parse(line); // every line is complete JSON
    }
    let (seen, others) = read_records(&path, &out);
    assert!(seen.len() as u64 <= N);
    assert!(others.is_empty(), "unexpected lines: {others:#?}");
    eprintln!(
        "process::exit without shutdown: {} of {N} records reached the file",
        seen.len()
    );
}
