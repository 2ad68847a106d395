//! Monthly assessment (考评): the three rates per unit, scored and ranked within each unit class,
//! with the change from the month before. Months are calendar months in the deployment's time zone.

use chrono::{Datelike, NaiveDate, TimeZone};
use hotline_domain::assessment::{Scheme, UnitCounts, UnitScore};
use hotline_domain::{UnitClass, ValidationError};
use serde::{Deserialize, Serialize};

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
    /// Evaluated orders left out by the centre's exclusions the scheme honours.
    pub excluded: u64,
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
    /// The scheme version used (`None`: the built-in default) and the month it is in force from.
    pub scheme_version: Option<i64>,
    pub scheme_from: Option<String>,
    /// Exclusion reasons honoured (`unreasonable`, `outside_duty`).
    pub exclusions: Vec<String>,
    pub groups: Vec<AssessmentGroup>,
    /// Summons (街乡吹哨) in the month and whether the departments reported (报到) in time.
    pub whistle: Vec<crate::handling::WhistleRow>,
}

/// One stored version of the scoring scheme.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SchemeVersion {
    /// Assigned by the store; ignored on input.
    #[serde(default)]
    pub version: i64,
    /// `YYYY-MM`: the first month assessed under it (until a later version starts).
    pub from_month: String,
    pub weights: [f64; 3],
    pub partly_resolved: f64,
    pub basically_satisfied: f64,
    pub min_volume: u64,
    /// Exclusion reasons honoured: `unreasonable`, `outside_duty`.
    pub exclusions: Vec<String>,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub created_by: String,
    #[serde(default)]
    pub created_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl SchemeVersion {
    fn scheme(&self) -> AppResult<Scheme> {
        let exclusions = self.exclusions.iter().map(|e| hotline_domain::Exclusion::parse(e)).collect::<Result<Vec<_>, _>>()?;
        let scheme = Scheme {
            weights: self.weights,
            partly_resolved: self.partly_resolved,
            basically_satisfied: self.basically_satisfied,
            min_volume: self.min_volume,
            exclusions,
        };
        scheme.validate()?;
        Ok(scheme)
    }
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
        let tz = chrono::FixedOffset::east_opt(offset * 60).ok_or_else(|| AppError::bug("bad utc offset"))?;
        let at = |d: NaiveDate| tz.from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default()).single().map(|t| t.to_utc());
        match (at(first), at(next_month(first))) {
            (Some(from), Some(to)) => Ok((from, to)),
            _ => Err(AppError::bug("month bounds")),
        }
    }

    async fn month_counts(&self, first: NaiveDate) -> AppResult<Vec<UnitCounts>> {
        let (from, to) = self.month_bounds(first).await?;
        Ok(self.assessment_store().assessment_counts(from, to).await?)
    }

    /// Every stored version of the scoring scheme, newest first.
    pub async fn scoring_schemes(&self) -> AppResult<Vec<SchemeVersion>> {
        use hotline_store::ReferenceKind;
        let mut out = Vec::new();
        for v in self.reference().list_reference_versions(ReferenceKind::ScoringScheme).await? {
            let Some(full) = self.reference().get_reference_version(ReferenceKind::ScoringScheme, v.version).await? else { continue };
            let mut s: SchemeVersion = serde_json::from_str(&full.body).map_err(AppError::internal)?;
            s.version = full.version;
            s.note = full.note;
            s.created_by = full.created_by;
            s.created_at = Some(full.created_at);
            out.push(s);
        }
        Ok(out)
    }

    /// Stores a new version of the scoring scheme, in force from its month (admins and supervisors).
    /// Months already assessed under an earlier version are assessed again under this one only if it
    /// starts at or before them: a scheme is chosen by the month assessed, not by when it was saved.
    pub async fn save_scoring_scheme(&self, who: &Principal, input: &SchemeVersion, base_version: Option<i64>) -> AppResult<SchemeVersion> {
        if !matches!(who.role, hotline_domain::Role::Admin | hotline_domain::Role::Supervisor) {
            return Err(AppError::forbidden(
                "只有系统管理员或督办员可以修改考评办法",
                "Only admins and supervisors may change the scoring scheme",
            ));
        }
        let first = parse_month(&input.from_month)?;
        input.scheme()?;
        let body = SchemeVersion {
            version: 0,
            from_month: first.format("%Y-%m").to_string(),
            note: String::new(),
            created_by: String::new(),
            created_at: None,
            ..input.clone()
        };
        let body = serde_json::to_string(&body).map_err(AppError::internal)?;
        let saved =
            self.store_version(Some(who), hotline_store::ReferenceKind::ScoringScheme, &body, &[], &input.note, base_version).await?;
        let mut out: SchemeVersion = serde_json::from_str(&saved.body).map_err(AppError::internal)?;
        out.version = saved.version;
        out.note = saved.note;
        out.created_by = saved.created_by;
        out.created_at = Some(saved.created_at);
        Ok(out)
    }

    /// The scheme in force for a month: the version starting latest at or before it (the newest
    /// saved among equals); the built-in default when none does.
    async fn scheme_for(&self, first: NaiveDate) -> AppResult<(Scheme, Option<SchemeVersion>)> {
        let month = first.format("%Y-%m").to_string();
        let chosen = self
            .scoring_schemes()
            .await?
            .into_iter()
            .filter(|s| s.from_month <= month)
            .max_by(|a, b| a.from_month.cmp(&b.from_month).then(a.version.cmp(&b.version)));
        match chosen {
            Some(v) => Ok((v.scheme()?, Some(v))),
            None => Ok((Scheme::default(), None)),
        }
    }

    /// The month's assessment (staff only; units see the same published tables).
    pub async fn assess(&self, who: Option<&Principal>, month: &str) -> AppResult<Assessment> {
        let _ = who;
        let first = parse_month(month)?;
        let (scheme, version) = self.scheme_for(first).await?;
        let (last_scheme, _) = self.scheme_for(previous_month(first)).await?;
        let units = self.units();
        let (now, excluded) = scheme.assessed(&self.month_counts(first).await?);
        let (before, _) = last_scheme.assessed(&self.month_counts(previous_month(first)).await?);
        let (from, to) = self.month_bounds(first).await?;
        let disputes = self.assessment_store().dispute_counts(from, to).await?;
        // A unit that disputed dispatches but had no callback is listed too (unranked): its 退单 count.
        let mut now = now;
        for (unit, _) in &disputes {
            if !now.iter().any(|c| c.unit == *unit) {
                now.push(UnitCounts {
                    unit: *unit,
                    evaluated: 0,
                    contacted: 0,
                    resolved: 0,
                    partly_resolved: 0,
                    satisfied: 0,
                    basically_satisfied: 0,
                    exclusion: None,
                });
            }
        }
        let class_of = |c: &UnitCounts| units.get(c.unit).map(|u| u.class);
        let mut groups = Vec::new();
        for class in CLASSES {
            let this: Vec<UnitCounts> = now.iter().filter(|c| class_of(c) == Some(class)).copied().collect();
            if this.is_empty() {
                continue;
            }
            let last: Vec<UnitCounts> = before.iter().filter(|c| class_of(c) == Some(class)).copied().collect();
            let last_ranks = last_scheme.rank(&last);
            let rows = scheme
                .rank(&this)
                .into_iter()
                .map(|s: UnitScore| AssessmentRow {
                    unit: UnitRef::of(&units, s.counts.unit),
                    evaluated: s.counts.evaluated,
                    disputes: disputes.iter().find(|(u, _)| *u == s.counts.unit).map_or(0, |(_, n)| *n),
                    excluded: excluded.iter().find(|(u, _)| *u == s.counts.unit).map_or(0, |(_, n)| *n),
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
            scheme_version: version.as_ref().map(|v| v.version),
            scheme_from: version.map(|v| v.from_month),
            exclusions: scheme.exclusions.iter().map(|e| e.code().to_owned()).collect(),
            groups,
            whistle: self.whistle_table(from, to).await?,
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
        "excluded",
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
                r.excluded.to_string(),
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
