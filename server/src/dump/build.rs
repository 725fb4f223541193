//! Reading a News Sniffer diff page: title and time rows, body rows, decisions, and
//! the two versions built from them.

use super::choices::Choices;
use super::decide::{decide, RowInput, FLAG_MARGIN};
use super::header::{is_pagination, parse_time_row, Located};
use super::lines::{Decoded, LineTable};
use super::model::*;
use super::split::{ensure_cut, shape, RowShape};
use crate::text::{ends_sentence, fold_whitespace};
use rayon::prelude::*;

pub fn read_diff_page(
    decoded: Decoded,
    lines: LineTable,
    found: Located,
    choices: &Choices,
) -> Dump {
    let text = decoded.text;
    let Located {
        format,
        header,
        mut findings,
        versions_line,
    } = found;
    if decoded.lossy {
        findings.push(Finding {
            severity: Severity::Warning,
            code: "invalid-utf8",
            span: 0..0,
            message: "the file is not valid UTF-8: undecodable bytes were replaced with \u{FFFD}"
                .into(),
        });
    }
    // Title and time rows: the first two non-blank lines after the versions line.
    let mut next = versions_line + 1;
    let take_line = |next: &mut usize| -> Option<usize> {
        while *next < lines.len() {
            let i = *next;
            *next += 1;
            if !text[lines.spans[i].clone()].trim().is_empty() {
                return Some(i);
            }
        }
        None
    };
    let title = take_line(&mut next).map(|i| read_title(&text, i, lines.spans[i].clone()));
    let mut time = None;
    let after_title = next;
    if let Some(i) = take_line(&mut next) {
        time = parse_time_row(&text[lines.spans[i].clone()], i, lines.spans[i].clone());
        if time.is_none() {
            next = after_title;
            findings.push(Finding {
                severity: Severity::Warning,
                code: "missing-time-row",
                span: lines.spans[i].clone(),
                message: "expected the time row, e.g. “(about 1 hour later)”, after the title row; read this line as a body row".into(),
            });
        }
    }
    if title.is_none() {
        findings.push(Finding {
            severity: Severity::Error,
            code: "missing-title",
            span: lines.spans[versions_line].clone(),
            message: "the table has no title row and no body: nothing after the versions line"
                .into(),
        });
    }
    // Body lines.
    let mut body: Vec<(usize, Span)> = Vec::new();
    for i in next..lines.len() {
        let span = lines.spans[i].clone();
        let line = &text[span.clone()];
        if line.trim().is_empty() {
            if i + 1 < lines.len() {
                findings.push(Finding {
                    severity: Severity::Info,
                    code: "blank-line",
                    span,
                    message: "blank line inside the table, skipped".into(),
                });
            }
            continue;
        }
        if is_pagination(line) {
            findings.push(Finding {
                severity: Severity::Info,
                code: "pagination",
                span,
                message: "page navigation left in the table, skipped".into(),
            });
            continue;
        }
        // A row ending in whitespace: the paragraph itself never does.
        let trimmed = line.trim_end();
        let span = span.start..span.start + trimmed.len();
        if trimmed.len() < line.len() {
            findings.push(Finding {
                severity: Severity::Info,
                code: "trailing-space",
                span: span.end..lines.spans[i].end,
                message: "row ends in whitespace, ignored".into(),
            });
        }
        body.push((i, span));
    }
    // A final partial row (an excerpt cut at a fixed size).
    let mut partial: Option<(usize, Span, Option<Span>)> = None;
    if !lines.final_newline {
        if let Some((i, span)) = body.last().cloned() {
            if let Some(left) = truncated_row(&text[span.clone()]) {
                let left = left.map(|l| span.start..span.start + l);
                partial = Some((i, span, left));
                body.pop();
            }
        }
    }
    let shapes: Vec<RowShape> = body
        .par_iter()
        .with_min_len(64)
        .map(|(_, s)| shape(&text[s.clone()]))
        .collect();
    let inputs: Vec<RowInput> = body
        .iter()
        .zip(shapes)
        .map(|((line, span), mut shape)| {
            let row_text = &text[span.clone()];
            if let Some(Reading::Changed { split }) = choices.get(*line, row_text) {
                ensure_cut(&mut shape, row_text, split);
            }
            let forced = choices
                .get(*line, row_text)
                .filter(|r| valid_choice(&shape, *r));
            RowInput {
                text: row_text,
                shape,
                forced,
            }
        })
        .collect();
    let decisions = decide(&inputs);
    let mut rows: Vec<Row> = body
        .iter()
        .zip(&inputs)
        .zip(decisions)
        .map(|(((line, span), input), d)| {
            let (old, new) = halves_of(span, input, d.reading);
            Row {
                line: *line,
                span: span.clone(),
                kind: d.reading.kind(),
                reading: Some(d.reading),
                old,
                new,
                confidence: d.confidence,
                ambiguity: d.ambiguity,
                chosen: input.forced.is_some(),
            }
        })
        .collect();
    for (line, row) in body.iter().zip(&inputs) {
        if let Some(c) = choices.get(line.0, row.text) {
            if !valid_choice(&row.shape, c) {
                findings.push(Finding {
                    severity: Severity::Warning,
                    code: "choice-ignored",
                    span: line.1.clone(),
                    message: "the choice recorded in the sidecar file does not fit this row and was ignored".into(),
                });
            }
        }
    }
    let truncated = partial.is_some();
    if let Some((line, span, left)) = partial {
        findings.push(Finding {
            severity: Severity::Warning,
            code: "truncated",
            span: span.clone(),
            message: "the dump is truncated: it ends inside this row, which is not part of either version; the rest of the article is missing".into(),
        });
        rows.push(Row {
            line,
            span,
            kind: RowKind::Unreadable,
            reading: None,
            old: left,
            new: None,
            confidence: 0.0,
            ambiguity: None,
            chosen: false,
        });
    }
    for row in &rows {
        if let Some(a) = &row.ambiguity {
            findings.push(Finding {
                severity: Severity::Warning,
                code: ambiguity_code(row.reading, a.alternative),
                span: row.span.clone(),
                message: a.reason.clone(),
            });
        }
    }
    if let Some(t) = &title {
        if let Some(a) = &t.ambiguity {
            findings.push(Finding {
                severity: Severity::Warning,
                code: "ambiguous-title",
                span: t.span.clone(),
                message: a.reason.clone(),
            });
        }
    }
    let versions = build_versions(&text, &header, title.as_ref(), time.as_ref(), &rows, true);
    Dump {
        text,
        format,
        lossy: decoded.lossy,
        truncated,
        line_starts: lines.starts,
        header,
        title,
        time,
        rows,
        findings,
        versions,
    }
}

pub fn ambiguity_code(chosen: Option<Reading>, alt: Reading) -> &'static str {
    match (chosen, alt) {
        (Some(Reading::Added | Reading::Removed), Reading::Added | Reading::Removed) => {
            "ambiguous-polarity"
        }
        (Some(Reading::Changed { .. }), Reading::Changed { .. }) => "ambiguous-split",
        _ => "ambiguous-pairing",
    }
}

fn valid_choice(shape: &RowShape, r: Reading) -> bool {
    match r {
        Reading::Unchanged => shape.doubled,
        Reading::Changed { split } => shape.cuts.iter().any(|c| c.at == split),
        Reading::Added | Reading::Removed => !shape.doubled,
    }
}

fn halves_of(span: &Span, input: &RowInput, reading: Reading) -> (Option<Span>, Option<Span>) {
    let s = span.start;
    match reading {
        Reading::Unchanged => {
            let h = (span.end - s) / 2;
            (Some(s..s + h), Some(s + h..span.end))
        }
        Reading::Changed { split } => {
            let right = input
                .shape
                .cuts
                .iter()
                .find(|c| c.at == split)
                .map(|c| c.right)
                .unwrap_or(split + 1);
            (Some(s..s + split), Some(s + right..span.end))
        }
        Reading::Added => (None, Some(span.clone())),
        Reading::Removed => (Some(span.clone()), None),
    }
}

/// If the last row looks cut off, returns `Some(left)` where `left` is the byte length
/// of a complete left copy (a cut-off `PP` row), if any.
fn truncated_row(row: &str) -> Option<Option<usize>> {
    if super::split::is_doubled(row) {
        return None;
    }
    // `P` followed by a proper prefix of `P` with no separator: an unchanged row cut
    // inside its second copy. Then the row's end repeats its start (a border).
    for k in borders(row.as_bytes()) {
        let split = row.len() - k;
        if k * 2 >= row.len() || !row.is_char_boundary(split) {
            continue;
        }
        let (a, b) = row.split_at(split);
        if a.len() >= 20 && !b.starts_with(' ') && ends_sentence(a) {
            return Some(Some(split));
        }
    }
    let words = row.split_whitespace().count();
    let last = row.chars().last()?;
    let looks_cut = !ends_sentence(row) && (last.is_alphanumeric() || last == ',') && words >= 8;
    looks_cut.then_some(None)
}

/// Lengths of the proper borders of `s` (prefixes that are also suffixes), longest
/// first, from the KMP prefix function: linear in the row's length.
fn borders(s: &[u8]) -> Vec<usize> {
    let n = s.len();
    if n == 0 {
        return Vec::new();
    }
    let mut pi = vec![0usize; n];
    for i in 1..n {
        let mut k = pi[i - 1];
        while k > 0 && s[i] != s[k] {
            k = pi[k - 1];
        }
        if s[i] == s[k] {
            k += 1;
        }
        pi[i] = k;
    }
    let mut out = Vec::new();
    let mut k = pi[n - 1];
    while k > 0 {
        out.push(k);
        k = pi[k - 1];
    }
    out
}

fn read_title(text: &str, line: usize, span: Span) -> TitleRow {
    let t = &text[span.clone()];
    let sh = shape(t);
    let Some(best) = sh.best() else {
        return TitleRow {
            line,
            span: span.clone(),
            old: Some(span.clone()),
            new: span,
            changed: false,
            confidence: 0.5,
            ambiguity: Some(Ambiguity {
                alternative: Reading::Unchanged,
                reason: "the title row cannot be cut into two titles".into(),
            }),
        };
    };
    let old = span.start..span.start + best.at;
    let new = span.start + best.right..span.end;
    let changed = text[old.clone()] != text[new.clone()];
    // A rival cut as similar as the best one means the split is a guess.
    let rival = sh
        .cuts
        .iter()
        .skip(1)
        .find(|c| (c.dice - best.dice).abs() < 1e-4 && c.boundary == best.boundary);
    let (confidence, ambiguity) = match (changed, rival) {
        (true, Some(r)) => (
            0.5,
            Some(Ambiguity {
                alternative: Reading::Changed { split: r.at },
                reason: format!(
                    "the title changed, and the old title could also end after “{}”",
                    t[..r.at].split_whitespace().last().unwrap_or("")
                ),
            }),
        ),
        (true, None) if best.dice < 0.3 => (0.7, None),
        _ => (1.0 / (1.0 + (-FLAG_MARGIN * 2.0).exp()), None),
    };
    TitleRow {
        line,
        span,
        old: Some(old),
        new,
        changed,
        confidence,
        ambiguity,
    }
}

/// Builds both versions from the rows. `old_known` is false for pipe tables.
pub fn build_versions(
    text: &str,
    header: &Header,
    title: Option<&TitleRow>,
    time: Option<&TimeRow>,
    rows: &[Row],
    old_known: bool,
) -> [Version; 2] {
    let make = |side: Side| -> Version {
        let title_text = title
            .and_then(|t| match side {
                Side::Old => t.old.clone(),
                Side::New => Some(t.new.clone()),
            })
            .map(|s| fold_whitespace(&text[s]))
            .unwrap_or_default();
        let caption = time.and_then(|t| match side {
            Side::Old => t.stamps[0].clone(),
            Side::New => Some(match &t.stamps[1] {
                Some(stamp) => format!("{stamp} {}", t.caption),
                None => t.caption.clone(),
            }),
        });
        let paragraphs = rows
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                let half = r.half(side)?;
                Some(VersionParagraph {
                    text: fold_whitespace(&text[half.clone()]),
                    row: i,
                })
            })
            .collect();
        Version {
            number: header.versions[side.index()],
            title: title_text,
            caption,
            paragraphs,
            complete: side == Side::New || old_known,
        }
    };
    [make(Side::Old), make(Side::New)]
}
