//! Incremental analysis: word diffs and passage classes cached by the text of the row
//! halves, so re-reading a dump after an edit only diffs the rows whose text changed.

use crate::analysis::{Analysis, Passage};
use crate::diff::{classify, word_diff, MoveIndex, PassageClass, WordDiff};
use crate::dump::{Choices, Dump, Kept, NotADump, Reader, Reuse, RowKind, RowMap};
use rayon::prelude::*;
use ropey::Rope;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::ops::Range;
use std::sync::Arc;

type Entry = Arc<(PassageClass, Option<Arc<WordDiff>>)>;
/// A row's passage with its cache key (none for an unchanged row).
type RowEntry = Option<((u64, u64), Entry)>;

/// What the previous analysis left for the next one: the incremental reader, each
/// row's passage, and word diffs keyed by a 128-bit hash of (kind, old half, new half).
#[derive(Default)]
pub struct DiffCache {
    reader: Reader,
    moves: Option<MoveIndex>,
    map: HashMap<(u64, u64), Entry>,
    /// Per row of the last analysis: its passage's entry and key (the keys say which
    /// diffs the map keeps).
    rows: Vec<RowEntry>,
    /// The last analysis's passages, edited in place by the next one after an edit
    /// (rebuilding them walks every row: 0.3–0.4 ms on a 10 MB dump). `None` after a
    /// text that is not a dump.
    last: Option<Vec<Passage>>,
    /// Word diffs computed (cache misses) by the last analysis.
    pub last_misses: usize,
    pub last_hits: usize,
    /// How the last analysis's rows relate to the one's before it, when it re-read
    /// only the edited part (`None` when it read the whole dump): rows outside the
    /// map's window have the same text.
    pub last_map: Option<RowMap>,
    /// With `last_map`: the rows of the last analysis (ranges, ascending and apart)
    /// whose reading, ambiguity, passage or moves may differ from those of the rows the
    /// map gives them; every other row keeps all of these. `None` if not known.
    pub last_touched: Option<Vec<Range<usize>>>,
}

fn key(kind: RowKind, old: &str, new: &str) -> (u64, u64) {
    let mut a = DefaultHasher::new();
    (kind as u8, old, new).hash(&mut a);
    let mut b = DefaultHasher::new();
    (new, old.len(), old, 0x9e37_79b9u32).hash(&mut b);
    (a.finish(), b.finish())
}

/// The rows of `ranges` as ranges in ascending order, apart from each other.
fn merged(mut ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    ranges.retain(|r| !r.is_empty());
    ranges.sort_unstable_by_key(|r| r.start);
    let mut out: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

/// What the last analysis leaves for the next after an edit: how the rows relate, and
/// its passages and row entries, to edit in place.
struct Last {
    map: RowMap,
    passages: Vec<Passage>,
    rows: Vec<RowEntry>,
}

fn compute(kind: RowKind, old: Option<&str>, new: Option<&str>) -> Entry {
    let diff = match (kind, old, new) {
        (RowKind::Changed, Some(o), Some(n)) => Some(word_diff(o, n)),
        _ => None,
    };
    let class = classify(kind, diff.as_ref()).unwrap_or(PassageClass::Unreadable);
    Arc::new((class, diff.map(Arc::new)))
}

impl DiffCache {
    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// What the last analysis did to find the moves (`None` before the first).
    pub fn move_stats(&self) -> Option<crate::diff::UpdateStats> {
        self.moves.as_ref().map(MoveIndex::stats)
    }

    /// The rope's text, to analyse next: built in a spare buffer when there is one,
    /// where only what `kept` and the last edits may have changed is filled in (see
    /// [`Reader::next_text`]).
    pub fn next_text(&mut self, rope: &Rope, kept: Kept) -> String {
        self.reader.next_text(rope.len_bytes(), kept, |out, range| {
            let Some(slice) = rope.get_byte_slice(range) else {
                return false;
            };
            for chunk in slice.chunks() {
                out.push_str(chunk);
            }
            true
        })
    }

    /// Keeps the text a document was opened with, to build the next text in (see
    /// [`Reader::keep_spare`]).
    pub fn keep_spare(&mut self, buf: String, alike: Kept) {
        self.reader.keep_spare(buf, alike);
    }

    /// Reads the edited text of a document: after a small edit only the edited rows
    /// are read, decided and diffed again (the result is the same as a fresh read).
    /// `kept`, when known, says how much of the text's start and end is as it was in the
    /// previous call.
    pub fn analyze_text(
        &mut self,
        text: String,
        choices: &Choices,
        kept: Option<Kept>,
    ) -> Result<Analysis, NotADump> {
        let (dump, reuse) = match self.reader.read_edited(text, choices, kept) {
            Ok(r) => r,
            Err(e) => {
                self.rows.clear();
                self.last = None;
                self.last_map = None;
                self.last_touched = None;
                return Err(e);
            }
        };
        Ok(self.analyze_dump(dump, reuse))
    }

    fn analyze_dump(&mut self, dump: Arc<Dump>, reuse: Reuse) -> Analysis {
        // (The rows of the last analysis are those of the reader's last read.)
        let rows = std::mem::take(&mut self.rows);
        let (last, reread, redecided) = match (reuse, self.last.take()) {
            (
                Reuse::Rows {
                    map,
                    reread,
                    redecided,
                },
                Some(passages),
            ) if rows.len() + map.new_end == map.old_end + dump.rows.len() => (
                Some(Last {
                    map,
                    passages,
                    rows,
                }),
                reread,
                redecided,
            ),
            _ => (None, Vec::new(), Vec::new()),
        };
        let map = last.as_ref().map(|l| l.map);
        self.last_map = map;
        // Rows read the same way as before keep their passage, with no hashing: the
        // rows outside the edited window but those the reader says it read otherwise.
        let mut reused: Vec<Option<usize>> = match map {
            Some(map) => (0..dump.rows.len()).map(|i| map.old_of(i)).collect(),
            None => vec![None; dump.rows.len()],
        };
        for &i in &reread {
            reused[i] = None;
        }
        // The moves are found on one core while the passages are put together on the other.
        let index = self.moves.take();
        let ((index, moves), passages) = rayon::join(
            || match (map, index) {
                (Some(map), Some(mut index)) => {
                    let moves = index.update_edited(&dump, &reused, map);
                    (index, moves)
                }
                _ => MoveIndex::build(&dump),
            },
            || self.passages(&dump, last, &reused),
        );
        self.last_touched = map.zip(index.touched()).map(|(map, moves)| {
            let window = std::iter::once(map.prefix..map.new_end);
            let rows = |rows: &[usize]| rows.iter().map(|&i| i..i + 1).collect::<Vec<_>>();
            merged(
                window
                    .chain(redecided)
                    .chain(rows(&reread))
                    .chain(rows(moves))
                    .collect(),
            )
        });
        self.moves = Some(index);
        Analysis {
            dump,
            passages,
            moves,
        }
    }

    /// Each row's passage: taken over from the last analysis (`last`, after an edit)
    /// for the rows it read the same way (`reused`), from the cache or computed for the
    /// others. Keeps each row's entry for the next analysis.
    fn passages(
        &mut self,
        dump: &Dump,
        last: Option<Last>,
        reused: &[Option<usize>],
    ) -> Vec<Passage> {
        // Rows read as before carry their entry over; only the others (every row on a
        // first analysis, the edited ones after an edit) are keyed, on all cores.
        let fresh: Vec<usize> = (0..dump.rows.len())
            .filter(|&i| reused[i].is_none() && dump.rows[i].kind != RowKind::Unchanged)
            .collect();
        let keys: Vec<(u64, u64)> = fresh
            .par_iter()
            .with_min_len(64)
            .map(|&i| {
                let r = &dump.rows[i];
                let old = r.old.as_ref().map(|s| dump.slice(s)).unwrap_or("");
                let new = r.new.as_ref().map(|s| dump.slice(s)).unwrap_or("");
                key(r.kind, old, new)
            })
            .collect();
        let misses: Vec<(usize, (u64, u64))> = fresh
            .iter()
            .zip(&keys)
            .filter(|(_, k)| !self.map.contains_key(k))
            .map(|(&i, &k)| (i, k))
            .collect();
        let computed: Vec<((u64, u64), Entry)> = misses
            .par_iter()
            .with_min_len(16)
            .map(|(i, k)| {
                let r = &dump.rows[*i];
                let e = compute(
                    r.kind,
                    r.old.as_ref().map(|s| dump.slice(s)),
                    r.new.as_ref().map(|s| dump.slice(s)),
                );
                (*k, e)
            })
            .collect();
        self.last_misses = computed.len();
        for (k, e) in computed {
            self.map.insert(k, e);
        }
        let mut fresh = fresh.into_iter().zip(keys).peekable();
        // A row's entry afresh; called in row order.
        let mut entry_of = |i: usize| -> RowEntry {
            fresh.next_if(|(f, _)| *f == i).map(|(_, k)| {
                let e = self.map.get(&k).cloned();
                (k, e.expect("every passage was computed above"))
            })
        };
        let passage = |i: usize, (_, e): &((u64, u64), Entry)| Passage {
            row: i,
            class: e.0,
            diff: e.1.clone(),
        };
        let edited = last.is_some();
        let (rows, passages) = match last {
            // After an edit: the last analysis's rows and passages are edited in place,
            // where the window's rows and the rows read otherwise are.
            Some(Last {
                map,
                mut passages,
                mut rows,
            }) => {
                let again: Vec<(usize, RowEntry)> = (0..reused.len())
                    .filter(|&i| reused[i].is_none())
                    .map(|i| (i, entry_of(i)))
                    .collect();
                let window = map.prefix..map.new_end;
                let (inside, outside): (Vec<_>, Vec<_>) =
                    again.into_iter().partition(|(i, _)| window.contains(i));
                let made: Vec<Passage> = inside
                    .iter()
                    .filter_map(|(i, e)| e.as_ref().map(|e| passage(*i, e)))
                    .collect();
                rows.splice(map.prefix..map.old_end, inside.into_iter().map(|(_, r)| r));
                map.splice_rows(&mut passages, made, |p| p.row, |p| &mut p.row);
                for (i, r) in outside {
                    let at = passages.binary_search_by_key(&i, |p| p.row);
                    match (at, r.as_ref()) {
                        (Ok(k), Some(e)) => passages[k] = passage(i, e),
                        (Ok(k), None) => {
                            passages.remove(k);
                        }
                        (Err(k), Some(e)) => passages.insert(k, passage(i, e)),
                        (Err(_), None) => {}
                    }
                    rows[i] = r;
                }
                (rows, passages)
            }
            // Read whole: every row's entry afresh (`reused` is all `None`).
            None => {
                let rows: Vec<RowEntry> = (0..dump.rows.len()).map(entry_of).collect();
                let passages = rows
                    .iter()
                    .enumerate()
                    .filter_map(|(i, e)| e.as_ref().map(|e| passage(i, e)))
                    .collect();
                (rows, passages)
            }
        };
        self.last_hits = passages.len() - self.last_misses;
        // Keep only the diffs this text uses once the map holds many others.
        if !edited || self.map.len() > 2 * passages.len() + 1024 {
            self.map = rows.iter().flatten().cloned().collect();
        }
        self.rows = rows;
        self.last = Some(passages.clone());
        passages
    }
}
