//! The intake page (受理): the form an operator fills during a call, with triage suggestions, the
//! knowledge base, similar past orders and the caller's earlier orders beside it.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use hotline_app::orders::ListInput;
use hotline_app::{App, Principal};
use hotline_domain::{AgeGroup, Channel, EmergencyService, Nature, UnitClass, Urgency};
use maud::{Markup, html};
use serde::Deserialize;

use super::forms::{self, FormData};
use super::widgets::{Clock, badges, category_select, unit_picker, vocab_select};
use super::{Lang, Nav, error_text, flash, form_token, layout, user};
use super::{PageQuery, Staff};

// ---------- intake ----------

async fn intake_form(app: &App, lang: Lang, who: &Principal, f: &FormData, error: Option<&str>) -> Markup {
    let dir = app.units();
    let v = |k: &str| f.text(k);
    let disposition = f.get("disposition").unwrap_or("dispatch").to_owned();
    let districts: Vec<_> = dir.all().iter().filter(|u| u.class == UnitClass::District).collect();
    let selected_main: Vec<i64> = f.id("main_unit").ok().flatten().into_iter().collect();
    let selected_co: Vec<i64> = f.ids("co_units").unwrap_or_default();
    let token = f.opt("form_token").unwrap_or_else(form_token);
    // Emergency mode: the active incidents, with their scripts and the one key. A failure to read
    // them must not keep the operator from taking the call.
    let incidents = app.intake_incidents(who).await.unwrap_or_default();
    // A form shown again after an error names its linked article by title, as when it was chosen.
    let article_title = match f.opt("article") {
        Some(slug) => match app.article(Some(who), &slug).await {
            Ok(a) if !lang.zh() && !a.title_en.is_empty() => a.title_en,
            Ok(a) => a.title_zh,
            Err(_) => slug,
        },
        None => String::new(),
    };
    let dispo = |code: &str, zh: &str, en: &str, key: &str| {
        html! {
            label { input type="radio" name="disposition" value=(code) checked[disposition == code] accesskey=(key); " " (lang.t(zh, en)) " " kbd { "Alt+" (key) } }
        }
    };
    layout(
        lang,
        lang.t("受理", "Intake"),
        Some(who),
        Nav::Intake,
        "/intake",
        html! {
            h1 { (lang.t("受理来电", "Take a request")) }
            (flash(None, error))
            div.grid2 {
                form.card method="post" action="/intake" id="intake-form" {
                    input type="hidden" name="form_token" value=(token);
                    input type="hidden" name="suggestion" id="suggestion" value=(v("suggestion"));
                    (super::incidents::intake_banner(lang, &incidents))
                    div.grid3 {
                        div { label for="phone" { (lang.t("来电号码", "Caller's phone")) } input type="tel" id="phone" name="phone" value=(v("phone")) autofocus autocomplete="off"; }
                        div { label for="name" { (lang.t("诉求人姓名", "Requester's name")) } input type="text" id="name" name="name" value=(v("name")); }
                        div { label for="channel" { (lang.t("渠道", "Channel")) } (vocab_select::<Channel>("channel", "channel", lang, f.get("channel").or(Some("phone")), false)) }
                        div { label for="language" { (lang.t("语言", "Language")) }
                            select name="language" id="language" {
                                @for (c, zh, en) in [("zh", "中文", "Chinese"), ("en", "英语", "English"), ("fr", "法语", "French"), ("de", "德语", "German"), ("es", "西班牙语", "Spanish"), ("ru", "俄语", "Russian"), ("ja", "日语", "Japanese"), ("ko", "韩语", "Korean"), ("ar", "阿拉伯语", "Arabic")] {
                                    option value=(c) selected[f.get("language") == Some(c)] { (lang.t(zh, en)) }
                                }
                            }
                        }
                        div { label for="age_group" { (lang.t("年龄段", "Age group")) } (vocab_select::<AgeGroup>("age_group", "age_group", lang, f.get("age_group"), true)) }
                        div { label { input type="checkbox" name="confidential" checked[f.checked("confidential")]; " " (lang.t("诉求人要求保密", "Requester asks for confidentiality")) } }
                    }
                    label for="description" { (lang.t("诉求内容", "What the caller says")) }
                    textarea id="description" name="description" required maxlength="4000" { (v("description")) }
                    div #emergency-prompt .emergency-prompt .hidden role="alert" aria-live="assertive"
                        data-possible=(lang.t("可能紧急", "Possible emergency")) data-certain=(lang.t("紧急", "Emergency"))
                        data-then=(lang.t("确认后：", "Confirming sets: ")) {
                        strong #emergency-title {} " " span #emergency-reason {} " " span.muted #emergency-then {}
                        " " button.danger type="button" #emergency-confirm { (lang.t("确认紧急", "Confirm emergency")) " " kbd { "Alt+E" } }
                    }
                    div.grid3 {
                        div { label for="district" { (lang.t("区", "District")) }
                            select name="district" id="district" {
                                option value="" { "—" }
                                @for d in &districts { option value=(d.id.0) selected[f.get("district") == Some(d.id.0.to_string().as_str())] { (d.name) } }
                            }
                        }
                        div { label for="street" { (lang.t("街道/乡镇", "Street/township")) }
                            select name="street" id="street" {
                                option value="" { "—" }
                                @for d in &districts {
                                    optgroup label=(d.name) data-district=(d.id.0) {
                                        @for s in dir.children(d.id).iter().filter_map(|c| dir.get(*c)).filter(|u| u.class == UnitClass::Street) {
                                            option value=(s.id.0) selected[f.get("street") == Some(s.id.0.to_string().as_str())] { (s.name) }
                                        }
                                    }
                                }
                            }
                        }
                        div { label for="address" { (lang.t("详细地址", "Address")) } input type="text" id="address" name="address" value=(v("address")) maxlength="300"; }
                    }
                    p.muted id="place-hint" data-label=(lang.t("识别地点", "Place found")) data-ambiguous=(lang.t("地名有歧义，可能是", "Ambiguous name, could be")) {}
                    div.grid3 {
                        div { label for="nature" { (lang.t("诉求性质", "Nature")) } (vocab_select::<Nature>("nature", "nature", lang, f.get("nature"), true)) }
                        div { label for="category" { (lang.t("分类", "Category")) } (category_select(app, lang, "category", "category", f.get("category")).await) }
                        div { label for="urgency" { (lang.t("紧急程度", "Urgency")) } (vocab_select::<Urgency>("urgency", "urgency", lang, f.get("urgency").or(Some("general")), false)) }
                    }
                    h2 { (lang.t("处置方式", "Disposition")) }
                    div.inline {
                        (dispo("dispatch", "派单", "Dispatch", "1"))
                        (dispo("answer", "直接答复", "Answer directly", "2"))
                        (dispo("transfer", "转紧急服务", "Transfer to 110/119/120/122", "3"))
                        (dispo("redirect", "告知其他渠道", "Redirect", "4"))
                        (dispo("link_duplicate", "重复件并单", "Link duplicate", "5"))
                    }
                    div data-disposition="dispatch" {
                        label for="main_unit" { (lang.t("主办单位", "Main unit")) " " span.muted id="dispatch-hint" data-label=(lang.t("派单目录建议", "Catalogue suggests")) {} }
                        (unit_picker(lang, &dir, "main_unit", "main_unit", false, true, &selected_main))
                        details { summary { (lang.t("协办单位（可多选）", "Co-units (optional)")) }
                            label for="co_units" { (lang.t("协办单位", "Co-units")) }
                            (unit_picker(lang, &dir, "co_units", "co_units", true, false, &selected_co))
                        }
                        label for="dispatch_note" { (lang.t("派单说明", "Note to the unit")) }
                        input type="text" id="dispatch_note" name="dispatch_note" value=(v("dispatch_note"));
                    }
                    div data-disposition="answer" {
                        label for="answer" { (lang.t("答复内容", "Answer given")) }
                        textarea id="answer" name="answer" { (v("answer")) }
                        input type="hidden" name="article" id="article" value=(v("article"));
                        p.muted #answer-article .hidden[f.opt("article").is_none()] {
                            (lang.t("答复依据知识库文章：", "Answered from the article: ")) a #answer-article-link href={ "/kb/" (v("article")) } target="_blank" { (article_title) }
                            " " button.small.secondary type="button" #answer-article-clear { (lang.t("取消关联", "Unlink")) }
                        }
                    }
                    div data-disposition="transfer" {
                        label for="service" { (lang.t("转至", "Transfer to")) } (vocab_select::<EmergencyService>("service", "service", lang, f.get("service"), false))
                        label for="transfer_note" { (lang.t("说明", "Note")) } input type="text" id="transfer_note" name="transfer_note" value=(v("transfer_note"));
                    }
                    div data-disposition="redirect" { label for="redirect_reason" { (lang.t("告知的渠道与理由", "Channel given and why")) } textarea id="redirect_reason" name="redirect_reason" { (v("redirect_reason")) } }
                    div data-disposition="link_duplicate" { label for="duplicate_of" { (lang.t("重复的工单编号", "Order it repeats")) } input type="text" id="duplicate_of" name="duplicate_of" value=(v("duplicate_of")); }
                    p { button type="submit" id="intake-submit" { (lang.t("提交", "Submit")) } " " span.muted { kbd { "Ctrl+Enter" } } }
                }
                aside.card {
                    section #triage-panel data-zh=(if lang.zh() { "1" } else { "0" }) {
                        h2 { (lang.t("智能分拣建议", "Triage suggestions")) }
                        p.muted #triage-empty { (lang.t("输入诉求内容后显示", "Shown as the request is typed")) }
                        div #triage-body .hidden {
                            p #triage-rule .hidden {}
                            p #triage-place .muted {}
                            dl.kv {
                                dt { (lang.t("性质", "Nature")) " " kbd { "Alt+N" } } dd #triage-nature {}
                                dt { (lang.t("分类", "Category")) " " kbd { "Alt+C" } } dd #triage-category {}
                                dt { (lang.t("紧急程度", "Urgency")) " " kbd { "Alt+U" } } dd #triage-urgency {}
                                dt { (lang.t("处置", "Disposition")) " " kbd { "Alt+D" } } dd #triage-disposition {}
                            }
                            p { button.secondary type="button" #triage-accept-all { (lang.t("全部采用", "Accept all")) " " kbd { "Alt+A" } } }
                            div #triage-duplicates .hidden {
                                h3 { (lang.t("可能重复的工单", "Possible duplicates")) }
                                ul #triage-duplicate-list {}
                            }
                        }
                    }
                    section #kb-panel data-zh=(if lang.zh() { "1" } else { "0" }) data-use=(lang.t("用此文章答复", "Answer from this article")) data-answer=(lang.t("已依据知识库《{title}》答复：", "Answered from the knowledge base article \"{title}\": ")) {
                        h2 { (lang.t("知识库", "Knowledge base")) " " a.muted href="/kb" target="_blank" { "↗" } }
                        p.muted #kb-empty { (lang.t("输入诉求内容后显示匹配的文章", "Matching articles appear as the request is typed")) }
                        ol.hits #kb-suggestions {}
                    }
                    section #similar-panel data-reply=(lang.t("答复：", "Reply: ")) data-none=(lang.t("尚无答复", "No reply yet")) {
                        h2 { (lang.t("相似历史工单", "Similar past orders")) }
                        p.muted #similar-empty { (lang.t("输入诉求内容后显示过去同类问题的办理情况", "How the same problem was handled before appears as the request is typed")) }
                        ol.hits #similar-orders {}
                    }
                    h2 { (lang.t("该号码的历史工单", "This caller's earlier orders")) }
                    div id="caller-history" { p.muted { (lang.t("输入来电号码后显示", "Shown once the phone number is typed")) } }
                }
            }
        },
    )
}

pub async fn intake_page(State(app): State<Arc<App>>, Staff { who, lang }: Staff) -> Response {
    intake_form(&app, lang, &who, &FormData(Vec::new()), None).await.into_response()
}

pub async fn intake_submit(State(app): State<Arc<App>>, Staff { who, lang }: Staff, body: Bytes) -> Response {
    let f = FormData::parse(&body).unwrap_or(FormData(Vec::new()));
    let result = match forms::create_input(&f) {
        Ok(input) => app.create_order(&who, &input, f.get("form_token")).await,
        Err(e) => Err(e),
    };
    match result {
        Ok((view, _)) => Redirect::to(&format!("/orders/{}?ok=created", view.number)).into_response(),
        Err(e) => (crate::error::status_for(&e), intake_form(&app, lang, &who, &f, Some(&error_text(lang, &e))).await).into_response(),
    }
}

#[derive(Deserialize)]
pub struct PhoneQuery {
    phone: String,
}

/// The caller-history fragment the intake page loads as the phone number is typed.
pub async fn caller_history(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    lang: Lang,
    PageQuery(q): PageQuery<PhoneQuery>,
) -> Response {
    let Ok(who) = user(&app, &headers, &uri).await else { return StatusCode::UNAUTHORIZED.into_response() };
    let clock = Clock::of(&app).await;
    let input = ListInput { phone: Some(q.phone), limit: Some(10), ..Default::default() };
    match app.list_orders(&who, &input).await {
        Ok(list) if list.orders.is_empty() => html! { p.muted { (lang.t("没有历史工单", "No earlier orders")) } }.into_response(),
        Ok(list) => html! {
            ul.history {
                @for o in &list.orders {
                    li { a href={ "/orders/" (o.number) } { (o.number) } " " (badges(lang, o)) br; span.muted { (clock.fmt(o.received_at)) " · " (o.description.chars().take(40).collect::<String>()) } }
                }
            }
        }
        .into_response(),
        Err(e) => html! { p.muted { (error_text(lang, &e)) } }.into_response(),
    }
}
