//! Routing rules over real websockets: language routing and its relaxation, conversations
//! coming back from an agent who stayed away past the grace, an SLA breach moving work to
//! overflow under a supervisor's eyes, and the answer a customer gets outside business hours.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::client::{PASSWORD, SECRET, Ws};
use crate::common::Daemon;

/// A daemon for chat whose queues are `queues` (TOML `[[routing.queues]]` tables).
async fn daemon_with_queues(queues: &str) -> Daemon {
    let config = format!("[routing]\ndefault_queue = \"general\"\n\n{queues}");
    Daemon::builder()
        .env("SWITCHBOARD__CHAT__JWT_SECRET", SECRET)
        .env("SWITCHBOARD__ROUTING__OFFER_TIMEOUT_S", "3")
        .env("SWITCHBOARD__ROUTING__RECONNECT_GRACE_S", "3")
        .config_toml(config)
        .start()
        .await
}

const PAYMENTS: &str = r#"["payment_failed", "funds_not_received", "refund", "international"]"#;
const THE_REST: &str = r#"["how_to", "app_technical", "feedback", "other", "account_compromised", "account_locked",
    "password_reset", "account_closure"]"#;

/// The `general` queue taking `categories`, routing by language with `relax_s` before it
/// relaxes.
fn general_taking(categories: &str, relax_s: u64) -> String {
    format!("[[routing.queues]]\nname = \"general\"\ncategories = {categories}\nlanguage_relax_after_s = {relax_s}\n")
}

/// `general` taking every category.
fn general(relax_s: u64) -> String {
    let all = format!("{}, {}", &PAYMENTS[..PAYMENTS.len() - 1], &THE_REST[1..]);
    general_taking(&all, relax_s)
}

/// A customer who wrote `text`; returns their connection and the conversation id.
async fn customer_writes(daemon: &Daemon, sub: &str, text: &str) -> (Ws, String) {
    let (mut customer, _) = Ws::customer(daemon, sub, None).await;
    customer.send(json!({ "type": "send", "client_id": "c-1", "text": text })).await;
    let ack = customer.expect("ack").await;
    let id = ack["conversation_id"].as_str().expect("the ack names the conversation").to_owned();
    (customer, id)
}

fn offered(frames: &[Value]) -> Vec<String> {
    frames
        .iter()
        .filter(|f| f["type"] == "offer")
        .map(|f| f["conversation"]["id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn agents_get_the_conversations_in_their_language() {
    let daemon = daemon_with_queues(&general(600)).await;
    daemon.agent_add("mei", "Mei", &["zh"], false, PASSWORD).await;
    daemon.agent_add("bob", "Bob", &["en"], false, PASSWORD).await;
    let mut mei = Ws::available_agent(&daemon, "mei").await;
    let mut bob = Ws::available_agent(&daemon, "bob").await;

    let (_wang, chinese) = customer_writes(&daemon, "u-wang", "我的转账三天了还没有到账，请帮我查一下").await;
    let (_ann, english) =
        customer_writes(&daemon, "u-ann", "My transfer has not arrived after three days, please check").await;

    let to_mei = mei.expect("offer").await;
    assert_eq!(to_mei["conversation"]["id"], chinese.as_str(), "the Chinese conversation goes to the zh agent");
    let to_bob = bob.expect("offer").await;
    assert_eq!(to_bob["conversation"]["id"], english.as_str(), "the English conversation goes to the en agent");
    // Neither is offered the other's, even with room to spare.
    assert!(offered(&mei.drain(Duration::from_secs(1)).await).is_empty());
    assert!(offered(&bob.drain(Duration::from_millis(200)).await).is_empty());
}

#[tokio::test]
async fn a_chinese_conversation_reaches_an_english_agent_only_after_the_relaxation_wait() {
    let daemon = daemon_with_queues(&general(3)).await;
    daemon.agent_add("bob", "Bob", &["en"], false, PASSWORD).await;
    let mut bob = Ws::available_agent(&daemon, "bob").await;

    let written = Instant::now();
    let (_wang, chinese) = customer_writes(&daemon, "u-wang", "我的转账三天了还没有到账，请帮我查一下").await;
    assert!(offered(&bob.drain(Duration::from_secs(2)).await).is_empty(), "nobody with zh: it waits at first");
    let offer = bob.expect("offer").await;
    let waited = written.elapsed();
    assert_eq!(offer["conversation"]["id"], chinese.as_str());
    assert!(waited >= Duration::from_millis(2_900), "offered after {waited:?}, before the 3 s relaxation");

    let explained = daemon.cli(&["route", "explain", &chinese], "").await;
    assert!(explained.status.success(), "{explained:?}");
    let text = String::from_utf8_lossy(&explained.stdout);
    assert!(text.contains("triaged") && text.contains("because"), "why the queue: {text}");
    assert!(text.contains("relaxed"), "the relaxation is explained: {text}");
    assert!(text.contains("offered"), "the offer is explained: {text}");
}

#[tokio::test]
async fn an_agent_gone_past_the_grace_sees_their_conversations_offered_to_another() {
    let daemon = daemon_with_queues(&general(600)).await;
    daemon.agent_add("ann", "Ann", &["en"], false, PASSWORD).await;
    daemon.agent_add("bob", "Bob", &["en"], false, PASSWORD).await;
    let mut ann = Ws::available_agent(&daemon, "ann").await;
    let (_customer, id) = customer_writes(&daemon, "u-1", "How do I change my phone number in the app?").await;
    assert_eq!(ann.accept_next_offer().await, id);
    drop(ann);

    let mut bob = Ws::available_agent(&daemon, "bob").await;
    let offer = bob.expect("offer").await;
    assert_eq!(offer["conversation"]["id"], id.as_str(), "back in the queue once the 3 s grace ran out");
    bob.send(json!({ "type": "accept", "offer_id": offer["offer_id"] })).await;
    let assigned = bob.expect("assigned").await;
    assert_eq!(assigned["conversation"]["messages"][0]["text"], "How do I change my phone number in the app?");
}

#[tokio::test]
async fn an_sla_breach_moves_work_to_overflow_and_the_supervisor_sees_it() {
    let queues = format!(
        "{}\n[[routing.queues]]\nname = \"payments\"\ncategories = {PAYMENTS}\n\
         first_response_s = {{ urgent = 2, high = 2, normal = 2, low = 2 }}\noverflow = \"overflow\"\n\n\
         [[routing.queues]]\nname = \"overflow\"\n",
        general_taking(THE_REST, 600)
    );
    let daemon = daemon_with_queues(&queues).await;
    daemon.agent_add("sam", "Sam", &[], true, PASSWORD).await;
    let (mut sam, _) = Ws::agent(&daemon, "sam").await;
    sam.send(json!({ "type": "subscribe_stats" })).await;
    let first = sam.expect("stats").await;
    let names: Vec<&str> = first["queues"].as_array().unwrap().iter().map(|q| q["queue"].as_str().unwrap()).collect();
    assert_eq!(names, ["general", "payments", "overflow"]);

    let (_customer, id) = customer_writes(&daemon, "u-pay", "My card payment failed twice at the merchant").await;
    let breach = sam.expect("sla_breached").await;
    assert_eq!(breach["conversation_id"], id.as_str());
    assert_eq!((breach["queue"].as_str(), breach["moved_to"].as_str()), (Some("payments"), Some("overflow")));

    // Within a second or two the stats show it waiting in overflow, and payments empty.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let stats = sam.expect("stats").await;
        let queue = |name: &str| stats["queues"].as_array().unwrap().iter().find(|q| q["queue"] == name).cloned();
        let (payments, overflow) = (queue("payments").unwrap(), queue("overflow").unwrap());
        if overflow["waiting"] == 1 && payments["waiting"] == 0 {
            assert!(overflow["longest_wait_s"].as_u64().unwrap() >= 2, "{stats}");
            break;
        }
        assert!(Instant::now() < deadline, "overflow never showed the breached conversation: {stats}");
    }
    let explained = daemon.cli(&["route", "explain", &id], "").await;
    let text = String::from_utf8_lossy(&explained.stdout);
    assert!(text.contains("first-response target breached in payments"), "{text}");
    assert!(text.contains("moved from payments to overflow"), "{text}");
}

#[tokio::test]
async fn outside_business_hours_the_customer_is_told_in_their_language() {
    // Open all week except today, a holiday: closed now, open again at midnight.
    let today = jiff::Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
    let queues = format!(
        "{}hours = {{ zone = \"UTC\", weekly = [\"mon-sun 00:00-24:00\"], holidays = [\"{today}\"] }}\n",
        general(600)
    );
    let daemon = daemon_with_queues(&queues).await;
    let (mut wang, _) = customer_writes(&daemon, "u-wang", "你好，请问怎么修改绑定的手机号码？").await;
    let notice = loop {
        let m = wang.expect("message").await;
        if m["author"]["role"] == "system" {
            break m;
        }
    };
    let text = notice["text"].as_str().unwrap();
    assert!(text.contains("不在服务时间内"), "answered in Chinese: {text}");
    assert!(text.contains("00:00（UTC）"), "says when it opens, in the queue's time: {text}");
    assert!(text.contains("回拨"), "a chat customer is offered a callback: {text}");

    let (mut ann, _) = customer_writes(&daemon, "u-ann", "Hello, how do I change my phone number?").await;
    let notice = loop {
        let m = ann.expect("message").await;
        if m["author"]["role"] == "system" {
            break m;
        }
    };
    assert!(notice["text"].as_str().unwrap().starts_with("Hello, we are closed at the moment and open again on "));
}
