//! The server-rendered web UI: staff pages (login, intake, queue, inbox, order detail) and the
//! citizen pages (submit, track). Chinese by default, English by the `lang` cookie. Forms post back
//! to the server and work without JavaScript; `static/app.js` only adds conveniences.

mod admin;
mod adopted;
mod alerts;
mod analytics;
mod assessment;
mod catalogue;
mod charts;
mod citizen;
mod forms;
mod handling;
mod incidents;
mod intake;
mod kb;
mod login;
mod notices;
mod orders;
mod problems;
mod queues;
mod widgets;

use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use hotline_app::{App, Principal};
use maud::{DOCTYPE, Markup, html};
use serde::Deserialize;

use crate::extract::{SESSION_COOKIE, cookie};

const CSS: &str = include_str!("../../static/app.css");
const JS: &str = include_str!("../../static/app.js");

pub fn router() -> Router<Arc<App>> {
    Router::new()
        .route("/", get(login::home))
        .route("/login", get(login::login_page).post(login::login_submit))
        .route("/logout", post(login::logout))
        .route("/lang/{lang}", get(set_lang))
        .route("/intake", get(intake::intake_page).post(intake::intake_submit))
        .route("/queue", get(queues::queue_page))
        .route("/inbox", get(queues::inbox_page))
        .route("/orders/{number}", get(orders::order_page))
        .route("/orders/{number}/act", post(orders::order_act))
        .route("/orders/{number}/reveal", post(orders::order_reveal))
        .route("/ui/caller-history", get(intake::caller_history))
        .route("/go", get(go_to_order))
        .route("/admin", get(admin::admin_page))
        .route("/admin/policy", post(admin::policy_submit))
        .route("/admin/users", post(admin::user_submit))
        .route("/admin/categories", get(catalogue::tree_get))
        .route("/admin/categories/save", post(catalogue::tree_save))
        .route("/admin/categories/remove", post(catalogue::tree_remove))
        .route(
            "/admin/categories/import",
            post(catalogue::tree_import).layer(axum::extract::DefaultBodyLimit::max(crate::api::catalogue::MAX_CSV_BYTES)),
        )
        .route("/admin/categories/versions/{file}", get(catalogue::tree_version))
        .route("/admin/dispatch", get(catalogue::rules_get))
        .route("/admin/dispatch/save", post(catalogue::rules_save))
        .route("/admin/dispatch/remove", post(catalogue::rules_remove))
        .route(
            "/admin/dispatch/import",
            post(catalogue::rules_import).layer(axum::extract::DefaultBodyLimit::max(crate::api::catalogue::MAX_CSV_BYTES)),
        )
        .route("/admin/dispatch/versions/{file}", get(catalogue::rules_version))
        .route("/notifications", get(notices::notifications_page))
        .route("/alerts", get(alerts::alerts_page))
        .route("/alerts/{id}", get(alerts::alert_page))
        .route("/alerts/{id}/{action}", post(alerts::alert_action))
        .route("/incidents", get(incidents::incidents_page).post(incidents::declare_submit))
        .route("/incidents/{id}", get(incidents::incident_page))
        .route("/incidents/{id}/edit", post(incidents::edit_submit))
        .route("/incidents/{id}/close", post(incidents::close_submit))
        .route("/incidents/{id}/bulk", post(incidents::bulk_submit))
        .route("/callbacks", get(handling::callbacks_page))
        .route("/kb", get(kb::kb_page))
        .route("/kb/new", get(kb::new_article_page))
        .route("/kb/save", post(kb::save_article_submit))
        .route("/kb/{slug}", get(kb::article_page))
        .route("/kb/{slug}/edit", get(kb::edit_article_page))
        .route("/search", get(kb::search_page))
        .route("/rate/{number}", get(handling::rate_get).post(handling::rate_post))
        .route("/assessment/schemes", post(assessment::scheme_submit))
        .route("/assessment", get(assessment::assessment_page))
        .route("/analytics", get(analytics::analytics_page))
        .route("/problems", get(problems::problems_page))
        .route("/problems/adopt", post(adopted::adopt_submit))
        .route("/problems/adopted/{id}", get(adopted::problem_page))
        .route("/problems/adopted/{id}/close", post(adopted::close_submit))
        .route("/notifications/{id}/read", post(notices::notification_read))
        .route("/citizen", get(citizen::citizen_page).post(citizen::citizen_submit))
        .route("/track", get(citizen::track_page).post(citizen::track_submit))
        .route(
            "/static/app.css",
            get(|| async { ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "max-age=3600")], CSS) }),
        )
        .route(
            "/static/app.js",
            get(|| async { ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "max-age=3600")], JS) }),
        )
}

/// The page language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn zh(self) -> bool {
        self == Self::Zh
    }

    /// Picks the Chinese or English text.
    pub fn t<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        if self.zh() { zh } else { en }
    }

    pub fn of(headers: &HeaderMap) -> Self {
        match cookie(headers, "lang") {
            Some("en") => Self::En,
            _ => Self::Zh,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::of(&parts.headers))
    }
}

#[derive(Deserialize)]
struct Back {
    back: Option<String>,
}

/// Only same-site paths are followed after a language switch or login: a single leading slash, then
/// visible ASCII without backslashes. Browsers drop tabs and newlines from URLs, so `/\t/evil.org`
/// would become `//evil.org`; control characters and spaces are refused for that reason.
pub(crate) fn safe_path(p: Option<&str>) -> &str {
    match p {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && p.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') => p,
        _ => "/",
    }
}

async fn set_lang(axum::extract::Path(lang): axum::extract::Path<String>, Query(q): Query<Back>) -> Response {
    let value = if lang == "en" { "en" } else { "zh" };
    let cookie =
        HeaderValue::from_str(&format!("lang={value}; Path=/; Max-Age=31536000; SameSite=Lax")).unwrap_or(HeaderValue::from_static(""));
    let mut res = Redirect::to(safe_path(q.back.as_deref())).into_response();
    res.headers_mut().insert(header::SET_COOKIE, cookie);
    res
}

#[derive(Deserialize)]
struct GoTo {
    number: Option<String>,
}

/// The header's "order number" box: straight to the order page.
async fn go_to_order(Query(q): Query<GoTo>) -> Redirect {
    let n: String = q.number.unwrap_or_default().chars().filter(char::is_ascii_digit).collect();
    if n.is_empty() { Redirect::to("/") } else { Redirect::to(&format!("/orders/{n}")) }
}

/// Where a user lands after login.
pub(crate) fn home_of(p: &Principal) -> &'static str {
    use hotline_domain::Role;
    match p.role {
        Role::Operator => "/intake",
        Role::UnitHandler | Role::UnitAdmin => "/inbox",
        Role::CallbackAgent => "/callbacks",
        _ => "/queue",
    }
}

/// Which nav item is highlighted.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nav {
    None,
    Login,
    Intake,
    Queue,
    Inbox,
    Admin,
    Notifications,
    Alerts,
    Incidents,
    Callbacks,
    Kb,
    Search,
    Assessment,
    Analytics,
    Problems,
    Citizen,
    Track,
}

/// The page frame: header with navigation for the user's role, language switch, flash message.
pub(crate) fn layout(lang: Lang, title: &str, user: Option<&Principal>, nav: Nav, path: &str, body: Markup) -> Markup {
    use hotline_domain::Role;
    let link = |href: &str, label: &str, me: Nav| html! { a href=(href) class=[(nav == me).then_some("active")] { (label) } };
    html! {
        (DOCTYPE)
        html lang=(lang.t("zh-CN", "en")) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (lang.t("12345 接诉即办", "Hotline")) }
                link rel="stylesheet" href="/static/app.css";
            }
            body {
                header.top {
                    a.brand href="/" { (lang.t("12345 接诉即办", "12345 Hotline")) }
                    nav {
                        @if let Some(u) = user {
                            @if matches!(u.role, Role::Operator | Role::Supervisor) { (link("/intake", lang.t("受理", "Intake"), Nav::Intake)) }
                            @if !u.role.is_unit_role() { (link("/queue", lang.t("工单队列", "Queue"), Nav::Queue)) }
                            @if u.role.is_unit_role() { (link("/inbox", lang.t("待办工单", "Inbox"), Nav::Inbox)) }
                            (link("/notifications", lang.t("时限提醒", "Deadline notices"), Nav::Notifications))
                            @if !matches!(u.role, Role::CallbackAgent) { (link("/alerts", lang.t("预警", "Alerts"), Nav::Alerts)) }
                            @if matches!(u.role, Role::Operator | Role::Supervisor) { (link("/incidents", lang.t("突发事件", "Incidents"), Nav::Incidents)) }
                            @if matches!(u.role, Role::CallbackAgent | Role::Supervisor) { (link("/callbacks", lang.t("回访队列", "Callbacks"), Nav::Callbacks)) }
                            (link("/kb", lang.t("知识库", "Knowledge base"), Nav::Kb))
                            (link("/search", lang.t("检索", "Search"), Nav::Search))
                            @if matches!(u.role, Role::Admin | Role::Supervisor | Role::Analyst) { (link("/assessment", lang.t("考评排名", "Assessment"), Nav::Assessment)) }
                            @if !matches!(u.role, Role::CallbackAgent) { (link("/analytics", lang.t("民生大数据", "Analytics"), Nav::Analytics)) }
                            @if matches!(u.role, Role::Operator | Role::Supervisor | Role::Analyst | Role::Admin) { (link("/problems", lang.t("每月一题", "Problem of the month"), Nav::Problems)) }
                            @if matches!(u.role, Role::Admin | Role::Supervisor) { (link("/admin", lang.t("管理", "Admin"), Nav::Admin)) }
                        } @else {
                            (link("/citizen", lang.t("我要反映", "Submit a request"), Nav::Citizen))
                            (link("/track", lang.t("进度查询", "Track a request"), Nav::Track))
                            (link("/kb", lang.t("办事指南", "Guides"), Nav::Kb))
                        }
                    }
                    div.who {
                        @if lang.zh() {
                            a href={ "/lang/en?back=" (path) } lang="en" { "English" }
                        } @else {
                            a href={ "/lang/zh?back=" (path) } lang="zh" { "中文" }
                        }
                        @if user.is_some() {
                            form method="get" action="/go" style="display:inline" {
                                label.go for="go-number" { (lang.t("打开工单", "Open order")) input type="text" id="go-number" name="number" placeholder=(lang.t("工单编号", "Order number")) accesskey="g"; }
                            }
                        }
                        @if let Some(u) = user {
                            span { (u.display_name) " · " (u.role.label(lang.zh())) }
                            form method="post" action="/logout" style="display:inline" {
                                button.secondary type="submit" { (lang.t("退出", "Log out")) }
                            }
                        } @else if !matches!(nav, Nav::None | Nav::Login) {
                            a href="/login" { (lang.t("工作人员登录", "Staff login")) }
                        }
                    }
                }
                main { (body) }
                script src="/static/app.js" {}
            }
        }
    }
}

pub(crate) fn flash(ok: Option<&str>, error: Option<&str>) -> Markup {
    html! {
        @if let Some(m) = ok { div.flash.ok role="status" { (m) } }
        @if let Some(m) = error { div.flash.error role="alert" { (m) } }
    }
}

/// The error message of a use-case failure in the page language.
pub(crate) fn error_text(lang: Lang, e: &hotline_app::AppError) -> String {
    if let Some(cause) = e.cause() {
        tracing::error!(%cause, "internal error");
    }
    let (zh, en) = e.messages();
    if lang.zh() { zh } else { en }
}

/// A page that could not be served, in the user's language and with their navigation: the 404 of
/// an unknown address, a malformed page address (400), a failed action.
pub(crate) fn error_page(lang: Lang, user: Option<&Principal>, status: StatusCode, message: &str) -> Response {
    let title = match status {
        StatusCode::NOT_FOUND => lang.t("页面不存在", "Page not found"),
        StatusCode::FORBIDDEN => lang.t("无权访问", "Not allowed"),
        s if s.is_client_error() => lang.t("请求有误", "Bad request"),
        _ => lang.t("出错了", "Something went wrong"),
    };
    let home = user.map_or("/", home_of);
    let body = html! {
        div.card #error-page {
            h1 { (status.as_u16()) " · " (title) }
            p { (message) }
            p { a.button href=(home) { (lang.t("返回首页", "Back to the start page")) } }
        }
    };
    (status, layout(lang, title, user, Nav::None, "/", body)).into_response()
}

/// The 404 page of an unknown address: a signed-in user keeps their navigation.
pub async fn not_found(app: &App, headers: &HeaderMap) -> Response {
    let user = match cookie(headers, SESSION_COOKIE) {
        Some(token) => app.authenticate(token).await.ok(),
        None => None,
    };
    let lang = Lang::of(headers);
    error_page(lang, user.as_ref(), StatusCode::NOT_FOUND, lang.t("您访问的页面不存在。", "There is no page at this address."))
}

/// The signed-in user of a staff page, or the redirect to the login page.
pub(super) async fn user(app: &App, headers: &HeaderMap, uri: &Uri) -> Result<Principal, Response> {
    if let Some(token) = cookie(headers, SESSION_COOKIE)
        && let Ok(p) = app.authenticate(token).await
    {
        return Ok(p);
    }
    let next = uri.path_and_query().map_or("/", |p| p.as_str());
    Err(Redirect::to(&format!("/login?next={}", urlencode(next))).into_response())
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)]).unwrap_or_default().trim_start_matches('=').to_owned()
}

/// A staff page's caller: signed in (else the extractor answers with the redirect to the login
/// page, back here after), in their language.
pub(crate) struct Staff {
    pub who: Principal,
    pub lang: Lang,
}

impl FromRequestParts<Arc<App>> for Staff {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Self::Rejection> {
        let who = user(app, &parts.headers, &parts.uri).await?;
        Ok(Self { who, lang: Lang::of(&parts.headers) })
    }
}

/// A page's query parameters. A malformed address (`/queue?offset=abc`) is answered with an error
/// page in the user's language, with their navigation, never with a framework's plain text.
pub(crate) struct PageQuery<T>(pub T);

impl<T: serde::de::DeserializeOwned + Send> FromRequestParts<Arc<App>> for PageQuery<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Self::Rejection> {
        // The rejection is not `Send`: keep only whether it parsed before awaiting anything else.
        let parsed = Query::<T>::from_request_parts(parts, app).await.ok();
        match parsed {
            Some(Query(v)) => Ok(Self(v)),
            None => {
                let user = match cookie(&parts.headers, SESSION_COOKIE) {
                    Some(token) => app.authenticate(token).await.ok(),
                    None => None,
                };
                let lang = Lang::of(&parts.headers);
                Err(error_page(
                    lang,
                    user.as_ref(),
                    StatusCode::BAD_REQUEST,
                    lang.t(
                        "页面地址中的参数格式不正确（例如页码须为数字）。请从导航重新打开页面。",
                        "A value in the page address has the wrong format (a page position must be a number, for example). Open the page again from the navigation.",
                    ),
                ))
            }
        }
    }
}

/// A fresh token for a form, used as its idempotency key so a double submit files one order.
pub(crate) fn form_token() -> String {
    let mut b = [0u8; 16];
    let _ = getrandom::fill(&mut b);
    hex::encode(b)
}

#[cfg(test)]
mod tests {
    use super::safe_path;

    #[test]
    fn only_same_site_paths_are_followed() {
        for ok in ["/", "/orders/2026112500001", "/queue?tab=overdue&offset=50"] {
            assert_eq!(safe_path(Some(ok)), ok);
        }
        for bad in ["//evil.org", "/\\evil.org", "/\t/evil.org", "/\n", "https://evil.org", "evil", "/a b", ""] {
            assert_eq!(safe_path(Some(bad)), "/", "{bad:?} must not be followed");
        }
        assert_eq!(safe_path(None), "/");
    }
}
