//! The chain's versions, gaps and paragraph histories assembled from its steps.

use super::{Chain, ChainVersion, Conflict, Gap, Location, Step};
use crate::dump::{Direction, Dump, Side};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Caption preference for a version shown in a column: the newer column of a "later"
/// page that compares it with the version just before is the truth-schema caption.
pub(super) fn caption_rank(dump: &Dump, side: Side) -> u8 {
    let later = dump
        .time
        .as_ref()
        .is_none_or(|t| t.direction == Direction::Later);
    let [a, b] = dump.header.versions;
    match (side, later) {
        (Side::New, true) if b == a + 1 => 0,
        (Side::New, true) => 1,
        (Side::Old, _) if dump.version(side).caption.is_some() => 2,
        (Side::Old, _) => 3,
        (Side::New, false) => 4,
    }
}

pub(super) fn assemble(steps: Vec<Step>, mut conflicts: Vec<Conflict>) -> Chain {
    let mut shown: BTreeMap<u32, Vec<(usize, Side)>> = BTreeMap::new();
    for (s, step) in steps.iter().enumerate() {
        for side in [Side::Old, Side::New] {
            let number = step.dump.header.versions[side.index()];
            let list = shown.entry(number).or_default();
            if !list.iter().any(|&(t, sd)| t == s && sd == side) {
                list.push((s, side));
            }
        }
    }
    let mut versions = Vec::with_capacity(shown.len());
    for (&number, sources) in &shown {
        let mut sources = sources.clone();
        // The text comes from a complete, untruncated column if there is one.
        sources.sort_by_key(|&(s, side)| {
            let d = &steps[s].dump;
            (!d.version(side).complete, d.truncated, s)
        });
        let (s0, side0) = sources[0];
        let v = steps[s0].dump.version(side0);
        let caption = sources
            .iter()
            .min_by_key(|&&(s, side)| caption_rank(&steps[s].dump, side))
            .and_then(|&(s, side)| steps[s].dump.version(side).caption.clone());
        // The title from a title row that is not ambiguous, if any.
        let title = sources
            .iter()
            .find(|&&(s, side)| {
                steps[s]
                    .dump
                    .title
                    .as_ref()
                    .is_some_and(|t| t.ambiguity.is_none())
                    && !steps[s].dump.version(side).title.is_empty()
            })
            .map(|&(s, side)| steps[s].dump.version(side).title.clone())
            .unwrap_or_else(|| v.title.clone());
        for &(s, side) in &sources[1..] {
            let d = &steps[s].dump;
            let sure = |x: &Dump| x.title.as_ref().is_some_and(|t| t.ambiguity.is_none());
            let named = |c: &Conflict| {
                c.version == number
                    && c.files.iter().any(|l| l.path == steps[s].path)
                    && c.files.iter().any(|l| l.path == steps[s0].path)
            };
            if sure(d)
                && sure(&steps[s0].dump)
                && d.version(side).title != v.title
                && !conflicts.iter().any(named)
            {
                conflicts.push(Conflict {
                    version: number,
                    files: [
                        Location {
                            path: steps[s0].path.clone(),
                            line: steps[s0].dump.title.as_ref().map(|t| t.line + 1),
                        },
                        Location {
                            path: steps[s].path.clone(),
                            line: d.title.as_ref().map(|t| t.line + 1),
                        },
                    ],
                    message: format!(
                        "two different titles for version {number}: “{}” and “{}”",
                        v.title,
                        d.version(side).title
                    ),
                });
            }
        }
        versions.push(ChainVersion {
            number,
            title,
            caption,
            paragraphs: v.paragraphs.iter().map(|p| p.text.to_string()).collect(),
            complete: v.complete && !steps[s0].dump.truncated,
            sources,
        });
    }
    let gaps = gaps(&steps, &versions);
    // Paragraph identities: each row with both halves links a paragraph of its left
    // version to one of its right version.
    let index_of: HashMap<u32, usize> = versions
        .iter()
        .enumerate()
        .map(|(i, v)| (v.number, i))
        .collect();
    let offsets: Vec<usize> = versions
        .iter()
        .scan(0, |acc, v| {
            let o = *acc;
            *acc += v.paragraphs.len();
            Some(o)
        })
        .collect();
    let total: usize = versions.iter().map(|v| v.paragraphs.len()).sum();
    let mut parent: Vec<usize> = (0..total).collect();
    fn find(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    let mut row_places = Vec::with_capacity(steps.len());
    for step in &steps {
        let d = &step.dump;
        let mut places = vec![[None, None]; d.rows.len()];
        for side in [Side::Old, Side::New] {
            let vi = index_of[&d.header.versions[side.index()]];
            let target = &versions[vi].paragraphs;
            let mine = &d.version(side).paragraphs;
            let same =
                mine.len() == target.len() && mine.iter().zip(target).all(|(a, b)| *a.text == **b);
            let mut used = vec![false; target.len()];
            let mut next = 0;
            for (k, p) in mine.iter().enumerate() {
                let at = if same {
                    Some(k)
                } else {
                    (next..target.len())
                        .chain(0..next.min(target.len()))
                        .find(|&t| !used[t] && *target[t] == *p.text)
                };
                if let Some(t) = at {
                    used[t] = true;
                    next = t + 1;
                    places[p.row][side.index()] = Some(t);
                }
            }
        }
        for p in &places {
            if let [Some(a), Some(b)] = *p {
                let va = offsets[index_of[&d.header.versions[0]]] + a;
                let vb = offsets[index_of[&d.header.versions[1]]] + b;
                let (ra, rb) = (find(&mut parent, va), find(&mut parent, vb));
                if ra != rb {
                    parent[ra.max(rb)] = ra.min(rb);
                }
            }
        }
        row_places.push(places);
    }
    let mut id_of_root: HashMap<usize, usize> = HashMap::new();
    let mut ids = Vec::with_capacity(versions.len());
    let mut places: Vec<Vec<Option<usize>>> = Vec::new();
    for (vi, v) in versions.iter().enumerate() {
        let mut row = Vec::with_capacity(v.paragraphs.len());
        for p in 0..v.paragraphs.len() {
            let r = find(&mut parent, offsets[vi] + p);
            let id = *id_of_root.entry(r).or_insert_with(|| {
                places.push(vec![None; versions.len()]);
                places.len() - 1
            });
            if places[id][vi].is_none() {
                places[id][vi] = Some(p);
            }
            row.push(id);
        }
        ids.push(row);
    }
    let first = &steps[0].dump.header;
    Chain {
        url: first.url.clone(),
        source: first.source.clone(),
        versions,
        steps,
        gaps,
        conflicts,
        ids,
        places,
        row_places,
    }
}

pub(super) fn gaps(steps: &[Step], versions: &[ChainVersion]) -> Vec<Gap> {
    let links: BTreeSet<(u32, u32)> = steps
        .iter()
        .map(|s| {
            let [a, b] = s.dump.header.versions;
            (a.min(b), a.max(b))
        })
        .collect();
    let known: Vec<u32> = versions.iter().map(|v| v.number).collect();
    let mut out = Vec::new();
    if let Some(&first) = known.first() {
        if first > 0 {
            out.push(Gap {
                after: None,
                before: Some(first),
                missing: (0..first).collect(),
                bridged: false,
            });
        }
    }
    for w in known.windows(2) {
        let (a, b) = (w[0], w[1]);
        let linked = links.contains(&(a, b));
        if b == a + 1 && linked {
            continue;
        }
        out.push(Gap {
            after: Some(a),
            before: Some(b),
            missing: (a + 1..b).collect(),
            bridged: linked,
        });
    }
    let stored = steps.iter().filter_map(|s| s.dump.header.changes).max();
    if let (Some(n), Some(&last)) = (stored, known.last()) {
        if n > 0 && last + 1 < n {
            out.push(Gap {
                after: Some(last),
                before: None,
                missing: (last + 1..n).collect(),
                bridged: false,
            });
        }
    }
    out
}
