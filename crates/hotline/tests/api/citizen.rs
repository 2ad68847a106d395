//! The citizen side: submitting without an account, and tracking by number and phone.

use serde_json::{Value, json};

use crate::helpers::{TestApp, WANGJING, expect_problem, expect_status, spawn_app};

const CITIZEN_PHONE: &str = "13912345678";

fn request(app: &TestApp) -> Value {
    json!({
        "description": "望京西园三区3号楼前的路灯坏了一个星期，晚上很黑，老人出行不安全。",
        "name": "王女士",
        "phone": CITIZEN_PHONE,
        "address": "望京西园三区3号楼",
        "district": app.unit(crate::helpers::CHAOYANG),
    })
}

async fn submit(app: &TestApp, body: &Value) -> reqwest::Response {
    app.anonymous().post(app.url("/api/v1/public/requests")).json(body).send().await.expect("POST public request")
}

async fn track(app: &TestApp, number: &str, phone: &str) -> reqwest::Response {
    let body = json!({ "number": number, "phone": phone });
    app.anonymous().post(app.url("/api/v1/public/track")).json(&body).send().await.expect("POST track")
}

#[tokio::test]
async fn a_citizen_submits_without_an_account_and_gets_a_number() {
    let app = spawn_app().await;
    let receipt = expect_status(submit(&app, &request(&app)).await, 201).await;
    let number = receipt["number"].as_str().expect("a number");
    assert!(number.len() >= 13 && number.bytes().all(|b| b.is_ascii_digit()), "{number}");
    assert_eq!(receipt.as_object().map(serde_json::Map::len), Some(1), "the receipt holds the number only: {receipt}");

    // Staff see it waiting for triage, filed through the web, by a citizen.
    let detail = app.detail(number).await;
    assert_eq!(detail["order"]["state"], "received");
    assert_eq!(detail["order"]["channel"], "web");
    assert_eq!(detail["order"]["requester"]["phone"], CITIZEN_PHONE);
    assert_eq!(detail["timeline"][0]["actor_role"], "citizen");
    assert_eq!(app.total_orders().await, 1);
}

#[tokio::test]
async fn a_citizen_request_without_a_phone_returns_422_and_writes_nothing() {
    let app = spawn_app().await;
    let mut body = request(&app);
    body["phone"] = json!("");
    let problem = expect_problem(submit(&app, &body).await, 422, "required").await;
    assert_eq!(problem["field"], "phone");
    body["phone"] = json!("1234");
    expect_problem(submit(&app, &body).await, 422, "invalid_phone").await;
    assert_eq!(app.total_orders().await, 0);
}

#[tokio::test]
async fn tracking_with_the_right_phone_shows_the_state_and_a_public_timeline_without_staff_names() {
    let app = spawn_app().await;
    let receipt = expect_status(submit(&app, &request(&app)).await, 201).await;
    let number = receipt["number"].as_str().expect("a number").to_owned();

    let tracked = expect_status(track(&app, &number, CITIZEN_PHONE).await, 200).await;
    assert_eq!(tracked["number"], number.as_str());
    assert_eq!(tracked["state"], "received");
    assert!(tracked["handling_unit"].is_null());
    assert_eq!(tracked["timeline"].as_array().map(Vec::len), Some(1));

    // The centre triages and dispatches; the street signs and contacts.
    let op = app.login("operator").await;
    let wj = app.login("wangjing").await;
    app.act_ok(&op, &number, &json!({ "action": "triage", "nature": "complaint", "category": "CON/roads", "urgency": "general" })).await;
    app.act_ok(&op, &number, &json!({ "action": "dispatch", "main_unit": app.unit(WANGJING), "note": "内部备注：请尽快" })).await;
    app.act_ok(&wj, &number, &json!({ "action": "sign" })).await;
    app.act_ok(&wj, &number, &json!({ "action": "contact", "note": "内部备注：已与王女士通话" })).await;

    // The same phone in another notation finds it too.
    let res = track(&app, &number, "+86 139-1234-5678").await;
    let text = res.text().await.expect("a body");
    let tracked: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(tracked["state"], "contacted", "{tracked:#}");
    assert_eq!(tracked["handling_unit"], "望京街道");
    let timeline = tracked["timeline"].as_array().expect("a timeline");
    let kinds: Vec<&str> = timeline.iter().map(|e| e["kind"].as_str().unwrap_or_default()).collect();
    assert_eq!(kinds, ["receive", "dispatch", "sign", "contact"], "internal steps (triage) are not shown");
    for e in timeline {
        assert_eq!(e["actor_name"], "", "no actor names: {e}");
        assert!(e["reason"].is_null(), "no internal notes: {e}");
    }
    for secret in ["话务员", "王丽", "李娜", "内部备注", "operator", "unit_handler"] {
        assert!(!text.contains(secret), "the public view leaks {secret:?}: {text}");
    }
}

#[tokio::test]
async fn tracking_with_a_wrong_phone_returns_404_like_an_unknown_number() {
    let app = spawn_app().await;
    let receipt = expect_status(submit(&app, &request(&app)).await, 201).await;
    let number = receipt["number"].as_str().expect("a number");
    let wrong_phone = expect_problem(track(&app, number, "13800000000").await, 404, "not_found").await;
    let unknown_number = expect_problem(track(&app, "2026030299999", CITIZEN_PHONE).await, 404, "not_found").await;
    assert_eq!(wrong_phone, unknown_number, "a wrong phone cannot be told apart from a wrong number");
    expect_problem(track(&app, number, "not a phone").await, 422, "invalid_phone").await;
}

#[tokio::test]
async fn a_citizen_retry_with_the_same_idempotency_key_returns_the_same_number() {
    let app = spawn_app().await;
    let body = request(&app);
    let send = || app.anonymous().post(app.url("/api/v1/public/requests")).header("Idempotency-Key", "web-form-1").json(&body).send();
    let first = expect_status(send().await.expect("POST"), 201).await;
    let second = send().await.expect("POST");
    let status = second.status().as_u16();
    let second = crate::helpers::json_body(second).await;
    assert_eq!(first["number"], second["number"]);
    assert!(status == 200 || status == 201, "{status}");
    assert_eq!(app.total_orders().await, 1);
}
