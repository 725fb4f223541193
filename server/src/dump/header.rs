//! The header: source line, URL line, change count, the `Version A Version B` line;
//! and the time row's caption. Every field is optional in practice (real pages come
//! with empty URLs and missing dates), so a missing one is a finding, not a failure.

use super::lines::LineTable;
use super::model::*;

/// Where the table starts and what the header said.
pub struct Located {
    pub format: Format,
    pub header: Header,
    pub findings: Vec<Finding>,
    /// 0-based line of `Version A Version B`.
    pub versions_line: usize,
}

const SOURCE_PREFIX: &str = "This article is from the source '";
const URL_PREFIX: &str = "You can find the current article at its original source at";
const CHANGES_PREFIX: &str = "The article has changed ";
/// How far down the versions line may be before we stop looking.
const HEADER_WINDOW: usize = 40;

pub fn locate(text: &str, lines: &LineTable) -> Result<Located, NotADump> {
    let expected = "expected a News Sniffer diff page: a header starting \
                    \"This article is from the source '…'\" and a line \"Version A Version B\" \
                    before the table";
    if text.trim().is_empty() {
        return Err(NotADump {
            message: format!("the file is empty; {expected}"),
        });
    }
    let mut found = None;
    for (i, span) in lines.spans.iter().enumerate().take(HEADER_WINDOW) {
        let line = text[span.clone()].trim();
        if let Some(v) = parse_versions_line(line) {
            found = Some((i, v.0, v.1));
            break;
        }
    }
    let Some((versions_line, format, numbers)) = found else {
        let first = text[lines.spans[0].clone()]
            .chars()
            .take(60)
            .collect::<String>();
        return Err(NotADump {
            message: format!("not a version dump ({expected}); the file starts with {first:?}"),
        });
    };
    let mut header = Header {
        versions: numbers,
        versions_line: Some(lines.spans[versions_line].clone()),
        ..Header::default()
    };
    let mut findings = Vec::new();
    for span in &lines.spans[..versions_line] {
        let raw = &text[span.clone()];
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix(SOURCE_PREFIX) {
            header.source_line = Some(span.clone());
            parse_source_line(rest, &mut header);
        } else if let Some(rest) = line.strip_prefix(URL_PREFIX) {
            header.url_line = Some(span.clone());
            let url = rest.trim();
            if !url.is_empty() {
                let at = raw.find(url).map(|o| span.start + o).unwrap_or(span.start);
                header.url_span = Some(at..at + url.len());
                header.url = Some(url.to_owned());
            }
        } else if let Some(rest) = line.strip_prefix(CHANGES_PREFIX) {
            header.changes_line = Some(span.clone());
            header.changes = rest.split_whitespace().next().and_then(|n| n.parse().ok());
        } else {
            findings.push(Finding {
                severity: Severity::Info,
                code: "unknown-header-line",
                span: span.clone(),
                message: "this line is not part of a News Sniffer header and was ignored".into(),
            });
        }
    }
    let whole = |span: &Option<Span>| span.clone().unwrap_or(lines.spans[versions_line].clone());
    if header.source_line.is_none() {
        findings.push(Finding {
            severity: Severity::Warning,
            code: "missing-source",
            span: whole(&None),
            message: "the header has no \"This article is from the source '…'\" line: source, dates and check are unknown".into(),
        });
    }
    if header.url.is_none() {
        findings.push(Finding {
            severity: Severity::Info,
            code: "missing-url",
            span: whole(&header.url_line),
            message: "the header gives no article URL".into(),
        });
    }
    if header.changes.is_none() {
        findings.push(Finding {
            severity: Severity::Info,
            code: "missing-change-count",
            span: whole(&header.changes_line),
            message: "the header does not say how many times the article changed".into(),
        });
    } else if let Some(n) = header.changes {
        let max = numbers[0].max(numbers[1]);
        if max >= n {
            findings.push(Finding {
                severity: Severity::Warning,
                code: "version-out-of-range",
                span: whole(&header.versions_line),
                message: format!(
                    "version {max} is shown but the header counts only {n} versions (0 to {})",
                    n.saturating_sub(1)
                )
                .into(),
            });
        }
    }
    Ok(Located {
        format,
        header,
        findings,
        versions_line,
    })
}

/// `Version A Version B` or the pipe-table form `Version A | Version B |`.
fn parse_versions_line(line: &str) -> Option<(Format, [u32; 2])> {
    let (format, rest) = if line.contains('|') {
        (Format::PipeTable, line.replace('|', " "))
    } else {
        (Format::NewssnifferDiff, line.to_owned())
    };
    let words: Vec<&str> = rest.split_whitespace().collect();
    match words.as_slice() {
        ["Version", a, "Version", b] => Some((format, [a.parse().ok()?, b.parse().ok()?])),
        _ => None,
    }
}

/// `SOURCE' and was first published or seen on DATE. CHECK`
fn parse_source_line(rest: &str, header: &mut Header) {
    let Some(q) = rest.find('\'') else {
        return;
    };
    header.source = Some(rest[..q].to_owned());
    let after = &rest[q + 1..];
    const SEEN: &str = "seen on ";
    if let Some(at) = after.find(SEEN) {
        let tail = &after[at + SEEN.len()..];
        // DATE runs to the first ". " (it may be empty: "seen on . It last…").
        let (date, check) = match tail.find(". ") {
            Some(end) => (&tail[..end], &tail[end + 2..]),
            None => (tail.trim_end_matches('.'), ""),
        };
        let date = date.trim();
        if !date.is_empty() {
            header.first_seen = Some(date.to_owned());
        }
        let check = check.trim();
        if !check.is_empty() {
            header.check = Some(check.to_owned());
        }
    }
}

/// Parses the time row: `[STAMP STAMP ](DISTANCE later|earlier)`.
pub fn parse_time_row(text: &str, line: usize, span: Span) -> Option<TimeRow> {
    let t = text.trim();
    let open = t.rfind('(')?;
    if !t.ends_with(')') {
        return None;
    }
    let inner = &t[open + 1..t.len() - 1];
    let (distance, direction) = if let Some(d) = inner.strip_suffix(" later") {
        (d, Direction::Later)
    } else if let Some(d) = inner.strip_suffix(" earlier") {
        (d, Direction::Earlier)
    } else {
        return None;
    };
    let stamps_text = t[..open].trim();
    let stamps = if stamps_text.is_empty() {
        [None, None]
    } else if let Some(cut) = stamps_text.find(" UTC ") {
        [
            Some(stamps_text[..cut + 4].to_owned()),
            Some(stamps_text[cut + 5..].trim().to_owned()),
        ]
    } else {
        // Unknown stamp layout: split the words in half.
        let words: Vec<&str> = stamps_text.split_whitespace().collect();
        let half = words.len() / 2;
        [Some(words[..half].join(" ")), Some(words[half..].join(" "))]
    };
    Some(TimeRow {
        line,
        span,
        stamps,
        distance: distance.to_owned(),
        direction,
        caption: t[open..].to_owned(),
    })
}

/// Lines that News Sniffer's page navigation leaves in a flattened table.
pub fn is_pagination(line: &str) -> bool {
    let t = line
        .trim()
        .trim_start_matches(['«', '<', '‹'])
        .trim_end_matches(['»', '>', '›'])
        .trim();
    // Every form below is short; a paragraph is not (lowercasing shrinks a character
    // to no less than a third of its bytes, so this bound loses nothing).
    if t.is_empty() || t.len() >= 180 {
        return false;
    }
    let lower = t.to_lowercase();
    if matches!(
        lower.as_str(),
        "previous version"
            | "next version"
            | "previous"
            | "next"
            | "newer version"
            | "older version"
    ) || lower.starts_with("previous version") && lower.len() < 40
        || lower.starts_with("page ")
            && lower[5..]
                .trim()
                .chars()
                .all(|c| c.is_ascii_digit() || c == ' ' || c == '/' || c.is_alphabetic())
            && lower.len() < 20
    {
        return true;
    }
    // "1 2 3 4 … 9": page numbers only.
    t.split_whitespace()
        .all(|w| w.chars().all(|c| c.is_ascii_digit()) || w == "…" || w == "...")
        && t.split_whitespace().count() >= 2
        && t.chars().any(|c| c.is_ascii_digit())
        && t.len() < 60
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_line_with_and_without_date() {
        let mut h = Header::default();
        parse_source_line("nytimes' and was first published or seen on . It last changed over 40 days ago and won't be checked again for changes.", &mut h);
        assert_eq!(h.source.as_deref(), Some("nytimes"));
        assert_eq!(h.first_seen, None);
        assert_eq!(
            h.check.as_deref(),
            Some("It last changed over 40 days ago and won't be checked again for changes.")
        );
        let mut h = Header::default();
        parse_source_line("bbc' and was first published or seen on August 22, 2019 00:00 (UTC). The next check for changes will be August 29, 2019 10:00", &mut h);
        assert_eq!(h.first_seen.as_deref(), Some("August 22, 2019 00:00 (UTC)"));
        assert_eq!(
            h.check.as_deref(),
            Some("The next check for changes will be August 29, 2019 10:00")
        );
    }

    #[test]
    fn time_rows() {
        let t = parse_time_row(
            "2019-08-22 09:00:00 UTC 2019-08-22 10:00:00 UTC (about 1 hour later)",
            8,
            0..1,
        )
        .unwrap();
        assert_eq!(t.stamps[0].as_deref(), Some("2019-08-22 09:00:00 UTC"));
        assert_eq!(t.stamps[1].as_deref(), Some("2019-08-22 10:00:00 UTC"));
        assert_eq!(t.distance, "about 1 hour");
        let t = parse_time_row("(5 days earlier)", 8, 0..1).unwrap();
        assert_eq!(t.direction, Direction::Earlier);
        assert!(parse_time_row("Some paragraph (with a remark).", 8, 0..1).is_none());
    }

    #[test]
    fn pagination() {
        assert!(is_pagination("Previous version"));
        assert!(is_pagination("1 2 3 4"));
        assert!(is_pagination("« Next version"));
        assert!(!is_pagination("Advertisement"));
        assert!(!is_pagination("2019"));
    }
}
