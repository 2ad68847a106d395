//! The HTTP layer: the JSON API (`/api/v1`), the web UI, health. Thin: handlers extract, call one
//! use case in `hotline-app`, and map the result. No SQL and no business rule lives here.

pub mod api;
pub mod error;
pub mod extract;
pub mod open311;
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
        .merge(open311::router())
        .route("/healthz", get(healthz))
        .fallback(fallback)
        .layer(axum::middleware::from_fn_with_state(app.clone(), nudge_search_after_writes))
        .layer(axum::middleware::from_fn(same_origin_writes))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
        .layer(CatchPanicLayer::custom(|_| ApiError::App(hotline_app::AppError::bug("handler panicked")).into_response()))
        .layer(TraceLayer::new_for_http())
        .with_state(app)
}

/// Refuses state-changing requests that a browser sends from another site (the `Origin` header names
/// a different host than `Host`): defence in depth beside the SameSite=Strict session cookie, and
/// the guard against login CSRF, which SameSite cannot give. Machines send no `Origin` and pass.
async fn same_origin_writes(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    use axum::http::{Method, header};
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if unsafe_method {
        let host = req.headers().get(header::HOST).and_then(|v| v.to_str().ok());
        let origin = req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok());
        if let Some(origin) = origin {
            let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
            if Some(origin_host) != host {
                tracing::warn!(%origin, ?host, path = %req.uri().path(), "cross-site write refused");
                return ApiError::App(hotline_app::AppError::forbidden("拒绝来自其他网站的请求", "Requests from other sites are refused"))
                    .into_response();
            }
        }
    }
    next.run(req).await
}

/// After a write that went through (an order taken, an action, an article saved), the search
/// indexer reads the store's changes at once instead of at its next round.
async fn nudge_search_after_writes(State(app): State<Arc<App>>, req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    use axum::http::Method;
    let write = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let res = next.run(req).await;
    if write && res.status().as_u16() < 400 {
        app.nudge_readers();
    }
    res
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

async fn fallback(State(app): State<Arc<App>>, headers: axum::http::HeaderMap, uri: Uri) -> Response {
    if uri.path().starts_with("/api/") { ApiError::NoRoute.into_response() } else { ui::not_found(&app, &headers).await }
}
