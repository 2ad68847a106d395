//! Emergency mode pages (突发事件): the incidents list with the declaration form, and one incident —
//! its scripted answer (口径) and lead unit, edited by the supervisor; live counts by district and the
//! worst-hit streets; the calls linked to it and those of its place and category not linked yet,
//! with bulk link / dispatch / answer. Intake's banner and one key are in `intake.rs`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use hotline_app::incidents::{
    BulkAction, BulkInput, BulkOutcome, IncidentDetail, IncidentEditInput, IncidentInput, IncidentView, PlaceCount,
};
use hotline_app::views::OrderView;
use hotline_app::{App, AppError, Principal};
use hotline_domain::{State as OrderState, UnitClass};
use maud::{Markup, html};

use super::forms::FormData;
use super::widgets::{Clock, badges, category_select, unit_picker};
use super::{Lang, Nav, Staff, error_text, flash, layout};
use crate::error::status_for;

pub(crate) fn place(lang: Lang, i: &IncidentView) -> String {
    match (&i.district, &i.street) {
        (Some(d), Some(s)) => format!("{} · {}", d.name, s.name),
        (Some(d), None) => d.name.clone(),
        (None, Some(s)) => s.name.clone(),
        (None, None) => lang.t("全市", "City-wide").to_owned(),
    }
}

fn status_badge(lang: Lang, i: &IncidentView) -> Markup {
    if i.status == "active" {
        html! { span.badge.overdue data-status="active" { (lang.t("进行中", "Active")) } }
    } else {
        html! { span.badge.state data-status="closed" { (lang.t("已结束", "Closed")) } }
    }
}

fn category(lang: Lang, i: &IncidentView) -> String {
    i.category.as_ref().map_or_else(|| "—".to_owned(), |c| if lang.zh() { c.name_zh.clone() } else { c.name_en.clone() })
}

fn page_error(lang: Lang, who: &Principal, path: &str, e: &AppError) -> Response {
    (status_for(e), layout(lang, lang.t("突发事件", "Incidents"), Some(who), Nav::Incidents, path, flash(None, Some(&error_text(lang, e)))))
        .into_response()
}

/// The declaration form (supervisors): from scratch; an alert's page declares from the alert.
async fn declare_form(app: &App, lang: Lang) -> Markup {
    let dir = app.units();
    html! {
        section.card #declare-incident {
            h2 { (lang.t("宣布突发事件", "Declare an incident")) }
            form method="post" action="/incidents" {
                label for="title" { (lang.t("名称", "Title")) }
                input type="text" id="title" name="title" required maxlength="100" placeholder=(lang.t("如：朝阳区暴雨积水", "e.g. Chaoyang rainstorm flooding"));
                div.grid2 {
                    div { label for="incident-district" { (lang.t("区（可选）", "District (optional)")) }
                        select name="district" id="incident-district" {
                            option value="" { (lang.t("全市", "City-wide")) }
                            @for d in dir.all().iter().filter(|u| u.class == UnitClass::District) { option value=(d.id.0) { (d.name) } }
                        }
                    }
                    div { label for="incident-category" { (lang.t("分类", "Category")) } (category_select(app, lang, "category", "incident-category", None).await) }
                }
                label for="lead_unit" { (lang.t("牵头单位", "Lead unit")) }
                (unit_picker(lang, &dir, "lead_unit", "lead_unit", false, true, &[]))
                label for="script" { (lang.t("口径（话务员答复来电的统一说法）", "Script (what operators tell callers)")) }
                textarea id="script" name="script" maxlength="2000" placeholder=(lang.t("留空则自动生成", "Left empty: a holding answer is written")) {}
                p { button type="submit" { (lang.t("宣布", "Declare")) } }
            }
        }
    }
}

fn incident_rows(lang: Lang, clock: Clock, list: &[IncidentView]) -> Markup {
    html! {
        table #incidents {
            thead { tr {
                th { (lang.t("状态", "Status")) } th { (lang.t("名称", "Title")) } th { (lang.t("地点", "Where")) } th { (lang.t("分类", "Category")) }
                th { (lang.t("牵头单位", "Lead unit")) } th { (lang.t("开始于", "Since")) } th.num { (lang.t("已关联来电", "Linked calls")) }
            } }
            tbody {
                @for i in list {
                    tr data-incident=(i.id) data-status=(i.status) {
                        td { (status_badge(lang, i)) }
                        td { a href={ "/incidents/" (i.id) } { (i.title) } }
                        td { (place(lang, i)) }
                        td { (category(lang, i)) }
                        td { (i.lead_unit.name) }
                        td { (clock.fmt(i.started_at)) }
                        td.num { (i.linked) }
                    }
                }
            }
        }
    }
}

pub async fn incidents_page(State(app): State<Arc<App>>, Staff { who, lang }: Staff) -> Response {
    let clock = Clock::of(&app).await;
    let list = match app.list_incidents(&who, false).await {
        Ok(l) => l,
        Err(e) => return page_error(lang, &who, "/incidents", &e),
    };
    let manages = who.role == hotline_domain::Role::Supervisor;
    layout(
        lang,
        lang.t("突发事件", "Incidents"),
        Some(&who),
        Nav::Incidents,
        "/incidents",
        html! {
            h1 { (lang.t("突发事件（应急模式）", "Incidents (emergency mode)")) }
            p.muted { (lang.t(
                "事件进行中时，受理页显示事件横幅与口径，一键将来电归入事件并派给牵头单位；事件页实时显示各区、各街道来电，可批量派单和答复。预警页可将预警确认为事件。",
                "While an incident is active, intake shows its banner and script and one key files the call under it and dispatches it to the lead unit; the incident page shows calls by district and street live, with bulk dispatch and answers. An alert's page confirms the alert as an incident."
            )) }
            @if list.is_empty() {
                p #no-incidents { (lang.t("没有突发事件。", "No incidents.")) }
            } @else {
                section.card { (incident_rows(lang, clock, &list)) }
            }
            @if manages { (declare_form(&app, lang).await) }
        },
    )
    .into_response()
}

/// `POST /incidents`: declare (from an alert when the form carries `alert`).
pub async fn declare_submit(State(app): State<Arc<App>>, Staff { who, lang }: Staff, body: Bytes) -> Response {
    let f = FormData::parse(&body).unwrap_or(FormData(Vec::new()));
    let input = (|| {
        Ok::<_, AppError>(IncidentInput {
            title: f.opt("title"),
            alert: f.id("alert")?,
            district: f.id("district")?,
            street: f.id("street")?,
            category: f.opt("category"),
            lead_unit: f.id("lead_unit")?,
            script: f.opt("script"),
        })
    })();
    match async { app.declare_incident(&who, &input?).await }.await {
        Ok(i) => Redirect::to(&format!("/incidents/{}?ok=declared", i.id)).into_response(),
        Err(e) => page_error(lang, &who, "/incidents", &e),
    }
}

fn counts_table(lang: Lang, id: &str, rows: &[PlaceCount], with_street: bool) -> Markup {
    let max = rows.iter().map(|r| r.count).max().unwrap_or(0).max(1);
    html! {
        table id=(id) {
            thead { tr {
                th { (lang.t("区", "District")) } @if with_street { th { (lang.t("街道", "Street")) } } th.num { (lang.t("来电", "Calls")) } th {}
            } }
            tbody {
                @for r in rows {
                    tr {
                        td { (r.district.as_deref().unwrap_or("—")) }
                        @if with_street { td { (r.street.as_deref().unwrap_or("—")) } }
                        td.num { (r.count) }
                        td { span.meter style={ "width:" (r.count * 100 / max) "%" } {} }
                    }
                }
            }
        }
    }
}

fn order_table(lang: Lang, clock: Clock, id: &str, orders: &[OrderView], form: Option<&str>) -> Markup {
    html! {
        table id=(id) {
            thead { tr {
                @if form.is_some() { th { (lang.t("选", "Pick")) } }
                th { (lang.t("工单", "Order")) } th { (lang.t("受理时间", "Received")) } th { (lang.t("状态", "State")) }
                th { (lang.t("地址", "Address")) } th { (lang.t("诉求", "Request")) }
            } }
            tbody {
                @for o in orders {
                    tr data-order=(o.number) data-state=(o.state.code()) {
                        @if let Some(form) = form {
                            td { label.pick { input type="checkbox" name="orders" value=(o.number) form=(form)
                                checked[matches!(o.state, OrderState::Received | OrderState::Triaged)]; " " (lang.t("选", "pick")) } }
                        }
                        td { a href={ "/orders/" (o.number) } { (o.number) } }
                        td { (clock.fmt(o.received_at)) }
                        td { (badges(lang, o)) }
                        td { (o.location.address) }
                        td { (o.description.chars().take(50).collect::<String>()) }
                    }
                }
            }
        }
    }
}

/// The bulk buttons of one selection form.
fn bulk_form(lang: Lang, incident: i64, form: &str) -> Markup {
    html! {
        form.inline.bulk id=(form) method="post" action={ "/incidents/" (incident) "/bulk" } {
            button type="submit" name="action" value="dispatch" { (lang.t("归入并派给牵头单位", "Link and dispatch to the lead unit")) }
            " " button.secondary type="submit" name="action" value="answer" { (lang.t("以口径答复", "Answer with the script")) }
            " " button.secondary type="submit" name="action" value="link" { (lang.t("仅归入事件", "Link only")) }
        }
    }
}

fn outcome_summary(lang: Lang, f: &FormData) -> Option<String> {
    let done: usize = f.get("done")?.parse().ok()?;
    let failed: usize = f.get("failed").and_then(|v| v.parse().ok()).unwrap_or(0);
    Some(if lang.zh() {
        format!("已处理 {done} 件，未能处理 {failed} 件")
    } else {
        format!("{done} done, {failed} not possible")
    })
}

pub async fn incident_page(State(app): State<Arc<App>>, Staff { who, lang }: Staff, Path(id): Path<i64>, uri: axum::http::Uri) -> Response {
    let path = format!("/incidents/{id}");
    let d: IncidentDetail = match app.incident_detail(&who, id).await {
        Ok(d) => d,
        Err(e) => return page_error(lang, &who, &path, &e),
    };
    let clock = Clock::of(&app).await;
    let query = FormData::parse(uri.query().unwrap_or_default().as_bytes()).unwrap_or(FormData(Vec::new()));
    let ok = match query.get("ok") {
        Some("declared") => {
            Some(lang.t("已宣布突发事件：受理页将显示横幅与口径。", "Incident declared: intake shows its banner and script.").to_owned())
        }
        Some("saved") => Some(lang.t("已保存。", "Saved.").to_owned()),
        Some("closed") => Some(lang.t("事件已结束。", "The incident is closed.").to_owned()),
        _ => outcome_summary(lang, &query),
    };
    let failures: Vec<String> = query.all("failure").map(str::to_owned).collect();
    let i = &d.incident;
    let dir = app.units();
    layout(
        lang,
        &i.title,
        Some(&who),
        Nav::Incidents,
        &path,
        html! {
            p { a href="/incidents" { "← " (lang.t("全部突发事件", "All incidents")) } }
            h1 #incident-title { (i.title) " " (status_badge(lang, i)) }
            (flash(ok.as_deref(), None))
            @if !failures.is_empty() {
                div.flash.error role="alert" #bulk-failures { (lang.t("未能处理：", "Not possible: ")) @for f in &failures { (f) "; " } }
            }
            div.grid2 {
                section.card #incident-facts {
                    dl.facts {
                        dt { (lang.t("地点", "Where")) } dd { (place(lang, i)) }
                        dt { (lang.t("分类", "Category")) } dd { (category(lang, i)) }
                        dt { (lang.t("牵头单位", "Lead unit")) } dd #incident-lead { (i.lead_unit.name) }
                        dt { (lang.t("开始于", "Since")) } dd { (clock.fmt(i.started_at)) }
                        dt { (lang.t("宣布于", "Declared")) } dd { (clock.fmt(i.declared_at)) }
                        @if let Some(a) = i.alert { dt { (lang.t("来自预警", "From alert")) } dd { a href={ "/alerts/" (a) } { "#" (a) } } }
                        @if let Some(c) = i.closed_at { dt { (lang.t("结束于", "Closed")) } dd { (clock.fmt(c)) } }
                    }
                    div #incident-live data-src={ "/api/v1/incidents/" (i.id) } {
                        p.big {
                            span #incident-linked { (i.linked) } (lang.t(" 件来电已归入，", " calls linked, "))
                            span #incident-unresolved { (d.unresolved) } (lang.t(" 件未办结", " not yet resolved"))
                        }
                    }
                }
                section.card #incident-script {
                    h2 { (lang.t("口径", "Script")) }
                    blockquote #script-text { (i.script) }
                    @if i.can_manage {
                        details {
                            summary { (lang.t("修改名称、口径或牵头单位", "Edit title, script or lead unit")) }
                            form method="post" action={ "/incidents/" (i.id) "/edit" } {
                                label for="edit-title" { (lang.t("名称", "Title")) }
                                input type="text" id="edit-title" name="title" value=(i.title) required maxlength="100";
                                label for="edit-script" { (lang.t("口径", "Script")) }
                                textarea id="edit-script" name="script" required maxlength="2000" { (i.script) }
                                label for="edit-lead" { (lang.t("牵头单位", "Lead unit")) }
                                (unit_picker(lang, &dir, "lead_unit", "edit-lead", false, true, &[i.lead_unit.id]))
                                p { button type="submit" { (lang.t("保存", "Save")) } }
                            }
                        }
                        form.inline method="post" action={ "/incidents/" (i.id) "/close" } {
                            button.danger type="submit" #close-incident { (lang.t("结束事件", "Close the incident")) }
                        }
                    }
                }
            }
            div.grid2 {
                section.card #incident-districts {
                    h2 { (lang.t("各区来电", "Calls by district")) " " span.muted { (lang.t("（本类别，自开始当日起）", "(its category, since the day it began)")) } }
                    @if d.scope_by_district.is_empty() { p.muted { (lang.t("暂无数据（事件未设分类，或数据尚未汇总）", "No figures yet (no category, or not yet counted)")) } }
                    @else { (counts_table(lang, "scope-districts", &d.scope_by_district, false)) }
                }
                section.card #incident-streets {
                    h2 { (lang.t("受影响最重的街道", "Worst-hit streets")) }
                    @if d.worst_streets.is_empty() { p.muted { "—" } } @else { (counts_table(lang, "worst-streets", &d.worst_streets, true)) }
                    h3 { (lang.t("已归入来电按街道", "Linked calls by street")) }
                    @if d.linked_by_street.is_empty() { p.muted { "—" } } @else { (counts_table(lang, "linked-streets", &d.linked_by_street, true)) }
                }
            }
            @if i.can_manage && !d.unlinked.is_empty() {
                section.card #incident-unlinked {
                    h2 { (lang.t("同地同类、尚未归入的来电", "Calls of its place and category not yet linked")) " " span.muted { (d.unlinked.len()) } }
                    (bulk_form(lang, i.id, "bulk-unlinked"))
                    (order_table(lang, clock, "unlinked-orders", &d.unlinked, Some("bulk-unlinked")))
                }
            }
            section.card #incident-orders {
                h2 { (lang.t("已归入的来电", "Linked calls")) " " span.muted { (d.orders.len()) } }
                @if d.orders.is_empty() {
                    p.muted { (lang.t("尚无来电归入此事件。", "No calls linked yet.")) }
                } @else {
                    @if i.can_manage { (bulk_form(lang, i.id, "bulk-linked")) }
                    (order_table(lang, clock, "linked-orders", &d.orders, i.can_manage.then_some("bulk-linked")))
                }
            }
        },
    )
    .into_response()
}

pub async fn edit_submit(State(app): State<Arc<App>>, Staff { who, lang }: Staff, Path(id): Path<i64>, body: Bytes) -> Response {
    let f = FormData::parse(&body).unwrap_or(FormData(Vec::new()));
    let path = format!("/incidents/{id}");
    let result = async {
        let lead_unit = f.id("lead_unit")?.ok_or_else(|| {
            AppError::from(hotline_domain::ValidationError::new("lead_unit", "required", "请选择牵头单位", "Choose the lead unit"))
        })?;
        app.edit_incident(&who, id, &IncidentEditInput { title: f.text("title"), script: f.text("script"), lead_unit }).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to(&format!("{path}?ok=saved")).into_response(),
        Err(e) => page_error(lang, &who, &path, &e),
    }
}

pub async fn close_submit(State(app): State<Arc<App>>, Staff { who, lang }: Staff, Path(id): Path<i64>) -> Response {
    let path = format!("/incidents/{id}");
    match app.close_incident(&who, id).await {
        Ok(_) => Redirect::to(&format!("{path}?ok=closed")).into_response(),
        Err(e) => page_error(lang, &who, &path, &e),
    }
}

/// `POST /incidents/{id}/bulk`: back to the page with how many were done and why the others were not.
pub async fn bulk_submit(State(app): State<Arc<App>>, Staff { who, lang }: Staff, Path(id): Path<i64>, body: Bytes) -> Response {
    let f = FormData::parse(&body).unwrap_or(FormData(Vec::new()));
    let path = format!("/incidents/{id}");
    let action = match f.get("action") {
        Some("dispatch") => BulkAction::Dispatch,
        Some("answer") => BulkAction::Answer,
        Some("link") => BulkAction::Link,
        _ => {
            let e = AppError::from(hotline_domain::ValidationError::new(
                "action",
                "unknown_bulk_action",
                "未知的批量操作",
                "Unknown bulk action",
            ));
            return page_error(lang, &who, &path, &e);
        }
    };
    let input = BulkInput { action, orders: f.all("orders").map(str::to_owned).collect() };
    match app.incident_bulk(&who, id, &input).await {
        Ok(outcomes) => Redirect::to(&format!("{path}?{}", outcome_query(lang, &outcomes))).into_response(),
        Err(e) => page_error(lang, &who, &path, &e),
    }
}

fn outcome_query(lang: Lang, outcomes: &[BulkOutcome]) -> String {
    let done = outcomes.iter().filter(|o| o.ok).count();
    let failed: Vec<&BulkOutcome> = outcomes.iter().filter(|o| !o.ok).collect();
    let mut q = format!("done={done}&failed={}", failed.len());
    for o in failed.iter().take(20) {
        let why = if lang.zh() { o.message_zh.as_deref() } else { o.message_en.as_deref() }.unwrap_or_default();
        q.push_str("&failure=");
        q.push_str(&urlencoding(&format!("{} {why}", o.number)));
    }
    q
}

fn urlencoding(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The banner intake shows while incidents are active: each with its script, and the one key that
/// files the call under it (Alt+I for the newest). Inside the intake form: the key is a submit
/// button carrying the incident.
pub(crate) fn intake_banner(lang: Lang, incidents: &[IncidentView]) -> Markup {
    html! {
        @if !incidents.is_empty() {
            section.incident-banner #incident-banner role="region" aria-label=(lang.t("突发事件", "Incidents")) {
                @for (n, i) in incidents.iter().enumerate() {
                    div.incident data-incident=(i.id) {
                        p {
                            strong { (lang.t("突发事件：", "Incident: ")) a href={ "/incidents/" (i.id) } target="_blank" { (i.title) } }
                            " " span.muted { (place(lang, i)) " · " (lang.t("牵头：", "lead: ")) (i.lead_unit.name) }
                        }
                        p.script { strong { (lang.t("口径：", "Script: ")) } span.script-text { (i.script) } }
                        p {
                            @if n == 0 {
                                button.danger type="submit" name="incident" value=(i.id) accesskey="i" #incident-key {
                                    (lang.t("归入事件并派单", "File under the incident and dispatch")) " " kbd { "Alt+I" }
                                }
                            } @else {
                                button.danger type="submit" name="incident" value=(i.id) { (lang.t("归入事件并派单", "File under the incident and dispatch")) }
                            }
                            " " button.secondary.small type="button" data-script=(i.script) .use-script { (lang.t("口径填入答复", "Use the script as the answer")) }
                        }
                    }
                }
            }
        }
    }
}

/// The alert page's link to its incident, or (supervisors) the form that confirms it as one.
pub(crate) fn alert_incident(lang: Lang, alert: i64, incident: Option<&IncidentView>, can_declare: bool) -> Markup {
    html! {
        @if let Some(i) = incident {
            p #alert-incident { (lang.t("已确认为突发事件：", "Confirmed as the incident: ")) a href={ "/incidents/" (i.id) } { (i.title) } }
        } @else if can_declare {
            form.inline #confirm-incident method="post" action="/incidents" {
                input type="hidden" name="alert" value=(alert);
                label { (lang.t("口径", "Script")) " " input type="text" name="script" maxlength="2000" placeholder=(lang.t("留空则自动生成", "empty: a holding answer")); }
                button.danger type="submit" { (lang.t("确认为突发事件", "Confirm as an incident")) }
            }
        }
    }
}
