//! Early warning over the API: a surge of calls about one problem in one street is raised as one
//! alert (however many passes see it), told to the centre and the district through the outbox,
//! read by those who may, and acknowledged or dismissed by the centre's supervisors only.

use chrono::Duration;
use reqwest::Client;
use serde_json::{Value, json};

use crate::helpers::{TestApp, WANGJING, ZHONGGUANCUN, expect_problem, expect_status, number_of, order_body, spawn_app, start_time};

/// Files an order dispatched to `unit` in `category`, at a place in that unit, at the clock's time.
async fn file(app: &TestApp, operator: &Client, unit: &str, category: &str) -> String {
    let mut body = order_body();
    body["location"] = match unit {
        WANGJING => json!({ "address": "望京西园三区" }),
        _ => json!({ "address": "海淀区中关村南大街5号" }),
    };
    body["triage"] = json!({ "nature": "complaint", "category": category, "urgency": "general" });
    body["disposition"] = json!({ "action": "dispatch", "main_unit": app.unit(unit), "co_units": [] });
    number_of(&expect_status(app.create_order(operator, &body).await, 201).await)
}

/// Four weeks of ordinary calls (parking in 望京 and 中关村), then twelve calls about burst water
/// mains in 望京 within half an hour; answers the surge's order numbers.
pub(crate) async fn surge(app: &TestApp) -> Vec<String> {
    let op = app.login("operator").await;
    for day in (2..=29).rev() {
        app.clock.set(start_time() - Duration::days(day) + Duration::minutes(day * 7 % 300));
        file(app, &op, WANGJING, "TRF/illegal_parking").await;
        file(app, &op, ZHONGGUANCUN, "TRF/illegal_parking").await;
    }
    app.clock.set(start_time());
    let mut numbers = Vec::new();
    for _ in 0..12 {
        numbers.push(file(app, &op, WANGJING, "UTL/water/pipe_burst").await);
        app.clock.advance(Duration::minutes(2));
    }
    app.app.sync_analytics().await.expect("read model up to date");
    numbers
}

async fn alerts(app: &TestApp, client: &Client) -> Value {
    expect_status(client.get(app.url("/api/v1/alerts")).send().await.expect("GET alerts"), 200).await
}

async fn act(app: &TestApp, client: &Client, id: i64, body: &Value) -> reqwest::Response {
    client.post(app.url(&format!("/api/v1/alerts/{id}/actions"))).json(body).send().await.expect("POST alert action")
}

#[tokio::test]
async fn a_street_surge_is_raised_once_with_its_orders_and_told_to_the_centre_and_the_district() {
    let app = spawn_app().await;
    let numbers = surge(&app).await;
    let quiet = app.app.run_warning_pass().await.expect("a pass");
    assert!(quiet.opened >= 1, "the surge opens an alert: {quiet:?}");

    let supervisor = app.login("supervisor").await;
    let list = alerts(&app, &supervisor).await;
    let list = list.as_array().expect("a list");
    let alert = list.iter().find(|a| a["street"]["name"] == "望京街道").unwrap_or_else(|| panic!("an alert for 望京街道: {list:?}"));
    assert_eq!(alert["kind"], "surge");
    assert_eq!(alert["status"], "open");
    assert_eq!(alert["district"]["name"], "朝阳区");
    assert!(alert["category"]["code"].as_str().is_some_and(|c| c.starts_with("UTL")), "{alert}");
    assert!(alert["observed"].as_i64().expect("observed") >= 8 && alert["expected"].as_f64().expect("expected") < 3.0, "{alert}");
    assert!(alert["recurrence_days"].as_f64().expect("RI") >= 30.0, "{alert}");
    assert!(!list.iter().any(|a| a["street"]["name"] == "中关村街道"), "the quiet street raises nothing: {list:?}");

    // Later passes while the surge goes on update the same alert; nothing new is raised or sent.
    let sent = app.app.notices().pending_outbox(100).await.expect("outbox").len();
    app.clock.advance(Duration::minutes(5));
    let again = app.app.run_warning_pass().await.expect("another pass");
    assert_eq!(again.opened, 0, "{again:?}");
    assert_eq!(alerts(&app, &supervisor).await.as_array().expect("a list").len(), list.len());
    let outbox = app.app.notices().pending_outbox(100).await.expect("outbox");
    assert_eq!(outbox.len(), sent, "no second message for the same surge");
    assert!(outbox.iter().any(|m| m.recipient == "centre" && m.body.contains("望京街道")), "{outbox:?}");
    assert!(outbox.iter().any(|m| m.recipient == "110105" && m.body.contains("望京街道")), "the district is told: {outbox:?}");

    // The orders behind it are those of the surge.
    let id = alert["id"].as_i64().expect("id");
    let detail = expect_status(supervisor.get(app.url(&format!("/api/v1/alerts/{id}"))).send().await.expect("GET alert"), 200).await;
    let behind: Vec<String> =
        detail["orders"].as_array().expect("orders").iter().map(|o| o["number"].as_str().expect("number").to_owned()).collect();
    for n in &numbers {
        assert!(behind.contains(n), "{n} is behind the alert: {behind:?}");
    }
    assert!(behind.len() <= numbers.len(), "only the surge's orders: {behind:?}");
}

#[tokio::test]
async fn alerts_are_read_within_the_district_and_acted_on_by_supervisors_only() {
    let app = spawn_app().await;
    surge(&app).await;
    app.app.run_warning_pass().await.expect("a pass");
    let supervisor = app.login("supervisor").await;
    let list = alerts(&app, &supervisor).await;
    let id =
        list.as_array().expect("a list").iter().find(|a| a["street"]["name"] == "望京街道").expect("the alert")["id"].as_i64().expect("id");

    // The street's handler and the district's admin see it; another district's handler does not.
    for user in ["wangjing", "chaoyang"] {
        let c = app.login(user).await;
        assert!(alerts(&app, &c).await.as_array().expect("a list").iter().any(|a| a["id"] == id), "{user} sees the alert");
    }
    let other = app.login("zhongguancun").await;
    assert!(!alerts(&app, &other).await.as_array().expect("a list").iter().any(|a| a["id"] == id));
    expect_problem(other.get(app.url(&format!("/api/v1/alerts/{id}"))).send().await.expect("GET"), 404, "not_found").await;
    let callback = app.login("callback").await;
    expect_problem(callback.get(app.url("/api/v1/alerts")).send().await.expect("GET"), 403, "forbidden").await;

    // Only supervisors act; each move is checked against where the alert stands.
    let operator = app.login("operator").await;
    expect_problem(act(&app, &operator, id, &json!({"action": "acknowledge"})).await, 403, "forbidden").await;
    expect_problem(act(&app, &supervisor, id, &json!({"action": "close"})).await, 422, "unknown_alert_action").await;
    let acked = expect_status(act(&app, &supervisor, id, &json!({"action": "acknowledge", "note": "已通知自来水集团"})).await, 200).await;
    assert_eq!((acked["status"].as_str(), acked["note"].as_str()), (Some("acknowledged"), Some("已通知自来水集团")));
    expect_problem(act(&app, &supervisor, id, &json!({"action": "acknowledge"})).await, 409, "conflict").await;
    let dismissed = expect_status(act(&app, &supervisor, id, &json!({"action": "dismiss"})).await, 200).await;
    assert_eq!(dismissed["status"], "dismissed");
    // A dismissed surge that goes on stays dismissed: it is not raised again.
    app.clock.advance(Duration::minutes(3));
    assert_eq!(app.app.run_warning_pass().await.expect("a pass").opened, 0);
    let status = |l: &Value| l.as_array().expect("a list").iter().find(|a| a["id"] == id).map(|a| a["status"].clone());
    assert_eq!(status(&alerts(&app, &supervisor).await), Some(json!("dismissed")));
    expect_problem(act(&app, &supervisor, 999_999, &json!({"action": "dismiss"})).await, 404, "not_found").await;
    let long = "很".repeat(501);
    expect_problem(act(&app, &supervisor, id, &json!({"action": "reopen", "note": long})).await, 422, "note_too_long").await;
}

/// A new scam reported over an hour under three categories (a shop's fake refund, a phone scam,
/// an online purchase) is an emerging topic: an alert of kind `topic` naming its words, with the
/// calls that use them behind it.
#[tokio::test]
async fn a_new_scam_spread_over_categories_is_raised_as_an_emerging_topic_with_its_calls() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    for day in (2..=29).rev() {
        app.clock.set(start_time() - Duration::days(day) + Duration::minutes(day * 7 % 300));
        file(&app, &op, WANGJING, "TRF/illegal_parking").await;
        file(&app, &op, ZHONGGUANCUN, "TRF/illegal_parking").await;
    }
    app.clock.set(start_time());
    let texts = [
        ("MKT/price/fraud", "接到自称客服的电话说刷单返利，先转了三百元，对方失联"),
        ("ORD", "邻居老人被拉进刷单返利群，已经转账两次，请公安核查"),
        ("OTH", "网上看到刷单返利广告，按要求下载了软件，现在钱取不出来"),
    ];
    let mut numbers = Vec::new();
    for i in 0..9 {
        let (category, text) = texts[i % texts.len()];
        let mut body = order_body();
        body["description"] = json!(text);
        body["triage"] = json!({ "nature": "report", "category": category, "urgency": "general" });
        body["disposition"] = json!({ "action": "dispatch", "main_unit": app.unit(WANGJING), "co_units": [] });
        numbers.push(number_of(&expect_status(app.create_order(&op, &body).await, 201).await));
        app.clock.advance(Duration::minutes(6));
    }
    app.app.sync_analytics().await.expect("read model up to date");
    app.app.run_warning_pass().await.expect("a pass");

    let supervisor = app.login("supervisor").await;
    let list = alerts(&app, &supervisor).await;
    let topic = list
        .as_array()
        .expect("a list")
        .iter()
        .find(|a| a["kind"] == "topic")
        .unwrap_or_else(|| panic!("an emerging topic: {list}"))
        .clone();
    let terms = topic["terms"].as_str().expect("its words");
    assert!(terms.contains("刷单") || terms.contains("返利"), "the scam's words: {topic}");
    assert_eq!(topic["district"]["name"], "朝阳区", "where its calls are: {topic}");
    assert_eq!(topic["observed"], 9);
    assert!(topic["expected"].as_f64().expect("expected") < 1.0, "{topic}");
    let id = topic["id"].as_i64().expect("id");
    let detail = expect_status(supervisor.get(app.url(&format!("/api/v1/alerts/{id}"))).send().await.expect("GET alert"), 200).await;
    let mut behind: Vec<String> =
        detail["orders"].as_array().expect("orders").iter().map(|o| o["number"].as_str().expect("number").to_owned()).collect();
    behind.sort();
    assert_eq!(behind, numbers, "the calls that use its words, and only those");
    let outbox = app.app.notices().pending_outbox(100).await.expect("outbox");
    assert!(outbox.iter().any(|m| m.recipient == "centre" && m.body.contains("新问题")), "{outbox:?}");

    // The next pass (ten minutes on) continues the same alert.
    app.clock.advance(Duration::minutes(11));
    app.app.run_warning_pass().await.expect("another pass");
    let topics = alerts(&app, &supervisor).await.as_array().expect("a list").iter().filter(|a| a["kind"] == "topic").count();
    assert_eq!(topics, 1, "one alert for one ongoing topic");
}
