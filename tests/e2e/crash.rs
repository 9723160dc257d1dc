//! Crashes and shutdowns: a `kill -9` loses nothing that was acknowledged; SIGTERM closes
//! sessions with 1001 and exits cleanly within the drain deadline.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::json;

use crate::client::{Closed, PASSWORD, Ws, chat_daemon, chat_daemon_with};

/// Customers writing at once during the crash.
const CUSTOMERS: usize = 8;

/// Sends messages one after another until the connection dies; returns (seq → text) of
/// every message that was acknowledged.
async fn write_until_killed(mut ws: Ws, who: usize) -> BTreeMap<i64, String> {
    let mut acked = BTreeMap::new();
    for i in 0.. {
        let text = format!("customer {who} message {i}");
        if !ws.try_send(json!({ "type": "send", "client_id": format!("m-{i}"), "text": text })).await {
            break;
        }
        let ack = loop {
            match ws.next_frame().await {
                Some(f) if f["type"] == "ack" => break Some(f),
                Some(_) => continue,
                None => break None,
            }
        };
        let Some(ack) = ack else { break };
        assert!(acked.insert(ack["seq"].as_i64().unwrap(), text).is_none(), "a seq was acknowledged twice");
    }
    acked
}

#[tokio::test]
async fn kill_9_during_a_burst_loses_no_acknowledged_message() {
    let mut daemon = chat_daemon().await;
    let mut writers = Vec::new();
    for who in 0..CUSTOMERS {
        let (ws, _) = Ws::customer(&daemon, &format!("crash-{who}"), None).await;
        writers.push(tokio::spawn(write_until_killed(ws, who)));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    daemon.kill9();
    let mut acked = Vec::new();
    for w in writers {
        acked.push(w.await.unwrap());
    }
    let total: usize = acked.iter().map(BTreeMap::len).sum();
    assert!(total >= CUSTOMERS * 5, "the burst was under way when the process died ({total} acks)");

    daemon.restart().await;
    for (who, acked) in acked.iter().enumerate() {
        let (mut ws, welcome) = Ws::customer(&daemon, &format!("crash-{who}"), Some(0)).await;
        let last = welcome["last_seq"].as_i64().unwrap();
        let mut stored = BTreeMap::new();
        while stored.len() < last as usize {
            let f = ws.expect("message").await;
            assert!(stored.insert(f["seq"].as_i64().unwrap(), f["text"].as_str().unwrap().to_owned()).is_none());
        }
        // Gapless, and every acknowledged message is there exactly once under its seq.
        assert_eq!(stored.keys().copied().collect::<Vec<_>>(), (1..=last).collect::<Vec<_>>());
        for (seq, text) in acked {
            assert_eq!(stored.get(seq), Some(text), "customer {who}: acknowledged seq {seq} lost or changed");
        }
        let mut texts: Vec<&String> = stored.values().collect();
        texts.sort();
        texts.dedup();
        assert_eq!(texts.len(), stored.len(), "customer {who}: a message was stored twice");
    }
}

#[tokio::test]
async fn sigterm_closes_sessions_with_1001_and_exits_cleanly() {
    let mut daemon = chat_daemon_with(&[("SWITCHBOARD__HTTP__SHUTDOWN_DRAIN_S", "5")]).await;
    daemon.agent_add("kim", "Kim", &[], false, PASSWORD).await;
    let (mut agent, _) = Ws::agent(&daemon, "kim").await;
    let (mut customer, _) = Ws::customer(&daemon, "u-term", None).await;
    customer.send(json!({ "type": "send", "client_id": "c", "text": "before shutdown" })).await;
    customer.expect("ack").await;
    let stopping = tokio::spawn(async move {
        let (status, elapsed) = daemon.terminate().await;
        (status, elapsed, daemon)
    });
    assert_eq!(customer.closed().await, Closed::Code(1001));
    assert_eq!(agent.closed().await, Closed::Code(1001));
    let (status, elapsed, daemon) = stopping.await.unwrap();
    assert!(status.success(), "exit status {status}");
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
    assert!(daemon.logs().contains("\"message\":\"Stopped\""));
}

#[tokio::test]
async fn conversations_and_assignments_survive_a_restart() {
    let mut daemon = chat_daemon().await;
    daemon.agent_add("lee", "Lee", &[], false, PASSWORD).await;
    let mut lee = Ws::available_agent(&daemon, "lee").await;
    let (mut customer, _) = Ws::customer(&daemon, "u-restart", None).await;
    customer.send(json!({ "type": "send", "client_id": "c", "text": "remember me" })).await;
    customer.expect("ack").await;
    let id = lee.accept_next_offer().await;
    daemon.kill9();
    daemon.restart().await;
    let (_lee, welcome) = Ws::agent(&daemon, "lee").await;
    assert_eq!(welcome["conversations"][0]["id"], id.as_str());
    assert_eq!(welcome["conversations"][0]["preview"], "remember me");
}
