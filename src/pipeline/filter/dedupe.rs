//! De-duplication of repeated error records, with every suppressed record
//! accounted for.

use std::time::{Duration, Instant};

use super::table::{random_seed, Table};
use crate::{Error, Level};

/// Suppress records identical to one let through less than `window` ago.
///
/// Records at `min_level` (default ERROR) and above are compared by
/// `(level, target, message)`, the message after formatting; fields do not
/// take part. The first record of a kind is kept and opens a window; copies
/// within the window are suppressed and counted; the first copy after the
/// window is kept and opens the next one.
///
/// Suppressed records are never lost silently: the worker asks for the
/// counts once their window has closed and writes them into the log (see
/// `Deduper::take_suppressed`). At most `max_entries` kinds are tracked; the
/// least recently seen one makes room for a new one, and if it still had
/// unreported suppressions they are reported as a total without a message.
///
/// ```
/// use std::time::Duration;
/// let d = fapilog::filter::Dedupe::new(Duration::from_secs(10));
/// assert_eq!(d.min_level, fapilog::Level::Error);
/// assert!(d.validate().is_ok());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Dedupe {
    /// How long copies of a record are suppressed after it (> 0).
    pub window: Duration,
    /// The lowest level de-duplicated (default ERROR); lower levels pass.
    pub min_level: Level,
    /// The most kinds of record tracked at once (default 1024), ≥ 1.
    pub max_entries: usize,
}

impl Dedupe {
    /// Kinds of record tracked by default.
    pub const DEFAULT_MAX_ENTRIES: usize = 1024;

    /// De-duplicate ERROR and above within `window`.
    pub fn new(window: Duration) -> Dedupe {
        Dedupe {
            window,
            min_level: Level::Error,
            max_entries: Dedupe::DEFAULT_MAX_ENTRIES,
        }
    }

    /// The lowest level de-duplicated.
    pub fn min_level(mut self, level: Level) -> Dedupe {
        self.min_level = level;
        self
    }

    /// The most kinds of record tracked at once.
    pub fn max_entries(mut self, n: usize) -> Dedupe {
        self.max_entries = n;
        self
    }

    /// Checks the settings; the error names `dedupe.window` or
    /// `dedupe.max_entries`.
    pub fn validate(&self) -> Result<(), Error> {
        if self.window.is_zero() {
            return Err(Error::invalid("dedupe.window", "0s", "a duration above 0"));
        }
        if self.max_entries == 0 {
            return Err(Error::invalid("dedupe.max_entries", 0, "at least 1"));
        }
        Ok(())
    }

    /// The worker-side state. Call [`Dedupe::validate`] first.
    pub(crate) fn deduper(&self) -> Deduper {
        Deduper {
            window: self.window,
            min_level: self.min_level,
            table: Table::new(self.max_entries, random_seed()),
            unreported: 0,
            due: None,
            evicted: 0,
            evicted_level: Level::Trace,
        }
    }
}

/// What is known of one kind of record.
#[derive(Clone, Copy, Debug)]
struct Seen {
    /// The records' level (also the table tag), for eviction reports.
    level: Level,
    /// When the current window opened (the last record let through).
    window_start: Instant,
    /// Copies suppressed in the current window.
    suppressed: u64,
    /// Copies suppressed in earlier windows, not reported yet.
    pending: u64,
}

/// Suppressed records to report (see [`Deduper::take_suppressed`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Suppressed<'a> {
    /// `count` copies of this record were suppressed.
    Duplicates {
        level: Level,
        target: &'a str,
        message: &'a str,
        count: u64,
    },
    /// `count` suppressed records whose kind was evicted from the table
    /// before they were reported; `level` is the highest among them.
    Evicted { level: Level, count: u64 },
}

impl Suppressed<'_> {
    /// The number of suppressed records reported.
    #[cfg_attr(not(test), allow(dead_code))] // used by the tests
    pub(crate) fn count(&self) -> u64 {
        match *self {
            Suppressed::Duplicates { count, .. } | Suppressed::Evicted { count, .. } => count,
        }
    }
}

/// The de-duplication decision for each record, on the worker.
///
/// Invariant: every `false` from [`Deduper::keep`] is counted exactly once,
/// in a later [`Deduper::take_suppressed`] / [`Deduper::flush_suppressed`]
/// answer or, until then, in [`Deduper::unreported`].
pub(crate) struct Deduper {
    window: Duration,
    min_level: Level,
    /// Tagged with the level; keyed by (target, message).
    table: Table<Seen>,
    /// Suppressed records not yet reported, `evicted` included.
    unreported: u64,
    /// No entry can be reportable before this (`None`: none has anything
    /// to report).
    due: Option<Instant>,
    /// Unreported suppressions of evicted entries.
    evicted: u64,
    evicted_level: Level,
}

impl Deduper {
    /// Whether to keep a record; `false` means suppressed (and counted).
    pub(crate) fn keep(&mut self, level: Level, target: &str, message: &str, now: Instant) -> bool {
        if level < self.min_level {
            return true;
        }
        let entry = self.table.entry(level as u8, target, message, || Seen {
            level,
            window_start: now,
            suppressed: 0,
            pending: 0,
        });
        if let Some(old) = entry.evicted {
            let lost = old.suppressed + old.pending;
            if lost > 0 {
                // Still counted in `unreported`; now reported as a total.
                self.evicted += lost;
                self.evicted_level = self.evicted_level.max(old.level);
                self.due = Some(self.due.map_or(now, |d| d.min(now)));
            }
        }
        if entry.inserted {
            return true;
        }
        let seen = &mut self.table.slot_mut(entry.index).value;
        if now.saturating_duration_since(seen.window_start) < self.window {
            seen.suppressed += 1;
            self.unreported += 1;
            if let Some(close) = seen.window_start.checked_add(self.window) {
                self.due = Some(self.due.map_or(close, |d| d.min(close)));
            }
            return false;
        }
        // The window closed: this record opens the next one, and what the
        // last one suppressed waits to be reported.
        if seen.suppressed > 0 {
            seen.pending += seen.suppressed;
            seen.suppressed = 0;
            self.due = Some(self.due.map_or(now, |d| d.min(now)));
        }
        seen.window_start = now;
        true
    }

    /// The next report of suppressed records whose window has closed by
    /// `now`, if any; call until `None`. Cheap when nothing is due.
    ///
    /// For each, the worker should write a record saying that `count` copies
    /// were suppressed (at the record's level and target, quoting its
    /// message), or for [`Suppressed::Evicted`] a total.
    pub(crate) fn take_suppressed(&mut self, now: Instant) -> Option<Suppressed<'_>> {
        self.take(Some(now))
    }

    /// Like [`Deduper::take_suppressed`], but every window counts as closed:
    /// for flush and shutdown, so that nothing stays unreported.
    pub(crate) fn flush_suppressed(&mut self) -> Option<Suppressed<'_>> {
        self.take(None)
    }

    /// Suppressed records not reported yet.
    #[cfg_attr(not(test), allow(dead_code))] // used by the tests
    pub(crate) fn unreported(&self) -> u64 {
        self.unreported
    }

    fn take(&mut self, now: Option<Instant>) -> Option<Suppressed<'_>> {
        if self.unreported == 0 {
            return None;
        }
        if self.evicted > 0 {
            let count = std::mem::take(&mut self.evicted);
            self.unreported -= count;
            let level = std::mem::replace(&mut self.evicted_level, Level::Trace);
            return Some(Suppressed::Evicted { level, count });
        }
        match (now, self.due) {
            (Some(now), Some(due)) if now < due => return None,
            (Some(_), None) => return None,
            _ => {}
        }
        let window = self.window;
        let mut next_due: Option<Instant> = None;
        let mut found = None;
        for (i, slot) in self.table.slots_mut() {
            let seen = &mut slot.value;
            let closed =
                now.is_none_or(|now| now.saturating_duration_since(seen.window_start) >= window);
            let count = seen.pending + if closed { seen.suppressed } else { 0 };
            if count > 0 {
                seen.pending = 0;
                if closed {
                    seen.suppressed = 0;
                }
                found = Some((i, count));
                break;
            }
            if seen.suppressed > 0 {
                if let Some(close) = seen.window_start.checked_add(window) {
                    next_due = Some(next_due.map_or(close, |d| d.min(close)));
                }
            }
        }
        let Some((i, count)) = found else {
            // Nothing reportable: nothing is until the earliest open window
            // with suppressions closes.
            self.due = next_due;
            return None;
        };
        self.unreported -= count;
        let slot = self.table.slot(i);
        Some(Suppressed::Duplicates {
            level: slot.value.level,
            target: slot.first(),
            message: slot.second(),
            count,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    fn drain(d: &mut Deduper, now: Instant) -> Vec<(Option<String>, u64)> {
        let mut out = Vec::new();
        while let Some(s) = d.take_suppressed(now) {
            out.push(match s {
                Suppressed::Duplicates { message, count, .. } => (Some(message.to_owned()), count),
                Suppressed::Evicted { count, .. } => (None, count),
            });
        }
        out
    }

    #[test]
    fn copies_within_the_window_are_suppressed_and_reported_after_it() {
        let t0 = Instant::now();
        let mut d = Dedupe::new(secs(10)).deduper();
        assert!(d.keep(Level::Error, "app", "db down", t0));
        for i in 1..=5 {
            assert!(!d.keep(Level::Error, "app", "db down", t0 + secs(i)));
        }
        assert_eq!(d.unreported(), 5);
        // Nothing to report while the window is open.
        assert_eq!(d.take_suppressed(t0 + secs(9)), None);
        assert_eq!(
            d.take_suppressed(t0 + secs(10)),
            Some(Suppressed::Duplicates {
                level: Level::Error,
                target: "app",
                message: "db down",
                count: 5
            })
        );
        assert_eq!(d.take_suppressed(t0 + secs(10)), None);
        assert_eq!(d.unreported(), 0);
        // The next copy opens a new window.
        assert!(d.keep(Level::Error, "app", "db down", t0 + secs(11)));
        assert!(!d.keep(Level::Error, "app", "db down", t0 + secs(12)));
        assert_eq!(drain(&mut d, t0 + secs(21)), [(Some("db down".into()), 1)]);
    }

    #[test]
    fn level_target_and_message_all_make_the_key() {
        let t0 = Instant::now();
        let mut d = Dedupe::new(secs(10)).deduper();
        assert!(d.keep(Level::Error, "app", "x", t0));
        assert!(d.keep(Level::Critical, "app", "x", t0));
        assert!(d.keep(Level::Error, "app::db", "x", t0));
        assert!(d.keep(Level::Error, "app", "y", t0));
        assert!(d.keep(Level::Error, "ap", "px", t0));
        assert!(!d.keep(Level::Error, "app", "x", t0));
        assert!(!d.keep(Level::Critical, "app", "x", t0));
    }

    #[test]
    fn below_min_level_nothing_is_suppressed() {
        let t0 = Instant::now();
        let mut d = Dedupe::new(secs(10)).deduper();
        for _ in 0..10 {
            assert!(d.keep(Level::Warning, "app", "x", t0));
        }
        let mut d = Dedupe::new(secs(10)).min_level(Level::Warning).deduper();
        assert!(d.keep(Level::Warning, "app", "x", t0));
        assert!(!d.keep(Level::Warning, "app", "x", t0));
        assert!(d.keep(Level::Info, "app", "x", t0));
    }

    #[test]
    fn a_copy_after_the_window_keeps_the_old_count_for_reporting() {
        let t0 = Instant::now();
        let mut d = Dedupe::new(secs(10)).deduper();
        assert!(d.keep(Level::Error, "a", "m", t0));
        assert!(!d.keep(Level::Error, "a", "m", t0 + secs(1)));
        assert!(!d.keep(Level::Error, "a", "m", t0 + secs(2)));
        // Nobody asked; the next copy comes after the window.
        assert!(d.keep(Level::Error, "a", "m", t0 + secs(30)));
        assert!(!d.keep(Level::Error, "a", "m", t0 + secs(31)));
        // The closed window's 2 are due now, the open one's 1 is not.
        assert_eq!(drain(&mut d, t0 + secs(31)), [(Some("m".into()), 2)]);
        assert_eq!(d.unreported(), 1);
        assert_eq!(drain(&mut d, t0 + secs(40)), [(Some("m".into()), 1)]);
    }

    #[test]
    fn flush_reports_open_windows_too() {
        let t0 = Instant::now();
        let mut d = Dedupe::new(secs(10)).deduper();
        d.keep(Level::Error, "a", "m", t0);
        d.keep(Level::Error, "a", "m", t0);
        d.keep(Level::Error, "b", "n", t0);
        d.keep(Level::Error, "b", "n", t0);
        d.keep(Level::Error, "b", "n", t0);
        assert_eq!(d.take_suppressed(t0), None);
        let mut total = 0;
        while let Some(s) = d.flush_suppressed() {
            total += s.count();
        }
        assert_eq!(total, 3);
        assert_eq!(d.unreported(), 0);
        // Suppression goes on within the window after a flush.
        assert!(!d.keep(Level::Error, "a", "m", t0 + secs(1)));
        assert_eq!(d.unreported(), 1);
    }

    #[test]
    fn evicted_entries_report_their_counts_as_a_total() {
        let t0 = Instant::now();
        let mut d = Dedupe::new(secs(10)).max_entries(2).deduper();
        d.keep(Level::Error, "a", "1", t0);
        d.keep(Level::Error, "a", "1", t0);
        d.keep(Level::Error, "a", "1", t0);
        d.keep(Level::Error, "a", "2", t0);
        d.keep(Level::Error, "a", "3", t0); // evicts "1" with 2 unreported
        assert_eq!(d.unreported(), 2);
        let got = d.take_suppressed(t0).expect("evicted total");
        assert_eq!(
            got,
            Suppressed::Evicted {
                level: Level::Error,
                count: 2
            }
        );
        assert_eq!(d.unreported(), 0);
        // It comes back as new.
        assert!(d.keep(Level::Error, "a", "1", t0));
    }

    /// Every suppressed record is reported exactly once, whatever the mix of
    /// windows, evictions, takes and flushes.
    #[test]
    fn nothing_is_lost() {
        let t0 = Instant::now();
        let mut d = Dedupe::new(Duration::from_millis(50))
            .max_entries(8)
            .deduper();
        let mut state = 12345u64;
        let mut rand = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let (mut suppressed, mut reported) = (0u64, 0u64);
        let messages: Vec<String> = (0..12).map(|i| format!("failure {i}")).collect();
        let mut now = t0;
        let steps: u64 = if cfg!(miri) { 600 } else { 200_000 };
        for step in 0..steps {
            now += Duration::from_micros(rand() % 500);
            let r = rand();
            let level = if r & 1 == 0 {
                Level::Error
            } else {
                Level::Critical
            };
            let message = &messages[(r >> 8) as usize % messages.len()];
            if !d.keep(level, "app", message, now) {
                suppressed += 1;
            }
            if step % 97 == 0 {
                while let Some(s) = d.take_suppressed(now) {
                    reported += s.count();
                }
            }
            if step % (steps / 4) == 0 {
                while let Some(s) = d.flush_suppressed() {
                    reported += s.count();
                }
            }
            assert_eq!(suppressed, reported + d.unreported());
        }
        while let Some(s) = d.flush_suppressed() {
            reported += s.count();
        }
        assert!(suppressed > steps / 20, "{suppressed}");
        assert_eq!(suppressed, reported);
    }

    #[test]
    fn validation_names_the_setting() {
        let e = Dedupe::new(Duration::ZERO)
            .validate()
            .unwrap_err()
            .to_string();
        assert!(e.contains("`dedupe.window`"), "{e}");
        let e = Dedupe::new(secs(1))
            .max_entries(0)
            .validate()
            .unwrap_err()
            .to_string();
        assert!(e.contains("`dedupe.max_entries`"), "{e}");
    }
}
