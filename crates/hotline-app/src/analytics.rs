//! Analytics use cases (民生大数据): the read model kept in step with the store, queries answered
//! with the viewer's rights, and questions asked in words.
//!
//! Like search, the read model (`hotline-analytics`) is fed from the store's change feed, never
//! written beside the store: so it behaves the same on SQLite and PostgreSQL and on every node, a
//! restart resumes from the position checkpointed with the facts, and a read model that is missing,
//! of another schema or built from another database is rebuilt by scanning the store.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, Utc};
use hotline_analytics::ask::{Lexicon, Parsed};
use hotline_analytics::{Answer, Callback, Catalog, CategoryInfo, Context, Fact, FactStore, Query};
use hotline_domain::{OrderId, Role, State, UnitClass, WorkOrder};
use hotline_search::FeedState;
use serde::Serialize;

use crate::App;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};

/// Orders read per checkpoint while following the feed.
const FEED_BATCH: u32 = 5_000;
/// Orders per checkpoint while a rebuild scans the store.
const REBUILD_BATCH: u32 = 5_000;
/// Cells with fewer orders are not shown to viewers outside the centre.
pub const SUPPRESS_BELOW: u64 = 10;
/// The read model's schema as the feed state records it (bumped with the file layout).
const SCHEMA: u32 = hotline_analytics::store::SCHEMA;

/// What one pass over the feed did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnalyticsSyncReport {
    pub orders: usize,
    pub rebuilt: bool,
}

/// The answer to a question in words: what it was read as, the figures, the words not used.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AskResult {
    /// The query the question was read as (the fixed vocabulary of `POST /api/v1/analytics/query`).
    #[schema(value_type = Object)]
    pub query: Query,
    /// One object per group: the dimensions' values by name, `value`, `orders` (and `previous`,
    /// `change`, `change_ratio` when compared; `suppressed` when too few orders to show).
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<serde_json::Value>,
    /// Words of the question that were not used.
    pub unparsed: Vec<String>,
}

/// The read model and what the question parser knows, kept together with the reference data
/// versions they were built from.
pub(crate) struct AnalyticsState {
    store: Option<Arc<FactStore>>,
    catalog: Option<(u64, Arc<Catalog>, Arc<Lexicon>)>,
}

impl AnalyticsState {
    pub(crate) fn new() -> Self {
        Self { store: None, catalog: None }
    }
}

pub(crate) fn analytics_err(e: hotline_analytics::AnalyticsError) -> AppError {
    match e {
        hotline_analytics::AnalyticsError::Query(v) => AppError::Validation(v),
        other => AppError::internal(other),
    }
}

/// The catalog's categories from the store's tree.
pub fn category_infos(categories: &[hotline_store::Category]) -> Vec<CategoryInfo> {
    categories
        .iter()
        .map(|c| CategoryInfo {
            code: c.code.clone(),
            name_zh: c.name_zh.clone(),
            name_en: c.name_en.clone(),
            keywords: c.keywords.clone(),
        })
        .collect()
}

impl App {
    fn analytics_slot(&self) -> std::sync::RwLockWriteGuard<'_, AnalyticsState> {
        self.analytics.write().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The read model (a temporary one, rebuilt from the store, until
    /// [`App::install_analytics`] gives one in a directory).
    pub fn analytics_store(&self) -> AppResult<Arc<FactStore>> {
        if let Some(s) = self.analytics.read().unwrap_or_else(std::sync::PoisonError::into_inner).store.as_ref() {
            return Ok(s.clone());
        }
        let mut slot = self.analytics_slot();
        if let Some(s) = slot.store.as_ref() {
            return Ok(s.clone());
        }
        let store = Arc::new(FactStore::temporary().map_err(analytics_err)?);
        slot.store = Some(store.clone());
        Ok(store)
    }

    /// Uses `store` from now on (the server's read model in a directory).
    pub fn install_analytics(&self, store: FactStore) {
        self.analytics_slot().store = Some(Arc::new(store));
    }

    /// Asks the feed readers (search index, analytics) to read soon: this node wrote something.
    pub fn nudge_readers(&self) {
        self.nudge_search();
        self.analytics_nudge.notify_one();
    }

    /// Waits until [`App::nudge_readers`] is called.
    pub async fn analytics_nudged(&self) {
        self.analytics_nudge.notified().await;
    }

    /// The reference data queries are answered with, and the parser built from it; rebuilt when
    /// the units, categories or articles change. Every query asks, so what is checked is cheap:
    /// the in-memory trees' identity and each article's version, not the articles themselves.
    pub async fn analytics_catalog(&self) -> AppResult<(Arc<Catalog>, Arc<Lexicon>)> {
        let units = self.units();
        let categories = self.categories();
        let stamp = {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            (Arc::as_ptr(&units) as usize, Arc::as_ptr(&categories) as usize).hash(&mut h);
            self.knowledge().article_revisions().await?.hash(&mut h);
            h.finish()
        };
        if let Some((s, c, l)) = self.analytics.read().unwrap_or_else(std::sync::PoisonError::into_inner).catalog.as_ref()
            && *s == stamp
        {
            return Ok((c.clone(), l.clone()));
        }
        let articles: Vec<(String, String)> =
            self.knowledge().list_articles().await?.into_iter().map(|a| (a.article.slug, a.article.title_zh)).collect();
        let catalog = Arc::new(Catalog::new(units.all(), category_infos(&categories), articles));
        let c = catalog.clone();
        let lexicon = tokio::task::spawn_blocking(move || Arc::new(Lexicon::new(&c))).await.map_err(AppError::internal)?;
        self.analytics_slot().catalog = Some((stamp, catalog.clone(), lexicon.clone()));
        Ok((catalog, lexicon))
    }

    /// The fact the read model keeps of an order.
    pub fn fact_of(&self, o: &WorkOrder, repeat_caller: bool) -> Fact {
        let units = self.units();
        let street = o.location.street;
        // A community named in the address and lying in the order's street is the finest place.
        let community = street.and_then(|s| {
            let place = units.resolve_place(&o.location.address)?;
            let c = place.community?;
            (units.ancestor_of_class(c.id, UnitClass::Street).map(|u| u.id) == Some(s)).then_some(c.id)
        });
        Fact {
            order_id: o.id.0,
            received_at: o.received_at,
            channel: o.channel,
            language: o.requester.language.clone(),
            nature: o.nature,
            category: o.category.as_ref().map(|c| c.as_str().to_owned()),
            urgency: o.urgency,
            place: community.or(street).or(o.location.district).map(|u| u.0),
            coords: o.location.lng.zip(o.location.lat),
            age_group: o.requester.age_group,
            repeat_caller,
            duplicate: o.duplicate_of.is_some() || o.state == State::LinkedDuplicate,
            disputed: o.dispute_count > 0,
            main_unit: o.assignment.as_ref().map(|a| a.main_unit.0),
            article: o.answer.as_ref().and_then(|a| a.article.as_ref()).map(|a| a.slug.clone()),
            state: o.state,
            dispatched_at: o.first_dispatched_at,
            contacted_at: o.contacted_at,
            replied_at: o.replied_at,
            closed_at: o.closed_at,
            dispatch_due: o.dues.dispatch_due,
            contact_due: o.dues.contact_due,
            reply_due: o.dues.reply_due,
            callback: o.evaluation.as_ref().map(|e| Callback {
                contacted: e.contacted,
                resolution: e.resolution,
                satisfaction: e.satisfaction,
            }),
            reopen_count: u32::try_from(o.reopen_count.max(0)).unwrap_or(u32::MAX),
            excluded: o.handling.exclusion.is_some(),
        }
    }

    /// Packs and writes orders into the read model (off the async threads).
    pub async fn write_facts(&self, store: &Arc<FactStore>, orders: &[WorkOrder]) -> AppResult<usize> {
        let ids: Vec<OrderId> = orders.iter().map(|o| o.id).collect();
        let window = hotline_analytics::fact::REPEAT_WINDOW_DAYS * 86_400_000;
        let repeat: HashSet<i64> = self.feeds().repeat_callers(&ids, window).await?.into_iter().map(|o| o.0).collect();
        let facts: Vec<Fact> = orders.iter().map(|o| self.fact_of(o, repeat.contains(&o.id.0))).collect();
        let store = store.clone();
        tokio::task::spawn_blocking(move || -> hotline_analytics::Result<usize> {
            let _w = store.lock_writer();
            let mut rows = Vec::with_capacity(facts.len());
            let mut points = Vec::new();
            {
                let mut dicts = store.dicts_mut();
                for f in &facts {
                    let Some(row) = f.row_index() else { continue };
                    rows.push((row, f.pack(&mut dicts)?));
                    if let Some((lng, lat)) = f.coords {
                        points.push((row, lng as f32, lat as f32));
                    }
                }
            }
            let n = rows.len();
            store.write(&mut rows)?;
            store.write_coords(&points)?;
            Ok(n)
        })
        .await
        .map_err(AppError::internal)?
        .map_err(analytics_err)
    }

    async fn checkpoint_analytics(store: &Arc<FactStore>, state: &FeedState) -> AppResult<()> {
        let (store, state) = (store.clone(), state.clone());
        tokio::task::spawn_blocking(move || store.checkpoint(&state)).await.map_err(AppError::internal)?.map_err(analytics_err)
    }

    /// Brings the read model up to the store: the orders changed since the last pass, or a rebuild
    /// when it does not match the store. One pass at a time per node.
    pub async fn sync_analytics(&self) -> AppResult<AnalyticsSyncReport> {
        let _one_at_a_time = self.analytics_sync.lock().await;
        let store = self.analytics_store()?;
        let store_id = self.store_identity().await?;
        let (head, _) = self.feeds().change_heads().await?;
        let mut report = AnalyticsSyncReport::default();
        let saved: Option<FeedState> = store.feed_state().and_then(|v| serde_json::from_value(v).ok());
        let mut state = match crate::search::usable_state(saved.filter(|s| s.schema == SCHEMA), &store_id, head) {
            Some(s) => s,
            None => {
                report.rebuilt = true;
                let s2 = store.clone();
                tokio::task::spawn_blocking(move || s2.clear()).await.map_err(AppError::internal)?.map_err(analytics_err)?;
                FeedState { rebuild_after: Some(0), schema: SCHEMA, ..crate::search::fresh_state(&store_id, head) }
            }
        };
        while let Some(after) = state.rebuild_after {
            let orders = self.feeds().scan_orders(OrderId(after), REBUILD_BATCH).await?;
            state.rebuild_after = orders.last().map(|o| o.id.0);
            report.orders += self.write_facts(&store, &orders).await?;
            Self::checkpoint_analytics(&store, &state).await?;
        }
        let now = self.clock.now().timestamp();
        loop {
            let (round, more) = self.feed_round_orders(&mut state, FEED_BATCH, now).await?;
            let Some(ids) = round else { return Ok(report) };
            let orders = self.feeds().orders_by_ids(&ids).await?;
            report.orders += self.write_facts(&store, &orders).await?;
            Self::checkpoint_analytics(&store, &state).await?;
            if !more {
                return Ok(report);
            }
        }
    }

    /// Who may read analytics, and what: centre roles everything, a unit admin its subtree, a unit
    /// its own orders (small cells hidden outside the centre). Citizens never.
    fn analytics_context(&self, who: &Principal, now: DateTime<Utc>) -> AppResult<Context> {
        if matches!(who.role, Role::CallbackAgent) {
            return Err(AppError::forbidden("回访员不能查看统计分析", "Callback agents cannot read analytics"));
        }
        if matches!(who.role, Role::Open311Client) {
            return Err(AppError::forbidden("接入系统不能查看统计分析", "Client systems cannot read analytics"));
        }
        let scheme = hotline_domain::assessment::Scheme::default();
        let visible = self.visible_units(who).map(|u| u.into_iter().map(|u| u.0).collect::<HashSet<i64>>());
        Ok(Context {
            now,
            utc_offset_minutes: self.policy_offset_minutes(),
            partly_resolved: scheme.partly_resolved,
            basically_satisfied: scheme.basically_satisfied,
            suppress_below: visible.is_some().then_some(SUPPRESS_BELOW),
            visible_units: visible,
        })
    }

    /// Answers a query for `who`.
    pub async fn analytics_query(&self, who: &Principal, q: &Query) -> AppResult<Answer> {
        let ctx = self.analytics_context(who, self.clock.now())?;
        let (catalog, _) = self.analytics_catalog().await?;
        let store = self.analytics_store()?;
        let q = q.clone();
        tokio::task::spawn_blocking(move || hotline_analytics::answer(&store, &catalog, &q, &ctx))
            .await
            .map_err(AppError::internal)?
            .map_err(analytics_err)
    }

    /// Reads a question as a query, as asked at `now` (the deployment's local date).
    pub async fn parse_question(&self, question: &str, now: Option<DateTime<FixedOffset>>) -> AppResult<Parsed> {
        let question = question.trim();
        if question.is_empty() {
            return Err(crate::orders::invalid("q", "question_required", "请输入问题", "Type a question"));
        }
        if question.chars().count() > 500 {
            return Err(crate::orders::invalid("q", "question_too_long", "问题不能超过 500 个字", "A question is at most 500 characters"));
        }
        let (_, lexicon) = self.analytics_catalog().await?;
        let today = match now {
            Some(t) => t.date_naive(),
            None => {
                let tz = FixedOffset::east_opt(self.policy_offset_minutes() * 60).ok_or_else(|| AppError::bug("bad utc offset"))?;
                self.clock.now().with_timezone(&tz).date_naive()
            }
        };
        Ok(lexicon.parse(question, today))
    }

    /// Answers a question in words for `who`.
    pub async fn ask(&self, who: &Principal, question: &str, now: Option<DateTime<FixedOffset>>) -> AppResult<AskResult> {
        let parsed = self.parse_question(question, now).await?;
        let ctx = self.analytics_context(who, now.map_or_else(|| self.clock.now(), |t| t.with_timezone(&Utc)))?;
        let (catalog, _) = self.analytics_catalog().await?;
        let store = self.analytics_store()?;
        let q = parsed.query.clone();
        let answer = tokio::task::spawn_blocking(move || hotline_analytics::answer(&store, &catalog, &q, &ctx))
            .await
            .map_err(AppError::internal)?
            .map_err(analytics_err)?;
        Ok(AskResult {
            rows: answer.rows.iter().map(|r| r.to_json(&answer.query)).collect(),
            query: answer.query,
            unparsed: parsed.unparsed,
        })
    }

    /// Where orders in the query's time range were (the newest `limit` with coordinates the viewer
    /// may see), as (longitude, latitude).
    pub async fn analytics_points(&self, who: &Principal, q: &Query, limit: usize) -> AppResult<Vec<(f64, f64)>> {
        let ctx = self.analytics_context(who, self.clock.now())?;
        let store = self.analytics_store()?;
        let off = ctx.utc_offset_minutes;
        let t0 = q.filters.from.map_or(1, |d| hotline_analytics::engine::time_at(d, off));
        let t1 = q.filters.to.map_or(u32::MAX, |d| hotline_analytics::engine::time_at(d, off));
        let visible: Option<HashSet<String>> = ctx.visible_units.as_ref().map(|v| v.iter().map(|u| format!("u{u}")).collect());
        tokio::task::spawn_blocking(move || -> hotline_analytics::Result<Vec<(f64, f64)>> {
            let dicts_ok = |row: &hotline_analytics::store::Row| {
                visible.as_ref().is_none_or(|v| store.dicts().handler.get(row.handler).is_some_and(|h| v.contains(h)))
            };
            let keep = |r: u64| store.read_row(r).is_ok_and(|row| row.time >= t0 && row.time < t1 && row.time != 0 && dicts_ok(&row));
            Ok(store.recent_coords(limit, keep)?.into_iter().map(|(_, x, y)| (f64::from(x), f64::from(y))).collect())
        })
        .await
        .map_err(AppError::internal)?
        .map_err(analytics_err)
    }

    /// The words that set a period's requests apart from the weeks before it (a simple TF–IDF
    /// against the baseline): how many of the period's requests use each word, and how much more
    /// often than before. Read from up to 2,000 requests of the period and 4,000 before it.
    pub async fn characteristic_words(&self, who: &Principal, q: &Query) -> AppResult<Vec<(String, u64, f64)>> {
        self.analytics_context(who, self.clock.now())?;
        let (Some(from), Some(to)) = (q.filters.from, q.filters.to) else { return Ok(Vec::new()) };
        let off = i64::from(self.policy_offset_minutes()) * 60_000;
        let at = |d: chrono::NaiveDate| {
            d.and_hms_opt(0, 0, 0).and_then(|t| DateTime::from_timestamp_millis(t.and_utc().timestamp_millis() - off)).unwrap_or_default()
        };
        let span = (to - from).num_days().max(1);
        let base_from = from - chrono::Duration::days(span * 4);
        let units = self.visible_units(who);
        // A category filter names a node: the store is asked for every path under it, so the sample
        // read is the filtered orders' (not a sample of all orders filtered afterwards).
        let categories: Vec<String> = self
            .categories()
            .iter()
            .map(|c| c.code.clone())
            .filter(|code| q.filters.category.iter().any(|p| code == p || code.starts_with(&format!("{p}/"))))
            .collect();
        if !q.filters.category.is_empty() && categories.is_empty() {
            return Ok(Vec::new());
        }
        let read = |lo: chrono::NaiveDate, hi: chrono::NaiveDate, limit: u32| hotline_store::OrderQuery {
            received_from: Some(at(lo)),
            received_before: Some(at(hi)),
            categories: categories.clone(),
            units: units.clone(),
            limit,
            ..Default::default()
        };
        let descriptions = |orders: Vec<WorkOrder>| orders.into_iter().map(|o| o.description).collect::<Vec<String>>();
        let period = descriptions(self.orders().list_orders(&read(from, to, 2_000)).await?.orders);
        let base = descriptions(self.orders().list_orders(&read(base_from, from, 4_000)).await?.orders);
        tokio::task::spawn_blocking(move || characteristic(&period, &base)).await.map_err(AppError::internal)
    }
}

impl App {
    /// Writes the open-data files of the orders received on local days `[from, to)` (all when
    /// `None`) under `dir`, after catching the read model up (the command line and the daily export).
    pub async fn export_open_data(
        &self,
        dir: &std::path::Path,
        format: hotline_analytics::export::Format,
        range: (Option<chrono::NaiveDate>, Option<chrono::NaiveDate>),
    ) -> AppResult<hotline_analytics::export::Exported> {
        self.sync_analytics().await?;
        let (catalog, _) = self.analytics_catalog().await?;
        let store = self.analytics_store()?;
        let (dir, offset, now) = (dir.to_owned(), self.policy_offset_minutes(), self.clock.now());
        tokio::task::spawn_blocking(move || hotline_analytics::export::export(&store, &catalog, &dir, format, range, offset, now))
            .await
            .map_err(AppError::internal)?
            .map_err(analytics_err)
    }
}

/// Words of `period` by how much more often they occur than in `base` (document frequencies,
/// smoothed), among words used by at least 3 of the period's texts; at most 20.
pub fn characteristic(period: &[String], base: &[String]) -> Vec<(String, u64, f64)> {
    let df = |texts: &[String]| {
        let mut m: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
        for t in texts {
            let words: HashSet<String> = hotline_search::analysis::query_terms(t)
                .into_iter()
                .filter(|w| w.chars().count() >= 2 && !w.chars().all(|c| c.is_ascii_digit()))
                .collect();
            for w in words {
                *m.entry(w).or_default() += 1;
            }
        }
        m
    };
    let (p, b) = (df(period), df(base));
    let (np, nb) = (period.len().max(1) as f64, base.len().max(1) as f64);
    let mut out: Vec<(String, u64, f64)> = p
        .into_iter()
        .filter(|(_, n)| *n >= 3)
        .map(|(w, n)| {
            let lift = (n as f64 / np) / ((b.get(&w).copied().unwrap_or(0) as f64 + 1.0) / (nb + 1.0));
            (w, n, lift)
        })
        .filter(|(_, _, lift)| *lift > 1.2)
        .collect();
    out.sort_by(|a, b| (b.2 * (b.1 as f64).ln_1p()).total_cmp(&(a.2 * (a.1 as f64).ln_1p())).then_with(|| a.0.cmp(&b.0)));
    out.truncate(20);
    out
}

#[cfg(test)]
mod tests {
    use super::characteristic;

    fn texts(items: &[(&str, usize)]) -> Vec<String> {
        items.iter().flat_map(|(t, n)| std::iter::repeat_n((*t).to_owned(), *n)).collect()
    }

    #[test]
    fn a_word_common_in_the_period_and_rare_before_is_characteristic_and_a_steady_one_is_not() {
        let period = texts(&[("小区暖气片漏水了", 6), ("路边违章停车", 4)]);
        let base = texts(&[("路边违章停车", 40), ("楼道灯坏了", 20)]);
        let words: Vec<String> = characteristic(&period, &base).into_iter().map(|(w, _, _)| w).collect();
        assert!(words.iter().any(|w| w.contains("暖气")), "the new heating word leads: {words:?}");
        assert!(!words.iter().any(|w| w.contains("停车")), "parking is as common as before: {words:?}");
    }

    #[test]
    fn words_of_fewer_than_three_orders_and_bare_numbers_are_left_out() {
        let period = texts(&[("电梯困人", 2), ("2025 2025 2025", 5)]);
        let words = characteristic(&period, &[]);
        assert!(words.iter().all(|(w, n, _)| *n >= 3 && !w.chars().all(|c| c.is_ascii_digit())), "{words:?}");
        assert!(!words.iter().any(|(w, _, _)| w.contains("电梯")), "{words:?}");
    }
}
