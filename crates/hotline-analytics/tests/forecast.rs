//! Forecasts counted from the read model: complete local weeks from Monday to Sunday, each order in
//! its district's series and the city's, by first-level category and in total; then the model fitted
//! on those counts answers eight weeks for every series.

use chrono::{Datelike, NaiveDate};
use hotline_analytics::forecast::{self, SeriesKey, Settings};
use hotline_analytics::{Catalog, CategoryInfo};
use hotline_domain::deadline::WorkCalendar;
use hotline_domain::{Unit, UnitClass, UnitId};

mod common;
use common::{OFFSET, fact, local as at, minute, store_with};

fn unit(id: i64, class: UnitClass, parent: Option<i64>) -> Unit {
    Unit { id: UnitId(id), code: format!("u{id}"), name: format!("unit {id}"), class, parent: parent.map(UnitId) }
}

fn catalog() -> Catalog {
    let units = vec![
        unit(1, UnitClass::District, None),
        unit(10, UnitClass::Street, Some(1)),
        unit(101, UnitClass::Community, Some(10)),
        unit(2, UnitClass::District, None),
        unit(20, UnitClass::Street, Some(2)),
    ];
    let cats = ["UTL", "UTL/water", "TRF", "TRF/illegal_parking"]
        .map(|c| CategoryInfo { code: c.into(), name_zh: c.into(), name_en: c.into(), keywords: Vec::new() })
        .to_vec();
    Catalog::new(&units, cats, Vec::new())
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

#[test]
fn weeks_run_monday_to_sunday_in_local_time_and_only_complete_weeks_count() {
    let facts = [
        // The read model begins on a Wednesday: that week is not whole, so it is not counted.
        fact(1, at(2026, 2, 18, 9, 0), 101, "UTL/water"),
        fact(2, at(2026, 3, 1, 23, 59), 101, "UTL/water"), // Sunday night: the week of 23 February
        fact(3, at(2026, 3, 2, 0, 5), 10, "UTL/water"),    // Monday just after midnight: the week of 2 March
        fact(4, at(2026, 3, 8, 23, 30), 20, "TRF/illegal_parking"),
        fact(5, at(2026, 3, 4, 12, 0), 999, "TRF/illegal_parking"), // a place outside the tree: the city's only
        fact(6, at(2026, 3, 5, 12, 0), 101, "XYZ/unknown"),         // a category outside the tree: totals only
        fact(7, at(2026, 3, 9, 0, 10), 101, "UTL/water"),           // this week: not complete
    ];
    let (_dir, store) = store_with(&facts);
    let now = minute(at(2026, 3, 11, 10, 0));
    let w = forecast::scan::weekly(&store, &catalog(), now, OFFSET, forecast::scan::MAX_WEEKS).expect("counted");
    assert_eq!((w.first_week, w.weeks), (date(2026, 2, 23), 2));
    let cases: [(Option<i64>, Option<&str>, [u32; 2]); 8] = [
        (None, None, [1, 4]),
        (None, Some("UTL"), [1, 1]),
        (None, Some("TRF"), [0, 2]),
        (Some(1), None, [1, 2]),
        (Some(1), Some("UTL"), [1, 1]),
        (Some(2), None, [0, 1]),
        (Some(2), Some("TRF"), [0, 1]),
        (Some(1), Some("TRF"), [0, 0]),
    ];
    for (district, category, expected) in cases {
        let got = w.series.get(&SeriesKey::new(district, category)).map_or([0, 0], |v| [v[0], v[1]]);
        assert_eq!(got, expected, "{district:?} × {category:?}");
    }
    assert!(!w.series.keys().any(|k| k.category.as_deref() == Some("XYZ")), "unknown categories make no series");
}

#[test]
fn counted_weeks_are_forecast_eight_weeks_ahead_for_every_series() {
    // Twelve weeks of calls: 3 a week in district 1 (UTL), 2 in district 2 (TRF).
    let mut facts = Vec::new();
    let mut id = 0;
    for week in 0..12 {
        for k in 0..5 {
            id += 1;
            let day = date(2026, 1, 5) + chrono::Duration::days(week * 7 + k);
            let t = at(day.year(), day.month(), day.day(), 10, 0);
            facts.push(fact(id, t, if k < 3 { 101 } else { 20 }, if k < 3 { "UTL/water" } else { "TRF/illegal_parking" }));
        }
    }
    let (_dir, store) = store_with(&facts);
    let now = minute(at(2026, 3, 31, 9, 0));
    let w = forecast::scan::weekly(&store, &catalog(), now, OFFSET, forecast::scan::MAX_WEEKS).expect("counted");
    assert_eq!(w.weeks, 12);
    let f = forecast::fit(&w, &WorkCalendar::default(), &Settings::default());
    assert_eq!(f.origin, date(2026, 3, 30));
    let d1 = f.get(&SeriesKey::new(Some(1), Some("UTL"))).expect("district 1 × UTL");
    assert_eq!(d1.weeks.len(), 8);
    assert!(d1.weeks.iter().all(|x| (x.forecast - 3.0).abs() < 0.5 && x.lower95 <= x.forecast && x.upper95 >= x.forecast), "{d1:?}");
    assert!(f.get(&SeriesKey::new(None, None)).is_some_and(|s| (s.weeks[0].forecast - 5.0).abs() < 0.5));
}
