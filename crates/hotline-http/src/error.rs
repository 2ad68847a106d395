//! The API's error type: RFC 9457 `application/problem+json` with a stable `code` and messages in
//! Chinese and English. Internal failures are logged in full and reported opaquely.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use hotline_app::AppError;
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// Always `about:blank`: the `code` is the machine-readable part.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: &'static str,
    pub status: u16,
    /// Stable machine-readable error code, e.g. `invalid_phone`, `invalid_transition`.
    pub code: String,
    /// Human message in English.
    pub detail: String,
    /// Human message in Chinese.
    pub detail_zh: String,
    /// The input field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// Every failure an API handler can return.
#[derive(Debug)]
pub enum ApiError {
    App(AppError),
    /// A body that is not the JSON the endpoint expects.
    BadBody {
        zh: String,
        en: String,
    },
    /// A query string that does not parse (`limit=abc`).
    BadQuery {
        zh: String,
        en: String,
    },
    /// A path segment that does not parse (`/api/v1/alerts/abc`).
    BadPath {
        zh: String,
        en: String,
    },
    /// The body exceeds the limit.
    TooLarge,
    /// No such route.
    NoRoute,
    /// The route exists but not with this method.
    MethodNotAllowed,
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        Self::App(e)
    }
}

/// The one status map of a use-case failure, for the API and the pages alike.
pub fn status_for(e: &AppError) -> StatusCode {
    match e {
        AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Unauthenticated | AppError::BadCredentials => StatusCode::UNAUTHORIZED,
        AppError::Forbidden { .. } => StatusCode::FORBIDDEN,
        AppError::NotFound { .. } => StatusCode::NOT_FOUND,
        AppError::InvalidTransition { .. } | AppError::Conflict(_) | AppError::StaleVersion => StatusCode::CONFLICT,
        AppError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl ApiError {
    /// The exhaustive status map.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::App(e) => status_for(e),
            Self::BadBody { .. } | Self::BadQuery { .. } | Self::BadPath { .. } => StatusCode::BAD_REQUEST,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::NoRoute => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        }
    }

    pub fn problem(&self) -> Problem {
        let status = self.status();
        let (code, zh, en, field) = match self {
            Self::App(e) => {
                let (zh, en) = e.messages();
                let field = match e {
                    AppError::Validation(v) => Some(v.field.clone()),
                    _ => None,
                };
                (e.code().to_owned(), zh, en, field)
            }
            Self::BadBody { zh, en } => ("malformed_body".into(), zh.clone(), en.clone(), None),
            Self::BadQuery { zh, en } => ("malformed_query".into(), zh.clone(), en.clone(), None),
            Self::BadPath { zh, en } => ("malformed_path".into(), zh.clone(), en.clone(), None),
            Self::TooLarge => ("payload_too_large".into(), "请求体过大".into(), "The request body is too large".into(), None),
            Self::NoRoute => ("no_such_route".into(), "接口不存在".into(), "No such endpoint".into(), None),
            Self::MethodNotAllowed => {
                ("method_not_allowed".into(), "该接口不支持此请求方法".into(), "This endpoint does not support this method".into(), None)
            }
        };
        Problem {
            kind: "about:blank",
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            code,
            detail: en,
            detail_zh: zh,
            field,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::App(e) = &self
            && let Some(cause) = e.cause()
        {
            tracing::error!(%cause, "internal error");
        }
        let status = self.status();
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        let mut res = (status, [(header::CONTENT_TYPE, "application/problem+json")], body).into_response();
        if let Self::App(e) = &self
            && let Some(secs) = e.retry_after_secs()
        {
            res.headers_mut().insert(header::RETRY_AFTER, secs.into());
        }
        res
    }
}
