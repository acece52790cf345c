//! `RUST_LOG`-style level directives: a default level and per-target levels.
//!
//! The grammar is the common subset of `env_logger` and `tracing`'s
//! `EnvFilter`:
//!
//! ```text
//! directives = item ("," item)*
//! item       = "" | level | target | target "=" level
//! level      = "off" | trace | debug | info | warn | warning | error
//!            | critical | fatal | audit | security        (any case)
//! ```
//!
//! * A bare `level` sets the default, for every target no directive names.
//!   Without one the default is **INFO**.
//! * A bare `target` enables everything for it (it means `target=trace`). It
//!   must look like a module path (letters, digits, `_`, `-`, `.` and `::`,
//!   not starting with a digit), and must not be a near miss of a level
//!   name: `warnig` is an error that asks "did you mean `warning`?", not a
//!   target. A target with such a name is written `name=trace`. (`RUST_LOG`
//!   reads it as the target, with a warning; see [`Directives::from_env`].)
//! * `off` is a level that lets nothing through.
//! * Whitespace around items, targets and levels is ignored; empty items
//!   (`a,,b`, a trailing comma) are ignored.
//! * When an item repeats a target (or the default), the last one wins.
//! * Targets match by **module-path prefix on `::` boundaries**: `app::db`
//!   matches `app::db` and `app::db::pool`, not `app::dbx`. The longest
//!   matching target wins; a target no directive matches gets the default.
//! * Span and field filters (`target[span{field=value}]=level`), `tracing`'s
//!   numeric levels (`0` to `5`) and `env_logger`'s `/regex` message filter
//!   are not supported. Parsing (`str::parse`, `FAPILOG_LEVEL`, the builder's
//!   `directives()`) rejects them with an error saying so; `RUST_LOG`, which
//!   other tools read too, skips them with a warning on stderr (see
//!   [`Directives::from_env`]).
//!
//! ```
//! use fapilog::level::Directives;
//! use fapilog::Level;
//!
//! let d: Directives = "warn, app=debug, app::db=off, app::db::slow".parse().unwrap();
//! assert_eq!(d.level_for("other"), Some(Level::Warning));
//! assert_eq!(d.level_for("app::http"), Some(Level::Debug));
//! assert_eq!(d.level_for("app::db::pool"), None); // off
//! assert_eq!(d.level_for("app::db::slow::query"), Some(Level::Trace));
//! assert_eq!(d.level_for("application"), Some(Level::Warning)); // not under `app`
//! assert_eq!(d.max_verbosity(), Some(Level::Trace));
//! assert_eq!(d.to_string(), "warning,app::db::slow=trace,app::db=off,app=debug");
//!
//! let err = "info,app::db=loud".parse::<Directives>().unwrap_err();
//! assert!(err.to_string().starts_with(r#"invalid log directive "app::db=loud" (item 2): unknown level "loud""#));
//! let err = "warnig".parse::<Directives>().unwrap_err();
//! assert!(err.to_string().contains("did you mean `warning`?"), "{err}");
//! ```

use std::ffi::OsString;
use std::fmt;
use std::str::FromStr;

use super::{spelling, Level};

/// Parsed level directives: a default level and per-target levels (see the
/// [module docs](self) for the grammar).
///
/// A level of `None` means *off*. `Display` writes the canonical form (the
/// default first, then the targets longest first, every level spelled out in
/// lowercase), which parses back to an equal value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Directives {
    default: Option<Level>,
    /// Longest target first; ties in name order. No target appears twice.
    targets: Vec<(Box<str>, Option<Level>)>,
}

impl Default for Directives {
    /// INFO for everything.
    fn default() -> Directives {
        Directives::new(Some(Level::Info))
    }
}

impl Directives {
    /// The environment variables [`Directives::from_env`] reads, in order.
    pub const ENV_VARS: [&'static str; 2] = ["FAPILOG_LEVEL", "RUST_LOG"];

    /// Directives giving every target `default` (`None`: off).
    pub fn new(default: Option<Level>) -> Directives {
        Directives {
            default,
            targets: Vec::new(),
        }
    }

    /// The level of targets that no directive names (`None`: off).
    pub fn default_level(&self) -> Option<Level> {
        self.default
    }

    /// The per-target directives, longest target first.
    pub fn targets(&self) -> impl Iterator<Item = (&str, Option<Level>)> + '_ {
        self.targets.iter().map(|(t, l)| (&**t, *l))
    }

    /// True when a record at `level` from `target` is enabled.
    pub fn enabled(&self, target: &str, level: Level) -> bool {
        self.level_for(target).is_some_and(|min| level >= min)
    }

    /// The least severe level enabled for `target` (`None`: off for it): the
    /// level of the longest directive target that is `target` or a `::`
    /// parent of it, or the default.
    ///
    /// A linear scan over the per-target directives: call it once per
    /// callsite and cache the answer, not once per record.
    pub fn level_for(&self, target: &str) -> Option<Level> {
        self.targets
            .iter()
            .find(|(t, _)| target_matches(t, target))
            .map_or(self.default, |(_, level)| *level)
    }

    /// The most verbose level any directive enables: the value for the global
    /// one-load gate ([`set_level`](super::set_level)). `None` when every
    /// directive is `off`.
    pub fn max_verbosity(&self) -> Option<Level> {
        self.targets
            .iter()
            .filter_map(|(_, l)| *l)
            .chain(self.default)
            .min()
    }

    /// True when every target gets the default level, so the hot path needs
    /// no per-target check beyond the global gate.
    pub fn is_uniform(&self) -> bool {
        self.targets.iter().all(|(_, l)| *l == self.default)
    }

    /// Reads `FAPILOG_LEVEL`, or when it is unset, `RUST_LOG`.
    ///
    /// `Ok(None)` when neither is set. A variable set to an empty (or
    /// whitespace-only) value counts as unset. An invalid value is an error
    /// naming the variable and its value; it does not fall back to the next
    /// variable.
    ///
    /// `RUST_LOG` is shared with `tracing` and `env_logger` based tools, so
    /// the syntax of theirs that fapilog does not support (span and field
    /// filters `target[span{field=value}]=level`, numeric levels `0` to `5`,
    /// a `/regex` message filter) is skipped, as `tracing`'s
    /// `EnvFilter::from_default_env` skips what it cannot read: one warning
    /// line on stderr per skipped part, naming it, and the rest applies.
    /// A bare item one or two letters from a level name (`warp`, `errno`),
    /// an error in `FAPILOG_LEVEL`, is read as a target here (as those tools
    /// read it), with a warning line that names the level it is close to.
    /// Anything else invalid (an unknown level after `=`, a malformed
    /// target) is an error, as it is in `FAPILOG_LEVEL`.
    pub fn from_env() -> Result<Option<Directives>, DirectiveError> {
        Directives::from_lookup(|name| std::env::var_os(name))
    }

    /// [`Directives::from_env`] with `lookup` in place of the process
    /// environment (tests, or configuration from another source).
    pub fn from_lookup(
        mut lookup: impl FnMut(&str) -> Option<OsString>,
    ) -> Result<Option<Directives>, DirectiveError> {
        for variable in Directives::ENV_VARS {
            let Some(value) = lookup(variable) else {
                continue;
            };
            let value = match value.into_string() {
                Ok(value) => value,
                Err(raw) => {
                    return Err(DirectiveError {
                        item: String::new(),
                        position: 0,
                        kind: DirectiveErrorKind::NotUnicode,
                        env: Some((variable, raw.to_string_lossy().into_owned())),
                    })
                }
            };
            if value.trim().is_empty() {
                continue;
            }
            let syntax = if variable == "RUST_LOG" {
                Syntax::RustLog
            } else {
                Syntax::Fapilog
            };
            return match parse(&value, syntax) {
                Ok((directives, skipped)) => {
                    for s in skipped {
                        eprintln!("fapilog: {variable}: {s}");
                    }
                    Ok(Some(directives))
                }
                Err(mut e) => {
                    e.env = Some((variable, value));
                    Err(e)
                }
            };
        }
        Ok(None)
    }

    /// Sets `target`'s level, replacing any directive for the same target.
    fn insert(&mut self, target: &str, level: Option<Level>) {
        match self.targets.iter_mut().find(|(t, _)| &**t == target) {
            Some(entry) => entry.1 = level,
            None => self.targets.push((target.into(), level)),
        }
    }
}

/// True when `pattern` is `target` or a `::`-separated prefix of it.
fn target_matches(pattern: &str, target: &str) -> bool {
    match target.strip_prefix(pattern) {
        Some(rest) => rest.is_empty() || rest.starts_with("::"),
        None => false,
    }
}

/// The lowercase name a level is written with in canonical directives.
fn level_name(level: Option<Level>) -> &'static str {
    match level {
        None => "off",
        Some(Level::Trace) => "trace",
        Some(Level::Debug) => "debug",
        Some(Level::Info) => "info",
        Some(Level::Warning) => "warning",
        Some(Level::Error) => "error",
        Some(Level::Critical) => "critical",
        Some(Level::Audit) => "audit",
        Some(Level::Security) => "security",
    }
}

/// A level name or `off`; `Err(())` for anything else.
fn parse_level(name: &str) -> Result<Option<Level>, ()> {
    if name.trim().eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    Level::parse(name).map(Some).ok_or(())
}

/// Why a target name is rejected, if it is.
fn check_target(target: &str) -> Result<(), DirectiveErrorKind> {
    if target.is_empty() {
        return Err(DirectiveErrorKind::EmptyTarget);
    }
    let reason = if target.contains(['[', ']', '{', '}']) {
        "span and field filters (`[…]`, `{…}`) are not supported"
    } else if target.chars().any(char::is_whitespace) {
        "a target cannot contain whitespace"
    } else if target.chars().any(char::is_control) {
        "a target cannot contain control characters"
    } else {
        return Ok(());
    };
    Err(DirectiveErrorKind::InvalidTarget(reason))
}

impl FromStr for Directives {
    type Err = DirectiveError;

    fn from_str(s: &str) -> Result<Directives, DirectiveError> {
        parse(s, Syntax::Fapilog).map(|(directives, _)| directives)
    }
}

/// Whose syntax a directive string is read with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Syntax {
    /// fapilog's own: anything outside the grammar is an error.
    Fapilog,
    /// `RUST_LOG`'s: what `tracing` or `env_logger` accept and fapilog does
    /// not support is skipped (see [`Directives::from_env`]).
    RustLog,
}

/// A part of a `RUST_LOG` value skipped as another tool's syntax, or read
/// leniently where `FAPILOG_LEVEL` would fail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Skipped {
    /// The part, trimmed (a `/regex` with its slash).
    pub text: String,
    /// What it is and that fapilog does not support it.
    pub reason: std::borrow::Cow<'static, str>,
    /// True when the part was not skipped but read as a target.
    pub read_as_target: bool,
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.read_as_target {
            let text = &self.text;
            write!(f, "reading {text:?} as `{text}=trace`: {}", self.reason)
        } else {
            write!(f, "ignoring {:?}: {}", self.text, self.reason)
        }
    }
}

const SPAN_FILTER: &str =
    "span and field filters (`target[span{field=value}]`) are tracing syntax \
     that fapilog does not support";
const NUMERIC_LEVEL: &str =
    "numeric levels (0 to 5) are tracing syntax that fapilog does not support; use a level name";
const REGEX_FILTER: &str =
    "a `/regex` message filter is env_logger syntax that fapilog does not support";

/// Parses `s`, returning what [`Syntax::RustLog`] skipped.
pub(crate) fn parse(s: &str, syntax: Syntax) -> Result<(Directives, Vec<Skipped>), DirectiveError> {
    let mut out = Directives::default();
    let mut skipped = Vec::new();
    let mut s = s;
    if syntax == Syntax::RustLog {
        if let Some(slash) = outside_brackets(s).find(|&(_, c)| c == '/').map(|(i, _)| i) {
            skipped.push(Skipped {
                text: s[slash..].trim().to_owned(),
                reason: REGEX_FILTER.into(),
                read_as_target: false,
            });
            s = &s[..slash];
        }
    }
    let mut items = s.split(',').enumerate();
    while let Some((i, raw)) = items.next() {
        let item = raw.trim();
        if item.is_empty() {
            continue;
        }
        if syntax == Syntax::RustLog {
            if item.contains(['[', ']', '{', '}']) {
                // A span filter's fields may hold commas: the item goes on
                // until its brackets close.
                let mut text = item.to_owned();
                let mut depth = bracket_depth(item);
                while depth > 0 {
                    let Some((_, more)) = items.next() else {
                        break;
                    };
                    text.push(',');
                    text.push_str(more);
                    depth += bracket_depth(more);
                }
                skipped.push(Skipped {
                    text: text.trim().to_owned(),
                    reason: SPAN_FILTER.into(),
                    read_as_target: false,
                });
                continue;
            }
            let level = item.rsplit('=').next().unwrap_or(item).trim();
            if matches!(level, "0" | "1" | "2" | "3" | "4" | "5") {
                skipped.push(Skipped {
                    text: item.to_owned(),
                    reason: NUMERIC_LEVEL.into(),
                    read_as_target: false,
                });
                continue;
            }
        }
        let error = |kind| DirectiveError {
            item: item.to_owned(),
            position: i + 1,
            kind,
            env: None,
        };
        match item.split_once('=') {
            Some((target, level)) => {
                if level.contains('=') {
                    return Err(error(DirectiveErrorKind::MultipleEquals));
                }
                let (target, level) = (target.trim(), level.trim());
                check_target(target).map_err(error)?;
                if level.is_empty() {
                    return Err(error(DirectiveErrorKind::EmptyLevel));
                }
                let level = parse_level(level)
                    .map_err(|()| error(DirectiveErrorKind::UnknownLevel(level.to_owned())))?;
                out.insert(target, level);
            }
            None => match parse_level(item) {
                Ok(level) => out.default = level,
                Err(()) => {
                    check_target(item).map_err(error)?;
                    spelling::bare_target_shape(item)
                        .map_err(|reason| error(DirectiveErrorKind::InvalidTarget(reason)))?;
                    if let Some(level) = spelling::misspelt_level(item) {
                        if syntax != Syntax::RustLog {
                            return Err(error(DirectiveErrorKind::MisspeltLevel(level)));
                        }
                        // `RUST_LOG` is other tools' too, for which a bare
                        // `warp` is the crate: read it so, and say why.
                        skipped.push(Skipped {
                            text: item.to_owned(),
                            reason: format!("close to the level name `{level}`").into(),
                            read_as_target: true,
                        });
                    }
                    out.insert(item, Some(Level::Trace));
                }
            },
        }
    }
    out.targets
        .sort_by(|(a, _), (b, _)| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    Ok((out, skipped))
}

/// The characters of `s` with their byte offsets, leaving out those inside
/// `[…]` and `{…}`.
fn outside_brackets(s: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    let mut depth = 0i32;
    s.char_indices().filter(move |&(_, c)| {
        match c {
            '[' | '{' => depth += 1,
            ']' | '}' => depth -= 1,
            _ => return depth <= 0,
        }
        false
    })
}

/// Opening minus closing brackets in `s`.
fn bracket_depth(s: &str) -> i32 {
    s.chars()
        .map(|c| match c {
            '[' | '{' => 1,
            ']' | '}' => -1,
            _ => 0,
        })
        .sum()
}

impl fmt::Display for Directives {
    /// The canonical form: `default,target=level,…`, targets longest first.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(level_name(self.default))?;
        for (target, level) in &self.targets {
            write!(f, ",{target}={}", level_name(*level))?;
        }
        Ok(())
    }
}

/// What is wrong with a directive.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DirectiveErrorKind {
    /// `target=level` with a level name fapilog does not know.
    UnknownLevel(String),
    /// `=level`: the target is empty.
    EmptyTarget,
    /// `target=`: the level is empty.
    EmptyLevel,
    /// `a=b=c`.
    MultipleEquals,
    /// A target fapilog cannot match (the reason says why).
    InvalidTarget(&'static str),
    /// A bare item that is not a level but close to this level's name:
    /// most likely a typo, not a target (write `name=trace` for a target).
    MisspeltLevel(&'static str),
    /// The environment variable is not valid UTF-8.
    NotUnicode,
}

impl fmt::Display for DirectiveErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DirectiveErrorKind::UnknownLevel(level) => write!(
                f,
                "unknown level {level:?} (expected off, trace, debug, info, warn, warning, \
                 error, critical, fatal, audit or security)"
            ),
            DirectiveErrorKind::EmptyTarget => f.write_str("empty target before `=`"),
            DirectiveErrorKind::EmptyLevel => f.write_str("empty level after `=`"),
            DirectiveErrorKind::MultipleEquals => {
                f.write_str("more than one `=` (expected `target=level`)")
            }
            DirectiveErrorKind::InvalidTarget(reason) => f.write_str(reason),
            DirectiveErrorKind::MisspeltLevel(level) => {
                write!(f, "not a level: did you mean `{level}`?")
            }
            DirectiveErrorKind::NotUnicode => f.write_str("not valid UTF-8"),
        }
    }
}

/// A directive string that could not be parsed. Its `Display` names the bad
/// item and its position (1-based, counting every comma-separated item,
/// empty ones included), and the environment variable when it came from one:
///
/// `RUST_LOG="info,app::db=loud": invalid log directive "app::db=loud" (item 2): unknown level "loud" (…)`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectiveError {
    item: String,
    position: usize,
    kind: DirectiveErrorKind,
    /// The variable and its whole value, from [`Directives::from_env`].
    env: Option<(&'static str, String)>,
}

impl DirectiveError {
    /// The offending item, trimmed (empty for [`DirectiveErrorKind::NotUnicode`]).
    pub fn item(&self) -> &str {
        &self.item
    }

    /// The item's 1-based position (0 for [`DirectiveErrorKind::NotUnicode`]).
    pub fn position(&self) -> usize {
        self.position
    }

    /// What is wrong with it.
    pub fn kind(&self) -> &DirectiveErrorKind {
        &self.kind
    }

    /// The environment variable the directives came from, if any.
    pub fn variable(&self) -> Option<&'static str> {
        self.env.as_ref().map(|(name, _)| *name)
    }

    /// The variable's value as given, quoted, then what is wrong with it,
    /// without the variable's name (`"warnig" (invalid log directive …)`):
    /// for an error that names the variable already.
    pub(crate) fn value_and_reason(&self) -> String {
        let value = self.env.as_ref().map_or("", |(_, value)| value.as_str());
        let reason = DirectiveError {
            env: None,
            ..self.clone()
        };
        format!("{value:?} ({reason})")
    }
}

impl fmt::Display for DirectiveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some((variable, value)) = &self.env {
            write!(f, "{variable}={value:?}: ")?;
        }
        if self.kind == DirectiveErrorKind::NotUnicode {
            return f.write_str("log directives are not valid UTF-8");
        }
        write!(
            f,
            "invalid log directive {:?} (item {}): {}",
            self.item, self.position, self.kind
        )?;
        if let DirectiveErrorKind::MisspeltLevel(_) = self.kind {
            write!(
                f,
                " (for a target of that name, write `{}=trace`)",
                self.item
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for DirectiveError {}

/// Fuzzing and corpus oracle, not public API: parses `data` (as UTF-8, or
/// lossily) and panics if parsing panics, an error does not point at the
/// item it names, the canonical form does not parse back to an equal value,
/// or matching disagrees with a naive reference implementation.
#[doc(hidden)]
pub fn check(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let parsed = text.parse::<Directives>();
    let reference = reference_parse(&text);
    let d = match parsed {
        Err(e) => {
            assert!(
                reference.is_none(),
                "rejected {text:?} ({e}), reference accepts it"
            );
            let items: Vec<&str> = text.split(',').collect();
            assert!(e.position() >= 1 && e.position() <= items.len(), "{e}");
            assert_eq!(e.item(), items[e.position() - 1].trim(), "{e}");
            let shown = e.to_string();
            assert!(
                shown.contains(&format!("(item {})", e.position())),
                "{shown}"
            );
            return;
        }
        Ok(d) => d,
    };
    let (default, targets) =
        reference.unwrap_or_else(|| panic!("accepted {text:?}, reference rejects it"));
    assert_eq!(d.default_level(), default, "default of {text:?}");
    let mut got: Vec<(&str, Option<Level>)> = d.targets().collect();
    let mut want: Vec<(&str, Option<Level>)> =
        targets.iter().map(|(t, l)| (t.as_str(), *l)).collect();
    got.sort();
    want.sort();
    assert_eq!(got, want, "targets of {text:?}");
    assert!(d
        .targets()
        .zip(d.targets().skip(1))
        .all(|((a, _), (b, _))| a.len() >= b.len()));

    let canonical = d.to_string();
    let back: Directives = canonical
        .parse()
        .unwrap_or_else(|e| panic!("canonical form {canonical:?} of {text:?} fails: {e}"));
    assert_eq!(back, d, "canonical form {canonical:?} of {text:?}");
    assert_eq!(back.to_string(), canonical);

    let mut probes: Vec<String> = vec![String::new(), "x".into(), "::".into()];
    for (t, _) in d.targets() {
        probes.extend([
            t.to_owned(),
            format!("{t}::x"),
            format!("{t}x"),
            format!("x{t}"),
        ]);
        let mut at = 0;
        while let Some(i) = t[at..].find("::") {
            probes.push(t[..at + i].to_owned());
            at += i + 2;
        }
    }
    let most_verbose = d.targets().filter_map(|(_, l)| l).chain(default).min();
    assert_eq!(d.max_verbosity(), most_verbose);
    for p in &probes {
        let want = d
            .targets()
            .filter(|(t, _)| p == t || p.starts_with(&format!("{t}::")))
            .max_by_key(|(t, _)| t.len())
            .map_or(default, |(_, l)| l);
        assert_eq!(d.level_for(p), want, "level_for({p:?}) under {text:?}");
        for level in Level::ALL {
            assert_eq!(d.enabled(p, level), want.is_some_and(|m| level >= m));
        }
        if let Some(m) = want {
            assert!(most_verbose.is_some_and(|v| v <= m));
        }
        if d.is_uniform() {
            assert_eq!(want, default);
        }
    }
}

/// The reference semantics for [`check`]: `None` if `text` is invalid.
type Reference = (Option<Level>, Vec<(String, Option<Level>)>);

fn reference_parse(text: &str) -> Option<Reference> {
    let mut default = Some(Level::Info);
    let mut targets: Vec<(String, Option<Level>)> = Vec::new();
    let level_of = |s: &str| -> Option<Option<Level>> {
        match s.trim().to_ascii_lowercase().as_str() {
            "off" => Some(None),
            _ => Level::parse(s).map(Some),
        }
    };
    let target_ok = |t: &str| {
        !t.is_empty()
            && !t
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || "[]{}".contains(c))
    };
    // A bare target: a module path, and not a near miss of a level name.
    let bare_ok = |t: &str| {
        let digit_first = t.chars().next().is_some_and(|c| c.is_ascii_digit());
        let path_chars = t.chars().all(|c| c.is_alphanumeric() || "_-.:".contains(c));
        let path_parts = t.split("::").all(|p| !p.is_empty() && !p.contains(':'));
        !digit_first && path_chars && path_parts && spelling::misspelt_level(t).is_none()
    };
    for item in text.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let parts: Vec<&str> = item.split('=').collect();
        let (target, level) = match parts[..] {
            [bare] => match level_of(bare) {
                Some(level) => {
                    default = level;
                    continue;
                }
                None if bare_ok(bare) => (bare, Some(Level::Trace)),
                None => return None,
            },
            [target, level] => (target.trim(), level_of(level)?),
            _ => return None,
        };
        if !target_ok(target) {
            return None;
        }
        targets.retain(|(t, _)| t != target);
        targets.push((target.to_owned(), level));
    }
    Some((default, targets))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Level::*;

    fn parse(s: &str) -> Directives {
        s.parse()
            .unwrap_or_else(|e| panic!("{s:?} should parse: {e}"))
    }

    fn err(s: &str) -> DirectiveError {
        s.parse::<Directives>()
            .expect_err(&format!("{s:?} should not parse"))
    }

    #[test]
    fn empty_input_means_info_everywhere() {
        for s in ["", " ", ",", " , ,, "] {
            let d = parse(s);
            assert_eq!(d, Directives::default());
            assert_eq!(d.level_for("anything"), Some(Info));
            assert!(d.is_uniform());
            assert_eq!(d.max_verbosity(), Some(Info));
        }
    }

    #[test]
    fn a_bare_level_sets_the_default_and_every_name_works() {
        let cases = [
            ("trace", Some(Trace)),
            ("DEBUG", Some(Debug)),
            ("Info", Some(Info)),
            ("warn", Some(Warning)),
            ("warning", Some(Warning)),
            ("error", Some(Error)),
            ("critical", Some(Critical)),
            ("fatal", Some(Critical)),
            ("audit", Some(Audit)),
            ("SECURITY", Some(Security)),
            ("off", None),
            ("OFF", None),
        ];
        for (s, level) in cases {
            let d = parse(s);
            assert_eq!(d.default_level(), level, "{s}");
            assert_eq!(d.targets().count(), 0);
            assert_eq!(d.level_for("x::y"), level);
        }
    }

    #[test]
    fn a_bare_target_enables_everything_for_it() {
        let d = parse("app::db");
        assert_eq!(d.default_level(), Some(Info));
        assert_eq!(d.level_for("app::db"), Some(Trace));
        assert_eq!(d.level_for("app"), Some(Info));
        assert!(d.enabled("app::db::pool", Trace));
        assert!(!d.enabled("app", Debug));
        assert!(!d.is_uniform());
        assert_eq!(d.max_verbosity(), Some(Trace));
    }

    #[test]
    fn target_equals_level() {
        let d = parse("warn,app=debug,hyper=off");
        assert_eq!(d.default_level(), Some(Warning));
        assert_eq!(d.level_for("app"), Some(Debug));
        assert_eq!(d.level_for("hyper::proto"), None);
        assert!(!d.enabled("hyper", Security));
        assert!(d.enabled("other", Error));
        assert!(!d.enabled("other", Info));
    }

    #[test]
    fn whitespace_and_empty_items_are_ignored() {
        let a = parse("  warn ,  app = debug , ,lib::x=  ERROR ,");
        let b = parse("warn,app=debug,lib::x=error");
        assert_eq!(a, b);
    }

    #[test]
    fn prefixes_match_on_path_boundaries_and_the_longest_wins() {
        let d = parse("error,app=info,app::db=debug,app::db::pool=off,ap=trace");
        assert_eq!(d.level_for("app"), Some(Info));
        assert_eq!(d.level_for("app::http"), Some(Info));
        assert_eq!(d.level_for("app::db"), Some(Debug));
        assert_eq!(d.level_for("app::db::query"), Some(Debug));
        assert_eq!(d.level_for("app::db::pool"), None);
        assert_eq!(d.level_for("app::db::pool::conn"), None);
        assert_eq!(d.level_for("app::dbx"), Some(Info)); // not under app::db
        assert_eq!(d.level_for("app::db::poolx"), Some(Debug));
        assert_eq!(d.level_for("apple"), Some(Error)); // not under app nor ap
        assert_eq!(d.level_for("ap"), Some(Trace));
        assert_eq!(d.level_for("ap::x"), Some(Trace));
        assert_eq!(d.level_for("app:"), Some(Error));
        assert_eq!(d.level_for(""), Some(Error));
        // Order of the directives does not matter, only length.
        assert_eq!(
            d,
            parse("app::db::pool=off,app::db=debug,ap=trace,app=info,error")
        );
    }

    #[test]
    fn the_last_directive_for_a_target_or_the_default_wins() {
        let d = parse("debug,app=warn,error,app=trace");
        assert_eq!(d.default_level(), Some(Error));
        assert_eq!(d.level_for("app"), Some(Trace));
        assert_eq!(d.targets().count(), 1);
    }

    #[test]
    fn off_everywhere() {
        let d = parse("off");
        assert_eq!(d.max_verbosity(), None);
        assert!(d.is_uniform());
        let d = parse("off,app=off");
        assert_eq!(d.max_verbosity(), None);
        assert!(d.is_uniform());
        let d = parse("off,app=security");
        assert_eq!(d.max_verbosity(), Some(Security));
        assert!(!d.is_uniform());
        assert!(d.enabled("app", Security));
        assert!(!d.enabled("other", Security));
    }

    #[test]
    fn max_verbosity_and_uniformity() {
        assert_eq!(
            parse("error,a=warn,b=debug,c=off").max_verbosity(),
            Some(Debug)
        );
        assert_eq!(parse("debug,a=error").max_verbosity(), Some(Debug));
        // A target at the default level changes nothing.
        assert!(parse("warn,a=warn").is_uniform());
        assert!(!parse("warn,a=error").is_uniform());
    }

    #[test]
    fn canonical_display_round_trips() {
        let cases = [
            ("", "info"),
            ("off", "off"),
            ("WARN", "warning"),
            ("app", "info,app=trace"),
            (
                "fatal , b=debug, aa::b = OFF,c=warn",
                "critical,aa::b=off,b=debug,c=warning",
            ),
            ("info=debug", "info,info=debug"), // a target may be named like a level
        ];
        for (input, canonical) in cases {
            let d = parse(input);
            assert_eq!(d.to_string(), canonical, "{input:?}");
            assert_eq!(parse(canonical), d);
        }
    }

    #[test]
    fn errors_name_the_item_its_position_and_the_reason() {
        let e = err("info,app::db=loud");
        assert_eq!(e.item(), "app::db=loud");
        assert_eq!(e.position(), 2);
        assert_eq!(e.kind(), &DirectiveErrorKind::UnknownLevel("loud".into()));
        assert!(
            e.to_string().starts_with(
                r#"invalid log directive "app::db=loud" (item 2): unknown level "loud""#
            ),
            "{e}"
        );

        let cases: [(&str, usize, DirectiveErrorKind, &str); 8] = [
            ("=debug", 1, DirectiveErrorKind::EmptyTarget, "empty target"),
            (
                "warn, = ",
                2,
                DirectiveErrorKind::EmptyTarget,
                "empty target",
            ),
            ("a,,=", 3, DirectiveErrorKind::EmptyTarget, "empty target"),
            ("app=", 1, DirectiveErrorKind::EmptyLevel, "empty level"),
            (
                "a=b=c",
                1,
                DirectiveErrorKind::MultipleEquals,
                "more than one `=`",
            ),
            (
                "my app=info",
                1,
                DirectiveErrorKind::InvalidTarget(""),
                "whitespace",
            ),
            (
                "x,a[span]=debug",
                2,
                DirectiveErrorKind::InvalidTarget(""),
                "span and field filters",
            ),
            (
                "a=info,b=verbose",
                2,
                DirectiveErrorKind::UnknownLevel("verbose".into()),
                "unknown level \"verbose\"",
            ),
        ];
        for (input, position, kind, reason) in cases {
            let e = err(input);
            assert_eq!(e.position(), position, "{input:?}: {e}");
            assert_eq!(
                std::mem::discriminant(e.kind()),
                std::mem::discriminant(&kind),
                "{input:?}: {e}"
            );
            let shown = e.to_string();
            assert!(shown.contains(&format!("(item {position})")), "{shown}");
            assert!(shown.contains(reason), "{input:?}: {shown}");
            assert!(shown.contains(&format!("{:?}", e.item())), "{shown}");
            let _: &dyn std::error::Error = &e;
        }
    }

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl FnMut(&str) -> Option<OsString> + 'a {
        move |name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn env_prefers_fapilog_level_then_rust_log() {
        assert_eq!(Directives::from_lookup(env(&[])), Ok(None));
        let d = Directives::from_lookup(env(&[("RUST_LOG", "debug")]));
        assert_eq!(d, Ok(Some(parse("debug"))));
        let d = Directives::from_lookup(env(&[("RUST_LOG", "debug"), ("FAPILOG_LEVEL", "warn")]));
        assert_eq!(d, Ok(Some(parse("warn"))));
        // Empty counts as unset.
        let d = Directives::from_lookup(env(&[("RUST_LOG", "debug"), ("FAPILOG_LEVEL", "  ")]));
        assert_eq!(d, Ok(Some(parse("debug"))));
        assert_eq!(Directives::from_lookup(env(&[("RUST_LOG", "")])), Ok(None));
    }

    #[test]
    fn env_errors_name_the_variable_and_value_and_do_not_fall_back() {
        let e = Directives::from_lookup(env(&[
            ("FAPILOG_LEVEL", "info,app::db=loud"),
            ("RUST_LOG", "debug"),
        ]))
        .unwrap_err();
        assert_eq!(e.variable(), Some("FAPILOG_LEVEL"));
        assert!(
            e.to_string().starts_with(
                r#"FAPILOG_LEVEL="info,app::db=loud": invalid log directive "app::db=loud" (item 2): unknown level "loud""#
            ),
            "{e}"
        );
        let e = Directives::from_lookup(env(&[("RUST_LOG", "a=b=c")])).unwrap_err();
        assert_eq!(e.variable(), Some("RUST_LOG"));
        assert!(e.to_string().starts_with(r#"RUST_LOG="a=b=c": "#), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn env_rejects_non_utf8() {
        use std::os::unix::ffi::OsStringExt;
        let e = Directives::from_lookup(|name| {
            (name == "RUST_LOG").then(|| OsString::from_vec(b"app=\xff".to_vec()))
        })
        .unwrap_err();
        assert_eq!(e.kind(), &DirectiveErrorKind::NotUnicode);
        assert_eq!(e.variable(), Some("RUST_LOG"));
        assert!(e.to_string().contains("not valid UTF-8"), "{e}");
    }

    #[test]
    fn a_bare_item_that_is_no_level_must_be_a_module_path_and_no_typo() {
        // Accepted as targets before, and then the most verbose level.
        let cases: [(&str, usize, &str); 9] = [
            ("warnig", 1, "did you mean `warning`?"),
            ("info,wran", 2, "did you mean `warn`?"),
            ("DEBG", 1, "did you mean `debug`?"),
            ("3", 1, "not a number"),
            ("info/request", 1, "/regex"),
            ("2fa", 1, "digit"),
            ("app:db", 1, "`::`"),
            ("app::db::", 1, "`::`"),
            ("warn,a+b", 2, "module path"),
        ];
        for (input, position, reason) in cases {
            let e = err(input);
            assert_eq!(e.position(), position, "{input:?}: {e}");
            assert!(e.to_string().contains(reason), "{input:?}: {e}");
        }
        assert_eq!(
            err("warnig").kind(),
            &DirectiveErrorKind::MisspeltLevel("warning")
        );
        assert!(err("warnig")
            .to_string()
            .contains("for a target of that name, write `warnig=trace`"));
        // A target that is a near miss is written out; paths are never typos.
        assert_eq!(parse("warp=trace").level_for("warp"), Some(Trace));
        assert_eq!(
            parse("warp::filters").level_for("warp::filters"),
            Some(Trace)
        );
        for ok in ["my-crate", "http.request", "tokio", "hyper::proto::h1"] {
            assert_eq!(parse(ok).level_for(ok), Some(Trace), "{ok}");
        }
    }

    fn rust_log(s: &str) -> (Directives, Vec<Skipped>) {
        parse_with(s, Syntax::RustLog)
            .unwrap_or_else(|e| panic!("RUST_LOG={s:?} should be read: {e}"))
    }

    fn parse_with(s: &str, syntax: Syntax) -> Result<(Directives, Vec<Skipped>), DirectiveError> {
        super::parse(s, syntax)
    }

    #[test]
    fn rust_log_skips_the_syntax_of_other_tools_and_keeps_the_rest() {
        let (d, skipped) = rust_log("warn,my_app[handle]=debug,app::db=debug");
        assert_eq!(d, parse("warn,app::db=debug"));
        assert_eq!(skipped.len(), 1);
        assert_eq!(skipped[0].text, "my_app[handle]=debug");
        assert!(skipped[0].reason.contains("span and field filters"));

        // Commas inside a span filter's fields stay in its item.
        let (d, skipped) = rust_log("error,[req{id=1,user=ada}]=trace,hyper=off");
        assert_eq!(d, parse("error,hyper=off"));
        let texts: Vec<&str> = skipped.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(texts, ["[req{id=1,user=ada}]=trace"]);

        // env_logger's message filter: the directives before the slash apply.
        let (d, skipped) = rust_log("debug,app=trace/request \\d+");
        assert_eq!(d, parse("debug,app=trace"));
        assert_eq!(skipped[0].text, "/request \\d+");
        assert!(skipped[0].reason.contains("/regex"));
        let (d, _) = rust_log("info/request");
        assert_eq!(d, Directives::default());
        // A slash inside a span filter is the filter's, not a regex.
        let (d, skipped) = rust_log("warn,a[{path=/x}]=debug");
        assert_eq!(d, parse("warn"));
        assert_eq!(skipped.len(), 1, "{skipped:?}");

        // tracing's numeric levels.
        let (d, skipped) = rust_log("3,app=5,db=debug");
        assert_eq!(d, parse("db=debug"));
        assert_eq!(skipped.len(), 2);
        assert!(skipped[0].reason.contains("numeric"));

        // A bare near miss of a level is read as the target it is to
        // tracing and env_logger, with a note; the strict reading refuses it.
        let (d, skipped) = rust_log("info,warnig");
        assert_eq!(d, parse("info,warnig=trace"));
        assert!(skipped[0].read_as_target, "{skipped:?}");
        assert!(skipped[0].reason.contains("`warning`"), "{skipped:?}");
        assert!(parse_with("info,warnig", Syntax::Fapilog).is_err());
        // Other mistakes are still errors.
        for bad in ["info,app=loud", "a=b=c", "7", "2fa"] {
            assert!(parse_with(bad, Syntax::RustLog).is_err(), "{bad}");
        }
        // The strict reading rejects what RUST_LOG skips.
        for foreign in ["a[span]=debug", "info/request", "3", "app=4"] {
            assert!(parse_with(foreign, Syntax::Fapilog).is_err(), "{foreign}");
        }
    }

    #[test]
    fn only_rust_log_is_read_leniently_from_the_environment() {
        let d = Directives::from_lookup(env(&[("RUST_LOG", "warn,app[span]=debug")]));
        assert_eq!(d, Ok(Some(parse("warn"))));
        let e =
            Directives::from_lookup(env(&[("FAPILOG_LEVEL", "warn,app[span]=debug")])).unwrap_err();
        assert_eq!(e.variable(), Some("FAPILOG_LEVEL"));
        let e = Directives::from_lookup(env(&[("FAPILOG_LEVEL", "warnig")])).unwrap_err();
        assert_eq!(e.variable(), Some("FAPILOG_LEVEL"));
        assert_eq!(
            e.value_and_reason(),
            r#""warnig" (invalid log directive "warnig" (item 1): not a level: did you mean `warning`? (for a target of that name, write `warnig=trace`))"#
        );
        let e = Directives::from_lookup(env(&[("RUST_LOG", "info,app=loud")])).unwrap_err();
        assert_eq!(e.variable(), Some("RUST_LOG"));
    }

    #[test]
    fn the_fuzz_check_accepts_tricky_inputs() {
        for s in [
            "",
            "a,a::b=off,a::b::c,off",
            "=",
            "a=b=c",
            "x=info,  ,y=WARN,",
            "::=debug",
            "a::=debug",
            "\u{85}app",
            "info,app::db=loud",
            "é=trace,éé::é",
        ] {
            check(s.as_bytes());
        }
        check(b"\xff=info");
    }
}
