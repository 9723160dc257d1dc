//! Business hours: a time zone, weekly opening periods and holidays, and the questions routing
//! asks of them (open now? when next? how much open time between two instants?).
//!
//! The hours are kept as local minute ranges per weekday. A query walks the calendar a day at a
//! time from the local date of its instant and turns only the edges of open stretches into
//! instants, so a year of business days costs a few hundred zone look-ups.
//!
//! A local time that a DST change skips or repeats is read with jiff's `compatible`
//! disambiguation, for opens, closes and midnights alike: a skipped time takes the offset in force
//! before the jump (02:30 on New York's spring-forward day is 03:30 EDT), a repeated time is its
//! first occurrence (01:30 on the fall-back day is 01:30 EDT).

use std::collections::BTreeSet;
use std::time::Duration;

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::millis::Millis;

/// Weekday names as written in periods, from Monday (jiff's zero offset) on.
const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Minutes in a local day: the close of a period that runs to midnight.
const MIDNIGHT: u16 = 24 * 60;

/// The end of a stretch that never closes: open all day every day with no holiday ahead.
const FOREVER: i64 = i64::MAX;

/// When a queue is staffed. `None` where a queue has no hours means always open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessHours {
    zone: jiff::tz::TimeZone,
    zone_name: String,
    /// Per weekday from Monday, local `(open, close)` minutes of the day, sorted and merged where
    /// they overlap or touch; a period past midnight is split between the two days it covers.
    week: [Vec<(u16, u16)>; 7],
    holidays: BTreeSet<Date>,
}

/// Business hours that cannot be read; the message names the part at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct HoursError(pub String);

impl BusinessHours {
    /// Reads `zone` (an IANA name such as `Asia/Shanghai`), weekly periods such as
    /// `mon-fri 09:00-18:00` or `sat 10:00-14:00` (a close before the open runs past midnight;
    /// `24:00` closes at midnight) and holidays as `YYYY-MM-DD` dates in that zone.
    ///
    /// Days are a name, a range that may wrap (`fri-mon`) or a comma-separated list of either,
    /// in any case. A holiday closes its own date only: a period from the evening before closes at
    /// midnight, and the after-midnight part of a period starting on the holiday still opens.
    /// No periods at all means never open.
    pub fn parse(zone: &str, weekly: &[&str], holidays: &[&str]) -> Result<Self, HoursError> {
        let tz = TimeZone::get(zone)
            .map_err(|_| HoursError(format!("zone {zone:?}: not a time zone in the IANA database")))?;
        let mut week: [Vec<(u16, u16)>; 7] = Default::default();
        for (i, entry) in weekly.iter().enumerate() {
            let (days, open, close) =
                parse_period(entry).map_err(|why| HoursError(format!("weekly[{i}] {entry:?}: {why}")))?;
            for day in (0..7).filter(|&day| days[day]) {
                if open < close {
                    week[day].push((open, close));
                } else {
                    week[day].push((open, MIDNIGHT));
                    if close > 0 {
                        week[(day + 1) % 7].push((0, close));
                    }
                }
            }
        }
        for periods in &mut week {
            merge(periods);
        }
        let holidays = holidays
            .iter()
            .enumerate()
            .map(|(i, entry)| parse_date(entry).map_err(|why| HoursError(format!("holidays[{i}] {entry:?}: {why}"))))
            .collect::<Result<_, _>>()?;
        // The database matches names regardless of case; keep its spelling.
        let zone_name = tz.iana_name().unwrap_or(zone).to_owned();
        Ok(BusinessHours { zone: tz, zone_name, week, holidays })
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
        self.stretch_at_or_after(at).is_some_and(|(start, _)| start <= at.0)
    }

    /// The first open instant at or after `at` (`at` itself when open); `None` when the hours
    /// never open (no weekly periods, or holidays covering the whole search horizon).
    pub fn next_open(&self, at: Millis) -> Option<Millis> {
        self.stretch_at_or_after(at).map(|(start, _)| Millis(start.max(at.0)))
    }

    /// The instant the hours next open or close after `at`, whichever comes first: when a
    /// timer must look again.
    pub fn next_change(&self, at: Millis) -> Option<Millis> {
        let (start, end) = self.stretch_at_or_after(at)?;
        if start > at.0 { Some(Millis(start)) } else { (end != FOREVER).then_some(Millis(end)) }
    }

    /// Open time between `from` and `to` (zero when `to` is not after `from`).
    pub fn open_time_between(&self, from: Millis, to: Millis) -> Duration {
        let open = self
            .stretches(from)
            .take_while(|&(start, _)| start < to.0)
            .map(|(start, end)| end.min(to.0).saturating_sub(start.max(from.0)).max(0))
            .fold(0, i64::saturating_add);
        Duration::from_millis(u64::try_from(open).unwrap_or(0))
    }

    /// The instant at which `open` of open time has passed since `from`: a due time whose clock
    /// stops while closed. `None` when the hours never open again.
    ///
    /// Zero open time is due at `from` itself; a due time past the end of jiff's range (the year
    /// 9999) is `None` too.
    pub fn add_open_time(&self, from: Millis, open: Duration) -> Option<Millis> {
        let mut left = i64::try_from(open.as_millis()).unwrap_or(i64::MAX);
        if left == 0 {
            return Some(from);
        }
        // Open time never outruns the clock, so this spares walking to the year 9999 for nothing.
        if from.0.saturating_add(left) > Timestamp::MAX.as_millisecond() {
            return None;
        }
        for (start, end) in self.stretches(from).filter(|&(_, end)| end > from.0) {
            let start = start.max(from.0);
            if end == FOREVER || left <= end - start {
                return Some(Millis(start.saturating_add(left)));
            }
            left -= end - start;
        }
        None
    }

    /// The open stretch that holds `at` or else the first after it.
    fn stretch_at_or_after(&self, at: Millis) -> Option<(i64, i64)> {
        // `FOREVER` holds even `Millis(i64::MAX)`.
        self.stretches(at).find(|&(_, end)| end > at.0 || end == FOREVER)
    }

    /// Open stretches from about `at` on: every one that ends after `at` is there, the first
    /// perhaps cut to start at a midnight before `at`.
    fn stretches(&self, at: Millis) -> Stretches<'_> {
        let instant =
            Timestamp::from_millisecond(at.0).unwrap_or(if at.0 < 0 { Timestamp::MIN } else { Timestamp::MAX });
        let date = self.zone.to_datetime(instant).date();
        // A day early: where a jump swallows midnight, `compatible` puts the local midnight after
        // instants that already read the new date.
        let first = date.yesterday().unwrap_or(date);
        Stretches { hours: self, cursor: Some((first, 0)), pending: None }
    }

    /// The periods open on a date: none on a holiday.
    fn periods_on(&self, date: Date) -> &[(u16, u16)] {
        if self.holidays.contains(&date) { &[] } else { &self.week[date.weekday().to_monday_zero_offset() as usize] }
    }

    fn always_open(&self) -> bool {
        self.week.iter().all(|periods| periods[..] == [(0, MIDNIGHT)])
    }

    /// How many closed days in a row a search walks before deciding the hours never open: a
    /// year, or longer with many holidays. Of `holidays + 2` weeks in a row at least two hold no
    /// holiday (the second against a DST jump swallowing a short period), and any weekly period
    /// opens in such a week.
    fn horizon_days(&self) -> usize {
        self.holidays.len().saturating_add(2).saturating_mul(7).max(366)
    }

    /// The instant of a local date and minute of the day, by `compatible` disambiguation;
    /// saturated at the ends of jiff's range.
    fn instant(&self, date: Date, minute: u16) -> i64 {
        let local = if minute == MIDNIGHT {
            date.tomorrow().map(|next| next.at(0, 0, 0, 0))
        } else {
            Ok(date.at((minute / 60) as i8, (minute % 60) as i8, 0, 0))
        };
        let saturated = if date.year() < 0 { Timestamp::MIN } else { Timestamp::MAX };
        local
            .and_then(|local| self.zone.to_ambiguous_timestamp(local).compatible())
            .unwrap_or(saturated)
            .as_millisecond()
    }
}

/// Open stretches as `(start, end)` Unix milliseconds, end exclusive, in order, neither
/// overlapping nor touching.
struct Stretches<'a> {
    hours: &'a BusinessHours,
    /// The next local period to look at, as a date and an index into its periods; `None` once
    /// the walk has ended.
    cursor: Option<(Date, usize)>,
    /// A stretch held back in case the next one overlaps or touches it, as a DST jump can make
    /// periods that are apart in local time meet or overlap as instants.
    pending: Option<(i64, i64)>,
}

impl Stretches<'_> {
    /// The next run of local periods that follow one another across midnights, as instants.
    fn local_run(&mut self) -> Option<(i64, i64)> {
        let hours = self.hours;
        let (mut date, mut index) = self.cursor.take()?;
        let mut closed_days = 0;
        while index >= hours.periods_on(date).len() {
            closed_days += 1;
            if closed_days > hours.horizon_days() {
                return None;
            }
            date = date.tomorrow().ok()?;
            index = 0;
        }
        let (open, mut close) = hours.periods_on(date)[index];
        let start = hours.instant(date, open);
        self.cursor = Some((date, index + 1));
        while close == MIDNIGHT {
            if hours.always_open() {
                // Only a holiday closes, so go straight to it rather than walk there.
                let holiday = date.tomorrow().ok().and_then(|next| hours.holidays.range(next..).next().copied());
                self.cursor = holiday.map(|holiday| (holiday, 0));
                return Some((start, holiday.map_or(FOREVER, |holiday| hours.instant(holiday, 0))));
            }
            let Ok(next) = date.tomorrow() else { break };
            self.cursor = Some((next, 0));
            let Some(&(0, next_close)) = hours.periods_on(next).first() else { break };
            (date, close) = (next, next_close);
            self.cursor = Some((date, 1));
        }
        Some((start, hours.instant(date, close)))
    }
}

impl Iterator for Stretches<'_> {
    type Item = (i64, i64);

    fn next(&mut self) -> Option<(i64, i64)> {
        while let Some((start, end)) = self.local_run() {
            // Empty when a DST jump swallows the whole period, or inverted when its open lies in
            // a skipped hour that `compatible` moves past its close.
            if end <= start {
                continue;
            }
            match self.pending {
                Some((pending_start, pending_end)) if start <= pending_end => {
                    self.pending = Some((pending_start, pending_end.max(end)));
                }
                Some(_) => return self.pending.replace((start, end)),
                None => self.pending = Some((start, end)),
            }
        }
        self.pending.take()
    }
}

/// Days, open and close minutes of one weekly entry; the error says why not.
fn parse_period(entry: &str) -> Result<([bool; 7], u16, u16), String> {
    let mut parts = entry.split_whitespace();
    let (Some(days), Some(times), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err("expected DAYS HH:MM-HH:MM, such as mon-fri 09:00-18:00".into());
    };
    let days = parse_days(days)?;
    let (open, close) = times.split_once('-').ok_or("times must be HH:MM-HH:MM")?;
    let (open, close) = (parse_time(open)?, parse_time(close)?);
    if open == MIDNIGHT {
        return Err("24:00 can only close".into());
    }
    if open == close {
        return Err("open and close are the same time (00:00-24:00 is all day)".into());
    }
    Ok((days, open, close))
}

fn parse_days(text: &str) -> Result<[bool; 7], String> {
    let mut days = [false; 7];
    for item in text.split(',') {
        let (first, last) = item.split_once('-').unwrap_or((item, item));
        let (first, last) = (day_index(first)?, day_index(last)?);
        let mut day = first;
        days[day] = true;
        while day != last {
            day = (day + 1) % 7;
            days[day] = true;
        }
    }
    Ok(days)
}

fn day_index(name: &str) -> Result<usize, String> {
    DAY_NAMES
        .iter()
        .position(|day| day.eq_ignore_ascii_case(name))
        .ok_or_else(|| format!("unknown day {name:?} (days are {})", DAY_NAMES.join(", ")))
}

/// Minutes since midnight of `HH:MM`, `24:00` being midnight at the end of the day.
fn parse_time(text: &str) -> Result<u16, String> {
    let (5, Some(hour), Some(":"), Some(minute)) =
        (text.len(), digits::<u16>(text, 0..2), text.get(2..3), digits::<u16>(text, 3..5))
    else {
        return Err("times must be HH:MM".into());
    };
    if minute > 59 || hour > 24 || (hour == 24 && minute > 0) {
        return Err(format!("{text} is not a time of day (00:00 to 24:00)"));
    }
    Ok(hour * 60 + minute)
}

fn parse_date(text: &str) -> Result<Date, String> {
    let fields = (digits(text, 0..4), text.get(4..5), digits(text, 5..7), text.get(7..8), digits(text, 8..10));
    let (10, (Some(year), Some("-"), Some(month), Some("-"), Some(day))) = (text.len(), fields) else {
        return Err("dates must be YYYY-MM-DD".into());
    };
    Date::new(year, month, day).map_err(|_| "no such date".into())
}

/// The number written in `text[range]`, when that is all ASCII digits (no sign, no space).
fn digits<T: std::str::FromStr>(text: &str, range: std::ops::Range<usize>) -> Option<T> {
    text.get(range).filter(|part| part.bytes().all(|b| b.is_ascii_digit()))?.parse().ok()
}

/// Sorts periods and merges those that overlap or touch, so a close is always a real change.
fn merge(periods: &mut Vec<(u16, u16)>) {
    periods.sort_unstable();
    let mut merged: Vec<(u16, u16)> = Vec::with_capacity(periods.len());
    for &(open, close) in periods.iter() {
        match merged.last_mut() {
            Some(last) if open <= last.1 => last.1 = last.1.max(close),
            _ => merged.push((open, close)),
        }
    }
    *periods = merged;
}

#[cfg(test)]
mod tests {
    use jiff::civil::{DateTime, Weekday};

    use super::*;

    const MINUTE: i64 = 60_000;
    const HOUR: i64 = 60 * MINUTE;

    fn hours(zone: &str, weekly: &[&str], holidays: &[&str]) -> BusinessHours {
        BusinessHours::parse(zone, weekly, holidays).unwrap()
    }

    fn shanghai_office() -> BusinessHours {
        hours("Asia/Shanghai", &["mon-fri 09:00-18:00"], &[])
    }

    /// A local time that exists exactly once in the hours' zone.
    fn local(hours: &BusinessHours, text: &str) -> Millis {
        let local: DateTime = text.parse().unwrap();
        Millis(hours.zone().to_ambiguous_timestamp(local).unambiguous().unwrap().as_millisecond())
    }

    fn utc(text: &str) -> Millis {
        Millis(text.parse::<Timestamp>().unwrap().as_millisecond())
    }

    fn hours_of(n: i64) -> Duration {
        Duration::from_millis((n * HOUR) as u64)
    }

    #[test]
    fn open_on_weekdays_closed_at_the_weekend() {
        let office = shanghai_office();
        // Friday 2025-03-14 09:00 in Shanghai is 01:00 UTC.
        assert_eq!(local(&office, "2025-03-14T09:00"), utc("2025-03-14T01:00Z"));
        assert!(office.is_open(utc("2025-03-14T01:00Z")));
        assert!(!office.is_open(Millis(utc("2025-03-14T01:00Z").0 - 1)));
        assert!(office.is_open(local(&office, "2025-03-14T17:59:59.999")));
        assert!(!office.is_open(local(&office, "2025-03-14T18:00")));
        assert!(!office.is_open(local(&office, "2025-03-15T10:00")));
        assert!(!office.is_open(local(&office, "2025-03-16T10:00")));
        assert!(office.is_open(local(&office, "2025-03-17T10:00")));
        assert_eq!(office.zone_name(), "Asia/Shanghai");
    }

    #[test]
    fn day_lists_ranges_and_case() {
        let days = |weekly: &str| {
            let hours = hours("UTC", &[weekly], &[]);
            // 2025-03-17 is a Monday.
            (17..24).map(|day| hours.is_open(local(&hours, &format!("2025-03-{day}T12:00")))).collect::<Vec<_>>()
        };
        assert_eq!(days("MON-Fri 09:00-18:00"), [true, true, true, true, true, false, false]);
        assert_eq!(days("sat,sun 09:00-18:00"), [false, false, false, false, false, true, true]);
        assert_eq!(days("mon-wed,fri 09:00-18:00"), [true, true, true, false, true, false, false]);
        assert_eq!(days("fri-mon 09:00-18:00"), [true, false, false, false, true, true, true]);
        assert_eq!(days("wed 09:00-18:00"), [false, false, true, false, false, false, false]);
    }

    #[test]
    fn lunch_break_splits_the_day() {
        let office = hours("Asia/Shanghai", &["mon-fri 09:00-12:00", "mon-fri 13:00-18:00"], &[]);
        let at = |time: &str| local(&office, &format!("2025-03-14T{time}"));
        assert!(office.is_open(at("11:59")));
        assert!(!office.is_open(at("12:30")));
        assert_eq!(office.next_open(at("12:30")), Some(at("13:00")));
        assert_eq!(office.next_change(at("11:00")), Some(at("12:00")));
        assert_eq!(office.next_change(at("12:00")), Some(at("13:00")));
        assert_eq!(office.open_time_between(at("09:00"), at("18:00")), hours_of(8));
    }

    #[test]
    fn periods_that_touch_are_one_stretch() {
        let same_day = hours("UTC", &["mon 09:00-12:00", "mon 12:00-18:00", "mon 10:00-11:00"], &[]);
        let monday = |time: &str| local(&same_day, &format!("2025-03-17T{time}"));
        assert_eq!(same_day.next_change(monday("10:00")), Some(monday("18:00")));

        let across_midnight = hours("UTC", &["mon 20:00-24:00", "tue 00:00-04:00"], &[]);
        let at = local(&across_midnight, "2025-03-17T21:00");
        assert_eq!(across_midnight.next_change(at), Some(local(&across_midnight, "2025-03-18T04:00")));

        let overnight_then_morning = hours("UTC", &["mon 22:00-06:00", "tue 06:00-08:00"], &[]);
        let at = local(&overnight_then_morning, "2025-03-17T23:00");
        assert_eq!(overnight_then_morning.next_change(at), Some(local(&overnight_then_morning, "2025-03-18T08:00")));
    }

    #[test]
    fn overnight_period_runs_into_the_next_day() {
        let night = hours("Europe/London", &["fri,sat 22:00-06:00"], &[]);
        let at = |text: &str| local(&night, text);
        assert!(!night.is_open(at("2025-01-17T21:59")));
        assert!(night.is_open(at("2025-01-17T22:00")));
        assert!(night.is_open(at("2025-01-18T02:00")));
        assert!(!night.is_open(at("2025-01-18T12:00")));
        assert!(night.is_open(at("2025-01-19T05:59")));
        assert!(!night.is_open(at("2025-01-19T06:00")));
        assert_eq!(night.next_change(at("2025-01-17T23:00")), Some(at("2025-01-18T06:00")));
        assert_eq!(night.next_open(at("2025-01-18T06:00")), Some(at("2025-01-18T22:00")));
        assert_eq!(night.open_time_between(at("2025-01-17T00:00"), at("2025-01-20T00:00")), hours_of(16));
        // A close of 00:00 is the same as 24:00.
        assert_eq!(hours("UTC", &["mon 22:00-00:00"], &[]), hours("UTC", &["mon 22:00-24:00"], &[]));
    }

    #[test]
    fn closed_all_day_on_a_holiday() {
        // 2025-10-01 is a Wednesday.
        let office = hours("Asia/Shanghai", &["mon-fri 09:00-18:00"], &["2025-10-01"]);
        let at = |text: &str| local(&office, text);
        assert!(!office.is_open(at("2025-10-01T10:00")));
        assert_eq!(office.next_open(at("2025-10-01T10:00")), Some(at("2025-10-02T09:00")));
        assert_eq!(office.next_open(at("2025-09-30T18:30")), Some(at("2025-10-02T09:00")));
        assert_eq!(office.next_change(at("2025-09-30T17:00")), Some(at("2025-09-30T18:00")));
        assert_eq!(office.open_time_between(at("2025-09-29T00:00"), at("2025-10-04T00:00")), hours_of(4 * 9));
    }

    #[test]
    fn night_shift_into_a_holiday_closes_at_midnight() {
        let night = hours("Asia/Shanghai", &["mon-fri 22:00-06:00"], &["2025-10-01"]);
        let at = |text: &str| local(&night, text);
        assert!(night.is_open(at("2025-09-30T23:00")));
        assert_eq!(night.next_change(at("2025-09-30T23:00")), Some(at("2025-10-01T00:00")));
        assert!(!night.is_open(at("2025-10-01T00:30")));
        assert!(!night.is_open(at("2025-10-01T22:30")));
        // The holiday is the 1st only: the shift it cancelled would have run into the 2nd, and
        // the 2nd keeps its early hours.
        assert_eq!(night.next_open(at("2025-10-01T00:30")), Some(at("2025-10-02T00:00")));
        assert_eq!(night.next_change(at("2025-10-02T01:00")), Some(at("2025-10-02T06:00")));
    }

    #[test]
    fn next_open_from_inside_before_and_after() {
        let office = shanghai_office();
        let at = |text: &str| local(&office, text);
        assert_eq!(office.next_open(at("2025-03-14T10:00")), Some(at("2025-03-14T10:00")));
        assert_eq!(office.next_open(at("2025-03-14T09:00")), Some(at("2025-03-14T09:00")));
        assert_eq!(office.next_open(at("2025-03-14T08:00")), Some(at("2025-03-14T09:00")));
        assert_eq!(office.next_open(at("2025-03-14T18:00")), Some(at("2025-03-17T09:00")));
        assert_eq!(office.next_open(at("2025-03-15T12:00")), Some(at("2025-03-17T09:00")));
    }

    #[test]
    fn next_change_on_both_edges() {
        let office = shanghai_office();
        let at = |text: &str| local(&office, text);
        let open = at("2025-03-14T09:00");
        let close = at("2025-03-14T18:00");
        assert_eq!(office.next_change(Millis(open.0 - 1)), Some(open));
        assert_eq!(office.next_change(open), Some(close));
        assert_eq!(office.next_change(Millis(close.0 - 1)), Some(close));
        assert_eq!(office.next_change(close), Some(at("2025-03-17T09:00")));
        assert_eq!(office.next_change(at("2025-03-16T23:59")), Some(at("2025-03-17T09:00")));
    }

    #[test]
    fn open_time_across_a_weekend() {
        let office = shanghai_office();
        let friday = local(&office, "2025-03-14T17:00");
        let monday = local(&office, "2025-03-17T10:00");
        assert_eq!(office.open_time_between(friday, monday), hours_of(2));
        assert_eq!(office.open_time_between(monday, friday), Duration::ZERO);
        assert_eq!(office.open_time_between(friday, friday), Duration::ZERO);
        let saturday = local(&office, "2025-03-15T00:00");
        let sunday = local(&office, "2025-03-16T23:00");
        assert_eq!(office.open_time_between(saturday, sunday), Duration::ZERO);
    }

    #[test]
    fn open_time_across_new_york_dst_changes() {
        let office = hours("America/New_York", &["mon-fri 09:00-18:00"], &[]);
        // Friday 17:00 EST to Monday 10:00 EDT, over the spring-forward Sunday 2025-03-09.
        assert_eq!(local(&office, "2025-03-07T17:00"), utc("2025-03-07T22:00Z"));
        assert_eq!(local(&office, "2025-03-10T10:00"), utc("2025-03-10T14:00Z"));
        assert_eq!(office.open_time_between(utc("2025-03-07T22:00Z"), utc("2025-03-10T14:00Z")), hours_of(2));

        let sunday = hours("America/New_York", &["sun 00:00-04:00"], &[]);
        // The clock skips 02:00-03:00: four hours on the clock are three.
        assert_eq!(sunday.open_time_between(utc("2025-03-09T00:00Z"), utc("2025-03-10T00:00Z")), hours_of(3));
        assert_eq!(sunday.next_change(utc("2025-03-09T06:00Z")), Some(utc("2025-03-09T08:00Z")));
        // The clock repeats 01:00-02:00: four hours on the clock are five.
        assert_eq!(sunday.open_time_between(utc("2025-11-02T00:00Z"), utc("2025-11-03T00:00Z")), hours_of(5));
        assert_eq!(sunday.next_change(utc("2025-11-02T05:00Z")), Some(utc("2025-11-02T09:00Z")));

        let night = hours("America/New_York", &["sat 22:00-06:00"], &[]);
        // 22:00 EST (03:00Z) to 06:00 EDT (10:00Z), then 22:00 EDT (02:00Z) to 06:00 EST (11:00Z).
        assert_eq!(night.next_open(utc("2025-03-08T12:00Z")), Some(utc("2025-03-09T03:00Z")));
        assert_eq!(night.next_change(utc("2025-03-09T03:00Z")), Some(utc("2025-03-09T10:00Z")));
        assert_eq!(night.open_time_between(utc("2025-03-08T12:00Z"), utc("2025-03-09T12:00Z")), hours_of(7));
        assert_eq!(night.open_time_between(utc("2025-11-01T12:00Z"), utc("2025-11-02T12:00Z")), hours_of(9));

        let all_day = hours("America/New_York", &["mon-sun 00:00-24:00"], &[]);
        let spring_day = (utc("2025-03-09T05:00Z"), utc("2025-03-10T04:00Z"));
        assert_eq!(all_day.open_time_between(spring_day.0, spring_day.1), hours_of(23));
    }

    #[test]
    fn skipped_and_repeated_local_times_are_read_compatibly() {
        // An open at 02:30 on the spring-forward day is 03:30 EDT (07:30Z).
        let late_night = hours("America/New_York", &["sun 02:30-04:00"], &[]);
        assert_eq!(late_night.next_open(utc("2025-03-08T12:00Z")), Some(utc("2025-03-09T07:30Z")));
        assert!(!late_night.is_open(utc("2025-03-09T07:15Z")));
        assert_eq!(late_night.open_time_between(utc("2025-03-09T00:00Z"), utc("2025-03-10T00:00Z")), hours_of(1) / 2);

        // A period the jump swallows whole opens the week after.
        let swallowed = hours("America/New_York", &["sun 02:00-03:00"], &[]);
        assert_eq!(swallowed.next_open(utc("2025-03-08T12:00Z")), Some(utc("2025-03-16T06:00Z")));
        assert!(!swallowed.is_open(utc("2025-03-09T07:00Z")));

        // An open or close at 01:30 on the fall-back day is its first occurrence, 01:30 EDT.
        let repeated = hours("America/New_York", &["sun 01:30-05:00"], &[]);
        assert_eq!(repeated.next_open(utc("2025-11-01T12:00Z")), Some(utc("2025-11-02T05:30Z")));
        assert_eq!(repeated.next_change(utc("2025-11-02T05:30Z")), Some(utc("2025-11-02T10:00Z")));
        let early = hours("America/New_York", &["sun 00:00-01:30"], &[]);
        assert_eq!(early.next_change(utc("2025-11-02T04:00Z")), Some(utc("2025-11-02T05:30Z")));
        assert!(!early.is_open(utc("2025-11-02T06:45Z")));

        // London skips 01:00-02:00, so a close at 01:30 GMT-as-before is 02:30 BST (01:30Z).
        let london = hours("Europe/London", &["sun 00:30-01:30"], &[]);
        assert_eq!(london.open_time_between(utc("2025-03-30T00:00Z"), utc("2025-03-31T00:00Z")), hours_of(1));
        assert!(london.is_open(utc("2025-03-30T01:15Z")));
        assert_eq!(london.next_change(utc("2025-03-30T01:15Z")), Some(utc("2025-03-30T01:30Z")));
    }

    #[test]
    fn open_time_is_added_around_nights_and_weekends() {
        let office = shanghai_office();
        let at = |text: &str| local(&office, text);
        // A 2-hour SLA from Friday 17:30: half an hour on Friday, the rest on Monday.
        assert_eq!(office.add_open_time(at("2025-03-14T17:30"), hours_of(2)), Some(at("2025-03-17T10:30")));
        assert_eq!(office.add_open_time(at("2025-03-13T17:00"), hours_of(2)), Some(at("2025-03-14T10:00")));
        // Exactly up to the close is due at the close, not at the next open.
        assert_eq!(office.add_open_time(at("2025-03-14T17:30"), hours_of(1) / 2), Some(at("2025-03-14T18:00")));
        assert_eq!(office.add_open_time(at("2025-03-15T12:00"), hours_of(1)), Some(at("2025-03-17T10:00")));
        assert_eq!(office.add_open_time(at("2025-03-15T12:00"), Duration::ZERO), Some(at("2025-03-15T12:00")));
        // A week's worth of open time is a week on the calendar.
        assert_eq!(office.add_open_time(at("2025-03-14T12:00"), hours_of(45)), Some(at("2025-03-21T12:00")));
    }

    #[test]
    fn added_open_time_is_measured_back() {
        let hours = hours(
            "America/New_York",
            &["mon-fri 09:00-12:00", "mon-fri 13:00-18:00", "sat 22:00-02:00"],
            &["2025-03-12"],
        );
        let mut from = utc("2025-03-01T00:00Z");
        while from < utc("2025-03-20T00:00Z") {
            for open in [Duration::from_millis(1), Duration::from_secs(1_800), hours_of(7), hours_of(30)] {
                let due = hours.add_open_time(from, open).unwrap();
                assert_eq!(hours.open_time_between(from, due), open, "from {from:?} for {open:?}");
                assert!(hours.is_open(Millis(due.0 - 1)), "due {due:?} ends open time");
            }
            from = Millis(from.0 + 37 * MINUTE);
        }
    }

    #[test]
    fn changes_alternate_open_and_closed() {
        let hours = hours(
            "America/New_York",
            &["mon-fri 09:00-12:00", "mon-fri 13:00-18:00", "sat 22:00-02:00", "sun 01:00-03:30"],
            &["2025-11-04"],
        );
        for start in [utc("2025-03-01T00:00Z"), utc("2025-10-25T00:00Z")] {
            let mut at = start;
            let mut open = hours.is_open(at);
            let mut measured = Duration::ZERO;
            while at < Millis(start.0 + 21 * 24 * HOUR) {
                let change = hours.next_change(at).unwrap();
                assert!(change > at);
                assert_eq!(hours.is_open(Millis(change.0 - 1)), open, "before {change:?}");
                assert_eq!(hours.is_open(change), !open, "at {change:?}");
                if open {
                    measured += change.since(at);
                } else {
                    assert_eq!(hours.next_open(at), Some(change));
                }
                (at, open) = (change, !open);
            }
            assert_eq!(hours.open_time_between(start, at), measured);
        }
    }

    #[test]
    fn a_year_is_summed_day_by_day() {
        let office = hours("America/New_York", &["mon-fri 09:00-18:00"], &[]);
        let year = (local(&office, "2025-01-01T00:00"), local(&office, "2026-01-01T00:00"));
        // 2025 has 261 weekdays.
        assert_eq!(office.open_time_between(year.0, year.1), hours_of(261 * 9));
        let always = hours("America/New_York", &["mon-sun 00:00-24:00"], &[]);
        assert_eq!(always.open_time_between(year.0, year.1), hours_of(365 * 24));
    }

    #[test]
    fn always_open_changes_only_at_holidays() {
        let always = hours("UTC", &["mon-sun 00:00-24:00"], &[]);
        let now = utc("2025-03-14T10:00Z");
        assert!(always.is_open(now));
        assert_eq!(always.next_open(now), Some(now));
        assert_eq!(always.next_change(now), None);
        assert_eq!(always.add_open_time(now, hours_of(1000)), Some(Millis(now.0 + 1000 * HOUR)));

        let with_holidays = hours("UTC", &["mon-sun 00:00-24:00"], &["2027-12-24", "2027-12-25"]);
        assert_eq!(with_holidays.next_change(now), Some(utc("2027-12-24T00:00Z")));
        assert_eq!(with_holidays.next_change(utc("2027-12-24T00:00Z")), Some(utc("2027-12-26T00:00Z")));
        assert_eq!(with_holidays.next_change(utc("2027-12-26T00:00Z")), None);
        assert_eq!(with_holidays.add_open_time(utc("2027-12-23T12:00Z"), hours_of(24)), Some(utc("2027-12-26T12:00Z")));
    }

    #[test]
    fn holidays_push_the_search_on() {
        let mondays: Vec<String> = std::iter::successors(Some(jiff::civil::date(2025, 1, 6)), |day| {
            day.checked_add(jiff::Span::new().days(7)).ok()
        })
        .take_while(|day| day.year() < 2028)
        .map(|day| day.to_string())
        .collect();
        let mondays: Vec<&str> = mondays.iter().map(String::as_str).collect();
        let hours = hours("UTC", &["mon 09:00-10:00"], &mondays);
        let first = hours.next_open(utc("2025-01-01T00:00Z")).unwrap();
        assert_eq!(first, utc("2028-01-03T09:00Z"));
        assert_eq!(jiff::civil::date(2028, 1, 3).weekday(), Weekday::Monday);
    }

    #[test]
    fn empty_schedule_never_opens() {
        let never = hours("UTC", &[], &[]);
        let now = utc("2025-03-14T10:00Z");
        assert!(!never.is_open(now));
        assert_eq!(never.next_open(now), None);
        assert_eq!(never.next_change(now), None);
        assert_eq!(never.open_time_between(now, Millis(now.0 + 365 * 24 * HOUR)), Duration::ZERO);
        assert_eq!(never.add_open_time(now, hours_of(1)), None);
    }

    #[test]
    fn instants_beyond_the_calendar_do_not_panic() {
        let office = shanghai_office();
        for at in [Millis(i64::MIN), Millis(i64::MIN + 1), Millis(0), Millis(i64::MAX - 1), Millis(i64::MAX)] {
            let _ = office.is_open(at);
            assert!(office.next_open(at).is_none_or(|open| open >= at));
            assert!(office.next_change(at).is_none_or(|change| change > at));
            let _ = office.open_time_between(at, Millis(at.0.saturating_add(7 * 24 * HOUR)));
            let _ = office.add_open_time(at, hours_of(10));
        }
        assert_eq!(office.next_open(Millis(i64::MAX)), None);
        assert_eq!(office.add_open_time(Millis(0), Duration::MAX), None);
        // The last Monday of the calendar is a holiday: nothing opens after it.
        let last_week = hours("UTC", &["mon 09:00-10:00"], &["9999-12-27"]);
        assert_eq!(last_week.next_open(utc("9999-12-20T12:00Z")), None);
        let always = hours("UTC", &["mon-sun 00:00-24:00"], &[]);
        assert_eq!(always.add_open_time(Millis(i64::MAX - 10), hours_of(1)), None);
        assert!(always.is_open(Millis(i64::MAX)));
        assert_eq!(always.next_change(Millis(i64::MAX)), None);
    }

    #[test]
    fn zone_names() {
        assert_eq!(hours("asia/shanghai", &[], &[]).zone_name(), "Asia/Shanghai");
        assert_eq!(hours("UTC", &[], &[]).zone_name(), "UTC");
        assert_eq!(hours("Europe/London", &[], &[]).zone_name(), "Europe/London");
    }

    #[test]
    fn errors_name_the_entry_and_the_reason() {
        let error = |zone: &str, weekly: &[&str], holidays: &[&str]| {
            BusinessHours::parse(zone, weekly, holidays).unwrap_err().to_string()
        };
        let weekly = |entry: &str| error("UTC", &["mon 09:00-10:00", entry], &[]);
        assert_eq!(error("Mars/Olympus", &[], &[]), r#"zone "Mars/Olympus": not a time zone in the IANA database"#);
        assert_eq!(weekly("mon-fri 9-18"), r#"weekly[1] "mon-fri 9-18": times must be HH:MM"#);
        assert_eq!(weekly("mon-fri 09:00"), r#"weekly[1] "mon-fri 09:00": times must be HH:MM-HH:MM"#);
        assert_eq!(weekly("mon-fri"), r#"weekly[1] "mon-fri": expected DAYS HH:MM-HH:MM, such as mon-fri 09:00-18:00"#);
        assert_eq!(
            weekly("mon fri 09:00-18:00"),
            r#"weekly[1] "mon fri 09:00-18:00": expected DAYS HH:MM-HH:MM, such as mon-fri 09:00-18:00"#
        );
        assert_eq!(
            weekly("monday 09:00-18:00"),
            r#"weekly[1] "monday 09:00-18:00": unknown day "monday" (days are mon, tue, wed, thu, fri, sat, sun)"#
        );
        assert_eq!(
            weekly("mon, 09:00-18:00"),
            r#"weekly[1] "mon, 09:00-18:00": unknown day "" (days are mon, tue, wed, thu, fri, sat, sun)"#
        );
        assert_eq!(
            weekly("mon 09:00-09:00"),
            r#"weekly[1] "mon 09:00-09:00": open and close are the same time (00:00-24:00 is all day)"#
        );
        assert_eq!(weekly("mon 24:00-06:00"), r#"weekly[1] "mon 24:00-06:00": 24:00 can only close"#);
        assert_eq!(
            weekly("mon 09:00-25:00"),
            r#"weekly[1] "mon 09:00-25:00": 25:00 is not a time of day (00:00 to 24:00)"#
        );
        assert_eq!(
            weekly("mon 09:60-10:00"),
            r#"weekly[1] "mon 09:60-10:00": 09:60 is not a time of day (00:00 to 24:00)"#
        );
        assert_eq!(weekly("mon +9:00-10:00"), r#"weekly[1] "mon +9:00-10:00": times must be HH:MM"#);
        assert_eq!(error("UTC", &[], &["2025-01-01", "2025-02-30"]), r#"holidays[1] "2025-02-30": no such date"#);
        assert_eq!(error("UTC", &[], &["2025/01/01"]), r#"holidays[0] "2025/01/01": dates must be YYYY-MM-DD"#);
        assert_eq!(error("UTC", &[], &["2025-1-01"]), r#"holidays[0] "2025-1-01": dates must be YYYY-MM-DD"#);
        // All day and past-midnight periods are fine.
        assert!(BusinessHours::parse("UTC", &["mon-sun 00:00-24:00", "fri 22:00-06:00"], &["2025-12-25"]).is_ok());
    }
}
