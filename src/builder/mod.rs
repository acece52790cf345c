//! `fapilog::builder()`: settings, validation and install.
//!
//! Presets (`presets.rs`) bundle settings per kind of deployment; the
//! environment (`env.rs`) fills in settings at deploy time.
//!
//! | setting | default | meaning |
//! |---|---|---|
//! | `level` / `directives` | `INFO` | lowest level recorded, or per-target levels in `RUST_LOG` syntax (see below; also the `max_level_*` features) |
//! | `sink` | `Stdout::json()` if none | where records go; one thread per sink |
//! | `fallback` | none; a rotating file in the `production` preset or with `FAPILOG_FALLBACK_DIR` | where a batch a sink failed to write goes instead of being dropped; its own thread |
//! | `backpressure(wait, drop_on_full)` | `(50 ms, true)` | when a ring is full: wait up to `wait`, then drop and count (`true`) or keep waiting (`false`) |
//! | `capacity` | 4096 | slots per producer ring (a power of two) |
//! | `slot_size` | 128 | bytes per slot (a power of two, at least 32) |
//! | `protected_levels` | `Some(ERROR)` | levels at and above never lose space to lower ones |
//! | `protected_reserve` | capacity / 8 | slots only protected levels may fill |
//! | `preallocated_producers` | 2 | rings allocated at install (more are made as threads log) |
//! | `batch_records` / `batch_bytes` | 1024 / 256 KiB | hand-off size to sinks |
//! | `sink_queue` | 16 | batches waiting per sink before it counts as full |
//! | `flush_timeout` | 5 s | how long `flush()` and shutdown wait |
//! | `pin_worker` | none | pin the worker thread to a core |
//! | `timestamp_precision` | milliseconds | RFC 3339 fraction digits |
//! | `service` / `environment` / `version` | `$FAPILOG_SERVICE` or `fapilog` / `$FAPILOG_ENV` or `dev` / `$FAPILOG_VERSION` or none | process fields (envelope `diagnostics`) |
//! | `enrich_runtime` / `enrich_kubernetes` | true / true | process fields in flat records too / Kubernetes variables read |
//! | `enricher` | none | custom per-record fields |
//! | `sampling` / `rate_limit` / `dedupe` / `size_guard` | none | consumer-side filters (see `fapilog::filter`) |
//! | `redaction` | none | secrets masked on the worker (see `fapilog::redact`) |
//! | `protected_lossless` | false | protected levels wait for space instead of being dropped |
//! | `preset` | none | a bundle of the above (see [`Preset`]) |
//! | `flush_on_panic` | false | log panics as CRITICAL and flush from the panic hook |
//!
//! The backpressure table, as in the Python library:
//!
//! | wait | drop_on_full | behaviour |
//! |---|---|---|
//! | 50 ms | true | wait up to 50 ms for space, then drop and count |
//! | 0 | true | drop at once and count |
//! | 0 | false | block until space (lossless) |
//! | 100 ms | false | wait 100 ms, then block (lossless) |
//!
//! Memory: each thread that logs holds `capacity × slot_size` bytes (512 KiB
//! with the defaults), allocated and touched on its first call.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

mod env;
mod presets;

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
use crate::sink::{Format, Sink, Stdout};
use crate::{clock, Error, Level};

/// Starts configuring a logger. See [`LoggerBuilder`].
pub fn builder() -> LoggerBuilder {
    LoggerBuilder::default()
}

/// Settings for a logger; [`LoggerBuilder::install`] checks them all and
/// starts the worker. The module docs list every default.
#[must_use = "a builder does nothing until `.install()`"]
pub struct LoggerBuilder {
    sinks: Vec<Box<dyn Sink>>,
    fallback: Fallback,
    /// `FAPILOG_FALLBACK_DIR`: where the file fallback writes.
    fallback_dir: Option<PathBuf>,
    /// Level directives given in code (`level()` or `directives()`).
    directives: Option<String>,
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
        }
    }
}

impl LoggerBuilder {
    /// Adds a sink. Without any, records go to `Stdout::json()`.
    pub fn sink(mut self, sink: impl Sink) -> Self {
        self.sinks.push(Box::new(sink));
        self
    }

    /// Sets the logger's fallback sink (one; a second call replaces the
    /// first): where a batch goes when a sink fails to write it, instead of
    /// being dropped.
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

    /// The lowest level recorded.
    pub fn level(mut self, level: Level) -> Self {
        self.explicit.push("level");
        self.directives = Some(level.as_str().to_string());
        self
    }

    /// Per-target levels in `RUST_LOG` syntax: `"info,app::db=debug,hyper=off"`
    /// (targets match by module-path prefix; the longest wins). Checked at
    /// install; an invalid string fails it, naming the setting.
    pub fn directives(mut self, directives: impl Into<String>) -> Self {
        self.explicit.push("level");
        self.directives = Some(directives.into());
        self
    }

    /// The level directives in force: `FAPILOG_LEVEL` (which overrides the
    /// code, so operators can change verbosity without a rebuild), else what
    /// the code set, else `RUST_LOG`, else `INFO`.
    fn resolve_directives(
        &self,
        env: impl Fn(&str) -> Option<std::ffi::OsString>,
    ) -> Result<Directives, Error> {
        let from_env = |names: &[&'static str]| {
            Directives::from_lookup(|v| if names.contains(&v) { env(v) } else { None }).map_err(
                |e| {
                    Error::invalid(
                        e.variable().unwrap_or("FAPILOG_LEVEL"),
                        e,
                        "RUST_LOG-style directives, e.g. `info,app::db=debug`",
                    )
                },
            )
        };
        if let Some(d) = from_env(&["FAPILOG_LEVEL"])? {
            return Ok(d);
        }
        if let Some(code) = &self.directives {
            return code.parse().map_err(|e| {
                Error::invalid(
                    "directives",
                    format!("{code:?} ({e})"),
                    "RUST_LOG-style directives, e.g. `info,app::db=debug`",
                )
            });
        }
        Ok(from_env(&["RUST_LOG"])?.unwrap_or_else(|| Directives::new(Some(Level::Info))))
    }

    /// What a call does when its ring is full: wait up to `wait` for space,
    /// then drop the record and count it (`drop_on_full`), or keep waiting
    /// until there is space (lossless).
    pub fn backpressure(mut self, wait: Duration, drop_on_full: bool) -> Self {
        self.explicit.push("backpressure");
        self.wait = wait;
        self.drop_on_full = drop_on_full;
        self
    }

    /// Slots in each producer ring (a power of two, at least 4).
    pub fn capacity(mut self, slots: usize) -> Self {
        self.explicit.push("capacity");
        self.capacity = slots;
        self
    }

    /// Bytes per slot (a power of two, at least 32). A record takes as many
    /// contiguous slots as it needs, up to half the ring.
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
    pub fn protected_levels(mut self, from: Option<Level>) -> Self {
        self.protected_from = from;
        self
    }

    /// Slots of each ring that only protected levels may fill.
    pub fn protected_reserve(mut self, slots: usize) -> Self {
        self.protected_reserve = Some(slots);
        self
    }

    /// Rings allocated at install, before any thread logs.
    pub fn preallocated_producers(mut self, rings: usize) -> Self {
        self.preallocated = rings;
        self
    }

    /// Records per hand-off to the sinks, at most.
    pub fn batch_records(mut self, records: usize) -> Self {
        self.explicit.push("batch_records");
        self.batch_records = records;
        self
    }

    /// Bytes per hand-off to the sinks, roughly at most.
    pub fn batch_bytes(mut self, bytes: usize) -> Self {
        self.batch_bytes = bytes;
        self
    }

    /// Batches that may wait for each sink.
    pub fn sink_queue(mut self, batches: usize) -> Self {
        self.sink_queue = batches;
        self
    }

    /// How long `flush()` and shutdown wait for the worker and sinks.
    pub fn flush_timeout(mut self, timeout: Duration) -> Self {
        self.explicit.push("flush_timeout");
        self.flush_timeout = timeout;
        self
    }

    /// Pins the worker thread to a core (0-based).
    pub fn pin_worker(mut self, core: usize) -> Self {
        self.pin_worker = Some(core);
        self
    }

    /// Digits of the timestamps' fraction of a second.
    pub fn timestamp_precision(mut self, precision: Precision) -> Self {
        self.precision = precision;
        self
    }

    /// The service name in the envelope's diagnostics.
    pub fn service(mut self, name: impl Into<String>) -> Self {
        self.service = Some(name.into());
        self
    }

    /// The environment name in the envelope's diagnostics.
    pub fn environment(mut self, env: impl Into<String>) -> Self {
        self.environment = Some(env.into());
        self
    }

    /// The service version in the process fields (default `$FAPILOG_VERSION`,
    /// else none).
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

    /// Adds a custom enricher, run on the worker for every record.
    pub fn enricher(mut self, enricher: impl Enricher) -> Self {
        self.enrichers.push(Box::new(enricher));
        self
    }

    /// Keeps a random share of records (ERROR and above always, unless the
    /// sampling says otherwise). Runs on the worker.
    pub fn sampling(mut self, sampling: Sampling) -> Self {
        self.explicit.push("sampling");
        self.filters.sampling = Some(sampling);
        self
    }

    /// Limits records per second with a token bucket, optionally per value
    /// of a key field. Runs on the worker.
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.filters.rate_limit = Some(limit);
        self
    }

    /// Suppresses repeats of the same (level, logger, message) within a
    /// window, reporting how many in a "N duplicate records suppressed"
    /// record. Runs on the worker.
    pub fn dedupe(mut self, dedupe: Dedupe) -> Self {
        self.filters.dedupe = Some(dedupe);
        self
    }

    /// Caps the size of a serialized record: cut its longest strings, drop
    /// it, or let it through and count it.
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
    pub fn flush_on_panic(mut self, on: bool) -> Self {
        self.flush_on_panic = on;
        self
    }

    /// How often the worker writes a "N records dropped" summary (when
    /// there were drops).
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
        if !self.slot_size.is_power_of_two() || self.slot_size < HEADER_LEN.next_power_of_two() {
            return Err(Error::invalid(
                "slot_size",
                self.slot_size,
                "a power of two of at least 32 bytes (a record header takes 24)",
            ));
        }
        let bytes = self.capacity.checked_mul(self.slot_size);
        if bytes.is_none_or(|b| b < 4096) {
            return Err(Error::invalid(
                "capacity",
                format!("{} (× slot_size {})", self.capacity, self.slot_size),
                "capacity × slot_size of at least 4 KiB",
            ));
        }
        if bytes.is_some_and(|b| b > 1 << 32) {
            return Err(Error::invalid(
                "capacity",
                format!("{} (× slot_size {})", self.capacity, self.slot_size),
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

    fn validate(&self) -> Result<RingShape, Error> {
        let shape = self.shape()?;
        self.filters.validate()?;
        if self.batch_records == 0 {
            return Err(Error::invalid("batch_records", 0, "at least 1"));
        }
        if self.batch_bytes == 0 {
            return Err(Error::invalid("batch_bytes", 0, "at least 1"));
        }
        if self.sink_queue == 0 {
            return Err(Error::invalid("sink_queue", 0, "at least 1"));
        }
        if self.flush_timeout.is_zero() {
            return Err(Error::invalid("flush_timeout", "0s", "a positive duration"));
        }
        if let Some(core) = self.pin_worker {
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
            if core >= cores {
                return Err(Error::invalid(
                    "pin_worker",
                    core,
                    "a core index below the number of cores",
                ));
            }
        }
        Ok(shape)
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
    /// cannot open, or when another logger is installed (drop its guard
    /// first). Nothing is left running after an error.
    pub fn install(mut self) -> Result<Guard, Error> {
        self.apply_env(&|v| std::env::var(v).ok())?;
        let shape = self.validate()?;
        let directives = self.resolve_directives(|v| std::env::var_os(v))?;
        if logger::installed().is_some() {
            return Err(Error::AlreadyInstalled);
        }
        if self.sinks.is_empty() {
            self.sinks.push(Box::new(match self.default_sink {
                DefaultSink::Json => Stdout::json(),
                DefaultSink::Flat => Stdout::flat(),
                DefaultSink::Pretty => Stdout::pretty(),
            }));
        }
        let fallback = self.open_fallback()?;
        for sink in &mut self.sinks {
            sink.open().map_err(|source| Error::SinkOpen {
                sink: sink.name().to_string(),
                source,
            })?;
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
        let mut sinks = Vec::with_capacity(self.sinks.len());
        for sink in self.sinks.drain(..) {
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

    /// Makes and opens the fallback sink, if any. An unusable directory for
    /// the file fallback fails naming `FAPILOG_FALLBACK_DIR` when it came
    /// from there, else `fallback`.
    fn open_fallback(&mut self) -> Result<Option<Box<dyn Sink>>, Error> {
        match std::mem::replace(&mut self.fallback, Fallback::None) {
            Fallback::None | Fallback::Off => Ok(None),
            Fallback::Sink(mut sink) => {
                sink.open().map_err(|source| Error::SinkOpen {
                    sink: format!("{} (fallback)", sink.name()),
                    source,
                })?;
                Ok(Some(sink))
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
                let mut file = presets::file_fallback(&dir);
                prepared.and_then(|()| file.open()).map_err(|e| {
                    Error::invalid(
                        setting,
                        format!("{} ({e})", dir.display()),
                        "a directory fapilog can create and write its fallback file in",
                    )
                })?;
                Ok(Some(Box::new(file)))
            }
        }
    }

    /// The process fields, computed once (see `pipeline/enrich.rs`).
    fn process_info(&self) -> ProcessInfo {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
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

/// The machine's host name, or `"unknown"`.
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".into())
}
