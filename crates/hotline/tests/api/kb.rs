//! The knowledge base over the API: the shipped sample set imported once, read by who may (public
//! for citizens, internal for staff, drafts for their owners), filtered, saved in versions with
//! stale edits refused, and articles past review listed for their owners.

use reqwest::Client;
use serde_json::{Value, json};

use crate::helpers::{TestApp, expect_problem, expect_status, spawn_app};

fn samples() -> Vec<(String, String)> {
    hotline::seed::SAMPLE_ARTICLES.iter().map(|(n, t)| ((*n).to_owned(), (*t).to_owned())).collect()
}

async fn list(app: &TestApp, client: &Client, query: &str) -> Vec<String> {
    let v = expect_status(client.get(app.url(&format!("/api/v1/kb/articles{query}"))).send().await.expect("GET"), 200).await;
    v.as_array().expect("list").iter().map(|a| a["slug"].as_str().expect("slug").to_owned()).collect()
}

/// The slugs a search finds, best first.
async fn found(app: &TestApp, client: &Client, q: &str) -> Vec<String> {
    let v = expect_status(client.get(app.url(&format!("/api/v1/search/articles?q={q}"))).send().await.expect("GET"), 200).await;
    v["hits"].as_array().expect("hits").iter().map(|a| a["slug"].as_str().expect("slug").to_owned()).collect()
}

fn article(slug: &str, owner: &str, status: &str, review_by: &str, body: &str) -> String {
    format!(
        "---\nslug: {slug}\ntitle_zh: 望京街道便民服务时间\ntitle_en: Wangjing service hours\nowner: {owner}\ncategories: GOV\nstatus: {status}\nreview_by: {review_by}\n---\n{body}\n<!-- en -->\nOpen on weekdays.\n"
    )
}

#[tokio::test]
async fn the_sample_set_imports_once_and_citizens_find_public_articles_by_word_and_category() {
    let app = spawn_app().await;
    let report = app.app.import_articles(&samples(), "test").await.expect("import");
    let n = samples().len();
    assert_eq!((report.created.len(), report.updated.len()), (n, 0));
    let again = app.app.import_articles(&samples(), "test").await.expect("import again");
    assert_eq!((again.created.len(), again.unchanged.len()), (0, n), "unchanged articles get no new version");

    let citizen = Client::new();
    let all = list(&app, &citizen, "").await;
    let public = samples().iter().filter(|(_, text)| text.contains("\nstatus: public")).count();
    assert_eq!(all.len(), public, "citizens see the public ones, not the operators' internal guidance");
    assert_eq!(list(&app, &citizen, "?category=HOU/elevator").await, ["elevator-retrofit"], "a category above the article's");
    app.app.sync_search().await.expect("index the articles");
    assert_eq!(found(&app, &citizen, "%E4%BE%9B%E6%9A%96").await[0], "heating-season", "供暖");
    assert_eq!(found(&app, &citizen, "Elevator").await[0], "elevator-retrofit", "English, any case");
    assert!(found(&app, &citizen, "%E7%81%AB%E6%98%9F").await.is_empty(), "火星: nothing");
    let one = expect_status(citizen.get(app.url("/api/v1/kb/articles/heating-season")).send().await.expect("GET"), 200).await;
    assert_eq!((one["sample"].as_bool(), one["owner"]["code"].as_str(), one["version"].as_i64()), (Some(true), Some("D-CGW"), Some(1)));
    assert!(
        one["body_zh"].as_str().is_some_and(|b| b.contains("11月15日"))
            && one["body_en"].as_str().is_some_and(|b| b.contains("15 November"))
    );
    expect_problem(citizen.get(app.url("/api/v1/kb/articles/nope")).send().await.expect("GET"), 404, "not_found").await;

    // The public page lists and shows them without a login; raw HTML in Markdown is not run.
    let page = citizen.get(app.url("/kb?q=%E7%94%B5%E6%A2%AF")).send().await.expect("GET").text().await.expect("page");
    assert!(page.contains("/kb/elevator-retrofit") && !page.contains("/kb/heating-season"), "电梯 finds the elevator guide only");
    assert!(page.contains("<mark>电梯</mark>"), "the word is marked in the hit");
    let shown = citizen.get(app.url("/kb/heating-season")).send().await.expect("GET").text().await.expect("page");
    assert!(shown.contains("<strong>示例内容") && shown.contains("<li>"), "Markdown rendered");
}

#[tokio::test]
async fn drafts_are_for_their_owner_saves_are_versioned_and_stale_or_foreign_edits_are_refused() {
    let app = spawn_app().await;
    let sup = app.login("supervisor").await;
    let wj = app.login("wangjing").await;
    let zgc = app.login("zhongguancun").await;
    let save = |client: &Client, markdown: String, base: Option<i64>| {
        let url = app.url("/api/v1/kb/articles");
        let client = client.clone();
        async move { client.post(url).json(&json!({ "markdown": markdown, "base_version": base })).send().await.expect("POST") }
    };
    let draft = article("wangjing-hours", crate::helpers::WANGJING, "draft", "2027-01-01", "望京街道便民服务中心工作日 9:00—17:00 办公。");
    let created = expect_status(save(&sup, draft.clone(), None).await, 200).await;
    assert_eq!((created["version"].as_i64(), created["status"].as_str()), (Some(1), Some("draft")));
    // A draft: its owner and the centre read it; citizens and other units get 404.
    expect_status(wj.get(app.url("/api/v1/kb/articles/wangjing-hours")).send().await.expect("GET"), 200).await;
    expect_problem(Client::new().get(app.url("/api/v1/kb/articles/wangjing-hours")).send().await.expect("GET"), 404, "not_found").await;
    expect_problem(zgc.get(app.url("/api/v1/kb/articles/wangjing-hours")).send().await.expect("GET"), 404, "not_found").await;
    assert!(list(&app, &Client::new(), "").await.is_empty());

    // The owner publishes it as version 2; a save based on version 1 again is stale.
    let public =
        article("wangjing-hours", crate::helpers::WANGJING, "public", "2027-01-01", "望京街道便民服务中心工作日 9:00—17:30 办公。");
    let v2 = expect_status(save(&wj, public.clone(), Some(1)).await, 200).await;
    assert_eq!(v2["version"], 2);
    let history = expect_status(wj.get(app.url("/api/v1/kb/articles/wangjing-hours/versions")).send().await.expect("GET"), 200).await;
    assert_eq!(
        history.as_array().expect("versions").iter().map(|v| (v["version"].as_i64(), v["status"].as_str())).collect::<Vec<_>>(),
        [(Some(2), Some("public")), (Some(1), Some("draft"))],
        "every version kept, newest first"
    );
    expect_problem(
        Client::new().get(app.url("/api/v1/kb/articles/wangjing-hours/versions")).send().await.expect("GET"),
        401,
        "unauthenticated",
    )
    .await;
    let stale = expect_problem(save(&wj, public.clone(), Some(1)).await, 409, "stale_version").await;
    assert!(stale["detail_zh"].is_string());
    expect_problem(save(&sup, draft, None).await, 409, "stale_version").await;
    assert_eq!(list(&app, &Client::new(), "").await, ["wangjing-hours"], "now public");
    // Another unit cannot take it over or write for someone else.
    expect_problem(save(&zgc, public.clone(), Some(2)).await, 403, "forbidden").await;
    let foreign = article("zgc-hours", crate::helpers::WANGJING, "public", "2027-01-01", "中关村街道的文章写成了望京的。");
    expect_problem(save(&zgc, foreign, None).await, 403, "forbidden").await;
    // Malformed Markdown and unknown owners are refused with the reason.
    expect_problem(save(&sup, "没有头信息的文章正文内容".into(), None).await, 422, "missing_front_matter").await;
    let nobody = article("nobody", "NO-SUCH-UNIT", "public", "2027-01-01", "负责单位不存在的文章正文。");
    expect_problem(save(&sup, nobody, None).await, 422, "unknown_unit").await;
    expect_problem(
        Client::new().post(app.url("/api/v1/kb/articles")).json(&json!({ "markdown": "x" })).send().await.expect("POST"),
        401,
        "unauthenticated",
    )
    .await;

    // Past its review date, the owner (and the centre) see it to review; another unit does not.
    app.clock.set(chrono::DateTime::parse_from_rfc3339("2027-01-05T02:00:00Z").expect("t").to_utc());
    let token_client = |who: &str| {
        let app = &app;
        let who = who.to_owned();
        async move { app.login(&who).await }
    };
    let wj = token_client("wangjing").await;
    let review: Value = expect_status(wj.get(app.url("/api/v1/kb/review")).send().await.expect("GET"), 200).await;
    assert_eq!(review[0]["slug"], "wangjing-hours");
    assert_eq!(review[0]["needs_review"], true);
    let zgc = token_client("zhongguancun").await;
    let none: Value = expect_status(zgc.get(app.url("/api/v1/kb/review")).send().await.expect("GET"), 200).await;
    assert_eq!(none, json!([]));
    // The owner's inbox says so; another unit's does not.
    let inbox = |client: Client| {
        let url = app.url("/inbox");
        async move { client.get(url).send().await.expect("GET inbox").text().await.expect("page") }
    };
    assert!(inbox(wj.clone()).await.contains("id=\"review-due\""), "the owner's inbox flags the article");
    assert!(!inbox(zgc.clone()).await.contains("id=\"review-due\""));
}
