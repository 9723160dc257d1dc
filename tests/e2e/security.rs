//! Who may see and do what: customer tokens, customer isolation, agent permissions, login.

use std::time::Duration;

use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::client::{Closed, PASSWORD, Ws, agent_login, chat_daemon, chat_daemon_with, sign};

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

async fn hello_is_refused(daemon: &crate::common::Daemon, first: Value) {
    let mut ws = Ws::connect(daemon, "/v1/chat").await;
    ws.send(first.clone()).await;
    assert_eq!(ws.closed().await, Closed::Code(4401), "{first}");
}

#[tokio::test]
async fn bad_customer_tokens_are_refused_with_4401() {
    let daemon = chat_daemon().await;
    let expired = sign(json!({ "sub": "u", "exp": now() - 600 }));
    let no_sub = sign(json!({ "exp": now() + 600 }));
    let wrong_key = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &json!({ "sub": "u", "exp": now() + 600 }),
        &jsonwebtoken::EncodingKey::from_secret(b"some-other-secret-some-other-secret"),
    )
    .unwrap();
    // {"alg":"none"} with the claims and no signature.
    let none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ1IiwiZXhwIjo0MTAyNDQ0ODAwfQ.";
    for token in [expired.as_str(), no_sub.as_str(), wrong_key.as_str(), none, "garbage"] {
        hello_is_refused(&daemon, json!({ "type": "hello", "token": token })).await;
    }
    hello_is_refused(&daemon, json!({ "type": "send", "client_id": "x", "text": "no hello first" })).await;
    hello_is_refused(&daemon, json!({ "type": "hello" })).await;
}

#[tokio::test]
async fn a_customer_never_receives_another_customers_messages() {
    let daemon = chat_daemon().await;
    daemon.agent_add("gina", "Gina", &[], false, PASSWORD).await;
    let mut agent = Ws::available_agent(&daemon, "gina").await;
    let (mut a, _) = Ws::customer(&daemon, "alice-app", None).await;
    let (mut b, _) = Ws::customer(&daemon, "bob-app", None).await;
    b.send(json!({ "type": "send", "client_id": "same-id", "text": "bob's secret question" })).await;
    let b_ack = b.expect("ack").await;
    // The same client_id from another customer is another message.
    a.send(json!({ "type": "send", "client_id": "same-id", "text": "alice here" })).await;
    let a_ack = a.expect("ack").await;
    assert_ne!(a_ack["conversation_id"], b_ack["conversation_id"]);
    let id = agent.accept_next_offer().await;
    agent.send(json!({ "type": "reply", "conversation_id": id, "client_id": "r", "text": "private answer" })).await;
    agent.expect("ack").await;
    // Whichever conversation Gina got, the other customer sees none of it.
    let (owner, other) = if id == b_ack["conversation_id"] { (&mut b, &mut a) } else { (&mut a, &mut b) };
    assert_eq!(owner.agent_message().await["text"], "private answer");
    let leaked = other.drain(Duration::from_millis(800)).await;
    assert!(leaked.iter().all(|f| f["type"] != "message" || f["conversation_id"] != id.as_str()), "{leaked:?}");
    // Resuming another customer's conversation is impossible: resume is per token subject.
    let (mut c, welcome) = Ws::customer(&daemon, "carl-app", Some(0)).await;
    assert_eq!(welcome["conversation_id"], json!(null));
    assert!(c.drain(Duration::from_millis(300)).await.is_empty());
}

#[tokio::test]
async fn an_agent_cannot_touch_a_conversation_assigned_to_someone_else() {
    let daemon = chat_daemon().await;
    daemon.agent_add("hana", "Hana", &[], false, PASSWORD).await;
    daemon.agent_add("ivan", "Ivan", &[], false, PASSWORD).await;
    daemon.agent_add("sup", "Supervisor", &[], true, PASSWORD).await;
    let mut hana = Ws::available_agent(&daemon, "hana").await;
    let (mut customer, _) = Ws::customer(&daemon, "u-p", None).await;
    customer.send(json!({ "type": "send", "client_id": "c", "text": "hi" })).await;
    customer.expect("ack").await;
    let offer = hana.expect("offer").await;
    hana.send(json!({ "type": "accept", "offer_id": offer["offer_id"] })).await;
    let id = hana.expect("assigned").await["conversation"]["id"].as_str().unwrap().to_owned();

    let (mut ivan, _) = Ws::agent(&daemon, "ivan").await;
    for frame in [
        json!({ "type": "reply", "conversation_id": id, "client_id": "x", "text": "hijack" }),
        json!({ "type": "open", "conversation_id": id }),
        json!({ "type": "resolve", "conversation_id": id }),
        json!({ "type": "transfer", "conversation_id": id, "agent": "ivan" }),
    ] {
        ivan.send(frame).await;
        let err = ivan.recv().await;
        assert_eq!((err["type"].as_str(), err["code"].as_str()), (Some("error"), Some("forbidden")), "{err}");
    }
    // Ivan cannot accept Hana's offer either.
    ivan.send(json!({ "type": "accept", "offer_id": offer["offer_id"] })).await;
    assert_eq!(ivan.recv().await["type"], "error");
    assert!(customer.drain(Duration::from_millis(300)).await.iter().all(|f| f["text"] != "hijack"));

    // A supervisor may open it and sees its messages.
    let (mut sup, _) = Ws::agent(&daemon, "sup").await;
    sup.send(json!({ "type": "open", "conversation_id": id })).await;
    let c = sup.expect("conversation").await;
    assert_eq!(c["conversation"]["messages"][0]["text"], "hi");
    // Each of its messages is the agent `message` frame without its type.
    assert_eq!(c["conversation"]["messages"][0]["conversation_id"], id);
}

#[tokio::test]
async fn login_refuses_wrong_passwords_and_rate_limits_guessing() {
    let daemon = chat_daemon_with(&[("SWITCHBOARD__CONSOLE__LOGIN_ATTEMPTS_PER_MINUTE", "3")]).await;
    daemon.agent_add("jack", "Jack", &[], false, PASSWORD).await;
    let client = reqwest::Client::new();
    let url = format!("{}/v1/agent/login", daemon.base_url());
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let r = client.post(&url).json(&json!({ "login": "jack", "password": "wrong" })).send().await.unwrap();
        statuses.push(r.status().as_u16());
        if r.status() == 429 {
            let body: Value = r.json().await.unwrap();
            assert_eq!(body["error"]["code"], "rate_limited");
        }
    }
    assert_eq!(statuses, [401, 401, 401, 429]);
    let r = client.post(&url).body("not json").header("content-type", "application/json").send().await.unwrap();
    assert_eq!(r.status(), 400);
    // An agent token is no customer token, and a customer token is no agent token.
    let mut ws = Ws::connect(&daemon, "/v1/agent").await;
    ws.send(json!({ "type": "hello", "token": crate::client::customer_token("u") })).await;
    assert_eq!(ws.closed().await, Closed::Code(4401));
    let mut ws = Ws::connect(&daemon, "/v1/agent").await;
    ws.send_raw(Message::Text("{\"type\":\"status\",\"status\":\"available\"}".into())).await;
    assert_eq!(ws.closed().await, Closed::Code(4401));
}

#[tokio::test]
async fn a_disabled_agent_is_disconnected_and_their_conversation_goes_to_another_agent() {
    let daemon = chat_daemon_with(&[("SWITCHBOARD__CONSOLE__ACCESS_CHECK_S", "1")]).await;
    daemon.agent_add("ann", "Ann", &[], false, PASSWORD).await;
    daemon.agent_add("ben", "Ben", &[], false, PASSWORD).await;
    let token = agent_login(&daemon, "ann").await;
    let mut ann = Ws::available_agent(&daemon, "ann").await;
    let (mut customer, _) = Ws::customer(&daemon, "cleo-app", None).await;
    customer.send(json!({ "type": "send", "client_id": "c1", "text": "my transfer is stuck" })).await;
    let id = customer.expect("ack").await["conversation_id"].clone();
    assert_eq!(ann.accept_next_offer().await, id);
    let mut ben = Ws::available_agent(&daemon, "ben").await;

    assert!(daemon.cli(&["agent", "disable", "ann"], "").await.status.success());
    let (_, closed) = ann.until_closed().await;
    assert_eq!(closed, Closed::Code(4401));
    // Her token from before is worth nothing now.
    let mut again = Ws::connect(&daemon, "/v1/agent").await;
    again.send(json!({ "type": "hello", "token": token })).await;
    assert_eq!(again.closed().await, Closed::Code(4401));
    // After the reconnect grace her conversation is someone else's to take.
    let offer = ben.expect("offer").await;
    assert_eq!(offer["conversation"]["id"], id);
    ben.send(json!({ "type": "accept", "offer_id": offer["offer_id"] })).await;
    ben.send(json!({ "type": "reply", "conversation_id": id, "client_id": "b1", "text": "Ben here, looking now" }))
        .await;
    assert_eq!(customer.agent_message().await["text"], "Ben here, looking now");
}

#[tokio::test]
async fn an_agent_who_handed_a_conversation_on_no_longer_receives_it() {
    let daemon = chat_daemon().await;
    daemon.agent_add("dora", "Dora", &[], false, PASSWORD).await;
    daemon.agent_add("eli", "Eli", &[], false, PASSWORD).await;
    let mut dora = Ws::available_agent(&daemon, "dora").await;
    let (mut customer, _) = Ws::customer(&daemon, "fay-app", None).await;
    customer.send(json!({ "type": "send", "client_id": "c1", "text": "refund please" })).await;
    let id = dora.accept_next_offer().await;
    dora.send(json!({ "type": "open", "conversation_id": id })).await;
    dora.expect("conversation").await;
    let (mut eli, _) = Ws::agent(&daemon, "eli").await;
    dora.send(json!({ "type": "transfer", "conversation_id": id, "agent": "eli" })).await;
    assert_eq!(eli.expect("assigned").await["conversation"]["id"], id);

    customer.send(json!({ "type": "send", "client_id": "c2", "text": "my card number is private" })).await;
    customer.expect("ack").await;
    assert_eq!(eli.expect("message").await["text"], "my card number is private");
    // Whatever reached Eli was queued for every follower before it: Dora's frames up to the
    // answer to a later request hold none of it.
    dora.send(json!({ "type": "status", "status": "away" })).await;
    loop {
        let f = dora.recv().await;
        assert_ne!(f["type"], "message", "{f}");
        if f["type"] == "status" {
            break;
        }
    }
}
