//! A city's history through the command line: generated, imported (checked first, resumable),
//! asked about, exported as open data — the path an adopting city takes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn hotline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hotline")).args(args).env("HOTLINE_LOG", "warn").output().expect("run hotline")
}

fn ok(out: &Output) -> String {
    assert!(out.status.success(), "stdout: {}\nstderr: {}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hotline-history-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn db(dir: &Path) -> String {
    format!("sqlite://{}?mode=rwc", dir.join("h.db").display())
}

fn generate(dir: &Path, days: &str, per_day: &str) -> PathBuf {
    let out = ok(&hotline(&["generate", "--history", "--start", "2025-07-01", "--days", days, "--per-day", per_day, "--seed", "3"]));
    let file = dir.join("history.jsonl");
    std::fs::write(&file, out).expect("write the history");
    file
}

#[test]
fn a_generated_history_imports_once_resumes_and_answers_questions() {
    let dir = temp("import");
    let file = generate(&dir, "40", "60");
    let lines = std::fs::read_to_string(&file).expect("read").lines().count();
    assert_eq!(lines, 40 * 60);
    let first: serde_json::Value =
        serde_json::from_str(std::fs::read_to_string(&file).expect("read").lines().next().expect("a line")).expect("json");
    for key in ["received_at", "channel", "text", "nature", "category", "urgency", "district", "street", "state"] {
        assert!(first.get(key).is_some(), "{key} in {first}");
    }
    let url = db(&dir);
    let out = ok(&hotline(&["import-history", "--database", &url, "--batch", "700", file.to_str().expect("path")]));
    assert!(out.contains(&format!("{lines} orders imported, 0 already imported")), "{out}");
    let again = ok(&hotline(&["import-history", "--database", &url, file.to_str().expect("path")]));
    assert!(again.contains(&format!("0 orders imported, {lines} already imported")), "{again}");

    // The rainstorm of 31 July shows; the question's reading and the rows come back as JSON.
    let ask = ok(&hotline(&["ask", "--json", "--database", &url, "--now", "2025-08-15T10:00:00+08:00", "上个月每天的来电"]));
    let answer: serde_json::Value = serde_json::from_str(&ask).expect("json");
    assert_eq!(answer["query"]["group_by"], serde_json::json!(["day"]));
    let rows = answer["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 31, "every day of July");
    let busiest = rows.iter().max_by_key(|r| r["value"].as_i64().unwrap_or(0)).expect("a day");
    assert_eq!(busiest["day"], "2025-07-31", "the rainstorm day is the busiest: {ask}");
    let total: i64 = rows.iter().map(|r| r["value"].as_i64().unwrap_or(0)).sum();
    assert!(total > 31 * 40, "{total}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_file_with_a_bad_line_is_refused_whole_with_the_line_named() {
    let dir = temp("refused");
    let file = generate(&dir, "3", "20");
    let mut text = std::fs::read_to_string(&file).expect("read");
    text.push_str("{\"received_at\": \"yesterday\", \"channel\": \"phone\", \"text\": \"路灯不亮\", \"nature\": \"complaint\", \"category\": \"CON\", \"urgency\": \"general\", \"district\": null, \"street\": null}\n");
    text.push_str("{\"received_at\": \"2025-07-02T10:00:00+08:00\", \"channel\": \"phone\", \"text\": \"路灯不亮\", \"nature\": \"complaint\", \"category\": \"CON\", \"urgency\": \"general\", \"district\": \"火星区\", \"street\": null}\n");
    std::fs::write(&file, &text).expect("write");
    let url = db(&dir);
    let out = hotline(&["import-history", "--database", &url, file.to_str().expect("path")]);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("line 61: received_at") && said.contains("line 62: district"), "{said}");
    let ask = ok(&hotline(&["ask", "--json", "--database", &url, "来电多少"]));
    let answer: serde_json::Value = serde_json::from_str(&ask).expect("json");
    assert_eq!(answer["rows"][0]["value"], 0, "nothing was stored: {ask}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_export_writes_a_file_a_day_with_the_query_models_columns_and_no_personal_data() {
    let dir = temp("export");
    let file = generate(&dir, "5", "30");
    let url = db(&dir);
    ok(&hotline(&["import-history", "--database", &url, file.to_str().expect("path")]));
    let csv = dir.join("csv");
    let out = ok(&hotline(&["export", "--database", &url, "--format", "csv", "--dir", csv.to_str().expect("path")]));
    assert!(out.contains("150 orders in 5 files"), "{out}");
    let day = csv.join("received_month=2025-07").join("2025-07-03.csv");
    let text = std::fs::read_to_string(&day).expect("a file for 3 July");
    let header: Vec<&str> = text.lines().next().expect("header").split(',').collect();
    assert_eq!(header, hotline_analytics::export::COLUMNS);
    assert!(!text.contains("138") && !text.contains("反映"), "no phones, no free text");
    let parquet = dir.join("parquet");
    let out = ok(&hotline(&[
        "export",
        "--database",
        &url,
        "--from",
        "2025-07-02",
        "--to",
        "2025-07-03",
        "--dir",
        parquet.to_str().expect("path"),
    ]));
    assert!(out.contains("in 2 files"), "{out}");
    let bytes = std::fs::read(parquet.join("received_month=2025-07").join("2025-07-02.parquet")).expect("a parquet file");
    assert!(bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1"), "a Parquet file");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn early_warning_over_an_imported_history_finds_its_rainstorm_and_not_an_ordinary_afternoon() {
    let dir = temp("alerts");
    // 300 a day: at 60 a day a district's rain calls in the storm's first hours are too few to tell
    // from chance (a surge is at least 8 calls).
    let file = generate(&dir, "40", "300");
    let url = db(&dir);
    ok(&hotline(&["import-history", "--database", &url, file.to_str().expect("path")]));

    // The generated rainstorm begins on 31 July 2025 at 14:00 (Beijing).
    let storm = ok(&hotline(&["alerts", "--json", "--database", &url, "--now", "2025-07-31T16:00:00+08:00"]));
    let signals: serde_json::Value = serde_json::from_str(&storm).expect("json");
    let signals = signals.as_array().expect("an array");
    assert!(!signals.is_empty(), "the rainstorm signals: {storm}");
    for s in signals {
        for key in ["kind", "district", "street", "category", "started_at", "observed", "expected", "score"] {
            assert!(s.get(key).is_some(), "{key} in {s}");
        }
        // Surges, and the storm's words bursting over the categories its calls were filed under.
        assert!(s["kind"] == "surge" || (s["kind"] == "topic" && s["terms"].is_string()), "{s}");
        assert!(s["observed"].as_f64().expect("observed") > s["expected"].as_f64().expect("expected"), "{s}");
    }
    assert!(signals.iter().any(|s| s["kind"] == "surge"), "the storm's categories surge: {storm}");
    assert!(
        signals.iter().any(|s| s["started_at"].as_str().is_some_and(|t| t.starts_with("2025-07-31T0") || t.starts_with("2025-07-31T1"))),
        "a surge began with the storm: {storm}"
    );

    let quiet = ok(&hotline(&["alerts", "--json", "--database", &url, "--now", "2025-07-24T16:00:00+08:00"]));
    assert_eq!(serde_json::from_str::<serde_json::Value>(&quiet).expect("json"), serde_json::json!([]), "an ordinary Thursday: {quiet}");

    let bad = hotline(&["alerts", "--database", &url, "--now", "yesterday"]);
    assert!(!bad.status.success());
    let _ = std::fs::remove_dir_all(&dir);
}
