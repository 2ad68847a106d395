//! Work orders: creating, the guarded transitions with their events, and reading them.

use async_trait::async_trait;
use chrono::NaiveDate;
use hotline_domain::{CaseId, EventDraft, OrderId, OrderNumber, State, Timestamp, Transition, UnitId, WorkOrder};

use crate::Result;

/// An idempotency key scoped to its caller, so two clients cannot collide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    pub scope: String,
    pub key: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Created {
    pub order: WorkOrder,
    /// True when the idempotency key had been seen: `order` is the one created the first time.
    pub replayed: bool,
}

/// An order to store as it is (a historical import, a benchmark), with its events and the local
/// date it is numbered under.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedOrder {
    pub order: WorkOrder,
    pub events: Vec<EventDraft>,
    pub local_date: NaiveDate,
}

/// A stored event (timeline row).
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub seq: i64,
    pub draft: EventDraft,
}

/// Which orders a list shows. All filters combine with AND.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrderQuery {
    pub states: Vec<State>,
    /// Only orders that any of these units may see (main, co-unit or district copy).
    pub units: Option<Vec<UnitId>>,
    pub phone: Option<String>,
    /// Only orders located in this street/township.
    pub street: Option<UnitId>,
    pub supervised: Option<bool>,
    /// Only open orders that have missed a due time at this instant.
    pub overdue_at: Option<Timestamp>,
    pub received_from: Option<Timestamp>,
    pub received_before: Option<Timestamp>,
    /// Only orders last changed in `[updated_from, updated_before)`.
    pub updated_from: Option<Timestamp>,
    pub updated_before: Option<Timestamp>,
    /// Only orders filed under these category paths, or not yet categorised and posted (Open311)
    /// under one of them as their service (empty: any).
    pub categories: Vec<String>,
    /// Only these order numbers (empty: any).
    pub numbers: Vec<String>,
    pub limit: u32,
    pub offset: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OrderPage {
    pub orders: Vec<WorkOrder>,
    pub has_more: bool,
}

/// State counts for dashboards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateCount {
    pub state: State,
    pub count: i64,
}

/// Work orders: creating, the guarded transitions with their events, and reading them.
#[async_trait]
pub trait OrderStore: Send + Sync {
    /// Numbers the order (`local_date` + the day's next sequence), opens its case, inserts it with its
    /// events, and records the idempotency key: all or nothing. A key seen before returns the order
    /// it created, with `replayed = true`, and writes nothing.
    async fn create_order(&self, o: &WorkOrder, events: &[EventDraft], day: NaiveDate, key: Option<&IdempotencyKey>) -> Result<Created>;
    /// Bulk load of already-built orders (historical imports, benchmarks): each is numbered under
    /// its local date, given its case (an order whose `case_id` is 0 opens its own; otherwise it
    /// joins that case) and stored with its events, in a few large statements and one transaction,
    /// together with `progress` (a setting: key, value) when given, so a resumed import knows
    /// exactly what was stored. Returns how many were stored.
    async fn import_orders(&self, orders: &[ImportedOrder], progress: Option<(&str, &str)>) -> Result<usize>;
    /// Writes `t.order` only if the stored order is still in `t.expected_state` at
    /// `t.expected_version` (else `Conflict`), and appends `t.event`, in one transaction.
    async fn apply_transition(&self, t: &Transition) -> Result<WorkOrder>;
    /// Appends an event that changes nothing (e.g. a logged reveal of contact details).
    async fn append_event(&self, order: OrderId, event: &EventDraft) -> Result<()>;
    async fn get_order(&self, number: &OrderNumber) -> Result<Option<WorkOrder>>;
    async fn list_orders(&self, query: &OrderQuery) -> Result<OrderPage>;
    async fn count_by_state(&self, units: Option<&[UnitId]>) -> Result<Vec<StateCount>>;
    async fn order_events(&self, order: OrderId) -> Result<Vec<Event>>;
    /// The events of many orders at once (oldest first within each), for lists that show
    /// timelines; at most 1,000 orders per call.
    async fn events_of_orders(&self, orders: &[OrderId]) -> Result<Vec<(OrderId, Event)>>;
    /// The newest `limit` orders of a case, newest first (a mass incident can gather thousands).
    async fn case_orders(&self, case: CaseId, limit: u32) -> Result<Vec<WorkOrder>>;
    /// Orders waiting for a callback at `now` (replied, or past their reply due time), longest
    /// waiting first.
    async fn callback_queue(&self, now: Timestamp, limit: u32, offset: u32) -> Result<OrderPage>;
}
