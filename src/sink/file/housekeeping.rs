//! Work after a rotation: gzip the rotated file, then apply retention.
//!
//! Without gzip, retention runs inline (a directory listing and a few
//! deletions). With gzip, both run in order on one helper thread, spawned at
//! the first rotation, so compressing a large file never stalls writing;
//! [`Housekeeper::finish`] waits for it.

use super::naming::Naming;
use super::retention::Retention;
use parking_lot::Mutex;
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

impl Policy {
    /// Everything to do for one rotated file, on the calling thread.
    fn run(&self, rotated: &Path) -> io::Result<()> {
        let compressed = if self.gzip { compress(rotated) } else { Ok(()) };
        // Retention runs even if compression failed (the file stays as is).
        let retained = self.retention.apply(&self.dir, &self.naming);
        compressed.and(retained)
    }
}

/// Runs a [`Policy`] after each rotation, inline or on its helper thread.
#[derive(Debug)]
pub(super) struct Housekeeper {
    policy: Policy,
    helper: Option<Helper>,
}

#[derive(Debug)]
struct Helper {
    jobs: mpsc::Sender<PathBuf>,
    thread: JoinHandle<()>,
    /// The helper's first error since the last [`Housekeeper::take_error`].
    error: Arc<Mutex<Option<io::Error>>>,
}

impl Housekeeper {
    pub(super) fn new(policy: Policy) -> Housekeeper {
        Housekeeper {
            policy,
            helper: None,
        }
    }

    /// Handles a file just rotated away. Errors of inline work are returned;
    /// errors of the helper thread come out of [`Housekeeper::take_error`].
    pub(super) fn rotated(&mut self, rotated: PathBuf) -> io::Result<()> {
        if !self.policy.gzip {
            return self.policy.run(&rotated);
        }
        if self.helper.is_none() {
            self.helper = self.spawn().ok();
        }
        let Some(helper) = &self.helper else {
            // No thread to be had: compress here rather than not at all.
            return self.policy.run(&rotated);
        };
        if let Err(mpsc::SendError(rotated)) = helper.jobs.send(rotated) {
            // The helper is gone (it panicked): collect it, work inline.
            let gone = self.finish();
            return self.policy.run(&rotated).and(gone);
        }
        Ok(())
    }

    fn spawn(&self) -> io::Result<Helper> {
        let (jobs, queue) = mpsc::channel::<PathBuf>();
        let error = Arc::new(Mutex::new(None));
        let (policy, slot) = (self.policy.clone(), Arc::clone(&error));
        let thread = thread::Builder::new()
            .name("fapilog-file-gzip".into())
            .spawn(move || {
                for rotated in queue {
                    if let Err(e) = policy.run(&rotated) {
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
    use super::naming::{with_suffix, GZ};
    use flate2::{write::GzEncoder, Compression};
    use std::fs;
    use std::io::Write;

    let gz = with_suffix(path, GZ);
    let tmp = with_suffix(&gz, ".tmp");
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
