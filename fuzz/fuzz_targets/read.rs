//! Fuzzes the reader and the analysis on arbitrary bytes: no panic, and the result
//! satisfies `palimpsest::generate::check_invariants` (spans inside the text on char
//! boundaries, rows sorted by line, every row's halves inside its span, analysis ranges
//! inside the halves). Run with `cargo fuzz run read` from the repository root.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palimpsest::dump::Choices;

fuzz_target!(|data: &[u8]| {
    if let Ok(a) = palimpsest::analyze(data, &Choices::default()) {
        if let Err(e) = palimpsest::generate::check_invariants(&a) {
            panic!("invariant broken: {e}");
        }
    }
});
