//! What the formatters work out once per callsite instead of once per record.
//!
//! A callsite's field names, target and level never change, so their escaped
//! JSON, the envelope's split of fields into `context` and `data`, and the
//! flat format's renaming of colliding keys are computed the first time the
//! worker meets the callsite and kept in a map keyed by its address. The
//! first record of a callsite allocates its plan; every later one only looks
//! it up.

use crate::pipeline::json;
use crate::pipeline::per_callsite::PerCallsite;
use crate::record::Callsite;

/// Envelope context keys, in the (sorted) order they are written.
pub(crate) const CONTEXT_KEYS: [&str; 5] =
    ["request_id", "span_id", "tenant_id", "trace_id", "user_id"];

/// The flat format's own keys: the record's, then the process fields
/// (`enrich.rs`), which come last in a line. Fields with these names (or
/// under `kubernetes.`) are written as `field.<name>`: a JSON reader keeps
/// only one of two equal keys, so the user's value would be lost.
const FLAT_OWN_KEYS: [&str; 9] = [
    "timestamp",
    "level",
    "logger",
    "message",
    "service",
    "env",
    "version",
    "host",
    "pid",
];

/// Whether a field named `name` would collide with one of the flat
/// format's own keys (see [`FLAT_OWN_KEYS`]).
pub(crate) fn is_flat_own_key(name: &str) -> bool {
    FLAT_OWN_KEYS.contains(&name) || name.starts_with("kubernetes.")
}

/// Precomputed output for one callsite.
pub(crate) struct Plan {
    /// The field names.
    pub names: &'static [&'static str],
    /// `,"name":` for each field, escaped (the first member of an object
    /// skips the comma).
    pub keys: Vec<Box<[u8]>>,
    /// The flat format's `,"name":` (own keys renamed `field.name`).
    pub flat_keys: Vec<Box<[u8]>>,
    /// `name` escaped for pretty text (no quotes).
    pub bare_names: Vec<Box<[u8]>>,
    /// Envelope: fields that go to `context`, in output order.
    pub context: Vec<usize>,
    /// Envelope: fields that go to `data`, in call order.
    pub data: Vec<usize>,
    /// Envelope: the `request_id` field, copied to `correlation_id`.
    pub request_id: Option<usize>,
    /// `,"level":"INFO","logger":"…","message":` (the flat format's, after
    /// the timestamp).
    pub level_logger_message: Box<[u8]>,
    /// Envelope: `},"diagnostics":{…}` and then `level_logger_message`,
    /// everything between `data` and the message.
    pub diagnostics_level_logger_message: Box<[u8]>,
    /// The target, escaped (no quotes), for the flat and pretty formats.
    pub target_escaped: Box<[u8]>,
}

fn escaped(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() + 2);
    json::write_str_contents(&mut out, s);
    out
}

fn key(prefix: &str, name: &str) -> Box<[u8]> {
    let mut out = Vec::with_capacity(name.len() + prefix.len() + 4);
    out.extend_from_slice(b",\"");
    out.extend_from_slice(prefix.as_bytes());
    json::write_str_contents(&mut out, name);
    out.extend_from_slice(b"\":");
    out.into_boxed_slice()
}

impl Plan {
    /// `diagnostics` is the envelope's `diagnostics` object.
    fn new(cs: &Callsite, diagnostics: &[u8]) -> Plan {
        let names = cs.fields;
        let mut context = Vec::new();
        for k in CONTEXT_KEYS {
            context.extend(
                names
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| **n == k)
                    .map(|(i, _)| i),
            );
        }
        let data = (0..names.len())
            .filter(|i| !CONTEXT_KEYS.contains(&names[*i]))
            .collect();
        let mut llm = Vec::new();
        llm.extend_from_slice(br#","level":""#);
        llm.extend_from_slice(cs.level.as_str().as_bytes());
        llm.extend_from_slice(br#"","logger":""#);
        llm.extend_from_slice(&escaped(cs.target));
        llm.extend_from_slice(br#"","message":"#);
        let mut envelope_tail = br#"},"diagnostics":"#.to_vec();
        envelope_tail.extend_from_slice(diagnostics);
        envelope_tail.extend_from_slice(&llm);
        Plan {
            names,
            keys: names.iter().map(|n| key("", n)).collect(),
            flat_keys: names
                .iter()
                .map(|n| key(if is_flat_own_key(n) { "field." } else { "" }, n))
                .collect(),
            bare_names: names
                .iter()
                .map(|n| escaped(n).into_boxed_slice())
                .collect(),
            context,
            data,
            request_id: names.iter().position(|n| *n == "request_id"),
            level_logger_message: llm.into_boxed_slice(),
            diagnostics_level_logger_message: envelope_tail.into_boxed_slice(),
            target_escaped: escaped(cs.target).into_boxed_slice(),
        }
    }
}

/// Plans by callsite.
pub(crate) struct Plans {
    plans: PerCallsite<Plan>,
    /// The envelope's `diagnostics` object, part of every plan.
    diagnostics: Vec<u8>,
}

impl Plans {
    /// No plans yet; `diagnostics` is the envelope's `diagnostics` object.
    pub(crate) fn new(diagnostics: Vec<u8>) -> Plans {
        Plans {
            plans: PerCallsite::new(),
            diagnostics,
        }
    }

    /// The plan of `cs`, made on first use.
    #[inline]
    pub(crate) fn get(&mut self, cs: &'static Callsite) -> &Plan {
        let diagnostics = &self.diagnostics;
        self.plans.get_or_make(cs, |cs| Plan::new(cs, diagnostics))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Level;

    static A: Callsite = Callsite::new(Level::Info, "a", "a.rs", 1, &["x"]);
    static B: Callsite = Callsite::new(Level::Warning, "b", "b.rs", 2, &["y", "z"]);

    #[test]
    fn each_callsite_gets_its_own_plan_in_any_order() {
        let mut plans = Plans::new(b"{}".to_vec());
        for cs in [&A, &A, &B, &A, &B, &B, &A] {
            let plan = plans.get(cs);
            assert_eq!(plan.names, cs.fields);
            assert!(plan
                .diagnostics_level_logger_message
                .starts_with(b"},\"diagnostics\":{}"));
        }
        assert_eq!(plans.plans.len(), 2, "one plan per callsite");
    }
}
