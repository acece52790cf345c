//! Flat JSON: the record's own keys, then every field at the top level.
//!
//! `{"timestamp":"…","level":"INFO","logger":"app::http","message":"…","user_id":42}`
//!
//! A field whose name is one of the record's own keys is written as
//! `field.<name>` so it cannot shadow them.

use super::plan::Plan;
use super::{write_json_text, write_json_value, Decoded, Parts};

pub(super) fn write(f: &mut Parts<'_>, plan: &Plan, rec: &Decoded<'_>, out: &mut Vec<u8>) {
    out.extend_from_slice(br#"{"timestamp":""#);
    f.timestamp(rec.timestamp_ns, out);
    out.push(b'"');
    // `,"level":"INFO","logger":"…","message":`
    out.extend_from_slice(&plan.level_logger_message);
    write_json_text(out, rec.view.message, rec.view.message_truncated);
    for (i, (_, value)) in rec.fields.iter().enumerate() {
        out.push(b',');
        match plan.flat_keys.get(i) {
            Some(key) => out.extend_from_slice(key),
            None => out.extend_from_slice(b"\"_\":"),
        }
        write_json_value(out, value);
    }
    out.push(b'}');
}
