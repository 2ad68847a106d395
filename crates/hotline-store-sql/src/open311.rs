//! Open311: tokens of deferred requests, client systems' updates once per client and update_id, uploaded
//! media, the public updates feed.

use async_trait::async_trait;
use hotline_domain::{ActionKind, EventDraft, OrderId, OrderNumber, Timestamp, UserId};
use hotline_store::{Event, NewNotification, Open311Store, Result, UpdateRecord};

use crate::rows::{ORDER_SELECT, conflict_or_backend, event_from_row, get, ms, order_from_row};
use crate::{SqlStore, backend_err};

#[async_trait]
impl Open311Store for SqlStore {
    async fn insert_token(&self, token: &str, order: OrderId, now: Timestamp) -> Result<()> {
        sqlx::query("insert into open311_token (token, order_id, created_at) values ($1, $2, $3)")
            .bind(token)
            .bind(order.0)
            .bind(ms(now))
            .execute(&self.write)
            .await
            .map_err(|e| conflict_or_backend(e, "token"))?;
        Ok(())
    }

    async fn record_external_update(
        &self,
        client: UserId,
        update_id: &str,
        fingerprint: &str,
        order: OrderId,
        event: &EventDraft,
        notes: &[NewNotification],
    ) -> Result<UpdateRecord> {
        let mut tx = self.write.begin().await.map_err(backend_err)?;
        // `on conflict do nothing`: of two identical retries at once, PostgreSQL makes the second
        // wait for the first and then insert nothing; SQLite has one writer.
        let inserted = sqlx::query(
            "insert into open311_client_update (client_id, update_id, order_id, fingerprint, created_at) values ($1, $2, $3, $4, $5) \
             on conflict do nothing",
        )
        .bind(client.0)
        .bind(update_id)
        .bind(order.0)
        .bind(fingerprint)
        .bind(ms(event.at))
        .execute(&mut *tx)
        .await
        .map_err(|e| conflict_or_backend(e, "update_id"))?
        .rows_affected();
        if inserted == 0 {
            let row = sqlx::query("select order_id, fingerprint from open311_client_update where client_id = $1 and update_id = $2")
                .bind(client.0)
                .bind(update_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(backend_err)?;
            return Ok(UpdateRecord::Seen { order: OrderId(get(&row, "order_id")?), fingerprint: get(&row, "fingerprint")? });
        }
        crate::orders::insert_events(&mut tx, order, std::slice::from_ref(event)).await?;
        crate::notices::insert_notifications(&mut tx, order, notes, ms(event.at)).await?;
        tx.commit().await.map_err(backend_err)?;
        Ok(UpdateRecord::Recorded)
    }

    async fn insert_media(&self, public_id: &str, content_type: &str, file_name: &str, bytes: &[u8], now: Timestamp) -> Result<()> {
        sqlx::query("insert into media (public_id, content_type, file_name, bytes, created_at) values ($1, $2, $3, $4, $5)")
            .bind(public_id)
            .bind(content_type)
            .bind(file_name)
            .bind(bytes.to_vec())
            .bind(ms(now))
            .execute(&self.write)
            .await
            .map_err(backend_err)?;
        Ok(())
    }

    async fn get_media(&self, public_id: &str) -> Result<Option<(String, Vec<u8>)>> {
        let row = sqlx::query("select content_type, bytes from media where public_id = $1")
            .bind(public_id)
            .fetch_optional(&self.read)
            .await
            .map_err(backend_err)?;
        row.map(|r| Ok((get(&r, "content_type")?, get(&r, "bytes")?))).transpose()
    }

    async fn order_by_token(&self, token: &str) -> Result<Option<hotline_domain::WorkOrder>> {
        let row = sqlx::query(&format!("{} where order_id = (select order_id from open311_token where token = $1)", ORDER_SELECT))
            .bind(token)
            .fetch_optional(&self.read)
            .await
            .map_err(backend_err)?;
        row.as_ref().map(order_from_row).transpose()
    }

    async fn events_between(&self, kinds: &[ActionKind], from: Timestamp, to: Timestamp, limit: u32) -> Result<Vec<(OrderNumber, Event)>> {
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
}
