//! Browser tests: the agent console and the demo chat widget in real headless Chromium
//! (Debian's `chromium`, driven by `playwright-core` from `web/node_modules`), against the
//! real daemon, each page with a fresh profile. A Node script under `web/tests/` drives the pages and asks this harness, line
//! by line, for what only it can do: crash and restart the daemon, disable an agent. Its
//! screenshots are kept under `target/tmp/browser-artifacts/`.
//!
//! Without Chromium, Node or the npm packages the tests skip with a note (`scripts/test`
//! installs them).

#[path = "../common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use common::Daemon;

const CHROMIUM: &str = "/usr/bin/chromium";
const SECRET: &str = "browser-test-secret-browser-test-secret-0123";
const PASSWORD: &str = "correct horse battery staple";
/// How long one browser script may run before the test fails.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(240);

fn web_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("web")
}

/// Why the browser tests cannot run here, if they cannot.
fn missing_tools() -> Option<String> {
    if !Path::new(CHROMIUM).exists() {
        return Some(format!("{CHROMIUM} is not installed"));
    }
    if std::process::Command::new("node").arg("--version").output().is_err() {
        return Some("node is not installed".into());
    }
    if !web_dir().join("node_modules/playwright-core").exists() {
        return Some("web/node_modules is missing (run npm ci in web/)".into());
    }
    None
}

/// A port free now, so a restarted daemon comes back on the same address and the pages
/// reconnect to it.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn console_daemon() -> Daemon {
    Daemon::builder()
        .env("SWITCHBOARD__HTTP__LISTEN", format!("127.0.0.1:{}", free_port()))
        .env("SWITCHBOARD__CHAT__JWT_SECRET", SECRET)
        // A fixed secret keeps agents' tokens valid across the restart.
        .env("SWITCHBOARD__CONSOLE__TOKEN_SECRET", SECRET)
        .env("SWITCHBOARD__CONSOLE__ACCESS_CHECK_S", "1")
        .env("SWITCHBOARD__WEB__CHAT_DEMO", "true")
        .env("SWITCHBOARD__ROUTING__OFFER_TIMEOUT_S", "60")
        .env("SWITCHBOARD__ROUTING__RECONNECT_GRACE_S", "60")
        .start()
        .await
}

fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-artifacts");
    std::fs::create_dir_all(&dir).expect("the artifacts folder can be made");
    dir
}

/// Runs `web/tests/SCRIPT` against the daemon and carries out what it asks for. Returns the
/// agent tokens the script saw, so the test can check they never reached the logs.
async fn run_script(daemon: &mut Daemon, script: &str) -> Vec<String> {
    let mut child = tokio::process::Command::new("node")
        .arg(web_dir().join("tests").join(script))
        .env("BASE_URL", daemon.base_url())
        .env("ARTIFACTS", artifacts())
        .env("PASSWORD", PASSWORD)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("node starts");
    let mut input = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut tokens = Vec::new();
    let steps = async {
        while let Some(line) = lines.next_line().await.expect("the script's output can be read") {
            let Some(command) = line.strip_prefix("@@ ") else {
                println!("{line}");
                continue;
            };
            let mut words = command.split_whitespace();
            match (words.next(), words.next()) {
                (Some("kill"), _) => daemon.kill9(),
                (Some("restart"), _) => daemon.restart().await,
                (Some("disable"), Some(login)) => {
                    let out = daemon.cli(&["agent", "disable", login], "").await;
                    assert!(out.status.success(), "agent disable failed: {out:?}");
                }
                (Some("token"), Some(token)) => tokens.push(token.to_owned()),
                _ => panic!("the script asked for something unknown: {line}"),
            }
            input.write_all(b"ok\n").await.expect("the script reads its answers");
        }
    };
    tokio::time::timeout(SCRIPT_TIMEOUT, steps).await.expect("the browser script finished in time");
    let status = child.wait().await.expect("node can be waited for");
    assert!(status.success(), "{script} failed ({status}); screenshots are in {}", artifacts().display());
    tokens
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_and_a_customer_hold_a_conversation_in_the_browser() {
    if let Some(why) = missing_tools() {
        eprintln!("skipped: {why}");
        return;
    }
    let mut daemon = console_daemon().await;
    daemon.agent_add("alice", "Alice", &["en"], false, PASSWORD).await;
    daemon.agent_add("sam", "Sam", &["en"], true, PASSWORD).await;
    let tokens = run_script(&mut daemon, "console.mjs").await;
    assert!(!tokens.is_empty(), "the script reports the tokens it used");
    let logs = daemon.logs();
    for token in &tokens {
        assert!(!logs.contains(token.as_str()), "an agent token reached the daemon's logs");
    }
}

#[test]
fn the_committed_build_matches_the_sources() {
    if let Some(why) = missing_tools() {
        eprintln!("skipped: {why}");
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let built = std::process::Command::new("npx")
        .args(["vite", "build", "--logLevel", "error", "--emptyOutDir", "--outDir"])
        .arg(out.path())
        .current_dir(web_dir())
        .output()
        .expect("vite runs");
    assert!(built.status.success(), "vite build failed: {}", String::from_utf8_lossy(&built.stderr));
    let committed = files(&web_dir().join("dist"));
    let fresh = files(out.path());
    assert_eq!(
        committed.keys().collect::<Vec<_>>(),
        fresh.keys().collect::<Vec<_>>(),
        "web/dist is not the build of web/src: run `npm run build` in web/ and commit web/dist"
    );
    for (name, bytes) in &committed {
        assert!(bytes == &fresh[name], "web/dist/{name} differs from a fresh build: run `npm run build` in web/");
    }
}

/// Every file under `dir`, by its path inside it.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut found = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let name = path.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                found.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
    found
}
