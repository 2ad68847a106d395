//! Monthly assessment (考评): the three rates per unit, scored and ranked within each unit class,
//! with the change from the month before. Months are calendar months in the deployment's time zone.

use chrono::{Datelike, NaiveDate, TimeZone};
use hotline_domain::assessment::{Scheme, UnitCounts, UnitScore};
use hotline_domain::{UnitClass, ValidationError};
use serde::Serialize;

use crate::App;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::views::UnitRef;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AssessmentRow {
    pub unit: UnitRef,
    pub evaluated: u64,
    /// Dispatches this unit disputed (退单) in the month.
    pub disputes: u64,
    pub response_rate: f64,
    pub resolution_rate: f64,
    pub satisfaction_rate: f64,
    pub score: f64,
    /// `None`: fewer evaluated orders than the scheme's minimum.
    pub rank: Option<u32>,
    /// Rank last month, for the change.
    pub previous_rank: Option<u32>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AssessmentGroup {
    /// `street`, `district`, `department`, `utility` …
    pub class: String,
    pub rows: Vec<AssessmentRow>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Assessment {
    /// `YYYY-MM`.
    pub month: String,
    pub weights: [f64; 3],
    pub partly_resolved: f64,
    pub basically_satisfied: f64,
    pub min_volume: u64,
    pub groups: Vec<AssessmentGroup>,
}

/// `2026-10` → its first day.
pub fn parse_month(month: &str) -> AppResult<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{}-01", month.trim()), "%Y-%m-%d").map_err(|_| {
        AppError::Validation(ValidationError::new("month", "invalid_month", "月份格式应为 YYYY-MM", "A month is written YYYY-MM"))
    })
}

fn next_month(d: NaiveDate) -> NaiveDate {
    if d.month() == 12 { NaiveDate::from_ymd_opt(d.year() + 1, 1, 1) } else { NaiveDate::from_ymd_opt(d.year(), d.month() + 1, 1) }
        .unwrap_or(d)
}

fn previous_month(d: NaiveDate) -> NaiveDate {
    if d.month() == 1 { NaiveDate::from_ymd_opt(d.year() - 1, 12, 1) } else { NaiveDate::from_ymd_opt(d.year(), d.month() - 1, 1) }
        .unwrap_or(d)
}

/// The classes ranked, in the order they are shown.
const CLASSES: [UnitClass; 4] = [UnitClass::Street, UnitClass::District, UnitClass::Department, UnitClass::Utility];

impl App {
    /// The month's `[from, to)` in UTC, by the deployment's time zone.
    async fn month_bounds(&self, first: NaiveDate) -> AppResult<(hotline_domain::Timestamp, hotline_domain::Timestamp)> {
        let offset = self.policy().await?.utc_offset_minutes;
        let tz = chrono::FixedOffset::east_opt(offset * 60).ok_or_else(|| AppError::Internal("bad utc offset".into()))?;
        let at = |d: NaiveDate| tz.from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default()).single().map(|t| t.to_utc());
        match (at(first), at(next_month(first))) {
            (Some(from), Some(to)) => Ok((from, to)),
            _ => Err(AppError::Internal("month bounds".into())),
        }
    }

    async fn month_counts(&self, first: NaiveDate) -> AppResult<Vec<UnitCounts>> {
        let (from, to) = self.month_bounds(first).await?;
        Ok(self.store.assessment_counts(from, to).await?)
    }

    /// The month's assessment (staff only; units see the same published tables).
    pub async fn assess(&self, who: Option<&Principal>, month: &str) -> AppResult<Assessment> {
        let _ = who;
        let first = parse_month(month)?;
        let scheme = Scheme::default();
        let units = self.units();
        let now = self.month_counts(first).await?;
        let before = self.month_counts(previous_month(first)).await?;
        let (from, to) = self.month_bounds(first).await?;
        let disputes = self.store.dispute_counts(from, to).await?;
        let class_of = |c: &UnitCounts| units.get(c.unit).map(|u| u.class);
        let mut groups = Vec::new();
        for class in CLASSES {
            let this: Vec<UnitCounts> = now.iter().filter(|c| class_of(c) == Some(class)).copied().collect();
            if this.is_empty() {
                continue;
            }
            let last: Vec<UnitCounts> = before.iter().filter(|c| class_of(c) == Some(class)).copied().collect();
            let last_ranks = scheme.rank(&last);
            let rows = scheme
                .rank(&this)
                .into_iter()
                .map(|s: UnitScore| AssessmentRow {
                    unit: UnitRef::of(&units, s.counts.unit),
                    evaluated: s.counts.evaluated,
                    disputes: disputes.iter().find(|(u, _)| *u == s.counts.unit).map_or(0, |(_, n)| *n),
                    response_rate: s.response_rate,
                    resolution_rate: s.resolution_rate,
                    satisfaction_rate: s.satisfaction_rate,
                    score: s.score,
                    rank: s.rank,
                    previous_rank: last_ranks.iter().find(|l| l.counts.unit == s.counts.unit).and_then(|l| l.rank),
                })
                .collect();
            groups.push(AssessmentGroup { class: class.code().to_owned(), rows });
        }
        Ok(Assessment {
            month: first.format("%Y-%m").to_string(),
            weights: scheme.weights,
            partly_resolved: scheme.partly_resolved,
            basically_satisfied: scheme.basically_satisfied,
            min_volume: scheme.min_volume,
            groups,
        })
    }
}

/// The assessment as CSV (one row per unit, every class).
pub fn assessment_csv(a: &Assessment) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "month",
        "class",
        "unit_code",
        "unit",
        "evaluated",
        "disputes",
        "response_rate",
        "resolution_rate",
        "satisfaction_rate",
        "score",
        "rank",
        "previous_rank",
    ]);
    for g in &a.groups {
        for r in &g.rows {
            let opt = |v: Option<u32>| v.map(|v| v.to_string()).unwrap_or_default();
            let _ = w.write_record([
                a.month.clone(),
                g.class.clone(),
                r.unit.code.clone(),
                r.unit.name.clone(),
                r.evaluated.to_string(),
                r.disputes.to_string(),
                format!("{:.4}", r.response_rate),
                format!("{:.4}", r.resolution_rate),
                format!("{:.4}", r.satisfaction_rate),
                format!("{:.2}", r.score),
                opt(r.rank),
                opt(r.previous_rank),
            ]);
        }
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}
