//! Records from the `log` facade (feature `log`): [`init()`] makes fapilog
//! the `log` crate's logger.
//!
//! ```
//! fn main() -> Result<(), fapilog::Error> {
//!     let _guard = fapilog::builder().install()?;
//!     fapilog::integrations::log::init()?;
//!     // What a dependency logs through `log` now reaches fapilog's sinks:
//!     log::warn!(target: "hyper::proto", "connection reset, retry {} of {}", 1, 3);
//!     log::info!(target: "sqlx::query", rows = 3, elapsed_ms = 1.5; "query done");
//!     Ok(())
//! }
//! ```
//!
//! What a record becomes:
//!
//! | `log` | fapilog |
//! |---|---|
//! | `Error`, `Warn`, `Info`, `Debug`, `Trace` | `ERROR`, `WARNING`, `INFO`, `DEBUG`, `TRACE` |
//! | `target()` | the logger name (`logger` in the envelope), and what per-target directives match |
//! | `args()` | the message, formatted straight into the slot as a macro's format arguments are |
//! | key-values (`log::info!(rows = 3; "…")`) | fields: integers, floats, booleans and strings keep their type, anything else is written with `Display` |
//! | `file()`, `line()` | the callsite's file and line |
//!
//! Levels: [`init()`] sets `log::max_level()` from fapilog's level, and
//! every change of fapilog's level (install, [`set_level`](crate::set_level),
//! [`set_directives`](crate::set_directives), shutdown) sets it again: with
//! per-target directives it is the most verbose level any target gets, and
//! each record is then checked against its own target's.
//!
//! Callsites: fapilog's records point to a static callsite (level, target,
//! file, line, field names). The bridge makes one the first time it sees a
//! level, target, file, line and set of key names, and keeps it for the life
//! of the process: only that first record allocates. At most
//! 4,096 such callsites are made (about 100 bytes each, plus the names). A
//! record of a callsite beyond that, or with more than 32 key-values, is
//! still logged, through a shared callsite whose target is `log`: its real
//! target is the field `log.target`, and its key-values are one text field,
//! `log.kv` (`key=value key=value`). Per-target directives still match the
//! real target.
//!
//! A `log` call on one of fapilog's own threads (a sink that logs through
//! `log`, say) is dropped and counted `reentrant`, like a macro call there.
//! [`log::Log::flush`] is [`fapilog::flush()`](crate::flush).

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};

use ::log::kv::{self, Key, Source, VisitSource, VisitValue};
use ::log::{LevelFilter, Log, Metadata, Record};
use parking_lot::Mutex;

use super::intern::{Hash, Table};
use super::{gate_open, most_verbose_enabled, unnamed_callsites, LEVELS};
use crate::record::value::Sealed;
use crate::record::{Callsite, Encoder, Fields};
use crate::Level;

/// Makes fapilog the `log` crate's logger, and keeps `log::max_level()` in
/// step with fapilog's level from now on.
///
/// Call it once, before or after installing fapilog's logger (records logged
/// while no fapilog logger is installed go nowhere, as a macro call's do).
/// Calling it again is a no-op. Fails with [`Error::FacadeInUse`] when
/// another `log` logger was set first: the `log` crate takes one per
/// process.
///
/// [`Error::FacadeInUse`]: crate::Error::FacadeInUse
pub fn init() -> Result<(), crate::Error> {
    static INIT: Mutex<()> = parking_lot::const_mutex(());
    let _once = INIT.lock();
    if INSTALLED.load(Ordering::Acquire) {
        return Ok(());
    }
    ::log::set_logger(&BRIDGE).map_err(|_| crate::Error::FacadeInUse { facade: "log" })?;
    INSTALLED.store(true, Ordering::Release);
    sync_max_level();
    Ok(())
}

/// Set once the bridge is the `log` logger.
static INSTALLED: AtomicBool = AtomicBool::new(false);

static BRIDGE: Bridge = Bridge;

/// Called after every change of fapilog's level.
pub(crate) fn level_changed() {
    if INSTALLED.load(Ordering::Acquire) {
        sync_max_level();
    }
}

fn sync_max_level() {
    // Read and set under one lock: two changes racing cannot leave the
    // older level set last.
    static SYNC: Mutex<()> = parking_lot::const_mutex(());
    let _sync = SYNC.lock();
    ::log::set_max_level(match most_verbose_enabled() {
        Some(0) => LevelFilter::Error,
        Some(1) => LevelFilter::Warn,
        Some(2) => LevelFilter::Info,
        Some(3) => LevelFilter::Debug,
        Some(_) => LevelFilter::Trace,
        None => LevelFilter::Off,
    });
}

/// fapilog's level for a `log` level.
#[inline(always)]
fn level_of(level: ::log::Level) -> Level {
    LEVELS[level as usize - 1]
}

struct Bridge;

impl Log for Bridge {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        let level = level_of(metadata.level());
        gate_open(level) && crate::level::enabled_for(level, metadata.target())
    }

    fn log(&self, record: &Record<'_>) {
        let level = level_of(record.level());
        if !gate_open(level) {
            return;
        }
        let kvs = record.key_values();
        match callsite(level, record) {
            Some(cs) => {
                if crate::level::enabled_at(level, cs) {
                    let fields = KvValues {
                        kvs,
                        count: cs.fields.len(),
                    };
                    crate::logger::log(cs, *record.args(), fields);
                }
            }
            None => {
                if crate::level::enabled_for(level, record.target()) {
                    let cs = &UNNAMED[record.level() as usize - 1];
                    let fields = (record.target(), crate::record::DisplayValue(KvText(kvs)));
                    crate::logger::log(cs, *record.args(), fields);
                }
            }
        }
    }

    fn flush(&self) {
        crate::flush();
    }
}

/// At most this many key-values get fields of their own.
const MAX_FIELDS: usize = 32;

/// The callsites made so far: at most 4,096.
static CALLSITES: Table<Callsite, 8192> = Table::new();

/// The shared callsites of records beyond the table, by `log` level.
static UNNAMED: [Callsite; 5] = unnamed_callsites("log", &["log.target", "log.kv"]);

/// The record's callsite, made the first time; `None` beyond the table or
/// past [`MAX_FIELDS`] key-values.
#[inline]
fn callsite(level: Level, record: &Record<'_>) -> Option<&'static Callsite> {
    let (target, file, line) = (
        record.target(),
        record.file().unwrap_or(""),
        record.line().unwrap_or(0),
    );
    let kvs = record.key_values();
    let mut hash = Hash::new();
    hash.word(level as u64 | u64::from(line) << 8);
    hash.str(target);
    hash.str(file);
    let mut keys = HashKeys {
        hash: &mut hash,
        count: 0,
    };
    let _ = kvs.visit(&mut keys);
    if keys.count > MAX_FIELDS {
        return None;
    }
    let count = keys.count;
    CALLSITES.find_or_insert(
        hash.finish(),
        |cs| {
            cs.level == level
                && cs.line == line
                && cs.target == target
                && cs.file == file
                && same_keys(cs.fields, kvs)
        },
        || {
            let mut names = Vec::with_capacity(count);
            let _ = kvs.visit(&mut CollectKeys(&mut names));
            Callsite::new(
                level,
                leak_str(target),
                leak_str(file),
                line,
                Box::leak(names.into_boxed_slice()),
            )
        },
    )
}

/// A copy of `s` that lives for the rest of the process (a callsite's
/// target, file or key name, made once per callsite).
fn leak_str(s: &str) -> &'static str {
    Box::leak(Box::from(s))
}

/// Hashes the keys and counts them.
struct HashKeys<'h> {
    hash: &'h mut Hash,
    count: usize,
}

impl<'kvs> VisitSource<'kvs> for HashKeys<'_> {
    fn visit_pair(&mut self, key: Key<'kvs>, _: kv::Value<'kvs>) -> Result<(), kv::Error> {
        self.hash.str(key.as_str());
        self.count += 1;
        Ok(())
    }
}

/// True when `kvs` has exactly the keys `names`, in that order.
fn same_keys(names: &[&str], kvs: &dyn Source) -> bool {
    struct Same<'n> {
        names: std::slice::Iter<'n, &'n str>,
        same: bool,
    }
    impl<'kvs> VisitSource<'kvs> for Same<'_> {
        fn visit_pair(&mut self, key: Key<'kvs>, _: kv::Value<'kvs>) -> Result<(), kv::Error> {
            if self.names.next() == Some(&key.as_str()) {
                Ok(())
            } else {
                self.same = false;
                Err(kv::Error::msg("a different key"))
            }
        }
    }
    let mut same = Same {
        names: names.iter(),
        same: true,
    };
    let _ = kvs.visit(&mut same);
    same.same && same.names.len() == 0
}

/// Copies the keys, for a new callsite.
struct CollectKeys<'v>(&'v mut Vec<&'static str>);

impl<'kvs> VisitSource<'kvs> for CollectKeys<'_> {
    fn visit_pair(&mut self, key: Key<'kvs>, _: kv::Value<'kvs>) -> Result<(), kv::Error> {
        self.0.push(leak_str(key.as_str()));
        Ok(())
    }
}

/// A record's key-values as its fields: one value per name of its
/// callsite, each typed where the value is a primitive.
#[derive(Clone, Copy)]
struct KvValues<'a> {
    kvs: &'a dyn Source,
    /// The callsite's names.
    count: usize,
}

impl Sealed for KvValues<'_> {}

impl Fields for KvValues<'_> {
    const COUNT: usize = 0;

    fn count(&self) -> usize {
        self.count
    }

    fn encode_all(&self, enc: &mut Encoder<'_>) {
        let mut values = EncodeValues {
            enc,
            left: self.count,
        };
        let _ = self.kvs.visit(&mut values);
        // A source that yields fewer pairs than when its callsite was made
        // (`visit` is expected to yield the same each time): the names
        // without a value are null.
        for _ in 0..values.left {
            values.enc.null();
        }
    }

    /// No key-values: nothing to write and no user code to run, so a
    /// literal message takes the exact-size fast path.
    #[inline]
    fn encoded_len(&self) -> Option<usize> {
        (self.count == 0).then_some(0)
    }
}

/// Writes each value, at most `left` of them.
struct EncodeValues<'e, 'g> {
    enc: &'e mut Encoder<'g>,
    left: usize,
}

impl<'kvs> VisitSource<'kvs> for EncodeValues<'_, '_> {
    fn visit_pair(&mut self, _: Key<'kvs>, value: kv::Value<'kvs>) -> Result<(), kv::Error> {
        if self.left == 0 {
            return Err(kv::Error::msg("more key-values than the callsite's names"));
        }
        self.left -= 1;
        let mut typed = Typed {
            enc: self.enc,
            wrote: false,
        };
        let _ = value.visit(&mut typed);
        if !typed.wrote {
            self.enc.fmt(|w| write!(w, "{value}"));
        }
        Ok(())
    }
}

/// One value into the slot, keeping its type where `log` tells it.
struct Typed<'e, 'g> {
    enc: &'e mut Encoder<'g>,
    wrote: bool,
}

impl<'v> VisitValue<'v> for Typed<'_, '_> {
    fn visit_any(&mut self, value: kv::Value<'_>) -> Result<(), kv::Error> {
        self.enc.fmt(|w| write!(w, "{value}"));
        self.wrote = true;
        Ok(())
    }
    fn visit_null(&mut self) -> Result<(), kv::Error> {
        self.enc.null();
        self.wrote = true;
        Ok(())
    }
    fn visit_u64(&mut self, value: u64) -> Result<(), kv::Error> {
        self.enc.u64(value);
        self.wrote = true;
        Ok(())
    }
    fn visit_i64(&mut self, value: i64) -> Result<(), kv::Error> {
        self.enc.i64(value);
        self.wrote = true;
        Ok(())
    }
    fn visit_u128(&mut self, value: u128) -> Result<(), kv::Error> {
        self.enc.u128(value);
        self.wrote = true;
        Ok(())
    }
    fn visit_i128(&mut self, value: i128) -> Result<(), kv::Error> {
        self.enc.i128(value);
        self.wrote = true;
        Ok(())
    }
    fn visit_f64(&mut self, value: f64) -> Result<(), kv::Error> {
        self.enc.f64(value);
        self.wrote = true;
        Ok(())
    }
    fn visit_bool(&mut self, value: bool) -> Result<(), kv::Error> {
        self.enc.bool(value);
        self.wrote = true;
        Ok(())
    }
    fn visit_str(&mut self, value: &str) -> Result<(), kv::Error> {
        self.enc.str(value);
        self.wrote = true;
        Ok(())
    }
}

/// Key-values as text, `key=value key=value`: the `log.kv` field of a
/// record beyond the callsite table.
#[derive(Clone, Copy)]
struct KvText<'a>(&'a dyn Source);

impl fmt::Display for KvText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Write<'f, 'g> {
            f: &'f mut fmt::Formatter<'g>,
            first: bool,
        }
        impl<'kvs> VisitSource<'kvs> for Write<'_, '_> {
            fn visit_pair(
                &mut self,
                key: Key<'kvs>,
                value: kv::Value<'kvs>,
            ) -> Result<(), kv::Error> {
                let space = if self.first { "" } else { " " };
                self.first = false;
                write!(self.f, "{space}{key}={value}").map_err(|_| kv::Error::msg("fmt"))
            }
        }
        self.0
            .visit(&mut Write { f, first: true })
            .map_err(|_| fmt::Error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_callsite_per_level_target_file_line_and_keys() {
        let rec = |level, target, line, kvs: &[(&str, i64)]| {
            callsite(
                level_of(level),
                &Record::builder()
                    .level(level)
                    .target(target)
                    .file(Some("f.rs"))
                    .line(Some(line))
                    .key_values(&kvs)
                    .build(),
            )
            .expect("room in the table")
        };
        use ::log::Level::*;
        let a = rec(Info, "unit::a", 1, &[("x", 1)]);
        assert_eq!(
            (a.level, a.target, a.file, a.line, a.fields),
            (Level::Info, "unit::a", "f.rs", 1, &["x"][..])
        );
        let again = rec(Info, "unit::a", 1, &[("x", 2)]);
        assert!(std::ptr::eq(a, again), "values do not matter");
        let others = [
            rec(Warn, "unit::a", 1, &[("x", 1)]),
            rec(Info, "unit::b", 1, &[("x", 1)]),
            rec(Info, "unit::a", 2, &[("x", 1)]),
            rec(Info, "unit::a", 1, &[("y", 1)]),
            rec(Info, "unit::a", 1, &[("x", 1), ("y", 1)]),
            rec(Info, "unit::a", 1, &[]),
        ];
        for (i, other) in others.iter().enumerate() {
            assert!(!std::ptr::eq(a, *other), "case {i}");
        }
    }
}
