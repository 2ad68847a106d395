//! 每月一题 candidates (problem of the month): the month's chronic problems, ranked over the
//! analytics read model (`hotline_analytics::candidates`), named for people, with the viewer's
//! rights. Centre roles see the city; a street's or a district's people see their district's
//! candidates (with the city's ranks); callback agents see none, as for every analytics figure.
//!
//! A candidate's `key` (`district:<id>|street:<id>|cat:<path>`) names the same problem in every
//! month's ranking, so adopting a theme can store it.

use chrono::{Datelike, Duration, NaiveDate};
use hotline_analytics::candidates::{self, Candidate, Level, Settings};
use hotline_domain::{Role, UnitClass, UnitId};
use serde::Serialize;

use crate::analytics::analytics_err;
use crate::error::{AppError, AppResult};
use crate::views::UnitRef;
use crate::{App, Principal};

/// A unit with the calls it stands for.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitCalls {
    pub unit: UnitRef,
    pub calls: u32,
}

/// One part of a candidate's score, with the figures behind it in Chinese and English.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Evidence {
    /// `persistence`, `excess`, `scale`, `repeat`, `concentration` (a street), `spread` (a
    /// district), `dissatisfied`, `unresolved`, `units`.
    pub code: String,
    /// How far the part goes towards full marks (0–1).
    pub value: f64,
    /// What it adds to the score (0–100).
    pub points: f64,
    pub zh: String,
    pub en: String,
}

/// A candidate problem as the centre reads it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CandidateView {
    /// Stable across months: `district:<id>|street:<id>|cat:<path>` (a street) or
    /// `district:<id>|cat:<path>` (a district).
    pub key: String,
    /// The city-wide rank (1 = first).
    pub rank: usize,
    /// 0–100: the sum of the evidence's points.
    pub score: f64,
    /// `street` or `district`.
    pub level: String,
    pub district: UnitRef,
    pub street: Option<UnitRef>,
    /// Category path (second or third level).
    pub category: String,
    /// The category's names along its path, in Chinese and in English.
    pub category_label: String,
    pub category_label_en: String,
    /// Calls per month, the 13 months of `months`; what the area's calls and the city's mix
    /// predicted; whether each month was well above that.
    pub monthly: Vec<u32>,
    pub expected: Vec<f64>,
    pub excess_months: Vec<bool>,
    /// Calls in the month asked.
    pub volume: u32,
    /// Calls and expected calls over the 12 months ending with the month asked.
    pub volume_12: u32,
    pub expected_12: f64,
    /// Months well above expectation, of the last 12 and of the last 6.
    pub months_persistent: u32,
    pub months_persistent_6: u32,
    /// Calls over the last six months; the shares below are of those.
    pub window_calls: u32,
    pub repeat_share: f64,
    pub repeat_share_city: f64,
    /// Callbacks with a rating over the six months.
    pub rated: u32,
    pub dissatisfied_share: Option<f64>,
    pub dissatisfied_share_city: Option<f64>,
    pub unresolved_share: Option<f64>,
    pub unresolved_share_city: Option<f64>,
    /// Distinct main units over the six months, the effective number, the busiest.
    pub units: u32,
    pub effective_units: f64,
    pub top_units: Vec<UnitCalls>,
    /// A district: how many of its streets the category is chronic in (and which); a street: 1.
    pub streets: u32,
    pub chronic_streets: Vec<UnitRef>,
    /// Distinct communities the calls came from, the one most above its usual share, and by how
    /// much (0–1).
    pub communities: u32,
    pub top_community: Option<UnitCalls>,
    pub community_excess: f64,
    /// The parts of the score, largest first.
    pub evidence: Vec<Evidence>,
}

/// A month's ranking.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CandidateList {
    /// `YYYY-MM`.
    pub month: String,
    /// The 13 months of each candidate's figures (`YYYY-MM`, oldest first; the last is `month`).
    pub months: Vec<String>,
    /// Whether the month is over (a running month is ranked on its calls so far).
    pub complete: bool,
    /// Area × category cells with calls in the 12 months, and those that met the gates.
    pub cells: usize,
    pub qualified: usize,
    /// The gates: calls over 12 months, and months well above expectation.
    pub min_calls: u32,
    pub min_months: u32,
    pub candidates: Vec<CandidateView>,
}

impl App {
    /// Whose candidates `who` may read: `None` for the city; a unit's people their district's.
    fn candidate_districts(&self, who: &Principal) -> AppResult<Option<Vec<i64>>> {
        match who.role {
            Role::Operator | Role::Supervisor | Role::Analyst | Role::Admin => Ok(None),
            Role::CallbackAgent => Err(AppError::forbidden("回访员不能查看统计分析", "Callback agents cannot read analytics")),
            Role::Open311Client => Err(AppError::forbidden("接入系统不能查看统计分析", "Client systems cannot read analytics")),
            Role::UnitHandler | Role::UnitAdmin => {
                let units = self.units();
                let district = who.unit.and_then(|u| units.ancestor_of_class(u, UnitClass::District)).map(|d| d.id.0);
                Ok(Some(district.into_iter().collect()))
            }
        }
    }

    /// The month's 每月一题 candidates that `who` may read (`month`: `YYYY-MM`).
    pub async fn candidates(&self, who: &Principal, month: &str) -> AppResult<CandidateList> {
        let districts = self.candidate_districts(who)?;
        let first = self.candidate_month(month)?;
        self.rank_candidates(first, districts).await
    }

    /// The whole city's candidates (the command line; no viewer).
    pub async fn city_candidates(&self, month: &str) -> AppResult<CandidateList> {
        let first = self.candidate_month(month)?;
        self.rank_candidates(first, None).await
    }

    /// The month asked, as its first day; a month not yet begun is refused.
    fn candidate_month(&self, month: &str) -> AppResult<NaiveDate> {
        let first = crate::assessment::parse_month(month)?;
        let today = (self.clock.now() + Duration::minutes(i64::from(self.policy_offset_minutes()))).date_naive();
        if first > today {
            return Err(crate::orders::invalid("month", "month_in_future", "该月份尚未开始", "That month has not begun"));
        }
        Ok(first)
    }

    async fn rank_candidates(&self, first: NaiveDate, districts: Option<Vec<i64>>) -> AppResult<CandidateList> {
        let (catalog, _) = self.analytics_catalog().await?;
        let store = self.analytics_store()?;
        let offset = self.policy().await?.utc_offset_minutes;
        let ranking = tokio::task::spawn_blocking(move || {
            candidates::rank(&store, &catalog, first, offset, &Settings::default(), districts.as_deref())
        })
        .await
        .map_err(AppError::internal)?
        .map_err(analytics_err)?;
        let today = (self.clock.now() + Duration::minutes(i64::from(offset))).date_naive();
        let next = first.checked_add_months(chrono::Months::new(1)).unwrap_or(first);
        Ok(CandidateList {
            month: ym(first),
            months: ranking.months.iter().map(|d| ym(*d)).collect(),
            complete: today >= next,
            cells: ranking.cells,
            qualified: ranking.qualified,
            min_calls: ranking.settings_min_calls,
            min_months: ranking.settings_min_months,
            candidates: ranking.candidates.iter().map(|c| self.candidate_view(c)).collect(),
        })
    }

    /// The category's names along its path (`物业管理 / 物业服务`), in Chinese and English.
    fn category_path_names(&self, code: &str) -> (String, String) {
        let categories = self.categories();
        let (mut zh, mut en) = (Vec::new(), Vec::new());
        let mut end = 0;
        for seg in code.split('/') {
            end += seg.len() + usize::from(end > 0);
            let prefix = &code[..end];
            match categories.iter().find(|c| c.code == prefix) {
                Some(c) => {
                    zh.push(c.name_zh.clone());
                    en.push(if c.name_en.is_empty() { c.name_zh.clone() } else { c.name_en.clone() });
                }
                None => {
                    zh.push(seg.to_owned());
                    en.push(seg.to_owned());
                }
            }
        }
        (zh.join(" / "), en.join(" / "))
    }

    fn candidate_view(&self, c: &Candidate) -> CandidateView {
        let units = self.units();
        let unit = |id: i64| UnitRef::of(&units, UnitId(id));
        let (label_zh, label_en) = self.category_path_names(&c.category);
        CandidateView {
            key: c.key.clone(),
            rank: c.rank,
            score: c.score,
            level: match c.level {
                Level::Street => "street",
                Level::District => "district",
            }
            .into(),
            district: unit(c.district),
            street: c.street.map(unit),
            category: c.category.clone(),
            category_label: label_zh,
            category_label_en: label_en,
            monthly: c.monthly.clone(),
            expected: c.expected.clone(),
            excess_months: c.excess_months.clone(),
            volume: c.volume,
            volume_12: c.volume_12,
            expected_12: c.expected_12,
            months_persistent: c.months_persistent,
            months_persistent_6: c.months_persistent_6,
            window_calls: c.window_calls,
            repeat_share: c.repeat_share,
            repeat_share_city: c.repeat_share_city,
            rated: c.rated,
            dissatisfied_share: c.dissatisfied_share,
            dissatisfied_share_city: c.dissatisfied_share_city,
            unresolved_share: c.unresolved_share,
            unresolved_share_city: c.unresolved_share_city,
            units: c.units,
            effective_units: c.effective_units,
            top_units: c.top_units.iter().map(|(u, n)| UnitCalls { unit: unit(*u), calls: *n }).collect(),
            streets: c.streets,
            chronic_streets: c.chronic_streets.iter().map(|s| unit(*s)).collect(),
            communities: c.communities,
            top_community: c.top_community.map(|(u, n)| UnitCalls { unit: unit(u), calls: n }),
            community_excess: c.community_excess,
            evidence: c
                .parts
                .iter()
                .map(|p| Evidence { code: p.code.into(), value: p.value, points: p.points, zh: p.zh.clone(), en: p.en.clone() })
                .collect(),
        }
    }
}

fn ym(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}
