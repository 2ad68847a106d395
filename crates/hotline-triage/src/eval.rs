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
}

/// All decisions of one system over a labelled set.
#[derive(Debug, Default, Clone)]
pub struct Scores {
    pub decisions: BTreeMap<&'static str, Decision>,
    emergencies: usize,
    emergencies_caught: usize,
    emergencies_sent_as_general: usize,
}

fn is_emergency(l: &Labelled) -> bool {
    l.urgency == "emergency" || l.disposition.starts_with("transfer_")
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
        if is_emergency(truth) {
            self.emergencies += 1;
            let caught = answer.urgency == "emergency" || answer.disposition.starts_with("transfer_");
            self.emergencies_caught += usize::from(caught);
            self.emergencies_sent_as_general += usize::from(answer.disposition == "dispatch" && answer.urgency != "emergency");
        }
    }

    /// Share of emergencies (emergency urgency or a 110/119/120/122 transfer) the system flagged.
    pub fn emergency_recall(&self) -> f64 {
        if self.emergencies == 0 { 1.0 } else { self.emergencies_caught as f64 / self.emergencies as f64 }
    }

    /// Emergencies the system would dispatch as ordinary requests: must be zero.
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
        out.insert(
            "emergency".into(),
            BTreeMap::from([
                ("recall".to_owned(), self.emergency_recall()),
                ("n".to_owned(), self.emergencies as f64),
                ("dispatched_as_general".to_owned(), self.emergencies_sent_as_general as f64),
            ]),
        );
        out
    }
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
    Answer { nature: nature.to_owned(), category_path, urgency, disposition, district: None, street: None }
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
