//! Triage over the API: the same engine as `hotline triage`, with place, unit and duplicates.

use serde_json::{Value, json};

use crate::helpers::{TestApp, WANGJING, expect_problem, expect_status, spawn_app};

async fn triage(app: &TestApp, who: &str, text: &str) -> Value {
    let client = app.login(who).await;
    expect_status(client.post(app.url("/api/v1/triage")).json(&json!({ "text": text })).send().await.expect("POST triage"), 200).await
}

#[tokio::test]
async fn an_emergency_is_never_suggested_as_a_general_request() {
    let app = spawn_app().await;
    for text in [
        "厨房一股臭鸡蛋味儿，灶台也没开，是不是哪儿漏了",
        "电梯卡在两层中间了里面有老人",
        "There's smoke coming out of the flat next door!",
    ] {
        let t = triage(&app, "operator", text).await;
        assert_eq!(t["urgency"], "emergency", "{text}: {t:#}");
        assert!(t["rule"]["rule"].is_string(), "{text}: a rule decided it");
        assert_ne!(t["disposition"], "answer");
    }
    let t = triage(&app, "operator", "对面楼着火了，七八层往外冒黑烟").await;
    assert_eq!(t["disposition"], "transfer_119");
}

#[tokio::test]
async fn a_danger_told_only_by_its_circumstances_is_flagged_with_its_reason_and_a_past_one_is_not_an_emergency() {
    let app = spawn_app().await;
    for text in [
        "河边冰面上有几个小孩在玩，冰都快化了",
        "五楼空调外机就剩一个角挂着了，一直晃，楼下就是小学门口",
        "我妈正在电话里跟一个自称公安的人说话，说要把存款转到安全账户",
    ] {
        let t = triage(&app, "operator", text).await;
        let level = t["emergency"]["level"].as_str().expect("a level");
        assert!(level == "emergency" || level == "possible", "{text}: {t:#}");
        assert!(!t["emergency"]["reason_zh"].as_str().unwrap_or("").is_empty(), "a reason: {t:#}");
        assert!(t["emergency"]["situations"].as_array().is_some_and(|s| !s.is_empty()), "{t:#}");
        assert_ne!(t["disposition"], "answer", "{text}");
    }
    let t = triage(&app, "operator", "上周楼里电梯困人，人已经救出来了，想问问电梯年检合格标志贴在哪儿").await;
    assert_ne!(t["emergency"]["level"], "emergency", "{t:#}");
    assert_ne!(t["urgency"], "emergency", "{t:#}");
    let t = triage(&app, "operator", "请问居住证怎么办理").await;
    assert_eq!(t["emergency"]["level"], "none");
}

#[tokio::test]
async fn triage_names_the_place_the_unit_and_three_alternatives_per_decision() {
    let app = spawn_app().await;
    let t = triage(&app, "operator", "市民来电反映：朝阳区望京街道望京西园三区小区门口长期有车辆乱停，占用消防通道").await;
    assert_eq!(t["district"], "朝阳区");
    assert_eq!(t["street"], "望京街道");
    assert_eq!(t["category"], "TRF", "{t:#}");
    assert_eq!(t["disposition"], "dispatch");
    assert!(t["unit"]["code"].is_string(), "the catalogue names a unit: {t:#}");
    for decision in ["nature", "category", "urgency", "disposition"] {
        let alts = t["alternatives"][decision].as_array().expect("alternatives");
        assert!(!alts.is_empty() && alts.len() <= 3, "{decision}");
        assert!(alts.iter().all(|c| c["p"].as_f64().is_some_and(|p| (0.0..=1.0).contains(&p)) && c["label_zh"].is_string()));
    }
    let span = t["place"]["span"].as_array().expect("a span");
    assert_eq!(span.len(), 2);
    let consult = triage(&app, "operator", "请问今年供暖什么时候开始？").await;
    assert_eq!((consult["nature"].as_str(), consult["disposition"].as_str()), (Some("consult"), Some("answer")), "{consult:#}");
}

#[tokio::test]
async fn a_repeat_of_an_open_order_at_the_same_street_is_suggested_as_its_duplicate() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let order = expect_status(app.create_order(&op, &crate::helpers::dispatch_body(app.unit(WANGJING))).await, 201).await;
    let number = order["number"].as_str().expect("number").to_owned();
    let t = triage(&app, "operator", "望京西园三区小区门口又有车辆乱停，占用消防通道，上次反映了还没处理").await;
    assert_eq!(t["duplicate_of"], number, "{t:#}");
    assert_eq!(t["disposition"], "duplicate");
    assert_eq!(t["duplicates"][0]["id"], number);
}

#[tokio::test]
async fn units_may_not_triage_and_empty_or_huge_text_is_refused() {
    let app = spawn_app().await;
    let unit = app.login("wangjing").await;
    let res = unit.post(app.url("/api/v1/triage")).json(&json!({ "text": "暖气不热" })).send().await.expect("POST");
    expect_problem(res, 403, "forbidden").await;
    let op = app.login("operator").await;
    let res = op.post(app.url("/api/v1/triage")).json(&json!({ "text": "  " })).send().await.expect("POST");
    expect_problem(res, 422, "required").await;
    let res = op.post(app.url("/api/v1/triage")).json(&json!({ "text": "字".repeat(4001) })).send().await.expect("POST");
    expect_problem(res, 422, "too_long").await;
}

#[tokio::test]
async fn the_cli_and_the_api_give_the_same_answers() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let lines: Vec<&str> = include_str!("../../../hotline-triage/data/handwritten.jsonl").lines().take(60).collect();
    let dir = std::env::temp_dir().join(format!("hotline-triage-same-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let input = dir.join("in.jsonl");
    std::fs::write(&input, lines.join("\n")).expect("write input");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hotline"))
        .arg("triage")
        .arg(&input)
        .current_dir(&dir)
        .env_remove("HOTLINE_DATABASE_URL")
        .output()
        .expect("run hotline triage");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let answers: Vec<Value> = String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
    assert_eq!(answers.len(), lines.len(), "one answer per line, in order");
    for (line, cli) in lines.iter().zip(&answers) {
        let input: Value = serde_json::from_str(line).expect("input line");
        assert_eq!(cli["id"], input["id"]);
        let api =
            expect_status(op.post(app.url("/api/v1/triage")).json(&json!({ "text": input["text"] })).send().await.expect("POST"), 200)
                .await;
        for field in ["nature", "category", "category_path", "urgency", "district", "street"] {
            assert_eq!(cli[field], api[field], "{field} of {}", input["id"]);
        }
        // Duplicates differ by design: the CLI compares lines of its input, the API stored orders.
        if cli["disposition"] != "duplicate" && api["disposition"] != "duplicate" {
            assert_eq!(cli["disposition"], api["disposition"], "disposition of {}", input["id"]);
            assert_eq!(cli["unit"]["code"], api["unit"]["code"], "unit of {}", input["id"]);
        }
        for field in [
            "id",
            "nature",
            "category",
            "category_path",
            "urgency",
            "disposition",
            "district",
            "street",
            "unit",
            "confidence",
            "duplicate_of",
        ] {
            assert!(cli.get(field).is_some(), "triage.md field {field} is present");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn what_triage_suggested_is_kept_on_the_triage_event_beside_what_the_operator_chose() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let mut body = crate::helpers::dispatch_body(app.unit(WANGJING));
    body["suggestion"] =
        json!({ "model": "m1", "nature": "help", "category": "TRF/illegal_parking", "urgency": "general", "disposition": "dispatch" });
    let order = expect_status(app.create_order(&op, &body).await, 201).await;
    let detail = app.detail(order["number"].as_str().expect("number")).await;
    let events = detail["events"].as_array().or_else(|| detail["timeline"].as_array()).expect("events");
    let triage = events.iter().find(|e| e["kind"] == "triage").expect("a triage event");
    let suggested = &triage["payload"]["suggested"];
    assert_eq!(suggested["model"], "m1");
    assert_eq!(suggested["accepted"], json!({ "nature": false, "category": true, "urgency": true, "disposition": true }), "{triage:#}");

    // An oversized suggestion is refused like any other field, and nothing is written.
    let before = app.total_orders().await;
    body["suggestion"]["model"] = json!("m".repeat(101));
    expect_problem(app.create_order(&op, &body).await, 422, "too_long").await;
    assert_eq!(app.total_orders().await, before);
}
