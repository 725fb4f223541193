//! Go to definition between a passage in the dump and the same paragraph in a version
//! document (`palimpsest://version/N/...`), both ways.

use super::common::{version_uri, Ctx};
use super::position::{offset_at, range_of, Encoding};
use crate::dump::{RowKind, Side};
use crate::store::Snapshot;
use std::str::FromStr;
use tower_lsp_server::ls_types::{Location, Position, Range, Uri};

/// From the dump: the paragraph under the cursor in the version it belongs to.
pub fn from_dump(cx: &Ctx, pos: Position) -> Option<Location> {
    let a = cx.analysis()?;
    let dump = &a.dump;
    let off = cx.offset(pos);
    let (side, row) = if let Some((ri, off)) = cx.row_at(pos) {
        let row = &dump.rows[ri];
        let side = match (row.kind, &row.old) {
            (RowKind::Added | RowKind::AddedOrChanged, _) => Side::New,
            (RowKind::Removed, _) => Side::Old,
            (RowKind::Changed | RowKind::Unchanged, Some(o)) if off < o.end => Side::Old,
            (RowKind::Changed | RowKind::Unchanged, _) => Side::New,
            _ => return None,
        };
        (side, Some(ri))
    } else {
        let t = dump
            .title
            .as_ref()
            .filter(|t| t.line == dump.line_of(off))?;
        let side = match &t.old {
            Some(o) if off < o.end => Side::Old,
            _ => Side::New,
        };
        (side, None)
    };
    let side = if cx.snap.version_doc(side).is_some() {
        side
    } else {
        Side::New
    };
    let doc = cx.snap.version_doc(side)?;
    let uri = Uri::from_str(&version_uri(cx.uri.as_str(), doc.number)).ok()?;
    let range = match row {
        Some(ri) => {
            let (span, _) = doc.paragraphs.iter().find(|(_, r)| *r == ri)?;
            range_of(&doc.rope, span, cx.enc)
        }
        None => range_of(&doc.rope, &(0..doc.title.len()), cx.enc),
    };
    Some(Location::new(uri, range))
}

/// From a version document: the row of the dump the paragraph under the cursor
/// comes from.
pub fn from_version(
    snap: &Snapshot,
    dump_uri: &Uri,
    number: u32,
    pos: Position,
    enc: Encoding,
) -> Option<Location> {
    let a = snap.analysis()?;
    let dump = &a.dump;
    let side = dump.side_of_version(number)?;
    let doc = snap.version_doc(side)?;
    let off = offset_at(&doc.rope, pos, enc);
    let to_range = |span: &crate::dump::Span| range_of(&snap.rope, &snap.rope_span(span), enc);
    let target = if off <= doc.title.len() {
        let t = dump.title.as_ref()?;
        match (side, &t.old) {
            (Side::Old, Some(o)) => to_range(o),
            _ => to_range(&t.new),
        }
    } else {
        // The paragraph containing the offset, or the next one (blank separator lines).
        let i = doc.paragraphs.partition_point(|(s, _)| s.end < off);
        let (_, ri) = doc.paragraphs.get(i).or(doc.paragraphs.last())?;
        let row = &dump.rows[*ri];
        to_range(row.half(side).unwrap_or(&row.span))
    };
    Some(Location::new(
        dump_uri.clone(),
        Range::new(target.start, target.end),
    ))
}
