//! Finding long runs of digits fast: the card and phone scanners look only at
//! *spans* of ASCII digits joined by single separators (` `, `-`, `.`) that
//! are at least `min_len` bytes long.
//!
//! Digits are common in logs (ids, timestamps, addresses), so the scan does
//! not stop at each one. A span never holds two non-digits in a row, so a
//! span of `min_len` bytes or more that starts in `[i, i + min_len - 2]`
//! covers both bytes at `i + min_len - 2` and `i + min_len - 1`, and one of
//! them is a digit. The scan probes those two bytes and, when neither is a
//! digit, jumps `min_len - 1` bytes: on prose it reads about 2 bytes in 12.
//! When a probe hits a digit, the span around it is measured once and the
//! scan resumes after it, so every byte is looked at a bounded number of
//! times.
//!
//! The probe scan runs only where [`super::windows`] found `min_len` digit or
//! separator bytes in a row.

/// True for the bytes that may join two digits inside a span.
pub(super) fn is_sep(b: u8) -> bool {
    matches!(b, b' ' | b'-' | b'.')
}

/// The probe scan (module docs) over spans that start at `from` or later
/// and are probed before `until`. Returns where the next scan may start.
pub(super) fn probe_scan(
    t: &[u8],
    from: usize,
    until: usize,
    min_len: usize,
    f: &mut impl FnMut(usize, usize),
) -> usize {
    let n = t.len();
    let mut i = from;
    while i < until && i + min_len <= n {
        let p = i + min_len - 2;
        let hit = if t[p + 1].is_ascii_digit() {
            p + 1
        } else if t[p].is_ascii_digit() {
            p
        } else {
            i = p + 1;
            continue;
        };
        let mut s = hit;
        loop {
            if s >= 1 && t[s - 1].is_ascii_digit() {
                s -= 1;
            } else if s >= 2 && is_sep(t[s - 1]) && t[s - 2].is_ascii_digit() {
                s -= 2;
            } else {
                break;
            }
        }
        let mut e = hit + 1;
        loop {
            if e < n && t[e].is_ascii_digit() {
                e += 1;
            } else if e + 1 < n && is_sep(t[e]) && t[e + 1].is_ascii_digit() {
                e += 2;
            } else {
                break;
            }
        }
        if e - s >= min_len {
            f(s, e);
        }
        i = e + 1;
    }
    i
}

/// The end of the run of digits that starts at `i`.
pub(super) fn run_end(t: &[u8], i: usize) -> usize {
    i + t[i..].iter().take_while(|b| b.is_ascii_digit()).count()
}

#[cfg(test)]
mod tests {
    use super::super::windows::for_each_span;
    use super::*;

    fn spans(s: &str, min_len: usize) -> Vec<&str> {
        let mut out = Vec::new();
        for_each_span(s.as_bytes(), min_len, |a, b| out.push(&s[a..b]));
        out
    }

    /// Every maximal span, found the slow way.
    fn spans_slow(s: &str, min_len: usize) -> Vec<&str> {
        let t = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < t.len() {
            if !t[i].is_ascii_digit() {
                i += 1;
                continue;
            }
            let mut e = i + 1;
            while e < t.len()
                && (t[e].is_ascii_digit()
                    || (is_sep(t[e]) && e + 1 < t.len() && t[e + 1].is_ascii_digit()))
            {
                e += if t[e].is_ascii_digit() { 1 } else { 2 };
            }
            if e - i >= min_len {
                out.push(&s[i..e]);
            }
            i = e;
        }
        out
    }

    #[test]
    fn finds_long_spans_only() {
        let s =
            "order 12345 at 2024-05-20 card 4111 1111 1111 1111, id 1234567890123456789 ok 1.2.3";
        assert_eq!(spans(s, 13), ["4111 1111 1111 1111", "1234567890123456789"]);
        assert_eq!(spans("555-123-4567", 12), ["555-123-4567"]);
        assert!(spans("555-123-4567", 13).is_empty());
        assert_eq!(spans("1234567890123", 13), ["1234567890123"]);
        assert!(spans("123456789012", 13).is_empty());
        assert_eq!(spans("12--3456789012345", 13), ["3456789012345"]);
    }

    #[test]
    fn agrees_with_the_slow_scan() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for round in 0..if cfg!(miri) { 40 } else { 4000 } {
            let alphabet: &[u8] = if round % 2 == 0 {
                b"0123456789 -.a"
            } else {
                b"0123456789012345678901234567890123456789 -.abcdefghijklmnopqrstuvwxyz"
            };
            let len = (seed % 300) as usize;
            let s: String = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    alphabet[(seed % alphabet.len() as u64) as usize] as char
                })
                .collect();
            for min_len in [2, 12, 13] {
                assert_eq!(
                    spans(&s, min_len),
                    spans_slow(&s, min_len),
                    "{s:?} {min_len}"
                );
            }
        }
    }
}
