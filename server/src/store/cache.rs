//! Incremental analysis: word diffs and passage classes cached by the text of the row
//! halves, so re-reading a dump after an edit only diffs the rows whose text changed.

use crate::analysis::{Analysis, Passage};
use crate::diff::{classify, find_moves, word_diff, PassageClass, WordDiff};
use crate::dump::{self, Choices, Dump, NotADump, RowKind};
use rayon::prelude::*;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

type Entry = Arc<(PassageClass, Option<WordDiff>)>;

/// Word diffs keyed by a 128-bit hash of (kind, old half, new half).
#[derive(Default)]
pub struct DiffCache {
    map: HashMap<(u64, u64), Entry>,
    /// Diffs computed (cache misses) by the last [`DiffCache::analyze`].
    pub last_misses: usize,
    pub last_hits: usize,
}

fn key(kind: RowKind, old: &str, new: &str) -> (u64, u64) {
    let mut a = DefaultHasher::new();
    (kind as u8, old, new).hash(&mut a);
    let mut b = DefaultHasher::new();
    (new, old.len(), old, 0x9e37_79b9u32).hash(&mut b);
    (a.finish(), b.finish())
}

fn compute(kind: RowKind, old: Option<&str>, new: Option<&str>) -> Entry {
    let diff = match (kind, old, new) {
        (RowKind::Changed, Some(o), Some(n)) => Some(word_diff(o, n)),
        _ => None,
    };
    let class = classify(kind, diff.as_ref()).unwrap_or(PassageClass::Unreadable);
    Arc::new((class, diff))
}

impl DiffCache {
    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Reads a dump and computes its passages, reusing every cached diff. Entries not
    /// used by this text are dropped, so the cache never outgrows the document.
    pub fn analyze(&mut self, bytes: &[u8], choices: &Choices) -> Result<Analysis, NotADump> {
        let dump = dump::read(bytes, choices)?;
        Ok(self.analyze_dump(dump))
    }

    pub fn analyze_dump(&mut self, dump: Dump) -> Analysis {
        let keyed: Vec<(usize, (u64, u64))> = dump
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.kind != RowKind::Unchanged)
            .map(|(i, r)| {
                let old = r.old.as_ref().map(|s| dump.slice(s)).unwrap_or("");
                let new = r.new.as_ref().map(|s| dump.slice(s)).unwrap_or("");
                (i, key(r.kind, old, new))
            })
            .collect();
        let misses: Vec<(usize, (u64, u64))> = keyed
            .iter()
            .filter(|(_, k)| !self.map.contains_key(k))
            .cloned()
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
        self.last_hits = keyed.len() - computed.len();
        let mut next: HashMap<(u64, u64), Entry> = HashMap::with_capacity(keyed.len());
        for (k, e) in computed {
            next.insert(k, e);
        }
        let mut passages = Vec::with_capacity(keyed.len());
        for (i, k) in &keyed {
            let e = match next.get(k) {
                Some(e) => e.clone(),
                None => {
                    let e = self.map.get(k).cloned().expect("key checked above");
                    next.insert(*k, e.clone());
                    e
                }
            };
            passages.push(Passage {
                row: *i,
                class: e.0,
                diff: e.1.clone(),
            });
        }
        self.map = next;
        let moves = find_moves(&dump);
        Analysis {
            dump,
            passages,
            moves,
        }
    }
}
