//! The story of 每月一题: a theme adopted once while open, listed open first, closed once.

use super::{Duration, People, Store, StoreError, Units, at};
use crate::NewProblem;
use hotline_domain::{UnitId, UserId};

pub(super) async fn problems(store: &dyn Store, units: &Units, people: &People) {
    let t = at(2026, 11, 26, 2, 0);
    let supervisor = people.supervisor.id;
    assert!(store.list_problems(100).await.expect("list_problems").is_empty(), "none adopted yet");
    assert!(matches!(store.get_problem(1).await, Err(StoreError::NotFound)));

    let new = NewProblem {
        candidate_key: format!("district:{}|street:{}|cat:UTL/heating", units.district, units.street),
        month: "2026-10".into(),
        title: "建外街道供暖不热".into(),
        district: Some(units.district),
        street: Some(units.street),
        category: "UTL/heating".into(),
        adopted_by: supervisor,
        adopted_at: t,
        note: Some("连续六个月居前".into()),
    };
    let heating = store.adopt_problem(&new).await.expect("adopt_problem");
    assert_eq!((&heating.new, heating.closed_at, heating.closed_by), (&new, None, None), "read back as adopted");
    assert_eq!(store.get_problem(heating.id).await.expect("get_problem"), heating);

    // The same theme is adopted once while open; unknown references write nothing.
    let twice = store.adopt_problem(&NewProblem { month: "2026-11".into(), ..new.clone() }).await;
    assert!(matches!(twice, Err(StoreError::Conflict(_))), "adopted twice: {twice:?}");
    let nobody = store.adopt_problem(&NewProblem { candidate_key: "x".into(), adopted_by: UserId(9_999_999), ..new.clone() }).await;
    assert!(matches!(nobody, Err(StoreError::InvalidReference(_))), "unknown account: {nobody:?}");
    let nowhere = store.adopt_problem(&NewProblem { candidate_key: "y".into(), street: Some(UnitId(9_999_999)), ..new.clone() }).await;
    assert!(matches!(nowhere, Err(StoreError::InvalidReference(_))), "unknown street: {nowhere:?}");

    let parking = NewProblem {
        candidate_key: format!("district:{}|cat:TRF/illegal_parking", units.district),
        title: "朝阳区违章停车".into(),
        street: None,
        category: "TRF/illegal_parking".into(),
        adopted_at: t + Duration::minutes(5),
        note: None,
        ..new.clone()
    };
    let parking = store.adopt_problem(&parking).await.expect("adopt a second theme");
    let ids = |list: Vec<crate::Problem>| list.into_iter().map(|p| p.id).collect::<Vec<_>>();
    assert_eq!(ids(store.list_problems(100).await.expect("list")), [parking.id, heating.id], "newest first");

    // Closing: once; a closed theme lists after open ones and may be adopted again.
    let closed = store.close_problem(heating.id, supervisor, t + Duration::days(30)).await.expect("close_problem");
    assert_eq!((closed.closed_by, closed.closed_at), (Some(supervisor), Some(t + Duration::days(30))));
    assert!(matches!(store.close_problem(heating.id, supervisor, t).await, Err(StoreError::Conflict(_))));
    assert!(matches!(store.close_problem(9_999_999, supervisor, t).await, Err(StoreError::NotFound)));
    assert_eq!(ids(store.list_problems(100).await.expect("list")), [parking.id, heating.id], "open before closed");
    let again = store.adopt_problem(&NewProblem { month: "2026-12".into(), adopted_at: t + Duration::days(31), ..new }).await;
    let again = again.expect("a closed theme is adopted again");
    assert_eq!(ids(store.list_problems(100).await.expect("list")), [again.id, parking.id, heating.id]);
    assert_eq!(ids(store.list_problems(1).await.expect("list")), [again.id], "limit");
}
