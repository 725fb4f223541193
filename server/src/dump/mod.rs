//! The dump reader: from the bytes of a version dump to rows, decisions and the two
//! reconstructed versions.
//!
//! Reading happens in stages, each in its own module: `lines` (decoding and line
//! table), `header` (metadata, title and time rows), `split` (where a row could be
//! cut into `OLD NEW`), `decide` (which reading of each run of rows the evidence
//! supports), `pipe` (the pipe-table flattening), `build` (versions from rows).

mod build;
pub mod choices;
mod decide;
mod header;
pub mod incremental;
mod lines;
pub mod model;
mod pipe;
pub mod render;
mod split;

pub use choices::Choices;
pub use decide::RowMap;
pub use incremental::{Kept, Reader, Reuse};
pub use model::*;

/// Reads a dump. Never panics: anything that is not a dump at all is an error naming
/// what was expected; anything odd inside a dump is a finding on the result.
pub fn read(bytes: &[u8], choices: &Choices) -> Result<Dump, NotADump> {
    read_decoded(lines::decode(bytes), choices)
}

/// [`read`] of a buffer the caller gives up: a valid UTF-8 text with no byte-order mark
/// is read in place instead of copied (the command line reads a file into one).
pub fn read_owned(bytes: Vec<u8>, choices: &Choices) -> Result<Dump, NotADump> {
    read_decoded(lines::decode_owned(bytes), choices)
}

fn read_decoded(decoded: lines::Decoded, choices: &Choices) -> Result<Dump, NotADump> {
    let table = lines::LineTable::new(&decoded.text);
    let found = header::locate(&decoded.text, &table)?;
    let mut dump = match found.format {
        Format::NewssnifferDiff => build::read_diff_page(decoded, table, found, choices),
        Format::PipeTable => pipe::read_pipe_table(decoded, table, found),
    };
    dump.findings.sort_by_key(|f| (f.span.start, f.severity));
    Ok(dump)
}

/// Reads a dump with no sidecar choices.
pub fn read_plain(bytes: &[u8]) -> Result<Dump, NotADump> {
    read(bytes, &Choices::default())
}
