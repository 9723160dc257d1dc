//! The signature every webhook of ours carries, both directions: `X-Switchboard-Timestamp:
//! <unix seconds>` and `X-Switchboard-Signature: sha256=<hex HMAC-SHA256 of
//! "<timestamp>.<body>">`, keyed with the webhook's secret. The timestamp is signed with the
//! body, so a captured request cannot be replayed later than the tolerance.

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const TIMESTAMP_HEADER: &str = "x-switchboard-timestamp";
pub const SIGNATURE_HEADER: &str = "x-switchboard-signature";

type HmacSha256 = Hmac<Sha256>;

/// Why a signed request is refused; safe to tell the sender.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("missing X-Switchboard-Timestamp or X-Switchboard-Signature")]
    Missing,
    #[error("X-Switchboard-Timestamp is not within the allowed tolerance of our clock")]
    Stale,
    #[error("bad signature")]
    Bad,
}

fn mac(secret: &[u8], timestamp: &str, body: &[u8]) -> HmacSha256 {
    // HMAC takes a key of any length.
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts any key length");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The signature header's value for `body` sent at `timestamp` (Unix seconds).
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let tag = mac(secret, &timestamp.to_string(), body).finalize().into_bytes();
    let hex: String = tag.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// Checks a request's headers against its body, at `now_s` (Unix seconds) with `tolerance_s`.
pub fn verify(
    secret: &[u8],
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now_s: i64,
    tolerance_s: u64,
) -> Result<(), SignatureError> {
    let (Some(timestamp), Some(signature)) = (timestamp, signature) else { return Err(SignatureError::Missing) };
    let sent: i64 = timestamp.trim().parse().map_err(|_| SignatureError::Stale)?;
    if sent.abs_diff(now_s) > tolerance_s {
        return Err(SignatureError::Stale);
    }
    let tag = signature.trim().strip_prefix("sha256=").and_then(decode_hex).ok_or(SignatureError::Bad)?;
    // `verify_slice` compares in constant time.
    mac(secret, timestamp.trim(), body).verify_slice(&tag).map_err(|_| SignatureError::Bad)
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn a_signature_verifies_and_a_changed_body_does_not() {
        let sig = sign(KEY, 1_800_000_000, b"{\"a\":1}");
        assert!(sig.starts_with("sha256=") && sig.len() == 7 + 64);
        let check = |body: &[u8], ts: &str, sig: &str, now| verify(KEY, Some(ts), Some(sig), body, now, 300);
        assert_eq!(check(b"{\"a\":1}", "1800000000", &sig, 1_800_000_100), Ok(()));
        assert_eq!(check(b"{\"a\":2}", "1800000000", &sig, 1_800_000_100), Err(SignatureError::Bad));
        assert_eq!(check(b"{\"a\":1}", "1800000001", &sig, 1_800_000_100), Err(SignatureError::Bad));
        assert_eq!(check(b"{\"a\":1}", "1800000000", &sig, 1_800_000_301), Err(SignatureError::Stale));
        assert_eq!(check(b"{\"a\":1}", "1800000000", "sha256=zz", 1_800_000_000), Err(SignatureError::Bad));
        assert_eq!(verify(KEY, None, Some(&sig), b"", 0, 300), Err(SignatureError::Missing));
    }
}
