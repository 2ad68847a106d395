//! Validated text: bounded free text and phone numbers.

use serde::{Deserialize, Serialize};

use crate::error::ValidationError;

/// Trims `raw` and checks it holds `min..=max` characters and no control characters other than line
/// breaks and tabs. The one rule every free-text field shares.
pub fn bounded(field: &str, raw: &str, min: usize, max: usize) -> Result<String, ValidationError> {
    let s = raw.trim();
    let n = s.chars().count();
    let (zh, en) = (crate::fields::label(field).0, crate::fields::label_en_sentence(field));
    if n < min && n > 0 {
        return Err(ValidationError::new(
            field,
            "too_short",
            format!("「{zh}」至少 {min} 个字符"),
            format!("{en} needs at least {min} characters"),
        ));
    }
    if n < min {
        return Err(ValidationError::new(field, "required", format!("请填写「{zh}」"), format!("{en} is required")));
    }
    if n > max {
        return Err(ValidationError::new(
            field,
            "too_long",
            format!("「{zh}」最多 {max} 个字符（现有 {n} 个）"),
            format!("{en} may hold at most {max} characters (got {n})"),
        ));
    }
    if s.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r')) {
        return Err(ValidationError::new(
            field,
            "control_characters",
            format!("「{zh}」含有不可见控制字符"),
            format!("{en} contains control characters"),
        ));
    }
    Ok(s.to_owned())
}

/// Like [`bounded`] but an empty input means "absent".
pub fn optional(field: &str, raw: Option<&str>, max: usize) -> Result<Option<String>, ValidationError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => bounded(field, s, 1, max).map(Some),
    }
}

/// A phone number in one canonical form:
/// - Chinese mobile: `13812345678` (the `+86`/`0086`/`86` prefixes are dropped);
/// - Chinese landline: `010-65123456`, optionally with `-ext`; a bare 7–8 digit local number is kept as
///   it is (the caller is local);
/// - foreign: E.164 `+4915112345678`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let err = || {
            ValidationError::new(
                "phone",
                "invalid_phone",
                "电话号码格式不正确：手机号11位，固话如010-65123456，境外号码以+国家码开头",
                "Invalid phone number: a Chinese mobile has 11 digits, a landline looks like 010-65123456, a foreign number starts with +country code",
            )
        };
        let compact: String = raw.trim().chars().filter(|c| !matches!(c, ' ' | '(' | ')' | '.')).collect();
        if compact.is_empty() || compact.len() > 24 {
            return Err(err());
        }
        let (international, rest) = if let Some(r) = compact.strip_prefix('+') {
            (true, r.to_owned())
        } else if let Some(r) = compact.strip_prefix("00") {
            (true, r.to_owned())
        } else {
            (false, compact.clone())
        };
        if international {
            let digits: String = rest.chars().filter(|c| *c != '-').collect();
            if !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err());
            }
            if let Some(national) = digits.strip_prefix("86") {
                return Self::parse_chinese(national).ok_or_else(err);
            }
            if (7..=15).contains(&digits.len()) && !digits.starts_with('0') {
                return Ok(Self(format!("+{digits}")));
            }
            return Err(err());
        }
        Self::parse_chinese(&rest).ok_or_else(err)
    }

    fn parse_chinese(s: &str) -> Option<Self> {
        match s.split_once('#').or_else(|| s.split_once("转")) {
            Some((main, ext)) => Self::parse_chinese_with(main, Some(ext)),
            // The canonical form writes an extension after a last `-` (`010-6512345-8`): a number
            // read back (an order's JSON) is read as it was written.
            None => s
                .rsplit_once('-')
                .and_then(|(main, ext)| Self::parse_chinese_with(main, Some(ext)))
                .filter(|p| p.0 == s)
                .or_else(|| Self::parse_chinese_with(s, None)),
        }
    }

    fn parse_chinese_with(main: &str, ext: Option<&str>) -> Option<Self> {
        if let Some(e) = ext
            && (e.is_empty() || e.len() > 6 || !e.bytes().all(|b| b.is_ascii_digit()))
        {
            return None;
        }
        let parts: Vec<&str> = main.split('-').collect();
        if parts.iter().any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit())) {
            return None;
        }
        let digits: String = parts.concat();
        // `00` is the international prefix: no national number starts with it (`+86 0086…`).
        if digits.starts_with("00") {
            return None;
        }
        let with_ext = |n: String| {
            Some(Self(match ext {
                Some(e) => format!("{n}-{e}"),
                None => n,
            }))
        };
        // Mobile: 11 digits starting 13–19, optionally with the 86 country code glued on.
        let mobile = digits.strip_prefix("86").filter(|d| d.len() == 11).unwrap_or(&digits);
        if ext.is_none() && mobile.len() == 11 && mobile.starts_with('1') && matches!(mobile.as_bytes()[1], b'3'..=b'9') {
            return Some(Self(mobile.to_owned()));
        }
        if digits.starts_with('0') {
            // Area codes: 010 and 02x are three digits, the rest four; then a 7–8 digit subscriber.
            let area_len = if digits.starts_with("010") || digits.starts_with("02") { 3 } else { 4 };
            if digits.len() <= area_len {
                return None;
            }
            let (area, local) = digits.split_at(area_len);
            if (7..=8).contains(&local.len()) && !local.starts_with('0') {
                return with_ext(format!("{area}-{local}"));
            }
            return None;
        }
        // Service numbers such as 95598 (the power company) are real callers too.
        if (5..=8).contains(&digits.len()) && parts.len() == 1 {
            // Not with an extension that makes it read back as a mobile number (`13800-138000`).
            if let Some(e) = ext
                && Self::parse_chinese_with(&format!("{digits}-{e}"), None).is_some()
            {
                return None;
            }
            return with_ext(digits);
        }
        None
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Masked for roles that must not see the number: keeps the first 3 and last 4 digits.
    pub fn masked(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        if chars.len() <= 7 {
            return "*".repeat(chars.len());
        }
        let head: String = chars[..3].iter().collect();
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("{head}{}{tail}", "*".repeat(chars.len() - 7))
    }
}

impl TryFrom<String> for Phone {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Phone> for String {
    fn from(p: Phone) -> Self {
        p.0
    }
}

/// Masks a personal name, keeping its first character: `张三丰` → `张**`, `Alice` → `A****`.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => format!("{first}{}", "*".repeat(chars.count().max(1))),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_normalise_to_one_canonical_form() {
        let cases = [
            ("13812345678", "13812345678"),
            ("138 1234 5678", "13812345678"),
            ("+86 138-1234-5678", "13812345678"),
            ("0086 13812345678", "13812345678"),
            ("8613812345678", "13812345678"),
            ("010-65123456", "010-65123456"),
            ("(010) 6512 3456", "010-65123456"),
            ("01065123456", "010-65123456"),
            ("0755-12345678", "0755-12345678"),
            ("010-65123456#801", "010-65123456-801"),
            ("010-65123456-801", "010-65123456-801"),
            ("95598#12", "95598-12"),
            ("95598-12", "95598-12"),
            ("010-6512345#8", "010-6512345-8"),
            ("010-6512345-8", "010-6512345-8"),
            ("13800-138000", "13800138000"),
            ("65123456", "65123456"),
            ("95598", "95598"),
            ("+49 151 12345678", "+4915112345678"),
            ("+1 (415) 555-0100", "+14155550100"),
        ];
        for (raw, want) in cases {
            assert_eq!(Phone::parse(raw).map(|p| p.0), Ok(want.to_owned()), "{raw}");
        }
    }

    #[test]
    fn malformed_phones_are_rejected() {
        for bad in [
            "",
            "abc",
            "1381234567",
            "12812345678",
            "138123456789",
            "+0123",
            "010-0123456",
            "+",
            "110-",
            "1234",
            "13812345678#1",
            "13800#138000",
            "+8600861000000",
        ] {
            assert!(Phone::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn masking_keeps_only_what_identifies_the_order_not_the_person() {
        assert_eq!(Phone::parse("13812345678").unwrap().masked(), "138****5678");
        assert_eq!(mask_name("张三丰"), "张**");
        assert_eq!(mask_name("李"), "李*");
    }

    #[test]
    fn bounded_text_counts_characters_not_bytes() {
        assert!(bounded("d", &"字".repeat(10), 1, 10).is_ok());
        assert_eq!(bounded("d", &"字".repeat(11), 1, 10).unwrap_err().code, "too_long");
        assert_eq!(bounded("d", "   ", 1, 10).unwrap_err().code, "required");
        assert_eq!(bounded("d", "a\u{7}b", 1, 10).unwrap_err().code, "control_characters");
    }
}
