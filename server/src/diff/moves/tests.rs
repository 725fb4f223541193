//! Tests of [`find_moves`] and [`MoveIndex`]: the fast [`find_moves`] against the
//! original implementation, and every update against [`find_moves`] on the edited dump.

use super::*;
use crate::dump::{read_plain, Format, Header, Row, Version};
use crate::generate;
use crate::text::{sentence_spans, shingles, FastSet};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

/// The original `find_moves`, kept verbatim as the reference the fast one must equal.
fn reference_moves(dump: &Dump) -> Vec<Move> {
    struct Sentence {
        row: usize,
        span: Span,
        words: Vec<u64>,
    }
    fn sentences_of(dump: &Dump, side: Side) -> Vec<Sentence> {
        let mut out = Vec::new();
        for (i, row) in dump.rows.iter().enumerate() {
            if matches!(row.kind, RowKind::Unchanged | RowKind::Unreadable) {
                continue;
            }
            let Some(half) = row.half(side) else { continue };
            let text = dump.slice(half);
            for s in sentence_spans(text) {
                let st = &text[s.clone()];
                let words: Vec<u64> = word_spans(st)
                    .into_iter()
                    .map(|w| word_key(&st[w]))
                    .collect();
                if words.len() >= MIN_WORDS {
                    out.push(Sentence {
                        row: i,
                        span: half.start + s.start..half.start + s.end,
                        words,
                    });
                }
            }
        }
        out
    }
    fn dice(a: &[u64], b: &[u64]) -> f32 {
        let mut counts: FastMap<u64, i32> = FastMap::default();
        for w in a {
            *counts.entry(*w).or_default() += 1;
        }
        let mut common = 0;
        for w in b {
            if let Some(c) = counts.get_mut(w) {
                if *c > 0 {
                    *c -= 1;
                    common += 1;
                }
            }
        }
        2.0 * common as f32 / (a.len() + b.len()) as f32
    }
    let old = sentences_of(dump, Side::Old);
    let new = sentences_of(dump, Side::New);
    if old.is_empty() || new.is_empty() {
        return Vec::new();
    }
    let mut index: FastMap<u64, Vec<usize>> = FastMap::default();
    for (j, s) in new.iter().enumerate() {
        let text = dump.slice(&s.span);
        for h in shingles(text, SHINGLE) {
            index.entry(h).or_default().push(j);
        }
    }
    let mut used: FastSet<usize> = FastSet::default();
    let mut moves = Vec::new();
    for s in &old {
        let text = dump.slice(&s.span);
        let mut candidates: Vec<usize> = shingles(text, SHINGLE)
            .into_iter()
            .filter_map(|h| index.get(&h))
            .filter(|js| js.len() <= COMMON_SHINGLE)
            .flatten()
            .copied()
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        let best = candidates
            .into_iter()
            .filter(|j| !used.contains(j))
            .map(|j| (j, dice(&s.words, &new[j].words)))
            .filter(|&(_, d)| d >= SAME_SENTENCE)
            .max_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((j, _)) = best {
            used.insert(j);
            if new[j].row != s.row {
                moves.push(Move {
                    from_row: s.row,
                    from: s.span.clone(),
                    to_row: new[j].row,
                    to: new[j].span.clone(),
                });
            }
        }
    }
    moves
}

/// A dump made of the given rows, one per line (`OLD NEW` for changed rows), with no
/// reader involved: full control over kinds and halves.
fn dump_of(rows: &[(RowKind, Option<&str>, Option<&str>)]) -> Dump {
    let mut text = String::new();
    let mut out = Vec::new();
    for (line, (kind, old, new)) in rows.iter().enumerate() {
        let start = text.len();
        let half = |s: Option<&str>, text: &mut String| {
            s.map(|s| {
                if text.len() > start {
                    text.push(' ');
                }
                let a = text.len();
                text.push_str(s);
                a..text.len()
            })
        };
        let o = half(*old, &mut text);
        let n = half(*new, &mut text);
        out.push(Row {
            line,
            span: start..text.len(),
            kind: *kind,
            reading: None,
            old: o,
            new: n,
            confidence: 1.0,
            ambiguity: None,
            chosen: false,
        });
        text.push('\n');
    }
    let version = |number| Version {
        number,
        title: String::new(),
        caption: None,
        paragraphs: Vec::new(),
        complete: true,
    };
    Dump {
        line_starts: Vec::new(),
        lone_crs: 0,
        text,
        format: Format::NewssnifferDiff,
        lossy: false,
        truncated: false,
        header: Header::default(),
        title: None,
        time: None,
        rows: out,
        findings: Vec::new(),
        versions: [version(0), version(1)],
    }
}

/// Updates `idx` from `before` to `after` and checks the result, and the whole matching
/// state, against a computation from scratch.
fn check_update(idx: &mut MoveIndex, after: &Dump, reused: &[Option<usize>]) {
    let got = idx.update(after, reused);
    let want = find_moves(after);
    assert_eq!(
        got,
        want,
        "update differs from find_moves ({:?})",
        idx.stats()
    );
    let fresh = MoveIndex::build(after).0;
    assert_eq!(idx.matches(), fresh.matches(), "matching state differs");
}

fn corpus_dev() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/dev");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    paths.retain(|p| p.extension().is_some_and(|x| x == "txt"));
    paths.sort();
    paths
}

fn generated(seed: u64, bytes: usize) -> Dump {
    read_plain(generate::dump_of_size(seed, bytes).0.as_bytes()).expect("generated dump reads")
}

#[test]
fn fast_find_moves_equals_the_original() {
    let mut total = 0;
    for seed in 0..6 {
        let d = generated(seed, 20_000 + 15_000 * seed as usize);
        let m = find_moves(&d);
        assert_eq!(m, reference_moves(&d), "seed {seed}");
        total += m.len();
    }
    for p in corpus_dev() {
        let d = read_plain(&std::fs::read(&p).unwrap()).unwrap();
        assert_eq!(find_moves(&d), reference_moves(&d), "{}", p.display());
    }
    assert!(total > 0, "the generated dumps should have moves");
}

#[test]
fn sentence_words_are_the_shingled_words() {
    let p = "Robert L. Satcher spoke to the crowd today. He said: “It worked, all of it.” Then Mr. Kim left the room in a hurry! 日本 はい";
    let sents = paragraph_sentences(p);
    let spans: Vec<_> = sentence_spans(p)
        .into_iter()
        .filter(|r| word_spans(&p[r.clone()]).len() >= MIN_WORDS)
        .collect();
    assert_eq!(sents.len(), spans.len());
    for (s, r) in sents.iter().zip(spans) {
        assert_eq!(s.start..s.end, r);
        assert_eq!(s.shingles(), shingles(&p[r.clone()], SHINGLE).as_slice());
        let mut keys: Vec<u64> = word_spans(&p[r.clone()])
            .into_iter()
            .map(|w| word_key(&p[r.start + w.start..r.start + w.end]))
            .collect();
        keys.sort_unstable();
        assert_eq!(s.sorted(), keys.as_slice());
    }
}

#[test]
fn a_sentence_moved_to_another_row_is_found() {
    let moved = "The minister said the plan would be reviewed next spring.";
    let d = dump_of(&[
        (
            RowKind::Changed,
            Some(&format!("Opening words of the story go here. {moved}")),
            Some("Opening words of the story go here."),
        ),
        (RowKind::Unchanged, Some("Stays."), Some("Stays.")),
        (RowKind::Added, None, Some(&format!("{moved} Other words."))),
    ]);
    let m = find_moves(&d);
    assert_eq!(m.len(), 1);
    assert_eq!((m[0].from_row, m[0].to_row), (0, 2));
    assert_eq!(d.slice(&m[0].from), moved);
    assert_eq!(d.slice(&m[0].to), moved);
    let (idx, built) = MoveIndex::build(&d);
    assert_eq!(built, m);
    assert_eq!(
        idx.matches().len(),
        2,
        "the opening sentence matches in place"
    );
}

/// Filler sentences share every shingle of the target's first seven words without being
/// similar to it; with eight holders the shingles are followed, with nine they are too
/// common and the move disappears.
#[test]
fn a_shingle_crossing_the_common_limit() {
    let x = "Alpha beta gamma delta epsilon zeta eta theta.";
    let target = "Alpha beta gamma delta epsilon zeta eta iota.";
    let filler =
        "Alpha beta gamma delta epsilon zeta eta and then many other unrelated words here.";
    let rows = |fillers: usize| {
        let mut v = vec![(RowKind::Removed, Some(x), None)];
        for _ in 0..fillers {
            v.push((RowKind::Added, None, Some(filler)));
        }
        v.push((RowKind::Added, None, Some(target)));
        v
    };
    let seven = dump_of(&rows(7));
    let eight = dump_of(&rows(8));
    assert_eq!(find_moves(&seven).len(), 1);
    assert!(find_moves(&eight).is_empty());
    let (mut idx, _) = MoveIndex::build(&seven);
    // Add a filler row: the shingles cross the limit.
    let mut reused: Vec<Option<usize>> = (0..9).map(Some).collect();
    reused.insert(1, None);
    check_update(&mut idx, &eight, &reused);
    assert!(!idx.stats().full);
    assert!(idx.matches().is_empty());
    // And back.
    let mut back: Vec<Option<usize>> = (2..10).map(Some).collect();
    back.insert(0, Some(0));
    check_update(&mut idx, &seven, &back);
    assert!(!idx.stats().full);
    assert_eq!(find_moves(&seven).len(), 1);
}

/// Older sentences that all prefer the same newer ones: deleting the first shifts every
/// later match by one (a cascade through the `used` set), and putting it back undoes it.
#[test]
fn a_cascade_through_taken_sentences() {
    let olds: Vec<String> = (0..6)
        .map(|i| format!("Officials in the capital counted {i} new cases of the illness today."))
        .collect();
    let news: Vec<String> = (0..6)
        .map(|i| {
            format!(
                "Officials in the capital counted {} new cases of the illness today.",
                i + 10
            )
        })
        .collect();
    let mut rows: Vec<(RowKind, Option<&str>, Option<&str>)> = Vec::new();
    for o in &olds {
        rows.push((RowKind::Removed, Some(o), None));
    }
    for n in &news {
        rows.push((RowKind::Added, None, Some(n)));
    }
    let full = dump_of(&rows);
    let m = find_moves(&full);
    assert_eq!(m.len(), 6);
    let (mut idx, _) = MoveIndex::build(&full);
    let without_first = dump_of(&rows[1..]);
    let reused: Vec<Option<usize>> = (1..12).map(Some).collect();
    check_update(&mut idx, &without_first, &reused);
    assert!(!idx.stats().full);
    let back: Vec<Option<usize>> = std::iter::once(None).chain((0..11).map(Some)).collect();
    check_update(&mut idx, &full, &back);
    assert!(!idx.stats().full);
    // Change the last newer sentence so it is taken by nobody, then the first older one
    // so it prefers another.
    let mut edited = rows.clone();
    edited[11] = (
        RowKind::Added,
        None,
        Some("Nothing in common with the rest at all, really."),
    );
    let e1 = dump_of(&edited);
    let mut r: Vec<Option<usize>> = (0..12).map(Some).collect();
    r[11] = None;
    check_update(&mut idx, &e1, &r);
    edited[0] = (
        RowKind::Removed,
        Some("Officials in the capital counted 13 new cases of the illness today."),
        None,
    );
    let e2 = dump_of(&edited);
    let mut r: Vec<Option<usize>> = (0..12).map(Some).collect();
    r[0] = None;
    check_update(&mut idx, &e2, &r);
    assert!(!idx.stats().full);
}

/// An older sentence that finds a better match frees the one it had for a later
/// sentence that is not similar to the better match (so only the freeing marks it).
#[test]
fn a_better_match_frees_the_old_one() {
    let c_old = "Alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu.";
    let o = "Alpha beta gamma delta epsilon zeta eta theta iota kappa north south.";
    let o2 = "Gamma delta epsilon zeta eta theta iota kappa lambda mu east west.";
    let mut rows = vec![
        (RowKind::Removed, Some(o), None),
        (RowKind::Removed, Some(o2), None),
        (RowKind::Added, None, Some(c_old)),
    ];
    let before = dump_of(&rows);
    assert_eq!(find_moves(&before).len(), 1);
    let (mut idx, _) = MoveIndex::build(&before);
    rows.push((RowKind::Added, None, Some(o)));
    let after = dump_of(&rows);
    check_update(&mut idx, &after, &[Some(0), Some(1), Some(2), None]);
    assert_eq!(find_moves(&after).len(), 2);
    assert!(!idx.stats().full);
}

/// The store keeps the index across threads.
#[test]
fn the_index_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<MoveIndex>();
}

#[test]
fn an_update_with_nothing_changed_decides_nothing() {
    let d = generated(7, 60_000);
    let (mut idx, m) = MoveIndex::build(&d);
    let same: Vec<Option<usize>> = (0..d.rows.len()).map(Some).collect();
    assert_eq!(idx.update(&d, &same), m);
    assert_eq!(
        idx.stats(),
        UpdateStats {
            full: false,
            rows_read: 0,
            decided: 0,
            carried: None,
        }
    );
}

#[test]
fn an_unusable_reused_rebuilds() {
    let d = generated(3, 30_000);
    let (mut idx, m) = MoveIndex::build(&d);
    let n = d.rows.len();
    // Wrong length, not increasing, out of range.
    for bad in [
        vec![Some(0); n.saturating_sub(1)],
        (0..n).map(|i| Some(n - 1 - i)).collect::<Vec<_>>(),
        (0..n).map(|i| Some(i + 1)).collect::<Vec<_>>(),
    ] {
        assert_eq!(idx.update(&d, &bad), m);
        assert!(idx.stats().full);
    }
    // In the middle of an edit, a reused row whose kind or half lengths differ is read
    // again: insert a row at 1, delete row 6, and claim row 3 (edited) is unchanged.
    let texts: Vec<String> = (0..10)
        .map(|i| format!("Officials in the capital counted {i} new cases of the illness today."))
        .collect();
    let rows: Vec<(RowKind, Option<&str>, Option<&str>)> = (0..10)
        .map(|i| match i % 3 {
            0 => (RowKind::Removed, Some(texts[i].as_str()), None),
            1 => (RowKind::Added, None, Some(texts[(i + 3) % 10].as_str())),
            _ => (
                RowKind::Changed,
                Some(texts[i].as_str()),
                Some(texts[i - 1].as_str()),
            ),
        })
        .collect();
    let d = dump_of(&rows);
    let (mut idx, _) = MoveIndex::build(&d);
    let mut edited = rows.clone();
    edited[3] = (
        RowKind::Removed,
        Some("Officials in the capital counted 3 new cases today."),
        None,
    );
    edited.remove(6);
    edited.insert(1, (RowKind::Added, None, Some(texts[6].as_str())));
    let e = dump_of(&edited);
    let lying = [0, 99, 1, 2, 3, 4, 5, 7, 8, 9].map(|j| (j != 99).then_some(j));
    check_update(&mut idx, &e, &lying);
    assert!(!idx.stats().full);
    assert_eq!(idx.stats().rows_read, 2);
}

/// Every dev corpus dump: build, update with the same dump, then with one row edited.
#[test]
fn corpus_dev_dumps_update_exactly() {
    let paths = corpus_dev();
    for p in &paths {
        let bytes = std::fs::read(p).unwrap();
        let d = read_plain(&bytes).unwrap();
        let (mut idx, m) = MoveIndex::build(&d);
        assert_eq!(m, find_moves(&d), "{}", p.display());
        let same: Vec<Option<usize>> = (0..d.rows.len()).map(Some).collect();
        assert_eq!(idx.update(&d, &same), m, "{}", p.display());
        assert_eq!(idx.stats().decided, 0);
        // Edit the changed row with the most text: drop its middle word.
        let Some(row) = (0..d.rows.len())
            .filter(|&i| d.rows[i].kind != RowKind::Unchanged)
            .max_by_key(|&i| d.rows[i].span.len())
        else {
            continue;
        };
        let text = std::str::from_utf8(&bytes).unwrap_or_default();
        if text.is_empty() {
            continue;
        }
        let span = d.rows[row].span.clone();
        let words = word_spans(&text[span.clone()]);
        let w = &words[words.len() / 2];
        let edited = format!(
            "{}{}",
            &text[..span.start + w.start],
            &text[span.start + w.end..]
        );
        let e = read_plain(edited.as_bytes()).unwrap();
        let reused = reused_rows(&d, &e);
        check_update(&mut idx, &e, &reused);
        // And back again.
        let reused = reused_rows(&e, &d);
        check_update(&mut idx, &d, &reused);
    }
}

// ---------------------------------------------------------------------------------
// Random edits of generated dumps

/// An edit of a dump's text, on its row lines.
#[derive(Clone, Debug)]
enum Edit {
    /// Replace row `a`'s line with row `b`'s.
    Replace(usize, usize),
    Duplicate(usize),
    Delete(usize),
    /// Replace, delete or duplicate words of a row.
    Words(usize, u64),
    /// Move a sentence of row `a` into row `b`.
    MoveSentence(usize, usize, u64),
}

fn edit_strategy() -> impl Strategy<Value = Edit> {
    let i = 0..10_000usize;
    prop_oneof![
        (i.clone(), i.clone()).prop_map(|(a, b)| Edit::Replace(a, b)),
        i.clone().prop_map(Edit::Duplicate),
        i.clone().prop_map(Edit::Delete),
        (i.clone(), any::<u64>()).prop_map(|(a, s)| Edit::Words(a, s)),
        (i.clone(), i, any::<u64>()).prop_map(|(a, b, s)| Edit::MoveSentence(a, b, s)),
    ]
}

/// Applies an edit to the row lines of `dump` (whose text is `text`).
fn apply(text: &str, dump: &Dump, edit: &Edit) -> String {
    let mut lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
    let rows: Vec<usize> = dump.rows.iter().map(|r| r.line).collect();
    if rows.is_empty() {
        return text.to_owned();
    }
    // Even numbers pick among the rows that are not unchanged (where sentences are),
    // odd ones among all rows.
    let changed: Vec<usize> = dump
        .rows
        .iter()
        .filter(|r| r.kind != RowKind::Unchanged)
        .map(|r| r.line)
        .collect();
    let line = |i: usize| {
        if i.is_multiple_of(2) && !changed.is_empty() {
            changed[i / 2 % changed.len()]
        } else {
            rows[i / 2 % rows.len()]
        }
    };
    match *edit {
        Edit::Replace(a, b) => lines[line(a)] = lines[line(b)].clone(),
        Edit::Duplicate(a) => {
            let l = line(a);
            let copy = lines[l].clone();
            lines.insert(l + 1, copy);
        }
        Edit::Delete(a) => {
            if rows.len() > 1 {
                lines.remove(line(a));
            }
        }
        Edit::Words(a, seed) => {
            let mut rng = generate::Rng::new(seed);
            let l = line(a);
            let mut words: Vec<String> = lines[l].split(' ').map(str::to_owned).collect();
            for _ in 0..rng.range(1, 3) {
                let w = rng.below(words.len());
                match rng.below(3) {
                    0 => {
                        let other = &lines[line(rng.below(rows.len()))];
                        let ow: Vec<&str> = other.split(' ').collect();
                        words[w] = ow[rng.below(ow.len())].to_owned();
                    }
                    1 if words.len() > 1 => {
                        words.remove(w);
                    }
                    _ => {
                        let copy = words[w].clone();
                        words.insert(w, copy);
                    }
                }
            }
            lines[l] = words.join(" ");
        }
        Edit::MoveSentence(a, b, seed) => {
            let mut rng = generate::Rng::new(seed);
            let (la, lb) = (line(a), line(b));
            let spans = sentence_spans(&lines[la]);
            if spans.len() < 2 {
                return text.to_owned();
            }
            let s = spans[rng.below(spans.len())].clone();
            let sentence = lines[la][s.clone()].to_owned();
            let mut rest = lines[la][..s.start].to_owned();
            rest.push_str(lines[la][s.end..].trim_start());
            lines[la] = rest.trim_end().to_owned();
            let target = sentence_spans(&lines[lb]);
            let at = if target.is_empty() {
                lines[lb].len()
            } else {
                target[rng.below(target.len())].end
            };
            let mut t = lines[lb][..at].to_owned();
            if !t.is_empty() {
                t.push(' ');
            }
            t.push_str(&sentence);
            if at < lines[lb].len() {
                t.push_str(&lines[lb][at..]);
            }
            lines[lb] = t;
        }
    }
    lines.join("\n")
}

/// `reused` by diff-lcs over whole rows: matches in the middle of the edit too, so the
/// index sees mappings that are not a prefix and a suffix.
fn reused_by_lcs(before: &Dump, after: &Dump) -> Vec<Option<usize>> {
    let keys = |d: &Dump| -> Vec<(RowKind, Option<String>, Option<String>)> {
        d.rows
            .iter()
            .map(|r| {
                (
                    r.kind,
                    r.old.as_ref().map(|s| d.slice(s).to_owned()),
                    r.new.as_ref().map(|s| d.slice(s).to_owned()),
                )
            })
            .collect()
    };
    generate::lcs(&keys(after), &keys(before))
}

fn base_dump(kind: u8, seed: u64) -> String {
    match kind % 4 {
        0 => generate::dump_of_size(seed, 4_000 + (seed as usize % 7) * 3_000).0,
        1 => {
            let url = "https://www.bbc.co.uk/news/world-1";
            let series = generate::series(seed, 3, 8 + seed as usize % 10, url);
            series.into_iter().last().map(|s| s.1).unwrap_or_default()
        }
        2 => generate::dump_of_size(seed, 30_000).0,
        // Rich in moves and in repeated sentences (cascades): sentences moved between
        // rows and changed rows repeated, before the edits start.
        _ => {
            let mut text = generate::dump_of_size(seed, 12_000).0;
            let mut rng = generate::Rng::new(seed);
            for _ in 0..10 {
                let Ok(d) = read_plain(text.as_bytes()) else {
                    break;
                };
                let (a, b) = (2 * rng.below(1000), rng.below(2000));
                let edit = if rng.chance(0.5) {
                    Edit::MoveSentence(a, b, rng.next_u64())
                } else {
                    Edit::Duplicate(a)
                };
                text = apply(&text, &d, &edit);
            }
            text
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Chains of random edits on one index: after each, `update` equals `find_moves` on
    /// the edited dump, and the whole matching state equals a fresh build's.
    #[test]
    fn updates_equal_find_moves_after_random_edits(
        kind in 0u8..4,
        seed in 0u64..1_000,
        edits in prop::collection::vec((edit_strategy(), any::<bool>()), 1..10),
    ) {
        let mut text = base_dump(kind, seed);
        let Ok(mut dump) = read_plain(text.as_bytes()) else { return Ok(()) };
        let (mut idx, m) = MoveIndex::build(&dump);
        prop_assert_eq!(m, find_moves(&dump));
        for (edit, lcs) in &edits {
            let next = apply(&text, &dump, edit);
            let Ok(after) = read_plain(next.as_bytes()) else { continue };
            let reused = if *lcs { reused_by_lcs(&dump, &after) } else { reused_rows(&dump, &after) };
            let got = idx.update(&after, &reused);
            prop_assert_eq!(&got, &find_moves(&after), "edit {:?} ({:?})", edit, idx.stats());
            prop_assert_eq!(idx.matches(), MoveIndex::build(&after).0.matches());
            text = next;
            dump = after;
        }
    }
}

/// The incremental path is the one taken for a one-row edit of a large dump, and it
/// decides few sentences.
#[test]
fn a_one_row_edit_stays_incremental() {
    let text = generate::dump_of_size(11, 400_000).0;
    let d = read_plain(text.as_bytes()).unwrap();
    let (mut idx, _) = MoveIndex::build(&d);
    let mut cur = (text, d);
    for (n, seed) in (0..12u64).enumerate() {
        let row = (0..cur.1.rows.len())
            .filter(|&i| cur.1.rows[i].kind != RowKind::Unchanged)
            .cycle()
            .nth(n * 17)
            .unwrap();
        let next = apply(&cur.0, &cur.1, &Edit::Words(row, seed));
        let e = read_plain(next.as_bytes()).unwrap();
        let reused = reused_rows(&cur.1, &e);
        check_update(&mut idx, &e, &reused);
        let s = idx.stats();
        assert!(!s.full && s.rows_read <= 4 && s.decided < 200, "{s:?}");
        cur = (next, e);
    }
}
