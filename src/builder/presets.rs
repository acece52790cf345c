//! Presets: one line of configuration per kind of deployment.
//!
//! | preset | level | default sink | redaction | backpressure | fallback | other |
//! |---|---|---|---|---|---|---|
//! | `Dev` | DEBUG | stdout, pretty | none | wait 50 ms, then drop | none | |
//! | `Production` | INFO | stdout, envelope JSON | CREDENTIALS | wait 50 ms, then drop; ERROR and above never dropped (they wait) | rotating file (below) | |
//! | `Serverless` | INFO | stdout, envelope JSON | CREDENTIALS | drop at once | none | batches of 64 records, 2 s flush timeout |
//! | `Hardened` | INFO | stdout, envelope JSON | CREDENTIALS + PCI_DSS + CONTACT_INFO, fail closed | wait 50 ms, then block (lossless) | none | |
//! | `Minimal` | INFO | stdout, flat JSON | none | wait 50 ms, then drop | none | no process fields in flat records |
//!
//! A preset sets these as if the code had; settings made after it win
//! (`builder().preset(Preset::Production).batch_records(256)`). Its level
//! is a default: a level set in code (before or after the preset),
//! `FAPILOG_LEVEL` and `RUST_LOG` win over it. The default sink is used only
//! when no sink is added, and likewise the preset's fallback only when the
//! code set none (`LoggerBuilder::fallback` or `LoggerBuilder::no_fallback`,
//! before or after the preset). `FAPILOG_PRESET` picks a preset when the
//! code did not, without overriding settings the code made.
//!
//! The file fallback (of `production`, and of any configuration when
//! `FAPILOG_FALLBACK_DIR` is set) is a rotating [`File`] sink writing
//! `fallback.log` in `$FAPILOG_FALLBACK_DIR`, else in `fapilog-fallback-<uid>`
//! (on Unix; `fapilog-fallback` elsewhere) under [`std::env::temp_dir`],
//! which fapilog makes private to the user (mode 0700) and refuses if it is
//! a symbolic link or another user's; it rotates at 10 MiB and keeps 10
//! rotated files, so it never takes much more than 110 MiB. Its lines are
//! those serialized for the sink that failed. An unusable directory fails
//! `install()`, naming `FAPILOG_FALLBACK_DIR` (or `fallback` for the default
//! directory) and the path. The file is not meant to be shared: processes
//! of one user that may fail over at once should each get their own
//! directory through `FAPILOG_FALLBACK_DIR`, since each rotates the file it
//! writes without regard for the others.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{DefaultSink, Fallback, LoggerBuilder};
use crate::pipeline::redact::{FailMode, Preset as RedactionPreset, RedactionConfig};
use crate::sink::File;
use crate::Level;

/// The file fallback rotates at this size…
pub(super) const FALLBACK_ROTATE_BYTES: u64 = 10 << 20;
/// …and keeps this many rotated files.
pub(super) const FALLBACK_KEEP_FILES: usize = 10;
/// The file fallback's current file.
pub(super) const FALLBACK_FILE_NAME: &str = "fallback.log";

/// Where the file fallback writes without `FAPILOG_FALLBACK_DIR`: on Unix
/// a directory of the user's own, `fapilog-fallback-<uid>`, so that
/// services run by different users on one host neither fail to open it nor
/// read each other's records (see [`make_private_dir`]).
pub(super) fn default_fallback_dir() -> PathBuf {
    #[cfg(unix)]
    // SAFETY: `geteuid` has no preconditions and cannot fail.
    let name = format!("fapilog-fallback-{}", unsafe { libc::geteuid() });
    #[cfg(not(unix))]
    let name = "fapilog-fallback".to_string();
    std::env::temp_dir().join(name)
}

/// Makes `dir` (the default fallback directory, in the shared temp dir) a
/// directory only this user can enter, or checks that it already is one:
/// a directory, not a symbolic link someone else planted, owned by this
/// user; group and other permissions are then taken away. Anything else is
/// an error (and `install()` fails naming `fallback`).
pub(super) fn make_private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::io::{Error, ErrorKind};
        use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
        match std::fs::DirBuilder::new()
            .recursive(false)
            .mode(0o700)
            .create(dir)
        {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
        let meta = std::fs::symlink_metadata(dir)?;
        if !meta.is_dir() {
            return Err(Error::other(
                "exists and is not a directory (a symbolic link is refused)",
            ));
        }
        // SAFETY: `geteuid` has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        if meta.uid() != me {
            return Err(Error::other(format!(
                "is owned by user {}, not by this process's user {me}",
                meta.uid()
            )));
        }
        if meta.mode() & 0o077 != 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)
    }
}

/// The file fallback in `dir` (see the module docs).
pub(super) fn file_fallback(dir: &Path) -> File {
    File::new(dir)
        .file_name(FALLBACK_FILE_NAME)
        .rotate_bytes(FALLBACK_ROTATE_BYTES)
        .keep_files(FALLBACK_KEEP_FILES)
}

/// The settings a preset decides.
const PRESET_SETTINGS: [&str; 9] = [
    "level",
    "format",
    "redaction",
    "backpressure",
    "protected_lossless",
    "batch_records",
    "flush_timeout",
    "enrich_runtime",
    "fallback",
];

/// A bundle of settings for a kind of deployment.
///
/// | preset | level | default sink | redaction | backpressure | fallback | other |
/// |---|---|---|---|---|---|---|
/// | `Dev` | DEBUG | stdout, pretty | none | wait 50 ms, then drop | none | |
/// | `Production` | INFO | stdout, envelope JSON | CREDENTIALS | wait 50 ms, then drop; ERROR and above wait instead | rotating file | |
/// | `Serverless` | INFO | stdout, envelope JSON | CREDENTIALS | drop at once | none | batches of 64 records, 2 s flush timeout |
/// | `Hardened` | INFO | stdout, envelope JSON | CREDENTIALS + PCI_DSS + CONTACT_INFO, fail closed | wait 50 ms, then block (lossless) | none | |
/// | `Minimal` | INFO | stdout, flat JSON | none | wait 50 ms, then drop | none | no process fields in flat records |
///
/// The rotating file fallback writes `fallback.log` in
/// `$FAPILOG_FALLBACK_DIR`, else in `<temp dir>/fapilog-fallback-<uid>` (a
/// directory private to the user; `fapilog-fallback` off Unix), rotating
/// at 10 MiB and keeping 10 rotated files. `FAPILOG_FALLBACK_DIR` also gives
/// the other presets one; a fallback set in code
/// ([`LoggerBuilder::fallback`](crate::LoggerBuilder::fallback)) is kept
/// instead, whether set before or after `preset()`.
///
/// Settings made after `preset()` win. The preset's level is a default:
/// a level set in code (before or after `preset()`), `FAPILOG_LEVEL` and
/// `RUST_LOG` win over it. `FAPILOG_PRESET` chooses one when the code did
/// not, without touching what the code set. Presets parse from their names
/// (`"production".parse::<Preset>()`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Preset {
    /// Verbose, readable, no redaction: a developer's terminal.
    Dev,
    /// JSON, credentials redacted, protected levels lossless.
    Production,
    /// Small batches, never blocks: short-lived functions.
    Serverless,
    /// Every redaction preset, failing closed, lossless.
    Hardened,
    /// Lean flat JSON, nothing added.
    Minimal,
}

impl Preset {
    /// Every preset.
    pub const ALL: [Preset; 5] = [
        Preset::Dev,
        Preset::Production,
        Preset::Serverless,
        Preset::Hardened,
        Preset::Minimal,
    ];

    /// Its name, as `FAPILOG_PRESET` takes it.
    pub const fn name(self) -> &'static str {
        match self {
            Preset::Dev => "dev",
            Preset::Production => "production",
            Preset::Serverless => "serverless",
            Preset::Hardened => "hardened",
            Preset::Minimal => "minimal",
        }
    }

    /// The preset named `name` (case-insensitive).
    pub fn parse(name: &str) -> Option<Preset> {
        Preset::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(name.trim()))
    }
}

impl std::str::FromStr for Preset {
    type Err = crate::ParseError;

    /// [`Preset::parse`], with an error that lists the names.
    fn from_str(s: &str) -> Result<Preset, crate::ParseError> {
        Preset::parse(s).ok_or_else(|| {
            crate::ParseError::new(
                "preset",
                s,
                "dev, production, serverless, hardened or minimal; any case",
            )
        })
    }
}

impl LoggerBuilder {
    /// Applies a preset (see the table on [`Preset`]); settings made after
    /// it win, and a level set in code wins wherever it comes: the
    /// preset's level is a default under `RUST_LOG` too. Default: none.
    pub fn preset(mut self, preset: Preset) -> Self {
        self.apply_preset(preset, false);
        // A preset the code chose is code: the environment fills in none of
        // what it decides.
        self.explicit.extend(PRESET_SETTINGS);
        self
    }

    /// Applies `preset`; with `only_unset`, leaves alone every setting the
    /// code made (for `FAPILOG_PRESET`).
    pub(super) fn apply_preset(&mut self, preset: Preset, only_unset: bool) {
        let credentials = || RedactionConfig::new().with_preset(RedactionPreset::Credentials);
        let (level, sink, redaction, wait, drop_on_full) = match preset {
            Preset::Dev => (Level::Debug, DefaultSink::Pretty, None, 50, true),
            Preset::Production => (
                Level::Info,
                DefaultSink::Json,
                Some(credentials()),
                50,
                true,
            ),
            Preset::Serverless => (Level::Info, DefaultSink::Json, Some(credentials()), 0, true),
            Preset::Hardened => (
                Level::Info,
                DefaultSink::Json,
                Some(RedactionConfig::recommended().fail_mode(FailMode::Closed)),
                50,
                false,
            ),
            Preset::Minimal => (Level::Info, DefaultSink::Flat, None, 50, true),
        };
        let free = |b: &LoggerBuilder, setting: &str| !only_unset || !b.explicit.contains(&setting);
        // A default under the code's level and `RUST_LOG` (see
        // `resolve_directives`), wherever `preset()` comes in the chain.
        if free(self, "level") {
            self.preset_level = Some(level);
        }
        if free(self, "format") {
            self.default_sink = sink;
        }
        if free(self, "redaction") {
            self.redaction = redaction;
        }
        if free(self, "backpressure") {
            self.wait = Duration::from_millis(wait);
            self.drop_on_full = drop_on_full;
        }
        // Like the default sink, a default: a fallback sink the code gave is
        // kept, whenever it was given.
        if free(self, "fallback") && !self.fallback.chosen_in_code() {
            self.fallback = match preset {
                Preset::Production => Fallback::File,
                _ => Fallback::None,
            };
        }
        if free(self, "protected_lossless") {
            self.protected_lossless = matches!(preset, Preset::Production | Preset::Hardened);
        }
        match preset {
            Preset::Serverless => {
                if free(self, "batch_records") {
                    self.batch_records = 64;
                }
                if free(self, "flush_timeout") {
                    self.flush_timeout = Duration::from_secs(2);
                }
            }
            Preset::Minimal if free(self, "enrich_runtime") => self.enrich_runtime = false,
            _ => {}
        }
    }
}
