//! Reconnects: nothing acknowledged is lost, nothing is duplicated, seq stays gapless.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::json;

use crate::client::{PASSWORD, Ws, chat_daemon};

#[tokio::test]
async fn a_customer_resending_after_a_lost_ack_ends_with_one_copy_of_each_message() {
    let daemon = chat_daemon().await;
    let (mut first, _) = Ws::customer(&daemon, "u-r", None).await;
    first.send(json!({ "type": "send", "client_id": "m-1", "text": "one" })).await;
    assert_eq!(first.expect("ack").await["seq"], 1);
    // The connection drops right after `send`, before the ack is read.
    first.send(json!({ "type": "send", "client_id": "m-2", "text": "two" })).await;
    drop(first);

    let (mut second, welcome) = Ws::customer(&daemon, "u-r", Some(1)).await;
    let last = welcome["last_seq"].as_i64().unwrap();
    assert!(last == 1 || last == 2, "{welcome}");
    // The app resends what it has no ack for, with the same client_id.
    second.send(json!({ "type": "send", "client_id": "m-2", "text": "two" })).await;
    let ack = second.expect("ack").await;
    assert_eq!(ack["seq"], 2, "the retry gets the original's seq");
    second.send(json!({ "type": "send", "client_id": "m-3", "text": "three" })).await;
    assert_eq!(second.expect("ack").await["seq"], 3);

    // A fresh device replays everything: each seq exactly once, no gaps.
    let (mut third, welcome) = Ws::customer(&daemon, "u-r", Some(0)).await;
    assert_eq!(welcome["last_seq"], 3);
    let mut by_seq = BTreeMap::new();
    for f in third.drain(Duration::from_millis(800)).await {
        if f["type"] == "message" {
            assert!(by_seq.insert(f["seq"].as_i64().unwrap(), f["text"].as_str().unwrap().to_owned()).is_none());
        }
    }
    let expected: BTreeMap<i64, String> = [(1, "one"), (2, "two"), (3, "three")].map(|(s, t)| (s, t.to_owned())).into();
    assert_eq!(by_seq, expected);
}

#[tokio::test]
async fn resume_after_replays_only_what_the_app_missed() {
    let daemon = chat_daemon().await;
    let (mut ws, _) = Ws::customer(&daemon, "u-s", None).await;
    for i in 1..=5 {
        ws.send(json!({ "type": "send", "client_id": format!("m-{i}"), "text": format!("text {i}") })).await;
        assert_eq!(ws.expect("ack").await["seq"], i);
    }
    drop(ws);
    let (mut back, _) = Ws::customer(&daemon, "u-s", Some(3)).await;
    let seqs: Vec<i64> = back
        .drain(Duration::from_millis(500))
        .await
        .iter()
        .filter(|f| f["type"] == "message")
        .map(|f| f["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, [4, 5]);
}

/// A customer conversation assigned to `login`: returns (agent socket, customer socket, id).
async fn assigned(daemon: &crate::common::Daemon, login: &str, sub: &str) -> (Ws, Ws, String) {
    let mut agent = Ws::available_agent(daemon, login).await;
    let (mut customer, _) = Ws::customer(daemon, sub, None).await;
    customer.send(json!({ "type": "send", "client_id": "hello", "text": "help please" })).await;
    customer.expect("ack").await;
    let id = agent.accept_next_offer().await;
    (agent, customer, id)
}

#[tokio::test]
async fn an_agent_back_within_the_grace_keeps_the_conversation_and_a_retried_reply_is_not_doubled() {
    let daemon = chat_daemon().await;
    daemon.agent_add("dora", "Dora", &[], false, PASSWORD).await;
    let (agent, mut customer, id) = assigned(&daemon, "dora", "u-g").await;
    drop(agent);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (mut agent, welcome) = Ws::agent(&daemon, "dora").await;
    let kept: Vec<&str> =
        welcome["conversations"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(kept, [id.as_str()]);
    // The reply's ack was lost with a dropped connection; the console sends it again.
    for _ in 0..2 {
        agent.send(json!({ "type": "reply", "conversation_id": id, "client_id": "r-1", "text": "on it" })).await;
        assert_eq!(agent.expect("ack").await["seq"], 2);
    }
    // Past the grace the conversation would have been taken away; it stays with Dora.
    tokio::time::sleep(Duration::from_secs(4)).await;
    agent.send(json!({ "type": "reply", "conversation_id": id, "client_id": "r-2", "text": "done" })).await;
    assert_eq!(agent.expect("ack").await["seq"], 3);
    let texts: Vec<String> = customer
        .drain(Duration::from_millis(800))
        .await
        .iter()
        .filter(|f| f["type"] == "message" && f["author"]["role"] == "agent")
        .map(|f| f["text"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(texts, ["on it", "done"]);
}

#[tokio::test]
async fn an_agent_gone_past_the_grace_loses_the_conversation_to_an_available_colleague() {
    let daemon = chat_daemon().await;
    daemon.agent_add("eve", "Eve", &[], false, PASSWORD).await;
    daemon.agent_add("finn", "Finn", &[], false, PASSWORD).await;
    let (eve, _customer, id) = assigned(&daemon, "eve", "u-h").await;
    let mut finn = Ws::available_agent(&daemon, "finn").await;
    drop(eve);
    // The grace is 3 s; the conversation goes back to the queue and on to Finn.
    let offer = finn.expect("offer").await;
    assert_eq!(offer["conversation"]["id"], id.as_str());
}
