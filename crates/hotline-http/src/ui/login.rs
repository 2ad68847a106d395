//! Staff login and logout, and where each role lands.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use hotline_app::App;
use maud::{Markup, html};
use serde::Deserialize;

use super::forms::FormData;
use super::{Lang, Nav, error_text, flash, home_of, layout, safe_path, user};
use crate::api::{clear_session_cookie, session_cookie};
use crate::extract::{Client, SESSION_COOKIE, cookie};

// ---------- login ----------

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

fn login_form(lang: Lang, next: &str, username: &str, error: Option<&str>) -> Markup {
    layout(
        lang,
        lang.t("登录", "Log in"),
        None,
        Nav::Login,
        "/login",
        html! {
            div.card.login {
                h1 { (lang.t("工作人员登录", "Staff login")) }
                (flash(None, error))
                form method="post" action="/login" {
                    input type="hidden" name="next" value=(next);
                    label for="username" { (lang.t("用户名", "Username")) }
                    input type="text" id="username" name="username" value=(username) autofocus required autocomplete="username";
                    label for="password" { (lang.t("密码", "Password")) }
                    input type="password" id="password" name="password" required autocomplete="current-password";
                    p { button type="submit" id="login-submit" { (lang.t("登录", "Log in")) } }
                }
                p.muted { (lang.t("市民无需登录：", "Citizens need no account: ")) a href="/citizen" { (lang.t("我要反映", "submit a request")) } " · " a href="/track" { (lang.t("进度查询", "track a request")) } }
            }
        },
    )
}

pub async fn login_page(lang: Lang, Query(q): Query<NextQuery>) -> Markup {
    login_form(lang, safe_path(q.next.as_deref()), "", None)
}

pub async fn login_submit(State(app): State<Arc<App>>, Client(client): Client, lang: Lang, body: Bytes) -> Response {
    let Ok(f) = FormData::parse(&body) else { return login_form(lang, "/", "", Some("?")).into_response() };
    let username = f.text("username");
    match app.login_from(&username, f.get("password").unwrap_or_default(), client).await {
        Ok(session) => {
            let next = match f.get("next") {
                Some(n) if n != "/" && !n.is_empty() => safe_path(Some(n)).to_owned(),
                _ => home_of(&session.principal).to_owned(),
            };
            let mut res = Redirect::to(&next).into_response();
            res.headers_mut().insert(header::SET_COOKIE, session_cookie(&app, &session));
            res
        }
        Err(e) => {
            (StatusCode::UNAUTHORIZED, login_form(lang, safe_path(f.get("next")), &username, Some(&error_text(lang, &e)))).into_response()
        }
    }
}

pub async fn logout(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        let _ = app.logout(token).await;
    }
    let mut res = Redirect::to("/login").into_response();
    res.headers_mut().insert(header::SET_COOKIE, clear_session_cookie());
    res
}

pub async fn home(State(app): State<Arc<App>>, headers: HeaderMap, uri: Uri) -> Response {
    match user(&app, &headers, &uri).await {
        Ok(p) => Redirect::to(home_of(&p)).into_response(),
        Err(_) => Redirect::to("/login").into_response(),
    }
}
