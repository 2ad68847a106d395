//! Building and running the application: store, app, router, listener. Tests start the real thing
//! on port 0 through [`Application::build`].

use std::sync::Arc;

use anyhow::Context;
use hotline_app::{App, AppConfig, Clock, SystemClock};
use tokio::net::TcpListener;

use crate::config::Config;

pub struct Application {
    listener: TcpListener,
    app: Arc<App>,
    store: hotline_store_sql::SqlStore,
    config: Config,
}

/// Where `hotline serve` writes its process id, for `hotline reload`.
pub const PID_FILE: &str = "hotline.pid";

/// Writes ./hotline.pid for `hotline reload` while the returned guard lives (the `serve` and `demo`
/// commands; servers embedded in tests write none).
pub fn pid_file() -> PidFile {
    if let Err(e) = std::fs::write(PID_FILE, std::process::id().to_string()) {
        tracing::warn!(error = %e, "cannot write {PID_FILE}; `hotline reload` will not find this server");
    }
    PidFile
}

pub struct PidFile;

impl Drop for PidFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(PID_FILE);
    }
}

/// `hotline reload`: SIGHUP to the server whose pid is in ./hotline.pid.
pub fn signal_reload() -> anyhow::Result<()> {
    let pid =
        std::fs::read_to_string(PID_FILE).with_context(|| format!("no {PID_FILE} here: is `hotline serve` running in this directory?"))?;
    let pid: u32 = pid.trim().parse().with_context(|| format!("{PID_FILE} does not hold a process id"))?;
    let status = std::process::Command::new("kill").args(["-HUP", &pid.to_string()]).status().context("cannot run kill")?;
    anyhow::ensure!(status.success(), "no server with pid {pid}");
    println!("asked hotline (pid {pid}) to reload");
    Ok(())
}

/// For commands that work without a deployment's database (`triage`, `eval`): the configured
/// database when one is named (flag or HOTLINE_DATABASE_URL), else a temporary SQLite file with the
/// shipped reference data, removed when the returned guard drops.
pub async fn ephemeral_unless_configured(
    server: &crate::config::ServerArgs,
    load: &impl Fn(&crate::config::ServerArgs) -> anyhow::Result<Config>,
) -> anyhow::Result<(Config, hotline_store_sql::SqlStore, Arc<App>, Option<TempDb>)> {
    let named = server.database.is_some() || std::env::var_os("HOTLINE_DATABASE_URL").is_some();
    let mut args = server.clone();
    let tmp = (!named).then(TempDb::new);
    if let Some(t) = &tmp {
        args.database = Some(format!("sqlite://{}?mode=rwc", t.0.display()));
    }
    let config = load(&args)?;
    let store = open_store(&config).await?;
    let app = build_app(&config, store.clone(), Arc::new(SystemClock)).await?;
    Ok((config, store, app, tmp))
}

/// A temporary SQLite database file, deleted on drop.
pub struct TempDb(std::path::PathBuf);

impl TempDb {
    fn new() -> Self {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Self(std::env::temp_dir().join(format!("hotline-{}-{n}.db", std::process::id())))
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

/// Opens (and migrates) the store named by the configuration.
pub async fn open_store(config: &Config) -> anyhow::Result<hotline_store_sql::SqlStore> {
    let url = config.database_url.normalised();
    hotline_store_sql::connect(&url).await.with_context(|| format!("cannot open database {:?}", config.database_url))
}

pub async fn build_app(config: &Config, store: hotline_store_sql::SqlStore, clock: Arc<dyn Clock>) -> anyhow::Result<Arc<App>> {
    let app_config = AppConfig {
        session_hours: config.session_hours,
        argon2_memory_kib: config.argon2_memory_kib,
        argon2_iterations: config.argon2_iterations,
        secure_cookies: config.secure_cookies,
        public_url: config.public_url.clone(),
        trusted_proxies: config
            .trusted_proxies
            .iter()
            .map(|p| p.trim().parse().with_context(|| format!("trusted_proxies: {p:?} is not an IP address")))
            .collect::<anyhow::Result<_>>()?,
    };
    let app = App::new(Arc::new(store), clock, app_config).await?;
    crate::seed::ensure_reference_data(&app).await?;
    if let Err(e) = crate::triage::install_model(&app, config) {
        tracing::warn!(error = %e, "no triage model: intake works without suggestions");
    }
    Ok(Arc::new(app))
}

/// Opens the analytics read model where the configuration puts it (else the app makes a temporary one).
pub fn install_analytics(config: &Config, app: &App) -> anyhow::Result<()> {
    if let Some(dir) = config.analytics_path() {
        let (store, _) = hotline_analytics::FactStore::open(&dir)
            .with_context(|| format!("cannot open the analytics read model in {}", dir.display()))?;
        app.install_analytics(store);
    }
    Ok(())
}

impl Application {
    pub async fn build(config: &Config) -> anyhow::Result<Self> {
        let store = open_store(config).await?;
        let app = build_app(config, store.clone(), Arc::new(SystemClock)).await?;
        Self::with_app(config, app, store).await
    }

    pub async fn with_app(config: &Config, app: Arc<App>, store: hotline_store_sql::SqlStore) -> anyhow::Result<Self> {
        if let Some(dir) = config.search_index_path() {
            let index = hotline_search::SearchIndex::open(Some(&dir))
                .with_context(|| format!("cannot open the search index in {}", dir.display()))?;
            app.install_search_index(index);
        }
        install_analytics(config, &app)?;
        let listener = TcpListener::bind(&config.listen).await.with_context(|| format!("cannot listen on {}", config.listen))?;
        Ok(Self { listener, app, store, config: config.clone() })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or_default()
    }

    pub fn app(&self) -> Arc<App> {
        self.app.clone()
    }

    /// Serves until Ctrl-C or SIGTERM, then closes the store cleanly.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let router = hotline_http::router(self.app.clone());
        // Another node (or `hotline categories import`) may save a new category tree or dispatch
        // catalogue: pick it up within the refresh interval.
        // A newer triage model file is picked up the same way; SIGHUP (`hotline reload`) does both at once.
        let app = self.app.clone();
        let config = self.config.clone();
        let refresher = tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(hotline_app::catalogue::REFERENCE_REFRESH_SECS));
            #[cfg(unix)]
            let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
            tick.tick().await;
            loop {
                #[cfg(unix)]
                let hangup = async {
                    match hup.as_mut() {
                        Some(s) => {
                            s.recv().await;
                        }
                        None => std::future::pending::<()>().await,
                    }
                };
                #[cfg(not(unix))]
                let hangup = std::future::pending::<()>();
                tokio::select! { _ = tick.tick() => {}, () = hangup => tracing::info!("reload requested") }
                match app.refresh_reference_if_changed().await {
                    Ok(true) => tracing::info!("reloaded a newer category tree or dispatch catalogue"),
                    Ok(false) => {}
                    Err(e) => tracing::warn!(error = %e, "cannot check for newer reference data"),
                }
                let app = app.clone();
                let config = config.clone();
                // Loading a model parses a few MB and builds the segmenter: off the async threads.
                let loaded = tokio::task::spawn_blocking(move || crate::triage::install_model(&app, &config)).await;
                if let Ok(Err(e)) = loaded {
                    tracing::warn!(error = %e, "cannot load the newest triage model; keeping the current one");
                }
            }
        });

        let scheduler = (self.config.scheduler_interval_secs > 0).then(|| {
            let app = self.app.clone();
            let every = std::time::Duration::from_secs(self.config.scheduler_interval_secs);
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(every);
                loop {
                    tick.tick().await;
                    if let Err(e) = app.run_deadline_pass().await {
                        tracing::warn!(error = %e, "deadline scheduler pass failed; retrying next interval");
                    }
                }
            })
        });
        let watcher = (self.config.early_warning_interval_secs > 0 && self.config.search_refresh_ms > 0)
            .then(|| tokio::spawn(keep_watch(self.app.clone(), std::time::Duration::from_secs(self.config.early_warning_interval_secs))));
        let indexer = (self.config.search_refresh_ms > 0)
            .then(|| tokio::spawn(keep_search_index(self.app.clone(), std::time::Duration::from_millis(self.config.search_refresh_ms))));
        let exporter = (!self.config.export_dir.trim().is_empty()).then(|| {
            let format = if self.config.export_format == "csv" {
                hotline_analytics::export::Format::Csv
            } else {
                hotline_analytics::export::Format::Parquet
            };
            tokio::spawn(daily_export(self.app.clone(), std::path::PathBuf::from(self.config.export_dir.trim()), format))
        });
        let analyst = (self.config.search_refresh_ms > 0)
            .then(|| tokio::spawn(keep_analytics(self.app.clone(), std::time::Duration::from_millis(self.config.search_refresh_ms))));
        let limits = crate::serve::Limits {
            max_connections: crate::serve::connection_limit(self.config.max_connections),
            max_connections_per_client: self.config.max_connections_per_client.max(1),
            header_timeout: std::time::Duration::from_secs(self.config.header_timeout_secs.max(1)),
            grace: std::time::Duration::from_secs(10),
        };
        tracing::info!(max_connections = limits.max_connections, per_client = limits.max_connections_per_client, "serving");
        let served = crate::serve::serve(self.listener, router, limits, shutdown_signal()).await;
        if let Some(i) = indexer {
            i.abort();
        }
        if let Some(a) = analyst {
            a.abort();
        }
        if let Some(w) = watcher {
            w.abort();
        }
        if let Some(e) = exporter {
            e.abort();
        }
        refresher.abort();
        if let Some(s) = scheduler {
            s.abort();
        }
        self.store.close().await;
        Ok(served?)
    }
}

/// Keeps this node's search index up with the store: at once after this node writes, else every
/// `every` (writes of other nodes). The first pass builds or catches up the index.
async fn keep_search_index(app: Arc<App>, every: std::time::Duration) {
    // A burst of writes is read in one pass rather than one commit per write.
    const GATHER: std::time::Duration = std::time::Duration::from_millis(50);
    loop {
        match app.sync_search().await {
            Ok(r) if r.rebuilt => tracing::info!(orders = r.orders, articles = r.articles, "search index built"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "search index pass failed; retrying"),
        }
        tokio::select! { () = app.search_nudged() => {}, () = tokio::time::sleep(every) => {} }
        tokio::time::sleep(GATHER).await;
    }
}

/// Keeps this node's analytics read model up with the store, as the search index is kept.
async fn keep_analytics(app: Arc<App>, every: std::time::Duration) {
    const GATHER: std::time::Duration = std::time::Duration::from_millis(50);
    loop {
        match app.sync_analytics().await {
            Ok(r) if r.rebuilt => tracing::info!(orders = r.orders, "analytics read model built"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "analytics pass failed; retrying"),
        }
        tokio::select! { () = app.analytics_nudged() => {}, () = tokio::time::sleep(every) => {} }
        tokio::time::sleep(GATHER).await;
    }
}

/// Early warning: a detection pass over the analytics read model every `every` (it needs the read
/// model kept current, so it runs only where `keep_analytics` does).
async fn keep_watch(app: Arc<App>, every: std::time::Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = app.run_warning_pass().await {
            tracing::warn!(error = %e, "early-warning pass failed; retrying next interval");
        }
    }
}

/// Writes the day before's open-data file once a day (and at start, when it is missing).
async fn daily_export(app: Arc<App>, dir: std::path::PathBuf, format: hotline_analytics::export::Format) {
    let mut last: Option<chrono::NaiveDate> = None;
    loop {
        let tz = chrono::FixedOffset::east_opt(app.policy_offset_minutes() * 60)
            .unwrap_or_else(|| chrono::FixedOffset::east_opt(0).expect("UTC"));
        let today = app.clock.now().with_timezone(&tz).date_naive();
        let yesterday = today.pred_opt().unwrap_or(today);
        if last != Some(yesterday) {
            match app.export_open_data(&dir, format, (Some(yesterday), Some(today))).await {
                Ok(done) => {
                    tracing::info!(day = %yesterday, orders = done.rows, dir = %dir.display(), "daily open-data export written");
                    last = Some(yesterday);
                }
                Err(e) => tracing::warn!(error = %e, "daily open-data export failed; retrying within the hour"),
            }
        }
        tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutting down");
}
