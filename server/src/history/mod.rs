//! History across dumps: the dumps of one article form a chain of versions.
//!
//! - [`group`]: which dumps show the same article (same source and URL; the title when
//!   the URL is empty), ordered by version number;
//! - joint decoding (`joint`): the newer column of dump k→k+1 is the older column of
//!   dump k+1→k+2, so a reading that one dump leaves open is settled by what its
//!   neighbour shows. Settled rows are forced with [`Choices`] (in memory only) and the
//!   dump is read again, so every shared version is reconstructed once and the same way
//!   from both dumps (`decode` reads each dump again that way, and `titles` cuts a
//!   changed title row alike in every dump that shows it);
//! - [`Chain`]: the versions, the steps (dumps), gaps and conflicts, and each
//!   paragraph's history across versions (put together in `assembly`);
//! - [`Library`]: a folder of dumps kept up to date as files change.
//!
//! Plain data only: nothing here knows about LSP.

mod assembly;
mod decode;
pub mod group;
mod joint;
mod library;
#[cfg(test)]
mod tests;
mod titles;

pub use library::{collect, is_dump_name, Library};

use crate::dump::{self, Choices, Dump, NotADump, Side};
use crate::export::{export_dump, ExportDump};
use assembly::assemble;
use decode::{decode_step, place};
use joint::{Constraint, Domain, Joint};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use titles::settle_titles;

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
