//! The wallet playbook over the real daemon, with a small local wallet backend: an agent
//! freezes a stolen account and the customer is told; retries keep one idempotency key, also
//! across a `kill -9`; an action without its secret is never sent; unfreezing waits for the
//! identity checklist; the automatic freeze; and the intake questions a waiting customer
//! answers, which the agent's `assigned` frame carries.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::client::{PASSWORD, SECRET, Ws, sign};
use crate::common::Daemon;
use crate::wallet::{WALLET_SECRET, start_wallet, start_wallet_at};

const STOLEN_ZH: &str = "有人盗了我的账号，正在转走我的钱，请马上冻结！";
const STOLEN_EN: &str =
    "Someone logged into my account from a device that is not mine and is moving my money out. Freeze it now!";
/// How long a test waits for the daemon to get somewhere.
const WAIT: Duration = Duration::from_secs(20);

/// A daemon whose freeze and unfreeze go to the wallet backend at `url`, signed with the
/// shared secret unless `unsigned` names the action, retrying quickly; `extra` adds settings.
async fn wallet_daemon(url: &str, unsigned: &[&str], extra: &[(&str, &str)]) -> Daemon {
    let mut b = Daemon::builder()
        .env("SWITCHBOARD__CHAT__JWT_SECRET", SECRET)
        .env("SWITCHBOARD__ROUTING__OFFER_TIMEOUT_S", "10");
    for action in ["FREEZE", "UNFREEZE"] {
        let key = |k: &str| format!("SWITCHBOARD__ACTIONS__{action}__{k}");
        b = b
            .env(key("URL"), url)
            .env(key("TIMEOUT_S"), "2")
            .env(key("INITIAL_BACKOFF_MS"), "100")
            .env(key("MAX_BACKOFF_MS"), "400");
        if !unsigned.contains(&action.to_lowercase().as_str()) {
            b = b.env(key("SECRET"), WALLET_SECRET);
        }
    }
    for (k, v) in extra {
        b = b.env(*k, *v);
    }
    b.start().await
}

/// A customer of the app, writing in `lang`.
async fn customer(daemon: &Daemon, sub: &str, lang: &str) -> Ws {
    let mut ws = Ws::connect(daemon, "/v1/chat").await;
    let exp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() + 3600;
    let token = sign(json!({ "sub": sub, "exp": exp, "name": "Chen", "lang": lang }));
    ws.send(json!({ "type": "hello", "token": token })).await;
    ws.expect("welcome").await;
    ws
}

async fn say(ws: &mut Ws, client_id: &str, text: &str) -> String {
    ws.send(json!({ "type": "send", "client_id": client_id, "text": text })).await;
    ws.expect("ack").await["conversation_id"].as_str().unwrap().to_owned()
}

/// The next message from the system (not the customer's own echo).
async fn system_message(ws: &mut Ws) -> Value {
    loop {
        let m = ws.expect("message").await;
        if m["author"]["role"] == "system" {
            return m;
        }
    }
}

/// The next `account_action` frame that is no longer pending; the pending ones before it.
async fn outcome(agent: &mut Ws) -> (Value, Vec<Value>) {
    let mut pending = Vec::new();
    loop {
        let f = agent.expect("account_action").await;
        if f["state"] != "pending" {
            return (f, pending);
        }
        pending.push(f);
    }
}

fn freeze(conversation: &str) -> Value {
    json!({ "type": "account_action", "conversation_id": conversation, "action": "freeze", "reason": "customer reports the account stolen" })
}

/// The states of a conversation's account actions in the audit log, oldest first.
fn audited(daemon: &Daemon, conversation: &str) -> Vec<(String, String)> {
    let conn = rusqlite::Connection::open_with_flags(daemon.db_path(), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .expect("the database opens");
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    let mut q = conn
        .prepare("SELECT actor, detail FROM events WHERE conversation_id = ?1 AND kind = 'account_action' ORDER BY id")
        .unwrap();
    q.query_map([conversation], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .unwrap()
        .map(|row| {
            let (actor, detail) = row.unwrap();
            let detail: Value = serde_json::from_str(&detail).unwrap();
            (actor, detail["state"].as_str().unwrap().to_owned())
        })
        .collect()
}

/// Waits until the stored action of `conversation` is no longer pending; returns its state.
async fn settled(daemon: &Daemon, conversation: &str) -> String {
    let start = Instant::now();
    loop {
        if let Some((_, state)) = audited(daemon, conversation).into_iter().rfind(|(_, s)| s != "pending") {
            return state;
        }
        assert!(start.elapsed() < WAIT, "the action on {conversation} never settled");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn an_agent_freezes_a_stolen_account_and_the_customer_is_told_in_their_language() {
    let (wallet, url) = start_wallet().await;
    let daemon = wallet_daemon(&url, &[], &[]).await;
    daemon.agent_add("mei", "Mei", &[], false, PASSWORD).await;
    let mut mei = Ws::available_agent(&daemon, "mei").await;
    let mut chen = customer(&daemon, "u-chen", "zh").await;
    let conversation = say(&mut chen, "c1", STOLEN_ZH).await;
    assert_eq!(mei.accept_next_offer().await, conversation);

    mei.send(freeze(&conversation)).await;
    let pending = mei.expect("account_action").await;
    assert_eq!((pending["state"].as_str(), pending["action"].as_str()), (Some("pending"), Some("freeze")));
    let (done, _) = outcome(&mut mei).await;
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(done["id"], pending["id"]);

    // One request, signed, naming the account, the conversation, the agent and why.
    let received = wallet.received();
    assert_eq!(received.len(), 1, "{received:?}");
    let r = &received[0];
    assert!(r.signed, "the request carries a valid signature");
    assert_eq!(r.idempotency_key, pending["id"].as_str().unwrap());
    assert_eq!(r.body["action"], "freeze");
    assert_eq!(r.body["app_user_id"], "u-chen");
    assert_eq!(r.body["conversation_id"], conversation.as_str());
    assert_eq!(r.body["agent"], "mei");
    assert_eq!(r.body["reason"], "customer reports the account stolen");
    assert_eq!(r.body["idempotency_key"], pending["id"]);

    let told = system_message(&mut chen).await;
    assert!(told["text"].as_str().unwrap().contains("冻结"), "the customer is told in Chinese: {told}");
    let audit = audited(&daemon, &conversation);
    let states: Vec<&str> = audit.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(states, ["pending", "done"], "{audit:?}");
    assert!(audit[0].0.starts_with("agent:"), "the request names its agent: {audit:?}");

    // A later look at the conversation shows it.
    mei.send(json!({ "type": "open", "conversation_id": conversation })).await;
    let view = mei.expect("conversation").await;
    let actions = &view["conversation"]["account_actions"];
    assert_eq!((actions[0]["state"].as_str(), actions[0]["automatic"].as_bool()), (Some("done"), Some(false)));
}

#[tokio::test]
async fn a_backend_failing_twice_then_succeeding_freezes_once_and_a_refusal_is_final() {
    let (wallet, url) = start_wallet().await;
    let daemon = wallet_daemon(&url, &[], &[]).await;
    daemon.agent_add("mei", "Mei", &[], false, PASSWORD).await;
    let mut mei = Ws::available_agent(&daemon, "mei").await;
    let mut chen = customer(&daemon, "u-chen", "en").await;
    let conversation = say(&mut chen, "c1", STOLEN_EN).await;
    mei.accept_next_offer().await;

    wallet.answer_first(&[(503, "busy"), (503, "busy")]);
    mei.send(freeze(&conversation)).await;
    let (done, pending) = outcome(&mut mei).await;
    assert_eq!(done["state"], "done", "{done}");
    assert!(pending.iter().any(|p| p["detail"].as_str().is_some_and(|d| d.contains("503"))), "{pending:?}");
    let received = wallet.received();
    assert_eq!(received.len(), 3, "two failures and the success: {received:?}");
    assert!(received.iter().all(|r| r.signed && r.idempotency_key == done["id"].as_str().unwrap()), "{received:?}");
    assert_eq!(wallet.applied().len(), 1, "frozen once");
    assert!(system_message(&mut chen).await["text"].as_str().unwrap().contains("frozen"));

    // The backend refuses the next one for good: failed, with its reason, and not retried.
    mei.send(json!({ "type": "account_action", "conversation_id": conversation, "action": "unfreeze", "reason": "verified by phone" })).await;
    let refused = mei.expect("error").await;
    assert_eq!(refused["code"], "forbidden", "unfreezing waits for verification: {refused}");
    wallet.answer_first(&[(422, r#"{"reason":"account is under investigation"}"#)]);
    mei.send(json!({ "type": "verify_identity", "conversation_id": conversation,
        "checks": ["registered_phone", "last_transaction_amount", "id_last_four"] }))
        .await;
    mei.expect("identity_verified").await;
    mei.send(json!({ "type": "account_action", "conversation_id": conversation, "action": "unfreeze", "reason": "verified by phone" })).await;
    let (failed, _) = outcome(&mut mei).await;
    assert_eq!(failed["state"], "failed", "{failed}");
    assert!(failed["detail"].as_str().unwrap().contains("account is under investigation"), "{failed}");
    assert_eq!(wallet.received().len(), 4, "a refusal is not retried");
    assert_eq!(settled(&daemon, &conversation).await, "failed");
}

#[tokio::test]
async fn a_freeze_committed_before_a_crash_is_called_once_after_the_restart() {
    // The backend is down: the freeze is committed, its calls find nobody listening.
    let free = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = free.local_addr().unwrap();
    drop(free);
    let url = format!("http://{address}/actions");
    let mut daemon = wallet_daemon(&url, &[], &[]).await;
    daemon.agent_add("mei", "Mei", &[], false, PASSWORD).await;
    let mut mei = Ws::available_agent(&daemon, "mei").await;
    let mut chen = customer(&daemon, "u-chen", "en").await;
    let conversation = say(&mut chen, "c1", STOLEN_EN).await;
    mei.accept_next_offer().await;
    mei.send(freeze(&conversation)).await;
    let pending = mei.expect("account_action").await;
    assert_eq!(pending["state"], "pending");
    // A failed call is reported while it stays pending: the crash comes between commit and
    // the call that reaches the backend.
    let failed_call = mei.expect("account_action").await;
    assert_eq!(failed_call["state"], "pending", "{failed_call}");
    daemon.kill9();

    let (wallet, _) = start_wallet_at(address).await;
    daemon.restart().await;
    assert_eq!(settled(&daemon, &conversation).await, "done");
    let received = wallet.received();
    assert_eq!(received.len(), 1, "called once after the restart: {received:?}");
    assert_eq!(received[0].idempotency_key, pending["id"].as_str().unwrap());
    assert!(received[0].signed);
}

#[tokio::test]
async fn an_action_without_its_secret_is_never_sent_and_unfreezing_needs_verified_identity() {
    let (wallet, url) = start_wallet().await;
    let daemon = wallet_daemon(&url, &["freeze"], &[]).await;
    daemon.agent_add("mei", "Mei", &[], false, PASSWORD).await;
    let (mut mei, welcome) = Ws::agent(&daemon, "mei").await;
    let offered = &welcome["playbook"]["actions"];
    assert!(offered[0]["unavailable"].as_str().unwrap().contains("unsigned"), "{offered}");
    assert_eq!(welcome["playbook"]["verification"]["default"].as_array().unwrap().len(), 3);
    mei.send(json!({ "type": "status", "status": "available" })).await;
    let mut chen = customer(&daemon, "u-chen", "en").await;
    let conversation = say(&mut chen, "c1", STOLEN_EN).await;
    mei.accept_next_offer().await;

    mei.send(freeze(&conversation)).await;
    let refused = mei.expect("error").await;
    assert_eq!(refused["code"], "unavailable");
    assert!(refused["message"].as_str().unwrap().contains("never sent unsigned"), "{refused}");

    let unfreeze = json!({ "type": "account_action", "conversation_id": conversation, "action": "unfreeze", "reason": "customer verified" });
    mei.send(unfreeze.clone()).await;
    let refused = mei.expect("error").await;
    assert_eq!(refused["code"], "forbidden");
    assert!(refused["message"].as_str().unwrap().contains("verify the customer's identity"), "{refused}");
    // Half a checklist verifies nothing; the answers themselves are never taken.
    mei.send(json!({ "type": "verify_identity", "conversation_id": conversation, "checks": ["registered_phone"] }))
        .await;
    let refused = mei.expect("error").await;
    assert!(refused["message"].as_str().unwrap().contains("id_last_four"), "{refused}");
    mei.send(json!({ "type": "verify_identity", "conversation_id": conversation,
        "checks": ["registered_phone", "last_transaction_amount", "id_last_four"], "values": ["4321"] }))
        .await;
    let verified = mei.expect("identity_verified").await;
    assert_eq!(verified["identity_verified"]["verified_by"]["name"], "Mei");

    mei.send(unfreeze).await;
    let (done, _) = outcome(&mut mei).await;
    assert_eq!(done["state"], "done", "{done}");
    let received = wallet.received();
    assert_eq!(received.len(), 1, "only the signed unfreeze was sent: {received:?}");
    assert_eq!(received[0].body["action"], "unfreeze");
    assert!(system_message(&mut chen).await["text"].as_str().unwrap().contains("unfrozen"));

    // A later agent sees who verified and when, and which checks, never an answer.
    mei.send(json!({ "type": "open", "conversation_id": conversation })).await;
    let view = mei.expect("conversation").await["conversation"].clone();
    assert_eq!(view["identity_verified"]["verified_by"]["name"], "Mei");
    assert_eq!(view["identity_verified"]["checks"].as_array().unwrap().len(), 3);
    assert!(!view.to_string().contains("4321"), "an answer was kept: {view}");
}

#[tokio::test]
async fn the_automatic_freeze_freezes_a_stolen_account_chat_without_an_agent() {
    let (wallet, url) = start_wallet().await;
    let daemon = wallet_daemon(&url, &[], &[("SWITCHBOARD__PLAYBOOK__AUTO_FREEZE", "true")]).await;
    let mut chen = customer(&daemon, "u-chen", "en").await;
    let conversation = say(&mut chen, "c1", STOLEN_EN).await;
    let told = system_message(&mut chen).await;
    assert!(told["text"].as_str().unwrap().contains("frozen"), "{told}");
    let received = wallet.wait_for(1).await;
    assert_eq!(received.len(), 1);
    assert_eq!(
        (received[0].body["app_user_id"].as_str(), received[0].body["agent"].as_null()),
        (Some("u-chen"), Some(()))
    );
    assert!(received[0].body["reason"].as_str().unwrap().starts_with("automatic"));
    assert_eq!(settled(&daemon, &conversation).await, "done");
    assert_eq!(audited(&daemon, &conversation)[0].0, "system");

    // The agent who takes the conversation sees it was frozen, and by whom.
    daemon.agent_add("mei", "Mei", &[], false, PASSWORD).await;
    let mut mei = Ws::available_agent(&daemon, "mei").await;
    let offer = mei.expect("offer").await;
    mei.send(json!({ "type": "accept", "offer_id": offer["offer_id"] })).await;
    let assigned = mei.expect("assigned").await;
    let action = &assigned["conversation"]["account_actions"][0];
    assert_eq!((action["state"].as_str(), action["automatic"].as_bool()), (Some("done"), Some(true)), "{assigned}");
    // Saying it again freezes nothing more: one automatic freeze per conversation.
    say(&mut chen, "c2", STOLEN_EN).await;
    say(&mut chen, "c3", "are you there?").await;
    mei.expect("message").await;
    assert_eq!(wallet.received().len(), 1);
}

#[tokio::test]
async fn a_funds_not_received_chat_is_asked_for_the_details_and_the_agent_gets_them_first() {
    let (_wallet, url) = start_wallet().await;
    let daemon = wallet_daemon(&url, &[], &[]).await;
    let mut li = customer(&daemon, "u-li", "en").await;
    let conversation = say(&mut li, "c1", "My transfer has not arrived yet, can you check?").await;
    let questions = system_message(&mut li).await;
    let text = questions["text"].as_str().unwrap();
    assert!(text.contains("When did you make the transfer") && text.contains("1. "), "{text}");
    say(&mut li, "c2", "I sent $350 to Zhang Wei yesterday at 3pm, order number TX20261206001").await;

    daemon.agent_add("mei", "Mei", &[], false, PASSWORD).await;
    let mut mei = Ws::available_agent(&daemon, "mei").await;
    let offer = mei.expect("offer").await;
    assert_eq!(offer["conversation"]["id"], conversation.as_str());
    mei.send(json!({ "type": "accept", "offer_id": offer["offer_id"] })).await;
    let assigned = mei.expect("assigned").await;
    let intake = &assigned["conversation"]["intake"];
    assert_eq!(intake["time"], "yesterday at 3pm", "{assigned}");
    assert_eq!((intake["amount"].as_str(), intake["currency"].as_str()), (Some("350"), Some("USD")));
    assert_eq!(intake["counterparty"], "Zhang Wei");
    assert_eq!(intake["order_number"], "TX20261206001");
    // Asked once, however much the customer writes while waiting.
    let asked = assigned["conversation"]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["author"]["role"] == "system")
        .count();
    assert_eq!(asked, 1, "{assigned}");
}
