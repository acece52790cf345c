//! The error `install()` returns: it always names the setting or sink at fault.

use std::fmt;
use std::io;

/// Why a logger could not be installed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A setting has a value fapilog cannot work with.
    InvalidSetting {
        /// The builder method or environment variable, e.g. `"capacity"`.
        setting: &'static str,
        /// The rejected value, as given.
        value: String,
        /// What a valid value looks like.
        expected: &'static str,
    },
    /// A sink failed to open (an unwritable directory, a refused connection…).
    SinkOpen {
        /// The sink's name, e.g. `"file:logs/app.log"`.
        sink: String,
        /// The underlying error.
        source: io::Error,
    },
    /// A logger is already installed in this process; drop its guard first.
    AlreadyInstalled,
    /// A bridge from the `log` or `tracing` facade could not be installed:
    /// the facade already sends its records elsewhere (another `log` logger,
    /// or another global `tracing` subscriber). Each takes one per process.
    FacadeInUse {
        /// `"log"` or `"tracing"`.
        facade: &'static str,
    },
    /// A background thread could not be started.
    Spawn {
        /// Which thread.
        thread: String,
        /// The underlying error.
        source: io::Error,
    },
}

impl Error {
    pub(crate) fn invalid(
        setting: &'static str,
        value: impl fmt::Display,
        expected: &'static str,
    ) -> Error {
        Error::InvalidSetting {
            setting,
            value: value.to_string(),
            expected,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidSetting {
                setting,
                value,
                expected,
            } => write!(f, "fapilog: invalid setting `{setting}` = {value}: expected {expected}"),
            Error::SinkOpen { sink, source } => write!(f, "fapilog: sink `{sink}` failed to open: {source}"),
            Error::AlreadyInstalled => f.write_str(
                "fapilog: a logger is already installed in this process (drop its guard or call fapilog::shutdown() first)",
            ),
            Error::FacadeInUse { facade } => write!(
                f,
                "fapilog: `{facade}` already sends its records to another logger in this process (it takes one per process); install fapilog's bridge before any other, or use fapilog's instead of it"
            ),
            Error::Spawn { thread, source } => write!(f, "fapilog: could not start thread `{thread}`: {source}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::SinkOpen { source, .. } | Error::Spawn { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// A sink setting that cannot work, carried inside the `io::Error` the
/// sink's `open` returns, so that `install()` reports it as
/// [`Error::InvalidSetting`] (a custom sink's own errors stay
/// [`Error::SinkOpen`]).
#[derive(Debug)]
pub(crate) struct SinkSettingError {
    /// `<sink kind>.<setting>`, e.g. `file.keep_files`.
    pub setting: &'static str,
    /// The rejected value, as given.
    pub value: String,
    /// What a valid value looks like.
    pub expected: &'static str,
}

impl fmt::Display for SinkSettingError {
    /// `file sink setting `keep_files` = 0: expected at least 1`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (kind, name) = self.setting.split_once('.').unwrap_or(("a", self.setting));
        write!(
            f,
            "{kind} sink setting `{name}` = {}: expected {}",
            self.value, self.expected
        )
    }
}

impl std::error::Error for SinkSettingError {}

/// A name that [`Level`](crate::Level), [`Preset`](crate::Preset) or
/// [`TimestampPrecision`](crate::TimestampPrecision) does not know, from
/// their `FromStr`. Its `Display` lists the names accepted:
///
/// ```
/// let e = "loud".parse::<fapilog::Level>().unwrap_err();
/// assert_eq!(
///     e.to_string(),
///     "unknown level \"loud\" (expected trace, debug, info, warn or warning, error, \
///      critical or fatal, audit or security; any case)"
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    what: &'static str,
    value: String,
    expected: &'static str,
}

impl ParseError {
    pub(crate) fn new(what: &'static str, value: &str, expected: &'static str) -> ParseError {
        ParseError {
            what,
            value: value.to_owned(),
            expected,
        }
    }

    /// The text that was not recognized.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The names accepted, as a sentence.
    pub fn expected(&self) -> &'static str {
        self.expected
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown {} {:?} (expected {})",
            self.what, self.value, self.expected
        )
    }
}

impl std::error::Error for ParseError {}
