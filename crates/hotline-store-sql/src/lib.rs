//! The SQL backends of the storage port: SQLite (the embedded default) and PostgreSQL.
//!
//! One implementation serves both through sqlx's `Any` driver. What differs between the two lives in
//! two places only: the migrations (`migrations/sqlite`, `migrations/postgres`, types and identity
//! columns) and [`connect`] (pool shape and SQLite pragmas). The queries are written in the common
//! subset (`$n` parameters, `on conflict`, `returning`), timestamps are epoch milliseconds and
//! booleans 0/1 integers, so every row decodes the same way on both. The store conformance story in
//! `hotline-store` runs against both in CI.

mod accounts;
mod alerts;
mod assessment;
mod batch;
pub mod bench;
mod feeds;
mod incidents;
mod kb;
mod notices;
mod open311;
mod orders;
mod problems;
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
                (10, "domain checks", include_str!("../migrations/sqlite/0010_domain_checks.sql")),
                (11, "history import", include_str!("../migrations/sqlite/0011_history_import.sql")),
                (12, "alerts", include_str!("../migrations/sqlite/0012_alerts.sql")),
                (13, "incidents", include_str!("../migrations/sqlite/0013_incidents.sql")),
                (14, "problems", include_str!("../migrations/sqlite/0014_problems.sql")),
                (15, "open311 clients", include_str!("../migrations/sqlite/0015_open311_clients.sql")),
                (16, "media public ids", include_str!("../migrations/sqlite/0016_media_public_ids.sql")),
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
                (10, "domain checks", include_str!("../migrations/postgres/0010_domain_checks.sql")),
                (11, "history import", include_str!("../migrations/postgres/0011_history_import.sql")),
                (12, "alerts", include_str!("../migrations/postgres/0012_alerts.sql")),
                (13, "incidents", include_str!("../migrations/postgres/0013_incidents.sql")),
                (14, "problems", include_str!("../migrations/postgres/0014_problems.sql")),
                (15, "open311 clients", include_str!("../migrations/postgres/0015_open311_clients.sql")),
                (16, "media public ids", include_str!("../migrations/postgres/0016_media_public_ids.sql")),
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
}

#[cfg(test)]
mod schema_tests {
    use hotline_domain::{ActionKind, AlertKind, AlertStatus, IncidentStatus, Role, State, UnitClass};

    const SQLITE: [&str; 5] = [
        include_str!("../migrations/sqlite/0010_domain_checks.sql"),
        include_str!("../migrations/sqlite/0011_history_import.sql"),
        include_str!("../migrations/sqlite/0012_alerts.sql"),
        include_str!("../migrations/sqlite/0013_incidents.sql"),
        include_str!("../migrations/sqlite/0015_open311_clients.sql"),
    ];
    const POSTGRES: [&str; 5] = [
        include_str!("../migrations/postgres/0010_domain_checks.sql"),
        include_str!("../migrations/postgres/0011_history_import.sql"),
        include_str!("../migrations/postgres/0012_alerts.sql"),
        include_str!("../migrations/postgres/0013_incidents.sql"),
        include_str!("../migrations/postgres/0015_open311_clients.sql"),
    ];

    /// The quoted codes of the check named `name` as the newest migration defining it has it (its
    /// last definition there: a SQLite rewrite names the old text before the new): a PostgreSQL
    /// `check (… in (…))`, or a SQLite trigger's `when not (…)` (an `in` list or a chain of
    /// comparisons).
    fn codes(migrations: &[&str], name: &str) -> Vec<String> {
        let defining =
            |sql: &&&str| sql.contains(&format!("constraint {name} check")) || sql.contains(&format!("create trigger {name}_insert"));
        let sql = migrations.iter().rev().find(defining).unwrap_or_else(|| panic!("no check {name}"));
        let at =
            sql.rfind(&format!("constraint {name} check")).or_else(|| sql.rfind(&format!("create trigger {name}_insert"))).expect("found");
        let body = &sql[at..];
        // One check per line: a PostgreSQL statement, a SQLite constraint in its table; a check's
        // list ends at its first closing parenthesis (codes hold none).
        let end = body.find('\n').unwrap_or(body.len()).min(body.find("begin").unwrap_or(body.len()));
        let end = body.find(')').map_or(end, |close| end.min(close + 1));
        // Quotes doubled inside a string literal (SQLite's rewritten definitions) are single quotes.
        body[..end].replace("''", "'").split('\'').skip(1).step_by(2).map(str::to_owned).collect()
    }

    #[test]
    fn the_schema_checks_list_exactly_the_domain_codes_on_both_backends() {
        let states: Vec<String> = State::ALL.iter().map(|s| s.code().to_owned()).collect();
        let kinds: Vec<String> = ActionKind::ALL.iter().map(|k| k.code().to_owned()).collect();
        let classes: Vec<String> = UnitClass::ALL.iter().map(|c| c.code().to_owned()).collect();
        let roles: Vec<String> = Role::ALL.iter().map(|r| r.code().to_owned()).collect();
        let alert_kinds: Vec<String> = AlertKind::ALL.iter().map(|k| k.code().to_owned()).collect();
        let alert_statuses: Vec<String> = AlertStatus::ALL.iter().map(|s| s.code().to_owned()).collect();
        let incident_statuses: Vec<String> = IncidentStatus::ALL.iter().map(|s| s.code().to_owned()).collect();
        let mut actor_roles = roles.clone();
        actor_roles.push("citizen".into());
        for sql in [&SQLITE[..], &POSTGRES[..]] {
            assert_eq!(codes(sql, "work_order_state_check"), states);
            assert_eq!(codes(sql, "order_event_to_state_check"), states);
            assert_eq!(codes(sql, "order_event_from_state_check"), states);
            assert_eq!(codes(sql, "order_event_kind_check"), kinds);
            assert_eq!(codes(sql, "order_event_actor_role_check"), actor_roles);
            assert_eq!(codes(sql, "unit_class_check"), classes);
            assert_eq!(codes(sql, "app_user_role_check"), roles);
            assert_eq!(codes(sql, "alert_kind_check"), alert_kinds);
            assert_eq!(codes(sql, "alert_status_check"), alert_statuses);
            assert_eq!(codes(sql, "incident_status_check"), incident_statuses);
        }
    }
}
