//! Standard output shared by `tower-lsp-server` and the server's own notifications.
//!
//! The framework turns every outgoing message into a `serde_json::Value` before
//! writing it. For a large dump's diagnostics (thousands of them, megabytes of JSON)
//! that tree costs more than computing the diagnostics, and it is built, encoded and
//! freed on the runtime's threads. So diagnostics are serialised straight from their
//! typed form on the blocking pool and written here, between the framework's messages:
//! [`Output`] cuts the framework's byte stream into whole frames and queues them, the
//! [`Sink`] queues ours, and one writer thread sends both in order of arrival.
//!
//! The writer is a thread of its own doing blocking writes, not a task on the runtime:
//! tokio's standard output copies every write into a buffer of its own and hands it to
//! the blocking pool, which for a 2 MB notification costs a copy and a thread hop on
//! the way to the client (about 0.5 ms of an edit's 11, measured with timestamps).

use super::transport::{next_frame, Frame};
use std::future::Future;
use std::io;
use std::io::{BufWriter, Write};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::AsyncWrite;
use tokio::sync::{mpsc, oneshot, Notify};

/// Bytes queued but not yet written above which writers wait: a client that stops
/// reading holds the server back instead of making it buffer without bound.
const QUEUE_LIMIT: usize = 64 << 20;

enum Msg {
    /// A whole frame; shared, as the diagnostics' publication keeps its last frame to
    /// copy the next one's unchanged parts from.
    Frame(Arc<Vec<u8>>),
    /// Write everything queued before this, flush, and stop.
    Close(oneshot::Sender<()>),
}

/// How much is queued, and a signal each time some of it is written.
struct Budget {
    limit: usize,
    queued: AtomicUsize,
    written: Arc<Notify>,
}

impl Budget {
    fn full(&self) -> bool {
        self.queued.load(Ordering::Acquire) > self.limit
    }

    /// Resolves once the queue is under its limit.
    async fn room(self: Arc<Self>) {
        loop {
            let written = self.written.clone().notified_owned();
            tokio::pin!(written);
            // Registered before the check, so a write that ends after it wakes us.
            written.as_mut().enable();
            if !self.full() {
                return;
            }
            written.await;
        }
    }

    /// Queues a frame, counting its bytes until the writer has written them.
    fn queue(&self, tx: &mpsc::UnboundedSender<Msg>, frame: Arc<Vec<u8>>) {
        let n = frame.len();
        self.queued.fetch_add(n, Ordering::AcqRel);
        if tx.send(Msg::Frame(frame)).is_err() {
            self.queued.fetch_sub(n, Ordering::AcqRel);
        }
    }
}

/// The writer handed to `tower-lsp-server`.
pub struct Output {
    buf: Vec<u8>,
    tx: mpsc::UnboundedSender<Msg>,
    budget: Arc<Budget>,
    /// Waiting for room while the queue is full.
    wait: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
}

/// Queues whole messages of the server's own, or closes the output.
#[derive(Clone)]
pub struct Sink {
    tx: mpsc::UnboundedSender<Msg>,
    budget: Arc<Budget>,
}

/// The output, its sink, and what writes both to `w`: run it on a thread of its own.
pub fn channel<W: Write + Send + 'static>(w: W) -> (Output, Sink, impl FnOnce() + Send + 'static) {
    channel_with_limit(w, QUEUE_LIMIT)
}

fn channel_with_limit<W: Write + Send + 'static>(
    w: W,
    limit: usize,
) -> (Output, Sink, impl FnOnce() + Send + 'static) {
    let (tx, rx) = mpsc::unbounded_channel();
    let budget = Arc::new(Budget {
        limit,
        queued: AtomicUsize::new(0),
        written: Arc::default(),
    });
    let output = Output {
        buf: Vec::new(),
        tx: tx.clone(),
        budget: budget.clone(),
        wait: None,
    };
    let sink = Sink {
        tx,
        budget: budget.clone(),
    };
    (output, sink, move || write_out(rx, w, budget))
}

fn write_out<W: Write>(mut rx: mpsc::UnboundedReceiver<Msg>, w: W, budget: Arc<Budget>) {
    // Small frames are gathered; a large one goes straight from its buffer.
    let mut w = BufWriter::with_capacity(1 << 16, w);
    while let Some(m) = rx.blocking_recv() {
        match m {
            Msg::Frame(f) => {
                let written = w.write_all(&f);
                budget.queued.fetch_sub(f.len(), Ordering::AcqRel);
                budget.written.notify_waiters();
                if written.is_err() {
                    // The client is gone: nothing holds the writers back any more.
                    budget.queued.store(0, Ordering::Release);
                    budget.written.notify_waiters();
                    return;
                }
                // Flush once the queue is drained, not after every message.
                if rx.is_empty() && w.flush().is_err() {
                    return;
                }
            }
            Msg::Close(done) => {
                let _ = w.flush();
                let _ = done.send(());
                return;
            }
        }
    }
    let _ = w.flush();
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
            self.budget
                .queue(&self.tx, Arc::new(self.buf[start..end].to_vec()));
            start = end;
        }
        self.buf.drain(..start);
    }
}

impl AsyncWrite for Output {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.wait.is_some() || this.budget.full() {
            let budget = this.budget.clone();
            let wait = this.wait.get_or_insert_with(|| Box::pin(budget.room()));
            if wait.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            this.wait = None;
        }
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

/// The start of a frame for a body of `len` bytes: its header, with room for the body.
pub fn frame_for(len: usize) -> Vec<u8> {
    let mut frame = format!("Content-Length: {len}\r\n\r\n").into_bytes();
    frame.reserve_exact(len);
    frame
}

impl Sink {
    /// Queues a framed message (headed by [`frame_for`]) once the queue has room.
    pub async fn send(&self, frame: Arc<Vec<u8>>) {
        self.budget.clone().room().await;
        self.budget.queue(&self.tx, frame);
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
    use serde::Serialize;
    use tokio::io::AsyncWriteExt;

    #[derive(Serialize)]
    struct Notification<'a, P> {
        jsonrpc: &'static str,
        method: &'a str,
        params: &'a P,
    }

    /// A framed JSON-RPC notification, serialised from its typed parameters.
    fn notification<P: Serialize>(method: &str, params: &P) -> serde_json::Result<Vec<u8>> {
        let body = serde_json::to_vec(&Notification {
            jsonrpc: "2.0",
            method,
            params,
        })?;
        let mut frame = frame_for(body.len());
        frame.extend_from_slice(&body);
        Ok(frame)
    }

    /// Whether the client reads yet, and what it has read.
    type Reading = std::sync::Mutex<(bool, Vec<u8>)>;

    /// What a client reads: everything written, once reading is let go (`open`).
    #[derive(Clone, Default)]
    struct Client {
        state: Arc<(Reading, std::sync::Condvar)>,
    }

    impl Client {
        fn reading() -> Client {
            let c = Client::default();
            c.open();
            c
        }

        fn open(&self) {
            self.state.0.lock().unwrap().0 = true;
            self.state.1.notify_all();
        }

        fn read(&self) -> Vec<u8> {
            self.state.0.lock().unwrap().1.clone()
        }
    }

    impl Write for Client {
        fn write(&mut self, data: &[u8]) -> io::Result<usize> {
            let (lock, open) = &*self.state;
            let mut s = open.wait_while(lock.lock().unwrap(), |s| !s.0).unwrap();
            s.1.extend_from_slice(data);
            Ok(data.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn framework_and_own_messages_come_out_whole_and_in_order() {
        let client = Client::reading();
        let (mut output, sink, writer) = channel(client.clone());
        let thread = std::thread::spawn(writer);
        let a = notification("a", &1).unwrap();
        let b = notification("b", &2).unwrap();
        // The framework writes a frame in two pieces; ours arrives in between.
        output.write_all(&a[..10]).await.unwrap();
        sink.send(Arc::new(b.clone())).await;
        output.write_all(&a[10..]).await.unwrap();
        output.write_all(b"stray").await.unwrap();
        let c = notification("c", &3).unwrap();
        output.write_all(&c).await.unwrap();
        sink.close().await;
        thread.join().unwrap();
        let mut want = b.clone();
        want.extend(&a);
        want.extend(b"stray");
        want.extend(&c);
        assert_eq!(
            String::from_utf8(client.read()).unwrap(),
            String::from_utf8(want).unwrap()
        );
    }

    #[tokio::test]
    async fn a_client_that_does_not_read_holds_writers_back() {
        let client = Client::default();
        // Frames larger than the writer's buffer, so that none is taken in by it.
        let (mut output, sink, writer) = channel_with_limit(client.clone(), 150_000);
        let thread = std::thread::spawn(writer);
        let frame = notification("m", &"x".repeat(100_000)).unwrap();
        // The first writes fill the queue; then writing waits for the client.
        let fill = async {
            for _ in 0..10 {
                output.write_all(&frame).await.unwrap();
            }
        };
        let waited = tokio::time::timeout(std::time::Duration::from_millis(200), fill).await;
        assert!(waited.is_err(), "writes went on with nobody reading");
        let own = tokio::time::timeout(
            std::time::Duration::from_millis(200),
            sink.send(Arc::new(frame.clone())),
        )
        .await;
        assert!(
            own.is_err(),
            "the server's own message was queued past the limit"
        );
        // Once the client reads, everything goes through.
        client.open();
        for _ in 0..10 {
            output.write_all(&frame).await.unwrap();
        }
        sink.send(Arc::new(frame.clone())).await;
        sink.close().await;
        thread.join().unwrap();
        let all = client.read();
        assert_eq!(all.len() % frame.len(), 0);
        assert!(all.len() >= 11 * frame.len());
    }
}
