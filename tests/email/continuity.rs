//! A chat continued by email: a reply to a customer who left the app reaches them by mail,
//! and their answer by mail lands in the chat conversation; a customer still in the app gets
//! no mail.

use std::time::Duration;

use serde_json::json;
use switchboard_mailservers::SinkMode;

use crate::client::{PASSWORD, Ws, sign};
use crate::mail::{daemon, email_config, header, servers};

const WAIT: Duration = Duration::from_secs(20);

fn token_with_email(sub: &str, email: &str) -> String {
    let exp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() + 3600;
    sign(json!({ "sub": sub, "exp": exp, "name": "Zhang Min", "email": email, "lang": "zh" }))
}

async fn customer(d: &crate::common::Daemon, token: &str) -> Ws {
    let mut ws = Ws::connect(d, "/v1/chat").await;
    ws.send(json!({ "type": "hello", "token": token })).await;
    ws.expect("welcome").await;
    ws
}

#[tokio::test]
async fn a_reply_to_a_customer_who_left_the_app_goes_by_email_and_the_answer_comes_back() {
    let Some((dovecot, sink)) = servers(SinkMode::Accept) else { return };
    let config = email_config(dovecot.port(), &dovecot, sink.port(), "")
        .replace("[email]\n", "[email]\nchat_by_email_after_s = 1\n");
    let d = daemon(config).await;
    d.agent_add("alice", "Alice", &["en", "zh"], false, PASSWORD).await;
    let mut agent = Ws::available_agent(&d, "alice").await;

    let token = token_with_email("u-77", "zhang.min@example.com");
    let mut app = customer(&d, &token).await;
    app.send(json!({ "type": "send", "client_id": "c1", "text": "My account is locked" })).await;
    app.expect("ack").await;
    let conversation = agent.accept_next_offer().await;
    let cc = json!({ "type": "reply", "conversation_id": conversation, "client_id": "r0", "text": "Hi", "cc": ["x@example.com"] });
    agent.send(cc).await;
    let refused = agent.expect("error").await;
    assert_eq!(refused["code"], "bad_request", "cc on a chat: {refused}");

    // Still in the app: the reply stays in the app.
    agent
        .send(json!({ "type": "reply", "conversation_id": conversation, "client_id": "r1", "text": "Checking." }))
        .await;
    agent.expect("ack").await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(sink.messages().is_empty(), "no mail to a customer who is in the app");

    // Gone: the next reply follows them by email.
    drop(app);
    tokio::time::sleep(Duration::from_millis(300)).await;
    agent
        .send(json!({ "type": "reply", "conversation_id": conversation, "client_id": "r2", "text": "Unlocked it." }))
        .await;
    agent.expect("ack").await;
    let mails = sink.wait_for_received(1, WAIT);
    assert_eq!(mails[0].rcpt_to, ["zhang.min@example.com"]);
    let raw = &mails[0].raw;
    assert_eq!(crate::mail::body_text(raw).trim(), "Unlocked it.");
    let reply_to = header(raw, "Reply-To").unwrap();
    let our_id = header(raw, "Message-ID").unwrap();

    let answer = format!(
        "From: Zhang Min <zhang.min@example.com>\r\nTo: {reply_to}\r\nSubject: Re: your conversation\r\n\
         Message-ID: <answer-77@example.com>\r\nIn-Reply-To: {our_id}\r\n\r\nThank you, it works again.\r\n"
    );
    dovecot.append("INBOX", answer.as_bytes()).unwrap();
    let message = loop {
        let m = agent.expect("message").await;
        if m["author"]["role"] == "customer" {
            break m;
        }
    };
    assert_eq!(message["conversation_id"], conversation.as_str(), "the answer continues the chat conversation");
    assert_eq!(
        (message["channel"].as_str(), message["text"].as_str()),
        (Some("email"), Some("Thank you, it works again."))
    );

    // Back in the app, the customer sees the answer they mailed as part of the conversation.
    let mut app = customer(&d, &token).await;
    app.send(json!({ "type": "send", "client_id": "c2", "text": "Thanks again" })).await;
    let ack = app.expect("ack").await;
    assert_eq!(ack["conversation_id"], conversation.as_str());
}
