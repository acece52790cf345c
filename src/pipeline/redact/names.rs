//! Field-name rules: exact names and dotted paths, and secret-name patterns.
//!
//! **Exact names** ([`NameSet`]) compare ASCII case-insensitively. An entry
//! without a dot matches a field whose whole name, or whose last dotted
//! segment, equals it (`password` matches `password`, `user.password`,
//! `Password`); an entry with dots matches the whole name only (`user.token`
//! matches `USER.token`, not `token` nor `a.user.token`).
//!
//! **Secret-name patterns** ([`is_secret_name`]) look at the *words* of a
//! name: it is split on every byte that is not an ASCII letter or digit
//! (`_ - .` and the rest), at camelCase humps (`accessToken` → access|Token,
//! `APIKey` → API|Key) and between letters and digits (`password2` →
//! password|2). A name is secret when one of its words
//!
//! - ends with `password`, `passwd`, `secret` or `token`, optionally plural:
//!   `db_password`, `userpassword`, `clientSecret`, `csrftoken`, `max_tokens`
//!   hit; `tokenize`, `tokenizer`, `secretary` do not;
//! - ends with `apikey` or `privatekey` (plural too), or is `key`/`keys`
//!   right after a word `api` or `private`: `api_key`, `x-api-key`,
//!   `apiKey`, `APIKey`, `private.key`, `sshprivatekey`;
//! - is exactly `auth`, `authorization`, `otp`, `totp` or `hotp`: `auth`,
//!   `x-auth`, `proxy-authorization`, `smsOtp`, `otp_code` hit; `author`,
//!   `authority`, `authenticated`, `oauth`, `footprint`, `hotpath` do not.
//!
//! Non-ASCII bytes count as lowercase letters.

use std::collections::HashSet;

/// Exact names and dotted paths, stored lowercase.
#[derive(Debug, Default)]
pub(super) struct NameSet {
    /// Entries without a dot: matched against the whole name and its last
    /// dotted segment.
    plain: HashSet<Box<[u8]>>,
    /// Entries with a dot: matched against the whole name.
    dotted: HashSet<Box<[u8]>>,
    /// The longest entry: longer names skip the lowercase copy.
    longest: usize,
}

/// Names up to this length are lowercased on the stack before lookup.
const STACK_NAME: usize = 128;

impl NameSet {
    pub(super) fn insert(&mut self, name: &str) {
        let lower: Box<[u8]> = name.to_ascii_lowercase().into_bytes().into();
        if lower.is_empty() {
            return;
        }
        self.longest = self.longest.max(lower.len());
        if lower.contains(&b'.') {
            self.dotted.insert(lower);
        } else {
            self.plain.insert(lower);
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.plain.is_empty() && self.dotted.is_empty()
    }

    /// Every entry, lowercase.
    pub(super) fn entries(&self) -> impl Iterator<Item = &[u8]> {
        self.plain.iter().chain(&self.dotted).map(|e| &**e)
    }

    /// True when `name` matches an entry (see the module docs). Does not
    /// allocate.
    pub(super) fn matches(&self, name: &str) -> bool {
        if self.is_empty() {
            return false;
        }
        let name = name.as_bytes();
        let last = match memchr::memrchr(b'.', name) {
            Some(dot) => &name[dot + 1..],
            None => name,
        };
        if last.len() > self.longest {
            return false;
        }
        if name.len() > STACK_NAME {
            // Only `last` can match: the whole name is longer than any entry.
            return self.contains_ci(&self.plain, last);
        }
        let mut buf = [0u8; STACK_NAME];
        let lower = &mut buf[..name.len()];
        lower.copy_from_slice(name);
        lower.make_ascii_lowercase();
        let lower_last = &lower[name.len() - last.len()..];
        self.plain.contains(&*lower)
            || self.plain.contains(lower_last)
            || (!self.dotted.is_empty() && self.dotted.contains(&*lower))
    }

    fn contains_ci(&self, set: &HashSet<Box<[u8]>>, name: &[u8]) -> bool {
        set.iter().any(|entry| entry.eq_ignore_ascii_case(name))
    }
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
    const SUFFIXES: [&[u8]; 6] = [
        b"password",
        b"passwd",
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
        || is_one_of(word, &[b"auth", b"authorization", b"otp", b"totp", b"hotp"])
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
}
