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
    };
    let app = App::new(Arc::new(store), clock, app_config).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    crate::seed::ensure_reference_data(&app).await?;
    Ok(Arc::new(app))
}

impl Application {
    pub async fn build(config: &Config) -> anyhow::Result<Self> {
        let store = open_store(config).await?;
        let app = build_app(config, store.clone(), Arc::new(SystemClock)).await?;
        Self::with_app(config, app, store).await
    }

    pub async fn with_app(config: &Config, app: Arc<App>, store: hotline_store_sql::SqlStore) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(&config.listen).await.with_context(|| format!("cannot listen on {}", config.listen))?;
        Ok(Self { listener, app, store })
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
        let app = self.app.clone();
        let refresher = tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(hotline_app::catalogue::REFERENCE_REFRESH_SECS));
            tick.tick().await;
            loop {
                tick.tick().await;
                match app.refresh_reference_if_changed().await {
                    Ok(true) => tracing::info!("reloaded a newer category tree or dispatch catalogue"),
                    Ok(false) => {}
                    Err(e) => tracing::warn!(error = %e, "cannot check for newer reference data"),
                }
            }
        });
        let served = axum::serve(self.listener, router).with_graceful_shutdown(shutdown_signal()).await;
        refresher.abort();
        self.store.close().await;
        Ok(served?)
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
