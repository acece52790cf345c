//! Secrets written as `key=value` or `key: value` inside text: query
//! strings (`?user=bob&password=hunter2`), config dumps (`token = abc`),
//! JSON in a message (`{"api_key":"k_123"}`), Debug output of user types
//! (`Creds { password: Some("hunter2") }`), HTTP headers
//! (`Cookie: a=1; sid=…`).
//!
//! Trigger: every `=` and `:` ([`super::windows`]). The key is the identifier just
//! before it (letters, digits, `_`, `-`, `.`), through a closing quote. It
//! is secret when it ends with a secret word or exact secret name
//! (`db_password`, `api_key`; not `password_hint`) and passes the field-name
//! rules; before a `:`, `Authorization`, `Proxy-Authorization`, `Cookie`
//! and `Set-Cookie` are secret too. Skipped: `://` (URL schemes), `::`
//! (paths), and separators with digits on both sides (times, ports).
//!
//! The value starts after the separator (`=>` and `:=` too), spaces and
//! tabs; it never starts on the next line (`password:` at the end of a line
//! has no value, and the next line's key is its own). What is masked:
//! - a quoted value, inside its quotes, up to the closing quote (escapes
//!   respected; also `\"…\"` in text that is itself an escaped string);
//!   a word glued to the closing quote (`""hunter2`) is masked with it;
//! - a value that opens a bracket (`[…]`, `(…)`, `{…}`) or is a type name
//!   and one (`Some(…)`, `Secret(…)`, `SecretString { … }`, Debug output of
//!   an `Option` or a wrapper): whole, through the matching bracket, across
//!   lines (`{:#?}`), nested brackets and quoted strings skipped, or to the
//!   end of the text when nothing matches; empty brackets alone are kept;
//! - a header value: after `Authorization`, `Proxy-Authorization`,
//!   `Cookie`, `Set-Cookie` or a secret name with a `-` (`X-Api-Key`,
//!   `X-Auth-Token`) and `:`, to the end of the line (a line break, or
//!   `\n`/`\r` in escaped text), every cookie and every word;
//! - an authorization scheme (`Bearer`, `Basic`, `Token`, `Digest`, …)
//!   stays visible and what follows is masked: to the end of the line in a
//!   header, else the next word (`Authorization: Digest ***`,
//!   `token=Token ***`);
//! - otherwise a word: up to whitespace or one of `, ; & ) } ] " '`. The
//!   words `None`, `null`, `nil`, `true`, `false`, `True`, `False` are no
//!   secret and stay; numbers are masked (one-time codes, PINs).
//!
//! Linear time: the scanner looks at no separator inside a value it has
//! masked, and every value is scanned once, so a separator repeated all
//! over a 256 KB record (`token=token=…`) costs one pass.

/// The longest key looked at.
const MAX_KEY: usize = 64;

/// Which keys in text can be secret: those that **end** with a secret word
/// (`db_password`, `api_key`, `client_secret`) or an exact secret name; a
/// key that merely contains one (`password_hint`) is not masked in text.
///
/// Two tests, cheapest first. A bitset of the hashed last 4 bytes of each
/// fragment (last 3 for 3-byte fragments), looked up without a branch,
/// rejects nearly every key in a log (`status`, `latency_ms`, `trace_id`)
/// at a cost that does not depend on the key. The survivors walk a trie of
/// the fragments' bytes read backwards (lowercase, none ending with
/// another), which says exactly whether the key ends with one; only then is
/// the key measured and the full name check (hashed, word-splitting) run.
pub(super) struct KeyFilter {
    /// Bit [`tail_hash`] of each fragment's last 4 (or 3) bytes, `| 0x20`.
    tails: Box<[u64; TAIL_WORDS]>,
    /// Some fragment is shorter than 3 bytes: `tails` lets every key
    /// through.
    short: bool,
    /// Byte (either case) to column; 0 for bytes in no fragment.
    column: [u8; 256],
    /// Columns per row.
    columns: usize,
    /// `rows[row * columns + column]`: the next row, [`REJECT`] or [`ACCEPT`].
    /// Row 0 is the root.
    rows: Box<[u32]>,
}

/// 4096 bits.
const TAIL_WORDS: usize = 64;

/// The bit of `tails` for the folded tail `x`.
#[inline(always)]
fn tail_hash(x: u32) -> usize {
    (x.wrapping_mul(0x9e37_79b1) >> 20) as usize
}

/// The last 4 bytes of `t[..end]` (zeros before the start), little endian,
/// each `| 0x20`: ASCII letters lowercase, and never a false miss, since a
/// fragment's bytes are folded the same way.
#[inline(always)]
fn folded_tail(t: &[u8], end: usize) -> u32 {
    let x = if end >= 4 {
        u32::from_le_bytes(t[end - 4..end].try_into().expect("4 bytes"))
    } else {
        t[..end].iter().fold(0, |x, &b| x >> 8 | u32::from(b) << 24)
    };
    x | 0x2020_2020
}

/// No fragment goes on with this byte.
const REJECT: u32 = 0;
/// A fragment ends with this byte.
const ACCEPT: u32 = u32::MAX;

/// The secret words the name patterns know (see `names::is_secret_word`).
const PATTERN_WORDS: [&str; 13] = [
    "password",
    "passwords",
    "passwd",
    "passwds",
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
        let mut all: Vec<Vec<u8>> = names.map(|n| n.to_ascii_lowercase()).collect();
        if patterns {
            all.extend(PATTERN_WORDS.iter().map(|f| f.as_bytes().to_vec()));
            all.extend(CREDENTIAL_HEADERS.iter().map(|f| f.as_bytes().to_vec()));
        }
        // A fragment with a byte that no key holds can never match.
        all.retain(|f| !f.is_empty() && f.iter().all(|&b| is_key_byte(b)));
        all.sort_by_key(|f| f.len());
        let mut column = [0u8; 256];
        let mut columns = 1;
        for &b in all.iter().flatten() {
            if column[b as usize] == 0 {
                column[b as usize] = columns as u8;
                column[b.to_ascii_uppercase() as usize] = columns as u8;
                columns += 1;
            }
        }
        let mut rows = vec![REJECT; columns];
        // Shortest first: a fragment that ends with a kept one is covered.
        for f in &all {
            let mut row = 0;
            for (k, &b) in f.iter().rev().enumerate() {
                let slot = row * columns + column[b as usize] as usize;
                match rows[slot] {
                    ACCEPT => break,
                    _ if k + 1 == f.len() => rows[slot] = ACCEPT,
                    REJECT => {
                        let new = rows.len() / columns;
                        rows[slot] = u32::try_from(new).expect("fewer than 2^32 rows");
                        rows.resize(rows.len() + columns, REJECT);
                        row = new;
                    }
                    next => row = next as usize,
                }
            }
        }
        let mut tails = Box::new([0u64; TAIL_WORDS]);
        let mut short = false;
        for f in &all {
            let x = folded_tail(f, f.len());
            let bit = match f.len() {
                0..=2 => {
                    short = true;
                    continue;
                }
                3 => tail_hash(x >> 8),
                _ => tail_hash(x),
            };
            tails[bit / 64] |= 1 << (bit % 64);
        }
        KeyFilter {
            tails,
            short,
            column,
            columns,
            rows: rows.into(),
        }
    }

    /// False when `t[..end]` cannot end with a fragment; true when it may.
    #[inline(always)]
    fn tail_may_match(&self, t: &[u8], end: usize) -> bool {
        let x = folded_tail(t, end);
        let bit = |i: usize| self.tails[i / 64] >> (i % 64) & 1;
        (bit(tail_hash(x)) | bit(tail_hash(x >> 8))) != 0 || self.short
    }

    /// True when `t[..end]` ends with a fragment (ASCII case-insensitive).
    #[inline(always)]
    pub(super) fn ends_with_fragment(&self, t: &[u8], end: usize) -> bool {
        let mut row = 0;
        for (k, &b) in t[..end].iter().rev().enumerate() {
            match self.rows[row * self.columns + self.column[b as usize] as usize] {
                REJECT => {
                    examined(k + 1);
                    return false;
                }
                ACCEPT => {
                    examined(k + 1);
                    return true;
                }
                next => row = next as usize,
            }
        }
        examined(end);
        false
    }

    /// True when `key` ends with a fragment (no allocation).
    pub(super) fn may_match(&self, key: &[u8]) -> bool {
        self.ends_with_fragment(key, key.len())
    }
}

/// Where the key before the separator at `sep` ends: through spaces and an
/// optional closing quote (escaped or not).
#[inline(always)]
fn key_end(t: &[u8], sep: usize) -> usize {
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
    end
}

/// The cheap first test for the separator at `sep`: false when the key
/// before it cannot be secret, so [`secret_value_after`] need not run.
#[inline(always)]
pub(super) fn key_may_be_secret(t: &[u8], sep: usize, filter: &KeyFilter) -> bool {
    let end = key_end(t, sep);
    examined(sep - end + 5);
    filter.tail_may_match(t, end) && filter.ends_with_fragment(t, end)
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

/// The value span to mask for the separator at `sep`, if the key before it
/// names a secret (module docs for the rules).
///
/// Work: at most `MAX_KEY` bytes and the spaces back from `sep`, and forward
/// through the end of the span returned (plus the byte that ends it), or a
/// bounded number of bytes when it returns `None`. The scanner looks at no
/// separator inside a span it masked (`Resume::kv` in `scan.rs`), so every byte
/// of a text is looked at by a bounded number of calls: linear time.
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
    // The key, through spaces and an optional closing quote. (The scanner
    // has already rejected most keys with `key_may_be_secret`.)
    let end = key_end(t, sep);
    let mut start = end;
    while start > 0 && end - start < MAX_KEY && is_key_byte(t[start - 1]) {
        start -= 1;
    }
    examined(sep + 1 - start.saturating_sub(1));
    if start == end || (start > 0 && is_key_byte(t[start - 1])) {
        return None;
    }
    // In text that is itself an escaped string, `\nCookie:` starts a line.
    if start > 0 && t[start - 1] == b'\\' && matches!(t[start], b'n' | b'r' | b't') {
        start += 1;
    }
    if start == end || !filter.may_match(&t[start..end]) {
        return None;
    }
    let key = std::str::from_utf8(&t[start..end]).ok()?;
    let colon = t[sep] == b':';
    let credential_header = colon && is_credential_header(key);
    if !credential_header && !is_secret_key(key) {
        return None;
    }
    // A header line's value runs to the end of the line.
    let header = credential_header || (colon && last_segment(key).contains('-'));
    // The value: after `=>` or `:=`, spaces and tabs (never a line break:
    // `password:` at the end of a line has no value).
    let mut i = sep + 1;
    if matches!((t[sep], next), (b'=', Some(b'>')) | (b':', Some(b'='))) {
        i += 1;
    }
    let blanks = t[i..]
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    examined(blanks + 2);
    i += blanks;
    match *t.get(i)? {
        // Quoted with escaped quotes (`\"secret\"`, text that is itself an
        // escaped string): up to the closing `\"`.
        b'\\' if matches!(t.get(i + 1), Some(b'"' | b'\'')) => {
            let from = i + 2;
            non_empty(from, string_end(t, from, t[i + 1], true))
        }
        q @ (b'"' | b'\'') => quoted_value(t, i, q),
        b'(' | b'[' | b'{' => bracketed_value(t, i, i),
        b'\n' | b'\r' => None,
        _ => unquoted_value(t, i, header),
    }
}

/// `Some((from, to))` unless the span is empty.
fn non_empty(from: usize, to: usize) -> Option<(usize, usize)> {
    (from < to).then_some((from, to))
}

// Test-only: how many bytes the key-value scanner has looked at on this
// thread, counted at every loop over the text, so that a test can check
// that the scan is linear without timing it.
#[cfg(test)]
thread_local! {
    /// Bytes looked at on this thread (tests only).
    pub(super) static EXAMINED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Counts `n` bytes looked at (tests only; nothing otherwise).
#[inline(always)]
fn examined(n: usize) {
    #[cfg(test)]
    EXAMINED.with(|c| c.set(c.get() + n));
    #[cfg(not(test))]
    let _ = n;
}

/// The part of `key` after its last `.`.
fn last_segment(key: &str) -> &str {
    key.rsplit('.').next().unwrap_or(key)
}

/// HTTP headers whose whole value is a credential; secret in text before a
/// `:` whatever the name rules say (`Set-Cookie` is no secret name).
const CREDENTIAL_HEADERS: [&str; 4] = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
];

fn is_credential_header(key: &str) -> bool {
    let name = last_segment(key);
    CREDENTIAL_HEADERS
        .iter()
        .any(|h| name.eq_ignore_ascii_case(h))
}

/// `Authorization` schemes: the word stays visible, what follows is masked.
const AUTH_SCHEMES: [&str; 14] = [
    "basic",
    "bearer",
    "digest",
    "token",
    "negotiate",
    "ntlm",
    "hoba",
    "mutual",
    "oauth",
    "apikey",
    "dpop",
    "aws4-hmac-sha256",
    "scram-sha-1",
    "scram-sha-256",
];

/// Unquoted values that say there is no secret: not masked.
const ABSENT: [&[u8]; 7] = [
    b"None", b"null", b"nil", b"true", b"false", b"True", b"False",
];

/// Ends an unquoted word.
fn ends_word(b: u8) -> bool {
    b.is_ascii_whitespace() || matches!(b, b',' | b';' | b'&' | b')' | b'}' | b']' | b'"' | b'\'')
}

/// Bytes of a type name before `(` or `{` in Debug output (`Some`,
/// `secrecy::SecretBox<str>`).
fn is_type_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b':' | b'<' | b'>')
}

/// The unquoted value starting at `i` (not a quote, bracket or line end).
fn unquoted_value(t: &[u8], i: usize, header: bool) -> Option<(usize, usize)> {
    // Debug output of a wrapper: `Some(…)`, `Secret(…)`, `Token { … }`.
    let name = t[i..].iter().take_while(|&&b| is_type_byte(b)).count();
    examined(name + 2);
    if name > 0 && (t[i].is_ascii_alphabetic() || t[i] == b'_') {
        let after = i + name;
        match t.get(after) {
            Some(b'(' | b'[') => return bracketed_value(t, i, after),
            Some(b'{') if t[i].is_ascii_uppercase() => return bracketed_value(t, i, after),
            Some(b' ') if t[i].is_ascii_uppercase() && t.get(after + 1) == Some(&b'{') => {
                return bracketed_value(t, i, after + 1)
            }
            _ => {}
        }
    }
    // An authorization scheme and its credentials: the scheme is kept.
    let word = t[i..]
        .iter()
        .take_while(|&&b| b.is_ascii_alphanumeric() || b == b'-')
        .count();
    examined(word + 1);
    let mut at = i;
    if AUTH_SCHEMES
        .iter()
        .any(|s| t[i..i + word].eq_ignore_ascii_case(s.as_bytes()))
    {
        let gap = t[i + word..]
            .iter()
            .take_while(|&&b| b == b' ' || b == b'\t')
            .count();
        examined(gap + 1);
        let credential = i + word + gap;
        if gap > 0 && t.get(credential).is_some_and(|&b| !ends_word(b)) {
            at = credential;
        }
    }
    if header {
        return rest_of_line(t, at);
    }
    let to = word_end(t, at);
    if at == i && ABSENT.contains(&&t[i..to]) {
        return None;
    }
    non_empty(at, to)
}

/// From `i` to the end of the line: a line break, or an escaped one (`\n`,
/// `\r` in text that is itself an escaped string), spaces before it left out.
fn rest_of_line(t: &[u8], i: usize) -> Option<(usize, usize)> {
    let mut j = i;
    while j < t.len()
        && !matches!(t[j], b'\n' | b'\r')
        && !(t[j] == b'\\' && matches!(t.get(j + 1), Some(b'n' | b'r')))
    {
        j += 1;
    }
    examined(j - i + 2);
    let mut to = j;
    while to > i && matches!(t[to - 1], b' ' | b'\t') {
        to -= 1;
    }
    non_empty(i, to)
}

/// Where the string whose opening quote `q` ends just before `from` ends:
/// the closing quote (`\` escapes a byte), or, when `escaped` (the quote
/// was `\q`: text that is itself an escaped string), the `\` of the
/// closing `\q` (`\\` escapes the next pair); `t.len()` if unclosed.
fn string_end(t: &[u8], from: usize, q: u8, escaped: bool) -> usize {
    let mut j = from;
    if escaped {
        let mut inner_escape = false;
        while j + 1 < t.len() {
            if t[j] != b'\\' {
                inner_escape = false;
                j += 1;
                continue;
            }
            let c = t[j + 1];
            if c == q && !inner_escape {
                examined(j + 2 - from);
                return j;
            }
            inner_escape = !inner_escape && c == b'\\';
            j += 2;
        }
        examined(t.len() - from);
        return t.len();
    }
    while j < t.len() && t[j] != q {
        j += if t[j] == b'\\' { 2 } else { 1 };
    }
    examined(j.min(t.len()) - from + 1);
    j.min(t.len())
}

/// Where the unquoted word at `i` ends.
fn word_end(t: &[u8], i: usize) -> usize {
    let to = t[i..]
        .iter()
        .position(|&b| ends_word(b))
        .map_or(t.len(), |n| i + n);
    examined(to - i + 1);
    to
}

/// The string whose opening quote `q` is at `i`, without its quotes; when
/// more of a word is glued to its closing quote (`"abc"def`, `""hunter2`),
/// through the end of that word.
fn quoted_value(t: &[u8], i: usize, q: u8) -> Option<(usize, usize)> {
    let close = string_end(t, i + 1, q, false);
    if t.get(close + 1).is_some_and(|&b| !ends_word(b)) {
        return non_empty(i + 1, word_end(t, close + 1));
    }
    non_empty(i + 1, close)
}

/// The value from `start` through the match of the bracket `(`, `[` or
/// `{` at `open` (any closing bracket at the same depth; quoted strings
/// skipped, `'` only where a value starts) and the rest of the word glued
/// to it, or to the end of the text when there is no match. An empty
/// bracket alone (`[]`, `()`) is no secret.
fn bracketed_value(t: &[u8], start: usize, open: usize) -> Option<(usize, usize)> {
    let mut depth = 0usize;
    let mut j = open;
    while j < t.len() {
        match t[j] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            b'"' => j = string_end(t, j + 1, b'"', false),
            b'\''
                if matches!(
                    t[j - 1],
                    b'(' | b'[' | b'{' | b',' | b':' | b'=' | b' ' | b'\t' | b'\n'
                ) =>
            {
                j = string_end(t, j + 1, b'\'', false);
            }
            b'\\' if t.get(j + 1) == Some(&b'"') => j = string_end(t, j + 2, b'"', true) + 1,
            b'\\' => j += 1,
            _ => {}
        }
        j += 1;
    }
    if j >= t.len() {
        examined(t.len() - open);
        return Some((start, t.len()));
    }
    examined(2 * (j - open) + 1);
    let end = word_end(t, j + 1);
    let empty = t[open + 1..j].iter().all(u8::is_ascii_whitespace);
    (start < open || end > j + 1 || !empty).then_some((start, end))
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

    #[test]
    fn the_quick_test_lets_every_secret_key_through() {
        use super::super::presets::{CONTACT_NAMES, CREDENTIAL_NAMES, PCI_NAMES};
        let custom = ["x", "ab", "k9", "user.token", "my-key.v2"];
        let names = || {
            CREDENTIAL_NAMES
                .iter()
                .chain(PCI_NAMES)
                .chain(CONTACT_NAMES)
                .chain(&custom)
                .map(|n| n.as_bytes())
        };
        for filter in [
            KeyFilter::new(true, names()),
            KeyFilter::new(false, names()),
        ] {
            let keys = names()
                .map(|n| String::from_utf8(n.to_vec()).unwrap())
                .chain(PATTERN_WORDS.iter().map(|w| format!("db_{w}")))
                .chain(["APIKey", "X-Auth", "smsOtp", "Tokens"].map(String::from));
            for key in keys {
                for key in [key.clone(), key.to_ascii_uppercase()] {
                    for text in [
                        format!("{key}=v"),
                        format!("a {key}: v"),
                        format!("{{\"{key}\":\"v\"}}"),
                        format!(r#"{{\"{key}\":\"v\"}}"#),
                        format!("{key}  = 'v'"),
                        format!("(x.{key}=v)"),
                    ] {
                        let t = text.as_bytes();
                        let sep = memchr::memchr2(b'=', b':', t).unwrap();
                        let ends_with_name = names().any(|n| {
                            key.len() >= n.len()
                                && key.as_bytes()[key.len() - n.len()..].eq_ignore_ascii_case(n)
                        });
                        if ends_with_name || filter.may_match(key.as_bytes()) {
                            assert!(key_may_be_secret(t, sep, &filter), "{text}");
                        }
                    }
                }
            }
        }
        let filter = KeyFilter::new(true, std::iter::empty());
        for innocent in ["status=200", "latency_ms=3", "trace_id=ab", "version=1"] {
            let sep = innocent.find('=').unwrap();
            assert!(!key_may_be_secret(innocent.as_bytes(), sep, &filter));
        }
    }

    fn masked(text: &str) -> Vec<&str> {
        let secret =
            |k: &str| super::super::names::is_secret_name(k) || k.eq_ignore_ascii_case("pwd");
        let filter = KeyFilter::new(true, [&b"pwd"[..]].into_iter());
        let t = text.as_bytes();
        // As the scanner does: no separator inside a masked value.
        let mut resume = 0;
        let mut out = Vec::new();
        for i in memchr::memchr2_iter(b'=', b':', t) {
            if i >= resume {
                if let Some((a, b)) = secret_value_after(t, i, &filter, &secret) {
                    out.push(&text[a..b]);
                    resume = b;
                }
            }
        }
        out
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
        // Every plural the name patterns know, `passwds` too.
        assert_eq!(masked("passwds=a,b Tokens: c"), ["a", "c"]);
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
