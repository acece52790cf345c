//! Flat JSON: the record's own keys, then every field at the top level.
//!
//! `{"timestamp":"…","level":"INFO","logger":"app::http","message":"…","user_id":42}`
//!
//! A field whose name is one of the record's own keys is written as
//! `field.<name>` so it cannot shadow them.

use super::{write_json_text, write_json_value, Decoded, Formatter};
use crate::pipeline::json;

const OWN_KEYS: [&str; 4] = ["timestamp", "level", "logger", "message"];

pub(super) fn write(f: &mut Formatter, rec: &Decoded<'_>, out: &mut Vec<u8>) {
    out.extend_from_slice(br#"{"timestamp":""#);
    f.timestamp(rec.timestamp_ns, out);
    out.extend_from_slice(br#"","level":""#);
    out.extend_from_slice(rec.view.callsite.level.as_str().as_bytes());
    out.extend_from_slice(br#"","logger":"#);
    json::write_str(out, rec.view.callsite.target);
    out.extend_from_slice(br#","message":"#);
    write_json_text(out, rec.view.message, rec.view.message_truncated);
    for (name, value) in rec.fields {
        out.push(b',');
        if OWN_KEYS.contains(name) {
            out.extend_from_slice(b"\"field.");
            json::write_str_contents(out, name);
            out.extend_from_slice(b"\":");
        } else {
            json::write_key(out, name);
        }
        write_json_value(out, value);
    }
    out.push(b'}');
}
