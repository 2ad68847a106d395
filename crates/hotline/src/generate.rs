//! `hotline generate`: synthetic 12345 requests as JSON Lines, with their ground truth.
//!
//! Everything is built in memory from the shipped units ([`crate::seed::shipped_units`]) and the
//! shipped category tree; no database. The output is deterministic for a seed (a self-written
//! xorshift64* generator seeded through splitmix64).
//!
//! Each line: `id`, `channel`, `lang`, `text`, `received_at` (RFC 3339, UTC), `district`, `street`,
//! `community` (official names, `null` when the text does not name them), `phone`, `nature`,
//! `category` (first level), `category_path` (the codes of every level from the first to the leaf,
//! e.g. `["UTL","UTL/heating","UTL/heating/not_warm"]`), `urgency`, `disposition`, `duplicate_of`.
//!
//! Realism, kept simple: natures and first-level categories follow published Beijing proportions
//! (docs: domain.md §10.1); heating is seasonal (Nov–Mar), waterlogging peaks in Jul–Aug; requests
//! follow a daily rhythm (peaks 9–11 h and 14–16 h Beijing time) and a weekly one (weekends lower);
//! about 8% of callers reuse an earlier number and about 3% of requests restate an earlier one at the
//! same place (`disposition = duplicate`). `--surge rainstorm@YYYY-MM-DDTHH:MM` (Beijing time) adds
//! a burst of flooding and waterlogging requests in the six hours after that time.
//!
//! Wording depends on the nature (questions for consultations; 求助/帮忙 or a plain statement of the
//! fault for help; blame and repeated failures for complaints; violations, with or without the word
//! 举报, for reports); Chinese text uses the category's Chinese keywords, English text its English
//! ones. Nature, category and place are still drawn independently, so some combinations read oddly.

use std::collections::HashMap;
use std::io::Write;

use anyhow::{Context, bail};
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use hotline_domain::UnitClass;
use serde::Serialize;

/// Arguments of `hotline generate`.
#[derive(Debug, Clone, clap::Args)]
pub struct GenerateArgs {
    /// How many lines to write.
    #[arg(long, default_value_t = 1000)]
    pub count: usize,
    /// Seed of the generator: the same seed gives the same bytes.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// First day (Beijing time), YYYY-MM-DD.
    #[arg(long, default_value = "2026-01-01")]
    pub start: String,
    /// Number of days covered.
    #[arg(long, default_value_t = 365)]
    pub days: u32,
    /// A surge of requests, e.g. `rainstorm@2026-07-31T14:00` (Beijing time).
    #[arg(long)]
    pub surge: Option<String>,
}

const BEIJING_OFFSET: i64 = 8 * 3600;
/// Relative volume by Beijing hour of day: peaks 9–11 h and 14–16 h.
const HOURLY: [u32; 24] = [3, 2, 1, 1, 1, 2, 4, 9, 15, 22, 24, 20, 12, 11, 21, 23, 20, 14, 10, 9, 8, 6, 5, 4];
/// First-level weights, after domain.md §10.1 (2020 volumes, 万件) with the rest estimated.
const FIRST_LEVEL_WEIGHTS: [(&str, u32); 20] = [
    ("MKT", 98),
    ("UTL", 38),
    ("TRN", 26),
    ("HOU", 36),
    ("PRP", 30),
    ("HLT", 60),
    ("CON", 55),
    ("TRF", 47),
    ("ORD", 46),
    ("LAB", 36),
    ("EDU", 35),
    ("ENV", 28),
    ("CTY", 34),
    ("CIV", 22),
    ("AGR", 5),
    ("CUL", 6),
    ("GOV", 25),
    ("POS", 18),
    ("EMG", 8),
    ("OTH", 8),
];
/// Natures and their shares (per mille).
const NATURES: [(&str, u32); 6] = [("consult", 450), ("complaint", 250), ("help", 180), ("report", 70), ("suggestion", 30), ("praise", 20)];
const DISTRICTS_EN: [(&str, &str); 16] = [
    ("东城区", "Dongcheng"),
    ("西城区", "Xicheng"),
    ("朝阳区", "Chaoyang"),
    ("丰台区", "Fengtai"),
    ("石景山区", "Shijingshan"),
    ("海淀区", "Haidian"),
    ("门头沟区", "Mentougou"),
    ("房山区", "Fangshan"),
    ("通州区", "Tongzhou"),
    ("顺义区", "Shunyi"),
    ("昌平区", "Changping"),
    ("大兴区", "Daxing"),
    ("怀柔区", "Huairou"),
    ("平谷区", "Pinggu"),
    ("密云区", "Miyun"),
    ("延庆区", "Yanqing"),
];
const SURGE_LEAVES: [&str; 6] = [
    "EMG/flooding/storm",
    "EMG/flooding/basement",
    "EMG/flooding/sewage",
    "CTY/waterlogging/road",
    "CTY/waterlogging/underpass",
    "CTY/waterlogging/compound",
];

/// A small deterministic generator (xorshift64*), shared with the demo world.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        // splitmix64 so that neighbouring seeds give unrelated streams, never zero.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (((self.next() >> 32) * n.max(1) as u64) >> 32) as usize
    }
    /// True with probability `per_mille`/1000.
    fn chance(&mut self, per_mille: u32) -> bool {
        self.below(1000) < per_mille as usize
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Index into cumulative weights.
fn weighted(rng: &mut Rng, cumulative: &[u64]) -> usize {
    let total = *cumulative.last().unwrap_or(&1);
    let x = rng.next() % total.max(1);
    cumulative.partition_point(|&c| c <= x)
}

fn cumulate(weights: impl IntoIterator<Item = u64>) -> Vec<u64> {
    let mut sum = 0;
    weights
        .into_iter()
        .map(|w| {
            sum += w;
            sum
        })
        .collect()
}

struct Leaf {
    path: Vec<String>,
    description: String,
    keywords: Vec<String>,
    keywords_en: Vec<String>,
    urgency: String,
}

struct Gazetteer {
    districts: Vec<String>,
    /// (name, short form, district index)
    streets: Vec<(String, String, usize)>,
    /// (name, short form, street index)
    communities: Vec<(String, String, usize)>,
}

fn short_street(name: &str) -> String {
    for suffix in ["街道", "地区", "镇", "乡"] {
        if let Some(s) = name.strip_suffix(suffix)
            && s.chars().count() >= 2
        {
            return s.to_owned();
        }
    }
    name.to_owned()
}

fn short_community(name: &str) -> String {
    for suffix in ["社区居民委员会", "社区居委会", "居民委员会", "居委会", "村民委员会", "村委会", "委员会"]
    {
        if let Some(s) = name.strip_suffix(suffix)
            && !s.is_empty()
        {
            return match suffix {
                "社区居民委员会" | "社区居委会" => format!("{s}社区"),
                "村民委员会" | "村委会" if !s.ends_with('村') => format!("{s}村"),
                _ => s.to_owned(),
            };
        }
    }
    name.to_owned()
}

fn gazetteer() -> anyhow::Result<Gazetteer> {
    let units = crate::seed::shipped_units()?;
    let mut g = Gazetteer { districts: Vec::new(), streets: Vec::new(), communities: Vec::new() };
    let mut district_of = HashMap::new();
    let mut street_of = HashMap::new();
    for u in units.iter().filter(|u| u.class == UnitClass::District) {
        district_of.insert(u.id, g.districts.len());
        g.districts.push(u.name.clone());
    }
    for u in units.iter().filter(|u| u.class == UnitClass::Street) {
        if let Some(&d) = u.parent.and_then(|p| district_of.get(&p)) {
            street_of.insert(u.id, g.streets.len());
            g.streets.push((u.name.clone(), short_street(&u.name), d));
        }
    }
    for u in units.iter().filter(|u| u.class == UnitClass::Community) {
        if let Some(&s) = u.parent.and_then(|p| street_of.get(&p)) {
            g.communities.push((u.name.clone(), short_community(&u.name), s));
        }
    }
    if g.communities.is_empty() {
        bail!("the shipped units have no communities");
    }
    Ok(g)
}

fn leaves() -> anyhow::Result<Vec<Leaf>> {
    let cats = hotline_app::reference::categories_from_csv(crate::seed::CATEGORIES).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut out = Vec::new();
    for c in &cats {
        let prefix = format!("{}/", c.code);
        if cats.iter().any(|o| o.code.starts_with(&prefix)) {
            continue;
        }
        let parts: Vec<&str> = c.code.split('/').collect();
        let path = (1..=parts.len()).map(|n| parts[..n].join("/")).collect();
        out.push(Leaf {
            path,
            description: c.description.clone(),
            // Chinese keywords for Chinese text, English ones (and the English name) for English text.
            keywords: c.keywords.iter().filter(|k| !k.is_ascii()).cloned().collect(),
            keywords_en: c.keywords.iter().filter(|k| k.is_ascii()).cloned().chain(std::iter::once(c.name_en.to_lowercase())).collect(),
            urgency: c.default_urgency.clone(),
        });
    }
    Ok(out)
}

/// 0: heating season (Nov–Mar), 1: summer rains (Jul–Aug), 2: the rest.
fn season(month: u32) -> usize {
    match month {
        11 | 12 | 1 | 2 | 3 => 0,
        7 | 8 => 1,
        _ => 2,
    }
}

fn leaf_weight(leaf: &Leaf, season: usize) -> f64 {
    let code = leaf.path.last().map_or("", String::as_str);
    let heating = code.starts_with("UTL/heating") || code.starts_with("UTL/clean_heating");
    let rain = code.starts_with("CTY/waterlogging") || code.starts_with("EMG/flooding/storm") || code.starts_with("EMG/flooding/basement");
    match season {
        0 if heating => 8.0,
        0 if rain => 0.2,
        1 if rain => 10.0,
        1 | 2 if heating => 0.25,
        _ => 1.0,
    }
}

/// Days since 1970-01-01 → (year, month, day).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn rfc3339(secs: i64, out: &mut String) {
    use std::fmt::Write as _;
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    out.clear();
    let _ = write!(out, "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", s / 3600, s / 60 % 60, s % 60);
}

#[derive(Clone, Copy)]
struct PlacePick {
    district: Option<usize>,
    street: Option<usize>,
    community: Option<usize>,
}

#[derive(Clone, Copy)]
struct Earlier {
    number: usize,
    leaf: usize,
    place: PlacePick,
    place_text_kind: u8,
    nature: usize,
    phone: u64,
    urgency: u8,
}

#[derive(Serialize)]
struct Line<'a> {
    id: &'a str,
    channel: &'static str,
    lang: &'static str,
    text: &'a str,
    received_at: &'a str,
    district: Option<&'a str>,
    street: Option<&'a str>,
    community: Option<&'a str>,
    phone: &'a str,
    nature: &'static str,
    category: &'a str,
    category_path: &'a [String],
    urgency: &'a str,
    disposition: &'static str,
    duplicate_of: Option<&'a str>,
}

// Templates: {P} place, {K} keyword, {J} another keyword, {D} description, {E} detail, {Q} demand.
const OPERATOR: [&str; 10] = [
    "市民来电反映：{P}{K}，{E}，{Q}。",
    "来电人称{P}{K}，{D}，{E}，{Q}。",
    "市民反映{P}存在{K}的问题，{E}。来电人{Q}。",
    "来电人反映，{P}{J}，{K}，{Q}。",
    "市民来电：{P}{K}。{E}，{Q}，请相关部门核实处理。",
    "来电人表示{P}{K}，{D}。{Q}。",
    "市民来电反映{P}{K}问题，称{E}，{Q}。",
    "@来电人称其住在{P}，{K}，{E}。",
    "@{P}市民反映{K}，{Q}。",
    "市民来电反映：{P}{K}、{J}，{E}，{Q}。",
];
const OPERATOR_CONSULT: [&str; 6] = [
    "来电人咨询{K}相关问题，{D}，希望了解办理流程。",
    "市民来电咨询：{P}{K}怎么办理，需要什么材料。",
    "来电人询问{K}的相关政策。",
    "市民咨询{P}{K}的问题，想知道找哪个部门。",
    "来电人咨询{J}、{K}相关事宜，请告知。",
    "市民来电咨询{K}，{D}，请给予解答。",
];
const CITIZEN: [&str; 12] = [
    "@我家住{P}，{K}，{E}，{Q}！",
    "{P}{K}，{E}，谁来管管啊",
    "你好，我要反映一下{P}{K}的问题，{E}。",
    "@{P}这边{K}，{J}，太过分了",
    "{K}！！{P}，{Q}",
    "我们{P}{K}好久了，{E}，一直没人管。",
    "@{P} {K}",
    "麻烦问下{P}{K}这个事谁负责？{E}",
    "您好，{P}{K}，{E}，希望能尽快解决，谢谢",
    "@我是{P}的居民，{K}，{J}，{Q}。",
    "@{K}，地点{P}，{E}",
    "咋回事啊 {P}{K} {E}",
];
const CITIZEN_CONSULT: [&str; 10] = [
    "请问{K}怎么办？",
    "请问一下{P}{K}找哪个部门",
    "你好，我想问一下{K}的事，{D}这种情况怎么处理",
    "想咨询下{K}需要什么材料",
    "{K}怎么弄啊",
    "请问{P}{K}可以在网上办吗",
    "问一下，{J}和{K}是一回事吗？",
    "你好 请问{K}的政策是什么",
    "{P}{K}，请问该怎么办理？谢谢",
    "我想了解一下{K}",
];
// Help: a problem of the caller's own, asking for a hand; complaints blame someone.
const OPERATOR_HELP: [&str; 6] = [
    "市民来电求助：{P}{K}，{E}，请帮忙协调解决。",
    "来电人称{P}{K}，{E}，自己解决不了，希望相关部门帮忙。",
    "来电人反映其家中{K}，{E}，请求帮助。",
    "市民来电：{P}{K}，{E}，希望帮忙联系处理。",
    "@来电人住{P}，{K}，{E}，请求协助。",
    "来电人求助{K}一事，{D}，{Q}。",
];
const CITIZEN_HELP: [&str; 8] = [
    "你好，{P}我家{K}，{E}，能不能帮帮忙",
    "{K}了，{P}，怎么办啊，求帮忙",
    "麻烦帮我看看{P}{K}的问题，{E}",
    "家里{K}，{E}，谁能帮一下",
    "我这{K}，{P}，自己弄不了，请派人来帮忙",
    "求助！{P}{K}，{E}",
    "您好，我遇到{K}的问题，{E}，能帮我问问吗",
    "帮帮忙吧，{P}{K}，{E}",
];
const COMPLAINT_EXTRA: [&str; 8] = [
    "市民来电投诉：{P}{K}，{E}，{Q}。",
    "我要投诉{P}{K}，{E}，太不像话了",
    "对{P}{K}很不满意，{E}，{Q}",
    "@投诉{P}，{K}，{E}，管理太差了",
    "来电人投诉{P}{K}，称{E}，对处理结果不满。",
    "{P}{K}，{E}，你们到底管不管",
    "强烈投诉{K}！{P}，{E}",
    "@{P}的{K}太差劲了，{E}，必须给个说法",
];
const PRAISE: [&str; 5] = [
    "市民来电表扬{P}工作人员，之前反映的{K}问题很快得到解决，表示感谢。",
    "感谢{P}的工作人员，{K}的事处理得很及时！",
    "来电人称{P}{K}问题已解决，对办理结果很满意，特此致谢。",
    "谢谢你们，{P}{K}的问题解决了，点赞",
    "@我要表扬一下{P}，{K}这个事办得好",
];
const SUGGESTION: [&str; 5] = [
    "市民建议：{P}{K}问题较多，建议相关部门加强管理。",
    "来电人建议{P}针对{K}{D}出台措施。",
    "@建议{P}{K}这块能改进一下，{E}",
    "@我有个建议，{P}的{K}能不能统一规划一下",
    "市民建议有关部门重视{K}，{Q}。",
];
const REPORT: [&str; 10] = [
    "市民来电举报：{P}{K}，{E}，请相关部门查处。",
    "来电人举报{P}有{K}的情况，{E}。",
    "我要举报，{P}{K}，{E}",
    "实名举报{P}{K}，{Q}",
    "举报{P}{K}！{E}",
    "@{P}有人{K}，{E}，请有关部门查一查",
    "发现{P}{K}，{E}，没人管吗",
    "市民反映{P}存在{K}违规行为，{E}，请核查。",
    "@{P}天天有人{K}，{E}",
    "{P}有商户{K}，{E}，希望依法处理",
];
const DETAIL_COMPLAINT: [&str; 10] = [
    "已持续一个多月",
    "多次反映无果",
    "严重影响正常生活",
    "家里有老人和小孩",
    "找过物业没人管",
    "每天都这样",
    "晚上根本睡不着",
    "之前打过电话还是没解决",
    "周围居民意见很大",
    "已经好几天了",
];
const DETAIL_HELP: [&str; 10] = [
    "自己解决不了",
    "家里老人很着急",
    "联系不上相关负责人",
    "不知道该找谁",
    "情况比较紧急",
    "已经影响到正常生活",
    "出行不太方便",
    "麻烦尽快修一下",
    "今天早上发现的",
    "担心出危险",
];
const DETAIL_REPORT: [&str; 5] = ["存在安全隐患", "已经不是第一次了", "附近居民都看到了", "一般晚上出现", "怀疑违法经营"];
const DEMAND: [&str; 8] = [
    "希望尽快处理",
    "要求相关部门核实处理",
    "请帮忙协调解决",
    "希望有关部门管一管",
    "请尽快派人来看看",
    "要求给个说法",
    "希望尽快答复",
    "请相关部门督促整改",
];
const DEMAND_HELP: [&str; 5] = ["请帮忙协调解决", "请尽快派人来看看", "希望尽快处理", "麻烦帮忙联系一下", "希望有人来修一下"];
const REDIRECT_PHRASES: [&str; 5] = [
    "，此事已向法院起诉，目前在审理中",
    "，已申请劳动仲裁，想催一下进度",
    "，之前已到信访部门登记过",
    "，已经在走行政复议程序",
    "，对方已经起诉了，问法院怎么判",
];
const REPEAT_PREFIX: [&str; 6] = ["又来电反映：", "之前反映过，", "再次反映，", "上次打过电话了，", "还是那个问题，", "第二次来电，"];
const SURGE_TEXTS: [&str; 8] = [
    "暴雨屋顶漏雨，家里到处是水",
    "雨太大了，室内进水已经没过脚踝",
    "下凹桥积水很深，车辆被困",
    "道路积水严重，车都过不去",
    "小区地下室进水，水还在涨",
    "雨水倒灌进一楼住户家里",
    "路面积水，井盖被冲开了",
    "屋顶漏雨，墙皮都泡了",
];
const HOMOPHONES: [(char, char); 14] = [
    ('的', '地'),
    ('在', '再'),
    ('已', '以'),
    ('做', '作'),
    ('哪', '那'),
    ('反', '返'),
    ('映', '应'),
    ('气', '汽'),
    ('修', '休'),
    ('是', '事'),
    ('里', '理'),
    ('像', '象'),
    ('坐', '座'),
    ('帐', '账'),
];
const EN_TEMPLATES: [&str; 6] = [
    "Hello, I want to report a problem: {K}{P}. Please help.",
    "There is an issue with {K}{P}, it has lasted for weeks.",
    "Complaint: {K}{P}. Nobody has fixed it yet.",
    "{K}{P} - please send someone as soon as possible",
    "I am a foreign resident. Problem with {K}{P}. Thank you.",
    "Hi, {K}{P} again... who is responsible for this?",
];
const EN_HELP: [&str; 4] = [
    "Could you help me? {K}{P} and I don't know what to do.",
    "I need help: {K}{P}. I can't sort it out myself.",
    "Please help, {K}{P}. Who can I ask?",
    "Hi, I have a problem with {K}{P}, can someone come and help?",
];
const EN_COMPLAINT: [&str; 4] = [
    "I want to complain about {K}{P}. It has gone on for weeks.",
    "Complaint: {K}{P}. Nobody has fixed it yet.",
    "{K}{P} is unacceptable, the management does nothing.",
    "Very unhappy with {K}{P}, please give me an explanation.",
];
const EN_REPORT: [&str; 3] = [
    "I'd like to report {K}{P}, it looks illegal.",
    "Reporting {K}{P}: it happens every night, please investigate.",
    "I want to report a violation: {K}{P}.",
];
const EN_SUGGESTION: [&str; 3] = [
    "Suggestion: could the city improve {K}{P}?",
    "It would be better if {K}{P} were managed properly.",
    "I suggest more attention to {K}{P}.",
];
const EN_CONSULT: [&str; 4] = [
    "Hi, I'd like to ask about {K}{P}. How does it work?",
    "Could you tell me who handles {K}{P}?",
    "Question about {K}: what documents do I need?",
    "How do I apply for {K}{P}?",
];
const EN_PRAISE: [&str; 2] = ["Thanks to the staff for solving the {K} problem{P} so quickly!", "Great job on {K}{P}, thank you."];

fn render(template: &str, vars: &[(char, &str)], out: &mut String) {
    out.clear();
    let mut chars = template.chars();
    while let Some(c) = chars.next() {
        if c == '{' {
            let key = chars.next().unwrap_or(' ');
            chars.next(); // '}'
            if let Some((_, v)) = vars.iter().find(|(k, _)| *k == key) {
                out.push_str(v);
            }
        } else {
            out.push(c);
        }
    }
}

/// One typo: a dropped character, two swapped ones or a homophone; never inside `keep`.
fn typo(rng: &mut Rng, text: &mut String, keep: &str) {
    let mut chars: Vec<char> = text.chars().collect();
    if chars.len() < 6 {
        return;
    }
    let i = 1 + rng.below(chars.len() - 2);
    match rng.below(3) {
        0 => {
            chars.remove(i);
        }
        1 => chars.swap(i, i + 1),
        _ => {
            let Some(j) = chars.iter().position(|c| HOMOPHONES.iter().any(|(a, _)| a == c)) else { return };
            chars[j] = HOMOPHONES.iter().find(|(a, _)| *a == chars[j]).map_or(chars[j], |(_, b)| *b);
        }
    }
    let changed: String = chars.into_iter().collect();
    if keep.is_empty() || changed.contains(keep) {
        *text = changed;
    }
}

/// Writes `args.count` lines to `out`.
pub fn generate(args: &GenerateArgs, out: &mut impl Write) -> anyhow::Result<()> {
    let start =
        NaiveDate::parse_from_str(&args.start, "%Y-%m-%d").with_context(|| format!("--start {}: expected YYYY-MM-DD", args.start))?;
    if args.days == 0 {
        bail!("--days must be at least 1");
    }
    let surge = match &args.surge {
        None => None,
        Some(s) => {
            let (kind, at) = s.split_once('@').context("--surge: expected rainstorm@YYYY-MM-DDTHH:MM")?;
            if kind != "rainstorm" {
                bail!("--surge: unknown kind {kind:?} (known: rainstorm)");
            }
            let at = NaiveDateTime::parse_from_str(at, "%Y-%m-%dT%H:%M").with_context(|| format!("--surge: bad time {at:?}"))?;
            Some(at.and_utc().timestamp() - BEIJING_OFFSET)
        }
    };
    let g = gazetteer()?;
    let leaves = leaves()?;
    let mut rng = Rng::new(args.seed);

    // Category tables per season: first-level weight spread over its leaves, times the season.
    let tables: Vec<Vec<u64>> = (0..3)
        .map(|s| {
            cumulate(leaves.iter().map(|l| {
                let first = l.path[0].as_str();
                let fw = FIRST_LEVEL_WEIGHTS.iter().find(|(c, _)| *c == first).map_or(1, |(_, w)| *w) as f64;
                let n = leaves.iter().filter(|o| o.path[0] == l.path[0]).count() as f64;
                (fw / n * leaf_weight(l, s) * 1000.0) as u64 + 1
            }))
        })
        .collect();
    let surge_leaves: Vec<usize> =
        SURGE_LEAVES.iter().filter_map(|c| leaves.iter().position(|l| l.path.last().is_some_and(|p| p == c))).collect();
    let natures = cumulate(NATURES.iter().map(|(_, w)| u64::from(*w)));
    let hours = cumulate(HOURLY.iter().map(|&w| u64::from(w)));

    // Timestamps first (sorted), so ids run in time order and duplicates point backwards.
    let start_day = start.signed_duration_since(NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()).num_days();
    let day_weights = cumulate((0..i64::from(args.days)).map(|i| {
        let (_, m, _) = civil_from_days(start_day + i);
        let weekday = (start + chrono::Days::new(i as u64)).weekday().num_days_from_monday();
        let w: u64 = if weekday >= 5 { 68 } else { 100 };
        w * if season(m) == 0 { 110 } else { 100 } / 100
    }));
    let surge_n = if surge.is_some() { (args.count / 40).max(args.count.min(40)) } else { 0 };
    let mut times: Vec<(i64, bool)> = Vec::with_capacity(args.count);
    for i in 0..args.count {
        if i < surge_n
            && let Some(at) = surge
        {
            times.push((at + (rng.unit().powf(1.6) * 6.0 * 3600.0) as i64, true));
            continue;
        }
        let day = start_day + weighted(&mut rng, &day_weights) as i64;
        let hour = weighted(&mut rng, &hours) as i64;
        let secs = day * 86_400 - BEIJING_OFFSET + hour * 3600 + rng.below(3600) as i64;
        times.push((secs, false));
    }
    times.sort_unstable();

    let mut history: std::collections::VecDeque<Earlier> = std::collections::VecDeque::with_capacity(4096);
    let mut phones: Vec<u64> = Vec::with_capacity(1 << 16);
    let (mut id, mut dup_id, mut stamp, mut text, mut phone_s, mut place_s) =
        (String::new(), String::new(), String::new(), String::new(), String::new(), String::new());
    let mut json = Vec::with_capacity(1024);
    for (n, &(secs, in_surge)) in times.iter().enumerate() {
        use std::fmt::Write as _;
        let number = n + 1;
        id.clear();
        let _ = write!(id, "g{number:06}");
        rfc3339(secs, &mut stamp);
        let local = secs + BEIJING_OFFSET;
        let (_, month, _) = civil_from_days(local.div_euclid(86_400));

        let r = rng.below(1000);
        let channel = match r {
            0..850 => "phone",
            850..900 => "web",
            900..950 => "app",
            _ => "wechat",
        };
        let english = rng.chance(30);

        // A restatement of an earlier request at the same place?
        let earlier = if !in_surge && !english && !history.is_empty() && rng.chance(30) {
            let e = history[history.len() - 1 - rng.below(history.len().min(3000))];
            Some(e)
        } else {
            None
        };

        let (leaf_i, nature_i, mut place) = match earlier {
            Some(e) => (e.leaf, e.nature, e.place),
            None => {
                let leaf_i = if in_surge && !surge_leaves.is_empty() {
                    *rng.pick(&surge_leaves)
                } else {
                    weighted(&mut rng, &tables[season(month)])
                };
                let first = leaves[leaf_i].path[0].as_str();
                let mut nature_i = weighted(&mut rng, &natures);
                if first == "EMG" || in_surge {
                    nature_i = if rng.chance(700) { 2 } else { 3 }; // help / report
                }
                let c = rng.below(g.communities.len());
                let (_, _, s) = g.communities[c];
                let d = g.streets[s].2;
                let no_place = if nature_i == 0 { 550 } else { 150 };
                let r = rng.below(1000) as u32;
                let place = if english {
                    match r {
                        0..400 => PlacePick { district: Some(d), street: None, community: None },
                        400..600 => PlacePick { district: Some(d), street: Some(s), community: Some(c) },
                        _ => PlacePick { district: None, street: None, community: None },
                    }
                } else if r < no_place {
                    PlacePick { district: None, street: None, community: None }
                } else if r < no_place + 100 {
                    PlacePick { district: Some(d), street: None, community: None }
                } else {
                    PlacePick { district: Some(d), street: Some(s), community: if r.is_multiple_of(3) { None } else { Some(c) } }
                };
                (leaf_i, nature_i, place)
            }
        };
        let leaf = &leaves[leaf_i];
        let nature = NATURES[nature_i].0;

        // The place as the text names it.
        place_s.clear();
        let kind = match earlier {
            Some(e) => e.place_text_kind,
            None => rng.below(6) as u8,
        };
        if english {
            match (place.district, place.community) {
                (Some(d), None) => {
                    let en = DISTRICTS_EN.iter().find(|(zh, _)| *zh == g.districts[d]).map_or(g.districts[d].as_str(), |(_, en)| en);
                    let _ = write!(place_s, " in {en} District");
                }
                (Some(_), Some(c)) => {
                    let _ = write!(place_s, " at {}", g.communities[c].0);
                }
                _ => {}
            }
        } else if let Some(d) = place.district {
            let dn = &g.districts[d];
            match (place.street, place.community) {
                (None, _) => place_s.push_str(dn),
                (Some(s), None) => {
                    let (sn, short, _) = &g.streets[s];
                    if kind < 3 {
                        let _ = write!(place_s, "{dn}{sn}");
                    } else {
                        place_s.push_str(short);
                        place_s.push_str(if kind == 3 { "附近" } else { "这边" });
                    }
                }
                (Some(s), Some(c)) => {
                    let (sn, _, _) = &g.streets[s];
                    let (_, short, _) = &g.communities[c];
                    match kind {
                        0 | 1 => {
                            let _ = write!(place_s, "{dn}{sn}{short}");
                        }
                        2 | 3 => {
                            let _ = write!(place_s, "{sn}{short}");
                        }
                        _ => place_s.push_str(short),
                    }
                    if kind % 2 == 1 {
                        let _ = write!(place_s, "{}号楼", 1 + (secs as usize ^ c) % 30);
                    }
                }
            }
        }

        // Urgency and disposition.
        let code = leaf.path.last().map_or("", String::as_str);
        let mut urgency: &str =
            if matches!(nature, "consult" | "praise" | "suggestion") && leaf.urgency != "complex" { "general" } else { &leaf.urgency };
        let mut extra = "";
        let disposition = if let Some(e) = earlier {
            urgency = ["emergency", "general", "utility24h", "complex"][e.urgency as usize];
            "duplicate"
        } else if english {
            if nature == "consult" && rng.chance(700) { "answer" } else { "dispatch" }
        } else if urgency == "emergency" {
            let r = rng.below(1000);
            if code == "ORD/security/fighting" && r < 700 {
                "transfer_110"
            } else if (code.starts_with("EMG/fire_risk/smoke")
                || code.starts_with("EMG/trapped")
                || code.starts_with("EMG/collapse/building")
                || code.starts_with("EMG/gas_leak/indoor")
                || code.starts_with("EMG/hazard/chemical"))
                && r < 600
            {
                "transfer_119"
            } else if code.starts_with("EMG/collapse") && r > 850 {
                extra = "，有人受伤了";
                "transfer_120"
            } else {
                "dispatch"
            }
        } else if code.starts_with("TRF/violations/reckless") && matches!(nature, "help" | "report" | "complaint") && rng.chance(200) {
            extra = "，刚刚撞车了，发生交通事故";
            urgency = "emergency";
            "transfer_122"
        } else if nature == "consult" {
            if rng.chance(750) { "answer" } else { "dispatch" }
        } else if matches!(nature, "complaint" | "help") && rng.chance(25) {
            extra = REDIRECT_PHRASES[rng.below(REDIRECT_PHRASES.len())];
            "redirect"
        } else {
            "dispatch"
        };

        // The text.
        let kw = rng.pick(&leaf.keywords).as_str();
        let mut kw2 = rng.pick(&leaf.keywords).as_str();
        if kw2 == kw {
            kw2 = rng.pick(&leaf.keywords).as_str();
        }
        let has_place = !place_s.is_empty();
        let operator = channel == "phone" && rng.chance(700);
        let templates: &[&str] = if english {
            match nature {
                "consult" => &EN_CONSULT,
                "praise" => &EN_PRAISE,
                "help" => &EN_HELP,
                "report" => &EN_REPORT,
                "suggestion" => &EN_SUGGESTION,
                "complaint" if rng.chance(500) => &EN_COMPLAINT,
                _ => &EN_TEMPLATES,
            }
        } else if in_surge {
            &[]
        } else {
            match (nature, operator) {
                ("consult", true) => &OPERATOR_CONSULT,
                ("consult", false) => &CITIZEN_CONSULT,
                ("praise", _) => &PRAISE,
                ("suggestion", _) => &SUGGESTION,
                ("report", _) => &REPORT,
                // Half of help requests just state the fault ("路灯坏了，请尽快修"), as people do.
                ("help", true) if rng.chance(500) => &OPERATOR_HELP,
                ("help", false) if rng.chance(500) => &CITIZEN_HELP,
                (_, true) if rng.chance(400) => &COMPLAINT_EXTRA,
                (_, true) => &OPERATOR,
                (_, false) if rng.chance(400) => &COMPLAINT_EXTRA,
                (_, false) => &CITIZEN,
            }
        };
        let detail = match nature {
            "help" => *rng.pick(&DETAIL_HELP),
            "report" => *rng.pick(&DETAIL_REPORT),
            _ => *rng.pick(&DETAIL_COMPLAINT),
        };
        let demand = if nature == "help" { *rng.pick(&DEMAND_HELP) } else { *rng.pick(&DEMAND) };
        if english {
            let t = *rng.pick(templates);
            if !t.contains("{P}") {
                place = PlacePick { district: None, street: None, community: None };
            }
            let k = rng.pick(&leaf.keywords_en).clone();
            render(t, &[('K', &k), ('P', &place_s)], &mut text);
        } else if in_surge {
            let s = *rng.pick(&SURGE_TEXTS);
            let (a, b) = if operator { ("市民来电反映：", "，请尽快处置。") } else { ("", "！") };
            text.clear();
            let _ = write!(text, "{a}{place_s}{s}，{kw}{b}");
        } else {
            // Prefer templates that mention the place when there is one, and those that do not otherwise.
            // Templates marked `@` need a place.
            let mut t = *rng.pick(templates);
            for _ in 0..8 {
                if t.contains("{P}") == has_place || (!has_place && !t.starts_with('@')) {
                    break;
                }
                t = *rng.pick(templates);
            }
            let t = t.trim_start_matches('@');
            render(t, &[('P', &place_s), ('K', kw), ('J', kw2), ('D', &leaf.description), ('E', detail), ('Q', demand)], &mut text);
            if earlier.is_some() {
                let prefix = *rng.pick(&REPEAT_PREFIX);
                text.insert_str(0, prefix);
            }
            if !extra.is_empty() {
                let trimmed = text.trim_end_matches(['。', '！', '!', '？']).len();
                text.truncate(trimmed);
                text.push_str(extra);
                text.push('。');
            }
            if rng.chance(if operator { 20 } else { 70 }) {
                typo(&mut rng, &mut text, &place_s);
            }
        }

        // The phone number: repeat callers and restatements reuse earlier numbers.
        let phone = match earlier {
            Some(e) if rng.chance(700) => e.phone,
            _ if !phones.is_empty() && rng.chance(80) => *rng.pick(&phones),
            _ => 13_000_000_000 + rng.next() % 6_000_000_000,
        };
        if phones.len() < 200_000 {
            phones.push(phone);
        } else {
            let i = rng.below(phones.len());
            phones[i] = phone;
        }
        phone_s.clear();
        let _ = write!(phone_s, "{phone}");
        dup_id.clear();
        if let Some(e) = earlier {
            let _ = write!(dup_id, "g{:06}", e.number);
        }

        if earlier.is_none() && disposition == "dispatch" && place.street.is_some() {
            let u = ["emergency", "general", "utility24h", "complex"].iter().position(|u| *u == urgency).unwrap_or(1) as u8;
            let e = Earlier { number, leaf: leaf_i, place, place_text_kind: kind, nature: nature_i, phone, urgency: u };
            if history.len() == 3000 {
                history.pop_front();
            }
            history.push_back(e);
        }

        let line = Line {
            id: &id,
            channel: if english && channel == "phone" { "web" } else { channel },
            lang: if english { "en" } else { "zh" },
            text: &text,
            received_at: &stamp,
            district: place.district.map(|d| g.districts[d].as_str()),
            street: place.street.map(|s| g.streets[s].0.as_str()),
            community: place.community.map(|c| g.communities[c].0.as_str()),
            phone: &phone_s,
            nature,
            category: &leaf.path[0],
            category_path: &leaf.path,
            urgency,
            disposition,
            duplicate_of: earlier.map(|_| dup_id.as_str()),
        };
        json.clear();
        serde_json::to_writer(&mut json, &line)?;
        json.push(b'\n');
        out.write_all(&json)?;
    }
    out.flush()?;
    Ok(())
}

/// Runs `hotline generate`, writing to standard output.
pub fn run(args: &GenerateArgs) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    match generate(args, &mut out) {
        Err(e) if e.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) => Ok(()),
        other => other,
    }
}
