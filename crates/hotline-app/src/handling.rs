//! The half of 接诉即办 after dispatch that is not a plain state change: who hears of a summons, a
//! report, a reminder or a reopening; the callback queue (回访); citizens' online rating through a
//! signed link; and the month's whistle table (街乡吹哨、部门报到).

use hmac::{Hmac, Mac};
use hotline_domain::{ActionKind, Actor, EventPayload, OrderNumber, Role, State, Timestamp, Transition, UnitId, WorkOrder};
use hotline_store::{NewNotification, NewOutboxMessage};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::App;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::orders::OrderList;
use crate::orders::invalid;
use crate::views::UnitRef;

/// A citizen's rating from the tracking page (回访 online).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct RatingInput {
    /// The token of the rating link.
    pub token: String,
    /// Did the unit contact you? Required: nothing is assumed.
    #[serde(default)]
    pub contacted: Option<bool>,
    /// `resolved`, `partly` or `unresolved`.
    #[serde(default)]
    pub resolution: String,
    /// `satisfied`, `basic` or `unsatisfied`.
    #[serde(default)]
    pub satisfaction: String,
    #[serde(default)]
    pub comment: String,
}

/// One unit's summons in a month: how often it was summoned and whether it reported in time.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WhistleRow {
    pub unit: UnitRef,
    pub summoned: u64,
    pub reported_on_time: u64,
    pub reported_late: u64,
    /// Summoned in the month and not (yet) reported.
    pub not_reported: u64,
}

const RATING_KEY: &str = "rating_link_key";

impl App {
    /// Stores a transition with the notifications and messages it raises, in one transaction.
    pub(crate) async fn store_transition(&self, t: &Transition) -> AppResult<WorkOrder> {
        let (notifications, outbox) = self.handling_messages(t).await?;
        Ok(if notifications.is_empty() && outbox.is_empty() {
            self.orders().apply_transition(t).await?
        } else {
            self.notices().record_notices(t, &notifications, &outbox).await?
        })
    }

    /// Who hears of a transition beyond the order's timeline.
    async fn handling_messages(&self, t: &Transition) -> AppResult<(Vec<NewNotification>, Vec<NewOutboxMessage>)> {
        let o = &t.order;
        let units = self.units();
        let unit_name = |u: UnitId| units.get(u).map_or_else(|| u.0.to_string(), |x| x.name.clone());
        let unit_code = |u: UnitId| units.get(u).map_or_else(|| u.0.to_string(), |x| x.code.clone());
        let main = o.assignment.as_ref().map(|a| a.main_unit);
        let note = |unit: Option<UnitId>, kind: &str, zh: String, en: String| NewNotification {
            unit,
            kind: kind.into(),
            message_zh: format!("工单 {}：{zh}", o.number),
            message_en: format!("Order {}: {en}", o.number),
        };
        let sms = |recipient: String, body: String| NewOutboxMessage {
            channel: "sms".into(),
            recipient,
            body: format!("【12345】工单{}{body}", o.number),
        };
        let mut notes = Vec::new();
        let mut outbox = Vec::new();
        let actor_unit = t.event.actor.unit;
        match t.event.kind() {
            ActionKind::Summon => {
                let by = o.handling.summons.last().map_or(t.event.at, |s| s.report_by);
                let by = self.local_time(by);
                let street = main.map(unit_name).unwrap_or_default();
                for s in o.handling.summons.iter().filter(|s| s.summoned_at == t.event.at) {
                    notes.push(note(
                        Some(s.unit),
                        "summoned",
                        format!("{street}吹哨，请于 {by} 前报到"),
                        format!("{street} summons you; report in by {by}"),
                    ));
                    outbox.push(sms(unit_code(s.unit), format!("：{street}吹哨召集，请于{by}前报到。")));
                }
            }
            ActionKind::ReportIn | ActionKind::CoReport => {
                let who = actor_unit.map(unit_name).unwrap_or_default();
                let text = t.event.reason.clone().unwrap_or_default();
                let (kind, zh, en) = if t.event.kind() == ActionKind::ReportIn {
                    ("reported_in", format!("{who} 已报到 {text}"), format!("{who} reported in {text}"))
                } else {
                    ("co_report", format!("协办单位 {who} 反馈：{text}"), format!("co-unit {who} reports: {text}"))
                };
                notes.push(note(main, kind, zh, en));
            }
            ActionKind::Remind => {
                let text = t.event.reason.clone().unwrap_or_default();
                notes.push(note(main, "reminder", format!("督办催办 {text}"), format!("reminder from the centre {text}")));
                if let Some(m) = main {
                    outbox.push(sms(unit_code(m), format!("被催办，请尽快办理。{text}")));
                }
            }
            ActionKind::Supervise if o.supervised => {
                let s = o.handling.supervision.as_ref();
                let why = s.map(|s| (s.reason.label(true), s.reason.label(false))).unwrap_or_default();
                let by = s.and_then(|s| s.reach_site_by).map(|b| self.local_time(b));
                let text = s.map(|s| s.instructions.clone()).unwrap_or_default();
                let (zh_by, en_by) = by.map(|b| (format!("，请于 {b} 前到达现场"), format!("; be on site by {b}"))).unwrap_or_default();
                notes.push(note(
                    main,
                    "supervised",
                    format!("被督办（{}）{text}{zh_by}", why.0),
                    format!("supervised ({}) {text}{en_by}", why.1),
                ));
            }
            ActionKind::Evaluate | ActionKind::Reopen if o.state == State::Reopened => {
                notes.push(note(main, "reopened", "回访未解决或不满意，已重办".into(), "reopened after the callback".into()));
                if let Some(m) = main {
                    outbox.push(sms(unit_code(m), "回访未解决或不满意，已退回重办。".into()));
                }
            }
            ActionKind::Reply => {
                // The requester learns there is an answer, with the link to rate it.
                if let Some(phone) = &o.requester.phone {
                    let link = self.rating_link(o).await?;
                    outbox.push(sms(phone.as_str().to_owned(), format!("已有办理结果，请评价：{link}")));
                }
            }
            _ => {}
        }
        Ok((notes, outbox))
    }

    /// `2026-11-25 14:30` in the deployment's time zone.
    pub fn local_time(&self, t: Timestamp) -> String {
        let offset = self.policy_offset_minutes();
        let tz = chrono::FixedOffset::east_opt(offset * 60).unwrap_or_else(|| chrono::FixedOffset::east_opt(0).expect("zero offset"));
        t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
    }

    // ---------- callback queue ----------

    /// Orders waiting for a callback, longest waiting first (callback agents and supervisors).
    pub async fn callback_queue(&self, who: &Principal, limit: Option<u32>, offset: Option<u32>) -> AppResult<OrderList> {
        if !matches!(who.role, Role::CallbackAgent | Role::Supervisor) {
            return Err(AppError::forbidden(
                "只有回访员和督办员可以查看回访队列",
                "Only callback agents and supervisors see the callback queue",
            ));
        }
        let page =
            self.orders().callback_queue(self.clock.now(), limit.unwrap_or(50).clamp(1, 500), offset.unwrap_or(0).min(100_000)).await?;
        let policy = self.policy().await?;
        Ok(OrderList { orders: page.orders.iter().map(|o| self.view(who, o, &policy)).collect(), has_more: page.has_more })
    }

    // ---------- online rating ----------

    async fn rating_key(&self) -> AppResult<String> {
        if let Some(k) = self.rating_key.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone() {
            return Ok(k);
        }
        let fresh = crate::auth::random_secret()?;
        let key = self.reference().setting_or_insert(RATING_KEY, &fresh).await?;
        *self.rating_key.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(key.clone());
        Ok(key)
    }

    /// The token of an order's rating link: valid for this reply only (a reopened order's next reply
    /// gets a new one).
    async fn rating_token(&self, o: &WorkOrder) -> AppResult<String> {
        let key = self.rating_key().await?;
        let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).map_err(|e| AppError::bug(e.to_string()))?;
        let replied = o.replied_at.map_or(0, |t| t.timestamp_millis());
        mac.update(format!("rate:{}:{replied}", o.number).as_bytes());
        Ok(hex::encode(&mac.finalize().into_bytes()[..16]))
    }

    /// The path (or URL, when the public address is configured) of an order's rating page.
    pub(crate) async fn rating_link(&self, o: &WorkOrder) -> AppResult<String> {
        let token = self.rating_token(o).await?;
        Ok(format!("{}/rate/{}?t={token}", self.config.public_url.trim_end_matches('/'), o.number))
    }

    /// Whether `token` opens the rating of this order now: it waits for its rating after a reply.
    async fn rating_open(&self, number: &str, token: &str) -> AppResult<WorkOrder> {
        let number = OrderNumber::parse(number)?;
        let order = self.orders().get_order(&number).await?.ok_or(AppError::NotFound { what: "order" })?;
        let expected = self.rating_token(&order).await?;
        let same = expected.len() == token.len() && expected.bytes().zip(token.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
        if !same || order.state != State::Replied {
            // A wrong token and a used one read the same: nothing to learn by trying.
            return Err(AppError::NotFound { what: "rating" });
        }
        Ok(order)
    }

    /// What the rating page shows: the order's reply, when the link is valid.
    pub async fn rating_page(&self, number: &str, token: &str) -> AppResult<crate::views::PublicOrderView> {
        let order = self.rating_open(number, token).await?;
        Ok(crate::views::PublicOrderView {
            number: order.number.to_string(),
            state: order.state,
            received_at: order.received_at,
            description: order.description.clone(),
            handling_unit: order.assignment.as_ref().map(|a| UnitRef::of(&self.units(), a.main_unit).name),
            reply: order.reply.as_ref().map(|r| crate::views::ReplyView { outcome: r.outcome.code().into(), text: r.text.clone() }),
            timeline: Vec::new(),
            rating_link: None,
        })
    }

    /// A citizen rates the handling through the signed link; the same reopen rule applies as to a
    /// callback agent's record.
    pub async fn rate_public(&self, number: &str, input: &RatingInput) -> AppResult<State> {
        let order = self.rating_open(number, input.token.trim()).await?;
        let evaluation = crate::orders::evaluation_of(input.contacted, &input.resolution, &input.satisfaction, &input.comment)?;
        let now = self.clock.now();
        let policy = self.policy().await?;
        let actor = Actor { name: "citizen (online rating)".into(), ..Actor::citizen() };
        let t = order.apply(hotline_domain::Action::Evaluate { evaluation }, &actor, now, &policy)?;
        let stored = self.store_transition(&t).await?;
        Ok(stored.state)
    }

    // ---------- whistle table ----------

    /// Per summoned unit, the summons of `[from, to)` and whether they were answered in time.
    pub(crate) async fn whistle_table(&self, from: Timestamp, to: Timestamp) -> AppResult<Vec<WhistleRow>> {
        use std::collections::BTreeMap;
        let mut counts: BTreeMap<i64, [u64; 3]> = BTreeMap::new();
        for (_, e) in self.assessment_store().events_of_kind(ActionKind::Summon, from, to).await? {
            if let EventPayload::Summon(s) = &e.draft.payload {
                for u in &s.units {
                    counts.entry(u.0).or_default()[0] += 1;
                }
            }
        }
        for (_, e) in self.assessment_store().events_of_kind(ActionKind::ReportIn, from, to).await? {
            if let EventPayload::ReportIn(r) = &e.draft.payload {
                counts.entry(r.unit.0).or_default()[if r.on_time { 1 } else { 2 }] += 1;
            }
        }
        let units = self.units();
        Ok(counts
            .into_iter()
            .map(|(u, [summoned, on_time, late])| WhistleRow {
                unit: UnitRef::of(&units, UnitId(u)),
                summoned,
                reported_on_time: on_time,
                reported_late: late,
                not_reported: summoned.saturating_sub(on_time + late),
            })
            .collect())
    }
}

/// Refuses a rating form without a token before anything is looked up.
pub fn require_token(token: &str) -> AppResult<()> {
    if token.trim().is_empty() || token.len() > 64 {
        return Err(invalid("token", "invalid_token", "评价链接无效", "The rating link is not valid"));
    }
    Ok(())
}
