//! The redactor on arbitrary text: never panics, truncation keeps a char
//! boundary prefix, and a secret generated from the input and planted in the
//! text never survives. The check lives in the library so that
//! `tests/fuzz_corpus.rs` runs the same logic over `corpus/redactor/`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| fapilog::__fuzz::check_redactor(data));
