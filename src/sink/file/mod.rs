//! The rotating file sink, [`File`]: size and time rotation, retention and
//! gzip of rotated files. Its behaviour is documented on the type, since
//! this module is private.
//!
//! One job per submodule: `current` (the open current file: opening,
//! rotating, opening anew), `append` (writing a batch through, whole or not
//! at all), `watch` (noticing the current file was removed or replaced),
//! `rotation` (schedule, UTC boundaries and timestamps), `naming`
//! (building and recognizing rotated names), `retention` (what to delete),
//! `housekeeping` (gzip on a helper thread, then retention).

mod append;
mod current;
mod housekeeping;
mod naming;
mod retention;
mod rotation;
mod watch;

pub use rotation::Rotation;

use super::{Batch, Format, Sink};
use current::Current;
use retention::Retention;
use std::fmt;
use std::fs::{self, OpenOptions};
use std::io;
use std::path::{is_separator, Path, PathBuf};
use std::time::SystemTime;

#[cfg(not(feature = "gzip"))]
const GZIP_FEATURE_OFF: &str =
    "file sink setting `gzip`: compressing rotated files needs the `gzip` cargo \
     feature of fapilog, which is off in this build (enable it, or remove `.gzip()`)";

/// Writes records to a file, with optional rotation, retention and gzip.
///
/// [`File`] appends batches to one **current file** whose name never changes
/// (`logs/app.log`), so `tail -F` and log shippers can follow it. Each batch
/// is in the file (handed to the kernel: the sink does not `fsync`) when
/// [`Sink::write_batch`] returns; nothing is held back in the sink for a
/// later flush.
///
/// A relative directory is resolved against the working directory once, at
/// [`Sink::open`] (not following symlinks): a later `chdir` of the process
/// does not move the sink. [`Sink::name`] keeps the spelling given.
///
/// A current file left by an earlier run is appended to. If its last byte
/// is not a newline (the run stopped mid-line: power loss, a kill), a
/// newline is written before the first batch, so that batch's first record
/// stays a line of its own.
///
/// # Rotation
///
/// Before writing a batch the sink rotates the current file (renames it,
/// then starts a new, empty current file) when
///
/// * **size** ([`File::rotate_bytes`]): the batch would take the current
///   file past the limit. A line is never split across files: a batch larger
///   than the limit is written whole into a fresh file. A file appended to at
///   start-up counts with the size it already had.
/// * **time** ([`File::rotate_hourly`], [`File::rotate_daily`]): the batch
///   is written at or after the next UTC hour or day boundary. A non-empty
///   current file left by an earlier run whose period is over is rotated at
///   the first write. A write before the start of the file's period (the
///   clock stepped back) rotates too: see below.
///
/// A rotated file is named `<stem>.<YYYYMMDDTHHMMSS>[.<n>].<ext>`, e.g.
/// `app.20261121T100000.log`, after the UTC time its content began: when the
/// file was created, or the start of the hour or day for a file begun by a
/// time rotation. `.<n>` tells apart files begun in the same second.
///
/// Names sort in rotation order (compare the counter as a number), across
/// restarts too: a name that would sort before the newest rotated file in
/// the directory (the wall clock stepped back, or a restart within the
/// second of the last rotations) takes instead that file's timestamp and
/// the next counter. Such a timestamp is then later than when the content
/// began; after a clock that ran ahead by mistake (a bad NTP source), names
/// keep that future timestamp, counting up, until the clock passes it.
///
/// A write whose time lies outside the current file's hour or day rotates
/// by time, whether the clock moved forward or back; so a clock that jumped
/// ahead and was corrected costs one extra rotation, not a suspension of
/// time rotation for as long as the jump.
///
/// # Retention
///
/// After each rotation, rotated files beyond [`File::keep_files`] or
/// [`File::keep_bytes`] are deleted, oldest first by name (the rotation
/// order above, never modification times, which follow the wall clock).
/// The newest rotated file is always kept, even when it alone is larger
/// than `keep_bytes`. Retention only deletes files named like the rotated
/// files of this sink's file name: never the current file, never anything
/// else in the directory.
///
/// With [`File::gzip`], a rotated file still waiting for compression counts
/// towards `keep_files` as the one file it will be, but not towards
/// `keep_bytes`, since its compressed size is not known yet: a burst of
/// rotations never deletes files for the raw size they have only until
/// they are compressed. Meanwhile the directory may hold more than
/// `keep_bytes`; retention after the last compression brings it back
/// within. A file whose compression failed counts by its size on disk.
///
/// # Compression
///
/// With [`File::gzip`] (cargo feature `gzip`, on by default) each rotated
/// file is compressed to `<name>.gz` on a helper thread, so compressing a
/// large file never holds up writing; retention runs after it, on the same
/// thread. [`Sink::close`] waits for pending compressions. A file is only
/// deleted once its `.gz` is complete and synced to disk.
///
/// A compression that fails (reported by the next [`Sink::flush`] or
/// [`Sink::close`]) leaves the rotated file as it was; it is tried again at
/// the next rotation. [`Sink::open`] picks up what an earlier run left: it
/// compresses rotated files left uncompressed (the run stopped first, or
/// their compression failed) and deletes the `<rotated name>.gz.tmp` of a
/// compression cut short (without gzip too: such a file is never complete).
///
/// # Files removed or renamed behind the sink's back
///
/// Another process may remove the directory, or rename or delete the
/// current file (logrotate without `copytruncate`, a temp cleaner). The
/// sink then notices that its path no longer names the open file (one
/// `stat`, comparing device and inode number) at the next check:
///
/// * at every [`Sink::flush`] (the logger flushes a sink after 100 ms
///   without batches, on `fapilog::flush()` and at shutdown);
/// * while batches keep coming, at the first batch once a second of the
///   sink's clock ([`File::clock`]) has passed since the last check, or the
///   clock went back;
/// * before every rotation, so a file put in our place is never rotated
///   away as ours.
///
/// Writing thus costs one `stat` a second at most, never one per batch.
/// On noticing, the sink recreates the directory if needed and opens the
/// current file's path anew (appending to whatever is there), and reports
/// it: ``log file … was removed or replaced by another process`` from the
/// next flush, counted as a sink error. If the path cannot be opened anew
/// (the directory cannot be recreated), every batch fails with that error,
/// so it goes to the fallback sink or is counted dropped, never delivered;
/// each batch tries again (`mkdir` and `open`: a few system calls a batch,
/// only in that state).
///
/// The batches written between the removal and the check are counted
/// delivered, and went to the old file. When it was renamed, they are in it
/// under its new name. When it was deleted (no name left), the sink copies
/// what it wrote to it since the previous check into the new file, a MiB
/// of whole lines at a time; so the lines written between that check and
/// the deletion (at most a second's worth, and none from before the
/// logger's last flush) reappear there although the deletion took them.
/// Should that copy fail (the file was opened without read permission, the
/// disk is full), the flush reports it and those batches are lost although
/// counted delivered. Nothing is copied where the link count is not known
/// (outside Unix).
///
/// # Errors
///
/// An I/O error while writing a batch (a full disk) is returned by
/// [`Sink::write_batch`]: the worker counts it, and sends the batch to the
/// logger's fallback sink or counts its records dropped (`SinkError`), never
/// delivered. The sink stays usable: the next batch tries again.
///
/// A batch is in the file whole or not at all: when a write fails part way
/// (the disk filled up mid-batch), the part written is cut off again
/// (`ftruncate`), so no line is both in the file and in the fallback, and no
/// partial line is left. Should that fail too (or another process appended
/// to the file meanwhile, which is then left alone), the lines written stay
/// in the file while the batch counts as failed (so it may reach the
/// fallback too: counted lost or rescued, never counted delivered and
/// lost), and a partial last line is ended with a newline before the next
/// write, so it never glues onto the next record.
///
/// Errors of rotation, compression and retention do not lose the batch at
/// hand (it goes to the current file, unless that is gone and cannot be
/// opened anew: see above) and are returned by the next
/// [`Sink::flush`] or [`Sink::close`]: the logger then reports them on
/// stderr and in [`sink_health()`](crate::sink_health), and the
/// `fapilog::flush()` or `shutdown()` they answer returns false. Errors the
/// file system only reports
/// at write-back (some network file systems) are not seen: the sink does
/// not `fsync`.
///
/// # Example
///
/// ```
/// use fapilog::sink::{Batch, File, Format, Sink};
/// use fapilog::Level;
///
/// let dir = std::env::temp_dir().join(format!("fapilog-doc-{}", std::process::id()));
/// let mut sink = File::new(&dir)
///     .file_name("app.log")
///     .format(Format::Flat)
///     .rotate_bytes(10 << 20) // 10 MiB
///     .rotate_daily()
///     .keep_files(10)
///     .keep_bytes(1 << 30);
/// // Add `.gzip()` to compress rotated files (cargo feature `gzip`).
/// assert_eq!(sink.name(), format!("file:{}", dir.join("app.log").display()));
///
/// // The logger drives sinks on their own thread; here we do it by hand.
/// sink.open()?;
/// let mut batch = Batch::default();
/// batch.push_line(Level::Info, 0, br#"{"message":"hello"}"#);
/// sink.write_batch(&batch)?;
/// sink.close()?;
/// assert!(std::fs::read_to_string(dir.join("app.log"))?.ends_with("{\"message\":\"hello\"}\n"));
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Settings
///
/// Settings are checked by [`Sink::open`], which fails naming the setting
/// (e.g. ``file sink setting `keep_files` = 0: expected at least 1``; an
/// empty directory, ``File::new("")``, is refused: use `"."`), as it
/// fails naming the path when the directory or file cannot be created.
/// With rotation, retention or gzip, which rename and delete files in the
/// directory, `open` also checks that it can create and delete a file
/// there (`.<file_name>.<pid>.probe`) and fails naming the setting `dir`
/// and the directory if not: a writable current file in a directory the
/// process cannot write would never rotate.
///
/// The builder method [`File::format`] shadows [`Sink::format`]; call the
/// latter as `Sink::format(&file)`.
pub struct File {
    config: Config,
    /// The sink's name, `file:<dir>/<file_name>`.
    name: String,
    /// `None` until opened, and again after `close`.
    current: Option<Current>,
    /// An error of rotation or housekeeping, for the next `flush`/`close`.
    deferred: Option<io::Error>,
}

/// The builder settings.
struct Config {
    dir: PathBuf,
    file_name: String,
    format: Format,
    /// 0: no size rotation.
    rotate_bytes: u64,
    rotation: Rotation,
    retention: Retention,
    gzip: bool,
    clock: Box<dyn Fn() -> SystemTime + Send>,
}

impl File {
    /// A sink writing `fapilog.log` in `dir`, which `open` creates if needed
    /// (and makes absolute: see the type's docs).
    ///
    /// Defaults: envelope format, no rotation, no retention, no compression.
    pub fn new(dir: impl Into<PathBuf>) -> File {
        let mut file = File {
            config: Config {
                dir: dir.into(),
                file_name: "fapilog.log".to_owned(),
                format: Format::Envelope,
                rotate_bytes: 0,
                rotation: Rotation::Never,
                retention: Retention::default(),
                gzip: false,
                clock: Box::new(SystemTime::now),
            },
            name: String::new(),
            current: None,
            deferred: None,
        };
        file.rename();
        file
    }

    /// The name of the current file (default `fapilog.log`): a plain file
    /// name, no directory. Rotated files are named after it.
    pub fn file_name(mut self, file_name: impl Into<String>) -> File {
        self.config.file_name = file_name.into();
        self.rename();
        self
    }

    /// The format records are written in (default [`Format::Envelope`]).
    pub fn format(mut self, format: Format) -> File {
        self.config.format = format;
        self
    }

    /// Rotates when a batch would take the current file past `bytes`
    /// (0, the default, turns size rotation off).
    pub fn rotate_bytes(mut self, bytes: u64) -> File {
        self.config.rotate_bytes = bytes;
        self
    }

    /// Sets the time rotation schedule (default [`Rotation::Never`]).
    pub fn rotation(mut self, rotation: Rotation) -> File {
        self.config.rotation = rotation;
        self
    }

    /// Rotates at every full UTC hour: `.rotation(Rotation::Hourly)`.
    pub fn rotate_hourly(self) -> File {
        self.rotation(Rotation::Hourly)
    }

    /// Rotates at every UTC midnight: `.rotation(Rotation::Daily)`.
    pub fn rotate_daily(self) -> File {
        self.rotation(Rotation::Daily)
    }

    /// Keeps at most `files` rotated files (at least 1), deleting the oldest.
    pub fn keep_files(mut self, files: usize) -> File {
        self.config.retention.keep_files = Some(files);
        self
    }

    /// Keeps at most `bytes` of rotated files in total (at least 1; sizes on
    /// disk, so compressed sizes with [`File::gzip`]), deleting the oldest.
    /// The newest rotated file is kept even when larger than `bytes`.
    pub fn keep_bytes(mut self, bytes: u64) -> File {
        self.config.retention.keep_bytes = Some(bytes);
        self
    }

    /// Compresses rotated files to `.gz` on a helper thread.
    ///
    /// Needs the `gzip` cargo feature (on by default); without it,
    /// [`Sink::open`] returns an error saying so.
    pub fn gzip(mut self) -> File {
        self.config.gzip = true;
        self
    }

    /// Replaces the wall clock used for time rotation, rotated file names
    /// and the once-a-second check that the current file is in place, e.g.
    /// with a fake clock in tests. Read once per batch. Default:
    /// [`SystemTime::now`].
    pub fn clock(mut self, clock: impl Fn() -> SystemTime + Send + 'static) -> File {
        self.config.clock = Box::new(clock);
        self
    }

    fn rename(&mut self) {
        self.name = format!("file:{}", self.current_path().display());
    }

    fn current_path(&self) -> PathBuf {
        self.config.dir.join(&self.config.file_name)
    }

    /// Rejects settings that cannot work, naming the setting.
    fn validate(&self) -> io::Result<()> {
        let c = &self.config;
        if c.dir.as_os_str().is_empty() {
            return Err(invalid(
                "file.dir",
                "\"\"",
                "a directory path (\".\" for the working directory)",
            ));
        }
        let name = c.file_name.as_str();
        if name.is_empty() || name == "." || name == ".." || name.chars().any(is_separator) {
            return Err(invalid(
                "file.file_name",
                format_args!("{name:?}"),
                "a plain file name, without directories",
            ));
        }
        if c.retention.keep_files == Some(0) {
            return Err(invalid("file.keep_files", 0, "at least 1"));
        }
        if c.retention.keep_bytes == Some(0) {
            return Err(invalid("file.keep_bytes", 0, "at least 1"));
        }
        #[cfg(not(feature = "gzip"))]
        if c.gzip {
            return Err(io::Error::new(io::ErrorKind::Unsupported, GZIP_FEATURE_OFF));
        }
        Ok(())
    }

    /// Checks the settings, then opens the current file.
    fn open_current(&mut self) -> io::Result<()> {
        self.validate()?;
        self.current = Some(Current::open(&self.config, &mut self.deferred)?);
        Ok(())
    }

    fn take_deferred(&mut self) -> io::Result<()> {
        let helper = || self.current.as_ref()?.take_error();
        match self.deferred.take().or_else(helper) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

impl Config {
    /// Whether the sink renames or deletes files in the directory, not only
    /// appends to the current file.
    fn changes_the_directory(&self) -> bool {
        self.rotate_bytes > 0
            || self.rotation != Rotation::Never
            || !self.retention.is_off()
            || self.gzip
    }
}

impl Sink for File {
    fn name(&self) -> &str {
        &self.name
    }

    fn format(&self) -> Format {
        self.config.format
    }

    fn open(&mut self) -> io::Result<()> {
        if self.current.is_some() {
            // Opened twice: start over. Errors of the old file are stale
            // news here and must not fail the new install.
            let _ = self.close();
        }
        self.open_current()
    }

    fn write_batch(&mut self, batch: &Batch) -> io::Result<()> {
        let bytes = batch.as_bytes();
        if bytes.is_empty() {
            return Ok(());
        }
        if self.current.is_none() {
            self.open_current()?;
        }
        let Some(current) = self.current.as_mut() else {
            return Ok(()); // unreachable: just opened
        };
        current.write(&self.config, bytes, &mut self.deferred)
    }

    /// Batches are written through: checks that the current file is still
    /// in place (opening it anew if not), and reports that and the errors
    /// of rotation and housekeeping since the last call.
    fn flush(&mut self) -> io::Result<()> {
        if let Some(current) = self.current.as_mut() {
            let now = (self.config.clock)();
            if let Err(e) = current.ensure_in_place(&self.config, now, &mut self.deferred) {
                // Reported here; the next batch tries again, and fails if
                // it cannot be written either.
                self.deferred.get_or_insert(e);
            }
        }
        self.take_deferred()
    }

    fn close(&mut self) -> io::Result<()> {
        let Some(mut current) = self.current.take() else {
            return self.deferred.take().map_or(Ok(()), Err);
        };
        let finished = current.finish();
        drop(current);
        let deferred = self.deferred.take().map_or(Ok(()), Err);
        finished.and(deferred)
    }
}

impl fmt::Debug for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.config;
        f.debug_struct("File")
            .field("dir", &c.dir)
            .field("file_name", &c.file_name)
            .field("format", &c.format)
            .field("rotate_bytes", &c.rotate_bytes)
            .field("rotation", &c.rotation)
            .field("keep_files", &c.retention.keep_files)
            .field("keep_bytes", &c.retention.keep_bytes)
            .field("gzip", &c.gzip)
            .field("open", &self.current.is_some())
            .finish_non_exhaustive()
    }
}

/// Opens `path` for appending, creating it if needed; also for reading
/// where permitted, so that what was written to it after another process
/// deleted it can be copied out (see `current`).
fn open_append(path: &Path) -> io::Result<fs::File> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    match options.clone().read(true).open(path) {
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => options.open(path),
        opened => opened,
    }
    .map_err(|e| context(e, "cannot open log file", path))
}

/// Whether anything (even a dangling symlink) has this name.
fn exists(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok()
}

/// `e` with a message naming what failed and on which path.
fn context(e: io::Error, what: &str, path: &Path) -> io::Error {
    io::Error::new(e.kind(), format!("{what} {}: {e}", path.display()))
}

/// The error for a setting `open` rejects (`setting` is `file.<name>`),
/// which `install()` reports as an invalid setting.
fn invalid(setting: &'static str, value: impl fmt::Display, expected: &'static str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        crate::error::SinkSettingError {
            setting,
            value: value.to_string(),
            expected,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_is_a_sink_for_any_thread() {
        fn assert_send<T: Send + 'static>() {}
        assert_send::<File>();
    }
}
