//! History across dumps in the editor: the dumps in the folder of an open `file:` dump
//! are indexed with [`crate::history::Library`] (built on first need, once per folder,
//! on the blocking pool), and a dump whose chain has at least three versions gets a
//! "History" hover section, "changed in N of M versions" lenses, and version documents
//! for every version of the chain.

use super::common::{version_uri, Ctx};
use super::hover::{escape_md, inline_diff_md, inline_diff_plain};
use super::position::range_of;
use crate::diff::word_diff;
use crate::history::{is_dump_name, Chain, ChainVersion, Library};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, RwLock, RwLockReadGuard};

/// The smallest chain (in versions) that gets history features.
pub const MIN_VERSIONS: usize = 3;

type Folder = Arc<OnceLock<RwLock<Library>>>;

/// One [`Library`] per folder of an opened dump.
#[derive(Default)]
pub struct Histories {
    folders: Mutex<HashMap<PathBuf, Folder>>,
}

/// The dump files directly in a folder (not in subfolders).
fn dumps_in(folder: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| !t.is_dir()))
        .map(|e| e.path())
        .filter(|p| is_dump_name(p))
        .collect();
    out.sort();
    out
}

impl Histories {
    fn folder(&self, folder: &Path) -> Folder {
        super::lock(&self.folders)
            .entry(folder.to_path_buf())
            .or_default()
            .clone()
    }

    /// The library of a folder, built now if it is not built yet (blocking: call it
    /// from the blocking pool).
    fn library(&self, folder: &Path) -> Folder {
        let f = self.folder(folder);
        f.get_or_init(|| {
            // One dump shows at most two versions: no chain to build (a file added
            // later is read by `file_changed` or on the next lookup).
            let files = dumps_in(folder);
            RwLock::new(Library::open(if files.len() < 2 { &[] } else { &files }))
        });
        f
    }

    /// Whether a folder's library has been built.
    pub fn is_indexed(&self, folder: &Path) -> bool {
        super::lock(&self.folders)
            .get(folder)
            .is_some_and(|f| f.get().is_some())
    }

    /// A file changed on disk: updates the library of its folder if it is built.
    /// Returns whether anything changed.
    pub fn file_changed(&self, path: &Path) -> bool {
        let Some(folder) = path.parent() else {
            return false;
        };
        let f = super::lock(&self.folders).get(folder).cloned();
        match f.as_ref().and_then(|f| f.get()) {
            Some(lib) => !lib
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .update(path)
                .is_empty(),
            None => false,
        }
    }
}

/// The chain of the open dump (at least [`MIN_VERSIONS`] versions) and its step, when
/// the document is a file whose text is what the library read from disk.
pub struct Found<'a> {
    lib: RwLockReadGuard<'a, Library>,
    path: PathBuf,
}

impl Found<'_> {
    pub fn get(&self) -> Option<(&Chain, usize)> {
        self.lib.chain_of(&self.path)
    }
}

/// Looks up the open dump's chain: builds the folder's library on first need; when the
/// file on disk changed since, reads it again. `None` when the buffer differs from the
/// file (unsaved edits), for non-files and for short chains.
pub fn find<'a>(cx: &Ctx, folder: &'a Folder) -> Option<Found<'a>> {
    let path = cx.snap.path.clone()?;
    let a = cx.analysis()?;
    let lib = folder.get()?;
    // Some(true): usable; Some(false): a short chain; None: not read yet or stale.
    let state = |lib: &Library| match lib.chain_of(&path) {
        Some((c, _)) if c.versions.len() < MIN_VERSIONS => Some(false),
        Some((c, s)) => Some(
            c.steps[s].dump.text == a.dump.text && c.steps[s].dump.rows.len() == a.dump.rows.len(),
        )
        .filter(|&ok| ok),
        None => None,
    };
    let st = state(&lib.read().unwrap_or_else(|e| e.into_inner()));
    match st {
        Some(true) => {}
        Some(false) => return None,
        None => {
            // Maybe the file was saved (or added) since the library read the folder.
            let mut w = lib.write().unwrap_or_else(|e| e.into_inner());
            w.update(&path);
            if state(&w) != Some(true) {
                return None;
            }
        }
    }
    Some(Found {
        lib: lib.read().unwrap_or_else(|e| e.into_inner()),
        path,
    })
}

/// The folder library for the open document, built if needed (`None` for non-files).
pub fn folder_of(cx: &Ctx) -> Option<Folder> {
    let path = cx.snap.path.as_ref()?;
    let folder = path.parent()?;
    Some(cx.histories.library(folder))
}

fn caption_of(number: u32, caption: &Option<String>) -> String {
    match caption.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => format!("Version {number} {c}"),
        None => format!("Version {number}"),
    }
}

/// The "History" hover section of a body row: every version's wording, oldest first,
/// each one after the first as a word diff against the one before.
pub fn hover_section(cx: &Ctx, row: usize, md: bool) -> Option<String> {
    let folder = folder_of(cx)?;
    let found = find(cx, &folder)?;
    let (chain, step) = found.get()?;
    let history = chain.paragraph_history(step, row);
    if history.iter().all(|h| h.text.is_none()) {
        return None;
    }
    let mut s = String::new();
    if md {
        s.push_str("---\n\n**History**\n\n");
    } else {
        s.push_str("History\n\n");
    }
    let mut prev: Option<&str> = None;
    for h in &history {
        let Some(text) = h.text.as_deref() else {
            continue;
        };
        let label = caption_of(h.number, &h.caption);
        let body = match prev {
            None => {
                if md {
                    escape_md(text)
                } else {
                    text.to_string()
                }
            }
            Some(old) if old == text => {
                if md {
                    "*(unchanged)*".to_string()
                } else {
                    "(unchanged)".to_string()
                }
            }
            Some(old) => {
                let d = word_diff(old, text);
                if md {
                    inline_diff_md(old, text, &d)
                } else {
                    inline_diff_plain(old, text, &d)
                }
            }
        };
        if md {
            s.push_str(&format!("*{}:* {body}\n\n", escape_md(&label)));
        } else {
            s.push_str(&format!("{label}: {body}\n\n"));
        }
        prev = Some(text);
    }
    Some(s.trim_end().to_string())
}

/// "changed in N of M versions" for the passages starting at these rows, as
/// (row, title); empty when the dump has no long enough chain.
pub fn lens_titles(cx: &Ctx, rows: &[usize]) -> Vec<(usize, String)> {
    let Some(folder) = folder_of(cx) else {
        return Vec::new();
    };
    let Some(found) = find(cx, &folder) else {
        return Vec::new();
    };
    let Some((chain, step)) = found.get() else {
        return Vec::new();
    };
    rows.iter()
        .map(|&r| {
            let (n, m) = chain.changed_in(step, r);
            (r, format!("changed in {n} of {m} versions"))
        })
        .collect()
}

/// A chain version as `Version::render` prints it, with each paragraph's byte range.
pub fn render(v: &ChainVersion) -> (String, Vec<std::ops::Range<usize>>) {
    crate::dump::render_version(&v.title, v.paragraphs.iter().map(String::as_str))
}

/// `palimpsest/versionText` for a version of the chain that is not a column of the
/// open dump; `None` when the chain does not have it.
pub fn version_text(cx: &Ctx, number: u32) -> Option<Value> {
    let folder = folder_of(cx)?;
    let found = find(cx, &folder)?;
    let (chain, _) = found.get()?;
    let v = &chain.versions[chain.version_index(number)?];
    let (text, spans) = render(v);
    let rope = ropey::Rope::from_str(&text);
    let paragraphs: Vec<Value> = spans
        .iter()
        .map(|span| {
            json!({
                "range": range_of(&rope, span, cx.enc),
                "line": Value::Null,
                "row": Value::Null,
            })
        })
        .collect();
    Some(json!({
        "uri": version_uri(cx.uri.as_str(), number),
        "number": number,
        "title": v.title,
        "text": text,
        "paragraphs": paragraphs,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_matches_version_render() {
        let v = ChainVersion {
            number: 2,
            title: "Title".into(),
            caption: None,
            paragraphs: vec!["One.".into(), "Two two.".into()],
            complete: true,
            sources: vec![],
        };
        let (text, spans) = render(&v);
        assert_eq!(text, "Title\n\nOne.\n\nTwo two.\n");
        assert_eq!(&text[spans[1].clone()], "Two two.");
    }
}
