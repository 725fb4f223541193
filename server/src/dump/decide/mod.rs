//! Deciding how to read each run of rows between two unchanged rows.
//!
//! News Sniffer pairs paragraphs with diff-lcs `traverse_balanced`: between two
//! unchanged rows the changed pairs come first, then one-sided rows that are all
//! additions or all removals. So a run of `k` rows has few readings: `c` leading
//! changed rows (each cut somewhere) and `k - c` one-sided rows of one polarity. Each
//! reading is scored from evidence; the best wins, and every row whose best rival
//! reading scores close is flagged ambiguous with that rival as the alternative.
//!
//! Evidence, all of it general rather than tuned to particular files:
//! - the halves of an edited paragraph share words, or one holds the other nearly whole
//!   when a sentence was added or dropped (`split`);
//! - two paragraphs joined by position end and start like sentences, and are about
//!   twice as long as a paragraph of the same article;
//! - a version rarely states the same sentence twice: every 5-word shingle that a
//!   reading would put into two paragraphs of the same version costs that reading;
//! - diff-lcs matched every equal pair it could, so one run does not hold an older
//!   paragraph equal to a newer one of another row;
//! - news updates add more than they remove: long one-sided runs are additions, while a
//!   lone one-sided row leans slightly to a removal (both measured on the dev corpus)
//!   and is always flagged.
//!
//! Each run is decided against the unchanged rows (pass 1), then against everything
//! else as pass 1 read it (pass 2); runs that hold the same sentence and that pass 2
//! left unsettled are decided together (`joint`).
//!
//! The constants below were set on the dev corpus and are checked by its accuracy test.

use super::model::{Ambiguity, Reading};
use super::split::{Cut, RowShape};
use crate::text::{mix, FastMap};
use rayon::prelude::*;

mod joint;

const SHINGLE: usize = 5;
/// Rows longer than this (in words) get no shingles: no duplicate evidence, no cost.
const MAX_SHINGLED_WORDS: usize = 20_000;
/// Readings closer than this (in log-odds units) to the best are reported as ambiguous.
pub const FLAG_MARGIN: f32 = 2.2;
/// Cost of each shingle a reading puts into two paragraphs of one version.
const DUPLICATE_COST: f32 = 0.5;

/// Cost of a reading that leaves two equal paragraphs unmatched inside one run.
const UNMATCHED_EQUAL: f32 = 6.0;
/// A paragraph this short (in words) may lack a full stop: "Share", "Related:".
const FURNITURE_WORDS: usize = 3;
/// Below this similarity a cut's halves read as unrelated paragraphs.
const UNRELATED_BELOW: f32 = 0.3;

/// The similarity a half wholly held (in order) by the other counts as: that of a
/// clearly edited paragraph.
const CONTAINED_SIMILARITY: f32 = 0.5;

/// Prior cost of reading a row as two unrelated paragraphs paired by position.
const UNRELATED_PAIRING: f32 = -1.5;

/// At most this much evidence comes from the duplicates of one paragraph: a version
/// rarely, but not never, repeats a sentence.
const DUPLICATE_CAP: f32 = 3.0;

/// A run longer than this is decided with a cheaper search (benchmarks, odd files).
const EXHAUSTIVE_RUN: usize = 48;

#[derive(Clone)]
pub struct RowInput<'a> {
    /// The dump's text and the row's span in it. Sliced only when a decision needs the
    /// words themselves: slicing checks character boundaries, which reads the text, and
    /// an edit builds an input for every row of a large dump.
    pub dump: &'a str,
    pub span: super::model::Span,
    pub shape: RowShape,
    /// A reading a person chose in the sidecar file.
    pub forced: Option<Reading>,
}

impl<'a> RowInput<'a> {
    pub fn text(&self) -> &'a str {
        &self.dump[self.span.clone()]
    }
}

#[derive(Clone, Debug)]
pub struct Decision {
    pub reading: Reading,
    pub confidence: f32,
    pub ambiguity: Option<Ambiguity>,
}

/// A reading of one row inside a run: which cut (index into `shape.cuts`) or side.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Choice {
    Cut(usize),
    Added,
    Removed,
}

/// Shingle multiset keyed by hash: how many paragraphs of a version contain it.
type Counts = FastMap<u64, i32>;

/// The paragraphs outside a run: the unchanged rows (`base`, the same in both
/// versions, so kept once), plus in pass 2 every run's reading (`runs`) minus the
/// run's own.
#[derive(Clone, Copy)]
struct Ext<'a> {
    base: &'a Counts,
    runs: Option<&'a [Counts; 2]>,
    own: Option<&'a [Counts; 2]>,
}

impl Ext<'_> {
    /// Whether the rest of each version holds shingle `h` (the unchanged rows' count is
    /// shared by both versions, so it is looked up once).
    fn holds(&self, h: u64) -> [bool; 2] {
        let count = |c: Option<&Counts>| c.and_then(|c| c.get(&h).copied()).unwrap_or(0);
        let base = count(Some(self.base));
        [0, 1].map(|side| {
            base + count(self.runs.map(|r| &r[side])) - count(self.own.map(|o| &o[side])) >= 1
        })
    }
}

struct RowData {
    /// Shingle hash starting at each word index.
    shingles: Vec<u64>,
}

impl RowData {
    fn new(shape: &RowShape) -> RowData {
        // A giant row (a whole page flattened into one line) is no paragraph worth
        // checking for repeats, and hashing it for every reading would be slow.
        let shingles = if shape.words.len() < SHINGLE || shape.words.len() > MAX_SHINGLED_WORDS {
            Vec::new()
        } else {
            shape.words.windows(SHINGLE).map(mix).collect()
        };
        RowData { shingles }
    }

    /// Distinct shingles of the words `from..to`.
    fn range(&self, from: usize, to: usize) -> Vec<u64> {
        if to < from + SHINGLE || self.shingles.is_empty() {
            return Vec::new();
        }
        let mut v: Vec<u64> = self.shingles[from..=to - SHINGLE].to_vec();
        v.sort_unstable();
        v.dedup();
        v
    }
}

/// The paragraphs (as shingle sets) a row contributes to each version under a choice.
fn halves(shape: &RowShape, data: &RowData, choice: Choice) -> [Vec<u64>; 2] {
    let n = shape.words.len();
    match choice {
        Choice::Cut(i) => {
            let g = shape.cuts[i].word;
            [data.range(0, g), data.range(g, n)]
        }
        Choice::Added => [Vec::new(), data.range(0, n)],
        Choice::Removed => [data.range(0, n), Vec::new()],
    }
}

struct Context {
    /// Typical paragraph length in bytes (median of unchanged paragraphs).
    paragraph_len: f32,
}

fn changed_score(ctx: &Context, shape: &RowShape, cut: &Cut) -> f32 {
    // Shared words: strong evidence of one paragraph edited; few shared words fit two
    // unrelated paragraphs paired by position, which is the rarer explanation. A
    // paragraph that gained or lost a long sentence shares few words with its other
    // half overall, yet holds the lighter half nearly whole and in order.
    let sim = cut.dice.max(CONTAINED_SIMILARITY * cut.contained);
    let mut s = (12.0 * (sim - 0.25)).clamp(-3.0, 8.0);
    if sim < UNRELATED_BELOW {
        s += UNRELATED_PAIRING;
    }
    // Paragraphs end like sentences and start like them; a sentence boundary is no
    // evidence for a cut by itself (one paragraph has many), but its absence is
    // evidence against.
    // (Page furniture such as "Share" or "Advertisement" has no full stop.)
    if !cut.left_ends && cut.word > FURNITURE_WORDS {
        s -= 2.5;
    }
    if !cut.right_starts {
        s -= 2.5;
    }
    s += 0.3 * cut.edge_match as f32;
    if sim < UNRELATED_BELOW {
        // Two paragraphs joined are about twice as long as one.
        let z = (shape.len as f32 / (2.0 * ctx.paragraph_len)).ln();
        s += (1.5 * z).clamp(-2.0, 1.0);
    }
    s
}

/// Prior log-odds for `m` one-sided rows of a polarity, measured on the dev corpus
/// and in line with how news is edited: a lone one-sided row is more often a
/// paragraph that was dropped (a stale line, a correction), while a long run is
/// almost always new material added as the story developed.
fn polarity_prior(added: bool, m: usize) -> f32 {
    if m == 0 {
        return 0.0;
    }
    let added_odds = match m {
        1 => -0.7,
        2 => 0.0,
        _ => 0.9 + 0.8 * (m as f32 - 3.0),
    };
    if added {
        added_odds.max(0.0)
    } else {
        (-added_odds).max(0.0)
    }
}

/// A paragraph a reading may put into a version, reduced to what its duplicate cost
/// needs: most shingles occur nowhere else and can never be shared.
#[derive(Default)]
struct Para {
    /// Distinct shingles the rest of the version (outside the run) already holds.
    outside: u32,
    /// Distinct shingles the rest of the version lacks but another row of the run has:
    /// shared only when the reading puts that row's copy into the same version.
    inside: Vec<u64>,
}

/// Duplicate shingles a reading's paragraphs add to each version.
fn duplicate_cost(paragraphs: &[[&Para; 2]]) -> f32 {
    let mut total = 0.0;
    for side in 0..2 {
        let size: usize = paragraphs.iter().map(|p| p[side].inside.len()).sum();
        let mut here: FastMap<u64, i32> = FastMap::default();
        if size > 0 {
            here.reserve(size);
            for p in paragraphs {
                for h in &p[side].inside {
                    *here.entry(*h).or_default() += 1;
                }
            }
        }
        for p in paragraphs {
            let p = p[side];
            // Shingles this paragraph shares with another paragraph of the version.
            let inside = p.inside.iter().filter(|h| here[h] > 1).count();
            let shared = p.outside as usize + inside;
            total += (shared as f32 * DUPLICATE_COST).min(DUPLICATE_CAP);
        }
    }
    total
}

struct Scored {
    score: f32,
    choices: Vec<Choice>,
}

/// The paragraphs of every choice of every row of a run, computed once.
struct Precomputed {
    /// `cuts[i][j]`: halves of row `i` cut at its `j`th cut.
    cuts: Vec<Vec<[Para; 2]>>,
    /// Whole row as one paragraph, in each version.
    whole: Vec<[Para; 2]>,
    /// Text hashes of the same paragraphs, for the equality constraint.
    cut_text: Vec<Vec<[u64; 2]>>,
    whole_text: Vec<u64>,
}

/// The shingles of one row that can be shared, with the word index each starts at.
struct Sharable {
    /// (word index, shingle, held outside the run in each version)
    at: Vec<(usize, u64, [bool; 2])>,
    /// No shingle occurs twice in `at`: a range of it needs no deduplication.
    distinct: bool,
}

impl Sharable {
    /// The paragraph of words `from..to` in version `side`.
    fn para(&self, from: usize, to: usize, side: usize) -> Para {
        // `at` is in word order: the shingles wholly inside `from..to` are a slice of it.
        let lo = self.at.partition_point(|a| a.0 < from);
        let hi = self.at.partition_point(|a| a.0 + SHINGLE <= to);
        let at = self.at.get(lo..hi).unwrap_or(&[]);
        if self.distinct {
            return Para {
                outside: at.iter().filter(|a| a.2[side]).count() as u32,
                inside: at.iter().filter(|a| !a.2[side]).map(|a| a.1).collect(),
            };
        }
        let mut outside: Vec<u64> = Vec::new();
        let mut inside: Vec<u64> = Vec::new();
        for &(_, h, ext) in at {
            if ext[side] {
                outside.push(h);
            } else {
                inside.push(h);
            }
        }
        outside.sort_unstable();
        outside.dedup();
        inside.sort_unstable();
        inside.dedup();
        Para {
            outside: outside.len() as u32,
            inside,
        }
    }
}

impl Precomputed {
    fn new(rows: &[RowInput], data: &[RowData], ext: Ext) -> Precomputed {
        // Shingles held by more than one row of the run.
        let mut holders: FastMap<u64, (usize, u32)> = FastMap::default();
        if rows.len() > 1 {
            for (i, d) in data.iter().enumerate() {
                for h in &d.shingles {
                    let e = holders.entry(*h).or_insert((i, 0));
                    if e.1 == 0 || e.0 != i {
                        e.0 = i;
                        e.1 += 1;
                    }
                }
            }
        }
        let sharable: Vec<Sharable> = data
            .iter()
            .map(|d| {
                let at: Vec<(usize, u64, [bool; 2])> = d
                    .shingles
                    .iter()
                    .enumerate()
                    .filter_map(|(i, &h)| {
                        let ext = ext.holds(h);
                        let multi = holders.get(&h).is_some_and(|e| e.1 > 1);
                        (ext[0] || ext[1] || multi).then_some((i, h, ext))
                    })
                    .collect();
                let mut hs: Vec<u64> = at.iter().map(|a| a.1).collect();
                hs.sort_unstable();
                let distinct = hs.windows(2).all(|w| w[0] != w[1]);
                Sharable { at, distinct }
            })
            .collect();
        let cuts = rows
            .iter()
            .zip(&sharable)
            .map(|(r, sh)| {
                let n = r.shape.words.len();
                r.shape
                    .cuts
                    .iter()
                    .map(|c| [sh.para(0, c.word, 0), sh.para(c.word, n, 1)])
                    .collect()
            })
            .collect();
        let whole = rows
            .iter()
            .zip(&sharable)
            .map(|(r, sh)| {
                let n = r.shape.words.len();
                [sh.para(0, n, 0), sh.para(0, n, 1)]
            })
            .collect();
        let cut_text = rows
            .iter()
            .map(|r| {
                r.shape
                    .cuts
                    .iter()
                    .map(|c| {
                        [
                            text_hash(&r.text()[..c.at]),
                            text_hash(&r.text()[c.right..]),
                        ]
                    })
                    .collect()
            })
            .collect();
        let whole_text = rows.iter().map(|r| text_hash(r.text())).collect();
        Precomputed {
            cuts,
            whole,
            cut_text,
            whole_text,
        }
    }

    /// Text hashes of the row's paragraph in each version (0 when absent).
    fn texts(&self, i: usize, c: Choice) -> [u64; 2] {
        match c {
            Choice::Cut(j) => self.cut_text[i][j],
            Choice::Added => [0, self.whole_text[i]],
            Choice::Removed => [self.whole_text[i], 0],
        }
    }

    fn paragraphs(&self, i: usize, c: Choice) -> [&Para; 2] {
        const NONE: &Para = &Para {
            outside: 0,
            inside: Vec::new(),
        };
        match c {
            Choice::Cut(j) => [&self.cuts[i][j][0], &self.cuts[i][j][1]],
            Choice::Added => [NONE, &self.whole[i][1]],
            Choice::Removed => [&self.whole[i][0], NONE],
        }
    }
}

fn score_reading(ctx: &Context, rows: &[RowInput], pre: &Precomputed, choices: &[Choice]) -> f32 {
    let paragraphs: Vec<[&Para; 2]> = choices
        .iter()
        .enumerate()
        .map(|(i, c)| pre.paragraphs(i, *c))
        .collect();
    structure_score(ctx, rows, pre, choices) - duplicate_cost(&paragraphs)
}

/// Everything a reading scores but its duplicates: the cuts, the polarity, and the
/// pairs diff-lcs would have matched.
fn structure_score(ctx: &Context, rows: &[RowInput], pre: &Precomputed, choices: &[Choice]) -> f32 {
    let mut s = 0.0;
    let mut one_sided = 0;
    let mut added = false;
    for (row, c) in rows.iter().zip(choices) {
        match *c {
            Choice::Cut(i) => s += changed_score(ctx, &row.shape, &row.shape.cuts[i]),
            Choice::Added => {
                one_sided += 1;
                added = true;
            }
            Choice::Removed => one_sided += 1,
        }
    }
    // diff-lcs matched every pair of equal paragraphs it could: inside one run, an
    // older paragraph equal to a newer one of another row would have been matched
    // (unless they differed only in whitespace, which the flattening hides).
    let texts: Vec<[u64; 2]> = choices
        .iter()
        .enumerate()
        .map(|(i, c)| pre.texts(i, *c))
        .collect();
    let mut unmatched_equal = 0;
    for (a, ta) in texts.iter().enumerate() {
        for (b, tb) in texts.iter().enumerate() {
            if a != b && ta[0] != 0 && ta[0] == tb[1] {
                unmatched_equal += 1;
            }
        }
    }
    s + polarity_prior(added, one_sided) - UNMATCHED_EQUAL * unmatched_equal as f32
}

fn text_hash(s: &str) -> u64 {
    super::choices::fnv(s.as_bytes()) | 1
}

fn allowed(row: &RowInput, c: Choice) -> bool {
    match (row.forced, c) {
        (None, _) => true,
        (Some(Reading::Changed { split }), Choice::Cut(i)) => row.shape.cuts[i].at == split,
        (Some(Reading::Added), Choice::Added) => true,
        (Some(Reading::Removed), Choice::Removed) => true,
        _ => false,
    }
}

/// Decides one run of rows (none of them unchanged).
fn decide_run(ctx: &Context, rows: &[RowInput], ext: Ext) -> Vec<Decision> {
    let data: Vec<RowData> = rows.iter().map(|r| RowData::new(&r.shape)).collect();
    let pre = Precomputed::new(rows, &data, ext);
    decisions(rows, &enumerate(ctx, rows, &pre))
}

/// Scores the readings of a run worth considering: for each number of leading
/// changed rows and each polarity, the locally best cuts, and every single-cut
/// variant of them (the split alternatives a row's confidence is measured against).
fn enumerate(ctx: &Context, rows: &[RowInput], pre: &Precomputed) -> Vec<Scored> {
    let k = rows.len();
    // Rows that can be changed form a prefix; the first row with no cut ends it.
    let c_max = rows
        .iter()
        .position(|r| {
            r.shape.cuts.is_empty() || matches!(r.forced, Some(Reading::Added | Reading::Removed))
        })
        .unwrap_or(k);
    // A forced changed row must be inside the changed prefix.
    let c_min = rows
        .iter()
        .rposition(|r| matches!(r.forced, Some(Reading::Changed { .. })))
        .map(|i| i + 1)
        .unwrap_or(0)
        .min(c_max);
    let c_hi = if k > EXHAUSTIVE_RUN {
        // Cheap search: rows whose best cut is strongly similar are surely changed.
        let strong = rows[..c_max]
            .iter()
            .position(|r| r.shape.best().is_none_or(|c| c.dice < 0.5))
            .unwrap_or(c_max);
        (strong.max(c_min) + 2).min(c_max)
    } else {
        c_max
    };
    let mut all: Vec<Scored> = Vec::new();
    for c in c_min..=c_hi.max(c_min) {
        let polarities: &[Choice] = if c == k {
            &[Choice::Added]
        } else {
            &[Choice::Added, Choice::Removed]
        };
        for &p in polarities {
            let mut choices: Vec<Choice> = Vec::with_capacity(k);
            let mut ok = true;
            for (i, row) in rows.iter().enumerate() {
                let choice = if i < c {
                    // Locally best allowed cut.
                    let best = (0..row.shape.cuts.len())
                        .filter(|&j| allowed(row, Choice::Cut(j)))
                        .max_by(|&a, &b| {
                            changed_score(ctx, &row.shape, &row.shape.cuts[a])
                                .total_cmp(&changed_score(ctx, &row.shape, &row.shape.cuts[b]))
                        });
                    match best {
                        Some(j) => Choice::Cut(j),
                        None => {
                            ok = false;
                            break;
                        }
                    }
                } else {
                    if !allowed(row, p) {
                        ok = false;
                        break;
                    }
                    p
                };
                choices.push(choice);
            }
            if !ok {
                continue;
            }
            let mut score = score_reading(ctx, rows, pre, &choices);
            // One pass of coordinate improvement over the cuts, recording every
            // variant as a reading of its own (they are the split alternatives).
            for i in 0..c {
                let current = choices[i];
                let mut best = (score, current);
                for j in 0..rows[i].shape.cuts.len() {
                    let alt = Choice::Cut(j);
                    if alt == current || !allowed(&rows[i], alt) {
                        continue;
                    }
                    choices[i] = alt;
                    let s = score_reading(ctx, rows, pre, &choices);
                    all.push(Scored {
                        score: s,
                        choices: choices.clone(),
                    });
                    if s > best.0 {
                        best = (s, alt);
                    }
                }
                choices[i] = best.1;
                score = best.0;
            }
            all.push(Scored { score, choices });
        }
    }
    all
}

/// Each row's decision from the scored readings of its run: the best reading, with a
/// confidence from the margin to the best reading that reads the row otherwise.
fn decisions(rows: &[RowInput], all: &[Scored]) -> Vec<Decision> {
    let k = rows.len();
    let Some(best_idx) = (0..all.len()).max_by(|&a, &b| all[a].score.total_cmp(&all[b].score))
    else {
        // Only reachable when choices contradict each other: fall back to the
        // unconstrained reading of each row as one-sided.
        return rows
            .iter()
            .map(|_| Decision {
                reading: Reading::Added,
                confidence: 0.0,
                ambiguity: Some(Ambiguity {
                    alternative: Reading::Removed,
                    reason: "the choices recorded for this run contradict each other".into(),
                }),
            })
            .collect();
    };
    let best = &all[best_idx];
    (0..k)
        .map(|i| {
            let chosen = best.choices[i];
            let rival = all
                .iter()
                .filter(|s| s.choices[i] != chosen)
                .max_by(|a, b| a.score.total_cmp(&b.score));
            let reading = to_reading(&rows[i].shape, chosen);
            if rows[i].forced.is_some() {
                return Decision {
                    reading,
                    confidence: 1.0,
                    ambiguity: None,
                };
            }
            match rival {
                None => Decision {
                    reading,
                    confidence: 1.0,
                    ambiguity: None,
                },
                Some(r) => {
                    let margin = best.score - r.score;
                    let confidence = 1.0 / (1.0 + (-margin).exp());
                    let alternative = to_reading(&rows[i].shape, r.choices[i]);
                    let ambiguity = (margin < FLAG_MARGIN).then(|| Ambiguity {
                        alternative,
                        reason: reason(rows[i].text(), &rows[i].shape, reading, alternative).into(),
                    });
                    Decision {
                        reading,
                        confidence,
                        ambiguity,
                    }
                }
            }
        })
        .collect()
}

fn to_reading(shape: &RowShape, c: Choice) -> Reading {
    match c {
        Choice::Cut(i) => Reading::Changed {
            split: shape.cuts[i].at,
        },
        Choice::Added => Reading::Added,
        Choice::Removed => Reading::Removed,
    }
}

/// Why a decision is uncertain, for a person.
fn reason(text: &str, shape: &RowShape, chosen: Reading, alt: Reading) -> String {
    let word_before = |at: usize| -> String {
        let w = text[..at].split_whitespace().last().unwrap_or("");
        w.chars().take(30).collect()
    };
    match (chosen, alt) {
        (Reading::Added, Reading::Removed) | (Reading::Removed, Reading::Added) => {
            "nothing in the dump shows whether this paragraph was added or removed: a one-sided row reads the same either way".into()
        }
        (Reading::Changed { split: a }, Reading::Changed { split: b }) => format!(
            "the row could also be cut after “{}” instead of after “{}”",
            word_before(b),
            word_before(a)
        ),
        (Reading::Changed { .. }, _) => {
            let related = shape.best().is_some_and(|c| c.dice >= 0.4);
            if related {
                "the halves are similar, but the row could also be a single paragraph".into()
            } else {
                "the two halves share few words: they may be two unrelated paragraphs paired by position, or one paragraph".into()
            }
        }
        (_, Reading::Changed { split }) => format!(
            "the row could also be two paragraphs, an older one ending “{}” and a newer one after it",
            word_before(split)
        ),
        _ => "the evidence for this reading is weak".into(),
    }
}

/// A run's decisions and what they put into the versions, kept between reads.
struct RunState {
    rows: std::ops::Range<usize>,
    /// Pass 1: the run against the unchanged rows only.
    first: Vec<Decision>,
    /// The shingles pass 1's reading puts into each version.
    contribution: [Counts; 2],
    /// Pass 2: the run against everything else as pass 1 read it.
    second: Vec<Decision>,
    /// Every shingle of the run's rows, sorted (computed when first needed).
    shingles: Option<Vec<u64>>,
    /// The shingles pass 1's reading shares with another run's reading and with no
    /// unchanged row (sorted; empty when the run is not coupled to another).
    coupling: Vec<u64>,
    /// The decisions of the cluster of coupled runs this run belongs to, decided
    /// jointly; they replace pass 2's.
    joint: Option<Vec<Decision>>,
}

/// The distinct shingles a run's decisions can look up.
fn run_shingles(rows: &[RowInput]) -> Vec<u64> {
    let mut v: Vec<u64> = rows
        .iter()
        .flat_map(|r| RowData::new(&r.shape).shingles)
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Which rows of a new read are rows of the previous one, unchanged: rows before
/// `prefix` keep their index, rows from `new_end` on were rows from `old_end` on;
/// the rows between are new.
#[derive(Clone, Copy, Debug)]
pub struct RowMap {
    pub prefix: usize,
    pub old_end: usize,
    pub new_end: usize,
}

impl RowMap {
    pub fn old_of(&self, i: usize) -> Option<usize> {
        if i < self.prefix {
            Some(i)
        } else if i >= self.new_end {
            Some(i - self.new_end + self.old_end)
        } else {
            None
        }
    }
}

/// The evidence behind every decision, kept so that a read after a small edit
/// re-decides only the runs the edit can change. Every decision depends on the
/// typical paragraph length, on which shingles the rest of the dump holds (only
/// whether a count is zero matters, but any change of a count is treated as a
/// change), and on its own rows; a run none of whose inputs changed keeps its
/// decisions, so the result is exactly what [`DecideState::new`] gives.
pub struct DecideState {
    paragraph_len: f32,
    /// The paragraph length of each unchanged row, sorted (for `paragraph_len`).
    unchanged_lens: Vec<usize>,
    runs: Vec<RunState>,
    /// Shingles of the unchanged rows (the same for both versions).
    base: Counts,
    /// Every run's contribution, per version.
    runs_counts: [Counts; 2],
    /// More than one run: pass 2 is needed.
    multi: bool,
}

/// An unchanged row: doubled, and not read otherwise by a person's choice.
fn is_anchor(r: &RowInput) -> bool {
    match r.forced {
        Some(Reading::Unchanged) | None => r.shape.doubled,
        Some(_) => false,
    }
}

/// Once its shingles are counted, an unchanged row's word keys are needed no more
/// (they are most of the reader's memory): drop them.
fn drop_anchor_words(rows: &mut [RowInput]) {
    for r in rows.iter_mut().filter(|r| is_anchor(r)) {
        r.shape.words = Vec::new();
    }
}

/// Runs of rows between anchors (unchanged rows).
fn runs_of(rows: &[RowInput]) -> Vec<std::ops::Range<usize>> {
    let mut runs: Vec<std::ops::Range<usize>> = Vec::new();
    let mut start = None;
    for (i, r) in rows.iter().enumerate() {
        if is_anchor(r) {
            if let Some(s) = start.take() {
                runs.push(s..i);
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        runs.push(s..rows.len());
    }
    runs
}

/// The paragraph length of each unchanged row, sorted.
fn unchanged_lens(rows: &[RowInput]) -> Vec<usize> {
    let mut lens: Vec<usize> = rows
        .iter()
        .filter(|r| r.shape.doubled)
        .map(|r| r.shape.len / 2)
        .collect();
    lens.sort_unstable();
    lens
}

/// Typical paragraph length: the median of the unchanged paragraphs (`lens`, sorted),
/// or of all rows when none is unchanged.
fn paragraph_len(lens: &[usize], rows: &[RowInput]) -> f32 {
    if let Some(m) = lens.get(lens.len() / 2) {
        return (*m).max(1) as f32;
    }
    let mut all: Vec<usize> = rows.iter().map(|r| r.shape.len).collect();
    if all.is_empty() {
        return 200.0;
    }
    let mid = all.len() / 2;
    let (_, m, _) = all.select_nth_unstable(mid);
    (*m).max(1) as f32
}

/// Takes the unchanged paragraph lengths of `removed` out of `lens` (sorted) and puts
/// those of `added` in.
fn update_lens(lens: &mut Vec<usize>, removed: &[RowInput], added: &[RowInput]) {
    for r in removed.iter().filter(|r| r.shape.doubled) {
        if let Ok(at) = lens.binary_search(&(r.shape.len / 2)) {
            lens.remove(at);
        }
    }
    for r in added.iter().filter(|r| r.shape.doubled) {
        let len = r.shape.len / 2;
        let at = lens.partition_point(|&l| l < len);
        lens.insert(at, len);
    }
}

/// The distinct shingles an unchanged row puts into each version.
fn unchanged_shingles(r: &RowInput) -> Vec<u64> {
    // An anchor of an earlier read has had its words dropped: shape it again.
    let reshaped;
    let shape = if r.shape.words.is_empty() && !r.span.is_empty() {
        reshaped = super::split::shape(r.text());
        &reshaped
    } else {
        &r.shape
    };
    RowData::new(shape).range(0, shape.words.len() / 2)
}

/// Adds `n` to a shingle's count (dropping it at zero), remembering the count it
/// had before the first change (`before`).
fn add_counts(counts: &mut Counts, h: u64, n: i32, before: &mut Counts) {
    if n == 0 {
        return;
    }
    let e = counts.entry(h).or_default();
    before.entry(h).or_insert(*e);
    *e += n;
    if *e == 0 {
        counts.remove(&h);
    }
}

/// Adds a run's contribution to both versions' counts.
fn add_all(counts: &mut [Counts; 2], contribution: &[Counts; 2]) {
    for (all, c) in counts.iter_mut().zip(contribution) {
        for (h, n) in c {
            *all.entry(*h).or_default() += n;
        }
    }
}

/// Adds (`sign` 1) or removes (-1) a run's contribution to both versions' counts.
fn apply(
    counts: &mut [Counts; 2],
    contribution: &[Counts; 2],
    sign: i32,
    before: &mut [Counts; 2],
) {
    for ((all, c), b) in counts.iter_mut().zip(contribution).zip(before.iter_mut()) {
        for (h, n) in c {
            add_counts(all, *h, sign * n, b);
        }
    }
}

/// What pass 1's reading of a run puts into each version.
fn contribution(rows: &[RowInput], ds: &[Decision]) -> [Counts; 2] {
    let mut c: [Counts; 2] = [Counts::default(), Counts::default()];
    for (row, d) in rows.iter().zip(ds) {
        let data = RowData::new(&row.shape);
        let choice = match d.reading {
            Reading::Changed { split } => Choice::Cut(
                row.shape
                    .cuts
                    .iter()
                    .position(|c| c.at == split)
                    .unwrap_or(0),
            ),
            Reading::Removed => Choice::Removed,
            _ => Choice::Added,
        };
        let h = halves(&row.shape, &data, choice);
        for side in 0..2 {
            for s in &h[side] {
                *c[side].entry(*s).or_default() += 1;
            }
        }
    }
    c
}

/// How an update changed one shingle's counts: the unchanged rows' count before and
/// after, and per version the whole count (unchanged rows plus every run's reading)
/// before and after.
#[derive(Clone, Copy)]
struct CountChange {
    shingle: u64,
    base: [i32; 2],
    sides: [(i32, i32); 2],
}

/// The shingles whose counts changed, with the counts before and after, per version.
///
/// A decision only asks whether the *rest* of the dump holds a shingle: the count
/// minus the run's own contribution `o` is at least 1. That answer changes from
/// `before` to `after` exactly when `o` lies in `min(before, after)..max(before, after)`,
/// so most count changes (5 copies to 4) change no decision at all.
struct Changed {
    bits: Vec<u64>,
    ranges: FastMap<u64, [Option<(i32, i32)>; 2]>,
}

impl Changed {
    const BITS: usize = 1 << 16;

    /// From each touched shingle's (before, after) count in each version.
    fn new(touched: impl Iterator<Item = (u64, [(i32, i32); 2])>) -> Changed {
        let mut ranges: FastMap<u64, [Option<(i32, i32)>; 2]> = FastMap::default();
        for (h, sides) in touched {
            for (side, (old, new)) in sides.into_iter().enumerate() {
                if new != old {
                    ranges.entry(h).or_default()[side] = Some((new.min(old), new.max(old)));
                }
            }
        }
        let mut bits = vec![0u64; Self::BITS / 64];
        for h in ranges.keys() {
            let b = (*h as usize) % Self::BITS;
            bits[b / 64] |= 1 << (b % 64);
        }
        Changed { bits, ranges }
    }

    /// The before/after range of shingle `h` in each version, when its count changed.
    fn get(&self, h: u64) -> Option<&[Option<(i32, i32)>; 2]> {
        let b = (h as usize) % Self::BITS;
        if self.bits[b / 64] & (1 << (b % 64)) == 0 {
            return None;
        }
        self.ranges.get(&h)
    }

    /// Whether the count of any of `shingles` changed.
    fn touches(&self, shingles: &[u64]) -> bool {
        !self.ranges.is_empty() && shingles.iter().any(|&h| self.get(h).is_some())
    }

    /// Whether a run whose own contribution is `own` (none in pass 1) could decide
    /// differently.
    fn hits(&self, shingles: &[u64], own: Option<&[Counts; 2]>) -> bool {
        if self.ranges.is_empty() {
            return false;
        }
        shingles.iter().any(|&h| {
            let Some(sides) = self.get(h) else {
                return false;
            };
            (0..2).any(|side| {
                sides[side].is_some_and(|(lo, hi)| {
                    let o = own.and_then(|c| c[side].get(&h).copied()).unwrap_or(0);
                    lo <= o && o < hi
                })
            })
        })
    }
}

impl DecideState {
    /// Decides every row from scratch.
    pub fn new(rows: &mut [RowInput]) -> (DecideState, Vec<Decision>) {
        let ranges = runs_of(rows);
        let unchanged_lens = unchanged_lens(rows);
        let paragraph_len = paragraph_len(&unchanged_lens, rows);
        let ctx = Context { paragraph_len };
        let mut base = Counts::default();
        for r in rows.iter().filter(|r| r.shape.doubled) {
            for h in unchanged_shingles(r) {
                *base.entry(h).or_default() += 1;
            }
        }
        drop_anchor_words(rows);
        let rows: &[RowInput] = rows;
        let mut runs: Vec<RunState> = ranges
            .par_iter()
            .map(|r| {
                let (first, contribution) = first_pass(&ctx, &rows[r.clone()], &base);
                RunState {
                    rows: r.clone(),
                    first,
                    contribution,
                    second: Vec::new(),
                    shingles: None,
                    coupling: Vec::new(),
                    joint: None,
                }
            })
            .collect();
        let mut runs_counts: [Counts; 2] = [Counts::default(), Counts::default()];
        for run in &runs {
            add_all(&mut runs_counts, &run.contribution);
        }
        let multi = runs.len() > 1;
        runs.par_iter_mut().for_each(|run| {
            run.second = second_pass(&ctx, rows, &base, &runs_counts, run, multi);
            if multi {
                run.coupling = joint::coupling(&run.contribution, &base, &runs_counts);
            }
        });
        joint::decide_clusters(&ctx, rows, &base, &runs_counts, &mut runs);
        let out = decisions_of(rows.len(), &runs);
        let state = DecideState {
            paragraph_len,
            unchanged_lens,
            runs,
            base,
            runs_counts,
            multi,
        };
        (state, out)
    }

    /// Decides the rows of a new read whose rows relate to the previous read's by
    /// `map`; `removed` are the previous read's rows `map.prefix..map.old_end`.
    /// Gives exactly what [`DecideState::new`] gives for `rows`.
    pub fn update(
        &mut self,
        rows: &mut [RowInput],
        removed: &[RowInput],
        map: RowMap,
    ) -> Vec<Decision> {
        let ranges = runs_of(rows);
        update_lens(
            &mut self.unchanged_lens,
            removed,
            &rows[map.prefix..map.new_end],
        );
        let paragraph_len = paragraph_len(&self.unchanged_lens, rows);
        let ctx = Context { paragraph_len };
        let redo_all = paragraph_len != self.paragraph_len;
        // Unchanged rows that left or joined.
        // Counts before this update of every shingle touched.
        let mut base_before = Counts::default();
        let mut runs_before = [Counts::default(), Counts::default()];
        let window = &rows[map.prefix..map.new_end];
        for (rs, sign) in [(removed, -1), (window, 1)] {
            for r in rs.iter().filter(|r| r.shape.doubled) {
                for h in unchanged_shingles(r) {
                    add_counts(&mut self.base, h, sign, &mut base_before);
                }
            }
        }
        drop_anchor_words(&mut rows[map.prefix..map.new_end]);
        let rows: &[RowInput] = rows;
        let base_changed = Changed::new(base_before.iter().map(|(h, old)| {
            let new = self.base.get(h).copied().unwrap_or(0);
            (*h, [(*old, new), (*old, new)])
        }));
        // Match each new run to the previous run it repeats, if any.
        // The previous runs are in row order: found by their first row.
        let old_starts: Vec<usize> = self.runs.iter().map(|r| r.rows.start).collect();
        let mut old: Vec<Option<RunState>> = std::mem::take(&mut self.runs)
            .into_iter()
            .map(Some)
            .collect();
        let mut matched: Vec<Option<RunState>> = ranges
            .iter()
            .map(|r| {
                // Only a run wholly before or wholly after the new rows can repeat one.
                if r.start < map.new_end && r.end > map.prefix {
                    return None;
                }
                let k = old_starts.binary_search(&map.old_of(r.start)?).ok()?;
                match &old[k] {
                    Some(o) if o.rows.len() == r.len() => old[k].take(),
                    _ => None,
                }
            })
            .collect();
        matched.par_iter_mut().zip(&ranges).for_each(|(m, r)| {
            if let Some(run) = m {
                if run.shingles.is_none() {
                    run.shingles = Some(run_shingles(&rows[r.clone()]));
                }
            }
        });
        // Runs that are gone take their contributions with them.
        let gone = || old.iter().flatten();
        let mut clusters_stale = redo_all || gone().any(|r| !r.coupling.is_empty());
        for run in gone() {
            apply(
                &mut self.runs_counts,
                &run.contribution,
                -1,
                &mut runs_before,
            );
        }
        drop(old);
        // Pass 1 again where a run is new or the unchanged rows' shingles it looks up changed.
        let redo_first: Vec<bool> = ranges
            .par_iter()
            .zip(&matched)
            .map(|(_, m)| match m {
                None => true,
                Some(run) => {
                    redo_all || base_changed.hits(run.shingles.as_deref().unwrap_or(&[]), None)
                }
            })
            .collect();
        let base = &self.base;
        let fresh: Vec<Option<(Vec<Decision>, [Counts; 2])>> = ranges
            .par_iter()
            .zip(&redo_first)
            .map(|(r, redo)| redo.then(|| first_pass(&ctx, &rows[r.clone()], base)))
            .collect();
        let mut runs: Vec<RunState> = Vec::with_capacity(ranges.len());
        for ((r, m), f) in ranges.iter().zip(matched.iter_mut()).zip(fresh) {
            let run = match (m.take(), f) {
                (Some(mut run), None) => {
                    run.rows = r.clone();
                    run
                }
                (mut prev, Some((first, contribution))) => {
                    let shingles = prev.as_mut().and_then(|p| p.shingles.take());
                    // Kept until recomputed below, to tell whether the run was coupled.
                    let coupling = prev
                        .as_mut()
                        .map(|p| std::mem::take(&mut p.coupling))
                        .unwrap_or_default();
                    if let Some(p) = prev {
                        apply(&mut self.runs_counts, &p.contribution, -1, &mut runs_before);
                    }
                    apply(&mut self.runs_counts, &contribution, 1, &mut runs_before);
                    RunState {
                        rows: r.clone(),
                        first,
                        contribution,
                        second: Vec::new(),
                        shingles,
                        coupling,
                        joint: None,
                    }
                }
                (None, None) => unreachable!("a run with no previous state is always redone"),
            };
            runs.push(run);
        }
        // Pass 2 again where pass 1 changed, or what the rest of the dump holds changed.
        // What each version's rest holds: unchanged rows plus every run's reading.
        let (base, runs_counts) = (&self.base, &self.runs_counts);
        let count = |c: &Counts, h: &u64| c.get(h).copied().unwrap_or(0);
        let changes: Vec<CountChange> = base_before
            .keys()
            .chain(runs_before[0].keys())
            .chain(runs_before[1].keys())
            .map(|h| {
                let base_old = base_before.get(h).copied().unwrap_or(count(base, h));
                let sides = [0, 1].map(|side| {
                    let runs_old = runs_before[side]
                        .get(h)
                        .copied()
                        .unwrap_or(count(&runs_counts[side], h));
                    (
                        base_old + runs_old,
                        count(base, h) + count(&runs_counts[side], h),
                    )
                });
                CountChange {
                    shingle: *h,
                    base: [base_old, count(base, h)],
                    sides,
                }
            })
            .collect();
        let all_changed = Changed::new(changes.iter().map(|c| (c.shingle, c.sides)));
        let touched = joint::coupling_changes(changes.into_iter());
        let multi = runs.len() > 1;
        let was_multi = self.multi;
        // Whether the clusters of coupled runs must be decided again: a run that is or
        // was coupled changed, or so did what the rest of the dump holds of its shingles.
        let coupled_changed = runs
            .par_iter_mut()
            .zip(&redo_first)
            .map(|(run, redo)| {
                let shingles = run.shingles.as_deref().unwrap_or(&[]);
                let was_coupled = !run.coupling.is_empty();
                let redo = *redo || multi != was_multi;
                let mut coupling_changed = false;
                if redo || touched.touches(shingles) {
                    let now = if multi {
                        joint::coupling(&run.contribution, base, runs_counts)
                    } else {
                        Vec::new()
                    };
                    coupling_changed = now != run.coupling;
                    run.coupling = now;
                }
                let stale = redo || all_changed.hits(shingles, Some(&run.contribution));
                if stale {
                    run.second = second_pass(&ctx, rows, base, runs_counts, run, multi);
                }
                let coupled = !run.coupling.is_empty();
                (was_coupled || coupled)
                    && (stale
                        || coupling_changed
                        || joint::rest_may_change(&touched, shingles, &run.contribution))
            })
            .reduce(|| false, |a, b| a || b);
        clusters_stale |= coupled_changed;
        if clusters_stale {
            joint::decide_clusters(&ctx, rows, base, runs_counts, &mut runs);
        }
        let out = decisions_of(rows.len(), &runs);
        self.runs = runs;
        self.paragraph_len = paragraph_len;
        self.multi = multi;
        out
    }
}

/// Pass 1 of a run: its decisions against the unchanged rows only, and what that
/// reading puts into each version.
fn first_pass(ctx: &Context, rows: &[RowInput], base: &Counts) -> (Vec<Decision>, [Counts; 2]) {
    let ext = Ext {
        base,
        runs: None,
        own: None,
    };
    let first = decide_run(ctx, rows, ext);
    let c = contribution(rows, &first);
    (first, c)
}

/// Pass 2 of a run: its decisions against the unchanged rows and every other run as
/// pass 1 read it (pass 1's decisions when the run is the only one).
fn second_pass(
    ctx: &Context,
    rows: &[RowInput],
    base: &Counts,
    runs_counts: &[Counts; 2],
    run: &RunState,
    multi: bool,
) -> Vec<Decision> {
    if !multi {
        return run.first.clone();
    }
    let ext = Ext {
        base,
        runs: Some(runs_counts),
        own: Some(&run.contribution),
    };
    decide_run(ctx, &rows[run.rows.clone()], ext)
}

/// Every row's decision: the runs' (in order), and unchanged between them.
fn decisions_of(rows: usize, runs: &[RunState]) -> Vec<Decision> {
    let unchanged = Decision {
        reading: Reading::Unchanged,
        confidence: 1.0,
        ambiguity: None,
    };
    let mut out = Vec::with_capacity(rows);
    for run in runs {
        out.resize(run.rows.start, unchanged.clone());
        out.extend_from_slice(run.joint.as_ref().unwrap_or(&run.second));
        debug_assert_eq!(out.len(), run.rows.end);
    }
    out.resize(rows, unchanged);
    out
}
