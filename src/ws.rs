//! Websocket plumbing both sessions share: reading a text frame within the size limit,
//! writing with a timeout, and closing with a contract close code.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use switchboard_chat::CloseCode;
use tokio_util::sync::CancellationToken;

use crate::hub::Frame;

/// Longest a write to a client may take before the client counts as gone.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest a close frame may take to go out; a client that does not read gets none.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);
/// Per-connection read buffer. The default (128 KiB, zero-filled per connection) costs about
/// 140 KB per idle connection; 8 KiB keeps an idle websocket near 20 KB.
const READ_BUFFER: usize = 8 * 1024;
/// Per-connection write buffer before frames are flushed.
const WRITE_BUFFER: usize = 8 * 1024;

/// Applies the buffer sizes and the message limit to an upgrade. Frames up to twice the
/// limit are read and answered with close 4413; beyond that the transport refuses them.
pub fn configure(upgrade: WebSocketUpgrade, max_frame_bytes: usize) -> WebSocketUpgrade {
    upgrade
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
        .max_write_buffer_size(WRITE_BUFFER * 64)
        .max_message_size(max_frame_bytes * 2)
        .max_frame_size(max_frame_bytes * 2)
}

/// What arrived from the client.
pub enum Incoming {
    Text(String),
    /// A frame over the size limit.
    TooLarge,
    /// A binary frame: this protocol has none.
    Binary,
    /// The client closed or the connection broke.
    Gone,
}

/// Reads the next data frame, answering pings on the way (the transport does that itself).
pub async fn next(ws: &mut WebSocket, max_frame_bytes: usize) -> Incoming {
    loop {
        match ws.recv().await {
            Some(Ok(Message::Text(t))) if t.len() > max_frame_bytes => return Incoming::TooLarge,
            Some(Ok(Message::Text(t))) => return Incoming::Text(t.to_string()),
            Some(Ok(Message::Binary(b))) if b.len() > max_frame_bytes => return Incoming::TooLarge,
            Some(Ok(Message::Binary(_))) => return Incoming::Binary,
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            Some(Ok(Message::Close(_))) | None => return Incoming::Gone,
            Some(Err(e)) => {
                let inner = e.into_inner();
                let too_large =
                    matches!(inner.downcast_ref::<tungstenite::Error>(), Some(tungstenite::Error::Capacity(_)));
                return if too_large { Incoming::TooLarge } else { Incoming::Gone };
            }
        }
    }
}

/// Sends one text frame; `false` when the client is gone or too slow to take it.
pub async fn send(ws: &mut WebSocket, text: impl Into<String>) -> bool {
    matches!(tokio::time::timeout(WRITE_TIMEOUT, ws.send(Message::Text(text.into().into()))).await, Ok(Ok(())))
}

/// Writes a queued frame, giving up as soon as the connection is kicked for reading too
/// slowly (a write blocked on a full socket would otherwise hold it for the write timeout).
/// `Err` carries how the session ends: a close code, or `None` when the client is gone.
pub async fn forward(ws: &mut WebSocket, frame: Frame, kicked: &CancellationToken) -> Result<(), Option<CloseCode>> {
    tokio::select! {
        sent = send(ws, frame.to_string()) => if sent { Ok(()) } else { Err(None) },
        _ = kicked.cancelled() => Err(Some(CloseCode::SlowConsumer)),
    }
}

/// Closes with a contract close code (best effort: the client may be gone or not reading).
pub async fn close(ws: &mut WebSocket, code: CloseCode) {
    let frame = CloseFrame { code: code.code(), reason: code.reason().into() };
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, ws.send(Message::Close(Some(frame)))).await;
}
