//! Latency of the language server over stdio on a ~10 MB dump: hover and
//! documentSymbol p50/p99, and a one-line edit until fresh diagnostics arrive versus a
//! full analysis of the same text, measured in the same run.
//!
//! Diagnostics are timed twice: when their message has arrived whole (the server's
//! part: analysis, conversion, JSON, the pipe) and when this client has also parsed it
//! into a `serde_json::Value` tree and freed it again (~2 MB of JSON: tens of ms,
//! which an editor spends in its own way).
//!
//! Runs the real binary (`PALIMPSEST_BIN`, default `target/release/palimpsest`; build it
//! first). `BENCH_BYTES` sets the dump size (default 10 000 000).
//! `cargo bench --bench lsp_latency`

mod common;
use common::{ms, percentile};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

struct Client {
    child: Child,
    stdin: ChildStdin,
    /// Messages with the time their last byte was read.
    rx: Receiver<(Instant, Value)>,
    next: i64,
    /// Notifications seen while waiting for responses.
    pending: Vec<(Instant, Value)>,
}

fn read_message(r: &mut impl BufRead) -> Option<(Instant, Value)> {
    let mut len = 0usize;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length:") {
            len = v.trim().parse().ok()?;
        }
    }
    let mut body = vec![0; len];
    std::io::Read::read_exact(r, &mut body).ok()?;
    let arrived = Instant::now();
    serde_json::from_slice(&body).ok().map(|v| (arrived, v))
}

impl Client {
    fn start(bin: &str) -> Client {
        let mut child = Command::new(bin)
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start {bin}: {e} (build it: cargo build --release)")
            });
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::with_capacity(1 << 20, stdout);
            while let Some(m) = read_message(&mut r) {
                if tx.send(m).is_err() {
                    break;
                }
            }
        });
        Client {
            child,
            stdin,
            rx,
            next: 1,
            pending: Vec::new(),
        }
    }

    fn send(&mut self, v: &Value) {
        let body = serde_json::to_vec(v).unwrap();
        write!(self.stdin, "Content-Length: {}\r\n\r\n", body.len()).unwrap();
        self.stdin.write_all(&body).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next;
        self.next += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let (at, m) = self
                .rx
                .recv_timeout(Duration::from_secs(300))
                .expect("server answered");
            if m.get("id") == Some(&json!(id)) && m.get("method").is_none() {
                return m.get("result").cloned().unwrap_or(Value::Null);
            }
            if let (Some(mid), Some(_)) = (m.get("id"), m.get("method")) {
                // A request from the server (progress, refresh): answer null.
                let mid = mid.clone();
                self.send(&json!({"jsonrpc": "2.0", "id": mid, "result": null}));
            } else {
                self.pending.push((at, m));
            }
        }
    }

    /// Waits for diagnostics of `uri` at `version`; returns how many there were and
    /// when their message had arrived whole.
    fn diagnostics(&mut self, uri: &str, version: i64) -> (usize, Instant) {
        let matches = |m: &Value| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["version"] == version
        };
        let count = |m: &Value| m["params"]["diagnostics"].as_array().map_or(0, |a| a.len());
        if let Some(i) = self.pending.iter().position(|(_, m)| matches(m)) {
            let (at, m) = self.pending.remove(i);
            return (count(&m), at);
        }
        loop {
            let (at, m) = self
                .rx
                .recv_timeout(Duration::from_secs(300))
                .expect("diagnostics arrive");
            if let (Some(mid), Some(_)) = (m.get("id"), m.get("method")) {
                let mid = mid.clone();
                self.send(&json!({"jsonrpc": "2.0", "id": mid, "result": null}));
                continue;
            }
            if matches(&m) {
                return (count(&m), at);
            }
        }
    }
}

/// One-line edits timed: enough that their median holds still on a noisy machine.
const EDITS: usize = 40;

fn main() {
    // `cargo bench` passes --bench; ignore arguments.
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let bin = std::env::var("PALIMPSEST_BIN")
        .unwrap_or_else(|_| format!("{root}/target/release/palimpsest"));
    let bytes: usize = std::env::var("BENCH_BYTES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000_000);
    let t = Instant::now();
    let (text, _) = palimpsest::generate::dump_of_size(42, bytes);
    let lines: Vec<&str> = text.split('\n').collect();
    eprintln!(
        "generated {} bytes, {} lines in {:?}",
        text.len(),
        lines.len(),
        t.elapsed()
    );

    let mut c = Client::start(&bin);
    c.request(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {"general": {"positionEncodings": ["utf-16"]}}}),
    );
    c.notify("initialized", json!({}));
    let uri = "file:///tmp/palimpsest-bench/big.txt";
    let t = Instant::now();
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "palimpsest", "version": 1, "text": text}}),
    );
    let (n, _) = c.diagnostics(uri, 1);
    let open = t.elapsed();
    let stats = c.request("palimpsest/stats", json!({"textDocument": {"uri": uri}}));
    println!(
        "open → diagnostics: {} ({n} diagnostics; server analysis {} µs, {} rows)",
        ms(open),
        stats["analysisMicros"],
        stats["rows"]
    );

    // Hover on body rows spread over the file.
    let mut seed = 0x9e3779b97f4a7c15u64;
    let mut rand = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let body = 9..lines.len().saturating_sub(1);
    let mut hovers = Vec::new();
    for _ in 0..2000 {
        let line = body.start + rand(body.len());
        let ch = rand(lines[line].chars().count().max(1));
        let t = Instant::now();
        let r = c.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": ch}}),
        );
        hovers.push(t.elapsed());
        assert!(!r.is_null());
    }
    let (h50, h99) = (percentile(&mut hovers, 0.5), percentile(&mut hovers, 0.99));
    println!(
        "hover (2000, stdio round trip): p50 {} p99 {}",
        ms(h50),
        ms(h99)
    );

    let mut syms = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        c.request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": uri}}),
        );
        syms.push(t.elapsed());
    }
    println!(
        "documentSymbol (20): p50 {} p99 {}",
        ms(percentile(&mut syms, 0.5)),
        ms(percentile(&mut syms, 0.99))
    );

    // One-line edits: replace one word in a row in the middle, wait for fresh diagnostics.
    let mut edits = Vec::new();
    let mut edits_arrived = Vec::new();
    let mut server_edit = Vec::new();
    let mut version = 1;
    for k in 0..EDITS {
        version += 1;
        let line = body.start + body.len() / 3 + k * 7;
        let row = lines[line];
        let ch = row
            .find(' ')
            .map(|i| row[..i].encode_utf16().count())
            .unwrap_or(0);
        let t = Instant::now();
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version},
                   "contentChanges": [{"range": {"start": {"line": line, "character": ch}, "end": {"line": line, "character": ch}},
                                       "text": " freshly"}]}),
        );
        let (_, arrived) = c.diagnostics(uri, version);
        edits.push(t.elapsed());
        edits_arrived.push(arrived - t);
        let s = c.request("palimpsest/stats", json!({"textDocument": {"uri": uri}}));
        server_edit.push((
            s["analysisMicros"].as_u64().unwrap_or(0),
            s["diffsComputed"].as_u64().unwrap_or(0),
        ));
    }
    // A full analysis of the same final text, in the same run: open it under a new URI.
    let mut full = Vec::new();
    let mut full_arrived = Vec::new();
    let mut server_full = Vec::new();
    let final_text = {
        let mut ls: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
        for k in 0..EDITS {
            let line = body.start + body.len() / 3 + k * 7;
            let row = ls[line].clone();
            let at = row.find(' ').unwrap_or(0);
            ls[line] = format!("{} freshly{}", &row[..at], &row[at..]);
        }
        ls.join("\n")
    };
    for k in 0..3 {
        let u = format!("file:///tmp/palimpsest-bench/full-{k}.txt");
        let t = Instant::now();
        c.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": u, "languageId": "palimpsest", "version": 1, "text": final_text}}),
        );
        let (_, arrived) = c.diagnostics(&u, 1);
        full.push(t.elapsed());
        full_arrived.push(arrived - t);
        let s = c.request("palimpsest/stats", json!({"textDocument": {"uri": u}}));
        server_full.push((
            s["analysisMicros"].as_u64().unwrap_or(0),
            s["diffsComputed"].as_u64().unwrap_or(0),
        ));
        c.notify("textDocument/didClose", json!({"textDocument": {"uri": u}}));
    }
    let e50 = percentile(&mut edits, 0.5);
    let f50 = percentile(&mut full, 0.5);
    let ea50 = percentile(&mut edits_arrived, 0.5);
    let fa50 = percentile(&mut full_arrived, 0.5);
    let se: Vec<u64> = server_edit.iter().map(|s| s.0).collect();
    let sf: Vec<u64> = server_full.iter().map(|s| s.0).collect();
    let med = |v: &[u64]| {
        let mut v = v.to_vec();
        v.sort();
        v[v.len() / 2]
    };
    println!(
        "one-line edit → fresh diagnostics: arrived p50 {}, parsed p50 {} (server analysis {} µs, {} word diffs recomputed)",
        ms(ea50),
        ms(e50),
        med(&se),
        server_edit.last().map(|s| s.1).unwrap_or(0)
    );
    println!(
        "full analysis (open) → diagnostics: arrived p50 {}, parsed p50 {} (server analysis {} µs, {} word diffs)",
        ms(fa50),
        ms(f50),
        med(&sf),
        server_full.last().map(|s| s.1).unwrap_or(0)
    );
    println!(
        "ratio full/edit: arrived {:.1}x, parsed {:.1}x, server analysis {:.1}x",
        fa50.as_secs_f64() / ea50.as_secs_f64(),
        f50.as_secs_f64() / e50.as_secs_f64(),
        med(&sf) as f64 / med(&se).max(1) as f64
    );
    c.request("shutdown", Value::Null);
    c.notify("exit", Value::Null);
    let _ = c.child.wait();
}
