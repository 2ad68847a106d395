//! 每月一题 candidates over the API: a problem that runs above what a street's calls and the city's
//! mix predict for months is listed with its evidence; the centre sees the city, a street's people
//! their district, callback agents nothing; a malformed or future month is refused.

use chrono::{Duration, TimeZone, Utc};
use reqwest::Client;
use serde_json::{Value, json};

use crate::helpers::{TestApp, WANGJING, ZHONGGUANCUN, expect_problem, expect_status, order_body, spawn_app};

/// Files an order dispatched to `unit` in `category`, at a place in that unit, at the clock's time.
async fn file(app: &TestApp, operator: &Client, unit: &str, category: &str) {
    let mut body = order_body();
    body["location"] = match unit {
        WANGJING => json!({ "address": "望京西园三区" }),
        _ => json!({ "address": "海淀区中关村南大街5号" }),
    };
    body["triage"] = json!({ "nature": "complaint", "category": category, "urgency": "general" });
    body["disposition"] = json!({ "action": "dispatch", "main_unit": app.unit(unit), "co_units": [] });
    expect_status(app.create_order(operator, &body).await, 201).await;
}

/// November 2025 to February 2026: each month 望京 has 10 calls about repairs its property manager
/// ignores and 6 about parking, 中关村 16 about parking. The city's mix predicts 5 repair calls in
/// 望京 a month: twice that, four months running, is chronic.
async fn chronic(app: &TestApp) {
    let op = app.login("operator").await;
    for (y, m) in [(2025, 11), (2025, 12), (2026, 1), (2026, 2)] {
        app.clock.set(Utc.with_ymd_and_hms(y, m, 3, 2, 0, 0).single().expect("a time"));
        for k in 0..16 {
            app.clock.advance(Duration::minutes(30));
            if k < 10 {
                file(app, &op, WANGJING, "PRP/service/repair").await;
            } else {
                file(app, &op, WANGJING, "TRF/illegal_parking").await;
            }
            file(app, &op, ZHONGGUANCUN, "TRF/illegal_parking").await;
        }
    }
    app.clock.set(Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).single().expect("a time"));
    app.app.sync_analytics().await.expect("read model up to date");
}

async fn candidates(app: &TestApp, client: &Client, month: &str) -> reqwest::Response {
    client.get(app.url(&format!("/api/v1/analytics/candidates?month={month}"))).send().await.expect("GET candidates")
}

#[tokio::test]
async fn a_chronic_street_problem_is_listed_with_its_evidence_for_the_centre_and_its_district() {
    let app = spawn_app().await;
    chronic(&app).await;

    let analyst = app.login("analyst").await;
    let list = expect_status(candidates(&app, &analyst, "2026-02").await, 200).await;
    assert_eq!(list["month"], "2026-02");
    assert_eq!(list["complete"], true);
    assert_eq!(list["months"].as_array().map(Vec::len), Some(13));
    let all = list["candidates"].as_array().expect("candidates");
    let top = all.first().unwrap_or_else(|| panic!("a candidate: {list}"));
    assert_eq!(top["rank"], 1);
    assert_eq!(top["level"], "street");
    assert_eq!(top["street"]["name"], "望京街道");
    assert_eq!(top["district"]["name"], "朝阳区");
    let category = top["category"].as_str().expect("category");
    assert!(category.starts_with("PRP/service"), "{top}");
    let key = top["key"].as_str().expect("key");
    assert_eq!(key, format!("district:{}|street:{}|cat:{category}", app.unit("110105"), app.unit(WANGJING)));
    assert!(top["category_label"].as_str().is_some_and(|l| l.starts_with("物业管理")), "{top}");
    assert_eq!(top["volume"], 10);
    assert_eq!(top["months_persistent"], 4);
    assert_eq!(top["monthly"].as_array().map(Vec::len), Some(13));
    assert!(top["score"].as_f64().is_some_and(|s| s > 0.0 && s <= 100.0), "{top}");
    for field in ["repeat_share", "units", "streets", "expected_12"] {
        assert!(!top[field].is_null(), "{field}: {top}");
    }
    let evidence = top["evidence"].as_array().expect("evidence");
    assert!(evidence.iter().any(|e| e["code"] == "persistence" && e["zh"].as_str().is_some_and(|t| t.contains("4个月"))), "{evidence:?}");
    assert!(evidence.iter().all(|e| e["en"].as_str().is_some_and(|t| !t.is_empty())), "{evidence:?}");
    assert!(!all.iter().any(|c| c["street"]["name"] == "中关村街道"), "parking in 中关村 is as the city's mix predicts: {all:?}");

    // The page lists it with its evidence, in the centre's navigation.
    let page = analyst.get(app.url("/problems?month=2026-02")).send().await.expect("GET /problems");
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.expect("the page");
    assert!(html.contains(&format!("data-key=\"{key}\"")) && html.contains("每月一题") && html.contains("望京街道"), "{html}");
    assert!(html.contains("href=\"/problems\""), "the nav links the page");
    let bad = analyst.get(app.url("/problems?month=2026-13")).send().await.expect("GET /problems");
    assert_eq!(bad.status().as_u16(), 422);

    // The street's handler reads its district's list; another district's handler reads none of it.
    let wangjing = app.login("wangjing").await;
    let theirs = expect_status(candidates(&app, &wangjing, "2026-02").await, 200).await;
    assert!(theirs["candidates"].as_array().expect("a list").iter().any(|c| c["key"] == key), "{theirs}");
    let other = app.login("zhongguancun").await;
    let not_theirs = expect_status(candidates(&app, &other, "2026-02").await, 200).await;
    assert!(not_theirs["candidates"].as_array().expect("a list").iter().all(|c| c["district"]["name"] == "海淀区"), "{not_theirs}");
    let callback = app.login("callback").await;
    expect_problem(candidates(&app, &callback, "2026-02").await, 403, "forbidden").await;
    expect_problem(
        app.anonymous().get(app.url("/api/v1/analytics/candidates?month=2026-02")).send().await.expect("GET"),
        401,
        "unauthenticated",
    )
    .await;
}

#[tokio::test]
async fn a_malformed_or_future_month_is_refused_with_its_field() {
    let app = spawn_app().await;
    let supervisor = app.login("supervisor").await;
    let problem: Value = expect_problem(candidates(&app, &supervisor, "2026-13").await, 422, "invalid_month").await;
    assert_eq!(problem["field"], "month");
    assert!(problem["detail_zh"].as_str().is_some_and(|d| !d.is_empty()), "{problem}");
    expect_problem(candidates(&app, &supervisor, "last-month").await, 422, "invalid_month").await;
    expect_problem(candidates(&app, &supervisor, "2026-04").await, 422, "month_in_future").await;
    let empty = expect_status(candidates(&app, &supervisor, "2026-03").await, 200).await;
    assert_eq!(empty["complete"], false);
    assert_eq!(empty["candidates"], json!([]));
    let missing = supervisor.get(app.url("/api/v1/analytics/candidates")).send().await.expect("GET");
    assert_eq!(missing.status().as_u16(), 400);
}
