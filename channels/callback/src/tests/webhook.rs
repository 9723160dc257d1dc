//! The webhook dialer against a fake telephone system, and the telephone system's events.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};
use switchboard_channel::{Adapter, CallEvent, DeliveryError, Dial, DialOrder, Secret};

use super::{Served, serve, token};
use crate::{CallbackConfig, DialerKind};
use switchboard_channel::webhook::signature::{self, SIGNATURE_HEADER, TIMESTAMP_HEADER};

const SECRET: &str = "pbx-secret-pbx-secret-pbx-secret";

/// A telephone system that answers with the statuses it is given (200 when out of them)
/// and keeps every request it got.
#[derive(Default)]
struct FakePbx {
    answers: Mutex<VecDeque<u16>>,
    got: Mutex<Vec<(HeaderMap, Bytes)>>,
}

async fn pbx_calls(State(pbx): State<Arc<FakePbx>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    pbx.got.lock().unwrap().push((headers, body));
    let status = pbx.answers.lock().unwrap().pop_front().unwrap_or(200);
    StatusCode::from_u16(status).unwrap()
}

async fn fake_pbx(answers: &[u16]) -> (Arc<FakePbx>, String) {
    let pbx = Arc::new(FakePbx { answers: Mutex::new(answers.iter().copied().collect()), ..FakePbx::default() });
    let router = axum::Router::new().route("/calls", axum::routing::post(pbx_calls)).with_state(pbx.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/calls", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (pbx, url)
}

fn webhook_config(url: &str) -> CallbackConfig {
    let mut c = CallbackConfig { dialer: DialerKind::Webhook, ..CallbackConfig::default() };
    c.webhook.url = url.into();
    c.webhook.secret = Secret::new(SECRET);
    c.webhook.retries = 2;
    c
}

fn dial() -> Dial {
    Dial {
        callback_id: "cb-1".into(),
        conversation_id: "c-1".into(),
        customer_phone: "+8613800138000".into(),
        agent: Some("li.na".into()),
        attempt: 2,
    }
}

#[tokio::test]
async fn a_dial_is_signed_and_carries_the_call() {
    let (pbx, url) = fake_pbx(&[]).await;
    let s = serve(webhook_config(&url)).await;
    let service = s.channel.callbacks().unwrap();
    assert_eq!(service.dial_order(), DialOrder::AgentFirst);
    service.dial(&dial()).await.unwrap();
    let got = pbx.got.lock().unwrap();
    let (headers, body) = &got[0];
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let now_s = s.now().0 / 1000;
    signature::verify(SECRET.as_bytes(), header(TIMESTAMP_HEADER), header(SIGNATURE_HEADER), body, now_s, 5)
        .expect("the fake telephone system verifies our signature");
    assert_eq!(header("idempotency-key"), Some("cb-1:2"));
    let body: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(
        body,
        json!({"callback_id": "cb-1", "conversation_id": "c-1", "customer_phone": "+8613800138000",
            "agent": "li.na", "attempt": 2, "order": "agent_first"})
    );
}

#[tokio::test]
async fn a_transient_failure_is_retried() {
    let (pbx, url) = fake_pbx(&[500, 429]).await;
    let s = serve(webhook_config(&url)).await;
    s.channel.callbacks().unwrap().dial(&dial()).await.unwrap();
    assert_eq!(pbx.got.lock().unwrap().len(), 3, "500, 429, then 200");
    // Retries stop at the configured number.
    pbx.answers.lock().unwrap().extend([503, 503, 503, 503]);
    let e = s.channel.callbacks().unwrap().dial(&dial()).await.unwrap_err();
    assert!(matches!(e, DeliveryError::Transient(_)), "{e}");
    assert_eq!(pbx.got.lock().unwrap().len(), 6, "one try and two retries");
}

#[tokio::test]
async fn a_refusal_is_permanent_and_repeated_failures_show_in_readiness() {
    let (pbx, url) = fake_pbx(&[400, 400, 400]).await;
    let s = serve(webhook_config(&url)).await;
    let (service, outbound) = (s.channel.callbacks().unwrap(), s.channel.outbound());
    assert!(outbound.ready().await.is_ok());
    for _ in 0..3 {
        let e = service.dial(&dial()).await.unwrap_err();
        assert!(matches!(e, DeliveryError::Permanent(_)), "{e}");
    }
    assert_eq!(pbx.got.lock().unwrap().len(), 3, "a 400 is never retried");
    assert!(outbound.ready().await.unwrap_err().contains("dials failed"));
    service.dial(&dial()).await.unwrap();
    assert!(outbound.ready().await.is_ok(), "a working call makes it ready again");
}

#[tokio::test]
async fn the_manual_dialer_dials_nothing_and_takes_no_events() {
    let s = serve(CallbackConfig::default()).await;
    let service = s.channel.callbacks().unwrap();
    assert_eq!(service.dial_order(), DialOrder::Manual);
    service.dial(&dial()).await.unwrap();
    let (status, _) = event(&s, "cb-1", r#"{"event":"answered","event_id":"e1"}"#, 0, SECRET).await;
    assert_eq!(status, 404);
}

/// Posts an event signed with `secret`, `skew_s` seconds off our clock.
async fn event(s: &Served, id: &str, body: &str, skew_s: i64, secret: &str) -> (u16, Value) {
    let ts = s.now().0 / 1000 + skew_s;
    let r = s
        .http
        .post(format!("{}/v1/callbacks/{id}/events", s.base))
        .header(TIMESTAMP_HEADER, ts.to_string())
        .header(SIGNATURE_HEADER, signature::sign(secret.as_bytes(), ts, body.as_bytes()))
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// A served webhook channel with one request, `cb-1`.
async fn with_request() -> Served {
    let s = serve(webhook_config("http://127.0.0.1:9/calls")).await;
    let r = s
        .http
        .post(format!("{}/v1/callbacks", s.base))
        .bearer_auth(token("u1", None))
        .body(r#"{"phone":"+8613800138000","reason":"x"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    s
}

#[tokio::test]
async fn a_signed_event_reaches_the_desk_once() {
    let s = with_request().await;
    let body = r#"{"event":"answered","event_id":"pbx-77"}"#;
    let (status, record) = event(&s, "cb-1", body, 0, SECRET).await;
    assert_eq!((status, record["status"].as_str()), (200, Some("in_progress")));
    assert_eq!(*s.desk.events.lock().unwrap(), [("cb-1".to_owned(), CallEvent::Answered)]);
    assert!(s.sink.state.lock().unwrap().contains_key("pbx-event:cb-1:pbx-77"), "kept durably");
    // The same event again, freshly signed (a retry of the telephone system): refused.
    let (status, error) = event(&s, "cb-1", body, 1, SECRET).await;
    assert_eq!((status, error["error"]["code"].as_str()), (409, Some("conflict")));
    // Also once memory has forgotten it: the durable record holds.
    s.clock.advance(Duration::from_secs(3600));
    assert_eq!(event(&s, "cb-1", body, 0, SECRET).await.0, 409);
    assert_eq!(s.desk.events.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn unsigned_forged_stale_and_unknown_events_are_refused() {
    let s = with_request().await;
    let body = r#"{"event":"no_answer","event_id":"e1"}"#;
    let r = s.http.post(format!("{}/v1/callbacks/cb-1/events", s.base)).body(body).send().await.unwrap();
    assert_eq!(r.status(), 401, "unsigned");
    assert_eq!(event(&s, "cb-1", body, 0, "another-secret-another-secret-xx").await.0, 401, "forged");
    assert_eq!(event(&s, "cb-1", body, -301, SECRET).await.0, 401, "stale");
    let (status, error) = event(&s, "cb-1", r#"{"event":"exploded","event_id":"e1"}"#, 0, SECRET).await;
    assert_eq!((status, error["error"]["field"].as_str()), (400, Some("event")));
    assert_eq!(event(&s, "cb-404", body, 0, SECRET).await.0, 404);
    assert!(s.desk.events.lock().unwrap().is_empty());
    assert_eq!(event(&s, "cb-1", body, 0, SECRET).await.0, 200, "e1 was never taken, so it still can be");
}

#[tokio::test]
async fn an_event_the_desk_refused_can_be_sent_again() {
    let s = with_request().await;
    s.desk.busy_once.store(true, std::sync::atomic::Ordering::SeqCst);
    let body = r#"{"event":"busy","event_id":"e9"}"#;
    let (status, error) = event(&s, "cb-1", body, 0, SECRET).await;
    assert_eq!((status, error["error"]["code"].as_str()), (503, Some("unavailable")));
    assert_eq!(event(&s, "cb-1", body, 0, SECRET).await.0, 200);
}
