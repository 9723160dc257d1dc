//! A client that stops reading is disconnected; it does not make the daemon buffer without
//! limit, and others are not held up.

use serde_json::json;

use crate::client::{Closed, PASSWORD, Ws, agent_login, chat_daemon_with, customer_token};

#[tokio::test]
async fn a_customer_who_stops_reading_is_disconnected() {
    let daemon = chat_daemon_with(&[
        ("SWITCHBOARD__CHAT__OUTBOUND_QUEUE", "8"),
        // The agent writes the burst: the console's rate limit must not be what cuts it short.
        ("SWITCHBOARD__CONSOLE__RATE_PER_S", "10000"),
        ("SWITCHBOARD__CONSOLE__RATE_BURST", "10000"),
    ])
    .await;
    daemon.agent_add("max", "Max", &[], false, PASSWORD).await;
    let mut agent = Ws::available_agent(&daemon, "max").await;
    let mut slow = Ws::slow_reader(&daemon, "/v1/chat").await;
    slow.send(json!({ "type": "hello", "token": customer_token("u-slow") })).await;
    slow.send(json!({ "type": "send", "client_id": "c", "text": "hi" })).await;
    let id = agent.accept_next_offer().await;

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
    let (frames, closed) = slow.until_closed().await;
    assert!(matches!(closed, Closed::Code(1008) | Closed::Dropped), "{closed:?}");
    let seqs: Vec<i64> = frames
        .iter()
        .filter(|f| f["type"] == "message" && f["author"]["role"] == "agent")
        .map(|f| f["seq"].as_i64().unwrap())
        .collect();
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

#[tokio::test]
async fn a_console_that_stops_reading_is_disconnected_and_keeps_its_conversation() {
    let daemon = chat_daemon_with(&[
        ("SWITCHBOARD__CONSOLE__OUTBOUND_QUEUE", "8"),
        // However long the burst below takes on a slow machine, Sam is back within the grace.
        ("SWITCHBOARD__ROUTING__RECONNECT_GRACE_S", "120"),
        ("SWITCHBOARD__CHAT__RATE_PER_S", "10000"),
        ("SWITCHBOARD__CHAT__RATE_BURST", "10000"),
    ])
    .await;
    daemon.agent_add("sam", "Sam", &[], false, PASSWORD).await;
    let mut sam = Ws::slow_reader(&daemon, "/v1/agent").await;
    sam.send(json!({ "type": "hello", "token": agent_login(&daemon, "sam").await })).await;
    sam.expect("welcome").await;
    sam.send(json!({ "type": "status", "status": "available" })).await;
    sam.expect("status").await;
    let (mut customer, _) = Ws::customer(&daemon, "u-chatty", None).await;
    customer.send(json!({ "type": "send", "client_id": "c-0", "text": "hello?" })).await;
    customer.expect("ack").await;
    let id = sam.accept_next_offer().await;

    // The console reads nothing while the customer writes a lot; the customer is not held up.
    let long = "y".repeat(7000);
    let sent = 1000;
    for batch in 0..sent / 50 {
        for i in batch * 50..(batch + 1) * 50 {
            customer.send(json!({ "type": "send", "client_id": format!("c-{}", i + 1), "text": long })).await;
        }
        for _ in 0..50 {
            customer.expect("ack").await;
        }
    }
    let (frames, closed) = sam.until_closed().await;
    assert!(matches!(closed, Closed::Code(1008) | Closed::Dropped), "{closed:?}");
    let seen = frames.iter().filter(|f| f["type"] == "message").count();
    assert!(seen < sent, "the console was cut off before all {sent} messages ({seen} arrived)");
    // Back within the reconnect grace, Sam still has the conversation; opening it brings its
    // whole history, 7 MB in one frame.
    let (mut back, welcome) = Ws::agent(&daemon, "sam").await;
    assert_eq!(welcome["conversations"][0]["id"], id, "{welcome}");
    back.send(json!({ "type": "open", "conversation_id": id })).await;
    let conversation = back.expect("conversation").await;
    assert_eq!(conversation["conversation"]["messages"].as_array().unwrap().len(), sent + 1);
}
