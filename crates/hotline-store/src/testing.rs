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
    Category, Created, CredentialKind, IdempotencyKey, NewNotification, NewOutboxMessage, NewReferenceVersion, NewUnit, NewUser,
    NoticeWrite, OrderQuery, ReferenceKind, StateCount, Store, StoreError, User,
};

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
fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> Timestamp {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).single().expect("a valid fixed instant")
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid fixed date")
}

/// The story's "now": Monday 2026-11-23 10:00 in Beijing.
fn t0() -> Timestamp {
    at(2026, 11, 23, 2, 0)
}

fn actor(user: &User) -> Actor {
    Actor { user_id: Some(user.id), role: Some(user.role), unit: user.unit, unit_class: None, name: user.display_name.clone() }
}

fn numbers<'a>(orders: impl IntoIterator<Item = &'a WorkOrder>) -> Vec<String> {
    orders.into_iter().map(|o| o.number.as_str().to_owned()).collect()
}

fn query() -> OrderQuery {
    OrderQuery { limit: 100, ..OrderQuery::default() }
}

async fn listed(store: &dyn Store, q: &OrderQuery) -> Vec<String> {
    numbers(&store.list_orders(q).await.expect("list_orders").orders)
}

async fn order(store: &dyn Store, number: &OrderNumber) -> WorkOrder {
    store.get_order(number).await.expect("get_order").expect("the order exists")
}

/// Reference data the order part of the story dispatches to.
struct Units {
    district: UnitId,
    street: UnitId,
    department: UnitId,
    unrelated: UnitId,
}

struct People {
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
    handling(store, &units, &policy).await;
    knowledge_base(store, &units).await;
    feeds(store, &units, &people, &policy).await;
}

/// Change feeds: every order event and article version can be read after a position, in order, a
/// page at a time; skipped positions can be asked for again; the orders they name read back by id
/// and by a scan; answers from an article are counted.
async fn feeds(store: &dyn Store, units: &Units, people: &People, policy: &DeadlinePolicy) {
    let (events_head, articles_head) = store.change_heads().await.expect("change_heads");
    assert!(events_head > 0 && articles_head >= 2, "heads {events_head} {articles_head}");
    let mut seen: Vec<(i64, OrderId)> = Vec::new();
    let mut after = 0;
    loop {
        let page = store.order_changes(after, 7).await.expect("order_changes");
        assert!(page.len() <= 7);
        let Some(last) = page.last() else { break };
        assert!(page.windows(2).all(|w| w[0].0 < w[1].0) && page[0].0 > after, "ascending, after the position");
        after = last.0;
        seen.extend(page);
    }
    assert_eq!(seen.last().map(|e| e.0), Some(events_head), "the feed ends at the head");
    let asked: Vec<i64> = seen.iter().step_by(3).map(|e| e.0).chain([events_head + 1_000]).collect();
    let found = store.order_changes_at(&asked).await.expect("order_changes_at");
    assert_eq!(found, seen.iter().step_by(3).copied().collect::<Vec<_>>(), "existing positions only, in order");
    assert!(store.order_changes_at(&[]).await.expect("none asked").is_empty());

    let mut ids: Vec<OrderId> = seen.iter().map(|e| e.1).collect();
    ids.sort_unstable_by_key(|o| o.0);
    ids.dedup();
    let by_id = store.orders_by_ids(&ids).await.expect("orders_by_ids");
    assert_eq!(by_id.iter().map(|o| o.id).collect::<Vec<_>>(), ids, "every order the feed names, by id");
    for o in by_id.iter().take(5) {
        assert_eq!(&order(store, &o.number).await, o, "orders_by_ids reads what get_order reads");
    }
    assert!(store.orders_by_ids(&[OrderId(9_999_999)]).await.expect("unknown id").is_empty());
    let mut scanned = Vec::new();
    let mut from = OrderId(0);
    loop {
        let page = store.scan_orders(from, 3).await.expect("scan_orders");
        let Some(last) = page.last() else { break };
        from = last.id;
        scanned.extend(page);
    }
    assert_eq!(scanned, by_id, "a scan reads every order once, by id");

    // A new change comes after the head; an answer from an article is counted for it.
    let t = at(2026, 12, 1, 9, 0);
    let new = received(sample_new_order("咨询供暖季什么时候开始", None, Some(units.district), None), &people.operator, t, policy);
    let created = store.create_order(&new, &[receive_event(&actor(&people.operator), t)], date(2026, 12, 1), None).await.expect("create");
    let article = hotline_domain::kb::ArticleRef { slug: "heating-season".into(), version: 2, title: "北京市供暖季时间".into() };
    let answer = Action::Answer { answer: "供暖季为11月15日至次年3月15日".into(), article: Some(article) };
    let tr = created.order.apply(answer, &actor(&people.operator), t + Duration::minutes(2), policy).expect("answer");
    let answered = apply(store, &tr).await;
    let fresh = store.order_changes(events_head, 100).await.expect("order_changes after the head");
    assert_eq!(fresh.iter().map(|e| e.1).collect::<Vec<_>>(), [answered.id, answered.id], "receipt and answer");
    assert_eq!(store.change_heads().await.expect("heads").0, fresh[1].0);
    assert_eq!(answered.answer.as_ref().and_then(|a| a.article.as_ref()).map(|a| a.version), Some(2));
    assert_eq!(store.article_use_counts().await.expect("article_use_counts"), [("heating-season".to_owned(), 1)]);

    let versions = store.article_changes(0, 10).await.expect("article_changes");
    assert_eq!(versions.iter().map(|v| v.1.as_str()).collect::<Vec<_>>(), ["heating-season"; 3], "one row per saved version");
    assert_eq!(versions.last().map(|v| v.0), Some(articles_head));
    assert_eq!(store.article_changes(versions[0].0, 10).await.expect("after the first"), versions[1..]);
    assert!(store.article_changes(articles_head, 10).await.expect("after the head").is_empty());
    let asked = [versions[0].0, articles_head + 100];
    assert_eq!(store.article_changes_at(&asked).await.expect("article_changes_at"), versions[..1], "existing ids only");
}

/// Articles: created once per slug, saved in versions guarded by the version the editor read.
async fn knowledge_base(store: &dyn Store, units: &Units) {
    let text = "---\nslug: heating-season\ntitle_zh: 北京市供暖季时间\ntitle_en: Heating season\nowner: x\ncategories: UTL/heating\nstatus: public\n---\n北京市供暖季为每年11月15日至次年3月15日。\n<!-- en -->\nFrom 15 November to 15 March.";
    let draft = hotline_domain::kb::parse_markdown(text).expect("a valid article");
    let t = at(2026, 11, 24, 9, 0);
    let first = store.save_article(&draft, units.department, None, "admin", t).await.expect("save_article");
    assert_eq!((first.version, first.owner, first.article.slug.as_str()), (1, units.department, "heating-season"));
    let again = store.save_article(&draft, units.department, None, "admin", t).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "a slug is created once: {again:?}");
    let mut edited = draft.clone();
    edited.body_zh = "北京市供暖季为每年11月15日至次年3月15日，遇寒潮可提前。".into();
    let second = store.save_article(&edited, units.department, Some(1), "owner", t + Duration::hours(1)).await.expect("edit");
    assert_eq!(second.version, 2);
    let stale = store.save_article(&draft, units.department, Some(1), "late", t + Duration::hours(2)).await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "a stale edit is refused: {stale:?}");
    let read = store.get_article("heating-season").await.expect("get_article").expect("the article");
    assert_eq!((read.version, read.article.body_zh.as_str(), read.updated_by.as_str()), (2, edited.body_zh.as_str(), "owner"));
    assert_eq!(read.updated_at, t + Duration::hours(1));
    assert_eq!(store.get_article("nope").await.expect("get_article"), None);
    let all = store.list_articles().await.expect("list_articles");
    assert_eq!(all.iter().map(|a| (a.article.slug.as_str(), a.version)).collect::<Vec<_>>(), [("heating-season", 2)]);
    let history = store.article_versions("heating-season").await.expect("article_versions");
    assert_eq!(
        history.iter().map(|v| (v.version, v.created_by.as_str(), v.article.body_zh.as_str())).collect::<Vec<_>>(),
        [(2, "owner", edited.body_zh.as_str()), (1, "admin", draft.body_zh.as_str())],
        "every version kept, newest first"
    );
    assert!(store.article_versions("nope").await.expect("unknown slug").is_empty());
    let mut due = edited.clone();
    due.review_by = NaiveDate::from_ymd_opt(2026, 12, 1);
    store.save_article(&due, units.department, Some(2), "owner", t + Duration::hours(3)).await.expect("set a review date");
    let late = |owners: Option<Vec<UnitId>>, day| {
        let owners = owners.clone();
        async move {
            let found = store.articles_due_for_review(owners.as_deref(), day).await.expect("articles_due_for_review");
            found.into_iter().map(|a| a.article.slug).collect::<Vec<_>>()
        }
    };
    assert_eq!(late(None, date(2026, 12, 2)).await, ["heating-season"], "past its review date");
    assert!(late(None, date(2026, 12, 1)).await.is_empty(), "due on the day, not before");
    assert_eq!(late(Some(vec![units.department]), date(2027, 1, 1)).await, ["heating-season"]);
    assert!(late(Some(vec![units.street]), date(2027, 1, 1)).await.is_empty(), "another owner's");
    assert!(late(Some(vec![]), date(2027, 1, 1)).await.is_empty());
    let unknown_owner = store.save_article(&edited, UnitId(9_999_999), Some(3), "x", t).await;
    assert!(unknown_owner.is_err(), "the owner must be a unit");
}

/// The callback queue lists orders by the time they started waiting; a summons makes the summoned
/// unit see the order; events are read back by kind; an excluded evaluation is counted apart.
async fn handling(store: &dyn Store, units: &Units, policy: &DeadlinePolicy) {
    let far = at(2027, 6, 1, 0, 0);
    let queue = store.callback_queue(far, 100, 0).await.expect("callback_queue");
    assert!(!queue.orders.is_empty(), "dispatched orders past their reply due time wait for a callback");
    assert!(queue.orders.iter().all(|o| o.callback_since().is_some_and(|t| t <= far)));
    assert!(queue.orders.windows(2).all(|w| w[0].callback_since() <= w[1].callback_since()), "longest waiting first");
    assert!(store.callback_queue(at(2000, 1, 1, 0, 0), 100, 0).await.expect("callback_queue").orders.is_empty());
    let first = store.callback_queue(far, 1, 0).await.expect("callback_queue page");
    assert_eq!((first.orders.len(), first.has_more), (1, queue.orders.len() > 1));

    let o = queue.orders.iter().find(|o| o.state == State::Dispatched).cloned().expect("a dispatched order in the queue");
    let main = o.assignment.as_ref().map(|a| a.main_unit).expect("assignment");
    let unit_actor = |unit: UnitId| Actor {
        user_id: None,
        role: Some(Role::UnitHandler),
        unit: Some(unit),
        unit_class: Some(UnitClass::Street),
        name: "承办人".into(),
    };
    let signed_at = o.dispatched_at.expect("dispatched") + Duration::minutes(5);
    let t = o.apply(Action::Sign, &unit_actor(main), signed_at, policy).expect("sign");
    let signed = store.apply_transition(&t).await.expect("sign stored");
    let helper = [units.department, units.unrelated].into_iter().find(|u| *u != main).expect("another unit");
    let summon = Action::Summon { units: vec![helper], report_by: signed_at + Duration::hours(2), note: "请到场".into() };
    let t = signed.apply(summon, &unit_actor(main), signed_at + Duration::minutes(1), policy).expect("summon");
    let summoned = store.apply_transition(&t).await.expect("summon stored");
    let seen = OrderQuery { units: Some(vec![helper]), ..query() };
    assert!(listed(store, &seen).await.contains(&o.number.to_string()), "the summoned unit sees the order");
    let events = store.events_of_kind(ActionKind::Summon, signed_at, far).await.expect("events_of_kind");
    assert_eq!(events.iter().map(|(id, e)| (*id, e.draft.kind())).collect::<Vec<_>>(), [(o.id, ActionKind::Summon)]);
    assert!(store.events_of_kind(ActionKind::Summon, far, far + Duration::days(1)).await.expect("none later").is_empty());

    let supervisor = Actor { role: Some(Role::Supervisor), ..Actor::system("督办") };
    let exclude = Action::Exclude { exclusion: Some(hotline_domain::Exclusion::Unreasonable), reason: "诉求不合理".into() };
    let t = summoned.apply(exclude, &supervisor, signed_at + Duration::hours(1), policy).expect("exclude");
    let excluded = store.apply_transition(&t).await.expect("exclude stored");
    let agent = Actor { role: Some(Role::CallbackAgent), ..Actor::system("回访员") };
    let evaluation = hotline_domain::Evaluation {
        contacted: true,
        resolution: hotline_domain::Resolution::Resolved,
        satisfaction: hotline_domain::Satisfaction::Satisfied,
        comment: String::new(),
    };
    let evaluated_at = excluded.callback_since().expect("waiting") + Duration::minutes(1);
    let t = excluded.apply(Action::Evaluate { evaluation }, &agent, evaluated_at, policy).expect("evaluate");
    store.apply_transition(&t).await.expect("evaluation stored");
    let counts = store.assessment_counts(evaluated_at, far).await.expect("assessment_counts");
    assert_eq!(counts.len(), 1);
    assert_eq!((counts[0].unit, counts[0].evaluated, counts[0].exclusion), (main, 1, Some(hotline_domain::Exclusion::Unreasonable)));
    let queue = store.callback_queue(far, 100, 0).await.expect("callback_queue");
    assert!(!queue.orders.iter().any(|x| x.id == o.id), "an evaluated order leaves the queue");

    // Open311: a token names its order; an update_id is recorded once, with its event.
    store.insert_token("tok-1", o.id, far).await.expect("insert_token");
    assert!(matches!(store.insert_token("tok-1", o.id, far).await, Err(StoreError::Conflict(_))), "a token is given once");
    assert_eq!(store.order_by_token("tok-1").await.expect("order_by_token").map(|x| x.id), Some(o.id));
    assert_eq!(store.order_by_token("nope").await.expect("order_by_token"), None);
    let note = EventDraft {
        from: Some(State::Evaluated),
        to: State::Evaluated,
        actor: supervisor.clone(),
        at: far,
        reason: Some("still there".into()),
        payload: EventPayload::ExternalUpdate(ExternalUpdated {
            update_id: "u-1".into(),
            status: "OPEN".into(),
            updated_datetime: far,
            media_url: vec![],
        }),
    };
    let told =
        NewNotification { unit: Some(main), kind: "external_update".into(), message_zh: "补充".into(), message_en: "update".into() };
    store.record_external_update("u-1", o.id, &note, std::slice::from_ref(&told)).await.expect("record_external_update");
    let again = store.record_external_update("u-1", o.id, &note, &[told]).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "an update_id once: {again:?}");
    let events = store.order_events(o.id).await.expect("events");
    assert_eq!(events.iter().filter(|e| e.draft.kind() == ActionKind::ExternalUpdate).count(), 1, "the refused duplicate wrote nothing");
    let feed = store
        .events_between(&[ActionKind::Sign, ActionKind::ExternalUpdate], signed_at, far + Duration::seconds(1), 100)
        .await
        .expect("events_between");
    assert_eq!(
        feed.iter().map(|(n, e)| (n.clone(), e.draft.kind())).collect::<Vec<_>>(),
        [(o.number.clone(), ActionKind::Sign), (o.number.clone(), ActionKind::ExternalUpdate)]
    );
    assert_eq!(store.events_between(&[ActionKind::Sign], signed_at, far, 100).await.expect("events_between").len(), 1);
    assert!(store.events_between(&[], signed_at, far, 100).await.expect("no kinds").is_empty());
    let both = store.events_of_orders(&[o.id, o.id]).await.expect("events_of_orders");
    assert!(both.iter().all(|(id, _)| *id == o.id) && !both.is_empty());
    let one: Vec<_> = store.order_events(o.id).await.expect("events").into_iter().map(|e| e.seq).collect();
    assert!(both.iter().map(|(_, e)| e.seq).take(one.len()).eq(one.iter().copied()), "in order, as order_events gives them");
    assert!(store.events_of_orders(&[]).await.expect("none").is_empty());

    let png = [0x89_u8, b'P', b'N', b'G', 0, 1, 2, 255];
    let media = store.insert_media("image/png", "photo1.png", &png, far).await.expect("insert_media");
    assert_eq!(store.get_media(media).await.expect("get_media"), Some(("image/png".to_owned(), png.to_vec())), "bytes kept exactly");
    assert_eq!(store.get_media(media + 1000).await.expect("get_media"), None);

    assert_eq!(store.setting_or_insert("rating_key", "first").await.expect("setting"), "first");
    assert_eq!(store.setting_or_insert("rating_key", "second").await.expect("setting"), "first", "the first value stays");
}

/// Deadline notices: due orders are found by their next notice time; firing is a guarded update
/// with its event, notifications and outbox, all or nothing; notifications are per unit or centre.
async fn notices(store: &dyn Store, units: &Units, policy: &DeadlinePolicy) {
    let far = at(2027, 6, 1, 0, 0);
    let due = store.orders_due_for_notice(far, 100).await.expect("orders_due_for_notice");
    assert!(!due.is_empty(), "open orders have notices to come");
    assert!(due.windows(2).all(|w| w[0].next_notice_at <= w[1].next_notice_at), "earliest first");
    assert!(due.iter().all(|o| o.next_notice_at.is_some_and(|t| t <= far)));
    let early = store.orders_due_for_notice(at(2000, 1, 1, 0, 0), 100).await.expect("orders_due_for_notice");
    assert!(early.is_empty(), "nothing is due in the past");

    let o = due.iter().find(|o| o.assignment.is_some()).cloned().expect("a dispatched order with notices");
    let (t, fired) = o.fire_notices(far, policy).expect("notices due");
    assert!(!fired.is_empty());
    let unit = o.assignment.as_ref().map(|a| a.main_unit);
    let note = |unit: Option<UnitId>| NewNotification {
        unit,
        kind: "reply_overdue".into(),
        message_zh: "办理反馈已超期".into(),
        message_en: "The reply is overdue".into(),
    };
    let outbox = [NewOutboxMessage { channel: "sms".into(), recipient: "110105026".into(), body: "工单超期".into() }];
    let stored = store.record_notices(&t, &[note(unit), note(None)], &outbox).await.expect("record_notices");
    assert_eq!(stored.version, o.version + 1);
    let again = store.record_notices(&t, &[note(unit)], &outbox).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "a notice fires once: {again:?}");
    let reread = order(store, &o.number).await;
    assert_eq!(reread.notices, t.order.notices, "the fired notices are kept");
    assert_eq!(reread.next_notice_at, t.order.next_notice_at);
    let events = store.order_events(o.id).await.expect("events");
    assert_eq!(events.last().map(|e| e.draft.kind()), Some(ActionKind::DeadlineNotice));

    let theirs = store.list_notifications(unit, false, 10).await.expect("list_notifications");
    assert_eq!(theirs.len(), 1, "one for the unit, not two");
    assert_eq!((theirs[0].order_number.clone(), theirs[0].kind.as_str(), theirs[0].read_at), (o.number.clone(), "reply_overdue", None));
    assert_eq!(store.list_notifications(None, false, 10).await.expect("centre").len(), 1, "one for the centre");
    assert!(store.list_notifications(Some(units.unrelated), false, 10).await.expect("other").is_empty());
    let other = store.mark_notification_read(theirs[0].id, Some(units.unrelated), far).await;
    assert!(matches!(other, Err(StoreError::NotFound)), "another unit cannot touch it: {other:?}");
    store.mark_notification_read(theirs[0].id, unit, far).await.expect("mark read");
    assert!(store.list_notifications(unit, true, 10).await.expect("unread").is_empty());
    assert_eq!(store.list_notifications(unit, false, 10).await.expect("all")[0].read_at, Some(far));
    let pending = store.pending_outbox(10).await.expect("pending_outbox");
    assert_eq!(pending.iter().map(|m| (m.channel.as_str(), m.body.as_str())).collect::<Vec<_>>(), [("sms", "工单超期")]);

    // Nothing due after all (say the policy changed): the next time moves, the order does not.
    store.set_next_notice(o.id, stored.version, Some(at(2030, 1, 1, 0, 0))).await.expect("set_next_notice");
    let moved = order(store, &o.number).await;
    assert_eq!((moved.version, moved.next_notice_at), (stored.version, Some(at(2030, 1, 1, 0, 0))));
    assert!(!store.orders_due_for_notice(far, 100).await.expect("due").iter().any(|x| x.id == o.id));
    // A batch: the stale write (t was applied above) is skipped, the fresh one applied, together.
    let o2 = store.orders_due_for_notice(far, 100).await.expect("due").into_iter().find(|x| x.id != o.id).expect("another due order");
    let (t2, _) = o2.fire_notices(far, policy).expect("notices due on the other order");
    let batch = [
        NoticeWrite { transition: t.clone(), notifications: vec![note(None)], outbox: vec![] },
        NoticeWrite { transition: t2.clone(), notifications: vec![note(None)], outbox: outbox.to_vec() },
    ];
    assert_eq!(store.record_notices_batch(&batch).await.expect("record_notices_batch"), [false, true]);
    assert_eq!(order(store, &o2.number).await.version, o2.version + 1);
    assert_eq!(store.list_notifications(None, false, 10).await.expect("centre").len(), 2, "only the applied write raised one");
    assert_eq!(store.pending_outbox(10).await.expect("outbox").len(), 2);

    // No callbacks recorded in the story: assessment has nothing to count (the query runs).
    assert_eq!(store.assessment_counts(at(2026, 11, 1, 0, 0), far).await.expect("assessment_counts"), vec![]);
    let disputes = store.dispute_counts(at(2000, 1, 1, 0, 0), far).await.expect("dispute_counts");
    assert!(disputes.iter().all(|(_, n)| *n > 0), "only units that disputed: {disputes:?}");
}

/// Bulk import numbers orders in sequence on their date, opens a case for each, keeps their events,
/// and an import with a bad reference writes nothing.
async fn import(store: &dyn Store, units: &Units, people: &People, policy: &DeadlinePolicy) {
    let now = at(2026, 12, 1, 9, 0);
    let day = date(2026, 12, 1);
    let actor = actor(&people.operator);
    let rows: Vec<(WorkOrder, Vec<EventDraft>)> = (0..3)
        .map(|i| {
            let new = sample_new_order(&format!("导入的历史工单 {i}"), Some(PHONE_2), Some(units.district), Some(units.street));
            (received(new, &people.operator, now, policy), vec![receive_event(&actor, now)])
        })
        .collect();
    assert_eq!(store.import_orders(&rows, day).await.expect("import"), 3);
    let mut cases = Vec::new();
    for seq in 1..=3 {
        let number = OrderNumber::parse(&format!("20261201{seq:05}")).expect("number");
        let o = order(store, &number).await;
        assert_eq!(o.description, format!("导入的历史工单 {}", seq - 1));
        assert_eq!(event_count(store, &o).await, 1, "the imported event is kept");
        cases.push(o.case_id);
    }
    cases.dedup();
    assert_eq!(cases.len(), 3, "each imported order opens its own case");

    let mut bad = rows[0].clone();
    bad.0.location.street = Some(UnitId(987_654));
    let before = listed(store, &query()).await.len();
    assert!(store.import_orders(&[rows[1].clone(), bad], day).await.is_err(), "an unknown unit fails the import");
    assert_eq!(listed(store, &query()).await.len(), before, "a failed import writes nothing");
}

async fn units(store: &dyn Store) -> Units {
    let unit = |code: &str, name: &str, class: UnitClass, parent: Option<&str>| NewUnit {
        code: code.into(),
        name: name.into(),
        class,
        parent_code: parent.map(Into::into),
    };
    // A parent may come earlier in the same batch.
    store
        .upsert_units(&[
            unit("110105", "朝阳", UnitClass::District, None),
            unit("110105001", "建外街道", UnitClass::Street, Some("110105")),
            unit("DEPT-WATER", "水务局", UnitClass::Department, None),
            unit("DEPT-PARKS", "园林局", UnitClass::Department, None),
        ])
        .await
        .expect("upsert units");
    let listed = store.list_units().await.expect("list_units");
    assert_eq!(listed.len(), 4, "four units: {listed:?}");
    let by_code = |units: &[hotline_domain::Unit], code: &str| {
        units.iter().find(|u| u.code == code).cloned().unwrap_or_else(|| panic!("unit {code} is listed"))
    };
    let district = by_code(&listed, "110105");
    let street = by_code(&listed, "110105001");
    let department = by_code(&listed, "DEPT-WATER");
    let parks = by_code(&listed, "DEPT-PARKS");
    assert_eq!((district.name.as_str(), district.class, district.parent), ("朝阳", UnitClass::District, None));
    assert_eq!((street.name.as_str(), street.class, street.parent), ("建外街道", UnitClass::Street, Some(district.id)));
    assert_eq!(department.parent, None);
    let ids = [district.id, street.id, department.id, parks.id];
    assert!(ids.iter().enumerate().all(|(i, a)| ids[i + 1..].iter().all(|b| a != b)), "unit ids are distinct: {ids:?}");

    // Re-upserting a known code updates it in place: same id, new name, class and parent.
    store
        .upsert_units(&[
            unit("110105", "朝阳区", UnitClass::District, None),
            unit("DEPT-PARKS", "朝阳区园林绿化局", UnitClass::Utility, Some("110105")),
        ])
        .await
        .expect("re-upsert units");
    let listed = store.list_units().await.expect("list_units after re-upsert");
    assert_eq!(listed.len(), 4, "re-upsert adds no unit: {listed:?}");
    let district2 = by_code(&listed, "110105");
    assert_eq!(district2, hotline_domain::Unit { name: "朝阳区".into(), ..district.clone() });
    let parks2 = by_code(&listed, "DEPT-PARKS");
    assert_eq!((parks2.id, parks2.class, parks2.parent), (parks.id, UnitClass::Utility, Some(district.id)));
    assert_eq!(by_code(&listed, "110105001"), street, "the child is untouched by its parent's update");

    assert_eq!(store.get_unit(street.id).await.expect("get_unit"), Some(street.clone()));
    assert_eq!(store.get_unit(district.id).await.expect("get_unit"), Some(district2));
    assert_eq!(store.get_unit(UnitId(999_999)).await.expect("get_unit of an unknown id"), None);

    // An unknown parent fails the whole batch: the valid unit before it is not written either.
    let err = store
        .upsert_units(&[
            unit("110105002", "三里屯街道", UnitClass::Street, Some("110105")),
            unit("110105003", "无名街道", UnitClass::Street, Some("NO-SUCH-UNIT")),
        ])
        .await;
    assert!(matches!(err, Err(StoreError::InvalidReference(_))), "unknown parent: {err:?}");
    let after = store.list_units().await.expect("list_units after a failed batch");
    assert_eq!(after, listed, "a failed batch writes nothing");

    Units { district: district.id, street: street.id, department: department.id, unrelated: parks.id }
}

async fn categories(store: &dyn Store) {
    let category = |code: &str, zh: &str, en: &str, urgency: &str| Category {
        code: code.into(),
        name_zh: zh.into(),
        name_en: en.into(),
        default_urgency: urgency.into(),
        description: format!("{zh}相关诉求"),
        keywords: vec![zh.to_owned(), format!("{zh}问题")],
    };
    assert_eq!(store.list_categories().await.expect("list_categories"), vec![], "no categories yet");
    assert_eq!(store.current_reference(ReferenceKind::Categories).await.expect("current_reference"), None);
    let at = |minutes: i64| t0() + Duration::minutes(minutes);
    let first = [category("TRF/parking", "停车", "Parking", "general"), category("CTY/streetlight", "路灯", "Street lights", "general")];
    let v1 = store
        .insert_reference_version(&NewReferenceVersion {
            kind: ReferenceKind::Categories,
            base_version: None,
            body: "csv v1",
            note: "shipped",
            created_by: "system",
            now: at(0),
            categories: &first,
        })
        .await
        .expect("first category version");
    assert_eq!((v1.version, v1.body.as_str(), v1.created_at), (1, "csv v1", at(0)));
    let mut listed = store.list_categories().await.expect("list_categories");
    listed.sort_by(|a, b| a.code.cmp(&b.code));
    assert_eq!(listed, vec![first[1].clone(), first[0].clone()], "the version's tree is the stored projection");

    // The next version replaces the projection: renamed, one node gone, one added.
    let second =
        [category("TRF/parking", "违章停车", "Illegal parking", "emergency"), category("CTY/toilet", "公厕", "Toilets", "general")];
    let v2 = store.insert_reference_version(&edit(Some(1), "csv v2", &second, at(5))).await.expect("second category version");
    assert_eq!(v2.version, 2);
    let mut listed = store.list_categories().await.expect("list_categories");
    listed.sort_by(|a, b| a.code.cmp(&b.code));
    assert_eq!(listed, vec![second[1].clone(), second[0].clone()]);

    // An editor who started from version 1 loses to the save of version 2, and nothing changes.
    let stale = store.insert_reference_version(&edit(Some(1), "csv stale", &[], at(5))).await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "stale base version: {stale:?}");
    let dup = [second[0].clone(), second[0].clone()];
    let twice = store.insert_reference_version(&edit(Some(2), "csv dup", &dup, at(5))).await;
    assert!(twice.is_err(), "a code twice fails the whole save: {twice:?}");
    assert_eq!(store.list_categories().await.expect("list_categories").len(), 2, "failed saves write nothing");

    let current = store.current_reference(ReferenceKind::Categories).await.expect("current").expect("a version exists");
    assert_eq!((current.version, current.body.as_str(), current.created_by.as_str()), (2, "csv v2", "admin1"));
    let old = store.get_reference_version(ReferenceKind::Categories, 1).await.expect("get v1").expect("v1 is kept");
    assert_eq!(old.body, "csv v1");
    assert_eq!(store.get_reference_version(ReferenceKind::Categories, 9).await.expect("get v9"), None);
    let versions = store.list_reference_versions(ReferenceKind::Categories).await.expect("list versions");
    assert_eq!(
        versions.iter().map(|v| (v.version, v.note.as_str(), v.body.as_str())).collect::<Vec<_>>(),
        [(2, "edit", ""), (1, "shipped", "")]
    );

    // Kinds are numbered separately, and a dispatch catalogue leaves the category rows alone.
    let rules = store
        .insert_reference_version(&NewReferenceVersion {
            kind: ReferenceKind::DispatchRules,
            base_version: None,
            body: "category,district,target,co_units,deadline_class\nTRF,,street,,\n",
            note: "shipped",
            created_by: "system",
            now: at(6),
            categories: &[],
        })
        .await
        .expect("first dispatch catalogue");
    assert_eq!(rules.version, 1);
    assert_eq!(store.list_categories().await.expect("list_categories").len(), 2);
}

/// An admin's edit of the category tree.
fn edit<'a>(base_version: Option<i64>, body: &'a str, categories: &'a [Category], now: Timestamp) -> NewReferenceVersion<'a> {
    NewReferenceVersion { kind: ReferenceKind::Categories, base_version, body, note: "edit", created_by: "admin1", now, categories }
}

async fn accounts(store: &dyn Store, units: &Units) -> People {
    let now = t0();
    let new_user = |username: &str, role: Role, unit: Option<UnitId>| NewUser {
        username: username.into(),
        display_name: format!("{username} display"),
        role,
        unit,
        password_hash: format!("$argon2id$hash-of-{username}"),
    };
    assert_eq!(store.list_users().await.expect("list_users"), vec![], "no users yet");
    let operator = store.insert_user(&new_user("op1", Role::Operator, None), now).await.expect("insert operator");
    assert_eq!(
        (operator.username.as_str(), operator.display_name.as_str(), operator.role, operator.unit),
        ("op1", "op1 display", Role::Operator, None)
    );
    let supervisor = store.insert_user(&new_user("sup1", Role::Supervisor, None), now).await.expect("insert supervisor");
    let handler = store.insert_user(&new_user("handler1", Role::UnitHandler, Some(units.street)), now).await.expect("insert handler");
    assert_eq!(handler.unit, Some(units.street));
    assert!(operator.id != supervisor.id && supervisor.id != handler.id && operator.id != handler.id);

    let dup = store.insert_user(&new_user("op1", Role::Admin, None), now).await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "duplicate username: {dup:?}");
    let bad_unit = store.insert_user(&new_user("ghost", Role::UnitHandler, Some(UnitId(999_999))), now).await;
    assert!(matches!(bad_unit, Err(StoreError::InvalidReference(_))), "unknown unit: {bad_unit:?}");

    let found = store.find_user_by_username("op1").await.expect("find_user_by_username");
    assert_eq!(found, Some((operator.clone(), "$argon2id$hash-of-op1".to_owned())));
    let found = store.find_user_by_username("handler1").await.expect("find_user_by_username");
    assert_eq!(found, Some((handler.clone(), "$argon2id$hash-of-handler1".to_owned())));
    assert_eq!(store.find_user_by_username("nobody").await.expect("find_user_by_username"), None);
    let mut users = store.list_users().await.expect("list_users");
    users.sort_by_key(|u| u.id);
    let mut expected = vec![operator.clone(), supervisor.clone(), handler.clone()];
    expected.sort_by_key(|u| u.id);
    assert_eq!(users, expected, "the failed inserts left no user behind");

    // A session expires; an API token does not.
    let expires = now + Duration::hours(1);
    store
        .insert_credential("session-hash", CredentialKind::Session, operator.id, "browser", now, Some(expires))
        .await
        .expect("insert session");
    store.insert_credential("token-hash", CredentialKind::ApiToken, handler.id, "integration", now, None).await.expect("insert api token");
    let session = store.find_credential("session-hash", now).await.expect("find session");
    assert_eq!(session, Some((operator.clone(), CredentialKind::Session)));
    let session = store.find_credential("session-hash", expires - Duration::minutes(1)).await.expect("find session");
    assert_eq!(session, Some((operator.clone(), CredentialKind::Session)), "still valid just before expiry");
    let session = store.find_credential("session-hash", expires + Duration::minutes(1)).await.expect("find session");
    assert_eq!(session, None, "an expired session is not found");
    let token = store.find_credential("token-hash", now + Duration::days(3650)).await.expect("find token");
    assert_eq!(token, Some((handler.clone(), CredentialKind::ApiToken)), "a token without expiry stays valid");
    assert_eq!(store.find_credential("no-such-hash", now).await.expect("find unknown credential"), None);
    store.delete_credential("session-hash").await.expect("delete session");
    assert_eq!(store.find_credential("session-hash", now).await.expect("find deleted session"), None);
    store.delete_credential("no-such-hash").await.expect("deleting an unknown credential is not an error");
    let tokens = store.list_credentials(handler.id, CredentialKind::ApiToken).await.expect("list tokens");
    assert_eq!(tokens.len(), 1, "the handler's one token: {tokens:?}");
    assert_eq!(
        (tokens[0].token_hash.as_str(), tokens[0].name.as_str(), tokens[0].created_at, tokens[0].expires_at),
        ("token-hash", "integration", now, None)
    );
    assert!(store.list_credentials(operator.id, CredentialKind::ApiToken).await.expect("list tokens").is_empty(), "tokens are per user");
    let token = store.find_credential("token-hash", now).await.expect("find token");
    assert_eq!(token, Some((handler, CredentialKind::ApiToken)), "deleting one credential leaves the others");

    People { operator, supervisor }
}

/// Stores two policy versions and returns the first, in effect at `t0`.
async fn policies(store: &dyn Store, people: &People) -> DeadlinePolicy {
    let now = t0();
    let admin = actor(&people.supervisor);
    assert_eq!(store.current_policy(now).await.expect("current_policy"), None, "no policy yet");
    assert_eq!(store.list_policies().await.expect("list_policies"), vec![]);

    let mut first = DeadlinePolicy::default_policy();
    first.version = 99; // the store numbers versions itself
    let from1 = now - Duration::days(1);
    let v1 = store.insert_policy(&first, from1, &admin, now).await.expect("insert policy 1");
    assert_eq!(v1, DeadlinePolicy { version: 1, ..first.clone() });

    let mut second = DeadlinePolicy::default_policy();
    if let Some(c) = second.classes.get_mut(&Urgency::General) {
        c.dispatch = DurationSpec::new(3, DurationUnit::Hours);
    }
    second.calendar.holidays.insert(date(2026, 12, 25));
    let from2 = now + Duration::days(1);
    let v2 = store.insert_policy(&second, from2, &admin, now).await.expect("insert policy 2");
    assert_eq!(v2, DeadlinePolicy { version: 2, ..second.clone() });

    assert_eq!(store.current_policy(now - Duration::days(2)).await.expect("current_policy"), None, "before any policy");
    assert_eq!(store.current_policy(now).await.expect("current_policy"), Some(v1.clone()), "v2 is not in effect yet");
    assert_eq!(store.current_policy(from2).await.expect("current_policy"), Some(v2.clone()), "v2 from its start");
    assert_eq!(store.current_policy(now + Duration::days(30)).await.expect("current_policy"), Some(v2.clone()));

    let mut listed = store.list_policies().await.expect("list_policies");
    listed.sort_by_key(|v| v.policy.version);
    let listed: Vec<_> = listed.into_iter().map(|v| (v.policy, v.effective_from, v.created_at)).collect();
    assert_eq!(listed, vec![(v1.clone(), from1, now), (v2, from2, now)]);
    v1
}

fn received(new: NewOrder, by: &User, now: Timestamp, policy: &DeadlinePolicy) -> WorkOrder {
    WorkOrder::received_under(new, Some(by.id), now, policy)
}

fn receive_event(actor: &Actor, now: Timestamp) -> EventDraft {
    EventDraft::receipt(actor, now, hotline_domain::Channel::Phone)
}

/// What `create_order` must return for `input`: the same order with the store's id, number and case.
fn assert_created(created: &Created, input: &WorkOrder, number: &str) {
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

async fn apply(store: &dyn Store, t: &Transition) -> WorkOrder {
    let stored = store.apply_transition(t).await.expect("apply_transition");
    assert_eq!(stored, t.order, "apply_transition returns the order written");
    assert_eq!(order(store, &t.order.number).await, t.order, "get_order reads the transition back");
    stored
}

async fn event_count(store: &dyn Store, o: &WorkOrder) -> usize {
    store.order_events(o.id).await.expect("order_events").len()
}

async fn orders(store: &dyn Store, units: &Units, people: &People, policy: &DeadlinePolicy) {
    let operator = actor(&people.operator);
    let supervisor = actor(&people.supervisor);
    let day1 = date(2026, 11, 23);
    let day2 = date(2026, 11, 24);
    assert_eq!(policy.local_date(t0()), day1);

    // --- Creation, numbering, cases, events --------------------------------------------------
    let key_a = IdempotencyKey { scope: "user:1".into(), key: "form-123".into() };
    let a_in = received(
        sample_new_order("路灯不亮已经三天了", Some(PHONE_1), Some(units.district), Some(units.street)),
        &people.operator,
        t0(),
        policy,
    );
    let a_events = vec![
        receive_event(&operator, t0()),
        EventDraft {
            from: Some(State::Received),
            to: State::Received,
            actor: supervisor.clone(),
            at: t0() + Duration::seconds(30),
            reason: Some("回拨核实".into()),
            payload: EventPayload::RevealContact(ContactRevealed { fields: vec!["phone".into()] }),
        },
    ];
    let created_a = store.create_order(&a_in, &a_events, day1, Some(&key_a)).await.expect("create order A");
    assert_created(&created_a, &a_in, "2026112300001");
    let a = created_a.order.clone();

    let t_b = at(2026, 11, 23, 3, 0);
    let b_in = received(sample_new_order("小区门口违章停车", Some(PHONE_2), None, None), &people.operator, t_b, policy);
    let created_b = store.create_order(&b_in, &[receive_event(&operator, t_b)], day1, None).await.expect("create order B");
    assert_created(&created_b, &b_in, "2026112300002");
    let b = created_b.order.clone();
    assert_ne!(a.id, b.id);
    assert_ne!(a.case_id, b.case_id, "every order opens its own case");

    // 2026-11-24 02:00 UTC is 10:00 on the 24th in Beijing: a new day, a new sequence.
    let t_c = at(2026, 11, 24, 2, 0);
    assert_eq!(policy.local_date(t_c), day2);
    let c_in = received(sample_new_order("自来水水压低", Some(PHONE_1), Some(units.district), None), &people.operator, t_c, policy);
    let created_c = store.create_order(&c_in, &[receive_event(&operator, t_c)], day2, None).await.expect("create order C");
    assert_created(&created_c, &c_in, "2026112400001");
    let c = created_c.order.clone();
    assert!(![a.case_id, b.case_id].contains(&c.case_id));

    // The same key in the same scope replays the first order and writes nothing, even for other content.
    let replay = store.create_order(&c_in, &[receive_event(&operator, t_c)], day1, Some(&key_a)).await.expect("replay A");
    assert!(replay.replayed, "a seen key is a replay");
    assert_eq!(replay.order, a, "the replay returns the order the key created");
    let all = store.list_orders(&query()).await.expect("list_orders");
    assert_eq!(all.orders.len(), 3, "a replay creates no order");
    assert_eq!(event_count(store, &a).await, 2, "a replay writes no event");

    // The same key in another scope is another request. The replay consumed no number.
    let t_d = at(2026, 11, 23, 4, 0);
    let key_d = IdempotencyKey { scope: "user:2".into(), key: key_a.key.clone() };
    let d_in = received(sample_new_order("噪音扰民", None, None, None), &people.operator, t_d, policy);
    let created_d = store.create_order(&d_in, &[receive_event(&operator, t_d)], day1, Some(&key_d)).await.expect("create D");
    assert_created(&created_d, &d_in, "2026112300003");
    let d = created_d.order.clone();
    let again = store.create_order(&d_in, &[], day1, Some(&key_d)).await.expect("replay D");
    assert!(again.replayed && again.order == d, "the key of scope user:2 replays D: {again:?}");

    let events = store.order_events(a.id).await.expect("order_events of A");
    assert_eq!(events.iter().map(|e| e.draft.clone()).collect::<Vec<_>>(), a_events, "events round-trip, in order");
    assert!(events[0].seq < events[1].seq, "event seqs increase: {events:?}");
    assert_eq!(event_count(store, &b).await, 1);
    assert_eq!(store.order_events(hotline_domain::OrderId(999_999)).await.expect("order_events of nothing"), vec![]);

    // get_order round-trips the whole order.
    let got = order(store, &a.number).await;
    assert_eq!(got, a, "get_order returns what create_order returned");
    assert_eq!(got.requester.phone.as_ref().map(|p| p.as_str()), Some(PHONE_1));
    assert_eq!((got.location.lng, got.location.lat), (Some(116.4436), Some(39.9087)));
    assert_eq!(got.location.street, Some(units.street));
    assert_eq!(got.attachments.len(), 1);
    assert_eq!(got.attachments[0].url.as_deref(), Some("https://files.example.org/photo.jpg"));
    assert_eq!(got.dues.dispatch_due, Some(t0() + Duration::hours(2)));
    assert_eq!(order(store, &d.number).await.requester.phone, None);
    let unknown = OrderNumber::parse("2026112399999").expect("a valid number");
    assert_eq!(store.get_order(&unknown).await.expect("get_order of an unknown number"), None);

    // --- Transitions ---------------------------------------------------------------------------
    let triage = || Action::Triage {
        nature: Nature::Complaint,
        category: CategoryPath::parse("CTY/streetlight").expect("a valid category"),
        category_version: Some(2),
        urgency: Urgency::General,
    };
    let ta = a.apply(triage(), &operator, t0() + Duration::minutes(5), policy).expect("triage A");
    let a = apply(store, &ta).await;
    assert_eq!((a.state, a.version), (State::Triaged, 1));

    // A dispatch to a unit that does not exist writes nothing.
    let bad = Assignment { main_unit: UnitId(999_999), co_units: vec![], district_copy: None };
    let t_bad = a
        .apply(Action::Dispatch { assignment: bad, note: String::new() }, &operator, t0() + Duration::minutes(9), policy)
        .expect("dispatch to an unknown unit passes the domain");
    let err = store.apply_transition(&t_bad).await;
    assert!(matches!(err, Err(StoreError::InvalidReference(_))), "unknown unit: {err:?}");
    assert_eq!(order(store, &a.number).await, a, "the failed dispatch wrote nothing");
    assert_eq!(event_count(store, &a).await, 3);

    let assignment = Assignment { main_unit: units.street, co_units: vec![units.department], district_copy: Some(units.district) };
    let dispatch = Action::Dispatch { assignment: assignment.clone(), note: "请尽快处理".into() };
    let td = a.apply(dispatch, &operator, t0() + Duration::minutes(10), policy).expect("dispatch A");
    let a = apply(store, &td).await;
    assert_eq!((a.state, a.version, a.assignment.as_ref()), (State::Dispatched, 2, Some(&assignment)));
    let events = store.order_events(a.id).await.expect("order_events of A");
    assert_eq!(events.len(), 4);
    assert_eq!(events[2].draft, ta.event);
    assert_eq!(events[3].draft, td.event);

    // Every unit of the assignment sees the order; another unit does not.
    for (unit, what) in [(units.street, "main unit"), (units.department, "co-unit"), (units.district, "district copy")] {
        let q = OrderQuery { units: Some(vec![unit]), ..query() };
        assert_eq!(listed(store, &q).await, numbers([&a]), "the {what} sees A");
    }
    let q = OrderQuery { units: Some(vec![units.unrelated]), ..query() };
    assert_eq!(listed(store, &q).await, Vec::<String>::new(), "an unrelated unit sees nothing");
    let q = OrderQuery { units: Some(vec![]), ..query() };
    assert_eq!(listed(store, &q).await, Vec::<String>::new(), "no units see nothing");
    let q = OrderQuery { units: Some(vec![units.unrelated, units.department]), ..query() };
    assert_eq!(listed(store, &q).await, numbers([&a]), "any of the units");

    // A stale transition (same expected version twice) is a conflict and writes nothing.
    let tb = b.apply(triage(), &operator, t_b + Duration::minutes(5), policy).expect("triage B");
    let b = apply(store, &tb).await;
    let stale = store.apply_transition(&tb).await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "stale transition: {stale:?}");
    assert_eq!(event_count(store, &b).await, 2, "the stale transition appended no event");
    assert_eq!(order(store, &b.number).await, b, "the stale transition changed nothing");

    // append_event adds to the timeline and changes nothing else.
    let reveal = EventDraft {
        from: Some(State::Dispatched),
        to: State::Dispatched,
        actor: supervisor.clone(),
        at: t0() + Duration::minutes(20),
        reason: Some("督办需要联系诉求人".into()),
        payload: EventPayload::RevealContact(ContactRevealed { fields: vec!["phone".into(), "name".into()] }),
    };
    store.append_event(a.id, &reveal).await.expect("append_event");
    let events = store.order_events(a.id).await.expect("order_events of A");
    assert_eq!(events.len(), 5);
    assert_eq!(events[4].draft, reveal);
    assert!(events.windows(2).all(|w| w[0].seq < w[1].seq), "seqs increase: {events:?}");
    assert_eq!(order(store, &a.number).await, a, "append_event leaves the order alone");

    // D is supervised; B is linked as a duplicate of A and joins A's case.
    let t_sup = t_d + Duration::minutes(30);
    let ts = d
        .apply(Action::Supervise { on: true, note: "重点督办".into(), reason: None, reach_site_by: None }, &supervisor, t_sup, policy)
        .expect("supervise D");
    let d = apply(store, &ts).await;
    assert!(d.supervised);
    let b_case = b.case_id;
    let link = Action::LinkDuplicate { of: a.number.clone(), case: a.case_id };
    let tl = b.apply(link, &operator, at(2026, 11, 23, 5, 0), policy).expect("link B to A");
    let b = apply(store, &tl).await;
    assert_eq!((b.state, b.case_id, b.duplicate_of.as_ref()), (State::LinkedDuplicate, a.case_id, Some(&a.number)));

    let mut in_case = store.case_orders(a.case_id, 100).await.expect("case_orders");
    in_case.sort_by_key(|o| o.id);
    assert_eq!(in_case, vec![a.clone(), b.clone()], "the duplicate joins A's case");
    assert_eq!(store.case_orders(c.case_id, 100).await.expect("case_orders"), vec![c.clone()]);
    assert_eq!(store.case_orders(b_case, 100).await.expect("case_orders"), vec![], "B left its own case");
    let newest = store.case_orders(a.case_id, 1).await.expect("case_orders");
    assert_eq!(newest, vec![b.clone()], "the limit keeps the newest order of the case");

    // --- Queries -------------------------------------------------------------------------------
    // Newest first: C (24th 02:00), D (23rd 04:00), B (03:00), A (02:00).
    let all = [c.clone(), d.clone(), b.clone(), a.clone()];
    let page = store.list_orders(&query()).await.expect("list_orders");
    assert_eq!(page.orders, all.to_vec(), "list_orders returns whole orders, newest first");
    assert!(!page.has_more);

    let q = OrderQuery { states: vec![State::Received], ..query() };
    assert_eq!(listed(store, &q).await, numbers([&c, &d]));
    let q = OrderQuery { states: vec![State::Received, State::Dispatched], ..query() };
    assert_eq!(listed(store, &q).await, numbers([&c, &d, &a]));
    let q = OrderQuery { states: vec![State::LinkedDuplicate], ..query() };
    assert_eq!(listed(store, &q).await, numbers([&b]));
    let q = OrderQuery { states: vec![State::Closed], ..query() };
    assert_eq!(listed(store, &q).await, Vec::<String>::new());

    let q = OrderQuery { phone: Some(PHONE_1.into()), ..query() };
    assert_eq!(listed(store, &q).await, numbers([&c, &a]));
    let q = OrderQuery { phone: Some(PHONE_2.into()), ..query() };
    assert_eq!(listed(store, &q).await, numbers([&b]));
    let q = OrderQuery { phone: Some("13700000000".into()), ..query() };
    assert_eq!(listed(store, &q).await, Vec::<String>::new());
    // Only order A is located in the street (C names only the district, B and D no place).
    let q = OrderQuery { street: Some(units.street), ..query() };
    assert_eq!(listed(store, &q).await, numbers([&a]));
    let q = OrderQuery { street: Some(units.district), ..query() };
    assert_eq!(listed(store, &q).await, Vec::<String>::new(), "a district is not a street");
    let q = OrderQuery { states: vec![State::Received], phone: Some(PHONE_1.into()), ..query() };
    assert_eq!(listed(store, &q).await, numbers([&c]), "filters combine with AND");
    let q = OrderQuery { states: vec![State::Received], units: Some(vec![units.street]), ..query() };
    assert_eq!(listed(store, &q).await, Vec::<String>::new(), "filters combine with AND");

    let q = OrderQuery { supervised: Some(true), ..query() };
    assert_eq!(listed(store, &q).await, numbers([&d]));
    let q = OrderQuery { supervised: Some(false), ..query() };
    assert_eq!(listed(store, &q).await, numbers([&c, &b, &a]));

    // Overdue: B's dispatch due time (05:00) has passed at 07:00, but B is terminal; D's (06:00) has
    // passed and D is open; A was dispatched in time; C's is tomorrow.
    let at7 = at(2026, 11, 23, 7, 0);
    assert!(b.dues.dispatch_due.is_some_and(|due| due < at7), "B's dispatch is past due: {:?}", b.dues);
    assert!(b.first_dispatched_at.is_none());
    let q = OrderQuery { overdue_at: Some(at7), ..query() };
    assert_eq!(listed(store, &q).await, numbers([&d]), "the open overdue order only");
    // Before D's due time nothing is overdue.
    let q = OrderQuery { overdue_at: Some(at(2026, 11, 23, 5, 30)), ..query() };
    assert_eq!(listed(store, &q).await, Vec::<String>::new());
    // On the 25th: C missed dispatch, D too, A missed first contact (due 24th 02:10).
    let q = OrderQuery { overdue_at: Some(at(2026, 11, 25, 3, 0)), ..query() };
    assert_eq!(listed(store, &q).await, numbers([&c, &d, &a]));
    for instant in [at7, at(2026, 11, 23, 5, 30), at(2026, 11, 25, 3, 0), at(2026, 12, 31, 0, 0)] {
        let expected: Vec<WorkOrder> = all.iter().filter(|o| o.overdue(instant).is_some()).cloned().collect();
        let q = OrderQuery { overdue_at: Some(instant), ..query() };
        assert_eq!(listed(store, &q).await, numbers(&expected), "overdue at {instant} agrees with WorkOrder::overdue");
    }
    let q = OrderQuery { overdue_at: Some(at7), supervised: Some(false), ..query() };
    assert_eq!(listed(store, &q).await, Vec::<String>::new());

    // Received window: from is inclusive, before exclusive.
    let q = OrderQuery { received_from: Some(a.received_at), received_before: Some(d.received_at), ..query() };
    assert_eq!(listed(store, &q).await, numbers([&b, &a]));
    let q = OrderQuery { received_from: Some(c.received_at), ..query() };
    assert_eq!(listed(store, &q).await, numbers([&c]));
    let q = OrderQuery { received_before: Some(a.received_at), ..query() };
    assert_eq!(listed(store, &q).await, Vec::<String>::new());

    // Paging.
    let page = |limit: u32, offset: u32| OrderQuery { limit, offset, ..OrderQuery::default() };
    let p = store.list_orders(&page(2, 0)).await.expect("page 1");
    assert_eq!((numbers(&p.orders), p.has_more), (numbers(&all[..2]), true));
    let p = store.list_orders(&page(2, 2)).await.expect("page 2");
    assert_eq!((numbers(&p.orders), p.has_more), (numbers(&all[2..]), false));
    let p = store.list_orders(&page(3, 0)).await.expect("limit 3");
    assert_eq!((numbers(&p.orders), p.has_more), (numbers(&all[..3]), true));
    let p = store.list_orders(&page(4, 0)).await.expect("limit 4");
    assert_eq!((numbers(&p.orders), p.has_more), (numbers(&all), false));
    let p = store.list_orders(&page(1, 3)).await.expect("last page");
    assert_eq!((numbers(&p.orders), p.has_more), (numbers(&all[3..]), false));
    let p = store.list_orders(&page(2, 4)).await.expect("past the end");
    assert_eq!((numbers(&p.orders), p.has_more), (vec![], false));
    let q = OrderQuery { states: vec![State::Received], limit: 1, ..OrderQuery::default() };
    let p = store.list_orders(&q).await.expect("filtered page");
    assert_eq!((numbers(&p.orders), p.has_more), (numbers([&c]), true));

    // Counts.
    let counts = |v: &[(State, i64)]| v.iter().map(|&(state, count)| StateCount { state, count }).collect::<Vec<_>>();
    let sorted = |mut v: Vec<StateCount>| {
        v.sort_by_key(|c| c.state);
        v
    };
    let overall = sorted(store.count_by_state(None).await.expect("count_by_state"));
    assert_eq!(overall, counts(&[(State::Received, 2), (State::LinkedDuplicate, 1), (State::Dispatched, 1)]));
    let street = sorted(store.count_by_state(Some(&[units.street])).await.expect("count_by_state of a unit"));
    assert_eq!(street, counts(&[(State::Dispatched, 1)]));
    let both = sorted(store.count_by_state(Some(&[units.district, units.department])).await.expect("count_by_state"));
    assert_eq!(both, counts(&[(State::Dispatched, 1)]), "an order counts once however many of its units are asked");
    let none = store.count_by_state(Some(&[units.unrelated])).await.expect("count_by_state of an unrelated unit");
    assert_eq!(none, vec![]);
    assert_eq!(store.count_by_state(Some(&[])).await.expect("count_by_state of no units"), vec![]);
}
