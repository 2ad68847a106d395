//! Open311 GeoReport v2 (peers.md §1): services are the category tree's leaves (code `TRF.illegal_parking`
//! for the path `TRF/illegal_parking`, group = the first level), service definitions come from the
//! shipped `data/open311_services.json`, requests are work orders. A request that arrives here is
//! received like any other (channel `open311`) and goes through the same triage, dispatch and
//! handling. What is published never carries the requester's personal data.
//!
//! The HTTP layer renders these values as XML or JSON; errors carry the HTTP status the spec asks
//! for (404 not found, 403 bad api_key, 400 anything else).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration};
use hotline_domain::event::ExternalUpdated;
use hotline_domain::{ActionKind, Actor, Channel, EventPayload, OrderNumber, State, Submission, Timestamp, WorkOrder};
use hotline_store::OrderQuery;
use serde::Deserialize;

use crate::App;
use crate::error::AppError;
use crate::orders::{AttachmentInput, CreateOrderInput, LocationInput, RequesterInput};

/// An Open311 error: the HTTP status (also the body's `code`) and a description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Open311Error {
    pub status: u16,
    pub description: String,
}

impl Open311Error {
    fn bad(description: impl Into<String>) -> Self {
        Self { status: 400, description: description.into() }
    }
    fn not_found(description: impl Into<String>) -> Self {
        Self { status: 404, description: description.into() }
    }
}

impl From<AppError> for Open311Error {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound { what } => Self::not_found(format!("{what} not found")),
            AppError::Internal(cause) => {
                tracing::error!(cause = format!("{cause:#}"), "open311: internal error");
                Self::bad("The request could not be processed now; try again later")
            }
            other => {
                let (_, en) = other.messages();
                Self::bad(en)
            }
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

/// Parameters as received (query string or form body): every value of every name, in order.
#[derive(Debug, Clone, Default)]
pub struct Params(pub Vec<(String, String)>);

impl Params {
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

/// A W3C datetime with its zone (`Z` or `±hh:mm`); a time without a zone is refused (spec §1.1).
fn datetime(key: &str, v: &str) -> Open311Result<Timestamp> {
    DateTime::parse_from_rfc3339(v)
        .map(|t| t.to_utc())
        .map_err(|_| Open311Error::bad(format!("{key} must be a W3C datetime with a time zone, e.g. 2026-11-25T08:00:00+08:00")))
}

fn optional_datetime(p: &Params, key: &str) -> Open311Result<Option<Timestamp>> {
    p.get(key).map(|v| datetime(key, v)).transpose()
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

/// What a confidential request's public description reads.
const WITHHELD: &str = "诉求人要求保密，内容不公开 / Withheld at the requester's request";

impl App {
    fn open311_config(&self) -> ServiceConfig {
        static CONFIG: std::sync::OnceLock<ServiceConfig> = std::sync::OnceLock::new();
        CONFIG
            .get_or_init(|| {
                serde_json::from_str(include_str!("../data/open311_services.json")).unwrap_or_else(|e| {
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
            .ok_or_else(|| Open311Error::not_found(format!("service_code {code} not found")))
    }

    pub fn open311_definition(&self, code: &str) -> Open311Result<ServiceDefinition> {
        let s = self.service(code)?;
        Ok(ServiceDefinition { attributes: self.attributes_for(&path_of(&s.service_code)), service_code: s.service_code })
    }

    /// POST requests: validates like the spec says (403 key, 404 service, 400 the rest), then
    /// receives the request as an order.
    pub async fn open311_submit(&self, p: &Params, uploads: &[Upload]) -> Open311Result<Submitted> {
        let client = self.open311_client(p, "create_request").await?;
        let code = p.get("service_code").ok_or_else(|| Open311Error::bad("service_code is required"))?;
        let service = self.service(code)?;
        let path = path_of(&service.service_code);
        let (lat, long) = (p.get("lat"), p.get("long"));
        let coord = |k: &str, v: Option<&str>| {
            v.map(|v| v.parse::<f64>().map_err(|_| Open311Error::bad(format!("{k} must be a number (WGS84)")))).transpose()
        };
        let (lat, long) = (coord("lat", lat)?, coord("long", long)?);
        if lat.is_some() != long.is_some() {
            return Err(Open311Error::bad("lat and long come as a pair"));
        }
        let address_string = p.get("address_string").unwrap_or_default().to_owned();
        let address_id = p.get("address_id").map(str::to_owned);
        if lat.is_none() && address_string.is_empty() && address_id.is_none() {
            return Err(Open311Error::bad("A location is required: lat and long, address_string or address_id"));
        }
        let attributes = p.attributes();
        for a in self.attributes_for(&path) {
            let given = attributes.get(&a.code).cloned().unwrap_or_default();
            if a.required && a.variable && given.is_empty() {
                return Err(Open311Error::bad(format!("attribute[{}] is required", a.code)));
            }
            if given.len() > 1 && a.datatype != "multivaluelist" {
                return Err(Open311Error::bad(format!("attribute[{}] takes one value", a.code)));
            }
            for v in &given {
                let ok = match a.datatype.as_str() {
                    "singlevaluelist" | "multivaluelist" => a.values.iter().any(|x| &x.key == v),
                    "number" => v.parse::<f64>().is_ok_and(f64::is_finite),
                    "datetime" => DateTime::parse_from_rfc3339(v).is_ok(),
                    _ => v.chars().count() <= 1000,
                };
                if !ok {
                    return Err(Open311Error::bad(format!("attribute[{}] has an invalid value {v:?}", a.code)));
                }
            }
        }
        let description = p.get("description").unwrap_or_default();
        if description.chars().count() > hotline_domain::MAX_DESCRIPTION_CHARS {
            return Err(Open311Error::bad("description is limited to 4,000 characters"));
        }
        // A request with no text says what was chosen, so the operator reads something.
        let description = if description.chars().count() < 2 { service.service_name.clone() } else { description.to_owned() };
        let name = [p.get("last_name"), p.get("first_name")].into_iter().flatten().collect::<Vec<_>>().join("");
        if uploads.len() > MAX_UPLOADS || uploads.iter().any(|u| u.bytes.len() > MAX_UPLOAD_BYTES) {
            return Err(Open311Error::bad("At most 5 files of 10 MB each"));
        }
        if uploads.iter().any(|u| u.bytes.is_empty() || !u.content_type.contains('/') || u.file_name.chars().count() > 200) {
            return Err(Open311Error::bad("An uploaded file is empty or has no valid content type"));
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
                language: None,
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
                let id = self
                    .open311_store()
                    .insert_media(&u.content_type, &u.file_name, &u.bytes, self.clock.now())
                    .await
                    .map_err(AppError::from)?;
                let url = format!("{}{}{id}", self.config.public_url.trim_end_matches('/'), hotline_domain::MEDIA_PATH);
                let size = u64::try_from(u.bytes.len()).unwrap_or(u64::MAX);
                let name = if u.file_name.trim().is_empty() { "media" } else { u.file_name.as_str() };
                let a = hotline_domain::Attachment::parse(name, &u.content_type, size, Some(&url));
                attachments.push(a.map_err(|e| Open311Error::bad(e.en))?);
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
        let (order, _) = self.receive(new, &actor, None, &[], None, None).await.map_err(Open311Error::from)?;
        let notice = "12345 热线已受理，将派至负责单位办理 / Received by the 12345 hotline; it will go to the responsible unit.".to_owned();
        let account_id = p.get("account_id").map(str::to_owned);
        if service.kind == "batch" {
            let token = crate::auth::random_secret().map_err(Open311Error::from)?;
            self.open311_store().insert_token(&token, order.id, self.clock.now()).await.map_err(AppError::from)?;
            return Ok(Submitted { service_request_id: None, token: Some(token), service_notice: notice, account_id });
        }
        Ok(Submitted { service_request_id: Some(order.number.to_string()), token: None, service_notice: notice, account_id })
    }

    /// The client system behind an api_key (403 without a valid one).
    async fn open311_client(&self, p: &Params, what: &str) -> Open311Result<crate::Principal> {
        let key = p.get("api_key").ok_or(Open311Error { status: 403, description: "api_key is required".into() })?;
        self.authenticate(key)
            .await
            .map_err(|_| Open311Error { status: 403, description: format!("Invalid api_key received -- can't proceed with {what}.") })
    }

    /// POST servicerequestupdates (FixMyStreet pushing a citizen's update): recorded once per
    /// update_id as a note on the order's timeline, and the unit handling it (or the centre) is
    /// told. The status a client sends is recorded, not applied: the centre decides the state.
    pub async fn open311_post_update(&self, p: &Params) -> Open311Result<String> {
        let client = self.open311_client(p, "post_service_request_update").await?;
        let required = |k: &str| p.get(k).ok_or_else(|| Open311Error::bad(format!("{k} is required")));
        let (id, update_id, status, description) =
            (required("service_request_id")?, required("update_id")?, required("status")?, required("description")?);
        let updated = datetime("updated_datetime", required("updated_datetime")?)?;
        if update_id.chars().count() > 100 {
            return Err(Open311Error::bad("update_id is at most 100 characters"));
        }
        if description.chars().count() > hotline_domain::MAX_DESCRIPTION_CHARS {
            return Err(Open311Error::bad("description is limited to 4,000 characters"));
        }
        let number = OrderNumber::parse(id).map_err(|_| Open311Error::not_found(format!("service_request_id {id} not found")))?;
        let order = self
            .store
            .get_order(&number)
            .await
            .map_err(AppError::from)?
            .ok_or_else(|| Open311Error::not_found(format!("service_request_id {id} not found")))?;
        let now = self.clock.now();
        let actor = Actor { name: format!("Open311 · {}", client.display_name), ..client.actor() };
        let update = ExternalUpdated {
            update_id: update_id.to_owned(),
            status: status.to_ascii_uppercase(),
            updated_datetime: updated,
            media_url: p.all("media_url").into_iter().map(str::to_owned).collect(),
        };
        let event =
            hotline_domain::EventDraft::note(&order, &actor, now, Some(description.to_owned()), EventPayload::ExternalUpdate(update));
        let unit = order.assignment.as_ref().map(|a| a.main_unit);
        let note = hotline_store::NewNotification {
            unit,
            kind: "external_update".into(),
            message_zh: format!("工单 {}：外部系统补充（{}）：{description}", order.number, status),
            message_en: format!("Order {}: update from a client system ({status}): {description}", order.number),
        };
        match self.open311_store().record_external_update(update_id, order.id, &event, &[note]).await {
            Ok(()) => Ok(update_id.to_owned()),
            Err(hotline_store::StoreError::Conflict(_)) => Err(Open311Error::bad(format!("update_id {update_id} already exists"))),
            Err(e) => Err(AppError::from(e).into()),
        }
    }

    /// An uploaded file, for `GET media/{id}`.
    pub async fn open311_media(&self, id: &str) -> Open311Result<(String, Vec<u8>)> {
        let missing = || Open311Error::not_found(format!("media {id} not found"));
        let id: i64 = id.parse().map_err(|_| missing())?;
        self.open311_store().get_media(id).await.map_err(AppError::from)?.ok_or_else(missing)
    }

    /// GET tokens/{token}: the request id the token stands for.
    pub async fn open311_token(&self, token: &str) -> Open311Result<(String, String)> {
        match self.open311_store().order_by_token(token).await.map_err(AppError::from)? {
            Some(o) => Ok((o.number.to_string(), token.to_owned())),
            None => Err(Open311Error::not_found(format!("token {token} not found"))),
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
            description: if withheld { WITHHELD.to_owned() } else { o.description.clone() },
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

    /// Adds the channel and the public timeline (`extensions=true`), reading every order's events
    /// in one query.
    async fn with_notes(&self, orders: &[WorkOrder], requests: &mut [PublicRequest]) -> Open311Result<()> {
        let ids: Vec<hotline_domain::OrderId> = orders.iter().map(|o| o.id).collect();
        let mut by_order: std::collections::HashMap<hotline_domain::OrderId, Vec<Note>> = std::collections::HashMap::new();
        for (id, e) in self.orders().events_of_orders(&ids).await.map_err(AppError::from)? {
            let kind = e.draft.kind();
            if PUBLIC_EVENTS.contains(&kind) {
                let note = Note { datetime: e.draft.at, kind: kind.code().to_owned(), description: kind.label(false).to_owned() };
                by_order.entry(id).or_default().push(note);
            }
        }
        for (o, r) in orders.iter().zip(requests.iter_mut()) {
            r.channel = Some(o.channel.code().to_owned());
            r.notes = Some(by_order.remove(&o.id).unwrap_or_default());
        }
        Ok(())
    }

    /// GET requests with the spec's filters and defaults, plus page/page_size, updated_after/
    /// updated_before and extensions=true.
    pub async fn open311_requests(&self, p: &Params) -> Open311Result<Vec<PublicRequest>> {
        let now = self.clock.now();
        let extensions = p.get("extensions") == Some("true");
        let ids = p.list("service_request_id");
        let mut q = OrderQuery { limit: MAX_REQUESTS, ..OrderQuery::default() };
        if ids.is_empty() {
            // The id list overrides every other filter; without it the 90-day window applies.
            let (start, end) = (optional_datetime(p, "start_date")?, optional_datetime(p, "end_date")?);
            let (start, end) = match (start, end) {
                (Some(s), Some(e)) => (s, e),
                (Some(s), None) => (s, (s + Duration::days(WINDOW_DAYS)).min(now.max(s))),
                (None, Some(e)) => (e - Duration::days(WINDOW_DAYS), e),
                (None, None) => (now - Duration::days(WINDOW_DAYS), now),
            };
            if end < start {
                return Err(Open311Error::bad("end_date is before start_date"));
            }
            if end - start > Duration::days(WINDOW_DAYS) {
                return Err(Open311Error::bad("The date range may not span more than 90 days"));
            }
            q.received_from = Some(start);
            q.received_before = Some(end + Duration::seconds(1));
            q.categories = p.list("service_code").iter().map(|c| path_of(c)).collect();
            let mut states = Vec::new();
            for s in p.list("status") {
                match s.as_str() {
                    "open" => states.extend(State::open()),
                    "closed" => states.extend(State::terminal()),
                    other => return Err(Open311Error::bad(format!("status {other:?} is open or closed"))),
                }
            }
            q.states = states;
            q.updated_from = optional_datetime(p, "updated_after")?;
            q.updated_before = optional_datetime(p, "updated_before")?;
            let number = |k: &str, default: u32| -> Open311Result<u32> {
                p.get(k).map_or(Ok(default), |v| {
                    v.parse::<u32>().ok().filter(|n| *n >= 1).ok_or_else(|| Open311Error::bad(format!("{k} is a positive number")))
                })
            };
            let page_size = number("page_size", MAX_REQUESTS)?.min(MAX_REQUESTS);
            let page = number("page", 1)?;
            q.limit = page_size;
            q.offset = (page - 1).saturating_mul(page_size);
        } else {
            if ids.len() > MAX_REQUESTS as usize {
                return Err(Open311Error::bad("At most 1000 service_request_id values"));
            }
            q.numbers = ids;
        }
        let orders = self.orders().list_orders(&q).await.map_err(AppError::from)?.orders;
        let mut out: Vec<PublicRequest> = orders.iter().map(|o| self.public_request(o)).collect();
        if extensions {
            self.with_notes(&orders, &mut out).await?;
        }
        Ok(out)
    }

    /// GET requests/{id}: one request, still as a list of one (spec §1.8).
    pub async fn open311_request(&self, id: &str, extensions: bool) -> Open311Result<PublicRequest> {
        let number = OrderNumber::parse(id).map_err(|_| Open311Error::not_found(format!("service_request_id {id} not found")))?;
        let o = self
            .store
            .get_order(&number)
            .await
            .map_err(AppError::from)?
            .ok_or_else(|| Open311Error::not_found(format!("service_request_id {id} not found")))?;
        let mut r = [self.public_request(&o)];
        if extensions {
            self.with_notes(std::slice::from_ref(&o), &mut r).await?;
        }
        let [r] = r;
        Ok(r)
    }

    /// GET servicerequestupdates: the public timeline events of `[start_date, end_date]` (default
    /// the last 24 hours; at most 90 days), oldest first.
    pub async fn open311_updates(&self, p: &Params) -> Open311Result<Vec<Update>> {
        let now = self.clock.now();
        let end = optional_datetime(p, "end_date")?.unwrap_or(now);
        let start = optional_datetime(p, "start_date")?.unwrap_or(end - Duration::days(1));
        if end < start || end - start > Duration::days(WINDOW_DAYS) {
            return Err(Open311Error::bad("start_date must precede end_date, at most 90 days apart"));
        }
        let events = self
            .open311_store()
            .events_between(&PUBLIC_EVENTS, start, end + Duration::seconds(1), MAX_REQUESTS)
            .await
            .map_err(AppError::from)?;
        Ok(events
            .into_iter()
            .map(|(number, e)| Update {
                update_id: e.seq.to_string(),
                service_request_id: number.to_string(),
                status: status_of(e.draft.to),
                updated_datetime: e.draft.at,
                description: match &e.draft.payload {
                    EventPayload::Reply(r) => r.reply.text.clone(),
                    other => other.kind().label(false).to_owned(),
                },
            })
            .collect())
    }
}
