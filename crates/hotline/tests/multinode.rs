//! Two stateless `hotline serve` nodes sharing one PostgreSQL: sessions, order numbers, idempotency
//! keys, the guarded transitions and search must hold across nodes, not just inside one process.
//!
//! Runs when `HOTLINE_TEST_POSTGRES_URL` is set (`.ci/run` sets it); with `CI` set and no URL it
//! fails rather than skipping.

use std::collections::HashSet;
use std::sync::Arc;

use hotline::config::{Config, DatabaseUrl};
use hotline::startup::{Application, build_app, open_store};
use hotline_app::SystemClock;
use reqwest::Client;
use serde_json::{Value, json};
use sqlx::{Connection, Executor};

struct Node {
    base: String,
    server: tokio::task::JoinHandle<()>,
}

async fn start_node(url: &str) -> Node {
    let config = Config {
        listen: "127.0.0.1:0".into(),
        database_url: DatabaseUrl(url.to_owned()),
        argon2_memory_kib: 1024,
        argon2_iterations: 1,
        ..Config::default()
    };
    let store = open_store(&config).await.expect("open PostgreSQL");
    let app = build_app(&config, store.clone(), Arc::new(SystemClock)).await.expect("build the app");
    hotline::demo::ensure_users(&app).await.expect("demo users");
    let application = Application::with_app(&config, app, store).await.expect("bind");
    let base = format!("http://127.0.0.1:{}", application.port());
    let server = tokio::spawn(async move {
        let _ = application.run_until_stopped().await;
    });
    Node { base, server }
}

fn with_database(url: &str, db: &str) -> String {
    let (head, tail) = url.split_once("://").expect("a URL");
    let (authority, rest) = tail.split_once('/').unwrap_or((tail, ""));
    let query = rest.split_once('?').map(|(_, q)| format!("?{q}")).unwrap_or_default();
    format!("{head}://{authority}/{db}{query}")
}

async fn login(base: &str, username: &str) -> Client {
    let client = Client::builder().cookie_store(true).build().expect("client");
    let res = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({ "username": username, "password": "hotline-demo" }))
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 200, "{username} logs in");
    client
}

async fn units(client: &Client, base: &str) -> Vec<Value> {
    client.get(format!("{base}/api/v1/units")).send().await.expect("units").json::<Vec<Value>>().await.expect("json")
}

fn order_body(street: i64, phone: &str) -> Value {
    json!({
        "description": "市民反映望京西园三区门口车辆乱停，占用消防通道。",
        "requester": { "name": "王先生", "phone": phone },
        "location": { "address": "望京西园三区", "street": street },
        "triage": { "nature": "complaint", "category": "TRF/illegal_parking", "urgency": "general" },
        "disposition": { "action": "dispatch", "main_unit": street }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_on_one_postgres_share_sessions_numbers_keys_and_guards() {
    let Ok(admin_url) = std::env::var("HOTLINE_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var("CI").map_or(true, |v| v.is_empty()),
            "HOTLINE_TEST_POSTGRES_URL is not set: CI must run the multi-node test"
        );
        eprintln!("HOTLINE_TEST_POSTGRES_URL not set: multi-node test not run");
        return;
    };
    sqlx::any::install_default_drivers();
    let db = format!("hotline_multinode_{}", std::process::id());
    let mut admin = sqlx::AnyConnection::connect(&admin_url).await.expect("connect to PostgreSQL");
    admin.execute(format!("drop database if exists {db} with (force)").as_str()).await.expect("drop old");
    admin.execute(format!("create database {db}").as_str()).await.expect("create database");
    let url = with_database(&admin_url, &db);

    let outcome = tokio::spawn(async move {
        let a = start_node(&url).await;
        let b = start_node(&url).await;
        let street = units(&login(&a.base, "operator").await, &a.base)
            .await
            .iter()
            .find(|u| u["code"] == "110105026")
            .and_then(|u| u["id"].as_i64())
            .expect("望京街道");

        // A session made on node A works on node B.
        let operator = login(&a.base, "operator").await;
        assert_eq!(operator.get(format!("{}/api/v1/me", b.base)).send().await.expect("me").status(), 200);

        // Order numbers stay unique and gap-free when both nodes create at once.
        let mut tasks = Vec::new();
        for i in 0..20 {
            let (client, base) = (operator.clone(), if i % 2 == 0 { a.base.clone() } else { b.base.clone() });
            let body = order_body(street, &format!("139{i:08}"));
            tasks.push(tokio::spawn(async move {
                let res = client.post(format!("{base}/api/v1/orders")).json(&body).send().await.expect("create");
                assert_eq!(res.status(), 201);
                res.json::<Value>().await.expect("json")["number"].as_str().expect("number").to_owned()
            }));
        }
        let mut numbers = Vec::new();
        for t in tasks {
            numbers.push(t.await.expect("task"));
        }
        let distinct: HashSet<_> = numbers.iter().collect();
        assert_eq!(distinct.len(), 20, "20 distinct numbers: {numbers:?}");
        let mut seqs: Vec<u64> = numbers.iter().map(|n| n[8..].parse().expect("sequence")).collect();
        seqs.sort_unstable();
        assert_eq!(seqs, (1..=20).collect::<Vec<_>>(), "one gap-free sequence across nodes");

        // One idempotency key sent to both nodes at once creates one order.
        let body = order_body(street, "13700000001");
        let send = |base: String| {
            let (client, body) = (operator.clone(), body.clone());
            async move {
                let res = client
                    .post(format!("{base}/api/v1/orders"))
                    .header("idempotency-key", "same-key-both-nodes")
                    .json(&body)
                    .send()
                    .await
                    .expect("create");
                (res.status().as_u16(), res.json::<Value>().await.expect("json")["number"].as_str().map(str::to_owned))
            }
        };
        let (ra, rb) = tokio::join!(send(a.base.clone()), send(b.base.clone()));
        assert_eq!(ra.1, rb.1, "both nodes answer with the same order");
        let mut statuses = [ra.0, rb.0];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 201], "one created, one replayed");
        let listed = operator
            .get(format!("{}/api/v1/orders?phone=13700000001", b.base))
            .send()
            .await
            .expect("list")
            .json::<Value>()
            .await
            .expect("json");
        assert_eq!(listed["orders"].as_array().map(Vec::len), Some(1), "exactly one order for that key");

        // Search: each node keeps its own index from the shared database's change feed, so the
        // orders written on either node (concurrently, so event ids commit out of order) are found
        // on both.
        for base in [&a.base, &b.base] {
            let url = format!("{base}/api/v1/search/orders?q=%E6%B6%88%E9%98%B2%E9%80%9A%E9%81%93&limit=1");
            let mut total = 0;
            for _ in 0..100 {
                let found = operator.get(&url).send().await.expect("search").json::<Value>().await.expect("json");
                total = found["total"].as_u64().unwrap_or(0);
                if total == 21 {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            assert_eq!(total, 21, "{base}: every order of both nodes is searchable (消防通道)");
        }

        // The same action sent to both nodes at the same instant: one wins, the other gets 409.
        let handler = login(&b.base, "wangjing").await;
        for number in numbers.iter().take(5) {
            let act = |base: String| {
                let (client, number) = (handler.clone(), number.clone());
                async move {
                    client
                        .post(format!("{base}/api/v1/orders/{number}/actions"))
                        .json(&json!({ "action": "sign" }))
                        .send()
                        .await
                        .expect("sign")
                        .status()
                        .as_u16()
                }
            };
            let (sa, sb) = tokio::join!(act(a.base.clone()), act(b.base.clone()));
            let mut pair = [sa, sb];
            pair.sort_unstable();
            assert_eq!(pair, [200, 409], "order {number}: one sign wins across nodes");
            let detail = operator
                .get(format!("{}/api/v1/orders/{number}", a.base))
                .send()
                .await
                .expect("detail")
                .json::<Value>()
                .await
                .expect("json");
            let signs = detail["timeline"].as_array().expect("timeline").iter().filter(|e| e["kind"] == "sign").count();
            assert_eq!(signs, 1, "one sign event for {number}");
        }
        a.server.abort();
        b.server.abort();
    })
    .await;

    admin.execute(format!("drop database if exists {db} with (force)").as_str()).await.expect("drop database");
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}
