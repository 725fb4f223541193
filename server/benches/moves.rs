//! Moved sentences on a generated ~10 MB dump: `find_moves` from scratch against
//! `MoveIndex::update` after a one-line edit (issue 3: an edit must cost at least 50x
//! less than a full re-analysis). Each update goes from the dump to the edited one or
//! back, so every timed call really re-decides what the edit touches.
//!
//! `cargo bench --bench moves`. The summary (medians and ratios) is printed before
//! criterion's output.

mod common;
use common::median;
use criterion::{BenchmarkId, Criterion};
use palimpsest::diff::{find_moves, reused_rows, MoveIndex};
use palimpsest::dump::{read_plain, Dump, RowKind};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// One-line edits: drop a word of a changed row in the middle, delete that line,
/// duplicate it.
fn edits(text: &str, d: &Dump) -> Vec<(&'static str, Dump)> {
    let changed: Vec<usize> = (0..d.rows.len())
        .filter(|&i| d.rows[i].kind == RowKind::Changed)
        .collect();
    let span = d.rows[changed[changed.len() / 2]].span.clone();
    let line = &text[span.clone()];
    let w = line.find(' ').unwrap_or(0);
    let next = line[w + 1..].find(' ').map_or(line.len(), |x| w + 1 + x);
    let end = (span.end + 1).min(text.len());
    let variants = [
        (
            "drop a word",
            format!("{}{}", &text[..span.start + w], &text[span.start + next..]),
        ),
        (
            "delete the line",
            format!("{}{}", &text[..span.start], &text[end..]),
        ),
        (
            "duplicate the line",
            format!("{}{}", &text[..end], &text[span.start..]),
        ),
    ];
    variants
        .into_iter()
        .map(|(name, t)| {
            (
                name,
                read_plain(t.as_bytes()).expect("the edited dump reads"),
            )
        })
        .collect()
}

fn main() {
    let text = palimpsest::generate::dump_of_size(42, 10_000_000).0;
    let d = read_plain(text.as_bytes()).expect("the generated dump reads");
    let _ = black_box(find_moves(&d));
    let full = median(9, || {
        black_box(find_moves(&d));
    });
    let t = Instant::now();
    let (mut idx, m) = MoveIndex::build(&d);
    let build = t.elapsed();
    println!(
        "dump: {:.2} MB, {} rows, {} moves; find_moves {:.1} ms, MoveIndex::build {:.1} ms",
        text.len() as f64 / 1e6,
        d.rows.len(),
        m.len(),
        full.as_secs_f64() * 1e3,
        build.as_secs_f64() * 1e3
    );
    let edits = edits(&text, &d);
    for (name, e) in &edits {
        let (there, back) = (reused_rows(&d, e), reused_rows(e, &d));
        assert_eq!(idx.update(e, &there), find_moves(e), "exact after {name}");
        let stats = idx.stats();
        idx.update(&d, &back);
        let mut flip = false;
        let update = median(41, || {
            flip = !flip;
            if flip {
                black_box(idx.update(e, &there));
            } else {
                black_box(idx.update(&d, &back));
            }
        });
        println!(
            "one-line edit ({name}): update {:.3} ms = find_moves / {:.0} ({stats:?})",
            update.as_secs_f64() * 1e3,
            full.as_secs_f64() / update.as_secs_f64()
        );
        if flip {
            idx.update(&d, &back);
        }
    }

    let mut c = Criterion::default()
        .sample_size(10)
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();
    let mut g = c.benchmark_group("moves");
    g.bench_function(BenchmarkId::new("find_moves", "10MB"), |b| {
        b.iter(|| find_moves(black_box(&d)))
    });
    let (name, e) = &edits[0];
    let (there, back) = (reused_rows(&d, e), reused_rows(e, &d));
    let mut flip = false;
    g.bench_function(BenchmarkId::new("update", name), |b| {
        b.iter(|| {
            flip = !flip;
            if flip {
                idx.update(e, &there)
            } else {
                idx.update(&d, &back)
            }
        })
    });
    g.finish();
    c.final_summary();
}
