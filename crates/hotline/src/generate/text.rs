//! The words of a request: templates by nature and voice (an operator's summary, a citizen's own
//! words, English), keywords of the category, the place as people name it, and typos.

use super::world::Rng;

// Templates: {P} place, {K} keyword, {J} another keyword, {D} description, {E} detail, {Q} demand.
pub(super) const OPERATOR: [&str; 10] = [
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
pub(super) const OPERATOR_CONSULT: [&str; 6] = [
    "来电人咨询{K}相关问题，{D}，希望了解办理流程。",
    "市民来电咨询：{P}{K}怎么办理，需要什么材料。",
    "来电人询问{K}的相关政策。",
    "市民咨询{P}{K}的问题，想知道找哪个部门。",
    "来电人咨询{J}、{K}相关事宜，请告知。",
    "市民来电咨询{K}，{D}，请给予解答。",
];
pub(super) const CITIZEN: [&str; 12] = [
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
pub(super) const CITIZEN_CONSULT: [&str; 10] = [
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
pub(super) const OPERATOR_HELP: [&str; 6] = [
    "市民来电求助：{P}{K}，{E}，请帮忙协调解决。",
    "来电人称{P}{K}，{E}，自己解决不了，希望相关部门帮忙。",
    "来电人反映其家中{K}，{E}，请求帮助。",
    "市民来电：{P}{K}，{E}，希望帮忙联系处理。",
    "@来电人住{P}，{K}，{E}，请求协助。",
    "来电人求助{K}一事，{D}，{Q}。",
];
pub(super) const CITIZEN_HELP: [&str; 8] = [
    "你好，{P}我家{K}，{E}，能不能帮帮忙",
    "{K}了，{P}，怎么办啊，求帮忙",
    "麻烦帮我看看{P}{K}的问题，{E}",
    "家里{K}，{E}，谁能帮一下",
    "我这{K}，{P}，自己弄不了，请派人来帮忙",
    "求助！{P}{K}，{E}",
    "您好，我遇到{K}的问题，{E}，能帮我问问吗",
    "帮帮忙吧，{P}{K}，{E}",
];
pub(super) const COMPLAINT_EXTRA: [&str; 8] = [
    "市民来电投诉：{P}{K}，{E}，{Q}。",
    "我要投诉{P}{K}，{E}，太不像话了",
    "对{P}{K}很不满意，{E}，{Q}",
    "@投诉{P}，{K}，{E}，管理太差了",
    "来电人投诉{P}{K}，称{E}，对处理结果不满。",
    "{P}{K}，{E}，你们到底管不管",
    "强烈投诉{K}！{P}，{E}",
    "@{P}的{K}太差劲了，{E}，必须给个说法",
];
pub(super) const PRAISE: [&str; 5] = [
    "市民来电表扬{P}工作人员，之前反映的{K}问题很快得到解决，表示感谢。",
    "感谢{P}的工作人员，{K}的事处理得很及时！",
    "来电人称{P}{K}问题已解决，对办理结果很满意，特此致谢。",
    "谢谢你们，{P}{K}的问题解决了，点赞",
    "@我要表扬一下{P}，{K}这个事办得好",
];
pub(super) const SUGGESTION: [&str; 5] = [
    "市民建议：{P}{K}问题较多，建议相关部门加强管理。",
    "来电人建议{P}针对{K}{D}出台措施。",
    "@建议{P}{K}这块能改进一下，{E}",
    "@我有个建议，{P}的{K}能不能统一规划一下",
    "市民建议有关部门重视{K}，{Q}。",
];
pub(super) const REPORT: [&str; 10] = [
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
pub(super) const DETAIL_COMPLAINT: [&str; 10] = [
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
pub(super) const DETAIL_HELP: [&str; 10] = [
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
pub(super) const DETAIL_REPORT: [&str; 5] = ["存在安全隐患", "已经不是第一次了", "附近居民都看到了", "一般晚上出现", "怀疑违法经营"];
pub(super) const DEMAND: [&str; 8] = [
    "希望尽快处理",
    "要求相关部门核实处理",
    "请帮忙协调解决",
    "希望有关部门管一管",
    "请尽快派人来看看",
    "要求给个说法",
    "希望尽快答复",
    "请相关部门督促整改",
];
pub(super) const DEMAND_HELP: [&str; 5] = ["请帮忙协调解决", "请尽快派人来看看", "希望尽快处理", "麻烦帮忙联系一下", "希望有人来修一下"];
pub(super) const REDIRECT_PHRASES: [&str; 5] = [
    "，此事已向法院起诉，目前在审理中",
    "，已申请劳动仲裁，想催一下进度",
    "，之前已到信访部门登记过",
    "，已经在走行政复议程序",
    "，对方已经起诉了，问法院怎么判",
];
pub(super) const REPEAT_PREFIX: [&str; 6] =
    ["又来电反映：", "之前反映过，", "再次反映，", "上次打过电话了，", "还是那个问题，", "第二次来电，"];
pub(super) const SURGE_TEXTS: [&str; 8] = [
    "暴雨屋顶漏雨，家里到处是水",
    "雨太大了，室内进水已经没过脚踝",
    "下凹桥积水很深，车辆被困",
    "道路积水严重，车都过不去",
    "小区地下室进水，水还在涨",
    "雨水倒灌进一楼住户家里",
    "路面积水，井盖被冲开了",
    "屋顶漏雨，墙皮都泡了",
];
pub(super) const HOMOPHONES: [(char, char); 14] = [
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
pub(super) const EN_TEMPLATES: [&str; 6] = [
    "Hello, I want to report a problem: {K}{P}. Please help.",
    "There is an issue with {K}{P}, it has lasted for weeks.",
    "Complaint: {K}{P}. Nobody has fixed it yet.",
    "{K}{P} - please send someone as soon as possible",
    "I am a foreign resident. Problem with {K}{P}. Thank you.",
    "Hi, {K}{P} again... who is responsible for this?",
];
pub(super) const EN_HELP: [&str; 4] = [
    "Could you help me? {K}{P} and I don't know what to do.",
    "I need help: {K}{P}. I can't sort it out myself.",
    "Please help, {K}{P}. Who can I ask?",
    "Hi, I have a problem with {K}{P}, can someone come and help?",
];
pub(super) const EN_COMPLAINT: [&str; 4] = [
    "I want to complain about {K}{P}. It has gone on for weeks.",
    "Complaint: {K}{P}. Nobody has fixed it yet.",
    "{K}{P} is unacceptable, the management does nothing.",
    "Very unhappy with {K}{P}, please give me an explanation.",
];
pub(super) const EN_REPORT: [&str; 3] = [
    "I'd like to report {K}{P}, it looks illegal.",
    "Reporting {K}{P}: it happens every night, please investigate.",
    "I want to report a violation: {K}{P}.",
];
pub(super) const EN_SUGGESTION: [&str; 3] = [
    "Suggestion: could the city improve {K}{P}?",
    "It would be better if {K}{P} were managed properly.",
    "I suggest more attention to {K}{P}.",
];
pub(super) const EN_CONSULT: [&str; 4] = [
    "Hi, I'd like to ask about {K}{P}. How does it work?",
    "Could you tell me who handles {K}{P}?",
    "Question about {K}: what documents do I need?",
    "How do I apply for {K}{P}?",
];
pub(super) const EN_PRAISE: [&str; 2] =
    ["Thanks to the staff for solving the {K} problem{P} so quickly!", "Great job on {K}{P}, thank you."];

pub(super) fn render(template: &str, vars: &[(char, &str)], out: &mut String) {
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
pub(super) fn typo(rng: &mut Rng, text: &mut String, keep: &str) {
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

/// The templates of a request: by language, nature and voice (an operator's summary or the
/// citizen's own words); a surge's texts are written apart.
pub(super) fn templates_for(rng: &mut Rng, nature: &str, english: bool, in_surge: bool, operator: bool) -> &'static [&'static str] {
    if english {
        return match nature {
            "consult" => &EN_CONSULT,
            "praise" => &EN_PRAISE,
            "help" => &EN_HELP,
            "report" => &EN_REPORT,
            "suggestion" => &EN_SUGGESTION,
            "complaint" if rng.chance(500) => &EN_COMPLAINT,
            _ => &EN_TEMPLATES,
        };
    }
    if in_surge {
        return &[];
    }
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
}
