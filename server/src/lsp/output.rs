//! Standard output shared by `tower-lsp-server` and the server's own notifications.
//!
//! The framework turns every outgoing message into a `serde_json::Value` before
//! writing it. For a large dump's diagnostics (thousands of them, megabytes of JSON)
//! that tree costs more than computing the diagnostics, and it is built, encoded and
//! freed on the runtime's threads. So diagnostics are serialised straight from their
//! typed form on the blocking pool and written here, between the framework's messages:
//! [`Output`] cuts the framework's byte stream into whole frames and queues them, the
//! [`Sink`] queues ours, and one writer task sends both in order of arrival.

use super::transport::{next_frame, Frame};
use serde::Serialize;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncWrite, AsyncWriteExt, BufWriter};
use tokio::sync::{mpsc, oneshot};

enum Msg {
    Frame(Vec<u8>),
    /// Write everything queued before this, flush, and stop.
    Close(oneshot::Sender<()>),
}

/// The writer handed to `tower-lsp-server`.
pub struct Output {
    buf: Vec<u8>,
    tx: mpsc::UnboundedSender<Msg>,
}

/// Queues whole messages of the server's own, or closes the output.
#[derive(Clone)]
pub struct Sink {
    tx: mpsc::UnboundedSender<Msg>,
}

/// The output, its sink, and the task that writes both to `w` (spawn it).
pub fn channel<W: AsyncWrite + Unpin + Send + 'static>(
    w: W,
) -> (
    Output,
    Sink,
    impl std::future::Future<Output = ()> + Send + 'static,
) {
    let (tx, rx) = mpsc::unbounded_channel();
    let output = Output {
        buf: Vec::new(),
        tx: tx.clone(),
    };
    (output, Sink { tx }, write_out(rx, w))
}

async fn write_out<W: AsyncWrite + Unpin>(mut rx: mpsc::UnboundedReceiver<Msg>, w: W) {
    let mut w = BufWriter::with_capacity(1 << 16, w);
    while let Some(m) = rx.recv().await {
        match m {
            Msg::Frame(f) => {
                if w.write_all(&f).await.is_err() {
                    return;
                }
                // Flush once the queue is drained, not after every message.
                if rx.is_empty() && w.flush().await.is_err() {
                    return;
                }
            }
            Msg::Close(done) => {
                let _ = w.flush().await;
                let _ = done.send(());
                return;
            }
        }
    }
    let _ = w.flush().await;
}

impl Output {
    /// Queues every whole frame at the front of the buffer.
    fn forward(&mut self) {
        let mut start = 0;
        loop {
            let end = match next_frame(&self.buf[start..]) {
                Frame::Partial => break,
                Frame::Message { start: s, len } => start + s + len,
                // Not a frame: pass the bytes on anyway, output is never dropped.
                Frame::Skip(n) => start + n.max(1),
            };
            let _ = self.tx.send(Msg::Frame(self.buf[start..end].to_vec()));
            start = end;
        }
        self.buf.drain(..start);
    }
}

impl AsyncWrite for Output {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.buf.extend_from_slice(data);
        this.forward();
        Poll::Ready(Ok(data.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Whole frames are queued as soon as they are written.
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[derive(Serialize)]
struct Notification<'a, P> {
    jsonrpc: &'static str,
    method: &'a str,
    params: &'a P,
}

/// A framed JSON-RPC notification, serialised from its typed parameters.
pub fn notification<P: Serialize>(method: &str, params: &P) -> serde_json::Result<Vec<u8>> {
    let body = serde_json::to_vec(&Notification {
        jsonrpc: "2.0",
        method,
        params,
    })?;
    let mut frame = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    frame.extend_from_slice(&body);
    Ok(frame)
}

impl Sink {
    /// Queues a framed message (from [`notification`]).
    pub fn send(&self, frame: Vec<u8>) {
        let _ = self.tx.send(Msg::Frame(frame));
    }

    /// Writes out everything queued so far; resolves once it is flushed.
    pub async fn close(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Msg::Close(done)).is_ok() {
            let _ = wait.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn framework_and_own_messages_come_out_whole_and_in_order() {
        let (out_w, mut out_r) = tokio::io::duplex(1 << 20);
        let (mut output, sink, writer) = channel(out_w);
        let task = tokio::spawn(writer);
        let a = notification("a", &1).unwrap();
        let b = notification("b", &2).unwrap();
        // The framework writes a frame in two pieces; ours arrives in between.
        output.write_all(&a[..10]).await.unwrap();
        sink.send(b.clone());
        output.write_all(&a[10..]).await.unwrap();
        output.write_all(b"stray").await.unwrap();
        let c = notification("c", &3).unwrap();
        output.write_all(&c).await.unwrap();
        sink.close().await;
        task.await.unwrap();
        let mut got = Vec::new();
        drop(output);
        drop(sink);
        tokio::io::AsyncReadExt::read_to_end(&mut out_r, &mut got)
            .await
            .unwrap();
        let mut want = b.clone();
        want.extend(&a);
        want.extend(b"stray");
        want.extend(&c);
        assert_eq!(
            String::from_utf8(got).unwrap(),
            String::from_utf8(want).unwrap()
        );
    }
}
