//! Emerging problems in the text (新问题): every [`TOPIC_EVERY_MINUTES`] the warning pass reads the
//! calls of the last [`TOPIC_RECENT_HOURS`] hours and a baseline sampled from the 14 days before
//! (kept for the local day), splits their descriptions into words with the search analyser, and
//! asks `hotline_analytics::warning::topics` which words burst beyond what the calls' categories
//! explain. A topic is stored as an alert of kind `topic` (its words in `terms`); a topic whose
//! words overlap an ongoing topic alert of the same district continues that alert.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use hotline_analytics::warning::topics::{Baseline, Doc, Topic, TopicSettings, detect_topics};
use hotline_domain::{AlertKind, Timestamp, UnitId, WorkOrder};
use hotline_store::{AlertFilter, AlertSignal, NewOutboxMessage, OrderQuery, SignalWrite};

use crate::error::{AppError, AppResult};
use crate::warning::SurgeOut;
use crate::{App, Principal};

/// How often the text is read (the surge pass runs each minute).
pub const TOPIC_EVERY_MINUTES: i64 = 10;
/// The recent calls a topic is looked for in.
pub const TOPIC_RECENT_HOURS: i64 = 3;
/// Days the baseline is sampled from, and calls read per quarter of each day.
const BASE_DAYS: i64 = 14;
const BASE_PER_QUARTER: u32 = 100;
/// Most recent calls read.
const RECENT_LIMIT: u32 = 5_000;

/// The words of a request, each once: two characters or more, not bare numbers.
pub fn words_of(text: &str) -> Vec<String> {
    let set: HashSet<String> = hotline_search::analysis::query_terms(text)
        .into_iter()
        .filter(|w| w.chars().count() >= 2 && !w.chars().all(|c| c.is_ascii_digit() || c.is_ascii_punctuation()))
        .collect();
    set.into_iter().collect()
}

fn doc_of(o: &WorkOrder) -> Doc {
    Doc {
        category: o.category.as_ref().map(|c| c.as_str().to_owned()),
        district: o.location.district.map(|d| d.0),
        street: o.location.street.map(|s| s.0),
        words: words_of(&o.description),
        at: o.received_at.timestamp_millis(),
    }
}

/// The baseline, sampled once per local day.
#[derive(Default)]
pub(crate) struct TopicState {
    baseline: Option<(NaiveDate, Arc<Baseline>)>,
    last_pass: Option<DateTime<Utc>>,
}

impl App {
    fn topic_slot(&self) -> std::sync::MutexGuard<'_, TopicState> {
        self.topics.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The baseline at `now`: four samples a day (one per six hours, so the day's rhythm is in it)
    /// over the 14 days before yesterday… today.
    async fn topic_baseline(&self, now: DateTime<Utc>) -> AppResult<Arc<Baseline>> {
        let offset = Duration::minutes(i64::from(self.policy_offset_minutes()));
        let today = (now + offset).date_naive();
        if let Some((day, b)) = self.topic_slot().baseline.as_ref()
            && *day == today
        {
            return Ok(b.clone());
        }
        let midnight = today.and_hms_opt(0, 0, 0).map_or(now, |t| t.and_utc() - offset);
        let mut docs = Vec::new();
        for day in 1..=BASE_DAYS {
            for quarter in 0..4 {
                let from = midnight - Duration::days(day) + Duration::hours(quarter * 6);
                let q = OrderQuery {
                    received_from: Some(from),
                    received_before: Some(from + Duration::hours(6)),
                    limit: BASE_PER_QUARTER,
                    ..OrderQuery::default()
                };
                docs.extend(self.orders().list_orders(&q).await?.orders.iter().map(doc_of));
            }
        }
        let baseline = Arc::new(tokio::task::spawn_blocking(move || Baseline::from_docs(&docs)).await.map_err(AppError::internal)?);
        self.topic_slot().baseline = Some((today, baseline.clone()));
        Ok(baseline)
    }

    /// The topics bursting at `at` (default: now), with the recent calls they were found in.
    pub async fn detect_topics(&self, at: Option<DateTime<Utc>>) -> AppResult<(Vec<Topic>, Vec<WorkOrder>)> {
        let now = at.unwrap_or_else(|| self.clock.now());
        let baseline = self.topic_baseline(now).await?;
        let q = OrderQuery {
            received_from: Some(now - Duration::hours(TOPIC_RECENT_HOURS)),
            received_before: Some(now + Duration::minutes(1)),
            limit: RECENT_LIMIT,
            ..OrderQuery::default()
        };
        let recent = self.orders().list_orders(&q).await?.orders;
        let docs: Vec<Doc> = recent.iter().map(doc_of).collect();
        let settings = TopicSettings { passes_per_day: (24 * 60 / TOPIC_EVERY_MINUTES) as f64, ..TopicSettings::default() };
        let topics = tokio::task::spawn_blocking(move || detect_topics(&docs, &baseline, &settings)).await.map_err(AppError::internal)?;
        Ok((topics, recent))
    }

    /// Topics named for people and scripts (what `hotline alerts` prints beside the surges).
    pub fn name_topics(&self, topics: &[Topic]) -> Vec<SurgeOut> {
        let units = self.units();
        let name = |id: i64| units.get(UnitId(id)).map(|u| u.name.clone());
        topics
            .iter()
            .map(|t| SurgeOut {
                kind: AlertKind::Topic.code(),
                series: topic_series(t.district, &t.terms[0]),
                district: t.district.and_then(name),
                street: t.street.and_then(name),
                category: None,
                terms: Some(t.terms.join(" ")),
                started_at: Timestamp::from_timestamp_millis(t.first_at).unwrap_or_default(),
                observed: t.observed,
                expected: (t.expected * 1000.0).round() / 1000.0,
                score: (t.score * 1000.0).round() / 1000.0,
                recurrence_days: (t.recurrence_days * 1000.0).round() / 1000.0,
            })
            .collect()
    }

    /// The topic signals of a pass at `now`, when one is due: each continues an ongoing topic
    /// alert of its district that shares a word with it.
    pub(crate) async fn topic_writes(&self, now: DateTime<Utc>) -> AppResult<Vec<SignalWrite>> {
        let due = self.topic_slot().last_pass.is_none_or(|t| now - t >= Duration::minutes(TOPIC_EVERY_MINUTES) || now < t);
        if !due {
            return Ok(Vec::new());
        }
        let (topics, _) = self.detect_topics(Some(now)).await?;
        self.topic_slot().last_pass = Some(now);
        let ongoing = self
            .alerts()
            .list_alerts(&AlertFilter { kind: Some(AlertKind::Topic), ongoing_only: true, limit: 1000, ..AlertFilter::default() })
            .await?;
        let units = self.units();
        let mut writes = Vec::new();
        for (t, out) in topics.iter().zip(self.name_topics(&topics)) {
            let series = ongoing
                .iter()
                .find(|a| {
                    a.signal.district.map(|d| d.0) == t.district
                        && a.signal.terms.as_deref().is_some_and(|words| words.split(' ').any(|w| t.terms.iter().any(|x| x == w)))
                })
                .map_or(out.series.clone(), |a| a.signal.series.clone());
            let signal = AlertSignal {
                kind: AlertKind::Topic,
                series,
                district: t.district.map(UnitId),
                street: t.street.map(UnitId),
                category: None,
                terms: out.terms.clone(),
                started_at: out.started_at,
                observed: i64::try_from(t.observed).unwrap_or(i64::MAX),
                expected: t.expected,
                score: t.score,
                recurrence_days: t.recurrence_days,
            };
            let place = t.street.or(t.district).and_then(|u| units.get(UnitId(u))).map_or_else(|| "全市".to_owned(), |u| u.name.clone());
            let words = out.terms.unwrap_or_default();
            let body = format!(
                "【12345预警】{place}出现新问题“{words}”：近{TOPIC_RECENT_HOURS}小时{}件，分属{}个类别。/ Emerging topic in {place}: \"{words}\", {} calls in {TOPIC_RECENT_HOURS} h across {} categories.",
                t.observed, t.categories, t.observed, t.categories
            );
            let mut outbox = vec![NewOutboxMessage { channel: "sms".into(), recipient: "centre".into(), body: body.clone() }];
            if let Some(d) = t.district.and_then(|d| units.get(UnitId(d))) {
                outbox.push(NewOutboxMessage { channel: "sms".into(), recipient: d.code.clone(), body });
            }
            writes.push(SignalWrite { signal, outbox_if_new: outbox });
        }
        Ok(writes)
    }

    /// The calls behind a topic alert: received since it began in its district, using one of its
    /// words (at most 200, newest first), among those `who` may see.
    pub(crate) async fn topic_orders(&self, who: &Principal, a: &hotline_store::Alert) -> AppResult<Vec<WorkOrder>> {
        let s = &a.signal;
        let words: Vec<&str> = s.terms.as_deref().unwrap_or_default().split(' ').filter(|w| !w.is_empty()).collect();
        let q = OrderQuery {
            received_from: Some(s.started_at),
            received_before: a.ended_at.map(|t| t + Duration::hours(1)),
            units: self.visible_units(who),
            limit: RECENT_LIMIT,
            ..OrderQuery::default()
        };
        let mut found: Vec<WorkOrder> = self
            .orders()
            .list_orders(&q)
            .await?
            .orders
            .into_iter()
            .filter(|o| s.district.is_none() || o.location.district == s.district)
            .filter(|o| {
                let own = words_of(&o.description);
                words.iter().any(|w| own.iter().any(|x| x == w))
            })
            .collect();
        found.truncate(200);
        Ok(found)
    }
}

/// The series key of a topic: its district (or the city) and its strongest word.
fn topic_series(district: Option<i64>, word: &str) -> String {
    match district {
        Some(d) => format!("topic:d{d}|{word}"),
        None => format!("topic:city|{word}"),
    }
}
