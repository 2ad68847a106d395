//! Monthly assessment against a hand-computed fixture: callbacks recorded in March count in March,
//! rates and scores are the formulas of the default scheme, ranks are per unit class.

use chrono::Duration;
use serde_json::{Value, json};

use crate::helpers::{TestApp, WANGJING, ZHONGGUANCUN, expect_problem, expect_status, number_of, spawn_app, start_time};

async fn evaluated(app: &TestApp, unit: &str, unit_login: &str, evaluation: Value) {
    evaluated_after(app, unit, unit_login, evaluation, false).await;
}

/// An order handled by `unit` and evaluated; with `disputed`, the unit first disputes the dispatch
/// and the centre upholds it.
async fn evaluated_after(app: &TestApp, unit: &str, unit_login: &str, evaluation: Value, disputed: bool) {
    let op = app.login("operator").await;
    let n = number_of(&app.dispatched_order(&op, unit).await);
    let handler = app.login(unit_login).await;
    if disputed {
        app.act_ok(&handler, &n, &json!({ "action": "dispute", "reason": "不属于本单位职责", "proposed_unit": null })).await;
        app.act_ok(&app.login("supervisor").await, &n, &json!({ "action": "arbitrate", "decision": "uphold", "reason": "属地管理" })).await;
        for step in
            [json!({ "action": "contact", "note": "已联系" }), json!({ "action": "reply", "outcome": "resolved", "text": "已处理完毕。" })]
        {
            app.act_ok(&handler, &n, &step).await;
        }
    } else {
        app.drive_to_replied(&handler, &n).await;
    }
    let mut body = evaluation;
    body["action"] = json!("evaluate");
    app.act_ok(&app.login("callback").await, &n, &body).await;
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[tokio::test]
async fn the_months_rates_scores_and_ranks_equal_the_hand_computed_fixture() {
    let app = spawn_app().await;
    // 望京街道, five callbacks in March: contacted 4 of 5; resolved 3, partly 1, unresolved 1;
    // satisfied 3, basically 1, unsatisfied 1.
    let wj = [
        (true, "resolved", "satisfied"),
        (true, "resolved", "basic"),
        (true, "partly", "satisfied"),
        (true, "unresolved", "unsatisfied"),
        (false, "resolved", "satisfied"),
    ];
    for (i, (contacted, resolution, satisfaction)) in wj.into_iter().enumerate() {
        let evaluation = json!({ "contacted": contacted, "resolution": resolution, "satisfaction": satisfaction });
        // The first was disputed (upheld): one dispute for 望京 in March.
        evaluated_after(&app, WANGJING, "wangjing", evaluation, i == 0).await;
    }
    // 中关村街道: five perfect callbacks.
    for _ in 0..5 {
        evaluated(&app, ZHONGGUANCUN, "zhongguancun", json!({ "contacted": true, "resolution": "resolved", "satisfaction": "satisfied" }))
            .await;
    }
    // April's callback does not count in March.
    app.clock.set(start_time() + Duration::days(35));
    evaluated(&app, WANGJING, "wangjing", json!({ "contacted": false, "resolution": "unresolved", "satisfaction": "unsatisfied" })).await;

    let sup = app.login("supervisor").await;
    let a = expect_status(sup.get(app.url("/api/v1/assessment?month=2026-03")).send().await.expect("GET assessment"), 200).await;
    assert_eq!(a["month"], "2026-03");
    let streets = a["groups"].as_array().expect("groups").iter().find(|g| g["class"] == "street").expect("a street group").clone();
    let rows = streets["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 2);
    // By hand: 望京 response 4/5 = 0.8, resolution (3 + 0.5)/5 = 0.7, satisfaction (3 + 1)/5 = 0.8,
    // score 30·0.8 + 35·0.7 + 35·0.8 = 76.5; 中关村 100.
    assert_eq!(rows[0]["unit"]["code"], ZHONGGUANCUN);
    assert_eq!(rows[0]["rank"], 1);
    assert!(close(rows[0]["score"].as_f64().expect("score"), 100.0));
    let w = &rows[1];
    assert_eq!((w["unit"]["code"].as_str(), w["rank"].as_i64(), w["evaluated"].as_i64()), (Some(WANGJING), Some(2), Some(5)));
    assert_eq!((w["disputes"].as_i64(), rows[0]["disputes"].as_i64()), (Some(1), Some(0)));
    assert!(close(w["response_rate"].as_f64().expect("r"), 0.8));
    assert!(close(w["resolution_rate"].as_f64().expect("r"), 0.7));
    assert!(close(w["satisfaction_rate"].as_f64().expect("r"), 0.8));
    assert!(close(w["score"].as_f64().expect("score"), 76.5), "{w:#}");
    assert_eq!(w["previous_rank"], Value::Null, "no February ranking");

    // April: one callback, below the minimum volume: listed, not ranked; March's rank is the previous one.
    let april = expect_status(sup.get(app.url("/api/v1/assessment?month=2026-04")).send().await.expect("GET"), 200).await;
    let row = &april["groups"][0]["rows"][0];
    assert_eq!((row["unit"]["code"].as_str(), row["rank"].as_i64(), row["previous_rank"].as_i64()), (Some(WANGJING), None, Some(2)));
    assert!(close(row["score"].as_f64().expect("score"), 0.0));

    // CSV and bad input.
    let csv = sup.get(app.url("/api/v1/assessment.csv?month=2026-03")).send().await.expect("GET csv").text().await.expect("csv");
    assert!(csv.starts_with("month,class,unit_code,unit,evaluated,excluded,disputes,response_rate"), "{csv}");
    assert!(csv.contains(&format!("2026-03,street,{WANGJING},望京街道,5,0,1,0.8000,0.7000,0.8000,76.50,2,")), "{csv}");
    expect_problem(sup.get(app.url("/api/v1/assessment?month=2026-13")).send().await.expect("GET"), 422, "invalid_month").await;
}
