//! `hotline train`, `hotline triage`, `hotline eval`, and loading the newest model: model files are
//! `triage-YYYYMMDD-HHMMSS.model` in the configured `model_dir`; with none, the model shipped in the
//! binary (trained on generated requests, `data/triage-default.model`) is used.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use hotline_app::App;
use hotline_domain::{EmergencyService, State};
use hotline_store::OrderQuery;
use hotline_triage::eval::{Answer, KeywordNode, Scores, keyword_rules, majority};
use hotline_triage::{Engine, Labelled, ModelInfo, TrainOptions, TreeKnowledge, TriageModel};

use crate::config::Config;

/// The model shipped in the binary: trained on generated requests by `hotline train --generated`.
pub const DEFAULT_MODEL: &[u8] = include_bytes!("../data/triage-default.model");
/// The hand-written evaluation set (never trained on).
pub const HANDWRITTEN: &str = include_str!("../../hotline-triage/data/handwritten.jsonl");

#[derive(Debug, Clone, clap::Args)]
pub struct TrainArgs {
    /// Learn from the stored orders with their final labels (nature, category, urgency as last
    /// confirmed; disposition from how the order was handled).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub orders: bool,
    /// Also learn from this many generated requests (a new install has few orders).
    #[arg(long, default_value_t = 0)]
    pub generated: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Training passes over the data.
    #[arg(long, default_value_t = 4)]
    pub epochs: usize,
    /// L2 penalty (larger: smaller weights, less confident on unfamiliar wording).
    #[arg(long, default_value_t = 1e-4)]
    pub l2: f32,
    /// Write the model here instead of `model_dir/triage-<time>.model`.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// The newest `triage-*.model` in `dir`, if any.
pub fn newest_model_file(dir: &Path) -> Option<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("triage-") && n.ends_with(".model")))
        .collect();
    files.sort();
    files.pop()
}

/// Loads the newest model of the configured directory, or the shipped one.
pub fn load_model(config: &Config) -> anyhow::Result<(TriageModel, String)> {
    match newest_model_file(Path::new(&config.model_dir)) {
        Some(path) => {
            let bytes = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            let model = TriageModel::from_bytes(&bytes).with_context(|| format!("{}", path.display()))?;
            Ok((model, path.display().to_string()))
        }
        None => Ok((TriageModel::from_bytes(DEFAULT_MODEL).context("the shipped model")?, "shipped default".into())),
    }
}

/// Loads the model into the app (at start, and when a newer file appears or on SIGHUP).
pub fn install_model(app: &App, config: &Config) -> anyhow::Result<()> {
    let (model, from) = load_model(config)?;
    let current = app.triage_engine().map(|e| e.model.info.version.clone());
    if current.as_deref() != Some(model.info.version.as_str()) {
        tracing::info!(model = %model.info.version, %from, "triage model loaded");
        app.set_triage_engine(Engine::new(model));
    }
    Ok(())
}

/// What the binary knows besides the examples: the tree's words as hints, segmenter vocabulary,
/// default urgencies.
pub fn tree_knowledge(app: &App) -> TreeKnowledge {
    let mut tree = TreeKnowledge::default();
    for c in app.categories().iter() {
        tree.hints.push((c.name_zh.clone(), c.code.clone()));
        if !c.description.is_empty() {
            tree.hints.push((c.description.clone(), c.code.clone()));
        }
        if !c.name_en.is_empty() {
            tree.hints.push((c.name_en.clone(), c.code.clone()));
        }
        for k in &c.keywords {
            tree.hints.push((k.clone(), c.code.clone()));
            tree.vocabulary.push(k.clone());
        }
        tree.vocabulary.push(c.name_zh.clone());
        tree.default_urgency.insert(c.code.clone(), c.default_urgency.clone());
    }
    for u in app.units().all().iter().filter(|u| u.class != hotline_domain::UnitClass::Community) {
        tree.vocabulary.push(u.name.clone());
    }
    tree
}

fn disposition_of(o: &hotline_domain::WorkOrder) -> Option<String> {
    Some(match o.state {
        State::Received | State::Triaged => return None,
        State::AnsweredDirectly => "answer".into(),
        State::Transferred => match o.transferred_to {
            Some(EmergencyService::Police) => "transfer_110".into(),
            Some(EmergencyService::Fire) => "transfer_119".into(),
            Some(EmergencyService::Ambulance) => "transfer_120".into(),
            Some(EmergencyService::TrafficPolice) => "transfer_122".into(),
            None => return None,
        },
        State::Redirected => "redirect".into(),
        State::LinkedDuplicate => "duplicate".into(),
        _ => "dispatch".into(),
    })
}

/// Stored orders with their final labels, newest first (paged by receipt time).
async fn order_examples(app: &App) -> anyhow::Result<Vec<Labelled>> {
    let mut out = Vec::new();
    let mut before = None;
    loop {
        let q = OrderQuery { received_before: before, limit: 1000, ..OrderQuery::default() };
        let page = app.orders().list_orders(&q).await?;
        let Some(last) = page.orders.last() else { break };
        before = Some(last.received_at);
        for o in &page.orders {
            let (Some(nature), Some(category), Some(disposition)) = (o.nature, o.category.as_ref(), disposition_of(o)) else { continue };
            out.push(Labelled {
                id: o.number.to_string(),
                channel: Some(o.channel.code().to_owned()),
                text: o.description.clone(),
                nature: nature.code().to_owned(),
                category: category.first_level().to_owned(),
                category_path: hotline_triage::path_of(category.as_str()),
                urgency: o.urgency.code().to_owned(),
                disposition,
                district: None,
                street: None,
                duplicate_of: None,
                received_at: None,
            });
        }
        if !page.has_more {
            break;
        }
    }
    Ok(out)
}

/// Generated requests as labelled examples.
pub fn generated_examples(count: usize, seed: u64) -> anyhow::Result<Vec<Labelled>> {
    crate::generate::request_lines(count, seed, "2026-01-01")?
        .iter()
        .map(|l| serde_json::from_slice(l).context("a generated line"))
        .collect()
}

pub fn read_labelled(text: &str) -> anyhow::Result<Vec<Labelled>> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| serde_json::from_str(l).with_context(|| format!("line {}", i + 1)))
        .collect()
}

/// Runs the app's triage over a labelled set.
async fn answers(app: &App, set: &[Labelled]) -> anyhow::Result<Vec<Answer>> {
    let mut batch = hotline_app::triage::Batch::default();
    let mut out = Vec::with_capacity(set.len());
    for l in set {
        let at = l.received_at.as_deref().and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok()).map(|t| t.with_timezone(&chrono::Utc));
        let t = app.triage(None, &l.text, at, Some((&mut batch, &l.id))).await.map_err(|e| anyhow::anyhow!("{}: {e}", l.id))?;
        out.push(Answer {
            nature: t.nature,
            category_path: t.category_path,
            urgency: t.urgency,
            disposition: t.disposition,
            district: t.district,
            street: t.street,
        });
    }
    Ok(out)
}

/// Scores of the model, the majority baseline and the keyword baseline on a labelled set.
pub async fn evaluate(app: &App, set: &[Labelled]) -> anyhow::Result<[Scores; 3]> {
    let nodes: Vec<KeywordNode> = app
        .categories()
        .iter()
        .map(|c| KeywordNode {
            code: c.code.clone(),
            default_urgency: c.default_urgency.clone(),
            words: c.keywords.iter().cloned().chain(std::iter::once(c.name_zh.clone())).collect(),
        })
        .collect();
    let model = answers(app, set).await?;
    let majority_answer = majority(set);
    let (mut m, mut maj, mut kw) = (Scores::default(), Scores::default(), Scores::default());
    for (l, a) in set.iter().zip(&model) {
        m.add(l, a);
        maj.add(l, &majority_answer);
        kw.add(l, &keyword_rules(&l.text, &nodes));
    }
    Ok([m, maj, kw])
}

fn print_report(name: &str, scores: &[Scores; 3], confusion: bool, out: &mut impl Write) -> std::io::Result<()> {
    let [model, maj, kw] = scores;
    writeln!(out, "== {name}")?;
    writeln!(
        out,
        "{:<14} {:>6}  {:>8} {:>8}   {:>8} {:>8}   {:>8} {:>8}",
        "decision", "n", "model", "F1", "majority", "F1", "keywords", "F1"
    )?;
    for (decision, d) in &model.decisions {
        let r = d.report();
        let b = maj.decisions.get(decision).map(hotline_triage::eval::Decision::report);
        let k = kw.decisions.get(decision).map(hotline_triage::eval::Decision::report);
        let pct = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{:.1}%", v * 100.0));
        writeln!(
            out,
            "{decision:<14} {:>6}  {:>8} {:>8}   {:>8} {:>8}   {:>8} {:>8}",
            r.n,
            pct(Some(r.accuracy)),
            pct(Some(r.macro_f1)),
            pct(b.as_ref().map(|b| b.accuracy)),
            pct(b.as_ref().map(|b| b.macro_f1)),
            pct(k.as_ref().map(|k| k.accuracy)),
            pct(k.as_ref().map(|k| k.macro_f1)),
        )?;
    }
    writeln!(
        out,
        "emergency recall: model {:.1}%  majority {:.1}%  keywords {:.1}%; emergencies dispatched as general requests: {}",
        model.emergency_recall() * 100.0,
        maj.emergency_recall() * 100.0,
        kw.emergency_recall() * 100.0,
        model.emergencies_dispatched_as_general()
    )?;
    if confusion {
        for decision in ["nature", "category", "urgency", "disposition"] {
            if let Some(d) = model.decisions.get(decision) {
                writeln!(out, "\n-- confusion: {decision} (model)\n{}", d.confusion(20))?;
            }
        }
    }
    Ok(())
}

/// `hotline train`.
pub async fn train(app: Arc<App>, config: &Config, args: &TrainArgs, version: String) -> anyhow::Result<PathBuf> {
    let started = std::time::Instant::now();
    let mut examples = if args.orders { order_examples(&app).await? } else { Vec::new() };
    let from_orders = examples.len();
    if args.generated > 0 {
        examples.extend(generated_examples(args.generated, args.seed)?);
    }
    anyhow::ensure!(!examples.is_empty(), "no labelled orders to learn from; add --generated N to learn from generated requests");
    // Hold out every 10th example to report honest figures in the model file.
    let (train_set, held): (Vec<Labelled>, Vec<Labelled>) = {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for (i, e) in examples.into_iter().enumerate() {
            if i % 10 == 9 { b.push(e) } else { a.push(e) }
        }
        (a, b)
    };
    let tree = tree_knowledge(&app);
    let source = match (from_orders, args.generated) {
        (0, _) => "generated".to_owned(),
        (_, 0) => "orders".to_owned(),
        _ => "orders+generated".to_owned(),
    };
    let opts = TrainOptions { epochs: args.epochs, seed: args.seed, l2: args.l2, ..TrainOptions::default() };
    eprintln!("training on {} examples ({from_orders} from orders) …", train_set.len());
    let mut model = TriageModel::train(&train_set, &tree, ModelInfo { version: version.clone(), source, ..ModelInfo::default() }, &opts);
    let trained_in = started.elapsed();
    app.set_triage_engine(Engine::new(model.clone()));
    let mut evaluation = BTreeMap::new();
    let held_scores = evaluate(&app, &held).await?;
    for (k, v) in held_scores[0].figures() {
        evaluation.insert(format!("held_out.{k}"), v);
    }
    let hand = read_labelled(HANDWRITTEN)?;
    let hand_scores = evaluate(&app, &hand).await?;
    for (k, v) in hand_scores[0].figures() {
        evaluation.insert(format!("handwritten.{k}"), v);
    }
    model.info.evaluation = evaluation;
    let bytes = model.to_bytes();
    let path = match &args.out {
        Some(p) => p.clone(),
        None => {
            std::fs::create_dir_all(&config.model_dir).with_context(|| format!("cannot create {}", config.model_dir))?;
            Path::new(&config.model_dir).join(format!("triage-{version}.model"))
        }
    };
    // Write then rename, so a server never loads half a file.
    let tmp = path.with_extension("model.tmp");
    std::fs::write(&tmp, &bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, &path)?;
    let mut stderr = std::io::stderr();
    print_report("held-out 10% of the training data", &held_scores, false, &mut stderr)?;
    print_report("hand-written set (never trained on)", &hand_scores, false, &mut stderr)?;
    eprintln!(
        "trained in {:.1} s; {} weight rows; model file {} ({:.1} MB)",
        trained_in.as_secs_f64(),
        model.rows(),
        path.display(),
        bytes.len() as f64 / 1e6
    );
    Ok(path)
}

/// `hotline triage PATH`: JSON Lines in, JSON Lines out (docs/triage.md).
pub async fn triage(app: &App, input: &str) -> anyhow::Result<()> {
    let reader: Box<dyn BufRead> = if input == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::io::BufReader::new(std::fs::File::open(input).with_context(|| format!("cannot open {input}"))?))
    };
    let mut batch = hotline_app::triage::Batch::default();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for (i, line) in reader.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        #[derive(serde::Deserialize)]
        struct In {
            id: serde_json::Value,
            text: String,
            #[serde(default)]
            received_at: Option<String>,
        }
        let row: In = match serde_json::from_str(&line) {
            Ok(r) => r,
            Err(e) => {
                writeln!(out, "{}", serde_json::json!({ "line": i + 1, "error": format!("malformed line: {e}") }))?;
                continue;
            }
        };
        let id = match &row.id {
            serde_json::Value::String(s) => s.clone(),
            v => v.to_string(),
        };
        let at =
            row.received_at.as_deref().and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok()).map(|t| t.with_timezone(&chrono::Utc));
        match app.triage(None, &row.text, at, Some((&mut batch, &id))).await {
            Ok(t) => {
                let mut v = serde_json::to_value(&t)?;
                if let Some(obj) = v.as_object_mut() {
                    obj.insert("id".into(), row.id.clone());
                    if let Some(u) = obj.get_mut("unit").and_then(|u| u.as_object_mut()) {
                        u.retain(|k, _| k == "code" || k == "name");
                    }
                }
                writeln!(out, "{v}")?;
            }
            Err(e) => writeln!(out, "{}", serde_json::json!({ "id": row.id, "error": e.to_string() }))?,
        }
    }
    out.flush()?;
    Ok(())
}

/// `hotline eval --labels FILE`.
pub async fn eval(app: &App, labels: &str, confusion: bool) -> anyhow::Result<()> {
    let text = if labels == "handwritten" {
        HANDWRITTEN.to_owned()
    } else {
        std::fs::read_to_string(labels).with_context(|| format!("cannot read {labels}"))?
    };
    let set = read_labelled(&text)?;
    let scores = evaluate(app, &set).await?;
    let model = app.triage_engine().map(|e| e.model.info.version.clone()).unwrap_or_default();
    print_report(&format!("{labels} ({} requests; model {model})", set.len()), &scores, confusion, &mut std::io::stdout())?;
    Ok(())
}
