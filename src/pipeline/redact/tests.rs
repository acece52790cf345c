//! Tests of the assembled [`Redactor`]: field actions, counting, custom
//! redactors and fail modes, truncation, allocation on clean input.

use super::*;

fn recommended() -> Redactor {
    Redactor::new(RedactionConfig::recommended())
}

fn redact(r: &Redactor, s: &str) -> String {
    r.redact_text(None, s, &Bump::new()).unwrap().to_string()
}

#[test]
fn field_actions_and_their_counts() {
    let r = Redactor::new(
        RedactionConfig::new()
            .with_preset(Preset::Credentials)
            .mask_fields(["user.ssn", "pin"])
            .block_fields(["body", "http.payload", "password_history"]),
    );
    assert_eq!(r.field_action("password"), FieldAction::Mask);
    assert_eq!(r.field_action("User.Password"), FieldAction::Mask);
    assert_eq!(r.field_action("USER.ssn"), FieldAction::Mask);
    assert_eq!(r.field_action("ssn"), FieldAction::Keep);
    assert_eq!(r.field_action("card.pin"), FieldAction::Mask);
    assert_eq!(r.field_action("db_password"), FieldAction::Mask); // pattern
    assert_eq!(r.field_action("githubToken"), FieldAction::Mask); // pattern
    assert_eq!(r.field_action("author"), FieldAction::Keep);
    assert_eq!(r.field_action("Body"), FieldAction::Block);
    assert_eq!(r.field_action("req.body"), FieldAction::Block);
    assert_eq!(r.field_action("http.payload"), FieldAction::Block);
    assert_eq!(r.field_action("payload"), FieldAction::Keep);
    assert_eq!(r.field_action("password_history"), FieldAction::Block); // block wins
    let c = r.counters();
    assert_eq!(c.get(RedactionKind::FieldMask), 4);
    assert_eq!(c.get(RedactionKind::NamePattern), 2);
    assert_eq!(c.get(RedactionKind::Blocked), 4);
}

#[test]
fn without_credentials_no_name_patterns() {
    let r = Redactor::new(RedactionConfig::new().with_preset(Preset::PciDss));
    assert_eq!(r.field_action("db_password"), FieldAction::Keep);
    assert_eq!(r.field_action("cvv"), FieldAction::Mask);
    assert_eq!(r.field_action("payment.card_number"), FieldAction::Mask);
    assert_eq!(r.field_action("body"), FieldAction::Keep);
}

#[test]
fn text_is_scanned_and_counted_by_kind() {
    let r = recommended();
    let s = "u=https://a:b@h k=AKIAIOSFODNN7EXAMPLE c=4111111111111111 m=x@y.io p=(202) 555-0143";
    assert_eq!(redact(&r, s), "u=https://***@h k=*** c=*** m=*** p=***");
    for kind in [
        RedactionKind::UrlCredentials,
        RedactionKind::AwsKey,
        RedactionKind::Card,
        RedactionKind::Email,
        RedactionKind::Phone,
    ] {
        assert_eq!(r.counters().get(kind), 1, "{kind}");
    }
    assert_eq!(r.counters().total(), 5);
}

#[test]
fn clean_text_is_borrowed_and_nothing_is_allocated() {
    let r = recommended();
    let arena = Bump::new();
    let s = "GET /api/v1/users/42 -> 200 (3.2 ms) order=1234567812345678 at 2024-05-20T10:30:00Z";
    let out = r.redact_text(Some("message"), s, &arena).unwrap();
    assert!(std::ptr::eq(out, s));
    assert_eq!(arena.allocated_bytes(), 0);
    assert_eq!(r.counters().total(), 0);
}

#[test]
fn mask_text_and_patterns() {
    let r = Redactor::new(
        RedactionConfig::new()
            .mask_text("[REDACTED]")
            .pattern("ACME-INTERNAL")
            .pattern("")
            .pattern("tenant-7f3a"),
    );
    assert_eq!(
        redact(&r, "x ACME-INTERNAL y tenant-7f3a acme-internal"),
        "x [REDACTED] y [REDACTED] acme-internal"
    );
    assert_eq!(r.counters().get(RedactionKind::Pattern), 2);
    assert_eq!(r.mask_text(), "[REDACTED]");
}

#[test]
fn truncation_cuts_at_a_char_boundary_after_redaction() {
    let r = Redactor::new(
        RedactionConfig::new()
            .with_preset(Preset::Credentials)
            .max_string_len(10),
    );
    assert_eq!(redact(&r, "short"), "short");
    assert_eq!(redact(&r, "0123456789"), "0123456789");
    assert_eq!(
        redact(&r, "0123456789abc"),
        "0123456789…[truncated 3 bytes]"
    );
    // "é" is 2 bytes: the cut moves back to the boundary at 9.
    assert_eq!(redact(&r, "01234567é"), "01234567é");
    assert_eq!(redact(&r, "012345678é"), "012345678…[truncated 2 bytes]");
    // The secret is masked before the cut, so no half of it survives.
    assert_eq!(
        redact(&r, "AKIAIOSFODNN7EXAMPLE and more"),
        "*** and mo…[truncated 2 bytes]"
    );
    assert_eq!(r.counters().get(RedactionKind::Truncated), 3);
}

struct Upper;
impl CustomRedactor for Upper {
    fn redact(&self, field: &str, text: &str) -> Option<String> {
        (field == "shout").then(|| text.to_uppercase())
    }
}

struct Panics;
impl CustomRedactor for Panics {
    fn redact(&self, _: &str, text: &str) -> Option<String> {
        if text.contains("boom") {
            panic!("custom redactor failed (expected by the test)");
        }
        None
    }
}

fn with_custom(mode: FailMode) -> Redactor {
    Redactor::new(
        RedactionConfig::new()
            .with_preset(Preset::Credentials)
            .custom_redactor(Upper)
            .custom_redactor(Panics)
            .fail_mode(mode),
    )
}

#[test]
fn custom_redactors_run_after_the_scanners() {
    let r = with_custom(FailMode::Warn);
    let arena = Bump::new();
    let out = r.redact_text(Some("shout"), "key AKIAIOSFODNN7EXAMPLE", &arena);
    assert_eq!(out, Ok("KEY ***"));
    assert_eq!(r.redact_text(Some("quiet"), "calm", &arena), Ok("calm"));
    assert_eq!(r.counters().get(RedactionKind::Custom), 1);
}

#[test]
fn fail_modes() {
    let arena = Bump::new();
    let text = "boom with AKIAIOSFODNN7EXAMPLE";

    let open = with_custom(FailMode::Open);
    assert_eq!(open.redact_text(None, text, &arena), Ok("boom with ***"));

    let closed = with_custom(FailMode::Closed);
    assert_eq!(closed.redact_text(None, text, &arena), Err(Dropped));
    assert_eq!(closed.redact_text(None, "fine", &arena), Ok("fine"));

    let warn = with_custom(FailMode::Warn);
    assert_eq!(RedactionConfig::new().fail_mode, FailMode::Warn);
    assert_eq!(warn.redact_text(None, text, &arena), Ok("***"));

    for r in [open, closed, warn] {
        assert_eq!(r.counters().get(RedactionKind::CustomFailure), 1);
    }
}

#[test]
fn redactor_is_shareable_with_the_worker() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Redactor>();
    assert_send_sync::<RedactionConfig>();
    let r = recommended();
    assert!(format!("{r:?}").contains("counters"));
    assert!(format!("{:?}", RedactionConfig::recommended()).contains("credentials: true"));
}
