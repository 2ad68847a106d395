use std::sync::Arc;

use anyhow::Context as _;
use clap::Parser;
use hotline::cli::{Cli, Command, ConfigCommand, DispatchRulesCommand, ReferenceCommand, ServerArgs};
use hotline::config::{Config, Overrides};
use hotline::startup::{self, Application};
use hotline_app::SystemClock;

fn overrides(args: &ServerArgs) -> Overrides {
    Overrides { listen: args.listen.clone(), database_url: args.database.clone() }
}

fn init_tracing(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&config.log));
    tracing_subscriber::fmt().with_env_filter(filter).with_target(false).with_writer(std::io::stderr).init();
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let load = |args: &ServerArgs| Config::load(cli.config.as_deref(), &overrides(args));
    match &cli.command {
        Command::Serve(args) => {
            let config = load(args)?;
            init_tracing(&config);
            let app = Application::build(&config).await?;
            tracing::info!(port = app.port(), database = ?config.database_url, "hotline serving");
            let _pid = startup::pid_file();
            app.run_until_stopped().await
        }
        Command::Demo { server, orders, history_days, per_day } => {
            let mut args = server.clone();
            if args.database.is_none() && std::env::var_os("HOTLINE_DATABASE_URL").is_none() {
                args.database = Some("sqlite://hotline-demo.db?mode=rwc".into());
            }
            let config = load(&args)?;
            init_tracing(&config);
            let store = startup::open_store(&config).await?;
            let app = startup::build_app(&config, store.clone(), Arc::new(SystemClock)).await?;
            startup::install_analytics(&config, &app)?;
            let fresh = hotline::demo::is_new(&app).await?;
            let made = hotline::demo::seed_orders(app.store.clone(), *orders, app.clock.now(), 2026).await?;
            let history = hotline::demo::seed_history(&app, fresh, *history_days, *per_day).await?;
            hotline::demo::ensure_users(&app).await?;
            let server = Application::with_app(&config, app, store).await?;
            let host = config.listen.rsplit_once(':').map_or("127.0.0.1", |(h, _)| h);
            println!("\nHotline demo: http://{host}:{}/", server.port());
            if let Some(h) = history {
                println!("Imported {} orders of history ({:.1} s, {:.0} orders/s).", h.imported, h.seconds, h.rate());
            }
            if made > 0 {
                println!("Created {made} demo orders.");
            }
            println!("Logins (password for all: {}):", hotline::demo::DEMO_PASSWORD);
            for (user, name, role, _) in hotline::demo::DEMO_USERS {
                println!("  {user:<14} {role:<16} {name}");
            }
            println!("Citizen pages need no login: /citizen (submit) and /track.\n");
            let _pid = startup::pid_file();
            server.run_until_stopped().await
        }
        Command::Migrate { server } => {
            let config = load(server)?;
            init_tracing(&config);
            let store = startup::open_store(&config).await?;
            startup::build_app(&config, store.clone(), Arc::new(SystemClock)).await?;
            store.close().await;
            println!("database is up to date");
            Ok(())
        }
        Command::Config { command: ConfigCommand::Example } => {
            print!("{}", hotline::config::EXAMPLE);
            Ok(())
        }
        Command::Openapi => {
            print!("{}", hotline_http::api::openapi_document());
            Ok(())
        }
        Command::CreateUser { server, username, display_name, role, unit, password } => {
            let config = load(server)?;
            init_tracing(&config);
            let store = startup::open_store(&config).await?;
            let app = startup::build_app(&config, store.clone(), Arc::new(SystemClock)).await?;
            let unit = match unit {
                Some(code) => Some(app.units().by_code(code).map(|u| u.id.0).ok_or_else(|| anyhow::anyhow!("unknown unit code {code}"))?),
                None => None,
            };
            let input = hotline_app::NewUserInput {
                username: username.clone(),
                display_name: display_name.clone(),
                role: role.clone(),
                unit,
                password: password.clone(),
            };
            let user = app.create_user(None, &input).await?;
            store.close().await;
            println!("created user {} ({})", user.username, user.role.code());
            Ok(())
        }
        Command::ImportUnits { server, file } => {
            let config = load(server)?;
            init_tracing(&config);
            let text = std::fs::read_to_string(file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            let units = hotline_app::reference::units_from_unit_csv(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let store = startup::open_store(&config).await?;
            let app = startup::build_app(&config, store.clone(), Arc::new(SystemClock)).await?;
            app.import_units(None, &units).await?;
            store.close().await;
            println!("imported {} units; the database now has {}", units.len(), app.units().all().len());
            Ok(())
        }
        Command::DispatchRules { command: DispatchRulesCommand::Check { server } } => {
            let config = load(server)?;
            init_tracing(&config);
            let store = startup::open_store(&config).await?;
            let app = startup::build_app(&config, store.clone(), Arc::new(SystemClock)).await?;
            let uncovered = app.uncovered_categories();
            store.close().await;
            if uncovered.is_empty() {
                println!("every category has a dispatch rule");
                Ok(())
            } else {
                println!("{} categories have no dispatch rule:", uncovered.len());
                for c in &uncovered {
                    println!("  {c}");
                }
                std::process::exit(1);
            }
        }
        Command::Kb { command: hotline::cli::KbCommand::Import { server, dir } } => {
            let config = load(server)?;
            init_tracing(&config);
            let mut files = Vec::new();
            let entries = std::fs::read_dir(dir).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", dir.display()))?;
            for entry in entries {
                let path = entry?.path();
                if path.extension().is_some_and(|x| x == "md") {
                    let text = std::fs::read_to_string(&path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
                    files.push((path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(), text));
                }
            }
            files.sort();
            anyhow::ensure!(!files.is_empty(), "no *.md files in {}", dir.display());
            let store = startup::open_store(&config).await?;
            let app = startup::build_app(&config, store.clone(), Arc::new(SystemClock)).await?;
            let result = app.import_articles(&files, "hotline kb import").await;
            store.close().await;
            let r = result?;
            println!("{} created, {} updated, {} unchanged", r.created.len(), r.updated.len(), r.unchanged.len());
            Ok(())
        }
        Command::Categories { command } => reference_command(hotline_store::ReferenceKind::Categories, command, load).await,
        Command::DispatchRules { command: DispatchRulesCommand::Versions(command) } => {
            reference_command(hotline_store::ReferenceKind::DispatchRules, command, load).await
        }
        Command::Train { server, args } => {
            let config = load(server)?;
            init_tracing(&config);
            let store = startup::open_store(&config).await?;
            let app = startup::build_app(&config, store.clone(), Arc::new(SystemClock)).await?;
            let version = app.clock.now().format("%Y%m%d-%H%M%S").to_string();
            let result = hotline::triage::train(app, &config, args, version).await;
            store.close().await;
            println!("{}", result?.display());
            Ok(())
        }
        Command::Triage { server, path } => {
            let (config, store, app, _tmp) = startup::ephemeral_unless_configured(server, &load).await?;
            init_tracing(&config);
            let result = hotline::triage::triage(&app, path).await;
            store.close().await;
            result
        }
        Command::Eval { server, labels, confusion, replay, replay_generated } => {
            let (config, store, app, _tmp) = startup::ephemeral_unless_configured(server, &load).await?;
            init_tracing(&config);
            let result = match replay {
                Some(steps) => hotline::triage::replay(&app, *steps, *replay_generated).await,
                None => hotline::triage::eval(&app, labels, *confusion).await,
            };
            store.close().await;
            result
        }
        Command::ImportHistory { server, file, batch } => {
            let config = load(server)?;
            init_tracing(&config);
            let store = startup::open_store(&config).await?;
            let app = startup::build_app(&config, store.clone(), Arc::new(SystemClock)).await?;
            startup::install_analytics(&config, &app)?;
            let mut out = std::io::stdout();
            let report = hotline::history::import_file(&app, file, (*batch).max(1), &mut out).await;
            store.close().await;
            let report = report?;
            println!(
                "{} lines: {} orders imported, {} already imported before; {:.1} s ({:.0} orders/s; checking every line first {:.1} s)",
                report.lines,
                report.imported,
                report.skipped,
                report.seconds,
                report.rate(),
                report.check_seconds
            );
            Ok(())
        }
        Command::Export { server, from, to, format, dir } => {
            let format = match format.as_str() {
                "parquet" => hotline_analytics::export::Format::Parquet,
                "csv" => hotline_analytics::export::Format::Csv,
                other => anyhow::bail!("--format {other}: parquet or csv"),
            };
            if let (Some(f), Some(t)) = (from, to)
                && f > t
            {
                anyhow::bail!("--from {f} is after --to {t}");
            }
            let config = load(server)?;
            init_tracing(&config);
            let store = startup::open_store(&config).await?;
            let app = startup::build_app(&config, store.clone(), Arc::new(SystemClock)).await?;
            startup::install_analytics(&config, &app)?;
            let started = std::time::Instant::now();
            let done = app.export_open_data(dir, format, (*from, to.and_then(|t| t.succ_opt()))).await;
            store.close().await;
            let done = done?;
            println!(
                "{} orders in {} files under {} ({:.1} s)",
                done.rows,
                done.files.len(),
                dir.display(),
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Alerts { server, json, now } => {
            let config = load(server)?;
            init_tracing(&config);
            let store = startup::open_store(&config).await?;
            let app = startup::build_app(&config, store.clone(), Arc::new(SystemClock)).await?;
            startup::install_analytics(&config, &app)?;
            let at = now.map(|t| t.with_timezone(&chrono::Utc));
            let found = async {
                app.sync_analytics().await?;
                let surges = app.detect_surges(at).await?;
                let (topics, _) = app.detect_topics(at).await?;
                Ok::<_, hotline_app::AppError>((surges, topics))
            }
            .await;
            store.close().await;
            let ((signals, series), topics) = found?;
            let mut named = app.name_signals(&signals);
            named.extend(app.name_topics(&topics));
            if *json {
                println!("{}", serde_json::to_string_pretty(&named)?);
            } else {
                println!("{} series watched, {} signalling", series, named.len());
                for s in &named {
                    println!(
                        "{}\t{}\t{}\t{}\tsince {}\t{} calls vs {:.1} expected\tscore {:.1}\tRI {:.0} d",
                        s.kind,
                        s.district.as_deref().unwrap_or("-"),
                        s.street.as_deref().unwrap_or("-"),
                        s.category.as_deref().or(s.terms.as_deref()).unwrap_or("*"),
                        s.started_at.to_rfc3339(),
                        s.observed,
                        s.expected,
                        s.score,
                        s.recurrence_days
                    );
                }
            }
            Ok(())
        }
        Command::Candidates { server, month, json } => {
            let config = load(server)?;
            init_tracing(&config);
            let store = startup::open_store(&config).await?;
            let app = startup::build_app(&config, store.clone(), Arc::new(SystemClock)).await?;
            startup::install_analytics(&config, &app)?;
            let ranked = async {
                app.sync_analytics().await?;
                app.city_candidates(month).await
            }
            .await;
            store.close().await;
            let list = ranked?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&list.candidates)?);
            } else {
                println!(
                    "{}: {} cells with calls, {} persistently above expectation, {} candidates{}",
                    list.month,
                    list.cells,
                    list.qualified,
                    list.candidates.len(),
                    if list.complete { "" } else { " (month not over)" }
                );
                for c in &list.candidates {
                    let place = c.street.as_ref().map_or_else(|| c.district.name.clone(), |s| format!("{} {}", c.district.name, s.name));
                    println!(
                        "{}\t{:.1}\t{}\t{}\t{} calls\t{}/12 months above\t{}",
                        c.rank, c.score, place, c.category_label, c.volume, c.months_persistent, c.key
                    );
                }
            }
            Ok(())
        }
        Command::Forecast { server, json, now, district, category } => {
            let config = load(server)?;
            init_tracing(&config);
            let store = startup::open_store(&config).await?;
            let app = startup::build_app(&config, store.clone(), Arc::new(SystemClock)).await?;
            startup::install_analytics(&config, &app)?;
            let query = hotline_app::forecast::ForecastQuery { district: district.clone(), category: category.clone() };
            let fitted = async {
                app.sync_analytics().await?;
                app.forecast_all(&query, now.map(|t| t.with_timezone(&chrono::Utc))).await
            }
            .await;
            store.close().await;
            let report = fitted?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&report.rows())?);
            } else {
                let pct = |w: Option<f64>| w.map_or_else(|| "-".to_owned(), |w| format!("{:.1}%", w * 100.0));
                println!(
                    "{} series from the week of {} ({} weeks of history{}); held-out WAPE of district × category: model {}, seasonal naive {}",
                    report.series.len(),
                    report.origin,
                    report.history_weeks,
                    if report.seasonal { "" } else { ", too short for seasons" },
                    pct(report.overall.model_wape),
                    pct(report.overall.naive_wape)
                );
                for s in &report.series {
                    let weeks: Vec<String> =
                        s.forecast.iter().map(|w| format!("{:.0} [{:.0}–{:.0}]", w.forecast, w.lower80, w.upper80)).collect();
                    println!(
                        "{}\t{}\tWAPE {} vs {}\t{}",
                        s.district.as_ref().map_or("全市", |d| d.name.as_str()),
                        s.category.as_ref().map_or("*", |c| c.code.as_str()),
                        pct(s.accuracy.model_wape),
                        pct(s.accuracy.naive_wape),
                        weeks.join("  ")
                    );
                }
            }
            Ok(())
        }
        Command::Ask { server, json, now, parse_only, eval, question } => {
            if let Some(path) = eval {
                let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
                let cases = hotline::ask::read_cases(&text)?;
                let lexicon = hotline_analytics::ask::Lexicon::new(&hotline::ask::shipped_catalog()?);
                let started = std::time::Instant::now();
                let (all, dev, held) = hotline::ask::evaluate(&lexicon, &cases);
                let per = started.elapsed().as_secs_f64() * 1000.0 / cases.len().max(1) as f64;
                let line = |name: &str, s: &hotline_analytics::ask::Score| {
                    println!("{name}: {}/{} exact ({:.1}%)", s.exact, s.questions, 100.0 * s.accuracy());
                };
                line("all", &all);
                line("developed against (odd ids)", &dev);
                line("held out (even ids)", &held);
                println!("unparsed words reported: {}/{} lines that list them", all.unparsed_reported, all.unparsed_expected);
                println!("mean parse time: {per:.3} ms");
                if !all.wrong.is_empty() {
                    println!("wrong: {}", all.wrong.join(" "));
                }
                if std::env::var_os("HOTLINE_ASK_SHOW").is_some() {
                    for c in cases.iter().filter(|c| all.wrong.contains(&c.id)) {
                        let got = lexicon.parse(&c.q, c.now.date_naive());
                        println!(
                            "{}\t{}\n  want {}\n  got  {} {:?}",
                            c.id,
                            c.q,
                            serde_json::to_string(&c.query)?,
                            serde_json::to_string(&got.query)?,
                            got.unparsed
                        );
                    }
                }
                return Ok(());
            }
            let question = question.as_deref().unwrap_or_default();
            if *parse_only {
                let lexicon = hotline_analytics::ask::Lexicon::new(&hotline::ask::shipped_catalog()?);
                let today = now.unwrap_or_else(hotline::ask::default_now).date_naive();
                let parsed = lexicon.parse(question, today);
                println!("{}", serde_json::to_string_pretty(&parsed)?);
                return Ok(());
            }
            let config = load(server)?;
            init_tracing(&config);
            let store = startup::open_store(&config).await?;
            let app = startup::build_app(&config, store.clone(), Arc::new(SystemClock)).await?;
            startup::install_analytics(&config, &app)?;
            let result = hotline::ask::answer(&app, question, *now).await;
            let catalog = app.analytics_catalog().await.map(|(c, _)| c);
            store.close().await;
            let result = result?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&result)?);
            } else {
                print!("{}", hotline::ask::table(&*catalog.map_err(anyhow::Error::new)?, &result));
            }
            Ok(())
        }
        Command::Outbox { server, limit } => {
            let config = load(server)?;
            init_tracing(&config);
            let store = startup::open_store(&config).await?;
            let app = startup::build_app(&config, store.clone(), Arc::new(SystemClock)).await?;
            let pending = app.pending_outbox(*limit).await;
            store.close().await;
            for m in pending? {
                let line = serde_json::json!({ "id": m.id, "channel": m.channel, "recipient": m.recipient, "body": m.body, "created_at": m.created_at, "attempts": m.attempts });
                println!("{line}");
            }
            Ok(())
        }
        Command::Assess { server, month, csv } => {
            let config = load(server)?;
            init_tracing(&config);
            let store = startup::open_store(&config).await?;
            let app = startup::build_app(&config, store.clone(), Arc::new(SystemClock)).await?;
            let result = app.assess(None, month).await;
            store.close().await;
            let a = result?;
            if *csv {
                print!("{}", hotline_app::assessment::assessment_csv(&a));
            } else {
                let scheme = match (a.scheme_version, &a.scheme_from) {
                    (Some(v), Some(from)) => format!("scheme version {v}, in force from {from}"),
                    _ => "default scheme".to_owned(),
                };
                println!(
                    "assessment {} ({scheme}; weights {:?}; at least {} evaluated orders to be ranked; excluded: {})",
                    a.month,
                    a.weights,
                    a.min_volume,
                    a.exclusions.join(", ")
                );
                for g in &a.groups {
                    println!("\n== {}", g.class);
                    println!(
                        "{:>4}  {:<28} {:>6} {:>4} {:>8} {:>8} {:>8} {:>7} {:>5}",
                        "rank", "unit", "n", "excl", "response", "resolved", "satisf.", "score", "last"
                    );
                    for r in &g.rows {
                        let opt = |v: Option<u32>| v.map_or_else(|| "-".to_owned(), |v| v.to_string());
                        println!(
                            "{:>4}  {:<28} {:>6} {:>4} {:>7.1}% {:>7.1}% {:>7.1}% {:>7.2} {:>5}",
                            opt(r.rank),
                            r.unit.name,
                            r.evaluated,
                            r.excluded,
                            r.response_rate * 100.0,
                            r.resolution_rate * 100.0,
                            r.satisfaction_rate * 100.0,
                            r.score,
                            opt(r.previous_rank)
                        );
                    }
                }
                if !a.whistle.is_empty() {
                    println!("\n== summons (街乡吹哨、部门报到)");
                    println!("{:<28} {:>8} {:>8} {:>6} {:>12}", "unit", "summoned", "on time", "late", "not reported");
                    for w in &a.whistle {
                        println!(
                            "{:<28} {:>8} {:>8} {:>6} {:>12}",
                            w.unit.name, w.summoned, w.reported_on_time, w.reported_late, w.not_reported
                        );
                    }
                }
            }
            Ok(())
        }
        Command::Reload => startup::signal_reload(),
        Command::Generate(args) => hotline::generate::run(args),
        Command::Bench { command } => hotline::bench::run(command).await,
    }
}

/// `hotline categories …` and `hotline dispatch-rules …`: import, export and list versions.
async fn reference_command(
    kind: hotline_store::ReferenceKind,
    command: &ReferenceCommand,
    load: impl Fn(&ServerArgs) -> anyhow::Result<Config>,
) -> anyhow::Result<()> {
    use hotline_store::ReferenceKind;
    let server = match command {
        ReferenceCommand::Import { server, .. } | ReferenceCommand::Export { server, .. } | ReferenceCommand::Versions { server } => server,
    };
    let config = load(server)?;
    init_tracing(&config);
    let store = startup::open_store(&config).await?;
    let app = startup::build_app(&config, store.clone(), Arc::new(SystemClock)).await?;
    let result = async {
        let err = |e: hotline_app::AppError| anyhow::Error::new(e);
        match command {
            ReferenceCommand::Import { file, note, .. } => {
                let text = std::fs::read_to_string(file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
                let saved = match kind {
                    ReferenceKind::Categories => app.save_reference_csv(None, kind, &text, note, app.category_version()).await,
                    ReferenceKind::DispatchRules => app.save_reference_csv(None, kind, &text, note, app.dispatch_version()).await,
                    ReferenceKind::ScoringScheme => anyhow::bail!("scoring schemes are edited on the assessment page or the API"),
                }
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
                println!("stored {} version {}", kind.code(), saved.version);
            }
            ReferenceCommand::Export { number, .. } => {
                let version = match number {
                    Some(n) => app.reference().get_reference_version(kind, *n).await,
                    None => app.reference().current_reference(kind).await,
                }
                .map_err(|e| err(e.into()))?
                .ok_or_else(|| anyhow::anyhow!("no such {} version", kind.code()))?;
                print!("{}", version.body);
            }
            ReferenceCommand::Versions { .. } => {
                for v in app.reference().list_reference_versions(kind).await.map_err(|e| err(e.into()))? {
                    println!("{}\t{}\t{}\t{}", v.version, v.created_at.format("%Y-%m-%d %H:%M:%S UTC"), v.created_by, v.note);
                }
            }
        }
        Ok(())
    }
    .await;
    store.close().await;
    result
}
