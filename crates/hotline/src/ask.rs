//! `hotline ask`: a question in words, read into the query model and answered from the analytics
//! read model (brought up to the database first); `--parse-only` reads it with the shipped reference
//! data and no database; `--eval` scores the parser on a set of questions.

use std::sync::Arc;

use anyhow::Context as _;
use chrono::{DateTime, FixedOffset};
use hotline_analytics::ask::{Case, Lexicon, Score, score};
use hotline_analytics::{Catalog, Dimension};
use hotline_app::{App, Principal};
use hotline_domain::{Role, UserId};

/// The default `now`: the system clock, in the deployment's default offset (+08:00).
pub fn default_now() -> DateTime<FixedOffset> {
    use hotline_app::Clock as _;
    let tz = FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| FixedOffset::east_opt(0).expect("UTC"));
    hotline_app::SystemClock.now().with_timezone(&tz)
}

/// The catalog of the shipped reference data (Beijing's units, the starter category tree).
pub fn shipped_catalog() -> anyhow::Result<Catalog> {
    let units = crate::seed::shipped_units()?;
    let categories = hotline_app::reference::categories_from_csv(crate::seed::CATEGORIES).map_err(anyhow::Error::new)?;
    Ok(Catalog::new(&units, hotline_app::analytics::category_infos(&categories), Vec::new()))
}

/// Reads the evaluation set (JSON Lines; see crates/hotline/data/ask/README.md).
pub fn read_cases(text: &str) -> anyhow::Result<Vec<Case>> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| serde_json::from_str::<Case>(l).with_context(|| format!("line {}", i + 1)))
        .collect()
}

/// Scores the parser on a file of cases, split by question id parity into the half the parser was
/// developed against (odd ids) and the half held out (even ids).
pub fn evaluate(lexicon: &Lexicon, cases: &[Case]) -> (Score, Score, Score) {
    let number = |c: &Case| c.id.rsplit('-').next().and_then(|n| n.parse::<u32>().ok()).unwrap_or(0);
    let dev: Vec<Case> = cases.iter().filter(|c| number(c) % 2 == 1).cloned().collect();
    let held: Vec<Case> = cases.iter().filter(|c| number(c) % 2 == 0).cloned().collect();
    (score(lexicon, cases), score(lexicon, &dev), score(lexicon, &held))
}

/// The principal a command-line question is answered for: the whole centre's view.
pub fn cli_principal() -> Principal {
    Principal { user_id: UserId(0), username: "cli".into(), display_name: "command line".into(), role: Role::Analyst, unit: None }
}

/// Answers a question against the database the app holds, after catching the read model up.
pub async fn answer(
    app: &Arc<App>,
    question: &str,
    now: Option<DateTime<FixedOffset>>,
) -> anyhow::Result<hotline_app::analytics::AskResult> {
    app.sync_analytics().await.map_err(anyhow::Error::new)?;
    app.ask(&cli_principal(), question, now).await.map_err(anyhow::Error::new)
}

/// The answer as a table for people: the dimensions' labels, the value.
pub fn table(catalog: &Catalog, result: &hotline_app::analytics::AskResult) -> String {
    let q = &result.query;
    let mut out = format!("query: {}\n", serde_json::to_string(q).unwrap_or_default());
    if !result.unparsed.is_empty() {
        out.push_str(&format!("not understood: {}\n", result.unparsed.join(", ")));
    }
    for row in &result.rows {
        let labels: Vec<String> = q
            .group_by
            .iter()
            .map(|d: &Dimension| {
                let key = row[d.code()].as_str().unwrap_or("—");
                hotline_analytics::engine::display_label(catalog, *d, key, true)
            })
            .collect();
        let value = match &row["value"] {
            serde_json::Value::Null => "—".to_owned(),
            v => v.to_string(),
        };
        let mut line = if labels.is_empty() { value } else { format!("{}\t{value}", labels.join("\t")) };
        if let Some(p) = row.get("previous").filter(|p| !p.is_null()) {
            line.push_str(&format!("\t(previous {p}, change {})", row["change"]));
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}
