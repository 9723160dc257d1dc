//! `config/example.toml` documents every configuration key with its default: it must parse,
//! name every key the configuration structs have (and no other), give exactly the built-in
//! defaults, and run the daemon as it is.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::Daemon;
use switchboard::config::Config;

fn example_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("config/example.toml")
}

fn no_env() -> Vec<(String, String)> {
    Vec::new()
}

/// Every key of a TOML document as a dotted path; the tables of an array of tables are
/// merged under `name[]`, so `[[routing.queues]]` keys read `routing.queues[].name`.
fn key_paths(value: &toml::Value, prefix: &str, out: &mut BTreeSet<String>) {
    match value {
        toml::Value::Table(table) => {
            for (key, value) in table {
                let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                match value {
                    toml::Value::Table(_) => key_paths(value, &path, out),
                    toml::Value::Array(items) if items.iter().any(toml::Value::is_table) => {
                        for item in items {
                            key_paths(item, &format!("{path}[]"), out);
                        }
                    }
                    _ => {
                        out.insert(path);
                    }
                }
            }
        }
        other => panic!("a TOML document is a table, not {other:?}"),
    }
}

fn keys_of(text: &str) -> BTreeSet<String> {
    let value: toml::Value = toml::from_str(text).expect("valid TOML");
    let mut keys = BTreeSet::new();
    key_paths(&value, "", &mut keys);
    keys
}

#[test]
fn the_example_config_loads() {
    let config = Config::load_with_env(Some(&example_path()), no_env())
        .unwrap_or_else(|e| panic!("config/example.toml does not load: {e}"));
    assert_eq!(config.http.listen.to_string(), "127.0.0.1:8080");
}

#[test]
fn the_example_config_names_every_key_and_no_other() {
    let defaults = Config::load_with_env(None, no_env()).expect("the defaults load");
    let known = keys_of(&defaults.to_masked_toml());
    let example_text = std::fs::read_to_string(example_path()).expect("example.toml is readable");
    let documented = keys_of(&example_text);
    let missing: Vec<_> = known.difference(&documented).collect();
    let unknown: Vec<_> = documented.difference(&known).collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "config/example.toml is out of step with src/config: keys missing from it: {missing:?}; \
         keys it has that the configuration does not: {unknown:?}"
    );
    // A sanity check on the comparison itself, so an empty key set cannot pass.
    for key in ["http.listen", "store.url", "routing.queues[].name"] {
        assert!(known.contains(key), "{key} not among {known:?}");
    }
}

#[test]
fn the_example_config_shows_the_real_defaults() {
    let defaults = Config::load_with_env(None, no_env()).expect("the defaults load");
    let example = Config::load_with_env(Some(&example_path()), no_env()).expect("example loads");
    assert_eq!(
        example.to_masked_toml(),
        defaults.to_masked_toml(),
        "a value in config/example.toml differs from the built-in default"
    );
}

#[tokio::test]
async fn the_daemon_runs_on_the_example_config_and_keeps_its_data() {
    let mut daemon = Daemon::builder().config_file(example_path()).start().await;
    let health = reqwest::get(format!("{}/healthz", daemon.base_url())).await.expect("/healthz answers");
    assert_eq!(health.status(), 200);
    let ready = reqwest::get(format!("{}/readyz", daemon.base_url())).await.expect("/readyz answers");
    assert_eq!(ready.status(), 200, "{}", ready.text().await.unwrap_or_default());

    let id = daemon.agent_add("mei", "Mei Lin", &["zh", "en"], true, "correct horse battery").await;
    assert!(id.starts_with("ag_"), "agent id {id:?}");
    assert!(daemon.db_path().exists(), "no database at {}", daemon.db_path().display());

    daemon.kill9();
    daemon.restart().await;
    let list = daemon.cli(&["agent", "list"], "").await;
    assert!(list.status.success(), "{list:?}");
    let list = String::from_utf8_lossy(&list.stdout);
    let mei = list
        .lines()
        .find(|l| l.starts_with("mei "))
        .unwrap_or_else(|| panic!("agent mei is gone after kill -9 and restart:\n{list}"));
    assert!(mei.contains("zh,en") && mei.contains("supervisor"), "{mei}");

    let (status, took) = daemon.terminate().await;
    assert!(status.success(), "exit status after SIGTERM: {status}");
    let example = Config::load_with_env(Some(&example_path()), no_env()).expect("example loads");
    let drain = std::time::Duration::from_secs(example.http.shutdown_drain_s);
    assert!(took < drain, "shutdown took {took:?}, over the {drain:?} drain deadline");
    let logs = daemon.logs();
    assert_eq!(logs.matches("\"message\":\"Listening\"").count(), 2, "{logs}");
    assert!(logs.contains("\"message\":\"Stopped\""), "{logs}");
}
