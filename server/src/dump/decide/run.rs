//! Scoring the readings of one run and deciding each of its rows.

use super::counts::Base;
use super::{
    Choice, Context, Counts, Decision, RowInput, CONTAINED_SIMILARITY, DUPLICATE_CAP,
    DUPLICATE_COST, EXHAUSTIVE_RUN, FLAG_MARGIN, FURNITURE_WORDS, MAX_SHINGLED_WORDS, SHINGLE,
    UNMATCHED_EQUAL, UNRELATED_BELOW, UNRELATED_PAIRING,
};
use crate::dump::model::{Ambiguity, Reading};
use crate::dump::split::{Cut, RowShape};
use crate::text::{mix, FastMap};
use std::ops::Range;

/// The paragraphs outside a run: the unchanged rows (`base`, the same in both
/// versions, so kept once), plus in pass 2 every run's reading (`runs`) minus the
/// run's own.
#[derive(Clone, Copy)]
pub(super) struct Ext<'a> {
    pub(super) base: &'a Base,
    pub(super) runs: Option<&'a [Counts; 2]>,
    pub(super) own: Option<&'a [Counts; 2]>,
}

impl Ext<'_> {
    /// Whether the rest of each version holds shingle `h` (the unchanged rows' count is
    /// shared by both versions, so it is looked up once).
    pub(super) fn holds(&self, h: u64) -> [bool; 2] {
        let base = self.base.count(h);
        [0, 1].map(|side| base + self.other_runs(h, side) >= 1)
    }

    /// Whether [`Ext::holds`] gives for `h` what it gives with the unchanged rows alone
    /// (the other runs add nothing to either version that the run's own reading
    /// did not).
    pub(super) fn holds_as_base(&self, h: u64) -> bool {
        let delta = [0, 1].map(|side| self.other_runs(h, side));
        if delta == [0, 0] {
            return true;
        }
        let base = self.base.count(h);
        delta.iter().all(|d| (base >= 1) == (base + d >= 1))
    }

    /// What the other runs (every run's reading, less this run's own) put of `h` into
    /// version `side`.
    fn other_runs(&self, h: u64, side: usize) -> i32 {
        let count = |c: Option<&[Counts; 2]>| c.and_then(|c| c[side].get(&h).copied()).unwrap_or(0);
        count(self.runs) - count(self.own)
    }
}

pub(super) struct RowData {
    /// Shingle hash starting at each word index.
    pub(super) shingles: Vec<u64>,
}

impl RowData {
    /// Each row's data.
    pub(super) fn of(rows: &[RowInput]) -> Vec<RowData> {
        rows.iter().map(|r| RowData::new(r.shape)).collect()
    }

    pub(super) fn new(shape: &RowShape) -> RowData {
        let shingles = if RowData::shingled(shape.words.len()) {
            shape.words.windows(SHINGLE).map(mix).collect()
        } else {
            Vec::new()
        };
        RowData { shingles }
    }

    /// Whether a row of `words` words is shingled. A giant row (a whole page
    /// flattened into one line) is no paragraph worth checking for repeats, and
    /// hashing it for every reading would be slow.
    pub(super) fn shingled(words: usize) -> bool {
        (SHINGLE..=MAX_SHINGLED_WORDS).contains(&words)
    }

    /// Distinct shingles of the words `from..to`.
    pub(super) fn range(&self, from: usize, to: usize) -> Vec<u64> {
        if to < from + SHINGLE || self.shingles.is_empty() {
            return Vec::new();
        }
        distinct(self.shingles[from..=to - SHINGLE].to_vec())
    }
}

/// The distinct values of `v`, sorted.
pub(super) fn distinct(mut v: Vec<u64>) -> Vec<u64> {
    v.sort_unstable();
    v.dedup();
    v
}

/// The paragraphs (as shingle sets) a row contributes to each version under a choice.
pub(super) fn halves(shape: &RowShape, data: &RowData, choice: Choice) -> [Vec<u64>; 2] {
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

/// Log-odds that a row reading `A B A` is cut `A B | A` rather than `A | B A` (the
/// paragraph kept its opening sentence): measured 12 to 0 over the real example and the
/// dev corpus, ln((12 + 1) / (0 + 1)) with one pseudo-count each way.
const REPEAT_PRIOR: f32 = 2.56;

/// Weight of each tenth of [`Cut::edge_match`].
const EDGE_WEIGHT: f32 = 0.3;

/// A row that reads `A B A` can be cut as `A B | A` (a sentence dropped from the end
/// of the paragraph) or as `A | B A` (one added at its start): both leave the same
/// words in common, and only the edges tell them apart (an edited paragraph usually
/// keeps its opening words), which the text itself does not settle. For cut `j` of
/// such a row, the index of the other cut.
fn repeat_twin(shape: &RowShape, j: usize) -> Option<usize> {
    let w = &shape.words;
    let g = shape.cuts[j].word;
    let n = w.len();
    if g == 0 || g >= n || 2 * g == n {
        return None;
    }
    let a = g.min(n - g);
    (w[..a] == w[n - a..])
        .then(|| shape.cuts.iter().position(|c| c.word == n - g))
        .flatten()
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
    s += EDGE_WEIGHT * cut.edge_match as f32;
    if sim < UNRELATED_BELOW {
        // Two paragraphs joined are about twice as long as one.
        let z = (shape.len as f32 / (2.0 * ctx.paragraph_len)).ln();
        s += (1.5 * z).clamp(-2.0, 1.0);
    }
    s
}

/// Prior log-odds for `m` one-sided rows that are only in the later version (`added`)
/// or only in the earlier one, measured on the dev corpus and in line with how news is
/// edited: a lone one-sided row is more often a paragraph that was dropped (a stale
/// line, a correction), while a long run is almost always new material added as the
/// story developed. Two rows fall between: 8 runs added and 7 removed over the real
/// example, the dev corpus and its series, ln((8 + 1) / (7 + 1)) with one pseudo-count
/// each way, so a tie leans to added.
fn polarity_prior(added: bool, m: usize) -> f32 {
    if m == 0 {
        return 0.0;
    }
    let added_odds = match m {
        1 => -0.7,
        2 => 0.12,
        _ => 0.9 + 0.8 * (m as f32 - 3.0),
    };
    if added {
        added_odds.max(0.0)
    } else {
        (-added_odds).max(0.0)
    }
}

/// Log-odds against reading one-sided rows that are most of the dump (see
/// [`most_of_dump`]) as what the story lost: an update rarely takes away most of an
/// article, while a short first version (a stub, "This story will be updated")
/// growing into a full one is common. Measured 8 to 0 over the real example and the
/// dev corpus with its series, all additions: ln((8 + 1) / (0 + 1)) with one
/// pseudo-count each way.
const SHRINK_PRIOR: f32 = 2.2;

/// Whether `m` one-sided rows are most of a dump of `rows` rows: more than two thirds,
/// so that a removal would leave at most half as many paragraphs as it took (even if
/// every other row were in the later version). At half the rows instead, one
/// generated page in 512 went certain but wrong and no dev figure changed.
pub(super) fn most_of_dump(m: usize, rows: usize) -> bool {
    3 * m > 2 * rows
}

/// A paragraph a reading may put into a version, reduced to what its duplicate cost
/// needs: most shingles occur nowhere else and can never be shared.
#[derive(Default)]
pub(super) struct Para {
    /// Distinct shingles the rest of the version (outside the run) already holds.
    outside: u32,
    /// Distinct shingles the rest of the version lacks but another row of the run has:
    /// shared only when the reading puts that row's copy into the same version.
    inside: Vec<u64>,
    /// How many of `inside`, at its start, the rest of the other version holds.
    moved_out: u32,
}

/// Duplicate shingles a reading's paragraphs add to each version, less the credit of
/// each lone one-sided row for text moved to or from an edited paragraph of another
/// run. `runs` are the ranges of `paragraphs` (and `choices`) that are runs of their
/// own.
///
/// The credit is the mirror of the duplicate cost: text that the other version holds
/// elsewhere and the row's own version does not is a passage split off from an edited
/// paragraph (so the row was added) or merged into one (removed). Among the runs
/// scored together only an edited paragraph's text counts; the rest of the dump is
/// known by its shingle counts alone, so any paragraph there counts. Text another row
/// of its own run holds does not count: there it is as often what an edited paragraph
/// gained beside a new one. A run of several one-sided rows gets no credit either: the
/// same evidence read the dev corpus worse there.
pub(super) fn duplicate_score(
    paragraphs: &[[&Para; 2]],
    choices: &[Choice],
    runs: &[Range<usize>],
) -> f32 {
    // Per side: how many paragraphs hold each shingle that the rest of the version
    // lacks, and which run's cut rows hold it (`NO_CUT`, or `CUTS` of several runs).
    // (With one run, no other run's cut can hold anything: not tracked.)
    const NO_CUT: u32 = u32::MAX;
    const CUTS: u32 = u32::MAX - 1;
    debug_assert_eq!(runs.last().map_or(0, |r| r.end), paragraphs.len());
    let several = runs.len() > 1;
    // A run is scored for many readings: the tables are kept from one to the next.
    let mut here = TABLES.take();
    for (side, here) in here.iter_mut().enumerate() {
        let size: usize = paragraphs.iter().map(|p| p[side].inside.len()).sum();
        if here.capacity() > 4 * size.max(256) {
            // Clearing a table costs its capacity: not one kept from a giant row.
            *here = FastMap::default();
        }
        here.clear();
        if size == 0 {
            continue;
        }
        here.reserve(size);
        for (run, r) in runs.iter().enumerate() {
            let run = run as u32;
            for (p, c) in paragraphs[r.clone()].iter().zip(&choices[r.clone()]) {
                let cut = several && matches!(c, Choice::Cut(_));
                for h in &p[side].inside {
                    let e = here.entry(*h).or_insert((0, NO_CUT));
                    e.0 += 1;
                    if cut {
                        e.1 = if e.1 == NO_CUT || e.1 == run {
                            run
                        } else {
                            CUTS
                        };
                    }
                }
            }
        }
    }
    let capped = |n: usize| (n as f32 * DUPLICATE_COST).min(DUPLICATE_CAP);
    let mut total = 0.0;
    for (side, here) in here.iter().enumerate() {
        for p in paragraphs {
            let p = p[side];
            // Shingles this paragraph shares with another paragraph of the version.
            let inside = p.inside.iter().filter(|h| here[h].0 > 1).count();
            total += capped(p.outside as usize + inside);
        }
    }
    let side_of = |c: &Choice| match c {
        Choice::Added => Some(1),
        Choice::Removed => Some(0),
        Choice::Cut(_) => None,
    };
    for (run, r) in runs.iter().enumerate() {
        let run = run as u32;
        let mut one = r.clone().filter_map(|i| Some((i, side_of(&choices[i])?)));
        let (Some((i, side)), None) = (one.next(), one.next()) else {
            continue;
        };
        let p = paragraphs[i][side];
        let (out, rest) = p.inside.split_at(p.moved_out as usize);
        let alone = |h: &&u64| here[side][*h].0 == 1;
        let moved = out.iter().filter(alone).count()
            + rest
                .iter()
                .filter(alone)
                .filter(|h| {
                    here[1 - side]
                        .get(*h)
                        .is_some_and(|e| e.1 != run && e.1 != NO_CUT)
                })
                .count();
        total -= capped(moved);
    }
    TABLES.set(here);
    total
}

/// Per side: the tables [`duplicate_score`] counts a reading's shingles in.
type Tables = [FastMap<u64, (u32, u32)>; 2];

thread_local! {
    static TABLES: std::cell::Cell<Tables> = Default::default();
}

/// Frees the tables once a run (or cluster) is scored, so that they do not add to
/// the reader's peak memory.
pub(super) fn free_tables() {
    drop(TABLES.take());
}

pub(super) struct Scored {
    pub(super) score: f32,
    pub(super) choices: Vec<Choice>,
}

/// The paragraphs of every choice of every row of a run, computed once.
pub(super) struct Precomputed {
    /// `cuts[i][j]`: halves of row `i` cut at its `j`th cut.
    pub(super) cuts: Vec<Vec<[Para; 2]>>,
    /// Whole row as one paragraph, in each version.
    whole: Vec<[Para; 2]>,
    /// Text hashes of the same paragraphs, for the equality constraint.
    cut_text: Vec<Vec<[u64; 2]>>,
    whole_text: Vec<u64>,
    /// The moved paragraphs of the run ([`super::moved`]): what each cut costs for
    /// leaving one less whole than the row's best cut, the halves that are moved
    /// copies, the swaps. Computed when first asked for (several runs measured
    /// together only need their paragraphs).
    moved: std::cell::OnceCell<super::moved::Moved>,
}

/// The shingles of one row that can be shared, with the word index each starts at.
struct Sharable {
    /// (word index, shingle, held outside the run in each version)
    pub(super) at: Vec<(usize, u64, [bool; 2])>,
    /// For each entry of `at`, the index of the entry before it with the same shingle
    /// (`u32::MAX` for none); `None` when no shingle occurs twice.
    earlier: Option<Vec<u32>>,
}

impl Sharable {
    fn new(at: Vec<(usize, u64, [bool; 2])>) -> Sharable {
        let mut last: FastMap<u64, u32> =
            FastMap::with_capacity_and_hasher(at.len(), Default::default());
        let earlier: Vec<u32> = at
            .iter()
            .enumerate()
            .map(|(k, a)| last.insert(a.1, k as u32).unwrap_or(u32::MAX))
            .collect();
        let repeats = earlier.iter().any(|&e| e != u32::MAX);
        Sharable {
            at,
            earlier: repeats.then_some(earlier),
        }
    }

    /// The paragraph of words `from..to` in version `side`.
    fn para(&self, from: usize, to: usize, side: usize) -> Para {
        // `at` is in word order: the shingles wholly inside `from..to` are a slice of it.
        let lo = self.at.partition_point(|a| a.0 < from);
        let hi = self.at.partition_point(|a| a.0 + SHINGLE <= to).max(lo);
        let at = &self.at[lo..hi];
        let mut para = Para::default();
        let mut add = |held: [bool; 2], h: u64| {
            if held[side] {
                para.outside += 1;
            } else {
                // The shingles the other version holds go first.
                para.inside.push(h);
                if held[1 - side] {
                    let last = para.inside.len() - 1;
                    para.inside.swap(para.moved_out as usize, last);
                    para.moved_out += 1;
                }
            }
        };
        match &self.earlier {
            None => at.iter().for_each(|a| add(a.2, a.1)),
            // Each distinct shingle once: at its first entry inside the slice.
            Some(earlier) => {
                for (a, &e) in at.iter().zip(&earlier[lo..hi]) {
                    if e == u32::MAX || (e as usize) < lo {
                        add(a.2, a.1);
                    }
                }
            }
        }
        para
    }
}

impl Precomputed {
    pub(super) fn new(rows: &[RowInput], data: &[RowData], ext: Ext) -> Precomputed {
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
                Sharable::new(at)
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
            moved: std::cell::OnceCell::new(),
        }
    }

    /// What cut `j` of row `i` scores as a changed row.
    /// `rows` are the rows the run was precomputed for.
    fn cut_score(&self, ctx: &Context, rows: &[RowInput], i: usize, j: usize) -> f32 {
        let moved = self.moved.get_or_init(|| super::moved::moved(rows));
        changed_score(ctx, rows[i].shape, &rows[i].shape.cuts[j]) - moved.costs[i][j]
    }

    /// What a reading gains from the moved paragraphs it reads: for a swap (both rows
    /// cut where their halves cross-match), each row scores as an edited paragraph of
    /// the swap's similarity instead of as the pair of unrelated paragraphs its own
    /// halves are; a row cut where one half is a moved copy of a row the reading puts
    /// in the other version earns [`super::moved::MOVED_HALF_CREDIT`]. Each row earns
    /// once, the most it can.
    fn moved_credit(&self, ctx: &Context, rows: &[RowInput], choices: &[Choice]) -> f32 {
        let super::moved::Moved { halves, swaps, .. } =
            self.moved.get_or_init(|| super::moved::moved(rows));
        if swaps.is_empty() && halves.is_empty() {
            return 0.0;
        }
        let mut credit = vec![0.0f32; rows.len()];
        for swap in swaps {
            let read = (0..2).all(|k| choices[swap.rows[k]] == Choice::Cut(swap.cuts[k]));
            if !read {
                continue;
            }
            for (&i, &j) in swap.rows.iter().zip(&swap.cuts) {
                let shape = rows[i].shape;
                let cut = &shape.cuts[j];
                let edited = Cut {
                    dice: swap.similarity,
                    contained: 0.0,
                    ..cut.clone()
                };
                let gain = changed_score(ctx, shape, &edited) - changed_score(ctx, shape, cut);
                credit[i] = credit[i].max(gain);
            }
        }
        for h in halves {
            let other = if h.old_half {
                Choice::Added
            } else {
                Choice::Removed
            };
            if choices[h.row] == Choice::Cut(h.cut) && choices[h.copy] == other {
                credit[h.row] = credit[h.row].max(super::moved::MOVED_HALF_CREDIT);
            }
        }
        credit.iter().sum()
    }

    /// Text hashes of the row's paragraph in each version (0 when absent).
    fn texts(&self, i: usize, c: Choice) -> [u64; 2] {
        match c {
            Choice::Cut(j) => self.cut_text[i][j],
            Choice::Added => [0, self.whole_text[i]],
            Choice::Removed => [self.whole_text[i], 0],
        }
    }

    pub(super) fn paragraphs(&self, i: usize, c: Choice) -> [&Para; 2] {
        const NONE: &Para = &Para {
            outside: 0,
            moved_out: 0,
            inside: Vec::new(),
        };
        match c {
            Choice::Cut(j) => [&self.cuts[i][j][0], &self.cuts[i][j][1]],
            Choice::Added => [NONE, &self.whole[i][1]],
            Choice::Removed => [&self.whole[i][0], NONE],
        }
    }
}

/// `paragraphs` is scratch space, kept between calls.
fn score_reading<'p>(
    ctx: &Context,
    rows: &[RowInput],
    pre: &'p Precomputed,
    choices: &[Choice],
    paragraphs: &mut Vec<[&'p Para; 2]>,
) -> f32 {
    paragraphs.clear();
    paragraphs.extend(
        choices
            .iter()
            .enumerate()
            .map(|(i, c)| pre.paragraphs(i, *c)),
    );
    structure_score(ctx, rows, pre, choices)
        - duplicate_score(
            paragraphs,
            choices,
            std::slice::from_ref(&(0..choices.len())),
        )
}

/// Everything a reading scores but its duplicates: the cuts, the polarity, and the
/// pairs diff-lcs would have matched.
pub(super) fn structure_score(
    ctx: &Context,
    rows: &[RowInput],
    pre: &Precomputed,
    choices: &[Choice],
) -> f32 {
    let mut s = 0.0;
    for (i, c) in choices.iter().enumerate() {
        if let Choice::Cut(j) = *c {
            s += pre.cut_score(ctx, rows, i, j);
        }
    }
    // diff-lcs matched every pair of equal paragraphs it could: inside one run, an
    // older paragraph equal to a newer one of another row would have been matched
    // (unless they differed only in whitespace, which the flattening hides).
    let mut unmatched_equal = 0;
    for (a, ca) in choices.iter().enumerate() {
        let older = pre.texts(a, *ca)[0];
        if older == 0 {
            continue;
        }
        for (b, cb) in choices.iter().enumerate() {
            if a != b && older == pre.texts(b, *cb)[1] {
                unmatched_equal += 1;
            }
        }
    }
    s + pre.moved_credit(ctx, rows, choices) + polarity_score(ctx, choices)
        - UNMATCHED_EQUAL * unmatched_equal as f32
}

/// What a reading of one run scores for the polarity of its one-sided rows alone:
/// the priors of how news is edited, no evidence from the text.
pub(super) fn polarity_score(ctx: &Context, choices: &[Choice]) -> f32 {
    let one_sided = choices
        .iter()
        .filter(|c| !matches!(c, Choice::Cut(_)))
        .count();
    let added = choices.contains(&Choice::Added);
    let later_only = added == ctx.right_is_later;
    let shrink = if !later_only && most_of_dump(one_sided, ctx.rows) {
        SHRINK_PRIOR
    } else {
        0.0
    };
    polarity_prior(later_only, one_sided) - shrink
}

fn text_hash(s: &str) -> u64 {
    crate::text::hash_bytes(s.as_bytes()) | 1
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
/// `data` is [`RowData::of`] the rows.
pub(super) fn decide_run(
    ctx: &Context,
    rows: &[RowInput],
    data: &[RowData],
    ext: Ext,
) -> Vec<Decision> {
    let pre = Precomputed::new(rows, data, ext);
    let all = enumerate(ctx, rows, &pre);
    free_tables();
    decisions(rows, &all, &|c| polarity_score(ctx, c))
}

/// Scores the readings of a run worth considering: for each number of leading
/// changed rows and each polarity, the locally best cuts, and every single-cut
/// variant of them (the split alternatives a row's confidence is measured against).
pub(super) fn enumerate(ctx: &Context, rows: &[RowInput], pre: &Precomputed) -> Vec<Scored> {
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
    let mut paragraphs = Vec::with_capacity(k);
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
                            pre.cut_score(ctx, rows, i, a)
                                .total_cmp(&pre.cut_score(ctx, rows, i, b))
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
            let mut score = score_reading(ctx, rows, pre, &choices, &mut paragraphs);
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
                    let s = score_reading(ctx, rows, pre, &choices, &mut paragraphs);
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
/// `priors` gives what a reading scores for polarity alone ([`polarity_score`]), to
/// tell a flag the text leaves open from one its evidence leans on.
pub(super) fn decisions(rows: &[RowInput], all: &[Scored], priors: Priors) -> Vec<Decision> {
    let best = (0..all.len()).max_by(|&a, &b| all[a].score.total_cmp(&all[b].score));
    decisions_for(rows, all, best, priors)
}

/// What a reading of the rows scores for polarity alone.
pub(super) type Priors<'a> = &'a dyn Fn(&[Choice]) -> f32;

/// The decisions of reading `all[chosen]`, each row's confidence its margin to the
/// best reading in `all` that reads the row otherwise (none below zero: a reading
/// kept against a better-scoring rival is as uncertain as a tie).
pub(super) fn decisions_for(
    rows: &[RowInput],
    all: &[Scored],
    chosen: Option<usize>,
    priors: Priors,
) -> Vec<Decision> {
    let k = rows.len();
    let Some(best_idx) = chosen else {
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
            let twin = match chosen {
                Choice::Cut(j) => repeat_twin(rows[i].shape, j),
                _ => None,
            };
            let rival = all
                .iter()
                .filter(|s| {
                    s.choices[i] != chosen && twin.is_none_or(|t| s.choices[i] != Choice::Cut(t))
                })
                .max_by(|a, b| a.score.total_cmp(&b.score));
            let reading = to_reading(rows[i].shape, chosen);
            if rows[i].forced.is_some() {
                return Decision {
                    reading,
                    confidence: 1.0,
                    ambiguity: None,
                };
            }
            // The margin to the best rival; for a cut of an `A B A` row, the margin to
            // the other cut counts the measured prior instead of the edge evidence.
            let mut rival = rival.map(|r| {
                let (margin, alt) = (best.score - r.score, r.choices[i]);
                // A one-sided row flagged against the other side: how much of the
                // margin is the polarity priors' (the rest is evidence from the text).
                let polarity = matches!(
                    (chosen, alt),
                    (Choice::Added, Choice::Removed) | (Choice::Removed, Choice::Added)
                ) && margin < FLAG_MARGIN;
                let why = polarity.then(|| Why::Polarity {
                    prior: priors(&best.choices) - priors(&r.choices),
                });
                (margin, alt, why)
            });
            if let (Choice::Cut(j), Some(twin)) = (chosen, twin) {
                let shape = rows[i].shape;
                let edges = EDGE_WEIGHT
                    * (shape.cuts[j].edge_match as f32 - shape.cuts[twin].edge_match as f32);
                // `A B | A`, the left half the longer, is the reading the prior favours.
                let prior = if 2 * shape.cuts[j].word > shape.words.len() {
                    REPEAT_PRIOR
                } else {
                    -REPEAT_PRIOR
                };
                let other = all
                    .iter()
                    .filter(|s| s.choices[i] == Choice::Cut(twin))
                    .map(|s| best.score - s.score - edges + prior)
                    .min_by(f32::total_cmp);
                if let Some(m) = other.filter(|m| rival.as_ref().is_none_or(|r| *m < r.0)) {
                    rival = Some((m, Choice::Cut(twin), Some(Why::Repeat)));
                }
            }
            match rival {
                None => Decision {
                    reading,
                    confidence: 1.0,
                    ambiguity: None,
                },
                Some((raw, alt, why)) => {
                    let margin = raw.max(0.0);
                    let confidence = 1.0 / (1.0 + (-margin).exp());
                    let alternative = to_reading(rows[i].shape, alt);
                    let ambiguity = (margin < FLAG_MARGIN).then(|| Ambiguity {
                        alternative,
                        reason: match why {
                            Some(Why::Repeat) => REPEAT_REASON.into(),
                            Some(Why::Polarity { prior }) => {
                                polarity_reason(reading, raw - prior, prior).into()
                            }
                            None => {
                                reason(rows[i].text(), rows[i].shape, reading, alternative).into()
                            }
                        },
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

pub(super) fn to_reading(shape: &RowShape, c: Choice) -> Reading {
    match c {
        Choice::Cut(i) => Reading::Changed {
            split: shape.cuts[i].at,
        },
        Choice::Added => Reading::Added,
        Choice::Removed => Reading::Removed,
    }
}

/// Why a row's best rival is what it is, when that shapes the reason given.
#[derive(Clone, Copy)]
enum Why {
    /// The other cut of a row reading `A B A`.
    Repeat,
    /// The other polarity, with how much of the margin to it is the priors'.
    Polarity { prior: f32 },
}

/// Below this, the text's evidence (or the priors) on a one-sided row's side counts
/// as none.
const NO_EVIDENCE: f32 = 0.25;

/// Why a one-sided row's side is uncertain, from the text's evidence for the chosen
/// side and the priors' (how news is usually edited): the text says nothing, or it
/// leans one way and the priors the other, or it leans the chosen way but not far.
fn polarity_reason(chosen: Reading, evidence: f32, prior: f32) -> String {
    let side = |r: Reading| {
        if r == Reading::Added {
            "added"
        } else {
            "removed"
        }
    };
    let other = if chosen == Reading::Added {
        Reading::Removed
    } else {
        Reading::Added
    };
    if evidence.abs() < NO_EVIDENCE {
        "nothing in the dump shows whether this paragraph was added or removed: a one-sided row reads the same either way".into()
    } else if evidence > 0.0 && prior > -NO_EVIDENCE {
        format!(
            "the text leans to this paragraph being {}, but not far enough to be sure it was not {}",
            side(chosen),
            side(other)
        )
    } else if evidence > 0.0 {
        format!(
            "the text leans to this paragraph being {}, and how news is usually edited leans to {}: neither settles it",
            side(chosen),
            side(other)
        )
    } else {
        format!(
            "the text leans to this paragraph being {}, but how news is usually edited leans to {}: neither settles it",
            side(other),
            side(chosen)
        )
    }
}

/// At most this many words quote where a rival cut falls.
const CUT_CONTEXT_WORDS: usize = 6;

const REPEAT_REASON: &str = "the row ends with the words it starts with: the sentence between them may end the left paragraph or start the right one";

/// Why a decision is uncertain, for a person, when a cut is one of the two readings (a
/// one-sided row against the other side gets [`polarity_reason`] from the caller).
fn reason(text: &str, shape: &RowShape, chosen: Reading, alt: Reading) -> String {
    // The last `n` words before byte `at`, each cut to 30 characters.
    let words_before = |at: usize, n: usize| -> String {
        let mut w: Vec<String> = text[..at]
            .split_whitespace()
            .rev()
            .take(n)
            .map(|w| w.chars().take(30).collect())
            .collect();
        w.reverse();
        w.join(" ")
    };
    let word_before = |at: usize| words_before(at, 1);
    match (chosen, alt) {
        (Reading::Changed { split: a }, Reading::Changed { split: b }) => {
            // As many words as tell the two cuts apart ("Sudan." may end both).
            let n = (1..=CUT_CONTEXT_WORDS)
                .find(|&n| words_before(a, n) != words_before(b, n))
                .unwrap_or(CUT_CONTEXT_WORDS);
            let (alt, chosen) = (words_before(b, n), words_before(a, n));
            if alt == chosen {
                let (alt_at, chosen_at) = if b < a {
                    ("earlier", "later")
                } else {
                    ("later", "earlier")
                };
                format!(
                    "the row could also be cut after the {alt_at} “{alt}” instead of after the {chosen_at} one"
                )
            } else {
                format!("the row could also be cut after “{alt}” instead of after “{chosen}”")
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dump::split::shape;

    fn cut_reason(text: &str, chosen_after: &str, alt_after: &str) -> String {
        let at = |s: &str| text.find(s).expect("in the text") + s.len();
        let changed = |split| Reading::Changed { split };
        reason(
            text,
            &shape(text),
            changed(at(chosen_after)),
            changed(at(alt_after)),
        )
    }

    #[test]
    fn a_polarity_flag_says_whether_the_text_or_the_priors_lean() {
        let (added, removed) = (Reading::Added, Reading::Removed);
        assert!(polarity_reason(removed, 0.1, 0.7).starts_with("nothing in the dump shows"));
        assert_eq!(
            polarity_reason(added, 1.5, 0.3),
            "the text leans to this paragraph being added, but not far enough to be sure it was not removed"
        );
        assert_eq!(
            polarity_reason(removed, 4.2, -3.9),
            "the text leans to this paragraph being removed, and how news is usually edited leans to added: neither settles it"
        );
        assert_eq!(
            polarity_reason(removed, -0.5, 0.7),
            "the text leans to this paragraph being added, but how news is usually edited leans to removed: neither settles it"
        );
    }

    #[test]
    fn a_rival_cut_is_quoted_with_the_words_that_tell_it_apart() {
        let text = "He accused the UN of plans to recolonize Sudan. The force is in western Sudan. But violence has continued.";
        assert_eq!(
            cut_reason(text, "western Sudan.", "recolonize Sudan."),
            "the row could also be cut after “recolonize Sudan.” instead of after “western Sudan.”"
        );
        assert_eq!(
            cut_reason(text, "continued.", "recolonize Sudan."),
            "the row could also be cut after “Sudan.” instead of after “continued.”"
        );
        // Six words alike before both cuts: which one is said by order.
        let text =
            "The talks will resume next week. The talks will resume next week. Officials agreed.";
        let first = "The talks will resume next week.";
        let second = "week. The talks will resume next week.";
        assert_eq!(
            cut_reason(text, second, first),
            "the row could also be cut after the earlier “The talks will resume next week.” instead of after the later one"
        );
    }
}
