//! Atomics for the ring: loom's under `--cfg fapilog_loom`, std's otherwise.

#[cfg(fapilog_loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
#[cfg(not(fapilog_loom))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
