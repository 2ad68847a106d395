//! Full-text search over knowledge-base articles and work orders.
//!
//! The index lives beside the store, not in it: the application feeds it from the store's change
//! feed and it keeps, in each commit, how far it has read (its *state*). So search behaves the same
//! whatever database holds the orders — SQLite or PostgreSQL, one node or several (each node keeps
//! its own index) — and a lost or stale index is rebuilt from the store, never the other way round.
//!
//! Two indexes (articles and orders, so each has its own BM25 statistics), each in RAM or in a
//! directory. Chinese is matched by words on character bigrams, English by stemmed words
//! ([`analysis`]); results are ranked by BM25 (tantivy), filtered, and highlighted ([`highlight`]).
//! Pure computation and local files: no database, no clock, no network.

pub mod analysis;
pub mod highlight;

use std::collections::HashSet;
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

pub use highlight::Segment;

/// Bumped when the schema or the analysis changes: an index of another version is rebuilt.
pub const SCHEMA_VERSION: u32 = 2;

/// At most this many query terms are looked up (the rarest ones): a whole typed description
/// stays fast and is ranked on its telling words.
const MAX_QUERY_TERMS: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("search index directory: {0}")]
    Io(#[from] std::io::Error),
    #[error("search index document: {0}")]
    Document(#[from] serde_json::Error),
}

pub type Result<T> = std::result::Result<T, SearchError>;

/// How far an index has read the store's change feed, committed with the documents it covers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedState {
    pub schema: u32,
    /// The store this index was built from (a rebuild starts when another store is found).
    pub store_id: String,
    /// Every change up to here is indexed (a change-feed sequence number of the store).
    pub cursor: i64,
    /// Sequence numbers below `cursor` not seen yet (a transaction that had not committed when the
    /// feed was read; PostgreSQL numbers before it commits), with when they were first missed
    /// (seconds since the epoch). Re-read until found or given up.
    #[serde(default)]
    pub gaps: Vec<(i64, i64)>,
    /// While a full rebuild scans the store: the last record id scanned.
    #[serde(default)]
    pub rebuild_after: Option<i64>,
}

/// A work order as search sees it: what is matched, what is filtered on, what a hit shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderDoc {
    pub id: i64,
    pub number: String,
    pub state: String,
    pub nature: Option<String>,
    /// Category path (`UTL/heating/season`).
    pub category: Option<String>,
    pub district: Option<i64>,
    pub street: Option<i64>,
    pub main_unit: Option<i64>,
    /// Every unit that may see the order (main, co-units, copy).
    pub units: Vec<i64>,
    pub received_at_ms: i64,
    /// How it came in, who asked (age group, language): filters, never shown.
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub age_group: Option<String>,
    #[serde(default)]
    pub language: String,
    pub description: String,
    pub address: String,
    /// The unit's reply, or the answer given directly.
    pub reply: String,
}

/// A knowledge-base article as search sees it (bodies as plain text).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleDoc {
    pub slug: String,
    pub version: i64,
    pub status: String,
    pub owner: i64,
    pub categories: Vec<String>,
    pub title_zh: String,
    pub title_en: String,
    pub body_zh: String,
    pub body_en: String,
    pub sample: bool,
}

/// What an order search asks for. Every filter narrows; `visible_units` (when set) is the set of
/// units whose orders the searcher may see.
#[derive(Debug, Clone, Default)]
pub struct OrderSearch {
    /// Words to find; empty: every order the filters let through, newest first.
    pub text: String,
    /// Category paths: orders in any of them or below.
    pub categories: Vec<String>,
    pub districts: Vec<i64>,
    pub streets: Vec<i64>,
    /// Orders any of these units handles (main, co-unit or copy).
    pub units: Vec<i64>,
    pub natures: Vec<String>,
    pub channels: Vec<String>,
    pub age_groups: Vec<String>,
    pub languages: Vec<String>,
    pub visible_units: Option<Vec<i64>>,
    pub received_from_ms: Option<i64>,
    pub received_before_ms: Option<i64>,
    /// Any of these states (none: any state).
    pub states: Vec<String>,
    /// Leave this order out (the one being looked at).
    pub exclude: Option<i64>,
    pub limit: usize,
    pub offset: usize,
    /// Length of each snippet in characters.
    pub snippet_chars: usize,
}

/// Which drafts a searcher may read (published and internal articles are decided by `internal`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Drafts {
    #[default]
    None,
    All,
    OfUnits(Vec<i64>),
}

#[derive(Debug, Clone, Default)]
pub struct ArticleSearch {
    pub text: String,
    /// Articles serving this category, one below it, or one above it (a broader article applies).
    pub category: Option<String>,
    /// Staff also read internal articles.
    pub internal: bool,
    pub drafts: Drafts,
    pub limit: usize,
    pub offset: usize,
    pub snippet_chars: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderHit {
    pub score: f32,
    pub order: OrderDoc,
    pub description: Vec<Segment>,
    /// Empty when the order has no reply.
    pub reply: Vec<Segment>,
    /// Empty unless the address matched.
    pub address: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArticleHit {
    pub score: f32,
    pub article: ArticleDoc,
    pub title_zh: Vec<Segment>,
    pub title_en: Vec<Segment>,
    pub body_zh: Vec<Segment>,
    pub body_en: Vec<Segment>,
}

/// One page of hits, best first, and how many matched in all.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Found<H> {
    pub total: usize,
    pub hits: Vec<H>,
    /// The terms the query was read as (for "searched for …" and tests).
    pub terms: Vec<String>,
}

impl<H> Found<H> {
    fn empty(terms: Vec<String>) -> Self {
        Self { total: 0, hits: Vec::new(), terms }
    }
}

/// One tantivy index with its reader and its (single) writer.
struct Part {
    index: Index,
    reader: IndexReader,
    /// `None` after a failure left the writer unusable (it is made again at the next write).
    writer: Mutex<Option<IndexWriter>>,
    memory: usize,
}

impl Part {
    fn open(schema: Schema, dir: Option<&Path>, memory: usize) -> Result<Self> {
        let index = match dir {
            None => Index::create_in_ram(schema),
            Some(dir) => {
                std::fs::create_dir_all(dir)?;
                let mmap = tantivy::directory::MmapDirectory::open(dir).map_err(tantivy::TantivyError::from)?;
                Index::open_or_create(mmap, schema)?
            }
        };
        index.tokenizers().register(analysis::TOKENIZER, analysis::index_analyzer());
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        // One indexing thread: the machine is shared with the database and the web server.
        let writer = index.writer_with_num_threads(1, memory)?;
        Ok(Self { index, reader, writer: Mutex::new(Some(writer)), memory })
    }

    fn state(&self) -> Option<FeedState> {
        let payload = self.index.load_metas().ok()?.payload?;
        serde_json::from_str::<FeedState>(&payload).ok().filter(|s| s.schema == SCHEMA_VERSION)
    }

    /// Applies deletions then additions and commits them with `state`, atomically: after a crash
    /// the index holds either the whole batch and its state, or neither.
    ///
    /// A failure (the disk full, the process out of file descriptors) rolls the batch back. When
    /// the writer cannot be trusted after it (its rollback failed too, or tantivy panicked), it is
    /// dropped and made anew at the next write: once made unusable, tantivy's writer panics on
    /// every later call, and an indexer that had met one exhausted moment would fail forever.
    fn write(&self, reset: bool, delete: Vec<Term>, add: Vec<TantivyDocument>, state: &FeedState) -> Result<()> {
        let mut slot = self.writer.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let writer = match &mut *slot {
            Some(w) => w,
            empty @ None => empty.insert(self.index.writer_with_num_threads(1, self.memory)?),
        };
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| -> Result<()> {
            if reset {
                writer.delete_all_documents()?;
            }
            for t in delete {
                writer.delete_term(t);
            }
            for d in add {
                writer.add_document(d)?;
            }
            let mut commit = writer.prepare_commit()?;
            commit.set_payload(&serde_json::to_string(state)?);
            commit.commit()?;
            Ok(())
        }));
        let outcome = match outcome {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => {
                // Nothing half-applied stays queued for the next commit.
                if writer.rollback().is_err() {
                    *slot = None;
                }
                Err(e)
            }
            Err(_) => {
                *slot = None;
                Err(SearchError::Index(tantivy::TantivyError::SystemError("the index writer panicked; it will be made again".into())))
            }
        };
        outcome?;
        drop(slot);
        self.reader.reload()?;
        Ok(())
    }
}

fn text_field(builder: &mut tantivy::schema::SchemaBuilder, name: &str) -> Field {
    let indexing = TextFieldIndexing::default().set_tokenizer(analysis::TOKENIZER).set_index_option(IndexRecordOption::WithFreqs);
    builder.add_text_field(name, TextOptions::default().set_indexing_options(indexing))
}

struct OrderFields {
    id: Field,
    text: Field,
    category: Field,
    state: Field,
    district: Field,
    street: Field,
    /// `nature:…`, `channel:…`, `age:…`, `lang:…`.
    tags: Field,
    units: Field,
    received: Field,
    doc: Field,
}

struct ArticleFields {
    slug: Field,
    title: Field,
    body: Field,
    status: Field,
    owner: Field,
    /// Every category an article serves and every one above them.
    category_under: Field,
    /// The categories an article serves, exactly.
    category: Field,
    doc: Field,
}

/// The articles and orders indexes.
pub struct SearchIndex {
    orders: Part,
    order_fields: OrderFields,
    articles: Part,
    article_fields: ArticleFields,
    location: Option<PathBuf>,
}

/// `A/b/c` → `A`, `A/b`, `A/b/c`.
fn prefixes(path: &str) -> impl Iterator<Item = &str> {
    path.char_indices().filter(|&(_, c)| c == '/').map(|(i, _)| &path[..i]).chain(std::iter::once(path))
}

fn or_terms(terms: impl IntoIterator<Item = Term>) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(
        terms.into_iter().map(|t| (Occur::Should, Box::new(TermQuery::new(t, IndexRecordOption::Basic)) as Box<dyn Query>)).collect(),
    ))
}

fn u64_of(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

impl SearchIndex {
    /// Opens the indexes in `dir` (created when missing), or in memory when `dir` is `None`.
    pub fn open(dir: Option<&Path>) -> Result<Self> {
        let versioned = dir.map(|d| d.join(format!("v{SCHEMA_VERSION}")));
        let mut b = Schema::builder();
        let order_fields = OrderFields {
            id: b.add_u64_field("id", INDEXED),
            text: text_field(&mut b, "text"),
            category: b.add_text_field("category", STRING),
            state: b.add_text_field("state", STRING),
            district: b.add_u64_field("district", INDEXED),
            street: b.add_u64_field("street", INDEXED),
            tags: b.add_text_field("tags", STRING),
            units: b.add_u64_field("units", INDEXED),
            received: b.add_i64_field("received", INDEXED | FAST),
            doc: b.add_text_field("doc", STORED),
        };
        let orders = Part::open(b.build(), versioned.as_ref().map(|d| d.join("orders")).as_deref(), 64_000_000)?;
        let mut b = Schema::builder();
        let article_fields = ArticleFields {
            slug: b.add_text_field("slug", STRING),
            title: text_field(&mut b, "title"),
            body: text_field(&mut b, "body"),
            status: b.add_text_field("status", STRING),
            owner: b.add_u64_field("owner", INDEXED),
            category_under: b.add_text_field("category_under", STRING),
            category: b.add_text_field("category", STRING),
            doc: b.add_text_field("doc", STORED),
        };
        let articles = Part::open(b.build(), versioned.as_ref().map(|d| d.join("articles")).as_deref(), 16_000_000)?;
        Ok(Self { orders, order_fields, articles, article_fields, location: dir.map(Path::to_path_buf) })
    }

    /// Where the index lives (`None`: in memory).
    pub fn location(&self) -> Option<&Path> {
        self.location.as_deref()
    }

    /// How far the orders index has read, if it was built by this schema version.
    pub fn orders_state(&self) -> Option<FeedState> {
        self.orders.state()
    }

    pub fn articles_state(&self) -> Option<FeedState> {
        self.articles.state()
    }

    pub fn order_count(&self) -> u64 {
        self.orders.reader.searcher().num_docs()
    }

    pub fn article_count(&self) -> u64 {
        self.articles.reader.searcher().num_docs()
    }

    /// Replaces these orders' documents (adds the new ones) and records `state`, in one commit;
    /// `reset` first empties the index (a rebuild).
    pub fn write_orders(&self, orders: &[OrderDoc], state: &FeedState, reset: bool) -> Result<()> {
        let f = &self.order_fields;
        let mut delete = Vec::with_capacity(orders.len());
        let mut add = Vec::with_capacity(orders.len());
        let mut seen = HashSet::new();
        // The last version of an order in the batch wins.
        for o in orders.iter().rev().filter(|o| seen.insert(o.id)) {
            delete.push(Term::from_field_u64(f.id, u64_of(o.id)));
            let mut d = TantivyDocument::new();
            d.add_u64(f.id, u64_of(o.id));
            d.add_text(f.text, &o.description);
            d.add_text(f.text, &o.address);
            d.add_text(f.text, &o.reply);
            if let Some(c) = &o.category {
                for p in prefixes(c) {
                    d.add_text(f.category, p);
                }
            }
            d.add_text(f.state, &o.state);
            if let Some(x) = o.district {
                d.add_u64(f.district, u64_of(x));
            }
            if let Some(x) = o.street {
                d.add_u64(f.street, u64_of(x));
            }
            for (prefix, value) in [
                ("nature", o.nature.as_deref()),
                ("channel", Some(o.channel.as_str())),
                ("age", o.age_group.as_deref()),
                ("lang", Some(o.language.as_str())),
            ] {
                if let Some(v) = value.filter(|v| !v.is_empty()) {
                    d.add_text(f.tags, format!("{prefix}:{v}"));
                }
            }
            for u in &o.units {
                d.add_u64(f.units, u64_of(*u));
            }
            d.add_i64(f.received, o.received_at_ms);
            d.add_text(f.doc, serde_json::to_string(o)?);
            add.push(d);
        }
        self.orders.write(reset, delete, add, state)
    }

    /// Replaces these articles (by slug), removes `removed`, records `state`, in one commit.
    pub fn write_articles(&self, articles: &[ArticleDoc], removed: &[String], state: &FeedState, reset: bool) -> Result<()> {
        let f = &self.article_fields;
        let mut delete: Vec<Term> = removed.iter().map(|s| Term::from_field_text(f.slug, s)).collect();
        let mut add = Vec::with_capacity(articles.len());
        let mut seen = HashSet::new();
        for a in articles.iter().rev().filter(|a| seen.insert(a.slug.clone())) {
            delete.push(Term::from_field_text(f.slug, &a.slug));
            let mut d = TantivyDocument::new();
            d.add_text(f.slug, &a.slug);
            d.add_text(f.title, &a.title_zh);
            d.add_text(f.title, &a.title_en);
            d.add_text(f.body, &a.body_zh);
            d.add_text(f.body, &a.body_en);
            d.add_text(f.status, &a.status);
            d.add_u64(f.owner, u64_of(a.owner));
            for c in &a.categories {
                d.add_text(f.category, c);
                for p in prefixes(c) {
                    d.add_text(f.category_under, p);
                }
            }
            d.add_text(f.doc, serde_json::to_string(a)?);
            add.push(d);
        }
        self.articles.write(reset, delete, add, state)
    }

    /// The query's terms that occur in `fields`, rarest first, at most [`MAX_QUERY_TERMS`].
    fn telling_terms(searcher: &tantivy::Searcher, fields: &[Field], terms: &[String]) -> Result<Vec<String>> {
        let mut counted = Vec::new();
        for t in terms {
            let mut df = 0;
            for f in fields {
                df += searcher.doc_freq(&Term::from_field_text(*f, t))?;
            }
            if df > 0 {
                counted.push((df, t.clone()));
            }
        }
        counted.sort_by_key(|(df, _)| *df);
        counted.truncate(MAX_QUERY_TERMS);
        Ok(counted.into_iter().map(|(_, t)| t).collect())
    }

    pub fn search_orders(&self, q: &OrderSearch) -> Result<Found<OrderHit>> {
        let f = &self.order_fields;
        let asked = analysis::query_terms(&q.text);
        let searcher = self.orders.reader.searcher();
        let terms = Self::telling_terms(&searcher, &[f.text], &asked)?;
        let listing = q.text.trim().is_empty();
        if (terms.is_empty() && !listing) || q.limit == 0 {
            return Ok(Found::empty(asked));
        }
        let text: Box<dyn Query> = if listing {
            Box::new(AllQuery)
        } else {
            Box::new(BooleanQuery::new(
                terms
                    .iter()
                    .map(|t| {
                        (
                            Occur::Should,
                            Box::new(TermQuery::new(Term::from_field_text(f.text, t), IndexRecordOption::WithFreqs)) as Box<dyn Query>,
                        )
                    })
                    .collect(),
            ))
        };
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, text)];
        // Filters narrow without scoring: only the text decides the order.
        let mut filter = |q: Box<dyn Query>| clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(q, 0.0))));
        if !q.categories.is_empty() {
            filter(or_terms(q.categories.iter().map(|c| Term::from_field_text(f.category, c))));
        }
        if !q.districts.is_empty() {
            filter(or_terms(q.districts.iter().map(|d| Term::from_field_u64(f.district, u64_of(*d)))));
        }
        if !q.streets.is_empty() {
            filter(or_terms(q.streets.iter().map(|d| Term::from_field_u64(f.street, u64_of(*d)))));
        }
        if !q.units.is_empty() {
            filter(or_terms(q.units.iter().map(|u| Term::from_field_u64(f.units, u64_of(*u)))));
        }
        for (prefix, values) in [("nature", &q.natures), ("channel", &q.channels), ("age", &q.age_groups), ("lang", &q.languages)] {
            if !values.is_empty() {
                filter(or_terms(values.iter().map(|v| Term::from_field_text(f.tags, &format!("{prefix}:{v}")))));
            }
        }
        if let Some(units) = &q.visible_units {
            filter(or_terms(units.iter().map(|u| Term::from_field_u64(f.units, u64_of(*u)))));
        }
        if !q.states.is_empty() {
            filter(or_terms(q.states.iter().map(|s| Term::from_field_text(f.state, s))));
        }
        if q.received_from_ms.is_some() || q.received_before_ms.is_some() {
            let bound = |v: Option<i64>, inclusive: bool| match v {
                None => Bound::Unbounded,
                Some(v) if inclusive => Bound::Included(Term::from_field_i64(f.received, v)),
                Some(v) => Bound::Excluded(Term::from_field_i64(f.received, v)),
            };
            filter(Box::new(RangeQuery::new(bound(q.received_from_ms, true), bound(q.received_before_ms, false))));
        }
        if let Some(x) = q.exclude {
            clauses.push((Occur::MustNot, or_terms([Term::from_field_u64(f.id, u64_of(x))])));
        }
        let query = BooleanQuery::new(clauses);
        let (top, total) = if listing {
            // No words: the newest first.
            let (top, total) = searcher.search(
                &query,
                &(TopDocs::with_limit(q.limit).and_offset(q.offset).order_by_fast_field::<i64>("received", tantivy::Order::Desc), Count),
            )?;
            (top.into_iter().map(|(_, a)| (0.0, a)).collect::<Vec<_>>(), total)
        } else {
            searcher.search(&query, &(TopDocs::with_limit(q.limit).and_offset(q.offset).order_by_score(), Count))?
        };
        let wanted: HashSet<String> = terms.iter().cloned().collect();
        let mut hits = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let d: TantivyDocument = searcher.doc(addr)?;
            let order: OrderDoc = serde_json::from_str(d.get_first(f.doc).and_then(|v| v.as_str()).unwrap_or("{}"))?;
            let n = q.snippet_chars.max(20);
            hits.push(OrderHit {
                score,
                description: highlight::snippet(&order.description, &wanted, n),
                reply: highlight::snippet(&order.reply, &wanted, n),
                address: if highlight::matches(&order.address, &wanted) {
                    highlight::snippet(&order.address, &wanted, n)
                } else {
                    Vec::new()
                },
                order,
            });
        }
        Ok(Found { total, hits, terms: asked })
    }

    pub fn search_articles(&self, q: &ArticleSearch) -> Result<Found<ArticleHit>> {
        let f = &self.article_fields;
        let asked = analysis::query_terms(&q.text);
        let searcher = self.articles.reader.searcher();
        let terms = Self::telling_terms(&searcher, &[f.title, f.body], &asked)?;
        if terms.is_empty() || q.limit == 0 {
            return Ok(Found::empty(asked));
        }
        let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for t in &terms {
            // A word in the title says more about the article than the same word in its body.
            let title = TermQuery::new(Term::from_field_text(f.title, t), IndexRecordOption::WithFreqs);
            should.push((Occur::Should, Box::new(BoostQuery::new(Box::new(title), 3.0))));
            should.push((Occur::Should, Box::new(TermQuery::new(Term::from_field_text(f.body, t), IndexRecordOption::WithFreqs))));
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, Box::new(BooleanQuery::new(should)))];
        // Who may read what: public for everyone, internal for staff, drafts for their owners.
        let mut readable: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Should, or_terms([Term::from_field_text(f.status, "public")]))];
        if q.internal {
            readable.push((Occur::Should, or_terms([Term::from_field_text(f.status, "internal")])));
        }
        match &q.drafts {
            Drafts::None => {}
            Drafts::All => readable.push((Occur::Should, or_terms([Term::from_field_text(f.status, "draft")]))),
            Drafts::OfUnits(units) => readable.push((
                Occur::Should,
                Box::new(BooleanQuery::new(vec![
                    (Occur::Must, or_terms([Term::from_field_text(f.status, "draft")])),
                    (Occur::Must, or_terms(units.iter().map(|u| Term::from_field_u64(f.owner, u64_of(*u))))),
                ])),
            )),
        }
        clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(Box::new(BooleanQuery::new(readable)), 0.0))));
        if let Some(c) = q.category.as_deref().filter(|c| !c.is_empty()) {
            let mut serving: Vec<Term> = vec![Term::from_field_text(f.category_under, c)];
            serving.extend(prefixes(c).map(|p| Term::from_field_text(f.category, p)));
            clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(or_terms(serving), 0.0))));
        }
        let query = BooleanQuery::new(clauses);
        let (top, total) = searcher.search(&query, &(TopDocs::with_limit(q.limit).and_offset(q.offset).order_by_score(), Count))?;
        let wanted: HashSet<String> = terms.iter().cloned().collect();
        let n = q.snippet_chars.max(20);
        let mut hits = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let d: TantivyDocument = searcher.doc(addr)?;
            let article: ArticleDoc = serde_json::from_str(d.get_first(f.doc).and_then(|v| v.as_str()).unwrap_or("{}"))?;
            hits.push(ArticleHit {
                score,
                title_zh: highlight::snippet(&article.title_zh, &wanted, 200),
                title_en: highlight::snippet(&article.title_en, &wanted, 300),
                body_zh: highlight::snippet(&article.body_zh, &wanted, n),
                body_en: highlight::snippet(&article.body_en, &wanted, n),
                article,
            });
        }
        Ok(Found { total, hits, terms: asked })
    }
}
