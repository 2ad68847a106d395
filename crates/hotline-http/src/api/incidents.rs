//! Incidents (emergency mode) over JSON: the incidents the caller may read, declaring one (from an
//! alert or on its own), editing its script and lead unit, closing it, and acting on many of its
//! calls at once — the centre's supervisors. Intake files a call under an incident with
//! `incident` in `POST /api/v1/orders`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use hotline_app::App;
use hotline_app::incidents::{BulkInput, BulkOutcome, IncidentDetail, IncidentEditInput, IncidentInput, IncidentView};
use serde::Deserialize;

use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};

type ApiResult<T> = Result<T, ApiError>;

pub fn router() -> Router<Arc<App>> {
    Router::new()
        .route("/incidents", get(list_incidents).post(declare_incident))
        .route("/incidents/{id}", get(get_incident).put(edit_incident))
        .route("/incidents/{id}/close", post(close_incident))
        .route("/incidents/{id}/bulk", post(bulk_action))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IncidentQuery {
    /// Only active incidents (default false: active first, then closed ones).
    pub active: Option<bool>,
}

/// Incidents the caller may read (the centre all; a unit's people those of its district or led by it).
#[utoipa::path(get, path = "/api/v1/incidents", tag = "early-warning", params(IncidentQuery),
    responses((status = 200, body = Vec<IncidentView>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_incidents(
    State(app): State<Arc<App>>,
    Auth(p): Auth,
    ApiQuery(q): ApiQuery<IncidentQuery>,
) -> ApiResult<Json<Vec<IncidentView>>> {
    Ok(Json(app.list_incidents(&p, q.active.unwrap_or(false)).await?))
}

/// Declares an incident — from an alert (its place, category and start are the defaults; the alert
/// is acknowledged with it, and an alert confirmed twice answers its first incident) or on its own.
#[utoipa::path(post, path = "/api/v1/incidents", tag = "early-warning", request_body = IncidentInput,
    responses((status = 201, body = IncidentView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn declare_incident(
    State(app): State<Arc<App>>,
    Auth(p): Auth,
    ApiJson(input): ApiJson<IncidentInput>,
) -> ApiResult<(StatusCode, Json<IncidentView>)> {
    Ok((StatusCode::CREATED, Json(app.declare_incident(&p, &input).await?)))
}

/// One incident: live counts by district and the worst-hit streets, its calls and the calls of its
/// place and category not linked yet.
#[utoipa::path(get, path = "/api/v1/incidents/{id}", tag = "early-warning", params(("id" = i64, Path)),
    responses((status = 200, body = IncidentDetail), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn get_incident(State(app): State<Arc<App>>, Auth(p): Auth, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<IncidentDetail>> {
    Ok(Json(app.incident_detail(&p, id).await?))
}

/// Changes an active incident's title, script (口径) and lead unit.
#[utoipa::path(put, path = "/api/v1/incidents/{id}", tag = "early-warning", params(("id" = i64, Path)), request_body = IncidentEditInput,
    responses((status = 200, body = IncidentView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn edit_incident(
    State(app): State<Arc<App>>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<IncidentEditInput>,
) -> ApiResult<Json<IncidentView>> {
    Ok(Json(app.edit_incident(&p, id, &input).await?))
}

/// Closes an incident: intake stops offering it.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/close", tag = "early-warning", params(("id" = i64, Path)),
    responses((status = 200, body = IncidentView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)))]
pub async fn close_incident(State(app): State<Arc<App>>, Auth(p): Auth, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<IncidentView>> {
    Ok(Json(app.close_incident(&p, id).await?))
}

/// Links, dispatches (to the lead unit) or answers (with the script) many calls: each call its own
/// checked transition; the answer says what happened to each.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/bulk", tag = "early-warning", params(("id" = i64, Path)), request_body = BulkInput,
    responses((status = 200, body = Vec<BulkOutcome>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn bulk_action(
    State(app): State<Arc<App>>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<BulkInput>,
) -> ApiResult<Json<Vec<BulkOutcome>>> {
    Ok(Json(app.incident_bulk(&p, id, &input).await?))
}
