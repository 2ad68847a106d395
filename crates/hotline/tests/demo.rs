//! The demo world: generated requests, real units, every state of the life cycle.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use hotline::config::{Config, DatabaseUrl};
use hotline::startup::{build_app, open_store};
use hotline_app::FixedClock;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_world_has_orders_in_every_state_and_work_for_the_demo_units() {
    let dir = std::env::temp_dir().join(format!("hotline-demo-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let config = Config {
        listen: "127.0.0.1:0".into(),
        database_url: DatabaseUrl(format!("sqlite://{}?mode=rwc", dir.join("demo.db").display())),
        argon2_memory_kib: 1024,
        argon2_iterations: 1,
        ..Config::default()
    };
    let now = Utc.with_ymd_and_hms(2026, 11, 25, 6, 0, 0).single().expect("instant");
    let store = open_store(&config).await.expect("store");
    let app = build_app(&config, store.clone(), Arc::new(FixedClock::new(now))).await.expect("app");
    let made = hotline::demo::seed_orders(app.store.clone(), 300, now, 2026).await.expect("seed");
    assert!(made >= 300, "made {made}");
    let counts = app.store.count_by_state(None).await.expect("counts");
    let states: Vec<_> = counts.iter().map(|c| c.state).collect();
    for s in hotline_domain::State::ALL {
        assert!(states.contains(s), "no demo order is {s:?}: {counts:?}");
    }
    // Every event the demo wrote reads back as its typed payload (a payload that did not fit its
    // kind would fail the read), across the kinds the demo's stories write.
    use hotline_domain::ActionKind as K;
    let from = now - chrono::Duration::days(800);
    let events = app.store.events_between(K::ALL, from, now + chrono::Duration::days(1), 1_000_000).await.expect("every event decodes");
    let kinds: std::collections::BTreeSet<_> = events.iter().map(|(_, e)| e.draft.kind()).collect();
    assert!(events.len() > 1000, "{} events", events.len());
    let written = [
        K::Receive,
        K::Triage,
        K::Answer,
        K::Transfer,
        K::Redirect,
        K::LinkDuplicate,
        K::Dispatch,
        K::Sign,
        K::Dispute,
        K::Arbitrate,
        K::Contact,
        K::StartWork,
        K::RequestExtension,
        K::Reply,
        K::Evaluate,
        K::Close,
        K::Reopen,
        K::Supervise,
        K::PauseClock,
        K::CallbackAttempt,
    ];
    for k in written {
        assert!(kinds.contains(&k), "the demo writes no {k:?} event: {kinds:?}");
    }
    let wangjing = app.units().by_code("110105026").expect("望京街道").id;
    let theirs = app.store.count_by_state(Some(&[wangjing])).await.expect("counts");
    assert!(theirs.iter().map(|c| c.count).sum::<i64>() >= 5, "望京街道 has work in its inbox: {theirs:?}");
    // Seeding again on a database with orders adds nothing.
    assert_eq!(hotline::demo::seed_orders(app.store.clone(), 300, now, 2026).await.expect("seed again"), 0);
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hotline_outbox_lists_the_messages_the_scheduler_left_for_sending() {
    let dir = std::env::temp_dir().join(format!("hotline-outbox-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let url = format!("sqlite://{}?mode=rwc", dir.join("o.db").display());
    let config = Config { database_url: DatabaseUrl(url.clone()), argon2_memory_kib: 1024, argon2_iterations: 1, ..Config::default() };
    let now = Utc.with_ymd_and_hms(2026, 11, 25, 6, 0, 0).single().expect("instant");
    let store = open_store(&config).await.expect("store");
    let app = build_app(&config, store.clone(), Arc::new(FixedClock::new(now))).await.expect("app");
    hotline::demo::seed_orders(app.store.clone(), 120, now, 7).await.expect("seed");
    app.run_deadline_pass().await.expect("a deadline pass");
    let queued = app.pending_outbox(1000).await.expect("outbox").len();
    assert!(queued > 0, "overdue orders leave SMS in the outbox");
    store.close().await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hotline"))
        .args(["outbox", "--limit", "1000", "--database", &url])
        .output()
        .expect("run hotline outbox");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<serde_json::Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
    assert_eq!(lines.len(), queued, "every waiting message, once");
    assert!(lines.iter().all(|m| m["channel"] == "sms" && m["body"].as_str().is_some_and(|b| b.contains("12345"))), "{lines:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
