//! Sinks: where serialized records go.
//!
//! The worker serializes each record once per [`Format`] and hands finished
//! [`Batch`]es to every sink, each running on **its own thread**, so a slow
//! sink never stalls the ring or another sink. A sink only has to write bytes:
//!
//! ```
//! use fapilog::sink::{Batch, Format, Sink};
//! use std::io;
//!
//! /// Counts lines instead of writing them.
//! struct CountingSink(usize);
//!
//! impl Sink for CountingSink {
//!     fn name(&self) -> &str { "counting" }
//!     fn format(&self) -> Format { Format::Flat }
//!     fn write_batch(&mut self, batch: &Batch) -> io::Result<()> {
//!         self.0 += batch.len();
//!         Ok(())
//!     }
//! }
//! ```
//!
//! An error returned by a sink's `write_batch` is counted
//! (`stats().sink_errors`) and the batch goes to the logger's fallback sink,
//! if it has one (`LoggerBuilder::fallback`; counted in `stats().fallback`);
//! otherwise its records are counted as dropped for that sink. A panic in a
//! sink is caught and counted the same way (`stats().sink_panics`). The
//! sink's thread goes on.
//!
//! Every failure (of `write_batch`, `flush` or `close`) is also reported on
//! stderr by the sink's thread, naming the sink and quoting the error: the
//! first at once, then at most one line per sink every 10 s, and at close
//! the rest, e.g.
//!
//! ```text
//! fapilog: sink "http:collector" failed: 401 Unauthorized: bad API key
//! ```
//!
//! [`sink_health()`](crate::sink_health) gives each sink's failure counts
//! and last error to the program, and `fapilog::flush()` and `shutdown()`
//! return false after a failure that lost records or a failed flush or
//! close (see [`flush()`](crate::flush)).

mod batch;
mod file;
mod null;
mod opened;
mod stdout;

pub use batch::{Batch, BatchRecord};
pub use file::{File, Rotation};
pub use null::Null;
pub(crate) use opened::Opened;
pub use stdout::{Stderr, Stdout};

use std::io;

/// How records are serialized for a sink.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// The fapilog envelope, schema 1.1: the same JSON lines the Python
    /// library writes, so mixed fleets share dashboards. The default.
    Envelope,
    /// Flat JSON: `timestamp`, `level`, `message`, `logger`, then every field
    /// at the top level, as most Rust JSON layers print. A field named like
    /// one of the line's own keys (those four, the process fields `service`,
    /// `env`, `version`, `host`, `pid`, and `kubernetes.*`) is written as
    /// `field.<name>`, so no key appears twice.
    Flat,
    /// Human-readable text for terminals; ANSI colours when `color` is true.
    Pretty {
        /// Colour the level and field names with ANSI escapes.
        color: bool,
    },
}

/// A destination for serialized records.
///
/// # Threads
///
/// [`open`](Sink::open) runs on the thread that calls `install()`; every
/// other method runs on the sink's own thread, never on a caller's. If the
/// install fails after the sink opened, the sink is closed again: on the
/// installing thread, or on its own if that had started.
///
/// # Delivery
///
/// A record counts as delivered (`stats().delivered`) when `write_batch`
/// returns `Ok` for its batch; an error or a panic there sends the batch to
/// the fallback, or counts its records as dropped (`sink_error`). So a sink
/// should have its records at their destination, or at least handed to the
/// operating system, when `write_batch` returns, as fapilog's own sinks do.
///
/// A sink that must hold records back past `write_batch` (a network sink
/// that batches by time, say) sends them in [`flush`](Sink::flush) and
/// [`close`](Sink::close), and must return an error there if any were lost.
/// That error is reported on stderr and in
/// [`sink_health()`](crate::sink_health), and makes the `fapilog::flush()`
/// or `shutdown()` it answers return false; but the lost records stay
/// counted as delivered. (fapilog's counters only go up, and it cannot tell
/// which records, of which levels, such a sink lost; a sink that needs its
/// losses counted should not hold records back.)
///
/// # Failures
///
/// An error or a panic in a custom sink's `open` fails `install()` with
/// [`Error::SinkOpen`](crate::Error::SinkOpen), naming the sink (fapilog's
/// own `File` reports a bad setting as
/// [`Error::InvalidSetting`](crate::Error::InvalidSetting)); the sink is
/// then dropped without `close`, and those opened before it are closed. Any other error or panic is caught,
/// counted, reported, and the sink goes on being used: it gets the next
/// batch, flush and close as if nothing had happened.
pub trait Sink: Send + 'static {
    /// A short name for errors and metrics (`"stdout"`, `"file:logs/app.log"`).
    fn name(&self) -> &str;

    /// The format this sink wants its records in. Sinks that share a format
    /// share the serialized bytes.
    fn format(&self) -> Format {
        Format::Envelope
    }

    /// Called once by `install()`, on the installing thread, before any
    /// record is written. An error (or a panic) here fails the install and
    /// names the sink; the sinks opened before it are closed again.
    fn open(&mut self) -> io::Result<()> {
        Ok(())
    }

    /// Writes every record of the batch. Records are newline-terminated
    /// lines. `Ok` means every record of it was written (see
    /// [Delivery](Sink#delivery)); an error, that none need be counted as
    /// delivered.
    fn write_batch(&mut self, batch: &Batch) -> io::Result<()>;

    /// Pushes buffered output to its destination. Called 100 ms after the
    /// last batch when no other comes, on `fapilog::flush()`, and (by the
    /// default `close`) at shutdown. An error makes the next
    /// `fapilog::flush()` or `shutdown()` return false.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }

    /// Called once at shutdown after the last batch; the default flushes.
    /// An error makes `shutdown()` return false.
    fn close(&mut self) -> io::Result<()> {
        self.flush()
    }
}

impl<S: Sink + ?Sized> Sink for Box<S> {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn format(&self) -> Format {
        (**self).format()
    }
    fn open(&mut self) -> io::Result<()> {
        (**self).open()
    }
    fn write_batch(&mut self, batch: &Batch) -> io::Result<()> {
        (**self).write_batch(batch)
    }
    fn flush(&mut self) -> io::Result<()> {
        (**self).flush()
    }
    fn close(&mut self) -> io::Result<()> {
        (**self).close()
    }
}
