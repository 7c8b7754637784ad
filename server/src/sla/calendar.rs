//! Business time: a department's opening hours and holidays in its time
//! zone, and the two sums SLA targets need: the instant a number of
//! business minutes after a start, and the business time between two
//! instants (for the daily report).

use std::collections::HashSet;

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use protocol::{SlaPolicy, Weekday};

/// How far ahead a due time is looked for: a year of holidays cannot push
/// one past this, so the search always ends.
const MAX_DAYS: u32 = 3 * 366;

/// Opening hours as local spans per weekday (Monday first), in a zone.
#[derive(Debug, Clone)]
pub struct Calendar {
    zone: Tz,
    /// Empty on every day: open around the clock.
    week: [Vec<(NaiveTime, Option<NaiveTime>)>; 7],
    around_the_clock: bool,
    holidays: HashSet<NaiveDate>,
}

/// What is wrong with a policy's calendar, for a 422 naming the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarError {
    pub field: &'static str,
    pub message: String,
}

impl Calendar {
    pub fn new(policy: &SlaPolicy) -> Result<Calendar, CalendarError> {
        let zone: Tz = policy.time_zone.parse().map_err(|_| CalendarError {
            field: "time_zone",
            message: format!(
                "{:?} is not an IANA time zone name (like Europe/Berlin)",
                policy.time_zone
            ),
        })?;
        let mut week: [Vec<(NaiveTime, Option<NaiveTime>)>; 7] = Default::default();
        for span in &policy.hours {
            let opens = parse_time(&span.opens, "hours.opens")?;
            // 24:00 is the end of the day: `None`.
            let closes = if span.closes == "24:00" {
                None
            } else {
                Some(parse_time(&span.closes, "hours.closes")?)
            };
            if closes.is_some_and(|c| c <= opens) {
                return Err(CalendarError {
                    field: "hours",
                    message: format!(
                        "on {} the hours {}–{} close before they open",
                        span.day.as_str(),
                        span.opens,
                        span.closes
                    ),
                });
            }
            week[span.day.index()].push((opens, closes));
        }
        for (day, spans) in week.iter_mut().enumerate() {
            spans.sort();
            let overlapping = spans
                .windows(2)
                .any(|w| w[0].1.is_none_or(|end| end > w[1].0));
            if overlapping {
                return Err(CalendarError {
                    field: "hours",
                    message: format!("the hours on {} overlap", Weekday::ALL[day].as_str()),
                });
            }
        }
        Ok(Calendar {
            zone,
            around_the_clock: policy.hours.is_empty(),
            week,
            holidays: policy.holidays.iter().copied().collect(),
        })
    }

    /// The instant `minutes` of business time after `start`; `None` when
    /// the calendar has no opening in the next three years.
    pub fn add_minutes(&self, start: DateTime<Utc>, minutes: u32) -> Option<DateTime<Utc>> {
        let mut left = Duration::minutes(i64::from(minutes));
        let mut day = start.with_timezone(&self.zone).date_naive();
        for _ in 0..MAX_DAYS {
            for (opens, closes) in self.open_spans(day) {
                let from = opens.max(start);
                if from >= closes {
                    continue;
                }
                let open = closes - from;
                if left <= open {
                    return Some(from + left);
                }
                left -= open;
            }
            day = day.succ_opt()?;
        }
        None
    }

    /// The date an instant falls on in the calendar's zone.
    pub fn local_day(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.zone).date_naive()
    }

    /// Business time between two instants (zero when `to` is not later).
    pub fn between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        let mut total = Duration::zero();
        let mut day = from.with_timezone(&self.zone).date_naive();
        let last = to.with_timezone(&self.zone).date_naive();
        while day <= last {
            for (opens, closes) in self.open_spans(day) {
                let (a, b) = (opens.max(from), closes.min(to));
                if b > a {
                    total += b - a;
                }
            }
            let Some(next) = day.succ_opt() else { break };
            day = next;
        }
        total
    }

    /// A local day's opening spans as instants, in order.
    fn open_spans(&self, day: NaiveDate) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        if self.holidays.contains(&day) {
            return Vec::new();
        }
        let midnight_after = || self.instant(day.succ_opt().unwrap_or(day), NaiveTime::MIN);
        if self.around_the_clock {
            return vec![(self.instant(day, NaiveTime::MIN), midnight_after())];
        }
        self.week[day.weekday().num_days_from_monday() as usize]
            .iter()
            .map(|(opens, closes)| {
                let end = closes.map_or_else(midnight_after, |c| self.instant(day, c));
                (self.instant(day, *opens), end)
            })
            .collect()
    }

    /// A local wall-clock time as an instant: the earlier of a repeated
    /// hour (clocks going back), and the first instant after a skipped one
    /// (clocks going forward).
    fn instant(&self, day: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
        let mut local = day.and_time(time);
        loop {
            match self.zone.from_local_datetime(&local) {
                LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => {
                    return t.with_timezone(&Utc);
                }
                // Gaps are whole minutes; step until past it.
                LocalResult::None => local += Duration::minutes(1),
            }
        }
    }
}

fn parse_time(text: &str, field: &'static str) -> Result<NaiveTime, CalendarError> {
    let valid = text.len() == 5 && text.as_bytes()[2] == b':';
    valid
        .then(|| NaiveTime::parse_from_str(text, "%H:%M").ok())
        .flatten()
        .ok_or_else(|| CalendarError {
            field,
            message: format!("{text:?} is not a time of day as HH:MM"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::BusinessHours;

    fn weekdays_nine_to_five(zone: &str, holidays: &[&str]) -> Calendar {
        let hours = [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
        ]
        .into_iter()
        .map(|day| BusinessHours {
            day,
            opens: "09:00".into(),
            closes: "17:00".into(),
        })
        .collect();
        Calendar::new(&SlaPolicy {
            time_zone: zone.into(),
            hours,
            holidays: holidays.iter().map(|d| d.parse().unwrap()).collect(),
            targets: vec![],
        })
        .unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn minutes_count_only_while_open_and_carry_over_nights_and_weekends() {
        let cal = weekdays_nine_to_five("Europe/Berlin", &[]);
        // Friday 2026-12-04 16:00 Berlin (15:00 UTC) + 2 h: 1 h on Friday, 1 h on Monday.
        let due = cal.add_minutes(utc("2026-12-04T15:00:00Z"), 120).unwrap();
        assert_eq!(due, utc("2026-12-07T09:00:00Z")); // Monday 10:00 Berlin
        // Opened on Saturday: the clock starts on Monday at nine.
        let due = cal.add_minutes(utc("2026-12-05T10:00:00Z"), 30).unwrap();
        assert_eq!(due, utc("2026-12-07T08:30:00Z"));
        assert_eq!(
            cal.between(utc("2026-12-04T15:00:00Z"), utc("2026-12-07T09:00:00Z")),
            Duration::hours(2)
        );
    }

    #[test]
    fn holidays_are_closed_and_time_zones_move_with_daylight_saving() {
        let cal = weekdays_nine_to_five("America/New_York", &["2026-12-25"]);
        // Thursday 24th 16:30 New York + 1 h: 30 min, then Christmas, then Monday 28th.
        let due = cal.add_minutes(utc("2026-12-24T21:30:00Z"), 60).unwrap();
        assert_eq!(due, utc("2026-12-28T14:30:00Z")); // 09:30 EST
        // Nine o'clock is 13:00 UTC in summer (EDT), 14:00 in winter (EST).
        let summer = cal.add_minutes(utc("2026-07-06T00:00:00Z"), 1).unwrap();
        assert_eq!(summer, utc("2026-07-06T13:01:00Z"));
        // Around the clock: a day with the clocks going forward has 23 hours.
        let always = Calendar::new(&SlaPolicy {
            time_zone: "Europe/Berlin".into(),
            ..SlaPolicy::none()
        })
        .unwrap();
        let day = always.between(utc("2026-03-28T23:00:00Z"), utc("2026-03-29T22:00:00Z"));
        assert_eq!(day, Duration::hours(23));
        assert_eq!(
            always.add_minutes(utc("2026-03-29T00:30:00Z"), 60).unwrap(),
            utc("2026-03-29T01:30:00Z")
        );
    }

    #[test]
    fn bad_calendars_name_what_is_wrong() {
        let mut policy = SlaPolicy {
            time_zone: "Mars/Olympus".into(),
            ..SlaPolicy::none()
        };
        assert_eq!(Calendar::new(&policy).unwrap_err().field, "time_zone");
        policy.time_zone = "UTC".into();
        let span = |opens: &str, closes: &str| BusinessHours {
            day: Weekday::Mon,
            opens: opens.into(),
            closes: closes.into(),
        };
        policy.hours = vec![span("9:00", "17:00")];
        assert_eq!(Calendar::new(&policy).unwrap_err().field, "hours.opens");
        policy.hours = vec![span("17:00", "09:00")];
        assert_eq!(Calendar::new(&policy).unwrap_err().field, "hours");
        policy.hours = vec![span("09:00", "13:00"), span("12:00", "24:00")];
        let overlap = Calendar::new(&policy).unwrap_err();
        assert_eq!(overlap.message, "the hours on mon overlap");
        policy.hours = vec![span("09:00", "12:00"), span("13:00", "24:00")];
        let split = Calendar::new(&policy).unwrap();
        // Monday 2026-12-07: 11:00 + 2 h = one hour before lunch, one after.
        assert_eq!(
            split.add_minutes(utc("2026-12-07T11:00:00Z"), 120).unwrap(),
            utc("2026-12-07T14:00:00Z")
        );
    }
}
