//! 未诉先办 on the analytics page: beside the trend, the chosen district's (or the city's) weekly
//! calls in the chosen first-level category (or all), the last 26 complete weeks and the next 8
//! forecast with their 80% and 95% bands, and how the forecasts did on the weeks just past beside
//! the seasonal-naive baseline. The district and category are the page's filters (a second-level
//! category is forecast as its first level).

use hotline_analytics::Query;
use hotline_app::forecast::{ForecastQuery, ForecastReport, ForecastSeries};
use hotline_app::{App, Principal};
use maud::{Markup, PreEscaped, html};

use super::charts::fmt_value;
use super::{Categories, Lang, error_text, flash};

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The forecast section for the page's filters.
pub(super) async fn section(app: &App, who: &Principal, lang: Lang, cats: &Categories, q: &Query) -> Markup {
    let district = (q.filters.district.len() == 1).then(|| q.filters.district[0].clone());
    let category = (q.filters.category.len() == 1).then(|| q.filters.category[0].split('/').next().unwrap_or_default().to_owned());
    let query = ForecastQuery { district: district.clone(), category: category.clone() };
    let report = match app.forecast(who, &query).await {
        Ok(r) => r,
        Err(e) => {
            return html! { section.card #forecast { h2 { (lang.t("未诉先办：未来8周预测", "Forecast: the next 8 weeks")) } (flash(None, Some(&error_text(lang, &e)))) } };
        }
    };
    // The city's series when no district is chosen (a unit's people: their district's).
    let chosen = report
        .series
        .iter()
        .filter(|s| category.is_some() || s.category.is_none())
        .find(|s| district.is_some() || s.district.is_none())
        .or_else(|| report.series.iter().find(|s| category.is_some() || s.category.is_none()));
    let place = |s: &ForecastSeries| s.district.as_ref().map_or_else(|| lang.t("全市", "The city").to_owned(), |d| d.name.clone());
    let what = |s: &ForecastSeries| {
        s.category.as_ref().map_or_else(|| lang.t("全部类别", "all categories").to_owned(), |c| cats.label(lang, Some(&c.code)))
    };
    html! {
        section.card #forecast {
            h2 { (lang.t("未诉先办：未来8周预测", "Forecast: the next 8 weeks")) }
            @match chosen {
                None => { p.muted { (lang.t("还没有完整的一周可以预测。", "There is no complete week to forecast from yet.")) } }
                Some(s) => {
                    p.muted {
                        (place(s)) " · " (what(s)) " · "
                        (lang.t("按周（周一至周日）统计的来电，预测自 ", "calls per week (Monday–Sunday), forecast from the week of ")) (report.origin)
                        @if !report.seasonal { " · " (lang.t("历史不足一年：按近期水平预测，基线为上周", "less than a year of history: the recent level, and the baseline is last week")) }
                    }
                    (chart(lang, s, &format!("{} · {}", place(s), what(s))))
                    (accuracy(lang, &report, s))
                    (weeks_table(lang, s))
                }
            }
        }
    }
}

/// The held-out errors, the model's beside the baseline's.
fn accuracy(lang: Lang, report: &ForecastReport, s: &ForecastSeries) -> Markup {
    let a = &s.accuracy;
    let pct = |w: Option<f64>| w.map_or_else(|| "—".to_owned(), |w| format!("{:.1}%", w * 100.0));
    let lower = (a.naive_mae > 0.0).then(|| (1.0 - a.model_mae / a.naive_mae) * 100.0);
    html! {
        @if a.forecasts == 0 {
            p.muted #forecast-accuracy { (lang.t("历史太短，尚无留出检验。", "Too little history to measure on held-out weeks yet.")) }
        } @else {
            table.analytics #forecast-accuracy {
                caption.muted {
                    (lang.t("留出检验：最近", "Held out: the last ")) (report.holdout_weeks)
                    (lang.t("周，每周分别提前1–8周预测（滚动起点）", " weeks, each forecast 1–8 weeks ahead from the weeks before it (rolling origin)"))
                }
                thead { tr { th {} th.num { (lang.t("平均绝对误差（件/周）", "Mean absolute error (calls a week)")) } th.num { (lang.t("误差占来电（WAPE）", "Error over calls (WAPE)")) } } }
                tbody {
                    tr { th { (lang.t("本模型", "This model")) } td.num { (fmt_value(a.model_mae, false)) } td.num { (pct(a.model_wape)) } }
                    tr { th { (lang.t("季节朴素基线（去年同周）", "Seasonal naive (the same week a year before)")) } td.num { (fmt_value(a.naive_mae, false)) } td.num { (pct(a.naive_wape)) } }
                }
            }
            @if let Some(l) = lower {
                p.muted {
                    @if l >= 0.0 { (lang.t("误差比基线低 ", "Error ")) (format!("{l:.0}%")) (lang.t("", " lower than the baseline's")) }
                    @else { (lang.t("误差比基线高 ", "Error ")) (format!("{:.0}%", -l)) (lang.t("", " higher than the baseline's")) }
                    " · " (lang.t("全部区×类别合计：模型 ", "all districts × categories: model ")) (pct(report.overall.model_wape))
                    (lang.t("，基线 ", ", baseline ")) (pct(report.overall.naive_wape))
                }
            }
        }
    }
}

fn weeks_table(lang: Lang, s: &ForecastSeries) -> Markup {
    html! {
        div.table-wrap {
            table.analytics #forecast-weeks {
                thead { tr {
                    th { (lang.t("周（周一）", "Week (Monday)")) }
                    th.num { (lang.t("预测", "Forecast")) }
                    th.num { (lang.t("80%区间", "80% interval")) }
                    th.num { (lang.t("95%区间", "95% interval")) }
                } }
                tbody {
                    @for w in &s.forecast {
                        tr {
                            td { (w.week) }
                            td.num { (fmt_value(w.forecast.round(), false)) }
                            td.num { (fmt_value(w.lower80.floor(), false)) "–" (fmt_value(w.upper80.ceil(), false)) }
                            td.num { (fmt_value(w.lower95.floor(), false)) "–" (fmt_value(w.upper95.ceil(), false)) }
                        }
                    }
                }
            }
        }
    }
}

/// The weeks behind (a line) and ahead (a dashed line in its 80% and 95% bands).
fn chart(lang: Lang, s: &ForecastSeries, caption: &str) -> Markup {
    let (width, height, left, bottom, top) = (640.0, 240.0, 56.0, 28.0, 10.0);
    let hist: Vec<(String, f64)> = s.history.iter().map(|w| (w.week.format("%m-%d").to_string(), f64::from(w.calls))).collect();
    let n = hist.len() + s.forecast.len();
    let max = hist.iter().map(|h| h.1).chain(s.forecast.iter().map(|w| w.upper95)).fold(0.0_f64, f64::max).max(1.0);
    let x = |i: usize| left + (width - left - 10.0) * if n <= 1 { 0.5 } else { i as f64 / (n - 1) as f64 };
    let y = |v: f64| top + (height - top - bottom) * (1.0 - v / max);
    let mut svg = format!(r#"<svg class="chart lines forecast" viewBox="0 0 {width} {height}" role="img" aria-label="{}">"#, esc(caption));
    for k in 0..=4 {
        let v = max * f64::from(k) / 4.0;
        svg.push_str(&format!(
            r#"<line x1="{left}" x2="{}" y1="{yv:.1}" y2="{yv:.1}" class="grid"/><text x="{}" y="{:.1}" class="axis" text-anchor="end">{}</text>"#,
            width - 10.0,
            left - 4.0,
            y(v) + 4.0,
            fmt_value(v.round(), false),
            yv = y(v)
        ));
    }
    let labels: Vec<String> =
        hist.iter().map(|h| h.0.clone()).chain(s.forecast.iter().map(|w| w.week.format("%m-%d").to_string())).collect();
    let every = n.div_ceil(9).max(1);
    for (i, l) in labels.iter().enumerate().filter(|(i, _)| i % every == 0) {
        svg.push_str(&format!(r#"<text x="{:.1}" y="{}" class="axis" text-anchor="middle">{}</text>"#, x(i), height - 8.0, esc(l)));
    }
    let h0 = hist.len();
    // The bands start at the last complete week, where nothing is uncertain.
    let anchor = hist.last().map(|(_, v)| (h0 - 1, *v));
    let band = |lo: &dyn Fn(usize) -> f64, hi: &dyn Fn(usize) -> f64| {
        let mut d = String::new();
        let mut upper: Vec<(usize, f64)> = anchor.into_iter().collect();
        upper.extend((0..s.forecast.len()).map(|k| (h0 + k, hi(k))));
        let mut lower: Vec<(usize, f64)> = anchor.into_iter().collect();
        lower.extend((0..s.forecast.len()).map(|k| (h0 + k, lo(k))));
        for (j, (i, v)) in upper.iter().enumerate() {
            d.push_str(&format!("{}{:.1},{:.1} ", if j == 0 { "M" } else { "L" }, x(*i), y(*v)));
        }
        for (i, v) in lower.iter().rev() {
            d.push_str(&format!("L{:.1},{:.1} ", x(*i), y(*v)));
        }
        d.push('Z');
        d
    };
    if !s.forecast.is_empty() {
        let f = &s.forecast;
        svg.push_str(&format!(
            r##"<path d="{}" fill="#a9c6ee" fill-opacity="0.35" stroke="none"><title>{}</title></path>"##,
            band(&|k| f[k].lower95, &|k| f[k].upper95),
            lang.t("95%预测区间", "95% prediction interval")
        ));
        svg.push_str(&format!(
            r##"<path d="{}" fill="#6f9fe0" fill-opacity="0.4" stroke="none"><title>{}</title></path>"##,
            band(&|k| f[k].lower80, &|k| f[k].upper80),
            lang.t("80%预测区间", "80% prediction interval")
        ));
        if h0 > 0 {
            svg.push_str(&format!(
                r#"<line x1="{xo:.1}" x2="{xo:.1}" y1="{top}" y2="{}" class="grid" stroke-dasharray="3 3"/>"#,
                height - bottom,
                xo = x(h0 - 1)
            ));
        }
    }
    let path = |pts: &[(usize, f64)]| {
        pts.iter()
            .enumerate()
            .map(|(j, (i, v))| format!("{}{:.1},{:.1} ", if j == 0 { "M" } else { "L" }, x(*i), y(*v)))
            .collect::<String>()
    };
    let past: Vec<(usize, f64)> = hist.iter().enumerate().map(|(i, h)| (i, h.1)).collect();
    svg.push_str(&format!(r#"<path d="{}" class="series s0"><title>{}</title></path>"#, path(&past), lang.t("实际来电", "Calls")));
    let mut ahead: Vec<(usize, f64)> = anchor.into_iter().collect();
    ahead.extend(s.forecast.iter().enumerate().map(|(k, w)| (h0 + k, w.forecast)));
    svg.push_str(&format!(
        r#"<path d="{}" class="series s0" stroke-dasharray="6 4"><title>{}</title></path>"#,
        path(&ahead),
        lang.t("预测", "Forecast")
    ));
    for (i, (label, v)) in hist.iter().enumerate() {
        svg.push_str(&format!(
            r#"<circle cx="{:.1}" cy="{:.1}" r="2.2" class="dot s0"><title>{}: {}</title></circle>"#,
            x(i),
            y(*v),
            esc(label),
            fmt_value(*v, false)
        ));
    }
    for (k, w) in s.forecast.iter().enumerate() {
        svg.push_str(&format!(
            r##"<circle cx="{:.1}" cy="{:.1}" r="2.6" fill="#fff" class="dot s0"><title>{} {}: {} (80%: {}–{}; 95%: {}–{})</title></circle>"##,
            x(h0 + k),
            y(w.forecast),
            w.week,
            lang.t("预测", "forecast"),
            fmt_value(w.forecast.round(), false),
            fmt_value(w.lower80.floor(), false),
            fmt_value(w.upper80.ceil(), false),
            fmt_value(w.lower95.floor(), false),
            fmt_value(w.upper95.ceil(), false)
        ));
    }
    svg.push_str("</svg>");
    html! {
        figure.chart {
            (PreEscaped(svg))
            figcaption.muted {
                (caption) " "
                span.key.s0 { "■ " (lang.t("实际", "actual")) } " "
                span.key.s0 { "┅ " (lang.t("预测", "forecast")) } " "
                span style="color:#6f9fe0" { "■ " (lang.t("80%区间", "80% interval")) } " "
                span style="color:#a9c6ee" { "■ " (lang.t("95%区间", "95% interval")) }
            }
        }
    }
}
