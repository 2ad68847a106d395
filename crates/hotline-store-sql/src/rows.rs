//! Row ⇄ domain conversions shared by every query: epoch-millisecond timestamps, 0/1 booleans, the
//! column list of `work_order`, and decoding of stored orders and events.

use chrono::{TimeZone, Utc};
use hotline_domain::{
    ActionKind, Actor, CaseId, EventDraft, EventPayload, OrderId, OrderNumber, Role, State, Timestamp, UnitId, UserId, WorkOrder,
};
use hotline_store::{Event, Result, StoreError};
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, Row};

use crate::backend_err;

pub(crate) type AnyQuery<'q> = Query<'q, Any, AnyArguments<'q>>;

pub(crate) fn ms(t: Timestamp) -> i64 {
    t.timestamp_millis()
}

pub(crate) fn opt_ms(t: Option<Timestamp>) -> Option<i64> {
    t.map(ms)
}

/// A stored epoch-millisecond time. Out of range is a corrupt row, reported, never read as 1970.
pub(crate) fn from_ms(v: i64) -> Result<Timestamp> {
    Utc.timestamp_millis_opt(v).single().ok_or_else(|| StoreError::backend(format!("timestamp out of range: {v} ms")))
}

/// A timestamp column.
pub(crate) fn get_time(row: &AnyRow, col: &str) -> Result<Timestamp> {
    from_ms(get(row, col)?)
}

/// A nullable timestamp column.
pub(crate) fn get_opt_time(row: &AnyRow, col: &str) -> Result<Option<Timestamp>> {
    get::<Option<i64>>(row, col)?.map(from_ms).transpose()
}

pub(crate) fn get<'r, T>(row: &'r AnyRow, col: &str) -> Result<T>
where
    T: sqlx::Decode<'r, Any> + sqlx::Type<Any>,
{
    row.try_get(col).map_err(backend_err)
}

/// Columns of `work_order` written on insert and on every transition, in bind order.
pub(crate) const ORDER_COLUMNS: [&str; 32] = [
    "version",
    "state",
    "channel",
    "nature",
    "category",
    "urgency",
    "requester_phone",
    "district_id",
    "street_id",
    "main_unit_id",
    "supervised",
    "policy_version",
    "dispatch_due",
    "contact_due",
    "reply_due",
    "received_at",
    "first_dispatched_at",
    "contacted_at",
    "replied_at",
    "closed_at",
    "updated_at",
    "created_by",
    "next_notice_at",
    "evaluated_at",
    "eval_contacted",
    "eval_resolution",
    "eval_satisfaction",
    "callback_since",
    "assess_exclusion",
    "answer_article",
    "submitted_service",
    "doc",
];

/// Binds the values of [`ORDER_COLUMNS`] for `o`, in that order.
pub(crate) fn bind_order<'q>(q: AnyQuery<'q>, o: &WorkOrder) -> Result<AnyQuery<'q>> {
    let doc = serde_json::to_string(o).map_err(backend_err)?;
    Ok(q.bind(o.version)
        .bind(o.state.code())
        .bind(o.channel.code())
        .bind(o.nature.map(hotline_domain::Nature::code))
        .bind(o.category.as_ref().map(|c| c.as_str().to_owned()))
        .bind(o.urgency.code())
        .bind(o.requester.phone.as_ref().map(|p| p.as_str().to_owned()))
        .bind(o.location.district.map(|u| u.0))
        .bind(o.location.street.map(|u| u.0))
        .bind(o.assignment.as_ref().map(|a| a.main_unit.0))
        .bind(i64::from(o.supervised))
        .bind(o.dues.policy_version)
        .bind(opt_ms(o.dues.dispatch_due))
        .bind(opt_ms(o.dues.contact_due))
        .bind(opt_ms(o.dues.reply_due))
        .bind(ms(o.received_at))
        .bind(opt_ms(o.first_dispatched_at))
        .bind(opt_ms(o.contacted_at))
        .bind(opt_ms(o.replied_at))
        .bind(opt_ms(o.closed_at))
        .bind(ms(o.updated_at))
        .bind(o.created_by.map(|u| u.0))
        .bind(opt_ms(o.next_notice_at))
        .bind(o.evaluation.as_ref().and(opt_ms(o.evaluated_at)))
        .bind(o.evaluation.as_ref().map(|e| i64::from(e.contacted)))
        .bind(o.evaluation.as_ref().map(|e| e.resolution.code()))
        .bind(o.evaluation.as_ref().map(|e| e.satisfaction.code()))
        .bind(opt_ms(o.callback_since()))
        .bind(o.handling.exclusion.map(hotline_domain::Exclusion::code))
        .bind(o.answer.as_ref().and_then(|a| a.article.as_ref()).map(|a| a.slug.clone()))
        // The service an Open311 request was posted under (GET requests filters on it until triage).
        .bind(o.submission.as_ref().map(|s| s.service_code.clone()))
        .bind(doc))
}

/// The columns a stored order is read back from.
pub(crate) const ORDER_SELECT: &str = "select order_id, number, case_id, version, state, doc from work_order";

/// Decodes an order: the JSON document, with the columns the store owns (id, number, case, version,
/// state) taken from their columns.
pub(crate) fn order_from_row(row: &AnyRow) -> Result<WorkOrder> {
    let doc: String = get(row, "doc")?;
    let mut o: WorkOrder = serde_json::from_str(&doc).map_err(backend_err)?;
    o.id = OrderId(get(row, "order_id")?);
    o.number = OrderNumber::from_trusted(get(row, "number")?);
    o.case_id = CaseId(get(row, "case_id")?);
    o.version = get(row, "version")?;
    let state: String = get(row, "state")?;
    o.state = State::parse(&state).map_err(backend_err)?;
    Ok(o)
}

pub(crate) const EVENT_SELECT: &str = "select event_id, order_id, kind, from_state, to_state, actor_user_id, actor_role, actor_unit_id, \
                                       actor_name, at, reason, payload from order_event";

pub(crate) fn event_from_row(row: &AnyRow) -> Result<Event> {
    let kind: String = get(row, "kind")?;
    let from: Option<String> = get(row, "from_state")?;
    let to: String = get(row, "to_state")?;
    let role: String = get(row, "actor_role")?;
    let payload: String = get(row, "payload")?;
    Ok(Event {
        seq: get(row, "event_id")?,
        draft: EventDraft {
            from: from.map(|f| State::parse(&f)).transpose().map_err(backend_err)?,
            to: State::parse(&to).map_err(backend_err)?,
            actor: Actor {
                user_id: get::<Option<i64>>(row, "actor_user_id")?.map(UserId),
                role: Role::parse(&role),
                unit: get::<Option<i64>>(row, "actor_unit_id")?.map(UnitId),
                unit_class: None,
                name: get(row, "actor_name")?,
            },
            at: get_time(row, "at")?,
            reason: get(row, "reason")?,
            // A payload that does not fit its kind is a corrupt row: an error, never a guess.
            payload: EventPayload::decode(
                ActionKind::parse(&kind).map_err(backend_err)?,
                serde_json::from_str(&payload).map_err(backend_err)?,
            )
            .map_err(backend_err)?,
        },
    })
}

pub(crate) const EVENT_INSERT: &str = "insert into order_event (order_id, kind, from_state, to_state, actor_user_id, actor_role, \
                                       actor_unit_id, actor_name, at, reason, payload) values ";
pub(crate) const EVENT_COLUMNS: usize = 11;

/// `($1, $2, …), ($k, …), …`: the values list of a multi-row insert of `rows` rows of `cols` columns.
/// One statement instead of one per row matters on SQLite, where every statement is a round trip to
/// the connection's worker thread.
/// The same with anonymous `?` placeholders, bound in order: for very large statements on SQLite,
/// where sqlx looks each numbered placeholder's name up in a list as long as the statement's
/// (quadratic: 16,000 parameters took seconds), while anonymous ones need no lookup.
pub(crate) fn anonymous_values_list(cols: usize, rows: usize) -> String {
    let row = format!("({})", vec!["?"; cols].join(", "));
    vec![row.as_str(); rows].join(", ")
}

pub(crate) fn values_list(cols: usize, rows: usize) -> String {
    (0..rows)
        .map(|r| format!("({})", (1..=cols).map(|c| format!("${}", r * cols + c)).collect::<Vec<_>>().join(", ")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Binds the [`EVENT_COLUMNS`] values of one event row.
pub(crate) fn bind_event<'q>(q: AnyQuery<'q>, order: OrderId, e: &'q EventDraft) -> Result<AnyQuery<'q>> {
    Ok(q.bind(order.0)
        .bind(e.kind().code())
        .bind(e.from.map(State::code))
        .bind(e.to.code())
        .bind(e.actor.user_id.map(|u| u.0))
        .bind(e.actor.role_code())
        .bind(e.actor.unit.map(|u| u.0))
        .bind(e.actor.name.as_str())
        .bind(ms(e.at))
        .bind(e.reason.as_deref())
        .bind(serde_json::to_string(&e.payload).map_err(backend_err)?))
}

/// Maps a unique-constraint violation to `Conflict`, anything else to `Backend`.
pub(crate) fn conflict_or_backend(e: sqlx::Error, what: &str) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(what.to_owned()),
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::InvalidReference(what.to_owned()),
        _ => backend_err(e),
    }
}
