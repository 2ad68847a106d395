//! `hotline bench forecast`: the 未诉先办 forecasts on generated weekly history at Beijing's scale
//! (about 70,000 calls a day at the end, over the shipped 16 districts and 20 first-level
//! categories), against the seasonal-naive baseline (the same ISO week a year before).
//!
//! The history is made day by day, then summed into weeks:
//! - growth of about 9% a year, and each series' level wandering (a random walk of `drift`, 1% a
//!   week by default) with an occasional step of ±20% (none with `--drift 0`);
//! - districts about tenfold apart in size, categories skewed by rank, each district its own mix
//!   (agriculture nearly absent in the central districts);
//! - seasons by category: heating (UTL, Nov 15 – Mar 15, its size different in each district),
//!   flood-season standing water and emergencies (CTY, EMG, June – September, with storm days of
//!   three to six times the calls), summer noise (ENV), the building season (CON), school
//!   enrolment (EDU), unpaid wages before the Spring Festival (LAB), shopping festivals (MKT), and
//!   a mild yearly wave elsewhere;
//! - weekends lighter; the Spring Festival (from the table of lunar new years), New Year, Qingming,
//!   Labour Day and National Day lighter still, with make-up working weekends;
//! - noise beyond counting: each series ±4% a week, each category city-wide ±3% a week.
//!
//! The last `holdout` weeks are held out: from every origin before them the model is fitted on the
//! weeks then known (as the server fits it: `forecast::fit`, with its own held-out calibration)
//! and forecasts eight weeks; each forecast is scored against what followed, beside the baseline's.

use std::time::Instant;

use chrono::{Datelike, Duration, NaiveDate};
use hotline_analytics::forecast::{self, SeriesKey, Settings, Weekly, lunar_new_year, seasonal_naive};
use hotline_domain::UnitClass;
use hotline_domain::deadline::WorkCalendar;

use super::early_warning::Rng;

const BEIJING: i32 = 480;
/// Calls a day at the end of the history.
const CALLS_PER_DAY: f64 = 70_000.0;

fn in_range(d: NaiveDate, from: (u32, u32), to: (u32, u32)) -> bool {
    let md = (d.month(), d.day());
    if from <= to { md >= from && md <= to } else { md >= from || md <= to }
}

/// A category's seasonal factor on a day, before holidays.
fn seasonal(code: &str, d: NaiveDate, phase: f64) -> f64 {
    let doy = f64::from(d.ordinal0()) / 365.25 * 2.0 * std::f64::consts::PI;
    let festival = [d.year(), d.year() + 1].into_iter().filter_map(lunar_new_year).find(|ny| *ny >= d);
    let days_to_festival = festival.map_or(i64::MAX, |ny| (ny - d).num_days());
    match code {
        "UTL" => {
            if in_range(d, (11, 15), (3, 15)) {
                2.5
            } else if in_range(d, (7, 1), (8, 31)) {
                1.1
            } else {
                1.0
            }
        }
        "CTY" if in_range(d, (6, 1), (9, 30)) => 1.4,
        "EMG" if in_range(d, (6, 1), (9, 30)) => 1.5,
        "ENV" if in_range(d, (5, 1), (9, 15)) => 1.3,
        "CON" if in_range(d, (12, 1), (2, 28)) => 0.7,
        "CON" => 1.15,
        "EDU" if in_range(d, (4, 1), (8, 31)) => 1.4,
        "EDU" if d.month() == 9 => 1.2,
        "LAB" if (2..=30).contains(&days_to_festival) => 1.6,
        "MKT" if in_range(d, (11, 9), (11, 15)) => 1.35,
        "MKT" if in_range(d, (6, 15), (6, 20)) => 1.2,
        _ => 1.0 + 0.08 * (doy + phase).sin(),
    }
}

/// Holidays and make-up working days as a deployment's calendar lists them (the fixed-date ones
/// and the Spring Festival break; make-up days on the weekends next to National Day).
fn calendar(from: NaiveDate, to: NaiveDate) -> WorkCalendar {
    let mut c = WorkCalendar::default();
    for year in from.year()..=to.year() {
        let days = |m: u32, a: u32, b: u32| (a..=b).filter_map(move |d| NaiveDate::from_ymd_opt(year, m, d));
        c.holidays.extend(days(1, 1, 1).chain(days(4, 4, 6)).chain(days(5, 1, 5)).chain(days(10, 1, 7)));
        if let Some(ny) = lunar_new_year(year) {
            c.holidays.extend((-1..=6).map(|k| ny + Duration::days(k)));
        }
        // The Sunday before 1 October and the Saturday after 7 October are worked.
        if let (Some(before), Some(after)) = (NaiveDate::from_ymd_opt(year, 9, 30), NaiveDate::from_ymd_opt(year, 10, 8)) {
            let sunday = before - Duration::days(i64::from(before.weekday().num_days_from_sunday()));
            let saturday = after + Duration::days(i64::from((12 - after.weekday().num_days_from_monday()) % 7));
            c.makeup_workdays.extend([sunday, saturday]);
        }
    }
    c
}

/// A day's factor from the week and the holidays: weekends lighter, public holidays lighter still,
/// the Spring Festival break lightest (but for heating and public order), and the fortnight around it.
fn day_factor(code: &str, d: NaiveDate, calendar: &WorkCalendar) -> f64 {
    let weekend = matches!(d.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun);
    let mut f = if calendar.makeup_workdays.contains(&d) {
        1.0
    } else if weekend {
        0.78
    } else {
        1.0
    };
    match lunar_new_year(d.year()).map(|ny| (d - ny).num_days()) {
        Some(-1..=6) => {
            f = match code {
                "UTL" => 0.9,
                "ORD" => 1.1,
                _ => 0.5,
            };
        }
        Some(-8..=-2) => f *= 0.9,
        Some(7..=14) => f *= 0.85,
        _ if calendar.holidays.contains(&d) => f = 0.62,
        _ => {}
    }
    f
}

/// Generated weekly counts (districts × first-level categories, and their totals) from `first`,
/// with the calendar the model is given.
fn history(first: NaiveDate, weeks: usize, drift: f64, rng: &mut Rng) -> anyhow::Result<(Weekly, WorkCalendar, usize)> {
    let (catalog, _, _) = super::analytics::catalog()?;
    let mut districts: Vec<(String, i64)> = catalog.units_of(UnitClass::District).map(|(id, u)| (u.code.clone(), id)).collect();
    districts.sort();
    let categories: Vec<String> = catalog.categories().iter().filter(|c| !c.code.contains('/')).map(|c| c.code.clone()).collect();
    anyhow::ensure!(!districts.is_empty() && !categories.is_empty(), "the shipped reference data has no districts or categories");
    let days = weeks * 7;
    let calendar = calendar(first, first + Duration::days(days as i64));
    // Sizes: districts about tenfold apart, categories by rank (shuffled), each district its mix.
    let district_size: Vec<f64> = districts.iter().map(|_| (rng.normal() * 0.8).exp()).collect();
    let mut rank: Vec<usize> = (0..categories.len()).collect();
    for i in (1..rank.len()).rev() {
        rank.swap(i, (rng.unit() * (i + 1) as f64) as usize);
    }
    let phase: Vec<f64> = categories.iter().map(|_| rng.unit() * 6.3).collect();
    let mut shares = Vec::new();
    for (di, _) in districts.iter().enumerate() {
        for (ci, code) in categories.iter().enumerate() {
            let central = di < 6 && code == "AGR";
            let mix = (rng.normal() * 0.3).exp() * if central { 0.03 } else { 1.0 };
            shares.push(district_size[di] / (1.0 + rank[ci] as f64).powf(1.1) * mix);
        }
    }
    let total: f64 = shares.iter().sum();
    let heating_size: Vec<f64> = districts.iter().map(|_| (rng.normal() * 0.2).exp()).collect();
    // Day by day: growth, wandering levels, steps, storms, the week's noise.
    let mut data = Weekly::new(first, weeks);
    let mut level = vec![0.0f64; shares.len()];
    let mut city_shock = vec![0.0f64; categories.len()];
    let mut storms = vec![1.0f64; days];
    for (day, s) in storms.iter_mut().enumerate() {
        let d = first + Duration::days(day as i64);
        if in_range(d, (6, 1), (9, 30)) && rng.unit() < 0.04 {
            *s = 3.0 + 3.0 * rng.unit();
        }
    }
    for week in 0..weeks {
        for s in &mut city_shock {
            *s = rng.normal() * 0.03;
        }
        let mut counts = vec![0u32; shares.len()];
        for (i, share) in shares.iter().enumerate() {
            let (di, ci) = (i / categories.len(), i % categories.len());
            let code = categories[ci].as_str();
            level[i] += rng.normal() * drift;
            if drift > 0.0 && rng.unit() < 0.1 / 52.0 {
                level[i] += if rng.unit() < 0.5 { 0.2 } else { -0.2 };
            }
            let mut mean = 0.0;
            for k in 0..7 {
                let day = week * 7 + k;
                let d = first + Duration::days(day as i64);
                let growth = (0.09 * (day as f64 - days as f64) / 365.25).exp();
                let mut season = seasonal(code, d, phase[ci]);
                if code == "UTL" && season > 2.0 {
                    season = 1.0 + (season - 1.0) * heating_size[di];
                }
                let storm = if matches!(code, "CTY" | "EMG") { storms[day] } else { 1.0 };
                mean += CALLS_PER_DAY * share / total * growth * season * storm * day_factor(code, d, &calendar);
            }
            let noise = (level[i] + city_shock[ci] + rng.normal() * 0.04).exp();
            counts[i] = rng.poisson(mean * noise);
        }
        for (i, n) in counts.iter().enumerate() {
            let (di, ci) = (i / categories.len(), i % categories.len());
            let (district, category) = (districts[di].1, categories[ci].as_str());
            data.add(SeriesKey::new(Some(district), Some(category)), week, *n);
            data.add(SeriesKey::new(Some(district), None), week, *n);
            data.add(SeriesKey::new(None, Some(category)), week, *n);
            data.add(SeriesKey::new(None, None), week, *n);
        }
    }
    Ok((data, calendar, districts.len() * categories.len()))
}

/// Errors of the model and the baseline, and interval coverage, over some forecasts.
#[derive(Default, Clone, Copy)]
struct Score {
    errors: forecast::Errors,
    in80: usize,
    in95: usize,
}

impl Score {
    fn show(&self) -> String {
        let a = self.errors.accuracy();
        let n = self.errors.points.max(1) as f64;
        let pct = |x: Option<f64>| x.map_or_else(|| "-".to_owned(), |v| format!("{:.2}%", v * 100.0));
        format!(
            "MAE {:.1} vs {:.1} (ratio {:.3}); WAPE {} vs {}; 80% interval covers {:.1}%, 95% {:.1}% ({} forecasts)",
            a.model_mae,
            a.naive_mae,
            a.model_mae / a.naive_mae.max(1e-12),
            pct(a.model_wape),
            pct(a.naive_wape),
            self.in80 as f64 / n * 100.0,
            self.in95 as f64 / n * 100.0,
            self.errors.points
        )
    }
}

/// Which level of the hierarchy a series is.
fn level_of(k: &SeriesKey) -> usize {
    match (k.district.is_some(), k.category.is_some()) {
        (true, true) => 0,
        (true, false) => 1,
        (false, true) => 2,
        (false, false) => 3,
    }
}

const LEVELS: [&str; 4] = ["district × category", "district total", "city × category", "city total"];

pub fn forecast(years: u32, holdout: usize, drift: f64, facts: u64) -> anyhow::Result<()> {
    let mut rng = Rng::new(0xF0EC_A57E_2026);
    let weeks = usize::try_from(years).unwrap_or(7) * 52 + holdout;
    let first = NaiveDate::from_ymd_opt(2019, 1, 7).unwrap_or_default();
    let t = Instant::now();
    let (data, calendar, bottom) = history(first, weeks, drift, &mut rng)?;
    let settings = Settings::default();
    let h = settings.horizon;
    println!(
        "history: {} series ({bottom} district × category), {weeks} weeks from {first} ({:.0} calls in the last week; level drift {drift} a week), generated in {:.1} s",
        data.series.len(),
        data.series.get(&SeriesKey::new(None, None)).and_then(|v| v.last()).copied().unwrap_or(0),
        t.elapsed().as_secs_f64()
    );
    let first_target = weeks - holdout;
    let keys: Vec<&SeriesKey> = data.series.keys().collect();
    let starts: Vec<usize> = data.series.values().map(|v| v.iter().position(|n| *n > 0).unwrap_or(v.len())).collect();
    // MASE's scale: each series' mean seasonal-naive error before the held-out weeks.
    let scale: Vec<f64> = data
        .series
        .values()
        .zip(&starts)
        .map(|(v, s)| {
            let e: Vec<f64> = (s + 52..first_target).map(|t| (f64::from(v[t]) - f64::from(v[t - 52])).abs()).collect();
            e.iter().sum::<f64>() / e.len().max(1) as f64
        })
        .collect();
    let mut by_level = [Score::default(); 4];
    let mut by_horizon = vec![Score::default(); h];
    let mut festival = Score::default();
    let mut per_series = vec![forecast::Errors::default(); keys.len()];
    let mut fit_secs = Vec::new();
    for origin in (first_target + 1).saturating_sub(h)..weeks {
        let known = data.truncated(origin);
        let t = Instant::now();
        let f = forecast::fit(&known, &calendar, &settings);
        fit_secs.push(t.elapsed().as_secs_f64());
        for (i, key) in keys.iter().enumerate() {
            let Some(s) = f.get(key) else { continue };
            let counts = &data.series[*key];
            for (k, w) in s.weeks.iter().enumerate() {
                let target = origin + k;
                if target < first_target || target >= weeks {
                    continue;
                }
                let y = f64::from(counts[target]);
                let naive = seasonal_naive(counts, first, starts[i], origin, target);
                let add = |sc: &mut Score| {
                    sc.errors.add(y, w.forecast, naive);
                    sc.in80 += usize::from(y >= w.lower80 && y <= w.upper80);
                    sc.in95 += usize::from(y >= w.lower95 && y <= w.upper95);
                };
                add(&mut by_level[level_of(key)]);
                if level_of(key) == 0 {
                    add(&mut by_horizon[k]);
                    if forecast::WeekDays::of(w.week, &calendar).festival > 0 {
                        add(&mut festival);
                    }
                    per_series[i].add(y, w.forecast, naive);
                }
            }
        }
    }
    println!("held out: the last {holdout} weeks, each forecast 1–{h} weeks ahead from {} origins", fit_secs.len());
    for (l, name) in LEVELS.iter().enumerate() {
        println!("  {name}: {}", by_level[l].show());
    }
    for k in [0, h / 2 - 1, h - 1] {
        println!("  district × category, {} week(s) ahead: {}", k + 1, by_horizon[k].show());
    }
    println!("  district × category, weeks with Spring Festival days: {}", festival.show());
    // MASE: each series' errors over its own scale, averaged over the series (every series weighs alike).
    let (mut m, mut nv, mut n) = (0.0, 0.0, 0.0);
    for (i, e) in per_series.iter().enumerate() {
        if e.points > 0 && scale[i] > 0.0 && level_of(keys[i]) == 0 {
            m += e.model / e.points as f64 / scale[i];
            nv += e.naive / e.points as f64 / scale[i];
            n += 1.0;
        }
    }
    println!("  district × category, mean MASE over {n:.0} series: model {:.3}, seasonal naive {:.3} (ratio {:.3})", m / n, nv / n, m / nv);
    let wins = per_series.iter().zip(&keys).filter(|(e, k)| level_of(k) == 0 && e.points > 0 && e.model < e.naive).count();
    println!("  series where the model's error is lower: {wins} of {n:.0}");
    fit_secs.sort_by(f64::total_cmp);
    println!(
        "fit ({} series, {} held-out weeks inside each fit): median {:.2} s, worst {:.2} s",
        data.series.len(),
        settings.holdout_weeks,
        fit_secs[fit_secs.len() / 2],
        fit_secs.last().copied().unwrap_or(0.0)
    );
    if facts > 0 {
        server_path(facts)?;
    }
    Ok(())
}

/// The server's path over seven years of facts: count the weeks from the read model, then fit.
fn server_path(facts: u64) -> anyhow::Result<()> {
    let (catalog, units, leaves) = super::analytics::catalog()?;
    let store = hotline_analytics::FactStore::temporary()?;
    let start = NaiveDate::from_ymd_opt(2019, 1, 1).unwrap_or_default();
    let days = 7 * 365;
    let t = Instant::now();
    super::analytics::generate(&store, &units, &leaves, facts, start, days)?;
    println!("read model: {facts} facts over {days} days generated in {:.0} s", t.elapsed().as_secs_f64());
    let end = start + Duration::days(i64::from(days));
    let now = i64::from(hotline_analytics::engine::time_at(end, BEIJING)) - 1;
    for run in 0..3 {
        let t = Instant::now();
        let weekly = forecast::scan::weekly(&store, &catalog, now, BEIJING, forecast::scan::MAX_WEEKS)?;
        let count_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let f = forecast::fit(&weekly, &WorkCalendar::default(), &Settings::default());
        let fit_s = t.elapsed().as_secs_f64();
        println!(
            "server path {run}: count {} weeks × {} series {count_s:.2} s + fit {fit_s:.2} s = {:.2} s",
            weekly.weeks,
            f.series.len(),
            count_s + fit_s
        );
    }
    Ok(())
}
