//! The decisions of a whole dump, kept with their evidence so that a read after an
//! edit re-decides only the runs the edit can change.

use super::counts::{add_counts, apply, contribution, total, Base, Changed, CountChange};
use super::index::RunIndex;
use super::run::{decide_run, distinct, most_of_dump, Ext, RowData};
use super::{joint, Context, Counts, Decision, RowInput, SHINGLE};
use crate::dump::model::Reading;
use crate::dump::split::RowShape;
use crate::text::mix;
use rayon::prelude::*;
use std::ops::Range;

/// A run's decisions and what they put into the versions, kept between reads.
pub(super) struct RunState {
    /// Pass 1: the run against the unchanged rows only.
    pub(super) first: Vec<Decision>,
    /// The shingles pass 1's reading puts into each version.
    pub(super) contribution: [Counts; 2],
    /// Pass 2: the run against everything else as pass 1 read it.
    pub(super) second: Vec<Decision>,
    /// Every shingle of the run's rows, sorted (computed when first needed; a run
    /// is listed in the [`RunIndex`] once they are).
    pub(super) shingles: Option<Vec<u64>>,
    /// The shingles pass 1's reading shares with another run's reading and with no
    /// unchanged row (sorted; empty when the run is not coupled to another).
    pub(super) coupling: Vec<u64>,
    /// The decisions of the cluster of coupled runs this run belongs to, decided
    /// jointly; they replace pass 2's.
    pub(super) joint: Option<Vec<Decision>>,
    /// The number of the cluster this run was last decided in, and how many runs it had.
    pub(super) cluster: Option<(u64, usize)>,
}

/// Up to this many runs are worked on one core: handing them to the thread pool
/// costs more.
const FEW: usize = 8;

/// Runs are boxed: an update moves every run from the last read's list to the next,
/// and a run's state is a few hundred bytes. What an update reads of every run (its
/// rows and its id) is kept beside the boxes, so that it reads no box but those of the
/// runs it works on.
pub(super) type Run = Box<RunState>;

/// The distinct shingles a run's decisions can look up.
fn run_shingles(rows: &[RowInput]) -> Vec<u64> {
    distinct(
        rows.iter()
            .flat_map(|r| RowData::new(r.shape).shingles)
            .collect(),
    )
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
    /// The row of the new read that was row `j` of the previous one (`None` for a row
    /// of the window).
    pub fn new_of(&self, j: usize) -> Option<usize> {
        if j < self.prefix {
            Some(j)
        } else if j >= self.old_end {
            Some(j - self.old_end + self.new_end)
        } else {
            None
        }
    }

    pub fn old_of(&self, i: usize) -> Option<usize> {
        if i < self.prefix {
            Some(i)
        } else if i >= self.new_end {
            Some(i - self.new_end + self.old_end)
        } else {
            None
        }
    }

    /// Puts `window` (items about the new window's rows, in row order) in place of
    /// the items about the previous window's rows in `items` (in row order; `row` reads
    /// an item's row, `row_mut` writes it), and renumbers the rows of the items after
    /// it. Gives where the window's items start, and how many items they replaced.
    pub fn splice_rows<T>(
        &self,
        items: &mut Vec<T>,
        window: Vec<T>,
        row: impl Fn(&T) -> usize,
        row_mut: impl Fn(&mut T) -> &mut usize,
    ) -> (usize, usize) {
        let lo = items.partition_point(|t| row(t) < self.prefix);
        let hi = items.partition_point(|t| row(t) < self.old_end);
        let after = lo + window.len();
        items.splice(lo..hi, window);
        if self.new_end != self.old_end {
            for t in &mut items[after..] {
                let r = row_mut(t);
                *r = *r + self.new_end - self.old_end;
            }
        }
        (lo, hi - lo)
    }
}

/// The evidence behind every decision, kept so that a read after a small edit
/// re-decides only the runs the edit can change. Every decision depends on the
/// typical paragraph length, on which shingles the rest of the dump holds (only
/// whether a count is zero matters, but any change of a count is treated as a
/// change), on its own rows, and for a run that is most of the dump on the dump's
/// row count; a run none of whose inputs changed keeps its decisions, so the result
/// is exactly what [`DecideState::new`] gives.
pub struct DecideState {
    pub(super) paragraph_len: f32,
    /// Rows of the dump: decisions of runs that are most of it depend on it.
    rows: usize,
    /// The paragraph length of each unchanged row, sorted (for `paragraph_len`).
    unchanged_lens: Vec<usize>,
    pub(super) runs: Vec<Run>,
    /// Each run's rows.
    ranges: Vec<Range<usize>>,
    /// Each run's name in the [`RunIndex`].
    ids: Vec<u32>,
    /// Every run's shingles are computed (and listed in the index).
    shingled: bool,
    /// Shingles of the unchanged rows (the same for both versions).
    pub(super) base: Base,
    /// Every run's contribution, per version.
    pub(super) runs_counts: [Counts; 2],
    /// More than one run: pass 2 is needed.
    multi: bool,
    /// The right column is the later version (fixed: an edit of the header or time
    /// row is read whole).
    right_is_later: bool,
    /// The number the last cluster decided got.
    clusters: u64,
    /// Which runs hold which shingles.
    index: RunIndex,
    /// The coupled runs' groups ([`joint::partition`]), by run id.
    partition: Vec<Vec<u32>>,
    /// Which runs' couplings hold each shingle.
    couplings: joint::Couplings,
}

/// An unchanged row: doubled, and not read otherwise by a person's choice.
fn is_anchor(r: &RowInput) -> bool {
    anchor(r.shape, r.forced)
}

fn anchor(shape: &RowShape, forced: Option<Reading>) -> bool {
    match forced {
        Some(Reading::Unchanged) | None => shape.doubled,
        Some(_) => false,
    }
}

/// The shingles the unchanged rows put into each version (the same for both), counted
/// before [`drop_anchor_words`].
pub fn anchor_shingles(rows: &[RowInput]) -> Base {
    // Shingled and counted on both cores, a slice of rows at a time. This is when the
    // reader's memory peaks (every row's word keys are still held): all the shingles
    // at once, with the table reserved for them, raised the peak from 3.5x to 5.1x the
    // dump, and slices of 4096 rows rather than 1024 raise it by 0.07x.
    let mut base = Base::default();
    for chunk in rows.chunks(1024) {
        let per_row: Vec<Vec<u64>> = chunk
            .par_iter()
            .with_min_len(64)
            .filter(|r| r.shape.doubled)
            .map(unchanged_shingles)
            .collect();
        base.count_sorted(&per_row);
    }
    base
}

/// Once their shingles are counted, the unchanged rows' word keys are needed no more
/// (they are most of the reader's memory): drops them. `forced` are the rows' readings
/// chosen in the sidecar file (empty for none).
pub fn drop_anchor_words(shapes: &mut [RowShape], forced: &[Option<Reading>]) {
    shapes
        .par_iter_mut()
        .enumerate()
        .with_min_len(256)
        .filter(|(i, s)| anchor(s, forced.get(*i).copied().flatten()))
        .for_each(|(_, s)| s.words = Vec::new());
}

/// Runs of rows between anchors (unchanged rows).
fn runs_of(rows: &[RowInput]) -> Vec<Range<usize>> {
    let mut runs: Vec<Range<usize>> = Vec::new();
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
pub(super) fn paragraph_len(lens: &[usize], rows: &[RowInput]) -> f32 {
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
        reshaped = crate::dump::split::shape(r.text());
        &reshaped
    } else {
        r.shape
    };
    // The shingles of the first half of its words (`RowData::range(0, n / 2)`),
    // without hashing the second half.
    let n = shape.words.len();
    if !RowData::shingled(n) || n / 2 < SHINGLE {
        return Vec::new();
    }
    distinct(shape.words[..n / 2].windows(SHINGLE).map(mix).collect())
}

impl DecideState {
    /// Decides every row from scratch; `base` is [`anchor_shingles`] of `rows`.
    pub fn new(
        rows: &[RowInput],
        base: Base,
        right_is_later: bool,
    ) -> (DecideState, Vec<Decision>) {
        let ranges = runs_of(rows);
        let unchanged_lens = unchanged_lens(rows);
        let paragraph_len = paragraph_len(&unchanged_lens, rows);
        let ctx = Context {
            paragraph_len,
            right_is_later,
            rows: rows.len(),
        };
        let mut index = RunIndex::default();
        let ids: Vec<u32> = ranges.iter().map(|_| index.new_id()).collect();
        let mut runs: Vec<Run> = ranges
            .par_iter()
            .map(|r| {
                let (first, contribution) = first_pass(&ctx, &rows[r.clone()], &base);
                Box::new(RunState {
                    first,
                    contribution,
                    second: Vec::new(),
                    shingles: None,
                    coupling: Vec::new(),
                    joint: None,
                    cluster: None,
                })
            })
            .collect();
        let contributions: Vec<&[Counts; 2]> = runs.iter().map(|r| &r.contribution).collect();
        let runs_counts = total(&contributions);
        let multi = runs.len() > 1;
        runs.par_iter_mut().zip(&ranges).for_each(|(run, r)| {
            run.second = second_pass(&ctx, &rows[r.clone()], &base, &runs_counts, run, multi);
            if multi {
                run.coupling = joint::coupling(&run.contribution, &base, &runs_counts);
            }
        });
        let mut clusters = 0;
        let partition = joint::partition(&runs);
        joint::decide_clusters(
            &ctx,
            rows,
            &base,
            &runs_counts,
            (&mut runs, &ranges),
            joint::Groups {
                partition: &partition,
                unchanged: None,
                previous: None,
            },
            &mut clusters,
        );
        let couplings = joint::Couplings::of(&runs, &ids);
        let out = decisions_of(rows.len(), &runs, &ranges);
        let partition = ids_of(&partition, |k| ids[k]);
        let state = DecideState {
            paragraph_len,
            rows: rows.len(),
            unchanged_lens,
            runs,
            ranges,
            ids,
            shingled: false,
            base,
            runs_counts,
            multi,
            right_is_later,
            clusters,
            index,
            partition,
            couplings,
        };
        (state, out)
    }

    /// Decides the rows of a new read whose rows relate to the previous read's by
    /// `map`; `removed` are the previous read's rows `map.prefix..map.old_end`.
    /// Gives the runs decided again (indices, in row order, for
    /// [`DecideState::run_decisions`]): every other row outside the map's window reads
    /// as it did, and every row inside it that is in no run is unchanged. The decisions
    /// are exactly what [`DecideState::new`] gives for `rows`.
    pub fn update(&mut self, rows: &[RowInput], removed: &[RowInput], map: RowMap) -> Vec<usize> {
        let (ranges, repeats) = self.runs_after_edit(rows, map);
        update_lens(
            &mut self.unchanged_lens,
            removed,
            &rows[map.prefix..map.new_end],
        );
        let paragraph_len = paragraph_len(&self.unchanged_lens, rows);
        let ctx = Context {
            paragraph_len,
            right_is_later: self.right_is_later,
            rows: rows.len(),
        };
        let redo_all = paragraph_len != self.paragraph_len;
        // A run that is most of the dump, before or after the edit, may read
        // otherwise once the dump's row count changes.
        let fewest = rows.len().min(self.rows);
        let resized = |r: &Range<usize>| rows.len() != self.rows && most_of_dump(r.len(), fewest);
        // Unchanged rows that left or joined.
        // Counts before this update of every shingle touched.
        let mut base_before = Counts::default();
        let mut runs_before = [Counts::default(), Counts::default()];
        let window = &rows[map.prefix..map.new_end];
        for (rs, sign) in [(removed, -1), (window, 1)] {
            for r in rs.iter().filter(|r| r.shape.doubled) {
                for h in unchanged_shingles(r) {
                    add_counts(self.base.table_mut(h), h, sign, &mut base_before);
                }
            }
        }
        // (The new unchanged rows keep their word keys: a few rows' worth.)
        let base_changed = Changed::new(base_before.iter().map(|(h, old)| {
            let new = self.base.count(*h);
            (*h, [(*old, new), (*old, new)])
        }));
        // Each new run with the previous run it repeats, if any, and that run's id.
        let old_ids = std::mem::take(&mut self.ids);
        let mut old: Vec<Option<Run>> = std::mem::take(&mut self.runs)
            .into_iter()
            .map(Some)
            .collect();
        let mut matched: Vec<Option<(Run, u32)>> = Vec::with_capacity(ranges.len());
        for (r, k) in ranges.iter().zip(&repeats) {
            let mut run = k.and_then(|k| Some((old[k].take()?, old_ids[k])));
            if !self.shingled {
                if let Some((run, id)) = run.as_mut().filter(|(run, _)| run.shingles.is_none()) {
                    let shingles = run_shingles(&rows[r.clone()]);
                    self.index.insert(*id, &shingles);
                    run.shingles = Some(shingles);
                }
            }
            matched.push(run);
        }
        self.shingled = true;
        // Runs that are gone take their contributions with them.
        let gone_runs: Vec<(Run, u32)> = old
            .into_iter()
            .zip(old_ids)
            .filter_map(|(run, id)| Some((run?, id)))
            .collect();
        let gone_coupled = gone_runs.iter().any(|(r, _)| !r.coupling.is_empty());
        let mut clusters_stale = redo_all || gone_coupled;
        // Each gone run's id and coupling. When as many runs are new, each new run
        // takes over a gone run's id and, until recomputed, its coupling: the groups of
        // coupled runs then stay as they were unless a coupling changes.
        let mut gone: Vec<(u32, Vec<u64>)> = Vec::new();
        for (run, id) in gone_runs {
            apply(
                &mut self.runs_counts,
                &run.contribution,
                -1,
                &mut runs_before,
            );
            self.index
                .remove(id, run.shingles.as_deref().unwrap_or(&[]));
            gone.push((id, run.coupling));
        }
        let paired = gone.len() == matched.iter().filter(|m| m.is_none()).count();
        // The runs whose coupling changed (or that are gone, coupled), by id.
        let mut recoupled: Vec<u32> = Vec::new();
        if !paired {
            for (id, coupling) in gone.drain(..) {
                self.index.free(id);
                if !coupling.is_empty() {
                    self.couplings.remove(id, &coupling);
                    recoupled.push(id);
                }
            }
        }
        let mut successor = gone.into_iter();
        // Pass 1 again where a run is new or the unchanged rows' shingles it looks up
        // changed: only runs listed under those shingles can have.
        let near_base = self.index.candidates(base_changed.ranges.keys());
        let redo_first: Vec<bool> = matched
            .iter()
            .enumerate()
            .map(|(k, m)| match m {
                None => true,
                Some((run, id)) => {
                    redo_all
                        || resized(&ranges[k])
                        || (near_base[*id as usize]
                            && base_changed.hits(run.shingles.as_deref().unwrap_or(&[]), None))
                }
            })
            .collect();
        let base = &self.base;
        let redo: Vec<usize> = (0..ranges.len()).filter(|&k| redo_first[k]).collect();
        // A new run is shingled as well.
        let first = |&k: &usize| {
            let r = ranges[k].clone();
            let (first, contribution) = first_pass(&ctx, &rows[r.clone()], base);
            let shingles = matched[k].is_none().then(|| run_shingles(&rows[r]));
            (k, first, contribution, shingles)
        };
        let fresh: Vec<_> = if redo.len() > FEW {
            redo.par_iter().map(first).collect()
        } else {
            redo.iter().map(first).collect()
        };
        let mut fresh = fresh.into_iter().peekable();
        let mut runs: Vec<Run> = Vec::with_capacity(ranges.len());
        let mut ids: Vec<u32> = Vec::with_capacity(ranges.len());
        for (k, m) in matched.iter_mut().enumerate() {
            let (run, id) = match (m.take(), fresh.next_if(|f| f.0 == k)) {
                (Some(kept), None) => kept,
                (mut prev, Some((_, first, contribution, shingles))) => {
                    // The coupling is kept until recomputed below, to tell whether the
                    // run was coupled.
                    let (id, shingles, coupling) = match prev.as_mut() {
                        Some((p, id)) => (*id, p.shingles.take(), std::mem::take(&mut p.coupling)),
                        None => {
                            let (id, coupling) = successor
                                .next()
                                .unwrap_or_else(|| (self.index.new_id(), Vec::new()));
                            let shingles = shingles.expect("a new run is shingled");
                            self.index.insert(id, &shingles);
                            (id, Some(shingles), coupling)
                        }
                    };
                    if let Some((p, _)) = prev {
                        apply(&mut self.runs_counts, &p.contribution, -1, &mut runs_before);
                    }
                    apply(&mut self.runs_counts, &contribution, 1, &mut runs_before);
                    let run = Box::new(RunState {
                        first,
                        contribution,
                        second: Vec::new(),
                        shingles,
                        coupling,
                        joint: None,
                        cluster: None,
                    });
                    (run, id)
                }
                (None, None) => unreachable!("a run with no previous state is always redone"),
            };
            ids.push(id);
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
                let base_old = base_before.get(h).copied().unwrap_or(base.count(*h));
                let sides = [0, 1].map(|side| {
                    let runs_old = runs_before[side]
                        .get(h)
                        .copied()
                        .unwrap_or(count(&runs_counts[side], h));
                    (
                        base_old + runs_old,
                        base.count(*h) + count(&runs_counts[side], h),
                    )
                });
                CountChange {
                    shingle: *h,
                    base: [base_old, base.count(*h)],
                    sides,
                }
            })
            .collect();
        let all_changed = Changed::new(changes.iter().map(|c| (c.shingle, c.sides)));
        let touched = joint::coupling_changes(changes.into_iter());
        let multi = runs.len() > 1;
        let was_multi = self.multi;
        // Per run: whether pass 2 decided it again, and whether the clusters of coupled
        // runs must be decided again (a run that is or was coupled changed, or so did
        // what the rest of the dump holds of its shingles). Only a run redone, or listed
        // under a shingle whose counts changed, can answer anything but no to either.
        let near_change = self
            .index
            .candidates(all_changed.ranges.keys().chain(touched.ranges.keys()));
        let every = multi != was_multi;
        let todo: Vec<bool> = (0..runs.len())
            .map(|k| every || redo_first[k] || near_change[ids[k] as usize])
            .collect();
        let decide = |run: &mut Run, r: &Range<usize>, redo: bool| {
            let shingles = run.shingles.as_deref().unwrap_or(&[]);
            let was_coupled = !run.coupling.is_empty();
            let redo = redo || every;
            // The coupling before, when it changed.
            let mut coupling_changed = None;
            if redo || touched.touches(shingles) {
                let now = if multi {
                    joint::coupling(&run.contribution, base, runs_counts)
                } else {
                    Vec::new()
                };
                if now != run.coupling {
                    coupling_changed = Some(std::mem::replace(&mut run.coupling, now));
                }
            }
            let stale = redo || all_changed.hits(shingles, Some(&run.contribution));
            if stale {
                run.second = second_pass(&ctx, &rows[r.clone()], base, runs_counts, run, multi);
            }
            let coupled = !run.coupling.is_empty();
            let cluster_changed = (was_coupled || coupled)
                && (stale
                    || coupling_changed.is_some()
                    || joint::rest_may_change(&touched, shingles, &run.contribution));
            (stale, cluster_changed, coupling_changed)
        };
        let mut decided = vec![(false, false, None); runs.len()];
        if todo.iter().filter(|t| **t).count() > FEW {
            runs.par_iter_mut()
                .zip(decided.par_iter_mut())
                .enumerate()
                .filter(|(k, _)| todo[*k])
                .for_each(|(k, (run, d))| *d = decide(run, &ranges[k], redo_first[k]));
        } else {
            for k in (0..runs.len()).filter(|&k| todo[k]) {
                decided[k] = decide(&mut runs[k], &ranges[k], redo_first[k]);
            }
        }
        for (k, d) in decided.iter_mut().enumerate() {
            if let Some(before) = d.2.take() {
                self.couplings.remove(ids[k], &before);
                self.couplings.add(ids[k], &runs[k].coupling);
                recoupled.push(ids[k]);
            }
        }
        clusters_stale |= decided.iter().any(|d| d.1);
        // The runs read otherwise than before: those decided again by either pass, and
        // those whose joint decisions changed.
        let mut again: Vec<bool> = decided.iter().map(|d| d.0).collect();
        if clusters_stale {
            let at = by_id(&ids);
            // The runs that may hold joint decisions from before: those in a group then
            // (by id: a run is gone, or another run took its id and holds none).
            let previous: Vec<usize> = self
                .partition
                .iter()
                .flatten()
                .filter_map(|&id| *at.get(id as usize)?)
                .collect();
            // The groups of coupled runs are as before unless a run's coupling changed
            // (a new run's from that of the gone run it took over, or from none) or a
            // coupled run is gone with no new run in its place; then the runs those
            // changes reach are grouped again.
            if !recoupled.is_empty() {
                let coupling = |id: u32| {
                    let k = (*at.get(id as usize)?)?;
                    Some(&runs[k].coupling[..])
                };
                self.partition = self
                    .couplings
                    .regroup(&self.partition, &recoupled, coupling);
            }
            // Each group's runs in row order, the groups in order of their first run
            // (as `joint::partition` gives them).
            let partition = positions(&self.partition, &at).unwrap_or_else(|| {
                // A group names a run that is not there: not expected; group afresh.
                self.couplings = joint::Couplings::of(&runs, &ids);
                let partition = joint::partition(&runs);
                self.partition = ids_of(&partition, |k| ids[k]);
                partition
            });
            // The runs whose joint decisions may change: those in a group before or now.
            let mut may_change: Vec<usize> = previous
                .iter()
                .copied()
                .chain(partition.iter().flatten().copied())
                .collect();
            may_change.sort_unstable();
            may_change.dedup();
            let before: Vec<Option<Vec<Decision>>> =
                may_change.iter().map(|&k| runs[k].joint.clone()).collect();
            // Clusters of runs none of which changed keep their decisions, unless every
            // decision may change (the paragraph length did).
            let unchanged: Vec<bool> = decided.iter().map(|d| !d.1).collect();
            joint::decide_clusters(
                &ctx,
                rows,
                base,
                runs_counts,
                (&mut runs, &ranges),
                joint::Groups {
                    partition: &partition,
                    unchanged: (!redo_all).then_some(&unchanged[..]),
                    previous: Some(&may_change),
                },
                &mut self.clusters,
            );
            for (&k, b) in may_change.iter().zip(before) {
                again[k] |= runs[k].joint != b;
            }
        }
        let out = (0..runs.len()).filter(|&k| again[k]).collect();
        self.runs = runs;
        self.ranges = ranges;
        self.ids = ids;
        self.paragraph_len = paragraph_len;
        self.rows = rows.len();
        self.multi = multi;
        out
    }

    /// The runs of `rows`, which relate to the previous read's rows by `map`, each
    /// with the index of the previous run it repeats, if any: a run wholly before or
    /// wholly after the window, on the same rows as a previous run. Runs away from the
    /// window are the previous ones (moved by the rows the edit added or removed); only
    /// the rows between the last unchanged row before the window and the first after it
    /// are looked at.
    fn runs_after_edit(
        &self,
        rows: &[RowInput],
        map: RowMap,
    ) -> (Vec<Range<usize>>, Vec<Option<usize>>) {
        let old = &self.ranges;
        // Previous runs that end at an unchanged row before the window: its rows up to
        // there are the previous read's, so are its runs.
        let lo = old.partition_point(|r| r.end < map.prefix);
        let from = lo.checked_sub(1).map_or(0, |k| old[k].end + 1);
        // Previous runs that start after an unchanged row after the window.
        let hi = old.partition_point(|r| r.start <= map.old_end).max(lo);
        let to = old
            .get(hi)
            .map_or(rows.len(), |r| r.start - 1 - map.old_end + map.new_end);
        let between = runs_of(&rows[from..to]);
        let mut ranges = Vec::with_capacity(old.len() - (hi - lo) + between.len());
        let mut repeats = Vec::with_capacity(ranges.capacity());
        ranges.extend_from_slice(&old[..lo]);
        repeats.extend((0..lo).map(Some));
        for r in between {
            let r = r.start + from..r.end + from;
            // Only a run wholly before or wholly after the window can repeat one.
            let k = (r.start >= map.new_end || r.end <= map.prefix)
                .then(|| map.old_of(r.start))
                .flatten()
                .and_then(|start| old.binary_search_by_key(&start, |o| o.start).ok())
                .filter(|&k| old[k].len() == r.len());
            ranges.push(r);
            repeats.push(k);
        }
        // Wholly after the window: moved by the rows the edit added or removed.
        let moved = |r: &Range<usize>| {
            r.start - map.old_end + map.new_end..r.end - map.old_end + map.new_end
        };
        ranges.extend(old[hi..].iter().map(moved));
        repeats.extend((hi..old.len()).map(Some));
        (ranges, repeats)
    }

    /// Computes now what the first [`DecideState::update`] would otherwise compute for
    /// every run (each run's shingles), so that the first edit after a whole read costs
    /// what the next ones do. `rows` are the rows just decided.
    pub fn prepare(&mut self, rows: &[RowInput]) {
        if self.shingled {
            return;
        }
        self.runs
            .par_iter_mut()
            .zip(&self.ranges)
            .for_each(|(run, r)| {
                if run.shingles.is_none() {
                    run.shingles = Some(run_shingles(&rows[r.clone()]));
                }
            });
        for (run, &id) in self.runs.iter().zip(&self.ids) {
            self.index
                .insert(id, run.shingles.as_deref().unwrap_or(&[]));
        }
        self.shingled = true;
    }

    /// The rows of run `k` and their decisions.
    pub fn run_decisions(&self, k: usize) -> (Range<usize>, &[Decision]) {
        let run = &self.runs[k];
        (
            self.ranges[k].clone(),
            run.joint.as_deref().unwrap_or(&run.second),
        )
    }
}

/// Pass 1 of a run: its decisions against the unchanged rows only, and what that
/// reading puts into each version.
fn first_pass(ctx: &Context, rows: &[RowInput], base: &Base) -> (Vec<Decision>, [Counts; 2]) {
    let ext = Ext {
        base,
        runs: None,
        own: None,
    };
    let first = decide_run(ctx, rows, &RowData::of(rows), ext);
    let c = contribution(rows, &first);
    (first, c)
}

/// Pass 2 of a run whose rows are `rows`: its decisions against the unchanged rows and
/// every other run as pass 1 read it (pass 1's decisions when the run is the only one).
fn second_pass(
    ctx: &Context,
    rows: &[RowInput],
    base: &Base,
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
    // The other runs only matter through which of this run's shingles the rest of
    // each version holds: where that is what pass 1 saw, pass 2 decides the same.
    let data = RowData::of(rows);
    let same = data
        .iter()
        .all(|d| d.shingles.iter().all(|&h| ext.holds_as_base(h)));
    if same {
        return run.first.clone();
    }
    decide_run(ctx, rows, &data, ext)
}

/// The groups of run ids `partition` by the runs' indices, given each run's id
/// (`None` if one of them is no run's).
fn positions(partition: &[Vec<u32>], at: &[Option<usize>]) -> Option<Vec<Vec<usize>>> {
    let mut groups: Vec<Vec<usize>> = partition
        .iter()
        .map(|g| g.iter().map(|&id| *at.get(id as usize)?).collect())
        .collect::<Option<_>>()?;
    for g in &mut groups {
        g.sort_unstable();
    }
    groups.sort_unstable();
    Some(groups)
}

/// Each run's position, by its id.
fn by_id(ids: &[u32]) -> Vec<Option<usize>> {
    let mut at = vec![None; ids.iter().max().map_or(0, |&m| m as usize + 1)];
    for (k, &id) in ids.iter().enumerate() {
        at[id as usize] = Some(k);
    }
    at
}

/// The groups of run indices `partition` by the runs' ids.
fn ids_of(partition: &[Vec<usize>], id: impl Fn(usize) -> u32) -> Vec<Vec<u32>> {
    partition
        .iter()
        .map(|g| g.iter().map(|&k| id(k)).collect())
        .collect()
}

/// Every row's decision: the runs' (in order), and unchanged between them.
fn decisions_of(rows: usize, runs: &[Run], ranges: &[Range<usize>]) -> Vec<Decision> {
    let mut out = Vec::with_capacity(rows);
    for (run, r) in runs.iter().zip(ranges) {
        out.resize(r.start, Decision::UNCHANGED);
        out.extend_from_slice(run.joint.as_ref().unwrap_or(&run.second));
        debug_assert_eq!(out.len(), r.end);
    }
    out.resize(rows, Decision::UNCHANGED);
    out
}
