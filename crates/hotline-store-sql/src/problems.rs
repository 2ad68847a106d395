//! 每月一题: adopted problems, one open adoption per theme (a unique index), closed guarded by status.

use async_trait::async_trait;
use hotline_domain::{Timestamp, UnitId, UserId};
use hotline_store::{NewProblem, Problem, Result, StoreError};
use sqlx::any::AnyRow;

use crate::rows::{get, get_opt_time, get_time, ms};
use crate::{SqlStore, backend_err};

const COLUMNS: &str = "problem_id, candidate_key, month, title, district_id, street_id, category, adopted_by, adopted_at, note, \
                       closed_by, closed_at";

fn problem_from_row(row: &AnyRow) -> Result<Problem> {
    Ok(Problem {
        id: get(row, "problem_id")?,
        new: NewProblem {
            candidate_key: get(row, "candidate_key")?,
            month: get(row, "month")?,
            title: get(row, "title")?,
            district: get::<Option<i64>>(row, "district_id")?.map(UnitId),
            street: get::<Option<i64>>(row, "street_id")?.map(UnitId),
            category: get(row, "category")?,
            adopted_by: UserId(get(row, "adopted_by")?),
            adopted_at: get_time(row, "adopted_at")?,
            note: get(row, "note")?,
        },
        closed_by: get::<Option<i64>>(row, "closed_by")?.map(UserId),
        closed_at: get_opt_time(row, "closed_at")?,
    })
}

#[async_trait]
impl hotline_store::ProblemStore for SqlStore {
    async fn adopt_problem(&self, new: &NewProblem) -> Result<Problem> {
        let row = sqlx::query(&format!(
            "insert into adopted_problem (candidate_key, month, title, district_id, street_id, category, adopted_by, adopted_at, note) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning {COLUMNS}"
        ))
        .bind(new.candidate_key.as_str())
        .bind(new.month.as_str())
        .bind(new.title.as_str())
        .bind(new.district.map(|u| u.0))
        .bind(new.street.map(|u| u.0))
        .bind(new.category.as_str())
        .bind(new.adopted_by.0)
        .bind(ms(new.adopted_at))
        .bind(new.note.clone())
        .fetch_one(&self.write)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(format!("{} is adopted and not closed", new.candidate_key))
            }
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                StoreError::InvalidReference(format!("a unit or account of {} does not exist", new.candidate_key))
            }
            _ => backend_err(e),
        })?;
        problem_from_row(&row)
    }

    async fn list_problems(&self, limit: u32) -> Result<Vec<Problem>> {
        let rows = sqlx::query(&format!(
            "select {COLUMNS} from adopted_problem order by case when closed_at is null then 0 else 1 end, adopted_at desc, \
             problem_id desc limit $1"
        ))
        .bind(i64::from(limit.clamp(1, 1000)))
        .fetch_all(&self.read)
        .await
        .map_err(backend_err)?;
        rows.iter().map(problem_from_row).collect()
    }

    async fn get_problem(&self, id: i64) -> Result<Problem> {
        let row = sqlx::query(&format!("select {COLUMNS} from adopted_problem where problem_id = $1"))
            .bind(id)
            .fetch_optional(&self.read)
            .await
            .map_err(backend_err)?
            .ok_or(StoreError::NotFound)?;
        problem_from_row(&row)
    }

    async fn close_problem(&self, id: i64, by: UserId, at: Timestamp) -> Result<Problem> {
        let row = sqlx::query(&format!(
            "update adopted_problem set closed_by = $1, closed_at = $2 where problem_id = $3 and closed_at is null returning {COLUMNS}"
        ))
        .bind(by.0)
        .bind(ms(at))
        .bind(id)
        .fetch_optional(&self.write)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::InvalidReference(format!("no account {by}")),
            _ => backend_err(e),
        })?;
        match row {
            Some(row) => problem_from_row(&row),
            None => match self.get_problem(id).await {
                Ok(_) => Err(StoreError::Conflict(format!("problem {id} is closed already"))),
                Err(e) => Err(e),
            },
        }
    }
}
