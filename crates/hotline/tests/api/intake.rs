//! Intake: creating orders, and every way a request can be refused without writing anything.

use serde_json::{Value, json};

use crate::helpers::{
    CHAOYANG, HAIDIAN, NAME, PHONE, TestApp, WANGJING, ZHONGGUANCUN, dispatch_body, expect_problem, expect_status, kinds, number_of,
    order_body, spawn_app,
};

/// Sends `body` to `POST /api/v1/orders` as the operator and asserts it is refused with `status` and
/// `code` and that no order was written. Returns the problem document.
async fn refused(app: &TestApp, body: &Value, status: u16, code: &str) -> Value {
    let op = app.login("operator").await;
    let before = app.total_orders().await;
    let problem = expect_problem(app.create_order(&op, body).await, status, code).await;
    assert_eq!(app.total_orders().await, before, "a refused request wrote an order: {problem:#}");
    problem
}

/// Sends raw bytes with the given content type as the operator; asserts the problem and that nothing
/// was written.
async fn refused_raw(app: &TestApp, content_type: &str, body: Vec<u8>, status: u16, code: &str) -> Value {
    let op = app.login("operator").await;
    let before = app.total_orders().await;
    let res = op.post(app.url("/api/v1/orders")).header("content-type", content_type).body(body).send().await.expect("POST orders");
    let problem = expect_problem(res, status, code).await;
    assert_eq!(app.total_orders().await, before, "a refused request wrote an order: {problem:#}");
    problem
}

#[tokio::test]
async fn creating_and_dispatching_an_order_in_one_call_returns_201_with_location_and_a_district_copy() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    assert_eq!(app.total_orders().await, 0);

    let res = app.create_order(&op, &dispatch_body(app.unit(WANGJING))).await;
    let location = res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let order = expect_status(res, 201).await;
    let number = number_of(&order);

    assert_eq!(location, format!("/api/v1/orders/{number}"));
    assert!(number.starts_with("20260302") && number.len() >= 13, "number {number}");
    assert_eq!(order["state"], "dispatched");
    assert_eq!(order["version"], 2, "receive, triage, dispatch: two transitions after creation");
    assert_eq!(order["nature"], "complaint");
    assert_eq!(order["category"], "TRF/illegal_parking");
    assert_eq!(order["assignment"]["main_unit"]["code"], WANGJING);
    assert_eq!(order["assignment"]["main_unit"]["name"], "望京街道");
    assert_eq!(order["assignment"]["district_copy"]["code"], CHAOYANG);
    assert_eq!(order["assignment"]["district_copy"]["name"], "朝阳区");
    assert_eq!(order["requester"]["phone"], PHONE, "operators read contacts in clear");
    assert_eq!(order["requester"]["name"], NAME);
    assert_eq!(order["requester"]["masked"], false);
    assert!(order["dues"]["contact_due"].is_string() && order["dues"]["reply_due"].is_string(), "{order:#}");
    assert_eq!(app.total_orders().await, 1);

    // The Location header points at the order.
    let detail = expect_status(op.get(app.url(&location)).send().await.expect("GET location"), 200).await;
    assert_eq!(detail["order"]["number"], number);
    assert_eq!(kinds(&detail), ["receive", "triage", "dispatch"]);
}

#[tokio::test]
async fn creating_an_order_with_a_street_fills_in_its_district() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let mut body = order_body();
    body["location"]["street"] = json!(app.unit(WANGJING));
    let order = expect_status(app.create_order(&op, &body).await, 201).await;
    assert_eq!(order["state"], "received");
    assert_eq!(order["location"]["street"]["name"], "望京街道");
    assert_eq!(order["location"]["district"]["name"], "朝阳区");
}

#[tokio::test]
async fn creating_an_order_with_a_bad_phone_returns_422_invalid_phone_and_writes_nothing() {
    let app = spawn_app().await;
    let mut body = dispatch_body(app.unit(WANGJING));
    body["requester"]["phone"] = json!("12812345678");
    let problem = refused(&app, &body, 422, "invalid_phone").await;
    assert_eq!(problem["field"], "requester.phone");
}

#[tokio::test]
async fn creating_an_order_with_a_4001_character_description_returns_422_too_long() {
    let app = spawn_app().await;
    let mut body = dispatch_body(app.unit(WANGJING));
    body["description"] = json!("噪".repeat(4001));
    let problem = refused(&app, &body, 422, "too_long").await;
    assert_eq!(problem["field"], "description");

    // 4000 characters are fine.
    let op = app.login("operator").await;
    body["description"] = json!("噪".repeat(4000));
    expect_status(app.create_order(&op, &body).await, 201).await;
}

#[tokio::test]
async fn creating_an_order_without_a_description_returns_422_with_a_field() {
    let app = spawn_app().await;
    let mut body = dispatch_body(app.unit(WANGJING));
    body["description"] = json!("   ");
    let problem = refused(&app, &body, 422, "required").await;
    assert_eq!(problem["field"], "description");
}

#[tokio::test]
async fn creating_an_order_with_the_description_key_missing_returns_400_malformed_body() {
    let app = spawn_app().await;
    let mut body = dispatch_body(app.unit(WANGJING));
    body.as_object_mut().expect("an object").remove("description");
    let problem = refused(&app, &body, 400, "malformed_body").await;
    assert!(problem["detail"].as_str().unwrap_or_default().contains("description"), "{problem:#}");
}

#[tokio::test]
async fn a_longitude_of_200_returns_422_coordinate_out_of_range() {
    let app = spawn_app().await;
    let mut body = dispatch_body(app.unit(WANGJING));
    body["location"]["lng"] = json!(200.0);
    let problem = refused(&app, &body, 422, "coordinate_out_of_range").await;
    assert_eq!(problem["field"], "location.lng");
}

#[tokio::test]
async fn an_unknown_first_level_category_returns_422_invalid_category() {
    let app = spawn_app().await;
    let mut body = dispatch_body(app.unit(WANGJING));
    body["triage"]["category"] = json!("XYZ/parking");
    let problem = refused(&app, &body, 422, "invalid_category").await;
    assert_eq!(problem["field"], "category");
}

#[tokio::test]
async fn an_unknown_nature_returns_422_unknown_code() {
    let app = spawn_app().await;
    let mut body = dispatch_body(app.unit(WANGJING));
    body["triage"]["nature"] = json!("gossip");
    let problem = refused(&app, &body, 422, "unknown_code").await;
    assert_eq!(problem["field"], "nature");
}

#[tokio::test]
async fn dispatching_to_an_unknown_unit_returns_422_and_creates_no_order() {
    let app = spawn_app().await;
    let body = dispatch_body(987_654_321);
    let problem = refused(&app, &body, 422, "unknown_unit").await;
    assert_eq!(problem["field"], "main_unit");
}

#[tokio::test]
async fn an_unknown_street_returns_422_unknown_unit() {
    let app = spawn_app().await;
    let mut body = dispatch_body(app.unit(WANGJING));
    body["location"]["street"] = json!(987_654_321);
    let problem = refused(&app, &body, 422, "unknown_unit").await;
    assert_eq!(problem["field"], "location.street");
}

#[tokio::test]
async fn a_street_outside_the_chosen_district_returns_422() {
    let app = spawn_app().await;
    let mut body = order_body();
    body["location"]["street"] = json!(app.unit(ZHONGGUANCUN));
    body["location"]["district"] = json!(app.unit(CHAOYANG));
    let problem = refused(&app, &body, 422, "street_not_in_district").await;
    assert_eq!(problem["field"], "location.street");
    // The matching district is fine.
    body["location"]["district"] = json!(app.unit(HAIDIAN));
    let op = app.login("operator").await;
    expect_status(app.create_order(&op, &body).await, 201).await;
}

#[tokio::test]
async fn dispatching_without_triage_returns_422_and_creates_no_order() {
    let app = spawn_app().await;
    let mut body = dispatch_body(app.unit(WANGJING));
    body.as_object_mut().expect("an object").remove("triage");
    let problem = refused(&app, &body, 422, "required").await;
    assert_eq!(problem["field"], "triage");
}

#[tokio::test]
async fn malformed_json_returns_400_malformed_body_and_writes_nothing() {
    let app = spawn_app().await;
    refused_raw(&app, "application/json", r#"{"description": "占道停车", "requester": "#.as_bytes().to_vec(), 400, "malformed_body").await;
}

#[tokio::test]
async fn a_non_json_content_type_returns_400_malformed_body_and_writes_nothing() {
    let app = spawn_app().await;
    let body = serde_json::to_vec(&dispatch_body(app.unit(WANGJING))).expect("serialise");
    refused_raw(&app, "text/plain", body, 400, "malformed_body").await;
}

#[tokio::test]
async fn a_body_over_64_kib_returns_413_payload_too_large_and_writes_nothing() {
    let app = spawn_app().await;
    let mut body = dispatch_body(app.unit(WANGJING));
    body["description"] = json!("a".repeat(70 * 1024));
    let bytes = serde_json::to_vec(&body).expect("serialise");
    assert!(bytes.len() > hotline_http::MAX_BODY_BYTES);
    refused_raw(&app, "application/json", bytes, 413, "payload_too_large").await;
}

#[tokio::test]
async fn an_unknown_route_under_api_v1_returns_404_problem_json() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    for path in ["/api/v1/no-such-thing", "/api/v1/orders/2026030200001/nope", "/api/v2/orders"] {
        let res = op.get(app.url(path)).send().await.expect("GET");
        expect_problem(res, 404, "no_such_route").await;
    }
    // Anonymous callers get the same answer.
    expect_problem(app.anonymous().get(app.url("/api/v1/no-such-thing")).send().await.expect("GET"), 404, "no_such_route").await;
}

#[tokio::test]
async fn an_unsupported_method_on_an_api_route_returns_405_problem_json() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let res = op.delete(app.url("/api/v1/orders")).send().await.expect("DELETE");
    let allow = res.headers().get("allow").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    expect_problem(res, 405, "method_not_allowed").await;
    assert!(allow.contains("GET") && allow.contains("POST"), "Allow: {allow:?}");
    let res = op.put(app.url("/api/v1/openapi.json")).send().await.expect("PUT");
    expect_problem(res, 405, "method_not_allowed").await;
}

#[tokio::test]
async fn an_unknown_order_number_returns_404_and_a_malformed_one_422() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    expect_problem(app.get_order(&op, "2026030299999").await, 404, "not_found").await;
    let problem = expect_problem(app.get_order(&op, "not-a-number").await, 422, "invalid_order_number").await;
    assert_eq!(problem["field"], "number");
}

#[tokio::test]
async fn an_unknown_action_returns_400_and_changes_nothing() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let wj = app.login("wangjing").await;
    let number = number_of(&app.dispatched_order(&op, WANGJING).await);
    expect_problem(app.act(&wj, &number, &json!({ "action": "teleport" })).await, 400, "malformed_body").await;
    expect_problem(app.act(&wj, &number, &json!({ "note": "no action" })).await, 400, "malformed_body").await;
    let detail = app.detail(&number).await;
    assert_eq!(detail["order"]["state"], "dispatched");
    assert_eq!(kinds(&detail).len(), 3);
}

#[tokio::test]
async fn an_action_with_a_misspelt_field_returns_400_and_changes_nothing() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let wj = app.login("wangjing").await;
    let number = number_of(&app.dispatched_order(&op, WANGJING).await);
    // `Command` is declared `deny_unknown_fields`: a misspelt field is an error, not silently dropped.
    let res = app.act(&wj, &number, &json!({ "action": "dispute", "reason": "不属于本单位", "proposed_unti": 1 })).await;
    expect_problem(res, 400, "malformed_body").await;
    let detail = app.detail(&number).await;
    assert_eq!(detail["order"]["state"], "dispatched");
    assert_eq!(kinds(&detail).len(), 3);
}

#[tokio::test]
async fn sign_with_an_unknown_field_returns_400_like_every_other_action() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let wj = app.login("wangjing").await;
    let number = number_of(&app.dispatched_order(&op, WANGJING).await);
    // `sign` carries no fields; a note sent with it would be silently dropped if accepted.
    let res = app.act(&wj, &number, &json!({ "action": "sign", "note": "签收备注" })).await;
    expect_problem(res, 400, "malformed_body").await;
    let detail = app.detail(&number).await;
    assert_eq!(detail["order"]["state"], "dispatched");
    assert_eq!(kinds(&detail).len(), 3);
}

#[tokio::test]
async fn a_dispute_proposing_an_unknown_unit_returns_422_not_404() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let wj = app.login("wangjing").await;
    let number = number_of(&app.dispatched_order(&op, WANGJING).await);
    // 404 would say the order does not exist; the order is there, the proposed unit is not.
    let res = app.act(&wj, &number, &json!({ "action": "dispute", "reason": "不属于本单位职责", "proposed_unit": 987_654_321 })).await;
    let problem = expect_problem(res, 422, "unknown_unit").await;
    assert_eq!(problem["field"], "proposed_unit");
    assert_eq!(app.detail(&number).await["order"]["state"], "dispatched");
}
