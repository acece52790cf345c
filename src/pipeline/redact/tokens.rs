//! Credentials with a recognisable shape: `Bearer`/`Basic` credentials, AWS
//! access key ids and JSON Web Tokens. Each function is called at a trigger
//! position found by memchr/memmem and returns the span to mask.
//!
//! - **Bearer/Basic**: the word `bearer` or `basic` (any case, not preceded
//!   by a letter or digit), one or more spaces or tabs, then a token68
//!   (`A–Z a–z 0–9 - . _ ~ + /`, then `=` padding) of at least 8 bytes
//!   with a digit or an uppercase letter after its first byte, so that
//!   English and identifiers (`Basic configuration`, `bearer of bad news`,
//!   `bearer order_no=…`) are left alone; a random token of 8 or more
//!   bytes without one is vanishingly rare. Only the token is masked:
//!   `Bearer ***`.
//! - **AWS access key ids**: `AKIA` or `ASIA` and 16 uppercase letters or
//!   digits, with no letter or digit on either side.
//! - **JWTs**: `eyJ` (base64url of `{"`) not preceded by a base64url byte,
//!   a base64url segment of at least 10 bytes in all, `.`, a segment of at
//!   least 2 bytes, `.`, and a signature segment (possibly empty, as with
//!   `alg: none`). The whole token is masked.

/// The `Bearer`/`Basic` credential whose keyword starts at `i`.
pub(super) fn auth_scheme_at(t: &[u8], i: usize) -> Option<(usize, usize)> {
    if i > 0 && t[i - 1].is_ascii_alphanumeric() {
        return None;
    }
    let rest = &t[i..];
    let keyword = if starts_with_ci(rest, b"bearer") {
        6
    } else if starts_with_ci(rest, b"basic") {
        5
    } else {
        return None;
    };
    let spaces = rest[keyword..]
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    if spaces == 0 {
        return None;
    }
    let start = i + keyword + spaces;
    let mut end = start + t[start..].iter().take_while(|&&b| is_token68(b)).count();
    end += t[end..].iter().take_while(|&&b| b == b'=').count();
    let token = &t[start..end];
    let token_like = token.len() >= 8
        && token[1..]
            .iter()
            .any(|b| b.is_ascii_digit() || b.is_ascii_uppercase());
    token_like.then_some((start, end))
}

fn is_token68(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
}

fn starts_with_ci(t: &[u8], word: &[u8]) -> bool {
    t.len() >= word.len() && t[..word.len()].eq_ignore_ascii_case(word)
}

/// The AWS access key id whose `AKIA`/`ASIA` starts at `i`.
pub(super) fn aws_key_at(t: &[u8], i: usize) -> Option<(usize, usize)> {
    let end = i + 20;
    let ok = end <= t.len()
        && (i == 0 || !t[i - 1].is_ascii_alphanumeric())
        && t[i + 4..end]
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        && t.get(end).is_none_or(|b| !b.is_ascii_alphanumeric());
    ok.then_some((i, end))
}

fn is_base64url(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// The JWT whose `eyJ` starts at `i`.
pub(super) fn jwt_at(t: &[u8], i: usize) -> Option<(usize, usize)> {
    if i > 0 && is_base64url(t[i - 1]) {
        return None;
    }
    let segment = |from: usize| from + t[from..].iter().take_while(|&&b| is_base64url(b)).count();
    let header_end = segment(i);
    if header_end - i < 10 || t.get(header_end) != Some(&b'.') {
        return None;
    }
    let payload_end = segment(header_end + 1);
    if payload_end - header_end - 1 < 2 || t.get(payload_end) != Some(&b'.') {
        return None;
    }
    Some((i, segment(payload_end + 1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    type Detector = fn(&[u8], usize) -> Option<(usize, usize)>;

    fn found(f: Detector, s: &str, at: &str) -> Option<String> {
        let i = s.find(at).expect("trigger");
        f(s.as_bytes(), i).map(|(a, b)| s[a..b].to_string())
    }

    #[test]
    fn bearer_and_basic_tokens() {
        let f = auth_scheme_at;
        let hit = |s, at, tok: &str| assert_eq!(found(f, s, at).as_deref(), Some(tok), "{s}");
        hit(
            "Authorization: Bearer abc123DEF456",
            "Bearer",
            "abc123DEF456",
        );
        hit(
            "authorization=bearer\tx.y.z-123_45",
            "bearer",
            "x.y.z-123_45",
        );
        hit(
            "BASIC dXNlcjpwYXNzd29yZA==;",
            "BASIC",
            "dXNlcjpwYXNzd29yZA==",
        );
        hit("(Basic   Zm9vOmJhcg==)", "Basic", "Zm9vOmJhcg==");
        hit("bearer 1234567890", "bearer", "1234567890");
    }

    #[test]
    fn bearer_look_alikes() {
        for (s, at) in [
            ("Basic configuration loaded", "Basic"),
            ("basic authentication failed", "basic"),
            ("the bearer of bad news", "bearer"),
            ("Bearer token expired", "Bearer"),
            ("Bearer: abcDEF123456", "Bearer"),
            ("xbearer abcDEF123456", "bearer"),
            ("Bearer", "Bearer"),
            ("basically ABCDEF12345", "basic"),
            ("bearer order_no=17625527", "bearer"),
            ("Basic Configuration", "Basic"),
        ] {
            assert_eq!(found(auth_scheme_at, s, at), None, "{s}");
        }
    }

    #[test]
    fn aws_key_ids() {
        let s = "key=AKIAIOSFODNN7EXAMPLE, temp ASIAY34FZKBOKMUTVV7A.";
        assert_eq!(
            found(aws_key_at, s, "AKIA").as_deref(),
            Some("AKIAIOSFODNN7EXAMPLE")
        );
        assert_eq!(
            found(aws_key_at, s, "ASIA").as_deref(),
            Some("ASIAY34FZKBOKMUTVV7A")
        );
        for s in [
            "AKIAIOSFODNN7EXAMPL",    // 15 after the prefix
            "AKIAIOSFODNN7EXAMPLE1",  // 17
            "xAKIAIOSFODNN7EXAMPLE",  // glued to a word
            "AKIAiosfodnn7example",   // lowercase
            "ASIAN markets are open", // a word
        ] {
            let at = if s.contains("AKIA") { "AKIA" } else { "ASIA" };
            assert_eq!(found(aws_key_at, s, at), None, "{s}");
        }
    }

    #[test]
    fn jwts() {
        let jwt =
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let s = format!("token={jwt} next");
        assert_eq!(found(jwt_at, &s, "eyJ").as_deref(), Some(jwt));
        let none = "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.";
        assert_eq!(found(jwt_at, none, "eyJ").as_deref(), Some(none));
        for s in [
            "eyJhbGciOiJIUzI1NiJ9",               // header only
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIi",      // two segments
            "eyJhb.eyJzdWIiOiIxMjM0In0.sig",      // header too short
            "xeyJhbGciOiJIUzI1NiJ9.eyJzdWIi.sig", // inside base64
            "eyJhbGciOiJIUzI1NiJ9.e.sig",         // payload too short
        ] {
            assert_eq!(found(jwt_at, s, "eyJ"), None, "{s}");
        }
    }
}
