//! Events from `tracing` (feature `tracing`): [`init()`] makes fapilog the
//! global subscriber; [`layer()`] is the same bridge as a
//! `tracing_subscriber` layer, to stack with others.
//!
//! ```
//! fn main() -> Result<(), fapilog::Error> {
//!     let _guard = fapilog::builder().install()?;
//!     fapilog::integrations::tracing::init()?;
//!     // What a dependency logs through `tracing` now reaches fapilog's sinks:
//!     let span = tracing::info_span!("request");
//!     let _entered = span.enter();
//!     tracing::warn!(target: "h2::proto", stream = 7u32, ?span, "stream reset");
//!     Ok(())
//! }
//! ```
//!
//! Or in a stack of layers:
//!
//! ```
//! use tracing_subscriber::layer::SubscriberExt;
//!
//! let subscriber = tracing_subscriber::registry().with(fapilog::integrations::tracing::layer());
//! tracing::subscriber::with_default(subscriber, || tracing::info!("to fapilog"));
//! ```
//!
//! What an event becomes:
//!
//! | `tracing` | fapilog |
//! |---|---|
//! | `ERROR`, `WARN`, `INFO`, `DEBUG`, `TRACE` | `ERROR`, `WARNING`, `INFO`, `DEBUG`, `TRACE` |
//! | the metadata's target | the logger name (`logger` in the envelope), and what per-target directives match |
//! | the field `message` | the message |
//! | other fields | fields: `i64`, `u64`, `i128`, `u128`, `f64`, `bool`, `&str` and bytes keep their type; `%value`, `?value` and errors are written as text |
//! | the spans the event is in | the field `spans`: each span's name and its fields in braces, outermost first, joined by `:` (`request{request_id=abc user_id=42}:db_query{table="users"}`); a span without fields is its name alone |
//!
//! Spans: each span's fields are recorded when it is created and whenever
//! `span.record(…)` fills or changes one, and are written with every event
//! inside the span, in the one text field `spans`, in the compact form of
//! tracing-subscriber's `fmt` layer:
//!
//! ```
//! # use tracing::field;
//! let id = "abc";
//! let request = tracing::info_span!("request", request_id = %id, user_id = 42, status = field::Empty);
//! let _request = request.enter();
//! let query = tracing::info_span!("db_query", table = "users");
//! let _query = query.enter();
//! tracing::info!("rows fetched");
//! // spans: request{request_id=abc user_id=42}:db_query{table="users"}
//! request.record("status", 200);
//! tracing::info!("done");
//! // spans: request{request_id=abc user_id=42 status=200}:db_query{table="users"}
//! ```
//!
//! - A field never recorded (left `field::Empty`) is left out; a field
//!   recorded again keeps its place and shows its last value (`fmt` would
//!   show both). Names are written as given, `r#` dropped (`r#type` is
//!   `type`).
//! - Integers, floats and booleans are written as `Debug` writes them
//!   (`42`, `0.5`, `true`); a `&str` in double quotes (`table="users"`), as
//!   `fmt` writes it.
//! - A `%value` (`Display`), `?value` (`Debug`) or error (`Display`) is
//!   written as it is when it is one plain word (`request_id=abc`,
//!   `peer=10.0.0.7:5432`) or already one quoted string (`?name` of a
//!   `String`). Any other text (empty, or holding whitespace, a control
//!   character or one of `" ' \ = { } ( ) [ ] , ; &`) is quoted like a
//!   `&str`: `note="a b} c=d"`, `items="[1, 2]"`,
//!   `peer="Peer { host: \"db\" }"`. `fmt` writes these raw; quoting
//!   them means that a value always ends at its closing quote or at the
//!   first space or `}`, so a `}`, `=` or space inside a value never reads
//!   as the end of a span or another field, and redaction masks the whole
//!   value of a secret-named field, not its first word (below).
//! - Between quotes, `"` and `\` are written `\"` and `\\`, and control
//!   characters `\n`, `\r`, `\t` or `\u{…}`, as Rust's `Debug` of a string
//!   writes them. (The JSON writer then escapes the whole text for JSON.)
//! - A span keeps at most 1 KiB (1,024 bytes) of field text, braces aside:
//!   a value that does not fit is cut at a character boundary (inside its
//!   quotes, which are closed), the text ends with `…`, and the fields
//!   after it are left out. A huge value is not even formatted past that.
//!   With the 16 innermost spans shown (`…:` first when there are more),
//!   `spans` holds at most about 16 KiB and the span names; a record larger
//!   than a slot takes several, as any large record does.
//!
//! The text is formatted once per span creation or `record` (which
//! allocates), and kept in the span's extensions in the `tracing_subscriber`
//! registry; an event copies it into its slot and allocates nothing.
//!
//! Redaction: `spans` is a string value, so the `key=value` scan of
//! [`Preset::Credentials`](crate::redact::Preset::Credentials) (in the
//! `Production`, `Serverless` and `Hardened` presets) masks the value of a
//! secret-named span field (`password`, `api_key`, `token`, `session_id`,
//! …) as in any text: `request{password=*** user_id=42}`,
//! `login{passphrase="***"}`. The braces do not get in its way: a key
//! starts after the `{`, and an unquoted value ends at the `}`.
//!
//! Span open and close are not logged. A field that an event leaves empty
//! (`field::Empty`) is left out.
//!
//! `log` records: bring them in with [`crate::integrations::log::init()`],
//! not through `tracing-log`'s `LogTracer` (which `tracing_subscriber`'s
//! `init()` installs with its default features). Through `LogTracer` a `log`
//! record reaches this layer under `tracing-log`'s stand-in metadata: its
//! logger name is `log`, per-target directives do not see its real target,
//! and `log::init()` then fails with [`Error::FacadeInUse`](crate::Error)
//! since `log` already has a logger.
//!
//! Levels: every event is checked against fapilog's level and per-target
//! directives by its own target. [`init()`]'s subscriber also tells
//! `tracing` fapilog's level as its maximum-level hint, and is told again at
//! every change of fapilog's level, so `tracing` skips a disabled event at
//! its callsite. [`layer()`] gives no hint: in a stack, a hint would also
//! silence the other layers' events below fapilog's level; events below it
//! reach the layer and are dropped there after one relaxed load.
//!
//! Callsites: fapilog's records point to a static callsite (level, target,
//! file, line, field names). The bridge makes one the first time it sees a
//! `tracing` callsite with a given set of recorded fields, in or out of a
//! span, and keeps it for the life of the process: only that first event
//! allocates. At most 4,096 are made; an event beyond that is still logged,
//! through a shared callsite whose target is `tracing`, with its real target
//! in the field `tracing.target` and its fields as one text field,
//! `tracing.fields` (`name=value name=value`); its spans are left out.
//!
//! An event on one of fapilog's own threads (a sink that logs through
//! `tracing`, say) is dropped and counted `reentrant`, like a macro call
//! there. With `tracing`'s `log-always` feature, events are also `log`
//! records: with both bridges on, they would arrive twice.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};

use parking_lot::Mutex;
use tracing_core::field::{Field, Visit};
use tracing_core::{span, Event, LevelFilter, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::{LookupSpan, SpanRef};

use super::intern::{Hash, Table};
use super::{gate_open, most_verbose_enabled, unnamed_callsites, LEVELS};
use crate::record::value::Sealed;
use crate::record::{Callsite, DisplayValue, Encoder, Fields};
use crate::text::floor_char_boundary;
use crate::Level;

/// Makes fapilog the global `tracing` subscriber: a
/// `tracing_subscriber::registry()` with the fapilog layer, which reports
/// fapilog's level to `tracing` as it changes.
///
/// Call it once, before or after installing fapilog's logger (events while
/// no fapilog logger is installed go nowhere, as a macro call's do). Calling
/// it again is a no-op. Fails with [`Error::FacadeInUse`] when another
/// global subscriber was set first: `tracing` takes one per process (use
/// [`layer()`] in that subscriber's stack instead).
///
/// [`Error::FacadeInUse`]: crate::Error::FacadeInUse
pub fn init() -> Result<(), crate::Error> {
    static INIT: Mutex<()> = parking_lot::const_mutex(());
    let _once = INIT.lock();
    if HINTED.load(Ordering::Acquire) {
        return Ok(());
    }
    let subscriber = tracing_subscriber::registry().with(FapilogLayer { hint: true });
    tracing_core::dispatcher::set_global_default(subscriber.into())
        .map_err(|_| crate::Error::FacadeInUse { facade: "tracing" })?;
    HINTED.store(true, Ordering::Release);
    // A change of level since the subscriber was set.
    tracing_core::callsite::rebuild_interest_cache();
    Ok(())
}

/// The bridge as a layer, for a `tracing_subscriber` stack of your own:
/// `tracing_subscriber::registry().with(fapilog::integrations::tracing::layer())`.
///
/// It gives no maximum-level hint (see the [module docs](self)).
pub fn layer() -> FapilogLayer {
    FapilogLayer { hint: false }
}

/// The bridge from `tracing` to fapilog, as a `tracing_subscriber` layer:
/// see [`layer()`] and the [module docs](self).
#[derive(Debug)]
pub struct FapilogLayer {
    /// Report fapilog's level as the maximum-level hint ([`init()`]'s).
    hint: bool,
}

/// Set once [`init()`]'s subscriber, which gives a hint, is the global one.
static HINTED: AtomicBool = AtomicBool::new(false);

/// Called after every change of fapilog's level: `tracing` asks every
/// subscriber for its hint again.
pub(crate) fn level_changed() {
    if HINTED.load(Ordering::Acquire) {
        tracing_core::callsite::rebuild_interest_cache();
    }
}

impl<S> tracing_subscriber::Layer<S> for FapilogLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &span::Attributes<'_>, id: &span::Id, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            record_span_fields(&span, |visit| attrs.record(visit));
        }
    }

    fn on_record(&self, id: &span::Id, values: &span::Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            record_span_fields(&span, |visit| values.record(visit));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let level = level_of(event.metadata());
        if !gate_open(level) {
            return;
        }
        let mut spans = Spans::new();
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope {
                if !spans.push(span) {
                    break;
                }
            }
        }
        let spans = (!spans.is_empty()).then_some(&spans as &dyn fmt::Display);
        log_event(level, event, spans);
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        self.hint.then(|| match most_verbose_enabled() {
            Some(0) => LevelFilter::ERROR,
            Some(1) => LevelFilter::WARN,
            Some(2) => LevelFilter::INFO,
            Some(3) => LevelFilter::DEBUG,
            Some(_) => LevelFilter::TRACE,
            None => LevelFilter::OFF,
        })
    }
}

/// The index in [`LEVELS`] of an event's level.
#[inline(always)]
fn level_index(metadata: &Metadata<'_>) -> usize {
    match *metadata.level() {
        tracing_core::Level::ERROR => 0,
        tracing_core::Level::WARN => 1,
        tracing_core::Level::INFO => 2,
        tracing_core::Level::DEBUG => 3,
        _ => 4,
    }
}

#[inline(always)]
fn level_of(metadata: &Metadata<'_>) -> Level {
    LEVELS[level_index(metadata)]
}

fn log_event(level: Level, event: &Event<'_>, spans: Option<&dyn fmt::Display>) {
    let mut shape = Shape::default();
    event.record(&mut shape);
    let message = Message(event);
    match callsite(level, event.metadata(), &shape, spans.is_some()) {
        Some(cs) => {
            if crate::level::enabled_at(level, cs) {
                let fields = EventValues {
                    event,
                    values: shape.len,
                    spans,
                };
                crate::logger::log(cs, format_args!("{message}"), fields);
            }
        }
        None => {
            let target = event.metadata().target();
            if crate::level::enabled_for(level, target) {
                let cs = &UNNAMED[level_index(event.metadata())];
                let fields = (target, DisplayValue(FieldText(event)));
                crate::logger::log(cs, format_args!("{message}"), fields);
            }
        }
    }
}

/// Fields `tracing` allows an event (its `FieldSet` limit).
const MAX_FIELDS: usize = 32;

/// The fields an event recorded, message aside, by their index in its
/// metadata's field set, in the order it records them.
#[derive(Default)]
struct Shape {
    indices: [u8; MAX_FIELDS],
    len: usize,
}

impl Shape {
    fn indices(&self) -> &[u8] {
        &self.indices[..self.len]
    }
}

impl Visit for Shape {
    fn record_debug(&mut self, field: &Field, _: &dyn fmt::Debug) {
        if field.name() != "message" && self.len < MAX_FIELDS {
            self.indices[self.len] = field.index() as u8;
            self.len += 1;
        }
    }
}

/// A callsite made for a `tracing` callsite and the fields its event
/// recorded.
struct Made {
    /// The address of the event's `'static` metadata: one per `tracing`
    /// callsite.
    metadata: usize,
    indices: &'static [u8],
    in_span: bool,
    callsite: Callsite,
}

/// The callsites made so far: at most 4,096.
static CALLSITES: Table<Made, 8192> = Table::new();

/// The shared callsites of events beyond the table, by level.
static UNNAMED: [Callsite; 5] = unnamed_callsites("tracing", &["tracing.target", "tracing.fields"]);

/// The event's callsite, made the first time; `None` beyond the table.
#[inline]
fn callsite(
    level: Level,
    metadata: &'static Metadata<'static>,
    shape: &Shape,
    in_span: bool,
) -> Option<&'static Callsite> {
    let address = metadata as *const Metadata<'static> as usize;
    let mut hash = Hash::new();
    hash.word(address as u64);
    hash.word(u64::from(in_span));
    for &i in shape.indices() {
        hash.word(u64::from(i));
    }
    let made = CALLSITES.find_or_insert(
        hash.finish(),
        |made| {
            made.metadata == address && made.in_span == in_span && made.indices == shape.indices()
        },
        || {
            let all: Vec<&'static str> = metadata.fields().iter().map(|f| f.name()).collect();
            let mut names: Vec<&'static str> =
                shape.indices().iter().map(|&i| all[i as usize]).collect();
            if in_span {
                names.push("spans");
            }
            Made {
                metadata: address,
                indices: Box::leak(shape.indices().into()),
                in_span,
                callsite: Callsite::new(
                    level,
                    metadata.target(),
                    metadata.file().unwrap_or(""),
                    metadata.line().unwrap_or(0),
                    Box::leak(names.into_boxed_slice()),
                ),
            }
        },
    )?;
    Some(&made.callsite)
}

/// The most spans an event's `spans` field shows: the innermost 16.
const MAX_SPANS: usize = 16;

/// The spans an event is in, innermost first; the 16 innermost when there
/// are more. Shown as the field `spans`.
struct Spans<'a, S: LookupSpan<'a>> {
    spans: [Option<SpanRef<'a, S>>; MAX_SPANS],
    len: usize,
    cut: bool,
}

impl<'a, S: LookupSpan<'a>> Spans<'a, S> {
    fn new() -> Self {
        Spans {
            spans: [const { None }; MAX_SPANS],
            len: 0,
            cut: false,
        }
    }

    /// Adds the next span outward; false when full.
    fn push(&mut self, span: SpanRef<'a, S>) -> bool {
        if self.len == MAX_SPANS {
            self.cut = true;
            return false;
        }
        self.spans[self.len] = Some(span);
        self.len += 1;
        true
    }

    fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// Outermost first, each span's name and its fields in braces (the name
/// alone when it has none), joined by `:`; `…:` first when some were left
/// out. Copies the text [`SpanFields`] keeps: no allocation.
impl<'a, S: LookupSpan<'a>> fmt::Display for Spans<'a, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.cut {
            f.write_str("…:")?;
        }
        for (i, span) in self.spans[..self.len].iter().rev().flatten().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            f.write_str(span.name())?;
            let extensions = span.extensions();
            if let Some(fields) = extensions.get::<SpanFields>() {
                if !fields.text.is_empty() {
                    f.write_str("{")?;
                    f.write_str(&fields.text)?;
                    f.write_str("}")?;
                }
            }
        }
        Ok(())
    }
}

/// The most bytes of a span's field text (`name=value name=value`, braces
/// aside) kept: what does not fit is cut at a character boundary and the
/// text ends with [`CUT`].
const SPAN_FIELDS_MAX: usize = 1024;

/// Ends a span's field text that was cut.
const CUT: &str = "…";

/// A span's fields, kept in its extensions from its creation and updated at
/// each `record`; rendered into `text` then, once, so that the events inside
/// the span only copy it.
struct SpanFields {
    /// In the order first recorded; a field recorded again keeps its place
    /// and takes its new value.
    fields: Vec<SpanField>,
    /// `name=value name=value`, at most [`SPAN_FIELDS_MAX`] bytes and [`CUT`].
    text: String,
}

struct SpanField {
    name: &'static str,
    /// The value as `Debug`, `Display` or the `&str` wrote it: at most
    /// [`SPAN_FIELDS_MAX`] + 1 bytes (see `cut`).
    value: String,
    /// Written in quotes, escaped (a `&str`, or text that is not one word).
    quote: bool,
    /// The value was longer than `value`: its formatting was stopped.
    cut: bool,
}

/// Records a span's fields from `record` (its attributes at creation, or a
/// `record` call), formatted before its extensions are locked: a value's
/// `Debug` or `Display` may itself use `tracing`.
fn record_span_fields<'a, S: LookupSpan<'a>>(
    span: &SpanRef<'a, S>,
    record: impl FnOnce(&mut dyn Visit),
) {
    let mut new = FieldRecorder(Vec::new());
    record(&mut new);
    if new.0.is_empty() {
        return;
    }
    let mut extensions = span.extensions_mut();
    match extensions.get_mut::<SpanFields>() {
        Some(fields) => fields.merge(new.0),
        None => {
            let mut fields = SpanFields {
                fields: Vec::new(),
                text: String::new(),
            };
            fields.merge(new.0);
            extensions.insert(fields);
        }
    }
}

impl SpanFields {
    fn merge(&mut self, new: Vec<SpanField>) {
        for field in new {
            match self.fields.iter_mut().find(|f| f.name == field.name) {
                Some(old) => *old = field,
                None => self.fields.push(field),
            }
        }
        self.text = render(&self.fields);
    }
}

/// The fields as the field `spans` shows them (module docs): `name=value`
/// joined by spaces, at most [`SPAN_FIELDS_MAX`] bytes; what does not fit is
/// cut at a character boundary (inside quotes, which are closed) and marked
/// [`CUT`], and the fields after it are left out.
fn render(fields: &[SpanField]) -> String {
    let mut out = String::new();
    let mut escaped = String::new();
    for field in fields {
        let space = if out.is_empty() { "" } else { " " };
        let name = field.name.strip_prefix("r#").unwrap_or(field.name);
        // The name, `=` and room for two quotes, or none of it.
        if out.len() + space.len() + name.len() + 3 > SPAN_FIELDS_MAX {
            out.push_str(space);
            out.push_str(CUT);
            return out;
        }
        out.push_str(space);
        out.push_str(name);
        out.push('=');
        let cut = field.cut || out.len() + field.value.len() > SPAN_FIELDS_MAX;
        // A quoted string from `Debug` is kept as it is, unless it has to be
        // cut: then it is quoted again, so that the cut text stays in quotes.
        let whole = if field.quote || (cut && !is_plain_word(&field.value)) {
            out.push('"');
            let mut whole = true;
            for c in field.value.chars() {
                escaped.clear();
                escape(c, &mut escaped);
                // Room for the closing quote.
                if out.len() + escaped.len() + 1 > SPAN_FIELDS_MAX {
                    whole = false;
                    break;
                }
                out.push_str(&escaped);
            }
            out.push('"');
            whole
        } else {
            let room = SPAN_FIELDS_MAX.saturating_sub(out.len());
            let end = floor_char_boundary(&field.value, room);
            out.push_str(&field.value[..end]);
            end == field.value.len()
        };
        if !whole || field.cut {
            out.push_str(CUT);
            return out;
        }
    }
    out
}

/// Writes `c` as it appears between quotes: `"` and `\` after a backslash,
/// `\n`, `\r`, `\t`, other control characters as `\u{…}` (as Rust's `Debug`
/// of a string writes them).
fn escape(c: char, out: &mut String) {
    match c {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if c.is_control() => {
            use fmt::Write as _;
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
        c => out.push(c),
    }
}

/// Text written as it is: not empty, no whitespace or control character,
/// and none of the bytes that would make it read as more than one value or
/// end a word early (`" ' \ = { } ( ) [ ] , ; &`).
fn is_plain_word(text: &str) -> bool {
    !text.is_empty()
        && !text.chars().any(|c| {
            c.is_whitespace()
                || c.is_control()
                || matches!(
                    c,
                    '"' | '\'' | '\\' | '=' | '{' | '}' | '(' | ')' | '[' | ']' | ',' | ';' | '&'
                )
        })
}

/// A whole string literal, as `Debug` of a string writes it: `"`, escaped
/// text without a control character, `"`.
fn is_string_literal(text: &str) -> bool {
    let t = text.as_bytes();
    if t.len() < 2 || t[0] != b'"' {
        return false;
    }
    let mut i = 1;
    while i < t.len() {
        match t[i] {
            b'\\' => i += 2,
            b'"' => return i == t.len() - 1,
            b if b.is_ascii_control() => return false,
            _ => i += 1,
        }
    }
    false
}

/// Formats the fields a span records into [`SpanField`]s.
struct FieldRecorder(Vec<SpanField>);

impl FieldRecorder {
    fn push(
        &mut self,
        field: &Field,
        is_str: bool,
        write: impl FnOnce(&mut Bounded) -> fmt::Result,
    ) {
        let mut text = Bounded {
            text: String::new(),
            cut: false,
        };
        // An error is the value's own, or the cut: what was written stays.
        let _ = write(&mut text);
        let quote = is_str || !(is_plain_word(&text.text) || is_string_literal(&text.text));
        self.0.push(SpanField {
            name: field.name(),
            value: text.text,
            quote,
            cut: text.cut,
        });
    }
}

impl Visit for FieldRecorder {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.push(field, true, |w| fmt::Write::write_str(w, value));
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.push(field, false, |w| {
            fmt::Write::write_fmt(w, format_args!("{value}"))
        });
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.push(field, false, |w| {
            fmt::Write::write_fmt(w, format_args!("{value:?}"))
        });
    }
}

/// Text of at most [`SPAN_FIELDS_MAX`] + 1 bytes: a value's formatting is
/// stopped (with an error) beyond, so a huge value costs no more.
struct Bounded {
    text: String,
    cut: bool,
}

impl fmt::Write for Bounded {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.cut {
            return Err(fmt::Error);
        }
        let room = SPAN_FIELDS_MAX + 1 - self.text.len();
        if s.len() <= room {
            self.text.push_str(s);
            return Ok(());
        }
        self.text.push_str(&s[..floor_char_boundary(s, room)]);
        self.cut = true;
        Err(fmt::Error)
    }
}

/// An event's `message` field, as text.
struct Message<'a, 'b>(&'a Event<'b>);

impl fmt::Display for Message<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Write<'f, 'g> {
            f: &'f mut fmt::Formatter<'g>,
            done: bool,
            result: fmt::Result,
        }
        impl Write<'_, '_> {
            fn take(&mut self, field: &Field) -> bool {
                let take = !self.done && field.name() == "message";
                self.done |= take;
                take
            }
        }
        impl Visit for Write<'_, '_> {
            fn record_str(&mut self, field: &Field, value: &str) {
                if self.take(field) {
                    self.result = self.f.write_str(value);
                }
            }
            fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
                if self.take(field) {
                    self.result = write!(self.f, "{value:?}");
                }
            }
        }
        let mut write = Write {
            f,
            done: false,
            result: Ok(()),
        };
        self.0.record(&mut write);
        write.result
    }
}

/// An event's fields (message aside) as a record's values, then the
/// spans (a [`Spans`]) when the callsite has them.
#[derive(Clone, Copy)]
struct EventValues<'a, 'b> {
    event: &'a Event<'b>,
    /// How many fields the callsite names (spans aside).
    values: usize,
    spans: Option<&'a dyn fmt::Display>,
}

impl Sealed for EventValues<'_, '_> {}

impl Fields for EventValues<'_, '_> {
    const COUNT: usize = 0;

    fn count(&self) -> usize {
        self.values + usize::from(self.spans.is_some())
    }

    fn encode_all(&self, enc: &mut Encoder<'_>) {
        let mut values = EncodeFields {
            enc,
            left: self.values,
        };
        self.event.record(&mut values);
        // An event records the same fields each time it is visited; should
        // one not, the names left without a value are null.
        for _ in 0..values.left {
            values.enc.null();
        }
        if let Some(spans) = self.spans {
            enc.fmt(|w| write!(w, "{spans}"));
        }
    }
}

/// Writes each field but the message, typed, at most `left` of them.
struct EncodeFields<'e, 'g> {
    enc: &'e mut Encoder<'g>,
    left: usize,
}

impl EncodeFields<'_, '_> {
    #[inline]
    fn take(&mut self, field: &Field) -> bool {
        if self.left == 0 || field.name() == "message" {
            return false;
        }
        self.left -= 1;
        true
    }
}

impl Visit for EncodeFields<'_, '_> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        if self.take(field) {
            self.enc.f64(value);
        }
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        if self.take(field) {
            self.enc.i64(value);
        }
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        if self.take(field) {
            self.enc.u64(value);
        }
    }
    fn record_i128(&mut self, field: &Field, value: i128) {
        if self.take(field) {
            self.enc.i128(value);
        }
    }
    fn record_u128(&mut self, field: &Field, value: u128) {
        if self.take(field) {
            self.enc.u128(value);
        }
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        if self.take(field) {
            self.enc.bool(value);
        }
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        if self.take(field) {
            self.enc.str(value);
        }
    }
    fn record_bytes(&mut self, field: &Field, value: &[u8]) {
        if self.take(field) {
            self.enc.bytes(value);
        }
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        if self.take(field) {
            self.enc.fmt(|w| write!(w, "{value}"));
        }
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if self.take(field) {
            self.enc.fmt(|w| write!(w, "{value:?}"));
        }
    }
}

/// An event's fields (message aside) as text, `name=value name=value`: the
/// `tracing.fields` field of an event beyond the callsite table.
#[derive(Clone, Copy)]
struct FieldText<'a, 'b>(&'a Event<'b>);

impl fmt::Display for FieldText<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Write<'f, 'g> {
            f: &'f mut fmt::Formatter<'g>,
            first: bool,
            result: fmt::Result,
        }
        impl Visit for Write<'_, '_> {
            fn record_str(&mut self, field: &Field, value: &str) {
                self.record_debug(field, &format_args!("{value}"));
            }
            fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
                self.record_debug(field, &format_args!("{value}"));
            }
            fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
                if field.name() == "message" || self.result.is_err() {
                    return;
                }
                let space = if self.first { "" } else { " " };
                self.first = false;
                self.result = write!(self.f, "{space}{}={value:?}", field.name());
            }
        }
        let mut write = Write {
            f,
            first: true,
            result: Ok(()),
        };
        self.0.record(&mut write);
        write.result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &'static str, value: &str, quote: bool) -> SpanField {
        SpanField {
            name,
            value: value.to_string(),
            quote,
            cut: false,
        }
    }

    #[test]
    fn a_string_literal_is_one_whole_quoted_string() {
        for yes in [r#""""#, r#""a b""#, r#""say \"hi\"""#, r#""a\\""#] {
            assert!(is_string_literal(yes), "{yes}");
        }
        for no in [r#"""#, r#""a\""#, r#""a"b"#, r#""a" "b""#, "a", "\"a\nb\""] {
            assert!(!is_string_literal(no), "{no}");
        }
    }

    #[test]
    fn span_field_text_stays_within_its_cap_and_its_quotes() {
        for len in (SPAN_FIELDS_MAX - 12)..(SPAN_FIELDS_MAX + 4) {
            for (value, quote) in [
                ("x".repeat(len), false),
                ("é".repeat(len / 2), true),
                ("\"".repeat(len / 2), true),
                (format!("\"{}\"", "y".repeat(len)), false),
            ] {
                let text = render(&[field("a", "1", false), field("v", &value, quote)]);
                let body = text.strip_suffix(CUT).unwrap_or(&text);
                assert!(body.len() <= SPAN_FIELDS_MAX, "{len}: {}", body.len());
                if body.len() != text.len() {
                    // Cut: the value is still closed when it was quoted.
                    let value = &body["a=1 v=".len()..];
                    assert!(
                        !value.starts_with('"') || is_string_literal(value),
                        "{value}"
                    );
                }
            }
        }
        // A field whose name does not fit is left out, marked.
        let long = "n".repeat(SPAN_FIELDS_MAX);
        let name: &'static str = Box::leak(long.into_boxed_str());
        assert_eq!(
            render(&[field("a", "1", false), field(name, "2", false)]),
            "a=1 …"
        );
    }
}
