//! Decoding (BOM, invalid UTF-8) and the line table. Lines end with LF or CRLF; the
//! spans stored for a line never include its ending.

use super::model::Span;

pub struct Decoded {
    pub text: String,
    pub lossy: bool,
}

pub fn decode(bytes: &[u8]) -> Decoded {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => Decoded {
            text: s.to_owned(),
            lossy: false,
        },
        Err(_) => Decoded {
            text: String::from_utf8_lossy(bytes).into_owned(),
            lossy: true,
        },
    }
}

/// [`decode`] for a buffer the caller gives up: a valid UTF-8 text with no
/// byte-order mark keeps its buffer (the language server's text is one), anything
/// else is decoded into a new one.
pub fn decode_owned(bytes: Vec<u8>) -> Decoded {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        return decode(&bytes);
    }
    match String::from_utf8(bytes) {
        Ok(text) => Decoded { text, lossy: false },
        Err(e) => decode(e.as_bytes()),
    }
}

pub struct LineTable {
    pub starts: Vec<usize>,
    /// Content span of each line (no line ending).
    pub spans: Vec<Span>,
    /// Whether the last line ends with a newline.
    pub final_newline: bool,
}

impl LineTable {
    pub fn new(text: &str) -> LineTable {
        let mut starts = Vec::new();
        let mut spans = Vec::new();
        let start = for_each_line(text.as_bytes(), 0, text.len(), |line| {
            starts.push(line.start);
            spans.push(line);
        });
        let final_newline = start == text.len() && !text.is_empty();
        // A text ending with a newline has no empty "line" after it.
        if start < text.len() || text.is_empty() {
            starts.push(start);
            spans.push(start..text.len());
        }
        LineTable {
            starts,
            spans,
            final_newline,
        }
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }
}

/// Calls `line` with the content span (no LF, no CR before it) of every line of
/// `bytes[from..to]` that ends with a newline there, and returns where the line after
/// the last of them starts. `from` must be a line start.
pub fn for_each_line(bytes: &[u8], from: usize, to: usize, mut line: impl FnMut(Span)) -> usize {
    let mut start = from;
    for i in memchr::memchr_iter(b'\n', &bytes[from..to]) {
        let i = from + i;
        let end = if i > start && bytes[i - 1] == b'\r' {
            i - 1
        } else {
            i
        };
        line(start..end);
        start = i + 1;
    }
    start
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_and_final_newline() {
        let t = LineTable::new("a\r\nb\n");
        assert_eq!(t.spans, vec![0..1, 3..4]);
        assert!(t.final_newline);
        let t = LineTable::new("a\nb");
        assert_eq!(t.spans, vec![0..1, 2..3]);
        assert!(!t.final_newline);
        assert_eq!(t.starts, vec![0, 2]);
    }

    #[test]
    fn bom_and_lossy() {
        let d = decode(b"\xEF\xBB\xBFabc\xFF");
        assert!(d.lossy);
        assert_eq!(d.text, "abc\u{FFFD}");
    }

    #[test]
    fn owned_decoding_is_decoding() {
        let inputs: [&[u8]; 5] = [
            b"\xEF\xBB\xBFabc\xFF",
            b"\xEF\xBB\xBF\xE2\x80\x9Cq\xE2\x80\x9D",
            "“q” — é 🚀 東京".as_bytes(),
            b"ab\xC3",
            b"",
        ];
        for bytes in inputs {
            let (a, b) = (decode(bytes), decode_owned(bytes.to_vec()));
            assert_eq!((a.text, a.lossy), (b.text, b.lossy), "{bytes:?}");
        }
        // A plain text keeps its buffer.
        let buf = "“q” — é".as_bytes().to_vec();
        let at = buf.as_ptr();
        assert_eq!(decode_owned(buf).text.as_ptr(), at);
    }
}
