//! Analytics over JSON: one query model (`POST /api/v1/analytics/query`), questions in words
//! (`GET /api/v1/analytics/ask`) and the month's 每月一题 candidates
//! (`GET /api/v1/analytics/candidates`). Centre roles read everything; a unit admin its subtree, a
//! unit its own orders, with cells under 10 orders suppressed (candidates: a unit's district).

use std::sync::Arc;

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, FixedOffset};
use hotline_analytics::Query;
use hotline_app::App;
use hotline_app::analytics::AskResult;
use hotline_app::candidates::CandidateList;
use hotline_app::forecast::{ForecastQuery, ForecastReport};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiQuery, Auth};

type ApiResult<T> = Result<T, ApiError>;

pub fn router() -> Router<Arc<App>> {
    Router::new()
        .route("/analytics/query", post(query))
        .route("/analytics/ask", get(ask))
        .route("/analytics/forecast", get(forecast))
        .route("/analytics/candidates", get(candidates))
}

/// A query's answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct QueryResult {
    /// The query as understood (every key present).
    pub query: Query,
    /// One object per group: each `group_by` dimension's value by its name (`"district": "朝阳区"`;
    /// null for orders without one), `value` (a count, a rate 0–1 or hours; null when it cannot be
    /// computed or is suppressed), `orders` in the group, and with a comparison `previous`,
    /// `change` and `change_ratio`; `suppressed: true` when the group has too few orders to show.
    /// Ordered by `value`, descending, or in time order when grouped by time.
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<serde_json::Value>,
    /// The local dates the figures cover (open ends closed by the data held).
    #[schema(value_type = Option<String>, format = Date)]
    pub from: Option<chrono::NaiveDate>,
    #[schema(value_type = Option<String>, format = Date)]
    pub to: Option<chrono::NaiveDate>,
}

/// Answers a query: a measure, grouped by zero or more dimensions, over filtered orders, optionally
/// against the previous period or the same period last year.
#[utoipa::path(post, path = "/api/v1/analytics/query", tag = "analytics", request_body = Query,
    responses((status = 200, body = QueryResult), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn query(State(app): State<Arc<App>>, Auth(p): Auth, ApiJson(q): ApiJson<Query>) -> ApiResult<Json<QueryResult>> {
    let a = app.analytics_query(&p, &q).await?;
    let rows = a.rows.iter().map(|r| r.to_json(&a.query)).collect();
    Ok(Json(QueryResult { query: a.query, rows, from: a.from, to: a.to }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AskInput {
    /// The question, in Chinese or English (上个月哪个区来电最多; which district had the most calls last month).
    pub q: String,
    /// When the question is asked (RFC 3339): relative dates (上个月, last week) resolve against
    /// its local date. Default: now.
    #[param(value_type = Option<String>)]
    pub now: Option<DateTime<FixedOffset>>,
}

/// Reads a question as a query (offline, deterministic), answers it, and lists the words not used.
#[utoipa::path(get, path = "/api/v1/analytics/ask", tag = "analytics", params(AskInput),
    responses((status = 200, body = AskResult), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn ask(State(app): State<Arc<App>>, Auth(p): Auth, ApiQuery(input): ApiQuery<AskInput>) -> ApiResult<Json<AskResult>> {
    Ok(Json(app.ask(&p, &input.q, input.now).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CandidatesInput {
    /// The month ranked, `YYYY-MM` (a month not yet begun is refused).
    pub month: String,
}

/// 每月一题 candidates: the month's chronic problems (a category in a street, or in a district for a
/// problem spread over its streets), ranked by persistent excess over what the area's calls and the
/// city's mix predict, repeat callers, concentration on one community, dissatisfaction, unresolved
/// share and units involved, each with its evidence. Centre roles see the city; a unit's people
/// their district's candidates, with the city's ranks.
#[utoipa::path(get, path = "/api/v1/analytics/candidates", tag = "analytics", params(CandidatesInput),
    responses((status = 200, body = CandidateList), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn candidates(
    State(app): State<Arc<App>>,
    Auth(p): Auth,
    ApiQuery(input): ApiQuery<CandidatesInput>,
) -> ApiResult<Json<CandidateList>> {
    Ok(Json(app.candidates(&p, &input.month).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ForecastInput {
    /// One district: its official name (朝阳区), unit code or id. Default: every district the caller
    /// may read, and the city.
    pub district: Option<String>,
    /// One first-level category code (`UTL`). Default: each first-level category and all together.
    pub category: Option<String>,
}

/// 未诉先办 forecasts: each series' calls per local week (Monday–Sunday) for the next 8 weeks with
/// 80% and 95% prediction intervals, its last 26 complete weeks, and the held-out error of the
/// model beside the seasonal-naive baseline's (rolling origin over the last 52 weeks, each forecast
/// 1–8 weeks ahead). Centre roles read every district and the city; a street's or district's people
/// their district (another district is 403); callback agents none.
#[utoipa::path(get, path = "/api/v1/analytics/forecast", tag = "analytics", params(ForecastInput),
    responses((status = 200, body = ForecastReport), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn forecast(
    State(app): State<Arc<App>>,
    Auth(p): Auth,
    ApiQuery(input): ApiQuery<ForecastInput>,
) -> ApiResult<Json<ForecastReport>> {
    Ok(Json(app.forecast(&p, &ForecastQuery { district: input.district, category: input.category }).await?))
}
