//! The transition function (domain.md §5): [`WorkOrder::check`] says whether an action may happen
//! now, and [`WorkOrder::apply`] either produces the next order and its typed event or refuses.
//! Every page, API and test asks `check`, and `apply` asks it first, so what a person is offered
//! and what the domain accepts cannot differ.

use crate::Timestamp;
use crate::action::{Action, ActionKind, ArbitrationDecision};
use crate::deadline::DeadlinePolicy;
use crate::error::{DomainError, ValidationError};
use crate::event::{self, EventDraft, EventPayload};
use crate::handling::{CoReport, Summons, SuperviseReason, Supervision};
use crate::ids::UnitId;
use crate::order::WorkOrder;
use crate::role::Actor;
use crate::state::State;
use crate::unit::UnitClass;

/// The outcome of a successful [`WorkOrder::apply`]: the order as it must be stored, guarded by the
/// state and version it was read at, and the event to append in the same transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    pub expected_state: State,
    pub expected_version: i64,
    pub order: WorkOrder,
    pub event: EventDraft,
}

fn refuse(code: &'static str, zh: &str, en: &str) -> DomainError {
    DomainError::Validation(ValidationError::new("action", code, zh, en))
}

fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

impl WorkOrder {
    /// Whether `actor` may take an action of `kind` on this order at `now`: the role may ever do it
    /// (a citizen only rates, through the signed link), the state allows it, it is the actor's
    /// unit's part (首接负责: the main unit acts; a co-unit reports; a summoned department reports
    /// in), and the order's circumstances allow it (dispute window, paused clock, callback queue,
    /// supervision, a street leading the order to blow the whistle). The one answer to "may this
    /// happen now?": pages offer exactly the actions it allows, and [`WorkOrder::apply`] asks it.
    pub fn check(&self, kind: ActionKind, actor: &Actor, now: Timestamp, policy: &DeadlinePolicy) -> Result<(), DomainError> {
        use ActionKind as K;
        let permitted = actor.role.map_or(kind == K::Evaluate && actor.user_id.is_none(), |r| r.may(kind));
        if !permitted {
            return Err(DomainError::Forbidden { action: kind });
        }
        if !kind.allowed_from().contains(&self.state) {
            return Err(DomainError::InvalidTransition { from: self.state, action: kind });
        }
        if actor.role.is_some_and(crate::role::Role::is_unit_role) {
            match kind {
                K::CoReport if !self.is_co_unit(actor.unit) => return Err(DomainError::not_your_unit(kind, "not_a_co_unit")),
                K::ReportIn if actor.unit.is_none_or(|u| self.handling.pending_summons(u).is_none()) => {
                    return Err(DomainError::not_your_unit(kind, "not_summoned"));
                }
                K::CoReport | K::ReportIn => {}
                _ if !self.is_main_unit(actor.unit) => return Err(DomainError::not_your_unit(kind, "not_main_unit")),
                _ => {}
            }
        }
        match kind {
            K::Dispute => {
                if let Some(from) = self.dispatched_at
                    && now > policy.add(from, policy.handling.dispute_window)
                {
                    return Err(refuse(
                        "dispute_window_closed",
                        "已超过派单异议时限，不能退单",
                        "The time to dispute this dispatch has passed",
                    ));
                }
            }
            K::Evaluate | K::CallbackAttempt if self.callback_since().is_none_or(|t| t > now) => {
                return Err(refuse(
                    "not_in_callback_queue",
                    "工单尚未反馈且未到办理时限，不能回访",
                    "The order has neither been replied to nor passed its reply due time",
                ));
            }
            K::PauseClock if self.handling.paused_since.is_some() => {
                return Err(refuse("clock_already_paused", "计时已暂停", "The clock is already paused"));
            }
            K::ResumeClock if self.handling.paused_since.is_none() => {
                return Err(refuse("clock_not_paused", "计时未暂停", "The clock is not paused"));
            }
            K::Summon if actor.unit_class != Some(UnitClass::Street) => {
                return Err(refuse(
                    "whistle_for_streets",
                    "只有作为主办单位的街道（乡镇）可以吹哨",
                    "Only a street/township leading the order can summon departments",
                ));
            }
            K::Remind | K::ArriveOnSite if self.handling.supervision.is_none() => {
                return Err(refuse("not_supervised", "该工单未被督办", "The order is not supervised"));
            }
            K::ArriveOnSite if self.handling.supervision.as_ref().is_some_and(|s| s.arrived_at.is_some()) => {
                return Err(refuse("already_on_site", "已记录到达现场", "Arrival on site is already recorded"));
            }
            _ => {}
        }
        Ok(())
    }

    /// The deadline for disputing the current dispatch (退单时限), while the order can be disputed.
    pub fn dispute_deadline(&self, policy: &DeadlinePolicy) -> Option<Timestamp> {
        let from = self.dispatched_at?;
        ActionKind::Dispute.allowed_from().contains(&self.state).then(|| policy.add(from, policy.handling.dispute_window))
    }

    /// Whether `unit` is the order's main unit (首接负责).
    pub fn is_main_unit(&self, unit: Option<UnitId>) -> bool {
        self.assignment.as_ref().is_some_and(|a| unit == Some(a.main_unit))
    }

    fn is_co_unit(&self, unit: Option<UnitId>) -> bool {
        self.assignment.as_ref().is_some_and(|a| unit.is_some_and(|u| a.co_units.contains(&u)))
    }

    /// The one transition function: [`WorkOrder::check`]s the action, then returns the next order
    /// and its event. Pure: `now` and the deadline policy are passed in.
    pub fn apply(&self, action: Action, actor: &Actor, now: Timestamp, policy: &DeadlinePolicy) -> Result<Transition, DomainError> {
        let kind = action.kind();
        self.check(kind, actor, now, policy)?;
        let mut next = self.clone();
        next.version += 1;
        next.updated_at = now;
        let mut reason = None;
        use EventPayload as P;
        use State as S;
        let payload = match action {
            Action::Triage { nature, category, category_version, urgency } => {
                next.state = S::Triaged;
                next.nature = Some(nature);
                next.category = Some(category.clone());
                next.category_version = category_version;
                next.urgency = urgency;
                next.dues.policy_version = policy.version;
                next.dues.dispatch_due = Some(policy.due(urgency, crate::deadline::Stage::Dispatch, self.received_at));
                P::Triage(event::Triaged { nature, category, category_version, urgency, suggested: None })
            }
            Action::Answer { answer, article } => {
                next.state = S::AnsweredDirectly;
                next.closed_at = Some(now);
                next.answer = Some(crate::kb::DirectAnswer { text: answer.clone(), article: article.clone() });
                P::Answer(event::Answered { answer, article })
            }
            Action::Transfer { service, note } => {
                next.state = S::Transferred;
                next.transferred_to = Some(service);
                next.closed_at = Some(now);
                reason = non_empty(&note);
                P::Transfer(event::Transferred { service })
            }
            Action::Redirect { reason: r } => {
                next.state = S::Redirected;
                next.closed_at = Some(now);
                reason = non_empty(&r);
                P::Redirect
            }
            Action::LinkDuplicate { of, case } => {
                next.state = S::LinkedDuplicate;
                next.duplicate_of = Some(of.clone());
                next.case_id = case;
                next.closed_at = Some(now);
                let previous_case_id = (self.case_id.0 != 0).then_some(self.case_id);
                P::LinkDuplicate(event::LinkedDuplicate { duplicate_of: of, case_id: case, previous_case_id })
            }
            Action::Dispatch { assignment, note } => {
                next.state = S::Dispatched;
                next.first_dispatched_at.get_or_insert(now);
                next.dispatched_at = Some(now);
                self.set_unit_dues(&mut next, policy, now);
                reason = non_empty(&note);
                next.assignment = Some(assignment.clone());
                P::Dispatch(event::Dispatched { assignment, dues: next.dues.clone() })
            }
            Action::Sign => {
                next.state = S::Signed;
                next.signed_at.get_or_insert(now);
                P::Sign
            }
            Action::Dispute { reason: r, proposed_unit } => {
                next.state = S::Disputed;
                next.dispute_count += 1;
                reason = non_empty(&r);
                P::Dispute(event::Disputed { proposed_unit })
            }
            Action::Arbitrate { decision, reason: r } => {
                reason = non_empty(&r);
                match &decision {
                    ArbitrationDecision::Uphold => {
                        next.state = S::Signed;
                        next.signed_at.get_or_insert(now);
                    }
                    ArbitrationDecision::Redispatch { assignment } => {
                        next.state = S::Dispatched;
                        next.handling.paused_since = None;
                        next.dispatched_at = Some(now);
                        next.signed_at = None;
                        next.assignment = Some(assignment.clone());
                        self.set_unit_dues(&mut next, policy, now);
                    }
                }
                P::Arbitrate(event::Arbitrated { decision, dues: next.dues.clone() })
            }
            Action::Contact { note } => {
                next.state = S::Contacted;
                next.contacted_at.get_or_insert(now);
                reason = non_empty(&note);
                P::Contact
            }
            Action::StartWork { note } => {
                next.state = S::InProgress;
                reason = non_empty(&note);
                P::StartWork
            }
            Action::RequestExtension { reason: r, until } => {
                next.state = S::ExtensionRequested;
                reason = non_empty(&r);
                P::RequestExtension(event::ExtensionRequested { until })
            }
            Action::GrantExtension { until, reason: r } => {
                next.state = S::InProgress;
                next.dues.reply_due = Some(until);
                reason = non_empty(&r);
                P::GrantExtension(event::ExtensionGranted { reply_due: until })
            }
            Action::RefuseExtension { reason: r } => {
                next.state = S::InProgress;
                reason = non_empty(&r);
                P::RefuseExtension
            }
            Action::Reply { reply } => {
                next.state = S::Replied;
                next.handling.paused_since = None;
                next.replied_at = Some(now);
                next.reply = Some(reply.clone());
                P::Reply(event::Replied { reply })
            }
            Action::Evaluate { evaluation } => {
                next.evaluated_at = Some(now);
                next.handling.unreachable = false;
                // 重办: the policy's rule sends an unresolved or unsatisfied order back to its unit.
                // The evaluation stays on the order (the month's assessment counts it) until the
                // next callback replaces it.
                let reopened = policy.handling.reopens(&evaluation, self.reopen_count);
                if reopened {
                    self.reopen_into(&mut next, policy, now);
                } else {
                    next.state = S::Evaluated;
                }
                next.evaluation = Some(evaluation.clone());
                P::Evaluate(event::Evaluated { evaluation, reopened, dues: reopened.then(|| next.dues.clone()) })
            }
            Action::CallbackAttempt { note } => {
                next.handling.callback_attempts += 1;
                let unreachable = next.handling.callback_attempts >= policy.handling.callback_attempts;
                if unreachable {
                    // Recorded as unreachable: evaluated without a rating, so no rate counts it.
                    next.state = S::Evaluated;
                    next.handling.unreachable = true;
                    next.evaluation = None;
                    next.evaluated_at = Some(now);
                }
                reason = non_empty(&note);
                P::CallbackAttempt(event::CallbackAttempted { attempt: next.handling.callback_attempts, unreachable })
            }
            Action::Close { note } => {
                next.state = S::Closed;
                next.closed_at = Some(now);
                next.supervised = false;
                reason = non_empty(&note);
                P::Close
            }
            Action::Reopen { reason: r } => {
                self.reopen_into(&mut next, policy, now);
                reason = non_empty(&r);
                P::Reopen(event::Reopened { dues: next.dues.clone() })
            }
            Action::Supervise { on, note, reason: why, reach_site_by } => {
                next.supervised = on;
                next.handling.supervision = on.then(|| Supervision {
                    reason: why.unwrap_or(SuperviseReason::Other),
                    instructions: note.trim().to_owned(),
                    reach_site_by,
                    arrived_at: None,
                    reminders: 0,
                    since: now,
                });
                reason = non_empty(&note);
                P::Supervise(event::Supervised { supervised: on, reason: why, reach_site_by })
            }
            Action::PauseClock { reason: r } => {
                next.handling.paused_since = Some(now);
                reason = non_empty(&r);
                P::PauseClock
            }
            Action::ResumeClock { note } => {
                let since = self.handling.paused_since.unwrap_or(now);
                // The unit gets back the time it waited: every due time still ahead of it moves.
                let paused = now - since;
                next.handling.paused_since = None;
                if next.contacted_at.is_none() {
                    next.dues.contact_due = next.dues.contact_due.map(|d| d + paused);
                }
                next.dues.reply_due = next.dues.reply_due.map(|d| d + paused);
                reason = non_empty(&note);
                P::ResumeClock(event::ClockResumed { paused_minutes: paused.num_minutes(), dues: next.dues.clone() })
            }
            Action::CoReport { text } => {
                let unit = actor.unit.ok_or(DomainError::not_your_unit(kind, "not_a_co_unit"))?;
                next.handling.co_reports.push(CoReport { unit, at: now, text: text.clone() });
                reason = non_empty(&text);
                P::CoReport(event::CoReported { unit })
            }
            Action::Summon { units, report_by, note } => {
                if units.is_empty() || report_by <= now {
                    return Err(refuse(
                        "invalid_summons",
                        "吹哨须召集至少一个部门，报到时间须晚于现在",
                        "Summon at least one department, with a report-in time in the future",
                    ));
                }
                let assignment = next.assignment.as_mut().ok_or(DomainError::InvalidTransition { from: self.state, action: kind })?;
                for u in &units {
                    if *u == assignment.main_unit || self.handling.pending_summons(*u).is_some() {
                        return Err(refuse(
                            "invalid_summons",
                            "不能召集本单位或尚未报到的部门",
                            "A unit cannot summon itself or a department still due to report",
                        ));
                    }
                    // Summoned departments handle the order with the street, so they see it.
                    if !assignment.co_units.contains(u) {
                        assignment.co_units.push(*u);
                    }
                    next.handling.summons.push(Summons { unit: *u, summoned_at: now, report_by, reported_at: None, note: note.clone() });
                }
                reason = non_empty(&note);
                P::Summon(event::Summoned { units, report_by })
            }
            Action::ReportIn { note } => {
                let unit = actor.unit.ok_or(DomainError::not_your_unit(kind, "not_summoned"))?;
                let mut on_time = false;
                if let Some(s) = next.handling.summons.iter_mut().find(|s| s.unit == unit && s.reported_at.is_none()) {
                    s.reported_at = Some(now);
                    on_time = s.on_time();
                }
                reason = non_empty(&note);
                P::ReportIn(event::ReportedIn { unit, on_time })
            }
            Action::ArriveOnSite { note } => {
                let mut on_time = true;
                if let Some(sup) = next.handling.supervision.as_mut() {
                    sup.arrived_at.get_or_insert(now);
                    on_time = sup.reach_site_by.is_none_or(|by| now <= by);
                }
                reason = non_empty(&note);
                P::ArriveOnSite(event::ArrivedOnSite { on_time })
            }
            Action::Remind { note } => {
                if let Some(sup) = next.handling.supervision.as_mut() {
                    sup.reminders += 1;
                }
                reason = non_empty(&note);
                P::Remind
            }
            Action::Exclude { exclusion, reason: r } => {
                next.handling.exclusion = exclusion;
                reason = non_empty(&r);
                P::Exclude(event::Excluded { exclusion })
            }
        };
        if next.state.is_terminal() {
            next.supervised = false;
        }
        // Due times may have moved (dispatch, extension, reopening) or stages finished.
        next.next_notice_at = next.next_notice_time(policy);
        let event = EventDraft { from: Some(self.state), to: next.state, actor: actor.clone(), at: now, reason, payload };
        Ok(Transition { expected_state: self.state, expected_version: self.version, order: next, event })
    }

    /// Sends the order back to its main unit (重办) with fresh due times, as if dispatched now.
    fn reopen_into(&self, next: &mut WorkOrder, policy: &DeadlinePolicy, now: Timestamp) {
        next.state = State::Reopened;
        next.reopen_count += 1;
        next.closed_at = None;
        next.signed_at = None;
        next.contacted_at = None;
        next.reply = None;
        next.replied_at = None;
        next.dispatched_at = Some(now);
        next.handling.paused_since = None;
        next.handling.callback_attempts = 0;
        self.set_unit_dues(next, policy, now);
    }

    fn set_unit_dues(&self, next: &mut WorkOrder, policy: &DeadlinePolicy, now: Timestamp) {
        use crate::deadline::Stage;
        next.dues.policy_version = policy.version;
        next.dues.contact_due = Some(policy.due(next.urgency, Stage::FirstContact, now));
        next.dues.reply_due = Some(policy.due(next.urgency, Stage::Reply, now));
    }
}
