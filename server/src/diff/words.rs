//! Word-level diff of two paragraphs with `similar` (Unicode word boundaries), followed
//! by a semantic cleanup so that a reader sees whole phrases replaced rather than a
//! confetti of single words.

use crate::dump::Span;
use serde::Serialize;
use similar::{Algorithm, DiffTag, TextDiff};
use std::time::Duration;

/// What happened to a run of words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WordTag {
    Equal,
    Removed,
    Added,
}

/// A run of text: `old` indexes the older paragraph, `new` the newer one. A removed
/// run has an empty `new` range at the place it was removed from, and vice versa.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WordChange {
    pub tag: WordTag,
    pub old: Span,
    pub new: Span,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct WordDiff {
    pub changes: Vec<WordChange>,
    /// Words (not spaces or punctuation) removed and added.
    pub removed_words: usize,
    pub added_words: usize,
    /// Share of the words of both sides that are unchanged, 0..=1.
    pub similarity: f32,
}

/// How long one paragraph's diff may take before `similar` falls back to a coarser
/// answer; keeps a pathological multi-megabyte row from stalling the editor.
const DEADLINE: Duration = Duration::from_millis(200);

/// An equal run this short (in bytes of word characters) between two edits is folded
/// into the edit, so "the" between two replaced phrases does not split them.
const SHORT_EQUAL: usize = 3;

pub fn word_diff(old: &str, new: &str) -> WordDiff {
    if old == new {
        return WordDiff {
            changes: vec![WordChange {
                tag: WordTag::Equal,
                old: 0..old.len(),
                new: 0..new.len(),
            }],
            removed_words: 0,
            added_words: 0,
            similarity: 1.0,
        };
    }
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Patience)
        .timeout(DEADLINE)
        .diff_unicode_words(old, new);
    // Token index -> byte offset tables.
    let old_offsets = offsets(diff.iter_old_slices(), old.len());
    let new_offsets = offsets(diff.iter_new_slices(), new.len());
    let mut raw: Vec<WordChange> = Vec::new();
    for op in diff.ops() {
        let (tag, o, n) = op.as_tag_tuple();
        let o = old_offsets[o.start]..old_offsets[o.end];
        let n = new_offsets[n.start]..new_offsets[n.end];
        match tag {
            DiffTag::Equal => raw.push(WordChange {
                tag: WordTag::Equal,
                old: o,
                new: n,
            }),
            DiffTag::Delete => raw.push(WordChange {
                tag: WordTag::Removed,
                old: o.clone(),
                new: n.start..n.start,
            }),
            DiffTag::Insert => raw.push(WordChange {
                tag: WordTag::Added,
                old: o.start..o.start,
                new: n,
            }),
            DiffTag::Replace => {
                raw.push(WordChange {
                    tag: WordTag::Removed,
                    old: o.clone(),
                    new: n.start..n.start,
                });
                raw.push(WordChange {
                    tag: WordTag::Added,
                    old: o.end..o.end,
                    new: n,
                });
            }
        }
    }
    let changes = cleanup(raw, old);
    let removed_words = changes
        .iter()
        .filter(|c| c.tag == WordTag::Removed)
        .map(|c| count_words(&old[c.old.clone()]))
        .sum();
    let added_words = changes
        .iter()
        .filter(|c| c.tag == WordTag::Added)
        .map(|c| count_words(&new[c.new.clone()]))
        .sum();
    let equal_words: usize = changes
        .iter()
        .filter(|c| c.tag == WordTag::Equal)
        .map(|c| count_words(&old[c.old.clone()]))
        .sum();
    let total = 2 * equal_words + removed_words + added_words;
    WordDiff {
        changes,
        removed_words,
        added_words,
        similarity: if total == 0 {
            1.0
        } else {
            (2 * equal_words) as f32 / total as f32
        },
    }
}

fn offsets<'a>(tokens: impl Iterator<Item = &'a str>, len: usize) -> Vec<usize> {
    let mut out = vec![0];
    let mut at = 0;
    for t in tokens {
        at += t.len();
        out.push(at);
    }
    debug_assert_eq!(at, len);
    out
}

/// Counts words: maximal runs of alphanumeric characters.
pub(crate) fn count_words(s: &str) -> usize {
    let mut n = 0;
    let mut in_word = false;
    for c in s.chars() {
        let w = c.is_alphanumeric();
        if w && !in_word {
            n += 1;
        }
        in_word = w;
    }
    n
}

fn word_chars(s: &str) -> usize {
    s.chars().filter(|c| c.is_alphanumeric()).count()
}

/// Semantic cleanup: fold short equal runs that sit between two edits into the
/// edits, then merge neighbouring runs of the same tag so each edit reads as one
/// removed phrase followed by one added phrase.
fn cleanup(raw: Vec<WordChange>, old: &str) -> Vec<WordChange> {
    let n = raw.len();
    let mut out: Vec<WordChange> = Vec::with_capacity(n);
    let mut i = 0;
    while i < n {
        let c = &raw[i];
        let between_edits = i > 0
            && i + 1 < n
            && raw[i - 1].tag != WordTag::Equal
            && raw[i + 1].tag != WordTag::Equal;
        if c.tag == WordTag::Equal
            && between_edits
            && word_chars(&old[c.old.clone()]) <= SHORT_EQUAL
        {
            push(
                &mut out,
                WordChange {
                    tag: WordTag::Removed,
                    old: c.old.clone(),
                    new: c.new.start..c.new.start,
                },
            );
            push(
                &mut out,
                WordChange {
                    tag: WordTag::Added,
                    old: c.old.end..c.old.end,
                    new: c.new.clone(),
                },
            );
        } else {
            push(&mut out, c.clone());
        }
        i += 1;
    }
    // Group each maximal run of edits as all its removals then all its additions.
    let mut grouped: Vec<WordChange> = Vec::with_capacity(out.len());
    let mut j = 0;
    while j < out.len() {
        if out[j].tag == WordTag::Equal {
            grouped.push(out[j].clone());
            j += 1;
            continue;
        }
        let start = j;
        while j < out.len() && out[j].tag != WordTag::Equal {
            j += 1;
        }
        let run = &out[start..j];
        let o0 = run.iter().map(|c| c.old.start).min().unwrap_or(0);
        let o1 = run.iter().map(|c| c.old.end).max().unwrap_or(0);
        let n0 = run.iter().map(|c| c.new.start).min().unwrap_or(0);
        let n1 = run.iter().map(|c| c.new.end).max().unwrap_or(0);
        if o1 > o0 {
            grouped.push(WordChange {
                tag: WordTag::Removed,
                old: o0..o1,
                new: n0..n0,
            });
        }
        if n1 > n0 {
            grouped.push(WordChange {
                tag: WordTag::Added,
                old: o1..o1,
                new: n0..n1,
            });
        }
    }
    grouped
}

fn push(out: &mut Vec<WordChange>, c: WordChange) {
    if c.old.is_empty() && c.new.is_empty() {
        return;
    }
    if let Some(last) = out.last_mut() {
        if last.tag == c.tag && last.old.end == c.old.start && last.new.end == c.new.start {
            last.old.end = c.old.end;
            last.new.end = c.new.end;
            return;
        }
    }
    out.push(c);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(old: &str, new: &str) -> String {
        let d = word_diff(old, new);
        let mut s = String::new();
        for c in &d.changes {
            match c.tag {
                WordTag::Equal => s.push_str(&old[c.old.clone()]),
                WordTag::Removed => s.push_str(&format!("[-{}-]", &old[c.old.clone()])),
                WordTag::Added => s.push_str(&format!("{{+{}+}}", &new[c.new.clone()])),
            }
        }
        s
    }

    #[test]
    fn replaced_phrase() {
        assert_eq!(
            render(
                "There was no immediate response from Japan or the United States.",
                "There was no immediate response from the Japanese or American governments."
            ),
            "There was no immediate response from [-Japan or the United States-]{+the Japanese or American governments+}."
        );
    }

    #[test]
    fn counts_and_curly_quotes() {
        let d = word_diff(
            "He said “no” today.",
            "He said “yes” today, officials said.",
        );
        assert_eq!(d.removed_words, 1);
        assert_eq!(d.added_words, 3);
        assert!(d.similarity > 0.5);
    }

    #[test]
    fn identical_texts() {
        let d = word_diff("日本 and Korea 🎉", "日本 and Korea 🎉");
        assert_eq!(d.removed_words + d.added_words, 0);
        assert_eq!(d.changes.len(), 1);
    }
}
