//! TEMPORARY stand-in, replaced by the TSC clock from the `clock` branch.
use std::time::{SystemTime, UNIX_EPOCH};

#[inline(always)]
pub(crate) fn now_raw() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}
pub(crate) fn init() {}
pub(crate) struct Converter;
impl Converter {
    pub(crate) fn new() -> Converter {
        Converter
    }
    pub(crate) fn to_unix_nanos(&self, raw: u64) -> u64 {
        raw
    }
    pub(crate) fn recalibrate_if_due(&mut self) {}
}
