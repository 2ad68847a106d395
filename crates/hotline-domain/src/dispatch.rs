//! The dispatch catalogue (派单目录): which unit handles a category of request at a place. Rules are
//! data, matched by the longest category prefix; a rule scoped to a district beats a city-wide one of
//! the same length. The target is the street/township of the place (属地), its district, or a named
//! unit; when the street is unknown, a street rule falls back to the district (the catch-all of
//! Regulation Art. 12).

use serde::{Deserialize, Serialize};

use crate::error::ValidationError;
use crate::order::{CategoryPath, Urgency};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "code", rename_all = "snake_case")]
pub enum Target {
    /// The street/township of the place (falls back to its district).
    Street,
    /// The district of the place.
    District,
    /// A named unit, by code (a department or utility).
    Unit(String),
    /// The district-level bureau of the place's district: the unit coded `{district code}-{suffix}`
    /// (`110105-SCJG`, 朝阳区市场监督管理局); the district itself where it has none.
    DistrictBureau(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DispatchRule {
    /// A category path prefix: `UTL`, `UTL/heating`, `UTL/heating/not_warm`.
    pub category: String,
    /// Only for places in this district (its unit code), or everywhere.
    pub district: Option<String>,
    pub target: Target,
    /// Co-units by code.
    pub co_units: Vec<String>,
    /// The deadline class to use instead of the category's default urgency.
    pub deadline_class: Option<Urgency>,
}

impl DispatchRule {
    /// The rule as a `category,district,target,co_units,deadline_class` row.
    pub fn to_row(&self) -> [String; 5] {
        let target = match &self.target {
            Target::Street => "street".to_owned(),
            Target::District => "district".to_owned(),
            Target::Unit(code) => code.clone(),
            Target::DistrictBureau(suffix) => format!("district:{suffix}"),
        };
        [
            self.category.clone(),
            self.district.clone().unwrap_or_default(),
            target,
            self.co_units.join("|"),
            self.deadline_class.map(|d| d.code().to_owned()).unwrap_or_default(),
        ]
    }

    /// Whether two rules answer the same question (same category prefix, same district scope): a
    /// catalogue holds at most one rule per key.
    pub fn same_key(&self, other: &Self) -> bool {
        self.category == other.category && self.district == other.district
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct DispatchCatalogue {
    pub rules: Vec<DispatchRule>,
}

fn segments(path: &str) -> usize {
    path.split('/').count()
}

/// Whether `prefix` is `path` or one of its ancestors.
fn covers(prefix: &str, path: &str) -> bool {
    path == prefix || path.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('/'))
}

impl DispatchCatalogue {
    /// Parses rules from `category,district,target,co_units,deadline_class` rows (target and co-units:
    /// `street`, `district`, `district:SUFFIX` for the district's bureau, or a unit code; co-units
    /// `|`-separated).
    pub fn from_rows<'a>(rows: impl IntoIterator<Item = [&'a str; 5]>) -> Result<Self, ValidationError> {
        let mut rules = Vec::new();
        for [category, district, target, co_units, deadline] in rows {
            let category = CategoryPath::parse(category)?.as_str().to_owned();
            let target = match target.trim() {
                "street" => Target::Street,
                "district" => Target::District,
                "" => {
                    return Err(ValidationError::new("target", "required", "派单规则缺少承办对象", "A dispatch rule needs a target"));
                }
                t => match t.strip_prefix("district:") {
                    Some(suffix) if !suffix.is_empty() => Target::DistrictBureau(suffix.to_owned()),
                    _ => Target::Unit(t.to_owned()),
                },
            };
            let deadline_class = match deadline.trim() {
                "" => None,
                d => Some(Urgency::parse(d)?),
            };
            let district = Some(district.trim()).filter(|d| !d.is_empty()).map(str::to_owned);
            let co_units = co_units.split('|').map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned).collect();
            rules.push(DispatchRule { category, district, target, co_units, deadline_class });
        }
        Ok(Self { rules })
    }

    /// The rules as `category,district,target,co_units,deadline_class` rows, the inverse of
    /// [`Self::from_rows`].
    pub fn to_rows(&self) -> Vec<[String; 5]> {
        self.rules.iter().map(DispatchRule::to_row).collect()
    }

    /// The rule for a category at a place in `district` (its code): the longest matching category
    /// prefix, a district-scoped rule before a city-wide one of the same length.
    pub fn rule_for(&self, category: &str, district: Option<&str>) -> Option<&DispatchRule> {
        self.rules
            .iter()
            .filter(|r| covers(&r.category, category))
            .filter(|r| r.district.is_none() || r.district.as_deref() == district)
            .max_by_key(|r| (segments(&r.category), r.district.is_some()))
    }

    /// The categories no rule covers.
    pub fn uncovered<'a>(&self, categories: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
        categories.into_iter().filter(|c| !self.rules.iter().any(|r| covers(&r.category, c))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalogue() -> DispatchCatalogue {
        DispatchCatalogue::from_rows([
            ["UTL", "", "street", "", ""],
            ["UTL/heating", "", "U-HEAT", "", "utility24h"],
            ["UTL/heating", "110105", "U-CY-HEAT", "street", ""],
            ["TRF/illegal_parking", "", "street", "D-JGJ", ""],
            ["MKT", "", "district:SCJG", "street", ""],
        ])
        .expect("rules parse")
    }

    #[test]
    fn rules_survive_a_round_trip_through_rows() {
        let c = catalogue();
        let rows = c.to_rows();
        let again = DispatchCatalogue::from_rows(rows.iter().map(|r| [&*r[0], &*r[1], &*r[2], &*r[3], &*r[4]])).expect("rows parse");
        assert_eq!(again, c);
        assert_eq!(rows[2], ["UTL/heating", "110105", "U-CY-HEAT", "street", ""].map(str::to_owned));
        assert_eq!(rows[4][2], "district:SCJG");
        assert!(c.rules[1].same_key(&c.rules[1]) && !c.rules[1].same_key(&c.rules[2]));
    }

    #[test]
    fn the_longest_prefix_wins_and_a_district_rule_beats_a_city_wide_one() {
        let c = catalogue();
        assert_eq!(c.rule_for("UTL/heating/not_warm", None).map(|r| &r.target), Some(&Target::Unit("U-HEAT".into())));
        assert_eq!(c.rule_for("UTL/heating/not_warm", Some("110105")).map(|r| &r.target), Some(&Target::Unit("U-CY-HEAT".into())));
        assert_eq!(c.rule_for("UTL/water", None).map(|r| &r.target), Some(&Target::Street));
        assert_eq!(c.rule_for("UTL/heating", Some("110108")).and_then(|r| r.deadline_class), Some(Urgency::Utility24h));
        assert_eq!(c.rule_for("TRF/illegal_parking", None).map(|r| r.co_units.clone()), Some(vec!["D-JGJ".to_owned()]));
        assert_eq!(c.rule_for("MKT/food", None).map(|r| &r.target), Some(&Target::DistrictBureau("SCJG".into())));
        assert!(c.rule_for("HLT/hospital", None).is_none());
        // A prefix must end at a segment boundary: UTL/heat is not UTL/heating's parent.
        assert!(!covers("UTL/heat", "UTL/heating"));
    }

    #[test]
    fn uncovered_categories_are_listed() {
        let c = catalogue();
        assert_eq!(
            c.uncovered(["UTL/water", "HLT/hospital", "TRF/signals", "TRF/illegal_parking/fire_lane"]),
            vec!["HLT/hospital", "TRF/signals"]
        );
    }

    #[test]
    fn bad_rules_are_refused() {
        assert!(DispatchCatalogue::from_rows([["XYZ", "", "street", "", ""]]).is_err());
        assert!(DispatchCatalogue::from_rows([["UTL", "", "", "", ""]]).is_err());
        assert!(DispatchCatalogue::from_rows([["UTL", "", "street", "", "urgent"]]).is_err());
    }
}
