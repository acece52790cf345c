//! Flat JSON: the record's own keys, then every field at the top level.
//!
//! `{"timestamp":"…","level":"INFO","logger":"app::http","message":"…","user_id":42}`
//!
//! A field whose name is one of the line's own keys (the record's and the
//! process fields: `service`, `env`, `host`, …) is written as
//! `field.<name>`, so that no key appears twice.

use super::plan::{is_flat_own_key, Plan};
use super::{write_json_text, write_json_value, Decoded, Parts};
use crate::pipeline::json;

pub(super) fn write(f: &mut Parts<'_>, plan: &Plan, rec: &Decoded<'_>, out: &mut Vec<u8>) {
    out.extend_from_slice(br#"{"timestamp":""#);
    f.timestamp(rec.timestamp_ns, out);
    out.push(b'"');
    // `,"level":"INFO","logger":"…","message":`
    out.extend_from_slice(&plan.level_logger_message);
    write_json_text(out, rec.message, rec.message_truncated);
    for (i, (name, value)) in rec.fields.iter().enumerate() {
        match plan.flat_keys.get(i).filter(|_| i < rec.call_fields) {
            Some(key) => json::write_raw(out, key), // `,"name":`
            None => {
                // A bound field: its name is only known now.
                out.extend_from_slice(b",\"");
                if is_flat_own_key(name) {
                    out.extend_from_slice(b"field.");
                }
                json::write_str_contents(out, name);
                out.extend_from_slice(b"\":");
            }
        }
        write_json_value(out, value);
    }
    out.extend_from_slice(f.flat_process);
    out.push(b'}');
}
