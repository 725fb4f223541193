//! Code actions on ambiguous rows: each other reading, applied by the server command
//! `palimpsest.choose` (which records it in the sidecar file).

use super::common::{reading_title, Ctx};
use crate::dump::{Reading, Row};
use serde_json::json;
use tower_lsp_server::ls_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, Command, Diagnostic, NumberOrString, Range,
};

pub const CHOOSE: &str = "palimpsest.choose";

/// The readings offered for a row: the reader's runner-up first, then the other
/// polarity of a one-sided reading.
pub fn alternatives(row: &Row) -> Vec<Reading> {
    let mut out = Vec::new();
    let current = row.reading;
    if let Some(a) = &row.ambiguity {
        out.push(a.alternative);
    } else if !row.chosen {
        return out;
    }
    let flip = |r: Reading| match r {
        Reading::Added => Some(Reading::Removed),
        Reading::Removed => Some(Reading::Added),
        _ => None,
    };
    if let Some(c) = current {
        if let Some(f) = flip(c) {
            out.push(f);
        }
    }
    if let Some(a) = row.ambiguity.as_ref().and_then(|a| flip(a.alternative)) {
        out.push(a);
    }
    let mut seen = Vec::new();
    out.retain(|r| {
        let keep = Some(*r) != current && !seen.contains(r);
        seen.push(*r);
        keep
    });
    out
}

pub fn compute(cx: &Ctx, range: Range, diagnostics: &[Diagnostic]) -> Vec<CodeActionOrCommand> {
    let mut out = Vec::new();
    let Some(a) = cx.analysis() else { return out };
    let dump = &a.dump;
    let from = cx.offset(range.start);
    let to = cx.offset(range.end);
    let first = dump.rows.partition_point(|r| r.span.end < from);
    for row in dump.rows[first..].iter().take_while(|r| r.span.start <= to) {
        let alts = alternatives(row);
        if alts.is_empty() {
            continue;
        }
        let line = cx.row_line(row);
        let related: Vec<Diagnostic> = diagnostics
            .iter()
            .filter(|d| {
                d.range.start.line == line
                    && matches!(&d.code, Some(NumberOrString::String(c)) if c.starts_with("ambiguous-"))
            })
            .cloned()
            .collect();
        for (i, reading) in alts.into_iter().enumerate() {
            let title = reading_title(dump, row, reading);
            out.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: title.clone(),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: (!related.is_empty()).then(|| related.clone()),
                edit: None,
                command: Some(Command {
                    title,
                    command: CHOOSE.to_string(),
                    arguments: Some(vec![json!({
                        "uri": cx.uri.as_str(),
                        "line": line,
                        "reading": reading,
                    })]),
                }),
                is_preferred: Some(i == 0),
                disabled: None,
                data: None,
            }));
        }
    }
    out
}
