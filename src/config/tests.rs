//! Loading, overriding and rejecting configurations.

use std::io::Write;

use super::*;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn file(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(text.as_bytes()).unwrap();
    f
}

#[test]
fn defaults_load_as_they_are() {
    let c = Config::load_with_env(None, env(&[])).unwrap();
    assert_eq!(c.http.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(c.store.url, "sqlite://switchboard.db");
    assert_eq!(c.routing.queues.len(), 3);
}

#[test]
fn environment_overrides_file_which_overrides_defaults() {
    let f = file("[http]\nlisten = \"127.0.0.1:9000\"\n[store]\nwrite_batch = 7\n");
    let c = Config::load_with_env(Some(f.path()), env(&[("SWITCHBOARD__HTTP__LISTEN", "0.0.0.0:9100")])).unwrap();
    assert_eq!(c.http.listen.to_string(), "0.0.0.0:9100");
    assert_eq!(c.store.write_batch, 7);
    let c = Config::load_with_env(None, env(&[("SWITCHBOARD__STORE__WRITE_BATCH", "9")])).unwrap();
    assert_eq!(c.store.write_batch, 9);
}

#[test]
fn a_bad_listen_address_names_its_key() {
    let err = Config::load_with_env(None, env(&[("SWITCHBOARD__HTTP__LISTEN", "abc")])).unwrap_err().to_string();
    assert_eq!(err, "http.listen: invalid socket address \"abc\"");
}

#[test]
fn unknown_keys_are_refused_by_name() {
    let f = file("[http]\nlisten = \"127.0.0.1:9000\"\nlisen = \"x\"\n");
    let err = Config::load_with_env(Some(f.path()), env(&[])).unwrap_err().to_string();
    assert!(err.contains("lisen"), "{err}");
}

#[test]
fn wrong_types_and_values_name_their_key() {
    let err = Config::load_with_env(None, env(&[("SWITCHBOARD__STORE__WRITE_BATCH", "many")])).unwrap_err().to_string();
    assert!(err.starts_with("store.write_batch: "), "{err}");
    let err = Config::load_with_env(None, env(&[("SWITCHBOARD__STORE__URL", "mysql://x")])).unwrap_err().to_string();
    assert!(err.starts_with("store.url:"), "{err}");
    let err = Config::load_with_env(None, env(&[("SWITCHBOARD__CHAT__JWT_SECRET", "short")])).unwrap_err().to_string();
    assert!(err.starts_with("chat.jwt_secret:"), "{err}");
    let err =
        Config::load_with_env(None, env(&[("SWITCHBOARD__CONSOLE__ACCESS_CHECK_S", "0")])).unwrap_err().to_string();
    assert!(err.starts_with("console.access_check_s:"), "{err}");
    let err =
        Config::load_with_env(None, env(&[("SWITCHBOARD__CONSOLE__OUTBOUND_QUEUE", "0")])).unwrap_err().to_string();
    assert!(err.starts_with("console.outbound_queue:"), "{err}");
    let f = file("[routing]\ndefault_queue = \"nowhere\"\n");
    let err = Config::load_with_env(Some(f.path()), env(&[])).unwrap_err().to_string();
    assert!(err.starts_with("routing.default_queue:"), "{err}");
}

#[test]
fn a_missing_file_is_an_error() {
    let err = Config::load_with_env(Some(Path::new("/nonexistent/switchboard.toml")), env(&[])).unwrap_err();
    assert!(err.to_string().contains("does not exist"));
}

#[test]
fn secrets_are_masked_when_printed() {
    let secret = "a-very-long-signing-secret-for-customer-tokens";
    let c = Config::load_with_env(None, env(&[("SWITCHBOARD__CHAT__JWT_SECRET", secret)])).unwrap();
    let shown = c.to_masked_toml();
    assert!(!shown.contains(secret));
    assert!(shown.contains("jwt_secret = \"********\""), "{shown}");
    assert!(!format!("{c:?}").contains(secret));
    assert_eq!(c.chat.jwt_secret.expose(), secret);
}

#[test]
fn an_action_set_in_a_file_keeps_its_shipped_keys_and_takes_its_secret_from_the_environment() {
    let f = file("[actions.freeze]\nurl = \"https://wallet.example/actions\"\n");
    let secret = "s".repeat(32);
    let c = Config::load_with_env(Some(f.path()), env(&[("SWITCHBOARD__ACTIONS__FREEZE__SECRET", &secret)])).unwrap();
    let freeze = &c.actions["freeze"];
    assert_eq!((freeze.allowed, freeze.secret.expose()), (ActionPermission::Agent, secret.as_str()));
    assert_eq!(freeze.unavailable(), None);
    assert_eq!(c.actions["unfreeze"].allowed, ActionPermission::Verified);
    assert!(c.actions["unfreeze"].unavailable().is_some(), "no url or secret: unavailable");
    assert_eq!(c.playbook.intake.len(), 3, "funds_not_received, payment_failed and refund ship");
    let short = Config::load_with_env(Some(f.path()), env(&[("SWITCHBOARD__ACTIONS__FREEZE__SECRET", "short")]));
    assert!(short.unwrap_err().0.starts_with("actions.freeze.secret:"));
    assert!(!c.to_masked_toml().contains(&secret), "the secret is masked");
}
