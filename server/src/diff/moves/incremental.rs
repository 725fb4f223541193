//! [`MoveIndex`]: the state of [`find_moves`](super::find_moves) kept between edits, so
//! that re-finding moves after an edit of a few rows costs about as much as the edit.
//!
//! What is kept: every row's sentences (tokenized once, relative to their half), a
//! shingle index of both sides (for each 4-word shingle, the newer sentences that hold
//! it, with multiplicity, and the older ones), and the greedy's outcome as links (an
//! older sentence's match, and a newer sentence's taker).
//!
//! Rows get ids that survive edits; a sentence is named by `(row id, index in its
//! half)`. Its place in document order is `(row position, index)`, which is also the
//! order [`find_moves`](super::find_moves) numbers sentences in, so sorting candidates
//! by place breaks ties the same way.
//!
//! # Why an update is exact
//!
//! The greedy decides older sentences in document order. One decision takes, among
//! the sentence's candidates not taken by earlier decisions, the last most similar one
//! at or above [`SAME_SENTENCE`]. So it depends only on the sentence's words, and on
//! the candidates similar enough to be taken: which they are, their order, their words,
//! and whether each was taken before. An update keeps the previous decision of every
//! older sentence and decides again, in document order, those for which one of these
//! may differ from the previous run:
//!
//! * a sentence of a new or changed row (its words);
//! * a sentence that gains a candidate similar enough to take: from a newer sentence of
//!   a new row, through a shingle held by at most [`COMMON_SHINGLE`] newer sentences
//!   after the edit, or from any holder of a shingle that crossed that limit;
//! * a sentence that took a newer sentence that was deleted. A candidate that
//!   disappears (deleted, or behind a shingle that became too common) matters to no
//!   other sentence: the best of a set does not change when something other than the
//!   best leaves it. (Shingles that crossed the limit mark their holders anyway.)
//! * whenever a decision about a newer sentence `c` differs between the runs (an older
//!   sentence that took `c` was deleted, took something else, or `c` is now taken by a
//!   different sentence), every later older sentence to which `c` is similar enough.
//!   "Was `c` taken before sentence `s`" can only differ between the two runs if some
//!   decision before `s` about `c` differs, so a sentence not marked sees exactly the
//!   same taken candidates as before.
//!
//! Kept rows keep their sentences, so their order is unchanged; positions shift by the
//! same amount, so candidate order (and ties) too. Marks only ever point after the
//! sentence being decided, so one pass in document order (a min-heap of places) settles
//! every cascade. When the edit touches many rows or the cascade reaches many
//! sentences, the index is rebuilt from scratch instead.

use super::{
    best_of, dice, move_between, row_sentences, Move, Sent, COMMON_SHINGLE, SAME_SENTENCE,
};
use crate::dump::{Dump, RowKind, RowMap, Side, Span};
use crate::text::FastMap;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// No link.
pub(super) const NONE: u64 = u64::MAX;
/// Position of a row id that no longer exists.
const GONE: u32 = u32::MAX;

const OLD: usize = 0;
const NEW: usize = 1;

/// A sentence's name (`(row id, index)`) or place (`(row position, index)`).
fn pack(row: u32, k: usize) -> u64 {
    (row as u64) << 32 | k as u64
}

fn high(x: u64) -> usize {
    (x >> 32) as usize
}

fn low(x: u64) -> usize {
    x as u32 as usize
}

/// A row's kind and the byte lengths of its halves: enough to catch most `reused`
/// entries that do not hold.
type Shape = (RowKind, [Option<usize>; 2]);

fn shape(dump: &Dump, i: usize) -> Shape {
    let r = &dump.rows[i];
    (
        r.kind,
        [
            r.old.as_ref().map(|s| s.len()),
            r.new.as_ref().map(|s| s.len()),
        ],
    )
}

/// Whether a row of this kind is read for sentences at all.
fn has_sentences(kind: RowKind) -> bool {
    !matches!(kind, RowKind::Unchanged | RowKind::Unreadable)
}

/// A row: small, so that shifting the rows after an inserted line is cheap (most rows
/// are unchanged and have no body).
#[derive(Default)]
struct RowEntry {
    id: u32,
    /// How many of its older sentences matched a sentence of another row.
    moves: u32,
    body: Option<Box<Body>>,
}

struct Body {
    shape: Shape,
    /// Older then newer sentences.
    sents: [Vec<Sent>; 2],
}

impl RowEntry {
    fn new(dump: &Dump, i: usize, id: u32, sents: [Vec<Sent>; 2]) -> RowEntry {
        let body = has_sentences(dump.rows[i].kind).then(|| {
            Box::new(Body {
                shape: shape(dump, i),
                sents,
            })
        });
        RowEntry { id, moves: 0, body }
    }

    fn read(dump: &Dump, i: usize, id: u32) -> RowEntry {
        let sents = [
            row_sentences(dump, i, Side::Old),
            row_sentences(dump, i, Side::New),
        ];
        RowEntry::new(dump, i, id, sents)
    }

    fn sents(&self, side: usize) -> &[Sent] {
        match &self.body {
            Some(b) => &b.sents[side],
            None => &[],
        }
    }

    fn sent_mut(&mut self, side: usize, k: usize) -> &mut Sent {
        &mut self.body.as_mut().expect("a row with sentences").sents[side][k]
    }

    /// Whether row `i` of `dump` can be this row (same kind and half lengths).
    fn fits(&self, dump: &Dump, i: usize) -> bool {
        match &self.body {
            Some(b) => b.shape == shape(dump, i),
            None => !has_sentences(dump.rows[i].kind),
        }
    }
}

/// The sentences that hold one shingle.
#[derive(Default)]
struct Postings {
    /// Newer sentences, once per occurrence (the count [`COMMON_SHINGLE`] applies to).
    new: Vec<u64>,
    /// Older sentences.
    old: Vec<u64>,
}

/// What the last [`MoveIndex::update`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UpdateStats {
    /// The index was rebuilt from scratch (too many rows changed, the cascade spread
    /// too far, or `reused` was not usable).
    pub full: bool,
    /// Rows tokenized.
    pub rows_read: usize,
    /// Older sentences decided again.
    pub decided: usize,
    /// The moves carried over from the last list ([`MoveIndex::update_edited`]);
    /// `None` when every row's moves were listed.
    pub carried: Option<usize>,
}

/// Moved sentences of a dump, kept up to date across edits. See the module docs.
pub struct MoveIndex {
    /// By row position in the current dump.
    rows: Vec<RowEntry>,
    /// Row id → row position ([`GONE`] once deleted). Ids are never reused.
    pos: Vec<u32>,
    index: FastMap<u64, Postings>,
    /// Number of older sentences.
    old_count: usize,
    /// Number of moves (the sum of the rows' `moves`).
    moving: usize,
    stats: UpdateStats,
    /// The moves of the dump last indexed, and the length of its text: after an edit
    /// the reader made, the moves of rows whose decisions stand are carried over
    /// ([`MoveIndex::update_edited`]).
    last: Vec<Move>,
    text_len: usize,
    /// The rows (by position) whose older sentences the last update read or decided
    /// again, ascending.
    redo: Vec<usize>,
    /// After [`MoveIndex::update_edited`] carried moves over: the rows at either end
    /// of a move it dropped or listed again, ascending (see [`MoveIndex::touched`]).
    touched: Option<Vec<usize>>,
}

impl std::fmt::Debug for MoveIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MoveIndex")
            .field("rows", &self.rows.len())
            .field("older_sentences", &self.old_count)
            .field("shingles", &self.index.len())
            .field("moves", &self.moving)
            .field("stats", &self.stats)
            .finish()
    }
}

impl MoveIndex {
    /// Indexes a dump; the moves are exactly [`find_moves`](super::find_moves)'.
    pub fn build(dump: &Dump) -> (MoveIndex, Vec<Move>) {
        let mut idx = MoveIndex::new(dump);
        let moves = idx.moves(dump);
        idx.remember(dump, &moves);
        (idx, moves)
    }

    fn remember(&mut self, dump: &Dump, moves: &[Move]) {
        self.last.clear();
        self.last.extend_from_slice(moves);
        self.text_len = dump.text.len();
    }

    fn new(dump: &Dump) -> MoveIndex {
        let rows: Vec<RowEntry> = super::all_sentences(dump)
            .into_iter()
            .enumerate()
            .map(|(i, sents)| RowEntry::new(dump, i, i as u32, sents))
            .collect();
        let mut idx = MoveIndex {
            pos: (0..rows.len() as u32).collect(),
            rows,
            index: FastMap::default(),
            old_count: 0,
            moving: 0,
            stats: UpdateStats {
                full: true,
                rows_read: dump.rows.len(),
                decided: 0,
                carried: None,
            },
            last: Vec::new(),
            text_len: 0,
            redo: Vec::new(),
            touched: None,
        };
        for r in &idx.rows {
            for side in [OLD, NEW] {
                for (k, s) in r.sents(side).iter().enumerate() {
                    for &h in s.shingles() {
                        let p = idx.index.entry(h).or_default();
                        if side == OLD { &mut p.old } else { &mut p.new }.push(pack(r.id, k));
                    }
                }
            }
            idx.old_count += r.sents(OLD).len();
        }
        // The greedy, from scratch: nothing is taken yet, so every link set below points
        // to an earlier sentence.
        let mut candidates = Vec::new();
        for r in 0..idx.rows.len() {
            for k in 0..idx.rows[r].sents(OLD).len() {
                let c = idx.decide(pack(r as u32, k), &mut candidates);
                if c != NONE {
                    let me = pack(idx.rows[r].id, k);
                    idx.set_link(r, k, c);
                    idx.sent_mut(c, NEW).link = me;
                }
            }
        }
        idx.stats.decided = idx.old_count;
        idx
    }

    /// What the last [`MoveIndex::update`] (or [`MoveIndex::build`]) did.
    pub fn stats(&self) -> UpdateStats {
        self.stats
    }

    /// After [`MoveIndex::update_edited`] carried the moves over, the rows whose moves
    /// may differ from the last list's (moved through the edit's map): every other row
    /// is an end of the same moves as before, at the same places in its text. `None`
    /// when every move was listed.
    pub fn touched(&self) -> Option<&[usize]> {
        self.touched.as_deref()
    }

    /// Brings the index to `dump`, an edit of the dump it was last built or updated
    /// from, and returns exactly [`find_moves`](super::find_moves)`(dump)`.
    ///
    /// `reused[i] == Some(j)` promises that row `i` of `dump` has the same kind and the
    /// same half texts as row `j` of the previous dump (spans may have shifted); `j`
    /// must increase with `i`. `None` marks a new or changed row. The promise is
    /// trusted for the common prefix and suffix (`reused[i] == Some(i)` from the start,
    /// `Some(j)` with `n - i == m - j` from the end); rows between whose kind or half
    /// lengths differ are read again. A `reused` of the wrong length, not increasing or
    /// out of range rebuilds the index.
    pub fn update(&mut self, dump: &Dump, reused: &[Option<usize>]) -> Vec<Move> {
        self.touched = None;
        match self.try_update(dump, reused) {
            Some(stats) => self.stats = stats,
            None => *self = MoveIndex::new(dump),
        }
        let moves = self.moves(dump);
        self.remember(dump, &moves);
        moves
    }

    /// [`MoveIndex::update`] after an edit the incremental reader made through `map`:
    /// rows before `map.prefix` are the previous dump's rows at the same place, rows
    /// from `map.new_end` on are its rows from `map.old_end` on, moved by the edit.
    /// `reused` must name those rows (or fewer: a row read otherwise is `None`).
    ///
    /// Listing the moves visits every row with one, wherever it lies: after a small
    /// edit, most of an update's time. Instead, the moves of the rows whose decisions
    /// stand are carried over from the last list, shifted, and only the rows the update
    /// read or decided again are listed.
    pub fn update_edited(
        &mut self,
        dump: &Dump,
        reused: &[Option<usize>],
        map: RowMap,
    ) -> Vec<Move> {
        self.touched = None;
        let Some(stats) = self.try_update(dump, reused) else {
            *self = MoveIndex::new(dump);
            let moves = self.moves(dump);
            self.remember(dump, &moves);
            return moves;
        };
        self.stats = stats;
        let delta = dump.text.len() as isize - self.text_len as isize;
        let moves = match self.carried(dump, map, delta) {
            Some((moves, carried, mut touched)) => {
                self.stats.carried = Some(carried);
                touched.sort_unstable();
                touched.dedup();
                self.touched = Some(touched);
                moves
            }
            // Not expected (the tests check that it does not happen): list them all.
            None => self.moves(dump),
        };
        self.remember(dump, &moves);
        moves
    }

    /// The last moves carried over to `dump` through `map` (the rows after the edit
    /// moved by `delta` bytes), with those of the rows in [`MoveIndex::redo`] listed
    /// again, how many were carried, and the rows at either end of a move dropped or
    /// listed again (unsorted). `None` if they do not add up.
    fn carried(
        &self,
        dump: &Dump,
        map: RowMap,
        delta: isize,
    ) -> Option<(Vec<Move>, usize, Vec<usize>)> {
        let moved = |s: &Span, row: usize| -> Option<Span> {
            if row < map.new_end {
                return Some(s.clone());
            }
            Some(s.start.checked_add_signed(delta)?..s.end.checked_add_signed(delta)?)
        };
        let mut out = Vec::with_capacity(self.moving);
        let mut carried = 0;
        let mut touched = Vec::new();
        let mut redo = self.redo.iter().copied().peekable();
        let relist = |r: usize, out: &mut Vec<Move>, touched: &mut Vec<usize>| {
            let from = out.len();
            self.row_moves(dump, r, out);
            touched.extend(out[from..].iter().flat_map(|m| [m.from_row, m.to_row]));
        };
        for m in &self.last {
            // A row of the edited window: read again, so listed below.
            let Some(from) = map.new_of(m.from_row) else {
                touched.extend(map.new_of(m.to_row));
                continue;
            };
            while let Some(r) = redo.next_if(|&r| r < from) {
                relist(r, &mut out, &mut touched);
            }
            if redo.peek() == Some(&from) {
                touched.push(from);
                touched.extend(map.new_of(m.to_row));
                continue;
            }
            // A kept decision took a kept sentence (a deleted one's taker is decided
            // again).
            let to = map.new_of(m.to_row)?;
            out.push(Move {
                from_row: from,
                from: moved(&m.from, from)?,
                to_row: to,
                to: moved(&m.to, to)?,
            });
            carried += 1;
        }
        for r in redo {
            relist(r, &mut out, &mut touched);
        }
        (out.len() == self.moving).then_some((out, carried, touched))
    }

    /// The place of a sentence, from its name.
    fn place(&self, name: u64) -> u64 {
        pack(self.pos[high(name)], low(name))
    }

    fn alive(&self, name: u64) -> bool {
        self.pos[high(name)] != GONE
    }

    fn sent_at(&self, place: u64, side: usize) -> &Sent {
        &self.rows[high(place)].sents(side)[low(place)]
    }

    fn sent_mut(&mut self, name: u64, side: usize) -> &mut Sent {
        let r = self.pos[high(name)] as usize;
        self.rows[r].sent_mut(side, low(name))
    }

    /// Sets the match of older sentence `k` of row `r`; returns the previous one.
    fn set_link(&mut self, r: usize, k: usize, took: u64) -> u64 {
        let row = &mut self.rows[r];
        let id = row.id as usize;
        let before = std::mem::replace(&mut row.sent_mut(OLD, k).link, took);
        let moving = |l: u64| u32::from(l != NONE && high(l) != id);
        row.moves = row.moves + moving(took) - moving(before);
        self.moving = self.moving + moving(took) as usize - moving(before) as usize;
        before
    }

    /// Whether the newer sentence at `place` was taken by an older sentence before `at`.
    fn taken_before(&self, place: u64, at: u64) -> bool {
        let taker = self.sent_at(place, NEW).link;
        taker != NONE && self.alive(taker) && self.place(taker) < at
    }

    /// One greedy step: the newer sentence (by name) the older sentence at `at` takes,
    /// given what earlier sentences took; [`NONE`] if none.
    fn decide(&self, at: u64, candidates: &mut Vec<u64>) -> u64 {
        let s = self.sent_at(at, OLD);
        candidates.clear();
        for h in s.shingles() {
            if let Some(p) = self.index.get(h) {
                if p.new.len() <= COMMON_SHINGLE {
                    candidates.extend(p.new.iter().map(|&c| self.place(c)));
                }
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        let best = best_of(
            candidates
                .iter()
                .filter(|&&c| !self.taken_before(c, at))
                .map(|&c| (c, dice(s, self.sent_at(c, NEW)))),
        );
        match best {
            Some(c) => pack(self.rows[high(c)].id, low(c)),
            None => NONE,
        }
    }

    /// Marks for deciding again every older sentence at or after `from` that has the
    /// newer sentence `name` as a candidate similar enough to take.
    fn mark_candidates_of(&self, name: u64, from: u64, heap: &mut BinaryHeap<Reverse<u64>>) {
        let c = self.sent_at(self.place(name), NEW);
        for h in c.shingles() {
            if let Some(p) = self.index.get(h) {
                if p.new.len() <= COMMON_SHINGLE {
                    self.mark_similar(&p.old, c, from, heap);
                }
            }
        }
    }

    /// Marks the older sentences among `olds` at or after `from` to which `c` is similar
    /// enough to be taken: a candidate below [`SAME_SENTENCE`] never changes a decision,
    /// whether it appears, disappears, or is taken.
    fn mark_similar(&self, olds: &[u64], c: &Sent, from: u64, heap: &mut BinaryHeap<Reverse<u64>>) {
        for &o in olds {
            let q = self.place(o);
            if q >= from && dice(self.sent_at(q, OLD), c) >= SAME_SENTENCE {
                heap.push(Reverse(q));
            }
        }
    }

    /// `None` when the update is better done from scratch (the state is then invalid).
    fn try_update(&mut self, dump: &Dump, reused: &[Option<usize>]) -> Option<UpdateStats> {
        self.redo.clear();
        let n = dump.rows.len();
        let m = self.rows.len();
        if reused.len() != n {
            return None;
        }
        let mut lo = 0;
        while lo < n.min(m) && reused[lo] == Some(lo) {
            lo += 1;
        }
        // The rest must increase and stay in range.
        let mut next = lo;
        for &j in reused[lo..].iter().flatten() {
            if j < next || j >= m {
                return None;
            }
            next = j + 1;
        }
        let mut tail = 0;
        while tail < (n - lo).min(m - lo) && reused[n - 1 - tail] == Some(m - 1 - tail) {
            tail += 1;
        }
        let (hi_new, hi_old) = (n - tail, m - tail);
        // Between the prefix and the suffix, rows reused from `lo..hi_old` (reused is
        // increasing); a row whose kind or half lengths differ is read again.
        let keep: Vec<Option<usize>> = (lo..hi_new)
            .map(|i| reused[i].filter(|&j| self.rows[j].fits(dump, i)))
            .collect();
        let fresh = keep.iter().filter(|r| r.is_none()).count();
        if fresh > 64.max(n / 8) || self.pos.len() + fresh > 2 * n + 4096 {
            return None;
        }

        // Rows: rebuild the middle, then put it in place of the old middle (the suffix
        // moves only when the number of rows changed).
        let mut mid = Vec::with_capacity(hi_new - lo);
        // Deleted rows, with the position of the first row after the kept row before
        // them: where their sentences were in document order.
        let mut gone: Vec<(RowEntry, usize)> = Vec::new();
        let mut fresh_rows = Vec::with_capacity(fresh);
        let (mut cursor, mut anchor) = (lo, lo);
        for (i, r) in (lo..hi_new).zip(keep) {
            match r {
                Some(j) => {
                    for g in cursor..j {
                        gone.push((std::mem::take(&mut self.rows[g]), anchor));
                    }
                    mid.push(std::mem::take(&mut self.rows[j]));
                    cursor = j + 1;
                    anchor = i + 1;
                }
                None => {
                    let id = self.pos.len() as u32;
                    self.pos.push(GONE);
                    mid.push(RowEntry::read(dump, i, id));
                    fresh_rows.push(i);
                }
            }
        }
        for g in cursor..hi_old {
            gone.push((std::mem::take(&mut self.rows[g]), anchor));
        }
        self.rows.splice(lo..hi_old, mid);
        let moved = if n == m { lo..hi_new } else { lo..n };
        for i in moved {
            self.pos[self.rows[i].id as usize] = i as u32;
        }
        for (g, _) in &gone {
            self.pos[g.id as usize] = GONE;
            self.moving -= g.moves as usize;
        }

        let mut heap: BinaryHeap<Reverse<u64>> = BinaryHeap::new();
        // Shingles whose newer sentences changed, with their count before.
        let mut touched: FastMap<u64, usize> = FastMap::default();
        // Newer sentences no longer taken by a deleted older sentence, and from where.
        let mut released: Vec<(u64, u64)> = Vec::new();
        for (g, anchor) in &gone {
            for (k, s) in g.sents(OLD).iter().enumerate() {
                let me = pack(g.id, k);
                for h in s.shingles() {
                    let p = self.index.get_mut(h).expect("indexed shingle");
                    remove_one(&mut p.old, me);
                }
                if s.link != NONE && self.alive(s.link) {
                    let c = self.sent_mut(s.link, NEW);
                    if c.link == me {
                        c.link = NONE;
                    }
                    released.push((s.link, pack(*anchor as u32, 0)));
                }
                self.old_count -= 1;
            }
            for (k, s) in g.sents(NEW).iter().enumerate() {
                let me = pack(g.id, k);
                for h in s.shingles() {
                    let p = self.index.get_mut(h).expect("indexed shingle");
                    touched.entry(*h).or_insert(p.new.len());
                    remove_one(&mut p.new, me);
                }
                // Its taker lost what it took.
                if s.link != NONE && self.alive(s.link) {
                    heap.push(Reverse(self.place(s.link)));
                }
            }
        }
        for &i in &fresh_rows {
            let r = &self.rows[i];
            for (k, s) in r.sents(NEW).iter().enumerate() {
                for &h in s.shingles() {
                    let p = self.index.entry(h).or_default();
                    touched.entry(h).or_insert(p.new.len());
                    p.new.push(pack(r.id, k));
                }
            }
            for (k, s) in r.sents(OLD).iter().enumerate() {
                for &h in s.shingles() {
                    self.index.entry(h).or_default().old.push(pack(r.id, k));
                }
                heap.push(Reverse(pack(i as u32, k)));
            }
            self.old_count += r.sents(OLD).len();
        }
        // Candidates that appeared: the newer sentences of new rows (through shingles that
        // are followed), and every holder of a shingle that crossed the limit. (A
        // candidate that disappeared matters only to the sentence that took it, marked
        // above: taking the best of a set, dropping one that was not taken changes
        // nothing.)
        for &i in &fresh_rows {
            for y in self.rows[i].sents(NEW) {
                for h in y.shingles() {
                    let p = &self.index[h];
                    if p.new.len() <= COMMON_SHINGLE {
                        self.mark_similar(&p.old, y, 0, &mut heap);
                    }
                }
            }
        }
        for (h, before) in touched {
            let p = &self.index[&h];
            if p.new.is_empty() && p.old.is_empty() {
                self.index.remove(&h);
                continue;
            }
            if (before <= COMMON_SHINGLE) != (p.new.len() <= COMMON_SHINGLE) {
                for &c in &p.new {
                    let c = self.sent_at(self.place(c), NEW);
                    self.mark_similar(&p.old, c, 0, &mut heap);
                }
            }
        }
        for (c, from) in released {
            self.mark_candidates_of(c, from, &mut heap);
        }
        for (g, _) in &gone {
            for s in g.sents(OLD) {
                for h in s.shingles() {
                    if self
                        .index
                        .get(h)
                        .is_some_and(|p| p.new.is_empty() && p.old.is_empty())
                    {
                        self.index.remove(h);
                    }
                }
            }
        }

        // Decide again, in document order; every mark points after the sentence that
        // made it, so the heap's order is the greedy's.
        let budget = 256.max(self.old_count / 4);
        let mut decided = 0;
        let mut previous = NONE;
        let mut candidates = Vec::new();
        let mut decided_rows = Vec::new();
        while let Some(Reverse(at)) = heap.pop() {
            if at == previous {
                continue;
            }
            previous = at;
            decided += 1;
            if decided > budget {
                return None;
            }
            let took = self.decide(at, &mut candidates);
            let (r, k) = (high(at), low(at));
            decided_rows.push(r);
            let me = pack(self.rows[r].id, k);
            let before = self.set_link(r, k, took);
            if took == before {
                continue;
            }
            if before != NONE && self.alive(before) {
                let c = self.sent_mut(before, NEW);
                if c.link == me {
                    c.link = NONE;
                }
                self.mark_candidates_of(before, at + 1, &mut heap);
            }
            if took != NONE {
                self.sent_mut(took, NEW).link = me;
                self.mark_candidates_of(took, at + 1, &mut heap);
            }
        }
        // Popped in document order: the rows decided again are ascending.
        decided_rows.dedup();
        self.redo = merged(&fresh_rows, &decided_rows);
        Some(UpdateStats {
            full: false,
            rows_read: fresh,
            decided,
            carried: None,
        })
    }

    /// The moves, as [`find_moves`](super::find_moves) lists them.
    fn moves(&self, dump: &Dump) -> Vec<Move> {
        let mut out = Vec::with_capacity(self.moving);
        for i in 0..self.rows.len() {
            if out.len() == self.moving {
                break;
            }
            self.row_moves(dump, i, &mut out);
        }
        out
    }

    /// The moves of the older sentences of row `i`, in order.
    fn row_moves(&self, dump: &Dump, i: usize, out: &mut Vec<Move>) {
        let e = &self.rows[i];
        if e.moves == 0 {
            return;
        }
        for s in e.sents(OLD) {
            if s.link == NONE || high(s.link) == e.id as usize {
                continue;
            }
            let to_row = self.pos[high(s.link)] as usize;
            let t = &self.rows[to_row].sents(NEW)[low(s.link)];
            out.push(move_between(dump, (i, s), (to_row, t)));
        }
    }

    /// Every match the greedy made, same-row ones included, as
    /// `(row, sentence, to row, to sentence)`: the whole state, for tests. Also checks
    /// that the links agree both ways.
    #[cfg(test)]
    pub(crate) fn matches(&self) -> Vec<(usize, usize, usize, usize)> {
        let mut out = Vec::new();
        let mut moving = 0;
        for (i, e) in self.rows.iter().enumerate() {
            let moves = e.sents(OLD).iter();
            let moves = moves.filter(|s| s.link != NONE && high(s.link) != e.id as usize);
            assert_eq!(moves.count(), e.moves as usize, "row's move count");
            moving += e.moves as usize;
            for (k, s) in e.sents(OLD).iter().enumerate() {
                if s.link != NONE {
                    assert!(self.alive(s.link), "link to a deleted row");
                    let t = self.place(s.link);
                    assert_eq!(self.sent_at(t, NEW).link, pack(e.id, k), "links disagree");
                    out.push((i, k, high(t), low(t)));
                }
            }
            for (k, s) in e.sents(NEW).iter().enumerate() {
                if s.link != NONE && self.alive(s.link) {
                    let o = self.place(s.link);
                    assert_eq!(self.sent_at(o, OLD).link, pack(e.id, k), "taker disagrees");
                }
            }
        }
        assert_eq!(moving, self.moving, "move count");
        out
    }
}

/// Two ascending lists of rows as one, without repeats.
fn merged(a: &[usize], b: &[usize]) -> Vec<usize> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    out.extend_from_slice(a);
    out.extend_from_slice(b);
    out.sort_unstable();
    out.dedup();
    out
}

fn remove_one(v: &mut Vec<u64>, x: u64) {
    if let Some(i) = v.iter().position(|&y| y == x) {
        v.swap_remove(i);
    }
}

/// `reused` for [`MoveIndex::update`] by comparing rows: the longest common prefix and
/// suffix of rows with the same kind and half texts are reused, the rows between are
/// not. Reads both texts (cheap next to reading the dump; the incremental reader knows
/// the answer without it).
pub fn reused_rows(before: &Dump, after: &Dump) -> Vec<Option<usize>> {
    let same = |i: usize, j: usize| {
        let (a, b) = (&after.rows[i], &before.rows[j]);
        a.kind == b.kind
            && a.old.as_ref().map(|s| after.slice(s)) == b.old.as_ref().map(|s| before.slice(s))
            && a.new.as_ref().map(|s| after.slice(s)) == b.new.as_ref().map(|s| before.slice(s))
    };
    let (n, m) = (after.rows.len(), before.rows.len());
    let mut out = vec![None; n];
    let mut lo = 0;
    while lo < n.min(m) && same(lo, lo) {
        out[lo] = Some(lo);
        lo += 1;
    }
    let mut tail = 0;
    while tail < (n - lo).min(m - lo) && same(n - 1 - tail, m - 1 - tail) {
        out[n - 1 - tail] = Some(m - 1 - tail);
        tail += 1;
    }
    out
}
