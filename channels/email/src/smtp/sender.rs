//! [`SmtpSender`]: one mailbox's SMTP account, sending [`OutgoingMail`] under a timeout and
//! saying whether the server can be reached.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use lettre::AsyncTransport;
use lettre::transport::smtp::AsyncSmtpTransportBuilder;
use lettre::transport::smtp::response::Response;
use switchboard_channel::{DeliveryError, DeliveryReceipt};

use super::SmtpSetupError;
use super::dkim::Dkim;
use super::failure::classify;
use super::mail::OutgoingMail;
use super::transport::{self, Transport};
use crate::config::SmtpConfig;
use crate::credentials::{AccessTokens, Credentials, LoginSecret};

/// Sends the mail of one mailbox. Connections are pooled and reused between sends.
pub struct SmtpSender {
    login: Login,
    timeout: Duration,
    text_as_html: bool,
    dkim: Option<Dkim>,
}

enum Login {
    /// No login, or a password: one transport for good.
    Fixed(Transport),
    /// XOAUTH2: the transport is built again when the source hands out a new token, since
    /// lettre fixes the credentials of a transport; pooled connections already logged in
    /// with the old token go with the old transport.
    OAuth {
        username: String,
        tokens: Arc<dyn AccessTokens>,
        /// Boxed: it is large, and the other variant is one pointer.
        builder: Box<AsyncSmtpTransportBuilder>,
        current: Mutex<Option<(String, Transport)>>,
    },
}

impl SmtpSender {
    /// The sender of `cfg`'s account. The login is `credentials` (made by the caller from the
    /// account's username and its password or token source); `None` sends without AUTH, to a
    /// relay that trusts us. The DKIM key, when configured, is read here, once.
    pub fn new(cfg: &SmtpConfig, credentials: Option<Credentials>) -> Result<Self, SmtpSetupError> {
        let builder = transport::builder(cfg)?;
        let login = match credentials {
            None => Login::Fixed(builder.build()),
            Some(Credentials { username, secret: LoginSecret::Password(password) }) => {
                Login::Fixed(transport::with_password(builder, &username, password.expose()))
            }
            Some(Credentials { username, secret: LoginSecret::OAuth(tokens) }) => {
                Login::OAuth { username, tokens, builder: Box::new(builder), current: Mutex::new(None) }
            }
        };
        Ok(Self {
            login,
            timeout: Duration::from_secs(cfg.timeout_s),
            text_as_html: cfg.html,
            dkim: cfg.dkim.as_ref().map(Dkim::load).transpose()?,
        })
    }

    /// Sends the mail, connection and login included, within the configured timeout. The
    /// receipt carries our Message-ID and the server's reply (`250 2.0.0 Ok: queued as …`).
    /// A mail that cannot be built, a 5xx reply and a refused login are permanent; anything
    /// else is transient (see `failure::classify`).
    pub async fn send(&self, mail: &OutgoingMail) -> Result<DeliveryReceipt, DeliveryError> {
        let message = mail.message(self.text_as_html).map_err(DeliveryError::Permanent)?;
        let formatted = message.formatted();
        let bytes = match &self.dkim {
            Some(dkim) => dkim.sign(&formatted).map_err(DeliveryError::Permanent)?,
            None => formatted,
        };
        let response = self
            .within_timeout(async {
                let transport = self.transport().await.map_err(DeliveryError::Transient)?;
                transport.send_raw(message.envelope(), &bytes).await.map_err(|e| classify(&e))
            })
            .await?;
        Ok(DeliveryReceipt { external_id: Some(mail.message_id.clone()), detail: reply_line(&response) })
    }

    /// Whether a connection, EHLO and the login work, and the server answers NOOP: for
    /// `/readyz`.
    pub async fn ready(&self) -> Result<(), String> {
        let connected = self
            .within_timeout(async {
                let transport = self.transport().await.map_err(DeliveryError::Transient)?;
                transport.test_connection().await.map_err(|e| classify(&e))
            })
            .await
            .map_err(|e| match e {
                DeliveryError::Transient(reason) | DeliveryError::Permanent(reason) => reason,
            })?;
        if connected { Ok(()) } else { Err("the server did not answer NOOP".into()) }
    }

    async fn within_timeout<T>(
        &self,
        work: impl Future<Output = Result<T, DeliveryError>>,
    ) -> Result<T, DeliveryError> {
        tokio::time::timeout(self.timeout, work)
            .await
            .unwrap_or_else(|_| Err(DeliveryError::Transient(format!("no answer within {} s", self.timeout.as_secs()))))
    }

    /// The transport to use now: for XOAUTH2 the one logged in with the source's current
    /// token. `Err` says why no token could be had.
    async fn transport(&self) -> Result<Transport, String> {
        match &self.login {
            Login::Fixed(transport) => Ok(transport.clone()),
            Login::OAuth { username, tokens, builder, current } => {
                let token = tokens.token().await.map_err(|e| format!("no access token: {e}"))?;
                let mut current = current.lock().expect("transport lock");
                match current.as_ref() {
                    Some((used, transport)) if used == token.expose() => Ok(transport.clone()),
                    _ => {
                        let transport = transport::with_token((**builder).clone(), username, token.expose());
                        *current = Some((token.expose().to_owned(), transport.clone()));
                        Ok(transport)
                    }
                }
            }
        }
    }
}

/// `250 2.0.0 Ok: queued as 4F2` from the reply's code and lines.
fn reply_line(response: &Response) -> String {
    let text = response.message().collect::<Vec<_>>().join(" ");
    format!("{} {text}", response.code()).trim_end().to_owned()
}
