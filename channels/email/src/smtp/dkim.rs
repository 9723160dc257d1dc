//! DKIM signatures on outgoing mail (RFC 6376), with an RSA or Ed25519 key loaded once from
//! its PEM file.

use mail_auth::common::crypto::{Ed25519Key, RsaKey, Sha256, SigningKey};
use mail_auth::common::headers::HeaderWriter;
use mail_auth::dkim::{DkimSigner, Done};

use super::SmtpSetupError;
use crate::config::DkimConfig;

/// The headers signed: those a reader sees and those that thread it, and the MIME headers
/// without which the body could be read another way. mail-auth lists the ones a mail lacks
/// as well, so that none of them can be added on the way.
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

#[cfg(test)]
mod tests {
    use std::borrow::Borrow;
    use std::hash::Hash;
    use std::path::PathBuf;
    use std::time::Instant;

    use mail_auth::common::parse::TxtRecordParser;
    use mail_auth::common::verify::DomainKey;
    use mail_auth::{AuthenticatedMessage, DkimResult, MessageAuthenticator, Parameters, ResolverCache, Txt};

    use super::*;

    const MESSAGE: &[u8] = b"From: Wallet Support <support@help.wallet.example>\r\n\
        To: li.wei@customer.example\r\n\
        Subject: Re: Refund\r\n\
        Date: Mon, 7 Dec 2026 11:23:49 +0000\r\n\
        Message-ID: <abc.def@help.wallet.example>\r\n\
        In-Reply-To: <first@customer.example>\r\n\
        References: <first@customer.example>\r\n\
        MIME-Version: 1.0\r\n\
        Content-Type: text/plain; charset=utf-8\r\n\
        \r\n\
        Hello\r\n";

    /// The one DKIM key record the verifier may look up: no DNS is asked.
    struct KeyRecord {
        name: Box<str>,
        record: Txt,
    }

    impl ResolverCache<Box<str>, Txt> for KeyRecord {
        fn get<Q>(&self, name: &Q) -> Option<Txt>
        where
            Box<str>: Borrow<Q>,
            Q: Hash + Eq + ?Sized,
        {
            (self.name.borrow() == name).then(|| self.record.clone())
        }
        fn remove<Q>(&self, _: &Q) -> Option<Txt>
        where
            Box<str>: Borrow<Q>,
            Q: Hash + Eq + ?Sized,
        {
            None
        }
        fn insert(&self, _: Box<str>, _: Txt, _: Instant) {}
    }

    fn config(key: &str) -> DkimConfig {
        DkimConfig {
            domain: "help.wallet.example".into(),
            selector: "sb2026".into(),
            key_file: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/smtp/keys").join(key),
        }
    }

    async fn verify(dkim: &Dkim, signed: &[u8]) -> DkimResult {
        let (kind, public) = match dkim {
            Dkim::Rsa(signer) => ("rsa", signer.key.public_key()),
            Dkim::Ed25519(signer) => ("ed25519", signer.key.public_key()),
        };
        let record = format!("v=DKIM1; k={kind}; p={}", data_encoding::BASE64.encode(&public));
        let cache = KeyRecord {
            name: "sb2026._domainkey.help.wallet.example.".into(),
            record: DomainKey::parse(record.as_bytes()).expect("key record").into(),
        };
        let message = AuthenticatedMessage::parse(signed).expect("parses");
        let authenticator = MessageAuthenticator::new_cloudflare().expect("resolver");
        let outputs = authenticator.verify_dkim(Parameters::new(&message).with_txt_cache(&cache)).await;
        assert_eq!(outputs.len(), 1);
        outputs[0].result().clone()
    }

    #[tokio::test]
    async fn rsa_and_ed25519_signatures_verify() {
        for key in ["test_rsa_pkcs1.pem", "test_rsa_pkcs8.pem", "test_ed25519.pem"] {
            let dkim = Dkim::load(&config(key)).expect(key);
            assert_eq!(matches!(dkim, Dkim::Ed25519(_)), key.contains("ed25519"), "{key}");
            let signed = dkim.sign(MESSAGE).expect("signs");
            let head = String::from_utf8_lossy(&signed[..signed.len() - MESSAGE.len()]).into_owned();
            assert!(head.starts_with("DKIM-Signature: ") && head.ends_with("\r\n"), "{head}");
            for tag in ["d=help.wallet.example", "s=sb2026", "bh=", "b="] {
                assert!(head.contains(tag), "{key}: {tag} in {head}");
            }
            let unfolded = head.replace("\r\n\t", "").to_lowercase();
            let listed = unfolded.split("h=").nth(1).expect("h=").split(';').next().expect("list");
            let listed: Vec<&str> = listed.split(':').collect();
            for name in ["from", "to", "subject", "date", "message-id", "in-reply-to", "references", "content-type"] {
                assert!(listed.contains(&name), "{name} not signed: {head}");
            }
            assert_eq!(verify(&dkim, &signed).await, DkimResult::Pass, "{key}");

            let mut altered = signed.clone();
            let at = altered.len() - "Hello\r\n".len();
            altered[at] = b'J';
            assert_ne!(verify(&dkim, &altered).await, DkimResult::Pass, "{key}: an altered body must fail");
        }
    }

    #[test]
    fn a_file_without_a_key_is_refused_with_its_path() {
        let cfg = config("missing.pem");
        let err = Dkim::load(&cfg).err().expect("refused").to_string();
        assert!(err.contains("missing.pem"), "{err}");
    }
}
