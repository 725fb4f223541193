//! `palimpsest history` and multi-file `export` (owned by the history work).

use palimpsest::history::{self, Chain, Input};
use rayon::prelude::*;
use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A one-line progress bar on standard error, drawn only when it is a terminal.
struct Progress {
    done: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    painter: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    fn new(label: &'static str, total: usize) -> Progress {
        let done = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let painter = (std::io::stderr().is_terminal() && total > 1).then(|| {
            let (done, stop) = (done.clone(), stop.clone());
            std::thread::spawn(move || {
                const WIDTH: usize = 30;
                while !stop.load(Ordering::Relaxed) {
                    let n = done.load(Ordering::Relaxed).min(total);
                    let filled = n * WIDTH / total.max(1);
                    eprint!(
                        "\r{label} [{}{}] {n}/{total}",
                        "#".repeat(filled),
                        ".".repeat(WIDTH - filled)
                    );
                    std::thread::sleep(Duration::from_millis(100));
                }
                eprint!("\r\x1b[K");
            })
        });
        Progress {
            done,
            stop,
            painter,
        }
    }

    fn tick(&self) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }

    fn finish(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(p) = self.painter.take() {
            let _ = p.join();
        }
    }
}

/// Reads every dump under the paths (in parallel), then reads each article's chain
/// jointly (in parallel). Unreadable files are reported on standard error.
fn load(paths: &[PathBuf]) -> Result<(Vec<Chain>, bool), String> {
    let files: Vec<PathBuf> = history::collect(paths);
    if files.is_empty() {
        return Err("no dump files found (folders are searched for *.txt)".into());
    }
    let progress = Progress::new("reading", files.len());
    let read: Vec<Result<Input, String>> = files
        .par_iter()
        .map(|f| {
            let r = read_one(f);
            progress.tick();
            r
        })
        .collect();
    progress.finish();
    let mut failed = false;
    let mut inputs = Vec::with_capacity(read.len());
    for r in read {
        match r {
            Ok(i) => inputs.push(i),
            Err(m) => {
                eprintln!("palimpsest: warning: {m}");
                failed = true;
            }
        }
    }
    if inputs.is_empty() {
        return Err("none of the files is a version dump".into());
    }
    let progress = Progress::new("decoding", inputs.len());
    let chains = history::build_chains_with(&inputs, || progress.tick());
    progress.finish();
    Ok((chains, failed))
}

fn read_one(path: &Path) -> Result<Input, String> {
    let bytes = super::read_bytes(path)?;
    let choices = super::choices_for(path);
    Input::new(path.to_path_buf(), bytes, choices)
        .map_err(|e| format!("{}: {e}", super::display_name(path)))
}

fn code(failed: bool) -> ExitCode {
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

pub fn run(paths: &[PathBuf]) -> Result<ExitCode, String> {
    let (chains, failed) = load(paths)?;
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let texts: Vec<String> = chains.par_iter().map(|c| render(c, color)).collect();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (i, t) in texts.iter().enumerate() {
        if i > 0 {
            out.write_all(b"\n").map_err(|e| e.to_string())?;
        }
        out.write_all(t.as_bytes()).map_err(|e| e.to_string())?;
    }
    out.flush().map_err(|e| e.to_string())?;
    Ok(code(failed))
}

/// Several dumps: one chain as a JSON object, several articles as JSON Lines.
pub fn export_chains(files: &[PathBuf]) -> Result<ExitCode, String> {
    let (chains, failed) = load(files)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if chains.len() == 1 {
        serde_json::to_writer_pretty(&mut out, &chains[0].export()).map_err(|e| e.to_string())?;
        out.write_all(b"\n").map_err(|e| e.to_string())?;
    } else {
        let lines: Vec<Result<String, String>> = chains
            .par_iter()
            .map(|c| serde_json::to_string(&c.export()).map_err(|e| e.to_string()))
            .collect();
        for l in lines {
            out.write_all(l?.as_bytes()).map_err(|e| e.to_string())?;
            out.write_all(b"\n").map_err(|e| e.to_string())?;
        }
    }
    out.flush().map_err(|e| e.to_string())?;
    Ok(code(failed))
}

const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";
/// Paragraphs that never change are shown cut to this many characters.
const SHORT: usize = 100;

fn short(s: &str) -> String {
    if s.chars().count() <= SHORT {
        s.to_owned()
    } else {
        let cut: String = s.chars().take(SHORT - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

fn style(s: &str, code: &str, color: bool) -> String {
    if color {
        format!("{code}{s}{RESET}")
    } else {
        s.to_owned()
    }
}

fn mark(s: &str, added: bool, color: bool) -> String {
    match (added, color) {
        (true, true) => format!("\x1b[32;1m{s}{RESET}"),
        (false, true) => format!("\x1b[31;9m{s}{RESET}"),
        (true, false) => format!("{{+{s}+}}"),
        (false, false) => format!("[-{s}-]"),
    }
}

/// The article's versions, gaps, conflicts, then each paragraph's history.
pub fn render(chain: &Chain, color: bool) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "{}", style(chain.title(), BOLD, color));
    let mut about = Vec::new();
    if let Some(s) = &chain.source {
        about.push(s.clone());
    }
    if let Some(u) = chain.url.as_deref().filter(|u| !u.is_empty()) {
        about.push(u.to_owned());
    }
    about.push(format!(
        "{} version{} from {} dump{}",
        chain.versions.len(),
        if chain.versions.len() == 1 { "" } else { "s" },
        chain.steps.len(),
        if chain.steps.len() == 1 { "" } else { "s" }
    ));
    let settled: usize = chain.steps.iter().map(|s| s.settled.len()).sum();
    if settled > 0 {
        about.push(format!(
            "{settled} row{} settled by neighbouring dumps",
            if settled == 1 { "" } else { "s" }
        ));
    }
    let open = chain.ambiguous_rows().len();
    if open > 0 {
        about.push(format!(
            "{open} row{} still ambiguous",
            if open == 1 { "" } else { "s" }
        ));
    }
    let _ = writeln!(o, "{}", style(&about.join(" · "), DIM, color));
    let width = chain
        .versions
        .iter()
        .map(|v| v.caption.as_deref().unwrap_or("").chars().count())
        .max()
        .unwrap_or(0);
    for v in &chain.versions {
        let caption = v.caption.as_deref().unwrap_or("");
        let pad = " ".repeat(width - caption.chars().count());
        let incomplete = if v.complete {
            ""
        } else {
            "  (incomplete: not all of its text is in the dumps)"
        };
        let _ = writeln!(
            o,
            "  v{:<3} {caption}{pad}  {}{incomplete}",
            v.number, v.title
        );
    }
    for g in &chain.gaps {
        let missing = match g.missing.as_slice() {
            [] => String::new(),
            [one] => format!("version {one} is missing"),
            many => format!("versions {}–{} are missing", many[0], many[many.len() - 1]),
        };
        let line = match (g.after, g.before) {
            (Some(a), Some(b)) if g.missing.is_empty() => {
                format!("gap: no dump compares v{a} with v{b}")
            }
            (Some(a), Some(b)) if g.bridged => {
                format!("gap: {missing} (a dump compares v{a} with v{b} directly)")
            }
            (Some(a), Some(b)) => format!("gap: {missing} (no dump between v{a} and v{b})"),
            (None, Some(b)) => format!("gap: {missing} (the first dump starts at v{b})"),
            (Some(a), None) => format!("gap: {missing} (the article has more versions than v{a})"),
            (None, None) => format!("gap: {missing}"),
        };
        let _ = writeln!(o, "  {}", style(&line, BOLD, color));
    }
    for c in &chain.conflicts {
        let _ = writeln!(
            o,
            "  {}",
            style(&format!("conflict: {}", c.message), BOLD, color)
        );
    }
    let first = chain.versions.first().map(|v| v.number);
    for (k, id) in chain.paragraphs().into_iter().enumerate() {
        let h = chain.history_of(id);
        let (changed, total) = chain.changes_of(id);
        let _ = writeln!(o);
        let label = format!("¶{}", k + 1);
        if changed == 0 {
            let text = h.iter().find_map(|e| e.text.as_deref()).unwrap_or("");
            let span = match (h.first(), h.last()) {
                (Some(a), Some(b)) if a.number != b.number => {
                    format!("v{}–v{}", a.number, b.number)
                }
                (Some(a), _) => format!("v{}", a.number),
                _ => String::new(),
            };
            let _ = writeln!(
                o,
                "{} {}",
                style(&format!("{label} unchanged {span}:"), DIM, color),
                short(text)
            );
            continue;
        }
        let _ = writeln!(
            o,
            "{}",
            style(
                &format!("{label} changed in {changed} of {total} versions"),
                DIM,
                color
            )
        );
        let mut prev: Option<&str> = None;
        for (i, e) in h.iter().enumerate() {
            let now = e.text.as_deref();
            if i > 0 && now == prev {
                continue;
            }
            let tag = format!("  v{:<3}", e.number);
            let body = match (prev, now) {
                (None, Some(t)) if i == 0 || Some(e.number) == first => t.to_owned(),
                (None, Some(t)) => format!("added: {}", mark(t, true, color)),
                (Some(p), Some(t)) => super::diff::words(p, t, color),
                (Some(p), None) => format!("removed: {}", mark(&short(p), false, color)),
                (None, None) => {
                    prev = now;
                    continue;
                }
            };
            let _ = writeln!(o, "{tag} {body}");
            prev = now;
        }
    }
    o
}
