//! Duplicate candidates (重复诉求): a request about the same incident as an earlier one — same place,
//! similar words, within a time window — is linked, not dispatched again. Praise is never a
//! duplicate, and a different first-level category needs much closer wording.

use std::collections::VecDeque;

use serde::Serialize;

use crate::features::overlap;

/// Something a new request may repeat: an open order or an earlier line of the same input.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub id: String,
    /// From [`crate::Featurizer::fingerprint`].
    pub fingerprint: Vec<u32>,
    pub district: Option<String>,
    pub street: Option<String>,
    pub community: Option<String>,
    /// First-level category, when known.
    pub category: Option<String>,
    /// Deepest category, when known (the same problem in other words shares it).
    pub deepest: Option<String>,
    pub nature: Option<String>,
    /// Epoch milliseconds, when known.
    pub at_ms: Option<i64>,
    /// The text says it repeats something ("又", "再催", "still", "again").
    pub repeat_cue: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Match {
    pub id: String,
    /// 0–1.
    pub score: f32,
}

/// Words people use when they call about the same thing again.
const REPEAT_CUES: &[&str] = &[
    "再催",
    "又来",
    "又打",
    "又反映",
    "又开始",
    "又支起来",
    "还没",
    "还是没",
    "还是那",
    "还在",
    "依旧",
    "仍未",
    "仍在",
    "已经有人打过",
    "打过电话",
    "再打",
    "上回",
    "上次",
    "之前反映",
    "之前已",
    "此前",
    "已反映",
    "反映过",
    "第几回",
    "again",
    "still",
    "already reported",
    "following up",
    "follow up",
    "reported this",
];

pub fn has_repeat_cue(text: &str) -> bool {
    let t = crate::features::normalise(text);
    REPEAT_CUES.iter().any(|c| t.contains(c))
}

/// How much two requests look like one incident (0 when they cannot be: different places, too far
/// apart in time, praise).
pub fn score(new: &Candidate, old: &Candidate, window_ms: i64) -> f32 {
    // Praise is news, and a question asked twice is two questions: neither repeats an incident.
    let nature = |c: &Candidate, n: &str| c.nature.as_deref() == Some(n);
    if nature(new, "praise") || nature(old, "praise") || (nature(new, "consult") && nature(old, "consult")) {
        return 0.0;
    }
    if let (Some(a), Some(b)) = (new.at_ms, old.at_ms)
        && (a - b).abs() > window_ms
    {
        return 0.0;
    }
    // Place: the same community is strong, the same street good, the same district alone weak.
    let same = |a: &Option<String>, b: &Option<String>| a.is_some() && a == b;
    let place_bar = if same(&new.community, &old.community) {
        0.30
    } else if same(&new.street, &old.street) {
        0.40
    } else if same(&new.district, &old.district) && (new.street.is_none() || old.street.is_none()) {
        0.50
    } else if new.district.is_none() && new.street.is_none() {
        // A repeat that no longer names the district ("九龙花园5号楼又漏了"): only close wording.
        0.60
    } else {
        return 0.0;
    };
    let mut bar = place_bar;
    if new.category.is_some() && old.category.is_some() && new.category != old.category {
        bar += 0.25;
    }
    // The same problem retold shares its deepest category more than its words; a caller who says
    // it is a repeat ("还是那个…", "上回反映过") is believed at a lower bar.
    // (Only with that word or the same community: one street sees many alike requests a week.)
    if new.deepest.is_some() && new.deepest == old.deepest && (new.repeat_cue || same(&new.community, &old.community)) {
        bar -= 0.15;
    }
    if new.repeat_cue {
        bar -= 0.15;
    }
    let s = overlap(&new.fingerprint, &old.fingerprint);
    if s < bar { 0.0 } else { (0.5 + (s - bar) / (1.0 - bar).max(0.05) * 0.5).min(1.0) }
}

/// Remembers recent requests of one input stream and finds what a new one repeats.
pub struct StreamIndex {
    window_ms: i64,
    recent: VecDeque<Candidate>,
    capacity: usize,
}

impl StreamIndex {
    pub fn new(window_ms: i64, capacity: usize) -> Self {
        Self { window_ms, recent: VecDeque::new(), capacity }
    }

    /// The best earlier match, if any, then remembers `c` (a duplicate points at the first report,
    /// not at another duplicate: callers link to the match's own original when they track it).
    pub fn check_and_add(&mut self, c: Candidate) -> Option<Match> {
        let best = self
            .recent
            .iter()
            .map(|old| (old, score(&c, old, self.window_ms)))
            .filter(|(_, s)| *s > 0.0)
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(old, s)| Match { id: old.id.clone(), score: s });
        if self.recent.len() >= self.capacity {
            self.recent.pop_front();
        }
        self.recent.push_back(c);
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Featurizer;

    fn cand(f: &Featurizer, id: &str, text: &str, street: Option<&str>, category: &str, at_h: i64) -> Candidate {
        Candidate {
            id: id.into(),
            fingerprint: f.fingerprint(text),
            district: Some("朝阳区".into()),
            street: street.map(str::to_owned),
            community: None,
            category: Some(category.into()),
            deepest: None,
            nature: Some("complaint".into()),
            at_ms: Some(at_h * 3_600_000),
            repeat_cue: has_repeat_cue(text),
        }
    }

    #[test]
    fn the_same_incident_in_other_words_matches_and_other_places_or_times_do_not() {
        let f = Featurizer::default();
        let week = 7 * 24 * 3_600_000;
        let mut idx = StreamIndex::new(week, 100);
        let first = cand(&f, "a", "望京花家地南里门口修路的把燃气管道挖破了，正往外冒气", Some("望京街道"), "EMG", 0);
        assert_eq!(idx.check_and_add(first), None);
        let again = cand(&f, "b", "花家地南里门口那个燃气管子被挖坏了，还在漏气，我再催一下", Some("望京街道"), "EMG", 1);
        assert_eq!(idx.check_and_add(again).map(|m| m.id), Some("a".to_owned()));
        let elsewhere = cand(&f, "c", "花家地南里门口那个燃气管子被挖坏了", Some("酒仙桥街道"), "EMG", 1);
        assert_eq!(idx.check_and_add(elsewhere), None);
        let later = cand(&f, "d", "望京花家地南里门口燃气管道挖破了", Some("望京街道"), "EMG", 24 * 30);
        assert_eq!(idx.check_and_add(later), None, "a month later is a new incident");
        let other_matter = cand(&f, "e", "望京街道门口乱停车", Some("望京街道"), "TRF", 2);
        assert_eq!(idx.check_and_add(other_matter), None);
    }

    #[test]
    fn a_problem_retold_with_a_repeat_word_at_the_same_street_matches() {
        let f = Featurizer::default();
        let retold = |id: &str, text: &str| Candidate {
            deepest: Some("ENV/fumes/restaurant".into()),
            ..cand(&f, id, text, Some("北新桥街道"), "ENV", 0)
        };
        let a = retold("a", "我住北新桥三条一个大杂院儿，簋街那家小龙虾店把排烟管子直接怼到我们院墙上，每天从下午四点熏到后半夜两点");
        let b = retold("b", "这都第几回了！我跟您说的北新桥三条那院儿，簋街那小龙虾馆子的排烟筒子，还冲我们院儿喷呢，今儿下午又开始了");
        assert!(b.repeat_cue);
        assert!(score(&b, &a, 1000) > 0.0, "overlap {}", overlap(&b.fingerprint, &a.fingerprint));
    }
}
