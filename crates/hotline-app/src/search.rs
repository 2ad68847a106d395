//! Search use cases: ranked, highlighted search over knowledge-base articles (citizens: published
//! ones) and past orders (staff; a unit only its own), and keeping the index in step with the store.
//!
//! The index (`hotline-search`) is fed from the store's change feeds — order events and article
//! versions, both numbered — never written beside the store in the same transaction. So it works the
//! same on every backend and on every node: each node's index reads the shared store, a restart
//! resumes from the position committed with the index, and an index that is missing, of another
//! schema version or built from another store is rebuilt by scanning the store.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use hotline_domain::{OrderId, OrderNumber, Role, State, UnitId, WorkOrder};
use hotline_search::{ArticleDoc, ArticleSearch, Drafts, FeedState, OrderDoc, OrderSearch, SCHEMA_VERSION, SearchIndex, Segment};
use hotline_store::StoredArticle;
use serde::{Deserialize, Serialize};

use crate::App;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::orders::invalid;
use crate::views::UnitRef;

/// Events read from the feed per commit.
const FEED_BATCH: u32 = 5_000;
/// Orders per commit while a rebuild scans the store.
const REBUILD_BATCH: u32 = 2_000;
/// How far before the head a rebuild starts reading the feed again (writes numbered but not yet
/// committed when the rebuild began).
const REBUILD_MARGIN: i64 = 5_000;
/// How long a skipped feed position is re-asked for before it is taken as a rolled-back write.
const GAP_PATIENCE_SECS: i64 = 300;
/// Most positions remembered as skipped.
const MAX_GAPS: usize = 10_000;
const STORE_ID_KEY: &str = "search_store_id";

/// A piece of a snippet; `hit` pieces matched the query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SegmentView {
    pub text: String,
    pub hit: bool,
}

fn segments(s: Vec<Segment>) -> Vec<SegmentView> {
    s.into_iter().map(|s| SegmentView { text: s.text, hit: s.hit }).collect()
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrderHitView {
    pub number: String,
    pub state: String,
    pub nature: Option<String>,
    pub category: Option<String>,
    pub district: Option<UnitRef>,
    pub main_unit: Option<UnitRef>,
    pub received_at: DateTime<Utc>,
    /// BM25 relevance (higher is better; comparable within one search only).
    pub score: f32,
    pub description: Vec<SegmentView>,
    /// How it was answered: the unit's reply or the direct answer (empty when none yet).
    pub reply: Vec<SegmentView>,
    /// Present when the address matched.
    pub address: Vec<SegmentView>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrderSearchResult {
    /// How many orders matched in all.
    pub total: usize,
    pub hits: Vec<OrderHitView>,
    /// The words the query was read as.
    pub terms: Vec<String>,
    pub offset: u32,
    pub limit: u32,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ArticleHitView {
    pub slug: String,
    pub version: i64,
    pub status: String,
    pub owner: UnitRef,
    pub categories: Vec<String>,
    pub sample: bool,
    pub score: f32,
    pub title_zh: Vec<SegmentView>,
    pub title_en: Vec<SegmentView>,
    pub body_zh: Vec<SegmentView>,
    pub body_en: Vec<SegmentView>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ArticleSearchResult {
    pub total: usize,
    pub hits: Vec<ArticleHitView>,
    pub terms: Vec<String>,
    pub offset: u32,
    pub limit: u32,
}

/// An order search as asked over the API or a page. Lists are comma-separated and match any of
/// their values; with no words, the orders the filters let through are listed newest first.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderSearchInput {
    /// Words to find (Chinese or English), in descriptions, replies and addresses. May be empty
    /// when a filter is given.
    #[serde(default)]
    pub q: String,
    /// Category codes or paths: orders in them or below them.
    pub category: Option<String>,
    /// Districts' unit ids.
    pub district: Option<String>,
    /// Streets'/townships' unit ids.
    pub street: Option<String>,
    /// Units' ids: orders they handle (main, co-unit or copy).
    pub unit: Option<String>,
    /// Natures (complaint, consult…).
    pub nature: Option<String>,
    /// Channels (phone, web…).
    pub channel: Option<String>,
    /// Age groups (minor, adult, senior).
    pub age_group: Option<String>,
    /// Requesters' languages (zh, en…).
    pub language: Option<String>,
    /// States, comma-separated (`replied,closed`).
    pub state: Option<String>,
    /// Received on or after this day (local).
    pub from: Option<NaiveDate>,
    /// Received on or before this day (local).
    pub to: Option<NaiveDate>,
    /// Leave out this order (the one on screen).
    pub exclude: Option<String>,
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArticleSearchInput {
    /// Words to find (Chinese or English) in titles and bodies.
    pub q: String,
    /// A category code or path: articles serving it, one above or one below it.
    pub category: Option<String>,
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

/// What one pass over the feeds did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub orders: usize,
    pub articles: usize,
    /// The pass started a rebuild (a new index, another schema or another store).
    pub rebuilt: bool,
}

fn search_err(e: hotline_search::SearchError) -> AppError {
    AppError::internal(e)
}

/// The query text: present and bounded.
fn query_text(q: &str) -> AppResult<String> {
    let q = q.trim();
    if q.is_empty() {
        return Err(invalid("q", "query_required", "请输入要查找的内容", "Type what to search for"));
    }
    if q.chars().count() > 2_000 {
        return Err(invalid("q", "query_too_long", "查询内容不能超过 2000 个字符", "A query is at most 2,000 characters"));
    }
    Ok(q.to_owned())
}

fn paging(limit: Option<u32>, offset: Option<u32>) -> AppResult<(u32, u32)> {
    let limit = limit.unwrap_or(10);
    if !(1..=100).contains(&limit) {
        return Err(invalid("limit", "invalid_limit", "每页 1 到 100 条", "limit is 1 to 100"));
    }
    let offset = offset.unwrap_or(0);
    if offset > 10_000 {
        return Err(invalid("offset", "invalid_offset", "最多翻到第 10000 条", "offset is at most 10,000"));
    }
    Ok((limit, offset))
}

/// Markdown as the plain text search reads and shows (no markup, no link targets).
pub(crate) fn plain_text(markdown: &str) -> String {
    use pulldown_cmark::{Event, Parser, TagEnd};
    let mut out = String::with_capacity(markdown.len());
    for e in Parser::new(markdown) {
        match e {
            Event::Text(t) | Event::Code(t) | Event::InlineHtml(t) | Event::Html(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item | TagEnd::TableRow | TagEnd::CodeBlock) => out.push('\n'),
            _ => {}
        }
    }
    out.trim().to_owned()
}

pub(crate) fn article_doc(a: &StoredArticle) -> ArticleDoc {
    let d = &a.article;
    ArticleDoc {
        slug: d.slug.clone(),
        version: a.version,
        status: d.status.code().to_owned(),
        owner: a.owner.0,
        categories: d.categories.iter().map(|c| c.as_str().to_owned()).collect(),
        title_zh: d.title_zh.clone(),
        title_en: d.title_en.clone(),
        body_zh: plain_text(&d.body_zh),
        body_en: plain_text(&d.body_en),
        sample: d.sample,
    }
}

pub(crate) fn order_doc(o: &WorkOrder) -> OrderDoc {
    let reply = match (&o.reply, &o.answer) {
        (Some(r), _) => r.text.clone(),
        (None, Some(a)) => a.text.clone(),
        (None, None) => String::new(),
    };
    OrderDoc {
        id: o.id.0,
        number: o.number.as_str().to_owned(),
        state: o.state.code().to_owned(),
        nature: o.nature.map(|n| n.code().to_owned()),
        category: o.category.as_ref().map(|c| c.as_str().to_owned()),
        district: o.location.district.map(|u| u.0),
        street: o.location.street.map(|u| u.0),
        main_unit: o.assignment.as_ref().map(|a| a.main_unit.0),
        units: o.assignment.as_ref().map(|a| a.units().map(|u| u.0).collect()).unwrap_or_default(),
        received_at_ms: o.received_at.timestamp_millis(),
        channel: o.channel.code().to_owned(),
        age_group: o.requester.age_group.map(|a| a.code().to_owned()),
        language: o.requester.language.clone(),
        description: o.description.clone(),
        address: o.location.address.clone(),
        reply,
    }
}

/// Moves `state` past the feed positions just read: the cursor to the highest, and every position
/// skipped on the way remembered as a gap (a write numbered earlier but not yet committed). When
/// no more gaps can be remembered, the cursor stops before the first skipped position it could not
/// record, so nothing is passed over unrecorded (it is read again next time).
fn advance(state: &mut FeedState, read: &[i64], now_secs: i64) {
    let Some(&highest) = read.iter().max() else { return };
    if highest <= state.cursor {
        return;
    }
    let seen: HashSet<i64> = read.iter().copied().collect();
    let mut room = MAX_GAPS.saturating_sub(state.gaps.len());
    let mut cursor = highest;
    for p in state.cursor + 1..highest {
        if seen.contains(&p) {
            continue;
        }
        if room == 0 {
            cursor = p - 1;
            break;
        }
        state.gaps.push((p, now_secs));
        room -= 1;
    }
    state.cursor = cursor;
}

/// Forgets gaps that were found or waited for too long.
fn settle_gaps(state: &mut FeedState, found: &HashSet<i64>, now_secs: i64) {
    state.gaps.retain(|(p, since)| !found.contains(p) && now_secs - since < GAP_PATIENCE_SECS);
}

/// One round of a feed, the same for orders and articles: moves `state` past the positions just
/// read (`fresh`) and the skipped ones found since (`late`). Whether there is anything to commit.
fn feed_round(state: &mut FeedState, fresh: &[i64], late: &[i64], now_secs: i64) -> bool {
    let before = state.clone();
    advance(state, fresh, now_secs);
    settle_gaps(state, &late.iter().copied().collect(), now_secs);
    *state != before || !late.is_empty()
}

/// The state a reader's checkpoint holds, if it was built from this store and is not ahead of it
/// (a reader ahead of its database was built before the database was restored from a backup).
pub(crate) fn usable_state(state: Option<FeedState>, store_id: &str, head: i64) -> Option<FeedState> {
    state.filter(|s| s.store_id == store_id && s.cursor <= head)
}

/// A rebuild's starting state: the scan covers what exists now, and the feed is read again from a
/// little before the head, so a write numbered before the head but committed after the scan passed
/// it (PostgreSQL) is seen, or remembered as a gap.
pub(crate) fn fresh_state(store_id: &str, head: i64) -> FeedState {
    FeedState {
        schema: SCHEMA_VERSION,
        store_id: store_id.to_owned(),
        cursor: (head - REBUILD_MARGIN).max(0),
        gaps: Vec::new(),
        rebuild_after: None,
    }
}

/// Whether a round leaves more to read now: a full batch may have more behind it, but a cursor
/// that could not move (no room for gaps) waits for the next pass rather than reading it again.
fn more_to_read(fresh: usize, batch: u32, cursor_before: i64, state: &FeedState) -> bool {
    fresh >= batch as usize && state.cursor != cursor_before
}

impl App {
    /// The search index (an in-memory one until [`App::install_search_index`] gives another).
    pub fn search_index(&self) -> AppResult<Arc<SearchIndex>> {
        if let Some(i) = self.search.read().unwrap_or_else(std::sync::PoisonError::into_inner).as_ref() {
            return Ok(i.clone());
        }
        let mut slot = self.search.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(i) = slot.as_ref() {
            return Ok(i.clone());
        }
        let index = Arc::new(SearchIndex::open(None).map_err(search_err)?);
        *slot = Some(index.clone());
        Ok(index)
    }

    /// Uses `index` from now on (the server's index in a directory).
    pub fn install_search_index(&self, index: SearchIndex) {
        *self.search.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Arc::new(index));
    }

    /// Asks the indexer to read the feeds soon (after this node wrote something).
    pub fn nudge_search(&self) {
        self.search_nudge.notify_one();
    }

    /// Waits until [`App::nudge_search`] is called.
    pub async fn search_nudged(&self) {
        self.search_nudge.notified().await;
    }

    /// The database's identity (a random id stored in it on first use), which readers keep with
    /// their checkpoints to notice a different database.
    pub(crate) async fn store_identity(&self) -> AppResult<String> {
        if let Some(id) = self.search_store_id.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone() {
            return Ok(id);
        }
        let fresh = crate::auth::random_secret()?;
        let id = self.reference().setting_or_insert(STORE_ID_KEY, &fresh[..16.min(fresh.len())]).await?;
        *self.search_store_id.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(id.clone());
        Ok(id)
    }

    /// Brings the index up to the store: new article versions and changed orders since the last
    /// pass (or a rebuild, when the index does not match the store). One pass at a time per node.
    pub async fn sync_search(&self) -> AppResult<SyncReport> {
        let _one_at_a_time = self.search_sync.lock().await;
        let index = self.search_index()?;
        let store_id = self.store_identity().await?;
        let (event_head, article_head) = self.feeds().change_heads().await?;
        let mut report = SyncReport::default();
        self.sync_articles(&index, &store_id, article_head, &mut report).await?;
        self.sync_orders(&index, &store_id, event_head, &mut report).await?;
        Ok(report)
    }

    async fn blocking<T: Send + 'static>(f: impl FnOnce() -> hotline_search::Result<T> + Send + 'static) -> AppResult<T> {
        tokio::task::spawn_blocking(f).await.map_err(AppError::internal)?.map_err(search_err)
    }

    async fn sync_articles(&self, index: &Arc<SearchIndex>, store_id: &str, head: i64, report: &mut SyncReport) -> AppResult<()> {
        let now = self.clock.now().timestamp();
        let mut state = match usable_state(index.articles_state(), store_id, head) {
            Some(s) => s,
            None => {
                let docs: Vec<ArticleDoc> = self.knowledge().list_articles().await?.iter().map(article_doc).collect();
                report.articles += docs.len();
                report.rebuilt = true;
                let state = fresh_state(store_id, head);
                let (ix, st) = (index.clone(), state.clone());
                Self::blocking(move || ix.write_articles(&docs, &[], &st, true)).await?;
                state
            }
        };
        loop {
            let changes = self.feeds().article_changes(state.cursor, FEED_BATCH).await?;
            let gap_ids: Vec<i64> = state.gaps.iter().map(|g| g.0).collect();
            let late = if gap_ids.is_empty() { Vec::new() } else { self.feeds().article_changes_at(&gap_ids).await? };
            let cursor_before = state.cursor;
            let positions = |c: &[(i64, String)]| c.iter().map(|c| c.0).collect::<Vec<_>>();
            if !feed_round(&mut state, &positions(&changes), &positions(&late), now) {
                return Ok(());
            }
            let slugs: HashSet<&String> = changes.iter().chain(&late).map(|c| &c.1).collect();
            let mut docs = Vec::with_capacity(slugs.len());
            if slugs.len() > 50 {
                // Many at once (after a rebuild): one read of them all.
                docs.extend(self.knowledge().list_articles().await?.iter().filter(|a| slugs.contains(&a.article.slug)).map(article_doc));
            } else {
                for slug in slugs {
                    if let Some(a) = self.knowledge().get_article(slug).await? {
                        docs.push(article_doc(&a));
                    }
                }
            }
            report.articles += docs.len();
            let (ix, st) = (index.clone(), state.clone());
            Self::blocking(move || ix.write_articles(&docs, &[], &st, false)).await?;
            if !more_to_read(changes.len(), FEED_BATCH, cursor_before, &state) {
                return Ok(());
            }
        }
    }

    async fn sync_orders(&self, index: &Arc<SearchIndex>, store_id: &str, head: i64, report: &mut SyncReport) -> AppResult<()> {
        let (mut state, mut reset) = match usable_state(index.orders_state(), store_id, head) {
            Some(s) => (s, false),
            None => {
                // Start over: what exists now comes from a scan of the orders (its position is
                // committed too, so an interrupted scan resumes); what changes meanwhile comes
                // from the feed afterwards.
                report.rebuilt = true;
                (FeedState { rebuild_after: Some(0), ..fresh_state(store_id, head) }, true)
            }
        };
        while let Some(after) = state.rebuild_after {
            let orders = self.feeds().scan_orders(OrderId(after), REBUILD_BATCH).await?;
            state.rebuild_after = orders.last().map(|o| o.id.0);
            let docs: Vec<OrderDoc> = orders.iter().map(order_doc).collect();
            report.orders += docs.len();
            let (ix, st) = (index.clone(), state.clone());
            Self::blocking(move || ix.write_orders(&docs, &st, reset)).await?;
            reset = false;
        }
        let now = self.clock.now().timestamp();
        loop {
            let (round, more) = self.feed_round_orders(&mut state, FEED_BATCH, now).await?;
            let Some(ids) = round else { return Ok(()) };
            let docs: Vec<OrderDoc> = self.feeds().orders_by_ids(&ids).await?.iter().map(order_doc).collect();
            report.orders += docs.len();
            let (ix, st) = (index.clone(), state.clone());
            Self::blocking(move || ix.write_orders(&docs, &st, false)).await?;
            if !more {
                return Ok(());
            }
        }
    }

    /// One round of the order feed for a reader at `state`: the orders changed since (in id
    /// order, each once), with `state` moved past them, and whether more may be waiting. `None`
    /// when there is nothing to write.
    pub(crate) async fn feed_round_orders(
        &self,
        state: &mut FeedState,
        batch: u32,
        now_secs: i64,
    ) -> AppResult<(Option<Vec<OrderId>>, bool)> {
        let changes = self.feeds().order_changes(state.cursor, batch).await?;
        let gap_ids: Vec<i64> = state.gaps.iter().map(|g| g.0).collect();
        let late = if gap_ids.is_empty() { Vec::new() } else { self.feeds().order_changes_at(&gap_ids).await? };
        let cursor_before = state.cursor;
        let positions = |c: &[(i64, OrderId)]| c.iter().map(|c| c.0).collect::<Vec<_>>();
        if !feed_round(state, &positions(&changes), &positions(&late), now_secs) {
            return Ok((None, false));
        }
        let mut ids: Vec<OrderId> = changes.iter().chain(&late).map(|c| c.1).collect();
        ids.sort_unstable_by_key(|o| o.0);
        ids.dedup();
        let more = more_to_read(changes.len(), batch, cursor_before, state);
        Ok((Some(ids), more))
    }

    /// Local midnight of `day` in epoch milliseconds (the deployment's offset).
    fn local_midnight_ms(&self, day: NaiveDate) -> i64 {
        let offset_ms = i64::from(self.policy_offset_minutes()) * 60_000;
        day.and_hms_opt(0, 0, 0).map_or(0, |t| t.and_utc().timestamp_millis()) - offset_ms
    }

    /// Past orders matching the words, best first; unit users find only orders their unit (or,
    /// for unit admins, a unit below) handles. Staff only.
    pub async fn search_orders(&self, who: &Principal, input: &OrderSearchInput) -> AppResult<OrderSearchResult> {
        let list = |v: &Option<String>| -> Vec<String> {
            v.as_deref().unwrap_or("").split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
        };
        let ids = |field: &'static str, v: &Option<String>| -> AppResult<Vec<i64>> {
            list(v)
                .iter()
                .map(|x| {
                    x.parse::<i64>().map_err(|_| invalid(field, "invalid_id", format!("「{x}」不是编号"), format!("{x:?} is not an id")))
                })
                .collect()
        };
        let codes = |field: &'static str, v: &Option<String>, check: &dyn Fn(&str) -> bool| -> AppResult<Vec<String>> {
            list(v)
                .into_iter()
                .map(|x| {
                    if check(&x) {
                        Ok(x)
                    } else {
                        Err(invalid(field, "unknown_code", format!("「{x}」无效"), format!("{x:?} is not valid here")))
                    }
                })
                .collect()
        };
        let (categories, districts, streets, units) =
            (list(&input.category), ids("district", &input.district)?, ids("street", &input.street)?, ids("unit", &input.unit)?);
        let natures = codes("nature", &input.nature, &|x| hotline_domain::Nature::parse(x).is_ok())?;
        let channels = codes("channel", &input.channel, &|x| hotline_domain::Channel::parse(x).is_ok())?;
        let age_groups = codes("age_group", &input.age_group, &|x| hotline_domain::AgeGroup::parse(x).is_ok())?;
        let languages = codes("language", &input.language, &|x| (2..=3).contains(&x.len()) && x.bytes().all(|b| b.is_ascii_lowercase()))?;
        let filtered = !(categories.is_empty()
            && districts.is_empty()
            && streets.is_empty()
            && units.is_empty()
            && natures.is_empty()
            && channels.is_empty()
            && age_groups.is_empty()
            && languages.is_empty()
            && input.state.is_none()
            && input.from.is_none()
            && input.to.is_none());
        // Words, or at least one filter: a search without either asks for nothing.
        let text = if filtered && input.q.trim().is_empty() { String::new() } else { query_text(&input.q)? };
        let (limit, offset) = paging(input.limit, input.offset)?;
        let states = input
            .state
            .as_deref()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                State::parse(s)
                    .map(|s| s.code().to_owned())
                    .map_err(|_| invalid("state", "unknown_state", format!("没有状态 {s}"), format!("No state {s:?}")))
            })
            .collect::<AppResult<Vec<_>>>()?;
        if let (Some(from), Some(to)) = (input.from, input.to)
            && from > to
        {
            return Err(invalid("to", "invalid_range", "结束日期不能早于开始日期", "to cannot be before from"));
        }
        let exclude = match input.exclude.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(n) => self.orders().get_order(&OrderNumber::parse(n)?).await?.map(|o| o.id.0),
            None => None,
        };
        let query = OrderSearch {
            text,
            categories,
            districts,
            streets,
            units,
            natures,
            channels,
            age_groups,
            languages,
            visible_units: self.visible_units(who).map(|u| u.into_iter().map(|u| u.0).collect()),
            received_from_ms: input.from.map(|d| self.local_midnight_ms(d)),
            received_before_ms: input.to.and_then(|d| d.succ_opt()).map(|d| self.local_midnight_ms(d)),
            states,
            exclude,
            limit: limit as usize,
            offset: offset as usize,
            snippet_chars: 80,
        };
        let visible = query.visible_units.is_some();
        let index = self.search_index()?;
        let mut found = Self::blocking(move || index.search_orders(&query)).await?;
        if visible {
            // The index may lag the store by a moment (a re-dispatch not read yet): what a unit
            // is shown is checked against the orders as they are now.
            let ids: Vec<OrderId> = found.hits.iter().map(|h| OrderId(h.order.id)).collect();
            let now_visible: HashSet<i64> =
                self.feeds().orders_by_ids(&ids).await?.iter().filter(|o| self.can_see(who, o)).map(|o| o.id.0).collect();
            found.hits.retain(|h| now_visible.contains(&h.order.id));
        }
        let dir = self.units();
        let unit = |id: Option<i64>| id.map(|u| UnitRef::of(&dir, UnitId(u)));
        Ok(OrderSearchResult {
            total: found.total,
            terms: found.terms,
            offset,
            limit,
            hits: found
                .hits
                .into_iter()
                .map(|h| OrderHitView {
                    number: h.order.number,
                    state: h.order.state,
                    nature: h.order.nature,
                    category: h.order.category,
                    district: unit(h.order.district),
                    main_unit: unit(h.order.main_unit),
                    received_at: DateTime::from_timestamp_millis(h.order.received_at_ms).unwrap_or_default(),
                    score: h.score,
                    description: segments(h.description),
                    reply: segments(h.reply),
                    address: segments(h.address),
                })
                .collect(),
        })
    }

    /// Articles matching the words, best first, among those `who` may read (none: a citizen,
    /// published articles only).
    pub async fn search_articles(&self, who: Option<&Principal>, input: &ArticleSearchInput) -> AppResult<ArticleSearchResult> {
        let text = query_text(&input.q)?;
        let (limit, offset) = paging(input.limit, input.offset)?;
        let drafts = match who.map(|p| p.role) {
            None => Drafts::None,
            Some(Role::Admin | Role::Supervisor) => Drafts::All,
            Some(Role::UnitHandler) => Drafts::OfUnits(who.and_then(|p| p.unit).map(|u| u.0).into_iter().collect()),
            Some(Role::UnitAdmin) => Drafts::OfUnits(
                who.and_then(|p| p.unit).map(|u| self.units().subtree(u).into_iter().map(|u| u.0).collect()).unwrap_or_default(),
            ),
            Some(_) => Drafts::None,
        };
        let query = ArticleSearch {
            text,
            category: input.category.as_deref().map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned),
            internal: who.is_some_and(|p| p.role != Role::Open311Client),
            drafts,
            limit: limit as usize,
            offset: offset as usize,
            snippet_chars: 120,
        };
        let index = self.search_index()?;
        let mut found = Self::blocking(move || index.search_articles(&query)).await?;
        // An article unpublished a moment ago may not be re-indexed yet: who may read it is
        // checked against the article as it is now.
        let mut readable = Vec::with_capacity(found.hits.len());
        for h in std::mem::take(&mut found.hits) {
            if self.knowledge().get_article(&h.article.slug).await?.is_some_and(|a| self.may_read(who, &a)) {
                readable.push(h);
            }
        }
        found.hits = readable;
        let dir = self.units();
        Ok(ArticleSearchResult {
            total: found.total,
            terms: found.terms,
            offset,
            limit,
            hits: found
                .hits
                .into_iter()
                .map(|h| ArticleHitView {
                    owner: UnitRef::of(&dir, UnitId(h.article.owner)),
                    slug: h.article.slug,
                    version: h.article.version,
                    status: h.article.status,
                    categories: h.article.categories,
                    sample: h.article.sample,
                    score: h.score,
                    title_zh: segments(h.title_zh),
                    title_en: segments(h.title_en),
                    body_zh: segments(h.body_zh),
                    body_en: segments(h.body_en),
                })
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cursor_moves_to_the_highest_position_and_skipped_ones_become_gaps() {
        let mut s = FeedState { cursor: 10, ..FeedState::default() };
        advance(&mut s, &[11, 14, 12], 100);
        assert_eq!(s.cursor, 14);
        assert_eq!(s.gaps, [(13, 100)]);
        advance(&mut s, &[9], 101);
        assert_eq!(s.cursor, 14, "an old position never moves the cursor back");
        settle_gaps(&mut s, &[13].into_iter().collect(), 102);
        assert!(s.gaps.is_empty());
    }

    #[test]
    fn a_gap_is_given_up_after_a_while() {
        let mut s = FeedState { cursor: 0, ..FeedState::default() };
        advance(&mut s, &[2], 1_000);
        settle_gaps(&mut s, &HashSet::new(), 1_000 + GAP_PATIENCE_SECS - 1);
        assert_eq!(s.gaps.len(), 1);
        settle_gaps(&mut s, &HashSet::new(), 1_000 + GAP_PATIENCE_SECS);
        assert!(s.gaps.is_empty());
    }

    #[test]
    fn markdown_is_read_as_plain_text() {
        assert_eq!(plain_text("# 标题\n\n- **电话** [12345](tel:12345)\n- `代码`"), "标题\n电话 12345\n代码");
    }
}
