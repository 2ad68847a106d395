//! The engines alone, on one thread: place resolution over the shipped gazetteer, triage per
//! request and training.

use std::time::{Duration, Instant};

use hotline_domain::UnitClass;

use super::{peak_rss_mb, percentile, rss_mb, start_server};

/// Request texts as they reach intake: formal addresses, operator summaries, citizens' own words,
/// townships and villages, names several places share, and requests that name no place.
pub(super) const PLACE_TEXTS: [&str; 50] = [
    "市民来电反映：海淀区中关村街道知春里西社区8号楼门口车辆乱停",
    "市民来电反映：朝阳区望京街道望京西园三区12号楼门口长期有车辆乱停，占用消防通道，影响通行，希望尽快处理。",
    "东城区交道口街道南锣鼓巷社区菊儿胡同夜间施工扰民",
    "西城区什刹海街道护国寺社区护国寺东巷12号房屋漏雨",
    "丰台区方庄街道芳古园一区第一社区3号楼楼顶漏水",
    "石景山区鲁谷街道依翠园北社区电动车充电桩损坏",
    "门头沟区龙泉地区琉璃渠村委会村口路灯损坏",
    "房山区长阳镇碧桂园社区物业乱收费",
    "通州区九棵树街道翠屏北里社区幼儿园门前拥堵",
    "顺义区胜利街道义宾北区社区12号楼供暖不热",
    "昌平区回龙观街道龙博苑社区一区12号楼停电",
    "大兴区亦庄地区贵园南里社区7号楼供暖不热",
    "怀柔区泉河街道富乐北里社区楼道堆物",
    "平谷区兴谷街道乐园东社区楼下烧烤油烟扰民",
    "密云区鼓楼街道宾阳里社区8号楼停水",
    "延庆区香水园街道川北东社区路灯不亮",
    "来电人反映朝阳区东坝街道东坝家园社区有人私搭乱建",
    "诉求人表示其居住在海淀区万柳地区，小区周边夜间施工",
    "市民反映西城区德胜街道马甸社区附近夜间渣土车扰民",
    "望京这边南湖东园小区停车难",
    "回龙观那边的龙泽苑，小区门口天天堵车",
    "在三里屯，酒吧夜里太吵了",
    "知春里这边有个井盖丢了",
    "东坝村那条路坑坑洼洼的",
    "大兴黄村这边路灯不亮",
    "通州梨园有个小区停水三天了",
    "昌平沙河镇的路灯晚上不亮",
    "王府井步行街上有人发小广告",
    "我在中关村上班，楼下的路灯坏了",
    "宋庄这边的画家村有人烧垃圾",
    "后沙峪这边的别墅区停电",
    "延庆八达岭那边旅游大巴乱停",
    "平谷金海湖那边的民宿乱收费",
    "我住海淀，暖气不热",
    "密云这边的水库边有人游泳",
    "房山区霞云岭乡堂上村委会山路塌方",
    "怀柔喇叭沟门乡那边山路塌方",
    "通州于家务乡有养殖场臭味大",
    "来电人称其在宋庄小堡村，村里有人私搭乱建",
    "司马台村的民宿排污",
    "小黄庄社区的垃圾桶满了没人清",
    "新华社社区这边停车难",
    "三里河那边的树倒了",
    "我住天通苑，暖气一直不热",
    "八里庄街道办事处不作为",
    "西城区青年湖社区下水道返味",
    "请问社保卡丢了怎么补办",
    "出租车司机绕路多收费，车牌号京B12345",
    "反映某外卖平台商家食品不卫生，吃了拉肚子",
    "来电人咨询退休金调整政策，要求回电",
];

/// Builds the gazetteer from the shipped units and times `iterations` resolutions on this thread.
pub(super) fn places(iterations: usize) -> anyhow::Result<()> {
    let units = crate::seed::shipped_units()?;
    let places = units.iter().filter(|u| matches!(u.class, UnitClass::District | UnitClass::Street | UnitClass::Community)).count();
    let t = Instant::now();
    let gazetteer = hotline_places::Gazetteer::new(&units);
    let build = t.elapsed();
    // Warm up caches and the branch predictor on every text.
    for text in PLACE_TEXTS {
        std::hint::black_box(gazetteer.resolve(std::hint::black_box(text)));
    }
    let mut lat = Vec::with_capacity(iterations);
    let start = Instant::now();
    for i in 0..iterations {
        let text = std::hint::black_box(PLACE_TEXTS[i % PLACE_TEXTS.len()]);
        let t = Instant::now();
        std::hint::black_box(gazetteer.resolve(text));
        lat.push(t.elapsed());
    }
    let elapsed = start.elapsed();
    lat.sort();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    let p99 = percentile(&lat, 0.99);
    println!(
        "place resolution, {} texts, 1 thread: {iterations} calls in {:.2} s = {:.0}/s; latency p50 {:.2} µs, p90 {:.2} µs, p99 {:.2} µs, max {:.1} µs",
        PLACE_TEXTS.len(),
        elapsed.as_secs_f64(),
        iterations as f64 / elapsed.as_secs_f64(),
        us(percentile(&lat, 0.5)),
        us(percentile(&lat, 0.9)),
        us(p99),
        us(lat.last().copied().unwrap_or_default()),
    );
    println!("\nFIGURES");
    println!("gazetteer build ({places} districts, streets and communities): {:.1} ms", build.as_secs_f64() * 1e3);
    println!("place resolution p99: {:.2} µs (limit <= 50 µs: {:.3} of the limit)", us(p99), us(p99) / 50.0);
    Ok(())
}

pub(super) async fn triage(requests: usize, train: usize, database: Option<&str>) -> anyhow::Result<()> {
    let server = match database {
        Some(url) => super::start_server_with(|c| c.database_url = crate::config::DatabaseUrl(url.to_owned())).await?,
        None => start_server().await?,
    };
    let app = server.app.clone();
    let engine = app.triage_engine().ok_or_else(|| anyhow::anyhow!("no triage model"))?;
    let texts: Vec<String> = crate::triage::read_labelled(crate::triage::HANDWRITTEN)?
        .into_iter()
        .map(|l| l.text)
        .chain(crate::triage::generated_examples(2_000, 7)?.into_iter().map(|l| l.text))
        .chain(crate::triage::corpus(crate::triage::Part::Test)?.into_iter().map(|l| l.text))
        .collect();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    for t in &texts {
        std::hint::black_box(engine.suggest(t));
    }
    let mut lat = Vec::with_capacity(requests);
    for i in 0..requests {
        let text = std::hint::black_box(&texts[i % texts.len()]);
        let t = Instant::now();
        std::hint::black_box(engine.suggest(text));
        lat.push(t.elapsed());
    }
    lat.sort();
    let engine_p99 = percentile(&lat, 0.99);
    println!(
        "engine only ({} texts, 1 thread): p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs",
        texts.len(),
        us(percentile(&lat, 0.5)),
        us(engine_p99),
        us(lat.last().copied().unwrap_or_default())
    );
    let mut lat = Vec::with_capacity(requests);
    for i in 0..requests {
        let t = Instant::now();
        std::hint::black_box(app.triage(None, &texts[i % texts.len()], None, None).await?);
        lat.push(t.elapsed());
    }
    lat.sort();
    let full_p99 = percentile(&lat, 0.99);
    println!(
        "full triage (engine + place + unit + duplicates among stored orders): p50 {:.0} µs, p99 {:.0} µs",
        us(percentile(&lat, 0.5)),
        us(full_p99)
    );

    let examples = crate::triage::generated_examples(train, 11)?;
    let rss_before = rss_mb();
    let t = Instant::now();
    let tree = crate::triage::tree_knowledge(&app);
    let model = hotline_triage::TriageModel::train(
        &examples,
        &tree,
        hotline_triage::ModelInfo::default(),
        &hotline_triage::TrainOptions::default(),
    );
    let trained = t.elapsed();
    let peak = peak_rss_mb();
    let bytes = model.to_bytes().len() as f64 / 1e6;
    println!(
        "training on {train} generated requests: {:.1} s; peak RSS {peak:.0} MB (before {rss_before:.0} MB); model {bytes:.1} MB",
        trained.as_secs_f64()
    );
    println!("\nFIGURES");
    println!("triage p99 (engine, 1 thread): {:.0} µs (limit <= 1 ms: {:.3} of the limit)", us(engine_p99), us(engine_p99) / 1000.0);
    println!("triage p99 (full use case): {:.0} µs ({:.3} of 1 ms)", us(full_p99), us(full_p99) / 1000.0);
    println!(
        "training on {train}: {:.1} s (limit 300 s: {:.3}); peak RSS {peak:.0} MB (limit 4096 MB: {:.3}); model {bytes:.1} MB (limit 50 MB: {:.3})",
        trained.as_secs_f64(),
        trained.as_secs_f64() / 300.0,
        peak / 4096.0,
        bytes / 50.0
    );
    Ok(())
}
