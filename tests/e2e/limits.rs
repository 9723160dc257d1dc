//! Bad input and limits: a clear error or the contract's close code, never a crash.

use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use crate::client::{Closed, Ws, chat_daemon, chat_daemon_with};

#[tokio::test]
async fn no_hello_in_ten_seconds_closes_with_4408() {
    let daemon = chat_daemon().await;
    let mut ws = Ws::connect(&daemon, "/v1/chat").await;
    let started = std::time::Instant::now();
    assert_eq!(ws.closed().await, Closed::Code(4408));
    assert!(started.elapsed() >= std::time::Duration::from_secs(9));
}

#[tokio::test]
async fn a_frame_over_the_limit_closes_with_4413() {
    let daemon = chat_daemon_with(&[("SWITCHBOARD__CHAT__MAX_FRAME_BYTES", "4096")]).await;
    let (mut ws, _) = Ws::customer(&daemon, "u-big", None).await;
    ws.send(json!({ "type": "send", "client_id": "big", "text": "x".repeat(5000) })).await;
    assert_eq!(ws.closed().await, Closed::Code(4413));
    // Far over the limit, before hello, too.
    let mut ws = Ws::connect(&daemon, "/v1/chat").await;
    ws.send_raw(Message::Text("y".repeat(100_000).into())).await;
    assert_eq!(ws.closed().await, Closed::Code(4413));
}

#[tokio::test]
async fn malformed_and_unknown_frames_get_an_error_and_the_session_goes_on() {
    let daemon = chat_daemon().await;
    let (mut ws, _) = Ws::customer(&daemon, "u-bad", None).await;
    ws.send_raw(Message::Text("{not json".into())).await;
    let e = ws.recv().await;
    assert_eq!((e["type"].as_str(), e["code"].as_str()), (Some("error"), Some("bad_request")));
    ws.send(json!({ "type": "teleport" })).await;
    let e = ws.recv().await;
    assert_eq!(e["code"], "bad_request");
    assert!(e["message"].as_str().unwrap().contains("teleport"));
    ws.send(json!({ "type": "send", "client_id": "", "text": "x" })).await;
    assert_eq!(ws.recv().await["code"], "bad_request");
    ws.send(json!({ "type": "send", "client_id": "ok", "text": "   " })).await;
    assert_eq!(ws.recv().await["code"], "bad_request");
    ws.send(json!({ "type": "send", "client_id": "ok", "text": "still here", "unknown_field": true })).await;
    assert_eq!(ws.expect("ack").await["seq"], 1);
}

#[tokio::test]
async fn a_flood_is_rate_limited_then_closed_with_4429() {
    let daemon = chat_daemon_with(&[
        ("SWITCHBOARD__CHAT__RATE_PER_S", "1"),
        ("SWITCHBOARD__CHAT__RATE_BURST", "3"),
        ("SWITCHBOARD__CHAT__RATE_TOLERANCE", "5"),
    ])
    .await;
    let (mut ws, _) = Ws::customer(&daemon, "u-flood", None).await;
    for i in 0..20 {
        ws.send(json!({ "type": "typing", "on": i % 2 == 0 })).await;
    }
    let (frames, closed) = ws.until_closed().await;
    // Each frame over the limit is answered, the one that ends the tolerance too.
    let limited = frames.iter().filter(|f| f["code"] == "rate_limited").count();
    assert!(limited > 5, "{frames:?}");
    assert_eq!(frames.last().map(|f| &f["code"]), Some(&json!("rate_limited")), "{frames:?}");
    assert_eq!(closed, Closed::Code(4429));
}
