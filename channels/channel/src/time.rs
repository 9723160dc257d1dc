//! Timestamps: stored as Unix milliseconds, shown on the wire as RFC 3339 in UTC.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A point in time as Unix milliseconds (UTC). Decision code takes it as an argument instead
/// of reading a clock, so it can be tested with fixed times.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Millis(pub i64);

impl Millis {
    /// The current wall-clock time. Code that can be tested on manual time reads a
    /// [`crate::Clock`] instead.
    pub fn wall() -> Self {
        Self((OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64)
    }

    /// This time plus a duration, saturating instead of overflowing.
    pub fn plus(self, d: std::time::Duration) -> Self {
        Self(self.0.saturating_add(d.as_millis().min(i64::MAX as u128) as i64))
    }

    /// This time minus a duration, saturating instead of overflowing.
    pub fn minus(self, d: std::time::Duration) -> Self {
        Self(self.0.saturating_sub(d.as_millis().min(i64::MAX as u128) as i64))
    }
}

/// RFC 3339 with a `Z` suffix and second precision, as the wire contract shows times.
pub fn to_rfc3339(t: Millis) -> String {
    let dt = OffsetDateTime::from_unix_timestamp(t.0.div_euclid(1000)).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    // Formatting a valid UTC timestamp with a well-known format cannot fail.
    dt.format(&Rfc3339).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_as_utc_rfc3339() {
        assert_eq!(to_rfc3339(Millis(1_795_335_300_000)), "2026-11-22T08:15:00Z");
    }
}
