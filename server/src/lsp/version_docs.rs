//! Version documents: `palimpsest/versionText` (the text `palimpsest show --version N`
//! prints, with where each paragraph sits) and `palimpsest/summary`.

use super::common::{version_uri, Ctx};
use super::position::range_of;
use crate::dump::Side;
use crate::store::{Snapshot, VersionDoc};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use tower_lsp_server::jsonrpc::Error;
use tower_lsp_server::ls_types::TextDocumentIdentifier;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionTextParams {
    pub text_document: TextDocumentIdentifier,
    pub version: u32,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SummaryParams {
    pub text_document: TextDocumentIdentifier,
}

/// The version document for a version number, or an InvalidParams error saying why not.
pub fn version_doc(snap: &Snapshot, number: u32) -> Result<(Side, Arc<VersionDoc>), Error> {
    let a = snap
        .analysis()
        .ok_or_else(|| Error::invalid_params("this document is not a version dump"))?;
    let side = a.dump.side_of_version(number).ok_or_else(|| {
        Error::invalid_params(format!(
            "this dump shows versions {} and {}, not {number}",
            a.dump.header.versions[0], a.dump.header.versions[1]
        ))
    })?;
    let doc = snap.version_doc(side).ok_or_else(|| {
        Error::invalid_params(format!(
            "version {number} is not in this file: a pipe table keeps only the newer version"
        ))
    })?;
    Ok((side, doc))
}

pub fn version_text(cx: &Ctx, number: u32) -> Result<Value, Error> {
    let (_, doc) = match version_doc(cx.snap, number) {
        Ok(d) => d,
        Err(e) => {
            // Not a column of this dump: maybe a version of its chain.
            let shown = cx
                .analysis()
                .is_some_and(|a| a.dump.side_of_version(number).is_some());
            if !shown {
                if let Some(v) = super::history::version_text(cx, number) {
                    return Ok(v);
                }
            }
            return Err(e);
        }
    };
    let a = cx.analysis().expect("checked by version_doc");
    let paragraphs: Vec<Value> = doc
        .paragraphs
        .iter()
        .map(|(span, row)| {
            json!({
                "range": range_of(&doc.rope, span, cx.enc),
                "line": cx.row_line(&a.dump.rows[*row]),
                "row": row,
            })
        })
        .collect();
    Ok(json!({
        "uri": version_uri(cx.uri.as_str(), number),
        "number": number,
        "title": doc.title,
        "text": doc.text,
        "paragraphs": paragraphs,
    }))
}

pub fn summary(cx: &Ctx) -> Result<Value, Error> {
    let a = cx
        .analysis()
        .ok_or_else(|| Error::invalid_params("this document is not a version dump"))?;
    let s = a.summary();
    let v = super::common::versions(&a.dump);
    Ok(json!({
        "versions": v,
        "caption": a.dump.time.as_ref().map(|t| t.caption.clone()),
        "edited": s.edited + s.whitespace,
        "rewritten": s.rewritten,
        "added": s.added,
        "removed": s.removed,
        "addedOrChanged": s.added_or_changed,
        "moved": s.moved,
        "ambiguous": s.ambiguous,
        "wordsRemoved": s.words_removed,
        "wordsAdded": s.words_added,
        "changes": s.passages(),
        "line": a.summary_line(),
    }))
}
