//! Websocket and HTTP clients speaking the wire contract, and a daemon set up for chat.

use std::collections::VecDeque;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use jsonwebtoken::{EncodingKey, Header, encode};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::common::Daemon;

/// The HS256 secret the test daemons verify customer tokens with.
pub const SECRET: &str = "test-secret-test-secret-test-secret-0123";
/// The password every test agent gets.
pub const PASSWORD: &str = "correct horse battery staple";
/// How long a test waits for one expected frame.
const FRAME_TIMEOUT: Duration = Duration::from_secs(15);

/// A daemon with customer tokens enabled, short offer timeouts and a short reconnect grace.
pub async fn chat_daemon() -> Daemon {
    chat_daemon_with(&[]).await
}

pub async fn chat_daemon_with(extra: &[(&str, &str)]) -> Daemon {
    let mut b = Daemon::builder()
        .env("SWITCHBOARD__CHAT__JWT_SECRET", SECRET)
        .env("SWITCHBOARD__ROUTING__OFFER_TIMEOUT_S", "3")
        .env("SWITCHBOARD__ROUTING__RECONNECT_GRACE_S", "3");
    for (k, v) in extra {
        b = b.env(*k, *v);
    }
    b.start().await
}

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

/// A customer token for app user `sub`, valid for an hour.
pub fn customer_token(sub: &str) -> String {
    sign(json!({ "sub": sub, "exp": now() + 3600, "name": format!("Customer {sub}"), "lang": "en" }))
}

pub fn sign(claims: Value) -> String {
    encode(&Header::default(), &claims, &EncodingKey::from_secret(SECRET.as_bytes())).unwrap()
}

pub struct Ws {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// Frames `expect` read past while looking for another type, oldest first; later reads
    /// take them first, so no frame is lost to the order the server chose.
    pending: VecDeque<Value>,
}

/// How a connection ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Closed {
    Code(u16),
    /// The connection dropped without a close frame.
    Dropped,
}

impl Ws {
    pub async fn connect(daemon: &Daemon, path: &str) -> Ws {
        let url = format!("ws://{}{path}", daemon.address());
        let (stream, _) = tokio_tungstenite::connect_async(url).await.expect("websocket connects");
        Ws { stream, pending: VecDeque::new() }
    }

    /// A client over a websocket the test opened itself.
    pub fn from_stream(stream: WebSocketStream<MaybeTlsStream<TcpStream>>) -> Ws {
        Ws { stream, pending: VecDeque::new() }
    }

    /// A connection with a tiny receive buffer, so that the daemon's writes back up after a
    /// few frames once the test stops reading from it.
    pub async fn slow_reader(daemon: &Daemon, path: &str) -> Ws {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(2048).unwrap();
        let tcp = socket.connect(daemon.address()).await.expect("TCP connects");
        let url = format!("ws://{}{path}", daemon.address());
        let (stream, _) =
            tokio_tungstenite::client_async(url, MaybeTlsStream::Plain(tcp)).await.expect("websocket connects");
        Ws { stream, pending: VecDeque::new() }
    }

    /// A customer connection that has said hello; returns it and the welcome frame.
    pub async fn customer(daemon: &Daemon, sub: &str, resume_after: Option<i64>) -> (Ws, Value) {
        let mut ws = Ws::connect(daemon, "/v1/chat").await;
        let mut hello = json!({ "type": "hello", "token": customer_token(sub) });
        if let Some(after) = resume_after {
            hello["resume_after"] = json!(after);
        }
        ws.send(hello).await;
        let welcome = ws.expect("welcome").await;
        (ws, welcome)
    }

    /// An agent console connection that has said hello; returns it and the welcome frame.
    pub async fn agent(daemon: &Daemon, login: &str) -> (Ws, Value) {
        let token = agent_login(daemon, login).await;
        let mut ws = Ws::connect(daemon, "/v1/agent").await;
        ws.send(json!({ "type": "hello", "token": token })).await;
        let welcome = ws.expect("welcome").await;
        (ws, welcome)
    }

    /// An agent console that is logged in and available.
    pub async fn available_agent(daemon: &Daemon, login: &str) -> Ws {
        let (mut ws, _) = Ws::agent(daemon, login).await;
        ws.send(json!({ "type": "status", "status": "available" })).await;
        let status = ws.expect("status").await;
        assert_eq!(status["status"], "available");
        ws
    }

    /// Accepts the next offer this console gets; returns the id of the conversation assigned.
    pub async fn accept_next_offer(&mut self) -> String {
        let offer = self.expect("offer").await;
        self.send(json!({ "type": "accept", "offer_id": offer["offer_id"] })).await;
        let assigned = self.expect("assigned").await;
        assigned["conversation"]["id"].as_str().expect("the conversation has an id").to_owned()
    }

    pub async fn send(&mut self, frame: Value) {
        self.stream.send(Message::Text(frame.to_string().into())).await.expect("frame sent");
    }

    pub async fn send_raw(&mut self, message: Message) {
        self.stream.send(message).await.expect("frame sent");
    }

    /// Sends any websocket message; `false` when the connection is gone.
    pub async fn try_send_raw(&mut self, message: Message) -> bool {
        self.stream.send(message).await.is_ok()
    }

    /// The next text frame as JSON, or `None` once the connection is gone.
    pub async fn next_frame(&mut self) -> Option<Value> {
        if let Some(f) = self.pending.pop_front() {
            return Some(f);
        }
        loop {
            match tokio::time::timeout(FRAME_TIMEOUT, self.stream.next()).await.ok()?? {
                Ok(Message::Text(t)) => return serde_json::from_str(&t).ok(),
                Ok(Message::Close(_)) | Err(_) => return None,
                Ok(_) => continue,
            }
        }
    }

    /// Sends a frame; `false` when the connection is gone.
    pub async fn try_send(&mut self, frame: Value) -> bool {
        self.stream.send(Message::Text(frame.to_string().into())).await.is_ok()
    }

    /// The next text frame as JSON; fails the test on close or timeout.
    pub async fn recv(&mut self) -> Value {
        if let Some(f) = self.pending.pop_front() {
            return f;
        }
        loop {
            let msg = tokio::time::timeout(FRAME_TIMEOUT, self.stream.next())
                .await
                .expect("a frame arrives in time")
                .expect("the connection is open")
                .expect("the frame is readable");
            match msg {
                Message::Text(t) => return serde_json::from_str(&t).expect("frames are JSON"),
                Message::Close(c) => panic!("connection closed unexpectedly: {c:?}"),
                _ => continue,
            }
        }
    }

    /// The next frame of type `kind`; frames of other types are kept for later reads.
    pub async fn expect(&mut self, kind: &str) -> Value {
        if let Some(i) = self.pending.iter().position(|f| f["type"] == kind) {
            return self.pending.remove(i).expect("the index is in range");
        }
        loop {
            let f = self.read().await;
            if f["type"] == kind {
                return f;
            }
            assert_ne!(f["type"], "error", "expected {kind}, got an error: {f}");
            self.pending.push_back(f);
        }
    }

    /// The next frame from the socket, past anything pending.
    async fn read(&mut self) -> Value {
        let pending = std::mem::take(&mut self.pending);
        let f = self.recv().await;
        self.pending = pending;
        f
    }

    /// Frames until the server closes, and how it closed.
    pub async fn until_closed(&mut self) -> (Vec<Value>, Closed) {
        let mut frames: Vec<Value> = self.pending.drain(..).collect();
        loop {
            match tokio::time::timeout(FRAME_TIMEOUT, self.stream.next()).await.expect("the server closes in time") {
                Some(Ok(Message::Text(t))) => frames.push(serde_json::from_str(&t).expect("frames are JSON")),
                Some(Ok(Message::Close(Some(frame)))) => return (frames, Closed::Code(u16::from(frame.code))),
                Some(Ok(Message::Close(None))) => return (frames, Closed::Code(u16::from(CloseCode::Status))),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return (frames, Closed::Dropped),
            }
        }
    }

    /// The next `message` frame written by an agent, skipping the customer's own echoes.
    pub async fn agent_message(&mut self) -> Value {
        loop {
            let m = self.expect("message").await;
            if m["author"]["role"] == "agent" {
                return m;
            }
        }
    }

    /// Frames received within `window`, stopping early at a close.
    pub async fn drain(&mut self, window: Duration) -> Vec<Value> {
        let mut frames: Vec<Value> = self.pending.drain(..).collect();
        let deadline = tokio::time::Instant::now() + window;
        while let Ok(Some(Ok(msg))) = tokio::time::timeout_at(deadline, self.stream.next()).await {
            match msg {
                Message::Text(t) => frames.push(serde_json::from_str(&t).expect("frames are JSON")),
                Message::Close(_) => break,
                _ => {}
            }
        }
        frames
    }

    /// Waits for the server to close the connection and returns its close code.
    pub async fn closed(&mut self) -> Closed {
        self.until_closed().await.1
    }
}

/// Logs an agent in over HTTP and returns the session token.
pub async fn agent_login(daemon: &Daemon, login: &str) -> String {
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/agent/login", daemon.base_url()))
        .json(&json!({ "login": login, "password": PASSWORD }))
        .send()
        .await
        .expect("login request");
    assert_eq!(resp.status(), 200, "login of {login}");
    let body: Value = resp.json().await.unwrap();
    body["token"].as_str().expect("a token").to_owned()
}

/// The `X-Switchboard-Signature` of a webhook body sent at `timestamp`, computed here
/// independently of the daemon's own code: `sha256=` and the hex HMAC-SHA256 of
/// `"<timestamp>.<body>"`.
pub fn webhook_signature(secret: &str, timestamp: &str, body: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.{body}").as_bytes());
    format!("sha256={}", mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect::<String>())
}
