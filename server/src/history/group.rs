//! Which dumps belong to one article, and in what order.

use super::Input;
use std::collections::HashMap;

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// The keys that name a dump's article: source and URL, or (when the URL is empty)
/// source and the title of each column, so that `v1-v2` and `v2-v3` meet through the
/// title of version 2 even when the title changes along the chain.
pub fn keys(input: &Input) -> Vec<String> {
    let h = &input.dump.header;
    let source = h.source.as_deref().unwrap_or("");
    match h.url.as_deref().map(str::trim) {
        Some(url) if !url.is_empty() => vec![format!("url\u{1}{source}\u{1}{url}")],
        _ => {
            let mut v: Vec<String> = input
                .dump
                .versions
                .iter()
                .filter(|v| !v.title.is_empty())
                .map(|v| format!("title\u{1}{source}\u{1}{}", v.title))
                .collect();
            if v.is_empty() {
                // Nothing to group by: the dump is an article of its own.
                v.push(format!("file\u{1}{}", input.path.display()));
            }
            v.dedup();
            v
        }
    }
}

/// Groups inputs into articles. Each group lists input indices ordered by the versions
/// they show (lower number first), then by path; groups are ordered by their first
/// input's key.
pub fn group(inputs: &[&Input]) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..inputs.len()).collect();
    let mut owner: HashMap<String, usize> = HashMap::new();
    for (i, input) in inputs.iter().enumerate() {
        for k in keys(input) {
            match owner.get(&k) {
                Some(&j) => {
                    let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                    if a != b {
                        parent[a.max(b)] = a.min(b);
                    }
                }
                None => {
                    owner.insert(k, i);
                }
            }
        }
    }
    let mut groups: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in 0..inputs.len() {
        let r = find(&mut parent, i);
        groups.entry(r).or_default().push(i);
    }
    let mut out: Vec<Vec<usize>> = groups.into_values().collect();
    for g in &mut out {
        g.sort_by(|&a, &b| order_key(inputs[a]).cmp(&order_key(inputs[b])));
    }
    out.sort_by(|a, b| {
        let ka = &keys(inputs[a[0]])[0];
        let kb = &keys(inputs[b[0]])[0];
        ka.cmp(kb)
            .then_with(|| inputs[a[0]].path.cmp(&inputs[b[0]].path))
    });
    out
}

fn order_key(input: &Input) -> (u32, u32, &std::path::Path) {
    let [a, b] = input.dump.header.versions;
    (a.min(b), a.max(b), input.path.as_path())
}
