//! Title rows across a chain: a title row is cut so that every dump showing a
//! version gives it the same title.

use super::Step;
use crate::dump::{self, Dump};
use std::collections::{BTreeMap, BTreeSet};

/// Every way to cut a title row into two titles: (cut, start of the right title, old
/// title, new title), whitespace folded.
pub(super) fn title_cuts(dump: &Dump) -> Vec<(usize, usize, String, String)> {
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
pub(super) fn settle_titles(steps: &mut [Step]) {
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
