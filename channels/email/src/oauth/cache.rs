//! The one token a source hands out, and when to fetch the next: five minutes before it
//! expires, or halfway through the life of a token that lives less than ten minutes.

use std::future::Future;
use std::time::{Duration, Instant};

use serde::Deserialize;
use switchboard_channel::Secret;
use tokio::sync::Mutex;

/// How early a token is replaced: a send that started with it must still be able to log in.
const MARGIN: Duration = Duration::from_secs(5 * 60);

/// A token just fetched and how long its issuer says it lives.
pub(crate) struct Fetched {
    pub token: Secret,
    pub lifetime: Duration,
}

/// The JSON a token endpoint answers, and a token command may print (RFC 6749, 5.1).
#[derive(Deserialize)]
pub(crate) struct TokenAnswer {
    pub access_token: String,
    /// Seconds; some providers send it as a string.
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
    #[serde(default)]
    pub refresh_token: Option<String>,
}

impl TokenAnswer {
    /// The token, living `expires_in` or, when the answer does not say, `default_lifetime`.
    pub fn fetched(&self, default_lifetime: Duration) -> Result<Fetched, String> {
        if self.access_token.trim().is_empty() {
            return Err("the access_token is empty".into());
        }
        let seconds = match &self.expires_in {
            None => None,
            Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
            Some(value) => value.as_u64(),
        };
        if self.expires_in.is_some() && seconds.is_none() {
            return Err("expires_in is not a number of seconds".into());
        }
        Ok(Fetched {
            token: Secret::new(self.access_token.trim()),
            lifetime: seconds.map_or(default_lifetime, Duration::from_secs),
        })
    }
}

struct Cached {
    token: Secret,
    replace_at: Instant,
}

/// The cached token behind an async lock: callers that arrive while it is being fetched wait
/// for that fetch and take its token, so a source is never asked twice at once.
#[derive(Default)]
pub(crate) struct TokenCache {
    slot: Mutex<Option<Cached>>,
}

impl TokenCache {
    /// The cached token while it is fresh, else the one `fetch` gets, which is then cached.
    pub async fn get<F>(&self, fetch: impl FnOnce() -> F) -> Result<Secret, String>
    where
        F: Future<Output = Result<Fetched, String>>,
    {
        let mut slot = self.slot.lock().await;
        if let Some(cached) = slot.as_ref().filter(|c| Instant::now() < c.replace_at) {
            return Ok(cached.token.clone());
        }
        let fetched = fetch().await?;
        let replace_at = Instant::now() + fetched.lifetime.saturating_sub(MARGIN.min(fetched.lifetime / 2));
        *slot = Some(Cached { token: fetched.token.clone(), replace_at });
        Ok(fetched.token)
    }

    /// Forgets the token, so the next caller fetches a new one (after the server refused it).
    pub async fn clear(&self) {
        *self.slot.lock().await = None;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    fn answer(json: &str) -> TokenAnswer {
        serde_json::from_str(json).expect("json")
    }

    #[test]
    fn expiry_is_read_as_a_number_or_a_string() {
        let default = Duration::from_secs(60);
        let lifetime = |json| answer(json).fetched(default).map(|f| f.lifetime);
        assert_eq!(lifetime(r#"{"access_token":"t","expires_in":3599}"#), Ok(Duration::from_secs(3599)));
        assert_eq!(lifetime(r#"{"access_token":"t","expires_in":"3599"}"#), Ok(Duration::from_secs(3599)));
        assert_eq!(lifetime(r#"{"access_token":"t"}"#), Ok(default));
        assert!(lifetime(r#"{"access_token":"t","expires_in":"soon"}"#).is_err());
        assert!(lifetime(r#"{"access_token":" "}"#).is_err());
    }

    #[tokio::test]
    async fn a_fresh_token_is_reused_and_concurrent_callers_share_one_fetch() {
        let cache = TokenCache::default();
        let fetches = &AtomicU32::new(0);
        let fetch = move || async move {
            fetches.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(50)).await;
            Ok(Fetched { token: Secret::new("t"), lifetime: Duration::from_secs(3600) })
        };
        let (a, b) = tokio::join!(cache.get(fetch), cache.get(fetch));
        assert_eq!((a.expect("a").expose(), b.expect("b").expose()), ("t", "t"));
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        cache.clear().await;
        cache.get(fetch).await.expect("again");
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
    }
}
