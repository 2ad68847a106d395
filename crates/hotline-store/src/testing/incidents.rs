//! The story of incidents (emergency mode): declared from an alert (which moves to acknowledged in
//! the same transaction) or on their own, edited and closed guarded by their status, with the orders
//! linked to them.

use super::{Duration, People, Store, StoreError, Units, at, query};
use crate::{AlertFilter, IncidentEdit, NewIncident};
use hotline_domain::{AlertStatus, IncidentStatus, OrderId, UnitId, UserId};

pub(super) async fn incidents(store: &dyn Store, units: &Units, people: &People) {
    let t = at(2026, 11, 25, 8, 0);
    let min = Duration::minutes;
    let supervisor = people.supervisor.id;
    assert!(store.list_incidents(false, 100).await.expect("list_incidents").is_empty(), "no incidents yet");
    assert!(matches!(store.get_incident(1).await, Err(StoreError::NotFound)), "an unknown incident is NotFound");

    // An open alert of the story (the alerts part leaves some open).
    let open = store
        .list_alerts(&AlertFilter { statuses: vec![AlertStatus::Open], limit: 10, ..AlertFilter::default() })
        .await
        .expect("list_alerts");
    let alert = open.first().expect("the alerts part leaves an open alert").clone();
    assert_eq!(store.incident_of_alert(alert.id).await.expect("incident_of_alert"), None);

    // Declaring from the alert: active, nothing linked, and the alert acknowledged by the declarer.
    let new = NewIncident {
        title: "暴雨积水".into(),
        alert: Some(alert.id),
        district: Some(units.district),
        street: Some(units.street),
        category: Some("UTL".into()),
        lead_unit: units.street,
        script: "市民您好，暴雨导致积水，已通知属地街道抢排。".into(),
        started_at: t - min(40),
        declared_by: supervisor,
        declared_at: t,
    };
    let declared = store.declare_incident(&new).await.expect("declare_incident");
    assert_eq!(
        (declared.status, declared.linked, declared.closed_at, declared.updated_by, declared.updated_at),
        (IncidentStatus::Active, 0, None, supervisor, t)
    );
    assert_eq!(
        (declared.title.as_str(), declared.alert, declared.lead_unit, declared.started_at),
        ("暴雨积水", Some(alert.id), units.street, t - min(40))
    );
    assert_eq!(store.get_incident(declared.id).await.expect("get_incident"), declared, "read back as declared");
    assert_eq!(store.incident_of_alert(alert.id).await.expect("incident_of_alert"), Some(declared.clone()));
    let acknowledged = store.get_alert(alert.id).await.expect("get_alert");
    assert_eq!((acknowledged.status, acknowledged.acted_by, acknowledged.acted_at), (AlertStatus::Acknowledged, Some(supervisor), Some(t)));
    assert!(acknowledged.note.as_deref().is_some_and(|n| n.contains(&format!("#{}", declared.id))), "the note names the incident");

    // One incident per alert; unknown references write nothing.
    let twice = store.declare_incident(&NewIncident { declared_at: t + min(1), ..new.clone() }).await;
    assert!(matches!(twice, Err(StoreError::Conflict(_))), "a second incident for the alert: {twice:?}");
    let bad_unit = store.declare_incident(&NewIncident { alert: None, lead_unit: UnitId(9_999_999), ..new.clone() }).await;
    assert!(matches!(bad_unit, Err(StoreError::InvalidReference(_))), "unknown lead unit: {bad_unit:?}");
    let bad_alert = store.declare_incident(&NewIncident { alert: Some(9_999_999), ..new.clone() }).await;
    assert!(matches!(bad_alert, Err(StoreError::InvalidReference(_))), "unknown alert: {bad_alert:?}");
    assert_eq!(store.list_incidents(false, 100).await.expect("list").len(), 1, "the refused declarations wrote nothing");

    // Declared on its own (no alert), later: listed first among the active.
    let own = NewIncident {
        title: "燃气泄漏".into(),
        alert: None,
        street: None,
        category: None,
        lead_unit: units.department,
        started_at: t + min(10),
        declared_at: t + min(10),
        ..new.clone()
    };
    let gas = store.declare_incident(&own).await.expect("declare without an alert");
    let ids = |list: Vec<crate::Incident>| list.into_iter().map(|i| i.id).collect::<Vec<_>>();
    assert_eq!(ids(store.list_incidents(false, 100).await.expect("list")), [gas.id, declared.id], "newest declared first");
    assert_eq!(ids(store.list_incidents(false, 1).await.expect("list")), [gas.id], "limit");

    // Linking orders: new links counted, a repeat ignored, an unknown order refuses the whole batch.
    let page = store.list_orders(&query()).await.expect("list_orders");
    let orders: Vec<OrderId> = page.orders.iter().map(|o| o.id).take(3).collect();
    assert!(orders.len() >= 2, "the orders part leaves orders");
    assert_eq!(store.link_to_incident(declared.id, &orders[..2], Some(supervisor), t + min(5)).await.expect("link"), 2);
    assert_eq!(store.link_to_incident(declared.id, &orders, None, t + min(6)).await.expect("link again"), (orders.len() - 2) as u64);
    let refused = store.link_to_incident(gas.id, &[orders[0], OrderId(9_999_999)], None, t + min(7)).await;
    assert!(matches!(refused, Err(StoreError::InvalidReference(_))), "an unknown order: {refused:?}");
    assert_eq!(store.get_incident(gas.id).await.expect("get").linked, 0, "the refused batch linked nothing");
    assert!(matches!(store.link_to_incident(9_999_999, &orders, None, t).await, Err(StoreError::NotFound)));
    assert_eq!(store.get_incident(declared.id).await.expect("get").linked, orders.len() as i64);
    let linked: Vec<OrderId> = store.incident_orders(declared.id, 100).await.expect("incident_orders").iter().map(|o| o.id).collect();
    let mut newest_first = orders.clone();
    newest_first.sort_by_key(|o| std::cmp::Reverse(o.0));
    assert_eq!(linked, newest_first, "newest order first");
    assert_eq!(store.incident_orders(declared.id, 1).await.expect("incident_orders").len(), 1, "limit");
    store.link_to_incident(gas.id, &orders[..1], Some(supervisor), t + min(8)).await.expect("link to the second incident");
    assert_eq!(store.incidents_of_order(orders[0]).await.expect("incidents_of_order"), [declared.id, gas.id]);
    assert_eq!(store.incidents_of_order(OrderId(9_999_999)).await.expect("incidents_of_order"), Vec::<i64>::new());

    // Editing the script and lead unit while active records who and when.
    let edit =
        IncidentEdit {
            title: "暴雨积水（更新）".into(), script: "新口径：抢排中，预计两小时内恢复。".into(), lead_unit: units.district
        };
    let edited = store.edit_incident(declared.id, &edit, people.operator.id, t + min(20)).await.expect("edit_incident");
    assert_eq!(
        (edited.title.as_str(), edited.script.as_str(), edited.lead_unit),
        ("暴雨积水（更新）", "新口径：抢排中，预计两小时内恢复。", units.district)
    );
    assert_eq!(
        (edited.updated_by, edited.updated_at, edited.declared_by, edited.declared_at),
        (people.operator.id, t + min(20), supervisor, t)
    );
    let nobody = store.edit_incident(declared.id, &edit, UserId(9_999_999), t + min(21)).await;
    assert!(matches!(nobody, Err(StoreError::InvalidReference(_))), "unknown account: {nobody:?}");
    assert!(matches!(store.edit_incident(9_999_999, &edit, supervisor, t).await, Err(StoreError::NotFound)));

    // Closing: once; a closed incident is neither edited nor linked to; closed ones list after active.
    let closed = store.close_incident(declared.id, supervisor, t + min(30)).await.expect("close_incident");
    assert_eq!((closed.status, closed.closed_at, closed.updated_at), (IncidentStatus::Closed, Some(t + min(30)), t + min(30)));
    assert!(matches!(store.close_incident(declared.id, supervisor, t + min(31)).await, Err(StoreError::Conflict(_))));
    assert!(matches!(store.edit_incident(declared.id, &edit, supervisor, t + min(31)).await, Err(StoreError::Conflict(_))));
    assert!(matches!(store.link_to_incident(declared.id, &orders, None, t + min(31)).await, Err(StoreError::Conflict(_))));
    assert!(matches!(store.close_incident(9_999_999, supervisor, t).await, Err(StoreError::NotFound)));
    assert_eq!(store.get_incident(declared.id).await.expect("get"), closed, "the refused writes changed nothing");
    assert_eq!(ids(store.list_incidents(true, 100).await.expect("list active")), [gas.id]);
    assert_eq!(ids(store.list_incidents(false, 100).await.expect("list")), [gas.id, declared.id], "active before closed");
}
