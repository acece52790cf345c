//! The value scanner: finds every secret in a string and builds the
//! redacted copy.
//!
//! Clean text must cost close to a memchr pass, so each detector jumps
//! between rare trigger bytes with memchr/memmem and only then looks closer:
//!
//! | trigger | detectors |
//! |---|---|
//! | `@` (memchr) | URL userinfo ([`super::url`]), e-mail ([`super::contact`]) |
//! | `b`/`B` + `e`/`a`, any case ([`super::windows`], SSE2) | `Bearer`/`Basic` credentials ([`super::tokens`]) |
//! | `AKIA`, `ASIA`, `eyJ` (memmem) | AWS key ids, JWTs |
//! | `-----BEGIN ` (memmem) | PEM private keys ([`super::pem`]) |
//! | digit spans ≥ 12–13 bytes ([`super::windows`], [`super::digits`]) | cards, North American phones |
//! | `+`/`(` (memchr2) | international and `(NXX)` phones |
//! | `=`/`:` ([`super::windows`], SSE2) | `key=value` pairs whose key names a secret ([`super::keyvalue`]) |
//! | each configured pattern (memmem) | literal patterns |
//!
//! Detectors run independently and report spans; overlapping spans are
//! merged and each merged span becomes one mask. Every detection is
//! counted, so a JWT after `Bearer` counts once as `bearer` and once as
//! `jwt`. Nothing is allocated until something is found.

use bumpalo::collections::{String as BumpString, Vec as BumpVec};
use bumpalo::Bump;
use memchr::memmem::Finder;

use super::counters::RedactionKind;
use super::windows::{self, Trigger};
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
    akia: Finder<'static>,
    asia: Finder<'static>,
    jwt: Finder<'static>,
    pem_begin: Finder<'static>,
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
            akia: Finder::new(b"AKIA"),
            asia: Finder::new(b"ASIA"),
            jwt: Finder::new(b"eyJ"),
            pem_begin: Finder::new(b"-----BEGIN "),
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
        if self.credentials || self.contact {
            let mut resume = 0;
            for at in memchr::memchr_iter(b'@', t) {
                if at < resume {
                    continue;
                }
                if let Some((start, end, authority_end)) = url::userinfo_at(t, at) {
                    if self.credentials {
                        push((start, end), RedactionKind::UrlCredentials);
                    }
                    resume = authority_end;
                } else if let Some(span) = self.contact.then(|| contact::email_at(t, at)).flatten()
                {
                    push(span, RedactionKind::Email);
                    resume = span.1;
                }
            }
        }
        if self.credentials {
            for finder in [&self.akia, &self.asia] {
                for i in finder.find_iter(t) {
                    if let Some(span) = tokens::aws_key_at(t, i) {
                        push(span, RedactionKind::AwsKey);
                    }
                }
            }
            let mut resume = 0;
            for i in self.jwt.find_iter(t) {
                if i < resume {
                    continue;
                }
                if let Some(span) = tokens::jwt_at(t, i) {
                    push(span, RedactionKind::Jwt);
                    resume = span.1;
                }
            }
            let mut from = 0;
            while let Some(p) = self.pem_begin.find(&t[from..]) {
                let i = from + p;
                match pem::private_key_block_at(t, i, &self.pem_end) {
                    Some(span) => {
                        push(span, RedactionKind::Pem);
                        from = span.1;
                    }
                    None => from = i + 1,
                }
            }
        }
        let spans = (self.cards || self.contact).then_some(if self.contact { 12 } else { 13 });
        let mut resume = 0;
        windows::scan(
            t,
            spans,
            self.credentials,
            self.credentials,
            |trigger| match trigger {
                Trigger::KeySep(sep) => {
                    if let Some(span) =
                        keyvalue::secret_value_after(t, sep, key_filter, is_secret_key)
                    {
                        push(span, RedactionKind::KeyValue);
                    }
                }
                Trigger::AuthScheme(i) if i >= resume => {
                    if let Some(span) = tokens::auth_scheme_at(t, i) {
                        push(span, RedactionKind::Bearer);
                        resume = span.1;
                    }
                }
                Trigger::AuthScheme(_) => {}
                Trigger::Span(s, e) => {
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
                }
            },
        );
        if self.contact {
            for i in memchr::memchr2_iter(b'+', b'(', t) {
                let span = if t[i] == b'+' {
                    contact::phone_plus_at(t, i)
                } else {
                    contact::phone_paren_at(t, i)
                };
                if let Some(span) = span {
                    push(span, RedactionKind::Phone);
                }
            }
        }
        for finder in &self.patterns {
            let len = finder.needle().len();
            for i in finder.find_iter(t) {
                push((i, i + len), RedactionKind::Pattern);
            }
        }
        hits
    }
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
