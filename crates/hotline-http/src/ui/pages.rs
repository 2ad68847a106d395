//! Page handlers. Each: authenticate from the session cookie (or redirect to login), call one use
//! case, render. Failed form posts re-render the form with what was typed and the error.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, FixedOffset, Utc};
use hotline_app::orders::{ListInput, OrderDetail, PublicRequestInput};
use hotline_app::views::{OrderView, RequesterView};
use hotline_app::{App, AppError, Principal, UnitDirectory};
use hotline_domain::{
    ActionKind, AgeGroup, Channel, EmergencyService, Nature, ReplyOutcome, Resolution, Role, Satisfaction, State as OrderState, UnitClass,
    Urgency, Vocabulary,
};
use maud::{Markup, html};
use serde::Deserialize;

use super::forms::{self, FormData};
use super::{Lang, Nav, error_text, flash, form_token, home_of, layout, safe_path};
use crate::api::{clear_session_cookie, session_cookie};
use crate::extract::{SESSION_COOKIE, cookie};

/// The signed-in user, or the redirect to the login page.
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

/// Local-time formatting with the deadline policy's offset.
#[derive(Clone, Copy)]
pub(super) struct Clock(FixedOffset);

impl Clock {
    pub(super) async fn of(app: &App) -> Self {
        let minutes = app.policy().await.map(|p| p.utc_offset_minutes).unwrap_or(480);
        Self(FixedOffset::east_opt(minutes * 60).unwrap_or(FixedOffset::east_opt(0).expect("UTC")))
    }
    pub(super) fn fmt(self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.0).format("%Y-%m-%d %H:%M").to_string()
    }
    fn opt(self, t: Option<DateTime<Utc>>) -> String {
        t.map(|t| self.fmt(t)).unwrap_or_else(|| "—".into())
    }
    pub(super) fn minutes(self) -> i32 {
        self.0.local_minus_utc() / 60
    }
}

fn label_of<T: Vocabulary>(code: Option<&str>, lang: Lang) -> String {
    code.map_or_else(|| "—".into(), |c| T::label_of(c, lang.zh()))
}

fn state_label(lang: Lang, code: &str) -> String {
    OrderState::parse(code).map_or_else(|| code.to_owned(), |s| s.label(lang.zh()).to_owned())
}

fn action_label(lang: Lang, code: &str) -> String {
    ActionKind::parse(code).map_or_else(|| code.to_owned(), |k| k.label(lang.zh()).to_owned())
}

/// Category names by path code, for showing 违章停车 rather than `TRF/illegal_parking`.
struct Categories(std::collections::HashMap<String, (String, String)>);

impl Categories {
    async fn of(app: &App) -> Self {
        Self(app.categories().iter().map(|c| (c.code.clone(), (c.name_zh.clone(), c.name_en.clone()))).collect())
    }

    fn label(&self, lang: Lang, code: Option<&str>) -> String {
        match code {
            None => "—".into(),
            Some(c) => self.0.get(c).map_or_else(|| c.to_owned(), |(zh, en)| if lang.zh() { zh.clone() } else { en.clone() }),
        }
    }
}

// ---------- shared widgets ----------

/// A unit picker: a filter box and a list, departments and utilities first, then districts with their
/// streets. Only units that may lead are offered for `main`.
fn unit_picker(lang: Lang, dir: &UnitDirectory, name: &str, id: &str, multiple: bool, only_leaders: bool, selected: &[i64]) -> Markup {
    let ok = |c: UnitClass| !only_leaders || c.can_lead();
    let sel = |u: i64| selected.contains(&u);
    let classes = [UnitClass::Department, UnitClass::Utility, UnitClass::Centre];
    html! {
        input type="text" data-filter-for=(id) placeholder=(lang.t("输入单位名称筛选，↓ 选择", "Type to filter units, ↓ to pick")) autocomplete="off";
        select name=(name) id=(id) size=(if multiple { 5 } else { 8 }) multiple[multiple] {
            @if !multiple { option value="" { (lang.t("（请选择）", "(choose)")) } }
            @for class in classes {
                @if ok(class) {
                    optgroup label=(class.label(lang.zh())) {
                        // District bureaus appear under their district below.
                        @for u in dir.all().iter().filter(|u| u.class == class && u.parent.is_none()) {
                            option value=(u.id.0) data-code=(u.code) selected[sel(u.id.0)] { (u.name) }
                        }
                    }
                }
            }
            @for d in dir.all().iter().filter(|u| u.class == UnitClass::District) {
                optgroup label=(d.name) {
                    option value=(d.id.0) data-code=(d.code) selected[sel(d.id.0)] { (d.name) " " (lang.t("（区级兜底）", "(district)")) }
                    @for s in dir.children(d.id).iter().filter_map(|c| dir.get(*c)).filter(|u| ok(u.class)) {
                        option value=(s.id.0) data-code=(s.code) selected[sel(s.id.0)] { (d.name) " / " (s.name) }
                    }
                }
            }
        }
    }
}

fn vocab_select<T: Vocabulary>(name: &str, id: &str, lang: Lang, selected: Option<&str>, empty: bool) -> Markup {
    html! {
        select name=(name) id=(id) {
            @if empty { option value="" { "—" } }
            @for v in T::all() { option value=(v.code()) selected[selected == Some(v.code())] { (v.label(lang.zh())) } }
        }
    }
}

pub(super) async fn category_select(app: &App, lang: Lang, name: &str, id: &str, selected: Option<&str>) -> Markup {
    let cats = app.categories();
    html! {
        select name=(name) id=(id) {
            option value="" { "—" }
            @for c in cats.iter() {
                @let depth = c.code.matches('/').count();
                option value=(c.code) selected[selected == Some(c.code.as_str())] title=(c.description) data-urgency=(c.default_urgency) {
                    @for _ in 0..depth { "\u{3000}" }
                    (if lang.zh() { &c.name_zh } else { &c.name_en }) " (" (c.code) ")"
                }
            }
        }
    }
}

fn badges(lang: Lang, o: &OrderView) -> Markup {
    html! {
        span.badge.state { (state_label(lang, &o.state)) }
        " "
        @if o.urgency == "emergency" { span.badge.emergency { (lang.t("紧急", "Emergency")) } " " }
        @if let Some(k) = &o.overdue {
            span.badge.overdue title=(k) { (lang.t("超期", "Overdue")) ": " (match k.as_str() { "dispatch" => lang.t("派单", "dispatch"), "contact" => lang.t("联系", "contact"), _ => lang.t("反馈", "reply") }) }
            " "
        }
        @if o.supervised { span.badge.supervised { (lang.t("督办", "Supervised")) } }
    }
}

fn order_table(lang: Lang, clock: Clock, cats: &Categories, orders: &[OrderView]) -> Markup {
    html! {
        table.orders {
            thead { tr {
                th { (lang.t("工单编号", "Number")) } th { (lang.t("受理时间", "Received")) } th { (lang.t("状态", "State")) }
                th { (lang.t("分类", "Category")) } th { (lang.t("主办单位", "Main unit")) } th { (lang.t("反馈时限", "Reply due")) } th { (lang.t("诉求内容", "Request")) }
            } }
            tbody {
                @for o in orders {
                    tr {
                        td { a href={ "/orders/" (o.number) } { (o.number) } }
                        td { (clock.fmt(o.received_at)) }
                        td { (badges(lang, o)) }
                        td title=[o.category.as_deref()] { (cats.label(lang, o.category.as_deref())) }
                        td { (o.assignment.as_ref().map_or("—", |a| a.main_unit.name.as_str())) }
                        td { (clock.opt(o.dues.reply_due)) }
                        td { (o.description.chars().take(60).collect::<String>()) @if o.description.chars().count() > 60 { "…" } }
                    }
                }
                @if orders.is_empty() { tr { td colspan="7" .muted { (lang.t("没有符合条件的工单", "No orders match")) } } }
            }
        }
    }
}

pub(super) fn pager(lang: Lang, base: &str, offset: u32, limit: u32, has_more: bool) -> Markup {
    let sep = if base.contains('?') { '&' } else { '?' };
    html! {
        p.inline {
            @if offset > 0 { a.button href={ (base) (sep) "offset=" (offset.saturating_sub(limit)) } { (lang.t("上一页", "Previous")) } }
            @if has_more { a.button href={ (base) (sep) "offset=" (offset + limit) } { (lang.t("下一页", "Next")) } }
        }
    }
}

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

pub async fn login_submit(State(app): State<Arc<App>>, lang: Lang, body: Bytes) -> Response {
    let Ok(f) = FormData::parse(&body) else { return login_form(lang, "/", "", Some("?")).into_response() };
    let username = f.text("username");
    match app.login(&username, f.get("password").unwrap_or_default()).await {
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

// ---------- intake ----------

async fn intake_form(app: &App, lang: Lang, who: &Principal, f: &FormData, error: Option<&str>) -> Markup {
    let dir = app.units();
    let v = |k: &str| f.text(k);
    let disposition = f.get("disposition").unwrap_or("dispatch").to_owned();
    let districts: Vec<_> = dir.all().iter().filter(|u| u.class == UnitClass::District).collect();
    let selected_main: Vec<i64> = f.id("main_unit").ok().flatten().into_iter().collect();
    let selected_co: Vec<i64> = f.ids("co_units").unwrap_or_default();
    let token = f.opt("form_token").unwrap_or_else(form_token);
    let dispo = |code: &str, zh: &str, en: &str, key: &str| {
        html! {
            label { input type="radio" name="disposition" value=(code) checked[disposition == code] accesskey=(key); " " (lang.t(zh, en)) " " kbd { "Alt+" (key) } }
        }
    };
    layout(
        lang,
        lang.t("受理", "Intake"),
        Some(who),
        Nav::Intake,
        "/intake",
        html! {
            h1 { (lang.t("受理来电", "Take a request")) }
            (flash(None, error))
            div.grid2 {
                form.card method="post" action="/intake" id="intake-form" {
                    input type="hidden" name="form_token" value=(token);
                    input type="hidden" name="suggestion" id="suggestion" value=(v("suggestion"));
                    div.grid3 {
                        div { label for="phone" { (lang.t("来电号码", "Caller's phone")) } input type="tel" id="phone" name="phone" value=(v("phone")) autofocus autocomplete="off"; }
                        div { label for="name" { (lang.t("诉求人姓名", "Requester's name")) } input type="text" id="name" name="name" value=(v("name")); }
                        div { label for="channel" { (lang.t("渠道", "Channel")) } (vocab_select::<Channel>("channel", "channel", lang, f.get("channel").or(Some("phone")), false)) }
                        div { label for="language" { (lang.t("语言", "Language")) }
                            select name="language" id="language" {
                                @for (c, zh, en) in [("zh", "中文", "Chinese"), ("en", "英语", "English"), ("fr", "法语", "French"), ("de", "德语", "German"), ("es", "西班牙语", "Spanish"), ("ru", "俄语", "Russian"), ("ja", "日语", "Japanese"), ("ko", "韩语", "Korean"), ("ar", "阿拉伯语", "Arabic")] {
                                    option value=(c) selected[f.get("language") == Some(c)] { (lang.t(zh, en)) }
                                }
                            }
                        }
                        div { label for="age_group" { (lang.t("年龄段", "Age group")) } (vocab_select::<AgeGroup>("age_group", "age_group", lang, f.get("age_group"), true)) }
                        div { label { input type="checkbox" name="confidential" checked[f.checked("confidential")]; " " (lang.t("诉求人要求保密", "Requester asks for confidentiality")) } }
                    }
                    label for="description" { (lang.t("诉求内容", "What the caller says")) }
                    textarea id="description" name="description" required maxlength="4000" { (v("description")) }
                    div.grid3 {
                        div { label for="district" { (lang.t("区", "District")) }
                            select name="district" id="district" {
                                option value="" { "—" }
                                @for d in &districts { option value=(d.id.0) selected[f.get("district") == Some(d.id.0.to_string().as_str())] { (d.name) } }
                            }
                        }
                        div { label for="street" { (lang.t("街道/乡镇", "Street/township")) }
                            select name="street" id="street" {
                                option value="" { "—" }
                                @for d in &districts {
                                    optgroup label=(d.name) data-district=(d.id.0) {
                                        @for s in dir.children(d.id).iter().filter_map(|c| dir.get(*c)).filter(|u| u.class == UnitClass::Street) {
                                            option value=(s.id.0) selected[f.get("street") == Some(s.id.0.to_string().as_str())] { (s.name) }
                                        }
                                    }
                                }
                            }
                        }
                        div { label for="address" { (lang.t("详细地址", "Address")) } input type="text" id="address" name="address" value=(v("address")) maxlength="300"; }
                    }
                    p.muted id="place-hint" data-label=(lang.t("识别地点", "Place found")) data-ambiguous=(lang.t("地名有歧义，可能是", "Ambiguous name, could be")) {}
                    div.grid3 {
                        div { label for="nature" { (lang.t("诉求性质", "Nature")) } (vocab_select::<Nature>("nature", "nature", lang, f.get("nature"), true)) }
                        div { label for="category" { (lang.t("分类", "Category")) } (category_select(app, lang, "category", "category", f.get("category")).await) }
                        div { label for="urgency" { (lang.t("紧急程度", "Urgency")) } (vocab_select::<Urgency>("urgency", "urgency", lang, f.get("urgency").or(Some("general")), false)) }
                    }
                    h2 { (lang.t("处置方式", "Disposition")) }
                    div.inline {
                        (dispo("dispatch", "派单", "Dispatch", "1"))
                        (dispo("answer", "直接答复", "Answer directly", "2"))
                        (dispo("transfer", "转紧急服务", "Transfer to 110/119/120/122", "3"))
                        (dispo("redirect", "告知其他渠道", "Redirect", "4"))
                        (dispo("link_duplicate", "重复件并单", "Link duplicate", "5"))
                    }
                    div data-disposition="dispatch" {
                        label for="main_unit" { (lang.t("主办单位", "Main unit")) " " span.muted id="dispatch-hint" data-label=(lang.t("派单目录建议", "Catalogue suggests")) {} }
                        (unit_picker(lang, &dir, "main_unit", "main_unit", false, true, &selected_main))
                        details { summary { (lang.t("协办单位（可多选）", "Co-units (optional)")) }
                            (unit_picker(lang, &dir, "co_units", "co_units", true, false, &selected_co))
                        }
                        label for="dispatch_note" { (lang.t("派单说明", "Note to the unit")) }
                        input type="text" id="dispatch_note" name="dispatch_note" value=(v("dispatch_note"));
                    }
                    div data-disposition="answer" {
                        label for="answer" { (lang.t("答复内容", "Answer given")) }
                        textarea id="answer" name="answer" { (v("answer")) }
                        input type="hidden" name="article" id="article" value=(v("article"));
                        p.muted #answer-article .hidden[f.opt("article").is_none()] {
                            (lang.t("答复依据知识库文章：", "Answered from the article: ")) a #answer-article-link href={ "/kb/" (v("article")) } target="_blank" { (v("article")) }
                            " " button.small.secondary type="button" #answer-article-clear { (lang.t("取消关联", "Unlink")) }
                        }
                    }
                    div data-disposition="transfer" {
                        label for="service" { (lang.t("转至", "Transfer to")) } (vocab_select::<EmergencyService>("service", "service", lang, f.get("service"), false))
                        label for="transfer_note" { (lang.t("说明", "Note")) } input type="text" id="transfer_note" name="transfer_note" value=(v("transfer_note"));
                    }
                    div data-disposition="redirect" { label for="redirect_reason" { (lang.t("告知的渠道与理由", "Channel given and why")) } textarea id="redirect_reason" name="redirect_reason" { (v("redirect_reason")) } }
                    div data-disposition="link_duplicate" { label for="duplicate_of" { (lang.t("重复的工单编号", "Order it repeats")) } input type="text" id="duplicate_of" name="duplicate_of" value=(v("duplicate_of")); }
                    p { button type="submit" id="intake-submit" { (lang.t("提交", "Submit")) } " " span.muted { kbd { "Ctrl+Enter" } } }
                }
                aside.card {
                    section #triage-panel data-zh=(if lang.zh() { "1" } else { "0" }) {
                        h2 { (lang.t("智能分拣建议", "Triage suggestions")) }
                        p.muted #triage-empty { (lang.t("输入诉求内容后显示", "Shown as the request is typed")) }
                        div #triage-body .hidden {
                            p #triage-rule .hidden {}
                            p #triage-place .muted {}
                            dl.kv {
                                dt { (lang.t("性质", "Nature")) " " kbd { "Alt+N" } } dd #triage-nature {}
                                dt { (lang.t("分类", "Category")) " " kbd { "Alt+C" } } dd #triage-category {}
                                dt { (lang.t("紧急程度", "Urgency")) " " kbd { "Alt+U" } } dd #triage-urgency {}
                                dt { (lang.t("处置", "Disposition")) " " kbd { "Alt+D" } } dd #triage-disposition {}
                            }
                            p { button.secondary type="button" #triage-accept-all { (lang.t("全部采用", "Accept all")) " " kbd { "Alt+A" } } }
                            div #triage-duplicates .hidden {
                                h3 { (lang.t("可能重复的工单", "Possible duplicates")) }
                                ul #triage-duplicate-list {}
                            }
                        }
                    }
                    section #kb-panel data-zh=(if lang.zh() { "1" } else { "0" }) data-use=(lang.t("用此文章答复", "Answer from this article")) data-answer=(lang.t("已依据知识库《{title}》答复：", "Answered from the knowledge base article \"{title}\": ")) {
                        h2 { (lang.t("知识库", "Knowledge base")) " " a.muted href="/kb" target="_blank" { "↗" } }
                        p.muted #kb-empty { (lang.t("输入诉求内容后显示匹配的文章", "Matching articles appear as the request is typed")) }
                        ol.hits #kb-suggestions {}
                    }
                    section #similar-panel data-reply=(lang.t("答复：", "Reply: ")) data-none=(lang.t("尚无答复", "No reply yet")) {
                        h2 { (lang.t("相似历史工单", "Similar past orders")) }
                        p.muted #similar-empty { (lang.t("输入诉求内容后显示过去同类问题的办理情况", "How the same problem was handled before appears as the request is typed")) }
                        ol.hits #similar-orders {}
                    }
                    h2 { (lang.t("该号码的历史工单", "This caller's earlier orders")) }
                    div id="caller-history" { p.muted { (lang.t("输入来电号码后显示", "Shown once the phone number is typed")) } }
                }
            }
        },
    )
}

pub async fn intake_page(State(app): State<Arc<App>>, headers: HeaderMap, uri: Uri, lang: Lang) -> Response {
    let who = match user(&app, &headers, &uri).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    intake_form(&app, lang, &who, &FormData(Vec::new()), None).await.into_response()
}

pub async fn intake_submit(State(app): State<Arc<App>>, headers: HeaderMap, uri: Uri, lang: Lang, body: Bytes) -> Response {
    let who = match user(&app, &headers, &uri).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let f = FormData::parse(&body).unwrap_or(FormData(Vec::new()));
    let result = match forms::create_input(&f) {
        Ok(input) => app.create_order(&who, &input, f.get("form_token")).await,
        Err(e) => Err(e),
    };
    match result {
        Ok((view, _)) => Redirect::to(&format!("/orders/{}?ok=created", view.number)).into_response(),
        Err(e) => (StatusCode::UNPROCESSABLE_ENTITY, intake_form(&app, lang, &who, &f, Some(&error_text(lang, &e))).await).into_response(),
    }
}

#[derive(Deserialize)]
pub struct PhoneQuery {
    phone: String,
}

/// The caller-history fragment the intake page loads as the phone number is typed.
pub async fn caller_history(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    lang: Lang,
    Query(q): Query<PhoneQuery>,
) -> Response {
    let who = match user(&app, &headers, &uri).await {
        Ok(p) => p,
        Err(_) => return StatusCode::UNAUTHORIZED.into_response(),
    };
    let clock = Clock::of(&app).await;
    let input = ListInput { phone: Some(q.phone), limit: Some(10), ..Default::default() };
    match app.list_orders(&who, &input).await {
        Ok(list) if list.orders.is_empty() => html! { p.muted { (lang.t("没有历史工单", "No earlier orders")) } }.into_response(),
        Ok(list) => html! {
            ul.history {
                @for o in &list.orders {
                    li { a href={ "/orders/" (o.number) } { (o.number) } " " (badges(lang, o)) br; span.muted { (clock.fmt(o.received_at)) " · " (o.description.chars().take(40).collect::<String>()) } }
                }
            }
        }
        .into_response(),
        Err(e) => html! { p.muted { (error_text(lang, &e)) } }.into_response(),
    }
}

// ---------- queue and inbox ----------

#[derive(Deserialize, Default)]
pub struct ListQuery {
    tab: Option<String>,
    offset: Option<u32>,
}

struct Tab {
    key: &'static str,
    zh: &'static str,
    en: &'static str,
    states: &'static str,
    overdue: bool,
    supervised: bool,
}

const QUEUE_TABS: &[Tab] = &[
    Tab {
        key: "open",
        zh: "全部在办",
        en: "All open",
        states: "received,triaged,dispatched,signed,disputed,contacted,in_progress,extension_requested,replied,evaluated,reopened",
        overdue: false,
        supervised: false,
    },
    Tab { key: "intake", zh: "待派单", en: "To dispatch", states: "received,triaged", overdue: false, supervised: false },
    Tab { key: "disputed", zh: "派单异议", en: "Disputed", states: "disputed", overdue: false, supervised: false },
    Tab { key: "extension", zh: "延期申请", en: "Extensions", states: "extension_requested", overdue: false, supervised: false },
    Tab { key: "callback", zh: "待回访", en: "To call back", states: "replied", overdue: false, supervised: false },
    Tab { key: "evaluated", zh: "待办结", en: "To close", states: "evaluated", overdue: false, supervised: false },
    Tab { key: "overdue", zh: "超期", en: "Overdue", states: "", overdue: true, supervised: false },
    Tab { key: "supervised", zh: "督办", en: "Supervised", states: "", overdue: false, supervised: true },
    Tab { key: "all", zh: "全部", en: "All", states: "", overdue: false, supervised: false },
];

const INBOX_TABS: &[Tab] = &[
    Tab { key: "sign", zh: "待签收", en: "To sign", states: "dispatched,reopened", overdue: false, supervised: false },
    Tab {
        key: "handling",
        zh: "办理中",
        en: "Handling",
        states: "signed,contacted,in_progress,extension_requested",
        overdue: false,
        supervised: false,
    },
    Tab { key: "disputed", zh: "异议中", en: "Disputed", states: "disputed", overdue: false, supervised: false },
    Tab { key: "overdue", zh: "超期", en: "Overdue", states: "", overdue: true, supervised: false },
    Tab { key: "done", zh: "已反馈", en: "Replied", states: "replied,evaluated,closed", overdue: false, supervised: false },
    Tab { key: "all", zh: "全部", en: "All", states: "", overdue: false, supervised: false },
];

async fn list_page(app: Arc<App>, headers: HeaderMap, uri: Uri, lang: Lang, q: ListQuery, inbox: bool) -> Response {
    let who = match user(&app, &headers, &uri).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let tabs = if inbox { INBOX_TABS } else { QUEUE_TABS };
    let tab = tabs.iter().find(|t| Some(t.key) == q.tab.as_deref()).unwrap_or(&tabs[0]);
    let limit = 50;
    let offset = q.offset.unwrap_or(0);
    let input = ListInput {
        state: (!tab.states.is_empty()).then(|| tab.states.to_owned()),
        overdue: tab.overdue.then_some(true),
        supervised: tab.supervised.then_some(true),
        limit: Some(limit),
        offset: Some(offset),
        ..Default::default()
    };
    let clock = Clock::of(&app).await;
    let (title, nav, path) = if inbox {
        (lang.t("待办工单", "Inbox"), Nav::Inbox, "/inbox")
    } else {
        (lang.t("工单队列", "Order queue"), Nav::Queue, "/queue")
    };
    let counts = app.state_counts(&who).await.unwrap_or_default();
    let count_of = |t: &Tab| -> Option<i64> {
        (!t.states.is_empty()).then(|| counts.iter().filter(|(s, _)| t.states.split(',').any(|c| c == s.code())).map(|(_, n)| n).sum())
    };
    // Owner units keep their knowledge-base articles current: the inbox says when one is due.
    let review = if inbox { app.articles_to_review(&who).await.unwrap_or_default() } else { Vec::new() };
    let body = match app.list_orders(&who, &input).await {
        Ok(list) => html! {
            h1 { (title) @if let Some(u) = who.unit.and_then(|u| app.units().get(u).cloned()) { " · " (u.name) } }
            @if !review.is_empty() {
                p.coverage.gap #review-due {
                    a href="/kb" {
                        (lang.t("本单位有 ", "")) (review.len())
                        (lang.t(" 篇知识库文章已过复核日期，请核对更新", " knowledge-base articles of your unit are past their review date: please check them"))
                    }
                }
            }
            nav.tabs {
                @for t in tabs {
                    a href={ (path) "?tab=" (t.key) } class=[(t.key == tab.key).then_some("active")] { (lang.t(t.zh, t.en)) @if let Some(n) = count_of(t) { " (" (n) ")" } }
                }
            }
            (order_table(lang, clock, &Categories::of(&app).await, &list.orders))
            (pager(lang, &format!("{path}?tab={}", tab.key), offset, limit, list.has_more))
        },
        Err(e) => html! { h1 { (title) } (flash(None, Some(&error_text(lang, &e)))) },
    };
    layout(lang, title, Some(&who), nav, path, body).into_response()
}

pub async fn queue_page(State(app): State<Arc<App>>, headers: HeaderMap, uri: Uri, lang: Lang, Query(q): Query<ListQuery>) -> Response {
    list_page(app, headers, uri, lang, q, false).await
}

pub async fn inbox_page(State(app): State<Arc<App>>, headers: HeaderMap, uri: Uri, lang: Lang, Query(q): Query<ListQuery>) -> Response {
    list_page(app, headers, uri, lang, q, true).await
}

// ---------- order detail ----------

#[derive(Deserialize, Default)]
pub struct FlashQuery {
    ok: Option<String>,
}

fn requester_block(lang: Lang, number: &str, r: &RequesterView, can_reveal: bool) -> Markup {
    html! {
        @if r.name.is_empty() { span.muted { (lang.t("（未留姓名）", "(no name given)")) } } @else { (r.name) }
        " · " (r.phone.as_deref().unwrap_or("—"))
        @if r.confidential { " " span.badge { (lang.t("保密", "Confidential")) } }
        @if r.masked && can_reveal {
            form method="post" action={ "/orders/" (number) "/reveal" } style="display:inline" {
                " " button.secondary type="submit" id="reveal" { (lang.t("查看联系方式（留痕）", "Reveal contact (logged)")) }
            }
        }
    }
}

async fn action_forms(app: &App, lang: Lang, o: &OrderView) -> Markup {
    let dir = app.units();
    let textarea = |name: &str, label: &str, required: bool| html! { label { (label) } textarea name=(name) required[required] {} };
    let mut out = Vec::new();
    for code in &o.allowed_actions {
        let Some(kind) = ActionKind::parse(code) else { continue };
        let fields = match kind {
            ActionKind::RevealContact | ActionKind::Receive | ActionKind::DeadlineNotice | ActionKind::ExternalUpdate => continue,
            ActionKind::Triage => html! {
                div.grid3 {
                    div { label { (lang.t("诉求性质", "Nature")) } (vocab_select::<Nature>("nature", "t-nature", lang, o.nature.as_deref(), true)) }
                    div { label { (lang.t("分类", "Category")) } (category_select(app, lang, "category", "t-category", o.category.as_deref()).await) }
                    div { label { (lang.t("紧急程度", "Urgency")) } (vocab_select::<Urgency>("urgency", "t-urgency", lang, Some(o.urgency.as_str()), false)) }
                }
            },
            ActionKind::Answer => textarea("answer", lang.t("答复内容", "Answer"), true),
            ActionKind::Transfer => {
                html! { (vocab_select::<EmergencyService>("service", "a-service", lang, None, false)) input type="text" name="note" placeholder=(lang.t("说明", "Note")); }
            }
            ActionKind::Redirect | ActionKind::RefuseExtension | ActionKind::Reopen => textarea("reason", lang.t("理由", "Reason"), true),
            ActionKind::LinkDuplicate => {
                html! { input type="text" name="of" placeholder=(lang.t("重复的工单编号", "Order number it repeats")) required; }
            }
            ActionKind::Dispatch => {
                html! { (unit_picker(lang, &dir, "main_unit", "d-main", false, true, &[])) input type="text" name="note" placeholder=(lang.t("派单说明", "Note")); }
            }
            ActionKind::Sign => html! {},
            ActionKind::Dispute => html! {
                (textarea("reason", lang.t("异议理由（不属于本单位职责的依据）", "Why this unit is not responsible"), true))
                label { (lang.t("建议承办单位", "Proposed unit")) } (unit_picker(lang, &dir, "proposed_unit", "x-proposed", false, true, &[]))
            },
            ActionKind::Arbitrate => html! {
                div.inline {
                    label { input type="radio" name="decision" value="uphold" checked; " " (lang.t("维持原派单", "Uphold (back to the unit)")) }
                    label { input type="radio" name="decision" value="redispatch"; " " (lang.t("改派", "Re-dispatch")) }
                }
                label { (lang.t("改派至", "Re-dispatch to")) } (unit_picker(lang, &dir, "main_unit", "r-main", false, true, &[]))
                (textarea("reason", lang.t("审核意见", "Decision reason"), true))
            },
            ActionKind::Contact | ActionKind::StartWork | ActionKind::Close => {
                html! { input type="text" name="note" placeholder=(lang.t("备注（可选）", "Note (optional)")); }
            }
            ActionKind::RequestExtension | ActionKind::GrantExtension => html! {
                label { (lang.t("延期至", "Extend until")) } input type="datetime-local" name="until" required;
                (textarea("reason", lang.t("理由", "Reason"), kind == ActionKind::RequestExtension))
            },
            ActionKind::Reply => html! {
                (vocab_select::<ReplyOutcome>("outcome", "a-outcome", lang, None, false))
                (textarea("text", lang.t("办理结果", "What was done"), true))
            },
            ActionKind::Evaluate => html! {
                div.inline {
                    label { input type="checkbox" name="contacted" checked; " " (lang.t("承办单位联系过诉求人", "The unit contacted the requester")) }
                    (vocab_select::<Resolution>("resolution", "a-resolution", lang, None, false))
                    (vocab_select::<Satisfaction>("satisfaction", "a-satisfaction", lang, None, false))
                }
                input type="text" name="comment" placeholder=(lang.t("诉求人意见", "Requester's comment"));
            },
            ActionKind::Supervise => html! {
                input type="hidden" name="on" value=(if o.supervised { "false" } else { "true" });
                @if !o.supervised {
                    div.grid3 {
                        div { label { (lang.t("督办原因", "Reason")) } (vocab_select::<hotline_domain::SuperviseReason>("reason", "s-reason", lang, None, false)) }
                        div { label { (lang.t("限时到场（可选）", "Be on site by (optional)")) } input type="datetime-local" name="reach_site_by"; }
                    }
                }
                input type="text" name="note" placeholder=(lang.t("督办意见", "Instruction"));
            },
            ActionKind::PauseClock => {
                textarea("reason", lang.t("暂停原因（如诉求人不在家、待补材料）", "Why (e.g. the requester is away, documents due)"), true)
            }
            ActionKind::ResumeClock
            | ActionKind::ReportIn
            | ActionKind::ArriveOnSite
            | ActionKind::Remind
            | ActionKind::CallbackAttempt => {
                html! { input type="text" name="note" placeholder=(lang.t("备注（可选）", "Note (optional)")); }
            }
            ActionKind::CoReport => textarea("text", lang.t("协办情况", "What your unit did"), true),
            ActionKind::Summon => html! {
                label { (lang.t("召集部门", "Departments to summon")) } (unit_picker(lang, &dir, "units", "w-units", true, false, &[]))
                label { (lang.t("报到时限", "Report in by")) } input type="datetime-local" name="report_by" required;
                input type="text" name="note" placeholder=(lang.t("需要解决的问题", "What needs solving"));
            },
            ActionKind::Exclude => html! {
                select name="exclusion" {
                    option value="" { (lang.t("纳入考核（取消认定）", "Count in the assessment (undo)")) }
                    @for e in hotline_domain::Exclusion::ALL { option value=(e.code()) selected[o.exclusion.as_deref() == Some(e.code())] { (e.label(lang.zh())) } }
                }
                (textarea("reason", lang.t("认定理由", "Reason"), true))
            },
        };
        let label = if kind == ActionKind::Supervise && o.supervised {
            lang.t("取消督办", "Stop supervising").to_owned()
        } else {
            kind.label(lang.zh()).to_owned()
        };
        out.push(html! {
            form method="post" action={ "/orders/" (o.number) "/act" } id={ "act-" (code) } {
                input type="hidden" name="action" value=(code);
                input type="hidden" name="version" value=(o.version);
                h3 { (label) }
                (fields)
                p { button type="submit" { (label) } }
            }
        });
    }
    html! {
        @if out.is_empty() { p.muted { (lang.t("当前没有您可执行的操作", "Nothing for you to do on this order now")) } }
        @for f in out { (f) }
    }
}

fn timeline(lang: Lang, clock: Clock, dir: &UnitDirectory, d: &OrderDetail) -> Markup {
    html! {
        table.timeline {
            thead { tr { th { (lang.t("时间", "When")) } th { (lang.t("操作", "Action")) } th { (lang.t("状态", "State")) } th { (lang.t("操作人", "By")) } th { (lang.t("说明", "Details")) } } }
            tbody {
                @for e in &d.timeline {
                    tr {
                        td.when { (clock.fmt(e.at)) }
                        td { (action_label(lang, &e.kind)) }
                        td { @if let Some(f) = &e.from { (state_label(lang, f)) " → " } (state_label(lang, &e.to)) }
                        td { (e.actor_name) br; span.muted { (Role::parse(&e.actor_role).map_or(lang.t("市民", "citizen"), |r| r.label(lang.zh()))) } }
                        td { @if let Some(r) = &e.reason { (r) br; } @if !e.payload.is_null() { span.muted { (payload_summary(lang, clock, dir, &e.payload)) } } }
                    }
                }
            }
        }
    }
}

/// A short human reading of an event's data.
fn payload_summary(lang: Lang, clock: Clock, dir: &UnitDirectory, p: &serde_json::Value) -> String {
    let s = |k: &str| p.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    let mut parts = Vec::new();
    let unit_name = |v: Option<&serde_json::Value>| {
        v.and_then(|v| v.as_i64()).and_then(|id| dir.get(hotline_domain::UnitId(id))).map(|u| u.name.clone())
    };
    if let Some(main) = unit_name(p.pointer("/assignment/main_unit").or_else(|| p.pointer("/decision/assignment/main_unit"))) {
        parts.push(format!("{} {main}", lang.t("派至", "to")));
    }
    if let Some(proposed) = unit_name(p.get("proposed_unit")) {
        parts.push(format!("{} {proposed}", lang.t("建议改派", "proposes")));
    }
    if let Some(n) = s("nature") {
        parts.push(label_of::<Nature>(Some(&n), lang));
    }
    if let Some(c) = s("category") {
        parts.push(c);
    }
    if let Some(u) = s("urgency") {
        parts.push(label_of::<Urgency>(Some(&u), lang));
    }
    if let Some(t) = p.pointer("/reply/text").and_then(|v| v.as_str()) {
        parts.push(t.to_owned());
    }
    if let Some(a) = s("answer") {
        parts.push(a);
    }
    if let Some(t) = p.pointer("/article/title").and_then(|v| v.as_str()) {
        parts.push(format!("{}《{t}》", lang.t("知识库", "knowledge base ")));
    }
    if let Some(d) = p.pointer("/dues/reply_due").and_then(|v| v.as_str()).and_then(|v| v.parse::<DateTime<Utc>>().ok()) {
        parts.push(format!("{} {}", lang.t("反馈时限", "reply due"), clock.fmt(d)));
    }
    if let Some(d) = s("reply_due").or_else(|| s("until")).and_then(|v| v.parse::<DateTime<Utc>>().ok()) {
        parts.push(format!("{} {}", lang.t("至", "until"), clock.fmt(d)));
    }
    if let Some(e) = p.get("evaluation") {
        let get = |k: &str| e.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
        parts.push(format!(
            "{} / {}",
            label_of::<Resolution>(Some(&get("resolution")), lang),
            label_of::<Satisfaction>(Some(&get("satisfaction")), lang)
        ));
    }
    if let Some(svc) = s("service") {
        parts.push(svc);
    }
    if let Some(dup) = s("duplicate_of") {
        parts.push(format!("{} {dup}", lang.t("重复于", "duplicate of")));
    }
    if let Some(units) = p.get("units").and_then(|v| v.as_array()) {
        let names: Vec<String> = units.iter().filter_map(|u| unit_name(Some(u))).collect();
        parts.push(format!("{} {}", lang.t("召集", "summoned"), names.join(lang.t("、", ", "))));
    }
    for (key, zh, en) in [("report_by", "报到时限", "report by"), ("reach_site_by", "限时到场", "on site by")] {
        if let Some(d) = s(key).and_then(|v| v.parse::<DateTime<Utc>>().ok()) {
            parts.push(format!("{} {}", lang.t(zh, en), clock.fmt(d)));
        }
    }
    if let Some(on_time) = p.get("on_time").and_then(serde_json::Value::as_bool) {
        parts.push(if on_time { lang.t("按时", "in time") } else { lang.t("逾时", "late") }.to_owned());
    }
    if p.get("reopened").and_then(serde_json::Value::as_bool) == Some(true) {
        parts.push(lang.t("按规则重办", "reopened by the rule").to_owned());
    }
    if p.get("unreachable").and_then(serde_json::Value::as_bool) == Some(true) {
        parts.push(lang.t("联系不上", "unreachable").to_owned());
    }
    if let Some(e) = s("exclusion") {
        parts.push(label_of::<hotline_domain::Exclusion>(Some(&e), lang));
    }
    parts.join(" · ")
}

/// The handling details of an order: paused clock, supervision, summons and report-ins, co-unit
/// reports, callback attempts, exclusion.
fn handling_rows(lang: Lang, clock: Clock, o: &OrderView) -> Markup {
    let h = &o.handling;
    html! {
        @if let Some(p) = h.paused_since {
            dt { (lang.t("计时", "Clock")) } dd #paused { span.badge { (lang.t("已暂停", "Paused")) } " " (lang.t("自 ", "since ")) (clock.fmt(p)) }
        }
        @if let Some(s) = &h.supervision {
            dt { (lang.t("督办", "Supervision")) } dd #supervision {
                (label_of::<hotline_domain::SuperviseReason>(Some(&s.reason), lang))
                @if !s.instructions.is_empty() { "：" (s.instructions) }
                @if let Some(by) = s.reach_site_by {
                    br; (lang.t("限时到场 ", "on site by ")) (clock.fmt(by)) " · "
                    @match s.arrived_at {
                        Some(a) if a <= by => { span.up { (lang.t("已按时到场 ", "arrived in time ")) (clock.fmt(a)) } }
                        Some(a) => { span.down { (lang.t("逾时到场 ", "arrived late ")) (clock.fmt(a)) } }
                        None => { span.muted { (lang.t("尚未到场", "not yet on site")) } }
                    }
                }
                @if s.reminders > 0 { br; (lang.t("已催办 ", "reminders: ")) (s.reminders) }
            }
        }
        @if !h.summons.is_empty() {
            dt { (lang.t("吹哨报到", "Summons")) } dd #summons {
                @for s in &h.summons {
                    (s.unit.name) " · " (lang.t("限 ", "by ")) (clock.fmt(s.report_by)) " · "
                    @match s.reported_at {
                        Some(r) if s.on_time => { span.up { (lang.t("已报到 ", "reported ")) (clock.fmt(r)) } }
                        Some(r) => { span.down { (lang.t("逾时报到 ", "reported late ")) (clock.fmt(r)) } }
                        None => { span.muted { (lang.t("未报到", "not reported")) } }
                    }
                    br;
                }
            }
        }
        @if !h.co_reports.is_empty() {
            dt { (lang.t("协办反馈", "Co-unit reports")) } dd #co-reports {
                @for r in &h.co_reports { (r.unit.name) " " span.muted { (clock.fmt(r.at)) } "：" (r.text) br; }
            }
        }
        @if h.callback_attempts > 0 || h.unreachable {
            dt { (lang.t("回访拨打", "Callback calls")) } dd #callback-attempts {
                (lang.t("未接通 ", "not answered: ")) (h.callback_attempts)
                @if h.unreachable { " · " strong { (lang.t("联系不上，不计入满意度", "unreachable; not rated")) } }
            }
        }
        @if let Some(s) = &o.submission {
            dt { (lang.t("Open311 提交", "Sent via Open311")) } dd #submission {
                (lang.t("所选服务：", "service chosen: ")) code { (s.service_code) }
                @for (k, v) in &s.attributes { br; span.muted { (k) "：" } (v.join(lang.t("、", ", "))) }
                @if let Some(a) = &s.address_id { br; span.muted { "address_id：" } (a) }
            }
        }
        @if let Some(e) = &o.exclusion {
            dt { (lang.t("考核认定", "Assessment")) } dd #exclusion { (label_of::<hotline_domain::Exclusion>(Some(e), lang)) "，" (lang.t("不纳入考核", "left out of the assessment")) }
        }
    }
}

async fn order_body(
    app: &App,
    lang: Lang,
    who: &Principal,
    d: &OrderDetail,
    revealed: Option<&RequesterView>,
    msg: (Option<&str>, Option<&str>),
) -> Markup {
    let clock = Clock::of(app).await;
    let o = &d.order;
    let can_reveal = o.allowed_actions.iter().any(|a| a == "reveal_contact");
    let requester = revealed.unwrap_or(&o.requester);
    html! {
        h1 { (lang.t("工单", "Order")) " " (o.number) " " (badges(lang, o)) }
        (flash(msg.0, msg.1))
        div.detail {
            div {
                section.card {
                    dl.kv {
                        dt { (lang.t("诉求内容", "Request")) } dd #description { (o.description) }
                        dt { (lang.t("诉求人", "Requester")) } dd #requester { (requester_block(lang, &o.number, requester, can_reveal)) }
                        dt { (lang.t("地址", "Address")) } dd {
                            (o.location.district.as_ref().map_or("", |u| u.name.as_str())) " " (o.location.street.as_ref().map_or("", |u| u.name.as_str())) " " (o.location.address)
                            @if let (Some(lng), Some(lat)) = (o.location.lng, o.location.lat) { span.muted { " (" (lng) ", " (lat) ")" } }
                        }
                        dt { (lang.t("性质 / 分类 / 紧急", "Nature / category / urgency")) } dd {
                            (label_of::<Nature>(o.nature.as_deref(), lang)) " / " span title=[o.category.as_deref()] { (Categories::of(app).await.label(lang, o.category.as_deref())) } " / "
                            (label_of::<Urgency>(Some(&o.urgency), lang))
                        }
                        dt { (lang.t("渠道", "Channel")) } dd { (label_of::<Channel>(Some(&o.channel), lang)) }
                        dt { (lang.t("主办单位", "Main unit")) } dd #main-unit {
                            @if let Some(a) = &o.assignment {
                                (a.main_unit.name)
                                @if !a.co_units.is_empty() { span.muted { " · " (lang.t("协办：", "co-units: ")) (a.co_units.iter().map(|u| u.name.as_str()).collect::<Vec<_>>().join("、")) } }
                                @if let Some(c) = &a.district_copy { span.muted { " · " (lang.t("抄送：", "copy: ")) (c.name) } }
                            } @else { "—" }
                        }
                        dt { (lang.t("受理时间", "Received")) } dd { (clock.fmt(o.received_at)) }
                        dt { (lang.t("时限", "Due")) } dd {
                            (lang.t("派单 ", "dispatch ")) (clock.opt(o.dues.dispatch_due)) br;
                            (lang.t("联系 ", "contact ")) (clock.opt(o.dues.contact_due)) br;
                            (lang.t("反馈 ", "reply ")) (clock.opt(o.dues.reply_due))
                        }
                        @if let Some(r) = &o.reply { dt { (lang.t("办理结果", "Reply")) } dd { (label_of::<ReplyOutcome>(Some(&r.outcome), lang)) "：" (r.text) } }
                        @if let Some(a) = &o.answer {
                            dt { (lang.t("直接答复", "Answered directly")) }
                            dd #order-answer {
                                (a.text)
                                @if let Some(r) = &a.article { br; span.muted { (lang.t("依据知识库：", "From the knowledge base: ")) a #order-answer-article href={ "/kb/" (r.slug) } { (r.title) } " (" (lang.t("版本 ", "version ")) (r.version) ")" } }
                            }
                        }
                        @if let Some(e) = &o.evaluation {
                            dt { (lang.t("回访", "Callback")) } dd {
                                (if e.contacted { lang.t("已联系", "contacted") } else { lang.t("未联系", "not contacted") }) " · "
                                (label_of::<Resolution>(Some(&e.resolution), lang)) " · "
                                (label_of::<Satisfaction>(Some(&e.satisfaction), lang))
                                @if !e.comment.is_empty() { " · " (e.comment) }
                            }
                        }
                        @if let Some(dup) = &o.duplicate_of { dt { (lang.t("重复于", "Duplicate of")) } dd { a href={ "/orders/" (dup) } { (dup) } } }
                        (handling_rows(lang, clock, o))
                        @if !d.case_orders.is_empty() {
                            dt { (lang.t("同一问题的其他工单", "Same problem")) } dd { @for n in &d.case_orders { a href={ "/orders/" (n) } { (n) } " " } }
                        }
                    }
                }
                h2 { (lang.t("办理过程", "Timeline")) }
                (timeline(lang, clock, &app.units(), d))
            }
            aside.card.actions {
                h2 { (lang.t("操作", "Actions")) } span.muted { (who.display_name) }
                (action_forms(app, lang, o).await)
            }
        }
    }
}

async fn render_order(
    app: &App,
    lang: Lang,
    who: &Principal,
    number: &str,
    revealed: Option<&RequesterView>,
    msg: (Option<&str>, Option<&str>),
    status: StatusCode,
) -> Response {
    match app.order_detail(who, number).await {
        Ok(d) => {
            let body = order_body(app, lang, who, &d, revealed, msg).await;
            (status, layout(lang, &d.order.number, Some(who), Nav::None, &format!("/orders/{number}"), body)).into_response()
        }
        Err(e) => {
            let status = if matches!(e, AppError::NotFound { .. }) { StatusCode::NOT_FOUND } else { StatusCode::UNPROCESSABLE_ENTITY };
            let body = html! { h1 { (lang.t("工单", "Order")) } (flash(None, Some(&error_text(lang, &e)))) };
            (status, layout(lang, number, Some(who), Nav::None, "/", body)).into_response()
        }
    }
}

pub async fn order_page(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    lang: Lang,
    Path(number): Path<String>,
    Query(q): Query<FlashQuery>,
) -> Response {
    let who = match user(&app, &headers, &uri).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let ok = q.ok.as_deref().map(|k| match k {
        "created" => lang.t("工单已提交", "Order filed").to_owned(),
        other => format!("{}：{}", lang.t("已完成", "Done"), action_label(lang, other)),
    });
    render_order(&app, lang, &who, &number, None, (ok.as_deref(), None), StatusCode::OK).await
}

pub async fn order_act(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    lang: Lang,
    Path(number): Path<String>,
    body: Bytes,
) -> Response {
    let who = match user(&app, &headers, &uri).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let clock = Clock::of(&app).await;
    let f = FormData::parse(&body).unwrap_or(FormData(Vec::new()));
    let version = f.get("version").and_then(|v| v.parse::<i64>().ok());
    let result = match forms::command(&f, clock.minutes()) {
        Ok(cmd) => app.act(&who, &number, &cmd, version).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Redirect::to(&format!("/orders/{number}?ok={}", f.get("action").unwrap_or_default())).into_response(),
        Err(e) => {
            let status = match e {
                AppError::Conflict(_) | AppError::StaleVersion | AppError::InvalidTransition { .. } => StatusCode::CONFLICT,
                AppError::Forbidden { .. } => StatusCode::FORBIDDEN,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            render_order(&app, lang, &who, &number, None, (None, Some(&error_text(lang, &e))), status).await
        }
    }
}

pub async fn order_reveal(State(app): State<Arc<App>>, headers: HeaderMap, uri: Uri, lang: Lang, Path(number): Path<String>) -> Response {
    let who = match user(&app, &headers, &uri).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    match app.reveal_contact(&who, &number).await {
        Ok(r) => {
            render_order(
                &app,
                lang,
                &who,
                &number,
                Some(&r),
                (Some(lang.t("已显示联系方式，本次查看已记录", "Contact shown; this reveal is logged")), None),
                StatusCode::OK,
            )
            .await
        }
        Err(e) => render_order(&app, lang, &who, &number, None, (None, Some(&error_text(lang, &e))), StatusCode::FORBIDDEN).await,
    }
}

// ---------- citizen pages ----------

fn citizen_form(app: &App, lang: Lang, f: &FormData, error: Option<&str>) -> Markup {
    let dir = app.units();
    let token = f.opt("form_token").unwrap_or_else(form_token);
    layout(
        lang,
        lang.t("我要反映", "Submit a request"),
        None,
        Nav::Citizen,
        "/citizen",
        html! {
            h1 { (lang.t("我要反映", "Submit a request")) }
            p.muted { (lang.t("您的诉求将在受理后派至负责单位办理。请保留工单编号，凭编号和电话号码查询进度。", "Your request goes to the responsible unit. Keep the order number: with your phone number it lets you track progress.")) }
            (flash(None, error))
            form.card method="post" action="/citizen" id="citizen-form" {
                input type="hidden" name="form_token" value=(token);
                label for="c-description" { (lang.t("您反映的问题", "What is the problem?")) }
                textarea id="c-description" name="description" required maxlength="4000" { (f.text("description")) }
                div.grid3 {
                    div { label for="c-district" { (lang.t("所在区", "District")) }
                        select name="district" id="c-district" {
                            option value="" { "—" }
                            @for d in dir.all().iter().filter(|u| u.class == UnitClass::District) { option value=(d.id.0) selected[f.get("district") == Some(d.id.0.to_string().as_str())] { (d.name) } }
                        }
                    }
                    div { label for="c-address" { (lang.t("详细地址", "Address")) } input type="text" id="c-address" name="address" value=(f.text("address")) maxlength="300"; }
                    div { label for="c-name" { (lang.t("姓名（可不填）", "Name (optional)")) } input type="text" id="c-name" name="name" value=(f.text("name")) maxlength="50"; }
                    div { label for="c-phone" { (lang.t("手机或电话（必填）", "Phone (required)")) } input type="tel" id="c-phone" name="phone" value=(f.text("phone")) required; }
                }
                p { button type="submit" id="citizen-submit" { (lang.t("提交", "Submit")) } }
            }
        },
    )
}

pub async fn citizen_page(State(app): State<Arc<App>>, lang: Lang) -> Markup {
    citizen_form(&app, lang, &FormData(Vec::new()), None)
}

pub async fn citizen_submit(State(app): State<Arc<App>>, lang: Lang, body: Bytes) -> Response {
    let f = FormData::parse(&body).unwrap_or(FormData(Vec::new()));
    let input = f.id("district").map(|district| PublicRequestInput {
        description: f.text("description"),
        name: f.text("name"),
        phone: f.text("phone"),
        address: f.text("address"),
        district,
        language: Some(if lang.zh() { "zh" } else { "en" }.into()),
        lng: None,
        lat: None,
    });
    let result = match input {
        Ok(input) => app.submit_public(&input, f.get("form_token")).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(number) => layout(lang, lang.t("已提交", "Submitted"), None, Nav::Citizen, "/citizen", html! {
            div.card {
                h1 { (lang.t("已收到您的诉求", "We have your request")) }
                p { (lang.t("工单编号：", "Order number: ")) strong #receipt-number { (number) } }
                p { (lang.t("请保存编号，凭编号和电话号码查询办理进度。", "Keep this number; with your phone number it lets you track progress.")) }
                p { a.button href="/track" { (lang.t("查询进度", "Track it")) } }
            }
        })
        .into_response(),
        Err(e) => (StatusCode::UNPROCESSABLE_ENTITY, citizen_form(&app, lang, &f, Some(&error_text(lang, &e)))).into_response(),
    }
}

fn track_form(lang: Lang, number: &str, phone: &str, error: Option<&str>, result: Option<Markup>) -> Markup {
    layout(
        lang,
        lang.t("进度查询", "Track a request"),
        None,
        Nav::Track,
        "/track",
        html! {
            h1 { (lang.t("进度查询", "Track a request")) }
            (flash(None, error))
            form.card method="post" action="/track" id="track-form" {
                div.grid3 {
                    div { label for="t-number" { (lang.t("工单编号", "Order number")) } input type="text" id="t-number" name="number" value=(number) required; }
                    div { label for="t-phone" { (lang.t("提交时的电话", "Phone used")) } input type="tel" id="t-phone" name="phone" value=(phone) required; }
                }
                p { button type="submit" id="track-submit" { (lang.t("查询", "Track")) } }
            }
            @if let Some(r) = result { (r) }
        },
    )
}

pub async fn track_page(lang: Lang) -> Markup {
    track_form(lang, "", "", None, None)
}

pub async fn track_submit(State(app): State<Arc<App>>, lang: Lang, body: Bytes) -> Response {
    let f = FormData::parse(&body).unwrap_or(FormData(Vec::new()));
    let (number, phone) = (f.text("number"), f.text("phone"));
    let clock = Clock::of(&app).await;
    match app.track_public(&number, &phone).await {
        Ok(v) => {
            let result = html! {
                section.card #track-result {
                    h2 { (v.number) " " span.badge.state { (state_label(lang, &v.state)) } }
                    p { (v.description) }
                    p.muted { (lang.t("受理时间：", "Received: ")) (clock.fmt(v.received_at)) @if let Some(u) = &v.handling_unit { " · " (lang.t("承办单位：", "Handled by: ")) (u) } }
                    @if let Some(r) = &v.reply { p { strong { (lang.t("办理结果：", "Result: ")) } (r.text) } }
                    @if let Some(link) = &v.rating_link {
                        p { a.button #rate-link href=(link) { (lang.t("评价办理结果", "Rate how it was handled")) } }
                    }
                    table.timeline {
                        @for e in &v.timeline { tr { td.when { (clock.fmt(e.at)) } td { (action_label(lang, &e.kind)) } td { (state_label(lang, &e.to)) } } }
                    }
                }
            };
            track_form(lang, &number, &phone, None, Some(result)).into_response()
        }
        Err(e) => (StatusCode::NOT_FOUND, track_form(lang, &number, &phone, Some(&error_text(lang, &e)), None)).into_response(),
    }
}
