//! One atomic counter per kind of redaction.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

/// What a redaction was: a field masked by name, a secret found in a value,
/// a field blocked, a value truncated, a custom redactor's work or failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RedactionKind {
    /// A field masked because its name is in the exact-name list.
    FieldMask,
    /// A field masked because its name matches a secret-name pattern.
    NamePattern,
    /// The userinfo of a `scheme://user:pass@host` URL.
    UrlCredentials,
    /// The credential after `Bearer` or `Basic`.
    Bearer,
    /// An AWS access key id (`AKIA…`/`ASIA…`).
    AwsKey,
    /// A JSON Web Token.
    Jwt,
    /// A PEM private-key block.
    Pem,
    /// A card number that passes the Luhn check.
    Card,
    /// An e-mail address.
    Email,
    /// A phone number.
    Phone,
    /// An occurrence of a configured literal pattern.
    Pattern,
    /// A value a custom redactor changed.
    Custom,
    /// A field replaced by the blocked marker.
    Blocked,
    /// A string value cut to the maximum length.
    Truncated,
    /// A custom redactor panicked (counted in every fail mode).
    CustomFailure,
    /// The value of a `key=value` / `key: value` pair in text whose key names
    /// a secret.
    KeyValue,
}

impl RedactionKind {
    /// Every kind, in counter order.
    pub const ALL: [RedactionKind; 16] = [
        RedactionKind::FieldMask,
        RedactionKind::NamePattern,
        RedactionKind::UrlCredentials,
        RedactionKind::Bearer,
        RedactionKind::AwsKey,
        RedactionKind::Jwt,
        RedactionKind::Pem,
        RedactionKind::Card,
        RedactionKind::Email,
        RedactionKind::Phone,
        RedactionKind::Pattern,
        RedactionKind::Custom,
        RedactionKind::Blocked,
        RedactionKind::Truncated,
        RedactionKind::CustomFailure,
        RedactionKind::KeyValue,
    ];

    /// The snake_case name used in stats and metrics (`"url_credentials"`).
    pub fn name(self) -> &'static str {
        match self {
            RedactionKind::FieldMask => "field_mask",
            RedactionKind::NamePattern => "name_pattern",
            RedactionKind::KeyValue => "key_value",
            RedactionKind::UrlCredentials => "url_credentials",
            RedactionKind::Bearer => "bearer",
            RedactionKind::AwsKey => "aws_key",
            RedactionKind::Jwt => "jwt",
            RedactionKind::Pem => "pem",
            RedactionKind::Card => "card",
            RedactionKind::Email => "email",
            RedactionKind::Phone => "phone",
            RedactionKind::Pattern => "pattern",
            RedactionKind::Custom => "custom",
            RedactionKind::Blocked => "blocked",
            RedactionKind::Truncated => "truncated",
            RedactionKind::CustomFailure => "custom_failure",
        }
    }
}

impl fmt::Display for RedactionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How many redactions of each kind a [`Redactor`](super::Redactor) made.
///
/// Relaxed atomics: each counter is exact, a read of several is not a
/// consistent snapshot. Only the worker thread writes them.
#[derive(Default)]
pub struct RedactionCounters {
    counts: [AtomicU64; RedactionKind::ALL.len()],
}

impl RedactionCounters {
    /// The count for one kind.
    pub fn get(&self, kind: RedactionKind) -> u64 {
        self.counts[kind as usize].load(Ordering::Relaxed)
    }

    /// Every count, in [`RedactionKind::ALL`] order.
    pub fn snapshot(&self) -> [(RedactionKind, u64); RedactionKind::ALL.len()] {
        RedactionKind::ALL.map(|kind| (kind, self.get(kind)))
    }

    /// The sum over every kind (custom failures included).
    pub fn total(&self) -> u64 {
        self.snapshot().iter().map(|&(_, n)| n).sum()
    }

    pub(crate) fn add(&self, kind: RedactionKind, n: u64) {
        self.counts[kind as usize].fetch_add(n, Ordering::Relaxed);
    }
}

impl fmt::Debug for RedactionCounters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (kind, n) in self.snapshot() {
            map.entry(&kind.name(), &n);
        }
        map.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_index_their_own_counter() {
        let c = RedactionCounters::default();
        for (i, kind) in RedactionKind::ALL.into_iter().enumerate() {
            assert_eq!(kind as usize, i);
            c.add(kind, i as u64 + 1);
        }
        for (i, (kind, n)) in c.snapshot().into_iter().enumerate() {
            assert_eq!(n, i as u64 + 1, "{kind}");
        }
        assert_eq!(
            c.total(),
            (1..=RedactionKind::ALL.len() as u64).sum::<u64>()
        );
        assert!(format!("{c:?}").contains("\"custom_failure\": 15"));
    }
}
