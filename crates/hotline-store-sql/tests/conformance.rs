//! Runs the store conformance story (`hotline_store::testing`) against both SQL backends, each on a
//! fresh database: a temporary SQLite file, and a throw-away PostgreSQL database created on the
//! server named by `HOTLINE_TEST_POSTGRES_URL` (e.g. `postgres://postgres@127.0.0.1:5432/postgres`).
//! Without that variable the PostgreSQL test is skipped locally and fails in CI (`CI` set).

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use hotline_store::testing::conformance_story;
use sqlx::{Connection, Executor};

const POSTGRES_URL_VAR: &str = "HOTLINE_TEST_POSTGRES_URL";

/// A name no other test run (process) or test in this run uses.
fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    #[allow(clippy::disallowed_methods)] // a unique name, not a time the code under test sees
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or_default();
    format!("{prefix}_{}_{}_{nanos}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// Runs the story on the store at `url` in its own task, so that a failing assertion still lets the
/// caller clean up; the store is closed either way. Returns the story's panic, if any.
async fn run_story(url: String) -> Result<(), tokio::task::JoinError> {
    tokio::spawn(async move {
        let store = hotline_store_sql::connect(&url).await.expect("connect to and migrate the test database");
        conformance_story(&store).await;
        store.close().await;
        schema_refuses_codes_outside_the_domain(&url).await;
    })
    .await
}

/// Writes that bypass the application with codes the domain does not have are refused by the
/// database itself (migrations 0010, 0012): a state, an event kind, a unit class, a role, an alert's
/// kind and status.
async fn schema_refuses_codes_outside_the_domain(url: &str) {
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url).await.expect("a raw connection");
    for bad in [
        "update work_order set state = 'lost' where order_id = (select min(order_id) from work_order)",
        "update order_event set to_state = 'lost' where event_id = (select min(event_id) from order_event)",
        "update order_event set kind = 'teleport' where event_id = (select min(event_id) from order_event)",
        "insert into unit (code, name, class) values ('X-MIN', '某部', 'ministry')",
        "update app_user set role = 'root' where user_id = (select min(user_id) from app_user)",
        "update alert set kind = 'flood' where alert_id = (select min(alert_id) from alert)",
        "update alert set status = 'closed' where alert_id = (select min(alert_id) from alert)",
    ] {
        let refused = conn.execute(bad).await;
        assert!(refused.is_err(), "the schema accepted: {bad}");
    }
    // A second ongoing alert of one series (two passes racing) is refused too (migration 0012).
    let twin = "insert into alert (kind, series, started_at, observed, expected, score, recurrence_days, detected_at, last_seen_at, \
                status) select kind, series, started_at, observed, expected, score, recurrence_days, detected_at, last_seen_at, status \
                from alert where alert_id = (select min(alert_id) from alert where ended_at is null)";
    assert!(conn.execute(twin).await.is_err(), "the schema accepted a second ongoing alert of a series");
    // The same kinds of writes with the domain's codes go through.
    conn.execute("update work_order set state = state where order_id = (select min(order_id) from work_order)")
        .await
        .expect("a valid state");
    conn.close().await.expect("close");
}

/// Deletes the SQLite database and its WAL files when dropped.
struct TempDb(PathBuf);

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_backend_passes_the_conformance_story() {
    let db = TempDb(std::env::temp_dir().join(format!("{}.db", unique_name("hotline_test"))));
    let url = format!("sqlite://{}?mode=rwc", db.0.display());
    if let Err(e) = run_story(url).await {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// `url` with its database (path) replaced by `database`, query string kept.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let server = match base[authority_start..].find('/') {
        Some(i) => &base[..authority_start + i],
        None => base,
    };
    match query {
        Some(q) => format!("{server}/{database}?{q}"),
        None => format!("{server}/{database}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_backend_passes_the_conformance_story() {
    let Some(server_url) = std::env::var(POSTGRES_URL_VAR).ok().filter(|v| !v.is_empty()) else {
        if std::env::var("CI").is_ok_and(|v| !v.is_empty()) {
            panic!("{POSTGRES_URL_VAR} is not set: CI must run the PostgreSQL conformance story, not skip it");
        }
        eprintln!("note: {POSTGRES_URL_VAR} is not set; skipping the PostgreSQL conformance story");
        return;
    };
    sqlx::any::install_default_drivers();
    let database = unique_name("hotline_test");
    let mut admin = sqlx::AnyConnection::connect(&server_url).await.expect("connect to the PostgreSQL server");
    admin.execute(format!("create database {database}").as_str()).await.expect("create the test database");

    let outcome = run_story(with_database(&server_url, &database)).await;

    admin.execute(format!("drop database if exists {database} with (force)").as_str()).await.expect("drop the test database");
    admin.close().await.expect("close the admin connection");
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

#[test]
fn with_database_replaces_only_the_path() {
    assert_eq!(with_database("postgres://u@h:5432/postgres", "x"), "postgres://u@h:5432/x");
    assert_eq!(with_database("postgres://u@h:5432", "x"), "postgres://u@h:5432/x");
    assert_eq!(with_database("postgres://u@h/postgres?sslmode=disable", "x"), "postgres://u@h/x?sslmode=disable");
}
