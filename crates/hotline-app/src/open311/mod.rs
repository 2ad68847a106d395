//! Open311 GeoReport v2 (peers.md §1): services are the category tree's leaves (code `TRF.illegal_parking`
//! for the path `TRF/illegal_parking`, group = the first level), service definitions come from the
//! shipped `data/open311_services.json`, requests are work orders. A request that arrives here is
//! received like any other (channel `open311`) and goes through the same triage, dispatch and
//! handling. What is published never carries the requester's personal data.
//!
//! The HTTP layer renders these values as XML or JSON; errors carry the HTTP status the spec asks
//! for (404 not found, 403 bad api_key or a role that may not write, 409 an update_id reused for
//! another update, 400 anything else), a machine-readable code and a description in Chinese and
//! English.
//!
//! Writes (POST requests, POST servicerequestupdates) take an API token (never a session) of an
//! account whose role may write over Open311 (`Role::writes_open311`: a client system, or the
//! centre's operators and supervisors). A client system's requests are filed as its own, and it
//! sees (and updates) only those.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration};
use hotline_domain::event::ExternalUpdated;
use hotline_domain::{ActionKind, Actor, Channel, EventPayload, OrderNumber, State, Submission, Timestamp, WorkOrder};
use hotline_store::{CredentialKind, OrderQuery, UpdateRecord};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::App;
use crate::auth::{Principal, token_hash};
use crate::error::AppError;
use crate::orders::{AttachmentInput, CreateOrderInput, LocationInput, RequesterInput};

pub mod datetime;
pub mod feed;

pub use feed::NoteLanguage;

/// An Open311 error: the HTTP status (also the body's `code`, as the spec has it), a stable
/// machine-readable code, and a description in Chinese and English (`中文 / English`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Open311Error {
    pub status: u16,
    pub code: &'static str,
    pub description: String,
}

impl Open311Error {
    pub fn new(status: u16, code: &'static str, zh: &str, en: &str) -> Self {
        Self { status, code, description: format!("{zh} / {en}") }
    }
    pub fn bad(code: &'static str, zh: &str, en: &str) -> Self {
        Self::new(400, code, zh, en)
    }
    fn not_found(zh: &str, en: &str) -> Self {
        Self::new(404, "not_found", zh, en)
    }
    fn forbidden(code: &'static str, zh: &str, en: &str) -> Self {
        Self::new(403, code, zh, en)
    }
    /// A parameter the call needs is missing.
    fn missing(key: &str) -> Self {
        Self::bad("missing_parameter", &format!("缺少参数 {key}"), &format!("{key} is required"))
    }
    /// The same answer for a request that does not exist and one the caller may not see.
    fn no_request(id: &str) -> Self {
        Self::not_found(&format!("未找到诉求 {id}"), &format!("service_request_id {id} not found"))
    }
}

impl From<AppError> for Open311Error {
    fn from(e: AppError) -> Self {
        let (zh, en) = e.messages();
        match e {
            AppError::NotFound { .. } => Self::not_found(&zh, &en),
            AppError::Internal(cause) => {
                tracing::error!(cause = format!("{cause:#}"), "open311: internal error");
                Self::bad("unavailable", "暂时无法处理，请稍后重试", "The request could not be processed now; try again later")
            }
            AppError::Forbidden { .. } => Self::forbidden("forbidden", &zh, &en),
            AppError::Conflict(_) => Self::new(409, "conflict", &zh, &en),
            other => Self::bad(other.code(), &zh, &en),
        }
    }
}

pub type Open311Result<T> = Result<T, Open311Error>;

#[derive(Debug, Clone, Deserialize)]
struct ServiceConfig {
    changeset: String,
    entries: Vec<ConfigEntry>,
}

#[derive(Debug, Clone, Deserialize)]
struct ConfigEntry {
    prefix: String,
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    attributes: Vec<Attribute>,
}

/// One question of a service definition.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Attribute {
    #[serde(default = "yes")]
    pub variable: bool,
    pub code: String,
    /// `string`, `number`, `datetime`, `text`, `singlevaluelist`, `multivaluelist`.
    pub datatype: String,
    pub required: bool,
    pub datatype_description: Option<String>,
    pub order: u32,
    pub description: String,
    #[serde(default)]
    pub values: Vec<AttributeValue>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct AttributeValue {
    pub key: String,
    pub name: String,
}

/// A service of the list.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    pub service_code: String,
    pub service_name: String,
    pub description: String,
    pub metadata: bool,
    /// `realtime` or `batch`.
    pub kind: String,
    pub keywords: String,
    pub group: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServiceDefinition {
    pub service_code: String,
    pub attributes: Vec<Attribute>,
}

/// What a POST answers: the request id for realtime services, a token for batch ones.
#[derive(Debug, Clone, PartialEq)]
pub struct Submitted {
    pub service_request_id: Option<String>,
    pub token: Option<String>,
    pub service_notice: String,
    pub account_id: Option<String>,
}

/// A public note of the request's timeline (`extensions=true`).
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub datetime: Timestamp,
    pub kind: String,
    pub description: String,
}

/// One request as published: no name, phone or e-mail, ever.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicRequest {
    pub service_request_id: String,
    pub status: &'static str,
    pub status_notes: Option<String>,
    pub service_name: String,
    pub service_code: String,
    pub description: String,
    pub agency_responsible: Option<String>,
    pub service_notice: Option<String>,
    pub requested_datetime: Timestamp,
    pub updated_datetime: Timestamp,
    pub expected_datetime: Option<Timestamp>,
    pub address: String,
    pub address_id: Option<String>,
    pub lat: Option<f64>,
    pub long: Option<f64>,
    pub media_url: Option<String>,
    /// With `extensions=true`: the channel and the public timeline.
    pub channel: Option<String>,
    pub notes: Option<Vec<Note>>,
}

/// One entry of the updates feed (FixMyStreet's servicerequestupdates).
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    pub update_id: String,
    pub service_request_id: String,
    pub status: &'static str,
    pub updated_datetime: Timestamp,
    pub description: String,
}

/// A file sent with a request (multipart `media`, `media[]`, FixMyStreet's `photo1`…).
#[derive(Debug, Clone)]
pub struct Upload {
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// At most this many files with one request, each at most this large.
pub const MAX_UPLOADS: usize = 5;
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;

/// Parameters as received (query string or form body): every value of every name, in order. Line
/// breaks are `\n`: forms post `\r\n` (and old clients `\r`), which are normalised on the way in.
#[derive(Debug, Clone, Default)]
pub struct Params(Vec<(String, String)>);

impl Params {
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        Self(pairs.into_iter().map(|(k, v)| (k, normalise_line_breaks(v))).collect())
    }

    /// The value of a parameter; an empty one is the same as an absent one (spec §1.1).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim()).filter(|v| !v.is_empty())
    }

    fn all(&self, key: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, _)| k == key).map(|(_, v)| v.trim()).filter(|v| !v.is_empty()).collect()
    }

    /// A comma-separated list (spaces tolerated).
    fn list(&self, key: &str) -> Vec<String> {
        self.get(key).map(|v| v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()).unwrap_or_default()
    }

    /// `attribute[code]` and `attribute[code][]` values by code.
    fn attributes(&self) -> BTreeMap<String, Vec<String>> {
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (k, v) in &self.0 {
            let Some(rest) = k.strip_prefix("attribute[") else { continue };
            let code = rest.trim_end_matches("[]").trim_end_matches(']');
            if code.is_empty() || v.trim().is_empty() {
                continue;
            }
            out.entry(code.to_owned()).or_default().push(v.trim().to_owned());
        }
        out
    }
}

/// `\r\n` and a lone `\r` as `\n`.
fn normalise_line_breaks(v: String) -> String {
    if v.contains('\r') { v.replace("\r\n", "\n").replace('\r', "\n") } else { v }
}

/// What a bad date says.
fn bad_datetime(key: &str) -> Open311Error {
    Open311Error::bad(
        "invalid_datetime",
        &format!("{key} 须为 W3C 日期时间：YYYY、YYYY-MM、YYYY-MM-DD，或带时区的时间，如 2026-11-25T08:00+08:00"),
        &format!("{key} must be a W3C datetime: YYYY, YYYY-MM, YYYY-MM-DD, or a time with its zone, e.g. 2026-11-25T08:00+08:00"),
    )
}

/// A SHA-256 (hex) of what a client's update says: an identical retry has the same.
fn update_fingerprint(number: &str, status: &str, updated: Timestamp, description: &str, media: &[String]) -> String {
    let canonical = serde_json::json!([number, status, updated.timestamp_millis(), description, media]);
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

/// `TRF/illegal_parking` ⇄ `TRF.illegal_parking`: service codes travel in URLs (`services/{code}.json`).
pub fn service_code_of(path: &str) -> String {
    path.replace('/', ".")
}

fn path_of(code: &str) -> String {
    code.replace('.', "/")
}

/// At most this many requests in one GET (spec §1.8).
pub const MAX_REQUESTS: u32 = 1000;
/// The default and largest window of GET requests (spec §1.8).
const WINDOW_DAYS: i64 = 90;

/// The events of a request's timeline that are published (notes, the updates feed).
const PUBLIC_EVENTS: [ActionKind; 12] = [
    ActionKind::Receive,
    ActionKind::Dispatch,
    ActionKind::Sign,
    ActionKind::Contact,
    ActionKind::StartWork,
    ActionKind::Reply,
    ActionKind::Answer,
    ActionKind::Transfer,
    ActionKind::Redirect,
    ActionKind::LinkDuplicate,
    ActionKind::Close,
    ActionKind::Reopen,
];

fn status_of(s: State) -> &'static str {
    if s.is_terminal() { "closed" } else { "open" }
}

impl App {
    /// A W3C-DTF parameter (see [`datetime`]): a year, month or day is one of the deployment's calendar.
    fn open311_span(&self, p: &Params, key: &str) -> Open311Result<Option<datetime::Span>> {
        p.get(key).map(|v| datetime::parse(v, self.policy_offset_minutes()).ok_or_else(|| bad_datetime(key))).transpose()
    }

    /// The language notes are written in, if the client asked for one: `locale`, else
    /// `Accept-Language` (see [`feed`]).
    fn note_language(p: &Params, accept_language: Option<&str>) -> Option<NoteLanguage> {
        p.get("locale").and_then(NoteLanguage::of_tag).or_else(|| accept_language.and_then(NoteLanguage::of_accept_language))
    }

    fn open311_config(&self) -> ServiceConfig {
        static CONFIG: std::sync::OnceLock<ServiceConfig> = std::sync::OnceLock::new();
        CONFIG
            .get_or_init(|| {
                serde_json::from_str(include_str!("../../data/open311_services.json")).unwrap_or_else(|e| {
                    tracing::error!(error = %e, "open311_services.json does not parse: no service definitions");
                    ServiceConfig { changeset: String::new(), entries: Vec::new() }
                })
            })
            .clone()
    }

    /// When the service list last changed: the category tree's version time or the definitions'.
    pub async fn open311_changeset(&self) -> Open311Result<String> {
        let tree = self.reference().current_reference(hotline_store::ReferenceKind::Categories).await.map_err(AppError::from)?;
        let config = self.open311_config().changeset;
        let config = DateTime::parse_from_rfc3339(&config).map(|t| t.to_utc()).ok();
        let latest = [tree.map(|v| v.created_at), config].into_iter().flatten().max().unwrap_or_default();
        Ok(latest.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    }

    fn entries_for(&self, path: &str) -> Vec<ConfigEntry> {
        let mut v: Vec<ConfigEntry> =
            self.open311_config().entries.into_iter().filter(|e| path == e.prefix || path.starts_with(&format!("{}/", e.prefix))).collect();
        v.sort_by_key(|e| e.prefix.len());
        v
    }

    fn attributes_for(&self, path: &str) -> Vec<Attribute> {
        let mut attrs: Vec<Attribute> = self.entries_for(path).into_iter().flat_map(|e| e.attributes).collect();
        attrs.sort_by_key(|a| a.order);
        // Orders are unique within a service (spec §1.5): renumber 1, 2, 3 … in that order.
        for (i, a) in attrs.iter_mut().enumerate() {
            a.order = u32::try_from(i + 1).unwrap_or(u32::MAX);
        }
        attrs
    }

    /// The service list: every leaf of the category tree in force.
    pub fn open311_services(&self) -> Vec<Service> {
        let cats = self.categories();
        let first_name = |code: &str| cats.iter().find(|c| c.code == code.split('/').next().unwrap_or_default()).map(|c| c.name_zh.clone());
        cats.iter()
            .filter(|c| !cats.iter().any(|o| o.code.starts_with(&format!("{}/", c.code))))
            .map(|c| {
                let kind = self.entries_for(&c.code).iter().rev().find_map(|e| e.kind.clone()).unwrap_or_else(|| "realtime".into());
                Service {
                    service_code: service_code_of(&c.code),
                    service_name: format!("{} / {}", c.name_zh, c.name_en),
                    description: c.description.clone(),
                    metadata: !self.attributes_for(&c.code).is_empty(),
                    kind,
                    keywords: c.keywords.join(","),
                    group: first_name(&c.code).unwrap_or_default(),
                }
            })
            .collect()
    }

    fn service(&self, code: &str) -> Open311Result<Service> {
        self.open311_services()
            .into_iter()
            .find(|s| s.service_code == code)
            .ok_or_else(|| Open311Error::not_found(&format!("未找到服务 {code}"), &format!("service_code {code} not found")))
    }

    pub fn open311_definition(&self, code: &str) -> Open311Result<ServiceDefinition> {
        let s = self.service(code)?;
        Ok(ServiceDefinition { attributes: self.attributes_for(&path_of(&s.service_code)), service_code: s.service_code })
    }

    /// POST requests: validates like the spec says (403 key, 404 service, 400 the rest), then
    /// receives the request as an order, filed by the account whose key posted it.
    pub async fn open311_submit(&self, p: &Params, uploads: &[Upload]) -> Open311Result<Submitted> {
        let client = self.open311_writer(p, "create_request").await?;
        let code = p.get("service_code").ok_or_else(|| Open311Error::missing("service_code"))?;
        let service = self.service(code)?;
        let path = path_of(&service.service_code);
        let (lat, long) = (p.get("lat"), p.get("long"));
        let coord = |k: &str, v: Option<&str>| {
            v.map(|v| {
                v.parse::<f64>().map_err(|_| {
                    Open311Error::bad("invalid_coordinate", &format!("{k} 须为数字（WGS84）"), &format!("{k} must be a number (WGS84)"))
                })
            })
            .transpose()
        };
        let (lat, long) = (coord("lat", lat)?, coord("long", long)?);
        if lat.is_some() != long.is_some() {
            return Err(Open311Error::bad("invalid_coordinate", "lat 与 long 须成对提供", "lat and long come as a pair"));
        }
        let address_string = p.get("address_string").unwrap_or_default().to_owned();
        let address_id = p.get("address_id").map(str::to_owned);
        if lat.is_none() && address_string.is_empty() && address_id.is_none() {
            return Err(Open311Error::bad(
                "location_required",
                "须提供位置：lat 与 long、address_string 或 address_id",
                "A location is required: lat and long, address_string or address_id",
            ));
        }
        let attributes = p.attributes();
        let offset = self.policy_offset_minutes();
        for a in self.attributes_for(&path) {
            let given = attributes.get(&a.code).cloned().unwrap_or_default();
            if a.required && a.variable && given.is_empty() {
                return Err(Open311Error::bad(
                    "attribute_required",
                    &format!("缺少 attribute[{}]", a.code),
                    &format!("attribute[{}] is required", a.code),
                ));
            }
            if given.len() > 1 && a.datatype != "multivaluelist" {
                return Err(Open311Error::bad(
                    "invalid_attribute",
                    &format!("attribute[{}] 只取一个值", a.code),
                    &format!("attribute[{}] takes one value", a.code),
                ));
            }
            for v in &given {
                let ok = match a.datatype.as_str() {
                    "singlevaluelist" | "multivaluelist" => a.values.iter().any(|x| &x.key == v),
                    "number" => v.parse::<f64>().is_ok_and(f64::is_finite),
                    "datetime" => datetime::parse(v, offset).is_some(),
                    _ => v.chars().count() <= 1000,
                };
                if !ok {
                    return Err(Open311Error::bad(
                        "invalid_attribute",
                        &format!("attribute[{}] 的值 {v:?} 无效", a.code),
                        &format!("attribute[{}] has an invalid value {v:?}", a.code),
                    ));
                }
            }
        }
        let description = p.get("description").unwrap_or_default();
        if description.chars().count() > hotline_domain::MAX_DESCRIPTION_CHARS {
            return Err(Open311Error::bad("too_long", "description 最多 4,000 个字符", "description is limited to 4,000 characters"));
        }
        // A request with no text says what was chosen, so the operator reads something.
        let description = if description.chars().count() < 2 { service.service_name.clone() } else { description.to_owned() };
        let name = [p.get("last_name"), p.get("first_name")].into_iter().flatten().collect::<Vec<_>>().join("");
        if uploads.len() > MAX_UPLOADS || uploads.iter().any(|u| u.bytes.len() > MAX_UPLOAD_BYTES) {
            return Err(Open311Error::bad("too_many_files", "最多 5 个文件，每个不超过 10 MB", "At most 5 files of 10 MB each"));
        }
        if uploads.iter().any(|u| u.bytes.is_empty() || !u.content_type.contains('/') || u.file_name.chars().count() > 200) {
            return Err(Open311Error::bad(
                "invalid_file",
                "上传的文件为空或没有有效的内容类型",
                "An uploaded file is empty or has no valid content type",
            ));
        }
        let media: Vec<AttachmentInput> = p
            .all("media_url")
            .into_iter()
            .map(|u| AttachmentInput {
                file_name: "media".into(),
                content_type: "application/octet-stream".into(),
                size_bytes: 0,
                url: Some(u.to_owned()),
            })
            .collect();
        let input = CreateOrderInput {
            channel: Some("open311".into()),
            description,
            requester: RequesterInput {
                name,
                phone: p.get("phone").map(str::to_owned),
                // The request's language (its notes are written in it), when the client says.
                language: p.get("locale").and_then(language_subtag),
                age_group: None,
                confidential: false,
            },
            location: LocationInput { address: address_string, district: None, street: None, lng: long, lat },
            attachments: media,
            triage: None,
            disposition: None,
            suggestion: None,
            incident: None,
        };
        let mut new = self.parse_new_order(Channel::Open311, &input).map_err(Open311Error::from)?;
        // Uploaded files win over media_url (v2.1): stored, then served at /open311/v2/media/{id}.
        // Stored before the order: a failure after this leaves an unreferenced file, never half an order.
        if !uploads.is_empty() {
            let mut attachments = Vec::new();
            for u in uploads {
                // Random, so that one citizen's photo does not lead to the next one's.
                let id = crate::auth::random_media_id()?;
                self.open311_store()
                    .insert_media(&id, &u.content_type, &u.file_name, &u.bytes, self.clock.now())
                    .await
                    .map_err(AppError::from)?;
                let url = format!("{}{}{id}", self.config.public_url.trim_end_matches('/'), hotline_domain::MEDIA_PATH);
                let size = u64::try_from(u.bytes.len()).unwrap_or(u64::MAX);
                let name = if u.file_name.trim().is_empty() { "media" } else { u.file_name.as_str() };
                let a = hotline_domain::Attachment::parse(name, &u.content_type, size, Some(&url));
                attachments.push(a.map_err(|e| Open311Error::bad(e.code, &e.zh, &e.en))?);
            }
            new.attachments = attachments;
        }
        new.submission = Some(Submission {
            service_code: path,
            attributes,
            address_id,
            device_id: p.get("device_id").map(str::to_owned),
            account_id: p.get("account_id").map(str::to_owned),
            email: p.get("email").map(str::to_owned),
        });
        let actor = Actor { name: format!("Open311 · {}", client.display_name), ..client.actor() };
        let (order, _) = self.receive(new, &actor, Some(&client), &[], None, None).await.map_err(Open311Error::from)?;
        let notice = "12345 热线已受理，将派至负责单位办理 / Received by the 12345 hotline; it will go to the responsible unit.".to_owned();
        let account_id = p.get("account_id").map(str::to_owned);
        if service.kind == "batch" {
            let token = crate::auth::random_secret().map_err(Open311Error::from)?;
            self.open311_store().insert_token(&token, order.id, self.clock.now()).await.map_err(AppError::from)?;
            return Ok(Submitted { service_request_id: None, token: Some(token), service_notice: notice, account_id });
        }
        Ok(Submitted { service_request_id: Some(order.number.to_string()), token: None, service_notice: notice, account_id })
    }

    /// The account behind an api_key that may write over Open311: an API token (a session's
    /// secret is refused like a wrong key) of a role that may (`Role::writes_open311`); 403 otherwise.
    async fn open311_writer(&self, p: &Params, what: &str) -> Open311Result<Principal> {
        let key = p.get("api_key").ok_or_else(|| Open311Error::forbidden("api_key_required", "缺少 api_key", "api_key is required"))?;
        let invalid = || {
            Open311Error::forbidden(
                "invalid_api_key",
                &format!("api_key 无效，无法执行 {what}"),
                &format!("Invalid api_key received -- can't proceed with {what}."),
            )
        };
        if key.len() > 200 {
            return Err(invalid());
        }
        let found = self.accounts().find_credential(&token_hash(key), self.clock.now()).await.map_err(AppError::from)?;
        let client = match found {
            Some((user, CredentialKind::ApiToken)) => Principal::from(user),
            _ => return Err(invalid()),
        };
        if !client.role.writes_open311() {
            return Err(Open311Error::forbidden(
                "role_may_not_write",
                &format!("「{}」角色不能通过 Open311 提交；请使用接入系统账号（open311_client）的 API 令牌", client.role.label(true)),
                &format!(
                    "The role {:?} may not write over Open311; use an API token of a client system account (open311_client)",
                    client.role.code()
                ),
            ));
        }
        Ok(client)
    }

    /// POST servicerequestupdates (FixMyStreet pushing a citizen's update): recorded once per
    /// client and update_id as a note on the order's timeline, and the unit handling it (or the
    /// centre) is told. An identical retry gets the same answer and records nothing; another update
    /// under an id the client used is a conflict (409). The status a client sends is recorded, not
    /// applied: the centre decides the state. An order the client may not see is "not found", as
    /// one that does not exist.
    pub async fn open311_post_update(&self, p: &Params) -> Open311Result<String> {
        let client = self.open311_writer(p, "post_service_request_update").await?;
        let required = |k: &str| p.get(k).ok_or_else(|| Open311Error::missing(k));
        let (id, update_id, status, description) =
            (required("service_request_id")?, required("update_id")?, required("status")?, required("description")?);
        let updated = self.open311_span(p, "updated_datetime")?.ok_or_else(|| Open311Error::missing("updated_datetime"))?.start;
        if update_id.chars().count() > 100 {
            return Err(Open311Error::bad("too_long", "update_id 最多 100 个字符", "update_id is at most 100 characters"));
        }
        if status.chars().count() > 50 {
            return Err(Open311Error::bad("too_long", "status 最多 50 个字符", "status is at most 50 characters"));
        }
        if description.chars().count() > hotline_domain::MAX_DESCRIPTION_CHARS {
            return Err(Open311Error::bad("too_long", "description 最多 4,000 个字符", "description is limited to 4,000 characters"));
        }
        let number = OrderNumber::parse(id).map_err(|_| Open311Error::no_request(id))?;
        let order = self.orders().get_order(&number).await.map_err(AppError::from)?;
        let order = order.filter(|o| self.can_see(&client, o)).ok_or_else(|| Open311Error::no_request(id))?;
        let now = self.clock.now();
        let actor = Actor { name: format!("Open311 · {}", client.display_name), ..client.actor() };
        let update = ExternalUpdated {
            update_id: update_id.to_owned(),
            status: status.to_ascii_uppercase(),
            updated_datetime: updated,
            media_url: p.all("media_url").into_iter().map(str::to_owned).collect(),
        };
        let fingerprint = update_fingerprint(number.as_str(), &update.status, updated, description, &update.media_url);
        let event =
            hotline_domain::EventDraft::note(&order, &actor, now, Some(description.to_owned()), EventPayload::ExternalUpdate(update));
        let unit = order.assignment.as_ref().map(|a| a.main_unit);
        let note = hotline_store::NewNotification {
            unit,
            kind: "external_update".into(),
            message_zh: format!("工单 {}：外部系统补充（{}）：{description}", order.number, status),
            message_en: format!("Order {}: update from a client system ({status}): {description}", order.number),
        };
        let recorded = self
            .open311_store()
            .record_external_update(client.user_id, update_id, &fingerprint, order.id, &event, &[note])
            .await
            .map_err(AppError::from)?;
        match recorded {
            UpdateRecord::Recorded => Ok(update_id.to_owned()),
            // The same update again (a retry after a lost answer): the same answer. One recorded
            // before fingerprints were kept cannot be compared, and is taken as the same.
            UpdateRecord::Seen { order: seen, fingerprint: f } if seen == order.id && (f == fingerprint || f.is_empty()) => {
                Ok(update_id.to_owned())
            }
            UpdateRecord::Seen { .. } => Err(Open311Error::new(
                409,
                "update_id_conflict",
                &format!("update_id {update_id} 已用于另一条更新"),
                &format!("update_id {update_id} was already used for a different update"),
            )),
        }
    }

    /// An uploaded file, for `GET media/{id}`.
    pub async fn open311_media(&self, id: &str) -> Open311Result<(String, Vec<u8>)> {
        let missing = || Open311Error::not_found(&format!("未找到文件 {id}"), &format!("media {id} not found"));
        if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(missing());
        }
        self.open311_store().get_media(id).await.map_err(AppError::from)?.ok_or_else(missing)
    }

    /// GET tokens/{token}: the request id the token stands for.
    pub async fn open311_token(&self, token: &str) -> Open311Result<(String, String)> {
        match self.open311_store().order_by_token(token).await.map_err(AppError::from)? {
            Some(o) => Ok((o.number.to_string(), token.to_owned())),
            None => Err(Open311Error::not_found(&format!("未找到令牌 {token}"), &format!("token {token} not found"))),
        }
    }

    fn public_request(&self, o: &WorkOrder) -> PublicRequest {
        // A requester who asked for confidentiality (保密) may be recognised by what they wrote,
        // where, and the photos: the order is listed (so counts and states stay true) without them.
        let withheld = o.requester.confidential;
        let units = self.units();
        let cats = self.categories();
        let path = o.category.as_ref().map(|c| c.as_str().to_owned()).or_else(|| o.submission.as_ref().map(|s| s.service_code.clone()));
        let service_name = path
            .as_deref()
            .and_then(|p| cats.iter().find(|c| c.code == p))
            .map(|c| format!("{} / {}", c.name_zh, c.name_en))
            .unwrap_or_default();
        PublicRequest {
            service_request_id: o.number.to_string(),
            status: status_of(o.state),
            status_notes: if withheld { None } else { o.reply.as_ref().map(|r| r.text.clone()) },
            service_name,
            service_code: path.as_deref().map(service_code_of).unwrap_or_default(),
            description: if withheld { crate::views::WITHHELD_TEXT.to_owned() } else { o.description.clone() },
            agency_responsible: o.assignment.as_ref().and_then(|a| units.get(a.main_unit)).map(|u| u.name.clone()),
            service_notice: None,
            requested_datetime: o.received_at,
            updated_datetime: o.closed_at.filter(|_| o.state.is_terminal()).unwrap_or(o.updated_at),
            expected_datetime: if o.state.is_terminal() { None } else { o.dues.reply_due },
            address: if withheld { String::new() } else { o.location.address.clone() },
            address_id: if withheld { None } else { o.submission.as_ref().and_then(|s| s.address_id.clone()) },
            lat: o.location.lat.filter(|_| !withheld),
            long: o.location.lng.filter(|_| !withheld),
            media_url: if withheld { None } else { o.attachments.iter().find_map(|a| a.url.clone()) },
            channel: None,
            notes: None,
        }
    }

    /// Adds the channel and the public timeline (`extensions=true`) as readable notes, reading
    /// every order's events in one query.
    async fn with_notes(&self, orders: &[WorkOrder], requests: &mut [PublicRequest], lang: Option<NoteLanguage>) -> Open311Result<()> {
        let ids: Vec<hotline_domain::OrderId> = orders.iter().map(|o| o.id).collect();
        let by_id: HashMap<hotline_domain::OrderId, &WorkOrder> = orders.iter().map(|o| (o.id, o)).collect();
        let units = self.units();
        let mut by_order: HashMap<hotline_domain::OrderId, Vec<Note>> = HashMap::new();
        for (id, e) in self.orders().events_of_orders(&ids).await.map_err(AppError::from)? {
            let kind = e.draft.kind();
            if PUBLIC_EVENTS.contains(&kind) {
                let order = by_id.get(&id).copied();
                let lang = lang.or_else(|| order.map(NoteLanguage::of_order)).unwrap_or(NoteLanguage::Zh);
                let description = feed::note_of_event(&e.draft.payload, order, &units, lang);
                by_order.entry(id).or_default().push(Note { datetime: e.draft.at, kind: kind.code().to_owned(), description });
            }
        }
        for (o, r) in orders.iter().zip(requests.iter_mut()) {
            r.channel = Some(o.channel.code().to_owned());
            r.notes = Some(by_order.remove(&o.id).unwrap_or_default());
        }
        Ok(())
    }

    /// GET requests with the spec's filters and defaults, plus page/page_size, updated_after/
    /// updated_before and extensions=true (notes in the language asked for: `locale`, else
    /// `accept_language`, else each request's own).
    pub async fn open311_requests(&self, p: &Params, accept_language: Option<&str>) -> Open311Result<Vec<PublicRequest>> {
        let now = self.clock.now();
        let extensions = p.get("extensions") == Some("true");
        let ids = p.list("service_request_id");
        let mut q = OrderQuery { limit: MAX_REQUESTS, ..OrderQuery::default() };
        if ids.is_empty() {
            // The id list overrides every other filter; without it the 90-day window applies:
            // received in [first, before), `last` being where the end date begins. A year, month or
            // day given as end_date includes all of it; the window may then reach a day further.
            let (start, end) = (self.open311_span(p, "start_date")?, self.open311_span(p, "end_date")?);
            let (second, window) = (Duration::seconds(1), Duration::days(WINDOW_DAYS));
            let (first, last, before) = match (start, end) {
                (Some(s), Some(e)) => (s.start, e.start, e.end),
                (Some(s), None) => {
                    let last = (s.start + window).min(now.max(s.start));
                    (s.start, last, last + second)
                }
                (None, Some(e)) => ((e.end - window).min(e.start), e.start, e.end),
                (None, None) => (now - window, now, now + second),
            };
            if last < first {
                return Err(Open311Error::bad("invalid_date_range", "end_date 早于 start_date", "end_date is before start_date"));
            }
            if last - first > window || before - first > window + Duration::days(1) {
                return Err(Open311Error::bad(
                    "invalid_date_range",
                    "日期范围不能超过 90 天",
                    "The date range may not span more than 90 days",
                ));
            }
            q.received_from = Some(first);
            q.received_before = Some(before);
            // The code a request is published under: its category, or before triage the service
            // it was posted under (the store filters on both the same way).
            q.categories = p.list("service_code").iter().map(|c| path_of(c)).collect();
            let mut states = Vec::new();
            for s in p.list("status") {
                match s.as_str() {
                    "open" => states.extend(State::open()),
                    "closed" => states.extend(State::terminal()),
                    other => {
                        return Err(Open311Error::bad(
                            "invalid_status",
                            &format!("status {other:?} 只能是 open 或 closed"),
                            &format!("status {other:?} is open or closed"),
                        ));
                    }
                }
            }
            q.states = states;
            q.updated_from = self.open311_span(p, "updated_after")?.map(|s| s.start);
            q.updated_before = self.open311_span(p, "updated_before")?.map(|s| s.start);
            let number = |k: &str, default: u32| -> Open311Result<u32> {
                p.get(k).map_or(Ok(default), |v| {
                    v.parse::<u32>().ok().filter(|n| *n >= 1).ok_or_else(|| {
                        Open311Error::bad("invalid_number", &format!("{k} 须为正整数"), &format!("{k} is a positive number"))
                    })
                })
            };
            let page_size = number("page_size", MAX_REQUESTS)?.min(MAX_REQUESTS);
            let page = number("page", 1)?;
            q.limit = page_size;
            q.offset = (page - 1).saturating_mul(page_size);
        } else {
            if ids.len() > MAX_REQUESTS as usize {
                return Err(Open311Error::bad("too_many_ids", "service_request_id 最多 1000 个", "At most 1000 service_request_id values"));
            }
            q.numbers = ids;
        }
        let orders = self.orders().list_orders(&q).await.map_err(AppError::from)?.orders;
        let mut out: Vec<PublicRequest> = orders.iter().map(|o| self.public_request(o)).collect();
        if extensions {
            self.with_notes(&orders, &mut out, Self::note_language(p, accept_language)).await?;
        }
        Ok(out)
    }

    /// GET requests/{id}: one request, still as a list of one (spec §1.8).
    pub async fn open311_request(&self, id: &str, p: &Params, accept_language: Option<&str>) -> Open311Result<PublicRequest> {
        let number = OrderNumber::parse(id).map_err(|_| Open311Error::no_request(id))?;
        let o = self.orders().get_order(&number).await.map_err(AppError::from)?.ok_or_else(|| Open311Error::no_request(id))?;
        let mut r = [self.public_request(&o)];
        if p.get("extensions") == Some("true") {
            self.with_notes(std::slice::from_ref(&o), &mut r, Self::note_language(p, accept_language)).await?;
        }
        let [r] = r;
        Ok(r)
    }

    /// GET servicerequestupdates: the public timeline events of `[start_date, end_date]` (default
    /// the last 24 hours; at most 90 days), oldest first, each with FixMyStreet's extended status
    /// and a readable note (in the language asked for: `locale`, else `accept_language`, else the
    /// request's own; see [`feed`]).
    pub async fn open311_updates(&self, p: &Params, accept_language: Option<&str>) -> Open311Result<Vec<Update>> {
        let now = self.clock.now();
        let end = self.open311_span(p, "end_date")?;
        let (last, before) = end.map_or((now, now + Duration::seconds(1)), |e| (e.start, e.end));
        let first = self.open311_span(p, "start_date")?.map_or((before - Duration::days(1)).min(last), |s| s.start);
        let window = Duration::days(WINDOW_DAYS);
        if last < first || last - first > window || before - first > window + Duration::days(1) {
            return Err(Open311Error::bad(
                "invalid_date_range",
                "start_date 须早于 end_date，且相隔不超过 90 天",
                "start_date must precede end_date, at most 90 days apart",
            ));
        }
        let events = self.open311_store().events_between(&PUBLIC_EVENTS, first, before, MAX_REQUESTS).await.map_err(AppError::from)?;
        // The orders behind the events, in one query: their language, their reply, and whether
        // their requester asked for confidentiality.
        let mut numbers: Vec<String> = events.iter().map(|(n, _)| n.to_string()).collect();
        numbers.sort_unstable();
        numbers.dedup();
        let orders: HashMap<String, WorkOrder> = if numbers.is_empty() {
            HashMap::new()
        } else {
            let q = OrderQuery { numbers, limit: MAX_REQUESTS, ..OrderQuery::default() };
            let listed = self.orders().list_orders(&q).await.map_err(AppError::from)?.orders;
            listed.into_iter().map(|o| (o.number.to_string(), o)).collect()
        };
        let lang = Self::note_language(p, accept_language);
        let units = self.units();
        Ok(events
            .into_iter()
            .map(|(number, e)| {
                let order = orders.get(number.as_str());
                let lang = lang.or_else(|| order.map(NoteLanguage::of_order)).unwrap_or(NoteLanguage::Zh);
                Update {
                    update_id: e.seq.to_string(),
                    service_request_id: number.to_string(),
                    status: feed::status_of_event(&e.draft.payload, e.draft.to, order),
                    updated_datetime: e.draft.at,
                    description: feed::note_of_event(&e.draft.payload, order, &units, lang),
                }
            })
            .collect())
    }
}

/// The primary language subtag of a BCP 47 tag (`en-GB` → `en`), if it is one.
fn language_subtag(tag: &str) -> Option<String> {
    let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    ((2..=3).contains(&primary.len()) && primary.bytes().all(|b| b.is_ascii_lowercase())).then_some(primary)
}
