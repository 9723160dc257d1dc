//! Broken connections and silent servers end in errors, never in a hang.

use std::time::{Duration, Instant};

use switchboard_email::{ImapClient, ImapError, TlsMode};
use switchboard_mailservers::CutProxy;
use tokio_util::sync::CancellationToken;

use crate::common::{blocking, dovecot, endpoint, endpoint_at, mail};

#[tokio::test]
async fn a_command_on_a_cut_connection_fails_and_the_client_stays_closed() {
    let Some(dovecot) = dovecot() else { return };
    let proxy = CutProxy::start(dovecot.port()).unwrap();
    let mut client = ImapClient::connect(&endpoint(&dovecot, proxy.port())).await.unwrap();
    client.select("INBOX").await.unwrap();

    proxy.cut();
    let started = Instant::now();
    let error = client.uids_above(0).await.unwrap_err();
    assert!(matches!(error, ImapError::Closed(_)), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    let error = client.select("INBOX").await.unwrap_err();
    assert!(matches!(error, ImapError::Closed(_)), "{error:?}");
}

#[tokio::test]
async fn a_cut_during_idle_or_mid_fetch_is_an_error() {
    let Some(dovecot) = dovecot() else { return };
    blocking({
        let dovecot = dovecot.clone();
        move || dovecot.append_all("INBOX", &(1..=50).map(mail).collect::<Vec<_>>()).unwrap()
    })
    .await;
    let proxy = CutProxy::start(dovecot.port()).unwrap();
    let endpoint = endpoint(&dovecot, proxy.port());

    let mut client = ImapClient::connect(&endpoint).await.unwrap();
    client.select("INBOX").await.unwrap();
    let never = CancellationToken::new();
    let wait = client.wait(Duration::from_secs(30), &never);
    let cut = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        proxy.cut();
    };
    let (result, ()) = tokio::join!(wait, cut);
    let error = result.unwrap_err();
    assert!(matches!(error, ImapError::Closed(_)), "{error:?}");

    let mut client = ImapClient::connect(&endpoint).await.unwrap();
    client.select("INBOX").await.unwrap();
    let uids = client.uids_above(0).await.unwrap();
    proxy.cut_after_bytes(2_000);
    let error = client.fetch(&uids).await.unwrap_err();
    assert!(matches!(error, ImapError::Closed(_)), "{error:?}");
}

#[tokio::test]
async fn a_server_that_never_greets_times_out() {
    // Accepts the connection and then says nothing, as a hung server would.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let silent = tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        tokio::time::sleep(Duration::from_secs(30)).await;
        drop(socket);
    });
    let mut endpoint = endpoint_at(port);
    endpoint.command_timeout = Duration::from_millis(500);
    let started = Instant::now();
    let error = ImapClient::connect(&endpoint).await.unwrap_err();
    assert_eq!(error, ImapError::Timeout("greeting"));
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    silent.abort();
}

#[tokio::test]
async fn nothing_listening_is_a_connect_error() {
    let port = switchboard_mailservers::free_port().unwrap();
    let error = ImapClient::connect(&endpoint_at(port)).await.unwrap_err();
    assert!(matches!(error, ImapError::Connect(ref message) if message.contains(&port.to_string())), "{error:?}");
}

#[tokio::test]
async fn starttls_is_refused_when_the_server_does_not_offer_it() {
    let Some(dovecot) = dovecot() else { return };
    let mut endpoint = endpoint(&dovecot, dovecot.port());
    endpoint.tls = TlsMode::Starttls;
    let error = ImapClient::connect(&endpoint).await.unwrap_err();
    assert_eq!(error, ImapError::Tls("the server does not offer STARTTLS".into()));
}
