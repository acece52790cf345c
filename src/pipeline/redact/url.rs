//! Credentials in URLs: `scheme://user:pass@host/…` → `scheme://***@host/…`.
//!
//! Any scheme RFC 3986 allows, `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`
//! in any case (`https`, `postgresql+psycopg2`, `socks5`, `wss`, `x-custom`;
//! `jdbc:postgresql://` by its last scheme), not a list: a scheme nobody
//! listed must not leak its password.
//!
//! The scan stops at each `@` (found with memchr) and looks back for the
//! `://` of the URL it belongs to. A URL ends at whitespace, a control
//! byte, a quote, `<`, `>` or a backtick. The whole userinfo (user and
//! password) becomes one mask:
//!
//! - **The usual case**: the authority runs from `://` to the first `/`,
//!   `?` or `#`; when it holds an `@`, the userinfo runs to its *last* `@`,
//!   so a password with a raw `@` (`postgres://u:p@ss@db/x`) is masked whole,
//!   and an `@` after the authority (`https://host/?mail=a@b.c`,
//!   `https://medium.com/@user`) is not userinfo.
//! - **A raw `/`, `?` or `#` in the password** (`postgres://app:hu/nter2@db`,
//!   `redis://:hunt#er2@cache`): when the authority holds no `@` but a `:`
//!   followed by something that is not a port (digits, or nothing, or the
//!   end of an IPv6 literal `[::1]`), the `/`, `?` or `#` is taken to be
//!   inside the password, and the userinfo runs to the *last* `@` before
//!   the URL ends. This masks too much rather than too little: in
//!   `https://u:p/x?m=a@b.c` everything up to `a@` goes.
//!
//! What still leaks (documented in the README): a password made only of
//! digits followed by a raw `/` (`u:1234/5@h` reads as host `u`, port 1234),
//! a user name with a raw `/` and no password, and a password with both a
//! raw `@` and, after it, a raw `/`, `?` or `#` (`u:p@s/s@h` keeps `s/s`).
//!
//! Linear: the look-back from an `@` stops at an earlier `@` (which already
//! looked back along the same bytes) and at the end of a URL; a URL whose
//! userinfo is found is skipped past by the caller; the forward scans stop
//! at the authority, or, for the raw-`/` case, at the end of the URL, after
//! which the caller resumes.

/// Bytes that end a URL: nothing after them belongs to it.
fn ends_url(b: u8) -> bool {
    b <= b' ' || matches!(b, b'"' | b'\'' | b'<' | b'>' | b'`' | 0x7f)
}

/// Bytes that end a URL's authority.
fn ends_authority(b: u8) -> bool {
    ends_url(b) || matches!(b, b'/' | b'?' | b'#')
}

/// The userinfo span of the URL that the `@` at `at` belongs to, and where
/// the scan for `@` may resume (past every `@` the userinfo took in). `None`
/// when this `@` is not part of a `scheme://` URL's userinfo.
pub(super) fn userinfo_at(t: &[u8], at: usize) -> Option<(usize, usize, usize)> {
    // Back to "://". Stopping at an earlier '@' keeps the scan linear: that
    // '@' already looked back along this path.
    let mut j = at;
    let colon = loop {
        if j == 0 {
            return None;
        }
        j -= 1;
        match t[j] {
            b'/' if j >= 2 && &t[j - 2..j] == b":/" => break j - 2,
            b'@' => return None,
            b if ends_url(b) => return None,
            _ => {}
        }
    };
    if !has_scheme(t, colon) {
        return None;
    }
    let start = colon + 3;
    // The authority, and its last '@'.
    let mut authority_end = start;
    let mut last_at = None;
    while authority_end < t.len() && !ends_authority(t[authority_end]) {
        if t[authority_end] == b'@' {
            last_at = Some(authority_end);
        }
        authority_end += 1;
    }
    if let Some(last_at) = last_at {
        return (last_at > start).then_some((start, last_at, authority_end));
    }
    // No '@' in the authority: `at` is past a '/', '?' or '#'. Is that
    // byte inside a password? Only after a ':' that does not start a port.
    let authority = &t[start..authority_end];
    let colon = memchr::memrchr(b':', authority)?;
    let after = &authority[colon + 1..];
    if after.iter().all(u8::is_ascii_digit) || after.contains(&b']') {
        return None;
    }
    // The userinfo runs to the last '@' before the URL ends (the look-back
    // saw no '@' between `start` and `at`).
    let mut last_at = at;
    let mut end = at + 1;
    while end < t.len() && !ends_url(t[end]) {
        if t[end] == b'@' {
            last_at = end;
        }
        end += 1;
    }
    let host_end = t[last_at + 1..end]
        .iter()
        .position(|&b| ends_authority(b))
        .map_or(end, |n| last_at + 1 + n);
    Some((start, last_at, host_end))
}

/// True when an RFC 3986 scheme ends at `colon` (the `:` of `://`): the
/// letters, digits, `+`, `-` and `.` before it, from the first letter.
fn has_scheme(t: &[u8], colon: usize) -> bool {
    // The look-back from the '@' stopped at no earlier '@' nor URL end, and
    // neither is a scheme byte: this walk stays within the same bytes.
    let mut s = colon;
    while s > 0 && (t[s - 1].is_ascii_alphanumeric() || matches!(t[s - 1], b'+' | b'-' | b'.')) {
        s -= 1;
    }
    t[s..colon].iter().any(u8::is_ascii_alphabetic)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The userinfo found at the first '@', as text.
    fn userinfo(s: &str) -> Option<&str> {
        let at = s.find('@')?;
        userinfo_at(s.as_bytes(), at).map(|(a, b, _)| &s[a..b])
    }

    #[test]
    fn userinfo_of_common_schemes() {
        assert_eq!(userinfo("https://user:pass@host/x"), Some("user:pass"));
        assert_eq!(userinfo("see HTTP://u:p@h"), Some("u:p"));
        assert_eq!(userinfo("postgres://u:p@ss@db:5432/x"), Some("u:p@ss"));
        assert_eq!(userinfo("jdbc:postgresql://a:b@h/db"), Some("a:b"));
        assert_eq!(userinfo("mongodb+srv://a:b@c.net"), Some("a:b"));
        assert_eq!(userinfo("git+ssh://git@github.com/x"), Some("git"));
        assert_eq!(userinfo("\"redis://:hunter2@cache\""), Some(":hunter2"));
        assert_eq!(userinfo("amqps://guest:guest@mq?x=1"), Some("guest:guest"));
        let s = "x ldap://cn=admin:s3cr3t@ldap.local";
        assert_eq!(userinfo(s), Some("cn=admin:s3cr3t"));
    }

    /// Review finding: a compound scheme was matched on its last `+` part
    /// (the driver, for SQLAlchemy URLs) and unlisted schemes leaked.
    #[test]
    fn userinfo_of_any_rfc3986_scheme() {
        for (url, userinfo_text) in [
            ("postgresql+psycopg2://app:hunter2@db/app", "app:hunter2"),
            ("mysql+pymysql://app:hunter2@db/app", "app:hunter2"),
            ("oracle+cx_oracle://app:hunter2@db", "app:hunter2"),
            ("socks5://app:hunter2@proxy:1080", "app:hunter2"),
            ("socks5h://app:hunter2@proxy:1080", "app:hunter2"),
            ("wss://app:hunter2@host/x", "app:hunter2"),
            ("custom://u:p@h", "u:p"),
            ("x-vendor.proto+tls://u:p@h", "u:p"),
            ("CouchDB://admin:hunter2@h:5984", "admin:hunter2"),
            ("(1http://u:p@h)", "u:p"),
        ] {
            assert_eq!(userinfo(url), Some(userinfo_text), "{url}");
        }
    }

    /// Review finding: a raw `/` or `#` in the password cut the authority
    /// short and the password leaked.
    #[test]
    fn raw_slash_query_or_hash_in_the_password() {
        for (url, userinfo_text) in [
            ("postgres://app:hu/nter2@db/app", "app:hu/nter2"),
            ("redis://:hunt#er2@cache", ":hunt#er2"),
            ("https://u:p?w@h/x", "u:p?w"),
            ("https://u:a/b/c#d?e@h:1/x?y=1#z", "u:a/b/c#d?e"),
            // The last '@' before the URL ends: a second raw '@' too.
            ("mysql://u:p/a@b@db/x", "u:p/a@b"),
            // Too much rather than too little.
            ("https://u:p/x?m=a@b.c", "u:p/x?m=a"),
            ("ftp://u:12ab/c@h", "u:12ab/c"),
        ] {
            assert_eq!(userinfo(url), Some(userinfo_text), "{url}");
        }
        // The scan resumes past the last '@' the userinfo took in.
        let s = "dsn=redis://:hunt#er2@cache:6379/0?x=a@b more@text";
        let at = s.find('@').unwrap();
        let (start, end, resume) = userinfo_at(s.as_bytes(), at).unwrap();
        assert_eq!(&s[start..end], ":hunt#er2@cache:6379/0?x=a");
        assert_eq!(&s[resume..], " more@text");
    }

    #[test]
    fn not_userinfo() {
        for s in [
            "mail me at a@b.com",
            "https://host/path?mail=a@b.com",
            "https://host:8443/path?mail=a@b.com",
            "https://host:/x@y",
            "http://[::1]/x?m=a@b.c",
            "http://[::1]:8080/x?m=a@b.c",
            "https://medium.com/@user/post",
            "https://host#frag@x",
            "https://@host",
            "@https://",
            "://u:p@h",
            "1+2://u:p@h",
            "https://u p@h",
            "https://u:p\"@h",
            "a@b@c@d",
            "file:///x:y/z@h",
        ] {
            assert_eq!(userinfo(s), None, "{s}");
        }
    }

    #[test]
    fn authority_end_is_reported() {
        let s = "ftp://u:p@h:21/file and more";
        let at = s.find('@').unwrap();
        let (_, _, end) = userinfo_at(s.as_bytes(), at).unwrap();
        assert_eq!(&s[end..], "/file and more");
    }
}
