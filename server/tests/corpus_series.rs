//! Joint decoding on the dev series (`corpus/dev/series/ARTICLE/ARTICLE-vI-vJ.txt`):
//! every version of every series is reconstructed exactly, and no row that the
//! neighbouring dumps settle is left ambiguous.

use palimpsest::history::{build_chain, Input};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn corpus() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("PALIMPSEST_CORPUS") {
        return Some(PathBuf::from(p));
    }
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
    p.is_dir().then_some(p)
}

fn paragraphs(v: &Value) -> Vec<String> {
    v["paragraphs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn every_version_of_every_series() {
    let Some(root) = corpus() else {
        eprintln!("corpus not found (set PALIMPSEST_CORPUS); skipped");
        return;
    };
    let series = root.join("dev/series");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&series)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no series in {}", series.display());
    let (mut versions, mut exact, mut single_exact, mut columns, mut columns_exact) =
        (0, 0, 0, 0, 0);
    let (mut before, mut after, mut settled, mut left_open, mut dumps) = (0, 0, 0, 0, 0);
    let mut failures = Vec::new();
    for dir in &dirs {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "txt"))
            .collect();
        files.sort();
        let inputs: Vec<Input> = files.iter().map(|f| Input::read(f).unwrap()).collect();
        let refs: Vec<&Input> = inputs.iter().collect();
        let chain = build_chain(&refs);
        assert!(
            chain.conflicts.is_empty(),
            "{}: {:?}",
            dir.display(),
            chain.conflicts
        );
        assert!(chain.gaps.is_empty(), "{}: {:?}", dir.display(), chain.gaps);
        let mut truth_versions = std::collections::BTreeMap::new();
        for (input, step) in inputs.iter().zip(&chain.steps) {
            assert_eq!(input.path, step.path);
            dumps += 1;
            let truth: Value = serde_json::from_slice(
                &std::fs::read(input.path.with_extension("truth.json")).unwrap(),
            )
            .unwrap();
            for (i, tv) in truth["versions"].as_array().unwrap().iter().enumerate() {
                let want = paragraphs(tv);
                columns += 1;
                if input.dump.versions[i]
                    .paragraphs
                    .iter()
                    .map(|p| &*p.text)
                    .eq(want.iter().map(|w| w.as_str()))
                {
                    single_exact += 1;
                }
                if step.dump.versions[i]
                    .paragraphs
                    .iter()
                    .map(|p| &*p.text)
                    .eq(want.iter().map(|w| w.as_str()))
                {
                    columns_exact += 1;
                }
                truth_versions.insert(
                    tv["number"].as_u64().unwrap() as u32,
                    (want, tv["title"].as_str().unwrap().to_owned()),
                );
            }
            before += input
                .dump
                .rows
                .iter()
                .filter(|r| r.ambiguity.is_some())
                .count();
            after += step
                .dump
                .rows
                .iter()
                .filter(|r| r.ambiguity.is_some())
                .count();
            settled += step.settled.len();
            for (r, row) in step.dump.rows.iter().enumerate() {
                if row.ambiguity.is_some() && step.determined[r] {
                    left_open += 1;
                    failures.push(format!(
                        "{}:{}: ambiguous although the neighbours settle it",
                        step.path.display(),
                        row.line + 1
                    ));
                }
            }
        }
        for (number, (want, title)) in &truth_versions {
            versions += 1;
            let Some(vi) = chain.version_index(*number) else {
                failures.push(format!("{}: version {number} missing", dir.display()));
                continue;
            };
            let v = &chain.versions[vi];
            if v.paragraphs == *want && v.title == *title {
                exact += 1;
            } else {
                let first = v
                    .paragraphs
                    .iter()
                    .zip(want)
                    .position(|(a, b)| a != b)
                    .unwrap_or(v.paragraphs.len().min(want.len()));
                failures.push(format!(
                    "{}: version {number} differs (title ok: {}, {} vs {} paragraphs, first difference at paragraph {})",
                    dir.display(),
                    v.title == *title,
                    v.paragraphs.len(),
                    want.len(),
                    first + 1
                ));
            }
        }
    }
    println!("series: {}, dumps: {dumps}", dirs.len());
    println!("chain versions reconstructed exactly: {exact}/{versions}");
    println!(
        "dump columns exact: joint {columns_exact}/{columns}, single-dump {single_exact}/{columns}"
    );
    println!("ambiguous rows: single-dump {before}, joint {after}; rows settled by neighbours: {settled}");
    println!("ambiguous rows the neighbours settle: {left_open}");
    for f in &failures {
        println!("FAIL {f}");
    }
    assert!(failures.is_empty(), "{} failures", failures.len());
    assert_eq!(exact, versions);
    assert_eq!(columns_exact, columns);
}
