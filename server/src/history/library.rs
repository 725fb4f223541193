//! A folder of dumps, indexed by article and kept up to date as files are added,
//! changed or removed (the editor's file watcher calls [`Library::update`]).

use super::{build_chain, group, Chain, Input};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Whether a path looks like a dump file (not a sidecar or a truth file).
pub fn is_dump_name(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.ends_with(".txt") && !name.starts_with('.')
}

/// Every dump file under the given folders (recursively) and the given files, sorted.
pub fn collect(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            match e.file_type() {
                Ok(t) if t.is_dir() => walk(&p, out),
                Ok(_) if is_dump_name(&p) => out.push(p),
                _ => {}
            }
        }
    }
    for p in paths {
        if p.is_dir() {
            walk(p, &mut out);
        } else {
            out.push(p.clone());
        }
    }
    out.sort();
    out.dedup();
    out
}

struct Entry {
    stamp: Option<(u64, SystemTime)>,
    input: Result<Input, String>,
}

/// Dumps by path, and the chains they form.
pub struct Library {
    roots: Vec<PathBuf>,
    files: BTreeMap<PathBuf, Entry>,
    /// Chains keyed by their member paths.
    chains: BTreeMap<Vec<PathBuf>, Chain>,
    by_path: HashMap<PathBuf, Vec<PathBuf>>,
}

fn stamp(path: &Path) -> Option<(u64, SystemTime)> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.len(), m.modified().ok()?))
}

impl Library {
    /// Indexes every dump under the given folders and files (read in parallel).
    pub fn open(roots: &[PathBuf]) -> Library {
        let paths = collect(roots);
        let files: BTreeMap<PathBuf, Entry> = paths
            .into_par_iter()
            .map(|p| {
                let entry = Entry {
                    stamp: stamp(&p),
                    input: Input::read(&p),
                };
                (p, entry)
            })
            .collect();
        let mut lib = Library {
            roots: roots.to_vec(),
            files,
            chains: BTreeMap::new(),
            by_path: HashMap::new(),
        };
        lib.regroup();
        lib
    }

    pub fn roots(&self) -> &[PathBuf] {
        &self.roots
    }

    /// A file was added, changed or removed: reads it again (or forgets it) and
    /// rebuilds the chains it belongs to. Returns the member paths of every chain that
    /// changed (for the editor to refresh).
    pub fn update(&mut self, path: &Path) -> Vec<Vec<PathBuf>> {
        if !path.exists() {
            return self.remove(path);
        }
        if !is_dump_name(path) && !self.files.contains_key(path) {
            return Vec::new();
        }
        let s = stamp(path);
        if let Some(e) = self.files.get(path) {
            if e.stamp.is_some() && e.stamp == s {
                return Vec::new();
            }
        }
        self.files.insert(
            path.to_path_buf(),
            Entry {
                stamp: s,
                input: Input::read(path),
            },
        );
        self.regroup_touching(path)
    }

    /// A file was removed.
    pub fn remove(&mut self, path: &Path) -> Vec<Vec<PathBuf>> {
        if self.files.remove(path).is_none() {
            return Vec::new();
        }
        self.regroup_touching(path)
    }

    fn regroup_touching(&mut self, path: &Path) -> Vec<Vec<PathBuf>> {
        let before: Option<Vec<PathBuf>> = self.by_path.get(path).cloned();
        if let Some(key) = &before {
            self.chains.remove(key);
        }
        let old: Vec<Vec<PathBuf>> = self.chains.keys().cloned().collect();
        self.regroup();
        let mut changed: Vec<Vec<PathBuf>> = self
            .chains
            .keys()
            .filter(|k| !old.contains(k))
            .cloned()
            .collect();
        changed.extend(old.into_iter().filter(|k| !self.chains.contains_key(k)));
        if let Some(b) = before {
            if !changed.contains(&b) {
                changed.push(b);
            }
        }
        changed
    }

    /// Groups the readable inputs and builds the chains not already built.
    fn regroup(&mut self) {
        let owned: Vec<&Input> = self
            .files
            .values()
            .filter_map(|e| e.input.as_ref().ok())
            .collect();
        let groups = group::group(&owned);
        let keys: Vec<Vec<PathBuf>> = groups
            .iter()
            .map(|g| g.iter().map(|&i| owned[i].path.clone()).collect())
            .collect();
        let mut keep: BTreeMap<Vec<PathBuf>, Chain> = BTreeMap::new();
        let mut todo: Vec<(Vec<PathBuf>, Vec<usize>)> = Vec::new();
        for (key, g) in keys.into_iter().zip(groups) {
            match self.chains.remove(&key) {
                Some(c) => {
                    keep.insert(key, c);
                }
                None => todo.push((key, g)),
            }
        }
        let built: Vec<(Vec<PathBuf>, Chain)> = todo
            .into_par_iter()
            .map(|(key, g)| {
                let members: Vec<&Input> = g.iter().map(|&i| owned[i]).collect();
                (key, build_chain(&members))
            })
            .collect();
        keep.extend(built);
        self.by_path.clear();
        for key in keep.keys() {
            for p in key {
                self.by_path.insert(p.clone(), key.clone());
            }
        }
        self.chains = keep;
    }

    /// Every chain, ordered by member paths.
    pub fn chains(&self) -> impl Iterator<Item = &Chain> {
        self.chains.values()
    }

    pub fn len(&self) -> usize {
        self.chains.len()
    }

    pub fn is_empty(&self) -> bool {
        self.chains.is_empty()
    }

    /// The chain a dump belongs to, and its step index there.
    pub fn chain_of(&self, path: &Path) -> Option<(&Chain, usize)> {
        let chain = self.chains.get(self.by_path.get(path)?)?;
        Some((chain, chain.step_of_path(path)?))
    }

    /// Files that could not be read as dumps, with the reason.
    pub fn errors(&self) -> impl Iterator<Item = (&Path, &str)> {
        self.files
            .iter()
            .filter_map(|(p, e)| e.input.as_ref().err().map(|m| (p.as_path(), m.as_str())))
    }

    /// Number of readable dumps.
    pub fn dumps(&self) -> usize {
        self.files.values().filter(|e| e.input.is_ok()).count()
    }
}
