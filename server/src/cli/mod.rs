//! Subcommands. Each returns `Ok(exit code)` or `Err(message for stderr)`.

pub mod check;
pub mod diff;
pub mod export;
pub mod history;
pub mod lsp;
pub mod show;

use palimpsest::dump::{Choices, Dump};
use palimpsest::Analysis;
use std::io::Read;
use std::path::Path;

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Writes to standard output; a closed pipe (`palimpsest diff F | head`) is not an error.
pub fn emit(text: &str) -> Result<(), String> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(format!("standard output: {e}"))
        }
        _ => Ok(()),
    }
}

/// Reads a file (or standard input for `-`).
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, String> {
    if path.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| format!("standard input: {e}"))?;
        Ok(buf)
    } else {
        std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// The sidecar choices for a dump file; a corrupt sidecar is reported and ignored.
pub fn choices_for(path: &Path) -> Choices {
    if path.as_os_str() == "-" {
        return Choices::default();
    }
    match Choices::load_for(path) {
        Ok(c) => c.unwrap_or_default(),
        Err(message) => {
            eprintln!("palimpsest: warning: {message}");
            Choices::default()
        }
    }
}

pub fn display_name(path: &Path) -> String {
    if path.as_os_str() == "-" {
        "<stdin>".into()
    } else {
        path.display().to_string()
    }
}

/// Reads and analyses a dump, honouring its sidecar.
pub fn load(path: &Path) -> Result<Analysis, String> {
    let bytes = read_bytes(path)?;
    palimpsest::analyze_owned(bytes, &choices_for(path))
        .map_err(|e| format!("{}: {e}", display_name(path)))
}

/// Reads a dump without word diffs.
pub fn load_dump(path: &Path) -> Result<Dump, String> {
    let bytes = read_bytes(path)?;
    palimpsest::dump::read_owned(bytes, &choices_for(path))
        .map_err(|e| format!("{}: {e}", display_name(path)))
}
