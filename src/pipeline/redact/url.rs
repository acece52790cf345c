//! Credentials in URLs: `scheme://user:pass@host/…` → `scheme://***@host/…`.
//!
//! The scan stops at each `@` (found with memchr) and looks back for the
//! `scheme://` of the URL it belongs to. The userinfo is everything between
//! `://` and the *last* `@` of the authority, so a password with a raw `@`
//! (`postgres://u:p@ss@db/x`) is masked whole. The authority ends at `/`,
//! `?`, `#`, whitespace, a quote, `<`, `>` or a backtick; an `@` after that
//! (`https://host/?mail=a@b.c`) is not userinfo.
//!
//! Schemes (ASCII case-insensitive): http(s), ftp(s), ssh, sftp, git, svn,
//! postgres(ql), mysql, mongodb(+srv), mssql, sqlserver, redis(s), amqp(s),
//! nats, ldap(s), smtp(s); a compound scheme matches on its last `+` part
//! (`git+ssh`, `svn+ssh`).

const SCHEMES: &[&[u8]] = &[
    b"http",
    b"https",
    b"ftp",
    b"ftps",
    b"sftp",
    b"ssh",
    b"git",
    b"svn",
    b"postgres",
    b"postgresql",
    b"mysql",
    b"mongodb",
    b"mongodb+srv",
    b"mssql",
    b"sqlserver",
    b"redis",
    b"rediss",
    b"amqp",
    b"amqps",
    b"nats",
    b"ldap",
    b"ldaps",
    b"smtp",
    b"smtps",
];

/// Bytes that end a URL's authority (and stop the look-back from `@`).
fn ends_authority(b: u8) -> bool {
    b <= b' '
        || matches!(
            b,
            b'/' | b'?' | b'#' | b'"' | b'\'' | b'<' | b'>' | b'`' | 0x7f
        )
}

/// The userinfo span of the URL whose authority holds the `@` at `at`, and
/// where that authority ends (resume the scan there). `None` when this `@`
/// is not inside a known scheme's authority.
pub(super) fn userinfo_at(t: &[u8], at: usize) -> Option<(usize, usize, usize)> {
    // Back to "://", through userinfo bytes only. Stopping at an earlier '@'
    // keeps the scan linear: that '@' already looked back along this path.
    let mut j = at;
    let slashes = loop {
        if j == 0 {
            return None;
        }
        j -= 1;
        match t[j] {
            b'/' if j >= 2 && &t[j - 2..j] == b":/" => break j - 2,
            b'@' => return None,
            b if ends_authority(b) => return None,
            _ => {}
        }
    };
    if !known_scheme(t, slashes) {
        return None;
    }
    let start = slashes + 3;
    let mut last_at = at;
    let mut end = at + 1;
    while end < t.len() && !ends_authority(t[end]) {
        if t[end] == b'@' {
            last_at = end;
        }
        end += 1;
    }
    (last_at > start).then_some((start, last_at, end))
}

/// True when the scheme that ends at `colon` (the `:` of `://`) is listed.
fn known_scheme(t: &[u8], colon: usize) -> bool {
    let mut s = colon;
    while s > 0 && colon - s < 16 {
        let b = t[s - 1];
        if b.is_ascii_alphanumeric() || matches!(b, b'+' | b'.' | b'-') {
            s -= 1;
        } else {
            break;
        }
    }
    let scheme = &t[s..colon];
    let last_part = match memchr::memrchr(b'+', scheme) {
        Some(p) => &scheme[p + 1..],
        None => scheme,
    };
    SCHEMES
        .iter()
        .any(|k| scheme.eq_ignore_ascii_case(k) || last_part.eq_ignore_ascii_case(k))
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
    fn userinfo_of_known_schemes() {
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

    #[test]
    fn not_userinfo() {
        for s in [
            "mail me at a@b.com",
            "https://host/path?mail=a@b.com",
            "https://host#frag@x",
            "custom://u:p@h",
            "https://@host",
            "@https://",
            "://u:p@h",
            "https://u p@h",
            "a@b@c@d",
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
