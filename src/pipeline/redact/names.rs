//! Field-name rules: exact names and dotted paths, and secret-name patterns.
//!
//! **Exact names** ([`NameSet`]) compare *normalized*: ASCII case folded and
//! every separator dropped (every ASCII byte that is not a letter or digit:
//! `_`, `-`, `.`, space, …), so `session_id`, `session-id`, `sessionId`,
//! `Session ID` and `SESSION.ID` are one name; and a name with trailing
//! digits also matches without them (`password2`, `cvv_2`; an entry with
//! digits, `cvv2`, still matches only with its own digits). An entry
//! without a dot matches a field whose whole name, or the part after any of
//! its dots, matches it (`password` matches `password`, `user.password`,
//! `Password`, `db.PASSWORD_2`; `session_id` matches `http.session.id`); an
//! entry with dots matches the whole name only (`user.token` matches
//! `USER.token` and `userToken`, not `token` nor `a.user.token`).
//!
//! **Secret-name patterns** ([`is_secret_name`]) look at the *words* of a
//! name: it is split on every byte that is not an ASCII letter or digit
//! (`_ - .` and the rest), at camelCase humps (`accessToken` → access|Token,
//! `APIKey` → API|Key) and between letters and digits (`password2` →
//! password|2). A name is secret when one of its words
//!
//! - ends with `password`, `passwd`, `passphrase`, `secret` or `token`,
//!   optionally plural: `db_password`, `userpassword`, `gpgPassphrase`,
//!   `clientSecret`, `csrftoken`, `max_tokens` hit; `tokenize`,
//!   `tokenizer`, `secretary` do not;
//! - ends with `apikey` or `privatekey` (plural too), or is `key`/`keys`
//!   right after a word `api` or `private`: `api_key`, `x-api-key`,
//!   `apiKey`, `APIKey`, `private.key`, `sshprivatekey`;
//! - is exactly `auth`, `authorization`, `otp`, `totp`, `hotp` or `pwd`:
//!   `auth`, `x-auth`, `proxy-authorization`, `smsOtp`, `otp_code`, `x_pwd`
//!   hit; `author`, `authority`, `authenticated`, `oauth`, `footprint`,
//!   `hotpath`, `oldpwd` do not.
//!
//! Non-ASCII bytes count as lowercase letters.

use std::collections::{BTreeSet, HashSet};

/// Exact names and dotted paths, stored normalized (module docs).
#[derive(Debug, Default)]
pub(super) struct NameSet {
    /// Every entry, normalized: matched against the whole name.
    whole: HashSet<Box<[u8]>>,
    /// The entries without a dot, normalized: also matched against the part
    /// of a name after any of its dots.
    segment: HashSet<Box<[u8]>>,
    /// The longest normalized entry.
    longest: usize,
    /// What a `key=value` key in text may end with to match an entry
    /// ([`spellings`]).
    spellings: BTreeSet<Box<[u8]>>,
}

/// Names up to this length (normalized) are normalized on the stack.
const STACK_NAME: usize = 128;

impl NameSet {
    pub(super) fn insert(&mut self, name: &str) {
        let norm: Box<[u8]> = normalized(name.as_bytes()).collect();
        if norm.is_empty() {
            return;
        }
        self.longest = self.longest.max(norm.len());
        self.spellings.extend(spellings(name));
        if !name.contains('.') {
            self.segment.insert(norm.clone());
        }
        self.whole.insert(norm);
    }

    pub(super) fn is_empty(&self) -> bool {
        self.whole.is_empty()
    }

    /// Lowercase, every spelling of every entry that a `key=value` key in
    /// text may end with for the key to match it ([`spellings`]): the
    /// fragments of the key filter.
    pub(super) fn entries(&self) -> impl Iterator<Item = &[u8]> {
        self.spellings.iter().map(|e| &**e)
    }

    /// True when `name` matches an entry (see the module docs). Does not
    /// allocate; linear in the name's length.
    ///
    /// The candidates are the name normalized from its start (looked up in
    /// `whole`) and from after each dot (in `segment`), each as it is and
    /// without its trailing digits: suffixes of the normalized name, so one
    /// walk from the end builds them all on the stack, the trailing digits
    /// (`buf[STACK_NAME..digits_end]`) after the rest (`buf[s..STACK_NAME]`,
    /// filled backwards).
    pub(super) fn matches(&self, name: &str) -> bool {
        if self.is_empty() {
            return false;
        }
        let raw = name.as_bytes();
        // `raw[p..]`: the trailing digits, and the separators among them.
        let p = raw
            .iter()
            .rposition(|&b| !is_separator(b) && !b.is_ascii_digit())
            .map_or(0, |i| i + 1);
        let digits = raw[p..].iter().filter(|b| b.is_ascii_digit()).count();
        let digits_fit = digits <= STACK_NAME;
        let mut buf = [0u8; 2 * STACK_NAME];
        let digits_end = STACK_NAME + if digits_fit { digits } else { 0 };
        if digits_fit {
            for (slot, b) in buf[STACK_NAME..].iter_mut().zip(normalized(&raw[p..])) {
                *slot = b;
            }
        }
        let long_entries = self.longest > STACK_NAME;
        let mut i = raw.len();
        // Dots among the trailing digits: all-digit candidates.
        let (mut d, mut checked) = (digits_end, usize::MAX);
        while i > p {
            i -= 1;
            if raw[i].is_ascii_digit() {
                d = d.saturating_sub(1);
            } else if raw[i] == b'.' && digits_fit && d != checked {
                checked = d;
                let candidate = &buf[d..digits_end];
                if candidate.len() <= self.longest && self.segment.contains(candidate) {
                    return true;
                }
            }
        }
        // The rest, and a candidate at each dot and at the start.
        let mut s = STACK_NAME;
        checked = usize::MAX;
        while i > 0 {
            i -= 1;
            let b = raw[i];
            if b == b'.' {
                if s != checked {
                    checked = s;
                    if self.candidate_in(&self.segment, &buf, s, digits_end, digits) {
                        return true;
                    }
                }
            } else if !is_separator(b) {
                if STACK_NAME - s == self.longest.min(STACK_NAME) {
                    // Every candidate from here on is longer than the
                    // entries that fit on the stack.
                    return long_entries && self.matches_long(raw, p);
                }
                s -= 1;
                buf[s] = b.to_ascii_lowercase();
            }
        }
        self.candidate_in(&self.whole, &buf, s, digits_end, digits)
            || (long_entries && !digits_fit && self.matches_long(raw, p))
    }

    /// True when the candidate `buf[s..digits_end]`, or its stem
    /// `buf[s..STACK_NAME]` (the candidate without its `digits` trailing
    /// digits, unless that leaves nothing), is in `set`.
    #[inline]
    fn candidate_in(
        &self,
        set: &HashSet<Box<[u8]>>,
        buf: &[u8],
        s: usize,
        digits_end: usize,
        digits: usize,
    ) -> bool {
        let whole = &buf[s..digits_end];
        let stem = &buf[s..STACK_NAME];
        // With more trailing digits than fit, `whole` is only the stem.
        let whole_is_all = digits_end - STACK_NAME == digits;
        (whole_is_all && whole.len() <= self.longest && set.contains(whole))
            || (digits > 0 && !stem.is_empty() && stem.len() <= self.longest && set.contains(stem))
    }

    /// [`Self::matches`] against the entries too long for the stack, for a
    /// name whose candidates are too (`raw[p..]`: its trailing digits).
    /// Linear in those entries times the name's length.
    #[cold]
    fn matches_long(&self, raw: &[u8], p: usize) -> bool {
        let check = |set: &HashSet<Box<[u8]>>, dots: bool| {
            set.iter().filter(|e| e.len() > STACK_NAME).any(|entry| {
                ends_at_boundary(raw, raw.len(), entry, dots)
                    || (p < raw.len()
                        && p > 0
                        && !entry.last().is_some_and(u8::is_ascii_digit)
                        && ends_at_boundary(raw, p, entry, dots))
            })
        };
        check(&self.whole, false) || check(&self.segment, true)
    }
}

/// True when `raw[..end]`, normalized from its start (or, with `dots`, from
/// after one of its dots) is `entry`.
fn ends_at_boundary(raw: &[u8], end: usize, entry: &[u8], dots: bool) -> bool {
    let mut i = end;
    for &want in entry.iter().rev() {
        loop {
            if i == 0 {
                return false;
            }
            i -= 1;
            if !is_separator(raw[i]) {
                break;
            }
        }
        if raw[i].to_ascii_lowercase() != want {
            return false;
        }
    }
    // Only separators before it, back to the start or to a dot.
    let before = &raw[..i];
    match before
        .iter()
        .rposition(|&b| !is_separator(b) || (dots && b == b'.'))
    {
        None => true,
        Some(k) => dots && before[k] == b'.',
    }
}

/// A separator: an ASCII byte that is neither a letter nor a digit.
fn is_separator(b: u8) -> bool {
    b.is_ascii() && !b.is_ascii_alphanumeric()
}

/// `name` normalized: ASCII lowercase, separators dropped.
fn normalized(name: &[u8]) -> impl Iterator<Item = u8> + '_ {
    name.iter()
        .filter(|&&b| !is_separator(b))
        .map(u8::to_ascii_lowercase)
}

/// Lowercase, what a `key=value` key in text may end with for the key to
/// match the entry `name`: its words (digits stay with the word before
/// them) joined by `_`, `-`, `.` or nothing (which covers camelCase, the
/// key filter folding case); and, for each spelling that ends with a letter,
/// its last two bytes and a digit (`password2`: `rd2`), so that a key with
/// one trailing digit reaches the full name check. A key with two or more
/// trailing digits, or a separator before its digit (`password_2=`), is not
/// let through.
fn spellings(name: &str) -> Vec<Box<[u8]>> {
    let mut words: Vec<Vec<u8>> = Vec::new();
    for_each_word(name.as_bytes(), |word| {
        let word = word.to_ascii_lowercase();
        match words.last_mut() {
            Some(last) if word[0].is_ascii_digit() => last.extend(word),
            _ => words.push(word),
        }
        false
    });
    let mut out: Vec<Box<[u8]>> = [&b"_"[..], b"-", b".", b""]
        .iter()
        .map(|sep| words.join(*sep).into())
        .collect();
    for i in 0..out.len() {
        let spelling = out[i].clone();
        if spelling.last().is_some_and(u8::is_ascii_alphabetic) {
            let tail = &spelling[spelling.len().saturating_sub(2)..];
            for digit in b'0'..=b'9' {
                out.push([tail, &[digit]].concat().into());
            }
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

/// True when a word of `name` marks it as holding a secret (module docs).
pub(super) fn is_secret_name(name: &str) -> bool {
    let mut prev: &[u8] = &[];
    let mut hit = false;
    for_each_word(name.as_bytes(), |word| {
        if is_secret_word(word)
            || (is_one_of(word, &[b"key", b"keys"]) && is_one_of(prev, &[b"api", b"private"]))
        {
            hit = true;
        }
        prev = word;
        hit
    });
    hit
}

fn is_secret_word(word: &[u8]) -> bool {
    const SUFFIXES: [&[u8]; 7] = [
        b"password",
        b"passwd",
        b"passphrase",
        b"secret",
        b"token",
        b"apikey",
        b"privatekey",
    ];
    let singular = match word.last() {
        Some(b's' | b'S') => &word[..word.len() - 1],
        _ => word,
    };
    SUFFIXES
        .iter()
        .any(|s| ends_with_ci(word, s) || ends_with_ci(singular, s))
        || is_one_of(
            word,
            &[b"auth", b"authorization", b"otp", b"totp", b"hotp", b"pwd"],
        )
}

fn ends_with_ci(word: &[u8], suffix: &[u8]) -> bool {
    word.len() >= suffix.len() && word[word.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
}

fn is_one_of(word: &[u8], set: &[&[u8]]) -> bool {
    set.iter().any(|w| word.eq_ignore_ascii_case(w))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Sep,
    Lower,
    Upper,
    Digit,
}

fn class(b: u8) -> Class {
    match b {
        b'a'..=b'z' | 0x80..=0xff => Class::Lower,
        b'A'..=b'Z' => Class::Upper,
        b'0'..=b'9' => Class::Digit,
        _ => Class::Sep,
    }
}

/// Calls `f` on each word of `name` (module docs) until it returns true.
fn for_each_word<'n>(name: &'n [u8], mut f: impl FnMut(&'n [u8]) -> bool) {
    let mut start = None::<usize>;
    for i in 0..name.len() {
        let c = class(name[i]);
        if c == Class::Sep {
            if let Some(s) = start.take() {
                if f(&name[s..i]) {
                    return;
                }
            }
            continue;
        }
        let Some(s) = start else {
            start = Some(i);
            continue;
        };
        let p = class(name[i - 1]);
        let next_lower = name.get(i + 1).is_some_and(|&b| class(b) == Class::Lower);
        let boundary = match (p, c) {
            (Class::Lower, Class::Upper) => true,
            (Class::Upper, Class::Upper) => next_lower,
            (Class::Digit, Class::Digit) => false,
            (Class::Digit, _) | (_, Class::Digit) => true,
            _ => false,
        };
        if boundary {
            if f(&name[s..i]) {
                return;
            }
            start = Some(i);
        }
    }
    if let Some(s) = start {
        f(&name[s..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(name: &str) -> Vec<String> {
        let mut out = Vec::new();
        for_each_word(name.as_bytes(), |w| {
            out.push(String::from_utf8_lossy(w).into_owned());
            false
        });
        out
    }

    #[test]
    fn words_split_on_separators_humps_and_digits() {
        assert_eq!(words("user.db_password-x"), ["user", "db", "password", "x"]);
        assert_eq!(words("accessToken"), ["access", "Token"]);
        assert_eq!(words("APIKey"), ["API", "Key"]);
        assert_eq!(words("XAuthToken"), ["X", "Auth", "Token"]);
        assert_eq!(words("password2fa"), ["password", "2", "fa"]);
        assert_eq!(words("HTTPServer"), ["HTTP", "Server"]);
        assert_eq!(words("__a__"), ["a"]);
        assert!(words("").is_empty());
        assert_eq!(words("clé_secrète"), ["clé", "secrète"]);
    }

    #[test]
    fn secret_names_hit() {
        for name in [
            "password",
            "Password",
            "db_password",
            "userpassword",
            "user.passwords",
            "PASSWD",
            "client_secret",
            "clientSecret",
            "secrets",
            "access_token",
            "csrftoken",
            "max_tokens",
            "githubToken",
            "api_key",
            "api-key",
            "api.key",
            "apiKey",
            "APIKey",
            "x-api-key",
            "apikeys",
            "private_key",
            "privateKey",
            "sshprivatekey",
            "auth",
            "x-auth",
            "AUTH",
            "proxy-authorization",
            "otp",
            "smsOtp",
            "otp_code",
            "totp",
            "hotp_counter",
            "password2",
            "passphrase",
            "gpgPassphrase",
            "key_passphrases",
            "pwd",
            "x_pwd",
            "DB-PWD",
        ] {
            assert!(is_secret_name(name), "{name} should be secret");
        }
    }

    #[test]
    fn innocent_look_alikes_miss() {
        for name in [
            "author",
            "authority",
            "authored_by",
            "authenticated",
            "authentication_method",
            "oauth_provider",
            "footprint",
            "hotpath",
            "hot_path",
            "tokenize",
            "tokenizer",
            "secretary",
            "keyboard",
            "api_version",
            "private_ip",
            "key",
            "monkey",
            "bypass",
            "passenger",
            "compass",
            "user_id",
            "oldpwd",
            "pwdx",
            "",
            "___",
        ] {
            assert!(!is_secret_name(name), "{name} should not be secret");
        }
    }

    #[test]
    fn exact_names_and_dotted_paths() {
        let mut set = NameSet::default();
        for n in ["password", "user.token", "PAN"] {
            set.insert(n);
        }
        for hit in [
            "password",
            "Password",
            "user.password",
            "a.b.PASSWORD",
            "user.token",
            "USER.token",
            "pan",
            "card.Pan",
        ] {
            assert!(set.matches(hit), "{hit}");
        }
        for miss in [
            "token",
            "a.user.token",
            "user.token.x",
            "password.hash",
            "passwords",
            "panel",
            "",
        ] {
            assert!(!set.matches(miss), "{miss}");
        }
        let long = format!("{}.password", "x".repeat(300));
        assert!(set.matches(&long));
        assert!(!set.matches(&"x".repeat(300)));
        assert!(!NameSet::default().matches("password"));
    }

    /// Review finding: exact names matched only with their own separators
    /// (`session_id` masked, `session-id` and `sessionId` kept).
    #[test]
    fn exact_names_match_in_every_spelling() {
        let mut set = NameSet::default();
        for n in [
            "session_id",
            "credit_card",
            "Set-Cookie",
            "user.token",
            "cvv2",
        ] {
            set.insert(n);
        }
        for hit in [
            "session_id",
            "session-id",
            "sessionId",
            "SessionID",
            "SESSION_ID",
            "session.id",
            "Session ID",
            "sessionid",
            "http.session-id",
            "http.session.id",
            "a.b.Session.Id",
            "creditCard",
            "credit-card",
            "CREDIT.CARD",
            "set_cookie",
            "Set-Cookie",
            "setCookie",
            "headers.set-cookie",
            "user.token",
            "user_token",
            "userToken",
            "cvv2",
            "CVV-2",
            "card.cvv_2",
        ] {
            assert!(set.matches(hit), "{hit}");
        }
        for miss in [
            "session",
            "session_ids",
            "my_session_id",
            "id",
            "cookie",
            "a.user.token",
            "token",
            "cvv",
            "cvv3",
            "",
            "-_.",
        ] {
            assert!(!set.matches(miss), "{miss}");
        }
    }

    /// Review finding: `password2` and `db_password2` were kept.
    #[test]
    fn trailing_digits_do_not_hide_a_name() {
        let mut set = NameSet::default();
        for n in ["password", "pan", "123"] {
            set.insert(n);
        }
        for hit in [
            "password2",
            "password_2",
            "Password-12",
            "user.password2",
            "password.0",
            "pan1",
            "card.PAN_9",
            "123",
            "1-2-3",
        ] {
            assert!(set.matches(hit), "{hit}");
        }
        for miss in ["password2x", "2password", "pan2a", "1234", "12"] {
            assert!(!set.matches(miss), "{miss}");
        }
    }

    #[test]
    fn dots_digits_and_separators_together() {
        let mut set = NameSet::default();
        for n in ["api_key", "pan", "7", "x.y"] {
            set.insert(n);
        }
        for hit in [
            "cfg.api.key",
            "cfg.api.key.2",
            "cfg..api_key_3",
            "cfg._api-KEY",
            "a.7",
            "a.b.7",
            "7",
            "..7..",
            "x.y",
            "X_Y",
            "x.y9",
            "pan.",
            "._pan_.",
        ] {
            assert!(set.matches(hit), "{hit}");
        }
        for miss in [
            "api",
            "key",
            "cfgapi.key",
            "a.77",
            "a.y",
            "w.x.y",
            "pan.x",
            "1.pa.nx",
        ] {
            assert!(!set.matches(miss), "{miss}");
        }
    }

    #[test]
    fn names_too_long_for_the_stack() {
        let entry = format!("{}_secret", "a".repeat(200));
        let mut set = NameSet::default();
        set.insert(&entry);
        set.insert("password");
        assert!(set.matches(&entry));
        assert!(set.matches(&entry.to_ascii_uppercase().replace('_', "-")));
        assert!(set.matches(&format!("{entry}42")));
        assert!(set.matches(&format!("x.{entry}")));
        assert!(!set.matches(&format!("{entry}x")));
        assert!(!set.matches(&format!("{entry}4x")));
        assert!(!set.matches(&"a".repeat(300)));
        assert!(set.matches(&format!("{}.password_9", "-".repeat(300))));
        // More trailing digits than fit on the stack.
        let digits = "9".repeat(300);
        assert!(set.matches(&format!("password{digits}")));
        assert!(set.matches(&format!("{entry}{digits}")));
        assert!(set.matches(&format!("b.{entry}.{digits}")));
        assert!(!set.matches(&format!("b{entry}{digits}")));
        assert!(!set.matches(&digits));
        // Only stack-sized entries: a long name costs one walk.
        let mut short = NameSet::default();
        short.insert("token");
        assert!(short.matches(&format!("{}.token", "x.".repeat(10_000))));
        assert!(!short.matches(&"x.".repeat(10_000)));
        assert!(!short.matches(&"token".repeat(10_000)));
    }

    #[test]
    fn spellings_let_every_key_form_through() {
        let of = |name: &str| -> Vec<String> {
            spellings(name)
                .iter()
                .map(|s| String::from_utf8(s.to_vec()).unwrap())
                .collect()
        };
        let s = of("sessionId");
        for form in ["session_id", "session-id", "session.id", "sessionid", "id7"] {
            assert!(s.contains(&form.to_string()), "{form} in {s:?}");
        }
        let s = of("cvv2");
        assert_eq!(s, ["cvv2"; 4]);
        let s = of("x-api-key");
        for form in [
            "x_api_key",
            "x-api-key",
            "x.api.key",
            "xapikey",
            "ey0",
            "ey9",
        ] {
            assert!(s.contains(&form.to_string()), "{form} in {s:?}");
        }
        assert!(of("__").is_empty());
    }
}
