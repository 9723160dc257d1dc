//! `[callback]`: the phone-callback channel's own configuration section.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use switchboard_channel::Secret;

use crate::do_not_call::DoNotCall;
use crate::hours::{CallingHours, WeeklyHours};
use crate::zones;

/// `[callback]`
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CallbackConfig {
    /// The zone (IANA name) a customer is called in when neither the request, nor
    /// `country_zones`, nor the built-in table of countries gives one.
    #[serde(default = "CallbackConfig::default_zone")]
    pub default_zone: String,
    /// Zone per ISO country code (`US = "America/Chicago"`), in place of the built-in table's
    /// first zone of the country, for the countries most customers of one zone call from.
    #[serde(default)]
    pub country_zones: BTreeMap<String, String>,
    /// When customers may be called, in their own zone: see [`WeeklyHours`].
    #[serde(default)]
    pub calling_hours: WeeklyHours,
    /// Calls made to one request at most; after that many missed calls it fails.
    #[serde(default = "CallbackConfig::default_max_attempts")]
    pub max_attempts: u32,
    /// Seconds to wait after the first, second, … missed call before the next (the last
    /// repeats), moved on into calling hours.
    #[serde(default = "CallbackConfig::default_backoff")]
    pub retry_backoff_s: Vec<u64>,
    /// Largest request body accepted, in bytes; a larger one gets 413 `too_large`.
    #[serde(default = "CallbackConfig::default_max_body")]
    pub max_body_bytes: usize,
    /// Longest `reason` accepted, in characters.
    #[serde(default = "CallbackConfig::default_max_reason")]
    pub max_reason_chars: usize,
    /// How far ahead a request's window may end, in days.
    #[serde(default = "CallbackConfig::default_horizon")]
    pub horizon_days: u32,
    /// Numbers never called (E.164), and prefixes of them ending in `*` (`+1900*`): a request
    /// for one gets 403 `do_not_call`.
    #[serde(default)]
    pub do_not_call: Vec<String>,
    /// How requests are limited.
    #[serde(default)]
    pub rate: RateConfig,
    /// Who places the calls: `manual` (agents dial themselves) or `webhook` (the telephone
    /// system of `[callback.webhook]`).
    #[serde(default)]
    pub dialer: DialerKind,
    /// The telephone system the `webhook` dialer asks to place calls, and that reports them.
    #[serde(default)]
    pub webhook: WebhookConfig,
}

/// `callback.dialer`
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DialerKind {
    #[default]
    Manual,
    Webhook,
}

/// `[callback.rate]`: requests (`POST /v1/callbacks`) allowed, each over a sliding period.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RateConfig {
    /// Per customer (the token's `sub`), per hour.
    #[serde(default = "RateConfig::default_per_customer")]
    pub per_customer_per_hour: u32,
    /// Per number asked to be called, per hour, whoever asks: nobody has a stranger's phone
    /// rung over and over from many accounts.
    #[serde(default = "RateConfig::default_per_phone")]
    pub per_phone_per_hour: u32,
    /// Per client address (IPv6 by its /64), per minute.
    #[serde(default = "RateConfig::default_per_address")]
    pub per_address_per_minute: u32,
}

/// `[callback.webhook]`
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// Where calls are asked for (`https://pbx.example/calls`). Required with the `webhook`
    /// dialer.
    #[serde(default)]
    pub url: String,
    /// The HMAC-SHA256 key that signs our requests and the telephone system's events, at
    /// least 32 bytes; set it from the environment (`SWITCHBOARD__CALLBACK__WEBHOOK__SECRET`).
    #[serde(default)]
    pub secret: Secret,
    /// Who is called first: `agent_first` or `customer_first`.
    #[serde(default)]
    pub order: WebhookOrder,
    /// Seconds one request to the telephone system may take.
    #[serde(default = "WebhookConfig::default_timeout")]
    pub timeout_s: u64,
    /// Retries of a request that failed transiently (no connection, timeout, 5xx, 429).
    #[serde(default = "WebhookConfig::default_retries")]
    pub retries: u32,
    /// Seconds an event's timestamp may differ from our clock.
    #[serde(default = "WebhookConfig::default_tolerance")]
    pub events_tolerance_s: u64,
}

/// `callback.webhook.order`
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookOrder {
    #[default]
    AgentFirst,
    CustomerFirst,
}

impl WebhookOrder {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::AgentFirst => "agent_first",
            Self::CustomerFirst => "customer_first",
        }
    }
}

/// Shortest webhook secret accepted: an HMAC key is as strong as its bytes.
const MIN_SECRET_BYTES: usize = 32;
/// Most attempts configurable: nothing redials without end.
const MAX_ATTEMPTS: u32 = 20;
/// Longest horizon configurable, in days; calling hours are searched this far ahead.
pub(crate) const MAX_HORIZON_DAYS: u32 = 60;

impl CallbackConfig {
    fn default_zone() -> String {
        "UTC".into()
    }
    const fn default_max_attempts() -> u32 {
        3
    }
    fn default_backoff() -> Vec<u64> {
        vec![600, 1800, 3600]
    }
    const fn default_max_body() -> usize {
        16 * 1024
    }
    const fn default_max_reason() -> usize {
        1000
    }
    const fn default_horizon() -> u32 {
        14
    }

    /// Checks what the types alone cannot; the error names the key.
    pub fn validate(&self) -> Result<(), String> {
        zones::lookup(&self.default_zone).map_err(|e| format!("callback.default_zone: {e}"))?;
        for (country, zone) in &self.country_zones {
            if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(format!("callback.country_zones.{country}: not an ISO country code such as US or CN"));
            }
            zones::lookup(zone).map_err(|e| format!("callback.country_zones.{country}: {e}"))?;
        }
        CallingHours::new(&self.calling_hours)?;
        if !(1..=MAX_ATTEMPTS).contains(&self.max_attempts) {
            return Err(format!("callback.max_attempts: must be 1 to {MAX_ATTEMPTS}"));
        }
        if self.retry_backoff_s.is_empty() || self.retry_backoff_s.iter().any(|s| *s == 0 || *s > 7 * 24 * 3600) {
            return Err("callback.retry_backoff_s: give one or more waits, each 1 s to 7 days".into());
        }
        if self.max_body_bytes < 1024 {
            return Err("callback.max_body_bytes: must be at least 1024".into());
        }
        if self.max_reason_chars == 0 {
            return Err("callback.max_reason_chars: must be at least 1".into());
        }
        if !(1..=MAX_HORIZON_DAYS).contains(&self.horizon_days) {
            return Err(format!("callback.horizon_days: must be 1 to {MAX_HORIZON_DAYS}"));
        }
        DoNotCall::new(&self.do_not_call)?;
        self.rate.validate()?;
        if self.dialer == DialerKind::Webhook {
            self.webhook.validate()?;
        }
        Ok(())
    }
}

impl Default for CallbackConfig {
    fn default() -> Self {
        Self {
            default_zone: Self::default_zone(),
            country_zones: BTreeMap::new(),
            calling_hours: WeeklyHours::default(),
            max_attempts: Self::default_max_attempts(),
            retry_backoff_s: Self::default_backoff(),
            max_body_bytes: Self::default_max_body(),
            max_reason_chars: Self::default_max_reason(),
            horizon_days: Self::default_horizon(),
            do_not_call: Vec::new(),
            rate: RateConfig::default(),
            dialer: DialerKind::default(),
            webhook: WebhookConfig::default(),
        }
    }
}

impl RateConfig {
    const fn default_per_customer() -> u32 {
        10
    }
    const fn default_per_phone() -> u32 {
        5
    }
    const fn default_per_address() -> u32 {
        30
    }

    fn validate(&self) -> Result<(), String> {
        for (key, value) in [
            ("callback.rate.per_customer_per_hour", self.per_customer_per_hour),
            ("callback.rate.per_phone_per_hour", self.per_phone_per_hour),
            ("callback.rate.per_address_per_minute", self.per_address_per_minute),
        ] {
            if value == 0 {
                return Err(format!("{key}: must be at least 1"));
            }
        }
        Ok(())
    }
}

impl Default for RateConfig {
    fn default() -> Self {
        Self {
            per_customer_per_hour: Self::default_per_customer(),
            per_phone_per_hour: Self::default_per_phone(),
            per_address_per_minute: Self::default_per_address(),
        }
    }
}

impl WebhookConfig {
    const fn default_timeout() -> u64 {
        5
    }
    const fn default_retries() -> u32 {
        3
    }
    const fn default_tolerance() -> u64 {
        300
    }

    fn validate(&self) -> Result<(), String> {
        let url = reqwest::Url::parse(&self.url)
            .map_err(|e| format!("callback.webhook.url: not a URL ({e}); the webhook dialer needs one"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err("callback.webhook.url: must be an http:// or https:// URL with a host".into());
        }
        if self.secret.expose().len() < MIN_SECRET_BYTES {
            return Err(format!(
                "callback.webhook.secret: must be at least {MIN_SECRET_BYTES} bytes long \
                 (set SWITCHBOARD__CALLBACK__WEBHOOK__SECRET)"
            ));
        }
        if !(1..=60).contains(&self.timeout_s) {
            return Err("callback.webhook.timeout_s: must be 1 to 60".into());
        }
        if self.retries > 10 {
            return Err("callback.webhook.retries: must be at most 10".into());
        }
        if !(1..=3600).contains(&self.events_tolerance_s) {
            return Err("callback.webhook.events_tolerance_s: must be 1 to 3600".into());
        }
        Ok(())
    }
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            url: String::new(),
            secret: Secret::default(),
            order: WebhookOrder::default(),
            timeout_s: Self::default_timeout(),
            retries: Self::default_retries(),
            events_tolerance_s: Self::default_tolerance(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_valid() {
        CallbackConfig::default().validate().unwrap();
    }

    #[test]
    fn errors_name_the_key() {
        let bad = |edit: fn(&mut CallbackConfig)| {
            let mut c = CallbackConfig::default();
            edit(&mut c);
            c.validate().unwrap_err()
        };
        assert!(bad(|c| c.default_zone = "Mars/Olympus".into()).starts_with("callback.default_zone: "));
        assert!(bad(|c| c.max_attempts = 0).starts_with("callback.max_attempts: "));
        assert!(bad(|c| c.retry_backoff_s.clear()).starts_with("callback.retry_backoff_s: "));
        assert!(bad(|c| c.do_not_call = vec!["12345".into()]).starts_with("callback.do_not_call[0]: "));
        assert!(bad(|c| c.rate.per_phone_per_hour = 0).starts_with("callback.rate.per_phone_per_hour: "));
        assert!(
            bad(|c| {
                c.country_zones.insert("us".into(), "America/Chicago".into());
            })
            .starts_with("callback.country_zones.us: ")
        );
        assert!(bad(|c| c.dialer = DialerKind::Webhook).starts_with("callback.webhook.url: "));
        let short_secret = bad(|c| {
            c.dialer = DialerKind::Webhook;
            c.webhook.url = "https://pbx.example/calls".into();
            c.webhook.secret = Secret::new("short");
        });
        assert!(short_secret.starts_with("callback.webhook.secret: "), "{short_secret}");
        assert!(!short_secret.contains("short\""), "the secret is never echoed: {short_secret}");
    }

    #[test]
    fn the_secret_is_never_serialised() {
        let mut c = CallbackConfig::default();
        c.webhook.secret = Secret::new("0123456789abcdef0123456789abcdef");
        let shown = serde_json::to_string(&c).unwrap();
        assert!(!shown.contains("0123456789abcdef"), "{shown}");
        assert!(!format!("{c:?}").contains("0123456789abcdef"));
    }
}
