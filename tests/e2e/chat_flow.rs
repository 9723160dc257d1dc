//! A whole conversation: the customer writes, an agent is offered it, accepts, replies, and
//! resolves, and each side sees what the contract promises.

use std::time::Duration;

use serde_json::json;

use crate::client::{PASSWORD, Ws, chat_daemon, chat_daemon_with};

#[tokio::test]
async fn customer_and_agent_hold_a_conversation() {
    let daemon = chat_daemon().await;
    daemon.agent_add("alice", "Alice", &["en"], false, PASSWORD).await;
    let mut agent = Ws::available_agent(&daemon, "alice").await;

    let (mut customer, welcome) = Ws::customer(&daemon, "u-1", None).await;
    assert_eq!(welcome["conversation_id"], json!(null));
    assert_eq!(welcome["last_seq"], 0);
    customer.send(json!({ "type": "send", "client_id": "c-1", "text": "The app crashes when I open settings" })).await;
    let ack = customer.expect("ack").await;
    assert_eq!((ack["client_id"].as_str(), ack["seq"].as_i64()), (Some("c-1"), Some(1)));
    let conversation = ack["conversation_id"].as_str().unwrap().to_owned();
    let own = customer.expect("message").await;
    assert_eq!((own["seq"].as_i64(), own["author"]["role"].as_str()), (Some(1), Some("customer")));

    let offer = agent.expect("offer").await;
    assert_eq!(offer["conversation"]["id"], conversation.as_str());
    assert_eq!(offer["conversation"]["preview"], "The app crashes when I open settings");
    assert_eq!(offer["conversation"]["secrets_redacted"], false);
    assert!(offer["expires_in_s"].as_u64().unwrap() <= 3);
    agent.send(json!({ "type": "accept", "offer_id": offer["offer_id"] })).await;
    let assigned = agent.expect("assigned").await;
    assert_eq!(assigned["conversation"]["id"], conversation.as_str());
    assert_eq!(assigned["conversation"]["status"], "assigned");
    assert_eq!(assigned["conversation"]["messages"][0]["text"], "The app crashes when I open settings");
    assert_eq!(assigned["conversation"]["customer"]["app_user_id"], "u-1");
    let told = customer.expect("assigned").await;
    assert_eq!(told["agent"]["name"], "Alice");

    agent
        .send(json!({ "type": "reply", "conversation_id": conversation, "client_id": "r-1", "text": "Sorry! Checking now." }))
        .await;
    let ack = agent.expect("ack").await;
    assert_eq!(ack["seq"], 2);
    let echoed = agent.expect("message").await;
    assert_eq!((echoed["seq"].as_i64(), echoed["internal"].as_bool()), (Some(2), Some(false)));
    let delivery = agent.expect("delivery").await;
    assert_eq!((delivery["seq"].as_i64(), delivery["state"].as_str()), (Some(2), Some("sent")));
    assert_eq!(delivery["detail"], "delivered to the app");

    let reply = customer.expect("message").await;
    assert_eq!(reply["seq"], 2);
    assert_eq!(reply["author"]["role"], "agent");
    assert_eq!(reply["author"]["name"], "Alice");
    assert_eq!(reply["text"], "Sorry! Checking now.");

    // An internal note reaches the agent side only.
    agent.send(json!({ "type": "note", "conversation_id": conversation, "client_id": "n-1", "text": "VIP" })).await;
    let ack = agent.expect("ack").await;
    assert_eq!(ack["seq"], json!(null));

    agent.send(json!({ "type": "resolve", "conversation_id": conversation })).await;
    let status = customer.expect("status").await;
    assert_eq!(
        (status["conversation_id"].as_str(), status["status"].as_str()),
        (Some(conversation.as_str()), Some("resolved"))
    );
    let unassigned = agent.expect("unassigned").await;
    assert_eq!(unassigned["conversation_id"], conversation.as_str());
    // The note never reached the customer.
    let rest = customer.drain(Duration::from_millis(500)).await;
    assert!(rest.iter().all(|f| f["text"] != "VIP"), "{rest:?}");
}

#[tokio::test]
async fn a_burst_of_agent_replies_is_answered_in_order_and_reaches_the_customer_once_each() {
    // A burst allowance above the burst, so no reply is turned away for its rate.
    let daemon = chat_daemon_with(&[("SWITCHBOARD__CHAT__RATE_BURST", "100")]).await;
    daemon.agent_add("carl", "Carl", &[], false, PASSWORD).await;
    let mut agent = Ws::available_agent(&daemon, "carl").await;
    let (mut customer, _) = Ws::customer(&daemon, "u-burst", None).await;
    customer.send(json!({ "type": "send", "client_id": "c-1", "text": "How do I change my display name?" })).await;
    let id = agent.accept_next_offer().await;

    // Sent back to back without waiting; one client id is repeated, as a retry would.
    let replies = 40;
    for i in 0..replies {
        let text = format!("answer {i}");
        agent
            .send(json!({ "type": "reply", "conversation_id": id, "client_id": format!("r-{i}"), "text": text }))
            .await;
    }
    agent.send(json!({ "type": "reply", "conversation_id": id, "client_id": "r-7", "text": "answer 7" })).await;
    // Each reply is answered in the order sent: its ack, its own message, its delivery.
    for i in 0..replies {
        let ack = agent.recv().await;
        assert_eq!((ack["type"].as_str(), ack["client_id"].as_str()), (Some("ack"), Some(format!("r-{i}").as_str())));
        assert_eq!(ack["seq"], 2 + i);
        let own = agent.recv().await;
        assert_eq!((own["type"].as_str(), own["seq"].as_i64()), (Some("message"), Some(2 + i)));
        let delivery = agent.recv().await;
        assert_eq!((delivery["type"].as_str(), delivery["seq"].as_i64()), (Some("delivery"), Some(2 + i)));
        assert_eq!(delivery["state"], "sent");
    }
    let retried = agent.recv().await;
    assert_eq!((retried["type"].as_str(), retried["seq"].as_i64()), (Some("ack"), Some(2 + 7)));

    let mut seqs = Vec::new();
    while seqs.len() < replies as usize {
        let m = customer.agent_message().await;
        assert_eq!(m["text"], format!("answer {}", seqs.len()));
        seqs.push(m["seq"].as_i64().unwrap());
    }
    assert_eq!(seqs, (2..2 + replies).collect::<Vec<i64>>());
    let rest = customer.drain(Duration::from_millis(300)).await;
    assert!(rest.iter().all(|f| f["type"] != "message"), "a reply arrived twice: {rest:?}");

    // With the customer gone, a reply waits for the app to reconnect, and the agent is told.
    drop(customer);
    tokio::time::sleep(Duration::from_millis(200)).await;
    agent.send(json!({ "type": "reply", "conversation_id": id, "client_id": "later", "text": "Back yet?" })).await;
    let delivery = agent.expect("delivery").await;
    assert_eq!(delivery["detail"], "customer offline; the app receives it on reconnect");
    let (_back, welcome) = Ws::customer(&daemon, "u-burst", Some(1)).await;
    assert_eq!(welcome["last_seq"], 2 + replies);
}

#[tokio::test]
async fn an_unanswered_offer_goes_to_the_next_agent_and_a_decline_too() {
    let daemon = chat_daemon().await;
    daemon.agent_add("ann", "Ann", &[], false, PASSWORD).await;
    daemon.agent_add("bob", "Bob", &[], false, PASSWORD).await;
    let mut ann = Ws::available_agent(&daemon, "ann").await;
    let (mut customer, _) = Ws::customer(&daemon, "u-2", None).await;
    customer.send(json!({ "type": "send", "client_id": "c-1", "text": "hello?" })).await;
    customer.expect("ack").await;
    let first = ann.expect("offer").await;
    let mut bob = Ws::available_agent(&daemon, "bob").await;
    // Ann lets it lapse (3 s offer timeout): it is revoked and Bob gets it.
    let revoked = ann.expect("offer_revoked").await;
    assert_eq!((revoked["offer_id"].clone(), revoked["reason"].as_str()), (first["offer_id"].clone(), Some("timeout")));
    let second = bob.expect("offer").await;
    assert_eq!(second["conversation"]["id"], first["conversation"]["id"]);
    bob.send(json!({ "type": "decline", "offer_id": second["offer_id"] })).await;
    // Bob declined; Ann is the only other agent and gets it again only after the re-offer
    // back-off, so nothing more arrives right away, and Bob is not offered it again.
    let frames = bob.drain(Duration::from_secs(1)).await;
    assert!(frames.iter().all(|f| f["type"] != "offer"), "{frames:?}");
}

#[tokio::test]
async fn a_waiting_conversation_is_offered_as_soon_as_an_agent_becomes_available() {
    let daemon = chat_daemon().await;
    daemon.agent_add("carol", "Carol", &[], false, PASSWORD).await;
    let (mut customer, _) = Ws::customer(&daemon, "u-3", None).await;
    customer.send(json!({ "type": "send", "client_id": "c-1", "text": "anyone there?" })).await;
    customer.expect("ack").await;
    let (mut carol, welcome) = Ws::agent(&daemon, "carol").await;
    assert_eq!(welcome["status"], "away");
    assert!(carol.drain(Duration::from_millis(300)).await.iter().all(|f| f["type"] != "offer"));
    carol.send(json!({ "type": "status", "status": "available" })).await;
    let offer = carol.expect("offer").await;
    assert_eq!(offer["conversation"]["channel"], "chat");
}

#[tokio::test]
async fn an_agents_status_change_reaches_all_their_sessions() {
    let daemon = chat_daemon().await;
    daemon.agent_add("gus", "Gus", &[], false, PASSWORD).await;
    let (mut desk, _) = Ws::agent(&daemon, "gus").await;
    let (mut laptop, welcome) = Ws::agent(&daemon, "gus").await;
    assert_eq!(welcome["status"], "away");
    desk.send(json!({ "type": "status", "status": "available" })).await;
    assert_eq!(desk.expect("status").await["status"], "available");
    assert_eq!(laptop.expect("status").await["status"], "available");
    // A session that opens now starts in the status the others share, and hears changes too.
    let (mut phone, welcome) = Ws::agent(&daemon, "gus").await;
    assert_eq!(welcome["status"], "available");
    laptop.send(json!({ "type": "status", "status": "away" })).await;
    for session in [&mut laptop, &mut desk, &mut phone] {
        assert_eq!(session.expect("status").await["status"], "away");
    }
}
