//! One-line edits of a ~10 MB dump inside one process, without the pipe: the store's
//! analysis of each edited text and the framing of its diagnostics, against a whole
//! read of the same text, measured in the same run. Steadier than the stdio bench
//! (`lsp_latency`), whose edits also cross two pipes and two processes.
//!
//! The edits are timed twice: one right after the other ("busy"), and after a 30 ms
//! pause each ("after a pause"), as when a person types: an idle machine has let its
//! caches and threads go cold, which costs an edit milliseconds of its own.
//!
//! `cargo bench --bench edit` (`BENCH_BYTES` sets the dump size, default 10 000 000;
//! `BENCH_EDITS` the edits per series, default 200).

mod common;
use common::{env_usize, ms, percentile};
use palimpsest::lsp::common::Ctx;
use palimpsest::lsp::diagnostics::publish::{frame, Reuse};
use palimpsest::lsp::history::Histories;
use palimpsest::lsp::position::Encoding;
use palimpsest::lsp::settings::Settings;
use palimpsest::store::{OpenParams, Store};
use std::time::{Duration, Instant};
use tower_lsp_server::ls_types::Uri;

/// p10, p50 and p90 of `v`.
fn spread(v: &mut [Duration]) -> [Duration; 3] {
    [0.1, 0.5, 0.9].map(|p| percentile(v, p))
}

fn main() {
    let bytes = env_usize("BENCH_BYTES", 10_000_000);
    let edits = env_usize("BENCH_EDITS", 200).max(10);
    let (text, _) = palimpsest::generate::dump_of_size(42, bytes);
    let lines: Vec<&str> = text.split('\n').collect();
    let store = Store::new();
    store.open(OpenParams::plain("a", 1, text.clone()));
    let settings = Settings::default();
    let histories = Histories::default();
    let uri: Uri = "file:///tmp/palimpsest-bench/big.txt".parse().unwrap();
    let mut reuse = Reuse::default();
    let mut publish = |store: &Store| {
        let snap = store.snapshot("a").unwrap();
        let cx = Ctx {
            snap: &snap,
            enc: Encoding::Utf16,
            settings: &settings,
            uri: &uri,
            histories: &histories,
        };
        let t = Instant::now();
        std::hint::black_box(frame(&cx, true, snap.version, &mut reuse).unwrap());
        (snap.took, t.elapsed())
    };
    let (opened, _) = publish(&store);
    // The same edits as the stdio bench: a word inserted in rows a third of the way in.
    let mut version = 1;
    let mut series = |pause: Option<Duration>| {
        let (mut analysis, mut framing) = (Vec::new(), Vec::new());
        for k in 0..edits {
            let line = 9 + lines.len() / 3 + (k % 50) * 7;
            version += 1;
            store.edit("a", version, |e| {
                let r = e.rope();
                let row = r.line(line).to_string();
                let at = r.line_to_byte(line) + row.find(' ').unwrap_or(0);
                e.replace(at..at, " freshly");
            });
            if let Some(p) = pause {
                std::thread::sleep(p);
            }
            let (a, f) = publish(&store);
            analysis.push(a);
            framing.push(f);
        }
        (spread(&mut analysis), spread(&mut framing))
    };
    let busy = series(None);
    let paused = series(Some(Duration::from_millis(30)));
    // A whole read of the final text, as opening it does.
    let final_text = store.snapshot("a").unwrap().rope.to_string();
    let mut whole = Vec::new();
    for k in 0..5 {
        let key = format!("whole-{k}");
        store.open(OpenParams::plain(key.clone(), 1, final_text.clone()));
        whole.push(store.snapshot(&key).unwrap().took);
        store.close(&key);
    }
    let [_, w50, _] = spread(&mut whole);
    println!(
        "dump: {:.1} MB, {} lines; opened in {}; whole read of the edited text p50 {}",
        text.len() as f64 / 1e6,
        lines.len(),
        ms(opened),
        ms(w50)
    );
    for (name, ([a10, a50, a90], [f10, f50, f90])) in [("busy", busy), ("after a pause", paused)] {
        println!(
            "edit, {name} ({edits}): analysis p10 {} p50 {} p90 {}; diagnostics framed p10 {} p50 {} p90 {}; whole read / analysis {:.1}x",
            ms(a10),
            ms(a50),
            ms(a90),
            ms(f10),
            ms(f50),
            ms(f90),
            w50.as_secs_f64() / a50.as_secs_f64()
        );
    }
}
