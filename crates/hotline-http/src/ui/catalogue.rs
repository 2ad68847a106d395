//! The category tree (分类目录) and dispatch catalogue (派单目录) pages: browse by first-level
//! category, edit one node or rule, upload a whole CSV, download any version. System admins edit;
//! supervisors read. Every save is a new version; a form carries the version it was opened on, so
//! two admins editing at once get a clear conflict instead of silently losing an edit.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use hotline_app::catalogue::{Category, CategoryEdit, ReferenceKind, RuleEdit};
use hotline_app::{App, AppError, Principal};
use hotline_domain::dispatch::{DispatchCatalogue, DispatchRule};
use hotline_domain::{FIRST_LEVEL_CATEGORIES, Role, UnitClass, Urgency, Vocabulary};
use maud::{Markup, html};
use serde::Deserialize;

use super::PageQuery;
use super::forms::FormData;
use super::user;
use super::widgets::Clock;
use super::{Lang, Nav, error_text, flash, layout};

fn may_view(p: &Principal) -> bool {
    matches!(p.role, Role::Admin | Role::Supervisor)
}

fn forbidden(lang: Lang, who: &Principal, path: &str) -> Response {
    let e = AppError::forbidden("只有系统管理员和督办员可以查看目录", "Only admins and supervisors may open the catalogues");
    (StatusCode::FORBIDDEN, layout(lang, "403", Some(who), Nav::None, path, flash(None, Some(&error_text(lang, &e))))).into_response()
}

async fn viewer(app: &App, headers: &HeaderMap, uri: &Uri, lang: Lang) -> Result<Principal, Response> {
    match user(app, headers, uri).await {
        Ok(who) if may_view(&who) => Ok(who),
        Ok(who) => Err(forbidden(lang, &who, uri.path())),
        Err(r) => Err(r),
    }
}

fn base_version(f: &FormData) -> Option<i64> {
    f.get("base_version").and_then(|v| v.trim().parse().ok())
}

use crate::error::status_for as status_of;

/// A district's own bureau (`110105-SCJG`): a department whose parent is a district.
fn is_district_bureau(units: &hotline_app::UnitDirectory, u: &hotline_domain::Unit) -> bool {
    u.class == UnitClass::Department && u.parent.and_then(|p| units.get(p)).is_some_and(|p| p.class == UnitClass::District)
}

/// Human words for a dispatch target: `street` → 属地街乡镇, `district:SCJG` → 所在区的市场监管局, a
/// unit code → the unit's name.
fn target_label(app: &App, lang: Lang, target: &str) -> String {
    let units = app.units();
    match target {
        "street" => lang.t("属地街道（乡镇）", "The place's street/township").to_owned(),
        "district" => lang.t("属地区", "The place's district").to_owned(),
        t => match t.strip_prefix("district:") {
            Some(suffix) => {
                // Name the bureau by one district's example, without the district's own name.
                let example = units.all().iter().find(|u| u.code.ends_with(&format!("-{suffix}")) && is_district_bureau(&units, u));
                let name = example
                    .and_then(|u| u.parent.and_then(|p| units.get(p)).map(|d| u.name.trim_start_matches(d.name.as_str()).to_owned()))
                    .unwrap_or_else(|| suffix.to_owned());
                format!("{}{name}", lang.t("所在区", "district's "))
            }
            None => units.by_code(t).map_or_else(|| format!("{t} ?"), |u| u.name.clone()),
        },
    }
}

fn versions_table(lang: Lang, clock: Clock, versions: &[hotline_app::catalogue::ReferenceVersion], href: &str) -> Markup {
    html! {
        table.versions {
            thead { tr { th { (lang.t("版本", "Version")) } th { (lang.t("保存时间", "Saved")) } th { (lang.t("保存人", "By")) } th { (lang.t("说明", "Note")) } th {} } }
            tbody {
                @for v in versions.iter().take(50) {
                    tr {
                        td { "v" (v.version) }
                        td { (clock.fmt(v.created_at)) }
                        td { (v.created_by) }
                        td { (v.note) }
                        td { a href={ (href) "/" (v.version) ".csv" } download { (lang.t("下载 CSV", "Download CSV")) } }
                    }
                }
            }
        }
    }
}

/// The form that replaces a whole set with an uploaded CSV, checked and saved as the next version.
/// The versions of a reference set, and (for editors) the upload of a whole new one.
fn versions_section(
    lang: Lang,
    clock: Clock,
    versions: &[hotline_app::catalogue::ReferenceVersion],
    href: &str,
    upload: Option<Markup>,
) -> Markup {
    html! {
        section.card {
            h2 { (lang.t("版本", "Versions")) }
            (versions_table(lang, clock, versions, href))
            @if let Some(u) = upload { (u) }
        }
    }
}

fn csv_upload(lang: Lang, version: Option<i64>, action: &str, id: &str, summary: &str, format: &str) -> Markup {
    let note_id = format!("{id}-note");
    html! {
        details {
            summary { (summary) }
            p.muted { (format) }
            form method="post" action=(action) id=(id) {
                input type="hidden" name="base_version" value=[version];
                label for={ (id) "-csv" } { (lang.t("CSV 内容", "CSV content")) }
                textarea id={ (id) "-csv" } name="csv" rows="8" required {}
                label for=(note_id) { (lang.t("说明", "Note")) }
                input type="text" id=(note_id) name="note" maxlength="200";
                p { button type="submit" { (lang.t("检查并保存为新版本", "Check and save as a new version")) } }
            }
        }
    }
}

// --- Category tree ------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
pub struct TreeQuery {
    /// The first-level category shown.
    at: Option<String>,
    /// A node to edit.
    edit: Option<String>,
    /// A parent to add a child under.
    add: Option<String>,
    /// The version just saved (after a redirect).
    saved: Option<i64>,
}

struct TreeView<'a> {
    query: &'a TreeQuery,
    /// The submitted form after a refused save, shown again with the error.
    draft: Option<Category>,
    error: Option<String>,
}

async fn tree_page(app: &App, lang: Lang, who: &Principal, view: TreeView<'_>) -> Markup {
    let clock = Clock::of(app).await;
    let categories = app.categories();
    let version = app.category_version();
    let versions = app.reference_versions(who, ReferenceKind::Categories).await.unwrap_or_default();
    let q = view.query;
    let first = q.at.as_deref().or(q.edit.as_deref()).or(q.add.as_deref()).and_then(|c| c.split('/').next()).unwrap_or("MKT").to_owned();
    let subtree: Vec<&Category> =
        categories.iter().filter(|c| c.code == first || c.code.starts_with(&format!("{first}/"))).collect::<Vec<_>>();
    let catalogue = app.dispatch_catalogue();
    let editable = who.role == Role::Admin;
    let editing: Option<Category> = view.draft.clone().or_else(|| {
        q.edit.as_deref().and_then(|code| categories.iter().find(|c| c.code == code).cloned()).or_else(|| {
            q.add.as_deref().map(|parent| {
                let urgency = categories.iter().find(|c| c.code == parent).map_or("general", |c| c.default_urgency.as_str());
                Category {
                    code: format!("{parent}/"),
                    name_zh: String::new(),
                    name_en: String::new(),
                    default_urgency: urgency.to_owned(),
                    description: String::new(),
                    keywords: Vec::new(),
                }
            })
        })
    });
    let is_new = editing.as_ref().is_some_and(|c| !categories.iter().any(|x| x.code == c.code));
    let saved = q.saved.map(|v| format!("{} v{v}", lang.t("已保存分类目录版本", "Saved category tree version")));
    let name = |c: &Category| if lang.zh() || c.name_en.is_empty() { c.name_zh.clone() } else { c.name_en.clone() };
    layout(
        lang,
        lang.t("分类目录", "Category tree"),
        Some(who),
        Nav::Admin,
        "/admin/categories",
        html! {
            h1 { (lang.t("分类目录", "Category tree")) " "
                span.muted { @if let Some(v) = version { "v" (v) } @else { (lang.t("（未保存）", "(none stored)")) } " · " (categories.len()) (lang.t(" 个节点", " nodes")) }
            }
            (flash(saved.as_deref(), view.error.as_deref()))
            p.muted {
                (lang.t("工单记录受理时的分类目录版本；修改后保存为新版本，已受理的工单不受影响。", "Orders keep the tree version they were filed under; a change is saved as a new version and does not alter filed orders."))
                " " a href="/admin/dispatch" { (lang.t("派单目录 →", "Dispatch catalogue →")) }
            }
            nav.tabs aria-label=(lang.t("一级分类", "First-level categories")) {
                @for (code, zh, en) in FIRST_LEVEL_CATEGORIES {
                    a href={ "/admin/categories?at=" (code) } class=[(code == first).then_some("active")] { (code) " " (lang.t(zh, en)) }
                }
            }
            @if let Some(c) = &editing {
                @if editable {
                    section.card #category-editor {
                        h2 { @if is_new { (lang.t("新增分类", "New category")) } @else { (lang.t("修改分类 ", "Edit category ")) code { (c.code) } } }
                        form method="post" action="/admin/categories/save" id="category-form" {
                            input type="hidden" name="base_version" value=[version];
                            div.grid3 {
                                div { label for="c-code" { (lang.t("编码（上级/本级，小写字母）", "Code (parent/slug, lower case)")) }
                                    input type="text" id="c-code" name="code" value=(c.code) required readonly[!is_new] pattern="[A-Z]{3}(/[a-z0-9_]+){1,2}"; }
                                div { label for="c-name-zh" { (lang.t("中文名称", "Chinese name")) } input type="text" id="c-name-zh" name="name_zh" value=(c.name_zh) required maxlength="40"; }
                                div { label for="c-name-en" { (lang.t("英文名称", "English name")) } input type="text" id="c-name-en" name="name_en" value=(c.name_en) maxlength="80"; }
                                div { label for="c-urgency" { (lang.t("默认紧急程度", "Default urgency")) }
                                    select id="c-urgency" name="default_urgency" {
                                        @for u in Urgency::ALL { option value=(u.code()) selected[u.code() == c.default_urgency] { (u.label(lang.zh())) } }
                                    }
                                }
                            }
                            label for="c-description" { (lang.t("说明（哪些诉求属于此类）", "Description (what belongs here)")) }
                            textarea id="c-description" name="description" maxlength="500" rows="2" { (c.description) }
                            label for="c-keywords" { (lang.t("关键词（群众常用说法，用 | 或换行分隔）", "Keywords (words people use, separated by | or new lines)")) }
                            textarea id="c-keywords" name="keywords" rows="2" { (c.keywords.join("|")) }
                            label for="c-note" { (lang.t("修改说明", "Why (kept with the version)")) }
                            input type="text" id="c-note" name="note" maxlength="200";
                            p.inline { button type="submit" { (lang.t("保存为新版本", "Save as a new version")) }
                                a href={ "/admin/categories?at=" (first) } { (lang.t("取消", "Cancel")) } }
                        }
                    }
                }
            }
            section.card {
                table.tree #category-tree {
                    thead { tr {
                        th { (lang.t("编码", "Code")) } th { (lang.t("名称", "Name")) } th { (lang.t("默认紧急程度", "Default urgency")) }
                        th { (lang.t("关键词", "Keywords")) } th { (lang.t("派单规则", "Dispatch rule")) } th {}
                    } }
                    tbody {
                        @for c in &subtree {
                            @let depth = c.code.matches('/').count();
                            @let rule = catalogue.rule_for(&c.code, None);
                            @let leaf = !categories.iter().any(|x| x.code.starts_with(&format!("{}/", c.code)));
                            tr data-code=(c.code) {
                                td { code { (c.code) } }
                                td style={ "padding-left:" (0.5 + depth as f32 * 1.4) "rem" } { @if depth == 0 { strong { (name(c)) } } @else { (name(c)) } br; span.muted { (c.description) } }
                                td { (Urgency::label_of(&c.default_urgency, lang.zh())) }
                                td.muted { (c.keywords.iter().take(6).cloned().collect::<Vec<_>>().join("、")) }
                                td { @match rule {
                                    Some(r) => { (target_label(app, lang, &r.to_row()[2])) @if r.category != c.code { br; span.muted { (lang.t("沿用 ", "from ")) (r.category) } } }
                                    None => { span.badge.overdue { (lang.t("无规则", "no rule")) } }
                                } }
                                td { @if editable {
                                    div.inline {
                                        a href={ "/admin/categories?edit=" (c.code) } { (lang.t("修改", "Edit")) }
                                        @if depth < 2 { a href={ "/admin/categories?add=" (c.code) } { (lang.t("加下级", "Add child")) } }
                                        @if leaf && depth > 0 {
                                            form method="post" action="/admin/categories/remove" {
                                                input type="hidden" name="code" value=(c.code);
                                                input type="hidden" name="base_version" value=[version];
                                                button.danger.small type="submit" data-confirm=(lang.t("确定删除此分类？", "Remove this category?")) { (lang.t("删除", "Remove")) }
                                            }
                                        }
                                    }
                                } }
                            }
                        }
                    }
                }
            }
            (versions_section(lang, clock, &versions, "/admin/categories/versions", editable.then(|| csv_upload(lang, version, "/admin/categories/import", "category-import",
                lang.t("上传整个分类目录（CSV）", "Upload a whole tree (CSV)"),
                lang.t("格式同下载的 CSV：code,name_zh,name_en,default_urgency,description_zh,keywords。一级分类固定，不可缺少。", "Same format as the download: code,name_zh,name_en,default_urgency,description_zh,keywords. The first level is fixed and must be complete.")))))
        },
    )
}

pub async fn tree_get(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    lang: Lang,
    PageQuery(q): PageQuery<TreeQuery>,
) -> Response {
    match viewer(&app, &headers, &uri, lang).await {
        Ok(who) => tree_page(&app, lang, &who, TreeView { query: &q, draft: None, error: None }).await.into_response(),
        Err(r) => r,
    }
}

fn category_from_form(f: &FormData) -> Category {
    Category {
        code: f.text("code"),
        name_zh: f.text("name_zh"),
        name_en: f.text("name_en"),
        default_urgency: f.text("default_urgency"),
        description: f.text("description"),
        keywords: f.text("keywords").split(['|', '\n', '，', ',', '、']).map(|k| k.trim().to_owned()).filter(|k| !k.is_empty()).collect(),
    }
}

fn saved_redirect(path: &str, first: &str, version: i64) -> Response {
    Redirect::to(&format!("{path}?at={first}&saved={version}")).into_response()
}

pub async fn tree_save(State(app): State<Arc<App>>, headers: HeaderMap, uri: Uri, lang: Lang, body: Bytes) -> Response {
    let who = match viewer(&app, &headers, &uri, lang).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let f = FormData::parse(&body).unwrap_or(FormData(Vec::new()));
    let node = category_from_form(&f);
    let first = node.code.split('/').next().unwrap_or_default().to_owned();
    match app.edit_category(Some(&who), CategoryEdit::Save(node.clone()), &f.text("note"), base_version(&f)).await {
        Ok(v) => saved_redirect("/admin/categories", &first, v.version),
        Err(e) => {
            let q = TreeQuery { at: Some(first), ..TreeQuery::default() };
            let page = tree_page(&app, lang, &who, TreeView { query: &q, draft: Some(node), error: Some(error_text(lang, &e)) }).await;
            (status_of(&e), page).into_response()
        }
    }
}

pub async fn tree_remove(State(app): State<Arc<App>>, headers: HeaderMap, uri: Uri, lang: Lang, body: Bytes) -> Response {
    let who = match viewer(&app, &headers, &uri, lang).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let f = FormData::parse(&body).unwrap_or(FormData(Vec::new()));
    let code = f.text("code");
    let first = code.split('/').next().unwrap_or_default().to_owned();
    let note = format!("删除 / removed {code}");
    match app.edit_category(Some(&who), CategoryEdit::Remove(code), &note, base_version(&f)).await {
        Ok(v) => saved_redirect("/admin/categories", &first, v.version),
        Err(e) => {
            let q = TreeQuery { at: Some(first), ..TreeQuery::default() };
            (status_of(&e), tree_page(&app, lang, &who, TreeView { query: &q, draft: None, error: Some(error_text(lang, &e)) }).await)
                .into_response()
        }
    }
}

pub async fn tree_import(State(app): State<Arc<App>>, headers: HeaderMap, uri: Uri, lang: Lang, body: Bytes) -> Response {
    let who = match viewer(&app, &headers, &uri, lang).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let f = FormData::parse(&body).unwrap_or(FormData(Vec::new()));
    match app.save_reference_csv(Some(&who), ReferenceKind::Categories, &f.text("csv"), &f.text("note"), base_version(&f)).await {
        Ok(v) => saved_redirect("/admin/categories", "MKT", v.version),
        Err(e) => {
            let q = TreeQuery::default();
            (status_of(&e), tree_page(&app, lang, &who, TreeView { query: &q, draft: None, error: Some(error_text(lang, &e)) }).await)
                .into_response()
        }
    }
}

/// `/admin/categories/versions/{n}.csv` and `/admin/dispatch/versions/{n}.csv`.
async fn version_csv(app: &App, headers: &HeaderMap, uri: &Uri, lang: Lang, kind: ReferenceKind, file: &str) -> Response {
    let who = match viewer(app, headers, uri, lang).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let Some(version) = file.strip_suffix(".csv").and_then(|n| n.parse::<i64>().ok()) else {
        return super::error_page(lang, Some(&who), StatusCode::NOT_FOUND, lang.t("没有这个版本", "There is no such version"));
    };
    match app.reference_version(&who, kind, version).await {
        Ok(v) => {
            let name = format!("attachment; filename=\"{}-v{}.csv\"", kind.code(), v.version);
            ([(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, name)], v.body).into_response()
        }
        Err(_) => super::error_page(lang, Some(&who), StatusCode::NOT_FOUND, lang.t("没有这个版本", "There is no such version")),
    }
}

pub async fn tree_version(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    lang: Lang,
    axum::extract::Path(file): axum::extract::Path<String>,
) -> Response {
    version_csv(&app, &headers, &uri, lang, ReferenceKind::Categories, &file).await
}

// --- Dispatch catalogue -------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
pub struct RulesQuery {
    /// Show only rules under this first-level category.
    at: Option<String>,
    /// Fill the form with this rule (category and district scope).
    edit: Option<String>,
    district: Option<String>,
    saved: Option<i64>,
}

async fn rules_page(app: &App, lang: Lang, who: &Principal, q: &RulesQuery, draft: Option<[String; 5]>, error: Option<String>) -> Markup {
    let clock = Clock::of(app).await;
    let catalogue = app.dispatch_catalogue();
    let version = app.dispatch_version();
    let versions = app.reference_versions(who, ReferenceKind::DispatchRules).await.unwrap_or_default();
    let uncovered = app.uncovered_categories();
    let categories = app.categories();
    let units = app.units();
    let editable = who.role == Role::Admin;
    let first = q.at.clone().or_else(|| q.edit.as_deref().and_then(|c| c.split('/').next()).map(str::to_owned));
    let shown: Vec<&DispatchRule> = catalogue
        .rules
        .iter()
        .filter(|r| first.as_deref().is_none_or(|f| r.category == f || r.category.starts_with(&format!("{f}/"))))
        .collect();
    let form: [String; 5] = draft.unwrap_or_else(|| {
        q.edit
            .as_deref()
            .and_then(|c| {
                catalogue.rules.iter().find(|r| r.category == c && r.district.as_deref() == q.district.as_deref().filter(|d| !d.is_empty()))
            })
            .map_or_else(
                || [first.clone().unwrap_or_default(), String::new(), "street".into(), String::new(), String::new()],
                DispatchRule::to_row,
            )
    });
    let category_name =
        |code: &str| categories.iter().find(|c| c.code == code).map(|c| if lang.zh() { c.name_zh.clone() } else { c.name_en.clone() });
    let districts: Vec<&hotline_domain::Unit> = units.all().iter().filter(|u| u.class == UnitClass::District).collect();
    let named_units: Vec<&hotline_domain::Unit> =
        units.all().iter().filter(|u| matches!(u.class, UnitClass::Department | UnitClass::Utility) && !u.code.contains('-')).collect();
    let suffixes: Vec<(String, String)> = {
        let mut seen: Vec<(String, String)> = Vec::new();
        for u in units.all().iter().filter(|u| is_district_bureau(&units, u)) {
            if let Some((_, suffix)) = u.code.split_once('-')
                && !seen.iter().any(|(s, _)| s == suffix)
            {
                let t = format!("district:{suffix}");
                seen.push((suffix.to_owned(), target_label(app, lang, &t)));
            }
        }
        seen
    };
    let saved = q.saved.map(|v| format!("{} v{v}", lang.t("已保存派单目录版本", "Saved dispatch catalogue version")));
    layout(
        lang,
        lang.t("派单目录", "Dispatch catalogue"),
        Some(who),
        Nav::Admin,
        "/admin/dispatch",
        html! {
            h1 { (lang.t("派单目录", "Dispatch catalogue")) " "
                span.muted { @if let Some(v) = version { "v" (v) } @else { (lang.t("（未保存）", "(none stored)")) } " · " (catalogue.rules.len()) (lang.t(" 条规则", " rules")) }
            }
            (flash(saved.as_deref(), error.as_deref()))
            p.muted {
                (lang.t("按分类最长前缀匹配；限定某区的规则优先于全市规则。承办对象可以是属地街乡镇（无街道时由区兜底）、属地区、所在区的局委办，或指定的市级部门、公共服务企业。", "The longest category prefix wins; a rule limited to a district beats a city-wide one. The target is the place's street/township (the district when no street is known), its district, the district's own bureau, or a named department or utility."))
                " " a href="/admin/categories" { (lang.t("分类目录 →", "Category tree →")) }
            }
            @if uncovered.is_empty() {
                div.coverage.good #coverage { (lang.t("每个分类都有派单规则。", "Every category has a dispatch rule.")) }
            } @else {
                div.coverage.gap #coverage { (lang.t("以下分类没有派单规则：", "Categories without a dispatch rule: ")) (uncovered.join("、")) }
            }
            nav.tabs {
                a href="/admin/dispatch" class=[first.is_none().then_some("active")] { (lang.t("全部", "All")) }
                @for (code, zh, en) in FIRST_LEVEL_CATEGORIES {
                    a href={ "/admin/dispatch?at=" (code) } class=[(first.as_deref() == Some(code)).then_some("active")] { (code) " " (lang.t(zh, en)) }
                }
            }
            @if editable {
                section.card #rule-editor {
                    h2 { (lang.t("新增或修改规则（同一分类和区域的规则会被替换）", "Add or replace a rule (same category and district replaces)")) }
                    form method="post" action="/admin/dispatch/save" id="rule-form" {
                        input type="hidden" name="base_version" value=[version];
                        div.grid3 {
                            div { label for="r-category" { (lang.t("分类（前缀）", "Category (prefix)")) }
                                input type="text" id="r-category" name="category" list="category-codes" value=(form[0]) required; }
                            div { label for="r-district" { (lang.t("适用区域", "Applies in")) }
                                select id="r-district" name="district" {
                                    option value="" { (lang.t("全市", "Whole city")) }
                                    @for d in &districts { option value=(d.code) selected[d.code == form[1]] { (d.name) } }
                                }
                            }
                            div { label for="r-target" { (lang.t("主办单位", "Main unit")) }
                                input type="text" id="r-target" name="target" list="targets" value=(form[2]) required; }
                            div { label for="r-co" { (lang.t("协办单位（用 | 分隔）", "Co-units (separated by |)")) }
                                input type="text" id="r-co" name="co_units" value=(form[3]); }
                            div { label for="r-deadline" { (lang.t("时限类别", "Deadline class")) }
                                select id="r-deadline" name="deadline_class" {
                                    option value="" { (lang.t("按分类默认", "The category's default")) }
                                    @for u in Urgency::ALL { option value=(u.code()) selected[u.code() == form[4]] { (u.label(lang.zh())) } }
                                }
                            }
                            div { label for="r-note" { (lang.t("修改说明", "Why")) } input type="text" id="r-note" name="note" maxlength="200"; }
                        }
                        datalist #category-codes { @for c in categories.iter() { option value=(c.code) { (c.name_zh) } } }
                        datalist #targets {
                            option value="street" { (target_label(app, lang, "street")) }
                            option value="district" { (target_label(app, lang, "district")) }
                            @for (suffix, label) in &suffixes { option value={ "district:" (suffix) } { (label) } }
                            @for u in &named_units { option value=(u.code) { (u.name) } }
                        }
                        p { button type="submit" { (lang.t("保存为新版本", "Save as a new version")) } }
                    }
                }
            }
            section.card {
                table #rules {
                    thead { tr {
                        th { (lang.t("分类", "Category")) } th { (lang.t("适用区域", "Applies in")) } th { (lang.t("主办单位", "Main unit")) }
                        th { (lang.t("协办单位", "Co-units")) } th { (lang.t("时限类别", "Deadline class")) } th {}
                    } }
                    tbody {
                        @for r in &shown {
                            @let row = r.to_row();
                            tr data-category=(r.category) {
                                td { code { (r.category) } @if let Some(n) = category_name(&r.category) { " " (n) } }
                                td { @match &r.district { Some(d) => { (units.by_code(d).map_or(d.as_str(), |u| u.name.as_str())) } None => { span.muted { (lang.t("全市", "Whole city")) } } } }
                                td { (target_label(app, lang, &row[2])) }
                                td { (r.co_units.iter().map(|c| target_label(app, lang, c)).collect::<Vec<_>>().join("、")) }
                                td { (r.deadline_class.map_or_else(|| "—".to_owned(), |d| d.label(lang.zh()).to_owned())) }
                                td { @if editable {
                                    div.inline {
                                        a href={ "/admin/dispatch?edit=" (r.category) "&district=" (row[1]) } { (lang.t("修改", "Edit")) }
                                        form method="post" action="/admin/dispatch/remove" {
                                            input type="hidden" name="category" value=(r.category);
                                            input type="hidden" name="district" value=(row[1]);
                                            input type="hidden" name="base_version" value=[version];
                                            button.danger.small type="submit" data-confirm=(lang.t("确定删除此规则？", "Remove this rule?")) { (lang.t("删除", "Remove")) }
                                        }
                                    }
                                } }
                            }
                        }
                    }
                }
            }
            (versions_section(lang, clock, &versions, "/admin/dispatch/versions", editable.then(|| csv_upload(lang, version, "/admin/dispatch/import", "rules-import",
                lang.t("上传整个派单目录（CSV）", "Upload a whole catalogue (CSV)"), "category,district,target,co_units,deadline_class"))))
        },
    )
}

pub async fn rules_get(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    lang: Lang,
    PageQuery(q): PageQuery<RulesQuery>,
) -> Response {
    match viewer(&app, &headers, &uri, lang).await {
        Ok(who) => rules_page(&app, lang, &who, &q, None, None).await.into_response(),
        Err(r) => r,
    }
}

fn rule_row(f: &FormData) -> [String; 5] {
    ["category", "district", "target", "co_units", "deadline_class"].map(|k| f.text(k))
}

pub async fn rules_save(State(app): State<Arc<App>>, headers: HeaderMap, uri: Uri, lang: Lang, body: Bytes) -> Response {
    let who = match viewer(&app, &headers, &uri, lang).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let f = FormData::parse(&body).unwrap_or(FormData(Vec::new()));
    let row = rule_row(&f);
    let first = row[0].split('/').next().unwrap_or_default().to_owned();
    let result = async {
        let mut parsed = DispatchCatalogue::from_rows([[&*row[0], &*row[1], &*row[2], &*row[3], &*row[4]]])?;
        let rule = parsed.rules.pop().ok_or_else(|| AppError::bug("one row parsed to no rule"))?;
        app.edit_dispatch_rule(Some(&who), RuleEdit::Save(rule), &f.text("note"), base_version(&f)).await
    }
    .await;
    match result {
        Ok(v) => saved_redirect("/admin/dispatch", &first, v.version),
        Err(e) => {
            let q = RulesQuery { at: Some(first), ..RulesQuery::default() };
            (status_of(&e), rules_page(&app, lang, &who, &q, Some(row), Some(error_text(lang, &e))).await).into_response()
        }
    }
}

pub async fn rules_remove(State(app): State<Arc<App>>, headers: HeaderMap, uri: Uri, lang: Lang, body: Bytes) -> Response {
    let who = match viewer(&app, &headers, &uri, lang).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let f = FormData::parse(&body).unwrap_or(FormData(Vec::new()));
    let category = f.text("category");
    let first = category.split('/').next().unwrap_or_default().to_owned();
    let edit = RuleEdit::Remove { category: category.clone(), district: f.opt("district") };
    match app.edit_dispatch_rule(Some(&who), edit, &format!("删除 / removed {category}"), base_version(&f)).await {
        Ok(v) => saved_redirect("/admin/dispatch", &first, v.version),
        Err(e) => {
            let q = RulesQuery { at: Some(first), ..RulesQuery::default() };
            (status_of(&e), rules_page(&app, lang, &who, &q, None, Some(error_text(lang, &e))).await).into_response()
        }
    }
}

pub async fn rules_import(State(app): State<Arc<App>>, headers: HeaderMap, uri: Uri, lang: Lang, body: Bytes) -> Response {
    let who = match viewer(&app, &headers, &uri, lang).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let f = FormData::parse(&body).unwrap_or(FormData(Vec::new()));
    match app.save_reference_csv(Some(&who), ReferenceKind::DispatchRules, &f.text("csv"), &f.text("note"), base_version(&f)).await {
        Ok(v) => Redirect::to(&format!("/admin/dispatch?saved={}", v.version)).into_response(),
        Err(e) => {
            (status_of(&e), rules_page(&app, lang, &who, &RulesQuery::default(), None, Some(error_text(lang, &e))).await).into_response()
        }
    }
}

pub async fn rules_version(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    lang: Lang,
    axum::extract::Path(file): axum::extract::Path<String>,
) -> Response {
    version_csv(&app, &headers, &uri, lang, ReferenceKind::DispatchRules, &file).await
}
