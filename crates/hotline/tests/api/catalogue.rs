//! The versioned category tree and dispatch catalogue: edits make versions, stale edits are refused,
//! orders keep the version they were filed under, and the dispatch suggestion follows the catalogue
//! in force.

use serde_json::{Value, json};

use crate::helpers::{CHAOYANG, TestApp, WANGJING, expect_problem, expect_status, spawn_app};

const SHIPPED_CATEGORIES: &str = include_str!("../../data/categories.csv");

async fn versions(app: &TestApp, path: &str) -> Vec<Value> {
    let admin = app.login("admin").await;
    let v = expect_status(admin.get(app.url(path)).send().await.expect("GET versions"), 200).await;
    v.as_array().cloned().unwrap_or_default()
}

fn node(code: &str, name: &str) -> Value {
    json!({ "code": code, "name_zh": name, "name_en": "Test node", "default_urgency": "general", "keywords": ["测试", " 测试 ", "样例"] })
}

#[tokio::test]
async fn a_new_install_stores_the_shipped_tree_and_catalogue_as_version_1() {
    let app = spawn_app().await;
    let cats = versions(&app, "/api/v1/categories/versions").await;
    assert_eq!(cats.len(), 1);
    assert_eq!(cats[0]["version"], 1);
    assert_eq!(cats[0]["created_by"], "system");
    let rules = versions(&app, "/api/v1/dispatch/rules/versions").await;
    assert_eq!(rules.len(), 1);

    let admin = app.login("admin").await;
    let res = admin.get(app.url("/api/v1/categories/versions/1")).send().await.expect("GET csv");
    assert_eq!(res.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("text/csv; charset=utf-8"));
    let csv = res.text().await.expect("csv body");
    assert!(csv.starts_with("code,name_zh,name_en,default_urgency,description_zh,keywords\n"), "{}", &csv[..80]);
    assert_eq!(csv.lines().count(), SHIPPED_CATEGORIES.lines().count(), "every shipped node is in version 1");

    let catalogue = expect_status(admin.get(app.url("/api/v1/dispatch/rules")).send().await.expect("GET rules"), 200).await;
    assert_eq!(catalogue["version"], 1);
    assert_eq!(catalogue["uncovered"], json!([]), "every shipped category has a rule");
    assert!(catalogue["rules"].as_array().is_some_and(|r| r.len() > 40));
}

#[tokio::test]
async fn adding_a_category_makes_a_new_version_and_new_orders_record_it_while_old_orders_keep_theirs() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let op = app.login("operator").await;

    // An order filed under version 1.
    let mut body = crate::helpers::dispatch_body(app.unit(WANGJING));
    let old = expect_status(app.create_order(&op, &body).await, 201).await;
    assert_eq!(old["category_version"], 1);

    // An unknown category is refused before anything is written.
    body["triage"]["category"] = json!("TRF/illegal_parking/e_scooters");
    let before = app.total_orders().await;
    expect_problem(app.create_order(&op, &body).await, 422, "unknown_category").await;
    assert_eq!(app.total_orders().await, before);

    // The admin adds it: version 2, keywords trimmed and de-duplicated.
    let edit =
        json!({ "base_version": 1, "note": "电动滑板车违停增多", "category": node("TRF/illegal_parking/e_scooters", "电动滑板车违停") });
    let v2 = expect_status(admin.post(app.url("/api/v1/categories/nodes")).json(&edit).send().await.expect("POST node"), 201).await;
    assert_eq!(v2["version"], 2);
    assert_eq!(v2["note"], "电动滑板车违停增多");
    let tree = expect_status(admin.get(app.url("/api/v1/categories")).send().await.expect("GET categories"), 200).await;
    let added = tree.as_array().and_then(|t| t.iter().find(|c| c["code"] == "TRF/illegal_parking/e_scooters").cloned()).expect("added");
    assert_eq!(added["keywords"], json!(["测试", "样例"]));

    let new = expect_status(app.create_order(&op, &body).await, 201).await;
    assert_eq!(new["category_version"], 2);
    let old_again = app.detail(old["number"].as_str().expect("number")).await;
    assert_eq!(old_again["order"]["category_version"], 1, "a filed order keeps its version");

    // The new node inherits its parent's dispatch rule.
    let suggestion = admin
        .get(app.url(&format!("/api/v1/dispatch/suggest?category=TRF/illegal_parking/e_scooters&street={}", app.unit(WANGJING))))
        .send()
        .await
        .expect("GET suggest");
    let suggestion = expect_status(suggestion, 200).await;
    assert_eq!(suggestion["main_unit"]["code"], WANGJING);
}

#[tokio::test]
async fn an_edit_based_on_a_stale_version_is_refused_with_409_and_changes_nothing() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let first = json!({ "base_version": 1, "category": node("OTH/test_a", "甲") });
    expect_status(admin.post(app.url("/api/v1/categories/nodes")).json(&first).send().await.expect("POST"), 201).await;
    let stale = json!({ "base_version": 1, "category": node("OTH/test_b", "乙") });
    expect_problem(admin.post(app.url("/api/v1/categories/nodes")).json(&stale).send().await.expect("POST"), 409, "stale_version").await;
    assert_eq!(versions(&app, "/api/v1/categories/versions").await.len(), 2);
    let tree = expect_status(admin.get(app.url("/api/v1/categories")).send().await.expect("GET"), 200).await;
    assert!(!tree.as_array().expect("tree").iter().any(|c| c["code"] == "OTH/test_b"));
}

#[tokio::test]
async fn the_tree_refuses_removing_first_level_or_parent_nodes_and_bad_nodes() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let remove = |code: &str| app.url(&format!("/api/v1/categories/nodes?code={code}&base_version=1"));
    expect_problem(admin.delete(remove("UTL")).send().await.expect("DELETE"), 422, "fixed_first_level").await;
    expect_problem(admin.delete(remove("UTL/heating")).send().await.expect("DELETE"), 422, "has_children").await;
    expect_problem(admin.delete(remove("UTL/nothing_here")).send().await.expect("DELETE"), 404, "not_found").await;

    let orphan = json!({ "base_version": 1, "category": node("UTL/nowhere/leaf", "孤儿") });
    expect_problem(admin.post(app.url("/api/v1/categories/nodes")).json(&orphan).send().await.expect("POST"), 422, "missing_parent").await;
    let bad_urgency = json!({ "base_version": 1, "category": { "code": "OTH/x", "name_zh": "某", "default_urgency": "soon" } });
    expect_problem(admin.post(app.url("/api/v1/categories/nodes")).json(&bad_urgency).send().await.expect("POST"), 422, "unknown_code")
        .await;
    assert_eq!(versions(&app, "/api/v1/categories/versions").await.len(), 1, "nothing was saved");

    // A leaf can go; the tree loses exactly it.
    let res = admin.delete(remove("UTL/heating/not_warm")).send().await.expect("DELETE");
    expect_status(res, 201).await;
    let tree = expect_status(admin.get(app.url("/api/v1/categories")).send().await.expect("GET"), 200).await;
    assert!(!tree.as_array().expect("tree").iter().any(|c| c["code"] == "UTL/heating/not_warm"));
}

#[tokio::test]
async fn a_whole_tree_upload_larger_than_the_usual_body_limit_is_checked_and_saved() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    assert!(SHIPPED_CATEGORIES.len() > 64 * 1024, "the shipped tree is bigger than the API's usual limit");
    let csv = SHIPPED_CATEGORIES.replace("OTH,其他,Other", "OTH,其他事项,Other");
    let res = admin.put(app.url("/api/v1/categories/tree")).json(&json!({ "csv": csv, "base_version": 1, "note": "bulk" })).send().await;
    assert_eq!(expect_status(res.expect("PUT"), 201).await["version"], 2);

    // Missing a fixed first-level node: refused.
    let without_emg: String = SHIPPED_CATEGORIES.lines().filter(|l| !l.starts_with("EMG")).map(|l| format!("{l}\n")).collect();
    let res = admin.put(app.url("/api/v1/categories/tree")).json(&json!({ "csv": without_emg, "base_version": 2 })).send().await;
    let problem = expect_problem(res.expect("PUT"), 422, "missing_first_level").await;
    assert!(problem["detail"].as_str().is_some_and(|d| d.contains("EMG")), "{problem:#}");

    // Only system admins edit.
    let sup = app.login("supervisor").await;
    let res = sup.put(app.url("/api/v1/categories/tree")).json(&json!({ "csv": csv, "base_version": 2 })).send().await;
    expect_problem(res.expect("PUT"), 403, "forbidden").await;
}

#[tokio::test]
async fn dispatch_rules_edits_take_effect_at_once_and_bad_rules_are_refused() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let suggest = || {
        let url = app.url(&format!("/api/v1/dispatch/suggest?category=UTL/heating/not_warm&district={}", app.unit(CHAOYANG)));
        let admin = admin.clone();
        async move { expect_status(admin.get(url).send().await.expect("GET suggest"), 200).await }
    };
    assert_eq!(suggest().await["main_unit"]["code"], "U-HEAT");

    // In Chaoyang, heating goes to the district's housing bureau with the street as co-unit.
    let rule = json!({ "base_version": 1, "note": "朝阳区供暖属地化", "rule": {
        "category": "UTL/heating", "district": CHAOYANG, "target": "district:ZJW", "co_units": ["street"], "deadline_class": "utility24h" } });
    let v2 = expect_status(admin.post(app.url("/api/v1/dispatch/rules")).json(&rule).send().await.expect("POST rule"), 201).await;
    assert_eq!(v2["version"], 2);
    let s = suggest().await;
    assert_eq!(s["main_unit"]["code"], format!("{CHAOYANG}-ZJW"));
    assert_eq!(s["rule"], "UTL/heating");

    // Unknown unit, unknown category, unknown target form: refused, nothing saved.
    for (rule, code) in [
        (json!({ "category": "UTL/heating", "target": "NO-SUCH-UNIT" }), "unknown_unit"),
        (json!({ "category": "UTL/teleport", "target": "street" }), "unknown_category"),
        (json!({ "category": "ZZZ", "target": "street" }), "invalid_category"),
        (json!({ "category": "UTL", "target": "" }), "required"),
    ] {
        let body = json!({ "base_version": 2, "rule": rule });
        expect_problem(admin.post(app.url("/api/v1/dispatch/rules")).json(&body).send().await.expect("POST"), 422, code).await;
    }
    assert_eq!(versions(&app, "/api/v1/dispatch/rules/versions").await.len(), 2);

    // Removing the district rule restores the city-wide one.
    let url = app.url(&format!("/api/v1/dispatch/rules?category=UTL/heating&district={CHAOYANG}&base_version=2"));
    expect_status(admin.delete(url).send().await.expect("DELETE rule"), 201).await;
    assert_eq!(suggest().await["main_unit"]["code"], "U-HEAT");

    // A catalogue with a gap is stored, and the gap is reported.
    let csv = "category,district,target,co_units,deadline_class\nUTL,,street,,utility24h\n";
    let res = admin.put(app.url("/api/v1/dispatch/rules")).json(&json!({ "csv": csv, "base_version": 3 })).send().await;
    expect_status(res.expect("PUT rules"), 201).await;
    let catalogue = expect_status(admin.get(app.url("/api/v1/dispatch/rules")).send().await.expect("GET rules"), 200).await;
    assert_eq!(catalogue["version"], 4);
    assert!(catalogue["uncovered"].as_array().is_some_and(|u| u.iter().any(|c| c == "MKT")), "{catalogue:#}");
}
