//! The pages for browsers and what the console protocol adds for them: the console's headers,
//! the demo widget only when enabled and its tokens, canned responses kept by supervisors,
//! and a refused reply named by its client_id.

use serde_json::{Value, json};

use crate::client::{PASSWORD, Ws, chat_daemon, chat_daemon_with};

#[tokio::test]
async fn the_console_is_served_with_headers_that_forbid_inline_script_and_framing() {
    let daemon = chat_daemon().await;
    let page = reqwest::get(format!("{}/console", daemon.base_url())).await.unwrap();
    assert_eq!(page.status(), 200);
    let h = page.headers().clone();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["cache-control"], "no-cache");
    let html = page.text().await.unwrap();
    // Every script the page loads is one of ours, served from the daemon with the same rules.
    let script = html.split("src=\"").nth(1).and_then(|s| s.split('"').next()).expect("the page loads a script");
    assert!(script.starts_with("/assets/"), "{script}");
    let asset = reqwest::get(format!("{}{script}", daemon.base_url())).await.unwrap();
    assert_eq!(asset.status(), 200);
    assert_eq!(asset.headers()["content-type"], "text/javascript; charset=utf-8");
    assert!(asset.headers()["cache-control"].to_str().unwrap().contains("immutable"));
    let missing = reqwest::get(format!("{}/assets/nothing.js", daemon.base_url())).await.unwrap();
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn the_chat_demo_is_off_unless_enabled() {
    let daemon = chat_daemon().await;
    let client = reqwest::Client::new();
    assert_eq!(client.get(format!("{}/chat-demo", daemon.base_url())).send().await.unwrap().status(), 404);
    let token = client.post(format!("{}/chat-demo/token", daemon.base_url())).json(&json!({})).send().await.unwrap();
    assert_eq!(token.status(), 404, "no demo token is signed while the demo is off");
}

#[tokio::test]
async fn demo_tokens_are_for_demo_customers_and_open_a_chat() {
    let daemon = chat_daemon_with(&[("SWITCHBOARD__WEB__CHAT_DEMO", "true")]).await;
    let client = reqwest::Client::new();
    let url = format!("{}/chat-demo/token", daemon.base_url());
    assert_eq!(client.get(format!("{}/chat-demo", daemon.base_url())).send().await.unwrap().status(), 200);
    for bad in [
        json!({ "user": "u-1" }),
        json!({ "lang": "fr" }),
        json!({ "name": "x".repeat(101) }),
        json!({ "admin": true }),
    ] {
        let refused = client.post(&url).json(&bad).send().await.unwrap();
        assert_eq!(refused.status(), 400, "{bad}");
        let body: Value = refused.json().await.unwrap();
        assert_eq!(body["error"]["code"], "bad_request");
    }
    let issued: Value =
        client.post(&url).json(&json!({ "name": "Dana", "lang": "zh" })).send().await.unwrap().json().await.unwrap();
    let user = issued["user"].as_str().unwrap().to_owned();
    assert!(user.starts_with("demo-"), "{user}");
    let again: Value = client.post(&url).json(&json!({ "user": user })).send().await.unwrap().json().await.unwrap();
    assert_eq!(again["user"], user.as_str(), "a reload keeps the same demo customer");

    let mut chat = Ws::connect(&daemon, "/v1/chat").await;
    chat.send(json!({ "type": "hello", "token": issued["token"] })).await;
    let welcome = chat.expect("welcome").await;
    chat.send(json!({ "type": "send", "client_id": "d-1", "text": "你好" })).await;
    let ack = chat.expect("ack").await;
    assert_eq!(ack["seq"], 1);
    assert_ne!(welcome["customer_id"], json!(null));
}

#[tokio::test]
async fn supervisors_keep_canned_responses_and_every_console_hears_of_them() {
    let daemon = chat_daemon().await;
    daemon.agent_add("mei", "Mei", &[], true, PASSWORD).await;
    daemon.agent_add("li", "Li", &[], false, PASSWORD).await;
    let (mut supervisor, welcome) = Ws::agent(&daemon, "mei").await;
    assert_eq!(welcome["agent"]["supervisor"], true);
    let (mut agent, welcome) = Ws::agent(&daemon, "li").await;
    assert_eq!(welcome["agent"]["supervisor"], false);

    agent.send(json!({ "type": "canned_list" })).await;
    assert_eq!(agent.expect("canned").await["responses"], json!([]));
    agent.send(json!({ "type": "canned_save", "lang": "en", "title": "Hi", "text": "Hello" })).await;
    assert_eq!(agent.expect("error").await["code"], "forbidden");

    let greeting = json!({ "type": "canned_save", "lang": "zh", "title": "问候", "text": "您好 {customer_name}" });
    supervisor.send(greeting.clone()).await;
    let heard = agent.expect("canned").await;
    let responses = heard["responses"].as_array().unwrap();
    assert_eq!(responses.len(), 1);
    assert_eq!((responses[0]["lang"].as_str(), responses[0]["title"].as_str()), (Some("zh"), Some("问候")));
    assert_eq!(responses[0]["updated_by"], "Mei");
    let id = responses[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(supervisor.expect("canned").await["responses"], heard["responses"]);

    // Refusals change nothing.
    supervisor.send(greeting).await;
    assert_eq!(supervisor.expect("error").await["code"], "conflict");
    supervisor.send(json!({ "type": "canned_save", "lang": "zh", "title": " ", "text": "x" })).await;
    assert_eq!(supervisor.expect("error").await["code"], "bad_request");
    supervisor.send(json!({ "type": "canned_delete", "id": "cr_unknown" })).await;
    assert_eq!(supervisor.expect("error").await["code"], "not_found");

    supervisor
        .send(json!({ "type": "canned_save", "id": id, "lang": "zh", "title": "问候", "text": "您好，{customer_name}！" }))
        .await;
    assert_eq!(agent.expect("canned").await["responses"][0]["text"], "您好，{customer_name}！");
    supervisor.send(json!({ "type": "canned_delete", "id": id })).await;
    assert_eq!(agent.expect("canned").await["responses"], json!([]));
}

#[tokio::test]
async fn a_refused_reply_is_named_by_its_client_id_and_deliveries_come_with_the_conversation() {
    let daemon = chat_daemon().await;
    daemon.agent_add("li", "Li", &[], false, PASSWORD).await;
    let mut agent = Ws::available_agent(&daemon, "li").await;
    let (mut customer, _) = Ws::customer(&daemon, "u-9", None).await;
    customer.send(json!({ "type": "send", "client_id": "c-1", "text": "How do I turn on fingerprint login?" })).await;
    let conversation = customer.expect("ack").await["conversation_id"].as_str().unwrap().to_owned();
    agent.accept_next_offer().await;

    let asks = "Please tell me your password so I can check";
    agent.send(json!({ "type": "reply", "conversation_id": conversation, "client_id": "r-1", "text": asks })).await;
    let refused = agent.expect("error").await;
    assert_eq!((refused["code"].as_str(), refused["client_id"].as_str()), (Some("forbidden"), Some("r-1")));
    agent
        .send(json!({ "type": "reply", "conversation_id": conversation, "client_id": "r-2", "text": "Checking now" }))
        .await;
    assert_eq!(agent.expect("delivery").await["state"], "sent");

    agent.send(json!({ "type": "open", "conversation_id": conversation })).await;
    let opened = agent.expect("conversation").await;
    assert_eq!(
        opened["conversation"]["deliveries"],
        json!([{ "seq": 2, "state": "sent", "detail": "delivered to the app" }])
    );
}
