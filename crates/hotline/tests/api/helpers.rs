//! Starts the real application (store, app, router, listener on port 0) against a fresh SQLite file
//! and talks to it over HTTP like any client would.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, TimeZone, Utc};
use hotline::config::{Config, DatabaseUrl};
use hotline::startup::{Application, build_app, open_store};
use hotline_app::{Clock, FixedClock};
use reqwest::{Client, Response};
use serde_json::{Value, json};

pub const WANGJING: &str = "110105026";
pub const CHAOYANG: &str = "110105";
pub const ZHONGGUANCUN: &str = "110108011";
pub const HAIDIAN: &str = "110108";
pub const HEAT: &str = "U-HEAT";

/// The requester every test order is filed by.
pub const PHONE: &str = "13812345678";
pub const PHONE_MASKED: &str = "138****5678";
pub const NAME: &str = "张三丰";
pub const NAME_MASKED: &str = "张**";

/// Where the test clock starts: Monday 2 March 2026, 10:00 in Beijing.
pub fn start_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).single().expect("a valid instant")
}

pub struct TestApp {
    /// `http://127.0.0.1:<port>`
    pub address: String,
    /// The server's clock; move it with `set` / `advance`.
    pub clock: Arc<FixedClock>,
    /// The application behind the server (for scheduler passes).
    pub app: Arc<hotline_app::App>,
    units: HashMap<String, i64>,
    /// A supervisor's API token client, for reads every test needs (counts, timelines).
    observer: Client,
    db: PathBuf,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
        for suffix in ["", "-wal", "-shm"] {
            let mut p = self.db.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
        for reader in [".search", ".analytics"] {
            let mut dir = self.db.clone().into_os_string();
            dir.push(reader);
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn unique_db_path() -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let path = std::env::temp_dir().join(format!("hotline-api-{}-{}.db", std::process::id(), N.fetch_add(1, Ordering::SeqCst)));
    // A file left by an earlier run whose process had the same id.
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.clone().into_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
    path
}

/// A fresh server on its own database, with the shipped reference data and the demo users.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// As [`spawn_app`], with the test configuration changed by `adjust` first.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let db = unique_db_path();
    let mut config = Config {
        listen: "127.0.0.1:0".into(),
        database_url: DatabaseUrl(format!("sqlite://{}?mode=rwc", db.display())),
        argon2_memory_kib: 1024,
        argon2_iterations: 1,
        log: "warn".into(),
        // Tests run scheduler passes themselves, at the instants they choose.
        scheduler_interval_secs: 0,
        early_warning_interval_secs: 0,
        ..Config::default()
    };
    adjust(&mut config);
    let store = open_store(&config).await.expect("open the test database");
    let clock = Arc::new(FixedClock::new(start_time()));
    let app = build_app(&config, store.clone(), clock.clone() as Arc<dyn Clock>).await.expect("build the app");
    hotline::demo::ensure_users(&app).await.expect("create the demo users");
    let application = Application::with_app(&config, app.clone(), store).await.expect("bind 127.0.0.1:0");
    let address = format!("http://127.0.0.1:{}", application.port());
    let server = tokio::spawn(async move {
        if let Err(e) = application.run_until_stopped().await {
            eprintln!("test server stopped: {e:#}");
        }
    });
    let mut test_app = TestApp { address, clock, app, units: HashMap::new(), observer: Client::new(), db, server };
    // The observer uses an API token, which does not expire when a test moves the clock on.
    let supervisor = test_app.login("supervisor").await;
    let token = test_app.token(&supervisor).await;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::AUTHORIZATION, format!("Bearer {token}").parse().expect("a header value"));
    test_app.observer = Client::builder().default_headers(headers).build().expect("build a client");
    let units = expect_status(test_app.observer.get(test_app.url("/api/v1/units")).send().await.expect("GET units"), 200).await;
    test_app.units = units
        .as_array()
        .expect("units is an array")
        .iter()
        .map(|u| (u["code"].as_str().expect("unit code").to_owned(), u["id"].as_i64().expect("unit id")))
        .collect();
    test_app
}

impl TestApp {
    /// A second application on the same database and clock: another node, or this one restarted.
    pub async fn another_node(&self) -> Arc<hotline_app::App> {
        let config = Config {
            database_url: DatabaseUrl(format!("sqlite://{}?mode=rwc", self.db.display())),
            argon2_memory_kib: 1024,
            argon2_iterations: 1,
            scheduler_interval_secs: 0,
            early_warning_interval_secs: 0,
            ..Config::default()
        };
        let store = open_store(&config).await.expect("open the database again");
        build_app(&config, store, self.clock.clone() as Arc<dyn Clock>).await.expect("build another app")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// The id of the unit with `code`, as listed by `GET /api/v1/units`.
    pub fn unit(&self, code: &str) -> i64 {
        *self.units.get(code).unwrap_or_else(|| panic!("no unit with code {code}"))
    }

    /// A client with no credentials.
    pub fn anonymous(&self) -> Client {
        Client::new()
    }

    /// A client holding the session cookie of demo user `username`.
    pub async fn login(&self, username: &str) -> Client {
        self.login_with(username, hotline::demo::DEMO_PASSWORD).await
    }

    pub async fn login_with(&self, username: &str, password: &str) -> Client {
        let client = Client::builder().cookie_store(true).build().expect("build a client");
        let res = client
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({ "username": username, "password": password }))
            .send()
            .await
            .expect("POST login");
        let cookie = res.headers().get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let me = expect_status(res, 200).await;
        assert_eq!(me["username"], username);
        assert!(cookie.starts_with("hotline_session=") && cookie.contains("HttpOnly"), "session cookie: {cookie}");
        client
    }

    /// Issues an API token for the user `client` is logged in as.
    pub async fn token(&self, client: &Client) -> String {
        let res = client.post(self.url("/api/v1/tokens")).json(&json!({ "name": "test token" })).send().await.expect("POST tokens");
        let body = expect_status(res, 201).await;
        body["token"].as_str().expect("a token").to_owned()
    }

    pub async fn create_order(&self, client: &Client, body: &Value) -> Response {
        client.post(self.url("/api/v1/orders")).json(body).send().await.expect("POST orders")
    }

    pub async fn create_order_with_key(&self, client: &Client, body: &Value, key: &str) -> Response {
        client.post(self.url("/api/v1/orders")).header("Idempotency-Key", key).json(body).send().await.expect("POST orders")
    }

    /// Creates an order triaged and dispatched to the unit with `code`; returns the order view.
    pub async fn dispatched_order(&self, operator: &Client, code: &str) -> Value {
        self.dispatched_order_with(operator, code, &[], false).await
    }

    pub async fn dispatched_order_with(&self, operator: &Client, code: &str, co_units: &[&str], confidential: bool) -> Value {
        let mut body = dispatch_body(self.unit(code));
        body["disposition"]["co_units"] = json!(co_units.iter().map(|c| self.unit(c)).collect::<Vec<_>>());
        body["requester"]["confidential"] = json!(confidential);
        let order = expect_status(self.create_order(operator, &body).await, 201).await;
        assert_eq!(order["state"], "dispatched", "{order:#}");
        order
    }

    /// `POST /api/v1/orders/{number}/actions`.
    pub async fn act(&self, client: &Client, number: &str, body: &Value) -> Response {
        client.post(self.url(&format!("/api/v1/orders/{number}/actions"))).json(body).send().await.expect("POST actions")
    }

    /// An action that must succeed; returns the order view.
    pub async fn act_ok(&self, client: &Client, number: &str, body: &Value) -> Value {
        let res = self.act(client, number, body).await;
        expect_status(res, 200).await
    }

    pub async fn get_order(&self, client: &Client, number: &str) -> Response {
        client.get(self.url(&format!("/api/v1/orders/{number}"))).send().await.expect("GET order")
    }

    /// The order and its timeline, as the supervisor sees them.
    pub async fn detail(&self, number: &str) -> Value {
        self.detail_as(&self.observer, number).await
    }

    pub async fn detail_as(&self, client: &Client, number: &str) -> Value {
        expect_status(self.get_order(client, number).await, 200).await
    }

    pub async fn reveal(&self, client: &Client, number: &str) -> Response {
        client.post(self.url(&format!("/api/v1/orders/{number}/reveal-contact"))).send().await.expect("POST reveal-contact")
    }

    /// Every order in the database (the supervisor sees all), by summing the state counts.
    pub async fn total_orders(&self) -> i64 {
        let counts = expect_status(self.observer.get(self.url("/api/v1/orders/counts")).send().await.expect("GET counts"), 200).await;
        counts.as_array().expect("counts is an array").iter().map(|c| c["count"].as_i64().expect("a count")).sum()
    }

    /// Drives a dispatched order to `replied` as `handler` (a user of its main unit).
    pub async fn drive_to_replied(&self, handler: &Client, number: &str) -> Value {
        for step in [
            json!({ "action": "sign" }),
            json!({ "action": "contact", "note": "已电话联系诉求人" }),
            json!({ "action": "start_work", "note": "已到现场" }),
            json!({ "action": "reply", "outcome": "resolved", "text": "已清理占道车辆，问题已解决。" }),
        ] {
            // Small steps: sessions last 12 hours of the same clock.
            self.clock.advance(chrono::Duration::minutes(1));
            self.act_ok(handler, number, &step).await;
        }
        self.detail(number).await["order"].clone()
    }
}

/// A valid order body (untriaged), filed by [`NAME`] with [`PHONE`] at a place in 望京.
pub fn order_body() -> Value {
    json!({
        "channel": "phone",
        "description": "市民来电反映：望京西园三区小区门口长期有车辆乱停，占用消防通道，影响通行，希望尽快处理。",
        "requester": { "name": NAME, "phone": PHONE, "language": "zh", "age_group": "adult" },
        "location": { "address": "望京西园三区", "lng": 116.47, "lat": 39.99 },
    })
}

/// [`order_body`], triaged and dispatched to the unit with id `main_unit`.
pub fn dispatch_body(main_unit: i64) -> Value {
    let mut body = order_body();
    body["triage"] = json!({ "nature": "complaint", "category": "TRF/illegal_parking", "urgency": "general" });
    body["disposition"] = json!({ "action": "dispatch", "main_unit": main_unit, "co_units": [], "note": "属地街道办理" });
    body
}

/// Reads the body as JSON (`Null` if it is not JSON).
pub async fn json_body(res: Response) -> Value {
    let text = res.text().await.expect("read the body");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// Asserts the status, showing the body when it differs; returns the JSON body.
pub async fn expect_status(res: Response, status: u16) -> Value {
    let got = res.status().as_u16();
    let url = res.url().clone();
    let text = res.text().await.expect("read the body");
    assert_eq!(got, status, "{url}: expected {status}, got {got}: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// Asserts an RFC 9457 problem document with `status` and `code` and messages in both languages;
/// returns it.
pub async fn expect_problem(res: Response, status: u16, code: &str) -> Value {
    let content_type = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let problem = expect_status(res, status).await;
    assert_eq!(content_type, "application/problem+json", "content type of {problem}");
    assert_eq!(problem["code"], code, "{problem:#}");
    assert_eq!(problem["status"], status, "{problem:#}");
    let detail = problem["detail"].as_str().unwrap_or_default();
    let detail_zh = problem["detail_zh"].as_str().unwrap_or_default();
    assert!(detail.chars().any(|c| c.is_ascii_alphabetic()) && detail != detail_zh, "detail should be English: {problem:#}");
    assert!(has_cjk(detail_zh), "detail_zh should be Chinese: {problem:#}");
    problem
}

/// The event kinds of a timeline, in order.
pub fn kinds(detail: &Value) -> Vec<String> {
    detail["timeline"].as_array().expect("a timeline").iter().map(|e| e["kind"].as_str().expect("kind").to_owned()).collect()
}

pub fn number_of(order: &Value) -> String {
    order["number"].as_str().expect("an order number").to_owned()
}

pub fn timestamp(v: &Value) -> DateTime<Utc> {
    v.as_str().and_then(|s| DateTime::parse_from_rfc3339(s).ok()).map_or_else(|| panic!("not a timestamp: {v}"), |t| t.with_timezone(&Utc))
}
