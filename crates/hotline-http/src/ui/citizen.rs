//! Citizen pages without an account: submit a request, track it by number and phone.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hotline_app::App;
use hotline_app::orders::PublicRequestInput;
use hotline_domain::UnitClass;
use maud::{Markup, html};

use super::forms::FormData;
use super::widgets::Clock;
use super::{Lang, Nav, error_text, flash, form_token, layout};
use crate::extract::Client;

// ---------- citizen pages ----------

fn citizen_form(app: &App, lang: Lang, f: &FormData, error: Option<&str>) -> Markup {
    let dir = app.units();
    let token = f.opt("form_token").unwrap_or_else(form_token);
    layout(
        lang,
        lang.t("我要反映", "Submit a request"),
        None,
        Nav::Citizen,
        "/citizen",
        html! {
            h1 { (lang.t("我要反映", "Submit a request")) }
            p.muted { (lang.t("您的诉求将在受理后派至负责单位办理。请保留工单编号，凭编号和电话号码查询进度。", "Your request goes to the responsible unit. Keep the order number: with your phone number it lets you track progress.")) }
            (flash(None, error))
            form.card method="post" action="/citizen" id="citizen-form" {
                input type="hidden" name="form_token" value=(token);
                label for="c-description" { (lang.t("您反映的问题", "What is the problem?")) }
                textarea id="c-description" name="description" required maxlength="4000" { (f.text("description")) }
                div.grid3 {
                    div { label for="c-district" { (lang.t("所在区", "District")) }
                        select name="district" id="c-district" {
                            option value="" { "—" }
                            @for d in dir.all().iter().filter(|u| u.class == UnitClass::District) { option value=(d.id.0) selected[f.get("district") == Some(d.id.0.to_string().as_str())] { (d.name) } }
                        }
                    }
                    div { label for="c-address" { (lang.t("详细地址", "Address")) } input type="text" id="c-address" name="address" value=(f.text("address")) maxlength="300"; }
                    div { label for="c-name" { (lang.t("姓名（可不填）", "Name (optional)")) } input type="text" id="c-name" name="name" value=(f.text("name")) maxlength="50"; }
                    div { label for="c-phone" { (lang.t("手机或电话（必填）", "Phone (required)")) } input type="tel" id="c-phone" name="phone" value=(f.text("phone")) required; }
                }
                p { button type="submit" id="citizen-submit" { (lang.t("提交", "Submit")) } }
            }
        },
    )
}

pub async fn citizen_page(State(app): State<Arc<App>>, lang: Lang) -> Markup {
    citizen_form(&app, lang, &FormData(Vec::new()), None)
}

pub async fn citizen_submit(State(app): State<Arc<App>>, lang: Lang, body: Bytes) -> Response {
    let f = FormData::parse(&body).unwrap_or(FormData(Vec::new()));
    let input = f.id("district").map(|district| PublicRequestInput {
        description: f.text("description"),
        name: f.text("name"),
        phone: f.text("phone"),
        address: f.text("address"),
        district,
        language: Some(if lang.zh() { "zh" } else { "en" }.into()),
        lng: None,
        lat: None,
    });
    let result = match input {
        Ok(input) => app.submit_public(&input, f.get("form_token")).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(number) => layout(lang, lang.t("已提交", "Submitted"), None, Nav::Citizen, "/citizen", html! {
            div.card {
                h1 { (lang.t("已收到您的诉求", "We have your request")) }
                p { (lang.t("工单编号：", "Order number: ")) strong #receipt-number { (number) } }
                p { (lang.t("请保存编号，凭编号和电话号码查询办理进度。", "Keep this number; with your phone number it lets you track progress.")) }
                p { a.button href="/track" { (lang.t("查询进度", "Track it")) } }
            }
        })
        .into_response(),
        Err(e) => (crate::error::status_for(&e), citizen_form(&app, lang, &f, Some(&error_text(lang, &e)))).into_response(),
    }
}

fn track_form(lang: Lang, number: &str, phone: &str, error: Option<&str>, result: Option<Markup>) -> Markup {
    layout(
        lang,
        lang.t("进度查询", "Track a request"),
        None,
        Nav::Track,
        "/track",
        html! {
            h1 { (lang.t("进度查询", "Track a request")) }
            (flash(None, error))
            form.card method="post" action="/track" id="track-form" {
                div.grid3 {
                    div { label for="t-number" { (lang.t("工单编号", "Order number")) } input type="text" id="t-number" name="number" value=(number) required; }
                    div { label for="t-phone" { (lang.t("提交时的电话", "Phone used")) } input type="tel" id="t-phone" name="phone" value=(phone) required; }
                }
                p { button type="submit" id="track-submit" { (lang.t("查询", "Track")) } }
            }
            @if let Some(r) = result { (r) }
        },
    )
}

pub async fn track_page(lang: Lang) -> Markup {
    track_form(lang, "", "", None, None)
}

pub async fn track_submit(State(app): State<Arc<App>>, Client(client): Client, lang: Lang, body: Bytes) -> Response {
    let f = FormData::parse(&body).unwrap_or(FormData(Vec::new()));
    let (number, phone) = (f.text("number"), f.text("phone"));
    let clock = Clock::of(&app).await;
    match app.track_public_from(&number, &phone, client).await {
        Ok(v) => {
            let result = html! {
                section.card #track-result {
                    h2 { (v.number) " " span.badge.state { (v.state.label(lang.zh())) } }
                    p { (v.description) }
                    p.muted { (lang.t("受理时间：", "Received: ")) (clock.fmt(v.received_at)) @if let Some(u) = &v.handling_unit { " · " (lang.t("承办单位：", "Handled by: ")) (u) } }
                    @if let Some(r) = &v.reply { p { strong { (lang.t("办理结果：", "Result: ")) } (r.text) } }
                    @if let Some(link) = &v.rating_link {
                        p { a.button #rate-link href=(link) { (lang.t("评价办理结果", "Rate how it was handled")) } }
                    }
                    table.timeline {
                        @for e in &v.timeline { tr { td.when { (clock.fmt(e.at)) } td { (e.kind.label(lang.zh())) } td { (e.to.label(lang.zh())) } } }
                    }
                }
            };
            track_form(lang, &number, &phone, None, Some(result)).into_response()
        }
        Err(e) => (StatusCode::NOT_FOUND, track_form(lang, &number, &phone, Some(&error_text(lang, &e)), None)).into_response(),
    }
}
