//! The views of the analytics page, each a few queries drawn as tables and charts.

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate};
use hotline_analytics::{Compare, Dimension, Filters, Measure, Query};
use hotline_app::{App, Principal};
use maud::{Markup, html};

use super::charts::{Shape, fmt_value};
use super::{Categories, Lang, View, bar_chart, charts, error_text, flash, href_of, orders_href, run, shown, table, today};

/// A default time range when the address names none: the last `days` days through today.
fn with_default_range(mut q: Query, today: NaiveDate, days: i64) -> Query {
    if q.filters.from.is_none() && q.filters.to.is_none() {
        q.filters.from = Some(today - Duration::days(days - 1));
        q.filters.to = Some(today + Duration::days(1));
    }
    q
}

fn grouped(q: &Query, by: Dimension, measure: Measure) -> Query {
    Query { measure, group_by: vec![by], compare: None, limit: None, ..q.clone() }
}

/// The time dimension a range reads best by.
fn time_dimension(q: &Query) -> Dimension {
    match (q.filters.from, q.filters.to) {
        (Some(f), Some(t)) if (t - f).num_days() <= 31 => Dimension::Day,
        (Some(f), Some(t)) if (t - f).num_days() <= 184 => Dimension::Week,
        _ => Dimension::Month,
    }
}

pub(super) async fn overview(app: &App, who: &Principal, lang: Lang, cats: &Categories, base: &Query) -> Markup {
    let day = today(app);
    let monday = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
    let first = day.with_day(1).unwrap_or(day);
    let next_month = first.checked_add_months(chrono::Months::new(1)).unwrap_or(day);
    let periods = [
        (lang.t("今天", "Today"), day, day + Duration::days(1)),
        (lang.t("本周", "This week"), monday, monday + Duration::days(7)),
        (lang.t("本月", "This month"), first, next_month),
    ];
    let mut cards = Vec::new();
    for (name, from, to) in periods {
        let mut q = Query { filters: Filters { from: Some(from), to: Some(to), ..base.filters.clone() }, ..Query::default() };
        q.compare = Some(Compare::PreviousPeriod);
        let prev = run(app, who, lang, &q).await.ok().and_then(|a| a.rows.first().map(|r| (r.value, r.previous)));
        q.compare = Some(Compare::SamePeriodLastYear);
        let year = run(app, who, lang, &q).await.ok().and_then(|a| a.rows.first().and_then(|r| r.previous));
        cards.push((name, q, prev, year));
    }
    let month = Query { filters: Filters { from: Some(first), to: Some(next_month), ..base.filters.clone() }, ..Query::default() };
    let by_channel = run(app, who, lang, &grouped(&month, Dimension::Channel, Measure::Count)).await;
    let by_nature = run(app, who, lang, &grouped(&month, Dimension::Nature, Measure::Count)).await;
    let last30 =
        with_default_range(Query { filters: Filters { from: None, to: None, ..base.filters.clone() }, ..Query::default() }, day, 30);
    let mut rates = Vec::new();
    for m in [Measure::ResponseRate, Measure::ResolutionRate, Measure::SatisfactionRate] {
        rates.push((
            m,
            run(app, who, lang, &Query { measure: m, ..last30.clone() }).await.ok().and_then(|a| a.rows.first().and_then(|r| r.value)),
        ));
    }
    let overdue_q =
        Query { measure: Measure::OverdueNow, filters: Filters { from: None, to: None, ..base.filters.clone() }, ..Query::default() };
    let overdue = run(app, who, lang, &overdue_q).await.ok().and_then(|a| a.rows.first().and_then(|r| r.value));
    let change = |now: Option<f64>, before: Option<f64>| match (now, before) {
        (Some(n), Some(b)) if b > 0.0 => format!("{:+.1}%", (n - b) / b * 100.0),
        _ => "—".to_owned(),
    };
    html! {
        section.tiles #overview-volume {
            @for (name, q, prev, year) in &cards {
                @let now = prev.and_then(|p| p.0);
                div.tile {
                    h3 { (name) }
                    p.big { a href=(orders_href(app, q, &serde_json::json!({}))) { (now.map_or_else(|| "—".to_owned(), |v| fmt_value(v, false))) } }
                    p.muted { (lang.t("比上期 ", "vs previous ")) (change(now, prev.and_then(|p| p.1))) }
                    p.muted { (lang.t("同比 ", "vs last year ")) (change(now, *year)) }
                }
            }
            div.tile #overview-overdue {
                h3 { (lang.t("当前超期未办结", "Open and overdue now")) }
                p.big.alert { (overdue.map_or_else(|| "—".to_owned(), |v| fmt_value(v, false))) }
                p.muted { a href="/queue?view=overdue" { (lang.t("查看超期工单", "See the overdue orders")) } }
            }
        }
        section.tiles #overview-rates {
            @for (m, v) in &rates {
                div.tile { h3 { (m.label(lang.zh())) } p.big { (v.map_or_else(|| "—".to_owned(), |v| fmt_value(v, true))) } p.muted { (lang.t("最近30天受理的工单", "orders received in the last 30 days")) } }
            }
        }
        div.grid2 {
            section.card {
                h2 { (lang.t("本月各渠道", "This month by channel")) }
                @match &by_channel { Ok(a) => { (bar_chart(app, cats, lang, a, lang.t("按渠道", "By channel"), 10)) (table(app, cats, lang, a, "overview-channels")) } Err(e) => { (flash(None, Some(e))) } }
            }
            section.card {
                h2 { (lang.t("本月各类性质", "This month by nature")) }
                @match &by_nature { Ok(a) => { (bar_chart(app, cats, lang, a, lang.t("按性质", "By nature"), 10)) (table(app, cats, lang, a, "overview-natures")) } Err(e) => { (flash(None, Some(e))) } }
            }
        }
    }
}

pub(super) async fn trend(app: &App, who: &Principal, lang: Lang, cats: &Categories, base: &Query) -> Markup {
    let forecast = super::forecast::section(app, who, lang, cats, base).await;
    let q = with_default_range(base.clone(), today(app), 365);
    let by = time_dimension(&q);
    let mut tq = Query { group_by: vec![by], compare: Some(Compare::SamePeriodLastYear), limit: None, ..q.clone() };
    if tq.filters.from.is_none() || tq.filters.to.is_none() {
        tq.compare = None;
    }
    match run(app, who, lang, &tq).await {
        Err(e) => html! { (flash(None, Some(&e))) (forecast) },
        Ok(a) => {
            let labels: Vec<String> = a.rows.iter().map(|r| r.keys.first().cloned().flatten().unwrap_or_default()).collect();
            let now: Vec<Option<f64>> = a.rows.iter().map(|r| r.value).collect();
            let before: Vec<Option<f64>> = a.rows.iter().map(|r| r.previous).collect();
            let caption = format!("{} · {}", q.measure.label(lang.zh()), by.label(lang.zh()));
            let series: Vec<(&str, &[Option<f64>])> = if tq.compare.is_some() {
                vec![(lang.t("本期", "This period"), &now), (lang.t("去年同期", "A year before"), &before)]
            } else {
                vec![(lang.t("本期", "This period"), &now)]
            };
            html! {
                section.card #trend {
                    h2 { (lang.t("趋势", "Trend")) }
                    (charts::lines(&caption, &labels, &series, q.measure.is_rate()))
                    (table(app, cats, lang, &a, "trend-table"))
                }
                (forecast)
            }
        }
    }
}

pub(super) async fn where_view(app: &App, who: &Principal, lang: Lang, cats: &Categories, base: &Query) -> Markup {
    let q = with_default_range(base.clone(), today(app), 30);
    let by_district = run(app, who, lang, &grouped(&q, Dimension::District, q.measure)).await;
    let by_street = run(app, who, lang, &Query { limit: Some(30), ..grouped(&q, Dimension::Street, q.measure) }).await;
    let points = app.analytics_points(who, &q, 3_000).await.unwrap_or_default();
    let map = app.district_map();
    let dir = app.units();
    html! {
        div.grid2 {
            section.card #where-map {
                h2 { (lang.t("各区分布", "By district")) }
                @match (&by_district, &map) {
                    (Ok(a), Some(m)) => {
                        @let values: HashMap<String, (Option<f64>, serde_json::Value)> = a.rows.iter().filter_map(|r| {
                            r.keys.first().cloned().flatten().map(|k| (k, (r.value, r.to_json(&a.query))))
                        }).collect();
                        @let shapes: Vec<Shape<'_>> = m.outlines().filter_map(|(id, polygons)| {
                            let name = dir.get(id)?.name.clone();
                            let (value, row) = values.get(&name).cloned().unwrap_or((None, serde_json::json!({ "district": name })));
                            Some(Shape { href: Some(orders_href(app, &a.query, &row)), name, polygons, value })
                        }).collect();
                        (charts::choropleth(lang.t("颜色越深，工单越多；小点为有坐标的工单", "Darker: more orders; dots: orders with coordinates"), &shapes, &points, a.query.measure.is_rate()))
                        (table(app, cats, lang, a, "where-districts"))
                    }
                    (Ok(a), None) => { (bar_chart(app, cats, lang, a, lang.t("按区", "By district"), 20)) (table(app, cats, lang, a, "where-districts")) }
                    (Err(e), _) => { (flash(None, Some(e))) }
                }
            }
            section.card #where-streets {
                h2 { (lang.t("街道乡镇排名（前30）", "Streets and townships (top 30)")) }
                @match &by_street { Ok(a) => { (bar_chart(app, cats, lang, a, lang.t("按街道乡镇（前15）", "By street (top 15)"), 15)) (table(app, cats, lang, a, "where-streets-table")) } Err(e) => { (flash(None, Some(e))) } }
            }
        }
    }
}

pub(super) async fn what(app: &App, who: &Principal, lang: Lang, cats: &Categories, base: &Query) -> Markup {
    let q = with_default_range(base.clone(), today(app), 30);
    // Level by level: a category filter of level n shows level n + 1 below it.
    let depth = q.filters.category.first().map_or(0, |c| c.split('/').count());
    let level = match depth {
        0 => Dimension::CategoryL1,
        1 => Dimension::CategoryL2,
        _ => Dimension::CategoryL3,
    };
    let levels = run(app, who, lang, &grouped(&q, level, q.measure)).await;
    let rising_q = Query { compare: Some(Compare::PreviousPeriod), ..grouped(&q, Dimension::CategoryL2, Measure::Count) };
    let rising = run(app, who, lang, &rising_q).await;
    let words = app.characteristic_words(who, &q).await;
    html! {
        div.grid2 {
            section.card #what-categories {
                h2 { (lang.t("分类（点击下钻）", "Categories (click to go down a level)")) }
                @if let Some(c) = q.filters.category.first() {
                    p { (lang.t("当前：", "Within: ")) strong { (cats.path(lang, c)) } " · "
                        @let up = c.rsplit_once('/').map(|(h, _)| h.to_owned());
                        a href=(href_of(View::What, &Query { filters: Filters { category: up.into_iter().collect(), ..q.filters.clone() }, ..q.clone() })) { (lang.t("返回上一级", "Up a level")) }
                    }
                }
                @match &levels {
                    Ok(a) => {
                        (bar_chart(app, cats, lang, a, level.label(lang.zh()), 20))
                        ul.drill {
                            @for r in a.rows.iter().take(30) {
                                @if let Some(code) = r.keys.first().cloned().flatten() {
                                    @if level != Dimension::CategoryL3 {
                                        li { a href=(href_of(View::What, &Query { filters: Filters { category: vec![code.clone()], ..q.filters.clone() }, ..q.clone() })) { (cats.path(lang, &code)) } " " span.muted { (r.value.map_or_else(|| "—".to_owned(), |v| fmt_value(v, q.measure.is_rate()))) } }
                                    }
                                }
                            }
                        }
                        (table(app, cats, lang, a, "what-table"))
                    }
                    Err(e) => { (flash(None, Some(e))) }
                }
            }
            section.card #what-rising {
                h2 { (lang.t("上升的问题（比上期）", "Rising (against the period before)")) }
                @match &rising {
                    Ok(a) => {
                        @let up = rising_rows(&a.rows);
                        table #what-rising-table {
                            thead { tr { th { (lang.t("分类", "Category")) } th.num { (lang.t("本期", "Now")) } th.num { (lang.t("上期", "Before")) } th.num { (lang.t("倍数", "Ratio")) } } }
                            tbody {
                                @for r in up.iter().take(10) {
                                    @let row = r.to_json(&a.query);
                                    tr {
                                        td { (cats.path(lang, r.keys.first().cloned().flatten().as_deref().unwrap_or("—"))) }
                                        td.num { a href=(orders_href(app, &a.query, &row)) { (r.value.map_or_else(|| "—".to_owned(), |v| fmt_value(v, false))) } }
                                        td.num { (r.previous.map_or_else(|| "—".to_owned(), |v| fmt_value(v, false))) }
                                        td.num { (format!("{:.1}×", r.value.unwrap_or(0.0) / r.previous.unwrap_or(0.0).max(1.0))) }
                                    }
                                }
                            }
                        }
                    }
                    Err(e) => { (flash(None, Some(e))) }
                }
                h2 { (lang.t("本期特征词", "The period's characteristic words")) }
                @match &words {
                    Ok(w) if !w.is_empty() => {
                        p.words #what-words {
                            @for (word, n, lift) in w {
                                a.chip href={ "/search?kind=orders&q=" (serde_urlencoded::to_string([("", word)]).unwrap_or_default().trim_start_matches('=')) } title=(format!("{n} · {lift:.1}×")) { (word) " " span.muted { (n) } }
                            }
                        }
                        p.muted { (lang.t("按本期用到该词的工单数和比此前四个同长时段的倍数排序。", "By how many of the period's requests use the word, and how much more often than in the four periods before.")) }
                    }
                    Ok(_) => { p.muted { (lang.t("本期工单太少，找不出特征词。", "Too few requests in the period to tell words apart.")) } }
                    Err(e) => { (flash(None, Some(&error_text(lang, e)))) }
                }
            }
        }
    }
}

/// Categories with at least 10 orders, by how many times their count before they now have.
fn rising_rows(rows: &[hotline_analytics::AnswerRow]) -> Vec<&hotline_analytics::AnswerRow> {
    let growth = |r: &hotline_analytics::AnswerRow| r.value.unwrap_or(0.0) / r.previous.unwrap_or(0.0).max(1.0);
    let mut up: Vec<&hotline_analytics::AnswerRow> = rows.iter().filter(|r| r.value.unwrap_or(0.0) >= 10.0).collect();
    up.sort_by(|x, y| growth(y).total_cmp(&growth(x)));
    up
}

pub(super) async fn who_view(app: &App, who: &Principal, lang: Lang, cats: &Categories, base: &Query) -> Markup {
    let q = with_default_range(base.clone(), today(app), 30);
    let mut sections = Vec::new();
    for (d, title) in [
        (Dimension::AgeGroup, lang.t("年龄段", "Age group")),
        (Dimension::Language, lang.t("语言", "Language")),
        (Dimension::Channel, lang.t("渠道", "Channel")),
    ] {
        sections.push((title, d, run(app, who, lang, &grouped(&q, d, q.measure)).await));
    }
    let repeat = run(
        app,
        who,
        lang,
        &Query { measure: Measure::RepeatCount, group_by: vec![Dimension::AgeGroup], compare: None, limit: None, ..q.clone() },
    )
    .await;
    html! {
        div.grid2 {
            @for (title, d, answer) in &sections {
                section.card id={ "who-" (d.code()) } {
                    h2 { (title) }
                    @match answer { Ok(a) => { (bar_chart(app, cats, lang, a, title, 12)) (table(app, cats, lang, a, &format!("who-{}-table", d.code()))) } Err(e) => { (flash(None, Some(e))) } }
                }
            }
            section.card #who-repeat {
                h2 { (lang.t("重复来电（90天内同一号码再次来电）", "Repeat callers (the same phone within 90 days)")) }
                @match &repeat { Ok(a) => { (table(app, cats, lang, a, "who-repeat-table")) } Err(e) => { (flash(None, Some(e))) } }
            }
        }
    }
}

pub(super) async fn units_view(app: &App, who: &Principal, lang: Lang, cats: &Categories, base: &Query) -> Markup {
    let q = with_default_range(base.clone(), today(app), 30);
    let measures = [
        Measure::Count,
        Measure::MedianReplyHours,
        Measure::P90ReplyHours,
        Measure::OverdueCount,
        Measure::DisputeCount,
        Measure::ResponseRate,
        Measure::ResolutionRate,
        Measure::SatisfactionRate,
    ];
    let mut by_unit: Vec<(String, Vec<Option<f64>>)> = Vec::new();
    let mut error = None;
    for (i, m) in measures.iter().enumerate() {
        match run(app, who, lang, &grouped(&q, Dimension::Unit, *m)).await {
            Ok(a) => {
                for r in &a.rows {
                    let Some(code) = r.keys.first().cloned().flatten() else { continue };
                    let at = match by_unit.iter().position(|(c, _)| *c == code) {
                        Some(p) => p,
                        None => {
                            by_unit.push((code, vec![None; measures.len()]));
                            by_unit.len() - 1
                        }
                    };
                    by_unit[at].1[i] = r.value;
                }
            }
            Err(e) => error = Some(e),
        }
    }
    by_unit.sort_by(|a, b| b.1[0].unwrap_or(0.0).total_cmp(&a.1[0].unwrap_or(0.0)));
    let rates = run(
        app,
        who,
        lang,
        &Query {
            measure: Measure::SatisfactionRate,
            group_by: vec![Dimension::Month],
            compare: None,
            limit: None,
            ..with_default_range(Query { filters: Filters { from: None, to: None, ..q.filters.clone() }, ..q.clone() }, today(app), 365)
        },
    )
    .await;
    html! {
        @if let Some(e) = &error { (flash(None, Some(e))) }
        section.card #units-table-card {
            h2 { (lang.t("各承办单位", "Handling units")) }
            div.table-wrap {
                table.analytics #units-table {
                    thead { tr { th { (lang.t("单位", "Unit")) } @for m in &measures { th.num { (m.label(lang.zh())) } } } }
                    tbody {
                        @for (code, values) in by_unit.iter().take(60) {
                            tr {
                                td { (shown(app, cats, lang, Dimension::Unit, Some(code))) }
                                @for (m, v) in measures.iter().zip(values) {
                                    td.num {
                                        @match v {
                                            Some(v) => { a href=(orders_href(app, &grouped(&q, Dimension::Unit, *m), &serde_json::json!({ "unit": code }))) { (fmt_value(*v, m.is_rate())) } }
                                            None => { span.muted { "—" } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            p.noprint.muted { a href={ (href_of(View::Query, &grouped(&q, Dimension::Unit, Measure::Count))) "&format=csv" } download { (lang.t("下载 CSV", "Download CSV")) } }
        }
        section.card #units-rates {
            h2 { (lang.t("满意率逐月", "Satisfaction rate by month")) }
            @match &rates {
                Ok(a) => {
                    @let labels: Vec<String> = a.rows.iter().map(|r| r.keys.first().cloned().flatten().unwrap_or_default()).collect();
                    @let values: Vec<Option<f64>> = a.rows.iter().map(|r| r.value).collect();
                    (charts::lines(lang.t("满意率", "Satisfaction rate"), &labels, &[(lang.t("满意率", "Satisfaction rate"), &values)], true))
                }
                Err(e) => { (flash(None, Some(e))) }
            }
        }
    }
}

pub(super) async fn free_query(app: &App, who: &Principal, lang: Lang, cats: &Categories, q: &Query) -> Markup {
    match run(app, who, lang, q).await {
        Err(e) => flash(None, Some(&e)),
        Ok(a) => {
            let time = q.group_by.iter().any(|d| d.is_time());
            let chart = if q.group_by.len() == 1 && time {
                let labels: Vec<String> = a.rows.iter().map(|r| r.keys.first().cloned().flatten().unwrap_or_default()).collect();
                let values: Vec<Option<f64>> = a.rows.iter().map(|r| r.value).collect();
                let prev: Vec<Option<f64>> = a.rows.iter().map(|r| r.previous).collect();
                let mut series: Vec<(&str, &[Option<f64>])> = vec![(lang.t("本期", "This period"), &values)];
                if q.compare.is_some() {
                    series.push((lang.t("对比期", "Compared"), &prev));
                }
                charts::lines(q.measure.label(lang.zh()), &labels, &series, q.measure.is_rate())
            } else if q.group_by.len() == 1 {
                bar_chart(app, cats, lang, &a, q.measure.label(lang.zh()), 30)
            } else {
                html! {}
            };
            html! { section.card #query-answer { (chart) (table(app, cats, lang, &a, "query-table")) } }
        }
    }
}
