//! Load over loopback HTTP: a closed loop of concurrent clients (throughput) and an open loop at
//! a fixed rate (latency), and the create and order-detail figures built on them.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hotline_app::orders::CreateOrderInput;

use super::{Server, import_many, report, rss_mb, sample_input, sample_order, sample_order_with_events, start_server, start_server_with};

/// Full load: `concurrency` clients each send requests back to back.
pub(super) async fn closed_loop(
    server: &Server,
    total: usize,
    concurrency: usize,
    offset: usize,
) -> anyhow::Result<(Vec<Duration>, Duration, usize)> {
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
pub(super) async fn join_clients(tasks: Vec<tokio::task::JoinHandle<(Vec<Duration>, usize)>>) -> anyhow::Result<(Vec<Duration>, usize)> {
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
pub(super) async fn open_loop(server: &Server, rate: u32, seconds: u64) -> anyhow::Result<(Vec<Duration>, Duration, usize)> {
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
pub(super) struct Body<'a>(pub(super) &'a CreateOrderInput);

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

/// `hotline bench create`: sustained create rate over HTTP, p99 at a fixed rate, and the ratio to
/// raw SQLite inserts of the same rows.
pub(super) async fn create(orders: usize, concurrency: usize, rate: u32, seconds: u64, search_off: bool) -> anyhow::Result<()> {
    let server = start_server_with(|c| {
        if search_off {
            c.search_refresh_ms = 0;
        }
    })
    .await?;
    // Warm up the connection pools and caches.
    closed_loop(&server, 500, concurrency, 0).await?;
    let (lat, elapsed, errors) = closed_loop(&server, orders, concurrency, 1).await?;
    let (http_rate, _) = report(&format!("create over HTTP, {concurrency} clients"), lat, elapsed, errors);
    let (lat, elapsed, errors) = open_loop(&server, rate, seconds).await?;
    let (_, p99) = report(&format!("create over HTTP at a fixed {rate}/s"), lat, elapsed, errors);
    // The baseline: the same row and event, raw sqlx-sqlite, one transaction each.
    let input = sample_input(&server.app, 3)?;
    let (order, event) = sample_order(&server.app, &input).await?;
    let path = server.dir.join("raw.db");
    let n = 20_000;
    let raw =
        hotline_store_sql::bench::raw_sqlite_inserts(&path.display().to_string(), &order, &event, n).await.map_err(anyhow::Error::msg)?;
    let raw_rate = n as f64 / raw.as_secs_f64();
    println!("raw SQLite insert of the same order row and event (one transaction each): {raw_rate:.0}/s");
    println!("\nFIGURES");
    println!("sustained create rate: {http_rate:.0}/s (limit >= 2000/s: {:.2}x the limit)", http_rate / 2000.0);
    println!("p99 at {rate}/s: {:.1} ms (limit <= 50 ms: {:.2} of the limit)", p99.as_secs_f64() * 1e3, p99.as_secs_f64() * 1e3 / 50.0);
    println!("HTTP create / raw SQLite insert: {:.3}", http_rate / raw_rate);
    Ok(())
}

/// `hotline bench detail`: order detail latency and the process's memory with many orders stored.
pub(super) async fn detail(orders: usize, requests: usize, concurrency: usize) -> anyhow::Result<()> {
    let server = start_server().await?;
    let input = sample_input(&server.app, 1)?;
    let (mut order, events) = sample_order_with_events(&server.app, &input).await?;
    // Each stored copy opens its own case, as distinct historical orders would.
    order.case_id = hotline_domain::CaseId(0);
    let today = server.app.policy().await?.local_date(server.app.clock.now());
    let t = Instant::now();
    let stored = import_many(&server.app, orders, today, &events, |_| order.clone()).await?;
    println!("stored {stored} orders ({} events each) in {:.1} s", events.len(), t.elapsed().as_secs_f64());
    // Time the steady state: the node's search index and read model caught up with what was stored
    // (the background passes would otherwise still be reading it on the same cores).
    let t = Instant::now();
    server.app.sync_search().await?;
    server.app.sync_analytics().await?;
    println!("search index and read model caught up in {:.1} s", t.elapsed().as_secs_f64());
    let prefix = today.format("%Y%m%d").to_string();
    let client = reqwest::Client::new();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..concurrency {
        let (client, next) = (client.clone(), next.clone());
        let (base, auth, prefix, total, stored) =
            (server.base.clone(), format!("Bearer {}", server.token), prefix.clone(), requests, stored);
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
