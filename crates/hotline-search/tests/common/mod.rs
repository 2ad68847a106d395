//! What the search tests share: an order document and a feed state.

use hotline_search::{FeedState, OrderDoc, SCHEMA_VERSION};

pub fn order(id: i64, description: &str) -> OrderDoc {
    OrderDoc {
        id,
        number: format!("20261201{id:04}"),
        state: "dispatched".into(),
        nature: Some("complaint".into()),
        category: Some("TRF/parking/illegal".into()),
        district: Some(1),
        street: Some(10),
        main_unit: Some(10),
        units: vec![10, 1],
        received_at_ms: 1_000 * id,
        channel: "phone".into(),
        age_group: None,
        language: "zh".into(),
        description: description.into(),
        address: String::new(),
        reply: String::new(),
    }
}

pub fn state(cursor: i64) -> FeedState {
    FeedState { schema: SCHEMA_VERSION, store_id: "test".into(), cursor, ..FeedState::default() }
}
