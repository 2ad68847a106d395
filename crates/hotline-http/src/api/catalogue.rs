//! The versioned category tree and dispatch catalogue: read them, their versions and the CSV of each
//! version; edit one node or rule, or replace the whole set from CSV (system admins). Every edit
//! names the version it started from (`base_version`) and gets 409 when someone saved in between.

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use hotline_app::catalogue::{Category, CategoryEdit, ReferenceKind, ReferenceVersion, RuleEdit};
use hotline_app::{App, AppError};
use hotline_domain::dispatch::{DispatchCatalogue, DispatchRule};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};

type ApiResult<T> = Result<T, ApiError>;

/// A whole tree or catalogue as CSV can exceed the API's usual body limit (the shipped tree is ~95 KB).
pub const MAX_CSV_BYTES: usize = 4 * 1024 * 1024;

pub fn router() -> Router<Arc<App>> {
    Router::new()
        .route("/categories/tree", put(replace_categories).layer(DefaultBodyLimit::max(MAX_CSV_BYTES)))
        .route("/categories/nodes", axum::routing::post(save_category).delete(remove_category))
        .route("/categories/versions", get(category_versions))
        .route("/categories/versions/{version}", get(category_version_csv))
        .route(
            "/dispatch/rules",
            get(list_rules).post(save_rule).delete(remove_rule).put(replace_rules).layer(DefaultBodyLimit::max(MAX_CSV_BYTES)),
        )
        .route("/dispatch/rules/versions", get(rule_versions))
        .route("/dispatch/rules/versions/{version}", get(rule_version_csv))
}

/// A stored version (without its CSV, which `…/versions/{version}` returns).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VersionOut {
    pub version: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub created_by: String,
    pub note: String,
}

impl From<ReferenceVersion> for VersionOut {
    fn from(v: ReferenceVersion) -> Self {
        Self { version: v.version, created_at: v.created_at, created_by: v.created_by, note: v.note }
    }
}

/// A whole set as CSV, in the shipped format.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CsvInput {
    pub csv: String,
    #[serde(default)]
    pub note: String,
    /// The version the edit started from; `null` only for the very first.
    pub base_version: Option<i64>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CategoryInput {
    /// Full path code: `TRF/parking/illegal`. A new code adds a node under its parent.
    pub code: String,
    pub name_zh: String,
    #[serde(default)]
    pub name_en: String,
    pub default_urgency: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub keywords: Vec<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CategoryEditInput {
    pub category: CategoryInput,
    #[serde(default)]
    pub note: String,
    pub base_version: Option<i64>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RemoveCategoryQuery {
    pub code: String,
    pub base_version: Option<i64>,
    #[serde(default)]
    pub note: String,
}

fn created(v: ReferenceVersion) -> (StatusCode, Json<VersionOut>) {
    (StatusCode::CREATED, Json(v.into()))
}

fn csv_response(v: ReferenceVersion) -> Response {
    let name = format!("attachment; filename=\"{}-v{}.csv\"", v.kind.code(), v.version);
    ([(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, name)], v.body).into_response()
}

/// Replaces the whole category tree with an uploaded CSV (`code,name_zh,name_en,default_urgency,description_zh,keywords`).
#[utoipa::path(put, path = "/api/v1/categories/tree", tag = "reference", request_body = CsvInput,
    responses((status = 201, body = VersionOut), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn replace_categories(
    State(app): State<Arc<App>>,
    Auth(p): Auth,
    ApiJson(input): ApiJson<CsvInput>,
) -> ApiResult<(StatusCode, Json<VersionOut>)> {
    Ok(created(app.save_reference_csv(Some(&p), ReferenceKind::Categories, &input.csv, &input.note, input.base_version).await?))
}

/// Adds a category node or changes one; saves the tree as the next version.
#[utoipa::path(post, path = "/api/v1/categories/nodes", tag = "reference", request_body = CategoryEditInput,
    responses((status = 201, body = VersionOut), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn save_category(
    State(app): State<Arc<App>>,
    Auth(p): Auth,
    ApiJson(input): ApiJson<CategoryEditInput>,
) -> ApiResult<(StatusCode, Json<VersionOut>)> {
    let c = input.category;
    let node = Category {
        code: c.code,
        name_zh: c.name_zh,
        name_en: c.name_en,
        default_urgency: c.default_urgency,
        description: c.description,
        keywords: c.keywords,
    };
    Ok(created(app.edit_category(Some(&p), CategoryEdit::Save(node), &input.note, input.base_version).await?))
}

/// Removes a category node without children (not a first-level one).
#[utoipa::path(delete, path = "/api/v1/categories/nodes", tag = "reference", params(RemoveCategoryQuery),
    responses((status = 201, body = VersionOut), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn remove_category(
    State(app): State<Arc<App>>,
    Auth(p): Auth,
    ApiQuery(q): ApiQuery<RemoveCategoryQuery>,
) -> ApiResult<(StatusCode, Json<VersionOut>)> {
    Ok(created(app.edit_category(Some(&p), CategoryEdit::Remove(q.code), &q.note, q.base_version).await?))
}

/// The category tree's versions, newest (in force) first.
#[utoipa::path(get, path = "/api/v1/categories/versions", tag = "reference", responses((status = 200, body = Vec<VersionOut>), (status = 401, body = Problem)))]
async fn category_versions(State(app): State<Arc<App>>, Auth(p): Auth) -> ApiResult<Json<Vec<VersionOut>>> {
    Ok(Json(app.reference_versions(&p, ReferenceKind::Categories).await?.into_iter().map(Into::into).collect()))
}

/// One version of the category tree as CSV.
#[utoipa::path(get, path = "/api/v1/categories/versions/{version}", tag = "reference", params(("version" = i64, Path)),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = Problem)))]
async fn category_version_csv(State(app): State<Arc<App>>, Auth(p): Auth, ApiPath(version): ApiPath<i64>) -> ApiResult<Response> {
    Ok(csv_response(app.reference_version(&p, ReferenceKind::Categories, version).await?))
}

/// A dispatch rule: for a category prefix (and optionally only in one district), who handles it.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RuleIo {
    /// Category path prefix: `UTL/heating`.
    pub category: String,
    /// District unit code the rule is limited to, or null for everywhere.
    pub district: Option<String>,
    /// `street` (属地), `district`, `district:SUFFIX` (the district's own bureau), or a unit code.
    pub target: String,
    /// Same forms as `target`.
    #[serde(default)]
    pub co_units: Vec<String>,
    /// Deadline class overriding the category's default urgency.
    pub deadline_class: Option<String>,
}

impl RuleIo {
    fn parse(&self) -> Result<DispatchRule, AppError> {
        let co_units = self.co_units.join("|");
        let row = [
            self.category.as_str(),
            self.district.as_deref().unwrap_or_default(),
            self.target.as_str(),
            co_units.as_str(),
            self.deadline_class.as_deref().unwrap_or_default(),
        ];
        let mut c = DispatchCatalogue::from_rows([row])?;
        c.rules.pop().ok_or_else(|| AppError::bug("one row parsed to no rule"))
    }

    fn of(rule: &DispatchRule) -> Self {
        let [category, district, target, co_units, deadline] = rule.to_row();
        Self {
            category,
            district: Some(district).filter(|d| !d.is_empty()),
            target,
            co_units: co_units.split('|').filter(|c| !c.is_empty()).map(str::to_owned).collect(),
            deadline_class: Some(deadline).filter(|d| !d.is_empty()),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RulesOut {
    /// The catalogue version in force (null before any was stored).
    pub version: Option<i64>,
    pub rules: Vec<RuleIo>,
    /// Categories no rule covers.
    pub uncovered: Vec<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RuleEditInput {
    pub rule: RuleIo,
    #[serde(default)]
    pub note: String,
    pub base_version: Option<i64>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RemoveRuleQuery {
    pub category: String,
    /// The district scope of the rule to remove (absent: the city-wide rule).
    pub district: Option<String>,
    pub base_version: Option<i64>,
    #[serde(default)]
    pub note: String,
}

/// The dispatch catalogue in force.
#[utoipa::path(get, path = "/api/v1/dispatch/rules", tag = "reference", responses((status = 200, body = RulesOut), (status = 401, body = Problem)))]
async fn list_rules(State(app): State<Arc<App>>, Auth(_): Auth) -> ApiResult<Json<RulesOut>> {
    Ok(Json(RulesOut {
        version: app.dispatch_version(),
        rules: app.dispatch_catalogue().rules.iter().map(RuleIo::of).collect(),
        uncovered: app.uncovered_categories(),
    }))
}

/// Adds a rule, or replaces the rule with the same category and district; saves the next version.
#[utoipa::path(post, path = "/api/v1/dispatch/rules", tag = "reference", request_body = RuleEditInput,
    responses((status = 201, body = VersionOut), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn save_rule(
    State(app): State<Arc<App>>,
    Auth(p): Auth,
    ApiJson(input): ApiJson<RuleEditInput>,
) -> ApiResult<(StatusCode, Json<VersionOut>)> {
    let rule = input.rule.parse()?;
    Ok(created(app.edit_dispatch_rule(Some(&p), RuleEdit::Save(rule), &input.note, input.base_version).await?))
}

/// Removes the rule for a category and district scope.
#[utoipa::path(delete, path = "/api/v1/dispatch/rules", tag = "reference", params(RemoveRuleQuery),
    responses((status = 201, body = VersionOut), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn remove_rule(
    State(app): State<Arc<App>>,
    Auth(p): Auth,
    ApiQuery(q): ApiQuery<RemoveRuleQuery>,
) -> ApiResult<(StatusCode, Json<VersionOut>)> {
    let edit = RuleEdit::Remove { category: q.category, district: q.district.filter(|d| !d.is_empty()) };
    Ok(created(app.edit_dispatch_rule(Some(&p), edit, &q.note, q.base_version).await?))
}

/// Replaces the whole catalogue with an uploaded CSV (`category,district,target,co_units,deadline_class`).
#[utoipa::path(put, path = "/api/v1/dispatch/rules", tag = "reference", request_body = CsvInput,
    responses((status = 201, body = VersionOut), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn replace_rules(
    State(app): State<Arc<App>>,
    Auth(p): Auth,
    ApiJson(input): ApiJson<CsvInput>,
) -> ApiResult<(StatusCode, Json<VersionOut>)> {
    Ok(created(app.save_reference_csv(Some(&p), ReferenceKind::DispatchRules, &input.csv, &input.note, input.base_version).await?))
}

/// The dispatch catalogue's versions, newest (in force) first.
#[utoipa::path(get, path = "/api/v1/dispatch/rules/versions", tag = "reference", responses((status = 200, body = Vec<VersionOut>), (status = 401, body = Problem)))]
async fn rule_versions(State(app): State<Arc<App>>, Auth(p): Auth) -> ApiResult<Json<Vec<VersionOut>>> {
    Ok(Json(app.reference_versions(&p, ReferenceKind::DispatchRules).await?.into_iter().map(Into::into).collect()))
}

/// One version of the dispatch catalogue as CSV.
#[utoipa::path(get, path = "/api/v1/dispatch/rules/versions/{version}", tag = "reference", params(("version" = i64, Path)),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = Problem)))]
async fn rule_version_csv(State(app): State<Arc<App>>, Auth(p): Auth, ApiPath(version): ApiPath<i64>) -> ApiResult<Response> {
    Ok(csv_response(app.reference_version(&p, ReferenceKind::DispatchRules, version).await?))
}
