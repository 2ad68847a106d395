//! Extractors: the authenticated principal (Bearer token or session cookie) and JSON bodies whose
//! rejections are problem documents rather than axum's plain text.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use hotline_app::{App, AppError, Principal};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

pub const SESSION_COOKIE: &str = "hotline_session";

/// The value of cookie `name`, if sent.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The secret a request authenticates with: `Authorization: Bearer …` first, else the session cookie.
pub fn credential(headers: &HeaderMap) -> Option<&str> {
    let bearer = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ")).map(str::trim);
    bearer.or_else(|| cookie(headers, SESSION_COOKIE))
}

/// The caller if valid credentials came with the request; `None` for citizens (public pages and
/// endpoints serve both).
pub async fn optional_principal(app: &App, headers: &HeaderMap) -> Option<Principal> {
    match credential(headers) {
        Some(token) => app.authenticate(token).await.ok(),
        None => None,
    }
}

/// The client's address, for per-client limits: the peer of the connection, or, when the peer
/// is a trusted proxy (`trusted_proxies`), the last address in `X-Forwarded-For` that is not
/// one. `None` where the request did not come over a socket (in-process tests).
pub struct Client(pub Option<IpAddr>);

impl FromRequestParts<Arc<App>> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Self::Rejection> {
        Ok(Self(client_address(parts, &app.config.trusted_proxies)))
    }
}

fn client_address(parts: &Parts, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    // Each proxy appends the address it got the request from: read from the right, skipping our
    // own proxies; what a client wrote further left is not to be believed.
    let forwarded = parts.headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>().join(",");
    let mut chain = forwarded.split(',').map(str::trim).rev().filter(|s| !s.is_empty());
    chain.find_map(|s| s.parse::<IpAddr>().ok().filter(|ip| !trusted.contains(ip))).or(Some(peer))
}

/// The authenticated caller; rejects with 401 problem+json.
pub struct Auth(pub Principal);

impl FromRequestParts<Arc<App>> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Self::Rejection> {
        let token = credential(&parts.headers).ok_or(ApiError::App(AppError::Unauthenticated))?;
        Ok(Self(app.authenticate(token).await?))
    }
}

/// A JSON body; malformed, mistyped or oversized bodies become problem documents.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Self(v)),
            Err(JsonRejection::BytesRejection(_)) => Err(ApiError::TooLarge),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::BadBody {
                zh: "请求须为 JSON（Content-Type: application/json）".into(),
                en: "The body must be JSON (Content-Type: application/json)".into(),
            }),
            Err(e) => Err(ApiError::BadBody {
                zh: format!("请求体格式错误：{}", e.body_text()),
                en: format!("Malformed body: {}", e.body_text()),
            }),
        }
    }
}

/// Path parameters; a segment that does not parse (a version that is not a number) becomes a
/// problem document, not axum's plain text.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Self(v)),
            Err(e) => Err(ApiError::BadPath {
                zh: format!("路径参数格式错误：{}", e.body_text()),
                en: format!("Malformed path: {}", e.body_text()),
            }),
        }
    }
}

/// Query parameters; a malformed query string becomes a problem document, not axum's plain text.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Self(v)),
            Err(e) => Err(ApiError::BadQuery {
                zh: format!("查询参数错误：{}", e.body_text()),
                en: format!("Malformed query: {}", e.body_text()),
            }),
        }
    }
}
