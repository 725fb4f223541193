use std::process::ExitCode;

pub fn run() -> Result<ExitCode, String> {
    palimpsest::lsp::run_stdio().map_err(|e| format!("language server: {e}"))?;
    Ok(ExitCode::SUCCESS)
}
