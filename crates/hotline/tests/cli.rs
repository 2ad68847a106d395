//! The command line, run as a user would run it.

use std::process::Command;

fn hotline() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_hotline"));
    c.env("HOTLINE_ARGON2_MEMORY_KIB", "1024").env("HOTLINE_ARGON2_ITERATIONS", "1").env_remove("RUST_BACKTRACE");
    c
}

fn temp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("hotline-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn import_units_loads_another_citys_units_and_refuses_an_orphan_without_writing() {
    let dir = temp("import");
    let db = format!("sqlite://{}?mode=rwc", dir.join("h.db").display());
    let good = dir.join("units.csv");
    std::fs::write(&good, "code,name,class,parent_code\n440305,南山区,district,\n440305001,南头街道,street,440305\n440305001001,南头城社区,community,440305001\n")
        .expect("write");
    let out = hotline().args(["import-units", "--database", &db]).arg(&good).output().expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("imported 3 units"));

    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "code,name,class,parent_code\nX1,孤儿街道,street,NOPE\nX2,好街道,street,440305\n").expect("write");
    let out = hotline().args(["import-units", "--database", &db]).arg(&bad).output().expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("parent unit NOPE of X1"), "{}", String::from_utf8_lossy(&out.stderr));

    let wrong_class = dir.join("class.csv");
    std::fs::write(&wrong_class, "code,name,class,parent_code\nX3,某局,ministry,\n").expect("write");
    let out = hotline().args(["import-units", "--database", &db]).arg(&wrong_class).output().expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Unknown unit class ministry"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn config_example_prints_the_commented_defaults() {
    let out = hotline().args(["config", "example"]).output().expect("run");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("listen = \"127.0.0.1:8080\"") && text.contains("database_url = \"sqlite://hotline.db?mode=rwc\""), "{text}");
}

#[test]
fn a_bad_database_url_is_a_clear_error_not_a_panic() {
    let out = hotline().args(["migrate", "--database", "mysql://nope"]).output().expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("sqlite: or postgres:") && !err.contains("panicked"), "{err}");
}

#[test]
fn every_shipped_category_has_a_dispatch_rule() {
    let dir = temp("rules");
    let db = format!("sqlite://{}?mode=rwc", dir.join("h.db").display());
    let out = hotline().args(["dispatch-rules", "check", "--database", &db]).output().expect("run");
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("every category has a dispatch rule"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn categories_and_dispatch_rules_export_import_and_list_versions_and_check_reports_the_gap() {
    let dir = temp("versions");
    let db = format!("sqlite://{}?mode=rwc", dir.join("h.db").display());
    let run = |args: &[&str]| {
        let out = hotline().args(args).args(["--database", &db]).output().expect("run");
        (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (ok, tree, err) = run(&["categories", "export"]);
    assert!(ok && tree.starts_with("code,name_zh,"), "{err}");

    // A city adds a node to its tree: version 2. The catalogue's parent rule still covers it.
    let file = dir.join("tree.csv");
    std::fs::write(&file, format!("{tree}OTH/city_special,本市特色诉求,City special,general,,特色\n")).expect("write");
    let (ok, out, err) = run(&["categories", "import", "--note", "本市新增", file.to_str().expect("utf-8 path")]);
    assert!(ok && out.contains("stored categories version 2"), "{out}{err}");
    let (_, versions, _) = run(&["categories", "versions"]);
    assert_eq!(versions.lines().count(), 2, "{versions}");
    assert!(versions.lines().next().is_some_and(|l| l.starts_with("2\t") && l.ends_with("本市新增")), "{versions}");
    let (_, v1, _) = run(&["categories", "export", "--version", "1"]);
    assert_eq!(v1, tree, "old versions stay readable");

    // A catalogue with a gap is stored; check lists the gap and fails.
    let rules = dir.join("rules.csv");
    std::fs::write(&rules, "category,district,target,co_units,deadline_class\nUTL,,street,,utility24h\n").expect("write");
    let (ok, out, err) = run(&["dispatch-rules", "import", rules.to_str().expect("utf-8 path")]);
    assert!(ok && out.contains("stored dispatch_rules version 2"), "{out}{err}");
    let (ok, out, _) = run(&["dispatch-rules", "check"]);
    assert!(!ok && out.contains("MKT") && out.contains("OTH/city_special"), "{out}");

    // An invalid file stores nothing.
    std::fs::write(&rules, "category,district,target,co_units,deadline_class\nUTL,,NO-SUCH,,\n").expect("write");
    let (ok, _, err) = run(&["dispatch-rules", "import", rules.to_str().expect("utf-8 path")]);
    assert!(!ok && err.contains("NO-SUCH"), "{err}");
    let (_, versions, _) = run(&["dispatch-rules", "versions"]);
    assert_eq!(versions.lines().count(), 2, "{versions}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `hotline eval ARGS…` on the embedded defaults in a scratch directory: its standard output.
fn eval_output(name: &str, args: &[&str]) -> String {
    let dir = temp(name);
    let out = hotline().arg("eval").args(args).current_dir(&dir).env_remove("HOTLINE_DATABASE_URL").output().expect("run");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn eval_on_the_hand_written_set_reports_every_decision_and_no_emergency_dispatched_as_general() {
    let text = eval_output("eval", &["--labels", "handwritten", "--confusion"]);
    for decision in ["nature", "category", "category_path", "urgency", "disposition", "district", "street"] {
        assert!(text.lines().any(|l| l.starts_with(decision)), "{decision} missing:\n{text}");
    }
    assert!(text.contains("majority") && text.contains("keywords"), "both baselines:\n{text}");
    assert!(text.contains("emergencies dispatched as general requests: 0"), "{text}");
    assert!(text.contains("-- confusion: category"), "{text}");
    // The top-level category beats both baselines on text the model never saw.
    let row = text.lines().find(|l| l.starts_with("category ")).expect("category row");
    let pcts: Vec<f64> = row.split_whitespace().filter_map(|c| c.strip_suffix('%')).filter_map(|v| v.parse().ok()).collect();
    assert!(pcts[0] > pcts[2] && pcts[0] > pcts[4], "{row}");
}

#[test]
fn train_writes_a_versioned_model_the_server_can_load() {
    let dir = temp("train");
    let db = format!("sqlite://{}?mode=rwc", dir.join("h.db").display());
    let out = hotline()
        .args(["train", "--database", &db, "--orders", "false", "--generated", "3000", "--epochs", "2"])
        .env("HOTLINE_MODEL_DIR", dir.join("models"))
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let path = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(path.contains("triage-") && path.ends_with(".model"), "{path}");
    let bytes = std::fs::read(&path).expect("the model file");
    let model = hotline_triage::TriageModel::from_bytes(&bytes).expect("a model");
    assert_eq!(model.info.source, "generated+corpus", "the corpus's training part is learned by default");
    assert!(model.info.evaluation.contains_key("handwritten.category"), "the file carries its figures: {:?}", model.info.evaluation.keys());
    assert!(model.info.evaluation.contains_key("corpus_test.emergency"), "and the corpus test part's: {:?}", model.info.evaluation.keys());
    assert!(model.thresholds.possible > 0.0 && model.thresholds.possible <= model.thresholds.emergency, "{:?}", model.thresholds);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("hand-written set"), "{err}");
    // With no orders and nothing generated there is nothing to learn from: a clear error.
    let out = hotline()
        .args(["train", "--database", &db, "--orders", "true"])
        .env("HOTLINE_MODEL_DIR", dir.join("models"))
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no labelled orders"), "{}", String::from_utf8_lossy(&out.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn reload_makes_a_running_server_load_the_newest_model_at_once() {
    let dir = temp("reload");
    let db = format!("sqlite://{}?mode=rwc", dir.join("h.db").display());
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port");
    let log = std::fs::File::create(dir.join("serve.log")).expect("log file");
    let mut server = hotline()
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--database", &db])
        .current_dir(&dir)
        .env("NO_COLOR", "1")
        .stderr(log)
        .spawn()
        .expect("start serve");
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed().as_secs() < 30, "the server did not start");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(dir.join("hotline.pid").exists(), "serve writes its pid for reload");
    let out = hotline()
        .args(["train", "--database", &db, "--orders", "false", "--generated", "2000", "--epochs", "1"])
        .current_dir(&dir)
        .output()
        .expect("train");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let model = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let version = model.rsplit("triage-").next().and_then(|v| v.strip_suffix(".model")).expect("a versioned file name").to_owned();
    let out = hotline().arg("reload").current_dir(&dir).output().expect("reload");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let loaded = loop {
        let text = std::fs::read_to_string(dir.join("serve.log")).unwrap_or_default();
        if text.contains(&format!("model={version}")) {
            break true;
        }
        if std::time::Instant::now() > deadline {
            break false;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let _ = server.kill();
    let _ = server.wait();
    assert!(loaded, "the server loaded {version}: {}", std::fs::read_to_string(dir.join("serve.log")).unwrap_or_default());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn assess_prints_the_months_table_or_csv_and_refuses_a_bad_month() {
    let dir = temp("assess");
    let db = format!("sqlite://{}?mode=rwc", dir.join("h.db").display());
    let out = hotline().args(["assess", "--database", &db, "--month", "2026-10"]).output().expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("assessment 2026-10"));
    let out = hotline().args(["assess", "--database", &db, "--month", "2026-10", "--csv"]).output().expect("run");
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("month,class,unit_code,unit,evaluated,excluded,disputes,"));
    let out = hotline().args(["assess", "--database", &db, "--month", "October"]).output().expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("YYYY-MM"), "{}", String::from_utf8_lossy(&out.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn kb_import_loads_a_folder_of_markdown_once_and_refuses_a_bad_file_without_saving_any() {
    let dir = temp("kb");
    let db = format!("sqlite://{}?mode=rwc", dir.join("h.db").display());
    let articles = dir.join("articles");
    std::fs::create_dir_all(&articles).expect("dir");
    for (name, text) in hotline::seed::SAMPLE_ARTICLES {
        std::fs::write(articles.join(name), text).expect("write");
    }
    let out = hotline().args(["kb", "import", "--database", &db]).arg(&articles).output().expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let n = hotline::seed::SAMPLE_ARTICLES.len();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&format!("{n} created, 0 updated, 0 unchanged")),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = hotline().args(["kb", "import", "--database", &db]).arg(&articles).output().expect("run");
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("0 created, 0 updated, {n} unchanged")));

    // One broken file among good ones: an error naming it, and nothing saved.
    std::fs::write(articles.join("zz-broken.md"), "---\nslug: Broken Slug\n---\n正文").expect("write");
    let edited = hotline::seed::SAMPLE_ARTICLES[0].1.replace("11月15日", "11月14日");
    std::fs::write(articles.join(hotline::seed::SAMPLE_ARTICLES[0].0), edited).expect("write");
    let out = hotline().args(["kb", "import", "--database", &db]).arg(&articles).output().expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("zz-broken.md"), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::remove_file(articles.join("zz-broken.md")).expect("rm");
    let out = hotline().args(["kb", "import", "--database", &db]).arg(&articles).output().expect("run");
    let expected = format!("0 created, 1 updated, {} unchanged", n - 1);
    assert!(String::from_utf8_lossy(&out.stdout).contains(&expected), "the edit was not saved by the failed run");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn eval_prints_the_summary_per_set_and_no_emergency_of_the_dev_part_or_the_hand_written_set_goes_unprompted() {
    let text = eval_output("eval-summary", &["--labels", "corpus:dev,handwritten"]);
    let summary = text.split("== summary").nth(1).expect("a summary");
    for row in ["first-level category", "nature", "emergency recall (flagged or prompted)", "emergency precision", "duplicate F1"] {
        assert!(summary.lines().any(|l| l.starts_with(row)), "{row} missing:\n{summary}");
    }
    let unprompted = summary.lines().find(|l| l.starts_with("emergencies sent as general, no prompt")).expect("the row");
    let counts: Vec<&str> = unprompted.split_whitespace().rev().take(2).collect();
    assert_eq!(counts, ["0", "0"], "{unprompted}");
}
