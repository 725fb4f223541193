//! A guard in front of `tower-lsp-server`'s reader. Its codec ends the whole input
//! stream on the first message it cannot decode (malformed JSON, or JSON that is not a
//! JSON-RPC message), which would stop the server. This filter re-frames standard
//! input, passes well-formed messages through untouched, and replaces a bad one with
//! a message the server answers with an error (when it had an id) or ignores.

use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tower_lsp_server::jsonrpc::{Request, Response};

const HEADER_END: &[u8] = b"\r\n\r\n";
const CONTENT_LENGTH: &[u8] = b"content-length";

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

/// What the front of the buffer holds.
#[derive(Debug, PartialEq)]
pub(super) enum Frame {
    /// Need more bytes.
    Partial,
    /// Garbage to drop (this many bytes).
    Skip(usize),
    /// A message body at `start..start + len`; the frame ends there.
    Message { start: usize, len: usize },
}

pub(super) fn next_frame(buf: &[u8]) -> Frame {
    let Some(end) = find(buf, HEADER_END) else {
        // No complete header yet; drop leading garbage before a header name.
        return match find_ci(buf, CONTENT_LENGTH) {
            Some(0) | None if buf.len() < 1 << 16 => Frame::Partial,
            Some(i) if i > 0 => Frame::Skip(i),
            _ => Frame::Skip(buf.len().saturating_sub(CONTENT_LENGTH.len())),
        };
    };
    let headers = String::from_utf8_lossy(&buf[..end]);
    let len = headers.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| v.trim().parse::<usize>().ok())?
    });
    match len {
        Some(len) => {
            let start = end + HEADER_END.len();
            if buf.len() < start + len {
                Frame::Partial
            } else {
                Frame::Message { start, len }
            }
        }
        // A header block without a length: skip it, up to the next header.
        None => {
            let after = end + HEADER_END.len();
            Frame::Skip(
                find_ci(&buf[1..], CONTENT_LENGTH)
                    .map(|i| i + 1)
                    .unwrap_or(after)
                    .min(after),
            )
        }
    }
}

/// The body to hand on: the original when it is a JSON-RPC message, else a stand-in.
fn checked(body: &[u8]) -> Option<Vec<u8>> {
    if serde_json::from_slice::<Request>(body).is_ok()
        || serde_json::from_slice::<Response>(body).is_ok()
    {
        return None;
    }
    let id = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("id").cloned())
        .filter(|id| id.is_string() || id.as_i64().is_some());
    eprintln!(
        "palimpsest: ignored a malformed message ({} bytes)",
        body.len()
    );
    let stand_in = match id {
        // An unknown method: the server answers "method not found" to that id.
        Some(id) => {
            serde_json::json!({"jsonrpc": "2.0", "id": id, "method": "$/palimpsest/malformedMessage"})
        }
        None => serde_json::json!({"jsonrpc": "2.0", "method": "$/palimpsest/malformedMessage"}),
    };
    Some(stand_in.to_string().into_bytes())
}

/// Copies framed messages from `input` to `output`, replacing the bad ones. Once
/// `output` is gone (the server has exited its loop) the rest of `input` is read and
/// dropped until it ends: a client still writing then is not met with a broken pipe.
pub async fn filter<R: AsyncRead + Unpin, W: AsyncWrite + Unpin>(mut input: R, mut output: W) {
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 16);
    let mut chunk = vec![0u8; 1 << 16];
    let mut start = 0usize;
    loop {
        loop {
            match next_frame(&buf[start..]) {
                Frame::Partial => break,
                Frame::Skip(n) => start += n.max(1),
                Frame::Message { start: s, len } => {
                    let body = &buf[start + s..start + s + len];
                    let replaced = checked(body);
                    let body = replaced.as_deref().unwrap_or(body);
                    let header = format!("Content-Length: {}\r\n\r\n", body.len());
                    if output.write_all(header.as_bytes()).await.is_err()
                        || output.write_all(body).await.is_err()
                    {
                        while matches!(input.read(&mut chunk).await, Ok(n) if n > 0) {}
                        return;
                    }
                    let _ = output.flush().await;
                    start += s + len;
                }
            }
        }
        if start > 0 {
            buf.drain(..start);
            start = 0;
        }
        match input.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let _ = output.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(body: &str) -> Vec<u8> {
        format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
    }

    #[test]
    fn frames() {
        let f = frame("{}");
        assert_eq!(
            next_frame(&f),
            Frame::Message {
                start: f.len() - 2,
                len: 2
            }
        );
        assert_eq!(next_frame(&f[..f.len() - 1]), Frame::Partial);
        let mut g = b"junk".to_vec();
        g.extend(frame("{}"));
        assert_eq!(next_frame(&g), Frame::Skip(4));
    }

    #[test]
    fn bad_bodies_are_replaced() {
        assert!(checked(br#"{"jsonrpc":"2.0","id":1,"method":"x"}"#).is_none());
        assert!(checked(br#"{"jsonrpc":"2.0","id":1,"result":null}"#).is_none());
        let r = String::from_utf8(checked(b"{not json").unwrap()).unwrap();
        assert!(r.contains("malformedMessage") && !r.contains("\"id\""));
        let r = String::from_utf8(checked(br#"{"id": 7, "what": 1}"#).unwrap()).unwrap();
        assert!(r.contains("\"id\":7"));
    }

    #[tokio::test]
    async fn filter_passes_and_replaces() {
        let mut input = frame(r#"{"jsonrpc":"2.0","method":"a"}"#);
        input.extend(frame("garbage"));
        input.extend(b"more garbage without header");
        input.extend(frame(r#"{"jsonrpc":"2.0","id":2,"method":"b"}"#));
        let mut out = Vec::new();
        filter(&input[..], &mut out).await;
        let s = String::from_utf8(out).unwrap();
        assert!(
            s.contains(r#""method":"a""#)
                && s.contains("malformedMessage")
                && s.contains(r#""id":2,"method":"b""#)
        );
    }
}
