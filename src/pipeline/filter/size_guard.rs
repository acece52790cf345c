//! A limit on the size of one serialized line.
//!
//! The guard works on the line a JSON format wrote (the envelope or flat
//! JSON), after serialization, so it sees the true size and needs no
//! knowledge of the format. With [`SizeAction::Truncate`] the result is
//! always valid JSON of at most `max_bytes` bytes:
//!
//! 1. **Cut the longest strings.** String *values* (never keys) longer than
//!    a cap `C` are cut to at most `C` bytes of their JSON text, on an
//!    escape-sequence and UTF-8 boundary, and marked with `…[truncated]`,
//!    the marker the ring uses for values cut at the record size limit. `C`
//!    is the largest cap that brings the line within `max_bytes` (found by
//!    bisection), so short strings are untouched and the longest are cut
//!    evenly. Values of `timestamp`, `level` and `schema_version` up to 64
//!    bytes are never cut. The structure, every key, every number and every
//!    short string stay as they were; the line is rewritten in place.
//! 2. **Replace the record** when even cutting every string to its marker is
//!    not enough (say, thousands of numeric fields): the line becomes a
//!    summary keeping the record's `level`, `logger`, `message` (cut) and
//!    `timestamp` (the last string value under each key; `null` if none),
//!    and `"fapilog_size_guard":{"original_bytes":N}`. For an envelope line
//!    (`{"log":…`) the summary keeps the envelope's shape:
//!
//!    ```text
//!    {"log":{"data":{"fapilog_size_guard":{"original_bytes":N}},"level":"ERROR","logger":"app","message":"…","timestamp":"…"},"schema_version":"1.1"}
//!    {"fapilog_size_guard":{"original_bytes":N},"level":"ERROR","logger":"app","message":"…","timestamp":"…"}
//!    ```
//!
//! `max_bytes` is at least [`SizeGuard::MIN_BYTES`], which always leaves room
//! for that summary. Lines from a non-JSON format (pretty text) are cut on a
//! character boundary and marked (`SizeGuard::apply_text`).

use crate::pipeline::format::TRUNCATION_MARKER;
use crate::Error;

const MARK: &[u8] = TRUNCATION_MARKER.as_bytes();

/// What to do with a line longer than [`SizeGuard::max_bytes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SizeAction {
    /// Cut its longest string values (or, failing that, replace it by a
    /// summary) so that it fits; always valid JSON. Counted.
    Truncate,
    /// Drop it. Counted.
    Drop,
    /// Keep it as it is. Counted.
    Warn,
}

/// A limit on the size of one serialized line (without its newline).
///
/// ```
/// use fapilog::filter::{SizeAction, SizeGuard};
/// assert!(SizeGuard::new(16 << 10, SizeAction::Truncate).validate().is_ok());
/// assert!(SizeGuard::new(100, SizeAction::Drop).validate().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SizeGuard {
    /// The largest line let through as it is, in bytes; at least
    /// [`SizeGuard::MIN_BYTES`].
    pub max_bytes: usize,
    /// What happens to a longer line.
    pub action: SizeAction,
}

/// What [`SizeGuard::apply`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SizeOutcome {
    /// The line fits; untouched.
    Fits,
    /// The line was cut to fit.
    Truncated { original_bytes: usize },
    /// The line was removed.
    Dropped { original_bytes: usize },
    /// The line was kept whole.
    Warned { original_bytes: usize },
}

impl SizeOutcome {
    /// Whether the line stays in its batch.
    pub(crate) fn kept(self) -> bool {
        !matches!(self, SizeOutcome::Dropped { .. })
    }

    /// The more drastic of two outcomes (for a record written in several
    /// formats, counted once): dropped, then truncated, then warned.
    pub(crate) fn worse(self, other: SizeOutcome) -> SizeOutcome {
        let rank = |o: &SizeOutcome| match o {
            SizeOutcome::Fits => 0,
            SizeOutcome::Warned { .. } => 1,
            SizeOutcome::Truncated { .. } => 2,
            SizeOutcome::Dropped { .. } => 3,
        };
        if rank(&other) > rank(&self) {
            other
        } else {
            self
        }
    }
}

/// String values of these keys, when short, are never cut.
const PROTECTED: [&[u8]; 3] = [b"timestamp", b"level", b"schema_version"];
const PROTECTED_MAX: usize = 64;

impl SizeGuard {
    /// The smallest `max_bytes` accepted: room for the summary that replaces
    /// a record nothing else can shrink enough.
    pub const MIN_BYTES: usize = 256;

    /// Lines above `max_bytes` get `action`.
    pub fn new(max_bytes: usize, action: SizeAction) -> SizeGuard {
        SizeGuard { max_bytes, action }
    }

    /// Checks the settings; the error names `size_guard.max_bytes`.
    pub fn validate(&self) -> Result<(), Error> {
        if self.max_bytes < SizeGuard::MIN_BYTES {
            return Err(Error::invalid(
                "size_guard.max_bytes",
                self.max_bytes,
                "at least 256 bytes",
            ));
        }
        Ok(())
    }

    /// Applies the guard to the JSON line `buf[start..]` (no newline yet):
    /// see the [module docs](self). Allocates nothing unless the line is
    /// replaced by a summary, which is written after it first (the buffer
    /// may grow by at most `max_bytes`). An unvalidated `max_bytes` below
    /// [`SizeGuard::MIN_BYTES`] truncates to `MIN_BYTES`.
    pub(crate) fn apply(&self, buf: &mut Vec<u8>, start: usize) -> SizeOutcome {
        let original_bytes = buf.len() - start;
        if original_bytes <= self.max_bytes {
            return SizeOutcome::Fits;
        }
        match self.action {
            SizeAction::Warn => SizeOutcome::Warned { original_bytes },
            SizeAction::Drop => {
                buf.truncate(start);
                SizeOutcome::Dropped { original_bytes }
            }
            SizeAction::Truncate => {
                let max = self.max_bytes.max(SizeGuard::MIN_BYTES);
                if !cut_strings(buf, start, max) {
                    summarize(buf, start, max);
                }
                debug_assert!(buf.len() - start <= max);
                SizeOutcome::Truncated { original_bytes }
            }
        }
    }

    /// Applies the guard to a text line `buf[start..]` (pretty format):
    /// `Truncate` cuts it on a character boundary and appends the marker.
    pub(crate) fn apply_text(&self, buf: &mut Vec<u8>, start: usize) -> SizeOutcome {
        let original_bytes = buf.len() - start;
        if original_bytes <= self.max_bytes || self.action != SizeAction::Truncate {
            return self.apply(buf, start);
        }
        let mut end = start + self.max_bytes.saturating_sub(MARK.len());
        while end > start && (buf[end] & 0xC0) == 0x80 {
            end -= 1;
        }
        buf.truncate(end);
        buf.extend_from_slice(MARK);
        SizeOutcome::Truncated { original_bytes }
    }
}

/// Walks the string values of a JSON line, front to back. Holds only
/// positions, so the caller may rewrite the line behind it between calls.
#[derive(Default)]
struct Scanner {
    at: usize,
    /// The last key seen.
    key: (usize, usize),
}

/// A string value: its content span (between the quotes) and its key's.
#[derive(Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
    key: (usize, usize),
}

impl Span {
    fn len(&self) -> usize {
        self.end - self.start
    }

    /// False for short values of protected keys.
    fn cuttable(&self, line: &[u8]) -> bool {
        let key = &line[self.key.0..self.key.1];
        !(self.len() <= PROTECTED_MAX && PROTECTED.contains(&key))
    }
}

impl Scanner {
    /// The next string value (keys are skipped); `None` at the end or at an
    /// unterminated string.
    fn next(&mut self, line: &[u8]) -> Option<Span> {
        let n = line.len();
        while self.at < n {
            if line[self.at] != b'"' {
                self.at += 1;
                continue;
            }
            let start = self.at + 1;
            let mut end = start;
            while end < n && line[end] != b'"' {
                end += if line[end] == b'\\' { 2 } else { 1 };
            }
            if end >= n {
                self.at = n;
                return None;
            }
            self.at = end + 1;
            let mut k = end + 1;
            while k < n && matches!(line[k], b' ' | b'\t' | b'\n' | b'\r') {
                k += 1;
            }
            if k < n && line[k] == b':' {
                self.key = (start, end);
            } else {
                return Some(Span {
                    start,
                    end,
                    key: self.key,
                });
            }
        }
        None
    }
}

/// The length of the longest prefix of the JSON string content `s` that is
/// at most `cap` bytes and ends on an escape-sequence and UTF-8 boundary
/// (keeping a `\uD8xx\uDCxx` surrogate pair together).
fn cut_len(s: &[u8], cap: usize) -> usize {
    let mut i = 0;
    while i < s.len() {
        let step = match s[i] {
            b'\\' if s.get(i + 1) == Some(&b'u') => {
                let high = matches!(s.get(i + 2), Some(b'd' | b'D'))
                    && matches!(s.get(i + 3), Some(b'8'..=b'9' | b'a'..=b'b' | b'A'..=b'B'));
                if high && s.get(i + 6) == Some(&b'\\') {
                    12
                } else {
                    6
                }
            }
            b'\\' => 2,
            b if b < 0x80 => 1,
            b if b >= 0xF0 => 4,
            b if b >= 0xE0 => 3,
            b if b >= 0xC0 => 2,
            _ => 1,
        };
        if i + step > cap {
            break;
        }
        i += step;
    }
    i.min(s.len())
}

/// Whether `span` is cut at `cap`: only when that makes it shorter.
fn is_cut(line: &[u8], span: &Span, cap: usize) -> bool {
    span.len() > cap + MARK.len() && span.cuttable(line)
}

/// Bytes saved by cutting every string [`is_cut`] at `cap`.
fn saved(line: &[u8], cap: usize) -> usize {
    let mut total = 0;
    let mut scanner = Scanner::default();
    while let Some(span) = scanner.next(line) {
        if is_cut(line, &span, cap) {
            total += span.len() - cut_len(&line[span.start..span.end], cap) - MARK.len();
        }
    }
    total
}

/// Step 1: cuts the longest string values so that `buf[start..]` fits in
/// `max` bytes. False (and nothing changed) if it cannot.
fn cut_strings(buf: &mut Vec<u8>, start: usize, max: usize) -> bool {
    let line = &buf[start..];
    let len = line.len();
    let excess = len - max;
    if saved(line, 0) < excess {
        return false;
    }
    // The largest cap that saves enough (saved() only shrinks as the cap
    // grows), by bisection over 0..=longest.
    let mut longest = 0;
    let mut scanner = Scanner::default();
    while let Some(span) = scanner.next(line) {
        longest = longest.max(span.len());
    }
    let (mut lo, mut hi) = (0, longest);
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if saved(line, mid) >= excess {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    let cap = lo;
    // Rewrite in place, front to back. Every cut string shrinks, so writes
    // stay behind the read position, and the scanner only reads ahead of it.
    let line = &mut buf[start..];
    let (mut read, mut write) = (0, 0);
    let mut scanner = Scanner::default();
    while let Some(span) = scanner.next(line) {
        if !is_cut(line, &span, cap) {
            continue;
        }
        let keep_end = span.start + cut_len(&line[span.start..span.end], cap);
        line.copy_within(read..keep_end, write);
        write += keep_end - read;
        line[write..write + MARK.len()].copy_from_slice(MARK);
        write += MARK.len();
        read = span.end;
    }
    line.copy_within(read..len, write);
    write += len - read;
    buf.truncate(start + write);
    true
}

/// Step 2: replaces `buf[start..]` by a summary of at most `max` bytes
/// (`max >= MIN_BYTES`). The summary is written after the line, then moved.
fn summarize(buf: &mut Vec<u8>, start: usize, max: usize) {
    // The kept keys, and the most bytes each may take, in order of priority.
    const KEYS: [(&[u8], &[u8], usize); 4] = [
        (b"level", b",\"level\":", 16),
        (b"timestamp", b",\"timestamp\":", 40),
        (b"logger", b",\"logger\":", 64),
        (b"message", b",\"message\":", usize::MAX),
    ];
    /// Written in this order (keys sorted).
    const ORDER: [usize; 4] = [0, 2, 3, 1];

    let original = buf.len() - start;
    let line = &buf[start..];
    let envelope = line.starts_with(b"{\"log\":");
    let mut spans: [Option<Span>; 4] = [None; 4];
    let mut scanner = Scanner::default();
    while let Some(span) = scanner.next(line) {
        let key = &line[span.key.0..span.key.1];
        if let Some(k) = KEYS.iter().position(|(name, ..)| *name == key) {
            spans[k] = Some(span);
        }
    }
    let mut digits = itoa::Buffer::new();
    let original_text = digits.format(original).as_bytes();
    let (head, end): (&[u8], &[u8]) = if envelope {
        (
            b"{\"log\":{\"data\":{\"fapilog_size_guard\":{\"original_bytes\":",
            b"},\"schema_version\":\"1.1\"}",
        )
    } else {
        (b"{\"fapilog_size_guard\":{\"original_bytes\":", b"}")
    };
    let close = if envelope { &b"}}"[..] } else { &b"}"[..] };
    let mut fixed = head.len() + original_text.len() + close.len() + end.len();
    for (k, (_, piece, _)) in KEYS.iter().enumerate() {
        fixed += piece.len() + if spans[k].is_some() { 2 } else { 4 };
    }
    // How much of each string to keep, and whether it is marked as cut.
    let mut budget = max.saturating_sub(fixed);
    let mut keep = [(0usize, false); 4];
    for (k, (_, _, cap)) in KEYS.iter().enumerate() {
        let Some(span) = spans[k] else { continue };
        let cap = (*cap).min(budget);
        let content = &line[span.start..span.end];
        keep[k] = if span.len() <= cap {
            (span.len(), false)
        } else if cap > MARK.len() {
            (cut_len(content, cap - MARK.len()), true)
        } else {
            (cut_len(content, cap), false)
        };
        budget -= keep[k].0 + if keep[k].1 { MARK.len() } else { 0 };
    }
    let out = buf.len();
    buf.extend_from_slice(head);
    buf.extend_from_slice(original_text);
    buf.extend_from_slice(close);
    for k in ORDER {
        buf.extend_from_slice(KEYS[k].1);
        match spans[k] {
            Some(span) => {
                buf.push(b'"');
                let from = start + span.start;
                buf.extend_from_within(from..from + keep[k].0);
                if keep[k].1 {
                    buf.extend_from_slice(MARK);
                }
                buf.push(b'"');
            }
            None => buf.extend_from_slice(b"null"),
        }
    }
    buf.extend_from_slice(end);
    let summary_len = buf.len() - out;
    buf.copy_within(out.., start);
    buf.truncate(start + summary_len);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::json;
    use proptest::prelude::*;
    use simd_json::prelude::*;
    use simd_json::OwnedValue;

    const MARKER: &str = TRUNCATION_MARKER;

    fn parse(bytes: &[u8]) -> OwnedValue {
        // simd-json's parser breaks miri's aliasing rules (simd-lite/simd-json
        // issue 446): under miri, serde_json builds the same value type.
        #[cfg(miri)]
        let parsed = serde_json::from_slice(bytes).map_err(|e| e.to_string());
        #[cfg(not(miri))]
        let parsed = simd_json::to_owned_value(&mut bytes.to_vec()).map_err(|e| e.to_string());
        parsed.unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(bytes)))
    }

    /// A flat line: `{"timestamp":…,"level":…,"logger":…,"message":…,<fields>}`.
    fn flat(message: &str, fields: &[(&str, Field)]) -> Vec<u8> {
        let mut out = br#"{"timestamp":"2026-11-21T10:30:00.123456Z","level":"ERROR","logger":"app::db","message":"#.to_vec();
        json::write_str(&mut out, message);
        for (k, v) in fields {
            out.push(b',');
            json::write_key(&mut out, k);
            v.write(&mut out);
        }
        out.push(b'}');
        out
    }

    /// An envelope-shaped line with the given data fields.
    fn envelope(message: &str, fields: &[(&str, Field)]) -> Vec<u8> {
        let mut out = br#"{"log":{"context":{"correlation_id":null,"message_id":"0b7e7c34-3d7a-4f0e-9a57-6f1f7d5b2c10"},"data":{"#.to_vec();
        for (i, (k, v)) in fields.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            json::write_key(&mut out, k);
            v.write(&mut out);
        }
        out.extend_from_slice(br#"},"diagnostics":{"env":"prod","host":"web-1","origin":"native","pid":4242,"rust":"1.85.0","service":"api"},"level":"ERROR","logger":"app::db","message":"#);
        json::write_str(&mut out, message);
        out.extend_from_slice(
            br#","timestamp":"2026-11-21T10:30:00.123Z"},"schema_version":"1.1"}"#,
        );
        out
    }

    #[derive(Clone, Debug)]
    enum Field {
        Str(String),
        Num(u64),
        Obj(Vec<(String, Field)>),
    }

    impl Field {
        fn write(&self, out: &mut Vec<u8>) {
            match self {
                Field::Str(s) => json::write_str(out, s),
                Field::Num(n) => json::write_u64(out, *n),
                Field::Obj(fields) => {
                    out.push(b'{');
                    for (i, (k, v)) in fields.iter().enumerate() {
                        if i > 0 {
                            out.push(b',');
                        }
                        json::write_key(out, k);
                        v.write(out);
                    }
                    out.push(b'}');
                }
            }
        }
    }

    fn s(text: &str) -> Field {
        Field::Str(text.to_owned())
    }

    /// `got` has the same structure and numbers as `want`; every string is
    /// equal, or a prefix of the original followed by the marker.
    fn assert_cut_from(got: &OwnedValue, want: &OwnedValue, path: &str) {
        match (got, want) {
            (OwnedValue::Object(g), OwnedValue::Object(w)) => {
                let mut gk: Vec<_> = g.keys().collect();
                let mut wk: Vec<_> = w.keys().collect();
                gk.sort();
                wk.sort();
                assert_eq!(gk, wk, "keys at {path}");
                for (k, v) in w.iter() {
                    assert_cut_from(&g[k], v, &format!("{path}.{k}"));
                }
            }
            (OwnedValue::String(g), OwnedValue::String(w)) => {
                if g != w {
                    let kept = g
                        .strip_suffix(MARKER)
                        .unwrap_or_else(|| panic!("{path}: {g:?} changed without a marker"));
                    assert!(w.starts_with(kept), "{path}: {g:?} is not a cut of {w:?}");
                    assert!(kept.len() < w.len());
                }
            }
            (g, w) => assert_eq!(g, w, "{path}"),
        }
    }

    fn guard(max: usize, action: SizeAction) -> SizeGuard {
        let g = SizeGuard::new(max, action);
        g.validate().expect("valid");
        g
    }

    /// Applies `g` to `line` after a previous line, checks that one is
    /// untouched, and returns the outcome and the new line.
    fn run(g: &SizeGuard, line: &[u8]) -> (SizeOutcome, Vec<u8>) {
        let before = b"{\"previous\":\"line\"}\n";
        let mut buf = before.to_vec();
        buf.extend_from_slice(line);
        let outcome = g.apply(&mut buf, before.len());
        assert_eq!(&buf[..before.len()], before);
        (outcome, buf[before.len()..].to_vec())
    }

    #[test]
    fn lines_that_fit_are_untouched() {
        let line = flat("hello", &[("user_id", Field::Num(42))]);
        for action in [SizeAction::Truncate, SizeAction::Drop, SizeAction::Warn] {
            // Exactly at the limit (below the minimum a config may set).
            let (outcome, out) = run(&SizeGuard::new(line.len(), action), &line);
            assert_eq!(outcome, SizeOutcome::Fits);
            assert_eq!(out, line);
        }
    }

    #[test]
    fn warn_keeps_and_drop_removes() {
        let line = flat(&"x".repeat(1000), &[]);
        let n = line.len();
        let (outcome, out) = run(&guard(256, SizeAction::Warn), &line);
        assert_eq!(outcome, SizeOutcome::Warned { original_bytes: n });
        assert_eq!(out, line);
        let (outcome, out) = run(&guard(256, SizeAction::Drop), &line);
        assert_eq!(outcome, SizeOutcome::Dropped { original_bytes: n });
        assert!(out.is_empty());
    }

    #[test]
    fn truncate_cuts_a_long_message_and_keeps_everything_else() {
        let message = "m".repeat(5000);
        let line = flat(
            &message,
            &[("user_id", Field::Num(42)), ("path", s("/api/v1/users"))],
        );
        let (outcome, out) = run(&guard(300, SizeAction::Truncate), &line);
        assert_eq!(
            outcome,
            SizeOutcome::Truncated {
                original_bytes: line.len()
            }
        );
        assert!(out.len() <= 300 && out.len() >= 290, "{}", out.len());
        let (got, want) = (parse(&out), parse(&line));
        assert_cut_from(&got, &want, "");
        assert_eq!(got["path"], "/api/v1/users");
        assert_eq!(got["timestamp"], "2026-11-21T10:30:00.123456Z");
        assert!(got["message"].as_str().unwrap().ends_with(MARKER));
    }

    #[test]
    fn the_longest_strings_are_cut_evenly_and_short_ones_left() {
        let line = flat(
            "short message",
            &[
                ("a", s(&"a".repeat(2000))),
                ("b", s(&"b".repeat(1000))),
                ("c", s(&"c".repeat(100))),
                ("d", s("tiny")),
            ],
        );
        let (_, out) = run(&guard(1000, SizeAction::Truncate), &line);
        assert!(out.len() <= 1000);
        let got = parse(&out);
        assert_cut_from(&got, &parse(&line), "");
        let (a, b) = (got["a"].as_str().unwrap(), got["b"].as_str().unwrap());
        assert!(a.ends_with(MARKER) && b.ends_with(MARKER));
        assert_eq!(a.len(), b.len(), "both cut to the same cap");
        assert_eq!(got["c"].as_str().unwrap().len(), 100);
        assert_eq!(got["message"], "short message");
        assert_eq!(got["d"], "tiny");
    }

    #[test]
    fn cuts_respect_escapes_and_utf8() {
        // Long enough (escaped) to be cut at every `max` below.
        let nasty = "é\n\u{1}\"\\😀\u{2028}".repeat(if cfg!(miri) { 45 } else { 300 });
        for max in [256, 300, 301, 302, 303, 305, 400, 777, 1024] {
            let line = flat(&nasty, &[("other", s(&nasty))]);
            let (_, out) = run(&guard(max, SizeAction::Truncate), &line);
            assert!(out.len() <= max, "{max}: {}", out.len());
            assert!(std::str::from_utf8(&out).is_ok());
            assert_cut_from(&parse(&out), &parse(&line), "");
        }
        // A surrogate pair written as escapes stays together.
        let content = br"ab\ud83d\ude00cd";
        assert_eq!(cut_len(content, 2), 2);
        assert_eq!(cut_len(content, 13), 2);
        assert_eq!(cut_len(content, 14), 14);
        assert_eq!(cut_len(br"\u0001x", 5), 0);
        assert_eq!(cut_len(br"\u0001x", 6), 6);
        assert_eq!(cut_len("é😀".as_bytes(), 5), 2);
        assert_eq!(cut_len("é😀".as_bytes(), 6), 6);
    }

    #[test]
    fn envelope_lines_are_cut_in_place() {
        let line = envelope(
            &"boom ".repeat(2000),
            &[
                ("query", s(&"SELECT 1 ".repeat(500))),
                ("rows", Field::Num(7)),
            ],
        );
        let (outcome, out) = run(&guard(1024, SizeAction::Truncate), &line);
        assert!(matches!(outcome, SizeOutcome::Truncated { .. }));
        assert!(out.len() <= 1024);
        let got = parse(&out);
        assert_cut_from(&got, &parse(&line), "");
        assert_eq!(got["schema_version"], "1.1");
        assert_eq!(got["log"]["level"], "ERROR");
        assert_eq!(got["log"]["data"]["rows"], 7);
    }

    #[test]
    fn records_nothing_can_shrink_enough_become_summaries() {
        let many: Vec<(String, Field)> =
            (0..500).map(|i| (format!("f{i}"), Field::Num(i))).collect();
        let fields: Vec<(&str, Field)> =
            many.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();

        let line = envelope(&"why ".repeat(100), &fields);
        let (outcome, out) = run(&guard(256, SizeAction::Truncate), &line);
        assert_eq!(
            outcome,
            SizeOutcome::Truncated {
                original_bytes: line.len()
            }
        );
        assert!(out.len() <= 256, "{}", out.len());
        let got = parse(&out);
        assert_eq!(got["schema_version"], "1.1");
        let log = &got["log"];
        assert_eq!(
            log["data"]["fapilog_size_guard"]["original_bytes"],
            line.len() as u64
        );
        assert_eq!(log["level"], "ERROR");
        assert_eq!(log["logger"], "app::db");
        assert_eq!(log["timestamp"], "2026-11-21T10:30:00.123Z");
        let message = log["message"].as_str().unwrap();
        assert!(
            message.starts_with("why why") && message.ends_with(MARKER),
            "{message}"
        );

        let line = flat("short", &fields);
        let (_, out) = run(&guard(256, SizeAction::Truncate), &line);
        assert!(out.len() <= 256);
        let got = parse(&out);
        assert_eq!(
            got["fapilog_size_guard"]["original_bytes"],
            line.len() as u64
        );
        assert_eq!(got["message"], "short");
        assert_eq!(got["level"], "ERROR");

        // Generous max: the summary keeps the whole message.
        let line = flat("short", &fields);
        let (_, out) = run(&guard(1000, SizeAction::Truncate), &line);
        assert_eq!(parse(&out)["message"], "short");
    }

    #[test]
    fn summaries_fit_the_minimum_even_with_huge_keys_values_and_junk() {
        let long = "L".repeat(if cfg!(miri) { 1_000 } else { 10_000 });
        let mut line = Vec::new();
        line.extend_from_slice(b"{\"level\":");
        json::write_str(&mut line, &long);
        line.extend_from_slice(b",\"logger\":");
        json::write_str(&mut line, &long);
        line.extend_from_slice(b",\"timestamp\":");
        json::write_str(&mut line, &long);
        for i in 0..if cfg!(miri) { 100 } else { 2000 } {
            line.extend_from_slice(format!(",\"n{i}\":{i}").as_bytes());
        }
        line.extend_from_slice(b",\"message\":");
        json::write_str(&mut line, &long);
        line.push(b'}');
        let (_, out) = run(&guard(256, SizeAction::Truncate), &line);
        assert!(out.len() <= 256, "{}", out.len());
        parse(&out);

        // Not JSON at all (an unterminated string): still a valid summary.
        let junk = format!("{{\"message\":\"{}", "x".repeat(1000)).into_bytes();
        let (_, out) = run(&guard(256, SizeAction::Truncate), &junk);
        assert!(out.len() <= 256);
        let got = parse(&out);
        assert_eq!(got["message"], OwnedValue::null());
        assert_eq!(
            got["fapilog_size_guard"]["original_bytes"],
            junk.len() as u64
        );
    }

    #[test]
    fn text_lines_are_cut_on_a_char_boundary() {
        let g = guard(256, SizeAction::Truncate);
        let mut buf = b"prev\n".to_vec();
        buf.extend_from_slice("é".repeat(500).as_bytes());
        let outcome = g.apply_text(&mut buf, 5);
        assert_eq!(
            outcome,
            SizeOutcome::Truncated {
                original_bytes: 1000
            }
        );
        let line = std::str::from_utf8(&buf[5..]).expect("UTF-8");
        assert!(line.len() <= 256 && line.ends_with(MARKER));
        let mut buf = b"x".repeat(300);
        assert_eq!(
            guard(256, SizeAction::Drop).apply_text(&mut buf, 0),
            SizeOutcome::Dropped {
                original_bytes: 300
            }
        );
        assert!(buf.is_empty());
    }

    #[test]
    fn validation_names_the_setting() {
        let e = SizeGuard::new(255, SizeAction::Truncate)
            .validate()
            .unwrap_err()
            .to_string();
        assert!(e.contains("`size_guard.max_bytes`"), "{e}");
        assert!(SizeGuard::new(256, SizeAction::Warn).validate().is_ok());
    }

    fn field() -> impl Strategy<Value = Field> {
        let leaf = prop_oneof![
            "(?s).{0,300}".prop_map(Field::Str),
            "[a-z\"\\\\\n\u{1}é😀\u{2028}]{0,120}".prop_map(Field::Str),
            any::<u64>().prop_map(Field::Num),
        ];
        leaf.prop_recursive(3, 40, 6, |inner| {
            // Unique keys, so that the parsed objects compare key by key.
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..6)
                .prop_map(|m| Field::Obj(m.into_iter().collect()))
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 1 } else { 300 }))]

        #[test]
        fn truncation_always_yields_valid_json_within_the_limit(
            message in "(?s).{0,500}",
            fields in prop::collection::btree_map("f_[a-z_]{1,10}", field(), 0..12),
            envelope_shape in any::<bool>(),
            max in 256usize..3000,
        ) {
            let borrowed: Vec<(&str, Field)> = fields.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
            let line = if envelope_shape { envelope(&message, &borrowed) } else { flat(&message, &borrowed) };
            let (outcome, out) = run(&guard(max, SizeAction::Truncate), &line);
            prop_assert!(out.len() <= max);
            let got = parse(&out);
            if line.len() <= max {
                prop_assert_eq!(outcome, SizeOutcome::Fits);
                prop_assert_eq!(&out, &line);
            } else if out.windows(18).any(|w| w == b"fapilog_size_guard") {
                // A summary.
                let level = if envelope_shape { &got["log"]["level"] } else { &got["level"] };
                prop_assert_eq!(level, "ERROR");
            } else {
                assert_cut_from(&got, &parse(&line), "");
            }
        }
    }
}
