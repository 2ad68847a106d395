//! The defects new users met (issue #12), at the API: a callback or online rating without its
//! answers is refused, never read as the best one; answering from an article fills the category;
//! each suggestion is one distribution; the dispute is offered only within its window; messages
//! name fields as people do.

use serde_json::{Value, json};

use crate::helpers::*;

async fn replied(app: &TestApp) -> String {
    let operator = app.login("operator").await;
    let order = app.dispatched_order(&operator, WANGJING).await;
    let number = number_of(&order);
    app.drive_to_replied(&app.login("wangjing").await, &number).await;
    number
}

#[tokio::test]
async fn a_callback_without_its_answers_is_refused_and_records_nothing() {
    let app = spawn_app().await;
    let number = replied(&app).await;
    let agent = app.login("callback").await;
    let missing_contact = json!({ "action": "evaluate", "resolution": "resolved", "satisfaction": "satisfied" });
    let p = expect_problem(app.act(&agent, &number, &missing_contact).await, 422, "required").await;
    assert_eq!(p["field"], "contacted");
    let missing_rating = json!({ "action": "evaluate", "contacted": true, "resolution": "resolved" });
    let p = expect_problem(app.act(&agent, &number, &missing_rating).await, 422, "required").await;
    assert_eq!(p["field"], "satisfaction");
    assert!(p["detail_zh"].as_str().unwrap_or_default().contains("「满意度」"), "a human field name: {p}");
    assert_eq!(app.detail(&number).await["order"]["state"], "replied", "nothing was recorded");
    // With every answer given, the callback is recorded as given (the worst answers included).
    let given = json!({ "action": "evaluate", "contacted": false, "resolution": "unresolved", "satisfaction": "unsatisfied" });
    let o = app.act_ok(&agent, &number, &given).await;
    assert_eq!(o["evaluation"]["contacted"], false);
}

#[tokio::test]
async fn an_online_rating_without_its_answers_is_refused() {
    let app = spawn_app().await;
    let number = replied(&app).await;
    let tracked = expect_status(
        app.anonymous()
            .post(app.url("/api/v1/public/track"))
            .json(&json!({ "number": number, "phone": PHONE }))
            .send()
            .await
            .expect("track"),
        200,
    )
    .await;
    let link = tracked["rating_link"].as_str().expect("a rating link").to_owned();
    let token = link.split("t=").nth(1).expect("a token").to_owned();
    let rate = |body: Value| {
        let app = &app;
        let number = number.clone();
        async move { app.anonymous().post(app.url(&format!("/api/v1/public/rate/{number}"))).json(&body).send().await.expect("rate") }
    };
    let p =
        expect_problem(rate(json!({ "token": token, "resolution": "resolved", "satisfaction": "satisfied" })).await, 422, "required").await;
    assert_eq!(p["field"], "contacted");
    let p = expect_problem(rate(json!({ "token": token, "contacted": true, "satisfaction": "satisfied" })).await, 422, "required").await;
    assert_eq!(p["field"], "resolution");
    expect_status(rate(json!({ "token": token, "contacted": true, "resolution": "partly", "satisfaction": "basic" })).await, 200).await;
}

#[tokio::test]
async fn a_consultation_answered_from_an_article_takes_the_article_category_when_none_was_chosen() {
    let app = spawn_app().await;
    let files: Vec<(String, String)> = hotline::seed::SAMPLE_ARTICLES.iter().map(|(n, t)| ((*n).to_owned(), (*t).to_owned())).collect();
    app.app.import_articles(&files, "test").await.expect("import");
    let operator = app.login("operator").await;
    let mut body = order_body();
    body["description"] = json!("请问今年什么时候开始供暖？");
    // What the intake page sends after one click on the article: the nature it sets, no category.
    body["triage"] = json!({ "nature": "consult", "category": "", "urgency": "" });
    body["disposition"] = json!({ "action": "answer", "answer": "供暖期为11月15日至次年3月15日。", "article": "heating-season" });
    let order = expect_status(app.create_order(&operator, &body).await, 201).await;
    assert_eq!(order["state"], "answered_directly", "{order:#}");
    assert!(order["category"].as_str().is_some_and(|c| c.starts_with("UTL/heating")), "the article's category: {order:#}");
    assert_eq!(order["nature"], "consult");
}

#[tokio::test]
async fn every_triage_decision_is_one_sorted_distribution_led_by_the_suggestion() {
    let app = spawn_app().await;
    let client = app.login("operator").await;
    for text in ["请问暖气不热找哪个部门？", "举报望京西园三区门口乱停车", "对面楼着火了，七八层往外冒黑烟", "建议小区多设充电桩"]
    {
        let t =
            expect_status(client.post(app.url("/api/v1/triage")).json(&json!({ "text": text })).send().await.expect("triage"), 200).await;
        for decision in ["nature", "category", "urgency", "disposition"] {
            let ps: Vec<f64> =
                t["alternatives"][decision].as_array().expect("choices").iter().map(|c| c["p"].as_f64().expect("p")).collect();
            assert!(ps.windows(2).all(|w| w[0] >= w[1]), "{text}: {decision} sorted: {ps:?}");
            assert!(ps.iter().sum::<f64>() <= 1.0 + 1e-4, "{text}: {decision} sums to at most 1: {ps:?}");
        }
        assert_eq!(t["alternatives"]["disposition"][0]["code"], t["disposition"], "{text}: the first choice is the suggestion");
    }
}

#[tokio::test]
async fn the_dispute_is_offered_with_its_deadline_and_not_after_it() {
    let app = spawn_app().await;
    let operator = app.login("operator").await;
    let order = app.dispatched_order(&operator, WANGJING).await;
    let number = number_of(&order);
    let unit = app.login("wangjing").await;
    let seen = expect_status(app.get_order(&unit, &number).await, 200).await["order"].clone();
    assert!(seen["allowed_actions"].as_array().expect("actions").iter().any(|a| a == "dispute"), "{seen:#}");
    let until = timestamp(&seen["dispute_until"]);
    assert_eq!(until, timestamp(&seen["dispatched_at"]) + chrono::Duration::hours(24), "the default window is 24 hours");
    app.clock.advance(chrono::Duration::hours(25));
    let unit = app.login("wangjing").await;
    let later = expect_status(app.get_order(&unit, &number).await, 200).await["order"].clone();
    assert!(!later["allowed_actions"].as_array().expect("actions").iter().any(|a| a == "dispute"), "not offered after the window");
    expect_problem(app.act(&unit, &number, &json!({ "action": "dispute", "reason": "不属于本单位" })).await, 422, "dispute_window_closed")
        .await;
}

#[tokio::test]
async fn messages_name_fields_as_people_do_and_keep_the_code_for_programs() {
    let app = spawn_app().await;
    let operator = app.login("operator").await;
    let mut body = order_body();
    body["description"] = json!("   ");
    let p = expect_problem(app.create_order(&operator, &body).await, 422, "required").await;
    assert_eq!(p["field"], "description", "the code stays in the field");
    assert_eq!(p["detail_zh"], "请填写「诉求内容」");
    assert_eq!(p["detail"], "Request text is required");
}
