//! The work-order state machine (domain.md §5): one enum of states, one enum of actions, and one
//! function, [`WorkOrder::apply`], that either produces the next order and its event or refuses.

use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::deadline::DeadlinePolicy;
use crate::error::DomainError;
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
}

impl ActionKind {
    pub const ALL: [ActionKind; 22] = [
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
        }
    }

    /// The states from which this action is allowed. The single source of the transition table.
    pub fn allowed_from(self) -> &'static [State] {
        use State as S;
        match self {
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
            Self::Evaluate => &[S::Replied],
            Self::Close => &[S::Replied, S::Evaluated],
            Self::Reopen => &[S::Replied, S::Evaluated, S::Closed],
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
    Supervise {
        on: bool,
        note: String,
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
        if !actor.role.is_some_and(|r| r.may(kind)) {
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
            Action::Answer { answer } => {
                next.state = S::AnsweredDirectly;
                next.closed_at = Some(now);
                payload = serde_json::json!({ "answer": answer });
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
                next.replied_at = Some(now);
                payload = serde_json::json!({ "reply": reply });
                next.reply = Some(reply);
            }
            Action::Evaluate { evaluation } => {
                next.state = S::Evaluated;
                payload = serde_json::json!({ "evaluation": evaluation });
                next.evaluation = Some(evaluation);
                next.evaluated_at = Some(now);
            }
            Action::Close { note } => {
                next.state = S::Closed;
                next.closed_at = Some(now);
                next.supervised = false;
                reason = non_empty(&note);
                payload = serde_json::Value::Null;
            }
            Action::Reopen { reason: r } => {
                next.state = S::Reopened;
                next.reopen_count += 1;
                next.closed_at = None;
                next.signed_at = None;
                next.contacted_at = None;
                next.reply = None;
                next.evaluation = None;
                next.replied_at = None;
                self.set_unit_dues(&mut next, policy, now);
                reason = non_empty(&r);
                payload = serde_json::json!({ "dues": next.dues });
            }
            Action::Supervise { on, note } => {
                next.supervised = on;
                reason = non_empty(&note);
                payload = serde_json::json!({ "supervised": on });
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

    fn set_unit_dues(&self, next: &mut WorkOrder, policy: &DeadlinePolicy, now: Timestamp) {
        use crate::deadline::Stage;
        next.dues.policy_version = policy.version;
        next.dues.contact_due = Some(policy.due(next.urgency, Stage::FirstContact, now));
        next.dues.reply_due = Some(policy.due(next.urgency, Stage::Reply, now));
    }
}
