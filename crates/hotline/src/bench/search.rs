//! Search over many orders and articles through the real server, against a plain SQL scan.

use std::time::{Duration, Instant};

use anyhow::Context;
use hotline_domain::UnitClass;

use super::{dir_bytes, generated_texts, import_many, peak_rss_mb, sample_input, sample_order_with_events, start_server_with, time_gets};

pub(super) async fn search(orders: usize, articles: usize, arrivals: usize, queries: usize) -> anyhow::Result<()> {
    use hotline_domain::kb::ArticleDraft;
    // The bench drives the index itself: no background passes.
    let server = start_server_with(|c| c.search_refresh_ms = 0).await?;
    let app = server.app.clone();
    let input = sample_input(&app, 1)?;
    let (order, events) = sample_order_with_events(&app, &input).await?;
    let now = app.clock.now();
    let today = app.policy().await?.local_date(now);
    let units = app.units();
    let districts: std::collections::HashMap<String, hotline_domain::UnitId> =
        units.all().iter().filter(|u| u.class == UnitClass::District).map(|u| (u.name.clone(), u.id)).collect();
    let streets: Vec<hotline_domain::UnitId> = units.all().iter().filter(|u| u.class == UnitClass::Street).map(|u| u.id).collect();
    let categories: std::collections::HashSet<String> = app.categories().iter().map(|c| c.code.clone()).collect();
    let t = Instant::now();
    let texts = generated_texts(orders + arrivals + queries, 11)?;
    println!("generated {} requests in {:.1} s", texts.len(), t.elapsed().as_secs_f64());
    const REPLIES: [&str; 6] = [
        "已联系物业清理，问题已解决。",
        "经现场核实，已责令施工单位停止夜间施工。",
        "已协调供热单位上门排气，室温恢复正常。",
        "已派执法队员现场处置，违停车辆已挪走。",
        "已答复来电人相关政策和办理流程。",
        "因客观原因暂无法解决，已向来电人解释。",
    ];
    let make = |k: usize| {
        let (text, district, category, at) = &texts[k];
        let mut o = order.clone();
        o.case_id = hotline_domain::CaseId(0);
        o.description.clone_from(text);
        o.location.district = districts.get(district).copied();
        o.location.address = String::new();
        if categories.contains(category) {
            o.category = hotline_domain::CategoryPath::parse(category).ok();
        }
        if let Some(a) = o.assignment.as_mut() {
            a.main_unit = streets[k % streets.len()];
            a.co_units.clear();
            a.district_copy = None;
        }
        o.received_at = *at;
        o.updated_at = *at;
        // Six in ten closed with a reply, the rest still with their unit.
        if k % 10 < 6 {
            o.state = hotline_domain::State::Closed;
            o.reply =
                Some(hotline_domain::Reply { outcome: hotline_domain::ReplyOutcome::Resolved, text: REPLIES[k % REPLIES.len()].into() });
        }
        o
    };
    let t = Instant::now();
    let stored = import_many(&app, orders, today, &events, make).await?;
    println!("stored {stored} orders in {:.1} s", t.elapsed().as_secs_f64());

    // Articles: one per category leaf in turn, titled by it, written from its description,
    // keywords and requests filed under it.
    let leaves: Vec<_> = app.categories().iter().filter(|c| c.code.matches('/').count() == 2).cloned().collect();
    let owner = units.by_code("D-CGW").context("an owner unit")?.code.clone();
    let owner_id = units.by_code(&owner).map(|u| u.id).context("owner")?;
    let t = Instant::now();
    for i in 0..articles {
        let leaf = &leaves[i % leaves.len()];
        let examples: Vec<&str> =
            texts.iter().skip(i * 3 % texts.len().max(1)).filter(|x| x.2 == leaf.code).take(3).map(|x| x.0.as_str()).collect();
        let draft = ArticleDraft {
            slug: format!("bench-{i}"),
            status: if i % 5 == 0 { hotline_domain::kb::ArticleStatus::Internal } else { hotline_domain::kb::ArticleStatus::Public },
            owner: owner.clone(),
            categories: hotline_domain::CategoryPath::parse(&leaf.code).into_iter().collect(),
            title_zh: format!("{}办事指南（{}）", leaf.name_zh, i / leaves.len() + 1),
            title_en: format!("{} guide ({})", leaf.name_en, i / leaves.len() + 1),
            body_zh: format!("{}\n\n常见说法：{}。\n\n{}", leaf.description, leaf.keywords.join("、"), examples.join("\n")),
            body_en: format!("How to handle {}.", leaf.name_en),
            effective_from: None,
            review_by: None,
            sample: true,
        };
        app.knowledge().save_article(&draft, owner_id, None, "bench", now).await?;
    }
    println!("stored {articles} articles in {:.1} s", t.elapsed().as_secs_f64());

    // The index built from nothing: a scan of every order and article.
    let t = Instant::now();
    let built = app.sync_search().await?;
    let build = t.elapsed();
    let index = app.search_index()?;
    // The sample order the rows are cloned from is stored too.
    anyhow::ensure!(built.rebuilt && index.order_count() as usize == stored + 1, "index holds {} of {stored}", index.order_count());
    let bytes = index.location().map_or(0, dir_bytes);
    println!(
        "index built: {} orders and {} articles in {:.1} s ({:.0} orders/s), {:.0} MB on disk",
        built.orders,
        built.articles,
        build.as_secs_f64(),
        built.orders as f64 / build.as_secs_f64(),
        bytes as f64 / 1e6
    );

    // New orders arriving: how fast the feed makes them searchable.
    let t = Instant::now();
    import_many(&app, arrivals, today, &events, |k| make(orders + k)).await?;
    let arrived = t.elapsed();
    let t = Instant::now();
    let caught = app.sync_search().await?;
    let follow = t.elapsed();
    // An order whose events straddle two feed batches is written in both.
    anyhow::ensure!(caught.orders >= arrivals && !caught.rebuilt, "{caught:?}");
    let follow_rate = arrivals as f64 / follow.as_secs_f64();
    println!(
        "{arrivals} new orders stored in {:.1} s, then read from the feed and indexed in {:.2} s ({follow_rate:.0} orders/s)",
        arrived.as_secs_f64(),
        follow.as_secs_f64()
    );

    // The searches: what people type, from held-out generated requests.
    let held: Vec<&(String, String, String, hotline_domain::Timestamp)> = texts[orders + arrivals..].iter().collect();
    // `q=…`, percent-encoded by the url crate (through reqwest).
    let enc = |s: &str| {
        reqwest::Url::parse_with_params("http://bench/", [("q", s)]).ok().and_then(|u| u.query().map(str::to_owned)).unwrap_or_default()
    };
    let words = ["停车", "电梯", "暖气不热", "噪音扰民", "物业", "拖欠工资", "垃圾", "占道经营", "elevator", "heating", "WiFi信号", "停水"];
    let base = &server.base;
    let short: Vec<String> = words.iter().map(|w| format!("{base}/api/v1/search/orders?{}", enc(w))).collect();
    let typed: Vec<String> = held.iter().map(|h| format!("{base}/api/v1/search/orders?{}&limit=5", enc(&h.0))).collect();
    let chaoyang = districts.get("朝阳区").map_or(0, |d| d.0);
    let filtered: Vec<String> = words
        .iter()
        .map(|w| format!("{base}/api/v1/search/orders?{}&district={chaoyang}&state=closed&from=2026-03-01&to=2026-09-30", enc(w)))
        .collect();
    let kb_typed: Vec<String> = held.iter().map(|h| format!("{base}/api/v1/search/articles?{}&limit=5", enc(&h.0))).collect();
    let kb_short: Vec<String> = words.iter().map(|w| format!("{base}/api/v1/search/articles?{}", enc(w))).collect();
    println!("\nFIGURES (over {} orders and {articles} articles; one client, sequential)", stored + arrivals);
    let mut worst = Duration::ZERO;
    for (name, urls) in [
        ("orders, one or two words", &short),
        ("orders, a whole typed description (intake's similar orders)", &typed),
        ("orders, words + district + state + dates", &filtered),
        ("articles, a whole typed description (intake's suggestions)", &kb_typed),
        ("articles, one or two words", &kb_short),
    ] {
        let (p50, p99, found) = time_gets(&server, urls, queries).await?;
        worst = worst.max(p99);
        println!(
            "  search {name}: p50 {:.1} ms, p99 {:.1} ms (limit 50 ms: {:.2} of the limit); {:.0}% found something",
            p50.as_secs_f64() * 1e3,
            p99.as_secs_f64() * 1e3,
            p99.as_secs_f64() / 0.05,
            found * 100.0
        );
    }
    println!("  worst p99 {:.1} ms: {:.2} of the 50 ms limit", worst.as_secs_f64() * 1e3, worst.as_secs_f64() / 0.05);
    println!(
        "  new orders indexed from the feed: {follow_rate:.0} orders/s (limit: keep up with 2,000/s: {:.2} of capacity used)",
        2000.0 / follow_rate
    );
    // The baseline: a plain scan of the same table for one word.
    let db = server.dir.join("bench.db");
    let (n, scan) = hotline_store_sql::bench::like_scan(&db.display().to_string(), "停车").await.map_err(|e| anyhow::anyhow!(e))?;
    println!(
        "  baseline: a plain scan (LIKE '%停车%') over the orders table: {:.0} ms for {n} rows, unranked ({:.0}x the worst indexed p99)",
        scan.as_secs_f64() * 1e3,
        scan.as_secs_f64() / worst.as_secs_f64().max(1e-6)
    );
    println!("  peak RSS {:.0} MB", peak_rss_mb());
    Ok(())
}
