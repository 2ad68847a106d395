//! Layered configuration: defaults, then a TOML file, then `HOTLINE_*` environment variables, then
//! command-line flags. `hotline config example` prints the shipped example, which is the same file
//! the defaults are documented in, so the two cannot drift.

use std::path::Path;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

pub const EXAMPLE: &str = include_str!("../../../config/hotline.example.toml");

#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct Config {
    pub listen: String,
    pub database_url: DatabaseUrl,
    pub session_hours: i64,
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    pub secure_cookies: bool,
    pub log: String,
    /// Directory of triage model files (`triage-*.model`); the newest is used.
    pub model_dir: String,
    /// Seconds between deadline scheduler passes; 0 turns the scheduler off on this node.
    pub scheduler_interval_secs: u64,
    /// Seconds between early-warning passes over the analytics read model (surge detection); 0
    /// turns them off on this node.
    pub early_warning_interval_secs: u64,
    /// The public address of the citizen pages (`https://12345.example.gov.cn`), used in links sent
    /// by SMS (the rating link); empty: links are paths.
    pub public_url: String,
    /// The search index's directory: `""` beside a SQLite file (else in memory), `"memory"`, or a path.
    pub search_index_dir: String,
    /// Milliseconds between reads of other nodes' changes into this node's search index (this
    /// node's own writes are read at once); 0: this node does not keep its index current.
    pub search_refresh_ms: u64,
    /// The analytics read model's directory: `""` beside a SQLite file (else a temporary directory,
    /// rebuilt at each start), `"temporary"`, or a path.
    pub analytics_dir: String,
    /// Where the daily open-data export goes (`""`: no daily export): each day, the day before's
    /// orders as one file under `received_month=YYYY-MM/`.
    pub export_dir: String,
    /// `parquet` or `csv`.
    pub export_format: String,
    /// Connections open at once (lowered to what the open-file limit allows, less a reserve for
    /// the database and the indexes); more wait in the kernel's backlog.
    pub max_connections: usize,
    /// Connections one client address may hold; more are closed at once.
    pub max_connections_per_client: usize,
    /// Seconds a client has to send a request's headers, and that a kept-alive connection may sit
    /// idle between requests.
    pub header_timeout_secs: u64,
    /// Proxies whose `X-Forwarded-For` names the client (IP addresses); behind a load balancer,
    /// list it here or every citizen counts as the balancer for the per-client limits.
    pub trusted_proxies: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            database_url: DatabaseUrl("sqlite://hotline.db?mode=rwc".into()),
            session_hours: 12,
            argon2_memory_kib: 19_456,
            argon2_iterations: 2,
            secure_cookies: false,
            log: "info,tower_http=warn,sqlx=warn".into(),
            model_dir: "models".into(),
            scheduler_interval_secs: 30,
            early_warning_interval_secs: 60,
            public_url: String::new(),
            search_index_dir: String::new(),
            search_refresh_ms: 1000,
            analytics_dir: String::new(),
            export_dir: String::new(),
            export_format: "parquet".into(),
            max_connections: 4096,
            max_connections_per_client: 256,
            header_timeout_secs: 10,
            trusted_proxies: Vec::new(),
        }
    }
}

/// A database URL whose `Debug` hides the password, so it can be logged.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
#[serde(transparent)]
pub struct DatabaseUrl(pub String);

impl DatabaseUrl {
    /// Accepts a URL or, for convenience, a bare SQLite file path.
    pub fn normalised(&self) -> String {
        let s = self.0.trim();
        if s.contains("://") || s.starts_with("sqlite:") { s.to_owned() } else { format!("sqlite://{s}?mode=rwc") }
    }
}

impl Config {
    /// Where the search index lives: a directory, or `None` for memory.
    pub fn search_index_path(&self) -> Option<std::path::PathBuf> {
        self.beside_database(&self.search_index_dir, "memory", "search")
    }

    /// Where the analytics read model lives: a directory, or `None` for a temporary one.
    pub fn analytics_path(&self) -> Option<std::path::PathBuf> {
        self.beside_database(&self.analytics_dir, "temporary", "analytics")
    }

    /// A reader's directory: the one configured, none for `none_word`, or beside a SQLite file
    /// (`hotline.db.<suffix>`) when not set.
    fn beside_database(&self, configured: &str, none_word: &str, suffix: &str) -> Option<std::path::PathBuf> {
        match configured.trim() {
            w if w == none_word => None,
            "" => {
                let url = self.database_url.normalised();
                let file = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
                let file = file.split('?').next().unwrap_or_default();
                (!file.is_empty() && !file.contains(":memory:")).then(|| std::path::PathBuf::from(format!("{file}.{suffix}")))
            }
            dir => Some(std::path::PathBuf::from(dir)),
        }
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = &self.0;
        match (s.find("://"), s.rfind('@')) {
            (Some(scheme), Some(at)) if at > scheme => {
                let userinfo = &s[scheme + 3..at];
                match userinfo.split_once(':') {
                    Some((user, _)) => write!(f, "{}{user}:***@{}", &s[..scheme + 3], &s[at + 1..]),
                    None => f.write_str(s),
                }
            }
            _ => f.write_str(s),
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("database_url", &self.database_url)
            .field("session_hours", &self.session_hours)
            .field("log", &self.log)
            .finish_non_exhaustive()
    }
}

/// Overrides from the command line (the last layer).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub listen: Option<String>,
    pub database_url: Option<String>,
}

impl Config {
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> anyhow::Result<Self> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) => {
                anyhow::ensure!(path.exists(), "configuration file {} does not exist", path.display());
                fig = fig.merge(Toml::file(path));
            }
            None => fig = fig.merge(Toml::file("hotline.toml")),
        }
        let mut config: Config = fig.merge(Env::prefixed("HOTLINE_")).extract()?;
        if let Some(l) = &overrides.listen {
            config.listen.clone_from(l);
        }
        if let Some(d) = &overrides.database_url {
            config.database_url = DatabaseUrl(d.clone());
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_url_debug_hides_the_password() {
        let url = DatabaseUrl("postgres://hotline:s3cret@db:5432/hotline".into());
        assert_eq!(format!("{url:?}"), "postgres://hotline:***@db:5432/hotline");
        assert_eq!(format!("{:?}", DatabaseUrl("sqlite://hotline.db?mode=rwc".into())), "sqlite://hotline.db?mode=rwc");
    }

    #[test]
    fn the_shipped_example_parses_to_the_defaults() {
        let parsed: Config = Figment::from(Toml::string(EXAMPLE)).extract().expect("example parses");
        assert_eq!(parsed, Config::default());
    }

    #[test]
    fn the_search_index_sits_beside_a_sqlite_file_unless_told_otherwise() {
        let with = |db: &str, dir: &str| {
            Config { database_url: DatabaseUrl(db.into()), search_index_dir: dir.into(), ..Config::default() }.search_index_path()
        };
        assert_eq!(with("sqlite://data/h.db?mode=rwc", ""), Some("data/h.db.search".into()));
        assert_eq!(with("data/h.db", ""), Some("data/h.db.search".into()));
        assert_eq!(with("sqlite::memory:", ""), None);
        assert_eq!(with("postgres://x/y", ""), None);
        assert_eq!(with("sqlite://h.db", "memory"), None);
        assert_eq!(with("postgres://x/y", "/var/lib/hotline/search"), Some("/var/lib/hotline/search".into()));
    }

    #[test]
    fn a_bare_path_becomes_a_sqlite_url() {
        assert_eq!(DatabaseUrl("data/h.db".into()).normalised(), "sqlite://data/h.db?mode=rwc");
        assert_eq!(DatabaseUrl("postgres://x/y".into()).normalised(), "postgres://x/y");
    }
}

/// The flags every command that opens the database takes (they override the file and the
/// environment).
#[derive(Debug, clap::Args, Clone, Default)]
pub struct ServerArgs {
    /// Address to listen on, e.g. 127.0.0.1:8080 (env HOTLINE_LISTEN).
    #[arg(long)]
    pub listen: Option<String>,
    /// Database URL: sqlite://FILE?mode=rwc (default sqlite://hotline.db?mode=rwc) or postgres://…
    /// (env HOTLINE_DATABASE_URL).
    #[arg(long)]
    pub database: Option<String>,
}
