//! `[chat]`: the customer live-chat channel's own configuration section.

use serde::{Deserialize, Serialize};
use switchboard_channel::Secret;
use switchboard_channel::websocket::Limits;

/// `[chat]`
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ChatConfig {
    /// HS256 secret the app's backend signs customer tokens with. Empty: chat and callback
    /// requests are refused until it is set.
    #[serde(default)]
    pub jwt_secret: Secret,
    /// Largest websocket frame accepted, in bytes; a larger one closes the connection (4413).
    #[serde(default = "ChatConfig::default_max_frame")]
    pub max_frame_bytes: usize,
    /// Longest message text accepted, in characters.
    #[serde(default = "ChatConfig::default_max_text")]
    pub max_text_chars: usize,
    /// Frames per second a connection may send on average (pings included).
    #[serde(default = "ChatConfig::default_rate")]
    pub rate_per_s: u32,
    /// Frames a connection may send in a burst above the average.
    #[serde(default = "ChatConfig::default_burst")]
    pub rate_burst: u32,
    /// Frames over the limit tolerated (each answered with `rate_limited`) before close 4429.
    #[serde(default = "ChatConfig::default_tolerance")]
    pub rate_tolerance: u32,
    /// Frames queued for a customer connection that reads too slowly before it is
    /// disconnected (agent consoles: `console.outbound_queue`).
    #[serde(default = "ChatConfig::default_outbound_queue")]
    pub outbound_queue: usize,
    /// Open customer websocket connections at most; a new one beyond gets 503 `unavailable`.
    #[serde(default = "ChatConfig::default_max_connections")]
    pub max_connections: usize,
    /// Open connections of one customer at most; one more is refused after `hello`.
    #[serde(default = "ChatConfig::default_max_per_customer")]
    pub max_connections_per_customer: usize,
}

impl ChatConfig {
    const fn default_max_frame() -> usize {
        64 * 1024
    }
    const fn default_max_text() -> usize {
        8_000
    }
    const fn default_rate() -> u32 {
        10
    }
    const fn default_burst() -> u32 {
        30
    }
    const fn default_tolerance() -> u32 {
        20
    }
    const fn default_outbound_queue() -> usize {
        256
    }
    const fn default_max_connections() -> usize {
        15_000
    }
    const fn default_max_per_customer() -> usize {
        8
    }

    /// Checks what the types alone cannot; the error names the key.
    pub fn validate(&self) -> Result<(), String> {
        if !self.jwt_secret.is_empty() && self.jwt_secret.expose().len() < 32 {
            return Err("chat.jwt_secret: must be at least 32 bytes long".into());
        }
        if self.max_frame_bytes < 1024 {
            return Err("chat.max_frame_bytes: must be at least 1024".into());
        }
        for (key, value) in [
            ("chat.max_text_chars", self.max_text_chars),
            ("chat.rate_per_s", self.rate_per_s as usize),
            ("chat.outbound_queue", self.outbound_queue),
            ("chat.max_connections", self.max_connections),
            ("chat.max_connections_per_customer", self.max_connections_per_customer),
        ] {
            if value == 0 {
                return Err(format!("{key}: must be at least 1"));
            }
        }
        Ok(())
    }

    /// What the websocket session loop enforces on a customer connection.
    pub fn limits(&self) -> Limits {
        Limits {
            max_frame_bytes: self.max_frame_bytes,
            rate_per_s: self.rate_per_s,
            rate_burst: self.rate_burst,
            rate_tolerance: self.rate_tolerance,
            // The largest frame a customer is sent is one message: its text, JSON-escaped.
            max_write_buffer_bytes: 1024 * 1024 + self.max_text_chars * 24,
        }
    }
}

impl Default for ChatConfig {
    fn default() -> Self {
        Self {
            jwt_secret: Secret::default(),
            max_frame_bytes: Self::default_max_frame(),
            max_text_chars: Self::default_max_text(),
            rate_per_s: Self::default_rate(),
            rate_burst: Self::default_burst(),
            rate_tolerance: Self::default_tolerance(),
            outbound_queue: Self::default_outbound_queue(),
            max_connections: Self::default_max_connections(),
            max_connections_per_customer: Self::default_max_per_customer(),
        }
    }
}
