//! Authentication: sessions, API tokens, and what callers without them get.

use serde_json::json;

use crate::helpers::{WANGJING, dispatch_body, expect_problem, expect_status, spawn_app};

#[tokio::test]
async fn unauthenticated_requests_get_401_problem_json_and_write_nothing() {
    let app = spawn_app().await;
    let anon = app.anonymous();
    for path in ["/api/v1/me", "/api/v1/orders", "/api/v1/orders/counts", "/api/v1/units", "/api/v1/orders/2026030200001"] {
        expect_problem(anon.get(app.url(path)).send().await.expect("GET"), 401, "unauthenticated").await;
    }
    let before = app.total_orders().await;
    let res = anon.post(app.url("/api/v1/orders")).json(&dispatch_body(app.unit(WANGJING))).send().await.expect("POST");
    expect_problem(res, 401, "unauthenticated").await;
    let res = anon.post(app.url("/api/v1/orders/2026030200001/actions")).json(&json!({ "action": "sign" })).send().await.expect("POST");
    expect_problem(res, 401, "unauthenticated").await;
    assert_eq!(app.total_orders().await, before);
}

#[tokio::test]
async fn a_bogus_bearer_token_or_cookie_gets_401() {
    let app = spawn_app().await;
    let anon = app.anonymous();
    let res = anon.get(app.url("/api/v1/me")).bearer_auth("hl_0000").send().await.expect("GET");
    expect_problem(res, 401, "unauthenticated").await;
    let res = anon.get(app.url("/api/v1/me")).header("cookie", "hotline_session=deadbeef").send().await.expect("GET");
    expect_problem(res, 401, "unauthenticated").await;
}

#[tokio::test]
async fn a_wrong_password_gets_401_bad_credentials_and_no_cookie() {
    let app = spawn_app().await;
    for (user, password) in [("operator", "not-the-password"), ("nobody", "hotline-demo")] {
        let res = app
            .anonymous()
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({ "username": user, "password": password }))
            .send()
            .await
            .expect("POST login");
        assert!(res.headers().get("set-cookie").is_none(), "no session for a failed login");
        expect_problem(res, 401, "bad_credentials").await;
    }
}

#[tokio::test]
async fn an_api_token_authenticates_as_the_user_who_issued_it() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    let token = app.token(&op).await;
    assert!(token.starts_with("hl_"), "{token}");
    let me = expect_status(app.anonymous().get(app.url("/api/v1/me")).bearer_auth(&token).send().await.expect("GET me"), 200).await;
    assert_eq!(me["username"], "operator");
    assert_eq!(me["role"], "operator");
    // The token can create orders like the session can.
    let res = app.anonymous().post(app.url("/api/v1/orders")).bearer_auth(&token).json(&dispatch_body(app.unit(WANGJING))).send().await;
    expect_status(res.expect("POST orders"), 201).await;
}

#[tokio::test]
async fn issuing_a_token_needs_a_login_and_a_name() {
    let app = spawn_app().await;
    let res = app.anonymous().post(app.url("/api/v1/tokens")).json(&json!({ "name": "x" })).send().await.expect("POST");
    expect_problem(res, 401, "unauthenticated").await;
    let op = app.login("operator").await;
    let res = op.post(app.url("/api/v1/tokens")).json(&json!({ "name": "" })).send().await.expect("POST");
    let problem = expect_problem(res, 422, "required").await;
    assert_eq!(problem["field"], "name");
}

#[tokio::test]
async fn logging_out_ends_the_session_on_the_server() {
    let app = spawn_app().await;
    let anon = app.anonymous();
    let res = anon
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "username": "operator", "password": hotline::demo::DEMO_PASSWORD }))
        .send()
        .await
        .expect("POST login");
    let set_cookie = res.headers().get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    expect_status(res, 200).await;
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"), "{set_cookie}");
    // Replay the cookie by hand, so the client forgetting it cannot hide a session the server kept.
    let cookie = set_cookie.split(';').next().unwrap_or_default().to_owned();
    expect_status(anon.get(app.url("/api/v1/me")).header("cookie", &cookie).send().await.expect("GET me"), 200).await;
    let res = anon.post(app.url("/api/v1/auth/logout")).header("cookie", &cookie).send().await.expect("POST logout");
    assert_eq!(res.status().as_u16(), 204);
    expect_problem(anon.get(app.url("/api/v1/me")).header("cookie", &cookie).send().await.expect("GET me"), 401, "unauthenticated").await;
}

#[tokio::test]
async fn a_session_expires_after_the_configured_hours() {
    let app = spawn_app().await;
    let op = app.login("operator").await;
    app.clock.advance(chrono::Duration::hours(11));
    expect_status(op.get(app.url("/api/v1/me")).send().await.expect("GET me"), 200).await;
    app.clock.advance(chrono::Duration::hours(2));
    expect_problem(op.get(app.url("/api/v1/me")).send().await.expect("GET me"), 401, "unauthenticated").await;
}

#[tokio::test]
async fn creating_a_user_for_an_unknown_unit_returns_422_not_404() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let body = json!({ "username": "ghost", "display_name": "幽灵单位 承办人", "role": "unit_handler", "unit": 987_654_321, "password": "long-enough-pw" });
    let res = admin.post(app.url("/api/v1/users")).json(&body).send().await.expect("POST users");
    let problem = expect_problem(res, 422, "unknown_unit").await;
    assert_eq!(problem["field"], "unit");
    // A real unit works, and only an admin may do it.
    let body = json!({ "username": "wj2", "display_name": "望京街道 新人", "role": "unit_handler", "unit": app.unit(WANGJING), "password": "long-enough-pw" });
    let op = app.login("operator").await;
    expect_problem(op.post(app.url("/api/v1/users")).json(&body).send().await.expect("POST users"), 403, "forbidden").await;
    let created = expect_status(admin.post(app.url("/api/v1/users")).json(&body).send().await.expect("POST users"), 201).await;
    assert_eq!(created["unit"], app.unit(WANGJING));
    let wj2 = app.login_with("wj2", "long-enough-pw").await;
    let me = expect_status(wj2.get(app.url("/api/v1/me")).send().await.expect("GET me"), 200).await;
    assert_eq!(me["role"], "unit_handler");
}
