//! The command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "hotline", version, about = "Citizen service hotline (12345 / 接诉即办) work-order platform")]
pub struct Cli {
    /// Configuration file (TOML). Default: ./hotline.toml if it exists.
    #[arg(long, global = true, env = "HOTLINE_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

pub use crate::config::ServerArgs;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server.
    Serve(ServerArgs),
    /// Run the server on a demo database with a user for every role and a few hundred orders.
    Demo {
        #[command(flatten)]
        server: ServerArgs,
        /// How many demo orders to create on a new demo database.
        #[arg(long, default_value_t = 300)]
        orders: usize,
        /// Days of generated history imported first on a new demo database (about 18 months),
        /// through the same path as `hotline import-history`.
        #[arg(long, default_value_t = 548)]
        history_days: u32,
        /// Requests a day in that history.
        #[arg(long, default_value_t = 300)]
        per_day: u32,
    },
    /// Apply pending database migrations and load the shipped reference data, then exit.
    Migrate {
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Configuration helpers.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Print the OpenAPI document of the JSON API.
    Openapi,
    /// Create a staff account.
    CreateUser {
        #[command(flatten)]
        server: ServerArgs,
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: String,
        /// operator | supervisor | unit_handler | unit_admin | callback_agent | analyst | admin |
        /// open311_client (a client system posting requests and updates over Open311 with an API token)
        #[arg(long)]
        role: String,
        /// Unit code (required for unit roles), e.g. 110105026.
        #[arg(long)]
        unit: Option<String>,
        /// Read from env HOTLINE_NEW_PASSWORD so it stays out of shell history.
        #[arg(long, env = "HOTLINE_NEW_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// Load another city's units (insert new codes, update known ones) from a CSV file in the
    /// documented format `code,name,class,parent_code` (see crates/hotline/data/README.md).
    ImportUnits {
        #[command(flatten)]
        server: ServerArgs,
        /// The CSV file.
        file: PathBuf,
    },
    /// The knowledge base (知识库).
    Kb {
        #[command(subcommand)]
        command: KbCommand,
    },
    /// The category tree (分类目录), kept in versions.
    Categories {
        #[command(subcommand)]
        command: ReferenceCommand,
    },
    /// The dispatch catalogue (派单目录), kept in versions.
    DispatchRules {
        #[command(subcommand)]
        command: DispatchRulesCommand,
    },
    /// Fit a new triage model (stored orders with their final labels, plus --generated N) and
    /// write it to model_dir; a running server picks it up within 30 s (or at once on `hotline reload`).
    Train {
        #[command(flatten)]
        server: ServerArgs,
        #[command(flatten)]
        args: crate::triage::TrainArgs,
    },
    /// Triage JSON Lines requests from PATH (`-` for standard input) as docs/triage.md describes.
    /// Without --database (or HOTLINE_DATABASE_URL) it uses the shipped reference data and no stored orders.
    Triage {
        #[command(flatten)]
        server: ServerArgs,
        /// The input file, or `-`.
        path: String,
    },
    /// Accuracy and macro-F1 per decision, emergency recall and precision, duplicates and two
    /// baselines on labelled sets, then the summary docs/triage.md reports. Sets, comma-separated:
    /// `corpus:test` (the figures reported), `corpus:dev`, `corpus:train`, `handwritten`,
    /// `generated:N`, or a JSON Lines file.
    Eval {
        #[command(flatten)]
        server: ServerArgs,
        #[arg(long, default_value = crate::triage::DEFAULT_EVAL_SETS)]
        labels: String,
        /// Also print confusion matrices.
        #[arg(long)]
        confusion: bool,
        /// Instead: replay the corpus's training part as the floor's calls in this many steps, filing
        /// each as an order and retraining from the stored orders after each step (accuracy on the
        /// test part as orders and overrides accumulate).
        #[arg(long)]
        replay: Option<usize>,
        /// Generated requests the replay's models learn beside the stored orders.
        #[arg(long, default_value_t = 100_000)]
        replay_generated: usize,
    },
    /// The month's assessment: response, resolution and satisfaction rates, score and rank of every
    /// unit, by unit class (a table, or CSV with --csv).
    Assess {
        #[command(flatten)]
        server: ServerArgs,
        /// YYYY-MM.
        #[arg(long)]
        month: String,
        #[arg(long)]
        csv: bool,
    },
    /// The SMS and e-mail messages waiting in the outbox, oldest first, as JSON Lines (for a city that
    /// sends them with its own gateway until a sending adapter is configured).
    Outbox {
        #[command(flatten)]
        server: ServerArgs,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Load past orders (JSON Lines; see docs/analytics.md) into the store and the analytics read
    /// model: every line is checked first; batches are stored with the import's progress, so the
    /// same command continues an interrupted import.
    ImportHistory {
        #[command(flatten)]
        server: ServerArgs,
        /// The JSON Lines file.
        file: PathBuf,
        /// Orders per stored batch.
        #[arg(long, default_value_t = crate::history::DEFAULT_BATCH)]
        batch: usize,
    },
    /// Open data: one row per order (no personal data, no free text, place to the street), columns
    /// named as the analytics query model's dimensions, one file per day under
    /// `DIR/received_month=YYYY-MM/` (Parquet for DuckDB, Spark or Trino; or CSV).
    Export {
        #[command(flatten)]
        server: ServerArgs,
        /// First local day (YYYY-MM-DD); default: the first day held.
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        /// Last local day, included (YYYY-MM-DD); default: the last day held.
        #[arg(long)]
        to: Option<chrono::NaiveDate>,
        /// parquet | csv
        #[arg(long, default_value = "parquet")]
        format: String,
        /// Where the files go.
        #[arg(long, default_value = "export")]
        dir: PathBuf,
    },
    /// Early warning: the surges signalling at a moment (default: now), detected over the analytics
    /// read model exactly as the server's pass does — live orders and imported history alike (the
    /// read model is brought up to date first). Nothing is stored; the server records alerts.
    Alerts {
        #[command(flatten)]
        server: ServerArgs,
        /// Print a JSON array of `{kind, series, district, street, category, terms, started_at,
        /// observed, expected, score, recurrence_days}` (surges, then the text's topics).
        #[arg(long)]
        json: bool,
        /// The moment to detect at (RFC 3339, e.g. 2023-07-31T12:00:00+08:00).
        #[arg(long)]
        now: Option<chrono::DateTime<chrono::FixedOffset>>,
    },
    /// 每月一题 candidates: the month's chronic problems (a category in a street, or in a district),
    /// ranked with their evidence over the analytics read model (brought up to date first), for
    /// the whole city.
    Candidates {
        #[command(flatten)]
        server: ServerArgs,
        /// The month, YYYY-MM.
        #[arg(long)]
        month: String,
        /// Print a JSON array of `{key, rank, score, level, district, street, category,
        /// category_label, volume, months_persistent, repeat_share, dissatisfied_share,
        /// unresolved_share, units, streets, evidence, …}`.
        #[arg(long)]
        json: bool,
    },
    /// 未诉先办 forecasts: each district's calls per first-level category for the next 8 weeks, with
    /// 80% and 95% prediction intervals and the held-out error of the model beside the
    /// seasonal-naive baseline's, fitted on the complete weeks of the analytics read model (brought
    /// up to date first). Nothing is stored.
    Forecast {
        #[command(flatten)]
        server: ServerArgs,
        /// Print a JSON array of `{district, category, week, forecast, lower80, upper80, lower95,
        /// upper95, model_mae, naive_mae, model_wape, naive_wape}`, one per series and week ahead.
        #[arg(long)]
        json: bool,
        /// The moment to forecast from (RFC 3339): its week and the weeks after are the future.
        #[arg(long)]
        now: Option<chrono::DateTime<chrono::FixedOffset>>,
        /// One district (official name, unit code or id); default every district and the city.
        #[arg(long)]
        district: Option<String>,
        /// One first-level category code (UTL); default each one and all together.
        #[arg(long)]
        category: Option<String>,
    },
    /// Ask the data (问数): a question in Chinese or English, read into the analytics query model
    /// and answered from the database (the read model is brought up to date first).
    Ask {
        #[command(flatten)]
        server: ServerArgs,
        /// Print `{"query", "rows", "unparsed"}` as JSON.
        #[arg(long)]
        json: bool,
        /// When the question is asked (RFC 3339, e.g. 2026-12-07T10:00:00+08:00); relative dates
        /// resolve against its local date. Default: now, at +08:00.
        #[arg(long)]
        now: Option<chrono::DateTime<chrono::FixedOffset>>,
        /// Print only `{"query", "unparsed"}`, read with the shipped reference data, without opening a database.
        #[arg(long)]
        parse_only: bool,
        /// Score the parser on a JSON Lines file of questions with their expected queries instead
        /// (crates/hotline/data/ask/questions.jsonl), with the shipped reference data.
        #[arg(long, conflicts_with = "question")]
        eval: Option<PathBuf>,
        /// The question.
        #[arg(required_unless_present = "eval")]
        question: Option<String>,
    },
    /// Tell the running server (its pid in ./hotline.pid) to load the newest model and reference data now.
    Reload,
    /// Write synthetic requests with their ground truth as JSON Lines to standard output (no
    /// database needed; see docs/triage.md).
    Generate(crate::generate::GenerateArgs),
    /// Benchmarks (figures go into docs/benchmarks.md).
    Bench {
        #[command(subcommand)]
        command: crate::bench::BenchCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum DispatchRulesCommand {
    /// List the categories no dispatch rule covers (exit status 1 when there are any).
    Check {
        #[command(flatten)]
        server: ServerArgs,
    },
    #[command(flatten)]
    Versions(ReferenceCommand),
}

/// Loading and reading a versioned reference set (same CSV format as the shipped files).
#[derive(Debug, Subcommand)]
pub enum ReferenceCommand {
    /// Store FILE as the next version (checked first; nothing is stored when it is invalid).
    Import {
        #[command(flatten)]
        server: ServerArgs,
        /// The CSV file.
        file: PathBuf,
        /// Why this version (kept with it).
        #[arg(long, default_value = "imported from a file")]
        note: String,
    },
    /// Print the version in force (or --version N) as CSV.
    Export {
        #[command(flatten)]
        server: ServerArgs,
        #[arg(long = "version")]
        number: Option<i64>,
    },
    /// List the stored versions, newest first.
    Versions {
        #[command(flatten)]
        server: ServerArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum KbCommand {
    /// Import every `*.md` article of DIR (front matter + Chinese body + `<!-- en -->` + English
    /// body); all are checked first and nothing is saved if one is wrong; changed articles get a
    /// new version, unchanged ones are left alone.
    Import {
        #[command(flatten)]
        server: ServerArgs,
        dir: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print a commented example configuration with every default.
    Example,
}
