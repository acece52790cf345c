//! Redaction: what the worker runs on every record before serialization.
//!
//! A [`RedactionConfig`] says what to hide; [`Redactor::new`] compiles it
//! (lowercase name sets, memmem finders) for the worker, which asks
//! [`Redactor::field_action`] about each field by name, and passes the
//! message and every string value that is kept through
//! [`Redactor::redact_text`].
//!
//! ```
//! use fapilog::redact::{Preset, RedactionConfig, Redactor};
//!
//! let redactor = Redactor::new(
//!     RedactionConfig::new()
//!         .with_preset(Preset::Credentials)
//!         .with_preset(Preset::PciDss)
//!         .mask_fields(["user.ssn"])
//!         .block_fields(["body"])
//!         .mask_text("[REDACTED]")
//!         .max_string_len(4096),
//! );
//! let arena = bumpalo::Bump::new();
//! let out = redactor
//!     .redact_text(None, "connecting to postgres://app:hunter2@db:5432/app", &arena)
//!     .unwrap();
//! assert_eq!(out, "connecting to postgres://[REDACTED]@db:5432/app");
//! ```
//!
//! # The rules
//!
//! **Field names** ([`Redactor::field_action`]). Exact names and dotted
//! paths, compared normalized: ASCII case folded and separators (every
//! ASCII byte that is not a letter or digit: `_ - .`, space, …) dropped, so
//! `session_id`, `session-id`, `sessionId` and `Session ID` are one name;
//! a name with trailing digits also matches without them (`password2`). An
//! entry without a dot matches a field whose whole name, or the part after
//! any of its dots, matches it (`http.session.id`); an entry with dots
//! matches the whole name. With [`Preset::Credentials`], names are also
//! matched by *words*: a name splits at every byte that is not an ASCII
//! letter or digit, at camelCase humps (`accessToken`, `APIKey`) and between
//! letters and digits. A word ending with `password`, `passwd`,
//! `passphrase`, `secret` or `token` (plural too: `db_password`,
//! `csrftoken`, `max_tokens`), ending with `apikey`/`privatekey` or being
//! `key` after `api`/`private` (`x-api-key`, `privateKey`), or being exactly
//! `auth`, `authorization`, `otp`, `totp`, `hotp` or `pwd` marks the field
//! secret. So `author`, `authority`, `oauth_provider`, `footprint`,
//! `hotpath`, `tokenize`, `tokenizer`, `secretary` are kept. Blocking wins
//! over masking.
//!
//! **Values** ([`Redactor::redact_text`]), the message and every kept string
//! value, whatever the field's name:
//! - URL credentials (Credentials): `scheme://user:pass@host` becomes
//!   `scheme://***@host` for any RFC 3986 scheme (letters, digits, `+ - .`
//!   from a letter, any case: `postgresql+psycopg2`, `socks5`, `wss`); the
//!   userinfo runs to the authority's *last* `@`. When the authority (up to
//!   the first `/ ? #`) holds no `@` but a `:` not followed by a port, that
//!   `/ ? #` is taken to be inside the password and the userinfo runs to
//!   the last `@` before the URL ends (at whitespace, a quote, `<`, `>` or a
//!   backtick): `postgres://app:hu/nter2@db` is masked whole.
//! - `Bearer`/`Basic` credentials (Credentials): the keyword in any case,
//!   spaces, then a token68 of 8+ bytes holding a digit or an uppercase
//!   letter after its first byte; only the token is masked.
//! - AWS access key ids (Credentials): `AKIA`/`ASIA` + 16 of `A–Z 0–9`,
//!   no letter or digit on either side.
//! - JWTs (Credentials): `eyJ…` `.` `…` `.` `…` in base64url (header 10+
//!   bytes, payload 2+, signature possibly empty), not glued to base64url.
//! - PEM private keys (Credentials): `-----BEGIN …PRIVATE KEY-----` (and
//!   OpenPGP's `…PRIVATE KEY BLOCK`, `…SECRET KEY BLOCK`) through the
//!   matching END line, one mask; without an END line, to the end of the
//!   string.
//! - Cards (PciDss): 13–19 digits starting with 2–6 that pass Luhn, either
//!   one run or a 4-digit group then groups of 4–6 (the last may have 3)
//!   joined by one repeated space or dash; no letter or digit around.
//! - E-mail (ContactInfo): `local@domain.tld`, TLD letters only, not an
//!   image extension (`icon@2x.png`).
//! - Phones (ContactInfo), conservatively: `+` then 8–15 digits in groups
//!   split by single spaces or dashes; `(NXX) NXX-XXXX`; `NXX-NXX-XXXX` or
//!   `NXX.NXX.XXXX` (optionally `1-`/`1.` first) as a whole digit run;
//!   N is 2–9. Bare digit runs and space-grouped national numbers are kept.
//! - Literal patterns ([`RedactionConfig::pattern`]): case-sensitive.
//!
//! Overlapping finds merge into one mask; every find is counted by kind in
//! [`RedactionCounters`]. Clean text costs close to a memchr pass: one
//! vectorized pass (SSE2, or AVX2 where the CPU has it) marks the few bytes
//! where a detector may start, in 64-byte blocks, and only those are looked
//! at; a `key=value` key is rejected by a hash of its last bytes before it
//! is even measured.
//!
//! **Then** custom redactors ([`CustomRedactor`], panics handled by
//! [`FailMode`]) and truncation ([`RedactionConfig::max_string_len`]).

mod callsite_memo;
mod cards;
mod contact;
mod counters;
mod digits;
mod keyvalue;
mod names;
mod pem;
mod presets;
mod scan;
mod tokens;
mod url;
mod windows;

#[doc(hidden)]
pub mod check;

use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use bumpalo::Bump;

pub use counters::{RedactionCounters, RedactionKind};
pub use presets::{Preset, CONTACT_NAMES, CREDENTIAL_NAMES, DEFAULT_BLOCKED_FIELDS, PCI_NAMES};

pub(crate) use callsite_memo::{CallsiteMemo, ForCallsite};
use names::NameSet;
use scan::Scanner;

/// The default mask text.
pub const DEFAULT_MASK: &str = "***";

/// What replaces a blocked field's value.
pub const BLOCKED_MARKER: &str = "[blocked]";

/// A user-supplied redactor, run on every string value (and the message)
/// after the built-in scanners. Return `Some(new)` to replace the text,
/// `None` to keep it. A panic is caught and handled by the [`FailMode`].
pub trait CustomRedactor: Send + Sync {
    /// Redacts `text`, the value of the field `field` (`""` for the message).
    fn redact(&self, field: &str, text: &str) -> Option<String>;
}

/// What happens to a value when a custom redactor panics on it. Every
/// failure is counted as [`RedactionKind::CustomFailure`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum FailMode {
    /// Keep the value as the built-in scanners left it.
    Open,
    /// Drop the whole record: [`Redactor::redact_text`] returns [`Dropped`].
    Closed,
    /// Replace the whole value with the mask text (the default).
    #[default]
    Warn,
}

/// What to do with a field, by its name alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FieldAction {
    /// Keep the field; scan its string value with [`Redactor::redact_text`].
    Keep,
    /// Write the mask text instead of the value, whatever its type.
    Mask,
    /// Write [`BLOCKED_MARKER`] instead of the value.
    Block,
}

/// A field name's fate: `None` to keep the field, or the action and the
/// counter it goes to.
pub(crate) type NameVerdict = Option<(FieldAction, RedactionKind)>;

/// The record must be dropped: a custom redactor failed under
/// [`FailMode::Closed`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dropped;

impl fmt::Display for Dropped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("record dropped: a custom redactor failed (fail mode closed)")
    }
}

impl std::error::Error for Dropped {}

/// What to redact. Start from [`RedactionConfig::new`] (nothing) or
/// [`RedactionConfig::recommended`], and compose.
#[derive(Clone)]
pub struct RedactionConfig {
    mask_text: String,
    mask_fields: Vec<String>,
    block_fields: Vec<String>,
    credentials: bool,
    contact: bool,
    pci: bool,
    max_string_len: Option<usize>,
    patterns: Vec<String>,
    custom: Vec<Arc<dyn CustomRedactor>>,
    fail_mode: FailMode,
}

impl Default for RedactionConfig {
    fn default() -> Self {
        RedactionConfig::new()
    }
}

impl fmt::Debug for RedactionConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedactionConfig")
            .field("mask_text", &self.mask_text)
            .field("mask_fields", &self.mask_fields)
            .field("block_fields", &self.block_fields)
            .field("credentials", &self.credentials)
            .field("contact", &self.contact)
            .field("pci", &self.pci)
            .field("max_string_len", &self.max_string_len)
            .field("patterns", &self.patterns.len())
            .field("custom", &self.custom.len())
            .field("fail_mode", &self.fail_mode)
            .finish()
    }
}

impl RedactionConfig {
    /// Redacts nothing: mask text `***`, fail mode [`FailMode::Warn`].
    pub fn new() -> RedactionConfig {
        RedactionConfig {
            mask_text: DEFAULT_MASK.to_owned(),
            mask_fields: Vec::new(),
            block_fields: Vec::new(),
            credentials: false,
            contact: false,
            pci: false,
            max_string_len: None,
            patterns: Vec::new(),
            custom: Vec::new(),
            fail_mode: FailMode::default(),
        }
    }

    /// Every preset, and the [`DEFAULT_BLOCKED_FIELDS`] blocked.
    pub fn recommended() -> RedactionConfig {
        RedactionConfig::new()
            .with_preset(Preset::Credentials)
            .with_preset(Preset::PciDss)
            .with_preset(Preset::ContactInfo)
            .block_fields(DEFAULT_BLOCKED_FIELDS.iter().copied())
    }

    /// Adds a preset's field names and value scanners.
    pub fn with_preset(mut self, preset: Preset) -> RedactionConfig {
        let names = match preset {
            Preset::Credentials => {
                self.credentials = true;
                CREDENTIAL_NAMES
            }
            Preset::ContactInfo => {
                self.contact = true;
                CONTACT_NAMES
            }
            Preset::PciDss => {
                self.pci = true;
                PCI_NAMES
            }
        };
        self.mask_fields(names.iter().copied())
    }

    /// Masks these fields. Names compare normalized: ASCII case folded,
    /// separators (`_ - .`, space, …) dropped, trailing digits of the name
    /// optional (`session_id` masks `session-id`, `sessionId`,
    /// `session_id2`). An entry without a dot matches a field whose whole
    /// name, or the part after any of its dots, matches it (`password` masks
    /// `password`, `user.password`, `Password`); an entry with dots matches
    /// the whole name (`user.token` masks `USER.token`, not `token`).
    pub fn mask_fields<I, S>(mut self, names: I) -> RedactionConfig
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.mask_fields.extend(names.into_iter().map(Into::into));
        self
    }

    /// Blocks these fields (same matching as [`mask_fields`](Self::mask_fields)):
    /// the value becomes [`BLOCKED_MARKER`]. Blocking wins over masking.
    pub fn block_fields<I, S>(mut self, names: I) -> RedactionConfig
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.block_fields.extend(names.into_iter().map(Into::into));
        self
    }

    /// The text that replaces each secret (default `***`).
    pub fn mask_text(mut self, text: impl Into<String>) -> RedactionConfig {
        self.mask_text = text.into();
        self
    }

    /// Cuts string values (and the message) longer than `max` bytes, after
    /// redaction, at the last char boundary at or before `max`, and appends
    /// `…[truncated N bytes]` (N = bytes cut).
    pub fn max_string_len(mut self, max: usize) -> RedactionConfig {
        self.max_string_len = Some(max);
        self
    }

    /// Masks every occurrence of this literal text (case-sensitive; found
    /// with memmem). An empty pattern is ignored.
    pub fn pattern(mut self, literal: impl Into<String>) -> RedactionConfig {
        self.patterns.push(literal.into());
        self
    }

    /// Runs `redactor` on every string value after the built-in scanners.
    pub fn custom_redactor(mut self, redactor: impl CustomRedactor + 'static) -> RedactionConfig {
        self.custom.push(Arc::new(redactor));
        self
    }

    /// What a custom redactor's panic does (default [`FailMode::Warn`]).
    pub fn fail_mode(mut self, mode: FailMode) -> RedactionConfig {
        self.fail_mode = mode;
        self
    }
}

/// A compiled [`RedactionConfig`], run by the worker on every record.
pub struct Redactor {
    mask_text: Box<str>,
    masked: NameSet,
    /// Cheap first check of `key=value` keys in text.
    key_filter: keyvalue::KeyFilter,
    blocked: NameSet,
    name_patterns: bool,
    scanner: Scanner,
    max_string_len: Option<usize>,
    custom: Vec<Arc<dyn CustomRedactor>>,
    fail_mode: FailMode,
    counters: Arc<RedactionCounters>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor")
            .field("mask_text", &self.mask_text)
            .field("counters", &self.counters)
            .finish_non_exhaustive()
    }
}

impl Redactor {
    /// Compiles `config`.
    pub fn new(config: RedactionConfig) -> Redactor {
        let mut masked = NameSet::default();
        config.mask_fields.iter().for_each(|n| masked.insert(n));
        let mut blocked = NameSet::default();
        config.block_fields.iter().for_each(|n| blocked.insert(n));
        Redactor {
            mask_text: config.mask_text.into(),
            key_filter: keyvalue::KeyFilter::new(config.credentials, masked.entries()),
            masked,
            blocked,
            name_patterns: config.credentials,
            scanner: Scanner::new(
                config.credentials,
                config.pci,
                config.contact,
                &config.patterns,
            ),
            max_string_len: config.max_string_len,
            custom: config.custom,
            fail_mode: config.fail_mode,
            counters: Arc::default(),
        }
    }

    /// What to do with a field by its name alone. `Mask` and `Block` are
    /// counted here (`field_mask`, `name_pattern`, `blocked`), so call it
    /// once per field written. Does not allocate.
    pub fn field_action(&self, name: &str) -> FieldAction {
        self.count(self.name_verdict(name))
    }

    /// What `field_action` decides for `name`, and why, without counting.
    pub(crate) fn name_verdict(&self, name: &str) -> NameVerdict {
        if self.blocked.matches(name) {
            Some((FieldAction::Block, RedactionKind::Blocked))
        } else if self.masked.matches(name) {
            Some((FieldAction::Mask, RedactionKind::FieldMask))
        } else if self.name_patterns && names::is_secret_name(name) {
            Some((FieldAction::Mask, RedactionKind::NamePattern))
        } else {
            None
        }
    }

    /// True when custom redactors run after the built-in scanners.
    pub(crate) fn has_custom(&self) -> bool {
        !self.custom.is_empty()
    }

    /// Counts a field masked or blocked by `verdict`; returns its action.
    #[inline]
    pub(crate) fn count(&self, verdict: NameVerdict) -> FieldAction {
        match verdict {
            None => FieldAction::Keep,
            Some((action, kind)) => {
                self.counters.add(kind, 1);
                action
            }
        }
    }

    /// Redacts `text`, the value of field `field` (`None` for the message):
    /// the built-in scanners, then the custom redactors, then truncation.
    /// Returns `text` itself, without allocating, when nothing changed, or
    /// a redacted copy in `arena`. `Err` only under [`FailMode::Closed`]
    /// after a custom redactor panicked.
    pub fn redact_text<'a>(
        &self,
        field: Option<&str>,
        text: &'a str,
        arena: &'a Bump,
    ) -> Result<&'a str, Dropped> {
        let mut out = text;
        let is_secret_key = |key: &str| {
            self.masked.matches(key) || (self.name_patterns && names::is_secret_name(key))
        };
        let mut hits = self
            .scanner
            .find(text, arena, &self.key_filter, &is_secret_key);
        if !hits.is_empty() {
            for hit in hits.iter() {
                self.counters.add(hit.kind, 1);
            }
            out = scan::apply(text, &mut hits, &self.mask_text, arena);
        }
        for custom in &self.custom {
            match catch_unwind(AssertUnwindSafe(|| custom.redact(field.unwrap_or(""), out))) {
                Ok(None) => {}
                Ok(Some(new)) => {
                    self.counters.add(RedactionKind::Custom, 1);
                    out = arena.alloc_str(&new);
                }
                Err(_) => {
                    self.counters.add(RedactionKind::CustomFailure, 1);
                    match self.fail_mode {
                        FailMode::Open => {}
                        FailMode::Closed => return Err(Dropped),
                        FailMode::Warn => {
                            out = arena.alloc_str(&self.mask_text);
                            break;
                        }
                    }
                }
            }
        }
        Ok(self.truncate(out, arena))
    }

    fn truncate<'a>(&self, text: &'a str, arena: &'a Bump) -> &'a str {
        let Some(max) = self.max_string_len.filter(|&max| text.len() > max) else {
            return text;
        };
        let cut = crate::text::floor_char_boundary(text, max);
        self.counters.add(RedactionKind::Truncated, 1);
        let mut out = bumpalo::collections::String::with_capacity_in(cut + 32, arena);
        out.push_str(&text[..cut]);
        out.push_str("…[truncated ");
        out.push_str(itoa::Buffer::new().format(text.len() - cut));
        out.push_str(" bytes]");
        out.into_bump_str()
    }

    /// The text written in place of masked fields and secrets.
    pub fn mask_text(&self) -> &str {
        &self.mask_text
    }

    /// The redaction counters (an `Arc`, so the stats can keep a handle).
    pub fn counters(&self) -> &Arc<RedactionCounters> {
        &self.counters
    }
}

#[cfg(test)]
mod tests;
