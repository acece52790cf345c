//! What went wrong in each sink: its failures counted, the last one's text
//! kept for [`sink_health`](crate::sink_health), and reported on stderr.
//!
//! A sink's failures are reported from its own thread, never from a log
//! call: the first at once, the next ones at most once per
//! [`REPORT_EVERY`] (each such line says how many failures went unreported
//! since the one before), and at close a last line for those still
//! unreported. stderr is the only place left to say it (the log itself may
//! be what is failing); if writing there fails too, that is ignored.

use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use crate::logger::Shared;

/// The most often one sink's failures are reported on stderr.
pub(crate) const REPORT_EVERY: Duration = Duration::from_secs(10);

/// How one sink (or the fallback) has fared: `fapilog::sink_health()`.
///
/// Failures are counted from install on: errors a sink's `write_batch`,
/// `flush` or `close` returned, and panics caught in them. `last_error` is
/// the text of the latest of either (a panic's message, prefixed
/// `panicked: `). The totals of every sink are `Stats::sink_errors` and
/// `Stats::sink_panics`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SinkHealth {
    /// The sink's [`Sink::name`](crate::sink::Sink::name); the fallback's
    /// ends in ` (fallback)`.
    pub name: String,
    /// Errors the sink returned.
    pub errors: u64,
    /// Panics caught in the sink.
    pub panics: u64,
    /// The text of the last error or panic, if any.
    pub last_error: Option<String>,
}

/// The health of every sink of the installed logger (of the last one after
/// shutdown), in the order they were added, the fallback last. Empty when
/// no logger was ever installed.
///
/// ```
/// for sink in fapilog::sink_health() {
///     if let Some(error) = &sink.last_error {
///         println!("{}: {} errors, {} panics, last: {error}", sink.name, sink.errors, sink.panics);
///     }
/// }
/// ```
pub fn sink_health() -> Vec<SinkHealth> {
    crate::logger::last().map_or_else(Vec::new, |s| s.sink_health())
}

/// One sink's failure counts and last error, written by its thread.
pub(crate) struct HealthCell {
    name: String,
    fallback: bool,
    errors: AtomicU64,
    panics: AtomicU64,
    last_error: Mutex<Option<String>>,
}

impl HealthCell {
    pub(crate) fn new(name: String, fallback: bool) -> HealthCell {
        HealthCell {
            name,
            fallback,
            errors: AtomicU64::new(0),
            panics: AtomicU64::new(0),
            last_error: Mutex::new(None),
        }
    }

    pub(crate) fn is_fallback(&self) -> bool {
        self.fallback
    }

    pub(crate) fn snapshot(&self) -> SinkHealth {
        SinkHealth {
            name: self.name.clone(),
            errors: self.errors.load(Ordering::Relaxed),
            panics: self.panics.load(Ordering::Relaxed),
            last_error: self.last_error.lock().clone(),
        }
    }
}

/// What a sink's code did instead of succeeding.
pub(crate) enum Failure {
    Error(std::io::Error),
    /// The panic's message, when it was a `&str` or a `String`.
    Panic(Option<String>),
}

impl Failure {
    /// The failure as `last_error` shows it.
    fn text(&self) -> String {
        match self {
            Failure::Error(e) => e.to_string(),
            Failure::Panic(Some(message)) => format!("panicked: {message}"),
            Failure::Panic(None) => "panicked".to_string(),
        }
    }

    /// The failure as an I/O error: the sink's own, or a panic as
    /// `panicked: <its message>`.
    pub(crate) fn into_io_error(self) -> std::io::Error {
        match self {
            Failure::Error(e) => e,
            panic => std::io::Error::other(panic.text()),
        }
    }
}

/// Runs sink code, turning an error or a caught panic into a [`Failure`].
pub(crate) fn guarded(f: impl FnOnce() -> std::io::Result<()>) -> Result<(), Failure> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(Failure::Error(e)),
        Err(payload) => Err(Failure::Panic(panic_text(&*payload))),
    }
}

/// The text of a caught panic's payload, when it is a `&str` or a `String`.
pub(crate) fn panic_text(payload: &(dyn std::any::Any + Send)) -> Option<String> {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
}

/// A sink thread's record of its failures: counts them (in its
/// [`HealthCell`] and the logger's totals) and reports them on stderr,
/// rate-limited.
pub(crate) struct Reporter {
    cell: Arc<HealthCell>,
    /// When the last line was written; `None` before the first failure.
    reported_at: Option<Instant>,
    /// Failures since that line, not reported yet.
    unreported: u64,
}

impl Reporter {
    pub(crate) fn new(cell: Arc<HealthCell>) -> Reporter {
        Reporter {
            cell,
            reported_at: None,
            unreported: 0,
        }
    }

    /// Counts a failure and reports it on stderr if it is the sink's first,
    /// or the first for [`REPORT_EVERY`].
    pub(crate) fn failed(&mut self, failure: &Failure, shared: &Shared) {
        let (total, own) = match failure {
            Failure::Error(_) => (&shared.counters.sink_errors, &self.cell.errors),
            Failure::Panic(_) => (&shared.counters.sink_panics, &self.cell.panics),
        };
        total.fetch_add(1, Ordering::Relaxed);
        own.fetch_add(1, Ordering::Relaxed);
        let text = failure.text();
        if let Some(line) = self.line_for(&text, Instant::now()) {
            say(&line);
        }
        *self.cell.last_error.lock() = Some(text);
    }

    /// The line to write for a failure at `now`, if one is due.
    fn line_for(&mut self, text: &str, now: Instant) -> Option<String> {
        let due = self
            .reported_at
            .is_none_or(|at| now.duration_since(at) >= REPORT_EVERY);
        if !due {
            self.unreported += 1;
            return None;
        }
        let mut line = format!("fapilog: sink {:?} failed: ", self.cell.name);
        push_one_line(&mut line, text);
        if self.unreported > 0 {
            let _ = write!(
                line,
                " ({} more failure(s) since the last report)",
                self.unreported
            );
        }
        line.push('\n');
        self.reported_at = Some(now);
        self.unreported = 0;
        Some(line)
    }

    /// Reports the failures not reported yet (at close).
    pub(crate) fn finish(&mut self) {
        if let Some(line) = self.closing_line() {
            say(&line);
        }
    }

    fn closing_line(&mut self) -> Option<String> {
        if self.unreported == 0 {
            return None;
        }
        let mut line = format!(
            "fapilog: sink {:?}: {} more failure(s) since the last report; the last: ",
            self.cell.name, self.unreported
        );
        push_one_line(
            &mut line,
            self.cell.last_error.lock().as_deref().unwrap_or(""),
        );
        line.push('\n');
        self.unreported = 0;
        Some(line)
    }
}

/// Appends `text` with its control characters (newlines among them)
/// escaped, so that one report stays one line.
fn push_one_line(out: &mut String, text: &str) {
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
}

/// Writes `line` to stderr in one write; a failure to do so is ignored
/// (there is nowhere left to report it).
pub(crate) fn say(line: &str) {
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reporter() -> Reporter {
        Reporter::new(Arc::new(HealthCell::new("http:collector".into(), false)))
    }

    #[test]
    fn the_first_failure_is_reported_at_once_then_one_line_per_period() {
        let mut r = reporter();
        let t0 = Instant::now();
        assert_eq!(
            r.line_for("401 Unauthorized: bad API key", t0).as_deref(),
            Some("fapilog: sink \"http:collector\" failed: 401 Unauthorized: bad API key\n")
        );
        for s in 1..10 {
            assert_eq!(r.line_for("again", t0 + Duration::from_secs(s)), None);
        }
        assert_eq!(
            r.line_for("later", t0 + REPORT_EVERY).as_deref(),
            Some("fapilog: sink \"http:collector\" failed: later (9 more failure(s) since the last report)\n")
        );
        // The period starts again from that line.
        assert_eq!(
            r.line_for("x", t0 + REPORT_EVERY + Duration::from_secs(9)),
            None
        );
        assert!(r.line_for("x", t0 + 2 * REPORT_EVERY).is_some());
    }

    #[test]
    fn failures_not_yet_reported_are_reported_at_close() {
        let mut r = reporter();
        let t0 = Instant::now();
        assert_eq!(r.closing_line(), None, "nothing failed");
        r.line_for("first", t0);
        assert_eq!(r.closing_line(), None, "everything was reported");
        r.line_for("second", t0);
        r.line_for("third", t0);
        *r.cell.last_error.lock() = Some("third".into());
        assert_eq!(
            r.closing_line().as_deref(),
            Some("fapilog: sink \"http:collector\": 2 more failure(s) since the last report; the last: third\n")
        );
        assert_eq!(r.closing_line(), None, "said once");
    }

    #[test]
    fn a_report_is_one_line_whatever_the_error_says() {
        let mut r = reporter();
        let line = r
            .line_for("HTTP 500\r\n<html>\tbody</html>", Instant::now())
            .unwrap();
        assert_eq!(
            line,
            "fapilog: sink \"http:collector\" failed: HTTP 500\\r\\n<html>\\tbody</html>\n"
        );
    }

    #[test]
    fn a_panic_reads_as_its_message() {
        assert_eq!(Failure::Panic(Some("boom".into())).text(), "panicked: boom");
        assert_eq!(Failure::Panic(None).text(), "panicked");
        let payload: Box<dyn std::any::Any + Send> = Box::new(String::from("owned"));
        assert_eq!(panic_text(&*payload).as_deref(), Some("owned"));
        let payload: Box<dyn std::any::Any + Send> = Box::new("static");
        assert_eq!(panic_text(&*payload).as_deref(), Some("static"));
        let payload: Box<dyn std::any::Any + Send> = Box::new(42);
        assert_eq!(panic_text(&*payload), None);
    }
}
