//! Pages after dispatch: the callback queue (回访) for callback agents, and the citizen's rating
//! page reached through the signed link on the tracking page or in the SMS.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hotline_app::App;
use hotline_app::handling::RatingInput;
use hotline_domain::{Resolution, Satisfaction, Vocabulary};
use maud::{Markup, html};
use serde::Deserialize;

use super::forms::FormData;
use super::widgets::Clock;
use super::{Lang, Nav, error_text, flash, layout};
use super::{PageQuery, Staff};

#[derive(Debug, Default, Deserialize)]
pub struct OffsetQuery {
    offset: Option<u32>,
}

const PAGE: u32 = 50;

pub async fn callbacks_page(State(app): State<Arc<App>>, Staff { who, lang }: Staff, PageQuery(q): PageQuery<OffsetQuery>) -> Response {
    let clock = Clock::of(&app).await;
    let offset = q.offset.unwrap_or(0);
    let body = match app.callback_queue(&who, Some(PAGE), Some(offset)).await {
        Err(e) => html! { h1 { (lang.t("回访队列", "Callback queue")) } (flash(None, Some(&error_text(lang, &e)))) },
        Ok(list) => html! {
            h1 { (lang.t("回访队列", "Callback queue")) }
            p.muted { (lang.t(
                "承办单位已反馈、或已过办理时限仍未反馈的工单，等待最久的在前。打开工单记录回访结果；未接通请记“回访未接通”，达到规定次数即记为联系不上。",
                "Orders the unit replied to, or whose reply is overdue, longest waiting first. Open one to record the callback; record unanswered calls — after the set number the requester is recorded as unreachable."
            )) }
            table.orders #callback-queue {
                thead { tr {
                    th { (lang.t("工单编号", "Number")) } th { (lang.t("等待自", "Waiting since")) } th { (lang.t("原因", "Why")) }
                    th { (lang.t("诉求内容", "Request")) } th { (lang.t("诉求人电话", "Requester's phone")) }
                    th { (lang.t("主办单位", "Main unit")) } th { (lang.t("办理结果", "Reply")) } th { (lang.t("未接通", "Unanswered")) }
                } }
                tbody {
                    @for o in &list.orders {
                        tr {
                            td { a href={ "/orders/" (o.number) } { (o.number) } }
                            td { (o.callback_since.map(|t| clock.fmt(t)).unwrap_or_default()) }
                            td { @if o.state == hotline_domain::State::Replied { (lang.t("已反馈", "replied")) } @else { span.down { (lang.t("超期未反馈", "reply overdue")) } } }
                            td.request { (o.description.chars().take(60).collect::<String>()) @if o.description.chars().count() > 60 { "…" } }
                            td.phone {
                                @match &o.requester.phone {
                                    // Callback agents see the number to call (their role reads contacts in clear).
                                    Some(p) if !o.requester.masked => { a href={ "tel:" (p) } { (p) } }
                                    Some(p) => { (p) }
                                    None => { "—" }
                                }
                            }
                            td { (o.assignment.as_ref().map_or("—", |a| a.main_unit.name.as_str())) }
                            td { (o.reply.as_ref().map(|r| r.text.chars().take(60).collect::<String>()).unwrap_or_default()) }
                            td { (o.handling.callback_attempts) }
                        }
                    }
                    @if list.orders.is_empty() { tr { td colspan="8" .muted { (lang.t("没有待回访的工单", "Nothing waits for a callback")) } } }
                }
            }
            p.inline {
                @if offset > 0 { a.button href={ "/callbacks?offset=" (offset.saturating_sub(PAGE)) } { (lang.t("上一页", "Previous")) } }
                @if list.has_more { a.button href={ "/callbacks?offset=" (offset + PAGE) } { (lang.t("下一页", "Next")) } }
            }
        },
    };
    layout(lang, lang.t("回访队列", "Callback queue"), Some(&who), Nav::Callbacks, "/callbacks", body).into_response()
}

#[derive(Debug, Default, Deserialize)]
pub struct TokenQuery {
    t: Option<String>,
}

/// A question and its answers; none is chosen until the citizen chooses (a preselected best answer
/// would inflate the rates the rankings rest on).
fn choice<T: Vocabulary>(lang: Lang, name: &str, question: &str) -> Markup {
    html! {
        fieldset.choice id={ "choose-" (name) } {
            legend { (question) }
            @for v in T::all() {
                label { input type="radio" name=(name) value=(v.code()) required; " " (v.label(lang.zh())) }
            }
        }
    }
}

fn rating_page(app_number: &str, token: &str, lang: Lang, v: &hotline_app::views::PublicOrderView, error: Option<&str>) -> Markup {
    let path = format!("/rate/{app_number}?t={token}");
    layout(
        lang,
        lang.t("评价办理结果", "Rate the handling"),
        None,
        Nav::Track,
        &path,
        html! {
            h1 { (lang.t("评价办理结果", "Rate the handling")) " " span.muted { (v.number) } }
            (flash(None, error))
            section.card {
                p { (v.description) }
                @if let Some(u) = &v.handling_unit { p.muted { (lang.t("承办单位：", "Handled by: ")) (u) } }
                @if let Some(r) = &v.reply { p { strong { (lang.t("办理结果：", "Result: ")) } (r.text) } }
            }
            form.card method="post" action={ "/rate/" (v.number) } id="rate-form" {
                input type="hidden" name="token" value=(token);
                fieldset.choice #choose-contacted {
                    legend { (lang.t("承办单位联系过您吗？", "Did the unit contact you?")) }
                    label { input type="radio" name="contacted" value="yes" required; " " (lang.t("联系过", "Yes")) }
                    label { input type="radio" name="contacted" value="no"; " " (lang.t("没有联系", "No")) }
                }
                (choice::<Resolution>(lang, "resolution", lang.t("问题解决了吗？", "Was the problem solved?")))
                (choice::<Satisfaction>(lang, "satisfaction", lang.t("您对办理满意吗？", "Are you satisfied?")))
                label for="r-comment" { (lang.t("意见（可选）", "Comment (optional)")) }
                textarea id="r-comment" name="comment" maxlength="1000" {}
                p { button type="submit" { (lang.t("提交评价", "Submit rating")) } }
            }
        },
    )
}

fn link_gone(lang: Lang, e: &hotline_app::AppError) -> Response {
    let body = html! {
        h1 { (lang.t("评价办理结果", "Rate the handling")) }
        (flash(None, Some(&error_text(lang, e))))
        p { (lang.t("评价链接无效或已使用。可凭工单编号和电话号码查询进度。", "The rating link is not valid or was used. You can track the order by its number and your phone.")) }
        p { a href="/track" { (lang.t("进度查询", "Track a request")) } }
    };
    (StatusCode::NOT_FOUND, layout(lang, lang.t("评价办理结果", "Rate the handling"), None, Nav::Track, "/track", body)).into_response()
}

pub async fn rate_get(
    State(app): State<Arc<App>>,
    lang: Lang,
    Path(number): Path<String>,
    PageQuery(q): PageQuery<TokenQuery>,
) -> Response {
    let token = q.t.unwrap_or_default();
    let found = match hotline_app::handling::require_token(&token) {
        Ok(()) => app.rating_page(&number, &token).await,
        Err(e) => Err(e),
    };
    match found {
        Ok(v) => rating_page(&number, &token, lang, &v, None).into_response(),
        Err(e) => link_gone(lang, &e),
    }
}

pub async fn rate_post(State(app): State<Arc<App>>, lang: Lang, Path(number): Path<String>, body: Bytes) -> Response {
    let f = FormData::parse(&body).unwrap_or(FormData(Vec::new()));
    let input = RatingInput {
        token: f.text("token"),
        contacted: f.yes_no("contacted").unwrap_or(None),
        resolution: f.text("resolution"),
        satisfaction: f.text("satisfaction"),
        comment: f.text("comment"),
    };
    let result = match hotline_app::handling::require_token(&input.token) {
        Ok(()) => app.rate_public(&number, &input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(state) => {
            let reopened = state == hotline_domain::State::Reopened;
            let body = html! {
                h1 { (lang.t("感谢您的评价", "Thank you for your rating")) }
                div.flash.ok role="status" #rated {
                    @if reopened {
                        (lang.t("您的工单已退回承办单位重新办理。", "Your request has been sent back to the unit to be handled again."))
                    } @else {
                        (lang.t("评价已记录。", "Your rating is recorded."))
                    }
                }
                p { a href="/track" { (lang.t("进度查询", "Track a request")) } }
            };
            layout(lang, lang.t("感谢您的评价", "Thank you"), None, Nav::Track, "/track", body).into_response()
        }
        Err(e @ hotline_app::AppError::Validation(_)) => match app.rating_page(&number, &input.token).await {
            Ok(v) => (StatusCode::UNPROCESSABLE_ENTITY, rating_page(&number, &input.token, lang, &v, Some(&error_text(lang, &e))))
                .into_response(),
            Err(e) => link_gone(lang, &e),
        },
        Err(e) => link_gone(lang, &e),
    }
}
