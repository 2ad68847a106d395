//! How one fact is packed into fixed-width columns: 20 bytes per order. Every layout decision lives
//! here so the writer, the scan and the export read the same bits.
//!
//! | column     | width | holds |
//! |------------|-------|-------|
//! | `time`     | u32   | received, minutes since 2000-01-01 00:00 UTC, plus one (0: no order in this row) |
//! | `place`    | u16   | the most specific place known (community, street or district), a dictionary index |
//! | `category` | u16   | the category path, a dictionary index |
//! | `handler`  | u16   | the main unit, or the knowledge-base article a consultation was answered from |
//! | `codes`    | u16   | nature, channel, age group, urgency, language, repeat caller, duplicate, disputed |
//! | `status`   | u16   | state, callback answers, reopens, exclusion, late flags, answered from an article |
//! | `dispatch` | u8    | received → first dispatch, on a log scale |
//! | `contact`  | u8    | received → first contact, on a log scale |
//! | `reply`    | u16   | received → reply, in 10-minute steps |
//! | `end`      | u16   | received → closed when the order is over; received → the next due time while open |

use chrono::{DateTime, TimeZone, Utc};
use hotline_domain::{AgeGroup, Channel, Nature, Resolution, Satisfaction, State, Urgency};

/// 2000-01-01T00:00:00Z in seconds: the zero of the `time` column.
pub const EPOCH_SECS: i64 = 946_684_800;

/// The `time` value of a moment (never 0: that marks an empty row). Before 2000 counts as 2000.
pub fn time_of(t: DateTime<Utc>) -> u32 {
    let minutes = (t.timestamp() - EPOCH_SECS).div_euclid(60).max(0);
    u32::try_from(minutes + 1).unwrap_or(u32::MAX)
}

/// The first minute of a `time` value, as a moment.
pub fn moment_of(time: u32) -> DateTime<Utc> {
    let secs = EPOCH_SECS + i64::from(time.saturating_sub(1)) * 60;
    Utc.timestamp_opt(secs, 0).single().unwrap_or_default()
}

/// Minutes of a duration that cannot be negative (a clock set back counts as zero).
fn minutes_between(from: DateTime<Utc>, to: DateTime<Utc>) -> u64 {
    u64::try_from((to - from).num_minutes()).unwrap_or(0)
}

/// Log-scale steps per e-fold: a step is about 5% (a 0–1 year range in 254 steps).
const LOG_STEPS: f64 = 19.0;

/// A span on the log scale (0: did not happen).
pub fn log_span(from: DateTime<Utc>, to: Option<DateTime<Utc>>) -> u8 {
    let Some(to) = to else { return 0 };
    let m = minutes_between(from, to) as f64;
    let step = ((1.0 + m).ln() * LOG_STEPS).round();
    1 + step.min(254.0) as u8
}

/// Hours of a log-scale span (the middle of its step), `None` when it did not happen.
pub fn log_span_hours(v: u8) -> Option<f64> {
    (v != 0).then(|| ((f64::from(v - 1) / LOG_STEPS).exp() - 1.0) / 60.0)
}

/// A span in 10-minute steps (0: did not happen), rounded down; at most about 455 days.
pub fn tenths(from: DateTime<Utc>, to: Option<DateTime<Utc>>) -> u16 {
    let Some(to) = to else { return 0 };
    let steps = minutes_between(from, to) / 10;
    u16::try_from(steps + 1).unwrap_or(u16::MAX)
}

/// A due time in 10-minute steps, rounded up so an order is never overdue early.
pub fn tenths_due(from: DateTime<Utc>, due: Option<DateTime<Utc>>) -> u16 {
    let Some(due) = due else { return 0 };
    let steps = minutes_between(from, due).div_ceil(10);
    u16::try_from(steps + 1).unwrap_or(u16::MAX)
}

/// Hours of a 10-minute-step span, `None` when it did not happen.
pub fn tenths_hours(v: u16) -> Option<f64> {
    (v != 0).then(|| f64::from(v - 1) / 6.0)
}

/// One bit field in a 16-bit word.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    shift: u16,
    bits: u16,
}

impl Field {
    const fn new(shift: u16, bits: u16) -> Self {
        Self { shift, bits }
    }

    const fn mask(self) -> u16 {
        ((1u32 << self.bits) - 1) as u16
    }

    #[inline]
    pub fn get(self, word: u16) -> u16 {
        (word >> self.shift) & self.mask()
    }

    pub fn put(self, word: &mut u16, value: u16) {
        *word = (*word & !(self.mask() << self.shift)) | ((value & self.mask()) << self.shift);
    }

    /// How many values the field holds.
    pub fn size(self) -> usize {
        1 << self.bits
    }
}

/// The `codes` word.
pub mod code {
    use super::Field;
    /// 0: none; 1.. the nature's position in `Nature::ALL`, plus one.
    pub const NATURE: Field = Field::new(0, 3);
    /// The channel's position in `Channel::ALL`.
    pub const CHANNEL: Field = Field::new(3, 3);
    /// 0: not asked; 1.. the age group's position in `AgeGroup::ALL`, plus one.
    pub const AGE: Field = Field::new(6, 2);
    /// The urgency's position in `Urgency::ALL`.
    pub const URGENCY: Field = Field::new(8, 2);
    /// The language's dictionary slot (see [`crate::dict::LANGUAGE_SLOTS`]).
    pub const LANGUAGE: Field = Field::new(10, 3);
    pub const REPEAT: Field = Field::new(13, 1);
    pub const DUPLICATE: Field = Field::new(14, 1);
    pub const DISPUTED: Field = Field::new(15, 1);
}

/// The `status` word.
pub mod status {
    use super::Field;
    /// The state's position in `State::ALL`.
    pub const STATE: Field = Field::new(0, 4);
    /// 0: not evaluated; 1.. the resolution's position in `Resolution::ALL`, plus one.
    pub const RESOLUTION: Field = Field::new(4, 2);
    /// 0: not evaluated; 1.. the satisfaction's position in `Satisfaction::ALL`, plus one.
    pub const SATISFACTION: Field = Field::new(6, 2);
    /// The requester said on callback that the unit contacted them.
    pub const CONTACTED: Field = Field::new(8, 1);
    /// Reopen count, 3 meaning three or more.
    pub const REOPENS: Field = Field::new(9, 2);
    /// Excluded from assessment by the centre.
    pub const EXCLUDED: Field = Field::new(11, 1);
    pub const LATE_DISPATCH: Field = Field::new(12, 1);
    pub const LATE_CONTACT: Field = Field::new(13, 1);
    pub const LATE_REPLY: Field = Field::new(14, 1);
    /// Answered at intake from a knowledge-base article (the `handler` column names it).
    pub const FROM_ARTICLE: Field = Field::new(15, 1);
}

pub fn position<T: PartialEq>(all: &[T], v: &T) -> u16 {
    u16::try_from(all.iter().position(|x| x == v).unwrap_or(0)).unwrap_or(0)
}

pub fn nature_of(v: u16) -> Option<Nature> {
    v.checked_sub(1).and_then(|i| Nature::ALL.get(usize::from(i))).copied()
}
pub fn channel_of(v: u16) -> Option<Channel> {
    Channel::ALL.get(usize::from(v)).copied()
}
pub fn age_of(v: u16) -> Option<AgeGroup> {
    v.checked_sub(1).and_then(|i| AgeGroup::ALL.get(usize::from(i))).copied()
}
pub fn urgency_of(v: u16) -> Option<Urgency> {
    Urgency::ALL.get(usize::from(v)).copied()
}
pub fn state_of(v: u16) -> Option<State> {
    State::ALL.get(usize::from(v)).copied()
}
pub fn resolution_of(v: u16) -> Option<Resolution> {
    v.checked_sub(1).and_then(|i| Resolution::ALL.get(usize::from(i))).copied()
}
pub fn satisfaction_of(v: u16) -> Option<Satisfaction> {
    v.checked_sub(1).and_then(|i| Satisfaction::ALL.get(usize::from(i))).copied()
}

// The packing assumes the closed lists fit their fields; a longer list fails the build here.
const _: () = assert!(Nature::ALL.len() < 8);
const _: () = assert!(Channel::ALL.len() <= 8);
const _: () = assert!(AgeGroup::ALL.len() < 4);
const _: () = assert!(Urgency::ALL.len() <= 4);
const _: () = assert!(State::ALL.len() <= 16);
const _: () = assert!(Resolution::ALL.len() < 4);
const _: () = assert!(Satisfaction::ALL.len() < 4);

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn a_time_round_trips_to_the_minute_and_is_never_zero() {
        let t = Utc.with_ymd_and_hms(2026, 7, 30, 14, 5, 0).single().expect("valid");
        assert_eq!(moment_of(time_of(t)), t);
        assert_ne!(time_of(Utc.timestamp_opt(0, 0).single().expect("epoch")), 0);
    }

    #[test]
    fn log_spans_keep_about_five_percent() {
        let t = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().expect("valid");
        assert_eq!(log_span(t, None), 0);
        for hours in [1.0, 5.0, 24.0, 72.0, 240.0, 2000.0] {
            let to = t + Duration::minutes((hours * 60.0) as i64);
            let back = log_span_hours(log_span(t, Some(to))).expect("happened");
            assert!((back - hours).abs() / hours < 0.03, "{hours} came back as {back}");
        }
    }

    #[test]
    fn ten_minute_steps_round_spans_down_and_dues_up() {
        let t = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().expect("valid");
        let later = t + Duration::minutes(25);
        assert_eq!(tenths_hours(tenths(t, Some(later))), Some(20.0 / 60.0));
        assert_eq!(tenths_hours(tenths_due(t, Some(later))), Some(0.5));
        assert_eq!(tenths(t, None), 0);
    }

    #[test]
    fn fields_do_not_overlap() {
        let mut w = 0u16;
        code::NATURE.put(&mut w, 5);
        code::DISPUTED.put(&mut w, 1);
        code::LANGUAGE.put(&mut w, 6);
        assert_eq!((code::NATURE.get(w), code::LANGUAGE.get(w), code::DISPUTED.get(w), code::CHANNEL.get(w)), (5, 6, 1, 0));
    }
}
