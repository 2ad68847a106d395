//! Deadlines as versioned configuration: for each deadline class (the urgency), how long the centre
//! has to dispatch and the unit has to make first contact and to reply, in minutes, hours, calendar
//! days or working days. The numbers are policy, not law (domain.md §6), so they are data.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Duration, FixedOffset, NaiveDate, TimeZone, Weekday};
use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::error::ValidationError;
use crate::order::Urgency;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DurationUnit {
    Minutes,
    Hours,
    CalendarDays,
    WorkingDays,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DurationSpec {
    pub amount: u32,
    pub unit: DurationUnit,
}

impl DurationSpec {
    pub const fn new(amount: u32, unit: DurationUnit) -> Self {
        Self { amount, unit }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Dispatch,
    FirstContact,
    Reply,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageDeadlines {
    pub dispatch: DurationSpec,
    pub first_contact: DurationSpec,
    pub reply: DurationSpec,
}

/// Which local dates are working days: Monday–Friday, minus public holidays, plus the make-up
/// working weekends (调休) China announces every year. Both lists are data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct WorkCalendar {
    #[serde(default)]
    pub holidays: BTreeSet<NaiveDate>,
    #[serde(default)]
    pub makeup_workdays: BTreeSet<NaiveDate>,
}

impl WorkCalendar {
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        if self.makeup_workdays.contains(&d) {
            return true;
        }
        !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&d)
    }
}

/// One version of the deadline policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeadlinePolicy {
    pub version: i64,
    /// Local time zone of the calendar, minutes east of UTC (Beijing: 480).
    pub utc_offset_minutes: i32,
    pub classes: BTreeMap<Urgency, StageDeadlines>,
    #[serde(default)]
    pub calendar: WorkCalendar,
    /// When a stage is this far through its time (percent), the unit (or, before dispatch, the
    /// centre) is warned: 80 warns at 19.2 h of a 24 h stage, on day 5.6 of a 7-day one.
    #[serde(default = "default_warn_at_percent")]
    pub warn_at_percent: u8,
    /// Dispute window, callback attempts, reopen rule.
    #[serde(default)]
    pub handling: crate::handling::HandlingRules,
}

pub fn default_warn_at_percent() -> u8 {
    80
}

impl DeadlinePolicy {
    /// The shipped default. Reply limits follow the DB11/T 2021 draft (2 h, 24 h, 7 days, 15 days);
    /// the dispatch and first-contact limits are not published for Beijing and are our assumption.
    pub fn default_policy() -> Self {
        use DurationUnit::*;
        let class = |d: DurationSpec, c: DurationSpec, r: DurationSpec| StageDeadlines { dispatch: d, first_contact: c, reply: r };
        let classes = BTreeMap::from([
            (Urgency::Emergency, class(DurationSpec::new(15, Minutes), DurationSpec::new(30, Minutes), DurationSpec::new(2, Hours))),
            (Urgency::Utility24h, class(DurationSpec::new(30, Minutes), DurationSpec::new(2, Hours), DurationSpec::new(24, Hours))),
            (Urgency::General, class(DurationSpec::new(2, Hours), DurationSpec::new(24, Hours), DurationSpec::new(7, CalendarDays))),
            (Urgency::Complex, class(DurationSpec::new(2, Hours), DurationSpec::new(2, CalendarDays), DurationSpec::new(15, CalendarDays))),
        ]);
        Self {
            version: 1,
            utc_offset_minutes: 480,
            classes,
            calendar: WorkCalendar::default(),
            warn_at_percent: default_warn_at_percent(),
            handling: crate::handling::HandlingRules::default(),
        }
    }

    /// Checks a policy submitted by an administrator: every class present, no zero durations.
    pub fn validate(&self) -> Result<(), ValidationError> {
        for u in Urgency::ALL {
            let Some(c) = self.classes.get(u) else {
                return Err(ValidationError::new(
                    "classes",
                    "missing_deadline_class",
                    format!("缺少时限类别 {}", u.code()),
                    format!("Deadline class {} is missing", u.code()),
                ));
            };
            if !(1..=99).contains(&self.warn_at_percent) {
                return Err(ValidationError::new(
                    "warn_at_percent",
                    "invalid_percent",
                    "预警比例须在 1 到 99 之间",
                    "The warning point must be between 1 and 99 percent",
                ));
            }
            for d in [c.dispatch, c.first_contact, c.reply] {
                if d.amount == 0 || d.amount > 10_000 {
                    return Err(ValidationError::new(
                        "classes",
                        "invalid_duration",
                        "时限须在 1 到 10000 之间",
                        "A duration must be between 1 and 10000",
                    ));
                }
            }
        }
        let h = &self.handling;
        if h.dispute_window.amount == 0
            || h.dispute_window.amount > 10_000
            || !(1..=20).contains(&h.callback_attempts)
            || h.max_reopens > 10
        {
            return Err(ValidationError::new(
                "handling",
                "invalid_handling_rules",
                "退单时限须在 1 到 10000 之间，回访尝试次数 1 到 20 次，重办上限不超过 10 次",
                "The dispute window must be 1–10000, callback attempts 1–20 and the reopen limit at most 10",
            ));
        }
        if self.utc_offset_minutes.abs() > 14 * 60 {
            return Err(ValidationError::new("utc_offset_minutes", "invalid_offset", "时区偏移无效", "Invalid UTC offset"));
        }
        Ok(())
    }

    fn offset(&self) -> FixedOffset {
        FixedOffset::east_opt(self.utc_offset_minutes * 60).unwrap_or(FixedOffset::east_opt(0).expect("zero offset"))
    }

    /// The local calendar date of an instant, e.g. for order numbers.
    pub fn local_date(&self, t: Timestamp) -> NaiveDate {
        t.with_timezone(&self.offset()).date_naive()
    }

    /// When `stage` of an order of class `urgency` is due, counting from `from`.
    pub fn due(&self, urgency: Urgency, stage: Stage, from: Timestamp) -> Timestamp {
        let Some(class) = self.classes.get(&urgency) else {
            return from;
        };
        let spec = match stage {
            Stage::Dispatch => class.dispatch,
            Stage::FirstContact => class.first_contact,
            Stage::Reply => class.reply,
        };
        self.add(from, spec)
    }

    /// Adds a duration. Working days keep the local time of day and skip non-working dates; a start
    /// on a non-working day counts from the next working day's start of business.
    pub fn add(&self, from: Timestamp, spec: DurationSpec) -> Timestamp {
        let amount = i64::from(spec.amount);
        match spec.unit {
            DurationUnit::Minutes => from + Duration::minutes(amount),
            DurationUnit::Hours => from + Duration::hours(amount),
            DurationUnit::CalendarDays => from + Duration::days(amount),
            DurationUnit::WorkingDays => {
                let offset = self.offset();
                let local = from.with_timezone(&offset);
                let mut date = local.date_naive();
                let mut time = local.time();
                if !self.calendar.is_working_day(date) {
                    while !self.calendar.is_working_day(date) {
                        date = date.succ_opt().unwrap_or(date);
                    }
                    time = chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default();
                }
                let mut left = amount;
                while left > 0 {
                    date = date.succ_opt().unwrap_or(date);
                    if self.calendar.is_working_day(date) {
                        left -= 1;
                    }
                }
                offset.from_local_datetime(&date.and_time(time)).single().map_or(from, |t| t.with_timezone(&chrono::Utc))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn beijing(y: i32, m: u32, d: u32, h: u32) -> Timestamp {
        FixedOffset::east_opt(8 * 3600).unwrap().with_ymd_and_hms(y, m, d, h, 0, 0).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn default_policy_gives_the_published_reply_limits() {
        let p = DeadlinePolicy::default_policy();
        let t = beijing(2026, 11, 23, 10);
        assert_eq!(p.due(Urgency::Emergency, Stage::Reply, t), t + Duration::hours(2));
        assert_eq!(p.due(Urgency::Utility24h, Stage::Reply, t), t + Duration::hours(24));
        assert_eq!(p.due(Urgency::General, Stage::Reply, t), t + Duration::days(7));
        assert_eq!(p.due(Urgency::Complex, Stage::Reply, t), t + Duration::days(15));
        assert!(p.validate().is_ok());
    }

    #[test]
    fn working_days_skip_weekends_and_holidays_and_count_makeup_days() {
        let mut p = DeadlinePolicy::default_policy();
        let five = DurationSpec::new(5, DurationUnit::WorkingDays);
        // Friday 2026-11-27 10:00 + 5 working days = Friday 2026-12-04 10:00.
        assert_eq!(p.add(beijing(2026, 11, 27, 10), five), beijing(2026, 12, 4, 10));
        // A holiday on Monday pushes it to the next Monday.
        p.calendar.holidays.insert(NaiveDate::from_ymd_opt(2026, 11, 30).unwrap());
        assert_eq!(p.add(beijing(2026, 11, 27, 10), five), beijing(2026, 12, 7, 10));
        // A make-up Saturday counts again.
        p.calendar.makeup_workdays.insert(NaiveDate::from_ymd_opt(2026, 11, 28).unwrap());
        assert_eq!(p.add(beijing(2026, 11, 27, 10), five), beijing(2026, 12, 4, 10));
    }

    #[test]
    fn a_request_on_a_weekend_counts_from_monday_morning() {
        let p = DeadlinePolicy::default_policy();
        let one = DurationSpec::new(1, DurationUnit::WorkingDays);
        assert_eq!(p.add(beijing(2026, 11, 28, 22), one), beijing(2026, 12, 1, 9));
    }

    #[test]
    fn local_date_uses_the_policy_offset() {
        let p = DeadlinePolicy::default_policy();
        // 2026-11-22 17:00 UTC is already the 23rd in Beijing.
        let t = Utc.with_ymd_and_hms(2026, 11, 22, 17, 0, 0).unwrap();
        assert_eq!(p.local_date(t), NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
    }

    #[test]
    fn a_policy_missing_a_class_is_rejected() {
        let mut p = DeadlinePolicy::default_policy();
        p.classes.remove(&Urgency::Complex);
        assert_eq!(p.validate().unwrap_err().code, "missing_deadline_class");
    }
}
