//! Search behaves the same on every backend: the same requests filed on SQLite and on PostgreSQL,
//! with the same clock, give the same hits in the same order with the same marked snippets.
//!
//! Runs when `HOTLINE_TEST_POSTGRES_URL` is set (`.ci/run` sets it); with `CI` set and no URL it
//! fails rather than skipping.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use hotline::config::{Config, DatabaseUrl};
use hotline::startup::{build_app, open_store};
use hotline_app::orders::{CreateOrderInput, LocationInput, RequesterInput};
use hotline_app::search::{ArticleSearchInput, OrderSearchInput};
use hotline_app::{App, Clock, FixedClock};
use sqlx::{Connection, Executor};

const HANDWRITTEN: &str = include_str!("../../hotline-triage/data/handwritten.jsonl");

/// The hand-written requests (Chinese, English and mixed), as typed by people.
fn requests() -> Vec<String> {
    HANDWRITTEN
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["text"].as_str().map(str::to_owned))
        .take(120)
        .collect()
}

/// Files every request through intake on `app` (one a minute), loads the sample articles and
/// brings the index up to date.
async fn world(app: &App, clock: &FixedClock) {
    let operator = app.login("operator", hotline::demo::DEMO_PASSWORD).await.expect("login").principal;
    for (i, text) in requests().iter().enumerate() {
        clock.advance(chrono::Duration::minutes(1));
        let input = CreateOrderInput {
            channel: Some("phone".into()),
            description: text.clone(),
            requester: RequesterInput { name: "王先生".into(), phone: Some(format!("139{i:08}")), ..Default::default() },
            location: LocationInput::default(),
            attachments: vec![],
            triage: None,
            disposition: None,
            suggestion: None,
            incident: None,
        };
        app.create_order(&operator, &input, None).await.expect("create");
    }
    let files: Vec<(String, String)> = hotline::seed::SAMPLE_ARTICLES.iter().map(|(n, t)| ((*n).to_owned(), (*t).to_owned())).collect();
    app.import_articles(&files, "test").await.expect("import articles");
    app.sync_search().await.expect("index");
}

/// Every query's hits as (number or slug, score to 4 places, marked snippet).
async fn answers(app: &App) -> Vec<Vec<(String, String, String)>> {
    let operator = app.login("operator", hotline::demo::DEMO_PASSWORD).await.expect("login").principal;
    let marked = |segs: &[hotline_app::search::SegmentView]| {
        segs.iter().map(|s| if s.hit { format!("[{}]", s.text) } else { s.text.clone() }).collect::<String>()
    };
    let mut out = Vec::new();
    for q in ["停车", "电梯 坏了", "暖气不热", "噪音扰民", "elevator broken", "WiFi 信号", "拖欠工资", "垃圾 清运", "物业 收费", "施工"]
    {
        let orders =
            app.search_orders(&operator, &OrderSearchInput { q: q.into(), limit: Some(20), ..Default::default() }).await.expect("search");
        out.push(orders.hits.iter().map(|h| (h.number.clone(), format!("{:.4}", h.score), marked(&h.description))).collect());
        let articles =
            app.search_articles(None, &ArticleSearchInput { q: q.into(), limit: Some(10), ..Default::default() }).await.expect("search");
        out.push(articles.hits.iter().map(|h| (h.slug.clone(), format!("{:.4}", h.score), marked(&h.body_zh))).collect());
    }
    out
}

async fn app_on(url: &str) -> (Arc<App>, Arc<FixedClock>) {
    let config = Config {
        database_url: DatabaseUrl(url.to_owned()),
        argon2_memory_kib: 1024,
        argon2_iterations: 1,
        search_index_dir: "memory".into(),
        ..Config::default()
    };
    let store = open_store(&config).await.expect("open the database");
    let clock = Arc::new(FixedClock::new(Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).single().expect("a time")));
    let app = build_app(&config, store, clock.clone() as Arc<dyn Clock>).await.expect("build the app");
    hotline::demo::ensure_users(&app).await.expect("demo users");
    (app, clock)
}

fn with_database(url: &str, db: &str) -> String {
    let (head, tail) = url.split_once("://").expect("a URL");
    let (authority, rest) = tail.split_once('/').unwrap_or((tail, ""));
    let query = rest.split_once('?').map(|(_, q)| format!("?{q}")).unwrap_or_default();
    format!("{head}://{authority}/{db}{query}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_requests_give_the_same_hits_on_sqlite_and_postgresql() {
    let Ok(admin_url) = std::env::var("HOTLINE_TEST_POSTGRES_URL") else {
        assert!(std::env::var("CI").map_or(true, |v| v.is_empty()), "HOTLINE_TEST_POSTGRES_URL is not set: CI must run this test");
        eprintln!("HOTLINE_TEST_POSTGRES_URL not set: search parity test not run");
        return;
    };
    sqlx::any::install_default_drivers();
    let db = format!("hotline_search_parity_{}", std::process::id());
    let mut admin = sqlx::AnyConnection::connect(&admin_url).await.expect("connect to PostgreSQL");
    admin.execute(format!("drop database if exists {db} with (force)").as_str()).await.expect("drop old");
    admin.execute(format!("create database {db}").as_str()).await.expect("create database");
    let pg_url = with_database(&admin_url, &db);
    let file = std::env::temp_dir().join(format!("hotline-search-parity-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&file);

    let outcome = tokio::spawn(async move {
        let (sqlite, sqlite_clock) = app_on(&format!("sqlite://{}?mode=rwc", file.display())).await;
        world(&sqlite, &sqlite_clock).await;
        let (pg, pg_clock) = app_on(&pg_url).await;
        world(&pg, &pg_clock).await;
        let (a, b) = (answers(&sqlite).await, answers(&pg).await);
        assert!(a.iter().filter(|hits| !hits.is_empty()).count() >= 12, "most queries find something: {a:?}");
        assert_eq!(a, b, "SQLite and PostgreSQL give the same hits, scores and snippets");
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
        }
    })
    .await;
    admin.execute(format!("drop database if exists {db} with (force)").as_str()).await.expect("drop database");
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}
