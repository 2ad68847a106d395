//! Early-warning alerts (预警): what detection passes over the call volumes saw, one alert per
//! ongoing series, and where each alert stands with the people watching it.

use async_trait::async_trait;
use hotline_domain::{AlertKind, AlertStatus, Timestamp, UnitId, UserId};

use crate::{NewOutboxMessage, Result};

/// What one detection pass saw in one series.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertSignal {
    pub kind: AlertKind,
    /// Stable key of the series (e.g. "street:42|UTL"); at most one alert per series is ongoing.
    pub series: String,
    pub district: Option<UnitId>,
    pub street: Option<UnitId>,
    /// Category path (first or second level), or None for all categories.
    pub category: Option<String>,
    /// For a topic: the words or phrase that burst; None for surges.
    pub terms: Option<String>,
    pub started_at: Timestamp,
    pub observed: i64,
    pub expected: f64,
    pub score: f64,
    pub recurrence_days: f64,
}

/// A signal with the messages to queue if it opens a new alert (nothing is sent for an alert already open).
#[derive(Debug, Clone, PartialEq)]
pub struct SignalWrite {
    pub signal: AlertSignal,
    pub outbox_if_new: Vec<NewOutboxMessage>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub id: i64,
    /// The latest figures (started_at kept from the first pass).
    pub signal: AlertSignal,
    pub detected_at: Timestamp,
    pub last_seen_at: Timestamp,
    /// Set when the series stopped signalling (see [`AlertStore::record_alert_pass`]).
    pub ended_at: Option<Timestamp>,
    pub status: AlertStatus,
    /// Who last moved the status (acknowledged, dismissed, reopened), when, and why.
    pub acted_by: Option<UserId>,
    pub acted_at: Option<Timestamp>,
    pub note: Option<String>,
}

impl Alert {
    /// Not ended: its series still signals, or has not been quiet long enough.
    pub fn ongoing(&self) -> bool {
        self.ended_at.is_none()
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertFilter {
    /// Empty: any status.
    pub statuses: Vec<AlertStatus>,
    pub kind: Option<AlertKind>,
    /// Only alerts in these districts (None: everywhere) — the visibility of a district's users.
    /// A city-wide alert (no district) is in none of them; an empty list matches nothing.
    pub districts: Option<Vec<UnitId>>,
    /// Only alerts not ended.
    pub ongoing_only: bool,
    /// Only alerts last seen at or after this time.
    pub since: Option<Timestamp>,
    /// At most this many, 1 to 1000 (0 counts as 1, more as 1000), as every list of the store.
    pub limit: u32,
}

/// Early-warning alerts: detection passes open, update and end them; people acknowledge, dismiss or
/// reopen them.
#[async_trait]
pub trait AlertStore: Send + Sync {
    /// Records one detection pass at `now`, in one transaction. A signal whose series has an alert
    /// not ended updates that alert's figures (observed, expected, score, recurrence_days, terms,
    /// last_seen_at = now; started_at, detected_at, status kept: a dismissed surge stays dismissed
    /// while it lasts, it is never raised twice). Any other signal opens a new alert (status open,
    /// detected_at = last_seen_at = now) and queues its `outbox_if_new` messages in the existing
    /// `outbox` table. Alerts not ended whose series has no signal in this pass and whose
    /// last_seen_at is before `now - quiet_ms` get ended_at = now (a negative `quiet_ms` counts as
    /// 0). Answers the alerts opened, in the order of their signals.
    ///
    /// At most one alert per series is ongoing even when two passes run at once (several nodes):
    /// the pass that would open a second one fails with `Conflict`, writing nothing. A district or
    /// street that is not a unit is `InvalidReference`, writing nothing.
    async fn record_alert_pass(&self, signals: &[SignalWrite], now: Timestamp, quiet_ms: i64) -> Result<Vec<Alert>>;
    /// Ongoing alerts before ended ones, each part newest last_seen first (then newest id first).
    async fn list_alerts(&self, filter: &AlertFilter) -> Result<Vec<Alert>>;
    /// `NotFound` when there is none.
    async fn get_alert(&self, id: i64) -> Result<Alert>;
    /// Moves an alert from `from` to `to` (acknowledge, dismiss, reopen), recording who, when and
    /// an optional note; `Conflict` (writing nothing) when its status is no longer `from`,
    /// `NotFound` when there is no such alert, `InvalidReference` when `by` is no account. The
    /// figures, times and ended_at are untouched.
    async fn set_alert_status(
        &self,
        id: i64,
        from: AlertStatus,
        to: AlertStatus,
        by: UserId,
        at: Timestamp,
        note: Option<&str>,
    ) -> Result<Alert>;
}
