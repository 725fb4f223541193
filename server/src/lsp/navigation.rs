//! `palimpsest.nextChange` / `palimpsest.previousChange`: the start of the next or
//! previous changed passage from a position (no wrapping).

use super::common::Ctx;
use tower_lsp_server::ls_types::Position;

pub const NEXT: &str = "palimpsest.nextChange";
pub const PREVIOUS: &str = "palimpsest.previousChange";

pub fn target(cx: &Ctx, from: Position, forward: bool) -> Option<Position> {
    let a = cx.analysis()?;
    let rows = &a.dump.rows;
    let line_of = |i: usize| cx.row_line(&rows[a.passages[i].row]);
    let line = if forward {
        let i = a
            .passages
            .partition_point(|p| cx.row_line(&rows[p.row]) <= from.line);
        (i < a.passages.len()).then(|| line_of(i))
    } else {
        let i = a
            .passages
            .partition_point(|p| cx.row_line(&rows[p.row]) < from.line);
        i.checked_sub(1).map(line_of)
    }?;
    Some(Position::new(line, 0))
}
