use chrono::{Datelike, Duration, NaiveDate};
use hotline_domain::deadline::WorkCalendar;
use proptest::prelude::*;

use super::{SeriesKey, Settings, WeekDays, Weekly, fit, lunar_new_year, seasonal_naive};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

/// A small, fast generator (xorshift64*), with Poisson draws.
struct Rng(u64);

impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn poisson(&mut self, mean: f64) -> u32 {
        if mean > 50.0 {
            let u = self.unit().max(1e-12);
            let z = (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * self.unit()).cos();
            return (mean + z * mean.sqrt()).round().max(0.0) as u32;
        }
        let (l, mut k, mut p) = ((-mean).exp(), 0, 1.0);
        loop {
            p *= self.unit();
            if p <= l {
                return k;
            }
            k += 1;
        }
    }
}

/// Heating calls: ×`peak` from 15 November to 15 March.
fn heating(d: NaiveDate, peak: f64) -> f64 {
    let (m, day) = (d.month(), d.day());
    if (m == 11 && day >= 15) || m == 12 || m <= 2 || (m == 3 && day <= 15) { peak } else { 1.0 }
}

/// Calls halve in the Spring Festival break (its eve to its sixth day).
fn festival(d: NaiveDate) -> f64 {
    match lunar_new_year(d.year()).map(|ny| (d - ny).num_days()) {
        Some(-1..=6) => 0.5,
        _ => 1.0,
    }
}

/// Weekly counts of series with a daily rate `rate(series, day)`, Poisson noise.
fn generate(first: NaiveDate, weeks: usize, keys: &[SeriesKey], seed: u64, rate: impl Fn(&SeriesKey, NaiveDate) -> f64) -> Weekly {
    let mut rng = Rng(seed);
    let mut w = Weekly::new(first, weeks);
    for key in keys {
        let counts: Vec<u32> = (0..weeks)
            .map(|i| {
                let mean: f64 = (0..7).map(|k| rate(key, first + Duration::days(i as i64 * 7 + k))).sum();
                rng.poisson(mean)
            })
            .collect();
        w.series.insert(key.clone(), counts);
    }
    w
}

#[test]
fn the_seasonal_naive_baseline_is_the_same_iso_week_a_year_before() {
    let first = date(2024, 1, 1); // ISO 2024-W01
    let counts: Vec<u32> = (0..200).collect();
    let index = |d: NaiveDate| u32::try_from((d - first).num_weeks()).expect("after the first week");
    let week = |d: NaiveDate| usize::try_from((d - first).num_weeks()).expect("after the first week");
    // (target Monday, series start, origin, expected)
    let cases = [
        ("2025-W10 from 2024-W10", date(2025, 3, 3), 0, week(date(2025, 3, 3)), index(date(2024, 3, 4))),
        ("2026-W01 from 2025-W01", date(2025, 12, 29), 0, week(date(2025, 12, 29)), index(date(2024, 12, 30))),
        ("2026-W53 from 2025-W52 (2025 has no week 53)", date(2026, 12, 28), 0, week(date(2026, 12, 28)), index(date(2025, 12, 22))),
        ("less than a year of data: last week", date(2024, 6, 3), 0, 20, 19),
        ("a year before the series began: last week", date(2025, 3, 3), 20, 60, 59),
        ("the year before lies after the origin: last week", date(2025, 3, 3), 0, 5, 4),
    ];
    for (name, target, start, origin, expected) in cases {
        let got = seasonal_naive(&counts, first, start, origin, week(target));
        assert_eq!(got, f64::from(expected), "{name}");
    }
    assert_eq!(seasonal_naive(&counts, first, 5, 5, 7), 0.0, "no week before the origin: nothing");
}

#[test]
fn festival_days_follow_each_years_lunar_new_year_and_the_calendar_counts_working_days() {
    let mut calendar = WorkCalendar::default();
    for day in 1..=7 {
        calendar.holidays.insert(date(2026, 10, day));
    }
    calendar.makeup_workdays.insert(date(2026, 10, 10));
    let cases = [
        ("2026: eve 16 Feb to the 5th day", date(2026, 2, 16), WeekDays { festival: 7, around_festival: 0, workday_shift: 0 }),
        ("2025: new year on Wednesday 29 Jan", date(2025, 1, 27), WeekDays { festival: 6, around_festival: 1, workday_shift: 0 }),
        ("2026: the week before the break", date(2026, 2, 9), WeekDays { festival: 0, around_festival: 7, workday_shift: 0 }),
        ("a July week", date(2026, 7, 13), WeekDays::default()),
        ("National Day: Thursday and Friday off", date(2026, 9, 28), WeekDays { festival: 0, around_festival: 0, workday_shift: -2 }),
        (
            "National Day: three weekdays off, a Saturday worked",
            date(2026, 10, 5),
            WeekDays { festival: 0, around_festival: 0, workday_shift: -2 },
        ),
    ];
    for (name, monday, expected) in cases {
        assert_eq!(WeekDays::of(monday, &calendar), expected, "{name}");
    }
    assert_eq!(lunar_new_year(2023), Some(date(2023, 1, 22)));
    assert_eq!(lunar_new_year(2036), None, "outside the table");
}

#[test]
fn a_steady_series_is_forecast_at_its_level_with_intervals_around_it() {
    let first = date(2023, 1, 2);
    let keys = [SeriesKey::new(None, None)];
    let data = generate(first, 150, &keys, 7, |_, _| 50.0 / 7.0);
    let f = fit(&data, &WorkCalendar::default(), &Settings::default());
    let s = f.get(&keys[0]).expect("the series");
    assert_eq!(s.weeks.len(), 8);
    assert_eq!(f.origin, data.monday(150));
    for (k, w) in s.weeks.iter().enumerate() {
        assert_eq!(w.week, f.origin + Duration::weeks(k as i64), "consecutive Mondays");
        assert!((w.forecast - 50.0).abs() < 8.0, "near the level: {w:?}");
        assert!(w.lower95 <= w.lower80 && w.lower80 <= w.forecast && w.forecast <= w.upper80 && w.upper80 <= w.upper95, "{w:?}");
        // Poisson(50): the 80% interval is about ±9, the 95% about ±14.
        assert!(w.upper80 - w.lower80 > 10.0 && w.upper80 - w.lower80 < 40.0, "{w:?}");
    }
    assert_eq!(s.accuracy.points, 52 * 8, "52 held-out weeks, each forecast 1 to 8 weeks ahead");
}

#[test]
fn with_seasons_and_a_moving_spring_festival_the_model_beats_the_seasonal_naive_baseline() {
    let first = date(2021, 1, 4);
    let mut keys = vec![SeriesKey::new(None, Some("UTL")), SeriesKey::new(None, Some("TRF"))];
    for d in 1..=4 {
        keys.push(SeriesKey::new(Some(d), Some("UTL")));
        keys.push(SeriesKey::new(Some(d), Some("TRF")));
    }
    let rate = |k: &SeriesKey, d: NaiveDate| {
        let size = k.district.map_or(4.0, |x| x as f64 / 2.5);
        let season = if k.category.as_deref() == Some("UTL") { heating(d, 3.0) } else { 1.0 };
        let trend = 1.0 + (d - first).num_days() as f64 / 3650.0;
        10.0 * size * season * festival(d) * trend
    };
    let data = generate(first, 5 * 52 + 10, &keys, 11, rate);
    let f = fit(&data, &WorkCalendar::default(), &Settings::default());
    assert!(f.seasonal);
    let (model, naive) = (f.overall.model_mae, f.overall.naive_mae);
    assert!(model < 0.8 * naive, "held-out MAE {model:.1} against the baseline's {naive:.1}");
    assert!(f.overall.points > 0 && f.overall.model_wape.is_some());
}

#[test]
fn the_festival_week_is_forecast_low_though_it_moved_from_last_year() {
    // Five years to the end of 2026; 2027's new year is 6 February, 2026's was 17 February.
    let first = date(2022, 1, 3);
    let weeks = usize::try_from((date(2027, 1, 4) - first).num_weeks()).expect("weeks");
    let keys = [SeriesKey::new(None, Some("TRF"))];
    let data = generate(first, weeks, &keys, 3, |_, d| 100.0 * festival(d));
    let f = fit(&data, &WorkCalendar::default(), &Settings::default());
    let s = f.get(&keys[0]).expect("the series");
    let at = |monday: NaiveDate| s.weeks.iter().find(|w| w.week == monday).expect("a forecast week").forecast;
    // 8–14 February 2027: five days of the break.
    let festival_week = at(date(2027, 2, 8));
    let plain = at(date(2027, 1, 18));
    assert!(festival_week < 0.8 * plain, "festival week {festival_week:.0} against a plain week {plain:.0}");
    // A year before, the same ISO week had no festival: the baseline would not dip.
    let naive = seasonal_naive(&data.series[&keys[0]], first, 0, weeks, weeks + 5);
    assert!(naive > 0.9 * plain, "{naive} {plain}");
}

#[test]
fn a_small_districts_season_is_its_categorys() {
    let first = date(2021, 1, 4);
    let city = SeriesKey::new(None, Some("UTL"));
    let big = SeriesKey::new(Some(1), Some("UTL"));
    let small = SeriesKey::new(Some(2), Some("UTL"));
    let weeks = usize::try_from((date(2025, 11, 3) - first).num_weeks()).expect("weeks");
    let data = generate(first, weeks, &[city.clone(), big.clone(), small.clone()], 5, |k, d| {
        let size = match k.district {
            None => 150.0,
            Some(1) => 140.0,
            _ => 0.3,
        };
        size / 7.0 * heating(d, 4.0)
    });
    let f = fit(&data, &WorkCalendar::default(), &Settings::default());
    let s = f.get(&small).expect("the small series");
    // 3–9 November against 1–7 December.
    let ratio = s.weeks[4].forecast / s.weeks[0].forecast.max(1e-9);
    assert!(ratio > 2.5 && ratio < 5.5, "the heating season lifts the small district too: ×{ratio:.2}");
}

#[test]
fn a_short_history_is_forecast_from_its_level_without_seasons() {
    let keys = [SeriesKey::new(None, None), SeriesKey::new(Some(1), None)];
    let data = generate(date(2026, 1, 5), 10, &keys, 9, |_, _| 3.0);
    let f = fit(&data, &WorkCalendar::default(), &Settings::default());
    assert!(!f.seasonal);
    assert_eq!(f.series.len(), 2);
    for s in &f.series {
        assert_eq!(s.weeks.len(), 8);
        assert!(s.weeks.iter().all(|w| w.forecast > 10.0 && w.forecast < 35.0), "{s:?}");
    }
    let empty = fit(&Weekly::new(date(2026, 1, 5), 0), &WorkCalendar::default(), &Settings::default());
    assert!(empty.series.is_empty());
    let mut silent = Weekly::new(date(2026, 1, 5), 30);
    silent.series.insert(SeriesKey::new(None, None), vec![0; 30]);
    assert!(fit(&silent, &WorkCalendar::default(), &Settings::default()).series.is_empty(), "a series without calls is not forecast");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn intervals_are_nested_around_the_forecast_and_never_negative(
        city in prop::collection::vec(0u32..400, 1..130),
        district_share in 0.0f64..1.0,
        horizon in 1usize..10,
    ) {
        let weeks = city.len();
        let mut data = Weekly::new(date(2024, 1, 1), weeks);
        let district: Vec<u32> = city.iter().map(|n| (f64::from(*n) * district_share).floor() as u32).collect();
        data.series.insert(SeriesKey::new(None, Some("UTL")), city);
        data.series.insert(SeriesKey::new(Some(1), Some("UTL")), district);
        let f = fit(&data, &WorkCalendar::default(), &Settings { horizon, holdout_weeks: 26 });
        for s in &f.series {
            prop_assert_eq!(s.weeks.len(), horizon);
            for (k, w) in s.weeks.iter().enumerate() {
                prop_assert_eq!(w.week, data.monday(weeks + k));
                let v = [w.lower95, w.lower80, w.forecast, w.upper80, w.upper95];
                prop_assert!(v.iter().all(|x| x.is_finite() && *x >= 0.0), "{:?}", w);
                prop_assert!(v.windows(2).all(|p| p[0] <= p[1] + 1e-9), "{:?}", w);
            }
            prop_assert!(s.accuracy.model_mae.is_finite() && s.accuracy.naive_mae.is_finite());
        }
    }
}
