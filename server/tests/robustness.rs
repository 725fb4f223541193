//! The reader and the analysis on hostile input: they must never panic, and what they
//! return must satisfy `generate::check_invariants` (spans inside the text on char
//! boundaries, rows sorted by line, every row's halves inside its span, ...).
//!
//! The same checks run in the cargo-fuzz target `fuzz/fuzz_targets/read.rs`; this file
//! runs them on stable Rust, in CI: arbitrary bytes, dump-shaped random text, and corpus
//! dumps mutated the way real files are damaged (truncation, CRLF, BOM, blank lines, HTML
//! fragments, invalid UTF-8, a multi-megabyte line).

use palimpsest::dump::Choices;
use palimpsest::generate::{self, check_invariants};
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
    let r = std::panic::catch_unwind(|| palimpsest::analyze(bytes, &Choices::default()));
    match r {
        Err(_) => Err(TestCaseError::fail(format!(
            "panicked on {} bytes: {:?}",
            bytes.len(),
            String::from_utf8_lossy(&bytes[..bytes.len().min(2000)])
        ))),
        Ok(Err(_not_a_dump)) => Ok(()),
        Ok(Ok(a)) => check_invariants(&a).map_err(|e| {
            TestCaseError::fail(format!(
                "{e}\ninput ({} bytes): {:?}",
                bytes.len(),
                String::from_utf8_lossy(&bytes[..bytes.len().min(2000)])
            ))
        }),
    }
}

fn corpus_files() -> &'static Vec<Vec<u8>> {
    static FILES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    FILES.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
        let mut paths: Vec<PathBuf> = Vec::new();
        for dir in ["dev", "seed", "examples"] {
            if let Ok(rd) = std::fs::read_dir(root.join(dir)) {
                paths.extend(rd.filter_map(|e| e.ok().map(|e| e.path())));
            }
        }
        if let Ok(rd) = std::fs::read_dir(root.join("dev/series")) {
            for d in rd.filter_map(|e| e.ok().map(|e| e.path())) {
                if let Ok(rd) = std::fs::read_dir(d) {
                    paths.extend(rd.filter_map(|e| e.ok().map(|e| e.path())));
                }
            }
        }
        paths.retain(|p| p.extension().is_some_and(|x| x == "txt"));
        paths.sort();
        let mut files: Vec<Vec<u8>> = paths.iter().filter_map(|p| std::fs::read(p).ok()).collect();
        // Generated dumps too, so the property runs even without the corpus.
        for seed in 0..8 {
            for (_, text, _) in generate::series(seed, 3, 6, "https://www.bbc.co.uk/news/world-1") {
                files.push(text.into_bytes());
            }
        }
        files
    })
}

/// One way real files get damaged.
#[derive(Clone, Debug)]
enum Mutation {
    Truncate(usize),
    Crlf,
    Bom,
    BlankLine(usize),
    Html(usize, usize),
    InvalidUtf8(usize, u8),
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapBytes(usize),
    TrailingSpace(usize),
    InsertText(usize, String),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Truncate),
        Just(Mutation::Crlf),
        Just(Mutation::Bom),
        any::<usize>().prop_map(Mutation::BlankLine),
        (any::<usize>(), 0usize..HTML.len()).prop_map(|(a, b)| Mutation::Html(a, b)),
        (
            any::<usize>(),
            prop_oneof![Just(0x80u8), Just(0xC3), Just(0xE2), Just(0xFF), Just(0xF0)]
        )
            .prop_map(|(a, b)| Mutation::InvalidUtf8(a, b)),
        any::<usize>().prop_map(Mutation::DeleteLine),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        any::<usize>().prop_map(Mutation::SwapBytes),
        any::<usize>().prop_map(Mutation::TrailingSpace),
        (any::<usize>(), "[ a-zA-Z|()—“”.\u{4e00}-\u{4e10}\n]{0,40}")
            .prop_map(|(a, s)| Mutation::InsertText(a, s)),
    ]
}

const HTML: &[&str] = &[
    "<a class=\"\" href=\"https://www.bbc.co.uk/news\">",
    "</a>",
    "<p>",
    "class=\"\" href=/news/world-123",
    "&nbsp;&amp;",
    "<script>alert(1)</script>",
];

/// Byte offsets of line starts.
fn line_starts(b: &[u8]) -> Vec<usize> {
    std::iter::once(0)
        .chain(
            b.iter()
                .enumerate()
                .filter(|(_, c)| **c == b'\n')
                .map(|(i, _)| i + 1),
        )
        .collect()
}

fn apply(mut b: Vec<u8>, m: &Mutation) -> Vec<u8> {
    let len = b.len().max(1);
    let lines = line_starts(&b);
    match m {
        Mutation::Truncate(at) => b.truncate(at % len),
        Mutation::Crlf => {
            let mut out = Vec::with_capacity(b.len() + lines.len());
            for c in b {
                if c == b'\n' {
                    out.push(b'\r');
                }
                out.push(c);
            }
            b = out;
        }
        Mutation::Bom => {
            b.splice(0..0, [0xEF, 0xBB, 0xBF]);
        }
        Mutation::BlankLine(i) => {
            let at = lines[i % lines.len()];
            b.splice(at..at, *b"\n");
        }
        Mutation::Html(at, which) => {
            let at = at % len;
            b.splice(at.min(b.len())..at.min(b.len()), HTML[*which].bytes());
        }
        Mutation::InvalidUtf8(at, byte) => {
            let at = (at % len).min(b.len());
            b.insert(at, *byte);
        }
        Mutation::DeleteLine(i) => {
            let k = i % lines.len();
            let end = lines.get(k + 1).copied().unwrap_or(b.len());
            b.drain(lines[k]..end);
        }
        Mutation::DuplicateLine(i) => {
            let k = i % lines.len();
            let end = lines.get(k + 1).copied().unwrap_or(b.len());
            let line: Vec<u8> = b[lines[k]..end].to_vec();
            b.splice(lines[k]..lines[k], line);
        }
        Mutation::SwapBytes(at) => {
            if b.len() > 1 {
                let at = at % (b.len() - 1);
                b.swap(at, at + 1);
            }
        }
        Mutation::TrailingSpace(i) => {
            let k = (i % lines.len()) + 1;
            let at = lines.get(k).map_or(b.len(), |&s| s - 1);
            b.insert(at, b' ');
        }
        Mutation::InsertText(at, s) => {
            let at = (at % len).min(b.len());
            b.splice(at..at, s.bytes());
        }
    }
    b
}

/// Text that starts like a dump and continues with random lines, so that the body
/// stages (split, decide, build, word diffs) see random rows, not only the header check.
fn dumpish() -> impl Strategy<Value = Vec<u8>> {
    let header = prop_oneof![
        Just("This article is from the source 'bbc' and was first published or seen on . It will not be checked again for changes.\n\nYou can find the current article at its original source at https://www.bbc.co.uk/news/x\n\nThe article has changed 3 times. There is an RSS feed of changes available.\n\nVersion 1 Version 2\n".to_owned()),
        Just("This article is from the source 'bbc' and was first published or seen on . It will not be checked again for changes.\nYou can find the current article at its original source at https://www.bbc.co.uk/news/x\nThe article has changed 3 times. There is an RSS feed of changes available.\nVersion 1 | Version 2 |\n---|---|\n".to_owned()),
    ];
    let line = prop_oneof![
        "[A-Za-z .,“”’—|()0-9]{0,80}",
        "(The|A|It) [a-z ]{1,30}\\. (The|A|It) [a-z ]{1,30}\\.",
        "\\((about )?[0-9]{1,2} (minutes|hours|days) (later|earlier)\\)",
        "[\u{0}-\u{7f}\u{e9}\u{2014}\u{201c}\u{1f600}]{0,30}",
    ];
    (header, prop::collection::vec(line, 0..12), any::<bool>()).prop_map(|(h, lines, nl)| {
        let mut s = h;
        s.push_str(&lines.join("\n"));
        if nl {
            s.push('\n');
        }
        s.into_bytes()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..3000)) {
        check(&bytes)?;
    }

    #[test]
    fn arbitrary_dumpish_text(bytes in dumpish()) {
        check(&bytes)?;
    }

    #[test]
    fn mutated_corpus_dumps(which in any::<usize>(), ms in prop::collection::vec(mutation(), 1..5)) {
        let files = corpus_files();
        let mut b = files[which % files.len()].clone();
        for m in &ms {
            b = apply(b, m);
        }
        check(&b)?;
    }
}

#[test]
fn every_truncation_of_a_dump() {
    let text = generate::series(3, 2, 4, "https://www.bbc.co.uk/news/world-1")
        .remove(0)
        .1;
    let b = text.as_bytes();
    for at in 0..=b.len() {
        if let Err(e) = check(&b[..at]) {
            panic!("truncated at {at}: {e}");
        }
    }
}

/// Runs `check` in a thread and fails if it takes longer than `limit` (the thread is
/// left behind; the test process ends with the test run).
fn check_within(bytes: Vec<u8>, limit: std::time::Duration, what: &str) {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let t = std::time::Instant::now();
        let r = check(&bytes).map_err(|e| e.to_string());
        let _ = tx.send((r, t.elapsed()));
    });
    match rx.recv_timeout(limit) {
        Ok((Ok(()), took)) => println!("{what}: analysed in {took:?}"),
        Ok((Err(e), _)) => panic!("{what}: {e}"),
        Err(_) => panic!("{what}: analysis did not finish within {limit:?}"),
    }
}

/// The body of the first corpus dump with `line` inserted as its second body row.
fn with_line(line: &str) -> Vec<u8> {
    let base = corpus_files()[0].clone();
    let lines = line_starts(&base);
    let at = lines[lines.len().min(11) - 1];
    let mut b = base;
    b.splice(at..at, format!("{line}\n").bytes());
    b
}

// Release builds should stay well under this (the goal is under a second for 10 MB);
// unoptimised builds get a generous allowance.
const LIMIT: std::time::Duration = if cfg!(debug_assertions) {
    std::time::Duration::from_secs(120)
} else {
    std::time::Duration::from_secs(10)
};

#[test]
fn multi_megabyte_line_of_repeated_sentences() {
    // A 3 MB row: one sentence repeated (pasted text, a scraper loop).
    let sentence = "The spending bill — backed by both parties — was approved on Friday. ";
    let half = sentence.repeat(3_000_000 / sentence.len() / 2);
    check_within(
        with_line(&format!("{half}{half}")),
        LIMIT,
        "3 MB row of one repeated sentence",
    );
}

#[test]
fn multi_megabyte_line_of_distinct_text() {
    // A 2 MB row of generated news text, read as `OLD NEW`.
    let h = generate::history(99, 2, 2000);
    let (a, b) = (h[0].paragraphs.join(" "), h[1].paragraphs.join(" "));
    check_within(
        with_line(&format!("{a} {b}")),
        LIMIT,
        "2 MB row of distinct sentences",
    );
}

#[test]
fn multi_megabyte_line_without_spaces() {
    check_within(
        with_line(&"x".repeat(2_000_000)),
        LIMIT,
        "2 MB row with no spaces",
    );
}
