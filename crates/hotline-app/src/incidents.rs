//! Emergency mode (突发事件): the centre's supervisors confirm an alert as an incident or declare one;
//! while it is active, intake shows its banner and scripted answer (口径), one key links a call to it
//! and dispatches the call to its lead unit, and the incident page shows the calls by district and
//! street and lets the supervisor link, dispatch and answer them in bulk — each order still moved by
//! its own checked transition with its own event.

use chrono::{DateTime, Duration, Utc};
use hotline_analytics::{Dimension, Filters, Measure, Query};
use hotline_domain::text::bounded;
use hotline_domain::{ActionKind, IncidentStatus, Role, State, UnitClass, UnitId};
use hotline_store::{Incident, IncidentEdit, NewIncident, OrderQuery, StoreError};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};
use crate::orders::{Command, invalid};
use crate::views::{OrderView, UnitRef};
use crate::warning::CategoryRef;
use crate::{App, Principal};

/// Most orders an incident page lists, and a bulk action takes.
pub const MAX_LISTED: u32 = 500;

/// What a supervisor declares: from an alert (its place, category and start are the defaults) or
/// on its own.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentInput {
    /// Default: named from the alert's category and place.
    #[serde(default)]
    pub title: Option<String>,
    /// The alert it confirms.
    #[serde(default)]
    pub alert: Option<i64>,
    #[serde(default)]
    pub district: Option<i64>,
    #[serde(default)]
    pub street: Option<i64>,
    /// Category path its calls are filed under (default: the alert's).
    #[serde(default)]
    pub category: Option<String>,
    /// The unit its calls are dispatched to (default: the alert's street, else its district).
    #[serde(default)]
    pub lead_unit: Option<i64>,
    /// 口径: what operators tell callers (default: a holding answer naming the incident).
    #[serde(default)]
    pub script: Option<String>,
}

/// What a supervisor changes while the incident is active.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentEditInput {
    pub title: String,
    pub script: String,
    pub lead_unit: i64,
}

/// An incident as its readers see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IncidentView {
    pub id: i64,
    pub title: String,
    pub alert: Option<i64>,
    pub district: Option<UnitRef>,
    pub street: Option<UnitRef>,
    pub category: Option<CategoryRef>,
    pub lead_unit: UnitRef,
    /// 口径: what operators tell callers.
    pub script: String,
    /// `active` or `closed`.
    pub status: String,
    pub started_at: DateTime<Utc>,
    pub declared_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Orders linked to it.
    pub linked: i64,
    /// Whether the viewer may edit, close and act in bulk.
    pub can_manage: bool,
}

/// Calls of one place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PlaceCount {
    pub district: Option<String>,
    pub street: Option<String>,
    pub count: u64,
}

/// The incident page: live counts, the worst-hit streets, the linked calls and the calls of its
/// place and category not linked yet.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IncidentDetail {
    pub incident: IncidentView,
    /// Calls of its category (and district) since the day it began, from the analytics read model
    /// (empty when the incident has no category): by district, and the 10 worst-hit streets.
    pub scope_by_district: Vec<PlaceCount>,
    pub worst_streets: Vec<PlaceCount>,
    /// Linked calls by district and street, most first.
    pub linked_by_street: Vec<PlaceCount>,
    /// Linked calls not yet at an end.
    pub unresolved: usize,
    /// Linked calls, newest first (at most 500).
    pub orders: Vec<OrderView>,
    /// Calls of its place and category received since it began and not linked (at most 200).
    pub unlinked: Vec<OrderView>,
}

/// What a supervisor does to many calls at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BulkAction {
    /// Link to the incident only.
    Link,
    /// Link, triage if not yet (the incident's category), and dispatch to the lead unit.
    Dispatch,
    /// Link and answer with the script (calls not yet dispatched).
    Answer,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkInput {
    pub action: BulkAction,
    /// Order numbers (at most 500).
    pub orders: Vec<String>,
}

/// What happened to one call of a bulk action.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BulkOutcome {
    pub number: String,
    pub ok: bool,
    /// The refusal's code when not ok (e.g. `invalid_state`).
    pub error: Option<String>,
    pub message_zh: Option<String>,
    pub message_en: Option<String>,
}

fn not_found(e: StoreError) -> AppError {
    match e {
        StoreError::NotFound => AppError::NotFound { what: "incident" },
        other => other.into(),
    }
}

impl App {
    pub fn incidents(&self) -> &dyn hotline_store::IncidentStore {
        &*self.store
    }

    fn manages_incidents(who: &Principal) -> bool {
        who.role == Role::Supervisor
    }

    fn must_manage(who: &Principal) -> AppResult<()> {
        if Self::manages_incidents(who) {
            Ok(())
        } else {
            Err(AppError::forbidden("只有督办人员可以管理突发事件", "Only the centre's supervisors manage incidents"))
        }
    }

    pub(crate) fn incident_view(&self, i: &Incident, who: &Principal) -> IncidentView {
        let units = self.units();
        IncidentView {
            id: i.id,
            title: i.title.clone(),
            alert: i.alert,
            district: i.district.map(|d| UnitRef::of(&units, d)),
            street: i.street.map(|d| UnitRef::of(&units, d)),
            category: i.category.as_deref().map(|c| {
                let (zh, en) = self.category_name(c);
                CategoryRef { code: c.to_owned(), name_zh: zh, name_en: en }
            }),
            lead_unit: UnitRef::of(&units, i.lead_unit),
            script: i.script.clone(),
            status: i.status.code().into(),
            started_at: i.started_at,
            declared_at: i.declared_at,
            updated_at: i.updated_at,
            closed_at: i.closed_at,
            linked: i.linked,
            can_manage: Self::manages_incidents(who) && i.status == IncidentStatus::Active,
        }
    }

    /// An incident `who` may read: the centre every one; a unit's people those of their district
    /// or led by their unit.
    async fn visible_incident(&self, who: &Principal, id: i64) -> AppResult<Incident> {
        let districts = self.alert_districts(who)?;
        let incident = self.incidents().get_incident(id).await.map_err(not_found)?;
        match districts {
            Some(ds) if !(incident.district.is_some_and(|d| ds.contains(&d)) || who.unit == Some(incident.lead_unit)) => {
                Err(AppError::NotFound { what: "incident" })
            }
            _ => Ok(incident),
        }
    }

    /// Incidents `who` may read: active first, then the latest closed ones.
    pub async fn list_incidents(&self, who: &Principal, active_only: bool) -> AppResult<Vec<IncidentView>> {
        let districts = self.alert_districts(who)?;
        let all = self.incidents().list_incidents(active_only, 200).await?;
        Ok(all
            .iter()
            .filter(|i| match &districts {
                None => true,
                Some(ds) => i.district.is_some_and(|d| ds.contains(&d)) || who.unit == Some(i.lead_unit),
            })
            .map(|i| self.incident_view(i, who))
            .collect())
    }

    fn lead_unit(&self, id: i64) -> AppResult<UnitId> {
        match self.units().get(UnitId(id)) {
            Some(u) if u.class.can_lead() => Ok(u.id),
            Some(_) => Err(invalid(
                "lead_unit",
                "unit_cannot_lead",
                "该单位不能牵头处置（热线中心和社区只能协办）",
                "This unit cannot lead (the centre and communities only assist)",
            )),
            None => Err(invalid("lead_unit", "unknown_unit", "牵头单位不存在", "The lead unit does not exist")),
        }
    }

    fn script_text(script: &str) -> AppResult<String> {
        Ok(bounded("script", script, 2, 2000)?)
    }

    /// Declares an incident; from an alert, the alert's place, category and start are its defaults
    /// and the alert is acknowledged with it. An alert that has an incident already answers that
    /// one (confirming twice does not declare twice).
    pub async fn declare_incident(&self, who: &Principal, input: &IncidentInput) -> AppResult<IncidentView> {
        Self::must_manage(who)?;
        let now = self.clock.now();
        let alert = match input.alert {
            Some(id) => {
                if let Some(existing) = self.incidents().incident_of_alert(id).await? {
                    return Ok(self.incident_view(&existing, who));
                }
                Some(self.visible_alert(who, id).await?)
            }
            None => None,
        };
        let signal = alert.as_ref().map(|a| &a.signal);
        let district = match input.district {
            Some(d) => self.territorial(Some(d), UnitClass::District, "district")?,
            None => signal.and_then(|s| s.district),
        };
        let street = match input.street {
            Some(s) => self.territorial(Some(s), UnitClass::Street, "street")?,
            None => signal.and_then(|s| s.street),
        };
        let category = match input.category.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            Some(c) => Some(self.known_category(c)?.0.as_str().to_owned()),
            None => signal.and_then(|s| s.category.clone()),
        };
        let lead_unit = match input.lead_unit.or(street.or(district).map(|u| u.0)) {
            Some(id) => self.lead_unit(id)?,
            None => return Err(invalid("lead_unit", "required", "请选择牵头单位", "Choose the lead unit")),
        };
        let units = self.units();
        let place = street.or(district).and_then(|u| units.get(u)).map_or_else(|| "全市".into(), |u| u.name.clone());
        let what = category.as_deref().map_or_else(|| "突发事件".into(), |c| self.category_name(c).0);
        let title = match input.title.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) => bounded("title", t, 2, 100)?,
            None => format!("{place}{what}"),
        };
        let script = match input.script.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => Self::script_text(s)?,
            None => format!("您反映的{place}{what}问题，热线已掌握并已通知有关单位处置，请您注意安全，处置进展将及时反馈。"),
        };
        let new = NewIncident {
            title,
            alert: alert.as_ref().map(|a| a.id),
            district,
            street,
            category,
            lead_unit,
            script,
            started_at: signal.map_or(now, |s| s.started_at.min(now)),
            declared_by: who.user_id,
            declared_at: now,
        };
        let incident = match self.incidents().declare_incident(&new).await {
            // Another supervisor confirmed the same alert meanwhile: theirs is the incident.
            Err(StoreError::Conflict(_)) if new.alert.is_some() => {
                self.incidents().incident_of_alert(new.alert.unwrap_or_default()).await?.ok_or(AppError::Conflict("incident".into()))?
            }
            other => other?,
        };
        tracing::info!(incident = incident.id, alert = ?incident.alert, "incident declared");
        Ok(self.incident_view(&incident, who))
    }

    pub async fn edit_incident(&self, who: &Principal, id: i64, input: &IncidentEditInput) -> AppResult<IncidentView> {
        Self::must_manage(who)?;
        self.visible_incident(who, id).await?;
        let edit = IncidentEdit {
            title: bounded("title", &input.title, 2, 100)?,
            script: Self::script_text(&input.script)?,
            lead_unit: self.lead_unit(input.lead_unit)?,
        };
        let updated = self.incidents().edit_incident(id, &edit, who.user_id, self.clock.now()).await.map_err(not_found)?;
        Ok(self.incident_view(&updated, who))
    }

    pub async fn close_incident(&self, who: &Principal, id: i64) -> AppResult<IncidentView> {
        Self::must_manage(who)?;
        self.visible_incident(who, id).await?;
        let closed = self.incidents().close_incident(id, who.user_id, self.clock.now()).await.map_err(not_found)?;
        Ok(self.incident_view(&closed, who))
    }

    /// The incident declared from an alert, if any (for those who may read the alert).
    pub async fn incident_of_alert(&self, who: &Principal, alert: i64) -> AppResult<Option<IncidentView>> {
        self.visible_alert(who, alert).await?;
        Ok(self.incidents().incident_of_alert(alert).await?.map(|i| self.incident_view(&i, who)))
    }

    /// The incidents an order is linked to that `who` may read (none for those who read no
    /// incidents), oldest first.
    pub async fn order_incidents(&self, who: &Principal, number: &str) -> AppResult<Vec<IncidentView>> {
        let order = self.visible_order(who, number).await?;
        if self.alert_districts(who).is_err() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for id in self.incidents().incidents_of_order(order.id).await? {
            match self.visible_incident(who, id).await {
                Ok(i) => out.push(self.incident_view(&i, who)),
                Err(AppError::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// The active incidents intake offers (operators and supervisors).
    pub async fn intake_incidents(&self, who: &Principal) -> AppResult<Vec<IncidentView>> {
        if !matches!(who.role, Role::Operator | Role::Supervisor) {
            return Ok(Vec::new());
        }
        self.list_incidents(who, true).await
    }

    /// The active incident a call is filed under at intake: `Conflict` once it is closed.
    pub(crate) async fn active_incident(&self, id: i64) -> AppResult<Incident> {
        let incident = self.incidents().get_incident(id).await.map_err(|e| match e {
            StoreError::NotFound => invalid("incident", "unknown_incident", "突发事件不存在", "There is no such incident"),
            other => other.into(),
        })?;
        if incident.status != IncidentStatus::Active {
            return Err(invalid("incident", "incident_closed", "该突发事件已结束", "The incident is closed"));
        }
        Ok(incident)
    }

    /// The category paths under `prefix` (itself included).
    fn categories_under(&self, prefix: &str) -> Vec<String> {
        self.categories().iter().filter(|c| c.code == prefix || c.code.starts_with(&format!("{prefix}/"))).map(|c| c.code.clone()).collect()
    }

    /// Counts from the read model: calls of the incident's category (and district) since the local
    /// day it began, grouped by `by`.
    async fn scope_counts(&self, who: &Principal, i: &Incident, by: Dimension) -> Vec<PlaceCount> {
        let Some(category) = &i.category else { return Vec::new() };
        let offset = i64::from(self.policy_offset_minutes());
        let from = (i.started_at + Duration::minutes(offset)).date_naive();
        let units = self.units();
        let q = Query {
            measure: Measure::Count,
            group_by: if by == Dimension::Street { vec![Dimension::District, Dimension::Street] } else { vec![Dimension::District] },
            filters: Filters {
                from: Some(from),
                category: vec![category.clone()],
                district: i.district.and_then(|d| units.get(d)).map(|u| u.name.clone()).into_iter().collect(),
                ..Filters::default()
            },
            limit: Some(if by == Dimension::Street { 10 } else { 50 }),
            ..Query::default()
        };
        match self.analytics_query(who, &q).await {
            Ok(answer) => answer
                .rows
                .into_iter()
                .filter(|r| !r.suppressed)
                .map(|r| PlaceCount {
                    district: r.keys.first().cloned().flatten(),
                    street: r.keys.get(1).cloned().flatten(),
                    count: r.value.map_or(r.orders, |v| v.round() as u64),
                })
                .collect(),
            Err(e) => {
                tracing::debug!(error = %e, "incident counts: the read model did not answer");
                Vec::new()
            }
        }
    }

    pub async fn incident_detail(&self, who: &Principal, id: i64) -> AppResult<IncidentDetail> {
        let incident = self.visible_incident(who, id).await?;
        let policy = self.policy().await?;
        let visible = self.visible_units(who);
        let linked = self.incidents().incident_orders(id, MAX_LISTED).await?;
        let linked: Vec<_> = linked.into_iter().filter(|o| self.can_see(who, o)).collect();
        let units = self.units();
        let mut by_street: Vec<PlaceCount> = Vec::new();
        for o in &linked {
            let district = o.location.district.and_then(|d| units.get(d)).map(|u| u.name.clone());
            let street = o.location.street.and_then(|s| units.get(s)).map(|u| u.name.clone());
            match by_street.iter_mut().find(|p| p.district == district && p.street == street) {
                Some(p) => p.count += 1,
                None => by_street.push(PlaceCount { district, street, count: 1 }),
            }
        }
        by_street.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.street.cmp(&b.street)));
        let unresolved = linked.iter().filter(|o| !o.state.is_terminal() && o.state != State::Replied).count();
        let unlinked = match &incident.category {
            Some(c) if incident.status == IncidentStatus::Active => {
                let q = OrderQuery {
                    street: incident.street,
                    categories: self.categories_under(c),
                    received_from: Some(incident.started_at - Duration::hours(1)),
                    units: visible.clone(),
                    limit: 200,
                    ..OrderQuery::default()
                };
                let ids: Vec<_> = linked.iter().map(|o| o.id).collect();
                self.orders()
                    .list_orders(&q)
                    .await?
                    .orders
                    .into_iter()
                    .filter(|o| !ids.contains(&o.id) && (incident.district.is_none() || o.location.district == incident.district))
                    .map(|o| self.view(who, &o, &policy))
                    .collect()
            }
            _ => Vec::new(),
        };
        Ok(IncidentDetail {
            scope_by_district: self.scope_counts(who, &incident, Dimension::District).await,
            worst_streets: self.scope_counts(who, &incident, Dimension::Street).await,
            linked_by_street: by_street,
            unresolved,
            orders: linked.iter().map(|o| self.view(who, o, &policy)).collect(),
            unlinked,
            incident: self.incident_view(&incident, who),
        })
    }

    /// Links, dispatches or answers many calls: each one its own checked transition (a call the
    /// action does not fit is reported, the others go on).
    pub async fn incident_bulk(&self, who: &Principal, id: i64, input: &BulkInput) -> AppResult<Vec<BulkOutcome>> {
        Self::must_manage(who)?;
        let incident = self.visible_incident(who, id).await?;
        if incident.status != IncidentStatus::Active {
            return Err(AppError::Conflict("incident closed".into()));
        }
        if input.orders.is_empty() || input.orders.len() > MAX_LISTED as usize {
            return Err(invalid("orders", "invalid_order_count", "请选择 1–500 个工单", "Choose 1 to 500 orders"));
        }
        let mut out = Vec::with_capacity(input.orders.len());
        for number in &input.orders {
            let result = self.bulk_one(who, &incident, input.action, number).await;
            out.push(match result {
                Ok(()) => BulkOutcome { number: number.clone(), ok: true, error: None, message_zh: None, message_en: None },
                Err(e) => {
                    let (zh, en) = e.messages();
                    BulkOutcome {
                        number: number.clone(),
                        ok: false,
                        error: Some(e.code().to_owned()),
                        message_zh: Some(zh),
                        message_en: Some(en),
                    }
                }
            });
        }
        Ok(out)
    }

    async fn bulk_one(&self, who: &Principal, incident: &Incident, action: BulkAction, number: &str) -> AppResult<()> {
        let order = self.visible_order(who, number).await?;
        let now = self.clock.now();
        match action {
            BulkAction::Link => {}
            BulkAction::Dispatch => {
                let mut state = order.state;
                if state == State::Received {
                    let category = incident.category.clone().ok_or_else(|| {
                        invalid(
                            "category",
                            "triage_required",
                            "该事件未设分类，请先逐件分类",
                            "The incident has no category: triage the call first",
                        )
                    })?;
                    let urgency = self.default_urgency_of(&category).unwrap_or_else(|| "general".into());
                    let triage = Command::Triage { nature: "help".into(), category, urgency };
                    state = self.act(who, number, &triage, None).await?.state;
                }
                if state == State::Triaged {
                    self.act(who, number, &self.incident_dispatch(incident), None).await?;
                } else if order.assignment.as_ref().map(|a| a.main_unit) != Some(incident.lead_unit) {
                    // Already with another unit: redispatching is arbitration's business, not a bulk action's.
                    return Err(AppError::InvalidTransition { from: order.state, action: ActionKind::Dispatch });
                }
            }
            BulkAction::Answer => {
                if !matches!(order.state, State::Received | State::Triaged) {
                    return Err(AppError::InvalidTransition { from: order.state, action: ActionKind::Answer });
                }
                if order.state == State::Received
                    && let Some(category) = incident.category.clone()
                {
                    let triage = Command::Triage { nature: "consult".into(), category, urgency: "general".into() };
                    self.act(who, number, &triage, None).await?;
                }
                self.act(who, number, &Command::Answer { answer: incident.script.clone(), article: None }, None).await?;
            }
        }
        self.incidents().link_to_incident(incident.id, &[order.id], Some(who.user_id), now).await?;
        Ok(())
    }

    /// The dispatch of a call to the incident's lead unit.
    pub(crate) fn incident_dispatch(&self, incident: &Incident) -> Command {
        Command::Dispatch {
            main_unit: incident.lead_unit.0,
            co_units: Vec::new(),
            note: format!("突发事件 #{}：{}", incident.id, incident.title).chars().take(200).collect(),
        }
    }
}
