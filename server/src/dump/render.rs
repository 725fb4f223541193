//! Renders versions back into a dump, following the format's rules. Used by the
//! round-trip tests (read → render gives the input back) and the benchmark generator.

use super::model::{Dump, Reading, RowKind, Side};
use std::fmt::Write;

/// One row of a table to render.
#[derive(Clone, Debug, PartialEq)]
pub enum RenderRow {
    Unchanged(String),
    Changed(String, String),
    Added(String),
    Removed(String),
}

/// Everything a dump page shows.
#[derive(Clone, Debug, PartialEq)]
pub struct Page {
    pub source: String,
    pub first_seen: Option<String>,
    pub check: String,
    pub url: String,
    pub changes: u32,
    pub versions: [u32; 2],
    pub titles: [String; 2],
    pub caption: String,
    pub rows: Vec<RenderRow>,
}

pub fn render(page: &Page, final_newline: bool) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "This article is from the source '{}' and was first published or seen on {}. {}\n\nYou can find the current article at its original source at {}\n\nThe article has changed {} times. There is an RSS feed of changes available.\n\nVersion {} Version {}\n",
        page.source,
        page.first_seen.as_deref().unwrap_or(""),
        page.check,
        page.url,
        page.changes,
        page.versions[0],
        page.versions[1]
    );
    let _ = writeln!(s, "{} {}", page.titles[0], page.titles[1]);
    s.push_str(&page.caption);
    for r in &page.rows {
        s.push('\n');
        match r {
            RenderRow::Unchanged(p) => {
                s.push_str(p);
                s.push_str(p);
            }
            RenderRow::Changed(o, n) => {
                s.push_str(o);
                s.push(' ');
                s.push_str(n);
            }
            RenderRow::Added(p) | RenderRow::Removed(p) => s.push_str(p),
        }
    }
    if final_newline {
        s.push('\n');
    }
    s
}

/// The page a dump was read as: what rendering must reproduce.
pub fn page_of(dump: &Dump) -> Page {
    let h = &dump.header;
    let t = dump.time.as_ref();
    let caption = t
        .map(|t| match (&t.stamps[0], &t.stamps[1]) {
            (Some(a), Some(b)) => format!("{a} {b} {}", t.caption),
            _ => t.caption.clone(),
        })
        .unwrap_or_default();
    let rows = dump
        .rows
        .iter()
        .filter_map(|r| {
            let half = |s: Side| r.half(s).map(|sp| dump.slice(sp).to_owned());
            Some(match (r.kind, r.reading) {
                (RowKind::Unchanged, _) => RenderRow::Unchanged(half(Side::Old)?),
                (RowKind::Changed, Some(Reading::Changed { .. })) => {
                    RenderRow::Changed(half(Side::Old)?, half(Side::New)?)
                }
                (RowKind::Added, _) => RenderRow::Added(half(Side::New)?),
                (RowKind::Removed, _) => RenderRow::Removed(half(Side::Old)?),
                _ => return None,
            })
        })
        .collect();
    Page {
        source: h.source.clone().unwrap_or_default(),
        first_seen: h.first_seen.clone(),
        check: h.check.clone().unwrap_or_default(),
        url: h.url.clone().unwrap_or_default(),
        changes: h.changes.unwrap_or(0),
        versions: h.versions,
        titles: [
            dump.versions[0].title.clone(),
            dump.versions[1].title.clone(),
        ],
        caption,
        rows,
    }
}
