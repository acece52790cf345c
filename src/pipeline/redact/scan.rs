//! The value scanner: finds every secret in a string and builds the
//! redacted copy.
//!
//! Clean text must cost close to a memchr pass, so the text is walked once:
//! [`super::windows`] marks, 64 bytes at a time with SSE2 or AVX2 compares,
//! the bytes where a detector may start, and only those are looked at:
//!
//! | trigger | detectors |
//! |---|---|
//! | `@` | URL userinfo ([`super::url`]), e-mail ([`super::contact`]) |
//! | `b`/`B` + `e`/`a`, any case | `Bearer`/`Basic` credentials ([`super::tokens`]) |
//! | `IA` (of `AKIA`, `ASIA`), `yJ` (of `eyJ`) | AWS key ids, JWTs |
//! | `-B` (of `-----BEGIN `) | PEM private keys ([`super::pem`]) |
//! | digit spans ≥ 12–13 bytes ([`super::digits`]) | cards, North American phones |
//! | `+`/`(` | international and `(NXX)` phones |
//! | `=`/`:` (none inside a value it masked) | `key=value` pairs whose key names a secret ([`super::keyvalue`]) |
//! | each configured pattern (memmem, a pass of its own) | literal patterns |
//!
//! Detectors run independently and report spans; overlapping spans are
//! merged and each merged span becomes one mask. Every detection is
//! counted, so a JWT after `Bearer` counts once as `bearer` and once as
//! `jwt`. Nothing is allocated until something is found.

use bumpalo::collections::{String as BumpString, Vec as BumpVec};
use bumpalo::Bump;
use memchr::memmem::Finder;

use super::counters::RedactionKind;
use super::windows;
use super::{cards, contact, keyvalue, pem, tokens, url};

/// A span of the text to mask, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Hit {
    pub start: usize,
    pub end: usize,
    pub kind: RedactionKind,
}

/// Which scanners run, with their compiled finders.
pub(super) struct Scanner {
    credentials: bool,
    cards: bool,
    contact: bool,
    pem_end: Finder<'static>,
    patterns: Vec<Finder<'static>>,
}

impl Scanner {
    pub(super) fn new(
        credentials: bool,
        cards: bool,
        contact: bool,
        patterns: &[String],
    ) -> Scanner {
        Scanner {
            credentials,
            cards,
            contact,
            pem_end: Finder::new(b"-----END "),
            patterns: patterns
                .iter()
                .filter(|p| !p.is_empty())
                .map(|p| Finder::new(p.as_bytes()).into_owned())
                .collect(),
        }
    }

    /// Every secret in `text`. Allocates in `arena` only when one is found.
    pub(super) fn find<'a>(
        &self,
        text: &str,
        arena: &'a Bump,
        key_filter: &keyvalue::KeyFilter,
        is_secret_key: &dyn Fn(&str) -> bool,
    ) -> BumpVec<'a, Hit> {
        let t = text.as_bytes();
        let mut hits = BumpVec::new_in(arena);
        let mut push = |(start, end): (usize, usize), kind| {
            if start < end {
                hits.push(Hit { start, end, kind });
            }
        };
        if self.credentials || self.cards || self.contact {
            let mut spans = (self.cards || self.contact)
                .then(|| windows::Spans::new(if self.contact { 12 } else { 13 }));
            // Where each detector that skips what it masked may look again.
            let mut resume = Resume::default();
            windows::for_each_block(t, |w, m| {
                if self.credentials {
                    let mut bits = m.sep;
                    while bits != 0 {
                        let at = w + bits.trailing_zeros() as usize;
                        bits &= bits - 1;
                        // A separator inside a value just masked is part
                        // of the secret: looking again would rescan it.
                        if at >= resume.kv && keyvalue::key_may_be_secret(t, at, key_filter) {
                            if let Some(span) =
                                keyvalue::secret_value_after(t, at, key_filter, is_secret_key)
                            {
                                push(span, RedactionKind::KeyValue);
                                resume.kv = span.1;
                            }
                        }
                    }
                    let mut bits = m.auth;
                    while bits != 0 {
                        let i = w + bits.trailing_zeros() as usize;
                        bits &= bits - 1;
                        if i >= resume.auth {
                            if let Some(span) = tokens::auth_scheme_at(t, i) {
                                push(span, RedactionKind::Bearer);
                                resume.auth = span.1;
                            }
                        }
                    }
                }
                if let Some(spans) = &mut spans {
                    spans.block(t, w, m.class, &mut |s, e| {
                        if self.cards {
                            cards::cards_in_span(t, s, e, |a, b| push((a, b), RedactionKind::Card));
                        }
                        if let Some(span) = self
                            .contact
                            .then(|| contact::phone_in_span(t, s, e))
                            .flatten()
                        {
                            push(span, RedactionKind::Phone);
                        }
                    });
                }
                let mut bits = m.rare;
                while bits != 0 {
                    let at = w + bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    if let Some((span, kind)) = self.rare_at(t, at, &mut resume) {
                        push(span, kind);
                    }
                }
            });
        }
        for finder in &self.patterns {
            let len = finder.needle().len();
            for i in finder.find_iter(t) {
                push((i, i + len), RedactionKind::Pattern);
            }
        }
        hits
    }

    /// The detector for the rare anchor at `at` ([`windows`]), by its byte.
    #[inline]
    fn rare_at(
        &self,
        t: &[u8],
        at: usize,
        resume: &mut Resume,
    ) -> Option<((usize, usize), RedactionKind)> {
        match t[at] {
            b'@' if at >= resume.at && (self.credentials || self.contact) => {
                if let Some((start, end, authority_end)) = url::userinfo_at(t, at) {
                    resume.at = authority_end;
                    self.credentials
                        .then_some(((start, end), RedactionKind::UrlCredentials))
                } else if self.contact {
                    let span = contact::email_at(t, at)?;
                    resume.at = span.1;
                    Some((span, RedactionKind::Email))
                } else {
                    None
                }
            }
            b'+' if self.contact => Some((contact::phone_plus_at(t, at)?, RedactionKind::Phone)),
            b'(' if self.contact => Some((contact::phone_paren_at(t, at)?, RedactionKind::Phone)),
            // `IA` ends `AKIA` and `ASIA`.
            b'I' if self.credentials && at >= 2 && matches!(&t[at - 2..at], b"AK" | b"AS") => {
                Some((tokens::aws_key_at(t, at - 2)?, RedactionKind::AwsKey))
            }
            // `yJ` is inside `eyJ`.
            b'y' if self.credentials && at > resume.jwt && t[at - 1] == b'e' => {
                let span = tokens::jwt_at(t, at - 1)?;
                resume.jwt = span.1;
                Some((span, RedactionKind::Jwt))
            }
            // `-B` ends `-----B`.
            b'-' if self.credentials
                && at >= 4 + resume.pem
                && t[at - 4..].starts_with(PEM_BEGIN) =>
            {
                let span = pem::private_key_block_at(t, at - 4, &self.pem_end)?;
                resume.pem = span.1;
                Some((span, RedactionKind::Pem))
            }
            _ => None,
        }
    }
}

const PEM_BEGIN: &[u8] = b"-----BEGIN ";

/// Where the detectors that skip what they matched may look again.
#[derive(Default)]
struct Resume {
    /// `@`: after a URL's authority or an e-mail address.
    at: usize,
    /// `key=value` separators: after the masked value.
    kv: usize,
    /// `Bearer`/`Basic`: after the credential.
    auth: usize,
    /// JWTs: after the token.
    jwt: usize,
    /// PEM blocks: after the block.
    pem: usize,
}

/// `text` with each merged run of overlapping `hits` replaced by `mask`.
/// Every hit starts and ends on a char boundary: detectors anchor on ASCII
/// bytes, and a pattern found in valid UTF-8 is whole characters.
pub(super) fn apply<'a>(text: &str, hits: &mut [Hit], mask: &str, arena: &'a Bump) -> &'a str {
    hits.sort_unstable_by_key(|h| (h.start, h.end));
    let mut out = BumpString::with_capacity_in(text.len(), arena);
    let (mut copied, mut i) = (0, 0);
    while i < hits.len() {
        let (start, mut end) = (hits[i].start, hits[i].end);
        i += 1;
        while i < hits.len() && hits[i].start < end {
            end = end.max(hits[i].end);
            i += 1;
        }
        out.push_str(&text[copied..start]);
        out.push_str(mask);
        copied = end;
    }
    out.push_str(&text[copied..]);
    out.into_bump_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redact(scanner: &Scanner, s: &str) -> String {
        let arena = Bump::new();
        let mut hits = scanner.find(
            s,
            &arena,
            &keyvalue::KeyFilter::new(false, std::iter::empty()),
            &|_| false,
        );
        apply(s, &mut hits, "***", &arena).to_string()
    }

    #[test]
    fn overlapping_hits_become_one_mask() {
        let scanner = Scanner::new(true, true, true, &["s3cr3t".into(), "cr3t-x".into()]);
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sig";
        assert_eq!(
            redact(&scanner, &format!("auth: Bearer {jwt} ok")),
            "auth: Bearer *** ok"
        );
        assert_eq!(redact(&scanner, "a s3cr3t-x b s3cr3t"), "a *** b ***");
        assert_eq!(
            redact(&scanner, "ssh://git@github.com/x"),
            "ssh://***@github.com/x"
        );
        assert_eq!(redact(&scanner, "u@x.io,v@y.io"), "***,***");
    }

    #[test]
    fn presets_switch_detectors() {
        let creds = Scanner::new(true, false, false, &[]);
        let s = "a@b.io 4111 1111 1111 1111 (202) 555-0143 https://u:p@h AKIAIOSFODNN7EXAMPLE";
        assert_eq!(
            redact(&creds, s),
            "a@b.io 4111 1111 1111 1111 (202) 555-0143 https://***@h ***"
        );
        let pci = Scanner::new(false, true, false, &[]);
        assert_eq!(
            redact(&pci, s),
            "a@b.io *** (202) 555-0143 https://u:p@h AKIAIOSFODNN7EXAMPLE"
        );
        let contact = Scanner::new(false, false, true, &[]);
        assert_eq!(
            redact(&contact, s),
            "*** 4111 1111 1111 1111 *** https://u:p@h AKIAIOSFODNN7EXAMPLE"
        );
    }

    #[test]
    fn clean_text_finds_nothing() {
        let scanner = Scanner::new(true, true, true, &["zzz".into()]);
        let arena = Bump::new();
        let s = "GET /api/v1/users/42 200 in 3.2 ms, order 1234567812345678, basic setup done";
        assert!(scanner
            .find(
                s,
                &arena,
                &keyvalue::KeyFilter::new(false, std::iter::empty()),
                &|_| false
            )
            .is_empty());
        assert_eq!(arena.allocated_bytes(), 0);
    }
}
