//! Standard output and standard error.

use super::{Batch, Format, Sink};
use std::io::{self, IsTerminal, Write};

macro_rules! std_stream_sink {
    ($(#[$doc:meta])* $ty:ident, $stream:ident, $name:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug)]
        pub struct $ty {
            format: Format,
        }

        impl $ty {
            /// Envelope JSON lines (schema 1.1).
            pub fn json() -> $ty {
                $ty { format: Format::Envelope }
            }

            /// Flat JSON lines.
            pub fn flat() -> $ty {
                $ty { format: Format::Flat }
            }

            /// Human-readable text, coloured when the stream is a terminal.
            pub fn pretty() -> $ty {
                $ty { format: Format::Pretty { color: io::$stream().is_terminal() } }
            }

            /// Any format.
            pub fn with_format(format: Format) -> $ty {
                $ty { format }
            }
        }

        impl Sink for $ty {
            fn name(&self) -> &str {
                $name
            }
            fn format(&self) -> Format {
                self.format
            }
            fn write_batch(&mut self, batch: &Batch) -> io::Result<()> {
                io::$stream().lock().write_all(batch.as_bytes())
            }
            fn flush(&mut self) -> io::Result<()> {
                io::$stream().lock().flush()
            }
        }
    };
}

std_stream_sink!(
    /// Writes each batch to standard output with one `write_all`.
    Stdout,
    stdout,
    "stdout"
);
std_stream_sink!(
    /// Writes each batch to standard error with one `write_all`.
    Stderr,
    stderr,
    "stderr"
);
