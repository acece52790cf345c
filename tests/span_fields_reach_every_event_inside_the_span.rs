//! The `tracing` bridge writes the fields of the spans an event is in
//! (feature `tracing`), as tracing-subscriber's `fmt` layer shows them:
//! `request{request_id=abc user_id=42}:db_query{table="users"}` in the
//! field `spans`. Fields recorded later with `span.record` appear in the
//! events after it, fields never filled are left out, values are quoted
//! where they are not one plain word, a span's field text is capped at
//! 1 KiB, and a secret-named span field is masked by the production
//! presets' redaction.
#![cfg(feature = "tracing")]

mod common;

use std::sync::Once;
use std::time::Duration;

use common::{parse, serial, Collect};
use fapilog::sink::Format;
use fapilog::Preset;
use simd_json::prelude::*;
use tracing::field;

/// fapilog as the global `tracing` subscriber, once per process.
fn bridge() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| fapilog::integrations::tracing::init().expect("tracing bridge"));
}

fn install(sink: &Collect) -> fapilog::Guard {
    bridge();
    common::builder()
        .sink(sink.clone())
        .backpressure(Duration::ZERO, false)
        .install()
        .unwrap()
}

/// The `spans` field of each line, by message.
fn spans(sink: &Collect) -> Vec<(String, Option<String>)> {
    sink.records()
        .iter()
        .map(|l| {
            (
                l["message"].as_str().unwrap().to_string(),
                l.get("spans").map(|s| s.as_str().unwrap().to_string()),
            )
        })
        .collect()
}

fn pair(message: &str, spans: Option<&str>) -> (String, Option<String>) {
    (message.to_string(), spans.map(str::to_string))
}

#[test]
fn span_fields_appear_in_every_event_inside_the_span_outermost_first() {
    let _serial = serial();
    let sink = Collect::new(Format::Flat);
    let guard = install(&sink);
    let id = "abc";
    let request = tracing::info_span!("request", request_id = %id, user_id = 42);
    let entered = request.enter();
    tracing::info!("in request");
    {
        let db = tracing::info_span!("db_query", table = "users");
        let _db = db.enter();
        let bare = tracing::info_span!("retry");
        let _bare = bare.enter();
        tracing::warn!(attempt = 2, "in three spans");
    }
    tracing::info!("in request again");
    drop(entered);
    tracing::info!("in no span");
    drop(guard);

    assert_eq!(
        spans(&sink),
        [
            pair("in request", Some("request{request_id=abc user_id=42}")),
            pair(
                "in three spans",
                Some(r#"request{request_id=abc user_id=42}:db_query{table="users"}:retry"#)
            ),
            pair(
                "in request again",
                Some("request{request_id=abc user_id=42}")
            ),
            pair("in no span", None),
        ]
    );
    let in_three = &sink.records()[1];
    assert_eq!(
        in_three["attempt"].as_i64(),
        Some(2),
        "the event's own fields"
    );
}

#[test]
fn fields_recorded_later_appear_in_later_events_and_empty_ones_never() {
    let _serial = serial();
    let sink = Collect::new(Format::Flat);
    let guard = install(&sink);
    let span = tracing::info_span!(
        "request",
        id = 1,
        status = field::Empty,
        user = field::Empty,
        never = field::Empty,
    );
    let only_empty = tracing::info_span!("idle", later = field::Empty);
    {
        let _entered = span.enter();
        tracing::info!("before");
        span.record("status", 200);
        tracing::info!("after status");
        span.record("user", "ada");
        span.record("status", 500);
        tracing::info!("after user and a new status");
    }
    {
        let _entered = only_empty.enter();
        tracing::info!("only empty fields");
        only_empty.record("later", true);
        tracing::info!("filled");
    }
    drop(guard);

    assert_eq!(
        spans(&sink),
        [
            pair("before", Some("request{id=1}")),
            pair("after status", Some("request{id=1 status=200}")),
            pair(
                "after user and a new status",
                Some(r#"request{id=1 status=500 user="ada"}"#)
            ),
            pair("only empty fields", Some("idle")),
            pair("filled", Some("idle{later=true}")),
        ]
    );
}

#[derive(Debug)]
#[allow(dead_code)]
struct Peer {
    host: &'static str,
    port: u16,
}

#[test]
fn values_are_quoted_where_they_are_not_one_plain_word() {
    let _serial = serial();
    let sink = Collect::new(Format::Envelope);
    let guard = install(&sink);
    let span = tracing::info_span!(
        "q",
        word = %"GET",
        addr = %"10.0.0.7:5432",
        note = %"a b} c=d",
        empty = %"",
        s = "say \"hi\"\n",
        dbg = ?"text",
        list = ?vec![1, 2],
        peer = ?Peer { host: "db", port: 5432 },
        r#type = "t",
        flag = true,
        ratio = 0.5,
        n = -3i64,
    );
    span.in_scope(|| tracing::info!("quoting"));
    drop(guard);

    let got = sink.records();
    assert_eq!(
        got[0]["log"]["data"]["spans"].as_str(),
        Some(concat!(
            r#"q{word=GET addr=10.0.0.7:5432 note="a b} c=d" empty="" s="say \"hi\"\n""#,
            r#" dbg="text" list="[1, 2]" peer="Peer { host: \"db\", port: 5432 }""#,
            r#" type="t" flag=true ratio=0.5 n=-3}"#
        ))
    );
}

#[test]
fn a_huge_span_field_is_capped_and_the_record_arrives_whole() {
    let _serial = serial();
    let sink = Collect::new(Format::Flat);
    bridge();
    // 64 slots of 64 bytes: a record of up to half the ring (2 KiB) takes
    // several slots and arrives whole.
    let guard = common::builder()
        .sink(sink.clone())
        .capacity(64)
        .slot_size(64)
        .backpressure(Duration::ZERO, false)
        .install()
        .unwrap();
    let huge = "é".repeat(50_000);
    let word = "x".repeat(50_000);
    let quoted = tracing::info_span!("big", huge = huge.as_str(), after = 1);
    let plain = tracing::info_span!("word", w = %word);
    quoted.in_scope(|| tracing::info!(n = 1, "quoted"));
    plain.in_scope(|| tracing::info!(n = 2, "plain"));
    drop(guard);

    let got = sink.records();
    assert_eq!(got.len(), 2, "{:?}", sink.lines());
    assert_eq!(
        fapilog::stats().truncated,
        0,
        "no value was cut by the ring"
    );
    let quoted = got[0]["spans"].as_str().unwrap();
    let inner = quoted
        .strip_prefix("big{huge=\"")
        .and_then(|s| s.strip_suffix("\"…}"))
        .unwrap_or_else(|| panic!("cut inside its quotes, marked: {quoted}"));
    assert!(inner.chars().all(|c| c == 'é'), "cut at a char boundary");
    let text = quoted.len() - "big{}".len();
    assert!(
        (1024 - 2..=1024 + "…".len()).contains(&text),
        "1 KiB of field text and the mark, the field after it left out: {text}"
    );
    assert_eq!(got[0]["n"].as_u64(), Some(1));
    let plain = got[1]["spans"].as_str().unwrap();
    let rest = plain
        .strip_prefix("word{w=")
        .and_then(|s| s.strip_suffix("…}"))
        .unwrap_or_else(|| panic!("{plain}"));
    assert_eq!(rest, "x".repeat(1024 - "w=".len()));
    assert_eq!(got[1]["n"].as_u64(), Some(2));
}

#[derive(Debug)]
#[allow(dead_code)]
struct Creds {
    user: &'static str,
    password: &'static str,
}

const SECRETS: [&str; 7] = [
    "hunter2-span",
    "k_span_123",
    "tok-span-9",
    "sess-later-7",
    "correct horse battery",
    "staple; pony",
    "dbg-pw-span",
];

#[test]
fn a_secret_span_field_never_reaches_a_sink_with_the_production_preset() {
    let _serial = serial();
    bridge();
    let sinks = [
        Collect::new(Format::Envelope),
        Collect::new(Format::Flat),
        Collect::new(Format::Pretty { color: false }),
    ];
    let mut builder = common::builder()
        .preset(Preset::Production)
        .no_fallback()
        .backpressure(Duration::ZERO, false);
    for sink in &sinks {
        builder = builder.sink(sink.clone());
    }
    let guard = builder.install().unwrap();
    let request = tracing::info_span!(
        "request",
        password = %"hunter2-span",
        api_key = "k_span_123",
        token = ?"tok-span-9",
        user_id = 42,
        session_id = field::Empty,
    );
    {
        let _request = request.enter();
        tracing::info!("before the session");
        request.record("session_id", "sess-later-7");
        let login = tracing::info_span!(
            "login",
            passphrase = %"correct horse battery",
            client_secret = %"staple; pony",
            creds = ?Creds { user: "bob", password: "dbg-pw-span" },
        );
        let _login = login.enter();
        tracing::info!("in both");
    }
    drop(guard);

    for sink in &sinks {
        let lines = sink.lines();
        assert_eq!(lines.len(), 2, "{:?}", sink.format);
        for line in &lines {
            for secret in SECRETS {
                assert!(!line.contains(secret), "{secret} leaked: {line}");
            }
            assert!(line.contains("user_id=42"), "kept: {line}");
        }
        assert!(lines[1].contains("creds="), "{}", lines[1]);
        assert!(lines[1].contains("bob"), "kept: {}", lines[1]);
    }
    let flat = parse(&sinks[1].lines()[1]);
    assert_eq!(
        flat["spans"].as_str(),
        Some(concat!(
            r#"request{password=*** api_key="***" token="***" user_id=42 session_id="***"}"#,
            r#":login{passphrase="***" client_secret="***" creds="Creds { user: \"bob\", password: \"***\" }"}"#
        ))
    );
}
