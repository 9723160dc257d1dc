//! Access tokens from the provider's token endpoint: the refresh-token grant of RFC 6749
//! (section 6), as Microsoft 365 and Google Workspace take it.

use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use serde::Deserialize;
use switchboard_channel::Secret;

use super::cache::{Fetched, TokenAnswer, TokenCache};
use crate::config::OAuthConfig;
use crate::credentials::AccessTokens;

/// Used when an endpoint leaves `expires_in` out (it is only recommended).
const DEFAULT_LIFETIME: Duration = Duration::from_secs(5 * 60);

/// Exchanges the configured refresh token for access tokens at `token_url`.
pub struct RefreshTokens {
    client: reqwest::Client,
    url: String,
    client_id: String,
    client_secret: Secret,
    scope: Option<String>,
    /// Replaced when an answer brings a new one (providers that rotate refresh tokens); only
    /// in memory, so a restart goes back to the configured one.
    refresh_token: Mutex<Secret>,
    cache: TokenCache,
}

/// What an endpoint says when it refuses (RFC 6749, 5.2).
#[derive(Deserialize)]
struct Refusal {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

impl RefreshTokens {
    /// Needs `token_url`, `client_id` and `refresh_token`; `client_secret` and `scope` are sent
    /// when set. Each request, connection included, gets `timeout`.
    pub fn new(cfg: &OAuthConfig, timeout: Duration) -> Result<Self, String> {
        let url = cfg.token_url.clone().ok_or("oauth.token_url is required")?;
        let client_id = cfg.client_id.clone().ok_or("oauth.client_id is required with oauth.token_url")?;
        if cfg.refresh_token.is_empty() {
            return Err("oauth.refresh_token is required with oauth.token_url".into());
        }
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| format!("oauth.token_url: no HTTP client: {e}"))?;
        Ok(Self {
            client,
            url,
            client_id,
            client_secret: cfg.client_secret.clone(),
            scope: cfg.scope.clone(),
            refresh_token: Mutex::new(cfg.refresh_token.clone()),
            cache: TokenCache::default(),
        })
    }

    async fn refresh(&self) -> Result<Fetched, String> {
        let refresh_token = self.refresh_token.lock().expect("refresh token lock").clone();
        let mut form = vec![
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose()),
            ("client_id", self.client_id.as_str()),
        ];
        if !self.client_secret.is_empty() {
            form.push(("client_secret", self.client_secret.expose()));
        }
        if let Some(scope) = &self.scope {
            form.push(("scope", scope.as_str()));
        }
        let url = &self.url;
        // reqwest's errors name the URL and the cause, never the form sent.
        let response =
            self.client.post(url).form(&form).send().await.map_err(|e| format!("token endpoint {url}: {e}"))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| format!("token endpoint {url}: {e}"))?;
        if !status.is_success() {
            let reason = match serde_json::from_slice::<Refusal>(&body) {
                Ok(Refusal { error, error_description: Some(description) }) => format!("{error}: {description}"),
                Ok(Refusal { error, error_description: None }) => error,
                Err(_) => "no OAuth error in the answer".into(),
            };
            return Err(format!("token endpoint {url} answered {status}: {reason}"));
        }
        let answer: TokenAnswer = serde_json::from_slice(&body)
            .map_err(|_| format!("token endpoint {url} answered {status} without a string access_token"))?;
        if let Some(rotated) = answer.refresh_token.as_deref().filter(|t| !t.is_empty()) {
            *self.refresh_token.lock().expect("refresh token lock") = Secret::new(rotated);
        }
        answer.fetched(DEFAULT_LIFETIME).map_err(|e| format!("token endpoint {url}: {e}"))
    }
}

#[async_trait]
impl AccessTokens for RefreshTokens {
    async fn token(&self) -> Result<Secret, String> {
        self.cache.get(|| self.refresh()).await
    }

    async fn invalidate(&self) {
        self.cache.clear().await;
    }
}
