//! Answers a [`Query`] from the fact files. The query is compiled once into lookup tables, one per
//! column it touches: a table maps a stored value (a dictionary index, a packed code word) either to
//! "skip this row" (a filter) or to its share of the group key (a dimension). The scan then costs a
//! few table lookups per row, on every core, and one small accumulator array per thread.

use std::collections::HashSet;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use hotline_domain::{AgeGroup, Channel, Nature, State, UnitClass, Urgency, ValidationError};
use serde::Serialize;

use crate::catalog::Catalog;
use crate::cells::{Cell, CellCtx, CountCell, DISPUTED, FlagCell, OVERDUE, OVERDUE_NOW, REPEAT, RateCell, ReplyCell};
use crate::codes::{self, code};
use crate::dict::language_of;
use crate::query::{Compare, Dimension, MAX_CELLS, Measure, Query};
use crate::store::{Block, Col, FactStore, Need};
use crate::{AnalyticsError, Result};

/// How a query is answered for one viewer at one moment.
#[derive(Debug, Clone)]
pub struct Context {
    pub now: DateTime<Utc>,
    /// The deployment's offset from UTC: local days, weeks and months.
    pub utc_offset_minutes: i32,
    /// What "partly resolved" and "basically satisfied" count as (the assessment scheme's values).
    pub partly_resolved: f64,
    pub basically_satisfied: f64,
    /// The main units whose orders the viewer may see (`None`: all).
    pub visible_units: Option<HashSet<i64>>,
    /// Cells with fewer orders than this show no value (viewers outside the centre).
    pub suppress_below: Option<u64>,
}

impl Context {
    pub fn new(now: DateTime<Utc>, utc_offset_minutes: i32) -> Self {
        Self { now, utc_offset_minutes, partly_resolved: 0.5, basically_satisfied: 1.0, visible_units: None, suppress_below: None }
    }
}

/// One group of an answer.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerRow {
    /// One label per `group_by` dimension (`None`: the orders have no value for it).
    pub keys: Vec<Option<String>>,
    /// `None` when it cannot be computed (no evaluated order for a rate) or is suppressed.
    pub value: Option<f64>,
    /// Orders in the group.
    pub orders: u64,
    pub previous: Option<f64>,
    pub suppressed: bool,
}

/// A query's answer: `{"query": {…}, "rows": [{"<dimension>": "…", …, "value": n}]}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub query: Query,
    pub rows: Vec<AnswerRow>,
    /// The time range the figures cover, after open ends were closed by the data (local dates).
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

fn number(m: Measure, v: Option<f64>) -> serde_json::Value {
    match v {
        Some(x) if m.is_count() => serde_json::Value::from(x.round() as i64),
        _ => fraction(v),
    }
}

/// A figure to four decimals (rates, hours, ratios).
fn fraction(v: Option<f64>) -> serde_json::Value {
    v.and_then(|x| serde_json::Number::from_f64((x * 10_000.0).round() / 10_000.0))
        .map_or(serde_json::Value::Null, serde_json::Value::Number)
}

impl AnswerRow {
    /// The row as JSON: its labels by dimension name, the value and, when compared, the previous
    /// value and the change.
    pub fn to_json(&self, q: &Query) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        for (d, k) in q.group_by.iter().zip(&self.keys) {
            m.insert(d.code().to_owned(), k.clone().map_or(serde_json::Value::Null, serde_json::Value::String));
        }
        m.insert("value".into(), number(q.measure, self.value));
        m.insert("orders".into(), if self.suppressed { serde_json::Value::Null } else { self.orders.into() });
        if q.compare.is_some() {
            m.insert("previous".into(), number(q.measure, self.previous));
            let change = self.value.zip(self.previous).map(|(v, p)| v - p);
            m.insert("change".into(), number(q.measure, change));
            let ratio = self.value.zip(self.previous).filter(|(_, p)| *p != 0.0).map(|(v, p)| (v - p) / p);
            m.insert("change_ratio".into(), fraction(ratio));
        }
        if self.suppressed {
            m.insert("suppressed".into(), true.into());
        }
        serde_json::Value::Object(m)
    }
}

impl Serialize for Answer {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("query", &self.query)?;
        let rows: Vec<serde_json::Value> = self.rows.iter().map(|r| r.to_json(&self.query)).collect();
        m.serialize_entry("rows", &rows)?;
        m.end()
    }
}

/// A grouping dimension while compiling: its labels, the column it reads, value → group index.
type DimTable = (Dimension, Vec<Option<String>>, Col, Vec<u32>);

/// Marks a value whose row is filtered out.
const SKIP: u32 = u32::MAX;

fn bad(field: &str, code: &'static str, zh: String, en: String) -> AnalyticsError {
    AnalyticsError::Query(ValidationError::new(field, code, zh, en))
}

/// A grouping dimension as compiled: its labels by group index (0 = no value).
#[derive(Debug, Clone)]
struct Axis {
    dim: Dimension,
    labels: Vec<Option<String>>,
    /// Groups on this axis.
    n: u32,
    stride: u32,
}

/// How a time dimension buckets a row's time (in local minutes since 2000-01-01).
#[derive(Debug, Clone)]
struct TimeAxis {
    dim: Dimension,
    stride: u32,
    buckets: u32,
}

/// The month (`year * 12 + month0`) of a day counted from 2000-01-01 (H. Hinnant's civil-from-days,
/// cheap enough for every row).
#[inline]
fn month_of_day(day: i64) -> i64 {
    let z = day + 10_957 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    year * 12 + month - 1
}

impl TimeAxis {
    /// The absolute bucket of a local minute.
    #[inline]
    fn bucket(&self, local_minute: i64) -> i64 {
        let day = local_minute.div_euclid(1440);
        match self.dim {
            Dimension::Hour => local_minute.div_euclid(60),
            Dimension::Day => day,
            // 2000-01-03, local day 2, was a Monday.
            Dimension::Week => (day - 2).div_euclid(7),
            _ => month_of_day(day),
        }
    }

    fn label(&self, bucket: i64) -> String {
        let base = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default();
        match self.dim {
            Dimension::Hour => {
                let day = base + Duration::days(bucket.div_euclid(24));
                format!("{} {:02}:00", day.format("%Y-%m-%d"), bucket.rem_euclid(24))
            }
            Dimension::Day => (base + Duration::days(bucket)).format("%Y-%m-%d").to_string(),
            Dimension::Week => (base + Duration::days(bucket * 7 + 2)).format("%Y-%m-%d").to_string(),
            _ => format!("{:04}-{:02}", bucket.div_euclid(12), bucket.rem_euclid(12) + 1),
        }
    }
}

/// A query compiled against the dictionaries as they are now.
struct Plan {
    axes: Vec<Axis>,
    time: Option<TimeAxis>,
    place: Option<Vec<u32>>,
    category: Option<Vec<u32>>,
    handler: Option<Vec<u32>>,
    codes: Option<Vec<u32>>,
    cells: usize,
    offset: i64,
}

impl Plan {
    fn need(&self) -> Need {
        let mut n = Need::default();
        for (t, c) in [(&self.place, Col::Place), (&self.category, Col::Category), (&self.handler, Col::Handler), (&self.codes, Col::Codes)]
        {
            if t.is_some() {
                n = n.with(c);
            }
        }
        n
    }

    /// Adds the rows of a block in `[t0, t1)` to their cells; `time_base` is the first time bucket.
    #[inline]
    fn feed<C: Cell>(&self, acc: &mut [C], b: &Block, (t0, t1): (u32, u32), time_base: i64, ctx: &CellCtx) {
        let mut memo = (i64::MIN, 0i64);
        for i in 0..b.len {
            let t = b.time[i];
            if t == 0 || (!b.all_in_range && (t < t0 || t >= t1)) {
                continue;
            }
            let mut key = 0u32;
            macro_rules! look {
                ($table:expr, $col:expr) => {
                    if let Some(tab) = &$table {
                        match tab.get(usize::from($col[i])) {
                            Some(&k) if k != SKIP => key += k,
                            _ => continue,
                        }
                    }
                };
            }
            look!(self.place, b.place);
            look!(self.category, b.category);
            look!(self.handler, b.handler);
            look!(self.codes, b.codes);
            if let Some(ta) = &self.time {
                // Rows of a block mostly share their day: a month is worked out once per day.
                let local = i64::from(t) - 1 + self.offset;
                let bucket = if ta.dim == Dimension::Month {
                    let day = local.div_euclid(1440);
                    if day != memo.0 {
                        memo = (day, month_of_day(day));
                    }
                    memo.1
                } else {
                    ta.bucket(local)
                } - time_base;
                match u32::try_from(bucket) {
                    Ok(k) if k < ta.buckets => key += k * ta.stride,
                    _ => continue,
                }
            }
            if let Some(c) = acc.get_mut(key as usize) {
                c.add(b, i, ctx);
            }
        }
    }
}

/// Local midnight of `day` as a `time` value.
pub fn time_at(day: NaiveDate, utc_offset_minutes: i32) -> u32 {
    let base = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default();
    let minutes = (day - base).num_days() * 1440 - i64::from(utc_offset_minutes);
    u32::try_from(minutes.max(0) + 1).unwrap_or(u32::MAX)
}

/// The local date of a `time` value.
pub fn date_of(time: u32, utc_offset_minutes: i32) -> NaiveDate {
    let base = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default();
    base + Duration::days((i64::from(time) - 1 + i64::from(utc_offset_minutes)).div_euclid(1440))
}

/// The range a comparison sets against `[from, to)`, and how much of the current range counts:
/// a period still running is compared over its elapsed part only ("same period" to date).
fn comparison_range(compare: Compare, from: NaiveDate, to: NaiveDate, cur: (u32, u32)) -> (u32, u32, i32) {
    let (t0, t1) = cur;
    let shift_days = match compare {
        Compare::SamePeriodLastYear => (from - from.checked_sub_months(chrono::Months::new(12)).unwrap_or(from)).num_days(),
        Compare::PreviousPeriod => {
            let whole_months = from.day() == 1 && to.day() == 1;
            if whole_months {
                let months = (to.year() * 12 + to.month0() as i32) - (from.year() * 12 + from.month0() as i32);
                let prev = from.checked_sub_months(chrono::Months::new(u32::try_from(months).unwrap_or(1))).unwrap_or(from);
                (from - prev).num_days()
            } else {
                (to - from).num_days()
            }
        }
    };
    let shift = u32::try_from(shift_days * 1440).unwrap_or(0);
    (t0.saturating_sub(shift).max(1), t1.saturating_sub(shift).max(1), i32::try_from(shift_days).unwrap_or(0))
}

/// Checks `q` against the reference data and answers it.
pub fn answer(store: &FactStore, catalog: &Catalog, q: &Query, ctx: &Context) -> Result<Answer> {
    q.check_shape().map_err(AnalyticsError::Query)?;
    let off = ctx.utc_offset_minutes;
    let now_time = codes::time_of(ctx.now);
    let span = store.time_span();
    let t0 = q.filters.from.map_or(1, |d| time_at(d, off));
    let t1 = q.filters.to.map_or(u32::MAX, |d| time_at(d, off));
    // A comparison counts the running period to now, and the earlier one over as long.
    let t1_counted = if q.compare.is_some() { t1.min(now_time.max(t0 + 1)) } else { t1 };
    let plan = compile(store, catalog, q, ctx, (t0, t1), span)?;
    let cur = run(store, &plan, q.measure, (t0, t1_counted), plan.time.as_ref().map_or(0, |ta| first_bucket(ta, t0, span, off)), ctx)?;
    let prev = match (q.compare, q.filters.from, q.filters.to) {
        (Some(c), Some(from), Some(to)) => {
            let (p0, p1, shift_days) = comparison_range(c, from, to, (t0, t1_counted));
            let base = plan.time.as_ref().map_or(0, |ta| {
                let shifted = from - Duration::days(i64::from(shift_days));
                ta.bucket((i64::from(time_at(shifted, off)) - 1) + i64::from(off))
            });
            Some(run(store, &plan, q.measure, (p0, p1), base, ctx)?)
        }
        _ => None,
    };
    let base_bucket = plan.time.as_ref().map_or(0, |ta| first_bucket(ta, t0, span, off));
    let mut rows = Vec::new();
    let fill = q.measure.is_count() && !plan.axes.is_empty() && plan.axes.len() == 1 && plan.time.is_some();
    for (key, (value, orders)) in cur.iter().enumerate() {
        if orders == &0 && !fill && !plan.axes.is_empty() {
            continue;
        }
        let keys = plan
            .axes
            .iter()
            .map(|a| {
                let idx = ((key as u32 / a.stride) % a.n) as usize;
                match (&plan.time, a.dim.is_time()) {
                    (Some(ta), true) => Some(ta.label(base_bucket + idx as i64)),
                    _ => a.labels.get(idx).cloned().flatten(),
                }
            })
            .collect();
        let suppressed = ctx.suppress_below.is_some_and(|min| *orders < min);
        let previous = prev.as_ref().and_then(|p| p.get(key)).and_then(|(v, _)| *v);
        rows.push(AnswerRow {
            keys,
            value: if suppressed { None } else { *value },
            orders: *orders,
            previous: if suppressed { None } else { previous },
            suppressed,
        });
    }
    if plan.time.is_some() {
        // A trend reads in time order (cells are laid out so; nothing to sort).
    } else {
        rows.sort_by(|a, b| {
            let unlabelled = |r: &AnswerRow| r.keys.iter().any(Option::is_none);
            unlabelled(a)
                .cmp(&unlabelled(b))
                .then(b.value.unwrap_or(f64::NEG_INFINITY).total_cmp(&a.value.unwrap_or(f64::NEG_INFINITY)))
                .then_with(|| a.keys.cmp(&b.keys))
        });
    }
    if let Some(limit) = q.limit {
        rows.truncate(limit as usize);
    }
    let from = (t0 > 1).then(|| date_of(t0, off)).or_else(|| span.map(|s| date_of(s.0, off)));
    let to = (t1 < u32::MAX).then(|| date_of(t1, off)).or_else(|| span.map(|s| date_of(s.1, off) + Duration::days(1)));
    Ok(Answer { query: q.clone(), rows, from, to })
}

fn first_bucket(ta: &TimeAxis, t0: u32, span: Option<(u32, u32)>, off: i32) -> i64 {
    let start = if t0 > 1 { t0 } else { span.map_or(1, |s| s.0) };
    ta.bucket(i64::from(start) - 1 + i64::from(off))
}

/// Each cell's value and order count.
fn run(store: &FactStore, plan: &Plan, m: Measure, range: (u32, u32), time_base: i64, ctx: &Context) -> Result<Vec<(Option<f64>, u64)>> {
    match m {
        Measure::Count => collect::<CountCell>(store, plan, m, range, time_base, ctx),
        Measure::ResponseRate | Measure::ResolutionRate | Measure::SatisfactionRate => {
            collect::<RateCell>(store, plan, m, range, time_base, ctx)
        }
        Measure::OverdueCount => collect::<FlagCell<OVERDUE>>(store, plan, m, range, time_base, ctx),
        Measure::OverdueNow => collect::<FlagCell<OVERDUE_NOW>>(store, plan, m, range, time_base, ctx),
        Measure::DisputeCount => collect::<FlagCell<DISPUTED>>(store, plan, m, range, time_base, ctx),
        Measure::RepeatCount => collect::<FlagCell<REPEAT>>(store, plan, m, range, time_base, ctx),
        Measure::MedianReplyHours | Measure::P90ReplyHours => collect::<ReplyCell>(store, plan, m, range, time_base, ctx),
    }
}

fn collect<C: Cell>(
    store: &FactStore,
    plan: &Plan,
    m: Measure,
    range: (u32, u32),
    time_base: i64,
    ctx: &Context,
) -> Result<Vec<(Option<f64>, u64)>> {
    let mut need = plan.need();
    for c in C::NEED {
        need = need.with(*c);
    }
    let cctx = CellCtx { now: codes::time_of(ctx.now) };
    let parts = store.scan(need, range, || vec![C::default(); plan.cells], |acc, b| plan.feed(acc, b, range, time_base, &cctx))?;
    let mut parts = parts.into_iter();
    let mut total = parts.next().unwrap_or_else(|| vec![C::default(); plan.cells]);
    for p in parts {
        for (a, b) in total.iter_mut().zip(&p) {
            a.merge(b);
        }
    }
    Ok(total.iter().map(|c| (if c.orders() == 0 && !m.is_count() { None } else { c.value(m, ctx) }, c.orders())).collect())
}

/// Labels and group indexes of a dictionary-backed dimension: each entry's label, then a table
/// from entry index to group index (0 = no label).
fn group_labels(labels_of_entries: Vec<Option<String>>) -> (Vec<Option<String>>, Vec<u32>) {
    let mut distinct: Vec<String> = labels_of_entries.iter().flatten().cloned().collect();
    distinct.sort();
    distinct.dedup();
    let table = labels_of_entries
        .iter()
        .map(|l| l.as_ref().and_then(|l| distinct.binary_search(l).ok()).map_or(0, |i| u32::try_from(i + 1).unwrap_or(0)))
        .collect();
    let mut labels = vec![None];
    labels.extend(distinct.into_iter().map(Some));
    (labels, table)
}

fn compile(store: &FactStore, catalog: &Catalog, q: &Query, ctx: &Context, (t0, t1): (u32, u32), span: Option<(u32, u32)>) -> Result<Plan> {
    let dicts = store.dicts();
    let f = &q.filters;
    let off = i64::from(ctx.utc_offset_minutes);

    // Filters, resolved against the reference data.
    let mut districts = HashSet::new();
    for name in &f.district {
        let ids = catalog.units_named(name, UnitClass::District);
        if ids.is_empty() {
            return Err(bad(
                "filters.district",
                "unknown_district",
                format!("没有名为「{name}」的区"),
                format!("No district is named {name:?}"),
            ));
        }
        districts.extend(ids);
    }
    let mut streets = HashSet::new();
    for name in &f.street {
        let ids = catalog.units_named(name, UnitClass::Street);
        if ids.is_empty() {
            return Err(bad(
                "filters.street",
                "unknown_street",
                format!("没有名为「{name}」的街道乡镇"),
                format!("No street or township is named {name:?}"),
            ));
        }
        streets.extend(ids);
    }
    for c in &f.category {
        if catalog.category(c).is_none() {
            return Err(bad(
                "filters.category",
                "unknown_category",
                format!("没有分类代码「{c}」"),
                format!("No category has the code {c:?}"),
            ));
        }
    }
    for l in &f.language {
        if !(2..=5).contains(&l.len()) || !l.bytes().all(|b| b.is_ascii_lowercase()) {
            return Err(bad(
                "filters.language",
                "invalid_language",
                format!("语言代码「{l}」无效"),
                format!("{l:?} is not a language code (zh, en…)"),
            ));
        }
    }
    let mut units = HashSet::new();
    for c in &f.unit {
        let id = catalog.unit_by_code(c).ok_or_else(|| {
            bad("filters.unit", "unknown_unit", format!("没有代码为「{c}」的单位"), format!("No unit has the code {c:?}"))
        })?;
        units.insert(id);
    }

    // Axes: strides from the last dimension back.
    let mut axes: Vec<Axis> = Vec::new();
    let mut time: Option<TimeAxis> = None;
    let place_entries: Vec<(u16, Option<i64>)> =
        std::iter::once((0, None)).chain(dicts.place.iter().map(|(i, e)| (i, e.parse::<i64>().ok()))).collect();
    let category_entries: Vec<(u16, Option<&str>)> =
        std::iter::once((0, None)).chain(dicts.category.iter().map(|(i, e)| (i, Some(e)))).collect();
    let handler_entries: Vec<(u16, Option<&str>)> =
        std::iter::once((0, None)).chain(dicts.handler.iter().map(|(i, e)| (i, Some(e)))).collect();
    let unit_of = |h: Option<&str>| h.and_then(|h| h.strip_prefix('u')).and_then(|id| id.parse::<i64>().ok());
    let article_of = |h: Option<&str>| h.and_then(|h| h.strip_prefix('a')).map(str::to_owned);
    let place_name =
        |p: Option<i64>, class: UnitClass| p.and_then(|p| catalog.ancestor(p, class)).and_then(|u| catalog.unit(u)).map(|u| u.name.clone());
    let level = |c: Option<&str>, n: usize| {
        c.and_then(|c| {
            let parts: Vec<&str> = c.split('/').collect();
            (parts.len() >= n).then(|| parts[..n].join("/"))
        })
    };
    // Per dimension: (labels, which column, table from the column's value to the group index).
    let mut per_dim: Vec<DimTable> = Vec::new();
    for d in &q.group_by {
        let (labels, col, table) = match d {
            Dimension::District | Dimension::Street => {
                let class = if *d == Dimension::District { UnitClass::District } else { UnitClass::Street };
                let (labels, table) = group_labels(place_entries.iter().map(|(_, p)| place_name(*p, class)).collect());
                (labels, Col::Place, table)
            }
            Dimension::CategoryL1 | Dimension::CategoryL2 | Dimension::CategoryL3 => {
                let n = match d {
                    Dimension::CategoryL1 => 1,
                    Dimension::CategoryL2 => 2,
                    _ => 3,
                };
                let (labels, table) = group_labels(category_entries.iter().map(|(_, c)| level(*c, n)).collect());
                (labels, Col::Category, table)
            }
            Dimension::Unit => {
                let (labels, table) = group_labels(
                    handler_entries.iter().map(|(_, h)| unit_of(*h).and_then(|u| catalog.unit(u)).map(|u| u.code.clone())).collect(),
                );
                (labels, Col::Handler, table)
            }
            Dimension::Article => {
                let (labels, table) = group_labels(handler_entries.iter().map(|(_, h)| article_of(*h)).collect());
                (labels, Col::Handler, table)
            }
            Dimension::Nature | Dimension::Channel | Dimension::AgeGroup | Dimension::Language | Dimension::Urgency => {
                let (field, label): (codes::Field, Box<dyn Fn(u16) -> Option<String>>) = match d {
                    Dimension::Nature => (code::NATURE, Box::new(|v| codes::nature_of(v).map(|n| n.code().to_owned()))),
                    Dimension::Channel => (code::CHANNEL, Box::new(|v| codes::channel_of(v).map(|n| n.code().to_owned()))),
                    Dimension::AgeGroup => (code::AGE, Box::new(|v| codes::age_of(v).map(|n| n.code().to_owned()))),
                    Dimension::Urgency => (code::URGENCY, Box::new(|v| codes::urgency_of(v).map(|n| n.code().to_owned()))),
                    _ => (code::LANGUAGE, Box::new(|v| Some(language_of(&dicts.language, v)))),
                };
                let labels: Vec<Option<String>> = (0..field.size()).map(|v| label(u16::try_from(v).unwrap_or(0))).collect();
                let table = (0..=u16::MAX).map(|w| u32::from(field.get(w))).collect();
                (labels, Col::Codes, table)
            }
            Dimension::Hour | Dimension::Day | Dimension::Week | Dimension::Month => {
                let lo = if t0 > 1 { t0 } else { span.map_or(1, |s| s.0) };
                let hi = if t1 < u32::MAX { t1 - 1 } else { span.map_or(1, |s| s.1) }.max(lo);
                let local = |t: u32| i64::from(t) - 1 + off;
                let mut ta = TimeAxis { dim: *d, stride: 1, buckets: 0 };
                let (b0, b1) = (ta.bucket(local(lo)), ta.bucket(local(hi)));
                ta.buckets = u32::try_from(b1 - b0 + 1).unwrap_or(0);
                time = Some(ta);
                (Vec::new(), Col::Time, Vec::new())
            }
        };
        per_dim.push((*d, labels, col, table));
    }
    let mut cells: usize = 1;
    let mut strides = vec![0u32; per_dim.len()];
    for (i, (_, labels, col, _)) in per_dim.iter().enumerate().rev() {
        strides[i] = u32::try_from(cells).unwrap_or(u32::MAX);
        let n = if *col == Col::Time { time.as_ref().map_or(1, |t| t.buckets as usize) } else { labels.len() };
        cells = cells.saturating_mul(n.max(1));
        if cells > MAX_CELLS {
            return Err(bad(
                "group_by",
                "too_many_groups",
                format!("分组过多（超过 {MAX_CELLS} 个），请减少维度或缩短时间范围"),
                format!("Too many groups (over {MAX_CELLS}): group by fewer dimensions or a shorter range"),
            ));
        }
    }
    for ((d, labels, col, _), stride) in per_dim.iter().zip(&strides) {
        let n = if *col == Col::Time {
            if let Some(t) = time.as_mut() {
                t.stride = *stride;
            }
            time.as_ref().map_or(1, |t| t.buckets)
        } else {
            u32::try_from(labels.len()).unwrap_or(u32::MAX)
        };
        axes.push(Axis { dim: *d, labels: labels.clone(), n: n.max(1), stride: *stride });
    }

    // One table per column: filters decide SKIP, dimensions add their share of the key.
    let table_for = |col: Col, len: usize, keep: &dyn Fn(usize) -> bool| -> Option<Vec<u32>> {
        let dims: Vec<(usize, &Vec<u32>)> = per_dim.iter().enumerate().filter(|(_, p)| p.2 == col).map(|(i, p)| (i, &p.3)).collect();
        let filtered = (0..len).any(|v| !keep(v));
        if dims.is_empty() && !filtered {
            return None;
        }
        Some(
            (0..len)
                .map(|v| {
                    if !keep(v) {
                        return SKIP;
                    }
                    dims.iter().map(|(i, t)| t.get(v).copied().unwrap_or(0) * strides[*i]).sum()
                })
                .collect(),
        )
    };
    let place = table_for(Col::Place, place_entries.len(), &|v| {
        let p = place_entries[v].1;
        (districts.is_empty() || p.and_then(|p| catalog.ancestor(p, UnitClass::District)).is_some_and(|d| districts.contains(&d)))
            && (streets.is_empty() || p.and_then(|p| catalog.ancestor(p, UnitClass::Street)).is_some_and(|s| streets.contains(&s)))
    });
    let category = table_for(Col::Category, category_entries.len(), &|v| {
        f.category.is_empty()
            || category_entries[v].1.is_some_and(|c| {
                f.category.iter().any(|p| c == p || (c.starts_with(p.as_str()) && c.as_bytes().get(p.len()) == Some(&b'/')))
            })
    });
    let handler = table_for(Col::Handler, handler_entries.len(), &|v| {
        let unit = unit_of(handler_entries[v].1);
        (units.is_empty() || unit.is_some_and(|u| units.contains(&u)))
            && ctx.visible_units.as_ref().is_none_or(|vis| unit.is_some_and(|u| vis.contains(&u)))
    });
    let languages: HashSet<u16> = (0..8u16).filter(|s| f.language.contains(&language_of(&dicts.language, *s))).collect();
    let codes_table = table_for(Col::Codes, 1 << 16, &|v| {
        let w = u16::try_from(v).unwrap_or(0);
        (f.nature.is_empty() || codes::nature_of(code::NATURE.get(w)).is_some_and(|n| f.nature.contains(&n)))
            && (f.channel.is_empty() || codes::channel_of(code::CHANNEL.get(w)).is_some_and(|c| f.channel.contains(&c)))
            && (f.age_group.is_empty() || codes::age_of(code::AGE.get(w)).is_some_and(|a| f.age_group.contains(&a)))
            && (f.language.is_empty() || languages.contains(&code::LANGUAGE.get(w)))
    });
    Ok(Plan { axes, time, place, category, handler, codes: codes_table, cells, offset: off })
}

/// Labels a dimension's value for people: names for codes.
pub fn display_label(catalog: &Catalog, d: Dimension, key: &str, zh: bool) -> String {
    match d {
        Dimension::CategoryL1 | Dimension::CategoryL2 | Dimension::CategoryL3 => {
            catalog.category(key).map_or_else(|| key.to_owned(), |c| if zh { c.name_zh.clone() } else { c.name_en.clone() })
        }
        Dimension::Nature => Nature::parse(key).map_or_else(|_| key.to_owned(), |n| n.label(zh).to_owned()),
        Dimension::Channel => Channel::parse(key).map_or_else(|_| key.to_owned(), |n| n.label(zh).to_owned()),
        Dimension::AgeGroup => AgeGroup::parse(key).map_or_else(|_| key.to_owned(), |n| n.label(zh).to_owned()),
        Dimension::Urgency => Urgency::parse(key).map_or_else(|_| key.to_owned(), |n| n.label(zh).to_owned()),
        Dimension::Unit => catalog.unit_by_code(key).and_then(|id| catalog.unit(id)).map_or_else(|| key.to_owned(), |u| u.name.clone()),
        Dimension::Article => catalog.article_title(key).map_or_else(|| key.to_owned(), str::to_owned),
        _ => key.to_owned(),
    }
}

/// Whether a state code is open (for pages that list states).
pub fn is_open(s: State) -> bool {
    !s.is_terminal()
}
