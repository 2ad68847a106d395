//! `hotline import-history FILE`: past orders (JSON Lines) into the store and the analytics read
//! model. Every line is checked first (all problems reported by line number, nothing stored when
//! there is one); then batches are stored, each with the import's progress, so running the same
//! command again after an interruption continues where it stopped.

use std::io::{BufRead, Write};
use std::sync::Arc;
use std::time::Instant;

use anyhow::bail;
use hotline_app::App;
use hotline_app::history::line_error;
use sha2::{Digest, Sha256};

/// Orders per stored batch (one transaction each).
pub const DEFAULT_BATCH: usize = 5_000;
/// Most problems listed when a file is refused.
const MAX_REPORTED: usize = 50;

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportReport {
    pub lines: u64,
    pub imported: u64,
    /// Lines an earlier run of the same file stored already.
    pub skipped: u64,
    pub seconds: f64,
    /// Of which checking every line before storing any.
    pub check_seconds: f64,
}

impl ImportReport {
    pub fn rate(&self) -> f64 {
        if self.seconds > 0.0 { self.imported as f64 / self.seconds } else { 0.0 }
    }
}

/// Imports history from `open()`, a reader of the file that can be opened twice (checked, then
/// stored); `source` names it in the orders' timelines. Progress lines go to `out`.
pub async fn import<R: BufRead>(
    app: &Arc<App>,
    source: &str,
    open: impl Fn() -> std::io::Result<R>,
    batch: usize,
    out: &mut impl Write,
) -> anyhow::Result<ImportReport> {
    let started = Instant::now();
    let ctx = app.history_context(source).await.map_err(anyhow::Error::new)?;
    // First pass: every line checked, and the file's identity for resuming.
    let mut hasher = Sha256::new();
    let mut problems = Vec::new();
    let mut lines = 0u64;
    for (i, line) in open()?.lines().enumerate() {
        let line = line?;
        hasher.update(line.as_bytes());
        hasher.update(b"\n");
        let n = i as u64 + 1;
        if line.trim().is_empty() {
            continue;
        }
        lines = n;
        if let Err(e) = ctx.order(n, &line) {
            problems.push(line_error(n, &e));
        }
    }
    if !problems.is_empty() {
        for p in problems.iter().take(MAX_REPORTED) {
            writeln!(out, "{p}")?;
        }
        if problems.len() > MAX_REPORTED {
            writeln!(out, "… and {} more", problems.len() - MAX_REPORTED)?;
        }
        bail!(
            "{} of {lines} lines cannot be imported (nothing was stored): 有 {} 行无法导入，未写入任何数据",
            problems.len(),
            problems.len()
        );
    }
    let check_seconds = started.elapsed().as_secs_f64();
    let hash = hex::encode(hasher.finalize());
    let done = app.history_progress(&hash).await.map_err(anyhow::Error::new)?;
    let mut report = ImportReport { lines, check_seconds, ..ImportReport::default() };
    let mut rows = Vec::with_capacity(batch);
    let mut last = 0u64;
    for (i, line) in open()?.lines().enumerate() {
        let line = line?;
        let n = i as u64 + 1;
        if line.trim().is_empty() {
            continue;
        }
        if n <= done {
            report.skipped += 1;
            continue;
        }
        rows.push(ctx.order(n, &line).map_err(|e| anyhow::anyhow!(line_error(n, &e).to_string()))?);
        last = n;
        if rows.len() >= batch {
            report.imported += app.store_history(&rows, &hash, last).await.map_err(anyhow::Error::new)? as u64;
            rows.clear();
            writeln!(out, "{} orders stored ({:.0}/s)", report.imported, report.imported as f64 / started.elapsed().as_secs_f64())?;
        }
    }
    if !rows.is_empty() {
        report.imported += app.store_history(&rows, &hash, last).await.map_err(anyhow::Error::new)? as u64;
    }
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Imports a file, then brings the analytics read model up to it.
pub async fn import_file(app: &Arc<App>, path: &std::path::Path, batch: usize, out: &mut impl Write) -> anyhow::Result<ImportReport> {
    let source = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    let open = || std::fs::File::open(path).map(|f| std::io::BufReader::with_capacity(1 << 20, f));
    let report = import(app, &source, open, batch, out).await?;
    let started = Instant::now();
    let synced = app.sync_analytics().await.map_err(anyhow::Error::new)?;
    writeln!(out, "analytics read model: {} orders read in {:.1} s", synced.orders, started.elapsed().as_secs_f64())?;
    Ok(report)
}
