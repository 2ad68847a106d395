//! Open311 as independent clients and a probe found it (issue #17): who may write (a client system's
//! role or the centre's, with an API token, never a session; a client system sees and updates only
//! what it sent, and a number it may not see answers as a missing one does), update ids per client
//! with retries answered the same, the `service_code` filter before triage, an absolute discovery
//! URL, W3C dates, FixMyStreet's extended statuses with notes in the request's language, and line
//! breaks from forms.

use reqwest::Client;
use serde_json::{Value, json};

use crate::helpers::{
    NAME, PHONE, TestApp, WANGJING, ZHONGGUANCUN, dispatch_body, expect_status, kinds, number_of, spawn_app, spawn_app_with,
};
use crate::open311::{get, get_json, parking_service};

/// A number that is no order.
const MISSING: &str = "2026010100999";

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// An Open311 error answer: the status (also the body's `code`), the machine-readable `error_code`
/// and a description in Chinese and English.
async fn expect_open311_error(res: reqwest::Response, status: u16, error_code: &str) -> Value {
    let got = res.status().as_u16();
    let body: Value = res.json().await.expect("a JSON error list");
    assert_eq!(got, status, "{body}");
    assert_eq!(body[0]["code"], status, "{body}");
    assert_eq!(body[0]["error_code"], error_code, "{body}");
    let d = body[0]["description"].as_str().unwrap_or_default();
    assert!(has_cjk(d) && d.chars().any(|c| c.is_ascii_alphabetic()), "Chinese and English: {d}");
    body
}

/// An API token of demo user `username`.
async fn key_of(app: &TestApp, username: &str) -> String {
    app.token(&app.login(username).await).await
}

/// The session secret a login sets as its cookie.
async fn session_secret(app: &TestApp, username: &str) -> String {
    let res = Client::new()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "username": username, "password": hotline::demo::DEMO_PASSWORD }))
        .send()
        .await
        .expect("POST login");
    let cookie = res.headers()["set-cookie"].to_str().expect("a cookie").to_owned();
    expect_status(res, 200).await;
    cookie.strip_prefix("hotline_session=").and_then(|c| c.split(';').next()).expect("the session secret").to_owned()
}

async fn post_form(app: &TestApp, resource: &str, form: &[(&str, String)]) -> reqwest::Response {
    Client::new().post(app.url(&format!("/open311/v2/{resource}"))).form(form).send().await.expect("POST")
}

/// A request for the parking service with its required answer, sent with `key`.
async fn request_form(app: &TestApp, key: &str, description: &str) -> Vec<(&'static str, String)> {
    let services = get_json(app, "/open311/v2/services.json").await;
    vec![
        ("api_key", key.to_owned()),
        ("service_code", parking_service(&services)),
        ("description", description.to_owned()),
        ("lat", "39.9963".into()),
        ("long", "116.4710".into()),
        ("attribute[blocking][]", "fire_lane".into()),
    ]
}

/// Posts a request with `key`; returns its id.
async fn post_request(app: &TestApp, key: &str, description: &str) -> String {
    let created = expect_status(post_form(app, "requests.json", &request_form(app, key, description).await).await, 200).await;
    created[0]["service_request_id"].as_str().expect("an id").to_owned()
}

fn update_form(key: &str, id: &str, update_id: &str, description: &str) -> Vec<(&'static str, String)> {
    vec![
        ("api_key", key.to_owned()),
        ("service_request_id", id.to_owned()),
        ("update_id", update_id.to_owned()),
        ("updated_datetime", "2026-03-02T11:00:00+08:00".to_owned()),
        ("status", "OPEN".to_owned()),
        ("description", description.to_owned()),
    ]
}

fn external_updates(detail: &Value) -> usize {
    kinds(detail).iter().filter(|k| *k == "external_update").count()
}

fn listed(v: &Value) -> Vec<String> {
    v.as_array().expect("a list").iter().map(|r| r["service_request_id"].as_str().expect("an id").to_owned()).collect()
}

/// A client sending `key` as a Bearer token to the JSON API.
fn bearer(key: &str) -> Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::AUTHORIZATION, format!("Bearer {key}").parse().expect("a header value"));
    Client::builder().default_headers(headers).build().expect("a client")
}

#[tokio::test]
async fn a_street_handlers_key_posts_no_update_and_its_answer_does_not_tell_which_numbers_exist() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let other_street = number_of(&app.dispatched_order(&op, ZHONGGUANCUN).await);
    let own_street = number_of(&app.dispatched_order(&op, WANGJING).await);
    let handler = key_of(&app, "wangjing").await;
    let mut answers = Vec::new();
    for number in [other_street.as_str(), own_street.as_str(), MISSING] {
        let res = post_form(&app, "servicerequestupdates.json", &update_form(&handler, number, "h-1", "我补充一下情况")).await;
        answers.push(expect_open311_error(res, 403, "role_may_not_write").await);
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "one answer whatever the number: {answers:?}");
    for number in [&other_street, &own_street] {
        assert_eq!(external_updates(&app.detail(number).await), 0, "nothing was written on {number}");
    }
    let zhongguancun = app.login("zhongguancun").await;
    let told = expect_status(zhongguancun.get(app.url("/api/v1/notifications")).send().await.expect("GET"), 200).await;
    assert!(!told.to_string().contains("external_update"), "the other street was told nothing: {told}");
}

#[tokio::test]
async fn posting_takes_an_api_token_of_a_role_that_may_write_and_never_a_session_secret() {
    let app = spawn_app().await;
    // Units, callback agents, analysts and admins do not take in requests (the JSON API refuses
    // them intake too).
    for user in ["wangjing", "chaoyang", "callback", "analyst", "admin"] {
        let form = request_form(&app, &key_of(&app, user).await, "望京西园三区门口有车占用消防通道").await;
        expect_open311_error(post_form(&app, "requests.json", &form).await, 403, "role_may_not_write").await;
    }
    // A session's secret is no api_key, not even an operator's.
    let secret = session_secret(&app, "operator").await;
    let form = request_form(&app, &secret, "望京西园三区门口有车占用消防通道").await;
    expect_open311_error(post_form(&app, "requests.json", &form).await, 403, "invalid_api_key").await;
    assert_eq!(app.total_orders().await, 0, "nothing was received");
    let op = app.login("operator").await;
    let order = number_of(&app.dispatched_order(&op, WANGJING).await);
    let res = post_form(&app, "servicerequestupdates.json", &update_form(&secret, &order, "s-1", "车还在")).await;
    expect_open311_error(res, 403, "invalid_api_key").await;
    assert_eq!(external_updates(&app.detail(&order).await), 0);
    // A client system and the centre's intake may.
    for user in ["open311", "operator", "supervisor"] {
        post_request(&app, &key_of(&app, user).await, "望京西园三区门口有车占用消防通道").await;
    }
    assert_eq!(app.total_orders().await, 4);
}

#[tokio::test]
async fn a_client_system_files_requests_as_its_own_and_sees_and_updates_only_those() {
    let app = spawn_app().await;
    let key = key_of(&app, "open311").await;
    let mine = post_request(&app, &key, "望京西园三区门口有车占用消防通道").await;
    let op = app.login("operator").await;
    let theirs = number_of(&app.dispatched_order(&op, WANGJING).await);

    expect_status(post_form(&app, "servicerequestupdates.json", &update_form(&key, &mine, "c-1", "车还在")).await, 200).await;
    assert_eq!(external_updates(&app.detail(&mine).await), 1);
    let hidden = post_form(&app, "servicerequestupdates.json", &update_form(&key, &theirs, "c-2", "车还在")).await;
    let hidden = expect_open311_error(hidden, 404, "not_found").await;
    let missing = post_form(&app, "servicerequestupdates.json", &update_form(&key, MISSING, "c-2", "车还在")).await;
    let missing = expect_open311_error(missing, 404, "not_found").await;
    assert_eq!(
        hidden[0]["description"].as_str().map(|d| d.replace(&theirs, "N")),
        missing[0]["description"].as_str().map(|d| d.replace(MISSING, "N")),
        "an order the client may not see answers as a missing one"
    );
    assert_eq!(external_updates(&app.detail(&theirs).await), 0);

    // Over the JSON API it reads its own request (contacts masked) and nothing else.
    let client = bearer(&key);
    let list = expect_status(client.get(app.url("/api/v1/orders")).send().await.expect("GET"), 200).await;
    assert_eq!(list["orders"], json!([]), "no unit's queue");
    let own = expect_status(client.get(app.url(&format!("/api/v1/orders/{mine}"))).send().await.expect("GET"), 200).await;
    assert_eq!(own["order"]["number"], mine.as_str());
    expect_status(client.get(app.url(&format!("/api/v1/orders/{theirs}"))).send().await.expect("GET"), 404).await;
    let told = expect_status(client.get(app.url("/api/v1/notifications")).send().await.expect("GET"), 200).await;
    assert_eq!(told, json!([]), "the centre's notifications are not for it");
    // It takes in nothing through the JSON API either.
    let res = client.post(app.url("/api/v1/orders")).json(&crate::helpers::order_body()).send().await.expect("POST");
    expect_status(res, 403).await;
}

#[tokio::test]
async fn the_service_code_filter_finds_a_request_under_the_code_it_is_published_with_before_and_after_triage() {
    let app = spawn_app().await;
    let key = key_of(&app, "open311").await;
    let form = request_form(&app, &key, "望京西园三区门口有车占用消防通道").await;
    let code = form[1].1.clone();
    let id = post_request(&app, &key, "望京西园三区门口有车占用消防通道").await;
    let one = get_json(&app, &format!("/open311/v2/requests/{id}.json")).await;
    assert_eq!(one[0]["service_code"], code.as_str(), "published under the code it was posted with");
    assert_eq!(listed(&get_json(&app, &format!("/open311/v2/requests.json?service_code={code}")).await), [id.as_str()]);
    assert!(listed(&get_json(&app, "/open311/v2/requests.json?service_code=TRF.illegal_parking").await).is_empty());
    // Triaged under another code: published and found under that one only.
    let op = app.login("operator").await;
    let triage = json!({ "action": "triage", "nature": "complaint", "category": "TRF/illegal_parking", "urgency": "general" });
    app.act_ok(&op, &id, &triage).await;
    assert_eq!(get_json(&app, &format!("/open311/v2/requests/{id}.json")).await[0]["service_code"], "TRF.illegal_parking");
    assert_eq!(listed(&get_json(&app, "/open311/v2/requests.json?service_code=TRF.illegal_parking").await), [id.as_str()]);
    assert!(listed(&get_json(&app, &format!("/open311/v2/requests.json?service_code={code}")).await).is_empty());
}

#[tokio::test]
async fn discovery_names_an_absolute_endpoint_from_the_request_when_no_public_url_is_set() {
    let app = spawn_app().await;
    let d = get_json(&app, "/open311/v2/discovery.json").await;
    assert_eq!(d["endpoints"][0]["url"], format!("{}/open311/v2", app.address), "{d}");
    let x = get(&app, "/open311/v2/discovery.xml").await.text().await.expect("body");
    assert!(x.contains(&format!("<url>{}/open311/v2</url>", app.address)), "{x}");
    let url = |host: &str, proto: Option<&str>| {
        let mut req = Client::new().get(app.url("/open311/v2/discovery.json")).header("host", host);
        if let Some(p) = proto {
            req = req.header("x-forwarded-proto", p);
        }
        async move { expect_status(req.send().await.expect("GET"), 200).await["endpoints"][0]["url"].clone() }
    };
    // The host the client asked for; the scheme from a proxy only if it is trusted.
    assert_eq!(url("hotline.example.org:8080", None).await, "http://hotline.example.org:8080/open311/v2");
    assert_eq!(url("hotline.example.org", Some("https")).await, "http://hotline.example.org/open311/v2", "not a trusted proxy");
    // A Host that is not a plain host and port is never echoed.
    for hostile in ["evil.example@hotline.example.org", "evil.example/x?", "hotline.example.org:x"] {
        assert_eq!(url(hostile, None).await, "/open311/v2", "{hostile}");
    }
    // Behind a trusted proxy that says https.
    let proxied = spawn_app_with(|c| c.trusted_proxies = vec!["127.0.0.1".into()]).await;
    let res = Client::new()
        .get(proxied.url("/open311/v2/discovery.json"))
        .header("host", "hotline.example.org")
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .expect("GET");
    assert_eq!(expect_status(res, 200).await["endpoints"][0]["url"], "https://hotline.example.org/open311/v2");
}

#[tokio::test]
async fn update_ids_are_each_clients_own_and_an_identical_retry_gets_the_same_answer() {
    let app = spawn_app().await;
    let fms = key_of(&app, "open311").await;
    let id = post_request(&app, &fms, "望京西园三区门口有车占用消防通道").await;
    let first = expect_status(post_form(&app, "servicerequestupdates.json", &update_form(&fms, &id, "u-1", "车还在")).await, 200).await;
    assert_eq!(first, json!([{ "update_id": "u-1" }]));
    // The answer was lost and the client sends it again: the same answer, recorded once.
    let retry = expect_status(post_form(&app, "servicerequestupdates.json", &update_form(&fms, &id, "u-1", "车还在")).await, 200).await;
    assert_eq!(retry, first);
    let xml = post_form(&app, "servicerequestupdates.xml", &update_form(&fms, &id, "u-1", "车还在")).await;
    assert!(xml.text().await.expect("body").contains("<request_update><update_id>u-1</update_id>"));
    // Another update under the same id is a conflict.
    let other = post_form(&app, "servicerequestupdates.json", &update_form(&fms, &id, "u-1", "车已经开走了")).await;
    expect_open311_error(other, 409, "update_id_conflict").await;
    let xml = post_form(&app, "servicerequestupdates.xml", &update_form(&fms, &id, "u-1", "车已经开走了")).await;
    assert_eq!(xml.status(), 409);
    assert!(xml.text().await.expect("body").contains("<error_code>update_id_conflict</error_code>"));
    assert_eq!(external_updates(&app.detail(&id).await), 1, "recorded once");
    // Another client's u-1 is its own.
    let centre = key_of(&app, "operator").await;
    expect_status(post_form(&app, "servicerequestupdates.json", &update_form(&centre, &id, "u-1", "另一系统的补充")).await, 200).await;
    assert_eq!(external_updates(&app.detail(&id).await), 2);
}

#[tokio::test]
async fn w3c_dates_by_year_month_day_and_minute_are_taken_on_every_date_parameter() {
    // The server's clock: Monday 2 March 2026, 10:00 in Beijing.
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let n = number_of(&app.dispatched_order(&op, WANGJING).await);
    for q in [
        "start_date=2026-03-02",
        "end_date=2026-03-02",
        "start_date=2026-03&end_date=2026-03-02",
        "start_date=2026",
        "start_date=2026-03-02T00:00Z",
        "start_date=2026-03-02T09:59%2B08:00&end_date=2026-03-02T10:00:00.000%2B08:00",
        "updated_after=2026-03-02",
        "updated_before=2026-03-03",
    ] {
        assert_eq!(listed(&get_json(&app, &format!("/open311/v2/requests.json?{q}")).await), [n.as_str()], "{q}");
    }
    for q in ["end_date=2026-03-01", "start_date=2026-03-03", "end_date=2026-03-02T01:59Z", "updated_before=2026-03-02"] {
        assert!(listed(&get_json(&app, &format!("/open311/v2/requests.json?{q}")).await).is_empty(), "{q}");
    }
    // A 90-day range of whole days, both included, fits; a year does not; a time still needs its zone.
    get_json(&app, "/open311/v2/requests.json?start_date=2025-12-03&end_date=2026-03-02").await;
    for q in ["start_date=2026&end_date=2026", "start_date=2026-03-02T10:00", "end_date=2026-3-2"] {
        let res = get(&app, &format!("/open311/v2/requests.json?{q}")).await;
        assert_eq!(res.status(), 400, "{q}");
    }
    let feed = get_json(&app, "/open311/v2/servicerequestupdates.json?start_date=2026-03-02&end_date=2026-03-02").await;
    assert!(feed.as_array().is_some_and(|f| f.iter().any(|u| u["service_request_id"] == n.as_str())), "{feed}");
    let key = key_of(&app, "operator").await;
    let mut form = update_form(&key, &n, "d-1", "车还在");
    form[3].1 = "2026-03-02T11:00+08:00".into();
    expect_status(post_form(&app, "servicerequestupdates.json", &form).await, 200).await;
    let detail = app.detail(&n).await;
    let update = detail["timeline"].as_array().expect("timeline").iter().find(|e| e["kind"] == "external_update").cloned();
    assert_eq!(update.expect("recorded")["payload"]["updated_datetime"], "2026-03-02T03:00:00Z");
}

#[tokio::test]
async fn the_updates_feed_gives_fixmystreets_extended_statuses_and_notes_in_the_requests_language() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let wangjing = app.login("wangjing").await;
    let mut english = dispatch_body(app.unit(WANGJING));
    english["requester"]["language"] = json!("en");
    let en = number_of(&expect_status(app.create_order(&op, &english).await, 201).await);
    let zh = number_of(&app.dispatched_order(&op, WANGJING).await);
    for n in [&en, &zh] {
        app.drive_to_replied(&wangjing, n).await;
    }
    app.act_ok(&app.login("supervisor").await, &zh, &json!({ "action": "close", "note": "" })).await;

    let feed = get_json(&app, "/open311/v2/servicerequestupdates.json").await;
    let of = |n: &str| -> Vec<(String, String)> {
        feed.as_array()
            .expect("a list")
            .iter()
            .filter(|u| u["service_request_id"] == n)
            .map(|u| (u["status"].as_str().expect("status").to_owned(), u["description"].as_str().expect("note").to_owned()))
            .collect()
    };
    let statuses = |n: &str| of(n).into_iter().map(|(s, _)| s).collect::<Vec<_>>();
    assert_eq!(statuses(&zh), ["open", "investigating", "investigating", "action_scheduled", "in_progress", "fixed", "fixed"]);
    assert_eq!(statuses(&en), ["open", "investigating", "investigating", "action_scheduled", "in_progress", "fixed"]);
    let notes = |n: &str| of(n).into_iter().map(|(_, d)| d).collect::<Vec<_>>();
    assert_eq!(notes(&zh)[0], "12345热线已受理您的诉求。");
    assert_eq!(notes(&zh)[1], "已派至望京街道办理。");
    assert_eq!(notes(&en)[0], "The 12345 hotline has received the request.");
    assert_eq!(notes(&en)[1], "Sent to 望京街道 to handle.");
    assert_eq!(notes(&zh)[5], "已清理占道车辆，问题已解决。", "the unit's reply as written");
    assert!(!feed.to_string().contains("\"Receive\""), "no action labels: {feed}");
    // A client may ask for a language: `locale`, else Accept-Language.
    let asked = get_json(&app, "/open311/v2/servicerequestupdates.json?locale=en-GB").await;
    let received: Vec<&Value> = asked.as_array().expect("a list").iter().filter(|u| u["status"] == "open").collect();
    assert_eq!(received.len(), 2);
    assert!(received.iter().all(|u| u["description"] == "The 12345 hotline has received the request."), "{asked}");
    let res = Client::new()
        .get(app.url("/open311/v2/servicerequestupdates.json"))
        .header("accept-language", "zh-CN,zh;q=0.9,en;q=0.8")
        .send()
        .await
        .expect("GET");
    let chinese = expect_status(res, 200).await;
    assert!(chinese.as_array().expect("a list").iter().any(|u| u["description"] == "12345热线已受理您的诉求。"));
    assert!(!chinese.to_string().contains("The 12345 hotline"), "{chinese}");
    // The notes of GET requests read the same.
    let ext = get_json(&app, &format!("/open311/v2/requests/{en}.json?extensions=true")).await;
    assert_eq!(ext[0]["notes"][0]["description"], "The 12345 hotline has received the request.");
}

#[tokio::test]
async fn a_confidential_requests_reply_is_withheld_from_the_updates_feed() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let n = number_of(&app.dispatched_order_with(&op, WANGJING, &[], true).await);
    app.drive_to_replied(&app.login("wangjing").await, &n).await;
    let feed = get_json(&app, "/open311/v2/servicerequestupdates.json").await;
    let text = feed.to_string();
    assert!(!text.contains("已清理占道车辆") && text.contains("内容不公开"), "{feed}");
    assert!(!text.contains(PHONE) && !text.contains(NAME));
}

#[tokio::test]
async fn line_breaks_from_form_posts_are_stored_as_newlines() {
    let app = spawn_app().await;
    let key = key_of(&app, "open311").await;
    let id = post_request(&app, &key, "第一行\r\n第二行\r第三行").await;
    let detail = app.detail(&id).await;
    assert_eq!(detail["order"]["description"], "第一行\n第二行\n第三行");
    expect_status(post_form(&app, "servicerequestupdates.json", &update_form(&key, &id, "crlf", "车还在\r\n今天早上又停了")).await, 200)
        .await;
    let detail = app.detail(&id).await;
    let update = detail["timeline"].as_array().expect("timeline").iter().find(|e| e["kind"] == "external_update").cloned();
    assert_eq!(update.expect("recorded")["reason"], "车还在\n今天早上又停了");
}
