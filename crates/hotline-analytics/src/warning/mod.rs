//! Early warning (预警): surges in the city's calls, seen as they start.
//!
//! Counts per place and category ([`Cell`]) are summed into series — each street and each district,
//! in total, by first-level and by second-level category — and every series is watched by a
//! negative-binomial CUSUM over 10-minute bins against an expected count that knows:
//!
//! - the hour of the week, from the city's own rhythm over the last eight weeks, with a public
//!   holiday counted as a Sunday and a make-up working day (调休) as a weekday;
//! - the season: the heating season (15 November – 15 March) and the flood season (June –
//!   September) change what each first-level category's share is, learnt from the last two years;
//! - the series' own level, over 28 days that end a day before now (so a surge in progress does
//!   not raise its own expectation).
//!
//! The CUSUM's threshold is set per series so that, by the Siegmund approximation of its in-control
//! run length, chance alone raises at most one alert per district per `min_recurrence_days` (30 by
//! default) across all of the district's series; each alert carries the recurrence interval of its
//! own score. The method is stateless: every pass runs the CUSUM again over the last two days, so
//! a restart, a late order or an imported history gives the same answer as live counting.
//!
//! Pure: the counts come in ([`Observations`], built by [`scan::observe`] from the read model or by
//! a benchmark from a generated stream), signals go out.

pub mod scan;
pub mod topics;

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, Weekday};
use hotline_domain::deadline::WorkCalendar;
use serde::Serialize;

/// Minutes per bin: the CUSUM's step.
pub const BIN_MINUTES: i64 = 10;
pub const BINS_PER_DAY: i64 = 1440 / BIN_MINUTES;
/// How far back each pass runs the CUSUM.
pub const RECENT_DAYS: i64 = 2;
/// The series' level is its count over this many days…
pub const BASELINE_DAYS: i64 = 28;
/// …ending this long before now.
pub const BASELINE_GAP_DAYS: i64 = 1;
/// The city's hour-of-week rhythm is learnt over this many days before the recent span.
pub const PROFILE_DAYS: i64 = 56;
/// Seasonal shares are learnt over this many days.
pub const SEASON_DAYS: i64 = 730;

/// A part of the year with its own mix of calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Regime {
    /// 15 November – 15 March: heating complaints.
    Heating,
    /// June – September: rain, flooding, leaks.
    Flood,
    Other,
}

impl Regime {
    pub const ALL: [Regime; 3] = [Regime::Heating, Regime::Flood, Regime::Other];

    pub fn of(d: NaiveDate) -> Self {
        let (m, day) = (d.month(), d.day());
        if (m == 11 && day >= 15) || m == 12 || m == 1 || m == 2 || (m == 3 && day <= 15) {
            Regime::Heating
        } else if (6..=9).contains(&m) {
            Regime::Flood
        } else {
            Regime::Other
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// The hour-of-week slot (0 = Monday 00:00–01:00, 167 = Sunday 23:00) a local hour behaves like: a
/// public holiday is a Sunday, a make-up working day a Wednesday.
pub fn week_slot(d: NaiveDate, hour: u32, calendar: &WorkCalendar) -> usize {
    let day = if calendar.makeup_workdays.contains(&d) {
        Weekday::Wed
    } else if calendar.holidays.contains(&d) {
        Weekday::Sun
    } else {
        d.weekday()
    };
    day.num_days_from_monday() as usize * 24 + hour.min(23) as usize
}

/// Minutes since 2000-01-01 00:00 UTC (the read model's `time` minus one).
pub type Minute = i64;

fn local_date(minute: Minute, utc_offset_minutes: i32) -> NaiveDate {
    let base = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default();
    base + chrono::Duration::days((minute + i64::from(utc_offset_minutes)).div_euclid(1440))
}

fn local_hour(minute: Minute, utc_offset_minutes: i32) -> u32 {
    u32::try_from((minute + i64::from(utc_offset_minutes)).rem_euclid(1440) / 60).unwrap_or(0)
}

/// The time ranges a pass at `now` needs counted, all `[from, to)` in minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spans {
    pub now: Minute,
    /// Per 10-minute bin, per cell: the CUSUM's input (up to and including the minute of now).
    pub recent: (Minute, Minute),
    /// Per cell, in total: the series' level.
    pub baseline: (Minute, Minute),
    /// City-wide, per hour: the rhythm.
    pub profile: (Minute, Minute),
    /// Per first-level category and regime: the seasons.
    pub season: (Minute, Minute),
}

impl Spans {
    pub fn at(now: Minute) -> Self {
        let day = 1440;
        let recent_from = (now.div_euclid(BIN_MINUTES) - (RECENT_DAYS * BINS_PER_DAY - 1)) * BIN_MINUTES;
        let baseline_to = now - BASELINE_GAP_DAYS * day;
        Self {
            now,
            recent: (recent_from, now + 1),
            baseline: (baseline_to - BASELINE_DAYS * day, baseline_to),
            profile: ((recent_from - PROFILE_DAYS * day).div_euclid(60) * 60, recent_from.div_euclid(60) * 60),
            season: (now - SEASON_DAYS * day, recent_from),
        }
    }

    /// Bins of the recent span.
    pub fn recent_bins(&self) -> usize {
        usize::try_from((self.recent.1 - 1 - self.recent.0).div_euclid(BIN_MINUTES) + 1).unwrap_or(0)
    }

    /// The bin (index into a cell's `recent`) of a minute in the recent span.
    pub fn recent_bin(&self, minute: Minute) -> Option<usize> {
        (minute >= self.recent.0 && minute < self.recent.1).then(|| usize::try_from((minute - self.recent.0) / BIN_MINUTES).unwrap_or(0))
    }

    /// The hour (index into `city_hours`) of a minute in the profile span.
    pub fn profile_hour(&self, minute: Minute) -> Option<usize> {
        (minute >= self.profile.0 && minute < self.profile.1).then(|| usize::try_from((minute - self.profile.0) / 60).unwrap_or(0))
    }

    pub fn profile_hours(&self) -> usize {
        usize::try_from((self.profile.1 - self.profile.0) / 60).unwrap_or(0)
    }
}

/// How much each first- and second-level category (and the city in total) is called about per day in each
/// regime, relative to its rate all year: 3.0 in the heating season means three times its usual
/// daily calls then.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Seasons {
    factors: HashMap<String, [f64; 3]>,
    city: [f64; 3],
}

/// Calls counted per regime (the city's, and each first- and second-level category's), and the days of each
/// regime that had calls.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SeasonCounts {
    pub city: [u64; 3],
    pub days: [u64; 3],
    pub by_category: HashMap<String, [u64; 3]>,
}

impl SeasonCounts {
    /// Counts `n` calls of a category path in a regime: for the city, its first level and its
    /// second level (the heating season is `UTL/heating`'s, not all of `UTL`'s).
    pub fn add(&mut self, path: &str, regime: Regime, n: u64) {
        self.city[regime.index()] += n;
        let (first, second) = levels(path);
        for key in std::iter::once(first).chain(second) {
            self.by_category.entry(key).or_default()[regime.index()] += n;
        }
    }
}

/// Fewer days than this in a regime, or fewer calls of the city or of the category, and its
/// factor stays 1.
const SEASON_MIN_DAYS: u64 = 14;
const SEASON_MIN_CITY: u64 = 2_000;
const SEASON_MIN_CATEGORY: u64 = 30;

fn factors(n: &[u64; 3], days: &[u64; 3]) -> [f64; 3] {
    let all_days: u64 = days.iter().sum();
    let all: u64 = n.iter().sum();
    let mut f = [1.0; 3];
    if all_days == 0 || all == 0 {
        return f;
    }
    let per_day = all as f64 / all_days as f64;
    for r in 0..3 {
        if days[r] >= SEASON_MIN_DAYS {
            // Half a call of smoothing: a category never seen in a regime is rare then, not absent.
            f[r] = ((n[r] as f64 + 0.5) / days[r] as f64 / per_day).clamp(0.1, 10.0);
        }
    }
    f
}

impl Seasons {
    pub fn from_counts(c: &SeasonCounts) -> Self {
        let enough = |r: usize| c.city[r] >= SEASON_MIN_CITY && c.days[r] >= SEASON_MIN_DAYS;
        let days: [u64; 3] = std::array::from_fn(|r| if enough(r) { c.days[r] } else { 0 });
        let mut out = Self { factors: HashMap::new(), city: factors(&c.city, &days) };
        for (cat, n) in &c.by_category {
            if n.iter().sum::<u64>() >= SEASON_MIN_CATEGORY {
                out.factors.insert(cat.clone(), factors(n, &days));
            }
        }
        out
    }

    /// The factor of a series' category (first or second level; a second level never seen falls
    /// back to its first) in a regime; the city's for all categories together; 1 when unknown.
    pub fn factor(&self, category: Option<&str>, r: Regime) -> f64 {
        match category {
            Some(c) => self.factors.get(c).or_else(|| self.factors.get(c.split('/').next().unwrap_or(c))).map_or(1.0, |f| f[r.index()]),
            None if self.city == [0.0; 3] => 1.0,
            None => self.city[r.index()],
        }
    }
}

/// Calls of one place and category.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub district: i64,
    pub street: Option<i64>,
    /// Category path (`UTL/water/outage`).
    pub category: Option<String>,
    /// Calls in the baseline span.
    pub baseline: u32,
    /// Calls in the recent span: (bin, calls) for each bin that had any, bins counted from
    /// [`Spans::recent`]'s start (most cells have none or a few: a city has far more place ×
    /// category pairs than calls in two days).
    pub recent: Vec<(u32, u32)>,
}

/// What a pass counts.
#[derive(Debug, Clone)]
pub struct Observations {
    pub spans: Spans,
    pub utc_offset_minutes: i32,
    pub calendar: WorkCalendar,
    /// City-wide calls per hour of the profile span.
    pub city_hours: Vec<u32>,
    pub seasons: Seasons,
    pub cells: Vec<Cell>,
}

/// How the detector is set.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Settings {
    /// The least surge the CUSUM is tuned to find fastest (2: a doubling)…
    pub ratio: f64,
    /// …or this many extra calls an hour, whichever is more: in a series of a few calls a day a
    /// doubling is noise, and a burst of calls about one problem in one street is the news.
    pub extra_per_hour: f64,
    /// Chance alone raises at most one alert per district this often.
    pub min_recurrence_days: f64,
    /// Negative-binomial size of a bin's count (`None`: estimated from the city's daily totals).
    pub dispersion: Option<f64>,
}

impl Default for Settings {
    fn default() -> Self {
        Self { ratio: 2.0, extra_per_hour: 2.0, min_recurrence_days: 30.0, dispersion: None }
    }
}

/// Where and what a series counts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct SeriesKey {
    pub district: i64,
    pub street: Option<i64>,
    /// A first- or second-level category path, or `None` for all categories.
    pub category: Option<String>,
}

impl SeriesKey {
    /// A stable text key: `d12|UTL`, `s345|*`.
    pub fn code(&self) -> String {
        let place = self.street.map_or_else(|| format!("d{}", self.district), |s| format!("s{s}"));
        format!("{place}|{}", self.category.as_deref().unwrap_or("*"))
    }

    pub fn first_level(&self) -> Option<&str> {
        self.category.as_deref().map(|c| c.split('/').next().unwrap_or(c))
    }
}

/// A series signalling now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Signal {
    pub series: SeriesKey,
    /// The minute the surge began: where the CUSUM last left zero.
    pub started: Minute,
    /// Calls since then, and what was expected.
    pub observed: u64,
    pub expected: f64,
    /// The CUSUM now.
    pub score: f64,
    /// How often chance alone gives a score this high in the district (days, at most
    /// [`MAX_RECURRENCE_DAYS`]).
    pub recurrence_days: f64,
}

/// A pass's answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Detection {
    pub signals: Vec<Signal>,
    /// Series watched.
    pub series: usize,
    /// The negative-binomial size used.
    pub dispersion: f64,
}

/// The first and second level of a category path.
fn levels(path: &str) -> (String, Option<String>) {
    let mut parts = path.splitn(3, '/');
    let first = parts.next().unwrap_or(path).to_owned();
    let second = parts.next().map(|s| format!("{first}/{s}"));
    (first, second)
}

/// Summed series: level count and recent bins (dense once the series has a call).
#[derive(Default)]
struct Series {
    baseline: u64,
    recent: Vec<u32>,
    recent_total: u64,
}

fn add_into(map: &mut HashMap<SeriesKey, Series>, key: SeriesKey, c: &Cell, bins: usize) {
    let s = map.entry(key).or_default();
    s.baseline += u64::from(c.baseline);
    if !c.recent.is_empty() {
        if s.recent.is_empty() {
            s.recent = vec![0; bins];
        }
        for (b, n) in &c.recent {
            if let Some(x) = s.recent.get_mut(*b as usize) {
                *x += n;
                s.recent_total += u64::from(*n);
            }
        }
    }
}

/// Every series a cell counts in: its street and its district, each in total, by first-level and
/// by second-level category.
pub fn series_of(c: &Cell) -> Vec<SeriesKey> {
    let (first, second) = match c.category.as_deref() {
        Some(p) => {
            let (f, s) = levels(p);
            (Some(f), s)
        }
        None => (None, None),
    };
    let mut cats = vec![None];
    cats.extend(first.map(Some));
    cats.extend(second.map(Some));
    let mut keys = Vec::with_capacity(6);
    for cat in cats {
        keys.push(SeriesKey { district: c.district, street: None, category: cat.clone() });
        if let Some(s) = c.street {
            keys.push(SeriesKey { district: c.district, street: Some(s), category: cat });
        }
    }
    keys
}

/// The log-likelihood ratio of `x` calls in a bin expecting `mu`, a surge of `k` times against
/// none, negative-binomial of size `r`.
fn llr(x: f64, mu: f64, k: f64, r: f64) -> f64 {
    let mu1 = k * mu;
    x * (k * (r + mu) / (r + mu1)).ln() + r * ((r + mu) / (r + mu1)).ln()
}

/// The mean LLR of a bin with nothing going on (negative).
fn drift(mu: f64, k: f64, r: f64) -> f64 {
    llr(mu, mu, k, r)
}

/// The in-control run length (bins) before the CUSUM first passes `h`, by Siegmund's
/// approximation for a log-likelihood-ratio CUSUM (θ = 1), with `rho` for the overshoot.
fn run_length(h: f64, mean_drift: f64, rho: f64) -> f64 {
    let a = h + rho;
    (a.exp() - a - 1.0).max(1.0) / mean_drift.abs().max(1e-12)
}

/// The threshold whose run length is `bins`.
fn threshold(bins: f64, mean_drift: f64, rho: f64) -> f64 {
    // Invert by bisection: run_length grows monotonically with h.
    let (mut lo, mut hi) = (0.0_f64, 60.0_f64);
    for _ in 0..60 {
        let mid = (lo + hi) / 2.0;
        if run_length(mid, mean_drift, rho) < bins {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    hi
}

/// How much higher the threshold must be because the expectation is not known but estimated.
///
/// The run length above holds for a series whose expected count is exactly right. It is not: the
/// level is estimated from `baseline` calls (relative variance about 1/(n + 2)), and whole days run busier or quieter together (relative variance 1/`r`, from the
/// city's days). Both errors last the whole few bins of a rise, so they do not average out the
/// way independent bins would. A chart that crosses `h` after about m = ⌈h / ln-jump⌉ calls sees
/// such a cluster (λ/λ̂)^m times as often as the plug-in says; over the gamma spread of λ/λ̂ with
/// relative variance v that is E[(λ/λ̂)^m] = ∏_{i<m} (1 + i·v). Raising `h` by the logarithm of
/// that keeps the false-alarm rate where the plug-in run length puts it (the run length grows as
/// e^h for a likelihood-ratio CUSUM). Solved by a few fixed-point steps, since m grows with h.
fn uncertainty_margin(h: f64, jump: f64, baseline: u64, r: f64) -> f64 {
    if jump <= 0.0 {
        return 0.0;
    }
    // The level's gamma spread: the baseline's calls plus two of prior weight, so that a series
    // new to the baseline is very uncertain rather than infinitely so.
    let v = 1.0 / (baseline as f64 + 2.0) + 1.0 / r;
    let mut margin = 0.0_f64;
    for _ in 0..20 {
        let m = ((h + margin) / jump).ceil().min(1_000.0) as u32;
        let next: f64 = (1..m).map(|i| (f64::from(i) * v).ln_1p()).sum();
        let settled = (next - margin).abs() < 0.01;
        margin = next.min(MAX_MARGIN);
        if settled || margin >= MAX_MARGIN {
            break;
        }
    }
    margin
}

/// The most the threshold is raised for an estimated level (a series with no history: about 12
/// calls together with nothing before are still a surge).
const MAX_MARGIN: f64 = 15.0;

/// Recurrence intervals are reported up to a thousand years (past that the approximation means
/// nothing more than "never by chance").
pub const MAX_RECURRENCE_DAYS: f64 = 365_250.0;

/// The largest surge ratio a CUSUM is tuned to.
const MAX_RATIO: f64 = 10.0;

/// Fewer calls than this since a rise began are never a surge worth a supervisor's attention (and
/// in a series of a call a week, a handful of calls on one afternoon happens somewhere every day).
pub const MIN_SURGE_CALLS: u64 = 8;

/// The smallest threshold used: a few calls in an empty series are never a surge.
const MIN_THRESHOLD: f64 = 3.0;

/// The city's rhythm: each hour-of-week slot's weight (mean 1), with the days' overdispersion.
fn rhythm(obs: &Observations) -> ([f64; 168], f64) {
    let mut sum = [0.0f64; 168];
    let mut hours = [0u32; 168];
    let span = &obs.spans;
    let mut days: Vec<(NaiveDate, u64, [bool; 24])> = Vec::new();
    for (i, n) in obs.city_hours.iter().enumerate() {
        let minute = span.profile.0 + i as i64 * 60;
        let d = local_date(minute, obs.utc_offset_minutes);
        let h = local_hour(minute, obs.utc_offset_minutes);
        let slot = week_slot(d, h, &obs.calendar);
        sum[slot] += f64::from(*n);
        hours[slot] += 1;
        match days.last_mut() {
            Some((day, total, seen)) if *day == d => {
                *total += u64::from(*n);
                seen[h as usize] = true;
            }
            _ => {
                let mut seen = [false; 24];
                seen[h as usize] = true;
                days.push((d, u64::from(*n), seen));
            }
        }
    }
    let mut w = [0.0f64; 168];
    let mut known = 0.0;
    let mut count = 0.0;
    for s in 0..168 {
        if hours[s] > 0 {
            w[s] = sum[s] / f64::from(hours[s]);
            known += w[s];
            count += 1.0;
        }
    }
    let mean = if count > 0.0 { known / count } else { 0.0 };
    if mean <= 0.0 {
        return ([1.0; 168], 1000.0);
    }
    for s in 0..168 {
        // An hour of the week never seen (a short history) counts as an average hour; a slot that
        // is always empty (3 a.m. in a small town) keeps a floor, so one call there is not infinite.
        w[s] = if hours[s] > 0 { (w[s] / mean).max(0.02) } else { 1.0 };
    }
    // Overdispersion of whole days against the rhythm: var(obs/exp) beyond Poisson's 1/exp.
    let mut ratios = Vec::new();
    let level = mean;
    for (d, total, seen) in &days {
        if seen.iter().all(|s| *s) {
            let expected: f64 = (0..24).map(|h| w[week_slot(*d, h, &obs.calendar)] * level).sum();
            if expected > 0.0 {
                ratios.push((*total as f64 / expected, 1.0 / expected));
            }
        }
    }
    let r = if ratios.len() >= 7 {
        let n = ratios.len() as f64;
        let m = ratios.iter().map(|(x, _)| x).sum::<f64>() / n;
        let var = ratios.iter().map(|(x, _)| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
        let poisson = ratios.iter().map(|(_, p)| p).sum::<f64>() / n;
        1.0 / (var - poisson).max(0.001)
    } else {
        100.0
    };
    (w, r.clamp(5.0, 1000.0))
}

/// One pass: every series' CUSUM over the recent span, the series signalling now.
pub fn detect(obs: &Observations, settings: &Settings) -> Detection {
    let span = obs.spans;
    let (w, estimated_r) = rhythm(obs);
    let r = settings.dispersion.unwrap_or(estimated_r);
    let k_floor = settings.ratio.max(1.05);
    let offset = obs.utc_offset_minutes;
    let slot_regime = |minute: Minute| {
        let d = local_date(minute, offset);
        (week_slot(d, local_hour(minute, offset), &obs.calendar), Regime::of(d))
    };

    // Exposure of the baseline: Σ over its bins of weight × season, per regime mix.
    let mut baseline_regime = [0.0f64; 3];
    let mut m = span.baseline.0;
    while m < span.baseline.1 {
        let (slot, reg) = slot_regime(m);
        baseline_regime[reg.index()] += w[slot] * 6.0;
        m += 60;
    }
    // Each recent bin's weight and regime; the last bin is partly elapsed.
    let bins = span.recent_bins();
    let mut bin_weight = Vec::with_capacity(bins);
    for b in 0..bins {
        let start = span.recent.0 + b as i64 * BIN_MINUTES;
        let (slot, reg) = slot_regime(start);
        let elapsed = ((span.recent.1 - start) as f64 / BIN_MINUTES as f64).min(1.0);
        bin_weight.push((w[slot] * elapsed, reg));
    }

    let mut series: HashMap<SeriesKey, Series> = HashMap::new();
    for c in &obs.cells {
        for key in series_of(c) {
            add_into(&mut series, key, c, bins);
        }
    }
    let mut per_district: HashMap<i64, usize> = HashMap::new();
    for key in series.keys() {
        *per_district.entry(key.district).or_default() += 1;
    }
    // Per first-level category (None: all), each recent bin's weight × season.
    let mut shapes: HashMap<Option<&str>, (f64, Vec<f64>)> = HashMap::new();

    let mut signals = Vec::new();
    for (key, s) in &series {
        if s.recent_total == 0 {
            continue; // a series without calls cannot be surging
        }
        let cat = key.category.as_deref();
        let (exposure, shape) = shapes.entry(cat).or_insert_with(|| {
            let factor = |reg: Regime| obs.seasons.factor(cat, reg);
            let exposure: f64 = Regime::ALL.iter().map(|reg| baseline_regime[reg.index()] * factor(*reg)).sum();
            (exposure, bin_weight.iter().map(|(wt, reg)| wt * factor(*reg)).collect())
        });
        if *exposure <= 0.0 {
            continue;
        }
        // Half a call of smoothing: a series new to the baseline still has a small expectation.
        let rate = (s.baseline as f64 + 0.5) / *exposure;
        let mean_mu = rate * shape.iter().sum::<f64>() / bins.max(1) as f64;
        let k = k_floor.max(1.0 + settings.extra_per_hour / 6.0 / mean_mu.max(1e-9)).min(MAX_RATIO);
        let mean_drift = drift(mean_mu.max(1e-9), k, r);
        let jump = (k * (r + mean_mu) / (r + k * mean_mu)).ln();
        let rho = 0.5 * jump;
        let series_in_district = per_district.get(&key.district).copied().unwrap_or(1) as f64;
        let target_bins = settings.min_recurrence_days * BINS_PER_DAY as f64 * series_in_district;
        let plug_in = threshold(target_bins, mean_drift, rho);
        let margin = uncertainty_margin(plug_in, jump, s.baseline, r);
        let h = (plug_in + margin).max(MIN_THRESHOLD);
        // Each call adds at most ln k: too few calls can never reach the threshold.
        if s.recent_total < MIN_SURGE_CALLS || s.recent_total as f64 * k.ln() <= h {
            continue;
        }

        let mut cusum = 0.0f64;
        let mut start: Option<usize> = None;
        for (b, (x, w)) in s.recent.iter().zip(shape.iter()).enumerate() {
            let mu = (rate * w).max(1e-9);
            cusum = (cusum + llr(f64::from(*x), mu, k, r)).max(0.0);
            if cusum == 0.0 {
                start = None;
            } else if start.is_none() {
                start = Some(b);
            }
        }
        let Some(b0) = start.filter(|_| cusum > h) else { continue };
        let observed: u64 = s.recent[b0..].iter().map(|x| u64::from(*x)).sum();
        if observed >= MIN_SURGE_CALLS {
            let exp: f64 = shape[b0..].iter().map(|w| rate * w).sum();
            let ri = (run_length((cusum - margin).max(0.0), mean_drift, rho) / BINS_PER_DAY as f64 / series_in_district)
                .min(MAX_RECURRENCE_DAYS);
            signals.push(Signal {
                series: key.clone(),
                started: span.recent.0 + b0 as i64 * BIN_MINUTES,
                observed,
                expected: exp,
                score: cusum,
                recurrence_days: ri,
            });
        }
    }
    signals.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.series.cmp(&b.series)));
    Detection { signals, series: series.len(), dispersion: r }
}

/// Keeps the signals worth showing: of a street's or district's series signalling together, the
/// most specific ones (a surge of UTL/water in one street is not repeated as UTL and as the street
/// in total unless those rise on their own).
pub fn most_specific(signals: Vec<Signal>) -> Vec<Signal> {
    let explained = |general: &Signal, specific: &Signal| {
        let k = (&general.series, &specific.series);
        let same_place = k.0.district == k.1.district && (k.0.street == k.1.street || k.0.street.is_none());
        let broader = match (&k.0.category, &k.1.category) {
            (None, Some(_)) => true,
            (Some(g), Some(s)) => s.starts_with(&format!("{g}/")),
            _ => false,
        } || (k.0.street.is_none() && k.1.street.is_some() && (k.0.category == k.1.category));
        // The specific series carries most of the general one's excess.
        let excess = |s: &Signal| s.observed as f64 - s.expected;
        same_place && broader && excess(specific) >= 0.6 * excess(general)
    };
    let keep: Vec<bool> = signals.iter().map(|g| !signals.iter().any(|s| !std::ptr::eq(s, g) && explained(g, s))).collect();
    signals.into_iter().zip(keep).filter_map(|(s, k)| k.then_some(s)).collect()
}

#[cfg(test)]
mod tests;
