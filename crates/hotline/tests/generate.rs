//! `hotline generate`, run as the real binary.

use std::collections::{HashMap, HashSet};
use std::process::Command;

use chrono::{DateTime, Timelike, Utc};
use hotline_domain::UnitClass;
use serde_json::Value;

const N: usize = 5_000;

fn generate(args: &[&str]) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_hotline")).arg("generate").args(args).output().expect("run hotline generate");
    assert!(out.status.success(), "hotline generate failed: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

fn lines(bytes: &[u8]) -> Vec<Value> {
    std::str::from_utf8(bytes)
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn s<'a>(v: &'a Value, f: &str) -> &'a str {
    v[f].as_str().unwrap_or_else(|| panic!("{f} is not a string in {v}"))
}

fn share(all: &[Value], f: impl Fn(&Value) -> bool) -> f64 {
    all.iter().filter(|v| f(v)).count() as f64 / all.len() as f64
}

#[test]
fn output_is_complete_jsonl_in_the_triage_vocabulary_and_the_shipped_gazetteer() {
    let bytes = generate(&["--count", &N.to_string(), "--seed", "7"]);
    let all = lines(&bytes);
    assert_eq!(all.len(), N);

    let cats = hotline_app::reference::categories_from_csv(hotline::seed::CATEGORIES).expect("categories");
    let codes: HashSet<&str> = cats.iter().map(|c| c.code.as_str()).collect();
    let units = hotline::seed::shipped_units().expect("units");
    let by_id: HashMap<_, _> = units.iter().map(|u| (u.id, u)).collect();
    let districts: HashSet<&str> = units.iter().filter(|u| u.class == UnitClass::District).map(|u| u.name.as_str()).collect();
    // street name → the districts it lies in (a few names repeat across districts)
    let mut street_districts: HashMap<&str, HashSet<&str>> = HashMap::new();
    for u in units.iter().filter(|u| u.class == UnitClass::Street) {
        let d = u.parent.and_then(|p| by_id.get(&p)).map(|d| d.name.as_str()).expect("street parent");
        street_districts.entry(u.name.as_str()).or_default().insert(d);
    }
    let communities: HashSet<&str> = units.iter().filter(|u| u.class == UnitClass::Community).map(|u| u.name.as_str()).collect();

    let natures = ["consult", "help", "complaint", "report", "suggestion", "praise"];
    let urgencies = ["emergency", "utility24h", "general", "complex"];
    let dispositions = ["dispatch", "answer", "transfer_110", "transfer_119", "transfer_120", "transfer_122", "redirect", "duplicate"];
    let fields = [
        "id",
        "channel",
        "lang",
        "text",
        "received_at",
        "district",
        "street",
        "community",
        "phone",
        "nature",
        "category",
        "category_path",
        "urgency",
        "disposition",
        "duplicate_of",
    ];
    let mut seen_ids: HashMap<String, usize> = HashMap::new();
    for (i, v) in all.iter().enumerate() {
        for f in fields {
            assert!(v.get(f).is_some(), "line {i} lacks {f}: {v}");
        }
        assert!(!s(v, "text").is_empty());
        assert!(["phone", "web", "app", "wechat"].contains(&s(v, "channel")), "{v}");
        assert!(["zh", "en"].contains(&s(v, "lang")), "{v}");
        assert!(DateTime::parse_from_rfc3339(s(v, "received_at")).is_ok(), "{v}");
        assert!(s(v, "phone").len() == 11 && s(v, "phone").bytes().all(|b| b.is_ascii_digit()), "{v}");
        assert!(natures.contains(&s(v, "nature")), "{v}");
        assert!(urgencies.contains(&s(v, "urgency")), "{v}");
        assert!(dispositions.contains(&s(v, "disposition")), "{v}");
        let category = s(v, "category");
        assert!(hotline_domain::FIRST_LEVEL_CATEGORIES.iter().any(|(c, _, _)| *c == category), "{v}");
        let path: Vec<&str> = v["category_path"].as_array().expect("array").iter().map(|p| p.as_str().expect("string")).collect();
        assert_eq!(path.first(), Some(&category), "{v}");
        for (n, p) in path.iter().enumerate() {
            assert!(codes.contains(p), "unknown category {p}");
            assert_eq!(p.split('/').count(), n + 1, "{v}");
            if n > 0 {
                assert!(p.starts_with(&format!("{}/", path[n - 1])), "{v}");
            }
        }
        match (v["district"].as_str(), v["street"].as_str()) {
            (Some(d), Some(st)) => {
                assert!(districts.contains(d), "{v}");
                assert!(street_districts.get(st).is_some_and(|ds| ds.contains(d)), "street {st} is not in {d}");
            }
            (Some(d), None) => assert!(districts.contains(d), "{v}"),
            (None, None) => assert!(v["community"].is_null(), "{v}"),
            (None, Some(_)) => panic!("a street without its district: {v}"),
        }
        if let Some(c) = v["community"].as_str() {
            assert!(communities.contains(c) && !v["street"].is_null(), "{v}");
        }
        match v["duplicate_of"].as_str() {
            Some(earlier) => {
                assert_eq!(s(v, "disposition"), "duplicate", "{v}");
                let j = *seen_ids.get(earlier).unwrap_or_else(|| panic!("duplicate_of {earlier} is not an earlier id"));
                let e = &all[j];
                for f in ["district", "street", "community", "category_path"] {
                    assert_eq!(v[f], e[f], "a duplicate restates the same {f}: {v} vs {e}");
                }
            }
            None => assert_ne!(s(v, "disposition"), "duplicate", "{v}"),
        }
        assert!(seen_ids.insert(s(v, "id").to_owned(), i).is_none(), "id repeats: {v}");
    }

    // Proportions, loosely.
    let nature = |n: &'static str| move |v: &Value| v["nature"] == n;
    let within = |x: f64, lo: f64, hi: f64, what: &str| assert!((lo..=hi).contains(&x), "{what}: {x:.3} not in {lo}..{hi}");
    within(share(&all, nature("consult")), 0.36, 0.52, "consult");
    within(share(&all, nature("complaint")), 0.19, 0.31, "complaint");
    within(share(&all, nature("help")), 0.13, 0.25, "help");
    within(share(&all, nature("report")), 0.04, 0.11, "report");
    within(share(&all, nature("suggestion")), 0.01, 0.06, "suggestion");
    within(share(&all, nature("praise")), 0.005, 0.04, "praise");
    within(share(&all, |v| v["channel"] == "phone"), 0.78, 0.90, "phone");
    within(share(&all, |v| v["lang"] == "en"), 0.01, 0.06, "english");
    within(share(&all, |v| v["disposition"] == "duplicate"), 0.01, 0.06, "duplicates");
    within(share(&all, |v| v["district"].is_null()), 0.1, 0.5, "no place");
    let phones: HashSet<&str> = all.iter().map(|v| s(v, "phone")).collect();
    within(1.0 - phones.len() as f64 / N as f64, 0.04, 0.16, "repeat callers");
    let cat = |c: &'static str| move |v: &Value| v["category"] == c;
    assert!(share(&all, cat("MKT")) > 3.0 * share(&all, cat("AGR")).max(0.001), "MKT far above AGR");
    assert!(share(&all, cat("HLT")) > 2.0 * share(&all, cat("CUL")).max(0.001), "HLT far above CUL");
    let consult_answered = all.iter().filter(|v| v["nature"] == "consult" && v["disposition"] == "answer").count() as f64
        / all.iter().filter(|v| v["nature"] == "consult" && v["lang"] == "zh" && v["disposition"] != "duplicate").count() as f64;
    within(consult_answered, 0.6, 0.9, "consults answered");

    // Daily rhythm: the busiest Beijing hours are 9–11 and 14–16.
    let mut hours = [0usize; 24];
    for v in &all {
        let t: DateTime<Utc> = s(v, "received_at").parse().expect("time");
        hours[((t.hour() + 8) % 24) as usize] += 1;
    }
    let mut order: Vec<usize> = (0..24).collect();
    order.sort_by_key(|&h| std::cmp::Reverse(hours[h]));
    for h in &order[..4] {
        assert!([9, 10, 11, 14, 15, 16].contains(h), "hour {h} among the busiest: {hours:?}");
    }
    assert!(hours[10] > 5 * hours[3] && hours[15] > 5 * hours[3], "{hours:?}");

    // Seasons: heating in winter, waterlogging in summer.
    let month_share = |months: &[u32], prefix: &str| {
        let in_months: Vec<&Value> = all
            .iter()
            .filter(|v| months.contains(&s(v, "received_at").parse::<DateTime<Utc>>().map_or(0, |t| chrono::Datelike::month(&t))))
            .collect();
        in_months.iter().filter(|v| v["category_path"].as_array().is_some_and(|p| p.iter().any(|c| c == prefix))).count() as f64
            / in_months.len().max(1) as f64
    };
    assert!(month_share(&[12, 1, 2], "UTL/heating") > 4.0 * month_share(&[5, 6, 9], "UTL/heating"), "heating is seasonal");
    assert!(month_share(&[7, 8], "CTY/waterlogging") > 4.0 * month_share(&[12, 1, 2], "CTY/waterlogging"), "rain is seasonal");
}

#[test]
fn the_same_seed_gives_the_same_bytes_and_another_seed_other_bytes() {
    let a = generate(&["--count", "2000", "--seed", "42"]);
    let b = generate(&["--count", "2000", "--seed", "42"]);
    let c = generate(&["--count", "2000", "--seed", "43"]);
    assert!(a == b, "same seed, same bytes");
    assert!(a != c, "another seed, other bytes");
}

#[test]
fn a_rainstorm_surge_floods_the_six_hours_after_it() {
    let bytes = generate(&[
        "--count",
        &N.to_string(),
        "--seed",
        "5",
        "--start",
        "2026-07-01",
        "--days",
        "60",
        "--surge",
        "rainstorm@2026-07-20T14:00",
    ]);
    let all = lines(&bytes);
    assert_eq!(all.len(), N);
    // 14:00 Beijing is 06:00 UTC.
    let at: DateTime<Utc> = "2026-07-20T06:00:00Z".parse().expect("time");
    let flood =
        |v: &&&Value| v["category_path"].as_array().is_some_and(|p| p.iter().any(|c| c == "EMG/flooding" || c == "CTY/waterlogging"));
    let window = |from: DateTime<Utc>, to: DateTime<Utc>| -> Vec<&Value> {
        all.iter().filter(|v| s(v, "received_at").parse::<DateTime<Utc>>().is_ok_and(|t| t >= from && t < to)).collect()
    };
    let after = window(at, at + chrono::Duration::hours(6));
    let before = window(at - chrono::Duration::days(7), at);
    let share_after = after.iter().filter(flood).count() as f64 / after.len() as f64;
    let share_before = before.iter().filter(flood).count() as f64 / before.len() as f64;
    assert!(after.len() > 50, "the surge adds requests: {}", after.len());
    assert!(share_after > 0.5 && share_after > 3.0 * share_before, "after {share_after:.3}, before {share_before:.3}");
    let districts: HashSet<&str> = after.iter().filter(flood).filter_map(|v| v["district"].as_str()).collect();
    assert!(districts.len() >= 8, "the surge spreads across districts: {districts:?}");
    assert!(after.iter().filter(flood).any(|v| s(v, "text").contains("积水") || s(v, "text").contains("漏雨")));
}

#[test]
fn bad_arguments_are_refused() {
    for args in [&["--start", "2026-13-01"][..], &["--surge", "hail@2026-07-20T14:00"], &["--surge", "rainstorm@tomorrow"]] {
        let out = Command::new(env!("CARGO_BIN_EXE_hotline")).arg("generate").args(args).output().expect("run");
        assert!(!out.status.success(), "{args:?} should fail");
    }
}
