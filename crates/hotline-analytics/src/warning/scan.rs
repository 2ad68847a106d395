//! Counting a pass's [`Observations`] from the read model: one scan of the place and category
//! columns over the last 12 weeks (the seasons, two years, are counted by [`season_counts`] and
//! kept for the day by the caller). Facts from an imported history are counted exactly as live
//! orders are: the read model does not tell them apart.

use std::collections::HashMap;

use hotline_domain::UnitClass;
use hotline_domain::deadline::WorkCalendar;

use super::{Cell, Minute, Observations, Regime, SeasonCounts, Seasons, Spans, local_date};
use crate::Result;
use crate::catalog::Catalog;
use crate::store::{Col, FactStore, Need};

/// The minute of a `time` value (0: no order).
fn minute_of(time: u32) -> Option<Minute> {
    (time != 0).then(|| i64::from(time) - 1)
}

fn time_range((from, to): (Minute, Minute)) -> (u32, u32) {
    let t = |m: Minute| u32::try_from((m + 1).max(0)).unwrap_or(u32::MAX);
    (t(from), t(to))
}

/// Where a place of the dictionary lies: (district, street).
fn places(store: &FactStore, catalog: &Catalog) -> Vec<Option<(i64, Option<i64>)>> {
    let d = store.dicts();
    let mut out = vec![None; d.place.len() + 1];
    for (i, entry) in d.place.iter() {
        let Ok(id) = entry.parse::<i64>() else { continue };
        if let Some(district) = catalog.ancestor(id, UnitClass::District) {
            out[usize::from(i)] = Some((district, catalog.ancestor(id, UnitClass::Street)));
        }
    }
    out
}

fn categories(store: &FactStore) -> Vec<Option<String>> {
    let d = store.dicts();
    let mut out = vec![None; d.category.len() + 1];
    for (i, entry) in d.category.iter() {
        out[usize::from(i)] = Some(entry.to_owned());
    }
    out
}

#[derive(Default)]
struct Acc {
    city_hours: Vec<u32>,
    baseline: HashMap<(u16, u16), u32>,
    /// (bin, calls), in the order met.
    recent: HashMap<(u16, u16), Vec<(u32, u32)>>,
}

/// Adds a call in `bin` to a cell's sparse bins (rows come roughly in time order, so the last
/// entry is usually the bin).
fn bump(bins: &mut Vec<(u32, u32)>, bin: u32, n: u32) {
    match bins.last_mut() {
        Some((b, c)) if *b == bin => *c += n,
        _ => bins.push((bin, n)),
    }
}

/// Sorted by bin, one entry per bin.
fn settle(mut bins: Vec<(u32, u32)>) -> Vec<(u32, u32)> {
    bins.sort_unstable_by_key(|(b, _)| *b);
    let mut out: Vec<(u32, u32)> = Vec::with_capacity(bins.len());
    for (b, n) in bins {
        bump(&mut out, b, n);
    }
    out
}

/// Counts what a pass at `now` needs (see [`Spans`]).
pub fn observe(
    store: &FactStore,
    catalog: &Catalog,
    now: Minute,
    utc_offset_minutes: i32,
    calendar: &WorkCalendar,
    seasons: Seasons,
) -> Result<Observations> {
    let spans = Spans::at(now);
    let hours = spans.profile_hours();
    let from = spans.profile.0.min(spans.baseline.0);
    let need = Need::default().with(Col::Place).with(Col::Category);
    let accs = store.scan(
        need,
        time_range((from, spans.recent.1)),
        || Acc { city_hours: vec![0; hours], ..Acc::default() },
        |acc, b| {
            for i in 0..b.len {
                let Some(m) = minute_of(b.time[i]) else { continue };
                if let Some(h) = spans.profile_hour(m) {
                    acc.city_hours[h] += 1;
                }
                let key = (b.place[i], b.category[i]);
                if m >= spans.baseline.0 && m < spans.baseline.1 {
                    *acc.baseline.entry(key).or_default() += 1;
                }
                if let Some(bin) = spans.recent_bin(m) {
                    bump(acc.recent.entry(key).or_default(), u32::try_from(bin).unwrap_or(u32::MAX), 1);
                }
            }
        },
    )?;
    let mut city_hours = vec![0u32; hours];
    let mut baseline: HashMap<(u16, u16), u32> = HashMap::new();
    let mut recent: HashMap<(u16, u16), Vec<(u32, u32)>> = HashMap::new();
    for a in accs {
        for (c, n) in city_hours.iter_mut().zip(a.city_hours) {
            *c += n;
        }
        for (k, n) in a.baseline {
            *baseline.entry(k).or_default() += n;
        }
        for (k, v) in a.recent {
            recent.entry(k).or_default().extend(v);
        }
    }
    let place_of = places(store, catalog);
    let category_of = categories(store);
    let mut cells = Vec::new();
    let mut keys: Vec<(u16, u16)> = baseline.keys().chain(recent.keys()).copied().collect();
    keys.sort_unstable();
    keys.dedup();
    for key in keys {
        let Some(Some((district, street))) = place_of.get(usize::from(key.0)) else { continue };
        cells.push(Cell {
            district: *district,
            street: *street,
            category: category_of.get(usize::from(key.1)).cloned().flatten(),
            baseline: baseline.get(&key).copied().unwrap_or(0),
            recent: recent.remove(&key).map(settle).unwrap_or_default(),
        });
    }
    Ok(Observations { spans, utc_offset_minutes, calendar: calendar.clone(), city_hours, seasons, cells })
}

/// Calls per first-level category and regime over the season span of a pass at `now`.
pub fn season_counts(store: &FactStore, now: Minute, utc_offset_minutes: i32) -> Result<SeasonCounts> {
    let spans = Spans::at(now);
    let category_of = categories(store);
    let offset = i64::from(utc_offset_minutes);
    let first_day = (spans.season.0 + offset).div_euclid(1440);
    let days = usize::try_from((spans.season.1 - spans.season.0) / 1440 + 2).unwrap_or(0);
    // A regime per local day of the span, so the scan looks one up instead of working out dates.
    let regimes: Vec<Regime> = (0..days).map(|d| Regime::of(local_date((first_day + d as i64) * 1440, 0))).collect();
    let accs = store.scan(
        Need::default().with(Col::Category),
        time_range(spans.season),
        || (vec![[0u64; 3]; category_of.len()], vec![false; days]),
        |(acc, seen), b| {
            for i in 0..b.len {
                let Some(m) = minute_of(b.time[i]) else { continue };
                if m < spans.season.0 || m >= spans.season.1 {
                    continue;
                }
                let day = usize::try_from((m + offset).div_euclid(1440) - first_day).unwrap_or(0);
                let r = regimes.get(day).copied().unwrap_or(Regime::Other);
                if let Some(s) = seen.get_mut(day) {
                    *s = true;
                }
                if let Some(slot) = acc.get_mut(usize::from(b.category[i])) {
                    slot[r as usize] += 1;
                }
            }
        },
    )?;
    let mut counts = SeasonCounts::default();
    let mut any_day = vec![false; days];
    for (_, seen) in &accs {
        for (a, s) in any_day.iter_mut().zip(seen) {
            *a |= *s;
        }
    }
    for (d, seen) in any_day.iter().enumerate() {
        if *seen {
            counts.days[regimes[d] as usize] += 1;
        }
    }
    for (acc, _) in accs {
        for (i, per) in acc.into_iter().enumerate() {
            for r in Regime::ALL {
                let n = per[r as usize];
                if n == 0 {
                    continue;
                }
                match category_of.get(i).cloned().flatten() {
                    Some(path) => counts.add(&path, r, n),
                    None => counts.city[r as usize] += n,
                }
            }
        }
    }
    Ok(counts)
}
