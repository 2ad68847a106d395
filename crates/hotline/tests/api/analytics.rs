//! Analytics over the API: the one query model (`POST /api/v1/analytics/query`) and questions in
//! words (`GET /api/v1/analytics/ask`) answered from the read model fed by the store; who may read
//! what; bad queries refused with a reason.

use reqwest::Client;
use serde_json::{Value, json};

use crate::helpers::{HEAT, TestApp, WANGJING, ZHONGGUANCUN, expect_problem, expect_status, number_of, order_body, spawn_app};

/// Files an order dispatched to `unit`, in `category`, as `nature`, at a place in that unit.
async fn file(app: &TestApp, operator: &Client, unit: &str, category: &str, nature: &str, age: &str) -> String {
    let mut body = order_body();
    body["location"] = match unit {
        WANGJING => json!({ "address": "望京西园三区" }),
        ZHONGGUANCUN => json!({ "address": "海淀区中关村南大街5号" }),
        _ => json!({ "address": "" }),
    };
    body["requester"]["age_group"] = json!(age);
    body["triage"] = json!({ "nature": nature, "category": category, "urgency": "general" });
    body["disposition"] = json!({ "action": "dispatch", "main_unit": app.unit(unit), "co_units": [] });
    number_of(&expect_status(app.create_order(operator, &body).await, 201).await)
}

/// Three orders in 望京 (朝阳区), one in 中关村 (海淀区), one for the heating company.
async fn city(app: &TestApp) {
    let op = app.login("operator").await;
    file(app, &op, WANGJING, "TRF/illegal_parking", "complaint", "senior").await;
    file(app, &op, WANGJING, "TRF/illegal_parking", "report", "adult").await;
    file(app, &op, WANGJING, "UTL/heating/not_warm", "complaint", "senior").await;
    file(app, &op, ZHONGGUANCUN, "UTL/heating", "complaint", "adult").await;
    file(app, &op, HEAT, "UTL/heating/not_warm", "help", "adult").await;
    app.app.sync_analytics().await.expect("read model up to date");
}

async fn query(app: &TestApp, client: &Client, q: &Value) -> reqwest::Response {
    client.post(app.url("/api/v1/analytics/query")).json(q).send().await.expect("POST query")
}

fn pairs(answer: &Value, dim: &str) -> Vec<(String, i64)> {
    answer["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| (r[dim].as_str().unwrap_or("(none)").to_owned(), r["value"].as_i64().expect("a count")))
        .collect()
}

#[tokio::test]
async fn analysts_count_orders_by_place_category_and_age_with_the_query_echoed() {
    let app = spawn_app().await;
    city(&app).await;
    let analyst = app.login("analyst").await;
    let by_district = expect_status(query(&app, &analyst, &json!({"measure": "count", "group_by": ["district"]})).await, 200).await;
    assert_eq!(pairs(&by_district, "district"), [("朝阳区".to_owned(), 3), ("海淀区".to_owned(), 1), ("(none)".to_owned(), 1)]);
    assert_eq!(by_district["query"]["filters"]["district"], json!([]), "every key of the query is echoed");

    let heating_seniors = json!({"measure": "count", "group_by": ["street"],
        "filters": {"from": "2026-03-01", "to": "2026-04-01", "category": ["UTL/heating"], "age_group": ["senior"]}});
    assert_eq!(pairs(&expect_status(query(&app, &analyst, &heating_seniors).await, 200).await, "street"), [("望京街道".to_owned(), 1)]);

    let by_l2 = json!({"measure": "count", "group_by": ["category_l2"], "filters": {"district": ["朝阳区"]}, "limit": 1});
    assert_eq!(
        pairs(&expect_status(query(&app, &analyst, &by_l2).await, 200).await, "category_l2"),
        [("TRF/illegal_parking".to_owned(), 2)]
    );

    let units = json!({"measure": "count", "filters": {"unit": [HEAT]}});
    assert_eq!(expect_status(query(&app, &analyst, &units).await, 200).await["rows"][0]["value"], 1);
}

#[tokio::test]
async fn questions_in_chinese_and_english_are_answered_with_their_reading() {
    let app = spawn_app().await;
    city(&app).await;
    let analyst = app.login("analyst").await;
    let ask = |q: &str| {
        let url = app.url("/api/v1/analytics/ask");
        let analyst = analyst.clone();
        let q = q.to_owned();
        async move { analyst.get(url).query(&[("q", q.as_str()), ("now", "2026-03-20T10:00:00+08:00")]).send().await.expect("GET ask") }
    };
    let zh = expect_status(ask("本月哪个区来电最多").await, 200).await;
    assert_eq!(zh["query"]["group_by"], json!(["district"]));
    assert_eq!((zh["query"]["limit"].as_i64(), zh["query"]["filters"]["from"].as_str()), (Some(1), Some("2026-03-01")));
    assert_eq!(pairs(&zh, "district"), [("朝阳区".to_owned(), 3)]);
    let en = expect_status(ask("Which district had the most complaints this month? As a pie chart").await, 200).await;
    assert_eq!(en["query"]["filters"]["nature"], json!(["complaint"]));
    assert_eq!(pairs(&en, "district"), [("朝阳区".to_owned(), 2)]);
    assert!(en["unparsed"].as_array().expect("unparsed").iter().any(|w| w.as_str().is_some_and(|w| w.contains("pie chart"))), "{en}");
    let seniors = expect_status(ask("这个月老年人最关心什么").await, 200).await;
    assert_eq!(pairs(&seniors, "category_l2"), [("TRF/illegal_parking".to_owned(), 1), ("UTL/heating".to_owned(), 1)]);
    expect_problem(ask("   ").await, 422, "question_required").await;
}

#[tokio::test]
async fn bad_queries_are_refused_with_a_reason() {
    let app = spawn_app().await;
    let analyst = app.login("analyst").await;
    let unknown_district = json!({"measure": "count", "filters": {"district": ["火星区"]}});
    expect_problem(query(&app, &analyst, &unknown_district).await, 422, "unknown_district").await;
    let open_comparison = json!({"measure": "count", "compare": "previous_period"});
    expect_problem(query(&app, &analyst, &open_comparison).await, 422, "compare_needs_range").await;
    let backwards = json!({"measure": "count", "filters": {"from": "2026-03-02", "to": "2026-03-01"}});
    expect_problem(query(&app, &analyst, &backwards).await, 422, "invalid_range").await;
    let res = query(&app, &analyst, &json!({"measure": "sum"})).await;
    assert!(res.status().is_client_error(), "an unknown measure is the client's error: {}", res.status());
    let res = query(&app, &analyst, &json!({"measure": "count", "colour": "red"})).await;
    assert!(res.status().is_client_error(), "an unknown key is the client's error: {}", res.status());
    let callback = app.login("callback").await;
    expect_problem(query(&app, &callback, &json!({"measure": "count"})).await, 403, "forbidden").await;
    let res = query(&app, &app.anonymous(), &json!({"measure": "count"})).await;
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn a_unit_sees_only_its_own_orders_and_no_small_cells() {
    let app = spawn_app().await;
    city(&app).await;
    let wangjing = app.login("wangjing").await;
    let answer = expect_status(query(&app, &wangjing, &json!({"measure": "count", "group_by": ["district"]})).await, 200).await;
    let rows = answer["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 1, "only 望京's own orders: {answer}");
    assert_eq!(
        (rows[0]["district"].as_str(), rows[0]["suppressed"].as_bool(), &rows[0]["value"]),
        (Some("朝阳区"), Some(true), &Value::Null)
    );
}

#[tokio::test]
async fn an_order_moving_on_moves_its_figures() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let number = file(&app, &op, WANGJING, "TRF/illegal_parking", "complaint", "adult").await;
    app.app.sync_analytics().await.expect("sync");
    let analyst = app.login("analyst").await;
    let states = json!({"measure": "dispute_count"});
    assert_eq!(expect_status(query(&app, &analyst, &states).await, 200).await["rows"][0]["value"], 0);
    let handler = app.login("wangjing").await;
    app.act_ok(&handler, &number, &json!({ "action": "dispute", "reason": "不属于本单位职责", "proposed_unit": null })).await;
    app.app.sync_analytics().await.expect("sync");
    assert_eq!(expect_status(query(&app, &analyst, &states).await, 200).await["rows"][0]["value"], 1);
}
