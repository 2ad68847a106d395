//! Ask the data (问数): a question in Chinese or English, parsed — offline and deterministically,
//! no language model — into the [`Query`] model, with every word it could not use reported.
//!
//! The question is cut into units (a Chinese character, an English word stemmed, a number) and read
//! left to right, taking at each point the longest phrase known: a time phrase (today, 上个月,
//! July 2023, 最近30天), a comparison (同比, vs last week), a place (official names, the short forms
//! people say, pinyin), a category (its names and keywords), a nature, channel, age group, language
//! or unit, a measure, a dimension, or a word of the question's shape (哪个, top 5, 最多, 趋势).
//! What is left, less filler words, is `unparsed`. The meanings are then put together by the
//! conventions in `crates/hotline/data/ask/README.md`.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use hotline_domain::{AgeGroup, Channel, Nature, UnitClass};
use serde::Serialize;

use crate::catalog::Catalog;
use crate::query::{Compare, Dimension, Measure, Query};

mod eval;
mod time;
mod tokens;
mod words;

pub use eval::{Asked, Case, Score, asked, score};
use time::{time_at, top_at};
use tokens::{Tok, key_of, pinyin_spellings, tokens};
use words::{FILLERS, LANGUAGES, STATIC};

/// What a phrase means.
#[derive(Debug, Clone, PartialEq)]
enum Meaning {
    District(String),
    Street(String),
    /// A category (index into the catalog's list) named by its name (`true`) or a keyword.
    Category(usize, bool),
    Nature(Nature),
    Channel(Channel),
    Age(AgeGroup),
    Language(&'static str),
    /// "Foreign languages": not one language, so no filter (and reported).
    Foreign,
    Unit(String),
    Measure(Measure),
    /// A word for requests in general (来电, cases): no filter.
    Intake,
    /// A dimension noun (the district, streets, by channel).
    Dim(Dimension),
    /// 哪个 / 哪些 / which: whether the Chinese form is singular.
    Which(Option<bool>),
    /// 各 / 按 / by / each: group by what follows (or by a list named).
    Each,
    Rank,
    Most,
    Trend,
    /// 最关心什么 / call about: the second-level categories.
    WhatAbout,
    /// 具体 / specific: the third level.
    Specific,
    Compare(Compare),
    Filler,
}

/// Where a category phrase occurs: its span and the categories (named or by keyword).
type Occurrence = (usize, usize, Vec<(usize, bool)>);

/// A span of the question recognised as one phrase.
#[derive(Debug, Clone)]
struct Hit {
    start: usize,
    end: usize,
    meanings: Vec<Meaning>,
    range: Option<(NaiveDate, NaiveDate)>,
    top: Option<u32>,
}

/// The vocabulary of questions, built from the reference data.
pub struct Lexicon {
    phrases: HashMap<String, Vec<Meaning>>,
    /// Longest phrase, in units.
    longest: usize,
    categories: Vec<String>,
    /// Phrases that also occur inside phrases of other first-level branches (噪音, 停车): no category.
    broad: HashSet<String>,
    fillers: HashSet<String>,
    /// English category phrases of two or more content words, by each of their words: matched
    /// when all their words appear close together in any order (landlords keeping deposits).
    bags: HashMap<String, Vec<(Vec<String>, usize, bool)>>,
}

impl Lexicon {
    pub fn new(catalog: &Catalog) -> Self {
        let mut lex = Self {
            phrases: HashMap::new(),
            longest: 1,
            categories: Vec::new(),
            broad: HashSet::new(),
            fillers: HashSet::new(),
            bags: HashMap::new(),
        };
        for (tag, words) in STATIC {
            let meaning = match *tag {
                "intake" => Meaning::Intake,
                "count" => Meaning::Measure(Measure::Count),
                "response_rate" => Meaning::Measure(Measure::ResponseRate),
                "resolution_rate" => Meaning::Measure(Measure::ResolutionRate),
                "satisfaction_rate" => Meaning::Measure(Measure::SatisfactionRate),
                "overdue_count" => Meaning::Measure(Measure::OverdueCount),
                "median_reply_hours" => Meaning::Measure(Measure::MedianReplyHours),
                "complaint" => Meaning::Nature(Nature::Complaint),
                "consult" => Meaning::Nature(Nature::Consult),
                "help" => Meaning::Nature(Nature::Help),
                "report" => Meaning::Nature(Nature::Report),
                "suggestion" => Meaning::Nature(Nature::Suggestion),
                "praise" => Meaning::Nature(Nature::Praise),
                "phone" => Meaning::Channel(Channel::Phone),
                "web" => Meaning::Channel(Channel::Web),
                "app" => Meaning::Channel(Channel::App),
                "wechat" => Meaning::Channel(Channel::Wechat),
                "open311" => Meaning::Channel(Channel::Open311),
                "email" => Meaning::Channel(Channel::Email),
                "senior" => Meaning::Age(AgeGroup::Senior),
                "minor" => Meaning::Age(AgeGroup::Minor),
                "adult" => Meaning::Age(AgeGroup::Adult),
                "foreign" => Meaning::Foreign,
                "which1" => Meaning::Which(Some(true)),
                "which*" => Meaning::Which(Some(false)),
                "which" => Meaning::Which(None),
                "each" => Meaning::Each,
                "rank" => Meaning::Rank,
                "most" => Meaning::Most,
                "trend" => Meaning::Trend,
                "whatabout" => Meaning::WhatAbout,
                "specific" => Meaning::Specific,
                "same_year" => Meaning::Compare(Compare::SamePeriodLastYear),
                "previous" => Meaning::Compare(Compare::PreviousPeriod),
                dim => match Dimension::parse(dim) {
                    Some(d) => Meaning::Dim(d),
                    None => continue,
                },
            };
            for w in *words {
                lex.add(w, meaning.clone());
            }
        }
        for (code, zh, en, extra) in LANGUAGES {
            for w in [*zh, *en].into_iter().chain(extra.iter().copied()) {
                lex.add(w, Meaning::Language(code));
                if w.is_ascii() {
                    lex.add(&format!("{w} language"), Meaning::Language(code));
                    lex.add(&format!("{w}-language"), Meaning::Language(code));
                    lex.add(&format!("in {w}"), Meaning::Language(code));
                }
            }
        }
        for f in FILLERS {
            lex.fillers.insert(key_of(&tokens(f)));
        }
        lex.add_places(catalog);
        lex.add_units(catalog);
        lex.add_categories(catalog);
        lex
    }

    fn add(&mut self, phrase: &str, m: Meaning) {
        let toks = tokens(phrase);
        if toks.is_empty() {
            return;
        }
        self.longest = self.longest.max(toks.len());
        let entry = self.phrases.entry(key_of(&toks)).or_default();
        if !entry.contains(&m) {
            entry.push(m);
        }
    }

    fn add_bag(&mut self, phrase: &str, category: usize, named: bool) {
        let toks = tokens(phrase);
        if toks.iter().any(|t| t.cjk) {
            return;
        }
        let content: Vec<String> = toks.iter().map(|t| t.key.clone()).filter(|k| !self.fillers.contains(k)).collect();
        if content.len() < 2 {
            return;
        }
        for k in &content {
            self.bags.entry(k.clone()).or_default().push((content.clone(), category, named));
        }
    }

    fn add_places(&mut self, catalog: &Catalog) {
        let mut places: Vec<(String, UnitClass)> = catalog
            .units_of(UnitClass::District)
            .map(|(_, u)| (u.name.clone(), UnitClass::District))
            .chain(catalog.units_of(UnitClass::Street).map(|(_, u)| (u.name.clone(), UnitClass::Street)))
            .collect();
        places.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.code().cmp(b.1.code())));
        places.dedup();
        for (name, class) in places {
            let meaning = if class == UnitClass::District { Meaning::District(name.clone()) } else { Meaning::Street(name.clone()) };
            self.add(&name, meaning.clone());
            let mut bases: Vec<String> = vec![name.clone()];
            for (spoken, _) in hotline_places::spoken_names(&name, class) {
                self.add(&spoken, meaning.clone());
                bases.push(spoken);
            }
            // Pinyin, bare and with the English kind of place.
            let suffixes: &[&str] = if class == UnitClass::District {
                &["", " district"]
            } else {
                &["", " subdistrict", " street", " township", " town", " area"]
            };
            for base in bases.iter().filter(|b| b.chars().count() >= 2) {
                let stripped = base.trim_end_matches(['区', '镇', '乡']).trim_end_matches("街道").trim_end_matches("地区");
                if stripped.chars().count() < 2 {
                    continue;
                }
                for py in pinyin_spellings(stripped) {
                    for s in suffixes {
                        self.add(&format!("{py}{s}"), meaning.clone());
                    }
                }
            }
        }
    }

    fn add_units(&mut self, catalog: &Catalog) {
        let mut units: Vec<(String, String)> = [UnitClass::Department, UnitClass::Utility, UnitClass::Centre]
            .iter()
            .flat_map(|c| catalog.units_of(*c).map(|(_, u)| (u.name.clone(), u.code.clone())))
            .collect();
        units.sort();
        for (name, code) in units {
            self.add(&code, Meaning::Unit(code.clone()));
            self.add(&name, Meaning::Unit(code.clone()));
            for prefix in ["北京市", "北京"] {
                if let Some(rest) = name.strip_prefix(prefix).filter(|r| r.chars().count() >= 3) {
                    self.add(rest, Meaning::Unit(code.clone()));
                    self.add(&format!("市{rest}"), Meaning::Unit(code.clone()));
                }
            }
        }
    }

    fn add_categories(&mut self, catalog: &Catalog) {
        let cats = catalog.categories();
        self.categories = cats.iter().map(|c| c.code.clone()).collect();
        // Every phrase of every category, then which first-level branches hold each phrase inside
        // one of their own phrases.
        let mut all: Vec<(String, String)> = Vec::new();
        for (i, c) in cats.iter().enumerate() {
            let l1 = c.code.split('/').next().unwrap_or_default().to_owned();
            for name in [&c.name_zh, &c.name_en] {
                self.add(name, Meaning::Category(i, true));
                self.add_bag(name, i, true);
                all.push((key_of(&tokens(name)), l1.clone()));
            }
            for k in &c.keywords {
                // The catch-all branch's keywords are everyday words (在哪, 谢谢), and so are
                // one-word keywords that are filler words (show): never a topic.
                if l1 != "OTH" && !self.fillers.contains(&key_of(&tokens(k))) {
                    self.add(k, Meaning::Category(i, false));
                    self.add_bag(k, i, false);
                }
                all.push((key_of(&tokens(k)), l1.clone()));
            }
        }
        // Which first-level branches hold each run of words inside one of their phrases.
        let mut inside: HashMap<String, HashSet<String>> = HashMap::new();
        for (p, l1) in &all {
            let words: Vec<&str> = p.split(' ').collect();
            for a in 0..words.len() {
                for b in a + 1..=words.len() {
                    inside.entry(words[a..b].join(" ")).or_default().insert(l1.clone());
                }
            }
        }
        let keys: Vec<String> =
            self.phrases.iter().filter(|(_, ms)| ms.iter().any(|m| matches!(m, Meaning::Category(..)))).map(|(k, _)| k.clone()).collect();
        for key in keys {
            let own: HashSet<&str> = self.phrases[&key]
                .iter()
                .filter_map(|m| match m {
                    Meaning::Category(i, _) => cats[*i].code.split('/').next(),
                    _ => None,
                })
                .collect();
            let elsewhere = inside.get(&key).map_or(0, |l1s| l1s.iter().filter(|l1| !own.contains(l1.as_str()) && *l1 != "OTH").count());
            // A word inside the phrases of three or more other branches (噪音, noise, parking) names
            // no one topic.
            if elsewhere >= 3 && self.phrases[&key].iter().all(|m| matches!(m, Meaning::Category(_, false))) {
                self.broad.insert(key);
            }
        }
    }
}

/// The answer of the parser: the query, and the words it could not use.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Parsed {
    pub query: Query,
    pub unparsed: Vec<String>,
}

impl Lexicon {
    /// Parses a question asked on `today` (the asker's local date).
    pub fn parse(&self, question: &str, today: NaiveDate) -> Parsed {
        let toks = tokens(question);
        // Left to right, the longest phrase at each point.
        let mut hits: Vec<Hit> = Vec::new();
        let mut leftovers: Vec<(usize, usize)> = Vec::new();
        let mut i = 0;
        while i < toks.len() {
            let mut best: Option<Hit> = None;
            if let Some((len, range)) = time_at(&toks, i, today) {
                best = Some(Hit { start: i, end: i + len, meanings: Vec::new(), range: Some(range), top: None });
            }
            if let Some((len, n)) = top_at(&toks, i)
                && best.as_ref().is_none_or(|b| b.end - b.start < len)
            {
                best = Some(Hit { start: i, end: i + len, meanings: Vec::new(), range: None, top: Some(n) });
            }
            for len in (1..=self.longest.min(toks.len() - i)).rev() {
                if best.as_ref().is_some_and(|b| b.end - b.start >= len) {
                    break;
                }
                let key = key_of(&toks[i..i + len]);
                if let Some(ms) = self.phrases.get(&key) {
                    let mut meanings = ms.clone();
                    if self.broad.contains(&key) {
                        meanings = vec![Meaning::Filler];
                    }
                    best = Some(Hit { start: i, end: i + len, meanings, range: None, top: None });
                    break;
                }
            }
            match best {
                Some(h) => {
                    i = h.end;
                    hits.push(h);
                }
                None => {
                    leftovers.push((i, i + 1));
                    i += 1;
                }
            }
        }
        self.widen_categories(&toks, &mut hits, &mut leftovers);
        let unparsed = self.unparsed(&toks, &leftovers, &hits);
        let query = self.assemble(&toks, &hits);
        Parsed { query, unparsed }
    }

    /// Every place a category phrase occurs, overlapping or not: exact phrases, and English phrases
    /// whose words all appear within a few words of each other.
    fn category_occurrences(&self, toks: &[Tok]) -> Vec<Occurrence> {
        let mut out = Vec::new();
        for i in 0..toks.len() {
            for len in 1..=self.longest.min(toks.len() - i) {
                let key = key_of(&toks[i..i + len]);
                if self.broad.contains(&key) {
                    continue;
                }
                if let Some(ms) = self.phrases.get(&key) {
                    let cats: Vec<(usize, bool)> =
                        ms.iter().filter_map(|m| if let Meaning::Category(c, n) = m { Some((*c, *n)) } else { None }).collect();
                    if !cats.is_empty() {
                        out.push((i, i + len, cats));
                    }
                }
            }
            let Some(bags) = self.bags.get(&toks[i].key) else { continue };
            for (words, cat, named) in bags {
                // Anchor on the phrase's first word; the others within its length plus two.
                if words[0] != toks[i].key {
                    continue;
                }
                let window = words.len() + 2;
                let lo = i.saturating_sub(window);
                let hi = (i + window + 1).min(toks.len());
                let mut span = (i, i + 1);
                let all = words.iter().all(|w| {
                    (lo..hi).find(|j| toks[*j].key == *w).is_some_and(|j| {
                        span = (span.0.min(j), span.1.max(j + 1));
                        true
                    })
                });
                if all && span.1 - span.0 <= window + 1 {
                    out.push((span.0, span.1, vec![(*cat, *named)]));
                }
            }
        }
        out
    }

    /// Lets a category mention take in the phrases overlapping it (共享单车乱停: 共享单车 and
    /// 单车乱停; a hospital appointment), so the deepest category they agree on wins; a phrase over
    /// words nothing else used becomes a mention of its own.
    fn widen_categories(&self, toks: &[Tok], hits: &mut Vec<Hit>, leftovers: &mut Vec<(usize, usize)>) {
        let occurrences = self.category_occurrences(toks);
        let overlaps = |a: (usize, usize), b: (usize, usize)| a.0 < b.1 && b.0 < a.1;
        let is_category_hit = |h: &Hit| h.meanings.iter().all(|m| matches!(m, Meaning::Category(..))) && !h.meanings.is_empty();
        let category_spans: Vec<(usize, usize)> = hits.iter().filter(|h| is_category_hit(h)).map(|h| (h.start, h.end)).collect();
        for h in hits.iter_mut().filter(|h| is_category_hit(h)) {
            let own: Vec<(usize, bool)> =
                h.meanings.iter().filter_map(|m| if let Meaning::Category(c, n) = m { Some((*c, *n)) } else { None }).collect();
            let mut pool = own.clone();
            // Only phrases reaching past this mention, and into no other.
            for (s, e, cats) in &occurrences {
                let inside = h.start <= *s && *e <= h.end && e - s < h.end - h.start;
                let into_other = category_spans.iter().any(|o| *o != (h.start, h.end) && overlaps((*s, *e), *o));
                if overlaps((*s, *e), (h.start, h.end)) && !inside && !into_other {
                    pool.extend(cats.iter().copied());
                }
            }
            let ids: Vec<usize> = pool.iter().map(|c| c.0).collect();
            if pool.len() > own.len() && self.chain_of(&ids).is_some() {
                h.meanings = pool.into_iter().map(|(c, _)| Meaning::Category(c, false)).collect();
            }
        }
        // Phrases lying only over unused and filler words.
        let free = |i: usize, hits: &Vec<Hit>| {
            hits.iter().all(|h| !(h.start <= i && i < h.end) || h.meanings.iter().all(|m| matches!(m, Meaning::Filler)))
        };
        for (s, e, cats) in occurrences {
            if e - s >= 2
                && (s..e).all(|i| free(i, hits))
                && (s..e).any(|i| leftovers.iter().any(|l| l.0 == i))
                && !hits.iter().any(|h| is_category_hit(h) && overlaps((s, e), (h.start, h.end)))
            {
                leftovers.retain(|l| l.0 < s || l.0 >= e);
                hits.push(Hit {
                    start: s,
                    end: e,
                    meanings: cats.into_iter().map(|(c, n)| Meaning::Category(c, n)).collect(),
                    range: None,
                    top: None,
                });
            }
        }
        hits.sort_by_key(|h| h.start);
    }

    /// Leftover units, less fillers, joined into words as they were written.
    fn unparsed(&self, toks: &[Tok], leftovers: &[(usize, usize)], hits: &[Hit]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut run: Vec<&Tok> = Vec::new();
        let mut last_end: Option<usize> = None;
        let flush = |run: &mut Vec<&Tok>, out: &mut Vec<String>| {
            if run.is_empty() {
                return;
            }
            // Drop fillers from both ends (Chinese runs can hold several words).
            let text: String =
                run.iter().enumerate().map(|(n, t)| if !t.cjk && n > 0 { format!(" {}", t.raw) } else { t.raw.clone() }).collect();
            let keys: Vec<&str> = run.iter().map(|t| t.key.as_str()).collect();
            let all_filler = self.fillers.contains(&keys.join(" ")) || self.split_fillers(&keys);
            if !all_filler {
                out.push(text.trim().to_owned());
            }
            run.clear();
        };
        for &(s, _) in leftovers {
            if last_end != Some(s) {
                flush(&mut run, &mut out);
            }
            run.push(&toks[s]);
            last_end = Some(s + 1);
        }
        flush(&mut run, &mut out);
        for h in hits {
            if h.meanings.contains(&Meaning::Foreign) {
                out.push(toks[h.start..h.end].iter().map(|t| t.raw.as_str()).collect::<Vec<_>>().join(if toks[h.start].cjk {
                    ""
                } else {
                    " "
                }));
            }
        }
        out
    }

    /// Whether units split wholly into filler words (longest first).
    fn split_fillers(&self, keys: &[&str]) -> bool {
        let mut i = 0;
        'outer: while i < keys.len() {
            for len in (1..=keys.len() - i).rev() {
                if self.fillers.contains(&keys[i..i + len].join(" ")) {
                    i += len;
                    continue 'outer;
                }
            }
            return false;
        }
        true
    }

    fn assemble(&self, toks: &[Tok], hits: &[Hit]) -> Query {
        let mut q = Query::default();
        let mut measure: Option<Measure> = None;
        let mut range: Option<(NaiveDate, NaiveDate)> = None;
        let mut dims: Vec<(Dimension, bool)> = Vec::new();
        let mut categories: Vec<usize> = Vec::new();
        let mut ambiguous: Vec<Vec<usize>> = Vec::new();
        let (mut which, mut each, mut most, mut trend, mut what_about, mut specific) = (None, false, false, false, false, false);
        let mut top = None;
        let mut prev_was_topic = false;
        // Which dimension a hit names a value of (APP, 朝阳, U-WATER), to tell "the app channel"
        // (a filter) from "by channel" (a grouping).
        let valued = |h: &Hit| -> Option<Dimension> {
            h.meanings.iter().find_map(|m| match m {
                Meaning::District(_) => Some(Dimension::District),
                Meaning::Street(_) => Some(Dimension::Street),
                Meaning::Channel(_) => Some(Dimension::Channel),
                Meaning::Nature(_) => Some(Dimension::Nature),
                Meaning::Age(_) => Some(Dimension::AgeGroup),
                Meaning::Language(_) => Some(Dimension::Language),
                Meaning::Unit(_) => Some(Dimension::Unit),
                _ => None,
            })
        };
        let meaningful: Vec<&Hit> = hits
            .iter()
            .filter(|h| h.range.is_some() || h.top.is_some() || !h.meanings.iter().all(|m| matches!(m, Meaning::Filler)))
            .collect();
        let next_to_value = |h: &Hit, d: Dimension| {
            let at = meaningful.iter().position(|x| std::ptr::eq(*x, h));
            let before = at.and_then(|a| a.checked_sub(1)).and_then(|a| meaningful.get(a));
            let after = at.and_then(|a| meaningful.get(a + 1));
            let selector = |x: &&Hit| x.meanings.iter().any(|m| matches!(m, Meaning::Each | Meaning::Which(_) | Meaning::Rank));
            before.is_some_and(|b| valued(b) == Some(d) && !selector(b))
                || after.is_some_and(|a| valued(a) == Some(d) && !before.is_some_and(selector))
        };
        for h in hits {
            if let Some(r) = h.range {
                range.get_or_insert(r);
                prev_was_topic = false;
                continue;
            }
            if let Some(n) = h.top {
                top = Some(n);
                continue;
            }
            let ms = &h.meanings;
            let districts: Vec<&String> = ms.iter().filter_map(|m| if let Meaning::District(d) = m { Some(d) } else { None }).collect();
            let streets: Vec<&String> = ms.iter().filter_map(|m| if let Meaning::Street(s) = m { Some(s) } else { None }).collect();
            // A word of the fixed vocabulary (投诉, 建议, minors, app) means that, never a category.
            let fixed = ms.iter().any(|m| !matches!(m, Meaning::Category(..) | Meaning::District(_) | Meaning::Street(_)));
            let cats: Vec<(usize, bool)> = if fixed {
                Vec::new()
            } else {
                ms.iter().filter_map(|m| if let Meaning::Category(c, n) = m { Some((*c, *n)) } else { None }).collect()
            };
            let topic = !cats.is_empty() || ms.iter().any(|m| matches!(m, Meaning::Nature(_)));
            if !districts.is_empty() {
                // The same words read as a district and a street are the district (海淀).
                for d in districts {
                    push(&mut q.filters.district, d.clone());
                }
            } else if !streets.is_empty() {
                for s in streets {
                    push(&mut q.filters.street, s.clone());
                }
            } else if !cats.is_empty() {
                let named: Vec<usize> = cats.iter().filter(|c| c.1).map(|c| c.0).collect();
                let pool: Vec<usize> = if named.is_empty() { cats.iter().map(|c| c.0).collect() } else { named };
                match self.chain_of(&pool) {
                    Some(c) => categories.push(c),
                    None => ambiguous.push(pool),
                }
            } else {
                for m in ms {
                    match m {
                        Meaning::Nature(n) => push(&mut q.filters.nature, *n),
                        Meaning::Channel(c) => push(&mut q.filters.channel, *c),
                        Meaning::Age(a) => push(&mut q.filters.age_group, *a),
                        Meaning::Language(l) => push(&mut q.filters.language, (*l).to_owned()),
                        Meaning::Unit(u) => push(&mut q.filters.unit, u.clone()),
                        Meaning::Measure(Measure::Count) => {
                            measure.get_or_insert(Measure::Count);
                        }
                        Meaning::Measure(m) if measure.is_none_or(|x| x == Measure::Count) => measure = Some(*m),
                        Meaning::Dim(d) => {
                            // 问题 right after a topic is that topic's issue (工资问题), not a
                            // dimension; a dimension's noun next to one of its values names it.
                            let topic_issue = prev_was_topic && toks[h.start].cjk && key_of(&toks[h.start..h.end]) == "问 题";
                            let plural = toks[h.end - 1].raw.ends_with('s') && !toks[h.end - 1].cjk;
                            if !topic_issue && !next_to_value(h, *d) && !dims.iter().any(|(x, _)| x == d) {
                                dims.push((*d, plural));
                            }
                        }
                        Meaning::Which(s) => which = Some(*s),
                        Meaning::Each | Meaning::Rank => each = true,
                        Meaning::Most => most = true,
                        Meaning::Trend => trend = true,
                        Meaning::WhatAbout => what_about = true,
                        Meaning::Specific => specific = true,
                        Meaning::Compare(c) => q.compare = Some(*c),
                        _ => {}
                    }
                }
            }
            prev_was_topic = topic;
        }
        // A mention fitting several branches (Appointments: hospital or government) takes the branch
        // another mention names (a hospital appointment); else it names no category.
        let related = |a: &str, b: &str| {
            a == b
                || (a.starts_with(b) && a.as_bytes().get(b.len()) == Some(&b'/'))
                || (b.starts_with(a) && b.as_bytes().get(a.len()) == Some(&b'/'))
        };
        let settled: Vec<String> = categories.iter().map(|c| self.categories[*c].clone()).collect();
        for pool in ambiguous {
            let fitting: Vec<usize> = pool.into_iter().filter(|c| settled.iter().any(|s| related(&self.categories[*c], s))).collect();
            if let Some(c) = self.chain_of(&fitting) {
                categories.push(c);
            }
        }
        // Categories: several named topics give several codes, a node named with its descendant
        // gives the descendant.
        let codes: Vec<String> = categories.iter().map(|c| self.categories[*c].clone()).collect();
        for c in &codes {
            let covered = codes.iter().any(|o| o != c && o.starts_with(c.as_str()) && o.as_bytes().get(c.len()) == Some(&b'/'));
            if !covered {
                push(&mut q.filters.category, c.clone());
            }
        }
        q.measure = measure.unwrap_or(Measure::Count);
        if let Some((f, t)) = range {
            q.filters.from = Some(f);
            q.filters.to = Some(t);
        }
        // Grouping.
        let mut group: Vec<Dimension> = Vec::new();
        let mut singular = which == Some(Some(true));
        for (d, plural) in &dims {
            if which == Some(None) && !d.is_time() {
                singular = !plural;
            }
            if !group.contains(d) {
                group.push(*d);
            }
        }
        if what_about || (specific && !group.iter().any(|d| matches!(d, Dimension::CategoryL3))) {
            let level = if specific { Dimension::CategoryL3 } else { Dimension::CategoryL2 };
            group.retain(|d| !matches!(d, Dimension::CategoryL2 | Dimension::CategoryL3));
            group.push(level);
        }
        if each && group.iter().all(|d| d.is_time()) {
            // 朝阳和海淀各有多少: group by the list the question names.
            let listed = [
                (q.filters.district.len(), Dimension::District),
                (q.filters.street.len(), Dimension::Street),
                (q.filters.channel.len(), Dimension::Channel),
                (q.filters.nature.len(), Dimension::Nature),
                (q.filters.age_group.len(), Dimension::AgeGroup),
                (q.filters.language.len(), Dimension::Language),
            ];
            if let Some((_, d)) = listed.iter().find(|(n, _)| *n >= 2) {
                group.insert(0, *d);
            }
        }
        if trend && !group.iter().any(|d| d.is_time()) {
            let days = range.map(|(f, t)| (t - f).num_days());
            group.push(match days {
                Some(d) if d <= 31 => Dimension::Day,
                Some(d) if d <= 184 => Dimension::Week,
                _ => Dimension::Month,
            });
        }
        // One time dimension at most: the first named.
        let mut seen_time = false;
        group.retain(|d| {
            if d.is_time() {
                let keep = !seen_time;
                seen_time = true;
                keep
            } else {
                true
            }
        });
        group.truncate(3);
        q.group_by = group;
        q.limit = match top {
            Some(n) => Some(n),
            None if what_about => None,
            None if most && singular && !q.group_by.is_empty() => Some(1),
            None => None,
        };
        q
    }

    fn chain_of(&self, pool: &[usize]) -> Option<usize> {
        let mut codes: Vec<usize> = pool.to_vec();
        codes.sort_unstable();
        codes.dedup();
        let paths: Vec<&str> = codes.iter().map(|i| self.categories[*i].as_str()).collect();
        let deepest = codes.iter().copied().max_by_key(|i| self.categories[*i].split('/').count())?;
        let d = self.categories[deepest].as_str();
        paths.iter().all(|p| *p == d || (d.starts_with(p) && d.as_bytes().get(p.len()) == Some(&b'/'))).then_some(deepest)
    }
}

fn push<T: PartialEq>(v: &mut Vec<T>, x: T) {
    if !v.contains(&x) {
        v.push(x);
    }
}
