//! Property tests for the JSON writers: whatever goes in, the line parses as
//! JSON (with simd-json, an independent parser), the values round-trip, and no
//! raw line break can get into the line.

use fapilog::__fuzz::json::{
    write_bytes_lossy, write_bytes_lossy_contents, write_f64, write_i128, write_i64, write_key,
    write_str, write_str_contents, write_u64,
};
use fapilog::__fuzz::timestamp::{write_rfc3339, Precision, TimestampCache};
use proptest::prelude::*;
use simd_json::prelude::*;
use simd_json::OwnedValue;

/// Characters that need escaping (or nearly do), mixed with arbitrary ones.
fn tricky_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => any::<char>(),
        1 => prop::sample::select(vec![
            '"', '\\', '/', '\n', '\r', '\t', '\x08', '\x0c', '\0', '\x1b', '\x1f', '\x7f',
            '\u{80}', '\u{85}', '\u{2027}', '\u{2028}', '\u{2029}', '\u{202a}', '\u{20ac}',
            '\u{fffd}', '\u{feff}', '😀', 'é', 'a', ' ',
        ]),
    ]
}

fn tricky_string() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        prop::collection::vec(tricky_char(), 0..64).prop_map(String::from_iter),
    ]
}

/// Arbitrary bytes, biased towards broken and borderline UTF-8.
fn tricky_bytes() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..8),
        tricky_string().prop_map(String::into_bytes),
        prop::sample::select(vec![
            vec![0xFF],
            vec![0xC3],                   // truncated 2-byte sequence
            vec![0xE2, 0x80],             // truncated U+2028
            vec![0xE2, 0x80, 0xA8],       // U+2028
            vec![0xF0, 0x9F, 0x98],       // truncated emoji
            vec![0xC0, 0x80],             // overlong NUL
            vec![0xE0, 0x80, 0xAF],       // overlong '/'
            vec![0xED, 0xA0, 0x80],       // surrogate in UTF-8
            vec![0xF4, 0x90, 0x80, 0x80], // above U+10FFFF
            vec![0x80],                   // lone continuation byte
        ]),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|pieces| pieces.concat())
}

fn any_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>(),
        any::<u64>().prop_map(f64::from_bits), // every bit pattern, NaNs included
        Just(f64::NAN),
        Just(-f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(0.0),
        Just(-0.0),
        Just(5e-324),
        Just(f64::MAX),
        Just(f64::MIN_POSITIVE),
    ]
}

fn parse(line: &[u8]) -> OwnedValue {
    let mut copy = line.to_vec();
    simd_json::to_owned_value(&mut copy)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(line)))
}

fn assert_line_safe(line: &[u8]) {
    assert!(
        !line.iter().any(|&b| b < 0x20 || b == 0x7F),
        "raw control byte in {}",
        String::from_utf8_lossy(line)
    );
    let text = std::str::from_utf8(line).expect("line is UTF-8");
    assert!(!text.contains(['\u{2028}', '\u{2029}']));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn object_line_round_trips(
        s in tricky_string(),
        b in tricky_bytes(),
        f in any_f64(),
        key in tricky_string(),
        i in any::<i64>(),
        u in any::<u64>(),
    ) {
        let mut line = Vec::new();
        line.push(b'{');
        write_key(&mut line, "s");
        write_str(&mut line, &s);
        line.push(b',');
        write_key(&mut line, "b");
        write_bytes_lossy(&mut line, &b);
        line.push(b',');
        write_key(&mut line, "f");
        write_f64(&mut line, f);
        line.push(b',');
        write_key(&mut line, &format!("k{key}"));
        line.push(b'1');
        line.push(b',');
        write_key(&mut line, "i");
        write_i64(&mut line, i);
        line.push(b',');
        write_key(&mut line, "u");
        write_u64(&mut line, u);
        line.push(b'}');

        assert_line_safe(&line);
        let v = parse(&line);
        prop_assert_eq!(v.get_str("s"), Some(s.as_str()));
        let lossy = String::from_utf8_lossy(&b);
        prop_assert_eq!(v.get_str("b"), Some(&*lossy));
        prop_assert_eq!(v.get_u64(&*format!("k{key}")), Some(1));
        prop_assert_eq!(v.get_i64("i"), Some(i));
        prop_assert_eq!(v.get_u64("u"), Some(u));
        if f.is_finite() {
            let back = v.get_f64("f").expect("finite float is a number");
            prop_assert_eq!(back.to_bits(), f.to_bits(), "{} -> {}", f, back);
        } else {
            let want = if f.is_nan() {
                "NaN"
            } else if f > 0.0 {
                "Infinity"
            } else {
                "-Infinity"
            };
            prop_assert_eq!(v.get_str("f"), Some(want));
        }
    }

    #[test]
    fn pieces_concatenate(a in tricky_string(), b in tricky_bytes(), c in tricky_string()) {
        let mut line = b"[\"".to_vec();
        write_str_contents(&mut line, &a);
        write_bytes_lossy_contents(&mut line, &b);
        write_str_contents(&mut line, &c);
        line.extend_from_slice(b"\"]");
        assert_line_safe(&line);
        let v = parse(&line);
        let want = format!("{a}{}{c}", String::from_utf8_lossy(&b));
        prop_assert_eq!(v.get_idx(0).and_then(|x| x.as_str()), Some(want.as_str()));
    }

    #[test]
    fn i128_is_exact_decimal(v in any::<i128>()) {
        let mut out = Vec::new();
        write_i128(&mut out, v);
        prop_assert_eq!(std::str::from_utf8(&out).unwrap().parse::<i128>().unwrap(), v);
    }

    #[test]
    fn fuzz_check_holds(data in tricky_bytes()) {
        fapilog::__fuzz::json::check_roundtrip(&data);
    }

    #[test]
    fn timestamps_sort_like_instants(a in any::<u64>(), b in any::<u64>()) {
        let mut cache = TimestampCache::new();
        let fmt = |cache: &mut TimestampCache, t| {
            let mut out = Vec::new();
            write_rfc3339(&mut out, t, Precision::Nanos);
            let mut cached = Vec::new();
            cache.write(&mut cached, t, Precision::Nanos);
            assert_eq!(cached, out);
            out
        };
        let (ta, tb) = (fmt(&mut cache, a), fmt(&mut cache, b));
        prop_assert_eq!(ta.cmp(&tb), a.cmp(&b));
    }
}
