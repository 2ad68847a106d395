//! 每月一题 adopted, over JSON: the adopted problems, adopting a candidate of a month's ranking
//! (`GET /api/v1/analytics/candidates`), one problem with its months and before/after spans, and
//! closing it.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use hotline_app::App;
use hotline_app::problems::{AdoptInput, ProblemDetail, ProblemView};

use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiPath, Auth};

type ApiResult<T> = Result<T, ApiError>;

pub fn router() -> Router<Arc<App>> {
    Router::new()
        .route("/problems", get(list_problems).post(adopt_problem))
        .route("/problems/{id}", get(get_problem))
        .route("/problems/{id}/close", post(close_problem))
}

/// Adopted problems of the month, open first (the centre's staff).
#[utoipa::path(get, path = "/api/v1/problems", tag = "early-warning",
    responses((status = 200, body = Vec<ProblemView>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_problems(State(app): State<Arc<App>>, Auth(p): Auth) -> ApiResult<Json<Vec<ProblemView>>> {
    Ok(Json(app.list_problems(&p).await?))
}

/// Adopts a candidate of a month's ranking as a problem of the month (supervisors); a theme is
/// adopted once while open (422 `already_adopted`).
#[utoipa::path(post, path = "/api/v1/problems", tag = "early-warning", request_body = AdoptInput,
    responses((status = 201, body = ProblemView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn adopt_problem(
    State(app): State<Arc<App>>,
    Auth(p): Auth,
    ApiJson(input): ApiJson<AdoptInput>,
) -> ApiResult<(StatusCode, Json<ProblemView>)> {
    Ok((StatusCode::CREATED, Json(app.adopt_problem(&p, &input).await?)))
}

/// One adopted problem: monthly calls, resolution and satisfaction, and 30/90/180 days before
/// adoption against the same spans after.
#[utoipa::path(get, path = "/api/v1/problems/{id}", tag = "early-warning", params(("id" = i64, Path)),
    responses((status = 200, body = ProblemDetail), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_problem(State(app): State<Arc<App>>, Auth(p): Auth, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<ProblemDetail>> {
    Ok(Json(app.problem_detail(&p, id).await?))
}

/// Ends the tracking of an adopted problem (supervisors).
#[utoipa::path(post, path = "/api/v1/problems/{id}/close", tag = "early-warning", params(("id" = i64, Path)),
    responses((status = 200, body = ProblemView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)))]
pub async fn close_problem(State(app): State<Arc<App>>, Auth(p): Auth, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<ProblemView>> {
    Ok(Json(app.close_problem(&p, id).await?))
}
