//! Knowledge-base articles: the current version as a JSON document with the columns lists filter
//! on, every version kept, saves guarded by the version the editor started from.

use async_trait::async_trait;
use hotline_domain::kb::ArticleDraft;
use hotline_domain::{Timestamp, UnitId};
use hotline_store::{Result, StoreError, StoredArticle};
use sqlx::any::AnyRow;

use crate::rows::{conflict_or_backend, get, get_time, ms};
use crate::{SqlStore, backend_err};

const SELECT: &str = "select article_id, version, owner_unit_id, updated_at, updated_by, doc from kb_article";

fn article_from_row(row: &AnyRow) -> Result<StoredArticle> {
    let doc: String = get(row, "doc")?;
    Ok(StoredArticle {
        id: get(row, "article_id")?,
        version: get(row, "version")?,
        owner: UnitId(get(row, "owner_unit_id")?),
        article: serde_json::from_str(&doc).map_err(backend_err)?,
        updated_at: get_time(row, "updated_at")?,
        updated_by: get(row, "updated_by")?,
    })
}

#[async_trait]
impl hotline_store::KnowledgeStore for SqlStore {
    async fn save_article(
        &self,
        a: &ArticleDraft,
        owner: UnitId,
        expected_version: Option<i64>,
        by: &str,
        now: Timestamp,
    ) -> Result<StoredArticle> {
        let doc = serde_json::to_string(a).map_err(backend_err)?;
        let review = a.review_by.map(|d| d.to_string());
        let mut tx = self.write.begin().await.map_err(backend_err)?;
        // Insert and update bind the same values in the same order ($1 slug … $7 doc).
        let bind = |sql| {
            sqlx::query(sql)
                .bind(a.slug.as_str())
                .bind(a.status.code())
                .bind(owner.0)
                .bind(review.clone())
                .bind(ms(now))
                .bind(by)
                .bind(doc.as_str())
        };
        let (id, version) = match expected_version {
            None => {
                let insert = "insert into kb_article (slug, version, status, owner_unit_id, review_by, updated_at, updated_by, doc) \
                              values ($1, 1, $2, $3, $4, $5, $6, $7) returning article_id";
                let row = bind(insert).fetch_one(&mut *tx).await.map_err(|e| conflict_or_backend(e, "article slug exists"))?;
                (get::<i64>(&row, "article_id")?, 1)
            }
            Some(v) => {
                let update = "update kb_article set version = version + 1, status = $2, owner_unit_id = $3, review_by = $4, \
                              updated_at = $5, updated_by = $6, doc = $7 where slug = $1 and version = $8 returning article_id, version";
                let row = bind(update)
                    .bind(v)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(|e| conflict_or_backend(e, "invalid owner"))?
                    .ok_or_else(|| StoreError::Conflict("the article was changed by someone else".into()))?;
                (get::<i64>(&row, "article_id")?, get::<i64>(&row, "version")?)
            }
        };
        sqlx::query("insert into kb_article_version (article_id, version, created_at, created_by, doc) values ($1, $2, $3, $4, $5)")
            .bind(id)
            .bind(version)
            .bind(ms(now))
            .bind(by)
            .bind(doc.as_str())
            .execute(&mut *tx)
            .await
            .map_err(backend_err)?;
        tx.commit().await.map_err(backend_err)?;
        Ok(StoredArticle { id, version, owner, article: a.clone(), updated_at: now, updated_by: by.to_owned() })
    }

    async fn get_article(&self, slug: &str) -> Result<Option<StoredArticle>> {
        let row = sqlx::query(&format!("{SELECT} where slug = $1")).bind(slug).fetch_optional(&self.read).await.map_err(backend_err)?;
        row.as_ref().map(article_from_row).transpose()
    }

    async fn list_articles(&self) -> Result<Vec<StoredArticle>> {
        let rows = sqlx::query(&format!("{SELECT} order by slug")).fetch_all(&self.read).await.map_err(backend_err)?;
        rows.iter().map(article_from_row).collect()
    }

    async fn article_revisions(&self) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query("select slug, version from kb_article order by slug").fetch_all(&self.read).await.map_err(backend_err)?;
        rows.iter().map(|r| Ok((get::<String>(r, "slug")?, get::<i64>(r, "version")?))).collect()
    }

    async fn articles_due_for_review(&self, owners: Option<&[UnitId]>, today: chrono::NaiveDate) -> Result<Vec<StoredArticle>> {
        // Review dates are stored as YYYY-MM-DD, which order as text.
        let mut sql = format!("{SELECT} where review_by is not null and review_by < $1");
        if let Some(o) = owners {
            if o.is_empty() {
                return Ok(Vec::new());
            }
            let marks = (2..2 + o.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
            sql.push_str(&format!(" and owner_unit_id in ({marks})"));
        }
        sql.push_str(" order by slug");
        let mut q = sqlx::query(&sql).bind(today.to_string());
        for u in owners.unwrap_or_default() {
            q = q.bind(u.0);
        }
        let rows = q.fetch_all(&self.read).await.map_err(backend_err)?;
        rows.iter().map(article_from_row).collect()
    }

    async fn article_versions(&self, slug: &str) -> Result<Vec<hotline_store::ArticleVersion>> {
        let rows = sqlx::query(
            "select v.version, v.created_at, v.created_by, v.doc from kb_article_version v \
             join kb_article a on a.article_id = v.article_id where a.slug = $1 order by v.version desc",
        )
        .bind(slug)
        .fetch_all(&self.read)
        .await
        .map_err(backend_err)?;
        rows.iter()
            .map(|r| {
                let doc: String = get(r, "doc")?;
                Ok(hotline_store::ArticleVersion {
                    version: get(r, "version")?,
                    created_at: get_time(r, "created_at")?,
                    created_by: get(r, "created_by")?,
                    article: serde_json::from_str(&doc).map_err(backend_err)?,
                })
            })
            .collect()
    }

    async fn article_use_counts(&self) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query(
            "select answer_article, count(*) as uses from work_order where answer_article is not null \
             group by answer_article order by answer_article",
        )
        .fetch_all(&self.read)
        .await
        .map_err(backend_err)?;
        rows.iter().map(|r| Ok((get::<String>(r, "answer_article")?, get::<i64>(r, "uses")?))).collect()
    }
}
