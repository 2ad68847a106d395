//! The permission matrix over the API: role × action × whether the order is the caller's unit's, what
//! each role sees of the requester, and the logged contact reveal.

use std::collections::HashMap;

use reqwest::Client;
use serde_json::{Value, json};

use crate::helpers::{
    HEAT, NAME, NAME_MASKED, PHONE, PHONE_MASKED, TestApp, WANGJING, ZHONGGUANCUN, expect_problem, expect_status, kinds, number_of,
    spawn_app,
};

const USERS: [&str; 9] = ["operator", "supervisor", "wangjing", "zhongguancun", "chaoyang", "heating", "callback", "analyst", "admin"];

async fn clients(app: &TestApp) -> HashMap<&'static str, Client> {
    let mut out = HashMap::new();
    for u in USERS {
        out.insert(u, app.login(u).await);
    }
    out
}

/// One row of the matrix: `user` does `action` on a fresh order in state `state`, whose main unit is
/// `unit`; expects `status` (and `code` when refused).
struct Case {
    user: &'static str,
    unit: &'static str,
    state: &'static str,
    action: Value,
    status: u16,
    code: &'static str,
}

fn case(user: &'static str, unit: &'static str, state: &'static str, action: Value, status: u16, code: &'static str) -> Case {
    Case { user, unit, state, action, status, code }
}

/// A fresh order dispatched to `unit` and walked (by that unit's handler) to `state`.
async fn order_in_state(app: &TestApp, c: &HashMap<&str, Client>, unit: &str, state: &str) -> String {
    let n = number_of(&app.dispatched_order(&c["operator"], unit).await);
    let handler = match unit {
        WANGJING => &c["wangjing"],
        ZHONGGUANCUN => &c["zhongguancun"],
        HEAT => &c["heating"],
        other => panic!("no handler for {other}"),
    };
    match state {
        "dispatched" => {}
        "signed" => {
            app.act_ok(handler, &n, &json!({ "action": "sign" })).await;
        }
        "replied" => {
            app.drive_to_replied(handler, &n).await;
        }
        "closed" => {
            app.drive_to_replied(handler, &n).await;
            app.act_ok(&c["supervisor"], &n, &json!({ "action": "close" })).await;
        }
        other => panic!("no recipe for state {other}"),
    }
    n
}

#[tokio::test]
async fn the_permission_matrix_of_role_action_and_unit_holds_over_the_api() {
    let app = spawn_app().await;
    let c = clients(&app).await;
    let sign = || json!({ "action": "sign" });
    let contact = || json!({ "action": "contact", "note": "已联系" });
    let close = || json!({ "action": "close" });
    let evaluate = || json!({ "action": "evaluate", "contacted": true, "resolution": "resolved", "satisfaction": "satisfied" });
    let triage = || json!({ "action": "triage", "nature": "complaint", "category": "TRF/illegal_parking", "urgency": "general" });
    let supervise = || json!({ "action": "supervise", "on": true, "note": "请加快办理" });
    let dispute = || json!({ "action": "dispute", "reason": "不属于本单位职责" });

    let cases = [
        // Signing is for the main unit's own users.
        case("wangjing", WANGJING, "dispatched", sign(), 200, ""),
        case("zhongguancun", ZHONGGUANCUN, "dispatched", sign(), 200, ""),
        case("heating", HEAT, "dispatched", sign(), 200, ""),
        case("operator", WANGJING, "dispatched", sign(), 403, "forbidden"),
        case("supervisor", WANGJING, "dispatched", sign(), 403, "forbidden"),
        case("callback", WANGJING, "dispatched", sign(), 403, "forbidden"),
        case("analyst", WANGJING, "dispatched", sign(), 403, "forbidden"),
        case("admin", WANGJING, "dispatched", sign(), 403, "forbidden"),
        // Another unit's order is not even visible.
        case("wangjing", ZHONGGUANCUN, "dispatched", sign(), 404, "not_found"),
        case("zhongguancun", WANGJING, "dispatched", sign(), 404, "not_found"),
        case("heating", WANGJING, "dispatched", sign(), 404, "not_found"),
        case("chaoyang", ZHONGGUANCUN, "dispatched", sign(), 404, "not_found"),
        case("wangjing", ZHONGGUANCUN, "signed", dispute(), 404, "not_found"),
        // Unit work after signing.
        case("wangjing", WANGJING, "signed", contact(), 200, ""),
        case("operator", WANGJING, "signed", contact(), 403, "forbidden"),
        case("wangjing", WANGJING, "signed", dispute(), 200, ""),
        case("supervisor", WANGJING, "signed", dispute(), 403, "forbidden"),
        // Centre work.
        case("supervisor", WANGJING, "signed", supervise(), 200, ""),
        case("operator", WANGJING, "signed", supervise(), 403, "forbidden"),
        case("wangjing", WANGJING, "signed", supervise(), 403, "forbidden"),
        case("wangjing", WANGJING, "dispatched", triage(), 403, "forbidden"),
        case("analyst", WANGJING, "dispatched", triage(), 403, "forbidden"),
        // Callback and closing.
        case("callback", WANGJING, "replied", evaluate(), 200, ""),
        // Still within its reply time: not yet in the callback queue.
        case("callback", WANGJING, "dispatched", evaluate(), 422, "not_in_callback_queue"),
        case("callback", WANGJING, "closed", evaluate(), 409, "invalid_transition"),
        case("operator", WANGJING, "replied", evaluate(), 403, "forbidden"),
        case("wangjing", WANGJING, "replied", evaluate(), 403, "forbidden"),
        case("callback", WANGJING, "replied", close(), 403, "forbidden"),
        case("analyst", WANGJING, "replied", close(), 403, "forbidden"),
        case("operator", WANGJING, "replied", close(), 403, "forbidden"),
        case("wangjing", WANGJING, "replied", close(), 403, "forbidden"),
        case("supervisor", WANGJING, "replied", close(), 200, ""),
    ];

    let mut failures = Vec::new();
    for (i, k) in cases.iter().enumerate() {
        let n = order_in_state(&app, &c, k.unit, k.state).await;
        let before = app.detail(&n).await;
        let res = app.act(&c[k.user], &n, &k.action).await;
        let status = res.status().as_u16();
        let body = crate::helpers::json_body(res).await;
        let code = if status == 200 { "" } else { body["code"].as_str().unwrap_or("?") };
        if (status, code) != (k.status, k.code) {
            failures.push(format!(
                "#{i} {} {} on a {} order of {}: expected {} {}, got {status} {code}",
                k.user, k.action["action"], k.state, k.unit, k.status, k.code
            ));
            continue;
        }
        let after = app.detail(&n).await;
        if status == 200 {
            assert_eq!(kinds(&after).len(), kinds(&before).len() + 1, "#{i}: one event per action");
        } else {
            assert_eq!(after["order"], before["order"], "#{i}: a refused action changes nothing");
            assert_eq!(kinds(&after), kinds(&before), "#{i}: a refused action writes no event");
        }
    }
    assert!(failures.is_empty(), "permission matrix violations:\n{}", failures.join("\n"));
}

#[tokio::test]
async fn who_can_see_an_order_dispatched_to_wangjing() {
    let app = spawn_app().await;
    let c = clients(&app).await;
    let n = number_of(&app.dispatched_order(&c["operator"], WANGJING).await);
    let expected = [
        ("operator", 200),
        ("supervisor", 200),
        ("callback", 200),
        ("analyst", 200),
        ("admin", 200),
        ("wangjing", 200),
        // 朝阳区 gets the district copy of its street's orders.
        ("chaoyang", 200),
        ("zhongguancun", 404),
        ("heating", 404),
    ];
    for (user, status) in expected {
        let res = app.get_order(&c[user], &n).await;
        assert_eq!(res.status().as_u16(), status, "{user} GET {n}");
        let listed = expect_status(c[user].get(app.url("/api/v1/orders")).send().await.expect("GET orders"), 200).await;
        let in_list = listed["orders"].as_array().expect("orders").iter().any(|o| o["number"] == n.as_str());
        assert_eq!(in_list, status == 200, "{user}'s order list");
        let counts = expect_status(c[user].get(app.url("/api/v1/orders/counts")).send().await.expect("GET counts"), 200).await;
        let total: i64 = counts.as_array().expect("counts").iter().map(|x| x["count"].as_i64().unwrap_or_default()).sum();
        assert_eq!(total, i64::from(status == 200), "{user}'s counts");
    }
    // A unit user cannot list another unit's orders by asking for them.
    let res = c["zhongguancun"].get(app.url(&format!("/api/v1/orders?unit={}", app.unit(WANGJING)))).send().await.expect("GET");
    expect_problem(res, 403, "forbidden").await;
    let res = c["chaoyang"].get(app.url(&format!("/api/v1/orders?unit={}", app.unit(WANGJING)))).send().await.expect("GET");
    expect_status(res, 200).await;
}

#[tokio::test]
async fn unit_users_and_analysts_see_the_requester_masked_and_the_centre_sees_it_clear() {
    let app = spawn_app().await;
    let c = clients(&app).await;
    let n = number_of(&app.dispatched_order(&c["operator"], WANGJING).await);
    for (user, masked) in [
        ("operator", false),
        ("supervisor", false),
        ("callback", false),
        ("analyst", true),
        ("admin", true),
        ("wangjing", true),
        ("chaoyang", true),
    ] {
        let detail = app.detail_as(&c[user], &n).await;
        let r = &detail["order"]["requester"];
        assert_eq!(r["masked"], masked, "{user}: {r}");
        let (phone, name) = if masked { (PHONE_MASKED, NAME_MASKED) } else { (PHONE, NAME) };
        assert_eq!(r["phone"], phone, "{user}");
        assert_eq!(r["name"], name, "{user}");
        // Nothing else in the response carries the clear phone number.
        if masked {
            assert!(!detail.to_string().contains(PHONE), "{user} sees the phone somewhere: {detail}");
        }
        // Nor does the order list.
        let listed = expect_status(c[user].get(app.url("/api/v1/orders")).send().await.expect("GET orders"), 200).await;
        assert_eq!(listed["orders"][0]["requester"]["phone"], phone, "{user}'s list");
    }
    // Unit users cannot search by phone number.
    let res = c["wangjing"].get(app.url(&format!("/api/v1/orders?phone={PHONE}"))).send().await.expect("GET");
    expect_problem(res, 403, "forbidden").await;
    let found = expect_status(c["operator"].get(app.url(&format!("/api/v1/orders?phone={PHONE}"))).send().await.expect("GET"), 200).await;
    assert_eq!(found["orders"][0]["number"], n.as_str());
}

#[tokio::test]
async fn the_main_unit_can_reveal_the_contact_and_the_reveal_is_logged_on_the_timeline() {
    let app = spawn_app().await;
    let c = clients(&app).await;
    let n = number_of(&app.dispatched_order(&c["operator"], WANGJING).await);
    let view = app.detail_as(&c["wangjing"], &n).await;
    assert!(
        view["order"]["allowed_actions"].as_array().expect("actions").iter().any(|a| a == "reveal_contact"),
        "{}",
        view["order"]["allowed_actions"]
    );

    let revealed = expect_status(app.reveal(&c["wangjing"], &n).await, 200).await;
    assert_eq!(revealed["phone"], PHONE);
    assert_eq!(revealed["name"], NAME);
    assert_eq!(revealed["masked"], false);

    let detail = app.detail(&n).await;
    assert_eq!(kinds(&detail), ["receive", "triage", "dispatch", "reveal_contact"]);
    let event = &detail["timeline"][3];
    assert_eq!(event["actor_name"], "望京街道 李娜");
    assert_eq!(event["from"], "dispatched");
    assert_eq!(event["to"], "dispatched");
    assert_eq!(detail["order"]["state"], "dispatched", "a reveal changes no state");
    // The reveal is one-off: the order still reads masked.
    assert_eq!(app.detail_as(&c["wangjing"], &n).await["order"]["requester"]["phone"], PHONE_MASKED);
}

#[tokio::test]
async fn revealing_is_refused_for_confidential_or_closed_orders_other_roles_co_units_and_other_units() {
    let app = spawn_app().await;
    let c = clients(&app).await;
    let confidential = number_of(&app.dispatched_order_with(&c["operator"], WANGJING, &[], true).await);
    let plain = number_of(&app.dispatched_order(&c["operator"], WANGJING).await);
    let co_unit = number_of(&app.dispatched_order_with(&c["operator"], ZHONGGUANCUN, &[WANGJING], false).await);
    let closed = number_of(&app.dispatched_order(&c["operator"], WANGJING).await);
    app.drive_to_replied(&c["wangjing"], &closed).await;
    app.act_ok(&c["supervisor"], &closed, &json!({ "action": "close" })).await;

    let cases: [(&str, &String, u16, &str); 8] = [
        ("wangjing", &closed, 403, "forbidden"),
        ("wangjing", &confidential, 403, "forbidden"),
        ("operator", &plain, 403, "forbidden"),
        ("analyst", &plain, 403, "forbidden"),
        ("callback", &plain, 403, "forbidden"),
        ("zhongguancun", &plain, 404, "not_found"),
        ("wangjing", &co_unit, 403, "forbidden"),
        ("heating", &co_unit, 404, "not_found"),
    ];
    for (user, n, status, code) in cases {
        let before = kinds(&app.detail(n).await);
        let problem = expect_problem(app.reveal(&c[user], n).await, status, code).await;
        assert_eq!(kinds(&app.detail(n).await), before, "{user}: a refused reveal is not logged: {problem}");
    }
    // The confidential requester stays masked for the unit in every response.
    let detail = app.detail_as(&c["wangjing"], &confidential).await;
    assert_eq!(detail["order"]["requester"]["confidential"], true);
    assert!(!detail.to_string().contains(PHONE));
}

#[tokio::test]
async fn a_co_unit_sees_the_order_and_only_reports_to_the_main_unit() {
    let app = spawn_app().await;
    let c = clients(&app).await;
    let n = number_of(&app.dispatched_order_with(&c["operator"], ZHONGGUANCUN, &[WANGJING], false).await);

    let view = app.detail_as(&c["wangjing"], &n).await;
    assert_eq!(view["order"]["assignment"]["co_units"][0]["code"], WANGJING);
    assert_eq!(view["order"]["allowed_actions"], json!(["co_report"]), "a co-unit reports to the main unit (首接负责), nothing more");
    for action in [json!({ "action": "sign" }), json!({ "action": "dispute", "reason": "不是我们的事" })] {
        expect_problem(app.act(&c["wangjing"], &n, &action).await, 403, "forbidden").await;
    }
    // The main unit cannot file a co-unit report on its own order.
    expect_problem(app.act(&c["zhongguancun"], &n, &json!({ "action": "co_report", "text": "自己报" })).await, 403, "forbidden").await;
    // The co-unit's district sees it through the co-unit.
    expect_status(app.get_order(&c["chaoyang"], &n).await, 200).await;
    // The main unit signs.
    assert_eq!(app.act_ok(&c["zhongguancun"], &n, &json!({ "action": "sign" })).await["state"], "signed");
    let reported = app.act_ok(&c["wangjing"], &n, &json!({ "action": "co_report", "text": "已配合清理楼道杂物" })).await;
    assert_eq!(reported["state"], "signed", "a report changes no state");
    let detail = app.detail(&n).await;
    assert_eq!(kinds(&detail), ["receive", "triage", "dispatch", "sign", "co_report"]);
    assert_eq!(detail["order"]["handling"]["co_reports"][0]["unit"]["code"], WANGJING);
    // The main unit hears of it.
    let notes = expect_status(c["zhongguancun"].get(app.url("/api/v1/notifications")).send().await.expect("GET"), 200).await;
    assert!(notes.as_array().expect("list").iter().any(|x| x["kind"] == "co_report"), "{notes:#}");
}

#[tokio::test]
async fn an_analyst_reads_everything_and_acts_on_nothing() {
    let app = spawn_app().await;
    let c = clients(&app).await;
    let n = number_of(&app.dispatched_order(&c["operator"], WANGJING).await);
    let analyst = &c["analyst"];
    let detail = app.detail_as(analyst, &n).await;
    assert_eq!(detail["order"]["allowed_actions"], json!([]));
    assert_eq!(kinds(&detail), ["receive", "triage", "dispatch"]);
    expect_status(analyst.get(app.url("/api/v1/orders")).send().await.expect("GET"), 200).await;
    for action in [
        json!({ "action": "sign" }),
        json!({ "action": "supervise", "on": true }),
        json!({ "action": "close" }),
        json!({ "action": "evaluate", "contacted": true, "resolution": "resolved", "satisfaction": "satisfied" }),
    ] {
        expect_problem(app.act(analyst, &n, &action).await, 403, "forbidden").await;
    }
    let res = app.create_order(analyst, &crate::helpers::dispatch_body(app.unit(WANGJING))).await;
    expect_problem(res, 403, "forbidden").await;
    assert_eq!(app.total_orders().await, 1);
}

#[tokio::test]
async fn a_callback_agent_can_only_evaluate() {
    let app = spawn_app().await;
    let c = clients(&app).await;
    let n = number_of(&app.dispatched_order(&c["operator"], WANGJING).await);
    app.drive_to_replied(&c["wangjing"], &n).await;
    let cb = &c["callback"];
    let view = app.detail_as(cb, &n).await;
    assert_eq!(view["order"]["allowed_actions"], json!(["evaluate", "callback_attempt"]));
    for action in [
        json!({ "action": "close" }),
        json!({ "action": "reopen", "reason": "不满意" }),
        json!({ "action": "supervise", "on": true }),
        json!({ "action": "reply", "outcome": "resolved", "text": "代为答复" }),
    ] {
        expect_problem(app.act(cb, &n, &action).await, 403, "forbidden").await;
    }
    let res = app.create_order(cb, &crate::helpers::dispatch_body(app.unit(WANGJING))).await;
    expect_problem(res, 403, "forbidden").await;
    let evaluated =
        app.act_ok(cb, &n, &json!({ "action": "evaluate", "contacted": true, "resolution": "partly", "satisfaction": "basic" })).await;
    assert_eq!(evaluated["state"], "evaluated");
    assert_eq!(evaluated["evaluation"]["resolution"], "partly");
}
