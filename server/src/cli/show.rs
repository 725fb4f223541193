use super::load_dump;
use palimpsest::dump::Side;
use std::path::Path;
use std::process::ExitCode;

pub fn run(file: &Path, version: Option<u32>) -> Result<ExitCode, String> {
    let dump = load_dump(file)?;
    let side = match version {
        None => Side::New,
        Some(n) => dump.side_of_version(n).ok_or_else(|| {
            format!(
                "{}: this dump shows versions {} and {}, not {n}",
                super::display_name(file),
                dump.header.versions[0],
                dump.header.versions[1]
            )
        })?,
    };
    let v = dump.version(side);
    if !v.complete {
        return Err(format!(
            "{}: version {} is not in this file: a pipe table keeps only the newer version ({})",
            super::display_name(file),
            v.number,
            dump.version(Side::New).number
        ));
    }
    super::emit(&v.render())?;
    for f in dump
        .findings
        .iter()
        .filter(|f| f.code == "truncated" || f.code == "invalid-utf8")
    {
        eprintln!("palimpsest: warning: {}", f.message);
    }
    Ok(ExitCode::SUCCESS)
}
