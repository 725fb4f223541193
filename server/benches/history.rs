//! `palimpsest export` over 10,000 generated dumps (100 articles of 101 versions),
//! with one and with two threads, in the same run.
//!
//! `cargo bench --bench history` (environment: `PALIMPSEST_BENCH_DUMPS` to change the
//! number of dumps, `PALIMPSEST_BENCH_RUNS` for runs per setting). Prints throughput in
//! dumps per second and the speed-up from the second thread, for the whole command
//! (reading, joint decoding, JSON on stdout) and for the library alone
//! (`history::build_chains` on dumps already read).

mod common;
use common::env_usize;
use palimpsest::generate;
use palimpsest::history::{self, Input};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SERIES: usize = 100;
const PARAGRAPHS: usize = 15;

/// Writes the corpus once per size; later runs reuse it.
fn corpus(dumps: usize) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("palimpsest-bench-history-{dumps}"));
    let marker = dir.join(".complete");
    if marker.exists() {
        return dir;
    }
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temporary folder");
    let versions = dumps / SERIES + 1;
    let t = Instant::now();
    let written: usize = (0..SERIES)
        .into_par_iter()
        .map(|s| {
            let url = format!("https://www.bbc.co.uk/news/world-{:08}", 10_000_000 + s);
            let sub = dir.join(format!("article-{s:03}"));
            std::fs::create_dir_all(&sub).expect("folder");
            let files = generate::series(7_000 + s as u64, versions, PARAGRAPHS, &url);
            for (name, text, _) in &files {
                std::fs::write(sub.join(name), text).expect("write dump");
            }
            files.len()
        })
        .sum();
    std::fs::write(&marker, "").expect("marker");
    eprintln!(
        "generated {written} dumps in {SERIES} series in {:.1?} ({})",
        t.elapsed(),
        dir.display()
    );
    dir
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn run_cli(bin: &Path, files: &[PathBuf], threads: usize) -> Duration {
    let t = Instant::now();
    let status = Command::new(bin)
        .arg("export")
        .args(files)
        .env("RAYON_NUM_THREADS", threads.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run palimpsest");
    let elapsed = t.elapsed();
    assert!(status.success(), "palimpsest export failed: {status}");
    elapsed
}

fn main() {
    let dumps = env_usize("PALIMPSEST_BENCH_DUMPS", 10_000);
    let runs = env_usize("PALIMPSEST_BENCH_RUNS", 3).max(1);
    let dir = corpus(dumps);
    let files = history::collect(std::slice::from_ref(&dir));
    let n = files.len();
    let bytes: u64 = files
        .iter()
        .map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0))
        .sum();
    println!(
        "corpus: {n} dumps, {SERIES} articles, {:.1} MB",
        bytes as f64 / 1e6
    );
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    println!("machine: {cores} cores");

    // The whole command, as a user runs it (every file named on the command line).
    let bin = Path::new(env!("CARGO_BIN_EXE_palimpsest"));
    let _warm = run_cli(bin, &files, 2);
    let mut cli = Vec::new();
    for threads in [1, 2] {
        let m = median((0..runs).map(|_| run_cli(bin, &files, threads)).collect());
        println!(
            "palimpsest export, {threads} thread{}: {:.2} s median of {runs}, {:.0} dumps/s",
            if threads == 1 { "" } else { "s" },
            m.as_secs_f64(),
            n as f64 / m.as_secs_f64()
        );
        cli.push(m);
    }
    println!(
        "speed-up from the second thread (command): {:.2}×",
        cli[0].as_secs_f64() / cli[1].as_secs_f64()
    );

    // The library alone: reading, then joint decoding.
    let mut lib = Vec::new();
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        let (read, decode) = pool.install(|| {
            let mut read = Vec::new();
            let mut decode = Vec::new();
            for _ in 0..runs {
                let t = Instant::now();
                let inputs: Vec<Input> = files
                    .par_iter()
                    .map(|f| Input::read(f).expect("dump"))
                    .collect();
                read.push(t.elapsed());
                let t = Instant::now();
                let chains = history::build_chains(&inputs);
                decode.push(t.elapsed());
                assert_eq!(chains.len(), SERIES);
                let conflicts: usize = chains.iter().map(|c| c.conflicts.len()).sum();
                let open: usize = chains.iter().map(|c| c.ambiguous_rows().len()).sum();
                if conflicts > 0 {
                    eprintln!("warning: {conflicts} conflicts in generated chains");
                }
                eprintln!("rows still ambiguous after joint decoding: {open}");
            }
            (median(read), median(decode))
        });
        println!(
            "library, {threads} thread{}: read {:.2} s ({:.0} dumps/s), joint decoding {:.2} s ({:.0} dumps/s)",
            if threads == 1 { "" } else { "s" },
            read.as_secs_f64(),
            n as f64 / read.as_secs_f64(),
            decode.as_secs_f64(),
            n as f64 / decode.as_secs_f64()
        );
        lib.push((read, decode));
    }
    println!(
        "speed-up from the second thread (library): read {:.2}×, joint decoding {:.2}×",
        lib[0].0.as_secs_f64() / lib[1].0.as_secs_f64(),
        lib[0].1.as_secs_f64() / lib[1].1.as_secs_f64()
    );
}
