//! The SQL backends of the storage port: SQLite (the embedded default) and PostgreSQL.
//!
//! One implementation serves both through sqlx's `Any` driver. What differs between the two lives in
//! two places only: the migrations (`migrations/sqlite`, `migrations/postgres`, types and identity
//! columns) and [`connect`] (pool shape and SQLite pragmas). The queries are written in the common
//! subset (`$n` parameters, `on conflict`, `returning`), timestamps are epoch milliseconds and
//! booleans 0/1 integers, so every row decodes the same way on both. The store conformance story in
//! `hotline-store` runs against both in CI.

mod batch;
pub mod bench;
mod feeds;
mod kb;
mod notices;
mod orders;
mod reference;
mod rows;

use std::borrow::Cow;
use std::str::FromStr;
use std::time::Duration;

use hotline_store::{Result, StoreError};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyPool, Executor};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The store. SQLite gets one writer connection (SQLite has one writer anyway; queueing in the pool is
/// cheaper than `SQLITE_BUSY` retries) and a few readers; PostgreSQL one shared pool.
#[derive(Clone)]
pub struct SqlStore {
    write: AnyPool,
    read: AnyPool,
    backend: Backend,
    /// SQLite only: creates go through one group-commit writer (see `batch.rs`).
    creates: Option<batch::Batcher>,
}

const SQLITE_PRAGMAS: &str = "pragma journal_mode = wal; pragma synchronous = normal; pragma foreign_keys = on; \
                              pragma busy_timeout = 10000; pragma cache_size = -32000;";

impl Backend {
    pub fn of_url(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Self::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Some(Self::Postgres)
        } else {
            None
        }
    }

    fn migrator(self) -> Migrator {
        let files: &[(i64, &str, &str)] = match self {
            Self::Sqlite => &[
                (1, "core", include_str!("../migrations/sqlite/0001_core.sql")),
                (2, "category details", include_str!("../migrations/sqlite/0002_category_details.sql")),
                (3, "reference versions", include_str!("../migrations/sqlite/0003_reference_versions.sql")),
                (4, "order street index", include_str!("../migrations/sqlite/0004_order_street_index.sql")),
                (5, "deadline notices", include_str!("../migrations/sqlite/0005_deadline_notices.sql")),
                (6, "evaluation columns", include_str!("../migrations/sqlite/0006_evaluation_columns.sql")),
                (7, "callback queue", include_str!("../migrations/sqlite/0007_callback_queue.sql")),
                (8, "open311", include_str!("../migrations/sqlite/0008_open311.sql")),
                (9, "knowledge base", include_str!("../migrations/sqlite/0009_knowledge_base.sql")),
            ],
            Self::Postgres => &[
                (1, "core", include_str!("../migrations/postgres/0001_core.sql")),
                (2, "category details", include_str!("../migrations/postgres/0002_category_details.sql")),
                (3, "reference versions", include_str!("../migrations/postgres/0003_reference_versions.sql")),
                (4, "order street index", include_str!("../migrations/postgres/0004_order_street_index.sql")),
                (5, "deadline notices", include_str!("../migrations/postgres/0005_deadline_notices.sql")),
                (6, "evaluation columns", include_str!("../migrations/postgres/0006_evaluation_columns.sql")),
                (7, "callback queue", include_str!("../migrations/postgres/0007_callback_queue.sql")),
                (8, "open311", include_str!("../migrations/postgres/0008_open311.sql")),
                (9, "knowledge base", include_str!("../migrations/postgres/0009_knowledge_base.sql")),
            ],
        };
        let migrations = files
            .iter()
            .map(|(version, name, sql)| Migration::new(*version, Cow::Borrowed(name), MigrationType::Simple, Cow::Borrowed(sql), false))
            .collect::<Vec<_>>();
        Migrator { migrations: Cow::Owned(migrations), ..Migrator::DEFAULT }
    }
}

pub(crate) fn backend_err(e: impl Into<hotline_store::BoxError>) -> StoreError {
    StoreError::backend(e)
}

/// Opens the database at `url` (`sqlite://hotline.db?mode=rwc`, `postgres://…`) and applies pending
/// migrations.
pub async fn connect(url: &str) -> Result<SqlStore> {
    let backend = Backend::of_url(url).ok_or_else(|| StoreError::backend("the database URL must start with sqlite: or postgres:"))?;
    sqlx::any::install_default_drivers();
    let options = AnyConnectOptions::from_str(url).map_err(backend_err)?;
    let store = match backend {
        Backend::Sqlite => {
            let pool = |max: u32| {
                AnyPoolOptions::new()
                    .max_connections(max)
                    .min_connections(1)
                    .acquire_timeout(Duration::from_secs(30))
                    .after_connect(|conn, _| Box::pin(async move { conn.execute(SQLITE_PRAGMAS).await.map(|_| ()) }))
                    .connect_with(options.clone())
            };
            let write = pool(1).await.map_err(backend_err)?;
            let read = pool(4).await.map_err(backend_err)?;
            let direct = SqlStore { write, read, backend, creates: None };
            SqlStore { creates: Some(batch::Batcher::spawn(direct.clone())), ..direct }
        }
        Backend::Postgres => {
            let pool = AnyPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(options)
                .await
                .map_err(backend_err)?;
            SqlStore { write: pool.clone(), read: pool, backend, creates: None }
        }
    };
    store.migrate().await?;
    Ok(store)
}

impl SqlStore {
    pub fn backend_kind(&self) -> Backend {
        self.backend
    }

    /// Applies the embedded migrations that have not run yet.
    pub async fn migrate(&self) -> Result<()> {
        self.backend.migrator().run(&self.write).await.map_err(backend_err)
    }

    /// Closes both pools, flushing SQLite's WAL.
    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}

#[async_trait::async_trait]
impl hotline_store::Store for SqlStore {
    fn backend(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("select 1").execute(&self.read).await.map_err(backend_err)?;
        Ok(())
    }

    async fn upsert_units(&self, units: &[hotline_store::NewUnit]) -> Result<()> {
        self.upsert_units_impl(units).await
    }
    async fn list_units(&self) -> Result<Vec<hotline_domain::Unit>> {
        self.list_units_impl().await
    }
    async fn get_unit(&self, id: hotline_domain::UnitId) -> Result<Option<hotline_domain::Unit>> {
        self.get_unit_impl(id).await
    }
    async fn insert_reference_version(&self, new: &hotline_store::NewReferenceVersion<'_>) -> Result<hotline_store::ReferenceVersion> {
        self.insert_reference_version_impl(new).await
    }
    async fn current_reference(&self, kind: hotline_store::ReferenceKind) -> Result<Option<hotline_store::ReferenceVersion>> {
        self.reference_version_impl(kind, None).await
    }
    async fn get_reference_version(
        &self,
        kind: hotline_store::ReferenceKind,
        version: i64,
    ) -> Result<Option<hotline_store::ReferenceVersion>> {
        self.reference_version_impl(kind, Some(version)).await
    }
    async fn list_reference_versions(&self, kind: hotline_store::ReferenceKind) -> Result<Vec<hotline_store::ReferenceVersion>> {
        self.list_reference_versions_impl(kind).await
    }
    async fn list_categories(&self) -> Result<Vec<hotline_store::Category>> {
        self.list_categories_impl().await
    }
    async fn insert_user(&self, user: &hotline_store::NewUser, now: hotline_domain::Timestamp) -> Result<hotline_store::User> {
        self.insert_user_impl(user, now).await
    }
    async fn find_user_by_username(&self, username: &str) -> Result<Option<(hotline_store::User, String)>> {
        self.find_user_by_username_impl(username).await
    }
    async fn list_users(&self) -> Result<Vec<hotline_store::User>> {
        self.list_users_impl().await
    }
    async fn insert_credential(
        &self,
        token_hash: &str,
        kind: hotline_store::CredentialKind,
        user: hotline_domain::UserId,
        name: &str,
        now: hotline_domain::Timestamp,
        expires_at: Option<hotline_domain::Timestamp>,
    ) -> Result<()> {
        self.insert_credential_impl(token_hash, kind, user, name, now, expires_at).await
    }
    async fn find_credential(
        &self,
        token_hash: &str,
        now: hotline_domain::Timestamp,
    ) -> Result<Option<(hotline_store::User, hotline_store::CredentialKind)>> {
        self.find_credential_impl(token_hash, now).await
    }
    async fn delete_credential(&self, token_hash: &str) -> Result<()> {
        self.delete_credential_impl(token_hash).await
    }
    async fn list_credentials(
        &self,
        user: hotline_domain::UserId,
        kind: hotline_store::CredentialKind,
    ) -> Result<Vec<hotline_store::CredentialInfo>> {
        self.list_credentials_impl(user, kind).await
    }
    async fn current_policy(&self, now: hotline_domain::Timestamp) -> Result<Option<hotline_domain::DeadlinePolicy>> {
        self.current_policy_impl(now).await
    }
    async fn insert_policy(
        &self,
        policy: &hotline_domain::DeadlinePolicy,
        effective_from: hotline_domain::Timestamp,
        actor: &hotline_domain::Actor,
        now: hotline_domain::Timestamp,
    ) -> Result<hotline_domain::DeadlinePolicy> {
        self.insert_policy_impl(policy, effective_from, actor, now).await
    }
    async fn list_policies(&self) -> Result<Vec<hotline_store::PolicyVersion>> {
        self.list_policies_impl().await
    }
    async fn create_order(
        &self,
        order: &hotline_domain::WorkOrder,
        events: &[hotline_domain::EventDraft],
        local_date: chrono::NaiveDate,
        idempotency: Option<&hotline_store::IdempotencyKey>,
    ) -> Result<hotline_store::Created> {
        self.create_order_impl(order, events, local_date, idempotency).await
    }
    async fn import_orders(
        &self,
        orders: &[(hotline_domain::WorkOrder, Vec<hotline_domain::EventDraft>)],
        local_date: chrono::NaiveDate,
    ) -> Result<usize> {
        self.import_orders_impl(orders, local_date).await
    }
    async fn apply_transition(&self, t: &hotline_domain::Transition) -> Result<hotline_domain::WorkOrder> {
        self.apply_transition_impl(t).await
    }
    async fn append_event(&self, order: hotline_domain::OrderId, event: &hotline_domain::EventDraft) -> Result<()> {
        self.append_event_impl(order, event).await
    }
    async fn get_order(&self, number: &hotline_domain::OrderNumber) -> Result<Option<hotline_domain::WorkOrder>> {
        self.get_order_impl(number).await
    }
    async fn list_orders(&self, query: &hotline_store::OrderQuery) -> Result<hotline_store::OrderPage> {
        self.list_orders_impl(query).await
    }
    async fn count_by_state(&self, units: Option<&[hotline_domain::UnitId]>) -> Result<Vec<hotline_store::StateCount>> {
        self.count_by_state_impl(units).await
    }
    async fn order_events(&self, order: hotline_domain::OrderId) -> Result<Vec<hotline_store::Event>> {
        self.order_events_impl(order).await
    }
    async fn case_orders(&self, case: hotline_domain::CaseId, limit: u32) -> Result<Vec<hotline_domain::WorkOrder>> {
        self.case_orders_impl(case, limit).await
    }
    async fn orders_due_for_notice(&self, now: hotline_domain::Timestamp, limit: u32) -> Result<Vec<hotline_domain::WorkOrder>> {
        self.orders_due_for_notice_impl(now, limit).await
    }
    async fn record_notices(
        &self,
        t: &hotline_domain::Transition,
        notifications: &[hotline_store::NewNotification],
        outbox: &[hotline_store::NewOutboxMessage],
    ) -> Result<hotline_domain::WorkOrder> {
        self.record_notices_impl(t, notifications, outbox).await
    }
    async fn record_notices_batch(&self, items: &[hotline_store::NoticeWrite]) -> Result<Vec<bool>> {
        self.record_notices_batch_impl(items).await
    }
    async fn set_next_notice(
        &self,
        order: hotline_domain::OrderId,
        expected_version: i64,
        next: Option<hotline_domain::Timestamp>,
    ) -> Result<()> {
        self.set_next_notice_impl(order, expected_version, next).await
    }
    async fn list_notifications(
        &self,
        unit: Option<hotline_domain::UnitId>,
        unread_only: bool,
        limit: u32,
    ) -> Result<Vec<hotline_store::Notification>> {
        self.list_notifications_impl(unit, unread_only, limit).await
    }
    async fn mark_notification_read(&self, id: i64, unit: Option<hotline_domain::UnitId>, now: hotline_domain::Timestamp) -> Result<()> {
        self.mark_notification_read_impl(id, unit, now).await
    }
    async fn pending_outbox(&self, limit: u32) -> Result<Vec<hotline_store::OutboxMessage>> {
        self.pending_outbox_impl(limit).await
    }
    async fn assessment_counts(
        &self,
        from: hotline_domain::Timestamp,
        to: hotline_domain::Timestamp,
    ) -> Result<Vec<hotline_domain::assessment::UnitCounts>> {
        self.assessment_counts_impl(from, to).await
    }
    async fn dispute_counts(
        &self,
        from: hotline_domain::Timestamp,
        to: hotline_domain::Timestamp,
    ) -> Result<Vec<(hotline_domain::UnitId, u64)>> {
        self.dispute_counts_impl(from, to).await
    }
    async fn insert_token(&self, token: &str, order: hotline_domain::OrderId, now: hotline_domain::Timestamp) -> Result<()> {
        sqlx::query("insert into open311_token (token, order_id, created_at) values ($1, $2, $3)")
            .bind(token)
            .bind(order.0)
            .bind(crate::rows::ms(now))
            .execute(&self.write)
            .await
            .map_err(|e| crate::rows::conflict_or_backend(e, "token"))?;
        Ok(())
    }
    async fn record_external_update(
        &self,
        update_id: &str,
        order: hotline_domain::OrderId,
        event: &hotline_domain::EventDraft,
        notifications: &[hotline_store::NewNotification],
    ) -> Result<()> {
        self.record_external_update_impl(update_id, order, event, notifications).await
    }
    async fn insert_media(&self, content_type: &str, file_name: &str, bytes: &[u8], now: hotline_domain::Timestamp) -> Result<i64> {
        let row = sqlx::query("insert into media (content_type, file_name, bytes, created_at) values ($1, $2, $3, $4) returning media_id")
            .bind(content_type)
            .bind(file_name)
            .bind(bytes.to_vec())
            .bind(crate::rows::ms(now))
            .fetch_one(&self.write)
            .await
            .map_err(backend_err)?;
        crate::rows::get(&row, "media_id")
    }
    async fn get_media(&self, id: i64) -> Result<Option<(String, Vec<u8>)>> {
        let row = sqlx::query("select content_type, bytes from media where media_id = $1")
            .bind(id)
            .fetch_optional(&self.read)
            .await
            .map_err(backend_err)?;
        row.map(|r| Ok((crate::rows::get(&r, "content_type")?, crate::rows::get(&r, "bytes")?))).transpose()
    }
    async fn events_of_orders(&self, orders: &[hotline_domain::OrderId]) -> Result<Vec<(hotline_domain::OrderId, hotline_store::Event)>> {
        if orders.is_empty() {
            return Ok(Vec::new());
        }
        let orders = &orders[..orders.len().min(1000)];
        let marks = (1..=orders.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        let sql = format!("{} where order_id in ({marks}) order by order_id, event_id", crate::rows::EVENT_SELECT);
        let mut q = sqlx::query(&sql);
        for o in orders {
            q = q.bind(o.0);
        }
        let rows = q.fetch_all(&self.read).await.map_err(backend_err)?;
        rows.iter().map(|r| Ok((hotline_domain::OrderId(crate::rows::get(r, "order_id")?), crate::rows::event_from_row(r)?))).collect()
    }
    async fn order_by_token(&self, token: &str) -> Result<Option<hotline_domain::WorkOrder>> {
        let row =
            sqlx::query(&format!("{} where order_id = (select order_id from open311_token where token = $1)", crate::rows::ORDER_SELECT))
                .bind(token)
                .fetch_optional(&self.read)
                .await
                .map_err(backend_err)?;
        row.as_ref().map(crate::rows::order_from_row).transpose()
    }
    async fn events_between(
        &self,
        kinds: &[hotline_domain::ActionKind],
        from: hotline_domain::Timestamp,
        to: hotline_domain::Timestamp,
        limit: u32,
    ) -> Result<Vec<(hotline_domain::OrderNumber, hotline_store::Event)>> {
        self.events_between_impl(kinds, from, to, limit).await
    }
    async fn save_article(
        &self,
        article: &hotline_domain::kb::ArticleDraft,
        owner: hotline_domain::UnitId,
        expected_version: Option<i64>,
        by: &str,
        now: hotline_domain::Timestamp,
    ) -> Result<hotline_store::StoredArticle> {
        self.save_article_impl(article, owner, expected_version, by, now).await
    }
    async fn get_article(&self, slug: &str) -> Result<Option<hotline_store::StoredArticle>> {
        self.get_article_impl(slug).await
    }
    async fn list_articles(&self) -> Result<Vec<hotline_store::StoredArticle>> {
        self.list_articles_impl().await
    }
    async fn articles_due_for_review(
        &self,
        owners: Option<&[hotline_domain::UnitId]>,
        today: chrono::NaiveDate,
    ) -> Result<Vec<hotline_store::StoredArticle>> {
        self.articles_due_for_review_impl(owners, today).await
    }
    async fn article_versions(&self, slug: &str) -> Result<Vec<hotline_store::ArticleVersion>> {
        self.article_versions_impl(slug).await
    }
    async fn order_changes(&self, after: i64, limit: u32) -> Result<Vec<(i64, hotline_domain::OrderId)>> {
        self.order_changes_impl(after, limit).await
    }
    async fn order_changes_at(&self, event_ids: &[i64]) -> Result<Vec<(i64, hotline_domain::OrderId)>> {
        self.order_changes_at_impl(event_ids).await
    }
    async fn orders_by_ids(&self, ids: &[hotline_domain::OrderId]) -> Result<Vec<hotline_domain::WorkOrder>> {
        self.orders_by_ids_impl(ids).await
    }
    async fn scan_orders(&self, after: hotline_domain::OrderId, limit: u32) -> Result<Vec<hotline_domain::WorkOrder>> {
        self.scan_orders_impl(after, limit).await
    }
    async fn change_heads(&self) -> Result<(i64, i64)> {
        self.change_heads_impl().await
    }
    async fn article_changes(&self, after: i64, limit: u32) -> Result<Vec<(i64, String)>> {
        self.article_changes_impl(after, limit).await
    }
    async fn article_changes_at(&self, version_ids: &[i64]) -> Result<Vec<(i64, String)>> {
        self.article_changes_at_impl(version_ids).await
    }
    async fn article_use_counts(&self) -> Result<Vec<(String, i64)>> {
        self.article_use_counts_impl().await
    }
    async fn setting_or_insert(&self, key: &str, value: &str) -> Result<String> {
        sqlx::query("insert into setting (key, value) values ($1, $2) on conflict (key) do nothing")
            .bind(key)
            .bind(value)
            .execute(&self.write)
            .await
            .map_err(backend_err)?;
        let row = sqlx::query("select value from setting where key = $1").bind(key).fetch_one(&self.write).await.map_err(backend_err)?;
        crate::rows::get(&row, "value")
    }
    async fn callback_queue(&self, now: hotline_domain::Timestamp, limit: u32, offset: u32) -> Result<hotline_store::OrderPage> {
        self.callback_queue_impl(now, limit, offset).await
    }
    async fn events_of_kind(
        &self,
        kind: hotline_domain::ActionKind,
        from: hotline_domain::Timestamp,
        to: hotline_domain::Timestamp,
    ) -> Result<Vec<(hotline_domain::OrderId, hotline_store::Event)>> {
        self.events_of_kind_impl(kind, from, to).await
    }
}
