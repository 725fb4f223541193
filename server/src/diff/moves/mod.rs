//! Moved sentences: a sentence of the older version that reappears, in the newer
//! version, inside a different row.
//!
//! The matching is greedy: older sentences are taken in document order, and each takes
//! the most similar newer sentence not yet taken (Dice coefficient of their word
//! multisets at least [`SAME_SENTENCE`]; ties go to the later sentence). Candidates are
//! the newer sentences that share a 4-word shingle with it, ignoring shingles found more
//! than [`COMMON_SHINGLE`] times among the newer sentences. [`find_moves`] runs it once;
//! [`MoveIndex`] keeps its state so that an edit of a few rows re-decides only the
//! sentences the edit can reach (see `incremental.rs`).

mod incremental;

pub use incremental::{reused_rows, MoveIndex, UpdateStats};

use crate::dump::{Dump, RowKind, Side, Span};
use crate::text::{mix, sentence_word_ranges, word_key, word_spans, FastMap};
use rayon::prelude::*;
use serde::Serialize;
use std::cmp::Ordering;

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

/// A sentence of at least [`MIN_WORDS`] words, tokenized once.
struct Sent {
    /// Byte range relative to the start of its row half.
    start: usize,
    end: usize,
    /// Number of words.
    words: usize,
    /// The word keys sorted (for [`dice`]), then the hashes of the 4-word shingles in
    /// text order: exactly `text::shingles(sentence, 4)`, which keys the same words.
    data: Box<[u64]>,
    /// [`MoveIndex`] only: for an older sentence, the newer sentence it matched; for a
    /// newer one, the older sentence that took it ([`incremental::NONE`] if none).
    link: u64,
}

impl Sent {
    fn sorted(&self) -> &[u64] {
        &self.data[..self.words]
    }
    fn shingles(&self) -> &[u64] {
        &self.data[self.words..]
    }
}

/// The sentences of one paragraph that are long enough to follow.
fn paragraph_sentences(text: &str) -> Vec<Sent> {
    let words = word_spans(text);
    let mut out = Vec::new();
    let mut keys: Vec<u64> = Vec::new();
    for r in sentence_word_ranges(text, &words) {
        if r.len() < MIN_WORDS {
            continue;
        }
        let n = r.len();
        keys.clear();
        keys.extend(words[r.clone()].iter().map(|w| word_key(&text[w.clone()])));
        let mut data = Vec::with_capacity(2 * n + 1 - SHINGLE);
        data.extend_from_slice(&keys);
        data.sort_unstable();
        data.extend(keys.windows(SHINGLE).map(mix));
        out.push(Sent {
            start: words[r.start].start,
            end: words[r.end - 1].end,
            words: n,
            data: data.into_boxed_slice(),
            link: incremental::NONE,
        });
    }
    out
}

/// The sentences a row contributes on one side (none for unchanged or unreadable rows,
/// whose text did not change).
fn row_sentences(dump: &Dump, row: usize, side: Side) -> Vec<Sent> {
    let r = &dump.rows[row];
    if matches!(r.kind, RowKind::Unchanged | RowKind::Unreadable) {
        return Vec::new();
    }
    match r.half(side) {
        Some(half) => paragraph_sentences(dump.slice(half)),
        None => Vec::new(),
    }
}

/// Dice coefficient of two word multisets given sorted: twice the size of their
/// multiset intersection over the sum of their sizes.
fn dice(a: &Sent, b: &Sent) -> f32 {
    let (x, y) = (a.sorted(), b.sorted());
    2.0 * crate::text::shared_sorted(x, y) as f32 / (x.len() + y.len()) as f32
}

/// The greedy step: among `candidates` (in document order, not yet taken), the most
/// similar one at or above [`SAME_SENTENCE`]; the last of equally similar ones, as
/// `Iterator::max_by` picks.
fn best_of<T: Copy>(candidates: impl Iterator<Item = (T, f32)>) -> Option<T> {
    let mut best: Option<(T, f32)> = None;
    for (c, d) in candidates {
        if d < SAME_SENTENCE {
            continue;
        }
        match best {
            Some((_, bd)) if bd.total_cmp(&d) == Ordering::Greater => {}
            _ => best = Some((c, d)),
        }
    }
    best.map(|(c, _)| c)
}

/// Rows per parallel tokenizing task.
const CHUNK: usize = 64;

/// Every row's sentences on both sides, tokenized on all cores.
fn all_sentences(dump: &Dump) -> Vec<[Vec<Sent>; 2]> {
    (0..dump.rows.len())
        .into_par_iter()
        .with_min_len(CHUNK)
        .map(|i| {
            [
                row_sentences(dump, i, Side::Old),
                row_sentences(dump, i, Side::New),
            ]
        })
        .collect()
}

/// The move of older sentence `from.1` of row `from.0` to newer sentence `to.1` of
/// row `to.0`, in dump offsets.
fn move_between(dump: &Dump, from: (usize, &Sent), to: (usize, &Sent)) -> Move {
    let old = dump.rows[from.0]
        .old
        .as_ref()
        .expect("a row with old sentences");
    let new = dump.rows[to.0]
        .new
        .as_ref()
        .expect("a row with new sentences");
    Move {
        from_row: from.0,
        from: old.start + from.1.start..old.start + from.1.end,
        to_row: to.0,
        to: new.start + to.1.start..new.start + to.1.end,
    }
}

/// Finds sentences that moved between rows. Each older sentence is matched to at most
/// one newer sentence (the most similar one), and only across different rows.
pub fn find_moves(dump: &Dump) -> Vec<Move> {
    let rows = all_sentences(dump);
    // Newer sentences in document order: (row, sentence).
    let new: Vec<(usize, &Sent)> = rows
        .iter()
        .enumerate()
        .flat_map(|(i, r)| r[1].iter().map(move |s| (i, s)))
        .collect();
    if new.is_empty() || rows.iter().all(|r| r[0].is_empty()) {
        return Vec::new();
    }
    let mut index: FastMap<u64, Vec<u32>> = FastMap::default();
    for (j, (_, s)) in new.iter().enumerate() {
        for &h in s.shingles() {
            index.entry(h).or_default().push(j as u32);
        }
    }
    // Each older sentence's candidates similar enough, in the order the greedy step
    // prefers them (most similar first, then the later), found on all cores: the
    // step itself, in document order, then takes the first not yet taken.
    let old: Vec<(usize, &Sent)> = rows
        .iter()
        .enumerate()
        .flat_map(|(i, r)| r[0].iter().map(move |s| (i, s)))
        .collect();
    let ranked: Vec<Vec<u32>> = old
        .par_iter()
        .with_min_len(CHUNK)
        .map(|(_, s)| {
            // Shingles shared by many sentences (boilerplate, repeated text) say nothing
            // about where one sentence went, and would make this quadratic.
            let mut candidates: Vec<u32> = Vec::new();
            for h in s.shingles() {
                if let Some(js) = index.get(h) {
                    if js.len() <= COMMON_SHINGLE {
                        candidates.extend_from_slice(js);
                    }
                }
            }
            if candidates.is_empty() {
                return candidates;
            }
            candidates.sort_unstable();
            candidates.dedup();
            ranked(candidates.iter().map(|&j| (j, dice(s, new[j as usize].1))))
        })
        .collect();
    let mut used = vec![false; new.len()];
    let mut moves = Vec::new();
    for (&(i, s), ranked) in old.iter().zip(&ranked) {
        if let Some(&j) = ranked.iter().find(|&&j| !used[j as usize]) {
            let j = j as usize;
            used[j] = true;
            let (to_row, t) = new[j];
            if to_row != i {
                moves.push(move_between(dump, (i, s), (to_row, t)));
            }
        }
    }
    moves
}

/// The candidates at or above [`SAME_SENTENCE`] in the order [`best_of`] would take
/// them as the better ones are taken: most similar first, and of equally similar
/// ones the last (`candidates` come in document order).
fn ranked(candidates: impl Iterator<Item = (u32, f32)>) -> Vec<u32> {
    let mut kept: Vec<(u32, f32)> = candidates.filter(|c| c.1 >= SAME_SENTENCE).collect();
    kept.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.0.cmp(&a.0)));
    kept.into_iter().map(|c| c.0).collect()
}

#[cfg(test)]
pub(crate) mod tests;
