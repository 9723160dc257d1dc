//! The HTTP listener's accept loop and connections, with the bounds a public listener needs:
//! a cap on open connections, a deadline for every request head, an idle limit for kept-alive
//! connections and a deadline for request bodies. Without them a client that opens sockets and
//! says nothing, or sends half a request and stops, holds a descriptor for as long as it likes.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker, ready};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, Sleep};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower_service::Service;

use crate::config::HttpConfig;

/// Counter: connections answered 503 because `http.max_connections` were open.
const CONNECTIONS_REFUSED: &str = "switchboard_http_connections_refused_total";
/// How long the accept loop pauses after an error such as EMFILE: accepting again at once
/// would fail the same way and spin a core.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);
/// Seconds a refused client is told to wait before it tries again.
const RETRY_AFTER_S: u32 = 5;
/// How long a refused connection is given to send its request head and take its 503.
const REFUSAL_LINGER: Duration = Duration::from_secs(1);
/// Refused connections being answered at once; past that a refused connection is closed
/// without an answer, so a flood beyond the cap cannot make refusing it expensive.
const MAX_REFUSALS_IN_FLIGHT: usize = 64;
/// Most bytes of a refused client's request head waited for before the 503 goes out anyway.
const MAX_REFUSED_HEAD_BYTES: usize = 16 * 1024;
/// Most bytes of a refused client's request read and thrown away after the 503: closing a
/// socket with unread data resets it, and a reset can destroy the 503 before it is read.
const REFUSAL_DRAIN_BYTES: usize = 64 * 1024;

/// The bounds the listener enforces on its connections.
#[derive(Clone, Copy, Debug)]
pub struct ServeLimits {
    /// A request head must be complete this long after its first byte (for a connection's
    /// first request: after the connection was accepted).
    pub header_read_timeout: Duration,
    /// A request body must be complete this long after its head.
    pub body_read_timeout: Duration,
    /// A kept-alive connection with no new request for this long is closed.
    pub keep_alive_idle: Duration,
    /// Open connections at most, websockets included; beyond, a new one gets 503.
    pub max_connections: usize,
}

impl From<&HttpConfig> for ServeLimits {
    fn from(config: &HttpConfig) -> Self {
        Self {
            header_read_timeout: Duration::from_secs(config.header_read_timeout_s),
            body_read_timeout: Duration::from_secs(config.body_read_timeout_s),
            keep_alive_idle: Duration::from_secs(config.keep_alive_idle_s),
            max_connections: config.max_connections,
        }
    }
}

/// A request body read past the listener's body deadline.
#[derive(Debug, thiserror::Error)]
#[error("request body not received within the body read timeout")]
pub struct BodyReadTimeout;

/// Serves `router` on `listener` until `shutdown` fires, then stops accepting and waits for
/// the connections in flight to finish their requests (websockets, once upgraded, are their
/// sessions' to close).
pub async fn serve(listener: TcpListener, router: Router, limits: ServeLimits, shutdown: CancellationToken) {
    // Far above any descriptor limit, so the clamp only keeps an absurd setting from panicking.
    let slots = Arc::new(Semaphore::new(limits.max_connections.min(Semaphore::MAX_PERMITS)));
    let refusals = Arc::new(Semaphore::new(MAX_REFUSALS_IN_FLIGHT));
    let refusal = Bytes::from(refusal_response());
    let connections = TaskTracker::new();
    let builder = Arc::new(auto::Builder::new(TokioExecutor::new()));
    loop {
        let accepted = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        let (tcp, peer) = match accepted {
            Ok(accepted) => accepted,
            // The peer gave up before it was accepted: nothing is wrong with the listener.
            Err(e) if is_peer_gone(&e) => continue,
            Err(e) => {
                tracing::error!(error = %e, "Accept failed; pausing before the next accept");
                tokio::select! {
                    () = shutdown.cancelled() => break,
                    () = tokio::time::sleep(ACCEPT_BACKOFF) => continue,
                }
            }
        };
        // Frames are small and latency matters more than packet count: no Nagle delay.
        let _ = tcp.set_nodelay(true);
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            metrics::counter!(CONNECTIONS_REFUSED).increment(1);
            match refusals.clone().try_acquire_owned() {
                Ok(permit) => {
                    connections.spawn(refuse(tcp, refusal.clone(), permit));
                }
                Err(_) => drop(tcp),
            }
            continue;
        };
        let connection = Connection { peer, router: router.clone(), limits, builder: builder.clone() };
        connections.spawn(connection.run(tcp, slot, shutdown.clone()));
    }
    // Closing the listener now makes new connections fail at once instead of waiting in the
    // backlog for an accept that will never come.
    drop(listener);
    connections.close();
    connections.wait().await;
}

/// Accept errors that concern one connection that is already gone, not the listener.
fn is_peer_gone(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionRefused
    )
}

/// The whole answer to a connection over the cap, made once.
fn refusal_response() -> Vec<u8> {
    let body = r#"{"error":{"code":"unavailable","message":"too many open connections; try again shortly"}}"#;
    format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         retry-after: {RETRY_AFTER_S}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Reads the request head, sends the 503 and closes, reading what the client sends meanwhile
/// so the close is not a reset. An HTTP client takes an answer that comes before its request
/// for a broken connection, so the answer waits for the head.
async fn refuse(mut tcp: TcpStream, response: Bytes, _permit: OwnedSemaphorePermit) {
    let answered = async {
        let mut head = Vec::new();
        let mut buf = [0u8; 4096];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < MAX_REFUSED_HEAD_BYTES {
            match tcp.read(&mut buf).await? {
                0 => return Ok(()),
                n => head.extend_from_slice(&buf[..n]),
            }
        }
        tcp.write_all(&response).await?;
        tcp.shutdown().await?;
        let mut drained = 0;
        let mut buf = [0u8; 4096];
        while drained < REFUSAL_DRAIN_BYTES {
            match tcp.read(&mut buf).await? {
                0 => break,
                n => drained += n,
            }
        }
        io::Result::Ok(())
    };
    // Whatever happens, the socket is closed when this returns; a client too slow to take
    // its refusal within the linger time simply loses it.
    let _ = tokio::time::timeout(REFUSAL_LINGER, answered).await;
}

/// One accepted connection and what serving it takes.
struct Connection {
    peer: SocketAddr,
    router: Router,
    limits: ServeLimits,
    builder: Arc<auto::Builder<TokioExecutor>>,
}

impl Connection {
    #[tracing::instrument(name = "http_connection", level = "debug", skip_all, fields(peer = %self.peer))]
    async fn run(self, tcp: TcpStream, slot: OwnedSemaphorePermit, shutdown: CancellationToken) {
        let activity = Arc::new(Mutex::new(Activity::new(Instant::now())));
        let io = TokioIo::new(DeadlineIo::new(tcp, slot, activity.clone(), self.limits));
        let (peer, router, body_read_timeout) = (self.peer, self.router, self.limits.body_read_timeout);
        let service = hyper::service::service_fn(move |request: Request<Incoming>| {
            let answering = Answering::begin(activity.clone());
            let deadline = Instant::now() + body_read_timeout;
            let mut request = request.map(|body| DeadlineBody::new(body, deadline));
            // What `ConnectInfo<SocketAddr>` extracts, as axum's own server would insert it.
            request.extensions_mut().insert(ConnectInfo(peer));
            let response = router.clone().call(request);
            async move {
                let Ok(response) = response.await;
                if response.status() == StatusCode::SWITCHING_PROTOCOLS {
                    answering.upgraded();
                }
                Ok::<_, Infallible>(response.map(|body| AnsweredBody { body, _answering: answering }))
            }
        });
        let connection = self.builder.serve_connection_with_upgrades(io, service);
        tokio::pin!(connection);
        let ended = tokio::select! {
            ended = connection.as_mut() => ended,
            () = shutdown.cancelled() => {
                // Finishes the request in flight, if any, then closes instead of keeping alive.
                connection.as_mut().graceful_shutdown();
                connection.await
            }
        };
        if let Err(e) = ended {
            tracing::debug!(error = %e, "Connection ended with an error");
        }
    }
}

/// Where a connection is in its exchange of requests, which decides its read deadline.
#[derive(Debug)]
struct Activity {
    /// Requests whose head was read and whose response is not yet sent off. While one is,
    /// reads are the body's (bounded by the body's own deadline) or hyper watching for a
    /// hang-up while the handler works: neither is a client being slow with a head.
    answering: u32,
    /// The connection became a websocket: the HTTP deadlines no longer apply.
    upgraded: bool,
    /// A response was sent: the connection is being kept alive for another request.
    served: bool,
    /// When the connection was accepted, or its last response sent.
    idle_since: Instant,
    /// When the first byte of the next request head arrived on a kept-alive connection.
    head_started: Option<Instant>,
    /// The task of the last read that had to wait. A read that waits while a request is being
    /// answered arms no deadline, and nothing would poll it again before the client sends
    /// something: it is woken when the answer is sent, to arm the idle deadline.
    reader: Option<Waker>,
}

impl Activity {
    fn new(accepted: Instant) -> Self {
        Self { answering: 0, upgraded: false, served: false, idle_since: accepted, head_started: None, reader: None }
    }

    fn waiting_reader(&mut self, waker: &Waker) -> &mut Self {
        if !self.reader.as_ref().is_some_and(|w| w.will_wake(waker)) {
            self.reader = Some(waker.clone());
        }
        self
    }

    /// When a read still waiting must give up, if ever.
    fn read_deadline(&self, limits: &ServeLimits) -> Option<Instant> {
        if self.upgraded || self.answering > 0 {
            return None;
        }
        Some(match (self.served, self.head_started) {
            // A new connection's first request counts from the accept: a client that opens a
            // socket and says nothing is held no longer than one that says too little.
            (false, _) => self.idle_since + limits.header_read_timeout,
            (true, Some(first_byte)) => first_byte + limits.header_read_timeout,
            (true, None) => self.idle_since + limits.keep_alive_idle,
        })
    }

    fn bytes_arrived(&mut self, now: Instant) {
        if self.served && self.answering == 0 && !self.upgraded && self.head_started.is_none() {
            self.head_started = Some(now);
        }
    }
}

fn lock(activity: &Mutex<Activity>) -> std::sync::MutexGuard<'_, Activity> {
    // Nothing panics while holding the lock; a poisoned one still holds consistent data.
    activity.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One request being answered, from its head until its response body is done or dropped.
struct Answering(Arc<Mutex<Activity>>);

impl Answering {
    fn begin(activity: Arc<Mutex<Activity>>) -> Self {
        {
            let mut a = lock(&activity);
            a.answering += 1;
            a.head_started = None;
        }
        Self(activity)
    }

    fn upgraded(&self) {
        lock(&self.0).upgraded = true;
    }
}

impl Drop for Answering {
    fn drop(&mut self) {
        let mut a = lock(&self.0);
        a.answering -= 1;
        a.served = true;
        a.idle_since = Instant::now();
        if a.answering == 0
            && let Some(reader) = a.reader.take()
        {
            reader.wake();
        }
    }
}

/// A response body that keeps its request counted as being answered until it is sent.
struct AnsweredBody {
    body: axum::body::Body,
    _answering: Answering,
}

impl Body for AnsweredBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// A request body that fails with [`BodyReadTimeout`] once its deadline has passed.
struct DeadlineBody {
    body: Incoming,
    deadline: Instant,
    /// Made the first time the body has to wait: most bodies never do.
    timer: Option<Pin<Box<Sleep>>>,
}

impl DeadlineBody {
    fn new(body: Incoming, deadline: Instant) -> Self {
        Self { body, deadline, timer: None }
    }
}

impl Body for DeadlineBody {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        if let Poll::Ready(frame) = Pin::new(&mut this.body).poll_frame(cx) {
            return Poll::Ready(frame.map(|frame| frame.map_err(Into::into)));
        }
        let deadline = this.deadline;
        let timer = this.timer.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        ready!(timer.as_mut().poll(cx));
        Poll::Ready(Some(Err(BodyReadTimeout.into())))
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// The accepted socket, failing a read that waits past the connection's current deadline.
/// It holds the connection's slot, so the slot is freed when the socket closes, after an
/// upgrade too: a websocket holds a descriptor like any other connection.
struct DeadlineIo {
    tcp: TcpStream,
    activity: Arc<Mutex<Activity>>,
    limits: ServeLimits,
    timer: Pin<Box<Sleep>>,
    _slot: OwnedSemaphorePermit,
}

impl DeadlineIo {
    fn new(tcp: TcpStream, slot: OwnedSemaphorePermit, activity: Arc<Mutex<Activity>>, limits: ServeLimits) -> Self {
        let timer = Box::pin(tokio::time::sleep_until(Instant::now() + limits.header_read_timeout));
        Self { tcp, activity, limits, timer, _slot: slot }
    }
}

impl AsyncRead for DeadlineIo {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let before = buf.filled().len();
        match Pin::new(&mut this.tcp).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    lock(&this.activity).bytes_arrived(Instant::now());
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                let Some(deadline) = lock(&this.activity).waiting_reader(cx.waker()).read_deadline(&this.limits) else {
                    return Poll::Pending;
                };
                if this.timer.deadline() != deadline {
                    this.timer.as_mut().reset(deadline);
                }
                ready!(this.timer.as_mut().poll(cx));
                Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, "read deadline passed")))
            }
        }
    }
}

impl AsyncWrite for DeadlineIo {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.tcp).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.tcp).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: ServeLimits = ServeLimits {
        header_read_timeout: Duration::from_secs(10),
        body_read_timeout: Duration::from_secs(30),
        keep_alive_idle: Duration::from_secs(60),
        max_connections: 1,
    };

    #[test]
    fn deadlines_follow_the_exchange_of_requests() {
        let t0 = Instant::now();
        let activity = Arc::new(Mutex::new(Activity::new(t0)));
        let deadline = || lock(&activity).read_deadline(&LIMITS);
        // The first request's head counts from the accept, bytes or not.
        lock(&activity).bytes_arrived(t0 + Duration::from_secs(5));
        assert_eq!(deadline(), Some(t0 + LIMITS.header_read_timeout));
        let answering = Answering::begin(activity.clone());
        assert_eq!(deadline(), None, "no head deadline while a request is answered");
        drop(answering);
        let idle_since = lock(&activity).idle_since;
        assert_eq!(deadline(), Some(idle_since + LIMITS.keep_alive_idle));
        // The next head counts from its first byte.
        let first_byte = idle_since + Duration::from_secs(30);
        lock(&activity).bytes_arrived(first_byte);
        lock(&activity).bytes_arrived(first_byte + Duration::from_secs(1));
        assert_eq!(deadline(), Some(first_byte + LIMITS.header_read_timeout));
        // Once a websocket, never again.
        let answering = Answering::begin(activity.clone());
        answering.upgraded();
        drop(answering);
        assert_eq!(deadline(), None);
    }

    #[test]
    fn a_read_waiting_while_a_request_is_answered_is_woken_to_arm_the_idle_deadline() {
        struct Flag(std::sync::atomic::AtomicBool);
        impl std::task::Wake for Flag {
            fn wake(self: Arc<Self>) {
                self.0.store(true, std::sync::atomic::Ordering::SeqCst);
            }
        }
        let activity = Arc::new(Mutex::new(Activity::new(Instant::now())));
        let answering = Answering::begin(activity.clone());
        let woken = Arc::new(Flag(false.into()));
        let waker = Waker::from(woken.clone());
        assert_eq!(lock(&activity).waiting_reader(&waker).read_deadline(&LIMITS), None);
        drop(answering);
        assert!(woken.0.load(std::sync::atomic::Ordering::SeqCst));
        assert!(lock(&activity).read_deadline(&LIMITS).is_some());
    }

    #[test]
    fn the_refusal_is_a_whole_http_response() {
        let response = String::from_utf8(refusal_response()).unwrap();
        let (head, body) = response.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 503 "));
        assert!(head.contains(&format!("content-length: {}\r\n", body.len())), "{head}");
        assert!(head.contains("retry-after: "));
        let body: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(body["error"]["code"], "unavailable");
    }
}
