//! A publication after a small edit, spliced into the last one.
//!
//! Listing every source and looking up its entry visits thousands of rows and entries
//! spread over memory: after a one-line edit, most of a publication's time. But the
//! analysis says which rows the edit may have changed ([`Snapshot::touched`]): every
//! other row keeps its reading, ambiguity, passage and moves. When no line moved and the
//! last frame was made from the analysis just before, the diagnostics on every other
//! line are the last frame's, byte for byte. Only the lines of the touched rows and of
//! the loose diagnostics ([`Source::is_loose`], few) are built again; the last frame is
//! copied around them.
//!
//! [`Snapshot::touched`]: crate::store::Snapshot::touched

use super::*;
use crate::lsp::diagnostics::{ambiguous_row, shown};
use crate::lsp::position::line_in;

/// Above this many touched rows, the whole listing is cheaper to go through.
const MAX_TOUCHED: usize = 4096;

/// A diagnostic built for a touched line: its start, the place of its source in the
/// listing and its own place in the source's diagnostics (which order diagnostics at one
/// start), and the source's part and its index there.
struct Fresh {
    start: Position,
    rank: (u8, usize, usize),
    part: usize,
    json: usize,
}

/// A diagnostic's start and where its JSON went in the new frame.
type Went = (Position, Range<usize>);

/// Where the new frame's diagnostics come from, in order.
enum Item {
    /// Diagnostics `placed[range]` of the last frame, side by side there.
    Old(Range<usize>),
    New(usize),
}

/// The frame, spliced into the last one; `None` when that cannot be done (the caller
/// goes through every source then).
pub(super) fn splice(
    cx: &Ctx,
    related: bool,
    version: i32,
    reuse: &mut Reuse,
) -> Option<serde_json::Result<Arc<Vec<u8>>>> {
    let a = cx.analysis()?;
    let (text, starts) = cx.snap.plain_text()?;
    let (since, map) = cx.snap.since?;
    let touched = cx.snap.touched.as_ref()?;
    if reuse.generation != Some(since) || reuse.lines != cx.snap.rope.len_lines() {
        return None;
    }
    if touched.iter().map(|r| r.len()).sum::<usize>() > MAX_TOUCHED {
        return None;
    }
    let old = reuse.frame.clone()?;
    let dump = &a.dump;
    let set = &cx.settings.diagnostics;
    let line_of = |offset: usize| line_in(text, starts, offset) as u32;

    // The loose sources, and the lines to build again: the touched rows', the loose
    // diagnostics' now and in the last frame.
    let mut sources: Vec<((u8, usize), Source)> = Vec::new();
    let mut dirty: Vec<u32> = reuse.loose.clone();
    if let Some(err) = &cx.snap.choices_error {
        sources.push(((0, 0), Source::Sidecar(err)));
        dirty.push(0);
    }
    for (k, f) in dump.findings.iter().enumerate() {
        if !f.is_row_ambiguity() && shown(set, f) {
            sources.push(((1, k), Source::Finding(f, ambiguous_row(dump, f, &mut 0))));
            dirty.push(line_of(f.span.start));
        }
    }
    for r in touched {
        dirty.extend(dump.rows[r.clone()].iter().map(|row| row.line as u32));
    }
    // The window's lines, wherever its rows were before: between the rows kept on
    // either side (a row may have become a line that is none).
    let rows = &dump.rows;
    let after = map.prefix.checked_sub(1).map_or(0, |i| rows[i].line + 1);
    let before = rows.get(map.new_end).map_or(starts.len() + 1, |r| r.line);
    if before.saturating_sub(after) > MAX_TOUCHED {
        return None;
    }
    dirty.extend((after..before).map(|l| l as u32));
    dirty.sort_unstable();
    dirty.dedup();

    // The other sources with a diagnostic on those lines. A line's dump bytes, from
    // its start to the next line's (to the end for the last ones: the exact line of
    // an offset there is checked).
    let bytes = |l: u32| {
        let at = |l: usize| starts.get(l).copied();
        at(l as usize).unwrap_or(text.len())..at(l as usize + 1).unwrap_or(usize::MAX)
    };
    let on_dirty = |offset: usize| {
        let k = dirty.partition_point(|&l| bytes(l).start <= offset);
        k > 0
            && bytes(dirty[k - 1]).contains(&offset)
            && dirty.binary_search(&line_of(offset)).is_ok()
    };
    for &l in &dirty {
        let b = bytes(l);
        let first = dump.findings.partition_point(|f| f.span.start < b.start);
        for (k, f) in dump.findings.iter().enumerate().skip(first) {
            if f.span.start >= b.end {
                break;
            }
            if f.is_row_ambiguity() && shown(set, f) && line_of(f.span.start) == l {
                sources.push(((1, k), Source::Finding(f, ambiguous_row(dump, f, &mut 0))));
            }
        }
        if set.passages {
            let first = rows.partition_point(|r| r.span.start < b.start);
            for (i, row) in rows.iter().enumerate().skip(first) {
                if row.span.start >= b.end {
                    break;
                }
                if line_of(row.span.start) != l {
                    continue;
                }
                if let Ok(k) = a.passages.binary_search_by_key(&i, |p| p.row) {
                    sources.push(((2, k), Source::Passage(&a.passages[k])));
                }
            }
        }
    }
    if set.moves {
        for (k, m) in a.moves.iter().enumerate() {
            if on_dirty(m.from.start) || on_dirty(m.to.start) {
                sources.push(((3, k), Source::Move(m)));
            }
        }
    }

    // Built; only their diagnostics on those lines are kept (a move's other end may
    // lie on a line kept whole).
    let none = Reuse::default();
    let parts: Vec<Part> = match sources
        .iter()
        .map(|(_, s)| part(cx, 0, s, &none, related))
        .collect::<serde_json::Result<_>>()
    {
        Ok(parts) => parts,
        Err(e) => return Some(Err(e)),
    };
    let mut fresh: Vec<Fresh> = Vec::new();
    let mut whole = vec![true; parts.len()];
    for (p, (((group, k), _), part)) in sources.iter().zip(&parts).enumerate() {
        let Part::Built(_, json) = part else {
            unreachable!("nothing to reuse")
        };
        for (j, (start, _)) in json.iter().enumerate() {
            if dirty.binary_search(&start.line).is_ok() {
                fresh.push(Fresh {
                    start: *start,
                    rank: (*group, *k, j),
                    part: p,
                    json: j,
                });
            } else {
                whole[p] = false;
            }
        }
    }
    fresh.sort_unstable_by_key(|f| (f.start.line, f.start.character, f.rank));

    let uri = match serde_json::to_vec(cx.uri) {
        Ok(uri) => uri,
        Err(e) => return Some(Err(e)),
    };

    // The last frame's diagnostics around the dirty lines, in runs. (From here on,
    // nothing fails: `reuse` is left as this publication leaves it.)
    let placed = std::mem::take(&mut reuse.placed);
    let mut items = Vec::new();
    let (mut p, mut q) = (0, 0);
    for &l in &dirty {
        let a = p + placed[p..].partition_point(|(line, _)| *line < l);
        if a > p {
            items.push(Item::Old(p..a));
        }
        p = a + placed[a..].partition_point(|(line, _)| *line <= l);
        while q < fresh.len() && fresh[q].start.line == l {
            items.push(Item::New(q));
            q += 1;
        }
    }
    if p < placed.len() {
        items.push(Item::Old(p..placed.len()));
    }
    debug_assert_eq!(q, fresh.len(), "every diagnostic built is on a dirty line");
    let json = |f: &Fresh| match &parts[f.part] {
        Part::Built(_, json) => &json[f.json].1,
        Part::Reused(..) => unreachable!("nothing to reuse"),
    };
    let run = |r: &Range<usize>| placed[r.start].1.start..placed[r.end - 1].1.end;

    // Written.
    let version = version.to_string();
    let listed: usize = items
        .iter()
        .map(|item| match item {
            Item::Old(r) => run(r).len(),
            Item::New(q) => json(&fresh[*q]).len(),
        })
        .sum::<usize>()
        + items.len().saturating_sub(1);
    let len = HEAD.len() + uri.len() + LIST.len() + listed + VERSION.len() + version.len() + 2;
    let mut frame = crate::lsp::output::frame_for(len);
    let header = frame.len();
    frame.extend_from_slice(HEAD);
    frame.extend_from_slice(&uri);
    frame.extend_from_slice(LIST);
    let mut w = Writer {
        frame,
        old: &old,
        pending: None,
        first: true,
    };
    let mut new_placed = Vec::with_capacity(placed.len() + fresh.len());
    // Each run's first byte in the last frame, and how far it moved.
    let mut shifts: Vec<(usize, isize)> = Vec::new();
    let mut new_at: Vec<Range<usize>> = vec![0..0; fresh.len()];
    let mut kept = 0;
    for item in &items {
        match item {
            Item::Old(r) => {
                let from = run(r);
                let to = w.push(Json::Old(from.clone()));
                let shift = to.start as isize - from.start as isize;
                shifts.push((from.start, shift));
                new_placed.extend(
                    placed[r.clone()]
                        .iter()
                        .map(|(line, at)| (*line, shifted(at, shift))),
                );
                kept += r.len();
            }
            Item::New(q) => {
                let f = &fresh[*q];
                let at = w.push(Json::New(json(f)));
                new_placed.push((f.start.line, at.clone()));
                new_at[*q] = at;
            }
        }
    }
    w.flush();
    let mut frame = w.frame;
    frame.extend_from_slice(VERSION);
    frame.extend_from_slice(version.as_bytes());
    frame.extend_from_slice(b"}}");
    debug_assert_eq!(frame.len(), header + len, "the announced length");
    drop(old);

    // What the next publication can take from this one: the entries off the dirty
    // lines, their JSON moved with their run and their rows renumbered; the sources
    // built whole as new entries.
    let moved = |at: &Range<usize>| {
        let k = shifts.partition_point(|(start, _)| *start <= at.start);
        Some(shifted(at, shifts[k.checked_sub(1)?].1))
    };
    for i in 0..reuse.entries.len() {
        let Some(e) = &mut reuse.entries[i] else {
            continue;
        };
        let clean = e
            .json
            .iter()
            .all(|(start, _)| dirty.binary_search(&start.line).is_err());
        let rows = e.rows.map(|r| match r {
            NONE => Some(NONE),
            r => map.new_of(r as usize).map(|r| r as u32),
        });
        let kept = clean
            && e.json
                .iter_mut()
                .all(|(_, at)| moved(at).map(|m| *at = m).is_some())
            && rows.iter().all(Option::is_some);
        if kept {
            e.rows = rows.map(|r| r.expect("checked"));
        } else {
            reuse.drop_entry(i);
        }
    }
    let mut loose = Vec::new();
    // Each source's diagnostics where they went, in the source's order (as entries keep
    // them).
    let mut built: Vec<Vec<Option<Went>>> = parts
        .iter()
        .map(|p| match p {
            Part::Built(_, json) => vec![None; json.len()],
            Part::Reused(..) => Vec::new(),
        })
        .collect();
    for (q, f) in fresh.iter().enumerate() {
        built[f.part][f.json] = Some((f.start, new_at[q].clone()));
    }
    for (p, (((_, source), part), at)) in sources.iter().zip(parts).zip(built).enumerate() {
        if source.is_loose() {
            loose.extend(at.iter().flatten().map(|(start, _)| start.line));
        }
        let Part::Built(Some(m), _) = part else {
            continue;
        };
        if !whole[p] {
            continue;
        }
        let Some(json) = Places::of(at.into_iter().flatten().collect()) else {
            continue;
        };
        reuse.add(*m, json);
    }
    reuse.compact();
    reuse.placed = new_placed;
    reuse.loose = loose_lines(std::iter::once(loose));
    reuse.reused = kept;
    reuse.spliced = true;
    let frame = Arc::new(frame);
    reuse.frame = Some(frame.clone());
    reuse.generation = Some(cx.snap.generation);
    Some(Ok(frame))
}

fn shifted(at: &Range<usize>, shift: isize) -> Range<usize> {
    at.start.wrapping_add_signed(shift)..at.end.wrapping_add_signed(shift)
}
