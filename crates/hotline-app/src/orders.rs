//! Work-order use cases: intake, actions, reads, privacy. One function per use case; each validates
//! its input into domain types, checks who may do it, and makes one store call that is one
//! transaction.

use chrono::DateTime;
use hotline_domain::event::{Accepted, ContactRevealed, Suggested};
use hotline_domain::text::{bounded, optional};
use hotline_domain::{
    Action, ActionKind, Actor, ArbitrationDecision, Assignment, Attachment, Channel, DeadlinePolicy, EmergencyService, Evaluation,
    EventDraft, EventPayload, Location, Nature, NewOrder, OrderNumber, Reply, ReplyOutcome, Requester, Resolution, Role, Satisfaction,
    State, Timestamp, UnitClass, UnitId, Urgency, ValidationError, WorkOrder,
};
use hotline_store::{IdempotencyKey, OrderQuery};
use serde::{Deserialize, Serialize};

use crate::App;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::views::{EventView, OrderView, PublicOrderView, RequesterView, masked_for, order_view};

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct RequesterInput {
    #[serde(default)]
    pub name: String,
    pub phone: Option<String>,
    pub language: Option<String>,
    pub age_group: Option<String>,
    #[serde(default)]
    pub confidential: bool,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct LocationInput {
    #[serde(default)]
    pub address: String,
    /// Unit id of the district.
    pub district: Option<i64>,
    /// Unit id of the street/township.
    pub street: Option<i64>,
    pub lng: Option<f64>,
    pub lat: Option<f64>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct AttachmentInput {
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: u64,
    pub url: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct TriageInput {
    pub nature: String,
    pub category: String,
    pub urgency: String,
}

/// What triage suggested when the operator filed the order, so the choice can be compared with it
/// (the training signal of operator overrides). Codes in docs/triage.md's vocabulary.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema, PartialEq)]
pub struct SuggestionInput {
    /// The model version that made the suggestion.
    pub model: String,
    pub nature: Option<String>,
    /// The deepest category code suggested.
    pub category: Option<String>,
    pub urgency: Option<String>,
    pub disposition: Option<String>,
}

/// A new order. Operators usually send the triage and the disposition in the same request, so one
/// call takes a call from receipt to dispatch.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct CreateOrderInput {
    pub channel: Option<String>,
    pub description: String,
    #[serde(default)]
    pub requester: RequesterInput,
    #[serde(default)]
    pub location: LocationInput,
    #[serde(default)]
    pub attachments: Vec<AttachmentInput>,
    pub triage: Option<TriageInput>,
    /// What to do right after triage: `dispatch`, `answer`, `transfer`, `redirect` or `link_duplicate`.
    pub disposition: Option<Command>,
    /// What triage suggested (recorded with the triage event beside what the operator chose).
    #[serde(default)]
    pub suggestion: Option<SuggestionInput>,
}

/// An action on an order (the `action` field names it).
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    Triage {
        nature: String,
        category: String,
        urgency: String,
    },
    Answer {
        answer: String,
        /// The slug of the knowledge-base article the answer came from (recorded on the order).
        #[serde(default)]
        article: Option<String>,
    },
    Transfer {
        service: String,
        #[serde(default)]
        note: String,
    },
    Redirect {
        reason: String,
    },
    LinkDuplicate {
        of: String,
    },
    Dispatch {
        main_unit: i64,
        #[serde(default)]
        co_units: Vec<i64>,
        #[serde(default)]
        note: String,
    },
    /// A struct variant (not a unit one) so unknown fields are refused like every other action's.
    Sign {},
    Dispute {
        reason: String,
        proposed_unit: Option<i64>,
    },
    Arbitrate {
        decision: String,
        main_unit: Option<i64>,
        #[serde(default)]
        co_units: Vec<i64>,
        #[serde(default)]
        reason: String,
    },
    Contact {
        #[serde(default)]
        note: String,
    },
    StartWork {
        #[serde(default)]
        note: String,
    },
    RequestExtension {
        reason: String,
        until: DateTime<chrono::Utc>,
    },
    GrantExtension {
        until: DateTime<chrono::Utc>,
        #[serde(default)]
        reason: String,
    },
    RefuseExtension {
        reason: String,
    },
    Reply {
        outcome: String,
        text: String,
    },
    /// Nothing is assumed: each of the three answers must be given.
    Evaluate {
        #[serde(default)]
        contacted: Option<bool>,
        #[serde(default)]
        resolution: String,
        #[serde(default)]
        satisfaction: String,
        #[serde(default)]
        comment: String,
    },
    Close {
        #[serde(default)]
        note: String,
    },
    Reopen {
        reason: String,
    },
    Supervise {
        on: bool,
        /// Instructions to the unit (督办意见).
        #[serde(default)]
        note: String,
        /// `overdue`, `repeated`, `sensitive`, `leadership` or `other`.
        reason: Option<String>,
        /// By when the unit must be on site.
        reach_site_by: Option<DateTime<chrono::Utc>>,
    },
    PauseClock {
        reason: String,
    },
    ResumeClock {
        #[serde(default)]
        note: String,
    },
    CoReport {
        text: String,
    },
    Summon {
        /// Unit ids of the departments summoned.
        units: Vec<i64>,
        report_by: DateTime<chrono::Utc>,
        #[serde(default)]
        note: String,
    },
    ReportIn {
        #[serde(default)]
        note: String,
    },
    ArriveOnSite {
        #[serde(default)]
        note: String,
    },
    Remind {
        #[serde(default)]
        note: String,
    },
    CallbackAttempt {
        #[serde(default)]
        note: String,
    },
    Exclude {
        /// `unreasonable`, `outside_duty`, or none to take the order back into the assessment.
        exclusion: Option<String>,
        reason: String,
    },
}

impl Command {
    /// The action this command asks for, known before any of its fields is looked at.
    pub fn kind(&self) -> ActionKind {
        match self {
            Self::Triage { .. } => ActionKind::Triage,
            Self::Answer { .. } => ActionKind::Answer,
            Self::Transfer { .. } => ActionKind::Transfer,
            Self::Redirect { .. } => ActionKind::Redirect,
            Self::LinkDuplicate { .. } => ActionKind::LinkDuplicate,
            Self::Dispatch { .. } => ActionKind::Dispatch,
            Self::Sign {} => ActionKind::Sign,
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

/// Filters of the order list, as callers give them.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct ListInput {
    /// Comma-separated state codes.
    pub state: Option<String>,
    pub phone: Option<String>,
    pub overdue: Option<bool>,
    pub supervised: Option<bool>,
    /// Only orders that this unit (id) handles or is copied on.
    pub unit: Option<i64>,
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrderList {
    pub orders: Vec<OrderView>,
    pub has_more: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrderDetail {
    pub order: OrderView,
    pub timeline: Vec<EventView>,
    /// Up to 20 other orders of the same case (duplicates), newest first.
    pub case_orders: Vec<String>,
}

/// A citizen's own request through the public page.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct PublicRequestInput {
    pub description: String,
    #[serde(default)]
    pub name: String,
    pub phone: String,
    #[serde(default)]
    pub address: String,
    pub district: Option<i64>,
    pub language: Option<String>,
    pub lng: Option<f64>,
    pub lat: Option<f64>,
}

/// How many other orders of the same case an order's detail lists.
const CASE_ORDERS_SHOWN: u32 = 20;

pub(crate) fn invalid(field: &str, code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> AppError {
    AppError::Validation(ValidationError::new(field, code, zh, en))
}

/// The suggestion as recorded on the triage event: what was suggested, and for each decision
/// whether the operator took it.
fn suggestion_record(sg: &SuggestionInput, input: &CreateOrderInput) -> AppResult<Suggested> {
    let short = |field: &str, v: &Option<String>| optional(field, v.as_deref(), 100);
    let (nature, category, urgency, disposition) = (
        short("nature", &sg.nature)?,
        short("category", &sg.category)?,
        short("urgency", &sg.urgency)?,
        short("disposition", &sg.disposition)?,
    );
    let model = bounded("model", &sg.model, 1, 100)?;
    let chosen_disposition = input.disposition.as_ref().map(|d| match d {
        Command::Dispatch { .. } => "dispatch",
        Command::Answer { .. } => "answer",
        Command::Transfer { .. } => "transfer",
        Command::Redirect { .. } => "redirect",
        Command::LinkDuplicate { .. } => "duplicate",
        _ => "other",
    });
    let t = input.triage.as_ref();
    let took = |suggested: &Option<String>, chosen: Option<&str>| suggested.as_deref().map(|s| Some(s) == chosen);
    let accepted = Accepted {
        nature: took(&nature, t.map(|t| t.nature.as_str())),
        category: took(&category, t.map(|t| t.category.as_str())),
        urgency: took(&urgency, t.map(|t| t.urgency.as_str())),
        disposition: disposition.as_deref().map(|d| Some(if d.starts_with("transfer_") { "transfer" } else { d }) == chosen_disposition),
    };
    Ok(Suggested { model, nature, category, urgency, disposition, accepted })
}

/// A callback's or an online rating's three answers, each of which must be chosen: a missing answer
/// is refused rather than read as the best one (the three rates rest on them).
pub(crate) fn evaluation_of(contacted: Option<bool>, resolution: &str, satisfaction: &str, comment: &str) -> AppResult<Evaluation> {
    let contacted = contacted.ok_or_else(|| {
        invalid("contacted", "required", "请选择承办单位是否联系过诉求人", "Choose whether the unit contacted the requester")
    })?;
    Ok(Evaluation {
        contacted,
        resolution: Resolution::parse(resolution)?,
        satisfaction: Satisfaction::parse(satisfaction)?,
        comment: optional("comment", Some(comment), 1000)?.unwrap_or_default(),
    })
}

impl App {
    pub(crate) fn parse_new_order(&self, channel: Channel, input: &CreateOrderInput) -> AppResult<NewOrder> {
        let r = &input.requester;
        let requester = Requester::parse(&r.name, r.phone.as_deref(), r.language.as_deref(), r.age_group.as_deref(), r.confidential)?;
        let l = &input.location;
        let district = self.territorial(l.district, UnitClass::District, "location.district")?;
        let street = self.territorial(l.street, UnitClass::Street, "location.street")?;
        // A street implies its district; a contradicting district is an input error, not a guess.
        let district = match (district, street) {
            (d, Some(s)) => {
                let parent = self.units().ancestor_of_class(s, UnitClass::District).map(|u| u.id);
                if d.is_some() && d != parent {
                    return Err(invalid(
                        "location.street",
                        "street_not_in_district",
                        "街道不属于所选区",
                        "The street is not in the chosen district",
                    ));
                }
                parent.or(d)
            }
            (d, None) => d,
        };
        let mut location = Location::parse(&l.address, district, street, l.lng, l.lat)?;
        // Coordinates without a district: the district boundary that contains them.
        if location.district.is_none()
            && let (Some(lng), Some(lat)) = (location.lng, location.lat)
        {
            location.district = self.district_at(lng, lat);
        }
        // No street given: the one the address names, when the gazetteer is sure and it agrees with
        // the district (streets decide 属地 dispatch and duplicate detection).
        if location.street.is_none()
            && let Some(place) = self.units().resolve_place(&location.address)
            && place.ambiguous.is_empty()
            && let Some(s) = place.street.as_ref()
        {
            let s_district = self.units().ancestor_of_class(s.id, UnitClass::District).map(|d| d.id);
            if location.district.is_none() || location.district == s_district {
                location.street = Some(s.id);
                location.district = location.district.or(s_district);
            }
        }
        let attachments = input
            .attachments
            .iter()
            .map(|a| Attachment::parse(&a.file_name, &a.content_type, a.size_bytes, a.url.as_deref()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(NewOrder::parse(channel, &input.description, requester, location, attachments)?)
    }

    fn territorial(&self, id: Option<i64>, class: UnitClass, field: &str) -> AppResult<Option<UnitId>> {
        let Some(id) = id else { return Ok(None) };
        match self.units().get(UnitId(id)) {
            Some(u) if u.class == class => Ok(Some(u.id)),
            _ => Err(invalid(field, "unknown_unit", "所选区域不存在", "Unknown district or street")),
        }
    }

    /// Resolves a dispatch target: the main unit must be able to lead; a street/township's district
    /// gets a copy (Regulation Art. 12).
    fn assignment(&self, main: i64, co: &[i64]) -> AppResult<Assignment> {
        let dir = self.units();
        let main_unit =
            dir.get(UnitId(main)).ok_or_else(|| invalid("main_unit", "unknown_unit", "主办单位不存在", "The main unit does not exist"))?;
        if !main_unit.class.can_lead() {
            return Err(invalid(
                "main_unit",
                "unit_cannot_lead",
                "该单位不能作为主办单位（热线中心和社区只能协办）",
                "This unit cannot be the main handler (the centre and communities only assist)",
            ));
        }
        let mut co_units = Vec::new();
        for &c in co {
            let u = dir.get(UnitId(c)).ok_or_else(|| invalid("co_units", "unknown_unit", "协办单位不存在", "A co-unit does not exist"))?;
            if u.id == main_unit.id || co_units.contains(&u.id) || u.class == UnitClass::Centre {
                return Err(invalid("co_units", "invalid_co_unit", "协办单位重复或无效", "A co-unit is repeated or invalid"));
            }
            co_units.push(u.id);
        }
        if co_units.len() > 10 {
            return Err(invalid("co_units", "too_many_co_units", "协办单位最多 10 个", "At most 10 co-units"));
        }
        let district_copy = match main_unit.class {
            UnitClass::Street => dir.ancestor_of_class(main_unit.id, UnitClass::District).map(|d| d.id),
            _ => None,
        };
        Ok(Assignment { main_unit: main_unit.id, co_units, district_copy })
    }

    /// Turns a caller's command into a domain action, validating every field and resolving references.
    async fn resolve(&self, cmd: &Command, order: &WorkOrder, now: Timestamp) -> AppResult<Action> {
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
                let target = self.store.get_order(&of).await?.ok_or(AppError::NotFound { what: "order" })?;
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
                if *until <= now || order.dues.reply_due.is_some_and(|d| *until <= d) {
                    return Err(invalid(
                        "until",
                        "extension_not_later",
                        "延期时间须晚于当前办理时限",
                        "The extension must end after the current reply due time",
                    ));
                }
                Action::RequestExtension { reason: reason("reason", r)?, until: *until }
            }
            Command::GrantExtension { until, reason: r } => {
                if *until <= now || order.dues.reply_due.is_some_and(|d| *until <= d) {
                    return Err(invalid(
                        "until",
                        "extension_not_later",
                        "延期时间须晚于当前办理时限",
                        "The extension must end after the current reply due time",
                    ));
                }
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

    /// The units whose orders `who` may see: `None` means all (centre roles).
    pub(crate) fn visible_units(&self, who: &Principal) -> Option<Vec<UnitId>> {
        match who.role {
            Role::UnitHandler => Some(who.unit.into_iter().collect()),
            Role::UnitAdmin => Some(who.unit.map(|u| self.units().subtree(u)).unwrap_or_default()),
            _ => None,
        }
    }

    pub(crate) fn can_see(&self, who: &Principal, order: &WorkOrder) -> bool {
        match self.visible_units(who) {
            None => true,
            Some(units) => order.assignment.as_ref().is_some_and(|a| a.units().any(|u| units.contains(&u))),
        }
    }

    /// The departments a street summons (街乡吹哨): departments, district bodies or utilities, never
    /// itself (that only a street leading the order blows the whistle is the domain's rule).
    fn summoned(&self, ids: &[i64]) -> AppResult<Vec<UnitId>> {
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

    pub(crate) fn view(&self, who: &Principal, order: &WorkOrder, policy: &DeadlinePolicy) -> OrderView {
        let mut view =
            order_view(order, &self.units(), masked_for(Some(who.role)), self.clock.now(), self.allowed_actions(who, order, policy));
        view.dispute_until = order.dispute_deadline(policy);
        view
    }

    async fn visible_order(&self, who: &Principal, number: &str) -> AppResult<WorkOrder> {
        let number = OrderNumber::parse(number)?;
        match self.store.get_order(&number).await? {
            Some(o) if self.can_see(who, &o) => Ok(o),
            // Not visible is reported as not found, so unit users cannot probe other units' numbers.
            _ => Err(AppError::NotFound { what: "order" }),
        }
    }

    fn idempotency(scope: String, key: Option<&str>) -> AppResult<Option<IdempotencyKey>> {
        let Some(key) = key.map(str::trim) else { return Ok(None) };
        if key.is_empty() || key.len() > 100 || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(invalid(
                "Idempotency-Key",
                "invalid_idempotency_key",
                "幂等键须为 1–100 个可见 ASCII 字符",
                "An Idempotency-Key holds 1–100 visible ASCII characters",
            ));
        }
        Ok(Some(IdempotencyKey { scope, key: key.to_owned() }))
    }

    /// Creates an order, applying the triage and disposition given with it, in one transaction.
    pub async fn create_order(
        &self,
        who: &Principal,
        input: &CreateOrderInput,
        idempotency_key: Option<&str>,
    ) -> AppResult<(OrderView, bool)> {
        if !who.role.may(ActionKind::Triage) {
            return Err(AppError::forbidden("只有话务员和派单员可以受理工单", "Only operators and dispatchers take in orders"));
        }
        let channel = input.channel.as_deref().map(Channel::parse).transpose()?.unwrap_or(Channel::Phone);
        let new = self.parse_new_order(channel, input)?;
        let key = Self::idempotency(format!("user:{}", who.user_id), idempotency_key)?;
        let actor = self.actor_of(who);
        let mut steps = Vec::new();
        if let Some(t) = self.intake_triage(input).await? {
            steps.push(Command::Triage { nature: t.nature, category: t.category, urgency: t.urgency });
        }
        if let Some(d) = &input.disposition {
            if !matches!(
                d,
                Command::Dispatch { .. }
                    | Command::Answer { .. }
                    | Command::Transfer { .. }
                    | Command::Redirect { .. }
                    | Command::LinkDuplicate { .. }
            ) {
                return Err(invalid(
                    "disposition",
                    "invalid_disposition",
                    "受理时只能派单、直接答复、转紧急服务、告知渠道或并单",
                    "At intake the disposition is dispatch, answer, transfer, redirect or link_duplicate",
                ));
            }
            if input.triage.is_none() && matches!(d, Command::Dispatch { .. }) {
                return Err(invalid("triage", "required", "派单前须先分类", "Triage (nature, category, urgency) is required to dispatch"));
            }
            steps.push(d.clone());
        }
        let suggestion = input.suggestion.as_ref().map(|sg| suggestion_record(sg, input)).transpose()?;
        let (order, replayed) = self.receive(new, &actor, Some(who), &steps, key, suggestion).await?;
        let policy = self.policy().await?;
        Ok((self.view(who, &order, &policy), replayed))
    }

    /// The triage an intake applies. A consultation answered from a knowledge-base article takes
    /// its category from the article when none was chosen (the article serves that category), so
    /// one click on the article and a submit close the call.
    async fn intake_triage(&self, input: &CreateOrderInput) -> AppResult<Option<TriageInput>> {
        let article = match &input.disposition {
            Some(Command::Answer { article: Some(slug), .. }) => Some(slug.trim()),
            _ => None,
        };
        let uncategorised = input.triage.as_ref().is_none_or(|t| t.category.trim().is_empty());
        let Some(slug) = article.filter(|s| !s.is_empty() && uncategorised) else { return Ok(input.triage.clone()) };
        let Some(category) = self.store.get_article(slug).await?.and_then(|a| a.article.categories.first().cloned()) else {
            return Ok(input.triage.clone());
        };
        let urgency = self.categories().iter().find(|c| c.code == category.as_str()).map(|c| c.default_urgency.clone());
        let given = input.triage.clone().unwrap_or_default();
        Ok(Some(TriageInput {
            nature: if given.nature.trim().is_empty() { "consult".into() } else { given.nature },
            category: category.as_str().to_owned(),
            urgency: if given.urgency.trim().is_empty() { urgency.unwrap_or_else(|| "general".into()) } else { given.urgency },
        }))
    }

    /// Receives a validated request and applies `steps`, all in memory, then stores it with every
    /// event in one transaction.
    pub(crate) async fn receive(
        &self,
        new: NewOrder,
        actor: &Actor,
        who: Option<&Principal>,
        steps: &[Command],
        key: Option<IdempotencyKey>,
        suggestion: Option<Suggested>,
    ) -> AppResult<(WorkOrder, bool)> {
        let now = self.clock.now();
        let policy = self.policy().await?;
        let mut order = WorkOrder::received_under(new, who.map(|p| p.user_id), now, &policy);
        let mut events = vec![EventDraft::receipt(actor, now, order.channel)];
        for step in steps {
            let action = self.resolve(step, &order, now).await?;
            let mut t = order.apply(action, actor, now, &policy)?;
            if let EventPayload::Triage(triaged) = &mut t.event.payload {
                triaged.suggested.clone_from(&suggestion);
            }
            events.push(t.event);
            order = t.order;
        }
        let created = self.store.create_order(&order, &events, policy.local_date(now), key.as_ref()).await?;
        if !created.replayed {
            tracing::debug!(number = %created.order.number, state = created.order.state.code(), "order received");
        }
        Ok((created.order, created.replayed))
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
    async fn only_notices_since(&self, order: &WorkOrder, version: i64) -> AppResult<bool> {
        let newer = usize::try_from(order.version - version).unwrap_or(usize::MAX);
        if version > order.version || newer > 50 {
            return Ok(false);
        }
        // Events that bump the version, newest last (a logged reveal changes nothing).
        let events = self.store.order_events(order.id).await?;
        let bumping: Vec<_> =
            events.iter().filter(|e| !matches!(e.draft.kind(), ActionKind::RevealContact | ActionKind::ExternalUpdate)).collect();
        Ok(bumping.len() >= newer && bumping[bumping.len() - newer..].iter().all(|e| e.draft.kind() == ActionKind::DeadlineNotice))
    }

    pub async fn order_detail(&self, who: &Principal, number: &str) -> AppResult<OrderDetail> {
        let order = self.visible_order(who, number).await?;
        let events = self.store.order_events(order.id).await?;
        let case_orders: Vec<String> = if who.role.is_unit_role() {
            Vec::new()
        } else {
            let others = self.store.case_orders(order.case_id, CASE_ORDERS_SHOWN + 1).await?;
            others.into_iter().filter(|o| o.id != order.id).take(CASE_ORDERS_SHOWN as usize).map(|o| o.number.to_string()).collect()
        };
        let policy = self.policy().await?;
        Ok(OrderDetail { order: self.view(who, &order, &policy), timeline: events.iter().map(EventView::of).collect(), case_orders })
    }

    pub async fn list_orders(&self, who: &Principal, input: &ListInput) -> AppResult<OrderList> {
        let mut states = Vec::new();
        for s in input.state.iter().flat_map(|s| s.split(',')).map(str::trim).filter(|s| !s.is_empty()) {
            states.push(State::parse(s).map_err(|_| invalid("state", "unknown_code", "状态代码不存在", "Unknown state code"))?);
        }
        let phone = match input.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            Some(p) => Some(hotline_domain::text::Phone::parse(p)?.as_str().to_owned()),
            None => None,
        };
        // Searching by a full number would undo the masking of roles that do not see contacts.
        if phone.is_some() && !who.role.sees_contacts() {
            return Err(AppError::forbidden("您的角色不能按电话查询", "Your role cannot search by phone number"));
        }
        let mut units = self.visible_units(who);
        if let Some(u) = input.unit {
            let u = UnitId(u);
            if units.as_ref().is_some_and(|vis| !vis.contains(&u)) {
                return Err(AppError::forbidden("不能查看其他单位的工单", "You cannot list another unit's orders"));
            }
            units = Some(vec![u]);
        }
        let now = self.clock.now();
        let q = OrderQuery {
            states,
            units,
            phone,
            street: None,
            supervised: input.supervised,
            overdue_at: input.overdue.filter(|o| *o).map(|_| now),
            limit: input.limit.unwrap_or(50).clamp(1, 500),
            offset: input.offset.unwrap_or(0).min(100_000),
            ..OrderQuery::default()
        };
        let page = self.store.list_orders(&q).await?;
        let policy = self.policy().await?;
        Ok(OrderList { orders: page.orders.iter().map(|o| self.view(who, o, &policy)).collect(), has_more: page.has_more })
    }

    fn may_reveal(&self, who: &Principal, order: &WorkOrder) -> AppResult<()> {
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
        self.store.append_event(order.id, &event).await?;
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

    /// A citizen submits a request from the public page; returns the order number to track it by.
    pub async fn submit_public(&self, input: &PublicRequestInput, idempotency_key: Option<&str>) -> AppResult<String> {
        let create = CreateOrderInput {
            channel: Some("web".into()),
            description: input.description.clone(),
            requester: RequesterInput {
                name: input.name.clone(),
                phone: Some(input.phone.clone()),
                language: input.language.clone(),
                age_group: None,
                confidential: false,
            },
            location: LocationInput {
                address: input.address.clone(),
                district: input.district,
                street: None,
                lng: input.lng,
                lat: input.lat,
            },
            attachments: Vec::new(),
            triage: None,
            disposition: None,
            suggestion: None,
        };
        if input.phone.trim().is_empty() {
            return Err(invalid(
                "phone",
                "required",
                "请填写电话号码，用于查询和回访",
                "A phone number is required to track the request and call you back",
            ));
        }
        let new = self.parse_new_order(Channel::Web, &create)?;
        let scope = format!("public:{}", new.requester.phone.as_ref().map(|p| p.as_str()).unwrap_or_default());
        let key = Self::idempotency(scope, idempotency_key)?;
        let (order, _) = self.receive(new, &Actor::citizen(), None, &[], key, None).await?;
        Ok(order.number.to_string())
    }

    /// A citizen tracks an order by its number and the phone it was filed with. A wrong pair is
    /// "not found", never "wrong phone", so numbers cannot be probed.
    pub async fn track_public(&self, number: &str, phone: &str) -> AppResult<PublicOrderView> {
        let number = OrderNumber::parse(number)?;
        let phone = hotline_domain::text::Phone::parse(phone)?;
        let now = self.clock.now();
        // A masked phone hides only four digits; without a limit its owner could be found by trying.
        if self.track_attempts.exhausted(number.as_str(), now) {
            return Err(AppError::TooManyAttempts);
        }
        let order = self.store.get_order(&number).await?.filter(|o| o.requester.phone.as_ref() == Some(&phone));
        let Some(order) = order else {
            self.track_attempts.fail(number.as_str(), now);
            return Err(AppError::NotFound { what: "order" });
        };
        let events = self.store.order_events(order.id).await?;
        Ok(PublicOrderView {
            number: order.number.to_string(),
            state: order.state,
            received_at: order.received_at,
            description: order.description.clone(),
            handling_unit: order.assignment.as_ref().map(|a| crate::views::UnitRef::of(&self.units(), a.main_unit).name),
            reply: order.reply.as_ref().map(|r| crate::views::ReplyView { outcome: r.outcome.code().into(), text: r.text.clone() }),
            timeline: events.iter().filter_map(EventView::public).collect(),
            // The tracker proved the phone: they may rate the reply here instead of waiting for a call.
            rating_link: if order.state == State::Replied { Some(self.rating_link(&order).await?) } else { None },
        })
    }

    /// Counts per state, for the queue and inbox headers.
    pub async fn state_counts(&self, who: &Principal) -> AppResult<Vec<(State, i64)>> {
        let units = self.visible_units(who);
        Ok(self.store.count_by_state(units.as_deref()).await?.into_iter().map(|c| (c.state, c.count)).collect())
    }
}
