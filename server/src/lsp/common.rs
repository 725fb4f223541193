//! Helpers every feature uses: a request context (snapshot + encoding + settings),
//! row lookup by position, wording of passages and readings, version URIs.

use super::position::{line_in, position_at, position_in, Encoding};
use super::settings::Settings;
use crate::analysis::{Analysis, Passage};
use crate::diff::PassageClass;
use crate::dump::{Dump, Reading, Row, RowKind, Side, Span};
use crate::store::Snapshot;
use tower_lsp_server::ls_types::{Position, Range, Uri};

pub struct Ctx<'a> {
    pub snap: &'a Snapshot,
    pub enc: Encoding,
    pub settings: &'a Settings,
    pub uri: &'a Uri,
    /// The folder libraries (history across dumps).
    pub histories: &'a super::history::Histories,
}

impl<'a> Ctx<'a> {
    pub fn analysis(&self) -> Option<&'a Analysis> {
        self.snap.analysis()
    }

    /// The LSP range of a dump span.
    pub fn range(&self, span: &Span) -> Range {
        Range::new(self.pos(span.start), self.pos(span.end))
    }

    pub fn pos(&self, offset: usize) -> Position {
        match self.snap.plain_text() {
            Some((text, starts)) => position_in(text, starts, offset, self.enc),
            None => position_at(&self.snap.rope, self.snap.to_rope(offset), self.enc),
        }
    }

    /// The 0-based LSP line of a dump offset.
    pub fn line(&self, offset: usize) -> u32 {
        if let Some((text, starts)) = self.snap.plain_text() {
            return line_in(text, starts, offset) as u32;
        }
        self.snap
            .rope
            .byte_to_line(self.snap.to_rope(offset).min(self.snap.rope.len_bytes())) as u32
    }

    /// Dump offset of an LSP position (clamped).
    pub fn offset(&self, pos: Position) -> usize {
        self.snap
            .to_dump(super::position::offset_at(&self.snap.rope, pos, self.enc))
    }

    /// The body row under a position, with the dump offset of the position.
    pub fn row_at(&self, pos: Position) -> Option<(usize, usize)> {
        let a = self.analysis()?;
        let off = self.offset(pos);
        let line = a.dump.line_of(off);
        let row = a.dump.row_at_line(line)?;
        Some((row, off))
    }

    /// The row at an LSP line (any character).
    pub fn row_at_line(&self, line: u32) -> Option<usize> {
        self.row_at(Position::new(line, 0)).map(|(r, _)| r)
    }

    /// The LSP line of a body row: its line in the dump when the dump's line table is
    /// the editor's (no search), else found in the rope.
    pub fn row_line(&self, row: &Row) -> u32 {
        match self.snap.plain_text() {
            Some(_) => row.line as u32,
            None => self.line(row.span.start),
        }
    }
}

pub fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The version numbers shown on the left and right.
pub fn versions(dump: &Dump) -> [u32; 2] {
    [
        dump.version(Side::Old).number,
        dump.version(Side::New).number,
    ]
}

/// "Edited in Version 1: 3 words removed, 17 added".
pub fn passage_message(a: &Analysis, p: &Passage) -> String {
    let v = versions(&a.dump)[1];
    match p.class {
        PassageClass::Edited { removed, added } => {
            format!("Edited in Version {v}: {} removed, {added} added", plural(removed, "word", "words"))
        }
        PassageClass::Rewritten { removed, added } => format!(
            "Rewritten in Version {v}: {} removed, {added} added (little in common: a different paragraph took this place)",
            plural(removed, "word", "words")
        ),
        PassageClass::WhitespaceOnly => format!("Whitespace changed in Version {v}"),
        PassageClass::Added => format!("Added in Version {v}"),
        PassageClass::Removed => format!("Removed in Version {v}"),
        PassageClass::AddedOrChanged => {
            format!("New or changed in Version {v} (the earlier wording is not in this file)")
        }
        PassageClass::Unreadable => "Unreadable row: not part of either version".to_string(),
    }
}

/// Short status for symbols and lenses: "edited: 3 removed, 17 added".
pub fn passage_status(p: &Passage) -> String {
    match p.class {
        PassageClass::Edited { removed, added } => {
            format!("edited: {removed} removed, {added} added")
        }
        PassageClass::Rewritten { removed, added } => {
            format!("rewritten: {removed} removed, {added} added")
        }
        other => other.code().replace('-', " "),
    }
}

/// At most `max` characters of a text, with an ellipsis when cut.
pub fn snippet(text: &str, max: usize) -> String {
    let mut out: String = text.chars().take(max).collect();
    if out.len() < text.len() {
        out = out.trim_end().to_string();
        out.push('…');
    }
    if out.trim().is_empty() {
        "(empty)".to_string()
    } else {
        out
    }
}

/// The last word of the old half for a split: “word”.
pub fn word_before(text: &str, at: usize) -> String {
    let at = at.min(text.len());
    let head = text.get(..at).unwrap_or(text).trim_end();
    let w = head.rsplit(char::is_whitespace).next().unwrap_or("");
    snippet(w, 30)
}

/// How a reading of a row reads, for messages: "added in Version 1".
pub fn describe_reading(dump: &Dump, row: &Row, reading: Reading) -> String {
    let v = versions(dump);
    match reading {
        Reading::Unchanged => "an unchanged paragraph".into(),
        Reading::Changed { split } => {
            format!(
                "a changed paragraph split after “{}”",
                word_before(dump.slice(&row.span), split)
            )
        }
        Reading::Added => format!("a paragraph added in Version {}", v[1]),
        Reading::Removed => format!("a paragraph removed in Version {}", v[1]),
    }
}

/// The title of a code action that picks a reading.
pub fn reading_title(dump: &Dump, row: &Row, reading: Reading) -> String {
    let v = versions(dump);
    let one = if row.kind == RowKind::Changed {
        "one paragraph "
    } else {
        ""
    };
    match reading {
        Reading::Unchanged => "Read as unchanged".into(),
        Reading::Changed { split } => format!(
            "Split after “{}”",
            word_before(dump.slice(&row.span), split)
        ),
        Reading::Added => format!("Read as {one}added in Version {}", v[1]),
        Reading::Removed => format!("Read as {one}removed in Version {}", v[1]),
    }
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Percent-encodes everything but unreserved characters.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        }
    }
    out
}

pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let h = std::str::from_utf8(&b[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(h) = h {
                out.push(h);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The file name at the end of a URI's path.
pub fn file_name(uri: &str) -> String {
    let path = uri.split(['?', '#']).next().unwrap_or(uri);
    let name = path.rsplit('/').next().unwrap_or(path);
    if name.is_empty() {
        "dump".into()
    } else {
        name.to_string()
    }
}

/// `palimpsest://version/N/<dump file name>?dump=<percent-encoded dump URI>`.
pub fn version_uri(dump_uri: &str, number: u32) -> String {
    format!(
        "palimpsest://version/{number}/{}?dump={}",
        file_name(dump_uri),
        percent_encode(dump_uri)
    )
}

/// The version number and dump URI of a version document URI.
pub fn parse_version_uri(uri: &str) -> Option<(u32, String)> {
    let rest = uri.strip_prefix("palimpsest://version/")?;
    let (n, rest) = rest.split_once('/')?;
    let number = n.parse().ok()?;
    let query = rest.split_once('?')?.1;
    let dump = query.split('&').find_map(|kv| kv.strip_prefix("dump="))?;
    Some((number, percent_decode(dump)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_uris_round_trip() {
        let dump = "file:///tmp/a%20b/caf%C3%A9.txt";
        let u = version_uri(dump, 3);
        assert!(u.starts_with("palimpsest://version/3/caf%C3%A9.txt?dump=file%3A%2F%2F%2Ftmp"));
        assert_eq!(parse_version_uri(&u), Some((3, dump.to_string())));
        assert_eq!(parse_version_uri("file:///x"), None);
        assert_eq!(percent_decode("%E2%80%9C%"), "“%");
    }

    #[test]
    fn snippets() {
        assert_eq!(snippet("abcdef", 3), "abc…");
        assert_eq!(snippet("", 3), "(empty)");
        assert_eq!(word_before("one two three", 7), "two");
    }
}
