//! `fapilog::builder()`: settings, validation and install.
//!
//! Presets (`presets.rs`) bundle settings per kind of deployment; the
//! environment (`env.rs`) fills in settings at deploy time. Every setting,
//! its default and range, the order the level sources apply in and the
//! environment variables are documented on [`LoggerBuilder`] (from
//! `settings.md`), where rustdoc shows them: this module is private.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

mod debug;
mod env;
mod presets;
mod same_file;

pub use presets::Preset;

use crate::level::Directives;
use crate::lifecycle::{install_panic_hook, Guard};
use crate::logger::{self, Shared};
use crate::pipeline::enrich::{Enricher, Enrichers, ProcessInfo};
use crate::pipeline::filter::{Dedupe, FilterConfig, Filters, RateLimit, Sampling, SizeGuard};
use crate::pipeline::format::Formatter;
use crate::pipeline::outbox::Lane;
use crate::pipeline::redact::{RedactionConfig, Redactor};
use crate::pipeline::sinks::{Role, SinkHandle, SinkThreads};
use crate::pipeline::timestamp::Precision;
use crate::pipeline::worker::{RecordStages, Worker, WorkerConfig};
use crate::record::HEADER_LEN;
use crate::ring::{RingShape, WaitPolicy};
use crate::sink::{Format, Opened, Sink, Stdout};
use crate::{clock, Error, Level};

/// The longest `flush_timeout` and backpressure wait (see the module docs).
const MAX_WAIT: Duration = Duration::from_secs(3600);
/// The most records a batch may be asked to hold.
const MAX_BATCH_RECORDS: usize = 1 << 20;
/// The most bytes a batch may be asked to hold (it gets room for twice as
/// many, for a last long line).
const MAX_BATCH_BYTES: usize = 16 << 20;
/// The most batches a sink's queue may hold.
const MAX_SINK_QUEUE: usize = 1024;
/// The most memory the batches of one lane (or the fallback) may reserve.
const MAX_LANE_BYTES: u128 = 1 << 30;
/// The most rings preallocated at install…
const MAX_PREALLOCATED: usize = 1024;
/// …and the most memory they may take.
const MAX_PREALLOCATED_BYTES: u128 = 8 << 30;
/// The smallest slot: room for a record's header.
const MIN_SLOT_SIZE: usize = HEADER_LEN.next_power_of_two();
/// What `slot_size` takes; the numbers are [`MIN_SLOT_SIZE`] and
/// [`HEADER_LEN`], which the assertion below keeps in step.
const SLOT_SIZE_EXPECTED: &str = "a power of two of at least 32 bytes (a record header takes 32)";
const _: () = assert!(
    MIN_SLOT_SIZE == 32 && HEADER_LEN == 32,
    "update SLOT_SIZE_EXPECTED"
);
/// The shortest and longest `drop_summary_interval`.
const MIN_SUMMARY_INTERVAL: Duration = Duration::from_millis(10);
/// What `FAPILOG_LEVEL`, `RUST_LOG` and `directives()` take.
const DIRECTIVES_EXPECTED: &str = "RUST_LOG-style directives, e.g. `info,app::db=debug`";
/// The most entries of a filter's table (`Dedupe::max_entries`,
/// `RateLimit::max_keys`).
const MAX_FILTER_ENTRIES: usize = 1 << 20;

/// Starts configuring a logger. See [`LoggerBuilder`].
pub fn builder() -> LoggerBuilder {
    LoggerBuilder::default()
}

#[doc = include_str!("settings.md")]
#[must_use = "a builder does nothing until `.install()`"]
pub struct LoggerBuilder {
    sinks: Vec<Box<dyn Sink>>,
    fallback: Fallback,
    /// `FAPILOG_FALLBACK_DIR`: where the file fallback writes.
    fallback_dir: Option<PathBuf>,
    /// Level directives given in code (`level()` or `directives()`).
    directives: Option<String>,
    /// The level of the preset (chosen in code or by `FAPILOG_PRESET`):
    /// used when neither `FAPILOG_LEVEL`, the code nor `RUST_LOG` set one.
    preset_level: Option<Level>,
    wait: Duration,
    drop_on_full: bool,
    capacity: usize,
    slot_size: usize,
    protected_from: Option<Level>,
    protected_reserve: Option<usize>,
    preallocated: usize,
    batch_records: usize,
    batch_bytes: usize,
    sink_queue: usize,
    flush_timeout: Duration,
    pin_worker: Option<usize>,
    precision: Precision,
    service: Option<String>,
    environment: Option<String>,
    flush_on_panic: bool,
    drop_summary_every: Duration,
    version: Option<String>,
    enrich_runtime: bool,
    enrich_kubernetes: bool,
    enrichers: Vec<Box<dyn Enricher>>,
    filters: FilterConfig,
    redaction: Option<RedactionConfig>,
    /// Protected levels wait for space instead of being dropped.
    protected_lossless: bool,
    /// The sink used when none is added.
    default_sink: DefaultSink,
    /// Settings made in code (or by a preset the code chose): the
    /// environment does not fill these in.
    explicit: Vec<&'static str>,
    /// Settings the environment filled in: (setting, variable, value as
    /// given), so that a value that parses but is invalid is blamed on the
    /// variable.
    from_env: Vec<(&'static str, &'static str, String)>,
}

/// The fallback sink, as configured.
enum Fallback {
    None,
    /// Given in code (`LoggerBuilder::fallback`).
    Sink(Box<dyn Sink>),
    /// The file fallback of the `production` preset and of
    /// `FAPILOG_FALLBACK_DIR` (see `presets::file_fallback`), made at install.
    File,
    /// Switched off in code (`LoggerBuilder::no_fallback`): neither a preset
    /// nor `FAPILOG_FALLBACK_DIR` turns one on.
    Off,
}

impl Fallback {
    /// The code chose: a preset or the environment leaves it alone.
    fn chosen_in_code(&self) -> bool {
        matches!(self, Fallback::Sink(_) | Fallback::Off)
    }
}

/// The sink `install()` adds when the code added none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DefaultSink {
    Json,
    Flat,
    Pretty,
}

impl Default for LoggerBuilder {
    fn default() -> Self {
        LoggerBuilder {
            sinks: Vec::new(),
            fallback: Fallback::None,
            fallback_dir: None,
            directives: None,
            preset_level: None,
            wait: Duration::from_millis(50),
            drop_on_full: true,
            capacity: 4096,
            slot_size: 128,
            protected_from: Some(Level::Error),
            protected_reserve: None,
            preallocated: 2,
            batch_records: 1024,
            batch_bytes: 256 << 10,
            sink_queue: 16,
            flush_timeout: Duration::from_secs(5),
            pin_worker: None,
            precision: Precision::Millis,
            service: None,
            environment: None,
            flush_on_panic: false,
            drop_summary_every: Duration::from_secs(1),
            version: None,
            enrich_runtime: true,
            enrich_kubernetes: true,
            enrichers: Vec::new(),
            filters: FilterConfig::default(),
            redaction: None,
            protected_lossless: false,
            default_sink: DefaultSink::Json,
            explicit: Vec::new(),
            from_env: Vec::new(),
        }
    }
}

impl LoggerBuilder {
    /// Adds a sink. Without any, records go to `Stdout::json()` (or the
    /// format of `FAPILOG_FORMAT` or the preset). Two sinks that write the
    /// same file fail `install()`, naming both.
    pub fn sink(mut self, sink: impl Sink) -> Self {
        self.sinks.push(Box::new(sink));
        self
    }

    /// Sets the logger's fallback sink (one; a second call replaces the
    /// first): where a batch goes when a sink fails to write it, instead of
    /// being dropped. Default: none, except for the `production` preset's
    /// and `FAPILOG_FALLBACK_DIR`'s rotating file. It must not write a
    /// sink's file.
    ///
    /// When a sink's `write_batch` returns an error or panics, its thread
    /// counts the failure (`stats().sink_errors` / `sink_panics`) and hands
    /// the same batch, the lines as serialized for that sink (the
    /// fallback's own [`Sink::format`] is not used), to the fallback's
    /// queue (`sink_queue` batches) without waiting. The fallback runs on a
    /// thread of its own and counts the records it writes in
    /// `stats().fallback`: they are neither `delivered` nor `dropped`. When
    /// there is no room in its queue, or it fails too (counted in
    /// `sink_errors` / `sink_panics` as well), the records are dropped and
    /// counted `DropReason::SinkError`, as without a fallback.
    ///
    /// The fallback is opened at install (an error fails it, naming the
    /// sink), flushed by `fapilog::flush()`, and flushed and closed at
    /// shutdown after the sinks that feed it, so a batch failed during their
    /// last flush still reaches it.
    ///
    /// The `production` preset and `FAPILOG_FALLBACK_DIR` set a rotating
    /// file fallback (see [`Preset`]); a fallback set in code wins over
    /// both, whether set before or after `preset()`, and so does
    /// [`no_fallback`](Self::no_fallback).
    ///
    /// ```
    /// use fapilog::sink::{Batch, File, Sink};
    ///
    /// /// A sink whose destination is gone.
    /// struct Unreachable;
    ///
    /// impl Sink for Unreachable {
    ///     fn name(&self) -> &str { "unreachable" }
    ///     fn write_batch(&mut self, _: &Batch) -> std::io::Result<()> {
    ///         Err(std::io::Error::other("connection refused"))
    ///     }
    /// }
    ///
    /// let dir = std::env::temp_dir().join(format!("fapilog-doc-fallback-{}", std::process::id()));
    /// let guard = fapilog::builder()
    ///     .sink(Unreachable)
    ///     // What it cannot write is kept on disk instead.
    ///     .fallback(File::new(&dir).rotate_bytes(10 << 20).keep_files(10))
    ///     .install()?;
    /// fapilog::info!(order = 42, "order placed");
    /// assert!(guard.shutdown());
    ///
    /// let stats = fapilog::stats();
    /// assert_eq!((stats.fallback, stats.dropped), (1, 0));
    /// assert!(std::fs::read_to_string(dir.join("fapilog.log"))?.contains("order placed"));
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn fallback(mut self, sink: impl Sink) -> Self {
        self.explicit.push("fallback");
        self.fallback = Fallback::Sink(Box::new(sink));
        self
    }

    /// No fallback sink, whatever the preset or `FAPILOG_FALLBACK_DIR` say:
    /// a batch a sink fails to write is dropped and counted
    /// (`DropReason::SinkError`). For services that must not write to local
    /// disk. A later [`fallback`](Self::fallback) call replaces it.
    ///
    /// ```
    /// use fapilog::Preset;
    ///
    /// // The production preset's settings, without its file fallback.
    /// let guard = fapilog::builder()
    ///     .preset(Preset::Production)
    ///     .no_fallback()
    ///     .sink(fapilog::sink::Null::new())
    ///     .install()?;
    /// # drop(guard);
    /// # Ok::<(), fapilog::Error>(())
    /// ```
    pub fn no_fallback(mut self) -> Self {
        self.explicit.push("fallback");
        self.fallback = Fallback::Off;
        self
    }

    /// The lowest level recorded (default `INFO`). Wins over `RUST_LOG`
    /// and the preset's level, wherever it comes in the chain; only
    /// `FAPILOG_LEVEL` wins over it (see "Levels" above).
    pub fn level(mut self, level: Level) -> Self {
        self.explicit.push("level");
        self.directives = Some(level.as_str().to_string());
        self
    }

    /// Per-target levels in `RUST_LOG` syntax: `"info,app::db=debug,hyper=off"`
    /// (targets match by module-path prefix; the longest wins; see
    /// [`Directives`](crate::Directives)). Default `INFO`; the same
    /// precedence as [`level`](Self::level). Checked at install; an
    /// invalid string (a misspelt level included) fails it, naming the
    /// setting `directives` and the item.
    pub fn directives(mut self, directives: impl Into<String>) -> Self {
        self.explicit.push("level");
        self.directives = Some(directives.into());
        self
    }

    /// The level directives in force, the first of (see [`LoggerBuilder`]'s
    /// "Levels"): `FAPILOG_LEVEL`, what the code set (`level()` or
    /// `directives()`), `RUST_LOG`, the preset's level, `INFO`.
    fn resolve_directives(
        &self,
        env: impl Fn(&str) -> Option<std::ffi::OsString>,
    ) -> Result<Directives, Error> {
        let from_env = |name: &'static str| {
            Directives::from_lookup(|v| if v == name { env(v) } else { None })
                .map_err(|e| Error::invalid(name, e.value_and_reason(), DIRECTIVES_EXPECTED))
        };
        if let Some(d) = from_env("FAPILOG_LEVEL")? {
            return Ok(d);
        }
        if let Some(code) = &self.directives {
            return code.parse().map_err(|e| {
                Error::invalid("directives", format!("{code:?} ({e})"), DIRECTIVES_EXPECTED)
            });
        }
        if let Some(d) = from_env("RUST_LOG")? {
            return Ok(d);
        }
        Ok(Directives::new(Some(
            self.preset_level.unwrap_or(Level::Info),
        )))
    }

    /// What a call does when its ring is full: wait up to `wait` for space,
    /// then drop the record and count it (`drop_on_full`), or keep waiting
    /// until there is space (lossless).
    ///
    /// Default `(50 ms, true)`. `wait` is at most 1 hour; a longer one
    /// fails `install()` naming `backpressure`. To wait as long as it takes,
    /// use `drop_on_full = false`.
    pub fn backpressure(mut self, wait: Duration, drop_on_full: bool) -> Self {
        self.explicit.push("backpressure");
        self.wait = wait;
        self.drop_on_full = drop_on_full;
        self
    }

    /// Slots in each producer ring (default 4096): a power of two, at least
    /// 4, with `capacity × slot_size` from 4 KiB to 4 GiB.
    pub fn capacity(mut self, slots: usize) -> Self {
        self.explicit.push("capacity");
        self.capacity = slots;
        self
    }

    /// Bytes per slot (default 128): a power of two, at least 32 (a record
    /// header). A record takes as many contiguous slots as it needs, up to
    /// half the ring.
    pub fn slot_size(mut self, bytes: usize) -> Self {
        self.explicit.push("slot_size");
        self.slot_size = bytes;
        self
    }

    /// Protected levels wait for space (as long as it takes) instead of
    /// being dropped, whatever the backpressure policy for other levels.
    /// Default false; true in the `production` and `hardened` presets.
    pub fn protected_lossless(mut self, on: bool) -> Self {
        self.explicit.push("protected_lossless");
        self.protected_lossless = on;
        self
    }

    /// Levels at and above `from` are protected: lower levels are dropped
    /// first (they cannot use the protected reserve). `None` protects none.
    /// Default `Some(Level::Error)`.
    pub fn protected_levels(mut self, from: Option<Level>) -> Self {
        self.protected_from = from;
        self
    }

    /// Slots of each ring that only protected levels may fill (default
    /// capacity / 8): fewer than half the capacity.
    pub fn protected_reserve(mut self, slots: usize) -> Self {
        self.protected_reserve = Some(slots);
        self
    }

    /// Rings allocated at install, before any thread logs (default 2): at
    /// most 1024, and at most 8 GiB of them (`rings × capacity × slot_size`).
    pub fn preallocated_producers(mut self, rings: usize) -> Self {
        self.preallocated = rings;
        self
    }

    /// Records per hand-off to the sinks, at most (default 1024): 1 to
    /// 1,048,576.
    pub fn batch_records(mut self, records: usize) -> Self {
        self.explicit.push("batch_records");
        self.batch_records = records;
        self
    }

    /// Bytes per hand-off to the sinks, roughly at most (default 256 KiB):
    /// 1 byte to 16 MiB.
    pub fn batch_bytes(mut self, bytes: usize) -> Self {
        self.batch_bytes = bytes;
        self
    }

    /// Batches that may wait for each sink (default 16): 1 to 1024, and
    /// the batches of a queue (`(sink_queue + 2) × (2 × batch_bytes + 24 ×
    /// batch_records)` bytes, allocated at install) at most 1 GiB.
    pub fn sink_queue(mut self, batches: usize) -> Self {
        self.sink_queue = batches;
        self
    }

    /// How long `flush()` and shutdown wait for the worker and sinks
    /// (default 5 s): more than 0, at most 1 hour (a longer timeout fails `install()` naming
    /// `flush_timeout`).
    pub fn flush_timeout(mut self, timeout: Duration) -> Self {
        self.explicit.push("flush_timeout");
        self.flush_timeout = timeout;
        self
    }

    /// Pins the worker thread to a core (0-based; default: not pinned). The
    /// core must be in the CPU affinity mask of the thread calling
    /// `install()`, which the worker inherits (as `taskset`, a container's
    /// cpuset or `sched_setaffinity` set it; a program that pinned its main
    /// thread to one core installs from another thread); another fails
    /// `install()` naming `pin_worker` and the cores allowed. Linux only:
    /// elsewhere `install()` fails naming `pin_worker`.
    pub fn pin_worker(mut self, core: usize) -> Self {
        self.pin_worker = Some(core);
        self
    }

    /// Digits of the timestamps' fraction of a second (default
    /// milliseconds: `2026-11-21T10:30:00.123Z`).
    pub fn timestamp_precision(mut self, precision: Precision) -> Self {
        self.precision = precision;
        self
    }

    /// The service name in the process fields (envelope `diagnostics`);
    /// default `$FAPILOG_SERVICE`, else `fapilog`. An empty or blank name
    /// fails `install()` naming `service` (an empty `FAPILOG_SERVICE`
    /// counts as unset).
    pub fn service(mut self, name: impl Into<String>) -> Self {
        self.service = Some(name.into());
        self
    }

    /// The environment name in the process fields (envelope
    /// `diagnostics`); default `$FAPILOG_ENV`, else `dev`. Not empty.
    pub fn environment(mut self, env: impl Into<String>) -> Self {
        self.environment = Some(env.into());
        self
    }

    /// The service version in the process fields (default `$FAPILOG_VERSION`,
    /// else none). Not empty.
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = Some(version.into());
        self
    }

    /// Adds the process fields (service, env, version, host, pid, and the
    /// Kubernetes ones) to flat records too (default true; the envelope
    /// always has them in `diagnostics`).
    pub fn enrich_runtime(mut self, on: bool) -> Self {
        self.explicit.push("enrich_runtime");
        self.enrich_runtime = on;
        self
    }

    /// Reads `POD_NAME`, `POD_NAMESPACE`, `NODE_NAME`, `CONTAINER_NAME` and
    /// `CLUSTER_NAME` into the process fields (default true; nothing is
    /// added when they are unset).
    pub fn enrich_kubernetes(mut self, on: bool) -> Self {
        self.enrich_kubernetes = on;
        self
    }

    /// Adds a custom enricher, run on the worker for every record (none by
    /// default).
    pub fn enricher(mut self, enricher: impl Enricher) -> Self {
        self.enrichers.push(Box::new(enricher));
        self
    }

    /// Keeps a random share of records (ERROR and above always, unless the
    /// sampling says otherwise). Runs on the worker. Off by default;
    /// `FAPILOG_SAMPLING_RATE` fills it in.
    pub fn sampling(mut self, sampling: Sampling) -> Self {
        self.explicit.push("sampling");
        self.filters.sampling = Some(sampling);
        self
    }

    /// Limits records per second with a token bucket, optionally per value
    /// of a key field. Runs on the worker. Off by default.
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.filters.rate_limit = Some(limit);
        self
    }

    /// Suppresses repeats of the same (level, logger, message) within a
    /// window, reporting how many in a "N duplicate records suppressed"
    /// record. Runs on the worker. Off by default.
    pub fn dedupe(mut self, dedupe: Dedupe) -> Self {
        self.filters.dedupe = Some(dedupe);
        self
    }

    /// Caps the size of a serialized record: cut its longest strings, drop
    /// it, or let it through and count it. Off by default.
    pub fn size_guard(mut self, guard: SizeGuard) -> Self {
        self.filters.size_guard = Some(guard);
        self
    }

    /// Redacts secrets on the worker before any sink sees a record: field
    /// names, and scans of the message and every string value (see
    /// `fapilog::redact`). `RedactionConfig::recommended()` turns on every
    /// preset. Off by default; on in the `production` and `hardened` presets.
    pub fn redaction(mut self, config: RedactionConfig) -> Self {
        self.explicit.push("redaction");
        self.redaction = Some(config);
        self
    }

    /// On panic: run the previous hook, log the panic as CRITICAL, flush.
    /// Panics on fapilog's own threads (in enrichers, redactors and sinks,
    /// which fapilog catches and counts) only run the previous hook. A panic
    /// from user code inside a log call (a `Display` impl) is logged once
    /// unwinding has left that call; under `panic = "abort"` there is no
    /// unwinding, so only the flush happens and the CRITICAL record is
    /// counted as dropped. Default false.
    pub fn flush_on_panic(mut self, on: bool) -> Self {
        self.flush_on_panic = on;
        self
    }

    /// How often the worker writes a "N records dropped" summary record
    /// (when there were drops): default 1 s, from 10 ms to 1 hour (outside
    /// that range `install()` fails naming `drop_summary_interval`).
    pub fn drop_summary_interval(mut self, every: Duration) -> Self {
        self.drop_summary_every = every;
        self
    }

    fn shape(&self) -> Result<RingShape, Error> {
        if !self.capacity.is_power_of_two() || self.capacity < 4 {
            return Err(Error::invalid(
                "capacity",
                self.capacity,
                "a power of two of at least 4",
            ));
        }
        if !self.slot_size.is_power_of_two() || self.slot_size < MIN_SLOT_SIZE {
            return Err(Error::invalid(
                "slot_size",
                self.slot_size,
                SLOT_SIZE_EXPECTED,
            ));
        }
        // The product is blamed on `capacity`, unless only the slot size
        // came from the environment.
        let (setting, value) =
            if self.env_source("slot_size").is_some() && self.env_source("capacity").is_none() {
                (
                    "slot_size",
                    format!("{} (× capacity {})", self.slot_size, self.capacity),
                )
            } else {
                (
                    "capacity",
                    format!("{} (× slot_size {})", self.capacity, self.slot_size),
                )
            };
        let bytes = self.capacity.checked_mul(self.slot_size);
        if bytes.is_none_or(|b| b < 4096) {
            return Err(Error::invalid(
                setting,
                value,
                "capacity × slot_size of at least 4 KiB",
            ));
        }
        if bytes.is_some_and(|b| b > 1 << 32) {
            return Err(Error::invalid(
                setting,
                value,
                "capacity × slot_size of at most 4 GiB",
            ));
        }
        let protected_reserve = self.protected_reserve.unwrap_or(self.capacity / 8);
        if protected_reserve >= self.capacity / 2 {
            return Err(Error::invalid(
                "protected_reserve",
                protected_reserve,
                "fewer slots than half the capacity",
            ));
        }
        Ok(RingShape {
            slots: self.capacity,
            slot_size: self.slot_size,
            protected_reserve: if self.protected_from.is_some() {
                protected_reserve
            } else {
                0
            },
            policy: WaitPolicy {
                wait: self.wait,
                drop_on_full: self.drop_on_full,
            },
            protected_policy: WaitPolicy {
                wait: self.wait,
                drop_on_full: self.drop_on_full && !self.protected_lossless,
            },
            protected_from: self.protected_from.map_or(8, |l| l as u8),
        })
    }

    /// Checks every setting. An error about a setting the environment
    /// filled in names the variable and its value instead (see `env.rs`).
    fn validate(&self) -> Result<RingShape, Error> {
        self.check().map_err(|e| self.blame_environment(e))
    }

    /// Where a setting's value came from, if from the environment: the
    /// variable and the value as given.
    fn env_source(&self, setting: &str) -> Option<(&'static str, &str)> {
        self.from_env
            .iter()
            .rev()
            .find(|(s, _, _)| *s == setting)
            .map(|(_, var, raw)| (*var, raw.as_str()))
    }

    /// Renames an error about a setting the environment filled in after the
    /// variable, with the value as given (and as the setting, when that
    /// says more).
    fn blame_environment(&self, e: Error) -> Error {
        match e {
            Error::InvalidSetting {
                setting,
                value,
                expected,
            } => match self.env_source(setting) {
                Some((var, raw)) => Error::InvalidSetting {
                    setting: var,
                    value: if value == raw.trim() {
                        format!("{raw:?}")
                    } else {
                        format!("{raw:?} ({setting} {value})")
                    },
                    expected,
                },
                None => Error::InvalidSetting {
                    setting,
                    value,
                    expected,
                },
            },
            other => other,
        }
    }

    fn check(&self) -> Result<RingShape, Error> {
        let shape = self.shape()?;
        if self.wait > MAX_WAIT {
            return Err(Error::invalid(
                "backpressure",
                format!("wait {:?}", self.wait),
                "a wait of at most 1 hour (3600000 ms); to wait as long as it takes, drop_on_full = false",
            ));
        }
        if self.preallocated > MAX_PREALLOCATED {
            return Err(Error::invalid(
                "preallocated_producers",
                self.preallocated,
                "at most 1024 rings",
            ));
        }
        let ring_bytes = (self.capacity * self.slot_size) as u128;
        if self.preallocated as u128 * ring_bytes > MAX_PREALLOCATED_BYTES {
            return Err(Error::invalid(
                "preallocated_producers",
                format!(
                    "{} (× capacity {} × slot_size {})",
                    self.preallocated, self.capacity, self.slot_size
                ),
                "at most 8 GiB of rings (preallocated_producers × capacity × slot_size)",
            ));
        }
        self.filters.validate()?;
        self.check_filter_tables()?;
        if !(1..=MAX_BATCH_RECORDS).contains(&self.batch_records) {
            return Err(Error::invalid(
                "batch_records",
                self.batch_records,
                "1 to 1048576 records",
            ));
        }
        if !(1..=MAX_BATCH_BYTES).contains(&self.batch_bytes) {
            return Err(Error::invalid(
                "batch_bytes",
                self.batch_bytes,
                "1 to 16777216 bytes (16 MiB)",
            ));
        }
        if !(1..=MAX_SINK_QUEUE).contains(&self.sink_queue) {
            return Err(Error::invalid(
                "sink_queue",
                self.sink_queue,
                "1 to 1024 batches",
            ));
        }
        // The batches the outbox allocates per lane at install (see
        // `pipeline/outbox.rs`): the queue's, one being written, one filling.
        let batch = 2 * self.batch_bytes as u128
            + (self.batch_records * std::mem::size_of::<crate::sink::BatchRecord>()) as u128;
        if (self.sink_queue as u128 + 2) * batch > MAX_LANE_BYTES {
            return Err(Error::invalid(
                "sink_queue",
                format!(
                    "{} (× batch_bytes {}, batch_records {})",
                    self.sink_queue, self.batch_bytes, self.batch_records
                ),
                "batches of at most 1 GiB per queue ((sink_queue + 2) × (2 × batch_bytes + 24 × batch_records)); lower sink_queue, batch_bytes or batch_records",
            ));
        }
        if self.flush_timeout.is_zero() || self.flush_timeout > MAX_WAIT {
            return Err(Error::invalid(
                "flush_timeout",
                format!("{:?}", self.flush_timeout),
                "a positive duration of at most 1 hour (3600000 ms)",
            ));
        }
        if self.drop_summary_every < MIN_SUMMARY_INTERVAL || self.drop_summary_every > MAX_WAIT {
            return Err(Error::invalid(
                "drop_summary_interval",
                format!("{:?}", self.drop_summary_every),
                "a duration from 10 ms to 1 hour",
            ));
        }
        for (setting, value) in [
            ("service", &self.service),
            ("environment", &self.environment),
            ("version", &self.version),
        ] {
            if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
                return Err(Error::invalid(
                    setting,
                    format!("{value:?}"),
                    "a non-empty name (leave it unset for the default)",
                ));
            }
        }
        if let Some(core) = self.pin_worker {
            // The worker inherits the installing thread's affinity mask; a
            // core outside it would escape `taskset` or the cpuset.
            if let Some(allowed) = crate::affinity::allowed_cores() {
                if !allowed.contains(&core) {
                    return Err(Error::invalid(
                        "pin_worker",
                        format!(
                            "{core} (the installing thread may run on cores {})",
                            crate::affinity::format_cores(&allowed)
                        ),
                        "a core in the installing thread's CPU affinity mask",
                    ));
                }
            }
        }
        Ok(shape)
    }

    /// The filters' tables are allocated at install: a size the machine
    /// cannot hold would abort the process there.
    fn check_filter_tables(&self) -> Result<(), Error> {
        if let Some(d) = &self.filters.dedupe {
            if d.max_entries > MAX_FILTER_ENTRIES {
                return Err(Error::invalid(
                    "dedupe.max_entries",
                    d.max_entries,
                    "1 to 1048576 entries",
                ));
            }
        }
        if let Some(r) = &self.filters.rate_limit {
            if r.max_keys > MAX_FILTER_ENTRIES {
                return Err(Error::invalid(
                    "rate_limit.max_keys",
                    r.max_keys,
                    "1 to 1048576 keys",
                ));
            }
        }
        Ok(())
    }

    /// The per-record work this builder's worker would do, without its
    /// threads, rings or sinks: `benches/pipeline.rs` times it. Records are
    /// serialized as the envelope format. Not public API.
    #[doc(hidden)]
    pub fn into_bench_stages(mut self) -> Result<crate::__fuzz::BenchStages, Error> {
        let shape = self.validate()?;
        let (shared, stages) = self.record_stages(shape, 0, false);
        let lane = Lane::detached(Format::Envelope, self.batch_bytes, self.batch_records);
        Ok(crate::__fuzz::BenchStages::new(shared, stages, lane))
    }

    /// The worker's per-record stages as this builder sets them up, and
    /// the state the logger's threads share (rings, counters, control).
    fn record_stages(
        &mut self,
        shape: RingShape,
        preallocated: usize,
        flush_on_panic: bool,
    ) -> (Arc<Shared>, RecordStages) {
        clock::init();
        let redactor = self.redaction.take().map(Redactor::new);
        let shared = Arc::new(Shared::new(
            logger::next_epoch(),
            shape,
            preallocated,
            self.flush_timeout,
            flush_on_panic,
            redactor.as_ref().map(|r| r.counters().clone()),
        ));
        let process = self.process_info();
        let flat_process = if self.enrich_runtime {
            process.flat_json()
        } else {
            Vec::new()
        };
        let formatter = Formatter::new(self.precision, process.diagnostics_json(), flat_process);
        let enrichers = Enrichers::new(std::mem::take(&mut self.enrichers));
        let filters = Filters::new(&self.filters);
        let stages = RecordStages::new(formatter, enrichers, filters, redactor);
        (shared, stages)
    }

    /// Checks every setting, opens every sink, starts the sink threads and
    /// the worker, and installs the logger for the whole process.
    ///
    /// Fails, naming the setting or sink, on an invalid setting, a sink that
    /// cannot open (its `open` returned an error or panicked), or when
    /// another logger is installed (drop its guard first). In a fork's
    /// child, the logger inherited from the parent (whose worker and sinks
    /// stayed there) is replaced instead, and what was logged to it in the
    /// child is reported on stderr (counted dropped `forked`). Nothing is left
    /// running after an error, and every sink it opened (the fallback too)
    /// is closed again, panics in `close` caught.
    pub fn install(mut self) -> Result<Guard, Error> {
        self.apply_env(&|v| std::env::var(v).ok())?;
        let shape = self.validate()?;
        let directives = self.resolve_directives(|v| std::env::var_os(v))?;
        // A logger inherited at a fork is replaced (see `logger::publish`).
        if logger::installed().is_some_and(|s| !s.inherited()) {
            return Err(Error::AlreadyInstalled);
        }
        if self.sinks.is_empty() {
            self.sinks.push(Box::new(match self.default_sink {
                DefaultSink::Json => Stdout::json(),
                DefaultSink::Flat => Stdout::flat(),
                DefaultSink::Pretty => Stdout::pretty(),
            }));
        }
        self.check_files_distinct()?;
        // Opened on this thread, the fallback first. From here on an error
        // return drops the sinks opened so far, which closes them (`Opened`);
        // those that start their thread are closed by it.
        let fallback = self.open_fallback()?;
        let mut opened = Vec::with_capacity(self.sinks.len());
        for sink in self.sinks.drain(..) {
            let name = sink.name().to_string();
            opened.push(Opened::open(sink).map_err(|source| open_error(name, source))?);
        }
        let (shared, stages) = self.record_stages(shape, self.preallocated, self.flush_on_panic);
        // The fallback first: every sink thread gets a sender into its queue.
        let fallback = match fallback {
            Some(f) => Some(SinkHandle::spawn(
                f,
                Role::Fallback,
                self.sink_queue,
                shared.clone(),
            )?),
            None => None,
        };
        let mut sinks = Vec::with_capacity(opened.len());
        for sink in opened {
            let role = Role::Sink {
                fallback: fallback.as_ref().map(SinkHandle::feed),
            };
            sinks.push(SinkHandle::spawn(
                sink,
                role,
                self.sink_queue,
                shared.clone(),
            )?);
        }
        let sinks = SinkThreads { sinks, fallback };
        let cfg = WorkerConfig {
            batch_records: self.batch_records,
            batch_bytes: self.batch_bytes,
            lossless_from: match (self.drop_on_full, self.protected_lossless) {
                (false, _) => 0,
                (true, true) => self.protected_from.map_or(8, |l| l as u8),
                (true, false) => 8,
            },
            protected_wait: match (
                self.drop_on_full,
                self.protected_lossless,
                self.protected_from,
            ) {
                (true, false, Some(from)) => Some((from as u8, self.wait)),
                _ => None,
            },
            drop_summary_every: self.drop_summary_every,
            idle_park: Duration::from_millis(1),
            sink_queue: self.sink_queue,
        };
        let worker = Worker::new(shared.clone(), cfg, sinks, stages);
        let pin = self.pin_worker;
        let (ready_tx, ready_rx) = std::sync::mpsc::sync_channel(1);
        let handle = std::thread::Builder::new()
            .name("fapilog-worker".into())
            .spawn(move || {
                let pinned = pin.map_or(Ok(()), crate::affinity::pin_current_thread);
                let ok = pinned.is_ok();
                let _ = ready_tx.send(pinned);
                if ok {
                    worker.run();
                } else {
                    worker.abandon();
                }
            })
            .map_err(|source| Error::Spawn {
                thread: "fapilog-worker".into(),
                source,
            })?;
        let started = ready_rx.recv().unwrap_or(Ok(()));
        if let Err(e) = started {
            let _ = handle.join();
            return Err(Error::invalid(
                "pin_worker",
                format!("{pin:?}: {e}"),
                "a core this process may run on",
            ));
        }
        shared.control.set_worker(handle.thread().clone());
        *shared.worker.lock() = Some(handle);
        let epoch = shared.epoch;
        let flush_on_panic = self.flush_on_panic;
        if let Err(e) = logger::publish(shared.clone()) {
            // Stop the worker we started; nothing was logged to it.
            let _ = shared.control.shutdown(self.flush_timeout);
            if let Some(h) = shared.worker.lock().take() {
                let _ = h.join();
            }
            return Err(e);
        }
        crate::level::set_directives(&directives);
        if flush_on_panic {
            install_panic_hook();
        }
        Ok(Guard { epoch })
    }

    /// Fails when two sinks, or a sink and the fallback, would write the
    /// same file (see `same_file.rs`).
    fn check_files_distinct(&self) -> Result<(), Error> {
        let mut entries: Vec<same_file::Entry<'_>> = self
            .sinks
            .iter()
            .map(|s| same_file::Entry {
                name: s.name(),
                setting: "sink",
            })
            .collect();
        let file_fallback;
        match &self.fallback {
            Fallback::Sink(s) => entries.push(same_file::Entry {
                name: s.name(),
                setting: "fallback",
            }),
            Fallback::File => {
                let (dir, setting) = match &self.fallback_dir {
                    Some(dir) => (dir.clone(), "FAPILOG_FALLBACK_DIR"),
                    None => (presets::default_fallback_dir(), "fallback"),
                };
                file_fallback = presets::file_fallback(&dir);
                entries.push(same_file::Entry {
                    name: file_fallback.name(),
                    setting,
                });
            }
            Fallback::None | Fallback::Off => {}
        }
        same_file::check(&entries)
    }

    /// Makes and opens the fallback sink, if any. An unusable directory for
    /// the file fallback fails naming `FAPILOG_FALLBACK_DIR` when it came
    /// from there, else `fallback`.
    fn open_fallback(&mut self) -> Result<Option<Opened>, Error> {
        match std::mem::replace(&mut self.fallback, Fallback::None) {
            Fallback::None | Fallback::Off => Ok(None),
            Fallback::Sink(sink) => {
                let name = format!("{} (fallback)", sink.name());
                let opened = Opened::open(sink).map_err(|source| open_error(name, source))?;
                Ok(Some(opened))
            }
            Fallback::File => {
                // The default directory is in the shared temp dir, so it is
                // made private first; a directory the user named is theirs.
                let (dir, setting, prepared) = match self.fallback_dir.take() {
                    Some(dir) => (dir, "FAPILOG_FALLBACK_DIR", Ok(())),
                    None => {
                        let dir = presets::default_fallback_dir();
                        let prepared = presets::make_private_dir(&dir);
                        (dir, "fallback", prepared)
                    }
                };
                let file = Box::new(presets::file_fallback(&dir));
                let opened = prepared.and_then(|()| Opened::open(file)).map_err(|e| {
                    Error::invalid(
                        setting,
                        format!("{} ({e})", dir.display()),
                        "a directory fapilog can create and write its fallback file in",
                    )
                })?;
                Ok(Some(opened))
            }
        }
    }

    /// The process fields, computed once (see `pipeline/enrich.rs`).
    fn process_info(&self) -> ProcessInfo {
        // Empty or blank counts as unset (and is refused in code).
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        ProcessInfo {
            service: self
                .service
                .clone()
                .or_else(|| var("FAPILOG_SERVICE"))
                .unwrap_or_else(|| "fapilog".into()),
            env: self
                .environment
                .clone()
                .or_else(|| var("FAPILOG_ENV"))
                .unwrap_or_else(|| "dev".into()),
            version: self.version.clone().or_else(|| var("FAPILOG_VERSION")),
            host: hostname(),
            pid: std::process::id(),
            kubernetes: if self.enrich_kubernetes {
                ProcessInfo::kubernetes_from(var)
            } else {
                Vec::new()
            },
        }
    }
}

/// The error for a sink that failed to open: `InvalidSetting` when the
/// sink refused one of its settings (`file.keep_files`, …), else `SinkOpen`.
fn open_error(sink: String, source: std::io::Error) -> Error {
    match source
        .get_ref()
        .and_then(|e| e.downcast_ref::<crate::error::SinkSettingError>())
    {
        Some(setting) => Error::InvalidSetting {
            setting: setting.setting,
            value: format!("{} (sink {sink})", setting.value),
            expected: setting.expected,
        },
        None => Error::SinkOpen { sink, source },
    }
}

/// The machine's host name, or `"unknown"`.
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::{Dedupe, RateLimit};

    /// The setting and expected text of `validate()`'s error.
    fn rejected(b: &LoggerBuilder) -> (&'static str, String, &'static str) {
        match b.validate() {
            Err(Error::InvalidSetting {
                setting,
                value,
                expected,
            }) => (setting, value, expected),
            other => panic!("expected an invalid setting, got {other:?}"),
        }
    }

    /// Limits whose absence would allocate more than a test machine has
    /// (or abort the process) at install, so checked here, without it.
    #[test]
    fn what_install_would_allocate_is_bounded() {
        // Three rings of 4 GiB, zeroed at install.
        let b = builder()
            .capacity(1 << 20)
            .slot_size(1 << 12)
            .preallocated_producers(3);
        let (setting, _, expected) = rejected(&b);
        assert_eq!(setting, "preallocated_producers");
        assert!(expected.contains("8 GiB"), "{expected}");
        let two = builder()
            .capacity(1 << 20)
            .slot_size(1 << 12)
            .preallocated_producers(2);
        assert!(two.validate().is_ok(), "two rings of the largest size");
        assert!(builder().preallocated_producers(1024).validate().is_ok());

        // 1026 batches of 16 MiB × 2 + 24 MiB.
        let b = builder()
            .sink_queue(1024)
            .batch_bytes(16 << 20)
            .batch_records(1 << 20);
        let (setting, _, expected) = rejected(&b);
        assert_eq!(setting, "sink_queue");
        assert!(expected.contains("1 GiB"), "{expected}");
        // The default queue with the largest batches: 18 × 56 MiB.
        let b = builder().batch_bytes(16 << 20).batch_records(1 << 20);
        assert!(b.validate().is_ok());
        assert!(builder().sink_queue(1024).validate().is_ok());

        // Tables of some 70 bytes an entry, allocated at install.
        let b = builder().dedupe(Dedupe::new(Duration::from_secs(1)).max_entries(usize::MAX));
        let (setting, _, expected) = rejected(&b);
        assert_eq!(
            (setting, expected),
            ("dedupe.max_entries", "1 to 1048576 entries")
        );
        let b = builder().rate_limit(RateLimit::new(1.0, 1).per_key("k").max_keys((1 << 20) + 1));
        let (setting, _, expected) = rejected(&b);
        assert_eq!(
            (setting, expected),
            ("rate_limit.max_keys", "1 to 1048576 keys")
        );
        let b = builder()
            .dedupe(Dedupe::new(Duration::from_secs(1)).max_entries(1 << 20))
            .rate_limit(RateLimit::new(1.0, 1).per_key("k").max_keys(1 << 20));
        assert!(b.validate().is_ok());
    }

    /// `apply_env` with these variables set, then `validate()`.
    fn with_env(b: LoggerBuilder, vars: &[(&str, &str)]) -> Result<RingShape, Error> {
        let mut b = b;
        b.apply_env(&|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })?;
        b.validate()
    }

    #[test]
    fn drop_on_full_takes_the_usual_boolean_spellings() {
        for (value, want) in [
            ("true", true),
            ("TRUE", true),
            ("1", true),
            ("yes", true),
            ("On", true),
            ("false", false),
            ("False", false),
            ("0", false),
            ("no", false),
            ("OFF", false),
        ] {
            let shape = with_env(builder(), &[("FAPILOG_DROP_ON_FULL", value)])
                .unwrap_or_else(|e| panic!("{value}: {e}"));
            assert_eq!(shape.policy.drop_on_full, want, "{value}");
        }
        for bad in ["maybe", "2", "y"] {
            let e = with_env(builder(), &[("FAPILOG_DROP_ON_FULL", bad)]).unwrap_err();
            let text = e.to_string();
            assert!(
                text.contains("`FAPILOG_DROP_ON_FULL`") && text.contains("yes/no"),
                "{text}"
            );
        }
    }

    #[test]
    fn values_from_the_environment_that_parse_but_are_invalid_name_the_variable() {
        // (variable, value, how the error shows the value)
        let cases = [
            ("FAPILOG_CAPACITY", "1000", "\"1000\""),
            ("FAPILOG_CAPACITY", "2", "\"2\""),
            ("FAPILOG_SLOT_SIZE", "100", "\"100\""),
            // 4096 slots of 2 MiB: 8 GiB.
            (
                "FAPILOG_SLOT_SIZE",
                "2097152",
                "\"2097152\" (slot_size 2097152 (× capacity 4096))",
            ),
            ("FAPILOG_FLUSH_TIMEOUT_MS", "0", "\"0\" (flush_timeout 0ns)"),
            (
                "FAPILOG_FLUSH_TIMEOUT_MS",
                "18446744073709551615",
                "\"18446744073709551615\"",
            ),
            ("FAPILOG_FLUSH_TIMEOUT_MS", "3600001", "\"3600001\""),
            (
                "FAPILOG_BACKPRESSURE_WAIT_MS",
                "18446744073709551615",
                "\"18446744073709551615\"",
            ),
        ];
        for (variable, value, shown) in cases {
            match with_env(builder(), &[(variable, value)]) {
                Err(e @ Error::InvalidSetting { setting, .. }) => {
                    assert_eq!(setting, variable, "{e}");
                    assert!(e.to_string().contains(shown), "{shown} in {e}");
                }
                other => panic!("{variable}={value}: {other:?}"),
            }
        }
        // The largest values are fine.
        let ok = with_env(
            builder(),
            &[
                ("FAPILOG_FLUSH_TIMEOUT_MS", "3600000"),
                ("FAPILOG_BACKPRESSURE_WAIT_MS", "3600000"),
            ],
        );
        assert!(ok.is_ok(), "{ok:?}");
        // A setting made in code is blamed on the code, the variable unread…
        let e = with_env(builder().capacity(1000), &[("FAPILOG_CAPACITY", "1000")]);
        assert!(
            matches!(
                e,
                Err(Error::InvalidSetting {
                    setting: "capacity",
                    ..
                })
            ),
            "{e:?}"
        );
        // …and a product of a setting from the code and one from the
        // environment on the variable.
        let e = with_env(builder().capacity(64), &[("FAPILOG_SLOT_SIZE", "32")]);
        assert!(
            matches!(
                e,
                Err(Error::InvalidSetting {
                    setting: "FAPILOG_SLOT_SIZE",
                    ..
                })
            ),
            "{e:?}"
        );
        let e = with_env(builder().slot_size(32), &[("FAPILOG_CAPACITY", "64")]);
        assert!(
            matches!(
                e,
                Err(Error::InvalidSetting {
                    setting: "FAPILOG_CAPACITY",
                    ..
                })
            ),
            "{e:?}"
        );
    }
}
