//! What kind of change a passage is, in the words a reader would use.

use super::words::{WordDiff, WordTag};
use crate::dump::RowKind;
use serde::Serialize;

/// Below this share of unchanged words, a changed row reads as a rewrite (often two
/// unrelated paragraphs that News Sniffer paired by position) rather than an edit.
pub const REWRITE_BELOW: f32 = 0.35;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "class", rename_all = "kebab-case")]
pub enum PassageClass {
    /// Same paragraph, some words changed.
    Edited {
        removed: usize,
        added: usize,
    },
    /// The halves differ only in whitespace.
    WhitespaceOnly,
    /// Little in common: a new paragraph took the old one's place.
    Rewritten {
        removed: usize,
        added: usize,
    },
    Added,
    Removed,
    /// Pipe tables: new or changed, older wording unknown.
    AddedOrChanged,
    Unreadable,
}

impl PassageClass {
    /// Stable code, used as the diagnostic code.
    pub fn code(self) -> &'static str {
        match self {
            PassageClass::Edited { .. } => "edited",
            PassageClass::WhitespaceOnly => "whitespace-only",
            PassageClass::Rewritten { .. } => "rewritten",
            PassageClass::Added => "added",
            PassageClass::Removed => "removed",
            PassageClass::AddedOrChanged => "added-or-changed",
            PassageClass::Unreadable => "unreadable",
        }
    }
}

/// Classifies a row from its kind and, for changed rows, its word diff.
pub fn classify(kind: RowKind, diff: Option<&WordDiff>) -> Option<PassageClass> {
    Some(match kind {
        RowKind::Unchanged => return None,
        RowKind::Added => PassageClass::Added,
        RowKind::Removed => PassageClass::Removed,
        RowKind::AddedOrChanged => PassageClass::AddedOrChanged,
        RowKind::Unreadable => PassageClass::Unreadable,
        RowKind::Changed => {
            let d = diff?;
            if d.changes.iter().all(|c| c.tag == WordTag::Equal) {
                PassageClass::WhitespaceOnly
            } else if d.similarity < REWRITE_BELOW {
                PassageClass::Rewritten {
                    removed: d.removed_words,
                    added: d.added_words,
                }
            } else {
                PassageClass::Edited {
                    removed: d.removed_words,
                    added: d.added_words,
                }
            }
        }
    })
}
