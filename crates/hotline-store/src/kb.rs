//! The knowledge base: articles with every version kept, and how often each answered a call.

use async_trait::async_trait;
use chrono::NaiveDate;
use hotline_domain::{Timestamp, UnitId};

use crate::Result;

/// A stored knowledge-base article: the draft as saved, its owner unit and version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredArticle {
    pub id: i64,
    /// 1 for the first save, then +1 per save.
    pub version: i64,
    pub owner: UnitId,
    pub article: hotline_domain::kb::ArticleDraft,
    pub updated_at: Timestamp,
    pub updated_by: String,
}

/// One saved version of an article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleVersion {
    pub version: i64,
    pub created_at: Timestamp,
    pub created_by: String,
    pub article: hotline_domain::kb::ArticleDraft,
}

/// The knowledge base: articles with every version kept, and how often each answered a call.
#[async_trait]
pub trait KnowledgeStore: Send + Sync {
    /// Saves an article: a new slug when `expected_version` is `None` (`Conflict` if it exists), else
    /// the next version of that slug if it is still at `expected_version` (`Conflict` otherwise).
    /// Every version is kept.
    async fn save_article(
        &self,
        article: &hotline_domain::kb::ArticleDraft,
        owner: UnitId,
        expected_version: Option<i64>,
        by: &str,
        now: Timestamp,
    ) -> Result<StoredArticle>;
    async fn get_article(&self, slug: &str) -> Result<Option<StoredArticle>>;
    /// Every article, current versions, by slug.
    async fn list_articles(&self) -> Result<Vec<StoredArticle>>;
    /// The slug and current version of every article, by slug: whether anything changed, without
    /// reading the articles.
    async fn article_revisions(&self) -> Result<Vec<(String, i64)>>;
    /// Articles whose review date is before `today`, of these owner units (`None`: any), by slug.
    async fn articles_due_for_review(&self, owners: Option<&[UnitId]>, today: NaiveDate) -> Result<Vec<StoredArticle>>;
    /// Every saved version of an article, newest first (empty for an unknown slug).
    async fn article_versions(&self, slug: &str) -> Result<Vec<ArticleVersion>>;
    /// How many orders were answered directly from each article (by slug).
    async fn article_use_counts(&self) -> Result<Vec<(String, i64)>>;
}
