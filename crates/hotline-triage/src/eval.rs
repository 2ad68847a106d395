//! Evaluation: accuracy, macro-F1 and confusion per decision, emergency recall, and two baselines
//! (the majority class; keyword rules from the category tree) to measure the model against.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::Serialize;

use crate::{Labelled, path_of, rules};

/// Truth and prediction pairs of one decision.
#[derive(Debug, Default, Clone)]
pub struct Decision {
    pairs: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DecisionReport {
    pub n: usize,
    pub accuracy: f64,
    pub macro_f1: f64,
}

impl Decision {
    pub fn add(&mut self, truth: &str, predicted: &str) {
        self.pairs.push((truth.to_owned(), predicted.to_owned()));
    }

    pub fn report(&self) -> DecisionReport {
        let n = self.pairs.len();
        let correct = self.pairs.iter().filter(|(t, p)| t == p).count();
        let labels: BTreeSet<&str> = self.pairs.iter().map(|(t, _)| t.as_str()).collect();
        // Macro-F1 over the classes present in the truth.
        let f1s: Vec<f64> = labels
            .iter()
            .map(|l| {
                let tp = self.pairs.iter().filter(|(t, p)| t == l && p == l).count() as f64;
                let fp = self.pairs.iter().filter(|(t, p)| t != l && p == l).count() as f64;
                let fn_ = self.pairs.iter().filter(|(t, p)| t == l && p != l).count() as f64;
                if tp == 0.0 { 0.0 } else { 2.0 * tp / (2.0 * tp + fp + fn_) }
            })
            .collect();
        DecisionReport {
            n,
            accuracy: if n == 0 { 0.0 } else { correct as f64 / n as f64 },
            macro_f1: if f1s.is_empty() { 0.0 } else { f1s.iter().sum::<f64>() / f1s.len() as f64 },
        }
    }

    /// A confusion matrix as text (rows: truth, columns: prediction), classes by frequency.
    pub fn confusion(&self, max_classes: usize) -> String {
        let mut freq: BTreeMap<&str, usize> = BTreeMap::new();
        for (t, p) in &self.pairs {
            *freq.entry(t).or_default() += 1;
            freq.entry(p).or_default();
        }
        let mut classes: Vec<&str> = freq.keys().copied().collect();
        classes.sort_by(|a, b| freq[b].cmp(&freq[a]).then(a.cmp(b)));
        classes.truncate(max_classes);
        let w = classes.iter().map(|c| c.chars().count()).max().unwrap_or(4).max(5);
        let mut out = format!("{:w$} |", "truth\\pred");
        for c in &classes {
            let _ = write!(out, " {:>5}", c.chars().take(5).collect::<String>());
        }
        out.push('\n');
        for t in &classes {
            let _ = write!(out, "{t:w$} |");
            for p in &classes {
                let n = self.pairs.iter().filter(|(a, b)| a == t && b == p).count();
                let _ = write!(out, " {:>5}", if n == 0 { ".".to_owned() } else { n.to_string() });
            }
            out.push('\n');
        }
        out
    }
}

/// A system's answers on one labelled request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Answer {
    pub nature: String,
    pub category_path: Vec<String>,
    pub urgency: String,
    pub disposition: String,
    pub district: Option<String>,
    pub street: Option<String>,
    /// The emergency decision: `emergency`, `possible` or `none` (a baseline without one: derived
    /// from its urgency and disposition).
    pub emergency: Option<String>,
    /// The earlier line (or order) this one repeats, resolved to the first of its incident.
    pub duplicate_of: Option<String>,
}

impl Answer {
    /// Whether the answer treats the request as an emergency: its urgency or transfer says so.
    fn says_emergency(&self) -> bool {
        crate::is_emergency(&self.urgency, &self.disposition)
    }

    /// Whether the operator is told it may be one (an emergency, or the possible-emergency prompt).
    fn flags_emergency(&self) -> bool {
        self.says_emergency() || self.emergency.as_deref().is_some_and(|l| l == "emergency" || l == "possible")
    }
}

/// All decisions of one system over a labelled set.
#[derive(Debug, Default, Clone)]
pub struct Scores {
    pub decisions: BTreeMap<&'static str, Decision>,
    emergencies: usize,
    /// Emergencies flagged (an emergency or the possible-emergency prompt).
    emergencies_caught: usize,
    /// Emergencies answered as emergencies outright.
    emergencies_certain: usize,
    /// Everything flagged, and everything answered as an emergency outright.
    flagged: usize,
    certain: usize,
    emergencies_sent_as_general: usize,
    /// Emergencies neither flagged nor prompted: the ids.
    pub missed: Vec<String>,
    duplicates_true: usize,
    duplicates_predicted: usize,
    duplicates_right: usize,
}

/// The first request of an incident, for any request of a set in order: a repeat of a repeat leads
/// back to it.
fn duplicate_root(set: &[Labelled]) -> impl Fn(&str) -> String + '_ {
    let truth: BTreeMap<&str, Option<&str>> = set.iter().map(|l| (l.id.as_str(), l.duplicate_of.as_deref())).collect();
    move |id: &str| {
        let mut id = id.to_owned();
        for _ in 0..50 {
            match truth.get(id.as_str()).copied().flatten() {
                Some(up) => id = up.to_owned(),
                None => break,
            }
        }
        id
    }
}

/// Rewrites each answer's `duplicate_of` to the first request of its incident in the truth (a
/// repeat linked to another repeat of the same incident is right), given the set in order.
pub fn resolve_duplicate_roots(set: &[Labelled], answers: &mut [Answer]) {
    let root = duplicate_root(set);
    for a in answers.iter_mut() {
        if let Some(d) = a.duplicate_of.take() {
            a.duplicate_of = Some(root(&d));
        }
    }
}

/// The set with each truth's `duplicate_of` resolved the same way, so that answers and truths are
/// compared incident to incident.
pub fn with_duplicate_roots(set: &[Labelled]) -> Vec<Labelled> {
    let root = duplicate_root(set);
    set.iter().map(|l| Labelled { duplicate_of: l.duplicate_of.as_deref().map(&root), ..l.clone() }).collect()
}

impl Scores {
    pub fn add(&mut self, truth: &Labelled, answer: &Answer) {
        let mut d = |name: &'static str, t: &str, p: &str| self.decisions.entry(name).or_default().add(t, p);
        d("nature", &truth.nature, &answer.nature);
        d("category", &truth.category, answer.category_path.first().map_or("", String::as_str));
        // The deep category is right when the prediction reaches the truth's deepest node.
        let deepest = truth.category_path.last().map_or(truth.category.as_str(), String::as_str);
        let depth = truth.category_path.len().max(1);
        d("category_path", deepest, answer.category_path.get(depth - 1).map_or("", String::as_str));
        d("urgency", &truth.urgency, &answer.urgency);
        d("disposition", &truth.disposition, &answer.disposition);
        d("district", truth.district.as_deref().unwrap_or("-"), answer.district.as_deref().unwrap_or("-"));
        d("street", truth.street.as_deref().unwrap_or("-"), answer.street.as_deref().unwrap_or("-"));
        // Where the text determines the place: is it found?
        if let Some(district) = truth.district.as_deref() {
            d("district_named", district, answer.district.as_deref().unwrap_or("-"));
        }
        if let Some(street) = truth.street.as_deref() {
            d("street_named", street, answer.street.as_deref().unwrap_or("-"));
        }
        if truth.lang.as_deref() == Some("en") {
            d("category_en", &truth.category, answer.category_path.first().map_or("", String::as_str));
        }
        let flagged = answer.flags_emergency();
        self.flagged += usize::from(flagged);
        self.certain += usize::from(answer.says_emergency());
        if truth.is_emergency() {
            self.emergencies += 1;
            self.emergencies_caught += usize::from(flagged);
            self.emergencies_certain += usize::from(answer.says_emergency());
            if !flagged {
                self.emergencies_sent_as_general += usize::from(answer.disposition == "dispatch");
                self.missed.push(truth.id.clone());
            }
        }
        self.duplicates_true += usize::from(truth.duplicate_of.is_some());
        self.duplicates_predicted += usize::from(answer.duplicate_of.is_some());
        self.duplicates_right += usize::from(answer.duplicate_of.is_some() && answer.duplicate_of == truth.duplicate_of);
    }

    /// Share of emergencies (emergency urgency or a 110/119/120/122 transfer) the system flagged
    /// (as an emergency or with the possible-emergency prompt).
    pub fn emergency_recall(&self) -> f64 {
        ratio(self.emergencies_caught, self.emergencies)
    }

    /// Share of what the system flagged that is an emergency.
    pub fn emergency_precision(&self) -> f64 {
        ratio(self.emergencies_caught, self.flagged)
    }

    /// Recall and precision of the answers that are emergencies outright (no prompt needed).
    pub fn emergency_certain(&self) -> (f64, f64) {
        (ratio(self.emergencies_certain, self.emergencies), ratio(self.emergencies_certain, self.certain))
    }

    /// Emergencies in the set.
    pub fn emergencies(&self) -> usize {
        self.emergencies
    }

    /// Precision, recall and F1 of the duplicates linked (right when linked to the same incident).
    pub fn duplicates(&self) -> (f64, f64, f64) {
        let p = ratio(self.duplicates_right, self.duplicates_predicted);
        let r = ratio(self.duplicates_right, self.duplicates_true);
        (p, r, if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) })
    }

    /// Emergencies the system would dispatch as ordinary requests without the prompt: must be zero.
    pub fn emergencies_dispatched_as_general(&self) -> usize {
        self.emergencies_sent_as_general
    }

    /// decision → metric → value, for model files and reports.
    pub fn figures(&self) -> BTreeMap<String, BTreeMap<String, f64>> {
        let mut out: BTreeMap<String, BTreeMap<String, f64>> = self
            .decisions
            .iter()
            .map(|(name, d)| {
                let r = d.report();
                (
                    name.to_string(),
                    BTreeMap::from([
                        ("accuracy".to_owned(), r.accuracy),
                        ("macro_f1".to_owned(), r.macro_f1),
                        ("n".to_owned(), r.n as f64),
                    ]),
                )
            })
            .collect();
        let (certain_recall, certain_precision) = self.emergency_certain();
        out.insert(
            "emergency".into(),
            BTreeMap::from([
                ("recall".to_owned(), self.emergency_recall()),
                ("precision".to_owned(), self.emergency_precision()),
                ("certain_recall".to_owned(), certain_recall),
                ("certain_precision".to_owned(), certain_precision),
                ("n".to_owned(), self.emergencies as f64),
                ("dispatched_as_general".to_owned(), self.emergencies_sent_as_general as f64),
            ]),
        );
        let (p, r, f1) = self.duplicates();
        out.insert(
            "duplicates".into(),
            BTreeMap::from([
                ("precision".to_owned(), p),
                ("recall".to_owned(), r),
                ("f1".to_owned(), f1),
                ("n".to_owned(), self.duplicates_true as f64),
            ]),
        );
        out
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

/// The majority baseline: the most frequent truth of each decision, always.
pub fn majority(set: &[Labelled]) -> Answer {
    fn most<'a>(values: impl Iterator<Item = &'a str>) -> String {
        let mut count: BTreeMap<&str, usize> = BTreeMap::new();
        for v in values {
            *count.entry(v).or_default() += 1;
        }
        count.into_iter().max_by_key(|(_, n)| *n).map(|(v, _)| v.to_owned()).unwrap_or_default()
    }
    let deepest = most(set.iter().map(|l| l.category_path.last().map_or(l.category.as_str(), String::as_str)));
    Answer {
        nature: most(set.iter().map(|l| l.nature.as_str())),
        category_path: path_of(&deepest),
        urgency: most(set.iter().map(|l| l.urgency.as_str())),
        disposition: most(set.iter().map(|l| l.disposition.as_str())),
        district: None,
        street: None,
        emergency: None,
        duplicate_of: None,
    }
}

/// A category node as the keyword baseline sees it.
pub struct KeywordNode {
    pub code: String,
    pub default_urgency: String,
    /// Keywords plus the Chinese name.
    pub words: Vec<String>,
}

/// The keyword-rules baseline: the category whose words occur most (deeper on ties), nature from
/// cue words, urgency from the category's default, disposition from the rules, consultations
/// answered, everything else dispatched.
pub fn keyword_rules(text: &str, nodes: &[KeywordNode]) -> Answer {
    let t = crate::features::normalise(text);
    let best = nodes
        .iter()
        .map(|n| (n, n.words.iter().filter(|w| !w.is_empty() && t.contains(w.as_str())).count()))
        .filter(|(_, hits)| *hits > 0)
        .max_by_key(|(n, hits)| (*hits, n.code.matches('/').count()))
        .map(|(n, _)| n);
    let cue = |words: &[&str]| words.iter().any(|w| t.contains(w));
    let nature = if cue(&["举报"]) {
        "report"
    } else if cue(&["建议", "suggest"]) {
        "suggestion"
    } else if cue(&["感谢", "表扬", "谢谢", "thank"]) {
        "praise"
    } else if cue(&["投诉", "complain"]) {
        "complaint"
    } else if cue(&["请问", "怎么", "如何", "吗", "?", "？", "咨询", "how", "what", "when", "where"]) {
        "consult"
    } else {
        "help"
    };
    let rule = rules::emergency(text).or_else(|| rules::out_of_scope(text));
    let category_path = match (&rule, best) {
        (Some(r), _) if !r.category.is_empty() => r.category.iter().map(|c| (*c).to_owned()).collect(),
        (_, Some(n)) => path_of(&n.code),
        _ => vec!["OTH".to_owned()],
    };
    let urgency =
        rule.as_ref().map(|r| r.urgency.to_owned()).or_else(|| best.map(|n| n.default_urgency.clone())).unwrap_or_else(|| "general".into());
    let disposition = rule.map_or_else(|| if nature == "consult" { "answer" } else { "dispatch" }.to_owned(), |r| r.disposition.to_owned());
    Answer {
        nature: nature.to_owned(),
        category_path,
        urgency,
        disposition,
        district: None,
        street: None,
        emergency: None,
        duplicate_of: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accuracy_and_macro_f1_by_hand() {
        let mut d = Decision::default();
        for (t, p) in [("a", "a"), ("a", "a"), ("a", "b"), ("b", "b")] {
            d.add(t, p);
        }
        let r = d.report();
        assert_eq!(r.n, 4);
        assert!((r.accuracy - 0.75).abs() < 1e-9);
        // F1(a) = 2·2/(2·2+0+1) = 0.8; F1(b) = 2·1/(2·1+1+0) = 0.6667.
        assert!((r.macro_f1 - (0.8 + 2.0 / 3.0) / 2.0).abs() < 1e-9, "{}", r.macro_f1);
        assert!(d.confusion(10).contains("truth\\pred"));
    }

    #[test]
    fn a_repeat_of_a_repeat_leads_back_to_the_first_request_in_answers_and_truths() {
        let line = |id: &str, of: Option<&str>| Labelled {
            id: id.into(),
            channel: None,
            text: String::new(),
            nature: "complaint".into(),
            category: "UTL".into(),
            category_path: vec!["UTL".into()],
            urgency: "general".into(),
            disposition: if of.is_some() { "duplicate" } else { "dispatch" }.into(),
            district: None,
            street: None,
            duplicate_of: of.map(str::to_owned),
            received_at: None,
            lang: None,
            writer: None,
        };
        let set = [line("a", None), line("b", Some("a")), line("c", Some("b"))];
        let truths = with_duplicate_roots(&set);
        assert_eq!(truths.iter().map(|l| l.duplicate_of.as_deref()).collect::<Vec<_>>(), [None, Some("a"), Some("a")]);
        let mut answers = vec![Answer { duplicate_of: Some("b".into()), ..Answer::default() }];
        resolve_duplicate_roots(&set, &mut answers);
        assert_eq!(answers[0].duplicate_of.as_deref(), Some("a"));
    }

    #[test]
    fn keyword_rules_pick_the_deepest_matching_category_and_honour_the_rules() {
        let nodes = vec![
            KeywordNode { code: "UTL".into(), default_urgency: "utility24h".into(), words: vec!["暖气".into()] },
            KeywordNode { code: "UTL/heating/not_warm".into(), default_urgency: "utility24h".into(), words: vec!["暖气不热".into()] },
        ];
        let a = keyword_rules("家里暖气不热", &nodes);
        assert_eq!(a.category_path.last().map(String::as_str), Some("UTL/heating/not_warm"));
        assert_eq!((a.urgency.as_str(), a.disposition.as_str()), ("utility24h", "dispatch"));
        let a = keyword_rules("对面楼着火了", &nodes);
        assert_eq!(a.disposition, "transfer_119");
    }
}
