//! Reference data import: units, categories and dispatch rules from CSV, in the documented formats
//! of `crates/hotline/data/README.md`, and dispatch suggestions from the catalogue in force.

use hotline_domain::{Role, UnitClass, ValidationError};
use hotline_store::{Category, NewUnit};

use crate::App;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};

fn rows(field: &str, text: &str) -> AppResult<Vec<csv::StringRecord>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    reader.records().collect::<Result<Vec<_>, _>>().map_err(|e| {
        AppError::Validation(ValidationError::new(field, "malformed_csv", format!("CSV 格式错误：{e}"), format!("Malformed CSV: {e}")))
    })
}

fn col(r: &csv::StringRecord, i: usize) -> &str {
    r.get(i).unwrap_or_default()
}

/// The NBS division lists of one city: districts (`code,name,…`), streets/townships
/// (`code,name,areaCode,…`) and communities (`code,name,streetCode,…`).
pub struct DivisionLists<'a> {
    pub districts: &'a str,
    pub streets: &'a str,
    pub communities: &'a str,
}

/// Units in the documented import format, `code,name,class,parent_code` (class: centre, district,
/// street, department, utility, community). What `hotline import-units` reads.
pub fn units_from_unit_csv(text: &str) -> AppResult<Vec<NewUnit>> {
    let mut units = Vec::new();
    for r in rows("units", text)? {
        let class = UnitClass::parse(col(&r, 2)).ok_or_else(|| {
            AppError::Validation(ValidationError::new(
                "class",
                "unknown_code",
                format!("未知单位类别 {}", col(&r, 2)),
                format!("Unknown unit class {}", col(&r, 2)),
            ))
        })?;
        let parent = Some(col(&r, 3)).filter(|p| !p.is_empty()).map(str::to_owned);
        units.push(NewUnit { code: col(&r, 0).into(), name: col(&r, 1).into(), class, parent_code: parent });
    }
    check_units(&units)?;
    Ok(units)
}

fn check_units(units: &[NewUnit]) -> AppResult<()> {
    match units.iter().find(|u| u.code.is_empty() || u.name.is_empty() || u.code.chars().count() > 40 || u.name.chars().count() > 100) {
        Some(u) => Err(ValidationError::new(
            "units",
            "invalid_unit",
            format!("单位代码和名称不能为空且不超长：{}", u.code),
            format!("Unit code and name are required and bounded: {:?}", u.code),
        )
        .into()),
        None => Ok(()),
    }
}

/// A city's units: its division lists plus the other units in the import format. Parents come
/// before children.
pub fn units_from_csv(lists: &DivisionLists<'_>, extra: &str) -> AppResult<Vec<NewUnit>> {
    let mut units = units_from_unit_csv(extra)?;
    let level = |text: &str, field: &str, class: UnitClass, with_parent: bool| -> AppResult<Vec<NewUnit>> {
        Ok(rows(field, text)?
            .iter()
            .map(|r| NewUnit {
                code: col(r, 0).into(),
                name: col(r, 1).into(),
                class,
                parent_code: with_parent.then(|| col(r, 2).to_owned()),
            })
            .collect())
    };
    units.extend(level(lists.districts, "districts", UnitClass::District, false)?);
    units.extend(level(lists.streets, "streets", UnitClass::Street, true)?);
    units.extend(level(lists.communities, "communities", UnitClass::Community, true)?);
    check_units(&units)?;
    Ok(units)
}

/// Categories: `code,name_zh,name_en,default_urgency[,description_zh,keywords]`, keywords separated
/// by `|`; a parent must come before its children.
pub fn categories_from_csv(text: &str) -> AppResult<Vec<Category>> {
    rows("categories", text)?
        .iter()
        .map(|r| {
            let code = hotline_domain::CategoryPath::parse(col(r, 0))?;
            let urgency = hotline_domain::Urgency::parse(col(r, 3))?;
            Ok(Category {
                code: code.as_str().into(),
                name_zh: col(r, 1).into(),
                name_en: col(r, 2).into(),
                default_urgency: urgency.code().into(),
                description: col(r, 4).into(),
                keywords: col(r, 5).split('|').map(str::trim).filter(|k| !k.is_empty()).map(str::to_owned).collect(),
            })
        })
        .collect::<AppResult<Vec<_>>>()
        .and_then(|cats| {
            let known: std::collections::HashSet<&str> = cats.iter().map(|c| c.code.as_str()).collect();
            match cats.iter().find(|c| c.code.rsplit_once('/').is_some_and(|(parent, _)| !known.contains(parent))) {
                Some(orphan) => Err(ValidationError::new(
                    "categories",
                    "missing_parent",
                    format!("分类 {} 的上级不存在", orphan.code),
                    format!("The parent of category {} is missing", orphan.code),
                )
                .into()),
                None => Ok(cats),
            }
        })
}

impl App {
    /// Loads units (insert new, update known) and refreshes the in-memory tree. `who` is `None` for
    /// the CLI, which runs as the machine's operator.
    pub async fn import_units(&self, who: Option<&Principal>, units: &[NewUnit]) -> AppResult<()> {
        if who.is_some_and(|p| p.role != Role::Admin) {
            return Err(AppError::forbidden("只有系统管理员可以导入基础数据", "Only a system admin may import reference data"));
        }
        check_no_cycle(&self.units(), units)?;
        self.reference().upsert_units(units).await?;
        self.reload_reference().await
    }
}

/// Refuses units that would make a unit its own ancestor once imported (a unit as its own parent,
/// or a parent moved below its child): the tree is walked upwards everywhere, and a cycle would
/// never end.
fn check_no_cycle(current: &crate::UnitDirectory, units: &[NewUnit]) -> AppResult<()> {
    let mut parent: std::collections::HashMap<&str, Option<&str>> =
        current.all().iter().map(|u| (u.code.as_str(), u.parent.and_then(|p| current.get(p)).map(|p| p.code.as_str()))).collect();
    for u in units {
        parent.insert(u.code.as_str(), u.parent_code.as_deref());
    }
    for u in units {
        let mut cur = u.parent_code.as_deref();
        let mut steps = 0;
        while let Some(c) = cur {
            steps += 1;
            if c == u.code || steps > parent.len() {
                return Err(ValidationError::new(
                    "units",
                    "unit_cycle",
                    format!("单位 {} 会成为自己的上级", u.code),
                    format!("Unit {} would become its own ancestor", u.code),
                )
                .into());
            }
            cur = parent.get(c).copied().flatten();
        }
    }
    Ok(())
}

/// Categories as CSV in the shipped format (`code,name_zh,name_en,default_urgency,description_zh,keywords`),
/// parents before children: what a version stores and an admin downloads.
pub fn categories_to_csv(categories: &[Category]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = ["code", "name_zh", "name_en", "default_urgency", "description_zh", "keywords"];
    let _ = w.write_record(header);
    let mut sorted: Vec<&Category> = categories.iter().collect();
    sorted.sort_by(|a, b| a.code.cmp(&b.code));
    for c in sorted {
        let keywords = c.keywords.join("|");
        let _ = w.write_record([&*c.code, &*c.name_zh, &*c.name_en, &*c.default_urgency, &*c.description, &*keywords]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// The dispatch catalogue as CSV in the shipped format (`category,district,target,co_units,deadline_class`).
pub fn dispatch_rules_to_csv(catalogue: &hotline_domain::dispatch::DispatchCatalogue) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(["category", "district", "target", "co_units", "deadline_class"]);
    for row in catalogue.to_rows() {
        let _ = w.write_record(&row);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// A dispatch suggestion: who handles this category at this place, by the catalogue.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct DispatchSuggestion {
    pub main_unit: crate::views::UnitRef,
    pub co_units: Vec<crate::views::UnitRef>,
    /// The deadline class the rule sets, if it overrides the category's urgency.
    pub deadline_class: Option<String>,
    /// The category prefix of the rule that matched.
    pub rule: String,
}

impl App {
    /// Parses a dispatch catalogue (`category,district,target,co_units,deadline_class`), checking
    /// that every unit it names exists and every category it names is in the tree in force.
    pub fn parse_dispatch_rules(&self, text: &str) -> AppResult<hotline_domain::dispatch::DispatchCatalogue> {
        let records = rows("dispatch_rules", text)?;
        let catalogue = hotline_domain::dispatch::DispatchCatalogue::from_rows(
            records.iter().map(|r| [col(r, 0), col(r, 1), col(r, 2), col(r, 3), col(r, 4)]),
        )?;
        let units = self.units();
        let mut unknown: Vec<&str> = Vec::new();
        for r in &catalogue.rules {
            if let hotline_domain::dispatch::Target::Unit(code) = &r.target {
                unknown.extend(units.by_code(code).is_none().then_some(code.as_str()));
            }
            let placeholder = |c: &str| c == "street" || c == "district" || c.starts_with("district:");
            unknown.extend(r.co_units.iter().filter(|c| !placeholder(c) && units.by_code(c).is_none()).map(String::as_str));
            unknown.extend(r.district.as_deref().filter(|d| units.by_code(d).is_none()));
        }
        if !unknown.is_empty() {
            unknown.dedup();
            return Err(ValidationError::new(
                "dispatch_rules",
                "unknown_unit",
                format!("派单目录引用了不存在的单位：{}", unknown.join("、")),
                format!("The dispatch catalogue names unknown units: {}", unknown.join(", ")),
            )
            .into());
        }
        let categories = self.categories();
        if !categories.is_empty() {
            let known: std::collections::HashSet<&str> = categories.iter().map(|c| c.code.as_str()).collect();
            let mut missing: Vec<&str> = catalogue.rules.iter().map(|r| r.category.as_str()).filter(|c| !known.contains(c)).collect();
            if !missing.is_empty() {
                missing.dedup();
                return Err(ValidationError::new(
                    "dispatch_rules",
                    "unknown_category",
                    format!("派单目录引用了分类目录中没有的分类：{}", missing.join("、")),
                    format!("The dispatch catalogue names categories not in the tree: {}", missing.join(", ")),
                )
                .into());
            }
        }
        if let Some((a, _)) = catalogue.rules.iter().enumerate().find(|(i, r)| catalogue.rules[..*i].iter().any(|o| o.same_key(r))) {
            let r = &catalogue.rules[a];
            let scope = r.district.as_deref().unwrap_or("*");
            return Err(ValidationError::new(
                "dispatch_rules",
                "duplicate_rule",
                format!("分类 {} 在 {scope} 范围内有两条规则", r.category),
                format!("Category {} has two rules for scope {scope}", r.category),
            )
            .into());
        }
        Ok(catalogue)
    }

    /// Who should handle `category` at a place (district and/or street unit ids), by the catalogue.
    pub fn suggest_dispatch(
        &self,
        category: &str,
        district: Option<hotline_domain::UnitId>,
        street: Option<hotline_domain::UnitId>,
    ) -> Option<DispatchSuggestion> {
        use hotline_domain::dispatch::Target;
        let units = self.units();
        let district = district.or_else(|| street.and_then(|s| units.ancestor_of_class(s, UnitClass::District)).map(|d| d.id));
        let district_code = district.and_then(|d| units.get(d)).map(|d| d.code.clone());
        let catalogue = self.dispatch_catalogue();
        let rule = catalogue.rule_for(category, district_code.as_deref())?;
        let place = |t: &str| match t {
            "street" => street.or(district),
            "district" => district,
            t => match t.strip_prefix("district:") {
                // The district's own bureau, else the district itself (its catch-all).
                Some(suffix) => district_code.as_ref().and_then(|d| units.by_code(&format!("{d}-{suffix}"))).map(|u| u.id).or(district),
                None => units.by_code(t).map(|u| u.id),
            },
        };
        let main = match &rule.target {
            Target::Street => place("street"),
            Target::District => place("district"),
            Target::Unit(code) => place(code),
            Target::DistrictBureau(suffix) => place(&format!("district:{suffix}")),
        }?;
        let co_units =
            rule.co_units.iter().filter_map(|c| place(c)).filter(|u| *u != main).map(|u| crate::views::UnitRef::of(&units, u)).collect();
        Some(DispatchSuggestion {
            main_unit: crate::views::UnitRef::of(&units, main),
            co_units,
            deadline_class: rule.deadline_class.map(|d| d.code().to_owned()),
            rule: rule.category.clone(),
        })
    }

    /// Categories the dispatch catalogue does not cover.
    pub fn uncovered_categories(&self) -> Vec<String> {
        let cats = self.categories();
        let catalogue = self.dispatch_catalogue();
        catalogue.uncovered(cats.iter().map(|c| c.code.as_str())).into_iter().map(str::to_owned).collect()
    }
}
