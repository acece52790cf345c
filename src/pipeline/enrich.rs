//! Enrichers: fields added to every record on the worker.
//!
//! Two kinds:
//!
//! - **Process fields**, computed once at install: the runtime's `service`,
//!   `env`, `version`, `host` and `pid` (from the builder, or
//!   `FAPILOG_SERVICE`, `FAPILOG_ENV`, `FAPILOG_VERSION`), and, when running in
//!   Kubernetes, `pod`, `namespace`, `node`, `container` and `cluster` (from
//!   `POD_NAME`, `POD_NAMESPACE`, `NODE_NAME`, `CONTAINER_NAME`,
//!   `CLUSTER_NAME`). The envelope carries them in `diagnostics` (Kubernetes
//!   under `diagnostics.kubernetes`); the flat format at the top level
//!   (`kubernetes.pod`, …) unless `enrich_runtime(false)`.
//! - **Custom enrichers**, any type implementing [`Enricher`], called for
//!   every record. Their fields land like bound context fields: context keys
//!   in `context`, the rest in `data`; a record's own fields win.
//!
//! ```
//! use fapilog::enrich::{EnrichFields, Enricher, RecordInfo};
//!
//! /// Numbers the records this process writes.
//! struct Sequence(u64);
//!
//! impl Enricher for Sequence {
//!     fn enrich(&mut self, _record: &RecordInfo<'_>, fields: &mut EnrichFields<'_, '_>) {
//!         self.0 += 1;
//!         fields.u64("seq", self.0);
//!     }
//! }
//!
//! let _guard = fapilog::builder()
//!     .sink(fapilog::sink::Null::new())
//!     .enricher(Sequence(0))
//!     .install()
//!     .unwrap();
//! ```
//!
//! An enricher that panics is caught: its fields for that record are
//! dropped, the panic is counted (`stats().enricher_panics`), the record is
//! still written and the worker goes on.

use std::panic::{self, AssertUnwindSafe};

use bumpalo::collections::Vec as BumpVec;
use bumpalo::Bump;

use crate::pipeline::json;
use crate::record::Value;
use crate::Level;

/// What an enricher may read of a record.
pub struct RecordInfo<'r> {
    /// The record's level.
    pub level: Level,
    /// Its logger name.
    pub target: &'r str,
    /// Its message.
    pub message: &'r str,
    /// When it was logged, in nanoseconds since the Unix epoch.
    pub timestamp_ns: u64,
    fields: &'r [(&'r str, Value<'r>)],
}

impl<'r> RecordInfo<'r> {
    /// The value of a field (the call's, or bound), if present.
    pub fn field(&self, name: &str) -> Option<Value<'r>> {
        self.fields
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
    }
}

/// Where an enricher adds fields; names and text are copied into the
/// worker's per-record arena (no allocation in the steady state).
pub struct EnrichFields<'e, 'a> {
    arena: &'a Bump,
    fields: &'e mut BumpVec<'a, (&'a str, Value<'a>)>,
}

impl<'a> EnrichFields<'_, 'a> {
    fn push(&mut self, name: &str, value: Value<'a>) {
        if !self.fields.iter().any(|(n, _)| *n == name) {
            let name = self.arena.alloc_str(name);
            self.fields.push((name, value));
        }
    }

    /// Adds a text field (ignored if the record already has one so named).
    pub fn str(&mut self, name: &str, value: &str) {
        let text = self.arena.alloc_str(value);
        self.push(
            name,
            Value::Str {
                text,
                truncated: false,
            },
        );
    }

    /// Adds an unsigned integer field.
    pub fn u64(&mut self, name: &str, value: u64) {
        self.push(name, Value::U64(value));
    }

    /// Adds a signed integer field.
    pub fn i64(&mut self, name: &str, value: i64) {
        self.push(name, Value::I64(value));
    }

    /// Adds a float field.
    pub fn f64(&mut self, name: &str, value: f64) {
        self.push(name, Value::F64(value));
    }

    /// Adds a boolean field.
    pub fn bool(&mut self, name: &str, value: bool) {
        self.push(name, Value::Bool(value));
    }
}

/// `(name, value)` pairs as a map, for `Debug`.
struct FieldMap<'s, 'a>(&'s [(&'a str, Value<'a>)]);

impl std::fmt::Debug for FieldMap<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(n, v)| (n, v)))
            .finish()
    }
}

impl std::fmt::Debug for RecordInfo<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordInfo")
            .field("level", &self.level)
            .field("target", &self.target)
            .field("message", &self.message)
            .field("timestamp_ns", &self.timestamp_ns)
            .field("fields", &FieldMap(self.fields))
            .finish()
    }
}

impl std::fmt::Debug for EnrichFields<'_, '_> {
    /// The fields added so far.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnrichFields")
            .field("added", &FieldMap(self.fields))
            .finish()
    }
}

/// Adds fields to every record, on the worker thread.
pub trait Enricher: Send + 'static {
    /// Adds fields for `record` to `fields`.
    fn enrich(&mut self, record: &RecordInfo<'_>, fields: &mut EnrichFields<'_, '_>);
}

/// The installed custom enrichers.
#[derive(Default)]
pub(crate) struct Enrichers {
    list: Vec<Box<dyn Enricher>>,
}

impl Enrichers {
    pub(crate) fn new(list: Vec<Box<dyn Enricher>>) -> Enrichers {
        Enrichers { list }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Runs every enricher on a record; returns how many panicked (their
    /// fields for this record are dropped).
    pub(crate) fn run<'a>(
        &mut self,
        level: Level,
        target: &str,
        message: &str,
        timestamp_ns: u64,
        arena: &'a Bump,
        fields: &mut BumpVec<'a, (&'a str, Value<'a>)>,
    ) -> u64 {
        let mut panics = 0;
        for enricher in &mut self.list {
            let before = fields.len();
            let snapshot: &[(&str, Value<'_>)] = &fields[..];
            let info = RecordInfo {
                level,
                target,
                message,
                timestamp_ns,
                fields: snapshot,
            };
            // The enricher reads the fields through `info` and writes new
            // ones into `added`, appended below unless the record has them.
            let mut added = BumpVec::new_in(arena);
            let mut out = EnrichFields {
                arena,
                fields: &mut added,
            };
            let outcome =
                panic::catch_unwind(AssertUnwindSafe(|| enricher.enrich(&info, &mut out)));
            match outcome {
                Ok(()) => {
                    for (name, value) in added {
                        if !fields[..before].iter().any(|(n, _)| *n == name) {
                            fields.push((name, value));
                        }
                    }
                }
                Err(_) => panics += 1,
            }
        }
        panics
    }
}

/// Process-wide fields, computed once at install.
#[derive(Clone, Debug, Default)]
pub(crate) struct ProcessInfo {
    pub service: String,
    pub env: String,
    pub version: Option<String>,
    pub host: String,
    pub pid: u32,
    /// `(key, value)` pairs, sorted by key: pod, namespace, node, container,
    /// cluster, those that are set.
    pub kubernetes: Vec<(&'static str, String)>,
}

/// Kubernetes environment variables and the keys they become.
const KUBERNETES_VARS: [(&str, &str); 5] = [
    ("cluster", "CLUSTER_NAME"),
    ("container", "CONTAINER_NAME"),
    ("namespace", "POD_NAMESPACE"),
    ("node", "NODE_NAME"),
    ("pod", "POD_NAME"),
];

impl ProcessInfo {
    /// Reads the Kubernetes variables through `lookup` (the environment in
    /// production, a map in tests).
    pub(crate) fn kubernetes_from(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Vec<(&'static str, String)> {
        KUBERNETES_VARS
            .iter()
            .filter_map(|(key, var)| lookup(var).filter(|v| !v.is_empty()).map(|v| (*key, v)))
            .collect()
    }

    /// The envelope's `diagnostics` object, keys sorted as the Python
    /// library writes them.
    pub(crate) fn diagnostics_json(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(192);
        out.push(b'{');
        json::write_key(&mut out, "env");
        json::write_str(&mut out, &self.env);
        out.push(b',');
        json::write_key(&mut out, "host");
        json::write_str(&mut out, &self.host);
        if !self.kubernetes.is_empty() {
            out.extend_from_slice(br#","kubernetes":{"#);
            for (i, (k, v)) in self.kubernetes.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                json::write_key(&mut out, k);
                json::write_str(&mut out, v);
            }
            out.push(b'}');
        }
        out.extend_from_slice(br#","origin":"native","pid":"#);
        json::write_u64(&mut out, self.pid as u64);
        out.push(b',');
        json::write_key(&mut out, "rust");
        json::write_str(&mut out, env!("FAPILOG_RUSTC_VERSION"));
        out.push(b',');
        json::write_key(&mut out, "service");
        json::write_str(&mut out, &self.service);
        if let Some(version) = &self.version {
            out.push(b',');
            json::write_key(&mut out, "version");
            json::write_str(&mut out, version);
        }
        out.push(b'}');
        out
    }

    /// The flat format's process fields: `,"service":…,"env":…,…`.
    pub(crate) fn flat_json(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(160);
        for (key, value) in [("service", &self.service), ("env", &self.env)] {
            out.push(b',');
            json::write_key(&mut out, key);
            json::write_str(&mut out, value);
        }
        if let Some(version) = &self.version {
            out.push(b',');
            json::write_key(&mut out, "version");
            json::write_str(&mut out, version);
        }
        out.push(b',');
        json::write_key(&mut out, "host");
        json::write_str(&mut out, &self.host);
        out.extend_from_slice(br#","pid":"#);
        json::write_u64(&mut out, self.pid as u64);
        for (k, v) in &self.kubernetes {
            out.extend_from_slice(b",\"kubernetes.");
            json::write_str_contents(&mut out, k);
            out.extend_from_slice(b"\":");
            json::write_str(&mut out, v);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubernetes_fields_come_from_the_documented_variables_sorted() {
        let env = |v: &str| match v {
            "POD_NAME" => Some("api-7d9".to_string()),
            "POD_NAMESPACE" => Some("prod".to_string()),
            "NODE_NAME" => Some(String::new()),
            _ => None,
        };
        let k = ProcessInfo::kubernetes_from(env);
        assert_eq!(
            k,
            vec![
                ("namespace", "prod".to_string()),
                ("pod", "api-7d9".to_string())
            ]
        );
        let info = ProcessInfo {
            service: "api".into(),
            env: "production".into(),
            version: Some("1.2.3".into()),
            host: "web-01".into(),
            pid: 7,
            kubernetes: k,
        };
        let d = String::from_utf8(info.diagnostics_json()).unwrap();
        assert!(
            d.starts_with(r#"{"env":"production","host":"web-01","kubernetes":{"namespace":"prod","pod":"api-7d9"},"origin":"native","pid":7,"rust":""#),
            "{d}"
        );
        assert!(d.ends_with(r#","service":"api","version":"1.2.3"}"#), "{d}");
        let f = String::from_utf8(info.flat_json()).unwrap();
        assert_eq!(
            f,
            r#","service":"api","env":"production","version":"1.2.3","host":"web-01","pid":7,"kubernetes.namespace":"prod","kubernetes.pod":"api-7d9""#
        );
    }
}
