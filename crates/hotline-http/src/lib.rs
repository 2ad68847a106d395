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
        .layer(axum::middleware::from_fn_with_state(app.clone(), same_origin_writes))
        .layer(axum::middleware::from_fn(security_headers))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
        .layer(CatchPanicLayer::custom(|_| ApiError::App(hotline_app::AppError::bug("handler panicked")).into_response()))
        .layer(TraceLayer::new_for_http())
        .with_state(app)
}

/// Refuses state-changing requests that a browser sends from another site (the `Origin` header names
/// a different host than `Host`): defence in depth beside the SameSite=Strict session cookie, and
/// the guard against login CSRF, which SameSite cannot give. Machines send no `Origin` and pass.
async fn same_origin_writes(State(app): State<Arc<App>>, req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    use axum::http::{Method, header};
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if unsafe_method && let Some(origin) = req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = req.headers().get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
        if !same_origin(origin, host, request_scheme(&app, req.headers(), req.extensions()), &app.config.public_url) {
            tracing::warn!(%origin, %host, path = %req.uri().path(), "cross-site write refused");
            return ApiError::App(hotline_app::AppError::forbidden("拒绝来自其他网站的请求", "Requests from other sites are refused"))
                .into_response();
        }
    }
    next.run(req).await
}

/// The scheme the client used: `https` when a trusted proxy says so (`X-Forwarded-Proto`) or the
/// deployment serves HTTPS (`secure_cookies`), else `http`.
/// Shared by the same-origin check and Open311's absolute links.
pub(crate) fn request_scheme(app: &App, headers: &axum::http::HeaderMap, extensions: &axum::http::Extensions) -> &'static str {
    let peer = extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip());
    let proxied_https = peer.is_some_and(|p| app.config.trusted_proxies.contains(&p))
        && headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|v| v.trim().eq_ignore_ascii_case("https"));
    if proxied_https || app.config.secure_cookies { "https" } else { "http" }
}

/// Whether a browser's `Origin` is this site: the scheme and host the request came to, or the
/// configured public address. A page on `http://host` posting to `https://host` is another
/// origin, as browsers define it.
fn same_origin(origin: &str, host: &str, scheme: &str, public_url: &str) -> bool {
    let origin = origin.trim().trim_end_matches('/').to_ascii_lowercase();
    let ours = format!("{scheme}://{}", host.to_ascii_lowercase());
    let public = public_url.trim().trim_end_matches('/').to_ascii_lowercase();
    origin == ours || (!public.is_empty() && public.starts_with(&origin) && public[origin.len()..].split('/').next() == Some(""))
}

/// Headers every response carries: no framing (clickjacking), no content sniffing, no referrer
/// leaving the site (rating links carry a token), and a Content-Security-Policy that allows only
/// this site's own script and styles (the pages have no inline script), images from the site or
/// inline data, and forms posting back to the site.
async fn security_headers(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    use axum::http::HeaderValue;
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, name: &'static str, value: &'static str| {
        if !h.contains_key(name) {
            h.insert(name, HeaderValue::from_static(value));
        }
    };
    set(h, "x-content-type-options", "nosniff");
    set(h, "referrer-policy", "same-origin");
    set(h, "x-frame-options", "DENY");
    set(
        h,
        "content-security-policy",
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    );
    res
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

#[cfg(test)]
mod origin_tests {
    use super::same_origin;

    #[test]
    fn an_origin_is_ours_only_with_our_scheme_and_host_or_the_public_address() {
        // (origin, host, scheme the request came by, public_url, ours?)
        let cases = [
            ("http://127.0.0.1:8080", "127.0.0.1:8080", "http", "", true),
            ("HTTP://127.0.0.1:8080/", "127.0.0.1:8080", "http", "", true),
            ("https://127.0.0.1:8080", "127.0.0.1:8080", "http", "", false),
            ("http://127.0.0.1:8080", "127.0.0.1:8080", "https", "", false),
            ("ftp://127.0.0.1:8080", "127.0.0.1:8080", "http", "", false),
            ("127.0.0.1:8080", "127.0.0.1:8080", "http", "", false),
            ("http://evil.example", "127.0.0.1:8080", "http", "", false),
            ("http://127.0.0.1:8080.evil.example", "127.0.0.1:8080", "http", "", false),
            ("https://12345.example.gov.cn", "10.0.0.5:8080", "http", "https://12345.example.gov.cn/", true),
            ("https://12345.example.gov.cn", "10.0.0.5:8080", "http", "https://12345.example.gov.cn/hotline", true),
            ("https://12345.example.gov", "10.0.0.5:8080", "http", "https://12345.example.gov.cn", false),
            ("null", "127.0.0.1:8080", "http", "", false),
        ];
        for (origin, host, scheme, public, ours) in cases {
            assert_eq!(same_origin(origin, host, scheme, public), ours, "{origin} to {scheme}://{host} (public {public:?})");
        }
    }
}
