//! Change feeds: what changed after a point, for readers that keep their own copy (the search
//! index). Event ids and article version ids only grow; a reader remembers the last it has seen.

use async_trait::async_trait;
use hotline_domain::{OrderId, WorkOrder};
use hotline_store::Result;

use crate::rows::{ORDER_SELECT, get, order_from_row};
use crate::{SqlStore, backend_err};

/// Longest `in (…)` list sent in one statement.
const MAX_IDS: usize = 1000;

fn marks(n: usize) -> String {
    (1..=n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

impl SqlStore {
    async fn id_pairs(&self, sql: &str, binds: &[i64]) -> Result<Vec<(i64, i64)>> {
        let mut q = sqlx::query(sql);
        for b in binds {
            q = q.bind(*b);
        }
        let rows = q.fetch_all(&self.read).await.map_err(backend_err)?;
        rows.iter().map(|r| Ok((get::<i64>(r, "event_id")?, get::<i64>(r, "order_id")?))).collect()
    }
}

#[async_trait]
impl hotline_store::FeedStore for SqlStore {
    async fn order_changes(&self, after: i64, limit: u32) -> Result<Vec<(i64, OrderId)>> {
        let sql = "select event_id, order_id from order_event where event_id > $1 order by event_id limit $2";
        Ok(self.id_pairs(sql, &[after, i64::from(limit)]).await?.into_iter().map(|(e, o)| (e, OrderId(o))).collect())
    }

    async fn order_changes_at(&self, event_ids: &[i64]) -> Result<Vec<(i64, OrderId)>> {
        let mut out = Vec::new();
        for chunk in event_ids.chunks(MAX_IDS) {
            let sql = format!("select event_id, order_id from order_event where event_id in ({}) order by event_id", marks(chunk.len()));
            out.extend(self.id_pairs(&sql, chunk).await?.into_iter().map(|(e, o)| (e, OrderId(o))));
        }
        Ok(out)
    }

    async fn orders_by_ids(&self, ids: &[OrderId]) -> Result<Vec<WorkOrder>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(MAX_IDS) {
            let sql = format!("{ORDER_SELECT} where order_id in ({}) order by order_id", marks(chunk.len()));
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(id.0);
            }
            let rows = q.fetch_all(&self.read).await.map_err(backend_err)?;
            for r in &rows {
                out.push(order_from_row(r)?);
            }
        }
        Ok(out)
    }

    async fn scan_orders(&self, after: OrderId, limit: u32) -> Result<Vec<WorkOrder>> {
        let rows = sqlx::query(&format!("{ORDER_SELECT} where order_id > $1 order by order_id limit $2"))
            .bind(after.0)
            .bind(i64::from(limit))
            .fetch_all(&self.read)
            .await
            .map_err(backend_err)?;
        rows.iter().map(order_from_row).collect()
    }

    async fn change_heads(&self) -> Result<(i64, i64)> {
        let row = sqlx::query(
            "select (select coalesce(max(event_id), 0) from order_event) as events, \
             (select coalesce(max(version_id), 0) from kb_article_version) as articles",
        )
        .fetch_one(&self.read)
        .await
        .map_err(backend_err)?;
        Ok((get(&row, "events")?, get(&row, "articles")?))
    }

    async fn repeat_callers(&self, ids: &[OrderId], window_ms: i64) -> Result<Vec<OrderId>> {
        let mut out = Vec::new();
        for chunk in ids.chunks(MAX_IDS) {
            let sql = format!(
                "select o.order_id from work_order o where o.order_id in ({}) and o.requester_phone is not null \
                 and exists (select 1 from work_order p where p.requester_phone = o.requester_phone \
                 and p.received_at < o.received_at and p.received_at >= o.received_at - ${}) order by o.order_id",
                marks(chunk.len()),
                chunk.len() + 1
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(id.0);
            }
            let rows = q.bind(window_ms).fetch_all(&self.read).await.map_err(backend_err)?;
            for r in &rows {
                out.push(OrderId(get::<i64>(r, "order_id")?));
            }
        }
        Ok(out)
    }

    async fn article_changes(&self, after: i64, limit: u32) -> Result<Vec<(i64, String)>> {
        let rows = sqlx::query(
            "select v.version_id, a.slug from kb_article_version v join kb_article a on a.article_id = v.article_id \
             where v.version_id > $1 order by v.version_id limit $2",
        )
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await
        .map_err(backend_err)?;
        rows.iter().map(|r| Ok((get::<i64>(r, "version_id")?, get::<String>(r, "slug")?))).collect()
    }

    async fn article_changes_at(&self, version_ids: &[i64]) -> Result<Vec<(i64, String)>> {
        let mut out = Vec::new();
        for chunk in version_ids.chunks(MAX_IDS) {
            let sql = format!(
                "select v.version_id, a.slug from kb_article_version v join kb_article a on a.article_id = v.article_id \
                 where v.version_id in ({}) order by v.version_id",
                marks(chunk.len())
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            let rows = q.fetch_all(&self.read).await.map_err(backend_err)?;
            for r in &rows {
                out.push((get::<i64>(r, "version_id")?, get::<String>(r, "slug")?));
            }
        }
        Ok(out)
    }
}
