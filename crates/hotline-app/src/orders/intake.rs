//! Intake: a request received (from an operator, the public page or Open311) is validated into a
//! domain order, has its triage and disposition applied in memory, and is stored with every event
//! in one transaction.

use hotline_domain::event::{Accepted, Suggested};
use hotline_domain::text::{bounded, optional};
use hotline_domain::{
    ActionKind, Actor, Assignment, Attachment, Channel, EventDraft, EventPayload, Location, NewOrder, Requester, UnitClass, UnitId,
    WorkOrder,
};
use hotline_store::IdempotencyKey;

use super::{Command, CreateOrderInput, LocationInput, PublicRequestInput, RequesterInput, SuggestionInput, TriageInput, invalid};
use crate::App;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::views::OrderView;

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

    pub(crate) fn territorial(&self, id: Option<i64>, class: UnitClass, field: &str) -> AppResult<Option<UnitId>> {
        let Some(id) = id else { return Ok(None) };
        match self.units().get(UnitId(id)) {
            Some(u) if u.class == class => Ok(Some(u.id)),
            _ => Err(invalid(field, "unknown_unit", "所选区域不存在", "Unknown district or street")),
        }
    }

    /// Resolves a dispatch target: the main unit must be able to lead; a street/township's district
    /// gets a copy (Regulation Art. 12).
    pub(crate) fn assignment(&self, main: i64, co: &[i64]) -> AppResult<Assignment> {
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

    pub(crate) fn idempotency(scope: String, key: Option<&str>) -> AppResult<Option<IdempotencyKey>> {
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
        let incident = match input.incident {
            Some(id) => Some(self.active_incident(id).await?),
            None => None,
        };
        let mut steps = Vec::new();
        let mut triage = self.intake_triage(input).await?;
        let mut disposition = input.disposition.clone();
        if let Some(incident) = &incident {
            // The one key of emergency mode: the incident's category when none was chosen, its lead
            // unit for the dispatch; a caller answered with the script is answered, not dispatched.
            let uncategorised = triage.as_ref().is_none_or(|t| t.category.trim().is_empty());
            let answered = matches!(disposition, Some(Command::Answer { .. }));
            if uncategorised && let Some(category) = &incident.category {
                let given = triage.unwrap_or_default();
                let urgency = self.default_urgency_of(category);
                triage = Some(TriageInput {
                    nature: match given.nature.trim() {
                        "" if answered => "consult".into(),
                        "" => "help".into(),
                        _ => given.nature,
                    },
                    category: category.clone(),
                    urgency: if given.urgency.trim().is_empty() { urgency.unwrap_or_else(|| "general".into()) } else { given.urgency },
                });
            }
            if !answered {
                disposition = Some(self.incident_dispatch(incident));
            }
        }
        if let Some(t) = triage {
            steps.push(Command::Triage { nature: t.nature, category: t.category, urgency: t.urgency });
        }
        if let Some(d) = &disposition {
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
            if steps.is_empty() && matches!(d, Command::Dispatch { .. }) {
                return Err(invalid("triage", "required", "派单前须先分类", "Triage (nature, category, urgency) is required to dispatch"));
            }
            steps.push(d.clone());
        }
        let suggestion = input.suggestion.as_ref().map(|sg| suggestion_record(sg, input)).transpose()?;
        let (order, replayed) = self.receive(new, &actor, Some(who), &steps, key, suggestion).await?;
        if let Some(incident) = &incident {
            // After the order is stored: a failure here leaves an order without its link, which the
            // same request sent again (its idempotency key replays the order) completes.
            self.incidents().link_to_incident(incident.id, &[order.id], Some(who.user_id), self.clock.now()).await?;
        }
        let policy = self.policy().await?;
        Ok((self.view(who, &order, &policy), replayed))
    }

    /// The triage an intake applies. A consultation answered from a knowledge-base article takes
    /// its category from the article when none was chosen (the article serves that category), so
    /// one click on the article and a submit close the call.
    pub(crate) async fn intake_triage(&self, input: &CreateOrderInput) -> AppResult<Option<TriageInput>> {
        let article = match &input.disposition {
            Some(Command::Answer { article: Some(slug), .. }) => Some(slug.trim()),
            _ => None,
        };
        let uncategorised = input.triage.as_ref().is_none_or(|t| t.category.trim().is_empty());
        let Some(slug) = article.filter(|s| !s.is_empty() && uncategorised) else { return Ok(input.triage.clone()) };
        let Some(category) = self.knowledge().get_article(slug).await?.and_then(|a| a.article.categories.first().cloned()) else {
            return Ok(input.triage.clone());
        };
        let urgency = self.default_urgency_of(category.as_str());
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
        let created = self.orders().create_order(&order, &events, policy.local_date(now), key.as_ref()).await?;
        if !created.replayed {
            tracing::debug!(number = %created.order.number, state = created.order.state.code(), "order received");
        }
        Ok((created.order, created.replayed))
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
            incident: None,
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
        let scope = format!("public:{}", new.requester.phone.as_ref().map(hotline_domain::text::Phone::as_str).unwrap_or_default());
        let key = Self::idempotency(scope, idempotency_key)?;
        let (order, _) = self.receive(new, &Actor::citizen(), None, &[], key, None).await?;
        Ok(order.number.to_string())
    }
}
