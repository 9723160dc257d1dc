//! Faults between the mailbox and the store: Dovecot restarted while mail streams in, the
//! connection cut in the middle of a FETCH, the daemon killed while it commits and flags.
//! Afterwards every mail is stored exactly once and flagged `\Seen`.

use std::time::Duration;

use switchboard_mailservers::{CutProxy, SinkMode};

use crate::mail::{count, daemon, email_config, eventually, inbound_mails, many_mails, servers, setup};

const WAIT: Duration = Duration::from_secs(90);

/// Every mail of the folder is stored once, under its own key, and flagged seen.
async fn taken_exactly_once(d: &crate::common::Daemon, dovecot: &switchboard_mailservers::Dovecot, n: i64) {
    eventually(&format!("{n} mails committed"), WAIT, || inbound_mails(d) >= n).await;
    eventually("every mail flagged seen", WAIT, || {
        dovecot.flags("INBOX").unwrap().iter().all(|(_, flags)| flags.iter().any(|f| f == "\\Seen"))
    })
    .await;
    assert_eq!(inbound_mails(d), n, "no mail stored twice");
    let keys =
        count(d, "SELECT count(DISTINCT external_id) FROM messages WHERE channel = 'email' AND direction = 'inbound'");
    assert_eq!(keys, n, "each mail under its own key");
}

#[tokio::test]
async fn dovecot_restarted_mid_stream_loses_and_repeats_nothing() {
    let Some(mut s) = setup(SinkMode::Accept).await else { return };
    s.dovecot.append_all("INBOX", &many_mails(0, 600)).unwrap();
    eventually("ingest under way", WAIT, || inbound_mails(&s.daemon) > 0).await;
    s.dovecot.restart().unwrap();
    s.dovecot.append_all("INBOX", &many_mails(600, 50)).unwrap();
    taken_exactly_once(&s.daemon, &s.dovecot, 650).await;
}

#[tokio::test]
async fn a_connection_cut_during_fetch_is_fetched_again() {
    let Some((dovecot, _sink)) = servers(SinkMode::Accept) else { return };
    let proxy = CutProxy::start(dovecot.port()).unwrap();
    dovecot.append_all("INBOX", &many_mails(0, 300)).unwrap();
    // Past the greeting, login and SELECT, well inside the first batch's FETCH.
    proxy.cut_after_bytes(40_000);
    let d = daemon(email_config(proxy.port(), &dovecot, _sink.port(), "batch = 200")).await;
    eventually("a reconnection after the cut", WAIT, || proxy.accepted() >= 2).await;
    taken_exactly_once(&d, &dovecot, 300).await;
}

#[tokio::test]
async fn the_daemon_killed_between_commit_and_seen_takes_nothing_twice() {
    let Some(mut s) = setup(SinkMode::Accept).await else { return };
    s.dovecot.append_all("INBOX", &many_mails(0, 3000)).unwrap();
    eventually("ingest under way", WAIT, || inbound_mails(&s.daemon) > 0).await;
    s.daemon.kill9();
    let committed = inbound_mails(&s.daemon);
    let seen = s.dovecot.flags("INBOX").unwrap().iter().filter(|(_, f)| f.iter().any(|f| f == "\\Seen")).count();
    assert!((seen as i64) <= committed, "nothing is flagged seen before it is committed ({seen} > {committed})");
    s.daemon.restart().await;
    taken_exactly_once(&s.daemon, &s.dovecot, 3000).await;
}
