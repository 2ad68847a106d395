//! The centre's queue and a unit's inbox: tabs by state, counts, paging.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use hotline_app::App;
use hotline_app::orders::ListInput;
use maud::html;
use serde::Deserialize;

use super::widgets::{Categories, Clock, order_table, pager};
use super::{Nav, error_text, flash, layout};
use super::{PageQuery, Staff};

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

async fn list_page(app: Arc<App>, Staff { who, lang }: Staff, q: ListQuery, inbox: bool) -> Response {
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
    // Surges waiting for the centre (their district's, for a unit), above the orders.
    let open_alerts = app
        .list_alerts(&who, Some(hotline_domain::AlertStatus::Open), 7)
        .await
        .map_or(0, |l| l.iter().filter(|a| a.ended_at.is_none()).count());
    let body = match app.list_orders(&who, &input).await {
        Ok(list) => html! {
            h1 { (title) @if let Some(u) = who.unit.and_then(|u| app.units().get(u).cloned()) { " · " (u.name) } }
            @if open_alerts > 0 {
                p.coverage.gap #alerts-banner {
                    a href="/alerts" {
                        (lang.t("预警：", "Early warning: ")) (open_alerts)
                        (lang.t(" 处来电突增待处理", " surges of calls not yet acknowledged"))
                    }
                }
            }
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
            (order_table(lang, clock, &Categories::of(&app), &list.orders))
            (pager(lang, &format!("{path}?tab={}", tab.key), offset, limit, list.has_more))
        },
        Err(e) => html! { h1 { (title) } (flash(None, Some(&error_text(lang, &e)))) },
    };
    layout(lang, title, Some(&who), nav, path, body).into_response()
}

pub async fn queue_page(State(app): State<Arc<App>>, staff: Staff, PageQuery(q): PageQuery<ListQuery>) -> Response {
    list_page(app, staff, q, false).await
}

pub async fn inbox_page(State(app): State<Arc<App>>, staff: Staff, PageQuery(q): PageQuery<ListQuery>) -> Response {
    list_page(app, staff, q, true).await
}
