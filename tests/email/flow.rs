//! A whole email conversation: the customer's mail becomes a conversation an agent is
//! offered, the agent's reply leaves threaded, the customer's answer to it comes back into the
//! same conversation, and a fresh mail opens another.

use std::time::Duration;

use serde_json::json;
use switchboard_mailservers::SinkMode;

use crate::client::{PASSWORD, Ws};
use crate::mail::{SUPPORT, body_text, customer_mail, header, setup};

const WAIT: Duration = Duration::from_secs(20);

#[tokio::test]
async fn a_mail_is_answered_and_the_answer_threads_back() {
    let Some(s) = setup(SinkMode::Accept).await else { return };
    s.daemon.agent_add("alice", "Alice", &["en"], false, PASSWORD).await;
    let mut agent = Ws::available_agent(&s.daemon, "alice").await;

    let first = customer_mail(
        "li.wei@example.com",
        "m1@example.com",
        "My transfer has not arrived",
        "I sent 200 USD to my sister yesterday and it has not arrived.",
    );
    s.dovecot.append("INBOX", &first).unwrap();
    let offer = agent.expect("offer").await;
    assert_eq!(offer["conversation"]["channel"], "email");
    assert_eq!(offer["conversation"]["subject"], "My transfer has not arrived");
    let reference = offer["conversation"]["reference"].as_str().expect("a reference").to_owned();
    agent.send(json!({ "type": "accept", "offer_id": offer["offer_id"] })).await;
    let assigned = agent.expect("assigned").await;
    let conversation = assigned["conversation"]["id"].as_str().unwrap().to_owned();
    let shown = &assigned["conversation"]["messages"][0];
    assert_eq!(shown["text"], "I sent 200 USD to my sister yesterday and it has not arrived.");
    assert_eq!(shown["email"]["from"], "Customer <li.wei@example.com>");
    assert_eq!(shown["email"]["to"], json!([SUPPORT]));

    agent
        .send(json!({
            "type": "reply", "conversation_id": conversation, "client_id": "r1",
            "text": "我们正在查询您的转账。We are looking into it.", "cc": ["family@example.com"],
        }))
        .await;
    agent.expect("ack").await;
    let delivery = agent.expect("delivery").await;
    assert_eq!(delivery["state"], "sent", "{delivery}");

    let sent = s.sink.wait_for_received(1, WAIT);
    assert_eq!(sent.len(), 1, "one reply sent");
    let reply = &sent[0];
    let mut rcpt: Vec<&str> = reply.rcpt_to.iter().map(String::as_str).collect();
    rcpt.sort();
    assert_eq!(rcpt, ["family@example.com", "li.wei@example.com"]);
    let raw = &reply.raw;
    assert_eq!(header(raw, "In-Reply-To").as_deref(), Some("<m1@example.com>"));
    assert_eq!(header(raw, "References").as_deref(), Some("<m1@example.com>"));
    let subject = mail_parser::MessageParser::default().parse(raw).unwrap().subject().unwrap().to_owned();
    assert_eq!(subject, format!("Re: My transfer has not arrived [#{reference}]"));
    let reply_to = header(raw, "Reply-To").unwrap();
    assert!(reply_to.starts_with("support+") && reply_to.ends_with("@wallet.test"), "{reply_to}");
    assert!(header(raw, "From").unwrap().contains(SUPPORT));
    assert_eq!(header(raw, "Auto-Submitted"), None, "an agent's reply is not automatic");
    assert_eq!(body_text(raw).trim(), "我们正在查询您的转账。We are looking into it.");
    let our_id = header(raw, "Message-ID").unwrap();

    // The customer answers the captured mail, quoting it, as mail clients do.
    let answer = format!(
        "From: Customer <li.wei@example.com>\r\nTo: {reply_to}\r\nSubject: Re: {subject}\r\n\
         Message-ID: <m2@example.com>\r\nIn-Reply-To: {our_id}\r\nReferences: <m1@example.com> {our_id}\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nThank you, it is still missing.\r\n\r\n\
         On Mon, 7 Dec 2026 at 10:00, Wallet Support <{SUPPORT}> wrote:\r\n> We are looking into it.\r\n"
    );
    s.dovecot.append("INBOX", answer.as_bytes()).unwrap();
    let message = customer_message(&mut agent).await;
    assert_eq!(message["conversation_id"], conversation.as_str(), "the answer threads into the conversation");
    assert_eq!(message["text"], "Thank you, it is still missing.", "quoted history is left out");
    assert!(message["original_url"].is_string(), "the full original can be read: {message}");

    // A fresh mail from the same customer is another matter.
    let fresh = customer_mail("li.wei@example.com", "m3@example.com", "How do I change my phone number?", "Hi");
    s.dovecot.append("INBOX", &fresh).unwrap();
    let offer = agent.expect("offer").await;
    assert_ne!(offer["conversation"]["id"], conversation.as_str(), "a fresh mail opens a new conversation");
    assert_eq!(offer["conversation"]["subject"], "How do I change my phone number?");
}

#[tokio::test]
async fn a_reply_refused_for_good_is_shown_failed_and_a_temporary_refusal_is_retried() {
    let Some(mut s) = setup(SinkMode::Temporary).await else { return };
    s.daemon.agent_add("alice", "Alice", &["en"], false, PASSWORD).await;
    let mut agent = Ws::available_agent(&s.daemon, "alice").await;
    s.dovecot.append("INBOX", &customer_mail("a@example.com", "t1@example.com", "Refund", "Refund please")).unwrap();
    let conversation = agent.accept_next_offer().await;
    agent.send(json!({ "type": "reply", "conversation_id": conversation, "client_id": "r1", "text": "Done." })).await;
    agent.expect("ack").await;
    // Refused for now, a few times; then the server takes it, once.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(s.sink.messages().is_empty());
    s.sink.set_mode(SinkMode::Accept).unwrap();
    let delivery = agent.expect("delivery").await;
    assert_eq!(delivery["state"], "sent", "{delivery}");
    assert_eq!(s.sink.wait_for(1, WAIT).len(), 1);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(s.sink.messages().len(), 1, "delivered exactly once");

    s.sink.set_mode(SinkMode::Permanent).unwrap();
    agent.send(json!({ "type": "reply", "conversation_id": conversation, "client_id": "r2", "text": "Also…" })).await;
    agent.expect("ack").await;
    let failed = agent.expect("delivery").await;
    assert_eq!(failed["state"], "failed", "{failed}");
    assert!(failed["detail"].as_str().unwrap().contains("500"), "the server's answer is shown: {failed}");
    assert_eq!(s.sink.messages().len(), 1, "nothing more was accepted");
}

/// The next message frame a customer wrote (the agent's own replies come back as frames too).
async fn customer_message(agent: &mut Ws) -> serde_json::Value {
    loop {
        let message = agent.expect("message").await;
        if message["author"]["role"] == "customer" {
            return message;
        }
    }
}

#[tokio::test]
async fn a_new_conversation_is_acknowledged_once_per_sender_and_never_to_automatic_mail() {
    let Some((dovecot, sink)) = crate::mail::servers(SinkMode::Accept) else { return };
    let config = crate::mail::email_config(dovecot.port(), &dovecot, sink.port(), "")
        + "\n[email.acknowledgement]\nenabled = true\n";
    let daemon = crate::mail::daemon(config).await;
    dovecot
        .append("INBOX", &customer_mail("wang@example.cn", "z1@example.cn", "转账失败", "我的转账失败了，请帮忙。"))
        .unwrap();
    let acks = sink.wait_for(1, WAIT);
    let ack = &acks[0];
    assert_eq!(header(ack, "Auto-Submitted").as_deref(), Some("auto-replied"));
    assert_eq!(header(ack, "In-Reply-To").as_deref(), Some("<z1@example.cn>"));
    let text = body_text(ack);
    assert!(text.contains("我们已收到您的邮件"), "answered in the customer's language: {text}");
    assert!(text.contains("[#") && !text.contains("{reference}"), "the reference is filled in: {text}");
    // A failed payment waits in payments, whose target for its priority is in minutes or hours.
    assert!(
        text.contains("预计回复时间：") && (text.contains("分钟内") || text.contains("小时内")),
        "the expected response time is stated: {text}"
    );

    // The same sender again, and someone's out-of-office: neither is acknowledged.
    dovecot
        .append("INBOX", &customer_mail("wang@example.cn", "z2@example.cn", "另一个问题", "还有一个问题。"))
        .unwrap();
    let ooo = "From: away@example.com\r\nTo: support@wallet.test\r\nSubject: Out of office\r\n\
               Message-ID: <ooo2@example.com>\r\nAuto-Submitted: auto-replied\r\n\r\nAway until Monday.\r\n";
    dovecot.append("INBOX", ooo.as_bytes()).unwrap();
    crate::mail::eventually("both mails taken", WAIT, || crate::mail::inbound_mails(&daemon) == 3).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(sink.messages().len(), 1, "one acknowledgement in all");
}

#[tokio::test]
async fn a_bounce_marks_the_reply_failed_and_the_address_gets_no_more_mail() {
    let Some(s) = setup(SinkMode::Accept).await else { return };
    s.daemon.agent_add("alice", "Alice", &["en"], false, PASSWORD).await;
    let mut agent = Ws::available_agent(&s.daemon, "alice").await;
    s.dovecot.append("INBOX", &customer_mail("gone@example.cn", "g1@example.cn", "Refund", "Refund my order")).unwrap();
    let conversation = agent.accept_next_offer().await;
    agent
        .send(json!({ "type": "reply", "conversation_id": conversation, "client_id": "r1", "text": "Refunded." }))
        .await;
    agent.expect("ack").await;
    assert_eq!(agent.expect("delivery").await["state"], "sent");
    let sent = s.sink.wait_for(1, WAIT);
    let our_id = header(&sent[0], "Message-ID").unwrap();

    let dsn = std::fs::read_to_string("channels/email/tests/fixtures/bounce_hard.eml")
        .unwrap()
        .replace("support@help.wallet.example", SUPPORT)
        .replace("old.mailbox@example.cn", "gone@example.cn")
        .replace("<05hnc0clbcu8qbjv9adhob9u9td6mv35hsoorn8ua09r308.44p46l35eq3phadq@help.wallet.example>", &our_id);
    s.dovecot.append("INBOX", dsn.as_bytes()).unwrap();
    let bounced = agent.expect("delivery").await;
    assert_eq!(
        (bounced["state"].as_str(), bounced["conversation_id"].as_str()),
        (Some("failed"), Some(conversation.as_str()))
    );
    assert!(bounced["detail"].as_str().unwrap().contains("5.1.1"), "the report's reason: {bounced}");

    agent.send(json!({ "type": "reply", "conversation_id": conversation, "client_id": "r2", "text": "Hello?" })).await;
    agent.expect("ack").await;
    let held = agent.expect("delivery").await;
    assert_eq!(held["state"], "failed");
    assert!(held["detail"].as_str().unwrap().contains("suppressed"), "{held}");
    assert_eq!(s.sink.messages().len(), 1, "nothing more went to the address");
}
