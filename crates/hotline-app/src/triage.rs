//! Triage as a use case: the engine's suggestions, plus the place (gazetteer), the unit (dispatch
//! catalogue) and duplicates (open orders at the same street, and earlier lines of a batch). The
//! intake page, the API and `hotline triage` all call [`App::triage`], so they give the same answers.

use std::sync::Arc;

use chrono::Duration;
use hotline_domain::{State, Timestamp, UnitClass, Urgency, Vocabulary};
use hotline_store::OrderQuery;
use hotline_triage::duplicates::{Candidate, StreamIndex, has_repeat_cue, score};
use hotline_triage::{Engine, Suggestion};
use serde::Serialize;

use crate::App;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::views::UnitRef;

/// Requests repeat within this window (a week: the general deadline).
pub const DUPLICATE_WINDOW_DAYS: i64 = 7;
const MAX_TEXT_CHARS: usize = 4000;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Choice {
    pub code: String,
    pub label_zh: String,
    pub label_en: String,
    /// Calibrated probability, 0–1.
    pub p: f32,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Alternatives {
    pub nature: Vec<Choice>,
    pub category: Vec<Choice>,
    pub urgency: Vec<Choice>,
    pub disposition: Vec<Choice>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RuleOut {
    pub rule: String,
    pub matched: String,
}

/// A danger the text describes by its circumstances.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SituationOut {
    pub code: String,
    pub label_zh: String,
    pub label_en: String,
    /// The words that showed it.
    pub matched: Vec<String>,
    /// Worded as hypothetical, past or second-hand.
    pub discounted: bool,
}

/// The emergency decision: `emergency` (treated as one), `possible` (the intake page shows
/// "可能紧急 / possible emergency" with the reason and one key confirms) or `none`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EmergencyOut {
    pub level: String,
    /// The emergency classifier's probability (1 when a rule decided).
    pub p: f32,
    /// Why, in words: the rule's words, else the situations found.
    pub reason_zh: String,
    pub reason_en: String,
    pub situations: Vec<SituationOut>,
    /// What confirming it does: this disposition and category, urgency `emergency`.
    pub disposition: String,
    pub category: String,
    pub category_label_zh: String,
    pub category_label_en: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlaceOut {
    pub district: Option<UnitRef>,
    pub street: Option<UnitRef>,
    pub community: Option<String>,
    /// Character offsets `[start, end)` of the place in the text, for highlighting.
    pub span: Option<[usize; 2]>,
    pub ambiguous: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DuplicateOut {
    /// An order number, or an earlier id of the same batch.
    pub id: String,
    pub score: f32,
    pub description: String,
}

/// The triage answer, in docs/triage.md's vocabulary, with the alternatives behind each decision.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TriageOut {
    pub nature: String,
    /// First-level category code.
    pub category: String,
    pub category_path: Vec<String>,
    pub urgency: String,
    pub disposition: String,
    /// Official names, or null when the text does not determine them.
    pub district: Option<String>,
    pub street: Option<String>,
    pub unit: Option<UnitRef>,
    pub co_units: Vec<UnitRef>,
    pub confidence: f32,
    pub duplicate_of: Option<String>,
    pub alternatives: Alternatives,
    pub rule: Option<RuleOut>,
    pub emergency: EmergencyOut,
    pub place: Option<PlaceOut>,
    pub duplicates: Vec<DuplicateOut>,
    /// The model that answered.
    pub model: String,
}

/// A batch's memory: earlier lines a later one may repeat.
pub struct Batch {
    index: StreamIndex,
}

impl Default for Batch {
    fn default() -> Self {
        Self { index: StreamIndex::new(Duration::days(DUPLICATE_WINDOW_DAYS).num_milliseconds(), 20_000) }
    }
}

fn chars_span(text: &str, span: (usize, usize)) -> [usize; 2] {
    let at = |b: usize| text.get(..b).map_or(0, |s| s.chars().count());
    [at(span.0), at(span.1)]
}

impl App {
    /// Installs (or replaces) the triage engine.
    pub fn set_triage_engine(&self, engine: Engine) {
        *self.triage.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Arc::new(engine));
    }

    pub fn triage_engine(&self) -> Option<Arc<Engine>> {
        self.triage.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    fn label(&self, decision: &str, code: &str, zh: bool) -> String {
        match decision {
            "nature" => hotline_domain::Nature::label_of(code, zh),
            "urgency" => Urgency::label_of(code, zh),
            "category" => self
                .categories()
                .iter()
                .find(|c| c.code == code)
                .map_or_else(|| code.to_owned(), |c| if zh || c.name_en.is_empty() { c.name_zh.clone() } else { c.name_en.clone() }),
            _ => disposition_label(code, zh).to_owned(),
        }
    }

    /// Triage of one text. `who` is `None` for the CLI; on the API only centre staff may ask.
    /// `batch` carries earlier lines of the same input (the CLI); `id` names this line in it.
    pub async fn triage(
        &self,
        who: Option<&Principal>,
        text: &str,
        received_at: Option<Timestamp>,
        batch: Option<(&mut Batch, &str)>,
    ) -> AppResult<TriageOut> {
        if who.is_some_and(|p| p.role.is_unit_role()) {
            return Err(AppError::forbidden("承办单位不使用受理分拣", "Units do not use intake triage"));
        }
        let text = hotline_domain::text::bounded("text", text, 1, MAX_TEXT_CHARS)?;
        let engine = self.triage_engine().ok_or_else(|| AppError::bug("no triage model is loaded"))?;
        let s: Suggestion = engine.suggest(&text);
        let choices = |decision: &str, r: &hotline_triage::Ranked| {
            r.iter()
                .map(|(code, p)| Choice {
                    code: code.clone(),
                    label_zh: self.label(decision, code, true),
                    label_en: self.label(decision, code, false),
                    p: *p,
                })
                .collect::<Vec<_>>()
        };

        let units = self.units();
        let place = units.resolve_place(&text);
        let district_id = place.as_ref().and_then(|p| p.district.as_ref()).map(|d| d.id);
        let street_id = place.as_ref().and_then(|p| p.street.as_ref()).map(|d| d.id);
        let category_path = s.category_path();
        let best_category = category_path.last().cloned().unwrap_or_default();
        let dispatch = self.suggest_dispatch(&best_category, district_id, street_id);
        let place_out =
            place.as_ref().filter(|p| p.district.is_some() || p.street.is_some() || !p.ambiguous.is_empty()).map(|p| PlaceOut {
                district: p.district.as_ref().map(|d| UnitRef::of(&units, d.id)),
                street: p.street.as_ref().map(|d| UnitRef::of(&units, d.id)),
                community: p.community.as_ref().map(|c| c.name.clone()),
                span: p.span.map(|sp| chars_span(&text, sp)),
                ambiguous: !p.ambiguous.is_empty(),
            });

        // Duplicates: earlier lines of the batch, then open orders at the same street.
        let now = received_at.unwrap_or_else(|| self.clock.now());
        let fingerprint = engine.featurizer().fingerprint(&text);
        let name_of = |id: Option<hotline_domain::UnitId>| id.and_then(|i| units.get(i)).map(|u| u.name.clone());
        let candidate = Candidate {
            id: batch.as_ref().map(|(_, id)| (*id).to_owned()).unwrap_or_default(),
            fingerprint,
            district: name_of(district_id),
            street: name_of(street_id),
            community: place.as_ref().and_then(|p| p.community.as_ref()).map(|c| c.name.clone()),
            category: category_path.first().cloned(),
            deepest: category_path.last().cloned(),
            nature: s.nature.first().map(|(n, _)| n.clone()),
            at_ms: Some(now.timestamp_millis()),
            repeat_cue: has_repeat_cue(&text),
        };
        let mut duplicates = Vec::new();
        if let Some(street) = street_id {
            let open: Vec<State> = State::ALL.iter().copied().filter(|st| !st.is_terminal()).collect();
            let q = OrderQuery {
                street: Some(street),
                states: open,
                received_from: Some(now - Duration::days(DUPLICATE_WINDOW_DAYS)),
                limit: 300,
                ..OrderQuery::default()
            };
            for o in self.orders().list_orders(&q).await?.orders {
                let old = Candidate {
                    id: o.number.to_string(),
                    fingerprint: engine.featurizer().fingerprint(&o.description),
                    district: name_of(o.location.district),
                    street: name_of(o.location.street),
                    community: None,
                    category: o.category.as_ref().map(|c| c.first_level().to_owned()),
                    deepest: o.category.as_ref().map(|c| c.as_str().to_owned()),
                    nature: o.nature.map(|n| n.code().to_owned()),
                    at_ms: Some(o.received_at.timestamp_millis()),
                    repeat_cue: false,
                };
                let sc = score(&candidate, &old, Duration::days(DUPLICATE_WINDOW_DAYS).num_milliseconds());
                if sc > 0.0 {
                    duplicates.push(DuplicateOut { id: old.id, score: sc, description: o.description.chars().take(80).collect() });
                }
            }
        }
        if let Some((batch, _)) = batch
            && let Some(m) = batch.index.check_and_add(candidate)
        {
            duplicates.push(DuplicateOut { id: m.id, score: m.score, description: String::new() });
        }
        duplicates.sort_by(|a, b| b.score.total_cmp(&a.score));
        duplicates.truncate(5);

        // Only the emergency decision makes an urgency `emergency`, so its level says it all.
        let emergency = s.emergency.level != hotline_triage::Level::None;
        // A repeat with nothing new is linked; an emergency (or a possible one) is never held back
        // as a duplicate.
        let duplicate = duplicates.first().filter(|_| !emergency && s.rule.is_none());
        let duplicate_of = duplicate.map(|d| d.id.clone());
        let mut dispositions = s.disposition.clone();
        if let Some(d) = duplicate {
            // Linking leads the one distribution of dispositions, as sure as the match.
            hotline_triage::promote_with(&mut dispositions, "duplicate", d.score.clamp(0.5, 1.0));
        }
        let disposition = dispositions.first().map_or_else(|| "dispatch".into(), |(d, _)| d.clone());
        let alternatives = Alternatives {
            nature: choices("nature", &s.nature),
            category: choices("category", &s.category),
            urgency: choices("urgency", &s.urgency),
            disposition: choices("disposition", &dispositions),
        };
        let (unit, co_units) = match dispatch {
            Some(d) if disposition == "dispatch" => (Some(d.main_unit), d.co_units),
            _ => (None, Vec::new()),
        };
        let street_unit = street_id.and_then(|s| units.get(s)).filter(|u| u.class == UnitClass::Street);
        Ok(TriageOut {
            nature: s.nature.first().map(|(n, _)| n.clone()).unwrap_or_default(),
            category: category_path.first().cloned().unwrap_or_default(),
            category_path,
            urgency: s.urgency.first().map(|(u, _)| u.clone()).unwrap_or_default(),
            disposition,
            district: name_of(district_id),
            street: street_unit.map(|u| u.name.clone()),
            unit,
            co_units,
            confidence: s.confidence(),
            duplicate_of,
            alternatives,
            emergency: self.emergency_out(&s),
            rule: s.rule.map(|r| RuleOut { rule: r.rule.to_owned(), matched: r.matched }),
            place: place_out,
            duplicates,
            model: engine.model.info.version.clone(),
        })
    }
}

impl App {
    fn emergency_out(&self, s: &Suggestion) -> EmergencyOut {
        let e = &s.emergency;
        let situations: Vec<SituationOut> = e
            .situations
            .iter()
            .map(|f| SituationOut {
                code: f.code.to_owned(),
                label_zh: f.zh.to_owned(),
                label_en: f.en.to_owned(),
                matched: f.matched.iter().map(|m| (*m).trim().to_owned()).collect(),
                discounted: f.discounted,
            })
            .collect();
        let (reason_zh, reason_en) = match (&s.rule, situations.iter().find(|f| !f.discounted)) {
            (Some(r), _) if r.urgency == "emergency" => (format!("规则：“{}”", r.matched), format!("rule: “{}”", r.matched)),
            (_, Some(f)) => (format!("{}（{}）", f.label_zh, f.matched.join("、")), format!("{} ({})", f.label_en, f.matched.join(", "))),
            _ if e.level == hotline_triage::Level::None => (String::new(), String::new()),
            _ => (format!("措辞与以往紧急诉求相近（{:.0}%）", e.p * 100.0), format!("worded like past emergencies ({:.0}%)", e.p * 100.0)),
        };
        EmergencyOut {
            level: e.level.code().to_owned(),
            p: e.p,
            reason_zh,
            reason_en,
            situations,
            disposition: e.disposition.clone(),
            category: e.category.clone(),
            category_label_zh: self.label("category", &e.category, true),
            category_label_en: self.label("category", &e.category, false),
        }
    }
}

/// Disposition codes of docs/triage.md.
pub fn disposition_label(code: &str, zh: bool) -> &'static str {
    let (z, e) = match code {
        "dispatch" => ("派单", "Dispatch"),
        "answer" => ("直接答复", "Answer directly"),
        "transfer_110" => ("转110", "Transfer to 110"),
        "transfer_119" => ("转119", "Transfer to 119"),
        "transfer_120" => ("转120", "Transfer to 120"),
        "transfer_122" => ("转122", "Transfer to 122"),
        "redirect" => ("告知其他渠道", "Redirect"),
        "duplicate" => ("重复件并单", "Link duplicate"),
        _ => ("其他", "Other"),
    };
    if zh { z } else { e }
}

/// What the order page offers whoever triages and dispatches an order that arrived without an
/// operator (the citizen's web form, Open311): the intake page's triage suggestions for its text,
/// and the dispatch catalogue's main unit and co-units for its category and place.
#[derive(Debug, Clone, Default)]
pub struct OrderHelp {
    pub triage: Option<TriageOut>,
    pub dispatch: Option<crate::reference::DispatchSuggestion>,
}

impl App {
    /// Suggestions for the order page, when `who` may triage or dispatch `order` now.
    pub async fn order_help(&self, who: &Principal, order: &crate::views::OrderView) -> OrderHelp {
        use hotline_domain::ActionKind;
        let triaging = order.allowed_actions.contains(&ActionKind::Triage);
        let dispatching = order.allowed_actions.contains(&ActionKind::Dispatch);
        if !triaging && !dispatching {
            return OrderHelp::default();
        }
        let text = format!("{} {}", order.location.address, order.description);
        // Suggestions help; their failure (no model loaded) must not take the order page down.
        let triage = match self.triage(Some(who), text.trim(), None, None).await {
            Ok(t) => Some(t),
            Err(e) => {
                tracing::debug!(error = %e, "no triage suggestions for the order page");
                None
            }
        };
        let category = order.category.clone().or_else(|| triage.as_ref().and_then(|t| t.category_path.last().cloned()));
        let place = self.units().resolve_place(&text);
        let district = order
            .location
            .district
            .as_ref()
            .map(|u| hotline_domain::UnitId(u.id))
            .or_else(|| place.as_ref().and_then(|p| p.district.as_ref()).map(|d| d.id));
        let street = order
            .location
            .street
            .as_ref()
            .map(|u| hotline_domain::UnitId(u.id))
            .or_else(|| place.as_ref().and_then(|p| p.street.as_ref()).map(|s| s.id));
        let dispatch = category.and_then(|c| self.suggest_dispatch(&c, district, street));
        OrderHelp { triage, dispatch }
    }
}
