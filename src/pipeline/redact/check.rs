//! The `redactor` fuzz target's check, shared with `tests/fuzz_corpus.rs`.
//!
//! Input layout: 8 header bytes (secret kind, insert position, seed for the
//! secret, truncation length), then the text (lossy UTF-8). Checked:
//! - redaction of any text and any field name never panics;
//! - truncation keeps a char-boundary prefix of at most the limit and says
//!   how many bytes it cut;
//! - a secret generated from the seed and planted in the text (on its own
//!   line) never survives: its sensitive part appears in the output no more
//!   often than in the text around it.

use std::sync::OnceLock;

use bumpalo::Bump;

use super::{RedactionConfig, Redactor};

/// Runs the checks above on one fuzz input. Panics on a violation.
pub fn check_redactor(data: &[u8]) {
    static REDACTOR: OnceLock<Redactor> = OnceLock::new();
    let redactor = REDACTOR.get_or_init(|| Redactor::new(RedactionConfig::recommended()));
    let mut head = [0u8; 8];
    let split = data.len().min(8);
    head[..split].copy_from_slice(&data[..split]);
    let text = String::from_utf8_lossy(&data[split..]);
    let arena = Bump::new();

    let out = redactor
        .redact_text(Some(&text), &text, &arena)
        .expect("no custom redactor");
    assert!(std::str::from_utf8(out.as_bytes()).is_ok());
    let _ = redactor.field_action(&text);

    check_truncation(&text, usize::from(head[7]) * 3, &arena);

    let mut rng = u32::from_le_bytes([head[3], head[4], head[5], head[6]]) | 1;
    let (planted, sensitive) = secret(head[0], &mut rng);
    let mut pos = usize::from(u16::from_le_bytes([head[1], head[2]])) % (text.len() + 1);
    while !text.is_char_boundary(pos) {
        pos -= 1;
    }
    let (before, after) = text.split_at(pos);
    let input = format!("{before}\n{planted}\n{after}");
    let out = redactor
        .redact_text(None, &input, &arena)
        .expect("no custom redactor");
    let count = |s: &str| s.matches(sensitive.as_str()).count();
    assert!(
        count(out) <= count(before) + count(after),
        "secret {sensitive:?} survived in {out:?}"
    );
}

fn check_truncation(text: &str, max: usize, arena: &Bump) {
    let redactor = Redactor::new(RedactionConfig::new().max_string_len(max));
    let out = redactor
        .redact_text(None, text, arena)
        .expect("no custom redactor");
    if text.len() <= max {
        assert_eq!(out, text);
        return;
    }
    let marker = out.rfind("…[truncated ").expect("truncation marker");
    let kept = &out[..marker];
    assert!(kept.len() <= max && max - kept.len() < 4 && text.starts_with(kept));
    assert_eq!(
        &out[marker..],
        format!("…[truncated {} bytes]", text.len() - kept.len())
    );
}

fn next(rng: &mut u32) -> u32 {
    *rng ^= *rng << 13;
    *rng ^= *rng >> 17;
    *rng ^= *rng << 5;
    *rng
}

fn chars(rng: &mut u32, n: usize, alphabet: &[u8]) -> String {
    (0..n)
        .map(|_| alphabet[next(rng) as usize % alphabet.len()] as char)
        .collect()
}

const LOWER_DIGITS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const UPPER_DIGITS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const B64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// A secret of kind `kind % 10`: the text to plant and its sensitive part.
fn secret(kind: u8, rng: &mut u32) -> (String, String) {
    let digits = |rng: &mut u32, n| chars(rng, n, b"0123456789");
    match kind % 10 {
        0 => {
            let key = format!("AKIA{}", chars(rng, 16, UPPER_DIGITS));
            (key.clone(), key)
        }
        1 => {
            let jwt = format!(
                "eyJ{}.{}.{}",
                chars(rng, 20, B64URL),
                chars(rng, 30, B64URL),
                chars(rng, 43, B64URL)
            );
            (jwt.clone(), jwt)
        }
        2 => {
            let userinfo = format!(
                "{}:{}",
                chars(rng, 6, LOWER_DIGITS),
                chars(rng, 12, LOWER_DIGITS)
            );
            let scheme =
                ["https", "postgres", "redis", "AMQPS", "mongodb+srv"][next(rng) as usize % 5];
            (
                format!("{scheme}://{userinfo}@db.internal:5432/app"),
                userinfo,
            )
        }
        3 => {
            let token = format!("x9{}", chars(rng, 30, B64URL));
            let scheme = ["Bearer", "bearer", "Basic", "BEARER"][next(rng) as usize % 4];
            (format!("Authorization: {scheme} {token}"), token)
        }
        4 => {
            let body = chars(rng, 64, UPPER_DIGITS);
            let label =
                ["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY"][next(rng) as usize % 3];
            (
                format!("-----BEGIN {label}-----\n{body}\n-----END {label}-----"),
                body,
            )
        }
        5 => {
            let mut card = format!("4{}", digits(rng, 14)).into_bytes();
            let check = (0..=9u8).find(|d| {
                card.push(b'0' + d);
                let ok = super::cards::luhn(&card);
                card.pop();
                ok
            });
            card.push(b'0' + check.expect("a Luhn digit exists"));
            let card = String::from_utf8(card).expect("digits");
            let sep = ["", " ", "-"][next(rng) as usize % 3];
            let formatted = [&card[..4], &card[4..8], &card[8..12], &card[12..]].join(sep);
            (formatted.clone(), formatted)
        }
        6 => {
            let email = format!(
                "{}@{}.com",
                chars(rng, 8, LOWER_DIGITS),
                chars(rng, 6, LOWER_DIGITS)
            );
            (email.clone(), email)
        }
        7 => {
            let phone = format!("+44 20 {} {}", digits(rng, 4), digits(rng, 4));
            (phone.clone(), phone)
        }
        8 => {
            let phone = format!("(202) 555-{}", digits(rng, 4));
            (phone.clone(), phone)
        }
        _ => {
            let key = format!("ASIA{}", chars(rng, 16, UPPER_DIGITS));
            (format!("Creds {{ key: \"{key}\" }}"), key)
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_kind_on_a_few_texts() {
        for kind in 0..10u8 {
            for text in [
                "",
                "plain text",
                "é€😀 mixed",
                "a@b 4111 AKIA eyJ -----BEGIN ",
            ] {
                let mut data = vec![kind, 3, 0, 7, 1, 2, 3, 5];
                data.extend_from_slice(text.as_bytes());
                super::check_redactor(&data);
            }
        }
    }
}
