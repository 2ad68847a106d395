//! History import: a city adopting the platform brings years of past orders (JSON Lines, one order
//! per line, in their final state). Every line is checked before any is stored; then they are stored
//! in batches, each with the import's progress in the same transaction, so an interrupted import
//! resumes after the last batch stored and nothing is half-written. Each order's timeline is one
//! `import` event at its receipt, naming the file and line.

use chrono::{DateTime, FixedOffset, Utc};
use hotline_domain::deadline::Stage;
use hotline_domain::event::Imported;
use hotline_domain::{
    Actor, Assignment, CategoryPath, Channel, DeadlinePolicy, Evaluation, EventDraft, EventPayload, Location, Nature, NewOrder, Reply,
    ReplyOutcome, Requester, Resolution, Satisfaction, State, Timestamp, UnitClass, UnitId, Urgency, ValidationError, WorkOrder,
};
use hotline_store::ImportedOrder;
use serde::Deserialize;

use crate::App;
use crate::error::AppResult;

/// One line of a history file (docs/analytics.md). Times are RFC 3339; places and units are the
/// official names and codes of the units this deployment has.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryLine {
    pub received_at: String,
    pub channel: String,
    pub text: String,
    pub nature: String,
    /// Category path, e.g. `UTL/heating/not_warm`.
    pub category: String,
    pub urgency: String,
    /// Official district name, or null.
    pub district: Option<String>,
    /// Official street/township name, or null.
    pub street: Option<String>,
    /// The order's number in the system it comes from.
    #[serde(default)]
    pub number: Option<String>,
    #[serde(default)]
    pub community: Option<String>,
    #[serde(default)]
    pub age_group: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    /// The main unit's code.
    #[serde(default)]
    pub unit: Option<String>,
    /// The state it ended in (default: from its times).
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub dispatched_at: Option<String>,
    #[serde(default)]
    pub first_contact_at: Option<String>,
    #[serde(default)]
    pub replied_at: Option<String>,
    #[serde(default)]
    pub closed_at: Option<String>,
    #[serde(default)]
    pub callback: Option<HistoryCallback>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryCallback {
    pub contacted: bool,
    pub resolution: String,
    pub satisfaction: String,
}

/// A line that cannot be imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: u64,
    pub field: String,
    pub zh: String,
    pub en: String,
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}: {} / {}", self.line, self.field, self.en, self.zh)
    }
}

/// What the checks need, read once per import.
pub struct HistoryContext {
    policy: DeadlinePolicy,
    units: std::sync::Arc<crate::UnitDirectory>,
    /// Units by class and official name.
    named: std::collections::HashMap<(&'static str, String), Vec<UnitId>>,
    categories: std::collections::HashSet<String>,
    category_version: Option<i64>,
    now: Timestamp,
    source: String,
    actor: Actor,
}

fn err(field: &str, code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> ValidationError {
    ValidationError::new(field, code, zh, en)
}

fn time(field: &str, raw: &str) -> Result<Timestamp, ValidationError> {
    DateTime::<FixedOffset>::parse_from_rfc3339(raw.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| err(field, "invalid_time", format!("时间「{raw}」不是 RFC 3339 格式"), format!("{raw:?} is not an RFC 3339 time")))
}

fn optional_time(field: &str, raw: Option<&String>) -> Result<Option<Timestamp>, ValidationError> {
    raw.map(|r| time(field, r)).transpose()
}

impl HistoryContext {
    /// The named unit of `class` (under `parent` when given).
    fn unit_named(&self, field: &str, name: &str, class: UnitClass, parent: Option<UnitId>) -> Result<UnitId, ValidationError> {
        let matches: Vec<UnitId> = self
            .named
            .get(&(class.code(), name.trim().to_owned()))
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .copied()
            .filter(|id| {
                parent.is_none_or(|p| {
                    self.units.ancestor_of_class(*id, UnitClass::District).map(|d| d.id) == Some(p)
                        || self.units.get(*id).and_then(|u| u.parent) == Some(p)
                })
            })
            .collect();
        match matches.as_slice() {
            [one] => Ok(*one),
            [] => Err(err(
                field,
                "unknown_place",
                format!("没有名为「{name}」的单位（或不在所给的上级内）"),
                format!("No {} is named {name:?} (within the given place)", class.code()),
            )),
            _ => Err(err(
                field,
                "ambiguous_place",
                format!("「{name}」有多处，请同时给出上级"),
                format!("Several places are named {name:?}: give the level above too"),
            )),
        }
    }

    /// Checks one line and builds the order it describes, ready to store.
    pub fn order(&self, line_no: u64, raw: &str) -> Result<ImportedOrder, ValidationError> {
        let l: HistoryLine = serde_json::from_str(raw)
            .map_err(|e| err("line", "malformed_line", format!("不是一行合规的 JSON：{e}"), format!("not a valid JSON line: {e}")))?;
        let received = time("received_at", &l.received_at)?;
        if received > self.now + chrono::Duration::days(1) {
            return Err(err("received_at", "received_in_future", "受理时间晚于当前时间", "received_at is in the future"));
        }
        let channel = Channel::parse(&l.channel)?;
        let nature = Nature::parse(&l.nature)?;
        let urgency = Urgency::parse(&l.urgency)?;
        let category = CategoryPath::parse(&l.category)?;
        if !self.categories.contains(category.as_str()) {
            return Err(err(
                "category",
                "unknown_category",
                format!("分类目录中没有「{}」", l.category),
                format!("{:?} is not in the category tree", l.category),
            ));
        }
        let district = l
            .district
            .as_deref()
            .filter(|d| !d.trim().is_empty())
            .map(|d| self.unit_named("district", d, UnitClass::District, None))
            .transpose()?;
        let street = l
            .street
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|s| self.unit_named("street", s, UnitClass::Street, district))
            .transpose()?;
        let district = district.or_else(|| street.and_then(|s| self.units.ancestor_of_class(s, UnitClass::District).map(|d| d.id)));
        let community = match l.community.as_deref().filter(|c| !c.trim().is_empty()) {
            Some(c) => {
                let id = self.unit_named("community", c, UnitClass::Community, street)?;
                Some(self.units.get(id).map(|u| u.name.clone()).unwrap_or_default())
            }
            None => None,
        };
        let requester = Requester::parse("", None, l.language.as_deref(), l.age_group.as_deref(), false)?;
        let location = Location::parse(community.as_deref().unwrap_or(""), district, street, None, None)?;
        let new = NewOrder::parse(channel, &l.text, requester, location, Vec::new())?;
        let unit = match l.unit.as_deref().filter(|u| !u.trim().is_empty()) {
            Some(code) => {
                let u = self.units.by_code(code.trim()).filter(|u| u.class != UnitClass::Community).ok_or_else(|| {
                    err(
                        "unit",
                        "unknown_unit",
                        format!("没有代码为「{code}」的承办单位"),
                        format!("No handling unit has the code {code:?}"),
                    )
                })?;
                Some(u.id)
            }
            None => None,
        };
        let dispatched = optional_time("dispatched_at", l.dispatched_at.as_ref())?;
        let contacted = optional_time("first_contact_at", l.first_contact_at.as_ref())?;
        let replied = optional_time("replied_at", l.replied_at.as_ref())?;
        let closed = optional_time("closed_at", l.closed_at.as_ref())?;
        // Each step after the one before it.
        let steps = [("dispatched_at", dispatched), ("first_contact_at", contacted), ("replied_at", replied), ("closed_at", closed)];
        let mut last = ("received_at", received);
        for (field, t) in steps {
            if let Some(t) = t {
                if t < last.1 {
                    return Err(err(
                        field,
                        "time_out_of_order",
                        format!("{field} 早于 {}", last.0),
                        format!("{field} is before {}", last.0),
                    ));
                }
                last = (field, t);
            }
        }
        let state = match l.state.as_deref() {
            Some(s) => State::parse(s)?,
            None => match (unit.is_some() && dispatched.is_some(), replied, closed) {
                (true, Some(_), Some(_)) => State::Closed,
                (true, Some(_), None) => State::Replied,
                (true, None, _) if contacted.is_some() => State::Contacted,
                (true, None, _) => State::Dispatched,
                (false, _, Some(_)) => State::AnsweredDirectly,
                (false, _, None) => State::Triaged,
            },
        };
        let handled_by_unit =
            state.is_with_unit() || matches!(state, State::Replied | State::Evaluated) || (state == State::Closed && unit.is_some());
        if handled_by_unit && (unit.is_none() || dispatched.is_none()) {
            return Err(err(
                "unit",
                "unit_required",
                "派单后的状态须有承办单位和派单时间",
                "A dispatched state needs unit and dispatched_at",
            ));
        }
        if matches!(state, State::Replied | State::Evaluated | State::Closed) && handled_by_unit && replied.is_none() {
            return Err(err("replied_at", "reply_required", "已反馈的工单须有反馈时间", "A replied or closed order needs replied_at"));
        }
        if state.is_terminal() && closed.is_none() {
            return Err(err("closed_at", "closed_required", "已办结的工单须有办结时间", "An order in a final state needs closed_at"));
        }
        let evaluation = match &l.callback {
            Some(c) => {
                if replied.is_none() {
                    return Err(err(
                        "callback",
                        "callback_without_reply",
                        "未反馈的工单不能有回访结果",
                        "A callback needs a replied order",
                    ));
                }
                Some(Evaluation {
                    contacted: c.contacted,
                    resolution: Resolution::parse(&c.resolution)?,
                    satisfaction: Satisfaction::parse(&c.satisfaction)?,
                    comment: String::new(),
                })
            }
            None => None,
        };

        let mut o = WorkOrder::received(new, None, received);
        let policy = &self.policy;
        o.version = 1;
        o.state = state;
        o.nature = Some(nature);
        o.category = Some(category);
        o.category_version = self.category_version;
        o.urgency = urgency;
        o.dues.policy_version = policy.version;
        o.dues.dispatch_due = Some(policy.due(urgency, Stage::Dispatch, received));
        if let (Some(u), Some(at)) = (unit, dispatched) {
            let street_led = self.units.get(u).is_some_and(|x| x.class == UnitClass::Street);
            o.assignment = Some(Assignment { main_unit: u, co_units: Vec::new(), district_copy: if street_led { district } else { None } });
            o.dues.contact_due = Some(policy.due(urgency, Stage::FirstContact, at));
            o.dues.reply_due = Some(policy.due(urgency, Stage::Reply, at));
        }
        o.first_dispatched_at = dispatched;
        o.dispatched_at = dispatched;
        o.signed_at = dispatched.filter(|_| handled_by_unit);
        o.contacted_at = contacted;
        o.replied_at = replied;
        if replied.is_some() && handled_by_unit {
            let unresolved = evaluation.as_ref().is_some_and(|e| e.resolution == Resolution::Unresolved);
            o.reply = Some(Reply {
                outcome: if unresolved { ReplyOutcome::Explained } else { ReplyOutcome::Resolved },
                text: "（历史数据未含答复内容）(the imported history has no reply text)".into(),
            });
        }
        o.evaluated_at = evaluation.as_ref().and(closed.or(replied));
        o.evaluation = evaluation;
        o.closed_at = closed.filter(|_| state.is_terminal());
        o.updated_at = last.1;
        // One event stands for the timeline the order had elsewhere: received then, imported in
        // the state it ended in (one row, not one per step: the import's speed is its inserts).
        let events = vec![EventDraft {
            from: None,
            to: state,
            actor: self.actor.clone(),
            at: received,
            reason: None,
            payload: EventPayload::Import(Imported { source: self.source.clone(), line: line_no, external_number: l.number.clone() }),
        }];
        Ok(ImportedOrder { local_date: policy.local_date(received), order: o, events })
    }
}

/// The setting recording how far an import of this file got (by the file's content hash).
pub fn progress_key(content_hash: &str) -> String {
    format!("history_import:{content_hash}")
}

impl App {
    /// What checking and building history lines needs, as of now; `source` names the file in each
    /// order's timeline.
    pub async fn history_context(&self, source: &str) -> AppResult<HistoryContext> {
        let units = self.units();
        let mut named: std::collections::HashMap<(&'static str, String), Vec<UnitId>> = std::collections::HashMap::new();
        for u in units.all() {
            named.entry((u.class.code(), u.name.clone())).or_default().push(u.id);
        }
        Ok(HistoryContext {
            policy: self.policy().await?,
            units,
            named,
            categories: self.categories().iter().map(|c| c.code.clone()).collect(),
            category_version: self.category_version(),
            now: self.clock.now(),
            source: source.to_owned(),
            actor: Actor::system("history-import"),
        })
    }

    /// The last line of the file with this content hash stored by an earlier run (0: none).
    pub async fn history_progress(&self, content_hash: &str) -> AppResult<u64> {
        Ok(self.reference().setting_or_insert(&progress_key(content_hash), "0").await?.parse().unwrap_or(0))
    }

    /// Stores checked orders, recording that the file is done up to `last_line` in the same
    /// transaction.
    pub async fn store_history(&self, rows: &[ImportedOrder], content_hash: &str, last_line: u64) -> AppResult<usize> {
        let key = progress_key(content_hash);
        Ok(self.orders().import_orders(rows, Some((&key, &last_line.to_string()))).await?)
    }
}

/// Turns a line's problem into the report's form.
pub fn line_error(line: u64, e: &ValidationError) -> LineError {
    LineError { line, field: e.field.clone(), zh: e.zh.clone(), en: e.en.clone() }
}
