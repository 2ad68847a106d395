//! Whole workloads over many stored orders: the deadline scheduler's passes, a month's assessment,
//! Open311 GET requests.

use std::time::Instant;

use hotline_domain::UnitClass;

use super::{import_many, report, sample_input, sample_order_with_events, start_server};

pub(super) async fn scheduler(orders: usize, due: usize) -> anyhow::Result<()> {
    let server = start_server().await?;
    let app = server.app.clone();
    let input = sample_input(&app, 1)?;
    let (order, events) = sample_order_with_events(&app, &input).await?;
    anyhow::ensure!(order.first_dispatched_at.is_some(), "the sample order is dispatched");
    let policy = app.policy().await?;
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
    let first = app.run_deadline_pass().await?;
    let firing = t.elapsed();
    let t = Instant::now();
    let steady = app.run_deadline_pass().await?;
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

pub(super) async fn assess(orders: usize) -> anyhow::Result<()> {
    use hotline_domain::{Evaluation, Resolution, Satisfaction};
    let server = start_server().await?;
    let app = server.app.clone();
    let input = sample_input(&app, 1)?;
    let (order, events) = sample_order_with_events(&app, &input).await?;
    let streets: Vec<hotline_domain::UnitId> = app.units().all().iter().filter(|u| u.class == UnitClass::Street).map(|u| u.id).collect();
    let policy = app.policy().await?;
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
        let a = app.assess(None, "2026-10").await?;
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
        let page = app.orders().callback_queue(app.clock.now(), 50, 0).await?;
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

pub(super) async fn open311(orders: usize, queries: usize) -> anyhow::Result<()> {
    let server = start_server().await?;
    let app = server.app.clone();
    let input = sample_input(&app, 1)?;
    let (order, events) = sample_order_with_events(&app, &input).await?;
    let now = app.clock.now();
    let today = app.policy().await?.local_date(now);
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
