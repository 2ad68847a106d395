//! Behaviours added after review: cases of duplicates, token lifecycle, tracking limits, masking of
//! confidential requesters, phone search limits and malformed query strings.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn a_duplicate_linked_at_intake_joins_the_case_of_the_order_it_repeats() {
    let app = spawn_app().await;
    let operator = app.login("operator").await;
    let first = app.dispatched_order(&operator, WANGJING).await;
    let mut body = order_body();
    body["disposition"] = json!({ "action": "link_duplicate", "of": number_of(&first) });
    let dup = expect_status(app.create_order(&operator, &body).await, 201).await;
    assert_eq!(dup["state"], "linked_duplicate");
    assert_eq!(dup["case_id"], first["case_id"], "the duplicate shares the first order's case");
    let detail = app.detail(&number_of(&first)).await;
    assert_eq!(detail["case_orders"], json!([number_of(&dup)]), "the first order lists its duplicate");
}

#[tokio::test]
async fn linking_an_order_that_has_duplicates_brings_them_into_the_new_case() {
    let app = spawn_app().await;
    let operator = app.login("operator").await;
    let a = app.dispatched_order(&operator, WANGJING).await;
    // B is received (not yet triaged), C repeats B, then B turns out to repeat A.
    let b = expect_status(app.create_order(&operator, &order_body()).await, 201).await;
    let mut c_body = order_body();
    c_body["disposition"] = json!({ "action": "link_duplicate", "of": number_of(&b) });
    let c = expect_status(app.create_order(&operator, &c_body).await, 201).await;
    app.act_ok(&operator, &number_of(&b), &json!({ "action": "link_duplicate", "of": number_of(&a) })).await;
    let mut case: Vec<String> = app.detail(&number_of(&a)).await["case_orders"]
        .as_array()
        .expect("case orders")
        .iter()
        .map(|n| n.as_str().expect("number").to_owned())
        .collect();
    case.sort();
    let mut want = vec![number_of(&b), number_of(&c)];
    want.sort();
    assert_eq!(case, want, "B and its duplicate C are both in A's case now");
}

#[tokio::test]
async fn api_tokens_expire_can_be_listed_and_revoked_and_a_revoked_token_stops_working() {
    let app = spawn_app().await;
    let operator = app.login("operator").await;
    let token = app.token(&operator).await;
    let listed = expect_status(operator.get(app.url("/api/v1/tokens")).send().await.expect("list"), 200).await;
    let tokens = listed.as_array().expect("an array");
    assert_eq!(tokens.len(), 1);
    assert!(tokens[0]["expires_at"].is_string(), "tokens expire: {listed}");
    assert!(!listed.to_string().contains(&token), "the secret is never listed");
    let id = tokens[0]["id"].as_str().expect("id").to_owned();

    let machine = reqwest::Client::new();
    let me = machine.get(app.url("/api/v1/me")).bearer_auth(&token).send().await.expect("me");
    assert_eq!(me.status(), 200);
    // Another user cannot revoke it.
    let other = app.login("supervisor").await;
    expect_problem(other.delete(app.url(&format!("/api/v1/tokens/{id}"))).send().await.expect("delete"), 404, "not_found").await;
    let res = operator.delete(app.url(&format!("/api/v1/tokens/{id}"))).send().await.expect("delete");
    assert_eq!(res.status(), 204);
    let me = machine.get(app.url("/api/v1/me")).bearer_auth(&token).send().await.expect("me");
    expect_problem(me, 401, "unauthenticated").await;
}

#[tokio::test]
async fn tracking_with_wrong_phones_is_cut_off_after_ten_tries_per_order() {
    let app = spawn_app().await;
    let citizen = app.anonymous();
    let res = citizen
        .post(app.url("/api/v1/public/requests"))
        .json(&json!({ "description": "路灯不亮已经一周", "phone": "13900001111" }))
        .send()
        .await
        .expect("submit");
    let number = expect_status(res, 201).await["number"].as_str().expect("number").to_owned();
    let track = async |phone: &str| {
        citizen.post(app.url("/api/v1/public/track")).json(&json!({ "number": number, "phone": phone })).send().await.expect("track")
    };
    for i in 0..10 {
        expect_problem(track(&format!("1390000{i:04}")).await, 404, "not_found").await;
    }
    expect_problem(track("13900001111").await, 429, "too_many_attempts").await;
    // An hour later the owner can track again.
    app.clock.advance(chrono::Duration::minutes(61));
    assert_eq!(track("13900001111").await.status(), 200);
}

#[tokio::test]
async fn a_confidential_requester_is_fully_hidden_from_unit_users() {
    let app = spawn_app().await;
    let operator = app.login("operator").await;
    let order = app.dispatched_order_with(&operator, WANGJING, &[], true).await;
    let handler = app.login("wangjing").await;
    let seen = app.detail_as(&handler, &number_of(&order)).await;
    assert_eq!(seen["order"]["requester"]["phone"], "***");
    assert_eq!(seen["order"]["requester"]["name"], "***");
    assert!(!seen.to_string().contains("5678"), "no digit of the phone reaches the unit");
}

#[tokio::test]
async fn roles_that_see_masked_contacts_cannot_search_by_phone() {
    let app = spawn_app().await;
    for user in ["analyst", "admin", "wangjing"] {
        let client = app.login(user).await;
        let res = client.get(app.url(&format!("/api/v1/orders?phone={PHONE}"))).send().await.expect("list");
        expect_problem(res, 403, "forbidden").await;
    }
    let operator = app.login("operator").await;
    assert_eq!(operator.get(app.url(&format!("/api/v1/orders?phone={PHONE}"))).send().await.expect("list").status(), 200);
}

#[tokio::test]
async fn a_malformed_query_string_gets_a_problem_document() {
    let app = spawn_app().await;
    let operator = app.login("operator").await;
    let res = operator.get(app.url("/api/v1/orders?limit=abc")).send().await.expect("list");
    expect_problem(res, 400, "malformed_query").await;
}

#[tokio::test]
async fn a_unit_user_cannot_probe_order_numbers_through_link_duplicate() {
    let app = spawn_app().await;
    let operator = app.login("operator").await;
    let order = app.dispatched_order(&operator, WANGJING).await;
    let handler = app.login("wangjing").await;
    for of in ["2026030200001", "2099010199999"] {
        let res = app.act(&handler, &number_of(&order), &json!({ "action": "link_duplicate", "of": of })).await;
        expect_problem(res, 403, "forbidden").await;
    }
}

#[tokio::test]
async fn a_write_sent_by_a_browser_from_another_site_is_refused() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    let login = json!({ "username": "operator", "password": "hotline-demo" });
    let res = client.post(app.url("/api/v1/auth/login")).header("origin", "http://evil.example").json(&login).send().await.expect("login");
    expect_problem(res, 403, "forbidden").await;
    let same_site = app.address.clone();
    let res = client.post(app.url("/api/v1/auth/login")).header("origin", same_site).json(&login).send().await.expect("login");
    assert_eq!(res.status(), 200, "the same site may log in");
    let form = client
        .post(app.url("/login"))
        .header("origin", "https://evil.example")
        .form(&[("username", "operator"), ("password", "hotline-demo")])
        .send()
        .await
        .expect("form login");
    assert_eq!(form.status(), 403, "the login form cannot be posted from another site");
}

#[tokio::test]
async fn the_place_endpoint_names_community_street_and_district_with_a_character_span() {
    let app = spawn_app().await;
    let operator = app.login("operator").await;
    let text = "市民反映：海淀区中关村街道知春里西社区8号楼门口车辆乱停";
    let res = operator.get(app.url("/api/v1/places/resolve")).query(&[("text", text)]).send().await.expect("resolve");
    let place = expect_status(res, 200).await;
    assert_eq!(place["district"]["name"], "海淀区", "{place}");
    assert_eq!(place["street"]["name"], "中关村街道");
    assert_eq!(place["community"]["name"], "知春里西社区居委会");
    let span: Vec<usize> = place["span"].as_array().expect("span").iter().map(|v| v.as_u64().expect("n") as usize).collect();
    let mention: String = text.chars().skip(span[0]).take(span[1] - span[0]).collect();
    assert_eq!(mention, "知春里西社区");
    let empty = operator.get(app.url("/api/v1/places/resolve")).query(&[("text", "  ")]).send().await.expect("resolve");
    expect_problem(empty, 422, "required").await;
}

#[tokio::test]
async fn an_order_with_coordinates_but_no_district_gets_the_district_of_its_boundary() {
    let app = spawn_app().await;
    let operator = app.login("operator").await;
    let mut body = order_body();
    body["location"] = json!({ "address": "望京西园三区", "lng": 116.47, "lat": 39.996 });
    let order = expect_status(app.create_order(&operator, &body).await, 201).await;
    assert_eq!(order["location"]["district"]["name"], "朝阳区", "{order:#}");
    body["location"] = json!({ "address": "上海", "lng": 121.475, "lat": 31.23 });
    let order = expect_status(app.create_order(&operator, &body).await, 201).await;
    assert!(order["location"]["district"].is_null(), "outside every boundary: no district");
}

#[tokio::test]
async fn the_dispatch_catalogue_suggests_the_unit_for_a_category_at_a_place() {
    let app = spawn_app().await;
    let operator = app.login("operator").await;
    let suggest = |query: Vec<(&'static str, String)>| {
        let (client, url) = (operator.clone(), app.url("/api/v1/dispatch/suggest"));
        async move { client.get(url).query(&query).send().await.expect("suggest") }
    };
    let street = app.unit(WANGJING).to_string();
    let district = app.unit(CHAOYANG).to_string();
    let heat = expect_status(suggest(vec![("category", "UTL/heating/not_warm".into()), ("street", street.clone())]).await, 200).await;
    assert_eq!(heat["main_unit"]["code"], HEAT, "{heat}");
    assert_eq!(heat["co_units"][0]["code"], WANGJING);
    assert_eq!(heat["deadline_class"], "utility24h");
    let market = expect_status(suggest(vec![("category", "MKT/food".into()), ("street", street.clone())]).await, 200).await;
    assert_eq!(market["main_unit"]["name"], "朝阳区市场监督管理局", "the district's own bureau: {market}");
    let garbage = expect_status(suggest(vec![("category", "CTY/garbage".into()), ("street", street)]).await, 200).await;
    assert_eq!(garbage["main_unit"]["code"], WANGJING, "属地: the street of the place");
    let no_street = expect_status(suggest(vec![("category", "CTY/garbage".into()), ("district", district)]).await, 200).await;
    assert_eq!(no_street["main_unit"]["code"], CHAOYANG, "no street known: the district's catch-all");
    let nowhere = suggest(vec![("category", "CTY/garbage".into())]).await;
    expect_problem(nowhere, 404, "not_found").await;
    let bad = suggest(vec![("category", "XYZ".into())]).await;
    expect_problem(bad, 422, "invalid_category").await;
}
