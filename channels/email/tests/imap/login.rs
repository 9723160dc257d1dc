//! Logging in: a password, XOAUTH2, and what a refusal looks like.

use std::sync::Arc;

use async_trait::async_trait;
use switchboard_channel::Secret;
use switchboard_email::{AccessTokens, Credentials, ImapClient, ImapError, LoginSecret};

use crate::common::{blocking, connect, dovecot, endpoint};

#[tokio::test]
async fn logs_in_and_select_gives_the_uidvalidity() {
    let Some(dovecot) = dovecot() else { return };
    let mut client = connect(&dovecot).await;
    assert!(client.supports_idle());

    let status = client.select("INBOX").await.unwrap();
    let expected = blocking({
        let dovecot = dovecot.clone();
        move || dovecot.uidvalidity("INBOX").unwrap()
    })
    .await;
    assert_eq!(status.uid_validity, expected);
    assert_eq!(status.exists, 0);
    assert_eq!(status.uid_next, Some(1));
    client.logout().await;
}

#[tokio::test]
async fn a_wrong_password_is_a_login_error_that_does_not_repeat_it() {
    let Some(dovecot) = dovecot() else { return };
    let mut endpoint = endpoint(&dovecot, dovecot.port());
    endpoint.credentials =
        Credentials { username: dovecot.username().into(), secret: LoginSecret::Password(Secret::new("not-it-42")) };
    let error = ImapClient::connect(&endpoint).await.unwrap_err();
    assert!(matches!(error, ImapError::Login(_)), "{error:?}");
    assert!(!error.to_string().contains("not-it-42"), "{error}");
}

/// A token source that always has the same answer.
struct Tokens(Result<&'static str, &'static str>);

#[async_trait]
impl AccessTokens for Tokens {
    async fn token(&self) -> Result<Secret, String> {
        self.0.map(Secret::new).map_err(String::from)
    }
}

#[tokio::test]
async fn xoauth2_refused_by_the_server_is_a_login_error() {
    let Some(dovecot) = dovecot() else { return };
    let mut endpoint = endpoint(&dovecot, dovecot.port());
    // The private Dovecot offers PLAIN and LOGIN only: AUTHENTICATE XOAUTH2 gets a NO.
    endpoint.credentials = Credentials {
        username: dovecot.username().into(),
        secret: LoginSecret::OAuth(Arc::new(Tokens(Ok("token-abc-123")))),
    };
    let error = ImapClient::connect(&endpoint).await.unwrap_err();
    assert!(matches!(error, ImapError::Login(_)), "{error:?}");
    assert!(!error.to_string().contains("token-abc-123"), "{error}");
}

#[tokio::test]
async fn no_access_token_is_a_login_error_that_says_why() {
    let Some(dovecot) = dovecot() else { return };
    let mut endpoint = endpoint(&dovecot, dovecot.port());
    endpoint.credentials = Credentials {
        username: "support@example.com".into(),
        secret: LoginSecret::OAuth(Arc::new(Tokens(Err("refresh token revoked")))),
    };
    let error = ImapClient::connect(&endpoint).await.unwrap_err();
    assert_eq!(error, ImapError::Login("no access token for support@example.com: refresh token revoked".into()));
}

#[test]
fn the_client_can_be_driven_from_a_spawned_task() {
    fn spawnable<T: Send + 'static>(_: T) {}
    // Never run: it only has to compile, which needs every future of the client to be Send.
    let endpoint = crate::common::endpoint_at(1);
    spawnable(async move {
        let mut client = ImapClient::connect(&endpoint).await?;
        client.select("INBOX").await?;
        let uids = client.uids_above(0).await?;
        client.fetch(&uids).await?;
        client.mark_seen(&uids).await?;
        client.move_to(&uids, "Done").await?;
        client.wait(std::time::Duration::from_secs(1), &tokio_util::sync::CancellationToken::new()).await?;
        client.logout().await;
        Ok::<(), ImapError>(())
    });
}
