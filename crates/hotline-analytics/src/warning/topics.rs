//! Emerging problems in the text (新问题): words that burst in the last hours beyond what the
//! categories of those hours' calls explain — a new scam's name, one estate's water cut reported
//! under several categories, a bus route number.
//!
//! Each recent call is a [`Doc`]: its category and place, and the set of its words. A word's
//! expected count is the sum, over the recent calls, of how often calls of that call's category
//! used the word in the baseline (shrunk towards the word's overall rate), so a word that rises
//! only because its category surged (停水 in a water surge) is expected, and one that spreads over
//! categories or is new is not. The burst score is the Poisson log-likelihood ratio of the observed
//! count against that expectation. Words whose calls overlap are one topic; a topic's place is the
//! district (street) holding most of its calls. Tokenising is the caller's (the app uses the search
//! analyser), so this stays pure.

use std::collections::{HashMap, HashSet};

/// One call: its category path, place and words (each once).
#[derive(Debug, Clone, PartialEq)]
pub struct Doc {
    pub category: Option<String>,
    pub district: Option<i64>,
    pub street: Option<i64>,
    pub words: Vec<String>,
    /// When it was received (any monotone unit, e.g. epoch milliseconds).
    pub at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TopicSettings {
    /// Fewest recent calls using a word.
    pub min_calls: usize,
    /// Observed over expected, at least.
    pub min_lift: f64,
    /// Poisson log-likelihood ratio, at least.
    pub min_score: f64,
    /// Baseline calls of a category that weigh as much as the word's overall rate.
    pub prior_weight: f64,
    /// Passes a day (for the recurrence interval).
    pub passes_per_day: f64,
    /// Most topics answered.
    pub max_topics: usize,
    /// Most words one topic names.
    pub max_terms: usize,
}

impl Default for TopicSettings {
    fn default() -> Self {
        Self { min_calls: 6, min_lift: 4.0, min_score: 15.0, prior_weight: 20.0, passes_per_day: 144.0, max_topics: 20, max_terms: 4 }
    }
}

/// A burst of words.
#[derive(Debug, Clone, PartialEq)]
pub struct Topic {
    /// The words, strongest first.
    pub terms: Vec<String>,
    /// Indices of the recent calls that use its strongest word.
    pub docs: Vec<usize>,
    pub observed: u64,
    pub expected: f64,
    pub score: f64,
    /// How often chance alone gives a burst this strong somewhere in the vocabulary (days).
    pub recurrence_days: f64,
    /// Where most of its calls are (≥ 60% of them), else none.
    pub district: Option<i64>,
    pub street: Option<i64>,
    /// How many categories its calls were filed under.
    pub categories: usize,
    /// The earliest of its calls.
    pub first_at: i64,
}

/// The baseline: per category, how many calls and how many used each word; and overall.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    calls: f64,
    words: HashMap<String, f64>,
    by_category: HashMap<String, (f64, HashMap<String, f64>)>,
}

impl Baseline {
    pub fn from_docs(docs: &[Doc]) -> Self {
        let mut b = Self::default();
        for d in docs {
            b.calls += 1.0;
            let entry = b.by_category.entry(d.category.clone().unwrap_or_default()).or_default();
            entry.0 += 1.0;
            for w in &d.words {
                *b.words.entry(w.clone()).or_default() += 1.0;
                *entry.1.entry(w.clone()).or_default() += 1.0;
            }
        }
        b
    }

    pub fn calls(&self) -> usize {
        self.calls as usize
    }

    /// How likely a call of `category` uses `word`.
    fn rate(&self, word: &str, category: &str, prior_weight: f64) -> f64 {
        let overall = (self.words.get(word).copied().unwrap_or(0.0) + 0.5) / (self.calls + 1.0);
        match self.by_category.get(category) {
            Some((n, words)) => (words.get(word).copied().unwrap_or(0.0) + prior_weight * overall) / (n + prior_weight),
            None => overall,
        }
    }
}

/// Poisson log-likelihood ratio of `k` against a mean `e` (0 when not above it).
pub fn burst_score(k: f64, e: f64) -> f64 {
    if k <= e || e <= 0.0 { 0.0 } else { k * (k / e).ln() - (k - e) }
}

/// The one-sided chance of a score at least `score` (twice it is χ² with one degree of freedom).
fn tail(score: f64) -> f64 {
    if score <= 0.0 {
        return 1.0;
    }
    (0.5 * (-score).exp() / (std::f64::consts::PI * score).sqrt()).min(1.0)
}

fn majority(values: impl Iterator<Item = Option<i64>>, of: usize) -> Option<i64> {
    let mut counts: HashMap<i64, usize> = HashMap::new();
    for v in values.flatten() {
        *counts.entry(v).or_default() += 1;
    }
    counts.into_iter().filter(|(_, n)| *n * 10 >= of * 6).max_by_key(|(v, n)| (*n, -*v)).map(|(v, _)| v)
}

/// The topics bursting among `recent` against `baseline`, strongest first.
pub fn detect_topics(recent: &[Doc], baseline: &Baseline, s: &TopicSettings) -> Vec<Topic> {
    let mut uses: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, d) in recent.iter().enumerate() {
        for w in &d.words {
            uses.entry(w.as_str()).or_default().push(i);
        }
    }
    let tested = uses.len().max(1) as f64;
    let mut bursts: Vec<(&str, Vec<usize>, f64, f64)> = uses
        .into_iter()
        .filter(|(_, docs)| docs.len() >= s.min_calls)
        .filter_map(|(w, docs)| {
            let expected: f64 = recent.iter().map(|d| baseline.rate(w, d.category.as_deref().unwrap_or_default(), s.prior_weight)).sum();
            let k = docs.len() as f64;
            let score = burst_score(k, expected);
            (k >= s.min_lift * expected && score >= s.min_score).then_some((w, docs, expected, score))
        })
        .collect();
    bursts.sort_by(|a, b| b.3.total_cmp(&a.3).then_with(|| a.0.cmp(b.0)));
    let mut topics: Vec<(Topic, HashSet<usize>)> = Vec::new();
    for (w, docs, expected, score) in bursts {
        let set: HashSet<usize> = docs.iter().copied().collect();
        // A word whose calls are mostly a topic's calls names that topic.
        if let Some((t, calls)) = topics.iter_mut().find(|(_, calls)| {
            let common = calls.intersection(&set).count();
            common * 10 >= set.len().min(calls.len()) * 7
        }) {
            if t.terms.len() < s.max_terms {
                t.terms.push(w.to_owned());
            }
            calls.extend(set);
            continue;
        }
        if topics.len() >= s.max_topics {
            continue;
        }
        let n = docs.len();
        let categories: HashSet<&str> = docs.iter().map(|&i| recent[i].category.as_deref().unwrap_or_default()).collect();
        let district = majority(docs.iter().map(|&i| recent[i].district), n);
        let street = district.and_then(|_| majority(docs.iter().map(|&i| recent[i].street), n));
        let chance = tail(score) * tested * s.passes_per_day;
        let topic = Topic {
            terms: vec![w.to_owned()],
            observed: n as u64,
            expected,
            score,
            recurrence_days: if chance > 0.0 {
                (1.0 / chance).min(crate::warning::MAX_RECURRENCE_DAYS)
            } else {
                crate::warning::MAX_RECURRENCE_DAYS
            },
            district,
            street,
            categories: categories.len(),
            first_at: docs.iter().map(|&i| recent[i].at).min().unwrap_or_default(),
            docs,
        };
        topics.push((topic, set));
    }
    topics.into_iter().map(|(t, _)| t).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(category: &str, district: i64, text: &str, at: i64) -> Doc {
        Doc {
            category: Some(category.to_owned()),
            district: Some(district),
            street: Some(district * 100),
            words: text.split(' ').map(str::to_owned).collect::<HashSet<_>>().into_iter().collect(),
            at,
        }
    }

    /// Four weeks of ordinary calls: parking, noise and water (停水 common under water).
    fn base() -> Vec<Doc> {
        let mut docs = Vec::new();
        for i in 0..600 {
            docs.push(doc("TRF/parking", 1 + i % 3, "小区 门口 停车 占道", i));
            docs.push(doc("ENV/noise", 1 + i % 3, "夜间 施工 噪音 扰民", i));
            if i % 3 == 0 {
                docs.push(doc("UTL/water", 1 + i % 3, "小区 停水 没有 通知", i));
            }
        }
        docs
    }

    fn ordinary_hours() -> Vec<Doc> {
        (0..120)
            .map(|i| match i % 3 {
                0 => doc("TRF/parking", 1 + i % 3, "小区 门口 停车 占道", 10_000 + i),
                1 => doc("ENV/noise", 1 + i % 3, "夜间 施工 噪音 扰民", 10_000 + i),
                _ => doc("UTL/water", 1 + i % 3, "小区 停水 没有 通知", 10_000 + i),
            })
            .collect()
    }

    #[test]
    fn a_new_scam_spread_over_categories_is_a_topic_in_its_district_with_its_words() {
        let baseline = Baseline::from_docs(&base());
        let mut recent = ordinary_hours();
        for (i, category) in
            ["PUB/fraud", "CON/online", "FIN/bank", "PUB/fraud", "CON/online", "FIN/bank", "PUB/fraud", "CON/online"].iter().enumerate()
        {
            recent.push(doc(category, 2, "接到 刷单返利 电话 被骗", 20_000 + i as i64));
        }
        let topics = detect_topics(&recent, &baseline, &TopicSettings::default());
        assert_eq!(topics.len(), 1, "{topics:?}");
        let t = &topics[0];
        assert!(t.terms.contains(&"刷单返利".to_owned()), "{t:?}");
        assert!(!t.terms.contains(&"小区".to_owned()));
        assert_eq!((t.observed, t.district, t.categories, t.first_at), (8, Some(2), 3, 20_000));
        assert!(t.expected < 1.0 && t.score >= 15.0 && t.recurrence_days > 30.0, "{t:?}");
    }

    #[test]
    fn a_word_that_rises_with_its_own_category_is_expected_and_no_topic() {
        let baseline = Baseline::from_docs(&base());
        let mut recent = ordinary_hours();
        // A water surge: many more water calls, all saying 停水 as water calls always do.
        for i in 0..60 {
            recent.push(doc("UTL/water", 1, "小区 停水 没有 通知", 30_000 + i));
        }
        let topics = detect_topics(&recent, &baseline, &TopicSettings::default());
        assert!(topics.is_empty(), "a category surge is the surge detector's: {topics:?}");
    }

    #[test]
    fn one_estate_without_water_reported_under_several_categories_is_a_topic() {
        let baseline = Baseline::from_docs(&base());
        let mut recent = ordinary_hours();
        for (i, category) in
            ["HOU/property", "ENV/noise", "HOU/property", "PUB/other", "HOU/property", "PUB/other", "HOU/property"].iter().enumerate()
        {
            recent.push(doc(category, 3, "望京西园 停水 物业 不管", 40_000 + i as i64));
        }
        let topics = detect_topics(&recent, &baseline, &TopicSettings::default());
        let t = topics.first().expect("a topic");
        assert!(t.terms.iter().any(|w| w == "望京西园"), "{t:?}");
        // 停水 itself is no burst (the ordinary water calls use it as much); the estate's calls are.
        assert_eq!(t.docs, (120..127).collect::<Vec<_>>(), "{t:?}");
        assert_eq!((t.district, t.street), (Some(3), Some(300)));
    }

    #[test]
    fn a_few_calls_or_ordinary_hours_raise_nothing() {
        let baseline = Baseline::from_docs(&base());
        assert!(detect_topics(&ordinary_hours(), &baseline, &TopicSettings::default()).is_empty());
        let mut recent = ordinary_hours();
        for i in 0..4 {
            recent.push(doc("PUB/fraud", 2, "刷单返利 被骗", 50_000 + i));
        }
        assert!(detect_topics(&recent, &baseline, &TopicSettings::default()).is_empty(), "fewer than min_calls");
    }

    #[test]
    fn the_burst_score_is_zero_below_expectation_and_grows_with_the_count() {
        assert_eq!(burst_score(2.0, 3.0), 0.0);
        assert_eq!(burst_score(3.0, 0.0), 0.0);
        assert!(burst_score(10.0, 1.0) > burst_score(6.0, 1.0));
        assert!(tail(20.0) < tail(10.0) && tail(0.0) == 1.0);
    }
}
