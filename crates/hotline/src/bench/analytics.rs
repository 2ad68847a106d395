//! `hotline bench analytics`: the analytics read model at Beijing's scale — seven years of orders
//! (180 million) generated straight into the fact files — queried as the dashboards and ten typical
//! analyst questions query it, against DuckDB (PyPI) over the same facts exported as Parquet, in the
//! same run. Also the bytes per order on disk and the resident memory of the querying process.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::NaiveDate;
use hotline_analytics::store::Row;
use hotline_analytics::{Catalog, Compare, Context as QueryContext, Dimension, FactStore, Filters, Measure, Query};
use hotline_domain::UnitClass;

use super::{percentile, rss_mb};

/// A small, fast generator (xorshift64*).
pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    /// An index by cumulative weights.
    fn pick(&mut self, cumulative: &[u32]) -> usize {
        let total = u64::from(*cumulative.last().unwrap_or(&1));
        let x = u32::try_from(self.below(total)).unwrap_or(0);
        cumulative.partition_point(|c| *c <= x).min(cumulative.len() - 1)
    }
}

fn cumulative(weights: impl Iterator<Item = u32>) -> Vec<u32> {
    let mut s = 0;
    weights
        .map(|w| {
            s += w.max(1);
            s
        })
        .collect()
}

/// The shipped reference data as the engine reads it.
pub(super) fn catalog() -> anyhow::Result<(Catalog, Vec<hotline_domain::Unit>, Vec<String>)> {
    let units = crate::seed::shipped_units()?;
    let categories = hotline_app::reference::categories_from_csv(crate::seed::CATEGORIES).map_err(anyhow::Error::new)?;
    let leaves: Vec<String> = categories
        .iter()
        .filter(|c| !categories.iter().any(|o| o.code.starts_with(&format!("{}/", c.code))))
        .map(|c| c.code.clone())
        .collect();
    Ok((Catalog::new(&units, hotline_app::analytics::category_infos(&categories), Vec::new()), units, leaves))
}

/// Writes `n` facts received evenly over `[start, start + days)` (Beijing time), in order of id.
pub(super) fn generate(
    store: &FactStore,
    units: &[hotline_domain::Unit],
    leaves: &[String],
    n: u64,
    start: NaiveDate,
    days: u32,
) -> anyhow::Result<()> {
    use hotline_analytics::codes::{self, code, status};
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (places, categories, handlers) = {
        let mut d = store.dicts_mut();
        let places: Vec<u16> = units
            .iter()
            .filter(|u| matches!(u.class, UnitClass::Community | UnitClass::Street))
            .map(|u| d.place.intern(&u.id.0.to_string()))
            .collect::<hotline_analytics::Result<_>>()?;
        let categories: Vec<u16> = leaves.iter().map(|c| d.category.intern(c)).collect::<hotline_analytics::Result<_>>()?;
        let handlers: Vec<u16> = units
            .iter()
            .filter(|u| matches!(u.class, UnitClass::Street | UnitClass::Department | UnitClass::Utility))
            .map(|u| d.handler.intern(&format!("u{}", u.id.0)))
            .collect::<hotline_analytics::Result<_>>()?;
        for l in ["ja", "ko", "ru", "fr", "ar"] {
            hotline_analytics::dict::language_slot(&mut d.language, l)?;
        }
        (places, categories, handlers)
    };
    // Skewed choices: a few categories and units take most orders (weights ∝ 1/rank).
    let category_w = cumulative((1..=categories.len() as u32).map(|r| 100_000 / r));
    let handler_w = cumulative((1..=handlers.len() as u32).map(|r| 100_000 / r));
    let nature_w = cumulative([450, 250, 180, 70, 30, 20].into_iter());
    let channel_w = cumulative([850, 50, 50, 45, 3, 1, 1].into_iter());
    let age_w = cumulative([150, 50, 600, 200].into_iter());
    let urgency_w = cumulative([20, 150, 800, 30].into_iter());
    let lang_w = cumulative([970, 20, 2, 2, 2, 2, 1, 1].into_iter());
    let t0 = hotline_analytics::engine::time_at(start, 8 * 60);
    let span = u64::from(days) * 1440;
    let chunk = 1u64 << 20;
    let mut first = 0u64;
    let mut rows = Vec::with_capacity(chunk as usize);
    while first < n {
        rows.clear();
        for i in first..(first + chunk).min(n) {
            let time = t0 + u32::try_from(i * span / n).unwrap_or(0);
            let mut codes_w = 0u16;
            code::NATURE.put(&mut codes_w, rng.pick(&nature_w) as u16 + 1);
            code::CHANNEL.put(&mut codes_w, rng.pick(&channel_w) as u16);
            code::AGE.put(&mut codes_w, rng.pick(&age_w) as u16);
            code::URGENCY.put(&mut codes_w, rng.pick(&urgency_w) as u16);
            code::LANGUAGE.put(&mut codes_w, rng.pick(&lang_w) as u16);
            code::REPEAT.put(&mut codes_w, u16::from(rng.below(100) < 10));
            code::DUPLICATE.put(&mut codes_w, u16::from(rng.below(100) < 3));
            code::DISPUTED.put(&mut codes_w, u16::from(rng.below(100) < 2));
            let answered = rng.below(100) < 30;
            let closed = rng.below(1000) < 970;
            let mut st = 0u16;
            let state = if answered {
                hotline_domain::State::AnsweredDirectly
            } else if closed {
                hotline_domain::State::Closed
            } else {
                hotline_domain::State::InProgress
            };
            status::STATE.put(&mut st, codes::position(hotline_domain::State::ALL, &state));
            if !answered && closed && rng.below(10) < 9 {
                let r = rng.below(100);
                status::RESOLUTION.put(
                    &mut st,
                    if r < 84 {
                        1
                    } else if r < 93 {
                        2
                    } else {
                        3
                    },
                );
                let s = rng.below(100);
                status::SATISFACTION.put(
                    &mut st,
                    if s < 85 {
                        1
                    } else if s < 95 {
                        2
                    } else {
                        3
                    },
                );
                status::CONTACTED.put(&mut st, u16::from(rng.below(100) < 97));
            }
            status::LATE_REPLY.put(&mut st, u16::from(rng.below(100) < 4));
            let reply = if answered { 0 } else { 1 + (rng.below(720) + rng.below(720)) as u16 };
            rows.push(Row {
                time,
                place: places[rng.below(places.len() as u64) as usize],
                category: categories[rng.pick(&category_w)],
                handler: if answered { 0 } else { handlers[rng.pick(&handler_w)] },
                codes: codes_w,
                status: st,
                dispatch: if answered { 0 } else { 40 + rng.below(60) as u8 },
                contact: if answered { 0 } else { 80 + rng.below(60) as u8 },
                reply,
                end: if answered { 1 } else { reply.saturating_add(30) },
            });
        }
        store.append(first, &rows)?;
        first += rows.len() as u64;
    }
    store.checkpoint(&serde_json::json!({"bench": true}))?;
    Ok(())
}

fn q(measure: Measure, group_by: &[Dimension], f: Filters) -> Query {
    Query { measure, group_by: group_by.to_vec(), filters: f, compare: None, limit: None }
}

fn range(from: (i32, u32, u32), to: (i32, u32, u32)) -> Filters {
    Filters { from: NaiveDate::from_ymd_opt(from.0, from.1, from.2), to: NaiveDate::from_ymd_opt(to.0, to.1, to.2), ..Filters::default() }
}

/// A query with the name it is reported under.
type Named = (String, Query);

/// The dashboards' queries (as the pages run them, for "now" at the end of the data) and ten
/// typical analyst questions, with names.
fn workload() -> (Vec<Named>, Vec<Named>) {
    let month = range((2025, 12, 1), (2026, 1, 1));
    let last30 = range((2025, 12, 2), (2026, 1, 1));
    let year = range((2025, 1, 1), (2026, 1, 1));
    let with_compare = |mut q: Query, c| {
        q.compare = Some(c);
        q
    };
    let dashboards = vec![
        (
            "overview: today vs yesterday".into(),
            with_compare(q(Measure::Count, &[], range((2025, 12, 31), (2026, 1, 1))), Compare::PreviousPeriod),
        ),
        ("overview: this month vs last year".into(), with_compare(q(Measure::Count, &[], month.clone()), Compare::SamePeriodLastYear)),
        ("overview: month by channel".into(), q(Measure::Count, &[Dimension::Channel], month.clone())),
        ("overview: month by nature".into(), q(Measure::Count, &[Dimension::Nature], month.clone())),
        ("overview: satisfaction, 30 days".into(), q(Measure::SatisfactionRate, &[], last30.clone())),
        ("overview: open and overdue now".into(), q(Measure::OverdueNow, &[], Filters::default())),
        (
            "trend: a year by month vs the year before".into(),
            with_compare(q(Measure::Count, &[Dimension::Month], year.clone()), Compare::SamePeriodLastYear),
        ),
        ("where: 30 days by district".into(), q(Measure::Count, &[Dimension::District], last30.clone())),
        ("where: 30 days by street".into(), q(Measure::Count, &[Dimension::Street], last30.clone())),
        ("what: 30 days by first level".into(), q(Measure::Count, &[Dimension::CategoryL1], last30.clone())),
        (
            "what: rising second level".into(),
            with_compare(q(Measure::Count, &[Dimension::CategoryL2], last30.clone()), Compare::PreviousPeriod),
        ),
        ("who: 30 days by age group".into(), q(Measure::Count, &[Dimension::AgeGroup], last30.clone())),
        ("units: p90 reply hours by unit".into(), q(Measure::P90ReplyHours, &[Dimension::Unit], last30.clone())),
        ("units: satisfaction by month, a year".into(), q(Measure::SatisfactionRate, &[Dimension::Month], year.clone())),
    ];
    let mut seniors = q(Measure::Count, &[Dimension::CategoryL2], range((2025, 11, 1), (2025, 12, 1)));
    seniors.filters.age_group = vec![hotline_domain::AgeGroup::Senior];
    let mut heating = q(Measure::Count, &[Dimension::Street], range((2024, 11, 15), (2025, 3, 15)));
    heating.filters.category = vec!["UTL/heating".into()];
    heating.filters.nature = vec![hotline_domain::Nature::Complaint];
    let mut chaoyang = q(Measure::Count, &[Dimension::Month], Filters::default());
    chaoyang.filters.district = vec!["朝阳区".into()];
    chaoyang.filters.category = vec!["UTL".into()];
    let mut complaints = q(Measure::ResponseRate, &[Dimension::Channel], year.clone());
    complaints.filters.nature = vec![hotline_domain::Nature::Complaint];
    let typical = vec![
        ("1 calls by district, July 2025".into(), q(Measure::Count, &[Dimension::District], range((2025, 7, 1), (2025, 8, 1)))),
        ("2 heating complaints by street, winter 2024/25".into(), heating),
        ("3 what seniors call about, a month".into(), seniors),
        (
            "4 satisfaction by district, 2024".into(),
            q(Measure::SatisfactionRate, &[Dimension::District], range((2024, 1, 1), (2025, 1, 1))),
        ),
        ("5 median reply hours by unit, 2025".into(), q(Measure::MedianReplyHours, &[Dimension::Unit], year.clone())),
        ("6 overdue by street, a month".into(), q(Measure::OverdueCount, &[Dimension::Street], month)),
        ("7 calls by day, July 2025".into(), q(Measure::Count, &[Dimension::Day], range((2025, 7, 1), (2025, 8, 1)))),
        ("8 朝阳 utilities by month, all years".into(), chaoyang),
        ("9 complaint response rate by channel, 2025".into(), complaints),
        ("10 calls by hour, one storm day".into(), q(Measure::Count, &[Dimension::Hour], range((2025, 7, 31), (2025, 8, 1)))),
    ];
    (dashboards, typical)
}

/// The same query in DuckDB's SQL over the export (`t`), for the ratio.
fn to_sql(query: &Query) -> String {
    let f = &query.filters;
    let mut wh = vec!["true".to_owned()];
    if let Some(d) = f.from {
        wh.push(format!("received_date >= date '{d}'"));
    }
    if let Some(d) = f.to {
        wh.push(format!("received_date < date '{d}'"));
    }
    let list = |col: &str, v: Vec<String>| {
        (!v.is_empty()).then(|| format!("{col} in ({})", v.iter().map(|x| format!("'{x}'")).collect::<Vec<_>>().join(", ")))
    };
    wh.extend(list("district", f.district.clone()));
    wh.extend(list("street", f.street.clone()));
    wh.extend(list("nature", f.nature.iter().map(|n| n.code().to_owned()).collect()));
    wh.extend(list("age_group", f.age_group.iter().map(|n| n.code().to_owned()).collect()));
    if !f.category.is_empty() {
        let ors: Vec<String> = f.category.iter().map(|c| format!("(category_l{} = '{c}')", c.split('/').count())).collect();
        wh.push(format!("({})", ors.join(" or ")));
    }
    let (measure, extra) = match query.measure {
        Measure::Count => ("count(*)".to_owned(), None),
        Measure::SatisfactionRate => {
            ("avg(case when satisfaction in ('satisfied', 'basic') then 1.0 else 0.0 end)".to_owned(), Some("evaluated and not excluded"))
        }
        Measure::ResponseRate => ("avg(case when contacted then 1.0 else 0.0 end)".to_owned(), Some("evaluated and not excluded")),
        Measure::ResolutionRate => (
            "avg(case resolution when 'resolved' then 1.0 when 'partly' then 0.5 else 0.0 end)".to_owned(),
            Some("evaluated and not excluded"),
        ),
        Measure::MedianReplyHours => ("median(reply_hours)".to_owned(), Some("reply_hours is not null")),
        Measure::P90ReplyHours => ("quantile_cont(reply_hours, 0.9)".to_owned(), Some("reply_hours is not null")),
        Measure::OverdueCount | Measure::OverdueNow => ("count(*)".to_owned(), Some("overdue")),
        Measure::DisputeCount => ("count(*)".to_owned(), Some("disputed")),
        Measure::RepeatCount => ("count(*)".to_owned(), Some("repeat_caller")),
    };
    wh.extend(extra.map(str::to_owned));
    let dims: Vec<String> = query
        .group_by
        .iter()
        .map(|d| match d {
            Dimension::Hour => "date_trunc('hour', received_at)".to_owned(),
            Dimension::Day => "received_date".to_owned(),
            Dimension::Week => "date_trunc('week', received_date)".to_owned(),
            Dimension::Month => "strftime(received_date, '%Y-%m')".to_owned(),
            other => other.code().to_owned(),
        })
        .collect();
    let group = if dims.is_empty() {
        String::new()
    } else {
        format!(" group by {}", (1..=dims.len()).map(|i| i.to_string()).collect::<Vec<_>>().join(", "))
    };
    let select = dims.iter().map(|d| format!("{d}, ")).collect::<String>();
    format!("select {select}{measure} from t where {}{group}", wh.join(" and "))
}

/// Times each query `runs` times: (median, p95) in milliseconds.
fn time_ours(store: &FactStore, catalog: &Catalog, queries: &[Named], runs: usize, ctx: &QueryContext) -> anyhow::Result<Vec<(f64, f64)>> {
    let mut out = Vec::new();
    for (name, query) in queries {
        let mut lat = Vec::with_capacity(runs);
        for _ in 0..runs {
            let t = Instant::now();
            hotline_analytics::answer(store, catalog, query, ctx).with_context(|| name.clone())?;
            lat.push(t.elapsed());
        }
        lat.sort();
        out.push((percentile(&lat, 0.5).as_secs_f64() * 1e3, percentile(&lat, 0.95).as_secs_f64() * 1e3));
    }
    Ok(out)
}

/// Times each query in DuckDB over the Parquet files (a compare query runs as two).
fn time_duckdb(export: &Path, queries: &[Named], runs: usize) -> anyhow::Result<Vec<(f64, f64)>> {
    let sqls: Vec<Vec<String>> = queries
        .iter()
        .map(|(_, query)| {
            let mut v = vec![to_sql(query)];
            if query.compare.is_some() {
                v.push(to_sql(query));
            }
            v
        })
        .collect();
    let script = r#"
import duckdb, json, sys, time
export, runs, sqls = sys.argv[1], int(sys.argv[2]), json.loads(sys.stdin.read())
con = duckdb.connect()
con.execute(f"create view t as select * from read_parquet('{export}/**/*.parquet', hive_partitioning = true)")
out = []
for group in sqls:
    lat = []
    for _ in range(runs):
        t = time.perf_counter()
        for sql in group:
            con.execute(sql).fetchall()
        lat.append((time.perf_counter() - t) * 1000)
    lat.sort()
    out.append([lat[len(lat) // 2], lat[min(len(lat) - 1, round((len(lat) - 1) * 0.95))]])
print(json.dumps(out))
"#;
    let mut child = std::process::Command::new("python3")
        .args(["-c", script, &export.display().to_string(), &runs.to_string()])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .context("python3 with duckdb (pip install duckdb)")?;
    {
        use std::io::Write;
        child.stdin.take().context("stdin")?.write_all(serde_json::to_string(&sqls)?.as_bytes())?;
    }
    let out = child.wait_with_output()?;
    anyhow::ensure!(out.status.success(), "duckdb failed: {}", String::from_utf8_lossy(&out.stderr));
    let v: Vec<(f64, f64)> = serde_json::from_slice(&out.stdout)?;
    Ok(v)
}

pub(super) async fn analytics(orders: u64, runs: usize, duckdb: bool, keep: Option<std::path::PathBuf>) -> anyhow::Result<()> {
    let dir = keep.unwrap_or_else(|| std::env::temp_dir().join(format!("hotline-bench-analytics-{}", std::process::id())));
    let facts = dir.join("facts");
    let (catalog, units, leaves) = catalog()?;
    let start = NaiveDate::from_ymd_opt(2019, 1, 1).context("date")?;
    let days = 2557; // 2019-01-01 .. 2025-12-31
    let (store, feed) = FactStore::open(&facts)?;
    if feed.is_none() || store.rows() < orders {
        store.clear()?;
        let t = Instant::now();
        generate(&store, &units, &leaves, orders, start, days)?;
        let s = t.elapsed().as_secs_f64();
        println!("generated {orders} facts straight into the read model in {s:.1} s ({:.1} M/s)", orders as f64 / s / 1e6);
    } else {
        println!("using the {} facts already in {}", store.rows(), facts.display());
    }
    let bytes = store.disk_bytes()?;
    println!("read model on disk: {:.2} GB = {:.1} bytes per order (limit ≤ 20)", bytes as f64 / 1e9, bytes as f64 / store.rows() as f64);
    let ctx = QueryContext::new(chrono::DateTime::parse_from_rfc3339("2025-12-31T18:00:00+08:00")?.with_timezone(&chrono::Utc), 8 * 60);
    let (dashboards, typical) = workload();
    // A first pass reads the files into the page cache, as a running server's would be.
    time_ours(&store, &catalog, &typical, 1, &ctx)?;
    let ours_d = time_ours(&store, &catalog, &dashboards, runs, &ctx)?;
    let ours_t = time_ours(&store, &catalog, &typical, runs, &ctx)?;
    println!("querying process RSS: {:.0} MB (limit ≤ 2048 MB)", rss_mb());
    let (duck_d, duck_t) = if duckdb {
        let export = dir.join("parquet");
        if !export.exists() {
            let t = Instant::now();
            let done = hotline_analytics::export::export(
                &store,
                &catalog,
                &export,
                hotline_analytics::export::Format::Parquet,
                (None, None),
                8 * 60,
                ctx.now,
            )?;
            println!(
                "exported {} orders as {} Parquet files in {:.1} s ({:.2} GB)",
                done.rows,
                done.files.len(),
                t.elapsed().as_secs_f64(),
                super::dir_bytes(&export) as f64 / 1e9
            );
        }
        (Some(time_duckdb(&export, &dashboards, runs)?), Some(time_duckdb(&export, &typical, runs)?))
    } else {
        (None, None)
    };
    for (title, names, ours, duck) in
        [("dashboard views", &dashboards, &ours_d, &duck_d), ("typical questions", &typical, &ours_t, &duck_t)]
    {
        println!("\n{title} ({runs} runs each; ms: p50 / p95; limit p95 ≤ 1000 ms; goal ≤ 2× DuckDB)");
        for (i, (name, _)) in names.iter().enumerate() {
            let (p50, p95) = ours[i];
            match duck.as_ref().map(|d| d[i]) {
                Some((d50, d95)) => println!(
                    "  {name:<46} ours {p50:>8.1} / {p95:>8.1}   duckdb {d50:>8.1} / {d95:>8.1}   ratio {:.2}",
                    p95 / d95.max(0.001)
                ),
                None => println!("  {name:<46} ours {p50:>8.1} / {p95:>8.1}"),
            }
        }
        let worst = ours.iter().map(|o| o.1).fold(0.0, f64::max);
        println!("  worst p95: {worst:.1} ms");
    }
    drop(store);
    if !dir.starts_with(std::env::temp_dir()) {
        return Ok(());
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// Freshness, the read model's feed rate on a rebuild, history import rates.
pub(super) async fn analytics_io(orders: usize) -> anyhow::Result<()> {
    use super::start_server_with;
    let server = start_server_with(|c| c.search_refresh_ms = 0).await?;
    // History import into SQLite: generated lines through the same path as the command.
    let days = (orders / 1000).max(1) as u32;
    let args = crate::generate::GenerateArgs {
        count: 0,
        seed: 5,
        start: "2024-01-01".into(),
        days,
        surge: None,
        history: true,
        per_day: 1000,
        as_of: None,
    };
    let mut lines = Vec::new();
    crate::generate::generate(&args, &mut lines)?;
    let n = lines.split(|b| *b == b'\n').filter(|l| !l.is_empty()).count();
    let report = crate::history::import(
        &server.app,
        "bench.jsonl",
        || Ok(std::io::Cursor::new(lines.as_slice())),
        crate::history::DEFAULT_BATCH,
        &mut std::io::sink(),
    )
    .await?;
    println!(
        "history import into SQLite: {n} lines in {:.1} s = {:.0} orders/s (checking every line first {:.1} s, then storing; limit ≥ 20,000/s)",
        report.seconds,
        report.rate(),
        report.check_seconds
    );
    // The feed: a rebuild of the read model from the store.
    let t = Instant::now();
    let synced = server.app.sync_analytics().await?;
    let s = t.elapsed().as_secs_f64();
    println!(
        "read model rebuilt from the store: {} orders in {s:.1} s = {:.0} orders/s (limit ≥ 20,000/s)",
        synced.orders,
        synced.orders as f64 / s
    );
    // Freshness: an order created over the API, counted by the query API.
    let client = reqwest::Client::new();
    let count = || async {
        let body = serde_json::json!({"measure": "count"});
        let res = client.post(format!("{}/api/v1/analytics/query", server.base)).bearer_auth(&server.token).json(&body).send().await?;
        let v: serde_json::Value = res.json().await?;
        anyhow::Ok(v["rows"][0]["value"].as_i64().unwrap_or(0))
    };
    let before = count().await?;
    let input = super::sample_input(&server.app, 1)?;
    let t = Instant::now();
    let res =
        client.post(format!("{}/api/v1/orders", server.base)).bearer_auth(&server.token).json(&super::http::Body(&input)).send().await?;
    anyhow::ensure!(res.status().is_success(), "create: {}", res.status());
    // The server's own read loop is off in this bench: read as it would, every 50 ms.
    loop {
        server.app.sync_analytics().await?;
        if count().await? > before {
            break;
        }
        anyhow::ensure!(t.elapsed() < Duration::from_secs(30), "the new order never showed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    println!("an order created over the API counted by the query API after {:.0} ms (limit ≤ 5 s)", t.elapsed().as_secs_f64() * 1e3);
    // PostgreSQL beside it, when one is reachable: in a database of its own, dropped after.
    if let Ok(admin_url) = std::env::var("HOTLINE_BENCH_POSTGRES_URL") {
        let db = format!("hotline_bench_{}", std::process::id());
        let url = hotline_store_sql::bench::fresh_postgres_database(&admin_url, &db).await.map_err(anyhow::Error::msg)?;
        let pg = start_server_with(|c| {
            c.database_url = crate::config::DatabaseUrl(url.clone());
            c.search_refresh_ms = 0;
        })
        .await?;
        let report = crate::history::import(
            &pg.app,
            "bench.jsonl",
            || Ok(std::io::Cursor::new(lines.as_slice())),
            crate::history::DEFAULT_BATCH,
            &mut std::io::sink(),
        )
        .await?;
        println!("history import into PostgreSQL: {n} lines in {:.1} s = {:.0} orders/s", report.seconds, report.rate());
        let t = Instant::now();
        let synced = pg.app.sync_analytics().await?;
        println!(
            "read model rebuilt from PostgreSQL: {} orders = {:.0} orders/s",
            synced.orders,
            synced.orders as f64 / t.elapsed().as_secs_f64()
        );
        drop(pg);
        hotline_store_sql::bench::drop_postgres_database(&admin_url, &db).await.map_err(anyhow::Error::msg)?;
    }
    Ok(())
}

/// The question parser's speed over the shipped questions.
pub(super) fn ask(rounds: usize) -> anyhow::Result<()> {
    let cases = crate::ask::read_cases(include_str!("../../data/ask/questions.jsonl"))?;
    let t = Instant::now();
    let lexicon = hotline_analytics::ask::Lexicon::new(&crate::ask::shipped_catalog()?);
    println!("vocabulary built from the shipped reference data in {:.0} ms", t.elapsed().as_secs_f64() * 1e3);
    let mut lat = Vec::with_capacity(cases.len() * rounds);
    for _ in 0..rounds {
        for c in &cases {
            let t = Instant::now();
            std::hint::black_box(lexicon.parse(&c.q, c.now.date_naive()));
            lat.push(t.elapsed());
        }
    }
    lat.sort();
    println!(
        "parse {} questions × {rounds}: p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms (limit p99 ≤ 20 ms)",
        cases.len(),
        percentile(&lat, 0.5).as_secs_f64() * 1e3,
        percentile(&lat, 0.99).as_secs_f64() * 1e3,
        lat.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
    let (all, dev, held) = crate::ask::evaluate(&lexicon, &cases);
    println!(
        "exact: {}/{} ({:.1}%); developed against (odd ids) {:.1}%, held out (even ids) {:.1}%",
        all.exact,
        all.questions,
        100.0 * all.accuracy(),
        100.0 * dev.accuracy(),
        100.0 * held.accuracy()
    );
    Ok(())
}
