//! Hover: on a body row, the other column's wording and a word-level diff; on the
//! header, the article's metadata and the summary. Markdown or plain text.

use super::common::{passage_message, versions, Ctx};
use crate::analysis::Analysis;
use crate::diff::{WordDiff, WordTag};
use crate::dump::{Row, RowKind, Side};
use tower_lsp_server::ls_types::{Hover, HoverContents, MarkupContent, MarkupKind, Position};

/// Escapes markdown punctuation so article text shows literally.
pub fn escape_md(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '`'
                | '*'
                | '_'
                | '{'
                | '}'
                | '['
                | ']'
                | '('
                | ')'
                | '#'
                | '+'
                | '-'
                | '!'
                | '<'
                | '>'
                | '|'
                | '~'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The newer wording with removed runs struck through and added runs in bold.
pub fn inline_diff_md(old: &str, new: &str, d: &WordDiff) -> String {
    let mut out = String::new();
    for c in &d.changes {
        let (text, wrap) = match c.tag {
            WordTag::Equal => (&new[c.new.clone()], ""),
            WordTag::Removed => (&old[c.old.clone()], "~~"),
            WordTag::Added => (&new[c.new.clone()], "**"),
        };
        if wrap.is_empty() {
            out.push_str(&escape_md(text));
        } else {
            // Keep surrounding spaces outside the markers, or markdown ignores them.
            let lead = &text[..text.len() - text.trim_start().len()];
            let core = text.trim();
            let trail = &text[lead.len() + core.len()..];
            out.push_str(lead);
            if !core.is_empty() {
                out.push_str(wrap);
                out.push_str(&escape_md(core));
                out.push_str(wrap);
            }
            out.push_str(trail);
        }
        if c.tag == WordTag::Removed && !out.ends_with(' ') {
            out.push(' ');
        }
    }
    out
}

/// Plain-text word diff: `[-removed-]{+added+}`.
pub fn inline_diff_plain(old: &str, new: &str, d: &WordDiff) -> String {
    let mut out = String::new();
    for c in &d.changes {
        let (text, open, close) = match c.tag {
            WordTag::Equal => {
                out.push_str(&new[c.new.clone()]);
                continue;
            }
            WordTag::Removed => (&old[c.old.clone()], "[-", "-]"),
            WordTag::Added => (&new[c.new.clone()], "{+", "+}"),
        };
        let lead = &text[..text.len() - text.trim_start().len()];
        let core = text.trim();
        out.push_str(lead);
        if !core.is_empty() {
            out.push_str(open);
            out.push_str(core);
            out.push_str(close);
        }
        out.push_str(&text[lead.len() + core.len()..]);
        if c.tag == WordTag::Removed && !out.ends_with(' ') {
            out.push(' ');
        }
    }
    out
}

struct Out {
    md: bool,
    s: String,
}

impl Out {
    fn heading(&mut self, t: &str) {
        if self.md {
            self.s.push_str(&format!("**{}**\n\n", escape_md(t)));
        } else {
            self.s.push_str(t);
            self.s.push_str("\n\n");
        }
    }
    fn para(&mut self, label: &str, text: &str) {
        if self.md {
            self.s
                .push_str(&format!("*{}:* {}\n\n", escape_md(label), escape_md(text)));
        } else {
            self.s.push_str(&format!("{label}: {text}\n\n"));
        }
    }
    fn raw(&mut self, t: &str) {
        self.s.push_str(t);
        self.s.push_str("\n\n");
    }
}

fn row_hover(cx: &Ctx, a: &Analysis, ri: usize, off: usize, out: &mut Out) {
    let dump = &a.dump;
    let row: &Row = &dump.rows[ri];
    let v = versions(dump);
    let passage = a.passage_of_row(ri);
    match (row.kind, &row.old, &row.new) {
        (RowKind::Unchanged, _, _) => {
            out.heading(&format!(
                "Unchanged in Version {} and Version {}",
                v[0], v[1]
            ));
        }
        (RowKind::Changed, Some(o), Some(n)) => {
            let p = passage.expect("changed rows have passages");
            out.heading(&passage_message(a, p));
            let (old, new) = (dump.slice(o), dump.slice(n));
            let in_old = off < n.start;
            if in_old {
                out.para(&format!("Version {} reads", v[1]), new);
            } else {
                out.para(&format!("Version {} read", v[0]), old);
            }
            if let Some(d) = &p.diff {
                if out.md {
                    out.raw(&format!("*Word diff:* {}", inline_diff_md(old, new, d)));
                    if cx.settings.hover.diff_block {
                        let fence = if old.contains("```") || new.contains("```") {
                            "~~~~"
                        } else {
                            "```"
                        };
                        out.raw(&format!("{fence}diff\n- {old}\n+ {new}\n{fence}"));
                    }
                } else {
                    out.para("Word diff", &inline_diff_plain(old, new, d));
                }
            }
        }
        (RowKind::Added, _, _) => {
            out.heading(&format!("Added in Version {}", v[1]));
            out.raw(&format!("This paragraph is not in Version {}.", v[0]));
        }
        (RowKind::Removed, _, _) => {
            out.heading(&format!("Removed in Version {}", v[1]));
            out.raw(&format!("This paragraph is only in Version {}.", v[0]));
        }
        (RowKind::AddedOrChanged, _, _) => {
            out.heading(&format!("New or changed in Version {}", v[1]));
            out.raw("The earlier wording is not in this file (a pipe-table scrape keeps only the newer version).");
        }
        _ => {
            out.heading("Unreadable row");
            out.raw("This row is not part of either version (the dump is cut off here).");
        }
    }
    for m in a.moves_of_row(ri) {
        let (here, there, verb) = if m.from_row == ri {
            (&m.from, &m.to, "moved to")
        } else {
            (&m.to, &m.from, "moved from")
        };
        let sentence = dump.slice(here);
        out.para(
            &format!("Sentence {verb} line {}", cx.line(there.start) + 1),
            sentence,
        );
    }
    if let Some(amb) = &row.ambiguity {
        let other = super::common::describe_reading(dump, row, amb.alternative);
        out.para(
            "Ambiguous",
            &format!("{} (it could also be {other})", amb.reason),
        );
    }
    if row.chosen {
        out.raw("This reading was chosen by hand (sidecar file).");
    }
}

fn header_hover(a: &Analysis, out: &mut Out) {
    let dump = &a.dump;
    let h = &dump.header;
    let v = versions(dump);
    let title = dump.version(Side::New).title.clone();
    out.heading(if title.is_empty() {
        "Version dump"
    } else {
        &title
    });
    let caption = dump.time.as_ref().map(|t| t.caption.clone());
    let mut fields: Vec<(&str, String)> = vec![
        (
            "Source",
            h.source.clone().unwrap_or_else(|| "unknown".into()),
        ),
        (
            "URL",
            h.url
                .clone()
                .filter(|u| !u.is_empty())
                .unwrap_or_else(|| "none".into()),
        ),
        (
            "First seen",
            h.first_seen
                .clone()
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "not shown".into()),
        ),
        ("Versions", format!("Version {} → Version {}", v[0], v[1])),
    ];
    if let Some(c) = caption {
        fields.push(("Caption", c));
    }
    fields.push((
        "Stored versions",
        h.changes
            .map(|c| c.to_string())
            .unwrap_or_else(|| "not shown".into()),
    ));
    if let Some(c) = &h.check {
        fields.push(("Checks", c.clone()));
    }
    fields.push(("Changes", a.summary_line()));
    for (k, val) in fields {
        out.para(k, &val);
    }
}

pub fn compute(cx: &Ctx, pos: Position, markdown: bool) -> Option<Hover> {
    if !cx.settings.hover.enabled {
        return None;
    }
    let a = cx.analysis()?;
    let mut out = Out {
        md: markdown,
        s: String::new(),
    };
    let range;
    if let Some((ri, off)) = cx.row_at(pos) {
        row_hover(cx, a, ri, off, &mut out);
        if let Some(h) = super::history::hover_section(cx, ri, markdown) {
            out.raw(&h);
        }
        range = cx.range(&a.dump.rows[ri].span);
    } else {
        let off = cx.offset(pos);
        let line = a.dump.line_of(off);
        let dump = &a.dump;
        if let Some(t) = dump.title.as_ref().filter(|t| t.line == line) {
            match (&t.old, t.changed) {
                (Some(o), true) => {
                    out.heading("Title changed");
                    out.para(&format!("Version {}", versions(dump)[0]), dump.slice(o));
                    out.para(
                        &format!("Version {}", versions(dump)[1]),
                        dump.slice(&t.new),
                    );
                }
                _ => {
                    out.heading("Title unchanged");
                    out.raw(&if markdown {
                        escape_md(dump.slice(&t.new))
                    } else {
                        dump.slice(&t.new).to_string()
                    });
                }
            }
            range = cx.range(&t.span);
        } else if let Some(t) = dump.time.as_ref().filter(|t| t.line == line) {
            out.heading(&format!(
                "Version {} is {}",
                versions(dump)[1],
                t.caption.trim_matches(['(', ')'])
            ));
            for (side, stamp) in t.stamps.iter().enumerate() {
                if let Some(s) = stamp {
                    out.para(&format!("Version {}", versions(dump)[side]), s);
                }
            }
            range = cx.range(&t.span);
        } else {
            let first_table_line = dump
                .title
                .as_ref()
                .map(|t| t.line)
                .or(dump.rows.first().map(|r| r.line));
            if first_table_line.is_some_and(|l| line >= l) {
                return None;
            }
            header_hover(a, &mut out);
            let start = dump.line_starts.get(line).copied().unwrap_or(0);
            let end = dump
                .line_starts
                .get(line + 1)
                .map(|e| e.saturating_sub(1))
                .unwrap_or(dump.text.len());
            let end = if dump.text[..end].ends_with('\r') {
                end - 1
            } else {
                end
            };
            range = cx.range(&(start..end.max(start)));
        }
    }
    let value = out.s.trim_end().to_string();
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: if markdown {
                MarkupKind::Markdown
            } else {
                MarkupKind::PlainText
            },
            value,
        }),
        range: Some(range),
    })
}
