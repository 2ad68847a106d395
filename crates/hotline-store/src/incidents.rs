//! Incidents (突发事件, emergency mode): declared by the centre (from an alert or on its own), with a
//! scripted answer (口径) operators read to callers and a lead unit calls are dispatched to; the
//! orders linked to each.

use async_trait::async_trait;
use hotline_domain::{IncidentStatus, OrderId, Timestamp, UnitId, UserId, WorkOrder};

use crate::Result;

/// What a supervisor declares.
#[derive(Debug, Clone, PartialEq)]
pub struct NewIncident {
    pub title: String,
    /// The alert it confirms, if any: that alert moves from open to acknowledged with it.
    pub alert: Option<i64>,
    pub district: Option<UnitId>,
    pub street: Option<UnitId>,
    /// The category path its calls are filed under.
    pub category: Option<String>,
    pub lead_unit: UnitId,
    /// 口径: what operators tell callers.
    pub script: String,
    /// When the calls began (the alert's start, or the declaration).
    pub started_at: Timestamp,
    pub declared_by: UserId,
    pub declared_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    pub id: i64,
    pub title: String,
    pub alert: Option<i64>,
    pub district: Option<UnitId>,
    pub street: Option<UnitId>,
    pub category: Option<String>,
    pub lead_unit: UnitId,
    pub script: String,
    pub status: IncidentStatus,
    pub started_at: Timestamp,
    pub declared_by: UserId,
    pub declared_at: Timestamp,
    /// Who last changed the title, script, lead unit or status, and when.
    pub updated_by: UserId,
    pub updated_at: Timestamp,
    pub closed_at: Option<Timestamp>,
    /// How many orders are linked to it.
    pub linked: i64,
}

/// What a supervisor may change while the incident is active.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentEdit {
    pub title: String,
    pub script: String,
    pub lead_unit: UnitId,
}

#[async_trait]
pub trait IncidentStore: Send + Sync {
    /// Declares an incident (active), in one transaction with the move of its alert, if any, from
    /// open to acknowledged (by the declarer, the note naming the incident; an alert already
    /// acknowledged or dismissed keeps its status). `Conflict` when the alert already has an
    /// incident, `InvalidReference` when the alert, a unit or the account does not exist; nothing is
    /// written then.
    async fn declare_incident(&self, new: &NewIncident) -> Result<Incident>;
    /// Active incidents first, each part newest declared first; at most `limit` (1 to 1000).
    async fn list_incidents(&self, active_only: bool, limit: u32) -> Result<Vec<Incident>>;
    /// `NotFound` when there is none.
    async fn get_incident(&self, id: i64) -> Result<Incident>;
    /// The incident of an alert, if one was declared from it.
    async fn incident_of_alert(&self, alert: i64) -> Result<Option<Incident>>;
    /// Changes title, script and lead unit of an active incident; `Conflict` when it is closed,
    /// `NotFound` when there is none, `InvalidReference` for an unknown unit or account.
    async fn edit_incident(&self, id: i64, edit: &IncidentEdit, by: UserId, at: Timestamp) -> Result<Incident>;
    /// Closes an active incident; `Conflict` when it is closed already, `NotFound` when there is none.
    async fn close_incident(&self, id: i64, by: UserId, at: Timestamp) -> Result<Incident>;
    /// Links orders to an active incident; an order linked already stays as it was. Answers how
    /// many links are new. `Conflict` when the incident is closed, `NotFound` when there is none,
    /// `InvalidReference` when an order does not exist (nothing linked then).
    async fn link_to_incident(&self, id: i64, orders: &[OrderId], by: Option<UserId>, at: Timestamp) -> Result<u64>;
    /// The orders linked to an incident, most recently received first, at most `limit` (1 to 1000).
    async fn incident_orders(&self, id: i64, limit: u32) -> Result<Vec<WorkOrder>>;
    /// The incidents an order is linked to, oldest first.
    async fn incidents_of_order(&self, order: OrderId) -> Result<Vec<i64>>;
}
