//! The story of reference data: units, the versioned category tree, accounts and credentials,
//! deadline policies.

use super::{
    Category, CredentialKind, DeadlinePolicy, Duration, DurationSpec, DurationUnit, NewCredential, NewReferenceVersion, NewUnit, NewUser,
    People, ReferenceKind, Role, Store, StoreError, Timestamp, UnitClass, UnitId, Units, Urgency, actor, date, t0,
};

pub(super) async fn units(store: &dyn Store) -> Units {
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

    // Units are read as a whole tree (the app keeps it in memory); by id from that list.
    let by_id = |id: UnitId| listed.iter().find(|u| u.id == id).cloned();
    assert_eq!(by_id(street.id), Some(street.clone()));
    assert_eq!(by_id(district.id), Some(district2));
    assert_eq!(by_id(UnitId(999_999)), None);

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

pub(super) async fn categories(store: &dyn Store) {
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
pub(super) fn edit<'a>(base_version: Option<i64>, body: &'a str, categories: &'a [Category], now: Timestamp) -> NewReferenceVersion<'a> {
    NewReferenceVersion { kind: ReferenceKind::Categories, base_version, body, note: "edit", created_by: "admin1", now, categories }
}

pub(super) async fn accounts(store: &dyn Store, units: &Units) -> People {
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
        .insert_credential(&NewCredential {
            token_hash: "session-hash",
            kind: CredentialKind::Session,
            user: operator.id,
            name: "browser",
            created_at: now,
            expires_at: Some(expires),
        })
        .await
        .expect("insert session");
    let token = NewCredential {
        token_hash: "token-hash",
        kind: CredentialKind::ApiToken,
        user: handler.id,
        name: "integration",
        created_at: now,
        expires_at: None,
    };
    store.insert_credential(&token).await.expect("insert api token");
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
pub(super) async fn policies(store: &dyn Store, people: &People) -> DeadlinePolicy {
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
