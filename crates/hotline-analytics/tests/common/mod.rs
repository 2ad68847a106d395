//! What the read-model tests share: Beijing local times, a plain closed complaint as a fact, and a
//! read model on disk holding given facts.

#![allow(dead_code)] // each test crate uses its part

use chrono::{DateTime, TimeZone, Utc};
use hotline_analytics::{Fact, FactStore, codes};
use hotline_domain::{Channel, Nature, State, Urgency};

/// Beijing's offset from UTC, in minutes.
pub const OFFSET: i32 = 8 * 60;

/// A local (Beijing) time.
pub fn local(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    chrono::FixedOffset::east_opt(OFFSET * 60)
        .expect("offset")
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .expect("valid")
        .with_timezone(&Utc)
}

/// A closed complaint by phone in `category` at `place`, with nothing else known.
pub fn fact(id: i64, received: DateTime<Utc>, place: i64, category: &str) -> Fact {
    Fact {
        order_id: id,
        received_at: received,
        channel: Channel::Phone,
        language: "zh".into(),
        nature: Some(Nature::Complaint),
        category: Some(category.into()),
        urgency: Urgency::General,
        place: Some(place),
        coords: None,
        age_group: None,
        repeat_caller: false,
        duplicate: false,
        disputed: false,
        main_unit: None,
        article: None,
        state: State::Closed,
        dispatched_at: None,
        contacted_at: None,
        replied_at: None,
        closed_at: None,
        dispatch_due: None,
        contact_due: None,
        reply_due: None,
        callback: None,
        reopen_count: 0,
        excluded: false,
    }
}

/// A read model in a temporary directory holding `facts`.
pub fn store_with(facts: &[Fact]) -> (tempfile::TempDir, FactStore) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, _) = FactStore::open(dir.path()).expect("open");
    let mut rows = Vec::new();
    {
        let mut dicts = store.dicts_mut();
        for f in facts {
            rows.push((f.row_index().expect("row"), f.pack(&mut dicts).expect("pack")));
        }
    }
    store.write(&mut rows).expect("write");
    (dir, store)
}

/// The read model's minute of `t`.
pub fn minute(t: DateTime<Utc>) -> i64 {
    i64::from(codes::time_of(t)) - 1
}
