//! Search over JSON: articles (anyone; staff also read internal articles) and past orders (staff;
//! unit users only their own), ranked, with the matching words marked in snippets.

use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::get;
use axum::{Json, Router};
use hotline_app::App;
use hotline_app::search::{ArticleSearchInput, ArticleSearchResult, OrderSearchInput, OrderSearchResult};

use crate::error::{ApiError, Problem};
use crate::extract::{ApiQuery, Auth};

type ApiResult<T> = Result<T, ApiError>;

pub fn router() -> Router<Arc<App>> {
    Router::new().route("/search/articles", get(search_articles)).route("/search/orders", get(search_orders))
}

/// Knowledge-base articles matching the words, best first (BM25; Chinese by words, English
/// stemmed). Without credentials: published articles only.
#[utoipa::path(get, path = "/api/v1/search/articles", tag = "search", params(ArticleSearchInput), security(()),
    responses((status = 200, body = ArticleSearchResult), (status = 422, body = Problem)))]
async fn search_articles(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<ArticleSearchInput>,
) -> ApiResult<Json<ArticleSearchResult>> {
    let who = crate::extract::optional_principal(&app, &headers).await;
    Ok(Json(app.search_articles(who.as_ref(), &q).await?))
}

/// Past orders matching the words in their description, reply or address, best first, with
/// filters. Unit users find only orders their unit handles.
#[utoipa::path(get, path = "/api/v1/search/orders", tag = "search", params(OrderSearchInput),
    responses((status = 200, body = OrderSearchResult), (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn search_orders(
    State(app): State<Arc<App>>,
    Auth(p): Auth,
    ApiQuery(q): ApiQuery<OrderSearchInput>,
) -> ApiResult<Json<OrderSearchResult>> {
    Ok(Json(app.search_orders(&p, &q).await?))
}
