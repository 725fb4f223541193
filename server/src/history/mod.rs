//! History across dumps: the dumps of one article form a chain of versions.
//!
//! - [`group`]: which dumps show the same article (same source and URL; the title when
//!   the URL is empty), ordered by version number;
//! - joint decoding (`joint`): the newer column of dump k→k+1 is the older column of
//!   dump k+1→k+2, so a reading that one dump leaves open is settled by what its
//!   neighbour shows. Settled rows are forced with [`Choices`] (in memory only) and the
//!   dump is read again, so every shared version is reconstructed once and the same way
//!   from both dumps;
//! - [`Chain`]: the versions, the steps (dumps), gaps and conflicts, and each
//!   paragraph's history across versions;
//! - [`Library`]: a folder of dumps kept up to date as files change.
//!
//! Plain data only: nothing here knows about LSP.

pub mod group;
mod joint;
mod library;
#[cfg(test)]
mod tests;

pub use library::{collect, is_dump_name, Library};

use crate::dump::{
    self, Ambiguity, Choices, Direction, Dump, Finding, NotADump, Reading, Severity, Side,
};
use crate::export::{export_dump, ExportDump};
use joint::{Constraint, Domain, Joint};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// A dump as read from disk: its bytes (to read it again with forced choices), the
/// person's choices from its sidecar, and the plain single-dump reading.
#[derive(Clone, Debug)]
pub struct Input {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
    pub choices: Choices,
    pub dump: Dump,
}

impl Input {
    pub fn new(path: PathBuf, bytes: Vec<u8>, choices: Choices) -> Result<Input, NotADump> {
        let dump = dump::read(&bytes, &choices)?;
        Ok(Input {
            path,
            bytes,
            choices,
            dump,
        })
    }

    /// Reads a dump file and its sidecar (a corrupt sidecar is ignored). Never writes.
    pub fn read(path: &Path) -> Result<Input, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let choices = Choices::load_for(path).ok().flatten().unwrap_or_default();
        Input::new(path.to_path_buf(), bytes, choices)
            .map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// One version of the article, reconstructed from the dumps that show it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChainVersion {
    pub number: u32,
    pub title: String,
    /// As in the truth schema: the caption this version has as the newer column of a
    /// page (`"(about 1 hour later)"`, maybe after a timestamp); for the first version,
    /// its timestamp or `None`.
    pub caption: Option<String>,
    pub paragraphs: Vec<String>,
    /// False when no dump holds this version's full text (pipe tables, truncation).
    #[serde(skip)]
    pub complete: bool,
    /// Every (step, column) that shows this version; the first one is the text used.
    #[serde(skip)]
    pub sources: Vec<(usize, Side)>,
}

/// One dump of the chain, as read jointly with its neighbours.
#[derive(Clone, Debug)]
pub struct Step {
    pub path: PathBuf,
    /// The reading after joint decoding.
    pub dump: Dump,
    /// The person's choices plus those forced by the neighbours (in memory only).
    pub choices: Choices,
    /// Per row of `dump.rows`: the neighbours leave exactly one reading.
    pub determined: Vec<bool>,
    /// Rows whose reading or ambiguity the neighbours settled (the single-dump reading
    /// was ambiguous or different).
    pub settled: Vec<usize>,
    /// Rows read the way a neighbour read its own ambiguous row, for consistency; they
    /// stay ambiguous.
    pub followed: Vec<usize>,
    /// Rows the reader would not read as the neighbours require even when forced (a
    /// split it does not offer, say): their reading was set directly.
    pub overridden: Vec<usize>,
}

/// Versions no dump connects.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Gap {
    /// The known version before the gap (`None`: the chain starts late).
    pub after: Option<u32>,
    /// The known version after the gap (`None`: the chain stops early).
    pub before: Option<u32>,
    /// Versions whose text is in no dump.
    pub missing: Vec<u32>,
    /// A dump compares `after` and `before` directly (a pair that is not consecutive).
    pub bridged: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Location {
    pub path: PathBuf,
    /// 1-based line where the dumps part ways, when known.
    pub line: Option<usize>,
}

/// Two dumps holding different texts for one version, beyond what their ambiguous
/// rows allow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Conflict {
    pub version: u32,
    pub files: [Location; 2],
    pub message: String,
}

/// A paragraph followed through the versions: one per chain version, oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HistoryEntry {
    pub number: u32,
    pub caption: Option<String>,
    /// `None` where the paragraph does not exist in that version.
    pub text: Option<String>,
}

/// A paragraph's identity across versions (index into the chain's paragraphs).
pub type ParagraphId = usize;

/// The dumps of one article read as one history.
#[derive(Clone, Debug)]
pub struct Chain {
    pub url: Option<String>,
    pub source: Option<String>,
    /// Ordered by number.
    pub versions: Vec<ChainVersion>,
    /// Ordered by the versions they show.
    pub steps: Vec<Step>,
    pub gaps: Vec<Gap>,
    pub conflicts: Vec<Conflict>,
    /// Per version: the paragraph id of each paragraph.
    ids: Vec<Vec<ParagraphId>>,
    /// Per paragraph id: its index in each version, if it exists there.
    places: Vec<Vec<Option<usize>>>,
    /// Per step, per dump row: the paragraph index in the chain version of each column.
    row_places: Vec<Vec<[Option<usize>; 2]>>,
}

/// `palimpsest export` of a chain.
#[derive(Clone, Debug, Serialize)]
pub struct ChainExport {
    pub url: Option<String>,
    pub source: Option<String>,
    pub versions: Vec<ExportChainVersion>,
    pub steps: Vec<ExportDump>,
    pub gaps: Vec<Gap>,
    pub conflicts: Vec<Conflict>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ExportChainVersion {
    pub number: u32,
    pub title: String,
    pub caption: Option<String>,
    pub paragraphs: Vec<String>,
}

/// Groups the inputs into articles and reads each chain jointly (chains in parallel).
pub fn build_chains(inputs: &[Input]) -> Vec<Chain> {
    build_chains_with(inputs, || {})
}

/// As [`build_chains`], calling `done` after each chain (for a progress bar).
pub fn build_chains_with(inputs: &[Input], done: impl Fn() + Sync) -> Vec<Chain> {
    let refs: Vec<&Input> = inputs.iter().collect();
    let groups = group::group(&refs);
    groups
        .par_iter()
        .with_max_len(1)
        .map(|g| {
            let members: Vec<&Input> = g.iter().map(|&i| &inputs[i]).collect();
            let c = build_chain(&members);
            done();
            c
        })
        .collect()
}

/// Reads the dumps of one article jointly. The inputs are ordered by the versions
/// they show; they are assumed to be one article (see [`group::group`]).
pub fn build_chain(inputs: &[&Input]) -> Chain {
    let mut inputs: Vec<&Input> = inputs.to_vec();
    inputs.sort_by_key(|i| {
        let [a, b] = i.dump.header.versions;
        (a.min(b), a.max(b), i.path.clone())
    });
    let models: Vec<_> = inputs.iter().map(|i| joint::model(&i.dump)).collect();
    // Every pair of dumps that show one version (in a complete column) must agree.
    let mut shown: BTreeMap<u32, Vec<(usize, Side)>> = BTreeMap::new();
    for (d, input) in inputs.iter().enumerate() {
        for side in [Side::Old, Side::New] {
            if models[d].complete[side.index()] {
                shown
                    .entry(input.dump.header.versions[side.index()])
                    .or_default()
                    .push((d, side));
            }
        }
    }
    let mut constraints = Vec::new();
    for (&version, list) in &shown {
        for w in list.windows(2) {
            let ((x, sx), (y, sy)) = (w[0], w[1]);
            if x != y {
                constraints.push(Constraint {
                    x,
                    sx,
                    y,
                    sy,
                    version,
                });
            }
        }
    }
    let mut joint = Joint::new(models, constraints);
    let base: Vec<Domain> = joint
        .models
        .iter()
        .zip(&inputs)
        .map(|(m, i)| joint::base_domain(m, &i.dump))
        .collect();
    // Arc consistency; a constraint with no alignment is a conflict and is dropped.
    let mut conflicts = Vec::new();
    let all: Vec<usize> = (0..joint.constraints.len()).collect();
    let mut domains = base.clone();
    loop {
        match joint.propagate(&mut domains, &all) {
            Ok(()) => break,
            Err(f) => {
                let c = joint.constraints[f.constraint];
                joint.active[f.constraint] = false;
                let line = |d: usize, r: Option<usize>| r.map(|r| joint.models[d].rows[r].line + 1);
                let files = [
                    Location {
                        path: inputs[c.x].path.clone(),
                        line: line(c.x, f.x_row),
                    },
                    Location {
                        path: inputs[c.y].path.clone(),
                        line: line(c.y, f.y_row),
                    },
                ];
                conflicts.push(Conflict {
                    version: c.version,
                    message: format!(
                        "two different texts for version {}: {} and {} cannot be read so that they agree",
                        c.version,
                        place(&files[0]),
                        place(&files[1])
                    ),
                    files,
                });
                domains = base.clone();
            }
        }
    }
    let evidence = domains.clone();
    // Read each dump with the settled rows forced, then fix its readings so that its
    // neighbours follow it where the evidence leaves a choice.
    let mut steps = Vec::with_capacity(inputs.len());
    for (d, input) in inputs.iter().enumerate() {
        let step = decode_step(&joint, d, input, &domains[d], &evidence[d]);
        let snapshot = domains.clone();
        let m = &joint.models[d];
        for (mi, rm) in m.rows.iter().enumerate() {
            if let Some(o) = step.dump.rows[rm.row].reading.and_then(|r| rm.opt_of(r)) {
                if domains[d][mi][o] {
                    domains[d][mi]
                        .iter_mut()
                        .enumerate()
                        .for_each(|(k, b)| *b = k == o);
                }
            }
        }
        if joint.propagate(&mut domains, joint.touching(d)).is_err() {
            domains = snapshot;
        }
        steps.push(step);
    }
    settle_titles(&mut steps);
    assemble(steps, conflicts)
}

/// Every way to cut a title row into two titles: (cut, start of the right title, old
/// title, new title), whitespace folded.
fn title_cuts(dump: &Dump) -> Vec<(usize, usize, String, String)> {
    let Some(t) = dump
        .title
        .as_ref()
        .filter(|_| dump.format == dump::Format::NewssnifferDiff)
    else {
        return Vec::new();
    };
    let text = dump.slice(&t.span);
    text.char_indices()
        .filter(|&(_, c)| c == ' ')
        .map(|(i, _)| {
            (
                i,
                i + 1,
                crate::text::fold_whitespace(&text[..i]),
                crate::text::fold_whitespace(&text[i + 1..]),
            )
        })
        .filter(|(_, _, a, b)| !a.is_empty() && !b.is_empty())
        .collect()
}

/// Title rows are cut like body rows: the title of a version must read the same in
/// every dump that shows it. Cuts no neighbour allows are dropped; a title row whose
/// reading is not allowed (or is ambiguous and settled) is cut again.
fn settle_titles(steps: &mut [Step]) {
    let cuts: Vec<Vec<(usize, usize, String, String)>> =
        steps.iter().map(|s| title_cuts(&s.dump)).collect();
    let mut dom: Vec<Vec<bool>> = cuts.iter().map(|c| vec![true; c.len()]).collect();
    let mut shown: BTreeMap<u32, Vec<(usize, usize)>> = BTreeMap::new();
    for (s, step) in steps.iter().enumerate() {
        if !cuts[s].is_empty() {
            for side in 0..2 {
                shown
                    .entry(step.dump.header.versions[side])
                    .or_default()
                    .push((s, side));
            }
        }
    }
    let title = |c: &(usize, usize, String, String), side: usize| {
        if side == 0 {
            c.2.clone()
        } else {
            c.3.clone()
        }
    };
    let mut changed = true;
    let mut rounds = 0;
    while changed && rounds < 20 {
        changed = false;
        rounds += 1;
        for list in shown.values() {
            for w in list.windows(2) {
                for (a, b) in [(w[0], w[1]), (w[1], w[0])] {
                    if a.0 == b.0 {
                        continue;
                    }
                    let allowed: BTreeSet<String> = (0..cuts[b.0].len())
                        .filter(|&k| dom[b.0][k])
                        .map(|k| title(&cuts[b.0][k], b.1))
                        .collect();
                    let keep: Vec<bool> = (0..cuts[a.0].len())
                        .map(|k| dom[a.0][k] && allowed.contains(&title(&cuts[a.0][k], a.1)))
                        .collect();
                    if keep.iter().any(|k| *k) && keep != dom[a.0] {
                        dom[a.0] = keep;
                        changed = true;
                    }
                }
            }
        }
    }
    for (s, step) in steps.iter_mut().enumerate() {
        let d = &mut step.dump;
        let Some(t) = d.title.clone() else { continue };
        if cuts[s].is_empty() || dom[s].iter().all(|k| *k) {
            continue;
        }
        let current = (d.versions[0].title.clone(), d.versions[1].title.clone());
        let allowed: Vec<usize> = (0..cuts[s].len()).filter(|&k| dom[s][k]).collect();
        let here = allowed
            .iter()
            .any(|&k| (cuts[s][k].2.clone(), cuts[s][k].3.clone()) == current);
        let distinct: BTreeSet<(&str, &str)> = allowed
            .iter()
            .map(|&k| (cuts[s][k].2.as_str(), cuts[s][k].3.as_str()))
            .collect();
        if here && !(t.ambiguity.is_some() && distinct.len() == 1) {
            continue;
        }
        let Some(&k) = allowed.first() else { continue };
        let (at, right, old, new) = cuts[s][k].clone();
        let title = d.title.as_mut().expect("title row");
        title.old = Some(t.span.start..t.span.start + at);
        title.new = t.span.start + right..t.span.end;
        title.changed = old != new;
        title.confidence = 1.0;
        title.ambiguity = None;
        d.findings
            .retain(|f| !(f.code == "ambiguous-title" && f.span == t.span));
        d.versions[0].title = old;
        d.versions[1].title = new;
    }
}

fn place(l: &Location) -> String {
    match l.line {
        Some(n) => format!("{}:{n}", l.path.display()),
        None => l.path.display().to_string(),
    }
}

/// The option to force for a row whose reading is not allowed (or still ambiguous):
/// the reader's own alternative if allowed, else the allowed reading most like its pick.
fn pick(
    rm: &joint::RowModel,
    dom: &[bool],
    cur: Option<usize>,
    alt: Option<usize>,
) -> Option<usize> {
    if let Some(a) = alt.filter(|&a| dom[a]) {
        return Some(a);
    }
    let split_of = |o: usize| match rm.opts[o].reading {
        Some(Reading::Changed { split }) => Some(split),
        _ => None,
    };
    let cur_class = cur.map(|c| rm.opts[c].class);
    (0..dom.len()).filter(|&o| dom[o]).min_by_key(|&o| {
        let same = cur_class == Some(rm.opts[o].class);
        let dist = match (cur.and_then(split_of), split_of(o)) {
            (Some(a), Some(b)) => a.abs_diff(b),
            _ => 0,
        };
        (!same, dist)
    })
}

fn decode_step(joint: &Joint, d: usize, input: &Input, dom: &Domain, evidence: &Domain) -> Step {
    let m = &joint.models[d];
    let mut choices = input.choices.clone();
    let mut dump = input.dump.clone();
    let mut ours: HashMap<usize, usize> = HashMap::new();
    let mut rejected: BTreeSet<usize> = BTreeSet::new();
    for _round in 0..5 {
        let mut changed = false;
        for (mi, rm) in m.rows.iter().enumerate() {
            if rejected.contains(&mi) {
                continue;
            }
            let row = &dump.rows[rm.row];
            let allowed = &dom[mi];
            let count = allowed.iter().filter(|b| **b).count();
            if count == 0 || (row.chosen && !ours.contains_key(&mi)) {
                continue;
            }
            if let Some(&o) = ours.get(&mi) {
                if !row.chosen {
                    // The reader does not offer this reading: leave the row to it.
                    rejected.insert(mi);
                    choices.rows.retain(|c| c.line != rm.line + 1);
                    changed = true;
                    continue;
                }
                if allowed[o] {
                    continue;
                }
            }
            let cur = row.reading.and_then(|r| rm.opt_of(r));
            let in_dom = cur.is_some_and(|o| allowed[o]);
            if in_dom && !(count == 1 && row.ambiguity.is_some()) {
                continue;
            }
            let alt = row
                .ambiguity
                .as_ref()
                .and_then(|a| rm.opt_of(a.alternative));
            let target = if in_dom {
                cur
            } else {
                pick(rm, allowed, cur, alt)
            };
            let Some((target, Some(reading))) = target.map(|t| (t, rm.opts[t].reading)) else {
                continue;
            };
            choices.set(rm.line, dump.slice(&row.span), reading);
            ours.insert(mi, target);
            changed = true;
        }
        if !changed {
            break;
        }
        match dump::read(&input.bytes, &choices) {
            Ok(again) => dump = again,
            Err(_) => break,
        }
    }
    // A forced reading the reader refused in the last round: drop it and read again.
    let refused: Vec<usize> = ours
        .keys()
        .copied()
        .filter(|&mi| !rejected.contains(&mi) && !dump.rows[m.rows[mi].row].chosen)
        .collect();
    if !refused.is_empty() {
        for mi in refused {
            rejected.insert(mi);
            choices.rows.retain(|c| c.line != m.rows[mi].line + 1);
        }
        if let Ok(again) = dump::read(&input.bytes, &choices) {
            dump = again;
        }
    }
    // Rows the reader still does not read as the neighbours require (a split it does
    // not offer, or a run whose forced rows it cannot reconcile): set them directly.
    let mut overridden: BTreeSet<usize> = BTreeSet::new();
    for (mi, rm) in m.rows.iter().enumerate() {
        let mut only = (0..dom[mi].len()).filter(|&o| dom[mi][o]);
        let (Some(o), None) = (only.next(), only.next()) else {
            continue;
        };
        let row = &dump.rows[rm.row];
        if row.reading.and_then(|r| rm.opt_of(r)) == Some(o) && row.ambiguity.is_none() {
            continue;
        }
        if let Some(reading) = rm.opts[o].reading {
            set_row(&mut dump, rm.row, reading);
            overridden.insert(mi);
        }
    }
    if !overridden.is_empty() {
        rebuild_versions(&mut dump);
    }
    let mut determined = vec![false; dump.rows.len()];
    let mut settled = Vec::new();
    let mut followed = Vec::new();
    for (mi, rm) in m.rows.iter().enumerate() {
        let known = evidence[mi].iter().filter(|b| **b).count() == 1;
        determined[rm.row] = known;
        let before = &input.dump.rows[rm.row];
        let after = &dump.rows[rm.row];
        let forced =
            (ours.contains_key(&mi) && !rejected.contains(&mi)) || overridden.contains(&mi);
        if known
            && (before.ambiguity.is_some() || before.reading != after.reading)
            && after.ambiguity.is_none()
        {
            settled.push(rm.row);
            dump.findings.push(Finding {
                severity: Severity::Info,
                code: "settled-by-neighbour",
                span: after.span.clone(),
                message: format!(
                    "read as {} because the neighbouring dump shows the shared version",
                    after.kind.as_str()
                )
                .into(),
            });
        } else if forced && !known {
            followed.push(rm.row);
            let alternative = [
                before.reading,
                before.ambiguity.as_ref().map(|a| a.alternative),
            ]
            .into_iter()
            .flatten()
            .find(|r| Some(*r) != after.reading && rm.opt_of(*r).is_some_and(|o| evidence[mi][o]))
            .or_else(|| {
                (0..rm.opts.len())
                    .filter(|&o| evidence[mi][o])
                    .filter_map(|o| rm.opts[o].reading)
                    .find(|r| Some(*r) != after.reading)
            });
            if let Some(alternative) = alternative {
                let reason: std::sync::Arc<str> = "the neighbouring dumps allow more than one reading of this row; it is read the way its neighbour reads the shared version, which is itself uncertain".into();
                dump.findings.push(Finding {
                    severity: Severity::Warning,
                    code: "ambiguous-in-chain",
                    span: after.span.clone(),
                    message: reason.clone(),
                });
                dump.rows[rm.row].ambiguity = Some(Ambiguity {
                    alternative,
                    reason,
                });
            }
        }
    }
    dump.findings.sort_by_key(|f| (f.span.start, f.severity));
    Step {
        path: input.path.clone(),
        dump,
        choices,
        determined,
        settled,
        followed,
        overridden: overridden.into_iter().map(|mi| m.rows[mi].row).collect(),
    }
}

/// Sets a row's reading directly (the reader refused it as a choice).
fn set_row(dump: &mut Dump, i: usize, reading: Reading) {
    let span = dump.rows[i].span.clone();
    let text = &dump.text[span.clone()];
    let (old, new) = match reading {
        Reading::Changed { split } => {
            let gap = text[split..].len() - text[split..].trim_start().len();
            (
                Some(span.start..span.start + split),
                Some(span.start + split + gap..span.end),
            )
        }
        Reading::Added => (None, Some(span.clone())),
        Reading::Removed => (Some(span.clone()), None),
        Reading::Unchanged => {
            let h = span.len() / 2;
            (
                Some(span.start..span.start + h),
                Some(span.start + h..span.end),
            )
        }
    };
    let row = &mut dump.rows[i];
    row.reading = Some(reading);
    row.kind = reading.kind();
    row.old = old;
    row.new = new;
    row.confidence = 1.0;
    row.ambiguity = None;
    dump.findings
        .retain(|f| !(f.span == span && f.code.starts_with("ambiguous")));
}

/// The columns' paragraphs again from the rows (each column is, in order, the halves
/// its rows put in it).
fn rebuild_versions(dump: &mut Dump) {
    for side in [Side::Old, Side::New] {
        let paragraphs = dump
            .rows
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                r.half(side).map(|h| dump::VersionParagraph {
                    text: crate::text::fold_whitespace(&dump.text[h.clone()]).into(),
                    row: i,
                })
            })
            .collect();
        dump.versions[side.index()].paragraphs = paragraphs;
    }
}

/// Caption preference for a version shown in a column: the newer column of a "later"
/// page that compares it with the version just before is the truth-schema caption.
fn caption_rank(dump: &Dump, side: Side) -> u8 {
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

fn assemble(steps: Vec<Step>, mut conflicts: Vec<Conflict>) -> Chain {
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

fn gaps(steps: &[Step], versions: &[ChainVersion]) -> Vec<Gap> {
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

impl Chain {
    /// The newest title.
    pub fn title(&self) -> &str {
        self.versions.last().map(|v| v.title.as_str()).unwrap_or("")
    }

    pub fn version_index(&self, number: u32) -> Option<usize> {
        self.versions
            .binary_search_by_key(&number, |v| v.number)
            .ok()
    }

    pub fn step_of_path(&self, path: &Path) -> Option<usize> {
        self.steps.iter().position(|s| s.path == path)
    }

    /// The paragraph a row of a step shows (its newer half if it has one).
    pub fn paragraph_at(&self, step: usize, row: usize) -> Option<ParagraphId> {
        let d = &self.steps.get(step)?.dump;
        let places = self.row_places.get(step)?.get(row)?;
        for side in [Side::New, Side::Old] {
            if let Some(p) = places[side.index()] {
                let vi = self.version_index(d.header.versions[side.index()])?;
                return Some(self.ids[vi][p]);
            }
        }
        None
    }

    /// Every paragraph, in article order (a paragraph that appears later is placed after
    /// the one it follows in its first version).
    pub fn paragraphs(&self) -> Vec<ParagraphId> {
        let mut order: Vec<ParagraphId> = Vec::new();
        let mut seen = vec![false; self.places.len()];
        for ids in &self.ids {
            let mut at = 0;
            for &id in ids {
                if seen[id] {
                    at = order
                        .iter()
                        .position(|&x| x == id)
                        .map(|p| p + 1)
                        .unwrap_or(at);
                } else {
                    seen[id] = true;
                    order.insert(at, id);
                    at += 1;
                }
            }
        }
        order
    }

    /// A paragraph's wording in every version of the chain, oldest first.
    pub fn history_of(&self, id: ParagraphId) -> Vec<HistoryEntry> {
        self.versions
            .iter()
            .enumerate()
            .map(|(vi, v)| HistoryEntry {
                number: v.number,
                caption: v.caption.clone(),
                text: self
                    .places
                    .get(id)
                    .and_then(|p| p[vi])
                    .map(|p| v.paragraphs[p].clone()),
            })
            .collect()
    }

    /// The history of the paragraph a row shows (followed through changed rows across
    /// dumps); empty when the row holds no paragraph (an unreadable row).
    pub fn paragraph_history(&self, step: usize, row: usize) -> Vec<HistoryEntry> {
        self.paragraph_at(step, row)
            .map(|id| self.history_of(id))
            .unwrap_or_default()
    }

    /// (versions in which the paragraph's wording differs from the version before —
    /// appearing and disappearing count —, versions in the chain).
    pub fn changes_of(&self, id: ParagraphId) -> (usize, usize) {
        let h = self.history_of(id);
        let changed = h.windows(2).filter(|w| w[0].text != w[1].text).count();
        (changed, h.len())
    }

    /// For a lens: "changed in 3 of 7 versions".
    pub fn changed_in(&self, step: usize, row: usize) -> (usize, usize) {
        match self.paragraph_at(step, row) {
            Some(id) => self.changes_of(id),
            None => (0, self.versions.len()),
        }
    }

    /// Rows still ambiguous after joint decoding, as (step, row).
    pub fn ambiguous_rows(&self) -> Vec<(usize, usize)> {
        self.steps
            .iter()
            .enumerate()
            .flat_map(|(s, st)| {
                st.dump
                    .rows
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.ambiguity.is_some())
                    .map(move |(i, _)| (s, i))
            })
            .collect()
    }

    pub fn export(&self) -> ChainExport {
        ChainExport {
            url: self.url.clone(),
            source: self.source.clone(),
            versions: self
                .versions
                .iter()
                .map(|v| ExportChainVersion {
                    number: v.number,
                    title: v.title.clone(),
                    caption: v.caption.clone(),
                    paragraphs: v.paragraphs.clone(),
                })
                .collect(),
            steps: self.steps.iter().map(|s| export_dump(&s.dump)).collect(),
            gaps: self.gaps.clone(),
            conflicts: self.conflicts.clone(),
        }
    }
}
