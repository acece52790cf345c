//! Work after a rotation: gzip the rotated file, then apply retention.
//!
//! Without gzip, retention runs inline (a directory listing and a few
//! deletions). With gzip, both run in order on one helper thread, spawned at
//! the first rotation, so compressing a large file never stalls writing;
//! [`Housekeeper::finish`] waits for it. Retention there never judges a
//! file still waiting for compression by its raw size (see `retention`).
//!
//! A compression that fails leaves the rotated file as it is; it is tried
//! again before the next rotated file is compressed, and by the next run
//! ([`Housekeeper::resume`], at open), which also removes the temporary file
//! of a compression cut short.

use super::naming::Naming;
use super::retention::Retention;
use parking_lot::Mutex;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc};
use std::thread::{self, JoinHandle};

/// What to do with each rotated file.
#[derive(Clone, Debug)]
pub(super) struct Policy {
    pub(super) dir: PathBuf,
    pub(super) naming: Naming,
    pub(super) retention: Retention,
    pub(super) gzip: bool,
}

/// A rotated file to handle.
#[derive(Debug)]
struct Job {
    path: PathBuf,
    /// Try again the compressions that failed before (false for files an
    /// earlier run left, so a file that keeps failing is tried once per
    /// rotation, not once per leftover).
    retry: bool,
}

/// Does the work of a [`Policy`], on whichever thread runs it, and
/// remembers the files it failed to compress.
#[derive(Debug)]
struct Worker {
    policy: Policy,
    /// Rotated files whose compression failed, oldest first.
    failed: Vec<PathBuf>,
}

impl Worker {
    fn new(policy: Policy) -> Worker {
        Worker {
            policy,
            failed: Vec::new(),
        }
    }

    /// Compresses the job's file (after the earlier failures, if it says
    /// so), then applies retention. Returns the first error.
    fn run(&mut self, job: Job) -> io::Result<()> {
        let mut result = Ok(());
        if self.policy.gzip {
            let retry = if job.retry {
                std::mem::take(&mut self.failed)
            } else {
                Vec::new()
            };
            for path in retry.into_iter().chain([job.path]) {
                if let Err(e) = compress(&path) {
                    result = result.and(Err(e));
                    if !self.failed.contains(&path) {
                        self.failed.push(path);
                    }
                }
            }
        }
        // Retention runs even if compression failed (the file stays as is).
        let p = &self.policy;
        let retained = p.retention.apply(&p.dir, &p.naming, &|f| self.pending(f));
        result.and(retained)
    }

    /// Whether `path` is a rotated file waiting for compression: with gzip,
    /// every uncompressed rotated file but those that failed (those stay as
    /// they are until tried again, and count by their size).
    fn pending(&self, path: &Path) -> bool {
        let p = &self.policy;
        let name = path.file_name().and_then(|n| n.to_str());
        p.gzip
            && name.is_some_and(|n| p.naming.parse_uncompressed(n).is_some())
            && !self.failed.iter().any(|f| f == path)
    }
}

/// Runs a [`Policy`] after each rotation, inline or on its helper thread.
#[derive(Debug)]
pub(super) struct Housekeeper {
    policy: Policy,
    /// Works on the sink's thread: without gzip, or without a helper.
    inline: Worker,
    helper: Option<Helper>,
}

#[derive(Debug)]
struct Helper {
    jobs: mpsc::Sender<Job>,
    thread: JoinHandle<()>,
    /// The helper's first error since the last [`Housekeeper::take_error`].
    error: Arc<Mutex<Option<io::Error>>>,
}

impl Housekeeper {
    pub(super) fn new(policy: Policy) -> Housekeeper {
        Housekeeper {
            inline: Worker::new(policy.clone()),
            policy,
            helper: None,
        }
    }

    /// Handles a file just rotated away. Errors of inline work are returned;
    /// errors of the helper thread come out of [`Housekeeper::take_error`].
    pub(super) fn rotated(&mut self, rotated: PathBuf) -> io::Result<()> {
        self.submit(Job {
            path: rotated,
            retry: true,
        })
    }

    /// Picks up what an earlier run left in the directory: removes the
    /// temporary files of compressions cut short (a crash, a kill) and,
    /// with gzip, queues the rotated files left uncompressed, oldest first.
    /// Keeps going after an error and returns the first.
    pub(super) fn resume(&mut self) -> io::Result<()> {
        let mut first_error = None;
        let mut uncompressed = Vec::new();
        let dir = &self.policy.dir;
        let list = |e| super::context(e, "cannot list log directory", dir);
        for entry in fs::read_dir(dir).map_err(list)? {
            let entry = entry.map_err(list)?;
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            let naming = &self.policy.naming;
            let age = naming.parse_uncompressed(&name);
            let stale = naming.is_compressing(&name);
            if (age.is_none() && !stale) || !entry.file_type().is_ok_and(|t| t.is_file()) {
                continue;
            }
            match age {
                Some(age) => uncompressed.push((age, entry.path())),
                None => match fs::remove_file(entry.path()) {
                    Err(e) if e.kind() != io::ErrorKind::NotFound => {
                        let message = format!(
                            "cannot delete {} (left by a compression cut short): {e}",
                            entry.path().display()
                        );
                        first_error.get_or_insert(io::Error::new(e.kind(), message));
                    }
                    _ => {}
                },
            }
        }
        if self.policy.gzip {
            uncompressed.sort();
            for (_, path) in uncompressed {
                let queued = self.submit(Job { path, retry: false });
                if let Err(e) = queued {
                    first_error.get_or_insert(e);
                }
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    fn submit(&mut self, job: Job) -> io::Result<()> {
        if !self.policy.gzip {
            return self.inline.run(job);
        }
        if self.helper.is_none() {
            self.helper = self.spawn().ok();
        }
        let Some(helper) = &self.helper else {
            // No thread to be had: compress here rather than not at all.
            return self.inline.run(job);
        };
        if let Err(mpsc::SendError(job)) = helper.jobs.send(job) {
            // The helper is gone (it panicked): collect it, work inline.
            let gone = self.finish();
            return self.inline.run(job).and(gone);
        }
        Ok(())
    }

    fn spawn(&self) -> io::Result<Helper> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let error = Arc::new(Mutex::new(None));
        let (mut worker, slot) = (Worker::new(self.policy.clone()), Arc::clone(&error));
        let thread = thread::Builder::new()
            .name("fapilog-file-gzip".into())
            .spawn(move || {
                for job in queue {
                    if let Err(e) = worker.run(job) {
                        slot.lock().get_or_insert(e);
                    }
                }
            })?;
        Ok(Helper {
            jobs,
            thread,
            error,
        })
    }

    /// The first error the helper thread met since the last call, if any.
    pub(super) fn take_error(&self) -> Option<io::Error> {
        self.helper.as_ref().and_then(|h| h.error.lock().take())
    }

    /// Waits until every queued rotated file is handled and stops the helper.
    pub(super) fn finish(&mut self) -> io::Result<()> {
        let Some(Helper {
            jobs,
            thread,
            error,
        }) = self.helper.take()
        else {
            return Ok(());
        };
        drop(jobs); // ends the helper's loop once the queue is empty
        let joined = thread.join();
        let first = error.lock().take();
        match (first, joined) {
            (Some(e), _) => Err(e),
            (None, Ok(())) => Ok(()),
            (None, Err(_)) => Err(io::Error::other(
                "file sink: the gzip helper thread panicked",
            )),
        }
    }
}

impl Drop for Housekeeper {
    fn drop(&mut self) {
        // Never leave a compression half done behind a dropped sink.
        let _ = self.finish();
    }
}

/// Compresses `path` into `path.gz` (through `path.gz.tmp`, renamed when
/// complete and synced), then deletes `path`. A `path` already gone
/// (deleted by retention meanwhile) is not an error.
#[cfg(feature = "gzip")]
fn compress(path: &Path) -> io::Result<()> {
    use super::naming::{with_suffix, GZ, TMP};
    use flate2::{write::GzEncoder, Compression};
    use std::io::Write;

    let gz = with_suffix(path, GZ);
    let tmp = with_suffix(&gz, TMP);
    let mut input = match fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(io::Error::new(
                e.kind(),
                format!("cannot compress {}: {e}", path.display()),
            ))
        }
    };
    let mut write = || -> io::Result<()> {
        let out = io::BufWriter::with_capacity(64 * 1024, fs::File::create(&tmp)?);
        let mut encoder = GzEncoder::new(out, Compression::default());
        io::copy(&mut input, &mut encoder)?;
        let mut out = encoder.finish()?;
        out.flush()?;
        out.get_ref().sync_all()?;
        fs::rename(&tmp, &gz)
    };
    if let Err(e) = write() {
        let _ = fs::remove_file(&tmp);
        return Err(io::Error::new(
            e.kind(),
            format!(
                "cannot compress {} into {}: {e}",
                path.display(),
                gz.display()
            ),
        ));
    }
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(io::Error::new(
            e.kind(),
            format!("cannot delete {} after compressing it: {e}", path.display()),
        )),
        _ => Ok(()),
    }
}

/// Without the `gzip` feature `File::open` refuses `.gzip()`, so this is
/// never reached.
#[cfg(not(feature = "gzip"))]
fn compress(_path: &Path) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        super::GZIP_FEATURE_OFF,
    ))
}
