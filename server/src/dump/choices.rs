//! The sidecar file (`NAME.palimpsest.json`) where a person's choices for ambiguous
//! rows are kept, so the server and the command line read the dump the same way.
//! Each choice names the row's line and a hash of its text: a choice whose row has
//! changed since is not applied.

use super::model::Reading;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Choices {
    #[serde(default)]
    pub rows: Vec<Choice>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    /// 1-based line of the row in the dump.
    pub line: usize,
    /// FNV-1a hash of the row's text, hex.
    pub text_hash: String,
    pub reading: Reading,
}

/// A stable hash (unlike std's, it does not change between Rust releases).
pub fn text_hash(s: &str) -> String {
    format!("{:016x}", fnv(s.as_bytes()))
}

/// FNV-1a, 64 bits.
pub fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

impl Choices {
    /// The reading chosen for the row at 0-based `line` with text `row`, if any.
    pub fn get(&self, line: usize, row: &str) -> Option<Reading> {
        if self.rows.is_empty() {
            return None;
        }
        let hash = text_hash(row);
        self.rows
            .iter()
            .find(|c| c.line == line + 1 && c.text_hash == hash)
            .map(|c| c.reading)
    }

    /// Records (or replaces) the choice for a row.
    pub fn set(&mut self, line: usize, row: &str, reading: Reading) {
        self.rows.retain(|c| c.line != line + 1);
        self.rows.push(Choice {
            line: line + 1,
            text_hash: text_hash(row),
            reading,
        });
        self.rows.sort_by_key(|c| c.line);
    }

    /// Where the sidecar of a dump lives: `dir/NAME.palimpsest.json` for `dir/NAME.txt`.
    pub fn sidecar_path(dump: &Path) -> PathBuf {
        let stem = dump
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        dump.with_file_name(format!("{stem}.palimpsest.json"))
    }

    /// Loads the sidecar of a dump. No file is `Ok(None)`; a corrupt one is an error
    /// message (the caller reports it and goes on without choices).
    pub fn load_for(dump: &Path) -> Result<Option<Choices>, String> {
        let path = Self::sidecar_path(dump);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
                format!(
                    "{}: not a valid Palimpsest sidecar file ({e}); its choices are ignored",
                    path.display()
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }

    /// Writes the sidecar of a dump atomically (temporary file, then rename).
    pub fn save_for(&self, dump: &Path) -> std::io::Result<PathBuf> {
        let path = Self::sidecar_path(dump);
        let tmp = path.with_extension("json.tmp");
        let body = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(&tmp, body)?;
        std::fs::rename(&tmp, &path)?;
        Ok(path)
    }
}
