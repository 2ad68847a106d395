//! The JSON API under `/api/v1`. Handlers are thin: extract, call one use case, map the result.
//! Each carries its OpenAPI description; `openapi()` assembles the document CI checks for drift.

pub mod alerts;
pub mod analytics;
pub mod catalogue;
pub mod handling;
pub mod incidents;
pub mod kb;
pub mod problems;
pub mod search;

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use hotline_app::auth::ApiTokenInfo;
use hotline_app::orders::{Command, CreateOrderInput, ListInput, OrderDetail, OrderList, PublicRequestInput};
use hotline_app::reference::DispatchSuggestion;
use hotline_app::views::{OrderView, PublicOrderView, RequesterView};
use hotline_app::{App, AppError, NewUserInput, Principal};
use hotline_domain::DeadlinePolicy;
use serde::{Deserialize, Serialize};
use utoipa::OpenApi;

use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth, Client, SESSION_COOKIE};

type ApiResult<T> = Result<T, ApiError>;

pub fn router() -> Router<Arc<App>> {
    Router::new()
        .route("/auth/login", post(login))
        .route("/auth/logout", post(logout))
        .route("/me", get(me))
        .route("/tokens", get(list_tokens).post(create_token))
        .route("/tokens/{id}", delete(revoke_token))
        .route("/users", get(list_users).post(create_user))
        .route("/units", get(list_units))
        .route("/categories", get(list_categories))
        .route("/places/resolve", get(resolve_place))
        .route("/dispatch/suggest", get(suggest_dispatch))
        .route("/triage", post(triage))
        .route("/notifications", get(list_notifications))
        .route("/assessment", get(assessment))
        .route("/assessment.csv", get(assessment_csv))
        .route("/notifications/{id}/read", post(read_notification))
        .route("/deadline-policies", get(list_policies).post(create_policy))
        .route("/orders", get(list_orders).post(create_order))
        .route("/orders/counts", get(order_counts))
        .route("/orders/{number}", get(get_order))
        .route("/orders/{number}/actions", post(act_on_order))
        .route("/orders/{number}/reveal-contact", post(reveal_contact))
        .route("/public/requests", post(submit_public_request))
        .route("/public/track", post(track_public))
        .route("/openapi.json", get(openapi_json))
        .merge(alerts::router())
        .merge(incidents::router())
        .merge(problems::router())
        .merge(analytics::router())
        .merge(catalogue::router())
        .merge(handling::router())
        .merge(kb::router())
        .merge(search::router())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LoginInput {
    pub username: String,
    pub password: String,
}

/// The `Set-Cookie` for a session: HttpOnly, SameSite=Strict, the whole site, and `Secure` when the
/// deployment says it is served over HTTPS (`secure_cookies`).
pub fn session_cookie(app: &App, session: &hotline_app::Session) -> HeaderValue {
    let secure = if app.config.secure_cookies { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{secure}",
        session.token, session.max_age_secs
    ))
    .unwrap_or(HeaderValue::from_static(""))
}

pub fn clear_session_cookie() -> HeaderValue {
    HeaderValue::from_str(&format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"))
        .unwrap_or(HeaderValue::from_static(""))
}

/// Password login. Sets the session cookie and returns the user.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", security(()), request_body = LoginInput,
    responses((status = 200, body = Principal), (status = 401, body = Problem), (status = 400, body = Problem),
        (status = 429, description = "Paused after failed logins; `Retry-After` says how long", body = Problem),
        (status = 503, description = "Password checks saturated; retry shortly", body = Problem)))]
async fn login(State(app): State<Arc<App>>, Client(client): Client, ApiJson(input): ApiJson<LoginInput>) -> ApiResult<Response> {
    let session = app.login_from(&input.username, &input.password, client).await?;
    let mut res = Json(&session.principal).into_response();
    res.headers_mut().insert(header::SET_COOKIE, session_cookie(&app, &session));
    Ok(res)
}

/// Ends the current session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(()), responses((status = 204)))]
async fn logout(State(app): State<Arc<App>>, headers: HeaderMap) -> ApiResult<Response> {
    if let Some(token) = crate::extract::cookie(&headers, SESSION_COOKIE) {
        app.logout(token).await?;
    }
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, clear_session_cookie())]).into_response())
}

/// The authenticated user.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", responses((status = 200, body = Principal), (status = 401, body = Problem)))]
async fn me(Auth(p): Auth) -> Json<Principal> {
    Json(p)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TokenInput {
    pub name: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenOutput {
    /// Shown once; send it as `Authorization: Bearer <token>`.
    pub token: String,
}

/// Issues an API token acting as the caller.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "auth", request_body = TokenInput,
    responses((status = 201, body = TokenOutput), (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn create_token(
    State(app): State<Arc<App>>,
    Auth(p): Auth,
    ApiJson(input): ApiJson<TokenInput>,
) -> ApiResult<(StatusCode, Json<TokenOutput>)> {
    let token = app.create_api_token(&p, &input.name).await?;
    Ok((StatusCode::CREATED, Json(TokenOutput { token })))
}

/// The caller's API tokens (ids and names, never the secrets).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "auth", responses((status = 200, body = Vec<ApiTokenInfo>), (status = 401, body = Problem)))]
async fn list_tokens(State(app): State<Arc<App>>, Auth(p): Auth) -> ApiResult<Json<Vec<ApiTokenInfo>>> {
    Ok(Json(app.list_api_tokens(&p).await?))
}

/// Revokes one of the caller's API tokens.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "auth", params(("id" = String, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn revoke_token(State(app): State<Arc<App>>, Auth(p): Auth, ApiPath(id): ApiPath<String>) -> ApiResult<StatusCode> {
    app.revoke_api_token(&p, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// All staff accounts (system admins only).
#[utoipa::path(get, path = "/api/v1/users", tag = "admin", responses((status = 200, body = Vec<Principal>), (status = 403, body = Problem)))]
async fn list_users(State(app): State<Arc<App>>, Auth(p): Auth) -> ApiResult<Json<Vec<Principal>>> {
    Ok(Json(app.users(&p).await?))
}

/// Creates a staff account (system admins only).
#[utoipa::path(post, path = "/api/v1/users", tag = "admin", request_body = NewUserInput,
    responses((status = 201, body = Principal), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn create_user(
    State(app): State<Arc<App>>,
    Auth(p): Auth,
    ApiJson(input): ApiJson<NewUserInput>,
) -> ApiResult<(StatusCode, Json<Principal>)> {
    Ok((StatusCode::CREATED, Json(app.create_user(Some(&p), &input).await?)))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UnitOut {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub class: String,
    pub parent: Option<i64>,
}

/// The unit tree, flat, parents before children.
#[utoipa::path(get, path = "/api/v1/units", tag = "reference", responses((status = 200, body = Vec<UnitOut>), (status = 401, body = Problem)))]
async fn list_units(State(app): State<Arc<App>>, Auth(_): Auth) -> Json<Vec<UnitOut>> {
    let units = app.units();
    Json(
        units
            .all()
            .iter()
            .map(|u| UnitOut {
                id: u.id.0,
                code: u.code.clone(),
                name: u.name.clone(),
                class: u.class.code().into(),
                parent: u.parent.map(|p| p.0),
            })
            .collect(),
    )
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CategoryOut {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub default_urgency: String,
    pub description: String,
    pub keywords: Vec<String>,
}

/// The category tree, by path code.
#[utoipa::path(get, path = "/api/v1/categories", tag = "reference", responses((status = 200, body = Vec<CategoryOut>), (status = 401, body = Problem)))]
async fn list_categories(State(app): State<Arc<App>>, Auth(_): Auth) -> ApiResult<Json<Vec<CategoryOut>>> {
    let cats = app.categories();
    Ok(Json(
        cats.iter()
            .cloned()
            .map(|c| CategoryOut {
                code: c.code,
                name_zh: c.name_zh,
                name_en: c.name_en,
                default_urgency: c.default_urgency,
                description: c.description,
                keywords: c.keywords,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlaceQuery {
    /// An address or the whole request text.
    pub text: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PlaceRefOut {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = ResolvedPlace)]
pub struct PlaceOut {
    pub district: Option<PlaceRefOut>,
    pub street: Option<PlaceRefOut>,
    pub community: Option<PlaceRefOut>,
    /// 0–1.
    pub confidence: f32,
    /// Character range (not bytes) of the most specific mention in `text`.
    pub span: Option<[usize; 2]>,
    /// Places a shared name fits when the text does not tell which.
    pub ambiguous: Vec<PlaceRefOut>,
}

/// Which community, street and district a text names, from the unit gazetteer; shared names the
/// text does not disambiguate come back as `ambiguous`.
#[utoipa::path(get, path = "/api/v1/places/resolve", tag = "reference", params(PlaceQuery),
    responses((status = 200, body = PlaceOut), (status = 400, body = Problem), (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn resolve_place(State(app): State<Arc<App>>, Auth(_): Auth, ApiQuery(q): ApiQuery<PlaceQuery>) -> ApiResult<Json<PlaceOut>> {
    let text = hotline_domain::text::bounded("text", &q.text, 1, hotline_domain::MAX_DESCRIPTION_CHARS).map_err(AppError::from)?;
    let place = app.units().resolve_place(&text).ok_or_else(|| AppError::bug("no gazetteer"))?;
    let r = |p: Option<hotline_places::PlaceRef>| p.map(|p| PlaceRefOut { id: p.id.0, name: p.name });
    let chars = |byte: usize| text[..byte].chars().count();
    Ok(Json(PlaceOut {
        district: r(place.district),
        street: r(place.street),
        community: r(place.community),
        confidence: place.confidence,
        span: place.span.map(|(s, e)| [chars(s), chars(e)]),
        ambiguous: place.ambiguous.into_iter().map(|p| PlaceRefOut { id: p.id.0, name: p.name }).collect(),
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestQuery {
    /// Category path code, e.g. `UTL/heating/not_warm`.
    pub category: String,
    /// District unit id of the place.
    pub district: Option<i64>,
    /// Street/township unit id of the place.
    pub street: Option<i64>,
}

/// Who the dispatch catalogue says should handle a category at a place; 404 when no rule applies.
#[utoipa::path(get, path = "/api/v1/dispatch/suggest", tag = "reference", params(SuggestQuery),
    responses((status = 200, body = DispatchSuggestion), (status = 400, body = Problem), (status = 401, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn suggest_dispatch(
    State(app): State<Arc<App>>,
    Auth(_): Auth,
    ApiQuery(q): ApiQuery<SuggestQuery>,
) -> ApiResult<Json<DispatchSuggestion>> {
    let category = hotline_domain::CategoryPath::parse(&q.category).map_err(AppError::from)?;
    let suggestion = app.suggest_dispatch(category.as_str(), q.district.map(hotline_domain::UnitId), q.street.map(hotline_domain::UnitId));
    Ok(Json(suggestion.ok_or(AppError::NotFound { what: "dispatch rule" })?))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PolicyOut {
    /// The policy: `version`, `utc_offset_minutes`, `classes` (urgency → dispatch / first_contact /
    /// reply, each `{amount, unit}` with unit `minutes|hours|calendar_days|working_days`), `calendar`.
    #[schema(value_type = Object)]
    pub policy: serde_json::Value,
    pub effective_from: chrono::DateTime<chrono::Utc>,
}

/// Every version of the deadline policy, oldest first.
#[utoipa::path(get, path = "/api/v1/deadline-policies", tag = "admin", responses((status = 200, body = Vec<PolicyOut>), (status = 401, body = Problem)))]
async fn list_policies(State(app): State<Arc<App>>, Auth(who): Auth) -> ApiResult<Json<Vec<PolicyOut>>> {
    let ps = app.policy_versions(&who).await?;
    Ok(Json(
        ps.into_iter()
            .map(|v| PolicyOut { policy: serde_json::to_value(v.policy).unwrap_or_default(), effective_from: v.effective_from })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonthQuery {
    /// `YYYY-MM`.
    pub month: String,
}

/// The month's assessment: response, resolution and satisfaction rates per unit, scored and ranked
/// within each unit class, with last month's rank.
#[utoipa::path(get, path = "/api/v1/assessment", tag = "assessment", params(MonthQuery),
    responses((status = 200, body = hotline_app::assessment::Assessment), (status = 422, body = Problem)))]
async fn assessment(
    State(app): State<Arc<App>>,
    Auth(p): Auth,
    ApiQuery(q): ApiQuery<MonthQuery>,
) -> ApiResult<Json<hotline_app::assessment::Assessment>> {
    Ok(Json(app.assess(Some(&p), &q.month).await?))
}

/// The same as CSV.
#[utoipa::path(get, path = "/api/v1/assessment.csv", tag = "assessment", params(MonthQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 422, body = Problem)))]
async fn assessment_csv(State(app): State<Arc<App>>, Auth(p): Auth, ApiQuery(q): ApiQuery<MonthQuery>) -> ApiResult<Response> {
    let a = app.assess(Some(&p), &q.month).await?;
    let name = format!("attachment; filename=\"assessment-{}.csv\"", a.month);
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, name)],
        hotline_app::assessment::assessment_csv(&a),
    )
        .into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// Only unread ones.
    #[serde(default)]
    pub unread: bool,
    /// At most this many (default 50, at most 200).
    #[param(value_type = Option<u64>, maximum = 4294967295_u64)]
    pub limit: Option<u32>,
}

/// The caller's deadline notifications (a unit user: their unit's; centre staff: the centre's),
/// newest first.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "orders", params(NotificationQuery),
    responses((status = 200, body = Vec<hotline_app::scheduler::NotificationView>), (status = 401, body = Problem)))]
async fn list_notifications(
    State(app): State<Arc<App>>,
    Auth(p): Auth,
    ApiQuery(q): ApiQuery<NotificationQuery>,
) -> ApiResult<Json<Vec<hotline_app::scheduler::NotificationView>>> {
    Ok(Json(app.notifications(&p, q.unread, q.limit.unwrap_or(50)).await?))
}

/// Marks one of the caller's notifications read.
#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", tag = "orders", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = Problem)))]
async fn read_notification(State(app): State<Arc<App>>, Auth(p): Auth, ApiPath(id): ApiPath<i64>) -> ApiResult<StatusCode> {
    app.mark_notification_read(&p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = TriageRequest)]
pub struct TriageInput {
    /// What the caller says (up to 4,000 characters).
    pub text: String,
}

/// Triage suggestions for a request's text: nature, category, urgency and disposition (each with
/// its top three and calibrated probabilities), the place, the unit from the dispatch catalogue and
/// likely duplicates among open orders. The same answers as `hotline triage`. Centre staff only.
#[utoipa::path(post, path = "/api/v1/triage", tag = "orders", request_body = TriageInput,
    responses((status = 200, body = hotline_app::triage::TriageOut), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn triage(
    State(app): State<Arc<App>>,
    Auth(p): Auth,
    ApiJson(input): ApiJson<TriageInput>,
) -> ApiResult<Json<hotline_app::triage::TriageOut>> {
    Ok(Json(app.triage(Some(&p), &input.text, None, None).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PolicyInput {
    #[schema(value_type = Object)]
    pub policy: serde_json::Value,
    pub effective_from: Option<chrono::DateTime<chrono::Utc>>,
}

/// Stores a new version of the deadline policy (admins and supervisors). Orders keep the version
/// they were dispatched under.
#[utoipa::path(post, path = "/api/v1/deadline-policies", tag = "admin", request_body = PolicyInput,
    responses((status = 201, body = PolicyOut), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn create_policy(
    State(app): State<Arc<App>>,
    Auth(p): Auth,
    ApiJson(input): ApiJson<PolicyInput>,
) -> ApiResult<(StatusCode, Json<PolicyOut>)> {
    let mut raw = input.policy;
    if let Some(obj) = raw.as_object_mut() {
        obj.entry("version").or_insert(serde_json::json!(0));
    }
    let policy: DeadlinePolicy = serde_json::from_value(raw)
        .map_err(|e| ApiError::BadBody { zh: format!("时限配置格式错误：{e}"), en: format!("Malformed deadline policy: {e}") })?;
    let stored = app.set_policy(&p, policy, input.effective_from).await?;
    let effective_from = input.effective_from.unwrap_or_else(|| app.clock.now());
    Ok((StatusCode::CREATED, Json(PolicyOut { policy: serde_json::to_value(stored).unwrap_or_default(), effective_from })))
}

/// Creates an order, optionally triaged and disposed of in the same call. Send an `Idempotency-Key`
/// header: a retry with the same key returns the first order (200) instead of creating another.
#[utoipa::path(post, path = "/api/v1/orders", tag = "orders", request_body = CreateOrderInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 201, body = OrderView), (status = 200, description = "Replayed: the order this key created", body = OrderView),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 413, body = Problem),
        (status = 422, body = Problem)))]
async fn create_order(
    State(app): State<Arc<App>>,
    Auth(p): Auth,
    headers: HeaderMap,
    ApiJson(input): ApiJson<CreateOrderInput>,
) -> ApiResult<Response> {
    let key = headers.get("idempotency-key").map(|v| v.to_str().unwrap_or("\u{0}"));
    let (view, replayed) = app.create_order(&p, &input, key).await?;
    let status = if replayed { StatusCode::OK } else { StatusCode::CREATED };
    let location = HeaderValue::from_str(&format!("/api/v1/orders/{}", view.number)).unwrap_or(HeaderValue::from_static("/"));
    Ok((status, [(header::LOCATION, location)], Json(view)).into_response())
}

/// Orders the caller may see, newest first. Unit users see only their unit's orders.
#[utoipa::path(get, path = "/api/v1/orders", tag = "orders", params(ListInput),
    responses((status = 200, body = OrderList), (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn list_orders(State(app): State<Arc<App>>, Auth(p): Auth, ApiQuery(q): ApiQuery<ListInput>) -> ApiResult<Json<OrderList>> {
    Ok(Json(app.list_orders(&p, &q).await?))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StateCountOut {
    pub state: String,
    pub count: i64,
}

/// Order counts per state among the orders the caller may see.
#[utoipa::path(get, path = "/api/v1/orders/counts", tag = "orders", responses((status = 200, body = Vec<StateCountOut>), (status = 401, body = Problem)))]
async fn order_counts(State(app): State<Arc<App>>, Auth(p): Auth) -> ApiResult<Json<Vec<StateCountOut>>> {
    let counts = app.state_counts(&p).await?;
    Ok(Json(counts.into_iter().map(|(s, count)| StateCountOut { state: s.code().into(), count }).collect()))
}

/// One order with its full timeline.
#[utoipa::path(get, path = "/api/v1/orders/{number}", tag = "orders", params(("number" = String, Path)),
    responses((status = 200, body = OrderDetail), (status = 401, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn get_order(State(app): State<Arc<App>>, Auth(p): Auth, ApiPath(number): ApiPath<String>) -> ApiResult<Json<OrderDetail>> {
    Ok(Json(app.order_detail(&p, &number).await?))
}

/// Applies one action (sign, contact, reply, dispute, arbitrate…). Send `If-Match: <version>` to
/// refuse the action if the order changed since you read it. Two concurrent actions: one wins, the
/// other gets 409.
#[utoipa::path(post, path = "/api/v1/orders/{number}/actions", tag = "orders", request_body = Command,
    params(("number" = String, Path), ("If-Match" = Option<String>, Header, description = "The version the caller read")),
    responses((status = 200, body = OrderView), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn act_on_order(
    State(app): State<Arc<App>>,
    Auth(p): Auth,
    ApiPath(number): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(cmd): ApiJson<Command>,
) -> ApiResult<Json<OrderView>> {
    let expected = match headers.get(header::IF_MATCH) {
        None => None,
        Some(v) => Some(v.to_str().ok().map(|s| s.trim().trim_matches('"')).and_then(|s| s.parse::<i64>().ok()).ok_or_else(|| {
            ApiError::BadBody { zh: "If-Match 须为工单版本号".into(), en: "If-Match must be the order version".into() }
        })?),
    };
    Ok(Json(app.act(&p, &number, &cmd, expected).await?))
}

/// Shows a unit user the requester's name and phone. Every reveal is logged on the timeline.
#[utoipa::path(post, path = "/api/v1/orders/{number}/reveal-contact", tag = "orders", params(("number" = String, Path)),
    responses((status = 200, body = RequesterView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn reveal_contact(State(app): State<Arc<App>>, Auth(p): Auth, ApiPath(number): ApiPath<String>) -> ApiResult<Json<RequesterView>> {
    Ok(Json(app.reveal_contact(&p, &number).await?))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PublicReceipt {
    /// Keep it: with your phone number it lets you track the request.
    pub number: String,
}

/// A citizen submits a request (no account needed).
#[utoipa::path(post, path = "/api/v1/public/requests", tag = "public", security(()), request_body = PublicRequestInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 201, body = PublicReceipt), (status = 400, body = Problem), (status = 422, body = Problem)))]
async fn submit_public_request(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<PublicRequestInput>,
) -> ApiResult<(StatusCode, Json<PublicReceipt>)> {
    let key = headers.get("idempotency-key").map(|v| v.to_str().unwrap_or("\u{0}"));
    let number = app.submit_public(&input, key).await?;
    Ok((StatusCode::CREATED, Json(PublicReceipt { number })))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TrackInput {
    pub number: String,
    pub phone: String,
}

/// A citizen tracks a request by its number and the phone it was filed with.
#[utoipa::path(post, path = "/api/v1/public/track", tag = "public", security(()), request_body = TrackInput,
    responses((status = 200, body = PublicOrderView), (status = 404, body = Problem), (status = 422, body = Problem),
        (status = 429, description = "Paused after failed attempts from this client; `Retry-After` says how long", body = Problem)))]
async fn track_public(
    State(app): State<Arc<App>>,
    Client(client): Client,
    ApiJson(input): ApiJson<TrackInput>,
) -> ApiResult<Json<PublicOrderView>> {
    Ok(Json(app.track_public_from(&input.number, &input.phone, client).await?))
}

async fn openapi_json() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], openapi_document())
}

struct SecurityAddon;

impl utoipa::Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
        components.add_security_scheme("session", SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(SESSION_COOKIE))));
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Hotline API", description = "Citizen service hotline (12345 / 接诉即办) work-order platform. Errors are application/problem+json with a stable `code`."),
    paths(login, logout, me, create_token, list_tokens, revoke_token, list_users, create_user, list_units, list_categories, resolve_place, suggest_dispatch, triage, list_notifications, read_notification, assessment, assessment_csv, list_policies, create_policy,
        create_order, list_orders, order_counts, get_order, act_on_order, reveal_contact, submit_public_request, track_public,
        catalogue::replace_categories, catalogue::save_category, catalogue::remove_category, catalogue::category_versions,
        catalogue::category_version_csv, catalogue::list_rules, catalogue::save_rule, catalogue::remove_rule, catalogue::replace_rules,
        catalogue::rule_versions, catalogue::rule_version_csv, handling::callback_queue, handling::rating, handling::rate,
        handling::list_schemes, handling::save_scheme, kb::list_articles, kb::get_article, kb::article_versions, kb::save_article, kb::to_review,
        search::search_articles, search::search_orders, analytics::query, analytics::ask, analytics::forecast, analytics::candidates, alerts::list_alerts, alerts::get_alert,
        alerts::act_on_alert,
        incidents::list_incidents, incidents::declare_incident, incidents::get_incident, incidents::edit_incident,
        incidents::close_incident, incidents::bulk_action, problems::list_problems, problems::adopt_problem, problems::get_problem,
        problems::close_problem),
    modifiers(&SecurityAddon),
    security(("bearer" = []), ("session" = [])),
)]
pub struct ApiDoc;

/// The OpenAPI document as pretty JSON, byte-for-byte what `hotline openapi` prints and
/// `docs/openapi.json` holds.
pub fn openapi_document() -> String {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    let Ok(mut value) = serde_json::to_value(&doc) else { return String::new() };
    document_common_errors(&mut value);
    serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
}

/// Adds to every operation the failures the shared layers can give it, so that the document
/// states every status a client can meet (the handlers' annotations name their own):
/// - 400 (`malformed_body`, `malformed_query`, `malformed_path`) and 422 (`validation`) wherever
///   there is input;
/// - 413 (`payload_too_large`) wherever there is a body;
/// - 404 wherever the path names a record;
/// - 401 and 403 wherever credentials are required;
///
/// and says that every 4xx and 5xx body is `application/problem+json`.
fn document_common_errors(doc: &mut serde_json::Value) {
    use serde_json::{Value, json};
    let problem = |description: &str| json!({ "description": description, "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } } });
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
    for item in paths.values_mut().filter_map(Value::as_object_mut) {
        for op in item.values_mut().filter_map(Value::as_object_mut) {
            let has_body = op.contains_key("requestBody");
            let params = op.get("parameters").and_then(Value::as_array).cloned().unwrap_or_default();
            let in_path = params.iter().any(|p| p["in"] == "path");
            // `security: [{}]` marks a public operation; none means the document's default (credentials).
            let public = op
                .get("security")
                .and_then(Value::as_array)
                .is_some_and(|s| s.iter().any(|r| r.as_object().is_some_and(serde_json::Map::is_empty)));
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else { continue };
            let mut add = |status: &str, description: &str| {
                responses.entry(status.to_owned()).or_insert_with(|| problem(description));
            };
            if has_body || !params.is_empty() {
                add("400", "Malformed body, query or path (`malformed_body`, `malformed_query`, `malformed_path`)");
                add("422", "Invalid input (the `code` and `field` say which)");
            }
            if has_body {
                add("413", "The body is too large (`payload_too_large`)");
            }
            if in_path {
                add("404", "No such record, or one the caller may not see (`not_found`)");
            }
            if !public {
                add("401", "No or bad credentials (`unauthenticated`)");
                add("403", "The caller's role may not do this (`forbidden`)");
            }
            for (status, response) in responses.iter_mut() {
                if !(status.starts_with('4') || status.starts_with('5')) {
                    continue;
                }
                if let Some(content) = response.get_mut("content").and_then(Value::as_object_mut)
                    && let Some(body) = content.remove("application/json")
                {
                    content.insert("application/problem+json".to_owned(), body);
                }
            }
        }
    }
}
