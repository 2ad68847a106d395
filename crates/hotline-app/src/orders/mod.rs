//! Work-order use cases: intake, actions, reads, privacy. One function per use case; each validates
//! its input into domain types, checks who may do it, and makes one store call that is one
//! transaction.

use chrono::DateTime;
use hotline_domain::text::optional;
use hotline_domain::{ActionKind, Evaluation, Resolution, Satisfaction, ValidationError};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};
use crate::views::{EventView, OrderView};

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct RequesterInput {
    #[serde(default)]
    pub name: String,
    pub phone: Option<String>,
    pub language: Option<String>,
    pub age_group: Option<String>,
    #[serde(default)]
    pub confidential: bool,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct LocationInput {
    #[serde(default)]
    pub address: String,
    /// Unit id of the district.
    pub district: Option<i64>,
    /// Unit id of the street/township.
    pub street: Option<i64>,
    pub lng: Option<f64>,
    pub lat: Option<f64>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct AttachmentInput {
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: u64,
    pub url: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct TriageInput {
    pub nature: String,
    pub category: String,
    pub urgency: String,
}

/// What triage suggested when the operator filed the order, so the choice can be compared with it
/// (the training signal of operator overrides). Codes in docs/triage.md's vocabulary.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema, PartialEq)]
pub struct SuggestionInput {
    /// The model version that made the suggestion.
    pub model: String,
    pub nature: Option<String>,
    /// The deepest category code suggested.
    pub category: Option<String>,
    pub urgency: Option<String>,
    pub disposition: Option<String>,
}

/// A new order. Operators usually send the triage and the disposition in the same request, so one
/// call takes a call from receipt to dispatch.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct CreateOrderInput {
    pub channel: Option<String>,
    pub description: String,
    #[serde(default)]
    pub requester: RequesterInput,
    #[serde(default)]
    pub location: LocationInput,
    #[serde(default)]
    pub attachments: Vec<AttachmentInput>,
    pub triage: Option<TriageInput>,
    /// What to do right after triage: `dispatch`, `answer`, `transfer`, `redirect` or `link_duplicate`.
    pub disposition: Option<Command>,
    /// What triage suggested (recorded with the triage event beside what the operator chose).
    #[serde(default)]
    pub suggestion: Option<SuggestionInput>,
    /// An active incident (突发事件) the call belongs to: the order is linked to it and, unless the
    /// disposition answers the caller, triaged under the incident's category when no category is
    /// given and dispatched to the incident's lead unit.
    #[serde(default)]
    pub incident: Option<i64>,
}

/// Declares [`Command`] and its [`Command::kind`] from one list: each variant is named as the
/// [`ActionKind`] it asks for (its serde tag is that kind's code), so neither can drift.
macro_rules! commands {
    ($($(#[$vm:meta])* $variant:ident { $($body:tt)* })+) => {
        /// An action on an order (the `action` field names it).
        #[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
        #[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
        pub enum Command {
            $($(#[$vm])* $variant { $($body)* },)+
        }

        impl Command {
            /// The action this command asks for, known before any of its fields is looked at.
            pub fn kind(&self) -> ActionKind {
                match self {
                    $(Self::$variant { .. } => ActionKind::$variant,)+
                }
            }
        }
    };
}

commands! {
    Triage {
        nature: String,
        category: String,
        urgency: String,
    }
    Answer {
        answer: String,
        /// The slug of the knowledge-base article the answer came from (recorded on the order).
        #[serde(default)]
        article: Option<String>,
    }
    Transfer {
        service: String,
        #[serde(default)]
        note: String,
    }
    Redirect {
        reason: String,
    }
    LinkDuplicate {
        of: String,
    }
    Dispatch {
        main_unit: i64,
        #[serde(default)]
        co_units: Vec<i64>,
        #[serde(default)]
        note: String,
    }
    /// A struct variant (not a unit one) so unknown fields are refused like every other action's.
    Sign {}
    Dispute {
        reason: String,
        proposed_unit: Option<i64>,
    }
    Arbitrate {
        decision: String,
        main_unit: Option<i64>,
        #[serde(default)]
        co_units: Vec<i64>,
        #[serde(default)]
        reason: String,
    }
    Contact {
        #[serde(default)]
        note: String,
    }
    StartWork {
        #[serde(default)]
        note: String,
    }
    RequestExtension {
        reason: String,
        until: DateTime<chrono::Utc>,
    }
    GrantExtension {
        until: DateTime<chrono::Utc>,
        #[serde(default)]
        reason: String,
    }
    RefuseExtension {
        reason: String,
    }
    Reply {
        outcome: String,
        text: String,
    }
    /// Nothing is assumed: each of the three answers must be given.
    Evaluate {
        #[serde(default)]
        contacted: Option<bool>,
        #[serde(default)]
        resolution: String,
        #[serde(default)]
        satisfaction: String,
        #[serde(default)]
        comment: String,
    }
    Close {
        #[serde(default)]
        note: String,
    }
    Reopen {
        reason: String,
    }
    Supervise {
        on: bool,
        /// Instructions to the unit (督办意见).
        #[serde(default)]
        note: String,
        /// `overdue`, `repeated`, `sensitive`, `leadership` or `other`.
        reason: Option<String>,
        /// By when the unit must be on site.
        reach_site_by: Option<DateTime<chrono::Utc>>,
    }
    PauseClock {
        reason: String,
    }
    ResumeClock {
        #[serde(default)]
        note: String,
    }
    CoReport {
        text: String,
    }
    Summon {
        /// Unit ids of the departments summoned.
        units: Vec<i64>,
        report_by: DateTime<chrono::Utc>,
        #[serde(default)]
        note: String,
    }
    ReportIn {
        #[serde(default)]
        note: String,
    }
    ArriveOnSite {
        #[serde(default)]
        note: String,
    }
    Remind {
        #[serde(default)]
        note: String,
    }
    CallbackAttempt {
        #[serde(default)]
        note: String,
    }
    Exclude {
        /// `unreasonable`, `outside_duty`, or none to take the order back into the assessment.
        exclusion: Option<String>,
        reason: String,
    }
}

/// Filters of the order list, as callers give them.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListInput {
    /// Comma-separated state codes.
    pub state: Option<String>,
    pub phone: Option<String>,
    pub overdue: Option<bool>,
    pub supervised: Option<bool>,
    /// Only orders that this unit (id) handles or is copied on.
    pub unit: Option<i64>,
    /// At most this many (default 50; more than 500 is taken as 500).
    #[param(value_type = Option<u64>, maximum = 4294967295_u64)]
    pub limit: Option<u32>,
    #[param(value_type = Option<u64>, maximum = 4294967295_u64)]
    pub offset: Option<u32>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrderList {
    pub orders: Vec<OrderView>,
    pub has_more: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrderDetail {
    pub order: OrderView,
    pub timeline: Vec<EventView>,
    /// Up to 20 other orders of the same case (duplicates), newest first.
    pub case_orders: Vec<String>,
}

/// A citizen's own request through the public page.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct PublicRequestInput {
    pub description: String,
    #[serde(default)]
    pub name: String,
    pub phone: String,
    #[serde(default)]
    pub address: String,
    pub district: Option<i64>,
    pub language: Option<String>,
    pub lng: Option<f64>,
    pub lat: Option<f64>,
}

/// How many other orders of the same case an order's detail lists.
const CASE_ORDERS_SHOWN: u32 = 20;

pub(crate) fn invalid(field: &str, code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> AppError {
    AppError::Validation(ValidationError::new(field, code, zh, en))
}

/// A callback's or an online rating's three answers, each of which must be chosen: a missing answer
/// is refused rather than read as the best one (the three rates rest on them).
pub(crate) fn evaluation_of(contacted: Option<bool>, resolution: &str, satisfaction: &str, comment: &str) -> AppResult<Evaluation> {
    let contacted = contacted.ok_or_else(|| {
        invalid("contacted", "required", "请选择承办单位是否联系过诉求人", "Choose whether the unit contacted the requester")
    })?;
    Ok(Evaluation {
        contacted,
        resolution: Resolution::parse(resolution)?,
        satisfaction: Satisfaction::parse(satisfaction)?,
        comment: optional("comment", Some(comment), 1000)?.unwrap_or_default(),
    })
}

mod actions;
mod intake;
mod reads;
