//! Every JSON writer, on arbitrary bytes: the output must be strict JSON that
//! decodes back to the input (lossily for invalid UTF-8) and holds no raw line
//! break or control character. The check lives in the library so that
//! `tests/fuzz_corpus.rs` runs the same logic over `corpus/json_writer/`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| fapilog::__fuzz::json::check_roundtrip(data));
