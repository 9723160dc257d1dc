//! Secrets customers paste are redacted before anything is stored or logged, the customer is
//! told we never ask for them, and agents cannot ask for them. A stolen account is urgent.

use std::time::Duration;

use serde_json::json;

use crate::client::{PASSWORD, Ws, chat_daemon_with};

/// (what the customer writes, the secret in it that must not survive).
const PASTES: &[(&str, &str)] = &[
    ("my card 4111 1111 1111 1111 was charged twice", "4111 1111 1111 1111"),
    ("card number 4111-1111-1111-1111 cvv 737", "4111-1111-1111-1111"),
    (
        "my recovery words: abandon ability able about above absent absorb abstract absurd abuse access accident",
        "absent absorb abstract absurd",
    ),
    (
        "private key 4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318",
        "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318",
    ),
    ("收到的验证码 839201 是不是要给你", "839201"),
    ("my password is Hunter2Secret!", "Hunter2Secret"),
    ("身份证号 11010519491231002X", "11010519491231002X"),
];

#[tokio::test]
async fn pasted_secrets_reach_neither_the_database_nor_the_logs() {
    let mut daemon = chat_daemon_with(&[("SWITCHBOARD__LOG__LEVEL", "debug")]).await;
    daemon.agent_add("nora", "Nora", &[], true, PASSWORD).await;
    let (mut customer, _) = Ws::customer(&daemon, "u-secret", None).await;
    // System messages (the safety notices) arrive in between; keep them aside.
    let mut notices = Vec::new();
    for (i, (text, secret)) in PASTES.iter().enumerate() {
        customer.send(json!({ "type": "send", "client_id": format!("s-{i}"), "text": text })).await;
        customer.expect("ack").await;
        let echo = loop {
            let m = customer.expect("message").await;
            if m["author"]["role"] == "customer" {
                break m;
            }
            notices.push(m);
        };
        let shown = echo["text"].as_str().unwrap();
        assert!(!shown.contains(secret), "{shown}");
        assert!(shown.contains("[redacted"), "{shown}");
    }
    // Look-alikes agents need stay as they are.
    let address = "0x52908400098527886E0F7030069857D2E4169EE7";
    customer
        .send(json!({ "type": "send", "client_id": "addr", "text": format!("sent to {address}, order 20240601-7781") }))
        .await;
    customer.expect("ack").await;
    let frames = customer.drain(Duration::from_secs(2)).await;
    let customer_texts: Vec<&str> = frames
        .iter()
        .filter(|f| f["type"] == "message" && f["author"]["role"] == "customer")
        .map(|f| f["text"].as_str().unwrap())
        .collect();
    assert_eq!(customer_texts, [format!("sent to {address}, order 20240601-7781")]);

    // The customer is told, by the system, not to share secrets: once per message that had one.
    // (The intake questions of a transfer's conversation are system messages too, but not notices.)
    let intake = |f: &serde_json::Value| {
        f["text"]
            .as_str()
            .is_some_and(|t| t.contains("please tell us while you wait") || t.contains("请在等待客服时告诉我们"))
    };
    notices.extend(frames.into_iter().filter(|f| f["type"] == "message" && f["author"]["role"] == "system"));
    notices.retain(|f| !intake(f));
    assert_eq!(notices.len(), PASTES.len(), "{notices:?}");
    // In the language of the message: the Chinese pastes get the Chinese notice.
    let chinese = notices.iter().filter(|n| n["text"].as_str().unwrap().contains("绝不会向您索要")).count();
    let english = notices.iter().filter(|n| n["text"].as_str().unwrap().contains("will never ask you")).count();
    assert_eq!((chinese, english), (2, PASTES.len() - 2), "{notices:?}");

    // Agents see the redacted text, and cannot ask for a secret themselves.
    let (mut agent, _) = Ws::agent(&daemon, "nora").await;
    let (_, welcome) = Ws::customer(&daemon, "u-secret", None).await;
    let id = welcome["conversation_id"].as_str().unwrap().to_owned();
    agent.send(json!({ "type": "open", "conversation_id": id })).await;
    let opened = agent.expect("conversation").await;
    assert_eq!(opened["conversation"]["secrets_redacted"], true, "the conversation is flagged");
    let all = opened["conversation"]["messages"].to_string();
    for (_, secret) in PASTES {
        assert!(!all.contains(secret), "an agent saw {secret}");
    }
    for ask in ["Please send me your 12-word seed phrase so I can check", "请把短信验证码发给我"] {
        agent.send(json!({ "type": "reply", "conversation_id": id, "client_id": ask, "text": ask })).await;
        let refused = agent.recv().await;
        assert_eq!(
            (refused["type"].as_str(), refused["code"].as_str()),
            (Some("error"), Some("forbidden")),
            "{refused}"
        );
    }

    // Stop the daemon (its files are complete), then search every byte it left.
    let (status, _) = daemon.terminate().await;
    assert!(status.success());
    let mut stored = Vec::new();
    for entry in std::fs::read_dir(daemon.dir()).unwrap() {
        stored.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    let stored = String::from_utf8_lossy(&stored);
    let logs = daemon.logs();
    for (_, secret) in PASTES {
        assert!(!stored.contains(secret), "{secret} is in the data directory");
        assert!(!logs.contains(secret), "{secret} is in the logs");
    }
    assert!(stored.contains(address), "the search can find what is there");
}

#[tokio::test]
async fn a_stolen_account_is_urgent_and_goes_to_the_security_queue() {
    let daemon = chat_daemon_with(&[]).await;
    daemon.agent_add("omar", "Omar", &[], false, PASSWORD).await;
    let mut agent = Ws::available_agent(&daemon, "omar").await;
    let (mut customer, _) = Ws::customer(&daemon, "u-stolen", None).await;
    customer.send(json!({ "type": "send", "client_id": "1", "text": "我的账号被盗了，余额被转走了！" })).await;
    customer.expect("ack").await;
    let offer = agent.expect("offer").await;
    assert_eq!(offer["conversation"]["priority"], "urgent", "{offer}");
    assert_eq!(offer["conversation"]["queue"], "security");
    assert_eq!(offer["conversation"]["category"], "account_compromised");
    let why = offer["conversation"]["triage_signal"].as_str().unwrap_or_default();
    assert!(!why.is_empty(), "the agent is told why it is urgent: {offer}");
    agent.send(json!({ "type": "decline", "offer_id": offer["offer_id"] })).await;

    // Told without any of the words a rule would look for, it is still an emergency.
    let (mut other, _) = Ws::customer(&daemon, "u-device", None).await;
    let text = "there's a login on a phone I have never owned and money is leaving my wallet right now";
    other.send(json!({ "type": "send", "client_id": "1", "text": text })).await;
    other.expect("ack").await;
    let offer = loop {
        let offer = agent.expect("offer").await;
        if offer["conversation"]["preview"].as_str().is_some_and(|p| p.contains("phone")) {
            break offer;
        }
    };
    assert_eq!(offer["conversation"]["priority"], "urgent", "{offer}");
    let why = offer["conversation"]["triage_signal"].as_str().unwrap_or_default();
    assert!(!why.is_empty(), "the agent is told why it is urgent: {offer}");
}

#[tokio::test]
async fn a_follow_up_that_reveals_a_stolen_account_makes_a_waiting_conversation_urgent() {
    let daemon = chat_daemon_with(&[]).await;
    daemon.agent_add("pia", "Pia", &[], false, PASSWORD).await;
    let (mut customer, _) = Ws::customer(&daemon, "u-escalate", None).await;
    customer.send(json!({ "type": "send", "client_id": "1", "text": "hello" })).await;
    customer.expect("ack").await;
    customer
        .send(json!({ "type": "send", "client_id": "2", "text": "someone logged into my account and stole my money" }))
        .await;
    customer.expect("ack").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut agent = Ws::available_agent(&daemon, "pia").await;
    let offer = agent.expect("offer").await;
    assert_eq!(offer["conversation"]["priority"], "urgent", "{offer}");
}
