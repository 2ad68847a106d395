//! Typed identifiers. Database keys are `i64`; the public identifier of an order is its number.

use serde::{Deserialize, Serialize};

use crate::error::ValidationError;

macro_rules! int_id {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

int_id!(/// Storage key of a work order (never shown to citizens).
    OrderId);
int_id!(/// A unit of the dispatch hierarchy.
    UnitId);
int_id!(/// A staff account.
    UserId);
int_id!(/// A case groups the orders about one underlying problem (duplicates share a case).
    CaseId);

/// The human-readable order number: the local receipt date `YYYYMMDD` followed by a sequence of at
/// least five digits, e.g. `2026112200123`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrderNumber(String);

impl OrderNumber {
    /// Builds the number of the `seq`-th order received on `date` (local date).
    pub fn compose(date: chrono::NaiveDate, seq: u64) -> Self {
        Self(format!("{}{seq:05}", date.format("%Y%m%d")))
    }

    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim();
        let ok = (13..=20).contains(&s.len())
            && s.bytes().all(|b| b.is_ascii_digit())
            && chrono::NaiveDate::parse_from_str(&s[..8], "%Y%m%d").is_ok();
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(ValidationError::new(
                "number",
                "invalid_order_number",
                "工单编号应为8位日期加至少5位序号，例如 2026112200123",
                "An order number is an 8-digit date followed by at least 5 digits, e.g. 2026112200123",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// For values read back from storage, which only ever holds parsed numbers.
    pub fn from_trusted(s: String) -> Self {
        Self(s)
    }
}

impl TryFrom<String> for OrderNumber {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<OrderNumber> for String {
    fn from(n: OrderNumber) -> Self {
        n.0
    }
}

impl std::fmt::Display for OrderNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_numbers_are_date_plus_zero_padded_sequence() {
        let d = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        assert_eq!(OrderNumber::compose(d, 123).as_str(), "2026112200123");
        assert_eq!(OrderNumber::compose(d, 123_456).as_str(), "20261122123456");
    }

    #[test]
    fn order_number_parse_rejects_bad_dates_letters_and_short_input() {
        for bad in ["", "2026", "20261322001234", "2026112200A23", "2026112200123000000000"] {
            assert!(OrderNumber::parse(bad).is_err(), "{bad} should be rejected");
        }
        assert!(OrderNumber::parse(" 2026112200123 ").is_ok());
    }
}
