//! 未诉先办 forecasts: each district's calls per first-level category, week by week, for the next
//! eight weeks, with 80% and 95% prediction intervals, and how well the same method did on the
//! weeks just past beside a seasonal-naive baseline (the same ISO week a year before).
//!
//! One multiplicative model per series, fitted anew at every forecast origin from the weeks before it:
//!
//! ```text
//! forecast(s, w) = level(s) × season(s, week of the year of w) × holidays(category of s, w)
//! ```
//!
//! - **Season.** Each week's calls over the mean of the year around it, averaged over the years
//!   by day of the year (a kernel of ±5 days around the week's Thursday, so ISO week 53 and weeks
//!   that drift by a few days across years find their neighbours). It is learnt from the city's
//!   series of the category, where the counts are large. A district's own pattern is then shrunk
//!   towards the city's by how noisy it is (empirical Bayes: the spread between districts beyond
//!   the counting noise decides how far a district may differ). A small series thus inherits its
//!   category's heating or flood season; a large one keeps its own. The city's own pattern is shrunk
//!   the same way towards none. A week above four times its year's mean counts as four times.
//! - **Holidays.** The Spring Festival moves by up to four weeks between years, so the week of the
//!   year cannot carry it. Each week counts its days in the festival break (eve to the sixth day)
//!   and in the fortnight around it (from a table of lunar new years, [`lunar_new_year`]), and the
//!   working days the calendar's other holidays take away or its make-up days (调休) add. Their
//!   effects are a log-linear regression per first-level category on the city's series, fitted
//!   together with the season by backfitting, with a ridge towards no effect.
//! - **Level.** An exponentially weighted mean of the deseasonalised weeks. Its weight is chosen
//!   per series from a grid, by the series' own 1–8-week errors over the year before the origin: a
//!   street of two calls a week averages over months, a busy series follows its recent weeks. A
//!   week is taken only within a few standard deviations of what the level expected, so a surge
//!   moves it no further than a bad ordinary week.
//! - **Held-out accuracy.** Rolling origin: for each of the last `holdout_weeks` weeks, the
//!   forecasts made 1 to 8 weeks before it from the data then available, the model's and the
//!   baseline's errors on the same weeks (mean absolute error, and the absolute errors over the
//!   calls: WAPE).
//! - **Intervals.** From those held-out errors: per horizon, their variance as `a·f + b·f²` of the
//!   forecast `f` (counting noise and a share), pooled per first-level category; then the 2.5, 10,
//!   90 and 97.5% quantiles of the errors so scaled, apart for weeks with holiday days (never
//!   narrower than the rest's) and for the rest. Heavy tails and skew come from the errors, not
//!   from an assumed law.
//!
//! Pure: weekly counts in ([`Weekly`], counted from the read model by [`scan::weekly`] or generated
//! by a benchmark), forecasts out.

pub mod scan;

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use hotline_domain::deadline::WorkCalendar;
use serde::Serialize;

/// Weeks forecast ahead.
pub const HORIZON: usize = 8;
/// Weeks the held-out accuracy (and the intervals) are measured over: a year, so that every season
/// and the Spring Festival are among them.
pub const HOLDOUT_WEEKS: usize = 52;
/// Weeks in a year, for the season and the baseline.
const YEAR: usize = 52;
/// Day-of-year positions (0..=365).
const POSITIONS: usize = 366;
/// The season's kernel: days either side of a week's Thursday (weights 1 − |Δ|/6).
const KERNEL_DAYS: i64 = 5;
/// The level's weights tried.
const ALPHAS: [f64; 7] = [0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.45];
/// The level's weight when a series is too short to choose one.
const DEFAULT_ALPHA: f64 = 0.2;
/// Weeks of in-sample origins the level's weight is chosen over.
const SELECT_WEEKS: usize = 52;
/// A series is scored only from origins with this many weeks of it before.
const MIN_WEEKS: usize = 4;
/// Variation of a week's calls beyond counting noise assumed when weighing a district's own season
/// (a squared coefficient of variation: about 7%).
const EXTRA_CV2: f64 = 0.005;
/// The least spread between districts' seasons (keeps a district's own pattern from being ignored
/// outright when the districts happen to agree).
const MIN_TAU2: f64 = 1e-4;
/// Weight of the prior "no holiday effect", in weeks of data.
const RIDGE_WEEKS: f64 = 0.25;
/// Rounds of fitting the season and the holidays in turn (each given the other).
const ROUNDS: usize = 6;
/// A week above this many times its expectation is a surge: the season and the holidays count it
/// as this many.
const SPIKE: f64 = 4.0;
/// The level takes a week's calls only up to this many standard deviations from what it expected
/// (counting noise and 10%), so a surge moves it no further than a bad ordinary week would.
const LEVEL_CLIP_SD: f64 = 3.0;
/// Seasonal factors are kept within this range.
const SEASON_RANGE: (f64, f64) = (0.05, 20.0);
/// The forecast below which an interval is as wide as this forecast's (a series with no recent
/// calls may still get one).
const VARIANCE_FLOOR: f64 = 0.5;

/// The first day (正月初一) of each lunar year 2000–2035. Outside those years the calendar's
/// holidays alone mark the festival.
const LUNAR_NEW_YEAR: [(u32, u32); 36] = [
    (2, 5),
    (1, 24),
    (2, 12),
    (2, 1),
    (1, 22),
    (2, 9),
    (1, 29),
    (2, 18),
    (2, 7),
    (1, 26),
    (2, 14),
    (2, 3),
    (1, 23),
    (2, 10),
    (1, 31),
    (2, 19),
    (2, 8),
    (1, 28),
    (2, 16),
    (2, 5),
    (1, 25),
    (2, 12),
    (2, 1),
    (1, 22),
    (2, 10),
    (1, 29),
    (2, 17),
    (2, 6),
    (1, 26),
    (2, 13),
    (2, 3),
    (1, 23),
    (2, 11),
    (1, 31),
    (2, 19),
    (2, 8),
];

/// The Spring Festival's first day in `year`, when the table has it.
pub fn lunar_new_year(year: i32) -> Option<NaiveDate> {
    let (m, d) = *LUNAR_NEW_YEAR.get(usize::try_from(year - 2000).ok()?)?;
    NaiveDate::from_ymd_opt(year, m, d)
}

/// What a series counts: a district (`None`: the whole city) and a first-level category (`None`:
/// all categories).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct SeriesKey {
    pub district: Option<i64>,
    pub category: Option<String>,
}

impl SeriesKey {
    pub fn new(district: Option<i64>, category: Option<&str>) -> Self {
        Self { district, category: category.map(str::to_owned) }
    }

    /// The city's series of the same category, which a district's series learns its season from.
    pub fn parent(&self) -> Option<SeriesKey> {
        self.district.is_some().then(|| SeriesKey { district: None, category: self.category.clone() })
    }
}

/// Calls per local week (Monday to Sunday) per series, the last complete week last.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Weekly {
    /// Monday of the first week.
    pub first_week: NaiveDate,
    pub weeks: usize,
    /// Each series' counts, `weeks` long.
    pub series: BTreeMap<SeriesKey, Vec<u32>>,
}

impl Weekly {
    pub fn new(first_week: NaiveDate, weeks: usize) -> Self {
        Self { first_week, weeks, series: BTreeMap::new() }
    }

    /// Monday of week `i`.
    pub fn monday(&self, i: usize) -> NaiveDate {
        self.first_week + Duration::weeks(i64::try_from(i).unwrap_or(0))
    }

    /// Adds `n` calls to a series' week (the series is made when first met).
    pub fn add(&mut self, key: SeriesKey, week: usize, n: u32) {
        if week < self.weeks {
            let counts = self.series.entry(key).or_insert_with(|| vec![0; self.weeks]);
            counts[week] += n;
        }
    }

    /// The first `weeks` weeks only: the data as it stood then.
    pub fn truncated(&self, weeks: usize) -> Self {
        let weeks = weeks.min(self.weeks);
        Self { first_week: self.first_week, weeks, series: self.series.iter().map(|(k, v)| (k.clone(), v[..weeks].to_vec())).collect() }
    }
}

/// How the forecasts are made and measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Settings {
    /// Weeks ahead.
    pub horizon: usize,
    /// The last weeks the held-out accuracy (and the intervals) are measured over.
    pub holdout_weeks: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self { horizon: HORIZON, holdout_weeks: HOLDOUT_WEEKS }
    }
}

/// One week ahead.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct WeekForecast {
    /// Its Monday.
    pub week: NaiveDate,
    pub forecast: f64,
    pub lower80: f64,
    pub upper80: f64,
    pub lower95: f64,
    pub upper95: f64,
}

/// Held-out errors of the model and of the seasonal-naive baseline on the same weeks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Accuracy {
    /// Forecasts scored (weeks × horizons).
    pub points: usize,
    /// Mean absolute error, calls per week.
    pub model_mae: f64,
    pub naive_mae: f64,
    /// Absolute errors over the calls (WAPE); none when there were no calls.
    pub model_wape: Option<f64>,
    pub naive_wape: Option<f64>,
}

/// Sums behind an [`Accuracy`].
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Errors {
    pub points: usize,
    pub actual: f64,
    pub model: f64,
    pub naive: f64,
}

impl Errors {
    pub fn add(&mut self, actual: f64, model: f64, naive: f64) {
        self.points += 1;
        self.actual += actual;
        self.model += (actual - model).abs();
        self.naive += (actual - naive).abs();
    }

    pub fn merge(&mut self, o: &Errors) {
        self.points += o.points;
        self.actual += o.actual;
        self.model += o.model;
        self.naive += o.naive;
    }

    pub fn accuracy(&self) -> Accuracy {
        let n = self.points.max(1) as f64;
        let wape = |e: f64| (self.actual > 0.0).then(|| e / self.actual);
        Accuracy {
            points: self.points,
            model_mae: self.model / n,
            naive_mae: self.naive / n,
            model_wape: wape(self.model),
            naive_wape: wape(self.naive),
        }
    }
}

/// One series' forecasts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesForecast {
    pub key: SeriesKey,
    pub weeks: Vec<WeekForecast>,
    pub accuracy: Accuracy,
    /// The level's weight chosen.
    pub alpha: f64,
}

/// Every series' forecasts from one origin.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Forecasts {
    /// Monday of the first week forecast (the week after the last complete one).
    pub origin: NaiveDate,
    /// Weeks of history the forecasts rest on.
    pub history_weeks: usize,
    /// Whether a year of history gave seasons (otherwise the level alone, and the baseline is last
    /// week).
    pub seasonal: bool,
    pub settings: Settings,
    pub series: Vec<SeriesForecast>,
    /// The districts' category series together (the forecasts people act on).
    pub overall: Accuracy,
}

impl Forecasts {
    pub fn get(&self, key: &SeriesKey) -> Option<&SeriesForecast> {
        self.series.binary_search_by(|s| s.key.cmp(key)).ok().map(|i| &self.series[i])
    }
}

/// The days of a week the week of the year does not explain.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WeekDays {
    /// Days of the Spring Festival break (its eve to its sixth day).
    pub festival: u8,
    /// Days in the week before the break and the week after it.
    pub around_festival: u8,
    /// Working days the calendar adds (make-up days) less those its holidays take (outside the
    /// festival).
    pub workday_shift: i8,
}

impl WeekDays {
    pub fn of(monday: NaiveDate, calendar: &WorkCalendar) -> Self {
        let mut w = WeekDays::default();
        for k in 0..7 {
            let d = monday + Duration::days(k);
            match lunar_new_year(d.year()).map(|ny| (d - ny).num_days()) {
                Some(-1..=6) => w.festival += 1,
                Some(-8..=-2 | 7..=14) => w.around_festival += 1,
                _ if calendar.makeup_workdays.contains(&d) => w.workday_shift += 1,
                _ if calendar.holidays.contains(&d) && !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) => w.workday_shift -= 1,
                _ => {}
            }
        }
        w
    }

    fn regressors(self) -> [f64; 3] {
        [f64::from(self.festival) / 7.0, f64::from(self.around_festival) / 7.0, f64::from(self.workday_shift) / 5.0]
    }
}

/// What the model knows of a week besides its calls.
#[derive(Debug, Clone, Copy)]
struct Feature {
    /// Day of the year (0-based) of its Thursday.
    pos: usize,
    x: [f64; 3],
}

fn features(first_week: NaiveDate, weeks: usize, calendar: &WorkCalendar) -> Vec<Feature> {
    (0..weeks)
        .map(|i| {
            let monday = first_week + Duration::weeks(i64::try_from(i).unwrap_or(0));
            Feature { pos: (monday + Duration::days(3)).ordinal0() as usize, x: WeekDays::of(monday, calendar).regressors() }
        })
        .collect()
}

/// The seasonal-naive baseline for week `target` from origin `origin`: the same ISO week a year
/// before, when the series has it before the origin; else the last week before the origin.
pub fn seasonal_naive(counts: &[u32], first_week: NaiveDate, start: usize, origin: usize, target: usize) -> f64 {
    let monday = first_week + Duration::weeks(i64::try_from(target).unwrap_or(0));
    let iso = monday.iso_week();
    let before = NaiveDate::from_isoywd_opt(iso.year() - 1, iso.week(), Weekday::Mon)
        .or_else(|| NaiveDate::from_isoywd_opt(iso.year() - 1, iso.week() - 1, Weekday::Mon));
    let index = before.and_then(|d| usize::try_from((d - first_week).num_weeks()).ok()).filter(|i| *i >= start && *i < origin);
    match index {
        Some(i) => f64::from(counts[i]),
        None if origin > start && origin <= counts.len() => f64::from(counts[origin - 1]),
        None => 0.0,
    }
}

/// A series' season: a factor per day of the year (mean 1) and the holiday effects.
#[derive(Debug, Clone)]
struct Season {
    index: Vec<f64>,
    beta: [f64; 3],
}

impl Season {
    fn factor(&self, f: &Feature) -> f64 {
        self.index[f.pos] * holiday(&self.beta, f)
    }
}

fn holiday(beta: &[f64; 3], f: &Feature) -> f64 {
    (beta[0] * f.x[0] + beta[1] * f.x[1] + beta[2] * f.x[2]).exp()
}

/// Each week's mean over the 52 weeks around it, the window kept inside `[start, end)`; a week of
/// more than [`SPIKE`] times that mean (a storm's surge) counts as that much, so one surge does not
/// lower every other week's ratio of its year.
fn yearly_means(adj: &[f64], start: usize, end: usize) -> Vec<f64> {
    let first = window_means(adj, start, end);
    let capped: Vec<f64> = adj.iter().zip(&first).map(|(a, m)| a.min(SPIKE * m)).collect();
    window_means(&capped, start, end)
}

fn window_means(adj: &[f64], start: usize, end: usize) -> Vec<f64> {
    let mut prefix = vec![0.0; end + 1];
    for t in start..end {
        prefix[t + 1] = prefix[t] + adj[t];
    }
    let mut out = vec![0.0; end];
    for (t, o) in out.iter_mut().enumerate().take(end).skip(start) {
        let a = t.saturating_sub(YEAR / 2).clamp(start, end - YEAR);
        *o = (prefix[a + YEAR] - prefix[a]) / YEAR as f64;
    }
    out
}

/// Weighted sums of neighbouring days of the year, for every position.
fn kernel(bins: &[f64], squared: bool) -> Vec<f64> {
    (0..POSITIONS)
        .map(|p| {
            (-KERNEL_DAYS..=KERNEL_DAYS)
                .map(|d| {
                    let k = 1.0 - d.abs() as f64 / (KERNEL_DAYS + 1) as f64;
                    let i = (p as i64 + d).rem_euclid(POSITIONS as i64) as usize;
                    if squared { k * k * bins[i] } else { k * bins[i] }
                })
                .sum()
        })
        .collect()
}

/// Scales a seasonal index to a mean of 1 over the year, within [`SEASON_RANGE`].
fn normalise(index: &mut [f64]) {
    let mean = index.iter().sum::<f64>() / index.len().max(1) as f64;
    for s in index.iter_mut() {
        *s = if mean > 0.0 { (*s / mean).clamp(SEASON_RANGE.0, SEASON_RANGE.1) } else { 1.0 };
    }
}

/// A series' ratios to its yearly mean, by day of the year: (Σ ratio, weeks) per position, and
/// the yearly means.
struct Ratios {
    num: Vec<f64>,
    den: Vec<f64>,
    means: Vec<f64>,
}

fn ratios(y: &[u32], start: usize, end: usize, feats: &[Feature], beta: &[f64; 3]) -> Ratios {
    let adj: Vec<f64> = (0..end).map(|t| if t < start { 0.0 } else { f64::from(y[t]) / holiday(beta, &feats[t]) }).collect();
    let means = yearly_means(&adj, start, end);
    let (mut num, mut den) = (vec![0.0; POSITIONS], vec![0.0; POSITIONS]);
    for t in start..end {
        if means[t] > 0.0 {
            num[feats[t].pos] += (adj[t] / means[t]).min(SPIKE);
            den[feats[t].pos] += 1.0;
        }
    }
    Ratios { num, den, means }
}

/// The season of a city series, with its holiday effects, from the weeks `[start, end)`; none with
/// less than a year. Its own pattern is shrunk towards none by how noisy it is (a series of a few
/// calls a week has a season of noise).
fn fit_city(y: &[u32], start: usize, end: usize, feats: &[Feature]) -> Option<Season> {
    if end < start + YEAR {
        return None;
    }
    let mut season = Season { index: vec![1.0; POSITIONS], beta: [0.0; 3] };
    for round in 0..ROUNDS {
        let flat = Season { index: vec![1.0; POSITIONS], beta: season.beta };
        let own = own_season(y, start, end, feats, &flat)?;
        let t2 = spread(std::iter::once((&own, &flat)));
        season.index = shrunk(&own, &flat, t2);
        if round + 1 == ROUNDS {
            break;
        }
        // The holidays, given the season: log(calls / expected) on the week's holiday days.
        let r = ratios(y, start, end, feats, &season.beta);
        let mut a = [[0.0f64; 3]; 3];
        let mut c = [0.0f64; 3];
        let mut total_w = 0.0;
        for t in start..end {
            let b = r.means[t] * season.index[feats[t].pos];
            if b <= 0.0 {
                continue;
            }
            let w = b / (1.0 + b / 100.0);
            total_w += w;
            let x = feats[t].x;
            if x == [0.0; 3] {
                continue;
            }
            let q = ((f64::from(y[t]).min(SPIKE * b) + 0.5) / (b + 0.5)).ln();
            for i in 0..3 {
                c[i] += w * x[i] * q;
                for j in 0..3 {
                    a[i][j] += w * x[i] * x[j];
                }
            }
        }
        let ridge = RIDGE_WEEKS * total_w / (end - start) as f64;
        for (i, row) in a.iter_mut().enumerate() {
            row[i] += ridge.max(1e-9);
        }
        season.beta = solve3(a, c).map_or([0.0; 3], |b| b.map(|v| v.clamp(-3.0, 3.0)));
    }
    Some(season)
}

/// How far seasons differ from their reference beyond their noise (the mean over positions of
/// squared differences less the noise), at least [`MIN_TAU2`].
fn spread<'s>(pairs: impl Iterator<Item = (&'s OwnSeason, &'s Season)>) -> f64 {
    let (mut sum, mut n) = (0.0, 0.0);
    for (own, reference) in pairs {
        for p in 0..POSITIONS {
            if own.noise[p].is_finite() {
                sum += (own.index[p] - reference.index[p]).powi(2) - own.noise[p];
                n += 1.0;
            }
        }
    }
    if n > 0.0 { (sum / n).max(MIN_TAU2) } else { MIN_TAU2 }
}

/// A season's own pattern pulled towards its reference's: by `τ² / (τ² + noise)` at each position.
fn shrunk(own: &OwnSeason, reference: &Season, t2: f64) -> Vec<f64> {
    let mut index: Vec<f64> = (0..POSITIONS)
        .map(|p| {
            let w = if own.noise[p].is_finite() { t2 / (t2 + own.noise[p]) } else { 0.0 };
            reference.index[p] + w * (own.index[p] - reference.index[p])
        })
        .collect();
    normalise(&mut index);
    index
}

/// Solves a 3×3 system (Gaussian elimination with partial pivoting).
fn solve3(mut a: [[f64; 3]; 3], mut c: [f64; 3]) -> Option<[f64; 3]> {
    for col in 0..3 {
        let pivot = (col..3).max_by(|i, j| a[*i][col].abs().total_cmp(&a[*j][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        c.swap(col, pivot);
        for row in col + 1..3 {
            let f = a[row][col] / a[col][col];
            let pivot_row = a[col];
            for (x, p) in a[row].iter_mut().zip(pivot_row).skip(col) {
                *x -= f * p;
            }
            c[row] -= f * c[col];
        }
    }
    let mut x = [0.0; 3];
    for row in (0..3).rev() {
        let s: f64 = (row + 1..3).map(|k| a[row][k] * x[k]).sum();
        x[row] = (c[row] - s) / a[row][row];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

/// A series' own season (with the holiday effects of `reference`) and its noise per position, the
/// noise reckoned from `reference`'s factors.
struct OwnSeason {
    index: Vec<f64>,
    noise: Vec<f64>,
}

fn own_season(y: &[u32], start: usize, end: usize, feats: &[Feature], reference: &Season) -> Option<OwnSeason> {
    if end < start + YEAR {
        return None;
    }
    let r = ratios(y, start, end, feats, &reference.beta);
    // Noise of one week's ratio: counting noise (s / mean) and a little more.
    let mut var = vec![0.0; POSITIONS];
    for t in start..end {
        if r.means[t] > 0.0 {
            let s = reference.index[feats[t].pos];
            var[feats[t].pos] += s / r.means[t] + EXTRA_CV2 * s * s;
        }
    }
    let (num, den, var) = (kernel(&r.num, false), kernel(&r.den, false), kernel(&var, true));
    let mut index = Vec::with_capacity(POSITIONS);
    let mut noise = Vec::with_capacity(POSITIONS);
    for p in 0..POSITIONS {
        if den[p] > 0.0 {
            index.push(num[p] / den[p]);
            noise.push(var[p] / (den[p] * den[p]));
        } else {
            index.push(reference.index[p]);
            noise.push(f64::INFINITY);
        }
    }
    Some(OwnSeason { index, noise })
}

/// The level's forecasts: an exponentially weighted mean of `y / factor` (each week's calls taken
/// within [`LEVEL_CLIP_SD`] of what the level expected), its weight chosen by the series' own errors
/// 1–`h` weeks ahead over the year before `origin`.
fn level_forecast(y: &[u32], start: usize, origin: usize, h: usize, factor: &[f64]) -> (Vec<f64>, f64) {
    let n = origin.saturating_sub(start);
    if n == 0 {
        return (vec![0.0; h], DEFAULT_ALPHA);
    }
    let init = (start..origin.min(start + 4)).map(|t| f64::from(y[t]) / factor[t]).sum::<f64>() / n.min(4) as f64;
    let inverse: Vec<f64> = factor.iter().map(|f| 1.0 / f).collect();
    // The week's calls over its factor, taken within the clip (no square root unless it clips: this
    // runs for every week of every series at every origin).
    let clipped = |level: f64, t: usize| {
        let (mu, yt) = (level * factor[t], f64::from(y[t]));
        let var = (mu + 0.01 * mu * mu).max(1.0);
        let d = yt - mu;
        if d * d <= LEVEL_CLIP_SD * LEVEL_CLIP_SD * var {
            yt * inverse[t]
        } else {
            (mu + LEVEL_CLIP_SD * var.sqrt().copysign(d)) * inverse[t]
        }
    };
    let first_scored = (start + MIN_WEEKS).max(origin.saturating_sub(SELECT_WEEKS));
    let run = |alpha: f64, score: bool| -> (f64, f64) {
        let (mut level, mut err) = (init, 0.0);
        for t in start..origin {
            if score && t >= first_scored {
                for u in t..(t + h).min(origin) {
                    err += (f64::from(y[u]) - level * factor[u]).abs();
                }
            }
            level += alpha * (clipped(level, t) - level);
        }
        (level, err)
    };
    let alpha = if first_scored < origin {
        ALPHAS.iter().map(|a| (*a, run(*a, true).1)).min_by(|a, b| a.1.total_cmp(&b.1)).map_or(DEFAULT_ALPHA, |(a, _)| a)
    } else {
        DEFAULT_ALPHA
    };
    let level = run(alpha, false).0.max(0.0);
    ((origin..origin + h).map(|t| level * factor[t]).collect(), alpha)
}

/// The series, how they nest, and what each week holds.
struct Model<'a> {
    feats: Vec<Feature>,
    keys: Vec<&'a SeriesKey>,
    counts: Vec<&'a [u32]>,
    /// Each series' first week with a call (`weeks` when it has none).
    starts: Vec<usize>,
    /// The city series of the same category, for a district's.
    parent: Vec<Option<usize>>,
    first_week: NaiveDate,
}

/// A series' point forecasts from one origin.
struct Point {
    forecast: Vec<f64>,
    alpha: f64,
}

impl<'a> Model<'a> {
    fn new(data: &'a Weekly, calendar: &WorkCalendar, horizon: usize) -> Self {
        let keys: Vec<&SeriesKey> = data.series.keys().collect();
        let index: HashMap<&SeriesKey, usize> = keys.iter().enumerate().map(|(i, k)| (*k, i)).collect();
        let counts: Vec<&[u32]> = data.series.values().map(|v| &v[..data.weeks.min(v.len())]).collect();
        Self {
            feats: features(data.first_week, data.weeks + horizon, calendar),
            starts: counts.iter().map(|c| c.iter().position(|n| *n > 0).unwrap_or(c.len())).collect(),
            parent: keys.iter().map(|k| k.parent().and_then(|p| index.get(&p).copied())).collect(),
            counts,
            keys,
            first_week: data.first_week,
        }
    }

    /// Every series' forecasts of weeks `origin..origin + h` from the weeks before `origin`.
    fn point(&self, origin: usize, h: usize) -> (Vec<Option<Point>>, bool) {
        let n = self.keys.len();
        let city: Vec<Option<Season>> = (0..n)
            .map(|i| if self.parent[i].is_none() { fit_city(self.counts[i], self.starts[i], origin, &self.feats) } else { None })
            .collect();
        let seasonal = city.iter().any(Option::is_some);
        let own: Vec<Option<OwnSeason>> = (0..n)
            .map(|i| {
                let parent = city[self.parent[i]?].as_ref()?;
                own_season(self.counts[i], self.starts[i], origin, &self.feats, parent)
            })
            .collect();
        // How far districts' seasons stray from their city's, beyond their noise, per category.
        let mut tau2: HashMap<usize, f64> = HashMap::new();
        for p in (0..n).filter(|p| city[*p].is_some()) {
            let children = (0..n).filter(|i| self.parent[*i] == Some(p));
            let pairs = children.filter_map(|i| Some((own[i].as_ref()?, city[p].as_ref()?)));
            tau2.insert(p, spread(pairs));
        }
        let points = (0..n)
            .map(|i| {
                if self.starts[i] >= origin {
                    return None;
                }
                let season: Option<Season> = match (self.parent[i], &city[i]) {
                    (None, Some(s)) => Some(s.clone()),
                    (Some(p), _) => city[p].as_ref().map(|c| match &own[i] {
                        Some(o) => Season { index: shrunk(o, c, tau2.get(&p).copied().unwrap_or(MIN_TAU2)), beta: c.beta },
                        None => c.clone(),
                    }),
                    _ => None,
                };
                let factor: Vec<f64> = self.feats[..origin + h]
                    .iter()
                    .map(|f| season.as_ref().map_or(1.0, |s| s.factor(f)).clamp(SEASON_RANGE.0, SEASON_RANGE.1))
                    .collect();
                let (forecast, alpha) = level_forecast(self.counts[i], self.starts[i], origin, h, &factor);
                Some(Point { forecast, alpha })
            })
            .collect();
        (points, seasonal)
    }
}

/// A held-out forecast: its horizon (0: a week ahead), the forecast, what came, and whether the
/// week held holiday days (festival, around it, or working days moved).
#[derive(Debug, Clone, Copy)]
struct HeldOut {
    k: usize,
    f: f64,
    y: f64,
    holiday: bool,
}

/// How far held-out errors spread around a forecast, per horizon: variance `a·f + b·f²` and the
/// quantiles of the errors so scaled, for ordinary weeks and for weeks with holiday days (whose
/// errors are larger: the festival's effect is estimated from a handful of years).
#[derive(Debug, Clone)]
struct Spread {
    ab: Vec<(f64, f64)>,
    /// 2.5, 10, 90, 97.5%.
    q: [f64; 4],
    q_holiday: [f64; 4],
}

const NORMAL_Q: [f64; 4] = [-1.959_964, -1.281_552, 1.281_552, 1.959_964];

impl Spread {
    /// Before any held-out errors: counting noise and a 10% share growing with the horizon.
    fn assumed(h: usize) -> Self {
        Self { ab: (0..h).map(|k| (1.0, 0.01 * (1.0 + k as f64 / 4.0))).collect(), q: NORMAL_Q, q_holiday: NORMAL_Q }
    }

    fn sd(&self, k: usize, f: f64) -> f64 {
        let (a, b) = self.ab[k.min(self.ab.len() - 1)];
        let f = f.max(VARIANCE_FLOOR);
        (a * f + b * f * f).sqrt()
    }

    /// (lower95, lower80, upper80, upper95).
    fn interval(&self, k: usize, f: f64, holiday: bool) -> [f64; 4] {
        let sd = self.sd(k, f);
        (if holiday { self.q_holiday } else { self.q }).map(|q| (f + q * sd).max(0.0))
    }

    /// From held-out forecasts.
    fn calibrate(points: &[HeldOut], h: usize) -> Self {
        let mut s = Self::assumed(h);
        for k in 0..h {
            let pts: Vec<(f64, f64)> = points.iter().filter(|p| p.k == k).map(|p| (p.f.max(VARIANCE_FLOOR), (p.y - p.f).powi(2))).collect();
            if pts.len() >= 30 {
                s.ab[k] = variance_fit(&pts);
            }
        }
        let quantiles = |holiday: Option<bool>| -> Option<[f64; 4]> {
            let mut u: Vec<f64> = points
                .iter()
                .filter(|p| holiday.is_none_or(|h| p.holiday == h))
                .map(|p| (p.y - p.f) / s.sd(p.k, p.f))
                .filter(|v| v.is_finite())
                .collect();
            if u.len() < 40 {
                return None;
            }
            u.sort_by(f64::total_cmp);
            let q = [0.025, 0.1, 0.9, 0.975].map(|p| quantile(&u, p));
            // Nested, and around the forecast.
            let (l80, u80) = (q[1].min(0.0), q[2].max(0.0));
            Some([q[0].min(l80), l80, u80, q[3].max(u80)])
        };
        if let Some(all) = quantiles(None) {
            let (plain, holiday) = (quantiles(Some(false)).unwrap_or(all), quantiles(Some(true)).unwrap_or(all));
            s.q = plain;
            // A week with holiday days is never surer than an ordinary one.
            s.q_holiday = [holiday[0].min(plain[0]), holiday[1].min(plain[1]), holiday[2].max(plain[2]), holiday[3].max(plain[3])];
        }
        s
    }
}

/// `a·f + b·f²` fitted to squared errors by iteratively reweighted least squares (weights 1/V²,
/// as for a gamma-distributed square), `a` at least ½ and `b` at least 0.
fn variance_fit(pts: &[(f64, f64)]) -> (f64, f64) {
    let (mut a, mut b) = (1.0f64, 0.01f64);
    for _ in 0..10 {
        let (mut s11, mut s12, mut s22, mut r1, mut r2) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for (f, e2) in pts {
            let v = (a * f + b * f * f).max(1e-9);
            let w = 1.0 / (v * v);
            s11 += w * f * f;
            s12 += w * f * f * f;
            s22 += w * f * f * f * f;
            r1 += w * e2 * f;
            r2 += w * e2 * f * f;
        }
        let det = s11 * s22 - s12 * s12;
        let (mut na, mut nb) =
            if det.abs() > 1e-300 { ((r1 * s22 - r2 * s12) / det, (s11 * r2 - s12 * r1) / det) } else { (r1 / s11, 0.0) };
        if nb < 0.0 {
            nb = 0.0;
            na = r1 / s11;
        }
        if na < 0.5 {
            na = 0.5;
            nb = ((r2 - na * s12) / s22).max(0.0);
        }
        if !(na.is_finite() && nb.is_finite()) {
            break;
        }
        (a, b) = (na, nb);
    }
    (a, b)
}

/// The `p` quantile of sorted values (linear between order statistics).
fn quantile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let x = p * (sorted.len() - 1) as f64;
    let (i, frac) = (x.floor() as usize, x - x.floor());
    let j = (i + 1).min(sorted.len() - 1);
    sorted[i] + frac * (sorted[j] - sorted[i])
}

/// Fits every series at the end of `data` and forecasts the `horizon` weeks after it, with
/// intervals and held-out accuracy measured over the last `holdout_weeks`.
pub fn fit(data: &Weekly, calendar: &WorkCalendar, settings: &Settings) -> Forecasts {
    let h = settings.horizon.max(1);
    let weeks = data.weeks;
    let model = Model::new(data, calendar, h);
    let n = model.keys.len();

    // Rolling origin over the held-out weeks: each forecast from the data before its origin.
    let first_target = weeks.saturating_sub(settings.holdout_weeks);
    let mut errors = vec![Errors::default(); n];
    let mut held_out: Vec<Vec<HeldOut>> = vec![Vec::new(); n];
    for origin in (first_target + 1).saturating_sub(h).max(1)..weeks {
        let (points, _) = model.point(origin, h);
        for (i, p) in points.iter().enumerate() {
            let Some(p) = p else { continue };
            if origin < model.starts[i] + MIN_WEEKS {
                continue;
            }
            for (k, f) in p.forecast.iter().enumerate() {
                let t = origin + k;
                if t < first_target || t >= weeks {
                    continue;
                }
                let y = f64::from(model.counts[i][t]);
                let naive = seasonal_naive(model.counts[i], model.first_week, model.starts[i], origin, t);
                errors[i].add(y, *f, naive);
                held_out[i].push(HeldOut { k, f: *f, y, holiday: model.feats[t].x != [0.0; 3] });
            }
        }
    }

    // Intervals per first-level category, from its series' held-out errors.
    let mut by_category: HashMap<Option<&str>, Vec<HeldOut>> = HashMap::new();
    for (i, pts) in held_out.iter().enumerate() {
        by_category.entry(model.keys[i].category.as_deref()).or_default().extend(pts.iter().copied());
    }
    let all: Vec<HeldOut> = held_out.iter().flatten().copied().collect();
    let fallback = Spread::calibrate(&all, h);
    let spreads: HashMap<Option<&str>, Spread> = by_category
        .into_iter()
        .map(|(c, pts)| (c, if pts.len() >= 40 * h { Spread::calibrate(&pts, h) } else { fallback.clone() }))
        .collect();

    let (points, seasonal) = model.point(weeks, h);
    let mut overall = Errors::default();
    let mut series = Vec::with_capacity(n);
    for (i, p) in points.into_iter().enumerate() {
        let key = model.keys[i];
        let Some(p) = p else { continue };
        if key.district.is_some() && key.category.is_some() {
            overall.merge(&errors[i]);
        }
        let spread = spreads.get(&key.category.as_deref()).unwrap_or(&fallback);
        let weeks_ahead = p
            .forecast
            .iter()
            .enumerate()
            .map(|(k, f)| {
                let [lower95, lower80, upper80, upper95] = spread.interval(k, *f, model.feats[weeks + k].x != [0.0; 3]);
                WeekForecast { week: data.monday(weeks + k), forecast: *f, lower80, upper80, lower95, upper95 }
            })
            .collect();
        series.push(SeriesForecast { key: key.clone(), weeks: weeks_ahead, accuracy: errors[i].accuracy(), alpha: p.alpha });
    }
    Forecasts { origin: data.monday(weeks), history_weeks: weeks, seasonal, settings: *settings, series, overall: overall.accuracy() }
}

#[cfg(test)]
mod tests;
