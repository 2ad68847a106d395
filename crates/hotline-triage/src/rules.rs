//! Rules that always win over the model: emergencies (danger to life or property now) and matters
//! outside the hotline's scope (courts, arbitration, petitions). A missed emergency costs far more
//! than an operator glancing at a false alarm, so these err on the side of firing, except where the
//! text is plainly hypothetical ("万一着火", "if there were a fire").

use serde::Serialize;

/// What a rule decides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleHit {
    /// Stable rule name, e.g. `gas_smell`.
    pub rule: &'static str,
    pub disposition: &'static str,
    /// The category path the rule implies (first level first).
    pub category: &'static [&'static str],
    pub urgency: &'static str,
    /// The words that fired it.
    pub matched: String,
}

struct Rule {
    name: &'static str,
    disposition: &'static str,
    category: &'static [&'static str],
    urgency: &'static str,
    /// Any of these (normalised, lower-case text) fires the rule…
    any: &'static [&'static str],
    /// …when, if this is not empty, one of these is present too.
    with: &'static [&'static str],
}

const EMERGENCY: &str = "emergency";

/// Checked in order: the first rule that fires wins, so transfers come before dispatches.
const RULES: &[Rule] = &[
    Rule {
        name: "fire_now",
        disposition: "transfer_119",
        category: &["EMG", "EMG/fire_risk", "EMG/fire_risk/smoke"],
        urgency: EMERGENCY,
        any: &[
            "着火了",
            "起火了",
            "失火",
            "烧起来了",
            "火苗",
            "冒黑烟",
            "浓烟",
            "火很大",
            "on fire",
            "fire alarm",
            "smoke coming",
            "is burning",
            "flames",
        ],
        with: &[],
    },
    Rule {
        name: "trapped_in_danger",
        disposition: "transfer_119",
        category: &["EMG", "EMG/trapped"],
        urgency: EMERGENCY,
        any: &["被困", "困在", "出不来", "门打不开", "门推不开", "trapped", "can't get out", "cannot get out", "反锁"],
        with: &[
            "流血",
            "受伤",
            "着火",
            "开着火",
            "燃气灶",
            "水已经到",
            "水到车门",
            "淹",
            "救命",
            "bleeding",
            "injured",
            "water is rising",
            "help me",
        ],
    },
    Rule {
        name: "medical",
        disposition: "transfer_120",
        category: &["EMG"],
        urgency: EMERGENCY,
        any: &[
            "晕倒",
            "昏倒",
            "倒地",
            "昏迷",
            "叫不醒",
            "不省人事",
            "抽搐",
            "没有呼吸",
            "没呼吸",
            "呼吸很弱",
            "心脏病犯",
            "救护车",
            "fainted",
            "unconscious",
            "ambulance",
            "not breathing",
            "heart attack",
            "passed out",
        ],
        with: &[],
    },
    Rule {
        name: "crime_now",
        disposition: "transfer_110",
        category: &["ORD", "ORD/security"],
        urgency: EMERGENCY,
        any: &[
            "打起来了",
            "打架",
            "斗殴",
            "持刀",
            "拿着刀",
            "拿刀",
            "砍人",
            "抢劫",
            "撬门",
            "撬锁",
            "正在撬",
            "在撬",
            "撬开",
            "正在偷",
            "入室盗窃",
            "要杀",
            "杀了我",
            "家暴",
            "有人打人",
            "fighting",
            "robbery",
            "robbed",
            "break-in",
            "breaking into",
            "burglar",
            "knife",
            "attacking",
        ],
        with: &[],
    },
    Rule {
        name: "traffic_accident",
        disposition: "transfer_122",
        category: &["TRF"],
        urgency: EMERGENCY,
        any: &[
            "车祸",
            "追尾",
            "撞车",
            "被撞",
            "撞了我",
            "交通事故",
            "剐蹭",
            "car accident",
            "hit my car",
            "crashed into",
            "traffic accident",
            "rear-ended",
        ],
        with: &[],
    },
    Rule {
        name: "gas_smell",
        disposition: "dispatch",
        category: &["EMG", "EMG/gas_leak"],
        urgency: EMERGENCY,
        any: &[
            "燃气味",
            "煤气味",
            "天然气味",
            "臭鸡蛋味",
            "漏气",
            "燃气泄漏",
            "煤气泄漏",
            "燃气管道挖",
            "燃气管子",
            "往外冒气",
            "gas smell",
            "smell gas",
            "smell of gas",
            "gas leak",
            "gas 味",
        ],
        with: &[],
    },
    Rule {
        name: "water_pouring_in",
        disposition: "dispatch",
        category: &["EMG", "EMG/flooding"],
        urgency: EMERGENCY,
        any: &[
            "倒灌",
            "灌进",
            "水漫",
            "返水",
            "冒污水",
            "水管爆",
            "管子爆",
            "爆管",
            "进水了",
            "屋里全是水",
            "满屋都是",
            "地上全是水",
            "积水已没过",
            "flooding into",
            "water pouring",
            "water is coming in",
            "burst pipe",
            "pipe burst",
        ],
        with: &[],
    },
    Rule {
        name: "trapped_in_lift",
        disposition: "dispatch",
        category: &["EMG", "EMG/trapped", "EMG/trapped/elevator"],
        urgency: EMERGENCY,
        any: &[
            "困在电梯",
            "电梯困人",
            "电梯卡",
            "卡在电梯",
            "关在电梯",
            "stuck in the elevator",
            "stuck in the lift",
            "stuck in an elevator",
            "trapped in the lift",
        ],
        with: &[],
    },
    Rule {
        name: "collapse",
        disposition: "dispatch",
        category: &["EMG", "EMG/collapse"],
        urgency: EMERGENCY,
        any: &["倒塌", "坍塌", "塌陷", "塌了", "塌方", "砸到人", "刮倒", "往下掉", "sinkhole", "collapsed", "falling off the building"],
        with: &[],
    },
    Rule {
        name: "hazardous_storage",
        disposition: "dispatch",
        category: &["EMG", "EMG/fire_risk", "EMG/fire_risk/hazardous_storage"],
        urgency: EMERGENCY,
        any: &["汽油", "柴油", "易燃易爆", "危险品", "烟花爆竹", "液化气罐", "煤气罐", "gasoline", "petrol", "explosives"],
        with: &["囤", "存放", "堆放", "储存", "堆了", "好几桶", "几十桶", "居民楼", "地下室", "storing", "stored", "stockpil"],
    },
    Rule {
        name: "live_wire",
        disposition: "dispatch",
        category: &["EMG", "EMG/hazard", "EMG/hazard/electric"],
        urgency: EMERGENCY,
        any: &["冒火花", "漏电", "电线掉", "sparking", "live wire", "exposed wire"],
        with: &[],
    },
];

/// Words that make what follows hypothetical: "万一着火", "真要着火了".
const HYPOTHETICAL: &[&str] = &[
    "万一",
    "要是",
    "如果",
    "真要",
    "一旦",
    "容易",
    "隐患",
    "怕",
    "担心",
    "会不会",
    "差点",
    "差一点",
    "if there",
    "in case",
    "worried",
    "almost",
];

/// Matters that go to courts, arbitration or petition offices, or lie outside every unit's duty.
const OUT_OF_SCOPE: &[&str] = &[
    "起诉",
    "诉讼",
    "法院",
    "判决",
    "判了",
    "一审",
    "二审",
    "劳动仲裁",
    "申请仲裁",
    "仲裁委",
    "信访",
    "上访",
    "行政复议",
    "复议",
    "纪委",
    "纪检",
    "监察委",
    "lawsuit",
    "sued",
    "court",
    "arbitration",
    "petition office",
];

fn hypothetical_before(text: &str, at: usize) -> bool {
    let start = text[..at].char_indices().rev().nth(5).map_or(0, |(i, _)| i);
    let window = &text[start..at];
    HYPOTHETICAL.iter().any(|h| window.contains(h))
}

/// "打不着火" is a stove that will not light, not a fire: a match right after 不 is negated.
fn negated_before(text: &str, at: usize) -> bool {
    text[..at].ends_with('不')
}

fn find<'a>(text: &str, words: &[&'a str], check_hypothetical: bool) -> Option<&'a str> {
    words
        .iter()
        .copied()
        .find(|w| text.match_indices(w).any(|(i, _)| !negated_before(text, i) && (!check_hypothetical || !hypothetical_before(text, i))))
}

/// The emergency rule the text fires, if any.
pub fn emergency(text: &str) -> Option<RuleHit> {
    let text = crate::features::normalise(text);
    RULES.iter().find_map(|r| {
        let hit = find(&text, r.any, true)?;
        if !r.with.is_empty() {
            find(&text, r.with, false)?;
        }
        Some(RuleHit { rule: r.name, disposition: r.disposition, category: r.category, urgency: r.urgency, matched: hit.to_owned() })
    })
}

/// The out-of-scope rule the text fires, if any: the category is left to the model.
pub fn out_of_scope(text: &str) -> Option<RuleHit> {
    let text = crate::features::normalise(text);
    let hit = find(&text, OUT_OF_SCOPE, false)?;
    Some(RuleHit { rule: "out_of_scope", disposition: "redirect", category: &[], urgency: "general", matched: hit.to_owned() })
}

/// Words that say what kind of request this is, checked in order.
const NATURE_CUES: &[(&str, &[&str])] = &[
    // A witness asking for someone else's violation to be investigated.
    (
        "report",
        &[
            "举报",
            "我要揭发",
            "请求查处",
            "请查处",
            "要求查处",
            "予以查处",
            "查查他",
            "i want to report",
            "reporting a",
            "please investigate",
        ],
    ),
    ("praise", &["表扬", "感谢", "谢谢你们", "点赞", "锦旗", "thank you", "thanks to", "praise"]),
    ("suggestion", &["建议", "提个意见", "希望能增设", "i suggest", "suggestion", "it would be better if", "could you consider"]),
    // Someone who should act did wrong or did not act — often after being told already.
    (
        "complaint",
        &[
            "投诉",
            "太不负责",
            "不作为",
            "报修了好几",
            "报修过",
            "报修三次",
            "反映过",
            "多次反映",
            "打过电话",
            "推诿",
            "踢皮球",
            "态度恶劣",
            "态度很差",
            "i want to complain",
            "complaint about",
            "nobody came",
            "no one came",
            "still not fixed",
            "refused to",
        ],
    ),
    (
        "consult",
        &[
            "请问",
            "咨询",
            "想问",
            "问一下",
            "问问",
            "怎么办理",
            "如何办理",
            "需要什么材料",
            "在哪里办",
            "在哪办",
            "什么时候开始",
            "能不能办",
            "是否可以",
            "有没有政策",
            "how do i",
            "how can i",
            "where can i",
            "when does",
            "when will",
            "what documents",
            "is it possible to",
            "do i need",
        ],
    ),
];

/// Question words: a question with no complaint in it is most likely a consultation.
const QUESTION: &[&str] = &[
    "吗？",
    "吗?",
    "在哪",
    "哪里",
    "多少钱",
    "能不能",
    "可以吗",
    "是否",
    "需不需要",
    "要不要",
    "什么时候",
    "怎么",
    "如何",
    "can i ",
    "do i ",
    "is it ",
    "what ",
    "where ",
    "which ",
    "when ",
    "how ",
    "are there",
    "do you",
];
/// Words that make a question a complaint or a call for help ("没人管吗？").
const GRIEVANCE: &[&str] = &[
    "没人管",
    "不管",
    "投诉",
    "太差",
    "坏了",
    "漏",
    "不热",
    "停水",
    "停电",
    "扰民",
    "乱",
    "拖欠",
    "到底",
    "凭什么",
    "合理吗",
    "为什么不",
    "怎么还",
    "谁来管",
    "有人管吗",
    "不给退",
    "unacceptable",
    "why is",
    "why are",
    "broken",
    "not working",
    "no one",
];

/// Whether the text reads as a plain question (for consultations).
pub fn is_question(text: &str) -> bool {
    let t = crate::features::normalise(text);
    QUESTION.iter().any(|q| t.contains(q)) && !GRIEVANCE.iter().any(|g| t.contains(g))
}

/// The nature the text states in so many words, if any.
pub fn nature_cue(text: &str) -> Option<&'static str> {
    let t = crate::features::normalise(text);
    NATURE_CUES.iter().find(|(_, words)| words.iter().any(|w| t.contains(w))).map(|(n, _)| *n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emergencies_fire_in_chinese_english_and_without_the_obvious_word() {
        let cases = [
            ("厨房一股臭鸡蛋味儿，灶台也没开", "gas_smell", "dispatch"),
            ("电梯卡在两层中间了里面有老人", "trapped_in_lift", "dispatch"),
            ("对面楼着火了！七八层往外冒黑烟", "fire_now", "transfer_119"),
            ("我车在桥下熄火了，水已经到车门了，门推不开，救命", "trapped_in_danger", "transfer_119"),
            ("有个老大爷突然倒地上了，叫也叫不醒", "medical", "transfer_120"),
            ("有人正在撬隔壁邻居家的门", "crime_now", "transfer_110"),
            ("被后车追尾了，两辆车都停在车道上", "traffic_accident", "transfer_122"),
            ("There's smoke coming out of the apartment next door", "fire_now", "transfer_119"),
            ("I'm stuck in the elevator of my building", "trapped_in_lift", "dispatch"),
            ("Gas 味道 very strong 在我们 kitchen", "gas_smell", "dispatch"),
            ("雨水从阳台倒灌，室内积水已没过脚面", "water_pouring_in", "dispatch"),
            ("底商门脸里面囤了几十桶汽油和油漆，就在居民楼底下", "hazardous_storage", "dispatch"),
        ];
        for (text, rule, disposition) in cases {
            let hit = emergency(text).unwrap_or_else(|| panic!("no rule for {text}"));
            assert_eq!((hit.rule, hit.disposition, hit.urgency), (rule, disposition, "emergency"), "{text}");
        }
    }

    #[test]
    fn hypothetical_danger_and_ordinary_requests_do_not_fire() {
        for text in [
            "安全出口被锁上了，真要着火了人根本跑不出去",
            "楼道堆满杂物，万一着火怎么办",
            "小区暖气不热，家里才16度",
            "门口的路灯坏了一个多月",
            "What are the heating season dates this year?",
        ] {
            assert_eq!(emergency(text), None, "{text}");
        }
    }

    #[test]
    fn courts_arbitration_and_petitions_are_out_of_scope() {
        assert_eq!(out_of_scope("已经申请劳动仲裁了，仲裁委还没开庭").map(|h| h.disposition), Some("redirect"));
        assert_eq!(out_of_scope("法院已经判了对方赔我八万").map(|h| h.matched), Some("法院".to_owned()));
        assert_eq!(out_of_scope("We are already in a labour arbitration case").map(|h| h.rule), Some("out_of_scope"));
        assert_eq!(out_of_scope("小区门口乱停车"), None);
    }
}
