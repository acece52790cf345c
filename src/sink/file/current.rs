//! The open current file: opening it for appending, rotating it away, and
//! opening it anew when another process removed or replaced it.

use super::append::Appender;
use super::housekeeping::{Housekeeper, Policy};
use super::naming::{with_suffix, Age, Naming, GZ};
use super::rotation::unix_secs;
use super::watch::{gone, is_deleted, Watch};
use super::{context, exists, open_append, Config};
use std::fs;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The open current file and what rotation needs to know about it.
pub(super) struct Current {
    /// The log directory, made absolute at open: a later `chdir` of the
    /// process changes nothing.
    dir: PathBuf,
    /// `dir/<file_name>`.
    path: PathBuf,
    naming: Naming,
    out: Appender<fs::File>,
    /// Checks that `path` still names `out`'s file.
    watch: Watch,
    /// False once `path` was found not to name `out`'s file and opening it
    /// anew failed: nothing is written until that succeeds.
    in_place: bool,
    /// `out`'s size when `path` was last seen to name it: what was written
    /// after that is copied to the new file if `out`'s file was deleted.
    checked_size: u64,
    /// When the file's content began: names it when it is rotated.
    started: SystemTime,
    /// The time rotation boundary, if any.
    next_boundary: Option<SystemTime>,
    /// The newest rotated name in the directory (found at open, then the
    /// last rotation's): the next rotated name sorts after it.
    newest: Option<Age>,
    housekeeper: Housekeeper,
}

impl Current {
    /// Resolves and creates the log directory and opens the current file in
    /// it. Errors of picking up what an earlier run left go to `deferred`.
    pub(super) fn open(c: &Config, deferred: &mut Option<io::Error>) -> io::Result<Current> {
        let dir = std::path::absolute(&c.dir)
            .map_err(|e| context(e, "cannot resolve log directory", &c.dir))?;
        fs::create_dir_all(&dir).map_err(|e| context(e, "cannot create log directory", &dir))?;
        if c.changes_the_directory() {
            probe_writable(&dir, &c.file_name)?;
        }
        let naming = Naming::new(&c.file_name);
        let newest = naming.newest_in(&dir)?;
        let path = dir.join(&c.file_name);
        let now = (c.clock)();
        let (out, meta) = open_current_file(&path)?;
        let started = began(&meta, now);
        let mut housekeeper = Housekeeper::new(Policy {
            dir: dir.clone(),
            naming: naming.clone(),
            retention: c.retention,
            gzip: c.gzip,
        });
        // What an earlier run left: not a reason to fail the install.
        if let Err(e) = housekeeper.resume() {
            deferred.get_or_insert(e);
        }
        Ok(Current {
            dir,
            path,
            naming,
            out,
            watch: Watch::new(&meta, now),
            in_place: true,
            checked_size: meta.len(),
            started,
            next_boundary: c.rotation.next_boundary(started),
            newest,
            housekeeper,
        })
    }

    /// Writes one batch: checks that the file is in place (when due),
    /// rotates (when due), then appends.
    pub(super) fn write(
        &mut self,
        c: &Config,
        bytes: &[u8],
        deferred: &mut Option<io::Error>,
    ) -> io::Result<()> {
        let now = (c.clock)();
        if !self.in_place || self.watch.due(now) {
            self.ensure_in_place(c, now, deferred)?;
        }
        if let Some(boundary) = self.next_boundary {
            if c.rotation.is_due(boundary, now) {
                self.rotate(c, now, true, deferred)?;
            }
        }
        let len = bytes.len() as u64;
        if c.rotate_bytes > 0
            && self.out.size() > 0
            && self.out.size().saturating_add(len) > c.rotate_bytes
        {
            self.rotate(c, now, false, deferred)?;
        }
        self.out.write(bytes)
    }

    /// Makes sure `path` names the file written to. When another process
    /// removed or replaced it, says so through `deferred`, recreates the
    /// directory and opens `path` anew; if the old file was deleted, copies
    /// what was written to it since the last check into the new one. `Err`
    /// when opening fails: nothing may be written then (it would go where
    /// no one can read it).
    pub(super) fn ensure_in_place(
        &mut self,
        c: &Config,
        now: SystemTime,
        deferred: &mut Option<io::Error>,
    ) -> io::Result<()> {
        if self.in_place {
            match self.watch.check(&self.path, now) {
                Ok(true) => {
                    self.checked_size = self.out.size();
                    return Ok(());
                }
                Ok(false) => {
                    self.in_place = false;
                    let message = format!(
                        "log file {} was removed or replaced by another process; \
                         the sink opens it anew",
                        self.path.display()
                    );
                    deferred.get_or_insert(io::Error::new(io::ErrorKind::NotFound, message));
                }
                Err(e) => {
                    // Cannot tell (e.g. no search permission any more):
                    // carry on with the open file.
                    deferred.get_or_insert(context(e, "cannot check log file", &self.path));
                    return Ok(());
                }
            }
        }
        fs::create_dir_all(&self.dir)
            .map_err(|e| context(e, "cannot create log directory", &self.dir))?;
        let (mut out, meta) = open_current_file(&self.path)?;
        let (old, from) = (self.out.get_ref(), self.checked_size);
        if self.out.size() > from && is_deleted(old) {
            if let Err(e) = carry_over(old, from, self.out.size(), &mut out) {
                let message = format!(
                    "cannot copy what was written to the deleted log file {} \
                     since the last check to the new one (lost): {e}",
                    self.path.display()
                );
                deferred.get_or_insert(io::Error::new(e.kind(), message));
            }
        }
        let started = began(&meta, now);
        self.adopt(c, out, &meta, now, started);
        Ok(())
    }

    /// Writes to `out` (just opened at `now`, its content begun at
    /// `started`) from now on.
    fn adopt(
        &mut self,
        c: &Config,
        out: Appender<fs::File>,
        meta: &fs::Metadata,
        now: SystemTime,
        started: SystemTime,
    ) {
        self.out = out;
        self.watch = Watch::new(meta, now);
        self.in_place = true;
        self.checked_size = self.out.size();
        self.started = started;
        self.next_boundary = c.rotation.next_boundary(started);
    }

    /// Renames the current file away and starts a new one. `Err` when the
    /// batch must not be written: the current file is gone and cannot be
    /// opened anew, or a partial line left by a failed write could not be
    /// ended. Other failures go to `deferred` and writing carries on in the
    /// current file.
    fn rotate(
        &mut self,
        c: &Config,
        now: SystemTime,
        by_time: bool,
        deferred: &mut Option<io::Error>,
    ) -> io::Result<()> {
        // Never rename away a file another process put at our path.
        self.ensure_in_place(c, now, deferred)?;
        let started = if by_time {
            c.rotation.period_start(now)
        } else {
            now
        };
        if self.out.size() == 0 {
            // Nothing to rotate away: the current file just begins anew.
            self.started = started;
            self.next_boundary = c.rotation.next_boundary(started);
            return Ok(());
        }
        self.out.end_torn_line()?;

        let mut age = self.next_age();
        let rotated = loop {
            let candidate = self.naming.rotated_path(&self.dir, age);
            if !exists(&candidate) && !exists(&with_suffix(&candidate, GZ)) {
                break candidate;
            }
            age = age.next();
        };
        match fs::rename(&self.path, &rotated) {
            Ok(()) => {}
            Err(e) if gone(&e) => {
                // Removed since the check above: open it anew.
                return self.ensure_in_place(c, now, deferred);
            }
            Err(e) => {
                let message = format!(
                    "cannot rotate {} to {}: {e}",
                    self.path.display(),
                    rotated.display()
                );
                deferred.get_or_insert(io::Error::new(e.kind(), message));
                return Ok(());
            }
        }
        // Taken even if what follows puts the file back: names only go up.
        self.newest = Some(age);
        let (out, meta) = match open_current_file(&self.path) {
            Ok(opened) => opened,
            Err(e) => {
                // Put it back and keep writing to it.
                let _ = fs::rename(&rotated, &self.path);
                deferred.get_or_insert(e);
                return Ok(());
            }
        };
        self.adopt(c, out, &meta, now, started);
        if let Err(e) = self.housekeeper.rotated(rotated) {
            deferred.get_or_insert(e);
        }
        Ok(())
    }

    /// The name for the file rotated now: after the time its content began,
    /// unless that sorts before the newest rotated file (a clock that went
    /// back, a restart within the same second): then the newest's timestamp
    /// with the next counter. Rotated names thus sort in rotation order.
    fn next_age(&self) -> Age {
        let own = Age::of(unix_secs(self.started), 0);
        match self.newest {
            Some(newest) if own <= newest => newest.next(),
            _ => own,
        }
    }

    /// The first error the gzip helper met since the last call, if any.
    pub(super) fn take_error(&self) -> Option<io::Error> {
        self.housekeeper.take_error()
    }

    /// Waits for pending compressions and retention.
    pub(super) fn finish(&mut self) -> io::Result<()> {
        self.housekeeper.finish()
    }
}

/// Opens `path` for appending, creating it if needed. A file whose last
/// byte is not a newline (an earlier run stopped mid-line) gets one before
/// the first batch, so that batch's first line stays whole.
fn open_current_file(path: &Path) -> io::Result<(Appender<fs::File>, fs::Metadata)> {
    let file = open_append(path)?;
    let meta = file
        .metadata()
        .map_err(|e| context(e, "cannot read metadata of", path))?;
    let size = meta.len();
    let torn = meta.is_file() && size > 0 && last_byte(path, size).is_some_and(|b| b != b'\n');
    Ok((Appender::new(file, size).torn(torn), meta))
}

/// Copies bytes `from..to` of `old`, a deleted file, to `out`, a piece of
/// whole lines at a time (a MiB or so), so the copy needs little memory.
fn carry_over(
    mut old: &fs::File,
    from: u64,
    to: u64,
    out: &mut Appender<fs::File>,
) -> io::Result<()> {
    const PIECE: u64 = 1 << 20;
    old.seek(SeekFrom::Start(from))?;
    let mut rest = old.take(to - from);
    let mut piece = Vec::new();
    while (&mut rest).take(PIECE).read_to_end(&mut piece)? > 0 {
        if let Some(last) = piece.iter().rposition(|&b| b == b'\n') {
            out.write(&piece[..=last])?;
            piece.drain(..=last);
        }
    }
    if !piece.is_empty() {
        piece.push(b'\n'); // a partial line at the very end: ended
        out.write(&piece)?;
    }
    Ok(())
}

/// The byte at `size - 1`; `None` when it cannot be read (then nothing is
/// added: the sink does not guess).
fn last_byte(path: &Path, size: u64) -> Option<u8> {
    let mut file = fs::File::open(path).ok()?;
    file.seek(SeekFrom::Start(size.checked_sub(1)?)).ok()?;
    let mut byte = [0];
    file.read_exact(&mut byte).ok()?;
    Some(byte[0])
}

/// When the content of a file opened with `meta` began: a file left with
/// content was created then (or, where the file system does not say, no
/// later than its last write); an empty one begins now.
fn began(meta: &fs::Metadata, now: SystemTime) -> SystemTime {
    match meta.created().or_else(|_| meta.modified()) {
        Ok(t) if meta.len() > 0 => t.min(now),
        _ => now,
    }
}

/// Fails unless files can be created and deleted in `dir`, which rotation,
/// retention and gzip need: opening the current file alone does not show
/// it (the file can be writable in a directory that is not). Creates and
/// deletes `.<file_name>.<pid>.probe`.
fn probe_writable(dir: &Path, file_name: &str) -> io::Result<()> {
    let probe = dir.join(format!(".{file_name}.{}.probe", std::process::id()));
    let made = fs::File::create(&probe).and_then(|_| fs::remove_file(&probe));
    made.map_err(|e| {
        let message = format!(
            "file sink setting `dir` = {}: cannot create and delete files there, \
             which rotation, retention and gzip need: {e}",
            dir.display()
        );
        io::Error::new(e.kind(), message)
    })
}
