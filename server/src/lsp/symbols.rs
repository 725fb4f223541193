//! Document symbols: the article title, with every passage (and its status) inside.

use super::common::{passage_status, snippet, versions, Ctx};
use crate::dump::Side;
use tower_lsp_server::ls_types::{DocumentSymbol, Position, Range, SymbolKind};

#[allow(deprecated)]
fn symbol(
    name: String,
    detail: String,
    kind: SymbolKind,
    range: Range,
    children: Option<Vec<DocumentSymbol>>,
) -> DocumentSymbol {
    DocumentSymbol {
        name,
        detail: Some(detail),
        kind,
        tags: None,
        deprecated: None,
        range,
        selection_range: range,
        children,
    }
}

pub fn compute(cx: &Ctx) -> Vec<DocumentSymbol> {
    let Some(a) = cx.analysis() else {
        return Vec::new();
    };
    let dump = &a.dump;
    let v = versions(dump);
    let mut children = Vec::with_capacity(a.passages.len());
    for p in &a.passages {
        let row = &dump.rows[p.row];
        let text = row
            .new
            .as_ref()
            .or(row.old.as_ref())
            .map(|s| dump.slice(s))
            .unwrap_or_else(|| dump.slice(&row.span));
        children.push(symbol(
            snippet(text, 60),
            passage_status(p),
            SymbolKind::STRING,
            cx.range(&row.span),
            None,
        ));
    }
    let title = dump.version(Side::New).title.clone();
    let end = cx.pos(dump.text.len());
    let whole = Range::new(Position::new(0, 0), end);
    let selection = dump
        .title
        .as_ref()
        .map(|t| cx.range(&t.span))
        .unwrap_or(whole);
    let mut root = symbol(
        snippet(&title, 80),
        format!("Version {} → Version {} · {}", v[0], v[1], a.summary_line()),
        SymbolKind::FILE,
        whole,
        Some(children),
    );
    root.selection_range = selection;
    vec![root]
}
