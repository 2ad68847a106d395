//! Reference data: units, the versioned category tree and dispatch catalogue, the versioned deadline policy, and shared settings.

use async_trait::async_trait;
use hotline_domain::{Actor, DeadlinePolicy, Timestamp, Unit, UnitClass};

use crate::Result;

/// A stored version of the deadline policy: in force from `effective_from`, saved at `created_at`.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyVersion {
    pub policy: DeadlinePolicy,
    pub effective_from: Timestamp,
    pub created_at: Timestamp,
    pub created_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUnit {
    pub code: String,
    pub name: String,
    pub class: UnitClass,
    /// Code of the parent unit, which must already exist or come earlier in the same batch.
    pub parent_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    /// Full path code, `TRF/parking`.
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub default_urgency: String,
    /// What belongs there (and what does not), for operators.
    pub description: String,
    /// Words people use for it, for search and triage.
    pub keywords: Vec<String>,
}

/// A reference set kept in versions: every save stores the whole set anew.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReferenceKind {
    /// The category tree (分类目录).
    Categories,
    /// The dispatch catalogue (派单目录).
    DispatchRules,
    /// The assessment's scoring scheme (考评办法), each version in force from a month on.
    ScoringScheme,
}

impl ReferenceKind {
    pub fn code(self) -> &'static str {
        match self {
            Self::Categories => "categories",
            Self::DispatchRules => "dispatch_rules",
            Self::ScoringScheme => "scoring_scheme",
        }
    }
}

/// One stored version of a reference set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceVersion {
    pub kind: ReferenceKind,
    /// 1, 2, 3 … per kind.
    pub version: i64,
    pub created_at: Timestamp,
    pub created_by: String,
    pub note: String,
    /// The whole set in its CSV format.
    pub body: String,
}

/// A new version to store.
#[derive(Debug, Clone, Copy)]
pub struct NewReferenceVersion<'a> {
    pub kind: ReferenceKind,
    /// The version the editor started from (`None` for the first): when another version was saved
    /// meanwhile, the store refuses with `Conflict` rather than silently dropping that edit.
    pub base_version: Option<i64>,
    pub body: &'a str,
    pub note: &'a str,
    pub created_by: &'a str,
    pub now: Timestamp,
    /// For `Categories`: the parsed tree, which replaces the `category` rows in the same transaction.
    pub categories: &'a [Category],
}

/// Reference data: units, the versioned category tree and dispatch catalogue, the versioned deadline policy, and shared settings.
#[async_trait]
pub trait ReferenceStore: Send + Sync {
    /// Inserts units whose code is new and updates name/class/parent of known codes, in one transaction.
    async fn upsert_units(&self, units: &[NewUnit]) -> Result<()>;
    async fn list_units(&self) -> Result<Vec<Unit>>;
    /// The category tree in force (the projection of the newest `Categories` version).
    async fn list_categories(&self) -> Result<Vec<Category>>;
    /// Stores the next version of a reference set (base + 1) and returns it; `Conflict` when the
    /// newest stored version is not `base_version`.
    async fn insert_reference_version(&self, new: &NewReferenceVersion<'_>) -> Result<ReferenceVersion>;
    /// The newest version of a set, if any was ever stored.
    async fn current_reference(&self, kind: ReferenceKind) -> Result<Option<ReferenceVersion>>;
    async fn get_reference_version(&self, kind: ReferenceKind, version: i64) -> Result<Option<ReferenceVersion>>;
    /// Every version of a set, newest first, without bodies (`body` is empty).
    async fn list_reference_versions(&self, kind: ReferenceKind) -> Result<Vec<ReferenceVersion>>;
    /// The newest policy in effect at `now`, if any was ever stored.
    async fn current_policy(&self, now: Timestamp) -> Result<Option<DeadlinePolicy>>;
    /// Stores a new version (the next number, whatever `policy.version` says) and returns it.
    async fn insert_policy(&self, policy: &DeadlinePolicy, from: Timestamp, by: &Actor, now: Timestamp) -> Result<DeadlinePolicy>;
    async fn list_policies(&self) -> Result<Vec<PolicyVersion>>;
    /// The shared value of `key`: `value` is stored when none is yet (the first node to ask wins),
    /// and the stored one returned.
    async fn setting_or_insert(&self, key: &str, value: &str) -> Result<String>;
}
