//! A client that stops reading is disconnected; it does not make the daemon buffer without
//! limit, and others are not held up.

use std::time::Duration;

use futures::StreamExt;
use serde_json::json;
use tokio::net::TcpSocket;
use tokio_tungstenite::tungstenite::Message;

use crate::client::{PASSWORD, Ws, chat_daemon_with, customer_token};

#[tokio::test]
async fn a_customer_who_stops_reading_is_disconnected() {
    let daemon = chat_daemon_with(&[
        ("SWITCHBOARD__CHAT__OUTBOUND_QUEUE", "8"),
        ("SWITCHBOARD__CHAT__RATE_PER_S", "10000"),
        ("SWITCHBOARD__CHAT__RATE_BURST", "10000"),
    ])
    .await;
    daemon.agent_add("max", "Max", &[], false, PASSWORD).await;
    let mut agent = Ws::available_agent(&daemon, "max").await;

    // A tiny receive buffer, so the daemon's writes back up after a few frames.
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(2048).unwrap();
    let tcp = socket.connect(daemon.address()).await.unwrap();
    let url = format!("ws://{}/v1/chat", daemon.address());
    let (mut slow, _) = tokio_tungstenite::client_async(url, tcp).await.unwrap();
    use futures::SinkExt;
    slow.send(Message::Text(json!({ "type": "hello", "token": customer_token("u-slow") }).to_string().into()))
        .await
        .unwrap();
    slow.send(Message::Text(json!({ "type": "send", "client_id": "c", "text": "hi" }).to_string().into()))
        .await
        .unwrap();
    let offer = agent.expect("offer").await;
    agent.send(json!({ "type": "accept", "offer_id": offer["offer_id"] })).await;
    let id = agent.expect("assigned").await["conversation"]["id"].as_str().unwrap().to_owned();

    // The customer reads nothing while the agent writes a lot.
    // Far more than the kernel's socket buffers (a few MB on loopback) can absorb.
    let long = "z".repeat(8000);
    let replies = 1000;
    for batch in 0..replies / 50 {
        for i in batch * 50..(batch + 1) * 50 {
            let client_id = format!("r-{i}");
            agent.send(json!({ "type": "reply", "conversation_id": id, "client_id": client_id, "text": long })).await;
        }
        for _ in 0..50 {
            agent.expect("ack").await;
        }
    }
    // Now read what arrived: an unbroken run of messages, then the end of the connection.
    let mut seqs = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while let Ok(Some(Ok(msg))) = tokio::time::timeout_at(deadline, slow.next()).await {
        match msg {
            Message::Text(t) => {
                let f: serde_json::Value = serde_json::from_str(&t).unwrap();
                if f["type"] == "message" && f["author"]["role"] == "agent" {
                    seqs.push(f["seq"].as_i64().unwrap());
                }
            }
            Message::Close(frame) => {
                if let Some(frame) = frame {
                    assert_eq!(u16::from(frame.code), 1008);
                }
                break;
            }
            _ => {}
        }
    }
    assert!(seqs.len() < replies, "the connection was cut off before all {replies} replies ({} arrived)", seqs.len());
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "what arrived is in order without gaps");
    // The agent's session was not held up and the daemon still serves.
    agent.send(json!({ "type": "note", "conversation_id": id, "client_id": "n", "text": "still here" })).await;
    assert_eq!(agent.expect("ack").await["seq"], serde_json::Value::Null);
    // On reconnect the customer gets everything with resume_after.
    let (mut back, welcome) = Ws::customer(&daemon, "u-slow", Some(1)).await;
    assert_eq!(welcome["last_seq"].as_i64(), Some(1 + replies as i64));
    let mut count = 0;
    while count < replies {
        back.expect("message").await;
        count += 1;
    }
}
