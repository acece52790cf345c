//! The slot codec on arbitrary values: encoded into a `Vec` and through a
//! small wrapping ring, then decoded, every value must come back equal, or
//! as a flagged prefix when the record size limit cut it. The check lives in
//! the library so that `tests/fuzz_corpus.rs` replays `corpus/slot_codec/`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| fapilog::__fuzz::check_slot_codec(data));
