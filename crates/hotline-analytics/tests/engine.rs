//! The query engine over a small read model whose every figure is known by hand.

use std::collections::HashSet;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use hotline_analytics::{Callback, Catalog, CategoryInfo, Compare, Context, Dimension, Fact, FactStore, Measure, Query, answer};
use hotline_domain::{AgeGroup, Resolution, Satisfaction, State, Unit, UnitClass, UnitId};

mod common;
use common::{OFFSET, store_with};

fn unit(id: i64, code: &str, name: &str, class: UnitClass, parent: Option<i64>) -> Unit {
    Unit { id: UnitId(id), code: code.into(), name: name.into(), class, parent: parent.map(UnitId) }
}

fn category(code: &str) -> CategoryInfo {
    CategoryInfo { code: code.into(), name_zh: code.into(), name_en: code.into(), keywords: Vec::new() }
}

fn catalog() -> Catalog {
    let units = vec![
        unit(1, "110105", "朝阳区", UnitClass::District, None),
        unit(2, "110108", "海淀区", UnitClass::District, None),
        unit(10, "110105001", "望京街道", UnitClass::Street, Some(1)),
        unit(11, "110105002", "八里庄街道", UnitClass::Street, Some(1)),
        unit(20, "110108001", "海淀街道", UnitClass::Street, Some(2)),
        unit(101, "110105001001", "花家地社区", UnitClass::Community, Some(10)),
        unit(500, "U-HEAT", "北京市热力集团", UnitClass::Utility, None),
        unit(501, "D-JTW", "市交通委", UnitClass::Department, None),
    ];
    let cats = ["UTL", "UTL/heating", "UTL/heating/not_warm", "TRF", "TRF/illegal_parking"].map(category).to_vec();
    Catalog::new(&units, cats, vec![("heating-season".into(), "供暖季".into())])
}

/// Local (+08:00) time on a day.
fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    common::local(y, m, d, h, 0)
}

fn fact(id: i64, received: DateTime<Utc>, place: i64, category: &str) -> Fact {
    Fact { main_unit: Some(500), dispatched_at: Some(received + Duration::minutes(10)), ..common::fact(id, received, place, category) }
}

fn now() -> DateTime<Utc> {
    at(2026, 12, 7, 10)
}

fn ctx() -> Context {
    Context::new(now(), OFFSET)
}

fn day(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn rows(store: &FactStore, q: &Query, ctx: &Context) -> Vec<(Vec<Option<String>>, Option<f64>)> {
    answer(store, &catalog(), q, ctx).expect("answer").rows.into_iter().map(|r| (r.keys, r.value)).collect()
}

fn s(v: &str) -> Option<String> {
    Some(v.to_owned())
}

/// November: 3 in 望京 (one at 23:30 local on Nov 30 is still November), 2 in 八里庄, 1 in 海淀,
/// one in 花家地社区 (望京). December: 2 in 海淀.
fn november() -> Vec<Fact> {
    let mut late = fact(3, at(2026, 11, 30, 23) + Duration::minutes(30), 10, "UTL/heating/not_warm");
    late.age_group = Some(AgeGroup::Senior);
    vec![
        fact(1, at(2026, 11, 2, 9), 10, "UTL/heating"),
        fact(2, at(2026, 11, 3, 9), 10, "UTL/heating/not_warm"),
        late,
        fact(4, at(2026, 11, 5, 9), 11, "TRF/illegal_parking"),
        fact(5, at(2026, 11, 6, 9), 11, "UTL/heating"),
        fact(6, at(2026, 11, 7, 9), 20, "TRF/illegal_parking"),
        fact(7, at(2026, 11, 8, 9), 101, "TRF"),
        fact(9, at(2026, 12, 1, 0), 20, "UTL/heating"),
        fact(10, at(2026, 12, 2, 9), 20, "UTL/heating"),
    ]
}

fn last_month(measure: Measure, group_by: Vec<Dimension>) -> Query {
    let mut q = Query { measure, group_by, ..Query::default() };
    q.filters.from = day(2026, 11, 1);
    q.filters.to = day(2026, 12, 1);
    q
}

#[test]
fn counts_by_district_street_and_category_level_in_local_months() {
    let (_d, store) = store_with(&november());
    let q = last_month(Measure::Count, vec![Dimension::District]);
    assert_eq!(rows(&store, &q, &ctx()), vec![(vec![s("朝阳区")], Some(6.0)), (vec![s("海淀区")], Some(1.0))]);
    let q = Query { limit: Some(1), ..last_month(Measure::Count, vec![Dimension::Street]) };
    assert_eq!(rows(&store, &q, &ctx()), vec![(vec![s("望京街道")], Some(4.0))]);
    let q = last_month(Measure::Count, vec![Dimension::CategoryL2]);
    assert_eq!(
        rows(&store, &q, &ctx()),
        vec![(vec![s("UTL/heating")], Some(4.0)), (vec![s("TRF/illegal_parking")], Some(2.0)), (vec![None], Some(1.0))],
        "an order filed at the first level has no second level and is listed last"
    );
}

#[test]
fn filters_narrow_by_place_category_prefix_age_and_unit() {
    let (_d, store) = store_with(&november());
    let mut q = last_month(Measure::Count, Vec::new());
    q.filters.street = vec!["望京街道".into()];
    q.filters.category = vec!["UTL/heating".into()];
    assert_eq!(rows(&store, &q, &ctx()), vec![(vec![], Some(3.0))]);
    q.filters.age_group = vec![AgeGroup::Senior];
    assert_eq!(rows(&store, &q, &ctx()), vec![(vec![], Some(1.0))]);
    let mut q = last_month(Measure::Count, Vec::new());
    q.filters.unit = vec!["D-JTW".into()];
    assert_eq!(rows(&store, &q, &ctx()), vec![(vec![], Some(0.0))]);
    q.filters.unit = vec!["U-HEAT".into()];
    q.filters.district = vec!["海淀区".into()];
    assert_eq!(rows(&store, &q, &ctx()), vec![(vec![], Some(1.0))]);
}

#[test]
fn unknown_names_are_a_clear_error() {
    let (_d, store) = store_with(&november());
    let mut q = last_month(Measure::Count, Vec::new());
    q.filters.district = vec!["火星区".into()];
    let err = answer(&store, &catalog(), &q, &ctx()).expect_err("refused");
    assert!(matches!(err, hotline_analytics::AnalyticsError::Query(ref v) if v.code == "unknown_district"), "{err}");
    let mut q = last_month(Measure::Count, Vec::new());
    q.filters.category = vec!["UTL/nothing".into()];
    assert!(
        matches!(answer(&store, &catalog(), &q, &ctx()), Err(hotline_analytics::AnalyticsError::Query(v)) if v.code == "unknown_category")
    );
}

#[test]
fn rates_follow_the_assessment_definitions() {
    let mut facts = november();
    let cb = |contacted, resolution, satisfaction| Some(Callback { contacted, resolution, satisfaction });
    facts[0].callback = cb(true, Resolution::Resolved, Satisfaction::Satisfied);
    facts[1].callback = cb(true, Resolution::Partly, Satisfaction::Basic);
    facts[2].callback = cb(false, Resolution::Unresolved, Satisfaction::Unsatisfied);
    facts[3].callback = cb(true, Resolution::Resolved, Satisfaction::Satisfied);
    facts[3].excluded = true;
    let (_d, store) = store_with(&facts);
    let value = |m| rows(&store, &last_month(m, Vec::new()), &ctx())[0].1;
    assert_eq!(value(Measure::ResponseRate), Some(2.0 / 3.0));
    assert_eq!(value(Measure::ResolutionRate), Some(1.5 / 3.0));
    assert_eq!(value(Measure::SatisfactionRate), Some(2.0 / 3.0));
    let strict = Context { basically_satisfied: 0.0, ..ctx() };
    assert_eq!(rows(&store, &last_month(Measure::SatisfactionRate, Vec::new()), &strict)[0].1, Some(1.0 / 3.0));
    let mut q = last_month(Measure::SatisfactionRate, Vec::new());
    q.filters.district = vec!["海淀区".into()];
    assert_eq!(rows(&store, &q, &ctx())[0].1, None, "no evaluated order: no rate");
}

#[test]
fn reply_time_medians_interpolate_and_overdue_counts_late_and_open_orders() {
    let mut facts = november();
    for (f, hours) in facts.iter_mut().zip([2, 4, 6, 30]) {
        f.replied_at = Some(f.received_at + Duration::hours(hours));
    }
    facts[1].reply_due = Some(facts[1].received_at + Duration::hours(3));
    facts[5].state = State::Signed;
    facts[5].reply_due = Some(at(2026, 12, 1, 0));
    facts[6].state = State::Signed;
    facts[6].reply_due = Some(at(2026, 12, 31, 0));
    let (_d, store) = store_with(&facts);
    let value = |m| rows(&store, &last_month(m, Vec::new()), &ctx())[0].1;
    assert_eq!(value(Measure::MedianReplyHours), Some(5.0));
    let p90 = value(Measure::P90ReplyHours).expect("p90");
    assert!((p90 - (6.0 + 0.7 * 24.0)).abs() < 1e-9, "{p90}");
    assert_eq!(value(Measure::OverdueCount), Some(2.0), "one replied late, one open past due");
    assert_eq!(value(Measure::OverdueNow), Some(1.0));
}

#[test]
fn a_trend_lists_every_day_of_the_range_with_zeros() {
    let (_d, store) = store_with(&november());
    let mut q = Query { group_by: vec![Dimension::Day], ..Query::default() };
    q.filters.from = day(2026, 11, 29);
    q.filters.to = day(2026, 12, 3);
    let got = rows(&store, &q, &ctx());
    assert_eq!(
        got,
        vec![
            (vec![s("2026-11-29")], Some(0.0)),
            (vec![s("2026-11-30")], Some(1.0)),
            (vec![s("2026-12-01")], Some(1.0)),
            (vec![s("2026-12-02")], Some(1.0)),
        ]
    );
    let q = Query { group_by: vec![Dimension::Month], ..Query::default() };
    assert_eq!(rows(&store, &q, &ctx()), vec![(vec![s("2026-11")], Some(7.0)), (vec![s("2026-12")], Some(2.0))]);
    let mut q = Query { group_by: vec![Dimension::Week], ..Query::default() };
    q.filters.from = day(2026, 11, 23);
    q.filters.to = day(2026, 12, 7);
    assert_eq!(rows(&store, &q, &ctx()), vec![(vec![s("2026-11-23")], Some(0.0)), (vec![s("2026-11-30")], Some(3.0))]);
}

#[test]
fn comparisons_set_the_running_period_against_the_same_span_before() {
    let mut facts = november();
    // A year earlier: two orders in the first week of December 2025, one later that month.
    facts.push(fact(20, at(2025, 12, 2, 9), 20, "UTL/heating"));
    facts.push(fact(21, at(2025, 12, 3, 9), 20, "UTL/heating"));
    facts.push(fact(22, at(2025, 12, 20, 9), 20, "UTL/heating"));
    let (_d, store) = store_with(&facts);
    let mut q = Query { compare: Some(Compare::SamePeriodLastYear), ..Query::default() };
    q.filters.from = day(2026, 12, 1);
    q.filters.to = day(2027, 1, 1);
    let a = answer(&store, &catalog(), &q, &ctx()).expect("answer");
    assert_eq!((a.rows[0].value, a.rows[0].previous), (Some(2.0), Some(2.0)), "December to date against 1–7 December 2025");
    let json = a.rows[0].to_json(&q);
    assert_eq!((json["change"].as_i64(), json["change_ratio"].as_f64()), (Some(0), Some(0.0)));
    let mut q = last_month(Measure::Count, vec![Dimension::District]);
    q.compare = Some(Compare::PreviousPeriod);
    let a = answer(&store, &catalog(), &q, &ctx()).expect("answer");
    assert_eq!(a.rows[0].previous, Some(0.0), "nothing in October");
}

#[test]
fn small_cells_are_suppressed_and_units_see_only_their_orders() {
    let mut facts = november();
    facts[0].main_unit = Some(501);
    let (_d, store) = store_with(&facts);
    let outside = Context { suppress_below: Some(10), ..ctx() };
    let a = answer(&store, &catalog(), &last_month(Measure::Count, vec![Dimension::District]), &outside).expect("answer");
    assert!(a.rows.iter().all(|r| r.suppressed && r.value.is_none()));
    assert_eq!(a.rows[0].to_json(&a.query)["orders"], serde_json::Value::Null);
    let unit = Context { visible_units: Some(HashSet::from([501])), ..ctx() };
    assert_eq!(rows(&store, &last_month(Measure::Count, Vec::new()), &unit), vec![(vec![], Some(1.0))]);
}

#[test]
fn a_moved_order_is_counted_once_in_its_new_state() {
    let mut facts = november();
    let (_d, store) = store_with(&facts);
    facts[0].state = State::Signed;
    facts[0].reply_due = Some(at(2026, 11, 3, 0));
    let row = { facts[0].pack(&mut store.dicts_mut()).expect("pack") };
    store.write(&mut [(0, row)]).expect("rewrite");
    let value = |m| rows(&store, &last_month(m, Vec::new()), &ctx())[0].1;
    assert_eq!((value(Measure::Count), value(Measure::OverdueNow)), (Some(7.0), Some(1.0)));
}
