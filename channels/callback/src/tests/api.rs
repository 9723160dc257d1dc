//! The request API: what a customer's app sees.

use reqwest::StatusCode;
use serde_json::{Value, json};
use switchboard_channel::to_rfc3339;

use super::{Served, serve, token};
use crate::CallbackConfig;

/// Limits high enough that a test of something else never meets them, and calls at any
/// hour, whenever the test runs.
fn unlimited() -> CallbackConfig {
    let mut c =
        CallbackConfig { calling_hours: crate::WeeklyHours::every_day("00:00-24:00"), ..CallbackConfig::default() };
    c.rate.per_customer_per_hour = 1000;
    c.rate.per_phone_per_hour = 1000;
    c.rate.per_address_per_minute = 1000;
    c.do_not_call = vec!["+12025550143".into(), "+85291*".into()];
    c
}

async fn post(
    s: &Served,
    bearer: &str,
    body: impl Into<reqwest::Body>,
) -> (StatusCode, Value, reqwest::header::HeaderMap) {
    let r = s
        .http
        .post(format!("{}/v1/callbacks", s.base))
        .bearer_auth(bearer)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let (status, headers) = (r.status(), r.headers().clone());
    (status, r.json().await.unwrap_or(Value::Null), headers)
}

async fn call(s: &Served, method: reqwest::Method, id: &str, bearer: &str) -> (StatusCode, Value) {
    let r = s.http.request(method, format!("{}/v1/callbacks/{id}", s.base)).bearer_auth(bearer).send().await.unwrap();
    (r.status(), r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn every_refusal_names_its_field_and_stores_nothing() {
    let s = serve(unlimited()).await;
    let t = token("u1", None);
    let now = s.now();
    let at = |hours: i64| to_rfc3339(now.plus(std::time::Duration::from_secs((hours * 3600) as u64)));
    let past = to_rfc3339(now.minus(std::time::Duration::from_secs(3600)));
    let ok = |extra: Value| {
        let mut body = json!({"phone": "+8613800138000", "reason": "我的转账没有到账"});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        body.to_string()
    };
    let cases: Vec<(&str, String, u16, &str, Option<&str>)> = vec![
        ("not JSON", "{phone".into(), 400, "bad_request", None),
        ("not an object", "[1,2]".into(), 400, "bad_request", None),
        ("no phone", json!({"reason": "x"}).to_string(), 400, "bad_request", Some("phone")),
        ("phone not a string", ok(json!({"phone": 8613800138000u64})), 400, "bad_request", Some("phone")),
        ("too short", ok(json!({"phone": "+86138"})), 422, "invalid_phone", Some("phone")),
        ("letters", ok(json!({"phone": "+86 138 CALL ME"})), 422, "invalid_phone", Some("phone")),
        ("no country code", ok(json!({"phone": "13800138000"})), 422, "invalid_phone", Some("phone")),
        ("unknown country code", ok(json!({"phone": "+99912345678"})), 422, "invalid_phone", Some("phone")),
        ("do not call", ok(json!({"phone": "+1 202 555 0143"})), 403, "do_not_call", Some("phone")),
        ("do not call prefix", ok(json!({"phone": "+85291234567"})), 403, "do_not_call", Some("phone")),
        ("no reason", json!({"phone": "+8613800138000"}).to_string(), 400, "bad_request", Some("reason")),
        ("blank reason", ok(json!({"reason": " \n\t "})), 400, "bad_request", Some("reason")),
        ("long reason", ok(json!({"reason": "钱".repeat(1001)})), 400, "bad_request", Some("reason")),
        ("long name", ok(json!({"name": "n".repeat(101)})), 400, "bad_request", Some("name")),
        ("bad lang", ok(json!({"lang": "english please"})), 400, "bad_request", Some("lang")),
        ("window no end", ok(json!({"window": {"start": at(1)}})), 400, "bad_request", Some("window.end")),
        ("window no start", ok(json!({"window": {"end": at(2)}})), 400, "bad_request", Some("window.start")),
        (
            "window bad time",
            ok(json!({"window": {"start": "tomorrow", "end": at(2)}})),
            400,
            "bad_request",
            Some("window.start"),
        ),
        (
            "window reversed",
            ok(json!({"window": {"start": at(3), "end": at(2)}})),
            400,
            "bad_request",
            Some("window.start"),
        ),
        (
            "window ended",
            ok(json!({"window": {"start": past, "end": to_rfc3339(now)}})),
            400,
            "bad_request",
            Some("window.end"),
        ),
        (
            "window too far",
            ok(json!({"window": {"start": at(1), "end": at(15 * 24)}})),
            400,
            "bad_request",
            Some("window.end"),
        ),
        ("unknown zone", ok(json!({"zone": "Asia/Atlantis"})), 400, "bad_request", Some("zone")),
    ];
    for (name, body, status, code, field) in cases {
        let (got, body, _) = post(&s, &t, body).await;
        assert_eq!(got.as_u16(), status, "{name}: {body}");
        assert_eq!(body["error"]["code"], code, "{name}: {body}");
        assert_eq!(body["error"]["field"].as_str(), field, "{name}: {body}");
        assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{name}");
    }
    assert!(s.desk.requests.lock().unwrap().is_empty(), "nothing reached the desk");
}

#[tokio::test]
async fn a_request_is_created_once_and_a_repeat_gets_the_same() {
    let s = serve(unlimited()).await;
    let t = token("u1", Some("+8613800138000"));
    let now = s.now();
    let start = to_rfc3339(now.plus(std::time::Duration::from_secs(3600)));
    let end = to_rfc3339(now.plus(std::time::Duration::from_secs(7200)));
    let body = json!({"phone": "+86 138-0013-8000", "reason": "  money not arrived ", "name": "Wei",
        "window": {"start": start, "end": end}});
    let (status, first, _) = post(&s, &t, body.to_string()).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(first["status"], "queued");
    assert_eq!(first["phone"], "+8613800138000");
    assert_eq!(first["zone"], "Asia/Shanghai");
    assert_eq!(first["window"], json!({"start": start, "end": end}));
    assert_eq!(first["attempts"], 0);
    assert_eq!((first["outcome"].clone(), first["next_attempt_at"].clone()), (Value::Null, Value::Null));
    assert!(first["created_at"].as_str().unwrap().ends_with('Z'));
    let (status, again, _) = post(&s, &t, body.to_string()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["id"], first["id"]);
    let asked = s.desk.requests.lock().unwrap()[0].clone();
    assert_eq!(asked.reason, "money not arrived");
    assert_eq!(asked.sender.app_user_id.as_deref(), Some("u1"));
    assert_eq!(asked.sender.name.as_deref(), Some("Wei"), "the request's name before the token's");
    assert_eq!(asked.sender.lang.as_deref(), Some("zh"), "the token's language when the request gives none");
    assert_eq!(asked.sender.tier.as_deref(), Some("vip"));
    assert!(!asked.unverified_phone, "the token vouches for this number");
}

#[tokio::test]
async fn a_number_the_token_does_not_vouch_for_is_flagged() {
    let s = serve(unlimited()).await;
    for (sub, vouched) in [("u1", None), ("u2", Some("+8613900139000"))] {
        let (status, _, _) = post(&s, &token(sub, vouched), r#"{"phone":"+8613800138000","reason":"hi"}"#).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    assert!(s.desk.requests.lock().unwrap().iter().all(|r| r.unverified_phone));
}

#[tokio::test]
async fn another_customer_sees_nothing() {
    let s = serve(unlimited()).await;
    let (owner, other) = (token("u1", None), token("u2", None));
    let (_, created, _) = post(&s, &owner, r#"{"phone":"+12025550199","reason":"card locked"}"#).await;
    let id = created["id"].as_str().unwrap();
    for method in [reqwest::Method::GET, reqwest::Method::DELETE] {
        let (status, body) = call(&s, method.clone(), id, &other).await;
        assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")), "{method}");
        let (status, _) = call(&s, method.clone(), "cb-unknown", &owner).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method}: unknown looks like someone else's");
    }
    let (status, seen) = call(&s, reqwest::Method::GET, id, &owner).await;
    assert_eq!((status, seen["status"].as_str()), (StatusCode::OK, Some("queued")));
    let (status, cancelled) = call(&s, reqwest::Method::DELETE, id, &owner).await;
    assert_eq!((status, cancelled["status"].as_str()), (StatusCode::OK, Some("cancelled")));
}

#[tokio::test]
async fn tokens_are_required_and_never_echoed() {
    let s = serve(unlimited()).await;
    let r = s.http.post(format!("{}/v1/callbacks", s.base)).body("{}").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let bad = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSJ9.c2VjcmV0LXRva2VuLXRleHQ";
    let (status, body, _) = post(&s, bad, r#"{"phone":"+8613800138000","reason":"x"}"#).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthorized")));
    assert!(!body.to_string().contains("c2VjcmV0"), "{body}");
    let (status, _) = call(&s, reqwest::Method::GET, "cb-1", bad).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_oversize_body_is_refused() {
    let s = serve(unlimited()).await;
    let body = json!({"phone": "+8613800138000", "reason": "x".repeat(20_000)}).to_string();
    let (status, error, _) = post(&s, &token("u1", None), body).await;
    assert_eq!((status, error["error"]["code"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("too_large")));
    assert!(s.desk.requests.lock().unwrap().is_empty());
}

#[tokio::test]
async fn one_number_is_not_rung_from_many_accounts() {
    let mut config = unlimited();
    config.rate.per_phone_per_hour = 2;
    let s = serve(config).await;
    let body = r#"{"phone":"+447400123456","reason":"call me"}"#;
    for sub in ["u1", "u2"] {
        assert_eq!(post(&s, &token(sub, None), body).await.0, StatusCode::CREATED);
    }
    let (status, error, headers) = post(&s, &token("u3", None), body).await;
    assert_eq!((status, error["error"]["code"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited")));
    let wait: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert_eq!(wait, 1800, "half an hour until one of the two has decayed");
    s.clock.advance(std::time::Duration::from_secs(1800));
    assert_eq!(post(&s, &token("u3", None), body).await.0, StatusCode::CREATED);
}

#[tokio::test]
async fn a_customer_is_limited_per_hour() {
    let mut config = unlimited();
    config.rate.per_customer_per_hour = 3;
    let s = serve(config).await;
    let t = token("u1", None);
    for _ in 0..3 {
        assert!(post(&s, &t, r#"{"phone":"+8613800138000","reason":"x"}"#).await.0.is_success());
    }
    let (status, _, headers) = post(&s, &t, r#"{"phone":"+8613800138000","reason":"x"}"#).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(headers.contains_key("retry-after"));
    assert_eq!(post(&s, &token("u2", None), r#"{"phone":"+8613800138000","reason":"x"}"#).await.0, StatusCode::CREATED);
}

#[tokio::test]
async fn a_window_no_calling_hours_fall_in_is_refused() {
    // Calls only on Mondays, 09:00 to 10:00 in the customer's zone.
    let mut c = unlimited();
    c.calling_hours = crate::WeeklyHours { mon: "09:00-10:00".into(), ..crate::WeeklyHours::every_day("") };
    let s = serve(c).await;
    let t = token("u1", None);
    let day = std::time::Duration::from_secs(86_400);
    // The next Tuesday, midnight to six, UTC: no Monday hours in it.
    let now = s.now().0;
    let weekday = jiff::tz::TimeZone::UTC.to_datetime(jiff::Timestamp::from_millisecond(now).unwrap()).weekday();
    let ahead = (8 - weekday.to_monday_zero_offset()) % 7;
    let midnight = now - now.rem_euclid(86_400_000);
    let tuesday = midnight + i64::from(if ahead == 0 { 7 } else { ahead }) * 86_400_000;
    let start = switchboard_channel::Millis(tuesday);
    let window = json!({"start": to_rfc3339(start), "end": to_rfc3339(start.plus(day / 4))});
    let body = json!({"phone": "+8613800138000", "reason": "call me", "zone": "UTC", "window": window});
    let (status, answer, _) = post(&s, &t, body.to_string()).await;
    assert_eq!((status.as_u16(), answer["error"]["field"].as_str()), (400, Some("window")), "{answer}");
    assert!(answer["error"]["message"].as_str().unwrap().contains("calling hours"), "{answer}");
    // A window with Monday's hour in it is taken: the Monday after that Tuesday.
    let monday = start.plus(day * 6);
    let window = json!({"start": to_rfc3339(monday), "end": to_rfc3339(monday.plus(day / 2))});
    let body = json!({"phone": "+8613800138000", "reason": "call me", "zone": "UTC", "window": window});
    let (status, answer, _) = post(&s, &t, body.to_string()).await;
    assert_eq!(status.as_u16(), 201, "{answer}");
}
