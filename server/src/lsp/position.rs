//! Position conversion between byte offsets (what the reader and the rope use) and LSP
//! positions in the negotiated encoding. Every conversion clamps: a line past the end
//! maps to the end of the text, a character past the end of its line to the line's end.

use ls_types::{Position, PositionEncodingKind, Range};
use ropey::{Rope, RopeSlice};
use std::ops::Range as Span;
use tower_lsp_server::ls_types;

/// The unit LSP `character` offsets count in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    #[default]
    Utf16,
    Utf32,
}

impl Encoding {
    /// UTF-8 when the client offers it, else UTF-16 (the protocol default) unless the
    /// client offers only UTF-32.
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Encoding {
        let Some(offered) = offered else {
            return Encoding::Utf16;
        };
        let has = |k: &str| offered.iter().any(|o| o.as_str() == k);
        if has("utf-8") {
            Encoding::Utf8
        } else if has("utf-16") || offered.is_empty() {
            Encoding::Utf16
        } else if has("utf-32") {
            Encoding::Utf32
        } else {
            Encoding::Utf16
        }
    }

    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
            Encoding::Utf32 => PositionEncodingKind::UTF32,
        }
    }

    /// Code units of one character.
    pub fn units(self, c: char) -> usize {
        match self {
            Encoding::Utf8 => c.len_utf8(),
            Encoding::Utf16 => c.len_utf16(),
            Encoding::Utf32 => 1,
        }
    }

    /// Code units of a string.
    pub fn len(self, s: &str) -> usize {
        match self {
            Encoding::Utf8 => s.len(),
            Encoding::Utf16 => count_bytes(s, |b| (b as i8 >= -64) as u8 + (b >= 0xF0) as u8),
            Encoding::Utf32 => count_bytes(s, |b| (b as i8 >= -64) as u8),
        }
    }

    fn slice_len(self, s: RopeSlice) -> usize {
        match self {
            Encoding::Utf8 => s.len_bytes(),
            Encoding::Utf16 => s.len_utf16_cu(),
            Encoding::Utf32 => s.len_chars(),
        }
    }
}

/// Sums `units` over the bytes of `s`, in blocks of 64 bytes with 8-bit sums so the
/// compiler vectorises it. A byte that is not a continuation byte (`b as i8 >= -64`)
/// starts a character; a four-byte character (lead byte `>= 0xF0`) is two UTF-16 units.
fn count_bytes(s: &str, units: impl Fn(u8) -> u8) -> usize {
    s.as_bytes()
        .chunks(64)
        .map(|block| block.iter().fold(0u8, |n, &b| n + units(b)) as usize)
        .sum()
}

/// Byte length of a line without its line break (LF, CRLF or CR).
fn content_len(line: RopeSlice) -> usize {
    let n = line.len_bytes();
    if n == 0 {
        return 0;
    }
    let last = line.byte(n - 1);
    if last == b'\n' {
        if n >= 2 && line.byte(n - 2) == b'\r' {
            n - 2
        } else {
            n - 1
        }
    } else if last == b'\r' {
        n - 1
    } else {
        n
    }
}

/// The byte offset of a position, clamped to the text and to the line's content.
pub fn offset_at(rope: &Rope, pos: Position, enc: Encoding) -> usize {
    let line = pos.line as usize;
    if line >= rope.len_lines() {
        return rope.len_bytes();
    }
    let start = rope.line_to_byte(line);
    let slice = rope.line(line);
    let len = content_len(slice);
    let want = pos.character as usize;
    if enc == Encoding::Utf8 {
        // Snap down to a character boundary.
        let mut at = want.min(len);
        while at > 0 && at < slice.len_bytes() && (slice.byte(at) & 0xC0) == 0x80 {
            at -= 1;
        }
        return start + at;
    }
    let mut units = 0;
    let mut bytes = 0;
    for c in slice.byte_slice(..len).chars() {
        let u = enc.units(c);
        if units + u > want {
            break;
        }
        units += u;
        bytes += c.len_utf8();
    }
    start + bytes
}

/// The position of a byte offset (clamped to the text; an offset inside a character
/// counts from that character's start).
pub fn position_at(rope: &Rope, offset: usize, enc: Encoding) -> Position {
    let mut offset = offset.min(rope.len_bytes());
    let line = rope.byte_to_line(offset);
    let start = rope.line_to_byte(line);
    // Never point inside a character.
    while offset > start && offset < rope.len_bytes() && (rope.byte(offset) & 0xC0) == 0x80 {
        offset -= 1;
    }
    let character = enc.slice_len(rope.byte_slice(start..offset));
    Position::new(line as u32, character as u32)
}

pub fn range_of(rope: &Rope, span: &Span<usize>, enc: Encoding) -> Range {
    Range::new(
        position_at(rope, span.start, enc),
        position_at(rope, span.end, enc),
    )
}

/// The byte range of an LSP range (start and end clamped; a reversed range is empty).
pub fn span_of(rope: &Rope, range: Range, enc: Encoding) -> Span<usize> {
    let a = offset_at(rope, range.start, enc);
    let b = offset_at(rope, range.end, enc);
    a..b.max(a)
}

/// Positions inside a plain string (a version document): offsets of line starts.
pub struct TextIndex {
    starts: Vec<usize>,
}

impl TextIndex {
    pub fn new(text: &str) -> TextIndex {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        TextIndex { starts }
    }

    pub fn position(&self, text: &str, offset: usize, enc: Encoding) -> Position {
        position_in(text, &self.starts, offset, enc)
    }

    pub fn range(&self, text: &str, span: &Span<usize>, enc: Encoding) -> Range {
        Range::new(
            self.position(text, span.start, enc),
            self.position(text, span.end, enc),
        )
    }

    pub fn offset(&self, text: &str, pos: Position, enc: Encoding) -> usize {
        let line = pos.line as usize;
        if line >= self.starts.len() {
            return text.len();
        }
        let start = self.starts[line];
        let end = self
            .starts
            .get(line + 1)
            .map(|e| e - 1)
            .unwrap_or(text.len());
        let line_text = text[start..end]
            .strip_suffix('\r')
            .unwrap_or(&text[start..end]);
        let want = pos.character as usize;
        let mut units = 0;
        for (i, c) in line_text.char_indices() {
            let u = enc.units(c);
            if units + u > want {
                return start + i;
            }
            units += u;
        }
        start + line_text.len()
    }
}

/// The position of a byte offset in `text`, whose lines start at `starts` (LF-separated
/// lines; the empty line after a final newline may be left out). Gives what
/// [`position_at`] gives on a rope of the same text when the text has no lone CR, in a
/// binary search and a count over one line instead of a walk down the rope.
pub fn position_in(text: &str, starts: &[usize], offset: usize, enc: Encoding) -> Position {
    let offset = offset.min(text.len());
    let line = line_in(text, starts, offset);
    let Some(&start) = starts.get(line) else {
        return Position::new(line as u32, 0); // the empty line after a final newline
    };
    let offset = floor_boundary(text, offset);
    Position::new(
        line as u32,
        enc.len(&text[start.min(offset)..offset]) as u32,
    )
}

/// The line of [`position_in`] alone.
pub fn line_in(text: &str, starts: &[usize], offset: usize) -> usize {
    let offset = offset.min(text.len());
    if offset == text.len() && text.ends_with('\n') && starts.last() != Some(&text.len()) {
        return starts.len();
    }
    starts.partition_point(|&s| s <= offset).max(1) - 1
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "“Quoted” café\r\n😀 emoji and 中文字\nlast";

    fn rope() -> Rope {
        Rope::from_str(TEXT)
    }

    #[test]
    fn negotiation() {
        assert_eq!(Encoding::negotiate(None), Encoding::Utf16);
        let offered = [PositionEncodingKind::UTF16, PositionEncodingKind::UTF8];
        assert_eq!(Encoding::negotiate(Some(&offered)), Encoding::Utf8);
        assert_eq!(
            Encoding::negotiate(Some(&[PositionEncodingKind::UTF32])),
            Encoding::Utf32
        );
        assert_eq!(
            Encoding::negotiate(Some(&[PositionEncodingKind::UTF16])),
            Encoding::Utf16
        );
        assert_eq!(Encoding::negotiate(Some(&[])), Encoding::Utf16);
    }

    #[test]
    fn curly_quotes_and_accents() {
        let r = rope();
        let e = TEXT.find("café").unwrap() + "caf".len(); // before é
        assert_eq!(position_at(&r, e, Encoding::Utf16), Position::new(0, 12));
        assert_eq!(position_at(&r, e, Encoding::Utf32), Position::new(0, 12));
        assert_eq!(
            position_at(&r, e, Encoding::Utf8),
            Position::new(0, e as u32)
        );
        for enc in [Encoding::Utf8, Encoding::Utf16, Encoding::Utf32] {
            let p = position_at(&r, e, enc);
            assert_eq!(offset_at(&r, p, enc), e);
        }
    }

    #[test]
    fn emoji_and_cjk() {
        let r = rope();
        let line1 = TEXT.find('😀').unwrap();
        let cjk = TEXT.find('中').unwrap();
        assert_eq!(position_at(&r, cjk, Encoding::Utf16), Position::new(1, 13));
        assert_eq!(position_at(&r, cjk, Encoding::Utf32), Position::new(1, 12));
        assert_eq!(
            position_at(&r, cjk, Encoding::Utf8),
            Position::new(1, (cjk - line1) as u32)
        );
        // Inside the surrogate pair: rounds down to the emoji's start.
        assert_eq!(offset_at(&r, Position::new(1, 1), Encoding::Utf16), line1);
        assert_eq!(
            offset_at(&r, Position::new(1, 2), Encoding::Utf16),
            line1 + 4
        );
        // Inside a UTF-8 sequence: snaps to the character start.
        assert_eq!(offset_at(&r, Position::new(1, 2), Encoding::Utf8), line1);
        let end = TEXT.find("\nlast").unwrap();
        assert_eq!(position_at(&r, end, Encoding::Utf16), Position::new(1, 16));
    }

    #[test]
    fn clamping() {
        let r = rope();
        // Past the end of a line: the line's end, before CRLF.
        let crlf = TEXT.find('\r').unwrap();
        assert_eq!(offset_at(&r, Position::new(0, 500), Encoding::Utf16), crlf);
        // Past the last line: the end of the text.
        assert_eq!(
            offset_at(&r, Position::new(99, 0), Encoding::Utf16),
            TEXT.len()
        );
        assert_eq!(
            position_at(&r, 10_000, Encoding::Utf16),
            Position::new(2, 4)
        );
        let s = span_of(
            &r,
            Range::new(Position::new(1, 5), Position::new(0, 0)),
            Encoding::Utf16,
        );
        assert!(s.is_empty());
    }

    #[test]
    fn line_table_positions_match_rope() {
        for text in [TEXT, "a\r\nb“c”\n", "😀\n\n中\n", "", "\n", "x"] {
            let r = Rope::from_str(text);
            // The reader's table: no entry for the empty line after a final newline.
            let mut starts = vec![0];
            starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
            if text.ends_with('\n') {
                starts.pop();
            }
            for enc in [Encoding::Utf8, Encoding::Utf16, Encoding::Utf32] {
                for i in 0..=text.len() + 2 {
                    let p = position_at(&r, i, enc);
                    assert_eq!(
                        position_in(text, &starts, i, enc),
                        p,
                        "{text:?} {i} {enc:?}"
                    );
                    assert_eq!(line_in(text, &starts, i), p.line as usize, "{text:?} {i}");
                }
            }
        }
    }

    #[test]
    fn text_index_matches_rope() {
        let r = rope();
        let ix = TextIndex::new(TEXT);
        for enc in [Encoding::Utf8, Encoding::Utf16, Encoding::Utf32] {
            for (i, _) in TEXT.char_indices() {
                let p = position_at(&r, i, enc);
                assert_eq!(ix.position(TEXT, i, enc), p, "{i} {enc:?}");
                if TEXT.as_bytes()[i] != b'\n' {
                    assert_eq!(
                        ix.offset(TEXT, p, enc),
                        offset_at(&r, p, enc),
                        "{i} {enc:?}"
                    );
                }
            }
        }
    }
}
