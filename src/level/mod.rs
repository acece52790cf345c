//! Levels, the runtime level gate and the compile-time maximum level.
//!
//! fapilog has the Python library's levels plus `TRACE` below `DEBUG`:
//! `TRACE < DEBUG < INFO < WARNING < ERROR < CRITICAL < AUDIT < SECURITY`.
//! `AUDIT` and `SECURITY` sit above `CRITICAL` so that no level filter meant for
//! noise can ever hide them.
//!
//! A disabled call costs one comparison against a constant (the `max_level_*`
//! cargo features) and one relaxed atomic load (the runtime level set by the
//! builder).
//!
//! [`Directives`] parses `RUST_LOG`-style per-target levels
//! (`"warn,app::db=debug"`); see [`directives`].

pub mod directives;
mod spelling;

pub use directives::{DirectiveError, DirectiveErrorKind, Directives};

use std::fmt;
use std::sync::atomic::{AtomicU32, AtomicU8, Ordering};

use crate::record::Callsite;

/// The severity of a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Level {
    /// Very fine-grained diagnostics.
    Trace = 0,
    /// Diagnostics for developers.
    Debug = 1,
    /// Normal operation.
    Info = 2,
    /// Something unexpected that the program handled.
    Warning = 3,
    /// An operation failed.
    Error = 4,
    /// The program, or a large part of it, cannot go on.
    Critical = 5,
    /// An audit trail record (above `Critical`, never filtered as noise).
    Audit = 6,
    /// A security event (the highest level).
    Security = 7,
}

impl Level {
    /// Every level, lowest first.
    pub const ALL: [Level; 8] = [
        Level::Trace,
        Level::Debug,
        Level::Info,
        Level::Warning,
        Level::Error,
        Level::Critical,
        Level::Audit,
        Level::Security,
    ];

    /// The name written into records: `"INFO"`, `"WARNING"`, ….
    pub const fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "TRACE",
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warning => "WARNING",
            Level::Error => "ERROR",
            Level::Critical => "CRITICAL",
            Level::Audit => "AUDIT",
            Level::Security => "SECURITY",
        }
    }

    /// The level with this numeric value (`level as u8`), if any.
    pub const fn from_u8(value: u8) -> Option<Level> {
        if value < 8 {
            Some(Level::ALL[value as usize])
        } else {
            None
        }
    }

    /// Parses a level name, case-insensitively; `warn` and `fatal` are accepted
    /// as aliases of `WARNING` and `CRITICAL`.
    pub fn parse(name: &str) -> Option<Level> {
        let name = name.trim();
        let eq = |s: &str| name.eq_ignore_ascii_case(s);
        Some(if eq("trace") {
            Level::Trace
        } else if eq("debug") {
            Level::Debug
        } else if eq("info") {
            Level::Info
        } else if eq("warning") || eq("warn") {
            Level::Warning
        } else if eq("error") {
            Level::Error
        } else if eq("critical") || eq("fatal") {
            Level::Critical
        } else if eq("audit") {
            Level::Audit
        } else if eq("security") {
            Level::Security
        } else {
            return None;
        })
    }
}

impl std::str::FromStr for Level {
    type Err = crate::ParseError;

    /// [`Level::parse`], with an error that lists the names.
    fn from_str(s: &str) -> Result<Level, crate::ParseError> {
        Level::parse(s).ok_or_else(|| {
            crate::ParseError::new(
                "level",
                s,
                "trace, debug, info, warn or warning, error, critical or fatal, audit or \
                 security; any case",
            )
        })
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// The value of the runtime gate meaning "nothing is enabled".
const OFF: u8 = 8;

/// The lowest enabled level, or [`OFF`]. Nothing is enabled until a logger is
/// installed, and nothing is after it shut down.
static MIN_ENABLED: AtomicU8 = AtomicU8::new(OFF);

/// The most verbose level that the `max_level_*` cargo features let through at
/// compile time (`None`: `max_level_off`, every call compiles to nothing).
pub const STATIC_MIN_ENABLED: Option<Level> = if cfg!(feature = "max_level_off") {
    None
} else if cfg!(feature = "max_level_error") {
    Some(Level::Error)
} else if cfg!(feature = "max_level_warn") {
    Some(Level::Warning)
} else if cfg!(feature = "max_level_info") {
    Some(Level::Info)
} else if cfg!(feature = "max_level_debug") {
    Some(Level::Debug)
} else {
    Some(Level::Trace)
};

/// True when `level` passes the compile-time maximum. Used in a `const` by the
/// macros, so a call below it is removed entirely.
#[doc(hidden)]
pub const fn statically_enabled(level: Level) -> bool {
    match STATIC_MIN_ENABLED {
        Some(min) => level as u8 >= min as u8,
        None => false,
    }
}

/// Set in the gate when per-target directives are in force: every level
/// then compares below the gate, and calls at or above the most verbose
/// directive look at their callsite's cached level.
const PER_TARGET: u8 = 0x80;

/// The installed directives, when they are not uniform, and their epoch
/// (callsites cache `epoch << 8 | level` and recompute when it moves).
static DIRECTIVES: parking_lot::RwLock<Option<Directives>> = parking_lot::const_rwlock(None);
static DIRECTIVES_EPOCH: AtomicU32 = AtomicU32::new(1);

/// True when a call at `level` may be recorded: it passes the compile-time
/// maximum (the `max_level_*` features; a constant) and the runtime level
/// (one relaxed load). With per-target directives, this answers for the
/// most verbose target; the macros then ask [`enabled_at`] with their
/// callsite.
#[inline(always)]
pub fn enabled(level: Level) -> bool {
    statically_enabled(level) && level as u8 >= MIN_ENABLED.load(Ordering::Relaxed) & !PER_TARGET
}

/// The macros' level check: one relaxed load and one comparison when the
/// level is uniform (the common case); per-target directives add a look at
/// the callsite's cached level.
#[doc(hidden)]
#[inline(always)]
pub fn enabled_at(level: Level, callsite: &'static Callsite) -> bool {
    let gate = MIN_ENABLED.load(Ordering::Relaxed);
    if level as u8 >= gate {
        return true;
    }
    gate & PER_TARGET != 0 && level as u8 >= gate & !PER_TARGET && callsite_enabled(level, callsite)
}

#[cold]
#[inline(never)]
fn callsite_enabled(level: Level, callsite: &'static Callsite) -> bool {
    let epoch = DIRECTIVES_EPOCH.load(Ordering::Acquire);
    let cached = callsite.interest.load(Ordering::Relaxed);
    let min = if cached >> 8 == epoch {
        (cached & 0xFF) as u8
    } else {
        let min = DIRECTIVES.read().as_ref().map_or(OFF, |d| {
            d.level_for(callsite.target).map_or(OFF, |l| l as u8)
        });
        callsite
            .interest
            .store(epoch << 8 | min as u32, Ordering::Relaxed);
        min
    };
    level as u8 >= min
}

/// [`enabled_at`] for a record whose target is known only at run time (the
/// `log` and `tracing` bridges' records, and `log::log_enabled!`): the
/// gate, then, with per-target directives in force, the directives
/// themselves (a read lock and a scan: not for the macros' hot path).
#[cfg_attr(not(any(feature = "log", feature = "tracing")), allow(dead_code))]
pub(crate) fn enabled_for(level: Level, target: &str) -> bool {
    let gate = MIN_ENABLED.load(Ordering::Relaxed);
    if level as u8 >= gate {
        return true;
    }
    gate & PER_TARGET != 0
        && level as u8 >= gate & !PER_TARGET
        && DIRECTIVES
            .read()
            .as_ref()
            .is_some_and(|d| d.enabled(target, level))
}

/// The lowest level currently enabled (for the most verbose target when
/// per-target directives are in force), `None` when logging is off. Never
/// below the compile-time maximum ([`STATIC_MIN_ENABLED`]): with
/// `max_level_warn`, a runtime level of TRACE reads as WARNING, since calls
/// below it are compiled out.
pub fn current_level() -> Option<Level> {
    let runtime = Level::from_u8(MIN_ENABLED.load(Ordering::Relaxed) & !PER_TARGET)?;
    Some(runtime.max(STATIC_MIN_ENABLED?))
}

/// Changes the runtime level of the installed logger (`None` turns logging
/// off), replacing any per-target directives.
///
/// Has no effect on calls compiled out by a `max_level_*` feature.
pub fn set_level(level: Option<Level>) {
    set_directives(&Directives::new(level));
}

/// Applies `RUST_LOG`-style directives: per-target levels, checked once
/// per callsite and cached until the directives change.
pub fn set_directives(directives: &Directives) {
    store_directives(directives);
    // The `log` and `tracing` facades keep a maximum level of their own.
    crate::integrations::level_changed();
}

/// [`set_directives`] without telling the `log` and `tracing` facades: for
/// callers holding a lock of fapilog's, who call
/// `integrations::level_changed()` once they let go of it (the facades run
/// user code, which may call back into fapilog).
pub(crate) fn store_directives(directives: &Directives) {
    let gate = if directives.is_uniform() {
        *DIRECTIVES.write() = None;
        directives.default_level().map_or(OFF, |l| l as u8)
    } else {
        *DIRECTIVES.write() = Some(directives.clone());
        PER_TARGET | directives.max_verbosity().map_or(OFF, |l| l as u8)
    };
    DIRECTIVES_EPOCH.fetch_add(1, Ordering::AcqRel);
    MIN_ENABLED.store(gate, Ordering::Release);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_ordered_and_named_like_the_python_library() {
        assert!(Level::Critical < Level::Audit && Level::Audit < Level::Security);
        assert_eq!(Level::Warning.as_str(), "WARNING");
        assert_eq!(Level::parse("warn"), Some(Level::Warning));
        assert_eq!(Level::parse("SECURITY"), Some(Level::Security));
        assert_eq!(Level::parse("loud"), None);
        for l in Level::ALL {
            assert_eq!(Level::from_u8(l as u8), Some(l));
        }
    }
}
