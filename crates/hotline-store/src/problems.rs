//! 每月一题 (problem of the month): the chronic problems the centre adopted from a month's
//! candidates, tracked until the centre closes them.

use async_trait::async_trait;
use hotline_domain::{Timestamp, UnitId, UserId};

use crate::Result;

#[derive(Debug, Clone, PartialEq)]
pub struct NewProblem {
    /// The candidate ranking's stable key of the theme (a category in an area).
    pub candidate_key: String,
    /// The month (YYYY-MM) whose ranking it was adopted from.
    pub month: String,
    pub title: String,
    pub district: Option<UnitId>,
    pub street: Option<UnitId>,
    /// Category path.
    pub category: String,
    pub adopted_by: UserId,
    pub adopted_at: Timestamp,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub id: i64,
    pub new: NewProblem,
    pub closed_by: Option<UserId>,
    pub closed_at: Option<Timestamp>,
}

#[async_trait]
pub trait ProblemStore: Send + Sync {
    /// Adopts a theme. `Conflict` when the same key is adopted and not closed, `InvalidReference`
    /// for an unknown unit or account; nothing is written then.
    async fn adopt_problem(&self, new: &NewProblem) -> Result<Problem>;
    /// Open ones first, each part newest adopted first; at most `limit` (1 to 1000).
    async fn list_problems(&self, limit: u32) -> Result<Vec<Problem>>;
    /// `NotFound` when there is none.
    async fn get_problem(&self, id: i64) -> Result<Problem>;
    /// Closes an open problem; `Conflict` when closed already, `NotFound` when there is none.
    async fn close_problem(&self, id: i64, by: UserId, at: Timestamp) -> Result<Problem>;
}
