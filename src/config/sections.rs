//! The sections of the configuration file, one struct each. Defaults live here as const
//! functions and again, commented, in `config/example.toml`.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use switchboard_channel::websocket::Limits;

use super::{ConfigError, Secret};

fn invalid(key: &str, why: impl std::fmt::Display) -> ConfigError {
    ConfigError(format!("{key}: {why}"))
}

/// `[http]`
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    /// Address and port the one HTTP listener binds (`127.0.0.1:8080`; port 0 picks a free one).
    #[serde(default = "HttpConfig::default_listen", deserialize_with = "socket_addr")]
    pub listen: SocketAddr,
    /// Seconds a shutdown waits for connections and in-flight work to drain before exiting.
    #[serde(default = "HttpConfig::default_drain")]
    pub shutdown_drain_s: u64,
    /// Seconds a request head may take, from its first byte (a new connection's first request:
    /// from the accept); a connection slower than that is closed.
    #[serde(default = "HttpConfig::default_header_read_timeout")]
    pub header_read_timeout_s: u64,
    /// Seconds a request body may take after its head; a slower one is answered 408.
    #[serde(default = "HttpConfig::default_body_read_timeout")]
    pub body_read_timeout_s: u64,
    /// Seconds a kept-alive connection may wait for its next request before it is closed.
    #[serde(default = "HttpConfig::default_keep_alive_idle")]
    pub keep_alive_idle_s: u64,
    /// Open connections at most, websockets included; a new one beyond is answered 503
    /// `unavailable` and closed. Keep it below the process's open-file limit.
    #[serde(default = "HttpConfig::default_max_connections")]
    pub max_connections: usize,
}

impl HttpConfig {
    fn default_listen() -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], 8080))
    }
    const fn default_drain() -> u64 {
        10
    }
    const fn default_header_read_timeout() -> u64 {
        10
    }
    const fn default_body_read_timeout() -> u64 {
        30
    }
    const fn default_keep_alive_idle() -> u64 {
        60
    }
    const fn default_max_connections() -> usize {
        16_000
    }

    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        for (key, value) in [
            ("http.header_read_timeout_s", self.header_read_timeout_s),
            ("http.body_read_timeout_s", self.body_read_timeout_s),
            ("http.keep_alive_idle_s", self.keep_alive_idle_s),
            ("http.max_connections", self.max_connections as u64),
        ] {
            if value == 0 {
                return Err(invalid(key, "must be at least 1"));
            }
        }
        Ok(())
    }
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            listen: Self::default_listen(),
            shutdown_drain_s: Self::default_drain(),
            header_read_timeout_s: Self::default_header_read_timeout(),
            body_read_timeout_s: Self::default_body_read_timeout(),
            keep_alive_idle_s: Self::default_keep_alive_idle(),
            max_connections: Self::default_max_connections(),
        }
    }
}

/// Parses `address:port`, saying which value was wrong (the loader adds the key).
fn socket_addr<'de, D: serde::Deserializer<'de>>(d: D) -> Result<SocketAddr, D::Error> {
    let text = String::deserialize(d)?;
    text.parse().map_err(|_| serde::de::Error::custom(format!("invalid socket address {text:?}")))
}

/// How hard SQLite syncs a commit to disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Synchronous {
    /// fsync on every commit: survives power loss.
    Full,
    /// fsync at checkpoints: survives a process crash, may lose the last commits on power loss.
    Normal,
}

/// `[store]`
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// `sqlite://PATH` (created if missing) or `postgres://USER@HOST/DB`.
    #[serde(default = "StoreConfig::default_url")]
    pub url: String,
    /// SQLite only: `full` (default) or `normal`.
    #[serde(default = "StoreConfig::default_synchronous")]
    pub synchronous: Synchronous,
    /// Most writes committed together in one transaction (group commit).
    #[serde(default = "StoreConfig::default_write_batch")]
    pub write_batch: usize,
    /// Connections serving reads.
    #[serde(default = "StoreConfig::default_read_connections")]
    pub read_connections: u32,
    /// Milliseconds a connection waits for a lock held by another process before failing.
    #[serde(default = "StoreConfig::default_busy_timeout")]
    pub busy_timeout_ms: u64,
}

impl StoreConfig {
    fn default_url() -> String {
        "sqlite://switchboard.db".into()
    }
    const fn default_synchronous() -> Synchronous {
        Synchronous::Full
    }
    const fn default_write_batch() -> usize {
        512
    }
    const fn default_read_connections() -> u32 {
        4
    }
    const fn default_busy_timeout() -> u64 {
        5_000
    }

    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        let u = &self.url;
        if !(u.starts_with("sqlite://") || u.starts_with("postgres://") || u.starts_with("postgresql://")) {
            return Err(invalid("store.url", format!("must start with sqlite:// or postgres://, got {u:?}")));
        }
        if u.starts_with("postgres") {
            return Err(invalid(
                "store.url",
                "the PostgreSQL store is not available in this build yet; use sqlite://PATH",
            ));
        }
        if u.starts_with("sqlite://") && u.len() == "sqlite://".len() {
            return Err(invalid("store.url", "names no database file"));
        }
        if self.write_batch == 0 {
            return Err(invalid("store.write_batch", "must be at least 1"));
        }
        if self.read_connections == 0 {
            return Err(invalid("store.read_connections", "must be at least 1"));
        }
        Ok(())
    }
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            url: Self::default_url(),
            synchronous: Self::default_synchronous(),
            write_batch: Self::default_write_batch(),
            read_connections: Self::default_read_connections(),
            busy_timeout_ms: Self::default_busy_timeout(),
        }
    }
}

/// Log line format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable on a terminal, JSON otherwise.
    Auto,
    Human,
    Json,
}

/// `[log]`
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    /// `auto`, `human` or `json`.
    #[serde(default = "LogConfig::default_format")]
    pub format: LogFormat,
    /// A tracing filter (`info`, `switchboard=debug,sqlx=warn`); `RUST_LOG` overrides it.
    #[serde(default = "LogConfig::default_level")]
    pub level: String,
}

impl LogConfig {
    const fn default_format() -> LogFormat {
        LogFormat::Auto
    }
    fn default_level() -> String {
        "info".into()
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        Self { format: Self::default_format(), level: Self::default_level() }
    }
}

/// `[outbox]`
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OutboxConfig {
    /// Backoff before the first retry of a transient failure, in milliseconds.
    #[serde(default = "OutboxConfig::default_initial")]
    pub initial_backoff_ms: u64,
    /// Longest backoff between retries, in milliseconds.
    #[serde(default = "OutboxConfig::default_max")]
    pub max_backoff_ms: u64,
    /// Seconds after a reply was written that transient failures are still retried; then it
    /// is marked failed and the agent is told.
    #[serde(default = "OutboxConfig::default_horizon")]
    pub retry_horizon_s: u64,
    /// Seconds a claimed delivery is leased; one not finished by then is tried again.
    #[serde(default = "OutboxConfig::default_lease")]
    pub lease_s: u64,
    /// Most deliveries claimed at once.
    #[serde(default = "OutboxConfig::default_batch")]
    pub batch: u32,
}

impl OutboxConfig {
    const fn default_initial() -> u64 {
        1_000
    }
    const fn default_max() -> u64 {
        300_000
    }
    const fn default_horizon() -> u64 {
        86_400
    }
    const fn default_lease() -> u64 {
        120
    }
    const fn default_batch() -> u32 {
        64
    }

    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if self.initial_backoff_ms == 0 {
            return Err(invalid("outbox.initial_backoff_ms", "must be at least 1"));
        }
        if self.max_backoff_ms < self.initial_backoff_ms {
            return Err(invalid("outbox.max_backoff_ms", "must not be below outbox.initial_backoff_ms"));
        }
        if self.lease_s == 0 {
            return Err(invalid("outbox.lease_s", "must be at least 1"));
        }
        if self.batch == 0 {
            return Err(invalid("outbox.batch", "must be at least 1"));
        }
        Ok(())
    }
}

impl Default for OutboxConfig {
    fn default() -> Self {
        Self {
            initial_backoff_ms: Self::default_initial(),
            max_backoff_ms: Self::default_max(),
            retry_horizon_s: Self::default_horizon(),
            lease_s: Self::default_lease(),
            batch: Self::default_batch(),
        }
    }
}

/// `[console]`: the agent console.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleConfig {
    /// Secret that signs agent session tokens (at least 32 bytes). Empty: a random one is made
    /// at each start, so sessions end with a restart.
    #[serde(default)]
    pub token_secret: Secret,
    /// Seconds an agent session token from `POST /v1/agent/login` stays valid.
    #[serde(default = "ConsoleConfig::default_ttl")]
    pub token_ttl_s: u64,
    /// Failed logins allowed per minute for one login name, whatever address they come from;
    /// beyond, that name is refused with 429 until the count has decayed.
    #[serde(default = "ConsoleConfig::default_login_rate")]
    pub login_attempts_per_minute: u32,
    /// Failed logins allowed per minute from one client address (an IPv6 address by its /64),
    /// over all names: loose, as many agents may share an address behind a NAT. Beyond, only
    /// an agent who has logged in from that address before gets in, with the right password.
    #[serde(default = "ConsoleConfig::default_login_failures_per_address")]
    pub login_failures_per_address_per_minute: u32,
    /// Seconds between an open agent session's checks that its account is still enabled: a
    /// disabled agent's sessions close (4401) within this time.
    #[serde(default = "ConsoleConfig::default_access_check")]
    pub access_check_s: u64,
    /// Frames queued for a console that reads too slowly before it is disconnected (1008).
    /// Larger than a customer's: a console receives every message of all its conversations.
    #[serde(default = "ConsoleConfig::default_outbound_queue")]
    pub outbound_queue: usize,
    /// Largest websocket frame an agent may send, in bytes (4413 beyond).
    #[serde(default = "ConsoleConfig::default_max_frame")]
    pub max_frame_bytes: usize,
    /// Longest reply or note an agent may write, in characters (emails are long).
    #[serde(default = "ConsoleConfig::default_max_text")]
    pub max_text_chars: usize,
    /// Frames per second a console may send on average: an agent answering many customers
    /// at once sends far more than one customer does.
    #[serde(default = "ConsoleConfig::default_rate")]
    pub rate_per_s: u32,
    /// Frames a console may send in a burst above the average.
    #[serde(default = "ConsoleConfig::default_burst")]
    pub rate_burst: u32,
    /// Frames over the limit tolerated (each answered with `rate_limited`) before close 4429.
    #[serde(default = "ConsoleConfig::default_tolerance")]
    pub rate_tolerance: u32,
    /// Open console websocket connections at most; a new one beyond gets 503 `unavailable`.
    #[serde(default = "ConsoleConfig::default_max_connections")]
    pub max_connections: usize,
}

impl ConsoleConfig {
    const fn default_ttl() -> u64 {
        12 * 3600
    }
    const fn default_login_rate() -> u32 {
        10
    }
    const fn default_login_failures_per_address() -> u32 {
        100
    }
    const fn default_access_check() -> u64 {
        30
    }
    const fn default_outbound_queue() -> usize {
        4096
    }
    const fn default_max_frame() -> usize {
        1024 * 1024
    }
    const fn default_max_text() -> usize {
        100_000
    }
    const fn default_rate() -> u32 {
        100
    }
    const fn default_burst() -> u32 {
        300
    }
    const fn default_tolerance() -> u32 {
        100
    }
    const fn default_max_connections() -> usize {
        2_000
    }

    /// What the websocket session loop enforces on a console connection.
    pub fn limits(&self) -> Limits {
        Limits {
            max_frame_bytes: self.max_frame_bytes,
            rate_per_s: self.rate_per_s,
            rate_burst: self.rate_burst,
            rate_tolerance: self.rate_tolerance,
            // A console is sent whole conversations in one frame; the cap only stops a peer
            // that pings without ever reading from growing the buffer without limit.
            max_write_buffer_bytes: 256 * 1024 * 1024,
        }
    }

    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if !self.token_secret.is_empty() && self.token_secret.expose().len() < 32 {
            return Err(invalid("console.token_secret", "must be at least 32 bytes long"));
        }
        if self.token_ttl_s < 60 {
            return Err(invalid("console.token_ttl_s", "must be at least 60"));
        }
        if self.login_attempts_per_minute == 0 {
            return Err(invalid("console.login_attempts_per_minute", "must be at least 1"));
        }
        if self.login_failures_per_address_per_minute == 0 {
            return Err(invalid("console.login_failures_per_address_per_minute", "must be at least 1"));
        }
        if self.access_check_s == 0 {
            return Err(invalid("console.access_check_s", "must be at least 1"));
        }
        if self.outbound_queue == 0 {
            return Err(invalid("console.outbound_queue", "must be at least 1"));
        }
        if self.max_frame_bytes < 1024 {
            return Err(invalid("console.max_frame_bytes", "must be at least 1024"));
        }
        for (key, value) in [
            ("console.max_text_chars", self.max_text_chars),
            ("console.rate_per_s", self.rate_per_s as usize),
            ("console.max_connections", self.max_connections),
        ] {
            if value == 0 {
                return Err(invalid(key, "must be at least 1"));
            }
        }
        Ok(())
    }
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        Self {
            token_secret: Secret::default(),
            token_ttl_s: Self::default_ttl(),
            login_attempts_per_minute: Self::default_login_rate(),
            login_failures_per_address_per_minute: Self::default_login_failures_per_address(),
            access_check_s: Self::default_access_check(),
            outbound_queue: Self::default_outbound_queue(),
            max_frame_bytes: Self::default_max_frame(),
            max_text_chars: Self::default_max_text(),
            rate_per_s: Self::default_rate(),
            rate_burst: Self::default_burst(),
            rate_tolerance: Self::default_tolerance(),
            max_connections: Self::default_max_connections(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listener_and_login_bounds_of_zero_are_refused_by_name() {
        let http = |change: fn(&mut HttpConfig)| {
            let mut config = HttpConfig::default();
            change(&mut config);
            config.validate().unwrap_err().to_string()
        };
        assert!(http(|c| c.header_read_timeout_s = 0).starts_with("http.header_read_timeout_s:"));
        assert!(http(|c| c.body_read_timeout_s = 0).starts_with("http.body_read_timeout_s:"));
        assert!(http(|c| c.keep_alive_idle_s = 0).starts_with("http.keep_alive_idle_s:"));
        assert!(http(|c| c.max_connections = 0).starts_with("http.max_connections:"));
        assert!(HttpConfig::default().validate().is_ok());
        let console = ConsoleConfig { login_failures_per_address_per_minute: 0, ..ConsoleConfig::default() };
        let err = console.validate().unwrap_err().to_string();
        assert!(err.starts_with("console.login_failures_per_address_per_minute:"), "{err}");
    }
}
