//! The files an administrator imports: history (`hotline import-history`, JSON Lines, each line
//! checked by `HistoryContext::order`), the category tree and the dispatch catalogue (CSV, the admin
//! pages and `hotline categories` / `dispatch-rules`), and units (CSV, `hotline import-units`). Any
//! content is refused or taken without panicking; what is taken can be stored, and a set written
//! back out as CSV reads back the same.

use std::collections::HashMap;

use hotline_app::reference::{
    DivisionLists, categories_from_csv, categories_to_csv, dispatch_rules_to_csv, units_from_csv, units_from_unit_csv,
};
use hotline_app::{AppError, catalogue::check_tree};
use hotline_domain::{FIRST_LEVEL_CATEGORIES, UnitClass, UnitId};
use hotline_store::Category;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

use crate::common::{World, corpus, mostly, nasty_text, run, text};

// ---------- history lines ----------

/// RFC 3339 times around the world's clock, at the edges of what parses, and broken ones.
fn history_time() -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        3 => (2019..2027i32, 1..13u32, 1..29u32, 0..24u32, 0..60u32, prop::sample::select(vec!["+08:00", "Z", "-12:00", "+14:00", "+23:59"]))
            .prop_map(|(y, mo, d, h, mi, z)| format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:00{z}")),
        1 => prop::sample::select(vec![
            "0000-01-01T00:00:00Z", "0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59", "2026-03-02T10:00:00.999999999+08:00",
            "2026-02-29T00:00:00Z", "2024-02-29T00:00:00Z", "2026-03-02T23:59:60Z", "2026-03-02 10:00:00+08:00", "2026-03-02T10:00:00",
            "2026-13-01T00:00:00Z", "", " ", "now",
        ]).prop_map(str::to_owned),
        1 => nasty_text(30),
    ]
}

/// A history line: every field of the documented format, mostly valid values, sometimes arbitrary
/// ones, wrong JSON types, missing fields or an unknown one.
fn history_line() -> impl Strategy<Value = String> {
    let value = |s: BoxedStrategy<String>| prop_oneof![8 => s.prop_map(Value::String), 1 => Just(Value::Null), 1 => any::<i64>().prop_map(|n| json!(n)), 1 => Just(json!([]))];
    let opt_time = prop::option::of(history_time());
    let fields = (
        (
            value(history_time().boxed()),
            value(mostly(vec!["phone", "web", "app", "wechat", "open311", "12345"], 10).boxed()),
            value(prop_oneof![3 => "[\\u4e00-\\u9fff]{2,30}".boxed(), 1 => nasty_text(300).boxed()].boxed()),
            value(mostly(vec!["complaint", "consult", "help", "report", "suggestion", "praise"], 10).boxed()),
            value(mostly(vec!["UTL/heating/not_warm", "TRF/illegal_parking", "UTL", "EMG/gas_leak", "XXX/a"], 20).boxed()),
            value(mostly(vec!["general", "utility24h", "emergency", "complex"], 10).boxed()),
        ),
        (
            prop::option::of(mostly(vec!["朝阳区", "海淀区", "东城区", ""], 10)),
            prop::option::of(mostly(vec!["望京街道", "中关村街道", "和平里街道", "八角街道"], 10)),
            prop::option::of(mostly(vec!["南湖东园社区居委会", "知春里西社区居委会", "花园社区居委会"], 10)),
            prop::option::of(mostly(vec!["110105026", "110108011", "U-HEAT", "110105", "110105026001"], 12)),
            prop::option::of(mostly(vec!["closed", "replied", "dispatched", "evaluated", "answered_directly", "triaged", "received"], 12)),
            prop::option::of(mostly(vec!["minor", "adult", "senior"], 6)),
            prop::option::of(mostly(vec!["zh", "en", "EN", "zzz"], 6)),
        ),
        (opt_time.clone(), opt_time.clone(), opt_time.clone(), opt_time),
        prop::option::of((
            any::<bool>(),
            mostly(vec!["resolved", "unresolved"], 8),
            mostly(vec!["satisfied", "basically_satisfied", "dissatisfied"], 8),
        )),
        prop::option::of(nasty_text(30)),
        prop::collection::vec(
            prop::sample::select(vec!["received_at", "channel", "text", "nature", "category", "urgency", "district", "street"]),
            0..2,
        ),
        any::<bool>(),
    );
    fields.prop_map(|((received, channel, text, nature, category, urgency), places, times, callback, number, dropped, unknown)| {
        let (district, street, community, unit, state, age, language) = places;
        let mut m = Map::new();
        for (k, v) in [
            ("received_at", received),
            ("channel", channel),
            ("text", text),
            ("nature", nature),
            ("category", category),
            ("urgency", urgency),
        ] {
            m.insert(k.into(), v);
        }
        let mut opt = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                m.insert(k.into(), Value::String(v));
            }
        };
        opt("district", district);
        opt("street", street);
        opt("community", community);
        opt("unit", unit);
        opt("state", state);
        opt("age_group", age);
        opt("language", language);
        opt("dispatched_at", times.0);
        opt("first_contact_at", times.1);
        opt("replied_at", times.2);
        opt("closed_at", times.3);
        opt("number", number);
        if let Some((contacted, resolution, satisfaction)) = callback {
            m.insert("callback".into(), json!({ "contacted": contacted, "resolution": resolution, "satisfaction": satisfaction }));
        }
        for d in dropped {
            m.remove(d);
        }
        if unknown {
            m.insert("phone".into(), json!("13812345678"));
        }
        Value::Object(m).to_string()
    })
}

#[test]
fn history_lines_are_refused_or_stored() {
    let world = World::new();
    let ctx = world.rt.block_on(world.app.history_context("fuzz.jsonl")).expect("a history context");
    let stored = std::sync::atomic::AtomicU64::new(0);
    // Each accepted line is stored on its own, under a progress key of its own.
    let check = |line_no: u64, raw: &str| -> Result<(), TestCaseError> {
        let Ok(row) = ctx.order(line_no, raw) else { return Ok(()) };
        prop_assert_eq!(row.events.len(), 1);
        prop_assert_eq!(row.events[0].to, row.order.state);
        let n = stored.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let saved = world.rt.block_on(world.app.store_history(std::slice::from_ref(&row), &format!("fuzz-{n}"), line_no));
        prop_assert!(matches!(saved, Ok(1)), "an accepted line is not stored: {saved:?}\n{raw}");
        Ok(())
    };
    for (name, bytes) in corpus("history") {
        for (i, line) in text(&bytes).lines().enumerate() {
            check(i as u64 + 1, line).unwrap_or_else(|e| panic!("corpus {name} line {}: {e}", i + 1));
        }
    }
    run(256, nasty_text(200), |raw| check(1, &raw));
    run(512, history_line(), |raw| check(1, &raw));
    assert!(stored.load(std::sync::atomic::Ordering::SeqCst) > 0, "no generated line was accepted: the generator misses the format");
}

// ---------- CSV ----------

/// A CSV field, always quoted (the arbitrary text may hold commas, quotes and line breaks).
fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// A category tree: the fixed first level, then children with arbitrary names, urgencies,
/// descriptions and keywords, sometimes a broken code or a missing parent.
fn category_csv() -> impl Strategy<Value = String> {
    let first: Vec<&'static str> = FIRST_LEVEL_CATEGORIES.iter().map(|(c, _, _)| *c).collect();
    let child = (
        prop::sample::select(first.clone()),
        prop::collection::vec(prop_oneof![4 => "[a-z_][a-z0-9_-]{0,8}", 1 => nasty_text(6)], 1..3),
        nasty_text(20),
        nasty_text(20),
        mostly(vec!["general", "utility24h", "emergency", "complex"], 8),
        nasty_text(40),
        prop::collection::vec(nasty_text(8), 0..5),
    );
    (prop::collection::vec(child, 0..12), any::<bool>()).prop_map(move |(children, with_first)| {
        let mut out = String::from("code,name_zh,name_en,default_urgency,description_zh,keywords\n");
        if with_first {
            for (code, zh, en) in FIRST_LEVEL_CATEGORIES {
                out.push_str(&format!("{code},{zh},{},general,,\n", quoted(en)));
            }
        }
        for (top, path, zh, en, urgency, description, keywords) in children {
            // Each level of the path in turn, so most children have their parents.
            let mut code = top.to_owned();
            for p in path {
                code = format!("{code}/{p}");
                let row = [&code, &zh, &en, &urgency, &description, &keywords.join("|")].map(|f| quoted(f)).join(",");
                out.push_str(&row);
                out.push('\n');
            }
        }
        out
    })
}

/// A category CSV: refused or a tree, and a tree written back out reads back the same.
fn check_categories(csv: &str) -> Result<(), TestCaseError> {
    let Ok(cats) = categories_from_csv(csv) else { return Ok(()) };
    let Ok(tree) = check_tree(&cats) else { return Ok(()) };
    let again = categories_from_csv(&categories_to_csv(&tree)).map_err(|e| TestCaseError::fail(format!("written back, refused: {e}")))?;
    let again = check_tree(&again).map_err(|e| TestCaseError::fail(format!("written back, refused: {e}")))?;
    let mut sorted: Vec<Category> = tree;
    sorted.sort_by(|a, b| a.code.cmp(&b.code));
    prop_assert_eq!(again, sorted);
    Ok(())
}

#[test]
fn category_csv_is_refused_or_reads_back_the_same() {
    for (name, bytes) in corpus("categories_csv") {
        check_categories(&text(&bytes)).unwrap_or_else(|e| panic!("corpus {name}: {e}"));
    }
    run(256, nasty_text(300), |csv| check_categories(&csv));
    run(256, category_csv(), |csv| check_categories(&csv));
}

/// A unit CSV in the import format, with codes from a small set (some of them shipped units, so
/// an import changes the tree it joins) and parents among them.
fn unit_csv() -> impl Strategy<Value = String> {
    let codes = vec!["110105", "110105026", "110105026001", "U-HEAT", "C-12345", "X1", "X2", "X3", ""];
    let row = (
        mostly(codes.clone(), 10),
        nasty_text(20),
        mostly(vec!["centre", "district", "street", "department", "utility", "community"], 8),
        prop::option::of(mostly(codes, 10)),
    );
    prop::collection::vec(row, 0..6).prop_map(|rows| {
        let mut out = String::from("code,name,class,parent_code\n");
        for (code, name, class, parent) in rows {
            out.push_str(&[code, name, class, parent.unwrap_or_default()].map(|f| quoted(&f)).join(","));
            out.push('\n');
        }
        out
    })
}

/// Parsed units are bounded and classed.
fn check_parsed_units(units: &[hotline_store::NewUnit]) -> Result<(), TestCaseError> {
    for u in units {
        prop_assert!(!u.code.is_empty() && !u.name.is_empty(), "{u:?}");
        prop_assert!(u.code.chars().count() <= 40 && u.name.chars().count() <= 100, "{u:?}");
    }
    Ok(())
}

/// Every unit's chain of parents ends (no unit is its own ancestor), walked with a bound so a cycle
/// fails instead of hanging.
fn check_tree_ends(world: &World) -> Result<(), TestCaseError> {
    let units = world.app.units();
    let parent: HashMap<UnitId, Option<UnitId>> = units.all().iter().map(|u| (u.id, u.parent)).collect();
    for u in units.all() {
        let mut cur = u.parent;
        let mut steps = 0;
        while let Some(p) = cur {
            steps += 1;
            prop_assert!(steps <= parent.len(), "unit {} ({}) is its own ancestor", u.code, u.name);
            cur = parent.get(&p).copied().flatten();
        }
    }
    Ok(())
}

#[test]
fn unit_csv_is_refused_or_imported_into_a_tree() {
    let world = World::new();
    let imported = std::sync::atomic::AtomicU64::new(0);
    let check = |csv: &str| -> Result<(), TestCaseError> {
        let _ = units_from_csv(&DivisionLists { districts: csv, streets: csv, communities: csv }, csv);
        let Ok(units) = units_from_unit_csv(csv) else { return Ok(()) };
        check_parsed_units(&units)?;
        if units.is_empty() {
            // Text of one line is a header and no units: nothing to import (a reload costs).
            return Ok(());
        }
        match world.rt.block_on(world.app.import_units(None, &units)) {
            Ok(()) => {
                imported.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                // The last row of a code is what the unit becomes.
                let last: HashMap<&str, &hotline_store::NewUnit> = units.iter().map(|u| (u.code.as_str(), u)).collect();
                let dir = world.app.units();
                for u in last.values() {
                    let found = dir.by_code(&u.code).map(|x| (x.name.as_str(), x.class));
                    prop_assert_eq!(found, Some((u.name.as_str(), u.class)), "{} after import", u.code);
                }
            }
            // A parent that is not there is the file's fault, told as such.
            Err(AppError::Validation(_) | AppError::NotFound { .. }) => {}
            Err(e) => return Err(TestCaseError::fail(format!("an import refused as a failure: {e:?}\n{csv}"))),
        }
        check_tree_ends(&world)
    };
    for (name, bytes) in corpus("units_csv") {
        check(&text(&bytes)).unwrap_or_else(|e| panic!("corpus {name}: {e}"));
    }
    run(128, nasty_text(200), |csv| check(&csv));
    // Each import that goes through reloads the whole unit tree (the gazetteer too): fewer cases.
    run(64, unit_csv(), |csv| check(&csv));
    assert!(imported.load(std::sync::atomic::Ordering::SeqCst) > 0, "no generated file was imported: the generator misses the format");
    // The shipped tree is still whole: its districts still resolve.
    assert!(world.app.units().all().iter().any(|u| u.class == UnitClass::District));
}

/// A dispatch catalogue with real categories and units, arbitrary targets and co-units sometimes.
fn dispatch_csv() -> impl Strategy<Value = String> {
    let row = (
        mostly(vec!["UTL", "UTL/heating", "UTL/heating/not_warm", "TRF/illegal_parking", "MKT", "EMG", "XXX"], 20),
        mostly(vec!["", "110105", "110108", "999"], 8),
        mostly(vec!["street", "district", "district:SCJG", "district:", "U-HEAT", "D-ZJW", "nobody"], 12),
        prop::collection::vec(mostly(vec!["street", "district", "district:SCJG", "U-HEAT", "D-SCJG", "nobody"], 8), 0..3),
        mostly(vec!["", "general", "utility24h", "emergency", "complex"], 8),
    );
    prop::collection::vec(row, 0..8).prop_map(|rows| {
        let mut out = String::from("category,district,target,co_units,deadline_class\n");
        for (category, district, target, co, deadline) in rows {
            out.push_str(&[category, district, target, co.join("|"), deadline].map(|f| quoted(&f)).join(","));
            out.push('\n');
        }
        out
    })
}

#[test]
fn dispatch_rules_csv_is_refused_or_reads_back_the_same() {
    let world = World::new();
    let check = |csv: &str| -> Result<(), TestCaseError> {
        let Ok(catalogue) = world.app.parse_dispatch_rules(csv) else { return Ok(()) };
        let again = world.app.parse_dispatch_rules(&dispatch_rules_to_csv(&catalogue));
        prop_assert_eq!(again.map_err(|e| format!("{e:?}")), Ok(catalogue));
        Ok(())
    };
    for (name, bytes) in corpus("dispatch_rules_csv") {
        check(&text(&bytes)).unwrap_or_else(|e| panic!("corpus {name}: {e}"));
    }
    run(128, nasty_text(300), |csv| check(&csv));
    run(256, dispatch_csv(), |csv| check(&csv));
}
