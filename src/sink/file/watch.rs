//! Noticing that the current file's path no longer names the file the sink
//! has open.
//!
//! Another process may remove the log directory, or rename or delete the
//! current file (logrotate without `copytruncate`, a temp cleaner, an
//! operator). The open file then lives on under another name or under none,
//! and what the sink writes to it is not where anyone looks. One `stat` of
//! the path, compared with the file's identity at open (device and inode
//! number), tells. It runs at most once a second of the sink's clock while
//! batches are written, and at every flush: never once per batch.

use std::fs;
use std::io;
use std::path::Path;
use std::time::{Duration, SystemTime};

/// How often, by the sink's clock, writing checks the path.
pub(super) const CHECK_EVERY: Duration = Duration::from_secs(1);

/// What identifies a file whatever its name: (device, inode) on Unix. Where
/// that is not known, every file looks alike, and only a path that names
/// nothing any more is noticed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct FileId(#[cfg(unix)] (u64, u64));

impl FileId {
    fn of(meta: &fs::Metadata) -> FileId {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            FileId((meta.dev(), meta.ino()))
        }
        #[cfg(not(unix))]
        {
            let _ = meta;
            FileId()
        }
    }
}

/// The identity of the open file and when the path was last seen to name it.
#[derive(Debug)]
pub(super) struct Watch {
    id: FileId,
    checked_at: SystemTime,
}

impl Watch {
    /// Watches the file `meta` describes, just opened at `now`.
    pub(super) fn new(meta: &fs::Metadata, now: SystemTime) -> Watch {
        Watch {
            id: FileId::of(meta),
            checked_at: now,
        }
    }

    /// Whether a write at `now` should check the path: [`CHECK_EVERY`] has
    /// passed since the last check, or the clock went back.
    pub(super) fn due(&self, now: SystemTime) -> bool {
        now.duration_since(self.checked_at)
            .map_or(true, |d| d >= CHECK_EVERY)
    }

    /// Whether `path` still names the watched file: `Ok(false)` when it
    /// names nothing (it or a directory above it is gone) or another file.
    pub(super) fn check(&mut self, path: &Path, now: SystemTime) -> io::Result<bool> {
        self.checked_at = now;
        match fs::metadata(path) {
            Ok(meta) => Ok(FileId::of(&meta) == self.id),
            Err(e) if gone(&e) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

/// Whether `file` has no name left (`nlink` 0): it was deleted, not
/// renamed. False where that is not known.
pub(super) fn is_deleted(file: &fs::File) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        file.metadata().is_ok_and(|m| m.nlink() == 0)
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        false
    }
}

/// Whether `e` says a path names nothing.
pub(super) fn gone(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn checks_are_due_once_a_second_or_when_the_clock_goes_back() {
        let path = std::env::temp_dir().join(format!("fapilog-watch-{}", std::process::id()));
        fs::write(&path, b"x\n").unwrap();
        let t = UNIX_EPOCH + Duration::from_secs(1_795_256_100);
        let mut watch = Watch::new(&fs::metadata(&path).unwrap(), t);
        assert!(!watch.due(t + Duration::from_millis(999)));
        assert!(watch.due(t + CHECK_EVERY));
        assert!(watch.due(t - Duration::from_secs(1)));
        assert!(watch.check(&path, t + CHECK_EVERY).unwrap());
        assert!(!watch.due(t + CHECK_EVERY));

        let moved = path.with_extension("moved");
        fs::rename(&path, &moved).unwrap();
        assert!(!watch.check(&path, t).unwrap(), "nothing at the path");
        fs::write(&path, b"another file\n").unwrap();
        if cfg!(unix) {
            assert!(!watch.check(&path, t).unwrap(), "another file at the path");
        }
        let _ = fs::remove_file(&path);
        let _ = fs::remove_file(&moved);
    }
}
