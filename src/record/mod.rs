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
//!
//! Of this module users need [`ToValue`], what a field may hold, and
//! [`Value`], what an enricher reads. The rest is public only because the
//! macros expand to it in the user's crate ([`Callsite`], the value
//! wrappers), a sealed trait names it (`Encoder`) or fapilog's own tests
//! and benches use it (`RecordView`), and is hidden from the docs: it may
//! change in any release.

mod callsite;
#[doc(hidden)]
pub mod check;
pub(crate) mod decode;
pub(crate) mod encode;
pub(crate) mod value;

#[doc(hidden)]
pub use callsite::{field_name, Callsite};
pub use decode::Value;
#[doc(hidden)]
pub use decode::{DecodeError, RecordView};
#[doc(hidden)]
pub use encode::Encoder;
pub use value::ToValue;
#[doc(hidden)]
pub use value::{capture, Capture, DebugValue, DisplayValue, DynFields, Fields};

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

// A stored pointer takes an 8-byte field.
const _: () = assert!(std::mem::size_of::<usize>() <= 8);

/// Stores a pointer in the 8-byte field at `dst` *as a pointer*: the slot
/// keeps the pointer's provenance, so the worker reads back a pointer it
/// may dereference (an address written as an integer and cast back would
/// not be one, and is what miri reports as an integer-to-pointer cast). On
/// 64-bit targets this is the same single 8-byte store as writing the
/// address.
///
/// # Safety
/// `dst..dst + 8` must be writable and exclusively ours.
#[inline(always)]
pub(crate) unsafe fn write_ptr<T>(dst: *mut u8, p: *const T) {
    // SAFETY: forwarded from this function's contract; the stores are
    // unaligned and within the 8 bytes.
    unsafe {
        if std::mem::size_of::<*const T>() < 8 {
            // Keep the rest of the field initialised (32-bit targets).
            dst.cast::<u64>().write_unaligned(0);
        }
        dst.cast::<*const T>().write_unaligned(p);
    }
}

/// Reads a pointer stored by [`write_ptr`] from the start of `field`, with
/// the provenance it was stored with (none if the bytes were written as
/// integers: such a pointer is only good for a null check). `field` must
/// borrow the stored bytes themselves: a copy made by value (a `[u8; 8]`
/// returned from a function, say) holds integers, and the pointer read from
/// it has no provenance either.
#[inline(always)]
pub(crate) fn read_ptr<T>(field: &[u8; 8]) -> *const T {
    // SAFETY: `field` is 8 initialised, readable bytes, at least the size of
    // a pointer (asserted above); the read is unaligned; any initialised
    // bytes are a valid raw pointer.
    unsafe { field.as_ptr().cast::<*const T>().read_unaligned() }
}
