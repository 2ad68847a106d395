//! The store conformance story: one scripted use of every [`Store`] method, with the results each
//! step must give. Every backend runs it (see `hotline-store-sql/tests/conformance.rs`) on a fresh,
//! empty, migrated database, so it may rely on ids, numbers and counts starting from nothing.
//!
//! Time is fixed (never the system clock): the story happens on 2026-11-23/24 in Beijing time.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use hotline_domain::event::{ContactRevealed, ExternalUpdated};
use hotline_domain::{
    Action, ActionKind, Actor, Assignment, Attachment, CategoryPath, Channel, DeadlinePolicy, DurationSpec, DurationUnit, EventDraft,
    EventPayload, Location, Nature, NewOrder, OrderId, OrderNumber, Requester, Role, State, Timestamp, Transition, UnitClass, UnitId,
    Urgency, WorkOrder,
};

use crate::{
    Category, Created, CredentialKind, IdempotencyKey, NewCredential, NewNotification, NewOutboxMessage, NewReferenceVersion, NewUnit,
    NewUser, NoticeWrite, OrderQuery, ReferenceKind, StateCount, Store, StoreError, UpdateRecord, User,
};

mod alerts;
mod handling;
mod incidents;
mod orders;
mod problems;
mod reference;

use alerts::alerts;
use handling::{feeds, handling, knowledge_base, notices};
use incidents::incidents;
use orders::{import, orders};
use problems::problems;
use reference::{accounts, categories, policies, units};

/// Phone of the requester of orders A and C.
pub const PHONE_1: &str = "13812345678";
/// Phone of the requester of order B.
pub const PHONE_2: &str = "13900001111";

/// A valid new order with a requester, coordinates and one attachment, for stores' tests.
pub fn sample_new_order(description: &str, phone: Option<&str>, district: Option<UnitId>, street: Option<UnitId>) -> NewOrder {
    let requester = Requester::parse("张三", phone, Some("zh"), Some("adult"), false).expect("the sample requester is valid");
    let location =
        Location::parse("朝阳区建国门外大街 1 号", district, street, Some(116.4436), Some(39.9087)).expect("the sample location is valid");
    let attachment = Attachment::parse("photo.jpg", "image/jpeg", 123_456, Some("https://files.example.org/photo.jpg"))
        .expect("the sample attachment is valid");
    NewOrder::parse(Channel::Phone, description, requester, location, vec![attachment]).expect("the sample order is valid")
}

/// A UTC instant of the story.
pub(super) fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> Timestamp {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).single().expect("a valid fixed instant")
}

pub(super) fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid fixed date")
}

/// The story's "now": Monday 2026-11-23 10:00 in Beijing.
pub(super) fn t0() -> Timestamp {
    at(2026, 11, 23, 2, 0)
}

pub(super) fn actor(user: &User) -> Actor {
    Actor { user_id: Some(user.id), role: Some(user.role), unit: user.unit, unit_class: None, name: user.display_name.clone() }
}

pub(super) fn numbers<'a>(orders: impl IntoIterator<Item = &'a WorkOrder>) -> Vec<String> {
    orders.into_iter().map(|o| o.number.as_str().to_owned()).collect()
}

pub(super) fn query() -> OrderQuery {
    OrderQuery { limit: 100, ..OrderQuery::default() }
}

pub(super) async fn listed(store: &dyn Store, q: &OrderQuery) -> Vec<String> {
    numbers(&store.list_orders(q).await.expect("list_orders").orders)
}

pub(super) async fn order(store: &dyn Store, number: &OrderNumber) -> WorkOrder {
    store.get_order(number).await.expect("get_order").expect("the order exists")
}

/// Reference data the order part of the story dispatches to.
pub(super) struct Units {
    district: UnitId,
    street: UnitId,
    department: UnitId,
    unrelated: UnitId,
}

pub(super) struct People {
    operator: User,
    supervisor: User,
}

/// Runs the whole story against `store`, which must be freshly migrated and empty. Panics at the
/// first step whose result differs from the contract.
pub async fn conformance_story(store: &dyn Store) {
    assert!(matches!(store.backend(), "sqlite" | "postgres"), "unexpected backend name {}", store.backend());
    store.ping().await.expect("ping");

    let units = units(store).await;
    categories(store).await;
    let people = accounts(store, &units).await;
    let policy = policies(store, &people).await;
    orders(store, &units, &people, &policy).await;
    import(store, &units, &people, &policy).await;
    notices(store, &units, &policy).await;
    handling(store, &units, &people, &policy).await;
    knowledge_base(store, &units).await;
    alerts(store, &units, &people).await;
    incidents(store, &units, &people).await;
    problems(store, &units, &people).await;
    feeds(store, &units, &people, &policy).await;
}

pub(super) fn received(new: NewOrder, by: &User, now: Timestamp, policy: &DeadlinePolicy) -> WorkOrder {
    WorkOrder::received_under(new, Some(by.id), now, policy)
}

pub(super) fn receive_event(actor: &Actor, now: Timestamp) -> EventDraft {
    EventDraft::receipt(actor, now, Channel::Phone)
}

/// What `create_order` must return for `input`: the same order with the store's id, number and case.
pub(super) fn assert_created(created: &Created, input: &WorkOrder, number: &str) {
    assert!(!created.replayed, "a new order is not a replay");
    let o = &created.order;
    assert_eq!(o.number.as_str(), number);
    assert!(o.id.0 > 0 && o.case_id.0 > 0, "the store assigns id and case: {:?} {:?}", o.id, o.case_id);
    let mut expected = input.clone();
    expected.id = o.id;
    expected.number = o.number.clone();
    expected.case_id = o.case_id;
    assert_eq!(o, &expected, "create_order keeps everything else");
}

pub(super) async fn apply(store: &dyn Store, t: &Transition) -> WorkOrder {
    let stored = store.apply_transition(t).await.expect("apply_transition");
    assert_eq!(stored, t.order, "apply_transition returns the order written");
    assert_eq!(order(store, &t.order.number).await, t.order, "get_order reads the transition back");
    stored
}

pub(super) async fn event_count(store: &dyn Store, o: &WorkOrder) -> usize {
    store.order_events(o.id).await.expect("order_events").len()
}
