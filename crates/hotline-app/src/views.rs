//! What callers get back: orders and events as seen by one principal, with personal data masked
//! where their role requires it. The API serialises these; the web UI renders them.

use chrono::{DateTime, Utc};
use hotline_domain::text::mask_name;
use hotline_domain::{ActionKind, EventPayload, Role, State, Timestamp, UnitId, WorkOrder};
use hotline_store::Event;
use serde::Serialize;

use crate::units::UnitDirectory;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitRef {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub class: String,
}

impl UnitRef {
    pub fn of(dir: &UnitDirectory, id: UnitId) -> Self {
        match dir.get(id) {
            Some(u) => Self { id: u.id.0, code: u.code.clone(), name: u.name.clone(), class: u.class.code().into() },
            None => Self { id: id.0, code: String::new(), name: format!("#{id}"), class: String::new() },
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RequesterView {
    pub name: String,
    pub phone: Option<String>,
    pub language: String,
    pub age_group: Option<String>,
    pub confidential: bool,
    /// True when name and phone are masked for this viewer.
    pub masked: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LocationView {
    pub address: String,
    pub district: Option<UnitRef>,
    pub street: Option<UnitRef>,
    pub lng: Option<f64>,
    pub lat: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AssignmentView {
    pub main_unit: UnitRef,
    pub co_units: Vec<UnitRef>,
    pub district_copy: Option<UnitRef>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttachmentView {
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: u64,
    pub url: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DuesView {
    pub policy_version: i64,
    pub dispatch_due: Option<DateTime<Utc>>,
    pub contact_due: Option<DateTime<Utc>>,
    pub reply_due: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReplyView {
    pub outcome: String,
    pub text: String,
}

/// The answer given at intake (a consultation answered directly), and the knowledge-base article
/// it came from.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AnswerView {
    pub text: String,
    pub article: Option<ArticleRefView>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ArticleRefView {
    pub slug: String,
    pub version: i64,
    pub title: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EvaluationView {
    pub contacted: bool,
    pub resolution: String,
    pub satisfaction: String,
    pub comment: String,
}

/// A work order as one viewer may see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrderView {
    pub number: String,
    pub case_id: i64,
    pub version: i64,
    #[schema(value_type = String)]
    pub state: State,
    pub channel: String,
    pub nature: Option<String>,
    pub category: Option<String>,
    /// The category tree version the category was chosen from.
    pub category_version: Option<i64>,
    pub urgency: String,
    pub description: String,
    pub requester: RequesterView,
    pub location: LocationView,
    pub attachments: Vec<AttachmentView>,
    pub assignment: Option<AssignmentView>,
    pub dues: DuesView,
    /// `dispatch`, `contact` or `reply` when that due time has passed; derived at read time.
    pub overdue: Option<String>,
    pub duplicate_of: Option<String>,
    pub transferred_to: Option<String>,
    pub reply: Option<ReplyView>,
    pub answer: Option<AnswerView>,
    pub evaluation: Option<EvaluationView>,
    pub supervised: bool,
    /// Paused clock, co-unit reports, summons, supervision, callback attempts, exclusion.
    pub handling: HandlingView,
    /// Why the centre left the order out of the assessment (`unreasonable`, `outside_duty`).
    pub exclusion: Option<String>,
    /// What a client system (Open311) sent: the service chosen and the answers to its questions
    /// (never the submitter's e-mail).
    pub submission: Option<SubmissionView>,
    /// Since when the order waits for a callback (回访).
    pub callback_since: Option<DateTime<Utc>>,
    pub reopen_count: i64,
    pub dispute_count: i64,
    pub received_at: DateTime<Utc>,
    pub first_dispatched_at: Option<DateTime<Utc>>,
    pub dispatched_at: Option<DateTime<Utc>>,
    pub signed_at: Option<DateTime<Utc>>,
    pub contacted_at: Option<DateTime<Utc>>,
    pub replied_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    /// The actions this viewer may take now (the domain's check allows them), as action codes.
    #[schema(value_type = Vec<String>)]
    pub allowed_actions: Vec<ActionKind>,
    /// Until when the unit may dispute the dispatch (退单时限), while the order can be disputed.
    pub dispute_until: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SubmissionView {
    /// The category path of the service chosen.
    pub service_code: String,
    pub attributes: std::collections::BTreeMap<String, Vec<String>>,
    pub address_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HandlingView {
    /// The clock is stopped (waiting for the requester) since then.
    pub paused_since: Option<DateTime<Utc>>,
    pub co_reports: Vec<CoReportView>,
    pub summons: Vec<SummonsView>,
    pub supervision: Option<SupervisionView>,
    pub callback_attempts: u32,
    pub unreachable: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CoReportView {
    pub unit: UnitRef,
    pub at: DateTime<Utc>,
    pub text: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SummonsView {
    pub unit: UnitRef,
    pub summoned_at: DateTime<Utc>,
    pub report_by: DateTime<Utc>,
    pub reported_at: Option<DateTime<Utc>>,
    pub on_time: bool,
    pub note: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SupervisionView {
    /// `overdue`, `repeated`, `sensitive`, `leadership`, `other`.
    pub reason: String,
    pub instructions: String,
    pub reach_site_by: Option<DateTime<Utc>>,
    pub arrived_at: Option<DateTime<Utc>>,
    pub reminders: u32,
    pub since: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EventView {
    pub seq: i64,
    #[schema(value_type = String)]
    pub kind: ActionKind,
    #[schema(value_type = Option<String>)]
    pub from: Option<State>,
    #[schema(value_type = String)]
    pub to: State,
    pub actor_name: String,
    pub actor_role: String,
    pub at: DateTime<Utc>,
    pub reason: Option<String>,
    /// What the event records, by kind (its fields; `null` for kinds without data, and for what
    /// a citizen is not shown).
    #[schema(value_type = Option<Object>)]
    pub payload: Option<EventPayload>,
}

impl EventView {
    pub fn of(e: &Event) -> Self {
        let d = &e.draft;
        Self {
            seq: e.seq,
            kind: d.kind(),
            from: d.from,
            to: d.to,
            actor_name: d.actor.name.clone(),
            actor_role: d.actor.role_code().into(),
            at: d.at,
            reason: d.reason.clone(),
            payload: Some(d.payload.clone()),
        }
    }

    /// The part of the timeline a citizen sees: what happened and when, never who inside a unit or
    /// internal notes.
    pub fn public(e: &Event) -> Option<Self> {
        use ActionKind as A;
        let d = &e.draft;
        let shown = matches!(
            d.kind(),
            A::Receive
                | A::Dispatch
                | A::Sign
                | A::Contact
                | A::StartWork
                | A::Reply
                | A::Answer
                | A::Transfer
                | A::Redirect
                | A::LinkDuplicate
                | A::Evaluate
                | A::Close
                | A::Reopen
        );
        // A citizen sees what they were told (the reply, the answer), nothing recorded inside.
        let payload = matches!(d.payload, EventPayload::Reply(_) | EventPayload::Answer(_)).then(|| d.payload.clone());
        shown.then(|| Self {
            seq: e.seq,
            kind: d.kind(),
            from: d.from,
            to: d.to,
            actor_name: String::new(),
            actor_role: String::new(),
            at: d.at,
            reason: None,
            payload,
        })
    }
}

/// Whether `role` reads names and phones in clear.
pub fn masked_for(role: Option<Role>) -> bool {
    !role.is_some_and(Role::sees_contacts)
}

pub fn order_view(o: &WorkOrder, dir: &UnitDirectory, mask: bool, now: Timestamp, allowed: Vec<ActionKind>) -> OrderView {
    let r = &o.requester;
    let (name, phone) = if mask && r.confidential {
        // 保密: nothing of who they are, not even the digits a usual mask keeps.
        ("***".to_owned(), r.phone.as_ref().map(|_| "***".to_owned()))
    } else if mask {
        (mask_name(&r.name), r.phone.as_ref().map(hotline_domain::text::Phone::masked))
    } else {
        (r.name.clone(), r.phone.as_ref().map(|p| p.as_str().to_owned()))
    };
    let unit = |id: UnitId| UnitRef::of(dir, id);
    OrderView {
        number: o.number.to_string(),
        case_id: o.case_id.0,
        version: o.version,
        state: o.state,
        channel: o.channel.code().into(),
        nature: o.nature.map(|n| n.code().into()),
        category: o.category.as_ref().map(|c| c.as_str().into()),
        category_version: o.category_version,
        urgency: o.urgency.code().into(),
        description: o.description.clone(),
        requester: RequesterView {
            name,
            phone,
            language: r.language.clone(),
            age_group: r.age_group.map(|a| a.code().into()),
            confidential: r.confidential,
            masked: mask,
        },
        location: LocationView {
            address: o.location.address.clone(),
            district: o.location.district.map(unit),
            street: o.location.street.map(unit),
            lng: o.location.lng,
            lat: o.location.lat,
        },
        attachments: o
            .attachments
            .iter()
            .map(|a| AttachmentView {
                file_name: a.file_name.clone(),
                content_type: a.content_type.clone(),
                size_bytes: a.size_bytes,
                url: a.url.clone(),
            })
            .collect(),
        assignment: o.assignment.as_ref().map(|a| AssignmentView {
            main_unit: unit(a.main_unit),
            co_units: a.co_units.iter().copied().map(unit).collect(),
            district_copy: a.district_copy.map(unit),
        }),
        dues: DuesView {
            policy_version: o.dues.policy_version,
            dispatch_due: o.dues.dispatch_due,
            contact_due: o.dues.contact_due,
            reply_due: o.dues.reply_due,
        },
        overdue: o.overdue(now).map(|k| match k {
            hotline_domain::Overdue::Dispatch => "dispatch".into(),
            hotline_domain::Overdue::Contact => "contact".into(),
            hotline_domain::Overdue::Reply => "reply".into(),
        }),
        duplicate_of: o.duplicate_of.as_ref().map(ToString::to_string),
        transferred_to: o.transferred_to.map(|s| s.code().into()),
        reply: o.reply.as_ref().map(|r| ReplyView { outcome: r.outcome.code().into(), text: r.text.clone() }),
        answer: o.answer.as_ref().map(|a| AnswerView {
            text: a.text.clone(),
            article: a.article.as_ref().map(|r| ArticleRefView { slug: r.slug.clone(), version: r.version, title: r.title.clone() }),
        }),
        evaluation: o.evaluation.as_ref().map(|e| EvaluationView {
            contacted: e.contacted,
            resolution: e.resolution.code().into(),
            satisfaction: e.satisfaction.code().into(),
            comment: e.comment.clone(),
        }),
        supervised: o.supervised,
        handling: HandlingView {
            paused_since: o.handling.paused_since,
            co_reports: o.handling.co_reports.iter().map(|r| CoReportView { unit: unit(r.unit), at: r.at, text: r.text.clone() }).collect(),
            summons: o
                .handling
                .summons
                .iter()
                .map(|s| SummonsView {
                    unit: unit(s.unit),
                    summoned_at: s.summoned_at,
                    report_by: s.report_by,
                    reported_at: s.reported_at,
                    on_time: s.on_time(),
                    note: s.note.clone(),
                })
                .collect(),
            supervision: o.handling.supervision.as_ref().map(|s| SupervisionView {
                reason: s.reason.code().into(),
                instructions: s.instructions.clone(),
                reach_site_by: s.reach_site_by,
                arrived_at: s.arrived_at,
                reminders: s.reminders,
                since: s.since,
            }),
            callback_attempts: o.handling.callback_attempts,
            unreachable: o.handling.unreachable,
        },
        exclusion: o.handling.exclusion.map(|e| e.code().into()),
        submission: o.submission.as_ref().map(|s| SubmissionView {
            service_code: s.service_code.clone(),
            attributes: s.attributes.clone(),
            address_id: s.address_id.clone(),
        }),
        callback_since: o.callback_since(),
        reopen_count: o.reopen_count,
        dispute_count: o.dispute_count,
        received_at: o.received_at,
        first_dispatched_at: o.first_dispatched_at,
        dispatched_at: o.dispatched_at,
        signed_at: o.signed_at,
        contacted_at: o.contacted_at,
        replied_at: o.replied_at,
        closed_at: o.closed_at,
        updated_at: o.updated_at,
        allowed_actions: allowed,
        dispute_until: None,
    }
}

/// What a citizen sees when tracking an order by number and phone.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicOrderView {
    pub number: String,
    #[schema(value_type = String)]
    pub state: State,
    pub received_at: DateTime<Utc>,
    pub description: String,
    pub handling_unit: Option<String>,
    pub reply: Option<ReplyView>,
    pub timeline: Vec<EventView>,
    /// Where to rate the reply online (回访), while the order waits for its rating.
    pub rating_link: Option<String>,
}

/// What a confidential order's texts read where the public may see them (tracking, Open311).
pub const WITHHELD_TEXT: &str = "诉求人要求保密，内容不公开 / Withheld at the requester's request";

pub fn is_open(s: State) -> bool {
    !s.is_terminal()
}
