//! Emergency mode over the API: a supervisor confirms a surge alert as an incident (once, however
//! often confirmed), operators file calls under it with one field — triaged under its category and
//! dispatched to its lead unit — and the supervisor links, dispatches and answers its calls in bulk,
//! edits its script and closes it. Only supervisors manage incidents; units read their district's.

use reqwest::Client;
use serde_json::{Value, json};

use crate::alerts::surge;
use crate::helpers::{TestApp, WANGJING, expect_problem, expect_status, kinds, number_of, order_body, spawn_app};

async fn alert_of_wangjing(app: &TestApp, supervisor: &Client) -> i64 {
    app.app.run_warning_pass().await.expect("a pass");
    let list = expect_status(supervisor.get(app.url("/api/v1/alerts")).send().await.expect("GET alerts"), 200).await;
    list.as_array().expect("a list").iter().find(|a| a["street"]["name"] == "望京街道").expect("the surge's alert")["id"]
        .as_i64()
        .expect("id")
}

async fn declare(app: &TestApp, client: &Client, body: &Value) -> reqwest::Response {
    client.post(app.url("/api/v1/incidents")).json(body).send().await.expect("POST incident")
}

async fn detail(app: &TestApp, client: &Client, id: i64) -> Value {
    expect_status(client.get(app.url(&format!("/api/v1/incidents/{id}"))).send().await.expect("GET incident"), 200).await
}

async fn bulk(app: &TestApp, client: &Client, id: i64, action: &str, orders: &[String]) -> Value {
    let body = json!({ "action": action, "orders": orders });
    expect_status(client.post(app.url(&format!("/api/v1/incidents/{id}/bulk"))).json(&body).send().await.expect("POST bulk"), 200).await
}

fn numbers(list: &Value) -> Vec<String> {
    list.as_array().expect("a list").iter().map(|o| o["number"].as_str().expect("number").to_owned()).collect()
}

#[tokio::test]
async fn a_confirmed_surge_becomes_an_incident_whose_calls_are_filed_and_dispatched_with_one_field() {
    let app = spawn_app().await;
    let surge_orders = surge(&app).await;
    let supervisor = app.login("supervisor").await;
    let operator = app.login("operator").await;
    let alert = alert_of_wangjing(&app, &supervisor).await;

    // Only supervisors declare; confirming the alert takes its place, category and start, and
    // acknowledges it; confirming again answers the same incident.
    expect_problem(declare(&app, &operator, &json!({ "alert": alert })).await, 403, "forbidden").await;
    let script = "望京地区供水管线爆裂，自来水集团正在抢修，预计今晚恢复供水。";
    let incident = expect_status(declare(&app, &supervisor, &json!({ "alert": alert, "script": script })).await, 201).await;
    let id = incident["id"].as_i64().expect("id");
    assert_eq!((incident["status"].as_str(), incident["script"].as_str()), (Some("active"), Some(script)));
    assert_eq!(incident["lead_unit"]["code"], WANGJING, "the alert's street leads: {incident}");
    assert_eq!(incident["street"]["name"], "望京街道");
    let category = incident["category"]["code"].as_str().expect("the alert's category").to_owned();
    assert!(category.starts_with("UTL"), "{incident}");
    let again = expect_status(declare(&app, &supervisor, &json!({ "alert": alert })).await, 201).await;
    assert_eq!(again["id"], id, "one incident per alert");
    let acked = expect_status(supervisor.get(app.url(&format!("/api/v1/alerts/{alert}"))).send().await.expect("GET alert"), 200).await;
    assert_eq!(acked["alert"]["status"], "acknowledged");

    // Intake offers it; one field files the call: triaged under its category, dispatched to the lead unit, linked.
    let active = expect_status(operator.get(app.url("/api/v1/incidents?active=true")).send().await.expect("GET"), 200).await;
    assert!(active.as_array().expect("a list").iter().any(|i| i["id"] == id), "{active}");
    let mut body = order_body();
    body["description"] = json!("望京西园三区楼下水管爆了，水漫到路上，家里也停水了");
    body["incident"] = json!(id);
    let filed = expect_status(app.create_order(&operator, &body).await, 201).await;
    assert_eq!(filed["state"], "dispatched", "{filed}");
    assert_eq!(filed["category"].as_str(), Some(category.as_str()));
    assert_eq!(filed["assignment"]["main_unit"]["code"], WANGJING);
    let call = number_of(&filed);

    // A caller answered with the script is answered, not dispatched, and still linked.
    let mut asked = order_body();
    asked["description"] = json!("请问望京什么时候恢复供水？");
    asked["incident"] = json!(id);
    asked["disposition"] = json!({ "action": "answer", "answer": script });
    let answered = expect_status(app.create_order(&operator, &asked).await, 201).await;
    assert_eq!((answered["state"].as_str(), answered["nature"].as_str()), (Some("answered_directly"), Some("consult")), "{answered}");

    let d = detail(&app, &supervisor, id).await;
    assert_eq!(d["incident"]["linked"], 2);
    let linked = numbers(&d["orders"]);
    assert!(linked.contains(&call) && linked.contains(&number_of(&answered)), "{linked:?}");
    assert_eq!(d["unresolved"], 1, "the dispatched call is open, the answered one is not");
    assert_eq!(d["linked_by_street"][0]["street"], "望京街道");
    assert_eq!(d["linked_by_street"][0]["count"], 2);
    let unlinked = numbers(&d["unlinked"]);
    for n in &surge_orders {
        assert!(unlinked.contains(n), "the surge's calls wait to be linked: {unlinked:?}");
    }
    assert!(d["scope_by_district"].as_array().expect("counts").iter().any(|r| r["district"] == "朝阳区"), "{d}");

    // Bulk: the surge's calls (already with the lead unit) are linked; a new untriaged call is
    // triaged and dispatched; answering a dispatched call is refused for that call alone.
    let mut fresh = order_body();
    fresh["description"] = json!("望京西园三区停水一天了");
    let fresh = number_of(&expect_status(app.create_order(&operator, &fresh).await, 201).await);
    let mut pick = surge_orders.clone();
    pick.push(fresh.clone());
    let outcomes = bulk(&app, &supervisor, id, "dispatch", &pick).await;
    assert!(outcomes.as_array().expect("outcomes").iter().all(|o| o["ok"] == true), "{outcomes}");
    let moved = expect_status(app.get_order(&supervisor, &fresh).await, 200).await;
    assert_eq!(
        (moved["order"]["state"].as_str(), moved["order"]["assignment"]["main_unit"]["code"].as_str()),
        (Some("dispatched"), Some(WANGJING))
    );
    let refused = bulk(&app, &supervisor, id, "answer", std::slice::from_ref(&call)).await;
    assert_eq!((refused[0]["ok"].as_bool(), refused[0]["error"].as_str()), (Some(false), Some("invalid_transition")), "{refused}");
    assert_eq!(detail(&app, &supervisor, id).await["incident"]["linked"], (surge_orders.len() + 3) as i64);
    assert_eq!(kinds(&app.detail(&fresh).await), ["receive", "triage", "dispatch"], "each call moved by its own checked transitions");

    // The script is edited while active; a closed incident takes no more calls.
    let edit = json!({ "title": "望京爆管停水", "script": "抢修已完成，正在逐步恢复供水。", "lead_unit": app.unit(WANGJING) });
    let edited = supervisor.put(app.url(&format!("/api/v1/incidents/{id}"))).json(&edit).send().await.expect("PUT");
    assert_eq!(expect_status(edited, 200).await["script"], "抢修已完成，正在逐步恢复供水。");
    let closed = supervisor.post(app.url(&format!("/api/v1/incidents/{id}/close"))).send().await.expect("POST close");
    assert_eq!(expect_status(closed, 200).await["status"], "closed");
    expect_problem(app.create_order(&operator, &body).await, 422, "incident_closed").await;
    let reclose = supervisor.post(app.url(&format!("/api/v1/incidents/{id}/close"))).send().await.expect("POST close");
    expect_problem(reclose, 409, "conflict").await;
}

#[tokio::test]
async fn incidents_are_read_within_their_district_and_bad_input_is_refused_with_a_code() {
    let app = spawn_app().await;
    let supervisor = app.login("supervisor").await;
    let lead = app.unit(WANGJING);
    let own =
        json!({ "title": "望京燃气泄漏", "lead_unit": lead, "district": app.unit("110105"), "script": "燃气公司已到场处置，请远离现场。" });
    let incident = expect_status(declare(&app, &supervisor, &own).await, 201).await;
    let id = incident["id"].as_i64().expect("id");
    assert_eq!(incident["alert"], Value::Null);

    let wangjing = app.login("wangjing").await;
    assert_eq!(detail(&app, &wangjing, id).await["incident"]["id"], id, "the lead unit reads it");
    let other = app.login("zhongguancun").await;
    expect_problem(other.get(app.url(&format!("/api/v1/incidents/{id}"))).send().await.expect("GET"), 404, "not_found").await;
    let listed = expect_status(other.get(app.url("/api/v1/incidents")).send().await.expect("GET"), 200).await;
    assert!(listed.as_array().expect("a list").is_empty(), "another district sees none: {listed}");
    let edit = json!({ "title": "x", "script": "y", "lead_unit": lead });
    expect_problem(wangjing.put(app.url(&format!("/api/v1/incidents/{id}"))).json(&edit).send().await.expect("PUT"), 403, "forbidden")
        .await;

    for (body, code) in [
        (json!({ "title": "无牵头单位" }), "required"),
        (json!({ "title": "中心牵头", "lead_unit": app.unit("C-12345") }), "unit_cannot_lead"),
        (json!({ "title": "未知分类", "lead_unit": lead, "category": "NOPE/none" }), "invalid_category"),
        (json!({ "title": "口径太长", "lead_unit": lead, "script": "长".repeat(2001) }), "too_long"),
    ] {
        let res = declare(&app, &supervisor, &body).await;
        expect_problem(res, 422, code).await;
    }
    expect_problem(declare(&app, &supervisor, &json!({ "alert": 999_999 })).await, 404, "not_found").await;
    expect_problem(declare(&app, &supervisor, &json!({ "colour": "red" })).await, 400, "malformed_body").await;
    let empty = json!({ "action": "dispatch", "orders": [] });
    let res = supervisor.post(app.url(&format!("/api/v1/incidents/{id}/bulk"))).json(&empty).send().await.expect("POST bulk");
    expect_problem(res, 422, "invalid_order_count").await;
    let mut body = order_body();
    body["incident"] = json!(999_999);
    let operator = app.login("operator").await;
    expect_problem(app.create_order(&operator, &body).await, 422, "unknown_incident").await;
}
