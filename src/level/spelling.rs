//! What a bare directive item (no `=`) may be when it is not a level: a
//! target shaped like a module path, and not a near miss of a level name.
//!
//! `env_logger` and `tracing` read a bare item that is not a level as a
//! target (`app::db` means `app::db=trace`). That makes a misspelt level
//! (`warnig`) or a number (`3`) a target nobody logs to, which quietly turns
//! the default up to TRACE for the most verbose target. fapilog keeps the
//! grammar but refuses such items:
//!
//! * a bare target must look like a module path: letters, digits, `_`, `-`,
//!   `.` and `::` between non-empty parts, not starting with a digit;
//! * a bare item without `::` within a small edit distance of a level name
//!   (1 for names of up to 4 letters, such as `info`, `warn`, `off`; 2 for
//!   longer ones; a swap of two neighbours counts as 1) is taken for a typo.
//!   A target that really has such a name is written `name=trace`.

/// Level names as directives accept them (lowercase), suggestions first
/// when two are as close.
const NAMES: [&str; 11] = [
    "off", "trace", "debug", "info", "warn", "warning", "error", "critical", "fatal", "audit",
    "security",
];

/// Why `item` cannot be a target written alone (without `=level`), if so.
/// Whitespace, control characters and brackets are the business of the
/// check every target gets; this adds the module-path shape.
pub(super) fn bare_target_shape(item: &str) -> Result<(), &'static str> {
    if item.bytes().all(|b| b.is_ascii_digit()) {
        return Err("a level is a name (trace, debug, info, warn, error, …), not a number");
    }
    if item.contains('/') {
        return Err(
            "`/` cannot be in a target (`/regex` message filters of env_logger are not supported)",
        );
    }
    if item.starts_with(|c: char| c.is_ascii_digit()) {
        return Err("not a level, nor a target: a module path does not start with a digit");
    }
    let path_char = |c: char| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':');
    if !item.chars().all(path_char) {
        return Err(
            "not a level, nor a target: a target written alone is a module path \
             (letters, digits, `_`, `-`, `.` and `::`)",
        );
    }
    if item
        .split("::")
        .any(|part| part.is_empty() || part.contains(':'))
    {
        return Err("not a level, nor a target: `:` only as the `::` between parts of a path");
    }
    Ok(())
}

/// The level name `item` (not itself a level) is most likely a misspelling
/// of, if any (see the module docs for "likely").
pub(super) fn misspelt_level(item: &str) -> Option<&'static str> {
    if item.contains("::") || item.chars().count() > 10 {
        return None;
    }
    let item: Vec<char> = item.to_lowercase().chars().collect();
    let mut best: Option<(usize, &'static str)> = None;
    for name in NAMES {
        let limit = if name.len() <= 4 { 1 } else { 2 };
        let name_chars: Vec<char> = name.chars().collect();
        let d = distance(&item, &name_chars);
        if d <= limit && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, name));
        }
    }
    best.map(|(_, name)| name)
}

/// The edit distance between `a` and `b` counting an insertion, a
/// deletion, a substitution or a swap of two neighbours as one edit
/// (optimal string alignment).
fn distance(a: &[char], b: &[char]) -> usize {
    let width = b.len() + 1;
    // d[i * width + j]: distance between a[..i] and b[..j].
    let mut d = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        for j in 0..=b.len() {
            d[i * width + j] = if i == 0 || j == 0 {
                i + j
            } else {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                let mut best = (d[(i - 1) * width + j] + 1)
                    .min(d[i * width + j - 1] + 1)
                    .min(d[(i - 1) * width + j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    best = best.min(d[(i - 2) * width + j - 2] + 1);
                }
                best
            };
        }
    }
    d[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_count_swaps_as_one_edit() {
        let d = |a: &str, b: &str| {
            distance(
                &a.chars().collect::<Vec<_>>(),
                &b.chars().collect::<Vec<_>>(),
            )
        };
        assert_eq!(d("warn", "warn"), 0);
        assert_eq!(d("wran", "warn"), 1);
        assert_eq!(d("warnig", "warning"), 1);
        assert_eq!(d("warnig", "warn"), 2);
        assert_eq!(d("", "off"), 3);
        assert_eq!(d("ifno", "info"), 1);
        assert_eq!(d("debgu", "debug"), 1);
        assert_eq!(d("app", "off"), 3);
    }

    #[test]
    fn near_misses_of_level_names_are_typos() {
        let cases = [
            ("warnig", Some("warning")),
            ("WARNIG", Some("warning")),
            ("wran", Some("warn")),
            ("inf", Some("info")),
            ("infoo", Some("info")),
            ("inf0", Some("info")),
            ("debgu", Some("debug")),
            ("dbug", Some("debug")),
            ("trcae", Some("trace")),
            ("eror", Some("error")),
            ("errror", Some("error")),
            ("critcal", Some("critical")),
            ("secuirty", Some("security")),
            ("of", Some("off")),
            ("fatl", Some("fatal")),
            // Too far from every level: a target.
            ("app", None),
            ("hyper", None),
            ("tokio", None),
            ("io", None),
            ("on", None),
            ("main", None),
            ("db", None),
            ("warp::filters", None), // a path is never a typo
            ("informational_messages", None),
        ];
        for (item, want) in cases {
            assert_eq!(misspelt_level(item), want, "{item}");
        }
    }

    #[test]
    fn a_bare_target_is_shaped_like_a_module_path() {
        for ok in [
            "app",
            "app::db",
            "my-crate",
            "http.request",
            "_x",
            "é::ü",
            "a1::b2",
        ] {
            assert_eq!(bare_target_shape(ok), Ok(()), "{ok}");
        }
        for (bad, reason) in [
            ("3", "not a number"),
            ("42", "not a number"),
            ("2fa", "digit"),
            ("info/request", "/regex"),
            ("a/b", "/regex"),
            ("app:db", "`::`"),
            ("::app", "`::`"),
            ("app::", "`::`"),
            ("a:::b", "`::`"),
            ("app*", "module path"),
            ("a=b", "module path"),
            ("a+b", "module path"),
        ] {
            let e = bare_target_shape(bad).expect_err(bad);
            assert!(e.contains(reason), "{bad}: {e}");
        }
    }
}
