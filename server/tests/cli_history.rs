//! `palimpsest history` and multi-file `palimpsest export`, run as a user runs them.

use palimpsest::generate;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const URL_A: &str = "https://www.bbc.co.uk/news/world-europe-33333333";
const URL_B: &str = "https://www.bbc.co.uk/news/science-environment-44444444";

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_palimpsest"));
    c.env_remove("NO_COLOR");
    c
}

fn run(args: &[&str], files: &[PathBuf]) -> Output {
    bin()
        .args(args)
        .args(files)
        .output()
        .expect("run palimpsest")
}

/// A folder holding two generated series; returns it and each series' files.
fn folder(name: &str) -> (PathBuf, Vec<PathBuf>, Vec<PathBuf>, Vec<generate::Truth>) {
    let dir = std::env::temp_dir().join(format!(
        "palimpsest-cli-history-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("a")).unwrap();
    std::fs::create_dir_all(dir.join("b")).unwrap();
    let mut truths = Vec::new();
    let mut write = |sub: &str, seed: u64, versions: usize, url: &str| -> Vec<PathBuf> {
        generate::series(seed, versions, 10, url)
            .into_iter()
            .map(|(n, text, truth)| {
                let p = dir.join(sub).join(n);
                std::fs::write(&p, text).unwrap();
                if sub == "a" {
                    truths.push(truth);
                }
                p
            })
            .collect()
    };
    let a = write("a", 21, 4, URL_A);
    let b = write("b", 22, 3, URL_B);
    (dir, a, b, truths)
}

fn stdout(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}\nstderr: {}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).unwrap()
}

#[test]
fn export_one_article_is_one_chain() {
    let (dir, a, _, truths) = folder("export1");
    let out = stdout(&run(&["export"], &a));
    let v: Value = serde_json::from_str(&out).expect("one JSON object");
    assert_eq!(v["url"], URL_A);
    assert_eq!(v["source"], "bbc");
    let versions = v["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 4);
    for (i, ver) in versions.iter().enumerate() {
        assert_eq!(ver["number"], i as u64);
        for key in ["title", "caption", "paragraphs"] {
            assert!(ver.get(key).is_some(), "{key}");
        }
    }
    for t in &truths {
        for side in 0..2 {
            let ver = &versions[t.versions[side] as usize];
            let got: Vec<&str> = ver["paragraphs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_str().unwrap())
                .collect();
            assert_eq!(got, t.paragraphs[side]);
        }
    }
    let steps = v["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 3);
    for (i, s) in steps.iter().enumerate() {
        assert_eq!(s["format"], "newssniffer-diff");
        assert_eq!(s["versions"][0]["number"], i as u64);
        assert!(s["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r.get("kind").is_some()));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn export_several_articles_is_json_lines() {
    let (dir, a, b, _) = folder("export2");
    let mut files = b.clone();
    files.extend(a.iter().rev().cloned());
    let out = stdout(&run(&["export"], &files));
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 2);
    let urls: Vec<&str> = lines.iter().map(|l| l["url"].as_str().unwrap()).collect();
    assert!(urls.contains(&URL_A) && urls.contains(&URL_B));
    for l in &lines {
        let steps = l["steps"].as_array().unwrap().len();
        assert_eq!(l["versions"].as_array().unwrap().len(), steps + 1);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn history_of_a_folder() {
    let (dir, _, _, truths) = folder("history");
    let out = stdout(&run(&["history"], std::slice::from_ref(&dir)));
    assert!(!out.contains('\x1b'), "no colour when not a terminal");
    // Both articles, each with its versions listed.
    let titles = [&truths[2].titles[1]];
    for t in titles {
        assert!(out.contains(t.as_str()), "title {t}");
    }
    assert!(out.contains("4 versions from 3 dumps"), "{out}");
    assert!(out.contains("3 versions from 2 dumps"), "{out}");
    for n in 0..4 {
        assert!(
            out.lines().any(|l| l.starts_with(&format!("  v{n} "))),
            "version line v{n}"
        );
    }
    // Every paragraph once, with its history; changes as plain word diffs.
    assert!(out.contains("¶1 "));
    assert!(out.contains("changed in "), "{out}");
    assert!(out.contains("[-") || out.contains("{+"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn history_reports_gaps_and_conflicts() {
    let (dir, a, _, _) = folder("gaps");
    // Drop v1-v2: versions 1 and 2 are known but nothing compares them.
    let kept: Vec<PathBuf> = a
        .iter()
        .filter(|p| !p.to_string_lossy().ends_with("-v1-v2.txt"))
        .cloned()
        .collect();
    let out = stdout(&run(&["history"], &kept));
    assert!(out.contains("gap: no dump compares v1 with v2"), "{out}");
    // Another history's v1-v2 under the same URL: two texts for version 1.
    let other = generate::series(99, 3, 10, URL_A);
    let stranger = dir.join("stranger-v1-v2.txt");
    std::fs::write(&stranger, &other[1].1).unwrap();
    let files = vec![a[0].clone(), stranger.clone()];
    let out = stdout(&run(&["history"], &files));
    assert!(out.contains("conflict: "), "{out}");
    assert!(out.contains(&stranger.display().to_string()), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn unreadable_files_are_reported_and_the_rest_exported() {
    let (dir, a, _, _) = folder("bad");
    let bad = dir.join("a").join("notes.txt");
    std::fs::write(&bad, "just some notes").unwrap();
    let o = bin().arg("history").arg(dir.join("a")).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("notes.txt"));
    assert!(String::from_utf8_lossy(&o.stdout).contains("4 versions from 3 dumps"));
    // No progress bar when standard error is not a terminal.
    assert!(!String::from_utf8_lossy(&o.stderr).contains('\r'));
    let o = bin()
        .arg("history")
        .arg(Path::new("/nonexistent-palimpsest-folder"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let _ = a;
    let _ = std::fs::remove_dir_all(&dir);
}
