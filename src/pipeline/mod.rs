//! The consumer side: worker, formats, JSON writing, sink threads.

pub(crate) mod control;
pub mod enrich;
pub(crate) mod filter;
pub(crate) mod format;
pub(crate) mod health;
pub mod json;
pub(crate) mod outbox;
pub(crate) mod per_callsite;
pub mod redact;
pub(crate) mod sinks;
pub mod timestamp;
pub mod uuid;
pub(crate) mod worker;
