//! Reading an edited dump again, redoing only what the edit can change.
//!
//! The language server re-reads a dump after every keystroke. A [`Reader`] keeps the
//! previous read's dump, body rows, row shapes and decision evidence; the next text
//! is compared with the previous one (common prefix and suffix, or what the caller
//! says its edits left alone: [`Kept`]), and only the lines between are scanned and
//! shaped again. The previous dump's rows and paragraphs are taken over, edited in
//! place when nothing else holds that dump (copied otherwise). Decisions are redone
//! only for the runs whose rows or evidence changed (`decide::DecideState::update`).
//! The result is always exactly what [`super::read`] gives for the same text; anything
//! unusual (a change in the header, title or time rows, sidecar choices, a BOM, a
//! truncated or unterminated file, a pipe table) is simply read whole.

use super::build::{
    assemble, inputs_of, read_diff_page_parts, rows_after_edit, scan_body, truncated_row, Carried,
    EarlierFindings, OldParagraphs, OldRows, Parts,
};
use super::choices::Choices;
use super::decide::{RowInput, RowMap};
use super::lines::{for_each_line, LineTable};
use super::model::*;
use super::split::{shape, RowShape};
use super::{header, pipe};
use crate::text::lone_crs_in;
use rayon::prelude::*;
use std::sync::Arc;

/// What the previous read left for the next one: the dump it gave (shared, so its
/// text, line starts and paragraphs are not copied) and the reader's working parts.
struct Previous {
    dump: Arc<Dump>,
    spans: Vec<Span>,
    parts: Parts,
}

/// A dump reader that remembers its last read. See the module comment.
#[derive(Default)]
pub struct Reader {
    previous: Option<Previous>,
    /// The text buffer of a dump this reader no longer needs, kept for the next text
    /// (filling a buffer that is already the right size spares the fresh pages), with
    /// how much of its start and end is as in the last read's text.
    spare: Option<(String, Kept)>,
}

/// How many bytes at the start and at the end of a text are known to be as they were
/// in the previous read (the editor's changes lie between).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Kept {
    pub prefix: usize,
    pub suffix: usize,
}

impl Kept {
    /// Nothing changed.
    pub const ALL: Kept = Kept {
        prefix: usize::MAX,
        suffix: usize::MAX,
    };
    /// Anything may have changed.
    pub const NOTHING: Kept = Kept {
        prefix: 0,
        suffix: 0,
    };
}

/// How the rows of a read relate to the previous read's rows.
#[derive(Clone, Debug)]
pub enum Reuse {
    /// Read whole: no row is known to be the same.
    None,
    /// Rows outside the map's window have the same text as before, and read as before
    /// except the rows `reread` (ascending). Only the rows of the window and of the
    /// ranges `redecided` were decided again: the others also keep their ambiguity.
    Rows {
        map: RowMap,
        reread: Vec<usize>,
        redecided: Vec<std::ops::Range<usize>>,
    },
}

impl Reader {
    /// The next text, `len` bytes long. `kept` says how much of its start and end is as
    /// in the last read's text; `fill` appends a byte range of it to a string (false
    /// when the range does not fall on character boundaries, which the whole text
    /// always does). It is built in the buffer of the dump before the last when that was
    /// let go: when most of the buffer holds the next text already, only the bytes
    /// between are filled in, and an edit costs a move of the text after it instead of
    /// a copy of the whole text.
    pub fn next_text(
        &mut self,
        len: usize,
        kept: Kept,
        fill: impl Fn(&mut String, std::ops::Range<usize>) -> bool,
    ) -> String {
        let mut buf = match self.spare.take() {
            Some((mut buf, alike)) => {
                // The spare is alike with the last text, which is alike with the next:
                // the spare is alike with the next text in the smaller of each.
                let n = buf.len();
                let p = alike.prefix.min(kept.prefix).min(n).min(len);
                let s = alike.suffix.min(kept.suffix).min(n - p).min(len - p);
                if p + s >= len / 2 && buf.is_char_boundary(p) && buf.is_char_boundary(n - s) {
                    let mut between = String::with_capacity(len - p - s);
                    if fill(&mut between, p..len - s) {
                        if buf.capacity() < len {
                            buf.reserve_exact(len - n + slack(len));
                        }
                        buf.replace_range(p..n - s, &between);
                        return buf;
                    }
                }
                buf.clear();
                if buf.capacity() > 2 * len + (64 << 10) {
                    buf = String::new();
                }
                buf
            }
            None => String::new(),
        };
        buf.reserve_exact(len + slack(len));
        fill(&mut buf, 0..len);
        buf
    }

    /// Keeps `buf` for [`Reader::next_text`] when there is no spare buffer yet: the
    /// language server gives the text it opened a document with, so that the first
    /// edit need not fill fresh pages. `alike` says how much of its start and end is
    /// as in the last read's text. Room is made at its end now: a text received whole
    /// has none, and an edit that lengthened it would first move all of it (7 ms for
    /// 10 MB, measured on the first edit).
    pub fn keep_spare(&mut self, mut buf: String, alike: Kept) {
        if self.spare.is_none() && self.previous.is_some() {
            buf.reserve_exact(slack(buf.len()));
            self.spare = Some((buf, alike));
        }
    }

    /// Reads `text` (already decoded: the language server's buffer).
    pub fn read(
        &mut self,
        text: String,
        choices: &Choices,
    ) -> Result<(Arc<Dump>, Reuse), NotADump> {
        self.read_edited(text, choices, None)
    }

    /// [`Reader::read`], told what the edits since the previous read left alone, so the
    /// texts need not be compared. `kept` must be true of the two texts.
    pub fn read_edited(
        &mut self,
        text: String,
        choices: &Choices,
        kept: Option<Kept>,
    ) -> Result<(Arc<Dump>, Reuse), NotADump> {
        if let Some(prev) = self.previous.take() {
            if incremental_ok(&prev, &text, choices) {
                match self.update(prev, text, kept) {
                    Ok(read) => return Ok(read),
                    Err(text) => return self.read_whole(text, choices).map(|d| (d, Reuse::None)),
                }
            }
        }
        self.read_whole(text, choices).map(|d| (d, Reuse::None))
    }

    fn read_whole(&mut self, text: String, choices: &Choices) -> Result<Arc<Dump>, NotADump> {
        let decoded = super::lines::decode_owned(text.into_bytes());
        let table = LineTable::new(&decoded.text);
        let found = header::locate(&decoded.text, &table)?;
        if found.format == Format::PipeTable {
            let mut dump = pipe::read_pipe_table(decoded, table, found);
            dump.findings.sort_by_key(|f| (f.span.start, f.severity));
            return Ok(Arc::new(dump));
        }
        let spans = table.spans.clone();
        let (dump, parts) = read_diff_page_parts(decoded, table, found, choices, true);
        let dump = Arc::new(dump);
        if let Some(parts) = parts {
            if choices.rows.is_empty() {
                self.previous = Some(Previous {
                    dump: dump.clone(),
                    spans,
                    parts,
                });
            }
        }
        Ok(dump)
    }

    /// Reads `text` as an edit of the previous text; gives the text back when it
    /// has to be read whole after all (it now ends inside a row).
    fn update(
        &mut self,
        prev: Previous,
        text: String,
        kept: Option<Kept>,
    ) -> Result<(Arc<Dump>, Reuse), String> {
        let Previous {
            dump: mut old,
            spans,
            parts,
        } = prev;
        let (old_text, starts) = (&old.text, &old.line_starts);
        let (n, m) = (old_text.len(), text.len());
        let (p, s) = match kept {
            Some(k) => {
                // The header, title and time rows are known to be unchanged
                // (`incremental_ok`): the window never starts before the body.
                let head_end = starts[parts.body_start];
                let p = k.prefix.max(head_end).min(n.min(m));
                (p, k.suffix.min(n.min(m) - p))
            }
            None => {
                let p = common_prefix(old_text.as_bytes(), text.as_bytes());
                (
                    p,
                    common_suffix(old_text.as_bytes(), text.as_bytes(), n.min(m) - p),
                )
            }
        };
        let lines = starts.len();
        // Old lines `..a` lie wholly (with their ending) in the common prefix; old
        // lines `b..` start after a newline in the common suffix. The last line is
        // always scanned again, since whether a blank line is the last one matters.
        let a = starts[1..].partition_point(|&t| t <= p).min(lines - 1);
        let b = starts.partition_point(|&st| st < n - s + 1).max(a);
        let from = starts[a];
        let to_old = if b < lines { starts[b] } else { n };
        let to_new = to_old + m - n;
        // New lines between.
        let mut new_starts: Vec<usize> = Vec::with_capacity(lines + 8);
        let mut new_spans: Vec<Span> = Vec::with_capacity(lines + 8);
        new_starts.extend_from_slice(&starts[..a]);
        new_spans.extend_from_slice(&spans[..a]);
        let start = for_each_line(text.as_bytes(), from, to_new, |line| {
            new_starts.push(line.start);
            new_spans.push(line);
        });
        // A last line with no line ending (as `LineTable` counts it).
        if to_new == m && start < m {
            new_starts.push(start);
            new_spans.push(start..m);
        }
        let window_lines = new_starts.len() - a;
        let shift = |x: usize| x + m - n;
        new_starts.extend(starts[b..].iter().map(|&x| shift(x)));
        new_spans.extend(spans[b..].iter().map(|r| shift(r.start)..shift(r.end)));
        let line_shift = |l: usize| l + a + window_lines - b;
        // Body rows and line findings: kept before, scanned between, shifted after.
        let Parts {
            located,
            title,
            time,
            head_findings,
            body_start,
            body,
            line_findings,
            shapes,
            mut decide,
            paragraph_of,
        } = parts;
        let (window_body, window_findings) = scan_body(&text, &new_spans, a..a + window_lines);
        let ra = body.partition_point(|(l, _)| *l < a);
        let rb = body.partition_point(|(l, _)| *l < b);
        let map = RowMap {
            prefix: ra,
            old_end: rb,
            new_end: ra + window_body.len(),
        };
        let mut new_body: Vec<(usize, Span)> = Vec::with_capacity(body.len() + 4);
        new_body.extend_from_slice(&body[..ra]);
        new_body.extend(window_body.iter().cloned());
        new_body.extend(
            body[rb..]
                .iter()
                .map(|(l, r)| (line_shift(*l), shift(r.start)..shift(r.end))),
        );
        // A file that now ends inside a row is read whole (the row is unreadable).
        if !text.ends_with('\n') {
            if let Some((_, r)) = new_body.last() {
                if truncated_row(&text[r.clone()]).is_some() {
                    return Err(text);
                }
            }
        }
        let fa = line_findings.partition_point(|(l, _)| *l < a);
        let fb = line_findings.partition_point(|(l, _)| *l < b);
        let mut new_findings: Vec<(usize, Finding)> = Vec::with_capacity(line_findings.len() + 4);
        new_findings.extend_from_slice(&line_findings[..fa]);
        new_findings.extend(window_findings);
        new_findings.extend(line_findings[fb..].iter().map(|(l, f)| {
            let mut f = f.clone();
            f.span = shift(f.span.start)..shift(f.span.end);
            (line_shift(*l), f)
        }));
        // Shapes: only the new rows are shaped.
        let window_shapes: Vec<RowShape> = window_body
            .par_iter()
            .map(|(_, r)| shape(&text[r.clone()]))
            .collect();
        // In place: the shapes after the window move only if the window's row count
        // changed.
        let mut shapes = shapes;
        let removed_shapes: Vec<RowShape> = shapes.splice(ra..rb, window_shapes).collect();
        let removed: Vec<RowInput> = body[ra..rb]
            .iter()
            .zip(&removed_shapes)
            .map(|((_, r), shape)| RowInput {
                dump: old_text,
                span: r.clone(),
                shape,
                forced: None,
            })
            .collect();
        let inputs = inputs_of(&text, &new_body, &shapes, &[]);
        let redecided = decide.update(&inputs, &removed, map);
        drop(removed);
        drop(removed_shapes);
        // The window starts and ends at line starts: a CR is lone or not by what
        // follows it inside the window, or (at its very end) in the unchanged suffix.
        let lone_crs = old.lone_crs + lone_crs_in(&text.as_bytes()[from..to_new])
            - lone_crs_in(&old_text.as_bytes()[from..to_old]);
        // When nothing else holds the previous dump, its rows are edited in place and
        // its paragraphs moved into this one, and its text buffer is kept for the next
        // text (see `next_text`), where `p` and `s` bytes at its ends are as in this text.
        let (taken, spare) = match Arc::get_mut(&mut old) {
            Some(d) => (
                Some((
                    std::mem::take(&mut d.rows),
                    [0, 1].map(|side| std::mem::take(&mut d.versions[side].paragraphs)),
                )),
                Some(std::mem::take(&mut d.text)),
            ),
            None => (None, None),
        };
        let alike = Kept {
            prefix: p,
            suffix: s,
        };
        self.spare = spare.map(|b| (b, alike));
        let (old_rows, paragraphs) = match taken {
            Some((rows, t)) => (OldRows::Taken(rows), t.map(OldParagraphs::Taken)),
            None => (
                OldRows::Shared(&old.rows),
                [0, 1].map(|side| OldParagraphs::Shared(&old.versions[side].paragraphs)),
            ),
        };
        let (rows, reread) = rows_after_edit(
            old_rows,
            map,
            line_shift,
            shift,
            &new_body,
            &inputs,
            redecided.iter().map(|&k| decide.run_decisions(k)),
        );
        drop(inputs);
        let mut findings = head_findings.clone();
        findings.extend(new_findings.iter().map(|(_, f)| f.clone()));
        let redecided_rows: Vec<std::ops::Range<usize>> = redecided
            .iter()
            .map(|&k| decide.run_decisions(k).0)
            .collect();
        let carried = Carried {
            map,
            reread: &reread,
            findings: EarlierFindings {
                findings: &old.findings,
                window: from..to_old,
                shift: m as isize - n as isize,
                redecided: redecided_rows.clone(),
            },
            paragraph_of,
            paragraphs,
        };
        let (dump, paragraph_of) = assemble(
            text,
            &located,
            new_starts,
            title.clone(),
            time.clone(),
            rows,
            findings,
            false,
            false,
            Some(carried),
            Some(lone_crs),
        );
        // Freeing a large dump takes a millisecond or two: do it off the reader's path.
        rayon::spawn(move || drop(old));
        let dump = Arc::new(dump);
        self.previous = Some(Previous {
            dump: dump.clone(),
            spans: new_spans,
            parts: Parts {
                located,
                title,
                time,
                head_findings,
                body_start,
                body: new_body,
                line_findings: new_findings,
                shapes,
                decide,
                paragraph_of,
            },
        });
        Ok((
            dump,
            Reuse::Rows {
                map,
                reread,
                redecided: redecided_rows,
            },
        ))
    }
}

/// Room left at the end of a text buffer, so that edits that lengthen the text a
/// little do not move it to a bigger buffer (fresh pages cost more than the copy).
fn slack(len: usize) -> usize {
    len / 64 + 4096
}

/// Whether `text` can be read as an edit of the previous text.
fn incremental_ok(prev: &Previous, text: &str, choices: &Choices) -> bool {
    if !choices.rows.is_empty() || text.starts_with('\u{feff}') {
        return false;
    }
    // Without a time row, the line after the title was looked at as one: an edit
    // there could make it one.
    if prev.parts.title.is_none() || prev.parts.time.is_none() {
        return false;
    }
    // The header, title and time rows must be untouched: the first body line and
    // every line before it lie in the common prefix.
    let body_start = prev.parts.body_start;
    if body_start >= prev.dump.line_starts.len() {
        return false;
    }
    let head_end = prev.dump.line_starts[body_start];
    text.len() >= head_end && prev.dump.text.as_bytes()[..head_end] == text.as_bytes()[..head_end]
}

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    const CHUNK: usize = 256;
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + CHUNK <= n && a[i..i + CHUNK] == b[i..i + CHUNK] {
        i += CHUNK;
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    i
}

/// Length of the common suffix, at most `limit`.
fn common_suffix(a: &[u8], b: &[u8], limit: usize) -> usize {
    const CHUNK: usize = 256;
    let (n, m) = (a.len(), b.len());
    let mut k = 0;
    while k + CHUNK <= limit && a[n - k - CHUNK..n - k] == b[m - k - CHUNK..m - k] {
        k += CHUNK;
    }
    while k < limit && a[n - k - 1] == b[m - k - 1] {
        k += 1;
    }
    k
}
