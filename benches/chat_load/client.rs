//! The load generator's side of the wire contract: websocket connections with small buffers,
//! customer tokens, the few frame fields the load reads, and the send-time stamp carried in
//! message text.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use jsonwebtoken::{EncodingKey, Header, encode};
use serde::Deserialize;
use serde_json::json;
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// A websocket over a plain loopback TCP stream.
pub type Ws = WebSocketStream<TcpStream>;

/// Longest a connect, handshake or `hello` may take before the attempt counts as failed.
const SETUP_TIMEOUT: Duration = Duration::from_secs(30);
/// The generator's own read buffer per connection: tungstenite's default (128 KiB, zero-filled
/// up front) would cost the generator over a gigabyte for 10,000 connections.
const READ_BUFFER: usize = 4 * 1024;

/// Opens a websocket to `path` with Nagle off, as a latency-sensitive app client would.
pub async fn connect(addr: SocketAddr, path: &str) -> Result<Ws, String> {
    let attempt = async {
        let tcp = TcpStream::connect(addr).await.map_err(|e| format!("connect: {e}"))?;
        tcp.set_nodelay(true).map_err(|e| format!("nodelay: {e}"))?;
        let config = WebSocketConfig::default().read_buffer_size(READ_BUFFER).write_buffer_size(0);
        let (ws, _) = tokio_tungstenite::client_async_with_config(format!("ws://{addr}{path}"), tcp, Some(config))
            .await
            .map_err(|e| format!("handshake: {e}"))?;
        Ok(ws)
    };
    tokio::time::timeout(SETUP_TIMEOUT, attempt).await.map_err(|_| "connect timed out".to_owned())?
}

/// Sends one text frame; `false` when the connection is gone.
pub async fn send(ws: &mut Ws, text: String) -> bool {
    ws.send(Message::Text(text.into())).await.is_ok()
}

/// What the generator reads from a server frame; every other field is skipped.
#[derive(Deserialize)]
pub struct Frame<'a> {
    #[serde(rename = "type", borrow)]
    pub kind: Cow<'a, str>,
    #[serde(default, borrow, deserialize_with = "text")]
    pub client_id: Cow<'a, str>,
    #[serde(default, borrow, deserialize_with = "text")]
    pub conversation_id: Cow<'a, str>,
    #[serde(default, borrow, deserialize_with = "text")]
    pub offer_id: Cow<'a, str>,
    #[serde(default, borrow, deserialize_with = "text")]
    pub text: Cow<'a, str>,
    #[serde(default, borrow, deserialize_with = "text")]
    pub code: Cow<'a, str>,
    #[serde(default, borrow, deserialize_with = "text")]
    pub state: Cow<'a, str>,
    #[serde(default, borrow, deserialize_with = "text")]
    pub reason: Cow<'a, str>,
    #[serde(default, borrow)]
    pub author: Option<Author<'a>>,
    /// The SUMMARY or CONVERSATION of an `offer` or `assigned`.
    #[serde(default, borrow)]
    pub conversation: Option<Conversation<'a>>,
}

/// SUMMARY or CONVERSATION, of which only the id is read.
#[derive(Deserialize)]
pub struct Conversation<'a> {
    #[serde(borrow)]
    pub id: Cow<'a, str>,
}

/// A string field that may be `null` (read as empty), borrowed from the frame when it has no
/// escapes: serde's own `Option<Cow<str>>` copies every string, which the load's hot path
/// would pay on every frame.
fn text<'de: 'a, 'a, D: serde::Deserializer<'de>>(d: D) -> Result<Cow<'a, str>, D::Error> {
    d.deserialize_option(TextVisitor)
}

struct TextVisitor;

impl<'de> serde::de::Visitor<'de> for TextVisitor {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a string or null")
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(""))
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(""))
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
}

#[derive(Deserialize)]
pub struct Author<'a> {
    #[serde(borrow)]
    pub role: Cow<'a, str>,
}

impl<'a> Frame<'a> {
    pub fn parse(text: &'a str) -> Option<Self> {
        serde_json::from_str(text).ok()
    }

    pub fn role(&self) -> &str {
        self.author.as_ref().map_or("", |a| &a.role)
    }

    /// The conversation a frame is about: its nested conversation's id, or `conversation_id`.
    pub fn conversation(&self) -> &str {
        self.conversation.as_ref().map_or(&self.conversation_id, |c| &c.id)
    }
}

/// How a read from a connection ended up.
pub enum Read {
    Text(tokio_tungstenite::tungstenite::Utf8Bytes),
    /// The server closed with this code (1005 when it gave none).
    Closed(u16),
    /// The connection broke without a close frame.
    Dropped,
    /// A ping, pong or binary frame: nothing for the load to look at.
    Other,
}

pub fn classify(next: Option<Result<Message, tokio_tungstenite::tungstenite::Error>>) -> Read {
    match next {
        Some(Ok(Message::Text(t))) => Read::Text(t),
        Some(Ok(Message::Close(frame))) => Read::Closed(frame.map_or(1005, |f| u16::from(f.code))),
        Some(Ok(_)) => Read::Other,
        Some(Err(_)) | None => Read::Dropped,
    }
}

/// Reads frames until one of type `kind` arrives; anything else before it is skipped.
pub async fn expect(ws: &mut Ws, kind: &str) -> Result<(), String> {
    let wait = async {
        loop {
            match classify(ws.next().await) {
                Read::Text(t) => {
                    let frame =
                        Frame::parse(t.as_str()).ok_or_else(|| format!("unparsable frame while waiting for {kind}"))?;
                    if frame.kind == kind {
                        return Ok(());
                    }
                    if frame.kind == "error" {
                        return Err(format!("error {} while waiting for {kind}", frame.code));
                    }
                }
                Read::Closed(code) => return Err(format!("closed {code} while waiting for {kind}")),
                Read::Dropped => return Err(format!("dropped while waiting for {kind}")),
                Read::Other => {}
            }
        }
    };
    tokio::time::timeout(SETUP_TIMEOUT, wait).await.map_err(|_| format!("no {kind} within {SETUP_TIMEOUT:?}"))?
}

/// A customer connection that said `hello` and got its `welcome`.
pub async fn customer(addr: SocketAddr, token: &str) -> Result<Ws, String> {
    let mut ws = connect(addr, "/v1/chat").await?;
    if !send(&mut ws, json!({ "type": "hello", "token": token }).to_string()).await {
        return Err("hello not sent".into());
    }
    expect(&mut ws, "welcome").await?;
    Ok(ws)
}

/// A customer who sent `text` as the first message of a conversation and heard both its
/// `ack` and the `assigned` of an agent, in whichever order, within `deadline`. `gate` is held
/// only while connecting and sending, the part that costs the daemon most.
pub async fn assigned_customer(
    addr: SocketAddr,
    token: &str,
    text: &str,
    gate: &tokio::sync::Semaphore,
    deadline: Duration,
) -> Result<Ws, String> {
    let permit = gate.acquire().await.map_err(|e| e.to_string())?;
    let mut ws = customer(addr, token).await?;
    if !send(&mut ws, json!({ "type": "send", "client_id": "open", "text": text }).to_string()).await {
        return Err("opening message not sent".to_owned());
    }
    drop(permit);
    let (mut acked, mut assigned) = (false, false);
    let wait = async {
        while !(acked && assigned) {
            match classify(ws.next().await) {
                Read::Text(t) => match Frame::parse(t.as_str()) {
                    Some(f) if f.kind == "ack" => acked = true,
                    Some(f) if f.kind == "assigned" => assigned = true,
                    Some(f) if f.kind == "error" => return Err(format!("error {} on the opening message", f.code)),
                    _ => {}
                },
                Read::Closed(code) => return Err(format!("closed {code} before assignment")),
                Read::Dropped => return Err("dropped before assignment".to_owned()),
                Read::Other => {}
            }
        }
        Ok(())
    };
    tokio::time::timeout(deadline, wait).await.map_err(|_| "not assigned in time".to_owned())??;
    Ok(ws)
}

/// A customer token for app user `sub`, valid for two hours (longer than any run).
pub fn customer_token(secret: &str, sub: &str) -> String {
    let exp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs()) + 7200;
    let claims = json!({ "sub": sub, "exp": exp, "name": format!("Load {sub}"), "lang": "en" });
    encode(&Header::default(), &claims, &EncodingKey::from_secret(secret.as_bytes())).unwrap_or_default()
}

/// Logs an agent in over HTTP; returns the session token.
pub async fn agent_login(
    http: &reqwest::Client,
    addr: SocketAddr,
    login: &str,
    password: &str,
) -> Result<String, String> {
    let response = http
        .post(format!("http://{addr}/v1/agent/login"))
        .json(&json!({ "login": login, "password": password }))
        .timeout(SETUP_TIMEOUT)
        .send()
        .await
        .map_err(|e| format!("login request: {e}"))?;
    let status = response.status();
    let body: serde_json::Value = response.json().await.map_err(|e| format!("login body: {e}"))?;
    match body["token"].as_str() {
        Some(token) if status.is_success() => Ok(token.to_owned()),
        _ => Err(format!("login of {login} refused: {status} {body}")),
    }
}

/// An agent console that said `hello` and is available for offers.
pub async fn available_agent(addr: SocketAddr, token: &str) -> Result<Ws, String> {
    let mut ws = connect(addr, "/v1/agent").await?;
    if !send(&mut ws, json!({ "type": "hello", "token": token }).to_string()).await {
        return Err("hello not sent".into());
    }
    expect(&mut ws, "welcome").await?;
    if !send(&mut ws, json!({ "type": "status", "status": "available" }).to_string()).await {
        return Err("status not sent".into());
    }
    expect(&mut ws, "status").await?;
    Ok(ws)
}

/// Length of a stamp's digits.
const STAMP_DIGITS: usize = 12;
/// What precedes a stamp in message text.
const STAMP_MARK: char = '~';

/// Writes `micros` into `out` as a stamp: 12 base-16 digits spelled with the letters a–p.
/// Letters, because a long run of decimal digits is what secret redaction (card numbers, ID
/// numbers, codes) looks for, and a redacted stamp would lose the sample.
pub fn push_stamp(out: &mut String, micros: u64) {
    out.push(STAMP_MARK);
    for shift in (0..STAMP_DIGITS).rev() {
        out.push(char::from(b'a' + ((micros >> (shift * 4)) & 0xf) as u8));
    }
}

/// The stamp in a message text, if it carries one.
pub fn find_stamp(text: &str) -> Option<u64> {
    let at = text.find(STAMP_MARK)?;
    let digits = text.get(at + 1..at + 1 + STAMP_DIGITS)?;
    digits.bytes().try_fold(0u64, |acc, b| matches!(b, b'a'..=b'p').then(|| (acc << 4) | u64::from(b - b'a')))
}
