//! The deadline scheduler with an injected clock: warnings before due times, overdue notices after,
//! each once across passes, restarts and nodes; notifications per unit and centre; the outbox.

use chrono::Duration;
use serde_json::Value;

use crate::helpers::{TestApp, WANGJING, ZHONGGUANCUN, expect_problem, expect_status, spawn_app, start_time};

async fn notifications(app: &TestApp, who: &str, unread: bool) -> Vec<Value> {
    let client = app.login(who).await;
    let url = app.url(&format!("/api/v1/notifications?unread={unread}"));
    expect_status(client.get(url).send().await.expect("GET notifications"), 200).await.as_array().cloned().unwrap_or_default()
}

async fn pass(app: &TestApp) -> usize {
    app.app.run_deadline_pass().await.expect("a scheduler pass").fired
}

#[tokio::test]
async fn a_unit_is_warned_before_the_contact_deadline_and_the_centre_hears_when_it_passes_each_once() {
    let app = spawn_app().await;
    let order = app.dispatched_order(&app.login("operator").await, WANGJING).await;
    let number = order["number"].as_str().expect("number").to_owned();
    assert_eq!(pass(&app).await, 0, "nothing is due at dispatch");

    // 80% of a 24-hour first-contact stage: 19.2 h after dispatch.
    app.clock.set(start_time() + Duration::hours(19));
    assert_eq!(pass(&app).await, 0, "not yet");
    app.clock.set(start_time() + Duration::hours(20));
    assert_eq!(pass(&app).await, 1, "the contact warning");
    assert_eq!(pass(&app).await, 0, "a notice fires once");
    let restarted = app.another_node().await;
    assert_eq!(pass_on(&restarted).await, 0, "and once after a restart");

    let theirs = notifications(&app, "wangjing", true).await;
    assert_eq!(theirs.len(), 1, "{theirs:#?}");
    assert_eq!((theirs[0]["kind"].as_str(), theirs[0]["order_number"].as_str()), (Some("contact_warning"), Some(number.as_str())));
    assert!(theirs[0]["message_zh"].as_str().is_some_and(|m| m.contains("即将到期")));
    assert!(notifications(&app, "supervisor", false).await.is_empty(), "warnings are the unit's business");
    assert!(notifications(&app, "zhongguancun", false).await.is_empty(), "other units see nothing");

    // The deadline passes: the unit and the centre hear of it. The restarted scheduler fires the
    // pending notice (its timer lives in the database, not in the process that set it), once.
    app.clock.set(start_time() + Duration::hours(25));
    assert_eq!(pass_on(&restarted).await, 1, "no timer lost across the restart");
    assert_eq!(pass(&app).await, 0, "and none fired twice");
    let theirs = notifications(&app, "wangjing", false).await;
    assert_eq!(theirs.iter().map(|n| n["kind"].as_str().unwrap_or_default()).collect::<Vec<_>>(), ["contact_overdue", "contact_warning"]);
    let centre = notifications(&app, "supervisor", false).await;
    assert_eq!(centre.len(), 1);
    assert_eq!(centre[0]["kind"], "contact_overdue");

    // Each notice is on the timeline, and the SMS adapters have their messages.
    let detail = app.detail(&number).await;
    let kinds: Vec<&str> = detail["timeline"].as_array().expect("timeline").iter().filter_map(|e| e["kind"].as_str()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "deadline_notice").count(), 2, "{kinds:?}");
    let outbox = app.app.store.pending_outbox(10).await.expect("outbox");
    assert_eq!(outbox.len(), 3, "warning to the unit; overdue to the unit and the centre");
    assert!(outbox.iter().any(|m| m.recipient == WANGJING) && outbox.iter().any(|m| m.recipient == "centre"));

    // The unit read the order before the notices fired; its action is not refused for them.
    let read_version = order["version"].as_i64().expect("version");
    let unit = app.login("wangjing").await;
    let url = app.url(&format!("/api/v1/orders/{number}/actions"));
    let res = unit.post(&url).header("If-Match", read_version.to_string()).json(&serde_json::json!({ "action": "sign" })).send().await;
    assert_eq!(expect_status(res.expect("POST sign"), 200).await["state"], "signed");
    let res = unit
        .post(&url)
        .header("If-Match", read_version.to_string())
        .json(&serde_json::json!({ "action": "contact", "note": "已联系" }))
        .send()
        .await;
    expect_problem(res.expect("POST contact"), 409, "conflict").await;

    // Reading: one's own only.
    let id = theirs[0]["id"].as_i64().expect("id");
    let other = app.login("zhongguancun").await;
    expect_problem(other.post(app.url(&format!("/api/v1/notifications/{id}/read"))).send().await.expect("POST"), 404, "not_found").await;
    let res = unit.post(app.url(&format!("/api/v1/notifications/{id}/read"))).send().await.expect("POST read");
    assert_eq!(res.status().as_u16(), 204);
    assert_eq!(notifications(&app, "wangjing", true).await.len(), 1);
}

async fn pass_on(app: &hotline_app::App) -> usize {
    app.run_deadline_pass().await.expect("a scheduler pass").fired
}

#[tokio::test]
async fn two_nodes_passing_at_once_fire_each_notice_exactly_once() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    for unit in [WANGJING, ZHONGGUANCUN, WANGJING, ZHONGGUANCUN, WANGJING, ZHONGGUANCUN] {
        app.dispatched_order(&op, unit).await;
    }
    let other = app.another_node().await;
    app.clock.set(start_time() + Duration::hours(30));
    let (a, b) = tokio::join!(app.app.run_deadline_pass(), other.run_deadline_pass());
    let (a, b) = (a.expect("pass a"), b.expect("pass b"));
    assert_eq!(a.fired + b.fired, 6, "six contact-overdue notices, no more: {a:?} {b:?}");
    assert_eq!(pass(&app).await + pass_on(&other).await, 0);
    assert_eq!(notifications(&app, "supervisor", false).await.len(), 6, "one per order for the centre");
}
