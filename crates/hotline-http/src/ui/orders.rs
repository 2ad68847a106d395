//! The order page: what the order is, its timeline, and the forms of exactly the actions the
//! viewer may take now.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use hotline_app::orders::OrderDetail;
use hotline_app::views::{OrderView, RequesterView};
use hotline_app::{App, Principal, UnitDirectory};
use hotline_domain::{ActionKind, Channel, EmergencyService, EventPayload, Nature, ReplyOutcome, Resolution, Role, Satisfaction, Urgency};
use maud::{Markup, html};
use serde::Deserialize;

use super::forms::{self, FormData};
use super::widgets::{Categories, Clock, badges, category_select, label_of, unit_picker, vocab_select};
use super::{Lang, Nav, error_text, flash, layout};
use super::{PageQuery, Staff};

// ---------- order detail ----------

#[derive(Deserialize, Default)]
pub struct FlashQuery {
    ok: Option<String>,
}

fn requester_block(lang: Lang, number: &str, r: &RequesterView, can_reveal: bool) -> Markup {
    html! {
        @if r.name.is_empty() { span.muted { (lang.t("（未留姓名）", "(no name given)")) } } @else { (r.name) }
        " · " (r.phone.as_deref().unwrap_or("—"))
        @if r.confidential { " " span.badge { (lang.t("保密", "Confidential")) } }
        @if r.masked && can_reveal {
            form method="post" action={ "/orders/" (number) "/reveal" } style="display:inline" {
                " " button.secondary type="submit" id="reveal" { (lang.t("查看联系方式（留痕）", "Reveal contact (logged)")) }
            }
        }
    }
}

/// A control with its visible label, associated by id.
fn field(id: &str, label: &str, control: Markup) -> Markup {
    html! { div.field { label for=(id) { (label) } (control) } }
}

fn text_field(id: &str, name: &str, label: &str, required: bool) -> Markup {
    field(id, label, html! { input type="text" id=(id) name=(name) required[required]; })
}

fn textarea_field(id: &str, name: &str, label: &str, required: bool) -> Markup {
    field(id, label, html! { textarea id=(id) name=(name) required[required] {} })
}

fn time_field(id: &str, name: &str, label: &str, required: bool) -> Markup {
    field(id, label, html! { input type="datetime-local" id=(id) name=(name) required[required]; })
}

/// A radio group with its question as the legend; nothing chosen until the person chooses.
fn choice_group(name: &str, question: &str, options: &[(&str, &str)]) -> Markup {
    html! {
        fieldset.choice id={ "choose-" (name) } {
            legend { (question) }
            @for (value, label) in options {
                label { input type="radio" name=(name) value=(value) required; " " (label) }
            }
        }
    }
}

/// What a callback agent says on the phone (回访话术): who calls, about what, what the unit
/// replied, and the three questions whose answers make the three rates.
fn callback_script(lang: Lang, clock: Clock, o: &OrderView) -> Markup {
    let short = |t: &str, n: usize| {
        let mut s: String = t.chars().take(n).collect();
        if t.chars().count() > n {
            s.push('…');
        }
        s
    };
    let unit = o.assignment.as_ref().map_or_else(|| lang.t("承办单位", "the unit").to_owned(), |a| a.main_unit.name.clone());
    let day = clock.fmt(o.received_at).chars().take(10).collect::<String>();
    let what = short(&o.description, 40);
    html! {
        div.script #callback-script {
            strong { (lang.t("回访话术", "Callback script")) }
            p {
                @if lang.zh() {
                    "您好，这里是12345市民服务热线。您在" (day) "反映的“" (what) "”问题，"
                    @match &o.reply {
                        Some(r) => { (unit) "已反馈：“" (short(&r.text, 60)) "”。" }
                        None => { (unit) "尚未反馈办理结果。" }
                    }
                    "耽误您一分钟做个回访："
                } @else {
                    "Hello, this is the 12345 citizen hotline calling back. On " (day) " you told us about “" (what) "”. "
                    @match &o.reply {
                        Some(r) => { (unit) " has replied: “" (short(&r.text, 60)) "”. " }
                        None => { (unit) " has not replied yet. " }
                    }
                    "May I ask three short questions?"
                }
            }
            ol {
                li { (lang.t("承办单位是否联系过您？", "Did the unit contact you?")) }
                li { (lang.t("您反映的问题解决了吗？", "Was the problem solved?")) }
                li { (lang.t("您对办理结果满意吗？", "Are you satisfied with how it was handled?")) }
            }
        }
    }
}

/// Triage suggestions for an order that came without an operator: chips that fill the triage form,
/// in the order of one distribution per decision, the first being the suggestion.
fn triage_help(lang: Lang, t: &hotline_app::triage::TriageOut) -> Markup {
    let chips = |target: &str, choices: &[hotline_app::triage::Choice]| {
        html! {
            @for (i, c) in choices.iter().enumerate() {
                button.chip.best[i == 0] type="button" data-fill=(target) data-value=(c.code) {
                    (if lang.zh() { &c.label_zh } else { &c.label_en }) " " (format!("{:.0}%", c.p * 100.0))
                }
            }
        }
    };
    html! {
        div.suggest #order-triage-help {
            strong { (lang.t("智能分拣建议", "Triage suggestions")) }
            @if let Some(r) = &t.rule { p.badge.emergency { (lang.t("规则：", "Rule: ")) (r.matched) } }
            @if t.emergency.level != "none" {
                div.emergency-prompt #order-emergency-prompt role="alert" {
                    strong { (if t.emergency.level == "possible" { lang.t("可能紧急：", "Possible emergency: ") } else { lang.t("紧急：", "Emergency: ") }) }
                    (if lang.zh() { &t.emergency.reason_zh } else { &t.emergency.reason_en }) " "
                    button.danger type="button" #order-emergency-confirm data-emergency-category=(t.emergency.category) {
                        (lang.t("确认紧急（紧急程度与分类）", "Confirm emergency (urgency and category)"))
                    }
                }
            }
            dl.kv {
                dt { (lang.t("性质", "Nature")) } dd { (chips("t-nature", &t.alternatives.nature)) }
                dt { (lang.t("分类", "Category")) } dd { (chips("t-category", &t.alternatives.category)) }
                dt { (lang.t("紧急程度", "Urgency")) } dd { (chips("t-urgency", &t.alternatives.urgency)) }
            }
            p { button.secondary type="button" #order-triage-accept data-fill-all="t-nature t-category t-urgency" { (lang.t("全部采用建议", "Accept the suggestions")) } }
        }
    }
}

async fn action_forms(app: &App, lang: Lang, clock: Clock, o: &OrderView, help: &hotline_app::triage::OrderHelp) -> Markup {
    let dir = app.units();
    let mut out = Vec::new();
    for &kind in &o.allowed_actions {
        let code = kind.code();
        let id = |name: &str| format!("{code}-{name}");
        let note = || text_field(&id("note"), "note", lang.t("备注（可选）", "Note (optional)"), false);
        let fields = match kind {
            ActionKind::RevealContact
            | ActionKind::Receive
            | ActionKind::DeadlineNotice
            | ActionKind::ExternalUpdate
            | ActionKind::Import => continue,
            ActionKind::Triage => {
                let best = help.triage.as_ref();
                html! {
                    @if let Some(t) = best { (triage_help(lang, t)) }
                    (field("t-nature", lang.t("诉求性质", "Nature"), vocab_select::<Nature>("nature", "t-nature", lang, o.nature.as_deref(), true)))
                    (field("t-category", lang.t("分类", "Category"), category_select(app, lang, "category", "t-category", o.category.as_deref()).await))
                    (field("t-urgency", lang.t("紧急程度", "Urgency"), vocab_select::<Urgency>("urgency", "t-urgency", lang, Some(o.urgency.as_str()), false)))
                }
            }
            ActionKind::Answer => textarea_field(&id("answer"), "answer", lang.t("答复内容", "Answer"), true),
            ActionKind::Transfer => html! {
                (field(&id("service"), lang.t("转至", "Transfer to"), vocab_select::<EmergencyService>("service", &id("service"), lang, None, false)))
                (text_field(&id("note"), "note", lang.t("说明", "Note"), false))
            },
            ActionKind::Redirect | ActionKind::RefuseExtension | ActionKind::Reopen => {
                textarea_field(&id("reason"), "reason", lang.t("理由", "Reason"), true)
            }
            ActionKind::LinkDuplicate => text_field(&id("of"), "of", lang.t("重复的工单编号", "Number of the order it repeats"), true),
            ActionKind::Dispatch => {
                let main: Vec<i64> = help.dispatch.as_ref().map(|d| vec![d.main_unit.id]).unwrap_or_default();
                let co: Vec<i64> = help.dispatch.as_ref().map(|d| d.co_units.iter().map(|u| u.id).collect()).unwrap_or_default();
                html! {
                    @if let Some(d) = &help.dispatch {
                        p.muted #dispatch-suggestion {
                            (lang.t("派单目录建议：", "The dispatch catalogue suggests: ")) (d.main_unit.name)
                            @if !d.co_units.is_empty() { " + " (d.co_units.iter().map(|u| u.name.as_str()).collect::<Vec<_>>().join(lang.t("、", ", "))) }
                        }
                    }
                    (field("d-main", lang.t("主办单位", "Main unit"), unit_picker(lang, &dir, "main_unit", "d-main", false, true, &main)))
                    (field("d-co", lang.t("协办单位（可多选）", "Co-units (optional)"), unit_picker(lang, &dir, "co_units", "d-co", true, false, &co)))
                    (text_field(&id("note"), "note", lang.t("派单说明", "Note to the unit"), false))
                }
            }
            ActionKind::Sign => html! {},
            ActionKind::Dispute => html! {
                @if let Some(until) = o.dispute_until { p.muted #dispute-deadline { (lang.t("退单须在此前提出：", "A dispute must be made by ")) (clock.fmt(until)) } }
                (textarea_field(&id("reason"), "reason", lang.t("异议理由（不属于本单位职责的依据）", "Why this unit is not responsible"), true))
                (field("x-proposed", lang.t("建议承办单位", "Proposed unit"), unit_picker(lang, &dir, "proposed_unit", "x-proposed", false, true, &[])))
            },
            ActionKind::Arbitrate => html! {
                fieldset.choice {
                    legend { (lang.t("审核决定", "Decision")) }
                    label { input type="radio" name="decision" value="uphold" required; " " (lang.t("维持原派单", "Uphold (back to the unit)")) }
                    label { input type="radio" name="decision" value="redispatch"; " " (lang.t("改派", "Re-dispatch")) }
                }
                (field("r-main", lang.t("改派至", "Re-dispatch to"), unit_picker(lang, &dir, "main_unit", "r-main", false, true, &[])))
                (textarea_field(&id("reason"), "reason", lang.t("审核意见", "Decision reason"), true))
            },
            ActionKind::Contact | ActionKind::StartWork | ActionKind::Close => note(),
            ActionKind::RequestExtension | ActionKind::GrantExtension => html! {
                (time_field(&id("until"), "until", lang.t("延期至", "Extend until"), true))
                (textarea_field(&id("reason"), "reason", lang.t("理由", "Reason"), kind == ActionKind::RequestExtension))
            },
            ActionKind::Reply => html! {
                (field(&id("outcome"), lang.t("办理结果类型", "Kind of result"), vocab_select::<ReplyOutcome>("outcome", &id("outcome"), lang, None, false)))
                (textarea_field(&id("text"), "text", lang.t("办理结果", "What was done"), true))
            },
            ActionKind::Evaluate => html! {
                (callback_script(lang, clock, o))
                (choice_group("contacted", lang.t("承办单位是否联系过诉求人？", "Did the unit contact the requester?"), &[("yes", lang.t("联系过", "Yes")), ("no", lang.t("没有联系", "No"))]))
                (choice_group("resolution", lang.t("问题是否解决？", "Was the problem solved?"), &Resolution::ALL.iter().map(|r| (r.code(), r.label(lang.zh()))).collect::<Vec<_>>()))
                (choice_group("satisfaction", lang.t("对办理结果是否满意？", "Satisfied with the handling?"), &Satisfaction::ALL.iter().map(|r| (r.code(), r.label(lang.zh()))).collect::<Vec<_>>()))
                (text_field(&id("comment"), "comment", lang.t("诉求人意见（可选）", "Requester's comment (optional)"), false))
            },
            ActionKind::Supervise => html! {
                input type="hidden" name="on" value=(if o.supervised { "false" } else { "true" });
                @if !o.supervised {
                    (field("s-reason", lang.t("督办原因", "Reason for supervision"), vocab_select::<hotline_domain::SuperviseReason>("reason", "s-reason", lang, None, false)))
                    (time_field(&id("reach_site_by"), "reach_site_by", lang.t("限时到场（可选）", "Be on site by (optional)"), false))
                }
                (text_field(&id("note"), "note", lang.t("督办意见", "Instruction"), false))
            },
            ActionKind::PauseClock => textarea_field(
                &id("reason"),
                "reason",
                lang.t("暂停原因（如诉求人不在家、待补材料）", "Why (e.g. the requester is away, documents due)"),
                true,
            ),
            ActionKind::ResumeClock
            | ActionKind::ReportIn
            | ActionKind::ArriveOnSite
            | ActionKind::Remind
            | ActionKind::CallbackAttempt => note(),
            ActionKind::CoReport => textarea_field(&id("text"), "text", lang.t("协办情况", "What your unit did"), true),
            ActionKind::Summon => html! {
                (field("w-units", lang.t("召集部门", "Departments to summon"), unit_picker(lang, &dir, "units", "w-units", true, false, &[])))
                (time_field(&id("report_by"), "report_by", lang.t("报到时限", "Report in by"), true))
                (text_field(&id("note"), "note", lang.t("需要解决的问题", "What needs solving"), false))
            },
            ActionKind::Exclude => html! {
                (field(&id("exclusion"), lang.t("考核认定", "Assessment"), html! {
                    select name="exclusion" id=(id("exclusion")) {
                        option value="" { (lang.t("纳入考核（取消认定）", "Count in the assessment (undo)")) }
                        @for e in hotline_domain::Exclusion::ALL { option value=(e.code()) selected[o.exclusion.as_deref() == Some(e.code())] { (e.label(lang.zh())) } }
                    }
                }))
                (textarea_field(&id("reason"), "reason", lang.t("认定理由", "Reason"), true))
            },
        };
        let label = if kind == ActionKind::Supervise && o.supervised {
            lang.t("取消督办", "Stop supervising").to_owned()
        } else {
            kind.label(lang.zh()).to_owned()
        };
        out.push(html! {
            form method="post" action={ "/orders/" (o.number) "/act" } id={ "act-" (code) } {
                input type="hidden" name="action" value=(code);
                input type="hidden" name="version" value=(o.version);
                h3 { (label) }
                (fields)
                p { button type="submit" { (label) } }
            }
        });
    }
    html! {
        @if out.is_empty() { p.muted { (lang.t("当前没有您可执行的操作", "Nothing for you to do on this order now")) } }
        @for f in out { (f) }
    }
}

fn timeline(lang: Lang, clock: Clock, app: &App, d: &OrderDetail) -> Markup {
    let dir = app.units();
    let cats = Categories::of(app);
    html! {
        table.timeline {
            thead { tr { th { (lang.t("时间", "When")) } th { (lang.t("操作", "Action")) } th { (lang.t("状态", "State")) } th { (lang.t("操作人", "By")) } th { (lang.t("说明", "Details")) } } }
            tbody {
                @for e in &d.timeline {
                    tr {
                        td.when { (clock.fmt(e.at)) }
                        td { (e.kind.label(lang.zh())) }
                        td { @if let Some(f) = e.from { (f.label(lang.zh())) " → " } (e.to.label(lang.zh())) }
                        td { (e.actor_name) br; span.muted { (Role::parse(&e.actor_role).map_or(lang.t("市民", "citizen"), |r| r.label(lang.zh()))) } }
                        td {
                            @if let Some(r) = &e.reason { (r) br; }
                            @if let Some(p) = &e.payload {
                                @let summary = payload_summary(lang, clock, &dir, &cats, p);
                                @if !summary.is_empty() { span.muted { (summary) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A short human reading of what an event records: names, labels and local times, never codes.
fn payload_summary(lang: Lang, clock: Clock, dir: &UnitDirectory, cats: &Categories, p: &EventPayload) -> String {
    let unit = |u: hotline_domain::UnitId| dir.get(u).map_or_else(|| format!("#{}", u.0), |x| x.name.clone());
    let at = |label_zh: &str, label_en: &str, t: DateTime<Utc>| format!("{} {}", lang.t(label_zh, label_en), clock.fmt(t));
    let reply_due = |d: &hotline_domain::Dues| d.reply_due.map(|t| at("反馈时限", "reply due", t));
    let on_time = |ok: bool| if ok { lang.t("按时", "in time") } else { lang.t("逾时", "late") }.to_owned();
    let mut parts: Vec<String> = Vec::new();
    match p {
        EventPayload::Receive(r) => parts.push(r.channel.label(lang.zh()).to_owned()),
        EventPayload::Triage(t) => {
            parts.push(t.nature.label(lang.zh()).to_owned());
            parts.push(cats.path(lang, t.category.as_str()));
            parts.push(t.urgency.label(lang.zh()).to_owned());
        }
        EventPayload::Answer(a) => {
            parts.push(a.answer.clone());
            if let Some(r) = &a.article {
                parts.push(format!("{}《{}》", lang.t("知识库", "knowledge base "), r.title));
            }
        }
        EventPayload::Transfer(t) => parts.push(t.service.label(lang.zh()).to_owned()),
        EventPayload::LinkDuplicate(l) => parts.push(format!("{} {}", lang.t("重复于", "duplicate of"), l.duplicate_of)),
        EventPayload::Dispatch(d) => {
            parts.push(format!("{} {}", lang.t("派至", "to"), unit(d.assignment.main_unit)));
            if !d.assignment.co_units.is_empty() {
                let co: Vec<String> = d.assignment.co_units.iter().map(|u| unit(*u)).collect();
                parts.push(format!("{}{}", lang.t("协办：", "co-units: "), co.join(lang.t("、", ", "))));
            }
            parts.extend(reply_due(&d.dues));
        }
        EventPayload::Dispute(d) => parts.extend(d.proposed_unit.map(|u| format!("{} {}", lang.t("建议改派", "proposes"), unit(u)))),
        EventPayload::Arbitrate(a) => match &a.decision {
            hotline_domain::ArbitrationDecision::Uphold => parts.push(lang.t("维持原派单", "upheld").to_owned()),
            hotline_domain::ArbitrationDecision::Redispatch { assignment } => {
                parts.push(format!("{} {}", lang.t("改派至", "re-dispatched to"), unit(assignment.main_unit)));
                parts.extend(reply_due(&a.dues));
            }
        },
        EventPayload::RequestExtension(r) => parts.push(at("至", "until", r.until)),
        EventPayload::GrantExtension(g) => parts.push(at("至", "until", g.reply_due)),
        EventPayload::Reply(r) => parts.push(format!("{}：{}", r.reply.outcome.label(lang.zh()), r.reply.text)),
        EventPayload::Evaluate(e) => {
            let v = &e.evaluation;
            parts.push(if v.contacted { lang.t("已联系", "contacted") } else { lang.t("未联系", "not contacted") }.to_owned());
            parts.push(format!("{} / {}", v.resolution.label(lang.zh()), v.satisfaction.label(lang.zh())));
            if e.reopened {
                parts.push(lang.t("按规则重办", "reopened by the rule").to_owned());
            }
        }
        EventPayload::Reopen(r) => parts.extend(reply_due(&r.dues)),
        EventPayload::Supervise(s) => {
            if !s.supervised {
                parts.push(lang.t("取消督办", "supervision ended").to_owned());
            }
            parts.extend(s.reason.map(|r| r.label(lang.zh()).to_owned()));
            parts.extend(s.reach_site_by.map(|t| at("限时到场", "on site by", t)));
        }
        EventPayload::RevealContact(_) => parts.push(lang.t("已查看联系方式（留痕）", "contact details shown (logged)").to_owned()),
        EventPayload::DeadlineNotice(_) => {}
        EventPayload::ResumeClock(r) => {
            parts.push(format!("{} {} {}", lang.t("暂停", "paused"), r.paused_minutes, lang.t("分钟", "minutes")));
            parts.extend(reply_due(&r.dues));
        }
        EventPayload::CoReport(c) => parts.push(unit(c.unit)),
        EventPayload::Summon(s) => {
            let names: Vec<String> = s.units.iter().map(|u| unit(*u)).collect();
            parts.push(format!("{} {}", lang.t("召集", "summoned"), names.join(lang.t("、", ", "))));
            parts.push(at("报到时限", "report by", s.report_by));
        }
        EventPayload::ReportIn(r) => {
            parts.push(unit(r.unit));
            parts.push(on_time(r.on_time));
        }
        EventPayload::ArriveOnSite(a) => parts.push(on_time(a.on_time)),
        EventPayload::CallbackAttempt(c) => {
            parts.push(format!("{} {}", lang.t("第", "attempt"), c.attempt) + lang.t(" 次", ""));
            if c.unreachable {
                parts.push(lang.t("联系不上", "unreachable").to_owned());
            }
        }
        EventPayload::Exclude(x) => parts.push(match x.exclusion {
            Some(e) => e.label(lang.zh()).to_owned(),
            None => lang.t("纳入考核", "counted in the assessment again").to_owned(),
        }),
        EventPayload::ExternalUpdate(u) => parts.push(format!("{} {}", lang.t("外部状态", "client status"), u.status)),
        EventPayload::Import(i) => {
            parts.push(format!("{} {} {} {}", lang.t("来自", "from"), i.source, lang.t("第", "line"), i.line));
            if let Some(n) = &i.external_number {
                parts.push(format!("{} {n}", lang.t("原编号", "original number")));
            }
        }
        EventPayload::Redirect
        | EventPayload::Sign
        | EventPayload::Contact
        | EventPayload::StartWork
        | EventPayload::RefuseExtension
        | EventPayload::Close
        | EventPayload::PauseClock
        | EventPayload::Remind => {}
    }
    parts.join(" · ")
}

/// The handling details of an order: paused clock, supervision, summons and report-ins, co-unit
/// reports, callback attempts, exclusion.
fn handling_rows(lang: Lang, clock: Clock, o: &OrderView) -> Markup {
    let h = &o.handling;
    html! {
        @if let Some(p) = h.paused_since {
            dt { (lang.t("计时", "Clock")) } dd #paused { span.badge { (lang.t("已暂停", "Paused")) } " " (lang.t("自 ", "since ")) (clock.fmt(p)) }
        }
        @if let Some(s) = &h.supervision {
            dt { (lang.t("督办", "Supervision")) } dd #supervision {
                (label_of::<hotline_domain::SuperviseReason>(Some(&s.reason), lang))
                @if !s.instructions.is_empty() { "：" (s.instructions) }
                @if let Some(by) = s.reach_site_by {
                    br; (lang.t("限时到场 ", "on site by ")) (clock.fmt(by)) " · "
                    @match s.arrived_at {
                        Some(a) if a <= by => { span.up { (lang.t("已按时到场 ", "arrived in time ")) (clock.fmt(a)) } }
                        Some(a) => { span.down { (lang.t("逾时到场 ", "arrived late ")) (clock.fmt(a)) } }
                        None => { span.muted { (lang.t("尚未到场", "not yet on site")) } }
                    }
                }
                @if s.reminders > 0 { br; (lang.t("已催办 ", "reminders: ")) (s.reminders) }
            }
        }
        @if !h.summons.is_empty() {
            dt { (lang.t("吹哨报到", "Summons")) } dd #summons {
                @for s in &h.summons {
                    (s.unit.name) " · " (lang.t("限 ", "by ")) (clock.fmt(s.report_by)) " · "
                    @match s.reported_at {
                        Some(r) if s.on_time => { span.up { (lang.t("已报到 ", "reported ")) (clock.fmt(r)) } }
                        Some(r) => { span.down { (lang.t("逾时报到 ", "reported late ")) (clock.fmt(r)) } }
                        None => { span.muted { (lang.t("未报到", "not reported")) } }
                    }
                    br;
                }
            }
        }
        @if !h.co_reports.is_empty() {
            dt { (lang.t("协办反馈", "Co-unit reports")) } dd #co-reports {
                @for r in &h.co_reports { (r.unit.name) " " span.muted { (clock.fmt(r.at)) } "：" (r.text) br; }
            }
        }
        @if h.callback_attempts > 0 || h.unreachable {
            dt { (lang.t("回访拨打", "Callback calls")) } dd #callback-attempts {
                (lang.t("未接通 ", "not answered: ")) (h.callback_attempts)
                @if h.unreachable { " · " strong { (lang.t("联系不上，不计入满意度", "unreachable; not rated")) } }
            }
        }
        @if let Some(s) = &o.submission {
            dt { (lang.t("Open311 提交", "Sent via Open311")) } dd #submission {
                (lang.t("所选服务：", "service chosen: ")) code { (s.service_code) }
                @for (k, v) in &s.attributes { br; span.muted { (k) "：" } (v.join(lang.t("、", ", "))) }
                @if let Some(a) = &s.address_id { br; span.muted { "address_id：" } (a) }
            }
        }
        @if let Some(e) = &o.exclusion {
            dt { (lang.t("考核认定", "Assessment")) } dd #exclusion { (label_of::<hotline_domain::Exclusion>(Some(e), lang)) "，" (lang.t("不纳入考核", "left out of the assessment")) }
        }
    }
}

async fn order_body(
    app: &App,
    lang: Lang,
    who: &Principal,
    d: &OrderDetail,
    revealed: Option<&RequesterView>,
    msg: (Option<&str>, Option<&str>),
) -> Markup {
    let clock = Clock::of(app).await;
    let o = &d.order;
    let can_reveal = o.allowed_actions.contains(&ActionKind::RevealContact);
    let requester = revealed.unwrap_or(&o.requester);
    // The incidents it was filed under (emergency mode); not knowing them must not hide the order.
    let incidents = app.order_incidents(who, &o.number).await.unwrap_or_default();
    html! {
        h1 { (lang.t("工单", "Order")) " " (o.number) " " (badges(lang, o)) }
        (flash(msg.0, msg.1))
        @if !incidents.is_empty() {
            p.coverage.gap #order-incidents {
                (lang.t("已归入突发事件：", "Filed under the incident: "))
                @for (n, i) in incidents.iter().enumerate() {
                    @if n > 0 { (lang.t("、", ", ")) }
                    a href={ "/incidents/" (i.id) } { (i.title) }
                }
            }
        }
        div.detail {
            div {
                section.card {
                    dl.kv {
                        dt { (lang.t("诉求内容", "Request")) } dd #description { (o.description) }
                        dt { (lang.t("诉求人", "Requester")) } dd #requester { (requester_block(lang, &o.number, requester, can_reveal)) }
                        dt { (lang.t("地址", "Address")) } dd {
                            (o.location.district.as_ref().map_or("", |u| u.name.as_str())) " " (o.location.street.as_ref().map_or("", |u| u.name.as_str())) " " (o.location.address)
                            @if let (Some(lng), Some(lat)) = (o.location.lng, o.location.lat) { span.muted { " (" (lng) ", " (lat) ")" } }
                        }
                        dt { (lang.t("性质 / 分类 / 紧急", "Nature / category / urgency")) } dd {
                            (label_of::<Nature>(o.nature.as_deref(), lang)) " / " span title=[o.category.as_deref()] { (Categories::of(app).label(lang, o.category.as_deref())) } " / "
                            (label_of::<Urgency>(Some(&o.urgency), lang))
                        }
                        dt { (lang.t("渠道", "Channel")) } dd { (label_of::<Channel>(Some(&o.channel), lang)) }
                        dt { (lang.t("主办单位", "Main unit")) } dd #main-unit {
                            @if let Some(a) = &o.assignment {
                                (a.main_unit.name)
                                @if !a.co_units.is_empty() { span.muted { " · " (lang.t("协办：", "co-units: ")) (a.co_units.iter().map(|u| u.name.as_str()).collect::<Vec<_>>().join("、")) } }
                                @if let Some(c) = &a.district_copy { span.muted { " · " (lang.t("抄送：", "copy: ")) (c.name) } }
                            } @else { "—" }
                        }
                        dt { (lang.t("受理时间", "Received")) } dd { (clock.fmt(o.received_at)) }
                        dt { (lang.t("时限", "Due")) } dd {
                            (lang.t("派单 ", "dispatch ")) (clock.opt(o.dues.dispatch_due)) br;
                            (lang.t("联系 ", "contact ")) (clock.opt(o.dues.contact_due)) br;
                            (lang.t("反馈 ", "reply ")) (clock.opt(o.dues.reply_due))
                            @if let Some(until) = o.dispute_until { br; span.muted #dispute-until { (lang.t("退单时限 ", "dispute by ")) (clock.fmt(until)) } }
                        }
                        @if let Some(r) = &o.reply { dt { (lang.t("办理结果", "Reply")) } dd { (label_of::<ReplyOutcome>(Some(&r.outcome), lang)) "：" (r.text) } }
                        @if let Some(a) = &o.answer {
                            dt { (lang.t("直接答复", "Answered directly")) }
                            dd #order-answer {
                                (a.text)
                                @if let Some(r) = &a.article { br; span.muted { (lang.t("依据知识库：", "From the knowledge base: ")) a #order-answer-article href={ "/kb/" (r.slug) } { (r.title) } " (" (lang.t("版本 ", "version ")) (r.version) ")" } }
                            }
                        }
                        @if let Some(e) = &o.evaluation {
                            dt { (lang.t("回访", "Callback")) } dd {
                                (if e.contacted { lang.t("已联系", "contacted") } else { lang.t("未联系", "not contacted") }) " · "
                                (label_of::<Resolution>(Some(&e.resolution), lang)) " · "
                                (label_of::<Satisfaction>(Some(&e.satisfaction), lang))
                                @if !e.comment.is_empty() { " · " (e.comment) }
                            }
                        }
                        @if let Some(dup) = &o.duplicate_of { dt { (lang.t("重复于", "Duplicate of")) } dd { a href={ "/orders/" (dup) } { (dup) } } }
                        (handling_rows(lang, clock, o))
                        @if !d.case_orders.is_empty() {
                            dt { (lang.t("同一问题的其他工单", "Same problem")) } dd { @for n in &d.case_orders { a href={ "/orders/" (n) } { (n) } " " } }
                        }
                    }
                }
                h2 { (lang.t("办理过程", "Timeline")) }
                (timeline(lang, clock, app, d))
            }
            aside.card.actions {
                h2 { (lang.t("操作", "Actions")) } span.muted { (who.display_name) }
                (action_forms(app, lang, clock, o, &app.order_help(who, o).await).await)
            }
        }
    }
}

async fn render_order(
    app: &App,
    lang: Lang,
    who: &Principal,
    number: &str,
    revealed: Option<&RequesterView>,
    msg: (Option<&str>, Option<&str>),
    status: StatusCode,
) -> Response {
    match app.order_detail(who, number).await {
        Ok(d) => {
            let body = order_body(app, lang, who, &d, revealed, msg).await;
            (status, layout(lang, &d.order.number, Some(who), Nav::None, &format!("/orders/{number}"), body)).into_response()
        }
        Err(e) => {
            let status = crate::error::status_for(&e);
            let body = html! { h1 { (lang.t("工单", "Order")) } (flash(None, Some(&error_text(lang, &e)))) };
            (status, layout(lang, number, Some(who), Nav::None, "/", body)).into_response()
        }
    }
}

pub async fn order_page(
    State(app): State<Arc<App>>,
    Staff { who, lang }: Staff,
    Path(number): Path<String>,
    PageQuery(q): PageQuery<FlashQuery>,
) -> Response {
    let ok = q.ok.as_deref().map(|k| match k {
        "created" => lang.t("工单已提交", "Order filed").to_owned(),
        other => format!(
            "{}：{}",
            lang.t("已完成", "Done"),
            ActionKind::parse(other).map_or_else(|_| lang.t("操作", "the action").to_owned(), |k| k.label(lang.zh()).to_owned())
        ),
    });
    render_order(&app, lang, &who, &number, None, (ok.as_deref(), None), StatusCode::OK).await
}

pub async fn order_act(State(app): State<Arc<App>>, Staff { who, lang }: Staff, Path(number): Path<String>, body: Bytes) -> Response {
    let clock = Clock::of(&app).await;
    let f = FormData::parse(&body).unwrap_or(FormData(Vec::new()));
    let version = f.get("version").and_then(|v| v.parse::<i64>().ok());
    let result = match forms::command(&f, clock.minutes()) {
        Ok(cmd) => app.act(&who, &number, &cmd, version).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Redirect::to(&format!("/orders/{number}?ok={}", f.get("action").unwrap_or_default())).into_response(),
        Err(e) => render_order(&app, lang, &who, &number, None, (None, Some(&error_text(lang, &e))), crate::error::status_for(&e)).await,
    }
}

pub async fn order_reveal(State(app): State<Arc<App>>, Staff { who, lang }: Staff, Path(number): Path<String>) -> Response {
    match app.reveal_contact(&who, &number).await {
        Ok(r) => {
            render_order(
                &app,
                lang,
                &who,
                &number,
                Some(&r),
                (Some(lang.t("已显示联系方式，本次查看已记录", "Contact shown; this reveal is logged")), None),
                StatusCode::OK,
            )
            .await
        }
        Err(e) => render_order(&app, lang, &who, &number, None, (None, Some(&error_text(lang, &e))), StatusCode::FORBIDDEN).await,
    }
}
