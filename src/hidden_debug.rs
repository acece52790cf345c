//! `Debug` for the public but doc-hidden types that the macros, fapilog's
//! tests and its benches reach, so that every public type has one
//! (`missing_debug_implementations`). Kept here rather than next to the
//! types: the log call's hot path (`logger.rs`, `record/encode.rs`) stays
//! as it is. None of them shows anything worth reading.

use std::fmt;

use crate::logger::AsyncWait;
use crate::pipeline::filter::SteadyState;
use crate::pipeline::worker::BenchStages;
use crate::record::{DebugValue, DisplayValue, DynFields, Encoder};

impl fmt::Debug for Encoder<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Encoder").finish_non_exhaustive()
    }
}

impl fmt::Debug for AsyncWait {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncWait").finish_non_exhaustive()
    }
}

impl<T: fmt::Debug> fmt::Debug for DebugValue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DebugValue").field(&self.0).finish()
    }
}

impl<T: fmt::Display> fmt::Debug for DisplayValue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DisplayValue")
            .field(&format_args!("{}", self.0))
            .finish()
    }
}

impl fmt::Debug for DynFields<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DynFields")
            .field("values", &self.0.len())
            .finish()
    }
}

impl fmt::Debug for SteadyState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SteadyState").finish_non_exhaustive()
    }
}

impl fmt::Debug for BenchStages {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BenchStages").finish_non_exhaustive()
    }
}
