//! Business hours: a time zone, weekly opening periods and holidays, and the questions routing
//! asks of them (open now? when next? how much open time between two instants?).

use std::time::Duration;

use crate::millis::Millis;

/// When a queue is staffed. `None` where a queue has no hours means always open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessHours {
    zone: jiff::tz::TimeZone,
    zone_name: String,
}

/// Business hours that cannot be read; the message names the part at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct HoursError(pub String);

impl BusinessHours {
    /// Reads `zone` (an IANA name such as `Asia/Shanghai`), weekly periods such as
    /// `mon-fri 09:00-18:00` or `sat 10:00-14:00` (a close before the open runs past midnight;
    /// `24:00` closes at midnight) and holidays as `YYYY-MM-DD` dates in that zone.
    pub fn parse(zone: &str, weekly: &[&str], holidays: &[&str]) -> Result<Self, HoursError> {
        let _ = (zone, weekly, holidays);
        todo!("business hours parser")
    }

    /// The zone's IANA name.
    pub fn zone_name(&self) -> &str {
        &self.zone_name
    }

    /// The zone, for showing instants in local time.
    pub fn zone(&self) -> &jiff::tz::TimeZone {
        &self.zone
    }

    /// Open at `at`.
    pub fn is_open(&self, at: Millis) -> bool {
        let _ = at;
        todo!()
    }

    /// The first open instant at or after `at` (`at` itself when open); `None` when the hours
    /// never open (no weekly periods, or holidays covering the whole search horizon).
    pub fn next_open(&self, at: Millis) -> Option<Millis> {
        let _ = at;
        todo!()
    }

    /// The instant the hours next open or close after `at`, whichever comes first: when a
    /// timer must look again.
    pub fn next_change(&self, at: Millis) -> Option<Millis> {
        let _ = at;
        todo!()
    }

    /// Open time between `from` and `to` (zero when `to` is not after `from`).
    pub fn open_time_between(&self, from: Millis, to: Millis) -> Duration {
        let _ = (from, to);
        todo!()
    }

    /// The instant at which `open` of open time has passed since `from`: a due time whose clock
    /// stops while closed. `None` when the hours never open again.
    pub fn add_open_time(&self, from: Millis, open: Duration) -> Option<Millis> {
        let _ = (from, open);
        todo!()
    }
}
