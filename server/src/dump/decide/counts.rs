//! Shingle counts per version, and what an update changed in them.

use super::run::{halves, RowData};
use super::{Choice, Counts, Decision, RowInput};
use crate::dump::model::Reading;
use crate::text::FastMap;

/// The unchanged rows' shingle counts (the same in both versions), kept in two tables
/// by the hash's top bit so that both cores can count them at once
/// ([`super::anchor_shingles`]).
#[derive(Default)]
pub struct Base([Counts; 2]);

impl Base {
    fn half(h: u64) -> usize {
        (h >> 63) as usize
    }

    /// Counts `shingles`, each a sorted list (so the hashes of each half are a slice
    /// of it), on both cores.
    pub(super) fn count_sorted(&mut self, shingles: &[Vec<u64>]) {
        debug_assert!(shingles.iter().all(|row| row.is_sorted()));
        let [low, high] = &mut self.0;
        let count = |table: &mut Counts, high: bool| {
            for row in shingles {
                let split = row.partition_point(|&h| Base::half(h) == 0);
                let part = if high { &row[split..] } else { &row[..split] };
                for &h in part {
                    *table.entry(h).or_default() += 1;
                }
            }
        };
        rayon::join(|| count(low, false), || count(high, true));
    }

    /// How many unchanged rows hold `h` (0 for none).
    pub(super) fn count(&self, h: u64) -> i32 {
        self.0[Base::half(h)].get(&h).copied().unwrap_or(0)
    }

    pub(super) fn contains_key(&self, h: &u64) -> bool {
        self.0[Base::half(*h)].contains_key(h)
    }

    /// The table holding `h`.
    pub(super) fn table_mut(&mut self, h: u64) -> &mut Counts {
        &mut self.0[Base::half(h)]
    }
}

/// Adds `n` to a shingle's count (dropping it at zero), remembering the count it
/// had before the first change (`before`).
pub(super) fn add_counts(counts: &mut Counts, h: u64, n: i32, before: &mut Counts) {
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
pub(super) fn add_all(counts: &mut [Counts; 2], contribution: &[Counts; 2]) {
    for (all, c) in counts.iter_mut().zip(contribution) {
        add_side(all, c);
    }
}

fn add_side(all: &mut Counts, c: &Counts) {
    for (h, n) in c {
        *all.entry(*h).or_default() += n;
    }
}

/// Every run's contribution summed: each version's counts on a core of its own.
pub(super) fn total(contributions: &[&[Counts; 2]]) -> [Counts; 2] {
    let side = |side: usize| {
        let mut all = Counts::default();
        for c in contributions {
            add_side(&mut all, &c[side]);
        }
        all
    };
    let (old, new) = rayon::join(|| side(0), || side(1));
    [old, new]
}

/// Adds (`sign` 1) or removes (-1) a run's contribution to both versions' counts.
pub(super) fn apply(
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
pub(super) fn contribution(rows: &[RowInput], ds: &[Decision]) -> [Counts; 2] {
    let mut c: [Counts; 2] = [Counts::default(), Counts::default()];
    for (row, d) in rows.iter().zip(ds) {
        let data = RowData::new(row.shape);
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
        let h = halves(row.shape, &data, choice);
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
pub(super) struct CountChange {
    pub(super) shingle: u64,
    pub(super) base: [i32; 2],
    pub(super) sides: [(i32, i32); 2],
}

/// The shingles whose counts changed, with the counts before and after, per version.
///
/// A decision only asks whether the *rest* of the dump holds a shingle: the count
/// minus the run's own contribution `o` is at least 1. That answer changes from
/// `before` to `after` exactly when `o` lies in `min(before, after)..max(before, after)`,
/// so most count changes (5 copies to 4) change no decision at all.
pub(super) struct Changed {
    bits: Vec<u64>,
    pub(super) ranges: FastMap<u64, [Option<(i32, i32)>; 2]>,
}

impl Changed {
    const BITS: usize = 1 << 16;

    /// From each touched shingle's (before, after) count in each version.
    pub(super) fn new(touched: impl Iterator<Item = (u64, [(i32, i32); 2])>) -> Changed {
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
    pub(super) fn get(&self, h: u64) -> Option<&[Option<(i32, i32)>; 2]> {
        let b = (h as usize) % Self::BITS;
        if self.bits[b / 64] & (1 << (b % 64)) == 0 {
            return None;
        }
        self.ranges.get(&h)
    }

    /// Whether the count of any of `shingles` changed.
    pub(super) fn touches(&self, shingles: &[u64]) -> bool {
        !self.ranges.is_empty() && shingles.iter().any(|&h| self.get(h).is_some())
    }

    /// Whether a run whose own contribution is `own` (none in pass 1) could decide
    /// differently.
    pub(super) fn hits(&self, shingles: &[u64], own: Option<&[Counts; 2]>) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unchanged_rows_counts_are_found_whichever_half_holds_them() {
        let high = 1u64 << 63;
        let rows = vec![vec![3, 9, high + 1], vec![9, high + 1, high + 5], vec![]];
        let mut base = Base::default();
        base.count_sorted(&rows);
        base.count_sorted(&[vec![3]]);
        assert_eq!(
            [3, 9, high + 1, high + 5, 4, high + 3].map(|h| base.count(h)),
            [2, 2, 2, 1, 0, 0]
        );
        assert!(base.contains_key(&(high + 5)) && !base.contains_key(&5));
        // An edit's changes go to the table that holds the shingle.
        let mut before = Counts::default();
        add_counts(base.table_mut(high + 5), high + 5, -1, &mut before);
        add_counts(base.table_mut(4), 4, 1, &mut before);
        assert_eq!([high + 5, 4].map(|h| base.count(h)), [0, 1]);
        // A count that reaches zero is dropped.
        assert!(!base.contains_key(&(high + 5)));
        assert_eq!(before.get(&(high + 5)), Some(&1));
    }
}
