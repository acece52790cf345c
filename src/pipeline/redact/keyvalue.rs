//! Secrets written as `key=value` or `key: value` inside text: query
//! strings (`?user=bob&password=hunter2`), config dumps (`token = abc`),
//! JSON in a message (`{"api_key":"k_123"}`), Debug output of user types
//! (`Creds { password: "hunter2" }`).
//!
//! Trigger: every `=` and `:` (memchr2). The key is the identifier just
//! before it (letters, digits, `_`, `-`, `.`), through a closing quote. It
//! is secret when it ends with a secret word or exact secret name
//! (`db_password`, `api_key`; not `password_hint`) and passes the field-name
//! rules. The value is masked: a quoted value up to its closing quote
//! (escapes respected; also `\"…\"` in text that is itself an escaped
//! string), otherwise up to whitespace or one of `, ; & ) } ] "'`.
//! Skipped: `://` (URL schemes), `::` (paths), and separators with digits
//! on both sides (times, ports).

/// The longest key looked at.
const MAX_KEY: usize = 64;

/// Which keys in text can be secret: those that **end** with a secret word
/// (`db_password`, `api_key`, `client_secret`) or an exact secret name; a
/// key that merely contains one (`password_hint`) is not masked in text. The
/// filter rejects most keys with one table lookup on their last byte, then
/// compares only the fragments ending with that byte; the full name check
/// (hashed, word-splitting) runs for the few left.
pub(super) struct KeyFilter {
    /// Fragments by last byte (lowercase), none ending with another.
    by_last: Vec<Vec<Box<[u8]>>>,
    /// Bit `a << 8 | b`: some fragment ends with the (lowercase) bytes `a b`.
    last_two: Box<[u64; 1024]>,
}

/// The secret words the name patterns know (see `names::is_secret_word`).
const PATTERN_WORDS: [&str; 12] = [
    "password",
    "passwords",
    "passwd",
    "secret",
    "secrets",
    "token",
    "tokens",
    "key",
    "keys",
    "auth",
    "authorization",
    "otp",
];

impl KeyFilter {
    /// A filter for the pattern words (when `patterns`) and the exact names.
    pub(super) fn new<'n>(patterns: bool, names: impl Iterator<Item = &'n [u8]>) -> KeyFilter {
        let mut all: Vec<Box<[u8]>> = names.map(|n| n.to_ascii_lowercase().into()).collect();
        if patterns {
            all.extend(PATTERN_WORDS.iter().map(|f| f.as_bytes().into()));
        }
        all.sort_by_key(|f| f.len());
        let mut kept: Vec<Box<[u8]>> = Vec::new();
        for f in all {
            if !f.is_empty() && !kept.iter().any(|k| f.ends_with(k)) {
                kept.push(f);
            }
        }
        let mut by_last = vec![Vec::new(); 256];
        let mut last_two = Box::new([0u64; 1024]);
        for f in kept {
            let n = f.len();
            if n >= 2 {
                let pair = (f[n - 2] as usize) << 8 | f[n - 1] as usize;
                last_two[pair / 64] |= 1 << (pair % 64);
            } else {
                // A one-byte name: any byte may precede it.
                for a in 0..256usize {
                    let pair = a << 8 | f[0] as usize;
                    last_two[pair / 64] |= 1 << (pair % 64);
                }
            }
            by_last[f[n - 1] as usize].push(f);
        }
        KeyFilter { by_last, last_two }
    }

    /// True when a key ending with the bytes `a b` may be secret: one
    /// lookup.
    #[inline]
    pub(super) fn may_end_with(&self, a: u8, b: u8) -> bool {
        let pair = (a.to_ascii_lowercase() as usize) << 8 | b.to_ascii_lowercase() as usize;
        self.last_two[pair / 64] & 1 << (pair % 64) != 0
    }

    /// True when `key` ends with a fragment (no allocation).
    pub(super) fn may_match(&self, key: &[u8]) -> bool {
        let Some(&last) = key.last() else {
            return false;
        };
        self.by_last[last.to_ascii_lowercase() as usize]
            .iter()
            .any(|f| key.len() >= f.len() && key[key.len() - f.len()..].eq_ignore_ascii_case(f))
    }
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

/// The value span to mask for the separator at `sep`, if the key before it
/// names a secret.
pub(super) fn secret_value_after(
    t: &[u8],
    sep: usize,
    filter: &KeyFilter,
    is_secret_key: &dyn Fn(&str) -> bool,
) -> Option<(usize, usize)> {
    let next = t.get(sep + 1).copied();
    if t[sep] == b':'
        && (next == Some(b':') || next == Some(b'/') || (sep > 0 && t[sep - 1] == b':'))
    {
        return None;
    }
    let before_is_digit = sep > 0 && t[sep - 1].is_ascii_digit();
    if before_is_digit && next.is_some_and(|b| b.is_ascii_digit()) {
        return None;
    }
    // The key, through spaces and an optional closing quote.
    let mut end = sep;
    while end > 0 && t[end - 1] == b' ' {
        end -= 1;
    }
    if end > 0 && matches!(t[end - 1], b'"' | b'\'') {
        end -= 1;
        // An escaped quote (`\"key\":`, text that is itself a quoted string).
        if end > 0 && t[end - 1] == b'\\' {
            end -= 1;
        }
    }
    if end == 0 || !filter.may_end_with(if end >= 2 { t[end - 2] } else { 0 }, t[end - 1]) {
        return None;
    }
    let mut start = end;
    while start > 0 && end - start < MAX_KEY && is_key_byte(t[start - 1]) {
        start -= 1;
    }
    if start == end || (start > 0 && is_key_byte(t[start - 1])) || !filter.may_match(&t[start..end])
    {
        return None;
    }
    let key = std::str::from_utf8(&t[start..end]).ok()?;
    if !is_secret_key(key) {
        return None;
    }
    // The value.
    let mut i = sep + 1;
    while i < t.len() && t[i] == b' ' {
        i += 1;
    }
    // A value quoted with escaped quotes (`\"secret\"`): up to the next `\"`.
    if t.get(i) == Some(&b'\\') && matches!(t.get(i + 1), Some(b'"' | b'\'')) {
        let q = t[i + 1];
        let from = i + 2;
        let to = (from..t.len().saturating_sub(1))
            .find(|&j| t[j] == b'\\' && t[j + 1] == q)
            .unwrap_or(t.len());
        return (from < to).then_some((from, to));
    }
    match t.get(i) {
        Some(&q @ (b'"' | b'\'')) => {
            let from = i + 1;
            let mut j = from;
            while j < t.len() && t[j] != q {
                j += if t[j] == b'\\' { 2 } else { 1 };
            }
            let to = j.min(t.len());
            (from < to).then_some((from, to))
        }
        Some(_) => {
            let to = t[i..]
                .iter()
                .position(|&b| {
                    b.is_ascii_whitespace()
                        || matches!(b, b',' | b';' | b'&' | b')' | b'}' | b']' | b'"' | b'\'')
                })
                .map_or(t.len(), |n| i + n);
            (i < to).then_some((i, to))
        }
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_lets_every_secret_name_through_and_few_others() {
        let f = KeyFilter::new(
            true,
            [&b"pwd"[..], b"session_id", b"user.token"].into_iter(),
        );
        for secret in [
            "password",
            "DB_PASSWD",
            "apiKey",
            "x-auth",
            "totp",
            "pwd",
            "SESSION_ID",
            "client_secret",
        ] {
            assert!(f.may_match(secret.as_bytes()), "{secret}");
        }
        for innocent in [
            "status",
            "user_id",
            "path",
            "latency_ms",
            "session",
            "password_hint",
        ] {
            assert!(!f.may_match(innocent.as_bytes()), "{innocent}");
        }
    }

    fn masked(text: &str) -> Vec<&str> {
        let secret =
            |k: &str| super::super::names::is_secret_name(k) || k.eq_ignore_ascii_case("pwd");
        let filter = KeyFilter::new(true, [&b"pwd"[..]].into_iter());
        let t = text.as_bytes();
        memchr::memchr2_iter(b'=', b':', t)
            .filter_map(|i| secret_value_after(t, i, &filter, &secret))
            .map(|(a, b)| &text[a..b])
            .collect()
    }

    #[test]
    fn secret_keys_lose_their_values_in_every_common_shape() {
        assert_eq!(
            masked("GET /login?user=bob&password=hunter2&x=1"),
            ["hunter2"]
        );
        assert_eq!(
            masked(r#"Creds { user: "bob", password: "hun\"ter2" }"#),
            [r#"hun\"ter2"#]
        );
        assert_eq!(masked(r#"{"api_key":"k_0123","n":1}"#), ["k_0123"]);
        assert_eq!(masked("db_password = s3cret; pool=4"), ["s3cret"]);
        assert_eq!(masked("auth_token:abc123 next"), ["abc123"]);
        assert_eq!(masked("pwd='x y'"), ["x y"]);
        // Text that is itself an escaped string (Debug of a Debug).
        assert_eq!(
            masked(r#"detail: "Creds { password: \"dbg-pw\" }""#),
            ["dbg-pw"]
        );
        assert_eq!(masked(r#"{\"api_key\":\"k-1\",\"n\":1}"#), ["k-1"]);
    }

    #[test]
    fn innocent_separators_are_left_alone() {
        assert!(masked("at 10:30:00 on port 127.0.0.1:8080").is_empty());
        assert!(masked("see https://example.com/a?b=c and std::fmt::Display").is_empty());
        assert!(masked("author: Ada; footprint=3; tokenizer: bpe").is_empty());
        assert!(masked("password=").is_empty(), "nothing to mask");
        assert!(masked("mypassword_hint_len: 8").is_empty());
        assert!(
            masked("password_hint=starts-with-h").is_empty(),
            "a key that only contains a secret word"
        );
    }
}
