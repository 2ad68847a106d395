//! The monthly assessment page (考评): the three rates, score and rank of every unit, by unit class,
//! with last month's rank; a CSV download and a printable layout.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use hotline_app::App;
use hotline_domain::UnitClass;
use maud::html;
use serde::Deserialize;

use super::pages::{Clock, user};
use super::{Lang, Nav, error_text, flash, layout};

#[derive(Debug, Default, Deserialize)]
pub struct MonthQuery {
    month: Option<String>,
}

fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

pub async fn assessment_page(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    lang: Lang,
    Query(q): Query<MonthQuery>,
) -> Response {
    let who = match user(&app, &headers, &uri).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let clock = Clock::of(&app).await;
    // Last month by default: the one whose callbacks are complete.
    let default_month = {
        let today = app.clock.now() + chrono::Duration::minutes(i64::from(clock.minutes()));
        let first = today.date_naive().with_day(1).unwrap_or(today.date_naive());
        (first - chrono::Duration::days(1)).format("%Y-%m").to_string()
    };
    let month = q.month.filter(|m| !m.trim().is_empty()).unwrap_or(default_month);
    let result = app.assess(Some(&who), &month).await;
    let status = if result.is_ok() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let class_label = |c: &str| UnitClass::parse(c).map_or(c.to_owned(), |k| k.label(lang.zh()).to_owned());
    let body = html! {
        h1 { (lang.t("考评排名", "Assessment and ranking")) " " span.muted { (month) } }
        form.inline.noprint method="get" action="/assessment" {
            label for="month" { (lang.t("月份", "Month")) }
            input type="month" id="month" name="month" value=(month) style="width:auto";
            button type="submit" { (lang.t("查看", "Show")) }
            a.button.secondary href={ "/api/v1/assessment.csv?month=" (month) } download { (lang.t("下载 CSV", "Download CSV")) }
            button.secondary type="button" onclick="window.print()" { (lang.t("打印", "Print")) }
        }
        @match &result {
            Err(e) => { (flash(None, Some(&error_text(lang, e)))) }
            Ok(a) => {
                p.muted {
                    (lang.t("综合得分 = ", "Score = ")) (format!("{:.0}", a.weights[0] * 100.0)) "% × " (lang.t("响应率", "response rate")) " + "
                    (format!("{:.0}", a.weights[1] * 100.0)) "% × " (lang.t("解决率", "resolution rate")) " + "
                    (format!("{:.0}", a.weights[2] * 100.0)) "% × " (lang.t("满意率", "satisfaction rate")) "。"
                    (lang.t("部分解决按 ", "Partly resolved counts ")) (a.partly_resolved) (lang.t("，基本满意按 ", "; basically satisfied ")) (a.basically_satisfied)
                    (lang.t(" 计；当月回访不足 ", ". Units with fewer than ")) (a.min_volume) (lang.t(" 件的单位不参与排名。", " evaluated orders are not ranked."))
                }
                @if a.groups.is_empty() {
                    p #no-assessment { (lang.t("该月没有回访评价记录。", "No callbacks were recorded that month.")) }
                }
                @for g in &a.groups {
                    section.card {
                        h2 { (class_label(&g.class)) }
                        table.assessment data-class=(g.class) {
                            thead { tr {
                                th { (lang.t("排名", "Rank")) } th { (lang.t("单位", "Unit")) } th { (lang.t("回访件数", "Evaluated")) } th { (lang.t("退单", "Disputes")) }
                                th { (lang.t("响应率", "Response")) } th { (lang.t("解决率", "Resolution")) } th { (lang.t("满意率", "Satisfaction")) }
                                th { (lang.t("综合得分", "Score")) } th { (lang.t("较上月", "vs last month")) }
                            } }
                            tbody {
                                @for r in &g.rows {
                                    tr data-unit=(r.unit.code) {
                                        td { (r.rank.map_or_else(|| "—".to_owned(), |v| v.to_string())) }
                                        td { (r.unit.name) }
                                        td { (r.evaluated) }
                                        td { (r.disputes) }
                                        td { (pct(r.response_rate)) }
                                        td { (pct(r.resolution_rate)) }
                                        td { (pct(r.satisfaction_rate)) }
                                        td { strong { (format!("{:.2}", r.score)) } }
                                        td { @match (r.rank, r.previous_rank) {
                                            (Some(now), Some(before)) if now < before => { span.up { "↑" (before - now) } }
                                            (Some(now), Some(before)) if now > before => { span.down { "↓" (now - before) } }
                                            (Some(_), Some(_)) => { "—" }
                                            _ => { span.muted { (lang.t("新", "new")) } }
                                        } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    (status, layout(lang, lang.t("考评排名", "Assessment"), Some(&who), Nav::Assessment, "/assessment", body)).into_response()
}

use chrono::Datelike;
