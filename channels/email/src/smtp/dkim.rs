//! DKIM signatures on outgoing mail (RFC 6376), with an RSA or Ed25519 key loaded once from
//! its PEM file.

use mail_auth::common::crypto::{Ed25519Key, RsaKey, Sha256, SigningKey};
use mail_auth::common::headers::HeaderWriter;
use mail_auth::dkim::{DkimSigner, Done};

use super::SmtpSetupError;
use crate::config::DkimConfig;

/// The headers signed, when the mail has them: those a reader sees and those that thread it,
/// and the MIME headers without which the body could be read another way.
const SIGNED_HEADERS: &[&str] = &[
    "From",
    "To",
    "Cc",
    "Reply-To",
    "Subject",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "References",
    "MIME-Version",
    "Content-Type",
];

/// The signer of one mailbox's mail.
pub(crate) enum Dkim {
    Rsa(DkimSigner<RsaKey<Sha256>, Done>),
    Ed25519(DkimSigner<Ed25519Key, Done>),
}

impl Dkim {
    /// Reads the key: RSA in PKCS#1 or PKCS#8, or Ed25519 in PKCS#8.
    pub fn load(cfg: &DkimConfig) -> Result<Self, SmtpSetupError> {
        let path = &cfg.key_file;
        let fail = |reason: String| SmtpSetupError::DkimKey { path: path.clone(), reason };
        let pem = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
        let key = rustls_pemfile::private_key(&mut pem.as_slice())
            .map_err(|e| fail(e.to_string()))?
            .ok_or_else(|| fail("no private key in the file".into()))?;
        if let Ok(rsa) = RsaKey::<Sha256>::from_key_der(key.clone_key()) {
            return Ok(Self::Rsa(signer(rsa, cfg)));
        }
        // OpenSSL writes Ed25519 keys as PKCS#8 v1, without the public key ring checks.
        let ed25519 = Ed25519Key::from_pkcs8_maybe_unchecked_der(key.secret_der())
            .map_err(|_| fail("neither an RSA nor an Ed25519 private key".into()))?;
        Ok(Self::Ed25519(signer(ed25519, cfg)))
    }

    /// The message with its `DKIM-Signature` header in front.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, String> {
        let signature = match self {
            Self::Rsa(signer) => signer.sign(message),
            Self::Ed25519(signer) => signer.sign(message),
        }
        .map_err(|e| format!("DKIM signing failed: {e}"))?;
        let mut signed = signature.to_header().into_bytes();
        signed.extend_from_slice(message);
        Ok(signed)
    }
}

fn signer<T: SigningKey>(key: T, cfg: &DkimConfig) -> DkimSigner<T, Done> {
    DkimSigner::from_key(key).domain(&cfg.domain).selector(&cfg.selector).headers(SIGNED_HEADERS.iter().copied())
}
