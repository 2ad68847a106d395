//! Scoring the parser on a hand-written set of questions, and what an answer to a question holds.

use serde::Serialize;

use super::Lexicon;
use crate::query::Query;

/// One line of the evaluation set.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Case {
    pub id: String,
    pub now: chrono::DateTime<chrono::FixedOffset>,
    pub q: String,
    pub query: Query,
    #[serde(default)]
    pub unparsed: Option<Vec<String>>,
}

/// How a parser did on a set of questions.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Score {
    pub questions: usize,
    pub exact: usize,
    /// Lines with an `unparsed` list whose words were all reported.
    pub unparsed_expected: usize,
    pub unparsed_reported: usize,
    /// The ids of the questions parsed wrongly.
    pub wrong: Vec<String>,
}

impl Score {
    pub fn accuracy(&self) -> f64 {
        if self.questions == 0 { 0.0 } else { self.exact as f64 / self.questions as f64 }
    }
}

/// Scores the parser on cases: a case is exact when its query is equal (filter lists compared as
/// sets) and, where it lists unparsed words, each is inside a reported one.
pub fn score(lex: &Lexicon, cases: &[Case]) -> Score {
    let mut s = Score::default();
    for c in cases {
        let got = lex.parse(&c.q, c.now.date_naive());
        s.questions += 1;
        let unparsed_ok = c.unparsed.as_ref().is_none_or(|want| {
            want.iter().all(|w| {
                got.unparsed.iter().any(|g| g.to_lowercase().contains(&w.to_lowercase()) || w.to_lowercase().contains(&g.to_lowercase()))
            })
        });
        if c.unparsed.is_some() {
            s.unparsed_expected += 1;
            s.unparsed_reported += usize::from(unparsed_ok);
        }
        if same_query(&got.query, &c.query) && unparsed_ok {
            s.exact += 1;
        } else {
            s.wrong.push(c.id.clone());
        }
    }
    s
}

fn same_query(a: &Query, b: &Query) -> bool {
    fn set<T: Ord + Clone>(v: &[T]) -> Vec<T> {
        let mut v = v.to_vec();
        v.sort();
        v.dedup();
        v
    }
    let (fa, fb) = (&a.filters, &b.filters);
    a.measure == b.measure
        && a.group_by == b.group_by
        && a.compare == b.compare
        && a.limit == b.limit
        && fa.from == fb.from
        && fa.to == fb.to
        && set(&fa.district) == set(&fb.district)
        && set(&fa.street) == set(&fb.street)
        && set(&fa.category) == set(&fb.category)
        && set(&fa.nature) == set(&fb.nature)
        && set(&fa.channel) == set(&fb.channel)
        && set(&fa.age_group) == set(&fb.age_group)
        && set(&fa.language) == set(&fb.language)
        && set(&fa.unit) == set(&fb.unit)
}

/// The whole answer to a question of the API and `hotline ask --json`.
#[derive(Debug, Clone, Serialize)]
pub struct Asked {
    pub query: Query,
    pub rows: Vec<serde_json::Value>,
    pub unparsed: Vec<String>,
}

/// Wraps an engine answer for `ask`.
pub fn asked(answer: &crate::engine::Answer, unparsed: Vec<String>) -> Asked {
    Asked { query: answer.query.clone(), rows: answer.rows.iter().map(|r| r.to_json(&answer.query)).collect(), unparsed }
}
