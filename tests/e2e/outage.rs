//! The store failing for a while: clients are told to come back, nothing half-done is kept,
//! and once the store recovers everything works again.

use serde_json::json;

use crate::client::{Closed, Ws, chat_daemon_with};

#[tokio::test]
async fn while_the_store_cannot_write_clients_are_told_to_come_back_and_lose_nothing() {
    let daemon = chat_daemon_with(&[("SWITCHBOARD__STORE__BUSY_TIMEOUT_MS", "200")]).await;
    let (mut known, _) = Ws::customer(&daemon, "u-known", None).await;
    known.send(json!({ "type": "send", "client_id": "k1", "text": "first" })).await;
    assert_eq!(known.expect("ack").await["seq"], 1);

    // Another process holds the database's write lock.
    let lock = rusqlite::Connection::open(daemon.db_path()).unwrap();
    lock.execute_batch("BEGIN IMMEDIATE").unwrap();
    // A new customer cannot be recorded: told so, then closed with 1013 (try again later).
    let mut newcomer = Ws::connect(&daemon, "/v1/chat").await;
    newcomer.send(json!({ "type": "hello", "token": crate::client::customer_token("u-new") })).await;
    let (frames, closed) = newcomer.until_closed().await;
    assert_eq!(frames.iter().map(|f| &f["code"]).collect::<Vec<_>>(), [&json!("unavailable")], "{frames:?}");
    assert_eq!(closed, Closed::Code(1013));
    // A message is refused, not acknowledged.
    known.send(json!({ "type": "send", "client_id": "k2", "text": "second" })).await;
    assert_eq!(known.expect("error").await["code"], "unavailable");

    lock.execute_batch("ROLLBACK").unwrap();
    // The same client_id now commits once, with the next seq; the newcomer gets in.
    known.send(json!({ "type": "send", "client_id": "k2", "text": "second" })).await;
    assert_eq!(known.expect("ack").await["seq"], 2);
    let (_, welcome) = Ws::customer(&daemon, "u-new", None).await;
    assert_eq!(welcome["last_seq"], 0);
    let (_, again) = Ws::customer(&daemon, "u-known", Some(0)).await;
    assert_eq!(again["last_seq"], 2);
}
