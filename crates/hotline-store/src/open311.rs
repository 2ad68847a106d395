//! What Open311 GeoReport v2 needs beyond orders: tokens of deferred requests, client systems' updates (once per client and update_id), uploaded media, the public updates feed.

use async_trait::async_trait;
use hotline_domain::{ActionKind, EventDraft, OrderId, OrderNumber, Timestamp, UserId, WorkOrder};

use crate::{Event, NewNotification, Result};

/// What Open311 GeoReport v2 needs beyond orders: tokens of deferred requests, client systems' updates (once per client and update_id), uploaded media, the public updates feed.
#[async_trait]
pub trait Open311Store: Send + Sync {
    /// Remembers the token a client was given for an order (deferred intake).
    async fn insert_token(&self, token: &str, order: OrderId, now: Timestamp) -> Result<()>;
    /// Records a client system's update as an event of the order, with the notifications it
    /// raises, in one transaction, once per `update_id` of that client (`client` is its account;
    /// another client may use the same id). When this client recorded the id before, writes nothing
    /// and answers what was recorded under it, so the caller can tell a retry from a clash.
    async fn record_external_update(
        &self,
        client: UserId,
        update_id: &str,
        fingerprint: &str,
        order: OrderId,
        event: &EventDraft,
        notes: &[NewNotification],
    ) -> Result<UpdateRecord>;
    /// Stores an uploaded file under `public_id` (random, chosen by the caller; unique).
    async fn insert_media(&self, public_id: &str, content_type: &str, file_name: &str, bytes: &[u8], now: Timestamp) -> Result<()>;
    /// An uploaded file by its public id: its content type and bytes.
    async fn get_media(&self, public_id: &str) -> Result<Option<(String, Vec<u8>)>>;
    /// The order a token was given for.
    async fn order_by_token(&self, token: &str) -> Result<Option<WorkOrder>>;
    /// Events of the given kinds recorded in `[from, to)`, oldest first, at most `limit`, with the
    /// number of their order (the public updates feed).
    async fn events_between(&self, kinds: &[ActionKind], from: Timestamp, to: Timestamp, limit: u32) -> Result<Vec<(OrderNumber, Event)>>;
}

/// What recording a client system's update found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdateRecord {
    /// Recorded now, with its event and notifications.
    Recorded,
    /// The client recorded an update under this id before (nothing was written now): the order it
    /// was for and its fingerprint (empty for updates recorded before fingerprints were kept).
    Seen { order: OrderId, fingerprint: String },
}
