//! The storage port, split by capability as each use case needs it: [`OrderStore`],
//! [`AccountStore`], [`ReferenceStore`], [`NoticeStore`], [`AssessmentStore`], [`KnowledgeStore`],
//! [`FeedStore`], [`Open311Store`], [`AlertStore`], [`IncidentStore`], [`ProblemStore`]; [`Store`] is all of them, what a backend (SQLite,
//! PostgreSQL) implements and what the app holds.
//!
//! Each method is one use-case step and one transaction: a store never leaves half a write behind.
//! No backend's SQL or types appear here: ids, timestamps and domain types only.

mod accounts;
mod alerts;
mod assessment;
mod feeds;
mod incidents;
mod kb;
mod notices;
mod open311;
mod orders;
mod problems;
mod reference;
#[cfg(feature = "testing")]
pub mod testing;

pub use accounts::*;
pub use alerts::*;
pub use assessment::*;
pub use feeds::*;
pub use incidents::*;
pub use kb::*;
pub use notices::*;
pub use open311::*;
pub use orders::*;
pub use problems::*;
pub use reference::*;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row asked for does not exist.
    #[error("not found")]
    NotFound,
    /// A guarded update lost a race, or a unique value is taken.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A reference points nowhere (unknown unit, user).
    #[error("invalid reference: {0}")]
    InvalidReference(String),
    /// Anything else: connection lost, disk full, a corrupt row, a bug. The cause is kept (logged
    /// at the edge with its chain), never shown to users.
    #[error("storage backend failed")]
    Backend(#[source] BoxError),
}

/// Any error, kept as the cause of a [`StoreError::Backend`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

impl StoreError {
    /// A backend failure caused by `e` (an error, or a message).
    pub fn backend(e: impl Into<BoxError>) -> Self {
        Self::Backend(e.into())
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Every capability: what a backend implements and the application holds.
#[async_trait::async_trait]
pub trait Store:
    ReferenceStore
    + AccountStore
    + OrderStore
    + NoticeStore
    + AssessmentStore
    + KnowledgeStore
    + FeedStore
    + Open311Store
    + AlertStore
    + IncidentStore
    + ProblemStore
    + Send
    + Sync
{
    /// A name for logs and /healthz: `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    async fn ping(&self) -> Result<()>;
}
