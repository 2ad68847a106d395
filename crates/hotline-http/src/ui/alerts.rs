//! The early-warning pages (预警): the alerts the reader may see, on a map of the districts and in a
//! table (ongoing first), and one alert with the orders behind it. The centre's supervisors
//! acknowledge or dismiss an alert (with a note) from either page.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use hotline_app::App;
use hotline_app::warning::{AlertAction, AlertView};
use maud::{Markup, html};

use super::charts::{self, Shape};
use super::forms::FormData;
use super::widgets::Clock;
use super::{Lang, Nav, Staff, error_text, flash, layout};
use crate::error::status_for;

fn status_badge(lang: Lang, a: &AlertView) -> Markup {
    let (zh, en, class) = match (a.status.as_str(), a.ended_at.is_some()) {
        (_, true) => ("已结束", "Ended", "state"),
        ("acknowledged", _) => ("已确认", "Acknowledged", "supervised"),
        ("dismissed", _) => ("已忽略", "Dismissed", "state"),
        _ => ("待处理", "Open", "overdue"),
    };
    html! { span class={ "badge " (class) } data-status=(a.status) { (lang.t(zh, en)) } }
}

fn place(lang: Lang, a: &AlertView) -> String {
    match (&a.district, &a.street) {
        (Some(d), Some(s)) => format!("{} · {}", d.name, s.name),
        (Some(d), None) => d.name.clone(),
        (None, Some(s)) => s.name.clone(),
        (None, None) => lang.t("全市", "City-wide").to_owned(),
    }
}

fn category(lang: Lang, a: &AlertView) -> String {
    if let Some(words) = &a.terms {
        return format!("{}“{words}”", lang.t("新问题：", "Emerging topic: "));
    }
    a.category
        .as_ref()
        .map_or_else(|| lang.t("各类诉求", "All categories").to_owned(), |c| if lang.zh() { c.name_zh.clone() } else { c.name_en.clone() })
}

fn ratio(a: &AlertView) -> String {
    if a.expected >= 0.01 { format!("×{:.1}", a.observed as f64 / a.expected) } else { "≫".into() }
}

/// Expected calls: two decimals below one (a quiet street expects 0.05 calls), else one.
fn expected(a: &AlertView) -> String {
    if a.expected < 1.0 { format!("{:.2}", a.expected) } else { format!("{:.1}", a.expected) }
}

/// The recurrence interval in days, years past a year, and "over a century" past that.
fn recurrence(lang: Lang, a: &AlertView) -> String {
    let d = a.recurrence_days;
    if d >= 36_500.0 {
        lang.t("百年以上", "over 100 years").to_owned()
    } else if d >= 365.0 {
        format!("{:.0}{}", d / 365.0, lang.t(" 年", " years"))
    } else {
        format!("{d:.0}{}", lang.t(" 天", " days"))
    }
}

/// The districts shaded by their ongoing alerts.
fn alert_map(app: &App, lang: Lang, alerts: &[&AlertView]) -> Markup {
    let Some(map) = app.district_map() else { return html! {} };
    let dir = app.units();
    let mut per: HashMap<i64, f64> = HashMap::new();
    for a in alerts.iter().filter(|a| a.ended_at.is_none()) {
        if let Some(d) = &a.district {
            *per.entry(d.id).or_default() += 1.0;
        }
    }
    let shapes: Vec<Shape<'_>> = map
        .outlines()
        .filter_map(|(id, polygons)| {
            Some(Shape { name: dir.get(id)?.name.clone(), polygons, value: Some(per.get(&id.0).copied().unwrap_or(0.0)), href: None })
        })
        .collect();
    charts::choropleth(lang.t("颜色越深，进行中的预警越多", "Darker: more ongoing alerts"), &shapes, &[], false)
}

fn actions(lang: Lang, a: &AlertView, back: &str) -> Markup {
    if !a.can_act {
        return html! {};
    }
    let form = |action: &str, label: &str, class: &str| {
        html! {
            form.inline method="post" action={ "/alerts/" (a.id) "/" (action) } {
                input type="hidden" name="back" value=(back);
                label { (lang.t("备注", "Note")) " " input type="text" name="note" maxlength="500" placeholder=(lang.t("可选", "optional")); }
                button type="submit" class=(class) data-action=(action) { (label) }
            }
        }
    };
    html! {
        div.alert-actions {
            @match a.status.as_str() {
                "open" => { (form("acknowledge", lang.t("确认预警", "Acknowledge"), "small")) (form("dismiss", lang.t("忽略", "Dismiss"), "secondary small")) }
                "acknowledged" => { (form("dismiss", lang.t("忽略", "Dismiss"), "secondary small")) }
                _ => { (form("reopen", lang.t("重新打开", "Reopen"), "secondary small")) }
            }
        }
    }
}

fn alert_rows(lang: Lang, clock: Clock, alerts: &[AlertView]) -> Markup {
    html! {
        table #alerts {
            thead { tr {
                th { (lang.t("状态", "Status")) } th { (lang.t("地点", "Where")) } th { (lang.t("类别", "What")) }
                th { (lang.t("开始于", "Since")) } th.num { (lang.t("来电 / 预期", "Calls / expected")) } th.num { (lang.t("重现期", "Recurrence")) }
                th { (lang.t("最近", "Last seen")) } th {}
            } }
            tbody {
                @for a in alerts {
                    tr data-alert=(a.id) data-status=(a.status) data-ongoing=(a.ended_at.is_none()) {
                        td { (status_badge(lang, a)) }
                        td { (place(lang, a)) }
                        td { (category(lang, a)) }
                        td { (clock.fmt(a.started_at)) }
                        td.num { (a.observed) " / " (expected(a)) " " span.muted { (ratio(a)) } }
                        td.num { (recurrence(lang, a)) }
                        td { (clock.fmt(a.last_seen_at)) }
                        td { a href={ "/alerts/" (a.id) } { (lang.t("查看工单", "Orders")) } }
                    }
                }
            }
        }
    }
}

pub async fn alerts_page(State(app): State<Arc<App>>, Staff { who, lang }: Staff) -> Response {
    let clock = Clock::of(&app).await;
    let (list, error) = match app.list_alerts(&who, None, 7).await {
        Ok(l) => (l, None),
        Err(e) => (Vec::new(), Some(error_text(lang, &e))),
    };
    let ongoing: Vec<&AlertView> = list.iter().filter(|a| a.ended_at.is_none()).collect();
    let open = ongoing.iter().filter(|a| a.status == "open").count();
    layout(
        lang,
        lang.t("预警", "Early warning"),
        Some(&who),
        Nav::Alerts,
        "/alerts",
        html! {
            h1 { (lang.t("预警", "Early warning")) " " span.muted #alert-count { (ongoing.len()) (lang.t(" 条进行中，", " ongoing, ")) (open) (lang.t(" 条待处理", " open")) } }
            (flash(None, error.as_deref()))
            p.muted { (lang.t(
                "每分钟比较各街道、各区按类别的来电与预期（按一周中的时段、节假日与调休、供暖季与汛期、该地以往水平），用负二项CUSUM检测突增；重现期指偶然出现同样强度信号的平均间隔。同一持续突增只预警一次。",
                "Each minute, calls per street and district by category are compared with what the hour of the week, holidays and make-up days, the heating and flood seasons and the place's usual level expect, by a negative-binomial CUSUM; the recurrence interval is how often chance alone gives a signal this strong. One ongoing surge is raised once."
            )) }
            @if list.is_empty() {
                p #no-alerts { (lang.t("最近7天没有预警。", "No alerts in the last 7 days.")) }
            } @else {
                section.card #alert-list {
                    h2 { (lang.t("预警列表", "Alerts")) }
                    (alert_rows(lang, clock, &list))
                }
                div.grid2 {
                    section.card #alert-map { h2 { (lang.t("进行中的预警", "Ongoing alerts")) } (alert_map(&app, lang, &ongoing)) }
                    @if list.iter().any(|a| a.can_act && a.ended_at.is_none()) {
                        section.card #alert-acts {
                            h2 { (lang.t("处理", "Act")) }
                            @for a in list.iter().filter(|a| a.can_act && a.ended_at.is_none()) {
                                div.alert-act data-alert=(a.id) { strong { (place(lang, a)) " · " (category(lang, a)) } (actions(lang, a, "/alerts")) }
                            }
                        }
                    }
                }
            }
        },
    )
    .into_response()
}

pub async fn alert_page(State(app): State<Arc<App>>, Staff { who, lang }: Staff, Path(id): Path<i64>) -> Response {
    let clock = Clock::of(&app).await;
    let path = format!("/alerts/{id}");
    let detail = match app.alert_detail(&who, id).await {
        Ok(d) => d,
        Err(e) => {
            return (
                status_for(&e),
                layout(lang, lang.t("预警", "Alert"), Some(&who), Nav::Alerts, &path, flash(None, Some(&error_text(lang, &e)))),
            )
                .into_response();
        }
    };
    let a = &detail.alert;
    let incident = app.incident_of_alert(&who, a.id).await.ok().flatten();
    let title = format!("{} · {}", place(lang, a), category(lang, a));
    layout(
        lang,
        &title,
        Some(&who),
        Nav::Alerts,
        &path,
        html! {
            p { a href="/alerts" { "← " (lang.t("全部预警", "All alerts")) } }
            h1 #alert-title { @if a.kind == "topic" { (lang.t("新问题：", "Emerging topic: ")) } @else { (lang.t("来电突增：", "Surge: ")) } (title) " " (status_badge(lang, a)) }
            div.grid2 {
                section.card #alert-facts {
                    dl.facts {
                        dt { (lang.t("开始于", "Since")) } dd { (clock.fmt(a.started_at)) }
                        dt { (lang.t("发现于", "Detected")) } dd { (clock.fmt(a.detected_at)) }
                        dt { (lang.t("最近", "Last seen")) } dd { (clock.fmt(a.last_seen_at)) @if let Some(e) = a.ended_at { " · " (lang.t("结束于 ", "ended ")) (clock.fmt(e)) } }
                        dt { (lang.t("来电 / 预期", "Calls / expected")) } dd #alert-figures { (a.observed) " / " (expected(a)) " (" (ratio(a)) ")" }
                        dt { (lang.t("重现期", "Recurrence interval")) } dd { (recurrence(lang, a)) }
                        dt { (lang.t("得分", "Score")) } dd { (format!("{:.1}", a.score)) }
                        @if let Some(n) = &a.note { dt { (lang.t("备注", "Note")) } dd { (n) } }
                    }
                    (actions(lang, a, &path))
                    (super::incidents::alert_incident(lang, a.id, incident.as_ref(), a.can_act))
                }
                section.card { (alert_map(&app, lang, &[a])) }
            }
            section.card #alert-orders {
                h2 { (lang.t("相关工单", "Orders behind it")) " " span.muted { (detail.orders.len()) } }
                @if detail.orders.is_empty() {
                    p.muted { (lang.t("没有可查看的工单。", "No orders you may see.")) }
                } @else {
                    table {
                        thead { tr { th { (lang.t("工单", "Order")) } th { (lang.t("受理时间", "Received")) } th { (lang.t("地址", "Address")) } th { (lang.t("诉求", "Request")) } } }
                        tbody {
                            @for o in &detail.orders {
                                tr {
                                    td { a href={ "/orders/" (o.number) } { (o.number) } }
                                    td { (clock.fmt(o.received_at)) }
                                    td { (o.location.address) }
                                    td { (o.description.chars().take(60).collect::<String>()) }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
    .into_response()
}

/// `POST /alerts/{id}/{acknowledge|dismiss|reopen}` with an optional note; back to the page it
/// came from.
pub async fn alert_action(
    State(app): State<Arc<App>>,
    Staff { who, lang }: Staff,
    Path((id, action)): Path<(i64, String)>,
    body: Bytes,
) -> Response {
    let f = FormData::parse(&body).unwrap_or(FormData(Vec::new()));
    let back = f.text("back");
    let back = if back.starts_with("/alerts") { back } else { "/alerts".to_owned() };
    let result = match AlertAction::parse(&action) {
        Ok(a) => app.act_on_alert(&who, id, a, f.opt("note").as_deref()).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Redirect::to(&back).into_response(),
        Err(e) => (
            status_for(&e),
            layout(lang, lang.t("预警", "Alert"), Some(&who), Nav::Alerts, &back, flash(None, Some(&error_text(lang, &e)))),
        )
            .into_response(),
    }
}
