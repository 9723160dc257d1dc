//! Token commands written into a temp dir, and a token endpoint on a loopback port.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};
use switchboard_channel::Secret;
use switchboard_email::{AccessTokens, CommandTokens, OAuthConfig, RefreshTokens};

const TIMEOUT: Duration = Duration::from_secs(5);

/// `sh script`, where the script is `body` and may read `$COUNTER`, a file in the same dir
/// it appends to so the test can count its runs.
fn command(dir: &Path, body: &str) -> (String, impl Fn() -> usize) {
    let script = dir.join("token.sh");
    let counter = dir.join("runs");
    std::fs::write(&script, format!("COUNTER={}\necho run >> \"$COUNTER\"\n{body}\n", counter.display()))
        .expect("script");
    let runs = move || std::fs::read_to_string(&counter).map_or(0, |s| s.lines().count());
    (format!("sh {}", script.display()), runs)
}

#[tokio::test]
async fn a_json_token_is_reused_until_shortly_before_expiry_then_fetched_again() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Two seconds of life: used for one, the cache replacing it halfway.
    let (line, runs) = command(
        dir.path(),
        r#"printf '{"access_token": "tok-%s", "expires_in": 2}\n' "$(wc -l < "$COUNTER" | tr -d ' ')""#,
    );
    let tokens = CommandTokens::new(&line, TIMEOUT).expect("command");
    assert_eq!(tokens.token().await.expect("first").expose(), "tok-1");
    assert_eq!(tokens.token().await.expect("cached").expose(), "tok-1");
    assert_eq!(runs(), 1);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(tokens.token().await.expect("due").expose(), "tok-2");
    assert_eq!(runs(), 2);
    tokens.invalidate().await;
    assert_eq!(tokens.token().await.expect("after a refusal").expose(), "tok-3");
}

#[tokio::test]
async fn concurrent_callers_share_one_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (line, runs) = command(dir.path(), "sleep 0.3\necho bare-token");
    let tokens = Arc::new(CommandTokens::new(&line, TIMEOUT).expect("command"));
    let calls: Vec<_> = (0..5)
        .map(|_| {
            let tokens = Arc::clone(&tokens);
            tokio::spawn(async move { tokens.token().await })
        })
        .collect();
    for call in calls {
        assert_eq!(call.await.expect("joined").expect("token").expose(), "bare-token");
    }
    assert_eq!(runs(), 1);
}

#[tokio::test]
async fn a_failing_or_hanging_command_says_why_without_its_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (line, _) = command(dir.path(), "echo secret-looking-stdout\necho 'refresh token expired' >&2\nexit 3");
    let err = CommandTokens::new(&line, TIMEOUT).expect("command").token().await.expect_err("fails");
    assert!(err.contains("refresh token expired") && err.contains('3'), "{err}");
    assert!(!err.contains("secret-looking-stdout"), "{err}");

    let started = std::time::Instant::now();
    let hanging = CommandTokens::new("sleep 10", Duration::from_millis(300)).expect("command");
    let err = hanging.token().await.expect_err("times out");
    assert!(err.contains("did not finish"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(3));

    let err = CommandTokens::new("/nonexistent/token-helper", TIMEOUT).expect("command").token().await;
    assert!(err.expect_err("not found").contains("could not be started"));
}

/// The forms the endpoint received, and what it answers.
#[derive(Clone, Default)]
struct Endpoint {
    forms: Arc<Mutex<Vec<HashMap<String, String>>>>,
    refuse: bool,
}

async fn token(
    State(endpoint): State<Endpoint>,
    Form(form): Form<HashMap<String, String>>,
) -> (StatusCode, Json<Value>) {
    let n = {
        let mut forms = endpoint.forms.lock().expect("forms");
        forms.push(form);
        forms.len()
    };
    if endpoint.refuse {
        let refusal =
            json!({"error": "invalid_grant", "error_description": "AADSTS70008: the refresh token has expired"});
        return (StatusCode::BAD_REQUEST, Json(refusal));
    }
    (
        StatusCode::OK,
        Json(json!({"access_token": format!("at-{n}"), "expires_in": 3599, "refresh_token": format!("rt-{}", n + 1)})),
    )
}

async fn serve(endpoint: Endpoint) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/token", listener.local_addr().expect("address"));
    let app = Router::new().route("/token", post(token)).with_state(endpoint);
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

fn oauth(url: String) -> OAuthConfig {
    OAuthConfig {
        token_url: Some(url),
        client_id: Some("switchboard".into()),
        client_secret: Secret::new("client-secret-value"),
        refresh_token: Secret::new("rt-1"),
        scope: Some("https://outlook.office.com/SMTP.Send offline_access".into()),
        ..OAuthConfig::default()
    }
}

#[tokio::test]
async fn the_endpoint_gets_the_refresh_grant_and_a_rotated_refresh_token_is_used_next() {
    let endpoint = Endpoint::default();
    let tokens = RefreshTokens::new(&oauth(serve(endpoint.clone()).await), TIMEOUT).expect("source");
    assert_eq!(tokens.token().await.expect("token").expose(), "at-1");
    assert_eq!(tokens.token().await.expect("cached").expose(), "at-1");
    tokens.invalidate().await;
    assert_eq!(tokens.token().await.expect("again").expose(), "at-2");

    let forms = endpoint.forms.lock().expect("forms").clone();
    assert_eq!(forms.len(), 2);
    let expected = |refresh: &str| {
        HashMap::from([
            ("grant_type".to_owned(), "refresh_token".to_owned()),
            ("refresh_token".to_owned(), refresh.to_owned()),
            ("client_id".to_owned(), "switchboard".to_owned()),
            ("client_secret".to_owned(), "client-secret-value".to_owned()),
            ("scope".to_owned(), "https://outlook.office.com/SMTP.Send offline_access".to_owned()),
        ])
    };
    assert_eq!(forms[0], expected("rt-1"));
    assert_eq!(forms[1], expected("rt-2"));
}

#[tokio::test]
async fn a_refusal_names_the_status_and_the_oauth_error_but_no_secret() {
    let endpoint = Endpoint { refuse: true, ..Endpoint::default() };
    let tokens = RefreshTokens::new(&oauth(serve(endpoint).await), TIMEOUT).expect("source");
    let err = tokens.token().await.expect_err("refused");
    assert!(err.contains("400") && err.contains("invalid_grant") && err.contains("AADSTS70008"), "{err}");
    assert!(!err.contains("client-secret-value") && !err.contains("rt-1"), "{err}");
}

#[tokio::test]
async fn an_unreachable_endpoint_is_an_error_and_missing_keys_are_named() {
    let port = switchboard_mailservers::free_port().expect("port");
    let tokens = RefreshTokens::new(&oauth(format!("http://127.0.0.1:{port}/token")), TIMEOUT).expect("source");
    assert!(tokens.token().await.expect_err("unreachable").contains("token endpoint"));

    let without_id = OAuthConfig { client_id: None, ..oauth("http://127.0.0.1/token".into()) };
    assert!(RefreshTokens::new(&without_id, TIMEOUT).err().expect("refused").contains("oauth.client_id"));
    let without_refresh = OAuthConfig { refresh_token: Secret::default(), ..oauth("http://127.0.0.1/token".into()) };
    assert!(RefreshTokens::new(&without_refresh, TIMEOUT).err().expect("refused").contains("oauth.refresh_token"));
}
