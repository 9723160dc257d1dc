//! The channel's rules: when a request may be called (calling hours in the customer's zone,
//! within its window, not before its next attempt) and what a call's outcome leads to.

use std::time::Duration;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use switchboard_channel::{
    AfterOutcome, CallWindow, Callable, CallbackOutcome, CallbackRecord, CallbackStatus, Millis,
};

use crate::hours::CallingHours;
use crate::zones;

/// The rules as configured.
#[derive(Clone, Debug)]
pub struct Rules {
    pub hours: CallingHours,
    pub max_attempts: u32,
    /// Waits after the first, second, … missed call; the last repeats.
    pub backoff: Vec<Duration>,
    /// The zone of a record whose own zone is unknown to the database (one stored by an
    /// older tz database): calling hours still hold somewhere rather than nowhere.
    pub fallback_zone: TimeZone,
}

impl Rules {
    /// When the request may be called, seen at `now`.
    pub fn callable(&self, call: &CallbackRecord, now: Millis) -> Callable {
        let from = [Some(now), call.window.map(|w| w.start), call.next_attempt_at].into_iter().flatten().max();
        match self.next_call(call, from.unwrap_or(now)) {
            None => Callable::Never,
            Some((start, until)) if start <= now => Callable::Now { until },
            Some((start, _)) => Callable::At(start),
        }
    }

    /// Whether a request for `window`, in `zone`, could be called at all: some calling hours
    /// fall inside the window. One that could not is refused when it is asked for.
    pub fn window_callable(&self, zone: &str, window: CallWindow, now: Millis) -> bool {
        let draft = CallbackRecord {
            id: String::new(),
            conversation_id: String::new(),
            customer_id: String::new(),
            phone: String::new(),
            zone: zone.to_owned(),
            window: Some(window),
            status: CallbackStatus::Scheduled,
            attempts: 0,
            outcome: None,
            failure: None,
            next_attempt_at: None,
            unverified_phone: false,
            created_at: now,
            updated_at: now,
        };
        self.callable(&draft, now) != Callable::Never
    }

    /// What `outcome` leads to; `call.attempts` counts the call it is the outcome of.
    pub fn after(&self, call: &CallbackRecord, outcome: CallbackOutcome, now: Millis) -> AfterOutcome {
        match outcome {
            CallbackOutcome::Reached => AfterOutcome::Completed,
            CallbackOutcome::WrongNumber => AfterOutcome::Failed("wrong_number".into()),
            CallbackOutcome::NoAnswer | CallbackOutcome::Busy | CallbackOutcome::Voicemail => {
                if call.attempts >= self.max_attempts {
                    return AfterOutcome::Failed("attempts_exhausted".into());
                }
                let wait = self.backoff_after(call.attempts);
                match self.next_call(call, now.plus(wait)) {
                    Some((at, _)) => AfterOutcome::Retry { at },
                    None => AfterOutcome::Failed("window_closed".into()),
                }
            }
        }
    }

    /// The wait after the `attempts`-th call (from 1), the last configured one repeating.
    fn backoff_after(&self, attempts: u32) -> Duration {
        let i = (attempts.max(1) as usize - 1).min(self.backoff.len().saturating_sub(1));
        self.backoff.get(i).copied().unwrap_or_default()
    }

    /// The first instant at or after `from` inside calling hours and the window, with when
    /// that stretch ends (calling hours close or the window does); `None` when there is none.
    fn next_call(&self, call: &CallbackRecord, from: Millis) -> Option<(Millis, Option<Millis>)> {
        let window_end = call.window.map(|w| w.end);
        if window_end.is_some_and(|end| from >= end) {
            return None;
        }
        let zone = zones::lookup(&call.zone).unwrap_or_else(|_| {
            tracing::warn!(callback_id = %call.id, "Callback zone unknown; calling hours held in the fallback zone");
            self.fallback_zone.clone()
        });
        let opening = self.hours.next_opening(&zone, to_timestamp(from))?;
        let (start, end) = (to_millis(opening.start), opening.end.map(to_millis));
        if window_end.is_some_and(|w| start >= w) {
            return None;
        }
        let until = match (end, window_end) {
            (Some(e), Some(w)) => Some(e.min(w)),
            (e, w) => e.or(w),
        };
        Some((start, until))
    }
}

fn to_timestamp(t: Millis) -> Timestamp {
    Timestamp::from_millisecond(t.0).unwrap_or(if t.0 < 0 { Timestamp::MIN } else { Timestamp::MAX })
}

fn to_millis(t: Timestamp) -> Millis {
    Millis(t.as_millisecond())
}

#[cfg(test)]
mod tests {
    use switchboard_channel::{CallWindow, CallbackStatus};

    use super::*;
    use crate::hours::WeeklyHours;

    fn rules() -> Rules {
        Rules {
            hours: CallingHours::new(&WeeklyHours { sun: String::new(), ..WeeklyHours::default() }).unwrap(),
            max_attempts: 3,
            backoff: [600, 1800, 3600].map(Duration::from_secs).to_vec(),
            fallback_zone: TimeZone::UTC,
        }
    }

    fn t(text: &str) -> Millis {
        to_millis(text.parse().unwrap())
    }

    /// A request from Shanghai (UTC+8): calling hours 08:00-21:00 local are 00:00-13:00Z,
    /// closed on Sundays.
    fn record(attempts: u32, window: Option<(&str, &str)>, next: Option<&str>) -> CallbackRecord {
        CallbackRecord {
            id: "cb-1".into(),
            conversation_id: "c-1".into(),
            customer_id: "cu-1".into(),
            phone: "+8613800138000".into(),
            zone: "Asia/Shanghai".into(),
            window: window.map(|(s, e)| CallWindow { start: t(s), end: t(e) }),
            status: CallbackStatus::Queued,
            attempts,
            outcome: None,
            failure: None,
            next_attempt_at: next.map(t),
            unverified_phone: false,
            created_at: t("2026-03-02T00:00:00Z"),
            updated_at: t("2026-03-02T00:00:00Z"),
        }
    }

    #[test]
    fn callable_table() {
        let r = rules();
        let monday_noon = t("2026-03-02T04:00:00Z");
        let cases = [
            (
                "open now: until calling hours close",
                record(0, None, None),
                monday_noon,
                Callable::Now { until: Some(t("2026-03-02T13:00:00Z")) },
            ),
            (
                "open now: until the window ends first",
                record(0, Some(("2026-03-02T00:00:00Z", "2026-03-02T06:00:00Z")), None),
                monday_noon,
                Callable::Now { until: Some(t("2026-03-02T06:00:00Z")) },
            ),
            (
                "outside hours: waits for the opening",
                record(0, None, None),
                t("2026-03-02T14:00:00Z"),
                Callable::At(t("2026-03-03T00:00:00Z")),
            ),
            (
                "Saturday night: Sunday is closed, so Monday",
                record(0, None, None),
                t("2026-03-07T14:00:00Z"),
                Callable::At(t("2026-03-09T00:00:00Z")),
            ),
            (
                "window not begun: its start",
                record(0, Some(("2026-03-02T08:00:00Z", "2026-03-03T08:00:00Z")), None),
                monday_noon,
                Callable::At(t("2026-03-02T08:00:00Z")),
            ),
            (
                "next attempt later: not before it",
                record(1, None, Some("2026-03-02T05:00:00Z")),
                monday_noon,
                Callable::At(t("2026-03-02T05:00:00Z")),
            ),
            (
                "window ended",
                record(0, Some(("2026-03-01T00:00:00Z", "2026-03-02T01:00:00Z")), None),
                monday_noon,
                Callable::Never,
            ),
            (
                "window lies wholly outside calling hours",
                record(0, Some(("2026-03-02T14:00:00Z", "2026-03-02T20:00:00Z")), None),
                monday_noon,
                Callable::Never,
            ),
        ];
        for (name, rec, now, want) in cases {
            assert_eq!(r.callable(&rec, now), want, "{name}");
        }
    }

    #[test]
    fn after_table() {
        let r = rules();
        let noon = t("2026-03-02T04:00:00Z");
        // 20:55 local: ten minutes on, calling hours have closed.
        let closing = t("2026-03-02T12:55:00Z");
        let failed = |why: &str| AfterOutcome::Failed(why.into());
        let retry = |at: &str| AfterOutcome::Retry { at: t(at) };
        let window = Some(("2026-03-02T00:00:00Z", "2026-03-02T04:05:00Z"));
        let cases = [
            ("reached", record(1, None, None), CallbackOutcome::Reached, noon, AfterOutcome::Completed),
            ("wrong number", record(1, None, None), CallbackOutcome::WrongNumber, noon, failed("wrong_number")),
            (
                "first miss: 10 minutes",
                record(1, None, None),
                CallbackOutcome::NoAnswer,
                noon,
                retry("2026-03-02T04:10:00Z"),
            ),
            (
                "second miss: 30 minutes",
                record(2, None, None),
                CallbackOutcome::Busy,
                noon,
                retry("2026-03-02T04:30:00Z"),
            ),
            (
                "third miss: the maximum",
                record(3, None, None),
                CallbackOutcome::Voicemail,
                noon,
                failed("attempts_exhausted"),
            ),
            (
                "retry moved into calling hours",
                record(1, None, None),
                CallbackOutcome::NoAnswer,
                closing,
                retry("2026-03-03T00:00:00Z"),
            ),
            (
                "window closes before the retry",
                record(1, window, None),
                CallbackOutcome::NoAnswer,
                noon,
                failed("window_closed"),
            ),
        ];
        for (name, rec, outcome, now, want) in cases {
            assert_eq!(r.after(&rec, outcome, now), want, "{name}");
        }
    }

    #[test]
    fn the_last_backoff_repeats() {
        let r = Rules { max_attempts: 10, ..rules() };
        let now = t("2026-03-02T01:00:00Z");
        assert_eq!(
            r.after(&record(7, None, None), CallbackOutcome::NoAnswer, now),
            AfterOutcome::Retry { at: t("2026-03-02T02:00:00Z") }
        );
    }
}
