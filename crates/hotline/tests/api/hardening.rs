//! Hardening (issue #17): guessing is slowed per client, never by locking an owner out; password
//! checks cannot starve the server; slow and greedy connections are cut off.
//!
//! Different clients are different loopback addresses (127.0.0.2, 127.0.0.3, …): Linux routes the
//! whole 127/8 to the loopback interface, so a client can bind any of them.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{PHONE, TestApp, expect_problem, expect_status, number_of, spawn_app, spawn_app_with};

/// A client that connects from `127.0.0.<n>`.
fn from(n: u8) -> reqwest::Client {
    reqwest::Client::builder().local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, n))).build().expect("a client")
}

async fn track(app: &TestApp, client: &reqwest::Client, number: &str, phone: &str) -> reqwest::Response {
    client.post(app.url("/api/v1/public/track")).json(&json!({ "number": number, "phone": phone })).send().await.expect("POST track")
}

async fn login(app: &TestApp, client: &reqwest::Client, username: &str, password: &str) -> reqwest::Response {
    client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "username": username, "password": password }))
        .send()
        .await
        .expect("POST login")
}

fn retry_after(res: &reqwest::Response) -> u64 {
    res.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()).expect("a Retry-After header")
}

#[tokio::test]
async fn wrong_phones_for_an_order_number_pause_the_guesser_and_never_lock_the_owner_out() {
    let app = spawn_app().await;
    let operator = app.login("operator").await;
    let number = number_of(&app.dispatched_order(&operator, crate::helpers::WANGJING).await);
    let guesser = from(2);
    let mut paused = None;
    for i in 0..20 {
        let res = track(&app, &guesser, &number, &format!("139000{:05}", i)).await;
        if res.status() == 429 {
            paused = Some(retry_after(&res));
            expect_problem(res, 429, "too_many_attempts").await;
            break;
        }
        expect_problem(res, 404, "not_found").await;
    }
    let wait = paused.expect("the guesser is paused within 20 wrong phones");
    assert!((1..=900).contains(&wait), "a pause, not an hour's lock: {wait} s");
    // The owner, on her own phone, is not affected by the guesses at her order.
    let owner = from(3);
    let tracked = expect_status(track(&app, &owner, &number, PHONE).await, 200).await;
    assert_eq!(tracked["number"], number.as_str());
    // The guesser may try again once the pause is over.
    app.clock.advance(chrono::Duration::seconds(i64::try_from(wait).unwrap_or(1)));
    expect_problem(track(&app, &guesser, &number, "13900099999").await, 404, "not_found").await;
}

#[tokio::test]
async fn one_phone_tried_against_many_numbers_is_paused_after_three_misses() {
    let app = spawn_app().await;
    let operator = app.login("operator").await;
    let number = number_of(&app.dispatched_order(&operator, crate::helpers::WANGJING).await);
    let prefix = &number[..number.len() - 4];
    let guesser = from(4);
    let mut statuses = Vec::new();
    for i in 0..6 {
        // Numbers near the real one, none of them hers.
        let guess = format!("{prefix}{:04}", 9000 + i);
        statuses.push(track(&app, &guesser, &guess, PHONE).await.status().as_u16());
    }
    assert_eq!(statuses, [404, 404, 404, 429, 429, 429], "three misses with one phone, then a pause");
    // Even the right number is refused to this client while it is paused: a pause that let the
    // right guess through would tell the guesser when they found it.
    assert_eq!(track(&app, &guesser, &number, PHONE).await.status(), 429);
    // The owner on another device is served.
    expect_status(track(&app, &from(5), &number, PHONE).await, 200).await;
}

#[tokio::test]
async fn tracking_a_confidential_order_shows_its_state_without_its_texts() {
    let app = spawn_app().await;
    let operator = app.login("operator").await;
    let order = app.dispatched_order_with(&operator, crate::helpers::WANGJING, &[], true).await;
    let number = number_of(&order);
    let tracked = expect_status(track(&app, &from(6), &number, PHONE).await, 200).await;
    assert_eq!(tracked["state"], "dispatched");
    let description = tracked["description"].as_str().unwrap_or_default();
    assert!(description.contains("保密") && description.contains("Withheld"), "{tracked:#}");
    assert!(!tracked.to_string().contains(order["description"].as_str().unwrap_or("?")), "no text of the order: {tracked:#}");
}

#[tokio::test]
async fn wrong_passwords_pause_that_account_from_that_client_while_its_owner_logs_in_elsewhere() {
    let app = spawn_app().await;
    let guesser = from(7);
    let mut paused = None;
    for i in 0..10 {
        let res = login(&app, &guesser, "supervisor", &format!("guess-{i}")).await;
        if res.status() == 429 {
            paused = Some((i, retry_after(&res)));
            expect_problem(res, 429, "too_many_attempts").await;
            break;
        }
        expect_problem(res, 401, "bad_credentials").await;
    }
    let (after, wait) = paused.expect("paused within 10 wrong passwords");
    assert_eq!(after, 5, "five failures, then a pause");
    assert!(wait <= 900, "{wait}");
    // The right password from the same client waits too (else the pause would confirm it)…
    assert_eq!(login(&app, &guesser, "supervisor", hotline::demo::DEMO_PASSWORD).await.status(), 429);
    // …but the supervisor at her own desk logs in.
    expect_status(login(&app, &from(8), "supervisor", hotline::demo::DEMO_PASSWORD).await, 200).await;
}

#[tokio::test]
async fn one_client_spraying_passwords_over_many_accounts_is_paused() {
    let app = spawn_app().await;
    let sprayer = from(9);
    let mut statuses = Vec::new();
    for i in 0..32 {
        // A different (mostly unknown) account each time: the per-account pause never starts.
        statuses.push(login(&app, &sprayer, &format!("user{i}"), "123456").await.status().as_u16());
    }
    assert!(statuses[..30].iter().all(|s| *s == 401), "{statuses:?}");
    assert_eq!(statuses[30..], [429, 429], "the 31st failure from one client is paused");
    expect_status(login(&app, &from(10), "operator", hotline::demo::DEMO_PASSWORD).await, 200).await;
}

#[tokio::test]
async fn a_flood_of_logins_with_production_password_hashing_does_not_stall_other_requests() {
    // The production cost (19 MiB, two passes): each check takes tens of milliseconds of a core.
    let app = spawn_app_with(|c| {
        c.argon2_memory_kib = 19_456;
        c.argon2_iterations = 2;
    })
    .await;
    let flood: Vec<_> = (0..48u8)
        .map(|i| {
            let client = from(20 + i);
            let url = app.url("/api/v1/auth/login");
            tokio::spawn(async move {
                client
                    .post(url)
                    .json(&json!({ "username": "operator", "password": format!("wrong-{i}") }))
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
            })
        })
        .collect();
    // While the flood is checked, health checks answer at once: password hashing runs on the
    // blocking pool, a bounded number at a time, and never on the threads that serve requests.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut slowest = Duration::ZERO;
    let health = reqwest::Client::new();
    for _ in 0..10 {
        let started = Instant::now();
        let res = health.get(app.url("/healthz")).send().await.expect("GET /healthz");
        assert_eq!(res.status(), 200);
        slowest = slowest.max(started.elapsed());
    }
    let mut statuses = Vec::new();
    for f in flood {
        statuses.push(f.await.expect("join").expect("a response"));
    }
    assert!(statuses.iter().all(|s| [401, 429, 503].contains(s)), "{statuses:?}");
    // Before the fix the checks ran on the request threads and /healthz waited behind them
    // (660 ms median with 32 concurrent logins); a second is a generous bound on two busy cores.
    assert!(slowest < Duration::from_secs(1), "/healthz took {slowest:?} during the login flood");
}

#[tokio::test]
async fn a_connection_that_never_finishes_its_headers_is_closed_after_the_header_timeout() {
    let app = spawn_app_with(|c| c.header_timeout_secs = 1).await;
    let addr = app.address.trim_start_matches("http://").to_owned();
    let mut slow = tokio::net::TcpStream::connect(&addr).await.expect("connect");
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ").await.expect("write half a request");
    let started = Instant::now();
    let mut buf = [0u8; 512];
    // The server answers 408 or simply closes; either way the read ends, within a few seconds.
    let read = tokio::time::timeout(Duration::from_secs(5), slow.read(&mut buf)).await;
    assert!(read.is_ok(), "the half-sent request was still open after 5 s");
    assert!(started.elapsed() >= Duration::from_millis(500), "closed only after the timeout: {:?}", started.elapsed());
}

#[tokio::test]
async fn one_client_cannot_hold_more_connections_than_its_allowance_and_others_are_still_served() {
    let app = spawn_app_with(|c| {
        c.max_connections_per_client = 8;
        c.header_timeout_secs = 30;
    })
    .await;
    let addr: std::net::SocketAddr = app.address.trim_start_matches("http://").parse().expect("an address");
    let mut held = Vec::new();
    for _ in 0..20 {
        let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
        socket.bind("127.0.0.11:0".parse().expect("an address")).expect("bind 127.0.0.11");
        let mut s = socket.connect(addr).await.expect("connect");
        let _ = s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await;
        held.push(s);
    }
    // The connections past the eighth were closed at once: reading them ends (EOF or reset).
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut closed = 0;
    for s in &mut held {
        let mut buf = [0u8; 16];
        if let Ok(Ok(0) | Err(_)) = tokio::time::timeout(Duration::from_millis(200), s.read(&mut buf)).await {
            closed += 1;
        }
    }
    assert_eq!(closed, 12, "20 connections, 8 allowed");
    // Another client is served meanwhile.
    let res = from(12).get(app.url("/healthz")).send().await.expect("GET /healthz");
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn pages_and_answers_carry_the_security_headers() {
    let app = spawn_app().await;
    for path in ["/login", "/track", "/healthz", "/api/v1/units"] {
        let res = reqwest::get(app.url(path)).await.expect("GET");
        let h = res.headers();
        let get = |name: &str| h.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        assert_eq!(get("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(get("referrer-policy"), "same-origin", "{path}");
        let csp = get("content-security-policy");
        for directive in ["frame-ancestors 'none'", "script-src 'self'", "object-src 'none'", "form-action 'self'"] {
            assert!(csp.contains(directive), "{path}: {directive} in {csp}");
        }
    }
}

#[tokio::test]
async fn a_write_from_a_page_of_another_scheme_is_refused_as_cross_site() {
    let app = spawn_app().await;
    let host = app.address.trim_start_matches("http://").to_owned();
    let login = |origin: String| {
        reqwest::Client::new()
            .post(app.url("/api/v1/auth/login"))
            .header("origin", origin)
            .json(&json!({ "username": "operator", "password": hotline::demo::DEMO_PASSWORD }))
            .send()
    };
    expect_problem(login(format!("https://{host}")).await.expect("POST"), 403, "forbidden").await;
    expect_problem(login("http://evil.example".into()).await.expect("POST"), 403, "forbidden").await;
    expect_status(login(format!("http://{host}")).await.expect("POST"), 200).await;
}
