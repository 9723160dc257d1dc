//! The command line operators' tooling relies on.

use serde_json::json;

use crate::client::{PASSWORD, chat_daemon};

#[tokio::test]
async fn check_config_names_the_offending_key_and_exits_non_zero() {
    let daemon = chat_daemon().await;
    let good = daemon.cli(&["check-config"], "").await;
    assert!(good.status.success());
    let shown = String::from_utf8_lossy(&good.stdout);
    assert!(shown.contains("jwt_secret = \"********\""), "{shown}");
    assert!(!shown.contains(crate::client::SECRET));

    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("check-config")
        .env("SWITCHBOARD__HTTP__LISTEN", "abc")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("http.listen: invalid socket address \"abc\""), "{err}");
}

#[tokio::test]
async fn agents_are_listed_and_a_disabled_agent_cannot_log_in() {
    let daemon = chat_daemon().await;
    daemon.agent_add("mia", "Mia Wong", &["zh", "en"], true, PASSWORD).await;
    let list = daemon.cli(&["agent", "list"], "").await;
    let text = String::from_utf8_lossy(&list.stdout);
    let row = text.lines().find(|l| l.starts_with("mia ")).unwrap_or_else(|| panic!("{text}"));
    assert!(
        row.contains("Mia Wong") && row.contains("zh,en") && row.contains("supervisor") && row.contains("active"),
        "{row}"
    );

    // A login that is taken and a short password are refused and change nothing.
    let again = daemon.cli(&["agent", "add", "mia", "--name", "Other"], &format!("{PASSWORD}\n")).await;
    assert!(!again.status.success());
    let short = daemon.cli(&["agent", "add", "nia", "--name", "Nia"], "short\n").await;
    assert!(!short.status.success());
    let list = daemon.cli(&["agent", "list"], "").await;
    assert!(!String::from_utf8_lossy(&list.stdout).contains("nia "));

    let login = |password: &'static str| {
        let url = format!("{}/v1/agent/login", daemon.base_url());
        async move {
            reqwest::Client::new()
                .post(url)
                .json(&json!({ "login": "mia", "password": password }))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(login(PASSWORD).await, 200);
    assert!(daemon.cli(&["agent", "disable", "mia"], "").await.status.success());
    assert_eq!(login(PASSWORD).await, 401);
    assert!(!daemon.cli(&["agent", "disable", "nobody"], "").await.status.success());
}
