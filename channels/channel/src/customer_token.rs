//! Customer tokens: JWTs the app's backend signs for its logged-in user (HS256 with the
//! shared secret). Only the configured algorithm is accepted, so `alg: none` and algorithm
//! confusion are refused.

use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode};
use serde::Deserialize;

/// What a valid customer token says.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct CustomerClaims {
    /// The app's user id.
    pub sub: String,
    /// Expiry, Unix seconds.
    pub exp: u64,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    /// E.164 phone number.
    #[serde(default)]
    pub phone: Option<String>,
    /// Preferred language (`zh`, `en`, …).
    #[serde(default)]
    pub lang: Option<String>,
    /// The customer's tier in the app (`vip`, `standard`, …), which queues can take by.
    #[serde(default)]
    pub tier: Option<String>,
}

/// Why a token was refused. The message is safe to show the client: it never echoes the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("customer tokens are not accepted: chat.jwt_secret is not configured")]
    NotConfigured,
    #[error("token expired")]
    Expired,
    #[error("invalid token: {0}")]
    Invalid(String),
}

/// Verifies customer tokens.
#[derive(Clone)]
pub struct TokenVerifier {
    key: Option<DecodingKey>,
    validation: Validation,
}

/// Longest subject accepted, in characters: ids are for indexing, not essays.
const MAX_SUB_LEN: usize = 128;
/// Longest display name kept, in characters; a longer one is dropped, not shown on every
/// message.
const MAX_NAME_LEN: usize = 100;
/// Seconds of clock difference with the app's backend a token's expiry is allowed.
pub const LEEWAY_S: u64 = 5;

impl TokenVerifier {
    /// A verifier for HS256 tokens signed with `secret`; an empty secret refuses every token.
    pub fn hs256(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "sub"]);
        validation.leeway = LEEWAY_S;
        let key = (!secret.is_empty()).then(|| DecodingKey::from_secret(secret));
        Self { key, validation }
    }

    /// The claims of a valid token, or why it is refused.
    pub fn verify(&self, token: &str) -> Result<CustomerClaims, TokenError> {
        let key = self.key.as_ref().ok_or(TokenError::NotConfigured)?;
        let data = decode::<CustomerClaims>(token, key, &self.validation).map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
            kind => {
                tracing::debug!(reason = ?kind, "Customer token not valid");
                TokenError::Invalid(describe(kind).into())
            }
        })?;
        let mut claims = data.claims;
        if claims.sub.trim().is_empty() || claims.sub.chars().count() > MAX_SUB_LEN {
            return Err(TokenError::Invalid("sub must be 1 to 128 characters".into()));
        }
        // Optional claims that do not hold are dropped: they only describe the customer.
        claims.name = claims.name.filter(|n| !n.trim().is_empty() && n.chars().count() <= MAX_NAME_LEN);
        claims.phone = claims.phone.filter(|p| is_e164(p));
        claims.email = claims.email.filter(|e| e.len() <= 254 && e.contains('@') && !e.chars().any(char::is_control));
        claims.lang = claims.lang.filter(|l| l.len() <= 16 && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
        claims.tier = claims.tier.map(|t| t.to_lowercase()).filter(|t| {
            !t.is_empty() && t.len() <= 32 && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        });
        Ok(claims)
    }
}

/// Why a token is not valid, in our words.
fn describe(kind: &jsonwebtoken::errors::ErrorKind) -> &'static str {
    use jsonwebtoken::errors::ErrorKind;
    match kind {
        ErrorKind::InvalidSignature => "bad signature",
        ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => "unexpected signing algorithm",
        ErrorKind::MissingRequiredClaim(_) => "a required claim (sub, exp) is missing",
        ErrorKind::ImmatureSignature => "token not valid yet",
        _ => "not a well-formed token",
    }
}

/// A phone number in E.164 form: `+`, then 8 to 15 digits, the first not 0.
fn is_e164(phone: &str) -> bool {
    let Some(digits) = phone.strip_prefix('+') else { return false };
    (8..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()) && !digits.starts_with('0')
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{EncodingKey, Header, encode};
    use serde_json::json;

    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn now() -> u64 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
    }

    fn sign(claims: serde_json::Value, alg: Algorithm, secret: &[u8]) -> String {
        encode(&Header::new(alg), &claims, &EncodingKey::from_secret(secret)).unwrap()
    }

    #[test]
    fn a_valid_token_gives_its_claims() {
        let t = sign(json!({"sub": "u1", "exp": now() + 60, "name": "Li", "lang": "zh"}), Algorithm::HS256, SECRET);
        let c = TokenVerifier::hs256(SECRET).verify(&t).unwrap();
        assert_eq!((c.sub.as_str(), c.name.as_deref(), c.lang.as_deref()), ("u1", Some("Li"), Some("zh")));
    }

    #[test]
    fn claims_that_do_not_hold_are_dropped() {
        let claims = json!({
            "sub": "u1", "exp": now() + 60, "phone": "not-a-phone<script>", "name": "x".repeat(30_000),
            "email": "no at sign", "lang": "zh<b>", "tier": "vip; drop table",
        });
        let c = TokenVerifier::hs256(SECRET).verify(&sign(claims, Algorithm::HS256, SECRET)).unwrap();
        assert_eq!((c.phone, c.name, c.email, c.lang, c.tier), (None, None, None, None, None));
        let vip = json!({"sub": "u1", "exp": now() + 60, "tier": "VIP"});
        let c = TokenVerifier::hs256(SECRET).verify(&sign(vip, Algorithm::HS256, SECRET)).unwrap();
        assert_eq!(c.tier.as_deref(), Some("vip"));
        let good = json!({"sub": "u1", "exp": now() + 60, "phone": "+8613800138000", "email": "li@example.com"});
        let c = TokenVerifier::hs256(SECRET).verify(&sign(good, Algorithm::HS256, SECRET)).unwrap();
        assert_eq!((c.phone.as_deref(), c.email.as_deref()), (Some("+8613800138000"), Some("li@example.com")));
    }

    #[test]
    fn bad_tokens_are_refused() {
        let v = TokenVerifier::hs256(SECRET);
        let expired = sign(json!({"sub": "u1", "exp": now() - 600}), Algorithm::HS256, SECRET);
        assert_eq!(v.verify(&expired), Err(TokenError::Expired));
        let wrong_key =
            sign(json!({"sub": "u1", "exp": now() + 60}), Algorithm::HS256, b"another-secret-another-secret-xx");
        assert!(matches!(v.verify(&wrong_key), Err(TokenError::Invalid(_))));
        let no_sub = sign(json!({"exp": now() + 60}), Algorithm::HS256, SECRET);
        assert!(matches!(v.verify(&no_sub), Err(TokenError::Invalid(_))));
        let other_alg = sign(json!({"sub": "u1", "exp": now() + 60}), Algorithm::HS512, SECRET);
        assert!(matches!(v.verify(&other_alg), Err(TokenError::Invalid(_))));
        // An unsigned token: header {"alg":"none"}, no signature.
        let none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ1MSIsImV4cCI6NDEwMjQ0NDgwMH0.";
        assert!(matches!(v.verify(none), Err(TokenError::Invalid(_))));
        assert!(matches!(v.verify("not a token"), Err(TokenError::Invalid(_))));
        assert_eq!(TokenVerifier::hs256(b"").verify(&expired), Err(TokenError::NotConfigured));
    }
}
