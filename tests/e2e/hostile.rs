//! Clients that misbehave on purpose: a ping flood that never reads, text built to spoof a
//! console, more connections than anyone needs, and an agent busier than any customer. Each
//! is bounded or cleaned, and nobody else notices.

use std::time::{Duration, Instant};

use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use crate::client::{Closed, PASSWORD, Ws, chat_daemon_with, customer_token};
use crate::common::Daemon;

/// The daemon's resident memory, in MB.
fn rss_mb(daemon: &Daemon) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", daemon.pid())).expect("the daemon runs");
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc status");
    kb / 1024
}

async fn healthy(daemon: &Daemon) {
    let body = reqwest::get(format!("{}/healthz", daemon.base_url())).await.expect("healthz answers");
    assert!(body.status().is_success());
}

#[tokio::test]
async fn a_ping_flood_that_never_reads_is_closed_without_the_daemon_growing() {
    let daemon = chat_daemon_with(&[]).await;
    let before = rss_mb(&daemon);
    for hello_first in [true, false] {
        let mut flood = Ws::slow_reader(&daemon, "/v1/chat").await;
        if hello_first {
            flood.send(json!({ "type": "hello", "token": customer_token("u-ping") })).await;
        }
        let started = Instant::now();
        let mut sent = 0u64;
        let mut peak = 0;
        // The daemon must end the connection; the flood reads nothing, so the only sign is
        // that its writes start failing.
        loop {
            let left = Duration::from_secs(20).saturating_sub(started.elapsed());
            let ping = flood.try_send_raw(Message::Ping(vec![7u8; 125].into()));
            match tokio::time::timeout(left, ping).await {
                Ok(true) => {}
                Ok(false) => break,
                Err(_) => panic!("still open, and no longer reading, after {sent} pings"),
            }
            sent += 1;
            if sent.is_multiple_of(1000) {
                peak = peak.max(rss_mb(&daemon));
                tokio::task::yield_now().await;
            }
        }
        peak = peak.max(rss_mb(&daemon));
        assert!(peak < before + 100, "RSS grew from {before} MB to {peak} MB under {sent} pings");
        healthy(&daemon).await;
    }
    // Others were served all along.
    let (mut ws, _) = Ws::customer(&daemon, "u-calm", None).await;
    ws.send(json!({ "type": "send", "client_id": "c1", "text": "hello" })).await;
    assert_eq!(ws.expect("ack").await["seq"], 1);
}

#[tokio::test]
async fn control_characters_never_reach_an_agent_and_reordering_is_shown() {
    let daemon = chat_daemon_with(&[]).await;
    daemon.agent_add("mei", "Mei", &[], false, PASSWORD).await;
    let mut agent = Ws::available_agent(&daemon, "mei").await;
    let (mut customer, _) = Ws::customer(&daemon, "u-spoof", None).await;
    let text = "pay\u{0}ment\u{7} failed\u{1b}[2J\r\nsee invoice\u{202E}fdp.exe";
    customer.send(json!({ "type": "send", "client_id": "c1", "text": text })).await;
    let cleaned = "payment failed[2J\nsee invoice[U+202E]fdp.exe";
    customer.expect("ack").await;
    assert_eq!(customer.expect("message").await["text"], cleaned, "the customer's own copy is what was kept");
    let offer = agent.expect("offer").await;
    agent.send(json!({ "type": "accept", "offer_id": offer["offer_id"] })).await;
    let assigned = agent.expect("assigned").await;
    assert_eq!(assigned["conversation"]["messages"][0]["text"], cleaned);
    customer.send(json!({ "type": "send", "client_id": "c2", "text": "again\u{2066}x\u{2069}\u{8}" })).await;
    assert_eq!(agent.expect("message").await["text"], "again[U+2066]x[U+2069]");
}

#[tokio::test]
async fn connections_past_the_daemons_cap_or_a_customers_are_refused() {
    let daemon = chat_daemon_with(&[
        ("SWITCHBOARD__CHAT__MAX_CONNECTIONS_PER_CUSTOMER", "3"),
        ("SWITCHBOARD__CHAT__MAX_CONNECTIONS", "6"),
    ])
    .await;
    let mut mine = Vec::new();
    for _ in 0..3 {
        mine.push(Ws::customer(&daemon, "u-many", None).await.0);
    }
    let mut others = Vec::new();
    for i in 0..3 {
        others.push(Ws::customer(&daemon, &format!("u-other-{i}"), None).await.0);
    }
    // Past the daemon's cap, an upgrade is answered 503 in the contract's error shape.
    let url = format!("ws://{}/v1/chat", daemon.address());
    match tokio_tungstenite::connect_async(url.as_str()).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 503);
            let body: serde_json::Value =
                serde_json::from_slice(response.body().as_deref().unwrap_or_default()).expect("a JSON error body");
            assert_eq!(body["error"]["code"], "unavailable");
        }
        other => panic!("an upgrade past the cap was not refused with 503: {:?}", other.map(|_| ())),
    }
    // A closed connection frees its place.
    drop(others.pop());
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut fourth = loop {
        if let Ok((stream, _)) = tokio_tungstenite::connect_async(url.as_str()).await {
            break Ws::from_stream(stream);
        }
        assert!(Instant::now() < deadline, "a closed connection's place was never freed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // One customer cannot take more than their share: the fourth session is turned away.
    fourth.send(json!({ "type": "hello", "token": customer_token("u-many") })).await;
    let (frames, closed) = fourth.until_closed().await;
    assert_eq!(closed, Closed::Code(1013), "{frames:?}");
    assert!(frames.iter().any(|f| f["type"] == "error"), "the client is told why: {frames:?}");
    // The customer's open sessions go on.
    mine[0].send(json!({ "type": "send", "client_id": "c1", "text": "still here" })).await;
    assert_eq!(mine[0].expect("ack").await["seq"], 1);
}

#[tokio::test]
async fn an_agent_answering_fifty_customers_at_once_is_not_held_to_a_customers_rate() {
    let customers = 50;
    let daemon = chat_daemon_with(&[
        ("SWITCHBOARD__CHAT__RATE_PER_S", "1"),
        ("SWITCHBOARD__CHAT__RATE_BURST", "3"),
        ("SWITCHBOARD__CHAT__RATE_TOLERANCE", "2"),
        ("SWITCHBOARD__ROUTING__AGENT_CAPACITY", "60"),
    ])
    .await;
    daemon.agent_add("max", "Max", &[], false, PASSWORD).await;
    let mut agent = Ws::available_agent(&daemon, "max").await;
    let mut apps = Vec::new();
    for i in 0..customers {
        let (mut ws, _) = Ws::customer(&daemon, &format!("u-{i}"), None).await;
        ws.send(json!({ "type": "send", "client_id": "c1", "text": "my transfer is missing" })).await;
        ws.expect("ack").await;
        apps.push(ws);
    }
    let mut conversations = Vec::new();
    for _ in 0..customers {
        conversations.push(agent.accept_next_offer().await);
    }
    // One reply to every customer, back to back, as fast as the agent's console sends them.
    for (i, id) in conversations.iter().enumerate() {
        agent
            .send(json!({ "type": "reply", "conversation_id": id, "client_id": format!("r{i}"), "text": "on it" }))
            .await;
    }
    for _ in 0..customers {
        agent.expect("ack").await;
    }
    for app in &mut apps {
        assert_eq!(app.agent_message().await["text"], "on it");
    }
}
