//! Domain errors. Each carries a stable machine-readable `code` and a message in Chinese and English,
//! because they travel unchanged to the API and the web UI.

use crate::action::ActionKind;
use crate::state::State;

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
    /// The action is not the actor's unit's part of this order (首接负责: `not_main_unit`; a
    /// co-unit's report: `not_a_co_unit`; a report-in without a summons: `not_summoned`).
    #[error("{code}: {action:?} is not for this unit")]
    NotYourUnit { action: ActionKind, code: &'static str },
}

impl DomainError {
    pub(crate) fn not_your_unit(action: ActionKind, code: &'static str) -> Self {
        Self::NotYourUnit { action, code }
    }

    /// (Chinese, English) messages of a [`DomainError::NotYourUnit`] refusal.
    pub fn not_your_unit_messages(code: &str) -> (&'static str, &'static str) {
        match code {
            "not_a_co_unit" => ("只有协办单位可以提交协办反馈", "Only a co-unit reports to the main unit"),
            "not_summoned" => ("本单位没有待报到的召集", "Your unit has no summons to report to"),
            _ => ("只有主办单位可以办理此工单", "Only the main unit may act on this order"),
        }
    }
}
