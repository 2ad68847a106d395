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
pub const DEMO_USERS: [(&str, &str, &str, Option<&str>); 9] = [
    ("operator", "话务员 王丽", "operator", None),
    ("supervisor", "派单督办 张强", "supervisor", None),
    ("wangjing", "望京街道 李娜", "unit_handler", Some("110105026")),
    ("zhongguancun", "中关村街道 赵磊", "unit_handler", Some("110108011")),
    ("chaoyang", "朝阳区 管理员 周敏", "unit_admin", Some("110105")),
    ("heating", "热力集团 陈刚", "unit_handler", Some("U-HEAT")),
    ("callback", "回访员 刘芳", "callback_agent", None),
    ("analyst", "分析员 孙悦", "analyst", None),
    ("admin", "系统管理员", "admin", None),
];

/// A request template: text, nature, category, urgency, and who handles it (`None`: the street of
/// the place, 属地; `Some(code)`: a named department or utility).
struct Template {
    text: &'static str,
    nature: &'static str,
    category: &'static str,
    urgency: &'static str,
    unit: Option<&'static str>,
}

const TEMPLATES: &[Template] = &[
    Template {
        text: "市民来电反映：{place}小区门口长期有车辆乱停，占用消防通道，影响通行，希望尽快处理。",
        nature: "complaint",
        category: "TRF/illegal_parking",
        urgency: "general",
        unit: None,
    },
    Template {
        text: "来电人反映{place}附近工地夜间施工噪音大，晚上11点以后仍在施工，影响休息。",
        nature: "complaint",
        category: "CON/noise",
        urgency: "general",
        unit: None,
    },
    Template {
        text: "市民反映{place}家中暖气不热，室温只有14度，家中有老人，希望热力公司尽快上门检修。",
        nature: "help",
        category: "UTL/heating",
        urgency: "utility24h",
        unit: Some("U-HEAT"),
    },
    Template {
        text: "来电反映{place}楼内停水，已持续半天，没有收到停水通知。",
        nature: "help",
        category: "UTL/water",
        urgency: "utility24h",
        unit: Some("U-WATER"),
    },
    Template {
        text: "市民反映{place}小区垃圾桶满溢，已两天无人清运，气味很大。",
        nature: "complaint",
        category: "CTY/garbage",
        urgency: "general",
        unit: None,
    },
    Template {
        text: "来电人咨询老旧小区加装电梯的申请条件和办理流程，所在小区为{place}。",
        nature: "consult",
        category: "HOU/elevator",
        urgency: "general",
        unit: None,
    },
    Template {
        text: "市民反映{place}路边有商贩占道经营，早晚高峰影响行人通行。",
        nature: "report",
        category: "CTY/vendors",
        urgency: "general",
        unit: None,
    },
    Template {
        text: "来电人反映其在{place}一家装修公司工作三个月，公司拖欠工资两万余元，希望帮助追讨。",
        nature: "help",
        category: "LAB/wages",
        urgency: "general",
        unit: Some("D-RSJ"),
    },
    Template {
        text: "市民反映{place}一家餐馆油烟直排，对着居民楼窗户，夏天不敢开窗。",
        nature: "complaint",
        category: "ENV/fumes",
        urgency: "general",
        unit: None,
    },
    Template {
        text: "来电人反映{place}小区物业不作为，楼道灯坏了一个月没人修。",
        nature: "complaint",
        category: "PRP/service",
        urgency: "general",
        unit: None,
    },
    Template {
        text: "市民建议在{place}路口增设行人过街信号灯，老人孩子过马路很危险。",
        nature: "suggestion",
        category: "TRF/signals",
        urgency: "general",
        unit: Some("D-JGJ"),
    },
    Template {
        text: "来电人反映在{place}附近超市购买的食品已过期，商家拒绝退换。",
        nature: "complaint",
        category: "MKT/food",
        urgency: "general",
        unit: Some("D-SCJG"),
    },
    Template {
        text: "市民反映{place}共享单车堆放在人行道上，堵塞盲道。",
        nature: "complaint",
        category: "TRF/bikes",
        urgency: "general",
        unit: None,
    },
    Template {
        text: "来电人表扬{place}街道工作人员上门帮助独居老人解决取暖问题，服务热情。",
        nature: "praise",
        category: "CIV/elderly",
        urgency: "general",
        unit: None,
    },
    Template {
        text: "市民反映{place}有人私搭乱建，在楼顶加盖彩钢板房。",
        nature: "report",
        category: "CON/illegal_building",
        urgency: "complex",
        unit: None,
    },
    Template {
        text: "来电人反映{place}楼道内闻到明显燃气味，担心泄漏，请求紧急处置。",
        nature: "help",
        category: "EMG/gas_leak",
        urgency: "emergency",
        unit: Some("U-GAS"),
    },
    Template {
        text: "市民咨询孩子在{place}附近上小学的入学登记时间和所需材料。",
        nature: "consult",
        category: "EDU/enrolment",
        urgency: "general",
        unit: None,
    },
    Template {
        text: "Caller (English speaker) reports that the street lights near {place} have been out for a week, it is dark and unsafe at night.",
        nature: "complaint",
        category: "CON/roads",
        urgency: "general",
        unit: None,
    },
    Template {
        text: "来电人反映{place}网购商品收到后与描述不符，平台客服推诿不予处理。",
        nature: "complaint",
        category: "MKT/online",
        urgency: "general",
        unit: Some("D-SCJG"),
    },
    Template {
        text: "市民反映{place}公交站台候车亭破损，下雨天无法避雨。",
        nature: "complaint",
        category: "TRN/bus",
        urgency: "general",
        unit: Some("U-BUS"),
    },
    Template {
        text: "来电人反映{place}小区邻居在楼道堆放杂物，多次沟通无果，存在消防隐患。",
        nature: "complaint",
        category: "ORD/neighbour",
        urgency: "complex",
        unit: None,
    },
    Template {
        text: "市民反映{place}的快递驿站不送货上门，还要另收费用。",
        nature: "complaint",
        category: "POS/express",
        urgency: "general",
        unit: Some("D-YZGL"),
    },
    Template {
        text: "来电人反映{place}家中宽带经常断网，报修一周无人处理。",
        nature: "complaint",
        category: "POS/telecom",
        urgency: "general",
        unit: Some("U-UNICOM"),
    },
    Template {
        text: "市民反映{place}的行道树树枝快碰到电线，刮风时很危险，请尽快修剪。",
        nature: "help",
        category: "CTY/greening",
        urgency: "general",
        unit: None,
    },
];

const SURNAMES: &[&str] =
    &["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "高", "罗"];
const PLACES: &[(&str, &[&str])] = &[
    ("110105026", &["望京西园三区", "望京花家地北里", "南湖东园", "望京新城", "宝星园"]),
    ("110108011", &["知春里西社区8号楼", "黄庄小区", "科学院南路", "中关村南大街"]),
    ("110114011", &["回龙观龙泽苑", "回龙观新龙城", "回龙观田园风光雅苑"]),
    ("110101001", &["东华门大街", "南池子大街", "北河沿大街"]),
    ("110105017", &["三里屯路", "工体北路"]),
    ("110106001", &["丰台大街", "东安街头条"]),
];

/// A small deterministic generator (xorshift64*), so the demo world is the same every time.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

fn unit_by_code(app: &App, code: &str) -> anyhow::Result<UnitId> {
    app.units().by_code(code).map(|u| u.id).ok_or_else(|| anyhow::anyhow!("demo needs unit {code}"))
}

/// Creates the demo users if they are missing. Returns them by username.
pub async fn ensure_users(app: &App) -> anyhow::Result<Vec<Principal>> {
    let existing = app.store.list_users().await.map_err(|e| anyhow::anyhow!("{e}"))?;
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
        out.push(app.create_user(None, &input).await.map_err(|e| anyhow::anyhow!("{e}"))?);
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
    let u = app.unit(unit).map_err(|e| anyhow::anyhow!("{e}"))?;
    let input = NewUserInput {
        username: format!("unit-{}", u.code.to_lowercase()),
        display_name: format!("{} 承办人", u.name),
        role: "unit_handler".into(),
        unit: Some(unit.0),
        password: DEMO_PASSWORD.into(),
    };
    let p = app.create_user(None, &input).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    users.push(p.clone());
    Ok(p)
}

/// Seeds `count` orders unless the database already has orders. Returns how many were made.
pub async fn seed_orders(store: Arc<dyn hotline_store::Store>, count: usize, now: Timestamp, seed: u64) -> anyhow::Result<usize> {
    let clock = Arc::new(FixedClock::new(now));
    let app =
        App::new(store, clock.clone(), hotline_app::AppConfig { argon2_memory_kib: 1024, argon2_iterations: 1, ..Default::default() })
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    let probe = hotline_store::OrderQuery { limit: 1, ..Default::default() };
    if !app.store.list_orders(&probe).await.map_err(|e| anyhow::anyhow!("{e}"))?.orders.is_empty() {
        return Ok(0);
    }
    let mut users = ensure_users(&app).await?;
    let operator = user(&users, "operator").clone();
    let supervisor = user(&users, "supervisor").clone();
    let callback = user(&users, "callback").clone();
    let mut rng = Rng(seed | 1);
    let err = |e: hotline_app::AppError| anyhow::anyhow!("{e}");
    for i in 0..count {
        let t = rng.pick(TEMPLATES);
        let (street_code, places) = rng.pick(PLACES);
        let place = *rng.pick(places);
        let street = unit_by_code(&app, street_code)?;
        let district = app.units().ancestor_of_class(street, UnitClass::District).map(|d| d.id);
        // Received some time in the last 14 days, during the day (Beijing 08–20h).
        let days_ago = rng.below(14) as i64;
        let mut at = now - Duration::days(days_ago) - Duration::minutes(rng.below(12 * 60) as i64);
        if at > now {
            at = now - Duration::minutes(5);
        }
        clock.set(at);
        let main = match t.unit {
            Some(code) => unit_by_code(&app, code)?,
            None => street,
        };
        let phone = format!("13{}{:08}", 5 + rng.below(5), rng.next() % 100_000_000);
        let name = format!("{}{}", rng.pick(SURNAMES), if rng.below(2) == 0 { "先生" } else { "女士" });
        let english = t.text.starts_with("Caller");
        let text = t.text.replace("{place}", place);
        // 5% stay untriaged web submissions; consultations are answered directly; emergencies of
        // fire or police matters are transferred; a few are redirected or duplicates.
        let roll = rng.below(100);
        let disposition = if t.nature == "consult" && roll < 70 {
            Some(Command::Answer { answer: "已根据知识库答复来电人办理条件、材料和流程。".into() })
        } else if t.urgency == "emergency" && roll < 30 {
            Some(Command::Transfer { service: "119".into(), note: "疑似燃气泄漏，已转119".into() })
        } else if roll < 3 {
            Some(Command::Redirect {
                reason: "属于劳动仲裁事项，已告知来电人通过劳动人事争议仲裁委员会申请仲裁。".into()
            })
        } else {
            Some(Command::Dispatch { main_unit: main.0, co_units: vec![], note: String::new() })
        };
        let untriaged = roll >= 95;
        let input = CreateOrderInput {
            channel: Some(if untriaged { "web" } else { "phone" }.into()),
            description: text,
            requester: RequesterInput {
                name,
                phone: Some(phone),
                language: Some(if english { "en" } else { "zh" }.into()),
                age_group: Some(["adult", "adult", "senior", "minor"][rng.below(4)].into()),
                confidential: rng.below(20) == 0,
            },
            location: LocationInput {
                address: place.into(),
                district: district.map(|d| d.0),
                street: Some(street.0),
                lng: None,
                lat: None,
            },
            attachments: vec![],
            triage: (!untriaged).then(|| TriageInput { nature: t.nature.into(), category: t.category.into(), urgency: t.urgency.into() }),
            disposition: if untriaged { None } else { disposition },
        };
        let (view, _) = app.create_order(&operator, &input, Some(&format!("demo-{seed}-{i}"))).await.map_err(err)?;
        if view.state != "dispatched" {
            continue;
        }
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
                    contacted: true,
                    resolution: ["resolved", "resolved", "resolved", "partly", "unresolved"][rng.below(5)].into(),
                    satisfaction: ["satisfied", "satisfied", "satisfied", "basic", "unsatisfied"][rng.below(5)].into(),
                    comment: String::new(),
                },
            ),
            (&supervisor, Command::Close { note: String::new() }),
        ];
        let stop = if days_ago < 1 {
            rng.below(3)
        } else if days_ago < 4 {
            rng.below(6)
        } else {
            3 + rng.below(4)
        };
        let mut t_at = at;
        for (k, (who, cmd)) in steps.into_iter().enumerate().take(stop) {
            t_at += Duration::minutes(30 + rng.below(16 * 60) as i64);
            if t_at >= now {
                break;
            }
            clock.set(t_at);
            // Side branches, so every state appears: disputes, extensions, supervision, reopening.
            if k == 1 && rng.below(12) == 0 {
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
                app.act(&supervisor, &view.number, &Command::Supervise { on: true, note: "重复来电，请加快办理".into() }, None)
                    .await
                    .map_err(err)?;
            }
            app.act(who, &view.number, &cmd, None).await.map_err(err)?;
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
        };
        app.create_order(&operator, &dup, Some("demo-duplicate")).await.map_err(err)?;
    }
    Ok(count + 1)
}
