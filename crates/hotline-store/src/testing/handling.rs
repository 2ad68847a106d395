//! The story after dispatch: handling, deadline notices, notifications and the outbox, the change
//! feeds, the knowledge base.

use super::{
    Action, ActionKind, Actor, DeadlinePolicy, Duration, EventDraft, EventPayload, ExternalUpdated, NaiveDate, NewNotification,
    NewOutboxMessage, NewUser, NoticeWrite, OrderId, OrderQuery, People, Role, State, Store, StoreError, UnitClass, UnitId, Units,
    UpdateRecord, actor, apply, at, date, listed, order, query, receive_event, received, sample_new_order,
};

/// The callback queue lists orders by the time they started waiting; a summons makes the summoned
/// unit see the order; events are read back by kind; an excluded evaluation is counted apart.
pub(super) async fn handling(store: &dyn Store, units: &Units, people: &People, policy: &DeadlinePolicy) {
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

    // Open311: a token names its order; an update_id is recorded once per client system, with its
    // event; another client's same id is its own.
    store.insert_token("tok-1", o.id, far).await.expect("insert_token");
    assert!(matches!(store.insert_token("tok-1", o.id, far).await, Err(StoreError::Conflict(_))), "a token is given once");
    assert_eq!(store.order_by_token("tok-1").await.expect("order_by_token").map(|x| x.id), Some(o.id));
    assert_eq!(store.order_by_token("nope").await.expect("order_by_token"), None);
    let fms = NewUser {
        username: "fms".into(),
        display_name: "FixMyStreet".into(),
        role: Role::Open311Client,
        unit: None,
        password_hash: "$argon2id$hash-of-fms".into(),
    };
    let fms = store.insert_user(&fms, far).await.expect("a client system's account");
    assert_eq!(fms.role, Role::Open311Client);
    let client = Actor { user_id: Some(fms.id), role: Some(Role::Open311Client), ..Actor::system("Open311 · FixMyStreet") };
    let note = EventDraft {
        from: Some(State::Evaluated),
        to: State::Evaluated,
        actor: client,
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
    let first = store.record_external_update(fms.id, "u-1", "f-1", o.id, &note, std::slice::from_ref(&told)).await;
    assert_eq!(first.expect("record_external_update"), UpdateRecord::Recorded);
    let again = store.record_external_update(fms.id, "u-1", "f-2", o.id, &note, &[told]).await.expect("a repeat is no error");
    assert_eq!(again, UpdateRecord::Seen { order: o.id, fingerprint: "f-1".into() }, "an update_id once per client");
    let events = store.order_events(o.id).await.expect("events");
    assert_eq!(events.iter().filter(|e| e.draft.kind() == ActionKind::ExternalUpdate).count(), 1, "the repeat wrote nothing");
    let other = EventDraft { actor: actor(&people.operator), ..note.clone() };
    let theirs = store.record_external_update(people.operator.id, "u-1", "f-3", o.id, &other, &[]).await;
    assert_eq!(theirs.expect("another client's u-1"), UpdateRecord::Recorded);
    let feed = store
        .events_between(&[ActionKind::Sign, ActionKind::ExternalUpdate], signed_at, far + Duration::seconds(1), 100)
        .await
        .expect("events_between");
    assert_eq!(
        feed.iter().map(|(n, e)| (n.clone(), e.draft.kind())).collect::<Vec<_>>(),
        [
            (o.number.clone(), ActionKind::Sign),
            (o.number.clone(), ActionKind::ExternalUpdate),
            (o.number.clone(), ActionKind::ExternalUpdate)
        ]
    );
    assert_eq!(feed[1].1.draft.actor.role, Some(Role::Open311Client), "a client system's role is stored with its event");
    assert_eq!(store.events_between(&[ActionKind::Sign], signed_at, far, 100).await.expect("events_between").len(), 1);
    assert!(store.events_between(&[], signed_at, far, 100).await.expect("no kinds").is_empty());
    let both = store.events_of_orders(&[o.id, o.id]).await.expect("events_of_orders");
    assert!(both.iter().all(|(id, _)| *id == o.id) && !both.is_empty());
    let one: Vec<_> = store.order_events(o.id).await.expect("events").into_iter().map(|e| e.seq).collect();
    assert!(both.iter().map(|(_, e)| e.seq).take(one.len()).eq(one.iter().copied()), "in order, as order_events gives them");
    assert!(store.events_of_orders(&[]).await.expect("none").is_empty());

    let png = [0x89_u8, b'P', b'N', b'G', 0, 1, 2, 255];
    let media = "3f9a0c1d5e7b24680f1e2d3c4b5a6978";
    store.insert_media(media, "image/png", "photo1.png", &png, far).await.expect("insert_media");
    assert_eq!(store.get_media(media).await.expect("get_media"), Some(("image/png".to_owned(), png.to_vec())), "bytes kept exactly");
    assert_eq!(store.get_media("1").await.expect("get_media"), None, "never by a row number");
    assert!(store.insert_media(media, "image/png", "again.png", &png, far).await.is_err(), "public ids are unique");

    assert_eq!(store.setting_or_insert("rating_key", "first").await.expect("setting"), "first");
    assert_eq!(store.setting_or_insert("rating_key", "second").await.expect("setting"), "first", "the first value stays");
}

/// Deadline notices: due orders are found by their next notice time; firing is a guarded update
/// with its event, notifications and outbox, all or nothing; notifications are per unit or centre.
pub(super) async fn notices(store: &dyn Store, units: &Units, policy: &DeadlinePolicy) {
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

/// Change feeds: every order event and article version can be read after a position, in order, a
/// page at a time; skipped positions can be asked for again; the orders they name read back by id
/// and by a scan; answers from an article are counted.
pub(super) async fn feeds(store: &dyn Store, units: &Units, people: &People, policy: &DeadlinePolicy) {
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
pub(super) async fn knowledge_base(store: &dyn Store, units: &Units) {
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
    assert_eq!(store.article_revisions().await.expect("article_revisions"), [("heating-season".to_owned(), 2)]);
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
