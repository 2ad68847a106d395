//! HTML form → use-case input. Form values are strings; the use cases validate them exactly as
//! they validate JSON, so both entry points accept and refuse the same things.

use chrono::{FixedOffset, NaiveDateTime, TimeZone, Utc};
use hotline_app::AppError;
use hotline_app::orders::{AttachmentInput, Command, CreateOrderInput, LocationInput, RequesterInput, TriageInput};
use hotline_domain::ValidationError;

/// Decoded `application/x-www-form-urlencoded` pairs, repeated keys kept.
pub struct FormData(pub Vec<(String, String)>);

impl FormData {
    pub fn parse(body: &[u8]) -> Result<Self, AppError> {
        serde_urlencoded::from_bytes(body)
            .map(Self)
            .map_err(|_| AppError::Validation(ValidationError::new("form", "malformed_form", "表单数据格式错误", "Malformed form data")))
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    pub fn text(&self, key: &str) -> String {
        self.get(key).unwrap_or_default().to_owned()
    }

    /// A non-empty value.
    pub fn opt(&self, key: &str) -> Option<String> {
        self.get(key).map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
    }

    pub fn all(&self, key: &str) -> impl Iterator<Item = &str> {
        self.0.iter().filter(move |(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// A yes/no radio pair: `None` when neither was chosen.
    pub fn yes_no(&self, key: &str) -> Result<Option<bool>, AppError> {
        match self.opt(key).as_deref() {
            None => Ok(None),
            Some("yes" | "true") => Ok(Some(true)),
            Some("no" | "false") => Ok(Some(false)),
            Some(_) => Err(bad(key, "须为“是”或“否”", "must be yes or no")),
        }
    }

    pub fn checked(&self, key: &str) -> bool {
        self.get(key).is_some_and(|v| matches!(v, "on" | "true" | "1"))
    }

    pub fn id(&self, key: &str) -> Result<Option<i64>, AppError> {
        match self.opt(key) {
            None => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| bad(key, "须为数字", "must be a number")),
        }
    }

    pub fn ids(&self, key: &str) -> Result<Vec<i64>, AppError> {
        self.all(key)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| v.parse().map_err(|_| bad(key, "须为数字", "must be a number")))
            .collect()
    }

    pub fn float(&self, key: &str) -> Result<Option<f64>, AppError> {
        match self.opt(key) {
            None => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| bad(key, "须为数字", "must be a number")),
        }
    }

    /// A `datetime-local` value in the hotline's local time zone.
    pub fn local_time(&self, key: &str, offset_minutes: i32) -> Result<chrono::DateTime<Utc>, AppError> {
        let v = self.opt(key).ok_or_else(|| bad(key, "不能为空", "is required"))?;
        let naive =
            NaiveDateTime::parse_from_str(&v, "%Y-%m-%dT%H:%M").map_err(|_| bad(key, "时间格式错误", "is not a valid date and time"))?;
        let offset = FixedOffset::east_opt(offset_minutes * 60).ok_or_else(|| bad(key, "时区错误", "bad time zone"))?;
        offset.from_local_datetime(&naive).single().map(|t| t.with_timezone(&Utc)).ok_or_else(|| bad(key, "时间不存在", "does not exist"))
    }
}

/// A choice the form needs and did not get (请选择「主办单位」).
fn choose(field: &str) -> AppError {
    let name = hotline_domain::fields::label(field);
    AppError::Validation(ValidationError::new(field, "required", format!("请选择「{}」", name.0), format!("Choose the {}", name.1)))
}

/// A form value that does not parse, reported with the field's human name (「主办单位」请选择).
fn bad(field: &str, zh: &str, en: &str) -> AppError {
    let name = hotline_domain::fields::label(field);
    AppError::Validation(ValidationError::new(field, "invalid_form_value", format!("「{}」{zh}", name.0), format!("{}: {en}", name.1)))
}

/// The intake form.
pub fn create_input(f: &FormData) -> Result<CreateOrderInput, AppError> {
    let triage = match (f.opt("nature"), f.opt("category"), f.opt("urgency")) {
        (None, None, _) => None,
        (n, c, u) => Some(TriageInput {
            nature: n.unwrap_or_default(),
            category: c.unwrap_or_default(),
            urgency: u.unwrap_or_else(|| "general".into()),
        }),
    };
    let disposition = match f.get("disposition").unwrap_or("dispatch") {
        "dispatch" => Some(Command::Dispatch {
            main_unit: f.id("main_unit")?.ok_or_else(|| choose("main_unit"))?,
            co_units: f.ids("co_units")?,
            note: f.text("dispatch_note"),
        }),
        "answer" => Some(Command::Answer { answer: f.text("answer"), article: f.opt("article") }),
        "transfer" => Some(Command::Transfer { service: f.text("service"), note: f.text("transfer_note") }),
        "redirect" => Some(Command::Redirect { reason: f.text("redirect_reason") }),
        "link_duplicate" => Some(Command::LinkDuplicate { of: f.text("duplicate_of") }),
        "none" => None,
        _ => return Err(bad("disposition", "无效", "is not valid")),
    };
    Ok(CreateOrderInput {
        channel: f.opt("channel"),
        description: f.text("description"),
        requester: RequesterInput {
            name: f.text("name"),
            phone: f.opt("phone"),
            language: f.opt("language"),
            age_group: f.opt("age_group"),
            confidential: f.checked("confidential"),
        },
        location: LocationInput {
            address: f.text("address"),
            district: f.id("district")?,
            street: f.id("street")?,
            lng: f.float("lng")?,
            lat: f.float("lat")?,
        },
        attachments: Vec::<AttachmentInput>::new(),
        triage,
        disposition,
        // Filled by the page's script with what triage suggested; telemetry, so a malformed value is dropped.
        suggestion: f.opt("suggestion").and_then(|v| serde_json::from_str(&v).ok()),
    })
}

/// An action form on the order page: the `action` field names the command.
pub fn command(f: &FormData, offset_minutes: i32) -> Result<Command, AppError> {
    let action = f.get("action").unwrap_or_default();
    Ok(match action {
        "triage" => Command::Triage { nature: f.text("nature"), category: f.text("category"), urgency: f.text("urgency") },
        "answer" => Command::Answer { answer: f.text("answer"), article: f.opt("article") },
        "transfer" => Command::Transfer { service: f.text("service"), note: f.text("note") },
        "redirect" => Command::Redirect { reason: f.text("reason") },
        "link_duplicate" => Command::LinkDuplicate { of: f.text("of") },
        "dispatch" => Command::Dispatch {
            main_unit: f.id("main_unit")?.ok_or_else(|| choose("main_unit"))?,
            co_units: f.ids("co_units")?,
            note: f.text("note"),
        },
        "sign" => Command::Sign {},
        "dispute" => Command::Dispute { reason: f.text("reason"), proposed_unit: f.id("proposed_unit")? },
        "arbitrate" => Command::Arbitrate {
            decision: f.text("decision"),
            main_unit: f.id("main_unit")?,
            co_units: f.ids("co_units")?,
            reason: f.text("reason"),
        },
        "contact" => Command::Contact { note: f.text("note") },
        "start_work" => Command::StartWork { note: f.text("note") },
        "request_extension" => Command::RequestExtension { reason: f.text("reason"), until: f.local_time("until", offset_minutes)? },
        "grant_extension" => Command::GrantExtension { until: f.local_time("until", offset_minutes)?, reason: f.text("reason") },
        "refuse_extension" => Command::RefuseExtension { reason: f.text("reason") },
        "reply" => Command::Reply { outcome: f.text("outcome"), text: f.text("text") },
        "evaluate" => Command::Evaluate {
            contacted: f.yes_no("contacted")?,
            resolution: f.text("resolution"),
            satisfaction: f.text("satisfaction"),
            comment: f.text("comment"),
        },
        "close" => Command::Close { note: f.text("note") },
        "reopen" => Command::Reopen { reason: f.text("reason") },
        "supervise" => Command::Supervise {
            on: f.checked("on"),
            note: f.text("note"),
            reason: f.opt("reason"),
            reach_site_by: if f.opt("reach_site_by").is_some() { Some(f.local_time("reach_site_by", offset_minutes)?) } else { None },
        },
        "pause_clock" => Command::PauseClock { reason: f.text("reason") },
        "resume_clock" => Command::ResumeClock { note: f.text("note") },
        "co_report" => Command::CoReport { text: f.text("text") },
        "summon" => Command::Summon { units: f.ids("units")?, report_by: f.local_time("report_by", offset_minutes)?, note: f.text("note") },
        "report_in" => Command::ReportIn { note: f.text("note") },
        "arrive_on_site" => Command::ArriveOnSite { note: f.text("note") },
        "remind" => Command::Remind { note: f.text("note") },
        "callback_attempt" => Command::CallbackAttempt { note: f.text("note") },
        "exclude" => Command::Exclude { exclusion: f.opt("exclusion"), reason: f.text("reason") },
        _ => return Err(bad("action", "无效", "is not a known action")),
    })
}
