//! What the deadline scheduler and the handling raise: notices with their transition, in-app notifications, the SMS/e-mail outbox.

use async_trait::async_trait;
use hotline_domain::{OrderId, OrderNumber, Timestamp, Transition, UnitId, WorkOrder};

use crate::Result;

/// An in-app notification to raise with a deadline notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotification {
    /// The unit it is for; `None` for the centre.
    pub unit: Option<UnitId>,
    /// `{stage}_{warning|overdue}`, e.g. `reply_overdue`.
    pub kind: String,
    pub message_zh: String,
    pub message_en: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub id: i64,
    pub unit: Option<UnitId>,
    pub order: OrderId,
    pub order_number: OrderNumber,
    pub kind: String,
    pub message_zh: String,
    pub message_en: String,
    pub created_at: Timestamp,
    pub read_at: Option<Timestamp>,
}

/// One order's fired notices: its guarded update and event, and what they raise.
#[derive(Debug, Clone, PartialEq)]
pub struct NoticeWrite {
    pub transition: Transition,
    pub notifications: Vec<NewNotification>,
    pub outbox: Vec<NewOutboxMessage>,
}

/// A message for an SMS or e-mail adapter to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOutboxMessage {
    /// `sms` or `email`.
    pub channel: String,
    /// A unit code, or `centre`.
    pub recipient: String,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    pub id: i64,
    pub channel: String,
    pub recipient: String,
    pub body: String,
    pub created_at: Timestamp,
    pub sent_at: Option<Timestamp>,
    pub attempts: i64,
}

/// What the deadline scheduler and the handling raise: notices with their transition, in-app notifications, the SMS/e-mail outbox.
#[async_trait]
pub trait NoticeStore: Send + Sync {
    /// Orders whose next deadline notice is due at `now`, earliest first.
    async fn orders_due_for_notice(&self, now: Timestamp, limit: u32) -> Result<Vec<WorkOrder>>;
    /// Applies a transition with what it raises: the guarded update and event of `t` (as
    /// `apply_transition`), the notifications and the outbox messages, in one transaction
    /// (`Conflict`, writing nothing, when the order changed). Deadline notices, reminders, summons…
    async fn record_notices(&self, t: &Transition, notifications: &[NewNotification], outbox: &[NewOutboxMessage]) -> Result<WorkOrder>;
    /// Many orders' notices in one transaction; each is applied only if its order is still at the
    /// expected version (`false` in the result when another writer changed it first).
    async fn record_notices_batch(&self, items: &[NoticeWrite]) -> Result<Vec<bool>>;
    /// Moves an order's next notice time without changing the order (nothing was due after all),
    /// if it is still at `expected_version`.
    async fn set_next_notice(&self, order: OrderId, expected_version: i64, next: Option<Timestamp>) -> Result<()>;
    /// Notifications of a unit (`None`: the centre's), newest first.
    async fn list_notifications(&self, unit: Option<UnitId>, unread_only: bool, limit: u32) -> Result<Vec<Notification>>;
    /// Marks a notification of that unit (or the centre) read; `NotFound` when it is not theirs.
    async fn mark_notification_read(&self, id: i64, unit: Option<UnitId>, now: Timestamp) -> Result<()>;
    /// Messages not yet sent, oldest first.
    async fn pending_outbox(&self, limit: u32) -> Result<Vec<OutboxMessage>>;
}
