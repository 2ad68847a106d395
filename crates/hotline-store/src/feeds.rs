//! Change feeds, for readers that keep their own copy (the search index, the analytics read model). Event ids and article version ids only grow, but on a backend with concurrent writers an id can become visible after a higher one (it was taken before its transaction committed): readers re-ask for the ids they skipped (`order_changes_at`).

use async_trait::async_trait;
use hotline_domain::{OrderId, WorkOrder};

use crate::Result;

/// Change feeds, for readers that keep their own copy (the search index, the analytics read model).
#[async_trait]
pub trait FeedStore: Send + Sync {
    /// Order events after event id `after`, oldest first, at most `limit`: (event id, order).
    async fn order_changes(&self, after: i64, limit: u32) -> Result<Vec<(i64, OrderId)>>;
    /// Which of these event ids exist now, with their orders.
    async fn order_changes_at(&self, event_ids: &[i64]) -> Result<Vec<(i64, OrderId)>>;
    /// The current state of these orders (missing ids left out), by id.
    async fn orders_by_ids(&self, ids: &[OrderId]) -> Result<Vec<WorkOrder>>;
    /// Orders with an id above `after`, by id, at most `limit` (a reader's full rebuild).
    async fn scan_orders(&self, after: OrderId, limit: u32) -> Result<Vec<WorkOrder>>;
    /// The newest order event id and article version id (0 when there are none).
    async fn change_heads(&self) -> Result<(i64, i64)>;
    /// Which of these orders came from a phone that had filed another order in the `window_ms`
    /// before it (repeat callers, for analytics).
    async fn repeat_callers(&self, ids: &[OrderId], window_ms: i64) -> Result<Vec<OrderId>>;
    /// Article versions saved after version id `after`, oldest first: (version id, slug).
    async fn article_changes(&self, after: i64, limit: u32) -> Result<Vec<(i64, String)>>;
    /// Which of these article version ids exist now, with their slugs.
    async fn article_changes_at(&self, version_ids: &[i64]) -> Result<Vec<(i64, String)>>;
}
