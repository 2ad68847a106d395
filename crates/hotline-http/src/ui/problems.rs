//! The 每月一题 page (problem of the month): the month's candidate chronic problems, ranked, each
//! with its calls over 13 months against what was expected and the evidence behind its score, for
//! the centre to choose the month's themes from. Adopting a theme is not on this page yet: each row
//! carries its candidate's `data-key` for the adoption form to post.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use hotline_app::candidates::{CandidateList, CandidateView};
use hotline_app::{App, Principal};
use maud::{Markup, html};
use serde::Deserialize;

use super::charts;
use super::widgets::Clock;
use super::{Lang, Nav, PageQuery, Staff, error_text, flash, layout};

#[derive(Deserialize)]
pub struct MonthQuery {
    month: Option<String>,
}

fn pct(v: f64) -> String {
    format!("{:.0}%", v * 100.0)
}

fn pct_opt(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), pct)
}

fn place(c: &CandidateView) -> String {
    match &c.street {
        Some(s) => format!("{} · {}", c.district.name, s.name),
        None => c.district.name.clone(),
    }
}

fn category(lang: Lang, c: &CandidateView) -> &str {
    if lang.zh() { &c.category_label } else { &c.category_label_en }
}

/// A share beside the city's share for the same category.
fn against_city(v: Option<f64>, city: Option<f64>) -> Markup {
    html! { (pct_opt(v)) " " span.muted { "(" (pct_opt(city)) ")" } }
}

/// The evidence, folded: the largest part in the summary, every part inside.
fn evidence(lang: Lang, c: &CandidateView) -> Markup {
    let text = |e: &hotline_app::candidates::Evidence| if lang.zh() { e.zh.clone() } else { e.en.clone() };
    html! {
        details.evidence {
            summary { strong { (lang.t("依据：", "Evidence: ")) } (c.evidence.first().map(text).unwrap_or_default()) }
            ul {
                @for e in &c.evidence {
                    li data-part=(e.code) { strong { "+" (format!("{:.1}", e.points)) } " " (if lang.zh() { &e.zh } else { &e.en }) }
                }
                @if !c.top_units.is_empty() {
                    li { (lang.t("主要承办单位：", "Main units: "))
                        (c.top_units.iter().map(|u| format!("{} ({})", u.unit.name, u.calls)).collect::<Vec<_>>().join(lang.t("、", ", "))) }
                }
                @if !c.chronic_streets.is_empty() {
                    li { (lang.t("持续偏高的街道：", "Chronic in: "))
                        (c.chronic_streets.iter().map(|s| s.name.clone()).collect::<Vec<_>>().join(lang.t("、", ", "))) }
                }
            }
        }
    }
}

fn rows(lang: Lang, who: &Principal, list: &CandidateList) -> Markup {
    html! {
        table #candidates {
            thead { tr {
                th.num { (lang.t("排名", "Rank")) } th.num { (lang.t("得分", "Score")) } th { (lang.t("地点", "Where")) } th { (lang.t("问题类别", "Problem")) }
                th.num { (lang.t("本月来电", "Calls this month")) } th { (lang.t("近13个月", "13 months")) }
                th.num { (lang.t("偏高月数", "Months above")) } th.num { (lang.t("重复来电（全市）", "Repeat callers (city)")) }
                th.num { (lang.t("不满意（全市）", "Dissatisfied (city)")) } th.num { (lang.t("未解决（全市）", "Unresolved (city)")) }
                th.num { (lang.t("承办单位", "Units")) }
            } }
            tbody {
                @for c in &list.candidates {
                    tr data-key=(c.key) data-rank=(c.rank) data-level=(c.level) {
                        td.num { (c.rank) }
                        td.num { strong { (format!("{:.1}", c.score)) } }
                        td { (place(c)) @if c.level == "district" { " " span.badge.state { (lang.t("全区", "district-wide")) } } }
                        td { (category(lang, c)) br; span.muted { code { (c.category) } } }
                        td.num { (c.volume) }
                        td { (charts::sparkline(
                            &format!("{} {}", place(c), category(lang, c)),
                            &list.months,
                            &c.monthly,
                            &c.expected,
                            &c.excess_months,
                        )) }
                        td.num { (c.months_persistent) "/12 · " (c.months_persistent_6) "/6" }
                        td.num { (against_city(Some(c.repeat_share), Some(c.repeat_share_city))) }
                        td.num { (against_city(c.dissatisfied_share, c.dissatisfied_share_city)) }
                        td.num { (against_city(c.unresolved_share, c.unresolved_share_city)) }
                        td.num { (c.units) }
                    }
                    tr.evidence-row data-key=(c.key) { td colspan="11" { (evidence(lang, c)) (super::adopted::adopt_form(lang, who, &list.month, &c.key)) } }
                }
            }
        }
    }
}

fn method(lang: Lang, list: &CandidateList) -> Markup {
    html! {
        details #method {
            summary { (lang.t("如何排序", "How candidates are ranked")) }
            p { (lang.t(
                "每个街道（或区）和二、三级类别，逐月比较来电与预期：预期 = 该地当月来电总量 × 全市当月该类占比，所以大街道预期多、冬季供暖全市都多。来电达到预期的1.5倍、高出2个标准差且至少3件的月份为“明显偏高”。候选须在近12个月中至少有",
                "For each street (or district) and second- or third-level category, each month's calls are set against the expected: the area's calls that month × the category's share of the city's calls that month, so a big street expects many calls and heating rises everywhere in winter. A month is well above when it has at least 1.5 times the expected calls, 2 standard deviations more and at least 3. A candidate needs at least "
            )) (list.min_months) (lang.t("个月明显偏高、近12个月至少", " such months of the last 12 and at least ")) (list.min_calls) (lang.t("件来电。", " calls over them.")) }
            p { (lang.t(
                "得分（0–100）= 持续性25 + 近6个月超出倍数15 + 近6个月每月多出件数20 + 重复来电10 + 集中于同一社区（区：涉及街道数）10 + 不满意8 + 未解决7 + 承办单位数5。比率（近6个月）均向全市同类水平收缩（相当于多看20件全市平均），少量来电拿不到高分。同一问题只列一次：更具体的候选承担了上级六成以上的超出来电时，只列具体的一项。",
                "Score (0–100) = persistence 25 + excess ratio over the last 6 months 15 + extra calls a month over the last 6 months 20 + repeat callers 10 + concentration on one community (a district: streets involved) 10 + dissatisfied 8 + unresolved 7 + units involved 5. Rates (last 6 months) are shrunk towards the city's rate for the category (as if 20 more calls at that rate were seen), so a handful of calls cannot score high. One problem is listed once: when a narrower candidate carries 60% of a broader one's excess calls, only the narrower is listed."
            )) }
            p.muted { (lang.t("来电文本聚类的候选尚未提供（分析模型不保存文本）。", "Candidates from clustering the calls' text are not provided yet (the read model keeps no text).")) }
        }
    }
}

pub async fn problems_page(State(app): State<Arc<App>>, Staff { who, lang }: Staff, PageQuery(q): PageQuery<MonthQuery>) -> Response {
    let clock = Clock::of(&app).await;
    // The last complete month by default.
    let default_month = {
        let today = (app.clock.now() + chrono::Duration::minutes(i64::from(clock.minutes()))).date_naive();
        let first = today.with_day(1).unwrap_or(today);
        (first - chrono::Duration::days(1)).format("%Y-%m").to_string()
    };
    let month = q.month.filter(|m| !m.trim().is_empty()).unwrap_or(default_month);
    let result = app.candidates(&who, &month).await;
    let adopted = super::adopted::adopted_section(&app, &who, lang).await;
    let status = result.as_ref().err().map_or(StatusCode::OK, crate::error::status_for);
    let path = format!("/problems?month={}", month.chars().filter(|c| c.is_ascii_digit() || *c == '-').collect::<String>());
    let title = lang.t("每月一题候选", "Problem-of-the-month candidates");
    let body = html! {
        h1 { (title) " " span.muted #problems-month { (month) } }
        form.inline method="get" action="/problems" {
            label for="month" { (lang.t("月份", "Month")) }
            input type="month" id="month" name="month" value=(month) style="width:auto";
            button type="submit" { (lang.t("查看", "Show")) }
            a.button.secondary href={ "/api/v1/analytics/candidates?month=" (month.trim()) } { "JSON" }
        }
        (adopted)
        @match &result {
            Err(e) => { (flash(None, Some(&error_text(lang, e)))) }
            Ok(list) => {
                p.muted {
                    (lang.t(
                        "从12345来电中找出持续高于预期的问题（某街道或某区的某类诉求），按持续性、规模、重复来电、集中程度、不满意和未解决比例、涉及单位综合排序，供选定每月一题。",
                        "Problems that have run above expectation for months (a category of calls in a street or a district), ranked by persistence, size, repeat callers, concentration, dissatisfaction and unresolved share, and units involved, for choosing the month's themes."
                    ))
                }
                @if !list.complete {
                    (flash(None, Some(lang.t("本月尚未结束：按截至目前的来电排序。", "This month is not over: ranked on its calls so far."))))
                }
                p #problems-summary {
                    (list.cells) (lang.t(" 个地点×类别有来电，", " place × category cells with calls, "))
                    (list.qualified) (lang.t(" 个持续偏高，列出 ", " persistently above expectation; "))
                    (list.candidates.len()) (lang.t(" 个候选（同一问题只列一次）。", " candidates listed (one problem once)."))
                }
                @if list.candidates.is_empty() {
                    p #no-candidates { (lang.t("该月没有持续偏高的问题。", "No problem ran persistently above expectation up to this month.")) }
                } @else {
                    section.card #candidate-list {
                        (rows(lang, &who, list))
                        p.muted { (lang.t("近13个月：每月来电，红色为明显高于预期的月份，虚线为预期。", "13 months: calls each month, red where well above expectation; the dashed line is the expected calls.")) }
                    }
                }
                (method(lang, list))
            }
        }
    };
    (status, layout(lang, title, Some(&who), Nav::Problems, &path, body)).into_response()
}
