//! fapilog: async-first structured logging for Rust services.
#![deny(missing_docs, unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

mod error;
mod level;
mod pipeline;
pub mod sink;

pub use error::Error;
pub use level::{current_level, enabled, set_level, Level};

/// Internals exposed for the fuzz targets and integration tests only. Not part
/// of the public API: anything here may change in any release.
#[doc(hidden)]
pub mod __fuzz {
    pub use crate::pipeline::json;
    pub use crate::pipeline::timestamp;
    pub use crate::pipeline::uuid;
}
