//! The baseline the HTTP create benchmark is measured against: the same order row and event row
//! inserted with plain sqlx-sqlite on one connection, one transaction per order, no HTTP, no auth,
//! no validation, no `Any` driver. The ratio between the two is what holds on a noisy machine.

use std::str::FromStr;
use std::time::{Duration, Instant};

use hotline_domain::{EventDraft, WorkOrder};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection};

use crate::rows::{ORDER_COLUMNS, ms};

/// Inserts `n` copies of `order` (distinct numbers) with `event` into a fresh SQLite database at
/// `path`, migrated like the real one, with the production pragmas. Returns the elapsed time.
pub async fn raw_sqlite_inserts(path: &str, order: &WorkOrder, event: &EventDraft, n: usize) -> Result<Duration, String> {
    let url = format!("sqlite://{path}?mode=rwc");
    crate::connect(&url).await.map_err(|e| e.to_string())?.close().await;
    let mut conn = SqliteConnectOptions::from_str(&url)
        .map_err(|e| e.to_string())?
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .connect()
        .await
        .map_err(|e| e.to_string())?;
    let doc = serde_json::to_string(order).map_err(|e| e.to_string())?;
    let payload = serde_json::to_string(&event.payload).map_err(|e| e.to_string())?;
    let cols = ORDER_COLUMNS.join(", ");
    let params = (3..3 + ORDER_COLUMNS.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
    let insert = format!("insert into work_order (number, case_id, {cols}) values ($1, $2, {params}) returning order_id");
    // The units the row refers to, so its foreign keys hold as in the real database.
    let units = order
        .location
        .district
        .into_iter()
        .chain(order.location.street)
        .chain(order.assignment.iter().flat_map(|a| a.units().collect::<Vec<_>>()));
    for u in units {
        sqlx::query("insert into unit (unit_id, code, name, class) values ($1, $2, $2, 'street') on conflict do nothing")
            .bind(u.0)
            .bind(format!("u{}", u.0))
            .execute(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
    }
    let start = Instant::now();
    for i in 0..n {
        let mut tx = conn.begin().await.map_err(|e| e.to_string())?;
        let case: i64 = sqlx::query_scalar("insert into order_case (opened_at) values ($1) returning case_id")
            .bind(ms(order.received_at))
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| e.to_string())?;
        let mut q = sqlx::query_scalar::<_, i64>(&insert).bind(format!("2026112{i:08}")).bind(case);
        q = q
            .bind(order.version)
            .bind(order.state.code())
            .bind(order.channel.code())
            .bind(order.nature.map(hotline_domain::Nature::code))
            .bind(order.category.as_ref().map(|c| c.as_str().to_owned()))
            .bind(order.urgency.code())
            .bind(order.requester.phone.as_ref().map(|p| p.as_str().to_owned()))
            .bind(order.location.district.map(|u| u.0))
            .bind(order.location.street.map(|u| u.0))
            .bind(order.assignment.as_ref().map(|a| a.main_unit.0))
            .bind(0_i64)
            .bind(order.dues.policy_version)
            .bind(order.dues.dispatch_due.map(ms))
            .bind(order.dues.contact_due.map(ms))
            .bind(order.dues.reply_due.map(ms))
            .bind(ms(order.received_at))
            .bind(None::<i64>)
            .bind(None::<i64>)
            .bind(None::<i64>)
            .bind(None::<i64>)
            .bind(ms(order.updated_at))
            .bind(None::<i64>)
            // next_notice_at … submitted_service, in ORDER_COLUMNS' order.
            .bind(order.next_notice_at.map(ms))
            .bind(None::<i64>)
            .bind(None::<i64>)
            .bind(None::<String>)
            .bind(None::<String>)
            .bind(order.callback_since().map(ms))
            .bind(None::<String>)
            .bind(None::<String>)
            .bind(None::<String>)
            .bind(doc.as_str());
        debug_assert_eq!(ORDER_COLUMNS.len(), 32, "bind every column above");
        let id = q.fetch_one(&mut *tx).await.map_err(|e| e.to_string())?;
        sqlx::query(
            "insert into order_event (order_id, kind, from_state, to_state, actor_user_id, actor_role, actor_unit_id, actor_name, at, reason, payload) \
             values ($1, $2, $3, $4, null, $5, null, $6, $7, null, $8)",
        )
        .bind(id)
        .bind(event.kind().code())
        .bind(event.from.map(hotline_domain::State::code))
        .bind(event.to.code())
        .bind(event.actor.role_code())
        .bind(event.actor.name.as_str())
        .bind(ms(event.at))
        .bind(payload.as_str())
        .execute(&mut *tx)
        .await
        .map_err(|e| e.to_string())?;
        tx.commit().await.map_err(|e| e.to_string())?;
    }
    let elapsed = start.elapsed();
    conn.close().await.map_err(|e| e.to_string())?;
    Ok(elapsed)
}

/// The baseline of the search benchmark: how long a plain scan of the orders table for one word
/// takes (`LIKE '%word%'` over every description, no index, no ranking) on the SQLite file at
/// `path`. Returns the rows found and the elapsed time.
pub async fn like_scan(path: &str, word: &str) -> Result<(i64, Duration), String> {
    let url = format!("sqlite://{path}?mode=ro");
    let mut conn = SqliteConnectOptions::from_str(&url).map_err(|e| e.to_string())?.connect().await.map_err(|e| e.to_string())?;
    let t = Instant::now();
    let n: i64 = sqlx::query_scalar("select count(*) from work_order where doc like $1")
        .bind(format!("%{word}%"))
        .fetch_one(&mut conn)
        .await
        .map_err(|e| e.to_string())?;
    Ok((n, t.elapsed()))
}

/// A new, empty PostgreSQL database `name` on the server of `admin_url` (dropped first if it
/// exists); returns its URL. For benchmarks that must not write into a database in use.
pub async fn fresh_postgres_database(admin_url: &str, name: &str) -> Result<String, String> {
    use sqlx::Executor;
    sqlx::any::install_default_drivers();
    let mut admin = sqlx::AnyConnection::connect(admin_url).await.map_err(|e| e.to_string())?;
    admin.execute(format!("drop database if exists {name} with (force)").as_str()).await.map_err(|e| e.to_string())?;
    admin.execute(format!("create database {name}").as_str()).await.map_err(|e| e.to_string())?;
    match admin_url.rsplit_once('/') {
        Some((server, _)) => Ok(format!("{server}/{name}")),
        None => Err("the URL names no database".into()),
    }
}

/// Drops the database `name` made by [`fresh_postgres_database`].
pub async fn drop_postgres_database(admin_url: &str, name: &str) -> Result<(), String> {
    use sqlx::Executor;
    let mut admin = sqlx::AnyConnection::connect(admin_url).await.map_err(|e| e.to_string())?;
    admin.execute(format!("drop database if exists {name} with (force)").as_str()).await.map_err(|e| e.to_string())?;
    Ok(())
}
