//! The `textDocument/publishDiagnostics` notification, written as JSON from the
//! diagnostics' typed form and reusing the JSON of the last publication.
//!
//! Every publication lists all of a document's diagnostics: thousands on a large dump,
//! megabytes of JSON, of which a one-line edit changes one or two. A body row's
//! passage and ambiguity diagnostics depend only on the row's LSP line and text, its
//! passage class or decision, the position encoding and the version numbers. So each
//! one is kept with those inputs ([`Reuse`]), and the next publication copies the
//! JSON of every row whose inputs are equal instead of building and encoding it again:
//! from the last frame itself, which the publication keeps (shared with the writer), so
//! that diagnostics that lay side by side there are copied as one run. The entries
//! stay in place from one publication to the next; only their rows and places change.
//! A moved sentence's pair of diagnostics is kept the same way, with both rows' lines
//! and texts. The reader's other findings (few) are built afresh each time.
//!
//! Comparing the texts would read most of the dump twice per edit; when the snapshot
//! says which rows it carried over unchanged from the one the last publication was
//! made from ([`crate::store::Snapshot::since`]), an entry of such a row is known to
//! have the same text without reading it.

mod splice;

use super::{build, sources, Source};
use crate::diff::PassageClass;
use crate::dump::{Dump, Reading, RowKind, Severity, Span};
use crate::lsp::common::{versions, Ctx};
use crate::lsp::position::Encoding;
use crate::lsp::settings::DiagnosticSettings;
use crate::text::FastMap;
use rayon::prelude::*;
use std::ops::Range;
use std::sync::Arc;
use tower_lsp_server::ls_types::Position;

/// The last publication: its frame, and its row diagnostics with what each was made from
/// and where its JSON lies in that frame.
#[derive(Default)]
pub struct Reuse {
    /// What every entry also depends on.
    salt: Option<Salt>,
    /// The generation of the snapshot the entries were made from.
    generation: Option<u64>,
    /// The last frame (shared with the writer that sent it).
    frame: Option<Arc<Vec<u8>>>,
    /// The entries, kept in place from one publication to the next: `None` where an
    /// entry was dropped (`dropped` of them; compacted once they are half).
    entries: Vec<Option<Entry>>,
    dropped: usize,
    /// The index in `entries` of each live entry, by key.
    index: FastMap<(u32, Slot), u32>,
    /// The entry each source of the last publication used or left, in listing order
    /// (`NONE` for none): after a small edit, most sources find theirs at the same
    /// place or next to it, without a lookup in `index`.
    listed: Vec<u32>,
    /// Each diagnostic of the last frame, in its order: its line, and where its JSON
    /// lies in the frame.
    placed: Vec<(u32, Range<usize>)>,
    /// The lines of the last frame's loose diagnostics ([`Source::is_loose`]), ascending.
    loose: Vec<u32>,
    /// The number of lines of the text the last frame was made from.
    lines: usize,
    /// How many diagnostics the last publication took from the one before.
    pub reused: usize,
    /// Whether the last publication was spliced into the one before (see `splice`).
    pub spliced: bool,
    /// Never splice (to test what the whole listing makes).
    #[cfg(test)]
    no_splice: bool,
}

/// The encoding, the version numbers, the settings of what is shown and whether related
/// information is sent.
type Salt = (Encoding, [u32; 2], DiagnosticSettings, bool);

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

/// A reason compared by address first: a decision carried over by the reader shares
/// its text with the last analysis's, so most comparisons need not read it.
#[derive(Clone, Copy)]
struct Reason<'a>(&'a Arc<str>);

impl PartialEq for Reason<'_> {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(self.0, other.0) || *self.0 == *other.0
    }
}

struct Entry {
    key: (u32, Slot),
    /// The rows it was made from, in the snapshot of [`Reuse::generation`].
    rows: Rows,
    /// The texts of the rows (the second only for a move: the row it went to).
    texts: [Box<str>; 2],
    inputs: Inputs<Arc<str>>,
    /// Each diagnostic's start, and where its JSON lies in [`Reuse::frame`].
    json: Places,
}

/// A row's diagnostics (one, or two for a moved sentence): each one's start and where
/// its JSON lies. Kept in the entry itself, since every publication visits them all.
struct Places([Option<(Position, Range<usize>)>; 2]);

impl Places {
    /// `None` for more than two.
    fn of(all: Vec<(Position, Range<usize>)>) -> Option<Places> {
        let mut all = all.into_iter();
        let places = Places([all.next(), all.next()]);
        all.next().is_none().then_some(places)
    }

    fn iter(&self) -> impl Iterator<Item = &(Position, Range<usize>)> {
        self.0.iter().flatten()
    }

    fn iter_mut(&mut self) -> impl Iterator<Item = &mut (Position, Range<usize>)> {
        self.0.iter_mut().flatten()
    }
}

/// Row diagnostics: their key, their rows with those rows' spans, and what they say.
struct RowDiagnostic<'a> {
    key: (u32, Slot),
    rows: Rows,
    /// The rows' spans in the dump (the second empty unless a move).
    spans: [&'a Span; 2],
    inputs: Inputs<&'a Arc<str>>,
}

impl<'a> RowDiagnostic<'a> {
    fn texts(&self, dump: &'a Dump) -> [&'a str; 2] {
        self.spans.map(|s| dump.slice(s))
    }

    /// Whether `entry`, made from rows of the last publication's snapshot, was made
    /// from the same texts as these rows have.
    fn same_texts(&self, cx: &Ctx, old: &Reuse, entry: &Entry) -> bool {
        let rows = &entry.rows;
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
        Source::Finding(f, row) => {
            let i = (*row)?;
            let row = &dump.rows[i];
            let inputs = Inputs::Ambiguity {
                code: f.code,
                severity: f.severity,
                reason: &f.message,
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

/// One source's diagnostics: a row's taken from the last publication, or built.
enum Part {
    /// The index of the last publication's entry, with this publication's rows.
    Reused(u32, Rows),
    /// Built afresh: each diagnostic's start and JSON, with what a row's were made from.
    Built(Option<Box<Made>>, Vec<(Position, Vec<u8>)>),
}

/// What a row's diagnostics were made from.
struct Made {
    key: (u32, Slot),
    rows: Rows,
    texts: [Box<str>; 2],
    inputs: Inputs<Arc<str>>,
}

/// The lines of loose diagnostics, ascending and once each.
fn loose_lines<I: IntoIterator<Item = u32>>(lines: impl Iterator<Item = I>) -> Vec<u32> {
    let mut out: Vec<u32> = lines.flatten().collect();
    out.sort_unstable();
    out.dedup();
    out
}

impl Reuse {
    /// Adds an entry for what `m` made, its JSON at `json`; gives its index.
    fn add(&mut self, m: Made, json: Places) -> u32 {
        let i = self.entries.len() as u32;
        self.index.insert(m.key, i);
        self.entries.push(Some(Entry {
            key: m.key,
            rows: m.rows,
            texts: m.texts,
            inputs: m.inputs,
            json,
        }));
        i
    }

    /// Drops entry `i`, if it is live.
    fn drop_entry(&mut self, i: usize) {
        if let Some(e) = self.entries[i].take() {
            if self.index.get(&e.key) == Some(&(i as u32)) {
                self.index.remove(&e.key);
            }
            self.dropped += 1;
        }
    }

    /// Clears out the dropped entries once they are half.
    fn compact(&mut self) {
        if self.dropped > self.entries.len() / 2 {
            self.entries.retain(Option::is_some);
            self.listed.clear();
            self.index.clear();
            for (i, e) in self.entries.iter().enumerate() {
                let key = e.as_ref().expect("retained").key;
                self.index.insert(key, i as u32);
            }
            self.dropped = 0;
        }
    }

    /// The live entry with this key, if any; `k` is the source's place in the listing.
    fn entry(&self, k: usize, key: &(u32, Slot)) -> Option<(u32, &Entry)> {
        let live = |i: u32| {
            let e = self.entries.get(i as usize)?.as_ref()?;
            (e.key == *key).then_some((i, e))
        };
        // Where the last listing had it, give or take one source.
        [k, k.wrapping_sub(1), k + 1]
            .into_iter()
            .filter_map(|j| self.listed.get(j))
            .find_map(|&i| live(i))
            .or_else(|| self.index.get(key).and_then(|&i| live(i)))
    }
}

fn part(
    cx: &Ctx,
    k: usize,
    source: &Source,
    old: &Reuse,
    related: bool,
) -> serde_json::Result<Part> {
    let row = row_diagnostic(cx, source, related);
    if let Some(r) = &row {
        if let Some((i, e)) = old.entry(k, &r.key) {
            if e.inputs.map(Reason) == r.inputs.map(|s| Reason(s)) && r.same_texts(cx, old, e) {
                return Ok(Part::Reused(i, r.rows));
            }
        }
    }
    let built = build(cx, source, related);
    let json = built
        .iter()
        .map(|d| Ok((d.range.start, serde_json::to_vec(d)?)))
        .collect::<serde_json::Result<Vec<_>>>()?;
    let made = row.map(|r| {
        Box::new(Made {
            key: r.key,
            rows: r.rows,
            texts: r
                .texts(&cx.analysis().expect("rows come from an analysis").dump)
                .map(Box::from),
            inputs: r.inputs.map(|s| Arc::clone(s)),
        })
    });
    Ok(Part::Built(made, json))
}

/// Where a diagnostic's JSON is: in the last frame, or built for this one.
#[derive(Clone, Copy)]
enum Piece {
    Old(usize, usize),
    /// The part's index and the diagnostic's index in it.
    New(u32, u32),
}

/// A piece of JSON for the frame: a range of the last frame, or built for this one.
enum Json<'a> {
    Old(Range<usize>),
    New(&'a [u8]),
}

/// Appends pieces of JSON to a frame, separated by commas, copying runs of pieces that
/// lay side by side in the last frame with one copy each.
struct Writer<'a> {
    frame: Vec<u8>,
    old: &'a [u8],
    /// A run of the last frame not yet copied.
    pending: Option<Range<usize>>,
    first: bool,
}

impl Writer<'_> {
    fn flush(&mut self) {
        if let Some(r) = self.pending.take() {
            self.frame.extend_from_slice(&self.old[r]);
        }
    }

    /// Appends one piece; gives its range in the frame.
    fn push(&mut self, piece: Json) -> Range<usize> {
        let comma = !std::mem::replace(&mut self.first, false);
        if let (Json::Old(r), Some(p)) = (&piece, &mut self.pending) {
            // Diagnostics next to each other in the last frame's list, with the comma
            // between them (the byte is not read: the list holds nothing else).
            if comma && r.start == p.end + 1 {
                let start = self.frame.len() + p.len() + 1;
                p.end = r.end;
                return start..start + r.len();
            }
        }
        self.flush();
        if comma {
            self.frame.push(b',');
        }
        let start = self.frame.len();
        match piece {
            Json::Old(r) => {
                let len = r.len();
                self.pending = Some(r);
                start..start + len
            }
            Json::New(bytes) => {
                self.frame.extend_from_slice(bytes);
                start..self.frame.len()
            }
        }
    }
}

/// The pieces' places in listing order sorted by start, and at one start by place:
/// `starts` are the pieces' starts in listing order.
///
/// A counting sort by line (pieces on one line are few, and sorted by character
/// afterwards): a general sort of the listing, which is several sorted runs with the
/// places moved sentences went to among them, took a sixth of a publication.
fn in_order(starts: &[Position]) -> Vec<u32> {
    let lines = starts
        .iter()
        .map(|p| p.line as usize + 1)
        .max()
        .unwrap_or(0);
    // Where each line's pieces begin in the output.
    let mut at = vec![0u32; lines + 1];
    for p in starts {
        at[p.line as usize + 1] += 1;
    }
    for l in 1..at.len() {
        at[l] += at[l - 1];
    }
    let mut out = vec![0u32; starts.len()];
    for (place, p) in starts.iter().enumerate() {
        let slot = &mut at[p.line as usize];
        out[*slot as usize] = place as u32;
        *slot += 1;
    }
    // Each line's pieces are now in listing order; sort them by character, stably.
    let mut line_start = 0;
    while line_start < out.len() {
        let line = starts[out[line_start] as usize].line;
        let mut end = line_start + 1;
        while end < out.len() && starts[out[end] as usize].line == line {
            end += 1;
        }
        if end - line_start > 1 {
            out[line_start..end].sort_by_key(|&k| starts[k as usize].character);
        }
        line_start = end;
    }
    out
}

/// The notification's JSON around the diagnostics and the version.
const HEAD: &[u8] =
    br#"{"jsonrpc":"2.0","method":"textDocument/publishDiagnostics","params":{"uri":"#;
const LIST: &[u8] = br#","diagnostics":["#;
const VERSION: &[u8] = br#"],"version":"#;

/// The framed `textDocument/publishDiagnostics` notification for the snapshot, with
/// the same diagnostics in the same order as [`super::compute`]. `reuse` holds what the
/// document's last publication left, and is replaced by what this one leaves.
pub fn frame(
    cx: &Ctx,
    related: bool,
    version: i32,
    reuse: &mut Reuse,
) -> serde_json::Result<Arc<Vec<u8>>> {
    let salt = cx.analysis().map(|a| {
        (
            cx.enc,
            versions(&a.dump),
            cx.settings.diagnostics.clone(),
            related,
        )
    });
    if reuse.salt != salt {
        *reuse = Reuse {
            salt,
            #[cfg(test)]
            no_splice: reuse.no_splice,
            ..Reuse::default()
        };
    }
    #[cfg(test)]
    let splicing = !reuse.no_splice;
    #[cfg(not(test))]
    let splicing = true;
    if let Some(frame) = splicing
        .then(|| splice::splice(cx, related, version, reuse))
        .flatten()
    {
        return frame;
    }
    reuse.spliced = false;
    let sources = sources(cx);
    let parts: Vec<Part> = sources
        .par_iter()
        .enumerate()
        .with_min_len(64)
        .map(|(k, s)| part(cx, k, s, reuse, related))
        .collect::<serde_json::Result<_>>()?;
    // Each piece and its start, in listing order; they are written sorted by start,
    // and at one start in listing order (as `compute`'s stable sort).
    let mut pieces: Vec<Piece> = Vec::with_capacity(parts.len());
    let mut starts: Vec<Position> = Vec::with_capacity(parts.len());
    let mut listed = 0;
    reuse.reused = 0;
    for (k, part) in parts.iter().enumerate() {
        match part {
            Part::Reused(i, _) => {
                let json = &reuse.entries[*i as usize]
                    .as_ref()
                    .expect("only live entries are indexed")
                    .json;
                for (start, r) in json.iter() {
                    reuse.reused += 1;
                    listed += r.len();
                    starts.push(*start);
                    pieces.push(Piece::Old(r.start, r.end));
                }
            }
            Part::Built(_, json) => {
                for (j, (start, bytes)) in json.iter().enumerate() {
                    listed += bytes.len();
                    starts.push(*start);
                    pieces.push(Piece::New(k as u32, j as u32));
                }
            }
        }
    }
    let order = in_order(&starts);
    let uri = serde_json::to_vec(cx.uri)?;
    let version = version.to_string();
    listed += order.len().saturating_sub(1);
    let len = HEAD.len() + uri.len() + LIST.len() + listed + VERSION.len() + version.len() + 2;
    let mut frame = crate::lsp::output::frame_for(len);
    frame.extend_from_slice(HEAD);
    frame.extend_from_slice(&uri);
    frame.extend_from_slice(LIST);
    let old = reuse.frame.take();
    let mut w = Writer {
        frame,
        old: old.as_deref().map_or(&[], |f| f.as_slice()),
        pending: None,
        first: true,
    };
    // Where each piece went, by its place in listing order.
    let mut placed: Vec<Range<usize>> = vec![0..0; order.len()];
    for &seq in &order {
        placed[seq as usize] = match pieces[seq as usize] {
            Piece::Old(a, b) => w.push(Json::Old(a..b)),
            Piece::New(k, j) => match &parts[k as usize] {
                Part::Built(_, json) => w.push(Json::New(&json[j as usize].1)),
                Part::Reused(..) => unreachable!("new pieces are built"),
            },
        };
    }
    w.flush();
    let mut frame = w.frame;
    frame.extend_from_slice(VERSION);
    frame.extend_from_slice(version.as_bytes());
    frame.extend_from_slice(b"}}");
    reuse.placed.clear();
    reuse.placed.extend(
        order
            .iter()
            .map(|&seq| (starts[seq as usize].line, placed[seq as usize].clone())),
    );
    reuse.loose = loose_lines(sources.iter().zip(&parts).filter_map(|(s, p)| match p {
        Part::Built(_, json) if s.is_loose() => Some(json.iter().map(|(start, _)| start.line)),
        _ => None,
    }));
    reuse.lines = cx.snap.rope.len_lines();
    drop((order, pieces, starts, sources));
    drop(old);
    // The entries this publication leaves, their JSON where it now lies: reused ones
    // are updated in place (their key is the same), built ones added, and the others
    // dropped (their JSON is not in this frame).
    let mut used = vec![false; reuse.entries.len()];
    let mut placed = placed.into_iter();
    let mut place = || placed.next().expect("a place for every piece");
    reuse.listed.clear();
    for part in parts {
        let listed = match part {
            Part::Reused(i, rows) => {
                let e = reuse.entries[i as usize]
                    .as_mut()
                    .expect("only live entries are indexed");
                e.rows = rows;
                for (_, r) in e.json.iter_mut() {
                    *r = place();
                }
                used[i as usize] = true;
                i
            }
            Part::Built(made, json) => {
                let json: Vec<(Position, Range<usize>)> = json
                    .into_iter()
                    .map(|(start, _)| (start, place()))
                    .collect();
                match made.zip(Places::of(json)) {
                    Some((m, json)) => {
                        used.push(true);
                        reuse.add(*m, json)
                    }
                    None => NONE,
                }
            }
        };
        reuse.listed.push(listed);
    }
    for (i, used) in used.into_iter().enumerate() {
        if !used {
            reuse.drop_entry(i);
        }
    }
    reuse.compact();
    let frame = Arc::new(frame);
    reuse.frame = Some(frame.clone());
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
        store.open(OpenParams::plain("k", 1, text));
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

    /// Edits of every kind, each published and checked against a fresh computation,
    /// by splicing where it can (`splice`) or always through the whole listing.
    fn through_edits(splice: bool) {
        let (text, _) = crate::generate::dump_of_size(7, 200_000);
        let store = open(&text);
        let mut reuse = Reuse {
            no_splice: !splice,
            ..Reuse::default()
        };
        let total = check(&store, Encoding::Utf16, &mut reuse);
        assert!(total > 100, "{total} diagnostics");
        assert_eq!(reuse.reused, 0);
        let lines = text.lines().count();
        let mut version = 1;
        let mut edit = |store: &Store, at: usize, cut: usize, insert: &str| {
            version += 1;
            store.edit("k", version, |e| e.replace(at..at + cut, insert));
        };
        // Most diagnostics are taken from the last publication: spliced, all but the
        // few on the lines the edit touched; else all but the few loose ones.
        let most = |reuse: &Reuse, n: usize| {
            assert_eq!(reuse.spliced, splice);
            let built = n - reuse.reused;
            assert!(
                built <= if splice { n / 5 } else { 8 },
                "{built} of {n} built"
            );
        };
        // A word inside a row: every other row's diagnostics are reused.
        edit(
            &store,
            space_on(&store, lines / 2),
            0,
            " freshly “quoted” 東京 🙂",
        );
        let n = check(&store, Encoding::Utf16, &mut reuse);
        most(&reuse, n);
        // An analysis that was not published, then another edit: the rows the last
        // analysis carried over are not all as the last publication saw them.
        edit(&store, space_on(&store, lines / 2), 0, " again and again");
        store.snapshot("k").unwrap();
        edit(&store, space_on(&store, lines / 2 + 9), 0, " later");
        check(&store, Encoding::Utf16, &mut reuse);
        assert!(!reuse.spliced);
        // A new line shifts every later row: their JSON names other lines.
        edit(&store, space_on(&store, lines / 3), 0, "\n");
        check(&store, Encoding::Utf16, &mut reuse);
        assert!(!reuse.spliced);
        // Twice more near the start: the entries dropped so far are cleared out.
        for _ in 0..2 {
            edit(&store, space_on(&store, lines / 10), 0, "\n");
            check(&store, Encoding::Utf16, &mut reuse);
        }
        // The next edit reuses what those publications built.
        edit(&store, space_on(&store, lines / 2), 0, " anew");
        let n = check(&store, Encoding::Utf16, &mut reuse);
        most(&reuse, n);
        // What each rebuild left behind was dropped.
        assert!(
            reuse.entries.len() < 2 * n,
            "{} entries kept for {n} diagnostics",
            reuse.entries.len()
        );
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
        // A row's text put in place of another's, on the same line: its passage,
        // decision and moved sentences change, far from the edit too.
        let row = store
            .snapshot("k")
            .unwrap()
            .rope
            .line(lines / 3)
            .to_string();
        let at = store.snapshot("k").unwrap().rope.line_to_byte(lines / 2);
        let len = store
            .snapshot("k")
            .unwrap()
            .rope
            .line(lines / 2)
            .len_bytes()
            - 1;
        edit(&store, at, len, row.trim_end());
        let n = check(&store, Encoding::Utf16, &mut reuse);
        most(&reuse, n);
        // A space at the end of a row, then taken away again: a loose finding comes
        // and goes.
        let end = |store: &Store| {
            let rope = store.snapshot("k").unwrap().rope.clone();
            rope.line_to_byte(lines / 2 + 1) - 1
        };
        edit(&store, end(&store), 0, " ");
        let n = check(&store, Encoding::Utf16, &mut reuse);
        most(&reuse, n);
        assert!(reuse.loose.len() > 1 || !splice, "{:?}", reuse.loose);
        edit(&store, end(&store) - 1, 1, "");
        let n = check(&store, Encoding::Utf16, &mut reuse);
        most(&reuse, n);
        // The last row cut whole: the file ends with a blank line, no row is on it.
        let rope = store.snapshot("k").unwrap().rope.clone();
        let last = (0..rope.len_lines())
            .rev()
            .find(|&l| rope.line(l).len_chars() > 1)
            .unwrap();
        let len = |rope: &ropey::Rope| {
            let row = rope.line(last).to_string();
            row.trim_end_matches(['\n', '\r']).len()
        };
        // (First made a changed row, so that it has diagnostics to lose.)
        let changed = {
            let snap = store.snapshot("k").unwrap();
            let a = snap.analysis().unwrap();
            let p = a.passages.iter().rev().find(|p| p.diff.is_some()).unwrap();
            a.dump.slice(&a.dump.rows[p.row].span).to_string()
        };
        // (Its sentences, copied, move: many diagnostics change.)
        edit(&store, rope.line_to_byte(last), len(&rope), &changed);
        check(&store, Encoding::Utf16, &mut reuse);
        assert_eq!(reuse.spliced, splice);
        let rope = store.snapshot("k").unwrap().rope.clone();
        edit(&store, rope.line_to_byte(last), len(&rope), "");
        check(&store, Encoding::Utf16, &mut reuse);
        assert_eq!(reuse.spliced, splice);
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
        assert!(!reuse.spliced);
        // Another encoding: nothing is reused, everything still matches.
        let n = check(&store, Encoding::Utf8, &mut reuse);
        assert_eq!(reuse.reused, 0, "{n}");
        check(&store, Encoding::Utf8, &mut reuse);
        assert!(reuse.reused > 0);
    }

    #[test]
    fn reused_diagnostics_equal_fresh_ones_through_edits() {
        through_edits(false);
    }

    #[test]
    fn spliced_diagnostics_equal_fresh_ones_through_edits() {
        through_edits(true);
    }

    /// Many edits inside rows, none adding or removing a line: words typed and cut,
    /// sentences copied from other rows (moved sentences appear and go), rows'
    /// separators cut (decisions change) and rows cut whole (a row goes, a blank line
    /// stays). Every publication is checked.
    #[test]
    fn spliced_diagnostics_equal_fresh_ones_through_many_edits() {
        let (text, _) = crate::generate::dump_of_size(11, 150_000);
        let store = open(&text);
        let mut reuse = Reuse::default();
        check(&store, Encoding::Utf16, &mut reuse);
        let body = text
            .lines()
            .position(|l| l.starts_with("Version "))
            .unwrap()
            + 3;
        let lines = text.lines().count();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let (mut spliced, mut version) = (0, 1);
        for _ in 0..60 {
            let snap = store.snapshot("k").unwrap();
            let line = body + next(lines - body - 1);
            let start = snap.rope.line_to_byte(line);
            let row = snap.rope.line(line).to_string();
            let row = row.trim_end_matches(['\n', '\r']);
            let spaces: Vec<usize> = row.match_indices(' ').map(|(i, _)| i).collect();
            if spaces.len() < 3 {
                continue;
            }
            let (a, b) = {
                let i = next(spaces.len() - 1);
                (spaces[i], spaces[i + 1 + next(spaces.len() - 1 - i)])
            };
            let other = snap.rope.line(body + next(lines - body - 1)).to_string();
            let sentence = other
                .split(". ")
                .nth(1)
                .unwrap_or("")
                .trim_end_matches(['\n', '\r']);
            let (at, cut, insert) = match next(5) {
                0 => (a, 0, " newly".to_string()),
                1 => (a, b - a, String::new()),
                2 => (a, 0, format!(" {sentence}.")),
                // Two spaces in a row: a likely place for a separator.
                3 => (a, b - a, "  ".to_string()),
                // The whole row: the line is left blank.
                _ => (0, row.len(), String::new()),
            };
            version += 1;
            store.edit("k", version, |e| {
                e.replace(start + at..start + at + cut, &insert)
            });
            check(&store, Encoding::Utf16, &mut reuse);
            spliced += reuse.spliced as usize;
        }
        assert!(spliced >= 40, "{spliced} of 60 spliced");
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
