use super::*;

/// A deterministic generator for test streams (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn poisson(&mut self, mean: f64) -> u32 {
        // Knuth's method for small means, a rounded normal for large ones.
        if mean > 30.0 {
            let u = self.next().max(1e-12);
            let v = self.next();
            let z = (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos();
            return (mean + z * mean.sqrt()).round().max(0.0) as u32;
        }
        let l = (-mean).exp();
        let (mut k, mut p) = (0, 1.0);
        loop {
            p *= self.next();
            if p <= l {
                return k;
            }
            k += 1;
        }
    }
}

const BEIJING: i32 = 480;

fn sparse(dense: &[u32]) -> Vec<(u32, u32)> {
    dense.iter().enumerate().filter(|(_, n)| **n > 0).map(|(b, n)| (b as u32, *n)).collect()
}

fn minute(y: i32, m: u32, d: u32, h: u32) -> Minute {
    let base = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
    let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
    (date - base).num_days() * 1440 + i64::from(h) * 60 - i64::from(BEIJING)
}

/// The hourly rhythm of a day: quiet at night, busy by day.
fn hour_weight(h: u32) -> f64 {
    match h {
        0..=5 => 0.2,
        6..=7 => 0.7,
        8..=20 => 1.6,
        _ => 0.6,
    }
}

/// A city of `streets` streets (in two districts) with categories A (common) and B (seasonal in
/// the heating season when `heating_jump`), counted for a pass at `now`; `surge(street, cat,
/// minute)` multiplies the rate.
fn stream(now: Minute, streets: i64, per_street_hour: f64, seed: u64, surge: impl Fn(i64, &str, Minute) -> f64) -> Observations {
    let spans = Spans::at(now);
    let mut rng = Rng(seed | 1);
    let bins = spans.recent_bins();
    let mut city_hours = vec![0u32; spans.profile_hours()];
    let mut cells = Vec::new();
    let cats = [("A/x", 0.7), ("B/y", 0.3)];
    for s in 0..streets {
        for (cat, share) in cats {
            let mut cell = Cell { district: 1 + s % 2, street: Some(100 + s), category: Some(cat.to_owned()), baseline: 0, recent: vec![] };
            let mut recent = vec![0u32; bins];
            let mut m = spans.profile.0.min(spans.baseline.0);
            while m < spans.recent.1 {
                let h = local_hour(m, BEIJING);
                // The bin of now has only begun.
                let elapsed = ((spans.recent.1 - m) as f64 / BIN_MINUTES as f64).min(1.0);
                let mean = per_street_hour * share * hour_weight(h) / 6.0 * surge(100 + s, cat, m) * elapsed;
                let n = rng.poisson(mean);
                if let Some(i) = spans.profile_hour(m) {
                    city_hours[i] += n;
                }
                if m >= spans.baseline.0 && m < spans.baseline.1 {
                    cell.baseline += n;
                }
                if let Some(b) = spans.recent_bin(m) {
                    recent[b] += n;
                }
                m += BIN_MINUTES;
            }
            cell.recent = sparse(&recent);
            cells.push(cell);
        }
    }
    Observations { spans, utc_offset_minutes: BEIJING, calendar: WorkCalendar::default(), city_hours, seasons: Seasons::default(), cells }
}

#[test]
fn regimes_follow_the_heating_and_flood_seasons() {
    let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
    for (date, want) in [
        (d(11, 14), Regime::Other),
        (d(11, 15), Regime::Heating),
        (d(1, 10), Regime::Heating),
        (d(3, 15), Regime::Heating),
        (d(3, 16), Regime::Other),
        (d(5, 31), Regime::Other),
        (d(6, 1), Regime::Flood),
        (d(9, 30), Regime::Flood),
        (d(10, 1), Regime::Other),
    ] {
        assert_eq!(Regime::of(date), want, "{date}");
    }
}

#[test]
fn a_holiday_behaves_like_a_sunday_and_a_makeup_day_like_a_weekday() {
    let mut cal = WorkCalendar::default();
    let national_day = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(); // a Thursday
    let makeup = NaiveDate::from_ymd_opt(2026, 10, 10).unwrap(); // a Saturday
    cal.holidays.insert(national_day);
    cal.makeup_workdays.insert(makeup);
    assert_eq!(week_slot(national_day, 9, &cal), 6 * 24 + 9);
    assert_eq!(week_slot(makeup, 9, &cal), 2 * 24 + 9);
    assert_eq!(week_slot(NaiveDate::from_ymd_opt(2026, 10, 2).unwrap(), 0, &WorkCalendar::default()), 4 * 24);
}

#[test]
fn spans_end_at_now_and_the_baseline_ends_a_day_before() {
    let now = minute(2026, 7, 20, 15) + 7;
    let s = Spans::at(now);
    assert_eq!(s.recent.1, now + 1);
    assert_eq!(s.recent_bins() as i64, RECENT_DAYS * BINS_PER_DAY);
    assert_eq!(s.recent_bin(now), Some(s.recent_bins() - 1));
    assert_eq!(s.baseline.1, now - 1440);
    assert_eq!(s.baseline.1 - s.baseline.0, BASELINE_DAYS * 1440);
    assert!(s.profile.1 <= s.recent.0 && s.profile.0 < s.profile.1);
}

#[test]
fn a_quiet_city_raises_no_alert() {
    let now = minute(2026, 7, 20, 15);
    for seed in 1..=5 {
        let obs = stream(now, 20, 12.0, seed, |_, _, _| 1.0);
        let d = detect(&obs, &Settings::default());
        assert!(d.signals.is_empty(), "seed {seed}: {:?}", d.signals);
        assert!(d.series > 40);
    }
}

#[test]
fn a_tripled_street_is_flagged_from_where_it_began() {
    let now = minute(2026, 7, 20, 15);
    let onset = now - 120;
    let obs = stream(now, 20, 12.0, 7, |s, _, m| if s == 105 && m >= onset { 3.0 } else { 1.0 });
    let d = detect(&obs, &Settings::default());
    let hit = d.signals.iter().find(|s| s.series.street == Some(105)).expect("the surging street signals");
    assert!((hit.started - onset).abs() <= 60, "started {} onset {onset}", hit.started);
    assert!(hit.observed as f64 > 2.0 * hit.expected, "{hit:?}");
    assert!(hit.recurrence_days >= 30.0, "{hit:?}");
    assert!(d.signals.iter().all(|s| s.series.street.is_none_or(|st| st == 105)), "only that street: {:?}", d.signals);
}

#[test]
fn a_category_that_always_rises_in_the_season_is_expected_to() {
    // B triples from 15 November every year: with the seasons learnt, its jump is no surge.
    let now = minute(2026, 11, 17, 15);
    let heating = minute(2026, 11, 15, 0);
    let jump = |_: i64, c: &str, m: Minute| if c == "B/y" && m >= heating { 3.0 } else { 1.0 };
    let mut obs = stream(now, 10, 12.0, 3, jump);
    let naive = detect(&obs, &Settings::default());
    assert!(naive.signals.iter().any(|s| s.series.first_level() == Some("B")), "without seasons the jump looks like a surge");
    // Per day: A 70 all year; B 30, and 90 in the heating season.
    let mut counts = SeasonCounts { days: [120, 120, 125], ..SeasonCounts::default() };
    counts.add("A", Regime::Heating, 70 * 120);
    counts.add("B", Regime::Heating, 90 * 120);
    counts.add("A", Regime::Flood, 70 * 120);
    counts.add("B", Regime::Flood, 30 * 120);
    counts.add("A", Regime::Other, 70 * 125);
    counts.add("B", Regime::Other, 30 * 125);
    obs.seasons = Seasons::from_counts(&counts);
    let seasonal = detect(&obs, &Settings::default());
    assert!(seasonal.signals.is_empty(), "{:?}", seasonal.signals);
}

#[test]
fn the_most_specific_series_of_a_surge_is_kept() {
    let sig = |street: Option<i64>, cat: Option<&str>, observed: u64, expected: f64| Signal {
        series: SeriesKey { district: 1, street, category: cat.map(str::to_owned) },
        started: 0,
        observed,
        expected,
        score: 10.0,
        recurrence_days: 100.0,
    };
    let kept = most_specific(vec![
        sig(Some(5), Some("UTL/water"), 40, 5.0),
        sig(Some(5), Some("UTL"), 45, 8.0),
        sig(Some(5), None, 60, 20.0),
        sig(None, Some("UTL/water"), 44, 8.0),
        sig(Some(6), Some("ENV"), 30, 6.0),
    ]);
    let codes: Vec<String> = kept.iter().map(|s| s.series.code()).collect();
    assert_eq!(codes, ["s5|UTL/water", "s6|ENV"]);
}

#[test]
fn the_llr_rewards_counts_above_the_expectation_and_the_threshold_grows_with_the_run_length() {
    assert!(llr(0.0, 1.0, 2.0, 50.0) < 0.0);
    assert!(llr(3.0, 1.0, 2.0, 50.0) > 0.0);
    assert!(drift(1.0, 2.0, 50.0) < 0.0);
    let a = threshold(1e4, drift(0.5, 2.0, 50.0), 0.3);
    let b = threshold(1e6, drift(0.5, 2.0, 50.0), 0.3);
    assert!(b > a + 4.0, "{a} {b}");
    assert!((run_length(b, drift(0.5, 2.0, 50.0), 0.3) / 1e6 - 1.0).abs() < 0.01);
}

#[test]
fn an_estimated_level_raises_the_threshold_more_the_less_history_it_has() {
    // (baseline calls, dispersion) → margin: less history or swingier days, a higher bar; a level
    // known from thousands of calls on steady days needs almost none; none is ever unbounded.
    let jump = 10f64.ln();
    let margins: Vec<f64> = [0u64, 5, 50, 500, 50_000].iter().map(|n| uncertainty_margin(12.0, jump, *n, 1000.0)).collect();
    for w in margins.windows(2) {
        assert!(w[0] > w[1], "{margins:?}");
    }
    assert!(margins[4] < 0.05, "{margins:?}");
    assert!(margins[0] <= MAX_MARGIN, "{margins:?}");
    assert!(uncertainty_margin(12.0, jump, 500, 20.0) > uncertainty_margin(12.0, jump, 500, 1000.0));
    // A small jump per call means many calls to cross, so the same spread matters more.
    assert!(uncertainty_margin(12.0, 0.3, 500, 1000.0) > uncertainty_margin(12.0, jump, 500, 1000.0));
    assert_eq!(uncertainty_margin(12.0, 0.0, 500, 1000.0), 0.0);
}
