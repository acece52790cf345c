//! The File sink when the world around it changes: the directory or the
//! current file removed or renamed by another process, a restart, a wall
//! clock that steps back, a `chdir`, an unwritable directory, a partial
//! line left by an earlier run, retention by bytes below one file.
//!
//! Every path here is absolute: one test changes the working directory.

mod common;

use common::file_sink::{batch, scratch, FakeClock, T0};
use common::TempDir;
use fapilog::sink::{File, Format, Sink};
use std::fs;
use std::path::{Path, PathBuf};

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

/// The rotated files of `app.log` in `dir` in name order (timestamp, then
/// counter as a number), parsed independently of the sink's code.
fn rotated(dir: &Path) -> Vec<PathBuf> {
    let key = |name: &str| -> Option<(String, u64)> {
        let rest = name.strip_prefix("app.")?.strip_suffix(".log")?;
        let (stamp, counter) = match rest.split_once('.') {
            Some((stamp, n)) => (stamp, n.parse().ok()?),
            None => (rest, 0),
        };
        (stamp.len() == 15 && stamp.as_bytes()[8] == b'T').then(|| (stamp.to_owned(), counter))
    };
    let mut files: Vec<((String, u64), PathBuf)> = fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let e = e.unwrap();
            Some((key(e.file_name().to_str()?)?, e.path()))
        })
        .collect();
    files.sort();
    files.into_iter().map(|(_, p)| p).collect()
}

fn texts(paths: &[PathBuf]) -> Vec<String> {
    paths
        .iter()
        .map(|p| fs::read_to_string(p).unwrap())
        .collect()
}

/// Every line in every file of `dir`.
fn lines_on_disk(dir: &Path) -> Vec<String> {
    let mut lines = Vec::new();
    for name in listing(dir) {
        let text = fs::read_to_string(dir.join(name)).unwrap();
        lines.extend(text.lines().map(str::to_owned));
    }
    lines
}

/// A sink with `rotate_bytes` writing `app.log` in `logs/` of a scratch
/// directory, on a fake clock at `T0`, that has written and flushed (so
/// checked) the line "before".
fn in_logs_dir(test: &str, rotate_bytes: u64) -> (TempDir, PathBuf, FakeClock, File) {
    let tmp = scratch(&format!("{test}-{rotate_bytes}"));
    let dir = tmp.0.join("logs");
    let clock = FakeClock::at(T0);
    let mut sink = clock.install(
        File::new(&dir)
            .file_name("app.log")
            .rotate_bytes(rotate_bytes),
    );
    sink.open().unwrap();
    sink.write_batch(&batch(&["before"])).unwrap();
    sink.flush().unwrap();
    (tmp, dir, clock, sink)
}

/// The directory is removed while the sink runs (a temp cleaner, an
/// operator): the next check, at a flush or at the first batch a second
/// (of the sink's clock) after the last check, reports it, recreates the
/// directory, opens the current file anew and copies into it what was
/// written to the deleted file since the last check, so every batch
/// reported written after the removal is on disk.
#[test]
fn a_removed_directory_is_recreated_and_written_again() {
    for rotate_bytes in [0, 64] {
        let (_tmp, dir, clock, mut sink) = in_logs_dir("rmdir", rotate_bytes);
        let written =
            |from: &str| -> Vec<String> { (0..10).map(|i| format!("{from}-{i:020}")).collect() };

        // Noticed at the flush the pipeline makes when idle.
        fs::remove_dir_all(&dir).unwrap();
        for line in written("before-flush") {
            sink.write_batch(&batch(&[&line])).unwrap();
        }
        let err = sink.flush().unwrap_err();
        let what = format!("rotate_bytes {rotate_bytes}: {err}");
        assert!(err.to_string().contains("removed or replaced"), "{what}");
        assert!(
            err.to_string()
                .contains(&dir.join("app.log").display().to_string()),
            "{what}"
        );
        for line in written("after-flush") {
            sink.write_batch(&batch(&[&line])).unwrap();
        }
        let on_disk = lines_on_disk(&dir);
        for line in [written("before-flush"), written("after-flush")].concat() {
            assert!(on_disk.contains(&line), "{what}: {line} is not on disk");
        }
        assert!(!on_disk.contains(&"before".to_owned()), "{what}: deleted");

        // Noticed by writing alone, once a second of the sink's clock has
        // passed since the last check: that batch is written to the new file.
        fs::remove_dir_all(&dir).unwrap();
        clock.set(T0 + 1);
        for line in written("after-check") {
            sink.write_batch(&batch(&[&line])).unwrap();
        }
        assert!(sink.flush().is_err(), "{what}: the removal is reported");
        sink.close().unwrap();
        let on_disk = lines_on_disk(&dir);
        for line in written("after-check") {
            assert!(on_disk.contains(&line), "{what}: {line} is not on disk");
        }
    }
}

/// What was written to a deleted current file since the last check is
/// copied to the new one in order, whole lines only, however large.
#[test]
fn what_was_written_to_a_deleted_file_is_copied_in_order() {
    let tmp = scratch("carry-over");
    let dir = tmp.0.clone();
    let mut sink = File::new(&dir).file_name("app.log");
    sink.open().unwrap();
    sink.write_batch(&batch(&["checked"])).unwrap();
    sink.flush().unwrap();
    fs::remove_file(dir.join("app.log")).unwrap();
    // 3 MiB and more in lines of 100 bytes, more than one piece of a MiB.
    let lines: Vec<String> = (0..33_000).map(|i| format!("{i:099}")).collect();
    for chunk in lines.chunks(1000) {
        let refs: Vec<&str> = chunk.iter().map(String::as_str).collect();
        sink.write_batch(&batch(&refs)).unwrap();
    }
    assert!(sink.flush().is_err());
    sink.write_batch(&batch(&["next"])).unwrap();
    sink.close().unwrap();
    let expected: String = lines.iter().map(|l| format!("{l}\n")).collect();
    assert!(
        fs::read_to_string(dir.join("app.log")).unwrap() == expected + "next\n",
        "the copy is not the lines written, in order"
    );
}

/// When the current file cannot be opened anew (here a plain file took the
/// directory's place), batches fail, so the pipeline counts them and hands
/// them to the fallback, instead of writing them where no one can read
/// them; once the path can be opened again, writing resumes there.
#[test]
fn batches_fail_while_the_removed_file_cannot_be_opened_anew() {
    for rotate_bytes in [0, 64] {
        let (_tmp, dir, clock, mut sink) = in_logs_dir("blocked", rotate_bytes);
        fs::remove_dir_all(&dir).unwrap();
        fs::write(&dir, "not a directory\n").unwrap();

        assert!(sink.flush().is_err());
        for _ in 0..3 {
            let err = sink.write_batch(&batch(&["lost"])).unwrap_err();
            assert!(
                err.to_string().contains(&dir.display().to_string()),
                "{err}"
            );
        }
        clock.set(T0 + 5);
        assert!(sink.write_batch(&batch(&["lost"])).is_err());

        fs::remove_file(&dir).unwrap();
        sink.write_batch(&batch(&["back"])).unwrap();
        sink.close().unwrap();
        assert_eq!(lines_on_disk(&dir), ["back"], "rotate_bytes {rotate_bytes}");
    }
}

/// logrotate without `copytruncate` renames the current file away: the
/// sink notices at the next check and opens its stable name anew, so
/// `tail -F` and shippers follow it.
#[test]
fn an_externally_renamed_current_file_is_opened_anew_under_its_name() {
    let tmp = scratch("logrotate");
    let dir = tmp.0.clone();
    let mut sink = File::new(&dir).file_name("app.log");
    sink.open().unwrap();
    sink.write_batch(&batch(&["one"])).unwrap();
    fs::rename(dir.join("app.log"), dir.join("app.log.1")).unwrap();
    // Before the check: in the renamed file, and only there.
    sink.write_batch(&batch(&["one-b"])).unwrap();
    let err = sink.flush().unwrap_err();
    assert!(err.to_string().contains("removed or replaced"), "{err}");
    sink.write_batch(&batch(&["two"])).unwrap();
    sink.flush().unwrap();
    sink.close().unwrap();
    assert_eq!(
        fs::read_to_string(dir.join("app.log.1")).unwrap(),
        "one\none-b\n"
    );
    assert_eq!(fs::read_to_string(dir.join("app.log")).unwrap(), "two\n");
}

/// A file put in the current file's place is not rotated away as ours:
/// the check before a rotation notices, and the sink appends to it instead.
#[test]
fn a_replaced_current_file_is_never_rotated_as_ours() {
    let tmp = scratch("replaced");
    let dir = tmp.0.clone();
    let mut sink = File::new(&dir).file_name("app.log").rotate_bytes(10);
    sink.open().unwrap();
    sink.write_batch(&batch(&["ours-1"])).unwrap();
    sink.flush().unwrap(); // checked: "ours-1" goes with the file
    fs::remove_file(dir.join("app.log")).unwrap();
    fs::write(dir.join("app.log"), "").unwrap(); // someone else's, empty
    sink.write_batch(&batch(&["ours-2"])).unwrap(); // would rotate "ours-1"
    assert!(sink.flush().is_err(), "the replacement is reported");
    sink.close().unwrap();
    assert!(rotated(&dir).is_empty(), "{:?}", listing(&dir));
    assert_eq!(fs::read_to_string(dir.join("app.log")).unwrap(), "ours-2\n");
}

/// A restart after a burst of rotations within one second: the new run's
/// first rotated file sorts after every existing one, so `keep_files`
/// keeps it (the records just before the restart) and deletes the oldest.
#[test]
fn after_a_restart_rotated_names_sort_after_the_existing_ones() {
    let tmp = scratch("restart");
    let dir = tmp.0.clone();
    let clock = FakeClock::at(T0);
    let make = || {
        clock.install(
            File::new(&dir)
                .file_name("app.log")
                .rotate_bytes(10)
                .keep_files(2),
        )
    };
    let mut sink = make();
    sink.open().unwrap();
    for i in 0..6 {
        sink.write_batch(&batch(&[&format!("run1-{i}")])).unwrap();
    }
    sink.close().unwrap();
    let mut sink = make();
    sink.open().unwrap();
    sink.write_batch(&batch(&["run2-0"])).unwrap(); // rotates run1-5 away
    sink.close().unwrap();

    assert_eq!(texts(&rotated(&dir)), ["run1-4\n", "run1-5\n"]);
    assert_eq!(fs::read_to_string(dir.join("app.log")).unwrap(), "run2-0\n");
}

/// NTP steps the wall clock back an hour: rotated names keep sorting in
/// rotation order (the newest name's timestamp, next counter), so retention
/// keeps the newest files rather than deleting them first.
#[test]
fn a_clock_stepping_back_never_makes_retention_delete_the_newest() {
    let tmp = scratch("clock-back");
    let dir = tmp.0.clone();
    let clock = FakeClock::at(T0);
    let mut sink = clock.install(
        File::new(&dir)
            .file_name("app.log")
            .rotate_bytes(10)
            .keep_files(3),
    );
    sink.open().unwrap();
    for i in 0..5 {
        clock.set(T0 + i);
        sink.write_batch(&batch(&[&format!("old-{i}")])).unwrap();
    }
    for i in 0..5 {
        clock.set(T0 - 3600 + i);
        sink.write_batch(&batch(&[&format!("new-{i}")])).unwrap();
    }
    sink.close().unwrap();
    assert_eq!(
        texts(&rotated(&dir)),
        ["new-1\n", "new-2\n", "new-3\n"],
        "{:?}",
        listing(&dir)
    );
    assert_eq!(fs::read_to_string(dir.join("app.log")).unwrap(), "new-4\n");
}

/// The clock jumps a month ahead by mistake and is corrected: the first
/// write after the correction rotates (its hour is not the file's), and
/// hourly rotation goes on from there instead of waiting a month.
#[test]
fn time_rotation_resumes_after_the_clock_is_corrected() {
    let tmp = scratch("clock-jump");
    let dir = tmp.0.clone();
    let clock = FakeClock::at(T0); // 10:15
    let mut sink = clock.install(File::new(&dir).file_name("app.log").rotate_hourly());
    sink.open().unwrap();
    sink.write_batch(&batch(&["10:15"])).unwrap();
    clock.set(T0 + 30 * 86_400); // a month ahead
    sink.write_batch(&batch(&["month-ahead"])).unwrap(); // rotates
    clock.set(T0 + 3_600); // corrected: 11:15
    sink.write_batch(&batch(&["11:15"])).unwrap(); // rotates
    clock.set(T0 + 7_200); // 12:15
    sink.write_batch(&batch(&["12:15"])).unwrap(); // rotates
    clock.set(T0 + 7_300);
    sink.write_batch(&batch(&["12:16"])).unwrap();
    sink.close().unwrap();
    assert_eq!(
        texts(&rotated(&dir)),
        ["10:15\n", "month-ahead\n", "11:15\n"],
        "{:?}",
        listing(&dir)
    );
    assert_eq!(
        fs::read_to_string(dir.join("app.log")).unwrap(),
        "12:15\n12:16\n"
    );
}

/// A relative directory is resolved once, at open: a later `chdir` of the
/// process does not move the sink's writing, rotation or retention to
/// another directory.
#[test]
fn a_relative_directory_is_resolved_at_open() {
    let tmp = scratch("chdir");
    let (a, b) = (tmp.0.join("a"), tmp.0.join("b"));
    fs::create_dir_all(a.join("logs")).unwrap();
    fs::create_dir_all(b.join("logs")).unwrap();
    fs::write(b.join("logs/app.log"), "b's own\n").unwrap();
    let before = std::env::current_dir().unwrap();
    std::env::set_current_dir(&a).unwrap();
    let mut sink = File::new("logs")
        .file_name("app.log")
        .rotate_bytes(10)
        .keep_files(1);
    sink.open().unwrap();
    sink.write_batch(&batch(&["first"])).unwrap();
    std::env::set_current_dir(&b).unwrap();
    for line in ["second", "third", "fourth"] {
        sink.write_batch(&batch(&[line])).unwrap();
    }
    sink.close().unwrap();
    std::env::set_current_dir(before).unwrap();
    assert_eq!(listing(&b.join("logs")), ["app.log"]);
    assert_eq!(
        fs::read_to_string(b.join("logs/app.log")).unwrap(),
        "b's own\n"
    );
    assert_eq!(texts(&rotated(&a.join("logs"))), ["third\n"]);
    assert_eq!(
        fs::read_to_string(a.join("logs/app.log")).unwrap(),
        "fourth\n"
    );
}

/// A partial last line left by an earlier run (power loss, a kill) is
/// ended with a newline before this run's first record.
#[test]
fn a_partial_line_left_by_an_earlier_run_is_ended_first() {
    let tmp = scratch("torn");
    let dir = tmp.0.clone();
    fs::write(dir.join("app.log"), "{\"message\":\"cut sh").unwrap();
    let mut sink = File::new(&dir).file_name("app.log").format(Format::Flat);
    sink.open().unwrap();
    sink.write_batch(&batch(&["{\"message\":\"next\"}"]))
        .unwrap();
    sink.close().unwrap();
    assert_eq!(
        fs::read_to_string(dir.join("app.log")).unwrap(),
        "{\"message\":\"cut sh\n{\"message\":\"next\"}\n"
    );
    // A file that ends with a newline gets nothing added.
    let mut sink = File::new(&dir).file_name("app.log");
    sink.open().unwrap();
    sink.write_batch(&batch(&["third"])).unwrap();
    sink.close().unwrap();
    assert_eq!(
        fs::read_to_string(dir.join("app.log")).unwrap(),
        "{\"message\":\"cut sh\n{\"message\":\"next\"}\nthird\n"
    );
}

/// `keep_bytes` below the size of one rotated file keeps the newest rotated
/// file rather than deleting every file as soon as it is rotated.
#[test]
fn keep_bytes_below_one_file_keeps_the_newest_rotated_file() {
    let tmp = scratch("keep-bytes-small");
    let dir = tmp.0.clone();
    let mut sink = File::new(&dir)
        .file_name("app.log")
        .rotate_bytes(100)
        .keep_bytes(50);
    sink.open().unwrap();
    for i in 0..20 {
        let line = format!("line-{i:014}"); // 20 bytes: 5 a file
        sink.write_batch(&batch(&[&line])).unwrap();
    }
    sink.close().unwrap();
    let expected: String = (10..15).map(|i| format!("line-{i:014}\n")).collect();
    assert_eq!(texts(&rotated(&dir)), [expected]);
}

const CHILD_DIR: &str = "FAPILOG_TEST_UNWRITABLE_DIR";

/// A directory the process cannot write, holding a current file it can:
/// with rotation (which renames in the directory) `open` fails naming the
/// setting and the directory; appending alone still opens. Run as root, the
/// check runs in a child process of this test binary as user `nobody`
/// (root may write anywhere).
#[cfg(unix)]
#[test]
fn an_unwritable_directory_fails_open_when_rotation_needs_it() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;

    if let Ok(dir) = std::env::var(CHILD_DIR) {
        return check_unwritable(Path::new(&dir));
    }
    let tmp = scratch("unwritable");
    let dir = tmp.0.clone();
    fs::write(dir.join("app.log"), "").unwrap();
    let root = fs::metadata("/proc/self").is_ok_and(|m| {
        use std::os::unix::fs::MetadataExt;
        m.uid() == 0
    });
    if !root {
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o555)).unwrap();
        check_unwritable(&dir);
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        return;
    }
    // Root's directory, mode 0755; the file belongs to `nobody`.
    const NOBODY: u32 = 65_534;
    fs::set_permissions(&tmp.0, fs::Permissions::from_mode(0o755)).unwrap();
    std::os::unix::fs::chown(dir.join("app.log"), Some(NOBODY), Some(NOBODY)).unwrap();
    // A copy of this test binary where `nobody` may run it: the build's own
    // directory may sit in a private one (a fresh clone under `mktemp -d`).
    let bin_dir = scratch("unwritable-bin");
    fs::set_permissions(&bin_dir.0, fs::Permissions::from_mode(0o755)).unwrap();
    let bin = bin_dir.0.join("test-binary");
    fs::copy(std::env::current_exe().unwrap(), &bin).unwrap();
    fs::set_permissions(&bin, fs::Permissions::from_mode(0o755)).unwrap();
    let out = std::process::Command::new(&bin)
        .args([
            "an_unwritable_directory_fails_open_when_rotation_needs_it",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_DIR, &dir)
        .uid(NOBODY)
        .gid(NOBODY)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "child: {text}");
    assert!(text.contains("1 passed"), "child ran no test: {text}");
}

#[cfg(unix)]
fn check_unwritable(dir: &Path) {
    let mut sink = File::new(dir)
        .file_name("app.log")
        .rotate_bytes(100)
        .keep_files(2);
    let err = sink.open().unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::PermissionDenied, "{err}");
    assert!(err.to_string().contains("`dir`"), "{err}");
    assert!(
        err.to_string().contains(&dir.display().to_string()),
        "{err}"
    );
    // Appending only: the current file is all it needs.
    let mut sink = File::new(dir).file_name("app.log");
    sink.open().unwrap();
    sink.write_batch(&batch(&["appended"])).unwrap();
    sink.close().unwrap();
    assert_eq!(
        fs::read_to_string(dir.join("app.log")).unwrap(),
        "appended\n"
    );
}
