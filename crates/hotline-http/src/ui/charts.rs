//! Charts drawn on the server as SVG: bars for rankings, lines for trends (with last year's line),
//! a district map shaded by value. No script and no library: they print, work on a phone and on an
//! isolated network, and every bar and district links to the orders behind it.

use maud::{Markup, PreEscaped, html};

/// One bar of a ranking.
pub(super) struct Bar {
    pub label: String,
    /// `None`: no value to show (suppressed, or no evaluated order for a rate).
    pub value: Option<f64>,
    pub href: Option<String>,
}

/// A number as people read it: integers with separators, fractions to one decimal, rates as %.
pub(super) fn fmt_value(v: f64, rate: bool) -> String {
    if rate {
        return format!("{:.1}%", v * 100.0);
    }
    if (v - v.round()).abs() < 1e-9 {
        let n = v.round() as i64;
        let s = n.abs().to_string();
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        return if n < 0 { format!("-{out}") } else { out };
    }
    format!("{v:.1}")
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Horizontal bars, largest first as given, labelled and linked.
pub(super) fn bars(caption: &str, items: &[Bar], rate: bool) -> Markup {
    let max = items.iter().filter_map(|b| b.value).fold(0.0_f64, f64::max).max(1e-9);
    let row = 26.0;
    let (label_w, bar_w, width) = (190.0, 330.0, 600.0);
    let height = row * items.len() as f64 + 8.0;
    let mut svg = format!(
        r#"<svg class="chart bars" viewBox="0 0 {width} {height}" role="img" aria-label="{}" preserveAspectRatio="xMinYMin meet">"#,
        esc(caption)
    );
    for (i, b) in items.iter().enumerate() {
        let y = i as f64 * row + 4.0;
        let w = b.value.map_or(0.0, |v| (v / max * bar_w).max(1.0));
        let shown = b.value.map_or_else(|| "—".to_owned(), |v| fmt_value(v, rate));
        let label: String = b.label.chars().take(14).collect();
        let inner = format!(
            r#"<title>{}: {shown}</title><text x="{}" y="{}" class="label" text-anchor="end">{}</text><rect x="{label_w}" y="{}" width="{w:.1}" height="{}" class="bar"/><text x="{}" y="{}" class="value">{shown}</text>"#,
            esc(&b.label),
            label_w - 6.0,
            y + 16.0,
            esc(&label),
            y + 3.0,
            row - 8.0,
            label_w + w + 5.0,
            y + 16.0,
        );
        match &b.href {
            Some(h) => svg.push_str(&format!(r#"<a href="{}">{inner}</a>"#, esc(h))),
            None => svg.push_str(&format!("<g>{inner}</g>")),
        }
    }
    svg.push_str("</svg>");
    figure(svg, caption, html! {})
}

/// A trend: one line per series over the same labels (time buckets); `None` points are gaps.
pub(super) fn lines(caption: &str, labels: &[String], series: &[(&str, &[Option<f64>])], rate: bool) -> Markup {
    let (width, height, left, bottom, top) = (640.0, 240.0, 56.0, 28.0, 10.0);
    let max = series.iter().flat_map(|(_, s)| s.iter().flatten()).fold(0.0_f64, |a, b| a.max(*b)).max(1e-9);
    let n = labels.len().max(1);
    let x = |i: usize| left + (width - left - 10.0) * if n == 1 { 0.5 } else { i as f64 / (n - 1) as f64 };
    let y = |v: f64| top + (height - top - bottom) * (1.0 - v / max);
    let mut svg = format!(r#"<svg class="chart lines" viewBox="0 0 {width} {height}" role="img" aria-label="{}">"#, esc(caption));
    for k in 0..=4 {
        let v = max * f64::from(k) / 4.0;
        svg.push_str(&format!(
            r#"<line x1="{left}" x2="{}" y1="{y:.1}" y2="{y:.1}" class="grid"/><text x="{}" y="{:.1}" class="axis" text-anchor="end">{}</text>"#,
            width - 10.0,
            left - 4.0,
            y(v) + 4.0,
            fmt_value(if rate { v } else { v.round() }, rate),
            y = y(v)
        ));
    }
    let every = n.div_ceil(8).max(1);
    for (i, l) in labels.iter().enumerate().filter(|(i, _)| i % every == 0) {
        svg.push_str(&format!(r#"<text x="{:.1}" y="{}" class="axis" text-anchor="middle">{}</text>"#, x(i), height - 8.0, esc(l)));
    }
    for (k, (name, values)) in series.iter().enumerate() {
        let mut path = String::new();
        let mut pen_up = true;
        for (i, v) in values.iter().enumerate() {
            match v {
                Some(v) => {
                    path.push_str(&format!("{}{:.1},{:.1} ", if pen_up { "M" } else { "L" }, x(i), y(*v)));
                    pen_up = false;
                }
                None => pen_up = true,
            }
        }
        svg.push_str(&format!(r#"<path d="{path}" class="series s{k}"><title>{}</title></path>"#, esc(name)));
        for (i, v) in values.iter().enumerate() {
            if let Some(v) = v {
                svg.push_str(&format!(
                    r#"<circle cx="{:.1}" cy="{:.1}" r="2.5" class="dot s{k}"><title>{} {}: {}</title></circle>"#,
                    x(i),
                    y(*v),
                    esc(name),
                    esc(labels.get(i).map_or("", String::as_str)),
                    fmt_value(*v, rate)
                ));
            }
        }
    }
    svg.push_str("</svg>");
    figure(svg, caption, html! { @for (k, (name, _)) in series.iter().enumerate() { span class={ "key s" (k) } { "■ " (name) } " " } })
}

/// A chart with its caption and key.
fn figure(svg: String, caption: &str, key: Markup) -> Markup {
    html! { figure.chart { (PreEscaped(svg)) figcaption.muted { (caption) " " (key) } } }
}

/// One district on the map.
pub(super) struct Shape<'a> {
    pub name: String,
    pub polygons: &'a [hotline_places::polygons::Polygon],
    pub value: Option<f64>,
    pub href: Option<String>,
}

/// The districts shaded by value (five classes of equal width), with points where orders have
/// coordinates.
pub(super) fn choropleth(caption: &str, shapes: &[Shape<'_>], points: &[(f64, f64)], rate: bool) -> Markup {
    let all = shapes.iter().flat_map(|s| s.polygons.iter().flatten().flatten());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for (x, y) in all {
        x0 = x0.min(*x);
        x1 = x1.max(*x);
        y0 = y0.min(*y);
        y1 = y1.max(*y);
    }
    if x0 > x1 {
        return html! { p.muted { (caption) } };
    }
    // Equirectangular, longitude shortened by the latitude's cosine.
    let k = ((y0 + y1) / 2.0).to_radians().cos();
    let (w, h) = ((x1 - x0) * k, y1 - y0);
    let scale = 560.0 / w.max(h * 560.0 / 480.0);
    let px = |x: f64| (x - x0) * k * scale + 20.0;
    let py = |y: f64| (y1 - y) * scale + 20.0;
    let (width, height) = (w * scale + 40.0, h * scale + 40.0);
    let max = shapes.iter().filter_map(|s| s.value).fold(0.0_f64, f64::max).max(1e-9);
    let class = |v: Option<f64>| v.map_or(0, |v| 1 + ((v / max) * 4.999).floor() as usize);
    let mut svg = format!(r#"<svg class="chart map" viewBox="0 0 {width:.0} {height:.0}" role="img" aria-label="{}">"#, esc(caption));
    for s in shapes {
        let mut d = String::new();
        for polygon in s.polygons {
            for ring in polygon {
                for (i, (x, y)) in ring.iter().enumerate() {
                    d.push_str(&format!("{}{:.1},{:.1}", if i == 0 { "M" } else { "L" }, px(*x), py(*y)));
                }
                d.push('Z');
            }
        }
        let shown = s.value.map_or_else(|| "—".to_owned(), |v| fmt_value(v, rate));
        let inner = format!(r#"<path d="{d}" class="area c{}"><title>{}: {shown}</title></path>"#, class(s.value), esc(&s.name));
        match &s.href {
            Some(href) => svg.push_str(&format!(r#"<a href="{}">{inner}</a>"#, esc(href))),
            None => svg.push_str(&inner),
        }
    }
    for (x, y) in points {
        svg.push_str(&format!(r#"<circle cx="{:.1}" cy="{:.1}" r="1.6" class="point"/>"#, px(*x), py(*y)));
    }
    svg.push_str("</svg>");
    figure(
        svg,
        caption,
        html! { @for c in 1..=5 { span class={ "key c" (c) } { "■ " (fmt_value(max * (c - 1) as f64 / 5.0, rate)) "–" (fmt_value(max * c as f64 / 5.0, rate)) } " " } },
    )
}

/// A small inline chart of monthly counts: one bar a month (`marked` months in the accent colour),
/// the expected counts as a dashed line; a tooltip per month. Sized for a table cell.
pub(super) fn sparkline(caption: &str, labels: &[String], values: &[u32], expected: &[f64], marked: &[bool]) -> Markup {
    let (bar, gap, height) = (7.0, 2.0, 30.0);
    let width = (bar + gap) * values.len() as f64;
    let max = values.iter().map(|v| f64::from(*v)).chain(expected.iter().copied()).fold(1.0_f64, f64::max);
    let y = |v: f64| height - 1.0 - (height - 2.0) * v / max;
    let mut svg = format!(
        r#"<svg class="spark" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" role="img" aria-label="{}">"#,
        esc(caption)
    );
    for (i, v) in values.iter().enumerate() {
        let x = i as f64 * (bar + gap);
        let fill = if marked.get(i).copied().unwrap_or(false) { "#d92d20" } else { "#98a2b3" };
        let top = y(f64::from(*v));
        svg.push_str(&format!(
            r#"<rect x="{x:.1}" y="{top:.1}" width="{bar}" height="{:.1}" fill="{fill}"><title>{}: {v} / {:.1}</title></rect>"#,
            (height - 1.0 - top).max(0.5),
            esc(labels.get(i).map_or("", String::as_str)),
            expected.get(i).copied().unwrap_or(0.0),
        ));
    }
    let points: Vec<String> =
        expected.iter().enumerate().map(|(i, e)| format!("{:.1},{:.1}", i as f64 * (bar + gap) + bar / 2.0, y(*e))).collect();
    svg.push_str(&format!(
        r##"<polyline points="{}" fill="none" stroke="#1d2939" stroke-width="1.2" stroke-dasharray="2 2"/>"##,
        points.join(" ")
    ));
    svg.push_str("</svg>");
    PreEscaped(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(fmt_value(1_234_567.0, false), "1,234,567");
        assert_eq!(fmt_value(12.345, false), "12.3");
        assert_eq!(fmt_value(0.9712, true), "97.1%");
    }

    #[test]
    fn labels_are_escaped_in_the_svg() {
        let m = bars("x", &[Bar { label: "<script>".into(), value: Some(1.0), href: Some("/a?b=1&c=2".into()) }], false).into_string();
        assert!(!m.contains("<script>") && m.contains("&lt;script&gt;") && m.contains("b=1&amp;c=2"), "{m}");
    }
}
