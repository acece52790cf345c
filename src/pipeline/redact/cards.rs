//! Card numbers (PCI DSS): 13–19 digits that pass the Luhn check and start
//! with 2–6 (every major network's range: Mastercard 2/5, Amex/Diners/JCB 3,
//! Visa 4, Discover/UnionPay/Maestro 6; this also keeps epoch-millisecond
//! timestamps, which start with 1, from ever matching).
//!
//! Inside a digit span ([`super::digits`]) a card is either
//! - one run of 13–19 digits, or
//! - a group of 4 digits followed by groups of 4–6 digits (the last may
//!   have 3), all joined by the same single separator (space or dash):
//!   `4111 1111 1111 1111`, `3782-822463-10005`, `4111 1111 1111 1111 003`.
//!
//! The span must not touch an ASCII letter or digit on either side (so hex
//! hashes and longer ids stay whole); inside a span a candidate may start
//! or end at any group, so a card next to other numbers is still found.
//! Every candidate that passes is reported; overlapping ones are merged by
//! the caller.

use super::digits::run_end;

/// Reports `(start, end)` of every card candidate in the span `t[s..e]`.
pub(super) fn cards_in_span(t: &[u8], s: usize, e: usize, mut report: impl FnMut(usize, usize)) {
    let alnum = |b: &u8| b.is_ascii_alphanumeric();
    if (s > 0 && alnum(&t[s - 1])) || t.get(e).is_some_and(alnum) {
        return;
    }
    let mut g = s;
    while g < e {
        let ge = run_end(t, g);
        if (13..=19).contains(&(ge - g)) && is_card(&t[g..ge]) {
            report(g, ge);
        }
        if ge - g == 4 && ge < e && matches!(t[ge], b' ' | b'-') {
            grouped_from(t, g, e, &mut report);
        }
        g = ge + 1;
    }
}

/// Grouped candidates that start with the 4-digit group at `g`.
fn grouped_from(t: &[u8], g: usize, e: usize, report: &mut impl FnMut(usize, usize)) {
    let sep = t[g + 4];
    let mut digits = [0u8; 19];
    digits[..4].copy_from_slice(&t[g..g + 4]);
    let (mut n, mut k) = (4, g + 4);
    while k < e && t[k] == sep {
        let ge = run_end(t, k + 1);
        let len = ge - k - 1;
        if !(3..=6).contains(&len) || n + len > 19 {
            return;
        }
        digits[n..n + len].copy_from_slice(&t[k + 1..ge]);
        n += len;
        k = ge;
        if n >= 13 && is_card(&digits[..n]) {
            report(g, k);
        }
        if len == 3 {
            return; // only the last group may be this short
        }
    }
}

/// True for ASCII digits that start with 2–6 and pass the Luhn check.
pub(super) fn is_card(digits: &[u8]) -> bool {
    matches!(digits.first(), Some(b'2'..=b'6')) && luhn(digits)
}

/// The Luhn (mod 10) check over ASCII digits.
pub(super) fn luhn(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, &d) in digits.iter().rev().enumerate() {
        let mut v = u32::from(d - b'0');
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum % 10 == 0
}

#[cfg(test)]
mod tests {
    use super::super::windows::for_each_span;
    use super::*;

    fn cards(s: &str) -> Vec<&str> {
        let t = s.as_bytes();
        let mut out = Vec::new();
        for_each_span(t, 13, |a, b| {
            cards_in_span(t, a, b, |x, y| out.push(&s[x..y]))
        });
        out
    }

    #[test]
    fn luhn_known_values() {
        assert!(luhn(b"4111111111111111"));
        assert!(luhn(b"79927398713"));
        assert!(!luhn(b"4111111111111112"));
        assert!(luhn(b"0"));
    }

    #[test]
    fn card_formats() {
        for card in [
            "4111111111111111",
            "4111 1111 1111 1111",
            "4111-1111-1111-1111",
            "5500 0000 0000 0004",
            "378282246310005",
            "3782 822463 10005",
            "6011000990139424",
            "2223003122003222",
            "4222222222222",
            "4111 1111 1111 1111 003", // 19 digits, 4-4-4-4-3
        ] {
            let s = format!("card: {card}.");
            assert!(cards(&s).contains(&card), "{card}: {:?}", cards(&s));
        }
        // Beside other numbers, inside a longer span.
        assert!(cards("qty 12 4111 1111 1111 1111 ok").contains(&"4111 1111 1111 1111"));
        assert!(cards("1234 4111 1111 1111 1111").contains(&"4111 1111 1111 1111"));
    }

    #[test]
    fn look_alikes_are_not_cards() {
        for s in [
            "id 4111111111111112",               // fails Luhn
            "id 1234567812345678",               // fails Luhn
            "ts 1716201234567 ms",               // epoch ms (starts with 1)
            "ts 1000000000000000",               // starts with 1, Luhn-valid
            "sha a4111111111111111b",            // glued to letters
            "n 41111111111111110000",            // 20 digits
            "4111.1111.1111.1111",               // dots are not card separators
            "4111 1111-1111 1111",               // mixed separators
            "4111  1111 1111 1111",              // double space
            "ip 10.200.30.4 port 8080",          // short numbers
            "2024-05-20 10:30:00.123456789",     // timestamps
            "v1.22.333 build 20240520123456",    // 14 digits starting with 2, not Luhn
            "call 555-123-4567 or 0800 123 456", // phones
            "range 2024-555-123-4567",           // Luhn-valid, but 3-digit middle groups
        ] {
            assert!(cards(s).is_empty(), "{s}: {:?}", cards(s));
        }
    }
}
