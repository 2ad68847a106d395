//! 每月一题 adopted: the form that adopts a candidate of the month's ranking (supervisors), the list
//! of adopted problems on the candidates page, and one adopted problem's page — its months and its
//! 30/90/180 days before and after adoption.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use hotline_app::problems::{AdoptInput, Figures, ProblemView};
use hotline_app::{App, AppError, Principal};
use hotline_domain::Role;
use maud::{Markup, html};

use super::forms::FormData;
use super::widgets::Clock;
use super::{Lang, Nav, Staff, error_text, flash, layout};
use crate::error::status_for;

fn page_error(lang: Lang, who: &Principal, path: &str, e: &AppError) -> Response {
    (
        status_for(e),
        layout(lang, lang.t("每月一题", "Problem of the month"), Some(who), Nav::Problems, path, flash(None, Some(&error_text(lang, e)))),
    )
        .into_response()
}

/// The adopt form of one candidate row (supervisors only).
pub(crate) fn adopt_form(lang: Lang, who: &Principal, month: &str, key: &str) -> Markup {
    html! {
        @if who.role == Role::Supervisor {
            form.inline.adopt method="post" action="/problems/adopt" {
                input type="hidden" name="month" value=(month);
                input type="hidden" name="key" value=(key);
                button.small type="submit" { (lang.t("确定为每月一题", "Adopt")) }
            }
        }
    }
}

fn place(lang: Lang, p: &ProblemView) -> String {
    match (&p.district, &p.street) {
        (Some(d), Some(s)) => format!("{} · {}", d.name, s.name),
        (Some(d), None) => d.name.clone(),
        (None, Some(s)) => s.name.clone(),
        (None, None) => lang.t("全市", "City-wide").to_owned(),
    }
}

/// The adopted problems, open first, for the candidates page.
pub(crate) async fn adopted_section(app: &App, who: &Principal, lang: Lang) -> Markup {
    let Ok(list) = app.list_problems(who).await else { return html! {} };
    let clock = Clock::of(app).await;
    html! {
        section.card #adopted-problems {
            h2 { (lang.t("已确定的每月一题", "Adopted problems of the month")) }
            @if list.is_empty() {
                p.muted { (lang.t("尚未确定。督办人员可在下方候选中选定。", "None yet. Supervisors adopt one from the candidates below.")) }
            } @else {
                table {
                    thead { tr { th { (lang.t("问题", "Problem")) } th { (lang.t("地点", "Where")) } th { (lang.t("来自", "From")) } th { (lang.t("确定于", "Adopted")) } th { (lang.t("状态", "Status")) } } }
                    tbody {
                        @for p in &list {
                            tr data-problem=(p.id) {
                                td { a href={ "/problems/adopted/" (p.id) } { (p.title) } }
                                td { (place(lang, p)) }
                                td { (p.month) }
                                td { (clock.fmt(p.adopted_at)) }
                                td { @if p.closed_at.is_some() { span.badge.state { (lang.t("已结束", "Closed")) } } @else { span.badge.supervised { (lang.t("推进中", "In progress")) } } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `POST /problems/adopt`.
pub async fn adopt_submit(State(app): State<Arc<App>>, Staff { who, lang }: Staff, body: Bytes) -> Response {
    let f = FormData::parse(&body).unwrap_or(FormData(Vec::new()));
    let input = AdoptInput { key: f.text("key"), month: f.text("month"), title: f.opt("title"), note: f.opt("note") };
    match app.adopt_problem(&who, &input).await {
        Ok(p) => Redirect::to(&format!("/problems/adopted/{}", p.id)).into_response(),
        Err(e) => page_error(lang, &who, "/problems", &e),
    }
}

/// `POST /problems/adopted/{id}/close`.
pub async fn close_submit(State(app): State<Arc<App>>, Staff { who, lang }: Staff, Path(id): Path<i64>) -> Response {
    let path = format!("/problems/adopted/{id}");
    match app.close_problem(&who, id).await {
        Ok(_) => Redirect::to(&path).into_response(),
        Err(e) => page_error(lang, &who, &path, &e),
    }
}

fn rate(r: Option<f64>) -> String {
    r.map_or_else(|| "—".to_owned(), |v| format!("{:.1}%", v * 100.0))
}

/// Change after against before: calls per 30 days (down is good), rates in points (up is good).
fn change(before: &Figures, after: &Figures) -> (String, String, String) {
    let calls = if before.calls_per_30_days > 0.0 {
        format!("{:+.0}%", (after.calls_per_30_days / before.calls_per_30_days - 1.0) * 100.0)
    } else {
        "—".to_owned()
    };
    let points = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => format!("{:+.1}", (a - b) * 100.0),
        _ => "—".to_owned(),
    };
    (calls, points(after.resolution_rate, before.resolution_rate), points(after.satisfaction_rate, before.satisfaction_rate))
}

pub async fn problem_page(State(app): State<Arc<App>>, Staff { who, lang }: Staff, Path(id): Path<i64>) -> Response {
    let path = format!("/problems/adopted/{id}");
    let d = match app.problem_detail(&who, id).await {
        Ok(d) => d,
        Err(e) => return page_error(lang, &who, &path, &e),
    };
    let clock = Clock::of(&app).await;
    let p = &d.problem;
    let max = d.monthly.iter().map(|m| m.calls).max().unwrap_or(0).max(1);
    let adopted_month = (p.adopted_at + chrono::Duration::minutes(i64::from(clock.minutes()))).format("%Y-%m").to_string();
    layout(
        lang,
        &p.title,
        Some(&who),
        Nav::Problems,
        &path,
        html! {
            p { a href="/problems" { "← " (lang.t("每月一题", "Problem of the month")) } }
            h1 #problem-title { (p.title) " "
                @if p.closed_at.is_some() { span.badge.state { (lang.t("已结束", "Closed")) } } @else { span.badge.supervised { (lang.t("推进中", "In progress")) } } }
            section.card #problem-facts {
                dl.facts {
                    dt { (lang.t("地点", "Where")) } dd { (place(lang, p)) }
                    dt { (lang.t("类别", "Category")) } dd { (if lang.zh() { &p.category.name_zh } else { &p.category.name_en }) " " span.muted { code { (p.category.code) } } }
                    dt { (lang.t("来自排名", "From the ranking of")) } dd { a href={ "/problems?month=" (p.month) } { (p.month) } }
                    dt { (lang.t("确定于", "Adopted")) } dd { (clock.fmt(p.adopted_at)) }
                    @if let Some(n) = &p.note { dt { (lang.t("备注", "Note")) } dd { (n) } }
                    @if let Some(c) = p.closed_at { dt { (lang.t("结束于", "Closed")) } dd { (clock.fmt(c)) } }
                }
                @if p.can_manage {
                    form.inline method="post" action={ "/problems/adopted/" (p.id) "/close" } {
                        button.secondary type="submit" #close-problem { (lang.t("结束跟踪", "Close")) }
                    }
                }
            }
            section.card #problem-windows {
                h2 { (lang.t("确定前后对比", "Before and after adoption")) }
                table {
                    thead { tr {
                        th { (lang.t("时段", "Span")) } th.num { (lang.t("来电/30天（前→后）", "Calls per 30 days (before → after)")) } th.num { (lang.t("变化", "Change")) }
                        th.num { (lang.t("解决率（前→后）", "Resolution (before → after)")) } th.num { (lang.t("变化（百分点）", "Change (points)")) }
                        th.num { (lang.t("满意率（前→后）", "Satisfaction (before → after)")) } th.num { (lang.t("变化（百分点）", "Change (points)")) }
                    } }
                    tbody {
                        @for w in &d.windows {
                            // A week or less after adoption is too early to call a change.
                            @let (calls, resolution, satisfaction) = if w.after_days > 7 { change(&w.before, &w.after) } else { ("—".into(), "—".into(), "—".into()) };
                            tr data-days=(w.days) {
                                td { (w.days) (lang.t(" 天", " days"))
                                    @if w.after_days < w.days { " " span.muted { "(" (lang.t("已过 ", "")) (w.after_days) (lang.t(" 天", " days so far")) ")" } } }
                                td.num { (w.before.calls_per_30_days) " → " (w.after.calls_per_30_days) }
                                td.num { (calls) }
                                td.num { (rate(w.before.resolution_rate)) " → " (rate(w.after.resolution_rate)) }
                                td.num { (resolution) }
                                td.num { (rate(w.before.satisfaction_rate)) " → " (rate(w.after.satisfaction_rate)) }
                                td.num { (satisfaction) }
                            }
                        }
                    }
                }
            }
            section.card #problem-months {
                h2 { (lang.t("逐月", "Month by month")) }
                table {
                    thead { tr { th { (lang.t("月份", "Month")) } th.num { (lang.t("来电", "Calls")) } th {} th.num { (lang.t("解决率", "Resolution")) } th.num { (lang.t("满意率", "Satisfaction")) } } }
                    tbody {
                        @for m in &d.monthly {
                            tr data-month=(m.month) class=[(m.month == adopted_month).then_some("marked")] {
                                td { (m.month) @if m.month == adopted_month { " " span.badge.supervised { (lang.t("确定", "adopted")) } } }
                                td.num { (m.calls) }
                                td { span.meter style={ "width:" (m.calls * 100 / max) "%" } {} }
                                td.num { (rate(m.resolution_rate)) }
                                td.num { (rate(m.satisfaction_rate)) }
                            }
                        }
                    }
                }
            }
        },
    )
    .into_response()
}
