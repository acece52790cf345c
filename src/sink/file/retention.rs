//! Which rotated files to keep: at most `keep_files` of them and at most
//! `keep_bytes` in total, newest first; the rest are deleted, oldest first.
//! The newest rotated file is always kept, even when it alone is larger
//! than `keep_bytes`: retention never deletes the last history there is.
//! "Newest" is by name, which the sink keeps in rotation order (see
//! `naming`): never by modification time, which follows the wall clock.
//!
//! A file still waiting for compression counts as one file but not by its
//! size: it is about to be replaced by its far smaller `.gz`, whose size is
//! not known yet. Counting its raw size would delete it (and older files)
//! before it is compressed; once compressed, the next pass counts it.

use super::naming::{Age, Naming};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// A retention policy. With neither limit set, nothing is ever deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Retention {
    /// Keep at most this many rotated files.
    pub(super) keep_files: Option<usize>,
    /// Keep at most this many bytes of rotated files, in total.
    pub(super) keep_bytes: Option<u64>,
}

impl Retention {
    pub(super) fn is_off(&self) -> bool {
        self.keep_files.is_none() && self.keep_bytes.is_none()
    }

    /// Deletes the rotated files of `naming` in `dir` beyond the policy.
    /// `pending` tells the files waiting for compression: they count
    /// towards `keep_files` but not towards `keep_bytes` (and are deleted
    /// all the same when older than the files kept).
    ///
    /// Only names [`Naming::parse`] recognizes are considered, so the
    /// current file and unrelated files are never touched. Keeps going after
    /// a failed deletion and returns the first error.
    pub(super) fn apply(
        &self,
        dir: &Path,
        naming: &Naming,
        pending: &dyn Fn(&Path) -> bool,
    ) -> io::Result<()> {
        if self.is_off() {
            return Ok(());
        }
        let mut rotated: Vec<(Age, PathBuf, u64)> = Vec::new();
        let list = |e| super::context(e, "cannot list log directory", dir);
        for entry in fs::read_dir(dir).map_err(list)? {
            let entry = entry.map_err(list)?;
            let Some(age) = entry.file_name().to_str().and_then(|n| naming.parse(n)) else {
                continue;
            };
            let meta = match entry.metadata() {
                Ok(meta) if meta.is_file() => meta,
                Ok(_) => continue,
                // Deleted meanwhile (e.g. a compression finished): nothing to do.
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(super::context(e, "cannot read metadata of", &entry.path())),
            };
            let path = entry.path();
            let len = if pending(&path) { 0 } else { meta.len() };
            rotated.push((age, path, len));
        }
        // Newest first; a file and its `.gz` twin (left by an interrupted
        // compression) share an age and are kept or deleted together.
        rotated.sort_by_key(|r| std::cmp::Reverse(r.0));

        let (mut files, mut bytes) = (0usize, 0u64);
        let mut over = false;
        let mut last_kept: Option<Age> = None;
        let mut first_error = None;
        for (age, path, len) in rotated {
            if !over {
                let twin = last_kept == Some(age);
                let next_files = if twin { files } else { files + 1 };
                let next_bytes = bytes.saturating_add(len);
                // The newest file (with its twin) is kept whatever its size.
                let newest = next_files == 1;
                over = self.keep_files.is_some_and(|max| next_files > max)
                    || (!newest && self.keep_bytes.is_some_and(|max| next_bytes > max));
                if !over {
                    (files, bytes, last_kept) = (next_files, next_bytes, Some(age));
                    continue;
                }
            }
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => {
                    first_error.get_or_insert_with(|| {
                        io::Error::new(
                            e.kind(),
                            format!("cannot delete old log file {}: {e}", path.display()),
                        )
                    });
                }
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("fapilog-retention-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn none(_: &Path) -> bool {
        false
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn keeps_newest_by_count_and_bytes_and_ignores_other_files() {
        let dir = scratch("policy");
        let naming = Naming::new("app.log");
        for (name, len) in [
            ("app.log", 100),
            ("app.20260101T000000.log.gz", 10),
            ("app.20260102T000000.log", 10),
            ("app.20260102T000000.1.log", 10),
            ("app.20260102T000000.2.log.gz", 10),
            ("app.20260103T000000.log", 10),
            ("unrelated.20260101T000000.log", 10),
            ("app.old", 10),
        ] {
            fs::write(dir.join(name), vec![b'x'; len]).unwrap();
        }
        Retention {
            keep_files: Some(4),
            keep_bytes: None,
        }
        .apply(&dir, &naming, &none)
        .unwrap();
        assert!(!dir.join("app.20260101T000000.log.gz").exists());
        assert_eq!(names(&dir).len(), 7);

        Retention {
            keep_files: None,
            keep_bytes: Some(25),
        }
        .apply(&dir, &naming, &none)
        .unwrap();
        assert_eq!(
            names(&dir),
            [
                "app.20260102T000000.2.log.gz",
                "app.20260103T000000.log",
                "app.log",
                "app.old",
                "unrelated.20260101T000000.log"
            ]
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_file_and_its_gz_twin_count_once() {
        let dir = scratch("twin");
        let naming = Naming::new("app.log");
        for name in [
            "app.20260101T000000.log",
            "app.20260102T000000.log",
            "app.20260102T000000.log.gz",
        ] {
            fs::write(dir.join(name), b"x").unwrap();
        }
        let policy = Retention {
            keep_files: Some(1),
            keep_bytes: None,
        };
        policy.apply(&dir, &naming, &none).unwrap();
        assert_eq!(
            names(&dir),
            ["app.20260102T000000.log", "app.20260102T000000.log.gz"]
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn files_pending_compression_count_as_files_but_not_as_bytes() {
        let dir = scratch("pending");
        let naming = Naming::new("app.log");
        for (name, len) in [
            ("app.20260101T000000.log.gz", 10),
            ("app.20260102T000000.log.gz", 10),
            ("app.20260103T000000.log.gz", 10),
            // Rotated, not compressed yet: 1000 bytes now, far less soon.
            ("app.20260104T000000.log", 1000),
            ("app.20260105T000000.log", 1000),
        ] {
            fs::write(dir.join(name), vec![b'x'; len]).unwrap();
        }
        let pending = |p: &Path| p.extension().is_some_and(|e| e == "log");
        let by_bytes = Retention {
            keep_files: None,
            keep_bytes: Some(25),
        };
        by_bytes.apply(&dir, &naming, &pending).unwrap();
        assert_eq!(
            names(&dir),
            [
                "app.20260102T000000.log.gz",
                "app.20260103T000000.log.gz",
                "app.20260104T000000.log",
                "app.20260105T000000.log",
            ]
        );
        // Compressed, a file counts by its size on disk.
        fs::write(dir.join("app.20260104T000000.log.gz"), [b'x'; 10]).unwrap();
        fs::remove_file(dir.join("app.20260104T000000.log")).unwrap();
        by_bytes.apply(&dir, &naming, &pending).unwrap();
        assert_eq!(
            names(&dir),
            [
                "app.20260103T000000.log.gz",
                "app.20260104T000000.log.gz",
                "app.20260105T000000.log",
            ]
        );
        // By count, a pending file is one file, and goes when too old.
        let by_count = Retention {
            keep_files: Some(1),
            keep_bytes: None,
        };
        fs::write(dir.join("app.20260102T000000.log"), [b'x'; 1000]).unwrap();
        by_count.apply(&dir, &naming, &pending).unwrap();
        assert_eq!(names(&dir), ["app.20260105T000000.log"]);
        // Raw files not waiting for compression count by their size.
        fs::write(dir.join("app.20260106T000000.log"), [b'x'; 20]).unwrap();
        by_bytes.apply(&dir, &naming, &none).unwrap();
        assert_eq!(names(&dir), ["app.20260106T000000.log"]);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_newest_file_is_kept_even_when_larger_than_keep_bytes() {
        let dir = scratch("newest");
        let naming = Naming::new("app.log");
        for name in [
            "app.20260101T000000.log",
            "app.20260102T000000.log",
            "app.20260102T000000.log.gz",
        ] {
            fs::write(dir.join(name), [b'x'; 100]).unwrap();
        }
        let policy = Retention {
            keep_files: None,
            keep_bytes: Some(50),
        };
        policy.apply(&dir, &naming, &none).unwrap();
        assert_eq!(
            names(&dir),
            ["app.20260102T000000.log", "app.20260102T000000.log.gz"]
        );
        fs::remove_dir_all(&dir).unwrap();
    }
}
