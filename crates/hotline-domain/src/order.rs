//! The work order (工单) and its validated parts.

use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::error::ValidationError;
use crate::ids::{CaseId, OrderId, OrderNumber, UnitId, UserId};
use crate::state::State;
use crate::text::{self, Phone};

pub use crate::vocab::Vocabulary;
use crate::vocab::vocabulary;

vocabulary!(/// 诉求性质 (triage.md).
    Nature, "nature" {
    Consult = "consult", "咨询", "Consultation";
    Help = "help", "求助", "Request for help";
    Complaint = "complaint", "投诉", "Complaint";
    Report = "report", "举报", "Report of a violation";
    Suggestion = "suggestion", "建议", "Suggestion";
    Praise = "praise", "表扬/感谢", "Praise";
});

vocabulary!(/// 紧急程度, which is also the deadline class (triage.md).
    Urgency, "urgency" {
    Emergency = "emergency", "紧急", "Emergency";
    Utility24h = "utility24h", "24小时", "24 hours";
    General = "general", "一般", "General";
    Complex = "complex", "疑难", "Complex";
});

vocabulary!(/// How the request reached the hotline.
    Channel, "channel" {
    Phone = "phone", "电话", "Phone";
    Web = "web", "网站", "Web";
    App = "app", "移动应用", "App";
    Wechat = "wechat", "微信", "WeChat";
    Open311 = "open311", "Open311接口", "Open311";
    Email = "email", "电子邮件", "E-mail";
    Other = "other", "其他", "Other";
});

vocabulary!(/// The emergency services an order can be transferred to (Regulation Art. 11(1)).
    EmergencyService, "service" {
    Police = "110", "110 报警", "110 police";
    Fire = "119", "119 火警", "119 fire";
    Ambulance = "120", "120 急救", "120 ambulance";
    TrafficPolice = "122", "122 交通事故", "122 traffic police";
});

vocabulary!(/// Requester age group, for questions such as "what worries elderly callers".
    AgeGroup, "requester.age_group" {
    Minor = "minor", "未成年", "Under 18";
    Adult = "adult", "成年", "18–59";
    Senior = "senior", "老年", "60 and over";
});

vocabulary!(/// The unit's answer to the requester.
    ReplyOutcome, "outcome" {
    Resolved = "resolved", "已解决", "Resolved";
    Explained = "explained", "已解释（客观原因暂无法解决）", "Explained (cannot be solved now)";
});

vocabulary!(/// 解决情况 on callback.
    Resolution, "resolution" {
    Resolved = "resolved", "已解决", "Resolved";
    Partly = "partly", "部分解决", "Partly resolved";
    Unresolved = "unresolved", "未解决", "Unresolved";
});

vocabulary!(/// 满意度 on callback.
    Satisfaction, "satisfaction" {
    Satisfied = "satisfied", "满意", "Satisfied";
    Basic = "basic", "基本满意", "Basically satisfied";
    Unsatisfied = "unsatisfied", "不满意", "Unsatisfied";
});

/// The fixed first level of the category tree (triage.md).
pub const FIRST_LEVEL_CATEGORIES: [(&str, &str, &str); 20] = [
    ("MKT", "市场管理", "Market regulation"),
    ("UTL", "水电气热", "Water, power, gas, heating"),
    ("TRN", "公共交通", "Public transport"),
    ("HOU", "住房", "Housing"),
    ("PRP", "物业管理", "Property management"),
    ("HLT", "医疗卫生", "Health"),
    ("CON", "城乡建设", "Construction"),
    ("TRF", "交通管理", "Traffic"),
    ("ORD", "社会秩序", "Public order"),
    ("LAB", "劳动和社会保障", "Labour and social security"),
    ("EDU", "教育", "Education"),
    ("ENV", "生态环境", "Environment"),
    ("CTY", "城市管理", "City management"),
    ("CIV", "民政与社会福利", "Civil affairs and welfare"),
    ("AGR", "农业农村", "Agriculture and rural"),
    ("CUL", "文化旅游体育", "Culture, tourism, sport"),
    ("GOV", "政务服务", "Government services"),
    ("POS", "邮政通信", "Post and telecom"),
    ("EMG", "应急安全", "Emergency and safety"),
    ("OTH", "其他", "Other"),
];

/// A category path of one to three codes, first level from the fixed list: `TRF/parking/illegal`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CategoryPath(String);

impl CategoryPath {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let err = |zh: &str, en: &str| ValidationError::new("category", "invalid_category", zh, en);
        let parts: Vec<&str> = raw.trim().split('/').collect();
        if parts.len() > 3 {
            return Err(err("分类最多三级", "A category path has at most three levels"));
        }
        if !FIRST_LEVEL_CATEGORIES.iter().any(|(c, _, _)| *c == parts[0]) {
            return Err(err("一级分类不存在", "Unknown first-level category"));
        }
        let segment_ok =
            |p: &&str| !p.is_empty() && p.len() <= 32 && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !parts.iter().all(segment_ok) {
            return Err(err("分类代码只能含字母、数字、-、_", "Category codes hold letters, digits, - and _ only"));
        }
        Ok(Self(parts.join("/")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn first_level(&self) -> &str {
        self.0.split('/').next().unwrap_or_default()
    }
}

impl TryFrom<String> for CategoryPath {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<CategoryPath> for String {
    fn from(c: CategoryPath) -> Self {
        c.0
    }
}

/// Where the problem is. District and street are unit references resolved by the use case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Location {
    pub address: String,
    pub district: Option<UnitId>,
    pub street: Option<UnitId>,
    pub lng: Option<f64>,
    pub lat: Option<f64>,
}

impl Location {
    pub fn parse(
        address: &str,
        district: Option<UnitId>,
        street: Option<UnitId>,
        lng: Option<f64>,
        lat: Option<f64>,
    ) -> Result<Self, ValidationError> {
        let address = text::bounded("location.address", address, 0, 300)?;
        let coordinate = |field: &str, v: Option<f64>, limit: f64| match v {
            Some(x) if !x.is_finite() || x.abs() > limit => Err(ValidationError::new(
                field,
                "coordinate_out_of_range",
                format!("「{}」超出范围（±{limit}）", crate::fields::label(field).0),
                format!("{} is out of range (±{limit})", crate::fields::label_en_sentence(field)),
            )),
            _ => Ok(v),
        };
        let lng = coordinate("location.lng", lng, 180.0)?;
        let lat = coordinate("location.lat", lat, 90.0)?;
        if lng.is_some() != lat.is_some() {
            return Err(ValidationError::new(
                "location",
                "incomplete_coordinates",
                "经度和纬度须同时提供",
                "Give both longitude and latitude, or neither",
            ));
        }
        Ok(Self { address, district, street, lng, lat })
    }
}

/// 诉求人. The name may be withheld; the phone is how they track the order and are called back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requester {
    pub name: String,
    pub phone: Option<Phone>,
    /// BCP 47 primary language subtag: `zh`, `en`, `fr`…
    pub language: String,
    pub age_group: Option<AgeGroup>,
    /// 保密: the requester asked that units never learn who they are.
    pub confidential: bool,
}

impl Requester {
    pub fn parse(
        name: &str,
        phone: Option<&str>,
        language: Option<&str>,
        age_group: Option<&str>,
        confidential: bool,
    ) -> Result<Self, ValidationError> {
        let name = text::bounded("requester.name", name, 0, 50)?;
        let phone = match phone.map(str::trim) {
            None | Some("") => None,
            Some(p) => Some(Phone::parse(p).map_err(|e| e.under("requester"))?),
        };
        let language = language.map(str::trim).filter(|l| !l.is_empty()).unwrap_or("zh").to_ascii_lowercase();
        if !(2..=3).contains(&language.len()) || !language.bytes().all(|b| b.is_ascii_lowercase()) {
            return Err(ValidationError::new(
                "requester.language",
                "invalid_language",
                "语言代码应为两三个字母，如 zh、en",
                "A language code is 2–3 letters, e.g. zh, en",
            ));
        }
        let age_group = age_group.map(str::trim).filter(|a| !a.is_empty()).map(AgeGroup::parse).transpose()?;
        Ok(Self { name, phone, language, age_group, confidential })
    }
}

/// Metadata of a file attached to an order (the bytes live in object storage, not in the order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: u64,
    pub url: Option<String>,
}

pub const MAX_ATTACHMENTS: usize = 10;
/// Where the hotline serves files uploaded with a request: an attachment's URL may be this path on
/// the hotline itself instead of an absolute URL.
pub const MEDIA_PATH: &str = "/open311/v2/media/";
pub const MAX_ATTACHMENT_BYTES: u64 = 50 * 1024 * 1024;

impl Attachment {
    pub fn parse(file_name: &str, content_type: &str, size_bytes: u64, url: Option<&str>) -> Result<Self, ValidationError> {
        let file_name = text::bounded("attachments.file_name", file_name, 1, 200)?;
        let content_type = text::bounded("attachments.content_type", content_type, 3, 100)?;
        if !content_type.contains('/') {
            return Err(ValidationError::new(
                "attachments.content_type",
                "invalid_content_type",
                "文件类型应为 MIME 格式，如 image/jpeg",
                "The content type is a MIME type such as image/jpeg",
            ));
        }
        if size_bytes > MAX_ATTACHMENT_BYTES {
            return Err(ValidationError::new(
                "attachments.size_bytes",
                "attachment_too_large",
                "附件不能超过 50 MB",
                "An attachment may not exceed 50 MB",
            ));
        }
        let url = text::optional("attachments.url", url, 2000)?;
        if let Some(u) = &url
            && !(u.starts_with("https://") || u.starts_with("http://") || u.starts_with(MEDIA_PATH))
        {
            return Err(ValidationError::new(
                "attachments.url",
                "invalid_url",
                "附件地址须以 http:// 或 https:// 开头",
                "An attachment URL starts with http:// or https://",
            ));
        }
        Ok(Self { file_name, content_type, size_bytes, url })
    }
}

/// What a client system sent beyond the request itself (Open311): the service it chose, its
/// answers to the service's questions, its own references. Kept on the order as received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Submission {
    /// The service code the client chose (a category path).
    pub service_code: String,
    /// `attribute[code]` answers; a multi-value list keeps every value.
    #[serde(default)]
    pub attributes: std::collections::BTreeMap<String, Vec<String>>,
    pub address_id: Option<String>,
    pub device_id: Option<String>,
    pub account_id: Option<String>,
    /// The submitter's e-mail: personal data, never published.
    pub email: Option<String>,
}

/// Everything known about a request when it is received: validated, ready to become an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewOrder {
    pub channel: Channel,
    pub description: String,
    pub requester: Requester,
    pub location: Location,
    pub attachments: Vec<Attachment>,
    /// Set for requests from client systems (Open311).
    #[serde(default)]
    pub submission: Option<Submission>,
}

pub const MAX_DESCRIPTION_CHARS: usize = 4000;

impl NewOrder {
    pub fn parse(
        channel: Channel,
        description: &str,
        requester: Requester,
        location: Location,
        attachments: Vec<Attachment>,
    ) -> Result<Self, ValidationError> {
        let description = text::bounded("description", description, 2, MAX_DESCRIPTION_CHARS)?;
        if attachments.len() > MAX_ATTACHMENTS {
            return Err(ValidationError::new(
                "attachments",
                "too_many_attachments",
                format!("附件最多 {MAX_ATTACHMENTS} 个"),
                format!("At most {MAX_ATTACHMENTS} attachments"),
            ));
        }
        Ok(Self { channel, description, requester, location, attachments, submission: None })
    }
}

/// Who handles a dispatched order: the main unit (首接负责), co-units, and the district that gets a
/// copy when the main unit is a street/township (Regulation Art. 12).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub main_unit: UnitId,
    pub co_units: Vec<UnitId>,
    pub district_copy: Option<UnitId>,
}

impl Assignment {
    /// Every unit that may see the order.
    pub fn units(&self) -> impl Iterator<Item = UnitId> + '_ {
        std::iter::once(self.main_unit).chain(self.co_units.iter().copied()).chain(self.district_copy)
    }
}

/// Due times, stored when the order is received (dispatch) and dispatched (contact, reply).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Dues {
    pub policy_version: i64,
    pub dispatch_due: Option<Timestamp>,
    pub contact_due: Option<Timestamp>,
    pub reply_due: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    pub outcome: ReplyOutcome,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    /// 响应: did the unit contact the requester?
    pub contacted: bool,
    pub resolution: Resolution,
    pub satisfaction: Satisfaction,
    pub comment: String,
}

/// Which due time an open order has missed, if any. Derived, never stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Overdue {
    Dispatch,
    Contact,
    Reply,
}

/// The work order (工单).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkOrder {
    pub id: OrderId,
    pub number: OrderNumber,
    pub case_id: CaseId,
    /// Bumped by every transition; the store's guarded update checks it.
    pub version: i64,
    pub state: State,
    pub channel: Channel,
    pub nature: Option<Nature>,
    pub category: Option<CategoryPath>,
    /// The version of the category tree `category` was chosen from (absent on orders filed before
    /// the tree was versioned).
    #[serde(default)]
    pub category_version: Option<i64>,
    pub urgency: Urgency,
    pub description: String,
    pub requester: Requester,
    pub location: Location,
    pub attachments: Vec<Attachment>,
    pub assignment: Option<Assignment>,
    pub dues: Dues,
    pub duplicate_of: Option<OrderNumber>,
    pub transferred_to: Option<EmergencyService>,
    pub reply: Option<Reply>,
    /// The answer given at intake, for a consultation answered directly.
    #[serde(default)]
    pub answer: Option<crate::kb::DirectAnswer>,
    pub evaluation: Option<Evaluation>,
    pub supervised: bool,
    /// Paused clock, co-unit reports, summons, supervision, callback attempts, exclusion.
    #[serde(default)]
    pub handling: crate::handling::Handling,
    /// What a client system sent with the request (Open311), if it came from one.
    #[serde(default)]
    pub submission: Option<Submission>,
    /// Deadline notices already fired (see [`crate::notice`]).
    #[serde(default)]
    pub notices: Vec<crate::notice::Notice>,
    /// When the next deadline notice is due; the scheduler reads orders by it.
    #[serde(default)]
    pub next_notice_at: Option<Timestamp>,
    pub reopen_count: i64,
    pub dispute_count: i64,
    pub created_by: Option<UserId>,
    pub received_at: Timestamp,
    pub first_dispatched_at: Option<Timestamp>,
    pub dispatched_at: Option<Timestamp>,
    pub signed_at: Option<Timestamp>,
    pub contacted_at: Option<Timestamp>,
    pub replied_at: Option<Timestamp>,
    /// When the requester's evaluation (回访) was recorded; assessment counts it in that month.
    #[serde(default)]
    pub evaluated_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    pub updated_at: Timestamp,
}

impl WorkOrder {
    /// A freshly received order, before the store gives it an id, number and case.
    pub fn received(new: NewOrder, created_by: Option<UserId>, now: Timestamp) -> Self {
        Self {
            id: OrderId(0),
            number: OrderNumber::unassigned(),
            case_id: CaseId(0),
            version: 0,
            state: State::Received,
            channel: new.channel,
            nature: None,
            category: None,
            category_version: None,
            urgency: Urgency::General,
            description: new.description,
            requester: new.requester,
            location: new.location,
            attachments: new.attachments,
            assignment: None,
            dues: Dues::default(),
            duplicate_of: None,
            transferred_to: None,
            reply: None,
            answer: None,
            evaluation: None,
            supervised: false,
            handling: crate::handling::Handling::default(),
            submission: new.submission,
            notices: Vec::new(),
            next_notice_at: None,
            reopen_count: 0,
            dispute_count: 0,
            created_by,
            received_at: now,
            first_dispatched_at: None,
            dispatched_at: None,
            signed_at: None,
            contacted_at: None,
            replied_at: None,
            evaluated_at: None,
            closed_at: None,
            updated_at: now,
        }
    }

    /// A freshly received order whose dispatch is due under `policy` (as a general request until
    /// triage says otherwise).
    pub fn received_under(new: NewOrder, created_by: Option<UserId>, now: Timestamp, policy: &crate::DeadlinePolicy) -> Self {
        let mut o = Self::received(new, created_by, now);
        o.dues.policy_version = policy.version;
        o.dues.dispatch_due = Some(policy.due(o.urgency, crate::deadline::Stage::Dispatch, now));
        o.next_notice_at = o.next_notice_time(policy);
        o
    }

    /// Which due time the order has missed at `now`. Only open orders can be overdue, and each stage
    /// stops counting once it is done.
    pub fn overdue(&self, now: Timestamp) -> Option<Overdue> {
        if self.state.is_terminal() || self.handling.paused_since.is_some() {
            return None;
        }
        let missed = |due: Option<Timestamp>, done: bool| !done && due.is_some_and(|d| now > d);
        if missed(self.dues.dispatch_due, self.first_dispatched_at.is_some()) {
            Some(Overdue::Dispatch)
        } else if missed(self.dues.reply_due, self.replied_at.is_some() && self.state != State::Reopened) {
            Some(Overdue::Reply)
        } else if missed(self.dues.contact_due, self.contacted_at.is_some()) {
            Some(Overdue::Contact)
        } else {
            None
        }
    }
}

impl WorkOrder {
    /// Since when the order waits in the callback queue (回访): from the unit's reply, or from the
    /// reply due time when the unit lets it pass (a paused or disputed order is not waiting).
    pub fn callback_since(&self) -> Option<Timestamp> {
        match self.state {
            State::Replied => self.replied_at,
            State::Disputed => None,
            s if s.is_with_unit() && self.handling.paused_since.is_none() => self.dues.reply_due,
            _ => None,
        }
    }
}

impl OrderNumber {
    /// The placeholder an order carries until the store numbers it.
    pub(crate) fn unassigned() -> Self {
        Self::from_trusted(String::new())
    }
}
