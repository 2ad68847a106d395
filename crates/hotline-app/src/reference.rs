//! Reference data import: units and categories from CSV, in the documented formats of
//! `crates/hotline/data/README.md`.

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
    /// Loads units and categories (insert new, update known) and refreshes the in-memory tree.
    /// `who` is `None` for the CLI, which runs as the machine's operator.
    pub async fn import_reference(&self, who: Option<&Principal>, units: &[NewUnit], categories: &[Category]) -> AppResult<()> {
        if who.is_some_and(|p| p.role != Role::Admin) {
            return Err(AppError::forbidden("只有系统管理员可以导入基础数据", "Only a system admin may import reference data"));
        }
        self.store.upsert_units(units).await?;
        self.store.upsert_categories(categories).await?;
        self.reload_units().await
    }
}
