//! The static half of a record.

use std::sync::atomic::AtomicU32;

use crate::Level;

/// Everything about a log call that is known at compile time. The macros put
/// one in a `static` per call site; records carry a pointer to it.
#[derive(Debug)]
pub struct Callsite {
    /// The call's level.
    pub level: Level,
    /// The logger name: `target: "…"`, or the module path.
    pub target: &'static str,
    /// Source file.
    pub file: &'static str,
    /// Source line.
    pub line: u32,
    /// Field names, in the order the values are encoded.
    pub fields: &'static [&'static str],
    /// The level per-target directives give this callsite, cached with the
    /// directives' epoch (`epoch << 8 | level`); see `level::enabled_at`.
    pub(crate) interest: AtomicU32,
}

impl Callsite {
    /// A callsite; used by the macros in a `static`.
    pub const fn new(
        level: Level,
        target: &'static str,
        file: &'static str,
        line: u32,
        fields: &'static [&'static str],
    ) -> Callsite {
        Callsite {
            level,
            target,
            file,
            line,
            fields,
            interest: AtomicU32::new(0),
        }
    }
}

/// A field's name as the macros write it (`stringify!` of its identifiers),
/// without the `r#` of a raw identifier: `r#type = 1` is a field named
/// `type`, as in tracing. Only a leading `r#` is taken off; in a dotted name
/// a raw identifier after the first dot keeps it (`a.r#type`).
#[doc(hidden)]
pub const fn field_name(name: &'static str) -> &'static str {
    match name.as_bytes() {
        [b'r', b'#', rest @ ..] => match core::str::from_utf8(rest) {
            Ok(bare) => bare,
            Err(_) => name,
        },
        _ => name,
    }
}
