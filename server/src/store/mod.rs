//! The document store: one rope per open dump, edited in place as the client sends
//! changes, and immutable [`Snapshot`]s (text, analysis, lazily built version
//! documents) handed to readers behind an [`Arc`].
//!
//! Edits are applied synchronously under a plain mutex; analysis happens outside that
//! lock (under a per-document lock so two readers never analyse the same text twice)
//! and reuses the word diffs of unchanged rows through [`cache::DiffCache`].
//! Closing a document frees its rope, snapshot and cache.

pub mod cache;

use crate::analysis::Analysis;
use crate::dump::{Choices, Kept, NotADump, RowMap, Side, Span};
use cache::DiffCache;
use ropey::Rope;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

/// A reconstructed version as its own text document.
pub struct VersionDoc {
    pub number: u32,
    pub side: Side,
    pub title: String,
    pub text: String,
    pub rope: Rope,
    /// Byte range of each paragraph in `text`, with the dump row it comes from.
    pub paragraphs: Vec<(Span, usize)>,
}

/// An immutable view of one document at one version.
pub struct Snapshot {
    pub key: String,
    /// The LSP document version this snapshot was analysed from.
    pub version: i32,
    /// Counts edits; increases with every change, and is never the same for two
    /// openings of a document.
    pub generation: u64,
    pub rope: Rope,
    /// Bytes the reader dropped at the start of the text (a byte-order mark): add this
    /// to a dump offset to get a rope offset.
    pub bom: usize,
    pub analysis: Result<Analysis, NotADump>,
    pub path: Option<PathBuf>,
    /// A sidecar file that could not be read (its choices were ignored).
    pub choices_error: Option<String>,
    pub choices: Arc<Choices>,
    /// How long reading and analysing took, and how many word diffs were computed.
    pub took: Duration,
    pub diffs_computed: usize,
    /// The generation analysed just before this one, and how its rows relate to this
    /// one's, when this analysis re-read only the edited part: the rows outside the
    /// map's window have the same text as those rows of that generation.
    pub since: Option<(u64, RowMap)>,
    /// With `since`: the rows (ranges, ascending and apart) whose reading, ambiguity,
    /// passage or moves may differ from those of the rows of that generation the map
    /// gives them; every other row keeps all of these. `None` if not known.
    pub touched: Option<Vec<std::ops::Range<usize>>>,
    versions: [OnceLock<Option<Arc<VersionDoc>>>; 2],
    plain_lines: OnceLock<bool>,
}

impl Snapshot {
    pub fn analysis(&self) -> Option<&Analysis> {
        self.analysis.as_ref().ok()
    }

    /// Rope offset of a dump offset.
    pub fn to_rope(&self, offset: usize) -> usize {
        offset + self.bom
    }

    pub fn rope_span(&self, span: &Span) -> Span {
        span.start + self.bom..span.end + self.bom
    }

    /// Dump offset of a rope offset.
    pub fn to_dump(&self, offset: usize) -> usize {
        offset.saturating_sub(self.bom)
    }

    /// The dump's text, when its line table gives the editor's lines and its offsets
    /// are the rope's: no byte-order mark, nothing replaced in decoding, and no CR
    /// that is a line break of its own (the reader counts only LF and CRLF). Positions
    /// are then found in the dump's line table, without walking the rope.
    pub fn plain_text(&self) -> Option<(&str, &[usize])> {
        let dump = &self.analysis()?.dump;
        let plain = *self.plain_lines.get_or_init(|| {
            self.bom == 0
                && !dump.lossy
                && dump.text.len() == self.rope.len_bytes()
                && dump.lone_crs == 0
        });
        plain.then_some((dump.text.as_str(), dump.line_starts.as_slice()))
    }

    /// The version document for one column (built on first use, then shared).
    pub fn version_doc(&self, side: Side) -> Option<Arc<VersionDoc>> {
        self.versions[side.index()]
            .get_or_init(|| {
                let a = self.analysis()?;
                let v = a.dump.version(side);
                if !v.complete {
                    return None;
                }
                let text = v.render();
                let paragraphs = v
                    .paragraph_ranges()
                    .into_iter()
                    .zip(v.paragraphs.iter().map(|p| p.row))
                    .collect();
                Some(Arc::new(VersionDoc {
                    number: v.number,
                    side,
                    title: v.title.clone(),
                    rope: Rope::from_str(&text),
                    text,
                    paragraphs,
                }))
            })
            .clone()
    }
}

struct Doc {
    version: i32,
    generation: u64,
    rope: Rope,
    /// What the edits since the last analysed text left alone.
    kept: Kept,
    path: Option<PathBuf>,
    choices: Arc<Choices>,
    choices_error: Option<String>,
    snapshot: Option<Arc<Snapshot>>,
    analyser: Arc<Mutex<Analyser>>,
}

/// What analyses a document's texts one after the other.
struct Analyser {
    cache: DiffCache,
    /// The generation of the text the cache analysed last.
    analysed: Option<u64>,
    /// The text the document was opened with, until the first analysis hands it to
    /// the cache as a buffer to build the next text in.
    opened_with: Option<String>,
}

/// Locks a mutex, recovering it if a panicking thread poisoned it (the data is only
/// ever replaced whole, so it stays consistent).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Changes a document's rope and keeps count of what the changes left alone, so the
/// next analysis need not compare the whole text with the previous one.
pub struct Editor<'a> {
    rope: &'a mut Rope,
    kept: &'a mut Kept,
}

impl Editor<'_> {
    pub fn rope(&self) -> &Rope {
        self.rope
    }

    /// Replaces a byte range (clamped to the text, widened to whole characters).
    pub fn replace(&mut self, span: Span, text: &str) {
        let len = self.rope.len_bytes();
        let a = self.rope.byte_to_char(span.start.min(len));
        let b = self.rope.byte_to_char(span.end.min(len)).max(a);
        let (start, end) = (self.rope.char_to_byte(a), self.rope.char_to_byte(b));
        self.kept.prefix = self.kept.prefix.min(start);
        self.kept.suffix = self.kept.suffix.min(len - end);
        self.rope.remove(a..b);
        self.rope.insert(a, text);
    }

    /// Replaces the whole text.
    pub fn set(&mut self, text: &str) {
        *self.rope = Rope::from_str(text);
        *self.kept = Kept::NOTHING;
    }
}

/// Lets go of an outdated snapshot: of its share of the dump at once, so that the
/// reader, holding the only other one, edits that dump in place instead of copying it;
/// of the rest beside the analysis (a large one takes milliseconds to free).
fn let_go(stale: Option<Arc<Snapshot>>) {
    let Some(stale) = stale else {
        return;
    };
    let rest: Box<dyn Send> = match Arc::try_unwrap(stale) {
        Ok(Snapshot {
            analysis:
                Ok(Analysis {
                    dump,
                    passages,
                    moves,
                }),
            rope,
            versions,
            ..
        }) => {
            drop(dump);
            Box::new((passages, moves, rope, versions))
        }
        Ok(snap) => Box::new(snap),
        Err(shared) => Box::new(shared),
    };
    rayon::spawn(move || drop(rest));
}

#[derive(Default)]
pub struct Store {
    docs: Mutex<HashMap<String, Doc>>,
    /// Documents opened so far: each opening starts its generations at a number of
    /// its own, so that a generation names one text even across a close and reopen.
    openings: AtomicU64,
}

/// What opening a document needs besides its text.
pub struct OpenParams {
    pub key: String,
    pub version: i32,
    pub text: String,
    pub path: Option<PathBuf>,
    pub choices: Choices,
    pub choices_error: Option<String>,
}

impl OpenParams {
    /// A document with no file behind it: no path, so no sidecar choices.
    pub fn plain(key: impl Into<String>, version: i32, text: impl Into<String>) -> OpenParams {
        OpenParams {
            key: key.into(),
            version,
            text: text.into(),
            path: None,
            choices: Choices::default(),
            choices_error: None,
        }
    }
}

impl Store {
    pub fn new() -> Store {
        Store::default()
    }

    pub fn open(&self, p: OpenParams) {
        let doc = Doc {
            version: p.version,
            generation: self.openings.fetch_add(1, Ordering::Relaxed) << 32,
            rope: Rope::from_str(&p.text),
            kept: Kept::ALL,
            path: p.path,
            choices: Arc::new(p.choices),
            choices_error: p.choices_error,
            snapshot: None,
            analyser: Arc::new(Mutex::new(Analyser {
                cache: DiffCache::default(),
                analysed: None,
                opened_with: Some(p.text),
            })),
        };
        lock(&self.docs).insert(p.key, doc);
    }

    pub fn close(&self, key: &str) -> bool {
        lock(&self.docs).remove(key).is_some()
    }

    pub fn is_open(&self, key: &str) -> bool {
        lock(&self.docs).contains_key(key)
    }

    pub fn keys(&self) -> Vec<String> {
        lock(&self.docs).keys().cloned().collect()
    }

    /// Applies an edit to the rope under the store lock. `f` gets an [`Editor`] and
    /// makes its changes through it; the document version becomes `version`. Returns
    /// false for an unknown document.
    pub fn edit(&self, key: &str, version: i32, f: impl FnOnce(&mut Editor)) -> bool {
        let mut docs = lock(&self.docs);
        let Some(doc) = docs.get_mut(key) else {
            return false;
        };
        let doc = &mut *doc;
        f(&mut Editor {
            rope: &mut doc.rope,
            kept: &mut doc.kept,
        });
        doc.version = version;
        doc.generation += 1;
        true
    }

    /// Replaces the sidecar choices of a document (its next snapshot re-reads it).
    pub fn set_choices(&self, key: &str, choices: Choices, error: Option<String>) -> bool {
        let mut docs = lock(&self.docs);
        let Some(doc) = docs.get_mut(key) else {
            return false;
        };
        doc.choices = Arc::new(choices);
        doc.choices_error = error;
        doc.generation += 1;
        true
    }

    /// The generation and length in bytes of a document's current text.
    pub fn generation(&self, key: &str) -> Option<(u64, usize)> {
        lock(&self.docs)
            .get(key)
            .map(|d| (d.generation, d.rope.len_bytes()))
    }

    /// The snapshot of a document's current text, analysing it if it changed since the
    /// last snapshot. Blocking: call it off the async executor for large documents.
    pub fn snapshot(&self, key: &str) -> Option<Arc<Snapshot>> {
        loop {
            let (analyser, generation) = {
                let docs = lock(&self.docs);
                let doc = docs.get(key)?;
                if let Some(s) = &doc.snapshot {
                    if s.generation == doc.generation {
                        return Some(s.clone());
                    }
                }
                (doc.analyser.clone(), doc.generation)
            };
            // One analysis at a time per document; whoever waited here re-checks first.
            let mut analyser = lock(&analyser);
            let Analyser {
                cache,
                analysed,
                opened_with,
            } = &mut *analyser;
            let (stale, kept, rope, version, path, choices, choices_error) = {
                let mut docs = lock(&self.docs);
                let doc = docs.get_mut(key)?;
                if let Some(s) = &doc.snapshot {
                    if s.generation == doc.generation {
                        return Some(s.clone());
                    }
                }
                if doc.generation != generation {
                    continue;
                }
                (
                    // Let go of the outdated snapshot now: when nobody else holds it,
                    // the reader can take what it reuses from it instead of copying.
                    doc.snapshot.take(),
                    std::mem::replace(&mut doc.kept, Kept::ALL),
                    doc.rope.clone(),
                    doc.version,
                    doc.path.clone(),
                    doc.choices.clone(),
                    doc.choices_error.clone(),
                )
            };
            let started = std::time::Instant::now();
            let_go(stale);
            // Run on the worker pool: the analysis hands it work many times, which
            // from outside it costs a wake-up and a wait each time. (Only work that
            // takes no lock runs there: a worker waiting for its share of that work may
            // take up another job meanwhile, on the same thread.)
            let (bom, analysis) = rayon::scope(|_| {
                let text = cache.next_text(&rope, kept);
                let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
                (bom, cache.analyze_text(text, &choices, Some(kept)))
            });
            let took = started.elapsed();
            let diffs_computed = cache.last_misses;
            let since = analysed.zip(cache.last_map);
            let touched = since.and(cache.last_touched.clone());
            *analysed = Some(generation);
            if let Some(buf) = opened_with.take() {
                // `kept` covers every edit since the document was opened.
                cache.keep_spare(buf, kept);
            }
            let snap = Arc::new(Snapshot {
                key: key.to_string(),
                version,
                generation,
                rope,
                bom,
                analysis,
                path,
                choices_error,
                choices,
                took,
                diffs_computed,
                since,
                touched,
                versions: [OnceLock::new(), OnceLock::new()],
                plain_lines: OnceLock::new(),
            });
            let mut docs = lock(&self.docs);
            let doc = docs.get_mut(key)?;
            if doc.generation == generation {
                doc.snapshot = Some(snap.clone());
            }
            return Some(snap);
        }
    }

    /// The last snapshot computed, even if the text changed since (no analysis).
    pub fn last_snapshot(&self, key: &str) -> Option<Arc<Snapshot>> {
        lock(&self.docs).get(key).and_then(|d| d.snapshot.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DUMP: &str = include_str!("../../../examples/south-korea-japan-gsomia.txt");

    /// A store with the example dump open as "a", at version 1.
    fn example_store() -> Store {
        let store = Store::new();
        store.open(OpenParams::plain("a", 1, DUMP));
        store
    }

    #[test]
    fn edit_reanalyses_only_touched_rows() {
        let store = example_store();
        let s1 = store.snapshot("a").unwrap();
        assert!(s1.analysis().is_some());
        let first = s1.diffs_computed;
        assert!(first > 0);
        // Same generation: the same snapshot.
        assert!(Arc::ptr_eq(&s1, &store.snapshot("a").unwrap()));
        // Edit the last line (an unchanged or one-sided row): few or no new diffs.
        store.edit("a", 2, |e| {
            let end = e.rope().len_bytes();
            e.replace(end..end, "");
        });
        let s2 = store.snapshot("a").unwrap();
        assert_eq!(s2.version, 2);
        assert_eq!(s2.diffs_computed, 0);
        assert_eq!(s2.analysis().unwrap(), s1.analysis().unwrap());
        assert!(store.close("a"));
        assert!(store.snapshot("a").is_none());
    }

    /// The text each analysis reads is the rope's, whether it was built in a recycled
    /// buffer (only the edited bytes filled in) or copied whole: edits with multi-byte
    /// characters at the start, middle and end, one or several between snapshots,
    /// with the last snapshot now and then still held.
    #[test]
    fn analysed_text_is_the_ropes_after_edits() {
        let store = example_store();
        let mut rng = crate::generate::Rng::new(7);
        let snippets = ["“x” — é", "🚀", "東京", "word ", "", "\n"];
        let mut held = None;
        for version in 2..300 {
            for _ in 0..1 + rng.below(3) {
                store.edit("a", version, |e| {
                    let len = e.rope().len_bytes();
                    let at = match rng.below(4) {
                        0 => len / 2 + rng.below(len / 2),
                        1 => len - rng.below(200.min(len)),
                        _ => len / 3 + rng.below(len / 3),
                    };
                    let snippet = snippets[rng.below(snippets.len())];
                    e.replace(at..at + rng.below(4), snippet);
                });
            }
            let snap = store.snapshot("a").unwrap();
            let dump = &snap.analysis().expect("still a dump").dump;
            assert!(
                dump.text == snap.rope,
                "version {version}: the analysed text is not the rope's"
            );
            held = rng.chance(0.2).then_some(snap);
        }
        drop(held);
    }
}
