//! The knowledge base pages: `/kb` searches the articles the visitor may read (citizens: published
//! ones, no login needed) or lists them; `/kb/{slug}` shows one, its Markdown rendered with any raw
//! HTML shown as text; `/kb/new` and `/kb/{slug}/edit` let owner units keep theirs current; `/search`
//! is the staff search over past orders and articles.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use hotline_app::kb::{ArticleView, status_label};
use hotline_app::search::{ArticleHitView, ArticleSearchInput, OrderSearchInput, SegmentView};
use hotline_app::{App, AppError, Principal};
use hotline_domain::kb::{ArticleDraft, ArticleStatus};
use hotline_domain::{CategoryPath, State as OrderState, UnitClass, Vocabulary};
use maud::{Markup, PreEscaped, html};
use pulldown_cmark::{Event, Parser, html::push_html};
use serde::Deserialize;

use super::forms::FormData;
use super::widgets::{Clock, category_select, pager};
use super::{Lang, Nav, error_text, flash, layout};
use super::{PageQuery, Staff};
use crate::extract::optional_principal;

/// Whether a link or image in an article may point there: the web, mail, phone, or this site.
/// Anything else (`javascript:`, `data:`, `vbscript:` …) would run in citizens' browsers.
fn safe_url(url: &str) -> bool {
    let u = url.trim().to_ascii_lowercase();
    let scheme = u.split_once(':').map(|(s, _)| s).filter(|s| !s.contains(['/', '?', '#']));
    match scheme {
        None => !u.starts_with("//"),
        Some(s) => matches!(s, "http" | "https" | "mailto" | "tel"),
    }
}

/// Markdown to HTML; raw HTML in an article is shown as text, never run, and links and images
/// that do not point to the web, mail, a phone or this site lead nowhere.
pub(crate) fn markdown(text: &str) -> Markup {
    use pulldown_cmark::{CowStr, Tag};
    fn defuse(url: CowStr<'_>) -> CowStr<'_> {
        if safe_url(&url) { url } else { CowStr::Borrowed("#") }
    }
    let events = Parser::new(text).map(|e| match e {
        Event::Html(h) | Event::InlineHtml(h) => Event::Text(h),
        Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
            Event::Start(Tag::Link { link_type, dest_url: defuse(dest_url), title, id })
        }
        Event::Start(Tag::Image { link_type, dest_url, title, id }) => {
            Event::Start(Tag::Image { link_type, dest_url: defuse(dest_url), title, id })
        }
        other => other,
    });
    let mut out = String::new();
    push_html(&mut out, events);
    PreEscaped(out)
}

/// A snippet with the matched words marked.
pub(crate) fn marked(segments: &[SegmentView]) -> Markup {
    html! { @for s in segments { @if s.hit { mark { (s.text) } } @else { (s.text) } } }
}

#[derive(Debug, Default, Deserialize)]
pub struct KbQuery {
    q: Option<String>,
    category: Option<String>,
    /// Text, not a number: a mangled link gets the first page, not a bare 400.
    offset: Option<String>,
    ok: Option<String>,
}

fn title(lang: Lang, a: &ArticleView) -> String {
    if lang.zh() || a.title_en.trim().is_empty() { a.title_zh.clone() } else { a.title_en.clone() }
}

/// A hit's title and snippet in the page language (Chinese when the article has no English).
fn hit_texts(lang: Lang, h: &ArticleHitView) -> (&[SegmentView], &[SegmentView]) {
    if lang.zh() || h.title_en.is_empty() {
        (&h.title_zh, &h.body_zh)
    } else {
        (&h.title_en, if h.body_en.is_empty() { &h.body_zh } else { &h.body_en })
    }
}

/// First-level categories, for citizens to narrow a search.
fn first_level_select(app: &App, lang: Lang, selected: Option<&str>) -> Markup {
    let cats = app.categories();
    html! {
        label.filter for="kb-category" { (lang.t("分类", "Category")) }
        select name="category" id="kb-category" {
            option value="" { (lang.t("全部分类", "All categories")) }
            @for c in cats.iter().filter(|c| !c.code.contains('/')) {
                option value=(c.code) selected[selected == Some(c.code.as_str())] { (if lang.zh() { &c.name_zh } else { &c.name_en }) }
            }
        }
    }
}

const PAGE: u32 = 10;

/// Whether hits remain after the page starting at `offset`.
fn more_after(offset: u32, limit: u32, total: usize) -> bool {
    usize::try_from(offset + limit).is_ok_and(|shown| shown < total)
}

pub async fn kb_page(State(app): State<Arc<App>>, headers: HeaderMap, lang: Lang, PageQuery(q): PageQuery<KbQuery>) -> Response {
    let who = optional_principal(&app, &headers).await;
    let text = q.q.unwrap_or_default();
    let category = q.category.filter(|c| !c.trim().is_empty());
    let offset = q.offset.as_deref().and_then(|o| o.parse().ok()).unwrap_or(0);
    let searching = !text.trim().is_empty();
    let results = if searching {
        let input = ArticleSearchInput { q: text.clone(), category: category.clone(), limit: Some(PAGE), offset: Some(offset) };
        Some(app.search_articles(who.as_ref(), &input).await)
    } else {
        None
    };
    let listed = if searching { None } else { Some(app.articles(who.as_ref(), category.as_deref()).await) };
    let review = match &who {
        Some(p) => app.articles_to_review(p).await.unwrap_or_default(),
        None => Vec::new(),
    };
    let may_write = who.as_ref().is_some_and(|p| app.may_write_articles(p));
    let staff = who.is_some();
    let body = html! {
        h1 { (lang.t("知识库", "Knowledge base")) }
        @if q.ok.is_some() { (flash(Some(lang.t("已保存", "Saved")), None)) }
        p.muted { (lang.t("常见问题的办事指南和政策说明。找不到答案时，可以提交诉求或拨打 12345。", "Guides and policies for common questions. If the answer is not here, submit a request or call 12345.")) }
        form.inline method="get" action="/kb" role="search" {
            label.filter for="kb-q" { (lang.t("查找文章", "Find articles")) }
            input type="search" name="q" id="kb-q" value=(text) placeholder=(lang.t("输入关键词，如 供暖、电梯、工资", "Type a word, e.g. heating, elevator, wages"));
            (first_level_select(&app, lang, category.as_deref()))
            button type="submit" { (lang.t("查找", "Find")) }
            @if may_write { " " a.button href="/kb/new" { (lang.t("新建文章", "New article")) } }
        }
        @if !review.is_empty() {
            section.card #kb-review {
                h2 { (lang.t("待复核的文章（已过复核日期）", "Articles due for review (past their review date)")) }
                ul { @for a in &review { li { a href={ "/kb/" (a.slug) "/edit" } { (title(lang, a)) } " " span.muted { (a.owner.name) " · " (lang.t("复核日期 ", "review by ")) (a.review_by.map(|d| d.to_string()).unwrap_or_default()) } } } }
            }
        }
        @match &results {
            Some(Err(e)) => { (flash(None, Some(&error_text(lang, e)))) }
            Some(Ok(found)) => {
                p.muted #kb-total { (lang.t("找到 ", "Found ")) (found.total) (lang.t(" 篇", " articles")) }
                @if found.hits.is_empty() { p #kb-none { (lang.t("没有找到相关文章。", "No article matches.")) } }
                ol.kb.hits #kb-list {
                    @for h in &found.hits {
                        @let (t, snippet) = hit_texts(lang, h);
                        li data-slug=(h.slug) {
                            a.title href={ "/kb/" (h.slug) } { (marked(t)) }
                            @if h.sample { " " span.badge { (lang.t("示例内容", "Sample content")) } }
                            @if h.status != "public" { " " span.badge { (status_label(&h.status, lang.zh())) } }
                            p.snippet { (marked(snippet)) }
                            p.muted { (h.owner.name) }
                        }
                    }
                }
                @let base = format!("/kb?{}", serde_urlencoded::to_string([("q", text.as_str()), ("category", category.as_deref().unwrap_or(""))]).unwrap_or_default());
                (pager(lang, &base, offset, PAGE, more_after(offset, PAGE, found.total)))
            }
            None => {}
        }
        @match &listed {
            Some(Err(e)) => { (flash(None, Some(&error_text(lang, e)))) }
            Some(Ok(list)) => {
                @if list.is_empty() { p #kb-none { (lang.t("没有文章。", "No articles.")) } }
                ul.kb #kb-list {
                    @for a in list {
                        li data-slug=(a.slug) {
                            a href={ "/kb/" (a.slug) } { (title(lang, a)) }
                            " " span.muted { (a.owner.name) }
                            @if a.sample { " " span.badge { (lang.t("示例内容", "Sample content")) } }
                            @if a.status != "public" { " " span.badge { (status_label(&a.status, lang.zh())) } }
                            @if staff && a.needs_review { " " span.badge.supervised { (lang.t("待复核", "Review due")) } }
                            @if staff && a.uses > 0 { " " span.muted.uses { (lang.t("已用于答复 ", "answered ")) (a.uses) (lang.t(" 次", " calls")) } }
                        }
                    }
                }
            }
            None => {}
        }
    };
    layout(lang, lang.t("知识库", "Knowledge base"), who.as_ref(), Nav::Kb, "/kb", body).into_response()
}

#[derive(Debug, Default, Deserialize)]
pub struct VersionQuery {
    version: Option<String>,
}

pub async fn article_page(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    lang: Lang,
    Path(slug): Path<String>,
    PageQuery(vq): PageQuery<VersionQuery>,
) -> Response {
    let who = optional_principal(&app, &headers).await;
    let path = format!("/kb/{slug}");
    let shown = match (&who, vq.version.as_deref().and_then(|v| v.parse::<i64>().ok())) {
        (Some(p), Some(v)) => app.article_at_version(p, &slug, v).await,
        _ => app.article(who.as_ref(), &slug).await,
    };
    let history = match &who {
        Some(p) => app.article_history(p, &slug).await.unwrap_or_default(),
        None => Vec::new(),
    };
    let clock = Clock::of(&app).await;
    match shown {
        Ok(a) => {
            let old = history.first().is_some_and(|h| h.version != a.version);
            let body_text = if lang.zh() || a.body_en.trim().is_empty() { &a.body_zh } else { &a.body_en };
            let editable = who.as_ref().is_some_and(|p| app.may_edit_article(p, hotline_domain::UnitId(a.owner.id)));
            let body = html! {
                p { a href="/kb" { "← " (lang.t("知识库", "Knowledge base")) } }
                h1 #article-title { (title(lang, &a)) }
                p.muted {
                    (lang.t("负责单位：", "Owner: ")) (a.owner.name)
                    @if let Some(d) = a.effective_from { " · " (lang.t("生效：", "in force from ")) (d) }
                    " · " (lang.t("版本 ", "version ")) (a.version)
                    @if a.sample { " " span.badge { (lang.t("示例内容，非官方发布", "Sample content, not official")) } }
                    @if a.status != "public" { " " span.badge { (status_label(&a.status, lang.zh())) } }
                }
                @if who.is_some() {
                    p.muted #article-staff {
                        (lang.t("已用于直接答复 ", "Used to answer ")) span #article-uses { (a.uses) } (lang.t(" 次", " calls directly"))
                        @if let Some(r) = a.review_by { " · " (lang.t("复核日期 ", "review by ")) (r) }
                        @if a.needs_review { " " span.badge.supervised { (lang.t("已过复核日期", "Review due")) } }
                        @if editable { " · " a #article-edit href={ "/kb/" (a.slug) "/edit" } { (lang.t("编辑", "Edit")) } }
                    }
                }
                @if old { (flash(None, Some(lang.t("这是旧版本，不是现行内容。", "This is an earlier version, not the one in force.")))) }
                article.card #article-body { (markdown(body_text)) }
                @if history.len() > 1 {
                    details #article-history {
                        summary { (lang.t("版本历史", "Versions")) " (" (history.len()) ")" }
                        ul { @for h in &history {
                            li { a href={ "/kb/" (a.slug) "?version=" (h.version) } { (lang.t("版本 ", "version ")) (h.version) } " · " (clock.fmt(h.saved_at)) " · " (h.saved_by) " · " (status_label(&h.status, lang.zh())) }
                        } }
                    }
                }
                p.muted { (lang.t("没有解决您的问题？", "Not answered?")) " " a href="/citizen" { (lang.t("提交诉求", "Submit a request")) } }
            };
            layout(lang, &title(lang, &a), who.as_ref(), Nav::Kb, &path, body).into_response()
        }
        Err(e) => {
            let body = html! { h1 { (lang.t("知识库", "Knowledge base")) } (flash(None, Some(&error_text(lang, &e)))) p { a href="/kb" { (lang.t("返回知识库", "Back to the knowledge base")) } } };
            (StatusCode::NOT_FOUND, layout(lang, "404", who.as_ref(), Nav::Kb, &path, body)).into_response()
        }
    }
}

// ---------- editing ----------

/// The edit form, filled from `f` (the saved article, or what was posted when it was refused).
fn edit_form(app: &App, lang: Lang, who: &Principal, f: &FormData, error: Option<&str>) -> Markup {
    let v = |k: &str| f.text(k);
    let is_new = f.opt("base_version").is_none();
    let dir = app.units();
    // Unit users write for their unit (a unit admin also for the units below); the centre's editors for any.
    let owners: Vec<_> = match (who.role.is_unit_role(), who.unit) {
        (true, Some(u)) => dir.subtree(u).into_iter().filter_map(|id| dir.get(id)).filter(|u| u.class != UnitClass::Community).collect(),
        _ => dir.all().iter().filter(|u| u.class != UnitClass::Community).collect(),
    };
    let heading = if is_new {
        lang.t("新建知识库文章", "New knowledge-base article").to_owned()
    } else {
        format!("{} {}", lang.t("编辑", "Edit"), v("slug"))
    };
    let path = if is_new { "/kb/new".to_owned() } else { format!("/kb/{}/edit", v("slug")) };
    layout(
        lang,
        &heading,
        Some(who),
        Nav::Kb,
        &path,
        html! {
            h1 { (heading) }
            (flash(None, error))
            form.card method="post" action="/kb/save" #article-form {
                input type="hidden" name="base_version" value=(v("base_version"));
                div.grid3 {
                    div { label for="slug" { (lang.t("标识（网址用，小写字母、数字、-）", "Slug (for the URL: a-z, 0-9, -)")) }
                        @if is_new { input type="text" id="slug" name="slug" value=(v("slug")) required pattern="[a-z0-9-]{1,80}"; }
                        @else { input type="text" id="slug" name="slug" value=(v("slug")) readonly; }
                    }
                    div { label for="status" { (lang.t("状态", "Status")) }
                        select name="status" id="status" {
                            @for s in ArticleStatus::all() { option value=(s.code()) selected[f.get("status") == Some(s.code())] { (s.label(lang.zh())) } }
                        }
                    }
                    div { label for="owner" { (lang.t("负责单位", "Owner unit")) }
                        select name="owner" id="owner" {
                            @for u in &owners { option value=(u.code) selected[f.get("owner") == Some(u.code.as_str())] { (u.name) } }
                        }
                    }
                    div { label for="title_zh" { (lang.t("中文标题", "Chinese title")) } input type="text" id="title_zh" name="title_zh" value=(v("title_zh")) required maxlength="200"; }
                    div { label for="title_en" { (lang.t("英文标题", "English title")) } input type="text" id="title_en" name="title_en" value=(v("title_en")) maxlength="300"; }
                    div { label for="categories" { (lang.t("适用分类（代码，逗号分隔）", "Categories served (codes, comma-separated)")) } input type="text" id="categories" name="categories" value=(v("categories")) placeholder="UTL/heating, CON/elevator"; }
                    div { label for="effective" { (lang.t("生效日期", "In force from")) } input type="date" id="effective" name="effective" value=(v("effective")); }
                    div { label for="review_by" { (lang.t("复核日期", "Review by")) } input type="date" id="review_by" name="review_by" value=(v("review_by")); }
                    div { label { input type="checkbox" name="sample" checked[f.checked("sample")]; " " (lang.t("示例内容（非官方）", "Sample content (not official)")) } }
                }
                label for="body_zh" { (lang.t("中文正文（Markdown）", "Chinese text (Markdown)")) }
                textarea id="body_zh" name="body_zh" rows="14" required { (v("body_zh")) }
                label for="body_en" { (lang.t("英文正文（Markdown，可空）", "English text (Markdown, optional)")) }
                textarea id="body_en" name="body_en" rows="8" { (v("body_en")) }
                p { button type="submit" id="article-save" { (lang.t("保存", "Save")) } " " span.muted { (lang.t("每次保存都是一个新版本；他人先保存时会提示。", "Each save is a new version; you are told if someone saved first.")) } }
            }
        },
    )
}

fn form_of(d: &ArticleDraft, version: Option<i64>) -> FormData {
    let mut f = vec![
        ("slug", d.slug.clone()),
        ("status", d.status.code().to_owned()),
        ("owner", d.owner.clone()),
        ("title_zh", d.title_zh.clone()),
        ("title_en", d.title_en.clone()),
        ("categories", d.categories.iter().map(CategoryPath::as_str).collect::<Vec<_>>().join(", ")),
        ("effective", d.effective_from.map(|x| x.to_string()).unwrap_or_default()),
        ("review_by", d.review_by.map(|x| x.to_string()).unwrap_or_default()),
        ("body_zh", d.body_zh.clone()),
        ("body_en", d.body_en.clone()),
        ("base_version", version.map(|v| v.to_string()).unwrap_or_default()),
    ];
    if d.sample {
        f.push(("sample", "on".to_owned()));
    }
    FormData(f.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

fn draft_of(f: &FormData) -> Result<(ArticleDraft, Option<i64>), AppError> {
    let bad =
        |field: &str, zh: &str, en: &str| AppError::Validation(hotline_domain::ValidationError::new(field, "invalid_form_value", zh, en));
    let date = |k: &str| -> Result<Option<NaiveDate>, AppError> {
        f.opt(k)
            .map(|v| NaiveDate::parse_from_str(&v, "%Y-%m-%d").map_err(|_| bad(k, "日期格式应为 YYYY-MM-DD", "Dates are YYYY-MM-DD")))
            .transpose()
    };
    let categories = f
        .text("categories")
        .split([',', '，'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(CategoryPath::parse)
        .collect::<Result<Vec<_>, _>>()?;
    let draft = ArticleDraft {
        slug: f.text("slug").trim().to_owned(),
        status: ArticleStatus::parse(f.get("status").unwrap_or("draft"))?,
        owner: f.text("owner"),
        categories,
        title_zh: f.text("title_zh").trim().to_owned(),
        title_en: f.text("title_en").trim().to_owned(),
        body_zh: f.text("body_zh").replace("\r\n", "\n"),
        body_en: f.text("body_en").replace("\r\n", "\n"),
        effective_from: date("effective")?,
        review_by: date("review_by")?,
        sample: f.checked("sample"),
    };
    let base = f.id("base_version")?;
    Ok((draft, base))
}

pub async fn new_article_page(State(app): State<Arc<App>>, Staff { who, lang }: Staff) -> Response {
    if !app.may_write_articles(&who) {
        let e = AppError::forbidden("您不能编写知识库文章", "You may not write knowledge-base articles");
        return (StatusCode::FORBIDDEN, layout(lang, "403", Some(&who), Nav::Kb, "/kb/new", flash(None, Some(&error_text(lang, &e)))))
            .into_response();
    }
    let owner = who.unit.and_then(|u| app.units().get(u).map(|u| u.code.clone())).unwrap_or_default();
    let f = FormData(vec![("owner".into(), owner), ("status".into(), "draft".into())]);
    edit_form(&app, lang, &who, &f, None).into_response()
}

pub async fn edit_article_page(State(app): State<Arc<App>>, Staff { who, lang }: Staff, Path(slug): Path<String>) -> Response {
    match app.article_for_edit(&who, &slug).await {
        Ok((draft, version)) => edit_form(&app, lang, &who, &form_of(&draft, Some(version)), None).into_response(),
        Err(e) => (
            crate::error::status_for(&e),
            layout(lang, "—", Some(&who), Nav::Kb, &format!("/kb/{slug}/edit"), flash(None, Some(&error_text(lang, &e)))),
        )
            .into_response(),
    }
}

pub async fn save_article_submit(State(app): State<Arc<App>>, Staff { who, lang }: Staff, body: Bytes) -> Response {
    let f = FormData::parse(&body).unwrap_or(FormData(Vec::new()));
    let saved = match draft_of(&f) {
        Ok((draft, base)) => app.save_article_draft(&who, draft, base).await,
        Err(e) => Err(e),
    };
    match saved {
        Ok(a) => Redirect::to(&format!("/kb/{}", a.slug)).into_response(),
        Err(e) => (crate::error::status_for(&e), edit_form(&app, lang, &who, &f, Some(&error_text(lang, &e)))).into_response(),
    }
}

// ---------- staff search ----------

#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
    kind: Option<String>,
    category: Option<String>,
    district: Option<String>,
    street: Option<String>,
    unit: Option<String>,
    nature: Option<String>,
    channel: Option<String>,
    age_group: Option<String>,
    language: Option<String>,
    state: Option<String>,
    from: Option<String>,
    to: Option<String>,
    offset: Option<String>,
}

fn state_label(lang: Lang, code: &str) -> String {
    OrderState::parse(code).map_or_else(|_| code.to_owned(), |s| s.label(lang.zh()).to_owned())
}

pub async fn search_page(State(app): State<Arc<App>>, Staff { who, lang }: Staff, PageQuery(q): PageQuery<SearchQuery>) -> Response {
    let text = q.q.clone().unwrap_or_default();
    let articles = q.kind.as_deref() == Some("articles");
    let offset = q.offset.as_deref().and_then(|o| o.parse().ok()).unwrap_or(0);
    let opt = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    let date = |s: &Option<String>| opt(s).and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok());
    let clock = Clock::of(&app).await;
    let dir = app.units();
    let districts: Vec<_> = dir.all().iter().filter(|u| u.class == UnitClass::District).collect();
    // Words, or (for orders) filters alone: the analytics pages link here with filters only.
    let filtered =
        [&q.category, &q.district, &q.street, &q.unit, &q.nature, &q.channel, &q.age_group, &q.language, &q.state, &q.from, &q.to]
            .iter()
            .any(|f| opt(f).is_some());
    let searched = !text.trim().is_empty() || (filtered && !articles);
    let results = html! {
        @if searched && articles {
            @match app.search_articles(Some(&who), &ArticleSearchInput { q: text.clone(), category: opt(&q.category), limit: Some(20), offset: Some(offset) }).await {
                Err(e) => { (flash(None, Some(&error_text(lang, &e)))) }
                Ok(found) => {
                    p.muted #search-total { (lang.t("找到文章 ", "Articles found: ")) (found.total) }
                    @if found.hits.is_empty() { p #search-none { (lang.t("没有找到相关文章。", "No article matches.")) } }
                    ol.hits #search-hits {
                        @for h in &found.hits {
                            @let (t, snippet) = hit_texts(lang, h);
                            li { a.title href={ "/kb/" (h.slug) } { (marked(t)) } " " span.muted { (h.owner.name) } p.snippet { (marked(snippet)) } }
                        }
                    }
                }
            }
        }
        @if searched && !articles {
            @let input = OrderSearchInput {
                q: text.clone(), category: opt(&q.category), district: opt(&q.district), street: opt(&q.street), unit: opt(&q.unit),
                nature: opt(&q.nature), channel: opt(&q.channel), age_group: opt(&q.age_group), language: opt(&q.language),
                state: opt(&q.state), from: date(&q.from), to: date(&q.to), limit: Some(20), offset: Some(offset), exclude: None,
            };
            @match app.search_orders(&who, &input).await {
                Err(e) => { (flash(None, Some(&error_text(lang, &e)))) }
                Ok(found) => {
                    p.muted #search-total { (lang.t("找到工单 ", "Orders found: ")) (found.total) }
                    @if found.hits.is_empty() { p #search-none { (lang.t("没有找到相关工单。可以换个说法，或去掉筛选条件。", "No order matches. Try other words or fewer filters.")) } }
                    table.orders #search-hits .hidden[found.hits.is_empty()] {
                        thead { tr { th { (lang.t("编号", "Number")) } th { (lang.t("受理时间", "Received")) } th { (lang.t("状态", "State")) } th { (lang.t("主办单位", "Main unit")) } th { (lang.t("内容与答复", "Request and reply")) } } }
                        tbody {
                            @for h in &found.hits {
                                tr {
                                    td { a href={ "/orders/" (h.number) } { (h.number) } }
                                    td { (clock.fmt(h.received_at)) }
                                    td { span.badge.state { (state_label(lang, &h.state)) } }
                                    td { (h.main_unit.as_ref().map(|u| u.name.clone()).unwrap_or_default()) }
                                    td {
                                        div.snippet { (marked(&h.description)) }
                                        @if !h.address.is_empty() { div.snippet.muted { (lang.t("地址：", "Address: ")) (marked(&h.address)) } }
                                        @if !h.reply.is_empty() { div.snippet.reply { (lang.t("答复：", "Reply: ")) (marked(&h.reply)) } }
                                    }
                                }
                            }
                        }
                    }
                    @let base = format!("/search?{}", serde_urlencoded::to_string(
                        [("q", text.as_str()), ("kind", "orders"), ("category", q.category.as_deref().unwrap_or("")), ("district", q.district.as_deref().unwrap_or("")),
                         ("street", q.street.as_deref().unwrap_or("")), ("unit", q.unit.as_deref().unwrap_or("")), ("nature", q.nature.as_deref().unwrap_or("")),
                         ("channel", q.channel.as_deref().unwrap_or("")), ("age_group", q.age_group.as_deref().unwrap_or("")), ("language", q.language.as_deref().unwrap_or("")),
                         ("state", q.state.as_deref().unwrap_or("")), ("from", q.from.as_deref().unwrap_or("")), ("to", q.to.as_deref().unwrap_or(""))]).unwrap_or_default());
                    (pager(lang, &base, offset, 20, more_after(offset, 20, found.total)))
                }
            }
        }
    };
    let body = html! {
        h1 { (lang.t("检索", "Search")) }
        form.card method="get" action="/search" role="search" #search-form {
            div.inline {
                label { input type="radio" name="kind" value="orders" checked[!articles]; " " (lang.t("历史工单", "Past orders")) }
                label { input type="radio" name="kind" value="articles" checked[articles]; " " (lang.t("知识库", "Knowledge base")) }
            }
            div.grid3 {
                div { label for="search-q" { (lang.t("关键词", "Words")) } input type="search" id="search-q" name="q" value=(text) autofocus placeholder=(lang.t("如：电梯 困人、停车 收费、heating", "e.g. 电梯 困人, parking fee, heating")); }
                div { label for="search-category" { (lang.t("分类", "Category")) } (category_select(&app, lang, "category", "search-category", q.category.as_deref()).await) }
                div { label for="search-district" { (lang.t("区（工单）", "District (orders)")) }
                    select name="district" id="search-district" {
                        option value="" { "—" }
                        @for d in &districts { option value=(d.id.0) selected[q.district.as_deref() == Some(d.id.0.to_string().as_str())] { (d.name) } }
                    }
                }
                @if !who.role.is_unit_role() {
                    div { label for="search-unit" { (lang.t("承办单位（工单）", "Handling unit (orders)")) }
                        select name="unit" id="search-unit" {
                            option value="" { "—" }
                            @for u in dir.all().iter().filter(|u| !matches!(u.class, UnitClass::Community | UnitClass::Centre)) {
                                option value=(u.id.0) selected[q.unit.as_deref() == Some(u.id.0.to_string().as_str())] { (u.name) }
                            }
                        }
                    }
                }
                div { label for="search-state" { (lang.t("状态（工单）", "State (orders)")) }
                    select name="state" id="search-state" {
                        option value="" { "—" }
                        @for s in OrderState::ALL { option value=(s.code()) selected[q.state.as_deref() == Some(s.code())] { (s.label(lang.zh())) } }
                    }
                }
                div { label for="search-from" { (lang.t("受理日期从", "Received from")) } input type="date" id="search-from" name="from" value=(q.from.clone().unwrap_or_default()); }
                div { label for="search-to" { (lang.t("至", "to")) } input type="date" id="search-to" name="to" value=(q.to.clone().unwrap_or_default()); }
                div { label for="search-nature" { (lang.t("诉求性质（工单）", "Nature (orders)")) }
                    select name="nature" id="search-nature" {
                        option value="" { "—" }
                        @for n in hotline_domain::Nature::ALL { option value=(n.code()) selected[q.nature.as_deref() == Some(n.code())] { (n.label(lang.zh())) } }
                    }
                }
                div { label for="search-channel" { (lang.t("渠道（工单）", "Channel (orders)")) }
                    select name="channel" id="search-channel" {
                        option value="" { "—" }
                        @for c in hotline_domain::Channel::ALL { option value=(c.code()) selected[q.channel.as_deref() == Some(c.code())] { (c.label(lang.zh())) } }
                    }
                }
                div { label for="search-age" { (lang.t("年龄段（工单）", "Age group (orders)")) }
                    select name="age_group" id="search-age" {
                        option value="" { "—" }
                        @for a in hotline_domain::AgeGroup::ALL { option value=(a.code()) selected[q.age_group.as_deref() == Some(a.code())] { (a.label(lang.zh())) } }
                    }
                }
                @if let Some(street) = opt(&q.street) { input type="hidden" name="street" value=(street); }
                @if let Some(language) = opt(&q.language) { input type="hidden" name="language" value=(language); }
            }
            p { button type="submit" { (lang.t("检索", "Search")) } " " span.muted { (lang.t("中文按词匹配（如“停车”“电梯”），英文按词形匹配；不填关键词时按筛选条件列出工单（最新在前）。", "Chinese is matched by words (停车, 电梯), English by word forms; without words, the orders the filters select are listed, newest first.")) } }
        }
        (results)
    };
    layout(lang, lang.t("检索", "Search"), Some(&who), Nav::Search, "/search", body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn article_markdown_cannot_run_script_in_a_readers_browser() {
        let html = markdown(
            "[a](javascript:alert(1)) [b](JaVaScRiPt:x) ![c](data:text/html,x) [d](vbscript:x) [e](//evil.org) <script>x</script>",
        )
        .0;
        assert!(!html.to_lowercase().contains("javascript:") && !html.contains("data:") && !html.contains("vbscript:"), "{html}");
        assert!(!html.contains("href=\"//evil.org") && !html.contains("<script>"), "{html}");
        let ok = markdown("[官网](https://www.beijing.gov.cn/) [电话](tel:12345) [本站](/kb/heating-season) [邮件](mailto:a@b.cn)").0;
        for href in ["https://www.beijing.gov.cn/", "tel:12345", "/kb/heating-season", "mailto:a@b.cn"] {
            assert!(ok.contains(&format!("href=\"{href}\"")), "{ok}");
        }
    }
}
