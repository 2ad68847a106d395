//! The deadline notices page: what the scheduler raised for the reader's unit (or the centre),
//! newest first, each linking to its order, with "mark read".

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use hotline_app::App;
use maud::html;

use super::Staff;
use super::widgets::Clock;
use super::{Nav, error_text, flash, layout};

pub async fn notifications_page(State(app): State<Arc<App>>, Staff { who, lang }: Staff) -> Response {
    let clock = Clock::of(&app).await;
    let (list, error) = match app.notifications(&who, false, 200).await {
        Ok(l) => (l, None),
        Err(e) => (Vec::new(), Some(error_text(lang, &e))),
    };
    let unread = list.iter().filter(|n| !n.read).count();
    layout(
        lang,
        lang.t("时限提醒", "Deadline notices"),
        Some(&who),
        Nav::Notifications,
        "/notifications",
        html! {
            h1 { (lang.t("时限提醒", "Deadline notices")) " " span.muted { (unread) (lang.t(" 条未读", " unread")) } }
            (flash(None, error.as_deref()))
            p.muted { (lang.t("办理时限临近（已用去 80% 的时间）时预警，超过时限时提醒承办单位和中心。", "A warning when 80% of a stage's time is used, a notice to the unit and the centre when it passes.")) }
            @if list.is_empty() {
                p #no-notices { (lang.t("暂无提醒。", "No notices.")) }
            } @else {
                table #notices {
                    thead { tr { th { (lang.t("时间", "When")) } th { (lang.t("工单", "Order")) } th { (lang.t("提醒", "Notice")) } th {} } }
                    tbody {
                        @for n in &list {
                            tr class=[(!n.read).then_some("unread")] data-kind=(n.kind) {
                                td { (clock.fmt(n.created_at)) }
                                td { a href={ "/orders/" (n.order_number) } { (n.order_number) } }
                                td {
                                    @if n.kind.ends_with("overdue") { span.badge.overdue { (lang.t("超期", "Overdue")) } " " } @else { span.badge.supervised { (lang.t("预警", "Warning")) } " " }
                                    (if lang.zh() { &n.message_zh } else { &n.message_en })
                                }
                                td { @if !n.read {
                                    form method="post" action={ "/notifications/" (n.id) "/read" } {
                                        button.secondary.small type="submit" { (lang.t("标为已读", "Mark read")) }
                                    }
                                } @else { span.muted { (lang.t("已读", "Read")) } } }
                            }
                        }
                    }
                }
            }
        },
    )
    .into_response()
}

pub async fn notification_read(State(app): State<Arc<App>>, Staff { who, lang }: Staff, Path(id): Path<i64>) -> Response {
    match app.mark_notification_read(&who, id).await {
        Ok(()) => Redirect::to("/notifications").into_response(),
        Err(e) => (
            StatusCode::NOT_FOUND,
            layout(lang, "404", Some(&who), Nav::Notifications, "/notifications", flash(None, Some(&error_text(lang, &e)))),
        )
            .into_response(),
    }
}
