//! The story of early-warning alerts: detection passes open, update and end them, one alert per
//! ongoing series; people acknowledge, dismiss and reopen them; lists filter and order them.

use super::{Duration, NewOutboxMessage, People, Store, StoreError, Timestamp, UnitId, Units, at};
use crate::{Alert, AlertFilter, AlertSignal, SignalWrite};
use hotline_domain::{AlertKind, AlertStatus, UserId};

const QUIET_MS: i64 = 2 * 3_600_000;

fn surge(series: &str, district: Option<UnitId>, street: Option<UnitId>, category: &str, started_at: Timestamp) -> AlertSignal {
    AlertSignal {
        kind: AlertKind::Surge,
        series: series.to_owned(),
        district,
        street,
        category: Some(category.to_owned()),
        terms: None,
        started_at,
        observed: 40,
        expected: 10.5,
        score: 4.25,
        recurrence_days: 365.0,
    }
}

/// A signal that queues `body` to the centre if it opens an alert.
fn write(signal: &AlertSignal, body: &str) -> SignalWrite {
    SignalWrite {
        signal: signal.clone(),
        outbox_if_new: vec![NewOutboxMessage { channel: "sms".into(), recipient: "centre".into(), body: body.to_owned() }],
    }
}

/// The bodies of the alert messages waiting in the outbox, oldest first.
async fn alert_messages(store: &dyn Store) -> Vec<(String, Timestamp)> {
    let pending = store.pending_outbox(1000).await.expect("pending_outbox");
    pending.into_iter().filter(|m| m.body.starts_with("预警")).map(|m| (m.body, m.created_at)).collect()
}

async fn alert(store: &dyn Store, id: i64) -> Alert {
    store.get_alert(id).await.expect("get_alert")
}

async fn listed(store: &dyn Store, filter: AlertFilter) -> Vec<i64> {
    store.list_alerts(&filter).await.expect("list_alerts").into_iter().map(|a| a.id).collect()
}

pub(super) async fn alerts(store: &dyn Store, units: &Units, people: &People) {
    let t = at(2026, 11, 24, 0, 0);
    let min = Duration::minutes;
    let all = || AlertFilter { limit: 100, ..AlertFilter::default() };
    assert!(store.list_alerts(&all()).await.expect("list_alerts").is_empty(), "no alerts yet");
    let missing = store.get_alert(9_999_999).await;
    assert!(matches!(missing, Err(StoreError::NotFound)), "get_alert of an unknown id is NotFound: {missing:?}");

    // A new signal opens an alert (open, detected and last seen now) and queues its messages.
    let street_series = format!("street:{}|UTL", units.street);
    let street = surge(&street_series, Some(units.district), Some(units.street), "UTL", t - min(60));
    let topic = AlertSignal {
        kind: AlertKind::Topic,
        series: format!("district:{}|topic:停水", units.district),
        street: None,
        category: None,
        terms: Some("停水".into()),
        ..surge("", Some(units.district), None, "", t - min(30))
    };
    let opened = store.record_alert_pass(&[write(&street, "预警：建外街道供水突增"), write(&topic, "预警：停水")], t, QUIET_MS).await;
    let opened = opened.expect("record_alert_pass opens two alerts");
    assert_eq!(opened.iter().map(|a| a.signal.clone()).collect::<Vec<_>>(), [street.clone(), topic.clone()], "in signal order");
    for a in &opened {
        assert_eq!((a.status, a.detected_at, a.last_seen_at, a.ended_at), (AlertStatus::Open, t, t, None), "{a:?}");
        assert_eq!((a.acted_by, a.acted_at, a.note.as_deref()), (None, None, None));
        assert_eq!(&alert(store, a.id).await, a, "get_alert reads the opened alert back");
    }
    let (street_id, topic_id) = (opened[0].id, opened[1].id);
    assert_ne!(street_id, topic_id);
    let queued = vec![("预警：建外街道供水突增".to_owned(), t), ("预警：停水".to_owned(), t)];
    assert_eq!(alert_messages(store).await, queued, "a new alert queues its messages, at the pass's time");

    // The same series in a later pass updates the same alert: new figures, first start and
    // detection kept, nothing queued. A series seen for the first time opens its own.
    let later = AlertSignal { observed: 55, expected: 11.0, score: 5.5, recurrence_days: 730.0, started_at: t + min(10), ..street.clone() };
    let topic_later = AlertSignal { terms: Some("停水 水压低".into()), observed: 12, ..topic.clone() };
    let city = surge("city|TRF", None, None, "TRF", t + min(20));
    let pass = [write(&later, "预警：不应再发"), write(&topic_later, "预警：不应再发"), write(&city, "预警：全市交通突增")];
    let opened = store.record_alert_pass(&pass, t + min(30), QUIET_MS).await.expect("second pass");
    assert_eq!(opened.iter().map(|a| &a.signal).collect::<Vec<_>>(), [&city], "only the new series opens an alert");
    let city_id = opened[0].id;
    let updated = alert(store, street_id).await;
    assert_eq!(updated.signal, AlertSignal { started_at: street.started_at, ..later.clone() }, "new figures, started_at kept");
    assert_eq!((updated.detected_at, updated.last_seen_at, updated.status), (t, t + min(30), AlertStatus::Open));
    assert_eq!(alert(store, topic_id).await.signal.terms.as_deref(), Some("停水 水压低"), "a topic's words follow the latest pass");
    let mut expected_queue = queued.clone();
    expected_queue.push(("预警：全市交通突增".to_owned(), t + min(30)));
    assert_eq!(alert_messages(store).await, expected_queue, "an alert already open queues nothing");

    // Status moves: dismissing records who, when and why; a move from a status the alert has left
    // is Conflict and writes nothing; an unknown alert is NotFound, an unknown account refused.
    let (operator, supervisor) = (people.operator.id, people.supervisor.id);
    let dismissed = store
        .set_alert_status(street_id, AlertStatus::Open, AlertStatus::Dismissed, operator, t + min(40), Some("已知停水，已通报"))
        .await
        .expect("dismiss");
    assert_eq!(
        dismissed,
        Alert {
            status: AlertStatus::Dismissed,
            acted_by: Some(operator),
            acted_at: Some(t + min(40)),
            note: Some("已知停水，已通报".into()),
            ..updated.clone()
        },
        "who, when and why recorded; nothing else changes"
    );
    assert_eq!(alert(store, street_id).await, dismissed);
    let stale = store.set_alert_status(street_id, AlertStatus::Open, AlertStatus::Acknowledged, supervisor, t + min(41), None).await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "a stale `from` is Conflict: {stale:?}");
    assert_eq!(alert(store, street_id).await, dismissed, "the refused move wrote nothing");
    let unknown = store.set_alert_status(9_999_999, AlertStatus::Open, AlertStatus::Dismissed, operator, t, None).await;
    assert!(matches!(unknown, Err(StoreError::NotFound)), "no such alert: {unknown:?}");
    let nobody = store.set_alert_status(topic_id, AlertStatus::Open, AlertStatus::Acknowledged, UserId(9_999_999), t, None).await;
    assert!(matches!(nobody, Err(StoreError::InvalidReference(_))), "by must be an account: {nobody:?}");
    assert_eq!(alert(store, topic_id).await.status, AlertStatus::Open, "the refused move wrote nothing");
    let acknowledged = store
        .set_alert_status(topic_id, AlertStatus::Open, AlertStatus::Acknowledged, supervisor, t + min(42), Some("已派员核查"))
        .await
        .expect("acknowledge");
    assert_eq!((acknowledged.status, acknowledged.acted_by), (AlertStatus::Acknowledged, Some(supervisor)));
    store
        .set_alert_status(city_id, AlertStatus::Open, AlertStatus::Acknowledged, supervisor, t + min(43), Some("关注"))
        .await
        .expect("acknowledge the city alert");
    let reopened =
        store.set_alert_status(city_id, AlertStatus::Acknowledged, AlertStatus::Open, operator, t + min(44), None).await.expect("reopen");
    assert_eq!(
        (reopened.status, reopened.acted_by, reopened.acted_at, reopened.note),
        (AlertStatus::Open, Some(operator), Some(t + min(44)), None),
        "the last move is what is recorded"
    );

    // A dismissed alert stays dismissed while its series keeps signalling: updated, not raised again.
    let again = AlertSignal { observed: 60, ..later.clone() };
    let opened = store.record_alert_pass(&[write(&again, "预警：不应再发")], t + min(60), QUIET_MS).await.expect("third pass");
    assert!(opened.is_empty(), "nothing opens: {opened:?}");
    let still = alert(store, street_id).await;
    assert_eq!((still.status, still.signal.observed, still.last_seen_at), (AlertStatus::Dismissed, 60, t + min(60)));
    assert_eq!((still.acted_by, still.note.as_deref()), (Some(operator), Some("已知停水，已通报")), "the dismissal is kept");
    assert_eq!(alert_messages(store).await, expected_queue, "a dismissed alert signalled again queues nothing");
    assert_eq!(alert(store, topic_id).await.ended_at, None, "quiet for 30 minutes of 2 hours: still ongoing");

    // A series quiet for longer than quiet_ms ends at the pass that notices it; last seen exactly
    // quiet_ms ago is not yet longer.
    store.record_alert_pass(&[write(&city, "预警：不应再发")], t + min(180), QUIET_MS).await.expect("fourth pass");
    assert_eq!(alert(store, topic_id).await.ended_at, Some(t + min(180)), "the topic, last seen 2.5 hours ago, ends");
    assert_eq!(alert(store, street_id).await.ended_at, None, "the street, last seen exactly 2 hours ago, does not yet");
    assert_eq!(alert(store, city_id).await.ended_at, None, "the signalled city series goes on");
    store.record_alert_pass(&[], t + min(181), QUIET_MS).await.expect("an empty pass");
    let ended = alert(store, street_id).await;
    assert_eq!((ended.ended_at, ended.status), (Some(t + min(181)), AlertStatus::Dismissed), "ended, its status kept");
    assert_eq!(alert(store, city_id).await.ended_at, None);

    // After it ended, the series signalling again opens a new alert, with its messages.
    let back = AlertSignal { started_at: t + min(230), ..street.clone() };
    let opened = store.record_alert_pass(&[write(&back, "预警：建外街道供水再次突增")], t + min(240), QUIET_MS).await;
    let reopened_series = opened.expect("fifth pass").pop().expect("a new alert");
    assert_ne!(reopened_series.id, street_id, "a new alert, not the ended one");
    assert_eq!(
        (reopened_series.status, reopened_series.signal.started_at, reopened_series.ended_at),
        (AlertStatus::Open, t + min(230), None)
    );
    assert_eq!(alert(store, street_id).await, ended, "the ended alert stays as it was");
    expected_queue.push(("预警：建外街道供水再次突增".to_owned(), t + min(240)));
    assert_eq!(alert_messages(store).await, expected_queue);

    // One pass is one transaction: a signal naming no unit refuses the whole pass.
    let bad = surge("street:none|UTL", Some(UnitId(9_999_999)), None, "UTL", t);
    let fine = surge("district:x|TRF", Some(units.district), None, "TRF", t);
    let refused = store.record_alert_pass(&[write(&fine, "预警：不应发出"), write(&bad, "预警：不应发出")], t + min(250), 0).await;
    assert!(matches!(refused, Err(StoreError::InvalidReference(_))), "an unknown district: {refused:?}");
    assert_eq!(store.list_alerts(&all()).await.expect("list_alerts").len(), 4, "the refused pass opened nothing");
    assert_eq!(alert(store, city_id).await.ended_at, None, "nor ended anything (quiet_ms 0 would have)");
    assert_eq!(alert_messages(store).await, expected_queue, "nor queued anything");

    // A node whose clock lags records a pass at t+45min: an ongoing alert last seen before an ended one.
    let water = surge(&format!("street:{}|WTR", units.street), Some(units.district), Some(units.street), "WTR", t + min(15));
    let lagging = store.record_alert_pass(&[write(&water, "预警：供水")], t + min(45), QUIET_MS).await.expect("lagging pass");
    let water_id = lagging[0].id;
    let new_street = reopened_series.id;

    // Ongoing before ended, each newest last seen first:
    // new street (t+4h), city (t+3h), water (t+45min) | old street (t+1h), topic (t+30min).
    let order = [new_street, city_id, water_id, street_id, topic_id];
    assert_eq!(listed(store, all()).await, order);
    let by_status = |statuses: Vec<AlertStatus>| AlertFilter { statuses, ..all() };
    assert_eq!(listed(store, by_status(vec![AlertStatus::Dismissed])).await, [street_id]);
    assert_eq!(listed(store, by_status(vec![AlertStatus::Acknowledged])).await, [topic_id]);
    assert_eq!(listed(store, by_status(vec![AlertStatus::Open])).await, [new_street, city_id, water_id]);
    assert_eq!(listed(store, by_status(vec![AlertStatus::Open, AlertStatus::Dismissed])).await, [new_street, city_id, water_id, street_id]);
    assert_eq!(listed(store, AlertFilter { kind: Some(AlertKind::Topic), ..all() }).await, [topic_id]);
    assert_eq!(listed(store, AlertFilter { kind: Some(AlertKind::Surge), ..all() }).await, [new_street, city_id, water_id, street_id]);
    let districts = |d: Vec<UnitId>| AlertFilter { districts: Some(d), ..all() };
    assert_eq!(
        listed(store, districts(vec![units.district])).await,
        [new_street, water_id, street_id, topic_id],
        "city-wide is in no district"
    );
    assert!(listed(store, districts(vec![units.unrelated])).await.is_empty());
    assert!(listed(store, districts(vec![])).await.is_empty(), "no districts, no alerts");
    assert_eq!(listed(store, AlertFilter { ongoing_only: true, ..all() }).await, [new_street, city_id, water_id]);
    let since = AlertFilter { since: Some(t + min(60)), ..all() };
    assert_eq!(listed(store, since).await, [new_street, city_id, street_id], "last seen at or after");
    assert_eq!(listed(store, AlertFilter { limit: 2, ..all() }).await, order[..2]);
    assert_eq!(listed(store, AlertFilter::default()).await, order[..1], "a limit of 0 counts as 1");
    let together = AlertFilter {
        statuses: vec![AlertStatus::Open],
        kind: Some(AlertKind::Surge),
        districts: Some(vec![units.district]),
        ongoing_only: true,
        since: Some(t + min(30)),
        limit: 10,
    };
    assert_eq!(listed(store, together).await, [new_street, water_id], "the filters combine");
}
