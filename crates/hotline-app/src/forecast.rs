//! 未诉先办 forecasts with the viewer's rights: each district's weekly calls per first-level
//! category for the next eight weeks, with 80% and 95% intervals, the weeks behind them, and the
//! model's held-out error beside the seasonal-naive baseline's. The model is
//! `hotline_analytics::forecast`; the weeks are counted from the analytics read model, so imported
//! history counts as live orders do. Fitting every series takes a moment and the complete weeks change
//! once a week, so a node keeps one fit per local day (refitted sooner when the read model grows
//! much: a rebuild, an imported history).
//!
//! Who reads what, as for alerts (`App::alert_districts`): the centre's roles every district and the
//! city; a street's or a district's people their district; callback agents nothing.

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use hotline_analytics::forecast::{self, Accuracy, Forecasts, SeriesKey, Settings, Weekly};
use hotline_domain::{Role, UnitClass, UnitId};
use serde::Serialize;

use crate::analytics::analytics_err;
use crate::error::{AppError, AppResult};
use crate::views::UnitRef;
use crate::warning::CategoryRef;
use crate::{App, Principal};

/// Complete weeks shown before the forecasts.
pub const HISTORY_SHOWN: usize = 26;

/// The fit of a local day, and how many rows the read model had then.
#[derive(Default)]
pub(crate) struct ForecastState {
    fitted: Option<(NaiveDate, u64, Arc<Fitted>)>,
}

/// Whether a fit made at `rows` still stands at `now_rows`: the read model has not grown by more
/// than 1% and 100 orders since (a rebuild or an imported history is refitted at once; a day's live
/// calls, which fall in the week not yet complete, are not).
fn still_fits(rows: u64, now_rows: u64) -> bool {
    now_rows <= rows + rows / 100 + 100
}

/// The weeks counted and the forecasts fitted on them.
pub(crate) struct Fitted {
    weekly: Weekly,
    forecasts: Forecasts,
}

/// What to forecast: a district (official name, unit code or id; none: every district the reader
/// may see, and the city) and a first-level category (none: all, each apart and in total).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ForecastQuery {
    pub district: Option<String>,
    pub category: Option<String>,
}

/// One complete week's calls.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct WeekCount {
    /// Its Monday (local).
    #[schema(value_type = String, format = Date)]
    pub week: NaiveDate,
    pub calls: u32,
}

/// One week ahead: the forecast and its prediction intervals (calls in the week).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct WeekForecastView {
    /// Its Monday (local).
    #[schema(value_type = String, format = Date)]
    pub week: NaiveDate,
    pub forecast: f64,
    pub lower80: f64,
    pub upper80: f64,
    pub lower95: f64,
    pub upper95: f64,
}

/// How the method did on the held-out weeks, beside the seasonal-naive baseline (the same ISO week
/// a year before; last week with less than a year of history), on the same forecasts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AccuracyView {
    /// Forecasts scored: held-out weeks × horizons 1–8.
    pub forecasts: usize,
    /// Mean absolute error, calls a week.
    pub model_mae: f64,
    pub naive_mae: f64,
    /// Absolute errors over the calls (0.08 = 8%); null when the weeks had no calls.
    pub model_wape: Option<f64>,
    pub naive_wape: Option<f64>,
}

impl AccuracyView {
    fn of(a: &Accuracy) -> Self {
        Self {
            forecasts: a.points,
            model_mae: round(a.model_mae, 2),
            naive_mae: round(a.naive_mae, 2),
            model_wape: a.model_wape.map(|w| round(w, 4)),
            naive_wape: a.naive_wape.map(|w| round(w, 4)),
        }
    }
}

/// One series: the weeks behind it, the weeks ahead, the held-out accuracy.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ForecastSeries {
    /// Null: the whole city.
    pub district: Option<UnitRef>,
    /// A first-level category; null: all categories.
    pub category: Option<CategoryRef>,
    /// The last complete weeks (up to 26).
    pub history: Vec<WeekCount>,
    /// The next 8 weeks.
    pub forecast: Vec<WeekForecastView>,
    pub accuracy: AccuracyView,
}

/// Forecasts as their readers see them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ForecastReport {
    /// Monday of the first week forecast: the week after the last complete one.
    #[schema(value_type = String, format = Date)]
    pub origin: NaiveDate,
    /// Complete weeks of history the model was fitted on.
    pub history_weeks: usize,
    /// Weeks the accuracy is measured over (rolling origin: each forecast from the data before it).
    pub holdout_weeks: usize,
    /// Whether a year of history gave seasons; otherwise the level alone.
    pub seasonal: bool,
    /// The district × category series together: the held-out accuracy of what districts act on.
    pub overall: AccuracyView,
    pub series: Vec<ForecastSeries>,
}

/// One series' week ahead as the command line prints it (`hotline forecast --json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ForecastRow {
    /// Official name; null for the city.
    pub district: Option<String>,
    /// First-level category code; null for all.
    pub category: Option<String>,
    /// Monday (ISO date).
    pub week: NaiveDate,
    pub forecast: f64,
    pub lower80: f64,
    pub upper80: f64,
    pub lower95: f64,
    pub upper95: f64,
    /// The series' held-out errors: the model's and the seasonal-naive baseline's.
    pub model_mae: f64,
    pub naive_mae: f64,
    pub model_wape: Option<f64>,
    pub naive_wape: Option<f64>,
}

impl ForecastReport {
    /// One row per series and week ahead.
    pub fn rows(&self) -> Vec<ForecastRow> {
        self.series
            .iter()
            .flat_map(|s| {
                s.forecast.iter().map(move |w| ForecastRow {
                    district: s.district.as_ref().map(|d| d.name.clone()),
                    category: s.category.as_ref().map(|c| c.code.clone()),
                    week: w.week,
                    forecast: w.forecast,
                    lower80: w.lower80,
                    upper80: w.upper80,
                    lower95: w.lower95,
                    upper95: w.upper95,
                    model_mae: s.accuracy.model_mae,
                    naive_mae: s.accuracy.naive_mae,
                    model_wape: s.accuracy.model_wape,
                    naive_wape: s.accuracy.naive_wape,
                })
            })
            .collect()
    }
}

fn round(x: f64, digits: i32) -> f64 {
    let k = 10f64.powi(digits);
    (x * k).round() / k
}

impl App {
    fn forecast_slot(&self) -> std::sync::RwLockWriteGuard<'_, ForecastState> {
        self.forecast.write().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The districts whose forecasts `who` may read (`None`: all, and the city's): as for alerts.
    fn forecast_districts(&self, who: &Principal) -> AppResult<Option<Vec<UnitId>>> {
        match who.role {
            Role::Operator | Role::Supervisor | Role::Analyst | Role::Admin => Ok(None),
            Role::CallbackAgent => Err(AppError::forbidden("回访员不能查看预测", "Callback agents cannot read forecasts")),
            Role::Open311Client => Err(AppError::forbidden("接入系统不能查看预测", "Client systems cannot read forecasts")),
            Role::UnitHandler | Role::UnitAdmin => {
                let units = self.units();
                let district = who.unit.and_then(|u| units.ancestor_of_class(u, UnitClass::District)).map(|d| d.id);
                Ok(Some(district.into_iter().collect()))
            }
        }
    }

    /// The weeks counted and fitted at `now`: once per local day on this node, or again when the
    /// read model has grown much since.
    async fn fitted(&self, now: DateTime<Utc>) -> AppResult<Arc<Fitted>> {
        let offset = self.policy_offset_minutes();
        let today = (now + Duration::minutes(i64::from(offset))).date_naive();
        let store = self.analytics_store()?;
        let rows = store.rows();
        if let Some((day, at_rows, f)) = self.forecast.read().unwrap_or_else(std::sync::PoisonError::into_inner).fitted.as_ref()
            && *day == today
            && still_fits(*at_rows, rows)
        {
            return Ok(f.clone());
        }
        let (catalog, _) = self.analytics_catalog().await?;
        let calendar = self.policy().await?.calendar;
        let minute = i64::from(hotline_analytics::codes::time_of(now)) - 1;
        let fitted = tokio::task::spawn_blocking(move || -> hotline_analytics::Result<Fitted> {
            let weekly = forecast::scan::weekly(&store, &catalog, minute, offset, forecast::scan::MAX_WEEKS)?;
            let forecasts = forecast::fit(&weekly, &calendar, &Settings::default());
            Ok(Fitted { weekly, forecasts })
        })
        .await
        .map_err(AppError::internal)?
        .map_err(analytics_err)?;
        let fitted = Arc::new(fitted);
        self.forecast_slot().fitted = Some((today, rows, fitted.clone()));
        Ok(fitted)
    }

    /// The district a query names: its official name, unit code or id.
    fn forecast_district(&self, name: &str) -> AppResult<UnitId> {
        let name = name.trim();
        let units = self.units();
        units
            .all()
            .iter()
            .find(|u| u.class == UnitClass::District && (u.name == name || u.code == name || u.id.0.to_string() == name))
            .map(|u| u.id)
            .ok_or_else(|| {
                crate::orders::invalid("district", "unknown_district", format!("没有这个区：{name}"), format!("No district {name}"))
            })
    }

    fn forecast_category(&self, code: &str) -> AppResult<CategoryRef> {
        let code = code.trim();
        self.categories()
            .iter()
            .find(|c| c.code == code && !code.contains('/'))
            .map(|c| CategoryRef { code: c.code.clone(), name_zh: c.name_zh.clone(), name_en: c.name_en.clone() })
            .ok_or_else(|| {
                crate::orders::invalid(
                    "category",
                    "unknown_category",
                    format!("不是一级分类：{code}"),
                    format!("Not a first-level category: {code}"),
                )
            })
    }

    /// Forecasts `who` may read, at the clock's time.
    pub async fn forecast(&self, who: &Principal, q: &ForecastQuery) -> AppResult<ForecastReport> {
        let allowed = self.forecast_districts(who)?;
        let district = q.district.as_deref().filter(|d| !d.trim().is_empty()).map(|d| self.forecast_district(d)).transpose()?;
        if let (Some(ds), Some(d)) = (&allowed, district)
            && !ds.contains(&d)
        {
            return Err(AppError::forbidden("只能查看本区的预测", "You may read your own district's forecasts only"));
        }
        self.forecast_report(allowed, district, q.category.as_deref(), None).await
    }

    /// Every forecast (the command line's; no viewer), at `at` (default: now), optionally one district
    /// (official name, code or id) and one first-level category.
    pub async fn forecast_all(&self, q: &ForecastQuery, at: Option<DateTime<Utc>>) -> AppResult<ForecastReport> {
        let district = q.district.as_deref().filter(|d| !d.trim().is_empty()).map(|d| self.forecast_district(d)).transpose()?;
        self.forecast_report(None, district, q.category.as_deref(), at).await
    }

    async fn forecast_report(
        &self,
        allowed: Option<Vec<UnitId>>,
        district: Option<UnitId>,
        category: Option<&str>,
        at: Option<DateTime<Utc>>,
    ) -> AppResult<ForecastReport> {
        let category = category.filter(|c| !c.trim().is_empty()).map(|c| self.forecast_category(c)).transpose()?;
        let fitted = self.fitted(at.unwrap_or_else(|| self.clock.now())).await?;
        let f = &fitted.forecasts;
        let units = self.units();
        let names: std::collections::HashMap<String, CategoryRef> = self
            .categories()
            .iter()
            .filter(|c| !c.code.contains('/'))
            .map(|c| (c.code.clone(), CategoryRef { code: c.code.clone(), name_zh: c.name_zh.clone(), name_en: c.name_en.clone() }))
            .collect();
        let keep = |k: &SeriesKey| {
            let seen = match (&allowed, k.district) {
                (None, _) => true,
                (Some(ds), Some(d)) => ds.contains(&UnitId(d)),
                (Some(_), None) => false,
            };
            let place = district.is_none_or(|d| k.district == Some(d.0));
            let what = category.as_ref().is_none_or(|c| k.category.as_deref() == Some(c.code.as_str()));
            seen && place && what
        };
        let weeks = fitted.weekly.weeks;
        let series = f
            .series
            .iter()
            .filter(|s| keep(&s.key))
            .map(|s| {
                let counts = fitted.weekly.series.get(&s.key).map_or(&[][..], Vec::as_slice);
                let from = weeks.saturating_sub(HISTORY_SHOWN);
                ForecastSeries {
                    district: s.key.district.map(|d| UnitRef::of(&units, UnitId(d))),
                    category: s.key.category.as_ref().map(|c| {
                        names.get(c).cloned().unwrap_or_else(|| CategoryRef { code: c.clone(), name_zh: c.clone(), name_en: c.clone() })
                    }),
                    history: (from..weeks)
                        .map(|i| WeekCount { week: fitted.weekly.monday(i), calls: counts.get(i).copied().unwrap_or(0) })
                        .collect(),
                    forecast: s
                        .weeks
                        .iter()
                        .map(|w| WeekForecastView {
                            week: w.week,
                            forecast: round(w.forecast, 1),
                            lower80: round(w.lower80, 1),
                            upper80: round(w.upper80, 1),
                            lower95: round(w.lower95, 1),
                            upper95: round(w.upper95, 1),
                        })
                        .collect(),
                    accuracy: AccuracyView::of(&s.accuracy),
                }
            })
            .collect();
        Ok(ForecastReport {
            origin: f.origin,
            history_weeks: f.history_weeks,
            holdout_weeks: f.settings.holdout_weeks,
            seasonal: f.seasonal,
            overall: AccuracyView::of(&f.overall),
            series,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::still_fits;

    #[test]
    fn a_fit_stands_through_a_days_calls_but_not_a_rebuild_or_an_import() {
        let cases = [
            ("nothing new", 1_000_000, 1_000_000, true),
            ("a day of live calls in a big read model", 180_000_000, 180_070_000, true),
            ("a read model being rebuilt", 2_000_000, 9_000_000, false),
            ("a history imported into a small one", 300, 5_000, false),
            ("a few orders in a new deployment", 30, 60, true),
        ];
        for (name, at_fit, now, stands) in cases {
            assert_eq!(still_fits(at_fit, now), stands, "{name}");
        }
    }
}
