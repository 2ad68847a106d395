//! The monthly assessment page (考评): the three rates, score and rank of every unit, by unit class,
//! with last month's rank; a CSV download and a printable layout.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use hotline_app::App;
use hotline_app::assessment::SchemeVersion;
use hotline_domain::{Role, UnitClass};
use maud::{Markup, html};
use serde::Deserialize;

use super::forms::FormData;
use super::widgets::Clock;
use super::{Lang, Nav, error_text, flash, layout};
use super::{PageQuery, Staff};

#[derive(Debug, Default, Deserialize)]
pub struct MonthQuery {
    month: Option<String>,
    /// A refused scheme edit, shown above its form.
    error: Option<String>,
}

/// The scoring scheme's versions and the form to add one (in force from a month).
fn scheme_form(lang: Lang, schemes: &[SchemeVersion], error: Option<&str>) -> Markup {
    let current = schemes.first();
    let d = hotline_domain::assessment::Scheme::default();
    let w = current.map_or(d.weights, |s| s.weights);
    let has = |e: hotline_domain::Exclusion| current.is_none_or(|s| s.exclusions.iter().any(|x| x == e.code()));
    html! {
        section.card.noprint #schemes {
            h2 { (lang.t("考评办法", "Scoring scheme")) }
            @if let Some(e) = error { div.flash.error role="alert" { (e) } }
            @if schemes.is_empty() { p.muted { (lang.t("尚未保存过考评办法，使用默认办法。", "No scheme saved yet: the default applies.")) } }
            @else {
                table { thead { tr { th { (lang.t("版本", "Version")) } th { (lang.t("起始月份", "From")) } th { (lang.t("权重", "Weights")) } th { (lang.t("最低件数", "Min. volume")) } th { (lang.t("说明", "Note")) } } }
                    tbody { @for s in schemes { tr { td { (s.version) } td { (s.from_month) } td { (format!("{}/{}/{}", s.weights[0], s.weights[1], s.weights[2])) } td { (s.min_volume) } td { (s.note) } } } } }
            }
            form method="post" action="/assessment/schemes" id="scheme-form" {
                input type="hidden" name="base_version" value=(current.map(|s| s.version.to_string()).unwrap_or_default());
                div.grid3 {
                    div { label for="f-from_month" { (lang.t("起始月份", "In force from")) } input type="month" id="f-from_month" name="from_month" required; }
                    div { label for="f-min_volume" { (lang.t("最低排名件数", "Minimum volume to rank")) } input type="number" id="f-min_volume" name="min_volume" min="0" value=(current.map_or(d.min_volume, |s| s.min_volume)); }
                    div { label for="f-note" { (lang.t("说明", "Note")) } input type="text" id="f-note" name="note" required maxlength="200"; }
                }
                div.grid3 {
                    div { label for="f-w_response" { (lang.t("响应率权重", "Response weight")) } input type="number" step="0.01" min="0" max="1" id="f-w_response" name="w_response" value=(w[0]); }
                    div { label for="f-w_resolution" { (lang.t("解决率权重", "Resolution weight")) } input type="number" step="0.01" min="0" max="1" id="f-w_resolution" name="w_resolution" value=(w[1]); }
                    div { label for="f-w_satisfaction" { (lang.t("满意率权重", "Satisfaction weight")) } input type="number" step="0.01" min="0" max="1" id="f-w_satisfaction" name="w_satisfaction" value=(w[2]); }
                }
                div.grid3 {
                    div { label for="f-partly_resolved" { (lang.t("部分解决折算", "Partly resolved counts as")) } input type="number" step="0.05" min="0" max="1" id="f-partly_resolved" name="partly_resolved" value=(current.map_or(d.partly_resolved, |s| s.partly_resolved)); }
                    div { label for="f-basically_satisfied" { (lang.t("基本满意折算", "Basically satisfied counts as")) } input type="number" step="0.05" min="0" max="1" id="f-basically_satisfied" name="basically_satisfied" value=(current.map_or(d.basically_satisfied, |s| s.basically_satisfied)); }
                    div {
                        label { (lang.t("不纳入考核的认定", "Exclusions honoured")) }
                        @for e in hotline_domain::Exclusion::ALL {
                            label { input type="checkbox" name="exclusions" value=(e.code()) checked[has(*e)]; " " (e.label(lang.zh())) }
                        }
                    }
                }
                p { button type="submit" { (lang.t("保存为新版本", "Save as a new version")) } }
            }
        }
    }
}

/// Saves a new version of the scoring scheme from the form; back to the page of its first month.
pub async fn scheme_submit(State(app): State<Arc<App>>, Staff { who, lang }: Staff, body: Bytes) -> Response {
    let f = FormData::parse(&body).unwrap_or(FormData(Vec::new()));
    let num = |k: &str| f.opt(k).and_then(|v| v.parse::<f64>().ok()).unwrap_or(f64::NAN);
    let input = SchemeVersion {
        version: 0,
        from_month: f.text("from_month"),
        weights: [num("w_response"), num("w_resolution"), num("w_satisfaction")],
        partly_resolved: num("partly_resolved"),
        basically_satisfied: num("basically_satisfied"),
        min_volume: f.opt("min_volume").and_then(|v| v.parse().ok()).unwrap_or(0),
        exclusions: f.all("exclusions").map(str::to_owned).collect(),
        note: f.text("note"),
        created_by: String::new(),
        created_at: None,
    };
    let base = f.opt("base_version").and_then(|v| v.parse().ok());
    let month = input.from_month.clone();
    match app.save_scoring_scheme(&who, &input, base).await {
        Ok(s) => Redirect::to(&format!("/assessment?month={}", s.from_month)).into_response(),
        Err(e) => {
            let q = serde_urlencoded::to_string([("month", month.as_str()), ("error", error_text(lang, &e).as_str())]).unwrap_or_default();
            Redirect::to(&format!("/assessment?{q}")).into_response()
        }
    }
}

fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

pub async fn assessment_page(State(app): State<Arc<App>>, Staff { who, lang }: Staff, PageQuery(q): PageQuery<MonthQuery>) -> Response {
    let clock = Clock::of(&app).await;
    // Last month by default: the one whose callbacks are complete.
    let default_month = {
        let today = app.clock.now() + chrono::Duration::minutes(i64::from(clock.minutes()));
        let first = today.date_naive().with_day(1).unwrap_or(today.date_naive());
        (first - chrono::Duration::days(1)).format("%Y-%m").to_string()
    };
    let month = q.month.filter(|m| !m.trim().is_empty()).unwrap_or(default_month);
    let result = app.assess(Some(&who), &month).await;
    let schemes = app.scoring_schemes().await.unwrap_or_default();
    let status = result.as_ref().err().map_or(StatusCode::OK, crate::error::status_for);
    let class_label = |c: &str| UnitClass::parse(c).map_or(c.to_owned(), |k| k.label(lang.zh()).to_owned());
    let body = html! {
        h1 { (lang.t("考评排名", "Assessment and ranking")) " " span.muted { (month) } }
        form.inline.noprint method="get" action="/assessment" {
            label for="month" { (lang.t("月份", "Month")) }
            input type="month" id="month" name="month" value=(month) style="width:auto";
            button type="submit" { (lang.t("查看", "Show")) }
            a.button.secondary href={ "/api/v1/assessment.csv?month=" (month) } download { (lang.t("下载 CSV", "Download CSV")) }
            button.secondary type="button" data-print { (lang.t("打印", "Print")) }
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
                    " "
                    @match (a.scheme_version, &a.scheme_from) {
                        (Some(v), Some(from)) => { (lang.t("考评办法第 ", "Scoring scheme version ")) (v) (lang.t(" 版，自 ", ", in force from ")) (from) (lang.t(" 起施行。", ".")) }
                        _ => { (lang.t("使用默认考评办法。", "Default scoring scheme.")) }
                    }
                    @if !a.exclusions.is_empty() {
                        " " (lang.t("不纳入考核：", "Left out: "))
                        (a.exclusions.iter().map(|e| hotline_domain::Exclusion::parse(e).map_or(e.clone(), |x| x.label(lang.zh()).to_owned())).collect::<Vec<_>>().join(lang.t("、", ", ")))
                        (lang.t("（中心认定的工单）。", " (as judged by the centre)."))
                    }
                }
                @if a.groups.is_empty() {
                    p #no-assessment { (lang.t("该月没有回访评价记录。", "No callbacks were recorded that month.")) }
                }
                @for g in &a.groups {
                    section.card {
                        h2 { (class_label(&g.class)) }
                        table.assessment data-class=(g.class) {
                            thead { tr {
                                th { (lang.t("排名", "Rank")) } th { (lang.t("单位", "Unit")) } th { (lang.t("回访件数", "Evaluated")) } th { (lang.t("不纳入考核", "Excluded")) } th { (lang.t("退单", "Disputes")) }
                                th { (lang.t("响应率", "Response")) } th { (lang.t("解决率", "Resolution")) } th { (lang.t("满意率", "Satisfaction")) }
                                th { (lang.t("综合得分", "Score")) } th { (lang.t("较上月", "vs last month")) }
                            } }
                            tbody {
                                @for r in &g.rows {
                                    tr data-unit=(r.unit.code) {
                                        td { (r.rank.map_or_else(|| "—".to_owned(), |v| v.to_string())) }
                                        td { (r.unit.name) }
                                        td { (r.evaluated) }
                                        td { (r.excluded) }
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
                @if !a.whistle.is_empty() {
                    section.card #whistle {
                        h2 { (lang.t("街乡吹哨、部门报到", "Summons and report-ins")) }
                        table {
                            thead { tr {
                                th { (lang.t("被召集单位", "Summoned unit")) } th { (lang.t("召集次数", "Summoned")) } th { (lang.t("按时报到", "On time")) }
                                th { (lang.t("逾时报到", "Late")) } th { (lang.t("未报到", "Not reported")) }
                            } }
                            tbody { @for w in &a.whistle {
                                tr data-unit=(w.unit.code) { td { (w.unit.name) } td { (w.summoned) } td { (w.reported_on_time) } td { (w.reported_late) } td { (w.not_reported) } }
                            } }
                        }
                    }
                }
            }
        }
        @if matches!(who.role, Role::Admin | Role::Supervisor) { (scheme_form(lang, &schemes, q.error.as_deref())) }
    };
    (status, layout(lang, lang.t("考评排名", "Assessment"), Some(&who), Nav::Assessment, "/assessment", body)).into_response()
}

use chrono::Datelike;
