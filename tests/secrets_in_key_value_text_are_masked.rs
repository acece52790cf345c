//! End to end through the logger with the recommended redaction: secrets
//! written as `key: value` in text reach no sink, whatever shape the value
//! has (Debug of an `Option` or a wrapper, JSON arrays, header lines, a tab
//! after the separator), every masked value is counted, and a value that
//! repeats a secret key all over a large record costs one pass.

mod common;

use common::{parse, serial, Collect};
use fapilog::redact::RedactionConfig;
use fapilog::sink::Format;
use simd_json::prelude::*;
use std::time::Duration;

/// A user type as `#[derive(Debug)]` prints it, with an `Option` password.
#[derive(Debug)]
#[allow(dead_code)]
struct Creds {
    user: &'static str,
    password: Option<String>,
    tokens: Vec<&'static str>,
    retries: u32,
}

fn creds() -> Creds {
    Creds {
        user: "bob",
        password: Some("hunter2-opt".into()),
        tokens: vec!["tk-vec-1", "tk-vec-2"],
        retries: 3,
    }
}

fn install(sinks: &[Collect]) -> fapilog::Guard {
    let mut b = common::builder()
        .redaction(RedactionConfig::recommended())
        .backpressure(Duration::ZERO, false);
    for s in sinks {
        b = b.sink(s.clone());
    }
    b.install().unwrap()
}

const SECRETS: [&str; 9] = [
    "hunter2-opt",
    "tk-vec-1",
    "tk-vec-2",
    "JSESSIONID",
    "ABC123DEF456",
    "tab-pw-5",
    "hunter2abc",
    "k_live_abc",
    "6629fae4",
];

#[test]
fn secrets_in_debug_wrappers_and_headers_reach_no_sink() {
    let _serial = serial();
    let sinks = [
        Collect::new(Format::Envelope),
        Collect::new(Format::Flat),
        Collect::new(Format::Pretty { color: false }),
    ];
    let guard = install(&sinks);
    // One masked value per line, except where noted.
    fapilog::info!(creds = ?creds(), "login"); // password, tokens
    fapilog::info!("login {:#?}", creds()); // the same, pretty
    fapilog::info!(
        headers = "Cookie: theme=dark; JSESSIONID=ABC123DEF456",
        "req"
    );
    fapilog::info!("upstream said Set-Cookie: JSESSIONID=ABC123DEF456; Path=/");
    fapilog::info!("retry with Authorization: Token hunter2abc");
    fapilog::info!(
        h = r#"Authorization: Digest username="bob", response="6629fae49393a05397450978507c4ef1""#,
        "digest"
    );
    fapilog::info!("x-api-key: k_live_abc def\nnext: line");
    fapilog::info!(cfg = "password:\ttab-pw-5", "config");
    drop(guard);
    for sink in &sinks {
        let lines = sink.lines();
        assert_eq!(lines.len(), 8, "{:?}", sink.format);
        for line in &lines {
            for secret in SECRETS {
                assert!(!line.contains(secret), "{secret} leaked: {line}");
            }
        }
        // What stays readable.
        assert!(lines[0].contains("bob"), "{}", lines[0]);
        assert!(lines[0].contains("retries: 3"), "{}", lines[0]);
        assert!(
            lines[4].contains("Authorization: Token ***"),
            "{}",
            lines[4]
        );
        assert!(lines[6].contains(r"next: line"), "{}", lines[6]);
    }
    // Redacted once per record, whatever the sinks: 2 + 2 + 1 + 1 + 1 + 1 +
    // 1 + 1 values, each counted.
    assert_eq!(fapilog::stats().redacted, 10);
}

#[test]
fn a_record_full_of_secret_keys_costs_one_pass() {
    let _serial = serial();
    let sink = Collect::new(Format::Flat);
    let guard = install(std::slice::from_ref(&sink));
    // 240 KB, under the default 256 KB record limit. Every `=` follows a
    // secret key: each used to scan the rest of the value, ~8 s of worker
    // time (flush() gave up after its 5 s).
    let query = "token=".repeat(40_000);
    fapilog::info!(query = query.as_str(), "request");
    let shapes = [
        ("password: Some(", "password: ***"),
        ("Cookie: ", "Cookie: *** "),
        ("tokens: [\"a\", ", "tokens: ***"),
    ];
    for (shape, _) in shapes {
        fapilog::info!(v = shape.repeat(240_000 / shape.len()).as_str(), "request");
    }
    drop(guard);
    let lines = sink.lines();
    assert_eq!(lines.len(), 4);
    // (A line that is not as expected is too long to print whole.)
    let head = |line: &str| line.chars().take(300).collect::<String>();
    let v = parse(&lines[0]);
    assert!(
        v["query"].as_str() == Some("token=***"),
        "{}",
        head(&lines[0])
    );
    for (line, (_, masked)) in lines[1..].iter().zip(shapes) {
        assert!(parse(line)["v"].as_str() == Some(masked), "{}", head(line));
    }
    assert_eq!(fapilog::stats().redacted, 4);
}
