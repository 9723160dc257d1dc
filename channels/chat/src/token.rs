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

/// Longest subject accepted: ids are for indexing, not essays.
const MAX_SUB_LEN: usize = 128;

impl TokenVerifier {
    /// A verifier for HS256 tokens signed with `secret`; an empty secret refuses every token.
    pub fn hs256(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "sub"]);
        validation.leeway = 5;
        let key = (!secret.is_empty()).then(|| DecodingKey::from_secret(secret));
        Self { key, validation }
    }

    /// The claims of a valid token, or why it is refused.
    pub fn verify(&self, token: &str) -> Result<CustomerClaims, TokenError> {
        let key = self.key.as_ref().ok_or(TokenError::NotConfigured)?;
        let data = decode::<CustomerClaims>(token, key, &self.validation).map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
            kind => TokenError::Invalid(format!("{kind:?}")),
        })?;
        let claims = data.claims;
        if claims.sub.trim().is_empty() || claims.sub.len() > MAX_SUB_LEN {
            return Err(TokenError::Invalid("sub must be 1 to 128 characters".into()));
        }
        Ok(claims)
    }
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
