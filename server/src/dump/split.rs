//! Where a row could be cut into `OLD NEW`, and how good each cut is.
//!
//! The halves of an edited paragraph share most of their words, so the cut that
//! maximises the words common to both halves is the natural one; it is found in one
//! sweep over the row. Words unique to one side do not change that count, so ties are
//! broken by what paragraphs look like (the old one ends a sentence, the new one starts
//! one) and by how edits look (a paragraph usually keeps its first and last words).

use crate::text::FastMap;
use crate::text::{doubled_word_keys, word_key, word_key_ascii, word_spans};
use crate::text::{ends_sentence, is_abbreviation, starts_sentence};
use similar::{capture_diff_slices, Algorithm, DiffOp};

/// Words this short (in letters) carry little evidence: "the", "of", "and".
const SHORT_WORD: usize = 3;
const SHORT_WEIGHT: f32 = 0.2;
/// At most this many sentence-boundary cuts are kept per row for the decision.
const MAX_BOUNDARY_CUTS: usize = 10;
/// Halves whose bags of words are less alike than this are not diffed as sequences.
const UNRELATED_BAG: f32 = 0.15;
/// And this many cuts as similar as the best one.
const MAX_PLATEAU_CUTS: usize = 4;
/// Rows longer than this (in words) are compared as bags of words only.
const ORDERED_LIMIT: usize = 4000;

/// One place a row could be cut.
#[derive(Clone, Debug)]
pub struct Cut {
    /// Byte offset (relative to the row) where the separating whitespace starts.
    pub at: usize,
    /// Byte offset where the right half starts.
    pub right: usize,
    /// Index of the first word of the right half.
    pub word: usize,
    /// Weighted Dice similarity of the halves' word bags, 0..=1.
    pub dice: f32,
    /// How much of the lighter half the other holds in order (its weighted common
    /// subsequence over its own weight), 0..=1; 0 when that half is too light to tell.
    pub contained: f32,
    /// Left half ends a sentence and right half starts one.
    pub boundary: bool,
    /// Left half ends like a paragraph (terminal punctuation, maybe a closing quote).
    pub left_ends: bool,
    /// Right half starts like a paragraph (capital, digit, opening quote).
    pub right_starts: bool,
    /// Leading / trailing words the halves have in common (capped).
    pub edge_match: u32,
}

/// Everything the decision needs to know about one row's text.
#[derive(Clone, Debug)]
pub struct RowShape {
    /// `PP`: the same paragraph twice with no separator.
    pub doubled: bool,
    /// Candidate cuts: the best cut by similarity first, then sentence boundaries.
    pub cuts: Vec<Cut>,
    /// Word keys of the row, in order (for shingles).
    pub words: Vec<u64>,
    /// Byte length of the row.
    pub len: usize,
}

impl RowShape {
    pub fn best(&self) -> Option<&Cut> {
        self.cuts.first()
    }
}

fn weight(word: &str) -> f32 {
    weight_of(letter_count(word))
}

/// A word's letters and digits, and whether any is a digit; ASCII (most words)
/// bytewise.
fn letter_count(word: &str) -> (usize, bool) {
    if word.is_ascii() {
        let b = word.as_bytes();
        (
            b.iter().filter(|c| c.is_ascii_alphanumeric()).count(),
            b.iter().any(u8::is_ascii_digit),
        )
    } else {
        (
            word.chars().filter(|c| c.is_alphanumeric()).count(),
            word.chars().any(|c| c.is_numeric()),
        )
    }
}

/// The key and the weight of a word, in one pass over a plain ASCII word.
fn key_and_weight(word: &str) -> (u64, f32) {
    match word_key_ascii(word) {
        Some((key, letters, numeric)) => (key, weight_of((letters, numeric))),
        None => (word_key(word), weight(word)),
    }
}

fn weight_of((letters, numeric): (usize, bool)) -> f32 {
    if letters == 0 {
        0.0
    } else if letters <= SHORT_WORD && !numeric {
        SHORT_WEIGHT
    } else {
        1.0
    }
}

pub fn is_doubled(row: &str) -> bool {
    let n = row.len();
    n > 0 && n.is_multiple_of(2) && row.is_char_boundary(n / 2) && row[..n / 2] == row[n / 2..]
}

/// Adds a cut at byte offset `at` (the start of the whitespace between two words) if
/// the shape does not have it yet: a person or a neighbouring dump may settle a cut
/// the reader did not consider. Returns false when `at` is not between two words.
pub fn ensure_cut(shape: &mut RowShape, row: &str, at: usize) -> bool {
    if shape.doubled {
        return false;
    }
    if shape.cuts.iter().any(|c| c.at == at) {
        return true;
    }
    let spans = word_spans(row);
    let Some(g) = spans.iter().position(|s| s.end == at).map(|i| i + 1) else {
        return false;
    };
    if g >= spans.len() {
        return false;
    }
    let weights: Vec<f32> = spans.iter().map(|s| weight(&row[s.clone()])).collect();
    let total: f32 = weights.iter().sum();
    let left_word = &row[spans[g - 1].clone()];
    let left_ends = ends_sentence(left_word) && !is_abbreviation(left_word);
    let right_starts = starts_sentence(&row[spans[g].clone()]);
    let ids = WordIds::new(&shape.words);
    let dice = ordered_dice(&ids, &weights, g, total, total);
    shape.cuts.push(Cut {
        at,
        right: spans[g].start,
        word: g,
        dice,
        contained: contained(dice, total, weights[..g].iter().sum()),
        boundary: left_ends && right_starts,
        left_ends,
        right_starts,
        edge_match: edge_match(&shape.words, g),
    });
    true
}

pub fn shape(row: &str) -> RowShape {
    if is_doubled(row) {
        // Most rows: tokenised once, from their first half.
        return RowShape {
            doubled: true,
            cuts: Vec::new(),
            words: doubled_word_keys(&row[..row.len() / 2]),
            len: row.len(),
        };
    }
    let spans = word_spans(row);
    let (words, weights): (Vec<u64>, Vec<f32>) = spans
        .iter()
        .map(|s| key_and_weight(&row[s.clone()]))
        .unzip();
    let n = spans.len();
    if n < 2 {
        return RowShape {
            doubled: false,
            cuts: Vec::new(),
            words,
            len: row.len(),
        };
    }
    let total: f32 = weights.iter().sum();
    let ids = WordIds::new(&words);
    // Sweep: left = words[..g], right = words[g..]; common = sum of w * min(cl, cr).
    let mut right: Vec<u32> = vec![0; ids.distinct()];
    for &id in &ids.ids {
        right[id as usize] += 1;
    }
    let mut left: Vec<u32> = vec![0; ids.distinct()];
    let mut common = 0.0f32;
    let mut best: Option<(f32, i32, usize)> = None; // (common, tiebreak, g)
                                                    // (cut, common weight, weight of the left half)
    let mut scored: Vec<(usize, f32, f32)> = Vec::with_capacity(n);
    // Whether cut `g` is a sentence boundary, at `g - 1`.
    let mut boundary: Vec<bool> = Vec::with_capacity(n);
    let mut left_weight = 0.0f32;
    for g in 1..n {
        let id = ids.ids[g - 1] as usize;
        let w = weights[g - 1];
        let (cl, cr) = (&mut left[id], &mut right[id]);
        let before = (*cl).min(*cr);
        *cl += 1;
        *cr -= 1;
        let after = (*cl).min(*cr);
        common += (after as f32 - before as f32) * w;
        left_weight += w;
        scored.push((g, common, left_weight));
        boundary.push(is_boundary(row, &spans, g));
        // The tie-break only matters when this cut is at least as similar as the best.
        let c = round(common);
        if best.is_none_or(|b| c >= round(b.0)) {
            let tb = tiebreak(boundary[g - 1], row, &spans, &words, g);
            if best.is_none_or(|b| (c, tb) > (round(b.0), b.1)) {
                best = Some((common, tb, g));
            }
        }
    }
    let make = |&(g, common, left): &(usize, f32, f32)| -> Cut {
        let left_word = &row[spans[g - 1].clone()];
        let left_ends = ends_sentence(left_word) && !is_abbreviation(left_word);
        let right_starts = starts_sentence(&row[spans[g].clone()]);
        let dice = ordered_dice(&ids, &weights, g, total, common);
        Cut {
            at: spans[g - 1].end,
            right: spans[g].start,
            word: g,
            dice,
            contained: contained(dice, total, left),
            boundary: left_ends && right_starts,
            left_ends,
            right_starts,
            edge_match: edge_match(&words, g),
        }
    };
    // Candidates: the most similar cut, a few more from its plateau, and every
    // sentence boundary (the cut of two unrelated paragraphs is always one).
    let best_g = best.map(|b| b.2).unwrap_or(1);
    let top = best.map(|b| round(b.0)).unwrap_or(0);
    let mut gs: Vec<usize> = vec![best_g];
    let mut plateau: Vec<(i32, usize)> = scored
        .iter()
        .filter(|&&(g, c, _)| g != best_g && round(c) == top)
        .map(|&(g, _, _)| (tiebreak(boundary[g - 1], row, &spans, &words, g), g))
        .collect();
    plateau.sort_by(|a, b| b.cmp(a));
    gs.extend(plateau.iter().take(MAX_PLATEAU_CUTS).map(|&(_, g)| g));
    let mut boundaries: Vec<(f32, usize)> = scored
        .iter()
        .filter(|&&(g, _, _)| !gs.contains(&g) && boundary[g - 1])
        .map(|&(g, c, _)| (c, g))
        .collect();
    boundaries.sort_by(|a, b| b.0.total_cmp(&a.0));
    gs.extend(boundaries.iter().take(MAX_BOUNDARY_CUTS).map(|&(_, g)| g));
    let cuts: Vec<Cut> = gs.into_iter().map(|g| make(&scored[g - 1])).collect();
    RowShape {
        doubled: false,
        cuts,
        words,
        len: row.len(),
    }
}

fn is_boundary(row: &str, spans: &[std::ops::Range<usize>], g: usize) -> bool {
    let left_word = &row[spans[g - 1].clone()];
    ends_sentence(left_word)
        && !is_abbreviation(left_word)
        && starts_sentence(&row[spans[g].clone()])
}

/// A row's words as small integers (equal words, equal ids), with where each id
/// first and last occurs: what the cuts' similarities need, computed once per row.
struct WordIds {
    ids: Vec<u32>,
    first: Vec<u32>,
    last: Vec<u32>,
}

impl WordIds {
    fn new(words: &[u64]) -> WordIds {
        let mut index: FastMap<u64, u32> =
            FastMap::with_capacity_and_hasher(words.len(), Default::default());
        let mut first: Vec<u32> = Vec::new();
        let mut last: Vec<u32> = Vec::new();
        let ids = words
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let next = first.len() as u32;
                let id = *index.entry(*w).or_insert(next);
                if id == next {
                    first.push(i as u32);
                    last.push(i as u32);
                } else {
                    last[id as usize] = i as u32;
                }
                id
            })
            .collect();
        WordIds { ids, first, last }
    }

    fn distinct(&self) -> usize {
        self.first.len()
    }
}

/// Weighted Dice similarity of the halves as word *sequences*: the words of their
/// longest common subsequence. An edited paragraph keeps its words in order; two
/// unrelated paragraphs share only scattered common words.
fn ordered_dice(ids: &WordIds, weights: &[f32], g: usize, total: f32, bag_common: f32) -> f32 {
    if total <= 0.0 {
        return 0.0;
    }
    let bag = 2.0 * bag_common / total;
    if bag < UNRELATED_BAG {
        // The ordered similarity is at most the bag one: already unrelated, and the
        // sequence diff of unrelated halves is the expensive case.
        return bag;
    }
    let (l, r) = ids.ids.split_at(g);
    if ids.ids.len() > ORDERED_LIMIT {
        // Bag similarity, linear time.
        let mut counts: Vec<i32> = vec![0; ids.distinct()];
        for w in l {
            counts[*w as usize] += 1;
        }
        let mut common = 0.0;
        for (w, wt) in r.iter().zip(&weights[g..]) {
            let c = &mut counts[*w as usize];
            if *c > 0 {
                *c -= 1;
                common += wt;
            }
        }
        return 2.0 * common / total;
    }
    // A word that the other half lacks is never part of a common subsequence: diff
    // only the words both halves hold (far fewer when the halves are unrelated, which
    // is where the diff is slow). A word is in both halves when it occurs first
    // before the cut and last after it.
    let g32 = g as u32;
    let in_both = |id: u32| ids.first[id as usize] < g32 && ids.last[id as usize] >= g32;
    let lk: Vec<(u32, f32)> = l
        .iter()
        .zip(weights)
        .filter(|(w, _)| in_both(**w))
        .map(|(w, wt)| (*w, *wt))
        .collect();
    let rk: Vec<u32> = r.iter().copied().filter(|w| in_both(*w)).collect();
    let lw: Vec<u32> = lk.iter().map(|(w, _)| *w).collect();
    let mut common = 0.0;
    for op in capture_diff_slices(Algorithm::Myers, &lw, &rk) {
        if let DiffOp::Equal { old_index, len, .. } = op {
            common += lk[old_index..old_index + len]
                .iter()
                .map(|(_, wt)| wt)
                .sum::<f32>();
        }
    }
    2.0 * common / total
}

/// Below this weight (about four full words) a half is too light to say whether the
/// other holds it.
const CONTAINED_MIN_WEIGHT: f32 = 4.0;

/// The share of the lighter half's weight that the halves' common subsequence covers,
/// from their Dice similarity: common = dice * total / 2.
fn contained(dice: f32, total: f32, left: f32) -> f32 {
    let lighter = left.min(total - left);
    if lighter < CONTAINED_MIN_WEIGHT {
        return 0.0;
    }
    (dice * total / 2.0 / lighter).min(1.0)
}

fn round(x: f32) -> i64 {
    (x * 1000.0).round() as i64
}

/// Tie-break between cuts with the same common-word weight.
/// `boundary`: whether `g` is a sentence boundary ([`is_boundary`]).
fn tiebreak(
    boundary: bool,
    row: &str,
    spans: &[std::ops::Range<usize>],
    words: &[u64],
    g: usize,
) -> i32 {
    let single_space = row[spans[g - 1].end..spans[g].start] == *" ";
    (boundary as i32) * 4 + edge_match(words, g) as i32 + single_space as i32 * 8
}

/// How the halves' edges agree, in tenths: each shared leading word (up to 3) counts
/// 4, each shared trailing word (up to 3) counts 1. An edited paragraph nearly always
/// keeps its opening words; its ending is where sentences get added or dropped.
fn edge_match(words: &[u64], g: usize) -> u32 {
    let (l, r) = words.split_at(g);
    let lead = l.iter().zip(r).take(3).take_while(|(a, b)| a == b).count();
    let trail = l
        .iter()
        .rev()
        .zip(r.iter().rev())
        .take(3)
        .take_while(|(a, b)| a == b)
        .count();
    (4 * lead + trail) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn halves(row: &str) -> (String, String) {
        let s = shape(row);
        let c = s.best().unwrap();
        (row[..c.at].to_owned(), row[c.right..].to_owned())
    }

    #[test]
    fn edited_paragraph() {
        let (o, n) = halves("There was no immediate response from Japan or the United States. There was no immediate response from the Japanese or American governments.");
        assert_eq!(
            o,
            "There was no immediate response from Japan or the United States."
        );
        assert_eq!(
            n,
            "There was no immediate response from the Japanese or American governments."
        );
    }

    #[test]
    fn whitespace_only_change() {
        let (o, n) = halves("Same words here. Same words here.");
        assert_eq!(o, n);
    }

    #[test]
    fn key_and_weight_agree_with_key_and_weight_apart() {
        for w in [
            "the",
            "The",
            "U.N.",
            "2019",
            "$2.6",
            "—",
            "“Quoted,”",
            "Café",
            "日本",
            "a1",
            "...",
            "x",
            "e-mail",
            "Zelenskyy’s",
        ] {
            assert_eq!(key_and_weight(w), (word_key(w), weight(w)), "{w}");
        }
    }

    #[test]
    fn doubled() {
        assert!(shape("AdvertisementAdvertisement").doubled);
        assert!(!shape("Advertisement").doubled);
        assert!(shape("日本日本").doubled);
    }
}
