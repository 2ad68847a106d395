//! 每月一题 candidates (problem of the month): the chronic problems of a month, ranked, each with
//! its evidence, for the centre to choose its themes from.
//!
//! A candidate is a category (second level, or third) in an area (a street, or a district for a
//! problem spread over its streets). For the month asked and the 12 before it, each month's calls
//! are set against what the area's size and the city's mix that month predict:
//!
//! ```text
//! expected(area, category, month) = calls(area, month) × calls(city, category, month) / calls(city, month)
//! ```
//!
//! so a big street is expected to have many calls and heating is expected to rise in winter
//! everywhere. A month is *in excess* when its calls are at least [`Settings::excess_ratio`] times
//! that, at least [`Settings::excess_z`] Poisson standard deviations above it, and at least 3. Chronic
//! means persistent excess: a candidate needs [`Settings::min_months`] such months of the last 12
//! (one of them in the last 6) and [`Settings::min_calls`] calls over the 12 months.
//!
//! The score (0–100) weighs eight parts, each scaled to 0–1 ([`Weights`]):
//!
//! | part | weight | full marks |
//! |---|---|---|
//! | persistence | 25 | in excess every month of the last 12 and of the last 6 (half each) |
//! | excess | 15 | four times the expected calls over the last 6 months (log scale, 5 calls of smoothing) |
//! | scale | 20 | 100 extra calls a month over the last 6 months (log scale) |
//! | repeat callers | 10 | three times the category's city-wide share (log scale, shrunk) |
//! | concentration / spread | 10 | a street: half of its calls from one community beyond that community's usual share (shrunk); a district: chronic in 5 of its streets |
//! | dissatisfied | 8 | three times the category's city-wide share on callback (log scale, shrunk) |
//! | unresolved | 7 | as dissatisfied |
//! | units | 5 | three or more units handling it (effective number, inverse Simpson; a district's streets count as one) |
//!
//! Rates are over the last six months (callbacks lag the calls), shrunk towards the category's
//! city-wide rate by [`Settings::prior`] calls, so a handful of calls cannot reach full marks.
//!
//! One problem shows once: a district is dropped when one of its streets carries at least
//! [`Settings::absorb`] of its excess calls; a second level is dropped when exactly one of its third
//! levels qualifies and carries that much (when several do, the problem spans them and the second
//! level stays); a narrower candidate is dropped when a broader one that contains it stays.
//!
//! Pure but for reading the fact files: two scans, the month counts of every cell, then the places
//! and units of the candidates that stay.

use std::collections::HashMap;

use chrono::{Datelike, Months, NaiveDate};
use hotline_domain::{Resolution, Satisfaction, UnitClass};
use serde::Serialize;

use crate::Result;
use crate::catalog::Catalog;
use crate::codes::{code, resolution_of, satisfaction_of, status};
use crate::engine::time_at;
use crate::store::{Block, Col, FactStore, Need};

/// The month asked and the 12 before it.
pub const MONTHS: usize = 13;
/// Rates (repeat callers, callbacks), places and units are counted over this many months, ending
/// with the month asked.
pub const WINDOW: usize = 6;
const LAST: usize = MONTHS - 1;
const NONE: u32 = u32::MAX;

/// How much each part counts (they add up to 1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Weights {
    pub persistence: f64,
    pub excess: f64,
    pub scale: f64,
    pub repeat: f64,
    /// A street's concentration on one community; a district's spread over its streets.
    pub concentration: f64,
    pub dissatisfied: f64,
    pub unresolved: f64,
    pub units: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Self {
            persistence: 0.25,
            excess: 0.15,
            scale: 0.20,
            repeat: 0.10,
            concentration: 0.10,
            dissatisfied: 0.08,
            unresolved: 0.07,
            units: 0.05,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Calls over the last 12 months a candidate needs.
    pub min_calls: u32,
    /// Months in excess (of the last 12) a candidate needs…
    pub min_months: u32,
    /// …of which this many in the last 6.
    pub min_recent_months: u32,
    /// A month is in excess at this ratio to the expected calls…
    pub excess_ratio: f64,
    /// …and this many Poisson standard deviations above them.
    pub excess_z: f64,
    /// Calls of smoothing: rates are shrunk towards the city-wide rate as if this many calls at
    /// that rate had been seen too.
    pub prior: f64,
    /// A broader candidate is dropped when a narrower one carries this share of its excess calls.
    pub absorb: f64,
    pub weights: Weights,
    /// Candidates returned at most.
    pub limit: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            min_calls: 24,
            min_months: 3,
            min_recent_months: 1,
            excess_ratio: 1.5,
            excess_z: 2.0,
            prior: 20.0,
            absorb: 0.6,
            weights: Weights::default(),
            limit: 50,
        }
    }
}

/// Where a candidate is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Street,
    District,
}

/// One part of a candidate's score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Part {
    /// `persistence`, `excess`, `scale`, `repeat`, `concentration`, `spread`, `dissatisfied`,
    /// `unresolved`, `units`.
    pub code: &'static str,
    /// 0–1.
    pub value: f64,
    /// What it adds to the score (0–100).
    pub points: f64,
    pub zh: String,
    pub en: String,
}

/// A candidate with its figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// Stable across runs and months: `district:<id>|street:<id>|cat:<path>`, or
    /// `district:<id>|cat:<path>` for a district.
    pub key: String,
    /// 1 = first, over the whole city.
    pub rank: usize,
    /// 0–100.
    pub score: f64,
    pub level: Level,
    pub district: i64,
    pub street: Option<i64>,
    /// Category path (second or third level).
    pub category: String,
    /// Calls per month, the oldest first; the last is the month asked.
    pub monthly: Vec<u32>,
    /// What the area's size and the city's mix predicted each month.
    pub expected: Vec<f64>,
    /// Whether each month was in excess (same order).
    pub excess_months: Vec<bool>,
    /// Calls in the month asked.
    pub volume: u32,
    /// Calls and expected calls over the 12 months ending with the month asked.
    pub volume_12: u32,
    pub expected_12: f64,
    /// Months in excess of the last 12, and of the last 6.
    pub months_persistent: u32,
    pub months_persistent_6: u32,
    /// Calls over the last [`WINDOW`] months, and the shares below.
    pub window_calls: u32,
    pub repeat_share: f64,
    pub repeat_share_city: f64,
    /// Callbacks with a satisfaction given, in the window.
    pub rated: u32,
    pub dissatisfied_share: Option<f64>,
    pub dissatisfied_share_city: Option<f64>,
    pub unresolved_share: Option<f64>,
    pub unresolved_share_city: Option<f64>,
    /// Distinct main units in the window, the effective number (inverse Simpson), and the
    /// busiest units (id, calls).
    pub units: u32,
    pub effective_units: f64,
    pub top_units: Vec<(i64, u32)>,
    /// A district: its streets where the category is chronic too (at least `min_months` in
    /// excess). A street: 1.
    pub streets: u32,
    pub chronic_streets: Vec<i64>,
    /// Distinct communities the calls came from (window), the busiest (id, calls) and its share
    /// beyond its usual share of the street's calls.
    pub communities: u32,
    pub top_community: Option<(i64, u32)>,
    pub community_excess: f64,
    /// The parts of the score, largest first.
    pub parts: Vec<Part>,
}

impl Candidate {
    /// Excess calls over the 12 months.
    pub fn excess_calls(&self) -> f64 {
        f64::from(self.volume_12) - self.expected_12
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranking {
    /// First days of the 13 months, oldest first; the last is the month asked.
    pub months: Vec<NaiveDate>,
    /// Area × category cells with at least one call in the 12 months.
    pub cells: usize,
    /// Cells that met the gates before one problem was shown once.
    pub qualified: usize,
    pub candidates: Vec<Candidate>,
    pub settings_min_calls: u32,
    pub settings_min_months: u32,
}

/// The candidate key of a place and category.
pub fn key(district: i64, street: Option<i64>, category: &str) -> String {
    match street {
        Some(s) => format!("district:{district}|street:{s}|cat:{category}"),
        None => format!("district:{district}|cat:{category}"),
    }
}

/// What a key names: (district, street, category); `None` for anything else.
pub fn parse_key(key: &str) -> Option<(i64, Option<i64>, String)> {
    let mut parts = key.split('|');
    let district = parts.next()?.strip_prefix("district:")?.parse().ok()?;
    let next = parts.next()?;
    let (street, cat) = match next.strip_prefix("street:") {
        Some(s) => (Some(s.parse().ok()?), parts.next()?),
        None => (None, next),
    };
    let category = cat.strip_prefix("cat:")?;
    if parts.next().is_some() || category.is_empty() {
        return None;
    }
    Some((district, street, category.to_owned()))
}

/// The first day of `d`'s month.
pub fn first_of(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

// ---------- the layout: dictionary indexes → dense indexes ----------

/// A place's area (a street, or a district's calls without a street) and community.
#[derive(Debug, Clone, Copy)]
struct PlaceSlot {
    area: u32,
    community: u32,
}

const NO_PLACE: PlaceSlot = PlaceSlot { area: NONE, community: NONE };

#[derive(Debug, Clone, Copy)]
struct Area {
    district: u32,
    /// `None`: calls placed in the district only (they count in the district, never as a street).
    street: Option<i64>,
}

struct Layout {
    /// 14 first days: the 13 months and the day after the last.
    months: Vec<NaiveDate>,
    /// The same as local days since 2000-01-01.
    day_starts: Vec<i64>,
    time_range: (u32, u32),
    window_from: u32,
    place: Vec<PlaceSlot>,
    /// Per category dictionary index: (second level, third level).
    category: Vec<(u32, u32)>,
    /// Per handler dictionary index: the unit id (0: none, or an article).
    handler: Vec<i64>,
    areas: Vec<Area>,
    districts: Vec<i64>,
    district_areas: Vec<Vec<u32>>,
    communities: Vec<(i64, u32)>,
    l2: Vec<String>,
    l3: Vec<String>,
    l3_parent: Vec<u32>,
    offset: i64,
}

fn intern(map: &mut HashMap<String, u32>, list: &mut Vec<String>, s: String) -> u32 {
    if let Some(i) = map.get(&s) {
        return *i;
    }
    let i = u32::try_from(list.len()).unwrap_or(NONE);
    map.insert(s.clone(), i);
    list.push(s);
    i
}

impl Layout {
    fn new(store: &FactStore, catalog: &Catalog, month: NaiveDate, utc_offset_minutes: i32) -> Self {
        let first = first_of(month);
        let months: Vec<NaiveDate> = (0..=MONTHS)
            .map(|i| {
                let back = (MONTHS - 1) as i64 - i as i64;
                if back >= 0 {
                    first.checked_sub_months(Months::new(u32::try_from(back).unwrap_or(0))).unwrap_or(first)
                } else {
                    first.checked_add_months(Months::new(1)).unwrap_or(first)
                }
            })
            .collect();
        let base = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default();
        let day_starts = months.iter().map(|d| (*d - base).num_days()).collect();
        let time_range = (time_at(months[0], utc_offset_minutes), time_at(months[MONTHS], utc_offset_minutes));
        let window_from = time_at(months[MONTHS - WINDOW], utc_offset_minutes);

        let d = store.dicts();
        let mut areas: Vec<Area> = Vec::new();
        let mut area_of: HashMap<(i64, Option<i64>), u32> = HashMap::new();
        let mut districts: Vec<i64> = Vec::new();
        let mut district_of: HashMap<i64, u32> = HashMap::new();
        let mut communities: Vec<(i64, u32)> = Vec::new();
        let mut place = vec![NO_PLACE; d.place.len() + 1];
        for (i, entry) in d.place.iter() {
            let Ok(id) = entry.parse::<i64>() else { continue };
            let Some(district) = catalog.ancestor(id, UnitClass::District) else { continue };
            let street = catalog.ancestor(id, UnitClass::Street);
            let di = *district_of.entry(district).or_insert_with(|| {
                districts.push(district);
                u32::try_from(districts.len() - 1).unwrap_or(NONE)
            });
            let area = *area_of.entry((district, street)).or_insert_with(|| {
                areas.push(Area { district: di, street });
                u32::try_from(areas.len() - 1).unwrap_or(NONE)
            });
            let community = if street.is_some() && catalog.unit(id).is_some_and(|u| u.class == UnitClass::Community) {
                communities.push((id, area));
                u32::try_from(communities.len() - 1).unwrap_or(NONE)
            } else {
                NONE
            };
            if let Some(slot) = place.get_mut(usize::from(i)) {
                *slot = PlaceSlot { area, community };
            }
        }
        let mut district_areas = vec![Vec::new(); districts.len()];
        for (a, area) in areas.iter().enumerate() {
            district_areas[area.district as usize].push(u32::try_from(a).unwrap_or(NONE));
        }

        let (mut l2, mut l3, mut l3_parent) = (Vec::new(), Vec::new(), Vec::new());
        let (mut l2_of, mut l3_of) = (HashMap::new(), HashMap::new());
        let mut category = vec![(NONE, NONE); d.category.len() + 1];
        for (i, path) in d.category.iter() {
            let segments: Vec<&str> = path.split('/').collect();
            if segments.len() < 2 {
                continue;
            }
            let k2 = intern(&mut l2_of, &mut l2, segments[..2].join("/"));
            let k3 = if segments.len() >= 3 {
                let before = l3.len();
                let k = intern(&mut l3_of, &mut l3, segments[..3].join("/"));
                if l3.len() > before {
                    l3_parent.push(k2);
                }
                k
            } else {
                NONE
            };
            if let Some(slot) = category.get_mut(usize::from(i)) {
                *slot = (k2, k3);
            }
        }
        let mut handler = vec![0i64; d.handler.len() + 1];
        for (i, entry) in d.handler.iter() {
            if let (Some(slot), Some(id)) = (handler.get_mut(usize::from(i)), entry.strip_prefix('u').and_then(|u| u.parse().ok())) {
                *slot = id;
            }
        }
        drop(d);
        Self {
            months,
            day_starts,
            time_range,
            window_from,
            place,
            category,
            handler,
            areas,
            districts,
            district_areas,
            communities,
            l2,
            l3,
            l3_parent,
            offset: i64::from(utc_offset_minutes),
        }
    }

    /// The month (0 = the oldest) of a `time` value in the range.
    fn month_of_day(&self, day: i64) -> Option<usize> {
        let i = self.day_starts.partition_point(|d| *d <= day);
        (1..=MONTHS).contains(&i).then(|| i - 1)
    }

    fn local_day(&self, time: u32) -> i64 {
        (i64::from(time) - 1 + self.offset).div_euclid(1440)
    }

    fn cats(&self, level: u8) -> usize {
        if level == 2 { self.l2.len() } else { self.l3.len() }
    }
}

// ---------- the first scan: month counts and rates of every cell ----------

/// Per cell, over the window: calls, repeat callers, rated (satisfaction), dissatisfied,
/// rated (resolution), unresolved.
type Quality = [u32; 6];
type Monthly = [u32; MONTHS];

#[derive(Clone)]
struct Counts {
    area_month: Vec<Monthly>,
    l2: Vec<Monthly>,
    l3: Vec<Monthly>,
    q2: Vec<Quality>,
    q3: Vec<Quality>,
    /// Window calls per community (all categories): its usual share of its street.
    community: Vec<u32>,
}

impl Counts {
    fn new(l: &Layout) -> Self {
        let a = l.areas.len();
        Self {
            area_month: vec![[0; MONTHS]; a],
            l2: vec![[0; MONTHS]; a * l.l2.len()],
            l3: vec![[0; MONTHS]; a * l.l3.len()],
            q2: vec![[0; 6]; a * l.l2.len()],
            q3: vec![[0; 6]; a * l.l3.len()],
            community: vec![0; l.communities.len()],
        }
    }

    fn add(&mut self, other: &Self) {
        fn sum<const N: usize>(a: &mut [[u32; N]], b: &[[u32; N]]) {
            for (x, y) in a.iter_mut().zip(b) {
                for (p, q) in x.iter_mut().zip(y) {
                    *p += q;
                }
            }
        }
        sum(&mut self.area_month, &other.area_month);
        sum(&mut self.l2, &other.l2);
        sum(&mut self.l3, &other.l3);
        sum(&mut self.q2, &other.q2);
        sum(&mut self.q3, &other.q3);
        for (p, q) in self.community.iter_mut().zip(&other.community) {
            *p += q;
        }
    }
}

fn quality_of(b: &Block, i: usize) -> Quality {
    let st = b.status[i];
    let sat = satisfaction_of(status::SATISFACTION.get(st));
    let res = resolution_of(status::RESOLUTION.get(st));
    [
        1,
        u32::from(code::REPEAT.get(b.codes[i]) == 1),
        u32::from(sat.is_some()),
        u32::from(sat == Some(Satisfaction::Unsatisfied)),
        u32::from(res.is_some()),
        u32::from(res == Some(Resolution::Unresolved)),
    ]
}

fn add_quality(q: &mut Quality, x: &Quality) {
    for (p, v) in q.iter_mut().zip(x) {
        *p += v;
    }
}

fn count(store: &FactStore, l: &Layout) -> Result<Counts> {
    let need = Need::default().with(Col::Place).with(Col::Category).with(Col::Codes).with(Col::Status);
    let (t0, t1) = l.time_range;
    let (n2, n3) = (l.l2.len(), l.l3.len());
    let accs = store.scan(
        need,
        (t0, t1),
        || Counts::new(l),
        |acc, b| {
            let mut memo = (i64::MIN, None);
            for i in 0..b.len {
                let t = b.time[i];
                if t == 0 || (!b.all_in_range && (t < t0 || t >= t1)) {
                    continue;
                }
                let p = l.place.get(usize::from(b.place[i])).copied().unwrap_or(NO_PLACE);
                if p.area == NONE {
                    continue;
                }
                let day = l.local_day(t);
                if day != memo.0 {
                    memo = (day, l.month_of_day(day));
                }
                let Some(m) = memo.1 else { continue };
                let a = p.area as usize;
                acc.area_month[a][m] += 1;
                let in_window = m >= MONTHS - WINDOW;
                if in_window && p.community != NONE {
                    acc.community[p.community as usize] += 1;
                }
                let (k2, k3) = l.category.get(usize::from(b.category[i])).copied().unwrap_or((NONE, NONE));
                if k2 == NONE {
                    continue;
                }
                let c2 = a * n2 + k2 as usize;
                acc.l2[c2][m] += 1;
                let q = in_window.then(|| quality_of(b, i));
                if let Some(q) = &q {
                    add_quality(&mut acc.q2[c2], q);
                }
                if k3 != NONE {
                    let c3 = a * n3 + k3 as usize;
                    acc.l3[c3][m] += 1;
                    if let Some(q) = &q {
                        add_quality(&mut acc.q3[c3], q);
                    }
                }
            }
        },
    )?;
    let mut total = Counts::new(l);
    for a in &accs {
        total.add(a);
    }
    Ok(total)
}

// ---------- cells: areas and districts, second and third level ----------

/// A cell: a place (an area for a street, a district) and a category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct CellId {
    level: Level,
    /// An area index (street level) or a district index.
    place: u32,
    /// 2 or 3.
    cat_level: u8,
    cat: u32,
}

/// The counts of cells at both place levels, and the city's.
struct Table {
    street_month: Vec<Monthly>,
    district_month: Vec<Monthly>,
    city_month: Monthly,
    /// Per category level (index 0: second, 1: third): per street cell, per district cell, per
    /// category city-wide.
    street: [Vec<Monthly>; 2],
    district: [Vec<Monthly>; 2],
    city: [Vec<Monthly>; 2],
    street_q: [Vec<Quality>; 2],
    district_q: [Vec<Quality>; 2],
    city_q: [Vec<Quality>; 2],
    /// Window calls per community, all categories.
    community: Vec<u32>,
}

fn add_months(a: &mut Monthly, b: &Monthly) {
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}

impl Table {
    fn new(l: &Layout, c: Counts) -> Self {
        let nd = l.districts.len();
        let mut district_month = vec![[0; MONTHS]; nd];
        let mut city_month = [0; MONTHS];
        for (a, m) in c.area_month.iter().enumerate() {
            add_months(&mut district_month[l.areas[a].district as usize], m);
            add_months(&mut city_month, m);
        }
        let roll = |cells: &[Monthly], q: &[Quality], n: usize| {
            let mut district = vec![[0; MONTHS]; nd * n];
            let mut city = vec![[0; MONTHS]; n];
            let mut dq = vec![[0; 6]; nd * n];
            let mut cq = vec![[0; 6]; n];
            for (a, area) in l.areas.iter().enumerate() {
                let d = area.district as usize;
                for k in 0..n {
                    add_months(&mut district[d * n + k], &cells[a * n + k]);
                    add_months(&mut city[k], &cells[a * n + k]);
                    add_quality(&mut dq[d * n + k], &q[a * n + k]);
                    add_quality(&mut cq[k], &q[a * n + k]);
                }
            }
            (district, city, dq, cq)
        };
        let (d2, c2, dq2, cq2) = roll(&c.l2, &c.q2, l.l2.len());
        let (d3, c3, dq3, cq3) = roll(&c.l3, &c.q3, l.l3.len());
        Self {
            street_month: c.area_month,
            district_month,
            city_month,
            street: [c.l2, c.l3],
            district: [d2, d3],
            city: [c2, c3],
            street_q: [c.q2, c.q3],
            district_q: [dq2, dq3],
            city_q: [cq2, cq3],
            community: c.community,
        }
    }

    fn idx(cell: CellId, l: &Layout) -> usize {
        cell.place as usize * l.cats(cell.cat_level) + cell.cat as usize
    }

    fn monthly(&self, cell: CellId, l: &Layout) -> &Monthly {
        let li = usize::from(cell.cat_level - 2);
        let i = Self::idx(cell, l);
        match cell.level {
            Level::Street => &self.street[li][i],
            Level::District => &self.district[li][i],
        }
    }

    fn quality(&self, cell: CellId, l: &Layout) -> &Quality {
        let li = usize::from(cell.cat_level - 2);
        let i = Self::idx(cell, l);
        match cell.level {
            Level::Street => &self.street_q[li][i],
            Level::District => &self.district_q[li][i],
        }
    }

    fn place_month(&self, cell: CellId) -> &Monthly {
        match cell.level {
            Level::Street => &self.street_month[cell.place as usize],
            Level::District => &self.district_month[cell.place as usize],
        }
    }
}

/// A cell's months against expectation.
#[derive(Debug, Clone)]
struct Trend {
    observed: Monthly,
    expected: [f64; MONTHS],
    excess: [bool; MONTHS],
    o12: u32,
    e12: f64,
    /// Calls and expected calls over the window (the last six months).
    o6: u32,
    e6: f64,
    m12: u32,
    m6: u32,
}

fn trend(table: &Table, cell: CellId, l: &Layout, s: &Settings) -> Trend {
    let observed = *table.monthly(cell, l);
    let place = table.place_month(cell);
    let city_cat = &table.city[usize::from(cell.cat_level - 2)][cell.cat as usize];
    let mut expected = [0.0; MONTHS];
    let mut excess = [false; MONTHS];
    for t in 0..MONTHS {
        let o = f64::from(observed[t]);
        let e = if table.city_month[t] == 0 { o } else { f64::from(place[t]) * f64::from(city_cat[t]) / f64::from(table.city_month[t]) };
        expected[t] = e;
        excess[t] = observed[t] >= 3 && o >= s.excess_ratio * e && (o - e) >= s.excess_z * e.max(1.0).sqrt();
    }
    let months12 = 1..MONTHS;
    let o12 = observed[months12.clone()].iter().sum();
    let e12 = expected[months12.clone()].iter().sum();
    let m12 = u32::try_from(excess[months12].iter().filter(|x| **x).count()).unwrap_or(0);
    let m6 = u32::try_from(excess[MONTHS - WINDOW..].iter().filter(|x| **x).count()).unwrap_or(0);
    let o6 = observed[MONTHS - WINDOW..].iter().sum();
    let e6 = expected[MONTHS - WINDOW..].iter().sum();
    Trend { observed, expected, excess, o12, e12, o6, e6, m12, m6 }
}

fn qualifies(t: &Trend, s: &Settings) -> bool {
    t.o12 >= s.min_calls && t.m12 >= s.min_months && t.m6 >= s.min_recent_months
}

/// The cells that contain `cell`: broader in place, in category, or both.
fn ancestors(cell: CellId, l: &Layout) -> Vec<CellId> {
    let mut out = Vec::new();
    let parent_cat = |c: CellId| (c.cat_level == 3).then(|| l.l3_parent[c.cat as usize]);
    match cell.level {
        Level::Street => {
            let d = l.areas[cell.place as usize].district;
            out.push(CellId { level: Level::District, place: d, ..cell });
            if let Some(p) = parent_cat(cell) {
                out.push(CellId { cat_level: 2, cat: p, ..cell });
                out.push(CellId { level: Level::District, place: d, cat_level: 2, cat: p });
            }
        }
        Level::District => {
            if let Some(p) = parent_cat(cell) {
                out.push(CellId { cat_level: 2, cat: p, ..cell });
            }
        }
    }
    out
}

// ---------- the second scan: communities and units of the candidates that stay ----------

#[derive(Default, Clone)]
struct Detail {
    communities: HashMap<u32, u32>,
    units: HashMap<i64, u32>,
}

fn details(store: &FactStore, l: &Layout, cells: &[CellId]) -> Result<Vec<Detail>> {
    let (na, nd, n2, n3) = (l.areas.len(), l.districts.len(), l.l2.len(), l.l3.len());
    // Slot of a cell (NONE: not a candidate), per place level and category level.
    let mut street2 = vec![NONE; na * n2];
    let mut street3 = vec![NONE; na * n3];
    let mut district2 = vec![NONE; nd * n2];
    let mut district3 = vec![NONE; nd * n3];
    for (slot, c) in cells.iter().enumerate() {
        let i = Table::idx(*c, l);
        let table = match (c.level, c.cat_level) {
            (Level::Street, 2) => &mut street2,
            (Level::Street, _) => &mut street3,
            (Level::District, 2) => &mut district2,
            (Level::District, _) => &mut district3,
        };
        table[i] = u32::try_from(slot).unwrap_or(NONE);
    }
    let need = Need::default().with(Col::Place).with(Col::Category).with(Col::Handler);
    let (t0, t1) = (l.window_from, l.time_range.1);
    let accs = store.scan(
        need,
        (t0, t1),
        || vec![Detail::default(); cells.len()],
        |acc, b| {
            for i in 0..b.len {
                let t = b.time[i];
                if t == 0 || t < t0 || t >= t1 {
                    continue;
                }
                let p = l.place.get(usize::from(b.place[i])).copied().unwrap_or(NO_PLACE);
                if p.area == NONE {
                    continue;
                }
                let (k2, k3) = l.category.get(usize::from(b.category[i])).copied().unwrap_or((NONE, NONE));
                if k2 == NONE {
                    continue;
                }
                let a = p.area as usize;
                let d = l.areas[a].district as usize;
                let mut slots = [street2[a * n2 + k2 as usize], district2[d * n2 + k2 as usize], NONE, NONE];
                if k3 != NONE {
                    slots[2] = street3[a * n3 + k3 as usize];
                    slots[3] = district3[d * n3 + k3 as usize];
                }
                let unit = l.handler.get(usize::from(b.handler[i])).copied().unwrap_or(0);
                for (j, slot) in slots.into_iter().enumerate() {
                    if slot == NONE {
                        continue;
                    }
                    let det = &mut acc[slot as usize];
                    if unit != 0 {
                        *det.units.entry(unit).or_default() += 1;
                    }
                    // Communities matter for a street (slots 0 and 2).
                    if j % 2 == 0 && p.community != NONE {
                        *det.communities.entry(p.community).or_default() += 1;
                    }
                }
            }
        },
    )?;
    let mut out = vec![Detail::default(); cells.len()];
    for acc in accs {
        for (o, a) in out.iter_mut().zip(acc) {
            for (k, n) in a.communities {
                *o.communities.entry(k).or_default() += n;
            }
            for (k, n) in a.units {
                *o.units.entry(k).or_default() += n;
            }
        }
    }
    Ok(out)
}

// ---------- scoring ----------

fn share(x: u32, n: u32) -> Option<f64> {
    (n > 0).then(|| f64::from(x) / f64::from(n))
}

/// A rate's part: the rate shrunk towards the city's by `prior` calls, its lift over the city's on
/// a log scale, full at three times (or at 100% when the city's rate is above a third).
fn lift_part(x: u32, n: u32, city: Option<f64>, prior: f64) -> f64 {
    let Some(p) = city.filter(|p| *p > 0.0 && *p < 0.99) else { return 0.0 };
    let shrunk = (f64::from(x) + prior * p) / (f64::from(n) + prior);
    let full = (1.0 / p).min(3.0);
    ((shrunk / p).ln() / full.ln()).clamp(0.0, 1.0)
}

fn pct(v: f64) -> String {
    format!("{:.0}%", v * 100.0)
}

fn pct_opt(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), pct)
}

struct Scored {
    score: f64,
    parts: Vec<Part>,
}

fn score(c: &Candidate, t: &Trend, city_q: &Quality, q: &Quality, catalog: &Catalog, s: &Settings) -> Scored {
    let w = &s.weights;
    let mut parts = Vec::new();
    let mut push = |code: &'static str, weight: f64, value: f64, zh: String, en: String| {
        let value = value.clamp(0.0, 1.0);
        parts.push(Part { code, value: round(value, 3), points: round(weight * value * 100.0, 1), zh, en });
    };
    push(
        "persistence",
        w.persistence,
        0.5 * f64::from(t.m12) / 12.0 + 0.5 * f64::from(t.m6) / WINDOW as f64,
        format!("近12个月中有{}个月、近6个月中有{}个月来电明显高于预期", t.m12, t.m6),
        format!("Well above expectation in {} of the last 12 months and {} of the last 6", t.m12, t.m6),
    );
    // Size now: the last six months (a problem that ended half a year ago has none).
    let ratio = (f64::from(t.o6) + 5.0) / (t.e6 + 5.0);
    push(
        "excess",
        w.excess,
        ratio.ln() / 4f64.ln(),
        format!("近6个月{}件，按本地来电总量和全市该类占比预期{:.0}件，为预期的{:.1}倍", t.o6, t.e6, f64::from(t.o6) / t.e6.max(0.1)),
        format!(
            "{} calls in the last 6 months against {:.0} expected from the area's calls and the city's mix: {:.1}×",
            t.o6,
            t.e6,
            f64::from(t.o6) / t.e6.max(0.1)
        ),
    );
    let per_month = (f64::from(t.o6) - t.e6).max(0.0) / WINDOW as f64;
    push(
        "scale",
        w.scale,
        per_month.ln_1p() / 100f64.ln_1p(),
        format!("近6个月每月多出约{per_month:.0}件"),
        format!("About {per_month:.0} extra calls a month over the last 6 months"),
    );
    push(
        "repeat",
        w.repeat,
        lift_part(q[1], q[0], Some(c.repeat_share_city), s.prior),
        format!("重复来电占{}（全市该类{}）", pct(c.repeat_share), pct(c.repeat_share_city)),
        format!("Repeat callers {} of calls (city, same category: {})", pct(c.repeat_share), pct(c.repeat_share_city)),
    );
    match c.level {
        Level::Street => {
            let (zh, en) = match c.top_community {
                Some((id, n)) => {
                    let name = catalog.unit(id).map_or_else(|| format!("#{id}"), |u| u.name.clone());
                    (
                        format!("{n}件来自{name}，比该社区平常所占比例多{}", pct(c.community_excess)),
                        format!("{n} calls from {name}, {} above its usual share of the street's calls", pct(c.community_excess)),
                    )
                }
                None => ("来电未集中于某一社区".to_owned(), "Calls not placed in one community".to_owned()),
            };
            push("concentration", w.concentration, c.community_excess / 0.5, zh, en);
        }
        Level::District => push(
            "spread",
            w.concentration,
            (f64::from(c.streets) - 1.0) / 4.0,
            format!("在本区{}个街道持续偏高", c.streets),
            format!("Chronic in {} streets of the district", c.streets),
        ),
    }
    let city_dis = share(city_q[3], city_q[2]);
    push(
        "dissatisfied",
        w.dissatisfied,
        lift_part(q[3], q[2], city_dis, s.prior),
        format!("回访不满意{}（{}件回访；全市该类{}）", pct_opt(c.dissatisfied_share), q[2], pct_opt(city_dis)),
        format!("Dissatisfied on callback {} ({} rated; city, same category: {})", pct_opt(c.dissatisfied_share), q[2], pct_opt(city_dis)),
    );
    let city_unres = share(city_q[5], city_q[4]);
    push(
        "unresolved",
        w.unresolved,
        lift_part(q[5], q[4], city_unres, s.prior),
        format!("回访未解决{}（全市该类{}）", pct_opt(c.unresolved_share), pct_opt(city_unres)),
        format!("Unresolved on callback {} (city, same category: {})", pct_opt(c.unresolved_share), pct_opt(city_unres)),
    );
    push(
        "units",
        w.units,
        (c.effective_units - 1.0) / 2.0,
        format!("涉及{}个承办单位（有效{:.1}个）", c.units, c.effective_units),
        format!("Handling units: {} ({:.1} effective)", c.units, c.effective_units),
    );
    let score: f64 = parts.iter().map(|p| p.points).sum();
    parts.sort_by(|a, b| b.points.total_cmp(&a.points));
    Scored { score: round(score, 1), parts }
}

fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

/// Ranks the chronic problems of the month of `month` (any day of it) over the read model, all of
/// the city; `districts` keeps only the candidates of those districts (ranks stay the city's).
pub fn rank(
    store: &FactStore,
    catalog: &Catalog,
    month: NaiveDate,
    utc_offset_minutes: i32,
    settings: &Settings,
    districts: Option<&[i64]>,
) -> Result<Ranking> {
    let l = Layout::new(store, catalog, month, utc_offset_minutes);
    let table = Table::new(&l, count(store, &l)?);

    // Every cell with calls, its trend, and those that qualify.
    let mut cells = 0usize;
    let mut qualified: HashMap<CellId, Trend> = HashMap::new();
    for (level, places) in [(Level::Street, l.areas.len()), (Level::District, l.districts.len())] {
        for place in 0..places {
            if level == Level::Street && l.areas[place].street.is_none() {
                continue;
            }
            for cat_level in [2u8, 3] {
                for cat in 0..l.cats(cat_level) {
                    let cell =
                        CellId { level, place: u32::try_from(place).unwrap_or(NONE), cat_level, cat: u32::try_from(cat).unwrap_or(NONE) };
                    if table.monthly(cell, &l)[1..].iter().all(|n| *n == 0) {
                        continue;
                    }
                    cells += 1;
                    let t = trend(&table, cell, &l, settings);
                    if qualifies(&t, settings) {
                        qualified.insert(cell, t);
                    }
                }
            }
        }
    }

    // One problem shows once. A district gives way to one of its streets carrying most of its
    // excess calls; a second level to its one third level that qualifies, when that carries most of
    // them (two or more qualifying beneath it: the problem spans them, the second level stays). A
    // narrower cell gives way to a broader one that stays.
    let excess = |t: &Trend| f64::from(t.o12) - t.e12;
    let mut qualified_below: HashMap<CellId, usize> = HashMap::new();
    for cell in qualified.keys().filter(|c| c.cat_level == 3) {
        *qualified_below.entry(CellId { cat_level: 2, cat: l.l3_parent[cell.cat as usize], ..*cell }).or_default() += 1;
    }
    let mut absorbed: std::collections::HashSet<CellId> = std::collections::HashSet::new();
    for (cell, t) in &qualified {
        for a in ancestors(*cell, &l) {
            let Some(at) = qualified.get(&a) else { continue };
            let carries = excess(t) >= settings.absorb * excess(at).max(0.0);
            let same_place = a.level == cell.level;
            if carries && (!same_place || qualified_below.get(&a).copied().unwrap_or(0) == 1) {
                absorbed.insert(a);
            }
        }
    }
    let kept: Vec<CellId> = qualified
        .keys()
        .filter(|c| !absorbed.contains(c))
        .filter(|c| !ancestors(**c, &l).iter().any(|a| qualified.contains_key(a) && !absorbed.contains(a)))
        .copied()
        .collect();

    let detail = details(store, &l, &kept)?;
    let mut out = Vec::with_capacity(kept.len());
    for (cell, det) in kept.iter().zip(detail) {
        let t = &qualified[cell];
        out.push(candidate(*cell, t, &det, &table, &l, catalog, settings));
    }
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.key.cmp(&b.key)));
    for (i, c) in out.iter_mut().enumerate() {
        c.rank = i + 1;
    }
    if let Some(ds) = districts {
        out.retain(|c| ds.contains(&c.district));
    }
    out.truncate(settings.limit);
    Ok(Ranking {
        months: l.months[..MONTHS].to_vec(),
        cells,
        qualified: qualified.len(),
        candidates: out,
        settings_min_calls: settings.min_calls,
        settings_min_months: settings.min_months,
    })
}

fn candidate(cell: CellId, t: &Trend, det: &Detail, table: &Table, l: &Layout, catalog: &Catalog, s: &Settings) -> Candidate {
    let q = *table.quality(cell, l);
    let city_q = table.city_q[usize::from(cell.cat_level - 2)][cell.cat as usize];
    let (district, street) = match cell.level {
        Level::Street => {
            let a = l.areas[cell.place as usize];
            (l.districts[a.district as usize], a.street)
        }
        Level::District => (l.districts[cell.place as usize], None),
    };
    let category = if cell.cat_level == 2 { l.l2[cell.cat as usize].clone() } else { l.l3[cell.cat as usize].clone() };

    // Units: distinct, effective, busiest. A district's streets each handle their own calls, so for
    // a district they count as one unit in the effective number.
    let mut units: Vec<(i64, u32)> = det.units.iter().map(|(k, v)| (*k, *v)).collect();
    units.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut buckets: HashMap<i64, f64> = HashMap::new();
    for (u, n) in &units {
        let street = cell.level == Level::District && catalog.unit(*u).is_some_and(|i| i.class == UnitClass::Street);
        *buckets.entry(if street { 0 } else { *u }).or_default() += f64::from(*n);
    }
    let handled: f64 = buckets.values().sum();
    let squares: f64 = buckets.values().map(|n| n * n).sum();
    let effective_units = if squares > 0.0 { handled * handled / squares } else { 0.0 };

    // Communities: the one most above its usual share of the street's calls (shrunk).
    let (mut top_community, mut community_excess) = (None, 0.0);
    if cell.level == Level::Street {
        let placed: u32 = det.communities.values().sum();
        let street_total: f64 = l
            .communities
            .iter()
            .enumerate()
            .filter(|(_, (_, a))| *a == cell.place)
            .map(|(i, _)| f64::from(table_community(table, i)))
            .sum();
        let mut seen: Vec<(u32, u32)> = det.communities.iter().map(|(c, n)| (*c, *n)).collect();
        seen.sort_unstable();
        for (ci, n) in &seen {
            let usual = if street_total > 0.0 { f64::from(table_community(table, *ci as usize)) / street_total } else { 0.0 };
            let shrunk = (f64::from(*n) + s.prior * usual) / (f64::from(placed) + s.prior);
            let ex = shrunk - usual;
            if ex > community_excess || top_community.is_none() {
                community_excess = ex.max(0.0);
                top_community = Some((l.communities[*ci as usize].0, *n));
            }
        }
    }

    // A district: its streets where the same category is chronic.
    let mut chronic_streets = Vec::new();
    let streets = match cell.level {
        Level::Street => 1,
        Level::District => {
            for a in &l.district_areas[cell.place as usize] {
                let Some(sid) = l.areas[*a as usize].street else { continue };
                let st = trend(table, CellId { level: Level::Street, place: *a, ..cell }, l, s);
                if st.m12 >= s.min_months {
                    chronic_streets.push(sid);
                }
            }
            u32::try_from(chronic_streets.len()).unwrap_or(u32::MAX)
        }
    };

    let mut c = Candidate {
        key: key(district, street, &category),
        rank: 0,
        score: 0.0,
        level: cell.level,
        district,
        street,
        category,
        monthly: t.observed.to_vec(),
        expected: t.expected.iter().map(|e| round(*e, 2)).collect(),
        excess_months: t.excess.to_vec(),
        volume: t.observed[LAST],
        volume_12: t.o12,
        expected_12: round(t.e12, 2),
        months_persistent: t.m12,
        months_persistent_6: t.m6,
        window_calls: q[0],
        repeat_share: round(share(q[1], q[0]).unwrap_or(0.0), 4),
        repeat_share_city: round(share(city_q[1], city_q[0]).unwrap_or(0.0), 4),
        rated: q[2],
        dissatisfied_share: share(q[3], q[2]).map(|x| round(x, 4)),
        dissatisfied_share_city: share(city_q[3], city_q[2]).map(|x| round(x, 4)),
        unresolved_share: share(q[5], q[4]).map(|x| round(x, 4)),
        unresolved_share_city: share(city_q[5], city_q[4]).map(|x| round(x, 4)),
        units: u32::try_from(units.len()).unwrap_or(u32::MAX),
        effective_units: round(effective_units, 2),
        top_units: units.into_iter().take(3).collect(),
        streets,
        chronic_streets,
        communities: u32::try_from(det.communities.len()).unwrap_or(u32::MAX),
        top_community,
        community_excess: round(community_excess, 4),
        parts: Vec::new(),
    };
    let scored = score(&c, t, &city_q, &q, catalog, s);
    c.score = scored.score;
    c.parts = scored.parts;
    c
}

fn table_community(table: &Table, i: usize) -> u32 {
    table.community.get(i).copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, TimeZone, Utc};
    use hotline_domain::{Channel, Nature, State, Unit, UnitId, Urgency};

    use super::*;
    use crate::{Callback, CategoryInfo, Fact};

    const OFFSET: i32 = 8 * 60;
    const CHAOYANG: i64 = 1;
    const HAIDIAN: i64 = 2;
    /// 望京: the chronic problem (repairs ignored, one compound).
    const WANGJING: i64 = 10;
    /// 八里庄: one month's burst of noise calls.
    const BALIZHUANG: i64 = 11;
    /// 大屯: ten times the calls of a street, the same mix.
    const DATUN: i64 = 12;
    /// 海淀街道: a rare problem, two calls a month.
    const HAIDIAN_ST: i64 = 20;
    const COMPOUND: i64 = 101;
    const HEAT: i64 = 500;
    const HOUSING: i64 = 501;

    fn unit(id: i64, name: &str, class: UnitClass, parent: Option<i64>) -> Unit {
        Unit { id: UnitId(id), code: id.to_string(), name: name.into(), class, parent: parent.map(UnitId) }
    }

    fn catalog() -> Catalog {
        let mut units = vec![
            unit(CHAOYANG, "朝阳区", UnitClass::District, None),
            unit(HAIDIAN, "海淀区", UnitClass::District, None),
            unit(WANGJING, "望京街道", UnitClass::Street, Some(CHAOYANG)),
            unit(BALIZHUANG, "八里庄街道", UnitClass::Street, Some(CHAOYANG)),
            unit(DATUN, "大屯街道", UnitClass::Street, Some(CHAOYANG)),
            unit(HAIDIAN_ST, "海淀街道", UnitClass::Street, Some(HAIDIAN)),
            unit(HEAT, "热力集团", UnitClass::Utility, None),
            unit(HOUSING, "住建委", UnitClass::Department, None),
        ];
        for (i, street) in [WANGJING, BALIZHUANG, DATUN, HAIDIAN_ST].into_iter().enumerate() {
            for k in 0..4 {
                let id = street * 10 + k;
                units.push(unit(id, &format!("社区{}-{k}", i), UnitClass::Community, Some(street)));
            }
        }
        // Six more ordinary streets, so no one street sets the city's mix.
        for s in 30..36 {
            units.push(unit(s, &format!("街道{s}"), UnitClass::Street, Some(if s % 2 == 0 { CHAOYANG } else { HAIDIAN })));
        }
        let cat = |c: &str| CategoryInfo { code: c.into(), name_zh: c.into(), name_en: c.into(), keywords: Vec::new() };
        let cats = [
            "TRF",
            "TRF/illegal_parking",
            "TRF/illegal_parking/fire_lane",
            "PRP",
            "PRP/service",
            "PRP/service/repair",
            "ENV",
            "ENV/noise",
            "ENV/noise/construction",
            "UTL",
            "UTL/heating",
            "UTL/heating/not_warm",
            "HLT",
            "HLT/rare",
            "HLT/rare/thing",
        ]
        .map(cat)
        .to_vec();
        Catalog::new(&units, cats, Vec::new())
    }

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        chrono::FixedOffset::east_opt(OFFSET * 60)
            .and_then(|o| o.with_ymd_and_hms(y, m, d, 10, 0, 0).single())
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    struct City {
        facts: Vec<Fact>,
    }

    impl City {
        fn call(&mut self, when: DateTime<Utc>, place: i64, category: &str, unit: i64) -> &mut Fact {
            let id = i64::try_from(self.facts.len()).unwrap_or(0) + 1;
            let satisfied = id % 10 != 0;
            self.facts.push(Fact {
                order_id: id,
                received_at: when,
                channel: Channel::Phone,
                language: "zh".into(),
                nature: Some(Nature::Complaint),
                category: Some(category.into()),
                urgency: Urgency::General,
                place: Some(place),
                coords: None,
                age_group: None,
                repeat_caller: id % 10 == 0,
                duplicate: false,
                disputed: false,
                main_unit: Some(unit),
                article: None,
                state: State::Closed,
                dispatched_at: None,
                contacted_at: None,
                replied_at: None,
                closed_at: None,
                dispatch_due: None,
                contact_due: None,
                reply_due: None,
                callback: (id % 2 == 0).then_some(Callback {
                    contacted: true,
                    resolution: if satisfied { Resolution::Resolved } else { Resolution::Unresolved },
                    satisfaction: if satisfied { Satisfaction::Satisfied } else { Satisfaction::Unsatisfied },
                }),
                reopen_count: 0,
                excluded: false,
            });
            self.facts.last_mut().expect("just pushed")
        }

        /// An ordinary month in a street: 40 calls × size, the same mix everywhere (heating
        /// tripled in winter), spread over its communities.
        fn ordinary(&mut self, month: NaiveDate, street: i64, size: u32) {
            let winter = matches!(month.month(), 11 | 12 | 1 | 2 | 3);
            let mix = [
                ("TRF/illegal_parking/fire_lane", 16),
                ("PRP/service/repair", 8),
                ("ENV/noise/construction", 8),
                ("UTL/heating/not_warm", if winter { 24 } else { 8 }),
            ];
            for (category, n) in mix {
                for k in 0..n * size {
                    let place = if street < 30 { street * 10 + i64::from(k % 4) } else { street };
                    let unit = if category.starts_with("UTL") { HEAT } else { street };
                    self.call(at(month.year(), month.month(), 1 + k % 27), place, category, unit);
                }
            }
        }
    }

    fn months() -> Vec<NaiveDate> {
        (0..13).filter_map(|i| NaiveDate::from_ymd_opt(2026, 2, 1)?.checked_sub_months(Months::new(12 - i))).collect()
    }

    /// Thirteen months to February 2026: 望京's repairs three times their share for ten months,
    /// from one compound, repeat callers and unhappy callbacks; 八里庄's noise five times in
    /// February only; 大屯 ten times as big; 海淀街道 two calls a month about a rare thing.
    fn city() -> City {
        let mut c = City { facts: Vec::new() };
        for (i, m) in months().into_iter().enumerate() {
            for street in [WANGJING, BALIZHUANG, HAIDIAN_ST, 30, 31, 32, 33, 34, 35] {
                c.ordinary(m, street, 1);
            }
            c.ordinary(m, DATUN, 10);
            if i >= 3 {
                for k in 0..16u32 {
                    let unit = [WANGJING, HOUSING, WANGJING][k as usize % 3];
                    let f = c.call(at(m.year(), m.month(), 2 + k), COMPOUND, "PRP/service/repair", unit);
                    f.repeat_caller = k % 2 == 0;
                    if let Some(cb) = f.callback.as_mut() {
                        cb.satisfaction = Satisfaction::Unsatisfied;
                        cb.resolution = Resolution::Unresolved;
                    }
                }
            }
            if i == 12 {
                for k in 0..32 {
                    c.call(at(m.year(), m.month(), 3 + k % 20), BALIZHUANG * 10 + 1, "ENV/noise/construction", BALIZHUANG);
                }
            }
            for k in 0..2 {
                c.call(at(m.year(), m.month(), 5 + k), HAIDIAN_ST * 10, "HLT/rare/thing", HAIDIAN_ST);
            }
        }
        c
    }

    fn store(facts: &[Fact]) -> FactStore {
        let store = FactStore::temporary().expect("a temporary read model");
        let mut rows = Vec::new();
        {
            let mut dicts = store.dicts_mut();
            for f in facts {
                rows.push((f.row_index().expect("row"), f.pack(&mut dicts).expect("pack")));
            }
        }
        store.write(&mut rows).expect("write");
        store
    }

    fn february() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 2, 14).expect("a date")
    }

    fn ranked(settings: &Settings) -> Ranking {
        let c = city();
        rank(&store(&c.facts), &catalog(), february(), OFFSET, settings, None).expect("ranking")
    }

    #[test]
    fn a_chronic_problem_is_found_once_with_its_evidence_and_the_distractors_are_not() {
        let r = ranked(&Settings::default());
        assert_eq!(r.months.first(), NaiveDate::from_ymd_opt(2025, 2, 1).as_ref());
        assert_eq!(r.months.last(), NaiveDate::from_ymd_opt(2026, 2, 1).as_ref());
        let keys: Vec<&str> = r.candidates.iter().map(|c| c.key.as_str()).collect();
        let top = r.candidates.first().expect("a candidate");
        assert!(top.key.starts_with(&format!("district:{CHAOYANG}|street:{WANGJING}|cat:PRP/service")), "{keys:?}");
        assert_eq!(keys.iter().filter(|k| k.contains("PRP")).count(), 1, "one problem shows once: {keys:?}");
        assert!(!keys.iter().any(|k| k.contains("ENV")), "a one-month burst is not chronic: {keys:?}");
        assert!(!keys.iter().any(|k| k.contains(&format!("street:{DATUN}|"))), "a big street is not a problem: {keys:?}");
        assert!(!keys.iter().any(|k| k.contains("UTL")), "heating in winter everywhere is expected: {keys:?}");
        assert!(!keys.iter().any(|k| k.contains("HLT")), "two calls a month are too few: {keys:?}");

        assert_eq!(top.rank, 1);
        assert_eq!(top.months_persistent, 10);
        assert_eq!(top.months_persistent_6, 6);
        assert_eq!(top.monthly.len(), MONTHS);
        assert_eq!(top.volume, 24);
        assert!(top.excess_calls() > 100.0, "{top:?}");
        assert!(top.repeat_share > top.repeat_share_city, "{top:?}");
        assert!(top.dissatisfied_share > top.dissatisfied_share_city, "{top:?}");
        assert_eq!(top.top_community.map(|(id, _)| id), Some(COMPOUND));
        assert!(top.community_excess > 0.2, "{top:?}");
        assert_eq!(top.units, 2);
        assert!(top.score > 50.0 && top.score <= 100.0, "{top:?}");
        assert_eq!(top.parts.len(), 8);
        assert!(top.parts.windows(2).all(|w| w[0].points >= w[1].points), "largest part first");
        assert!(top.parts.iter().all(|p| !p.zh.is_empty() && !p.en.is_empty()));
        let total: f64 = top.parts.iter().map(|p| p.points).sum();
        assert!((total - top.score).abs() < 0.2, "the parts add up to the score");
        assert_eq!(parse_key(&top.key), Some((CHAOYANG, Some(WANGJING), top.category.clone())));
    }

    #[test]
    fn the_chronic_problem_outscores_a_burst_a_big_street_and_small_counts_when_every_cell_qualifies() {
        let loose = Settings { min_calls: 1, min_months: 0, min_recent_months: 0, ..Settings::default() };
        let r = ranked(&loose);
        let position = |needle: &str| r.candidates.iter().position(|c| c.key.contains(needle));
        let chronic = position(&format!("street:{WANGJING}|cat:PRP")).expect("the chronic problem");
        assert_eq!(chronic, 0, "{:?}", r.candidates.iter().map(|c| (&c.key, c.score)).collect::<Vec<_>>());
        for other in [format!("street:{BALIZHUANG}|cat:ENV"), format!("street:{DATUN}|"), format!("street:{HAIDIAN_ST}|cat:HLT")] {
            if let Some(p) = position(&other) {
                assert!(p > chronic, "{other} ranks below the chronic problem");
                assert!(r.candidates[p].score < r.candidates[chronic].score / 2.0, "{other}: {:?}", r.candidates[p]);
            }
        }
    }

    #[test]
    fn a_district_sees_only_its_candidates_with_the_city_ranks() {
        let c = city();
        let s = store(&c.facts);
        let haidian = rank(&s, &catalog(), february(), OFFSET, &Settings::default(), Some(&[HAIDIAN])).expect("ranking");
        assert!(haidian.candidates.iter().all(|c| c.district == HAIDIAN), "{:?}", haidian.candidates);
        let chaoyang = rank(&s, &catalog(), february(), OFFSET, &Settings::default(), Some(&[CHAOYANG])).expect("ranking");
        assert_eq!(chaoyang.candidates.first().map(|c| c.rank), Some(1));
    }

    #[test]
    fn an_empty_read_model_has_no_candidates() {
        let r = rank(&store(&[]), &catalog(), february(), OFFSET, &Settings::default(), None).expect("ranking");
        assert!(r.candidates.is_empty());
        assert_eq!(r.cells, 0);
    }

    #[test]
    fn keys_name_their_place_and_category() {
        assert_eq!(key(1, Some(10), "PRP/service"), "district:1|street:10|cat:PRP/service");
        assert_eq!(parse_key("district:1|cat:PRP/service"), Some((1, None, "PRP/service".into())));
        for bad in ["", "district:x|cat:A/b", "district:1|street:2", "district:1|street:2|cat:", "district:1|cat:A|x", "cat:A/b"] {
            assert_eq!(parse_key(bad), None, "{bad}");
        }
    }
}
