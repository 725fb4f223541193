use palimpsest::export::export_dump;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn run(files: &[PathBuf]) -> Result<ExitCode, String> {
    if files.len() == 1 && !files[0].is_dir() {
        return one(&files[0]);
    }
    super::history::export_chains(files)
}

fn one(file: &Path) -> Result<ExitCode, String> {
    let dump = super::load_dump(file)?;
    let json = serde_json::to_string_pretty(&export_dump(&dump)).map_err(|e| e.to_string())?;
    super::emit(&format!("{json}\n"))?;
    Ok(ExitCode::SUCCESS)
}
