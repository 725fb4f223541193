//! Which runs hold a shingle: lets an update find the few runs its count changes can
//! concern without visiting every run's shingles.
//!
//! Shingles are grouped in buckets by their low bits, and each bucket lists the runs
//! holding one of its shingles. A run is listed by an id that stays with it while its
//! place in the list of runs shifts; the ids of runs that are gone are given again.
//! A bucket may name a run that holds a different shingle of the same bucket: the
//! runs found are candidates, each still checked against its own shingles.

/// The runs holding each bucket of shingles, by run id.
#[derive(Default)]
pub(super) struct RunIndex {
    buckets: Vec<Vec<u32>>,
    free: Vec<u32>,
    next: u32,
}

/// About 110,000 run shingles on a 10 MB dump: a few runs per bucket.
const BUCKETS: usize = 1 << 15;

fn bucket(h: u64) -> usize {
    (h as usize) & (BUCKETS - 1)
}

impl RunIndex {
    /// An id for a new run.
    pub(super) fn new_id(&mut self) -> u32 {
        self.free.pop().unwrap_or_else(|| {
            self.next += 1;
            self.next - 1
        })
    }

    /// Lists run `id` under each of its shingles' buckets.
    pub(super) fn insert(&mut self, id: u32, shingles: &[u64]) {
        if self.buckets.is_empty() {
            self.buckets = vec![Vec::new(); BUCKETS];
        }
        for &h in shingles {
            let b = &mut self.buckets[bucket(h)];
            if !b.contains(&id) {
                b.push(id);
            }
        }
    }

    /// Takes run `id` (holding `shingles`) out; its id stays taken (see [`RunIndex::free`]).
    pub(super) fn remove(&mut self, id: u32, shingles: &[u64]) {
        if !self.buckets.is_empty() {
            for &h in shingles {
                let b = &mut self.buckets[bucket(h)];
                if let Some(at) = b.iter().position(|&x| x == id) {
                    b.swap_remove(at);
                }
            }
        }
    }

    /// Gives an id back, for a new run.
    pub(super) fn free(&mut self, id: u32) {
        self.free.push(id);
    }

    /// Per run id: whether the run may hold one of `shingles`.
    pub(super) fn candidates<'a>(&self, shingles: impl Iterator<Item = &'a u64>) -> Vec<bool> {
        let mut marks = vec![false; self.next as usize];
        if self.buckets.is_empty() {
            return marks;
        }
        for &h in shingles {
            for &id in &self.buckets[bucket(h)] {
                marks[id as usize] = true;
            }
        }
        marks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_runs_holding_a_shingle_and_forgets_removed_ones() {
        let mut index = RunIndex::default();
        let (a, b) = (index.new_id(), index.new_id());
        // 7 and 7 + BUCKETS share a bucket; 9 is alone.
        index.insert(a, &[7, 9]);
        index.insert(b, &[7 + BUCKETS as u64]);
        assert_eq!(index.candidates([9].iter()), [true, false]);
        assert_eq!(index.candidates([7].iter()), [true, true]);
        assert_eq!(index.candidates([8].iter()), [false, false]);
        index.remove(a, &[7, 9]);
        index.free(a);
        assert_eq!(index.candidates([7, 9].iter()), [false, true]);
        // The freed id is given again, with nothing listed under it.
        let c = index.new_id();
        assert_eq!(c, a);
        assert_eq!(index.candidates([9].iter()), [false, false]);
    }
}
