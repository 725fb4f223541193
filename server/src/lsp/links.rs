//! Document links: the article URL in the header.

use super::common::Ctx;
use std::str::FromStr;
use tower_lsp_server::ls_types::{DocumentLink, Uri};

pub fn compute(cx: &Ctx) -> Vec<DocumentLink> {
    let Some(a) = cx.analysis() else {
        return Vec::new();
    };
    let dump = &a.dump;
    let Some(span) = &dump.header.url_span else {
        return Vec::new();
    };
    let url = dump.slice(span).trim();
    if url.is_empty() {
        return Vec::new();
    }
    let Ok(target) = Uri::from_str(url) else {
        return Vec::new();
    };
    vec![DocumentLink {
        range: cx.range(span),
        target: Some(target),
        tooltip: Some("Open the article at its source".into()),
        data: None,
    }]
}
