//! Counting the weekly series from the read model: one scan of the place and category columns over
//! the complete local weeks (Monday to Sunday) before now. An order counts in its district's series
//! (in total and by its first-level category) and in the city's; one without a known district in
//! the city's only, one without a category in the totals only.

use chrono::{Datelike, Duration, NaiveDate};
use hotline_domain::UnitClass;

use super::{SeriesKey, Weekly};
use crate::Result;
use crate::catalog::Catalog;
use crate::engine::{date_of, time_at};
use crate::store::{Col, FactStore, Need};
use crate::warning::Minute;

/// At most this many weeks are counted (seven years).
pub const MAX_WEEKS: usize = 7 * 52;

/// The Monday of the week `d` lies in.
pub fn monday_of(d: NaiveDate) -> NaiveDate {
    d - Duration::days(i64::from(d.weekday().num_days_from_monday()))
}

/// The complete local weeks before `now` (at most `max_weeks`, from the first week the read model
/// holds whole), counted per district × first-level category, per district, per first-level
/// category and in all.
pub fn weekly(store: &FactStore, catalog: &Catalog, now: Minute, utc_offset_minutes: i32, max_weeks: usize) -> Result<Weekly> {
    let now_time = u32::try_from((now + 1).max(1)).unwrap_or(u32::MAX);
    let end = monday_of(date_of(now_time, utc_offset_minutes));
    let Some((lo, _)) = store.time_span() else { return Ok(Weekly::new(end, 0)) };
    // The first week held whole: the read model's first day, if a Monday, else the Monday after.
    let first_day = date_of(lo, utc_offset_minutes);
    let mut first = monday_of(first_day);
    if first < first_day {
        first += Duration::weeks(1);
    }
    first = first.max(end - Duration::weeks(i64::try_from(max_weeks).unwrap_or(i64::MAX / 8)));
    let weeks = usize::try_from((end - first).num_weeks()).unwrap_or(0);
    let mut out = Weekly::new(first, weeks);
    if weeks == 0 {
        return Ok(out);
    }

    // Lookup tables: place → district slot (0: none), category → first-level slot (0: none).
    let mut districts: Vec<i64> = Vec::new();
    let mut levels: Vec<String> = Vec::new();
    let (place_slot, category_slot) = {
        let d = store.dicts();
        let mut place_slot = vec![0u16; d.place.len() + 1];
        for (i, entry) in d.place.iter() {
            let Ok(id) = entry.parse::<i64>() else { continue };
            let Some(district) = catalog.ancestor(id, UnitClass::District) else { continue };
            let slot = districts.iter().position(|x| *x == district).unwrap_or_else(|| {
                districts.push(district);
                districts.len() - 1
            });
            place_slot[usize::from(i)] = u16::try_from(slot + 1).unwrap_or(0);
        }
        let mut category_slot = vec![0u16; d.category.len() + 1];
        for (i, entry) in d.category.iter() {
            let first_level = entry.split('/').next().unwrap_or(entry);
            if catalog.category(first_level).is_none() {
                continue;
            }
            let slot = levels.iter().position(|x| x == first_level).unwrap_or_else(|| {
                levels.push(first_level.to_owned());
                levels.len() - 1
            });
            category_slot[usize::from(i)] = u16::try_from(slot + 1).unwrap_or(0);
        }
        (place_slot, category_slot)
    };
    let (nd, nc) = (districts.len() + 1, levels.len() + 1);
    let cell = |week: usize, d: usize, c: usize| (week * nd + d) * nc + c;
    let (t0, t1) = (time_at(first, utc_offset_minutes), time_at(end, utc_offset_minutes));
    let offset = i64::from(utc_offset_minutes);
    // Local days since 2000-01-01 (the read model's epoch), as a `time` value's day is reckoned.
    let first_day_number = (first - NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default()).num_days();
    let accs = store.scan(
        Need::default().with(Col::Place).with(Col::Category),
        (t0, t1),
        || vec![0u32; weeks * nd * nc],
        |acc, b| {
            for i in 0..b.len {
                let time = b.time[i];
                if time < t0 || time >= t1 {
                    continue;
                }
                let day = (i64::from(time) - 1 + offset).div_euclid(1440) - first_day_number;
                let Ok(week) = usize::try_from(day.div_euclid(7)) else { continue };
                if week >= weeks {
                    continue;
                }
                let d = usize::from(place_slot.get(usize::from(b.place[i])).copied().unwrap_or(0));
                let c = usize::from(category_slot.get(usize::from(b.category[i])).copied().unwrap_or(0));
                acc[cell(week, d, c)] += 1;
            }
        },
    )?;
    let mut counts = vec![0u32; weeks * nd * nc];
    for a in accs {
        for (x, n) in counts.iter_mut().zip(a) {
            *x += n;
        }
    }
    out.series.insert(SeriesKey::new(None, None), vec![0; weeks]);
    for week in 0..weeks {
        for d in 0..nd {
            for c in 0..nc {
                let n = counts[cell(week, d, c)];
                if n == 0 {
                    continue;
                }
                let district = d.checked_sub(1).map(|i| districts[i]);
                let level = c.checked_sub(1).map(|i| levels[i].as_str());
                out.add(SeriesKey::new(None, None), week, n);
                if let Some(l) = level {
                    out.add(SeriesKey::new(None, Some(l)), week, n);
                }
                if let Some(dd) = district {
                    out.add(SeriesKey::new(Some(dd), None), week, n);
                    if let Some(l) = level {
                        out.add(SeriesKey::new(Some(dd), Some(l)), week, n);
                    }
                }
            }
        }
    }
    Ok(out)
}
