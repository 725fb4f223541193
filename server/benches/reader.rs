//! Reader benchmark: a generated ~10 MB dump (one huge article and a heavily edited next
//! version), analysed in full (`palimpsest::analyze`: read, decisions, word diffs, moves),
//! compared in the same run with `git diff --no-index --word-diff` on the two
//! reconstructed versions. Also reports peak heap use of the analysis relative to the
//! dump's size, counted by a small global allocator.
//!
//! `cargo bench --bench reader` (set `PALIMPSEST_BENCH_MB` to change the size;
//! `PALIMPSEST_BENCH_PROFILE=1` runs one analysis only, for a profiler).
//! The summary lines (MB/s, ratio, peak memory) are printed before criterion's output.

mod common;
use common::median;
use criterion::{BenchmarkId, Criterion, Throughput};
use palimpsest::dump::{read, Choices, Side};
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};
use std::time::{Duration, Instant};

/// Counts heap bytes allocated and freed while [`COUNTING`] is on, and the peak of
/// their difference. Off during the timed runs: the counters are shared by both cores,
/// and updating them on every allocation would slow the analysis being timed.
struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

fn counted(grown: isize) {
    if COUNTING.load(Ordering::Relaxed) {
        let now = LIVE.fetch_add(grown, Ordering::Relaxed) + grown;
        PEAK.fetch_max(now, Ordering::Relaxed);
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            counted(layout.size() as isize);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        counted(-(layout.size() as isize));
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            counted(layout.size() as isize);
        }
        p
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            counted(new_size as isize - layout.size() as isize);
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn mb(bytes: usize) -> f64 {
    bytes as f64 / 1e6
}

fn git_word_diff(a: &Path, b: &Path) -> Option<usize> {
    let out = Command::new("git")
        .args(["diff", "--no-index", "--no-color", "--word-diff=plain"])
        .arg(a)
        .arg(b)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    // Exit status 1 means "the files differ".
    matches!(out.status.code(), Some(0 | 1)).then_some(out.stdout.len())
}

struct Setup {
    dump: Vec<u8>,
    files: Option<(PathBuf, PathBuf)>,
}

fn setup() -> Setup {
    let size_mb: f64 = std::env::var("PALIMPSEST_BENCH_MB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10.0);
    let (text, truth) = palimpsest::generate::dump_of_size(2026, (size_mb * 1e6) as usize);
    let dump = text.into_bytes();
    let d = read(&dump, &Choices::default()).expect("the generated dump reads");
    println!(
        "dump: {:.2} MB, {} rows ({} in the truth), {} ambiguous",
        mb(dump.len()),
        d.rows.len(),
        truth.rows.len(),
        d.ambiguous_rows().count()
    );
    let dir = std::env::temp_dir().join(format!("palimpsest-bench-{}", std::process::id()));
    let files = std::fs::create_dir_all(&dir).ok().and_then(|_| {
        let a = dir.join("old.txt");
        let b = dir.join("new.txt");
        std::fs::write(&a, d.version(Side::Old).render()).ok()?;
        std::fs::write(&b, d.version(Side::New).render()).ok()?;
        Some((a, b))
    });
    Setup { dump, files }
}

fn summary(s: &Setup) {
    let choices = Choices::default();
    let n = s.dump.len();
    // Warm up (rayon's pool, page cache), then time.
    let _ = black_box(palimpsest::analyze(&s.dump, &choices));
    let read_only = median(5, || {
        black_box(read(&s.dump, &choices).ok());
    });
    let ours = median(5, || {
        black_box(palimpsest::analyze(&s.dump, &choices).ok());
    });
    println!(
        "read only:     {:>8.1} ms  {:>7.1} MB/s",
        read_only.as_secs_f64() * 1e3,
        mb(n) / read_only.as_secs_f64()
    );
    println!(
        "full analysis: {:>8.1} ms  {:>7.1} MB/s  ({} threads)",
        ours.as_secs_f64() * 1e3,
        mb(n) / ours.as_secs_f64(),
        rayon::current_num_threads()
    );
    // Peak heap during one analysis, above what was live before it.
    LIVE.store(0, Ordering::Relaxed);
    PEAK.store(0, Ordering::Relaxed);
    COUNTING.store(true, Ordering::Relaxed);
    let a = palimpsest::analyze(&s.dump, &choices).ok();
    COUNTING.store(false, Ordering::Relaxed);
    let peak = PEAK.load(Ordering::Relaxed).max(0) as usize;
    let kept = LIVE.load(Ordering::Relaxed).max(0) as usize;
    drop(a);
    println!(
        "memory: peak {:.1} MB during analysis = {:.2}x the dump; result holds {:.1} MB = {:.2}x",
        mb(peak),
        peak as f64 / n as f64,
        mb(kept),
        kept as f64 / n as f64
    );
    match &s.files {
        Some((a, b)) if git_word_diff(a, b).is_some() => {
            let git = median(5, || {
                black_box(git_word_diff(a, b));
            });
            println!(
                "git diff --no-index --word-diff on the two reconstructed versions ({:.2} + {:.2} MB): {:.1} ms",
                mb(std::fs::metadata(a).map_or(0, |m| m.len() as usize)),
                mb(std::fs::metadata(b).map_or(0, |m| m.len() as usize)),
                git.as_secs_f64() * 1e3
            );
            println!(
                "ratio ours/git: {:.2} (full analysis time / git word-diff time)",
                ours.as_secs_f64() / git.as_secs_f64()
            );
        }
        _ => println!("git not available: no comparison"),
    }
}

fn main() {
    let s = setup();
    if std::env::var_os("PALIMPSEST_BENCH_PROFILE").is_some() {
        // One analysis and nothing else, for `valgrind --tool=callgrind`.
        let t = Instant::now();
        black_box(palimpsest::analyze(&s.dump, &Choices::default()).ok());
        println!("one analysis: {:?}", t.elapsed());
        return;
    }
    summary(&s);
    let mut c = Criterion::default()
        .sample_size(10)
        .measurement_time(Duration::from_secs(15))
        .configure_from_args();
    let choices = Choices::default();
    let mut g = c.benchmark_group("reader");
    g.throughput(Throughput::Bytes(s.dump.len() as u64));
    g.bench_function(BenchmarkId::new("read", "10MB"), |b| {
        b.iter(|| read(black_box(&s.dump), &choices).ok())
    });
    g.bench_function(BenchmarkId::new("analyze", "10MB"), |b| {
        b.iter(|| palimpsest::analyze(black_box(&s.dump), &choices).ok())
    });
    if let Some((a, bf)) = &s.files {
        if git_word_diff(a, bf).is_some() {
            g.bench_function(BenchmarkId::new("git-diff-word-diff", "10MB"), |b| {
                b.iter(|| git_word_diff(a, bf))
            });
        }
    }
    g.finish();
    c.final_summary();
    if let Some((a, _)) = &s.files {
        if let Some(dir) = a.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
