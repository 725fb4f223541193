//! JSON shapes written by `palimpsest export`: the corpus ground-truth schema, each
//! row also carrying `ambiguous` and `confidence`.

use crate::dump::{Dump, Format, RowKind, Side};
use serde::Serialize;

#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct ExportVersion {
    pub number: u32,
    pub title: String,
    pub caption: Option<String>,
    pub paragraphs: Vec<String>,
    /// False when the file does not hold this version's full text (pipe tables).
    #[serde(skip_serializing_if = "is_true")]
    pub complete: bool,
}

fn is_true(b: &bool) -> bool {
    *b
}

#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct ExportRow {
    /// 1-based line in the dump.
    pub line: usize,
    pub kind: &'static str,
    pub old: Option<String>,
    pub new: Option<String>,
    pub ambiguous: bool,
    pub confidence: f32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct ExportDump {
    pub format: &'static str,
    pub source: Option<String>,
    pub url: Option<String>,
    pub changes: Option<u32>,
    pub first_seen: Option<String>,
    pub check: Option<String>,
    pub truncated: bool,
    pub lossy: bool,
    pub versions: [ExportVersion; 2],
    pub rows: Vec<ExportRow>,
}

pub fn export_dump(dump: &Dump) -> ExportDump {
    let version = |side: Side| {
        let v = dump.version(side);
        ExportVersion {
            number: v.number,
            title: v.title.clone(),
            caption: v.caption.clone(),
            paragraphs: v.paragraphs.iter().map(|p| p.text.to_string()).collect(),
            complete: v.complete,
        }
    };
    let rows = dump
        .rows
        .iter()
        .map(|r| {
            let half = |s: Side| {
                r.half(s)
                    .map(|sp| crate::text::fold_whitespace(dump.slice(sp)))
            };
            ExportRow {
                line: r.line + 1,
                kind: r.kind.as_str(),
                old: if r.kind == RowKind::Unreadable {
                    None
                } else {
                    half(Side::Old)
                },
                new: half(Side::New),
                ambiguous: r.ambiguity.is_some() || r.kind == RowKind::Unreadable,
                confidence: (r.confidence * 1000.0).round() / 1000.0,
                reason: r.ambiguity.as_ref().map(|a| a.reason.to_string()),
            }
        })
        .collect();
    ExportDump {
        format: match dump.format {
            Format::NewssnifferDiff => "newssniffer-diff",
            Format::PipeTable => "pipe-table",
        },
        source: dump.header.source.clone(),
        url: dump.header.url.clone(),
        changes: dump.header.changes,
        first_seen: dump.header.first_seen.clone(),
        check: dump.header.check.clone(),
        truncated: dump.truncated,
        lossy: dump.lossy,
        versions: [version(Side::Old), version(Side::New)],
        rows,
    }
}
