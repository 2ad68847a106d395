//! Early-warning alerts over JSON: the alerts the caller may read (centre staff all; a district's or
//! street's people their district's), one alert with the orders behind it, and the centre's
//! supervisors acknowledging, dismissing or reopening one.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use hotline_app::App;
use hotline_app::warning::{AlertAction, AlertDetail, AlertView};
use hotline_domain::AlertStatus;
use serde::Deserialize;

use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};

type ApiResult<T> = Result<T, ApiError>;

pub fn router() -> Router<Arc<App>> {
    Router::new().route("/alerts", get(list_alerts)).route("/alerts/{id}", get(get_alert)).route("/alerts/{id}/actions", post(act_on_alert))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlertQuery {
    /// Only alerts in this status (`open`, `acknowledged`, `dismissed`).
    pub status: Option<String>,
    /// Alerts seen within this many days (default 7, at most 366); ongoing ones come first.
    pub days: Option<i64>,
}

/// Alerts the caller may read: ongoing first, then by when they were last seen, newest first.
#[utoipa::path(get, path = "/api/v1/alerts", tag = "early-warning", params(AlertQuery),
    responses((status = 200, body = Vec<AlertView>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list_alerts(State(app): State<Arc<App>>, Auth(p): Auth, ApiQuery(q): ApiQuery<AlertQuery>) -> ApiResult<Json<Vec<AlertView>>> {
    let status = q.status.as_deref().map(AlertStatus::parse).transpose().map_err(hotline_app::AppError::from)?;
    Ok(Json(app.list_alerts(&p, status, q.days.unwrap_or(7)).await?))
}

/// One alert with the orders of its place and category since it began.
#[utoipa::path(get, path = "/api/v1/alerts/{id}", tag = "early-warning", params(("id" = i64, Path)),
    responses((status = 200, body = AlertDetail), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn get_alert(State(app): State<Arc<App>>, Auth(p): Auth, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<AlertDetail>> {
    Ok(Json(app.alert_detail(&p, id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AlertActionInput {
    /// `acknowledge` (open → acknowledged), `dismiss` (open or acknowledged → dismissed) or
    /// `reopen` (back to open).
    pub action: String,
    /// Why (at most 500 characters).
    pub note: Option<String>,
}

/// Acknowledges, dismisses or reopens an alert: the centre's supervisors. A dismissed surge is
/// not raised again while it goes on.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/actions", tag = "early-warning", params(("id" = i64, Path)), request_body = AlertActionInput,
    responses((status = 200, body = AlertView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn act_on_alert(
    State(app): State<Arc<App>>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<AlertActionInput>,
) -> ApiResult<Json<AlertView>> {
    let action = AlertAction::parse(&input.action)?;
    Ok(Json(app.act_on_alert(&p, id, action, input.note.as_deref()).await?))
}
