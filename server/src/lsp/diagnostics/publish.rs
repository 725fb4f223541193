//! The `textDocument/publishDiagnostics` notification, written as JSON from the
//! diagnostics' typed form and reusing the JSON of the last publication.
//!
//! Every publication lists all of a document's diagnostics: thousands on a large dump,
//! megabytes of JSON, of which a one-line edit changes one or two. A body row's
//! passage and ambiguity diagnostics depend only on the row's LSP line and text, its
//! passage class or decision, the position encoding and the version numbers. So each
//! one is kept with those inputs ([`Reuse`]), and the next publication copies the
//! JSON of every row whose inputs are equal instead of building and encoding it again.
//! A moved sentence's pair of diagnostics is kept the same way, with both rows' lines
//! and texts. The reader's other findings (few) are built afresh each time.
//!
//! Comparing the texts would read most of the dump twice per edit; when the snapshot
//! says which rows it carried over unchanged from the one the last publication was
//! made from ([`crate::store::Snapshot::since`]), an entry of such a row is known to
//! have the same text without reading it.

use super::{ambiguous_row, build, sources, Source};
use crate::diff::PassageClass;
use crate::dump::{Dump, Reading, RowKind, Severity, Span};
use crate::lsp::common::{versions, Ctx};
use crate::lsp::position::Encoding;
use crate::text::FastMap;
use rayon::prelude::*;
use std::sync::Arc;
use tower_lsp_server::ls_types::Position;

/// The JSON of the last publication's row diagnostics, with what each was made from.
#[derive(Default)]
pub struct Reuse {
    /// What every entry also depends on: the encoding and the version numbers.
    salt: Option<(Encoding, [u32; 2])>,
    /// The generation of the snapshot the entries were made from.
    generation: Option<u64>,
    /// Each entry with the rows it was made from in that snapshot.
    entries: FastMap<(u32, Slot), (Rows, Arc<Entry>)>,
    /// How many diagnostics the last publication took from the one before.
    pub reused: usize,
}

/// The row a diagnostic is about, and the row a moved sentence went to (else `NONE`).
type Rows = [u32; 2];
const NONE: u32 = u32::MAX;
const EMPTY: Span = 0..0;

/// Which of a row's diagnostics (the row is given by its line).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Slot {
    Ambiguity,
    Passage,
    /// A sentence that starts `from_at` bytes into the row and moved to the row on
    /// line `to_line`, `to_at` bytes into it.
    Move {
        from_at: u32,
        to_line: u32,
        to_at: u32,
    },
}

/// What a row diagnostic says besides its line and the row's text.
#[derive(PartialEq)]
enum Inputs<S> {
    Passage(PassageClass),
    /// The sentence's length in each row, and whether the pair points to each other.
    Move {
        lens: [u32; 2],
        related: bool,
    },
    Ambiguity {
        code: &'static str,
        severity: Severity,
        reason: S,
        kind: RowKind,
        reading: Option<Reading>,
        alternative: Reading,
    },
}

impl<S> Inputs<S> {
    /// The same inputs with the reason's text converted by `f`.
    fn map<'a, T>(&'a self, f: impl FnOnce(&'a S) -> T) -> Inputs<T> {
        match self {
            Inputs::Passage(c) => Inputs::Passage(*c),
            Inputs::Move { lens, related } => Inputs::Move {
                lens: *lens,
                related: *related,
            },
            Inputs::Ambiguity {
                code,
                severity,
                reason,
                kind,
                reading,
                alternative,
            } => Inputs::Ambiguity {
                code,
                severity: *severity,
                reason: f(reason),
                kind: *kind,
                reading: *reading,
                alternative: *alternative,
            },
        }
    }
}

struct Entry {
    /// The texts of the rows (the second only for a move: the row it went to).
    texts: [Box<str>; 2],
    inputs: Inputs<Box<str>>,
    /// Each diagnostic's start and JSON.
    json: Vec<(Position, Box<[u8]>)>,
}

/// Row diagnostics: their key, their rows with those rows' spans, and what they say.
struct RowDiagnostic<'a> {
    key: (u32, Slot),
    rows: Rows,
    /// The rows' spans in the dump (the second empty unless a move).
    spans: [&'a Span; 2],
    inputs: Inputs<&'a str>,
}

impl<'a> RowDiagnostic<'a> {
    fn texts(&self, dump: &'a Dump) -> [&'a str; 2] {
        self.spans.map(|s| dump.slice(s))
    }

    /// Whether `entry`, made from `rows` of the last publication's snapshot, was made
    /// from the same texts as these rows have.
    fn same_texts(&self, cx: &Ctx, old: &Reuse, rows: &Rows, entry: &Entry) -> bool {
        let carried = match cx.snap.since {
            Some((generation, map)) if old.generation == Some(generation) => {
                (0..2).all(|k| match self.rows[k] {
                    NONE => rows[k] == NONE,
                    i => map.old_of(i as usize) == Some(rows[k] as usize),
                })
            }
            _ => false,
        };
        carried || {
            let Some(a) = cx.analysis() else {
                return false;
            };
            let texts = self.texts(&a.dump);
            *entry.texts[0] == *texts[0] && *entry.texts[1] == *texts[1]
        }
    }
}

fn row_diagnostic<'a>(
    cx: &Ctx<'a>,
    source: &Source<'a>,
    related: bool,
) -> Option<RowDiagnostic<'a>> {
    let dump = &cx.analysis()?.dump;
    let (i, slot, inputs) = match source {
        Source::Passage(p) => (p.row, Slot::Passage, Inputs::Passage(p.class)),
        Source::Move(m) => {
            let (from_row, to_row) = (&dump.rows[m.from_row], &dump.rows[m.to_row]);
            let (from, to) = (&from_row.span, &to_row.span);
            let within = |outer: &Span, inner: &Span| {
                let ok = outer.start <= inner.start && inner.end <= outer.end;
                ok.then(|| ((inner.start - outer.start) as u32, inner.len() as u32))
            };
            let (from_at, from_len) = within(from, &m.from)?;
            let (to_at, to_len) = within(to, &m.to)?;
            return Some(RowDiagnostic {
                key: (
                    cx.row_line(from_row),
                    Slot::Move {
                        from_at,
                        to_line: cx.row_line(to_row),
                        to_at,
                    },
                ),
                rows: [m.from_row as u32, m.to_row as u32],
                spans: [from, to],
                inputs: Inputs::Move {
                    lens: [from_len, to_len],
                    related,
                },
            });
        }
        Source::Finding(f) => {
            let i = ambiguous_row(dump, f)?;
            let row = &dump.rows[i];
            let inputs = Inputs::Ambiguity {
                code: f.code,
                severity: f.severity,
                reason: &*f.message,
                kind: row.kind,
                reading: row.reading,
                alternative: row.ambiguity.as_ref()?.alternative,
            };
            (i, Slot::Ambiguity, inputs)
        }
        _ => return None,
    };
    let span = &dump.rows[i].span;
    Some(RowDiagnostic {
        key: (cx.row_line(&dump.rows[i]), slot),
        rows: [i as u32, NONE],
        spans: [span, &EMPTY],
        inputs,
    })
}

/// The JSON of one source's diagnostics, each with its start.
enum Part {
    Row((u32, Slot), Rows, Arc<Entry>),
    Other(Vec<(Position, Box<[u8]>)>),
}

/// One source's part, and whether it was taken from the last publication.
fn part(cx: &Ctx, source: &Source, old: &Reuse, related: bool) -> serde_json::Result<(Part, bool)> {
    let row = row_diagnostic(cx, source, related);
    if let Some(r) = &row {
        if let Some((rows, e)) = old.entries.get(&r.key) {
            if e.inputs.map(|s| &**s) == r.inputs && r.same_texts(cx, old, rows, e) {
                return Ok((Part::Row(r.key, r.rows, e.clone()), true));
            }
        }
    }
    let built = build(cx, source, related);
    let json = built
        .iter()
        .map(|d| Ok((d.range.start, serde_json::to_vec(d)?.into_boxed_slice())))
        .collect::<serde_json::Result<Vec<_>>>()?;
    let part = match row {
        Some(r) => Part::Row(
            r.key,
            r.rows,
            Arc::new(Entry {
                texts: r
                    .texts(&cx.analysis().expect("rows come from an analysis").dump)
                    .map(Box::from),
                inputs: r.inputs.map(|s| Box::from(*s)),
                json,
            }),
        ),
        None => Part::Other(json),
    };
    Ok((part, false))
}

/// The framed `textDocument/publishDiagnostics` notification for the snapshot, with
/// the same diagnostics in the same order as [`super::compute`]. `reuse` holds what the
/// document's last publication left, and is replaced by what this one leaves.
pub fn frame(
    cx: &Ctx,
    related: bool,
    version: i32,
    reuse: &mut Reuse,
) -> serde_json::Result<Vec<u8>> {
    let salt = cx.analysis().map(|a| (cx.enc, versions(&a.dump)));
    if reuse.salt != salt {
        *reuse = Reuse {
            salt,
            ..Reuse::default()
        };
    }
    let parts: Vec<(Part, bool)> = sources(cx)
        .par_iter()
        .with_min_len(64)
        .map(|s| part(cx, s, reuse, related))
        .collect::<serde_json::Result<_>>()?;
    reuse.reused = parts
        .iter()
        .map(|(part, reused)| match part {
            Part::Row(_, _, e) if *reused => e.json.len(),
            _ => 0,
        })
        .sum();
    // Sorted by start; at one start, in listing order (as `compute`'s stable sort).
    // The findings and the passages are each listed in order already: a sort that
    // merges sorted runs does little more than one pass.
    let mut order: Vec<(Position, usize, &[u8])> = Vec::with_capacity(parts.len());
    for (part, _) in &parts {
        let json = match part {
            Part::Row(_, _, e) => &e.json,
            Part::Other(json) => json,
        };
        for (start, json) in json {
            order.push((*start, order.len(), json));
        }
    }
    order.sort_by_key(|(p, seq, _)| (p.line, p.character, *seq));
    let uri = serde_json::to_vec(cx.uri)?;
    let version = version.to_string();
    const HEAD: &[u8] =
        br#"{"jsonrpc":"2.0","method":"textDocument/publishDiagnostics","params":{"uri":"#;
    const LIST: &[u8] = br#","diagnostics":["#;
    const VERSION: &[u8] = br#"],"version":"#;
    let listed: usize =
        order.iter().map(|(_, _, j)| j.len()).sum::<usize>() + order.len().saturating_sub(1);
    let len = HEAD.len() + uri.len() + LIST.len() + listed + VERSION.len() + version.len() + 2;
    let mut frame = crate::lsp::output::frame_for(len);
    frame.extend_from_slice(HEAD);
    frame.extend_from_slice(&uri);
    frame.extend_from_slice(LIST);
    for (k, (_, _, json)) in order.iter().enumerate() {
        if k > 0 {
            frame.push(b',');
        }
        frame.extend_from_slice(json);
    }
    frame.extend_from_slice(VERSION);
    frame.extend_from_slice(version.as_bytes());
    frame.extend_from_slice(b"}}");
    drop(order);
    let mut entries = FastMap::default();
    entries.reserve(parts.len());
    for (part, _) in parts {
        if let Part::Row(key, rows, e) = part {
            entries.insert(key, (rows, e));
        }
    }
    reuse.entries = entries;
    reuse.generation = Some(cx.snap.generation);
    Ok(frame)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lsp::diagnostics::compute;
    use crate::lsp::history::Histories;
    use crate::lsp::settings::Settings;
    use crate::store::{OpenParams, Store};
    use serde_json::Value;
    use std::str::FromStr;
    use tower_lsp_server::ls_types::Uri;

    const EXAMPLE: &str = include_str!("../../../../examples/south-korea-japan-gsomia.txt");

    /// Publishes the store's document with `reuse`, and checks the notification against
    /// the typed diagnostics of a fresh computation.
    fn check(store: &Store, enc: Encoding, reuse: &mut Reuse) -> usize {
        let snap = store.snapshot("k").unwrap();
        let uri = Uri::from_str("file:///tmp/dump.txt").unwrap();
        let (settings, histories) = (Settings::default(), Histories::default());
        let cx = Ctx {
            snap: &snap,
            enc,
            settings: &settings,
            uri: &uri,
            histories: &histories,
        };
        let frame = frame(&cx, true, snap.version, reuse).unwrap();
        let text = std::str::from_utf8(&frame).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert_eq!(head, format!("Content-Length: {}", body.len()));
        let got: Value = serde_json::from_str(body).unwrap();
        assert_eq!(got["method"], "textDocument/publishDiagnostics");
        assert_eq!(got["params"]["uri"], uri.as_str());
        assert_eq!(got["params"]["version"], snap.version);
        let want = serde_json::to_value(compute(&cx, true)).unwrap();
        assert_eq!(got["params"]["diagnostics"], want);
        want.as_array().unwrap().len()
    }

    fn open(text: &str) -> Store {
        let store = Store::new();
        store.open(OpenParams {
            key: "k".into(),
            version: 1,
            text: text.into(),
            path: None,
            choices: Default::default(),
            choices_error: None,
        });
        store
    }

    /// Byte offset of the first space on a line.
    fn space_on(store: &Store, line: usize) -> usize {
        let rope = store.snapshot("k").unwrap().rope.clone();
        let l = line.min(rope.len_lines() - 1);
        let start = rope.line_to_byte(l);
        let text = rope.line(l).to_string();
        start + text.find(' ').unwrap_or(0)
    }

    #[test]
    fn reused_diagnostics_equal_fresh_ones_through_edits() {
        let (text, _) = crate::generate::dump_of_size(7, 200_000);
        let store = open(&text);
        let mut reuse = Reuse::default();
        let total = check(&store, Encoding::Utf16, &mut reuse);
        assert!(total > 100, "{total} diagnostics");
        assert_eq!(reuse.reused, 0);
        let lines = text.lines().count();
        let mut version = 1;
        let mut edit = |store: &Store, at: usize, cut: usize, insert: &str| {
            version += 1;
            store.edit("k", version, |e| e.replace(at..at + cut, insert));
        };
        // A word inside a row: every other row's diagnostics are reused.
        edit(
            &store,
            space_on(&store, lines / 2),
            0,
            " freshly “quoted” 東京 🙂",
        );
        let n = check(&store, Encoding::Utf16, &mut reuse);
        let findings = store
            .snapshot("k")
            .unwrap()
            .analysis()
            .unwrap()
            .dump
            .findings
            .len();
        assert!(
            reuse.reused + 6 >= n,
            "{} of {n} reused ({findings} findings)",
            reuse.reused
        );
        // An analysis that was not published, then another edit: the rows the last
        // analysis carried over are not all as the last publication saw them.
        edit(&store, space_on(&store, lines / 2), 0, " again and again");
        store.snapshot("k").unwrap();
        edit(&store, space_on(&store, lines / 2 + 9), 0, " later");
        check(&store, Encoding::Utf16, &mut reuse);
        // A new line shifts every later row: their JSON names other lines.
        edit(&store, space_on(&store, lines / 3), 0, "\n");
        check(&store, Encoding::Utf16, &mut reuse);
        // Rows removed and a row repeated elsewhere.
        let a = space_on(&store, lines / 4);
        edit(&store, a, space_on(&store, lines / 4 + 3) - a, "");
        let row = store
            .snapshot("k")
            .unwrap()
            .rope
            .line(lines / 5)
            .to_string();
        edit(
            &store,
            space_on(&store, lines / 6 + 1),
            0,
            &format!("\n{}", row.trim_end()),
        );
        check(&store, Encoding::Utf16, &mut reuse);
        // A person's choice: rows read otherwise with the same text and line.
        let snap = store.snapshot("k").unwrap();
        let dump = &snap.analysis().unwrap().dump;
        let mut choices = crate::dump::Choices::default();
        for row in dump.rows.iter().filter(|r| r.ambiguity.is_some()).take(5) {
            let other = row.ambiguity.as_ref().unwrap().alternative;
            choices.set(row.line, dump.slice(&row.span), other);
        }
        assert!(!choices.rows.is_empty());
        store.set_choices("k", choices, None);
        check(&store, Encoding::Utf16, &mut reuse);
        // Another encoding: nothing is reused, everything still matches.
        let n = check(&store, Encoding::Utf8, &mut reuse);
        assert_eq!(reuse.reused, 0, "{n}");
        check(&store, Encoding::Utf8, &mut reuse);
        assert!(reuse.reused > 0);
    }

    #[test]
    fn the_example_publishes_the_same_diagnostics_again() {
        let store = open(EXAMPLE);
        let mut reuse = Reuse::default();
        for enc in [Encoding::Utf16, Encoding::Utf8, Encoding::Utf32] {
            let n = check(&store, enc, &mut reuse);
            assert_eq!(reuse.reused, 0);
            check(&store, enc, &mut reuse);
            // Every diagnostic of the example is a row's (passages, decisions, moves).
            assert_eq!(reuse.reused, n);
        }
        // Not a dump any more: one error, nothing to reuse.
        store.edit("k", 9, |e| e.set("plain text\n"));
        assert_eq!(check(&store, Encoding::Utf16, &mut reuse), 1);
    }
}
