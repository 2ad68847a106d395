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

/// The hand-written corpus (crates/hotline-triage/data/corpus/README.md), one file per writer, and the
/// part each writer's file belongs to: split by writer, so no writer's style crosses from training
/// into the figures.
pub const CORPUS: [(&str, Part, &str); 7] = [
    ("A", Part::Train, include_str!("../../hotline-triage/data/corpus/writer-a.jsonl")),
    ("B", Part::Train, include_str!("../../hotline-triage/data/corpus/writer-b.jsonl")),
    ("C", Part::Train, include_str!("../../hotline-triage/data/corpus/writer-c.jsonl")),
    ("D", Part::Train, include_str!("../../hotline-triage/data/corpus/writer-d.jsonl")),
    ("E", Part::Dev, include_str!("../../hotline-triage/data/corpus/writer-e.jsonl")),
    ("F", Part::Test, include_str!("../../hotline-triage/data/corpus/writer-f.jsonl")),
    ("G", Part::Test, include_str!("../../hotline-triage/data/corpus/writer-g.jsonl")),
];

/// A part of the corpus: trained on, tuned on (the emergency thresholds), or only ever measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Train,
    Dev,
    Test,
}

impl Part {
    pub const ALL: [Part; 3] = [Part::Train, Part::Dev, Part::Test];

    pub fn name(self) -> &'static str {
        match self {
            Self::Train => "train",
            Self::Dev => "dev",
            Self::Test => "test",
        }
    }
}

/// The corpus lines of one part, in file order (a repeat follows what it repeats).
pub fn corpus(part: Part) -> anyhow::Result<Vec<Labelled>> {
    let mut out = Vec::new();
    for (writer, p, text) in CORPUS {
        if p == part {
            out.extend(read_labelled(text).with_context(|| format!("corpus writer {writer}"))?);
        }
    }
    Ok(out)
}

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
    /// Also learn from the training part of the hand-written corpus, each line this many times
    /// (0: not at all). Its development part always sets the emergency thresholds.
    #[arg(long, default_value_t = 80)]
    pub corpus_weight: usize,
    /// Emergency recall the possible-emergency threshold is set for on the development part, by
    /// the classifier alone (rules and situations flag on top of it).
    #[arg(long, default_value_t = 0.95)]
    pub emergency_recall: f64,
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
            match TriageModel::from_bytes(&bytes) {
                Ok(model) => Ok((model, path.display().to_string())),
                // A file from before the emergency decision: the shipped model serves until a new
                // one is trained, rather than no triage at all.
                Err(hotline_triage::ModelError::Outdated) => {
                    tracing::warn!(file = %path.display(), "triage model of an earlier version: using the shipped model; run `hotline train`");
                    Ok((TriageModel::from_bytes(DEFAULT_MODEL).context("the shipped model")?, "shipped default".into()))
                }
                Err(e) => Err(anyhow::Error::new(e).context(path.display().to_string())),
            }
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
                lang: None,
                writer: None,
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
            emergency: Some(t.emergency.level),
            duplicate_of: t.duplicate_of,
        });
    }
    hotline_triage::eval::resolve_duplicate_roots(set, &mut out);
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
    // Answers link to the first request of an incident; so are the truths compared with them.
    for (l, a) in hotline_triage::eval::with_duplicate_roots(set).iter().zip(&model) {
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
    let hand = if args.corpus_weight > 0 { corpus(Part::Train)? } else { Vec::new() };
    // Hold out every 10th example to report honest figures in the model file.
    let (train_set, held): (Vec<Labelled>, Vec<Labelled>) = {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for (i, e) in examples.into_iter().enumerate() {
            if i % 10 == 9 { b.push(e) } else { a.push(e) }
        }
        (a, b)
    };
    // The corpus is not held out here: its own development and test parts measure it.
    let mut train_set = train_set;
    for _ in 0..args.corpus_weight {
        train_set.extend(hand.iter().cloned());
    }
    let tree = tree_knowledge(&app);
    let mut source = match (from_orders, args.generated) {
        (0, _) => "generated".to_owned(),
        (_, 0) => "orders".to_owned(),
        _ => "orders+generated".to_owned(),
    };
    if !hand.is_empty() {
        source.push_str("+corpus");
    }
    let opts = TrainOptions { epochs: args.epochs, seed: args.seed, l2: args.l2, ..TrainOptions::default() };
    eprintln!("training on {} examples ({from_orders} from orders) …", train_set.len());
    let mut model = TriageModel::train(&train_set, &tree, ModelInfo { version: version.clone(), source, ..ModelInfo::default() }, &opts);
    model.tune_emergency(&corpus(Part::Dev)?, args.emergency_recall, 0.9);
    let trained_in = started.elapsed();
    app.set_triage_engine(Engine::new(model.clone()));
    let mut evaluation = BTreeMap::new();
    let held_scores = evaluate(&app, &held).await?;
    for (k, v) in held_scores[0].figures() {
        evaluation.insert(format!("held_out.{k}"), v);
    }
    let handwritten = read_labelled(HANDWRITTEN)?;
    let hand_scores = evaluate(&app, &handwritten).await?;
    for (k, v) in hand_scores[0].figures() {
        evaluation.insert(format!("handwritten.{k}"), v);
    }
    let test_scores = evaluate(&app, &corpus(Part::Test)?).await?;
    for (k, v) in test_scores[0].figures() {
        evaluation.insert(format!("corpus_test.{k}"), v);
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
    print_report("corpus test part (never trained or tuned on)", &test_scores, false, &mut stderr)?;
    eprintln!(
        "emergency thresholds (set on the corpus development part): possible ≥ {:.3}, emergency ≥ {:.3}",
        model.thresholds.possible, model.thresholds.emergency
    );
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

/// The sets `hotline eval` measures when none is named: the corpus's test part (the figures
/// reported), its development part, the older hand-written set and generated text.
pub const DEFAULT_EVAL_SETS: &str = "corpus:test,corpus:dev,handwritten,generated:20000";

/// A set named on the command line: `handwritten`, `corpus:train|dev|test`, `generated:N`, or a file.
fn labelled_set(spec: &str) -> anyhow::Result<Vec<Labelled>> {
    match spec.split_once(':') {
        _ if spec == "handwritten" => read_labelled(HANDWRITTEN),
        Some(("corpus", name)) => match Part::ALL.into_iter().find(|p| p.name() == name) {
            Some(part) => corpus(part),
            None => anyhow::bail!("no corpus part {name:?}: train, dev or test"),
        },
        Some(("generated", n)) => {
            let n: usize = n.parse().with_context(|| format!("generated:{n} needs a number"))?;
            // Another seed than training's, so the lines are new.
            generated_examples(n, 9)
        }
        _ => read_labelled(&std::fs::read_to_string(spec).with_context(|| format!("cannot read {spec}"))?),
    }
}

/// `hotline eval --labels SET[,SET…]`: a report per set, then the summary of docs/triage.md.
pub async fn eval(app: &App, labels: &str, confusion: bool) -> anyhow::Result<()> {
    let model = app.triage_engine().map(|e| e.model.info.version.clone()).unwrap_or_default();
    let mut out = std::io::stdout();
    let mut summary = Vec::new();
    for spec in labels.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let set = labelled_set(spec)?;
        let scores = evaluate(app, &set).await?;
        print_report(&format!("{spec} ({} requests; model {model})", set.len()), &scores, confusion, &mut out)?;
        if !scores[0].missed.is_empty() {
            writeln!(out, "emergencies missed (no emergency, no prompt): {}", scores[0].missed.join(" "))?;
        }
        writeln!(out)?;
        summary.push((spec.to_owned(), scores[0].clone()));
    }
    print_summary(&summary, &mut out)?;
    Ok(())
}

/// One column per set: the figures docs/triage.md reports.
fn print_summary(sets: &[(String, Scores)], out: &mut impl Write) -> std::io::Result<()> {
    fn pct(v: f64) -> String {
        format!("{:.1}%", v * 100.0)
    }
    fn accuracy(s: &Scores, d: &str) -> String {
        s.decisions.get(d).map_or_else(|| "-".to_owned(), |d| pct(d.report().accuracy))
    }
    type Row = (&'static str, fn(&Scores) -> String);
    let rows: Vec<Row> = vec![
        ("requests", |s: &Scores| s.decisions.get("nature").map_or(0, |d| d.report().n).to_string()),
        ("first-level category", |s: &Scores| accuracy(s, "category")),
        ("deepest category", |s: &Scores| accuracy(s, "category_path")),
        ("nature", |s: &Scores| accuracy(s, "nature")),
        ("urgency", |s: &Scores| accuracy(s, "urgency")),
        ("disposition", |s: &Scores| accuracy(s, "disposition")),
        ("emergencies", |s: &Scores| s.emergencies().to_string()),
        ("emergency recall (flagged or prompted)", |s: &Scores| pct(s.emergency_recall())),
        ("emergency precision (flagged or prompted)", |s: &Scores| pct(s.emergency_precision())),
        ("emergency recall, no prompt needed", |s: &Scores| pct(s.emergency_certain().0)),
        ("emergency precision, no prompt needed", |s: &Scores| pct(s.emergency_certain().1)),
        ("emergencies sent as general, no prompt", |s: &Scores| s.emergencies_dispatched_as_general().to_string()),
        ("district where the text names it", |s: &Scores| accuracy(s, "district_named")),
        ("street where the text names it", |s: &Scores| accuracy(s, "street_named")),
        ("English first-level category", |s: &Scores| accuracy(s, "category_en")),
        ("duplicate F1", |s: &Scores| pct(s.duplicates().2)),
    ];
    writeln!(out, "== summary")?;
    write!(out, "{:<42}", "figure")?;
    for (name, _) in sets {
        write!(out, " {name:>16}")?;
    }
    writeln!(out)?;
    for (label, f) in &rows {
        write!(out, "{label:<42}")?;
        for (_, s) in sets {
            write!(out, " {:>16}", f(s))?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// A corpus line as the history file line of the order an operator filed for it: the operator's
/// final labels, the state its disposition leads to. `None` for what a history file cannot say
/// (a transfer to 110/119/120/122 keeps no service in it).
fn floor_history_line(app: &App, l: &Labelled, received: chrono::DateTime<chrono::Utc>) -> Option<String> {
    let at = |minutes: i64| (received + chrono::Duration::minutes(minutes)).to_rfc3339();
    let deepest = l.category_path.last().cloned().unwrap_or_else(|| l.category.clone());
    let mut line = serde_json::json!({
        "received_at": at(0),
        "channel": l.channel.clone().unwrap_or_else(|| "phone".into()),
        "text": l.text,
        "nature": l.nature,
        "category": deepest,
        "urgency": l.urgency,
        "district": l.district,
        "street": l.street,
    });
    let obj = line.as_object_mut()?;
    match l.disposition.as_str() {
        "dispatch" => {
            // The catalogue's unit where it names one without a place; else a city department (the
            // replay learns labels, not who handled them).
            let unit = app
                .suggest_dispatch(&deepest, None, None)
                .map(|d| d.main_unit.code)
                .or_else(|| app.units().all().iter().find(|u| u.class == hotline_domain::UnitClass::Department).map(|u| u.code.clone()))?;
            obj.insert("state".into(), "closed".into());
            obj.insert("unit".into(), unit.into());
            obj.insert("dispatched_at".into(), at(10).into());
            obj.insert("replied_at".into(), at(60 * 24).into());
            obj.insert("closed_at".into(), at(60 * 48).into());
        }
        "answer" => {
            obj.insert("state".into(), "answered_directly".into());
            obj.insert("closed_at".into(), at(5).into());
        }
        "redirect" => {
            obj.insert("state".into(), "redirected".into());
            obj.insert("closed_at".into(), at(5).into());
        }
        _ => return None,
    }
    Some(line.to_string())
}

/// `hotline eval --replay N`: the floor at work. The corpus's training part arrives as the floor's
/// calls in N steps; for each call the current model suggests and the operator files the order with
/// the right labels (each decision that differs is an override); the orders are stored as the
/// history import stores them; then `hotline train`'s own reading of the stored orders (final labels,
/// the same that an upheld dispute corrects) retrains the model beside the generated requests, and
/// the test part is measured again. Starts from a model trained on generated requests alone.
pub async fn replay(app: &App, steps: usize, generated: usize) -> anyhow::Result<()> {
    let floor = corpus(Part::Train)?;
    let test = corpus(Part::Test)?;
    let dev = corpus(Part::Dev)?;
    let base = generated_examples(generated, 1)?;
    let tree = tree_knowledge(app);
    let opts = TrainOptions::default();
    let fit = |examples: &[Labelled], version: String| {
        let mut m = TriageModel::train(examples, &tree, ModelInfo { version, source: "replay".into(), ..ModelInfo::default() }, &opts);
        m.tune_emergency(&dev, 0.95, 0.9);
        Engine::new(m)
    };
    app.set_triage_engine(fit(&base, "replay-0".into()));
    let ctx = app.history_context("replay of the floor").await?;
    let mut out = std::io::stdout();
    writeln!(
        out,
        "replay: {} calls in {steps} steps, beside {generated} generated requests; measured on the corpus test part",
        floor.len()
    )?;
    writeln!(
        out,
        "{:>4} {:>7} {:>9}   {:>9} {:>7} {:>7} {:>11} {:>16}",
        "step", "orders", "overrides", "category", "nature", "urgency", "disposition", "emergency recall"
    )?;
    let report = |step: usize, orders: usize, overrides: usize, s: &Scores, out: &mut std::io::Stdout| -> std::io::Result<()> {
        let acc = |d: &str| s.decisions.get(d).map_or(0.0, |d| d.report().accuracy * 100.0);
        writeln!(
            out,
            "{step:>4} {orders:>7} {overrides:>9}   {:>8.1}% {:>6.1}% {:>6.1}% {:>10.1}% {:>15.1}%",
            acc("category"),
            acc("nature"),
            acc("urgency"),
            acc("disposition"),
            s.emergency_recall() * 100.0
        )
    };
    report(0, 0, 0, &evaluate(app, &test).await?[0], &mut out)?;
    let start = app.clock.now() - chrono::Duration::days(60);
    let (mut stored, mut overrides, mut line_no, mut skipped, mut not_storable) = (0usize, 0usize, 0u64, 0usize, 0usize);
    for (step, calls) in floor.chunks(floor.len().div_ceil(steps.max(1))).enumerate() {
        let mut rows = Vec::new();
        for l in calls {
            line_no += 1;
            let t = app.triage(None, &l.text, None, None).await.map_err(|e| anyhow::anyhow!("{}: {e}", l.id))?;
            overrides += [
                t.nature != l.nature,
                t.category_path.last() != l.category_path.last(),
                t.urgency != l.urgency,
                t.disposition != l.disposition,
            ]
            .iter()
            .filter(|changed| **changed)
            .count();
            let at = start + chrono::Duration::minutes(i64::try_from(line_no).unwrap_or(0) * 20);
            match floor_history_line(app, l, at).map(|line| ctx.order(line_no, &line)) {
                Some(Ok(order)) => rows.push(order),
                Some(Err(e)) => {
                    skipped += 1;
                    if skipped <= 3 {
                        eprintln!("{}: not stored: {}", l.id, hotline_app::history::line_error(line_no, &e));
                    }
                }
                None => not_storable += 1,
            }
        }
        stored += app.store_history(&rows, &format!("replay-step-{step}"), line_no).await?;
        let mut examples = order_examples(app).await?;
        examples.extend(base.iter().cloned());
        app.set_triage_engine(fit(&examples, format!("replay-{}", step + 1)));
        report(step + 1, stored, overrides, &evaluate(app, &test).await?[0], &mut out)?;
    }
    writeln!(
        out,
        "not stored: {not_storable} transfers and duplicates (a history line keeps no service or link), {skipped} refused by the import's checks"
    )?;
    Ok(())
}
