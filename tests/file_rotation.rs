//! The File sink driven directly through the `Sink` trait: size and time
//! rotation, retention, gzip, open errors, appending.

mod common;

use common::file_sink::{batch, scratch, FakeClock, T0};
use fapilog::sink::{File, Format, Rotation, Sink};
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn write(sink: &mut File, lines: &[String]) {
    sink.write_batch(&batch(lines)).unwrap();
}

/// `n` lines of exactly 16 bytes each (newline included), numbered from `from`.
fn lines(from: usize, n: usize) -> Vec<String> {
    (from..from + n).map(|i| format!("line {i:010}")).collect()
}

fn joined(lines: &[String]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// (timestamp, counter) of a rotated name of `app.log`, parsed independently
/// of the sink's code; `None` for any other name.
fn rotated_key(name: &str) -> Option<(String, u64)> {
    let rest = name.strip_prefix("app.")?;
    let rest = rest
        .strip_suffix(".gz")
        .unwrap_or(rest)
        .strip_suffix(".log")?;
    let (stamp, counter) = match rest.split_once('.') {
        Some((stamp, n)) => (stamp, n.parse().ok()?),
        None => (rest, 0),
    };
    let ok = stamp.len() == 15
        && stamp.as_bytes()[8] == b'T'
        && stamp
            .bytes()
            .enumerate()
            .all(|(i, b)| i == 8 || b.is_ascii_digit());
    ok.then(|| (stamp.to_owned(), counter))
}

/// The rotated files of `app.log` in `dir`, oldest first.
fn rotated(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<((String, u64), PathBuf)> = fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let e = e.unwrap();
            let key = rotated_key(e.file_name().to_str()?)?;
            Some((key, e.path()))
        })
        .collect();
    files.sort();
    files.into_iter().map(|(_, p)| p).collect()
}

fn file_names(paths: &[PathBuf]) -> Vec<String> {
    paths
        .iter()
        .map(|p| p.file_name().unwrap().to_str().unwrap().to_owned())
        .collect()
}

/// A file's text, decompressed if it ends in `.gz`.
fn read(path: &Path) -> String {
    let bytes = fs::read(path).unwrap();
    if path.extension().is_some_and(|e| e == "gz") {
        let mut text = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut text)
            .unwrap();
        text
    } else {
        String::from_utf8(bytes).unwrap()
    }
}

/// Everything written: rotated files oldest first, then the current file.
fn all_text(dir: &Path) -> String {
    let mut text: String = rotated(dir).iter().map(|p| read(p)).collect();
    text.push_str(&read(&dir.join("app.log")));
    text
}

fn dir_listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn name_and_format_come_from_the_builder() {
    let sink = File::new("logs/").file_name("app.log").format(Format::Flat);
    assert_eq!(
        sink.name(),
        format!("file:{}", Path::new("logs/").join("app.log").display())
    );
    assert_eq!(Sink::format(&sink), Format::Flat);
    let default = File::new("logs");
    assert_eq!(
        default.name(),
        format!("file:{}", Path::new("logs").join("fapilog.log").display())
    );
    assert_eq!(Sink::format(&default), Format::Envelope);
}

#[test]
fn size_rotation_keeps_every_line_once_in_order_and_within_the_limit() {
    let tmp = scratch("size");
    let dir = tmp.0.clone();
    let limit = 200;
    let mut sink = File::new(&dir).file_name("app.log").rotate_bytes(limit);
    sink.open().unwrap();
    let all = lines(0, 400);
    let mut at = 0;
    for i in 0.. {
        let n = (i % 4 + 1).min(all.len() - at); // 1 to 4 lines of 16 bytes: always fits the limit
        write(&mut sink, &all[at..at + n]);
        at += n;
        if at == all.len() {
            break;
        }
    }
    sink.close().unwrap();

    let files = rotated(&dir);
    assert!(
        files.len() >= 400 * 16 / 200,
        "only {} rotated files",
        files.len()
    );
    for file in files.iter().chain([&dir.join("app.log")]) {
        let len = fs::metadata(file).unwrap().len();
        assert!(
            len <= limit && len > 0,
            "{} has {len} bytes",
            file.display()
        );
    }
    assert_eq!(all_text(&dir), joined(&all));
}

#[test]
fn rotations_in_the_same_second_get_a_counter() {
    let tmp = scratch("counter");
    let dir = tmp.0.clone();
    let clock = FakeClock::at(T0);
    let mut sink = clock.install(File::new(&dir).file_name("app.log").rotate_bytes(32));
    sink.open().unwrap();
    let all = lines(0, 12);
    for pair in all.chunks(2) {
        write(&mut sink, pair); // 32 bytes: each batch fills a file
    }
    sink.close().unwrap();

    let files = rotated(&dir);
    assert_eq!(
        file_names(&files),
        [
            "app.20261121T101500.log",
            "app.20261121T101500.1.log",
            "app.20261121T101500.2.log",
            "app.20261121T101500.3.log",
            "app.20261121T101500.4.log",
        ]
    );
    for (file, pair) in files.iter().zip(all.chunks(2)) {
        assert_eq!(read(file), joined(pair));
    }
    assert_eq!(read(&dir.join("app.log")), joined(&all[10..]));
}

#[test]
fn an_oversized_batch_gets_a_fresh_file_of_its_own() {
    let tmp = scratch("oversized");
    let dir = tmp.0.clone();
    let mut sink = File::new(&dir).file_name("app.log").rotate_bytes(100);
    sink.open().unwrap();
    let small = lines(0, 3); // 48 bytes
    let big = lines(3, 20); // 320 bytes
    let after = lines(23, 2);
    write(&mut sink, &small);
    write(&mut sink, &big);
    assert_eq!(rotated(&dir).len(), 1);
    write(&mut sink, &after);
    sink.close().unwrap();

    let files = rotated(&dir);
    assert_eq!(files.len(), 2);
    assert_eq!(read(&files[0]), joined(&small));
    assert_eq!(
        read(&files[1]),
        joined(&big),
        "the big batch is whole, in one file"
    );
    assert_eq!(read(&dir.join("app.log")), joined(&after));
}

#[test]
fn hourly_rotation_at_utc_hour_boundaries() {
    let tmp = scratch("hourly");
    let dir = tmp.0.clone();
    let clock = FakeClock::at(T0); // 10:15:00
    let mut sink = clock.install(File::new(&dir).file_name("app.log").rotate_hourly());
    sink.open().unwrap();
    write(&mut sink, &lines(0, 1));
    clock.set(T0 + 45 * 60 - 1); // 10:59:59
    write(&mut sink, &lines(1, 1));
    assert!(rotated(&dir).is_empty());
    clock.set(T0 + 45 * 60); // 11:00:00 exactly
    write(&mut sink, &lines(2, 1));
    clock.set(T0 + 75 * 60); // 11:30
    write(&mut sink, &lines(3, 1));
    clock.set(T0 + 170 * 60 + 7); // 13:05:07, skipping 12:00 entirely
    write(&mut sink, &lines(4, 1));
    sink.close().unwrap();

    let files = rotated(&dir);
    // The first file is named when its content began; files begun by a time
    // rotation after the start of their hour.
    assert_eq!(
        file_names(&files),
        ["app.20261121T101500.log", "app.20261121T110000.log"]
    );
    assert_eq!(read(&files[0]), joined(&lines(0, 2)));
    assert_eq!(read(&files[1]), joined(&lines(2, 2)));
    assert_eq!(read(&dir.join("app.log")), joined(&lines(4, 1)));
}

#[test]
fn daily_rotation_at_utc_midnight() {
    let tmp = scratch("daily");
    let dir = tmp.0.clone();
    let midnight = 1_795_305_600; // 2026-11-22T00:00:00Z
    let clock = FakeClock::at(midnight - 1);
    let mut sink = clock.install(
        File::new(&dir)
            .file_name("app.log")
            .rotation(Rotation::Daily),
    );
    sink.open().unwrap();
    write(&mut sink, &lines(0, 1));
    clock.set(midnight);
    write(&mut sink, &lines(1, 1));
    clock.set(midnight + 86_399); // 23:59:59 the same day
    write(&mut sink, &lines(2, 1));
    clock.set(midnight + 86_400 + 8 * 3600); // the next day, 08:00
    write(&mut sink, &lines(3, 1));
    sink.close().unwrap();

    let files = rotated(&dir);
    assert_eq!(
        file_names(&files),
        ["app.20261121T235959.log", "app.20261122T000000.log"]
    );
    assert_eq!(read(&files[0]), joined(&lines(0, 1)));
    assert_eq!(read(&files[1]), joined(&lines(1, 2)));
    assert_eq!(read(&dir.join("app.log")), joined(&lines(3, 1)));
}

#[test]
fn a_file_left_from_an_earlier_period_is_rotated_at_the_first_write() {
    let tmp = scratch("stale");
    let dir = tmp.0.clone();
    fs::write(dir.join("app.log"), "old\n").unwrap();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let clock = FakeClock::at(now + 2 * 86_400); // two days after the file was written
    let mut sink = clock.install(File::new(&dir).file_name("app.log").rotate_daily());
    sink.open().unwrap();
    write(&mut sink, &lines(0, 1));
    sink.close().unwrap();

    let files = rotated(&dir);
    assert_eq!(files.len(), 1);
    assert_eq!(read(&files[0]), "old\n");
    assert_eq!(read(&dir.join("app.log")), joined(&lines(0, 1)));
}

/// Files in the directory retention must never touch. (A rotated name of
/// `app.log` ending in `.gz.tmp` is a leftover of this sink's own, removed
/// at open: see `a_stale_gz_tmp_is_removed_at_open`.)
const UNRELATED: [&str; 7] = [
    "notes.txt",
    "app.log.bak",
    "app.old.log",
    "other.20200101T000000.log",
    "app.20200101T000000.txt",
    "other.20200101T000000.log.gz.tmp",
    "app.log.gz.tmp",
];

fn add_unrelated(dir: &Path) {
    for name in UNRELATED {
        fs::write(dir.join(name), "keep me\n").unwrap();
    }
}

fn assert_unrelated_untouched(dir: &Path) {
    for name in UNRELATED {
        assert_eq!(
            fs::read_to_string(dir.join(name)).unwrap(),
            "keep me\n",
            "{name}"
        );
    }
}

#[test]
fn retention_by_count_deletes_the_oldest_rotated_files_only() {
    let tmp = scratch("keep-files");
    let dir = tmp.0.clone();
    add_unrelated(&dir);
    // A rotated file from an earlier run: the oldest of all.
    fs::write(dir.join("app.20200101T000000.log"), "ancient\n").unwrap();
    let mut sink = File::new(&dir)
        .file_name("app.log")
        .rotate_bytes(64)
        .keep_files(3);
    sink.open().unwrap();
    let all = lines(0, 40); // 4 lines (64 bytes) a file: 9 rotations
    for chunk in all.chunks(4) {
        write(&mut sink, chunk);
    }
    sink.close().unwrap();

    let files = rotated(&dir);
    assert_eq!(files.len(), 3);
    assert!(!dir.join("app.20200101T000000.log").exists());
    // The three newest rotated files, then the current one: the last 16 lines.
    assert_eq!(all_text(&dir), joined(&all[24..]));
    assert_unrelated_untouched(&dir);
    assert_eq!(dir_listing(&dir).len(), UNRELATED.len() + 3 + 1);
}

#[test]
fn retention_by_bytes_keeps_the_newest_files_within_the_total() {
    let tmp = scratch("keep-bytes");
    let dir = tmp.0.clone();
    add_unrelated(&dir);
    // Every rotated file holds 64 bytes: 3.5 files' worth keeps 3.
    let mut sink = File::new(&dir)
        .file_name("app.log")
        .rotate_bytes(64)
        .keep_bytes(64 * 7 / 2);
    sink.open().unwrap();
    let all = lines(0, 40);
    for chunk in all.chunks(4) {
        write(&mut sink, chunk);
    }
    sink.close().unwrap();

    let files = rotated(&dir);
    assert_eq!(files.len(), 3);
    let total: u64 = files.iter().map(|f| fs::metadata(f).unwrap().len()).sum();
    assert_eq!(total, 3 * 64);
    assert_eq!(all_text(&dir), joined(&all[24..]));
    assert!(dir.join("app.log").exists());
    assert_unrelated_untouched(&dir);
}

#[cfg(feature = "gzip")]
#[test]
fn gzip_compresses_rotated_files_and_close_waits_for_it() {
    let tmp = scratch("gzip");
    let dir = tmp.0.clone();
    add_unrelated(&dir);
    let limit = 256 << 10;
    let mut sink = File::new(&dir)
        .file_name("app.log")
        .rotate_bytes(limit)
        .gzip();
    sink.open().unwrap();
    let all = lines(0, 100_000); // 1.6 MB: 6 rotations, compressed on the helper thread
    for chunk in all.chunks(1000) {
        write(&mut sink, chunk);
    }
    sink.close().unwrap(); // returns only once every compression is done

    let names = dir_listing(&dir);
    let files = rotated(&dir);
    assert_eq!(files.len(), 6, "{names:?}");
    for file in &files {
        assert!(
            file.to_str().unwrap().ends_with(".log.gz"),
            "{} is not compressed",
            file.display()
        );
        assert!(fs::metadata(file).unwrap().len() < limit / 4);
    }
    // No half-done compression, no uncompressed leftover.
    assert_eq!(names.len(), UNRELATED.len() + files.len() + 1, "{names:?}");
    assert_eq!(all_text(&dir), joined(&all));
    assert_unrelated_untouched(&dir);
}

#[cfg(feature = "gzip")]
#[test]
fn gzip_with_retention_counts_compressed_files() {
    let tmp = scratch("gzip-keep");
    let dir = tmp.0.clone();
    let mut sink = File::new(&dir)
        .file_name("app.log")
        .rotate_bytes(1600)
        .gzip()
        .keep_files(2);
    sink.open().unwrap();
    let all = lines(0, 1000); // 100 lines a file: 9 rotations
    for chunk in all.chunks(100) {
        write(&mut sink, chunk);
    }
    sink.close().unwrap();

    let files = rotated(&dir);
    assert_eq!(
        file_names(&files)
            .iter()
            .filter(|n| n.ends_with(".gz"))
            .count(),
        2
    );
    assert_eq!(dir_listing(&dir).len(), 3);
    assert_eq!(all_text(&dir), joined(&all[700..]));
}

/// A burst of rotations, faster than the helper thread compresses them:
/// retention by bytes judges every rotated file by its compressed size, so
/// it never deletes one still waiting for compression for its raw size.
#[cfg(feature = "gzip")]
#[test]
fn gzip_with_byte_retention_keeps_files_queued_for_compression() {
    for keep_files in [None, Some(3)] {
        let tmp = scratch("gzip-keep-bytes");
        let dir = tmp.0.clone();
        add_unrelated(&dir);
        let keep = 200 << 10;
        let mut sink = File::new(&dir)
            .file_name("app.log")
            .rotate_bytes(256 << 10)
            .gzip()
            .keep_bytes(keep);
        if let Some(n) = keep_files {
            sink = sink.keep_files(n);
        }
        sink.open().unwrap();
        // 1.6 MB in one go: 6 rotated files of 256 KiB, each about 37 KB
        // compressed, so 5 of them fit in 200 KiB.
        let all = lines(0, 100_000);
        for chunk in all.chunks(1000) {
            write(&mut sink, chunk);
        }
        sink.close().unwrap();

        let names = dir_listing(&dir);
        let files = rotated(&dir);
        let sizes: Vec<u64> = files
            .iter()
            .map(|f| fs::metadata(f).unwrap().len())
            .collect();
        let total: u64 = sizes.iter().sum();
        let what = format!("keep_files {keep_files:?}: {names:?} {sizes:?}");
        for file in &files {
            assert!(file.to_str().unwrap().ends_with(".log.gz"), "{what}");
        }
        assert!(total <= keep, "{what}");
        match keep_files {
            Some(n) => assert_eq!(files.len(), n, "{what}"),
            // Deleted only what had to go: one more file would not fit.
            None => assert!(
                files.len() == 6 || total + sizes.iter().min().unwrap() > keep,
                "{what}"
            ),
        }
        // The newest lines, none missing: the rotated files kept, then the
        // current file.
        let text = all_text(&dir);
        assert!(joined(&all).ends_with(&text), "{what}");
        assert_eq!(names.len(), UNRELATED.len() + files.len() + 1, "{what}");
        assert_unrelated_untouched(&dir);
    }
}

/// A `.gz.tmp` of one of its rotated names is what a compression cut short
/// (a crash, a kill) leaves: the sink removes it at open, with or without
/// gzip, and nothing else.
#[test]
fn a_stale_gz_tmp_is_removed_at_open() {
    let gzip = [false, cfg!(feature = "gzip")];
    for (i, gzip) in gzip.into_iter().enumerate() {
        let tmp = scratch(&format!("stale-tmp-{i}"));
        let dir = tmp.0.clone();
        add_unrelated(&dir);
        let stale = [
            "app.20261121T101500.log.gz.tmp",
            "app.20261121T101500.2.log.gz.tmp",
        ];
        for name in stale {
            fs::write(dir.join(name), b"\x1f\x8b half a gzip stream").unwrap();
        }
        let mut sink = File::new(&dir).file_name("app.log").rotate_bytes(1 << 20);
        if gzip {
            sink = sink.gzip();
        }
        sink.open().unwrap();
        write(&mut sink, &lines(0, 1));
        sink.close().unwrap();
        for name in stale {
            assert!(
                !dir.join(name).exists(),
                "gzip {gzip}: {name} is still there"
            );
        }
        assert_unrelated_untouched(&dir);
        assert_eq!(dir_listing(&dir).len(), UNRELATED.len() + 1);
    }
}

fn gzipped(text: &str) -> Vec<u8> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes()).unwrap();
    gz.finish().unwrap()
}

/// Rotated files an earlier run left uncompressed (it stopped first, or its
/// compression failed) are compressed by the next run, from its open.
#[cfg(feature = "gzip")]
#[test]
fn rotated_files_left_uncompressed_are_compressed_at_open() {
    let tmp = scratch("leftovers");
    let dir = tmp.0.clone();
    add_unrelated(&dir);
    let all = lines(0, 21);
    let leftovers = || {
        fs::write(dir.join("app.20261121T101500.log"), joined(&all[..10])).unwrap();
        // Stopped after its `.gz` was complete, before deleting the original.
        fs::write(dir.join("app.20261121T101600.log"), joined(&all[10..20])).unwrap();
        fs::write(
            dir.join("app.20261121T101600.log.gz"),
            gzipped(&joined(&all[10..20])),
        )
        .unwrap();
        fs::write(dir.join("app.log"), joined(&all[20..])).unwrap();
    };

    // Without gzip they are left as they are.
    leftovers();
    let mut sink = File::new(&dir).file_name("app.log").rotate_bytes(1 << 20);
    sink.open().unwrap();
    sink.close().unwrap();
    assert_eq!(dir_listing(&dir).len(), UNRELATED.len() + 4);

    let mut sink = File::new(&dir)
        .file_name("app.log")
        .rotate_bytes(1 << 20)
        .gzip();
    sink.open().unwrap();
    sink.close().unwrap(); // waits for the compressions
    assert_eq!(
        file_names(&rotated(&dir)),
        ["app.20261121T101500.log.gz", "app.20261121T101600.log.gz"]
    );
    assert_eq!(all_text(&dir), joined(&all));
    assert_unrelated_untouched(&dir);
    assert_eq!(dir_listing(&dir).len(), UNRELATED.len() + 3);
}

/// A compression that fails is reported (by a flush or the close), the file
/// stays as it was, and the next rotation tries again.
#[cfg(feature = "gzip")]
#[test]
fn a_failed_compression_is_reported_and_retried_at_the_next_rotation() {
    let tmp = scratch("gzip-retry");
    let dir = tmp.0.clone();
    let clock = FakeClock::at(T0);
    let mut sink = clock.install(
        File::new(&dir)
            .file_name("app.log")
            .rotate_bytes(160)
            .gzip(),
    );
    sink.open().unwrap();
    // A directory where compressing the first rotated file must create its
    // temporary file: that compression fails.
    let blocker = dir.join("app.20261121T101500.log.gz.tmp");
    fs::create_dir(&blocker).unwrap();
    let all = lines(0, 30); // 10 lines, 160 bytes, a file
    write(&mut sink, &all[..10]);
    write(&mut sink, &all[10..20]); // rotates app.20261121T101500.log
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let err = loop {
        match sink.flush() {
            Err(e) => break e,
            Ok(()) if std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(5))
            }
            Ok(()) => panic!("the failed compression was never reported"),
        }
    };
    assert!(err.to_string().contains("cannot compress"), "{err}");
    assert_eq!(
        read(&dir.join("app.20261121T101500.log")),
        joined(&all[..10])
    );

    fs::remove_dir(&blocker).unwrap();
    write(&mut sink, &all[20..]); // rotates app.20261121T101500.1.log
    sink.close().unwrap();
    assert_eq!(
        file_names(&rotated(&dir)),
        ["app.20261121T101500.log.gz", "app.20261121T101500.1.log.gz"]
    );
    assert_eq!(all_text(&dir), joined(&all));
    assert_eq!(dir_listing(&dir).len(), 3);
}

#[cfg(not(feature = "gzip"))]
#[test]
fn gzip_without_the_feature_fails_open_with_an_explanation() {
    let tmp = scratch("no-gzip");
    let dir = tmp.0.clone();
    let err = File::new(&dir).rotate_bytes(100).gzip().open().unwrap_err();
    assert!(err.to_string().contains("`gzip` cargo feature"), "{err}");
}

#[test]
fn an_unwritable_directory_fails_open_naming_the_path() {
    let tmp = scratch("unwritable");
    let dir = tmp.0.clone();
    let not_a_dir = dir.join("plain-file");
    fs::write(&not_a_dir, "").unwrap();
    let logs = not_a_dir.join("sub");
    let mut sink = File::new(&logs).file_name("app.log");
    let err = sink.open().unwrap_err();
    assert!(
        err.to_string().contains(&logs.display().to_string()),
        "{err}"
    );

    // A directory where the current file should be: the message names it.
    fs::create_dir(dir.join("app.log")).unwrap();
    let err = File::new(&dir).file_name("app.log").open().unwrap_err();
    assert!(
        err.to_string()
            .contains(&dir.join("app.log").display().to_string()),
        "{err}"
    );
}

#[test]
fn nonsense_settings_fail_open_naming_the_setting() {
    let tmp = scratch("settings");
    let dir = tmp.0.clone();
    let cases = [
        (
            File::new(&dir).rotate_bytes(100).keep_files(0),
            "`keep_files` = 0: expected at least 1",
        ),
        (
            File::new(&dir).rotate_daily().keep_bytes(0),
            "`keep_bytes` = 0: expected at least 1",
        ),
        (File::new(&dir).file_name("sub/app.log"), "`file_name`"),
        (File::new(&dir).file_name(""), "`file_name`"),
        (File::new("").rotate_bytes(10).keep_files(1), "`dir`"),
    ];
    for (mut sink, expected) in cases {
        let err = sink.open().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains(expected), "{err}");
    }
}

#[test]
fn appending_keeps_existing_content_and_counts_its_size() {
    let tmp = scratch("append");
    let dir = tmp.0.clone();
    let old = lines(0, 5); // 80 bytes
    fs::write(dir.join("app.log"), joined(&old)).unwrap();

    // Room for one more line: appended to the existing content.
    let mut sink = File::new(&dir).file_name("app.log").rotate_bytes(100);
    sink.open().unwrap();
    write(&mut sink, &lines(5, 1));
    sink.close().unwrap();
    assert!(rotated(&dir).is_empty());
    assert_eq!(read(&dir.join("app.log")), joined(&lines(0, 6)));

    // 96 bytes on disk: the next line would pass the limit, so it rotates.
    let mut sink = File::new(&dir).file_name("app.log").rotate_bytes(100);
    sink.open().unwrap();
    write(&mut sink, &lines(6, 1));
    sink.close().unwrap();
    let files = rotated(&dir);
    assert_eq!(files.len(), 1);
    assert_eq!(read(&files[0]), joined(&lines(0, 6)));
    assert_eq!(read(&dir.join("app.log")), joined(&lines(6, 1)));
}

/// `/dev/full` fails every write with "no space left on device".
#[cfg(target_os = "linux")]
#[test]
fn write_errors_are_returned_by_write_batch_and_the_sink_stays_usable() {
    if !Path::new("/dev/full").exists() {
        return;
    }
    let mut sink = File::new("/dev").file_name("full");
    sink.open().unwrap();
    // Every batch, large or small, reaches the file before `write_batch`
    // returns, so its failure is the batch's: the worker counts the batch
    // lost, or hands it to the fallback.
    let big = batch(&lines(0, 10_000));
    let small = batch(&lines(0, 1));
    for batch in [&big, &small, &small, &big] {
        let err = sink.write_batch(batch).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc_enospc()));
    }
    // Nothing was kept back for a later flush or close to lose.
    sink.flush().unwrap();
    sink.close().unwrap();
    // Closed and reopened, it works as before.
    sink.open().unwrap();
    assert!(sink.write_batch(&small).is_err());
    sink.close().unwrap();
}

#[cfg(target_os = "linux")]
fn libc_enospc() -> i32 {
    28
}
