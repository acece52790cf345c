//! Standard output and standard error.
//!
//! A batch is written under the stream's lock, after what the program itself
//! has buffered there (so lines never interleave with its own output), and,
//! on Unix, straight to the file descriptor: `std` treats writes to a closed
//! stream as successful, which would count records delivered that went
//! nowhere. A closed or broken stream is an error, counted like any sink's.

use super::{Batch, Format, Sink};
use std::io::{self, IsTerminal, Write};

/// Writes all of `bytes` to file descriptor `fd`, reporting every error
/// (`EBADF` included).
#[cfg(unix)]
fn write_all_to_fd(fd: std::os::fd::RawFd, bytes: &[u8]) -> io::Result<()> {
    use std::os::fd::FromRawFd;
    // SAFETY: the `File` only borrows the descriptor for this call and is
    // never dropped (`ManuallyDrop`), so the descriptor is not closed; if
    // `fd` is not open, the writes fail with `EBADF`, which is the point.
    let mut file = std::mem::ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(fd) });
    file.write_all(bytes)
}

/// Whether pretty text is coloured: on a terminal, unless `NO_COLOR` is set
/// to a non-empty value (the convention of <https://no-color.org>, which
/// tracing-subscriber's fmt layer follows too).
fn wants_color(is_terminal: bool, no_color: Option<std::ffi::OsString>) -> bool {
    is_terminal && no_color.is_none_or(|value| value.is_empty())
}

macro_rules! std_stream_sink {
    ($(#[$doc:meta])* $ty:ident, $stream:ident, $fd:literal, $name:literal) => {
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

            /// Human-readable text, coloured when the stream is a terminal
            /// and the `NO_COLOR` environment variable is unset or empty
            /// (<https://no-color.org>), read when this is called. Use
            /// [`with_format`](Self::with_format) to choose colour yourself.
            pub fn pretty() -> $ty {
                let color = wants_color(io::$stream().is_terminal(), std::env::var_os("NO_COLOR"));
                $ty { format: Format::Pretty { color } }
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
                let mut stream = io::$stream().lock();
                #[cfg(unix)]
                {
                    stream.flush()?;
                    write_all_to_fd($fd, batch.as_bytes())
                }
                #[cfg(not(unix))]
                stream.write_all(batch.as_bytes())
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
    1,
    "stdout"
);
std_stream_sink!(
    /// Writes each batch to standard error with one `write_all`.
    Stderr,
    stderr,
    2,
    "stderr"
);
