//! The plain types the reader produces. Offsets are byte offsets into [`Dump::text`];
//! nothing here knows about LSP or JSON transport.

use serde::{Deserialize, Serialize};
use std::ops::Range;
use std::sync::Arc;

/// A byte range into the dump's text.
pub type Span = Range<usize>;

/// Which flattening the file uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// The News Sniffer diff page flattened to text: both columns present.
    NewssnifferDiff,
    /// The pipe-table scrape: only the newer (right) column survives.
    PipeTable,
}

/// A column of the diff page. `Old` is the left column, `New` the right one
/// (on an "earlier" page the left column is the later version).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Old,
    New,
}

impl Side {
    pub fn index(self) -> usize {
        match self {
            Side::Old => 0,
            Side::New => 1,
        }
    }
    pub fn other(self) -> Side {
        match self {
            Side::Old => Side::New,
            Side::New => Side::Old,
        }
    }
}

/// What a body row says happened to its paragraph, read left to right.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RowKind {
    Unchanged,
    Changed,
    /// Only in the right column.
    Added,
    /// Only in the left column.
    Removed,
    /// Pipe tables only: the paragraph is new or changed in the right column and the
    /// older wording is not in the file.
    AddedOrChanged,
    /// The row could not be read (the partial last row of a truncated excerpt).
    Unreadable,
}

impl RowKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RowKind::Unchanged => "unchanged",
            RowKind::Changed => "changed",
            RowKind::Added => "added",
            RowKind::Removed => "removed",
            RowKind::AddedOrChanged => "added-or-changed",
            RowKind::Unreadable => "unreadable",
        }
    }
    /// Whether a paragraph of this row exists in the given column.
    pub fn present_in(self, side: Side) -> bool {
        match self {
            RowKind::Unchanged | RowKind::Changed => true,
            RowKind::Added | RowKind::AddedOrChanged => side == Side::New,
            RowKind::Removed => side == Side::Old,
            RowKind::Unreadable => false,
        }
    }
}

/// One way to read a body row. The reader picks one; an ambiguous row keeps the
/// best rejected one so that a person (or a sidecar file) can choose it instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Reading {
    Unchanged,
    /// `OLD NEW`; `split` is the byte offset, relative to the row's start, of the one
    /// space that separates the halves.
    Changed {
        split: usize,
    },
    Added,
    Removed,
}

impl Reading {
    pub fn kind(self) -> RowKind {
        match self {
            Reading::Unchanged => RowKind::Unchanged,
            Reading::Changed { .. } => RowKind::Changed,
            Reading::Added => RowKind::Added,
            Reading::Removed => RowKind::Removed,
        }
    }
}

/// A decision the text alone does not settle.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ambiguity {
    /// The best reading that was rejected.
    pub alternative: Reading,
    /// Why the decision is uncertain, in words a person can read (shared: every
    /// decision, row and finding that repeats it holds the same text).
    pub reason: Arc<str>,
}

/// One body row of the table (one paragraph position).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// 0-based line number in the dump.
    pub line: usize,
    /// The row's text (without line ending).
    pub span: Span,
    pub kind: RowKind,
    /// The reading the kind and halves come from (`None` for pipe-table and unreadable rows).
    pub reading: Option<Reading>,
    /// The left-column paragraph, when it is in the file.
    pub old: Option<Span>,
    /// The right-column paragraph, when it is in the file.
    pub new: Option<Span>,
    /// How sure the reader is of this row's kind and split, 0..=1.
    pub confidence: f32,
    pub ambiguity: Option<Ambiguity>,
    /// True when the reading came from a person's choice in the sidecar file.
    pub chosen: bool,
}

impl Row {
    pub fn half(&self, side: Side) -> Option<&Span> {
        match side {
            Side::Old => self.old.as_ref(),
            Side::New => self.new.as_ref(),
        }
    }
}

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// Something the reader wants a person to know about the file itself (not a change in
/// the article): truncation, lossy decoding, blank or stray lines, ambiguity.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// A stable machine-readable code such as `truncated` or `ambiguous-polarity`.
    pub code: &'static str,
    pub span: Span,
    pub message: Arc<str>,
}

impl Finding {
    /// Whether it is a row's ambiguity (one made by `build::ambiguity_code`, with the
    /// row's span): carried over by an edit that leaves the row's decision alone.
    pub fn is_row_ambiguity(&self) -> bool {
        matches!(
            self.code,
            "ambiguous-polarity" | "ambiguous-split" | "ambiguous-pairing"
        )
    }
}

/// Header metadata (lines 1-7 of a News Sniffer dump).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub source: Option<String>,
    pub first_seen: Option<String>,
    pub check: Option<String>,
    pub url: Option<String>,
    /// "The article has changed N times": the number of stored versions.
    pub changes: Option<u32>,
    /// Left and right version numbers.
    pub versions: [u32; 2],
    /// Spans of the header lines: source line, URL line, changes line, versions line.
    pub source_line: Option<Span>,
    pub url_line: Option<Span>,
    pub url_span: Option<Span>,
    pub changes_line: Option<Span>,
    pub versions_line: Option<Span>,
}

/// The title row: `T T` when unchanged, `OLD NEW` otherwise.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TitleRow {
    pub line: usize,
    pub span: Span,
    pub old: Option<Span>,
    pub new: Span,
    pub changed: bool,
    pub confidence: f32,
    pub ambiguity: Option<Ambiguity>,
}

/// Whether the right column is later or earlier than the left one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Later,
    Earlier,
}

/// The time row: optional timestamps then `(DISTANCE later|earlier)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimeRow {
    pub line: usize,
    pub span: Span,
    /// Timestamp shown for each column, when dates are shown.
    pub stamps: [Option<String>; 2],
    /// `about 1 hour`, `5 days`, ...
    pub distance: String,
    pub direction: Direction,
    /// The parenthesised caption as shown, `(about 1 hour later)`.
    pub caption: String,
}

/// A reconstructed version (one column of the page).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Version {
    pub number: u32,
    pub title: String,
    /// As in the ground-truth schema: `null`/timestamp for the left column,
    /// `[timestamp ]"(... later)"` for the right one.
    pub caption: Option<String>,
    pub paragraphs: Vec<VersionParagraph>,
    /// False for the older column of a pipe table: its wording is not in the file.
    pub complete: bool,
}

/// The one layout of a version's text (`palimpsest show`, version documents): title,
/// blank line, paragraphs separated by blank lines, final newline. Returns the text and
/// each paragraph's byte range in it.
pub fn render_version<'a>(
    title: &str,
    paragraphs: impl Iterator<Item = &'a str>,
) -> (String, Vec<Span>) {
    let mut out = String::with_capacity(title.len() + 1);
    out.push_str(title);
    out.push('\n');
    let mut ranges = Vec::new();
    for p in paragraphs {
        out.push('\n');
        let start = out.len();
        out.push_str(p);
        ranges.push(start..out.len());
        out.push('\n');
    }
    (out, ranges)
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VersionParagraph {
    /// Whitespace runs folded to one space. Shared, so that re-reading an edited
    /// dump reuses the paragraphs it did not touch.
    pub text: std::sync::Arc<str>,
    /// Index into [`Dump::rows`].
    pub row: usize,
}

impl Version {
    /// The version as `palimpsest show` prints it: title, blank line, paragraphs
    /// separated by blank lines, final newline.
    pub fn render(&self) -> String {
        render_version(&self.title, self.paragraphs.iter().map(|p| &*p.text)).0
    }

    /// Byte ranges of each paragraph in [`Version::render`]'s output.
    pub fn paragraph_ranges(&self) -> Vec<Span> {
        render_version(&self.title, self.paragraphs.iter().map(|p| &*p.text)).1
    }
}

/// Everything the reader learned from one file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Dump {
    /// The file as text (invalid UTF-8 replaced, BOM removed). All spans index this.
    pub text: String,
    pub format: Format,
    /// The bytes were not valid UTF-8 and were read lossily.
    pub lossy: bool,
    /// The file ends inside a row: what is complete was read, the rest is missing.
    pub truncated: bool,
    /// Start offset of every line (0-based line `i` starts at `line_starts[i]`).
    pub line_starts: Vec<usize>,
    /// How many CRs in the text are not part of a CRLF (line breaks of their own for
    /// an editor, not for the line table).
    #[serde(skip)]
    pub lone_crs: usize,
    pub header: Header,
    pub title: Option<TitleRow>,
    pub time: Option<TimeRow>,
    pub rows: Vec<Row>,
    pub findings: Vec<Finding>,
    /// The two reconstructed columns, left then right.
    pub versions: [Version; 2],
}

impl Dump {
    pub fn slice(&self, span: &Span) -> &str {
        &self.text[span.clone()]
    }

    pub fn version(&self, side: Side) -> &Version {
        &self.versions[side.index()]
    }

    /// The column that holds the given version number, if this dump shows it.
    pub fn side_of_version(&self, number: u32) -> Option<Side> {
        if self.header.versions[0] == number {
            Some(Side::Old)
        } else if self.header.versions[1] == number {
            Some(Side::New)
        } else {
            None
        }
    }

    /// The 0-based line containing a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    /// The row at a 0-based line, if that line is a body row.
    pub fn row_at_line(&self, line: usize) -> Option<usize> {
        self.rows.binary_search_by_key(&line, |r| r.line).ok()
    }

    /// Rows that are flagged ambiguous.
    pub fn ambiguous_rows(&self) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(|r| r.ambiguity.is_some())
    }
}

/// Why a file could not be read as a dump at all.
#[derive(Clone, Debug, PartialEq)]
pub struct NotADump {
    pub message: String,
}

impl std::fmt::Display for NotADump {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for NotADump {}
