//! fapilog: async-first structured logging for Rust services.
//!
//! A log call writes its values into a preallocated ring of fixed-size slots
//! owned by the calling thread and returns: no allocation, no lock, no system
//! call. A background worker decodes the records, serializes them (the
//! fapilog envelope JSON by default) and hands batches to sinks, each on its
//! own thread, so a slow sink never slows the caller.
//!
//! ```
//! use std::time::Duration;
//!
//! fn main() -> Result<(), fapilog::Error> {
//!     let _guard = fapilog::builder()
//!         .sink(fapilog::sink::Stdout::json())
//!         .backpressure(Duration::from_millis(50), /* drop_on_full */ true)
//!         .install()?; // drains and flushes when dropped
//!
//!     let path = "/api/v1/users/42";
//!     fapilog::info!(user_id = 42, path, latency_ms = 3.2, "request handled");
//!     fapilog::warn!(target: "app::db", attempt = 2, "retrying {} of {}", 2, 5);
//!     Ok(())
//! }
//! ```
//!
//! - [`macros`]: the field grammar of `info!`, `warn!`, … (tracing's).
//! - [`builder()`] and [`LoggerBuilder`]: every setting with its default and
//!   range, backpressure policies, the level sources and their order, and
//!   the `FAPILOG_*` environment variables.
//! - [`sink`]: stdout/stderr, rotating files, custom sinks.
//! - [`bind!`] and [`context`]: fields bound once, in every record of a
//!   scope (threads and futures).
//! - [`stats()`]: what was submitted, processed, delivered and dropped (by
//!   reason and level). Nothing is lost without being counted.
//! - [`sink_health()`]: each sink's error and panic counts and its last
//!   error's text. Sink failures are also reported on stderr, naming the
//!   sink (rate-limited, from the sink's own thread).
//! - [`integrations`]: records from the `log` facade and from `tracing`
//!   (features `log` and `tracing`) reach fapilog.
//! - [`Guard`], [`flush()`], [`shutdown()`]: nothing logged before shutdown is
//!   lost, including on panic (`flush_on_panic`) and before `process::exit`
//!   (call `shutdown()` first). They return false when a record did not
//!   reach its sinks without error (a sink failed, or did not answer).
#![deny(missing_docs, unsafe_op_in_unsafe_fn)]
#![warn(missing_debug_implementations, clippy::undocumented_unsafe_blocks)]

#[macro_use]
pub mod macros;

mod affinity;
mod builder;
mod clock;
pub mod context;
mod copy;
mod error;
mod fork;
mod hidden_debug;
pub mod integrations;
pub mod level;
mod lifecycle;
mod logger;
mod pipeline;
pub mod record;
mod ring;
pub mod sink;
mod stats;
mod text;

/// Consumer-side filters: sampling, rate limiting, de-duplication of errors,
/// and a limit on the size of a line. Each setting is checked by its
/// `validate()`, whose error names it.
pub mod filter {
    pub use crate::pipeline::filter::{Dedupe, RateLimit, Sampling, SizeAction, SizeGuard};
}

pub use builder::{builder, LoggerBuilder, Preset};
pub use error::{Error, ParseError};
pub use level::{current_level, enabled, set_directives, set_level, Directives, Level};
pub use lifecycle::{flush, shutdown, Guard};
pub use logger::stats;
pub use pipeline::health::{sink_health, SinkHealth};
pub use pipeline::timestamp::Precision as TimestampPrecision;

/// Enrichers: fields added to every record on the worker (see the module).
pub mod enrich {
    #[doc(inline)]
    pub use crate::pipeline::enrich::{EnrichFields, Enricher, RecordInfo};
}
pub use stats::{DropReason, Stats};

pub use pipeline::redact;

/// What the macros expand to. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::context::bind;
    pub use crate::level::{enabled_at, statically_enabled};
    pub use crate::logger::{log, try_log, AsyncWait, TryLog};
    pub use crate::record::{capture, field_name, DebugValue, DisplayValue};
}

/// Internals exposed for the fuzz targets, integration tests and benches
/// only. Not part of the public API: anything here may change in any release.
#[doc(hidden)]
pub mod __fuzz {
    pub use crate::level::directives::check as check_directives;
    pub use crate::pipeline::filter::SteadyState as FilterSteadyState;
    pub use crate::pipeline::json;
    pub use crate::pipeline::redact::check::check_redactor;
    pub use crate::pipeline::timestamp;
    pub use crate::pipeline::uuid;
    pub use crate::pipeline::worker::BenchStages;
    pub use crate::record::check::check_roundtrip as check_slot_codec;
    pub use crate::record::encode::encode_for_test;
    pub use crate::record::DynFields;
}
