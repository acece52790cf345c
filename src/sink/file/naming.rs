//! The names of rotated files: `<stem>.<YYYYMMDDTHHMMSS>[.<n>].<ext>[.gz]`.
//!
//! The one place that builds and recognizes them, so retention can never
//! delete a file this sink did not name.

use super::rotation::utc_timestamp;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Suffix of compressed rotated files.
pub(super) const GZ: &str = ".gz";

/// Suffix of a `.gz` being written; renamed away once complete.
pub(super) const TMP: &str = ".tmp";

/// Builds and parses the rotated names of one current file name.
#[derive(Clone, Debug)]
pub(super) struct Naming {
    /// `app` for `app.log` (everything before the last dot).
    stem: String,
    /// `.log` for `app.log`; empty when the name has no extension.
    ext: String,
}

/// Where a rotated file sorts: by timestamp, then by same-second counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Age {
    /// The timestamp digits read as one number, `YYYYMMDDHHMMSS`.
    pub(super) stamp: u64,
    /// The `.<n>` counter; 0 when absent.
    pub(super) counter: u64,
}

impl Age {
    /// The age of a file named after `secs` since the epoch (UTC).
    pub(super) fn of(secs: u64, counter: u64) -> Age {
        let digits = utc_timestamp(secs);
        let stamp = digits
            .iter()
            .filter(|b| b.is_ascii_digit())
            .fold(0, |n, b| n * 10 + u64::from(b - b'0'));
        Age { stamp, counter }
    }

    /// The first name after `self`: the same timestamp, the next counter.
    pub(super) fn next(self) -> Age {
        Age {
            stamp: self.stamp,
            counter: self.counter + 1,
        }
    }
}

impl Naming {
    pub(super) fn new(file_name: &str) -> Naming {
        // Like `Path::file_stem`: a leading dot does not start an extension.
        match file_name.rfind('.') {
            Some(dot) if dot > 0 => Naming {
                stem: file_name[..dot].to_owned(),
                ext: file_name[dot..].to_owned(),
            },
            _ => Naming {
                stem: file_name.to_owned(),
                ext: String::new(),
            },
        }
    }

    /// `dir/<stem>.<timestamp>[.<counter>]<ext>` (uncompressed).
    pub(super) fn rotated_path(&self, dir: &Path, age: Age) -> PathBuf {
        let (date, time) = (age.stamp / 1_000_000, age.stamp % 1_000_000);
        let stamp = format!("{date:08}T{time:06}");
        let name = match age.counter {
            0 => format!("{}.{stamp}{}", self.stem, self.ext),
            n => format!("{}.{stamp}.{n}{}", self.stem, self.ext),
        };
        dir.join(name)
    }

    /// The newest of the rotated files (compressed or not) in `dir`, if any.
    pub(super) fn newest_in(&self, dir: &Path) -> io::Result<Option<Age>> {
        let list = |e| super::context(e, "cannot list log directory", dir);
        let mut newest = None;
        for entry in fs::read_dir(dir).map_err(list)? {
            let name = entry.map_err(list)?.file_name();
            newest = newest.max(name.to_str().and_then(|n| self.parse(n)));
        }
        Ok(newest)
    }

    /// The [`Age`] of `name` if it is one of our rotated files (compressed or
    /// not), `None` for every other name.
    pub(super) fn parse(&self, name: &str) -> Option<Age> {
        self.parse_uncompressed(name)
            .or_else(|| self.parse_uncompressed(name.strip_suffix(GZ)?))
    }

    /// The [`Age`] of `name` if it is one of our rotated files, not
    /// compressed.
    pub(super) fn parse_uncompressed(&self, name: &str) -> Option<Age> {
        let rest = name.strip_prefix(self.stem.as_str())?.strip_prefix('.')?;
        let (stamp, rest) = (rest.get(..15)?, rest.get(15..)?);
        let rest = rest.strip_suffix(self.ext.as_str())?;
        let counter = match rest.strip_prefix('.') {
            None if rest.is_empty() => 0,
            Some(digits) if is_digits(digits) && !digits.starts_with('0') => digits.parse().ok()?,
            _ => return None,
        };
        let (date, time) = (stamp.get(..8)?, stamp.get(9..)?);
        if stamp.as_bytes()[8] != b'T' || !is_digits(date) || !is_digits(time) {
            return None;
        }
        Some(Age {
            stamp: date.parse::<u64>().ok()? * 1_000_000 + time.parse::<u64>().ok()?,
            counter,
        })
    }

    /// True for the temporary file of a compression of one of our rotated
    /// files: `<rotated name>.gz.tmp`.
    pub(super) fn is_compressing(&self, name: &str) -> bool {
        let rotated = name.strip_suffix(TMP).and_then(|n| n.strip_suffix(GZ));
        rotated.is_some_and(|n| self.parse_uncompressed(n).is_some())
    }
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `path` with `suffix` appended to its file name (`a.log` -> `a.log.gz`).
pub(super) fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: u64 = 1_795_256_100; // 2026-11-21T10:15:00Z

    #[test]
    fn builds_sortable_names() {
        let n = Naming::new("app.log");
        let dir = Path::new("logs");
        assert_eq!(
            n.rotated_path(dir, Age::of(T, 0)),
            Path::new("logs/app.20261121T101500.log")
        );
        assert_eq!(
            n.rotated_path(dir, Age::of(T, 2)),
            Path::new("logs/app.20261121T101500.2.log")
        );
        let bare = Naming::new("app");
        assert_eq!(
            bare.rotated_path(dir, Age::of(T, 0)),
            Path::new("logs/app.20261121T101500")
        );
        let dotted = Naming::new(".hidden");
        assert_eq!(
            dotted.rotated_path(dir, Age::of(T, 1)),
            Path::new("logs/.hidden.20261121T101500.1")
        );
    }

    #[test]
    fn ages_sort_like_names_and_round_trip() {
        let n = Naming::new("app.log");
        let dir = Path::new("logs");
        for age in [
            Age::of(T, 0),
            Age::of(T, 7),
            Age::of(0, 0),
            Age::of(T, 0).next(),
        ] {
            let name = n.rotated_path(dir, age);
            let parsed = n.parse(name.file_name().unwrap().to_str().unwrap());
            assert_eq!(parsed, Some(age), "{}", name.display());
        }
        assert!(Age::of(T, 9) < Age::of(T + 1, 0));
        assert!(Age::of(T, 1) < Age::of(T, 1).next());
    }

    #[test]
    fn parses_only_its_own_rotated_names() {
        let n = Naming::new("app.log");
        let age = |stamp, counter| Some(Age { stamp, counter });
        assert_eq!(n.parse("app.20261121T101500.log"), age(20261121101500, 0));
        assert_eq!(
            n.parse("app.20261121T101500.log.gz"),
            age(20261121101500, 0)
        );
        assert_eq!(
            n.parse("app.20261121T101500.12.log"),
            age(20261121101500, 12)
        );
        assert_eq!(
            n.parse("app.20261121T101500.12.log.gz"),
            age(20261121101500, 12)
        );
        for other in [
            "app.log",
            "app.log.gz",
            "app.20261121T101500.log.gz.tmp",
            "app.20261121T101500.txt",
            "app.20261121T101500",
            "app.20261121-101500.log",
            "app.2026112XT101500.log",
            "app.20261121T101500.01.log",
            "app.20261121T101500..log",
            "app.20261121T101500.x.log",
            "app.x.20261121T101500.log",
            "other.20261121T101500.log",
            "apps.20261121T101500.log",
            "app.20261121T101500.log.bak",
            "notes.txt",
        ] {
            assert_eq!(n.parse(other), None, "{other}");
        }
        let bare = Naming::new("app");
        assert_eq!(bare.parse("app.20261121T101500"), age(20261121101500, 0));
        assert_eq!(
            bare.parse("app.20261121T101500.3.gz"),
            age(20261121101500, 3)
        );
        assert_eq!(bare.parse("app.20261121T101500.log"), None);
        let gz = Naming::new("app.gz"); // a current file that itself ends in `.gz`
        assert_eq!(gz.parse("app.20261121T101500.gz"), age(20261121101500, 0));
        assert_eq!(
            gz.parse("app.20261121T101500.1.gz.gz"),
            age(20261121101500, 1)
        );
        assert_eq!(gz.parse("app.20261121T101500"), None);
        assert!(age(20261121101500, 0) < age(20261121101500, 1));
        assert!(age(20261121101500, 9) < age(20261121101501, 0));
    }

    #[test]
    fn tells_compressed_names_and_compression_leftovers_apart() {
        let n = Naming::new("app.log");
        assert!(n.parse_uncompressed("app.20261121T101500.1.log").is_some());
        assert!(n.parse_uncompressed("app.20261121T101500.log.gz").is_none());
        assert!(n.is_compressing("app.20261121T101500.log.gz.tmp"));
        assert!(n.is_compressing("app.20261121T101500.3.log.gz.tmp"));
        for other in [
            "app.20261121T101500.log",
            "app.20261121T101500.log.gz",
            "app.20261121T101500.log.tmp",
            "app.20261121T101500.log.gz.gz.tmp",
            "app.log.gz.tmp",
            "other.20261121T101500.log.gz.tmp",
        ] {
            assert!(!n.is_compressing(other), "{other}");
        }
        let gz = Naming::new("app.gz");
        assert!(gz.parse_uncompressed("app.20261121T101500.gz").is_some());
        assert!(gz.parse_uncompressed("app.20261121T101500.gz.gz").is_none());
        assert!(gz.is_compressing("app.20261121T101500.gz.gz.tmp"));
        assert!(!gz.is_compressing("app.20261121T101500.gz.tmp"));
    }
}
