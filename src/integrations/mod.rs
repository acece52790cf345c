//! Bridges from the `log` facade and from `tracing`: records that
//! dependencies (hyper, sqlx, reqwest, rustls, tokio, tower, …) log through
//! them reach fapilog's pipeline instead of vanishing.
//!
//! | feature | install | what arrives |
//! |---|---|---|
//! | `log` | `integrations::log::init()` | every `log` record: level, target, message, key-values as typed fields |
//! | `tracing` | `integrations::tracing::init()`, or `integrations::tracing::layer()` in a `tracing_subscriber` stack | every event: level, target, message, fields as typed fields, the spans it is in with their fields |
//!
//! A bridged record goes through what a macro call goes through: the
//! compile-time maximum level, the runtime level and per-target directives
//! (by the record's own target), backpressure and its drop counters,
//! enrichers, redaction, filters and sinks. A `log` or `tracing` call made on
//! one of fapilog's own threads (a sink, enricher, filter or redactor that
//! logs) is dropped and counted `reentrant`, as a macro call there is.
//!
//! Both facades keep a maximum level of their own, which their macros check
//! before anything else: the bridges keep it in step with fapilog's level
//! ([`set_level`](crate::set_level), [`set_directives`](crate::set_directives),
//! install and shutdown), so a disabled `log::debug!` costs what it costs
//! without a logger.
//!
//! A record's callsite (the static part fapilog's records point to: level,
//! target, file, line, field names) is made the first time a callsite of
//! the facade is seen and kept for the life of the process; after that a
//! bridged call allocates nothing of fapilog's. See each module for the
//! limits.

#[cfg(any(feature = "log", feature = "tracing"))]
mod intern;
#[cfg(feature = "log")]
pub mod log;
#[cfg(feature = "tracing")]
pub mod tracing;

/// Keeps the facades' own maximum levels in step with fapilog's: called
/// after every change of the runtime level.
#[inline]
pub(crate) fn level_changed() {
    #[cfg(feature = "log")]
    self::log::level_changed();
    #[cfg(feature = "tracing")]
    self::tracing::level_changed();
}

/// fapilog's level for a facade's level (`log` and `tracing` share the five
/// names): ERROR, WARNING, INFO, DEBUG, TRACE.
#[cfg(any(feature = "log", feature = "tracing"))]
const LEVELS: [crate::Level; 5] = [
    crate::Level::Error,
    crate::Level::Warning,
    crate::Level::Info,
    crate::Level::Debug,
    crate::Level::Trace,
];

/// The shared callsites, one per level of [`LEVELS`], of a bridge's records
/// beyond its callsite table: logger `target`, fields `names`.
#[cfg(any(feature = "log", feature = "tracing"))]
const fn unnamed_callsites(
    target: &'static str,
    names: &'static [&'static str],
) -> [crate::record::Callsite; 5] {
    use crate::record::Callsite;
    [
        Callsite::new(LEVELS[0], target, "", 0, names),
        Callsite::new(LEVELS[1], target, "", 0, names),
        Callsite::new(LEVELS[2], target, "", 0, names),
        Callsite::new(LEVELS[3], target, "", 0, names),
        Callsite::new(LEVELS[4], target, "", 0, names),
    ]
}

/// The index in [`LEVELS`] of the most verbose of the five levels that
/// fapilog lets through now (compile-time maximum and runtime gate, for the
/// most verbose target), or `None` when none passes: what the facades'
/// maximum level is set to.
#[cfg(any(feature = "log", feature = "tracing"))]
fn most_verbose_enabled() -> Option<usize> {
    (0..LEVELS.len())
        .rev()
        .find(|&i| crate::level::enabled(LEVELS[i]))
}

/// True when fapilog would record `level` from some target: the
/// compile-time maximum and the runtime gate, both cheap. The target is
/// looked at later, with the record's callsite.
#[cfg(any(feature = "log", feature = "tracing"))]
#[inline(always)]
fn gate_open(level: crate::Level) -> bool {
    crate::level::enabled(level)
}
