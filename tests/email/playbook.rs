//! The wallet playbook on email: a mail saying the account is stolen freezes nothing by
//! itself (anyone can forge a From), even from the address of an app user; an agent cannot
//! freeze an email-only contact; and the acknowledgement carries the intake questions.

use std::time::Duration;

use serde_json::json;
use switchboard_mailservers::SinkMode;

use crate::client::{PASSWORD, Ws, sign};
use crate::mail::{body_text, customer_mail, daemon, email_config, servers};
use crate::wallet::{WALLET_SECRET, start_wallet};

const STOLEN: &str =
    "Someone logged into my account from a device that is not mine and is moving my money out. Freeze it now!";
const WAIT: Duration = Duration::from_secs(20);

#[tokio::test]
async fn a_stolen_account_mail_freezes_nothing_and_the_same_words_in_the_app_do() {
    let Some((dovecot, sink)) = servers(SinkMode::Accept) else { return };
    let (wallet, url) = start_wallet().await;
    let config = email_config(dovecot.port(), &dovecot, sink.port(), "")
        + &format!(
            "\n[playbook]\nauto_freeze = true\n[actions.freeze]\nurl = \"{url}\"\nsecret = \"{WALLET_SECRET}\"\n"
        );
    let daemon = daemon(config).await;
    daemon.agent_add("mei", "Mei", &[], false, PASSWORD).await;
    let mut mei = Ws::available_agent(&daemon, "mei").await;

    // The app knows this customer by their address too: a forger may write from it.
    let exp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() + 3600;
    let token = sign(json!({ "sub": "u-victim", "exp": exp, "email": "victim@example.com", "lang": "en" }));
    let mut app = Ws::connect(&daemon, "/v1/chat").await;
    app.send(json!({ "type": "hello", "token": token })).await;
    app.expect("welcome").await;

    dovecot.append("INBOX", &customer_mail("victim@example.com", "s1@example.com", "Account stolen", STOLEN)).unwrap();
    let mail = mei.accept_next_offer().await;
    dovecot.append("INBOX", &customer_mail("stranger@example.com", "s2@example.com", "Hacked", STOLEN)).unwrap();
    let stranger = mei.accept_next_offer().await;

    // The same words from the app, where the token vouches for the account, freeze it.
    app.send(json!({ "type": "send", "client_id": "c1", "text": STOLEN })).await;
    let chat = app.expect("ack").await["conversation_id"].as_str().unwrap().to_owned();
    let received = wallet.wait_for(1).await;
    assert_eq!(received[0].body["conversation_id"], chat.as_str(), "{received:?}");
    assert!(received[0].signed && received[0].idempotency_key == received[0].body["idempotency_key"]);

    for conversation in [&mail, &stranger] {
        mei.send(json!({ "type": "open", "conversation_id": conversation })).await;
        let view = mei.expect("conversation").await;
        assert_eq!(view["conversation"]["category"], "account_compromised", "the mails were read as stolen: {view}");
        assert_eq!(view["conversation"]["account_actions"], json!([]), "a mail froze an account: {view}");
        if conversation == &mail {
            let filed_under = &view["conversation"]["customer"]["app_user_id"];
            assert_eq!(filed_under, "u-victim", "the mail is the app user's by its address, and still froze nothing");
        }
    }
    // An email-only contact has no app account to freeze.
    let freeze =
        json!({ "type": "account_action", "conversation_id": stranger, "action": "freeze", "reason": "stolen" });
    mei.send(freeze).await;
    let refused = mei.expect("error").await;
    assert!(refused["message"].as_str().unwrap().contains("no app account"), "{refused}");
    assert_eq!(wallet.received().len(), 1, "only the app's message froze anything");
}

#[tokio::test]
async fn the_acknowledgement_of_a_missing_transfer_asks_for_its_details_and_the_answers_are_kept() {
    let Some((dovecot, sink)) = servers(SinkMode::Accept) else { return };
    let config =
        email_config(dovecot.port(), &dovecot, sink.port(), "") + "\n[email.acknowledgement]\nenabled = true\n";
    let daemon = daemon(config).await;
    let first = customer_mail(
        "li.wei@example.com",
        "t1@example.com",
        "Transfer not arrived",
        "I sent 200 USD to Wang Fang on 2026-12-06 14:30 and it has not arrived.",
    );
    dovecot.append("INBOX", &first).unwrap();
    let acks = sink.wait_for(1, WAIT);
    let text = body_text(&acks[0]);
    assert!(text.contains("When did you make the transfer"), "the questions come with it: {text}");

    daemon.agent_add("mei", "Mei", &[], false, PASSWORD).await;
    let mut mei = Ws::available_agent(&daemon, "mei").await;
    let offer = mei.expect("offer").await;
    mei.send(json!({ "type": "accept", "offer_id": offer["offer_id"] })).await;
    let intake = mei.expect("assigned").await["conversation"]["intake"].clone();
    assert_eq!((intake["amount"].as_str(), intake["currency"].as_str()), (Some("200"), Some("USD")), "{intake}");
    assert_eq!(intake["counterparty"], "Wang Fang");
    assert_eq!(intake["time"], "2026-12-06 14:30");
}
