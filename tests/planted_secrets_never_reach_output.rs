//! Every planted secret in `tests/common/secrets.rs` is gone after the
//! redactor runs the way the worker will (field_action on every field, then
//! redact_text on the message and every kept string value), and every
//! innocent look-alike comes out byte-identical.

mod common;

use bumpalo::Bump;
use common::secrets::{innocent, planted};
use fapilog::redact::{FieldAction, RedactionConfig, Redactor, BLOCKED_MARKER};

/// What the worker will write for one field (`""` = the message).
fn output<'a>(r: &Redactor, field: &str, value: &'a str, arena: &'a Bump) -> &'a str {
    let action = if field.is_empty() {
        FieldAction::Keep
    } else {
        r.field_action(field)
    };
    match action {
        FieldAction::Mask => arena.alloc_str(r.mask_text()),
        FieldAction::Block => BLOCKED_MARKER,
        FieldAction::Keep => {
            let name = (!field.is_empty()).then_some(field);
            r.redact_text(name, value, arena)
                .expect("no custom redactor")
        }
    }
}

#[test]
fn no_planted_secret_survives() {
    let r = Redactor::new(RedactionConfig::recommended());
    let corpus = planted();
    assert!(corpus.len() >= 50, "{} secrets", corpus.len());
    let arena = Bump::new();
    let mut leaks = Vec::new();
    for s in &corpus {
        assert!(s.value.contains(&s.secret), "bad corpus entry {s:?}");
        let out = output(&r, s.field, &s.value, &arena);
        if out.contains(&s.secret) {
            leaks.push(format!("{} = {:?} -> {out:?}", s.field, s.value));
        }
    }
    assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));
    assert!(r.counters().total() >= corpus.len() as u64);
}

#[test]
fn innocent_look_alikes_are_untouched() {
    let r = Redactor::new(RedactionConfig::recommended());
    let arena = Bump::new();
    let mut changed = Vec::new();
    for (field, value) in innocent() {
        let out = output(&r, field, value, &arena);
        if out != value {
            changed.push(format!("{field} = {value:?} -> {out:?}"));
        }
    }
    assert!(
        changed.is_empty(),
        "innocent values changed:\n{}",
        changed.join("\n")
    );
    assert_eq!(r.counters().total(), 0);
}
