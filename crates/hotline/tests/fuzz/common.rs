//! What every target shares: the number of cases, the committed corpora, text that breaks parsers,
//! and a world to run use cases and requests in (the real application on a fresh SQLite file, the
//! shipped reference data, the demo users; requests go through the router in process).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode};
use chrono::{TimeZone, Utc};
use hotline::config::{Config, DatabaseUrl};
use hotline::startup::{build_app, open_store};
use hotline_app::{App, Clock, FixedClock, Principal};
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestRunner};
use tower::ServiceExt;

/// The number of cases: `PROPTEST_CASES` when set, else `default`.
pub fn config(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

/// Runs `test` on `cases` (default) values of `strategy`, panicking with the smallest failing input.
pub fn run<S: Strategy>(cases: u32, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let mut runner = TestRunner::new(config(cases));
    if let Err(e) = runner.run(&strategy, test) {
        panic!("{e}");
    }
}

/// The committed inputs of one target: each file of `tests/corpus/<target>/` is one input, as bytes
/// (a request body may be anything) — `text` reads them as UTF-8 with invalid bytes replaced.
pub fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus").join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("the corpus {}: {e}", dir.display()))
        .map(|e| e.expect("a corpus entry").path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "the corpus {} is empty", dir.display());
    files
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (format!("{target}/{}", p.file_name().unwrap_or_default().to_string_lossy()), bytes)
        })
        .collect()
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Characters that break parsers: controls, invisible and direction marks, the BOM, the last code
/// points, combining marks, characters whose lower case is longer, full-width forms, and the
/// punctuation formats split on.
pub const NASTY: &str = concat!(
    "\0\u{1}\u{7}\u{8}\t\n\u{b}\u{c}\r\u{1b}\u{7f}\u{85}\u{a0}\u{ad}\u{200b}\u{200d}\u{200e}",
    "\u{200f}\u{202a}\u{202e}\u{2028}\u{2029}\u{2066}\u{3000}\u{feff}\u{fffd}\u{fffe}\u{ffff}",
    "\u{e000}\u{10ffff}\u{301}\u{338}İẞﬃ\u{ff10}\u{ff21}+-#(). :;/\\\"'<>&%=?[]{}`*_|,\u{ff0c}!",
    "~09aZé😀👨\u{1f3fb}🇨אب中区𠀀",
);

pub fn nasty_char() -> impl Strategy<Value = char> + Clone {
    prop_oneof![
        4 => any::<char>(),
        4 => prop::sample::select(NASTY.chars().collect::<Vec<char>>()),
        2 => prop::char::range('\u{4e00}', '\u{9fff}'),
        2 => prop::char::range('a', 'z'),
        1 => prop::char::range('0', '9'),
        1 => prop::char::range('\u{1f300}', '\u{1faff}'),
        1 => prop::char::range('\u{590}', '\u{6ff}'),
    ]
}

/// Arbitrary text up to `max` characters, sometimes a short piece repeated into a long one.
pub fn nasty_text(max: usize) -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        8 => prop::collection::vec(nasty_char(), 0..max).prop_map(|v| v.into_iter().collect::<String>()),
        1 => (prop::collection::vec(nasty_char(), 1..6), 1..2000usize).prop_map(|(v, n)| v.into_iter().collect::<String>().repeat(n)),
    ]
}

/// One of `choices`, or arbitrary text: valid values reach the deeper checks, the rest the refusals.
pub fn mostly(choices: Vec<&'static str>, max: usize) -> impl Strategy<Value = String> + Clone {
    prop_oneof![3 => prop::sample::select(choices).prop_map(str::to_owned), 1 => nasty_text(max)]
}

/// Where the world's clock stands: Monday 2 March 2026, 10:00 in Beijing.
pub fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).single().expect("a valid instant")
}

/// The real application on a fresh SQLite file (removed on drop), with its own runtime.
pub struct World {
    pub rt: tokio::runtime::Runtime,
    pub app: Arc<App>,
    pub router: axum::Router,
    pub users: Vec<Principal>,
    db: PathBuf,
}

impl World {
    pub fn new() -> Self {
        static N: AtomicU64 = AtomicU64::new(0);
        let db = std::env::temp_dir().join(format!("hotline-fuzz-{}-{}.db", std::process::id(), N.fetch_add(1, Ordering::SeqCst)));
        remove_db(&db);
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a runtime");
        let config = Config {
            database_url: DatabaseUrl(format!("sqlite://{}?mode=rwc", db.display())),
            argon2_memory_kib: 1024,
            argon2_iterations: 1,
            log: "warn".into(),
            scheduler_interval_secs: 0,
            early_warning_interval_secs: 0,
            search_index_dir: "memory".into(),
            analytics_dir: "temporary".into(),
            ..Config::default()
        };
        let (app, users) = rt.block_on(async {
            let store = open_store(&config).await.expect("open the test database");
            let clock = Arc::new(FixedClock::new(now()));
            let app = build_app(&config, store, clock as Arc<dyn Clock>).await.expect("build the app");
            let users = hotline::demo::ensure_users(&app).await.expect("create the demo users");
            (app, users)
        });
        let router = hotline_http::router(app.clone());
        Self { rt, app, router, users, db }
    }

    pub fn user(&self, username: &str) -> &Principal {
        self.users.iter().find(|u| u.username == username).unwrap_or_else(|| panic!("no demo user {username}"))
    }

    /// Sends one request through the router, as from a client on the same machine.
    pub fn send(&self, mut req: Request<Body>) -> (StatusCode, HeaderMap, Vec<u8>) {
        req.extensions_mut().insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40_000))));
        self.rt.block_on(async {
            let res = self.router.clone().oneshot(req).await.expect("the router answers");
            let (parts, body) = res.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX).await.expect("the body reads");
            (parts.status, parts.headers, bytes.to_vec())
        })
    }
}

impl Drop for World {
    fn drop(&mut self) {
        remove_db(&self.db);
    }
}

fn remove_db(db: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = db.to_path_buf().into_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
}
