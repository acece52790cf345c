//! Contact information (the CONTACT_INFO preset): e-mail addresses and phone
//! numbers. The rules are conservative: a log is full of numbers, and eating
//! an order id is a bug too.
//!
//! **E-mail** (at each `@`, unless it belongs to a URL's userinfo): a local
//! part of `A–Z a–z 0–9 . _ % + -` (leading dots dropped), `@`, then two or
//! more dot-separated labels of `A–Z a–z 0–9 -`, the last one letters only,
//! 2–24 long, and not an image extension (`icon@2x.png` is a file name). The
//! whole address is masked.
//!
//! **Phone numbers**, exactly these shapes, with no letter or digit on either
//! side:
//! - international: `+` (not after a letter, digit or `+`), then 8–15 digits
//!   in groups joined by single spaces or dashes, not followed by `.` or
//!   `,` and a digit (`+44 20 7946 0958`, `+1-202-555-0143`,
//!   `+4915123456789`; not `+05:30`, `+12.50`);
//! - North American: `(NXX) NXX-XXXX`, `(NXX)NXX-XXXX` (or `.` for the
//!   dash), `NXX-NXX-XXXX`, `NXX.NXX.XXXX`, optionally after `1-` or `1.`
//!   with the same separator; N is 2–9. The dashed and dotted shapes must be
//!   a whole digit span: `2024-555-123-4567` is not a phone.
//!
//! Not matched: bare digit runs (`2025550143`), space-separated national
//! numbers without `+` (`020 7946 0958`), extensions. Space-only groups
//! look like too many other things (amounts, ids, coordinates).

use super::digits::{is_sep, run_end};

fn is_local(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-')
}

/// The e-mail address around the `@` at `at`.
pub(super) fn email_at(t: &[u8], at: usize) -> Option<(usize, usize)> {
    let mut s = at;
    while s > 0 && at - s < 64 && is_local(t[s - 1]) {
        s -= 1;
    }
    if s > 0 && is_local(t[s - 1]) {
        return None; // a local part longer than 64 bytes
    }
    while s < at && t[s] == b'.' {
        s += 1;
    }
    if s == at {
        return None;
    }
    // Domain labels.
    let (mut e, mut labels, mut last) = (at + 1, 0, (at + 1, at + 1));
    loop {
        let l = e;
        while e < t.len() && (t[e].is_ascii_alphanumeric() || t[e] == b'-') {
            e += 1;
        }
        if e == l {
            break;
        }
        labels += 1;
        last = (l, e);
        if e + 1 < t.len() && t[e] == b'.' && t[e + 1].is_ascii_alphanumeric() {
            e += 1;
        } else {
            break;
        }
    }
    let tld = &t[last.0..last.1];
    let ok = labels >= 2
        && (2..=24).contains(&tld.len())
        && tld.iter().all(u8::is_ascii_alphabetic)
        && !IMAGE_EXTENSIONS.iter().any(|x| tld.eq_ignore_ascii_case(x));
    ok.then_some((s, last.1))
}

const IMAGE_EXTENSIONS: &[&[u8]] = &[b"png", b"jpg", b"jpeg", b"gif", b"svg", b"webp", b"avif"];

fn alnum_at(t: &[u8], i: usize) -> bool {
    t.get(i).is_some_and(u8::is_ascii_alphanumeric)
}

/// The international number whose `+` is at `i`.
pub(super) fn phone_plus_at(t: &[u8], i: usize) -> Option<(usize, usize)> {
    if i > 0 && (t[i - 1].is_ascii_alphanumeric() || t[i - 1] == b'+') {
        return None;
    }
    let mut e = i + 1;
    let mut digits = 0;
    loop {
        let ge = run_end(t, e);
        if ge == e {
            return None;
        }
        digits += ge - e;
        e = ge;
        if e + 1 < t.len() && matches!(t[e], b' ' | b'-') && t[e + 1].is_ascii_digit() {
            e += 1;
        } else {
            break;
        }
    }
    let decimal = e + 1 < t.len() && matches!(t[e], b'.' | b',') && t[e + 1].is_ascii_digit();
    ((8..=15).contains(&digits) && !alnum_at(t, e) && !decimal).then_some((i, e))
}

/// `NXX`: three digits, the first 2–9.
fn nxx(t: &[u8], i: usize) -> bool {
    i + 3 <= t.len()
        && matches!(t[i], b'2'..=b'9')
        && t[i + 1].is_ascii_digit()
        && t[i + 2].is_ascii_digit()
}

/// True when `t[i..i + 4]` are digits and nothing number-like follows.
fn line_number_ends(t: &[u8], i: usize) -> bool {
    run_end(t, i) == i + 4
        && !alnum_at(t, i + 4)
        && !(i + 5 < t.len() && is_sep(t[i + 4]) && t[i + 5].is_ascii_digit())
}

/// The `(NXX) NXX-XXXX` number whose `(` is at `i`.
pub(super) fn phone_paren_at(t: &[u8], i: usize) -> Option<(usize, usize)> {
    if (i > 0 && t[i - 1].is_ascii_alphanumeric()) || !nxx(t, i + 1) || t.get(i + 4) != Some(&b')')
    {
        return None;
    }
    let mut j = i + 5;
    if t.get(j) == Some(&b' ') {
        j += 1;
    }
    let ok = nxx(t, j)
        && run_end(t, j) == j + 3
        && matches!(t.get(j + 3), Some(b'-' | b'.'))
        && line_number_ends(t, j + 4);
    ok.then_some((i, j + 8))
}

/// The `NXX-NXX-XXXX` number that is the whole digit span `t[s..e]`.
pub(super) fn phone_in_span(t: &[u8], s: usize, e: usize) -> Option<(usize, usize)> {
    if (s > 0 && (t[s - 1].is_ascii_alphanumeric() || t[s - 1] == b'+')) || alnum_at(t, e) {
        return None;
    }
    let body = match e - s {
        12 => s,
        14 if t[s] == b'1' && t[s + 1] == t[s + 5] => s + 2,
        _ => return None,
    };
    let sep = t[body + 3];
    let ok = matches!(sep, b'-' | b'.')
        && nxx(t, body)
        && t[body + 7] == sep
        && nxx(t, body + 4)
        && run_end(t, body) == body + 3
        && run_end(t, body + 4) == body + 7
        && run_end(t, body + 8) == e;
    ok.then_some((s, e))
}

#[cfg(test)]
mod tests {
    use super::super::windows::for_each_span;
    use super::*;

    fn emails(s: &str) -> Vec<&str> {
        let t = s.as_bytes();
        memchr::memchr_iter(b'@', t)
            .filter_map(|at| email_at(t, at))
            .map(|(a, b)| &s[a..b])
            .collect()
    }

    fn phones(s: &str) -> Vec<&str> {
        let t = s.as_bytes();
        let mut out: Vec<(usize, usize)> = memchr::memchr2_iter(b'+', b'(', t)
            .filter_map(|i| {
                if t[i] == b'+' {
                    phone_plus_at(t, i)
                } else {
                    phone_paren_at(t, i)
                }
            })
            .collect();
        for_each_span(t, 12, |a, b| out.extend(phone_in_span(t, a, b)));
        out.sort();
        out.into_iter().map(|(a, b)| &s[a..b]).collect()
    }

    #[test]
    fn email_addresses() {
        assert_eq!(
            emails("mail jane.doe+tag@example.co.uk, ok"),
            ["jane.doe+tag@example.co.uk"]
        );
        assert_eq!(emails("<a@b.io>"), ["a@b.io"]);
        assert_eq!(
            emails("to: ..x_y%z@mail-1.example.org."),
            ["x_y%z@mail-1.example.org"]
        );
        assert_eq!(emails("A@B.COM and c@d.ef"), ["A@B.COM", "c@d.ef"]);
    }

    #[test]
    fn not_email_addresses() {
        for s in [
            "user@localhost",
            "@mention",
            "icon@2x.png",
            "a@b.c",
            "x@1.2.3.4",
            "me@",
            "name @ example.com",
            "id@host.123",
            "@@",
        ] {
            assert!(emails(s).is_empty(), "{s}: {:?}", emails(s));
        }
    }

    #[test]
    fn phone_numbers() {
        for (s, phone) in [
            ("call +44 20 7946 0958 now", "+44 20 7946 0958"),
            ("tel:+1-202-555-0143", "+1-202-555-0143"),
            ("+4915123456789", "+4915123456789"),
            ("(202) 555-0143", "(202) 555-0143"),
            ("x (202)555.0143.", "(202)555.0143"),
            ("call 202-555-0143.", "202-555-0143"),
            ("202.555.0143", "202.555.0143"),
            ("1-800-555-0199", "1-800-555-0199"),
        ] {
            assert_eq!(phones(s), [phone], "{s}");
        }
    }

    #[test]
    fn not_phone_numbers() {
        for s in [
            "order 2025550143",
            "2024-05-20T10:30:00+05:30",
            "delta +12.50",
            "+1234567",
            "+12345678.90",
            "2024-555-123-4567",
            "123-456-7890",
            "020 7946 0958",
            "ip 192.168.100.200 port 5432",
            "v1.202.555.0143",
            "f(202) 555-0143",
            "(202) 555-01432",
            "202-555-0143-1",
            "+1234567890123456",
            "x+44 20 7946 0958",
            "a 100 200 3000",
        ] {
            assert!(phones(s).is_empty(), "{s}: {:?}", phones(s));
        }
    }
}
