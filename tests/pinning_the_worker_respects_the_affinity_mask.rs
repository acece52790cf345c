//! `pin_worker(core)` accepts exactly the cores in the process's CPU
//! affinity mask (`taskset -c 1 app`, a container's cpuset). It used to
//! compare the core with `available_parallelism()`, the size of the mask:
//! under `taskset -c 1`, `pin_worker(1)` was refused ("below the number of
//! cores") and `pin_worker(0)`, outside the mask, accepted.
//!
//! The child process (this test binary again, with only [`child`]
//! selected) gets a one-core mask before it starts, as under `taskset`.
#![cfg(target_os = "linux")]

mod common;

use std::os::unix::process::CommandExt;

use common::{serial, Collect};
use fapilog::sink::Format;
use fapilog::Error;

const CHILD_VAR: &str = "FAPILOG_CHILD_PIN";

/// The cores this process may run on.
fn allowed_cores() -> Vec<usize> {
    // SAFETY: all zeroes is a valid, empty cpu_set_t.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: pid 0 is the calling thread; the size and pointer describe
    // `set`, which the kernel writes and which outlives the call.
    let rc =
        unsafe { libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) };
    assert_eq!(rc, 0, "{}", std::io::Error::last_os_error());
    (0..libc::CPU_SETSIZE as usize)
        // SAFETY: `cpu < CPU_SETSIZE` and `set` is a valid cpu_set_t.
        .filter(|&cpu| unsafe { libc::CPU_ISSET(cpu, &set) })
        .collect()
}

/// The child: its mask is `{inside}`; `outside` is a core of the machine
/// outside it.
#[test]
fn child() {
    let Ok(cores) = std::env::var(CHILD_VAR) else {
        return;
    };
    let (inside, outside) = cores.split_once(',').unwrap();
    let (inside, outside): (usize, usize) = (inside.parse().unwrap(), outside.parse().unwrap());
    assert_eq!(allowed_cores(), [inside], "the parent set the mask");
    let _serial = serial();

    let guard = fapilog::builder()
        .sink(Collect::new(Format::Flat))
        .pin_worker(inside)
        .install()
        .unwrap_or_else(|e| panic!("pin_worker({inside}), the core of the mask: {e}"));
    drop(guard);

    match fapilog::builder()
        .sink(Collect::new(Format::Flat))
        .pin_worker(outside)
        .install()
    {
        Err(
            e @ Error::InvalidSetting {
                setting: "pin_worker",
                ..
            },
        ) => {
            let text = e.to_string();
            assert!(
                text.contains(&format!("may run on cores {inside})")),
                "names the cores allowed: {text}"
            );
        }
        Err(other) => panic!("pin_worker({outside}): {other}"),
        Ok(_) => panic!("pin_worker({outside}), outside the mask, was accepted"),
    }
    println!("child done");
}

#[test]
fn only_cores_in_the_affinity_mask_are_accepted() {
    let allowed = allowed_cores();
    if allowed.len() < 2 {
        eprintln!("skipped: this process may run on one core only ({allowed:?})");
        return;
    }
    // The child may run on the second core only; the first is outside.
    let (inside, outside) = (allowed[1], allowed[0]);
    // SAFETY: all zeroes is a valid, empty cpu_set_t.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `inside < CPU_SETSIZE` (it came from a cpu_set_t).
    unsafe { libc::CPU_SET(inside, &mut set) };
    let mut command = common::child_command(CHILD_VAR, format!("{inside},{outside}"));
    // SAFETY: runs in the forked child before exec, where only
    // async-signal-safe calls are allowed: sched_setaffinity is a system
    // call, and `set` is a plain value moved into the closure.
    unsafe {
        command.pre_exec(move || {
            let size = std::mem::size_of::<libc::cpu_set_t>();
            if libc::sched_setaffinity(0, size, &set) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = command.output().expect("spawn the child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("child done"),
        "child failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
