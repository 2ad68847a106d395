//! The HTTP layer: the JSON API (`/api/v1`), the web UI, health. Thin: handlers extract, call one
//! use case in `hotline-app`, and map the result. No SQL and no business rule lives here.

pub mod api;
pub mod error;
pub mod extract;
pub mod ui;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use hotline_app::App;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::error::ApiError;

/// Largest accepted request body. Orders are text plus attachment metadata; 64 KiB is generous.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .nest(
            "/api/v1",
            api::router().method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed }).fallback(|| async { ApiError::NoRoute }),
        )
        .merge(ui::router())
        .route("/healthz", get(healthz))
        .fallback(fallback)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
        .layer(CatchPanicLayer::custom(|_| ApiError::App(hotline_app::AppError::Internal("handler panicked".into())).into_response()))
        .layer(TraceLayer::new_for_http())
        .with_state(app)
}

async fn healthz(State(app): State<Arc<App>>) -> Response {
    match app.store.ping().await {
        Ok(()) => Json(serde_json::json!({ "status": "ok", "store": app.store.backend() })).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({ "status": "unavailable" }))).into_response()
        }
    }
}

async fn fallback(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") { ApiError::NoRoute.into_response() } else { ui::not_found_page().into_response() }
}
