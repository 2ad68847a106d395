//! The story of orders: numbering, idempotency, guarded transitions, events, lists, cases, bulk import.

use super::{
    Action, Assignment, CategoryPath, ContactRevealed, DeadlinePolicy, Duration, EventDraft, EventPayload, IdempotencyKey, Nature, OrderId,
    OrderNumber, OrderQuery, PHONE_1, PHONE_2, People, State, StateCount, Store, StoreError, UnitId, Units, Urgency, WorkOrder, actor,
    apply, assert_created, at, date, event_count, listed, numbers, order, query, receive_event, received, sample_new_order, t0,
};
use crate::ImportedOrder;

pub(super) async fn orders(store: &dyn Store, units: &Units, people: &People, policy: &DeadlinePolicy) {
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
    assert_eq!(store.order_events(OrderId(999_999)).await.expect("order_events of nothing"), vec![]);

    // get_order round-trips the whole order.
    let got = order(store, &a.number).await;
    assert_eq!(got, a, "get_order returns what create_order returned");
    assert_eq!(got.requester.phone.as_ref().map(hotline_domain::text::Phone::as_str), Some(PHONE_1));
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
/// Bulk import numbers orders in sequence on their own dates, opens a case for each, keeps their
/// events, records its progress with them, and an import with a bad reference writes nothing.
pub(super) async fn import(store: &dyn Store, units: &Units, people: &People, policy: &DeadlinePolicy) {
    let now = at(2026, 12, 1, 9, 0);
    let day = date(2026, 12, 1);
    let actor = actor(&people.operator);
    let rows: Vec<ImportedOrder> = (0..4)
        .map(|i| {
            let new = sample_new_order(&format!("导入的历史工单 {i}"), Some(PHONE_2), Some(units.district), Some(units.street));
            // The last one a day earlier: numbered on its own date.
            let local_date = if i == 3 { date(2026, 11, 30) } else { day };
            ImportedOrder { order: received(new, &people.operator, now, policy), events: vec![receive_event(&actor, now)], local_date }
        })
        .collect();
    assert_eq!(store.import_orders(&rows, Some(("import:test", "4"))).await.expect("import"), 4);
    assert_eq!(store.setting_or_insert("import:test", "0").await.expect("setting"), "4", "progress is stored with the orders");
    let earlier = order(store, &OrderNumber::parse("2026113000001").expect("number")).await;
    assert_eq!(earlier.description, "导入的历史工单 3");
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
    bad.order.location.street = Some(UnitId(987_654));
    let before = listed(store, &query()).await.len();
    assert!(store.import_orders(&[rows[1].clone(), bad], Some(("import:test", "6"))).await.is_err(), "an unknown unit fails the import");
    assert_eq!(listed(store, &query()).await.len(), before, "a failed import writes nothing");
    assert_eq!(store.setting_or_insert("import:test", "0").await.expect("setting"), "4", "nor moves the progress");
}
