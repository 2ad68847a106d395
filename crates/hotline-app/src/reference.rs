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

/// Units from the NBS division lists (`code,name,…` districts; `code,name,areaCode,…` streets) and a
/// list of other units (`code,name,class,parent_code`). Parents always come before children.
pub fn units_from_csv(districts: &str, streets: &str, extra: &str) -> AppResult<Vec<NewUnit>> {
    let mut units = Vec::new();
    for r in rows("extra", extra)? {
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
    for r in rows("districts", districts)? {
        units.push(NewUnit { code: col(&r, 0).into(), name: col(&r, 1).into(), class: UnitClass::District, parent_code: None });
    }
    for r in rows("streets", streets)? {
        units.push(NewUnit {
            code: col(&r, 0).into(),
            name: col(&r, 1).into(),
            class: UnitClass::Street,
            parent_code: Some(col(&r, 2).into()),
        });
    }
    if units.iter().any(|u| u.code.is_empty() || u.name.is_empty()) {
        return Err(ValidationError::new("units", "missing_field", "单位代码和名称不能为空", "Unit code and name are required").into());
    }
    Ok(units)
}

/// Categories: `code,name_zh,name_en,default_urgency`.
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
            })
        })
        .collect()
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
