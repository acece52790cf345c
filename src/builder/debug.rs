//! `Debug` for [`LoggerBuilder`]: every setting as it stands, sinks and
//! enrichers by name or count (they need not be `Debug` themselves).

use std::fmt;

use super::{Fallback, LoggerBuilder};

impl fmt::Debug for Fallback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fallback::None => f.write_str("None"),
            Fallback::Sink(sink) => write!(f, "Sink({:?})", sink.name()),
            Fallback::File => f.write_str("File"),
            Fallback::Off => f.write_str("Off"),
        }
    }
}

impl fmt::Debug for LoggerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sinks: Vec<&str> = self.sinks.iter().map(|s| s.name()).collect();
        f.debug_struct("LoggerBuilder")
            .field("sinks", &sinks)
            .field("default_sink", &self.default_sink)
            .field("fallback", &self.fallback)
            .field("fallback_dir", &self.fallback_dir)
            .field("directives", &self.directives)
            .field("preset_level", &self.preset_level)
            .field("wait", &self.wait)
            .field("drop_on_full", &self.drop_on_full)
            .field("capacity", &self.capacity)
            .field("slot_size", &self.slot_size)
            .field("protected_levels", &self.protected_from)
            .field("protected_reserve", &self.protected_reserve)
            .field("protected_lossless", &self.protected_lossless)
            .field("preallocated_producers", &self.preallocated)
            .field("batch_records", &self.batch_records)
            .field("batch_bytes", &self.batch_bytes)
            .field("sink_queue", &self.sink_queue)
            .field("flush_timeout", &self.flush_timeout)
            .field("pin_worker", &self.pin_worker)
            .field("timestamp_precision", &self.precision)
            .field("service", &self.service)
            .field("environment", &self.environment)
            .field("version", &self.version)
            .field("enrich_runtime", &self.enrich_runtime)
            .field("enrich_kubernetes", &self.enrich_kubernetes)
            .field("enrichers", &self.enrichers.len())
            .field("filters", &self.filters)
            .field("redaction", &self.redaction)
            .field("flush_on_panic", &self.flush_on_panic)
            .field("drop_summary_interval", &self.drop_summary_every)
            .finish_non_exhaustive()
    }
}
