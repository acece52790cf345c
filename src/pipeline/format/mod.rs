//! Turning a decoded record into one line of a [`Format`].
//!
//! Formatters write straight into the batch's reusable buffer; the only
//! per-record state is the `message_id` generator and a timestamp cache.

mod envelope;
mod flat;
mod plan;
mod pretty;

use crate::pipeline::json;
use crate::pipeline::timestamp::{Precision, TimestampCache};
use crate::pipeline::uuid::UuidV4;
use crate::record::{Callsite, Value};
use crate::sink::Format;

/// A record ready to be written: its callsite, its fields (decoded once, in
/// the worker's arena, reset per record) and its wall-clock time.
pub(crate) struct Decoded<'a> {
    /// Level, target and field names.
    pub callsite: &'static Callsite,
    /// The message, redacted.
    pub message: &'a str,
    /// The message was cut at the record size limit.
    pub message_truncated: bool,
    /// The call's fields (in callsite order), then the bound context's that
    /// the call does not shadow.
    pub fields: &'a [(&'a str, Value<'a>)],
    /// How many of `fields` are the call's own.
    pub call_fields: usize,
    pub timestamp_ns: u64,
}

impl<'a> Decoded<'a> {
    /// The fields bound by the context (after the call's own).
    pub(crate) fn bound(&self) -> &'a [(&'a str, Value<'a>)] {
        &self.fields[self.call_fields..]
    }
}

/// The marker appended to a value cut at the record size limit.
pub(crate) const TRUNCATION_MARKER: &str = "…[truncated]";

/// Every format's writer, with the state they share.
pub(crate) struct Formatter {
    plans: plan::Plans,
    precision: Precision,
    /// The flat format's process fields (`,"service":…`), possibly empty.
    flat_process: Vec<u8>,
    timestamps: TimestampCache,
    uuids: UuidV4,
}

impl Formatter {
    pub(crate) fn new(
        precision: Precision,
        diagnostics: Vec<u8>,
        flat_process: Vec<u8>,
    ) -> Formatter {
        Formatter {
            plans: plan::Plans::new(diagnostics),
            precision,
            flat_process,
            timestamps: TimestampCache::default(),
            uuids: UuidV4::from_entropy(),
        }
    }

    /// Appends `rec` as one line (without the newline) in `format`.
    pub(crate) fn write(&mut self, format: Format, rec: &Decoded<'_>, out: &mut Vec<u8>) {
        let Formatter {
            plans,
            precision,
            flat_process,
            timestamps,
            uuids,
        } = self;
        let plan = plans.get(rec.callsite);
        let mut parts = Parts {
            precision: *precision,
            flat_process,
            timestamps,
            uuids,
        };
        match format {
            Format::Envelope => envelope::write(&mut parts, plan, rec, out),
            Format::Flat => flat::write(&mut parts, plan, rec, out),
            Format::Pretty { color } => pretty::write(&mut parts, plan, rec, color, out),
        }
    }
}

/// The per-worker state a format writer uses, beside the callsite's plan.
pub(crate) struct Parts<'f> {
    precision: Precision,
    flat_process: &'f [u8],
    timestamps: &'f mut TimestampCache,
    uuids: &'f mut UuidV4,
}

impl Parts<'_> {
    fn timestamp(&mut self, ns: u64, out: &mut Vec<u8>) {
        self.timestamps.write(out, ns, self.precision);
    }
}

/// Writes a value as JSON. 128-bit integers outside the 64-bit range are
/// written as strings, since most JSON readers cannot hold them.
pub(crate) fn write_json_value(out: &mut Vec<u8>, value: &Value<'_>) {
    match *value {
        Value::Null => json::write_null(out),
        Value::Bool(b) => json::write_bool(out, b),
        Value::I64(v) => json::write_i64(out, v),
        Value::U64(v) => json::write_u64(out, v),
        Value::I128(v) => write_wide_int(out, i64::try_from(v).ok(), v),
        Value::U128(v) => write_wide_int(out, u64::try_from(v).ok(), v),
        Value::F64(v) => json::write_f64(out, v),
        Value::Str { text, truncated } => write_json_text(out, text, truncated),
        Value::Bytes { bytes, truncated } => write_json_bytes(out, bytes, truncated),
    }
}

// The rarer values are written out of line, which keeps `write_json_value`
// small enough for the common ones to be inlined into it.

/// A 128-bit integer: as a JSON number when it fits in 64 bits (`narrow`),
/// else as a string of its digits, since most JSON readers stop at 64 bits.
#[inline(never)]
fn write_wide_int(out: &mut Vec<u8>, narrow: Option<impl itoa::Integer>, wide: impl itoa::Integer) {
    let mut digits = itoa::Buffer::new();
    match narrow {
        Some(v) => json::write_raw(out, digits.format(v).as_bytes()),
        None => {
            out.push(b'"');
            json::write_raw(out, digits.format(wide).as_bytes());
            out.push(b'"');
        }
    }
}

/// Writes bytes as a JSON string (see [`json::write_bytes_lossy`]), with the
/// truncation marker if they were cut.
#[inline(never)]
fn write_json_bytes(out: &mut Vec<u8>, bytes: &[u8], truncated: bool) {
    out.push(b'"');
    json::write_bytes_lossy_contents(out, bytes);
    if truncated {
        out.extend_from_slice(TRUNCATION_MARKER.as_bytes());
    }
    out.push(b'"');
}

/// Writes text as a JSON string, with the truncation marker if it was cut.
#[inline]
pub(crate) fn write_json_text(out: &mut Vec<u8>, text: &str, truncated: bool) {
    if truncated {
        write_truncated_text(out, text);
    } else {
        json::write_str(out, text);
    }
}

#[cold]
fn write_truncated_text(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    json::write_str_contents(out, text);
    out.extend_from_slice(TRUNCATION_MARKER.as_bytes());
    out.push(b'"');
}
