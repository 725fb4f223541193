//! Diagnostics: one Information per changed/added/removed passage and per moved
//! sentence, a Warning per ambiguous decision, the reader's findings, and a single
//! Error when the file is not a dump at all.
//!
//! [`compute`] gives them typed; [`publish::frame`] writes the notification's JSON,
//! reusing the JSON of every row whose diagnostics did not change since the last one.

pub mod publish;

use super::common::{describe_reading, passage_message, Ctx};
use super::settings::DiagnosticSettings;
use crate::analysis::Passage;
use crate::diff::Move;
use crate::dump::{Dump, Finding, Severity};
use rayon::prelude::*;
use serde_json::json;
use tower_lsp_server::ls_types::{
    Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
    Position, Range,
};

pub const SOURCE: &str = "palimpsest";

fn diag(range: Range, severity: DiagnosticSeverity, code: &str, message: String) -> Diagnostic {
    Diagnostic {
        range,
        severity: Some(severity),
        code: Some(NumberOrString::String(code.to_string())),
        source: Some(SOURCE.to_string()),
        message,
        ..Default::default()
    }
}

fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
    }
}

/// The row an ambiguity finding is about: the body row whose span it is. `from` is a
/// row that starts at or before the finding (findings are in text order, so each
/// search starts where the last one ended); the search gallops forward from it, since
/// a binary search over all the rows of a large dump reads far apart for every finding.
fn ambiguous_row(dump: &Dump, f: &Finding, from: &mut usize) -> Option<usize> {
    if !f.code.starts_with("ambiguous-") {
        return None;
    }
    let rows = &dump.rows;
    let before = |i: usize| rows[i].span.start < f.span.start;
    let (mut lo, mut step) = ((*from).min(rows.len()), 1);
    // Rows before `lo` start before the finding; find a row past it, then search between.
    while lo + step <= rows.len() && before(lo + step - 1) {
        lo += step;
        step *= 2;
    }
    let hi = (lo + step).min(rows.len());
    let i = lo + rows[lo..hi].partition_point(|r| r.span.start < f.span.start);
    *from = i;
    let row = rows.get(i)?;
    (row.span == f.span && row.ambiguity.is_some()).then_some(i)
}

/// The message of an ambiguity warning: what was assumed, and the other reading.
/// `row` is the row it is about ([`ambiguous_row`]).
fn ambiguity_message(dump: &Dump, f: &Finding, row: Option<usize>) -> String {
    let Some(i) = row else {
        return format!("Ambiguous: {}", f.message);
    };
    let row = &dump.rows[i];
    let amb = row.ambiguity.as_ref().expect("ambiguous_row checks it");
    let chosen = row
        .reading
        .map(|r| describe_reading(dump, row, r))
        .unwrap_or_else(|| row.kind.as_str().into());
    let other = describe_reading(dump, row, amb.alternative);
    format!(
        "Ambiguous: read as {chosen}; it could also be {other}. {}",
        f.message
    )
}

/// What one or two diagnostics are made from, in the order they are listed before
/// sorting by position.
enum Source<'a> {
    Sidecar(&'a str),
    NotADump(String),
    /// A finding, with the row it is about when it is an ambiguity.
    Finding(&'a Finding, Option<usize>),
    Passage(&'a Passage),
    /// Two diagnostics: where the sentence was and where it went.
    Move(&'a Move),
}

impl Source<'_> {
    /// Whether its diagnostics are loose: not about one row's reading (ambiguity),
    /// passage or moves, so an edit may change them wherever it is.
    fn is_loose(&self) -> bool {
        match self {
            Source::Sidecar(_) | Source::NotADump(_) => true,
            Source::Finding(f, _) => !f.is_row_ambiguity(),
            Source::Passage(_) | Source::Move(_) => false,
        }
    }
}

/// Whether the settings show a finding.
fn shown(set: &DiagnosticSettings, f: &Finding) -> bool {
    if f.code.starts_with("ambiguous-") {
        set.ambiguity
    } else {
        set.findings
    }
}

/// Everything the settings ask to show, in listing order.
fn sources<'a>(cx: &Ctx<'a>) -> Vec<Source<'a>> {
    let mut out = Vec::new();
    let set = &cx.settings.diagnostics;
    if let Some(err) = &cx.snap.choices_error {
        out.push(Source::Sidecar(err));
    }
    let a = match &cx.snap.analysis {
        Ok(a) => a,
        Err(e) => {
            out.push(Source::NotADump(e.message.clone()));
            return out;
        }
    };
    // A slice of findings at a time, on all cores: each slice's rows are searched from
    // the start of the dump, then from the row before.
    let findings: Vec<Source> = a
        .dump
        .findings
        .par_chunks(256)
        .flat_map_iter(|chunk| {
            let mut from = 0;
            chunk
                .iter()
                .filter(|f| shown(set, f))
                .map(move |f| Source::Finding(f, ambiguous_row(&a.dump, f, &mut from)))
        })
        .collect();
    out.extend(findings);
    if set.passages {
        out.extend(a.passages.iter().map(Source::Passage));
    }
    if set.moves {
        out.extend(a.moves.iter().map(Source::Move));
    }
    out
}

/// The diagnostics of one source.
fn build(cx: &Ctx, source: &Source, related_information: bool) -> Vec<Diagnostic> {
    let at_start = Range::new(Position::new(0, 0), Position::new(0, 0));
    match source {
        Source::Sidecar(err) => vec![diag(
            at_start,
            DiagnosticSeverity::WARNING,
            "sidecar-unreadable",
            err.to_string(),
        )],
        Source::NotADump(message) => vec![diag(
            at_start,
            DiagnosticSeverity::ERROR,
            "not-a-dump",
            format!("Not a version dump: {message}"),
        )],
        Source::Finding(f, row) => {
            let dump = &cx.analysis().expect("findings come from an analysis").dump;
            let ambiguous = f.code.starts_with("ambiguous-");
            let message = if ambiguous {
                ambiguity_message(dump, f, *row)
            } else {
                f.message.to_string()
            };
            let mut d = diag(cx.range(&f.span), severity(f.severity), f.code, message);
            if ambiguous {
                d.data = Some(json!({"line": cx.line(f.span.start)}));
            }
            vec![d]
        }
        Source::Passage(p) => {
            let a = cx.analysis().expect("passages come from an analysis");
            vec![diag(
                cx.range(&a.dump.rows[p.row].span),
                DiagnosticSeverity::INFORMATION,
                p.class.code(),
                passage_message(a, p),
            )]
        }
        Source::Move(m) => {
            let from = cx.range(&m.from);
            let to = cx.range(&m.to);
            let related = |range: Range, message: &str| {
                related_information.then(|| {
                    vec![DiagnosticRelatedInformation {
                        location: Location::new(cx.uri.clone(), range),
                        message: message.to_string(),
                    }]
                })
            };
            // One diagnostic at each end, pointing to the other.
            let end = |at: Range, other: Range, message: String, related_message: &str| {
                let mut d = diag(at, DiagnosticSeverity::INFORMATION, "moved", message);
                d.related_information = related(other, related_message);
                d
            };
            vec![
                end(
                    from,
                    to,
                    format!("Sentence moved to line {}", to.start.line + 1),
                    "moved here",
                ),
                end(
                    to,
                    from,
                    format!("Sentence moved from line {}", from.start.line + 1),
                    "moved from here",
                ),
            ]
        }
    }
}

/// Every diagnostic of the snapshot, sorted by position (stable: at one position, in
/// listing order).
pub fn compute(cx: &Ctx, related_information: bool) -> Vec<Diagnostic> {
    // Thousands of diagnostics on a large dump: each is converted on its own, on all cores.
    let mut out: Vec<Diagnostic> = sources(cx)
        .par_iter()
        .with_min_len(64)
        .flat_map_iter(|s| build(cx, s, related_information))
        .collect();
    out.sort_by_key(|d| (d.range.start.line, d.range.start.character));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The galloping search finds the same row as a scan of every row, for every
    /// finding in text order, on a generated dump with dozens of ambiguous rows and
    /// on the real example.
    #[test]
    fn ambiguous_rows_are_found_in_order() {
        let (generated, _) = crate::generate::dump_of_size(3, 300_000);
        let example = include_str!("../../../../examples/south-korea-japan-gsomia.txt");
        for text in [generated.as_str(), example] {
            let dump = crate::dump::read_plain(text.as_bytes()).unwrap();
            let mut from = 0;
            let mut found = 0;
            for f in &dump.findings {
                let scanned = f
                    .code
                    .starts_with("ambiguous-")
                    .then(|| {
                        dump.rows
                            .iter()
                            .position(|r| r.span == f.span && r.ambiguity.is_some())
                    })
                    .flatten();
                assert_eq!(ambiguous_row(&dump, f, &mut from), scanned, "{f:?}");
                assert_eq!(ambiguous_row(&dump, f, &mut 0), scanned, "{f:?}");
                found += scanned.is_some() as usize;
            }
            let ambiguous = dump.rows.iter().filter(|r| r.ambiguity.is_some()).count();
            assert_eq!(found, ambiguous);
            assert!(found > 10 || text == example, "{found} ambiguous rows");
        }
    }
}
