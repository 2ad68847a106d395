//! One order as the read model keeps it: no names, phones or free text; ids and codes, times as
//! spans from receipt. [`Fact::pack`] turns it into the 20-byte row ([`crate::codes`]).

use chrono::{DateTime, Utc};
use hotline_domain::{AgeGroup, Channel, Nature, Resolution, Satisfaction, State, Urgency};

use crate::Result;
use crate::codes::{self, code, position, status};
use crate::store::{Dicts, Row};

/// What the requester said on callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Callback {
    pub contacted: bool,
    pub resolution: Resolution,
    pub satisfaction: Satisfaction,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    pub order_id: i64,
    pub received_at: DateTime<Utc>,
    pub channel: Channel,
    /// BCP 47 primary subtag (`zh`, `en`, `ar`…).
    pub language: String,
    pub nature: Option<Nature>,
    /// Category path.
    pub category: Option<String>,
    pub urgency: Urgency,
    /// The most specific place known: a community, else the street, else the district (unit id).
    pub place: Option<i64>,
    /// (longitude, latitude) when known.
    pub coords: Option<(f64, f64)>,
    pub age_group: Option<AgeGroup>,
    /// The same phone called within [`REPEAT_WINDOW_DAYS`] before.
    pub repeat_caller: bool,
    /// Linked to an earlier order as its duplicate.
    pub duplicate: bool,
    /// A unit disputed the dispatch at least once.
    pub disputed: bool,
    pub main_unit: Option<i64>,
    /// The knowledge-base article (slug) a consultation was answered from.
    pub article: Option<String>,
    pub state: State,
    pub dispatched_at: Option<DateTime<Utc>>,
    pub contacted_at: Option<DateTime<Utc>>,
    pub replied_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub dispatch_due: Option<DateTime<Utc>>,
    pub contact_due: Option<DateTime<Utc>>,
    pub reply_due: Option<DateTime<Utc>>,
    pub callback: Option<Callback>,
    pub reopen_count: u32,
    /// Left out of assessment by the centre.
    pub excluded: bool,
}

/// How far back an earlier call from the same phone makes a repeat caller.
pub const REPEAT_WINDOW_DAYS: i64 = 90;

fn later(done: Option<DateTime<Utc>>, due: Option<DateTime<Utc>>) -> bool {
    matches!((done, due), (Some(d), Some(due)) if d > due)
}

impl Fact {
    /// The row of this fact (order id − 1), or `None` for an id the read model cannot hold.
    pub fn row_index(&self) -> Option<u64> {
        u64::try_from(self.order_id).ok().and_then(|id| id.checked_sub(1)).filter(|r| *r < u64::from(u32::MAX))
    }

    /// Packs the fact, adding new places, categories, handlers and languages to the dictionaries.
    pub fn pack(&self, dicts: &mut Dicts) -> Result<Row> {
        let received = self.received_at;
        let mut codes = 0u16;
        code::NATURE.put(&mut codes, self.nature.map_or(0, |n| position(Nature::ALL, &n) + 1));
        code::CHANNEL.put(&mut codes, position(Channel::ALL, &self.channel));
        code::AGE.put(&mut codes, self.age_group.map_or(0, |a| position(AgeGroup::ALL, &a) + 1));
        code::URGENCY.put(&mut codes, position(Urgency::ALL, &self.urgency));
        code::LANGUAGE.put(&mut codes, crate::dict::language_slot(&mut dicts.language, &self.language)?);
        code::REPEAT.put(&mut codes, u16::from(self.repeat_caller));
        code::DUPLICATE.put(&mut codes, u16::from(self.duplicate));
        code::DISPUTED.put(&mut codes, u16::from(self.disputed));

        let mut st = 0u16;
        status::STATE.put(&mut st, position(State::ALL, &self.state));
        if let Some(c) = self.callback {
            status::RESOLUTION.put(&mut st, position(Resolution::ALL, &c.resolution) + 1);
            status::SATISFACTION.put(&mut st, position(Satisfaction::ALL, &c.satisfaction) + 1);
            status::CONTACTED.put(&mut st, u16::from(c.contacted));
        }
        status::REOPENS.put(&mut st, u16::try_from(self.reopen_count.min(3)).unwrap_or(3));
        status::EXCLUDED.put(&mut st, u16::from(self.excluded));
        status::LATE_DISPATCH.put(&mut st, u16::from(later(self.dispatched_at, self.dispatch_due)));
        status::LATE_CONTACT.put(&mut st, u16::from(later(self.contacted_at, self.contact_due)));
        status::LATE_REPLY.put(&mut st, u16::from(later(self.replied_at, self.reply_due)));
        status::FROM_ARTICLE.put(&mut st, u16::from(self.main_unit.is_none() && self.article.is_some()));

        let handler = match (self.main_unit, &self.article) {
            (Some(u), _) => dicts.handler.intern(&format!("u{u}"))?,
            (None, Some(a)) => dicts.handler.intern(&format!("a{a}"))?,
            (None, None) => 0,
        };
        // While open, `end` holds the next due time: the dispatch's before dispatch, the reply's
        // while the unit has the order (an order replied and waiting for its callback owes nothing).
        let end = if self.state.is_terminal() {
            codes::tenths(received, self.closed_at)
        } else if self.dispatched_at.is_none() {
            codes::tenths_due(received, self.dispatch_due)
        } else if self.replied_at.is_none() || self.state.is_with_unit() {
            codes::tenths_due(received, self.reply_due)
        } else {
            0
        };
        Ok(Row {
            time: codes::time_of(received),
            place: match self.place {
                Some(p) => dicts.place.intern(&p.to_string())?,
                None => 0,
            },
            category: match &self.category {
                Some(c) => dicts.category.intern(c)?,
                None => 0,
            },
            handler,
            codes,
            status: st,
            dispatch: codes::log_span(received, self.dispatched_at),
            contact: codes::log_span(received, self.contacted_at),
            reply: codes::tenths(received, self.replied_at),
            end,
        })
    }
}
