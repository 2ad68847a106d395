//! Early warning use cases (预警): the detection pass over the analytics read model (each minute, by
//! the server), the alerts it raises with the viewer's rights, and the centre acknowledging or
//! dismissing them. The detector is `hotline_analytics::warning`; this module turns its signals into
//! stored alerts (never two for one ongoing surge: the store keeps one per series until it has been
//! quiet for [`QUIET_HOURS`]) and tells the centre and the district through the outbox.

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use hotline_analytics::warning::{self, Seasons, Settings, Signal};
use hotline_domain::{AlertKind, AlertStatus, Role, Timestamp, UnitClass, UnitId};
use hotline_store::{Alert, AlertFilter, AlertSignal, NewOutboxMessage, OrderQuery, SignalWrite};
use serde::Serialize;

use crate::analytics::analytics_err;
use crate::error::{AppError, AppResult};
use crate::views::{OrderView, UnitRef};
use crate::{App, Principal};

/// An alert whose series has not signalled for this long is over; a new rise opens a new alert.
pub const QUIET_HOURS: i64 = 6;

/// The seasons, learnt from two years of the read model, kept for a local day.
#[derive(Default)]
pub(crate) struct WarningState {
    seasons: Option<(NaiveDate, Arc<Seasons>)>,
}

/// A category as an alert names it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CategoryRef {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

/// An alert as its readers see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AlertView {
    pub id: i64,
    /// `surge` or `topic`.
    pub kind: String,
    pub district: Option<UnitRef>,
    pub street: Option<UnitRef>,
    /// A first- or second-level category; none for all categories (and for topics).
    pub category: Option<CategoryRef>,
    /// A topic's words (space-separated); none for a surge.
    pub terms: Option<String>,
    pub started_at: DateTime<Utc>,
    pub detected_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// When the series went quiet; none while the surge goes on.
    pub ended_at: Option<DateTime<Utc>>,
    /// Calls since `started_at`, and what the rhythm of the week, the season and the place's
    /// usual level expected.
    pub observed: i64,
    pub expected: f64,
    /// The CUSUM score (negative-binomial log-likelihood ratio).
    pub score: f64,
    /// How often chance alone gives a score this high in the district (days).
    pub recurrence_days: f64,
    /// `open`, `acknowledged` or `dismissed`.
    pub status: String,
    pub acted_by: Option<i64>,
    pub acted_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    /// Whether the viewer may acknowledge or dismiss it.
    pub can_act: bool,
}

/// An alert with the orders behind it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AlertDetail {
    pub alert: AlertView,
    /// The orders of its place and category since it began (newest first, at most 200).
    pub orders: Vec<OrderView>,
}

/// A series signalling at a moment, named (what `hotline alerts` prints).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurgeOut {
    pub kind: &'static str,
    pub series: String,
    /// Official names, or null.
    pub district: Option<String>,
    pub street: Option<String>,
    /// Category path, or null.
    pub category: Option<String>,
    /// A topic's words (space-separated), or null for a surge.
    pub terms: Option<String>,
    pub started_at: DateTime<Utc>,
    pub observed: u64,
    pub expected: f64,
    pub score: f64,
    pub recurrence_days: f64,
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct WarningPassReport {
    /// Series signalling now.
    pub signalling: usize,
    /// Alerts opened by this pass.
    pub opened: usize,
    /// Series watched.
    pub series: usize,
}

/// What a reader does to an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertAction {
    Acknowledge,
    Dismiss,
    Reopen,
}

impl AlertAction {
    pub fn parse(code: &str) -> AppResult<Self> {
        match code {
            "acknowledge" => Ok(Self::Acknowledge),
            "dismiss" => Ok(Self::Dismiss),
            "reopen" => Ok(Self::Reopen),
            _ => Err(crate::orders::invalid("action", "unknown_alert_action", "未知的预警操作", "Unknown alert action")),
        }
    }

    /// The status it moves an alert to, and from which it may.
    fn moves(self) -> (&'static [AlertStatus], AlertStatus) {
        match self {
            Self::Acknowledge => (&[AlertStatus::Open], AlertStatus::Acknowledged),
            Self::Dismiss => (&[AlertStatus::Open, AlertStatus::Acknowledged], AlertStatus::Dismissed),
            Self::Reopen => (&[AlertStatus::Acknowledged, AlertStatus::Dismissed], AlertStatus::Open),
        }
    }
}

impl App {
    fn warning_slot(&self) -> std::sync::RwLockWriteGuard<'_, WarningState> {
        self.warning.write().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The seasons at `now`: learnt once per local day (two years of the read model).
    async fn seasons(&self, now: DateTime<Utc>) -> AppResult<Arc<Seasons>> {
        let offset = self.policy_offset_minutes();
        let today = (now + Duration::minutes(i64::from(offset))).date_naive();
        if let Some((day, s)) = self.warning.read().unwrap_or_else(std::sync::PoisonError::into_inner).seasons.as_ref()
            && *day == today
        {
            return Ok(s.clone());
        }
        let store = self.analytics_store()?;
        let minute = minute_of(now);
        let counts = tokio::task::spawn_blocking(move || warning::scan::season_counts(&store, minute, offset))
            .await
            .map_err(AppError::internal)?
            .map_err(analytics_err)?;
        let seasons = Arc::new(Seasons::from_counts(&counts));
        self.warning_slot().seasons = Some((today, seasons.clone()));
        Ok(seasons)
    }

    /// The series signalling at `at` (default: now), over the read model as it stands, most
    /// specific first — nothing is stored (the server's pass is [`App::run_warning_pass`]).
    pub async fn detect_surges(&self, at: Option<DateTime<Utc>>) -> AppResult<(Vec<Signal>, usize)> {
        let now = at.unwrap_or_else(|| self.clock.now());
        let seasons = (*self.seasons(now).await?).clone();
        let (catalog, _) = self.analytics_catalog().await?;
        let store = self.analytics_store()?;
        let policy = self.policy().await?;
        let minute = minute_of(now);
        let detection = tokio::task::spawn_blocking(move || -> hotline_analytics::Result<_> {
            let obs = warning::scan::observe(&store, &catalog, minute, policy.utc_offset_minutes, &policy.calendar, seasons)?;
            Ok(warning::detect(&obs, &Settings::default()))
        })
        .await
        .map_err(AppError::internal)?
        .map_err(analytics_err)?;
        Ok((warning::most_specific(detection.signals), detection.series))
    }

    /// Signals named for people and scripts.
    pub fn name_signals(&self, signals: &[Signal]) -> Vec<SurgeOut> {
        let units = self.units();
        let name = |id: i64| units.get(UnitId(id)).map(|u| u.name.clone());
        signals
            .iter()
            .map(|s| SurgeOut {
                kind: AlertKind::Surge.code(),
                series: s.series.code(),
                district: name(s.series.district),
                street: s.series.street.and_then(name),
                category: s.series.category.clone(),
                terms: None,
                started_at: moment(s.started),
                observed: s.observed,
                expected: round3(s.expected),
                score: round3(s.score),
                recurrence_days: round3(s.recurrence_days),
            })
            .collect()
    }

    /// One detection pass at the clock's time: surges recorded as alerts (one per ongoing surge),
    /// the centre and the district told of new ones through the outbox.
    pub async fn run_warning_pass(&self) -> AppResult<WarningPassReport> {
        let now = self.clock.now();
        let (signals, series) = self.detect_surges(Some(now)).await?;
        let units = self.units();
        let writes: Vec<SignalWrite> = signals
            .iter()
            .map(|s| {
                let signal = AlertSignal {
                    kind: AlertKind::Surge,
                    series: s.series.code(),
                    district: Some(UnitId(s.series.district)),
                    street: s.series.street.map(UnitId),
                    category: s.series.category.clone(),
                    terms: None,
                    started_at: moment(s.started),
                    observed: i64::try_from(s.observed).unwrap_or(i64::MAX),
                    expected: s.expected,
                    score: s.score,
                    recurrence_days: s.recurrence_days,
                };
                let body = self.alert_message(&signal);
                let mut outbox = vec![NewOutboxMessage { channel: "sms".into(), recipient: "centre".into(), body: body.clone() }];
                if let Some(d) = units.get(UnitId(s.series.district)) {
                    outbox.push(NewOutboxMessage { channel: "sms".into(), recipient: d.code.clone(), body });
                }
                SignalWrite { signal, outbox_if_new: outbox }
            })
            .collect();
        let mut writes = writes;
        // The text's topics, every ten minutes; a failure there must not cost the surges.
        match self.topic_writes(now).await {
            Ok(topics) => writes.extend(topics),
            Err(e) => tracing::warn!(error = %e, "emerging topics: the pass failed"),
        }
        let opened = self.alerts().record_alert_pass(&writes, now, QUIET_HOURS * 3_600_000).await?;
        if !opened.is_empty() {
            tracing::info!(opened = opened.len(), signalling = writes.len(), "early-warning alerts opened");
        }
        Ok(WarningPassReport { signalling: writes.len(), opened: opened.len(), series })
    }

    /// The text an alert is announced with.
    fn alert_message(&self, s: &AlertSignal) -> String {
        let units = self.units();
        let place = s.street.or(s.district).and_then(|u| units.get(u)).map_or_else(|| "全市".to_owned(), |u| u.name.clone());
        let (category_zh, category_en) =
            s.category.as_deref().map_or_else(|| ("各类诉求".to_owned(), "all categories".to_owned()), |c| self.category_name(c));
        let since = local_time(s.started_at, self.policy_offset_minutes());
        let (observed, expected) = (s.observed, s.expected);
        format!(
            "【12345预警】{place}{category_zh}来电突增：自{since}起{observed}件，预期{expected:.0}件。/ Surge: {place} {category_en}, {observed} calls since {since} vs {expected:.0} expected."
        )
    }

    pub(crate) fn category_name(&self, code: &str) -> (String, String) {
        self.categories()
            .iter()
            .find(|c| c.code == code)
            .map_or_else(|| (code.to_owned(), code.to_owned()), |c| (c.name_zh.clone(), c.name_en.clone()))
    }

    /// Which districts' alerts `who` may read (`None`: all). Centre roles read every alert; a
    /// unit's people read their district's (a street's, or a district's own); departments and
    /// callback agents read none.
    pub(crate) fn alert_districts(&self, who: &Principal) -> AppResult<Option<Vec<UnitId>>> {
        match who.role {
            Role::Operator | Role::Supervisor | Role::Analyst | Role::Admin => Ok(None),
            Role::CallbackAgent => Err(AppError::forbidden("回访员不能查看预警", "Callback agents cannot read alerts")),
            Role::Open311Client => Err(AppError::forbidden("接入系统不能查看预警", "Client systems cannot read alerts")),
            Role::UnitHandler | Role::UnitAdmin => {
                let units = self.units();
                let district = who.unit.and_then(|u| units.ancestor_of_class(u, UnitClass::District)).map(|d| d.id);
                Ok(Some(district.into_iter().collect()))
            }
        }
    }

    fn alert_view(&self, a: &Alert, who: &Principal) -> AlertView {
        let units = self.units();
        let s = &a.signal;
        AlertView {
            id: a.id,
            kind: s.kind.code().into(),
            district: s.district.map(|d| UnitRef::of(&units, d)),
            street: s.street.map(|d| UnitRef::of(&units, d)),
            category: s.category.as_deref().map(|c| {
                let (zh, en) = self.category_name(c);
                CategoryRef { code: c.to_owned(), name_zh: zh, name_en: en }
            }),
            terms: s.terms.clone(),
            started_at: s.started_at,
            detected_at: a.detected_at,
            last_seen_at: a.last_seen_at,
            ended_at: a.ended_at,
            observed: s.observed,
            expected: round3(s.expected),
            score: round3(s.score),
            recurrence_days: round3(s.recurrence_days),
            status: a.status.code().into(),
            acted_by: a.acted_by.map(|u| u.0),
            acted_at: a.acted_at,
            note: a.note.clone(),
            can_act: who.role == Role::Supervisor,
        }
    }

    /// Alerts `who` may read: the ongoing ones first, then those of the last `days` days.
    pub async fn list_alerts(&self, who: &Principal, status: Option<AlertStatus>, days: i64) -> AppResult<Vec<AlertView>> {
        let districts = self.alert_districts(who)?;
        let filter = AlertFilter {
            statuses: status.into_iter().collect(),
            kind: None,
            districts,
            ongoing_only: false,
            since: Some(self.clock.now() - Duration::days(days.clamp(1, 366))),
            limit: 500,
        };
        Ok(self.alerts().list_alerts(&filter).await?.iter().map(|a| self.alert_view(a, who)).collect())
    }

    pub(crate) async fn visible_alert(&self, who: &Principal, id: i64) -> AppResult<Alert> {
        let districts = self.alert_districts(who)?;
        let alert = match self.alerts().get_alert(id).await {
            Err(hotline_store::StoreError::NotFound) => return Err(AppError::NotFound { what: "alert" }),
            other => other?,
        };
        match districts {
            Some(ds) if !alert.signal.district.is_some_and(|d| ds.contains(&d)) => Err(AppError::NotFound { what: "alert" }),
            _ => Ok(alert),
        }
    }

    /// An alert with the orders behind it: its place and category, received since it began.
    pub async fn alert_detail(&self, who: &Principal, id: i64) -> AppResult<AlertDetail> {
        let alert = self.visible_alert(who, id).await?;
        if alert.signal.kind == AlertKind::Topic {
            let policy = self.policy().await?;
            let orders = self.topic_orders(who, &alert).await?.iter().map(|o| self.view(who, o, &policy)).collect();
            return Ok(AlertDetail { alert: self.alert_view(&alert, who), orders });
        }
        let s = &alert.signal;
        let categories: Vec<String> = match &s.category {
            Some(prefix) => self
                .categories()
                .iter()
                .filter(|c| c.code == *prefix || c.code.starts_with(&format!("{prefix}/")))
                .map(|c| c.code.clone())
                .collect(),
            None => Vec::new(),
        };
        let q = OrderQuery {
            street: s.street,
            categories,
            received_from: Some(s.started_at),
            received_before: alert.ended_at.map(|t| t + Duration::hours(1)),
            units: self.visible_units(who),
            limit: 200,
            ..OrderQuery::default()
        };
        let policy = self.policy().await?;
        let orders = self
            .orders()
            .list_orders(&q)
            .await?
            .orders
            .into_iter()
            .filter(|o| s.district.is_none() || o.location.district == s.district)
            .map(|o| self.view(who, &o, &policy))
            .collect();
        Ok(AlertDetail { alert: self.alert_view(&alert, who), orders })
    }

    /// Acknowledges, dismisses or reopens an alert (the centre's supervisors).
    pub async fn act_on_alert(&self, who: &Principal, id: i64, action: AlertAction, note: Option<&str>) -> AppResult<AlertView> {
        let alert = self.visible_alert(who, id).await?;
        if who.role != Role::Supervisor {
            return Err(AppError::forbidden("只有督办人员可以处理预警", "Only the centre's supervisors act on alerts"));
        }
        let note = note.map(str::trim).filter(|n| !n.is_empty());
        if note.is_some_and(|n| n.chars().count() > 500) {
            return Err(crate::orders::invalid("note", "note_too_long", "备注不能超过500字", "The note is longer than 500 characters"));
        }
        let (from, to) = action.moves();
        if !from.contains(&alert.status) {
            return Err(AppError::Conflict(format!("alert is {}", alert.status.code())));
        }
        let updated = self.alerts().set_alert_status(id, alert.status, to, who.user_id, self.clock.now(), note).await?;
        Ok(self.alert_view(&updated, who))
    }
}

fn minute_of(t: DateTime<Utc>) -> warning::Minute {
    i64::from(hotline_analytics::codes::time_of(t)) - 1
}

fn moment(m: warning::Minute) -> Timestamp {
    hotline_analytics::codes::moment_of(u32::try_from(m + 1).unwrap_or(0))
}

fn local_time(t: DateTime<Utc>, offset: i32) -> String {
    (t + Duration::minutes(i64::from(offset))).format("%m-%d %H:%M").to_string()
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
