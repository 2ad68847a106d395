//! 每月一题 adopted (the problem of the month): the centre's supervisors adopt a theme from a month's
//! candidates; its page tracks monthly volume, resolution and satisfaction, and the 30, 90 and 180
//! days before adoption against the same spans after, from the analytics read model.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use hotline_analytics::{Dimension, Filters, Measure, Query};
use hotline_domain::Role;
use hotline_domain::text::{bounded, optional};
use hotline_store::{NewProblem, Problem, StoreError};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};
use crate::orders::invalid;
use crate::views::UnitRef;
use crate::warning::CategoryRef;
use crate::{App, Principal};

/// The spans compared before and after adoption.
pub const WINDOWS: [i64; 3] = [30, 90, 180];

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdoptInput {
    /// The candidate's key, as the month's ranking gives it.
    pub key: String,
    /// The month of that ranking (YYYY-MM).
    pub month: String,
    /// Default: the area and the category's name.
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProblemView {
    pub id: i64,
    pub key: String,
    pub month: String,
    pub title: String,
    pub district: Option<UnitRef>,
    pub street: Option<UnitRef>,
    pub category: CategoryRef,
    pub adopted_at: DateTime<Utc>,
    pub note: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Whether the viewer may close it.
    pub can_manage: bool,
}

/// Calls and rates over a span (rates are shares 0–1 of the calls rated on callback; none when
/// no call was rated).
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Figures {
    pub calls: u64,
    /// Calls per 30 days (spans of different lengths compare).
    pub calls_per_30_days: f64,
    pub resolution_rate: Option<f64>,
    pub satisfaction_rate: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Window {
    pub days: i64,
    pub before: Figures,
    pub after: Figures,
    /// Days of the after span that have passed (fewer than `days` while it runs).
    pub after_days: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MonthFigures {
    /// YYYY-MM.
    pub month: String,
    pub calls: u64,
    pub resolution_rate: Option<f64>,
    pub satisfaction_rate: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProblemDetail {
    pub problem: ProblemView,
    /// From 12 months before adoption to now.
    pub monthly: Vec<MonthFigures>,
    pub windows: Vec<Window>,
}

fn not_found(e: StoreError) -> AppError {
    match e {
        StoreError::NotFound => AppError::NotFound { what: "problem" },
        other => other.into(),
    }
}

impl App {
    pub fn problems(&self) -> &dyn hotline_store::ProblemStore {
        &*self.store
    }

    fn problem_readers(who: &Principal) -> AppResult<()> {
        match who.role {
            Role::Supervisor | Role::Analyst | Role::Admin | Role::Operator => Ok(()),
            _ => Err(AppError::forbidden("只有热线中心人员可以查看每月一题", "Only the centre's staff read the problems of the month")),
        }
    }

    fn problem_view(&self, p: &Problem, who: &Principal) -> ProblemView {
        let units = self.units();
        let (zh, en) = self.category_name(&p.new.category);
        ProblemView {
            id: p.id,
            key: p.new.candidate_key.clone(),
            month: p.new.month.clone(),
            title: p.new.title.clone(),
            district: p.new.district.map(|d| UnitRef::of(&units, d)),
            street: p.new.street.map(|s| UnitRef::of(&units, s)),
            category: CategoryRef { code: p.new.category.clone(), name_zh: zh, name_en: en },
            adopted_at: p.new.adopted_at,
            note: p.new.note.clone(),
            closed_at: p.closed_at,
            can_manage: who.role == Role::Supervisor && p.closed_at.is_none(),
        }
    }

    /// Adopts a theme of a month's ranking (supervisors): the key must be one of that month's
    /// candidates, so what is adopted is what the ranking showed.
    pub async fn adopt_problem(&self, who: &Principal, input: &AdoptInput) -> AppResult<ProblemView> {
        if who.role != Role::Supervisor {
            return Err(AppError::forbidden("只有督办人员可以确定每月一题", "Only the centre's supervisors adopt a problem of the month"));
        }
        let list = self.candidates(who, &input.month).await?;
        let Some(c) = list.candidates.iter().find(|c| c.key == input.key.trim()) else {
            return Err(invalid("key", "unknown_candidate", "该月排名中没有这一候选", "That month's ranking has no such candidate"));
        };
        let area = c.street.as_ref().map_or_else(|| c.district.name.clone(), |s| s.name.clone());
        let title = match input.title.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) => bounded("title", t, 2, 100)?,
            None => format!("{area}{}", c.category_label),
        };
        let new = NewProblem {
            candidate_key: c.key.clone(),
            month: list.month.clone(),
            title,
            district: Some(hotline_domain::UnitId(c.district.id)),
            street: c.street.as_ref().map(|s| hotline_domain::UnitId(s.id)),
            category: c.category.clone(),
            adopted_by: who.user_id,
            adopted_at: self.clock.now(),
            note: optional("note", input.note.as_deref(), 500)?,
        };
        let adopted = self.problems().adopt_problem(&new).await.map_err(|e| match e {
            StoreError::Conflict(_) => {
                invalid("key", "already_adopted", "该问题已确定为每月一题，尚未结束", "This problem is adopted and not yet closed")
            }
            other => other.into(),
        })?;
        Ok(self.problem_view(&adopted, who))
    }

    pub async fn list_problems(&self, who: &Principal) -> AppResult<Vec<ProblemView>> {
        Self::problem_readers(who)?;
        Ok(self.problems().list_problems(200).await?.iter().map(|p| self.problem_view(p, who)).collect())
    }

    pub async fn close_problem(&self, who: &Principal, id: i64) -> AppResult<ProblemView> {
        if who.role != Role::Supervisor {
            return Err(AppError::forbidden("只有督办人员可以结束每月一题", "Only the centre's supervisors close a problem of the month"));
        }
        let closed = self.problems().close_problem(id, who.user_id, self.clock.now()).await.map_err(not_found)?;
        Ok(self.problem_view(&closed, who))
    }

    /// The query filters of a problem: its category, in its street (or district).
    fn problem_filters(&self, p: &Problem, from: NaiveDate, to: NaiveDate) -> Filters {
        let units = self.units();
        let name = |u: Option<hotline_domain::UnitId>| u.and_then(|u| units.get(u)).map(|u| u.name.clone());
        Filters {
            from: Some(from),
            to: Some(to),
            category: vec![p.new.category.clone()],
            district: if p.new.street.is_none() { name(p.new.district).into_iter().collect() } else { Vec::new() },
            street: name(p.new.street).into_iter().collect(),
            ..Filters::default()
        }
    }

    async fn figures(&self, who: &Principal, p: &Problem, from: NaiveDate, to: NaiveDate) -> AppResult<Figures> {
        if to <= from {
            return Ok(Figures::default());
        }
        let ask = |measure| Query { measure, filters: self.problem_filters(p, from, to), ..Query::default() };
        let value = |a: hotline_analytics::Answer| a.rows.first().and_then(|r| r.value);
        let calls = value(self.analytics_query(who, &ask(Measure::Count)).await?).unwrap_or(0.0).round() as u64;
        let days = (to - from).num_days().max(1) as f64;
        Ok(Figures {
            calls,
            calls_per_30_days: (calls as f64 * 30.0 / days * 10.0).round() / 10.0,
            resolution_rate: value(self.analytics_query(who, &ask(Measure::ResolutionRate)).await?),
            satisfaction_rate: value(self.analytics_query(who, &ask(Measure::SatisfactionRate)).await?),
        })
    }

    /// An adopted problem with its months and its before/after spans.
    pub async fn problem_detail(&self, who: &Principal, id: i64) -> AppResult<ProblemDetail> {
        Self::problem_readers(who)?;
        let p = self.problems().get_problem(id).await.map_err(not_found)?;
        let offset = Duration::minutes(i64::from(self.policy_offset_minutes()));
        let adopted = (p.new.adopted_at + offset).date_naive();
        let tomorrow = (self.clock.now() + offset).date_naive() + Duration::days(1);
        let first = crate::assessment::parse_month(&adopted.format("%Y-%m").to_string())?;
        let from = first.checked_sub_months(chrono::Months::new(12)).unwrap_or(first);
        let mut monthly: Vec<MonthFigures> = Vec::new();
        for measure in [Measure::Count, Measure::ResolutionRate, Measure::SatisfactionRate] {
            let q =
                Query { measure, group_by: vec![Dimension::Month], filters: self.problem_filters(&p, from, tomorrow), ..Query::default() };
            for row in self.analytics_query(who, &q).await?.rows {
                let Some(Some(month)) = row.keys.first().cloned() else { continue };
                let at = match monthly.iter().position(|m| m.month == month) {
                    Some(i) => i,
                    None => {
                        monthly.push(MonthFigures { month, calls: 0, resolution_rate: None, satisfaction_rate: None });
                        monthly.len() - 1
                    }
                };
                match measure {
                    Measure::Count => monthly[at].calls = row.value.unwrap_or(0.0).round() as u64,
                    Measure::ResolutionRate => monthly[at].resolution_rate = row.value,
                    _ => monthly[at].satisfaction_rate = row.value,
                }
            }
        }
        monthly.sort_by(|a, b| a.month.cmp(&b.month));
        let mut windows = Vec::new();
        for days in WINDOWS {
            let span = Duration::days(days);
            let after_end = (adopted + span).min(tomorrow);
            windows.push(Window {
                days,
                before: self.figures(who, &p, adopted - span, adopted).await?,
                after: self.figures(who, &p, adopted, after_end).await?,
                after_days: (after_end - adopted).num_days().max(0),
            });
        }
        Ok(ProblemDetail { problem: self.problem_view(&p, who), monthly, windows })
    }
}
