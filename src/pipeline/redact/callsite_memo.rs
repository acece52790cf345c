//! What redaction decides once per callsite instead of once per record.
//!
//! For a record of a few short values, deciding its field names' fate
//! (folding case, hashing into the name sets, splitting into words) cost
//! more than scanning the values, and scanning the message cost as much as
//! a value. A callsite's field names are `'static` and never change, and a
//! message without format arguments is the callsite's `'static` literal: so
//! the worker decides the names on the callsite's first record, and scans a
//! literal message until it has found it clean once. Later records only
//! count what the names decided.
//!
//! Only `'static` text is remembered, and always checked by address: names
//! that are not the callsite's own (bound context fields, enricher fields)
//! and formatted messages live in memory that is freed and reused, so they
//! are decided every time. A literal message that holds a secret is scanned
//! every time, so every find is counted; and with custom redactors, which
//! may not answer the same way twice, no message is remembered.

use bumpalo::Bump;

use super::{Dropped, FieldAction, NameVerdict, Redactor};
use crate::pipeline::per_callsite::PerCallsite;
use crate::record::Callsite;

/// Per callsite: the verdicts on its field names, and its literal message
/// once found clean.
pub(crate) struct CallsiteMemo {
    callsites: PerCallsite<Decided>,
}

struct Decided {
    /// `Redactor::name_verdict` of each of the callsite's field names.
    names: Box<[NameVerdict]>,
    /// Address and length of a `'static` message found clean.
    clean_message: Option<(usize, usize)>,
}

impl CallsiteMemo {
    pub(crate) fn new() -> CallsiteMemo {
        CallsiteMemo {
            callsites: PerCallsite::new(),
        }
    }

    /// What is decided for `cs` (its names, by `r`, on its first record).
    #[inline]
    pub(crate) fn of(&mut self, r: &Redactor, cs: &'static Callsite) -> ForCallsite<'_> {
        let decided = self.callsites.get_or_make(cs, |cs| Decided {
            names: cs.fields.iter().map(|n| r.name_verdict(n)).collect(),
            clean_message: None,
        });
        ForCallsite { cs, decided }
    }
}

/// [`CallsiteMemo::of`] one callsite, for one of its records.
pub(crate) struct ForCallsite<'m> {
    cs: &'static Callsite,
    decided: &'m mut Decided,
}

impl ForCallsite<'_> {
    /// `r.field_action(name)` (counted the same way) for the record's field
    /// `i`: the decision made once when `name` is the callsite's own `i`-th
    /// name.
    #[inline]
    pub(crate) fn field_action(&self, r: &Redactor, i: usize, name: &str) -> FieldAction {
        match self.cs.fields.get(i) {
            Some(own) if std::ptr::eq(*own, name) => r.count(self.decided.names[i]),
            _ => r.field_action(name),
        }
    }

    /// `r.redact_text(None, message, arena)` for the record's message;
    /// `is_static` says it is `'static` text (the call's literal), which is
    /// not scanned again once found clean.
    #[inline]
    pub(crate) fn message<'a>(
        &mut self,
        r: &Redactor,
        message: &'a str,
        is_static: bool,
        arena: &'a Bump,
    ) -> Result<&'a str, Dropped> {
        if !is_static || r.has_custom() {
            return r.redact_text(None, message, arena);
        }
        let key = (message.as_ptr() as usize, message.len());
        if self.decided.clean_message == Some(key) {
            return Ok(message);
        }
        let out = r.redact_text(None, message, arena)?;
        // Unchanged text comes back as itself (`redact_text`'s contract).
        if std::ptr::eq(out, message) {
            self.decided.clean_message = Some(key);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::redact::{CustomRedactor, RedactionConfig, RedactionKind};
    use crate::redact::Preset;
    use crate::Level;

    static CS: Callsite = Callsite::new(
        Level::Info,
        "t",
        "t.rs",
        1,
        &["user", "db_password", "card", "path"],
    );

    fn credentials() -> RedactionConfig {
        RedactionConfig::new().with_preset(Preset::Credentials)
    }

    fn keep_or(verdict: NameVerdict) -> FieldAction {
        verdict.map_or(FieldAction::Keep, |(action, _)| action)
    }

    #[test]
    fn callsite_fields_get_the_redactors_verdict_and_are_counted_every_time() {
        let r = Redactor::new(credentials().block_fields(["card"]));
        let mut memo = CallsiteMemo::new();
        for _ in 0..3 {
            for (i, name) in CS.fields.iter().enumerate() {
                let action = memo.of(&r, &CS).field_action(&r, i, name);
                assert_eq!(action, keep_or(r.name_verdict(name)), "{name}");
            }
        }
        // Three records, each with one secret-named and one blocked field;
        // `name_verdict` itself counts nothing.
        let c = r.counters();
        assert_eq!(c.get(RedactionKind::NamePattern), 3);
        assert_eq!(c.get(RedactionKind::Blocked), 3);
    }

    #[test]
    fn names_that_are_not_the_callsites_are_decided_by_their_text() {
        let r = Redactor::new(credentials());
        let mut memo = CallsiteMemo::new();
        // At the position of the callsite's `path`, but another name.
        let owned = String::from("api_token");
        assert_eq!(
            memo.of(&r, &CS).field_action(&r, 3, &owned),
            FieldAction::Mask
        );
        // A position past the callsite's names (a bound context field).
        assert_eq!(
            memo.of(&r, &CS).field_action(&r, 9, "secret"),
            FieldAction::Mask
        );
        assert_eq!(
            memo.of(&r, &CS).field_action(&r, 0, "user"),
            FieldAction::Keep
        );
    }

    #[test]
    fn a_clean_literal_is_remembered_and_a_dirty_one_scanned_and_counted_each_time() {
        let r = Redactor::new(credentials());
        let mut memo = CallsiteMemo::new();
        let arena = Bump::new();
        let clean: &'static str = "request handled";
        let dirty: &'static str = "connecting to postgres://app:hunter2@db/app";
        for _ in 0..3 {
            let out = memo.of(&r, &CS).message(&r, clean, true, &arena).unwrap();
            assert!(std::ptr::eq(out, clean));
            let out = memo.of(&r, &CS).message(&r, dirty, true, &arena).unwrap();
            assert_eq!(out, "connecting to postgres://***@db/app");
        }
        assert_eq!(r.counters().get(RedactionKind::UrlCredentials), 3);
        // The same text at another address (a formatted message) is scanned.
        let formatted = String::from(dirty);
        let out = memo
            .of(&r, &CS)
            .message(&r, &formatted, false, &arena)
            .unwrap();
        assert_eq!(out, "connecting to postgres://***@db/app");
        assert_eq!(r.counters().get(RedactionKind::UrlCredentials), 4);
    }

    #[test]
    fn with_a_custom_redactor_every_message_is_redacted_again() {
        struct Every;
        impl CustomRedactor for Every {
            fn redact(&self, _field: &str, text: &str) -> Option<String> {
                Some(text.to_uppercase())
            }
        }
        let r = Redactor::new(credentials().custom_redactor(Every));
        let mut memo = CallsiteMemo::new();
        let arena = Bump::new();
        for _ in 0..2 {
            let out = memo
                .of(&r, &CS)
                .message(&r, "request handled", true, &arena);
            assert_eq!(out.unwrap(), "REQUEST HANDLED");
        }
        assert_eq!(r.counters().get(RedactionKind::Custom), 2);
    }
}
