//! Knowledge-base use cases: import and save articles (Markdown with front matter), read them by
//! who may (public: everyone; internal: staff; drafts: their owner unit and the centre's editors),
//! list what is past its review date for the owner.
//!
//! Lists filter by category; ranked search over the words is in [`crate::search`].

use chrono::NaiveDate;
use hotline_domain::kb::{ArticleDraft, ArticleStatus, parse_markdown};
use hotline_domain::{Role, UnitId, Vocabulary};
use hotline_store::{StoreError, StoredArticle};
use serde::{Deserialize, Serialize};

use crate::App;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::orders::invalid;
use crate::views::UnitRef;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ArticleView {
    pub slug: String,
    pub version: i64,
    /// `draft`, `internal` or `public`.
    pub status: String,
    pub owner: UnitRef,
    pub categories: Vec<String>,
    pub title_zh: String,
    pub title_en: String,
    /// Markdown.
    pub body_zh: String,
    pub body_en: String,
    pub effective_from: Option<NaiveDate>,
    pub review_by: Option<NaiveDate>,
    /// Past its review date: the owner unit must check it.
    pub needs_review: bool,
    /// Sample content shipped for the demo, not official information.
    pub sample: bool,
    /// How many contacts were answered directly from this article.
    pub uses: i64,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub updated_by: String,
}

/// A save from the API: the article as Markdown with front matter, and the version it was edited
/// from (none for a new article).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ArticleInput {
    pub markdown: String,
    pub base_version: Option<i64>,
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub created: Vec<String>,
    pub updated: Vec<String>,
    pub unchanged: Vec<String>,
}

impl App {
    fn today(&self) -> NaiveDate {
        let offset = self.policy_offset_minutes();
        let tz = chrono::FixedOffset::east_opt(offset * 60).unwrap_or_else(|| chrono::FixedOffset::east_opt(0).expect("zero offset"));
        self.clock.now().with_timezone(&tz).date_naive()
    }

    fn article_view(&self, a: &StoredArticle, uses: &std::collections::HashMap<String, i64>) -> ArticleView {
        let d = &a.article;
        ArticleView {
            uses: uses.get(&d.slug).copied().unwrap_or(0),
            slug: d.slug.clone(),
            version: a.version,
            status: d.status.code().to_owned(),
            owner: UnitRef::of(&self.units(), a.owner),
            categories: d.categories.iter().map(|c| c.as_str().to_owned()).collect(),
            title_zh: d.title_zh.clone(),
            title_en: d.title_en.clone(),
            body_zh: d.body_zh.clone(),
            body_en: d.body_en.clone(),
            effective_from: d.effective_from,
            review_by: d.review_by,
            needs_review: d.needs_review(self.today()),
            sample: d.sample,
            updated_at: a.updated_at,
            updated_by: a.updated_by.clone(),
        }
    }

    /// Whether `who` (none: a citizen) may read the article.
    pub(crate) fn may_read(&self, who: Option<&Principal>, a: &StoredArticle) -> bool {
        match (a.article.status, who) {
            (ArticleStatus::Public, _) => true,
            (_, None) => false,
            // Internal articles are for staff; a client system (Open311) is not staff.
            (ArticleStatus::Internal, Some(p)) => p.role != Role::Open311Client,
            (ArticleStatus::Draft, Some(p)) => self.may_edit(p, a.owner),
        }
    }

    /// The centre's editors (admins, supervisors) edit every article; a unit's users edit their
    /// unit's (a unit admin: also the units below).
    pub fn may_edit_article(&self, who: &Principal, owner: UnitId) -> bool {
        self.may_edit(who, owner)
    }

    /// Whether `who` may write articles at all (the centre's editors and unit users).
    pub fn may_write_articles(&self, who: &Principal) -> bool {
        matches!(who.role, Role::Admin | Role::Supervisor) || (who.role.is_unit_role() && who.unit.is_some())
    }

    /// The article as saved, for its edit page (editors of its owner only).
    pub async fn article_for_edit(&self, who: &Principal, slug: &str) -> AppResult<(ArticleDraft, i64)> {
        match self.knowledge().get_article(slug).await? {
            Some(a) if self.may_edit(who, a.owner) => Ok((a.article, a.version)),
            Some(a) if self.may_read(Some(who), &a) => {
                Err(AppError::forbidden("只能编辑本单位的知识库文章", "You may edit only your unit's articles"))
            }
            _ => Err(AppError::NotFound { what: "article" }),
        }
    }

    /// How many contacts were answered directly from each article (by slug).
    pub async fn article_uses(&self) -> AppResult<std::collections::HashMap<String, i64>> {
        Ok(self.knowledge().article_use_counts().await?.into_iter().collect())
    }

    fn may_edit(&self, who: &Principal, owner: UnitId) -> bool {
        match who.role {
            Role::Admin | Role::Supervisor => true,
            Role::UnitHandler => who.unit == Some(owner),
            Role::UnitAdmin => who.unit.is_some_and(|u| self.units().subtree(u).contains(&owner)),
            _ => false,
        }
    }

    fn owner_of(&self, d: &ArticleDraft) -> AppResult<UnitId> {
        self.units().by_code(&d.owner).map(|u| u.id).ok_or_else(|| {
            invalid("owner", "unknown_unit", format!("负责单位 {} 不存在", d.owner), format!("The owner unit {:?} does not exist", d.owner))
        })
    }

    /// Saves one article from Markdown: new when `base_version` is none, else the next version of
    /// the version the editor started from (409 `stale_version` when someone saved in between).
    pub async fn save_article(&self, who: &Principal, input: &ArticleInput) -> AppResult<ArticleView> {
        self.save_article_draft(who, parse_markdown(&input.markdown)?, input.base_version).await
    }

    /// Saves a checked article (the edit page builds one from its fields): new when `base_version`
    /// is none, else the next version of that version (409 when someone saved in between).
    pub async fn save_article_draft(&self, who: &Principal, draft: ArticleDraft, base_version: Option<i64>) -> AppResult<ArticleView> {
        let draft = draft.validate()?;
        let owner = self.owner_of(&draft)?;
        let current = self.knowledge().get_article(&draft.slug).await?;
        let may = self.may_edit(who, owner) && current.as_ref().is_none_or(|c| self.may_edit(who, c.owner));
        if !may {
            return Err(AppError::forbidden("只能编辑本单位的知识库文章", "You may edit only your unit's articles"));
        }
        let by = format!("{} ({})", who.display_name, who.username);
        let saved = self.knowledge().save_article(&draft, owner, base_version, &by, self.clock.now()).await.map_err(|e| match e {
            StoreError::Conflict(_) => AppError::StaleVersion,
            other => other.into(),
        })?;
        Ok(self.article_view(&saved, &self.article_uses().await?))
    }

    /// Imports a folder's worth of Markdown articles (name, text): every file is checked first and
    /// nothing is saved if one is wrong; an existing slug gets a new version only when it changed.
    pub async fn import_articles(&self, files: &[(String, String)], by: &str) -> AppResult<ImportReport> {
        let mut drafts = Vec::new();
        for (name, text) in files {
            let d =
                parse_markdown(text).map_err(|e| invalid(&e.field, e.code, format!("{name}：{}", e.zh), format!("{name}: {}", e.en)))?;
            let owner = self.owner_of(&d).map_err(|e| {
                invalid("owner", "unknown_unit", format!("{name}：{}", e.messages().0), format!("{name}: {}", e.messages().1))
            })?;
            drafts.push((d, owner));
        }
        let mut report = ImportReport::default();
        for (d, owner) in drafts {
            let current = self.knowledge().get_article(&d.slug).await?;
            match current {
                Some(c) if c.article == d && c.owner == owner => report.unchanged.push(d.slug.clone()),
                Some(c) => {
                    self.knowledge().save_article(&d, owner, Some(c.version), by, self.clock.now()).await?;
                    report.updated.push(d.slug.clone());
                }
                None => {
                    self.knowledge().save_article(&d, owner, None, by, self.clock.now()).await?;
                    report.created.push(d.slug.clone());
                }
            }
        }
        Ok(report)
    }

    /// The articles `who` may read (none: a citizen, public ones only), by slug, optionally those
    /// serving a category (or one above or below it). Ranked search over words: [`App::search_articles`].
    pub async fn articles(&self, who: Option<&Principal>, category: Option<&str>) -> AppResult<Vec<ArticleView>> {
        let category = category.map(str::trim).filter(|c| !c.is_empty());
        let all = self.knowledge().list_articles().await?;
        let uses = self.article_uses().await?;
        Ok(all
            .iter()
            .filter(|a| self.may_read(who, a))
            .filter(|a| {
                category.is_none_or(|c| {
                    a.article
                        .categories
                        .iter()
                        .any(|x| x.as_str() == c || x.as_str().starts_with(&format!("{c}/")) || c.starts_with(&format!("{}/", x.as_str())))
                })
            })
            .map(|a| self.public_view(who, a, &uses))
            .collect())
    }

    /// The view of an article for `who`: a citizen is not told which staff member saved it.
    fn public_view(&self, who: Option<&Principal>, a: &StoredArticle, uses: &std::collections::HashMap<String, i64>) -> ArticleView {
        let mut v = self.article_view(a, uses);
        if who.is_none() {
            v.updated_by.clear();
        }
        v
    }

    /// The article an operator answers a consultation from: it must exist and be released (public
    /// or internal; a draft is not an answer).
    pub(crate) async fn answerable_article(&self, slug: &str) -> AppResult<hotline_domain::kb::ArticleRef> {
        match self.knowledge().get_article(slug).await? {
            Some(a) if a.article.status != ArticleStatus::Draft => {
                Ok(hotline_domain::kb::ArticleRef { slug: a.article.slug, version: a.version, title: a.article.title_zh })
            }
            _ => Err(invalid(
                "article",
                "unknown_article",
                format!("知识库中没有已发布的文章 {slug}"),
                format!("No released knowledge-base article {slug:?}"),
            )),
        }
    }

    /// One article, if `who` may read it (else not found, so drafts cannot be probed).
    pub async fn article(&self, who: Option<&Principal>, slug: &str) -> AppResult<ArticleView> {
        match self.knowledge().get_article(slug).await? {
            Some(a) if self.may_read(who, &a) => Ok(self.public_view(who, &a, &self.article_uses().await?)),
            _ => Err(AppError::NotFound { what: "article" }),
        }
    }

    /// The articles of `who`'s unit (all, for the centre's editors) past their review date.
    pub async fn articles_to_review(&self, who: &Principal) -> AppResult<Vec<ArticleView>> {
        let owners: Option<Vec<UnitId>> = match who.role {
            Role::Admin | Role::Supervisor => None,
            Role::UnitHandler => Some(who.unit.into_iter().collect()),
            Role::UnitAdmin => Some(who.unit.map(|u| self.units().subtree(u)).unwrap_or_default()),
            _ => Some(Vec::new()),
        };
        let due = self.knowledge().articles_due_for_review(owners.as_deref(), self.today()).await?;
        if due.is_empty() {
            return Ok(Vec::new());
        }
        let uses = self.article_uses().await?;
        Ok(due.iter().filter(|a| self.may_edit(who, a.owner)).map(|a| self.article_view(a, &uses)).collect())
    }
}

/// One saved version of an article, for its history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ArticleVersionView {
    pub version: i64,
    pub saved_at: chrono::DateTime<chrono::Utc>,
    pub saved_by: String,
    pub status: String,
    pub title_zh: String,
}

impl App {
    /// The versions of an article, newest first: for staff who may read it (citizens read only
    /// what is published now).
    pub async fn article_history(&self, who: &Principal, slug: &str) -> AppResult<Vec<ArticleVersionView>> {
        match self.knowledge().get_article(slug).await? {
            Some(a) if self.may_read(Some(who), &a) => Ok(self
                .store
                .article_versions(slug)
                .await?
                .into_iter()
                // A version saved as a draft stays for those who may read drafts of it.
                .filter(|v| v.article.status != ArticleStatus::Draft || self.may_edit(who, a.owner))
                .map(|v| ArticleVersionView {
                    version: v.version,
                    saved_at: v.created_at,
                    saved_by: v.created_by,
                    status: v.article.status.code().to_owned(),
                    title_zh: v.article.title_zh,
                })
                .collect()),
            _ => Err(AppError::NotFound { what: "article" }),
        }
    }

    /// An earlier version of an article, as it read then (staff who may read the article).
    pub async fn article_at_version(&self, who: &Principal, slug: &str, version: i64) -> AppResult<ArticleView> {
        let current = match self.knowledge().get_article(slug).await? {
            Some(a) if self.may_read(Some(who), &a) => a,
            _ => return Err(AppError::NotFound { what: "article" }),
        };
        let v = self
            .store
            .article_versions(slug)
            .await?
            .into_iter()
            .find(|v| v.version == version && (v.article.status != ArticleStatus::Draft || self.may_edit(who, current.owner)))
            .ok_or(AppError::NotFound { what: "article version" })?;
        let owner = self.units().by_code(&v.article.owner).map_or(current.owner, |u| u.id);
        let then = StoredArticle {
            id: current.id,
            version: v.version,
            owner,
            article: v.article,
            updated_at: v.created_at,
            updated_by: v.created_by,
        };
        Ok(self.article_view(&then, &self.article_uses().await?))
    }
}

/// The status label for pages.
pub fn status_label(code: &str, zh: bool) -> String {
    ArticleStatus::label_of(code, zh)
}
