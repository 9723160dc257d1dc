//! The HTTP listener's bounds and answers, against the real daemon: slow and silent clients
//! are closed, connections over the cap get a 503, errors have the contract's shape, and the
//! agent login limits guessing without locking out agents who share an address.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::client::{PASSWORD, Ws, chat_daemon_with};
use crate::common::Daemon;

/// How long a test waits for something the daemon should do within a few seconds.
const PATIENCE: Duration = Duration::from_secs(15);

/// A response read off a raw socket.
struct RawResponse {
    status: u16,
    /// Header names in lower case.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl RawResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("the body is not JSON ({e}): {:?}", String::from_utf8_lossy(&self.body)))
    }
}

/// Reads one HTTP/1.1 response with a `content-length` off `tcp`.
async fn read_response(tcp: &mut (impl AsyncReadExt + Unpin)) -> RawResponse {
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = tcp.read(&mut buf).await.expect("the response can be read");
        assert!(n > 0, "the connection closed before a whole response head: {:?}", String::from_utf8_lossy(&data));
        data.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8(data[..head_end].to_vec()).expect("the head is text");
    let mut lines = head.split("\r\n");
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).expect("a status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map(|(_, v)| v.parse().expect("a numeric content-length"))
        .expect("a content-length");
    let mut body = data[head_end + 4..].to_vec();
    while body.len() < length {
        let n = tcp.read(&mut buf).await.expect("the body can be read");
        assert!(n > 0, "the connection closed inside the body");
        body.extend_from_slice(&buf[..n]);
    }
    body.truncate(length);
    RawResponse { status, headers, body }
}

/// Waits until the server closes `tcp` (end of stream or reset); fails the test after `limit`.
async fn closed_within(tcp: &mut TcpStream, limit: Duration) -> Duration {
    let started = Instant::now();
    let mut buf = [0u8; 1024];
    let closed = tokio::time::timeout(limit, async {
        loop {
            match tcp.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => continue,
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the server kept the connection open for {limit:?}");
    started.elapsed()
}

async fn healthz(daemon: &Daemon) -> reqwest::Response {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
    client.get(format!("{}/healthz", daemon.base_url())).send().await.expect("/healthz answers")
}

#[tokio::test]
async fn slow_and_silent_clients_are_closed_after_the_header_timeout_while_healthz_answers() {
    let daemon = Daemon::builder().env("SWITCHBOARD__HTTP__HEADER_READ_TIMEOUT_S", "2").start().await;
    let started = Instant::now();
    let mut clients = Vec::new();
    // Half a request head, then nothing.
    for _ in 0..200 {
        let mut tcp = TcpStream::connect(daemon.address()).await.unwrap();
        tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: switchboard\r\n").await.unwrap();
        clients.push(tcp);
    }
    // Nothing at all.
    for _ in 0..50 {
        clients.push(TcpStream::connect(daemon.address()).await.unwrap());
    }
    // A head dripped a byte at a time: never idle, never finished.
    let mut drippers = Vec::new();
    for _ in 0..5 {
        let tcp = TcpStream::connect(daemon.address()).await.unwrap();
        let (mut read, mut write) = tcp.into_split();
        tokio::spawn(async move {
            let head = b"GET /healthz HTTP/1.1\r\nX-Slow: ".iter().chain(std::iter::repeat(&b'x'));
            for byte in head {
                if write.write_all(&[*byte]).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        });
        drippers.push(tokio::spawn(async move {
            let mut buf = [0u8; 64];
            while let Ok(n) = read.read(&mut buf).await
                && n > 0
            {}
            Instant::now()
        }));
    }
    let answered = Instant::now();
    assert_eq!(healthz(&daemon).await.status(), 200);
    assert!(answered.elapsed() < Duration::from_secs(1), "/healthz waited behind the slow clients");

    let mut held = Vec::new();
    for tcp in &mut clients {
        closed_within(tcp, PATIENCE).await;
        held.push(started.elapsed());
    }
    for dripper in drippers {
        let closed_at = tokio::time::timeout(PATIENCE, dripper).await.expect("the dripping client is closed").unwrap();
        held.push(closed_at - started);
    }
    // Held for the configured deadline, not dropped at once, and not kept for long after it.
    let (shortest, longest) = (held.iter().min().unwrap(), held.iter().max().unwrap());
    assert!(*shortest >= Duration::from_millis(1500), "a client was closed after {shortest:?}");
    assert!(*longest < Duration::from_secs(6), "a client was held {longest:?} with a 2 s header timeout");
    assert_eq!(healthz(&daemon).await.status(), 200);
}

#[tokio::test]
async fn a_kept_alive_connection_serves_requests_and_is_closed_when_idle() {
    let daemon = Daemon::builder()
        .env("SWITCHBOARD__HTTP__KEEP_ALIVE_IDLE_S", "1")
        .env("SWITCHBOARD__HTTP__HEADER_READ_TIMEOUT_S", "10")
        .start()
        .await;
    let mut tcp = TcpStream::connect(daemon.address()).await.unwrap();
    for _ in 0..3 {
        tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: switchboard\r\n\r\n").await.unwrap();
        assert_eq!(read_response(&mut tcp).await.status, 200);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let idle = closed_within(&mut tcp, PATIENCE).await;
    assert!(idle < Duration::from_secs(5), "closed after {idle:?}: the idle limit is 1 s, not the head's 10 s");
}

#[tokio::test]
async fn a_body_slower_than_the_body_timeout_gets_408() {
    let daemon = Daemon::builder().env("SWITCHBOARD__HTTP__BODY_READ_TIMEOUT_S", "1").start().await;
    let mut tcp = TcpStream::connect(daemon.address()).await.unwrap();
    let head = "POST /v1/agent/login HTTP/1.1\r\nHost: switchboard\r\ncontent-type: application/json\r\n\
                content-length: 100\r\n\r\n{\"login\":";
    tcp.write_all(head.as_bytes()).await.unwrap();
    let sent = Instant::now();
    let response = tokio::time::timeout(PATIENCE, read_response(&mut tcp)).await.expect("an answer in time");
    assert_eq!(response.status, 408);
    assert_eq!(response.json()["error"]["code"], "bad_request");
    assert!(sent.elapsed() >= Duration::from_millis(900), "answered before the body timeout");
    closed_within(&mut tcp, PATIENCE).await;
}

#[tokio::test]
async fn connections_over_the_cap_get_a_503_with_retry_after() {
    let daemon = Daemon::builder()
        .env("SWITCHBOARD__HTTP__MAX_CONNECTIONS", "4")
        .env("SWITCHBOARD__HTTP__HEADER_READ_TIMEOUT_S", "60")
        .start()
        .await;
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(TcpStream::connect(daemon.address()).await.unwrap());
    }
    // Accepted in order: the four are in before the next one is looked at.
    tokio::time::sleep(Duration::from_millis(200)).await;
    for _ in 0..3 {
        let mut tcp = TcpStream::connect(daemon.address()).await.unwrap();
        tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: switchboard\r\n\r\n").await.unwrap();
        let refused = read_response(&mut tcp).await;
        assert_eq!(refused.status, 503);
        assert!(refused.header("retry-after").is_some_and(|v| v.parse::<u32>().is_ok()), "{:?}", refused.headers);
        assert_eq!(refused.header("content-type"), Some("application/json"));
        assert_eq!(refused.json()["error"]["code"], "unavailable");
        closed_within(&mut tcp, PATIENCE).await;
    }
    let response = healthz(&daemon).await;
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));

    // A closed connection frees its slot.
    held.clear();
    let client = reqwest::Client::new();
    let deadline = Instant::now() + PATIENCE;
    loop {
        let response = client.get(format!("{}/healthz", daemon.base_url())).send().await;
        if response.is_ok_and(|r| r.status() == 200) {
            break;
        }
        assert!(Instant::now() < deadline, "the slots were not freed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let metrics = client.get(format!("{}/metrics", daemon.base_url())).send().await.unwrap().text().await.unwrap();
    let refused: f64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("switchboard_http_connections_refused_total "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no refusal counter in:\n{metrics}"));
    assert!(refused >= 4.0, "{refused}");
}

/// Checks an error answer's status and contract shape; returns its message.
async fn contract_error(response: reqwest::Response, status: u16, code: &str) -> String {
    assert_eq!(response.status(), status, "{response:?}");
    let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(content_type.as_deref(), Some("application/json"));
    let body: Value = response.json().await.expect("an error body is JSON");
    assert_eq!(body["error"]["code"], code, "{body}");
    body["error"]["message"].as_str().expect("a message").to_owned()
}

#[tokio::test]
async fn http_errors_have_the_contract_shape() {
    let daemon = Daemon::start().await;
    let client = reqwest::Client::new();
    let url = |path: &str| format!("{}{path}", daemon.base_url());

    contract_error(client.get(url("/v1/nowhere")).send().await.unwrap(), 404, "not_found").await;

    let response = client.get(url("/v1/agent/login")).send().await.unwrap();
    assert_eq!(response.headers()["allow"], "POST");
    let message = contract_error(response, 405, "bad_request").await;
    assert!(message.contains("POST"), "{message}");
    let message = contract_error(client.delete(url("/healthz")).send().await.unwrap(), 405, "bad_request").await;
    assert!(message.contains("GET"), "{message}");

    // Not a websocket handshake: refused in our words, not the framework's.
    let message = contract_error(client.get(url("/v1/agent")).send().await.unwrap(), 400, "bad_request").await;
    assert!(!message.to_lowercase().contains("header"), "{message}");

    let login = |body: &'static str| {
        client.post(url("/v1/agent/login")).header("content-type", "application/json").body(body).send()
    };
    let message = contract_error(login("{not json").await.unwrap(), 400, "bad_request").await;
    assert_eq!(message, "body is not valid JSON");
    let message = contract_error(login(r#"{"password":"x"}"#).await.unwrap(), 400, "bad_request").await;
    assert_eq!(message, "field `login` is missing");
    let message = contract_error(login(r#"{"login":1,"password":"x"}"#).await.unwrap(), 400, "bad_request").await;
    assert_eq!(message, "field `login` must be a string");
    let untyped = client.post(url("/v1/agent/login")).body(r#"{"login":"a","password":"b"}"#).send();
    contract_error(untyped.await.unwrap(), 415, "bad_request").await;

    // 5 MB: refused as too large while it is still being sent.
    let (mut read, mut write) = TcpStream::connect(daemon.address()).await.unwrap().into_split();
    tokio::spawn(async move {
        let length = 5 * 1024 * 1024;
        let head = format!(
            "POST /v1/agent/login HTTP/1.1\r\nHost: switchboard\r\ncontent-type: application/json\r\n\
             content-length: {length}\r\n\r\n"
        );
        let mut body = br#"{"login":"big","password":""#.to_vec();
        body.resize(length, b'x');
        // The daemon stops reading once it has refused the body: the rest may not go out.
        let _ = write.write_all(head.as_bytes()).await;
        let _ = write.write_all(&body).await;
    });
    let response = tokio::time::timeout(PATIENCE, read_response(&mut read)).await.expect("an answer in time");
    assert_eq!(response.status, 413);
    assert_eq!(response.json()["error"]["code"], "too_large");
}

#[tokio::test]
async fn an_agent_console_stays_open_past_the_http_timeouts() {
    let daemon = chat_daemon_with(&[
        ("SWITCHBOARD__HTTP__HEADER_READ_TIMEOUT_S", "1"),
        ("SWITCHBOARD__HTTP__KEEP_ALIVE_IDLE_S", "1"),
        ("SWITCHBOARD__HTTP__BODY_READ_TIMEOUT_S", "1"),
    ])
    .await;
    daemon.agent_add("nina", "Nina", &[], false, PASSWORD).await;
    let (mut console, _) = Ws::agent(&daemon, "nina").await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    console.send(json!({ "type": "status", "status": "available" })).await;
    assert_eq!(console.expect("status").await["status"], "available");
}

/// A login attempt from the loopback address `from`; returns the status.
async fn login_from(daemon: &Daemon, from: IpAddr, login: &str, password: &str) -> u16 {
    let client = reqwest::Client::builder().local_address(from).build().unwrap();
    let response = client
        .post(format!("{}/v1/agent/login", daemon.base_url()))
        .json(&json!({ "login": login, "password": password }))
        .send()
        .await
        .expect("login answers");
    response.status().as_u16()
}

fn loopback(last: u8) -> IpAddr {
    IpAddr::from([127, 0, 0, last])
}

#[tokio::test]
async fn agents_behind_one_address_are_not_locked_out_by_each_others_failures() {
    let daemon = chat_daemon_with(&[
        ("SWITCHBOARD__CONSOLE__LOGIN_ATTEMPTS_PER_MINUTE", "3"),
        ("SWITCHBOARD__CONSOLE__LOGIN_FAILURES_PER_ADDRESS_PER_MINUTE", "20"),
    ])
    .await;
    for login in ["kim", "lee"] {
        daemon.agent_add(login, login, &[], false, PASSWORD).await;
    }
    let office = loopback(5);
    assert_eq!(login_from(&daemon, office, "kim", PASSWORD).await, 200);
    // Fifteen failures for other names: more than any one name may have.
    for i in 0..15 {
        assert_eq!(login_from(&daemon, office, &format!("typo{}", i % 5), "wrong").await, 401);
    }
    assert_eq!(login_from(&daemon, office, "lee", PASSWORD).await, 200, "lee never failed");
    // Past the address's own limit a login never seen from here waits, but kim, who has
    // logged in from here before, still gets in with her password.
    let mut statuses = Vec::new();
    for i in 0..10 {
        statuses.push(login_from(&daemon, office, &format!("guess{i}"), "wrong").await);
    }
    assert!(statuses.ends_with(&[429, 429]), "{statuses:?}");
    assert_eq!(login_from(&daemon, office, "kim", PASSWORD).await, 200);
    assert_eq!(login_from(&daemon, loopback(6), "newcomer", "wrong").await, 401, "other addresses are unaffected");
}

#[tokio::test]
async fn guessing_one_name_is_refused_after_the_limit_from_any_address() {
    let daemon = chat_daemon_with(&[("SWITCHBOARD__CONSOLE__LOGIN_ATTEMPTS_PER_MINUTE", "3")]).await;
    daemon.agent_add("omar", "Omar", &[], false, PASSWORD).await;
    let statuses = [
        login_from(&daemon, loopback(7), "omar", "guess1").await,
        login_from(&daemon, loopback(8), "omar", "guess2").await,
        login_from(&daemon, loopback(9), "omar", "guess3").await,
        login_from(&daemon, loopback(10), "omar", "guess4").await,
        login_from(&daemon, loopback(7), "OMAR", "guess5").await,
    ];
    assert_eq!(statuses, [401, 401, 401, 429, 429]);
    // Other names are not locked by it.
    daemon.agent_add("pia", "Pia", &[], false, PASSWORD).await;
    assert_eq!(login_from(&daemon, loopback(7), "pia", PASSWORD).await, 200);
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

#[tokio::test]
async fn an_unknown_login_takes_about_as_long_as_a_wrong_password() {
    let daemon = chat_daemon_with(&[
        ("SWITCHBOARD__CONSOLE__LOGIN_ATTEMPTS_PER_MINUTE", "1000"),
        ("SWITCHBOARD__CONSOLE__LOGIN_FAILURES_PER_ADDRESS_PER_MINUTE", "1000"),
    ])
    .await;
    daemon.agent_add("quinn", "Quinn", &[], false, PASSWORD).await;
    daemon.agent_add("ruth", "Ruth", &[], false, PASSWORD).await;
    assert!(daemon.cli(&["agent", "disable", "ruth"], "").await.status.success());
    let client = reqwest::Client::new();
    let url = format!("{}/v1/agent/login", daemon.base_url());
    let timed = |login: String| {
        let request = client.post(&url).json(&json!({ "login": login, "password": "not the password" }));
        async move {
            let started = Instant::now();
            let status = request.send().await.expect("login answers").status();
            assert_eq!(status, 401);
            started.elapsed()
        }
    };
    // Warm up: connections, caches, the placeholder hash.
    timed("quinn".into()).await;
    timed("nobody".into()).await;
    let (mut known, mut unknown, mut disabled) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..15 {
        known.push(timed("quinn".into()).await);
        unknown.push(timed(format!("nobody{i}")).await);
        disabled.push(timed("ruth".into()).await);
    }
    let (known, unknown, disabled) = (median(known), median(unknown), median(disabled));
    assert!(unknown * 3 >= known, "unknown login {unknown:?}, wrong password {known:?}");
    assert!(disabled * 3 >= known, "disabled login {disabled:?}, wrong password {known:?}");
}
