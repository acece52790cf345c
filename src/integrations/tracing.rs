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
//! | the spans the event is in | the field `spans`: their names, outermost first, joined by `:` (`request:db_query`) |
//!
//! Spans: only their names are recorded, in the events inside them; span
//! fields and span open/close are not logged. A field that an event leaves
//! empty (`field::Empty`) is left out.
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
//! `tracing.fields` (`name=value name=value`).
//!
//! An event on one of fapilog's own threads (a sink that logs through
//! `tracing`, say) is dropped and counted `reentrant`, like a macro call
//! there. With `tracing`'s `log-always` feature, events are also `log`
//! records: with both bridges on, they would arrive twice.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};

use parking_lot::Mutex;
use tracing_core::field::{Field, Visit};
use tracing_core::{Event, LevelFilter, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

use super::intern::{Hash, Table};
use super::{gate_open, most_verbose_enabled, unnamed_callsites, LEVELS};
use crate::record::value::Sealed;
use crate::record::{Callsite, DisplayValue, Encoder, Fields};
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
    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let level = level_of(event.metadata());
        if !gate_open(level) {
            return;
        }
        let mut spans = SpanNames::default();
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope {
                if !spans.push(span.name()) {
                    break;
                }
            }
        }
        log_event(level, event, &spans);
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

fn log_event(level: Level, event: &Event<'_>, spans: &SpanNames) {
    let mut shape = Shape::default();
    event.record(&mut shape);
    let message = Message(event);
    match callsite(level, event.metadata(), &shape, !spans.is_empty()) {
        Some(cs) => {
            if crate::level::enabled_at(level, cs) {
                let fields = EventValues {
                    event,
                    values: shape.len,
                    spans: (!spans.is_empty()).then_some(spans),
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

/// The names of the spans an event is in, innermost first; the 16
/// innermost when there are more.
#[derive(Default)]
struct SpanNames {
    names: [&'static str; 16],
    len: usize,
    cut: bool,
}

impl SpanNames {
    /// Adds the next span outward; false when full.
    fn push(&mut self, name: &'static str) -> bool {
        if self.len == self.names.len() {
            self.cut = true;
            return false;
        }
        self.names[self.len] = name;
        self.len += 1;
        true
    }

    fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// Outermost first, joined by `:`; `…:` first when some were left out.
impl fmt::Display for SpanNames {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.cut {
            f.write_str("…:")?;
        }
        for (i, name) in self.names[..self.len].iter().rev().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            f.write_str(name)?;
        }
        Ok(())
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

/// An event's fields (message aside) as a record's values, then the span
/// names when the callsite has them.
#[derive(Clone, Copy)]
struct EventValues<'a, 'b> {
    event: &'a Event<'b>,
    /// How many fields the callsite names (spans aside).
    values: usize,
    spans: Option<&'a SpanNames>,
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
