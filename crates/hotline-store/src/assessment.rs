//! What the monthly assessment counts: evaluations, disputes, summons and report-ins of a month.

use async_trait::async_trait;
use hotline_domain::{OrderId, Timestamp, UnitId};

use crate::{Event, Result};

/// What the monthly assessment counts: evaluations, disputes, summons and report-ins of a month.
#[async_trait]
pub trait AssessmentStore: Send + Sync {
    /// Per main unit, what the evaluations recorded in `[from, to)` said.
    async fn assessment_counts(&self, from: Timestamp, to: Timestamp) -> Result<Vec<hotline_domain::assessment::UnitCounts>>;
    /// Per unit, how many dispatches it disputed (退单) in `[from, to)`.
    async fn dispute_counts(&self, from: Timestamp, to: Timestamp) -> Result<Vec<(UnitId, u64)>>;
    /// Events of one kind recorded in `[from, to)`, oldest first, with their order (summons and
    /// report-ins for the month's whistle table).
    async fn events_of_kind(&self, kind: hotline_domain::ActionKind, from: Timestamp, to: Timestamp) -> Result<Vec<(OrderId, Event)>>;
}
