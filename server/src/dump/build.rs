//! Reading a News Sniffer diff page: title and time rows, body rows, decisions, and
//! the two versions built from them.

use super::choices::Choices;
use super::decide::{
    anchor_shingles, drop_anchor_words, DecideState, Decision, RowInput, RowMap, FLAG_MARGIN,
};
use super::header::{is_pagination, parse_time_row, Located};
use super::lines::{Decoded, LineTable};
use super::model::*;
use super::split::{ensure_cut, shape, RowShape};
use crate::text::{ends_sentence, fold_whitespace, lone_crs_in};
use rayon::prelude::*;

/// A body row: its line index and span (trailing whitespace excluded).
pub type BodyRow = (usize, Span);
/// A finding about one line, with the line's index.
pub type LineFinding = (usize, Finding);

/// Everything a read keeps for the next read of an edited text (see `incremental`).
pub struct Parts {
    pub located: Located,
    pub title: Option<TitleRow>,
    pub time: Option<TimeRow>,
    /// Findings of the header, title and time rows.
    pub head_findings: Vec<Finding>,
    /// First line after the time row (or the title row).
    pub body_start: usize,
    /// Body rows: line index and row span (trailing whitespace excluded).
    pub body: Vec<(usize, Span)>,
    /// Findings about single body lines, with their line index.
    pub line_findings: Vec<(usize, Finding)>,
    /// Each body row's shape (a whole read drops the unchanged rows' word keys; an edit
    /// keeps those of the few it shapes again).
    pub shapes: Vec<RowShape>,
    pub decide: DecideState,
    /// Per side and row: the index of the row's paragraph in that version
    /// ([`NO_PARAGRAPH`] when it has none there).
    pub paragraph_of: [Vec<u32>; 2],
}

/// Whether the right column is the later version: as the time row says, else as the
/// version numbers do.
fn right_is_later(header: &Header, time: Option<&TimeRow>) -> bool {
    match time {
        Some(t) => t.direction == Direction::Later,
        None => header.versions[1] >= header.versions[0],
    }
}

pub fn read_diff_page(
    decoded: Decoded,
    lines: LineTable,
    found: Located,
    choices: &Choices,
) -> Dump {
    read_diff_page_parts(decoded, lines, found, choices, false).0
}

/// Reads a diff page and, when `keep`, returns what a later incremental read can
/// reuse (`None` for a truncated or undecodable page, which is always read whole).
/// Without `keep` the decision state is freed before the versions are built, which
/// keeps the peak memory of a one-off read low.
pub fn read_diff_page_parts(
    decoded: Decoded,
    lines: LineTable,
    found: Located,
    choices: &Choices,
    keep: bool,
) -> (Dump, Option<Parts>) {
    let text = decoded.text;
    let mut head_findings = found.findings.clone();
    if decoded.lossy {
        head_findings.push(Finding {
            severity: Severity::Warning,
            code: "invalid-utf8",
            span: 0..0,
            message: "the file is not valid UTF-8: undecodable bytes were replaced with \u{FFFD}"
                .into(),
        });
    }
    let (title, time, body_start) =
        read_head(&text, &lines, found.versions_line, &mut head_findings);
    let (mut body, line_findings) = scan_body(&text, &lines.spans, body_start..lines.len());
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
    let mut shapes: Vec<RowShape> = body
        .par_iter()
        .with_min_len(64)
        .map(|(_, s)| shape(&text[s.clone()]))
        .collect();
    let (forced, ignored) = forced_readings(&text, &body, &mut shapes, choices);
    let base = anchor_shingles(&inputs_of(&text, &body, &shapes, &forced));
    drop_anchor_words(&mut shapes, &forced);
    let inputs = inputs_of(&text, &body, &shapes, &forced);
    let (decide_state, decisions) =
        DecideState::new(&inputs, base, right_is_later(&found.header, time.as_ref()));
    let decide_state = keep.then(|| {
        let mut state = decide_state;
        state.prepare(&inputs);
        state
    });
    let mut rows = rows_of(&body, &inputs, decisions);
    drop(inputs);
    let shapes: Vec<RowShape> = if keep {
        shapes
    } else {
        drop(shapes);
        Vec::new()
    };
    let truncated = partial.is_some();
    if let Some((line, span, left)) = partial {
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
    let mut findings = head_findings.clone();
    findings.extend(line_findings.iter().map(|(_, f)| f.clone()));
    findings.extend(ignored);
    if truncated {
        let row = rows.last().expect("the partial row was just pushed");
        findings.push(Finding {
            severity: Severity::Warning,
            code: "truncated",
            span: row.span.clone(),
            message: "the dump is truncated: it ends inside this row, which is not part of either version; the rest of the article is missing".into(),
        });
    }
    let (dump, paragraph_of) = assemble(
        text,
        &found,
        lines.starts,
        title.clone(),
        time.clone(),
        rows,
        findings,
        decoded.lossy,
        truncated,
        None,
        None,
    );
    let parts = decide_state
        .filter(|_| !truncated && !decoded.lossy)
        .map(|decide_state| Parts {
            located: found,
            title,
            time,
            head_findings,
            body_start,
            body,
            line_findings,
            shapes,
            decide: decide_state,
            paragraph_of,
        });
    (dump, parts)
}

/// The title and time rows: the first two non-blank lines after the versions line.
/// Returns them and the first body line.
pub fn read_head(
    text: &str,
    lines: &LineTable,
    versions_line: usize,
    findings: &mut Vec<Finding>,
) -> (Option<TitleRow>, Option<TimeRow>, usize) {
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
    let title = take_line(&mut next).map(|i| read_title(text, i, lines.spans[i].clone()));
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
    (title, time, next)
}

/// Body rows among the lines `range` (`spans` are all the text's lines), and the
/// findings about single lines: blank lines, page navigation, trailing whitespace.
pub fn scan_body(
    text: &str,
    spans: &[Span],
    range: std::ops::Range<usize>,
) -> (Vec<BodyRow>, Vec<LineFinding>) {
    let line_count = spans.len();
    let mut body: Vec<(usize, Span)> = Vec::new();
    let mut findings = Vec::new();
    for i in range {
        let span = spans[i].clone();
        let line = &text[span.clone()];
        if line.trim().is_empty() {
            if i + 1 < line_count {
                findings.push((
                    i,
                    Finding {
                        severity: Severity::Info,
                        code: "blank-line",
                        span,
                        message: "blank line inside the table, skipped".into(),
                    },
                ));
            }
            continue;
        }
        if is_pagination(line) {
            findings.push((
                i,
                Finding {
                    severity: Severity::Info,
                    code: "pagination",
                    span,
                    message: "page navigation left in the table, skipped".into(),
                },
            ));
            continue;
        }
        // A row ending in whitespace: the paragraph itself never does.
        let trimmed = line.trim_end();
        let row = span.start..span.start + trimmed.len();
        if trimmed.len() < line.len() {
            findings.push((
                i,
                Finding {
                    severity: Severity::Info,
                    code: "trailing-space",
                    span: row.end..span.end,
                    message: "row ends in whitespace, ignored".into(),
                },
            ));
        }
        body.push((i, row));
    }
    (body, findings)
}

/// The readings a person chose for the body rows in the sidecar file (empty when there
/// are none), with their shapes given the cuts the choices name, and a finding for
/// every choice that does not fit its row.
pub fn forced_readings(
    text: &str,
    body: &[(usize, Span)],
    shapes: &mut [RowShape],
    choices: &Choices,
) -> (Vec<Option<Reading>>, Vec<Finding>) {
    if choices.rows.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let mut ignored = Vec::new();
    let forced = body
        .iter()
        .zip(shapes)
        .map(|((line, span), shape)| {
            let choice = choices.get(*line, &text[span.clone()]);
            if let Some(Reading::Changed { split }) = choice {
                ensure_cut(shape, &text[span.clone()], split);
            }
            if let Some(c) = choice {
                if !valid_choice(shape, c) {
                    ignored.push(Finding {
                        severity: Severity::Warning,
                        code: "choice-ignored",
                        span: span.clone(),
                        message: "the choice recorded in the sidecar file does not fit this row and was ignored".into(),
                    });
                }
            }
            choice.filter(|r| valid_choice(shape, *r))
        })
        .collect();
    (forced, ignored)
}

/// The decision inputs of the body rows: their shapes, and the readings `forced` (from
/// [`forced_readings`]; empty for none). On all cores: an edit builds one per row.
pub fn inputs_of<'a>(
    text: &'a str,
    body: &[(usize, Span)],
    shapes: &'a [RowShape],
    forced: &[Option<Reading>],
) -> Vec<RowInput<'a>> {
    body.par_iter()
        .zip(shapes)
        .enumerate()
        .with_min_len(1024)
        .map(|(i, ((_, span), shape))| RowInput {
            dump: text,
            span: span.clone(),
            shape,
            forced: forced.get(i).copied().flatten(),
        })
        .collect()
}

/// Rows from the body spans and their decisions.
pub fn rows_of(body: &[(usize, Span)], inputs: &[RowInput], decisions: Vec<Decision>) -> Vec<Row> {
    body.par_iter()
        .zip(inputs)
        .zip(decisions)
        .with_min_len(1024)
        .map(|(((line, span), input), d)| row_of(*line, span, input, d))
        .collect()
}

/// A body row read as `d` decides.
fn row_of(line: usize, span: &Span, input: &RowInput, d: Decision) -> Row {
    let (old, new) = halves_of(span, input, d.reading);
    Row {
        line,
        span: span.clone(),
        kind: d.reading.kind(),
        reading: Some(d.reading),
        old,
        new,
        confidence: d.confidence,
        ambiguity: d.ambiguity,
        chosen: input.forced.is_some(),
    }
}

/// The previous read's rows: taken from its dump when nothing else holds it (edited
/// in place), or shared with it (copied).
pub enum OldRows<'a> {
    Taken(Vec<Row>),
    Shared(&'a [Row]),
}

/// The rows of a read after an edit, given the previous read's rows and how the rows
/// relate (`map`): a row outside the window whose run was not decided again reads as
/// its previous row did, so it is that row, moved by the edit (`line` and `byte` map
/// its line and offsets); the others are made from their decisions. `redecided` gives
/// the rows and decisions of the runs decided again, which include every run with a
/// row in the window; the window's other rows are unchanged. Also gives the rows
/// outside the window that now read otherwise than their previous row (ascending).
pub fn rows_after_edit<'d>(
    old_rows: OldRows,
    map: RowMap,
    line: impl Fn(usize) -> usize + Sync,
    byte: impl Fn(usize) -> usize + Sync,
    body: &[(usize, Span)],
    inputs: &[RowInput],
    redecided: impl Iterator<Item = (std::ops::Range<usize>, &'d [Decision])>,
) -> (Vec<Row>, Vec<usize>) {
    let made = |i: usize, d: Decision| row_of(body[i].0, &body[i].1, &inputs[i], d);
    let moved = |s: &Span| byte(s.start)..byte(s.end);
    let move_row = |r: &mut Row| {
        r.line = line(r.line);
        r.span = moved(&r.span);
        r.old = r.old.as_ref().map(moved);
        r.new = r.new.as_ref().map(moved);
    };
    let window = (map.prefix..map.new_end).map(|i| made(i, Decision::UNCHANGED));
    let mut rows = match old_rows {
        OldRows::Taken(mut rows) => {
            rows[map.old_end..]
                .par_iter_mut()
                .with_min_len(1024)
                .for_each(move_row);
            rows.splice(map.prefix..map.old_end, window);
            rows
        }
        OldRows::Shared(old_rows) => {
            let mut rows: Vec<Row> = Vec::with_capacity(body.len());
            rows.par_extend(old_rows[..map.prefix].par_iter().cloned());
            rows.extend(window);
            rows.par_extend(old_rows[map.old_end..].par_iter().map(|r| {
                let mut r = r.clone();
                move_row(&mut r);
                r
            }));
            rows
        }
    };
    let mut reread = Vec::new();
    for (range, decisions) in redecided {
        for (i, d) in range.zip(decisions) {
            let row = made(i, d.clone());
            if !(map.prefix..map.new_end).contains(&i) && row.reading != rows[i].reading {
                reread.push(i);
            }
            rows[i] = row;
        }
    }
    (rows, reread)
}

/// The dump from its parts: ambiguity findings added, findings in text order, both
/// versions built (with each row's paragraph index in them, as in [`Parts`]).
#[allow(clippy::too_many_arguments)]
pub fn assemble(
    text: String,
    found: &Located,
    line_starts: Vec<usize>,
    title: Option<TitleRow>,
    time: Option<TimeRow>,
    rows: Vec<Row>,
    mut findings: Vec<Finding>,
    lossy: bool,
    truncated: bool,
    carried: Option<Carried>,
    lone_crs: Option<usize>,
) -> (Dump, [Vec<u32>; 2]) {
    ambiguity_findings(&rows, carried.as_ref(), &mut findings);
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
    findings.sort_by_key(|f| (f.span.start, f.severity));
    let (versions, paragraph_of) = build_versions_reusing(
        &text,
        &found.header,
        title.as_ref(),
        time.as_ref(),
        &rows,
        true,
        carried,
    );
    let dump = Dump {
        lone_crs: lone_crs.unwrap_or_else(|| lone_crs_in(text.as_bytes())),
        text,
        format: found.format,
        lossy,
        truncated,
        line_starts,
        header: found.header.clone(),
        title,
        time,
        rows,
        findings,
        versions,
    };
    (dump, paragraph_of)
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
pub fn truncated_row(row: &str) -> Option<Option<usize>> {
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
                )
                .into(),
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

/// A row with no paragraph in a version, in [`Parts::paragraph_of`].
pub const NO_PARAGRAPH: u32 = u32::MAX;

/// What an earlier read of the same dump leaves for the next one's versions: a row
/// of the next read outside the map's window, read as its earlier row was, has the
/// same paragraphs, already folded.
pub struct Carried<'a> {
    pub map: RowMap,
    /// The rows outside the map's window that read otherwise than their earlier row
    /// (ascending).
    pub reread: &'a [usize],
    /// The earlier read's findings, for the ambiguity findings of its rows.
    pub findings: EarlierFindings<'a>,
    /// Per side and earlier row: its paragraph's index in that version.
    pub paragraph_of: [Vec<u32>; 2],
    /// Per side: the earlier version's paragraphs.
    pub paragraphs: [OldParagraphs<'a>; 2],
}

/// An earlier read's findings, and where the window's lines lay in its text: a row
/// before the window that was not decided again has the same ambiguity finding, a
/// row after it too, moved by `shift` bytes.
pub struct EarlierFindings<'a> {
    pub findings: &'a [Finding],
    pub window: std::ops::Range<usize>,
    pub shift: isize,
    /// The rows of the runs decided again (ascending ranges, the window's among them):
    /// their findings are made again.
    pub redecided: Vec<std::ops::Range<usize>>,
}

/// A row's ambiguity finding, if it is ambiguous.
fn ambiguity_finding(row: &Row) -> Option<Finding> {
    let a = row.ambiguity.as_ref()?;
    Some(Finding {
        severity: Severity::Warning,
        code: ambiguity_code(row.reading, a.alternative),
        span: row.span.clone(),
        message: a.reason.clone(),
    })
}

/// Appends the ambiguity findings of the rows (to be sorted with the others): of every
/// row, or after an edit ([`Carried`]) taken over from the earlier read for the rows
/// outside the window and not decided again (the findings of many thousand rows, mostly
/// unambiguous, are otherwise looked for in every row again).
fn ambiguity_findings(rows: &[Row], carried: Option<&Carried>, out: &mut Vec<Finding>) {
    let Some(c) = carried else {
        out.extend(rows.iter().filter_map(ambiguity_finding));
        return;
    };
    let e = &c.findings;
    // The new text's bytes of the rows decided again outside the window.
    let redone: Vec<std::ops::Range<usize>> = e
        .redecided
        .iter()
        .filter(|r| !r.is_empty())
        .map(|r| rows[r.start].span.start..rows[r.end - 1].span.end)
        .collect();
    let in_redone = |at: usize| {
        let k = redone.partition_point(|r| r.end <= at);
        redone.get(k).is_some_and(|r| r.start <= at)
    };
    for f in e.findings.iter().filter(|f| f.is_row_ambiguity()) {
        let span = if f.span.end <= e.window.start {
            f.span.clone()
        } else if f.span.start >= e.window.end {
            let moved = |x: usize| x.checked_add_signed(e.shift);
            match (moved(f.span.start), moved(f.span.end)) {
                (Some(a), Some(b)) => a..b,
                _ => continue,
            }
        } else {
            continue;
        };
        if !in_redone(span.start) {
            out.push(Finding { span, ..f.clone() });
        }
    }
    let window = c.map.prefix..c.map.new_end;
    let outside = e
        .redecided
        .iter()
        .flat_map(|r| r.clone())
        .filter(|i| !window.contains(i));
    out.extend(
        window
            .clone()
            .chain(outside)
            .filter_map(|i| ambiguity_finding(&rows[i])),
    );
}

/// An earlier version's paragraphs: taken from it when nothing else holds the
/// earlier dump (their texts are moved), shared with it otherwise (cloned).
pub enum OldParagraphs<'a> {
    Taken(Vec<VersionParagraph>),
    Shared(&'a [VersionParagraph]),
}

/// The texts of an earlier version's paragraphs, handed out in order.
enum OldTexts<'a> {
    /// The paragraphs not yet passed over, and the index of the first of them.
    Taken(std::vec::IntoIter<VersionParagraph>, usize),
    Shared(&'a [VersionParagraph]),
}

impl OldTexts<'_> {
    /// The text of paragraph `k`. Taken paragraphs are asked for in increasing order
    /// (rows keep their order); one asked for out of order is not given.
    fn text(&mut self, k: usize) -> Option<std::sync::Arc<str>> {
        match self {
            OldTexts::Taken(it, next) => {
                let skip = k.checked_sub(*next)?;
                let p = it.nth(skip)?;
                *next = k + 1;
                Some(p.text)
            }
            OldTexts::Shared(ps) => ps.get(k).map(|p| p.text.clone()),
        }
    }
}

/// One version's paragraphs after an edit that changed the reading of no row outside
/// `map`'s window, given the earlier version's (taken) and each earlier row's index
/// into them: the window's paragraphs are put in place of the earlier window's, and
/// the rows and indices after it are moved by the difference. Nothing else is copied.
fn splice_paragraphs(
    mut paragraphs: Vec<VersionParagraph>,
    mut index: Vec<u32>,
    map: RowMap,
    rows: &[Row],
    side: Side,
    text: &str,
) -> (Vec<VersionParagraph>, Vec<u32>) {
    let mut window = Vec::new();
    // Each window row's paragraph, counted from the window's first.
    let mut window_index = Vec::with_capacity(map.new_end - map.prefix);
    for (i, r) in rows.iter().enumerate().take(map.new_end).skip(map.prefix) {
        match r.half(side) {
            Some(half) => {
                window_index.push(window.len() as u32);
                window.push(VersionParagraph {
                    text: folded_text(&text[half.clone()]),
                    row: i,
                });
            }
            None => window_index.push(NO_PARAGRAPH),
        }
    }
    let added = window.len();
    let (lo, replaced) = map.splice_rows(&mut paragraphs, window, |p| p.row, |p| &mut p.row);
    for k in window_index.iter_mut().filter(|k| **k != NO_PARAGRAPH) {
        *k += lo as u32;
    }
    index.splice(map.prefix..map.old_end, window_index);
    if added != replaced {
        for k in index[map.new_end..]
            .iter_mut()
            .filter(|k| **k != NO_PARAGRAPH)
        {
            *k = (*k as usize + added - replaced) as u32;
        }
    }
    (paragraphs, index)
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
    build_versions_reusing(text, header, title, time, rows, old_known, None).0
}

#[allow(clippy::too_many_arguments)]
/// [`build_versions`], taking the paragraphs an earlier read carried over, and with
/// each row's paragraph index per version.
pub fn build_versions_reusing(
    text: &str,
    header: &Header,
    title: Option<&TitleRow>,
    time: Option<&TimeRow>,
    rows: &[Row],
    old_known: bool,
    carried: Option<Carried>,
) -> ([Version; 2], [Vec<u32>; 2]) {
    let (carried, [old_side, new_side]) = match carried {
        Some(Carried {
            map,
            reread,
            paragraph_of: [oi, ni],
            paragraphs: [o, n],
            ..
        }) => (Some((map, reread)), [Some((o, oi)), Some((n, ni))]),
        None => (None, [None, None]),
    };
    // A fresh read folds an unchanged row's paragraph once, for both versions to share:
    // these rows are most of a dump, and their two halves are the same text.
    let unchanged: Vec<Option<std::sync::Arc<str>>> = if carried.is_none() {
        rows.par_iter()
            .with_min_len(256)
            .map(|r| {
                (r.kind == RowKind::Unchanged)
                    .then(|| r.half(Side::Old).map(|h| folded_text(&text[h.clone()])))
                    .flatten()
            })
            .collect()
    } else {
        Vec::new()
    };
    let make = |side: Side, old: Option<(OldParagraphs, Vec<u32>)>| -> (Version, Vec<u32>) {
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
        let (paragraphs, index) = match (old, carried) {
            // Only the window's rows read anew: its paragraphs spliced in.
            (Some((OldParagraphs::Taken(ps), paragraph_of)), Some((map, []))) => {
                splice_paragraphs(ps, paragraph_of, map, rows, side, text)
            }
            // Texts carried over from the earlier read: nothing folded or copied again.
            (Some((old, paragraph_of)), Some((map, reread))) => {
                let mut old = match old {
                    OldParagraphs::Taken(ps) => OldTexts::Taken(ps.into_iter(), 0),
                    OldParagraphs::Shared(ps) => OldTexts::Shared(ps),
                };
                let mut index = vec![NO_PARAGRAPH; rows.len()];
                let mut out = Vec::with_capacity(paragraph_of.len());
                for (i, r) in rows.iter().enumerate() {
                    let Some(half) = r.half(side) else {
                        continue;
                    };
                    let known = map
                        .old_of(i)
                        .filter(|_| reread.binary_search(&i).is_err())
                        .and_then(|j| paragraph_of.get(j))
                        .filter(|&&k| k != NO_PARAGRAPH)
                        .and_then(|&k| old.text(k as usize));
                    index[i] = out.len() as u32;
                    out.push(VersionParagraph {
                        text: known.unwrap_or_else(|| folded_text(&text[half.clone()])),
                        row: i,
                    });
                }
                (out, index)
            }
            _ => {
                let out: Vec<VersionParagraph> = rows
                    .par_iter()
                    .enumerate()
                    .with_min_len(256)
                    .filter_map(|(i, r)| {
                        let half = r.half(side)?;
                        let text = match unchanged.get(i) {
                            Some(Some(shared)) => shared.clone(),
                            _ => folded_text(&text[half.clone()]),
                        };
                        Some(VersionParagraph { text, row: i })
                    })
                    .collect();
                let mut index = vec![NO_PARAGRAPH; rows.len()];
                for (k, p) in out.iter().enumerate() {
                    index[p.row] = k as u32;
                }
                (out, index)
            }
        };
        let version = Version {
            number: header.versions[side.index()],
            title: title_text,
            caption,
            paragraphs,
            complete: side == Side::New || old_known,
        };
        (version, index)
    };
    let ((old, old_index), (new, new_index)) =
        rayon::join(|| make(Side::Old, old_side), || make(Side::New, new_side));
    ([old, new], [old_index, new_index])
}

/// A paragraph's text with its whitespace folded, copied once.
fn folded_text(s: &str) -> std::sync::Arc<str> {
    if crate::text::is_folded(s) {
        s.into()
    } else {
        fold_whitespace(s).into()
    }
}
