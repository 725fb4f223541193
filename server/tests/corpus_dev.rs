//! Accuracy of the single-dump reader on the real example and the dev corpus, computed
//! from the ground truth. Set PALIMPSEST_VERBOSE=1 to list every wrong or flagged row.

use palimpsest::dump::{self, Dump, Side};
use palimpsest::text::fold_whitespace;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus")
}

#[derive(Default, Debug)]
struct Score {
    dumps: usize,
    exact: usize,
    rows: usize,
    flagged: usize,
    wrong: usize,
    silent: usize,
}

impl std::ops::AddAssign for Score {
    fn add_assign(&mut self, o: Score) {
        self.dumps += o.dumps;
        self.exact += o.exact;
        self.rows += o.rows;
        self.flagged += o.flagged;
        self.wrong += o.wrong;
        self.silent += o.silent;
    }
}

/// Compares one dump with its truth; returns (exact, rows, flagged, wrong, silent).
fn compare(
    name: &str,
    dump: &Dump,
    truth: &Value,
    verbose: bool,
) -> (bool, usize, usize, usize, usize) {
    let rows = truth["rows"].as_array().expect("rows");
    let (mut flagged, mut wrong, mut silent) = (0, 0, 0);
    for t in rows {
        let line = t["line"].as_u64().unwrap() as usize - 1;
        let got = dump.row_at_line(line).map(|i| &dump.rows[i]);
        let half = |side: Side| {
            got.and_then(|r| r.half(side))
                .map(|s| fold_whitespace(dump.slice(s)))
        };
        let ok = got.is_some_and(|r| r.kind.as_str() == t["kind"].as_str().unwrap())
            && half(Side::Old).as_deref() == t["old"].as_str()
            && half(Side::New).as_deref() == t["new"].as_str();
        let is_flagged = got.is_none_or(|r| r.ambiguity.is_some());
        flagged += is_flagged as usize;
        if !ok {
            wrong += 1;
            if !is_flagged {
                silent += 1;
            }
        }
        if verbose && (!ok || is_flagged) {
            println!(
                "{name}:{}: {} truth={} got={:?} conf={:.2} {}",
                line + 1,
                if ok {
                    "flagged-ok"
                } else if is_flagged {
                    "WRONG(flagged)"
                } else {
                    "SILENT"
                },
                t["kind"].as_str().unwrap(),
                got.map(|r| r.kind),
                got.map(|r| r.confidence).unwrap_or(0.0),
                got.and_then(|r| r.ambiguity.as_ref())
                    .map(|a| &*a.reason)
                    .unwrap_or("")
            );
        }
    }
    let versions = truth["versions"].as_array().unwrap();
    let mut exact = wrong == 0;
    for (side, v) in [Side::Old, Side::New].into_iter().zip(versions) {
        let got = dump.version(side);
        let paragraphs: Vec<&str> = got.paragraphs.iter().map(|p| &*p.text).collect();
        let want: Vec<&str> = v["paragraphs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        let same = paragraphs == want
            && got.title == v["title"].as_str().unwrap()
            && got.number as u64 == v["number"].as_u64().unwrap()
            && got.caption.as_deref() == v["caption"].as_str();
        if !same && verbose {
            // Which part: the first paragraph that differs, or else the head.
            let what = match (0..paragraphs.len().max(want.len()))
                .find(|&k| paragraphs.get(k) != want.get(k))
            {
                Some(k) => format!(
                    "paragraph {k}: {:?} vs {:?}",
                    paragraphs.get(k),
                    want.get(k)
                ),
                None => format!(
                    "title, number or caption: {:?} {} {:?} vs {} {} {}",
                    got.title, got.number, got.caption, v["title"], v["number"], v["caption"]
                ),
            };
            println!("{name}: version {} differs at {what}", got.number);
        }
        exact &= same;
    }
    for (field, got) in [
        ("source", dump.header.source.clone()),
        ("url", dump.header.url.clone()),
        ("check", dump.header.check.clone()),
        ("first_seen", dump.header.first_seen.clone()),
    ] {
        if truth[field].as_str().map(str::to_owned) != got {
            exact = false;
            if verbose {
                println!(
                    "{name}: header {field} differs: {got:?} vs {:?}",
                    truth[field]
                );
            }
        }
    }
    if truth["changes"].as_u64() != dump.header.changes.map(u64::from) {
        exact = false;
    }
    (exact, rows.len(), flagged, wrong, silent)
}

fn score_dir(dir: &Path, verbose: bool) -> Score {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    let mut s = Score::default();
    for f in files {
        let truth: Value =
            serde_json::from_slice(&std::fs::read(f.with_extension("truth.json")).unwrap())
                .unwrap();
        let dump = dump::read_plain(&std::fs::read(&f).unwrap()).unwrap();
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let (exact, rows, flagged, wrong, silent) = compare(&name, &dump, &truth, verbose);
        s += Score {
            dumps: 1,
            exact: exact as usize,
            rows,
            flagged,
            wrong,
            silent,
        };
    }
    s
}

#[test]
fn real_example_reads_exactly_with_nothing_flagged() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let s = score_dir(&dir, true);
    assert_eq!(s.dumps, 1);
    assert_eq!(
        s.exact, 1,
        "the real example must reconstruct exactly: {s:?}"
    );
    assert_eq!(s.wrong, 0);
    assert_eq!(
        s.flagged, 0,
        "nothing in the real example should be flagged: {s:?}"
    );
}

#[test]
fn dev_corpus_figures() {
    let verbose = std::env::var_os("PALIMPSEST_VERBOSE").is_some();
    let s = score_dir(&corpus().join("dev"), verbose);
    let exact = s.exact as f64 / s.dumps as f64;
    let flagged = s.flagged as f64 / s.rows as f64;
    println!(
        "dev corpus: {} dumps, {:.1}% exact; {} rows, {:.1}% flagged, {} wrong, {} silent errors",
        s.dumps,
        100.0 * exact,
        s.rows,
        100.0 * flagged,
        s.wrong,
        s.silent
    );
    assert!(s.dumps >= 50, "dev corpus not found or too small: {s:?}");
    // The targets are 70% exact, at most 10% flagged and no silent error;
    // the reader is not there yet (see the README). These bounds are today's measured
    // figures, so that any regression fails.
    assert!(exact >= 0.683, "exact rate fell below today's 68.3%: {s:?}");
    assert!(
        flagged <= 0.1037,
        "flagged rate rose above today's 10.4%: {s:?}"
    );
    assert!(
        s.silent <= 2,
        "silent errors rose above today's 2 rows: {s:?}"
    );
}

/// The dev series' pages, each read alone as a single dump: 15 more pages for the
/// single-file figures (the history reader settles them across files). A few of the
/// priors were measured on them too, none tuned on their figures. The bounds are
/// today's figures.
#[test]
fn series_pages_read_alone() {
    let verbose = std::env::var_os("PALIMPSEST_VERBOSE").is_some();
    let mut articles: Vec<PathBuf> = std::fs::read_dir(corpus().join("dev/series"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    articles.sort();
    let mut t = Score::default();
    for a in articles {
        t += score_dir(&a, verbose);
    }
    println!(
        "dev series pages read alone: {} pages, {} exact; {} rows, {} flagged, {} wrong, {} silent errors",
        t.dumps, t.exact, t.rows, t.flagged, t.wrong, t.silent
    );
    assert!(t.dumps >= 15, "dev series not found: {t:?}");
    assert!(t.exact >= 10, "fewer pages exact than today's 10: {t:?}");
    // 43 since the credit for a half that is a moved copy (44 since the joint
    // confidences of settled clusters).
    assert!(t.flagged <= 43, "more rows flagged than today's 43: {t:?}");
    assert_eq!(t.silent, 0, "a row read wrongly without a flag: {t:?}");
}
