//! The diff engine: word-level diffs of a changed passage and the classification of
//! every passage (edited, rewritten, added, removed, moved sentences).

mod classify;
mod moves;
mod words;

pub use classify::{classify, PassageClass};
pub use moves::{find_moves, reused_rows, Move, MoveIndex, UpdateStats};
pub use words::{word_diff, WordChange, WordDiff, WordTag};
