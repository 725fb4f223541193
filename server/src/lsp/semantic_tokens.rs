//! Semantic tokens (full): removed and added words of each changed row, whole one-sided
//! rows, and header fields, so editors colour the word diff in place.

use super::common::Ctx;
use crate::diff::WordTag;
use crate::dump::{RowKind, Span};
use tower_lsp_server::ls_types::{SemanticToken, SemanticTokenType, SemanticTokensLegend};

pub const REMOVED: u32 = 0;
pub const ADDED: u32 = 1;
pub const HEADER: u32 = 2;

pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: vec![
            SemanticTokenType::new("removedWords"),
            SemanticTokenType::new("addedWords"),
            SemanticTokenType::new("headerField"),
        ],
        token_modifiers: vec![],
    }
}

pub fn compute(cx: &Ctx) -> Vec<SemanticToken> {
    let Some(a) = cx.analysis() else {
        return Vec::new();
    };
    let dump = &a.dump;
    let mut spans: Vec<(Span, u32)> = Vec::new();
    let h = &dump.header;
    if let Some(s) = &h.source_line {
        spans.push((s.clone(), HEADER));
    }
    if let Some(s) = h.url_span.as_ref().or(h.url_line.as_ref()) {
        spans.push((s.clone(), HEADER));
    }
    if let Some(s) = &h.changes_line {
        spans.push((s.clone(), HEADER));
    }
    if let Some(s) = &h.versions_line {
        spans.push((s.clone(), HEADER));
    }
    for p in &a.passages {
        let row = &dump.rows[p.row];
        match (row.kind, &row.old, &row.new, &p.diff) {
            (RowKind::Changed, Some(o), Some(n), Some(d)) => {
                // Old half first (it comes first on the line), then the new half.
                for c in d.changes.iter().filter(|c| c.tag == WordTag::Removed) {
                    spans.push((o.start + c.old.start..o.start + c.old.end, REMOVED));
                }
                for c in d.changes.iter().filter(|c| c.tag == WordTag::Added) {
                    spans.push((n.start + c.new.start..n.start + c.new.end, ADDED));
                }
            }
            (RowKind::Added, _, _, _) if cx.settings.semantic_tokens.one_sided_rows => {
                spans.push((row.span.clone(), ADDED))
            }
            (RowKind::Removed, _, _, _) if cx.settings.semantic_tokens.one_sided_rows => {
                spans.push((row.span.clone(), REMOVED))
            }
            _ => {}
        }
    }
    spans.sort_by_key(|(s, _)| s.start);
    let mut out = Vec::with_capacity(spans.len());
    let (mut last_line, mut last_char) = (0u32, 0u32);
    let mut last_end = 0usize;
    for (span, ty) in spans {
        // Trim spaces: a token is the words, not the gaps around them.
        let text = dump.slice(&span);
        let start = span.start + (text.len() - text.trim_start().len());
        let end = span.end - (text.len() - text.trim_end().len());
        if end <= start || start < last_end {
            continue;
        }
        let a = cx.pos(start);
        let b = cx.pos(end);
        if b.line != a.line || b.character <= a.character {
            continue;
        }
        let delta_line = a.line - last_line;
        let delta_start = if delta_line == 0 {
            a.character - last_char
        } else {
            a.character
        };
        out.push(SemanticToken {
            delta_line,
            delta_start,
            length: b.character - a.character,
            token_type: ty,
            token_modifiers_bitset: 0,
        });
        last_line = a.line;
        last_char = a.character;
        last_end = end;
    }
    out
}
