//! `palimpsest history` and multi-file `export` (owned by the history work).

use std::path::PathBuf;
use std::process::ExitCode;

pub fn run(_paths: &[PathBuf]) -> Result<ExitCode, String> {
    Err("history is not available yet".into())
}

pub fn export_chains(_files: &[PathBuf]) -> Result<ExitCode, String> {
    Err("exporting several dumps is not available yet".into())
}
