//! Ask the data (问数): a question in Chinese or English, parsed — offline and deterministically,
//! no language model — into the [`Query`] model, with every word it could not use reported.
//!
//! The question is cut into units (a Chinese character, an English word stemmed, a number) and read
//! left to right, taking at each point the longest phrase known: a time phrase (today, 上个月,
//! July 2023, 最近30天), a comparison (同比, vs last week), a place (official names, the short forms
//! people say, pinyin), a category (its names and keywords), a nature, channel, age group, language
//! or unit, a measure, a dimension, or a word of the question's shape (哪个, top 5, 最多, 趋势).
//! What is left, less filler words, is `unparsed`. The meanings are then put together by the
//! conventions in `crates/hotline/data/ask/README.md`.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, Duration, Months, NaiveDate};
use hotline_domain::{AgeGroup, Channel, Nature, UnitClass};
use serde::Serialize;

use crate::catalog::Catalog;
use crate::query::{Compare, Dimension, Measure, Query};

/// What a phrase means.
#[derive(Debug, Clone, PartialEq)]
enum Meaning {
    District(String),
    Street(String),
    /// A category (index into the catalog's list) named by its name (`true`) or a keyword.
    Category(usize, bool),
    Nature(Nature),
    Channel(Channel),
    Age(AgeGroup),
    Language(&'static str),
    /// "Foreign languages": not one language, so no filter (and reported).
    Foreign,
    Unit(String),
    Measure(Measure),
    /// A word for requests in general (来电, cases): no filter.
    Intake,
    /// A dimension noun (the district, streets, by channel).
    Dim(Dimension),
    /// 哪个 / 哪些 / which: whether the Chinese form is singular.
    Which(Option<bool>),
    /// 各 / 按 / by / each: group by what follows (or by a list named).
    Each,
    Rank,
    Most,
    Trend,
    /// 最关心什么 / call about: the second-level categories.
    WhatAbout,
    /// 具体 / specific: the third level.
    Specific,
    Compare(Compare),
    Filler,
}

/// Where a category phrase occurs: its span and the categories (named or by keyword).
type Occurrence = (usize, usize, Vec<(usize, bool)>);

/// A span of the question recognised as one phrase.
#[derive(Debug, Clone)]
struct Hit {
    start: usize,
    end: usize,
    meanings: Vec<Meaning>,
    range: Option<(NaiveDate, NaiveDate)>,
    top: Option<u32>,
}

/// One unit of the question: a Chinese character, an English word (stemmed) or a number.
#[derive(Debug, Clone)]
struct Tok {
    key: String,
    raw: String,
    cjk: bool,
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FFFF)
}

/// Full-width letters, digits and punctuation as ASCII.
fn half_width(s: &str) -> String {
    s.chars()
        .map(|c| match c as u32 {
            0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            0x3000 => ' ',
            _ => c,
        })
        .collect()
}

fn numeral_value(s: &str) -> Option<u32> {
    let digit = |c: char| match c {
        '零' => Some(0),
        '一' => Some(1),
        '二' | '两' => Some(2),
        '三' => Some(3),
        '四' => Some(4),
        '五' => Some(5),
        '六' => Some(6),
        '七' => Some(7),
        '八' => Some(8),
        '九' => Some(9),
        _ => None,
    };
    let chars: Vec<char> = s.chars().collect();
    match chars.as_slice() {
        ['十'] => Some(10),
        [a] => digit(*a),
        ['十', b] => Some(10 + digit(*b)?),
        [a, '十'] => Some(digit(*a)? * 10),
        [a, '十', b] => Some(digit(*a)? * 10 + digit(*b)?),
        [a, '百'] => Some(digit(*a)? * 100),
        _ => None,
    }
}

/// Chinese numerals before a counter or unit (前十, 三十天, 七月, 十二月) as digits; numerals
/// inside names (三里屯, 一级分类) stay.
fn digits_for_numerals(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let numeral = |c: char| "零一二两三四五六七八九十百".contains(c);
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        if numeral(chars[i]) {
            let mut j = i;
            while j < chars.len() && numeral(chars[j]) {
                j += 1;
            }
            let run: String = chars[i..j].iter().collect();
            let next = chars.get(j).copied();
            let prev = i.checked_sub(1).map(|p| chars[p]);
            let counter = next.is_some_and(|n| "天日周个名月年大位条件".contains(n));
            // 一周/一个月 after 最近 and 前N; 一共/一下/一般/一级/二级 are words, not numbers.
            let after_scope = prev.is_some_and(|p| "前近去".contains(p));
            if let Some(v) = numeral_value(&run).filter(|_| counter || after_scope) {
                out.push_str(&v.to_string());
                i = j;
                continue;
            }
            out.push_str(&run);
            i = j;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// A light English stemmer: both the question and the vocabulary go through it, so it need only be
/// consistent (landlords → landlord, keeping → keep, buses → bus).
fn stem(word: &str) -> String {
    let w = word.strip_suffix("'s").or_else(|| word.strip_suffix("’s")).unwrap_or(word);
    let w = w.trim_matches('\'');
    let n = w.len();
    let w = if n > 4 && w.ends_with("ies") {
        format!("{}y", &w[..n - 3])
    } else if n > 4 && (w.ends_with("sses") || w.ends_with("ses") || w.ends_with("xes") || w.ends_with("ches") || w.ends_with("shes")) {
        w[..n - 2].to_owned()
    } else if n > 3 && w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us") && !w.ends_with("is") {
        w[..n - 1].to_owned()
    } else {
        w.to_owned()
    };
    // A stem of three letters or fewer is more often another word (anding → and): keep the word.
    let n = w.len();
    if n >= 7 && w.ends_with("ing") {
        w[..n - 3].to_owned()
    } else if n >= 6 && w.ends_with("ed") {
        w[..n - 2].to_owned()
    } else {
        w
    }
}

/// The question (or a phrase of the vocabulary) as units.
fn tokens(text: &str) -> Vec<Tok> {
    let text = digits_for_numerals(&half_width(text));
    let mut out = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<Tok>| {
        if !word.is_empty() {
            let lower = word.to_lowercase();
            let key = if lower.bytes().all(|b| b.is_ascii_digit()) || lower.contains('-') { lower.clone() } else { stem(&lower) };
            out.push(Tok { key, raw: std::mem::take(word), cjk: false });
        }
    };
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_alphanumeric() || ((c == '\'' || c == '’') && !word.is_empty()) {
            // A letter-digit switch cuts a unit ("2025年" is 2025 + 年, "U-WATER" stays whole below).
            if let Some(last) = word.chars().last()
                && last.is_ascii_digit() != c.is_ascii_digit()
                && !word.contains('-')
            {
                flush(&mut word, &mut out);
            }
            word.push(c);
        } else if c == '-'
            && !word.is_empty()
            && word.chars().all(|w| w.is_ascii_alphabetic())
            && word.len() <= 6
            && word.chars().all(|w| w.is_ascii_uppercase())
            && chars.get(i + 1).is_some_and(char::is_ascii_alphanumeric)
        {
            // A unit code such as U-WATER or D-JTW.
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            if is_cjk(c) {
                out.push(Tok { key: c.to_string(), raw: c.to_string(), cjk: true });
            }
        }
    }
    flush(&mut word, &mut out);
    out
}

fn key_of(toks: &[Tok]) -> String {
    toks.iter().map(|t| t.key.as_str()).collect::<Vec<_>>().join(" ")
}

/// Pinyin spellings of a Chinese name, every reading of a character with several (朝: chao, zhao).
fn pinyin_spellings(name: &str) -> Vec<String> {
    use pinyin::ToPinyinMulti;
    let mut out = vec![String::new()];
    for multi in name.to_pinyin_multi() {
        let Some(multi) = multi else { return Vec::new() };
        let readings: Vec<&str> = multi.into_iter().map(pinyin::Pinyin::plain).collect::<HashSet<_>>().into_iter().collect();
        let mut next = Vec::new();
        for prefix in &out {
            for r in &readings {
                next.push(format!("{prefix}{r}"));
            }
        }
        next.truncate(16);
        out = next;
    }
    out.retain(|s| !s.is_empty());
    out
}

/// The vocabulary of questions, built from the reference data.
pub struct Lexicon {
    phrases: HashMap<String, Vec<Meaning>>,
    /// Longest phrase, in units.
    longest: usize,
    categories: Vec<String>,
    /// Phrases that also occur inside phrases of other first-level branches (噪音, 停车): no category.
    broad: HashSet<String>,
    fillers: HashSet<String>,
    /// English category phrases of two or more content words, by each of their words: matched
    /// when all their words appear close together in any order (landlords keeping deposits).
    bags: HashMap<String, Vec<(Vec<String>, usize, bool)>>,
}

const STATIC: &[(&str, &[&str])] = &[
    (
        "intake",
        &[
            "来电",
            "来电量",
            "诉求",
            "诉求量",
            "工单",
            "工单量",
            "来件",
            "件",
            "request",
            "requests",
            "case",
            "cases",
            "call",
            "calls",
            "order",
            "orders",
            "ticket",
            "callers",
            "caller",
            "call volume",
        ],
    ),
    (
        "count",
        &[
            "多少",
            "多少件",
            "数量",
            "总量",
            "件数",
            "几个",
            "几起",
            "几件",
            "有几",
            "多不多",
            "how many",
            "number of",
            "volume",
            "count",
            "total",
            "how much",
        ],
    ),
    ("response_rate", &["响应率", "response rate", "response rates"]),
    ("resolution_rate", &["解决率", "问题解决率", "resolution rate", "resolution rates", "fix rate"]),
    ("satisfaction_rate", &["满意率", "满意度", "satisfaction rate", "satisfaction rates", "satisfaction"]),
    ("overdue_count", &["超期", "逾期", "超时", "超期件数", "超期工单", "逾期件数", "overdue", "went overdue", "late", "past due"]),
    (
        "median_reply_hours",
        &[
            "办理时长",
            "平均办理时长",
            "回复时长",
            "平均回复时长",
            "处理时长",
            "办结时长",
            "多久回复",
            "多久能回复",
            "多长时间",
            "多久",
            "reply time",
            "reply hours",
            "median reply hours",
            "how long",
            "hours to reply",
            "time to reply",
            "handling time",
            "turnaround",
        ],
    ),
    ("complaint", &["投诉", "投诉量", "complaint", "complaints"]),
    ("consult", &["咨询", "咨询量", "inquiry", "inquiries", "enquiry", "enquiries", "consultation", "consultations"]),
    ("help", &["求助", "asking for help", "help request", "help requests", "requests for help"]),
    ("report", &["举报", "report", "reports", "tip-off"]),
    ("suggestion", &["建议", "suggestion", "suggestions", "proposal"]),
    ("praise", &["表扬", "感谢", "表扬类", "praise", "compliment", "compliments", "thanks"]),
    (
        "phone",
        &["电话", "打电话", "进线", "电话进线", "热线电话", "phone", "phone call", "phone calls", "by phone", "telephone", "hotline calls"],
    ),
    ("web", &["网站", "网上", "门户网站", "web", "website", "web form"]),
    ("app", &["app", "移动应用", "手机应用", "客户端", "mobile app"]),
    ("wechat", &["微信", "公众号", "小程序", "wechat"]),
    ("open311", &["open311"]),
    ("email", &["电子邮件", "邮件", "email", "e-mail", "mail"]),
    (
        "senior",
        &[
            "老年人",
            "老人",
            "老年",
            "老年群体",
            "长者",
            "elderly",
            "the elderly",
            "senior",
            "seniors",
            "senior citizens",
            "older people",
            "older residents",
            "pensioners",
        ],
    ),
    ("minor", &["未成年人", "未成年", "青少年", "minor", "minors", "children", "kids", "teenagers"]),
    ("adult", &["成年人", "adult", "adults"]),
    ("foreign", &["外语", "外文", "外国语", "foreign language", "foreign-language", "foreign languages"]),
    ("district", &["区", "城区", "各区", "区县", "district", "districts"]),
    (
        "street",
        &[
            "街道",
            "乡镇",
            "街乡",
            "街镇",
            "街道乡镇",
            "街道(乡镇)",
            "街乡镇",
            "street",
            "streets",
            "subdistrict",
            "subdistricts",
            "township",
            "townships",
            "towns",
        ],
    ),
    (
        "unit",
        &[
            "单位",
            "承办单位",
            "部门",
            "委办局",
            "办理单位",
            "unit",
            "units",
            "handling unit",
            "handling units",
            "department",
            "departments",
            "agency",
            "agencies",
        ],
    ),
    ("channel", &["渠道", "来源渠道", "channel", "channels"]),
    ("nature", &["性质", "诉求性质", "诉求类型", "nature", "type of request"]),
    ("age_group", &["年龄段", "年龄", "年龄层", "age group", "age groups", "age"]),
    ("language", &["语言", "语种", "language", "languages"]),
    (
        "category_l1",
        &[
            "大类",
            "一级分类",
            "一级类别",
            "first-level category",
            "first level category",
            "level-1 category",
            "level 1 category",
            "top-level category",
            "broad category",
        ],
    ),
    (
        "category_l2",
        &[
            "二级分类",
            "二级类别",
            "问题类型",
            "level-2 category",
            "level 2 category",
            "second-level category",
            "category",
            "categories",
            "topic",
            "topics",
        ],
    ),
    ("category_l3", &["三级分类", "三级类别", "小类", "level-3 category", "level 3 category", "third-level category"]),
    ("hour", &["时段", "分时段", "每小时", "小时", "几点", "hourly", "hour", "hours", "by hour", "time of day", "per hour"]),
    ("day", &["每天", "每日", "按天", "按日", "逐日", "日趋势", "daily", "day", "days", "each day", "per day", "by day", "day by day"]),
    ("week", &["每周", "按周", "逐周", "每个星期", "各周", "weekly", "week", "weeks", "each week", "per week", "by week", "week by week"]),
    (
        "month",
        &[
            "每月",
            "每个月",
            "按月",
            "各月",
            "逐月",
            "月度",
            "每月份",
            "monthly",
            "month",
            "months",
            "each month",
            "per month",
            "by month",
            "month by month",
        ],
    ),
    ("which1", &["哪个", "哪一个", "哪家", "哪位", "哪"]),
    ("which*", &["哪些", "哪几个"]),
    ("which", &["which", "what"]),
    (
        "each",
        &[
            "各",
            "各个",
            "每个",
            "按",
            "分",
            "各类",
            "by",
            "per",
            "each",
            "across",
            "broken down",
            "break down",
            "broken down to",
            "split by",
        ],
    ),
    ("rank", &["排名", "排行", "排序", "分布", "rank", "ranked", "ranking", "rankings", "league table"]),
    (
        "most",
        &[
            "最多",
            "最高",
            "最大",
            "最慢",
            "最长",
            "最严重",
            "最突出",
            "most",
            "the most",
            "highest",
            "largest",
            "slowest",
            "worst",
            "biggest",
            "busiest",
            "longest",
        ],
    ),
    ("trend", &["趋势", "走势", "变化趋势", "趋势图", "trend", "trends", "over time"]),
    (
        "whatabout",
        &[
            "最关心什么",
            "关心什么",
            "关心啥",
            "关注什么",
            "反映什么",
            "反映啥",
            "都在反映啥",
            "反映的问题",
            "什么问题",
            "啥问题",
            "哪些问题",
            "哪类问题",
            "哪方面",
            "care about",
            "cared about",
            "worry about",
            "worried about",
            "call about",
            "called about",
            "calling about",
            "complain about",
            "concerned about",
            "what issues",
            "which issues",
            "what problems",
        ],
    ),
    ("specific", &["具体", "具体问题", "specific", "specific issues", "specific issue", "specific problems"]),
    (
        "same_year",
        &[
            "同比",
            "同期",
            "同比变化",
            "比去年",
            "跟去年比",
            "和去年比",
            "与去年比",
            "与去年同期比",
            "较去年同期",
            "去年同期",
            "year on year",
            "year-on-year",
            "yoy",
            "vs last year",
            "versus last year",
            "compared with last year",
            "compared to last year",
            "compared with the same period last year",
            "compared to the same period last year",
            "against last year",
        ],
    ),
    (
        "previous",
        &[
            "环比",
            "比上个月",
            "比上月",
            "跟上月比",
            "和上月比",
            "环比上月",
            "环比上周",
            "比上周",
            "跟上周比",
            "和上周比",
            "环比上个月",
            "mom",
            "month on month",
            "month-on-month",
            "week on week",
            "week-on-week",
            "wow",
            "vs last week",
            "vs last month",
            "versus last week",
            "versus last month",
            "compared with last week",
            "compared with last month",
            "compared to last week",
            "compared to last month",
            "compared with the previous week",
            "compared with the previous month",
            "compared to the previous week",
            "compared to the previous month",
            "previous period",
            "vs the previous period",
            "compared with the previous period",
        ],
    ),
];

/// Words that carry no meaning for the query (never reported as unparsed).
const FILLERS: &[&str] = &[
    "的",
    "了",
    "吗",
    "呢",
    "啊",
    "呀",
    "吧",
    "么",
    "嘛",
    "是",
    "有",
    "在",
    "和",
    "与",
    "及",
    "跟",
    "或",
    "还",
    "这",
    "那",
    "个",
    "起",
    "条",
    "名",
    "数",
    "量",
    "里",
    "内",
    "中",
    "都",
    "共",
    "一共",
    "总共",
    "合计",
    "帮我",
    "帮忙",
    "查",
    "查一下",
    "查查",
    "看看",
    "看",
    "给我",
    "一下",
    "统计",
    "情况",
    "怎么样",
    "咋样",
    "如何",
    "分别",
    "收到",
    "进来",
    "通过",
    "提交",
    "相关",
    "方面",
    "类",
    "大家",
    "咱们",
    "我们",
    "市民",
    "群众",
    "全市",
    "全年",
    "以来",
    "变化",
    "集中",
    "事儿",
    "事",
    "关于",
    "本身",
    "取",
    "领域",
    "多",
    "一般",
    "能",
    "北京",
    "北京市",
    "本市",
    "全",
    "上",
    "下",
    "到",
    "从",
    "至",
    "把",
    "对",
    "被",
    "让",
    "请",
    "请问",
    "想",
    "知道",
    "了解",
    "一",
    "各有",
    "有关",
    "涉及",
    "反映",
    "说",
    "打",
    "来",
    "问题",
    "事情",
    "为",
    "人",
    "谁",
    "啥",
    "什么",
    "几",
    "请列出",
    "列出",
    "显示",
    "展示",
    "给出",
    "最",
    "前",
    "后",
    "等",
    "之",
    "其",
    "该",
    "此",
    "并",
    "以及",
    "怎样",
    "the",
    "a",
    "an",
    "of",
    "in",
    "on",
    "at",
    "for",
    "to",
    "from",
    "with",
    "and",
    "or",
    "plu",
    "did",
    "do",
    "doe",
    "we",
    "get",
    "got",
    "had",
    "ha",
    "have",
    "is",
    "are",
    "was",
    "were",
    "been",
    "be",
    "how",
    "many",
    "much",
    "show",
    "me",
    "please",
    "give",
    "list",
    "came",
    "come",
    "arrived",
    "arrive",
    "received",
    "receive",
    "there",
    "that",
    "this",
    "these",
    "those",
    "it",
    "its",
    "our",
    "us",
    "i",
    "you",
    "about",
    "across",
    "all",
    "any",
    "overall",
    "so",
    "far",
    "up",
    "down",
    "look",
    "looked",
    "like",
    "take",
    "it'",
    "can",
    "could",
    "would",
    "via",
    "through",
    "made",
    "people",
    "residents",
    "citizens",
    "handle",
    "handled",
    "see",
    "tell",
    "what's",
    "whats",
    "which",
    "what",
    "where",
    "when",
    "who",
    "whole",
    "city",
    "citywide",
    "beijing",
    "number",
    "figure",
    "figures",
    "count",
    "stats",
    "statistics",
    "data",
    "has",
    "been",
    "than",
    "over",
    "into",
    "as",
    "per",
    "each",
    "by",
    "vs",
    "versus",
    "compared",
    "comparison",
    "between",
    "do",
    "does",
    "go",
    "went",
    "get",
    "come",
    "in",
    "out",
    "now",
    "so",
    "far",
    "just",
    "only",
    "also",
    "too",
    "more",
    "most",
    "less",
];

impl Lexicon {
    pub fn new(catalog: &Catalog) -> Self {
        let mut lex = Self {
            phrases: HashMap::new(),
            longest: 1,
            categories: Vec::new(),
            broad: HashSet::new(),
            fillers: HashSet::new(),
            bags: HashMap::new(),
        };
        for (tag, words) in STATIC {
            let meaning = match *tag {
                "intake" => Meaning::Intake,
                "count" => Meaning::Measure(Measure::Count),
                "response_rate" => Meaning::Measure(Measure::ResponseRate),
                "resolution_rate" => Meaning::Measure(Measure::ResolutionRate),
                "satisfaction_rate" => Meaning::Measure(Measure::SatisfactionRate),
                "overdue_count" => Meaning::Measure(Measure::OverdueCount),
                "median_reply_hours" => Meaning::Measure(Measure::MedianReplyHours),
                "complaint" => Meaning::Nature(Nature::Complaint),
                "consult" => Meaning::Nature(Nature::Consult),
                "help" => Meaning::Nature(Nature::Help),
                "report" => Meaning::Nature(Nature::Report),
                "suggestion" => Meaning::Nature(Nature::Suggestion),
                "praise" => Meaning::Nature(Nature::Praise),
                "phone" => Meaning::Channel(Channel::Phone),
                "web" => Meaning::Channel(Channel::Web),
                "app" => Meaning::Channel(Channel::App),
                "wechat" => Meaning::Channel(Channel::Wechat),
                "open311" => Meaning::Channel(Channel::Open311),
                "email" => Meaning::Channel(Channel::Email),
                "senior" => Meaning::Age(AgeGroup::Senior),
                "minor" => Meaning::Age(AgeGroup::Minor),
                "adult" => Meaning::Age(AgeGroup::Adult),
                "foreign" => Meaning::Foreign,
                "which1" => Meaning::Which(Some(true)),
                "which*" => Meaning::Which(Some(false)),
                "which" => Meaning::Which(None),
                "each" => Meaning::Each,
                "rank" => Meaning::Rank,
                "most" => Meaning::Most,
                "trend" => Meaning::Trend,
                "whatabout" => Meaning::WhatAbout,
                "specific" => Meaning::Specific,
                "same_year" => Meaning::Compare(Compare::SamePeriodLastYear),
                "previous" => Meaning::Compare(Compare::PreviousPeriod),
                dim => match Dimension::parse(dim) {
                    Some(d) => Meaning::Dim(d),
                    None => continue,
                },
            };
            for w in *words {
                lex.add(w, meaning.clone());
            }
        }
        for (code, zh, en, extra) in LANGUAGES {
            for w in [*zh, *en].into_iter().chain(extra.iter().copied()) {
                lex.add(w, Meaning::Language(code));
                if w.is_ascii() {
                    lex.add(&format!("{w} language"), Meaning::Language(code));
                    lex.add(&format!("{w}-language"), Meaning::Language(code));
                    lex.add(&format!("in {w}"), Meaning::Language(code));
                }
            }
        }
        for f in FILLERS {
            lex.fillers.insert(key_of(&tokens(f)));
        }
        lex.add_places(catalog);
        lex.add_units(catalog);
        lex.add_categories(catalog);
        lex
    }

    fn add(&mut self, phrase: &str, m: Meaning) {
        let toks = tokens(phrase);
        if toks.is_empty() {
            return;
        }
        self.longest = self.longest.max(toks.len());
        let entry = self.phrases.entry(key_of(&toks)).or_default();
        if !entry.contains(&m) {
            entry.push(m);
        }
    }

    fn add_bag(&mut self, phrase: &str, category: usize, named: bool) {
        let toks = tokens(phrase);
        if toks.iter().any(|t| t.cjk) {
            return;
        }
        let content: Vec<String> = toks.iter().map(|t| t.key.clone()).filter(|k| !self.fillers.contains(k)).collect();
        if content.len() < 2 {
            return;
        }
        for k in &content {
            self.bags.entry(k.clone()).or_default().push((content.clone(), category, named));
        }
    }

    fn add_places(&mut self, catalog: &Catalog) {
        let mut places: Vec<(String, UnitClass)> = catalog
            .units_of(UnitClass::District)
            .map(|(_, u)| (u.name.clone(), UnitClass::District))
            .chain(catalog.units_of(UnitClass::Street).map(|(_, u)| (u.name.clone(), UnitClass::Street)))
            .collect();
        places.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.code().cmp(b.1.code())));
        places.dedup();
        for (name, class) in places {
            let meaning = if class == UnitClass::District { Meaning::District(name.clone()) } else { Meaning::Street(name.clone()) };
            self.add(&name, meaning.clone());
            let mut bases: Vec<String> = vec![name.clone()];
            for (spoken, _) in hotline_places::spoken_names(&name, class) {
                self.add(&spoken, meaning.clone());
                bases.push(spoken);
            }
            // Pinyin, bare and with the English kind of place.
            let suffixes: &[&str] = if class == UnitClass::District {
                &["", " district"]
            } else {
                &["", " subdistrict", " street", " township", " town", " area"]
            };
            for base in bases.iter().filter(|b| b.chars().count() >= 2) {
                let stripped = base.trim_end_matches(['区', '镇', '乡']).trim_end_matches("街道").trim_end_matches("地区");
                if stripped.chars().count() < 2 {
                    continue;
                }
                for py in pinyin_spellings(stripped) {
                    for s in suffixes {
                        self.add(&format!("{py}{s}"), meaning.clone());
                    }
                }
            }
        }
    }

    fn add_units(&mut self, catalog: &Catalog) {
        let mut units: Vec<(String, String)> = [UnitClass::Department, UnitClass::Utility, UnitClass::Centre]
            .iter()
            .flat_map(|c| catalog.units_of(*c).map(|(_, u)| (u.name.clone(), u.code.clone())))
            .collect();
        units.sort();
        for (name, code) in units {
            self.add(&code, Meaning::Unit(code.clone()));
            self.add(&name, Meaning::Unit(code.clone()));
            for prefix in ["北京市", "北京"] {
                if let Some(rest) = name.strip_prefix(prefix).filter(|r| r.chars().count() >= 3) {
                    self.add(rest, Meaning::Unit(code.clone()));
                    self.add(&format!("市{rest}"), Meaning::Unit(code.clone()));
                }
            }
        }
    }

    fn add_categories(&mut self, catalog: &Catalog) {
        let cats = catalog.categories();
        self.categories = cats.iter().map(|c| c.code.clone()).collect();
        // Every phrase of every category, then which first-level branches hold each phrase inside
        // one of their own phrases.
        let mut all: Vec<(String, String)> = Vec::new();
        for (i, c) in cats.iter().enumerate() {
            let l1 = c.code.split('/').next().unwrap_or_default().to_owned();
            for name in [&c.name_zh, &c.name_en] {
                self.add(name, Meaning::Category(i, true));
                self.add_bag(name, i, true);
                all.push((key_of(&tokens(name)), l1.clone()));
            }
            for k in &c.keywords {
                // The catch-all branch's keywords are everyday words (在哪, 谢谢), and so are
                // one-word keywords that are filler words (show): never a topic.
                if l1 != "OTH" && !self.fillers.contains(&key_of(&tokens(k))) {
                    self.add(k, Meaning::Category(i, false));
                    self.add_bag(k, i, false);
                }
                all.push((key_of(&tokens(k)), l1.clone()));
            }
        }
        // Which first-level branches hold each run of words inside one of their phrases.
        let mut inside: HashMap<String, HashSet<String>> = HashMap::new();
        for (p, l1) in &all {
            let words: Vec<&str> = p.split(' ').collect();
            for a in 0..words.len() {
                for b in a + 1..=words.len() {
                    inside.entry(words[a..b].join(" ")).or_default().insert(l1.clone());
                }
            }
        }
        let keys: Vec<String> =
            self.phrases.iter().filter(|(_, ms)| ms.iter().any(|m| matches!(m, Meaning::Category(..)))).map(|(k, _)| k.clone()).collect();
        for key in keys {
            let own: HashSet<&str> = self.phrases[&key]
                .iter()
                .filter_map(|m| match m {
                    Meaning::Category(i, _) => cats[*i].code.split('/').next(),
                    _ => None,
                })
                .collect();
            let elsewhere = inside.get(&key).map_or(0, |l1s| l1s.iter().filter(|l1| !own.contains(l1.as_str()) && *l1 != "OTH").count());
            // A word inside the phrases of three or more other branches (噪音, noise, parking) names
            // no one topic.
            if elsewhere >= 3 && self.phrases[&key].iter().all(|m| matches!(m, Meaning::Category(_, false))) {
                self.broad.insert(key);
            }
        }
    }
}

const LANGUAGES: &[(&str, &str, &str, &[&str])] = &[
    ("en", "英语", "english", &["英文"]),
    ("ja", "日语", "japanese", &["日文"]),
    ("ko", "韩语", "korean", &["朝鲜语", "韩文"]),
    ("ru", "俄语", "russian", &["俄文"]),
    ("fr", "法语", "french", &["法文"]),
    ("de", "德语", "german", &["德文"]),
    ("es", "西班牙语", "spanish", &[]),
    ("pt", "葡萄牙语", "portuguese", &[]),
    ("it", "意大利语", "italian", &[]),
    ("ar", "阿拉伯语", "arabic", &[]),
    ("ug", "维吾尔语", "uyghur", &[]),
    ("bo", "藏语", "tibetan", &[]),
    ("mn", "蒙古语", "mongolian", &[]),
    ("vi", "越南语", "vietnamese", &[]),
    ("th", "泰语", "thai", &[]),
];

/// The answer of the parser: the query, and the words it could not use.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Parsed {
    pub query: Query,
    pub unparsed: Vec<String>,
}

fn month_start(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

fn add_months(d: NaiveDate, n: i32) -> NaiveDate {
    if n >= 0 { d.checked_add_months(Months::new(n.unsigned_abs())) } else { d.checked_sub_months(Months::new(n.unsigned_abs())) }
        .unwrap_or(d)
}

fn year_range(y: i32) -> Option<(NaiveDate, NaiveDate)> {
    Some((NaiveDate::from_ymd_opt(y, 1, 1)?, NaiveDate::from_ymd_opt(y + 1, 1, 1)?))
}

fn month_range(y: i32, m: u32) -> Option<(NaiveDate, NaiveDate)> {
    let from = NaiveDate::from_ymd_opt(y, m, 1)?;
    Some((from, add_months(from, 1)))
}

const MONTHS_EN: [&str; 12] =
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];
const MONTHS_EN_SHORT: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

fn month_word(k: &str) -> Option<u32> {
    MONTHS_EN.iter().position(|m| *m == k).or_else(|| MONTHS_EN_SHORT.iter().position(|m| *m == k && k != "may")).map(|i| i as u32 + 1)
}

/// A time phrase starting at `i`: its length in units and its range.
fn time_at(t: &[Tok], i: usize, today: NaiveDate) -> Option<(usize, (NaiveDate, NaiveDate))> {
    let k = |j: usize| t.get(j).map_or("", |x| x.key.as_str());
    let num = |j: usize| t.get(j).and_then(|x| x.key.parse::<u32>().ok());
    let year = today.year();
    let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let this_month = month_start(today);
    let last_n_days = |n: u32| (today - Duration::days(i64::from(n)), today + Duration::days(1));
    // Fixed phrases, longest first.
    let fixed: &[(&[&str], (NaiveDate, NaiveDate))] = &[
        (&["今", "年", "以", "来"], year_range(year)?),
        (&["年", "初", "以", "来"], year_range(year)?),
        (&["今", "年", "至", "今"], year_range(year)?),
        (&["本", "年", "度"], year_range(year)?),
        (&["这", "个", "星", "期"], (monday, monday + Duration::days(7))),
        (&["上", "个", "星", "期"], (monday - Duration::days(7), monday)),
        (&["这", "礼", "拜"], (monday, monday + Duration::days(7))),
        (&["上", "礼", "拜"], (monday - Duration::days(7), monday)),
        (&["本", "星", "期"], (monday, monday + Duration::days(7))),
        (&["上", "星", "期"], (monday - Duration::days(7), monday)),
        (&["这", "个", "月"], (this_month, add_months(this_month, 1))),
        (&["上", "个", "月"], (add_months(this_month, -1), this_month)),
        (&["今", "天"], (today, today + Duration::days(1))),
        (&["今", "日"], (today, today + Duration::days(1))),
        (&["昨", "天"], (today - Duration::days(1), today)),
        (&["昨", "日"], (today - Duration::days(1), today)),
        (&["前", "天"], (today - Duration::days(2), today - Duration::days(1))),
        (&["本", "周"], (monday, monday + Duration::days(7))),
        (&["这", "周"], (monday, monday + Duration::days(7))),
        (&["上", "周"], (monday - Duration::days(7), monday)),
        (&["本", "月"], (this_month, add_months(this_month, 1))),
        (&["这", "月"], (this_month, add_months(this_month, 1))),
        (&["当", "月"], (this_month, add_months(this_month, 1))),
        (&["上", "月"], (add_months(this_month, -1), this_month)),
        (&["今", "年"], year_range(year)?),
        (&["本", "年"], year_range(year)?),
        (&["去", "年"], year_range(year - 1)?),
        (&["上", "年"], year_range(year - 1)?),
        (&["前", "年"], year_range(year - 2)?),
        (&["so", "far", "this", "year"], year_range(year)?),
        (&["year", "to", "date"], year_range(year)?),
        (&["the", "past", "week"], last_n_days(7)),
        (&["the", "past", "month"], last_n_days(30)),
        (&["the", "past", "year"], last_n_days(365)),
        (&["past", "week"], last_n_days(7)),
        (&["past", "month"], last_n_days(30)),
        (&["past", "year"], last_n_days(365)),
        (&["this", "week"], (monday, monday + Duration::days(7))),
        (&["last", "week"], (monday - Duration::days(7), monday)),
        (&["this", "month"], (this_month, add_months(this_month, 1))),
        (&["last", "month"], (add_months(this_month, -1), this_month)),
        (&["this", "year"], year_range(year)?),
        (&["last", "year"], year_range(year - 1)?),
        (&["today"], (today, today + Duration::days(1))),
        (&["yesterday"], (today - Duration::days(1), today)),
    ];
    // A named month: 今年7月, 2025年3月(份), 7月, July 2023, March this year, in March.
    let year_word = |j: usize| -> Option<(usize, i32)> {
        match (k(j), k(j + 1)) {
            ("今", "年") => Some((2, year)),
            ("去", "年") => Some((2, year - 1)),
            ("前", "年") => Some((2, year - 2)),
            _ => num(j).filter(|y| (1990..=2100).contains(y) && k(j + 1) == "年").map(|y| (2, y as i32)),
        }
    };
    let zh_month = |j: usize| -> Option<(usize, u32)> {
        let m = num(j).filter(|m| (1..=12).contains(m))?;
        (k(j + 1) == "月").then_some(if k(j + 2) == "份" { (3, m) } else { (2, m) })
    };
    if let Some((yl, y)) = year_word(i) {
        if let Some((ml, m)) = zh_month(i + yl) {
            return Some((yl + ml, month_range(y, m)?));
        }
        if let Some(y4) = num(i).filter(|y| (1990..=2100).contains(y)) {
            let mut len = 2;
            while matches!(k(i + len), "度" | "全" | "年") {
                len += 1;
            }
            return Some((len, year_range(y4 as i32)?));
        }
    }
    if let Some((ml, m)) = zh_month(i) {
        return Some((ml, month_range(year, m)?));
    }
    if let Some(m) = month_word(k(i)) {
        if let Some(y) = num(i + 1).filter(|y| (1990..=2100).contains(y)) {
            return Some((2, month_range(y as i32, m)?));
        }
        match (k(i + 1), k(i + 2)) {
            ("this", "year") => return Some((3, month_range(year, m)?)),
            ("last", "year") => return Some((3, month_range(year - 1, m)?)),
            _ => {}
        }
        // A bare month is this year's (a question asked in December about "July").
        if k(i) != "may" || i > 0 && matches!(k(i - 1), "in" | "during" | "for") {
            return Some((1, month_range(year, m)?));
        }
    }
    if k(i) == "in"
        && let Some(y) = num(i + 1).filter(|y| (1990..=2100).contains(y))
    {
        return Some((2, year_range(y as i32)?));
    }
    // 最近N天 / 近N天 / 过去N天, 最近N周, 最近N个月; last N days / past N weeks.
    let lead = match (k(i), k(i + 1)) {
        ("最", "近") | ("过", "去") => 2,
        ("近", _) => 1,
        ("last" | "past", _) => 1,
        ("the", "last" | "past") => 2,
        ("over", "the") if matches!(k(i + 2), "last" | "past") => 3,
        ("in", "the") if matches!(k(i + 2), "last" | "past") => 3,
        _ => 0,
    };
    if lead > 0
        && let Some(n) = num(i + lead).filter(|n| (1..=3660).contains(n))
    {
        let unit = k(i + lead + 1);
        let (len, days) = match (unit, k(i + lead + 2)) {
            ("天" | "日" | "day", _) => (1, n),
            ("周" | "week", _) => (1, n * 7),
            ("个", "月") => (2, n * 30),
            ("个", "星") if k(i + lead + 3) == "期" => (3, n * 7),
            ("month", _) => (1, n * 30),
            _ => (0, 0),
        };
        if len > 0 {
            return Some((lead + 1 + len, last_n_days(days)));
        }
    }
    if num(i).is_some_and(|y| (1990..=2100).contains(&y)) && t.get(i).is_some_and(|x| !x.cjk) && !matches!(k(i + 1), "年") {
        let y = num(i)? as i32;
        return Some((1, year_range(y)?));
    }
    for (words, range) in fixed {
        if words.iter().enumerate().all(|(o, w)| k(i + o) == *w) {
            return Some((words.len(), *range));
        }
    }
    None
}

/// 前N / top N / 前N名 / N大: a limit.
fn top_at(t: &[Tok], i: usize) -> Option<(usize, u32)> {
    let k = |j: usize| t.get(j).map_or("", |x| x.key.as_str());
    let num = |j: usize| t.get(j).and_then(|x| x.key.parse::<u32>().ok()).filter(|n| (1..=1000).contains(n));
    match k(i) {
        "前" | "top" => {
            let n = num(i + 1)?;
            let len = if matches!(k(i + 2), "名" | "位" | "个") { 3 } else { 2 };
            Some((len, n))
        }
        "取" if k(i + 1) == "前" => num(i + 2).map(|n| (if k(i + 3) == "名" { 4 } else { 3 }, n)),
        _ => num(i).filter(|_| k(i + 1) == "大" && t.get(i).is_some_and(|x| !x.cjk)).map(|n| (2, n)),
    }
}

impl Lexicon {
    /// Parses a question asked on `today` (the asker's local date).
    pub fn parse(&self, question: &str, today: NaiveDate) -> Parsed {
        let toks = tokens(question);
        // Left to right, the longest phrase at each point.
        let mut hits: Vec<Hit> = Vec::new();
        let mut leftovers: Vec<(usize, usize)> = Vec::new();
        let mut i = 0;
        while i < toks.len() {
            let mut best: Option<Hit> = None;
            if let Some((len, range)) = time_at(&toks, i, today) {
                best = Some(Hit { start: i, end: i + len, meanings: Vec::new(), range: Some(range), top: None });
            }
            if let Some((len, n)) = top_at(&toks, i)
                && best.as_ref().is_none_or(|b| b.end - b.start < len)
            {
                best = Some(Hit { start: i, end: i + len, meanings: Vec::new(), range: None, top: Some(n) });
            }
            for len in (1..=self.longest.min(toks.len() - i)).rev() {
                if best.as_ref().is_some_and(|b| b.end - b.start >= len) {
                    break;
                }
                let key = key_of(&toks[i..i + len]);
                if let Some(ms) = self.phrases.get(&key) {
                    let mut meanings = ms.clone();
                    if self.broad.contains(&key) {
                        meanings = vec![Meaning::Filler];
                    }
                    best = Some(Hit { start: i, end: i + len, meanings, range: None, top: None });
                    break;
                }
            }
            match best {
                Some(h) => {
                    i = h.end;
                    hits.push(h);
                }
                None => {
                    leftovers.push((i, i + 1));
                    i += 1;
                }
            }
        }
        self.widen_categories(&toks, &mut hits, &mut leftovers);
        let unparsed = self.unparsed(&toks, &leftovers, &hits);
        let query = self.assemble(&toks, &hits);
        Parsed { query, unparsed }
    }

    /// Every place a category phrase occurs, overlapping or not: exact phrases, and English phrases
    /// whose words all appear within a few words of each other.
    fn category_occurrences(&self, toks: &[Tok]) -> Vec<Occurrence> {
        let mut out = Vec::new();
        for i in 0..toks.len() {
            for len in 1..=self.longest.min(toks.len() - i) {
                let key = key_of(&toks[i..i + len]);
                if self.broad.contains(&key) {
                    continue;
                }
                if let Some(ms) = self.phrases.get(&key) {
                    let cats: Vec<(usize, bool)> =
                        ms.iter().filter_map(|m| if let Meaning::Category(c, n) = m { Some((*c, *n)) } else { None }).collect();
                    if !cats.is_empty() {
                        out.push((i, i + len, cats));
                    }
                }
            }
            let Some(bags) = self.bags.get(&toks[i].key) else { continue };
            for (words, cat, named) in bags {
                // Anchor on the phrase's first word; the others within its length plus two.
                if words[0] != toks[i].key {
                    continue;
                }
                let window = words.len() + 2;
                let lo = i.saturating_sub(window);
                let hi = (i + window + 1).min(toks.len());
                let mut span = (i, i + 1);
                let all = words.iter().all(|w| {
                    (lo..hi).find(|j| toks[*j].key == *w).is_some_and(|j| {
                        span = (span.0.min(j), span.1.max(j + 1));
                        true
                    })
                });
                if all && span.1 - span.0 <= window + 1 {
                    out.push((span.0, span.1, vec![(*cat, *named)]));
                }
            }
        }
        out
    }

    /// Lets a category mention take in the phrases overlapping it (共享单车乱停: 共享单车 and
    /// 单车乱停; a hospital appointment), so the deepest category they agree on wins; a phrase over
    /// words nothing else used becomes a mention of its own.
    fn widen_categories(&self, toks: &[Tok], hits: &mut Vec<Hit>, leftovers: &mut Vec<(usize, usize)>) {
        let occurrences = self.category_occurrences(toks);
        let overlaps = |a: (usize, usize), b: (usize, usize)| a.0 < b.1 && b.0 < a.1;
        let is_category_hit = |h: &Hit| h.meanings.iter().all(|m| matches!(m, Meaning::Category(..))) && !h.meanings.is_empty();
        let category_spans: Vec<(usize, usize)> = hits.iter().filter(|h| is_category_hit(h)).map(|h| (h.start, h.end)).collect();
        for h in hits.iter_mut().filter(|h| is_category_hit(h)) {
            let own: Vec<(usize, bool)> =
                h.meanings.iter().filter_map(|m| if let Meaning::Category(c, n) = m { Some((*c, *n)) } else { None }).collect();
            let mut pool = own.clone();
            // Only phrases reaching past this mention, and into no other.
            for (s, e, cats) in &occurrences {
                let inside = h.start <= *s && *e <= h.end && e - s < h.end - h.start;
                let into_other = category_spans.iter().any(|o| *o != (h.start, h.end) && overlaps((*s, *e), *o));
                if overlaps((*s, *e), (h.start, h.end)) && !inside && !into_other {
                    pool.extend(cats.iter().copied());
                }
            }
            let ids: Vec<usize> = pool.iter().map(|c| c.0).collect();
            if pool.len() > own.len() && self.chain_of(&ids).is_some() {
                h.meanings = pool.into_iter().map(|(c, _)| Meaning::Category(c, false)).collect();
            }
        }
        // Phrases lying only over unused and filler words.
        let free = |i: usize, hits: &Vec<Hit>| {
            hits.iter().all(|h| !(h.start <= i && i < h.end) || h.meanings.iter().all(|m| matches!(m, Meaning::Filler)))
        };
        for (s, e, cats) in occurrences {
            if e - s >= 2
                && (s..e).all(|i| free(i, hits))
                && (s..e).any(|i| leftovers.iter().any(|l| l.0 == i))
                && !hits.iter().any(|h| is_category_hit(h) && overlaps((s, e), (h.start, h.end)))
            {
                leftovers.retain(|l| l.0 < s || l.0 >= e);
                hits.push(Hit {
                    start: s,
                    end: e,
                    meanings: cats.into_iter().map(|(c, n)| Meaning::Category(c, n)).collect(),
                    range: None,
                    top: None,
                });
            }
        }
        hits.sort_by_key(|h| h.start);
    }

    /// Leftover units, less fillers, joined into words as they were written.
    fn unparsed(&self, toks: &[Tok], leftovers: &[(usize, usize)], hits: &[Hit]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut run: Vec<&Tok> = Vec::new();
        let mut last_end: Option<usize> = None;
        let flush = |run: &mut Vec<&Tok>, out: &mut Vec<String>| {
            if run.is_empty() {
                return;
            }
            // Drop fillers from both ends (Chinese runs can hold several words).
            let text: String =
                run.iter().enumerate().map(|(n, t)| if !t.cjk && n > 0 { format!(" {}", t.raw) } else { t.raw.clone() }).collect();
            let keys: Vec<&str> = run.iter().map(|t| t.key.as_str()).collect();
            let all_filler = self.fillers.contains(&keys.join(" ")) || self.split_fillers(&keys);
            if !all_filler {
                out.push(text.trim().to_owned());
            }
            run.clear();
        };
        for &(s, _) in leftovers {
            if last_end != Some(s) {
                flush(&mut run, &mut out);
            }
            run.push(&toks[s]);
            last_end = Some(s + 1);
        }
        flush(&mut run, &mut out);
        for h in hits {
            if h.meanings.contains(&Meaning::Foreign) {
                out.push(toks[h.start..h.end].iter().map(|t| t.raw.as_str()).collect::<Vec<_>>().join(if toks[h.start].cjk {
                    ""
                } else {
                    " "
                }));
            }
        }
        out
    }

    /// Whether units split wholly into filler words (longest first).
    fn split_fillers(&self, keys: &[&str]) -> bool {
        let mut i = 0;
        'outer: while i < keys.len() {
            for len in (1..=keys.len() - i).rev() {
                if self.fillers.contains(&keys[i..i + len].join(" ")) {
                    i += len;
                    continue 'outer;
                }
            }
            return false;
        }
        true
    }

    fn assemble(&self, toks: &[Tok], hits: &[Hit]) -> Query {
        let mut q = Query::default();
        let mut measure: Option<Measure> = None;
        let mut range: Option<(NaiveDate, NaiveDate)> = None;
        let mut dims: Vec<(Dimension, bool)> = Vec::new();
        let mut categories: Vec<usize> = Vec::new();
        let mut ambiguous: Vec<Vec<usize>> = Vec::new();
        let (mut which, mut each, mut most, mut trend, mut what_about, mut specific) = (None, false, false, false, false, false);
        let mut top = None;
        let mut prev_was_topic = false;
        // Which dimension a hit names a value of (APP, 朝阳, U-WATER), to tell "the app channel"
        // (a filter) from "by channel" (a grouping).
        let valued = |h: &Hit| -> Option<Dimension> {
            h.meanings.iter().find_map(|m| match m {
                Meaning::District(_) => Some(Dimension::District),
                Meaning::Street(_) => Some(Dimension::Street),
                Meaning::Channel(_) => Some(Dimension::Channel),
                Meaning::Nature(_) => Some(Dimension::Nature),
                Meaning::Age(_) => Some(Dimension::AgeGroup),
                Meaning::Language(_) => Some(Dimension::Language),
                Meaning::Unit(_) => Some(Dimension::Unit),
                _ => None,
            })
        };
        let meaningful: Vec<&Hit> = hits
            .iter()
            .filter(|h| h.range.is_some() || h.top.is_some() || !h.meanings.iter().all(|m| matches!(m, Meaning::Filler)))
            .collect();
        let next_to_value = |h: &Hit, d: Dimension| {
            let at = meaningful.iter().position(|x| std::ptr::eq(*x, h));
            let before = at.and_then(|a| a.checked_sub(1)).and_then(|a| meaningful.get(a));
            let after = at.and_then(|a| meaningful.get(a + 1));
            let selector = |x: &&Hit| x.meanings.iter().any(|m| matches!(m, Meaning::Each | Meaning::Which(_) | Meaning::Rank));
            before.is_some_and(|b| valued(b) == Some(d) && !selector(b))
                || after.is_some_and(|a| valued(a) == Some(d) && !before.is_some_and(selector))
        };
        for h in hits {
            if let Some(r) = h.range {
                range.get_or_insert(r);
                prev_was_topic = false;
                continue;
            }
            if let Some(n) = h.top {
                top = Some(n);
                continue;
            }
            let ms = &h.meanings;
            let districts: Vec<&String> = ms.iter().filter_map(|m| if let Meaning::District(d) = m { Some(d) } else { None }).collect();
            let streets: Vec<&String> = ms.iter().filter_map(|m| if let Meaning::Street(s) = m { Some(s) } else { None }).collect();
            // A word of the fixed vocabulary (投诉, 建议, minors, app) means that, never a category.
            let fixed = ms.iter().any(|m| !matches!(m, Meaning::Category(..) | Meaning::District(_) | Meaning::Street(_)));
            let cats: Vec<(usize, bool)> = if fixed {
                Vec::new()
            } else {
                ms.iter().filter_map(|m| if let Meaning::Category(c, n) = m { Some((*c, *n)) } else { None }).collect()
            };
            let topic = !cats.is_empty() || ms.iter().any(|m| matches!(m, Meaning::Nature(_)));
            if !districts.is_empty() {
                // The same words read as a district and a street are the district (海淀).
                for d in districts {
                    push(&mut q.filters.district, d.clone());
                }
            } else if !streets.is_empty() {
                for s in streets {
                    push(&mut q.filters.street, s.clone());
                }
            } else if !cats.is_empty() {
                let named: Vec<usize> = cats.iter().filter(|c| c.1).map(|c| c.0).collect();
                let pool: Vec<usize> = if named.is_empty() { cats.iter().map(|c| c.0).collect() } else { named };
                match self.chain_of(&pool) {
                    Some(c) => categories.push(c),
                    None => ambiguous.push(pool),
                }
            } else {
                for m in ms {
                    match m {
                        Meaning::Nature(n) => push(&mut q.filters.nature, *n),
                        Meaning::Channel(c) => push(&mut q.filters.channel, *c),
                        Meaning::Age(a) => push(&mut q.filters.age_group, *a),
                        Meaning::Language(l) => push(&mut q.filters.language, (*l).to_owned()),
                        Meaning::Unit(u) => push(&mut q.filters.unit, u.clone()),
                        Meaning::Measure(Measure::Count) => {
                            measure.get_or_insert(Measure::Count);
                        }
                        Meaning::Measure(m) if measure.is_none_or(|x| x == Measure::Count) => measure = Some(*m),
                        Meaning::Dim(d) => {
                            // 问题 right after a topic is that topic's issue (工资问题), not a
                            // dimension; a dimension's noun next to one of its values names it.
                            let topic_issue = prev_was_topic && toks[h.start].cjk && key_of(&toks[h.start..h.end]) == "问 题";
                            let plural = toks[h.end - 1].raw.ends_with('s') && !toks[h.end - 1].cjk;
                            if !topic_issue && !next_to_value(h, *d) && !dims.iter().any(|(x, _)| x == d) {
                                dims.push((*d, plural));
                            }
                        }
                        Meaning::Which(s) => which = Some(*s),
                        Meaning::Each | Meaning::Rank => each = true,
                        Meaning::Most => most = true,
                        Meaning::Trend => trend = true,
                        Meaning::WhatAbout => what_about = true,
                        Meaning::Specific => specific = true,
                        Meaning::Compare(c) => q.compare = Some(*c),
                        _ => {}
                    }
                }
            }
            prev_was_topic = topic;
        }
        // A mention fitting several branches (Appointments: hospital or government) takes the branch
        // another mention names (a hospital appointment); else it names no category.
        let related = |a: &str, b: &str| {
            a == b
                || (a.starts_with(b) && a.as_bytes().get(b.len()) == Some(&b'/'))
                || (b.starts_with(a) && b.as_bytes().get(a.len()) == Some(&b'/'))
        };
        let settled: Vec<String> = categories.iter().map(|c| self.categories[*c].clone()).collect();
        for pool in ambiguous {
            let fitting: Vec<usize> = pool.into_iter().filter(|c| settled.iter().any(|s| related(&self.categories[*c], s))).collect();
            if let Some(c) = self.chain_of(&fitting) {
                categories.push(c);
            }
        }
        // Categories: several named topics give several codes, a node named with its descendant
        // gives the descendant.
        let codes: Vec<String> = categories.iter().map(|c| self.categories[*c].clone()).collect();
        for c in &codes {
            let covered = codes.iter().any(|o| o != c && o.starts_with(c.as_str()) && o.as_bytes().get(c.len()) == Some(&b'/'));
            if !covered {
                push(&mut q.filters.category, c.clone());
            }
        }
        q.measure = measure.unwrap_or(Measure::Count);
        if let Some((f, t)) = range {
            q.filters.from = Some(f);
            q.filters.to = Some(t);
        }
        // Grouping.
        let mut group: Vec<Dimension> = Vec::new();
        let mut singular = which == Some(Some(true));
        for (d, plural) in &dims {
            if which == Some(None) && !d.is_time() {
                singular = !plural;
            }
            if !group.contains(d) {
                group.push(*d);
            }
        }
        if what_about || (specific && !group.iter().any(|d| matches!(d, Dimension::CategoryL3))) {
            let level = if specific { Dimension::CategoryL3 } else { Dimension::CategoryL2 };
            group.retain(|d| !matches!(d, Dimension::CategoryL2 | Dimension::CategoryL3));
            group.push(level);
        }
        if each && group.iter().all(|d| d.is_time()) {
            // 朝阳和海淀各有多少: group by the list the question names.
            let listed = [
                (q.filters.district.len(), Dimension::District),
                (q.filters.street.len(), Dimension::Street),
                (q.filters.channel.len(), Dimension::Channel),
                (q.filters.nature.len(), Dimension::Nature),
                (q.filters.age_group.len(), Dimension::AgeGroup),
                (q.filters.language.len(), Dimension::Language),
            ];
            if let Some((_, d)) = listed.iter().find(|(n, _)| *n >= 2) {
                group.insert(0, *d);
            }
        }
        if trend && !group.iter().any(|d| d.is_time()) {
            let days = range.map(|(f, t)| (t - f).num_days());
            group.push(match days {
                Some(d) if d <= 31 => Dimension::Day,
                Some(d) if d <= 184 => Dimension::Week,
                _ => Dimension::Month,
            });
        }
        // One time dimension at most: the first named.
        let mut seen_time = false;
        group.retain(|d| {
            if d.is_time() {
                let keep = !seen_time;
                seen_time = true;
                keep
            } else {
                true
            }
        });
        group.truncate(3);
        q.group_by = group;
        q.limit = match top {
            Some(n) => Some(n),
            None if what_about => None,
            None if most && singular && !q.group_by.is_empty() => Some(1),
            None => None,
        };
        q
    }

    fn chain_of(&self, pool: &[usize]) -> Option<usize> {
        let mut codes: Vec<usize> = pool.to_vec();
        codes.sort_unstable();
        codes.dedup();
        let paths: Vec<&str> = codes.iter().map(|i| self.categories[*i].as_str()).collect();
        let deepest = codes.iter().copied().max_by_key(|i| self.categories[*i].split('/').count())?;
        let d = self.categories[deepest].as_str();
        paths.iter().all(|p| *p == d || (d.starts_with(p) && d.as_bytes().get(p.len()) == Some(&b'/'))).then_some(deepest)
    }
}

fn push<T: PartialEq>(v: &mut Vec<T>, x: T) {
    if !v.contains(&x) {
        v.push(x);
    }
}

/// One line of the evaluation set.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Case {
    pub id: String,
    pub now: chrono::DateTime<chrono::FixedOffset>,
    pub q: String,
    pub query: Query,
    #[serde(default)]
    pub unparsed: Option<Vec<String>>,
}

/// How a parser did on a set of questions.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Score {
    pub questions: usize,
    pub exact: usize,
    /// Lines with an `unparsed` list whose words were all reported.
    pub unparsed_expected: usize,
    pub unparsed_reported: usize,
    /// The ids of the questions parsed wrongly.
    pub wrong: Vec<String>,
}

impl Score {
    pub fn accuracy(&self) -> f64 {
        if self.questions == 0 { 0.0 } else { self.exact as f64 / self.questions as f64 }
    }
}

/// Scores the parser on cases: a case is exact when its query is equal (filter lists compared as
/// sets) and, where it lists unparsed words, each is inside a reported one.
pub fn score(lex: &Lexicon, cases: &[Case]) -> Score {
    let mut s = Score::default();
    for c in cases {
        let got = lex.parse(&c.q, c.now.date_naive());
        s.questions += 1;
        let unparsed_ok = c.unparsed.as_ref().is_none_or(|want| {
            want.iter().all(|w| {
                got.unparsed.iter().any(|g| g.to_lowercase().contains(&w.to_lowercase()) || w.to_lowercase().contains(&g.to_lowercase()))
            })
        });
        if c.unparsed.is_some() {
            s.unparsed_expected += 1;
            s.unparsed_reported += usize::from(unparsed_ok);
        }
        if same_query(&got.query, &c.query) && unparsed_ok {
            s.exact += 1;
        } else {
            s.wrong.push(c.id.clone());
        }
    }
    s
}

fn same_query(a: &Query, b: &Query) -> bool {
    fn set<T: Ord + Clone>(v: &[T]) -> Vec<T> {
        let mut v = v.to_vec();
        v.sort();
        v.dedup();
        v
    }
    let (fa, fb) = (&a.filters, &b.filters);
    a.measure == b.measure
        && a.group_by == b.group_by
        && a.compare == b.compare
        && a.limit == b.limit
        && fa.from == fb.from
        && fa.to == fb.to
        && set(&fa.district) == set(&fb.district)
        && set(&fa.street) == set(&fb.street)
        && set(&fa.category) == set(&fb.category)
        && set(&fa.nature) == set(&fb.nature)
        && set(&fa.channel) == set(&fb.channel)
        && set(&fa.age_group) == set(&fb.age_group)
        && set(&fa.language) == set(&fb.language)
        && set(&fa.unit) == set(&fb.unit)
}

/// The whole answer to a question of the API and `hotline ask --json`.
#[derive(Debug, Clone, Serialize)]
pub struct Asked {
    pub query: Query,
    pub rows: Vec<serde_json::Value>,
    pub unparsed: Vec<String>,
}

/// Wraps an engine answer for `ask`.
pub fn asked(answer: &crate::engine::Answer, unparsed: Vec<String>) -> Asked {
    Asked { query: answer.query.clone(), rows: answer.rows.iter().map(|r| r.to_json(&answer.query)).collect(), unparsed }
}
