use palimpsest::dump::Dump;
use std::path::PathBuf;
use std::process::ExitCode;

/// `FILE:LINE:COL: severity: message`, columns counted in characters from 1.
pub fn run(files: &[PathBuf]) -> Result<ExitCode, String> {
    let mut failed = false;
    let mut out = String::new();
    for file in files {
        let name = super::display_name(file);
        match super::load_dump(file) {
            Ok(dump) => {
                for f in &dump.findings {
                    let (line, col) = line_col(&dump, f.span.start);
                    out.push_str(&format!(
                        "{name}:{line}:{col}: {}: {} [{}]\n",
                        f.severity.as_str(),
                        f.message,
                        f.code
                    ));
                }
                if dump
                    .findings
                    .iter()
                    .any(|f| f.severity == palimpsest::dump::Severity::Error)
                {
                    failed = true;
                }
            }
            Err(message) => {
                out.push_str(&format!("{name}:1:1: error: {message}\n"));
                failed = true;
            }
        }
    }
    super::emit(&out)?;
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn line_col(dump: &Dump, offset: usize) -> (usize, usize) {
    let line = dump.line_of(offset);
    let start = dump.line_starts.get(line).copied().unwrap_or(0);
    let col = dump
        .text
        .get(start..offset)
        .map(|s| s.chars().count())
        .unwrap_or(0);
    (line + 1, col + 1)
}
