//! Replays each fuzz target's seed corpus (`fuzz/corpus/<target>/`) through
//! the same check the target runs, so the corpus is a regression suite that
//! runs with plain `cargo test`, no fuzzer needed.
//!
//! To cover a new target, add one line to the macro call at the bottom:
//! `test_name: "corpus dir", check_function,`.

use std::path::Path;

/// Runs `check` on every file in `fuzz/corpus/<target>/`, naming the file
/// that failed.
fn replay(target: &str, check: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.expect("corpus entry").path())
        .filter(|path| path.is_file())
        .collect();
    entries.sort();
    assert!(!entries.is_empty(), "empty corpus: {}", dir.display());
    for path in entries {
        let data = std::fs::read(&path).expect("read corpus file");
        if std::panic::catch_unwind(|| check(&data)).is_err() {
            panic!("{target}: check failed on {}", path.display());
        }
    }
}

macro_rules! corpus_tests {
    ($($test:ident: $target:literal, $check:path,)*) => {
        $(
            #[test]
            fn $test() {
                replay($target, $check);
            }
        )*
    };
}

corpus_tests! {
    json_writer_corpus: "json_writer", fapilog::__fuzz::json::check_roundtrip,
    slot_codec_corpus: "slot_codec", fapilog::__fuzz::check_slot_codec,
    directives_corpus: "directives", fapilog::__fuzz::check_directives,
    redactor_corpus: "redactor", fapilog::__fuzz::check_redactor,
}
