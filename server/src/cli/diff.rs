use super::ColorChoice;
use palimpsest::diff::{PassageClass, WordDiff, WordTag};
use palimpsest::dump::Side;
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

const RED: &str = "\x1b[31;9m";
const GREEN: &str = "\x1b[32;1m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

pub fn run(file: &Path, color: ColorChoice) -> Result<ExitCode, String> {
    let a = super::load(file)?;
    let color = match color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    };
    let d = &a.dump;
    let (old, new) = (d.version(Side::Old), d.version(Side::New));
    let caption = d
        .time
        .as_ref()
        .map(|t| {
            format!(
                " ({} {})",
                t.distance,
                if t.direction == palimpsest::dump::Direction::Later {
                    "later"
                } else {
                    "earlier"
                }
            )
        })
        .unwrap_or_default();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Version {} → Version {}{caption}: {}",
        old.number,
        new.number,
        a.summary_line()
    );
    if old.title != new.title {
        let _ = writeln!(out, "\nTitle: {}", words(&old.title, &new.title, color));
    }
    for p in &a.passages {
        let row = &d.rows[p.row];
        let label = match p.class {
            PassageClass::Edited { removed, added } => {
                format!("edited: {removed} words removed, {added} added")
            }
            PassageClass::Rewritten { .. } => "rewritten".to_owned(),
            PassageClass::WhitespaceOnly => "whitespace only".to_owned(),
            PassageClass::Added => format!("added in Version {}", new.number),
            PassageClass::Removed => format!("removed in Version {}", new.number),
            PassageClass::AddedOrChanged => format!(
                "new or changed in Version {} (older wording not in the file)",
                new.number
            ),
            PassageClass::Unreadable => "unreadable (the dump ends inside this row)".to_owned(),
        };
        let flag = if row.ambiguity.is_some() {
            " [ambiguous]"
        } else {
            ""
        };
        let head = format!("line {}: {label}{flag}", row.line + 1);
        let _ = writeln!(out);
        if color {
            let _ = writeln!(out, "{DIM}{head}{RESET}");
        } else {
            let _ = writeln!(out, "{head}");
        }
        let text = |side: Side| row.half(side).map(|s| d.slice(s)).unwrap_or("");
        match p.class {
            PassageClass::Added | PassageClass::AddedOrChanged => {
                let _ = writeln!(out, "{}", mark(text(Side::New), WordTag::Added, color));
            }
            PassageClass::Removed => {
                let _ = writeln!(out, "{}", mark(text(Side::Old), WordTag::Removed, color));
            }
            PassageClass::Unreadable => {
                let _ = writeln!(out, "{}", d.slice(&row.span));
            }
            PassageClass::Rewritten { .. } => {
                // Little in common: a word diff would be confetti; show both wholes.
                let _ = writeln!(out, "{}", mark(text(Side::Old), WordTag::Removed, color));
                let _ = writeln!(out, "{}", mark(text(Side::New), WordTag::Added, color));
            }
            _ => {
                let (o, n) = (text(Side::Old), text(Side::New));
                let inline = match &p.diff {
                    // The analysis has diffed the row already.
                    Some(diff) => render(o, n, diff, color),
                    None => words(o, n, color),
                };
                let _ = writeln!(out, "{inline}");
            }
        }
        for m in a.moves_of_row(p.row) {
            let preview: String = d.slice(&m.from).chars().take(60).collect();
            if m.from_row == p.row {
                let _ = writeln!(
                    out,
                    "  → moved to line {}: “{preview}…”",
                    d.rows[m.to_row].line + 1
                );
            } else {
                let _ = writeln!(
                    out,
                    "  ← moved here from line {}: “{preview}…”",
                    d.rows[m.from_row].line + 1
                );
            }
        }
        if let Some(amb) = &row.ambiguity {
            let _ = writeln!(out, "  ? {}", amb.reason);
        }
    }
    super::emit(&out)?;
    Ok(ExitCode::SUCCESS)
}

fn mark(s: &str, tag: WordTag, color: bool) -> String {
    match (tag, color) {
        (WordTag::Removed, true) => format!("{RED}{s}{RESET}"),
        (WordTag::Added, true) => format!("{GREEN}{s}{RESET}"),
        (WordTag::Removed, false) => format!("[-{s}-]"),
        (WordTag::Added, false) => format!("{{+{s}+}}"),
        (WordTag::Equal, _) => s.to_owned(),
    }
}

/// Inline word diff: `[-removed-]{+added+}` when plain, colours on a terminal.
pub fn words(old: &str, new: &str, color: bool) -> String {
    render(old, new, &palimpsest::diff::word_diff(old, new), color)
}

/// [`words`] given the word diff of `old` and `new`.
fn render(old: &str, new: &str, d: &WordDiff, color: bool) -> String {
    let mut s = String::new();
    for c in &d.changes {
        match c.tag {
            WordTag::Equal => s.push_str(&old[c.old.clone()]),
            WordTag::Removed => s.push_str(&mark(&old[c.old.clone()], WordTag::Removed, color)),
            WordTag::Added => s.push_str(&mark(&new[c.new.clone()], WordTag::Added, color)),
        }
    }
    s
}
