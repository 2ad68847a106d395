//! Administration pages: staff accounts (system admins) and the versioned deadline policy (admins
//! and supervisors).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use hotline_app::{App, AppError, NewUserInput, Principal};
use hotline_domain::{DeadlinePolicy, DurationSpec, DurationUnit, Role, StageDeadlines, Urgency, ValidationError};
use maud::{Markup, html};

use super::Staff;
use super::forms::FormData;
use super::user;
use super::widgets::Clock;
use super::{Lang, Nav, error_text, flash, layout};

const UNITS: [(DurationUnit, &str, &str, &str); 4] = [
    (DurationUnit::Minutes, "minutes", "分钟", "minutes"),
    (DurationUnit::Hours, "hours", "小时", "hours"),
    (DurationUnit::CalendarDays, "calendar_days", "自然日", "calendar days"),
    (DurationUnit::WorkingDays, "working_days", "工作日", "working days"),
];

/// The rest of a policy: warning point, dispute window, callbacks, reopen rule, working calendar.
fn rules_fields(lang: Lang, p: &DeadlinePolicy) -> Markup {
    let h = &p.handling;
    let dates = |set: &std::collections::BTreeSet<chrono::NaiveDate>| set.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n");
    html! {
        div.grid3 {
            div { label for="warn_at_percent" { (lang.t("预警点（时限已用 %）", "Warn when this % of the time is used")) }
                input type="number" id="warn_at_percent" name="warn_at_percent" min="1" max="99" value=(p.warn_at_percent); }
            div { label for="dispute_window_amount" { (lang.t("退单时限（派单后）", "Dispute window (after dispatch)")) }
                div.inline {
                    input type="number" id="dispute_window_amount" name="dispute_window_amount" value=(h.dispute_window.amount) min="1" max="10000" style="width:6rem";
                    label.filter for="dispute_window_unit" { (lang.t("单位", "unit")) }
                    select id="dispute_window_unit" name="dispute_window_unit" {
                        @for (unit, code, uzh, uen) in UNITS { option value=(code) selected[unit == h.dispute_window.unit] { (lang.t(uzh, uen)) } }
                    }
                }
            }
            div { label for="callback_attempts" { (lang.t("回访未接通几次记为联系不上", "Unanswered callbacks before 'unreachable'")) }
                input type="number" id="callback_attempts" name="callback_attempts" min="1" max="20" value=(h.callback_attempts); }
        }
        div.grid3 {
            fieldset.choice {
                legend { (lang.t("回访结果触发重办", "Reopen after the callback when")) }
                label { input type="checkbox" name="reopen_if_unresolved" checked[h.reopen_if_unresolved]; " " (lang.t("未解决", "unresolved")) }
                label { input type="checkbox" name="reopen_if_unsatisfied" checked[h.reopen_if_unsatisfied]; " " (lang.t("不满意", "unsatisfied")) }
            }
            div { label for="max_reopens" { (lang.t("自动重办次数上限", "At most this many automatic reopenings")) }
                input type="number" id="max_reopens" name="max_reopens" min="0" max="10" value=(h.max_reopens); }
            div {}
        }
        div.grid3 {
            div { label for="holidays" { (lang.t("法定节假日（每行一个日期）", "Public holidays (one date per line)")) }
                textarea id="holidays" name="holidays" rows="4" placeholder="2027-01-01" { (dates(&p.calendar.holidays)) } }
            div { label for="makeup_workdays" { (lang.t("调休上班日（每行一个日期）", "Make-up working days (one per line)")) }
                textarea id="makeup_workdays" name="makeup_workdays" rows="4" placeholder="2027-02-07" { (dates(&p.calendar.makeup_workdays)) } }
            div {}
        }
    }
}

fn may_manage_policy(p: &Principal) -> bool {
    matches!(p.role, Role::Admin | Role::Supervisor)
}

async fn page(app: &App, lang: Lang, who: &Principal, msg: (Option<&str>, Option<&str>)) -> Markup {
    let clock = Clock::of(app).await;
    let policy = app.policy().await.unwrap_or_else(|_| DeadlinePolicy::default_policy());
    let versions = app.policy_versions(who).await.unwrap_or_default();
    let users = if who.role == Role::Admin { app.users(who).await.unwrap_or_default() } else { Vec::new() };
    let dir = app.units();
    let stage = |u: Urgency, key: &str, zh: &str, en: &str, spec: DurationSpec| {
        let name = format!("{}_{key}", u.code());
        html! {
            td {
                label.filter for={ (name) "_amount" } { (u.label(lang.zh())) " · " (lang.t(zh, en)) }
                div.inline {
                    input type="number" id={ (name) "_amount" } name={ (name) "_amount" } value=(spec.amount) min="1" max="10000" style="width:6rem";
                    label.filter for={ (name) "_unit" } { (lang.t("单位", "unit")) }
                    select id={ (name) "_unit" } name={ (name) "_unit" } {
                        @for (unit, code, uzh, uen) in UNITS { option value=(code) selected[unit == spec.unit] { (lang.t(uzh, uen)) } }
                    }
                }
            }
        }
    };
    layout(
        lang,
        lang.t("管理", "Admin"),
        Some(who),
        Nav::Admin,
        "/admin",
        html! {
            h1 { (lang.t("管理", "Administration")) }
            (flash(msg.0, msg.1))
            nav.tabs {
                a href="/admin/categories" { (lang.t("分类目录", "Category tree")) }
                a href="/admin/dispatch" { (lang.t("派单目录", "Dispatch catalogue")) }
            }
            section.card {
                h2 { (lang.t("办理时限（当前版本 ", "Deadlines (current version ")) (policy.version) "）" }
                p.muted { (lang.t("修改后保存为新版本；已派单的工单保留派单时的时限版本。", "Saving makes a new version; dispatched orders keep the version they were dispatched under.")) }
                @if may_manage_policy(who) {
                    form method="post" action="/admin/policy" id="policy-form" {
                        table {
                            thead { tr { th { (lang.t("紧急程度", "Urgency")) } th { (lang.t("派单", "Dispatch")) } th { (lang.t("首次联系", "First contact")) } th { (lang.t("反馈", "Reply")) } } }
                            tbody {
                                @for (u, c) in &policy.classes {
                                    tr {
                                        td { (u.label(lang.zh())) }
                                        (stage(*u, "dispatch", "受理后", "after receipt", c.dispatch))
                                        (stage(*u, "first_contact", "派单后", "after dispatch", c.first_contact))
                                        (stage(*u, "reply", "派单后", "after dispatch", c.reply))
                                    }
                                }
                            }
                        }
                        (rules_fields(lang, &policy))
                        label for="effective_from" { (lang.t("生效时间（留空为立即）", "Effective from (empty: now)")) }
                        input type="datetime-local" id="effective_from" name="effective_from" style="max-width:16rem";
                        p { button type="submit" { (lang.t("保存为新版本", "Save as a new version")) } }
                    }
                }
                h3 { (lang.t("历史版本", "Versions")) }
                ul #policy-versions {
                    @for v in versions.iter().rev() {
                        li {
                            "v" (v.policy.version) " · "
                            // The first version is in force from before anything was received (so it
                            // also governs imported history): say so with the time it was installed.
                            @if v.effective_from < v.created_at && v.policy.version == 1 {
                                (lang.t("安装时起生效 ", "in force since installation, ")) (clock.fmt(v.created_at))
                                span.muted { (lang.t("（也适用于此前受理的工单）", " (also for orders received before)")) }
                            } @else {
                                (lang.t("生效 ", "effective ")) (clock.fmt(v.effective_from))
                            }
                            span.muted { " · " (lang.t("保存于 ", "saved ")) (clock.fmt(v.created_at)) " · " (v.created_by) }
                        }
                    }
                }
            }
            @if who.role == Role::Admin {
                section.card {
                    h2 { (lang.t("账号", "Accounts")) }
                    table {
                        thead { tr { th { (lang.t("用户名", "Username")) } th { (lang.t("姓名", "Name")) } th { (lang.t("角色", "Role")) } th { (lang.t("单位", "Unit")) } } }
                        tbody {
                            @for u in &users {
                                tr { td { (u.username) } td { (u.display_name) } td { (u.role.label(lang.zh())) } td { (u.unit.and_then(|id| dir.get(id)).map_or("—", |x| x.name.as_str())) } }
                            }
                        }
                    }
                    h3 { (lang.t("新建账号", "New account")) }
                    form method="post" action="/admin/users" id="user-form" {
                        div.grid3 {
                            div { label for="u-username" { (lang.t("用户名", "Username")) } input type="text" id="u-username" name="username" required; }
                            div { label for="u-display" { (lang.t("姓名", "Name")) } input type="text" id="u-display" name="display_name" required; }
                            div { label for="u-role" { (lang.t("角色", "Role")) }
                                select id="u-role" name="role" { @for r in Role::ALL { option value=(r.code()) { (r.label(lang.zh())) } } }
                            }
                            div { label for="u-unit" { (lang.t("单位（承办单位账号必填）", "Unit (required for unit roles)")) }
                                select id="u-unit" name="unit" {
                                    option value="" { "—" }
                                    // Communities assist but get no accounts here; 7,000 of them would swamp the list.
                                @for x in dir.all().iter().filter(|x| x.class != hotline_domain::UnitClass::Community) { option value=(x.id.0) { (x.name) " (" (x.class.label(lang.zh())) ")" } }
                                }
                            }
                            div { label for="u-password" { (lang.t("初始密码（至少 8 位）", "Initial password (8+ characters)")) } input type="password" id="u-password" name="password" required minlength="8" autocomplete="new-password"; }
                        }
                        p { button type="submit" { (lang.t("创建", "Create")) } }
                    }
                }
            }
        },
    )
}

pub async fn admin_page(State(app): State<Arc<App>>, headers: HeaderMap, uri: Uri, lang: Lang) -> Response {
    match user(&app, &headers, &uri).await {
        Ok(who) if may_manage_policy(&who) => page(&app, lang, &who, (None, None)).await.into_response(),
        Ok(who) => forbidden(lang, &who),
        Err(r) => r,
    }
}

fn forbidden(lang: Lang, who: &Principal) -> Response {
    let e = AppError::forbidden("只有系统管理员和督办员可以进入管理页面", "Only admins and supervisors may open the admin page");
    (StatusCode::FORBIDDEN, layout(lang, "403", Some(who), Nav::None, "/admin", flash(None, Some(&error_text(lang, &e))))).into_response()
}

fn policy_from_form(f: &FormData, current: &DeadlinePolicy) -> Result<DeadlinePolicy, AppError> {
    let mut p = current.clone();
    for u in Urgency::ALL {
        let spec = |key: &str| -> Result<DurationSpec, AppError> {
            let name = format!("{}_{key}", u.code());
            let amount = f.get(&format!("{name}_amount")).and_then(|v| v.trim().parse::<u32>().ok()).ok_or_else(|| {
                AppError::Validation(ValidationError::new(
                    name.clone(),
                    "invalid_duration",
                    "时限须为正整数",
                    "A duration is a positive whole number",
                ))
            })?;
            let unit =
                f.get(&format!("{name}_unit")).and_then(|c| UNITS.iter().find(|(_, code, _, _)| *code == c)).map(|(u, ..)| *u).ok_or_else(
                    || AppError::Validation(ValidationError::new(name.clone(), "unknown_code", "时间单位无效", "Unknown time unit")),
                )?;
            Ok(DurationSpec::new(amount, unit))
        };
        p.classes.insert(*u, StageDeadlines { dispatch: spec("dispatch")?, first_contact: spec("first_contact")?, reply: spec("reply")? });
    }
    let number = |key: &str, code: &'static str, zh: &str, en: &str| -> Result<Option<u32>, AppError> {
        match f.opt(key) {
            None => Ok(None),
            Some(v) => v.parse::<u32>().map(Some).map_err(|_| AppError::Validation(ValidationError::new(key, code, zh, en))),
        }
    };
    if let Some(v) = number("warn_at_percent", "invalid_percent", "预警点须为 1 到 99 的整数", "The warning point is a whole number 1–99")?
    {
        p.warn_at_percent = u8::try_from(v).unwrap_or(0);
    }
    if let Some(v) =
        number("dispute_window_amount", "invalid_duration", "退单时限须为正整数", "The dispute window is a positive whole number")?
    {
        let unit = f
            .get("dispute_window_unit")
            .and_then(|c| UNITS.iter().find(|(_, code, _, _)| *code == c))
            .map_or(p.handling.dispute_window.unit, |(u, ..)| *u);
        p.handling.dispute_window = DurationSpec::new(v, unit);
    }
    if let Some(v) = number("callback_attempts", "invalid_handling_rules", "回访次数须为正整数", "Callback attempts are a whole number")?
    {
        p.handling.callback_attempts = v;
    }
    if let Some(v) = number("max_reopens", "invalid_handling_rules", "重办上限须为整数", "The reopen limit is a whole number")? {
        p.handling.max_reopens = v;
    }
    // Checkboxes: present in the form means the form carries the rule (an unchecked box sends nothing).
    if f.get("warn_at_percent").is_some() {
        p.handling.reopen_if_unresolved = f.checked("reopen_if_unresolved");
        p.handling.reopen_if_unsatisfied = f.checked("reopen_if_unsatisfied");
    }
    for (key, set) in [("holidays", &mut p.calendar.holidays), ("makeup_workdays", &mut p.calendar.makeup_workdays)] {
        if let Some(text) = f.get(key) {
            let mut dates = std::collections::BTreeSet::new();
            for d in text.split(|c: char| c.is_whitespace() || c == ',' || c == '，').filter(|d| !d.is_empty()) {
                dates.insert(chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
                    AppError::Validation(ValidationError::new(
                        key,
                        "invalid_date",
                        format!("日期 {d} 格式应为 YYYY-MM-DD"),
                        format!("The date {d:?} is not written YYYY-MM-DD"),
                    ))
                })?);
            }
            *set = dates;
        }
    }
    Ok(p)
}

pub async fn policy_submit(State(app): State<Arc<App>>, headers: HeaderMap, uri: Uri, lang: Lang, body: Bytes) -> Response {
    let who = match user(&app, &headers, &uri).await {
        Ok(p) if may_manage_policy(&p) => p,
        Ok(p) => return forbidden(lang, &p),
        Err(r) => return r,
    };
    let f = FormData::parse(&body).unwrap_or(FormData(Vec::new()));
    let clock = Clock::of(&app).await;
    let result = async {
        let current = app.policy().await?;
        let policy = policy_from_form(&f, &current)?;
        let from = match f.opt("effective_from") {
            Some(_) => Some(f.local_time("effective_from", clock.minutes())?),
            None => None,
        };
        app.set_policy(&who, policy, from).await
    }
    .await;
    match result {
        Ok(p) => page(&app, lang, &who, (Some(&format!("{} v{}", lang.t("已保存时限版本", "Saved deadline version"), p.version)), None))
            .await
            .into_response(),
        Err(e) => (crate::error::status_for(&e), page(&app, lang, &who, (None, Some(&error_text(lang, &e)))).await).into_response(),
    }
}

pub async fn user_submit(State(app): State<Arc<App>>, Staff { who, lang }: Staff, body: Bytes) -> Response {
    let f = FormData::parse(&body).unwrap_or(FormData(Vec::new()));
    let input = f.id("unit").map(|unit| NewUserInput {
        username: f.text("username"),
        display_name: f.text("display_name"),
        role: f.text("role"),
        unit,
        password: f.text("password"),
    });
    let result = match input {
        Ok(input) => app.create_user(Some(&who), &input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(u) => page(&app, lang, &who, (Some(&format!("{} {}", lang.t("已创建账号", "Created account"), u.username)), None))
            .await
            .into_response(),
        Err(e) => (crate::error::status_for(&e), page(&app, lang, &who, (None, Some(&error_text(lang, &e)))).await).into_response(),
    }
}
