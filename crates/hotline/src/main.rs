use std::sync::Arc;

use clap::Parser;
use hotline::cli::{Cli, Command, ConfigCommand, DispatchRulesCommand, ServerArgs};
use hotline::config::{Config, Overrides};
use hotline::startup::{self, Application};
use hotline_app::SystemClock;

fn overrides(args: &ServerArgs) -> Overrides {
    Overrides { listen: args.listen.clone(), database_url: args.database.clone() }
}

fn init_tracing(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&config.log));
    tracing_subscriber::fmt().with_env_filter(filter).with_target(false).init();
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
            app.run_until_stopped().await
        }
        Command::Demo { server, orders } => {
            let mut args = server.clone();
            if args.database.is_none() && std::env::var_os("HOTLINE_DATABASE_URL").is_none() {
                args.database = Some("sqlite://hotline-demo.db?mode=rwc".into());
            }
            let config = load(&args)?;
            init_tracing(&config);
            let store = startup::open_store(&config).await?;
            let app = startup::build_app(&config, store.clone(), Arc::new(SystemClock)).await?;
            let made = hotline::demo::seed_orders(app.store.clone(), *orders, app.clock.now(), 2026).await?;
            hotline::demo::ensure_users(&app).await?;
            let server = Application::with_app(&config, app, store).await?;
            let host = config.listen.rsplit_once(':').map_or("127.0.0.1", |(h, _)| h);
            println!("\nHotline demo: http://{host}:{}/", server.port());
            if made > 0 {
                println!("Created {made} demo orders.");
            }
            println!("Logins (password for all: {}):", hotline::demo::DEMO_PASSWORD);
            for (user, name, role, _) in hotline::demo::DEMO_USERS {
                println!("  {user:<14} {role:<16} {name}");
            }
            println!("Citizen pages need no login: /citizen (submit) and /track.\n");
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
            let user = app.create_user(None, &input).await.map_err(|e| anyhow::anyhow!("{e}"))?;
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
            app.import_reference(None, &units, &[]).await.map_err(|e| anyhow::anyhow!("{e}"))?;
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
        Command::Generate(args) => hotline::generate::run(args),
        Command::Bench { command } => hotline::bench::run(command).await,
    }
}
