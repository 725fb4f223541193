//! The command line, run as a user or a script would run it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/south-korea-japan-gsomia.txt")
}

fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_palimpsest"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input).unwrap();
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn truth() -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(example().with_extension("truth.json")).unwrap()).unwrap()
}

fn expected_show(version: usize) -> String {
    let v = &truth()["versions"][version];
    let mut s = format!("{}\n", v["title"].as_str().unwrap());
    for p in v["paragraphs"].as_array().unwrap() {
        s.push_str(&format!("\n{}\n", p.as_str().unwrap()));
    }
    s
}

#[test]
fn show_prints_each_version_exactly() {
    let file = example();
    let f = file.to_str().unwrap();
    for n in [0, 1] {
        let o = run(&["show", f, "--version", &n.to_string()], None);
        assert!(o.status.success());
        assert_eq!(stdout(&o), expected_show(n));
    }
    // Default: the newer column. And `-` reads standard input.
    assert_eq!(stdout(&run(&["show", f], None)), expected_show(1));
    let o = run(
        &["show", "-", "--version", "0"],
        Some(&std::fs::read(&file).unwrap()),
    );
    assert_eq!(stdout(&o), expected_show(0));
}

#[test]
fn show_rejects_a_version_the_dump_does_not_hold() {
    let o = run(
        &["show", example().to_str().unwrap(), "--version", "7"],
        None,
    );
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("versions 0 and 1, not 7"), "{err}");
}

#[test]
fn diff_summary_and_word_marks() {
    let o = run(&["diff", example().to_str().unwrap()], None);
    assert!(o.status.success());
    let out = stdout(&o);
    let first = out.lines().next().unwrap();
    assert!(
        first.starts_with("Version 0 → Version 1 (about 1 hour later): "),
        "{first}"
    );
    assert!(first.contains("13 added · 0 removed"), "{first}");
    assert!(
        out.contains(
            "from [-Japan or the United States-]{+the Japanese or American governments+}."
        ),
        "{out}"
    );
    assert!(!out.contains('\x1b'), "no colour when not on a terminal");
    let o = run(
        &["diff", "--color", "always", example().to_str().unwrap()],
        None,
    );
    assert!(stdout(&o).contains("\x1b[31;9m"));
}

#[test]
fn export_matches_the_ground_truth_schema() {
    let o = run(&["export", example().to_str().unwrap()], None);
    assert!(o.status.success());
    let got: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let want = truth();
    for field in ["source", "url", "changes", "first_seen", "check"] {
        assert_eq!(got[field], want[field], "{field}");
    }
    assert_eq!(got["versions"], want["versions"]);
    let rows = got["rows"].as_array().unwrap();
    assert_eq!(rows.len(), want["rows"].as_array().unwrap().len());
    for (g, w) in rows.iter().zip(want["rows"].as_array().unwrap()) {
        for field in ["line", "kind", "old", "new"] {
            assert_eq!(g[field], w[field], "row {} {field}", w["line"]);
        }
        assert_eq!(g["ambiguous"], false);
        let c = g["confidence"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&c));
    }
}

#[test]
fn check_reports_findings_and_fails_on_non_dumps() {
    let dir = std::env::temp_dir().join(format!("palimpsest-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let notes = dir.join("notes.txt");
    std::fs::write(&notes, "Shopping list\nmilk\n").unwrap();
    let o = run(&["check", notes.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.starts_with(&format!("{}:1:1: error: ", notes.display())),
        "{out}"
    );
    assert!(out.contains("Version A Version B"), "{out}");
    // A real dump with an ambiguous lone row: a warning with line and column, exit 0.
    let dump = std::fs::read_to_string(example()).unwrap();
    let lines: Vec<&str> = dump.lines().collect();
    let edited = [
        &lines[..27],
        &["A lone paragraph that appears on one side only."],
        &lines[27..],
    ]
    .concat()
    .join("\n");
    let f = dir.join("lone.txt");
    std::fs::write(&f, edited).unwrap();
    let o = run(&["check", f.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).contains(&format!("{}:28:1: warning: ", f.display())),
        "{}",
        stdout(&o)
    );
    // Missing file: a message on stderr, non-zero exit.
    let o = run(&["show", dir.join("missing.txt").to_str().unwrap()], None);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).starts_with("palimpsest: "));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn sidecar_choice_is_honoured_and_a_corrupt_one_ignored() {
    let dir = std::env::temp_dir().join(format!("palimpsest-side-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let dump = std::fs::read_to_string(example()).unwrap();
    let lines: Vec<&str> = dump.lines().collect();
    let lone = "A lone paragraph that appears on one side only.";
    let text = [&lines[..27], &[lone], &lines[27..]].concat().join("\n");
    let f = dir.join("lone.txt");
    std::fs::write(&f, &text).unwrap();
    let kind = |o: &Output| -> String {
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["line"] == 28)
            .unwrap()["kind"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let before = kind(&run(&["export", f.to_str().unwrap()], None));
    let other = if before == "added" {
        "removed"
    } else {
        "added"
    };
    let mut choices = palimpsest::dump::Choices::default();
    let reading = if other == "added" {
        palimpsest::dump::Reading::Added
    } else {
        palimpsest::dump::Reading::Removed
    };
    choices.set(27, lone, reading);
    choices.save_for(&f).unwrap();
    assert!(dir.join("lone.palimpsest.json").exists());
    assert_eq!(kind(&run(&["export", f.to_str().unwrap()], None)), other);
    std::fs::write(dir.join("lone.palimpsest.json"), "{ not json").unwrap();
    let o = run(&["export", f.to_str().unwrap()], None);
    assert!(o.status.success());
    assert_eq!(kind(&o), before);
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a valid Palimpsest sidecar"));
    std::fs::remove_dir_all(&dir).ok();
}
