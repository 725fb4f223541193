//! Runs that hold the same sentence are decided together.
//!
//! Pass 2 decides each run against the others as pass 1 read them. When two runs far
//! apart hold the same sentence (moved from one paragraph to another, or repeated in
//! a rewritten passage), each run's best reading depends on the other's, and deciding
//! both against the other's pass-1 reading can flip both at once: each avoids the
//! repeat the other no longer makes, and together they put the sentence twice into
//! one version. Such runs (a cluster), when pass 2 read one of them otherwise than
//! pass 1, are decided as one: every combination of their best readings is scored with
//! the duplicates counted across all of them, and each row's confidence is its margin
//! to the best combination that reads it otherwise. A cluster whose runs all kept
//! their pass-1 readings is settled: each reading is the best against the others'.
//! Yet a run may owe its certainty to the others' readings: a sentence moved between
//! two runs reads as a move both ways round (added here and removed there, or the
//! reverse), and each run is certain against the other's reading while reading both
//! otherwise scores nearly as well. So a settled cluster's runs with no flagged row
//! have their confidences measured jointly too, and their readings stay.

use super::counts::{add_all, Base, Changed, CountChange};
use super::run::{
    decisions, decisions_for, distinct, duplicate_score, enumerate, free_tables, polarity_score,
    structure_score, to_reading, Ext, Para, Precomputed, RowData, Scored,
};
use super::state::Run;
use super::{Choice, Context, Counts, Decision, RowInput};
use crate::text::{FastMap, FastSet};
use rayon::prelude::*;
use std::collections::hash_map::Entry;
use std::ops::Range;

/// A cluster larger than this (rows, or runs) keeps its pass-2 decisions: joint
/// scoring grows with the product of the runs' readings.
const MAX_ROWS: usize = super::EXHAUSTIVE_RUN;
const MAX_RUNS: usize = 6;
/// Each run brings at most this many of its readings, the best (rivals further down
/// score far below the best, and a long run has thousands of near-copies).
const CANDIDATES: usize = 256;
/// At most this many combinations of the runs' best readings are scored.
const COMBINATIONS: usize = 256;
/// As many when only measuring kept readings: a rival that reads two runs otherwise
/// is built from readings near the top of each.
const MEASURE_COMBINATIONS: usize = 64;

/// The shingles through which a run's reading could depend on another run's: those its
/// pass-1 reading puts into a version that another run's pass-1 reading also holds (in
/// either version) and no unchanged row holds. A shingle an unchanged row holds counts
/// against a reading whatever the other runs do. Sorted; empty for most runs.
pub(super) fn coupling(own: &[Counts; 2], base: &Base, runs: &[Counts; 2]) -> Vec<u64> {
    let count = |c: &Counts, h: &u64| c.get(h).copied().unwrap_or(0);
    let keys: Vec<u64> = own
        .iter()
        .flat_map(|c| c.keys())
        .filter(|h| {
            !base.contains_key(h)
                && (0..2)
                    .map(|side| count(&runs[side], h) - count(&own[side], h))
                    .sum::<i32>()
                    >= 1
        })
        .copied()
        .collect();
    distinct(keys)
}

/// The count changes of an update that can matter to coupled runs. A shingle that
/// unchanged rows hold before and after the update matters to none: it never couples
/// runs, and the rest of the dump holds it whatever a cluster reads. When the
/// unchanged rows start or stop holding a shingle, its range is `0..i32::MAX`.
pub(super) fn coupling_changes(changes: impl Iterator<Item = CountChange>) -> Changed {
    Changed::new(
        changes
            .filter(|c| c.base[0] == 0 || c.base[1] == 0)
            .map(|c| {
                let sides = if (c.base[0] > 0) != (c.base[1] > 0) {
                    [(0, i32::MAX); 2]
                } else {
                    c.sides
                };
                (c.shingle, sides)
            }),
    )
}

/// Whether the rest of the dump outside a cluster holding this run (whose own reading
/// is `own`) may hold one of its shingles differently after the changes `touched`
/// (from [`coupling_changes`]): the count without the cluster's readings crosses 1
/// only if the cluster's own count, at least `own`'s, lies in `min..max`, so only if
/// `max` exceeds `own`'s.
pub(super) fn rest_may_change(touched: &Changed, shingles: &[u64], own: &[Counts; 2]) -> bool {
    !touched.ranges.is_empty()
        && shingles.iter().any(|&h| {
            touched.get(h).is_some_and(|sides| {
                sides
                    .iter()
                    .zip(own)
                    .any(|(r, o)| r.is_some_and(|(_, hi)| hi > o.get(&h).copied().unwrap_or(0)))
            })
        })
}

/// Which runs' couplings hold each shingle, by run id: after an edit changed a few
/// couplings, the groups of coupled runs are found again from the runs those changes
/// reach ([`Couplings::regroup`]), not from every run.
#[derive(Default)]
pub(super) struct Couplings {
    holders: FastMap<u64, Vec<u32>>,
}

impl Couplings {
    /// The couplings of `runs`, whose ids are `ids`.
    pub(super) fn of(runs: &[Run], ids: &[u32]) -> Couplings {
        let mut c = Couplings::default();
        for (run, &id) in runs.iter().zip(ids) {
            c.add(id, &run.coupling);
        }
        c
    }

    pub(super) fn add(&mut self, id: u32, coupling: &[u64]) {
        for &h in coupling {
            self.holders.entry(h).or_default().push(id);
        }
    }

    pub(super) fn remove(&mut self, id: u32, coupling: &[u64]) {
        for h in coupling {
            if let Entry::Occupied(mut e) = self.holders.entry(*h) {
                e.get_mut().retain(|&x| x != id);
                if e.get().is_empty() {
                    e.remove();
                }
            }
        }
    }

    /// The groups (by run id, as [`partition`] makes them) after the couplings of the
    /// runs `changed` changed (a run gone has none): `groups` are the groups before,
    /// and `coupling` gives a run's coupling now (`None` for a run that is gone). A
    /// group none of whose runs changed or reaches a changed run is as it was; the
    /// runs of the others, and the changed ones, are joined again.
    pub(super) fn regroup<'a>(
        &self,
        groups: &[Vec<u32>],
        changed: &[u32],
        coupling: impl Fn(u32) -> Option<&'a [u64]>,
    ) -> Vec<Vec<u32>> {
        let group_of: FastMap<u32, usize> = groups
            .iter()
            .enumerate()
            .flat_map(|(g, members)| members.iter().map(move |&id| (id, g)))
            .collect();
        let mut redone = vec![false; groups.len()];
        for id in changed {
            if let Some(&g) = group_of.get(id) {
                redone[g] = true;
            }
        }
        let mut seeds: Vec<u32> = changed.to_vec();
        for (members, _) in groups.iter().zip(&redone).filter(|(_, r)| **r) {
            seeds.extend(members);
        }
        let mut seen: FastSet<u32> = FastSet::default();
        let mut out = Vec::new();
        for s in seeds {
            if !seen.insert(s) {
                continue;
            }
            // Every run joined to `s` through shared shingles.
            let mut component = vec![s];
            let mut k = 0;
            while let Some(&id) = component.get(k) {
                k += 1;
                for h in coupling(id).unwrap_or(&[]) {
                    for &other in self.holders.get(h).map_or(&[][..], |v| &v[..]) {
                        if seen.insert(other) {
                            component.push(other);
                        }
                    }
                }
            }
            // A group this reaches is joined into it whole.
            for id in &component {
                if let Some(&g) = group_of.get(id) {
                    redone[g] = true;
                }
            }
            if component.len() > 1 {
                out.push(component);
            }
        }
        out.extend(
            groups
                .iter()
                .zip(&redone)
                .filter(|(_, r)| !**r)
                .map(|(g, _)| g.clone()),
        );
        out
    }
}

/// Coupled runs joined by the shingles they share: the groups of two runs or more
/// (indices into `runs`, ascending; the groups in order of their first run).
pub(super) fn partition(runs: &[Run]) -> Vec<Vec<usize>> {
    let coupled: Vec<usize> = (0..runs.len())
        .filter(|&i| !runs[i].coupling.is_empty())
        .collect();
    if coupled.len() < 2 {
        return Vec::new();
    }
    // Union-find over the runs, by index.
    let mut parent: Vec<usize> = (0..runs.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let shingles: usize = coupled.iter().map(|&i| runs[i].coupling.len()).sum();
    let mut owner: FastMap<u64, usize> =
        FastMap::with_capacity_and_hasher(shingles, Default::default());
    for &i in &coupled {
        // Two runs share a shingle no unchanged row holds exactly when it is in both
        // runs' coupling.
        for h in &runs[i].coupling {
            match owner.entry(*h) {
                Entry::Vacant(e) => {
                    e.insert(i);
                }
                Entry::Occupied(e) => {
                    let (a, b) = (root(&mut parent, *e.get()), root(&mut parent, i));
                    if a != b {
                        parent[a.max(b)] = a.min(b);
                    }
                }
            }
        }
    }
    let mut groups: FastMap<usize, Vec<usize>> = FastMap::default();
    for &i in &coupled {
        let r = root(&mut parent, i);
        groups.entry(r).or_default().push(i);
    }
    let mut out: Vec<Vec<usize>> = groups.into_values().filter(|g| g.len() > 1).collect();
    for g in &mut out {
        g.sort_unstable();
    }
    out.sort_unstable();
    out
}

/// What a cluster of coupled runs needs after pass 2.
#[derive(Clone, Copy, PartialEq)]
enum Need {
    /// Pass 2 read a run of the cluster otherwise than pass 1: the runs are decided
    /// together.
    Decide,
    /// Every run read in pass 2 as in pass 1 (the cluster is settled: each run's
    /// reading is its best against the others' final readings), and a run has no
    /// flagged row.
    /// The readings stay; each row's confidence is measured jointly too, against
    /// rivals that read the other runs otherwise: a run's reading that rests on
    /// another run's reading is no more certain than the two together.
    Measure,
}

fn need(runs: &[Run], group: &[usize]) -> Option<Need> {
    let unsettled = group.iter().any(|&i| {
        let r = &runs[i];
        r.first
            .iter()
            .zip(&r.second)
            .any(|(a, b)| a.reading != b.reading)
    });
    // Only a run with no flagged row takes joint confidences.
    let flagged = |i: &usize| runs[*i].second.iter().any(|d| d.ambiguity.is_some());
    if unsettled {
        Some(Need::Decide)
    } else if !group.iter().all(flagged) {
        Some(Need::Measure)
    } else {
        None
    }
}

/// The groups of coupled runs, and what is known of them from the last decisions.
pub(super) struct Groups<'a> {
    /// From [`partition`].
    pub(super) partition: &'a [Vec<usize>],
    /// Per run: nothing its cluster's decisions depend on changed since they were made
    /// (`None`: decide every cluster).
    pub(super) unchanged: Option<&'a [bool]>,
    /// Every run that may hold joint decisions or a cluster's number from before (`None`:
    /// any run); the others are not looked at.
    pub(super) previous: Option<&'a [usize]>,
}

/// Decides every cluster of coupled runs jointly (the groups that pass 2 left
/// unsettled), or measures the confidences of a settled one jointly (see [`Need`]),
/// replacing the members' pass-2 decisions (kept in `joint`); runs in no cluster keep
/// pass 2. A cluster made of the same runs as before, none of them
/// changed, keeps its decisions. Each cluster decided gets a new number from `next`.
/// `ranges` are the runs' rows.
pub(super) fn decide_clusters(
    ctx: &Context,
    rows: &[RowInput],
    base: &Base,
    runs_counts: &[Counts; 2],
    (runs, ranges): (&mut [Run], &[Range<usize>]),
    groups: Groups,
    next: &mut u64,
) {
    let Groups {
        partition,
        unchanged,
        previous,
    } = groups;
    let (groups, needs): (Vec<&[usize]>, Vec<Need>) = partition
        .iter()
        .filter_map(|g| need(runs, g).map(|n| (&g[..], n)))
        .unzip();
    // The same runs as a cluster decided before: all of them carry its number, and
    // they are as many as it had.
    let kept: Vec<bool> = groups
        .iter()
        .map(|g| {
            let Some(unchanged) = unchanged else {
                return false;
            };
            let first = runs[g[0]].cluster;
            first.is_some_and(|(_, size)| size == g.len())
                && g.iter().all(|&i| unchanged[i] && runs[i].cluster == first)
        })
        .collect();
    let mut in_kept = vec![false; runs.len()];
    for (g, _) in groups.iter().zip(&kept).filter(|(_, k)| **k) {
        for &i in g.iter() {
            in_kept[i] = true;
        }
    }
    let mut reset = |i: usize| {
        if !in_kept[i] {
            runs[i].joint = None;
            runs[i].cluster = None;
        }
    };
    match previous {
        Some(previous) => previous.iter().for_each(|&i| reset(i)),
        None => (0..in_kept.len()).for_each(reset),
    }
    // Per cluster: `None` when kept; else its joint decisions, if it has them (not when
    // too large, or when its recorded choices contradict each other).
    let decided: Vec<Option<Option<Vec<Decision>>>> = groups
        .par_iter()
        .zip(&kept)
        .zip(&needs)
        .map(|((g, kept), need)| {
            if *kept {
                return None;
            }
            let members: Vec<Range<usize>> = g.iter().map(|&i| ranges[i].clone()).collect();
            let size: usize = members.iter().map(|r| r.len()).sum();
            if g.len() > MAX_RUNS || size > MAX_ROWS {
                return Some(None);
            }
            // The rest of the dump: everything but the cluster's own readings.
            let mut own: [Counts; 2] = [Counts::default(), Counts::default()];
            for &i in g.iter() {
                add_all(&mut own, &runs[i].contribution);
            }
            let ext = Ext {
                base,
                runs: Some(runs_counts),
                own: Some(&own),
            };
            let keep: Option<Vec<&[Decision]>> =
                (*need == Need::Measure).then(|| g.iter().map(|&i| &runs[i].second[..]).collect());
            Some(decide_cluster(ctx, rows, &members, ext, keep.as_deref()))
        })
        .collect();
    for (g, d) in groups.iter().zip(decided) {
        let Some(d) = d else { continue };
        *next += 1;
        for &i in g.iter() {
            runs[i].cluster = Some((*next, g.len()));
        }
        let Some(d) = d else { continue };
        let mut d = d.into_iter();
        for &i in g.iter() {
            runs[i].joint = Some(d.by_ref().take(ranges[i].len()).collect());
        }
    }
}

/// One reading of one run of a cluster.
struct Candidate {
    structure: f32,
    choices: Vec<Choice>,
}

/// The decisions of a cluster's rows, in the order of `members`; `None` when a run
/// has no reading (its recorded choices contradict each other). With `keep` (the
/// members' pass-2 decisions), those readings stay and only the confidences are
/// measured jointly; none rises above pass 2's (`None` when a kept reading is not
/// among a run's candidates).
fn decide_cluster(
    ctx: &Context,
    rows: &[RowInput],
    members: &[Range<usize>],
    ext: Ext,
    keep: Option<&[&[Decision]]>,
) -> Option<Vec<Decision>> {
    let mut cands: Vec<Vec<Candidate>> = Vec::with_capacity(members.len());
    for r in members {
        let rows = &rows[r.clone()];
        let data = RowData::of(rows);
        let pre = Precomputed::new(rows, &data, ext);
        let mut all = enumerate(ctx, rows, &pre);
        all.sort_by(|a, b| b.score.total_cmp(&a.score));
        let mut seen: FastSet<Vec<Choice>> = FastSet::default();
        let c: Vec<Candidate> = all
            .into_iter()
            .filter(|s| seen.insert(s.choices.clone()))
            .take(CANDIDATES)
            .map(|s| Candidate {
                structure: structure_score(ctx, rows, &pre, &s.choices),
                choices: s.choices,
            })
            .collect();
        if c.is_empty() {
            return None;
        }
        cands.push(c);
    }
    let union: Vec<RowInput> = members
        .iter()
        .flat_map(|r| rows[r.clone()].iter().cloned())
        .collect();
    let data = RowData::of(&union);
    let pre = Precomputed::new(&union, &data, ext);
    // Each member's rows within the union.
    let spans: Vec<Range<usize>> = members
        .iter()
        .scan(0, |at, r| {
            let span = *at..*at + r.len();
            *at = span.end;
            Some(span)
        })
        .collect();
    let score = |idx: &[usize]| -> Scored {
        let mut choices: Vec<Choice> = Vec::with_capacity(union.len());
        let mut s = 0.0;
        for (c, &j) in cands.iter().zip(idx) {
            s += c[j].structure;
            choices.extend_from_slice(&c[j].choices);
        }
        let paragraphs: Vec<[&Para; 2]> = choices
            .iter()
            .enumerate()
            .map(|(i, c)| pre.paragraphs(i, *c))
            .collect();
        Scored {
            score: s - duplicate_score(&paragraphs, &choices, &spans),
            choices,
        }
    };
    // The kept readings, as indices into each run's candidates.
    let held: Option<Vec<usize>> = match keep {
        None => None,
        Some(keep) => Some(
            cands
                .iter()
                .zip(members)
                .zip(keep)
                .map(|((c, r), d)| {
                    c.iter().position(|cand| {
                        cand.choices
                            .iter()
                            .zip(&rows[r.clone()])
                            .zip(d.iter())
                            .all(|((&ch, row), d)| to_reading(row.shape, ch) == d.reading)
                    })
                })
                .collect::<Option<Vec<usize>>>()?,
        ),
    };
    // Every combination of each run's `k` best readings...
    let n = cands.len();
    let mut k = 1;
    let budget = if keep.is_some() {
        MEASURE_COMBINATIONS
    } else {
        COMBINATIONS
    };
    while (k + 1usize).pow(n as u32) <= budget {
        k += 1;
    }
    let mut all: Vec<Scored> = Vec::new();
    let mut best: (f32, Vec<usize>) = (f32::NEG_INFINITY, Vec::new());
    let mut idx = vec![0usize; n];
    'combos: loop {
        let s = score(&idx);
        if s.score > best.0 {
            best = (s.score, idx.clone());
        }
        all.push(s);
        let mut m = 0;
        loop {
            if m == n {
                break 'combos;
            }
            idx[m] += 1;
            if idx[m] < k.min(cands[m].len()) {
                break;
            }
            idx[m] = 0;
            m += 1;
        }
    }
    // ...and every reading of each run with the others at the chosen combination (the
    // best, or the kept one), so that each row is measured against the same rivals
    // as a run decided alone.
    let base = held.clone().unwrap_or(best.1);
    let chosen = held.as_ref().map(|_| all.len());
    if held.is_some() {
        all.push(score(&base));
    }
    // Kept readings: only the runs with no flagged row take joint confidences (a run
    // with one was already measured against its own alternatives), so only their
    // readings need rivals.
    let takes = |m: usize| keep.is_none_or(|keep| keep[m].iter().all(|d| d.ambiguity.is_none()));
    for m in (0..n).filter(|&m| takes(m)) {
        for j in 0..cands[m].len() {
            if j < k && held.is_none() || j == base[m] {
                continue;
            }
            let mut idx = base.clone();
            idx[m] = j;
            all.push(score(&idx));
        }
    }
    free_tables();
    let priors = |c: &[Choice]| -> f32 {
        spans
            .iter()
            .map(|r| polarity_score(ctx, &c[r.clone()]))
            .sum()
    };
    let Some((keep, chosen)) = keep.zip(chosen) else {
        return Some(decisions(&union, &all, &priors));
    };
    let mut joint = decisions_for(&union, &all, Some(chosen), &priors).into_iter();
    let mut out: Vec<Decision> = Vec::with_capacity(union.len());
    for (m, solo) in keep.iter().enumerate() {
        let joint: Vec<Decision> = joint.by_ref().take(solo.len()).collect();
        if !takes(m) {
            out.extend_from_slice(solo);
        } else {
            out.extend(joint.into_iter().zip(solo.iter()).map(|(joint, solo)| {
                if joint.confidence < solo.confidence {
                    joint
                } else {
                    solo.clone()
                }
            }));
        }
    }
    Some(out)
}
