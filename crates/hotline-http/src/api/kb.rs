//! The knowledge base over JSON: read articles (citizens: public ones; staff: internal too; drafts
//! for their owners) and save them as Markdown with front matter.

use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::get;
use axum::{Json, Router};
use hotline_app::App;
use hotline_app::kb::{ArticleInput, ArticleVersionView, ArticleView};
use serde::Deserialize;

use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth, optional_principal};

type ApiResult<T> = Result<T, ApiError>;

pub fn router() -> Router<Arc<App>> {
    Router::new()
        .route("/kb/articles", get(list_articles).post(save_article))
        .route("/kb/articles/{slug}", get(get_article))
        .route("/kb/articles/{slug}/versions", get(article_versions))
        .route("/kb/review", get(to_review))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArticleQuery {
    /// Only articles serving this category (or one above or below it). Search by words:
    /// `/api/v1/search/articles`.
    pub category: Option<String>,
}

/// Articles the caller may read (without credentials: public ones only).
#[utoipa::path(get, path = "/api/v1/kb/articles", tag = "kb", params(ArticleQuery), security(()),
    responses((status = 200, body = Vec<ArticleView>)))]
async fn list_articles(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<ArticleQuery>,
) -> ApiResult<Json<Vec<ArticleView>>> {
    let who = optional_principal(&app, &headers).await;
    Ok(Json(app.articles(who.as_ref(), q.category.as_deref()).await?))
}

/// One article (404 when it does not exist or the caller may not read it).
#[utoipa::path(get, path = "/api/v1/kb/articles/{slug}", tag = "kb", params(("slug" = String, Path)), security(()),
    responses((status = 200, body = ArticleView), (status = 404, body = Problem)))]
async fn get_article(State(app): State<Arc<App>>, headers: HeaderMap, ApiPath(slug): ApiPath<String>) -> ApiResult<Json<ArticleView>> {
    let who = optional_principal(&app, &headers).await;
    Ok(Json(app.article(who.as_ref(), &slug).await?))
}

/// The saved versions of an article, newest first (staff who may read it).
#[utoipa::path(get, path = "/api/v1/kb/articles/{slug}/versions", tag = "kb", params(("slug" = String, Path)),
    responses((status = 200, body = Vec<ArticleVersionView>), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn article_versions(
    State(app): State<Arc<App>>,
    Auth(p): Auth,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult<Json<Vec<ArticleVersionView>>> {
    Ok(Json(app.article_history(&p, &slug).await?))
}

/// Saves an article from Markdown (new, or the next version of `base_version`; 409 when stale).
#[utoipa::path(post, path = "/api/v1/kb/articles", tag = "kb", request_body = ArticleInput,
    responses((status = 200, body = ArticleView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn save_article(State(app): State<Arc<App>>, Auth(p): Auth, ApiJson(input): ApiJson<ArticleInput>) -> ApiResult<Json<ArticleView>> {
    Ok(Json(app.save_article(&p, &input).await?))
}

/// The caller's unit's articles past their review date (all of them for the centre's editors).
#[utoipa::path(get, path = "/api/v1/kb/review", tag = "kb", responses((status = 200, body = Vec<ArticleView>), (status = 401, body = Problem)))]
async fn to_review(State(app): State<Arc<App>>, Auth(p): Auth) -> ApiResult<Json<Vec<ArticleView>>> {
    Ok(Json(app.articles_to_review(&p).await?))
}
