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
    // The incident key dispatches to the incident's lead unit: the unit picker is not needed then.
    let incident = f.id("incident")?;
    let disposition = match f.get("disposition").unwrap_or("dispatch") {
        "dispatch" if incident.is_some() => None,
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
        incident,
    })
}

/// An action form on the order page, read as the same [`Command`] the JSON API takes: the form's
/// fields are typed as the API types them (unit ids, lists, local times, yes/no) and the `action`
/// field names the command, so there is one list of actions and one of their fields — the
/// command's — and a form cannot accept what the API refuses.
pub fn command(f: &FormData, offset_minutes: i32) -> Result<Command, AppError> {
    use serde_json::{Value, json};
    let mut fields = serde_json::Map::new();
    for (key, raw) in &f.0 {
        if fields.contains_key(key) {
            continue; // a repeated key is a list, read whole below
        }
        let value = match key.as_str() {
            "version" | "form_token" => continue,
            "main_unit" | "proposed_unit" => match f.id(key)? {
                Some(id) => json!(id),
                None => continue,
            },
            "co_units" | "units" => json!(f.ids(key)?),
            "until" | "report_by" | "reach_site_by" => match f.opt(key) {
                Some(_) => json!(f.local_time(key, offset_minutes)?),
                None => continue,
            },
            "on" => json!(f.checked(key)),
            "contacted" => match f.yes_no(key)? {
                Some(yes) => json!(yes),
                None => continue,
            },
            // Optional choices left empty mean none.
            "exclusion" | "article" if raw.trim().is_empty() => continue,
            "reason" if f.get("action") == Some("supervise") && raw.trim().is_empty() => continue,
            _ => json!(raw),
        };
        fields.insert(key.clone(), value);
    }
    serde_json::from_value(Value::Object(fields)).map_err(|e| {
        // A required field the form left out (a unit not chosen, a time not given).
        let text = e.to_string();
        match text.strip_prefix("missing field `").and_then(|r| r.split('`').next()) {
            Some(field) => choose(field),
            None => bad("action", "无法识别", "is not a known action with these fields"),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> FormData {
        FormData(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
    }

    #[test]
    fn an_action_form_reads_as_the_api_command_with_typed_fields() {
        let c =
            command(&form(&[("action", "dispatch"), ("version", "3"), ("main_unit", "12"), ("co_units", "13"), ("co_units", "14")]), 480)
                .expect("dispatch");
        assert!(matches!(c, Command::Dispatch { main_unit: 12, ref co_units, .. } if co_units == &[13, 14]), "{c:?}");
        let c = command(&form(&[("action", "request_extension"), ("until", "2026-03-10T18:00"), ("reason", "等配件")]), 480)
            .expect("extension");
        let Command::RequestExtension { until, .. } = c else { panic!("{c:?}") };
        assert_eq!(until.to_rfc3339(), "2026-03-10T10:00:00+00:00", "local Beijing time");
        let c = command(&form(&[("action", "evaluate"), ("contacted", "no"), ("resolution", "partly"), ("satisfaction", "basic")]), 480)
            .expect("evaluate");
        assert!(matches!(c, Command::Evaluate { contacted: Some(false), .. }), "{c:?}");
        let c = command(&form(&[("action", "supervise"), ("on", "false"), ("reason", ""), ("note", "")]), 480).expect("supervise off");
        assert!(matches!(c, Command::Supervise { on: false, reason: None, .. }), "{c:?}");
        let c = command(&form(&[("action", "exclude"), ("exclusion", ""), ("reason", "复核后纳入")]), 480).expect("exclude");
        assert!(matches!(c, Command::Exclude { exclusion: None, .. }), "{c:?}");
    }

    #[test]
    fn a_form_missing_a_required_choice_names_it_as_people_do() {
        let Err(AppError::Validation(v)) = command(&form(&[("action", "dispatch"), ("note", "x")]), 480) else { panic!("refused") };
        assert_eq!((v.field.as_str(), v.zh.as_str()), ("main_unit", "请选择「主办单位」"));
        assert!(command(&form(&[("action", "frobnicate")]), 480).is_err());
    }
}
