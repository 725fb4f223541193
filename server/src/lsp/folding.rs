//! Folding ranges: the header, and every run of two or more unchanged rows.

use super::common::Ctx;
use crate::dump::RowKind;
use tower_lsp_server::ls_types::{FoldingRange, FoldingRangeKind};

fn fold(start: u32, end: u32, kind: FoldingRangeKind, text: String) -> FoldingRange {
    FoldingRange {
        start_line: start,
        start_character: None,
        end_line: end,
        end_character: None,
        kind: Some(kind),
        collapsed_text: Some(text),
    }
}

pub fn compute(cx: &Ctx) -> Vec<FoldingRange> {
    let mut out = Vec::new();
    let Some(a) = cx.analysis() else { return out };
    let dump = &a.dump;
    if let Some(vl) = &dump.header.versions_line {
        let end = cx.line(vl.start);
        if end >= 1 {
            out.push(fold(0, end - 1, FoldingRangeKind::Imports, "header".into()));
        }
    }
    let mut i = 0;
    while i < dump.rows.len() {
        if dump.rows[i].kind != RowKind::Unchanged {
            i += 1;
            continue;
        }
        let start = i;
        while i < dump.rows.len() && dump.rows[i].kind == RowKind::Unchanged {
            i += 1;
        }
        if i - start >= 2 {
            let a = cx.row_line(&dump.rows[start]);
            let b = cx.row_line(&dump.rows[i - 1]);
            if b > a {
                out.push(fold(
                    a,
                    b,
                    FoldingRangeKind::Region,
                    format!("{} unchanged paragraphs", i - start),
                ));
            }
        }
    }
    out
}
