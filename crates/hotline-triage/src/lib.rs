//! Triage: from the text of one request, the decisions an operator confirms — nature, category path,
//! urgency, disposition — each as the top three with calibrated probabilities, plus the rule that
//! forced an emergency or out-of-scope answer, and likely duplicates. Places come from
//! `hotline-places` and units from the dispatch catalogue, in the use-case layer that owns them.
//!
//! Pure: no IO, no clock. A model is bytes in, bytes out ([`TriageModel::to_bytes`]); the binary
//! decides where files live.

pub mod duplicates;
pub mod emergency;
pub mod eval;
pub mod features;
pub mod linear;
pub mod rules;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use emergency::{Level, Thresholds};
pub use features::Featurizer;
pub use linear::{Linear, TrainOptions};
pub use rules::RuleHit;

/// One labelled request, in the JSON Lines vocabulary of docs/triage.md (what `hotline generate`
/// writes, what the hand-written test set holds, what `hotline train` reads from the store).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Labelled {
    pub id: String,
    #[serde(default)]
    pub channel: Option<String>,
    pub text: String,
    pub nature: String,
    pub category: String,
    pub category_path: Vec<String>,
    pub urgency: String,
    pub disposition: String,
    #[serde(default)]
    pub district: Option<String>,
    #[serde(default)]
    pub street: Option<String>,
    #[serde(default)]
    pub duplicate_of: Option<String>,
    /// RFC 3339, when known (duplicates are looked for within a time window).
    #[serde(default)]
    pub received_at: Option<String>,
    /// `zh`, `en` or `mixed`, when known (figures per language).
    #[serde(default)]
    pub lang: Option<String>,
    /// Who wrote it, for sets split by writer.
    #[serde(default)]
    pub writer: Option<String>,
}

impl Labelled {
    /// An emergency: see [`is_emergency`].
    pub fn is_emergency(&self) -> bool {
        is_emergency(&self.urgency, &self.disposition)
    }
}

/// Whether an urgency and a disposition make an emergency: emergency urgency or a 110/119/120/122
/// transfer (labels and answers alike).
pub fn is_emergency(urgency: &str, disposition: &str) -> bool {
    urgency == "emergency" || disposition.starts_with("transfer_")
}

/// A decision's candidates, best first, with probabilities.
pub type Ranked = Vec<(String, f32)>;

/// What the engine suggests for one text (without place, unit or duplicates, which need data the
/// caller holds).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    pub nature: Ranked,
    /// Deepest category codes (`UTL/heating/not_warm`), best first.
    pub category: Ranked,
    pub urgency: Ranked,
    pub disposition: Ranked,
    /// The rule that overrode the model, if one fired.
    pub rule: Option<RuleHit>,
    /// The emergency decision.
    pub emergency: EmergencyCall,
}

/// The emergency decision for one text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EmergencyCall {
    pub level: Level,
    /// The classifier's probability that this is an emergency (1 when a rule decided).
    pub p: f32,
    /// The situations described, those happening now first.
    pub situations: Vec<emergency::Found>,
    /// What to do if it is one: dispatch or a 110/119/120/122 transfer.
    pub disposition: String,
    /// The category to file it under if it is one.
    pub category: String,
}

impl Suggestion {
    /// The best category's path from the first level down.
    pub fn category_path(&self) -> Vec<String> {
        self.category.first().map(|(c, _)| path_of(c)).unwrap_or_default()
    }

    /// The best answer's confidence: the product of the category and disposition probabilities
    /// (a rule's answer counts as certain).
    pub fn confidence(&self) -> f32 {
        let p = |r: &Ranked| r.first().map_or(0.0, |(_, p)| *p);
        p(&self.category) * p(&self.disposition)
    }
}

/// `UTL/heating/not_warm` → `[UTL, UTL/heating, UTL/heating/not_warm]`.
pub fn path_of(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in code.match_indices('/') {
        out.push(code[..i].to_owned());
    }
    out.push(code.to_owned());
    out
}

/// What a model file says about itself.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// `YYYYMMDD-HHMMSS` of training (given by the caller; the crate has no clock).
    pub version: String,
    /// Where the examples came from: `generated`, `orders`, or both.
    pub source: String,
    pub examples: usize,
    /// Evaluation figures measured after training (decision → metric → value).
    pub evaluation: BTreeMap<String, BTreeMap<String, f64>>,
}

/// What the category tree (and the unit tree) teach besides the examples.
#[derive(Debug, Clone, Default)]
pub struct TreeKnowledge {
    /// `(text, category code)`: each node's names and keywords.
    pub hints: Vec<(String, String)>,
    /// Words the segmenter should keep whole.
    pub vocabulary: Vec<String>,
    /// Category code → default urgency.
    pub default_urgency: BTreeMap<String, String>,
}

/// The learned part of triage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TriageModel {
    pub info: ModelInfo,
    /// Category keywords and place names the segmenter should keep whole.
    pub vocabulary: Vec<String>,
    /// Each category's default urgency in the tree the model was trained with.
    pub default_urgency: BTreeMap<String, String>,
    nature: Linear,
    /// First-level category.
    top: Linear,
    /// Per first-level category: the deepest category code within it.
    within: BTreeMap<String, Linear>,
    urgency: Linear,
    /// dispatch / answer / redirect / transfer_* (duplicates are found by comparison, not learned).
    disposition: Linear,
    /// Emergency or not, over the words plus the situations found ([`emergency::cue_features`]).
    emergency: Linear,
    /// For emergencies: dispatch or which service takes it.
    emergency_disposition: Linear,
    /// For emergencies: the deepest category.
    emergency_category: Linear,
    /// Where the emergency probability turns into a possible emergency and an emergency.
    pub thresholds: Thresholds,
}

/// Version 2 added the emergency decision; a version-1 file is refused as [`ModelError::Outdated`].
const MAGIC: &[u8; 8] = b"HLTRIAG2";
const MAGIC_V1: &[u8; 8] = b"HLTRIAG1";

/// How many times each of the category tree's words is taught (see [`TriageModel::train`]).
const HINT_REPEAT: usize = 10;

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("not a Hotline triage model file")]
    NotAModel,
    #[error("a triage model of an earlier version (no emergency decision): train a new one with `hotline train`")]
    Outdated,
    #[error("corrupt model file: {0}")]
    Corrupt(String),
}

impl TriageModel {
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.extend(postcard::to_stdvec(self).unwrap_or_default());
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ModelError> {
        if bytes.starts_with(MAGIC_V1) {
            return Err(ModelError::Outdated);
        }
        let body = bytes.strip_prefix(MAGIC.as_slice()).ok_or(ModelError::NotAModel)?;
        postcard::from_bytes(body).map_err(|e| ModelError::Corrupt(e.to_string()))
    }

    /// Fits every decision on labelled examples. `vocabulary` (category keywords, place names) is
    /// added to the segmenter.
    ///
    /// `hints` are `(text, category code)` pairs from the category tree itself (each node's name and
    /// the words people use for it), taught to the category decisions only: they carry the tree's
    /// knowledge to wording the examples never used.
    pub fn train(examples: &[Labelled], tree: &TreeKnowledge, info: ModelInfo, opts: &TrainOptions) -> Self {
        let hints = &tree.hints;
        let vocabulary = tree.vocabulary.clone();
        let featurizer = Featurizer::new(vocabulary.iter().map(String::as_str));
        let feats: Vec<Vec<u32>> = parallel_map(examples, |e| featurizer.features(&e.text));
        let hint_feats: Vec<(Vec<u32>, String)> = hints.iter().map(|(t, c)| (featurizer.features(t), c.clone())).collect();
        let fit = |label: &dyn Fn(&Labelled) -> Option<String>,
                   subset: &dyn Fn(&Labelled) -> bool,
                   hint: &dyn Fn(&str) -> Option<String>|
         -> Linear {
            let mut classes: Vec<String> = examples.iter().filter(|e| subset(e)).filter_map(label).collect();
            classes.extend(hint_feats.iter().filter_map(|(_, c)| hint(c)));
            classes.sort();
            classes.dedup();
            let mut data: Vec<(&[u32], usize)> = examples
                .iter()
                .zip(&feats)
                .filter(|(e, _)| subset(e))
                .filter_map(|(e, f)| label(e).and_then(|l| classes.binary_search(&l).ok()).map(|c| (f.as_slice(), c)))
                .collect();
            // The tree's words are few beside the examples: each counts several times.
            for _ in 0..HINT_REPEAT {
                data.extend(
                    hint_feats.iter().filter_map(|(f, c)| hint(c).and_then(|l| classes.binary_search(&l).ok()).map(|i| (f.as_slice(), i))),
                );
            }
            Linear::train(&data, classes, opts)
        };
        let all = |_: &Labelled| true;
        let no_hint = |_: &str| None;
        let deepest = |e: &Labelled| e.category_path.last().cloned().or_else(|| Some(e.category.clone()));
        let first_level = |c: &str| c.split('/').next().map(str::to_owned);
        let nature = fit(&|e| Some(e.nature.clone()), &all, &no_hint);
        let top = fit(&|e| Some(e.category.clone()), &all, &first_level);
        let mut groups: Vec<String> =
            examples.iter().map(|e| e.category.clone()).chain(hints.iter().filter_map(|(_, c)| first_level(c))).collect();
        groups.sort();
        groups.dedup();
        let within = groups
            .into_iter()
            .map(|g| {
                let in_group = |c: &str| (c == g || c.starts_with(&format!("{g}/"))).then(|| c.to_owned());
                (g.clone(), fit(&deepest, &|e| e.category == g, &in_group))
            })
            .collect();
        let urgency = fit(&|e| Some(e.urgency.clone()), &all, &no_hint);
        let disposition = fit(&|e| Some(e.disposition.clone()).filter(|d| d != "duplicate"), &all, &no_hint);
        // The emergency decision sees the words plus the situations the text describes.
        // The words are read once for every decision; the emergency adds the situations to them.
        let emergency_feats: Vec<Vec<u32>> = parallel_map(&examples.iter().zip(&feats).collect::<Vec<_>>(), |(e, f)| {
            with_cues((*f).clone(), emergency::cue_features(&e.text))
        });
        let is_emergency_node = |c: &str| tree.default_urgency.get(c).is_some_and(|u| u == "emergency");
        let emergency = {
            let classes = vec!["no".to_owned(), "yes".to_owned()];
            let mut data: Vec<(&[u32], usize)> =
                examples.iter().zip(&emergency_feats).map(|(e, f)| (f.as_slice(), usize::from(e.is_emergency()))).collect();
            for _ in 0..HINT_REPEAT {
                data.extend(hint_feats.iter().map(|(f, c)| (f.as_slice(), usize::from(is_emergency_node(c)))));
            }
            Linear::train(&data, classes, opts)
        };
        let fit_emergencies = |label: &dyn Fn(&Labelled) -> Option<String>| {
            let mut classes: Vec<String> = examples.iter().filter(|e| e.is_emergency()).filter_map(label).collect();
            classes.sort();
            classes.dedup();
            let data: Vec<(&[u32], usize)> = examples
                .iter()
                .zip(&emergency_feats)
                .filter(|(e, _)| e.is_emergency())
                .filter_map(|(e, f)| label(e).and_then(|l| classes.binary_search(&l).ok()).map(|c| (f.as_slice(), c)))
                .collect();
            Linear::train(&data, classes, opts)
        };
        let emergency_disposition =
            fit_emergencies(&|e| Some(e.disposition.clone()).filter(|d| d == "dispatch" || d.starts_with("transfer_")));
        let emergency_category = fit_emergencies(&deepest);
        Self {
            info: ModelInfo { examples: examples.len(), ..info },
            vocabulary,
            default_urgency: tree.default_urgency.clone(),
            nature,
            top,
            within,
            urgency,
            disposition,
            emergency,
            emergency_disposition,
            emergency_category,
            thresholds: Thresholds::default(),
        }
    }

    /// Sets the emergency thresholds on a development set (never the test set): `possible` catches
    /// `recall` of its emergencies, `emergency` keeps `precision` of what it flags.
    pub fn tune_emergency(&mut self, dev: &[Labelled], recall: f64, precision: f64) {
        // Set on the classifier's own probabilities of every emergency of the set: rules and
        // situations flag on top of it, so text that neither knows still reaches the prompt.
        let engine = Engine::new(self.clone());
        let scored: Vec<(f32, bool)> = dev.iter().map(|l| (engine.emergency_probability(&l.text), l.is_emergency())).collect();
        self.thresholds = Thresholds::choose(&scored, recall, precision);
    }

    /// The number of weight rows, for reports.
    pub fn rows(&self) -> usize {
        self.nature.rows()
            + self.top.rows()
            + self.within.values().map(Linear::rows).sum::<usize>()
            + self.urgency.rows()
            + self.disposition.rows()
            + self.emergency.rows()
            + self.emergency_disposition.rows()
            + self.emergency_category.rows()
    }
}

/// A text's features with its situation cues, sorted and unique.
fn with_cues(mut features: Vec<u32>, cues: Vec<u32>) -> Vec<u32> {
    features.extend(cues);
    features.sort_unstable();
    features.dedup();
    features
}

/// Maps over items on all available cores (training featurises a million texts).
fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get).min(8);
    if threads < 2 || items.len() < 1000 {
        return items.iter().map(&f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = items.chunks(chunk).map(|c| s.spawn(|| c.iter().map(&f).collect::<Vec<R>>())).collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
    })
}

/// A loaded model with its featurizer: what the service and the CLI call.
pub struct Engine {
    pub model: TriageModel,
    featurizer: Featurizer,
}

impl Engine {
    pub fn new(model: TriageModel) -> Self {
        let featurizer = Featurizer::new(model.vocabulary.iter().map(String::as_str));
        Self { model, featurizer }
    }

    pub fn featurizer(&self) -> &Featurizer {
        &self.featurizer
    }

    /// A category's default urgency from the tree the model was trained with (the nearest ancestor
    /// that has one).
    fn default_urgency(&self, code: &str) -> Option<&str> {
        path_of(code).iter().rev().find_map(|c| self.model.default_urgency.get(c)).map(String::as_str)
    }

    /// The emergency classifier's probability for a text.
    pub fn emergency_probability(&self, text: &str) -> f32 {
        self.emergency_probability_with_cues(&with_cues(self.featurizer.features(text), emergency::cue_features(text)))
    }

    fn emergency_probability_with_cues(&self, f: &[u32]) -> f32 {
        let m = &self.model.emergency;
        let p = m.probs(f);
        m.classes.iter().position(|c| c == "yes").map_or(0.0, |i| p[i])
    }

    /// The emergency decision: a rule, the classifier against its thresholds, and what the other
    /// decisions and the situations say, recall first.
    fn emergency_call(
        &self,
        text: &str,
        features: &[u32],
        rule: Option<&RuleHit>,
        category: &Ranked,
        urgency: &Ranked,
        disposition: &Ranked,
    ) -> EmergencyCall {
        let emergency::Reading { situations, cues, modality } = emergency::read(text);
        let now = situations.iter().find(|s| !s.discounted);
        let f = with_cues(features.to_vec(), cues);
        let p = self.emergency_probability_with_cues(&f);
        let learned = |m: &Linear| m.top(&f, 1).into_iter().next().map(|(c, _)| c).filter(|c| !c.is_empty());
        // A rule decides unless the text puts the danger in the past, second-hand or in thanks
        // ("上周电梯困人，已经救出来了"): then the classifier decides, and the rule at least prompts.
        if let Some(hit) = rule.filter(|_| !modality.discounted()) {
            return EmergencyCall {
                level: Level::Emergency,
                p: 1.0,
                situations,
                disposition: hit.disposition.to_owned(),
                category: hit.category.last().map_or_else(|| "EMG".to_owned(), |c| (*c).to_owned()),
            };
        }
        let disposition_if = learned(&self.model.emergency_disposition)
            .or_else(|| now.map(|s| s.disposition.to_owned()))
            .unwrap_or_else(|| "dispatch".to_owned());
        let category_if =
            learned(&self.model.emergency_category).or_else(|| now.map(|s| s.category.to_owned())).unwrap_or_else(|| "EMG".to_owned());
        let t = self.model.thresholds;
        let others_say_so = urgency.first().is_some_and(|(u, _)| u == "emergency")
            || disposition.first().is_some_and(|(d, _)| d.starts_with("transfer_"))
            || category.first().and_then(|(c, _)| self.default_urgency(c)).is_some_and(|u| u == "emergency");
        let level = if p >= t.emergency {
            Level::Emergency
        } else if p >= t.possible || others_say_so || now.is_some() || rule.is_some() {
            Level::Possible
        } else {
            Level::None
        };
        EmergencyCall { level, p, situations, disposition: disposition_if, category: category_if }
    }

    /// Suggests the decisions for one text.
    pub fn suggest(&self, text: &str) -> Suggestion {
        let f = self.featurizer.features(text);
        let m = &self.model;
        let mut nature = m.nature.top(&f, 3);
        let mut urgency = m.urgency.top(&f, 3);
        let mut disposition = m.disposition.top(&f, 3);
        // Category: P(first level) × P(deepest | first level), over the three best first levels.
        let mut category: Ranked = Vec::new();
        for (top, p_top) in m.top.top(&f, 3) {
            match m.within.get(&top) {
                Some(inner) => category.extend(inner.top(&f, 3).into_iter().map(|(c, p)| (c, p * p_top))),
                None => category.push((top, p_top)),
            }
        }
        category.sort_by(|a, b| b.1.total_cmp(&a.1));
        category.truncate(3);

        // Explicit words of nature ("举报", "建议", "感谢", "请问…") beat an unsure model.
        // Report, praise and suggestion words are unambiguous; question and complaint words yield
        // only to a model that is nearly sure.
        if let Some(cued) = rules::nature_cue(text)
            && nature.first().is_some_and(|(n, p)| n != cued && (matches!(cued, "report" | "praise" | "suggestion") || *p < 0.95))
        {
            let p = nature.iter().find(|(n, _)| n == cued).map_or(0.5, |(_, p)| p.max(0.5));
            promote_with(&mut nature, cued, p);
        }
        if rules::nature_cue(text).is_none() && rules::is_question(text) && nature.first().is_some_and(|(n, p)| n != "consult" && *p < 0.6)
        {
            let p = nature.iter().find(|(n, _)| n == "consult").map_or(0.5, |(_, p)| p.max(0.5));
            promote_with(&mut nature, "consult", p);
        }
        // Consultations are answered from the knowledge base unless the model is sure a unit must act;
        // other natures are not "answered".
        let p_of = |r: &Ranked, code: &str| r.iter().find(|(c, _)| c == code).map_or(0.0, |(_, p)| *p);
        match nature.first().map(|(n, _)| n.as_str()) {
            Some("consult") if p_of(&disposition, "dispatch") < 0.97 && disposition.first().is_some_and(|(d, _)| d == "dispatch") => {
                let p = p_of(&disposition, "answer").max(0.5);
                promote_with(&mut disposition, "answer", p);
            }
            Some(n) if n != "consult" && disposition.first().is_some_and(|(d, _)| d == "answer") => {
                let p = p_of(&disposition, "dispatch").max(0.5);
                promote_with(&mut disposition, "dispatch", p);
            }
            _ => {}
        }
        // Failures of water, power, gas and heating run on the 24-hour clock even when the words
        // do not say "urgent": the category's own default wins over a plain "general".
        if let Some(default) = category.first().and_then(|(c, _)| self.default_urgency(c))
            && default == "utility24h"
            && urgency.first().is_some_and(|(u, _)| u == "general")
        {
            promote_with(&mut urgency, "utility24h", 0.6);
        }
        let emergency_rule = rules::emergency(text);
        let emergency = self.emergency_call(text, &f, emergency_rule.as_ref(), &category, &urgency, &disposition);
        if emergency.level == Level::Emergency {
            promote(&mut urgency, "emergency");
            promote(&mut disposition, &emergency.disposition);
            // Keep the model's finer category when it agrees with the emergency's branch.
            let branch = emergency.category.as_str();
            let agrees = category.first().is_some_and(|(c, _)| c == branch || c.starts_with(&format!("{branch}/")));
            if !agrees {
                promote(&mut category, branch);
            }
            if nature.first().is_some_and(|(n, _)| n == "consult" || n == "praise" || n == "suggestion") {
                promote(&mut nature, "help");
            }
        } else {
            // Only the emergency decision makes an emergency: what the other decisions say about one
            // is a possible emergency (the operator confirms), not an emergency on its own.
            if urgency.first().is_some_and(|(u, _)| u == "emergency") {
                let fallback = category
                    .first()
                    .and_then(|(c, _)| self.default_urgency(c))
                    .filter(|u| *u != "emergency")
                    .map_or_else(|| "general".to_owned(), str::to_owned);
                let best_other = urgency.iter().find(|(u, _)| u != "emergency").map_or(fallback, |(u, _)| u.clone());
                let p = urgency.iter().find(|(u, _)| *u == best_other).map_or(0.5, |(_, p)| p.max(0.5));
                urgency.retain(|(u, _)| u != "emergency");
                promote_with(&mut urgency, &best_other, p);
            }
            if disposition.first().is_some_and(|(d, _)| d.starts_with("transfer_")) {
                let p = p_of(&disposition, "dispatch").max(0.5);
                disposition.retain(|(d, _)| !d.starts_with("transfer_"));
                promote_with(&mut disposition, "dispatch", p);
            }
        }
        let rule = emergency_rule.or_else(|| rules::out_of_scope(text).filter(|_| emergency.level != Level::Emergency));
        if let Some(hit) = rule.as_ref().filter(|h| h.rule == "out_of_scope") {
            promote(&mut disposition, hit.disposition);
            promote(&mut urgency, hit.urgency);
        }
        Suggestion { nature, category, urgency, disposition, rule, emergency }
    }
}

/// Puts `code` first with probability 1 (a rule decided it), keeping the others as alternatives.
fn promote(ranked: &mut Ranked, code: &str) {
    promote_with(ranked, code, 1.0);
}

/// Puts `code` first with probability at least `p`, keeping one distribution: the promoted choice
/// is at least as likely as any other, and the others share what is left in their proportions, so
/// the first is always the suggestion and the numbers never add up to more than 1.
pub fn promote_with(ranked: &mut Ranked, code: &str, p: f32) {
    ranked.retain(|(c, _)| c != code);
    let top = ranked.iter().map(|(_, q)| *q).fold(0.0_f32, f32::max);
    let p = p.max(top).clamp(0.0, 1.0);
    let rest: f32 = ranked.iter().map(|(_, q)| *q).sum();
    if rest > 1.0 - p && rest > 0.0 {
        let k = (1.0 - p) / rest;
        for (_, q) in ranked.iter_mut() {
            *q *= k;
        }
    }
    ranked.insert(0, (code.to_owned(), p));
    ranked.truncate(3);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example(id: &str, text: &str, cat: &str, nature: &str, urgency: &str, disposition: &str) -> Labelled {
        Labelled {
            id: id.into(),
            channel: None,
            text: text.into(),
            nature: nature.into(),
            category: cat.split('/').next().unwrap_or(cat).into(),
            category_path: path_of(cat),
            urgency: urgency.into(),
            disposition: disposition.into(),
            district: None,
            street: None,
            duplicate_of: None,
            received_at: None,
            lang: None,
            writer: None,
        }
    }

    fn small_model() -> TriageModel {
        let mut data = Vec::new();
        for i in 0..60 {
            data.push(example(
                &format!("a{i}"),
                &format!("家里暖气不热{i}号楼"),
                "UTL/heating/not_warm",
                "complaint",
                "utility24h",
                "dispatch",
            ));
            data.push(example(&format!("b{i}"), &format!("门口乱停车堵路{i}"), "TRF/illegal_parking", "complaint", "general", "dispatch"));
            data.push(example(&format!("c{i}"), &format!("今年供暖什么时候开始{i}"), "UTL/heating", "consult", "general", "answer"));
        }
        let tree = TreeKnowledge {
            hints: vec![("交通拥堵".into(), "TRF/congestion".into())],
            vocabulary: vec!["暖气不热".into()],
            default_urgency: BTreeMap::from([("UTL".into(), "utility24h".into())]),
        };
        TriageModel::train(&data, &tree, ModelInfo { version: "t".into(), ..ModelInfo::default() }, &TrainOptions::default())
    }

    #[test]
    fn a_model_survives_its_file_format_and_a_foreign_or_outdated_file_is_refused() {
        let m = small_model();
        let again = TriageModel::from_bytes(&m.to_bytes()).expect("round trip");
        assert_eq!(again, m);
        assert!(matches!(TriageModel::from_bytes(b"PNG...."), Err(ModelError::NotAModel)));
        assert!(matches!(TriageModel::from_bytes(b"HLTRIAG2\xff\xff"), Err(ModelError::Corrupt(_))));
        assert!(matches!(TriageModel::from_bytes(b"HLTRIAG1\x00\x01"), Err(ModelError::Outdated)));
    }

    #[test]
    fn a_danger_described_by_its_circumstances_is_at_least_a_possible_emergency_and_a_past_one_is_not_forced() {
        let engine = Engine::new(small_model());
        // No trigger word: the situation (something loose above people walking) prompts.
        let s = engine.suggest("五楼空调外机就剩一个角挂着了，一直晃，楼下就是小学门口");
        assert_ne!(s.emergency.level, Level::None, "{:?}", s.emergency);
        assert!(s.emergency.situations.iter().any(|f| f.code == "about_to_fall" && !f.discounted));
        assert_eq!(s.emergency.category, "EMG/collapse/falling_objects");
        // A rule's words in the past do not make an emergency outright.
        let s = engine.suggest("上周楼里电梯困人，人已经救出来了，想问问电梯年检的事");
        assert_ne!(s.emergency.level, Level::Emergency, "{:?}", s.emergency);
        assert_ne!(s.urgency[0].0, "emergency");
        // Ordinary text is no emergency, and only the emergency decision makes the urgency one.
        let s = engine.suggest("我家暖气不热");
        assert_eq!(s.emergency.level, Level::None);
        assert_ne!(s.urgency[0].0, "emergency");
    }

    #[test]
    fn suggests_the_learned_decisions_top_three_with_probabilities() {
        let engine = Engine::new(small_model());
        let s = engine.suggest("我家暖气不热");
        assert_eq!(s.category[0].0, "UTL/heating/not_warm");
        assert_eq!(s.category_path(), ["UTL", "UTL/heating", "UTL/heating/not_warm"]);
        assert_eq!(s.urgency[0].0, "utility24h");
        assert!(s.category.len() <= 3 && s.category.windows(2).all(|w| w[0].1 >= w[1].1));
        assert!(s.rule.is_none());
        let s = engine.suggest("供暖什么时候开始");
        assert_eq!((s.nature[0].0.as_str(), s.disposition[0].0.as_str()), ("consult", "answer"));
    }

    #[test]
    fn every_decision_is_one_distribution_led_by_its_suggestion() {
        // Texts that trip each promotion: question and nature cues, consultations, rules, defaults.
        let engine = Engine::new(small_model());
        for text in [
            "我家暖气不热",
            "请问供暖什么时候开始",
            "举报门口乱停车",
            "感谢热力公司",
            "厨房里一股很浓的煤气味",
            "已经向法院起诉了，暖气不热的事",
            "我建议多建停车位",
            "暖气",
        ] {
            let s = engine.suggest(text);
            for (name, r) in [("nature", &s.nature), ("category", &s.category), ("urgency", &s.urgency), ("disposition", &s.disposition)] {
                let sum: f32 = r.iter().map(|(_, p)| p).sum();
                assert!(sum <= 1.0 + 1e-4, "{text}: {name} adds up to {sum}: {r:?}");
                assert!(r.windows(2).all(|w| w[0].1 >= w[1].1), "{text}: {name} is not sorted: {r:?}");
            }
        }
    }

    #[test]
    fn a_promoted_choice_leads_and_the_rest_share_what_is_left() {
        let mut r: Ranked = vec![("dispatch".into(), 0.7), ("answer".into(), 0.2), ("redirect".into(), 0.1)];
        promote_with(&mut r, "answer", 0.5);
        assert_eq!(r[0].0, "answer");
        assert!(r[0].1 >= r[1].1, "{r:?}");
        assert!(r.iter().map(|(_, p)| p).sum::<f32>() <= 1.0 + 1e-6, "{r:?}");
    }

    #[test]
    fn an_emergency_rule_overrides_the_model() {
        let engine = Engine::new(small_model());
        let s = engine.suggest("厨房里一股很浓的煤气味，门口还乱停车");
        assert_eq!(s.rule.as_ref().map(|r| r.rule), Some("gas_smell"));
        assert_eq!(s.urgency[0], ("emergency".to_owned(), 1.0));
        assert_eq!(s.disposition[0].0, "dispatch");
        assert_eq!(s.category[0].0, "EMG/gas_leak");
        let s = engine.suggest("已经向法院起诉了，暖气不热的事");
        assert_eq!(s.disposition[0].0, "redirect");
    }
}
