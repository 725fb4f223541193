//! One dump of a chain read again with what the joint decoding settled.

use super::joint::{self, Domain, Joint};
use super::{Input, Location, Step};
use crate::dump::{self, Ambiguity, Dump, Finding, Reading, Severity, Side};
use std::collections::{BTreeSet, HashMap};

pub(super) fn place(l: &Location) -> String {
    match l.line {
        Some(n) => format!("{}:{n}", l.path.display()),
        None => l.path.display().to_string(),
    }
}

/// The option to force for a row whose reading is not allowed (or still ambiguous):
/// the reader's own alternative if allowed, else the allowed reading most like its pick.
pub(super) fn pick(
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

pub(super) fn decode_step(
    joint: &Joint,
    d: usize,
    input: &Input,
    dom: &Domain,
    evidence: &Domain,
) -> Step {
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
pub(super) fn set_row(dump: &mut Dump, i: usize, reading: Reading) {
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
pub(super) fn rebuild_versions(dump: &mut Dump) {
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
