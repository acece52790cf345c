//! A sink `install()` has opened: closed again if the install fails before
//! the sink reaches its thread.

use std::io;
use std::panic::{self, AssertUnwindSafe};

use super::Sink;
use crate::pipeline::health::{guarded, Failure};

/// An open sink on its way to its thread. Dropped before it gets there (an
/// install that failed after opening it), it is closed, a panic in `close`
/// caught and its error ignored: the install's own error is what the caller
/// is told.
pub(crate) struct Opened(Option<Box<dyn Sink>>);

impl Opened {
    /// Opens `sink` on this thread. An error or a panic in `open` is
    /// returned as an error (a panic as `panicked: <its message>`); the sink
    /// is then dropped without `close`, since it never opened.
    pub(crate) fn open(mut sink: Box<dyn Sink>) -> io::Result<Opened> {
        guarded(|| sink.open()).map_err(Failure::into_io_error)?;
        Ok(Opened(Some(sink)))
    }

    /// The sink, still open.
    pub(crate) fn sink(&self) -> &dyn Sink {
        self.0
            .as_deref()
            .expect("an Opened holds its sink until taken")
    }

    /// The sink, which its thread now closes.
    pub(crate) fn into_inner(mut self) -> Box<dyn Sink> {
        self.0.take().expect("an Opened holds its sink until taken")
    }
}

impl Drop for Opened {
    fn drop(&mut self) {
        if let Some(mut sink) = self.0.take() {
            let _ = panic::catch_unwind(AssertUnwindSafe(|| sink.close()));
        }
    }
}
