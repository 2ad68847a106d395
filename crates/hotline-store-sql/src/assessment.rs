//! What the monthly assessment counts: evaluations by main unit, disputes, summons and report-ins.

use async_trait::async_trait;
use hotline_domain::{Timestamp, UnitId};
use hotline_store::{AssessmentStore, Event, Result};

use crate::rows::{EVENT_SELECT, event_from_row, get, ms};
use crate::{SqlStore, backend_err};

#[async_trait]
impl AssessmentStore for SqlStore {
    async fn assessment_counts(&self, from: Timestamp, to: Timestamp) -> Result<Vec<hotline_domain::assessment::UnitCounts>> {
        let rows = sqlx::query(
            "select main_unit_id, count(*) as n, \
                    sum(eval_contacted) as contacted, \
                    sum(case when eval_resolution = 'resolved' then 1 else 0 end) as resolved, \
                    sum(case when eval_resolution = 'partly' then 1 else 0 end) as partly, \
                    sum(case when eval_satisfaction = 'satisfied' then 1 else 0 end) as satisfied, \
                    sum(case when eval_satisfaction = 'basic' then 1 else 0 end) as basic, \
                    assess_exclusion \
             from work_order where evaluated_at >= $1 and evaluated_at < $2 and main_unit_id is not null \
                    and eval_resolution is not null \
             group by main_unit_id, assess_exclusion order by main_unit_id, assess_exclusion",
        )
        .bind(ms(from))
        .bind(ms(to))
        .fetch_all(&self.read)
        .await
        .map_err(backend_err)?;
        let count =
            |r: &sqlx::any::AnyRow, c: &str| -> Result<u64> { Ok(u64::try_from(get::<Option<i64>>(r, c)?.unwrap_or(0)).unwrap_or(0)) };
        rows.iter()
            .map(|r| {
                Ok(hotline_domain::assessment::UnitCounts {
                    unit: UnitId(get(r, "main_unit_id")?),
                    evaluated: count(r, "n")?,
                    contacted: count(r, "contacted")?,
                    resolved: count(r, "resolved")?,
                    partly_resolved: count(r, "partly")?,
                    satisfied: count(r, "satisfied")?,
                    basically_satisfied: count(r, "basic")?,
                    exclusion: get::<Option<String>>(r, "assess_exclusion")?.and_then(|c| hotline_domain::Exclusion::parse(&c).ok()),
                })
            })
            .collect()
    }

    async fn dispute_counts(&self, from: Timestamp, to: Timestamp) -> Result<Vec<(UnitId, u64)>> {
        let rows = sqlx::query(
            "select actor_unit_id, count(*) as n from order_event \
             where kind = 'dispute' and at >= $1 and at < $2 and actor_unit_id is not null \
             group by actor_unit_id order by actor_unit_id",
        )
        .bind(ms(from))
        .bind(ms(to))
        .fetch_all(&self.read)
        .await
        .map_err(backend_err)?;
        rows.iter().map(|r| Ok((UnitId(get(r, "actor_unit_id")?), u64::try_from(get::<i64>(r, "n")?).unwrap_or(0)))).collect()
    }

    async fn events_of_kind(
        &self,
        kind: hotline_domain::ActionKind,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<(hotline_domain::OrderId, Event)>> {
        let rows = sqlx::query(&format!("{EVENT_SELECT} where kind = $1 and at >= $2 and at < $3 order by event_id"))
            .bind(kind.code())
            .bind(ms(from))
            .bind(ms(to))
            .fetch_all(&self.read)
            .await
            .map_err(backend_err)?;
        rows.iter().map(|r| Ok((hotline_domain::OrderId(get(r, "order_id")?), event_from_row(r)?))).collect()
    }
}
