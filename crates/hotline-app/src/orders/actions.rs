//! Actions on an order: who may act now (the domain's check), resolving a command into a domain
//! action, the guarded transition, and a logged reveal of the requester's contact.

use hotline_domain::event::ContactRevealed;
use hotline_domain::text::{bounded, optional};
use hotline_domain::{
    Action, ActionKind, Actor, ArbitrationDecision, DeadlinePolicy, EmergencyService, EventDraft, EventPayload, Nature, OrderNumber, Reply,
    ReplyOutcome, Timestamp, UnitClass, UnitId, Urgency, WorkOrder,
};

use super::{Command, evaluation_of, invalid};
use crate::App;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::views::{OrderView, RequesterView};

impl App {
    /// Turns a caller's command into a domain action, validating every field and resolving references.
    pub(crate) async fn resolve(&self, cmd: &Command, order: &WorkOrder, now: Timestamp) -> AppResult<Action> {
        let reason = |field: &str, s: &str| bounded(field, s, 2, 1000);
        let note = |s: &str| Ok::<_, AppError>(optional("note", Some(s), 1000)?.unwrap_or_default());
        Ok(match cmd {
            Command::Triage { nature, category, urgency } => {
                let (category, category_version) = self.known_category(category)?;
                Action::Triage { nature: Nature::parse(nature)?, category, category_version, urgency: Urgency::parse(urgency)? }
            }
            Command::Answer { answer, article } => {
                let article = match article.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                    None => None,
                    Some(slug) => Some(self.answerable_article(slug).await?),
                };
                Action::Answer { answer: bounded("answer", answer, 2, 4000)?, article }
            }
            Command::Transfer { service, note: n } => Action::Transfer { service: EmergencyService::parse(service)?, note: note(n)? },
            Command::Redirect { reason: r } => Action::Redirect { reason: reason("reason", r)? },
            Command::LinkDuplicate { of } => {
                let of = OrderNumber::parse(of)?;
                if of == order.number {
                    return Err(invalid("of", "self_duplicate", "工单不能与自身并单", "An order cannot duplicate itself"));
                }
                let target = self.orders().get_order(&of).await?.ok_or(AppError::NotFound { what: "order" })?;
                Action::LinkDuplicate { of, case: target.case_id }
            }
            Command::Dispatch { main_unit, co_units, note: n } => {
                Action::Dispatch { assignment: self.assignment(*main_unit, co_units)?, note: note(n)? }
            }
            Command::Sign {} => Action::Sign,
            Command::Dispute { reason: r, proposed_unit } => {
                if proposed_unit.is_some_and(|p| self.units().get(UnitId(p)).is_none()) {
                    return Err(invalid("proposed_unit", "unknown_unit", "建议的承办单位不存在", "The proposed unit does not exist"));
                }
                Action::Dispute { reason: reason("reason", r)?, proposed_unit: proposed_unit.map(UnitId) }
            }
            Command::Arbitrate { decision, main_unit, co_units, reason: r } => {
                let decision = match (decision.as_str(), main_unit) {
                    ("uphold", _) => ArbitrationDecision::Uphold,
                    ("redispatch", Some(m)) => ArbitrationDecision::Redispatch { assignment: self.assignment(*m, co_units)? },
                    ("redispatch", None) => {
                        return Err(invalid("main_unit", "required", "改派须指定新的主办单位", "A re-dispatch needs a new main unit"));
                    }
                    _ => {
                        return Err(invalid(
                            "decision",
                            "unknown_code",
                            "审核结论应为 uphold 或 redispatch",
                            "decision is uphold or redispatch",
                        ));
                    }
                };
                Action::Arbitrate { decision, reason: reason("reason", r)? }
            }
            Command::Contact { note: n } => Action::Contact { note: note(n)? },
            Command::StartWork { note: n } => Action::StartWork { note: note(n)? },
            Command::RequestExtension { reason: r, until } => {
                extends(order, *until, now)?;
                Action::RequestExtension { reason: reason("reason", r)?, until: *until }
            }
            Command::GrantExtension { until, reason: r } => {
                extends(order, *until, now)?;
                Action::GrantExtension { until: *until, reason: note(r)? }
            }
            Command::RefuseExtension { reason: r } => Action::RefuseExtension { reason: reason("reason", r)? },
            Command::Reply { outcome, text } => {
                Action::Reply { reply: Reply { outcome: ReplyOutcome::parse(outcome)?, text: bounded("text", text, 2, 4000)? } }
            }
            Command::Evaluate { contacted, resolution, satisfaction, comment } => {
                Action::Evaluate { evaluation: evaluation_of(*contacted, resolution, satisfaction, comment)? }
            }
            Command::Close { note: n } => Action::Close { note: note(n)? },
            Command::Reopen { reason: r } => Action::Reopen { reason: reason("reason", r)? },
            Command::Supervise { on, note: n, reason: why, reach_site_by } => {
                if reach_site_by.is_some_and(|t| t <= now) {
                    return Err(invalid(
                        "reach_site_by",
                        "not_in_future",
                        "到场时间须晚于现在",
                        "The reach-site time must be in the future",
                    ));
                }
                let why =
                    why.as_deref().map(str::trim).filter(|w| !w.is_empty()).map(hotline_domain::SuperviseReason::parse).transpose()?;
                Action::Supervise { on: *on, note: note(n)?, reason: why, reach_site_by: *reach_site_by }
            }
            Command::PauseClock { reason: r } => Action::PauseClock { reason: reason("reason", r)? },
            Command::ResumeClock { note: n } => Action::ResumeClock { note: note(n)? },
            Command::CoReport { text } => Action::CoReport { text: bounded("text", text, 2, 4000)? },
            Command::Summon { units, report_by, note: n } => {
                Action::Summon { units: self.summoned(units)?, report_by: *report_by, note: note(n)? }
            }
            Command::ReportIn { note: n } => Action::ReportIn { note: note(n)? },
            Command::ArriveOnSite { note: n } => Action::ArriveOnSite { note: note(n)? },
            Command::Remind { note: n } => Action::Remind { note: note(n)? },
            Command::CallbackAttempt { note: n } => Action::CallbackAttempt { note: note(n)? },
            Command::Exclude { exclusion, reason: r } => Action::Exclude {
                exclusion: exclusion
                    .as_deref()
                    .map(str::trim)
                    .filter(|e| !e.is_empty())
                    .map(hotline_domain::Exclusion::parse)
                    .transpose()?,
                reason: reason("reason", r)?,
            },
        })
    }

    /// The departments a street summons (街乡吹哨): departments, district bodies or utilities, never
    /// itself (that only a street leading the order blows the whistle is the domain's rule).
    pub(crate) fn summoned(&self, ids: &[i64]) -> AppResult<Vec<UnitId>> {
        let dir = self.units();
        if ids.is_empty() || ids.len() > 10 {
            return Err(invalid("units", "invalid_summons", "请召集 1 到 10 个部门", "Summon 1 to 10 departments"));
        }
        let mut out = Vec::new();
        for &id in ids {
            let u = dir
                .get(UnitId(id))
                .ok_or_else(|| invalid("units", "unknown_unit", "被召集的单位不存在", "A summoned unit does not exist"))?;
            if !matches!(u.class, UnitClass::Department | UnitClass::District | UnitClass::Utility) || out.contains(&u.id) {
                return Err(invalid(
                    "units",
                    "invalid_summons",
                    "只能召集职能部门、区级单位或公共服务企业，且不能重复",
                    "Summon departments, district bodies or utilities, each once",
                ));
            }
            out.push(u.id);
        }
        Ok(out)
    }

    /// The actor `who` acts as on an order: their role and unit, and what kind of unit it is.
    pub(crate) fn actor_of(&self, who: &Principal) -> Actor {
        Actor { unit_class: who.unit.and_then(|u| self.units().get(u).map(|u| u.class)), ..who.actor() }
    }

    /// The actions `who` may take on `order` now: exactly those [`WorkOrder::check`] allows, plus
    /// a logged reveal of the requester's contact where the unit may see it. Pages offer these and
    /// nothing else, so a form shown is a form the domain accepts.
    pub fn allowed_actions(&self, who: &Principal, order: &WorkOrder, policy: &DeadlinePolicy) -> Vec<ActionKind> {
        let actor = self.actor_of(who);
        let now = self.clock.now();
        ActionKind::ALL
            .iter()
            .copied()
            .filter(|&k| match k {
                ActionKind::RevealContact => self.may_reveal(who, order).is_ok(),
                k if k.is_user_action() => order.check(k, &actor, now, policy).is_ok(),
                _ => false,
            })
            .collect()
    }

    /// Applies one action. `expected_version`, when given, makes the action fail with a conflict if
    /// the order changed since the caller read it.
    pub async fn act(&self, who: &Principal, number: &str, cmd: &Command, expected_version: Option<i64>) -> AppResult<OrderView> {
        let order = self.visible_order(who, number).await?;
        if let Some(v) = expected_version
            && v != order.version
            && !self.only_notices_since(&order, v).await?
        {
            return Err(AppError::Conflict("stale version".into()));
        }
        // Whether the action may happen now is settled before the command's fields are resolved, so
        // resolving (which looks up other orders and units) cannot tell a caller anything they may
        // not know.
        let now = self.clock.now();
        let policy = self.policy().await?;
        let actor = self.actor_of(who);
        order.check(cmd.kind(), &actor, now, &policy)?;
        let action = self.resolve(cmd, &order, now).await?;
        let t = order.apply(action, &actor, now, &policy)?;
        let stored = self.store_transition(&t).await?;
        tracing::debug!(number = %stored.number, action = t.event.kind().code(), to = stored.state.code(), "order transition");
        Ok(self.view(who, &stored, &policy))
    }

    /// Whether every change since `version` was a deadline notice (which the person who read the
    /// order at `version` need not have seen before acting).
    pub(crate) async fn only_notices_since(&self, order: &WorkOrder, version: i64) -> AppResult<bool> {
        let newer = usize::try_from(order.version - version).unwrap_or(usize::MAX);
        if version > order.version || newer > 50 {
            return Ok(false);
        }
        // Events that bump the version, newest last (a logged reveal changes nothing).
        let events = self.orders().order_events(order.id).await?;
        let bumping: Vec<_> =
            events.iter().filter(|e| !matches!(e.draft.kind(), ActionKind::RevealContact | ActionKind::ExternalUpdate)).collect();
        Ok(bumping.len() >= newer && bumping[bumping.len() - newer..].iter().all(|e| e.draft.kind() == ActionKind::DeadlineNotice))
    }

    pub(crate) fn may_reveal(&self, who: &Principal, order: &WorkOrder) -> AppResult<()> {
        if !who.role.is_unit_role() {
            return Err(AppError::forbidden("您的角色不需要也不能查看联系方式", "Your role does not reveal contact details"));
        }
        if order.requester.confidential {
            return Err(AppError::forbidden("诉求人要求保密，联系方式不向承办单位提供", "The requester asked for confidentiality"));
        }
        if order.state.is_terminal() || !order.is_main_unit(who.unit) {
            return Err(AppError::forbidden(
                "只有办理中的主办单位可以查看联系方式",
                "Only the main unit of an open order may reveal contacts",
            ));
        }
        Ok(())
    }

    /// Shows a unit user the requester's name and phone, and logs who saw them when.
    pub async fn reveal_contact(&self, who: &Principal, number: &str) -> AppResult<RequesterView> {
        let order = self.visible_order(who, number).await?;
        self.may_reveal(who, &order)?;
        let revealed = ContactRevealed { fields: vec!["name".into(), "phone".into()] };
        let event = EventDraft::note(&order, &who.actor(), self.clock.now(), None, EventPayload::RevealContact(revealed));
        self.orders().append_event(order.id, &event).await?;
        tracing::info!(number = %order.number, user = %who.username, "contact revealed");
        let r = &order.requester;
        Ok(RequesterView {
            name: r.name.clone(),
            phone: r.phone.as_ref().map(|p| p.as_str().to_owned()),
            language: r.language.clone(),
            age_group: r.age_group.map(|a| a.code().into()),
            confidential: r.confidential,
            masked: false,
        })
    }
}

/// An extension must end after now and after the reply due time it extends.
fn extends(order: &WorkOrder, until: Timestamp, now: Timestamp) -> AppResult<()> {
    if until <= now || order.dues.reply_due.is_some_and(|d| until <= d) {
        return Err(invalid(
            "until",
            "extension_not_later",
            "延期时间须晚于当前办理时限",
            "The extension must end after the current reply due time",
        ));
    }
    Ok(())
}
