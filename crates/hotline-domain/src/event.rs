//! The events of an order's timeline, typed. Every transition writes one [`EventDraft`]; what it
//! records beyond who, when, from which state to which and why is its [`EventPayload`], one variant
//! per [`ActionKind`], so the kind of an event is its payload's variant and every reader (the store
//! linking cases, the whistle table, the timeline, analytics) reads fields, not JSON keys.
//!
//! Stored as the JSON the platform has always written: a payload serialises as its fields alone
//! (a kind without data as `null`), and is read back by the kind kept beside it
//! ([`EventPayload::decode`]), so rows written before the payload was typed still read.

use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::action::{ActionKind, ArbitrationDecision};
use crate::handling::{Exclusion, SuperviseReason};
use crate::ids::{CaseId, OrderNumber, UnitId};
use crate::kb::ArticleRef;
use crate::notice::Notice;
use crate::order::{Assignment, CategoryPath, Channel, Dues, EmergencyService, Evaluation, Nature, Reply, Urgency, WorkOrder};
use crate::role::Actor;
use crate::state::State;

/// Declares [`EventPayload`]: the kinds that carry data (each with its record type) and those that
/// carry none. Both `kind` and `decode` come from this one list, and `decode`'s match over
/// [`ActionKind`] is exhaustive, so a new kind cannot be forgotten here.
macro_rules! payloads {
    (data { $($dk:ident($dt:ty),)+ } empty { $($ek:ident,)+ }) => {
        /// What an event records, by kind.
        #[derive(Debug, Clone, PartialEq, Serialize)]
        #[serde(untagged)]
        pub enum EventPayload {
            $($dk($dt),)+
            $($ek,)+
        }

        impl EventPayload {
            /// The kind of event this payload belongs to.
            pub fn kind(&self) -> ActionKind {
                match self {
                    $(Self::$dk(_) => ActionKind::$dk,)+
                    $(Self::$ek => ActionKind::$ek,)+
                }
            }

            /// Reads a stored payload of an event of `kind`.
            pub fn decode(kind: ActionKind, stored: serde_json::Value) -> Result<Self, serde_json::Error> {
                Ok(match kind {
                    $(ActionKind::$dk => Self::$dk(serde_json::from_value(stored)?),)+
                    $(ActionKind::$ek => Self::$ek,)+
                })
            }
        }
    };
}

payloads! {
    data {
        Receive(Received),
        Triage(Triaged),
        Answer(Answered),
        Transfer(Transferred),
        LinkDuplicate(LinkedDuplicate),
        Dispatch(Dispatched),
        Dispute(Disputed),
        Arbitrate(Arbitrated),
        RequestExtension(ExtensionRequested),
        GrantExtension(ExtensionGranted),
        Reply(Replied),
        Evaluate(Evaluated),
        Reopen(Reopened),
        Supervise(Supervised),
        RevealContact(ContactRevealed),
        DeadlineNotice(NoticesFired),
        ResumeClock(ClockResumed),
        CoReport(CoReported),
        Summon(Summoned),
        ReportIn(ReportedIn),
        ArriveOnSite(ArrivedOnSite),
        CallbackAttempt(CallbackAttempted),
        Exclude(Excluded),
        ExternalUpdate(ExternalUpdated),
        Import(Imported),
    }
    empty {
        Redirect,
        Sign,
        Contact,
        StartWork,
        RefuseExtension,
        Close,
        PauseClock,
        Remind,
    }
}

impl EventPayload {
    /// The payload as the JSON that is stored and shown by the API.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// The due times this event set, if it set any (dispatch, re-dispatch, reopening, resuming).
    pub fn dues(&self) -> Option<&Dues> {
        match self {
            Self::Dispatch(d) => Some(&d.dues),
            Self::Arbitrate(a) => Some(&a.dues),
            Self::Reopen(r) => Some(&r.dues),
            Self::Evaluate(e) => e.dues.as_ref(),
            Self::ResumeClock(r) => Some(&r.dues),
            _ => None,
        }
    }
}

/// Where an imported order came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Imported {
    /// The file, as named to the import.
    pub source: String,
    /// The line of the file the order was on.
    pub line: u64,
    /// The order's number in the system it came from, when it had one.
    #[serde(default)]
    pub external_number: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Received {
    pub channel: Channel,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Triaged {
    pub nature: Nature,
    pub category: CategoryPath,
    #[serde(default)]
    pub category_version: Option<i64>,
    pub urgency: Urgency,
    /// What triage suggested to the operator, beside what was chosen (the training signal of
    /// overrides). Absent when the order was triaged without suggestions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggested: Option<Suggested>,
}

/// The triage engine's suggestion as recorded at intake, and whether the operator took each part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggested {
    pub model: String,
    #[serde(default)]
    pub nature: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub urgency: Option<String>,
    #[serde(default)]
    pub disposition: Option<String>,
    #[serde(default)]
    pub accepted: Accepted,
}

/// For each suggested decision, whether the operator's choice was the suggestion (`None`: nothing
/// was suggested or nothing chosen).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accepted {
    #[serde(default)]
    pub nature: Option<bool>,
    #[serde(default)]
    pub category: Option<bool>,
    #[serde(default)]
    pub urgency: Option<bool>,
    #[serde(default)]
    pub disposition: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answered {
    pub answer: String,
    /// The knowledge-base article the answer came from.
    #[serde(default)]
    pub article: Option<ArticleRef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transferred {
    pub service: EmergencyService,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkedDuplicate {
    pub duplicate_of: OrderNumber,
    pub case_id: CaseId,
    /// The case the order had before it joined the other's (its orders move along).
    #[serde(default)]
    pub previous_case_id: Option<CaseId>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dispatched {
    pub assignment: Assignment,
    pub dues: Dues,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Disputed {
    #[serde(default)]
    pub proposed_unit: Option<UnitId>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Arbitrated {
    pub decision: ArbitrationDecision,
    pub dues: Dues,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExtensionRequested {
    pub until: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExtensionGranted {
    pub reply_due: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Replied {
    pub reply: Reply,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluated {
    pub evaluation: Evaluation,
    /// The reopen rule sent the order back to its unit.
    #[serde(default)]
    pub reopened: bool,
    /// The fresh due times of a reopened order.
    #[serde(default)]
    pub dues: Option<Dues>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reopened {
    pub dues: Dues,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Supervised {
    pub supervised: bool,
    #[serde(default)]
    pub reason: Option<SuperviseReason>,
    #[serde(default)]
    pub reach_site_by: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactRevealed {
    /// Which of the requester's fields were shown (`name`, `phone`).
    pub fields: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoticesFired {
    pub notices: Vec<Notice>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClockResumed {
    pub paused_minutes: i64,
    pub dues: Dues,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoReported {
    pub unit: UnitId,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summoned {
    pub units: Vec<UnitId>,
    pub report_by: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportedIn {
    pub unit: UnitId,
    pub on_time: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArrivedOnSite {
    pub on_time: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallbackAttempted {
    pub attempt: u32,
    pub unreachable: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Excluded {
    /// `None`: taken back into the assessment.
    pub exclusion: Option<Exclusion>,
}

/// A client system's update (Open311 `POST servicerequestupdates`), recorded as a note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExternalUpdated {
    pub update_id: String,
    /// The status the client sent (recorded, not applied: the centre decides the state).
    pub status: String,
    pub updated_datetime: Timestamp,
    #[serde(default)]
    pub media_url: Vec<String>,
}

/// The event row a transition writes: who did what, when, why, with what data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventDraft {
    pub from: Option<State>,
    pub to: State,
    pub actor: Actor,
    pub at: Timestamp,
    pub reason: Option<String>,
    pub payload: EventPayload,
}

impl EventDraft {
    /// The kind of event: its payload's.
    pub fn kind(&self) -> ActionKind {
        self.payload.kind()
    }

    /// The first event of every order: received through `channel`.
    pub fn receipt(actor: &Actor, at: Timestamp, channel: Channel) -> Self {
        Self {
            from: None,
            to: State::Received,
            actor: actor.clone(),
            at,
            reason: None,
            payload: EventPayload::Receive(Received { channel }),
        }
    }

    /// An event that records something about an order without changing it (a reveal, a note).
    pub fn note(order: &WorkOrder, actor: &Actor, at: Timestamp, reason: Option<String>, payload: EventPayload) -> Self {
        Self { from: Some(order.state), to: order.state, actor: actor.clone(), at, reason, payload }
    }
}
