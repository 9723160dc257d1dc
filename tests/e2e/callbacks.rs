//! Phone callbacks over the real daemon: requests checked and owned, offered to an agent with
//! the number, reason and history, retried after a missed call at the scheduled time,
//! completed and resolved; windows and calling hours; the webhook dialer against a small
//! local telephone system.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::client::{PASSWORD, SECRET, Ws, customer_token, sign};
use crate::common::Daemon;

/// Calls are allowed at any hour, so the tests do not depend on when they run.
const ALWAYS: &str = "[callback.calling_hours]\nmon = \"00:00-24:00\"\ntue = \"00:00-24:00\"\n\
                      wed = \"00:00-24:00\"\nthu = \"00:00-24:00\"\nfri = \"00:00-24:00\"\n\
                      sat = \"00:00-24:00\"\nsun = \"00:00-24:00\"\n";

async fn daemon(callback: &str) -> Daemon {
    Daemon::builder()
        .env("SWITCHBOARD__CHAT__JWT_SECRET", SECRET)
        .env("SWITCHBOARD__ROUTING__OFFER_TIMEOUT_S", "5")
        .config_toml(callback)
        .start()
        .await
}

/// A token for `sub` that vouches for `phone`.
fn token_with_phone(sub: &str, phone: &str) -> String {
    let exp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() + 3600;
    sign(json!({ "sub": sub, "exp": exp, "name": format!("Customer {sub}"), "lang": "en", "phone": phone }))
}

async fn post(daemon: &Daemon, token: &str, body: Value) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/callbacks", daemon.base_url()))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("the callback API answers");
    (resp.status().as_u16(), resp.json().await.expect("a JSON body"))
}

async fn get(daemon: &Daemon, token: &str, id: &str) -> (u16, Value) {
    on_request(daemon, reqwest::Method::GET, token, id).await
}

async fn delete(daemon: &Daemon, token: &str, id: &str) -> (u16, Value) {
    on_request(daemon, reqwest::Method::DELETE, token, id).await
}

async fn on_request(daemon: &Daemon, method: reqwest::Method, token: &str, id: &str) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .request(method, format!("{}/v1/callbacks/{id}", daemon.base_url()))
        .bearer_auth(token)
        .send()
        .await
        .expect("the callback API answers");
    (resp.status().as_u16(), resp.json().await.expect("a JSON body"))
}

/// Polls a request until `done` holds of it, for at most `within`.
async fn until(daemon: &Daemon, token: &str, id: &str, within: Duration, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + within;
    loop {
        let (status, body) = get(daemon, token, id).await;
        assert_eq!(status, 200, "{body}");
        if done(&body) {
            return body;
        }
        assert!(Instant::now() < deadline, "the request never got there: {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn rfc3339(at: std::time::SystemTime) -> String {
    let secs = at.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    time::OffsetDateTime::from_unix_timestamp(secs)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

#[tokio::test]
async fn a_callback_is_offered_missed_retried_on_schedule_then_reached_and_resolved() {
    let daemon = daemon(&format!("[callback]\nretry_backoff_s = [2]\nmax_attempts = 3\n{ALWAYS}")).await;
    daemon.agent_add("mei", "Mei", &[], false, PASSWORD).await;
    let phone = "+8613800138000";
    let token = token_with_phone("u-call", phone);
    // The customer wrote in the chat before: that is their history, and where they hear of
    // the call.
    let (mut chat, _) = Ws::customer(&daemon, "u-call", None).await;
    chat.send(json!({ "type": "send", "client_id": "c-1", "text": "My transfer has not arrived" })).await;
    chat.expect("ack").await;
    let mut mei = Ws::available_agent(&daemon, "mei").await;
    let chat_id = mei.accept_next_offer().await;
    mei.send(json!({ "type": "resolve", "conversation_id": chat_id })).await;
    mei.expect("unassigned").await;

    let reason = "Please call me about the transfer, I would rather talk";
    let (status, created) = post(&daemon, &token, json!({ "phone": "+86 138-0013-8000", "reason": reason })).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!((created["status"].as_str(), created["phone"].as_str()), (Some("queued"), Some(phone)));
    // Asking again for the same number gives the same request back.
    let (status, again) = post(&daemon, &token, json!({ "phone": phone, "reason": "hello?" })).await;
    assert_eq!((status, &again["id"]), (200, &created["id"]));

    system_message(&mut chat, "an agent will call you").await;
    let offer = mei.expect("offer").await;
    let summary = &offer["conversation"];
    assert_eq!(summary["channel"], "callback");
    assert_eq!(summary["id"], created["conversation_id"]);
    assert_eq!(summary["preview"], reason);
    assert_eq!(
        (summary["callback"]["phone"].as_str(), summary["callback"]["attempts"].as_u64()),
        (Some(phone), Some(0))
    );
    assert_eq!(summary["callback"]["tel"], format!("tel:{phone}"));
    assert!(summary["callback"].get("warning").is_none(), "the app vouches for this number: {summary}");
    let history = summary["history"].as_array().expect("the customer's history");
    assert!(history.iter().any(|h| h["id"] == chat_id.as_str() && h["channel"] == "chat"), "{history:?}");

    mei.send(json!({ "type": "accept", "offer_id": offer["offer_id"] })).await;
    let assigned = mei.expect("assigned").await;
    assert_eq!(assigned["conversation"]["callback"]["phone"], phone);
    let conversation_id = created["conversation_id"].as_str().unwrap().to_owned();
    until(&daemon, &token, &id, Duration::from_secs(10), |r| r["status"] == "in_progress").await;

    let missed_at = Instant::now();
    mei.send(json!({ "type": "callback_outcome", "conversation_id": conversation_id, "outcome": "no_answer", "note": "rang out" })).await;
    let moved = callback_in(&mut mei, "scheduled").await;
    assert_eq!(moved["callback"]["attempts"], 1);
    assert_eq!(mei.expect("unassigned").await["reason"], "rescheduled");
    let scheduled = get(&daemon, &token, &id).await.1;
    assert_eq!((scheduled["status"].as_str(), scheduled["attempts"].as_u64()), (Some("scheduled"), Some(1)));
    assert_eq!(scheduled["outcome"], "no_answer");
    assert!(scheduled["next_attempt_at"].is_string(), "{scheduled}");
    // The customer, still in the app, hears the call was missed and when the next one is.
    let told = system_message(&mut chat, "could not reach you").await;
    assert!(told["text"].as_str().unwrap().contains(phone), "{told}");

    // The retry comes back to the agents at the scheduled time, not before.
    let offer = mei.expect("offer").await;
    assert!(missed_at.elapsed() >= Duration::from_millis(1500), "the retry waited its backoff");
    assert_eq!(offer["conversation"]["callback"]["attempts"], 1);
    mei.send(json!({ "type": "accept", "offer_id": offer["offer_id"] })).await;
    mei.expect("assigned").await;
    until(&daemon, &token, &id, Duration::from_secs(10), |r| r["status"] == "in_progress").await;
    mei.send(json!({ "type": "callback_outcome", "conversation_id": conversation_id, "outcome": "reached" })).await;
    callback_in(&mut mei, "completed").await;
    let reached = get(&daemon, &token, &id).await.1;
    assert_eq!((reached["status"].as_str(), reached["outcome"].as_str()), (Some("completed"), Some("reached")));
    assert_eq!(reached["attempts"], 2);
    // Reached leaves the conversation with the agent, who resolves it.
    mei.send(json!({ "type": "open", "conversation_id": conversation_id })).await;
    let open = mei.expect("conversation").await;
    assert_eq!(open["conversation"]["status"], "assigned");
    assert_eq!(open["conversation"]["callback"]["outcome"], "reached");
    assert!(
        open["conversation"]["messages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["internal"] == true && m["text"] == "rang out")
    );
    mei.send(json!({ "type": "resolve", "conversation_id": conversation_id })).await;
    mei.expect("unassigned").await;
    assert_eq!(get(&daemon, &token, &id).await.1["status"], "completed");
    // An outcome for a call no longer in progress is refused.
    mei.send(json!({ "type": "callback_outcome", "conversation_id": conversation_id, "outcome": "busy" })).await;
    mei.expect("error").await;
    assert_eq!(get(&daemon, &token, &id).await.1["attempts"], 2);
}

/// The next `callback` frame that shows the request `status` (the agent also hears of the
/// steps before).
async fn callback_in(agent: &mut Ws, status: &str) -> Value {
    loop {
        let f = agent.expect("callback").await;
        if f["callback"]["status"] == status {
            return f;
        }
    }
}

/// The next system message the customer's chat shows that says `words`.
async fn system_message(chat: &mut Ws, words: &str) -> Value {
    loop {
        let m = chat.expect("message").await;
        if m["author"]["role"] == "system" && m["text"].as_str().is_some_and(|t| t.contains(words)) {
            return m;
        }
    }
}

#[tokio::test]
async fn requests_are_checked_normalised_and_seen_only_by_their_customer() {
    let limits = "[callback.rate]\nper_customer_per_hour = 100\nper_address_per_minute = 1000\n";
    let daemon = daemon(&format!("[callback]\ndo_not_call = [\"+12025550199\"]\n{limits}{ALWAYS}")).await;
    let token = customer_token("u-matrix");
    for (typed, e164) in [
        ("+86 138 0013 8000", "+8613800138000"),
        ("+1 (202) 555-0143", "+12025550143"),
        ("+44 7400 123456", "+447400123456"),
        ("+852 9123 4567", "+85291234567"),
    ] {
        let (status, body) = post(&daemon, &token, json!({ "phone": typed, "reason": "call me" })).await;
        assert_eq!((status, body["phone"].as_str()), (201, Some(e164)), "{typed}: {body}");
        assert_eq!(body["status"], "queued");
    }
    let past = rfc3339(std::time::SystemTime::now() - Duration::from_secs(3600));
    let earlier = rfc3339(std::time::SystemTime::now() - Duration::from_secs(7200));
    let cases = [
        (json!({ "phone": "+86138", "reason": "call me" }), 422, "invalid_phone", "phone"),
        (json!({ "phone": "+86 phone me", "reason": "call me" }), 422, "invalid_phone", "phone"),
        (json!({ "phone": "+999 1234 5678", "reason": "call me" }), 422, "invalid_phone", "phone"),
        (json!({ "phone": "+12025550199", "reason": "call me" }), 403, "do_not_call", "phone"),
        (json!({ "phone": "+8613900139000", "reason": "   " }), 400, "bad_request", "reason"),
        (
            json!({ "phone": "+8613900139000", "reason": "call me", "window": { "start": earlier, "end": past } }),
            400,
            "bad_request",
            "window.end",
        ),
    ];
    for (body, status, code, field) in cases {
        let (got, answer) = post(&daemon, &token, body.clone()).await;
        assert_eq!(
            (got, answer["error"]["code"].as_str(), answer["error"]["field"].as_str()),
            (status, Some(code), Some(field)),
            "{body}: {answer}"
        );
    }
    let huge = json!({ "phone": "+8613900139000", "reason": "x".repeat(40_000) });
    let (status, answer) = post(&daemon, &token, huge).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (413, Some("too_large")));
    // None of the refused requests was kept: the number refused for an empty reason is free.
    let (status, _) = post(&daemon, &token, json!({ "phone": "+8613900139000", "reason": "call me now" })).await;
    assert_eq!(status, 201);

    let (_, mine) = post(&daemon, &token, json!({ "phone": "+8613700137000", "reason": "call me please" })).await;
    let id = mine["id"].as_str().unwrap();
    let stranger = customer_token("u-stranger");
    assert_eq!(get(&daemon, &stranger, id).await.0, 404);
    assert_eq!(delete(&daemon, &stranger, id).await.0, 404);
    assert_eq!(get(&daemon, &token, id).await.1["status"], "queued", "the stranger changed nothing");
    let (status, cancelled) = delete(&daemon, &token, id).await;
    assert_eq!((status, cancelled["status"].as_str()), (200, Some("cancelled")));
    // Cancelled, the number is free for a new request.
    let (status, fresh) =
        post(&daemon, &token, json!({ "phone": "+8613700137000", "reason": "call me after all" })).await;
    assert_eq!(status, 201);
    assert_ne!(fresh["id"], mine["id"]);
}

#[tokio::test]
async fn a_window_that_closes_before_anyone_calls_ends_the_request_failed() {
    let daemon = daemon(&format!("[callback]\n{ALWAYS}")).await;
    let token = customer_token("u-window");
    let now = std::time::SystemTime::now();
    let window =
        json!({ "start": rfc3339(now + Duration::from_secs(4)), "end": rfc3339(now + Duration::from_secs(7)) });
    let (status, body) =
        post(&daemon, &token, json!({ "phone": "+8613800138000", "reason": "call me", "window": window })).await;
    assert_eq!((status, body["status"].as_str()), (201, Some("scheduled")), "{body}");
    let id = body["id"].as_str().unwrap();
    // Its window opens: it waits for an agent; nobody is there, and the window closes.
    until(&daemon, &token, id, Duration::from_secs(10), |r| r["status"] == "queued").await;
    let failed = until(&daemon, &token, id, Duration::from_secs(15), |r| r["status"] == "failed").await;
    assert_eq!(failed["failure"], "window_closed");
}

#[tokio::test]
async fn a_request_outside_calling_hours_waits_for_them() {
    // Calling hours are one hour a day, starting two hours from now in UTC.
    let now = time::OffsetDateTime::now_utc();
    let opens = (now.hour() + 2) % 24;
    let hours = format!("\"{opens:02}:00-{:02}:00\"", (opens + 1) % 24);
    let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map(|d| format!("{d} = {hours}")).join("\n");
    let daemon = daemon(&format!("[callback]\n[callback.calling_hours]\n{days}\n")).await;
    daemon.agent_add("sam", "Sam", &[], false, PASSWORD).await;
    let mut sam = Ws::available_agent(&daemon, "sam").await;
    let token = customer_token("u-night");
    let (status, body) =
        post(&daemon, &token, json!({ "phone": "+8613800138000", "reason": "call me", "zone": "UTC" })).await;
    assert_eq!((status, body["status"].as_str()), (201, Some("scheduled")), "{body}");
    let next = time::OffsetDateTime::parse(
        body["next_attempt_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert_eq!((next.hour(), next.minute()), (opens, 0), "it comes up when calling hours open: {body}");
    assert!(next > now && next - now < time::Duration::hours(3), "{body}");
    let quiet = sam.drain(Duration::from_secs(2)).await;
    assert!(quiet.iter().all(|f| f["type"] != "offer"), "nobody is offered a call outside calling hours: {quiet:?}");
}

/// A telephone system: records the calls it is asked to place.
#[derive(Clone, Default)]
struct Pbx {
    calls: Arc<Mutex<Vec<(String, String, Value)>>>,
}

const PBX_SECRET: &str = "pbx-secret-pbx-secret-pbx-secret-42";

fn signature(timestamp: &str, body: &str) -> String {
    crate::client::webhook_signature(PBX_SECRET, timestamp, body)
}

async fn start_pbx() -> (Pbx, String) {
    use axum::extract::State;
    use axum::http::HeaderMap;
    let pbx = Pbx::default();
    let app = axum::Router::new()
        .route(
            "/dial",
            axum::routing::post(|State(pbx): State<Pbx>, headers: HeaderMap, body: String| async move {
                let header =
                    |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
                let call = serde_json::from_str(&body).unwrap_or(Value::Null);
                let signed = header("x-switchboard-signature") == signature(&header("x-switchboard-timestamp"), &body);
                pbx.calls.lock().unwrap().push((signed.to_string(), header("idempotency-key"), call));
                "ok"
            }),
        )
        .with_state(pbx.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/dial", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (pbx, url)
}

/// A daemon whose webhook dialer calls the telephone system at `url`, in `order`; `retries`
/// is more of the `[callback]` section.
async fn webhook_daemon(retries: &str, url: &str, order: &str) -> Daemon {
    let config = format!(
        "[callback]\ndialer = \"webhook\"\n{retries}\n{ALWAYS}\n[callback.webhook]\nurl = \"{url}\"\norder = \"{order}\"\n"
    );
    Daemon::builder()
        .env("SWITCHBOARD__CHAT__JWT_SECRET", SECRET)
        .env("SWITCHBOARD__CALLBACK__WEBHOOK__SECRET", PBX_SECRET)
        .config_toml(config)
        .start()
        .await
}

async fn event(daemon: &Daemon, id: &str, body: Value, signed: bool) -> (u16, Value) {
    let body = body.to_string();
    let timestamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs().to_string();
    let sig = if signed { signature(&timestamp, &body) } else { "sha256=00".into() };
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/callbacks/{id}/events", daemon.base_url()))
        .header("content-type", "application/json")
        .header("x-switchboard-timestamp", timestamp)
        .header("x-switchboard-signature", sig)
        .body(body)
        .send()
        .await
        .expect("the events endpoint answers");
    (resp.status().as_u16(), resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_webhook_dialer_calls_the_agent_first_and_the_telephone_system_reports_the_outcome() {
    let (pbx, url) = start_pbx().await;
    let daemon = webhook_daemon("retry_backoff_s = [600]", &url, "agent_first").await;
    daemon.agent_add("li", "Li", &[], false, PASSWORD).await;
    let mut li = Ws::available_agent(&daemon, "li").await;
    // The app vouches for another number: the agent is warned before calling.
    let token = token_with_phone("u-pbx", "+8613911112222");
    let (_, created) =
        post(&daemon, &token, json!({ "phone": "+8613800138000", "reason": "my account is locked" })).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let offer = li.expect("offer").await;
    assert!(
        offer["conversation"]["callback"]["warning"].as_str().is_some_and(|w| w.contains("not the phone")),
        "{offer}"
    );
    li.send(json!({ "type": "accept", "offer_id": offer["offer_id"] })).await;
    li.expect("assigned").await;

    // Accepting rings the agent first: the telephone system gets a signed request.
    let deadline = Instant::now() + Duration::from_secs(10);
    let call = loop {
        if let Some(call) = pbx.calls.lock().unwrap().first().cloned() {
            break call;
        }
        assert!(Instant::now() < deadline, "the dialer never called");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(call.0, "true", "the request is signed with the shared secret");
    assert_eq!(call.1, format!("{id}:1"));
    assert_eq!((call.2["callback_id"].as_str(), call.2["agent"].as_str()), (Some(id.as_str()), Some("li")));
    assert_eq!(call.2["customer_phone"], "+8613800138000");

    // Unsigned events are refused; a signed one moves the request to its outcome.
    assert_eq!(event(&daemon, &id, json!({ "event": "answered", "event_id": "e-0" }), false).await.0, 401);
    assert_eq!(get(&daemon, &token, &id).await.1["status"], "in_progress");
    let (status, missed) = event(&daemon, &id, json!({ "event": "busy", "event_id": "e-1" }), true).await;
    assert_eq!(
        (status, missed["status"].as_str(), missed["outcome"].as_str()),
        (200, Some("scheduled"), Some("busy")),
        "{missed}"
    );
    assert_eq!(li.expect("unassigned").await["reason"], "rescheduled");
    // The same event again is a replay.
    assert_eq!(event(&daemon, &id, json!({ "event": "busy", "event_id": "e-1" }), true).await.0, 409);
    // An event for a call no longer in progress does not fit.
    assert_eq!(event(&daemon, &id, json!({ "event": "answered", "event_id": "e-2" }), true).await.0, 409);
    assert_eq!(get(&daemon, &token, &id).await.1["attempts"], 1);
}

#[tokio::test]
async fn a_scheduled_callback_survives_a_crash_and_comes_up_at_its_time() {
    let mut daemon = daemon(&format!("[callback]\n{ALWAYS}")).await;
    daemon.agent_add("kai", "Kai", &[], false, PASSWORD).await;
    let token = customer_token("u-crash");
    let now = std::time::SystemTime::now();
    let window =
        json!({ "start": rfc3339(now + Duration::from_secs(4)), "end": rfc3339(now + Duration::from_secs(3600)) });
    let (_, created) =
        post(&daemon, &token, json!({ "phone": "+8613800138000", "reason": "call me", "window": window })).await;
    assert_eq!(created["status"], "scheduled", "{created}");
    daemon.kill9();
    daemon.restart().await;
    let mut kai = Ws::available_agent(&daemon, "kai").await;
    let offer = kai.expect("offer").await;
    assert_eq!(offer["conversation"]["id"], created["conversation_id"]);
    assert!(std::time::SystemTime::now() >= now + Duration::from_secs(3), "not before its window opened");
    assert_eq!(get(&daemon, &token, created["id"].as_str().unwrap()).await.1["status"], "queued");
}

/// Waits until the telephone system has been asked for `n` calls; returns the last.
async fn nth_call(pbx: &Pbx, n: usize) -> (String, String, Value) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(call) = pbx.calls.lock().unwrap().get(n - 1).cloned() {
            return call;
        }
        assert!(Instant::now() < deadline, "the dialer was never asked for call {n}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn customers_called_first_are_retried_until_the_maximum_and_an_answer_brings_an_agent() {
    let (pbx, url) = start_pbx().await;
    let daemon = webhook_daemon("max_attempts = 2\nretry_backoff_s = [1]", &url, "customer_first").await;
    daemon.agent_add("ana", "Ana", &[], false, PASSWORD).await;
    let mut ana = Ws::available_agent(&daemon, "ana").await;
    let token = customer_token("u-first");

    // Nobody answers, twice: the request ends failed, with nothing offered to an agent.
    let (_, unlucky) = post(&daemon, &token, json!({ "phone": "+8613800138000", "reason": "call me" })).await;
    assert_eq!(unlucky["status"], "in_progress", "the customer is being called: {unlucky}");
    let id = unlucky["id"].as_str().unwrap().to_owned();
    let first = nth_call(&pbx, 1).await;
    assert_eq!((first.2["agent"].clone(), first.2["attempt"].as_u64()), (Value::Null, Some(1)));
    event(&daemon, &id, json!({ "event": "no_answer", "event_id": "n-1" }), true).await;
    let second = nth_call(&pbx, 2).await;
    assert_eq!((second.1.as_str(), second.2["attempt"].as_u64()), (format!("{id}:2").as_str(), Some(2)));
    let (status, ended) = event(&daemon, &id, json!({ "event": "busy", "event_id": "n-2" }), true).await;
    assert_eq!(status, 200);
    assert_eq!((ended["status"].as_str(), ended["failure"].as_str()), (Some("failed"), Some("attempts_exhausted")));
    assert_eq!(ended["attempts"], 2);
    let quiet = ana.drain(Duration::from_secs(2)).await;
    assert!(quiet.iter().all(|f| f["type"] != "offer"), "no agent is asked for before an answer: {quiet:?}");
    assert_eq!(pbx.calls.lock().unwrap().len(), 2, "nothing redials after the last attempt");

    // The customer answers: now an agent is wanted.
    let (_, lucky) = post(&daemon, &token, json!({ "phone": "+8613900139000", "reason": "call me again" })).await;
    let id = lucky["id"].as_str().unwrap().to_owned();
    nth_call(&pbx, 3).await;
    let (_, answered) = event(&daemon, &id, json!({ "event": "answered", "event_id": "a-1" }), true).await;
    assert_eq!((answered["status"].as_str(), answered["outcome"].as_str()), (Some("completed"), Some("reached")));
    let offer = ana.expect("offer").await;
    assert_eq!(offer["conversation"]["id"], lucky["conversation_id"]);
    // The end of the answered call changes nothing.
    let (status, after) = event(&daemon, &id, json!({ "event": "hangup", "event_id": "a-2" }), true).await;
    assert_eq!((status, after["status"].as_str()), (200, Some("completed")));
}

#[tokio::test]
async fn a_stolen_account_callback_is_urgent_and_one_call_at_a_time_leaves_room_for_chats() {
    let daemon = daemon(&format!("[callback]\n{ALWAYS}")).await;
    daemon.agent_add("omar", "Omar", &[], false, PASSWORD).await;
    let mut omar = Ws::available_agent(&daemon, "omar").await;
    let stolen = "我的账号被盗了，余额被转走了！请马上给我打电话";
    let (status, _) =
        post(&daemon, &customer_token("u-stolen"), json!({ "phone": "+8613800138000", "reason": stolen })).await;
    assert_eq!(status, 201);
    let offer = omar.expect("offer").await;
    let summary = &offer["conversation"];
    assert_eq!(
        (summary["channel"].as_str(), summary["priority"].as_str()),
        (Some("callback"), Some("urgent")),
        "{offer}"
    );
    assert_eq!(
        (summary["queue"].as_str(), summary["category"].as_str()),
        (Some("security"), Some("account_compromised"))
    );
    omar.send(json!({ "type": "accept", "offer_id": offer["offer_id"] })).await;
    omar.expect("assigned").await;

    // One call at a time: a second callback waits, while a chat still reaches Omar.
    let (status, _) =
        post(&daemon, &customer_token("u-other"), json!({ "phone": "+8613900139000", "reason": "call me" })).await;
    assert_eq!(status, 201);
    let quiet = omar.drain(Duration::from_secs(2)).await;
    assert!(quiet.iter().all(|f| f["type"] != "offer"), "a second call is not offered during the first: {quiet:?}");
    let (mut chat, _) = Ws::customer(&daemon, "u-chat", None).await;
    chat.send(json!({ "type": "send", "client_id": "c-1", "text": "how do I change my nickname?" })).await;
    let offer = omar.expect("offer").await;
    assert_eq!(offer["conversation"]["channel"], "chat");
}

#[tokio::test]
async fn a_secret_in_the_reason_is_redacted_and_the_customer_warned_in_their_chat() {
    let daemon = daemon(&format!("[callback]\n{ALWAYS}")).await;
    daemon.agent_add("zoe", "Zoe", &[], false, PASSWORD).await;
    let (mut chat, _) = Ws::customer(&daemon, "u-card", None).await;
    let mut zoe = Ws::available_agent(&daemon, "zoe").await;
    let reason = "call me, my card 4111 1111 1111 1111 was charged twice";
    let (status, _) =
        post(&daemon, &customer_token("u-card"), json!({ "phone": "+8613800138000", "reason": reason })).await;
    assert_eq!(status, 201);
    let offer = zoe.expect("offer").await;
    let preview = offer["conversation"]["preview"].as_str().unwrap();
    assert!(!preview.contains("4111 1111 1111 1111") && preview.contains("[redacted"), "{preview}");
    // The safety notice reaches the customer where they read, and nothing fails to deliver.
    system_message(&mut chat, "move your funds").await;
    zoe.send(json!({ "type": "accept", "offer_id": offer["offer_id"] })).await;
    let assigned = zoe.expect("assigned").await;
    let messages = assigned["conversation"]["messages"].as_array().unwrap();
    assert!(messages.iter().any(|m| m["author"]["role"] == "system"), "the notice is in the history: {messages:?}");
    let later = zoe.drain(Duration::from_secs(1)).await;
    assert!(later.iter().all(|f| f["type"] != "delivery" || f["state"] != "failed"), "{later:?}");
    assert!(!daemon.logs().contains("4111 1111 1111 1111"), "the number is never logged");
}
