//! 民生大数据: the analytics pages. Every view is one or more queries of the one query model
//! (`hotline-analytics`), drawn as tables and server-side SVG charts; every figure links to the
//! orders behind it (the search page with the same filters), every view has filters in its address
//! (a permalink), a CSV download and a print layout, and a box to ask a question in words.
//!
//! Views: overview (today, this week, this month against before; channels, natures, the three
//! rates, overdue now), trend, where (district map, street ranking, points), what (categories level
//! by level, rising ones, the period's words), who (age, language, channel, repeat callers), units
//! (handling times, overdue, disputes, rates), and a free query (what a question was read as).

use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{Duration, FixedOffset, NaiveDate};
use hotline_analytics::{Answer, Compare, Dimension, Filters, Measure, Query};
use hotline_app::{App, Principal};
use hotline_domain::{AgeGroup, Channel, Nature, Role, UnitClass};
use maud::{Markup, html};
use serde::Deserialize;

use super::charts::{self, Bar, fmt_value};
use super::widgets::Categories;
use super::{Lang, Nav, PageQuery, Staff, error_text, flash, layout};

mod forecast;
mod views;
use views::{free_query, overview, trend, units_view, what, where_view, who_view};

/// The page's address: the view and the query's parts (lists comma-separated).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AnalyticsParams {
    view: Option<String>,
    ask: Option<String>,
    measure: Option<String>,
    group_by: Option<String>,
    from: Option<String>,
    to: Option<String>,
    district: Option<String>,
    street: Option<String>,
    category: Option<String>,
    nature: Option<String>,
    channel: Option<String>,
    age_group: Option<String>,
    language: Option<String>,
    unit: Option<String>,
    compare: Option<String>,
    limit: Option<String>,
    /// `csv`: the free query's rows as CSV.
    format: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum View {
    Overview,
    Trend,
    Where,
    What,
    Who,
    Units,
    Query,
}

impl View {
    const ALL: [View; 7] = [View::Overview, View::Trend, View::Where, View::What, View::Who, View::Units, View::Query];

    fn code(self) -> &'static str {
        match self {
            View::Overview => "overview",
            View::Trend => "trend",
            View::Where => "where",
            View::What => "what",
            View::Who => "who",
            View::Units => "units",
            View::Query => "query",
        }
    }

    fn label(self, lang: Lang) -> &'static str {
        match self {
            View::Overview => lang.t("总览", "Overview"),
            View::Trend => lang.t("趋势", "Trend"),
            View::Where => lang.t("在哪里", "Where"),
            View::What => lang.t("反映什么", "What"),
            View::Who => lang.t("谁在反映", "Who"),
            View::Units => lang.t("承办单位", "Units"),
            View::Query => lang.t("自定义查询", "Query"),
        }
    }
}

fn list(v: Option<&String>) -> Vec<String> {
    v.map_or("", String::as_str).split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

fn date(v: Option<&String>) -> Option<NaiveDate> {
    v.and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
}

/// The query the address names (unknown codes are left out; the engine checks the rest).
fn query_of(p: &AnalyticsParams) -> Query {
    let vocab = |v: Option<&String>, parse: &dyn Fn(&str) -> bool| list(v).into_iter().filter(|x| parse(x)).collect::<Vec<_>>();
    Query {
        measure: p.measure.as_deref().and_then(Measure::parse).unwrap_or(Measure::Count),
        group_by: list(p.group_by.as_ref()).iter().filter_map(|d| Dimension::parse(d)).collect(),
        filters: Filters {
            from: date(p.from.as_ref()),
            to: date(p.to.as_ref()),
            district: list(p.district.as_ref()),
            street: list(p.street.as_ref()),
            category: list(p.category.as_ref()),
            nature: vocab(p.nature.as_ref(), &|x| Nature::parse(x).is_ok()).iter().filter_map(|x| Nature::parse(x).ok()).collect(),
            channel: vocab(p.channel.as_ref(), &|x| Channel::parse(x).is_ok()).iter().filter_map(|x| Channel::parse(x).ok()).collect(),
            age_group: vocab(p.age_group.as_ref(), &|x| AgeGroup::parse(x).is_ok())
                .iter()
                .filter_map(|x| AgeGroup::parse(x).ok())
                .collect(),
            language: list(p.language.as_ref()),
            unit: list(p.unit.as_ref()),
        },
        compare: p.compare.as_deref().and_then(Compare::parse),
        limit: p.limit.as_deref().and_then(|l| l.parse().ok()),
    }
}

/// The address of a query in a view (the permalink).
fn href_of(view: View, q: &Query) -> String {
    let f = &q.filters;
    let join = |v: Vec<String>| v.join(",");
    let mut pairs: Vec<(&str, String)> = vec![("view", view.code().to_owned())];
    if q.measure != Measure::Count {
        pairs.push(("measure", q.measure.code().to_owned()));
    }
    if !q.group_by.is_empty() {
        pairs.push(("group_by", join(q.group_by.iter().map(|d| d.code().to_owned()).collect())));
    }
    for (k, v) in [("from", f.from), ("to", f.to)] {
        if let Some(d) = v {
            pairs.push((k, d.format("%Y-%m-%d").to_string()));
        }
    }
    for (k, v) in [
        ("district", f.district.clone()),
        ("street", f.street.clone()),
        ("category", f.category.clone()),
        ("nature", f.nature.iter().map(|n| n.code().to_owned()).collect()),
        ("channel", f.channel.iter().map(|n| n.code().to_owned()).collect()),
        ("age_group", f.age_group.iter().map(|n| n.code().to_owned()).collect()),
        ("language", f.language.clone()),
        ("unit", f.unit.clone()),
    ] {
        if !v.is_empty() {
            pairs.push((k, join(v)));
        }
    }
    if let Some(c) = q.compare {
        pairs.push(("compare", c.code().to_owned()));
    }
    if let Some(l) = q.limit {
        pairs.push(("limit", l.to_string()));
    }
    format!("/analytics?{}", serde_urlencoded::to_string(&pairs).unwrap_or_default())
}

/// The search page's address for the orders behind a figure: the query's filters and the row's
/// dimension values (names and codes turned into the ids search takes).
fn orders_href(app: &App, q: &Query, row: &serde_json::Value) -> String {
    let dir = app.units();
    let id_of = |name: &str, class: UnitClass| {
        dir.all().iter().filter(|u| u.class == class && u.name == name).map(|u| u.id.0.to_string()).collect::<Vec<_>>()
    };
    let f = &q.filters;
    let mut districts: Vec<String> = f.district.iter().flat_map(|d| id_of(d, UnitClass::District)).collect();
    let mut streets: Vec<String> = f.street.iter().flat_map(|s| id_of(s, UnitClass::Street)).collect();
    let mut categories = f.category.clone();
    let mut natures: Vec<String> = f.nature.iter().map(|n| n.code().to_owned()).collect();
    let mut channels: Vec<String> = f.channel.iter().map(|n| n.code().to_owned()).collect();
    let mut ages: Vec<String> = f.age_group.iter().map(|n| n.code().to_owned()).collect();
    let mut languages = f.language.clone();
    let mut units: Vec<String> = f.unit.iter().filter_map(|c| dir.by_code(c)).map(|u| u.id.0.to_string()).collect();
    let (mut from, mut to) = (f.from, f.to.map(|t| t - Duration::days(1)));
    for d in &q.group_by {
        let Some(v) = row.get(d.code()).and_then(serde_json::Value::as_str) else { continue };
        match d {
            Dimension::District => districts = id_of(v, UnitClass::District),
            Dimension::Street => streets = id_of(v, UnitClass::Street),
            Dimension::CategoryL1 | Dimension::CategoryL2 | Dimension::CategoryL3 => categories = vec![v.to_owned()],
            Dimension::Nature => natures = vec![v.to_owned()],
            Dimension::Channel => channels = vec![v.to_owned()],
            Dimension::AgeGroup => ages = vec![v.to_owned()],
            Dimension::Language => languages = vec![v.to_owned()],
            Dimension::Unit => units = dir.by_code(v).map(|u| vec![u.id.0.to_string()]).unwrap_or_default(),
            Dimension::Day | Dimension::Hour => {
                let day = NaiveDate::parse_from_str(&v[..10.min(v.len())], "%Y-%m-%d").ok();
                (from, to) = (day, day);
            }
            Dimension::Week => {
                let monday = NaiveDate::parse_from_str(v, "%Y-%m-%d").ok();
                (from, to) = (monday, monday.map(|m| m + Duration::days(6)));
            }
            Dimension::Month => {
                let first = NaiveDate::parse_from_str(&format!("{v}-01"), "%Y-%m-%d").ok();
                (from, to) = (first, first.and_then(|d| d.checked_add_months(chrono::Months::new(1))).map(|d| d - Duration::days(1)));
            }
            Dimension::Urgency | Dimension::Article => {}
        }
    }
    let mut pairs: Vec<(&str, String)> = vec![("kind", "orders".into())];
    for (k, v) in [
        ("district", districts),
        ("street", streets),
        ("category", categories),
        ("nature", natures),
        ("channel", channels),
        ("age_group", ages),
        ("language", languages),
        ("unit", units),
    ] {
        if !v.is_empty() {
            pairs.push((k, v.join(",")));
        }
    }
    for (k, v) in [("from", from), ("to", to)] {
        if let Some(d) = v {
            pairs.push((k, d.format("%Y-%m-%d").to_string()));
        }
    }
    format!("/search?{}", serde_urlencoded::to_string(&pairs).unwrap_or_default())
}

/// A dimension's value as people read it.
fn shown(app: &App, cats: &Categories, lang: Lang, d: Dimension, v: Option<&str>) -> String {
    let Some(v) = v else { return lang.t("（未知）", "(unknown)").to_owned() };
    match d {
        Dimension::CategoryL1 | Dimension::CategoryL2 | Dimension::CategoryL3 => cats.path(lang, v),
        Dimension::Nature => Nature::parse(v).map_or_else(|_| v.to_owned(), |n| n.label(lang.zh()).to_owned()),
        Dimension::Channel => Channel::parse(v).map_or_else(|_| v.to_owned(), |n| n.label(lang.zh()).to_owned()),
        Dimension::AgeGroup => AgeGroup::parse(v).map_or_else(|_| v.to_owned(), |n| n.label(lang.zh()).to_owned()),
        Dimension::Urgency => hotline_domain::Urgency::parse(v).map_or_else(|_| v.to_owned(), |n| n.label(lang.zh()).to_owned()),
        Dimension::Unit => app.units().by_code(v).map_or_else(|| v.to_owned(), |u| u.name.clone()),
        _ => v.to_owned(),
    }
}

/// Today in the deployment's time zone.
fn today(app: &App) -> NaiveDate {
    let tz = FixedOffset::east_opt(app.policy_offset_minutes() * 60).unwrap_or_else(|| FixedOffset::east_opt(0).expect("UTC"));
    app.clock.now().with_timezone(&tz).date_naive()
}

/// A run of the query for the page: its answer, or the error in the page's language.
async fn run(app: &App, who: &Principal, lang: Lang, q: &Query) -> Result<Answer, String> {
    app.analytics_query(who, q).await.map_err(|e| error_text(lang, &e))
}

fn value_of(row: &serde_json::Value, key: &str) -> Option<f64> {
    row.get(key).and_then(serde_json::Value::as_f64)
}

/// A table of an answer: one column per dimension, the value (linked to its orders), and the
/// comparison when asked; a CSV link below.
fn table(app: &App, cats: &Categories, lang: Lang, a: &Answer, id: &str) -> Markup {
    let q = &a.query;
    let rate = q.measure.is_rate();
    let rows: Vec<serde_json::Value> = a.rows.iter().map(|r| r.to_json(q)).collect();
    html! {
        div.table-wrap {
            table.analytics id=(id) {
                thead { tr {
                    @for d in &q.group_by { th { (d.label(lang.zh())) } }
                    th.num { (q.measure.label(lang.zh())) }
                    @if q.compare.is_some() { th.num { (lang.t("对比期", "Before")) } th.num { (lang.t("变化", "Change")) } }
                    @if q.measure != Measure::Count { th.num { (lang.t("工单数", "Orders")) } }
                } }
                tbody {
                    @for row in &rows {
                        tr {
                            @for d in &q.group_by { td { (shown(app, cats, lang, *d, row.get(d.code()).and_then(|v| v.as_str()))) } }
                            td.num {
                                @match value_of(row, "value") {
                                    Some(v) => { a href=(orders_href(app, q, row)) { (fmt_value(v, rate)) } }
                                    None => { span.muted title=(lang.t("少于10件不显示，或无回访", "Fewer than 10 orders, or none evaluated")) { "—" } }
                                }
                            }
                            @if q.compare.is_some() {
                                td.num { (value_of(row, "previous").map_or_else(|| "—".to_owned(), |v| fmt_value(v, rate))) }
                                td.num {
                                    @match (value_of(row, "change"), value_of(row, "change_ratio")) {
                                        (Some(c), Some(r)) => { (if c >= 0.0 { "+" } else { "" }) (fmt_value(c, rate)) " (" (format!("{:+.1}%", r * 100.0)) ")" }
                                        (Some(c), None) => { (if c >= 0.0 { "+" } else { "" }) (fmt_value(c, rate)) }
                                        _ => { "—" }
                                    }
                                }
                            }
                            @if q.measure != Measure::Count { td.num { (value_of(row, "orders").map_or_else(|| "—".to_owned(), |v| fmt_value(v, false))) } }
                        }
                    }
                    @if rows.is_empty() { tr { td colspan="6" .muted { (lang.t("没有符合条件的工单。", "No orders match.")) } } }
                }
            }
            p.noprint.muted {
                a href={ (href_of(View::Query, q)) "&format=csv" } download { (lang.t("下载 CSV", "Download CSV")) }
                " · " a href=(href_of(View::Query, q)) { (lang.t("作为查询打开", "Open as a query")) }
            }
        }
    }
}

/// Bars of a one-dimension answer, each linked to its orders.
fn bar_chart(app: &App, cats: &Categories, lang: Lang, a: &Answer, caption: &str, max: usize) -> Markup {
    let q = &a.query;
    let Some(d) = q.group_by.first().copied() else { return html! {} };
    let bars: Vec<Bar> = a
        .rows
        .iter()
        .take(max)
        .map(|r| {
            let row = r.to_json(q);
            Bar {
                label: shown(app, cats, lang, d, r.keys.first().and_then(|k| k.as_deref())),
                value: r.value,
                href: Some(orders_href(app, q, &row)),
            }
        })
        .collect();
    charts::bars(caption, &bars, q.measure.is_rate())
}

/// The filters every view shares, as a form (GET: the address is the permalink).
fn filter_form(app: &App, lang: Lang, view: View, q: &Query, cats: &Categories) -> Markup {
    let f = &q.filters;
    let dir = app.units();
    let mut districts: Vec<&hotline_domain::Unit> = dir.all().iter().filter(|u| u.class == UnitClass::District).collect();
    districts.sort_by(|a, b| a.code.cmp(&b.code));
    let categories = app.categories();
    html! {
        form.card.noprint.filters method="get" action="/analytics" #analytics-filters {
            input type="hidden" name="view" value=(view.code());
            @if view == View::Query {
                input type="hidden" name="group_by" value=(q.group_by.iter().map(|d| d.code()).collect::<Vec<_>>().join(","));
            }
            div.grid4 {
                div { label for="af-from" { (lang.t("受理日期从", "Received from")) } input type="date" id="af-from" name="from" value=(f.from.map(|d| d.to_string()).unwrap_or_default()); }
                div { label for="af-to" { (lang.t("到（不含）", "until (not incl.)")) } input type="date" id="af-to" name="to" value=(f.to.map(|d| d.to_string()).unwrap_or_default()); }
                div { label for="af-district" { (lang.t("区", "District")) }
                    select id="af-district" name="district" {
                        option value="" { "—" }
                        @for d in &districts { option value=(d.name) selected[f.district.contains(&d.name)] { (d.name) } }
                    }
                }
                div { label for="af-street" { (lang.t("街道乡镇", "Street/township")) }
                    input type="text" id="af-street" name="street" value=(f.street.join(",")) placeholder=(lang.t("如 望京街道", "e.g. 望京街道"));
                }
                div { label for="af-category" { (lang.t("分类", "Category")) }
                    select id="af-category" name="category" {
                        option value="" { "—" }
                        @for c in categories.iter().filter(|c| c.code.split('/').count() <= 2) {
                            option value=(c.code) selected[f.category.contains(&c.code)] { (cats.path(lang, &c.code)) }
                        }
                    }
                }
                div { label for="af-nature" { (lang.t("诉求性质", "Nature")) }
                    select id="af-nature" name="nature" { option value="" { "—" } @for n in Nature::ALL { option value=(n.code()) selected[f.nature.contains(n)] { (n.label(lang.zh())) } } }
                }
                div { label for="af-channel" { (lang.t("渠道", "Channel")) }
                    select id="af-channel" name="channel" { option value="" { "—" } @for c in Channel::ALL { option value=(c.code()) selected[f.channel.contains(c)] { (c.label(lang.zh())) } } }
                }
                div { label for="af-age" { (lang.t("年龄段", "Age group")) }
                    select id="af-age" name="age_group" { option value="" { "—" } @for a in AgeGroup::ALL { option value=(a.code()) selected[f.age_group.contains(a)] { (a.label(lang.zh())) } } }
                }
                div { label for="af-measure" { (lang.t("指标", "Measure")) }
                    select id="af-measure" name="measure" { @for m in Measure::ALL { option value=(m.code()) selected[q.measure == *m] { (m.label(lang.zh())) } } }
                }
                div { label for="af-compare" { (lang.t("对比", "Compare")) }
                    select id="af-compare" name="compare" {
                        option value="" { "—" }
                        @for c in Compare::ALL { option value=(c.code()) selected[q.compare == Some(*c)] { (c.label(lang.zh())) } }
                    }
                }
                @if !f.unit.is_empty() { input type="hidden" name="unit" value=(f.unit.join(",")); }
                @if !f.language.is_empty() { input type="hidden" name="language" value=(f.language.join(",")); }
            }
            p { button type="submit" { (lang.t("更新", "Apply")) } " " a href={ "/analytics?view=" (view.code()) } { (lang.t("清除条件", "Clear")) } }
        }
    }
}

/// The question box: on every view; the answer shows as the free query with its reading as chips.
fn ask_box(lang: Lang, question: &str) -> Markup {
    html! {
        form.card.noprint.ask method="get" action="/analytics" role="search" #ask-form {
            input type="hidden" name="view" value="query";
            label for="ask-q" { (lang.t("问数：用一句话提问", "Ask the data in words")) }
            div.inline {
                input type="search" id="ask-q" name="ask" value=(question) maxlength="500"
                    placeholder=(lang.t("如：上个月哪个区来电最多 / 朝阳区本月供暖投诉同比变化", "e.g. which district had the most calls last month"));
                button type="submit" { (lang.t("提问", "Ask")) }
            }
        }
    }
}

/// The reading of a question as chips, each removable (a link to the query without it).
fn chips(app: &App, cats: &Categories, lang: Lang, q: &Query, unparsed: &[String]) -> Markup {
    let without = |f: &dyn Fn(&mut Query)| {
        let mut x = q.clone();
        f(&mut x);
        href_of(View::Query, &x)
    };
    let f = &q.filters;
    html! {
        div.chips #ask-reading {
            span.chip.measure { (q.measure.label(lang.zh())) }
            @for (i, d) in q.group_by.iter().enumerate() {
                a.chip href=(without(&|x: &mut Query| { x.group_by.remove(i); })) title=(lang.t("去掉", "Remove")) { (lang.t("按", "by ")) (d.label(lang.zh())) " ×" }
            }
            @if let (Some(from), Some(to)) = (f.from, f.to) {
                a.chip href=(without(&|x: &mut Query| { x.filters.from = None; x.filters.to = None; x.compare = None; })) { (from) " – " (to - Duration::days(1)) " ×" }
            }
            @for (i, d) in f.district.iter().enumerate() { a.chip href=(without(&|x: &mut Query| { x.filters.district.remove(i); })) { (d) " ×" } }
            @for (i, s) in f.street.iter().enumerate() { a.chip href=(without(&|x: &mut Query| { x.filters.street.remove(i); })) { (s) " ×" } }
            @for (i, c) in f.category.iter().enumerate() { a.chip href=(without(&|x: &mut Query| { x.filters.category.remove(i); })) { (cats.path(lang, c)) " ×" } }
            @for (i, n) in f.nature.iter().enumerate() { a.chip href=(without(&|x: &mut Query| { x.filters.nature.remove(i); })) { (n.label(lang.zh())) " ×" } }
            @for (i, c) in f.channel.iter().enumerate() { a.chip href=(without(&|x: &mut Query| { x.filters.channel.remove(i); })) { (c.label(lang.zh())) " ×" } }
            @for (i, a) in f.age_group.iter().enumerate() { a.chip href=(without(&|x: &mut Query| { x.filters.age_group.remove(i); })) { (a.label(lang.zh())) " ×" } }
            @for (i, l) in f.language.iter().enumerate() { a.chip href=(without(&|x: &mut Query| { x.filters.language.remove(i); })) { (lang.t("语言 ", "language ")) (l) " ×" } }
            @for (i, u) in f.unit.iter().enumerate() {
                a.chip href=(without(&|x: &mut Query| { x.filters.unit.remove(i); })) { (app.units().by_code(u).map_or(u.clone(), |x| x.name.clone())) " ×" }
            }
            @if let Some(c) = q.compare { a.chip href=(without(&|x: &mut Query| { x.compare = None; })) { (c.label(lang.zh())) " ×" } }
            @if let Some(l) = q.limit { a.chip href=(without(&|x: &mut Query| { x.limit = None; })) { (lang.t("前 ", "top ")) (l) " ×" } }
            @if !unparsed.is_empty() {
                span.chip.unparsed #ask-unparsed { (lang.t("未能理解：", "Not understood: ")) (unparsed.join("、")) }
            }
        }
    }
}

/// Staff who read analytics: the centre's roles everything, unit roles their own orders.
fn may_read(who: &Principal) -> bool {
    !matches!(who.role, Role::CallbackAgent)
}

/// `/analytics`: the views, the question box, the filters.
pub async fn analytics_page(State(app): State<Arc<App>>, Staff { who, lang }: Staff, PageQuery(p): PageQuery<AnalyticsParams>) -> Response {
    if !may_read(&who) {
        return super::error_page(
            lang,
            Some(&who),
            axum::http::StatusCode::FORBIDDEN,
            lang.t("回访员不能查看统计分析。", "Callback agents cannot read analytics."),
        );
    }
    let cats = Categories::of(&app);
    let mut view = View::ALL.into_iter().find(|v| Some(v.code()) == p.view.as_deref()).unwrap_or(View::Overview);
    let question = p.ask.clone().unwrap_or_default();
    let mut q = query_of(&p);
    let mut reading = html! {};
    if !question.trim().is_empty() {
        match app.parse_question(&question, None).await {
            Ok(parsed) => {
                q = parsed.query;
                view = View::Query;
                reading = chips(&app, &cats, lang, &q, &parsed.unparsed);
            }
            Err(e) => reading = flash(None, Some(&error_text(lang, &e))),
        }
    } else if view == View::Query {
        reading = chips(&app, &cats, lang, &q, &[]);
    }
    if p.format.as_deref() == Some("csv") {
        return csv(&app, &who, lang, &cats, &q).await;
    }
    let content = match view {
        View::Overview => overview(&app, &who, lang, &cats, &q).await,
        View::Trend => trend(&app, &who, lang, &cats, &q).await,
        View::Where => where_view(&app, &who, lang, &cats, &q).await,
        View::What => what(&app, &who, lang, &cats, &q).await,
        View::Who => who_view(&app, &who, lang, &cats, &q).await,
        View::Units => units_view(&app, &who, lang, &cats, &q).await,
        View::Query => free_query(&app, &who, lang, &cats, &q).await,
    };
    let permalink = href_of(view, &q);
    let suppressed = who.role.is_unit_role();
    let body = html! {
        h1 { (lang.t("民生大数据", "Listening to the city")) " · " (view.label(lang)) }
        nav.tabs.noprint #analytics-views {
            @for v in View::ALL { a href=(href_of(v, &Query { group_by: Vec::new(), limit: None, ..q.clone() })) class=[(v == view).then_some("active")] { (v.label(lang)) } }
        }
        (ask_box(lang, &question))
        (reading)
        (filter_form(&app, lang, view, &q, &cats))
        @if suppressed { p.muted { (lang.t("只统计本单位（及下级）承办的工单；少于10件的数字不显示。", "Only orders your unit (and those below it) handles; figures under 10 orders are not shown.")) } }
        (content)
        p.noprint.muted {
            a href=(permalink) #permalink { (lang.t("本页链接", "Permalink")) }
            " · " button.secondary type="button" data-print { (lang.t("打印", "Print")) }
        }
    };
    layout(lang, lang.t("民生大数据", "Analytics"), Some(&who), Nav::Analytics, "/analytics", body).into_response()
}

/// A query's rows as CSV: the dimensions (codes and names), value, orders, and the comparison.
async fn csv(app: &App, who: &Principal, lang: Lang, cats: &Categories, q: &Query) -> Response {
    let a = match app.analytics_query(who, q).await {
        Ok(a) => a,
        Err(e) => return super::error_page(lang, Some(who), axum::http::StatusCode::UNPROCESSABLE_ENTITY, &error_text(lang, &e)),
    };
    let mut w = csv_writer();
    let mut header: Vec<String> = Vec::new();
    for d in &q.group_by {
        header.push(d.code().to_owned());
        header.push(format!("{}_name", d.code()));
    }
    header.extend(["value", "orders"].map(str::to_owned));
    if q.compare.is_some() {
        header.extend(["previous", "change", "change_ratio"].map(str::to_owned));
    }
    let _ = w.write_record(&header);
    for r in &a.rows {
        let row = r.to_json(q);
        let mut rec: Vec<String> = Vec::new();
        for d in &q.group_by {
            let v = row.get(d.code()).and_then(serde_json::Value::as_str);
            rec.push(v.unwrap_or("").to_owned());
            rec.push(v.map(|v| shown(app, cats, lang, *d, Some(v))).unwrap_or_default());
        }
        let num = |k: &str| row.get(k).filter(|v| !v.is_null()).map(ToString::to_string).unwrap_or_default();
        rec.push(num("value"));
        rec.push(num("orders"));
        if q.compare.is_some() {
            rec.push(num("previous"));
            rec.push(num("change"));
            rec.push(num("change_ratio"));
        }
        let _ = w.write_record(&rec);
    }
    let body = w.into_inner().unwrap_or_default();
    let name = format!("analytics-{}.csv", q.group_by.iter().map(|d| d.code()).collect::<Vec<_>>().join("-"));
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", if name.ends_with("-.csv") { "analytics.csv".to_owned() } else { name }),
            ),
        ],
        body,
    )
        .into_response()
}

fn csv_writer() -> csv::Writer<Vec<u8>> {
    // A byte-order mark first, so spreadsheet programs read the Chinese as UTF-8.
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.flush();
    let mut inner = w.into_inner().unwrap_or_default();
    inner.extend_from_slice("\u{feff}".as_bytes());
    csv::Writer::from_writer(inner)
}
