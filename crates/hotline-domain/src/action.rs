//! What can be done to a work order: [`ActionKind`], the closed list of everything that is recorded
//! on an order's timeline (the vocabulary of its events), and [`Action`], an action already
//! validated, with every referenced unit resolved. Which states each kind is allowed from is
//! [`ActionKind::allowed_from`], the single source of the transition table.

use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::handling::{Exclusion, SuperviseReason};
use crate::ids::{CaseId, OrderNumber, UnitId};
use crate::order::{Assignment, CategoryPath, EmergencyService, Evaluation, Nature, Reply, Urgency};
use crate::state::State;

crate::vocab::vocabulary!(/// Every kind of event on an order's timeline: the actions people take, and the few things
    /// the system records (receipt, deadline notices, reveals, client systems' notes).
    ActionKind, "action" {
    Receive = "receive", "受理", "Receive";
    Triage = "triage", "分类", "Triage";
    Answer = "answer", "直接答复", "Answer directly";
    Transfer = "transfer", "转紧急服务", "Transfer to emergency service";
    Redirect = "redirect", "告知其他渠道", "Redirect";
    LinkDuplicate = "link_duplicate", "并单（重复件）", "Link as duplicate";
    Dispatch = "dispatch", "派单", "Dispatch";
    Sign = "sign", "签收", "Sign";
    Dispute = "dispute", "派单异议（退单）", "Dispute dispatch";
    Arbitrate = "arbitrate", "异议审核", "Arbitrate";
    Contact = "contact", "联系诉求人", "Contact requester";
    StartWork = "start_work", "开始办理", "Start work";
    RequestExtension = "request_extension", "申请延期", "Request extension";
    GrantExtension = "grant_extension", "批准延期", "Grant extension";
    RefuseExtension = "refuse_extension", "驳回延期", "Refuse extension";
    Reply = "reply", "反馈办理结果", "Reply";
    Evaluate = "evaluate", "回访评价", "Record callback";
    Close = "close", "办结", "Close";
    Reopen = "reopen", "重办", "Reopen";
    Supervise = "supervise", "督办", "Supervise";
    RevealContact = "reveal_contact", "查看联系方式", "Reveal contact";
    /// The scheduler's deadline warning or overdue notice: changes no state.
    DeadlineNotice = "deadline_notice", "时限提醒", "Deadline notice";
    /// The unit stops the clock while it waits for the requester (e.g. not at home, documents due).
    PauseClock = "pause_clock", "暂停计时（等待诉求人）", "Pause the clock (waiting for the requester)";
    ResumeClock = "resume_clock", "恢复计时", "Resume the clock";
    /// A co-unit reports its part of the work to the main unit (首接负责).
    CoReport = "co_report", "协办反馈", "Co-unit report";
    /// A street/township summons departments to the problem (街乡吹哨).
    Summon = "summon", "吹哨（召集部门）", "Summon departments (whistle)";
    /// A summoned department reports in (部门报到).
    ReportIn = "report_in", "部门报到", "Report in";
    /// The unit says it is on site (for a supervised order with a reach-site time).
    ArriveOnSite = "arrive_on_site", "到达现场", "Arrived on site";
    /// The centre presses the unit (催办).
    Remind = "remind", "催办", "Send a reminder";
    /// A callback call that did not reach the requester.
    CallbackAttempt = "callback_attempt", "回访未接通", "Callback not answered";
    /// The centre leaves the order out of the assessment, or takes it back in.
    Exclude = "exclude", "考核认定", "Assessment exclusion";
    /// A client system (Open311, e.g. FixMyStreet) adds an update: a note, changes no state.
    ExternalUpdate = "external_update", "外部系统补充", "Update from a client system";
    /// The order came from another system's history (`hotline import-history`) in the state it had
    /// there: one event stands for the timeline it had before.
    Import = "import", "历史数据导入", "Imported from history";
});

impl ActionKind {
    /// The states from which this action is allowed. The single source of the transition table.
    #[rustfmt::skip] // a table: one row per kind, read across
    pub fn allowed_from(self) -> &'static [State] {
        use State as S;
        const WITH_UNIT: &[State] = &[S::Dispatched, S::Signed, S::Disputed, S::Contacted, S::InProgress, S::ExtensionRequested, S::Reopened];
        // The callback queue: replied, or still with the unit once the reply is overdue (checked in apply).
        const CALLBACK: &[State] = &[S::Replied, S::Dispatched, S::Signed, S::Contacted, S::InProgress, S::ExtensionRequested, S::Reopened];
        // Open orders: anything not yet at an end.
        const OPEN: &[State] = &[S::Received, S::Triaged, S::Dispatched, S::Signed, S::Disputed, S::Contacted, S::InProgress,
            S::ExtensionRequested, S::Replied, S::Evaluated, S::Reopened];
        // Dispatched at least once: a unit has (had) it, so it counts in the assessment.
        const DISPATCHED: &[State] = &[S::Dispatched, S::Signed, S::Disputed, S::Contacted, S::InProgress, S::ExtensionRequested,
            S::Replied, S::Evaluated, S::Closed, S::Reopened];
        match self {
            Self::PauseClock => &[S::Signed, S::Contacted, S::InProgress],
            Self::ResumeClock => &[S::Signed, S::Contacted, S::InProgress, S::ExtensionRequested],
            Self::CoReport | Self::Remind => WITH_UNIT,
            Self::ReportIn => &[S::Signed, S::Contacted, S::InProgress, S::ExtensionRequested, S::Replied, S::Reopened],
            Self::Summon | Self::ArriveOnSite => &[S::Signed, S::Contacted, S::InProgress, S::ExtensionRequested, S::Reopened],
            Self::Evaluate | Self::CallbackAttempt => CALLBACK,
            Self::Exclude => DISPATCHED,
            Self::Receive | Self::Import => &[],
            Self::Triage | Self::Answer | Self::Transfer | Self::Redirect | Self::LinkDuplicate => &[S::Received, S::Triaged],
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
            Self::ExternalUpdate => State::ALL,
            Self::Supervise | Self::RevealContact | Self::DeadlineNotice => OPEN,
        }
    }

    /// Whether this kind is something a person does to an order through its action forms (as opposed
    /// to what the system records: receipt, notices, reveals, client systems' notes).
    pub fn is_user_action(self) -> bool {
        !matches!(self, Self::Receive | Self::RevealContact | Self::DeadlineNotice | Self::ExternalUpdate | Self::Import)
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
        // `Variant { .. }` matches every shape of variant, so the list is the variants' names only.
        macro_rules! by_name {
            ($($v:ident),+ $(,)?) => { match self { $(Self::$v { .. } => ActionKind::$v),+ } };
        }
        by_name!(
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
            PauseClock,
            ResumeClock,
            CoReport,
            Summon,
            ReportIn,
            ArriveOnSite,
            Remind,
            CallbackAttempt,
            Exclude,
        )
    }
}
