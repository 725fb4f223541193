//! Palimpsest: reads version dumps (several versions of one document in one text
//! file) and reconstructs every version exactly.
//!
//! - [`dump`]: the reader (header, rows, decisions, versions) and the renderer;
//! - [`diff`]: word diffs and passage classes;
//! - [`analysis`]: a dump plus the diff of every passage, the unit the server and the
//!   command line work with;
//! - [`export`]: the JSON shapes written by `palimpsest export`;
//! - [`generate`]: deterministic articles, edit histories and dumps for tests and benchmarks;
//! - [`history`]: the dumps of one article read jointly as a chain of versions;
//! - [`store`]: open documents (ropes, snapshots, cached diffs) for the server;
//! - [`lsp`]: the language server, the only module that knows LSP and its JSON types.
//!
//! Everything but `lsp` speaks plain types: byte offsets into the dump, labels, ropes.

pub mod analysis;
pub mod diff;
pub mod dump;
pub mod export;
pub mod generate;
pub mod history;
pub mod lsp;
pub mod store;
pub mod text;

pub use analysis::{analyze, analyze_owned, Analysis, Passage, Summary};
