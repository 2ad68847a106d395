//! The emergency decision: is someone's life or property in danger now? Recall comes first — a danger
//! dispatched as an ordinary request can cost a life — so the decision has three answers: an
//! emergency (a rule or a sure model), a *possible* emergency that the operator confirms with one key
//! (with the reason shown), and none.
//!
//! Dangers are recognised from their circumstances, not only from trigger words: a situation is a
//! set of cue groups that must all occur (something that can fall × where people walk; a confined
//! place × a person who does not answer). Each situation found, and each partial one, becomes a
//! feature of a dedicated classifier, so what the situations miss the words can still carry, and the
//! other way round. Wording that makes a danger hypothetical ("万一"), past ("上周着过火，已经灭了")
//! or second-hand ("听说", "新闻里") is marked, so the classifier learns to set it apart.

use serde::{Deserialize, Serialize};

use crate::features::{fnv, normalise};

/// How sure the engine is that a request is an emergency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Treat as an emergency: a rule fired or the classifier is sure.
    Emergency,
    /// Show "可能紧急 / possible emergency" with the reason; one key confirms.
    Possible,
    None,
}

impl Level {
    pub fn code(self) -> &'static str {
        match self {
            Self::Emergency => "emergency",
            Self::Possible => "possible",
            Self::None => "none",
        }
    }
}

/// A kind of danger described by its circumstances.
pub struct Situation {
    pub code: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    /// What an operator does with it when it is confirmed.
    pub disposition: &'static str,
    pub category: &'static str,
    /// Every group must match (one word of each).
    groups: &'static [&'static [&'static str]],
}

/// A situation found in a text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Found {
    pub code: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub disposition: &'static str,
    pub category: &'static str,
    /// The words that matched, one per group.
    pub matched: Vec<&'static str>,
    /// Hypothetical, past or second-hand wording near it.
    pub discounted: bool,
}

pub const SITUATIONS: &[Situation] = &[
    Situation {
        code: "confined_person",
        zh: "有人困在或倒在密闭空间里",
        en: "a person stuck or unwell in a confined place",
        disposition: "transfer_119",
        category: "EMG/trapped",
        groups: &[
            &[
                "电梯",
                "轿厢",
                "车里",
                "车内",
                "车上",
                "后座",
                "地下室",
                "地窖",
                "菜窖",
                "井里",
                "井下",
                "卫生间",
                "厕所",
                "浴室",
                "屋里",
                "屋里头",
                "房间里",
                "家里",
                "门里",
                "柜子里",
                "冷库",
                "储藏室",
                "仓库里",
                "管道里",
                "elevator",
                " lift",
                " car ",
                " car,",
                " car.",
                "basement",
                "cellar",
                "bathroom",
                "toilet",
                "locked",
                "inside the",
            ],
            &[
                "出不来",
                "打不开",
                "锁在",
                "反锁",
                "关在",
                "困在",
                "卡在",
                "没反应",
                "没动静",
                "不吭声",
                "不说话",
                "叫不应",
                "喊不应",
                "敲门没人",
                "没人应",
                "没人开",
                "拍门",
                "喊救",
                "哭",
                "喘不上",
                "喘不过",
                "憋",
                "闷得",
                "脸色发白",
                "嘴唇发紫",
                "发紫",
                "晕",
                "昏",
                "can't get out",
                "cannot get out",
                "can't open",
                "locked in",
                "no answer",
                "not answering",
                "not responding",
                "unresponsive",
                "crying",
                "banging",
                "can't breathe",
                "cannot breathe",
                "hot inside",
                "dizzy",
                "stuck inside",
                "stuck between",
            ],
        ],
    },
    Situation {
        code: "unwell_person",
        zh: "有人突发不适或受伤",
        en: "a person suddenly ill or hurt",
        disposition: "transfer_120",
        category: "EMG",
        groups: &[&[
            "喘不上气",
            "喘不过气",
            "上不来气",
            "胸口疼",
            "胸口痛",
            "胸闷",
            "心口疼",
            "嘴唇发紫",
            "脸发紫",
            "口吐白沫",
            "抽起来",
            "抽搐",
            "翻白眼",
            "摔倒了起不来",
            "摔了起不来",
            "起不来了",
            "爬不起来",
            "动不了了",
            "血止不住",
            "流了很多血",
            "一地血",
            "满脸是血",
            "头破了",
            "没意识",
            "不省人事",
            "叫不醒",
            "昏过去",
            "晕过去",
            "休克",
            "中暑",
            "冻僵",
            "喝了农药",
            "吃了安眠药",
            "割腕",
            "想不开",
            "要跳",
            "跳楼",
            "轻生",
            "can't breathe",
            "cannot breathe",
            "chest pain",
            "not breathing",
            "collapsed",
            "fell and can't get up",
            "bleeding heavily",
            "lot of blood",
            "seizure",
            "fainted",
            "passed out",
            "unconscious",
            "overdose",
            "jump off",
            "suicid",
            "站不起来",
            "躺着不动",
            "一动不动",
            "不动了",
            "地上有血",
            "流血",
            "腿断",
            "骨折",
            "摔断",
            "口齿不清",
            "说话含糊",
            "嘴歪",
            "半边身子",
            "can't stand",
            "cannot stand",
            "not moving",
            "broke his leg",
            "broke her leg",
            "broken leg",
            "slurred",
        ]],
    },
    Situation {
        code: "smoke_or_burning",
        zh: "建筑里有烟或焦煳味",
        en: "smoke or a burning smell in a building",
        disposition: "transfer_119",
        category: "EMG/fire_risk/smoke",
        groups: &[
            &[
                "冒烟",
                "烟雾",
                "浓烟",
                "黑烟",
                "白烟",
                "往外冒烟",
                "一股烟",
                "焦糊味",
                "焦煳味",
                "糊味",
                "煳味",
                "烧焦",
                "焦味",
                "烧塑料",
                "塑料味",
                "胶皮味",
                "火星",
                "火光",
                "明火",
                "烧着了",
                "烧起来",
                "噼里啪啦",
                "smoke",
                "smoking",
                "burning smell",
                "smell of burning",
                "something burning",
                "smells burnt",
                "flames",
                "sparks",
            ],
            &[
                "楼",
                "屋",
                "家",
                "门缝",
                "楼道",
                "楼梯间",
                "窗户",
                "窗口",
                "厨房",
                "配电",
                "电箱",
                "电表箱",
                "插座",
                "电线",
                "地下室",
                "车库",
                "仓库",
                "饭馆",
                "饭店",
                "店里",
                "商场",
                "宿舍",
                "building",
                "apartment",
                "flat",
                "corridor",
                "hallway",
                "stairwell",
                "kitchen",
                "outlet",
                "socket",
                "window",
                "door",
                "basement",
                "garage",
                "restaurant",
                "shop",
                "dorm",
                "room",
                "next door",
                "upstairs",
                "downstairs",
            ],
        ],
    },
    Situation {
        code: "gas_smell",
        zh: "有燃气味",
        en: "a smell of gas",
        disposition: "dispatch",
        category: "EMG/gas_leak",
        groups: &[
            &["煤气", "燃气", "天然气", "液化气", "臭鸡蛋", "gas"],
            &["味", "嘶嘶", "刺鼻", "冲鼻", "呛", "头晕", "smell", "hiss", "stink", "odour", "odor"],
        ],
    },
    Situation {
        code: "carbon_monoxide",
        zh: "烧煤或炭取暖，有人头晕恶心",
        en: "coal or charcoal heating and someone dizzy or sick",
        disposition: "transfer_120",
        category: "EMG",
        groups: &[
            &["煤炉", "蜂窝煤", "炉子", "烧煤", "炭火", "炭盆", "火盆", "煤球", "烧炕", "土暖气", "coal stove", "charcoal", "coal"],
            &[
                "头晕",
                "头疼",
                "头痛",
                "恶心",
                "吐",
                "晕",
                "睡不醒",
                "叫不醒",
                "没精神",
                "迷糊",
                "dizzy",
                "headache",
                "vomit",
                "nause",
                "won't wake",
            ],
        ],
    },
    Situation {
        code: "water_rising_indoors",
        zh: "水正涌进屋里",
        en: "water rising indoors",
        disposition: "dispatch",
        category: "EMG/flooding",
        groups: &[
            &["水", "雨", "污水", "water", "rain", "sewage", "flood"],
            &[
                "往屋里",
                "进屋",
                "漫进",
                "涌进",
                "灌进",
                "冒进来",
                "往里灌",
                "往里流",
                "往里进",
                "进来了",
                "到膝盖",
                "到小腿",
                "到腰",
                "没过",
                "漫过",
                "漫到",
                "越来越高",
                "一直在涨",
                "还在涨",
                "涨上来",
                "淹了",
                "泡了",
                "水深",
                "coming in",
                "pouring in",
                "rising",
                "knee",
                "ankle",
                "waist",
                "flooding",
                "flooded",
            ],
            &[
                "屋",
                "家",
                "卧室",
                "客厅",
                "地下室",
                "一楼",
                "底层",
                "平房",
                "院子",
                "床",
                "门口",
                "房间",
                "车库",
                "house",
                "home",
                "room",
                "bedroom",
                "basement",
                "ground floor",
                "apartment",
                "flat",
                "garage",
                "door",
            ],
        ],
    },
    Situation {
        code: "about_to_fall",
        zh: "有东西快掉下来，下面有人走",
        en: "something about to fall where people walk",
        disposition: "dispatch",
        category: "EMG/collapse/falling_objects",
        groups: &[
            &[
                "空调外机",
                "外机",
                "广告牌",
                "招牌",
                "牌子",
                "脚手架",
                "外墙",
                "墙皮",
                "瓷砖",
                "玻璃",
                "窗户",
                "窗框",
                "树枝",
                "大树",
                "树干",
                "冰溜子",
                "冰锥",
                "冰柱",
                "围挡",
                "灯杆",
                "路灯",
                "花盆",
                "雨棚",
                "檐",
                "砖",
                "塔吊",
                "吊篮",
                "防盗窗",
                "air conditioner",
                "ac unit",
                "sign",
                "billboard",
                "scaffold",
                "tile",
                "glass",
                "window",
                "branch",
                "tree",
                "icicle",
                "pole",
                "flowerpot",
                "awning",
                "brick",
                "crane",
                "balcony",
            ],
            &[
                "松动",
                "松了",
                "摇晃",
                "晃",
                "晃悠",
                "晃荡",
                "裂",
                "快掉",
                "要掉",
                "往下掉",
                "掉下来",
                "掉了一块",
                "悬着",
                "吊着",
                "耷拉",
                "歪",
                "倾斜",
                "斜了",
                "倒向",
                "折了",
                "劈了",
                "只剩",
                "loose",
                "sway",
                "swinging",
                "hanging",
                "about to fall",
                "crack",
                "tilt",
                "leaning",
                "dangling",
                "broken off",
                "snapped",
                "wobbl",
            ],
            &[
                "人",
                "路过",
                "行人",
                "下面",
                "楼下",
                "底下",
                "人行道",
                "门口",
                "小孩",
                "学生",
                "放学",
                "上学",
                "过往",
                "车站",
                "公交站",
                "马路",
                "people",
                "pedestrian",
                "below",
                "underneath",
                "sidewalk",
                "pavement",
                "walk",
                "children",
                "kids",
                "bus stop",
                "street",
            ],
        ],
    },
    Situation {
        code: "child_or_elder_in_danger",
        zh: "孩子或老人身处险境",
        en: "a child or an elderly person in danger",
        disposition: "transfer_110",
        category: "EMG",
        groups: &[
            &[
                "孩子",
                "小孩",
                "宝宝",
                "婴儿",
                "小朋友",
                "娃",
                "老人",
                "老太",
                "大爷",
                "老爷子",
                "老太太",
                "奶奶",
                "爷爷",
                "痴呆",
                "失智",
                "阿尔茨海默",
                "toddler",
                "child",
                "kid",
                "baby",
                "boy",
                "girl",
                "elderly",
                "old man",
                "old woman",
                "old lady",
                "grandma",
                "grandpa",
                "dementia",
            ],
            &[
                "窗台",
                "阳台边",
                "爬到",
                "爬上",
                "站在",
                "悬空",
                "马路中间",
                "车道",
                "高架",
                "走丢",
                "找不着",
                "找不到了",
                "一个人在",
                "独自在",
                "锁在车",
                "关在车",
                "掉进",
                "冰面",
                "冰上",
                "河边",
                "湖边",
                "水里",
                "坐在地上",
                "躺在",
                "冻得",
                "光着脚",
                "迷路",
                "往马路",
                "铁轨",
                "ledge",
                "windowsill",
                "climbing",
                "on the road",
                "in the road",
                "highway",
                "missing",
                "wandering",
                "lost",
                "alone in",
                "locked in",
                "on the ice",
                "river",
                "lake",
                "lying on",
                "freezing",
                "railway",
                "track",
            ],
        ],
    },
    Situation {
        code: "exposed_to_cold_or_lost",
        zh: "有人困在严寒、野外或天黑的险境",
        en: "a person exposed to cold, lost outdoors or hurt far from help",
        disposition: "transfer_119",
        category: "EMG/trapped",
        groups: &[
            &[
                "零下",
                "冻",
                "雪地",
                "雪里",
                "冰天",
                "天黑",
                "天快黑",
                "山上",
                "野长城",
                "山里",
                "悬崖",
                "河里",
                "冰窟窿",
                "minus",
                "freezing",
                "snow",
                "getting dark",
                "dark soon",
                "mountain",
                "cliff",
                "hiking",
                "wild wall",
            ],
            &[
                "迷路",
                "起不来",
                "站不起来",
                "走不了",
                "下不来",
                "没回来",
                "找不到",
                "糊涂",
                "说不清",
                "发抖",
                "哆嗦",
                "没电",
                "滑下去",
                "摔",
                "lost",
                "can't get up",
                "cannot get up",
                "can't stand",
                "shivering",
                "confused",
                "battery",
                "fell",
                "slipped",
                "stuck",
            ],
        ],
    },
    Situation {
        code: "vulnerable_person_missing",
        zh: "失智老人或孩子走失",
        en: "a person with dementia or a child gone missing",
        disposition: "transfer_110",
        category: "EMG",
        groups: &[
            &["痴呆", "失智", "糊涂", "阿尔茨海默", "孩子", "小孩", "dementia", "alzheimer", "confused", "child", "kid", "son", "daughter"],
            &[
                "没回来",
                "找不到",
                "找不着",
                "走丢",
                "不见了",
                "走失",
                "missing",
                "hasn't come back",
                "has not come back",
                "can't find",
                "cannot find",
                "wandered off",
            ],
        ],
    },
    Situation {
        code: "crime_or_fraud_now",
        zh: "正在发生的违法或诈骗",
        en: "a crime or a fraud in progress",
        disposition: "transfer_110",
        category: "ORD/security",
        groups: &[
            &[
                "冒充",
                "假装",
                "自称",
                "骗子",
                "骗",
                "转账",
                "汇款",
                "安全账户",
                "验证码",
                "跟踪",
                "尾随",
                "跟着我",
                "砸车",
                "砸门",
                "砸玻璃",
                "撬",
                "偷",
                "抢",
                "拽",
                "拖上车",
                "拉扯",
                "打人",
                "动手",
                "堵在",
                "威胁",
                "pretending",
                "claims to be",
                "scam",
                "fraud",
                "transfer money",
                "wire money",
                "safe account",
                "verification code",
                "following me",
                "smashing",
                "stealing",
                "grabbed",
                "threaten",
                "hitting",
                "beating",
                "break in",
                "保证金",
                "被抓了",
                "往银行",
                "去银行",
                "取钱",
                "打钱",
                "to the bank",
                "withdraw",
            ],
            &[
                "正在",
                "现在",
                "马上",
                "这会儿",
                "眼下",
                "就要",
                "要去",
                "要把",
                "门口",
                "在打电话",
                "电话里",
                "还在",
                "刚刚",
                "还没走",
                "一直跟",
                "还在打",
                "正往",
                "拦不住",
                "right now",
                "at the door",
                "on the phone",
                "about to",
                "is going to",
                "still here",
                "still there",
                "now",
            ],
        ],
    },
    Situation {
        code: "fast_road_hazard",
        zh: "快速路、高速或隧道上的险情",
        en: "a hazard on a fast road, expressway or tunnel",
        disposition: "transfer_122",
        category: "TRF",
        groups: &[
            &[
                "环",
                "高速",
                "快速路",
                "主路",
                "隧道",
                "高架",
                "立交",
                "京藏",
                "京承",
                "京港澳",
                "京开",
                "京沪",
                "京哈",
                "京通",
                "京津",
                "机场高速",
                "机场线",
                "京新",
                "京礼",
                "六环",
                "五环",
                "四环",
                "三环",
                "二环",
                "ring road",
                "expressway",
                "highway",
                "motorway",
                "tunnel",
                "overpass",
                "flyover",
                "main road",
            ],
            &[
                "轮胎",
                "货物",
                "掉了",
                "散落",
                "抛锚",
                "熄火",
                "停在",
                "逆行",
                "横在",
                "障碍",
                "石头",
                "钢筋",
                "木板",
                "井盖",
                "坑",
                "油",
                "撒了",
                "倒车",
                "走路",
                "行人",
                "骑车",
                "tyre",
                "tire",
                "cargo",
                "debris",
                "stalled",
                "broke down",
                "broken down",
                "wrong way",
                "lying in",
                "obstacle",
                "pothole",
                "spill",
                "reversing",
                "walking",
                "cyclist",
            ],
        ],
    },
    Situation {
        code: "electrical_hazard",
        zh: "电线、电箱带电险情",
        en: "a live wire or sparking electrics",
        disposition: "dispatch",
        category: "EMG/hazard/electric",
        groups: &[
            &[
                "电线",
                "电缆",
                "电箱",
                "电表箱",
                "配电箱",
                "变压器",
                "路灯杆",
                "电线杆",
                "电杆",
                "高压线",
                "插座",
                "充电桩",
                "wire",
                "cable",
                "transformer",
                "meter box",
                "power line",
                "pole",
                "socket",
                "outlet",
                "charger",
            ],
            &[
                "积水",
                "水里",
                "泡在",
                "掉下来",
                "掉在",
                "断了",
                "垂",
                "耷拉",
                "冒火",
                "火花",
                "噼啪",
                "打火",
                "麻了",
                "电了一下",
                "电到",
                "漏电",
                "发烫",
                "冒烟",
                "puddle",
                "in the water",
                "down",
                "fallen",
                "hanging",
                "spark",
                "shock",
                "buzzing",
                "hot to touch",
                "smoking",
            ],
        ],
    },
];

/// Words that put a danger in a hypothetical: "万一着火", "要是掉下来".
const HYPOTHETICAL: &[&str] = &[
    "万一",
    "要是",
    "如果",
    "假如",
    "真要",
    "一旦",
    "容易",
    "隐患",
    "担心",
    "怕",
    "会不会",
    "可能会",
    "迟早",
    "早晚",
    "建议",
    "应该",
    "能不能",
    "如何",
    "怎么预防",
    "注意",
    "防范",
    "if there",
    "if a ",
    "in case",
    "worried",
    "afraid",
    "could ",
    "might ",
    "would ",
    "what if",
    "should ",
    "prevent",
];
/// Words that put it in the past and over.
const PAST: &[&str] = &[
    "昨天",
    "前天",
    "上周",
    "上个月",
    "去年",
    "之前",
    "以前",
    "曾经",
    "当时",
    "那次",
    "后来",
    "已经灭",
    "已经扑灭",
    "已经救出",
    "已经送医",
    "已经修好",
    "已经处理",
    "已经没事",
    "没事了",
    "过去了",
    "昨晚",
    "昨儿",
    "那天",
    "表扬",
    "感谢",
    "谢谢",
    "锦旗",
    "yesterday",
    "last week",
    "last month",
    "last year",
    "last night",
    "earlier this",
    "was put out",
    "already fixed",
    "already out",
    "is fine now",
    "back then",
    "ago",
    "thank",
    "praise",
];
/// Words that make it second-hand.
const SECOND_HAND: &[&str] = &["听说", "据说", "新闻", "网上", "看到报道", "视频里", "朋友圈里", "heard that", "news", "online", "article"];

/// The normalised text between spaces, so that cue words written with a space (" car ") match at
/// either end.
fn padded(text: &str) -> String {
    format!(" {} ", normalise(text))
}

fn any_in(t: &str, words: &[&str]) -> bool {
    words.iter().any(|w| t.contains(w))
}

fn first_in(t: &str, words: &[&'static str]) -> Option<&'static str> {
    words.iter().copied().find(|w| t.contains(w))
}

/// The modality of a text: hypothetical, past, second-hand.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Modality {
    pub hypothetical: bool,
    pub past: bool,
    pub second_hand: bool,
}

impl Modality {
    pub fn of(normalised: &str) -> Self {
        Self {
            hypothetical: any_in(normalised, HYPOTHETICAL),
            past: any_in(normalised, PAST),
            second_hand: any_in(normalised, SECOND_HAND),
        }
    }
    pub fn discounted(self) -> bool {
        self.hypothetical || self.past || self.second_hand
    }
}

/// What the emergency decision reads in a text, in one pass over it.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// The situations described, best first: those stated as happening now before discounted ones.
    pub situations: Vec<Found>,
    /// The features the classifier adds to the text's words ([`cue_features`]).
    pub cues: Vec<u32>,
    /// The modality of the text as written (the rules' discount).
    pub modality: Modality,
}

/// Reads a text once for the situations it describes and the classifier's cue features: each
/// situation found (and whether it is discounted), each group of each situation that matched (a
/// partial situation), and the modality markers.
pub fn read(text: &str) -> Reading {
    let t = padded(text);
    let around = Modality::of(&t);
    let when = if around.discounted() { "discounted" } else { "now" };
    let mut situations = Vec::new();
    let mut cues = Vec::new();
    for s in SITUATIONS {
        let hits: Vec<Option<&'static str>> = s.groups.iter().map(|g| first_in(&t, g)).collect();
        for (i, hit) in hits.iter().enumerate() {
            if hit.is_some() {
                cues.push(fnv(b'g', &format!("{}#{i}", s.code)));
            }
        }
        if let Some(matched) = hits.into_iter().collect::<Option<Vec<_>>>() {
            cues.push(fnv(b's', s.code));
            cues.push(fnv(b's', &format!("any:{when}")));
            cues.push(fnv(b's', &format!("{}:{when}", s.code)));
            situations.push(Found {
                code: s.code,
                zh: s.zh,
                en: s.en,
                disposition: s.disposition,
                category: s.category,
                matched,
                discounted: around.discounted(),
            });
        }
    }
    situations.sort_by_key(|f| f.discounted);
    for (flag, name) in [(around.hypothetical, "hypothetical"), (around.past, "past"), (around.second_hand, "second_hand")] {
        if flag {
            cues.push(fnv(b'm', name));
        }
    }
    // The text itself, without the padding the cue words need.
    let modality = Modality::of(&t[1..t.len() - 1]);
    Reading { situations, cues, modality }
}

/// The situations a text describes (each with the words that matched), best first.
pub fn situations(text: &str) -> Vec<Found> {
    read(text).situations
}

/// The features the emergency classifier adds to the text's words (see [`read`]).
pub fn cue_features(text: &str) -> Vec<u32> {
    read(text).cues
}

/// Thresholds on the classifier's probability, chosen on a development set at training time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// At or above: a possible emergency (set for recall).
    pub possible: f32,
    /// At or above: an emergency (set for precision).
    pub emergency: f32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self { possible: 0.2, emergency: 0.8 }
    }
}

impl Thresholds {
    /// Chooses thresholds from `(probability, is an emergency)` pairs of a development set: `possible`
    /// catches at least `recall` of the emergencies (and then a margin below, for text unlike the set);
    /// `emergency` is the lowest probability above which at least `precision` of the flagged are
    /// emergencies (never below `possible`).
    pub fn choose(scored: &[(f32, bool)], recall: f64, precision: f64) -> Self {
        let mut pos: Vec<f32> = scored.iter().filter(|(_, e)| *e).map(|(p, _)| *p).collect();
        if pos.is_empty() {
            return Self::default();
        }
        pos.sort_by(f32::total_cmp);
        // The emergencies that may be missed: at most (1 - recall) of them.
        let may_miss = ((1.0 - recall) * pos.len() as f64).floor() as usize;
        let at = pos[may_miss.min(pos.len() - 1)];
        let possible = (at * 0.8).clamp(0.01, 0.5);
        let mut candidates: Vec<f32> = scored.iter().map(|(p, _)| *p).filter(|p| *p >= possible).collect();
        candidates.sort_by(f32::total_cmp);
        let emergency = candidates
            .iter()
            .copied()
            .find(|t| {
                let flagged: Vec<bool> = scored.iter().filter(|(p, _)| *p >= *t).map(|(_, e)| *e).collect();
                !flagged.is_empty() && flagged.iter().filter(|e| **e).count() as f64 / flagged.len() as f64 >= precision
            })
            .unwrap_or(0.95)
            .max(possible)
            .max(0.5);
        Self { possible, emergency }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dangers_described_by_their_circumstances_are_found() {
        let cases = [
            ("电梯停在两层中间，里面老太太一直拍门，说喘不上气", "confined_person"),
            ("楼道里一股焦糊味，好像是从502门缝里出来的", "smoke_or_burning"),
            ("五楼那个空调外机就剩一个角挂着了，一直晃，楼下就是小学门口", "about_to_fall"),
            ("俩岁孩子爬到窗台上了，家里没大人，我在对面楼看见的", "child_or_elder_in_danger"),
            ("我妈正在电话里跟一个自称公安的人说话，要把钱转到安全账户", "crime_or_fraud_now"),
            ("东四环主路中间横着一个大轮胎，车都在急刹", "fast_road_hazard"),
            ("下完雨小区门口电线杆上的线耷拉到积水里了，还冒火花", "electrical_hazard"),
            ("家里烧蜂窝煤，老爷子早上起来说头晕恶心", "carbon_monoxide"),
            ("The water is rising in our basement flat, my grandma can't walk", "water_rising_indoors"),
        ];
        for (text, code) in cases {
            let found = situations(text);
            assert!(found.iter().any(|f| f.code == code && !f.discounted), "{text}: {found:?}");
        }
    }

    #[test]
    fn hypothetical_past_and_second_hand_dangers_are_discounted() {
        for text in [
            "楼道里堆满纸箱，万一冒烟着起来怎么办",
            "上周楼里厨房冒烟，已经灭了，想问问物业该不该赔",
            "听说隔壁小区有个空调外机松动掉下来砸了人，我们楼的要不要检查",
        ] {
            let found = situations(text);
            assert!(!found.is_empty() && found.iter().all(|f| f.discounted), "{text}: {found:?}");
        }
    }

    #[test]
    fn ordinary_requests_describe_no_situation() {
        for text in
            ["小区暖气不热，家里才16度", "门口的路灯坏了一个多月", "请问居住证怎么办理", "What are the heating season dates this year?"]
        {
            assert!(situations(text).is_empty(), "{text}: {:?}", situations(text));
        }
    }

    #[test]
    fn thresholds_catch_the_emergencies_of_the_development_set() {
        let scored: Vec<(f32, bool)> =
            vec![(0.9, true), (0.7, true), (0.3, true), (0.25, false), (0.1, false), (0.05, false), (0.85, false), (0.95, true)];
        let t = Thresholds::choose(&scored, 1.0, 0.75);
        assert!(scored.iter().filter(|(_, e)| *e).all(|(p, _)| *p >= t.possible), "{t:?}");
        assert!(t.emergency >= t.possible && t.emergency >= 0.5, "{t:?}");
    }
}
