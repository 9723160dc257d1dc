//! Agent session tokens: HS256 JWTs the daemon signs at login. They carry their own audience,
//! so a customer token can never pass as an agent's even if the secrets were the same.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};

use crate::domain::{AgentId, Millis};

const AUDIENCE: &str = "switchboard-agent";

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    exp: i64,
    aud: String,
}

/// Issues and checks agent tokens.
pub struct AgentTokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl_s: i64,
}

/// A verified agent token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentSession {
    pub agent: AgentId,
    /// When the token expires; the session is closed then.
    pub expires_at: Millis,
}

impl AgentTokens {
    /// Tokens signed with `secret`, or with a fresh random secret when it is empty.
    pub fn new(secret: &str, ttl_s: u64) -> Self {
        let key: Vec<u8> = if secret.is_empty() {
            (0..32).map(|_| rand::random::<u8>()).collect()
        } else {
            secret.as_bytes().to_vec()
        };
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "sub", "aud"]);
        // Expiry is checked against the daemon's clock in `verify`, the same clock the open
        // session's expiry timer runs on, so the two can never disagree.
        validation.validate_exp = false;
        Self {
            encoding: EncodingKey::from_secret(&key),
            decoding: DecodingKey::from_secret(&key),
            validation,
            ttl_s: ttl_s as i64,
        }
    }

    /// A token for `agent` and when it expires.
    pub fn issue(&self, agent: &AgentId, now: Millis) -> (String, Millis) {
        let exp = now.0 / 1000 + self.ttl_s;
        let claims = Claims { sub: agent.to_string(), exp, aud: AUDIENCE.into() };
        // HS256 signing of a small claim set cannot fail.
        let token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).unwrap_or_default();
        (token, Millis(exp * 1000))
    }

    /// The session a token grants, unless it is forged, meant for others or expired at `now`.
    pub fn verify(&self, token: &str, now: Millis) -> Option<AgentSession> {
        let data = decode::<Claims>(token, &self.decoding, &self.validation).ok()?;
        let expires_at = Millis(data.claims.exp.saturating_mul(1000));
        (expires_at > now).then_some(AgentSession { agent: AgentId(data.claims.sub), expires_at })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_tokens_verify_and_others_do_not() {
        let tokens = AgentTokens::new("", 3600);
        let now = Millis::wall();
        let (t, exp) = tokens.issue(&AgentId("ag_1".into()), now);
        let s = tokens.verify(&t, now).unwrap();
        assert_eq!(s.agent.as_str(), "ag_1");
        assert_eq!(s.expires_at, exp);
        assert!(AgentTokens::new("", 3600).verify(&t, now).is_none(), "another secret");
        let (old, _) = tokens.issue(&AgentId("ag_1".into()), Millis(now.0 - 7_200_000));
        assert!(tokens.verify(&old, now).is_none(), "expired");
        assert!(tokens.verify(&t, exp).is_none(), "expired the moment the session would close");
    }
}
