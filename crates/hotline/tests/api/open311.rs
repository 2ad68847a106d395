//! Open311 GeoReport v2 conformance against the live server: the checklist of peers.md §1.12 —
//! XML and JSON at parity, list wrappers on single items, string ids, empty parameters as absent,
//! zone-less dates refused, the 90-day window, the 1,000 cap and paging, `service_request_id`
//! overriding other filters, 403 vs 404 vs 400 with the error list, multi-value attributes, the
//! 4,000-character limit, the token flow, discovery in both formats, repeated `media_url`, the
//! `service/{code}` alias — and no personal data in anything published.

use chrono::Duration;
use hotline_app::Clock;
use reqwest::Client;
use serde_json::{Value, json};

use crate::helpers::{NAME, PHONE, TestApp, expect_status, spawn_app};

pub(crate) async fn get(app: &TestApp, path: &str) -> reqwest::Response {
    Client::new().get(app.url(path)).send().await.expect("GET")
}

pub(crate) async fn get_json(app: &TestApp, path: &str) -> Value {
    expect_status(get(app, path).await, 200).await
}

async fn get_xml(app: &TestApp, path: &str) -> String {
    let res = get(app, path).await;
    assert_eq!(res.status(), 200, "{path}");
    assert_eq!(res.headers()["content-type"], "text/xml; charset=utf-8");
    let body = res.text().await.expect("body");
    assert!(body.starts_with(r#"<?xml version="1.0" encoding="utf-8"?>"#), "{body}");
    body
}

async fn post(app: &TestApp, format: &str, form: &[(&str, &str)]) -> reqwest::Response {
    Client::new().post(app.url(&format!("/open311/v2/requests.{format}"))).form(form).send().await.expect("POST")
}

/// An error answer: the status, and in JSON the spec's list of {code, description}.
async fn expect_error(res: reqwest::Response, status: u16) -> Value {
    assert_eq!(res.status().as_u16(), status);
    let body: Value = res.json().await.expect("a JSON error list");
    assert_eq!(body[0]["code"], status, "{body}");
    assert!(body[0]["description"].as_str().is_some_and(|d| !d.is_empty()));
    body
}

async fn api_key(app: &TestApp) -> String {
    app.token(&app.login("operator").await).await
}

/// A leaf service with required attributes (违章停车 → its first sub-service).
pub(crate) fn parking_service(services: &Value) -> String {
    services
        .as_array()
        .expect("services")
        .iter()
        .map(|s| s["service_code"].as_str().expect("code").to_owned())
        .find(|c| c.starts_with("TRF.illegal_parking."))
        .expect("a parking service")
}

#[tokio::test]
async fn discovery_services_and_definitions_are_served_in_xml_and_json_alike() {
    let app = spawn_app().await;
    let res = get(&app, "/open311/v2/discovery.json").await;
    assert_eq!(res.headers()["content-type"], "application/json; charset=utf-8");
    let d: Value = res.json().await.expect("json");
    assert_eq!(d["endpoints"][0]["specification"], "http://wiki.open311.org/GeoReport_v2");
    assert_eq!(d["endpoints"][0]["formats"], json!(["text/xml", "application/json"]));
    assert!(d["changeset"].as_str().is_some_and(|c| c.ends_with('Z')));
    let x = get_xml(&app, "/open311/v2/discovery.xml").await;
    assert!(x.contains("<formats><format>text/xml</format><format>application/json</format></formats>"), "{x}");

    let services = get_json(&app, "/open311/v2/services.json").await;
    let list = services.as_array().expect("a top-level array");
    assert!(list.len() > 300, "every leaf of the category tree");
    for s in list {
        assert!(s["service_code"].is_string() && s["group"].is_string() && s["metadata"].is_boolean());
        assert!(matches!(s["type"].as_str(), Some("realtime" | "batch")));
    }
    let xml = get_xml(&app, "/open311/v2/services.xml").await;
    assert_eq!(xml.matches("<service>").count(), list.len(), "the same services in XML");
    assert!(xml.contains("<group>交通管理</group>"), "UTF-8 Chinese as is");

    let code = parking_service(&services);
    let parking = list.iter().find(|s| s["service_code"] == code.as_str()).expect("listed");
    assert_eq!(parking["metadata"], true);
    let def = get_json(&app, &format!("/open311/v2/services/{code}.json")).await;
    assert_eq!(def["service_code"], code.as_str());
    let attrs = def["attributes"].as_array().expect("attributes");
    let blocking = attrs.iter().find(|a| a["code"] == "blocking").expect("the blocking question");
    assert_eq!((blocking["datatype"].as_str(), blocking["required"].as_bool()), (Some("multivaluelist"), Some(true)));
    assert!(blocking["values"].as_array().is_some_and(|v| v.iter().any(|x| x["key"] == "fire_lane")));
    let orders: Vec<i64> = attrs.iter().map(|a| a["order"].as_i64().expect("order")).collect();
    assert_eq!(orders, (1..=attrs.len() as i64).collect::<Vec<_>>(), "orders unique, from 1");
    let def_xml = get_xml(&app, &format!("/open311/v2/services/{code}.xml")).await;
    assert_eq!(def_xml.matches("<attribute>").count(), attrs.len());
    assert!(def_xml.contains("<values><value><key>fire_lane</key>"), "{def_xml}");
    // The singular alias some clients use.
    assert_eq!(get_json(&app, &format!("/open311/v2/service/{code}.json")).await, def);
    // Unknown service and unknown resource: 404 with the error list, in the asked format.
    expect_error(get(&app, "/open311/v2/services/NOPE.json").await, 404).await;
    let res = get(&app, "/open311/v2/services/NOPE.xml").await;
    assert_eq!(res.status(), 404);
    assert!(res.text().await.expect("body").contains("<errors><error><code>404</code>"));
    expect_error(get(&app, "/open311/v2/nothing.json").await, 404).await;
}

#[tokio::test]
async fn a_posted_request_becomes_an_order_received_like_any_other_and_is_published_without_personal_data() {
    let app = spawn_app().await;
    let key = api_key(&app).await;
    let services = get_json(&app, "/open311/v2/services.json").await;
    let code = parking_service(&services);
    let form = |extra: &[(&'static str, &'static str)]| -> Vec<(&'static str, String)> {
        let mut v: Vec<(&'static str, String)> = vec![
            ("service_code", code.clone()),
            ("description", "望京西园三区门口有车长期占用消防通道".into()),
            ("lat", "39.9963".into()),
            ("long", "116.4710".into()),
            ("first_name", "三丰".into()),
            ("last_name", "张".into()),
            ("phone", PHONE.into()),
            ("email", "zhang@example.org".into()),
            ("attribute[blocking][]", "fire_lane".into()),
            ("attribute[blocking][]", "entrance".into()),
            ("attribute[plate]", "京A12345".into()),
            ("media_url", "https://files.example.org/a.jpg".into()),
            ("media_url", "https://files.example.org/b.jpg".into()),
        ];
        v.extend(extra.iter().map(|(k, x)| (*k, (*x).to_owned())));
        v
    };
    let send = |body: Vec<(&'static str, String)>| {
        let url = app.url("/open311/v2/requests.json");
        async move { Client::new().post(url).form(&body).send().await.expect("POST") }
    };

    // 403 without or with a wrong key; nothing created.
    expect_error(send(form(&[])).await, 403).await;
    expect_error(send(form(&[("api_key", "not-a-key")])).await, 403).await;
    let mut with_key = form(&[]);
    with_key.push(("api_key", key.clone()));
    // 404 for an unknown service, 400 for what is missing or malformed.
    let swap = |k: &'static str, v: &str| -> Vec<(&'static str, String)> {
        with_key.iter().map(|(a, b)| if *a == k { (*a, v.to_owned()) } else { (*a, b.clone()) }).collect()
    };
    expect_error(send(swap("service_code", "NOPE.none")).await, 404).await;
    expect_error(send(swap("service_code", "")).await, 400).await;
    let no_location: Vec<_> = with_key.iter().filter(|(k, _)| !matches!(*k, "lat" | "long")).cloned().collect();
    expect_error(send(no_location).await, 400).await;
    let half: Vec<_> = with_key.iter().filter(|(k, _)| *k != "long").cloned().collect();
    expect_error(send(half).await, 400).await;
    let no_required: Vec<_> = with_key.iter().filter(|(k, _)| *k != "attribute[blocking][]").cloned().collect();
    let e = expect_error(send(no_required).await, 400).await;
    assert!(e[0]["description"].as_str().is_some_and(|d| d.contains("blocking")));
    expect_error(
        send(
            swap("attribute[plate]", "a")
                .into_iter()
                .map(|(k, v)| if k == "attribute[blocking][]" { (k, "moon".into()) } else { (k, v) })
                .collect(),
        )
        .await,
        400,
    )
    .await;
    expect_error(send(swap("description", &"长".repeat(4001))).await, 400).await;
    expect_error(send(swap("phone", "12")).await, 400).await;
    assert_eq!(app.total_orders().await, 0, "no refused request left an order");

    // Accepted: the request id, as a string, in a list of one.
    let created = expect_status(send(with_key.clone()).await, 200).await;
    let id = created[0]["service_request_id"].as_str().expect("an id string").to_owned();
    assert!(created[0]["token"].is_null());
    assert!(created[0]["service_notice"].is_string());
    // The order: received through open311, waiting for triage like any other, everything kept.
    let detail = app.detail(&id).await;
    let o = &detail["order"];
    assert_eq!((o["state"].as_str(), o["channel"].as_str()), (Some("received"), Some("open311")));
    assert_eq!(o["attachments"].as_array().map(Vec::len), Some(2), "both media_url");
    assert!(o["location"]["district"]["code"].is_string(), "the coordinates found their district");
    let stored = app.app.store.get_order(&hotline_domain::OrderNumber::parse(&id).expect("n")).await.expect("get").expect("order");
    let sub = stored.submission.expect("what the client sent");
    assert_eq!(sub.attributes["blocking"], ["fire_lane", "entrance"]);
    // Staff see what was chosen and answered on the order; never the e-mail.
    assert_eq!(o["submission"]["attributes"]["blocking"], json!(["fire_lane", "entrance"]));
    assert_eq!(o["submission"]["service_code"], code.replace('.', "/"));
    assert!(!detail.to_string().contains("zhang@example.org"));
    assert_eq!(sub.email.as_deref(), Some("zhang@example.org"));
    assert_eq!(stored.requester.name, "张三丰");
    // It goes through the same triage and dispatch as any other order.
    let op = app.login("operator").await;
    let triaged = app
        .act_ok(&op, &id, &json!({ "action": "triage", "nature": "complaint", "category": "TRF/illegal_parking", "urgency": "general" }))
        .await;
    assert_eq!(triaged["state"], "triaged");
    let dispatched = app
        .act_ok(&op, &id, &json!({ "action": "dispatch", "main_unit": app.unit(crate::helpers::WANGJING), "co_units": [], "note": "" }))
        .await;
    assert_eq!(dispatched["state"], "dispatched");

    // Published: JSON and XML, one request still in a list, never the name, phone or e-mail.
    let one = get_json(&app, &format!("/open311/v2/requests/{id}.json")).await;
    assert_eq!(one.as_array().map(Vec::len), Some(1));
    let r = &one[0];
    assert_eq!((r["service_request_id"].as_str(), r["status"].as_str()), (Some(id.as_str()), Some("open")));
    assert_eq!(r["service_code"], "TRF.illegal_parking", "the category the operator chose");
    assert_eq!(r["agency_responsible"], "望京街道");
    assert!(r["expected_datetime"].is_string() && r["lat"].is_number() && r["media_url"].is_string());
    let xml = get_xml(&app, &format!("/open311/v2/requests/{id}.xml")).await;
    assert!(xml.contains(&format!("<service_requests><request><service_request_id>{id}</service_request_id>")), "{xml}");
    for (label, body) in [("json", one.to_string()), ("xml", xml)] {
        for secret in [PHONE, NAME, "张三丰", "zhang@example.org", "13812345678"] {
            assert!(!body.contains(secret), "{label} publishes {secret}");
        }
    }
    let all = get(&app, "/open311/v2/requests.json?extensions=true").await.text().await.expect("body");
    assert!(!all.contains(PHONE) && !all.contains("张三丰"));
    expect_error(get(&app, "/open311/v2/requests/2026010100999.json").await, 404).await;
    expect_error(get(&app, "/open311/v2/requests/nonsense.json").await, 404).await;

    // XML POST answers in XML.
    let res = Client::new().post(app.url("/open311/v2/requests.xml")).form(&with_key).send().await.expect("POST xml");
    assert_eq!(res.status(), 200);
    assert!(res.text().await.expect("body").contains("<service_requests><request><service_request_id>"));
    let res = Client::new().post(app.url("/open311/v2/requests.xml")).form(&[("service_code", "x")]).send().await.expect("POST xml");
    assert_eq!(res.status(), 403);
    assert!(res.text().await.expect("body").contains("<errors><error><code>403</code>"));
}

#[tokio::test]
async fn a_batch_service_returns_a_token_that_resolves_to_the_request_id() {
    let app = spawn_app().await;
    let key = api_key(&app).await;
    let services = get_json(&app, "/open311/v2/services.json").await;
    let batch = services.as_array().expect("list").iter().find(|s| s["type"] == "batch").expect("a batch service");
    let code = batch["service_code"].as_str().expect("code");
    let res = post(
        &app,
        "json",
        &[("api_key", &key), ("service_code", code), ("address_string", "朝阳区望京西园三区"), ("description", "楼下有人聚众赌博")],
    )
    .await;
    let created = expect_status(res, 200).await;
    assert!(created[0]["service_request_id"].is_null(), "a token, never both");
    let token = created[0]["token"].as_str().expect("a token").to_owned();
    let resolved = get_json(&app, &format!("/open311/v2/tokens/{token}.json")).await;
    let id = resolved[0]["service_request_id"].as_str().expect("the id");
    assert_eq!(resolved[0]["token"], token.as_str());
    assert_eq!(app.detail(id).await["order"]["channel"], "open311");
    let xml = get_xml(&app, &format!("/open311/v2/tokens/{token}.xml")).await;
    assert!(xml.contains(&format!("<service_request_id>{id}</service_request_id><token>{token}</token>")));
    expect_error(get(&app, "/open311/v2/tokens/unknown.json").await, 404).await;
}

#[tokio::test]
async fn get_requests_applies_the_window_filters_paging_and_id_override() {
    let app = spawn_app().await;
    // Five orders 100 days ago, one now.
    let now = app.clock.now();
    app.clock.set(now - Duration::days(100));
    let op = app.login("operator").await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(crate::helpers::number_of(&app.dispatched_order(&op, crate::helpers::WANGJING).await));
    }
    app.clock.set(now);
    let op = app.login("operator").await;
    let recent = crate::helpers::number_of(&app.dispatched_order(&op, crate::helpers::WANGJING).await);
    let close = json!({ "action": "close", "note": "" });
    let wj = app.login("wangjing").await;
    app.drive_to_replied(&wj, &recent).await;
    app.act_ok(&app.login("supervisor").await, &recent, &close).await;

    // Default window: the last 90 days only.
    let listed = |v: &Value| {
        v.as_array().expect("list").iter().map(|r| r["service_request_id"].as_str().expect("id").to_owned()).collect::<Vec<_>>()
    };
    assert_eq!(listed(&get_json(&app, "/open311/v2/requests.json").await), [recent.as_str()]);
    // Empty parameters are absent ones.
    assert_eq!(listed(&get_json(&app, "/open311/v2/requests.json?status=&service_code=&start_date=").await), [recent.as_str()]);
    // The id list overrides every other filter (the old orders are outside the window).
    let q = format!(
        "/open311/v2/requests.json?service_request_id={},{}&status=open&start_date=2000-01-01T00:00:00Z&end_date=2000-01-02T00:00:00Z",
        ids[0], ids[1]
    );
    let mut got = listed(&get_json(&app, &q).await);
    got.sort();
    assert_eq!(got, [ids[0].clone(), ids[1].clone()]);
    // A window of their own, with a zone; paging within it.
    let start = (app.clock.now() - Duration::days(101)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let end = (app.clock.now() - Duration::days(99)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let window = format!("start_date={}&end_date={}", start.replace('+', "%2B"), end.replace('+', "%2B"));
    assert_eq!(listed(&get_json(&app, &format!("/open311/v2/requests.json?{window}")).await).len(), 5);
    let p1 = listed(&get_json(&app, &format!("/open311/v2/requests.json?{window}&page_size=2&page=1")).await);
    let p3 = listed(&get_json(&app, &format!("/open311/v2/requests.json?{window}&page_size=2&page=3")).await);
    assert_eq!((p1.len(), p3.len()), (2, 1));
    assert!(!p1.contains(&p3[0]));
    // Status and service_code filters.
    assert_eq!(listed(&get_json(&app, "/open311/v2/requests.json?status=closed").await), [recent.as_str()]);
    assert!(listed(&get_json(&app, "/open311/v2/requests.json?status=open").await).is_empty());
    assert_eq!(listed(&get_json(&app, "/open311/v2/requests.json?service_code=TRF.illegal_parking,ENV.noise").await), [recent.as_str()]);
    assert!(listed(&get_json(&app, "/open311/v2/requests.json?service_code=ENV.noise").await).is_empty());
    // updated_after: the closed order changed today.
    let today = (app.clock.now() - Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert_eq!(listed(&get_json(&app, &format!("/open311/v2/requests.json?updated_after={today}")).await), [recent.as_str()]);
    // Refusals: a date without a zone, a span over 90 days, an unknown status, a bad page.
    expect_error(get(&app, "/open311/v2/requests.json?start_date=2026-01-01T00:00:00").await, 400).await;
    expect_error(get(&app, "/open311/v2/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z").await, 400).await;
    expect_error(get(&app, "/open311/v2/requests.json?status=pending").await, 400).await;
    expect_error(get(&app, "/open311/v2/requests.json?page=0").await, 400).await;
    // XML parity and extensions: the public timeline as notes.
    let xml = get_xml(&app, "/open311/v2/requests.xml?extensions=true").await;
    assert_eq!(xml.matches("<request>").count(), 1);
    assert!(xml.contains("<notes><note>") && xml.contains("<type>close</type>"), "{xml}");
    let ext = get_json(&app, "/open311/v2/requests.json?extensions=true").await;
    assert_eq!(ext[0]["extended_attributes"]["channel"], "phone");
    assert!(ext[0]["notes"].as_array().is_some_and(|n| n.iter().any(|x| x["type"] == "reply")));

    // The updates feed: today's public events, oldest first.
    let updates = get_json(&app, "/open311/v2/servicerequestupdates.json").await;
    let list = updates.as_array().expect("list");
    assert!(list.iter().all(|u| u["service_request_id"] == recent.as_str() && u["update_id"].is_string()));
    assert_eq!(list.last().map(|u| u["status"].clone()), Some(json!("fixed")), "closed after a resolved reply");
    assert!(list.iter().any(|u| u["description"] == "已清理占道车辆，问题已解决。"), "the reply text");
    let xml = get_xml(&app, "/open311/v2/servicerequestupdates.xml").await;
    assert_eq!(xml.matches("<request_update>").count(), list.len());
}

#[tokio::test]
async fn a_client_systems_update_is_recorded_once_on_the_timeline_and_the_unit_is_told() {
    let app = spawn_app().await;
    let key = api_key(&app).await;
    let op = app.login("operator").await;
    let id = crate::helpers::number_of(&app.dispatched_order(&op, crate::helpers::WANGJING).await);
    let form = |update_id: &str| {
        vec![
            ("api_key", key.clone()),
            ("service_request_id", id.clone()),
            ("update_id", update_id.to_owned()),
            ("updated_datetime", "2026-03-02T11:00:00+08:00".to_owned()),
            ("status", "OPEN".to_owned()),
            ("description", "车辆仍在，今天早上又停了".to_owned()),
            ("media_url", "https://files.example.org/c.jpg".to_owned()),
        ]
    };
    let send = |body: Vec<(&'static str, String)>| {
        let url = app.url("/open311/v2/servicerequestupdates.json");
        async move { Client::new().post(url).form(&body).send().await.expect("POST") }
    };
    let without_key: Vec<_> = form("fms-1").into_iter().filter(|(k, _)| *k != "api_key").collect();
    expect_error(send(without_key).await, 403).await;
    let no_text: Vec<_> = form("fms-1").into_iter().filter(|(k, _)| *k != "description").collect();
    expect_error(send(no_text).await, 400).await;
    let zoneless: Vec<_> =
        form("fms-1").into_iter().map(|(k, v)| if k == "updated_datetime" { (k, "2026-03-02T11:00:00".into()) } else { (k, v) }).collect();
    expect_error(send(zoneless).await, 400).await;
    let unknown: Vec<_> =
        form("fms-1").into_iter().map(|(k, v)| if k == "service_request_id" { (k, "2026010100999".into()) } else { (k, v) }).collect();
    expect_error(send(unknown).await, 404).await;

    let ok = expect_status(send(form("fms-1")).await, 200).await;
    assert_eq!(ok[0]["update_id"], "fms-1");
    // The same update again (a retry): the same answer, nothing recorded twice.
    assert_eq!(expect_status(send(form("fms-1")).await, 200).await, ok);
    let detail = app.detail(&id).await;
    let events = detail["timeline"].as_array().expect("timeline");
    let updates: Vec<&Value> = events.iter().filter(|e| e["kind"] == "external_update").collect();
    assert_eq!(updates.len(), 1, "recorded once");
    assert_eq!(updates[0]["reason"], "车辆仍在，今天早上又停了");
    assert_eq!(updates[0]["payload"]["status"], "OPEN");
    assert_eq!(detail["order"]["state"], "dispatched", "the centre decides the state, not the client");
    let wj = app.login("wangjing").await;
    let notes = expect_status(wj.get(app.url("/api/v1/notifications")).send().await.expect("GET"), 200).await;
    assert!(notes.as_array().expect("list").iter().any(|n| n["kind"] == "external_update"));
    // The unit can still act on the order (the note did not move its version under it).
    app.act_ok(&wj, &id, &json!({ "action": "sign" })).await;
    // XML answer.
    let res = Client::new().post(app.url("/open311/v2/servicerequestupdates.xml")).form(&form("fms-2")).send().await.expect("POST");
    assert_eq!(res.status(), 200);
    assert!(res.text().await.expect("body").contains("<service_request_updates><request_update><update_id>fms-2</update_id>"));
}

/// A multipart/form-data body by hand: text fields, then files.
fn multipart_body(fields: &[(&str, &str)], files: &[(&str, &str, &str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "hotline-test-boundary-7f3a";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes());
    }
    for (name, file_name, content_type, bytes) in files {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn uploaded_media_are_stored_win_over_media_url_and_are_served_safely() {
    let app = spawn_app().await;
    let key = api_key(&app).await;
    let services = get_json(&app, "/open311/v2/services.json").await;
    let code = parking_service(&services);
    let png: Vec<u8> = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'].into_iter().chain((0..=255u8).cycle().take(70_000)).collect();
    let fields = [
        ("api_key", key.as_str()),
        ("service_code", code.as_str()),
        ("address_string", "朝阳区望京西园三区 3 号楼"),
        ("description", "消防通道被占（附照片）"),
        ("attribute[blocking][]", "fire_lane"),
        ("media_url", "https://files.example.org/ignored.jpg"),
    ];
    let (content_type, body) = multipart_body(
        &fields,
        &[("media[]", "门口.png", "image/png", &png), ("media[]", "note.html", "text/html", b"<script>alert(1)</script>")],
    );
    let res = Client::new()
        .post(app.url("/open311/v2/requests.json"))
        .header("content-type", &content_type)
        .body(body)
        .send()
        .await
        .expect("POST");
    let created = expect_status(res, 200).await;
    let id = created[0]["service_request_id"].as_str().expect("id").to_owned();
    let detail = app.detail(&id).await;
    let attachments = detail["order"]["attachments"].as_array().expect("attachments").clone();
    assert_eq!(attachments.len(), 2, "the two files, not the media_url: {attachments:?}");
    assert_eq!((attachments[0]["file_name"].as_str(), attachments[0]["size_bytes"].as_u64()), (Some("门口.png"), Some(png.len() as u64)));
    let url = attachments[0]["url"].as_str().expect("url").to_owned();
    assert!(url.starts_with("/open311/v2/media/"), "{url}");
    // Under an unguessable id, not the row's number: one photo does not lead to the next.
    let media_id = url.trim_start_matches("/open311/v2/media/");
    assert!(media_id.len() == 32 && media_id.bytes().all(|b| b.is_ascii_hexdigit()), "{media_id}");
    expect_error(get(&app, "/open311/v2/media/1").await, 404).await;
    let one = get_json(&app, &format!("/open311/v2/requests/{id}.json")).await;
    assert_eq!(one[0]["media_url"], url.as_str());
    // Served exactly; an image inline, anything else as a download that cannot run here.
    let res = get(&app, &url).await;
    assert_eq!((res.status().as_u16(), res.headers()["content-type"].to_str().expect("ct")), (200, "image/png"));
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.bytes().await.expect("bytes").to_vec(), png);
    let html = get(&app, attachments[1]["url"].as_str().expect("url")).await;
    assert_eq!(html.headers()["content-disposition"], "attachment");
    assert_eq!(html.headers()["content-security-policy"], "sandbox");
    expect_error(get(&app, "/open311/v2/media/999999").await, 404).await;
    expect_error(get(&app, "/open311/v2/media/x").await, 404).await;

    // Six files are too many; a bad key still 403 before anything is stored.
    let files: Vec<(&str, &str, &str, &[u8])> = (0..6).map(|_| ("media[]", "a.png", "image/png", &png[..100])).collect();
    let (ct, body) = multipart_body(&fields, &files);
    let res = Client::new().post(app.url("/open311/v2/requests.json")).header("content-type", &ct).body(body).send().await.expect("POST");
    expect_error(res, 400).await;
    let (ct, body) =
        multipart_body(&[("api_key", "wrong"), ("service_code", code.as_str())], &[("media[]", "a.png", "image/png", &png[..100])]);
    let res = Client::new().post(app.url("/open311/v2/requests.json")).header("content-type", &ct).body(body).send().await.expect("POST");
    expect_error(res, 403).await;
    assert_eq!(app.total_orders().await, 1);
}

#[tokio::test]
async fn get_requests_returns_at_most_1000_and_pages_past_them() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let first = crate::helpers::number_of(&app.dispatched_order(&op, crate::helpers::WANGJING).await);
    let order = app.app.store.get_order(&hotline_domain::OrderNumber::parse(&first).expect("n")).await.expect("get").expect("order");
    let local_date = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).expect("date");
    let copies: Vec<_> = (0..1004)
        .map(|_| {
            let mut o = order.clone();
            o.case_id = hotline_domain::CaseId(0);
            hotline_store::ImportedOrder { order: o, events: Vec::new(), local_date }
        })
        .collect();
    assert_eq!(app.app.store.import_orders(&copies, None).await.expect("import"), 1004);
    let all = get_json(&app, "/open311/v2/requests.json").await;
    assert_eq!(all.as_array().map(Vec::len), Some(1000), "the spec's cap");
    let page2 = get_json(&app, "/open311/v2/requests.json?page=2").await;
    assert_eq!(page2.as_array().map(Vec::len), Some(5), "1,005 in all");
    let small = get_json(&app, "/open311/v2/requests.json?page_size=5000").await;
    assert_eq!(small.as_array().map(Vec::len), Some(1000), "page_size is capped too");
}

#[tokio::test]
async fn a_confidential_request_is_listed_without_its_text_place_or_reply() {
    let app = spawn_app().await;
    let operator = app.login("operator").await;
    let order = app.dispatched_order_with(&operator, crate::helpers::WANGJING, &[], true).await;
    let number = order["number"].as_str().expect("number").to_owned();
    let one = get_json(&app, &format!("/open311/v2/requests/{number}.json")).await;
    let r = &one[0];
    assert_eq!(r["service_request_id"], number.as_str(), "still listed, so counts and states stay true");
    assert!(r["description"].as_str().is_some_and(|d| d.contains("保密") && d.contains("Withheld")), "{r}");
    assert!(!one.to_string().contains("望京西园三区"), "no address or text: {one}");
    assert!(r["lat"].is_null() && r["long"].is_null() && r["address"].as_str().is_none_or(str::is_empty), "{r}");
    let xml = get_xml(&app, &format!("/open311/v2/requests/{number}.xml")).await;
    assert!(!xml.contains("望京西园三区") && xml.contains("Withheld"), "{xml}");
}
