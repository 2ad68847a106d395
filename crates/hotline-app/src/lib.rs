//! Use cases, shared by every entry point: the JSON API, Open311, the web UI, the CLI and the
//! deadline scheduler. Authorisation lives here, not in handlers: every use case takes the
//! [`Principal`] (or none, for citizens) and decides what it may see and do; whether an action may
//! happen now is the domain's [`hotline_domain::WorkOrder::check`]. Each use case reaches the store
//! through the capability it needs ([`App::orders`], [`App::knowledge`], …).

pub mod analytics;
pub mod assessment;
pub mod auth;
pub mod candidates;
pub mod catalogue;
pub mod clock;
pub mod error;
pub mod forecast;
pub mod handling;
pub mod history;
pub mod incidents;
pub mod kb;
pub mod open311;
pub mod orders;
pub mod problems;
pub mod reference;
pub mod scheduler;
pub mod search;
mod throttle;
pub mod topics;
pub mod triage;
pub mod units;
pub mod views;
pub mod warning;

use std::sync::{Arc, RwLock};

use hotline_domain::{Actor, DeadlinePolicy, Timestamp};
use hotline_store::Store;

pub use auth::{NewUserInput, Principal, Session};
pub use clock::{Clock, FixedClock, SystemClock};
pub use error::{AppError, AppResult};
pub use units::UnitDirectory;

#[derive(Debug, Clone)]
pub struct AppConfig {
    pub session_hours: i64,
    /// Argon2id memory cost; the default is OWASP's 19 MiB. Tests lower it to stay fast.
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    /// Mark session cookies `Secure` (served over HTTPS, directly or behind a proxy).
    pub secure_cookies: bool,
    /// The address citizens reach the public pages at (`https://12345.example.gov.cn`), for links
    /// sent by SMS; empty: links are paths.
    pub public_url: String,
    /// Proxies whose `X-Forwarded-For` names the client, for per-client limits.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            session_hours: 12,
            argon2_memory_kib: 19 * 1024,
            argon2_iterations: 2,
            secure_cookies: false,
            public_url: String::new(),
            trusted_proxies: Vec::new(),
        }
    }
}

/// Everything a use case needs, passed explicitly (no globals).
pub struct App {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub config: AppConfig,
    units: RwLock<Arc<UnitDirectory>>,
    /// The category tree, read on every intake and list page, changed only by imports.
    categories: RwLock<Arc<Vec<hotline_store::Category>>>,
    policy: RwLock<Option<(Timestamp, DeadlinePolicy)>>,
    credentials: auth::CredentialCache,
    /// Throttles of logins and tracking, and the bound on password hashing.
    guards: throttle::Guards,
    /// The dispatch catalogue (派单目录) in force.
    dispatch: RwLock<Arc<hotline_domain::dispatch::DispatchCatalogue>>,
    /// The versions of the category tree and dispatch catalogue held above.
    versions: RwLock<catalogue::Versions>,
    /// The triage model in use, when one is loaded.
    triage: RwLock<Option<Arc<hotline_triage::Engine>>>,
    /// District boundaries, when the deployment ships them (coordinates → district).
    districts_by_polygon: RwLock<Option<Arc<hotline_places::DistrictMap>>>,
    /// The key signing citizens' rating links, shared by every node through the store.
    rating_key: RwLock<Option<String>>,
    /// The full-text index of articles and orders, made on first use (in memory) unless the
    /// binary installs one in a directory.
    search: RwLock<Option<Arc<hotline_search::SearchIndex>>>,
    /// One feed pass at a time.
    search_sync: tokio::sync::Mutex<()>,
    /// The database's identity the index is checked against, once read.
    search_store_id: RwLock<Option<String>>,
    /// Woken after this node writes, so its own changes are searchable within moments.
    search_nudge: tokio::sync::Notify,
    /// The analytics read model and the reference data it is read with.
    analytics: RwLock<analytics::AnalyticsState>,
    analytics_sync: tokio::sync::Mutex<()>,
    analytics_nudge: tokio::sync::Notify,
    /// What early warning keeps between passes (the seasons of the day).
    warning: RwLock<warning::WarningState>,
    /// What the text's topics keep between passes (the baseline of the day, the last pass).
    topics: std::sync::Mutex<topics::TopicState>,
    /// The forecasts fitted today (未诉先办).
    forecast: RwLock<forecast::ForecastState>,
}

/// The store by capability: each use case calls the part of the storage port it needs
/// (`self.orders().get_order(…)`, `self.knowledge().get_article(…)`), so what a use case touches is
/// named at every call.
impl App {
    pub fn orders(&self) -> &dyn hotline_store::OrderStore {
        &*self.store
    }
    pub fn accounts(&self) -> &dyn hotline_store::AccountStore {
        &*self.store
    }
    pub fn reference(&self) -> &dyn hotline_store::ReferenceStore {
        &*self.store
    }
    pub fn notices(&self) -> &dyn hotline_store::NoticeStore {
        &*self.store
    }
    pub fn assessment_store(&self) -> &dyn hotline_store::AssessmentStore {
        &*self.store
    }
    pub fn knowledge(&self) -> &dyn hotline_store::KnowledgeStore {
        &*self.store
    }
    pub fn feeds(&self) -> &dyn hotline_store::FeedStore {
        &*self.store
    }
    pub fn alerts(&self) -> &dyn hotline_store::AlertStore {
        &*self.store
    }
    pub fn open311_store(&self) -> &dyn hotline_store::Open311Store {
        &*self.store
    }
}

/// How long a node trusts its cached deadline policy before re-reading it (another node may have
/// stored a new version).
const POLICY_CACHE_SECS: i64 = 30;

impl App {
    /// Builds the app and makes sure a deadline policy exists (the shipped default on a new install).
    pub async fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, config: AppConfig) -> AppResult<Self> {
        let app = Self {
            store,
            clock,
            config,
            units: RwLock::new(Arc::default()),
            categories: RwLock::new(Arc::default()),
            policy: RwLock::new(None),
            credentials: auth::CredentialCache::default(),
            guards: throttle::Guards::default(),
            districts_by_polygon: RwLock::new(None),
            dispatch: RwLock::new(Arc::default()),
            versions: RwLock::new(catalogue::Versions::default()),
            triage: RwLock::new(None),
            rating_key: RwLock::new(None),
            search: RwLock::new(None),
            search_sync: tokio::sync::Mutex::new(()),
            search_store_id: RwLock::new(None),
            search_nudge: tokio::sync::Notify::new(),
            analytics: RwLock::new(analytics::AnalyticsState::new()),
            analytics_sync: tokio::sync::Mutex::new(()),
            analytics_nudge: tokio::sync::Notify::new(),
            warning: RwLock::new(warning::WarningState::default()),
            topics: std::sync::Mutex::new(topics::TopicState::default()),
            forecast: RwLock::new(forecast::ForecastState::default()),
        };
        app.reload_reference().await?;
        if app.reference().current_policy(app.clock.now()).await?.is_none() && app.reference().list_policies().await?.is_empty() {
            let epoch = Timestamp::default();
            let system = Actor::system("system");
            app.reference().insert_policy(&DeadlinePolicy::default_policy(), epoch, &system, app.clock.now()).await?;
        }
        Ok(app)
    }

    /// Re-reads the unit tree, the category tree and the dispatch catalogue in force.
    pub async fn reload_reference(&self) -> AppResult<()> {
        use hotline_store::ReferenceKind;
        let dir = UnitDirectory::new(self.reference().list_units().await?);
        *self.units.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(dir);
        let category_version = self.reference().current_reference(ReferenceKind::Categories).await?.map(|v| v.version);
        let categories = self.reference().list_categories().await?;
        *self.categories.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(categories);
        let rules = self.reference().current_reference(ReferenceKind::DispatchRules).await?;
        let catalogue = match &rules {
            Some(v) => self.parse_dispatch_rules(&v.body).unwrap_or_else(|e| {
                // Units renamed or removed since the version was saved: keep dispatching by hand.
                tracing::warn!(version = v.version, error = %e, "the stored dispatch catalogue no longer fits the units");
                Default::default()
            }),
            None => Default::default(),
        };
        *self.dispatch.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(catalogue);
        *self.versions.write().unwrap_or_else(std::sync::PoisonError::into_inner) =
            catalogue::Versions { categories: category_version, dispatch_rules: rules.map(|v| v.version) };
        Ok(())
    }

    pub fn categories(&self) -> Arc<Vec<hotline_store::Category>> {
        self.categories.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    pub fn units(&self) -> Arc<UnitDirectory> {
        self.units.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// Loads district boundaries (GeoJSON FeatureCollection with `properties.code` = the district's
    /// unit code), so orders with coordinates but no district get one. Returns how many districts
    /// have a boundary.
    /// The district boundaries, when loaded (for maps).
    pub fn district_map(&self) -> Option<Arc<hotline_places::DistrictMap>> {
        self.districts_by_polygon.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    pub fn load_district_polygons(&self, geojson: &str) -> AppResult<usize> {
        let units = self.units();
        let map = hotline_places::DistrictMap::from_geojson(geojson, |code| {
            units.by_code(code).filter(|u| u.class == hotline_domain::UnitClass::District).map(|u| u.id)
        })
        .map_err(AppError::bug)?;
        let n = map.len();
        *self.districts_by_polygon.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Arc::new(map));
        Ok(n)
    }

    /// The district whose boundary contains the point, if boundaries are loaded.
    pub fn district_at(&self, lng: f64, lat: f64) -> Option<hotline_domain::UnitId> {
        self.districts_by_polygon.read().unwrap_or_else(std::sync::PoisonError::into_inner).as_ref().and_then(|m| m.locate(lng, lat))
    }

    /// The deadline policy in effect now (cached briefly).
    pub async fn policy(&self) -> AppResult<DeadlinePolicy> {
        let now = self.clock.now();
        if let Some((at, p)) = self.policy.read().unwrap_or_else(std::sync::PoisonError::into_inner).as_ref()
            && (now - *at).num_seconds().abs() < POLICY_CACHE_SECS
        {
            return Ok(p.clone());
        }
        let p = self.reference().current_policy(now).await?.unwrap_or_else(DeadlinePolicy::default_policy);
        *self.policy.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Some((now, p.clone()));
        Ok(p)
    }

    /// The deployment's offset from UTC in minutes, from the cached policy (Beijing's until read).
    pub fn policy_offset_minutes(&self) -> i32 {
        self.policy.read().unwrap_or_else(std::sync::PoisonError::into_inner).as_ref().map_or(480, |(_, p)| p.utc_offset_minutes)
    }

    /// Every version of the deadline policy, oldest first (any staff member may read them).
    pub async fn policy_versions(&self, _who: &Principal) -> AppResult<Vec<hotline_store::PolicyVersion>> {
        Ok(self.reference().list_policies().await?)
    }

    /// Stores a new version of the deadline policy (system admins and supervisors).
    pub async fn set_policy(
        &self,
        who: &Principal,
        policy: DeadlinePolicy,
        effective_from: Option<Timestamp>,
    ) -> AppResult<DeadlinePolicy> {
        if !matches!(who.role, hotline_domain::Role::Admin | hotline_domain::Role::Supervisor) {
            return Err(AppError::forbidden("只有系统管理员或督办员可以修改时限", "Only admins and supervisors may change deadlines"));
        }
        policy.validate()?;
        let now = self.clock.now();
        let stored = self.reference().insert_policy(&policy, effective_from.unwrap_or(now), &who.actor(), now).await?;
        *self.policy.write().unwrap_or_else(std::sync::PoisonError::into_inner) = None;
        Ok(stored)
    }
}
