//! End to end through the logger: with the production redaction settings,
//! no planted secret (tests/common/secrets.rs: message, fields with secret
//! and innocent names, Debug output, URLs, bytes) reaches any sink in any
//! format,
//! and innocent look-alikes arrive intact.

mod common;

use common::secrets::{innocent, planted};
use common::{parse, serial, Collect};
use fapilog::context::Context;
use fapilog::redact::{FieldAction, RedactionConfig, Redactor};
use fapilog::sink::Format;
use simd_json::prelude::*;
use std::time::Duration;

/// A struct whose Debug output carries the value, as user types do.
#[derive(Debug)]
#[allow(dead_code)]
struct Request<'a> {
    id: u32,
    detail: &'a str,
}

/// The forms a secret could take in a line: raw, and JSON-escaped (a PEM
/// block's newlines, a quote in a URL).
fn forms(secret: &str) -> Vec<String> {
    let escaped: String = secret
        .chars()
        .flat_map(|c| match c {
            '\n' => "\\n".chars().collect::<Vec<_>>(),
            '\r' => "\\r".chars().collect(),
            '\t' => "\\t".chars().collect(),
            '"' => "\\\"".chars().collect(),
            '\\' => "\\\\".chars().collect(),
            c => vec![c],
        })
        .collect();
    vec![secret.to_string(), escaped]
}

/// The line without the values the pipeline makes up itself (message id,
/// timestamp, pid), which could contain a short secret such as a CVV by
/// chance.
fn planted_part(line: &str) -> String {
    let mut out = line.to_string();
    for key in ["\"message_id\":\"", "\"timestamp\":\"", "\"pid\":"] {
        if let Some(at) = out.find(key) {
            let start = at + key.len();
            let end = out[start..]
                .find(['"', ',', '}'])
                .map_or(out.len(), |e| start + e);
            out.replace_range(start..end, "");
        }
    }
    // Pretty lines start with the timestamp.
    if !out.starts_with('{') {
        out = out
            .split_once(' ')
            .map_or(out.clone(), |(_, rest)| rest.to_string());
    }
    out
}

#[test]
fn no_planted_secret_reaches_any_sink() {
    let _serial = serial();
    let sinks = [
        Collect::new(Format::Envelope),
        Collect::new(Format::Flat),
        Collect::new(Format::Pretty { color: false }),
    ];
    let mut b = fapilog::builder()
        .redaction(RedactionConfig::recommended())
        .backpressure(Duration::ZERO, false);
    for s in &sinks {
        b = b.sink(s.clone());
    }
    let guard = b.install().unwrap();
    let corpus = planted();
    assert!(corpus.len() >= 50);
    // Secrets that are secret by their field's name alone (a password
    // under `password`) are planted under that name; the ones the scanners
    // recognise by content are also planted under innocent names, in the
    // message, inside Debug output and as bytes.
    let by_content = |field: &str| {
        field.is_empty()
            || Redactor::new(RedactionConfig::recommended()).field_action(field)
                == FieldAction::Keep
    };
    let mut records = 0;
    for s in &corpus {
        let value = s.value.as_str();
        if s.field.is_empty() {
            fapilog::info!("{}", value);
        } else {
            let _ctx = Context::current().with_field(s.field, &value).enter();
            fapilog::info!("bound");
        }
        records += 1;
        if by_content(s.field) {
            fapilog::warn!(note = value, "planted");
            fapilog::warn!(req = ?Request { id: 1, detail: value }, "debug");
            fapilog::error!("failed: {value}");
            fapilog::info!(blob = value.as_bytes(), "bytes");
            // Bytes that are not UTF-8 are scanned as the text written.
            let mut invalid = value.as_bytes().to_vec();
            invalid.push(0xff);
            fapilog::info!(blob = invalid.as_slice(), "invalid bytes");
            records += 5;
        }
    }
    drop(guard);
    let mut leaks = Vec::new();
    for sink in &sinks {
        let lines: Vec<String> = sink.lines().iter().map(|l| planted_part(l)).collect();
        assert_eq!(lines.len(), records);
        for s in &corpus {
            for form in forms(&s.secret) {
                if let Some(line) = lines.iter().find(|l| l.contains(&form)) {
                    leaks.push(format!(
                        "{:?}: {:?} leaked in {line}",
                        sink.format, s.secret
                    ));
                }
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "{} leaks:\n{}",
        leaks.len(),
        leaks.join("\n")
    );
    assert!(fapilog::stats().redacted >= corpus.len() as u64);
}

#[test]
fn innocent_look_alikes_arrive_intact() {
    let _serial = serial();
    let sink = Collect::new(Format::Flat);
    let guard = fapilog::builder()
        .sink(sink.clone())
        .redaction(RedactionConfig::recommended())
        .install()
        .unwrap();
    let cases = innocent();
    for (field, value) in &cases {
        let _ctx = Context::current().with_field(*field, value).enter();
        fapilog::info!(note = *value, "{}", value);
    }
    drop(guard);
    let lines = sink.lines();
    assert_eq!(lines.len(), cases.len());
    for ((field, value), line) in cases.iter().zip(&lines) {
        let v = parse(line);
        // A field named like one of the flat line's own keys (`host`, …) is
        // written as `field.<name>`.
        let renamed = format!("field.{field}");
        let key = if v.get(renamed.as_str()).is_some() {
            renamed
        } else {
            field.to_string()
        };
        assert_eq!(v[key.as_str()].as_str(), Some(*value), "{field} in {line}");
        assert_eq!(v["note"].as_str(), Some(*value), "{line}");
        assert_eq!(v["message"].as_str(), Some(*value), "{line}");
    }
    assert_eq!(fapilog::stats().redacted, 0);
}

/// The worker decides a callsite's field names once and does not scan again
/// a literal message it found clean: a callsite that repeats a secret must
/// still have it masked, and counted, in every record.
#[test]
fn secrets_a_callsite_repeats_are_masked_and_counted_in_every_record() {
    let _serial = serial();
    let sink = Collect::new(Format::Flat);
    let guard = fapilog::builder()
        .sink(sink.clone())
        .redaction(RedactionConfig::recommended())
        .backpressure(Duration::ZERO, false)
        .install()
        .unwrap();
    for n in 0..5u32 {
        fapilog::info!(
            db_password = "hunter2",
            n,
            "connecting to postgres://app:hunter2@db/app"
        );
        fapilog::info!(n, "request handled");
    }
    drop(guard);
    let lines = sink.lines();
    assert_eq!(lines.len(), 10);
    for pair in lines.chunks(2) {
        let (secret, clean) = (parse(&pair[0]), parse(&pair[1]));
        assert!(!pair[0].contains("hunter2"), "{}", pair[0]);
        assert_eq!(
            secret["message"].as_str(),
            Some("connecting to postgres://***@db/app")
        );
        assert_eq!(secret["db_password"].as_str(), Some("***"));
        assert_eq!(clean["message"].as_str(), Some("request handled"));
    }
    // Per record: the URL's credentials and the secret-named field.
    assert_eq!(fapilog::stats().redacted, 10);
}

#[test]
fn integers_long_enough_to_be_card_numbers_are_scanned() {
    let _serial = serial();
    let sink = Collect::new(Format::Flat);
    let guard = fapilog::builder()
        .redaction(RedactionConfig::recommended())
        .sink(sink.clone())
        .install()
        .unwrap();
    fapilog::info!(
        card = 4111111111111111u64,
        amex = 378282246310005i64,
        wide = 5555555555554444u128,
        total_cents = 1234567890123u64,
        epoch_ms = 1763769600000u64,
        "payment"
    );
    drop(guard);
    let lines = sink.lines();
    let line = &lines[0];
    for pan in ["4111111111111111", "378282246310005", "5555555555554444"] {
        assert!(!line.contains(pan), "{pan} leaked in {line}");
    }
    // Long numbers that are no card (Luhn, or a leading 1) stay numbers.
    assert!(line.contains(r#""total_cents":1234567890123"#), "{line}");
    assert!(line.contains(r#""epoch_ms":1763769600000"#), "{line}");
}
