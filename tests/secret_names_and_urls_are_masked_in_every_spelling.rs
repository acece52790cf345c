//! Review findings on the redaction rules, each checked with its count:
//!
//! - URL credentials leaked for compound schemes matched on their driver
//!   part (`postgresql+psycopg2://`), for schemes missing from a list
//!   (`socks5://`, `wss://`), and for passwords with a raw `/` or `#`;
//! - exact secret names matched only with their own separators
//!   (`session_id` masked, `session-id`, `sessionId`, `Set-Cookie`, `x_pwd`,
//!   `db_password2=` in text kept);
//! - an OpenPGP private key block (`PGP PRIVATE KEY BLOCK`) was kept.
//!
//! Every test here but `an_at_sign_after_a_host_and_port_is_not_userinfo`
//! (a guard against masking too much) fails on the code before the fix.

mod common;

use bumpalo::Bump;
use common::{parse, serial, Collect};
use fapilog::redact::{FieldAction, RedactionConfig, RedactionKind, Redactor};
use fapilog::sink::Format;
use simd_json::prelude::*;
use std::time::Duration;

fn recommended() -> Redactor {
    Redactor::new(RedactionConfig::recommended())
}

fn redact(r: &Redactor, s: &str) -> String {
    r.redact_text(None, s, &Bump::new())
        .expect("no custom redactor")
        .to_string()
}

/// Each text comes out as wanted, and each counts one redaction of `kind`
/// and no other.
fn assert_masked_once_each(r: &Redactor, kind: RedactionKind, cases: &[(&str, &str)]) {
    for (text, want) in cases {
        assert_eq!(redact(r, text), *want, "{text}");
    }
    assert_eq!(r.counters().get(kind), cases.len() as u64);
    assert_eq!(r.counters().total(), cases.len() as u64);
}

#[test]
fn url_passwords_are_masked_whatever_the_scheme() {
    let r = recommended();
    let cases = [
        (
            "postgresql+psycopg2://app:hunter2@db/app",
            "postgresql+psycopg2://***@db/app",
        ),
        (
            "engine = mysql+pymysql://app:hunter2@db:3306/app?charset=utf8",
            "engine = mysql+pymysql://***@db:3306/app?charset=utf8",
        ),
        (
            "proxy socks5://app:hunter2@proxy:1080 up",
            "proxy socks5://***@proxy:1080 up",
        ),
        (
            "socks5h://app:hunter2@proxy:1080",
            "socks5h://***@proxy:1080",
        ),
        ("wss://app:hunter2@host/x", "wss://***@host/x"),
        (
            "\"url\":\"clickhouse+native://u:hunter2@ch:9000/db\"",
            "\"url\":\"clickhouse+native://***@ch:9000/db\"",
        ),
        ("x-vendor.v2://u:hunter2@h", "x-vendor.v2://***@h"),
    ];
    assert_masked_once_each(&r, RedactionKind::UrlCredentials, &cases);
}

#[test]
fn url_passwords_with_a_raw_slash_or_hash_are_masked_whole() {
    let r = recommended();
    let cases = [
        ("postgres://app:hu/nter2@db/app", "postgres://***@db/app"),
        ("redis://:hunt#er2@cache", "redis://***@cache"),
        (
            "amqp://guest:a/b?c#d@mq:5672/vhost next",
            "amqp://***@mq:5672/vhost next",
        ),
        // The userinfo runs to the last '@' before the URL ends.
        ("mysql://u:p/a@b@db/x", "mysql://***@db/x"),
    ];
    assert_masked_once_each(&r, RedactionKind::UrlCredentials, &cases);
}

#[test]
fn an_at_sign_after_a_host_and_port_is_not_userinfo() {
    let r = recommended();
    for text in [
        "https://medium.com/@user/post",
        "https://host:8443/path?x=@here",
        "http://[::1]:8080/x?y=@z",
        "ssh://github.com/org/repo.git",
    ] {
        assert_eq!(redact(&r, text), text);
    }
    // An e-mail address in a query is still an e-mail address.
    assert_eq!(
        redact(&r, "https://host:8443/p?mail=eve@example.net"),
        "https://host:8443/p?mail=***"
    );
    assert_eq!(r.counters().get(RedactionKind::Email), 1);
    assert_eq!(r.counters().total(), 1);
}

#[test]
fn exact_names_match_in_every_spelling() {
    let r = recommended();
    let masked = [
        "session_id",
        "session-id",
        "sessionId",
        "SessionID",
        "http.session.id",
        "Set-Cookie",
        "set_cookie",
        "setCookie",
        "cookies",
        "card-number",
        "cardNumber",
        "credit-card",
        "CreditCard",
        "mfa-code",
        "mfaCode",
        "verification-code",
        "cvv-2",
        "phone-number",
        "Email-Address",
        "passphrase",
        "pass_phrase",
        "credentials",
        // Trailing digits.
        "session_id2",
        "card_number_1",
        "user.cookie2",
    ];
    for name in masked {
        assert_eq!(r.field_action(name), FieldAction::Mask, "{name}");
    }
    assert_eq!(
        r.counters().get(RedactionKind::FieldMask),
        masked.len() as u64
    );
    // Word patterns: `pwd` is a secret word, trailing digits split off.
    let by_pattern = ["x_pwd", "dbPwd", "db_password2", "gpg-passphrase"];
    for name in by_pattern {
        assert_eq!(r.field_action(name), FieldAction::Mask, "{name}");
    }
    assert_eq!(
        r.counters().get(RedactionKind::NamePattern),
        by_pattern.len() as u64
    );
    for name in [
        "session",
        "session_count",
        "cookie_consent",
        "card_type",
        "oldpwd",
        "author",
        "id",
    ] {
        assert_eq!(r.field_action(name), FieldAction::Keep, "{name}");
    }
    assert_eq!(
        r.counters().total(),
        (masked.len() + by_pattern.len()) as u64
    );
}

#[test]
fn custom_names_and_blocked_names_match_in_every_spelling() {
    let r = Redactor::new(
        RedactionConfig::new()
            .mask_fields(["tenant_key", "user.pin"])
            .block_fields(["rawBody"]),
    );
    for name in ["tenant-key", "TenantKey", "a.tenant.key", "tenant_key7"] {
        assert_eq!(r.field_action(name), FieldAction::Mask, "{name}");
    }
    for name in ["user-pin", "userPin", "USER.PIN"] {
        assert_eq!(r.field_action(name), FieldAction::Mask, "{name}");
    }
    // A dotted entry matches the whole name only.
    assert_eq!(r.field_action("pin"), FieldAction::Keep);
    assert_eq!(r.field_action("a.user.pin"), FieldAction::Keep);
    for name in ["raw_body", "raw-body", "RAWBODY", "req.raw_body"] {
        assert_eq!(r.field_action(name), FieldAction::Block, "{name}");
    }
    assert_eq!(r.counters().get(RedactionKind::FieldMask), 7);
    assert_eq!(r.counters().get(RedactionKind::Blocked), 4);
    assert_eq!(r.counters().total(), 11);
}

#[test]
fn text_keys_match_in_every_spelling() {
    let r = recommended();
    let cases = [
        ("session-id=hunter2", "session-id=***"),
        ("sessionId: hunter2 next", "sessionId: *** next"),
        ("db_password2=hunter2", "db_password2=***"),
        ("x_pwd=hunter2", "x_pwd=***"),
        // A cookie header is masked to the end of its line.
        ("Set-Cookie: sid=hunter2; Path=/", "Set-Cookie: ***"),
        (r#"{"card-number":"hunter2"}"#, r#"{"card-number":"***"}"#),
        ("mfa-code=hunter2&x=1", "mfa-code=***&x=1"),
        ("gpg_passphrase = hunter2", "gpg_passphrase = ***"),
    ];
    assert_masked_once_each(&r, RedactionKind::KeyValue, &cases);
    for text in [
        "session=abc",
        "sessions: 3",
        "cookie_consent=yes",
        "oldpwd=/tmp",
    ] {
        assert_eq!(redact(&r, text), text);
    }
    assert_eq!(r.counters().total(), cases.len() as u64);
}

#[test]
fn pgp_private_key_blocks_are_masked() {
    let r = recommended();
    let key = "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBGXsecretkeymaterial\n=tQ9x\n-----END PGP PRIVATE KEY BLOCK-----";
    assert_eq!(
        redact(&r, &format!("exported:\n{key}\ndone")),
        "exported:\n***\ndone"
    );
    // Escaped newlines (Debug or JSON text), and an older PGP's label.
    let escaped = key.replace('\n', "\\n").replace("PRIVATE", "SECRET");
    assert_eq!(
        redact(&r, &format!("Key {{ armor: \"{escaped}\" }}")),
        "Key { armor: \"***\" }"
    );
    assert_eq!(r.counters().get(RedactionKind::Pem), 2);
    assert_eq!(r.counters().total(), 2);
    // Public keys and signatures are not secrets.
    let public = "-----BEGIN PGP PUBLIC KEY BLOCK-----\nmQINBF\n-----END PGP PUBLIC KEY BLOCK-----";
    assert_eq!(redact(&r, public), public);
    assert_eq!(r.counters().total(), 2);
}

/// Through the logger: a callsite's field names are decided once (by
/// address) and the decision, made on the normalized name, holds for every
/// record; every masked value is counted in every record.
#[test]
fn every_spelling_is_masked_and_counted_in_every_record() {
    let _serial = serial();
    let sink = Collect::new(Format::Flat);
    let guard = fapilog::builder()
        .sink(sink.clone())
        .redaction(RedactionConfig::recommended())
        .backpressure(Duration::ZERO, false)
        .install()
        .unwrap();
    for n in 0..3u32 {
        fapilog::info!(
            sessionId = "sess-hunter2",
            "Set-Cookie" = "sid=cookie-hunter2",
            x_pwd = "pwd-hunter2",
            "credit-card" = "card-hunter2",
            n,
            "connecting to postgresql+psycopg2://app:url-hunter2@db/app"
        );
    }
    drop(guard);
    let lines = sink.lines();
    assert_eq!(lines.len(), 3);
    for line in &lines {
        assert!(!line.contains("hunter2"), "{line}");
        let v = parse(line);
        for field in ["sessionId", "Set-Cookie", "x_pwd", "credit-card"] {
            assert_eq!(v[field].as_str(), Some("***"), "{field} in {line}");
        }
        assert_eq!(
            v["message"].as_str(),
            Some("connecting to postgresql+psycopg2://***@db/app")
        );
    }
    // Per record: four fields and the URL's credentials.
    assert_eq!(fapilog::stats().redacted, 15);
}
