//! Grouping, gaps, conflicts, joint decoding and paragraph histories on generated
//! series.

use super::*;
use crate::dump::render::render;
use crate::generate::{self, Truth};

const URL_A: &str = "https://www.bbc.co.uk/news/world-europe-11111111";
const URL_B: &str = "https://www.bbc.co.uk/news/science-environment-22222222";

fn input(name: &str, text: &str) -> Input {
    Input::new(
        PathBuf::from(name),
        text.as_bytes().to_vec(),
        Choices::default(),
    )
    .expect("a dump")
}

fn series(seed: u64, versions: usize, url: &str) -> Vec<(Input, Truth)> {
    generate::series(seed, versions, 12, url)
        .into_iter()
        .map(|(name, text, truth)| (input(&name, &text), truth))
        .collect()
}

fn chain_of(inputs: &[&Input]) -> Chain {
    build_chain(inputs)
}

/// Every version of the chain equals the generator's truth.
fn assert_exact(chain: &Chain, truths: &[&Truth]) {
    for t in truths {
        for side in 0..2 {
            let v = &chain.versions[chain
                .version_index(t.versions[side])
                .expect("version present")];
            assert_eq!(v.paragraphs, t.paragraphs[side], "version {}", v.number);
            assert_eq!(v.title, t.titles[side], "title of version {}", v.number);
        }
    }
}

#[test]
fn groups_by_url_and_orders_by_version() {
    let a = series(1, 5, URL_A);
    let b = series(2, 4, URL_B);
    // Shuffled: b's dumps first, a's in reverse.
    let mut inputs: Vec<Input> = b.iter().map(|(i, _)| i.clone()).collect();
    inputs.extend(a.iter().rev().map(|(i, _)| i.clone()));
    let chains = build_chains(&inputs);
    assert_eq!(chains.len(), 2);
    let ca = chains
        .iter()
        .find(|c| c.url.as_deref() == Some(URL_A))
        .unwrap();
    let cb = chains
        .iter()
        .find(|c| c.url.as_deref() == Some(URL_B))
        .unwrap();
    assert_eq!(
        ca.versions.iter().map(|v| v.number).collect::<Vec<_>>(),
        vec![0, 1, 2, 3, 4]
    );
    assert_eq!(cb.versions.len(), 4);
    let numbers: Vec<[u32; 2]> = ca.steps.iter().map(|s| s.dump.header.versions).collect();
    assert_eq!(numbers, vec![[0, 1], [1, 2], [2, 3], [3, 4]]);
    assert!(ca.gaps.is_empty() && ca.conflicts.is_empty());
    assert_exact(ca, &a.iter().map(|(_, t)| t).collect::<Vec<_>>());
    assert_exact(cb, &b.iter().map(|(_, t)| t).collect::<Vec<_>>());
}

#[test]
fn same_url_other_source_is_another_article() {
    let a = series(3, 3, URL_A);
    let moved: Vec<Input> = a
        .iter()
        .map(|(i, _)| {
            let text = String::from_utf8(i.bytes.clone()).unwrap().replacen(
                "the source 'bbc'",
                "the source 'guardian'",
                1,
            );
            input(&format!("g-{}", i.path.display()), &text)
        })
        .collect();
    let mut all: Vec<Input> = a.iter().map(|(i, _)| i.clone()).collect();
    all.extend(moved);
    let chains = build_chains(&all);
    assert_eq!(chains.len(), 2);
    assert!(chains.iter().all(|c| c.steps.len() == 2));
}

#[test]
fn empty_url_falls_back_to_title() {
    let a = series(4, 4, URL_A);
    let b = series(5, 3, URL_B);
    let strip = |(i, _): &(Input, Truth)| -> Input {
        let text = String::from_utf8(i.bytes.clone()).unwrap();
        let url = i.dump.header.url.clone().unwrap();
        input(&i.path.display().to_string(), &text.replacen(&url, "", 1))
    };
    let mut inputs: Vec<Input> = a.iter().map(strip).collect();
    inputs.extend(b.iter().map(strip));
    assert!(inputs
        .iter()
        .all(|i| i.dump.header.url.as_deref().is_none_or(str::is_empty)));
    let chains = build_chains(&inputs);
    assert_eq!(
        chains.len(),
        2,
        "{:?}",
        chains.iter().map(|c| c.steps.len()).collect::<Vec<_>>()
    );
    let big = chains
        .iter()
        .find(|c| c.steps.len() == 3)
        .expect("a's three dumps together");
    assert_exact(big, &a.iter().map(|(_, t)| t).collect::<Vec<_>>());
}

#[test]
fn a_missing_pair_is_a_gap() {
    let a = series(6, 6, URL_A);
    // Drop v2-v3 and the last dump v4-v5.
    let kept: Vec<&Input> = a
        .iter()
        .map(|(i, _)| i)
        .filter(|i| !matches!(i.dump.header.versions, [2, 3] | [4, 5]))
        .collect();
    let chain = chain_of(&kept);
    assert_eq!(
        chain.gaps,
        vec![
            Gap {
                after: Some(2),
                before: Some(3),
                missing: vec![],
                bridged: false,
            },
            Gap {
                after: Some(4),
                before: None,
                missing: vec![5],
                bridged: false,
            },
        ]
    );
    assert!(chain.conflicts.is_empty());
    // Dropping v1-v2 too leaves versions 1..3 with nothing between v1 and v3.
    let kept: Vec<&Input> = a
        .iter()
        .map(|(i, _)| i)
        .filter(|i| matches!(i.dump.header.versions, [0, 1] | [3, 4]))
        .collect();
    let chain = chain_of(&kept);
    assert_eq!(chain.gaps[0].missing, vec![2]);
    assert_eq!(
        (chain.gaps[0].after, chain.gaps[0].before),
        (Some(1), Some(3))
    );
}

#[test]
fn two_texts_for_one_version_conflict() {
    let a = series(7, 3, URL_A);
    let other = series(8, 3, URL_A);
    // a's v0-v1 and another history's v1-v2 under the same URL: version 1 differs.
    let x = &a[0].0;
    let y = &other[1].0;
    let chain = chain_of(&[x, y]);
    assert_eq!(chain.conflicts.len(), 1, "{:?}", chain.conflicts);
    let c = &chain.conflicts[0];
    assert_eq!(c.version, 1);
    let paths: Vec<&Path> = c.files.iter().map(|l| l.path.as_path()).collect();
    assert!(paths.contains(&x.path.as_path()) && paths.contains(&y.path.as_path()));
    assert!(c.files.iter().all(|l| l.line.is_some()));
}

#[test]
fn a_consistent_duplicate_is_no_conflict() {
    let a = series(9, 3, URL_A);
    let copy = input(
        "copy-of-v1-v2.txt",
        std::str::from_utf8(&a[1].0.bytes).unwrap(),
    );
    let chain = chain_of(&[&a[0].0, &a[1].0, &copy]);
    assert!(chain.conflicts.is_empty(), "{:?}", chain.conflicts);
    assert_eq!(chain.versions.len(), 3);
    assert_eq!(chain.versions[1].sources.len(), 3);
}

#[test]
fn earlier_page_and_pair_that_is_not_consecutive() {
    let arts = generate::history(10, 5, 12);
    let page = |l: usize, r: usize, caption: &str| {
        let (page, truth) =
            generate::pair_page(&arts[l], &arts[r], [l as u32, r as u32], URL_A, caption);
        (
            input(&format!("p-v{l}-v{r}.txt"), &render(&page, true)),
            truth,
        )
    };
    let (d01, t01) = page(0, 1, "(about 1 hour later)");
    let (d21, t21) = page(2, 1, "(about 2 hours earlier)");
    let (d24, t24) = page(2, 4, "(1 day later)");
    let chain = chain_of(&[&d24, &d01, &d21]);
    assert_eq!(
        chain.versions.iter().map(|v| v.number).collect::<Vec<_>>(),
        vec![0, 1, 2, 4]
    );
    assert_exact(&chain, &[&t01, &t21, &t24]);
    assert_eq!(
        chain.gaps,
        vec![Gap {
            after: Some(2),
            before: Some(4),
            missing: vec![3],
            bridged: true,
        }]
    );
    assert_eq!(
        chain.versions[1].caption.as_deref(),
        Some("(about 1 hour later)")
    );
    assert!(chain.conflicts.is_empty());
}

#[test]
fn paragraph_history_follows_changed_rows() {
    let a = series(11, 6, URL_A);
    let refs: Vec<&Input> = a.iter().map(|(i, _)| i).collect();
    let chain = chain_of(&refs);
    assert_exact(&chain, &a.iter().map(|(_, t)| t).collect::<Vec<_>>());
    let mut followed = 0;
    for (s, step) in chain.steps.iter().enumerate() {
        let [l, r] = step.dump.header.versions;
        for (ri, row) in step.dump.rows.iter().enumerate() {
            let h = chain.paragraph_history(s, ri);
            assert_eq!(h.len(), chain.versions.len());
            assert!(h.windows(2).all(|w| w[0].number < w[1].number));
            let at = |n: u32| {
                h.iter()
                    .find(|e| e.number == n)
                    .and_then(|e| e.text.clone())
            };
            let half = |side: Side| {
                row.half(side)
                    .map(|sp| crate::text::fold_whitespace(step.dump.slice(sp)))
            };
            if let Some(new) = half(Side::New) {
                assert_eq!(at(r), Some(new));
            }
            if row.half(Side::New).is_some() || row.kind == crate::dump::RowKind::Removed {
                assert_eq!(at(l), half(Side::Old));
            }
            let (changed, total) = chain.changed_in(s, ri);
            assert_eq!(total, chain.versions.len());
            if row.kind == crate::dump::RowKind::Changed && half(Side::Old) != half(Side::New) {
                assert!(changed >= 1);
                followed += 1;
            }
            if row.kind == crate::dump::RowKind::Unchanged && h.iter().all(|e| e.text.is_some()) {
                assert!(h.windows(2).filter(|w| w[0].text != w[1].text).count() == changed);
            }
        }
    }
    assert!(followed > 0);
    // Paragraph order: every paragraph once.
    let order = chain.paragraphs();
    let mut sorted = order.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), order.len());
}

#[test]
fn joint_decoding_settles_what_one_dump_cannot() {
    // Across many generated series, every version is exact after joint decoding and
    // no row the neighbours settle stays ambiguous.
    let (mut exact, mut total, mut settled) = (0, 0, 0);
    for seed in 100..200u64 {
        let a = series(seed, 5, URL_A);
        let refs: Vec<&Input> = a.iter().map(|(i, _)| i).collect();
        let chain = chain_of(&refs);
        assert!(
            chain.conflicts.is_empty(),
            "seed {seed}: {:?}",
            chain.conflicts
        );
        for (_, t) in &a {
            for side in 0..2 {
                total += 1;
                let v = &chain.versions[chain.version_index(t.versions[side]).unwrap()];
                exact += (v.paragraphs == t.paragraphs[side]) as usize;
            }
        }
        for step in &chain.steps {
            settled += step.settled.len();
            for (r, row) in step.dump.rows.iter().enumerate() {
                assert!(
                    !(row.ambiguity.is_some() && step.determined[r]),
                    "seed {seed}: {}:{} {:?} {:?} overridden {:?} settled {:?} followed {:?}",
                    step.path.display(),
                    row.line + 1,
                    row.reading,
                    row.ambiguity,
                    step.overridden,
                    step.settled,
                    step.followed
                );
            }
        }
    }
    println!("generated: {exact}/{total} columns exact, {settled} rows settled");
    assert_eq!(exact, total);
}

#[test]
fn library_follows_file_changes() {
    let dir = std::env::temp_dir().join(format!("palimpsest-history-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("a")).unwrap();
    let a = generate::series(12, 4, 10, URL_A);
    let b = generate::series(13, 3, 10, URL_B);
    for (name, text, _) in &a[..2] {
        std::fs::write(dir.join("a").join(name), text).unwrap();
    }
    std::fs::write(dir.join(&b[0].0), &b[0].1).unwrap();
    std::fs::write(dir.join("notes.txt"), "not a dump").unwrap();
    let mut lib = Library::open(std::slice::from_ref(&dir));
    assert_eq!(lib.len(), 2);
    assert_eq!(lib.dumps(), 3);
    assert_eq!(lib.errors().count(), 1);
    let p2 = dir.join("a").join(&a[2].0);
    std::fs::write(&p2, &a[2].1).unwrap();
    let changed = lib.update(&p2);
    assert_eq!(changed.len(), 2, "the old chain goes, the longer one comes");
    let (chain, step) = lib.chain_of(&p2).unwrap();
    assert_eq!((chain.steps.len(), step), (3, 2));
    assert_eq!(chain.versions.len(), 4);
    // Unchanged file: nothing to do.
    assert!(lib.update(&p2).is_empty());
    std::fs::remove_file(&p2).unwrap();
    lib.update(&p2);
    assert!(lib.chain_of(&p2).is_none());
    assert_eq!(
        lib.chain_of(&dir.join("a").join(&a[0].0))
            .unwrap()
            .0
            .steps
            .len(),
        2
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_truncated_dump_agrees_with_its_complete_neighbour() {
    let a = series(14, 4, URL_A);
    let text = std::str::from_utf8(&a[1].0.bytes).unwrap();
    // Cut inside a long body row, after its tenth word.
    let lines: Vec<&str> = text.split('\n').collect();
    let (li, line) = lines
        .iter()
        .enumerate()
        .skip(11)
        .find(|(_, l)| l.split(' ').count() > 16)
        .expect("a long row");
    let start: usize = lines[..li].iter().map(|l| l.len() + 1).sum();
    let words: usize = line.split(' ').take(10).map(|w| w.len() + 1).sum::<usize>() - 1;
    let cut = text[..start + words].trim_end_matches(|c: char| !c.is_alphanumeric());
    let cut_input = input("cut-v1-v2.txt", cut);
    assert!(cut_input.dump.truncated, "the reader sees the cut");
    let chain = chain_of(&[&a[0].0, &cut_input, &a[2].0]);
    assert!(chain.conflicts.is_empty(), "{:?}", chain.conflicts);
    assert_exact(&chain, &[&a[0].1, &a[2].1]);
    // Version 2's text comes from the complete dump v2-v3.
    let v2 = &chain.versions[chain.version_index(2).unwrap()];
    assert!(v2.complete);
}
