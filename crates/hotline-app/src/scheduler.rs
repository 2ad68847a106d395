//! The deadline scheduler: fires the warnings and overdue notices that are due, raising in-app
//! notifications for the unit and the centre and outbox messages for SMS/e-mail adapters. Its state
//! lives in the database (each order's fired notices and next notice time), so a restart loses no
//! timer, and firing is a guarded update, so no notice fires twice, even with several nodes.

use std::collections::HashSet;

use hotline_domain::deadline::Stage;
use hotline_domain::{NoticeKind, WorkOrder};
use hotline_store::{NewNotification, NewOutboxMessage, NoticeWrite, StoreError};
use serde::Serialize;

use crate::App;
use crate::error::AppResult;

/// Orders read per batch.
const BATCH: u32 = 500;
/// Orders whose notices are written in one transaction.
const WRITE_CHUNK: usize = 100;

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PassReport {
    /// Notices fired.
    pub fired: usize,
    /// Orders whose notices were fired.
    pub orders: usize,
    /// Orders another writer changed first (seen again next pass).
    pub conflicts: usize,
}

fn stage_code(stage: Stage) -> &'static str {
    match stage {
        Stage::Dispatch => "dispatch",
        Stage::FirstContact => "contact",
        Stage::Reply => "reply",
    }
}

impl App {
    /// One pass at the clock's current time: every notice due is fired.
    pub async fn run_deadline_pass(&self) -> AppResult<PassReport> {
        let now = self.clock.now();
        let policy = self.policy().await?;
        let mut report = PassReport::default();
        let mut seen = HashSet::new();
        loop {
            let batch = self.notices().orders_due_for_notice(now, BATCH).await?;
            let fresh: Vec<WorkOrder> = batch.into_iter().filter(|o| seen.insert((o.id, o.version))).collect();
            if fresh.is_empty() {
                break;
            }
            let mut writes = Vec::new();
            let mut counts = Vec::new();
            for o in fresh {
                let Some((t, notices)) = o.fire_notices(now, &policy) else {
                    // Nothing due after all (the policy changed, a stage finished): look again later.
                    self.notices().set_next_notice(o.id, o.version, o.next_notice_time(&policy).filter(|t| *t > now)).await?;
                    continue;
                };
                let (notifications, outbox) = self.recipients(&o, &notices);
                counts.push(notices.len());
                writes.push(NoticeWrite { transition: t, notifications, outbox });
            }
            // One transaction per chunk: a burst of deadlines costs a commit per chunk, not per order.
            for (chunk, sizes) in writes.chunks(WRITE_CHUNK).zip(counts.chunks(WRITE_CHUNK)) {
                for (applied, n) in self.notices().record_notices_batch(chunk).await?.into_iter().zip(sizes) {
                    if applied {
                        report.fired += n;
                        report.orders += 1;
                    } else {
                        report.conflicts += 1;
                    }
                }
            }
        }
        if report.fired > 0 {
            tracing::info!(fired = report.fired, orders = report.orders, conflicts = report.conflicts, "deadline notices fired");
        }
        Ok(report)
    }

    /// Who hears of each notice: dispatch deadlines concern the centre; a unit is warned of its own
    /// deadlines, and when one passes the centre hears too (督办).
    fn recipients(&self, o: &WorkOrder, notices: &[hotline_domain::Notice]) -> (Vec<NewNotification>, Vec<NewOutboxMessage>) {
        let units = self.units();
        let main = o.assignment.as_ref().map(|a| a.main_unit);
        let mut notifications = Vec::new();
        let mut outbox = Vec::new();
        for n in notices {
            let kind = format!("{}_{}", stage_code(n.stage), if n.kind == NoticeKind::Warning { "warning" } else { "overdue" });
            let mut to: Vec<Option<hotline_domain::UnitId>> = Vec::new();
            match (n.stage, n.kind) {
                (Stage::Dispatch, _) => to.push(None),
                (_, NoticeKind::Warning) => to.push(main),
                (_, NoticeKind::Overdue) => {
                    to.push(main);
                    to.push(None);
                }
            }
            to.dedup();
            for unit in to {
                notifications.push(NewNotification {
                    unit,
                    kind: kind.clone(),
                    message_zh: format!("工单 {}：{}", o.number, n.message(true)),
                    message_en: format!("Order {}: {}", o.number, n.message(false)),
                });
                let recipient = unit.and_then(|u| units.get(u)).map_or_else(|| "centre".to_owned(), |u| u.code.clone());
                outbox.push(NewOutboxMessage {
                    channel: "sms".into(),
                    recipient,
                    body: format!("【12345】工单{}{}，请及时处理。", o.number, n.message(true)),
                });
            }
        }
        (notifications, outbox)
    }
}

/// A notification as its reader sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NotificationView {
    pub id: i64,
    pub order_number: String,
    /// `{stage}_{warning|overdue}`: `contact_warning`, `reply_overdue`, `dispatch_overdue` …
    pub kind: String,
    pub message_zh: String,
    pub message_en: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: hotline_domain::Timestamp,
    pub read: bool,
}

impl App {
    /// Whose notifications a user reads: a unit user their unit's, centre staff the centre's.
    fn notification_scope(who: &crate::Principal) -> Option<hotline_domain::UnitId> {
        if who.role.is_unit_role() { who.unit } else { None }
    }

    pub async fn notifications(&self, who: &crate::Principal, unread_only: bool, limit: u32) -> AppResult<Vec<NotificationView>> {
        // A client system (Open311) is neither a unit nor the centre: it is told nothing.
        if (who.role.is_unit_role() && who.unit.is_none()) || who.role == hotline_domain::Role::Open311Client {
            return Ok(Vec::new());
        }
        let list = self.notices().list_notifications(Self::notification_scope(who), unread_only, limit.clamp(1, 200)).await?;
        Ok(list
            .into_iter()
            .map(|n| NotificationView {
                id: n.id,
                order_number: n.order_number.to_string(),
                kind: n.kind,
                message_zh: n.message_zh,
                message_en: n.message_en,
                created_at: n.created_at,
                read: n.read_at.is_some(),
            })
            .collect())
    }

    /// Marks one of the reader's notifications read (someone else's is "not found").
    pub async fn mark_notification_read(&self, who: &crate::Principal, id: i64) -> AppResult<()> {
        if (who.role.is_unit_role() && who.unit.is_none()) || who.role == hotline_domain::Role::Open311Client {
            return Err(crate::AppError::NotFound { what: "notification" });
        }
        match self.notices().mark_notification_read(id, Self::notification_scope(who), self.clock.now()).await {
            Err(StoreError::NotFound) => Err(crate::AppError::NotFound { what: "notification" }),
            other => Ok(other?),
        }
    }
}

impl App {
    /// The messages waiting in the SMS/e-mail outbox, oldest first (`hotline outbox`).
    pub async fn pending_outbox(&self, limit: u32) -> AppResult<Vec<hotline_store::OutboxMessage>> {
        Ok(self.notices().pending_outbox(limit.clamp(1, 10_000)).await?)
    }
}
