//! What the fetch loop takes and how it leaves the mailbox: mail another client already read,
//! a changed UIDVALIDITY, Chinese mail in legacy encodings, a mail that cannot be read, our own
//! mail and automatic replies.

use std::time::Duration;

use switchboard_mailservers::SinkMode;

use crate::client::{PASSWORD, Ws};
use crate::mail::{count, customer_mail, eventually, inbound_mails, many_mails, setup};

const WAIT: Duration = Duration::from_secs(30);

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("channels/email/tests/fixtures/{name}")).expect("the fixture exists")
}

#[tokio::test]
async fn mail_read_by_another_client_is_still_taken_and_flagged_seen_after_the_commit() {
    let Some(s) = setup(SinkMode::Accept).await else { return };
    s.dovecot.append_all("INBOX", &many_mails(0, 20)).unwrap();
    s.dovecot.mark_all_seen("INBOX").unwrap();
    s.dovecot.append_all("INBOX", &many_mails(20, 10)).unwrap();
    eventually("30 mails committed", WAIT, || inbound_mails(&s.daemon) == 30).await;
    eventually("every mail flagged seen", WAIT, || {
        s.dovecot.flags("INBOX").unwrap().iter().all(|(_, flags)| flags.iter().any(|f| f == "\\Seen"))
    })
    .await;
    assert_eq!(count(&s.daemon, "SELECT count(*) FROM conversations WHERE channel = 'email'"), 30);

    // Another UIDVALIDITY: every UID is new, the mails are not.
    s.dovecot.change_uidvalidity("INBOX").unwrap();
    s.dovecot.append_all("INBOX", &many_mails(30, 1)).unwrap();
    eventually("the new mail after the resync", WAIT, || inbound_mails(&s.daemon) == 31).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(inbound_mails(&s.daemon), 31, "the resync took no mail twice");
}

#[tokio::test]
async fn chinese_mail_in_gbk_reaches_the_agent_decoded() {
    let Some(s) = setup(SinkMode::Accept).await else { return };
    s.daemon.agent_add("mei", "Mei", &["zh"], false, PASSWORD).await;
    let mut agent = Ws::available_agent(&s.daemon, "mei").await;
    s.dovecot.append("INBOX", &fixture("outlook_gbk_new.eml")).unwrap();
    let offer = agent.expect("offer").await;
    assert_eq!(offer["conversation"]["subject"], "退款申请：订单 20250301-8841 重复扣款");
    agent.send(serde_json::json!({ "type": "accept", "offer_id": offer["offer_id"] })).await;
    let assigned = agent.expect("assigned").await;
    let c = &assigned["conversation"];
    assert_eq!(c["customer"]["name"], "李伟");
    assert_eq!(c["customer"]["email"], "li.wei@example.cn");
    assert!(c["messages"][0]["text"].as_str().unwrap().contains("账户户主是我丈夫王喆"), "{c}");
}

#[tokio::test]
async fn a_mail_that_cannot_be_read_is_quarantined_and_the_mailbox_goes_on() {
    let Some(s) = setup(SinkMode::Accept).await else { return };
    s.dovecot.append("INBOX", &fixture("no_sender.eml")).unwrap();
    s.dovecot.append("INBOX", &customer_mail("b@example.com", "after@example.com", "Hello", "Still here")).unwrap();
    eventually("the next mail taken", WAIT, || inbound_mails(&s.daemon) == 1).await;
    let listed = s.daemon.cli(&["quarantine", "list"], "").await;
    let listing = String::from_utf8_lossy(&listed.stdout);
    assert!(listed.status.success(), "{listing}");
    let line = listing.lines().next().expect("one quarantined mail");
    assert!(line.contains("email") && line.contains("support"), "{line}");
    let id = line.split('\t').next().unwrap();
    let shown = s.daemon.cli(&["quarantine", "show", id], "").await;
    assert_eq!(shown.stdout, fixture("no_sender.eml"), "the raw mail is kept as it was");
    let metrics = reqwest::get(format!("{}/metrics", s.daemon.base_url())).await.unwrap().text().await.unwrap();
    assert!(metrics.contains("switchboard_quarantined_total{channel=\"email\"} 1"), "{metrics}");
}

#[tokio::test]
async fn our_own_mail_is_dropped_and_an_auto_reply_never_reopens_a_resolved_conversation() {
    let Some(s) = setup(SinkMode::Accept).await else { return };
    s.daemon.agent_add("alice", "Alice", &["en"], false, PASSWORD).await;
    let mut agent = Ws::available_agent(&s.daemon, "alice").await;
    s.dovecot.append("INBOX", &customer_mail("c@example.com", "c1@example.com", "Card declined", "Why?")).unwrap();
    let conversation = agent.accept_next_offer().await;
    agent
        .send(serde_json::json!({ "type": "reply", "conversation_id": conversation, "client_id": "r1", "text": "Fixed." }))
        .await;
    agent.expect("ack").await;
    let sent = s.sink.wait_for(1, WAIT);
    agent.send(serde_json::json!({ "type": "resolve", "conversation_id": conversation })).await;
    agent.expect("unassigned").await;
    let our_id = crate::mail::header(&sent[0], "Message-ID").unwrap();

    // Our reply coming back (a misconfigured forward) and the customer's out-of-office.
    s.dovecot.append("INBOX", &sent[0]).unwrap();
    let ooo = format!(
        "From: c@example.com\r\nTo: support@wallet.test\r\nSubject: Automatic reply: Re: Card declined\r\n\
         Message-ID: <ooo@example.com>\r\nIn-Reply-To: {our_id}\r\nAuto-Submitted: auto-replied\r\n\r\nI am away.\r\n"
    );
    s.dovecot.append("INBOX", ooo.as_bytes()).unwrap();
    eventually("the auto-reply taken", WAIT, || inbound_mails(&s.daemon) == 2).await;
    let status = count(
        &s.daemon,
        &format!("SELECT count(*) FROM conversations WHERE id = '{conversation}' AND status = 'resolved'"),
    );
    assert_eq!(status, 1, "the auto-reply left the conversation resolved");
    assert_eq!(count(&s.daemon, "SELECT count(*) FROM conversations"), 1, "our own mail opened nothing");
}

#[tokio::test]
async fn attachments_with_chinese_names_are_kept_and_served_to_the_agent_only() {
    let Some(s) = setup(SinkMode::Accept).await else { return };
    s.daemon.agent_add("mei", "Mei", &["zh"], false, PASSWORD).await;
    let mut agent = Ws::available_agent(&s.daemon, "mei").await;
    s.dovecot.append("INBOX", &fixture("foxmail_gb18030.eml")).unwrap();
    let conversation = agent.accept_next_offer().await;
    agent.send(serde_json::json!({ "type": "open", "conversation_id": conversation })).await;
    let opened = agent.expect("conversation").await;
    let file = &opened["conversation"]["messages"][0]["attachments"][0];
    assert_eq!((file["filename"].as_str(), file["size"].as_u64()), (Some("转账截图.jpg"), Some(1_050)), "{file}");
    let url = format!("{}{}", s.daemon.base_url(), file["url"].as_str().unwrap());
    let http = reqwest::Client::new();

    let anonymous = http.get(&url).send().await.unwrap();
    assert_eq!(anonymous.status(), 401, "no token, no file");
    s.daemon.agent_add("bob", "Bob", &["en"], false, PASSWORD).await;
    let other = crate::client::agent_login(&s.daemon, "bob").await;
    let refused = http.get(&url).bearer_auth(other).send().await.unwrap();
    assert_eq!(refused.status(), 403, "another agent's conversation");

    let token = crate::client::agent_login(&s.daemon, "mei").await;
    let got = http.get(&url).bearer_auth(token).send().await.unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.headers()["content-type"], "image/jpeg");
    let disposition = got.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(disposition.starts_with("attachment;") && disposition.contains("%E8%BD%AC"), "{disposition}");
    let bytes = got.bytes().await.unwrap();
    assert_eq!(bytes.len(), 1_050);
    assert!(bytes.starts_with(&[0xff, 0xd8]) && bytes.ends_with(&[0xff, 0xd9]), "the file's own bytes");
}

#[tokio::test]
async fn a_mailbox_started_on_new_mail_only_leaves_the_backlog_alone() {
    let Some((dovecot, sink)) = crate::mail::servers(SinkMode::Accept) else { return };
    dovecot.append_all("INBOX", &many_mails(0, 25)).unwrap();
    let config = crate::mail::email_config(dovecot.port(), &dovecot, sink.port(), "start_from = \"new\"");
    let d = crate::mail::daemon(config).await;
    // The cursor is set at the first start; what arrives from then on is taken.
    crate::mail::eventually("the cursor saved", WAIT, || count(&d, "SELECT count(*) FROM channel_state") == 1).await;
    dovecot.append_all("INBOX", &many_mails(25, 2)).unwrap();
    eventually("the new mail taken", WAIT, || inbound_mails(&d) == 2).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(inbound_mails(&d), 2, "the 25 old mails are left alone");
    let unseen = dovecot.flags("INBOX").unwrap().iter().filter(|(_, f)| !f.iter().any(|f| f == "\\Seen")).count();
    assert_eq!(unseen, 25, "and left unread");
}

#[tokio::test]
async fn committed_mail_can_be_moved_to_a_processed_folder_instead() {
    let Some((dovecot, sink)) = crate::mail::servers(SinkMode::Accept) else { return };
    let extra = "after_ingest = \"move\"\nprocessed_folder = \"Processed\"";
    let d = crate::mail::daemon(crate::mail::email_config(dovecot.port(), &dovecot, sink.port(), extra)).await;
    dovecot.append_all("INBOX", &many_mails(0, 12)).unwrap();
    eventually("12 mails committed", WAIT, || inbound_mails(&d) == 12).await;
    eventually("the inbox emptied", WAIT, || dovecot.flags("INBOX").unwrap().is_empty()).await;
    assert_eq!(dovecot.flags("Processed").unwrap().len(), 12, "every mail moved, none lost");
}
