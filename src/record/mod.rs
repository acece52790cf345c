//! What a log call leaves in the ring, and how the worker reads it back.
//!
//! A call copies only its *values* into the ring: field names, level, target,
//! file and line live in a `static` [`Callsite`] that the macro creates, and the
//! record points at it. The layout of a record in slot memory is
//!
//! ```text
//! header (32 bytes): len u32 | kind u8 | flags u8 | 0u16 | callsite ptr | raw timestamp u64 | context ptr
//! message value, then one value per callsite field, each: tag u8 + payload
//! ```
//!
//! `encode` writes values (through `fmt::Write` for `%display`, `?debug` and
//! format arguments, never through a `String`); `decode` borrows them back.

mod callsite;
#[doc(hidden)]
pub mod check;
pub(crate) mod decode;
pub(crate) mod encode;
pub(crate) mod value;

pub use callsite::Callsite;
pub use decode::{DecodeError, RecordView, Value};
pub use encode::Encoder;
#[doc(hidden)]
pub use value::{DebugValue, DisplayValue, DynFields};
pub use value::{Fields, ToValue};

/// Bytes of the fixed record header.
pub(crate) const HEADER_LEN: usize = 32;

/// What a record's header says besides its size: where it was logged, when,
/// and in which bound context (an owned `Arc<Scope>` count, or null).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Stamp {
    pub callsite: &'static Callsite,
    pub timestamp: u64,
    pub context: *const crate::context::Scope,
}
/// Header kind of a record.
pub(crate) const KIND_RECORD: u8 = 1;
/// Header kind of padding left when a record would straddle the ring's end.
pub(crate) const KIND_PAD: u8 = 2;
/// Header flag: at least one value was cut to respect the record size limit.
pub(crate) const FLAG_TRUNCATED: u8 = 1;
