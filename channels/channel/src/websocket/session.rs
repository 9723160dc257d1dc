//! Websocket plumbing both sessions share: reading a text frame within the size limit,
//! writing with a timeout, and closing with a contract close code.

use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use futures::future::BoxFuture;
use futures::stream::FuturesOrdered;
use futures::{FutureExt, SinkExt, StreamExt};

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::{CloseCode, Frame, FrameError, FrameReceiver, RateLimiter, Verdict, error_frame};
use crate::codes::ErrorCode;

/// Longest a write to a client may take before the client counts as gone.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest a close frame may take to go out; a client that does not read gets none.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);
/// Per-connection read buffer. The default (128 KiB, zero-filled per connection) costs about
/// 140 KB per idle connection; 8 KiB keeps an idle websocket near 20 KB.
const READ_BUFFER: usize = 8 * 1024;
/// Per-connection write buffer before frames are flushed.
const WRITE_BUFFER: usize = 8 * 1024;

/// What one side's sessions may do: the customer chat and the agent console each have their
/// own, from their own configuration section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest text frame accepted, in bytes; a larger one closes the connection (4413).
    pub max_frame_bytes: usize,
    /// Frames per second a connection may send on average.
    pub rate_per_s: u32,
    /// Frames a connection may send in a burst above the average.
    pub rate_burst: u32,
    /// Frames over the limit tolerated (each answered with `rate_limited`) before close 4429.
    pub rate_tolerance: u32,
    /// Most bytes waiting in a connection's write buffer. Reading answers a ping by queueing
    /// a pong there, so a peer that pings without reading would otherwise grow it without
    /// limit; it must hold the largest frame the daemon writes to this side.
    pub max_write_buffer_bytes: usize,
}

/// Upgrades to a websocket and runs `session` on it as a task of `tasks`, so shutdown waits
/// (within the drain) for the session to send its close frame instead of exiting under it.
/// The upgrade gets the buffer sizes and the message limit: frames up to twice the limit are
/// read and answered with close 4413; beyond that the transport refuses them.
pub fn accept<F, Fut>(upgrade: WebSocketUpgrade, limits: &Limits, tasks: &TaskTracker, session: F) -> Response
where
    F: FnOnce(WebSocket) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    // Taken before the upgrade: a session that is still being set up when shutdown begins
    // is waited for as well.
    let running = tasks.token();
    upgrade
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
        .max_write_buffer_size(limits.max_write_buffer_bytes.max(WRITE_BUFFER * 2))
        .max_message_size(limits.max_frame_bytes * 2)
        .max_frame_size(limits.max_frame_bytes * 2)
        .on_upgrade(move |socket| async move {
            session(socket).await;
            drop(running);
        })
}

/// What arrived from the client.
pub enum Incoming {
    Text(String),
    /// A ping or pong: the client is there.
    Alive,
    /// A frame over the size limit.
    TooLarge,
    /// A binary frame: this protocol has none.
    Binary,
    /// A text frame that is not UTF-8 (close 1007).
    InvalidText,
    /// The client closed or the connection broke.
    Gone,
}

/// Reads the next frame (the transport answers pings itself).
pub async fn next(ws: &mut WebSocket, max_frame_bytes: usize) -> Incoming {
    match ws.recv().await {
        Some(Ok(Message::Text(t))) if t.len() > max_frame_bytes => Incoming::TooLarge,
        Some(Ok(Message::Text(t))) => Incoming::Text(t.to_string()),
        Some(Ok(Message::Binary(b))) if b.len() > max_frame_bytes => Incoming::TooLarge,
        Some(Ok(Message::Binary(_))) => Incoming::Binary,
        Some(Ok(Message::Ping(_) | Message::Pong(_))) => Incoming::Alive,
        Some(Ok(Message::Close(_))) | None => Incoming::Gone,
        Some(Err(e)) => {
            let inner = e.into_inner();
            match inner.downcast_ref::<tungstenite::Error>() {
                Some(tungstenite::Error::Capacity(_)) => Incoming::TooLarge,
                Some(tungstenite::Error::Utf8(_)) => Incoming::InvalidText,
                _ => Incoming::Gone,
            }
        }
    }
}

/// Sends one text frame; `false` when the client is gone or too slow to take it.
pub async fn send(ws: &mut WebSocket, text: impl Into<String>) -> bool {
    send_all(ws, [text.into()]).await
}

/// Sends text frames in order and flushes once, so a burst costs one write to the socket
/// instead of one per frame; `false` when the client is gone or too slow to take them.
pub async fn send_all(ws: &mut WebSocket, frames: impl IntoIterator<Item = String>) -> bool {
    let write = async {
        for text in frames {
            ws.feed(Message::Text(text.into())).await?;
        }
        ws.flush().await
    };
    matches!(tokio::time::timeout(WRITE_TIMEOUT, write).await, Ok(Ok(())))
}

/// Most queued frames written with one flush.
const FORWARD_BATCH: usize = 64;

/// Writes a queued frame and whatever else is already queued behind it, giving up as soon as
/// the connection is kicked for reading too slowly (a write blocked on a full socket would
/// otherwise hold it for the write timeout). `Err` carries how the session ends: a close code,
/// or `None` when the client is gone.
pub async fn forward(
    ws: &mut WebSocket,
    first: Frame,
    registration: &mut FrameReceiver,
) -> Result<(), Option<CloseCode>> {
    let mut frames = vec![first.to_string()];
    while frames.len() < FORWARD_BATCH
        && let Ok(frame) = registration.frames.try_recv()
    {
        frames.push(frame.to_string());
    }
    tokio::select! {
        sent = send_all(ws, frames) => if sent { Ok(()) } else { Err(None) },
        _ = registration.kicked.cancelled() => Err(Some(CloseCode::SlowConsumer)),
    }
}

/// Closes with a contract close code (best effort: the client may be gone or not reading).
///
/// Then it reads (and drops) what the client still sends until the client answers the close
/// or the close timeout passes: a socket closed with unread input is reset by the kernel, and
/// a reset can discard the frames just written (the last `rate_limited` error, the close
/// frame itself) before the client has read them.
pub async fn close(ws: &mut WebSocket, code: CloseCode) {
    let frame = CloseFrame { code: code.code(), reason: code.reason().into() };
    let closing = async {
        if ws.send(Message::Close(Some(frame))).await.is_ok() {
            while let Some(Ok(message)) = ws.recv().await {
                if matches!(message, Message::Close(_)) {
                    break;
                }
            }
        }
    };
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, closing).await;
}

/// How long a new connection has to say `hello`.
pub const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// How often an idle connection is pinged, so dead peers (a phone that lost its network
/// without closing) are noticed.
const PING_EVERY: Duration = Duration::from_secs(30);
/// Silence (no frame, ping or pong) after which a connection counts as dead.
const IDLE_LIMIT: Duration = Duration::from_secs(90);
/// Malformed frames in a row before the connection is closed with 4400.
const MALFORMED_TOLERANCE: u32 = 10;

/// Waits for the first frame, which must come within [`HELLO_TIMEOUT`]. `Err` carries how
/// the connection ends.
/// Pings count against the rate limit: each one makes the transport queue a pong.
pub async fn first_frame(ws: &mut WebSocket, limits: &Limits) -> Result<String, Option<CloseCode>> {
    let deadline = tokio::time::Instant::now() + HELLO_TIMEOUT;
    let mut limiter = RateLimiter::new(limits.rate_per_s, limits.rate_burst, limits.rate_tolerance, Instant::now());
    loop {
        match tokio::time::timeout_at(deadline, next(ws, limits.max_frame_bytes)).await {
            Err(_) => return Err(Some(CloseCode::HelloTimeout)),
            Ok(Incoming::Text(text)) => return Ok(text),
            Ok(Incoming::Alive) => {
                if limiter.check(Instant::now()) == Verdict::Close {
                    return Err(Some(CloseCode::RateLimited));
                }
            }
            Ok(Incoming::InvalidText) => return Err(Some(CloseCode::InvalidText)),
            Ok(Incoming::TooLarge) => return Err(Some(CloseCode::TooLarge)),
            Ok(Incoming::Binary) => return Err(Some(CloseCode::Unauthorized)),
            Ok(Incoming::Gone) => return Err(None),
        }
    }
}

/// Frames one connection may have under way at once (sent, not yet answered). A client that
/// sends faster than its frames are answered waits in its own socket, not in our memory.
const MAX_IN_FLIGHT: usize = 32;

/// What a session made of one text frame.
pub enum Handled<P> {
    /// Frames to send back to this connection, in order.
    Replies(Vec<String>),
    /// Not a frame at all (counts toward close 4400): the error frame to answer with.
    Malformed(String),
    /// Work under way (a commit). The session reads on meanwhile; once the work is done,
    /// [`FrameHandler::finish`] makes its replies, which go out in the order frames arrived.
    Pending(BoxFuture<'static, P>),
}

impl<P> Handled<P> {
    /// The answer to a frame that could not be read; one that is not JSON at all counts
    /// toward close 4400.
    pub fn unreadable(e: &FrameError) -> Self {
        let error = error_frame(e.code(), e.to_string());
        if matches!(e, FrameError::NotAFrame) { Handled::Malformed(error) } else { Handled::Replies(vec![error]) }
    }
}

/// What answers the text frames of a session.
pub trait FrameHandler: Send {
    /// What pending work ends with.
    type Done: Send + 'static;
    fn handle(&mut self, text: String) -> impl Future<Output = Handled<Self::Done>> + Send;
    /// The replies to finished pending work.
    fn finish(&mut self, done: Self::Done) -> Vec<String>;
}

/// A frame's answer waiting for its turn to go out.
enum Answer<P> {
    Replies(Vec<String>),
    Done(P),
}

/// Answers not sent yet, in the order their frames arrived.
type InFlight<P> = FuturesOrdered<BoxFuture<'static, Answer<P>>>;

/// What [`serve`] needs besides the socket.
pub struct Serve<'a> {
    pub limits: &'a Limits,
    pub shutdown: &'a CancellationToken,
    /// Ends when the session's credentials stop holding: its token expired or its account was
    /// disabled (close 4401).
    pub revoked: BoxFuture<'a, ()>,
}

/// The loop every session runs after `hello`: frames queued for the connection go out, frames
/// from the client pass the rate limit and go to `handle`, and the session ends on shutdown
/// (1001), a full queue (1008), revoked credentials (4401), a frame too large (4413), too
/// many malformed (4400) or rate-limited (4429) frames, or a silent peer. Returns the close
/// code to end with, or `None` when the client is gone.
pub async fn serve<H: FrameHandler>(
    ws: &mut WebSocket,
    registration: &mut FrameReceiver,
    opts: Serve<'_>,
    handler: &mut H,
) -> Option<CloseCode> {
    let config = opts.limits;
    let mut limiter = RateLimiter::new(config.rate_per_s, config.rate_burst, config.rate_tolerance, Instant::now());
    let mut revoked = opts.revoked;
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.reset();
    let mut last_heard = Instant::now();
    let mut malformed = 0;
    let mut in_flight: InFlight<H::Done> = FuturesOrdered::new();
    loop {
        tokio::select! {
            _ = opts.shutdown.cancelled() => {
                // What was committed is acknowledged before the session ends.
                while let Some(answer) = in_flight.next().await {
                    if !send_all(ws, answer.replies(handler)).await {
                        return None;
                    }
                }
                return Some(CloseCode::GoingAway);
            }
            _ = registration.kicked.cancelled() => return Some(CloseCode::SlowConsumer),
            () = &mut revoked => return Some(CloseCode::Unauthorized),
            _ = ping.tick() => {
                if last_heard.elapsed() > IDLE_LIMIT {
                    return None;
                }
                if tokio::time::timeout(WRITE_TIMEOUT, ws.send(Message::Ping(Default::default()))).await.is_err() {
                    return None;
                }
            }
            frame = registration.frames.recv() => {
                let Some(frame) = frame else { return Some(CloseCode::GoingAway) };
                if let Err(end) = forward(ws, frame, registration).await {
                    return end;
                }
            }
            Some(answer) = in_flight.next(), if !in_flight.is_empty() => {
                if !send_all(ws, answer.replies(handler)).await {
                    return None;
                }
            }
            incoming = next(ws, config.max_frame_bytes), if in_flight.len() < MAX_IN_FLIGHT => {
                last_heard = Instant::now();
                let text = match incoming {
                    Incoming::Text(t) => t,
                    // A ping is answered with a pong the transport queues, so pings are
                    // limited like frames; only the connection's end needs saying.
                    Incoming::Alive => {
                        if limiter.check(Instant::now()) == Verdict::Close {
                            send(ws, error_frame(ErrorCode::RateLimited, "too many pings over the rate limit")).await;
                            return Some(CloseCode::RateLimited);
                        }
                        continue;
                    }
                    Incoming::InvalidText => return Some(CloseCode::InvalidText),
                    Incoming::TooLarge => return Some(CloseCode::TooLarge),
                    Incoming::Gone => return None,
                    Incoming::Binary => {
                        malformed += 1;
                        if malformed > MALFORMED_TOLERANCE {
                            return Some(CloseCode::Malformed);
                        }
                        let error = error_frame(ErrorCode::BadRequest, "binary frames are not supported");
                        if !reply(ws, &mut in_flight, vec![error]).await {
                            return None;
                        }
                        continue;
                    }
                };
                match limiter.check(Instant::now()) {
                    Verdict::Allow => {}
                    Verdict::Reject => {
                        // Rounded up: "retry in 0 ms" would invite the next frame too early.
                        let wait = limiter.retry_after().as_micros().div_ceil(1000);
                        let error = error_frame(ErrorCode::RateLimited, format!("slow down; retry in {wait} ms"));
                        if !reply(ws, &mut in_flight, vec![error]).await {
                            return None;
                        }
                        continue;
                    }
                    Verdict::Close => {
                        let error = error_frame(ErrorCode::RateLimited, "too many frames over the rate limit");
                        send(ws, error).await;
                        return Some(CloseCode::RateLimited);
                    }
                }
                // While a frame is handled (a commit may take a while under load), frames
                // queued for this connection keep flowing, so a prompt reader is never
                // mistaken for a slow one.
                let handled = handler.handle(text);
                tokio::pin!(handled);
                let handled = loop {
                    tokio::select! {
                        biased;
                        done = &mut handled => break done,
                        frame = registration.frames.recv() => {
                            let Some(frame) = frame else { return Some(CloseCode::GoingAway) };
                            if let Err(end) = forward(ws, frame, registration).await {
                                return end;
                            }
                        }
                    }
                };
                let replies = match handled {
                    Handled::Replies(replies) => {
                        malformed = 0;
                        replies
                    }
                    Handled::Malformed(error) => {
                        malformed += 1;
                        if malformed > MALFORMED_TOLERANCE {
                            return Some(CloseCode::Malformed);
                        }
                        vec![error]
                    }
                    Handled::Pending(work) => {
                        malformed = 0;
                        in_flight.push_back(work.map(Answer::Done).boxed());
                        continue;
                    }
                };
                if !reply(ws, &mut in_flight, replies).await {
                    return None;
                }
            }
        }
    }
}

impl<P> Answer<P> {
    fn replies<H: FrameHandler<Done = P>>(self, handler: &mut H) -> Vec<String> {
        match self {
            Answer::Replies(replies) => replies,
            Answer::Done(done) => handler.finish(done),
        }
    }
}

/// Sends replies now, or queues them behind answers still under way so they keep their turn.
/// `false` when the client is gone.
async fn reply<P: Send + 'static>(ws: &mut WebSocket, in_flight: &mut InFlight<P>, replies: Vec<String>) -> bool {
    if in_flight.is_empty() {
        send_all(ws, replies).await
    } else {
        in_flight.push_back(futures::future::ready(Answer::Replies(replies)).boxed());
        true
    }
}
