//! Code lenses: the version summary on the `Version A Version B` line with
//! open/compare commands, and above each changed passage its summary. The commands are
//! client-side: editors implement them.

use super::common::{passage_status, versions, Ctx};
use crate::diff::PassageClass;
use serde_json::json;
use tower_lsp_server::ls_types::{CodeLens, Command, Position, Range};

pub const OPEN_VERSION: &str = "palimpsest.openVersion";
pub const COMPARE_VERSIONS: &str = "palimpsest.compareVersions";
pub const SHOW_EARLIER_WORDING: &str = "palimpsest.showEarlierWording";

fn lens(range: Range, title: String, command: &str, arguments: Vec<serde_json::Value>) -> CodeLens {
    CodeLens {
        range,
        command: Some(Command {
            title,
            command: command.to_string(),
            arguments: Some(arguments),
        }),
        data: None,
    }
}

pub fn compute(cx: &Ctx) -> Vec<CodeLens> {
    let mut out = Vec::new();
    if !cx.settings.code_lens.enabled {
        return out;
    }
    let Some(a) = cx.analysis() else { return out };
    let dump = &a.dump;
    let v = versions(dump);
    let uri = cx.uri.as_str();
    let line = dump
        .header
        .versions_line
        .as_ref()
        .map(|s| cx.line(s.start))
        .or_else(|| dump.title.as_ref().map(|t| cx.line(t.span.start)))
        .unwrap_or(0);
    let at = Range::new(Position::new(line, 0), Position::new(line, 0));
    let caption = dump
        .time
        .as_ref()
        .map(|t| format!(" {}", t.caption))
        .unwrap_or_default();
    out.push(lens(
        at,
        format!(
            "Version {} → Version {}{caption} · {}",
            v[0],
            v[1],
            a.summary_line()
        ),
        COMPARE_VERSIONS,
        vec![json!(uri), json!(v[0]), json!(v[1])],
    ));
    for (i, n) in v.iter().enumerate() {
        if dump.versions[i].complete {
            out.push(lens(
                at,
                format!("Open Version {n}"),
                OPEN_VERSION,
                vec![json!(uri), json!(n)],
            ));
        }
    }
    out.push(lens(
        at,
        "Compare".into(),
        COMPARE_VERSIONS,
        vec![json!(uri), json!(v[0]), json!(v[1])],
    ));
    if !cx.settings.code_lens.passages {
        return out;
    }
    let rows: Vec<usize> = a.passages.iter().map(|p| p.row).collect();
    for (row, title) in super::history::lens_titles(cx, &rows) {
        let l = cx.row_line(&dump.rows[row]);
        let range = Range::new(Position::new(l, 0), Position::new(l, 0));
        out.push(lens(
            range,
            title,
            SHOW_EARLIER_WORDING,
            vec![json!(uri), json!(l)],
        ));
    }
    for p in &a.passages {
        let row = &dump.rows[p.row];
        let l = cx.row_line(row);
        let range = Range::new(Position::new(l, 0), Position::new(l, 0));
        let status = passage_status(p);
        let status = {
            let mut c = status.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        };
        match p.class {
            PassageClass::Edited { .. }
            | PassageClass::Rewritten { .. }
            | PassageClass::WhitespaceOnly => {
                out.push(lens(
                    range,
                    format!("{status} · show Version {} wording", v[0]),
                    SHOW_EARLIER_WORDING,
                    vec![json!(uri), json!(l)],
                ));
            }
            PassageClass::Added | PassageClass::AddedOrChanged => {
                out.push(lens(
                    range,
                    format!("{status} in Version {}", v[1]),
                    OPEN_VERSION,
                    vec![json!(uri), json!(v[1])],
                ));
            }
            PassageClass::Removed => {
                out.push(lens(
                    range,
                    format!("Removed in Version {} · open Version {}", v[1], v[0]),
                    OPEN_VERSION,
                    vec![json!(uri), json!(v[0])],
                ));
            }
            PassageClass::Unreadable => {}
        }
    }
    out
}
