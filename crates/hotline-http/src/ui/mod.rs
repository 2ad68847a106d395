//! Server-rendered web UI (maud). Placeholder until the pages land.
use std::sync::Arc;

use axum::Router;
use hotline_app::App;

pub fn router() -> Router<Arc<App>> {
    Router::new()
}

pub fn not_found_page() -> impl axum::response::IntoResponse {
    (axum::http::StatusCode::NOT_FOUND, "not found")
}
