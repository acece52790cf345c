//! The fapilog envelope, schema 1.1: the lines the Python library writes.
//!
//! Keys come sorted, as the Python library writes them:
//!
//! ```text
//! {"log":{"context":{"correlation_id":…,"message_id":"<uuid4>",…},"data":{…},
//!  "diagnostics":{"env":…,"host":…,"origin":"native","pid":…,"rust":…,"service":…},
//!  "level":"INFO","logger":"app::http","message":"request handled",
//!  "timestamp":"2026-11-21T10:30:00.123Z"},"schema_version":"1.1"}
//! ```
//!
//! Fields named `request_id`, `span_id`, `tenant_id`, `trace_id` or `user_id`
//! go to `context`; `correlation_id` repeats `request_id` (null when there is
//! none); every other field goes to `data`, in call order. A field name used
//! twice is written twice. Which field goes where is worked out once per
//! callsite (see `plan.rs`). `diagnostics` holds the process fields (see
//! `enrich.rs`), serialized once at install.

use super::plan::{Plan, CONTEXT_KEYS};
use super::{write_json_text, write_json_value, Decoded, Parts};
use crate::pipeline::json;

pub(super) fn write(f: &mut Parts<'_>, plan: &Plan, rec: &Decoded<'_>, out: &mut Vec<u8>) {
    let call = |i: usize| {
        rec.fields
            .get(i)
            .filter(|_| i < rec.call_fields)
            .map(|(_, v)| v)
    };
    let bound = |key: &str| rec.bound().iter().find(|(n, _)| *n == key).map(|(_, v)| v);

    out.extend_from_slice(br#"{"log":{"context":{"correlation_id":"#);
    match plan
        .request_id
        .and_then(call)
        .or_else(|| bound("request_id"))
    {
        Some(v) => write_json_value(out, v),
        None => json::write_null(out),
    }
    out.extend_from_slice(br#","message_id":""#);
    f.uuids.write(out);
    out.push(b'"');
    let write_call = |out: &mut Vec<u8>, i: usize| {
        if let Some(v) = call(i) {
            json::write_raw(out, &plan.keys[i]); // `,"name":`
            write_json_value(out, v);
        }
    };
    if rec.bound().is_empty() {
        // The common case: the plan's context fields are already in order.
        for &i in &plan.context {
            write_call(out, i);
        }
    } else {
        // Merge the bound context keys into the sorted order.
        for key in CONTEXT_KEYS {
            for &i in plan.context.iter().filter(|&&i| plan.names[i] == key) {
                write_call(out, i);
            }
            if let Some(v) = bound(key) {
                out.push(b',');
                json::write_key(out, key);
                write_json_value(out, v);
            }
        }
    }
    out.extend_from_slice(br#"},"data":{"#);
    // The keys start with a comma, which the first member skips.
    let mut skip = 1;
    for &i in &plan.data {
        if let Some(v) = call(i) {
            json::write_raw(out, &plan.keys[i][skip..]);
            skip = 0;
            write_json_value(out, v);
        }
    }
    for (name, v) in rec
        .bound()
        .iter()
        .filter(|(n, _)| !CONTEXT_KEYS.contains(n))
    {
        if skip == 0 {
            out.push(b',');
        }
        skip = 0;
        json::write_key(out, name);
        write_json_value(out, v);
    }
    // `},"diagnostics":{…},"level":"INFO","logger":"…","message":`
    out.extend_from_slice(&plan.diagnostics_level_logger_message);
    write_json_text(out, rec.message, rec.message_truncated);
    out.extend_from_slice(br#","timestamp":""#);
    f.timestamp(rec.timestamp_ns, out);
    out.extend_from_slice(br#""},"schema_version":"1.1"}"#);
}
