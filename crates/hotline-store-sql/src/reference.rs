//! Reference data: units, the versioned category tree and dispatch catalogue, deadline policies,
//! shared settings.

use async_trait::async_trait;
use hotline_domain::{Actor, DeadlinePolicy, Timestamp, Unit, UnitClass, UnitId};
use hotline_store::{Category, NewReferenceVersion, NewUnit, ReferenceKind, ReferenceVersion, Result, StoreError};
use sqlx::any::AnyRow;

use crate::rows::{conflict_or_backend, get, get_time, ms, values_list};
use crate::{SqlStore, backend_err};

fn unit_from_row(row: &AnyRow) -> Result<Unit> {
    let class: String = get(row, "class")?;
    Ok(Unit {
        id: UnitId(get(row, "unit_id")?),
        code: get(row, "code")?,
        name: get(row, "name")?,
        class: UnitClass::parse(&class).ok_or_else(|| StoreError::backend(format!("unknown unit class {class}")))?,
        parent: get::<Option<i64>>(row, "parent_id")?.map(UnitId),
    })
}

fn reference_from_row(kind: ReferenceKind, row: &AnyRow, with_body: bool) -> Result<ReferenceVersion> {
    Ok(ReferenceVersion {
        kind,
        version: get(row, "version")?,
        created_at: get_time(row, "created_at")?,
        created_by: get(row, "created_by")?,
        note: get(row, "note")?,
        body: if with_body { get(row, "body")? } else { String::new() },
    })
}

impl SqlStore {
    /// The given version, or the newest when `version` is `None`.
    pub(crate) async fn reference_version_impl(&self, kind: ReferenceKind, version: Option<i64>) -> Result<Option<ReferenceVersion>> {
        let row = match version {
            Some(v) => {
                sqlx::query("select version, created_at, created_by, note, body from reference_version where kind = $1 and version = $2")
                    .bind(kind.code())
                    .bind(v)
                    .fetch_optional(&self.read)
                    .await
            }
            None => {
                sqlx::query(
                    "select version, created_at, created_by, note, body from reference_version where kind = $1 \
                 order by version desc limit 1",
                )
                .bind(kind.code())
                .fetch_optional(&self.read)
                .await
            }
        }
        .map_err(backend_err)?;
        row.map(|r| reference_from_row(kind, &r, true)).transpose()
    }
}

fn policy_from_row(row: &AnyRow) -> Result<DeadlinePolicy> {
    let body: String = get(row, "body")?;
    let mut p: DeadlinePolicy = serde_json::from_str(&body).map_err(backend_err)?;
    p.version = get(row, "version")?;
    Ok(p)
}

#[async_trait]
impl hotline_store::ReferenceStore for SqlStore {
    /// Units in waves: those whose parent is known (already stored, or written in an earlier wave)
    /// go in multi-row upserts of `UNIT_CHUNK` (200), so loading a city's ~8,000 units is a few dozen
    /// statements, not 16,000. A parent that never appears fails the whole batch.
    async fn upsert_units(&self, units: &[NewUnit]) -> Result<()> {
        const UNIT_CHUNK: usize = 200;
        let mut tx = self.write.begin().await.map_err(backend_err)?;
        let rows = sqlx::query("select code, unit_id from unit").fetch_all(&mut *tx).await.map_err(backend_err)?;
        let mut ids: std::collections::HashMap<String, i64> =
            rows.iter().map(|r| Ok((get::<String>(r, "code")?, get::<i64>(r, "unit_id")?))).collect::<Result<_>>()?;
        // The last row of a code wins (one statement may not touch a row twice on PostgreSQL).
        let mut last: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for (i, u) in units.iter().enumerate() {
            last.insert(u.code.as_str(), i);
        }
        let mut pending: Vec<&NewUnit> = units.iter().enumerate().filter(|(i, u)| last[u.code.as_str()] == *i).map(|(_, u)| u).collect();
        while !pending.is_empty() {
            let (ready, rest): (Vec<&NewUnit>, Vec<&NewUnit>) =
                pending.into_iter().partition(|u| u.parent_code.as_ref().is_none_or(|p| ids.contains_key(p)));
            if ready.is_empty() {
                let u = rest[0];
                return Err(StoreError::InvalidReference(format!(
                    "parent unit {} of {}",
                    u.parent_code.as_deref().unwrap_or_default(),
                    u.code
                )));
            }
            for chunk in ready.chunks(UNIT_CHUNK) {
                let sql = format!(
                    "insert into unit (code, name, class, parent_id) values {} \
                     on conflict (code) do update set name = excluded.name, class = excluded.class, parent_id = excluded.parent_id \
                     returning unit_id, code",
                    values_list(4, chunk.len())
                );
                let mut q = sqlx::query(&sql);
                for u in chunk {
                    let parent = u.parent_code.as_ref().and_then(|p| ids.get(p).copied());
                    q = q.bind(u.code.as_str()).bind(u.name.as_str()).bind(u.class.code()).bind(parent);
                }
                for r in q.fetch_all(&mut *tx).await.map_err(backend_err)? {
                    ids.insert(get(&r, "code")?, get(&r, "unit_id")?);
                }
            }
            pending = rest;
        }
        tx.commit().await.map_err(backend_err)
    }

    async fn list_units(&self) -> Result<Vec<Unit>> {
        let rows = sqlx::query("select unit_id, code, name, class, parent_id from unit order by unit_id")
            .fetch_all(&self.read)
            .await
            .map_err(backend_err)?;
        rows.iter().map(unit_from_row).collect()
    }

    async fn list_categories(&self) -> Result<Vec<Category>> {
        let rows = sqlx::query("select code, name_zh, name_en, default_urgency, description, keywords from category order by code")
            .fetch_all(&self.read)
            .await
            .map_err(backend_err)?;
        rows.iter()
            .map(|r| {
                Ok(Category {
                    code: get(r, "code")?,
                    name_zh: get(r, "name_zh")?,
                    name_en: get(r, "name_en")?,
                    default_urgency: get(r, "default_urgency")?,
                    description: get(r, "description")?,
                    keywords: get::<String>(r, "keywords")?.split('|').filter(|k| !k.is_empty()).map(str::to_owned).collect(),
                })
            })
            .collect()
    }

    async fn insert_reference_version(&self, new: &NewReferenceVersion<'_>) -> Result<ReferenceVersion> {
        let mut tx = self.write.begin().await.map_err(backend_err)?;
        let newest: Option<i64> = sqlx::query("select max(version) as v from reference_version where kind = $1")
            .bind(new.kind.code())
            .fetch_one(&mut *tx)
            .await
            .map_err(backend_err)
            .and_then(|r| get(&r, "v"))?;
        if newest != new.base_version {
            return Err(StoreError::Conflict(format!(
                "{} version {} was saved meanwhile (edit started from {:?})",
                new.kind.code(),
                newest.unwrap_or(0),
                new.base_version
            )));
        }
        let version = newest.unwrap_or(0) + 1;
        sqlx::query("insert into reference_version (kind, version, created_at, created_by, note, body) values ($1, $2, $3, $4, $5, $6)")
            .bind(new.kind.code())
            .bind(version)
            .bind(ms(new.now))
            .bind(new.created_by)
            .bind(new.note)
            .bind(new.body)
            .execute(&mut *tx)
            .await
            .map_err(|e| conflict_or_backend(e, "another version was saved at the same moment"))?;
        if new.kind == ReferenceKind::Categories {
            sqlx::query("delete from category").execute(&mut *tx).await.map_err(backend_err)?;
            for chunk in new.categories.chunks(500) {
                let sql = format!(
                    "insert into category (code, name_zh, name_en, default_urgency, description, keywords) values {}",
                    values_list(6, chunk.len())
                );
                let mut q = sqlx::query(&sql);
                for c in chunk {
                    q = q
                        .bind(c.code.as_str())
                        .bind(c.name_zh.as_str())
                        .bind(c.name_en.as_str())
                        .bind(c.default_urgency.as_str())
                        .bind(c.description.as_str())
                        .bind(c.keywords.join("|"));
                }
                q.execute(&mut *tx).await.map_err(|e| conflict_or_backend(e, "a category code appears twice"))?;
            }
        }
        tx.commit().await.map_err(backend_err)?;
        Ok(ReferenceVersion {
            kind: new.kind,
            version,
            created_at: new.now,
            created_by: new.created_by.to_owned(),
            note: new.note.to_owned(),
            body: new.body.to_owned(),
        })
    }

    async fn current_reference(&self, kind: ReferenceKind) -> Result<Option<ReferenceVersion>> {
        self.reference_version_impl(kind, None).await
    }

    async fn get_reference_version(&self, kind: ReferenceKind, version: i64) -> Result<Option<ReferenceVersion>> {
        self.reference_version_impl(kind, Some(version)).await
    }

    async fn list_reference_versions(&self, kind: ReferenceKind) -> Result<Vec<ReferenceVersion>> {
        let rows = sqlx::query("select version, created_at, created_by, note from reference_version where kind = $1 order by version desc")
            .bind(kind.code())
            .fetch_all(&self.read)
            .await
            .map_err(backend_err)?;
        rows.iter().map(|r| reference_from_row(kind, r, false)).collect()
    }

    async fn current_policy(&self, now: Timestamp) -> Result<Option<DeadlinePolicy>> {
        let row = sqlx::query(
            "select version, body from deadline_policy where effective_from <= $1 order by effective_from desc, version desc limit 1",
        )
        .bind(ms(now))
        .fetch_optional(&self.read)
        .await
        .map_err(backend_err)?;
        row.map(|r| policy_from_row(&r)).transpose()
    }

    async fn insert_policy(&self, policy: &DeadlinePolicy, from: Timestamp, by: &Actor, now: Timestamp) -> Result<DeadlinePolicy> {
        let mut tx = self.write.begin().await.map_err(backend_err)?;
        let row =
            sqlx::query("select coalesce(max(version), 0) as v from deadline_policy").fetch_one(&mut *tx).await.map_err(backend_err)?;
        let mut stored = policy.clone();
        stored.version = get::<i64>(&row, "v")? + 1;
        sqlx::query("insert into deadline_policy (version, effective_from, body, created_at, created_by) values ($1, $2, $3, $4, $5)")
            .bind(stored.version)
            .bind(ms(from))
            .bind(serde_json::to_string(&stored).map_err(backend_err)?)
            .bind(ms(now))
            .bind(by.name.as_str())
            .execute(&mut *tx)
            .await
            .map_err(|e| conflict_or_backend(e, "a policy version was added concurrently"))?;
        tx.commit().await.map_err(backend_err)?;
        Ok(stored)
    }

    async fn list_policies(&self) -> Result<Vec<hotline_store::PolicyVersion>> {
        let rows = sqlx::query("select version, body, effective_from, created_at, created_by from deadline_policy order by version")
            .fetch_all(&self.read)
            .await
            .map_err(backend_err)?;
        rows.iter()
            .map(|r| {
                Ok(hotline_store::PolicyVersion {
                    policy: policy_from_row(r)?,
                    effective_from: get_time(r, "effective_from")?,
                    created_at: get_time(r, "created_at")?,
                    created_by: get(r, "created_by")?,
                })
            })
            .collect()
    }

    async fn setting_or_insert(&self, key: &str, value: &str) -> Result<String> {
        sqlx::query("insert into setting (key, value) values ($1, $2) on conflict (key) do nothing")
            .bind(key)
            .bind(value)
            .execute(&self.write)
            .await
            .map_err(backend_err)?;
        let row = sqlx::query("select value from setting where key = $1").bind(key).fetch_one(&self.write).await.map_err(backend_err)?;
        get(&row, "value")
    }
}
