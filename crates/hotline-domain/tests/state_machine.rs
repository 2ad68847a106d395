//! State-machine tests of the public domain API: the transition table, the permission matrix, the
//! data each transition writes, derived overdue flags, and random action sequences checked against
//! the order's invariants.
//!
//! The transition table and the permission matrix are pinned here as explicit tables, independent of
//! `ActionKind::allowed_from` and `Role::may`, so that a change to either is a visible test change.
#![allow(clippy::unwrap_used)]

use chrono::{Duration, TimeZone, Utc};
use hotline_domain::deadline::Stage;
use hotline_domain::{
    Action, ActionKind, Actor, ArbitrationDecision, Assignment, CaseId, CategoryPath, Channel, DeadlinePolicy, DomainError,
    EmergencyService, Evaluation, Location, Nature, NewOrder, OrderId, OrderNumber, Overdue, Reply, ReplyOutcome, Requester, Resolution,
    Role, Satisfaction, State, Timestamp, UnitClass, UnitId, Urgency, UserId, WorkOrder,
};
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------------
// Pinned tables
// ---------------------------------------------------------------------------------------------

/// Every kind that is an `Action` (Receive and RevealContact are not).
const ACTION_KINDS: [ActionKind; 28] = [
    ActionKind::Triage,
    ActionKind::Answer,
    ActionKind::Transfer,
    ActionKind::Redirect,
    ActionKind::LinkDuplicate,
    ActionKind::Dispatch,
    ActionKind::Sign,
    ActionKind::Dispute,
    ActionKind::Arbitrate,
    ActionKind::Contact,
    ActionKind::StartWork,
    ActionKind::RequestExtension,
    ActionKind::GrantExtension,
    ActionKind::RefuseExtension,
    ActionKind::Reply,
    ActionKind::Evaluate,
    ActionKind::Close,
    ActionKind::Reopen,
    ActionKind::Supervise,
    ActionKind::PauseClock,
    ActionKind::ResumeClock,
    ActionKind::CoReport,
    ActionKind::Summon,
    ActionKind::ReportIn,
    ActionKind::ArriveOnSite,
    ActionKind::Remind,
    ActionKind::CallbackAttempt,
    ActionKind::Exclude,
];

const OPEN_STATES: &[State] = &[
    State::Received,
    State::Triaged,
    State::Dispatched,
    State::Signed,
    State::Disputed,
    State::Contacted,
    State::InProgress,
    State::ExtensionRequested,
    State::Replied,
    State::Evaluated,
    State::Reopened,
];

const TERMINAL_STATES: &[State] = &[State::AnsweredDirectly, State::Transferred, State::Redirected, State::LinkedDuplicate, State::Closed];

/// The intended transition table: from which states each action is allowed.
fn pinned_allowed_from(kind: ActionKind) -> &'static [State] {
    use State as S;
    match kind {
        ActionKind::Receive | ActionKind::RevealContact | ActionKind::DeadlineNotice | ActionKind::ExternalUpdate | ActionKind::Import => {
            unreachable!("not an Action")
        }
        ActionKind::Triage | ActionKind::Answer | ActionKind::Transfer | ActionKind::Redirect | ActionKind::LinkDuplicate => {
            &[S::Received, S::Triaged]
        }
        ActionKind::Dispatch => &[S::Triaged],
        ActionKind::Sign => &[S::Dispatched, S::Reopened],
        ActionKind::Dispute => &[S::Dispatched, S::Signed, S::Reopened],
        ActionKind::Arbitrate => &[S::Disputed],
        ActionKind::Contact => &[S::Signed],
        ActionKind::StartWork => &[S::Contacted],
        ActionKind::RequestExtension => &[S::Contacted, S::InProgress],
        ActionKind::GrantExtension | ActionKind::RefuseExtension => &[S::ExtensionRequested],
        ActionKind::Reply => &[S::Contacted, S::InProgress, S::ExtensionRequested],
        ActionKind::Evaluate | ActionKind::CallbackAttempt => {
            &[S::Replied, S::Dispatched, S::Signed, S::Contacted, S::InProgress, S::ExtensionRequested, S::Reopened]
        }
        ActionKind::Close => &[S::Replied, S::Evaluated],
        ActionKind::Reopen => &[S::Replied, S::Evaluated, S::Closed],
        ActionKind::Supervise => OPEN_STATES,
        ActionKind::PauseClock => &[S::Signed, S::Contacted, S::InProgress],
        ActionKind::ResumeClock => &[S::Signed, S::Contacted, S::InProgress, S::ExtensionRequested],
        ActionKind::CoReport | ActionKind::Remind => {
            &[S::Dispatched, S::Signed, S::Disputed, S::Contacted, S::InProgress, S::ExtensionRequested, S::Reopened]
        }
        ActionKind::ReportIn => &[S::Signed, S::Contacted, S::InProgress, S::ExtensionRequested, S::Replied, S::Reopened],
        ActionKind::Summon | ActionKind::ArriveOnSite => &[S::Signed, S::Contacted, S::InProgress, S::ExtensionRequested, S::Reopened],
        ActionKind::Exclude => &[
            S::Dispatched,
            S::Signed,
            S::Disputed,
            S::Contacted,
            S::InProgress,
            S::ExtensionRequested,
            S::Replied,
            S::Evaluated,
            S::Closed,
            S::Reopened,
        ],
    }
}

/// Refusals by a guard of the transition function (not by the table or the matrix).
const GUARD_CODES: [&str; 11] = [
    "dispute_window_closed",
    "already_on_site",
    "whistle_for_streets",
    "not_main_unit",
    "not_in_callback_queue",
    "clock_already_paused",
    "clock_not_paused",
    "not_a_co_unit",
    "invalid_summons",
    "not_summoned",
    "not_supervised",
];

fn is_guard_refusal(e: &DomainError) -> bool {
    match e {
        DomainError::Validation(v) => GUARD_CODES.contains(&v.code),
        DomainError::NotYourUnit { code, .. } => GUARD_CODES.contains(code),
        _ => false,
    }
}

/// The intended target state of an allowed action on `before`.
fn pinned_target(action: &Action, before: &WorkOrder) -> State {
    use State as S;
    let from = before.state;
    match action {
        Action::Triage { .. } => S::Triaged,
        Action::Answer { .. } => S::AnsweredDirectly,
        Action::Transfer { .. } => S::Transferred,
        Action::Redirect { .. } => S::Redirected,
        Action::LinkDuplicate { .. } => S::LinkedDuplicate,
        Action::Dispatch { .. } => S::Dispatched,
        Action::Sign => S::Signed,
        Action::Dispute { .. } => S::Disputed,
        Action::Arbitrate { decision: ArbitrationDecision::Uphold, .. } => S::Signed,
        Action::Arbitrate { decision: ArbitrationDecision::Redispatch { .. }, .. } => S::Dispatched,
        Action::Contact { .. } => S::Contacted,
        Action::StartWork { .. } => S::InProgress,
        Action::RequestExtension { .. } => S::ExtensionRequested,
        Action::GrantExtension { .. } | Action::RefuseExtension { .. } => S::InProgress,
        Action::Reply { .. } => S::Replied,
        Action::Evaluate { evaluation } => {
            if policy().handling.reopens(evaluation, before.reopen_count) {
                S::Reopened
            } else {
                S::Evaluated
            }
        }
        Action::CallbackAttempt { .. } => {
            if before.handling.callback_attempts + 1 >= policy().handling.callback_attempts {
                S::Evaluated
            } else {
                from
            }
        }
        Action::PauseClock { .. }
        | Action::ResumeClock { .. }
        | Action::CoReport { .. }
        | Action::Summon { .. }
        | Action::ReportIn { .. }
        | Action::ArriveOnSite { .. }
        | Action::Remind { .. }
        | Action::Exclude { .. } => from,
        Action::Close { .. } => S::Closed,
        Action::Reopen { .. } => S::Reopened,
        Action::Supervise { .. } => from,
    }
}

const CENTRE_INTAKE: [ActionKind; 6] =
    [ActionKind::Triage, ActionKind::Answer, ActionKind::Transfer, ActionKind::Redirect, ActionKind::LinkDuplicate, ActionKind::Dispatch];

const SUPERVISOR: [ActionKind; 14] = [
    ActionKind::Triage,
    ActionKind::Answer,
    ActionKind::Transfer,
    ActionKind::Redirect,
    ActionKind::LinkDuplicate,
    ActionKind::Dispatch,
    ActionKind::Arbitrate,
    ActionKind::GrantExtension,
    ActionKind::RefuseExtension,
    ActionKind::Supervise,
    ActionKind::Remind,
    ActionKind::Exclude,
    ActionKind::Close,
    ActionKind::Reopen,
];

const UNIT_WORK: [ActionKind; 12] = [
    ActionKind::Sign,
    ActionKind::Dispute,
    ActionKind::Contact,
    ActionKind::StartWork,
    ActionKind::RequestExtension,
    ActionKind::Reply,
    ActionKind::PauseClock,
    ActionKind::ResumeClock,
    ActionKind::CoReport,
    ActionKind::Summon,
    ActionKind::ReportIn,
    ActionKind::ArriveOnSite,
];

/// The intended permission matrix over the action kinds.
const MATRIX: [(Role, &[ActionKind]); 8] = [
    (Role::Operator, &CENTRE_INTAKE),
    (Role::Supervisor, &SUPERVISOR),
    (Role::UnitHandler, &UNIT_WORK),
    (Role::UnitAdmin, &UNIT_WORK),
    (Role::CallbackAgent, &[ActionKind::Evaluate, ActionKind::CallbackAttempt]),
    (Role::Analyst, &[]),
    (Role::Admin, &[]),
    (Role::Open311Client, &[]),
];

fn pinned_may(role: Role, kind: ActionKind) -> bool {
    MATRIX.iter().find(|(r, _)| *r == role).unwrap().1.contains(&kind)
}

/// The roles the pinned matrix lets perform `kind`.
fn performers(kind: ActionKind) -> Vec<Role> {
    Role::ALL.into_iter().filter(|r| pinned_may(*r, kind)).collect()
}

fn performer(kind: ActionKind) -> Role {
    performers(kind)[0]
}

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

/// Monday 2026-11-23 10:00 in Beijing.
fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, 23, 2, 0, 0).unwrap()
}

fn mins(n: i64) -> Duration {
    Duration::minutes(n)
}

fn policy() -> DeadlinePolicy {
    let mut p = DeadlinePolicy::default_policy();
    p.version = 7;
    p
}

fn actor(role: Role) -> Actor {
    Actor {
        user_id: Some(UserId(100)),
        role: Some(role),
        unit: role.is_unit_role().then_some(UnitId(10)),
        unit_class: role.is_unit_role().then_some(UnitClass::Street),
        name: role.code().to_owned(),
    }
}

fn category() -> CategoryPath {
    CategoryPath::parse("CTY/streetlight").unwrap()
}

fn assignment_a() -> Assignment {
    Assignment { main_unit: UnitId(10), co_units: vec![UnitId(11)], district_copy: Some(UnitId(2)) }
}

fn assignment_b() -> Assignment {
    Assignment { main_unit: UnitId(20), co_units: vec![], district_copy: None }
}

fn a_reply() -> Reply {
    Reply { outcome: ReplyOutcome::Resolved, text: "路灯已修复".into() }
}

fn an_evaluation() -> Evaluation {
    Evaluation { contacted: true, resolution: Resolution::Resolved, satisfaction: Satisfaction::Satisfied, comment: "很快".into() }
}

fn fresh_order() -> WorkOrder {
    let requester = Requester::parse("张三", Some("13812345678"), None, None, false).unwrap();
    let location = Location::parse("朝阳区建国路 1 号", Some(UnitId(2)), Some(UnitId(10)), None, None).unwrap();
    let new = NewOrder::parse(Channel::Phone, "路灯不亮已经三天了", requester, location, vec![]).unwrap();
    WorkOrder::received(new, Some(UserId(1)), t0())
}

/// A sample action of each kind; `None` for the kinds that are not actions.
fn sample(kind: ActionKind) -> Option<Action> {
    let until = t0() + Duration::days(20);
    Some(match kind {
        ActionKind::Receive | ActionKind::RevealContact | ActionKind::DeadlineNotice | ActionKind::ExternalUpdate | ActionKind::Import => {
            return None;
        }
        ActionKind::Triage => {
            Action::Triage { nature: Nature::Complaint, category: category(), category_version: None, urgency: Urgency::General }
        }
        ActionKind::Answer => Action::Answer { answer: "按政策答复".into(), article: None },
        ActionKind::Transfer => Action::Transfer { service: EmergencyService::Fire, note: "有烟".into() },
        ActionKind::Redirect => Action::Redirect { reason: "已进入诉讼程序".into() },
        ActionKind::LinkDuplicate => Action::LinkDuplicate { of: OrderNumber::parse("2026112200007").unwrap(), case: CaseId(7) },
        ActionKind::Dispatch => Action::Dispatch { assignment: assignment_a(), note: "请尽快处理".into() },
        ActionKind::Sign => Action::Sign,
        ActionKind::Dispute => Action::Dispute { reason: "不属于本单位职责".into(), proposed_unit: Some(UnitId(20)) },
        ActionKind::Arbitrate => Action::Arbitrate { decision: ArbitrationDecision::Uphold, reason: "职责明确".into() },
        ActionKind::Contact => Action::Contact { note: "已电话联系".into() },
        ActionKind::StartWork => Action::StartWork { note: "到场".into() },
        ActionKind::RequestExtension => Action::RequestExtension { reason: "需采购配件".into(), until },
        ActionKind::GrantExtension => Action::GrantExtension { until, reason: "理由充分".into() },
        ActionKind::RefuseExtension => Action::RefuseExtension { reason: "理由不足".into() },
        ActionKind::Reply => Action::Reply { reply: a_reply() },
        ActionKind::Evaluate => Action::Evaluate { evaluation: an_evaluation() },
        ActionKind::Close => Action::Close { note: "办结".into() },
        ActionKind::Reopen => Action::Reopen { reason: "诉求人不满意".into() },
        ActionKind::Supervise => supervise(true),
        ActionKind::PauseClock => Action::PauseClock { reason: "诉求人出差，约定下周上门".into() },
        ActionKind::ResumeClock => Action::ResumeClock { note: "诉求人已返京".into() },
        ActionKind::CoReport => Action::CoReport { text: "已清理管线".into() },
        ActionKind::Summon => {
            Action::Summon { units: vec![UnitId(30)], report_by: t0() + Duration::days(30), note: "请城管执法到场".into() }
        }
        ActionKind::ReportIn => Action::ReportIn { note: "已到场".into() },
        ActionKind::ArriveOnSite => Action::ArriveOnSite { note: "已到现场".into() },
        ActionKind::Remind => Action::Remind { note: "请尽快办理".into() },
        ActionKind::CallbackAttempt => Action::CallbackAttempt { note: "无人接听".into() },
        ActionKind::Exclude => {
            Action::Exclude { exclusion: Some(hotline_domain::Exclusion::Unreasonable), reason: "诉求不合理".into() }
        }
    })
}

fn supervise(on: bool) -> Action {
    Action::Supervise { on, note: "重点督办".into(), reason: None, reach_site_by: None }
}

/// An order in `from`, an actor and a time at which `action`'s guards hold, so only the transition
/// table and the permission matrix can refuse it: disputes early, callbacks after the reply due
/// time, a paused clock to resume, a summons to report to, a supervision to arrive for, and a
/// co-unit to report.
fn ready(kind: ActionKind, from: State, role: Role) -> (WorkOrder, Actor, Timestamp) {
    let mut o = order_in(from);
    let mut who = actor(role);
    let mut now = t0() + Duration::days(5);
    match kind {
        ActionKind::Dispute => now = t0() + mins(70),
        ActionKind::Evaluate | ActionKind::CallbackAttempt => now = t0() + Duration::days(12),
        ActionKind::ResumeClock => o.handling.paused_since = Some(t0() + Duration::days(1)),
        ActionKind::ReportIn => o.handling.summons.push(hotline_domain::handling::Summons {
            unit: UnitId(10),
            summoned_at: t0(),
            report_by: t0() + Duration::days(1),
            reported_at: None,
            note: String::new(),
        }),
        ActionKind::ArriveOnSite | ActionKind::Remind => {
            o.handling.supervision = Some(hotline_domain::handling::Supervision {
                reason: hotline_domain::SuperviseReason::Sensitive,
                instructions: String::new(),
                reach_site_by: Some(t0() + Duration::days(6)),
                arrived_at: None,
                reminders: 0,
                since: t0(),
            });
        }
        ActionKind::CoReport => who.unit = Some(UnitId(11)),
        _ => {}
    }
    (o, who, now)
}

/// Every sample action, plus the second arbitration decision.
fn all_samples() -> Vec<Action> {
    let mut v: Vec<Action> = ACTION_KINDS.iter().map(|k| sample(*k).unwrap()).collect();
    v.push(Action::Arbitrate { decision: ArbitrationDecision::Redispatch { assignment: assignment_b() }, reason: "改派".into() });
    v
}

fn dispatched_or_later(s: State) -> bool {
    matches!(
        s,
        State::Dispatched
            | State::Signed
            | State::Disputed
            | State::Contacted
            | State::InProgress
            | State::ExtensionRequested
            | State::Replied
            | State::Evaluated
            | State::Closed
            | State::Reopened
    )
}

/// A consistent order in `state`, built field by field (not through `apply`), as if it had gone
/// through: received t0, triaged +5 min, dispatched +10 min, signed +20 min, contacted +1 h,
/// replied +2 d, evaluated, closed +3 d, reopened +4 d.
fn order_in(state: State) -> WorkOrder {
    use State as S;
    let p = policy();
    let mut o = fresh_order();
    o.id = OrderId(42);
    o.number = OrderNumber::parse("2026112300042").unwrap();
    o.case_id = CaseId(42);
    if state == S::Received {
        return o;
    }
    o.version = 7;
    o.updated_at = t0() + mins(5);

    let triaged_first = !matches!(state, S::Transferred | S::Redirected | S::LinkedDuplicate);
    if triaged_first {
        o.nature = Some(Nature::Complaint);
        o.category = Some(category());
        o.urgency = Urgency::General;
        o.dues.policy_version = p.version;
        o.dues.dispatch_due = Some(p.due(Urgency::General, Stage::Dispatch, t0()));
    }
    if dispatched_or_later(state) {
        let at = t0() + mins(10);
        o.assignment = Some(assignment_a());
        o.first_dispatched_at = Some(at);
        o.dispatched_at = Some(at);
        o.dues.contact_due = Some(p.due(Urgency::General, Stage::FirstContact, at));
        o.dues.reply_due = Some(p.due(Urgency::General, Stage::Reply, at));
    }
    if matches!(state, S::Signed | S::Contacted | S::InProgress | S::ExtensionRequested | S::Replied | S::Evaluated | S::Closed) {
        o.signed_at = Some(t0() + mins(20));
    }
    if matches!(state, S::Contacted | S::InProgress | S::ExtensionRequested | S::Replied | S::Evaluated | S::Closed) {
        o.contacted_at = Some(t0() + mins(60));
    }
    if matches!(state, S::Replied | S::Evaluated | S::Closed) {
        o.reply = Some(a_reply());
        o.replied_at = Some(t0() + Duration::days(2));
    }
    if matches!(state, S::Evaluated | S::Closed) {
        o.evaluation = Some(an_evaluation());
        o.evaluated_at = Some(t0() + Duration::days(2) + mins(60));
    }
    match state {
        S::Disputed => o.dispute_count = 1,
        S::Transferred => o.transferred_to = Some(EmergencyService::Fire),
        S::LinkedDuplicate => o.duplicate_of = Some(OrderNumber::parse("2026112200007").unwrap()),
        S::Reopened => {
            let at = t0() + Duration::days(4);
            o.reopen_count = 1;
            o.dues.contact_due = Some(p.due(Urgency::General, Stage::FirstContact, at));
            o.dues.reply_due = Some(p.due(Urgency::General, Stage::Reply, at));
        }
        _ => {}
    }
    if state.is_terminal() {
        o.closed_at = Some(t0() + Duration::days(3));
    }
    o.state = state;
    o
}

/// Applies `action` as `role` at `now`, asserting it succeeds, and returns the next order.
#[track_caller]
fn step(order: &WorkOrder, action: Action, role: Role, now: Timestamp) -> WorkOrder {
    match order.apply(action, &actor(role), now, &policy()) {
        Ok(t) => t.order,
        Err(e) => panic!("expected success from {:?}: {e:?}", order.state),
    }
}

/// A triaged order (General urgency) dispatched to unit A at `t0 + 10 min`.
fn dispatched() -> WorkOrder {
    let o = step(&fresh_order(), sample(ActionKind::Triage).unwrap(), Role::Operator, t0() + mins(5));
    step(&o, sample(ActionKind::Dispatch).unwrap(), Role::Operator, t0() + mins(10))
}

/// Structural invariants every order must satisfy, whatever its history. Returns the violations.
fn invariant_violations(o: &WorkOrder) -> Vec<String> {
    let mut v = Vec::new();
    let mut check = |ok: bool, what: &str| {
        if !ok {
            v.push(format!("{:?}: {what}", o.state));
        }
    };
    let s = o.state;
    if dispatched_or_later(s) {
        check(o.nature.is_some(), "dispatched or later implies nature");
        check(o.category.is_some(), "dispatched or later implies category");
        check(o.assignment.is_some(), "dispatched or later implies assignment");
        check(o.dues.reply_due.is_some(), "dispatched or later implies reply_due");
        check(o.dues.contact_due.is_some(), "dispatched or later implies contact_due");
        check(o.first_dispatched_at.is_some(), "dispatched or later implies first_dispatched_at");
    } else {
        check(o.assignment.is_none(), "before dispatch / non-dispatched disposition has no assignment");
    }
    if s == State::Triaged {
        check(o.nature.is_some() && o.category.is_some(), "triaged implies nature and category");
        check(o.dues.dispatch_due.is_some(), "triaged implies dispatch_due");
    }
    if s == State::Replied {
        check(o.reply.is_some(), "replied implies reply");
        check(o.replied_at.is_some(), "replied implies replied_at");
    }
    if s == State::Evaluated {
        check(o.evaluation.is_some() != o.handling.unreachable, "evaluated implies an evaluation, or an unreachable requester");
        check(o.evaluated_at.is_some(), "evaluated implies evaluated_at");
    }
    if s == State::Reopened {
        check(o.reply.is_none(), "reopened has no reply");
    }
    if o.handling.paused_since.is_some() {
        check(s.is_with_unit() && s != State::Reopened, "only an order in a unit's hands has a paused clock");
    }
    check(o.closed_at.is_some() == s.is_terminal(), "closed_at is set iff the state is terminal");
    if s.is_terminal() {
        check(s == State::Closed || o.assignment.is_none(), "only Closed among terminal states has an assignment");
        check(!o.supervised, "a terminal order is not supervised");
    }
    if s == State::Transferred {
        check(o.transferred_to.is_some(), "transferred implies transferred_to");
    }
    if s == State::LinkedDuplicate {
        check(o.duplicate_of.is_some(), "linked duplicate implies duplicate_of");
    }
    v
}

#[test]
fn the_fixtures_are_consistent_orders() {
    for &s in State::ALL {
        let o = order_in(s);
        assert_eq!(o.state, s);
        assert_eq!(invariant_violations(&o), Vec::<String>::new());
    }
}

// ---------------------------------------------------------------------------------------------
// 1. The transition table
// ---------------------------------------------------------------------------------------------

#[test]
fn the_pinned_transition_table_matches_allowed_from() {
    for kind in ACTION_KINDS {
        let mut pinned = pinned_allowed_from(kind).to_vec();
        let mut actual = kind.allowed_from().to_vec();
        pinned.sort();
        actual.sort();
        assert_eq!(actual, pinned, "allowed_from({kind:?})");
    }
    assert!(ActionKind::Receive.allowed_from().is_empty(), "nothing moves an order into Received");
    // Every kind but the two non-actions appears in the table exactly once.
    let others: Vec<ActionKind> = ActionKind::ALL.iter().copied().filter(|k| !ACTION_KINDS.contains(k)).collect();
    assert_eq!(
        others,
        [ActionKind::Receive, ActionKind::RevealContact, ActionKind::DeadlineNotice, ActionKind::ExternalUpdate, ActionKind::Import]
    );
    for kind in ACTION_KINDS {
        assert_eq!(sample(kind).unwrap().kind(), kind);
    }
}

#[test]
fn every_action_succeeds_exactly_from_its_allowed_states_and_lands_in_its_target() {
    let mut checked = 0;
    for action in all_samples() {
        let kind = action.kind();
        let role = performer(kind);
        for &from in State::ALL {
            let (order, who, now) = ready(kind, from, role);
            let result = order.apply(action.clone(), &who, now, &policy());
            if pinned_allowed_from(kind).contains(&from) {
                let t = result.unwrap_or_else(|e| panic!("{kind:?} from {from:?} should succeed: {e:?}"));
                let to = pinned_target(&action, &order);
                assert_eq!(t.order.state, to, "{kind:?} from {from:?}");
                assert_eq!(t.event.from, Some(from));
                assert_eq!(t.event.to, to);
                assert_eq!(t.event.kind(), kind);
                assert_eq!(t.order.version, order.version + 1);
                assert_eq!(invariant_violations(&t.order), Vec::<String>::new(), "{kind:?} from {from:?} produced an inconsistent order");
            } else {
                assert_eq!(result, Err(DomainError::InvalidTransition { from, action: kind }), "{kind:?} from {from:?} should be refused");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 29 * 16);
}

#[test]
fn signing_is_refused_before_dispatch() {
    for from in [State::Received, State::Triaged] {
        assert_eq!(
            order_in(from).apply(Action::Sign, &actor(Role::UnitHandler), t0(), &policy()),
            Err(DomainError::InvalidTransition { from, action: ActionKind::Sign })
        );
    }
}

#[test]
fn dispatch_is_refused_before_triage() {
    let err = fresh_order().apply(sample(ActionKind::Dispatch).unwrap(), &actor(Role::Operator), t0(), &policy());
    assert_eq!(err, Err(DomainError::InvalidTransition { from: State::Received, action: ActionKind::Dispatch }));
}

#[test]
fn a_unit_must_sign_and_contact_before_replying() {
    for from in [State::Dispatched, State::Signed, State::Reopened] {
        assert_eq!(
            order_in(from).apply(sample(ActionKind::Reply).unwrap(), &actor(Role::UnitHandler), t0(), &policy()),
            Err(DomainError::InvalidTransition { from, action: ActionKind::Reply })
        );
    }
}

#[test]
fn terminal_dispositions_accept_nothing_and_closed_accepts_only_reopen() {
    for from in TERMINAL_STATES {
        for action in all_samples() {
            let kind = action.kind();
            let result = order_in(*from).apply(action, &actor(performer(kind)), t0() + Duration::days(5), &policy());
            if *from == State::Closed && matches!(kind, ActionKind::Reopen | ActionKind::Exclude) {
                assert!(result.is_ok());
            } else {
                assert_eq!(result, Err(DomainError::InvalidTransition { from: *from, action: kind }));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 2. The permission matrix
// ---------------------------------------------------------------------------------------------

#[test]
fn the_permission_matrix_is_the_pinned_one() {
    assert_eq!(MATRIX.map(|(r, _)| r), Role::ALL, "the pinned matrix lists every role");
    for role in Role::ALL {
        for kind in ACTION_KINDS {
            assert_eq!(role.may(kind), pinned_may(role, kind), "{role:?} may {kind:?}");
        }
    }
}

#[test]
fn apply_is_forbidden_exactly_when_the_role_may_not_act() {
    for role in Role::ALL {
        for action in all_samples() {
            let kind = action.kind();
            let allowed = pinned_allowed_from(kind);
            let allowed_state = allowed[0];
            let refused_state = State::ALL.iter().copied().find(|s| !allowed.contains(s)).unwrap();

            let (order, mut who, now) = ready(kind, allowed_state, role);
            if !role.is_unit_role() {
                who.unit = None;
                if kind == ActionKind::CoReport {
                    who.unit = Some(UnitId(11));
                }
            }
            let from_allowed = order.apply(action.clone(), &who, now, &policy());
            let from_refused = order_in(refused_state).apply(action.clone(), &who, now, &policy());
            if role.may(kind) {
                assert!(from_allowed.is_ok(), "{role:?} {kind:?} from {allowed_state:?}: {from_allowed:?}");
                assert_eq!(from_refused, Err(DomainError::InvalidTransition { from: refused_state, action: kind }));
            } else {
                // Forbidden wins over InvalidTransition: the role is checked first.
                assert_eq!(from_allowed, Err(DomainError::Forbidden { action: kind }), "{role:?} {kind:?}");
                assert_eq!(from_refused, Err(DomainError::Forbidden { action: kind }), "{role:?} {kind:?}");
            }
        }
    }
}

#[test]
fn a_citizen_or_any_actor_without_a_role_is_forbidden_every_action_in_every_state() {
    let roleless_staff = Actor { user_id: Some(UserId(5)), role: None, unit: Some(UnitId(10)), unit_class: None, name: "no role".into() };
    for who in [Actor::citizen(), roleless_staff] {
        assert_eq!(who.role, None);
        for &from in State::ALL {
            for action in all_samples() {
                let kind = action.kind();
                if kind == ActionKind::Evaluate && who.user_id.is_none() {
                    continue; // a citizen's online rating: its own test below
                }
                assert_eq!(
                    order_in(from).apply(action, &who, t0() + Duration::days(5), &policy()),
                    Err(DomainError::Forbidden { action: kind }),
                    "{} {kind:?} from {from:?}",
                    who.name
                );
            }
        }
    }
}

#[test]
fn a_citizen_may_rate_a_replied_order_online_and_nothing_else() {
    let rated =
        order_in(State::Replied).apply(sample(ActionKind::Evaluate).unwrap(), &Actor::citizen(), t0() + Duration::days(3), &policy());
    assert_eq!(rated.unwrap().order.state, State::Evaluated);
    assert_eq!(
        order_in(State::Closed).apply(sample(ActionKind::Evaluate).unwrap(), &Actor::citizen(), t0() + Duration::days(3), &policy()),
        Err(DomainError::InvalidTransition { from: State::Closed, action: ActionKind::Evaluate })
    );
}

#[test]
fn analysts_admins_and_client_systems_act_on_nothing() {
    for role in [Role::Analyst, Role::Admin, Role::Open311Client] {
        for kind in ACTION_KINDS {
            assert!(!role.may(kind));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Specific behaviours
// ---------------------------------------------------------------------------------------------

#[test]
fn triage_sets_the_dispatch_due_from_the_receipt_time() {
    let p = policy();
    let triage = Action::Triage { nature: Nature::Help, category: category(), category_version: None, urgency: Urgency::Emergency };
    let o = fresh_order().apply(triage, &actor(Role::Operator), t0() + mins(5), &p).unwrap().order;
    assert_eq!(o.urgency, Urgency::Emergency);
    assert_eq!(o.nature, Some(Nature::Help));
    assert_eq!(o.dues.policy_version, 7);
    // Emergency: 15 minutes to dispatch, counted from receipt, not from triage.
    assert_eq!(o.dues.dispatch_due, Some(t0() + mins(15)));
}

#[test]
fn triage_keeps_the_category_tree_version_the_category_was_chosen_from() {
    let p = policy();
    let triage = Action::Triage { nature: Nature::Help, category: category(), category_version: Some(3), urgency: Urgency::General };
    let t = fresh_order().apply(triage, &actor(Role::Operator), t0() + mins(5), &p).unwrap();
    assert_eq!(t.order.category_version, Some(3));
    assert_eq!(t.event.payload.to_json()["category_version"], 3, "the timeline records it too");
    // Re-filing under a newer tree records the newer version.
    let again = Action::Triage { nature: Nature::Help, category: category(), category_version: Some(4), urgency: Urgency::General };
    let o = t.order.apply(again, &actor(Role::Operator), t0() + mins(6), &p).unwrap().order;
    assert_eq!(o.category_version, Some(4));
}

#[test]
fn dispatch_stores_contact_due_and_reply_due_from_the_policy() {
    let p = policy();
    for urgency in Urgency::ALL {
        let triage = Action::Triage { nature: Nature::Complaint, category: category(), category_version: None, urgency: *urgency };
        let triaged = step(&fresh_order(), triage, Role::Operator, t0() + mins(5));
        let at = t0() + mins(30);
        let t = triaged.apply(sample(ActionKind::Dispatch).unwrap(), &actor(Role::Operator), at, &p).unwrap();
        let o = &t.order;
        assert_eq!(o.state, State::Dispatched);
        assert_eq!(o.assignment, Some(assignment_a()));
        assert_eq!(o.first_dispatched_at, Some(at));
        assert_eq!(o.dispatched_at, Some(at));
        assert_eq!(o.dues.policy_version, p.version);
        assert_eq!(o.dues.contact_due, Some(p.due(*urgency, Stage::FirstContact, at)), "{urgency:?}");
        assert_eq!(o.dues.reply_due, Some(p.due(*urgency, Stage::Reply, at)), "{urgency:?}");
        assert_eq!(t.event.reason.as_deref(), Some("请尽快处理"));
    }
    // The shipped numbers, spelled out for the 24-hour class: contact within 2 h, reply within 24 h.
    let triage = Action::Triage { nature: Nature::Help, category: category(), category_version: None, urgency: Urgency::Utility24h };
    let o = step(&fresh_order(), triage, Role::Operator, t0());
    let o = step(&o, sample(ActionKind::Dispatch).unwrap(), Role::Supervisor, t0() + mins(10));
    assert_eq!(o.dues.contact_due, Some(t0() + mins(10) + Duration::hours(2)));
    assert_eq!(o.dues.reply_due, Some(t0() + mins(10) + Duration::hours(24)));
}

#[test]
fn an_upheld_dispute_keeps_the_assignment_and_the_dues_of_the_first_dispatch() {
    let d = dispatched();
    let signed = step(&d, Action::Sign, Role::UnitHandler, t0() + mins(20));
    let disputed = step(&signed, sample(ActionKind::Dispute).unwrap(), Role::UnitAdmin, t0() + Duration::hours(3));
    assert_eq!(disputed.state, State::Disputed);
    assert_eq!(disputed.dispute_count, 1);

    let uphold = Action::Arbitrate { decision: ArbitrationDecision::Uphold, reason: "职责明确".into() };
    let upheld = step(&disputed, uphold, Role::Supervisor, t0() + Duration::days(1));
    assert_eq!(upheld.state, State::Signed);
    assert_eq!(upheld.dues, d.dues, "the clock keeps running from the first dispatch");
    assert_eq!(upheld.assignment, Some(assignment_a()));
    assert_eq!(upheld.dispatched_at, d.dispatched_at);
    assert_eq!(upheld.first_dispatched_at, d.first_dispatched_at);
    assert_eq!(upheld.signed_at, Some(t0() + mins(20)), "the original signing time is kept");
    assert_eq!(upheld.dispute_count, 1);
}

#[test]
fn an_upheld_dispute_of_an_unsigned_order_counts_as_signed_at_arbitration() {
    let d = dispatched();
    let disputed = step(&d, sample(ActionKind::Dispute).unwrap(), Role::UnitHandler, t0() + mins(30));
    let uphold = Action::Arbitrate { decision: ArbitrationDecision::Uphold, reason: String::new() };
    let at = t0() + Duration::hours(2);
    let t = disputed.apply(uphold, &actor(Role::Supervisor), at, &policy()).unwrap();
    assert_eq!(t.order.state, State::Signed);
    assert_eq!(t.order.signed_at, Some(at));
    assert_eq!(t.order.dues, d.dues);
    assert_eq!(t.event.reason, None, "an empty reason is not recorded");
}

#[test]
fn a_redispatch_replaces_the_assignment_and_restarts_the_dues() {
    let p = policy();
    let d = dispatched();
    let signed = step(&d, Action::Sign, Role::UnitHandler, t0() + mins(20));
    let disputed = step(&signed, sample(ActionKind::Dispute).unwrap(), Role::UnitHandler, t0() + Duration::hours(3));
    let at = t0() + Duration::days(1);
    let redispatch =
        Action::Arbitrate { decision: ArbitrationDecision::Redispatch { assignment: assignment_b() }, reason: "改派".into() };
    let o = step(&disputed, redispatch, Role::Supervisor, at);
    assert_eq!(o.state, State::Dispatched);
    assert_eq!(o.assignment, Some(assignment_b()));
    assert_eq!(o.dispatched_at, Some(at));
    assert_eq!(o.first_dispatched_at, d.first_dispatched_at, "the first dispatch is still the first");
    assert_eq!(o.signed_at, None, "the new unit has not signed yet");
    assert_eq!(o.dues.contact_due, Some(p.due(Urgency::General, Stage::FirstContact, at)));
    assert_eq!(o.dues.reply_due, Some(p.due(Urgency::General, Stage::Reply, at)));
    assert_ne!(o.dues.reply_due, d.dues.reply_due);
    assert_eq!(o.dues.dispatch_due, d.dues.dispatch_due);
}

#[test]
fn granting_an_extension_moves_the_reply_due_and_refusing_keeps_it() {
    let before = order_in(State::ExtensionRequested);
    let until = t0() + Duration::days(30);
    let grant = Action::GrantExtension { until, reason: "配件缺货".into() };
    let t = before.apply(grant, &actor(Role::Supervisor), t0() + Duration::days(3), &policy()).unwrap();
    assert_eq!(t.order.state, State::InProgress);
    assert_eq!(t.order.dues.reply_due, Some(until));
    assert_eq!(t.order.dues.contact_due, before.dues.contact_due);
    assert_eq!(t.event.payload.to_json()["reply_due"], serde_json::json!(until));

    let refused = step(&before, sample(ActionKind::RefuseExtension).unwrap(), Role::Supervisor, t0() + Duration::days(3));
    assert_eq!(refused.state, State::InProgress);
    assert_eq!(refused.dues, before.dues);

    // Merely asking does not move anything either.
    let asked = step(&order_in(State::InProgress), sample(ActionKind::RequestExtension).unwrap(), Role::UnitHandler, t0());
    assert_eq!(asked.dues, order_in(State::InProgress).dues);
}

#[test]
fn reopen_increments_reopen_count_clears_the_reply_keeps_the_evaluation_and_restarts_the_dues() {
    let p = policy();
    for from in [State::Replied, State::Evaluated, State::Closed] {
        let before = order_in(from);
        let at = t0() + Duration::days(10);
        let o = step(&before, sample(ActionKind::Reopen).unwrap(), Role::Supervisor, at);
        assert_eq!(o.state, State::Reopened);
        assert_eq!(o.reopen_count, before.reopen_count + 1);
        assert_eq!(o.reply, None);
        assert_eq!(o.evaluation, before.evaluation, "the month's assessment still counts the callback until the next one");
        assert_eq!(o.replied_at, None);
        assert_eq!(o.closed_at, None);
        assert_eq!(o.signed_at, None);
        assert_eq!(o.contacted_at, None, "the unit must contact the requester again");
        assert_eq!(o.assignment, before.assignment, "the same unit handles it again");
        assert_eq!(o.dues.contact_due, Some(p.due(Urgency::General, Stage::FirstContact, at)));
        assert_eq!(o.dues.reply_due, Some(p.due(Urgency::General, Stage::Reply, at)));
    }
    // A second round counts again.
    let once = step(&order_in(State::Closed), sample(ActionKind::Reopen).unwrap(), Role::Supervisor, t0() + Duration::days(10));
    let o = step(&once, Action::Sign, Role::UnitHandler, t0() + Duration::days(10));
    let o = step(&o, sample(ActionKind::Contact).unwrap(), Role::UnitHandler, t0() + Duration::days(11));
    assert_eq!(o.contacted_at, Some(t0() + Duration::days(11)), "the new contact is recorded");
    let o = step(&o, sample(ActionKind::Reply).unwrap(), Role::UnitHandler, t0() + Duration::days(12));
    let o = step(&o, sample(ActionKind::Reopen).unwrap(), Role::Supervisor, t0() + Duration::days(13));
    assert_eq!(o.reopen_count, 2);
}

#[test]
fn supervise_toggles_the_flag_without_changing_the_state() {
    for from in OPEN_STATES {
        let before = order_in(*from);
        let on = step(&before, supervise(true), Role::Supervisor, t0() + Duration::days(5));
        assert_eq!(on.state, *from);
        assert!(on.supervised);
        assert_eq!(on.version, before.version + 1);
        let off = step(&on, supervise(false), Role::Supervisor, t0() + Duration::days(6));
        assert_eq!(off.state, *from);
        assert!(!off.supervised);
        assert_eq!(off.version, before.version + 2);
    }
}

#[test]
fn supervise_is_refused_on_terminal_states() {
    for from in TERMINAL_STATES {
        assert_eq!(
            order_in(*from).apply(supervise(true), &actor(Role::Supervisor), t0(), &policy()),
            Err(DomainError::InvalidTransition { from: *from, action: ActionKind::Supervise })
        );
    }
}

#[test]
fn a_supervised_order_stops_being_supervised_when_it_reaches_a_terminal_state() {
    let supervised = step(&order_in(State::Triaged), supervise(true), Role::Supervisor, t0());
    for kind in [ActionKind::Answer, ActionKind::Transfer, ActionKind::Redirect, ActionKind::LinkDuplicate] {
        let o = step(&supervised, sample(kind).unwrap(), Role::Supervisor, t0() + mins(30));
        assert!(o.state.is_terminal());
        assert!(!o.supervised, "{kind:?}");
    }
    let replied = step(&order_in(State::Replied), supervise(true), Role::Supervisor, t0());
    let closed = step(&replied, sample(ActionKind::Close).unwrap(), Role::Supervisor, t0() + Duration::days(3));
    assert!(!closed.supervised);
}

/// The full happy path plus a reopen, with the acting role of each step.
fn happy_path() -> Vec<(Action, Role)> {
    vec![
        (sample(ActionKind::Triage).unwrap(), Role::Operator),
        (supervise(true), Role::Supervisor),
        (sample(ActionKind::Dispatch).unwrap(), Role::Operator),
        (Action::Sign, Role::UnitHandler),
        (sample(ActionKind::Contact).unwrap(), Role::UnitHandler),
        (sample(ActionKind::StartWork).unwrap(), Role::UnitHandler),
        (sample(ActionKind::RequestExtension).unwrap(), Role::UnitAdmin),
        (sample(ActionKind::GrantExtension).unwrap(), Role::Supervisor),
        (sample(ActionKind::Reply).unwrap(), Role::UnitHandler),
        (sample(ActionKind::Evaluate).unwrap(), Role::CallbackAgent),
        (sample(ActionKind::Close).unwrap(), Role::Supervisor),
        (sample(ActionKind::Reopen).unwrap(), Role::Supervisor),
        (Action::Sign, Role::UnitAdmin),
    ]
}

#[test]
fn version_increments_by_exactly_one_per_transition() {
    let mut o = fresh_order();
    assert_eq!(o.version, 0);
    for (i, (action, role)) in happy_path().into_iter().enumerate() {
        let now = t0() + Duration::hours(i as i64 + 1);
        let t = o.apply(action, &actor(role), now, &policy()).unwrap();
        assert_eq!(t.order.version, i as i64 + 1);
        assert_eq!(t.order.updated_at, now);
        o = t.order;
    }
    assert_eq!(o.state, State::Signed);
    assert_eq!(o.reopen_count, 1);
}

#[test]
fn a_transition_is_guarded_by_the_pre_transition_state_and_version() {
    let mut o = fresh_order();
    for (i, (action, role)) in happy_path().into_iter().enumerate() {
        let now = t0() + Duration::hours(i as i64 + 1);
        let who = actor(role);
        let t = o.apply(action.clone(), &who, now, &policy()).unwrap();
        assert_eq!(t.expected_state, o.state);
        assert_eq!(t.expected_version, o.version);
        assert_eq!(t.event.kind(), action.kind());
        assert_eq!(t.event.from, Some(o.state));
        assert_eq!(t.event.to, t.order.state);
        assert_eq!(t.event.actor, who);
        assert_eq!(t.event.at, now);
        o = t.order;
    }
}

#[test]
fn event_reasons_are_trimmed_and_blank_ones_dropped() {
    let o = order_in(State::Signed);
    let t = o.apply(Action::Contact { note: "  已联系  ".into() }, &actor(Role::UnitHandler), t0(), &policy()).unwrap();
    assert_eq!(t.event.reason.as_deref(), Some("已联系"));
    let t = o.apply(Action::Contact { note: "   ".into() }, &actor(Role::UnitHandler), t0(), &policy()).unwrap();
    assert_eq!(t.event.reason, None);
}

#[test]
fn terminal_dispositions_record_what_they_resolved_to() {
    let triaged = order_in(State::Triaged);
    let at = t0() + mins(30);
    let o = step(&triaged, sample(ActionKind::Transfer).unwrap(), Role::Operator, at);
    assert_eq!((o.state, o.transferred_to, o.closed_at), (State::Transferred, Some(EmergencyService::Fire), Some(at)));
    let o = step(&triaged, sample(ActionKind::LinkDuplicate).unwrap(), Role::Operator, at);
    assert_eq!(o.duplicate_of, Some(OrderNumber::parse("2026112200007").unwrap()));
    assert_eq!(o.case_id, CaseId(7), "a duplicate joins the case of the order it duplicates");
    let o = step(&fresh_order(), sample(ActionKind::Answer).unwrap(), Role::Operator, at);
    assert_eq!((o.state, o.closed_at), (State::AnsweredDirectly, Some(at)));
}

// --- overdue ---------------------------------------------------------------------------------

#[test]
fn a_triaged_order_is_dispatch_overdue_after_its_dispatch_due_until_dispatched() {
    let o = step(&fresh_order(), sample(ActionKind::Triage).unwrap(), Role::Operator, t0() + mins(5));
    let due = t0() + Duration::hours(2);
    assert_eq!(o.dues.dispatch_due, Some(due));
    assert_eq!(o.overdue(due), None, "due is inclusive");
    assert_eq!(o.overdue(due + Duration::seconds(1)), Some(Overdue::Dispatch));
    // Dispatched late: no longer dispatch-overdue.
    let d = step(&o, sample(ActionKind::Dispatch).unwrap(), Role::Operator, due + mins(30));
    assert_eq!(d.overdue(due + mins(31)), None);
}

#[test]
fn a_received_order_without_dues_is_not_overdue() {
    assert_eq!(fresh_order().overdue(t0() + Duration::days(365)), None);
}

#[test]
fn a_dispatched_order_is_contact_overdue_until_the_unit_contacts_the_requester() {
    let d = dispatched();
    let contact_due = d.dues.contact_due.unwrap();
    assert_eq!(contact_due, t0() + mins(10) + Duration::hours(24));
    assert_eq!(d.overdue(contact_due), None);
    assert_eq!(d.overdue(contact_due + mins(1)), Some(Overdue::Contact));
    let signed = step(&d, Action::Sign, Role::UnitHandler, t0() + Duration::hours(2));
    assert_eq!(signed.overdue(contact_due + mins(1)), Some(Overdue::Contact), "signing is not contact");
    let contacted = step(&signed, sample(ActionKind::Contact).unwrap(), Role::UnitHandler, contact_due + mins(30));
    assert_eq!(contacted.overdue(contact_due + mins(31)), None);
}

#[test]
fn an_unreplied_order_is_reply_overdue_after_its_reply_due_and_that_outranks_contact() {
    let d = dispatched();
    let reply_due = d.dues.reply_due.unwrap();
    assert_eq!(reply_due, t0() + mins(10) + Duration::days(7));
    assert_eq!(d.overdue(reply_due + mins(1)), Some(Overdue::Reply), "reply outranks the missed contact");
    let o = step(&d, Action::Sign, Role::UnitHandler, t0() + mins(20));
    let o = step(&o, sample(ActionKind::Contact).unwrap(), Role::UnitHandler, t0() + mins(60));
    assert_eq!(o.overdue(reply_due), None);
    assert_eq!(o.overdue(reply_due + mins(1)), Some(Overdue::Reply));
    let o = step(&o, sample(ActionKind::Reply).unwrap(), Role::UnitHandler, reply_due + mins(5));
    assert_eq!(o.overdue(reply_due + Duration::days(30)), None, "a replied order is not overdue");
    let o = step(&o, sample(ActionKind::Evaluate).unwrap(), Role::CallbackAgent, reply_due + Duration::days(1));
    assert_eq!(o.overdue(reply_due + Duration::days(30)), None);
}

#[test]
fn an_extension_lifts_the_reply_overdue() {
    let o = order_in(State::ExtensionRequested);
    let reply_due = o.dues.reply_due.unwrap();
    assert_eq!(o.overdue(reply_due + mins(1)), Some(Overdue::Reply), "still overdue while the request is pending");
    let grant = Action::GrantExtension { until: reply_due + Duration::days(5), reason: String::new() };
    let o = step(&o, grant, Role::Supervisor, reply_due - Duration::days(1));
    assert_eq!(o.overdue(reply_due + mins(1)), None);
    assert_eq!(o.overdue(reply_due + Duration::days(5) + mins(1)), Some(Overdue::Reply));
}

#[test]
fn a_reopened_order_counts_contact_and_reply_again() {
    let at = t0() + Duration::days(10);
    let o = step(&order_in(State::Evaluated), sample(ActionKind::Reopen).unwrap(), Role::Supervisor, at);
    assert_eq!(o.overdue(at + Duration::hours(1)), None);
    assert_eq!(o.overdue(at + Duration::hours(24) + mins(1)), Some(Overdue::Contact));
    assert_eq!(o.overdue(at + Duration::days(7) + mins(1)), Some(Overdue::Reply));
}

#[test]
fn terminal_orders_are_never_overdue() {
    let far = t0() + Duration::days(365);
    for from in TERMINAL_STATES {
        let mut o = order_in(*from);
        // Even with every due long past.
        o.dues.dispatch_due = Some(t0());
        o.dues.contact_due = Some(t0());
        o.dues.reply_due = Some(t0());
        assert_eq!(o.overdue(far), None, "{from:?}");
    }
    // And through the state machine: an order answered after its dispatch due.
    let triaged = step(&fresh_order(), sample(ActionKind::Triage).unwrap(), Role::Operator, t0());
    let answered = step(&triaged, sample(ActionKind::Answer).unwrap(), Role::Operator, t0() + Duration::hours(5));
    assert_eq!(answered.overdue(far), None);
}

// ---------------------------------------------------------------------------------------------
// 4. Random sequences
// ---------------------------------------------------------------------------------------------

/// One random step: which action, with which variant of its data, by whom, and how much later.
#[derive(Debug, Clone)]
struct Step {
    /// Index into the candidate kinds.
    pick: usize,
    /// Which kinds are candidates. 0..7: those the pinned table allows from the current state, minus
    /// the early dispositions and supervision, so that sequences reach the later states; 7..9: any
    /// allowed kind; 9: any kind at all (mostly refused).
    mode: u8,
    /// 0..8: a role that may act; 8: any role; 9: a citizen.
    who: u8,
    variant: u8,
    advance_minutes: i64,
}

fn step_strategy() -> impl Strategy<Value = Step> {
    (0usize..1000, 0u8..10, 0u8..10, any::<u8>(), 0i64..3000).prop_map(|(pick, mode, who, variant, advance_minutes)| Step {
        pick,
        mode,
        who,
        variant,
        advance_minutes,
    })
}

fn random_action(kind: ActionKind, variant: u8, now: Timestamp) -> Action {
    let v = usize::from(variant);
    let unit = UnitId(10 + i64::from(variant % 5));
    match kind {
        ActionKind::Triage => Action::Triage {
            nature: Nature::ALL[v % Nature::ALL.len()],
            category: category(),
            category_version: Some(i64::from(variant % 3)),
            urgency: Urgency::ALL[v % Urgency::ALL.len()],
        },
        ActionKind::Dispatch => {
            Action::Dispatch { assignment: Assignment { main_unit: unit, co_units: vec![], district_copy: None }, note: String::new() }
        }
        ActionKind::Arbitrate => Action::Arbitrate {
            decision: if variant.is_multiple_of(2) {
                ArbitrationDecision::Uphold
            } else {
                ArbitrationDecision::Redispatch {
                    assignment: Assignment { main_unit: unit, co_units: vec![UnitId(99)], district_copy: None },
                }
            },
            reason: String::new(),
        },
        ActionKind::RequestExtension => {
            Action::RequestExtension { reason: "r".into(), until: now + Duration::days(i64::from(variant % 20)) }
        }
        ActionKind::GrantExtension => {
            Action::GrantExtension { until: now + Duration::days(i64::from(variant % 20)), reason: String::new() }
        }
        ActionKind::Supervise => supervise(variant.is_multiple_of(2)),
        ActionKind::Reply => Action::Reply { reply: Reply { outcome: ReplyOutcome::ALL[v % ReplyOutcome::ALL.len()], text: "t".into() } },
        ActionKind::Evaluate => Action::Evaluate {
            evaluation: Evaluation {
                contacted: variant.is_multiple_of(2),
                resolution: Resolution::ALL[v % Resolution::ALL.len()],
                satisfaction: Satisfaction::ALL[v % Satisfaction::ALL.len()],
                comment: String::new(),
            },
        },
        other => sample(other).unwrap(),
    }
}

fn random_actor(kind: ActionKind, who: u8, variant: u8) -> Actor {
    let v = usize::from(variant);
    match who {
        0..=7 => actor(performers(kind)[v % performers(kind).len()]),
        8 => actor(Role::ALL[v % Role::ALL.len()]),
        _ => Actor::citizen(),
    }
}

proptest! {
    // No regression file: a failure prints its minimal input, which belongs in a named test.
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_action_sequences_preserve_the_order_invariants(steps in prop::collection::vec(step_strategy(), 0..=40)) {
        let policy = policy();
        let mut order = fresh_order();
        let mut now = t0();
        let mut successes: i64 = 0;
        let mut reopens = 0;
        let mut disputes = 0;
        prop_assert!(invariant_violations(&order).is_empty());

        for s in steps {
            now += Duration::minutes(s.advance_minutes);
            let allowed_now: Vec<ActionKind> =
                ACTION_KINDS.into_iter().filter(|k| pinned_allowed_from(*k).contains(&order.state)).collect();
            let progress: Vec<ActionKind> = allowed_now
                .iter()
                .copied()
                .filter(|k| {
                    !matches!(
                        k,
                        ActionKind::Answer | ActionKind::Transfer | ActionKind::Redirect | ActionKind::LinkDuplicate | ActionKind::Supervise
                    )
                })
                .collect();
            let candidates = match s.mode {
                0..=6 if !progress.is_empty() => progress,
                0..=8 if !allowed_now.is_empty() => allowed_now,
                _ => ACTION_KINDS.to_vec(),
            };
            let kind = candidates[s.pick % candidates.len()];
            let action = random_action(kind, s.variant, now);
            let who = random_actor(kind, s.who, s.variant);

            let before = order.clone();
            let may = who.role.map_or(kind == ActionKind::Evaluate && who.user_id.is_none(), |r| pinned_may(r, kind));
            let allowed = pinned_allowed_from(kind).contains(&before.state);
            match order.apply(action.clone(), &who, now, &policy) {
                Ok(t) => {
                    prop_assert!(may && allowed, "{kind:?} by {:?} from {:?} should have been refused", who.role, before.state);
                    successes += 1;
                    prop_assert_eq!(t.expected_state, before.state);
                    prop_assert_eq!(t.expected_version, before.version);
                    prop_assert_eq!(t.event.kind(), kind);
                    prop_assert_eq!(t.event.from, Some(before.state));
                    prop_assert_eq!(t.event.to, t.order.state);
                    prop_assert_eq!(t.event.at, now);
                    prop_assert_eq!(t.order.state, pinned_target(&action, &before));
                    prop_assert_eq!(t.order.updated_at, now);
                    prop_assert_eq!(t.order.id, before.id);
                    prop_assert_eq!(&t.order.description, &before.description);
                    if kind == ActionKind::Reopen || (kind == ActionKind::Evaluate && t.order.state == State::Reopened) {
                        reopens += 1;
                    }
                    if kind == ActionKind::Dispute {
                        disputes += 1;
                    }
                    order = t.order;
                }
                Err(e) if may && allowed => {
                    prop_assert!(is_guard_refusal(&e), "{kind:?} by {:?} from {:?} refused: {e:?}", who.role, before.state);
                    prop_assert_eq!(&order, &before, "a refused action leaves the order unchanged");
                }
                Err(e) => {
                    let expected = if may {
                        DomainError::InvalidTransition { from: before.state, action: kind }
                    } else {
                        DomainError::Forbidden { action: kind }
                    };
                    prop_assert!(!(may && allowed), "{kind:?} by {:?} from {:?} refused: {e:?}", who.role, before.state);
                    prop_assert_eq!(e, expected);
                    prop_assert_eq!(&order, &before, "a refused action leaves the order unchanged");
                }
            }
            prop_assert_eq!(order.version, successes);
            prop_assert_eq!(order.reopen_count, reopens);
            prop_assert_eq!(order.dispute_count, disputes);
            let violations = invariant_violations(&order);
            prop_assert!(violations.is_empty(), "{:?}", violations);
            if order.state.is_terminal() {
                prop_assert_eq!(order.overdue(now + Duration::days(365)), None);
            }
        }
    }
}

/// An action of `kind` whose own data is valid for `order` at `now` (a summons of a department not
/// yet summoned, due later), so only [`WorkOrder::check`] can refuse it.
fn valid_payload(kind: ActionKind, order: &WorkOrder, now: Timestamp) -> Action {
    match kind {
        ActionKind::Summon => {
            let fresh = (30..).map(UnitId).find(|u| order.handling.summons.iter().all(|s| s.unit != *u)).unwrap();
            Action::Summon { units: vec![fresh], report_by: now + Duration::days(1), note: "请到场".into() }
        }
        other => sample(other).unwrap(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// The one rule: on any order a random history leads to, for any actor and any time, an action
    /// is offered (`check` allows it) exactly when `apply` accepts it.
    #[test]
    fn every_action_offered_is_accepted_and_every_accepted_action_is_offered(
        steps in prop::collection::vec(step_strategy(), 0..=30),
        probes in prop::collection::vec((0u8..10, any::<u8>(), 0i64..4000), 1..=6),
    ) {
        let policy = policy();
        let mut order = fresh_order();
        let mut now = t0();
        for s in steps {
            now += Duration::minutes(s.advance_minutes);
            let allowed_now: Vec<ActionKind> =
                ACTION_KINDS.into_iter().filter(|k| pinned_allowed_from(*k).contains(&order.state)).collect();
            let candidates = if allowed_now.is_empty() { ACTION_KINDS.to_vec() } else { allowed_now };
            let kind = candidates[s.pick % candidates.len()];
            if let Ok(t) = order.apply(random_action(kind, s.variant, now), &random_actor(kind, s.who, s.variant), now, &policy) {
                order = t.order;
            }
        }
        for (who, variant, later) in probes {
            let at = now + Duration::minutes(later);
            for kind in ACTION_KINDS {
                let mut actor = random_actor(kind, who, variant);
                if variant % 3 == 0 && actor.role.is_some_and(Role::is_unit_role) {
                    actor.unit = Some(UnitId(10 + i64::from(variant % 4)));
                    actor.unit_class = [Some(UnitClass::Street), Some(UnitClass::Department), None][usize::from(variant % 3)];
                }
                let offered = order.check(kind, &actor, at, &policy).is_ok();
                let accepted = order.apply(valid_payload(kind, &order, at), &actor, at, &policy);
                prop_assert_eq!(
                    offered,
                    accepted.is_ok(),
                    "{:?} by {:?} (unit {:?}) on {:?}: check {:?}, apply {:?}",
                    kind, actor.role, actor.unit, order.state, order.check(kind, &actor, at, &policy), accepted.err()
                );
            }
        }
    }
}

#[test]
fn every_event_payload_reads_back_from_what_is_stored() {
    // Every kind an action writes, through apply, then as stored JSON and back by its kind.
    for kind in ACTION_KINDS {
        let (o, who, now) = ready(kind, pinned_allowed_from(kind)[0], performer(kind));
        let t = o.apply(sample(kind).unwrap(), &who, now, &policy()).unwrap();
        let stored = t.event.payload.to_json();
        let read = hotline_domain::EventPayload::decode(t.event.kind(), stored.clone()).unwrap();
        assert_eq!(read, t.event.payload, "{kind:?} reads back from {stored}");
        assert_eq!(read.kind(), kind);
    }
    // A kind without data is stored as null, and reads back whatever the row holds.
    assert_eq!(hotline_domain::EventPayload::Sign.to_json(), serde_json::Value::Null);
    // A payload that does not fit its kind is an error, not a silent default.
    assert!(hotline_domain::EventPayload::decode(ActionKind::Dispatch, serde_json::json!({ "nope": 1 })).is_err());
}

// ---------------------------------------------------------------------------------------------
// 4. Deadline notices
// ---------------------------------------------------------------------------------------------

mod notices {
    use super::*;
    use hotline_domain::{Notice, NoticeKind};

    /// 80% of the way from dispatch to `due` (the shipped warning point).
    fn warn_time(o: &WorkOrder, due: Timestamp) -> Timestamp {
        let start = o.dispatched_at.unwrap();
        start + Duration::milliseconds((due - start).num_milliseconds() / 100 * 80)
    }

    fn fire(o: &WorkOrder, at: Timestamp) -> (WorkOrder, Vec<Notice>) {
        match o.fire_notices(at, &policy()) {
            Some((t, n)) => {
                assert_eq!(t.event.kind(), ActionKind::DeadlineNotice);
                assert_eq!((t.expected_version, t.order.version), (o.version, o.version + 1), "a guarded update");
                assert_eq!(t.order.state, o.state, "a notice changes no state");
                (t.order, n)
            }
            None => (o.clone(), Vec::new()),
        }
    }

    #[test]
    fn a_dispatched_order_is_warned_before_and_flagged_after_each_due_time_once() {
        let p = policy();
        let o = dispatched();
        let contact_due = o.dues.contact_due.unwrap();
        let warn = warn_time(&o, contact_due);
        assert_eq!(warn, o.dispatched_at.unwrap() + Duration::minutes(24 * 60 * 8 / 10), "19.2 h into a 24 h stage");
        assert_eq!(o.next_notice_at, Some(warn), "the scheduler is told when to look");
        assert!(o.due_notices(warn - mins(1), &p).is_empty(), "nothing before the warning time");

        let (o, n) = fire(&o, warn);
        assert_eq!(n, [Notice { stage: Stage::FirstContact, kind: NoticeKind::Warning, due: contact_due }]);
        assert_eq!(fire(&o, warn + mins(1)).1, [], "a warning fires once");
        assert_eq!(o.next_notice_at, Some(contact_due + Duration::milliseconds(1)));

        let (o, n) = fire(&o, contact_due + mins(1));
        assert_eq!(n, [Notice { stage: Stage::FirstContact, kind: NoticeKind::Overdue, due: contact_due }]);
        assert_eq!(fire(&o, contact_due + mins(2)).1, [], "an overdue notice fires once");
        let reply_due = o.dues.reply_due.unwrap();
        assert_eq!(o.next_notice_at, Some(warn_time(&o, reply_due)), "next: the reply warning");
    }

    #[test]
    fn a_scheduler_that_was_down_fires_only_the_overdue_notice_and_done_stages_fire_nothing() {
        let p = policy();
        let o = dispatched();
        let late = o.dues.contact_due.unwrap() + Duration::hours(3);
        let kinds: Vec<(Stage, NoticeKind)> = o.due_notices(late, &p).iter().map(|n| (n.stage, n.kind)).collect();
        assert_eq!(kinds, [(Stage::FirstContact, NoticeKind::Overdue)]);

        // Signed and contacted in time: the contact stage is done, only the reply remains.
        let o = step(&o, Action::Sign, Role::UnitHandler, t0() + mins(20));
        let o = step(&o, sample(ActionKind::Contact).unwrap(), Role::UnitHandler, t0() + mins(30));
        assert!(o.due_notices(late, &p).is_empty());
        assert_eq!(o.next_notice_at, Some(warn_time(&o, o.dues.reply_due.unwrap())));
    }

    #[test]
    fn a_granted_extension_moves_the_due_time_and_its_notices_fire_again() {
        let o = dispatched();
        let o = step(&o, Action::Sign, Role::UnitHandler, t0() + mins(20));
        let o = step(&o, sample(ActionKind::Contact).unwrap(), Role::UnitHandler, t0() + mins(30));
        let first_due = o.dues.reply_due.unwrap();
        let (o, n) = fire(&o, first_due + mins(1));
        assert_eq!(n.len(), 1);
        let o = step(&o, sample(ActionKind::RequestExtension).unwrap(), Role::UnitHandler, first_due + mins(5));
        let o = step(&o, sample(ActionKind::GrantExtension).unwrap(), Role::Supervisor, first_due + mins(10));
        let new_due = o.dues.reply_due.unwrap();
        assert!(new_due > first_due);
        let (_, n) = fire(&o, new_due + mins(1));
        assert_eq!(n, [Notice { stage: Stage::Reply, kind: NoticeKind::Overdue, due: new_due }], "the new due time has its own notice");
    }

    #[test]
    fn closed_orders_and_undispatched_units_get_no_unit_notices() {
        let p = policy();
        let o = fresh_order();
        let kinds: Vec<Stage> = o.due_notices(t0() + Duration::days(30), &p).iter().map(|n| n.stage).collect();
        assert!(kinds.iter().all(|s| *s == Stage::Dispatch), "before dispatch only the centre's dispatch clock runs: {kinds:?}");
        let answered = step(&o, sample(ActionKind::Answer).unwrap(), Role::Operator, t0() + mins(1));
        assert!(answered.due_notices(t0() + Duration::days(30), &p).is_empty());
        assert_eq!(answered.next_notice_at, None);
    }
}

// ---------------------------------------------------------------------------------------------
// 5. Handling: paused clock, dispute window, co-units, whistle, supervision, callback, reopen rule
// ---------------------------------------------------------------------------------------------

mod handling {
    use super::*;

    fn signed() -> WorkOrder {
        step(&dispatched(), Action::Sign, Role::UnitHandler, t0() + mins(20))
    }

    fn with_unit(unit: i64) -> Actor {
        Actor { user_id: Some(UserId(200)), role: Some(Role::UnitHandler), unit: Some(UnitId(unit)), unit_class: None, name: "u".into() }
    }

    fn evaluation(resolution: Resolution, satisfaction: Satisfaction) -> Action {
        Action::Evaluate { evaluation: Evaluation { contacted: true, resolution, satisfaction, comment: String::new() } }
    }

    fn code(e: DomainError) -> &'static str {
        match e {
            DomainError::Validation(v) => v.code,
            DomainError::NotYourUnit { code, .. } => code,
            other => panic!("not a guard refusal: {other:?}"),
        }
    }

    #[test]
    fn a_paused_clock_is_never_overdue_fires_no_notice_and_resuming_gives_the_time_back() {
        let o = signed();
        let due = o.dues.reply_due.unwrap();
        let paused = step(&o, sample(ActionKind::PauseClock).unwrap(), Role::UnitHandler, t0() + Duration::hours(2));
        assert_eq!(paused.next_notice_at, None);
        assert_eq!(paused.overdue(due + Duration::days(30)), None);
        assert_eq!(
            code(paused.apply(sample(ActionKind::PauseClock).unwrap(), &actor(Role::UnitHandler), t0(), &policy()).unwrap_err()),
            "clock_already_paused"
        );
        let resumed = step(&paused, sample(ActionKind::ResumeClock).unwrap(), Role::UnitHandler, t0() + Duration::hours(50));
        assert_eq!(resumed.dues.reply_due, Some(due + Duration::hours(48)), "48 hours waited, 48 hours given back");
        assert_eq!(resumed.dues.contact_due, o.dues.contact_due.map(|d| d + Duration::hours(48)));
        assert!(resumed.next_notice_at.is_some());
        assert_eq!(
            code(resumed.apply(sample(ActionKind::ResumeClock).unwrap(), &actor(Role::UnitHandler), t0(), &policy()).unwrap_err()),
            "clock_not_paused"
        );
    }

    #[test]
    fn a_dispute_after_the_window_is_refused() {
        let o = dispatched();
        let window = policy().handling.dispute_window;
        let last = policy().add(o.dispatched_at.unwrap(), window);
        assert!(o.apply(sample(ActionKind::Dispute).unwrap(), &actor(Role::UnitHandler), last, &policy()).is_ok());
        let late = o.apply(sample(ActionKind::Dispute).unwrap(), &actor(Role::UnitHandler), last + mins(1), &policy());
        assert_eq!(code(late.unwrap_err()), "dispute_window_closed");
    }

    #[test]
    fn only_a_co_unit_reports_to_the_main_unit() {
        let o = signed();
        let report = sample(ActionKind::CoReport).unwrap();
        assert_eq!(code(o.apply(report.clone(), &with_unit(10), t0() + mins(30), &policy()).unwrap_err()), "not_a_co_unit");
        let t = o.apply(report, &with_unit(11), t0() + mins(30), &policy()).unwrap();
        assert_eq!(t.order.handling.co_reports.len(), 1);
        assert_eq!(t.order.handling.co_reports[0].unit, UnitId(11));
        assert_eq!(t.order.state, State::Signed);
    }

    #[test]
    fn a_summoned_department_sees_the_order_and_its_report_in_is_timed() {
        let o = signed();
        let by = t0() + Duration::hours(5);
        let summon = Action::Summon { units: vec![UnitId(30), UnitId(31)], report_by: by, note: "联合执法".into() };
        let o = step(&o, summon, Role::UnitHandler, t0() + Duration::hours(1));
        let a = o.assignment.clone().unwrap();
        assert!(a.co_units.contains(&UnitId(30)) && a.co_units.contains(&UnitId(31)), "summoned units may see the order");
        assert_eq!(o.handling.summons.len(), 2);
        let o = o.apply(Action::ReportIn { note: "已到".into() }, &with_unit(30), t0() + Duration::hours(4), &policy()).unwrap().order;
        let o = o.apply(Action::ReportIn { note: "迟到".into() }, &with_unit(31), t0() + Duration::hours(6), &policy()).unwrap().order;
        let on_time: Vec<bool> = o.handling.summons.iter().map(hotline_domain::handling::Summons::on_time).collect();
        assert_eq!(on_time, [true, false]);
        let again = o.apply(Action::ReportIn { note: String::new() }, &with_unit(30), t0() + Duration::hours(7), &policy());
        assert_eq!(code(again.unwrap_err()), "not_summoned");
        let past = Action::Summon { units: vec![UnitId(32)], report_by: t0(), note: String::new() };
        assert_eq!(code(o.apply(past, &actor(Role::UnitHandler), t0() + Duration::hours(8), &policy()).unwrap_err()), "invalid_summons");
    }

    #[test]
    fn supervision_records_reason_instructions_reach_site_time_arrival_and_reminders() {
        let o = signed();
        let by = t0() + Duration::hours(3);
        let sup = Action::Supervise {
            on: true,
            note: "两小时内到场".into(),
            reason: Some(hotline_domain::SuperviseReason::Sensitive),
            reach_site_by: Some(by),
        };
        let o = step(&o, sup, Role::Supervisor, t0() + Duration::hours(1));
        let o = step(&o, sample(ActionKind::Remind).unwrap(), Role::Supervisor, t0() + Duration::hours(2));
        let o = step(&o, sample(ActionKind::ArriveOnSite).unwrap(), Role::UnitHandler, t0() + Duration::hours(4));
        let s = o.handling.supervision.clone().unwrap();
        assert_eq!(s.reason, hotline_domain::SuperviseReason::Sensitive);
        assert_eq!(s.instructions, "两小时内到场");
        assert_eq!((s.reach_site_by, s.arrived_at, s.reminders), (Some(by), Some(t0() + Duration::hours(4)), 1));
        let off = step(&o, supervise(false), Role::Supervisor, t0() + Duration::hours(5));
        assert_eq!(off.handling.supervision, None);
        assert_eq!(
            code(off.apply(sample(ActionKind::ArriveOnSite).unwrap(), &actor(Role::UnitHandler), t0(), &policy()).unwrap_err()),
            "not_supervised"
        );
    }

    #[test]
    fn the_callback_waits_for_the_reply_or_its_due_time() {
        let o = signed();
        let due = o.dues.reply_due.unwrap();
        let early = o.apply(sample(ActionKind::Evaluate).unwrap(), &actor(Role::CallbackAgent), due - mins(1), &policy());
        assert_eq!(code(early.unwrap_err()), "not_in_callback_queue");
        assert_eq!(o.callback_since(), Some(due));
        let late = step(&o, evaluation(Resolution::Resolved, Satisfaction::Basic), Role::CallbackAgent, due + mins(1));
        assert_eq!(late.state, State::Evaluated);
        assert_eq!(late.callback_since(), None);
    }

    #[test]
    fn unresolved_or_unsatisfied_results_reopen_the_order_up_to_the_limit() {
        let mut o = order_in(State::Replied);
        let at = t0() + Duration::days(3);
        for round in 1..=2 {
            o = step(&o, evaluation(Resolution::Unresolved, Satisfaction::Basic), Role::CallbackAgent, at);
            assert_eq!((o.state, o.reopen_count), (State::Reopened, round));
            assert_eq!(o.evaluation.as_ref().unwrap().resolution, Resolution::Unresolved, "kept for the assessment");
            assert_eq!(o.dues.reply_due, Some(policy().due(Urgency::General, Stage::Reply, at)));
            o = step(&o, Action::Sign, Role::UnitHandler, at);
            o = step(&o, sample(ActionKind::Contact).unwrap(), Role::UnitHandler, at);
            o = step(&o, sample(ActionKind::Reply).unwrap(), Role::UnitHandler, at);
        }
        // Third time: the limit (2) is reached; the centre decides.
        o = step(&o, evaluation(Resolution::Resolved, Satisfaction::Unsatisfied), Role::CallbackAgent, at);
        assert_eq!((o.state, o.reopen_count), (State::Evaluated, 2));
        // A satisfied, partly resolved order is not reopened.
        let kept = step(&order_in(State::Replied), evaluation(Resolution::Partly, Satisfaction::Satisfied), Role::CallbackAgent, at);
        assert_eq!(kept.state, State::Evaluated);
        // The rule is configuration.
        let mut lenient = policy();
        lenient.handling.reopen_if_unsatisfied = false;
        let t = order_in(State::Replied).apply(
            evaluation(Resolution::Resolved, Satisfaction::Unsatisfied),
            &actor(Role::CallbackAgent),
            at,
            &lenient,
        );
        assert_eq!(t.unwrap().order.state, State::Evaluated);
    }

    #[test]
    fn a_requester_unreachable_after_the_set_number_of_calls_is_recorded_without_a_rating() {
        let mut o = order_in(State::Replied);
        for n in 1..=2 {
            o = step(&o, sample(ActionKind::CallbackAttempt).unwrap(), Role::CallbackAgent, t0() + Duration::days(3) + mins(n));
            assert_eq!((o.state, o.handling.callback_attempts), (State::Replied, n as u32));
        }
        o = step(&o, sample(ActionKind::CallbackAttempt).unwrap(), Role::CallbackAgent, t0() + Duration::days(4));
        assert_eq!(o.state, State::Evaluated);
        assert!(o.handling.unreachable);
        assert_eq!(o.evaluation, None);
        assert_eq!(o.evaluated_at, Some(t0() + Duration::days(4)));
    }
}
