//! `Idempotency-Key`: a retried create returns the first order instead of making another.

use std::collections::BTreeSet;

use crate::helpers::{WANGJING, dispatch_body, expect_problem, expect_status, number_of, spawn_app};

#[tokio::test]
async fn the_same_idempotency_key_twice_returns_201_then_200_with_the_same_order() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let body = dispatch_body(app.unit(WANGJING));

    let first = app.create_order_with_key(&op, &body, "call-7781-retry").await;
    let first_location = first.headers().get("location").cloned();
    let first = expect_status(first, 201).await;
    let second = app.create_order_with_key(&op, &body, "call-7781-retry").await;
    assert_eq!(second.headers().get("location").cloned(), first_location, "a replay points at the same order");
    let second = expect_status(second, 200).await;

    assert_eq!(number_of(&first), number_of(&second));
    assert_eq!(second["state"], "dispatched");
    assert_eq!(app.total_orders().await, 1);
    let detail = app.detail(&number_of(&first)).await;
    assert_eq!(detail["timeline"].as_array().map(Vec::len), Some(3), "a replay writes no events");

    // Another key is another order.
    expect_status(app.create_order_with_key(&op, &body, "call-7782").await, 201).await;
    assert_eq!(app.total_orders().await, 2);
}

#[tokio::test]
async fn idempotency_keys_are_scoped_to_the_caller() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let sup = app.login("supervisor").await;
    let body = dispatch_body(app.unit(WANGJING));
    let a = expect_status(app.create_order_with_key(&op, &body, "shared-key").await, 201).await;
    let b = expect_status(app.create_order_with_key(&sup, &body, "shared-key").await, 201).await;
    assert_ne!(number_of(&a), number_of(&b));
    assert_eq!(app.total_orders().await, 2);
}

#[tokio::test]
async fn a_malformed_idempotency_key_returns_422_and_writes_nothing() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let body = dispatch_body(app.unit(WANGJING));
    let long = "k".repeat(101);
    for key in ["has space", long.as_str()] {
        let problem = expect_problem(app.create_order_with_key(&op, &body, key).await, 422, "invalid_idempotency_key").await;
        assert_eq!(problem["field"], "Idempotency-Key");
    }
    assert_eq!(app.total_orders().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_creates_with_one_key_make_exactly_one_order() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let body = dispatch_body(app.unit(WANGJING));
    let url = app.url("/api/v1/orders");

    let mut tasks = Vec::new();
    for _ in 0..20 {
        let (client, url, body) = (op.clone(), url.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            let res = client.post(url).header("Idempotency-Key", "burst-1").json(&body).send().await.expect("POST orders");
            let status = res.status().as_u16();
            let order: serde_json::Value = res.json().await.expect("a JSON body");
            (status, order["number"].as_str().unwrap_or_default().to_owned())
        }));
    }
    let mut statuses = Vec::new();
    let mut numbers = BTreeSet::new();
    for t in tasks {
        let (status, number) = t.await.expect("the request task");
        statuses.push(status);
        numbers.insert(number);
    }
    statuses.sort_unstable();
    let created = statuses.iter().filter(|s| **s == 201).count();
    let replayed = statuses.iter().filter(|s| **s == 200).count();
    assert_eq!((created, replayed), (1, 19), "statuses: {statuses:?}");
    assert_eq!(numbers.len(), 1, "every response names the same order: {numbers:?}");
    assert_eq!(app.total_orders().await, 1);
}
