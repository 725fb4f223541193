//! The pipe-table flattening: `Version A | Version B |`, `---|---|`, then one line per
//! row holding only the newer version. Unchanged rows read `P | P |`; changed and
//! added rows both read `NEW | |`; removed rows are gone.

use super::build::build_versions;
use super::header::{is_pagination, parse_time_row, Located};
use super::lines::{Decoded, LineTable};
use super::model::*;

enum Cells<'a> {
    /// `P | P |`: the paragraph in both columns.
    Both(&'a str),
    /// `NEW | |`: only in the newer column.
    NewOnly(&'a str),
    /// `P |`: a row that ends a page; its second cell is lost.
    Single(&'a str),
    /// A bare `|` or the `---|---|` rule.
    Empty,
}

fn cells(line: &str) -> Cells<'_> {
    let t = line.trim();
    if t.chars()
        .all(|c| c == '|' || c == '-' || c == ':' || c.is_whitespace())
    {
        return Cells::Empty;
    }
    let body = t.strip_suffix('|').unwrap_or(t).trim_end();
    if let Some(first) = body.strip_suffix('|') {
        // `NEW | |` (the second cell is empty).
        return Cells::NewOnly(first.trim_end());
    }
    match body.rsplit_once(" | ") {
        Some((a, b)) if a.trim() == b.trim() => Cells::Both(a.trim()),
        Some((a, b)) if b.trim().is_empty() => Cells::NewOnly(a.trim()),
        _ => Cells::Single(body),
    }
}

pub fn read_pipe_table(decoded: Decoded, lines: LineTable, found: Located) -> Dump {
    let text = decoded.text;
    let Located {
        format,
        header,
        mut findings,
        versions_line,
    } = found;
    findings.push(Finding {
        severity: Severity::Info,
        code: "newer-version-only",
        span: lines.spans[versions_line].clone(),
        message: format!(
            "pipe table: only Version {} is in this file. It shows which paragraphs are new or changed, but not the older wording of Version {} nor the paragraphs removed from it",
            header.versions[1], header.versions[0]
        )
        .into(),
    });
    if decoded.lossy {
        findings.push(Finding {
            severity: Severity::Warning,
            code: "invalid-utf8",
            span: 0..0,
            message: "the file is not valid UTF-8: undecodable bytes were replaced with \u{FFFD}"
                .into(),
        });
    }
    let mut title: Option<TitleRow> = None;
    let mut time: Option<TimeRow> = None;
    let mut rows: Vec<Row> = Vec::new();
    for i in versions_line + 1..lines.len() {
        let span = lines.spans[i].clone();
        let line = &text[span.clone()];
        if line.trim().is_empty() {
            continue;
        }
        let c = cells(line);
        let cell = match c {
            Cells::Empty => continue,
            Cells::Both(s) | Cells::NewOnly(s) | Cells::Single(s) => s,
        };
        let at = span.start + line.find(cell).unwrap_or(0);
        let cell_span = at..at + cell.len();
        if time.is_none() && rows.is_empty() {
            if let Some(t) = parse_time_row(cell, i, span.clone()) {
                time = Some(t);
                continue;
            }
        }
        if title.is_none() && rows.is_empty() {
            let changed = matches!(c, Cells::NewOnly(_));
            title = Some(TitleRow {
                line: i,
                span: span.clone(),
                old: (!changed).then(|| cell_span.clone()),
                new: cell_span,
                changed,
                confidence: 1.0,
                ambiguity: None,
            });
            continue;
        }
        if is_pagination(cell) {
            findings.push(Finding {
                severity: Severity::Info,
                code: "pagination",
                span,
                message: "page navigation left in the table, skipped".into(),
            });
            continue;
        }
        let (kind, old, confidence, ambiguity) = match c {
            Cells::Both(_) => (RowKind::Unchanged, Some(cell_span.clone()), 1.0, None),
            Cells::NewOnly(_) => (RowKind::AddedOrChanged, None, 1.0, None),
            _ => (
                RowKind::Unchanged,
                Some(cell_span.clone()),
                0.6,
                Some(Ambiguity {
                    alternative: Reading::Added,
                    reason: "this row lost its second cell (it ends a page): read as unchanged, but it may be new or changed".into(),
                }),
            ),
        };
        rows.push(Row {
            line: i,
            span: span.clone(),
            kind,
            reading: None,
            old,
            new: Some(cell_span),
            confidence,
            ambiguity,
            chosen: false,
        });
    }
    for r in &rows {
        if let Some(a) = &r.ambiguity {
            findings.push(Finding {
                severity: Severity::Warning,
                code: "ambiguous-pipe-row",
                span: r.span.clone(),
                message: a.reason.clone(),
            });
        }
    }
    let versions = build_versions(&text, &header, title.as_ref(), time.as_ref(), &rows, false);
    Dump {
        lone_crs: crate::text::lone_crs_in(text.as_bytes()),
        text,
        format,
        lossy: decoded.lossy,
        truncated: false,
        line_starts: lines.starts,
        header,
        title,
        time,
        rows,
        findings,
        versions,
    }
}
