//! After dispatch: the callback queue (回访), citizens' online rating through a signed link, and
//! the scoring scheme's versions. Actions on orders (pause, co-unit report, summons, report-in,
//! supervision, reminders, callback attempts, exclusions) go through `/orders/{number}/actions`.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use hotline_app::App;
use hotline_app::assessment::SchemeVersion;
use hotline_app::handling::RatingInput;
use hotline_app::orders::OrderList;
use hotline_app::views::PublicOrderView;
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};

type ApiResult<T> = Result<T, ApiError>;

pub fn router() -> Router<Arc<App>> {
    Router::new()
        .route("/callbacks", get(callback_queue))
        .route("/assessment/schemes", get(list_schemes).post(save_scheme))
        .route("/public/rate/{number}", get(rating).post(rate))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// At most this many (default 50, at most 500).
    #[param(value_type = Option<u64>, maximum = 4294967295_u64)]
    pub limit: Option<u32>,
    #[param(value_type = Option<u64>, maximum = 4294967295_u64)]
    pub offset: Option<u32>,
}

/// Orders waiting for a callback: replied, or past their reply due time without a reply; longest
/// waiting first (callback agents and supervisors).
#[utoipa::path(get, path = "/api/v1/callbacks", tag = "callback", params(PageQuery),
    responses((status = 200, body = OrderList), (status = 403, body = Problem)))]
async fn callback_queue(State(app): State<Arc<App>>, Auth(p): Auth, ApiQuery(q): ApiQuery<PageQuery>) -> ApiResult<Json<OrderList>> {
    Ok(Json(app.callback_queue(&p, q.limit, q.offset).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TokenQuery {
    /// The token of the rating link.
    pub t: String,
}

/// What a rating link shows: the order's reply (404 when the link is wrong or already used).
#[utoipa::path(get, path = "/api/v1/public/rate/{number}", tag = "public", security(()), params(("number" = String, Path), TokenQuery),
    responses((status = 200, body = PublicOrderView), (status = 404, body = Problem)))]
async fn rating(
    State(app): State<Arc<App>>,
    ApiPath(number): ApiPath<String>,
    ApiQuery(q): ApiQuery<TokenQuery>,
) -> ApiResult<Json<PublicOrderView>> {
    hotline_app::handling::require_token(&q.t)?;
    Ok(Json(app.rating_page(&number, &q.t).await?))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Rated {
    /// The order's state after the rating: `evaluated`, or `reopened` when the result sends it back.
    pub state: String,
}

/// A citizen rates the handling online instead of waiting for the callback call.
#[utoipa::path(post, path = "/api/v1/public/rate/{number}", tag = "public", security(()), params(("number" = String, Path)), request_body = RatingInput,
    responses((status = 200, body = Rated), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn rate(
    State(app): State<Arc<App>>,
    ApiPath(number): ApiPath<String>,
    ApiJson(input): ApiJson<RatingInput>,
) -> ApiResult<Json<Rated>> {
    hotline_app::handling::require_token(&input.token)?;
    Ok(Json(Rated { state: app.rate_public(&number, &input).await?.code().to_owned() }))
}

/// Every version of the scoring scheme (考评办法), newest first.
#[utoipa::path(get, path = "/api/v1/assessment/schemes", tag = "assessment",
    responses((status = 200, body = Vec<SchemeVersion>), (status = 401, body = Problem)))]
async fn list_schemes(State(app): State<Arc<App>>, Auth(_p): Auth) -> ApiResult<Json<Vec<SchemeVersion>>> {
    Ok(Json(app.scoring_schemes().await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SchemeInput {
    #[serde(flatten)]
    pub scheme: SchemeVersion,
    /// The newest version the editor saw (409 `stale_version` when another was saved since).
    pub base_version: Option<i64>,
}

/// Stores a new version of the scoring scheme, in force from its `from_month` (admins, supervisors).
#[utoipa::path(post, path = "/api/v1/assessment/schemes", tag = "assessment", request_body = SchemeInput,
    responses((status = 200, body = SchemeVersion), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn save_scheme(State(app): State<Arc<App>>, Auth(p): Auth, ApiJson(input): ApiJson<SchemeInput>) -> ApiResult<Json<SchemeVersion>> {
    Ok(Json(app.save_scoring_scheme(&p, &input.scheme, input.base_version).await?))
}
