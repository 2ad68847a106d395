//! The storage port. Use cases talk to `dyn Store`; backends (SQLite, PostgreSQL) implement it.
//!
//! Each method is one use-case step and one transaction: a store never leaves half a write behind.
//! No backend's SQL or types appear here: ids, timestamps and domain types only.

use async_trait::async_trait;
use chrono::NaiveDate;
use hotline_domain::{
    Actor, CaseId, DeadlinePolicy, EventDraft, OrderId, OrderNumber, Role, State, Timestamp, Transition, Unit, UnitClass, UnitId, UserId,
    WorkOrder,
};

#[cfg(feature = "testing")]
pub mod testing;

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

/// A stored version of the deadline policy: in force from `effective_from`, saved at `created_at`.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyVersion {
    pub policy: DeadlinePolicy,
    pub effective_from: Timestamp,
    pub created_at: Timestamp,
    pub created_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUnit {
    pub code: String,
    pub name: String,
    pub class: UnitClass,
    /// Code of the parent unit, which must already exist or come earlier in the same batch.
    pub parent_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    /// Full path code, `TRF/parking`.
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub default_urgency: String,
    /// What belongs there (and what does not), for operators.
    pub description: String,
    /// Words people use for it, for search and triage.
    pub keywords: Vec<String>,
}

/// A reference set kept in versions: every save stores the whole set anew.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReferenceKind {
    /// The category tree (分类目录).
    Categories,
    /// The dispatch catalogue (派单目录).
    DispatchRules,
    /// The assessment's scoring scheme (考评办法), each version in force from a month on.
    ScoringScheme,
}

impl ReferenceKind {
    pub fn code(self) -> &'static str {
        match self {
            Self::Categories => "categories",
            Self::DispatchRules => "dispatch_rules",
            Self::ScoringScheme => "scoring_scheme",
        }
    }
}

/// One stored version of a reference set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceVersion {
    pub kind: ReferenceKind,
    /// 1, 2, 3 … per kind.
    pub version: i64,
    pub created_at: Timestamp,
    pub created_by: String,
    pub note: String,
    /// The whole set in its CSV format.
    pub body: String,
}

/// A new version to store.
#[derive(Debug, Clone, Copy)]
pub struct NewReferenceVersion<'a> {
    pub kind: ReferenceKind,
    /// The version the editor started from (`None` for the first): when another version was saved
    /// meanwhile, the store refuses with `Conflict` rather than silently dropping that edit.
    pub base_version: Option<i64>,
    pub body: &'a str,
    pub note: &'a str,
    pub created_by: &'a str,
    pub now: Timestamp,
    /// For `Categories`: the parsed tree, which replaces the `category` rows in the same transaction.
    pub categories: &'a [Category],
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit: Option<UnitId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit: Option<UnitId>,
    pub password_hash: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialKind {
    /// A browser session (cookie), expires.
    Session,
    /// A machine token (Bearer), until revoked.
    ApiToken,
}

/// A stored credential, without its secret (which is never stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialInfo {
    pub token_hash: String,
    pub name: String,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
}

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
    /// Only orders filed under these category paths (empty: any).
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

/// A stored knowledge-base article: the draft as saved, its owner unit and version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredArticle {
    pub id: i64,
    /// 1 for the first save, then +1 per save.
    pub version: i64,
    pub owner: UnitId,
    pub article: hotline_domain::kb::ArticleDraft,
    pub updated_at: Timestamp,
    pub updated_by: String,
}

/// One saved version of an article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleVersion {
    pub version: i64,
    pub created_at: Timestamp,
    pub created_by: String,
    pub article: hotline_domain::kb::ArticleDraft,
}

#[async_trait]
pub trait Store: Send + Sync {
    /// A name for logs and /healthz: `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    async fn ping(&self) -> Result<()>;

    // Units and categories (reference data).
    /// Inserts units whose code is new and updates name/class/parent of known codes, in one transaction.
    async fn upsert_units(&self, units: &[NewUnit]) -> Result<()>;
    async fn list_units(&self) -> Result<Vec<Unit>>;
    async fn get_unit(&self, id: UnitId) -> Result<Option<Unit>>;
    /// The category tree in force (the projection of the newest `Categories` version).
    async fn list_categories(&self) -> Result<Vec<Category>>;
    /// Stores the next version of a reference set (base + 1) and returns it; `Conflict` when the
    /// newest stored version is not `base_version`.
    async fn insert_reference_version(&self, new: &NewReferenceVersion<'_>) -> Result<ReferenceVersion>;
    /// The newest version of a set, if any was ever stored.
    async fn current_reference(&self, kind: ReferenceKind) -> Result<Option<ReferenceVersion>>;
    async fn get_reference_version(&self, kind: ReferenceKind, version: i64) -> Result<Option<ReferenceVersion>>;
    /// Every version of a set, newest first, without bodies (`body` is empty).
    async fn list_reference_versions(&self, kind: ReferenceKind) -> Result<Vec<ReferenceVersion>>;

    // Accounts and credentials.
    /// `Conflict` when the username is taken.
    async fn insert_user(&self, user: &NewUser, now: Timestamp) -> Result<User>;
    /// The user and their password hash.
    async fn find_user_by_username(&self, username: &str) -> Result<Option<(User, String)>>;
    async fn list_users(&self) -> Result<Vec<User>>;
    async fn insert_credential(
        &self,
        token_hash: &str,
        kind: CredentialKind,
        user: UserId,
        name: &str,
        now: Timestamp,
        expires_at: Option<Timestamp>,
    ) -> Result<()>;
    /// The active user a session or token hash belongs to, if it has not expired at `now`.
    async fn find_credential(&self, token_hash: &str, now: Timestamp) -> Result<Option<(User, CredentialKind)>>;
    async fn delete_credential(&self, token_hash: &str) -> Result<()>;
    /// A user's credentials of one kind, newest first.
    async fn list_credentials(&self, user: UserId, kind: CredentialKind) -> Result<Vec<CredentialInfo>>;

    // Deadline policy (versioned).
    /// The newest policy in effect at `now`, if any was ever stored.
    async fn current_policy(&self, now: Timestamp) -> Result<Option<DeadlinePolicy>>;
    /// Stores a new version (the next number, whatever `policy.version` says) and returns it.
    async fn insert_policy(
        &self,
        policy: &DeadlinePolicy,
        effective_from: Timestamp,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<DeadlinePolicy>;
    async fn list_policies(&self) -> Result<Vec<PolicyVersion>>;

    // Work orders.
    /// Numbers the order (`local_date` + the day's next sequence), opens its case, inserts it with its
    /// events, and records the idempotency key: all or nothing. A key seen before returns the order
    /// it created, with `replayed = true`, and writes nothing.
    async fn create_order(
        &self,
        order: &WorkOrder,
        events: &[EventDraft],
        local_date: NaiveDate,
        idempotency: Option<&IdempotencyKey>,
    ) -> Result<Created>;
    /// Bulk load of already-built orders (historical imports, benchmarks): each is numbered, given
    /// its case (an order whose `case_id` is 0 opens its own; otherwise it joins that case) and stored
    /// with its events, all in one transaction. Returns how many were stored.
    async fn import_orders(&self, orders: &[(WorkOrder, Vec<EventDraft>)], local_date: NaiveDate) -> Result<usize>;
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

    // Deadline notices (the scheduler).
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

    // Assessment.
    /// Per main unit, what the evaluations recorded in `[from, to)` said.
    async fn assessment_counts(&self, from: Timestamp, to: Timestamp) -> Result<Vec<hotline_domain::assessment::UnitCounts>>;
    /// Per unit, how many dispatches it disputed (退单) in `[from, to)`.
    async fn dispute_counts(&self, from: Timestamp, to: Timestamp) -> Result<Vec<(UnitId, u64)>>;

    /// The shared value of `key`: `value` is stored when none is yet (the first node to ask wins),
    /// and the stored one returned.
    async fn setting_or_insert(&self, key: &str, value: &str) -> Result<String>;

    // Open311.
    /// Remembers the token a client was given for an order (deferred intake).
    async fn insert_token(&self, token: &str, order: OrderId, now: Timestamp) -> Result<()>;
    /// Records a client system's update (its `update_id`, once) as an event of the order, with the
    /// notifications it raises, in one transaction; `Conflict` when the update_id was seen before.
    async fn record_external_update(
        &self,
        update_id: &str,
        order: OrderId,
        event: &EventDraft,
        notifications: &[NewNotification],
    ) -> Result<()>;
    /// Stores an uploaded file and returns its id.
    async fn insert_media(&self, content_type: &str, file_name: &str, bytes: &[u8], now: Timestamp) -> Result<i64>;
    /// An uploaded file: its content type and bytes.
    async fn get_media(&self, id: i64) -> Result<Option<(String, Vec<u8>)>>;
    /// The order a token was given for.
    async fn order_by_token(&self, token: &str) -> Result<Option<WorkOrder>>;
    /// Events of the given kinds recorded in `[from, to)`, oldest first, at most `limit`, with the
    /// number of their order (the public updates feed).
    async fn events_between(
        &self,
        kinds: &[hotline_domain::ActionKind],
        from: Timestamp,
        to: Timestamp,
        limit: u32,
    ) -> Result<Vec<(OrderNumber, Event)>>;

    // Knowledge base.
    /// Saves an article: a new slug when `expected_version` is `None` (`Conflict` if it exists), else
    /// the next version of that slug if it is still at `expected_version` (`Conflict` otherwise).
    /// Every version is kept.
    async fn save_article(
        &self,
        article: &hotline_domain::kb::ArticleDraft,
        owner: UnitId,
        expected_version: Option<i64>,
        by: &str,
        now: Timestamp,
    ) -> Result<StoredArticle>;
    async fn get_article(&self, slug: &str) -> Result<Option<StoredArticle>>;
    /// Every article, current versions, by slug.
    async fn list_articles(&self) -> Result<Vec<StoredArticle>>;
    /// Articles whose review date is before `today`, of these owner units (`None`: any), by slug.
    async fn articles_due_for_review(&self, owners: Option<&[UnitId]>, today: NaiveDate) -> Result<Vec<StoredArticle>>;
    /// Every saved version of an article, newest first (empty for an unknown slug).
    async fn article_versions(&self, slug: &str) -> Result<Vec<ArticleVersion>>;

    /// How many orders were answered directly from each article (by slug).
    async fn article_use_counts(&self) -> Result<Vec<(String, i64)>>;

    // Change feeds, for readers that keep their own copy (the search index). Event ids and article
    // version ids only grow, but on a backend with concurrent writers an id can become visible
    // after a higher one (it was taken before its transaction committed): readers re-ask for the
    // ids they skipped (`order_changes_at`).
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
    /// Article versions saved after version id `after`, oldest first: (version id, slug).
    async fn article_changes(&self, after: i64, limit: u32) -> Result<Vec<(i64, String)>>;
    /// Which of these article version ids exist now, with their slugs.
    async fn article_changes_at(&self, version_ids: &[i64]) -> Result<Vec<(i64, String)>>;

    // Callback (回访).
    /// Orders waiting for a callback at `now` (replied, or past their reply due time), longest
    /// waiting first.
    async fn callback_queue(&self, now: Timestamp, limit: u32, offset: u32) -> Result<OrderPage>;
    /// Events of one kind recorded in `[from, to)`, oldest first, with their order (summons and
    /// report-ins for the month's whistle table).
    async fn events_of_kind(&self, kind: hotline_domain::ActionKind, from: Timestamp, to: Timestamp) -> Result<Vec<(OrderId, Event)>>;
}
