//! Orders through their life over the API, each step by the user whose job it is, with the timeline
//! recording every step in order.

use chrono::Duration;
use serde_json::{Value, json};

use crate::helpers::{HAIDIAN, WANGJING, ZHONGGUANCUN, expect_problem, expect_status, kinds, number_of, spawn_app, timestamp};

const OPERATOR: &str = "话务员 王丽";
const SUPERVISOR: &str = "派单督办 张强";
const WANGJING_HANDLER: &str = "望京街道 李娜";
const CALLBACK: &str = "回访员 刘芳";

fn actor_names(detail: &Value) -> Vec<String> {
    detail["timeline"].as_array().expect("a timeline").iter().map(|e| e["actor_name"].as_str().expect("actor_name").to_owned()).collect()
}

/// Every event starts where the previous one ended, with strictly increasing sequence numbers and
/// non-decreasing times.
fn assert_timeline_is_a_chain(detail: &Value) {
    let events = detail["timeline"].as_array().expect("a timeline");
    assert!(events[0]["from"].is_null(), "the first event creates the order");
    for w in events.windows(2) {
        assert!(w[1]["seq"].as_i64() > w[0]["seq"].as_i64(), "seq increases: {w:#?}");
        assert!(timestamp(&w[1]["at"]) >= timestamp(&w[0]["at"]), "time does not go back: {w:#?}");
        assert_eq!(w[1]["from"], w[0]["to"], "each event starts where the last ended: {w:#?}");
    }
    assert_eq!(events.last().expect("an event")["to"], detail["order"]["state"]);
}

#[tokio::test]
async fn an_order_goes_from_call_to_closure_and_the_timeline_records_every_step_with_its_actor() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let wj = app.login("wangjing").await;
    let sup = app.login("supervisor").await;
    let cb = app.login("callback").await;

    let order = app.dispatched_order(&op, WANGJING).await;
    let n = number_of(&order);
    let reply_due = timestamp(&order["dues"]["reply_due"]);
    let extended = reply_due + Duration::days(7);

    let steps: Vec<(&reqwest::Client, Value, &str)> = vec![
        (&wj, json!({ "action": "sign" }), "signed"),
        (&wj, json!({ "action": "contact", "note": "已电话联系诉求人，约定明早上门" }), "contacted"),
        (&wj, json!({ "action": "start_work", "note": "已到现场核实" }), "in_progress"),
        (
            &wj,
            json!({ "action": "request_extension", "reason": "需协调交通支队联合执法", "until": extended.to_rfc3339() }),
            "extension_requested",
        ),
        (&sup, json!({ "action": "grant_extension", "until": extended.to_rfc3339(), "reason": "同意延期" }), "in_progress"),
        (&wj, json!({ "action": "reply", "outcome": "resolved", "text": "已联合交通支队清理占道车辆并加装隔离桩。" }), "replied"),
        (
            &cb,
            json!({ "action": "evaluate", "contacted": true, "resolution": "resolved", "satisfaction": "satisfied", "comment": "满意" }),
            "evaluated",
        ),
        (&sup, json!({ "action": "close", "note": "办结" }), "closed"),
    ];
    let mut version = order["version"].as_i64().expect("a version");
    for (client, action, state) in steps {
        // Eight steps an hour apart stay within the 12-hour sessions.
        app.clock.advance(Duration::hours(1));
        let after = app.act_ok(client, &n, &action).await;
        assert_eq!(after["state"], state, "after {action}");
        version += 1;
        assert_eq!(after["version"], version, "every action bumps the version once");
        if state == "in_progress" && action["action"] == "grant_extension" {
            assert_eq!(timestamp(&after["dues"]["reply_due"]), extended, "the granted extension moves the reply due time");
        }
    }

    let detail = app.detail(&n).await;
    assert_eq!(
        kinds(&detail),
        [
            "receive",
            "triage",
            "dispatch",
            "sign",
            "contact",
            "start_work",
            "request_extension",
            "grant_extension",
            "reply",
            "evaluate",
            "close"
        ]
    );
    assert_eq!(
        actor_names(&detail),
        [
            OPERATOR,
            OPERATOR,
            OPERATOR,
            WANGJING_HANDLER,
            WANGJING_HANDLER,
            WANGJING_HANDLER,
            WANGJING_HANDLER,
            SUPERVISOR,
            WANGJING_HANDLER,
            CALLBACK,
            SUPERVISOR
        ]
    );
    let roles: Vec<&str> =
        detail["timeline"].as_array().expect("timeline").iter().map(|e| e["actor_role"].as_str().unwrap_or_default()).collect();
    assert_eq!(roles[3], "unit_handler");
    assert_eq!(roles[7], "supervisor");
    assert_eq!(roles[9], "callback_agent");
    assert_timeline_is_a_chain(&detail);

    let o = &detail["order"];
    assert_eq!(o["reply"]["outcome"], "resolved");
    assert_eq!(o["evaluation"]["satisfaction"], "satisfied");
    assert!(o["closed_at"].is_string() && o["signed_at"].is_string() && o["contacted_at"].is_string() && o["replied_at"].is_string());
    assert!(o["overdue"].is_null());
    assert_eq!(o["allowed_actions"], json!(["reopen", "exclude"]), "only reopening and the assessment exclusion are left");
    // The request-extension event carries its reason.
    assert_eq!(detail["timeline"][6]["reason"], "需协调交通支队联合执法");
}

#[tokio::test]
async fn a_disputed_dispatch_that_is_upheld_goes_back_to_the_unit_signed() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let wj = app.login("wangjing").await;
    let sup = app.login("supervisor").await;
    let n = number_of(&app.dispatched_order(&op, WANGJING).await);

    app.clock.advance(Duration::minutes(20));
    let disputed = app
        .act_ok(&wj, &n, &json!({ "action": "dispute", "reason": "该事项属于物业管理范围，不属于本单位职责", "proposed_unit": null }))
        .await;
    assert_eq!(disputed["state"], "disputed");
    assert_eq!(disputed["dispute_count"], 1);

    // The unit cannot rule on its own dispute, nor can an operator.
    let uphold = json!({ "action": "arbitrate", "decision": "uphold", "reason": "属地管理，维持原派单" });
    expect_problem(app.act(&wj, &n, &uphold).await, 403, "forbidden").await;
    expect_problem(app.act(&op, &n, &uphold).await, 403, "forbidden").await;

    app.clock.advance(Duration::minutes(20));
    let upheld = app.act_ok(&sup, &n, &uphold).await;
    assert_eq!(upheld["state"], "signed");
    assert_eq!(upheld["assignment"]["main_unit"]["code"], WANGJING);

    app.clock.advance(Duration::minutes(20));
    assert_eq!(app.act_ok(&wj, &n, &json!({ "action": "contact" })).await["state"], "contacted");
    let detail = app.detail(&n).await;
    assert_eq!(kinds(&detail), ["receive", "triage", "dispatch", "dispute", "arbitrate", "contact"]);
    assert_eq!(detail["timeline"][4]["actor_name"], SUPERVISOR);
    assert_eq!(detail["timeline"][4]["payload"]["decision"]["decision"], "uphold");
    assert_timeline_is_a_chain(&detail);
}

#[tokio::test]
async fn a_disputed_dispatch_that_is_redispatched_moves_to_the_new_unit_and_out_of_sight_of_the_old() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let wj = app.login("wangjing").await;
    let zgc = app.login("zhongguancun").await;
    let cy = app.login("chaoyang").await;
    let sup = app.login("supervisor").await;
    let n = number_of(&app.dispatched_order(&op, WANGJING).await);
    app.act_ok(&wj, &n, &json!({ "action": "sign" })).await;

    app.clock.advance(Duration::hours(1));
    let proposed = app.unit(ZHONGGUANCUN);
    app.act_ok(&wj, &n, &json!({ "action": "dispute", "reason": "事发地在海淀区中关村，不在本辖区", "proposed_unit": proposed })).await;
    // Redispatch needs the new unit.
    let res = app.act(&sup, &n, &json!({ "action": "arbitrate", "decision": "redispatch", "reason": "改派" })).await;
    let problem = expect_problem(res, 422, "required").await;
    assert_eq!(problem["field"], "main_unit");

    app.clock.advance(Duration::hours(1));
    let redispatched = app
        .act_ok(
            &sup,
            &n,
            &json!({ "action": "arbitrate", "decision": "redispatch", "main_unit": proposed, "reason": "异议成立，改派中关村街道" }),
        )
        .await;
    assert_eq!(redispatched["state"], "dispatched");
    assert_eq!(redispatched["assignment"]["main_unit"]["code"], ZHONGGUANCUN);
    assert_eq!(redispatched["assignment"]["district_copy"]["code"], HAIDIAN);
    assert!(redispatched["signed_at"].is_null(), "the new unit has not signed yet");

    // The old unit and its district no longer see it; the new unit does and signs it.
    expect_problem(app.get_order(&wj, &n).await, 404, "not_found").await;
    expect_problem(app.get_order(&cy, &n).await, 404, "not_found").await;
    expect_problem(app.act(&wj, &n, &json!({ "action": "contact" })).await, 404, "not_found").await;
    assert_eq!(app.act_ok(&zgc, &n, &json!({ "action": "sign" })).await["state"], "signed");
    let listed = expect_status(wj.get(app.url("/api/v1/orders")).send().await.expect("GET orders"), 200).await;
    assert!(listed["orders"].as_array().expect("orders").iter().all(|o| o["number"] != n.as_str()), "gone from the old unit's list");

    let detail = app.detail(&n).await;
    assert_eq!(kinds(&detail), ["receive", "triage", "dispatch", "sign", "dispute", "arbitrate", "sign"]);
    assert_eq!(detail["timeline"][6]["actor_name"], "中关村街道 赵磊");
    assert_eq!(detail["order"]["dispute_count"], 1);
    assert_timeline_is_a_chain(&detail);
}

#[tokio::test]
async fn a_refused_extension_returns_the_order_to_work_with_its_due_time_unchanged() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let wj = app.login("wangjing").await;
    let sup = app.login("supervisor").await;
    let order = app.dispatched_order(&op, WANGJING).await;
    let n = number_of(&order);
    for step in [json!({ "action": "sign" }), json!({ "action": "contact" })] {
        app.act_ok(&wj, &n, &step).await;
    }
    let due = timestamp(&order["dues"]["reply_due"]);
    // An "extension" that ends before the current due time is refused as input.
    let early = json!({ "action": "request_extension", "reason": "需要时间", "until": (due - Duration::hours(1)).to_rfc3339() });
    let problem = expect_problem(app.act(&wj, &n, &early).await, 422, "extension_not_later").await;
    assert_eq!(problem["field"], "until");

    let until = (due + Duration::days(3)).to_rfc3339();
    app.act_ok(&wj, &n, &json!({ "action": "request_extension", "reason": "需协调多个部门", "until": until })).await;
    let refused = app.act_ok(&sup, &n, &json!({ "action": "refuse_extension", "reason": "事项简单，不予延期" })).await;
    assert_eq!(refused["state"], "in_progress");
    assert_eq!(timestamp(&refused["dues"]["reply_due"]), due);
}

#[tokio::test]
async fn a_closed_order_reopened_by_the_supervisor_goes_back_to_the_unit_with_fresh_due_times() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let wj = app.login("wangjing").await;
    let sup = app.login("supervisor").await;
    let cb = app.login("callback").await;
    let n = number_of(&app.dispatched_order(&op, WANGJING).await);
    app.drive_to_replied(&wj, &n).await;
    // Partly resolved and basically satisfied: the reopen rule does not send it back by itself.
    app.act_ok(&cb, &n, &json!({ "action": "evaluate", "contacted": true, "resolution": "partly", "satisfaction": "basic" })).await;
    let closed = app.act_ok(&sup, &n, &json!({ "action": "close" })).await;
    assert_eq!(closed["state"], "closed");
    let old_due = timestamp(&closed["dues"]["reply_due"]);

    // Only a supervisor reopens.
    let reopen = json!({ "action": "reopen", "reason": "回访不满意，重新办理" });
    for who in [&op, &wj, &cb] {
        expect_problem(app.act(who, &n, &reopen).await, 403, "forbidden").await;
    }
    app.clock.advance(Duration::days(2));
    // Two days on, everyone logs in again.
    let sup = app.login("supervisor").await;
    let wj = app.login("wangjing").await;
    let reopened = app.act_ok(&sup, &n, &reopen).await;
    assert_eq!(reopened["state"], "reopened");
    assert_eq!(reopened["reopen_count"], 1);
    assert!(reopened["reply"].is_null() && reopened["closed_at"].is_null(), "{reopened:#}");
    assert_eq!(reopened["evaluation"]["resolution"], "partly", "the callback stays counted until the next one");
    assert!(timestamp(&reopened["dues"]["reply_due"]) > old_due, "fresh due times");

    // The unit signs it again and the second round is recorded after the first.
    assert_eq!(app.act_ok(&wj, &n, &json!({ "action": "sign" })).await["state"], "signed");
    let detail = app.detail(&n).await;
    let k = kinds(&detail);
    assert_eq!(&k[k.len() - 4..], ["evaluate", "close", "reopen", "sign"]);
    assert_eq!(detail["timeline"][k.len() - 2]["reason"], "回访不满意，重新办理");
    assert_timeline_is_a_chain(&detail);
}
