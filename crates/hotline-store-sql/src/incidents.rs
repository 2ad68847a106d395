//! Incidents: declared (with the move of their alert) in one transaction, edited and closed guarded
//! by their status, and the orders linked to them.

use async_trait::async_trait;
use hotline_domain::{AlertStatus, IncidentStatus, OrderId, Timestamp, UnitId, UserId, WorkOrder};
use hotline_store::{Incident, IncidentEdit, NewIncident, Result, StoreError};
use sqlx::any::AnyRow;

use crate::rows::{ORDER_SELECT, get, get_opt_time, get_time, ms, order_from_row};
use crate::{SqlStore, backend_err};

/// The columns an incident is read back from, with the count of its linked orders.
const SELECT: &str = "select i.incident_id, i.title, i.alert_id, i.district_id, i.street_id, i.category, i.lead_unit_id, i.script, \
                      i.status, i.started_at, i.declared_by, i.declared_at, i.updated_by, i.updated_at, i.closed_at, \
                      (select count(*) from incident_order l where l.incident_id = i.incident_id) as linked from incident i";

fn incident_from_row(row: &AnyRow) -> Result<Incident> {
    let status: String = get(row, "status")?;
    Ok(Incident {
        id: get(row, "incident_id")?,
        title: get(row, "title")?,
        alert: get(row, "alert_id")?,
        district: get::<Option<i64>>(row, "district_id")?.map(UnitId),
        street: get::<Option<i64>>(row, "street_id")?.map(UnitId),
        category: get(row, "category")?,
        lead_unit: UnitId(get(row, "lead_unit_id")?),
        script: get(row, "script")?,
        status: IncidentStatus::parse(&status).map_err(backend_err)?,
        started_at: get_time(row, "started_at")?,
        declared_by: UserId(get(row, "declared_by")?),
        declared_at: get_time(row, "declared_at")?,
        updated_by: UserId(get(row, "updated_by")?),
        updated_at: get_time(row, "updated_at")?,
        closed_at: get_opt_time(row, "closed_at")?,
        linked: get(row, "linked")?,
    })
}

/// A write refused by the schema: a second incident for one alert, or a reference to nothing.
fn write_error(e: sqlx::Error, what: &str) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(format!("{what}: the alert has an incident already")),
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
            StoreError::InvalidReference(format!("{what}: an alert, unit, account or order that does not exist"))
        }
        _ => backend_err(e),
    }
}

impl SqlStore {
    async fn incident_on<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(executor: E, id: i64) -> Result<Option<Incident>> {
        let row =
            sqlx::query(&format!("{SELECT} where i.incident_id = $1")).bind(id).fetch_optional(executor).await.map_err(backend_err)?;
        row.as_ref().map(incident_from_row).transpose()
    }

    /// After a guarded update changed nothing: `NotFound`, or `Conflict` naming the status.
    async fn incident_not_active(&self, id: i64) -> StoreError {
        match Self::incident_on(&self.write, id).await {
            Ok(Some(i)) => StoreError::Conflict(format!("incident {id} is {}", i.status)),
            Ok(None) => StoreError::NotFound,
            Err(e) => e,
        }
    }
}

#[async_trait]
impl hotline_store::IncidentStore for SqlStore {
    async fn declare_incident(&self, new: &NewIncident) -> Result<Incident> {
        let mut tx = self.write.begin().await.map_err(backend_err)?;
        let at = ms(new.declared_at);
        let id: i64 = sqlx::query_scalar(
            "insert into incident (title, alert_id, district_id, street_id, category, lead_unit_id, script, status, started_at, \
             declared_by, declared_at, updated_by, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $10, $11) \
             returning incident_id",
        )
        .bind(new.title.as_str())
        .bind(new.alert)
        .bind(new.district.map(|u| u.0))
        .bind(new.street.map(|u| u.0))
        .bind(new.category.clone())
        .bind(new.lead_unit.0)
        .bind(new.script.as_str())
        .bind(IncidentStatus::Active.code())
        .bind(ms(new.started_at))
        .bind(new.declared_by.0)
        .bind(at)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| write_error(e, "declaring an incident"))?;
        if let Some(alert) = new.alert {
            sqlx::query("update alert set status = $1, acted_by = $2, acted_at = $3, note = $4 where alert_id = $5 and status = $6")
                .bind(AlertStatus::Acknowledged.code())
                .bind(new.declared_by.0)
                .bind(at)
                .bind(format!("突发事件 #{id} / incident #{id}"))
                .bind(alert)
                .bind(AlertStatus::Open.code())
                .execute(&mut *tx)
                .await
                .map_err(backend_err)?;
        }
        let incident = Self::incident_on(&mut *tx, id).await?.ok_or(StoreError::NotFound)?;
        tx.commit().await.map_err(backend_err)?;
        Ok(incident)
    }

    async fn list_incidents(&self, active_only: bool, limit: u32) -> Result<Vec<Incident>> {
        let limit = i64::from(limit.clamp(1, 1000));
        let order = "order by case when i.status = 'active' then 0 else 1 end, i.declared_at desc, i.incident_id desc";
        let sql = if active_only {
            format!("{SELECT} where i.status = $2 {order} limit $1")
        } else {
            format!("{SELECT} where i.status = $2 or i.status <> $2 {order} limit $1")
        };
        let rows = sqlx::query(&sql).bind(limit).bind(IncidentStatus::Active.code()).fetch_all(&self.read).await.map_err(backend_err)?;
        rows.iter().map(incident_from_row).collect()
    }

    async fn get_incident(&self, id: i64) -> Result<Incident> {
        Self::incident_on(&self.read, id).await?.ok_or(StoreError::NotFound)
    }

    async fn incident_of_alert(&self, alert: i64) -> Result<Option<Incident>> {
        let row =
            sqlx::query(&format!("{SELECT} where i.alert_id = $1")).bind(alert).fetch_optional(&self.read).await.map_err(backend_err)?;
        row.as_ref().map(incident_from_row).transpose()
    }

    async fn edit_incident(&self, id: i64, edit: &IncidentEdit, by: UserId, at: Timestamp) -> Result<Incident> {
        let done = sqlx::query(
            "update incident set title = $1, script = $2, lead_unit_id = $3, updated_by = $4, updated_at = $5 \
             where incident_id = $6 and status = $7",
        )
        .bind(edit.title.as_str())
        .bind(edit.script.as_str())
        .bind(edit.lead_unit.0)
        .bind(by.0)
        .bind(ms(at))
        .bind(id)
        .bind(IncidentStatus::Active.code())
        .execute(&self.write)
        .await
        .map_err(|e| write_error(e, "editing an incident"))?;
        if done.rows_affected() == 0 {
            return Err(self.incident_not_active(id).await);
        }
        Self::incident_on(&self.write, id).await?.ok_or(StoreError::NotFound)
    }

    async fn close_incident(&self, id: i64, by: UserId, at: Timestamp) -> Result<Incident> {
        let done = sqlx::query(
            "update incident set status = $1, closed_at = $2, updated_by = $3, updated_at = $2 where incident_id = $4 and status = $5",
        )
        .bind(IncidentStatus::Closed.code())
        .bind(ms(at))
        .bind(by.0)
        .bind(id)
        .bind(IncidentStatus::Active.code())
        .execute(&self.write)
        .await
        .map_err(|e| write_error(e, "closing an incident"))?;
        if done.rows_affected() == 0 {
            return Err(self.incident_not_active(id).await);
        }
        Self::incident_on(&self.write, id).await?.ok_or(StoreError::NotFound)
    }

    async fn link_to_incident(&self, id: i64, orders: &[OrderId], by: Option<UserId>, at: Timestamp) -> Result<u64> {
        let mut tx = self.write.begin().await.map_err(backend_err)?;
        // Read the status inside the transaction that writes the links, so a close meanwhile wins.
        let status: Option<String> = sqlx::query_scalar("select status from incident where incident_id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend_err)?;
        match status.as_deref() {
            None => return Err(StoreError::NotFound),
            Some(s) if s != IncidentStatus::Active.code() => return Err(StoreError::Conflict(format!("incident {id} is {s}"))),
            Some(_) => {}
        }
        let mut linked = 0;
        for order in orders {
            let done = sqlx::query(
                "insert into incident_order (incident_id, order_id, linked_by, linked_at) values ($1, $2, $3, $4) \
                 on conflict (incident_id, order_id) do nothing",
            )
            .bind(id)
            .bind(order.0)
            .bind(by.map(|u| u.0))
            .bind(ms(at))
            .execute(&mut *tx)
            .await
            .map_err(|e| write_error(e, "linking an order to an incident"))?;
            linked += done.rows_affected();
        }
        tx.commit().await.map_err(backend_err)?;
        Ok(linked)
    }

    async fn incident_orders(&self, id: i64, limit: u32) -> Result<Vec<WorkOrder>> {
        let rows = sqlx::query(&format!(
            "{ORDER_SELECT} where order_id in (select order_id from incident_order where incident_id = $1) order by order_id desc limit $2"
        ))
        .bind(id)
        .bind(i64::from(limit.clamp(1, 1000)))
        .fetch_all(&self.read)
        .await
        .map_err(backend_err)?;
        rows.iter().map(order_from_row).collect()
    }

    async fn incidents_of_order(&self, order: OrderId) -> Result<Vec<i64>> {
        sqlx::query_scalar("select incident_id from incident_order where order_id = $1 order by incident_id")
            .bind(order.0)
            .fetch_all(&self.read)
            .await
            .map_err(backend_err)
    }
}
