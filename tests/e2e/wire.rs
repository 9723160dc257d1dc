//! The chat wire contract at its edges: frames that are not text, hellos that are almost
//! right, tokens at the edge of their lifetime or carrying claims that do not hold, and
//! lengths counted in characters.

use std::time::{Duration, Instant};

use serde_json::json;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};

use crate::client::{Closed, PASSWORD, Ws, chat_daemon, customer_token, sign};

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

#[tokio::test]
async fn invalid_utf8_in_a_text_frame_closes_with_1007() {
    let daemon = chat_daemon().await;
    for hello_first in [false, true] {
        let mut ws = if hello_first {
            Ws::customer(&daemon, "u-bytes", None).await.0
        } else {
            Ws::connect(&daemon, "/v1/chat").await
        };
        let frame = Frame::message(vec![b'{', 0xff, 0xfe, b'}'], OpCode::Data(Data::Text), true);
        ws.send_raw(Message::Frame(frame)).await;
        assert_eq!(ws.closed().await, Closed::Code(1007), "hello first: {hello_first}");
    }
}

#[tokio::test]
async fn a_mistyped_resume_after_is_a_bad_request_not_a_reason_to_refresh_the_token() {
    let daemon = chat_daemon().await;
    for bad in [json!("5"), json!(1.5), json!(true), json!(-1), json!(u64::MAX)] {
        let mut ws = Ws::connect(&daemon, "/v1/chat").await;
        ws.send(json!({ "type": "hello", "token": customer_token("u-resume"), "resume_after": bad })).await;
        let (frames, closed) = ws.until_closed().await;
        assert_eq!(closed, Closed::Code(4400), "resume_after {bad}: {frames:?}");
        assert_eq!(frames.first().map(|f| &f["code"]), Some(&json!("bad_request")), "resume_after {bad}");
    }
}

#[tokio::test]
async fn a_token_inside_the_clock_leeway_is_served_until_the_leeway_ends() {
    let daemon = chat_daemon().await;
    // Expired two seconds ago: inside the five-second leeway.
    let token = sign(json!({ "sub": "u-leeway", "exp": now() - 2 }));
    let mut ws = Ws::connect(&daemon, "/v1/chat").await;
    ws.send(json!({ "type": "hello", "token": token })).await;
    ws.expect("welcome").await;
    let started = Instant::now();
    ws.send(json!({ "type": "send", "client_id": "c1", "text": "still valid" })).await;
    assert_eq!(ws.expect("ack").await["seq"], 1, "the welcomed session serves");
    assert_eq!(ws.closed().await, Closed::Code(4401));
    assert!(started.elapsed() < Duration::from_secs(6), "closed {:?} after welcome", started.elapsed());
}

#[tokio::test]
async fn claims_that_do_not_hold_never_become_the_customers_identity() {
    let daemon = chat_daemon().await;
    daemon.agent_add("mei", "Mei", &[], false, PASSWORD).await;
    let mut agent = Ws::available_agent(&daemon, "mei").await;
    let token = sign(json!({
        "sub": "u-claims",
        "exp": now() + 600,
        "name": "N".repeat(30_000),
        "phone": "not-a-phone<script>",
        "email": "li\r\nBcc: all@example.com",
    }));
    let mut ws = Ws::connect(&daemon, "/v1/chat").await;
    ws.send(json!({ "type": "hello", "token": token })).await;
    ws.expect("welcome").await;
    ws.send(json!({ "type": "send", "client_id": "c1", "text": "hello" })).await;
    ws.expect("ack").await;
    let echo = ws.expect("message").await;
    assert!(echo["author"]["name"].as_str().unwrap_or_default().len() <= 100, "the oversized name was kept");
    let offer = agent.expect("offer").await;
    agent.send(json!({ "type": "accept", "offer_id": offer["offer_id"] })).await;
    let customer = &agent.expect("assigned").await["conversation"]["customer"];
    assert_eq!(customer["phone"], json!(null), "{customer}");
    assert_eq!(customer["email"], json!(null), "{customer}");
    assert!(customer["name"].as_str().unwrap_or_default().len() <= 100, "{customer}");
}

#[tokio::test]
async fn lengths_are_counted_in_characters() {
    let daemon = chat_daemon().await;
    // 128 characters of Chinese is 384 bytes: a valid `sub`.
    let (mut ws, _) = Ws::customer(&daemon, &"客".repeat(128), None).await;
    // A 64-character client id is allowed however many bytes it takes; 65 characters are not.
    ws.send(json!({ "type": "send", "client_id": "号".repeat(64), "text": "ok" })).await;
    assert_eq!(ws.expect("ack").await["seq"], 1);
    ws.send(json!({ "type": "send", "client_id": "号".repeat(65), "text": "too long an id" })).await;
    let error = ws.expect("error").await;
    assert_eq!(error["code"], "bad_request", "{error}");
}
