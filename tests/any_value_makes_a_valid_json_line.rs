//! Property test of the whole pipeline: arbitrary strings, bytes and floats
//! (NaN and ±∞ included) in the message and in every field go through the
//! macros, the ring, the worker and both JSON formats; every line parses with
//! simd-json and gives the values back.

mod common;

use common::{parse, serial, Collect};
use fapilog::sink::Format;
use proptest::prelude::*;
use simd_json::prelude::*;
use std::time::Duration;

fn any_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(-0.0),
        any::<f64>(),
        (-1_000_000i64..1_000_000).prop_map(|k| k as f64 / 1000.0),
    ]
}

fn expected_float(v: f64) -> String {
    if v.is_nan() {
        "\"NaN\"".into()
    } else if v == f64::INFINITY {
        "\"Infinity\"".into()
    } else if v == f64::NEG_INFINITY {
        "\"-Infinity\"".into()
    } else {
        String::new()
    }
}

fn check_float(got: &simd_json::OwnedValue, v: f64) {
    match expected_float(v).as_str() {
        "" => assert_eq!(
            got.as_f64()
                .map(f64::to_bits)
                .or(got.as_i64().map(|i| (i as f64).to_bits())),
            Some(v.to_bits()),
            "{got:?} vs {v:?}"
        ),
        s => assert_eq!(got.as_str(), Some(&s[1..s.len() - 1])),
    }
}

#[test]
fn arbitrary_values_round_trip_through_every_json_format() {
    let _serial = serial();
    let envelope = Collect::new(Format::Envelope);
    let flat = Collect::new(Format::Flat);
    let guard = fapilog::builder()
        .sink(envelope.clone())
        .sink(flat.clone())
        .backpressure(Duration::ZERO, false)
        .install()
        .unwrap();
    let cases = std::cell::RefCell::new(Vec::new());
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(300));
    runner
        .run(
            &(
                any::<String>(),
                any::<Vec<u8>>(),
                any_f64(),
                any::<String>(),
                any::<i64>(),
            ),
            |(s, b, f, m, i)| {
                fapilog::info!(s = s.as_str(), b = &b[..], f, n = i, d = %m, "{}", m);
                cases.borrow_mut().push((s, b, f, m, i));
                Ok(())
            },
        )
        .unwrap();
    drop(guard);
    let cases = cases.into_inner();
    let (env_lines, flat_lines) = (envelope.lines(), flat.lines());
    assert_eq!(env_lines.len(), cases.len());
    assert_eq!(flat_lines.len(), cases.len());
    for ((s, b, f, m, i), (env, flat)) in cases.iter().zip(env_lines.iter().zip(&flat_lines)) {
        for line in [env, flat] {
            assert!(
                !line.contains('\n') && !line.contains('\r'),
                "one line: {line:?}"
            );
        }
        let e = parse(env);
        let data = &e["log"]["data"];
        assert_eq!(data["s"].as_str(), Some(s.as_str()));
        assert_eq!(data["b"].as_str(), Some(&*String::from_utf8_lossy(b)));
        assert_eq!(data["d"].as_str(), Some(m.as_str()));
        assert_eq!(data["n"].as_i64(), Some(*i));
        check_float(&data["f"], *f);
        assert_eq!(e["log"]["message"].as_str(), Some(m.as_str()));
        let fl = parse(flat);
        assert_eq!(fl["s"].as_str(), Some(s.as_str()));
        assert_eq!(fl["message"].as_str(), Some(m.as_str()));
        check_float(&fl["f"], *f);
    }
}
