//! Concurrent actions: optimistic locking on the order version.

use serde_json::json;

use crate::helpers::{WANGJING, expect_problem, expect_status, kinds, number_of, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_clients_signing_at_the_same_instant_get_one_200_and_one_409() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    // Two separate sessions of the unit, as two browsers would be.
    let a = app.login("wangjing").await;
    let b = app.login("wangjing").await;
    for _ in 0..5 {
        let number = number_of(&app.dispatched_order(&op, WANGJING).await);
        let sign = json!({ "action": "sign" });
        let (ra, rb) = tokio::join!(app.act(&a, &number, &sign), app.act(&b, &number, &sign));
        let (mut ok, mut conflict) = (0, 0);
        for res in [ra, rb] {
            match res.status().as_u16() {
                200 => {
                    ok += 1;
                    let order = expect_status(res, 200).await;
                    assert_eq!(order["state"], "signed");
                }
                409 => {
                    conflict += 1;
                    // Lost the race at the version check (`conflict`) or read the order already
                    // signed (`invalid_transition`): both are 409 problem documents.
                    let content_type = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
                    assert_eq!(content_type, "application/problem+json");
                    let problem = crate::helpers::json_body(res).await;
                    assert!(matches!(problem["code"].as_str(), Some("conflict" | "invalid_transition")), "{problem:#}");
                    assert!(problem["detail_zh"].is_string(), "{problem:#}");
                }
                other => panic!("unexpected status {other}"),
            }
        }
        assert_eq!((ok, conflict), (1, 1), "exactly one sign wins");
        let detail = app.detail(&number).await;
        assert_eq!(kinds(&detail), ["receive", "triage", "dispatch", "sign"], "exactly one sign event");
        assert_eq!(detail["order"]["version"], 3);
    }
}

#[tokio::test]
async fn an_action_with_a_stale_if_match_returns_409_conflict_and_changes_nothing() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let wj = app.login("wangjing").await;
    let order = app.dispatched_order(&op, WANGJING).await;
    let number = number_of(&order);
    let read_version = order["version"].as_i64().expect("a version");

    // The current version is accepted, quoted or not.
    let url = app.url(&format!("/api/v1/orders/{number}/actions"));
    let res = wj.post(&url).header("If-Match", format!("\"{read_version}\"")).json(&json!({ "action": "sign" })).send().await;
    let signed = expect_status(res.expect("POST"), 200).await;
    assert_eq!(signed["version"], read_version + 1);

    // The version read before the sign is stale now.
    let res =
        wj.post(&url).header("If-Match", read_version.to_string()).json(&json!({ "action": "contact", "note": "已联系" })).send().await;
    expect_problem(res.expect("POST"), 409, "conflict").await;
    let detail = app.detail(&number).await;
    assert_eq!(detail["order"]["state"], "signed");
    assert_eq!(detail["order"]["version"], read_version + 1);
    assert_eq!(kinds(&detail), ["receive", "triage", "dispatch", "sign"]);

    // A garbage If-Match is a bad request, not a silent unconditional write.
    let res = wj.post(&url).header("If-Match", "yesterday").json(&json!({ "action": "contact" })).send().await;
    expect_problem(res.expect("POST"), 400, "malformed_body").await;
    assert_eq!(app.detail(&number).await["order"]["state"], "signed");
}

#[tokio::test]
async fn an_action_not_allowed_in_the_current_state_returns_409_invalid_transition() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let wj = app.login("wangjing").await;
    let number = number_of(&app.dispatched_order(&op, WANGJING).await);
    // Replying before signing and contacting.
    let res = app.act(&wj, &number, &json!({ "action": "reply", "outcome": "resolved", "text": "已处理完毕" })).await;
    expect_problem(res, 409, "invalid_transition").await;
    // Signing twice.
    app.act_ok(&wj, &number, &json!({ "action": "sign" })).await;
    expect_problem(app.act(&wj, &number, &json!({ "action": "sign" })).await, 409, "invalid_transition").await;
}
