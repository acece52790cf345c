//! fapilog: async-first structured logging for Rust services.
#![deny(missing_docs, unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

#[allow(dead_code)]
mod affinity;
#[allow(dead_code)]
mod clock;
mod error;
mod level;
pub mod sink;

pub use error::Error;
pub use level::{current_level, enabled, set_level, Level};
