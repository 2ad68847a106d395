//! Crash safety of the real binary: every order the server acknowledged with 201 is still there, with
//! its events, after the process is killed with SIGKILL in the middle of a burst of writes and
//! started again on the same database.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::Client;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_hotline");
const USERNAME: &str = "crash-operator";
const PASSWORD: &str = "crash-test-password";
const WANGJING: &str = "110105026";
const WRITERS: usize = 8;
const BURST: Duration = Duration::from_millis(1500);

/// A scratch directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        let path = std::env::temp_dir().join(format!("hotline-crash-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create a scratch directory");
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running `hotline serve`, killed on drop so a failing test leaves no process behind.
struct Server {
    child: Child,
    base: String,
    log: PathBuf,
}

impl Server {
    /// SIGKILL, then reap.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The binary with a clean, fast environment: no configuration file or inherited settings, cheap
/// password hashing, quiet logs.
fn hotline(dir: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .env_remove("HOTLINE_CONFIG")
        .env_remove("HOTLINE_LISTEN")
        .env_remove("HOTLINE_DATABASE_URL")
        .env("HOTLINE_ARGON2_MEMORY_KIB", "1024")
        .env("HOTLINE_ARGON2_ITERATIONS", "1")
        .env("HOTLINE_LOG", "warn")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null());
    cmd
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    listener.local_addr().expect("a local address").port()
}

/// Starts `hotline serve` on a free loopback port and waits until `/healthz` answers.
async fn start_server(dir: &Path, database: &str, name: &str) -> Server {
    let probe = Client::builder().timeout(Duration::from_secs(1)).build().expect("a client");
    for attempt in 0..3 {
        let port = free_port();
        let log = dir.join(format!("{name}-{attempt}.log"));
        let out = std::fs::File::create(&log).expect("create the log file");
        let err = out.try_clone().expect("clone the log file");
        let child = hotline(dir)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--database", database])
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("start hotline serve");
        let mut server = Server { child, base: format!("http://127.0.0.1:{port}"), log };
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = server.child.try_wait() {
                eprintln!("hotline serve exited with {status} (port {port} taken?):\n{}", server.log_tail());
                break;
            }
            if let Ok(res) = probe.get(format!("{}/healthz", server.base)).send().await
                && res.status().is_success()
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        server.kill();
        eprintln!("attempt {attempt}: the server did not become healthy:\n{}", server.log_tail());
    }
    panic!("hotline serve did not start");
}

async fn login(base: &str) -> Client {
    let client = Client::builder().cookie_store(true).timeout(Duration::from_secs(10)).build().expect("a client");
    let res = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({ "username": USERNAME, "password": PASSWORD }))
        .send()
        .await
        .expect("POST login");
    assert_eq!(res.status().as_u16(), 200, "login: {}", res.text().await.unwrap_or_default());
    client
}

async fn unit_id(client: &Client, base: &str, code: &str) -> i64 {
    let units: Value = client.get(format!("{base}/api/v1/units")).send().await.expect("GET units").json().await.expect("units JSON");
    units.as_array().expect("an array").iter().find(|u| u["code"] == code).and_then(|u| u["id"].as_i64()).expect("the unit")
}

fn order_body(main_unit: i64, i: usize) -> Value {
    json!({
        "channel": "phone",
        "description": format!("压力测试工单 {i}：小区门口车辆乱停，占用消防通道。"),
        "requester": { "name": "测试", "phone": "13812345678" },
        "location": { "address": "望京西园三区" },
        "triage": { "nature": "complaint", "category": "TRF/illegal_parking", "urgency": "general" },
        "disposition": { "action": "dispatch", "main_unit": main_unit },
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_order_acknowledged_before_a_kill_9_survives_the_restart() {
    let dir = TempDir::new();
    let database = format!("sqlite://{}?mode=rwc", dir.0.join("crash.db").display());

    let out = hotline(&dir.0)
        .args(["create-user", "--database", &database, "--username", USERNAME, "--display-name", "Crash Operator", "--role", "operator"])
        .env("HOTLINE_NEW_PASSWORD", PASSWORD)
        .output()
        .expect("run hotline create-user");
    assert!(out.status.success(), "create-user failed: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));

    let mut server = start_server(&dir.0, &database, "first").await;
    let client = login(&server.base).await;
    let main_unit = unit_id(&client, &server.base, WANGJING).await;

    // Writers create orders as fast as the server takes them, each recording what was acknowledged.
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let unexpected = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let interrupted = Arc::new(AtomicUsize::new(0));
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let (client, url) = (client.clone(), format!("{}/api/v1/orders", server.base));
        let (acked, unexpected, stop, interrupted) = (acked.clone(), unexpected.clone(), stop.clone(), interrupted.clone());
        writers.push(tokio::spawn(async move {
            for i in 0..100_000 {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let key = format!("crash-{w}-{i}");
                match client.post(&url).header("Idempotency-Key", &key).json(&order_body(main_unit, i)).send().await {
                    Ok(res) if res.status().as_u16() == 201 => {
                        // Acknowledged only once the whole body arrived.
                        if let Ok(order) = res.json::<Value>().await
                            && let Some(n) = order["number"].as_str()
                        {
                            acked.lock().expect("lock").push(n.to_owned());
                        }
                    }
                    Ok(res) => {
                        let status = res.status();
                        let body = res.text().await.unwrap_or_default();
                        if !stop.load(Ordering::SeqCst) {
                            unexpected.lock().expect("lock").push(format!("{status}: {body}"));
                        }
                    }
                    // Reset mid-request or refused: the server is gone.
                    Err(_) => {
                        interrupted.fetch_add(1, Ordering::SeqCst);
                        break;
                    }
                }
            }
        }));
    }

    tokio::time::sleep(BURST).await;
    let acked_before_kill = acked.lock().expect("lock").len();
    server.kill();
    stop.store(true, Ordering::SeqCst);
    for w in writers {
        tokio::time::timeout(Duration::from_secs(15), w).await.expect("a writer stops once the server is gone").expect("writer task");
    }
    let unexpected = unexpected.lock().expect("lock").clone();
    assert!(unexpected.is_empty(), "non-201 answers during the burst:\n{}", unexpected.join("\n"));
    let acked = acked.lock().expect("lock").clone();
    assert!(acked.len() >= WRITERS, "too few orders acknowledged in {BURST:?} to prove anything: {}", acked.len());
    let mut unique = acked.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), acked.len(), "every acknowledged order has its own number");
    let interrupted = interrupted.load(Ordering::SeqCst);
    assert!(interrupted > 0, "the kill should cut requests off mid-flight");
    eprintln!("{} orders acknowledged ({acked_before_kill} before the kill), {interrupted} requests cut off", acked.len());

    // Same database, new process.
    let server = start_server(&dir.0, &database, "second").await;
    let client = login(&server.base).await;
    let mut checkers = Vec::new();
    for chunk in acked.chunks(acked.len().div_ceil(WRITERS)) {
        let (client, base, chunk) = (client.clone(), server.base.clone(), chunk.to_vec());
        checkers.push(tokio::spawn(async move {
            let mut problems = Vec::new();
            for n in chunk {
                let res = client.get(format!("{base}/api/v1/orders/{n}")).send().await.expect("GET order");
                let status = res.status().as_u16();
                let detail: Value = res.json().await.unwrap_or(Value::Null);
                let kinds: Vec<&str> =
                    detail["timeline"].as_array().map(|t| t.iter().filter_map(|e| e["kind"].as_str()).collect()).unwrap_or_default();
                if status != 200 || detail["order"]["state"] != "dispatched" || kinds != ["receive", "triage", "dispatch"] {
                    problems.push(format!("{n}: {status} {} {kinds:?}", detail["order"]["state"]));
                }
            }
            problems
        }));
    }
    let mut lost = Vec::new();
    for c in checkers {
        lost.extend(tokio::time::timeout(Duration::from_secs(30), c).await.expect("verification finishes").expect("checker task"));
    }
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged orders are missing or incomplete after the restart:\n{}",
        lost.len(),
        acked.len(),
        lost.join("\n")
    );

    // The database is usable: counts cover every acknowledged order and numbering carries on.
    let counts: Value =
        client.get(format!("{}/api/v1/orders/counts", server.base)).send().await.expect("GET counts").json().await.expect("JSON");
    let total: i64 = counts.as_array().expect("counts").iter().filter_map(|c| c["count"].as_i64()).sum();
    assert!(total >= i64::try_from(acked.len()).expect("a count"), "{total} orders stored, {} acknowledged", acked.len());
    let res = client.post(format!("{}/api/v1/orders", server.base)).json(&order_body(main_unit, 0)).send().await.expect("POST order");
    assert_eq!(res.status().as_u16(), 201);
    let order: Value = res.json().await.expect("JSON");
    let number = order["number"].as_str().expect("a number");
    assert!(!acked.iter().any(|n| n == number), "a new order reuses number {number}");
}
