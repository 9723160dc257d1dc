//! Waiting for new mail: IDLE wakes on an append, times out, and stops on cancel.

use std::time::{Duration, Instant};

use switchboard_email::Wake;
use tokio_util::sync::CancellationToken;

use crate::common::{blocking, connect, dovecot, mail};

#[tokio::test]
async fn idle_wakes_when_mail_arrives() {
    let Some(dovecot) = dovecot() else { return };
    let mut client = connect(&dovecot).await;
    client.select("INBOX").await.unwrap();

    let appender = {
        let dovecot = dovecot.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(500));
            dovecot.append("INBOX", &mail(1)).unwrap()
        })
    };
    let started = Instant::now();
    let wake = client.wait(Duration::from_secs(30), &CancellationToken::new()).await.unwrap();
    assert_eq!(wake, Wake::Changed);
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    let uid = appender.join().unwrap();
    // The client is back in step after IDLE.
    assert_eq!(client.uids_above(0).await.unwrap(), [uid]);
    assert_eq!(client.fetch(&[uid]).await.unwrap()[0].raw, mail(1));
    client.logout().await;
}

#[tokio::test]
async fn idle_times_out_then_stops_on_cancel() {
    let Some(dovecot) = dovecot() else { return };
    let mut client = connect(&dovecot).await;
    client.select("INBOX").await.unwrap();

    let started = Instant::now();
    let wake = client.wait(Duration::from_millis(300), &CancellationToken::new()).await.unwrap();
    assert_eq!(wake, Wake::TimedOut);
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());

    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        trigger.cancel();
    });
    let started = Instant::now();
    let wake = client.wait(Duration::from_secs(60), &cancel).await.unwrap();
    assert_eq!(wake, Wake::Cancelled);
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    // DONE was sent and answered: commands work again.
    assert_eq!(client.uids_above(0).await.unwrap(), Vec::<u32>::new());
    client.logout().await;
}

#[tokio::test]
async fn mail_reported_during_another_command_wakes_the_next_wait_at_once() {
    let Some(dovecot) = dovecot() else { return };
    let mut client = connect(&dovecot).await;
    client.select("INBOX").await.unwrap();
    blocking({
        let dovecot = dovecot.clone();
        move || dovecot.append("INBOX", &mail(1)).unwrap()
    })
    .await;
    // Dovecot tells of the new mail (`* 1 EXISTS`) in its answer to the next command.
    client.uids_above(5).await.unwrap();
    let started = Instant::now();
    let wake = client.wait(Duration::from_secs(30), &CancellationToken::new()).await.unwrap();
    assert_eq!(wake, Wake::Changed);
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    client.logout().await;
}
