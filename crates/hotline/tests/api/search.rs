//! Search over the API: past orders by words (Chinese two-character words, English, mixed), ranked
//! and marked, narrowed by filters, limited to what the searcher may see; a consultation answered
//! from an article, and the article's use counted; bad searches refused with a reason; the index
//! following changes and surviving a restart.

use reqwest::Client;
use serde_json::{Value, json};

use crate::helpers::{TestApp, WANGJING, ZHONGGUANCUN, expect_problem, expect_status, number_of, order_body, spawn_app};

/// Files an order dispatched to the unit `code`, with `description`; returns its number.
async fn file(app: &TestApp, operator: &Client, code: &str, description: &str, address: &str) -> String {
    let mut body = order_body();
    body["description"] = json!(description);
    body["location"] = json!({ "address": address });
    body["triage"] = json!({ "nature": "complaint", "category": "TRF/illegal_parking", "urgency": "general" });
    body["disposition"] = json!({ "action": "dispatch", "main_unit": app.unit(code), "co_units": [] });
    number_of(&expect_status(app.create_order(operator, &body).await, 201).await)
}

async fn search(app: &TestApp, client: &Client, query: &str) -> Value {
    expect_status(client.get(app.url(&format!("/api/v1/search/orders?{query}"))).send().await.expect("GET search"), 200).await
}

fn numbers(found: &Value) -> Vec<String> {
    found["hits"].as_array().expect("hits").iter().map(|h| h["number"].as_str().expect("number").to_owned()).collect()
}

fn q(text: &str) -> String {
    format!("q={}", urlencode(text))
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[tokio::test]
async fn past_orders_are_found_by_chinese_words_english_and_both_ranked_and_marked() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let parking = file(&app, &op, WANGJING, "小区门口乱停车，堵住了消防通道", "望京西园三区").await;
    let garage = file(&app, &op, WANGJING, "地下停车位被别人长期占用，物业不管", "望京花园").await;
    let lift = file(&app, &op, ZHONGGUANCUN, "3号楼电梯故障，老人被困在家下不了楼", "中关村南路").await;
    let english = file(&app, &op, ZHONGGUANCUN, "The elevator in building 5 has been broken for a week", "Zhongguancun").await;
    let wifi = file(&app, &op, WANGJING, "小区WiFi信号太差，宽带经常断", "望京东园").await;
    app.app.sync_search().await.expect("index");

    assert_eq!(
        sorted(numbers(&search(&app, &op, &q("停车")).await)),
        sorted(vec![parking.clone(), garage.clone()]),
        "停车 inside 乱停车 and 停车位"
    );
    assert_eq!(numbers(&search(&app, &op, &q("电梯")).await), [lift.as_str()]);
    assert_eq!(numbers(&search(&app, &op, &q("车位")).await), [garage.as_str()], "a word spanning two others");
    assert_eq!(numbers(&search(&app, &op, &q("elevators broken")).await), [english.as_str()], "English by word forms");
    assert_eq!(sorted(numbers(&search(&app, &op, &q("elevator 电梯")).await)), sorted(vec![lift.clone(), english.clone()]), "mixed");
    assert_eq!(numbers(&search(&app, &op, &q("wifi 信号")).await), [wifi.as_str()]);
    assert_eq!(numbers(&search(&app, &op, &q("望京花园")).await)[0], garage, "the address is searched too");

    // Ranking: the order with more of the query's words first.
    let ranked = search(&app, &op, &q("乱停车 消防通道")).await;
    assert_eq!(numbers(&ranked)[0], parking);
    assert!(ranked["hits"][0]["score"].as_f64() > ranked["hits"].get(1).and_then(|h| h["score"].as_f64()).or(Some(0.0)));
    let marks: Vec<&str> = ranked["hits"][0]["description"]
        .as_array()
        .expect("snippet")
        .iter()
        .filter(|s| s["hit"] == true)
        .filter_map(|s| s["text"].as_str())
        .collect();
    assert_eq!(marks, ["乱停车", "消防通道"], "the matched words are marked");
    // Read by words (乱 / 停车 / 消防通道), each word matched on its bigrams.
    assert_eq!(ranked["terms"], json!(["乱", "停车", "消防", "防通", "通道"]));
    assert_eq!(ranked["total"], 2);

    // Filters: district, state, date; paging.
    let chaoyang = app.unit(crate::helpers::CHAOYANG);
    let in_district = search(&app, &op, &format!("{}&district={chaoyang}", q("小区"))).await;
    assert!(numbers(&in_district).iter().all(|n| [&parking, &garage, &wifi].contains(&n)), "{in_district}");
    assert!(numbers(&search(&app, &op, &format!("{}&state=closed", q("停车"))).await).is_empty());
    assert_eq!(numbers(&search(&app, &op, &format!("{}&from=2026-03-02&to=2026-03-02", q("电梯"))).await), [lift.as_str()]);
    assert!(numbers(&search(&app, &op, &format!("{}&from=2026-03-03", q("电梯"))).await).is_empty());
    let page = search(&app, &op, &format!("{}&limit=1&offset=1", q("停车"))).await;
    assert_eq!((page["total"].as_u64(), numbers(&page).len()), (Some(2), 1));
    assert!(numbers(&search(&app, &op, &format!("{}&exclude={parking}", q("乱停车"))).await).iter().all(|n| *n != parking));
}

#[tokio::test]
async fn a_unit_finds_only_its_own_orders_and_a_citizen_none() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let ours = file(&app, &op, WANGJING, "楼道堆放杂物，存在消防隐患", "望京").await;
    let theirs = file(&app, &op, ZHONGGUANCUN, "楼道堆放杂物，邻居不听劝", "中关村").await;
    app.app.sync_search().await.expect("index");
    let wangjing = app.login("wangjing").await;
    assert_eq!(numbers(&search(&app, &wangjing, &q("楼道 杂物")).await), [ours.as_str()]);
    let zgc = app.login("zhongguancun").await;
    assert_eq!(numbers(&search(&app, &zgc, &q("楼道 杂物")).await), [theirs.as_str()]);
    assert_eq!(sorted(numbers(&search(&app, &op, &q("楼道 杂物")).await)), sorted(vec![ours, theirs]), "the centre sees all");
    expect_problem(
        Client::new().get(app.url(&format!("/api/v1/search/orders?{}", q("楼道")))).send().await.expect("GET"),
        401,
        "unauthenticated",
    )
    .await;
    // No order text reaches the public article search.
    let public =
        expect_status(Client::new().get(app.url(&format!("/api/v1/search/articles?{}", q("楼道 杂物")))).send().await.expect("GET"), 200)
            .await;
    assert_eq!(public["total"], 0);
}

#[tokio::test]
async fn bad_searches_are_refused_with_a_reason() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let get = |query: String| {
        let (url, op) = (app.url(&format!("/api/v1/search/orders?{query}")), op.clone());
        async move { op.get(url).send().await.expect("GET") }
    };
    expect_problem(get("q=".into()).await, 422, "query_required").await;
    expect_problem(get("q=%20%20".into()).await, 422, "query_required").await;
    expect_problem(get(q(&"停车".repeat(1_001))).await, 422, "query_too_long").await;
    expect_problem(get(format!("{}&limit=0", q("停车"))).await, 422, "invalid_limit").await;
    expect_problem(get(format!("{}&limit=101", q("停车"))).await, 422, "invalid_limit").await;
    expect_problem(get(format!("{}&offset=10001", q("停车"))).await, 422, "invalid_offset").await;
    expect_problem(get(format!("{}&state=flying", q("停车"))).await, 422, "unknown_state").await;
    expect_problem(get(format!("{}&from=2026-03-05&to=2026-03-01", q("停车"))).await, 422, "invalid_range").await;
    expect_problem(get(format!("{}&exclude=abc", q("停车"))).await, 422, "invalid_order_number").await;
    expect_problem(get(format!("{}&district=abc", q("停车"))).await, 422, "invalid_id").await;
    expect_problem(get("nature=gossip".into()).await, 422, "unknown_code").await;
    // No words but a filter: the orders it selects, newest first.
    expect_status(get("age_group=senior".into()).await, 200).await;
    expect_problem(Client::new().get(app.url("/api/v1/search/articles?q=")).send().await.expect("GET"), 422, "query_required").await;
    // Hostile text is just text: no error, nothing found, nothing echoed as markup.
    let odd = search(&app, &op, &q("<script>alert(1)</script> ' or 1=1 --")).await;
    assert_eq!(odd["total"], 0);
}

#[tokio::test]
async fn an_operator_answers_a_consultation_from_an_article_and_its_use_is_counted() {
    let app = spawn_app().await;
    let files: Vec<(String, String)> = hotline::seed::SAMPLE_ARTICLES.iter().map(|(n, t)| ((*n).to_owned(), (*t).to_owned())).collect();
    app.app.import_articles(&files, "test").await.expect("import");
    app.app.sync_search().await.expect("index");
    let op = app.login("operator").await;
    // What the intake page asks as the operator types.
    let found = expect_status(
        op.get(app.url(&format!("/api/v1/search/articles?{}&limit=5", q("暖气不热，供暖什么时候开始")))).send().await.expect("GET"),
        200,
    )
    .await;
    assert_eq!(found["hits"][0]["slug"], "heating-season", "{found:#}");

    let mut body = order_body();
    body["description"] = json!("来电咨询今年供暖什么时候开始，暖气不热找谁");
    body["triage"] = json!({ "nature": "consult", "category": "UTL/heating/season", "urgency": "general" });
    body["disposition"] =
        json!({ "action": "answer", "answer": "已依据知识库答复：供暖期为11月15日至次年3月15日。", "article": "heating-season" });
    let order = expect_status(app.create_order(&op, &body).await, 201).await;
    assert_eq!(order["state"], "answered_directly");
    assert_eq!(
        (order["answer"]["article"]["slug"].as_str(), order["answer"]["article"]["version"].as_i64()),
        (Some("heating-season"), Some(1))
    );
    let detail = app.detail(&number_of(&order)).await;
    let answer = detail["timeline"].as_array().expect("timeline").iter().find(|e| e["kind"] == "answer").expect("answer event").clone();
    assert_eq!(answer["payload"]["article"]["slug"], "heating-season", "the event records the article");
    let article = expect_status(Client::new().get(app.url("/api/v1/kb/articles/heating-season")).send().await.expect("GET"), 200).await;
    assert_eq!(article["uses"], 1, "the knowledge base's use is counted");
    // The order page names the article.
    let page = op.get(app.url(&format!("/orders/{}", number_of(&order)))).send().await.expect("GET").text().await.expect("page");
    assert!(page.contains("href=\"/kb/heating-season\""), "the order page links the article");

    // Only a released article is an answer.
    body["disposition"]["article"] = json!("no-such-article");
    expect_problem(app.create_order(&op, &body).await, 422, "unknown_article").await;
    let sup = app.login("supervisor").await;
    let draft = "---\nslug: draft-only\ntitle_zh: 草稿文章\nowner: D-CGW\nstatus: draft\n---\n尚未发布的草稿内容。\n";
    expect_status(sup.post(app.url("/api/v1/kb/articles")).json(&json!({ "markdown": draft })).send().await.expect("POST"), 200).await;
    body["disposition"]["article"] = json!("draft-only");
    expect_problem(app.create_order(&op, &body).await, 422, "unknown_article").await;
}

#[tokio::test]
async fn the_index_follows_replies_and_resumes_after_a_restart() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let number = file(&app, &op, WANGJING, "小区门口乱停车", "望京").await;
    // (The server's own indexer may have read it already; a pass here makes sure.)
    app.app.sync_search().await.expect("index");
    let handler = app.login("wangjing").await;
    app.drive_to_replied(&handler, &number).await;
    app.app.sync_search().await.expect("index the reply");
    let found = search(&app, &op, &q("占道车辆")).await;
    assert_eq!(numbers(&found), [number.as_str()], "the reply is searchable");
    assert_eq!(found["hits"][0]["state"], "replied");
    assert!(found["hits"][0]["reply"].as_array().expect("reply").iter().any(|s| s["hit"] == true));

    // A node keeping its index in a directory resumes there after a restart; a fresh one rebuilds.
    let dir = std::env::temp_dir().join(format!("hotline-search-resume-{}-{}", std::process::id(), number));
    let _ = std::fs::remove_dir_all(&dir);
    {
        let node = app.another_node().await;
        node.install_search_index(hotline_search::SearchIndex::open(Some(&dir)).expect("open the index"));
        let built = node.sync_search().await.expect("build");
        assert!(built.rebuilt && built.orders >= 1, "{built:?}");
    }
    let restarted = app.another_node().await;
    restarted.install_search_index(hotline_search::SearchIndex::open(Some(&dir)).expect("reopen the index"));
    let resumed = restarted.sync_search().await.expect("resume");
    assert_eq!((resumed.rebuilt, resumed.orders), (false, 0), "nothing to read again: {resumed:?}");
    let later = file(&app, &op, WANGJING, "路灯不亮", "望京").await;
    let caught_up = restarted.sync_search().await.expect("catch up");
    assert_eq!((caught_up.rebuilt, caught_up.orders), (false, 1), "only the new order is read");
    let who = restarted.login("operator", hotline::demo::DEMO_PASSWORD).await.expect("login").principal;
    let input = hotline_app::search::OrderSearchInput { q: "路灯".into(), ..Default::default() };
    assert_eq!(restarted.search_orders(&who, &input).await.expect("search").hits[0].number, later);
    drop(restarted);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_unit_is_not_shown_an_order_moved_away_even_before_the_index_has_read_the_move() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let wj = app.login("wangjing").await;
    let sup = app.login("supervisor").await;
    let number = file(&app, &op, WANGJING, "中关村大街路灯不亮", "中关村大街").await;
    // A node whose index is read only when this test says so.
    let node = app.another_node().await;
    node.sync_search().await.expect("index");
    let wangjing = node.login("wangjing", hotline::demo::DEMO_PASSWORD).await.expect("login").principal;
    let input = hotline_app::search::OrderSearchInput { q: "路灯".into(), ..Default::default() };
    assert_eq!(node.search_orders(&wangjing, &input).await.expect("search").hits.len(), 1);

    // Re-dispatched to 中关村街道; this node has not read the change yet.
    app.act_ok(&wj, &number, &json!({ "action": "sign" })).await;
    app.act_ok(&wj, &number, &json!({ "action": "dispute", "reason": "事发地在海淀区", "proposed_unit": app.unit(ZHONGGUANCUN) })).await;
    let redispatch = json!({ "action": "arbitrate", "decision": "redispatch", "main_unit": app.unit(ZHONGGUANCUN), "reason": "改派" });
    app.act_ok(&sup, &number, &redispatch).await;
    assert!(node.search_orders(&wangjing, &input).await.expect("search").hits.is_empty(), "checked against the store, not the index");
    node.sync_search().await.expect("read the move");
    let zgc = node.login("zhongguancun", hotline::demo::DEMO_PASSWORD).await.expect("login").principal;
    assert_eq!(node.search_orders(&zgc, &input).await.expect("search").hits.len(), 1, "the new unit finds it");
}

#[tokio::test]
async fn an_article_unpublished_a_moment_ago_is_not_shown_to_citizens_and_draft_versions_stay_with_their_owner() {
    let app = spawn_app().await;
    let sup = app.login("supervisor").await;
    let md = |status: &str| {
        format!("---\nslug: notice\ntitle_zh: 停水通知\nowner: {WANGJING}\nstatus: {status}\n---\n望京街道部分小区周三停水检修。\n")
    };
    let save = |markdown: String, base: Option<i64>| {
        let (url, sup) = (app.url("/api/v1/kb/articles"), sup.clone());
        async move {
            expect_status(sup.post(url).json(&json!({ "markdown": markdown, "base_version": base })).send().await.expect("POST"), 200).await
        }
    };
    save(md("draft"), None).await;
    save(md("public"), Some(1)).await;
    let node = app.another_node().await;
    node.sync_search().await.expect("index");
    let input = hotline_app::search::ArticleSearchInput { q: "停水".into(), ..Default::default() };
    assert_eq!(node.search_articles(None, &input).await.expect("search").hits.len(), 1);
    save(md("draft"), Some(2)).await;
    assert!(node.search_articles(None, &input).await.expect("search").hits.is_empty(), "checked against the article as it is now");

    // Version 1 was a draft: an operator (staff, not its owner) does not see it in the history.
    save(md("internal"), Some(3)).await;
    let op = app.login("operator").await;
    let history = expect_status(op.get(app.url("/api/v1/kb/articles/notice/versions")).send().await.expect("GET"), 200).await;
    let versions: Vec<i64> = history.as_array().expect("versions").iter().filter_map(|v| v["version"].as_i64()).collect();
    assert_eq!(versions, [4, 2], "draft versions 1 and 3 are the owner's");
    let owner = app.login("wangjing").await;
    let theirs = expect_status(owner.get(app.url("/api/v1/kb/articles/notice/versions")).send().await.expect("GET"), 200).await;
    assert_eq!(theirs.as_array().map(Vec::len), Some(4));
    // Citizens are not told who saved an article.
    let public = save(md("public"), Some(4)).await;
    assert!(public["updated_by"].as_str().is_some_and(|s| !s.is_empty()));
    let seen = expect_status(Client::new().get(app.url("/api/v1/kb/articles/notice")).send().await.expect("GET"), 200).await;
    assert_eq!(seen["updated_by"], "");
}
