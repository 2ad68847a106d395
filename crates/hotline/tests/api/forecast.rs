//! 未诉先办 forecasts over the API: ten weeks of calls in two districts, then eight weeks ahead for
//! every series with nested prediction intervals and the held-out errors of the model and the
//! baseline; the centre reads every district, a unit's people their own, callback agents none.

use chrono::{Duration, NaiveDate};
use reqwest::Client;
use serde_json::{Value, json};

use crate::helpers::{TestApp, WANGJING, ZHONGGUANCUN, expect_problem, expect_status, order_body, spawn_app, start_time};

/// Files an order in `unit`'s street in `category`, at the clock's time.
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

/// Ten complete weeks before the test clock's Monday: two parking calls a week in 望京 (朝阳区) and
/// one burst water main in 中关村 (海淀区).
async fn ten_weeks(app: &TestApp) {
    let op = app.login("operator").await;
    for week in (1..=10).rev() {
        app.clock.set(start_time() - Duration::weeks(week) + Duration::hours(week));
        file(app, &op, WANGJING, "TRF/illegal_parking").await;
        file(app, &op, WANGJING, "TRF/illegal_parking").await;
        file(app, &op, ZHONGGUANCUN, "UTL/water/pipe_burst").await;
    }
    app.clock.set(start_time());
    app.app.sync_analytics().await.expect("read model up to date");
}

async fn forecast(app: &TestApp, client: &Client, query: &str) -> reqwest::Response {
    client.get(app.url(&format!("/api/v1/analytics/forecast{query}"))).send().await.expect("GET forecast")
}

fn series<'a>(report: &'a Value, district: Option<&str>, category: Option<&str>) -> Option<&'a Value> {
    report["series"]
        .as_array()
        .expect("series")
        .iter()
        .find(|s| s["district"]["name"].as_str() == district && s["category"]["code"].as_str() == category)
}

fn districts(report: &Value) -> Vec<Option<String>> {
    report["series"].as_array().expect("series").iter().map(|s| s["district"]["name"].as_str().map(str::to_owned)).collect()
}

#[tokio::test]
async fn the_centre_reads_eight_weeks_ahead_with_nested_intervals_and_held_out_errors() {
    let app = spawn_app().await;
    ten_weeks(&app).await;
    let supervisor = app.login("supervisor").await;
    let report = expect_status(forecast(&app, &supervisor, "").await, 200).await;
    // The test clock is Monday 2 March 2026: that week has begun, so it is the first forecast.
    assert_eq!(report["origin"], "2026-03-02");
    assert_eq!(report["history_weeks"], 10);
    assert_eq!(report["seasonal"], false);
    assert!(series(&report, None, None).is_some(), "the city in total");
    assert!(series(&report, Some("海淀区"), Some("UTL")).is_some(), "{report}");

    let s = series(&report, Some("朝阳区"), Some("TRF")).unwrap_or_else(|| panic!("朝阳区 × TRF: {report}"));
    assert_eq!(s["category"]["name_zh"], "交通管理");
    let history = s["history"].as_array().expect("history");
    assert_eq!(history.len(), 10);
    assert!(history.iter().all(|w| w["calls"] == 2), "{history:?}");
    let weeks = s["forecast"].as_array().expect("forecast");
    assert_eq!(weeks.len(), 8);
    let monday = NaiveDate::from_ymd_opt(2026, 3, 2).expect("a date");
    for (k, w) in weeks.iter().enumerate() {
        assert_eq!(w["week"], (monday + Duration::weeks(k as i64)).to_string());
        let v: Vec<f64> =
            ["lower95", "lower80", "forecast", "upper80", "upper95"].iter().map(|f| w[*f].as_f64().expect("a number")).collect();
        assert!(v.windows(2).all(|p| p[0] <= p[1]) && v[0] >= 0.0, "nested intervals: {w}");
        assert!((v[2] - 2.0).abs() < 0.5, "two calls a week: {w}");
    }
    let accuracy = &s["accuracy"];
    assert!(accuracy["forecasts"].as_u64().expect("forecasts") > 0, "{accuracy}");
    assert!(accuracy["model_mae"].as_f64().is_some() && accuracy["naive_mae"].as_f64().is_some(), "{accuracy}");

    // One district and category: that series alone.
    let one = expect_status(forecast(&app, &supervisor, "?district=朝阳区&category=TRF").await, 200).await;
    assert_eq!(districts(&one), vec![Some("朝阳区".to_owned())]);
    assert_eq!(one["series"][0]["category"]["code"], "TRF");

    // Names that are not a district or a first-level category are refused with their field.
    let bad = expect_problem(forecast(&app, &supervisor, "?district=火星区").await, 422, "unknown_district").await;
    assert_eq!(bad["field"], "district");
    expect_problem(forecast(&app, &supervisor, "?category=TRF/illegal_parking").await, 422, "unknown_category").await;
}

#[tokio::test]
async fn a_units_people_read_their_own_districts_forecasts_only() {
    let app = spawn_app().await;
    ten_weeks(&app).await;
    for (user, district) in [("wangjing", "朝阳区"), ("chaoyang", "朝阳区"), ("zhongguancun", "海淀区")] {
        let client = app.login(user).await;
        let report = expect_status(forecast(&app, &client, "").await, 200).await;
        let seen = districts(&report);
        assert!(!seen.is_empty() && seen.iter().all(|d| d.as_deref() == Some(district)), "{user} sees {seen:?}");
    }
    let wangjing = app.login("wangjing").await;
    expect_problem(forecast(&app, &wangjing, "?district=海淀区").await, 403, "forbidden").await;
    let own = expect_status(forecast(&app, &wangjing, "?district=110105&category=TRF").await, 200).await;
    assert_eq!(own["series"].as_array().expect("series").len(), 1, "by unit code too");
    let callback = app.login("callback").await;
    expect_problem(forecast(&app, &callback, "").await, 403, "forbidden").await;
}
