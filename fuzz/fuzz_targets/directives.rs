//! `RUST_LOG`-style directives on arbitrary text (lossy UTF-8): parsing never
//! panics, agrees with a naive reference parser, errors point at the item
//! they name, the canonical `Display` form parses back to an equal value, and
//! target matching agrees with a naive longest-prefix search. The check
//! lives in the library so that `tests/fuzz_corpus.rs` replays
//! `corpus/directives/`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| fapilog::__fuzz::check_directives(data));
