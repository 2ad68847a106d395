//! `hotline bench`: the figures of docs/benchmarks.md, measured on this machine against the real
//! server over loopback HTTP with authentication. Each run prints the figure, the limit it is held
//! to, and a ratio to a baseline measured in the same run.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Subcommand;
use hotline_app::orders::{Command, CreateOrderInput, LocationInput, RequesterInput, TriageInput};
use hotline_app::{App, NewUserInput, SystemClock};
use hotline_domain::{EventDraft, UnitClass, WorkOrder};

use crate::config::{Config, DatabaseUrl};
use crate::startup::{self, Application};

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Create orders over HTTP (intake with triage and dispatch, Bearer auth): sustained throughput
    /// at full load, latency at a fixed rate, and the ratio to raw SQLite inserts of the same rows.
    Create {
        /// Orders for the full-load run.
        #[arg(long, default_value_t = 20_000)]
        orders: usize,
        /// Concurrent clients for the full-load run.
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        /// Requests per second for the fixed-rate latency run.
        #[arg(long, default_value_t = 1_000)]
        rate: u32,
        /// Seconds of the fixed-rate run.
        #[arg(long, default_value_t = 15)]
        seconds: u64,
        /// Run without keeping the search index current (to see what indexing costs intake).
        #[arg(long)]
        search_off: bool,
    },
    /// Order detail latency and server memory with many orders stored.
    Detail {
        /// Orders to store before measuring.
        #[arg(long, default_value_t = 1_000_000)]
        orders: usize,
        /// Detail requests to time.
        #[arg(long, default_value_t = 20_000)]
        requests: usize,
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
    },
    /// Triage per request on one thread (the engine alone, and the full use case with place, unit
    /// and duplicate lookup), and training time, peak memory and model size on generated requests.
    Triage {
        /// Requests to time.
        #[arg(long, default_value_t = 20_000)]
        requests: usize,
        /// Generated requests to train on (the figure is for 1,000,000).
        #[arg(long, default_value_t = 1_000_000)]
        train: usize,
    },
    /// Deadline scheduler passes with many open orders stored: a pass when nothing is due (the
    /// steady state) and the pass that fires the notices of the orders whose deadlines have passed.
    Scheduler {
        /// Open, dispatched orders to store.
        #[arg(long, default_value_t = 1_000_000)]
        orders: usize,
        /// How many of them are past their contact deadline.
        #[arg(long, default_value_t = 10_000)]
        due: usize,
    },
    /// A month's assessment (three rates, scores, ranks) with many evaluated orders in that month.
    Assess {
        /// Evaluated orders to store in the month.
        #[arg(long, default_value_t = 2_000_000)]
        orders: usize,
    },
    /// Open311 GET requests returning 1,000 rows (the spec's cap) with many orders stored, spread
    /// over the last 180 days, through the real HTTP server, in JSON and XML.
    Open311 {
        #[arg(long, default_value_t = 1_000_000)]
        orders: usize,
        /// GET requests to time per query shape.
        #[arg(long, default_value_t = 100)]
        queries: usize,
    },
    /// Search over many orders and articles through the real server: p99 of article and order
    /// searches (short words, whole typed descriptions, English, with filters), the index's rebuild
    /// rate, and how fast new orders become searchable, against a plain SQL scan (`LIKE`).
    Search {
        /// Orders to store (generated requests with their real wording).
        #[arg(long, default_value_t = 1_000_000)]
        orders: usize,
        /// Articles to store.
        #[arg(long, default_value_t = 10_000)]
        articles: usize,
        /// New orders arriving after the index is built (the rate the index keeps up with).
        #[arg(long, default_value_t = 100_000)]
        arrivals: usize,
        /// Searches to time per kind.
        #[arg(long, default_value_t = 1_000)]
        queries: usize,
    },
    /// Place resolution (address text to district, street and community) over the shipped Beijing
    /// gazetteer, one thread: build time and per-call latency.
    Places {
        /// Resolutions to time, rotating through the sample texts.
        #[arg(long, default_value_t = 200_000)]
        iterations: usize,
    },
}

struct Server {
    base: String,
    token: String,
    app: Arc<App>,
    dir: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A fresh database in a temp folder, the real server on a free loopback port, a bench operator and
/// their API token.
async fn start_server() -> anyhow::Result<Server> {
    start_server_with(|_| {}).await
}

async fn start_server_with(adjust: impl FnOnce(&mut Config)) -> anyhow::Result<Server> {
    let dir = std::env::temp_dir().join(format!("hotline-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let mut config = Config {
        listen: "127.0.0.1:0".into(),
        database_url: DatabaseUrl(format!("sqlite://{}?mode=rwc", dir.join("bench.db").display())),
        // Benchmarks run scheduler passes themselves.
        scheduler_interval_secs: 0,
        ..Config::default()
    };
    adjust(&mut config);
    let store = startup::open_store(&config).await?;
    let app = startup::build_app(&config, store.clone(), Arc::new(SystemClock)).await?;
    let user = NewUserInput {
        username: "bench".into(),
        display_name: "bench".into(),
        role: "operator".into(),
        unit: None,
        password: "bench-password".into(),
    };
    let operator = app.create_user(None, &user).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let token = app.create_api_token(&operator, "bench").await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let server = Application::with_app(&config, app.clone(), store).await?;
    let base = format!("http://127.0.0.1:{}", server.port());
    tokio::spawn(server.run_until_stopped());
    Ok(Server { base, token, app, dir })
}

fn sample_input(app: &App, i: usize) -> anyhow::Result<CreateOrderInput> {
    let street = app.units().by_code("110105026").context("望京街道 missing")?.id.0;
    Ok(CreateOrderInput {
        channel: Some("phone".into()),
        description: format!(
            "市民来电反映：朝阳区望京街道望京西园三区{}号楼门口长期有车辆乱停，占用消防通道，影响通行，希望尽快处理。",
            i % 500
        ),
        requester: RequesterInput {
            name: "王先生".into(),
            phone: Some(format!("138{:08}", i % 100_000_000)),
            language: Some("zh".into()),
            age_group: None,
            confidential: false,
        },
        location: LocationInput {
            address: "望京西园三区".into(),
            district: None,
            street: Some(street),
            lng: Some(116.47),
            lat: Some(39.99),
        },
        attachments: vec![],
        triage: Some(TriageInput { nature: "complaint".into(), category: "TRF/illegal_parking".into(), urgency: "general".into() }),
        disposition: Some(Command::Dispatch { main_unit: street, co_units: vec![], note: String::new() }),
        suggestion: None,
    })
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn report(name: &str, mut lat: Vec<Duration>, elapsed: Duration, errors: usize) -> (f64, Duration) {
    lat.sort();
    let rate = lat.len() as f64 / elapsed.as_secs_f64();
    let p99 = percentile(&lat, 0.99);
    println!(
        "{name}: {} ok, {errors} errors in {:.2} s = {rate:.0}/s; latency p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        lat.len(),
        elapsed.as_secs_f64(),
        percentile(&lat, 0.5).as_secs_f64() * 1e3,
        percentile(&lat, 0.9).as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        lat.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
    (rate, p99)
}

/// Full load: `concurrency` clients each send requests back to back.
async fn closed_loop(server: &Server, total: usize, concurrency: usize, offset: usize) -> anyhow::Result<(Vec<Duration>, Duration, usize)> {
    let client = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build()?;
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let bodies: Arc<Vec<String>> = Arc::new(
        (0..1000)
            .map(|i| sample_input(&server.app, i + offset).map(|b| serde_json::to_string(&Body(&b)).unwrap_or_default()))
            .collect::<Result<_, _>>()?,
    );
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (client, next, bodies) = (client.clone(), next.clone(), bodies.clone());
        let url = format!("{}/api/v1/orders", server.base);
        let auth = format!("Bearer {}", server.token);
        tasks.push(tokio::spawn(async move {
            let (mut lat, mut errors) = (Vec::new(), 0usize);
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= total {
                    break;
                }
                let t = Instant::now();
                let res = client
                    .post(&url)
                    .header("authorization", &auth)
                    .header("content-type", "application/json")
                    .body(bodies[i % bodies.len()].clone())
                    .send()
                    .await;
                match res {
                    Ok(r) if r.status().as_u16() == 201 => lat.push(t.elapsed()),
                    _ => errors += 1,
                }
            }
            (lat, errors)
        }));
    }
    let (lat, errors) = join_clients(tasks).await?;
    Ok((lat, start.elapsed(), errors))
}

/// Waits for every client task and pools their latencies and error counts.
async fn join_clients(tasks: Vec<tokio::task::JoinHandle<(Vec<Duration>, usize)>>) -> anyhow::Result<(Vec<Duration>, usize)> {
    let (mut lat, mut errors) = (Vec::new(), 0);
    for t in tasks {
        let (l, e) = t.await?;
        lat.extend(l);
        errors += e;
    }
    Ok((lat, errors))
}

/// Fixed rate: requests start on a schedule whatever the server does (open loop), so queueing
/// shows up as latency instead of being hidden by slower sending.
async fn open_loop(server: &Server, rate: u32, seconds: u64) -> anyhow::Result<(Vec<Duration>, Duration, usize)> {
    let client = reqwest::Client::builder().pool_max_idle_per_host(256).build()?;
    let body = serde_json::to_string(&Body(&sample_input(&server.app, 7)?))?;
    let total = rate as u64 * seconds;
    let interval = Duration::from_secs_f64(1.0 / f64::from(rate));
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(total as usize);
    for _ in 0..total {
        ticker.tick().await;
        let (client, body) = (client.clone(), body.clone());
        let url = format!("{}/api/v1/orders", server.base);
        let auth = format!("Bearer {}", server.token);
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let res = client.post(&url).header("authorization", &auth).header("content-type", "application/json").body(body).send().await;
            match res {
                Ok(r) if r.status().as_u16() == 201 => Ok(t.elapsed()),
                _ => Err(()),
            }
        }));
    }
    let (mut lat, mut errors) = (Vec::new(), 0);
    for t in tasks {
        match t.await? {
            Ok(d) => lat.push(d),
            Err(()) => errors += 1,
        }
    }
    Ok((lat, start.elapsed(), errors))
}

/// Serialises a `CreateOrderInput` the way a client would send it.
struct Body<'a>(&'a CreateOrderInput);

impl serde::Serialize for Body<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let b = self.0;
        let r = &b.requester;
        let l = &b.location;
        let t = b.triage.as_ref();
        serde_json::json!({
            "channel": b.channel, "description": b.description,
            "requester": { "name": r.name, "phone": r.phone, "language": r.language },
            "location": { "address": l.address, "street": l.street, "lng": l.lng, "lat": l.lat },
            "triage": t.map(|t| serde_json::json!({ "nature": t.nature, "category": t.category, "urgency": t.urgency })),
            "disposition": b.disposition,
        })
        .serialize(s)
    }
}

fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)).and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Request texts as they reach intake: formal addresses, operator summaries, citizens' own words,
/// townships and villages, names several places share, and requests that name no place.
const PLACE_TEXTS: [&str; 50] = [
    "市民来电反映：海淀区中关村街道知春里西社区8号楼门口车辆乱停",
    "市民来电反映：朝阳区望京街道望京西园三区12号楼门口长期有车辆乱停，占用消防通道，影响通行，希望尽快处理。",
    "东城区交道口街道南锣鼓巷社区菊儿胡同夜间施工扰民",
    "西城区什刹海街道护国寺社区护国寺东巷12号房屋漏雨",
    "丰台区方庄街道芳古园一区第一社区3号楼楼顶漏水",
    "石景山区鲁谷街道依翠园北社区电动车充电桩损坏",
    "门头沟区龙泉地区琉璃渠村委会村口路灯损坏",
    "房山区长阳镇碧桂园社区物业乱收费",
    "通州区九棵树街道翠屏北里社区幼儿园门前拥堵",
    "顺义区胜利街道义宾北区社区12号楼供暖不热",
    "昌平区回龙观街道龙博苑社区一区12号楼停电",
    "大兴区亦庄地区贵园南里社区7号楼供暖不热",
    "怀柔区泉河街道富乐北里社区楼道堆物",
    "平谷区兴谷街道乐园东社区楼下烧烤油烟扰民",
    "密云区鼓楼街道宾阳里社区8号楼停水",
    "延庆区香水园街道川北东社区路灯不亮",
    "来电人反映朝阳区东坝街道东坝家园社区有人私搭乱建",
    "诉求人表示其居住在海淀区万柳地区，小区周边夜间施工",
    "市民反映西城区德胜街道马甸社区附近夜间渣土车扰民",
    "望京这边南湖东园小区停车难",
    "回龙观那边的龙泽苑，小区门口天天堵车",
    "在三里屯，酒吧夜里太吵了",
    "知春里这边有个井盖丢了",
    "东坝村那条路坑坑洼洼的",
    "大兴黄村这边路灯不亮",
    "通州梨园有个小区停水三天了",
    "昌平沙河镇的路灯晚上不亮",
    "王府井步行街上有人发小广告",
    "我在中关村上班，楼下的路灯坏了",
    "宋庄这边的画家村有人烧垃圾",
    "后沙峪这边的别墅区停电",
    "延庆八达岭那边旅游大巴乱停",
    "平谷金海湖那边的民宿乱收费",
    "我住海淀，暖气不热",
    "密云这边的水库边有人游泳",
    "房山区霞云岭乡堂上村委会山路塌方",
    "怀柔喇叭沟门乡那边山路塌方",
    "通州于家务乡有养殖场臭味大",
    "来电人称其在宋庄小堡村，村里有人私搭乱建",
    "司马台村的民宿排污",
    "小黄庄社区的垃圾桶满了没人清",
    "新华社社区这边停车难",
    "三里河那边的树倒了",
    "我住天通苑，暖气一直不热",
    "八里庄街道办事处不作为",
    "西城区青年湖社区下水道返味",
    "请问社保卡丢了怎么补办",
    "出租车司机绕路多收费，车牌号京B12345",
    "反映某外卖平台商家食品不卫生，吃了拉肚子",
    "来电人咨询退休金调整政策，要求回电",
];

/// Builds the gazetteer from the shipped units and times `iterations` resolutions on this thread.
fn places(iterations: usize) -> anyhow::Result<()> {
    let units = crate::seed::shipped_units()?;
    let places = units.iter().filter(|u| matches!(u.class, UnitClass::District | UnitClass::Street | UnitClass::Community)).count();
    let t = Instant::now();
    let gazetteer = hotline_places::Gazetteer::new(&units);
    let build = t.elapsed();
    // Warm up caches and the branch predictor on every text.
    for text in PLACE_TEXTS {
        std::hint::black_box(gazetteer.resolve(std::hint::black_box(text)));
    }
    let mut lat = Vec::with_capacity(iterations);
    let start = Instant::now();
    for i in 0..iterations {
        let text = std::hint::black_box(PLACE_TEXTS[i % PLACE_TEXTS.len()]);
        let t = Instant::now();
        std::hint::black_box(gazetteer.resolve(text));
        lat.push(t.elapsed());
    }
    let elapsed = start.elapsed();
    lat.sort();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    let p99 = percentile(&lat, 0.99);
    println!(
        "place resolution, {} texts, 1 thread: {iterations} calls in {:.2} s = {:.0}/s; latency p50 {:.2} µs, p90 {:.2} µs, p99 {:.2} µs, max {:.1} µs",
        PLACE_TEXTS.len(),
        elapsed.as_secs_f64(),
        iterations as f64 / elapsed.as_secs_f64(),
        us(percentile(&lat, 0.5)),
        us(percentile(&lat, 0.9)),
        us(p99),
        us(lat.last().copied().unwrap_or_default()),
    );
    println!("\nFIGURES");
    println!("gazetteer build ({places} districts, streets and communities): {:.1} ms", build.as_secs_f64() * 1e3);
    println!("place resolution p99: {:.2} µs (limit <= 50 µs: {:.3} of the limit)", us(p99), us(p99) / 50.0);
    Ok(())
}

async fn triage(requests: usize, train: usize) -> anyhow::Result<()> {
    let server = start_server().await?;
    let app = server.app.clone();
    let engine = app.triage_engine().ok_or_else(|| anyhow::anyhow!("no triage model"))?;
    let texts: Vec<String> = crate::triage::read_labelled(crate::triage::HANDWRITTEN)?
        .into_iter()
        .map(|l| l.text)
        .chain(crate::triage::generated_examples(2_000, 7)?.into_iter().map(|l| l.text))
        .collect();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    for t in &texts {
        std::hint::black_box(engine.suggest(t));
    }
    let mut lat = Vec::with_capacity(requests);
    for i in 0..requests {
        let text = std::hint::black_box(&texts[i % texts.len()]);
        let t = Instant::now();
        std::hint::black_box(engine.suggest(text));
        lat.push(t.elapsed());
    }
    lat.sort();
    let engine_p99 = percentile(&lat, 0.99);
    println!(
        "engine only ({} texts, 1 thread): p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs",
        texts.len(),
        us(percentile(&lat, 0.5)),
        us(engine_p99),
        us(lat.last().copied().unwrap_or_default())
    );
    let mut lat = Vec::with_capacity(requests);
    for i in 0..requests {
        let t = Instant::now();
        std::hint::black_box(app.triage(None, &texts[i % texts.len()], None, None).await.map_err(|e| anyhow::anyhow!("{e}"))?);
        lat.push(t.elapsed());
    }
    lat.sort();
    let full_p99 = percentile(&lat, 0.99);
    println!(
        "full triage (engine + place + unit + duplicates among stored orders): p50 {:.0} µs, p99 {:.0} µs",
        us(percentile(&lat, 0.5)),
        us(full_p99)
    );

    let examples = crate::triage::generated_examples(train, 11)?;
    let rss_before = rss_mb();
    let t = Instant::now();
    let tree = crate::triage::tree_knowledge(&app);
    let model = hotline_triage::TriageModel::train(
        &examples,
        &tree,
        hotline_triage::ModelInfo::default(),
        &hotline_triage::TrainOptions::default(),
    );
    let trained = t.elapsed();
    let peak = peak_rss_mb();
    let bytes = model.to_bytes().len() as f64 / 1e6;
    println!(
        "training on {train} generated requests: {:.1} s; peak RSS {peak:.0} MB (before {rss_before:.0} MB); model {bytes:.1} MB",
        trained.as_secs_f64()
    );
    println!("\nFIGURES");
    println!("triage p99 (engine, 1 thread): {:.0} µs (limit <= 1 ms: {:.3} of the limit)", us(engine_p99), us(engine_p99) / 1000.0);
    println!("triage p99 (full use case): {:.0} µs ({:.3} of 1 ms)", us(full_p99), us(full_p99) / 1000.0);
    println!(
        "training on {train}: {:.1} s (limit 300 s: {:.3}); peak RSS {peak:.0} MB (limit 4096 MB: {:.3}); model {bytes:.1} MB (limit 50 MB: {:.3})",
        trained.as_secs_f64(),
        trained.as_secs_f64() / 300.0,
        peak / 4096.0,
        bytes / 50.0
    );
    Ok(())
}

/// Stores `count` orders, the k-th made by `make(k)`, each with `events`, in bulk batches; returns
/// how many were stored.
async fn import_many(
    app: &App,
    count: usize,
    day: chrono::NaiveDate,
    events: &[EventDraft],
    make: impl Fn(usize) -> WorkOrder,
) -> anyhow::Result<usize> {
    let mut stored = 0;
    while stored < count {
        let n = 5_000.min(count - stored);
        let rows: Vec<(WorkOrder, Vec<EventDraft>)> = (stored..stored + n).map(|k| (make(k), events.to_vec())).collect();
        stored += app.store.import_orders(&rows, day).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    Ok(stored)
}

async fn scheduler(orders: usize, due: usize) -> anyhow::Result<()> {
    let server = start_server().await?;
    let app = server.app.clone();
    let input = sample_input(&app, 1)?;
    let (order, events) = sample_order_with_events(&app, &input).await?;
    anyhow::ensure!(order.first_dispatched_at.is_some(), "the sample order is dispatched");
    let policy = app.policy().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let now = app.clock.now();
    let shaped = |contact_due: hotline_domain::Timestamp| {
        let mut o = order.clone();
        o.case_id = hotline_domain::CaseId(0);
        o.dispatched_at = Some(contact_due - chrono::Duration::hours(24));
        o.first_dispatched_at = o.dispatched_at;
        o.dues.contact_due = Some(contact_due);
        o.dues.reply_due = Some(contact_due + chrono::Duration::days(6));
        o.next_notice_at = o.next_notice_time(&policy);
        o
    };
    let later = shaped(now + chrono::Duration::days(10));
    let overdue = shaped(now - chrono::Duration::hours(1));
    let today = policy.local_date(now);
    let t = Instant::now();
    // The overdue ones are spread through the table, not stored together.
    let every = (orders / due.max(1)).max(1);
    let stored = import_many(&app, orders, today, &events, |k| if k % every == 0 { overdue.clone() } else { later.clone() }).await?;
    println!("stored {stored} open dispatched orders in {:.1} s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let first = app.run_deadline_pass().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let firing = t.elapsed();
    let t = Instant::now();
    let steady = app.run_deadline_pass().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let idle = t.elapsed();
    println!(
        "pass firing notices: {} notices on {} orders in {:.2} s ({:.0} orders/s); next pass: {} fired in {:.1} ms",
        first.fired,
        first.orders,
        firing.as_secs_f64(),
        first.orders as f64 / firing.as_secs_f64(),
        steady.fired,
        idle.as_secs_f64() * 1e3
    );
    println!("\nFIGURES");
    println!(
        "scheduler pass over {stored} open orders, nothing due: {:.1} ms (limit 1 s: {:.4} of the limit)",
        idle.as_secs_f64() * 1e3,
        idle.as_secs_f64()
    );
    println!("scheduler pass firing {} orders' notices among {stored}: {:.2} s", first.orders, firing.as_secs_f64());
    Ok(())
}

async fn assess(orders: usize) -> anyhow::Result<()> {
    use hotline_domain::{Evaluation, Resolution, Satisfaction};
    let server = start_server().await?;
    let app = server.app.clone();
    let input = sample_input(&app, 1)?;
    let (order, events) = sample_order_with_events(&app, &input).await?;
    let streets: Vec<hotline_domain::UnitId> = app.units().all().iter().filter(|u| u.class == UnitClass::Street).map(|u| u.id).collect();
    let policy = app.policy().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let month_start = chrono::DateTime::parse_from_rfc3339("2026-10-01T00:00:00+08:00")?.to_utc();
    let today = policy.local_date(month_start);
    let t = Instant::now();
    let stored = import_many(&app, orders, today, &events, |k| {
        let mut o = order.clone();
        o.case_id = hotline_domain::CaseId(0);
        if let Some(a) = o.assignment.as_mut() {
            a.main_unit = streets[k % streets.len()];
        }
        o.evaluation = Some(Evaluation {
            contacted: k % 10 != 0,
            resolution: [Resolution::Resolved, Resolution::Partly, Resolution::Unresolved][k % 3],
            satisfaction: [Satisfaction::Satisfied, Satisfaction::Basic, Satisfaction::Unsatisfied][k % 3],
            comment: String::new(),
        });
        o.evaluated_at = Some(month_start + chrono::Duration::seconds((k % (30 * 86_400)) as i64));
        // One in a hundred judged unreasonable by the centre: counted apart, out of the rates.
        o.handling.exclusion = (k % 100 == 0).then_some(hotline_domain::Exclusion::Unreasonable);
        o
    })
    .await?;
    println!("stored {stored} orders evaluated in 2026-10 across {} streets in {:.1} s", streets.len(), t.elapsed().as_secs_f64());
    let mut times = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let a = app.assess(None, "2026-10").await.map_err(|e| anyhow::anyhow!("{e}"))?;
        times.push(t.elapsed());
        std::hint::black_box(a);
    }
    times.sort();
    let median = times[1];
    // The same orders are all still with their unit (the sample is dispatched), long past their
    // reply due time: the callback queue holds every one of them.
    let mut queue_times = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let page = app.store.callback_queue(app.clock.now(), 50, 0).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        queue_times.push(t.elapsed());
        std::hint::black_box(page);
    }
    queue_times.sort();
    println!("\nFIGURES");
    println!(
        "assessment of 2026-10 over {stored} evaluated orders (median of 3): {:.2} s (limit 5 s: {:.3} of the limit)",
        median.as_secs_f64(),
        median.as_secs_f64() / 5.0
    );
    println!(
        "callback queue, first page of 50 among {stored} waiting orders (median of 5): {:.2} ms",
        queue_times[2].as_secs_f64() * 1000.0
    );
    Ok(())
}

async fn open311(orders: usize, queries: usize) -> anyhow::Result<()> {
    let server = start_server().await?;
    let app = server.app.clone();
    let input = sample_input(&app, 1)?;
    let (order, events) = sample_order_with_events(&app, &input).await?;
    let now = app.clock.now();
    let today = app.policy().await.map_err(|e| anyhow::anyhow!("{e}"))?.local_date(now);
    let span = 180 * 86_400_i64;
    let t = Instant::now();
    let stored = import_many(&app, orders, today, &events, |k| {
        let mut o = order.clone();
        o.case_id = hotline_domain::CaseId(0);
        // Spread evenly over the last 180 days: the default 90-day window holds about half.
        let at = now - chrono::Duration::seconds((k as i64 * 7_919) % span);
        o.received_at = at;
        o.updated_at = at + chrono::Duration::hours(1);
        o
    })
    .await?;
    println!("stored {stored} orders over 180 days in {:.1} s", t.elapsed().as_secs_f64());
    let client = reqwest::Client::new();
    // A page deep in the window (the window holds about half the orders).
    let page = (stored / 4_000).clamp(1, 100);
    let deep = format!("/open311/v2/requests.json?page={page}&page_size=1000");
    let shapes = [
        ("requests.json (default 90-day window)".to_owned(), "/open311/v2/requests.json".to_owned()),
        ("requests.xml (default 90-day window)".to_owned(), "/open311/v2/requests.xml".to_owned()),
        (
            "requests.json?status=open&service_code=TRF.illegal_parking".to_owned(),
            "/open311/v2/requests.json?status=open&service_code=TRF.illegal_parking".to_owned(),
        ),
        (format!("requests.json?page={page}&page_size=1000"), deep),
        ("requests.json?extensions=true (1000 timelines)".to_owned(), "/open311/v2/requests.json?extensions=true".to_owned()),
    ];
    println!("\nFIGURES");
    for (name, path) in &shapes {
        let url = format!("{}{path}", server.base);
        let mut lat = Vec::with_capacity(queries);
        let start = Instant::now();
        for _ in 0..queries {
            let t = Instant::now();
            let res = client.get(&url).send().await?;
            anyhow::ensure!(res.status().is_success(), "{name}: {}", res.status());
            let body = res.text().await?;
            lat.push(t.elapsed());
            let rows =
                if path.contains(".xml") { body.matches("<request>").count() } else { body.matches("\"service_request_id\"").count() };
            anyhow::ensure!(rows == 1000, "{name}: {rows} rows, not 1000");
        }
        let (_, p99) = report(name, lat, start.elapsed(), 0);
        println!("  {name}: p99 {:.1} ms (limit 100 ms: {:.2} of the limit)", p99.as_secs_f64() * 1e3, p99.as_secs_f64() * 10.0);
    }
    Ok(())
}

/// Generated requests (text, district name, category path, received time) for the search bench.
fn generated_texts(count: usize, seed: u64) -> anyhow::Result<Vec<(String, String, String, hotline_domain::Timestamp)>> {
    let args = crate::generate::GenerateArgs { count, seed, start: "2025-12-01".into(), days: 365, surge: None };
    let mut buf = Vec::new();
    crate::generate::generate(&args, &mut buf)?;
    let mut out = Vec::with_capacity(count);
    for line in buf.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        let v: serde_json::Value = serde_json::from_slice(line)?;
        let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
        let category = v["category_path"].as_array().and_then(|p| p.last()).and_then(|c| c.as_str()).unwrap_or("OTH").to_owned();
        out.push((s("text"), s("district"), category, s("received_at").parse()?));
    }
    Ok(out)
}

/// Times `count` GET requests to `urls` (cycled) with the bench token; returns p50 and p99.
async fn time_gets(server: &Server, urls: &[String], count: usize) -> anyhow::Result<(Duration, Duration, f64)> {
    let client = reqwest::Client::new();
    let mut lat = Vec::with_capacity(count);
    let mut hits = 0usize;
    for i in 0..count {
        let url = &urls[i % urls.len()];
        let t = Instant::now();
        let res = client.get(url).bearer_auth(&server.token).send().await?;
        anyhow::ensure!(res.status().is_success(), "{url}: {}", res.status());
        let body: serde_json::Value = res.json().await?;
        lat.push(t.elapsed());
        hits += usize::from(body["total"].as_u64().unwrap_or(0) > 0);
    }
    lat.sort();
    Ok((percentile(&lat, 0.50), percentile(&lat, 0.99), hits as f64 / count as f64))
}

async fn search(orders: usize, articles: usize, arrivals: usize, queries: usize) -> anyhow::Result<()> {
    use hotline_domain::kb::ArticleDraft;
    // The bench drives the index itself: no background passes.
    let server = start_server_with(|c| c.search_refresh_ms = 0).await?;
    let app = server.app.clone();
    let input = sample_input(&app, 1)?;
    let (order, events) = sample_order_with_events(&app, &input).await?;
    let now = app.clock.now();
    let today = app.policy().await.map_err(|e| anyhow::anyhow!("{e}"))?.local_date(now);
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
        app.store.save_article(&draft, owner_id, None, "bench", now).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    println!("stored {articles} articles in {:.1} s", t.elapsed().as_secs_f64());

    // The index built from nothing: a scan of every order and article.
    let t = Instant::now();
    let built = app.sync_search().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let build = t.elapsed();
    let index = app.search_index().map_err(|e| anyhow::anyhow!("{e}"))?;
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
    let caught = app.sync_search().await.map_err(|e| anyhow::anyhow!("{e}"))?;
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

/// Bytes of the files under `dir`.
fn dir_bytes(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => dir_bytes(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

/// Peak resident memory of this process (VmHWM), in MB.
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)).and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

pub async fn run(command: &BenchCommand) -> anyhow::Result<()> {
    println!("machine: {} cores; {}", std::thread::available_parallelism().map_or(0, |n| n.get()), cpu_model());
    match command {
        BenchCommand::Create { orders, concurrency, rate, seconds, search_off } => {
            let server = start_server_with(|c| {
                if *search_off {
                    c.search_refresh_ms = 0;
                }
            })
            .await?;
            // Warm up the connection pools and caches.
            closed_loop(&server, 500, *concurrency, 0).await?;
            let (lat, elapsed, errors) = closed_loop(&server, *orders, *concurrency, 1).await?;
            let (http_rate, _) = report(&format!("create over HTTP, {concurrency} clients"), lat, elapsed, errors);
            let (lat, elapsed, errors) = open_loop(&server, *rate, *seconds).await?;
            let (_, p99) = report(&format!("create over HTTP at a fixed {rate}/s"), lat, elapsed, errors);
            // The baseline: the same row and event, raw sqlx-sqlite, one transaction each.
            let input = sample_input(&server.app, 3)?;
            let (order, event) = sample_order(&server.app, &input).await?;
            let path = server.dir.join("raw.db");
            let n = 20_000;
            let raw = hotline_store_sql::bench::raw_sqlite_inserts(&path.display().to_string(), &order, &event, n)
                .await
                .map_err(anyhow::Error::msg)?;
            let raw_rate = n as f64 / raw.as_secs_f64();
            println!("raw SQLite insert of the same order row and event (one transaction each): {raw_rate:.0}/s");
            println!("\nFIGURES");
            println!("sustained create rate: {http_rate:.0}/s (limit >= 2000/s: {:.2}x the limit)", http_rate / 2000.0);
            println!(
                "p99 at {rate}/s: {:.1} ms (limit <= 50 ms: {:.2} of the limit)",
                p99.as_secs_f64() * 1e3,
                p99.as_secs_f64() * 1e3 / 50.0
            );
            println!("HTTP create / raw SQLite insert: {:.3}", http_rate / raw_rate);
            Ok(())
        }
        BenchCommand::Places { iterations } => places(*iterations),
        BenchCommand::Triage { requests, train } => triage(*requests, *train).await,
        BenchCommand::Scheduler { orders, due } => scheduler(*orders, *due).await,
        BenchCommand::Assess { orders } => assess(*orders).await,
        BenchCommand::Open311 { orders, queries } => open311(*orders, *queries).await,
        BenchCommand::Search { orders, articles, arrivals, queries } => search(*orders, *articles, *arrivals, *queries).await,
        BenchCommand::Detail { orders, requests, concurrency } => {
            let server = start_server().await?;
            let input = sample_input(&server.app, 1)?;
            let (mut order, events) = sample_order_with_events(&server.app, &input).await?;
            // Each stored copy opens its own case, as distinct historical orders would.
            order.case_id = hotline_domain::CaseId(0);
            let today = server.app.policy().await.map_err(|e| anyhow::anyhow!("{e}"))?.local_date(server.app.clock.now());
            let t = Instant::now();
            let stored = import_many(&server.app, *orders, today, &events, |_| order.clone()).await?;
            println!("stored {stored} orders ({} events each) in {:.1} s", events.len(), t.elapsed().as_secs_f64());
            let prefix = today.format("%Y%m%d").to_string();
            let client = reqwest::Client::new();
            let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
            let start = Instant::now();
            let mut tasks = Vec::new();
            for c in 0..*concurrency {
                let (client, next) = (client.clone(), next.clone());
                let (base, auth, prefix, total, stored) =
                    (server.base.clone(), format!("Bearer {}", server.token), prefix.clone(), *requests, stored);
                tasks.push(tokio::spawn(async move {
                    let (mut lat, mut errors) = (Vec::new(), 0usize);
                    let mut x: u64 = 0x9E37_79B9_7F4A_7C15 ^ c as u64;
                    loop {
                        if next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) >= total {
                            break;
                        }
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        let seq = 1 + (x % stored as u64);
                        let url = format!("{base}/api/v1/orders/{prefix}{seq:05}");
                        let t = Instant::now();
                        match client.get(&url).header("authorization", &auth).send().await {
                            Ok(r) if r.status().is_success() => {
                                let _ = r.bytes().await;
                                lat.push(t.elapsed());
                            }
                            _ => errors += 1,
                        }
                    }
                    (lat, errors)
                }));
            }
            let (lat, errors) = join_clients(tasks).await?;
            let (_, p99) = report(&format!("order detail with {stored} orders, {concurrency} clients"), lat, start.elapsed(), errors);
            let rss = rss_mb();
            println!("\nFIGURES");
            println!(
                "order detail p99 with {stored} orders: {:.2} ms (limit <= 10 ms: {:.2} of the limit)",
                p99.as_secs_f64() * 1e3,
                p99.as_secs_f64() * 1e3 / 10.0
            );
            println!("process RSS (server and load generator together): {rss:.0} MB (limit <= 300 MB: {:.2} of the limit)", rss / 300.0);
            Ok(())
        }
    }
}

/// The order and receipt event a create stores, built through the same use-case steps.
async fn sample_order(app: &App, input: &CreateOrderInput) -> anyhow::Result<(WorkOrder, EventDraft)> {
    let (order, mut events) = sample_order_with_events(app, input).await?;
    Ok((order, events.remove(0)))
}

async fn sample_order_with_events(app: &App, input: &CreateOrderInput) -> anyhow::Result<(WorkOrder, Vec<EventDraft>)> {
    let operator = app.store.list_users().await.map_err(|e| anyhow::anyhow!("{e}"))?.into_iter().next().context("bench user")?;
    let p = hotline_app::Principal::from(operator);
    let (view, _) = app.create_order(&p, input, None).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let number = hotline_domain::OrderNumber::parse(&view.number)?;
    let order = app.store.get_order(&number).await.map_err(|e| anyhow::anyhow!("{e}"))?.context("sample order")?;
    let events =
        app.store.order_events(order.id).await.map_err(|e| anyhow::anyhow!("{e}"))?.into_iter().map(|e| e.draft).collect::<Vec<_>>();
    Ok((order, events))
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or_default().trim().to_owned()))
        .unwrap_or_default()
}
