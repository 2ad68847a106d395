//! The use-case error: what every entry point (API, UI, CLI) maps to its own format. Each variant
//! has a stable code and a message in Chinese and English.

use hotline_domain::{ActionKind, DomainError, State, ValidationError};
use hotline_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// No or bad credentials.
    #[error("authentication required")]
    Unauthenticated,
    /// Wrong username or password.
    #[error("bad credentials")]
    BadCredentials,
    /// Authenticated, but not allowed.
    #[error("forbidden: {en}")]
    Forbidden { zh: String, en: String },
    #[error("{what} not found")]
    NotFound { what: &'static str },
    /// The action is not allowed in the order's current state.
    #[error("{action:?} not allowed in state {from:?}")]
    InvalidTransition { from: State, action: ActionKind },
    /// Someone else changed the order first, or a unique value is taken.
    #[error("conflict: {0}")]
    Conflict(String),
    /// An edit of a versioned set (category tree, dispatch catalogue) started from a version that
    /// is no longer the newest.
    #[error("stale version")]
    StaleVersion,
    /// Too many failed attempts (a login, tracking an order with wrong phone numbers) from this
    /// client or for this account: try again after the pause.
    #[error("too many attempts; retry after {retry_after_secs} s")]
    TooManyAttempts { retry_after_secs: u64 },
    /// The server is saturated with work it bounds (password checks): try again shortly.
    #[error("busy; retry after {retry_after_secs} s")]
    Busy { retry_after_secs: u64 },
    /// Unexpected: the cause is kept and logged in full with its chain at the edge, and reported
    /// to users as an opaque failure.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl AppError {
    pub fn forbidden(zh: &str, en: &str) -> Self {
        Self::Forbidden { zh: zh.into(), en: en.into() }
    }

    /// An unexpected failure caused by `e`.
    pub fn internal(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Internal(anyhow::Error::new(e))
    }

    /// An unexpected failure described by `msg` (a broken invariant, not a user's mistake).
    pub fn bug(msg: impl std::fmt::Display + std::fmt::Debug + Send + Sync + 'static) -> Self {
        Self::Internal(anyhow::Error::msg(msg))
    }

    /// The full cause of an internal error, for the log line at the edge (`None` otherwise).
    pub fn cause(&self) -> Option<String> {
        match self {
            Self::Internal(e) => Some(format!("{e:#}")),
            _ => None,
        }
    }

    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Validation(v) => v.code,
            Self::Unauthenticated => "unauthenticated",
            Self::BadCredentials => "bad_credentials",
            Self::Forbidden { .. } => "forbidden",
            Self::NotFound { .. } => "not_found",
            Self::InvalidTransition { .. } => "invalid_transition",
            Self::Conflict(_) => "conflict",
            Self::StaleVersion => "stale_version",
            Self::TooManyAttempts { .. } => "too_many_attempts",
            Self::Busy { .. } => "busy",
            Self::Internal(_) => "internal",
        }
    }

    /// (Chinese, English) messages safe to show to users.
    pub fn messages(&self) -> (String, String) {
        match self {
            Self::Validation(v) => (v.zh.clone(), v.en.clone()),
            Self::Unauthenticated => ("请先登录".into(), "Please log in first".into()),
            Self::BadCredentials => ("用户名或密码错误".into(), "Wrong username or password".into()),
            Self::Forbidden { zh, en } => (zh.clone(), en.clone()),
            Self::NotFound { what } => {
                (format!("未找到{}", what_zh(what)), format!("{}{} not found", what[..1].to_uppercase(), &what[1..]))
            }
            Self::InvalidTransition { from, action } => (
                format!("工单当前状态为「{}」，不能执行「{}」", from.label(true), action.label(true)),
                format!("The order is {}; \"{}\" is not possible now", from.label(false).to_lowercase(), action.label(false)),
            ),
            Self::Conflict(_) => {
                ("工单已被他人更新，请刷新后重试".into(), "The order was changed by someone else; reload and try again".into())
            }
            Self::StaleVersion => (
                "他人已保存了更新的版本，请刷新页面后重做修改".into(),
                "Someone saved a newer version meanwhile; reload and redo your change".into(),
            ),
            Self::TooManyAttempts { retry_after_secs } => (
                format!("尝试次数过多，请{}后再试", wait_zh(*retry_after_secs)),
                format!("Too many attempts; try again in {}", wait_en(*retry_after_secs)),
            ),
            Self::Busy { .. } => ("服务器繁忙，请稍后再试".into(), "The server is busy; try again in a moment".into()),
            Self::Internal(_) => ("服务器内部错误，已记录".into(), "Internal error; it has been logged".into()),
        }
    }

    /// Seconds the client should wait before trying again (`Retry-After`), where there is a pause.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Self::TooManyAttempts { retry_after_secs } | Self::Busy { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        }
    }
}

fn wait_zh(secs: u64) -> String {
    if secs < 60 { format!("{secs}秒") } else { format!("{}分钟", secs.div_ceil(60)) }
}

fn wait_en(secs: u64) -> String {
    match secs {
        1 => "a second".into(),
        s if s < 60 => format!("{s} seconds"),
        s if s <= 60 * 60 && s.div_ceil(60) == 1 => "a minute".into(),
        s => format!("{} minutes", s.div_ceil(60)),
    }
}

fn what_zh(what: &str) -> &'static str {
    match what {
        "order" => "工单",
        "unit" => "单位",
        "user" => "用户",
        "policy" => "时限配置",
        "notification" => "提醒",
        "category" => "分类",
        "dispatch rule" => "派单规则",
        "version" => "版本",
        "alert" => "预警",
        "incident" => "突发事件",
        "problem" => "每月一题",
        _ => "记录",
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::NotFound { what: "record" },
            StoreError::Conflict(m) => Self::Conflict(m),
            StoreError::InvalidReference(m) => Self::Validation(ValidationError::new(
                "reference",
                "invalid_reference",
                format!("引用的记录不存在：{m}"),
                format!("A referenced record does not exist: {m}"),
            )),
            e @ StoreError::Backend(_) => Self::internal(e),
        }
    }
}

impl From<DomainError> for AppError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::Validation(v) => Self::Validation(v),
            DomainError::InvalidTransition { from, action } => Self::InvalidTransition { from, action },
            DomainError::Forbidden { action } => Self::Forbidden {
                zh: format!("您的角色不能执行「{}」", action.label(true)),
                en: format!("Your role may not \"{}\"", action.label(false)),
            },
            DomainError::NotYourUnit { code, .. } => {
                let (zh, en) = DomainError::not_your_unit_messages(code);
                Self::forbidden(zh, en)
            }
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;
