//! The demo world: a user for every role and a few hundred orders spread over every state, made
//! through the same domain transitions as real ones (each with its events), at times spread over the
//! last two weeks. Deterministic for a given seed.

use std::sync::Arc;

use chrono::Duration;
use hotline_app::orders::{Command, CreateOrderInput, LocationInput, RequesterInput, TriageInput};
use hotline_app::{App, FixedClock, NewUserInput, Principal};
use hotline_domain::{Timestamp, UnitClass, UnitId};

pub const DEMO_PASSWORD: &str = "hotline-demo";

/// (username, display name, role, unit code)
pub const DEMO_USERS: [(&str, &str, &str, Option<&str>); 10] = [
    ("operator", "话务员 王丽", "operator", None),
    ("supervisor", "派单督办 张强", "supervisor", None),
    ("wangjing", "望京街道 李娜", "unit_handler", Some("110105026")),
    ("zhongguancun", "中关村街道 赵磊", "unit_handler", Some("110108011")),
    ("chaoyang", "朝阳区 管理员 周敏", "unit_admin", Some("110105")),
    ("heating", "热力集团 陈刚", "unit_handler", Some("U-HEAT")),
    ("callback", "回访员 刘芳", "callback_agent", None),
    ("analyst", "分析员 孙悦", "analyst", None),
    ("admin", "系统管理员", "admin", None),
    ("open311", "接入系统 FixMyStreet", "open311_client", None),
];

const SURNAMES: &[&str] =
    &["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "高", "罗"];
fn unit_by_code(app: &App, code: &str) -> anyhow::Result<UnitId> {
    app.units().by_code(code).map(|u| u.id).ok_or_else(|| anyhow::anyhow!("demo needs unit {code}"))
}

/// Creates the demo users if they are missing. Returns them by username.
pub async fn ensure_users(app: &App) -> anyhow::Result<Vec<Principal>> {
    let existing = app.accounts().list_users().await?;
    let mut out = Vec::new();
    for (username, display, role, unit) in DEMO_USERS {
        if let Some(u) = existing.iter().find(|u| u.username == username) {
            out.push(Principal::from(u.clone()));
            continue;
        }
        let unit = unit.map(|c| unit_by_code(app, c)).transpose()?.map(|u| u.0);
        let input = NewUserInput {
            username: username.into(),
            display_name: display.into(),
            role: role.into(),
            unit,
            password: DEMO_PASSWORD.into(),
        };
        out.push(app.create_user(None, &input).await?);
    }
    Ok(out)
}

fn user<'a>(users: &'a [Principal], name: &str) -> &'a Principal {
    users.iter().find(|u| u.username == name).unwrap_or(&users[0])
}

/// The handler account of `unit`: a named demo user where there is one, else `unit-<code>` (created
/// on first use with the demo password), so every demo order is handled by an account of its own unit.
async fn handler_for(app: &App, users: &mut Vec<Principal>, unit: UnitId) -> anyhow::Result<Principal> {
    if let Some(u) = users.iter().find(|u| u.role == hotline_domain::Role::UnitHandler && u.unit == Some(unit)) {
        return Ok(u.clone());
    }
    let u = app.unit(unit)?;
    let input = NewUserInput {
        username: format!("unit-{}", u.code.to_lowercase()),
        display_name: format!("{} 承办人", u.name),
        role: "unit_handler".into(),
        unit: Some(unit.0),
        password: DEMO_PASSWORD.into(),
    };
    let p = app.create_user(None, &input).await?;
    users.push(p.clone());
    Ok(p)
}

/// Whether the database holds no orders yet (a new demo).
pub async fn is_new(app: &App) -> anyhow::Result<bool> {
    let probe = hotline_store::OrderQuery { limit: 1, ..Default::default() };
    Ok(app.orders().list_orders(&probe).await?.orders.is_empty())
}

/// For a new demo (`fresh`): `days` of generated history at `per_day` requests a day, ending where
/// the live demo orders begin (15 days ago) and taken as of today, imported as `hotline
/// import-history` would, and read into the analytics read model.
pub async fn seed_history(app: &Arc<App>, fresh: bool, days: u32, per_day: u32) -> anyhow::Result<Option<crate::history::ImportReport>> {
    if !fresh || days == 0 || per_day == 0 {
        return Ok(None);
    }
    let today = app
        .clock
        .now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| chrono::FixedOffset::east_opt(0).expect("UTC")))
        .date_naive();
    let start = today - chrono::Days::new(u64::from(days) + 15);
    let args = crate::generate::GenerateArgs {
        count: 0,
        seed: 2026,
        start: start.format("%Y-%m-%d").to_string(),
        days,
        surge: None,
        history: true,
        per_day,
        as_of: Some(today.format("%Y-%m-%d").to_string()),
    };
    let mut lines = Vec::with_capacity(per_day as usize * days as usize * 700);
    crate::generate::generate(&args, &mut lines)?;
    let open = || Ok(std::io::Cursor::new(lines.as_slice()));
    let report = crate::history::import(app, "demo-history.jsonl", open, crate::history::DEFAULT_BATCH, &mut std::io::sink()).await?;
    app.sync_analytics().await.map_err(anyhow::Error::new)?;
    Ok(Some(report))
}

/// Seeds `count` orders unless the database already has orders. Returns how many were made.
pub async fn seed_orders(store: Arc<dyn hotline_store::Store>, count: usize, now: Timestamp, seed: u64) -> anyhow::Result<usize> {
    let clock = Arc::new(FixedClock::new(now));
    let app =
        App::new(store, clock.clone(), hotline_app::AppConfig { argon2_memory_kib: 1024, argon2_iterations: 1, ..Default::default() })
            .await?;
    // This app instance needs the dispatch catalogue and boundaries the server loads at start.
    crate::seed::ensure_reference_data(&app).await?;
    let probe = hotline_store::OrderQuery { limit: 1, ..Default::default() };
    if !app.orders().list_orders(&probe).await?.orders.is_empty() {
        return Ok(0);
    }
    crate::seed::ensure_sample_articles(&app).await?;
    // Consultations are answered from the sample articles where one serves the category.
    app.sync_search().await?;
    let mut users = ensure_users(&app).await?;
    let operator = user(&users, "operator").clone();
    let supervisor = user(&users, "supervisor").clone();
    let callback = user(&users, "callback").clone();
    let mut rng = crate::generate::Rng::new(seed);
    let err = |e: hotline_app::AppError| anyhow::Error::new(e);
    let requests = generated_requests(&app, count, now, seed)?;
    let mut numbers: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for (i, g) in requests.iter().enumerate() {
        let at = g.received_at;
        let days_ago = (now - at).num_days();
        clock.set(at);
        let name = format!("{}{}", rng.pick(SURNAMES), if rng.below(2) == 0 { "先生" } else { "女士" });
        let category = g.category.clone();
        let suggestion = app.suggest_dispatch(&category, g.district, g.street);
        // The generator's disposition is the ground truth; dispatch goes where the catalogue says.
        let disposition = match g.disposition.as_str() {
            "answer" => Some(answer_from_kb(&app, &g.text, &category).await),
            "redirect" => Some(Command::Redirect {
                reason: "属于诉讼、仲裁或信访渠道的事项，已告知来电人依法定途径办理。".into()
            }),
            "duplicate" => g.duplicate_of.as_ref().and_then(|d| numbers.get(d)).map(|n| Command::LinkDuplicate { of: n.clone() }),
            t if t.starts_with("transfer_") => {
                Some(Command::Transfer { service: t.trim_start_matches("transfer_").into(), note: "已三方转接".into() })
            }
            _ => suggestion.as_ref().map(|s| Command::Dispatch {
                main_unit: s.main_unit.id,
                co_units: s.co_units.iter().map(|u| u.id).collect(),
                note: String::new(),
            }),
        };
        // 5% stay untriaged web submissions.
        let untriaged = rng.below(100) >= 95 && g.disposition == "dispatch";
        // Some emergencies the operator hands straight to 119 (a three-way call) instead.
        let disposition =
            if (g.urgency == "emergency" || g.category.starts_with("EMG/")) && g.disposition == "dispatch" && rng.below(2) == 0 {
                Some(Command::Transfer { service: "119".into(), note: "险情，已三方转接119".into() })
            } else {
                disposition
            };
        let input = CreateOrderInput {
            channel: Some(if untriaged { "web".into() } else { g.channel.clone() }),
            description: g.text.clone(),
            requester: RequesterInput {
                name,
                phone: Some(g.phone.clone()),
                language: Some(g.lang.clone()),
                age_group: Some(["adult", "adult", "senior", "minor"][rng.below(4)].into()),
                confidential: rng.below(20) == 0,
            },
            location: LocationInput {
                address: g.community.clone().unwrap_or_default(),
                district: g.district.map(|d| d.0),
                street: g.street.map(|s| s.0),
                lng: None,
                lat: None,
            },
            attachments: vec![],
            triage: (!untriaged).then(|| TriageInput { nature: g.nature.clone(), category: category.clone(), urgency: g.urgency.clone() }),
            disposition: if untriaged { None } else { disposition },
            suggestion: None,
            incident: None,
        };
        let (view, _) = app.create_order(&operator, &input, Some(&format!("demo-{seed}-{i}"))).await.map_err(err)?;
        numbers.insert(g.id.clone(), view.number.clone());
        let Some(main) = suggestion.as_ref().map(|s| UnitId(s.main_unit.id)).filter(|_| view.state == hotline_domain::State::Dispatched)
        else {
            continue;
        };
        // Walk the dispatched order some way along its life, each step a few hours after the last.
        let handler = handler_for(&app, &mut users, main).await?;
        let steps: Vec<(&Principal, Command)> = vec![
            (&handler, Command::Sign {}),
            (&handler, Command::Contact { note: "已电话联系诉求人，约定上门时间".into() }),
            (&handler, Command::StartWork { note: "已到现场核实".into() }),
            (
                &handler,
                Command::Reply {
                    outcome: if rng.below(10) < 8 { "resolved" } else { "explained" }.into(),
                    text: "已到现场处理，问题已解决，并向诉求人反馈。".into(),
                },
            ),
            (
                &callback,
                Command::Evaluate {
                    contacted: Some(true),
                    resolution: ["resolved", "resolved", "resolved", "partly", "unresolved"][rng.below(5)].into(),
                    satisfaction: ["satisfied", "satisfied", "satisfied", "basic", "unsatisfied"][rng.below(5)].into(),
                    comment: String::new(),
                },
            ),
            (&supervisor, Command::Close { note: String::new() }),
        ];
        // Older orders are further along, but every stage stays represented (some old ones overdue).
        let stop = if days_ago < 1 {
            rng.below(3)
        } else if days_ago < 4 {
            rng.below(6)
        } else {
            rng.below(7)
        };
        let mut t_at = at;
        for (k, (who, cmd)) in steps.into_iter().enumerate().take(stop) {
            let last_at = t_at;
            t_at += Duration::minutes(30 + rng.below(16 * 60) as i64);
            if t_at >= now {
                break;
            }
            clock.set(t_at);
            // Side branches, so every state appears: disputes, extensions, supervision, reopening.
            if k == 1 && rng.below(12) == 0 {
                // Within the dispute window (24 h from dispatch): soon after signing.
                clock.set(t_at.min(last_at + Duration::minutes(30)));
                app.act(
                    &handler,
                    &view.number,
                    &Command::Dispute {
                        reason: "该事项属于物业管理范围，不属于本单位职责".into(), proposed_unit: None
                    },
                    None,
                )
                .await
                .map_err(err)?;
                if rng.below(2) == 0 {
                    break;
                }
                clock.set(t_at + Duration::minutes(20));
                app.act(
                    &supervisor,
                    &view.number,
                    &Command::Arbitrate {
                        decision: "uphold".into(),
                        main_unit: None,
                        co_units: vec![],
                        reason: "属地管理，维持原派单".into(),
                    },
                    None,
                )
                .await
                .map_err(err)?;
                clock.set(t_at + Duration::minutes(40));
            }
            if k == 3 && rng.below(10) == 0 {
                let order = app.order_detail(&supervisor, &view.number).await.map_err(err)?.order;
                let until = order.dues.reply_due.unwrap_or(t_at) + Duration::days(7);
                app.act(&handler, &view.number, &Command::RequestExtension { reason: "需协调多个部门，申请延期7天".into(), until }, None)
                    .await
                    .map_err(err)?;
                break;
            }
            if k == 2 && rng.below(15) == 0 {
                app.act(
                    &supervisor,
                    &view.number,
                    &Command::Supervise {
                        on: true,
                        note: "重复来电，请加快办理".into(),
                        reason: Some("repeated".into()),
                        reach_site_by: None,
                    },
                    None,
                )
                .await
                .map_err(err)?;
            }
            if k == 2 && rng.below(12) == 0 {
                // The requester is away: the clock waits with the order.
                app.act(&handler, &view.number, &Command::PauseClock { reason: "诉求人出差，约定返京后上门查看".into() }, None)
                    .await
                    .map_err(err)?;
                break;
            }
            if k == 4 && rng.below(6) == 0 {
                app.act(&callback, &view.number, &Command::CallbackAttempt { note: "无人接听".into() }, None).await.map_err(err)?;
            }
            let after = app.act(who, &view.number, &cmd, None).await.map_err(err)?;
            if after.state == hotline_domain::State::Reopened {
                // The callback found it unresolved or unsatisfying: back to the unit (重办).
                break;
            }
            if k == 4 && rng.below(8) == 0 {
                clock.set(t_at + Duration::minutes(30));
                app.act(&supervisor, &view.number, &Command::Reopen { reason: "回访不满意，重新办理".into() }, None).await.map_err(err)?;
                break;
            }
        }
    }
    // A duplicate pair, so the demo shows a case with two orders.
    clock.set(now - Duration::hours(2));
    let first = app
        .list_orders(
            &operator,
            &hotline_app::orders::ListInput { state: Some("dispatched,signed".into()), limit: Some(1), ..Default::default() },
        )
        .await
        .map_err(err)?;
    if let Some(o) = first.orders.first() {
        let dup = CreateOrderInput {
            channel: Some("phone".into()),
            description: format!("再次来电：{}", o.description),
            requester: RequesterInput { name: "吴女士".into(), phone: Some("13911112222".into()), ..Default::default() },
            location: LocationInput { address: o.location.address.clone(), ..Default::default() },
            attachments: vec![],
            triage: None,
            disposition: Some(Command::LinkDuplicate { of: o.number.clone() }),
            suggestion: None,
            incident: None,
        };
        app.create_order(&operator, &dup, Some("demo-duplicate")).await.map_err(err)?;
    }
    Ok(requests.len() + 1)
}

/// A generated request, with its ground truth, placed on this database's units.
struct DemoRequest {
    id: String,
    channel: String,
    lang: String,
    text: String,
    received_at: Timestamp,
    district: Option<UnitId>,
    street: Option<UnitId>,
    community: Option<String>,
    phone: String,
    nature: String,
    category: String,
    urgency: String,
    disposition: String,
    duplicate_of: Option<String>,
}

/// `count` requests from the generator over the last two weeks (none after `now`), weighted towards
/// the demo handlers' units so every inbox has work: all candidates at 望京街道, 中关村街道 or about
/// heating first, then the rest in generated order.
fn generated_requests(app: &App, count: usize, now: Timestamp, seed: u64) -> anyhow::Result<Vec<DemoRequest>> {
    let start = (now - Duration::days(14)).date_naive().format("%Y-%m-%d").to_string();
    let args =
        crate::generate::GenerateArgs { count: count * 100, seed, start, days: 15, surge: None, history: false, per_day: 300, as_of: None };
    let mut buf = Vec::new();
    crate::generate::generate(&args, &mut buf)?;
    let units = app.units();
    let district_id = |name: &str| units.all().iter().find(|u| u.class == UnitClass::District && u.name == name).map(|u| u.id);
    let street_id = |name: &str, district: Option<UnitId>| {
        units
            .all()
            .iter()
            .find(|u| {
                u.class == UnitClass::Street
                    && u.name == name
                    && (district.is_none() || units.ancestor_of_class(u.id, UnitClass::District).map(|d| d.id) == district)
            })
            .map(|u| u.id)
    };
    let mut all = Vec::new();
    for line in buf.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        let v: serde_json::Value = serde_json::from_slice(line)?;
        let s = |k: &str| v[k].as_str().map(str::to_owned);
        let received_at: Timestamp = s("received_at").unwrap_or_default().parse()?;
        if received_at >= now {
            continue;
        }
        let district = s("district").and_then(|d| district_id(&d));
        let street = s("street").and_then(|n| street_id(&n, district));
        let category = v["category_path"].as_array().and_then(|p| p.last()).and_then(|c| c.as_str()).unwrap_or("OTH").to_owned();
        all.push(DemoRequest {
            id: s("id").unwrap_or_default(),
            channel: s("channel").unwrap_or_else(|| "phone".into()),
            lang: s("lang").unwrap_or_else(|| "zh".into()),
            text: s("text").unwrap_or_default(),
            received_at,
            district,
            street,
            community: s("community"),
            phone: s("phone").unwrap_or_default(),
            nature: s("nature").unwrap_or_else(|| "complaint".into()),
            category,
            urgency: s("urgency").unwrap_or_else(|| "general".into()),
            disposition: s("disposition").unwrap_or_else(|| "dispatch".into()),
            duplicate_of: s("duplicate_of"),
        });
    }
    let demo_streets: Vec<UnitId> = ["110105026", "110108011"].iter().filter_map(|c| units.by_code(c).map(|u| u.id)).collect();
    let at_demo_street = |r: &DemoRequest| r.duplicate_of.is_none() && r.street.is_some_and(|s| demo_streets.contains(&s));
    let (mut picked, rest): (Vec<DemoRequest>, Vec<DemoRequest>) = all.into_iter().partition(at_demo_street);
    picked.truncate(count / 4);
    let (heating, rest): (Vec<DemoRequest>, Vec<DemoRequest>) =
        rest.into_iter().partition(|r| r.duplicate_of.is_none() && r.category.starts_with("UTL/heating"));
    picked.extend(heating.into_iter().take(count / 10));
    // A few emergencies and transfers, so the demo shows those paths whatever the seed.
    let (urgent, rest): (Vec<DemoRequest>, Vec<DemoRequest>) =
        rest.into_iter().partition(|r| r.duplicate_of.is_none() && (r.urgency == "emergency" || r.disposition.starts_with("transfer_")));
    picked.extend(urgent.into_iter().take((count / 30).max(2)));
    let room = count.saturating_sub(picked.len());
    picked.extend(rest.into_iter().take(room));
    picked.sort_by_key(|r| r.received_at);
    Ok(picked)
}

/// The operator's direct answer to a consultation: from the best article serving its category when
/// there is one (so the knowledge base's use shows in the demo), else a plain answer.
async fn answer_from_kb(app: &App, text: &str, category: &str) -> Command {
    let input = hotline_app::search::ArticleSearchInput {
        q: text.chars().take(500).collect(),
        category: Some(category.to_owned()),
        limit: Some(1),
        offset: None,
    };
    let best = app.search_articles(None, &input).await.ok().and_then(|f| f.hits.into_iter().next());
    match best {
        Some(h) => {
            let title: String = h.title_zh.iter().map(|s| s.text.as_str()).collect();
            Command::Answer { answer: format!("已依据知识库《{title}》答复来电人。"), article: Some(h.slug) }
        }
        None => Command::Answer { answer: "已根据知识库答复来电人办理条件、材料和流程。".into(), article: None },
    }
}
