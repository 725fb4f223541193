//! A dump plus the word diff and class of every passage: what every view shows.

use crate::diff::{classify, find_moves, word_diff, Move, PassageClass, WordDiff};
use crate::dump::{self, Choices, Dump, NotADump, RowKind, Side};
use rayon::prelude::*;
use serde::Serialize;
use std::sync::Arc;

/// A row that is not unchanged, with what happened to it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Passage {
    /// Index into `dump.rows`.
    pub row: usize,
    pub class: PassageClass,
    /// Word diff of the halves (changed rows only). Ranges are relative to each half.
    /// Shared with the server's diff cache, so an edit does not copy every diff.
    pub diff: Option<Arc<WordDiff>>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub edited: usize,
    pub rewritten: usize,
    pub whitespace: usize,
    pub added: usize,
    pub removed: usize,
    pub added_or_changed: usize,
    pub unreadable: usize,
    pub moved: usize,
    pub ambiguous: usize,
    pub words_removed: usize,
    pub words_added: usize,
}

impl Summary {
    pub fn changed(&self) -> usize {
        self.edited + self.rewritten + self.whitespace
    }
    pub fn passages(&self) -> usize {
        self.changed() + self.added + self.removed + self.added_or_changed + self.unreadable
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Analysis {
    /// Shared with the incremental reader, which reads the next edit against it.
    pub dump: Arc<Dump>,
    pub passages: Vec<Passage>,
    pub moves: Vec<Move>,
}

/// Rows per parallel chunk: large enough that rayon's overhead stays small.
const CHUNK: usize = 64;

/// Reads and analyses a dump (word diffs computed on all cores).
pub fn analyze(bytes: &[u8], choices: &Choices) -> Result<Analysis, NotADump> {
    Ok(analyze_dump(dump::read(bytes, choices)?))
}

/// [`analyze`] of a buffer the caller gives up ([`dump::read_owned`]).
pub fn analyze_owned(bytes: Vec<u8>, choices: &Choices) -> Result<Analysis, NotADump> {
    Ok(analyze_dump(dump::read_owned(bytes, choices)?))
}

pub fn analyze_dump(dump: Dump) -> Analysis {
    // Side by side: while `find_moves` runs its steps that use one core, the other
    // core goes on with the word diffs.
    let (passages, moves) = rayon::join(
        || -> Vec<Passage> {
            dump.rows
                .par_iter()
                .enumerate()
                .with_min_len(CHUNK)
                .filter(|(_, r)| r.kind != RowKind::Unchanged)
                .map(|(i, r)| passage(&dump, i, r))
                .collect()
        },
        || find_moves(&dump),
    );
    Analysis {
        dump: Arc::new(dump),
        passages,
        moves,
    }
}

/// The passage for one row (not unchanged).
pub fn passage(dump: &Dump, i: usize, r: &dump::Row) -> Passage {
    let diff = match (r.kind, &r.old, &r.new) {
        (RowKind::Changed, Some(o), Some(n)) => Some(word_diff(dump.slice(o), dump.slice(n))),
        _ => None,
    };
    let class = classify(r.kind, diff.as_ref()).unwrap_or(PassageClass::Unreadable);
    let diff = diff.map(Arc::new);
    Passage {
        row: i,
        class,
        diff,
    }
}

impl Analysis {
    pub fn passage_of_row(&self, row: usize) -> Option<&Passage> {
        self.passages
            .binary_search_by_key(&row, |p| p.row)
            .ok()
            .map(|i| &self.passages[i])
    }

    /// Moves touching a row, as (sentence span in this row, other row, other span, side
    /// of this row's sentence).
    pub fn moves_of_row(&self, row: usize) -> impl Iterator<Item = &Move> {
        self.moves
            .iter()
            .filter(move |m| m.from_row == row || m.to_row == row)
    }

    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for p in &self.passages {
            match p.class {
                PassageClass::Edited { removed, added }
                | PassageClass::Rewritten { removed, added } => {
                    if matches!(p.class, PassageClass::Edited { .. }) {
                        s.edited += 1;
                    } else {
                        s.rewritten += 1;
                    }
                    s.words_removed += removed;
                    s.words_added += added;
                }
                PassageClass::WhitespaceOnly => s.whitespace += 1,
                PassageClass::Added => s.added += 1,
                PassageClass::Removed => s.removed += 1,
                PassageClass::AddedOrChanged => s.added_or_changed += 1,
                PassageClass::Unreadable => s.unreadable += 1,
            }
        }
        s.moved = self.moves.len();
        s.ambiguous = self
            .dump
            .rows
            .iter()
            .filter(|r| r.ambiguity.is_some())
            .count()
            + self
                .dump
                .title
                .as_ref()
                .is_some_and(|t| t.ambiguity.is_some()) as usize;
        s
    }

    /// Short human summary: "4 edited · 13 added · 0 removed".
    pub fn summary_line(&self) -> String {
        let s = self.summary();
        let mut parts = vec![format!("{} edited", s.edited + s.whitespace)];
        if s.rewritten > 0 {
            parts.push(format!("{} rewritten", s.rewritten));
        }
        parts.push(format!("{} added", s.added));
        parts.push(format!("{} removed", s.removed));
        if s.added_or_changed > 0 {
            parts.push(format!("{} new or changed", s.added_or_changed));
        }
        if s.moved > 0 {
            parts.push(format!("{} moved", s.moved));
        }
        if s.ambiguous > 0 {
            parts.push(format!("{} ambiguous", s.ambiguous));
        }
        parts.join(" · ")
    }

    pub fn version_text(&self, side: Side) -> String {
        self.dump.version(side).render()
    }
}
