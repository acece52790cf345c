//! A process that forks after installing fapilog: the fork's child has no
//! worker, so its log calls never wait for one (they are dropped at once and
//! counted `forked`, whatever the backpressure policy), `flush()`,
//! `shutdown()` and the guard return false at once instead of waiting the
//! flush timeout, the panic hook does not hang it, and `install()` there
//! replaces the inherited logger so that later records reach the new sinks.
//! The parent's logger goes on as before.
//!
//! Each scenario runs in a child process of the test (so that the fork
//! happens in a process of its own): [`child`] installs a logger writing
//! `parent.log`, forks with `libc::fork`, runs the scenario in the fork's
//! child (which ends with `libc::_exit`, 0 when every check passed), waits
//! for it at most [`FORK_CHILD_LIMIT`] (killing it after that: a hang fails
//! the test instead of holding CI up), and checks its own records.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Output};
use std::time::{Duration, Instant};

use fapilog::{DropReason, Guard};

use common::{child_command, FileSink, TempDir};

const SCENARIO_VAR: &str = "FAPILOG_FORK_SCENARIO";
const DIR_VAR: &str = "FAPILOG_FORK_DIR";

/// Far longer than any step here takes when nothing waits for the missing
/// worker: a step that waits it out shows as a late answer.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(10);
/// What "at once" means for a step in the fork's child.
const PROMPT: Duration = Duration::from_secs(1);
/// How long the fork's parent waits for the fork's child before killing it.
const FORK_CHILD_LIMIT: Duration = Duration::from_secs(5);
/// Records the parent logs before the fork and after it.
const BEFORE: u64 = 200;
const AFTER: u64 = 300;
/// Records the fork's child logs to the inherited logger: many times what
/// its 64-slot ring holds.
const LOST: u64 = 1_000;
/// Records the fork's child logs to the logger it installs.
const ANEW: u64 = 500;

// ------------------------------------------------------- the child process

/// The child process's entry point: does nothing unless the test set the
/// scenario.
#[test]
fn child() {
    let Ok(scenario) = std::env::var(SCENARIO_VAR) else {
        return;
    };
    let dir = PathBuf::from(std::env::var(DIR_VAR).expect("FAPILOG_FORK_DIR"));
    let builder = logger(&dir.join("parent.log"));
    let builder = match scenario.as_str() {
        // Each call that finds the ring full would wait 2 s for space.
        "waiting" => builder.backpressure(Duration::from_secs(2), true),
        "panic" => builder.flush_on_panic(true),
        _ => builder,
    };
    let mut guard = Some(builder.install().expect("install in the parent"));
    for i in 0..BEFORE {
        fapilog::info!(i, "before");
    }
    assert!(fapilog::flush(), "the parent's flush before the fork");

    // SAFETY: the fork's child runs only the scenario, then `_exit`s (it
    // never returns into the test harness, whose other threads are gone).
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork: {}", std::io::Error::last_os_error());
    if pid == 0 {
        let code = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            in_fork_child(&scenario, &dir, &mut guard)
        })) {
            Ok(()) => 0,
            Err(_) => 101,
        };
        // SAFETY: ends the fork's child without running the harness's exit
        // path or destructors inherited from the parent.
        unsafe { libc::_exit(code) };
    }

    // The parent's logger goes on working.
    for i in 0..AFTER {
        fapilog::info!(i, "after");
    }
    let status = wait_for(pid, FORK_CHILD_LIMIT);
    assert!(guard.take().unwrap().shutdown(), "the parent's shutdown");
    match status {
        Some(0) => {}
        Some(code) => panic!("the fork's child failed: exit status {code} (its panic is above)"),
        None => panic!("the fork's child hung: killed after {FORK_CHILD_LIMIT:?}"),
    }
}

/// The lossless logger each scenario starts from, with a small ring.
fn logger(path: &Path) -> fapilog::LoggerBuilder {
    common::builder()
        .sink(FileSink::new(path))
        .backpressure(Duration::ZERO, false)
        .capacity(64)
        .slot_size(128)
        .flush_timeout(FLUSH_TIMEOUT)
}

/// Records dropped because they were logged in a fork's child. (Found by
/// name, so that this file also builds against a fapilog without the
/// reason, where the test then fails instead of not building.)
fn forked_drops() -> u64 {
    let stats = fapilog::stats();
    DropReason::ALL
        .iter()
        .filter(|r| r.as_str() == "forked")
        .map(|r| stats.dropped_for(*r))
        .sum()
}

/// Runs `step`, failing if it takes longer than [`PROMPT`].
fn promptly<T>(what: &str, step: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = step();
    let took = start.elapsed();
    assert!(took < PROMPT, "{what} took {took:?}");
    out
}

fn in_fork_child(scenario: &str, dir: &Path, guard: &mut Option<Guard>) {
    match scenario {
        "lossless" => {
            promptly("logging past a full ring (lossless)", || {
                for i in 0..LOST {
                    fapilog::info!(i, "lost");
                }
            });
            assert_eq!(forked_drops(), LOST, "{:?}", fapilog::stats());
            assert!(
                !promptly("flush()", fapilog::flush),
                "flush() says the records reached their sinks"
            );
            install_anew_and_log(dir);
        }
        "waiting" => {
            promptly("logging past a full ring (2 s wait)", || {
                for i in 0..LOST {
                    fapilog::info!(i, "lost {}", "formatted");
                }
            });
            assert_eq!(forked_drops(), LOST, "{:?}", fapilog::stats());
            let guard = guard.take().unwrap();
            assert!(
                !promptly("Guard::shutdown()", || guard.shutdown()),
                "shutdown says the records reached their sinks"
            );
            // Still counted once the logger is shut down.
            assert_eq!(forked_drops(), LOST, "{:?}", fapilog::stats());
            install_anew_and_log(dir);
        }
        "threads" => {
            // A thread started in the child, and async calls: neither may
            // wait for the missing worker.
            promptly("logging from a new thread", || {
                std::thread::spawn(|| {
                    for i in 0..LOST {
                        fapilog::info!(i, "lost");
                    }
                })
                .join()
                .unwrap();
            });
            let runtime = tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
            promptly("async logging", || {
                runtime.block_on(async {
                    for i in 0..LOST {
                        fapilog::info_async!(i, "lost").await;
                    }
                })
            });
            assert_eq!(forked_drops(), 2 * LOST, "{:?}", fapilog::stats());
            // Dropping the guard returns at once too.
            promptly("dropping the guard", || drop(guard.take()));
            install_anew_and_log(dir);
        }
        // Straight to `install()`: the inherited logger is replaced, not
        // reported as "already installed".
        "install" => install_anew_and_log(dir),
        "panic" => {
            // The panic hook logs the panic and flushes: the flush must not
            // wait for the missing worker.
            promptly("a panic with flush_on_panic", || {
                let _ = std::panic::catch_unwind(|| panic!("boom in the fork's child"));
            });
            install_anew_and_log(dir);
        }
        other => panic!("unknown scenario {other}"),
    }
}

/// Installs a logger of the child's own (replacing the inherited one) and
/// logs [`ANEW`] records to it, more than its ring holds, lossless.
fn install_anew_and_log(dir: &Path) {
    let guard = promptly("install() in the child", || {
        logger(&dir.join("child.log")).install()
    })
    .expect("install() in the fork's child");
    for i in 0..ANEW {
        fapilog::info!(i, "anew");
    }
    assert!(guard.shutdown(), "the child's own logger shut down clean");
    let stats = fapilog::stats();
    assert_eq!(stats.processed, ANEW, "{stats:?}");
    assert_eq!(stats.dropped, 0, "{stats:?}");
}

/// Waits up to `limit` for the fork's child `pid`; its exit status, or
/// `None` after killing it when it did not end in time.
fn wait_for(pid: libc::pid_t, limit: Duration) -> Option<i32> {
    let deadline = Instant::now() + limit;
    loop {
        let mut status = 0;
        // SAFETY: `pid` is our child; `status` is a valid out-pointer.
        let got = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if got == pid {
            return Some(if libc::WIFEXITED(status) {
                libc::WEXITSTATUS(status)
            } else {
                128 + libc::WTERMSIG(status)
            });
        }
        assert_eq!(got, 0, "waitpid: {}", std::io::Error::last_os_error());
        if Instant::now() >= deadline {
            // SAFETY: as above; the child is reaped right after.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, &mut status, 0);
            }
            return None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

// ------------------------------------------------------------ the tests

/// Runs `scenario` in a child process, killed after 20 s (the fork's
/// parent already bounds its child's run by [`FORK_CHILD_LIMIT`]).
fn run(scenario: &str, dir: &TempDir) -> Output {
    std::fs::create_dir_all(&dir.0).unwrap();
    let mut process: Child = child_command(SCENARIO_VAR, scenario)
        .env(DIR_VAR, &dir.0)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run the child process");
    let deadline = Instant::now() + Duration::from_secs(20);
    while process.try_wait().unwrap().is_none() {
        if Instant::now() >= deadline {
            let _ = process.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    process.wait_with_output().unwrap()
}

fn describe(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Lines of `path` whose message is `message`.
fn count(path: &Path, message: &str) -> u64 {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let needle = format!(r#""message":"{message}""#);
    text.lines().filter(|l| l.contains(&needle)).count() as u64
}

/// Runs `scenario` and checks both processes' files: the parent's records
/// in the parent's file, the child's own logger's in the child's, and none
/// of those the child logged before installing anywhere.
fn check(scenario: &str) -> Output {
    let dir = TempDir::new(&format!("fork-{scenario}"));
    let out = run(scenario, &dir);
    assert!(out.status.success(), "{}", describe(&out));
    let (parent, child) = (dir.0.join("parent.log"), dir.0.join("child.log"));
    assert_eq!(count(&parent, "before"), BEFORE, "{}", describe(&out));
    assert_eq!(count(&parent, "after"), AFTER, "{}", describe(&out));
    assert_eq!(count(&child, "anew"), ANEW, "{}", describe(&out));
    for file in [&parent, &child] {
        assert_eq!(count(file, "lost"), 0, "{}", file.display());
        assert_eq!(count(file, "lost formatted"), 0, "{}", file.display());
    }
    out
}

#[test]
fn a_lossless_childs_full_ring_drops_at_once_and_flush_answers_at_once() {
    let out = check("lossless");
    let stderr = String::from_utf8_lossy(&out.stderr);
    for what in ["flush", "install"] {
        assert!(
            stderr.contains(&format!(
                "fapilog: {what}: this process is a fork's child and its logger was installed \
                 in the parent, whose worker and sinks are not here: {LOST} record(s) reached no \
                 sink (counted dropped, forked)"
            )),
            "{what}: {}",
            describe(&out)
        );
    }
}

#[test]
fn a_waiting_policy_does_not_wait_in_a_child_and_its_guard_answers_at_once() {
    let out = check("waiting");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("fapilog: shutdown: this process is a fork"),
        "{}",
        describe(&out)
    );
}

#[test]
fn new_threads_and_async_calls_in_a_child_never_wait() {
    check("threads");
}

#[test]
fn install_in_a_child_replaces_the_inherited_logger() {
    let out = check("install");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("fapilog: install: this process is a fork's child"),
        "{}",
        describe(&out)
    );
}

#[test]
fn the_panic_hook_does_not_wait_for_the_missing_worker() {
    check("panic");
}
