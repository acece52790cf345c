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
//! An error returned by a sink is counted (`stats().sink_errors`) and the
//! batch goes to the logger's fallback sink, if it has one
//! (`LoggerBuilder::fallback`; counted in `stats().fallback`); otherwise its
//! records are counted as dropped for that sink. A panic in a sink is caught
//! and counted the same way (`stats().sink_panics`). The sink's thread goes
//! on.

mod batch;
mod file;
mod null;
mod stdout;

pub use batch::{Batch, BatchRecord};
pub use file::{File, Rotation};
pub use null::Null;
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
/// Every method runs on the sink's own thread, never on a caller's.
pub trait Sink: Send + 'static {
    /// A short name for errors and metrics (`"stdout"`, `"file:logs/app.log"`).
    fn name(&self) -> &str;

    /// The format this sink wants its records in. Sinks that share a format
    /// share the serialized bytes.
    fn format(&self) -> Format {
        Format::Envelope
    }

    /// Called once by `install()`, on the installing thread, before any
    /// record is written. An error here fails the install and names the sink.
    fn open(&mut self) -> io::Result<()> {
        Ok(())
    }

    /// Writes every record of the batch. Records are newline-terminated lines.
    fn write_batch(&mut self, batch: &Batch) -> io::Result<()>;

    /// Pushes buffered output to its destination. Called when the worker is
    /// idle, on `fapilog::flush()`, and at shutdown.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }

    /// Called once at shutdown after the last batch; the default flushes.
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
