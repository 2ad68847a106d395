//! The work-order state machine (domain.md §5): one enum of states, one enum of actions, and one
//! function, [`WorkOrder::apply`], that either produces the next order and its event or refuses.

use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::deadline::DeadlinePolicy;
use crate::error::{DomainError, ValidationError};
use crate::handling::{CoReport, Exclusion, Summons, SuperviseReason, Supervision};
use crate::ids::{CaseId, OrderNumber, UnitId};
use crate::order::{Assignment, CategoryPath, EmergencyService, Evaluation, Nature, Reply, Urgency, WorkOrder};
use crate::role::Actor;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Received,
    Triaged,
    AnsweredDirectly,
    Transferred,
    Redirected,
    LinkedDuplicate,
    Dispatched,
    Signed,
    Disputed,
    Contacted,
    InProgress,
    ExtensionRequested,
    Replied,
    Evaluated,
    Closed,
    Reopened,
}

impl State {
    pub const ALL: [State; 16] = [
        Self::Received,
        Self::Triaged,
        Self::AnsweredDirectly,
        Self::Transferred,
        Self::Redirected,
        Self::LinkedDuplicate,
        Self::Dispatched,
        Self::Signed,
        Self::Disputed,
        Self::Contacted,
        Self::InProgress,
        Self::ExtensionRequested,
        Self::Replied,
        Self::Evaluated,
        Self::Closed,
        Self::Reopened,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Triaged => "triaged",
            Self::AnsweredDirectly => "answered_directly",
            Self::Transferred => "transferred",
            Self::Redirected => "redirected",
            Self::LinkedDuplicate => "linked_duplicate",
            Self::Dispatched => "dispatched",
            Self::Signed => "signed",
            Self::Disputed => "disputed",
            Self::Contacted => "contacted",
            Self::InProgress => "in_progress",
            Self::ExtensionRequested => "extension_requested",
            Self::Replied => "replied",
            Self::Evaluated => "evaluated",
            Self::Closed => "closed",
            Self::Reopened => "reopened",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.code() == s)
    }

    pub fn label(self, zh: bool) -> &'static str {
        match self {
            Self::Received => {
                if zh {
                    "已受理"
                } else {
                    "Received"
                }
            }
            Self::Triaged => {
                if zh {
                    "已分类"
                } else {
                    "Triaged"
                }
            }
            Self::AnsweredDirectly => {
                if zh {
                    "直接答复"
                } else {
                    "Answered directly"
                }
            }
            Self::Transferred => {
                if zh {
                    "已转紧急服务"
                } else {
                    "Transferred to emergency service"
                }
            }
            Self::Redirected => {
                if zh {
                    "已告知其他渠道"
                } else {
                    "Redirected"
                }
            }
            Self::LinkedDuplicate => {
                if zh {
                    "重复件已并单"
                } else {
                    "Linked as duplicate"
                }
            }
            Self::Dispatched => {
                if zh {
                    "已派单"
                } else {
                    "Dispatched"
                }
            }
            Self::Signed => {
                if zh {
                    "已签收"
                } else {
                    "Signed"
                }
            }
            Self::Disputed => {
                if zh {
                    "派单异议中"
                } else {
                    "Disputed"
                }
            }
            Self::Contacted => {
                if zh {
                    "已联系诉求人"
                } else {
                    "Requester contacted"
                }
            }
            Self::InProgress => {
                if zh {
                    "办理中"
                } else {
                    "In progress"
                }
            }
            Self::ExtensionRequested => {
                if zh {
                    "申请延期中"
                } else {
                    "Extension requested"
                }
            }
            Self::Replied => {
                if zh {
                    "已反馈"
                } else {
                    "Replied"
                }
            }
            Self::Evaluated => {
                if zh {
                    "已回访"
                } else {
                    "Evaluated"
                }
            }
            Self::Closed => {
                if zh {
                    "已办结"
                } else {
                    "Closed"
                }
            }
            Self::Reopened => {
                if zh {
                    "重办"
                } else {
                    "Reopened"
                }
            }
        }
    }

    /// Not open any more: nothing is due, nothing can be supervised.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::AnsweredDirectly | Self::Transferred | Self::Redirected | Self::LinkedDuplicate | Self::Closed)
    }

    /// In a unit's hands: dispatched and not yet replied.
    pub fn is_with_unit(self) -> bool {
        matches!(
            self,
            Self::Dispatched
                | Self::Signed
                | Self::Disputed
                | Self::Contacted
                | Self::InProgress
                | Self::ExtensionRequested
                | Self::Reopened
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Receive,
    Triage,
    Answer,
    Transfer,
    Redirect,
    LinkDuplicate,
    Dispatch,
    Sign,
    Dispute,
    Arbitrate,
    Contact,
    StartWork,
    RequestExtension,
    GrantExtension,
    RefuseExtension,
    Reply,
    Evaluate,
    Close,
    Reopen,
    Supervise,
    RevealContact,
    /// The scheduler's deadline warning or overdue notice: changes no state.
    DeadlineNotice,
    /// The unit stops the clock while it waits for the requester (e.g. not at home, documents due).
    PauseClock,
    ResumeClock,
    /// A co-unit reports its part of the work to the main unit (首接负责).
    CoReport,
    /// A street/township summons departments to the problem (街乡吹哨).
    Summon,
    /// A summoned department reports in (部门报到).
    ReportIn,
    /// The unit says it is on site (for a supervised order with a reach-site time).
    ArriveOnSite,
    /// The centre presses the unit (催办).
    Remind,
    /// A callback call that did not reach the requester.
    CallbackAttempt,
    /// The centre leaves the order out of the assessment, or takes it back in.
    Exclude,
    /// A client system (Open311, e.g. FixMyStreet) adds an update: a note, changes no state.
    ExternalUpdate,
}

impl ActionKind {
    pub const ALL: [ActionKind; 32] = [
        Self::Receive,
        Self::Triage,
        Self::Answer,
        Self::Transfer,
        Self::Redirect,
        Self::LinkDuplicate,
        Self::Dispatch,
        Self::Sign,
        Self::Dispute,
        Self::Arbitrate,
        Self::Contact,
        Self::StartWork,
        Self::RequestExtension,
        Self::GrantExtension,
        Self::RefuseExtension,
        Self::Reply,
        Self::Evaluate,
        Self::Close,
        Self::Reopen,
        Self::Supervise,
        Self::RevealContact,
        Self::DeadlineNotice,
        Self::PauseClock,
        Self::ResumeClock,
        Self::CoReport,
        Self::Summon,
        Self::ReportIn,
        Self::ArriveOnSite,
        Self::Remind,
        Self::CallbackAttempt,
        Self::Exclude,
        Self::ExternalUpdate,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Receive => "receive",
            Self::Triage => "triage",
            Self::Answer => "answer",
            Self::Transfer => "transfer",
            Self::Redirect => "redirect",
            Self::LinkDuplicate => "link_duplicate",
            Self::Dispatch => "dispatch",
            Self::Sign => "sign",
            Self::Dispute => "dispute",
            Self::Arbitrate => "arbitrate",
            Self::Contact => "contact",
            Self::StartWork => "start_work",
            Self::RequestExtension => "request_extension",
            Self::GrantExtension => "grant_extension",
            Self::RefuseExtension => "refuse_extension",
            Self::Reply => "reply",
            Self::Evaluate => "evaluate",
            Self::Close => "close",
            Self::Reopen => "reopen",
            Self::Supervise => "supervise",
            Self::RevealContact => "reveal_contact",
            Self::DeadlineNotice => "deadline_notice",
            Self::PauseClock => "pause_clock",
            Self::ResumeClock => "resume_clock",
            Self::CoReport => "co_report",
            Self::Summon => "summon",
            Self::ReportIn => "report_in",
            Self::ArriveOnSite => "arrive_on_site",
            Self::Remind => "remind",
            Self::CallbackAttempt => "callback_attempt",
            Self::Exclude => "exclude",
            Self::ExternalUpdate => "external_update",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }

    pub fn label(self, zh: bool) -> &'static str {
        match self {
            Self::Receive => {
                if zh {
                    "受理"
                } else {
                    "Receive"
                }
            }
            Self::Triage => {
                if zh {
                    "分类"
                } else {
                    "Triage"
                }
            }
            Self::Answer => {
                if zh {
                    "直接答复"
                } else {
                    "Answer directly"
                }
            }
            Self::Transfer => {
                if zh {
                    "转紧急服务"
                } else {
                    "Transfer to emergency service"
                }
            }
            Self::Redirect => {
                if zh {
                    "告知其他渠道"
                } else {
                    "Redirect"
                }
            }
            Self::LinkDuplicate => {
                if zh {
                    "并单（重复件）"
                } else {
                    "Link as duplicate"
                }
            }
            Self::Dispatch => {
                if zh {
                    "派单"
                } else {
                    "Dispatch"
                }
            }
            Self::Sign => {
                if zh {
                    "签收"
                } else {
                    "Sign"
                }
            }
            Self::Dispute => {
                if zh {
                    "派单异议（退单）"
                } else {
                    "Dispute dispatch"
                }
            }
            Self::Arbitrate => {
                if zh {
                    "异议审核"
                } else {
                    "Arbitrate"
                }
            }
            Self::Contact => {
                if zh {
                    "联系诉求人"
                } else {
                    "Contact requester"
                }
            }
            Self::StartWork => {
                if zh {
                    "开始办理"
                } else {
                    "Start work"
                }
            }
            Self::RequestExtension => {
                if zh {
                    "申请延期"
                } else {
                    "Request extension"
                }
            }
            Self::GrantExtension => {
                if zh {
                    "批准延期"
                } else {
                    "Grant extension"
                }
            }
            Self::RefuseExtension => {
                if zh {
                    "驳回延期"
                } else {
                    "Refuse extension"
                }
            }
            Self::Reply => {
                if zh {
                    "反馈办理结果"
                } else {
                    "Reply"
                }
            }
            Self::Evaluate => {
                if zh {
                    "回访评价"
                } else {
                    "Record callback"
                }
            }
            Self::Close => {
                if zh {
                    "办结"
                } else {
                    "Close"
                }
            }
            Self::Reopen => {
                if zh {
                    "重办"
                } else {
                    "Reopen"
                }
            }
            Self::Supervise => {
                if zh {
                    "督办"
                } else {
                    "Supervise"
                }
            }
            Self::RevealContact => {
                if zh {
                    "查看联系方式"
                } else {
                    "Reveal contact"
                }
            }
            Self::DeadlineNotice => {
                if zh {
                    "时限提醒"
                } else {
                    "Deadline notice"
                }
            }
            Self::PauseClock => pick(zh, "暂停计时（等待诉求人）", "Pause the clock (waiting for the requester)"),
            Self::ResumeClock => pick(zh, "恢复计时", "Resume the clock"),
            Self::CoReport => pick(zh, "协办反馈", "Co-unit report"),
            Self::Summon => pick(zh, "吹哨（召集部门）", "Summon departments (whistle)"),
            Self::ReportIn => pick(zh, "部门报到", "Report in"),
            Self::ArriveOnSite => pick(zh, "到达现场", "Arrived on site"),
            Self::Remind => pick(zh, "催办", "Send a reminder"),
            Self::CallbackAttempt => pick(zh, "回访未接通", "Callback not answered"),
            Self::Exclude => pick(zh, "考核认定", "Assessment exclusion"),
            Self::ExternalUpdate => pick(zh, "外部系统补充", "Update from a client system"),
        }
    }

    /// The states from which this action is allowed. The single source of the transition table.
    pub fn allowed_from(self) -> &'static [State] {
        use State as S;
        const WITH_UNIT: &[State] =
            &[S::Dispatched, S::Signed, S::Disputed, S::Contacted, S::InProgress, S::ExtensionRequested, S::Reopened];
        // The callback queue: replied, or still with the unit once the reply is overdue (checked in apply).
        const CALLBACK: &[State] = &[S::Replied, S::Dispatched, S::Signed, S::Contacted, S::InProgress, S::ExtensionRequested, S::Reopened];
        match self {
            Self::PauseClock => &[S::Signed, S::Contacted, S::InProgress],
            Self::ResumeClock => &[S::Signed, S::Contacted, S::InProgress, S::ExtensionRequested],
            Self::CoReport | Self::Remind => WITH_UNIT,
            Self::ReportIn => &[S::Signed, S::Contacted, S::InProgress, S::ExtensionRequested, S::Replied, S::Reopened],
            Self::Summon => &[S::Signed, S::Contacted, S::InProgress, S::ExtensionRequested, S::Reopened],
            Self::ArriveOnSite => &[S::Signed, S::Contacted, S::InProgress, S::ExtensionRequested, S::Reopened],
            Self::Evaluate | Self::CallbackAttempt => CALLBACK,
            Self::Exclude => &[
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
            Self::Receive => &[],
            Self::Triage => &[S::Received, S::Triaged],
            Self::Answer | Self::Transfer | Self::Redirect | Self::LinkDuplicate => &[S::Received, S::Triaged],
            Self::Dispatch => &[S::Triaged],
            Self::Sign => &[S::Dispatched, S::Reopened],
            Self::Dispute => &[S::Dispatched, S::Signed, S::Reopened],
            Self::Arbitrate => &[S::Disputed],
            Self::Contact => &[S::Signed],
            Self::StartWork => &[S::Contacted],
            Self::RequestExtension => &[S::Contacted, S::InProgress],
            Self::GrantExtension | Self::RefuseExtension => &[S::ExtensionRequested],
            Self::Reply => &[S::Contacted, S::InProgress, S::ExtensionRequested],
            Self::Close => &[S::Replied, S::Evaluated],
            Self::Reopen => &[S::Replied, S::Evaluated, S::Closed],
            Self::ExternalUpdate => &State::ALL,
            Self::Supervise | Self::RevealContact | Self::DeadlineNotice => &[
                S::Received,
                S::Triaged,
                S::Dispatched,
                S::Signed,
                S::Disputed,
                S::Contacted,
                S::InProgress,
                S::ExtensionRequested,
                S::Replied,
                S::Evaluated,
                S::Reopened,
            ],
        }
    }
}

fn pick(zh: bool, a: &'static str, b: &'static str) -> &'static str {
    if zh { a } else { b }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum ArbitrationDecision {
    /// The dispute is rejected: the order goes back to the unit, its clock still running from the
    /// first dispatch.
    Uphold,
    /// The dispute is accepted: the order goes to another unit, with fresh due times.
    Redispatch { assignment: Assignment },
}

/// An action on an order, already validated and with every referenced unit resolved.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// `category_version`: the version of the category tree the path was chosen from, kept on the
    /// order so a later reorganisation of the tree does not change what it was filed under.
    Triage {
        nature: Nature,
        category: CategoryPath,
        category_version: Option<i64>,
        urgency: Urgency,
    },
    Answer {
        answer: String,
        /// The knowledge-base article the answer came from, if any.
        article: Option<crate::kb::ArticleRef>,
    },
    Transfer {
        service: EmergencyService,
        note: String,
    },
    Redirect {
        reason: String,
    },
    LinkDuplicate {
        of: OrderNumber,
        case: CaseId,
    },
    Dispatch {
        assignment: Assignment,
        note: String,
    },
    Sign,
    Dispute {
        reason: String,
        proposed_unit: Option<UnitId>,
    },
    Arbitrate {
        decision: ArbitrationDecision,
        reason: String,
    },
    Contact {
        note: String,
    },
    StartWork {
        note: String,
    },
    RequestExtension {
        reason: String,
        until: Timestamp,
    },
    GrantExtension {
        until: Timestamp,
        reason: String,
    },
    RefuseExtension {
        reason: String,
    },
    Reply {
        reply: Reply,
    },
    Evaluate {
        evaluation: Evaluation,
    },
    Close {
        note: String,
    },
    Reopen {
        reason: String,
    },
    /// Starts or stops supervision; when starting, why, what the unit must do and by when it must be
    /// on site.
    Supervise {
        on: bool,
        note: String,
        reason: Option<SuperviseReason>,
        reach_site_by: Option<Timestamp>,
    },
    PauseClock {
        reason: String,
    },
    ResumeClock {
        note: String,
    },
    CoReport {
        text: String,
    },
    Summon {
        units: Vec<UnitId>,
        report_by: Timestamp,
        note: String,
    },
    ReportIn {
        note: String,
    },
    ArriveOnSite {
        note: String,
    },
    Remind {
        note: String,
    },
    CallbackAttempt {
        note: String,
    },
    /// `None` takes the order back into the assessment.
    Exclude {
        exclusion: Option<Exclusion>,
        reason: String,
    },
}

impl Action {
    pub fn kind(&self) -> ActionKind {
        match self {
            Self::Triage { .. } => ActionKind::Triage,
            Self::Answer { .. } => ActionKind::Answer,
            Self::Transfer { .. } => ActionKind::Transfer,
            Self::Redirect { .. } => ActionKind::Redirect,
            Self::LinkDuplicate { .. } => ActionKind::LinkDuplicate,
            Self::Dispatch { .. } => ActionKind::Dispatch,
            Self::Sign => ActionKind::Sign,
            Self::Dispute { .. } => ActionKind::Dispute,
            Self::Arbitrate { .. } => ActionKind::Arbitrate,
            Self::Contact { .. } => ActionKind::Contact,
            Self::StartWork { .. } => ActionKind::StartWork,
            Self::RequestExtension { .. } => ActionKind::RequestExtension,
            Self::GrantExtension { .. } => ActionKind::GrantExtension,
            Self::RefuseExtension { .. } => ActionKind::RefuseExtension,
            Self::Reply { .. } => ActionKind::Reply,
            Self::Evaluate { .. } => ActionKind::Evaluate,
            Self::Close { .. } => ActionKind::Close,
            Self::Reopen { .. } => ActionKind::Reopen,
            Self::Supervise { .. } => ActionKind::Supervise,
            Self::PauseClock { .. } => ActionKind::PauseClock,
            Self::ResumeClock { .. } => ActionKind::ResumeClock,
            Self::CoReport { .. } => ActionKind::CoReport,
            Self::Summon { .. } => ActionKind::Summon,
            Self::ReportIn { .. } => ActionKind::ReportIn,
            Self::ArriveOnSite { .. } => ActionKind::ArriveOnSite,
            Self::Remind { .. } => ActionKind::Remind,
            Self::CallbackAttempt { .. } => ActionKind::CallbackAttempt,
            Self::Exclude { .. } => ActionKind::Exclude,
        }
    }
}

/// The event row a transition writes: who did what, when, why, with what data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventDraft {
    pub kind: ActionKind,
    pub from: Option<State>,
    pub to: State,
    pub actor: Actor,
    pub at: Timestamp,
    pub reason: Option<String>,
    pub payload: serde_json::Value,
}

impl EventDraft {
    /// The first event of every order: received through `channel`.
    pub fn receipt(actor: &Actor, at: Timestamp, channel: crate::order::Channel) -> Self {
        Self {
            kind: ActionKind::Receive,
            from: None,
            to: State::Received,
            actor: actor.clone(),
            at,
            reason: None,
            payload: serde_json::json!({ "channel": channel }),
        }
    }
}

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
    /// The one transition function. Checks the role may act at all and the action is allowed in the
    /// current state, then returns the next order and its event. Pure: `now` and the deadline policy
    /// are passed in.
    pub fn apply(&self, action: Action, actor: &Actor, now: Timestamp, policy: &DeadlinePolicy) -> Result<Transition, DomainError> {
        let kind = action.kind();
        // A citizen (no role) may only rate their own order online, through a signed link.
        let permitted = actor.role.map_or(kind == ActionKind::Evaluate && actor.user_id.is_none(), |r| r.may(kind));
        if !permitted {
            return Err(DomainError::Forbidden { action: kind });
        }
        if !kind.allowed_from().contains(&self.state) {
            return Err(DomainError::InvalidTransition { from: self.state, action: kind });
        }
        let mut next = self.clone();
        next.version += 1;
        next.updated_at = now;
        let mut reason = None;
        let payload;
        use State as S;
        match action {
            Action::Triage { nature, category, category_version, urgency } => {
                next.state = S::Triaged;
                next.nature = Some(nature);
                next.category = Some(category.clone());
                next.category_version = category_version;
                next.urgency = urgency;
                next.dues.policy_version = policy.version;
                next.dues.dispatch_due = Some(policy.due(urgency, crate::deadline::Stage::Dispatch, self.received_at));
                payload =
                    serde_json::json!({ "nature": nature, "category": category, "category_version": category_version, "urgency": urgency });
            }
            Action::Answer { answer, article } => {
                next.state = S::AnsweredDirectly;
                next.closed_at = Some(now);
                payload = serde_json::json!({ "answer": answer, "article": article });
                next.answer = Some(crate::kb::DirectAnswer { text: answer, article });
            }
            Action::Transfer { service, note } => {
                next.state = S::Transferred;
                next.transferred_to = Some(service);
                next.closed_at = Some(now);
                reason = non_empty(&note);
                payload = serde_json::json!({ "service": service });
            }
            Action::Redirect { reason: r } => {
                next.state = S::Redirected;
                next.closed_at = Some(now);
                reason = non_empty(&r);
                payload = serde_json::Value::Null;
            }
            Action::LinkDuplicate { of, case } => {
                next.state = S::LinkedDuplicate;
                next.duplicate_of = Some(of.clone());
                next.case_id = case;
                next.closed_at = Some(now);
                payload = serde_json::json!({ "duplicate_of": of, "case_id": case, "previous_case_id": (self.case_id.0 != 0).then_some(self.case_id) });
            }
            Action::Dispatch { assignment, note } => {
                next.state = S::Dispatched;
                next.first_dispatched_at.get_or_insert(now);
                next.dispatched_at = Some(now);
                self.set_unit_dues(&mut next, policy, now);
                reason = non_empty(&note);
                payload = serde_json::json!({ "assignment": assignment, "dues": next.dues });
                next.assignment = Some(assignment);
            }
            Action::Sign => {
                next.state = S::Signed;
                next.signed_at.get_or_insert(now);
                payload = serde_json::Value::Null;
            }
            Action::Dispute { reason: r, proposed_unit } => {
                if let Some(from) = self.dispatched_at
                    && now > policy.add(from, policy.handling.dispute_window)
                {
                    return Err(refuse(
                        "dispute_window_closed",
                        "已超过派单异议时限，不能退单",
                        "The time to dispute this dispatch has passed",
                    ));
                }
                next.state = S::Disputed;
                next.dispute_count += 1;
                reason = non_empty(&r);
                payload = serde_json::json!({ "proposed_unit": proposed_unit });
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
                payload = serde_json::json!({ "decision": decision, "dues": next.dues });
            }
            Action::Contact { note } => {
                next.state = S::Contacted;
                next.contacted_at.get_or_insert(now);
                reason = non_empty(&note);
                payload = serde_json::Value::Null;
            }
            Action::StartWork { note } => {
                next.state = S::InProgress;
                reason = non_empty(&note);
                payload = serde_json::Value::Null;
            }
            Action::RequestExtension { reason: r, until } => {
                next.state = S::ExtensionRequested;
                reason = non_empty(&r);
                payload = serde_json::json!({ "until": until });
            }
            Action::GrantExtension { until, reason: r } => {
                next.state = S::InProgress;
                next.dues.reply_due = Some(until);
                reason = non_empty(&r);
                payload = serde_json::json!({ "reply_due": until });
            }
            Action::RefuseExtension { reason: r } => {
                next.state = S::InProgress;
                reason = non_empty(&r);
                payload = serde_json::Value::Null;
            }
            Action::Reply { reply } => {
                next.state = S::Replied;
                next.handling.paused_since = None;
                next.replied_at = Some(now);
                payload = serde_json::json!({ "reply": reply });
                next.reply = Some(reply);
            }
            Action::Evaluate { evaluation } => {
                self.check_in_callback_queue(now)?;
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
                payload = serde_json::json!({ "evaluation": evaluation, "reopened": reopened, "dues": reopened.then_some(&next.dues) });
                next.evaluation = Some(evaluation);
            }
            Action::CallbackAttempt { note } => {
                self.check_in_callback_queue(now)?;
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
                payload = serde_json::json!({ "attempt": next.handling.callback_attempts, "unreachable": unreachable });
            }
            Action::Close { note } => {
                next.state = S::Closed;
                next.closed_at = Some(now);
                next.supervised = false;
                reason = non_empty(&note);
                payload = serde_json::Value::Null;
            }
            Action::Reopen { reason: r } => {
                self.reopen_into(&mut next, policy, now);
                reason = non_empty(&r);
                payload = serde_json::json!({ "dues": next.dues });
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
                payload = serde_json::json!({ "supervised": on, "reason": why, "reach_site_by": reach_site_by });
            }
            Action::PauseClock { reason: r } => {
                if self.handling.paused_since.is_some() {
                    return Err(refuse("clock_already_paused", "计时已暂停", "The clock is already paused"));
                }
                next.handling.paused_since = Some(now);
                reason = non_empty(&r);
                payload = serde_json::Value::Null;
            }
            Action::ResumeClock { note } => {
                let Some(since) = self.handling.paused_since else {
                    return Err(refuse("clock_not_paused", "计时未暂停", "The clock is not paused"));
                };
                // The unit gets back the time it waited: every due time still ahead of it moves.
                let paused = now - since;
                next.handling.paused_since = None;
                if next.contacted_at.is_none() {
                    next.dues.contact_due = next.dues.contact_due.map(|d| d + paused);
                }
                next.dues.reply_due = next.dues.reply_due.map(|d| d + paused);
                reason = non_empty(&note);
                payload = serde_json::json!({ "paused_minutes": paused.num_minutes(), "dues": next.dues });
            }
            Action::CoReport { text } => {
                let unit = self.co_unit_of(actor)?;
                next.handling.co_reports.push(CoReport { unit, at: now, text: text.clone() });
                reason = non_empty(&text);
                payload = serde_json::json!({ "unit": unit });
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
                payload = serde_json::json!({ "units": units, "report_by": report_by });
            }
            Action::ReportIn { note } => {
                let unit = actor
                    .unit
                    .filter(|u| self.handling.pending_summons(*u).is_some())
                    .ok_or_else(|| refuse("not_summoned", "本单位没有待报到的召集", "Your unit has no summons to report to"))?;
                let summons = next.handling.summons.iter_mut().find(|s| s.unit == unit && s.reported_at.is_none());
                let mut on_time = false;
                if let Some(s) = summons {
                    s.reported_at = Some(now);
                    on_time = s.on_time();
                }
                reason = non_empty(&note);
                payload = serde_json::json!({ "unit": unit, "on_time": on_time });
            }
            Action::ArriveOnSite { note } => {
                let Some(sup) = next.handling.supervision.as_mut() else {
                    return Err(refuse("not_supervised", "该工单未被督办", "The order is not supervised"));
                };
                sup.arrived_at.get_or_insert(now);
                let on_time = sup.reach_site_by.is_none_or(|by| now <= by);
                reason = non_empty(&note);
                payload = serde_json::json!({ "on_time": on_time });
            }
            Action::Remind { note } => {
                if let Some(sup) = next.handling.supervision.as_mut() {
                    sup.reminders += 1;
                }
                reason = non_empty(&note);
                payload = serde_json::Value::Null;
            }
            Action::Exclude { exclusion, reason: r } => {
                next.handling.exclusion = exclusion;
                reason = non_empty(&r);
                payload = serde_json::json!({ "exclusion": exclusion });
            }
        }
        if next.state.is_terminal() {
            next.supervised = false;
        }
        // Due times may have moved (dispatch, extension, reopening) or stages finished.
        next.next_notice_at = next.next_notice_time(policy);
        let event = EventDraft { kind, from: Some(self.state), to: next.state, actor: actor.clone(), at: now, reason, payload };
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

    /// Evaluation and callback attempts wait for the reply, or for its due time to pass.
    fn check_in_callback_queue(&self, now: Timestamp) -> Result<(), DomainError> {
        if self.callback_since().is_some_and(|t| t <= now) {
            Ok(())
        } else {
            Err(refuse(
                "not_in_callback_queue",
                "工单尚未反馈且未到办理时限，不能回访",
                "The order has neither been replied to nor passed its reply due time",
            ))
        }
    }

    /// The co-unit the actor acts for, if the order lists it.
    fn co_unit_of(&self, actor: &Actor) -> Result<UnitId, DomainError> {
        actor
            .unit
            .filter(|u| self.assignment.as_ref().is_some_and(|a| a.co_units.contains(u)))
            .ok_or_else(|| refuse("not_a_co_unit", "只有协办单位可以提交协办反馈", "Only a co-unit reports to the main unit"))
    }

    fn set_unit_dues(&self, next: &mut WorkOrder, policy: &DeadlinePolicy, now: Timestamp) {
        use crate::deadline::Stage;
        next.dues.policy_version = policy.version;
        next.dues.contact_due = Some(policy.due(next.urgency, Stage::FirstContact, now));
        next.dues.reply_due = Some(policy.due(next.urgency, Stage::Reply, now));
    }
}
