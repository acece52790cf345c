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

/// `text` redacted by `r`, and how many bytes the key-value scanner looked
/// at to do it.
fn redact_counting(r: &Redactor, text: &str) -> (String, usize) {
    keyvalue::EXAMINED.with(|c| c.set(0));
    let out = redact(r, text);
    (out, keyvalue::EXAMINED.with(|c| c.get()))
}

/// Each case: input, output, how many values it masks (one count each).
fn check_key_values(cases: &[(&str, &str, u64)]) {
    let mut wrong = Vec::new();
    for &(input, want, masks) in cases {
        let r = recommended();
        let out = redact(&r, input);
        let counted = r.counters().get(RedactionKind::KeyValue);
        if out != want || counted != masks {
            wrong.push(format!(
                "{input:?}\n  gave {out:?} ({counted} counted)\n  want {want:?} ({masks})"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Every byte is looked at by a bounded number of passes (a key: the tail
/// hash, the suffix trie, measuring, the trie again; a value: its type name,
/// its scheme word, the value), never by every separator before it.
#[test]
fn the_key_value_scan_is_linear_in_the_text() {
    // Each was quadratic: every separator whose key is secret scanned the
    // rest of the text (240 KB of `token=` took 7.8 s).
    let shapes = [
        "token=",
        "password = ",
        "password:\t",
        "tokens: [",
        "password: Some(",
        "auth=(",
        "password=\\\"",
        "\"password\":\"",
        "Cookie: ",
        "Authorization: Bearer ",
        "x-api-key: v ",
        "password=a ",
        "{\"token\":[\"a\",",
    ];
    // Miri interprets the vector scans: a tenth of the size there.
    let size = if cfg!(miri) { 24_000 } else { 240_000 };
    for shape in shapes {
        let r = recommended();
        let text = shape.repeat(size / shape.len());
        let (out, examined) = redact_counting(&r, &text);
        assert!(
            examined <= 8 * text.len(),
            "{shape:?}: {examined} bytes looked at for {}",
            text.len()
        );
        let masks = r.counters().get(RedactionKind::KeyValue);
        assert_eq!(out.matches("***").count() as u64, masks, "{shape:?}");
    }
    let r = recommended();
    let text = "token=".repeat(size / 6);
    let (out, examined) = redact_counting(&r, &text);
    assert_eq!(out, "token=***");
    assert!(examined <= 2 * text.len(), "{examined}");
    assert_eq!(r.counters().get(RedactionKind::KeyValue), 1);
}

#[test]
fn secrets_in_debug_and_json_wrappers_are_masked_whole() {
    check_key_values(&[
        // Debug of an `Option<String>`, a tuple struct, a struct.
        (
            r#"Creds { user: "bob", password: Some("hunter2") }"#,
            r#"Creds { user: "bob", password: *** }"#,
            1,
        ),
        (r#"password = Secret("x")"#, "password = ***", 1),
        (
            r#"Config { tokens: ["hunter2", "x"], n: 1 }"#,
            "Config { tokens: ***, n: 1 }",
            1,
        ),
        (
            r#"password: SecretString { inner: "x" }, n: 1"#,
            "password: ***, n: 1",
            1,
        ),
        ("password: SecretBox<str>([REDACTED])", "password: ***", 1),
        // Brackets, quotes and escapes inside.
        (
            r#"password: Some(("a)b", ["c]"], 'd)')) n=1"#,
            "password: *** n=1",
            1,
        ),
        (r#"{"password" : ["hunter2"]}"#, r#"{"password" : ***}"#, 1),
        (
            r#"{"auth": {"user": "u", "token": "t"}, "n": 1}"#,
            r#"{"auth": ***, "n": 1}"#,
            1,
        ),
        // Pretty Debug (`{:#?}`): the value spans lines.
        (
            "Creds {\n    password: Some(\n        \"hunter2\",\n    ),\n    user: \"bob\",\n}",
            "Creds {\n    password: ***,\n    user: \"bob\",\n}",
            1,
        ),
        // Debug of a Debug: escaped quotes, escaped escapes.
        (
            r#"detail: "Creds { password: Some(\"p)w\"), n: 1 }""#,
            r#"detail: "Creds { password: ***, n: 1 }""#,
            1,
        ),
        (
            r#"password: \"a\\\"b\" next"#,
            r#"password: \"***\" next"#,
            1,
        ),
        // No closing bracket: to the end of the text.
        ("tokens: [\"a\", \"b\" (cut)", "tokens: ***", 1),
        // What is glued to a bracket or a closing quote is the same word.
        ("password=Pass(w0rd)!x y", "password=*** y", 1),
        ("password=\"abc\"def ok", "password=\"*** ok", 1),
        ("password=\"\"hunter2", "password=\"***", 1),
        // Nothing inside, or nothing secret: kept, not counted.
        (
            "Creds { password: None, tokens: [], secret: ( ) }",
            "Creds { password: None, tokens: [], secret: ( ) }",
            0,
        ),
        (
            r#"{"password":null,"auth":true,"otp":false}"#,
            r#"{"password":null,"auth":true,"otp":false}"#,
            0,
        ),
        // Numbers can be one-time codes and PINs.
        (
            "Creds { otp: 492817, password: Some(1234) }",
            "Creds { otp: ***, password: *** }",
            2,
        ),
    ]);
}

#[test]
fn credential_headers_are_masked_to_the_end_of_the_line() {
    check_key_values(&[
        (
            "Cookie: theme=dark; JSESSIONID=ABC123DEF456",
            "Cookie: ***",
            1,
        ),
        (
            "Set-Cookie: session=abc123secret; Path=/; HttpOnly\nnext: 1",
            "Set-Cookie: ***\nnext: 1",
            1,
        ),
        (
            "Authorization: Token hunter2abc",
            "Authorization: Token ***",
            1,
        ),
        (
            "proxy-authorization: Basic dXNlcjpw  \r\nHost: x",
            "proxy-authorization: Basic ***  \r\nHost: x",
            1,
        ),
        (
            r#"Authorization: Digest username="bob", response="6629fae49393a05397450978507c4ef1""#,
            "Authorization: Digest ***",
            1,
        ),
        ("Authorization: hunter2 abc", "Authorization: ***", 1),
        ("x-api-key: k_live_abc def", "x-api-key: ***", 1),
        (
            "X-Auth-Token: a b c\nuser: bob",
            "X-Auth-Token: ***\nuser: bob",
            1,
        ),
        // Raw HTTP in Debug output: escaped line breaks end the value.
        (
            r#"req: "GET / HTTP/1.1\r\nCookie: sid=abc; t=1\r\nHost: x""#,
            r#"req: "GET / HTTP/1.1\r\nCookie: ***\r\nHost: x""#,
            1,
        ),
        // Quoted, the string is the value.
        (
            r#"{"cookie": "sid=abc; csrftoken=x", "n": 1}"#,
            r#"{"cookie": "***", "n": 1}"#,
            1,
        ),
        // Other secret keys: the scheme is kept, its credential masked.
        ("token=Token hunter2abc&x=1", "token=Token ***&x=1", 1),
    ]);
    // A Bearer credential is also found by its own scanner: one mask, two
    // counts.
    let r = recommended();
    assert_eq!(
        redact(&r, "Authorization: Bearer abcDEF123456 extra"),
        "Authorization: Bearer ***"
    );
    assert_eq!(r.counters().get(RedactionKind::KeyValue), 1);
    assert_eq!(r.counters().get(RedactionKind::Bearer), 1);
}

#[test]
fn values_after_tabs_are_masked_and_values_never_cross_a_line() {
    check_key_values(&[
        ("password:\thunter2", "password:\t***", 1),
        ("password =\t \thunter2 ok", "password =\t \t*** ok", 1),
        ("password => hunter2", "password => ***", 1),
        ("password := hunter2", "password := ***", 1),
        // `password:` ends its line: no value, and the next line's key is
        // its own.
        ("password:\nuser: bob", "password:\nuser: bob", 0),
        ("password: \r\nuser: bob", "password: \r\nuser: bob", 0),
        ("password:\ntoken: abc", "password:\ntoken: ***", 1),
    ]);
}
