//! Early warning counted from the read model: what a pass counts (every call once, in its place's
//! street and district, in the right span and bin), and a surge planted in the facts found by the
//! same path the server takes (scan, then detect).

use chrono::{DateTime, Duration, Utc};
use hotline_analytics::warning::{self, Regime, Settings, scan};
use hotline_analytics::{Catalog, CategoryInfo, Fact};
use hotline_domain::deadline::WorkCalendar;
use hotline_domain::{Unit, UnitClass, UnitId};

mod common;
use common::{OFFSET, fact, local as at, minute, store_with};

fn unit(id: i64, name: &str, class: UnitClass, parent: Option<i64>) -> Unit {
    Unit { id: UnitId(id), code: format!("u{id}"), name: name.into(), class, parent: parent.map(UnitId) }
}

fn catalog() -> Catalog {
    let units = vec![
        unit(1, "朝阳区", UnitClass::District, None),
        unit(10, "望京街道", UnitClass::Street, Some(1)),
        unit(11, "八里庄街道", UnitClass::Street, Some(1)),
        unit(101, "花家地社区", UnitClass::Community, Some(10)),
    ];
    let cats = ["UTL", "UTL/water", "UTL/water/pipe_burst", "TRF", "TRF/illegal_parking"]
        .map(|c| CategoryInfo { code: c.into(), name_zh: c.into(), name_en: c.into(), keywords: Vec::new() })
        .to_vec();
    Catalog::new(&units, cats, Vec::new())
}

/// Eight weeks of parking calls, a few a day in each street (one in 花家地社区, counted in 望京);
/// `surge` more calls about burst water mains in 望京 in the last half hour before `now`.
fn city(now: DateTime<Utc>, surge: usize) -> Vec<Fact> {
    let mut facts = Vec::new();
    let mut id = 0;
    let mut push = |t: DateTime<Utc>, place: i64, cat: &str| {
        id += 1;
        facts.push(fact(id, t, place, cat));
    };
    for day in (1..=60).rev() {
        for (k, place) in [10, 11, 101, 10, 11].into_iter().enumerate() {
            push(now - Duration::days(day) + Duration::minutes(97 * k as i64), place, "TRF/illegal_parking");
        }
    }
    for i in 0..surge {
        push(now - Duration::minutes(30) + Duration::minutes(2 * i as i64), 101, "UTL/water/pipe_burst");
    }
    facts
}

#[test]
fn a_pass_counts_each_call_once_in_its_street_and_span() {
    let now = at(2026, 7, 20, 15, 0);
    let (_dir, store) = store_with(&city(now, 5));
    let obs = scan::observe(&store, &catalog(), minute(now), OFFSET, &WorkCalendar::default(), Default::default()).expect("observe");
    let recent: u32 = obs.cells.iter().flat_map(|c| c.recent.iter().map(|(_, n)| n)).sum();
    let in_recent =
        city(now, 5).iter().filter(|f| minute(f.received_at) >= obs.spans.recent.0 && minute(f.received_at) <= minute(now)).count();
    assert_eq!(recent as usize, in_recent, "every call of the last two days is in a bin");
    let baseline: u32 = obs.cells.iter().map(|c| c.baseline).sum();
    assert_eq!(baseline, 28 * 5, "five calls a day over the 28 baseline days");
    assert_eq!(obs.city_hours.iter().sum::<u32>() as usize, 56 * 5, "the profile counts the 8 weeks before the recent span");
    let water = obs.cells.iter().find(|c| c.category.as_deref() == Some("UTL/water/pipe_burst")).expect("the water cell");
    assert_eq!((water.district, water.street), (1, Some(10)), "a community's call counts in its street and district");
    assert_eq!(water.recent.iter().map(|(_, n)| n).sum::<u32>(), 5);
    let bins: Vec<u32> = water.recent.iter().map(|(b, _)| *b).collect();
    assert!(bins.windows(2).all(|w| w[0] < w[1]), "sparse bins are sorted and distinct: {bins:?}");
    assert_eq!(obs.spans.recent_bin(minute(now)), Some(obs.spans.recent_bins() - 1));
}

#[test]
fn a_burst_of_water_main_calls_in_one_street_is_found_from_the_read_model() {
    let now = at(2026, 7, 20, 15, 0);
    let (_dir, quiet) = store_with(&city(now, 0));
    let obs = scan::observe(&quiet, &catalog(), minute(now), OFFSET, &WorkCalendar::default(), Default::default()).expect("observe");
    assert!(warning::detect(&obs, &Settings::default()).signals.is_empty(), "nothing happens on an ordinary day");

    let (_dir, surging) = store_with(&city(now, 14));
    let obs = scan::observe(&surging, &catalog(), minute(now), OFFSET, &WorkCalendar::default(), Default::default()).expect("observe");
    let signals = warning::most_specific(warning::detect(&obs, &Settings::default()).signals);
    let first = signals.first().expect("a signal");
    assert_eq!(first.series.street, Some(10), "{signals:?}");
    assert!(first.series.category.as_deref().is_some_and(|c| c.starts_with("UTL")), "{signals:?}");
    assert_eq!(first.observed, 14);
    assert!(first.started >= minute(now) - 40, "it began with the burst: {first:?}");
}

#[test]
fn seasons_are_counted_per_regime_from_the_facts() {
    let now = at(2026, 12, 1, 12, 0);
    let mut facts = Vec::new();
    // Every day for two years: one parking call, and a heating call in the heating season.
    let mut id = 0;
    for day in 1..=720 {
        let t = now - Duration::days(day);
        id += 1;
        facts.push(fact(id, t, 10, "TRF/illegal_parking"));
        if Regime::of((t + Duration::minutes(i64::from(OFFSET))).date_naive()) == Regime::Heating {
            id += 1;
            facts.push(fact(id, t, 10, "UTL/heating/not_warm"));
        }
    }
    let (_dir, store) = store_with(&facts);
    let counts = scan::season_counts(&store, minute(now), OFFSET).expect("seasons");
    let heating = counts.by_category["UTL"];
    assert_eq!(heating[Regime::Flood as usize], 0);
    assert!(heating[Regime::Heating as usize] > 200, "{heating:?}");
    assert_eq!(counts.days.iter().sum::<u64>(), 720 - 1, "each day of the span once (the recent span is left out)");
}
