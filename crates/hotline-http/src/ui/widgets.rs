//! Pieces every staff page shares: local time, labels of codes, unit and category pickers, the
//! order table, the pager.

use chrono::{DateTime, FixedOffset, Utc};
use hotline_app::views::OrderView;
use hotline_app::{App, UnitDirectory};
use hotline_domain::{UnitClass, Vocabulary};
use maud::{Markup, html};

use super::Lang;

/// Local-time formatting with the deadline policy's offset.
#[derive(Clone, Copy)]
pub(super) struct Clock(FixedOffset);

impl Clock {
    pub(super) async fn of(app: &App) -> Self {
        let minutes = app.policy().await.map_or(480, |p| p.utc_offset_minutes);
        Self(FixedOffset::east_opt(minutes * 60).unwrap_or(FixedOffset::east_opt(0).expect("UTC")))
    }
    pub(super) fn fmt(self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.0).format("%Y-%m-%d %H:%M").to_string()
    }
    pub(super) fn opt(self, t: Option<DateTime<Utc>>) -> String {
        t.map_or_else(|| "—".into(), |t| self.fmt(t))
    }
    pub(super) fn minutes(self) -> i32 {
        self.0.local_minus_utc() / 60
    }
}

/// The label of a vocabulary code (a view's `nature`, `urgency`…), "—" when absent.
pub(super) fn label_of<T: Vocabulary>(code: Option<&str>, lang: Lang) -> String {
    code.map_or_else(|| "—".into(), |c| T::label_of(c, lang.zh()))
}

/// Category names by path code, for showing 违章停车 rather than `TRF/illegal_parking`; a code no
/// longer in the tree shows its nearest named ancestor and the rest as written.
pub(super) struct Categories(std::collections::HashMap<String, (String, String)>);

impl Categories {
    pub(super) fn of(app: &App) -> Self {
        Self(app.categories().iter().map(|c| (c.code.clone(), (c.name_zh.clone(), c.name_en.clone()))).collect())
    }

    pub(super) fn label(&self, lang: Lang, code: Option<&str>) -> String {
        let Some(code) = code else { return "—".into() };
        let name = |c: &str| self.0.get(c).map(|(zh, en)| if lang.zh() || en.is_empty() { zh.clone() } else { en.clone() });
        if let Some(n) = name(code) {
            return n;
        }
        // A path the tree no longer has (a reorganised tree): the named part, then the rest.
        let mut prefix = code;
        while let Some((head, _)) = prefix.rsplit_once('/') {
            if let Some(n) = name(head) {
                return format!("{n} / {}", &code[head.len() + 1..]);
            }
            prefix = head;
        }
        code.to_owned()
    }

    /// The full path as names: 交通管理 / 违章停车.
    pub(super) fn path(&self, lang: Lang, code: &str) -> String {
        let mut parts = Vec::new();
        let mut end = 0;
        for seg in code.split('/') {
            end += seg.len() + usize::from(end > 0);
            parts.push(self.label(lang, Some(&code[..end])));
        }
        parts.join(" / ")
    }
}

// ---------- shared widgets ----------

/// A unit picker: a filter box and a list, departments and utilities first, then districts with their
/// streets. Only units that may lead are offered for `main`.
pub(super) fn unit_picker(
    lang: Lang,
    dir: &UnitDirectory,
    name: &str,
    id: &str,
    multiple: bool,
    only_leaders: bool,
    selected: &[i64],
) -> Markup {
    let ok = |c: UnitClass| !only_leaders || c.can_lead();
    let sel = |u: i64| selected.contains(&u);
    let classes = [UnitClass::Department, UnitClass::Utility, UnitClass::Centre];
    html! {
        label.filter for={ (id) "-filter" } { (lang.t("筛选单位", "Filter units")) }
        input type="text" id={ (id) "-filter" } data-filter-for=(id) placeholder=(lang.t("输入单位名称筛选，↓ 选择", "Type to filter units, ↓ to pick")) autocomplete="off";
        select name=(name) id=(id) size=(if multiple { 5 } else { 8 }) multiple[multiple] {
            @if !multiple { option value="" { (lang.t("（请选择）", "(choose)")) } }
            @for class in classes {
                @if ok(class) {
                    optgroup label=(class.label(lang.zh())) {
                        // District bureaus appear under their district below.
                        @for u in dir.all().iter().filter(|u| u.class == class && u.parent.is_none()) {
                            option value=(u.id.0) data-code=(u.code) selected[sel(u.id.0)] { (u.name) }
                        }
                    }
                }
            }
            @for d in dir.all().iter().filter(|u| u.class == UnitClass::District) {
                optgroup label=(d.name) {
                    option value=(d.id.0) data-code=(d.code) selected[sel(d.id.0)] { (d.name) " " (lang.t("（区级兜底）", "(district)")) }
                    @for s in dir.children(d.id).iter().filter_map(|c| dir.get(*c)).filter(|u| ok(u.class)) {
                        option value=(s.id.0) data-code=(s.code) selected[sel(s.id.0)] { (d.name) " / " (s.name) }
                    }
                }
            }
        }
    }
}

pub(super) fn vocab_select<T: Vocabulary>(name: &str, id: &str, lang: Lang, selected: Option<&str>, empty: bool) -> Markup {
    html! {
        select name=(name) id=(id) {
            @if empty { option value="" { "—" } }
            @for v in T::all() { option value=(v.code()) selected[selected == Some(v.code())] { (v.label(lang.zh())) } }
        }
    }
}

/// The category tree as a select (577 nodes in Beijing's tree), with a filter box that narrows it
/// as one types (停车 → the parking categories).
pub(super) async fn category_select(app: &App, lang: Lang, name: &str, id: &str, selected: Option<&str>) -> Markup {
    let cats = app.categories();
    html! {
        label.filter for={ (id) "-filter" } { (lang.t("筛选分类", "Filter categories")) }
        input type="search" id={ (id) "-filter" } data-filter-for=(id) placeholder=(lang.t("输入分类名称，如 停车，↓ 选择", "Type a category name, e.g. parking, ↓ to pick")) autocomplete="off";
        select name=(name) id=(id) {
            option value="" { "—" }
            @for c in cats.iter() {
                @let depth = c.code.matches('/').count();
                option value=(c.code) selected[selected == Some(c.code.as_str())] title=(c.description) data-urgency=(c.default_urgency) {
                    @for _ in 0..depth { "\u{3000}" }
                    (if lang.zh() { &c.name_zh } else { &c.name_en }) " (" (c.code) ")"
                }
            }
        }
    }
}

pub(super) fn badges(lang: Lang, o: &OrderView) -> Markup {
    html! {
        span.badge.state { (o.state.label(lang.zh())) }
        " "
        @if o.urgency == "emergency" { span.badge.emergency { (lang.t("紧急", "Emergency")) } " " }
        @if let Some(k) = &o.overdue {
            span.badge.overdue title=(k) { (lang.t("超期", "Overdue")) ": " (match k.as_str() { "dispatch" => lang.t("派单", "dispatch"), "contact" => lang.t("联系", "contact"), _ => lang.t("反馈", "reply") }) }
            " "
        }
        @if o.supervised { span.badge.supervised { (lang.t("督办", "Supervised")) } }
    }
}

pub(super) fn order_table(lang: Lang, clock: Clock, cats: &Categories, orders: &[OrderView]) -> Markup {
    html! {
        table.orders {
            thead { tr {
                th { (lang.t("工单编号", "Number")) } th { (lang.t("受理时间", "Received")) } th { (lang.t("状态", "State")) }
                th { (lang.t("分类", "Category")) } th { (lang.t("主办单位", "Main unit")) } th { (lang.t("反馈时限", "Reply due")) } th { (lang.t("诉求内容", "Request")) }
            } }
            tbody {
                @for o in orders {
                    tr {
                        td { a href={ "/orders/" (o.number) } { (o.number) } }
                        td { (clock.fmt(o.received_at)) }
                        td { (badges(lang, o)) }
                        td title=[o.category.as_deref()] { (cats.label(lang, o.category.as_deref())) }
                        td { (o.assignment.as_ref().map_or("—", |a| a.main_unit.name.as_str())) }
                        td { (clock.opt(o.dues.reply_due)) }
                        td { (o.description.chars().take(60).collect::<String>()) @if o.description.chars().count() > 60 { "…" } }
                    }
                }
                @if orders.is_empty() { tr { td colspan="7" .muted { (lang.t("没有符合条件的工单", "No orders match")) } } }
            }
        }
    }
}

pub(super) fn pager(lang: Lang, base: &str, offset: u32, limit: u32, has_more: bool) -> Markup {
    let sep = if base.contains('?') { '&' } else { '?' };
    html! {
        p.inline {
            @if offset > 0 { a.button href={ (base) (sep) "offset=" (offset.saturating_sub(limit)) } { (lang.t("上一页", "Previous")) } }
            @if has_more { a.button href={ (base) (sep) "offset=" (offset + limit) } { (lang.t("下一页", "Next")) } }
        }
    }
}
