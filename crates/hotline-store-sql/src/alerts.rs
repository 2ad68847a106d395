//! Early-warning alerts: a detection pass (updates, new alerts with their outbox messages, ends) in
//! one transaction; lists filtered in SQL; status moves guarded by the status they start from.

use async_trait::async_trait;
use hotline_domain::{AlertKind, AlertStatus, Timestamp, UnitId, UserId};
use hotline_store::{Alert, AlertFilter, AlertSignal, Result, SignalWrite, StoreError};
use sqlx::any::AnyRow;

use crate::orders::Filter;
use crate::rows::{get, get_opt_time, get_time, ms};
use crate::{SqlStore, backend_err};

/// The columns an alert is read back from (also what inserts and updates return).
const COLUMNS: &str = "alert_id, kind, series, district_id, street_id, category, terms, started_at, observed, expected, score, \
                       recurrence_days, detected_at, last_seen_at, ended_at, status, acted_by, acted_at, note";

fn alert_from_row(row: &AnyRow) -> Result<Alert> {
    let kind: String = get(row, "kind")?;
    let status: String = get(row, "status")?;
    Ok(Alert {
        id: get(row, "alert_id")?,
        signal: AlertSignal {
            kind: AlertKind::parse(&kind).map_err(backend_err)?,
            series: get(row, "series")?,
            district: get::<Option<i64>>(row, "district_id")?.map(UnitId),
            street: get::<Option<i64>>(row, "street_id")?.map(UnitId),
            category: get(row, "category")?,
            terms: get(row, "terms")?,
            started_at: get_time(row, "started_at")?,
            observed: get(row, "observed")?,
            expected: get(row, "expected")?,
            score: get(row, "score")?,
            recurrence_days: get(row, "recurrence_days")?,
        },
        detected_at: get_time(row, "detected_at")?,
        last_seen_at: get_time(row, "last_seen_at")?,
        ended_at: get_opt_time(row, "ended_at")?,
        status: AlertStatus::parse(&status).map_err(backend_err)?,
        acted_by: get::<Option<i64>>(row, "acted_by")?.map(UserId),
        acted_at: get_opt_time(row, "acted_at")?,
        note: get(row, "note")?,
    })
}

/// An insert refused by the schema: the series has an ongoing alert after all (another pass opened
/// it meanwhile), or the district or street is not a unit.
fn insert_error(e: sqlx::Error, series: &str) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StoreError::Conflict(format!("another detection pass opened an alert of series {series}"))
        }
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
            StoreError::InvalidReference(format!("the district or street of series {series} is not a unit"))
        }
        _ => backend_err(e),
    }
}

#[async_trait]
impl hotline_store::AlertStore for SqlStore {
    async fn record_alert_pass(&self, signals: &[SignalWrite], now: Timestamp, quiet_ms: i64) -> Result<Vec<Alert>> {
        let at = ms(now);
        let mut tx = self.write.begin().await.map_err(backend_err)?;
        let mut opened = Vec::new();
        for w in signals {
            let s = &w.signal;
            let updated = sqlx::query(
                "update alert set observed = $1, expected = $2, score = $3, recurrence_days = $4, terms = $5, last_seen_at = $6 \
                 where series = $7 and ended_at is null",
            )
            .bind(s.observed)
            .bind(s.expected)
            .bind(s.score)
            .bind(s.recurrence_days)
            .bind(s.terms.clone())
            .bind(at)
            .bind(s.series.as_str())
            .execute(&mut *tx)
            .await
            .map_err(backend_err)?;
            if updated.rows_affected() > 0 {
                continue;
            }
            let row = sqlx::query(&format!(
                "insert into alert (kind, series, district_id, street_id, category, terms, started_at, observed, expected, score, \
                 recurrence_days, detected_at, last_seen_at, status) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13) \
                 returning {COLUMNS}"
            ))
            .bind(s.kind.code())
            .bind(s.series.as_str())
            .bind(s.district.map(|u| u.0))
            .bind(s.street.map(|u| u.0))
            .bind(s.category.clone())
            .bind(s.terms.clone())
            .bind(ms(s.started_at))
            .bind(s.observed)
            .bind(s.expected)
            .bind(s.score)
            .bind(s.recurrence_days)
            .bind(at)
            .bind(AlertStatus::Open.code())
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| insert_error(e, &s.series))?;
            opened.push(alert_from_row(&row)?);
            for m in &w.outbox_if_new {
                sqlx::query("insert into outbox (channel, recipient, body, created_at, attempts) values ($1, $2, $3, $4, 0)")
                    .bind(m.channel.as_str())
                    .bind(m.recipient.as_str())
                    .bind(m.body.as_str())
                    .bind(at)
                    .execute(&mut *tx)
                    .await
                    .map_err(backend_err)?;
            }
        }
        // Every series signalled above was last seen at `now`, which is not before the cutoff: only
        // the quiet ones end.
        let cutoff = at.saturating_sub(quiet_ms.max(0));
        sqlx::query("update alert set ended_at = $1 where ended_at is null and last_seen_at < $2")
            .bind(at)
            .bind(cutoff)
            .execute(&mut *tx)
            .await
            .map_err(backend_err)?;
        tx.commit().await.map_err(backend_err)?;
        Ok(opened)
    }

    async fn list_alerts(&self, filter: &AlertFilter) -> Result<Vec<Alert>> {
        let mut f = Filter::new();
        if !filter.statuses.is_empty() {
            let ps = f.params(filter.statuses.iter().map(|s| s.code()))?;
            f.sql.push_str(&format!(" and status in ({ps})"));
        }
        if let Some(kind) = filter.kind {
            let p = f.param(kind.code())?;
            f.sql.push_str(&format!(" and kind = {p}"));
        }
        if let Some(districts) = &filter.districts {
            if districts.is_empty() {
                f.sql.push_str(" and 1 = 0");
            } else {
                let ps = f.params(districts.iter().map(|u| u.0))?;
                f.sql.push_str(&format!(" and district_id in ({ps})"));
            }
        }
        if filter.ongoing_only {
            f.sql.push_str(" and ended_at is null");
        }
        if let Some(since) = filter.since {
            let p = f.param(ms(since))?;
            f.sql.push_str(&format!(" and last_seen_at >= {p}"));
        }
        let l = f.param(i64::from(filter.limit.clamp(1, 1000)))?;
        let sql = format!(
            "select {COLUMNS} from alert{} order by case when ended_at is null then 0 else 1 end, last_seen_at desc, alert_id desc \
             limit {l}",
            f.sql
        );
        let rows = sqlx::query_with(&sql, f.args).fetch_all(&self.read).await.map_err(backend_err)?;
        rows.iter().map(alert_from_row).collect()
    }

    async fn get_alert(&self, id: i64) -> Result<Alert> {
        let row = sqlx::query(&format!("select {COLUMNS} from alert where alert_id = $1"))
            .bind(id)
            .fetch_optional(&self.read)
            .await
            .map_err(backend_err)?
            .ok_or(StoreError::NotFound)?;
        alert_from_row(&row)
    }

    async fn set_alert_status(
        &self,
        id: i64,
        from: AlertStatus,
        to: AlertStatus,
        by: UserId,
        at: Timestamp,
        note: Option<&str>,
    ) -> Result<Alert> {
        let row = sqlx::query(&format!(
            "update alert set status = $1, acted_by = $2, acted_at = $3, note = $4 where alert_id = $5 and status = $6 returning {COLUMNS}"
        ))
        .bind(to.code())
        .bind(by.0)
        .bind(ms(at))
        .bind(note)
        .bind(id)
        .bind(from.code())
        .fetch_optional(&self.write)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::InvalidReference(format!("no account {by}")),
            _ => backend_err(e),
        })?;
        if let Some(row) = row {
            return alert_from_row(&row);
        }
        // Nothing written: tell a status moved meanwhile from an alert that does not exist.
        let exists =
            sqlx::query("select status from alert where alert_id = $1").bind(id).fetch_optional(&self.write).await.map_err(backend_err)?;
        match exists {
            Some(row) => {
                let now: String = get(&row, "status")?;
                Err(StoreError::Conflict(format!("the alert is {now}, no longer {from}")))
            }
            None => Err(StoreError::NotFound),
        }
    }
}
