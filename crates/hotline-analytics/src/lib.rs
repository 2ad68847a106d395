//! The analytics read model (民生大数据): what the city calls about, where, when, and how it was
//! handled, answerable in well under a second over years of orders.
//!
//! - [`fact`]: one order as the read model keeps it (no names, phones or free text), packed into
//!   20 bytes ([`codes`]).
//! - [`store`]: fixed-width column files, row = order id − 1, rewritten in place as orders move,
//!   checkpointed with the change-feed position they cover.
//! - [`query`]: the one query model (measure, group-by, filters, comparison, limit) every view, the
//!   API and "ask the data" use; [`engine`] answers it by a parallel column scan.
//! - [`ask`]: questions in Chinese or English parsed into that model, offline and deterministic.
//! - [`export`]: the open-data files (CSV, Parquet) with the query model's column names.
//! - [`warning`]: early warning, surges in calls by place and category as they start.
//! - [`forecast`]: 未诉先办, each district's weekly calls per category eight weeks ahead.
//! - [`candidates`]: 每月一题, the month's chronic problems ranked with their evidence.
//!
//! Pure but for its own files: no clock (time is passed in), no database.

pub mod ask;
pub mod candidates;
pub mod catalog;
mod cells;
pub mod codes;
pub mod dict;
pub mod engine;
pub mod export;
pub mod fact;
pub mod forecast;
pub mod query;
pub mod store;
pub mod warning;

use std::path::{Path, PathBuf};

pub use catalog::{Catalog, CategoryInfo};
pub use engine::{Answer, AnswerRow, Context, answer};
pub use fact::{Callback, Fact};
pub use query::{Compare, Dimension, Filters, Measure, Query};
pub use store::{FactStore, ROW_BYTES};

#[derive(Debug, thiserror::Error)]
pub enum AnalyticsError {
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("read model metadata: {0}")]
    Meta(String),
    /// The query cannot be answered as asked (a 4xx for the asker).
    #[error(transparent)]
    Query(hotline_domain::ValidationError),
    #[error("a row or run is too large to address")]
    TooLarge,
    #[error("a scan thread panicked")]
    ScanPanicked,
}

impl AnalyticsError {
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io { path: path.to_owned(), source }
    }
}

pub type Result<T> = std::result::Result<T, AnalyticsError>;
