//! Diagnostics: one Information per changed/added/removed passage and per moved
//! sentence, a Warning per ambiguous decision, the reader's findings, and a single
//! Error when the file is not a dump at all.

use super::common::{describe_reading, passage_message, Ctx};
use crate::dump::{Dump, Severity};
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

/// The message of an ambiguity warning: what was assumed, and the other reading.
fn ambiguity_message(dump: &Dump, span: &crate::dump::Span, reason: &str) -> Option<String> {
    let i = dump
        .rows
        .binary_search_by_key(&span.start, |r| r.span.start)
        .ok()?;
    let row = &dump.rows[i];
    let amb = row.ambiguity.as_ref()?;
    let chosen = row
        .reading
        .map(|r| describe_reading(dump, row, r))
        .unwrap_or_else(|| row.kind.as_str().into());
    let other = describe_reading(dump, row, amb.alternative);
    Some(format!(
        "Ambiguous: read as {chosen}; it could also be {other}. {reason}"
    ))
}

pub fn compute(cx: &Ctx, related_information: bool) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let set = &cx.settings.diagnostics;
    if let Some(err) = &cx.snap.choices_error {
        out.push(diag(
            Range::new(Position::new(0, 0), Position::new(0, 0)),
            DiagnosticSeverity::WARNING,
            "sidecar-unreadable",
            err.clone(),
        ));
    }
    let a = match &cx.snap.analysis {
        Ok(a) => a,
        Err(e) => {
            out.push(diag(
                Range::new(Position::new(0, 0), Position::new(0, 0)),
                DiagnosticSeverity::ERROR,
                "not-a-dump",
                format!("Not a version dump: {}", e.message),
            ));
            return out;
        }
    };
    let dump = &a.dump;
    // Thousands of diagnostics on a large dump: each is converted on its own, on all cores.
    out.par_extend(dump.findings.par_iter().filter_map(|f| {
        let ambiguous = f.code.starts_with("ambiguous-");
        if (ambiguous && !set.ambiguity) || (!ambiguous && !set.findings) {
            return None;
        }
        let message = if ambiguous {
            ambiguity_message(dump, &f.span, &f.message)
                .unwrap_or_else(|| format!("Ambiguous: {}", f.message))
        } else {
            f.message.clone()
        };
        let mut d = diag(cx.range(&f.span), severity(f.severity), f.code, message);
        if ambiguous {
            d.data = Some(json!({"line": cx.line(f.span.start)}));
        }
        Some(d)
    }));
    if set.passages {
        out.par_extend(a.passages.par_iter().with_min_len(64).map(|p| {
            let row = &dump.rows[p.row];
            diag(
                cx.range(&row.span),
                DiagnosticSeverity::INFORMATION,
                p.class.code(),
                passage_message(a, p),
            )
        }));
    }
    if set.moves {
        out.par_extend(a.moves.par_iter().with_min_len(64).flat_map_iter(|m| {
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
            let mut there = diag(
                from,
                DiagnosticSeverity::INFORMATION,
                "moved",
                format!("Sentence moved to line {}", to.start.line + 1),
            );
            there.related_information = related(to, "moved here");
            let mut here = diag(
                to,
                DiagnosticSeverity::INFORMATION,
                "moved",
                format!("Sentence moved from line {}", from.start.line + 1),
            );
            here.related_information = related(from, "moved from here");
            [there, here]
        }));
    }
    out.sort_by_key(|d| (d.range.start.line, d.range.start.character));
    out
}
