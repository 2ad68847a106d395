//! W3C date and time formats (<https://www.w3.org/TR/NOTE-datetime>), the profile Open311 names for
//! every date it takes: `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, and a day with a time to the minute, the
//! second or a fraction of it, which then needs its zone (`Z` or `±hh:mm`). RFC 3339's lower-case
//! `t`/`z` and a space for the `T` are taken too, as before. A time without a zone is refused: the
//! instant it means is not known (spec §1.1).

use chrono::{DateTime, Duration, FixedOffset, Months, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// The instants a value covers, `[start, end)`: a year, month or day of the deployment's calendar,
/// or one second from the instant given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// Reads a W3C-DTF value. A year, month or day is one of the local calendar at `utc_offset_minutes`
/// (the deployment's zone, as order numbers and deadlines use it). `None` when it is not one.
pub fn parse(s: &str, utc_offset_minutes: i32) -> Option<Span> {
    let s = s.trim();
    let b = s.as_bytes();
    if !s.is_ascii() {
        return None;
    }
    let year = digits(b, 0, 4)?;
    let local = FixedOffset::east_opt(utc_offset_minutes.checked_mul(60)?)?;
    let period = |first: NaiveDate, months: u32| -> Option<Span> {
        let start = local.from_local_datetime(&first.and_time(NaiveTime::MIN)).single()?.to_utc();
        let next = first.checked_add_months(Months::new(months))?;
        let end = local.from_local_datetime(&next.and_time(NaiveTime::MIN)).single()?.to_utc();
        Some(Span { start, end })
    };
    match b.len() {
        4 => return period(NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, 1, 1)?, 12),
        7 if b[4] == b'-' => return period(NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, digits(b, 5, 2)?, 1)?, 1),
        _ => {}
    }
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let day = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, digits(b, 5, 2)?, digits(b, 8, 2)?)?;
    if b.len() == 10 {
        let start = local.from_local_datetime(&day.and_time(NaiveTime::MIN)).single()?.to_utc();
        let end = local.from_local_datetime(&day.succ_opt()?.and_time(NaiveTime::MIN)).single()?.to_utc();
        return Some(Span { start, end });
    }
    // A time: hh:mm, then :ss and .s… if given, then the zone.
    if !matches!(b[10], b'T' | b't' | b' ') || b.len() < 16 || b[13] != b':' {
        return None;
    }
    let (hour, minute) = (digits(b, 11, 2)?, digits(b, 14, 2)?);
    let mut at = 16;
    let mut second = 0;
    let mut nanos = 0;
    if b.get(at) == Some(&b':') {
        second = digits(b, at + 1, 2)?;
        at += 3;
        if b.get(at) == Some(&b'.') {
            let n = b[at + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if n == 0 {
                return None;
            }
            // Nanoseconds: the first nine digits, the rest ignored.
            let kept = &s[at + 1..at + 1 + n.min(9)];
            nanos = kept.parse::<u32>().ok()? * 10u32.pow(u32::try_from(9 - kept.len()).ok()?);
            at += 1 + n;
        }
    }
    let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)?;
    let offset = match &b[at..] {
        [b'Z' | b'z'] => FixedOffset::east_opt(0)?,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (h, m) = (digits(b, at + 1, 2)?, digits(b, at + 4, 2)?);
            if h > 23 || m > 59 {
                return None;
            }
            let secs = i32::try_from(h * 3600 + m * 60).ok()?;
            FixedOffset::east_opt(if *sign == b'-' { -secs } else { secs })?
        }
        _ => return None,
    };
    let start = offset.from_local_datetime(&NaiveDateTime::new(day, time)).single()?.to_utc();
    Some(Span { start, end: start + Duration::seconds(1) })
}

/// The number written with exactly `n` ASCII digits at `at`.
fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let part = b.get(at..at + n)?;
    if !part.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(part.iter().fold(0, |v, d| v * 10 + u32::from(d - b'0')))
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::{Span, parse};

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).single().expect("a valid instant")
    }

    /// Beijing: the deployment's offset.
    const BEIJING: i32 = 480;

    #[test]
    fn every_w3c_profile_is_read_and_the_rest_refused() {
        let ms = chrono::Duration::milliseconds;
        let second = chrono::Duration::seconds(1);
        #[rustfmt::skip] // a table: input, then the span it covers (None: refused)
        let cases: Vec<(&str, Option<Span>)> = vec![
            // Year, month, day: periods of the local (Beijing) calendar.
            ("2026", Some(Span { start: utc(2025, 12, 31, 16, 0, 0), end: utc(2026, 12, 31, 16, 0, 0) })),
            ("2026-12", Some(Span { start: utc(2026, 11, 30, 16, 0, 0), end: utc(2026, 12, 31, 16, 0, 0) })),
            ("2026-02", Some(Span { start: utc(2026, 1, 31, 16, 0, 0), end: utc(2026, 2, 28, 16, 0, 0) })),
            ("2026-12-07", Some(Span { start: utc(2026, 12, 6, 16, 0, 0), end: utc(2026, 12, 7, 16, 0, 0) })),
            ("2024-02-29", Some(Span { start: utc(2024, 2, 28, 16, 0, 0), end: utc(2024, 2, 29, 16, 0, 0) })),
            // With a time: hh:mm, hh:mm:ss, fractions; Z or ±hh:mm.
            ("2026-12-07T00:00Z", Some(Span { start: utc(2026, 12, 7, 0, 0, 0), end: utc(2026, 12, 7, 0, 0, 1) })),
            ("2026-12-07T08:30+08:00", Some(Span { start: utc(2026, 12, 7, 0, 30, 0), end: utc(2026, 12, 7, 0, 30, 1) })),
            ("2026-12-07T08:30:15Z", Some(Span { start: utc(2026, 12, 7, 8, 30, 15), end: utc(2026, 12, 7, 8, 30, 16) })),
            ("2026-12-07T08:30:15-05:00", Some(Span { start: utc(2026, 12, 7, 13, 30, 15), end: utc(2026, 12, 7, 13, 30, 16) })),
            ("2026-12-07T08:30:15.5Z", Some(Span { start: utc(2026, 12, 7, 8, 30, 15) + ms(500), end: utc(2026, 12, 7, 8, 30, 16) + ms(500) })),
            ("2026-12-07T08:30:15.123456789123+00:00", Some(Span {
                start: utc(2026, 12, 7, 8, 30, 15) + chrono::Duration::nanoseconds(123_456_789),
                end: utc(2026, 12, 7, 8, 30, 15) + chrono::Duration::nanoseconds(123_456_789) + second,
            })),
            // RFC 3339's spellings, taken as before.
            ("2026-12-07t08:30:15z", Some(Span { start: utc(2026, 12, 7, 8, 30, 15), end: utc(2026, 12, 7, 8, 30, 16) })),
            ("2026-12-07 08:30:15+08:00", Some(Span { start: utc(2026, 12, 7, 0, 30, 15), end: utc(2026, 12, 7, 0, 30, 16) })),
            (" 2026-12-07 ", Some(Span { start: utc(2026, 12, 6, 16, 0, 0), end: utc(2026, 12, 7, 16, 0, 0) })),
            // A time without its zone, or anything malformed: refused.
            ("2026-12-07T08:30", None),
            ("2026-12-07T08:30:15", None),
            ("2026-12-07T08Z", None),
            ("2026-12-07T08:30:15.Z", None),
            ("2026-12-07T08:30:15+0800", None),
            ("2026-12-07T08:30:15+08", None),
            ("2026-12-07T24:00Z", None),
            ("2026-12-07T08:60Z", None),
            ("2026-12-07T08:30:60Z", None),
            ("2026-12-07T08:30:15+24:00", None),
            ("2026-13", None),
            ("2026-02-30", None),
            ("2026-1-07", None),
            ("26-12-07", None),
            ("20261207", None),
            ("2026-12-07T", None),
            ("2026-12-07Z", None),
            ("２０２６", None),
            ("", None),
            ("yesterday", None),
        ];
        for (input, expected) in cases {
            assert_eq!(parse(input, BEIJING), expected, "{input:?}");
        }
    }

    #[test]
    fn a_day_is_one_of_the_deployments_calendar() {
        let day = parse("2026-12-07", 0).expect("a day");
        assert_eq!((day.start, day.end), (utc(2026, 12, 7, 0, 0, 0), utc(2026, 12, 8, 0, 0, 0)));
        assert_eq!(parse("2026-12-07", -300).expect("a day").start, utc(2026, 12, 7, 5, 0, 0));
        assert_eq!(parse("2026-12-07", i32::MAX), None, "an impossible offset reads nothing");
    }
}
