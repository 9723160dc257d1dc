//! Calling hours: the weekly local hours a customer may be called in, and the next stretch
//! of them from an instant on, in the customer's own zone (so a DST change moves them with
//! the clocks on the customer's wall).

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};

/// `[callback.calling_hours]`: per weekday, periods of local time, comma-separated
/// (`mon = "09:00-12:00, 13:00-18:00"`). An empty string closes the day; a period ending
/// before it starts runs past midnight (`fri = "20:00-02:00"` ends Saturday 02:00);
/// `24:00` is midnight at the day's end. A day left out keeps the default 08:00-21:00.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WeeklyHours {
    #[serde(default = "WeeklyHours::default_day")]
    pub mon: String,
    #[serde(default = "WeeklyHours::default_day")]
    pub tue: String,
    #[serde(default = "WeeklyHours::default_day")]
    pub wed: String,
    #[serde(default = "WeeklyHours::default_day")]
    pub thu: String,
    #[serde(default = "WeeklyHours::default_day")]
    pub fri: String,
    #[serde(default = "WeeklyHours::default_day")]
    pub sat: String,
    #[serde(default = "WeeklyHours::default_day")]
    pub sun: String,
}

impl WeeklyHours {
    fn default_day() -> String {
        "08:00-21:00".into()
    }

    /// The same `period` every day, for tests.
    #[cfg(test)]
    pub(crate) fn every_day(period: &str) -> Self {
        let day = || period.to_owned();
        Self { mon: day(), tue: day(), wed: day(), thu: day(), fri: day(), sat: day(), sun: day() }
    }

    fn days(&self) -> [(&'static str, &str); 7] {
        [
            ("mon", &self.mon),
            ("tue", &self.tue),
            ("wed", &self.wed),
            ("thu", &self.thu),
            ("fri", &self.fri),
            ("sat", &self.sat),
            ("sun", &self.sun),
        ]
    }
}

impl Default for WeeklyHours {
    fn default() -> Self {
        let day = Self::default_day;
        Self { mon: day(), tue: day(), wed: day(), thu: day(), fri: day(), sat: day(), sun: day() }
    }
}

/// Most periods in one day: enough for split shifts, few enough to stay readable.
const MAX_PERIODS_PER_DAY: usize = 8;
/// How many days ahead a next opening is searched for. Checked hours open every week, so a
/// search this long finds one whenever there is one before a window ends.
pub const SEARCH_DAYS: i64 = crate::config::MAX_HORIZON_DAYS as i64 + 8;
const MINUTES_PER_DAY: u32 = 24 * 60;

/// One period of a day, in minutes from its midnight; `end` past 1440 runs into the next day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Period {
    start: u32,
    end: u32,
}

/// Checked calling hours: for each weekday from Monday, its periods.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallingHours {
    week: [Vec<Period>; 7],
}

/// An open stretch of calling hours: `[start, end)`, with `end` `None` when the hours do not
/// close within the search (open around the clock).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Opening {
    pub start: Timestamp,
    pub end: Option<Timestamp>,
}

impl CallingHours {
    /// The hours of the configuration, or why they do not hold (naming the key).
    pub fn new(config: &WeeklyHours) -> Result<Self, String> {
        let mut week: [Vec<Period>; 7] = Default::default();
        for (i, (day, text)) in config.days().into_iter().enumerate() {
            week[i] = parse_day(text).map_err(|e| format!("callback.calling_hours.{day}: {e}"))?;
        }
        if week.iter().all(Vec::is_empty) {
            return Err("callback.calling_hours: every day is closed, so nobody could ever be called".into());
        }
        Ok(Self { week })
    }

    /// The first stretch of calling hours in `zone` that is still open at or after `from`:
    /// it has begun already when `start` is `from`. `None` when none opens within the search.
    pub fn next_opening(&self, zone: &TimeZone, from: Timestamp) -> Option<Opening> {
        let intervals = self.intervals(zone, from);
        let horizon_end = intervals.last().map(|(_, end)| *end)?;
        let first = intervals.iter().position(|(_, end)| *end > from)?;
        let (start, mut end) = intervals[first];
        // Back-to-back periods (Monday to 24:00, Tuesday from 00:00) are one stretch.
        for (next_start, next_end) in &intervals[first + 1..] {
            if *next_start > end {
                break;
            }
            end = end.max(*next_end);
        }
        let end = (end < horizon_end).then_some(end);
        Some(Opening { start: start.max(from), end })
    }

    /// Every period from the day before `from` (whose overnight period may still run) to the
    /// end of the search, as instants, in order of start.
    fn intervals(&self, zone: &TimeZone, from: Timestamp) -> Vec<(Timestamp, Timestamp)> {
        let today = zone.to_datetime(from).date();
        let mut out = Vec::new();
        for offset in -1..=SEARCH_DAYS {
            let Ok(day) = today.checked_add(offset.days()) else { continue };
            for period in &self.week[weekday_index(day.weekday())] {
                let (Some(start), Some(end)) = (instant(zone, day, period.start), instant(zone, day, period.end))
                else {
                    continue;
                };
                // A period swallowed whole by a DST gap (02:00-02:30 on the spring-forward
                // night) has nothing left to call in.
                if start < end {
                    out.push((start, end));
                }
            }
        }
        out.sort();
        out
    }
}

const fn weekday_index(day: Weekday) -> usize {
    day.to_monday_zero_offset() as usize
}

/// The instant `minutes` after the local midnight starting `day` in `zone`. A local time the
/// clocks skip (a DST gap) is taken after the gap, one they pass twice the first time.
fn instant(zone: &TimeZone, day: Date, minutes: u32) -> Option<Timestamp> {
    let day = day.checked_add(i64::from(minutes / MINUTES_PER_DAY).days()).ok()?;
    let minutes = minutes % MINUTES_PER_DAY;
    let time = Time::new((minutes / 60) as i8, (minutes % 60) as i8, 0, 0).ok()?;
    zone.to_ambiguous_timestamp(day.to_datetime(time)).compatible().ok()
}

fn parse_day(text: &str) -> Result<Vec<Period>, String> {
    let mut periods = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (start, end) =
            part.split_once('-').ok_or_else(|| format!("{part:?} is not a period such as 09:00-18:00"))?;
        let (start, end) = (parse_time(start.trim())?, parse_time(end.trim())?);
        if start == end || start == MINUTES_PER_DAY {
            return Err(format!("{part:?} is empty"));
        }
        // An end before the start runs past midnight.
        let end = if end < start { end + MINUTES_PER_DAY } else { end };
        periods.push(Period { start, end });
    }
    if periods.len() > MAX_PERIODS_PER_DAY {
        return Err(format!("at most {MAX_PERIODS_PER_DAY} periods a day"));
    }
    periods.sort_by_key(|p| p.start);
    if periods.windows(2).any(|w| w[1].start < w[0].end) {
        return Err("periods overlap".into());
    }
    Ok(periods)
}

/// `HH:MM` as minutes from midnight, `24:00` included.
fn parse_time(text: &str) -> Result<u32, String> {
    let bad = || format!("{text:?} is not a time such as 09:30");
    let (h, m) = text.split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 {
        return Err(bad());
    }
    let (h, m): (u32, u32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    match (h, m) {
        (24, 0) => Ok(MINUTES_PER_DAY),
        (0..=23, 0..=59) => Ok(h * 60 + m),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hours(edit: impl FnOnce(&mut WeeklyHours)) -> CallingHours {
        let mut w = WeeklyHours::default();
        edit(&mut w);
        CallingHours::new(&w).unwrap()
    }

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn ny() -> TimeZone {
        TimeZone::get("America/New_York").unwrap()
    }

    #[test]
    fn open_now_runs_to_the_end_of_the_period() {
        let o = hours(|_| {}).next_opening(&ny(), at("2026-03-02T15:00:00Z")).unwrap();
        // 10:00 in New York (EST, UTC-5): open until 21:00 local.
        assert_eq!(o, Opening { start: at("2026-03-02T15:00:00Z"), end: Some(at("2026-03-03T02:00:00Z")) });
    }

    #[test]
    fn hours_follow_the_clocks_across_a_dst_change() {
        let h = hours(|_| {});
        // Saturday 7 March 2026, 22:00 EST: closed. Clocks go forward on Sunday at 02:00, so
        // Sunday's 08:00 is EDT (UTC-4): 12:00Z, not 13:00Z.
        let o = h.next_opening(&ny(), at("2026-03-08T03:00:00Z")).unwrap();
        assert_eq!(o, Opening { start: at("2026-03-08T12:00:00Z"), end: Some(at("2026-03-09T01:00:00Z")) });
        // And back in November: Sunday 1 November 2026 opens at 08:00 EST, 13:00Z.
        let o = h.next_opening(&ny(), at("2026-11-01T03:00:00Z")).unwrap();
        assert_eq!(o.start, at("2026-11-01T13:00:00Z"));
    }

    #[test]
    fn a_period_in_the_dst_gap_keeps_what_is_left_of_it() {
        let h = hours(|w| w.sun = "02:00-04:00".into());
        // 02:00-03:00 does not exist on 8 March 2026 in New York: the period starts at 03:00 EDT.
        let o = h.next_opening(&ny(), at("2026-03-08T05:00:00Z")).unwrap();
        assert_eq!(o, Opening { start: at("2026-03-08T07:00:00Z"), end: Some(at("2026-03-08T08:00:00Z")) });
    }

    #[test]
    fn closed_days_are_skipped() {
        let h = hours(|w| {
            w.sat = String::new();
            w.sun = String::new();
        });
        // Friday 6 March 2026, 21:30 local: next is Monday 08:00.
        let o = h.next_opening(&ny(), at("2026-03-07T02:30:00Z")).unwrap();
        assert_eq!(o.start, at("2026-03-09T12:00:00Z"));
    }

    #[test]
    fn an_overnight_period_runs_into_the_next_day() {
        let h = hours(|w| {
            *w = WeeklyHours { fri: "20:00-02:00".into(), ..no_days() };
        });
        let utc = TimeZone::UTC;
        // Saturday 01:00 is still Friday's period.
        let o = h.next_opening(&utc, at("2026-03-07T01:00:00Z")).unwrap();
        assert_eq!(o, Opening { start: at("2026-03-07T01:00:00Z"), end: Some(at("2026-03-07T02:00:00Z")) });
        // Saturday 03:00: the next is a week later.
        assert_eq!(h.next_opening(&utc, at("2026-03-07T03:00:00Z")).unwrap().start, at("2026-03-13T20:00:00Z"));
    }

    #[test]
    fn back_to_back_periods_are_one_stretch_and_all_day_has_no_end() {
        let h = hours(|w| {
            *w = WeeklyHours { mon: "18:00-24:00".into(), tue: "00:00-06:00".into(), ..no_days() };
        });
        let o = h.next_opening(&TimeZone::UTC, at("2026-03-02T19:00:00Z")).unwrap();
        assert_eq!(o.end, Some(at("2026-03-03T06:00:00Z")));
        let always = hours(|w| {
            *w = WeeklyHours {
                mon: "00:00-24:00".into(),
                tue: "00:00-24:00".into(),
                wed: "00:00-24:00".into(),
                thu: "00:00-24:00".into(),
                fri: "00:00-24:00".into(),
                sat: "00:00-24:00".into(),
                sun: "00:00-24:00".into(),
            }
        });
        assert_eq!(always.next_opening(&TimeZone::UTC, at("2026-03-02T19:00:00Z")).unwrap().end, None);
    }

    #[test]
    fn bad_hours_are_refused_naming_the_day() {
        let bad = |text: &str| CallingHours::new(&WeeklyHours { wed: text.into(), ..WeeklyHours::default() });
        assert!(bad("9-17").unwrap_err().starts_with("callback.calling_hours.wed: "));
        assert!(bad("09:00-25:00").is_err());
        assert!(bad("09:00-09:00").is_err());
        assert!(bad("09:00-12:00, 11:00-13:00").unwrap_err().contains("overlap"));
        assert!(bad("09:00-10:00, 13:00-18:00").is_ok());
        let closed = CallingHours::new(&no_days()).unwrap_err();
        assert!(closed.starts_with("callback.calling_hours: "), "{closed}");
    }

    fn no_days() -> WeeklyHours {
        WeeklyHours::every_day("")
    }
}
