//! The pure domain of the hotline: what a work order is, which states it moves through, who may act
//! on it, and when it is due.
//!
//! What belongs here: types that make invalid data unrepresentable (parse, don't validate), the state
//! machine (`State` + `Action` + [`WorkOrder::check`] and [`WorkOrder::apply`]), the typed events, the permission matrix, deadline arithmetic.
//! What does not: IO of any kind, and the clock. Every function that needs "now" takes it as an
//! argument, so deadline behaviour is deterministic in tests.

pub mod action;
pub mod alert;
pub mod assessment;
pub mod deadline;
pub mod dispatch;
pub mod error;
pub mod event;
pub mod fields;
pub mod handling;
pub mod ids;
pub mod kb;
pub mod notice;
pub mod order;
pub mod role;
pub mod state;
pub mod text;
pub mod transition;
pub mod unit;
pub mod vocab;

pub use action::{Action, ActionKind, ArbitrationDecision};
pub use alert::{AlertKind, AlertStatus, IncidentStatus};
pub use deadline::{DeadlinePolicy, DurationSpec, DurationUnit, StageDeadlines, WorkCalendar};
pub use error::{DomainError, ValidationError};
pub use event::{EventDraft, EventPayload};
pub use handling::{Exclusion, Handling, HandlingRules, SuperviseReason};
pub use ids::{CaseId, OrderId, OrderNumber, UnitId, UserId};
pub use notice::{Notice, NoticeKind};
pub use order::*;
pub use role::{Actor, Role};
pub use state::State;
pub use transition::Transition;
pub use unit::{Unit, UnitClass};

/// Timestamps are UTC instants; calendars convert to local dates with the policy's offset.
pub type Timestamp = chrono::DateTime<chrono::Utc>;
