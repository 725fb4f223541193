//! Moved sentences: a sentence of the older version that reappears, in the newer
//! version, inside a different row.

use crate::dump::{Dump, RowKind, Side, Span};
use crate::text::{sentence_spans, shingles, word_key, word_spans};
use crate::text::{FastMap, FastSet};
use serde::Serialize;

/// Sentences shorter than this many words are too common ("He declined to comment.")
/// to count as moved.
const MIN_WORDS: usize = 6;
/// Share of words two sentences must have in common to be the same sentence reworded.
const SAME_SENTENCE: f32 = 0.75;
const SHINGLE: usize = 4;
/// A shingle found in more sentences than this is too common to follow.
const COMMON_SHINGLE: usize = 8;

/// A sentence that left one row of the older version and shows up in another row
/// of the newer version.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Move {
    /// Row index and dump span of the sentence in the older (left) column.
    pub from_row: usize,
    pub from: Span,
    /// Row index and dump span of the sentence in the newer (right) column.
    pub to_row: usize,
    pub to: Span,
}

struct Sentence {
    row: usize,
    span: Span,
    words: Vec<u64>,
}

fn sentences_of(dump: &Dump, side: Side) -> Vec<Sentence> {
    let mut out = Vec::new();
    for (i, row) in dump.rows.iter().enumerate() {
        if matches!(row.kind, RowKind::Unchanged | RowKind::Unreadable) {
            continue;
        }
        let Some(half) = row.half(side) else { continue };
        let text = dump.slice(half);
        for s in sentence_spans(text) {
            let st = &text[s.clone()];
            let words: Vec<u64> = word_spans(st)
                .into_iter()
                .map(|w| word_key(&st[w]))
                .collect();
            if words.len() >= MIN_WORDS {
                out.push(Sentence {
                    row: i,
                    span: half.start + s.start..half.start + s.end,
                    words,
                });
            }
        }
    }
    out
}

fn dice(a: &[u64], b: &[u64]) -> f32 {
    let mut counts: FastMap<u64, i32> = FastMap::default();
    for w in a {
        *counts.entry(*w).or_default() += 1;
    }
    let mut common = 0;
    for w in b {
        if let Some(c) = counts.get_mut(w) {
            if *c > 0 {
                *c -= 1;
                common += 1;
            }
        }
    }
    2.0 * common as f32 / (a.len() + b.len()) as f32
}

/// Finds sentences that moved between rows. Each older sentence is matched to at most
/// one newer sentence (the most similar one), and only across different rows.
pub fn find_moves(dump: &Dump) -> Vec<Move> {
    let old = sentences_of(dump, Side::Old);
    let new = sentences_of(dump, Side::New);
    if old.is_empty() || new.is_empty() {
        return Vec::new();
    }
    let mut index: FastMap<u64, Vec<usize>> = FastMap::default();
    for (j, s) in new.iter().enumerate() {
        let text = dump.slice(&s.span);
        for h in shingles(text, SHINGLE) {
            index.entry(h).or_default().push(j);
        }
    }
    let mut used: FastSet<usize> = FastSet::default();
    let mut moves = Vec::new();
    for s in &old {
        let text = dump.slice(&s.span);
        // Shingles shared by many sentences (boilerplate, repeated text) say nothing
        // about where one sentence went, and would make this quadratic.
        let mut candidates: Vec<usize> = shingles(text, SHINGLE)
            .into_iter()
            .filter_map(|h| index.get(&h))
            .filter(|js| js.len() <= COMMON_SHINGLE)
            .flatten()
            .copied()
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        let best = candidates
            .into_iter()
            .filter(|j| !used.contains(j))
            .map(|j| (j, dice(&s.words, &new[j].words)))
            .filter(|&(_, d)| d >= SAME_SENTENCE)
            .max_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((j, _)) = best {
            used.insert(j);
            if new[j].row != s.row {
                moves.push(Move {
                    from_row: s.row,
                    from: s.span.clone(),
                    to_row: new[j].row,
                    to: new[j].span.clone(),
                });
            }
        }
    }
    moves
}
