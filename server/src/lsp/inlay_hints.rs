//! Inlay hints: where a changed row's older half ends and the newer begins
//! ("⟧ v1:"), and the side of each one-sided row ("+v1" / "−v1").

use super::common::{versions, Ctx};
use crate::dump::RowKind;
use tower_lsp_server::ls_types::{InlayHint, InlayHintLabel, InlayHintTooltip, Range};

pub fn compute(cx: &Ctx, range: Range) -> Vec<InlayHint> {
    let mut out = Vec::new();
    if !cx.settings.inlay_hints.enabled {
        return out;
    }
    let Some(a) = cx.analysis() else { return out };
    let dump = &a.dump;
    let v = versions(dump);
    let from = cx.offset(range.start);
    let to = cx.offset(range.end);
    let first = dump.rows.partition_point(|r| r.span.end < from);
    for row in dump.rows[first..].iter().take_while(|r| r.span.start <= to) {
        let (at, label, tip, left, right) = match (row.kind, &row.new) {
            (RowKind::Changed, Some(n)) => (
                n.start,
                format!("⟧ v{}:", v[1]),
                format!("Version {} ends here; Version {} begins", v[0], v[1]),
                true,
                true,
            ),
            (RowKind::Added, _) => (
                row.span.start,
                format!("+v{}", v[1]),
                format!("Added in Version {}", v[1]),
                false,
                true,
            ),
            (RowKind::Removed, _) => (
                row.span.start,
                format!("−v{}", v[1]),
                format!("Removed in Version {} (only in Version {})", v[1], v[0]),
                false,
                true,
            ),
            (RowKind::AddedOrChanged, _) => (
                row.span.start,
                format!("±v{}", v[1]),
                format!("New or changed in Version {}", v[1]),
                false,
                true,
            ),
            _ => continue,
        };
        out.push(InlayHint {
            position: cx.pos(at),
            label: InlayHintLabel::String(label),
            kind: None,
            text_edits: None,
            tooltip: Some(InlayHintTooltip::String(tip)),
            padding_left: Some(left),
            padding_right: Some(right),
            data: None,
        });
    }
    out
}
