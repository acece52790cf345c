//! Text for terminals: `2026-11-21T10:30:00.123Z  INFO app::http: request handled user_id=42`.
//!
//! Control characters in messages and values are escaped as in JSON, so a
//! value cannot forge a second line or move the cursor. Strings with spaces,
//! quotes or `=` are quoted. Colour (ANSI) only when asked for, which the
//! stdout/stderr sinks do when their stream is a terminal.

use super::plan::Plan;
use super::{Decoded, Parts, TRUNCATION_MARKER};
use crate::pipeline::json;
use crate::record::Value;
use crate::Level;

const RESET: &str = "\x1b[0m";
const DIM: &str = "\x1b[2m";

fn level_colour(level: Level) -> &'static str {
    match level {
        Level::Trace => "\x1b[2m",
        Level::Debug => "\x1b[34m",
        Level::Info => "\x1b[32m",
        Level::Warning => "\x1b[33m",
        Level::Error => "\x1b[31m",
        Level::Critical => "\x1b[1;31m",
        Level::Audit => "\x1b[35m",
        Level::Security => "\x1b[1;35m",
    }
}

pub(super) fn write(
    f: &mut Parts<'_>,
    plan: &Plan,
    rec: &Decoded<'_>,
    color: bool,
    out: &mut Vec<u8>,
) {
    let paint = |out: &mut Vec<u8>, code: &str| {
        if color {
            out.extend_from_slice(code.as_bytes());
        }
    };
    paint(out, DIM);
    f.timestamp(rec.timestamp_ns, out);
    paint(out, RESET);
    out.push(b' ');
    let level = rec.callsite.level;
    paint(out, level_colour(level));
    let name = level.as_str();
    out.extend(std::iter::repeat_n(b' ', 8usize.saturating_sub(name.len())));
    out.extend_from_slice(name.as_bytes());
    paint(out, RESET);
    out.push(b' ');
    paint(out, DIM);
    out.extend_from_slice(&plan.target_escaped);
    out.push(b':');
    paint(out, RESET);
    out.push(b' ');
    json::write_str_contents(out, rec.message);
    if rec.message_truncated {
        out.extend_from_slice(TRUNCATION_MARKER.as_bytes());
    }
    for (i, (name, value)) in rec.fields.iter().enumerate() {
        out.push(b' ');
        paint(out, DIM);
        match plan.bare_names.get(i).filter(|_| i < rec.call_fields) {
            Some(bare) => out.extend_from_slice(bare),
            None => json::write_str_contents(out, name),
        }
        out.push(b'=');
        paint(out, RESET);
        write_value(out, value);
    }
}

fn write_value(out: &mut Vec<u8>, value: &Value<'_>) {
    match *value {
        Value::Str { text, truncated } => {
            let quote = text.is_empty() || text.bytes().any(|b| matches!(b, b' ' | b'"' | b'='));
            if quote {
                out.push(b'"');
            }
            json::write_str_contents(out, text);
            if truncated {
                out.extend_from_slice(TRUNCATION_MARKER.as_bytes());
            }
            if quote {
                out.push(b'"');
            }
        }
        ref other => super::write_json_value(out, other),
    }
}
