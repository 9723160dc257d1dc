//! The lettre transport of one SMTP account: TLS as configured, with the private CA when one
//! is set, a connection pool, the I/O timeout, and the login.

use std::time::Duration;

use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::{AsyncSmtpTransportBuilder, PoolConfig};
use lettre::{AsyncSmtpTransport, Tokio1Executor};

use super::SmtpSetupError;
use crate::config::{SmtpConfig, TlsMode};

pub(crate) type Transport = AsyncSmtpTransport<Tokio1Executor>;

/// Connections kept open to one server: replies come in bursts, rarely many at once.
const POOL_SIZE: u32 = 4;

/// Everything of the transport but the login, which XOAUTH2 changes with each token.
pub(crate) fn builder(cfg: &SmtpConfig) -> Result<AsyncSmtpTransportBuilder, SmtpSetupError> {
    let tls = match cfg.tls {
        TlsMode::Implicit => Tls::Wrapper(tls_parameters(cfg)?),
        TlsMode::Starttls => Tls::Required(tls_parameters(cfg)?),
        TlsMode::None => Tls::None,
    };
    // "Dangerous" only in that lettre leaves TLS to us, which the match above settles.
    Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&cfg.host)
        .port(cfg.port)
        .tls(tls)
        .timeout(Some(Duration::from_secs(cfg.timeout_s)))
        .pool_config(PoolConfig::new().max_size(POOL_SIZE)))
}

/// The web roots, and the certificates of `ca_file` besides.
fn tls_parameters(cfg: &SmtpConfig) -> Result<TlsParameters, SmtpSetupError> {
    let mut parameters = TlsParameters::builder(cfg.host.clone());
    if let Some(path) = &cfg.ca_file {
        let fail = |reason: String| SmtpSetupError::CaFile { path: path.clone(), reason };
        let pem = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
        // from_pem takes a file without a certificate as an empty list.
        const BEGIN: &[u8] = b"-----BEGIN CERTIFICATE-----";
        if !pem.windows(BEGIN.len()).any(|w| w == BEGIN) {
            return Err(fail("no certificate in the file".into()));
        }
        let certificate = Certificate::from_pem(&pem).map_err(|e| fail(e.to_string()))?;
        parameters = parameters.add_root_certificate(certificate);
    }
    parameters.build_rustls().map_err(|e| SmtpSetupError::Tls(e.to_string()))
}

/// AUTH PLAIN (or LOGIN, for servers without PLAIN) with a password.
pub(crate) fn with_password(builder: AsyncSmtpTransportBuilder, username: &str, password: &str) -> Transport {
    builder
        .credentials(Credentials::new(username.to_owned(), password.to_owned()))
        .authentication(vec![Mechanism::Plain, Mechanism::Login])
        .build()
}

/// AUTH XOAUTH2 with an access token in place of the password, as lettre takes it.
pub(crate) fn with_token(builder: AsyncSmtpTransportBuilder, username: &str, token: &str) -> Transport {
    builder
        .credentials(Credentials::new(username.to_owned(), token.to_owned()))
        .authentication(vec![Mechanism::Xoauth2])
        .build()
}
