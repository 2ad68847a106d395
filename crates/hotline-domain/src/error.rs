//! Domain errors. Each carries a stable machine-readable `code` and a message in Chinese and English,
//! because they travel unchanged to the API and the web UI.

use crate::state::{ActionKind, State};

/// One rejected input field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {en}")]
pub struct ValidationError {
    /// The input field, as named in the API (`requester.phone`).
    pub field: String,
    /// Stable machine-readable code (`invalid_phone`).
    pub code: &'static str,
    pub zh: String,
    pub en: String,
}

impl ValidationError {
    pub fn new(field: impl Into<String>, code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self { field: field.into(), code, zh: zh.into(), en: en.into() }
    }

    /// The same error reported for a field nested under `prefix` (`location` + `lng` → `location.lng`).
    #[must_use]
    pub fn under(mut self, prefix: &str) -> Self {
        self.field = format!("{prefix}.{}", self.field);
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// The action is not allowed in the order's current state.
    #[error("action {action:?} is not allowed in state {from:?}")]
    InvalidTransition { from: State, action: ActionKind },
    /// The actor's role may never perform this action.
    #[error("role may not perform {action:?}")]
    Forbidden { action: ActionKind },
}
