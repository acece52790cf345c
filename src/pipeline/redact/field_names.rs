//! [`Redactor::field_action`] for a callsite's fields, decided once.
//!
//! Deciding a name's fate folds its case, hashes it into the name sets and
//! splits it into words: for a record of a few short values that costs
//! more than scanning the values themselves. A callsite's field names are
//! `'static` and never change, so the worker decides them on the
//! callsite's first record and only counts on the later ones. Names that
//! are not the callsite's (bound context fields, enricher fields) are
//! decided each time: their text may live in memory that is freed and
//! reused, so they make no safe key.

use super::{FieldAction, NameVerdict, Redactor};
use crate::pipeline::per_callsite::PerCallsite;
use crate::record::Callsite;

/// The verdicts on each callsite's field names, by callsite.
pub(crate) struct CallsiteFieldActions {
    verdicts: PerCallsite<Box<[NameVerdict]>>,
}

impl CallsiteFieldActions {
    pub(crate) fn new() -> CallsiteFieldActions {
        CallsiteFieldActions {
            verdicts: PerCallsite::new(),
        }
    }

    /// `r.field_action(name)` (counted the same way) for field `i` of a
    /// record from `cs`; decided once per callsite when `name` is the
    /// callsite's own `i`-th name.
    #[inline]
    pub(crate) fn action(
        &mut self,
        r: &Redactor,
        cs: &'static Callsite,
        i: usize,
        name: &str,
    ) -> FieldAction {
        match cs.fields.get(i) {
            Some(own) if std::ptr::eq(*own, name) => {
                let verdicts = self.verdicts.get_or_make(cs, |cs| {
                    cs.fields.iter().map(|n| r.name_verdict(n)).collect()
                });
                r.count(verdicts[i])
            }
            _ => r.field_action(name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::redact::{RedactionConfig, RedactionKind};
    use crate::Level;

    static CS: Callsite = Callsite::new(
        Level::Info,
        "t",
        "t.rs",
        1,
        &["user", "db_password", "card", "path"],
    );

    #[test]
    fn callsite_fields_get_the_redactors_verdict_and_are_counted_every_time() {
        let r = Redactor::new(
            RedactionConfig::new()
                .with_preset(crate::redact::Preset::Credentials)
                .block_fields(["card"]),
        );
        let mut cache = CallsiteFieldActions::new();
        for _ in 0..3 {
            for (i, name) in CS.fields.iter().enumerate() {
                assert_eq!(
                    cache.action(&r, &CS, i, name),
                    r.name_verdict(name).map_or(FieldAction::Keep, |v| v.0)
                );
            }
        }
        let c = r.counters();
        // Three records, each with one secret-named and one blocked field,
        // and name_verdict itself counts nothing.
        assert_eq!(c.get(RedactionKind::NamePattern), 3);
        assert_eq!(c.get(RedactionKind::Blocked), 3);
    }

    #[test]
    fn names_that_are_not_the_callsites_are_decided_by_their_text() {
        let r =
            Redactor::new(RedactionConfig::new().with_preset(crate::redact::Preset::Credentials));
        let mut cache = CallsiteFieldActions::new();
        // At the position of the callsite's `path`, but another name.
        let owned = String::from("api_token");
        assert_eq!(cache.action(&r, &CS, 3, &owned), FieldAction::Mask);
        // A position past the callsite's names (a bound context field).
        assert_eq!(cache.action(&r, &CS, 9, "secret"), FieldAction::Mask);
        assert_eq!(cache.action(&r, &CS, 0, "user"), FieldAction::Keep);
    }
}
