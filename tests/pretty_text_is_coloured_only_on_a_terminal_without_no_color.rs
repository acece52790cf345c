//! `Stdout::pretty()` colours its text when standard output is a terminal,
//! unless `NO_COLOR` is set to a non-empty value (<https://no-color.org>).
//! Each case runs in a child process (the test binary re-run with
//! `FAPILOG_PRETTY_COLOR_CHILD` set) whose descriptor 1 is either a
//! pseudo-terminal it opens itself or the pipe the parent reads.

#![cfg(target_os = "linux")]

mod common;

use std::ffi::CStr;

use fapilog::sink::{Format, Sink, Stdout};

const CHILD_VAR: &str = "FAPILOG_PRETTY_COLOR_CHILD";

/// Makes descriptor 1 the slave side of a fresh pseudo-terminal.
fn stdout_to_a_terminal() {
    // SAFETY: plain libc calls on descriptors this process opens; the
    // pointer from `ptsname` is read at once, before any other pty call.
    unsafe {
        let master = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY);
        assert!(master >= 0, "posix_openpt");
        assert_eq!(libc::grantpt(master), 0, "grantpt");
        assert_eq!(libc::unlockpt(master), 0, "unlockpt");
        let name = CStr::from_ptr(libc::ptsname(master)).to_owned();
        let slave = libc::open(name.as_ptr(), libc::O_RDWR | libc::O_NOCTTY);
        assert!(slave >= 0, "open {name:?}");
        assert_eq!(libc::dup2(slave, 1), 1, "dup2");
        // The master stays open (and unread) so the terminal stays alive.
    }
}

#[test]
fn child() {
    let Some(mode) = std::env::var_os(CHILD_VAR) else {
        return;
    };
    if mode == "tty" {
        stdout_to_a_terminal();
    }
    let color = match Stdout::pretty().format() {
        Format::Pretty { color } => color,
        other => panic!("pretty() gave {other:?}"),
    };
    eprintln!("@color={color}");
}

/// Whether `Stdout::pretty()` chose colour in a child whose stdout is a
/// terminal (`tty`) or a pipe, with `NO_COLOR` as given.
fn child_colours(stdout: &str, no_color: Option<&str>) -> bool {
    let mut cmd = common::child_command(CHILD_VAR, stdout);
    cmd.env_remove("NO_COLOR");
    if let Some(value) = no_color {
        cmd.env("NO_COLOR", value);
    }
    let out = cmd.output().expect("run the child");
    let stderr = String::from_utf8_lossy(&out.stderr);
    match stderr.lines().find_map(|l| l.strip_prefix("@color=")) {
        Some("true") => true,
        Some("false") => false,
        _ => panic!("no answer from the child ({stdout}, NO_COLOR={no_color:?}):\n{stderr}"),
    }
}

#[test]
fn a_terminal_gets_colour() {
    assert!(child_colours("tty", None));
}

#[test]
fn no_color_turns_colour_off_on_a_terminal() {
    assert!(!child_colours("tty", Some("1")));
}

#[test]
fn an_empty_no_color_is_unset() {
    assert!(child_colours("tty", Some("")));
}

#[test]
fn a_pipe_gets_no_colour() {
    assert!(!child_colours("pipe", None));
}
