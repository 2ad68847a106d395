//! Deadline notices: the orders whose next notice is due, firing them (guarded update, event,
//! notifications, outbox in one transaction), notifications and the outbox.

use async_trait::async_trait;
use hotline_domain::{OrderId, OrderNumber, Timestamp, Transition, UnitId, WorkOrder};
use hotline_store::{NewNotification, NewOutboxMessage, NoticeWrite, Notification, OutboxMessage, Result, StoreError};

use crate::rows::{ORDER_SELECT, get, get_opt_time, get_time, ms, opt_ms, order_from_row};
use crate::{SqlStore, backend_err};

/// Inserts an order's notifications on `conn` (inside the caller's transaction).
pub(crate) async fn insert_notifications(conn: &mut sqlx::AnyConnection, order: OrderId, notes: &[NewNotification], at: i64) -> Result<()> {
    for n in notes {
        sqlx::query(
            "insert into notification (unit_id, order_id, kind, message_zh, message_en, created_at) values ($1, $2, $3, $4, $5, $6)",
        )
        .bind(n.unit.map(|u| u.0))
        .bind(order.0)
        .bind(n.kind.as_str())
        .bind(n.message_zh.as_str())
        .bind(n.message_en.as_str())
        .bind(at)
        .execute(&mut *conn)
        .await
        .map_err(backend_err)?;
    }
    Ok(())
}

#[async_trait]
impl hotline_store::NoticeStore for SqlStore {
    async fn orders_due_for_notice(&self, now: Timestamp, limit: u32) -> Result<Vec<WorkOrder>> {
        let rows = sqlx::query(&format!(
            "{ORDER_SELECT} where next_notice_at is not null and next_notice_at <= $1 order by next_notice_at limit $2"
        ))
        .bind(ms(now))
        .bind(i64::from(limit.clamp(1, 10_000)))
        .fetch_all(&self.read)
        .await
        .map_err(backend_err)?;
        rows.iter().map(order_from_row).collect()
    }

    async fn record_notices(&self, t: &Transition, notifications: &[NewNotification], outbox: &[NewOutboxMessage]) -> Result<WorkOrder> {
        let item = NoticeWrite { transition: t.clone(), notifications: notifications.to_vec(), outbox: outbox.to_vec() };
        match hotline_store::NoticeStore::record_notices_batch(self, std::slice::from_ref(&item)).await?.first() {
            Some(true) => Ok(t.order.clone()),
            _ => Err(StoreError::Conflict("the order was changed by someone else".into())),
        }
    }

    /// Many orders' notices in one transaction (a burst of deadlines costs one commit per batch, not
    /// per order); an order another writer changed first is skipped, not fatal.
    async fn record_notices_batch(&self, items: &[NoticeWrite]) -> Result<Vec<bool>> {
        let mut tx = self.write.begin().await.map_err(backend_err)?;
        let mut applied = Vec::with_capacity(items.len());
        for item in items {
            let t = &item.transition;
            if !crate::orders::write_transition(&mut tx, t).await? {
                applied.push(false);
                continue;
            }
            let now = ms(t.event.at);
            insert_notifications(&mut tx, t.order.id, &item.notifications, now).await?;
            for m in &item.outbox {
                sqlx::query("insert into outbox (channel, recipient, body, created_at, attempts) values ($1, $2, $3, $4, 0)")
                    .bind(m.channel.as_str())
                    .bind(m.recipient.as_str())
                    .bind(m.body.as_str())
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(backend_err)?;
            }
            applied.push(true);
        }
        tx.commit().await.map_err(backend_err)?;
        Ok(applied)
    }

    async fn set_next_notice(&self, order: OrderId, expected_version: i64, next: Option<Timestamp>) -> Result<()> {
        // The document keeps the same value, so a re-read order agrees with its column.
        let row = sqlx::query(&format!("{ORDER_SELECT} where order_id = $1 and version = $2"))
            .bind(order.0)
            .bind(expected_version)
            .fetch_optional(&self.write)
            .await
            .map_err(backend_err)?;
        let Some(row) = row else { return Ok(()) };
        let mut o = order_from_row(&row)?;
        o.next_notice_at = next;
        let doc = serde_json::to_string(&o).map_err(backend_err)?;
        sqlx::query("update work_order set next_notice_at = $1, doc = $2 where order_id = $3 and version = $4")
            .bind(opt_ms(next))
            .bind(doc)
            .bind(order.0)
            .bind(expected_version)
            .execute(&self.write)
            .await
            .map_err(backend_err)?;
        Ok(())
    }

    async fn list_notifications(&self, unit: Option<UnitId>, unread_only: bool, limit: u32) -> Result<Vec<Notification>> {
        let unread = if unread_only { " and n.read_at is null" } else { "" };
        let select = "select n.notification_id, n.unit_id, n.order_id, o.number, n.kind, n.message_zh, n.message_en, n.created_at, \
                      n.read_at from notification n join work_order o on o.order_id = n.order_id";
        let limit = i64::from(limit.clamp(1, 1000));
        let rows = match unit {
            Some(u) => {
                sqlx::query(&format!("{select} where n.unit_id = $1{unread} order by n.notification_id desc limit $2"))
                    .bind(u.0)
                    .bind(limit)
                    .fetch_all(&self.read)
                    .await
            }
            None => {
                sqlx::query(&format!("{select} where n.unit_id is null{unread} order by n.notification_id desc limit $1"))
                    .bind(limit)
                    .fetch_all(&self.read)
                    .await
            }
        }
        .map_err(backend_err)?;
        rows.iter()
            .map(|r| {
                Ok(Notification {
                    id: get(r, "notification_id")?,
                    unit: get::<Option<i64>>(r, "unit_id")?.map(UnitId),
                    order: OrderId(get(r, "order_id")?),
                    order_number: OrderNumber::from_trusted(get(r, "number")?),
                    kind: get(r, "kind")?,
                    message_zh: get(r, "message_zh")?,
                    message_en: get(r, "message_en")?,
                    created_at: get_time(r, "created_at")?,
                    read_at: get_opt_time(r, "read_at")?,
                })
            })
            .collect()
    }

    async fn mark_notification_read(&self, id: i64, unit: Option<UnitId>, now: Timestamp) -> Result<()> {
        let update = "update notification set read_at = coalesce(read_at, $1) where notification_id = $2";
        let done = match unit {
            Some(u) => sqlx::query(&format!("{update} and unit_id = $3")).bind(ms(now)).bind(id).bind(u.0).execute(&self.write).await,
            None => sqlx::query(&format!("{update} and unit_id is null")).bind(ms(now)).bind(id).execute(&self.write).await,
        }
        .map_err(backend_err)?;
        if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    async fn pending_outbox(&self, limit: u32) -> Result<Vec<OutboxMessage>> {
        let rows = sqlx::query(
            "select message_id, channel, recipient, body, created_at, sent_at, attempts from outbox \
             where sent_at is null order by message_id limit $1",
        )
        .bind(i64::from(limit.clamp(1, 1000)))
        .fetch_all(&self.read)
        .await
        .map_err(backend_err)?;
        rows.iter()
            .map(|r| {
                Ok(OutboxMessage {
                    id: get(r, "message_id")?,
                    channel: get(r, "channel")?,
                    recipient: get(r, "recipient")?,
                    body: get(r, "body")?,
                    created_at: get_time(r, "created_at")?,
                    sent_at: get_opt_time(r, "sent_at")?,
                    attempts: get(r, "attempts")?,
                })
            })
            .collect()
    }
}
