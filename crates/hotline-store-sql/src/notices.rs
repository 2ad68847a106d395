//! Deadline notices: the orders whose next notice is due, firing them (guarded update, event,
//! notifications, outbox in one transaction), notifications and the outbox.

use hotline_domain::{OrderId, OrderNumber, Timestamp, Transition, UnitId, WorkOrder};
use hotline_store::{NewNotification, NewOutboxMessage, NoticeWrite, Notification, OutboxMessage, Result, StoreError};

use crate::rows::{EVENT_SELECT, ORDER_SELECT, event_from_row, get, get_opt_time, get_time, ms, opt_ms, order_from_row};
use crate::{SqlStore, backend_err};

/// Inserts an order's notifications on `conn` (inside the caller's transaction).
async fn insert_notifications(conn: &mut sqlx::AnyConnection, order: OrderId, notes: &[NewNotification], at: i64) -> Result<()> {
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

impl SqlStore {
    pub(crate) async fn orders_due_for_notice_impl(&self, now: Timestamp, limit: u32) -> Result<Vec<WorkOrder>> {
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

    pub(crate) async fn record_notices_impl(
        &self,
        t: &Transition,
        notifications: &[NewNotification],
        outbox: &[NewOutboxMessage],
    ) -> Result<WorkOrder> {
        let item = NoticeWrite { transition: t.clone(), notifications: notifications.to_vec(), outbox: outbox.to_vec() };
        match self.record_notices_batch_impl(std::slice::from_ref(&item)).await?.first() {
            Some(true) => Ok(t.order.clone()),
            _ => Err(StoreError::Conflict("the order was changed by someone else".into())),
        }
    }

    /// Many orders' notices in one transaction (a burst of deadlines costs one commit per batch, not
    /// per order); an order another writer changed first is skipped, not fatal.
    pub(crate) async fn record_notices_batch_impl(&self, items: &[NoticeWrite]) -> Result<Vec<bool>> {
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

    pub(crate) async fn set_next_notice_impl(&self, order: OrderId, expected_version: i64, next: Option<Timestamp>) -> Result<()> {
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

    pub(crate) async fn list_notifications_impl(&self, unit: Option<UnitId>, unread_only: bool, limit: u32) -> Result<Vec<Notification>> {
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

    pub(crate) async fn mark_notification_read_impl(&self, id: i64, unit: Option<UnitId>, now: Timestamp) -> Result<()> {
        let update = "update notification set read_at = coalesce(read_at, $1) where notification_id = $2";
        let done = match unit {
            Some(u) => sqlx::query(&format!("{update} and unit_id = $3")).bind(ms(now)).bind(id).bind(u.0).execute(&self.write).await,
            None => sqlx::query(&format!("{update} and unit_id is null")).bind(ms(now)).bind(id).execute(&self.write).await,
        }
        .map_err(backend_err)?;
        if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    pub(crate) async fn pending_outbox_impl(&self, limit: u32) -> Result<Vec<OutboxMessage>> {
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

impl SqlStore {
    pub(crate) async fn assessment_counts_impl(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<hotline_domain::assessment::UnitCounts>> {
        let rows = sqlx::query(
            "select main_unit_id, count(*) as n, \
                    sum(eval_contacted) as contacted, \
                    sum(case when eval_resolution = 'resolved' then 1 else 0 end) as resolved, \
                    sum(case when eval_resolution = 'partly' then 1 else 0 end) as partly, \
                    sum(case when eval_satisfaction = 'satisfied' then 1 else 0 end) as satisfied, \
                    sum(case when eval_satisfaction = 'basic' then 1 else 0 end) as basic, \
                    assess_exclusion \
             from work_order where evaluated_at >= $1 and evaluated_at < $2 and main_unit_id is not null \
                    and eval_resolution is not null \
             group by main_unit_id, assess_exclusion order by main_unit_id, assess_exclusion",
        )
        .bind(ms(from))
        .bind(ms(to))
        .fetch_all(&self.read)
        .await
        .map_err(backend_err)?;
        let count =
            |r: &sqlx::any::AnyRow, c: &str| -> Result<u64> { Ok(u64::try_from(get::<Option<i64>>(r, c)?.unwrap_or(0)).unwrap_or(0)) };
        rows.iter()
            .map(|r| {
                Ok(hotline_domain::assessment::UnitCounts {
                    unit: UnitId(get(r, "main_unit_id")?),
                    evaluated: count(r, "n")?,
                    contacted: count(r, "contacted")?,
                    resolved: count(r, "resolved")?,
                    partly_resolved: count(r, "partly")?,
                    satisfied: count(r, "satisfied")?,
                    basically_satisfied: count(r, "basic")?,
                    exclusion: get::<Option<String>>(r, "assess_exclusion")?.and_then(|c| hotline_domain::Exclusion::parse(&c).ok()),
                })
            })
            .collect()
    }
}

impl SqlStore {
    pub(crate) async fn callback_queue_impl(&self, now: Timestamp, limit: u32, offset: u32) -> Result<hotline_store::OrderPage> {
        let limit = limit.clamp(1, 1000);
        let rows = sqlx::query(&format!(
            "{ORDER_SELECT} where callback_since is not null and callback_since <= $1 order by callback_since, order_id limit $2 offset $3"
        ))
        .bind(ms(now))
        .bind(i64::from(limit) + 1)
        .bind(i64::from(offset))
        .fetch_all(&self.read)
        .await
        .map_err(backend_err)?;
        let mut orders = rows.iter().map(order_from_row).collect::<Result<Vec<_>>>()?;
        let has_more = orders.len() > limit as usize;
        orders.truncate(limit as usize);
        Ok(hotline_store::OrderPage { orders, has_more })
    }

    pub(crate) async fn record_external_update_impl(
        &self,
        update_id: &str,
        order: OrderId,
        event: &hotline_domain::EventDraft,
        notifications: &[NewNotification],
    ) -> Result<()> {
        let mut tx = self.write.begin().await.map_err(backend_err)?;
        sqlx::query("insert into open311_update (update_id, order_id, created_at) values ($1, $2, $3)")
            .bind(update_id)
            .bind(order.0)
            .bind(ms(event.at))
            .execute(&mut *tx)
            .await
            .map_err(|e| crate::rows::conflict_or_backend(e, "update_id"))?;
        crate::orders::insert_events(&mut tx, order, std::slice::from_ref(event)).await?;
        insert_notifications(&mut tx, order, notifications, ms(event.at)).await?;
        tx.commit().await.map_err(backend_err)?;
        Ok(())
    }

    pub(crate) async fn events_between_impl(
        &self,
        kinds: &[hotline_domain::ActionKind],
        from: Timestamp,
        to: Timestamp,
        limit: u32,
    ) -> Result<Vec<(OrderNumber, hotline_store::Event)>> {
        if kinds.is_empty() {
            return Ok(Vec::new());
        }
        let marks = (0..kinds.len()).map(|i| format!("${}", i + 4)).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "select e.event_id, e.order_id, e.kind, e.from_state, e.to_state, e.actor_user_id, e.actor_role, e.actor_unit_id, \
                    e.actor_name, e.at, e.reason, e.payload, w.number \
             from order_event e join work_order w on w.order_id = e.order_id \
             where e.at >= $1 and e.at < $2 and e.kind in ({marks}) order by e.at, e.event_id limit $3"
        );
        let mut q = sqlx::query(&sql).bind(ms(from)).bind(ms(to)).bind(i64::from(limit.clamp(1, 10_000)));
        for k in kinds {
            q = q.bind(k.code());
        }
        let rows = q.fetch_all(&self.read).await.map_err(backend_err)?;
        rows.iter().map(|r| Ok((OrderNumber::from_trusted(get(r, "number")?), event_from_row(r)?))).collect()
    }

    pub(crate) async fn events_of_kind_impl(
        &self,
        kind: hotline_domain::ActionKind,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<(hotline_domain::OrderId, hotline_store::Event)>> {
        let rows = sqlx::query(&format!("{EVENT_SELECT} where kind = $1 and at >= $2 and at < $3 order by event_id"))
            .bind(kind.code())
            .bind(ms(from))
            .bind(ms(to))
            .fetch_all(&self.read)
            .await
            .map_err(backend_err)?;
        rows.iter().map(|r| Ok((hotline_domain::OrderId(get(r, "order_id")?), event_from_row(r)?))).collect()
    }

    pub(crate) async fn dispute_counts_impl(&self, from: Timestamp, to: Timestamp) -> Result<Vec<(UnitId, u64)>> {
        let rows = sqlx::query(
            "select actor_unit_id, count(*) as n from order_event \
             where kind = 'dispute' and at >= $1 and at < $2 and actor_unit_id is not null \
             group by actor_unit_id order by actor_unit_id",
        )
        .bind(ms(from))
        .bind(ms(to))
        .fetch_all(&self.read)
        .await
        .map_err(backend_err)?;
        rows.iter().map(|r| Ok((UnitId(get(r, "actor_unit_id")?), u64::try_from(get::<i64>(r, "n")?).unwrap_or(0)))).collect()
    }
}
