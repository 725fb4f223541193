//! Paragraphs that moved whole: evidence for where a changed row is cut.
//!
//! diff-lcs pairs a run's paragraphs by position, so a paragraph that moved inside
//! the run shows twice: as one half of a changed row (paired with whatever took its
//! old place) and as a row of its own, nearly word for word (an edited copy). A
//! paragraph moves whole, so among a row's cuts the one that makes a half match such
//! a row best is where that paragraph ends; a cut that leaves a sentence of the
//! neighbouring paragraph on it, or takes one of its sentences away, matches worse.
//!
//! That cost only ranks a row's cuts against each other: the cut that matches best
//! costs nothing.
//!
//! The copy also explains why the row pairs unrelated paragraphs: a reading that
//! cuts the row there and puts the copy in the other version (the paragraph moved)
//! earns a credit (`MovedHalf`).
//!
//! Two paragraphs that traded places (`A B` became `B' A'`) make two changed rows,
//! `A B'` and `B A'`, each pairing unrelated paragraphs: cut where each half matches
//! the other row's opposite half, they are two edited paragraphs that moved, and are
//! scored as such (`Swap`).

use super::{RowInput, EXHAUSTIVE_RUN};

/// A half must match another row at least this well (bag-of-words Dice) for the
/// evidence to count: below it, no paragraph of the run is a moved copy of a half.
/// The dev and series figures are the same anywhere from 0.6 to 0.8.
const MOVED_COPY: f32 = 0.7;

/// Cost of each unit of match a cut loses against the row's best-matching cut. A cut
/// that moves one sentence of a five-sentence paragraph loses about 0.2–0.3, which
/// costs about the flag margin. The dev and series figures are the same anywhere from
/// 8 to 24; at 6 the dev row it was measured on (a sentence left on the wrong half) is
/// still cut wrong.
const MOVED_WEIGHT: f32 = 8.0;

/// What the moved copies in a run tell about its rows' cuts.
pub(super) struct Moved {
    /// `costs[i][j]`: what cut `j` of row `i` costs for matching a moved copy
    /// elsewhere in the run less well than the row's best cut does (all zero when no
    /// half of the row has such a copy).
    pub(super) costs: Vec<Vec<f32>>,
    /// Halves that are a moved copy of another row while the row's other half is
    /// unrelated to it.
    pub(super) halves: Vec<MovedHalf>,
    /// Pairs of rows whose halves cross-match.
    pub(super) swaps: Vec<Swap>,
}

/// Cut `cut` of row `row` leaves one half a moved copy of row `copy` (the older half
/// when `old_half`, so the copy is in the newer version), and the other half shares
/// little with that copy: the row pairs the paragraph's old place with an unrelated
/// paragraph.
pub(super) struct MovedHalf {
    pub(super) row: usize,
    pub(super) cut: usize,
    pub(super) copy: usize,
    pub(super) old_half: bool,
}

/// What a reading earns for each row it cuts at a [`MovedHalf`] with the copy in the
/// other version: most of what reading the row as two unrelated paragraphs costs
/// (3.75 when they share no word). At 1 no reading changes; 3 reads five more rows
/// of the dev series right; at 4 or more the dev corpus's two silent rows are
/// flagged, but five right rows more are flagged too and a generated pair more is
/// certain but wrong; waiving that cost exactly made two generated pairs more
/// certain but wrong.
pub(super) const MOVED_HALF_CREDIT: f32 = 3.0;

/// The other half of a [`MovedHalf`] shares less than this with the copy (the
/// similarity below which a cut's halves read as unrelated paragraphs).
const UNRELATED: f32 = super::UNRELATED_BELOW;

/// The moved copies of a run's rows ([`Moved`]).
pub(super) fn moved(rows: &[RowInput]) -> Moved {
    let none = |r: &RowInput| vec![0.0; r.shape.cuts.len()];
    let mut halves = Vec::new();
    let mut swaps = Vec::new();
    // A long run is decided by a cheaper search, and gets none of this (each cut of
    // each row would be compared with every other row).
    if rows.len() < 2 || rows.len() > EXHAUSTIVE_RUN || rows.iter().all(|r| r.shape.cuts.is_empty())
    {
        return Moved {
            costs: rows.iter().map(none).collect(),
            halves,
            swaps,
        };
    }
    let bags: Vec<Bag> = rows.iter().map(|r| Bag::of(&r.shape.words)).collect();
    find_swaps(rows, &bags, &mut swaps);
    // Each row's distinct words and their counts, when first needed.
    let mut counted: Vec<Option<Counted>> = (0..rows.len()).map(|_| None).collect();
    let costs = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let n = r.shape.words.len();
            if r.shape.cuts.is_empty() {
                return Vec::new();
            }
            // A half of row `i` can match row `s` that well only if the whole row
            // shares enough words with it: most rows of a run share few, and are
            // not compared cut by cut.
            let enough = |s: usize, shared: usize| {
                shared as f32 >= MOVED_COPY / 2.0 * (rows[s].shape.words.len() + 1) as f32
            };
            let mut matches = vec![0.0f32; r.shape.cuts.len()];
            for s in 0..rows.len() {
                if s == i || !enough(s, bags[i].shared_at_most(&bags[s])) {
                    continue;
                }
                let copy = counted[s].get_or_insert_with(|| Counted::of(&rows[s].shape.words));
                let (prefix, suffix) = copy.shared_by_prefixes(&r.shape.words);
                if !enough(s, prefix[n]) {
                    continue;
                }
                let m = copy.len as f32;
                for (j, (c, best)) in r.shape.cuts.iter().zip(&mut matches).enumerate() {
                    let g = c.word;
                    let left = 2.0 * prefix[g] as f32 / (g as f32 + m);
                    let right = 2.0 * suffix[g] as f32 / ((n - g) as f32 + m);
                    *best = best.max(left).max(right);
                    for (moved, other, old_half) in [(left, right, true), (right, left, false)] {
                        if moved >= MOVED_COPY && other < UNRELATED {
                            halves.push(MovedHalf {
                                row: i,
                                cut: j,
                                copy: s,
                                old_half,
                            });
                        }
                    }
                }
            }
            let best = matches.iter().copied().fold(0.0, f32::max);
            if r.shape.cuts.len() < 2 || best < MOVED_COPY {
                return none(r);
            }
            matches.iter().map(|m| MOVED_WEIGHT * (best - m)).collect()
        })
        .collect();
    Moved {
        costs,
        halves,
        swaps,
    }
}

/// Two rows of a run whose halves cross-match: cut at `cuts`, the older half of each
/// matches the newer half of the other at least as well as `similarity`.
pub(super) struct Swap {
    pub(super) rows: [usize; 2],
    pub(super) cuts: [usize; 2],
    pub(super) similarity: f32,
}

/// The swaps among a run's rows, into `out`; `bags` are the rows' [`Bag`]s.
fn find_swaps(rows: &[RowInput], bags: &[Bag], out: &mut Vec<Swap>) {
    let cut: Vec<usize> = (0..rows.len())
        .filter(|&i| !rows[i].shape.cuts.is_empty())
        .collect();
    for (a, &i) in cut.iter().enumerate() {
        for &s in &cut[a + 1..] {
            // Both crossings at `MOVED_COPY` need the rows to share this many words.
            let n = rows[i].shape.words.len() + rows[s].shape.words.len();
            if (bags[i].shared_at_most(&bags[s]) as f32) < MOVED_COPY / 2.0 * n as f32 {
                continue;
            }
            let [hi, hs] = [i, s].map(|r| halves(&rows[r]));
            for (j, [old_i, new_i]) in hi.iter().enumerate() {
                for (l, [old_s, new_s]) in hs.iter().enumerate() {
                    let similarity = dice(old_i, new_s).min(dice(new_i, old_s));
                    if similarity >= MOVED_COPY {
                        out.push(Swap {
                            rows: [i, s],
                            cuts: [j, l],
                            similarity,
                        });
                    }
                }
            }
        }
    }
}

/// Each cut's halves, their words sorted.
fn halves(row: &RowInput) -> Vec<[Vec<u64>; 2]> {
    let w = &row.shape.words;
    let sorted = |w: &[u64]| {
        let mut v = w.to_vec();
        v.sort_unstable();
        v
    };
    row.shape
        .cuts
        .iter()
        .map(|c| [sorted(&w[..c.word]), sorted(&w[c.word..])])
        .collect()
}

/// Dice coefficient of two sorted word multisets.
fn dice(a: &[u64], b: &[u64]) -> f32 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    2.0 * crate::text::shared_sorted(a, b) as f32 / (a.len() + b.len()) as f32
}

/// A row's distinct words (sorted) with how often each occurs.
struct Counted {
    words: Vec<u64>,
    counts: Vec<u32>,
    len: usize,
}

impl Counted {
    fn of(words: &[u64]) -> Counted {
        let mut sorted = words.to_vec();
        sorted.sort_unstable();
        let mut c = Counted {
            words: Vec::new(),
            counts: Vec::new(),
            len: words.len(),
        };
        for w in sorted {
            if c.words.last() == Some(&w) {
                *c.counts.last_mut().expect("a count for each word") += 1;
            } else {
                c.words.push(w);
                c.counts.push(1);
            }
        }
        c
    }

    /// For each `g` in `0..=words.len()`, how many words `words[..g]` (first) and
    /// `words[g..]` (second) share with this row, as multisets.
    fn shared_by_prefixes(&self, words: &[u64]) -> (Vec<usize>, Vec<usize>) {
        let at: Vec<Option<usize>> = words
            .iter()
            .map(|w| self.words.binary_search(w).ok())
            .collect();
        let sweep = |order: &mut dyn Iterator<Item = &Option<usize>>| {
            let mut left = self.counts.clone();
            let mut shared = 0;
            let mut out = Vec::with_capacity(words.len() + 1);
            out.push(0);
            for k in order {
                if let Some(k) = *k {
                    if left[k] > 0 {
                        left[k] -= 1;
                        shared += 1;
                    }
                }
                out.push(shared);
            }
            out
        };
        let prefix = sweep(&mut at.iter());
        let mut suffix = sweep(&mut at.iter().rev());
        suffix.reverse();
        (prefix, suffix)
    }
}

/// A row's words counted into 256 buckets by hash: the sum of the smaller count of
/// each bucket bounds the words two rows share, without sorting either.
struct Bag([u8; 256]);

impl Bag {
    fn of(words: &[u64]) -> Bag {
        let mut b = [0u8; 256];
        for w in words {
            let k = (w >> 56) as usize;
            b[k] = b[k].saturating_add(1);
        }
        Bag(b)
    }

    /// At least the number of words the two rows share (exact when no bucket holds
    /// two different words). A saturated bucket counts as unbounded.
    fn shared_at_most(&self, other: &Bag) -> usize {
        self.0
            .iter()
            .zip(&other.0)
            .map(|(&a, &b)| {
                if a == u8::MAX || b == u8::MAX {
                    usize::from(u16::MAX)
                } else {
                    usize::from(a.min(b))
                }
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dump::split::shape;

    /// The rows of one run, as the decision sees them, handed to `f`.
    fn with_run<T>(rows: &[&str], f: impl FnOnce(&[RowInput]) -> T) -> T {
        let text: String = rows.concat();
        let shapes: Vec<_> = rows.iter().map(|r| shape(r)).collect();
        let mut at = 0;
        let inputs: Vec<RowInput> = rows
            .iter()
            .zip(&shapes)
            .map(|(r, sh)| {
                at += r.len();
                RowInput {
                    dump: &text,
                    span: at - r.len()..at,
                    shape: sh,
                    forced: None,
                }
            })
            .collect();
        f(&inputs)
    }

    /// The first words after cut `j` of `row`.
    fn after(row: &RowInput, j: usize) -> String {
        let right = row.shape.cuts[j].right;
        row.text()[right..].chars().take(12).collect()
    }

    fn costs(rows: &[&str]) -> Vec<Vec<(String, f32)>> {
        with_run(rows, |inputs| {
            moved(inputs)
                .costs
                .into_iter()
                .zip(inputs)
                .map(|(c, r)| {
                    c.into_iter()
                        .enumerate()
                        .map(|(j, c)| (after(r, j), c))
                        .collect()
                })
                .collect()
        })
    }

    #[test]
    fn the_cut_that_leaves_a_moved_paragraph_whole_costs_nothing() {
        // The left paragraph moved down the run (edited: "on Wednesday" dropped); the
        // sentence after it starts the newer paragraph it was paired with.
        let got = costs(&[
            "But the president opposes a new force on Wednesday. On Thursday, he accused the council of plans to “recolonize” the country. The union has a seven-thousand member force in the western region. But violence has continued, and officials say the force is lacking in money.",
            "But the president opposes a new force. On Thursday, he accused the council of plans to “recolonize” the country.",
        ]);
        let first = &got[0];
        let free: Vec<&str> = first
            .iter()
            .filter(|(_, c)| *c == 0.0)
            .map(|(s, _)| s.as_str())
            .collect();
        assert_eq!(free, ["The union ha"], "{first:?}");
        let after_region = first.iter().find(|(s, _)| s == "But violence").unwrap();
        assert!(after_region.1 > 1.5, "{first:?}");
        // The lone row has no cut to rank.
        assert!(got[1].iter().all(|(_, c)| *c == 0.0), "{got:?}");
    }

    /// Words two multisets share, counted the slow way.
    fn shared(a: &[u64], b: &[u64]) -> usize {
        let mut b = b.to_vec();
        a.iter()
            .filter(|w| match b.iter().position(|x| x == *w) {
                Some(k) => {
                    b.swap_remove(k);
                    true
                }
                None => false,
            })
            .count()
    }

    proptest::proptest! {
        #[test]
        fn the_bags_bound_and_the_sweeps_count_shared_words(
            // Few distinct words, so that rows repeat and share them; hashed keys, as
            // the buckets use their top byte.
            a in proptest::collection::vec(0u64..12, 0..40),
            b in proptest::collection::vec(0u64..12, 0..40),
        ) {
            let key = |w: &u64| crate::text::mix(&[*w, 7]);
            let a: Vec<u64> = a.iter().map(key).collect();
            let b: Vec<u64> = b.iter().map(key).collect();
            let exact = shared(&a, &b);
            proptest::prop_assert!(Bag::of(&a).shared_at_most(&Bag::of(&b)) >= exact);
            let (prefix, suffix) = Counted::of(&b).shared_by_prefixes(&a);
            for g in 0..=a.len() {
                proptest::prop_assert_eq!(prefix[g], shared(&a[..g], &b));
                proptest::prop_assert_eq!(suffix[g], shared(&a[g..], &b));
            }
        }
    }

    fn moved_halves(rows: &[&str]) -> Vec<(usize, String, usize, bool)> {
        with_run(rows, |inputs| {
            moved(inputs)
                .halves
                .iter()
                .map(|h| (h.row, after(&inputs[h.row], h.cut), h.copy, h.old_half))
                .collect()
        })
    }

    #[test]
    fn a_half_moved_beside_an_unrelated_paragraph_is_found() {
        // The older paragraph moved down to the third row (a sentence added); a new,
        // unrelated paragraph took its place.
        let got = moved_halves(&[
            "Media interested in attending must register by 5 p.m. on Tuesday with the press office. During his first flight, Rubio completed 5,936 orbits, roughly 328 trips to the Moon and back.",
            "Bowen and Hoburg completed two spacewalks during the mission, and Alneyadi became the first Emirati to walk in space.",
            "Media interested in attending must register by 5 p.m. on Tuesday with the press office. The accreditation policy is online.",
        ]);
        assert!(
            got.contains(&(0, "During his f".into(), 2, true)),
            "{got:?}"
        );
        assert!(got.iter().all(|h| h.0 == 0 && h.2 == 2 && h.3), "{got:?}");
    }

    #[test]
    fn an_edited_paragraph_restated_elsewhere_is_no_moved_half() {
        // Both halves of the first row (one paragraph, edited) match the restatement.
        let got = moved_halves(&[
            "SpaceX and NASA tested the docking system that will connect the lander with Orion. SpaceX and NASA recently tested the docking system that will connect the lunar lander with Orion.",
            "SpaceX and NASA recently tested the docking system that will connect the lunar lander with Orion in lunar orbit.",
        ]);
        assert!(got.is_empty(), "{got:?}");
    }

    #[test]
    fn no_cost_without_a_moved_copy() {
        let got = costs(&[
            "The minister said on Monday that the plan would go ahead. Critics called it rushed and costly for taxpayers.",
            "Rain is expected across the north of the country by the weekend, forecasters said.",
        ]);
        assert!(got.iter().flatten().all(|(_, c)| *c == 0.0), "{got:?}");
    }
}
