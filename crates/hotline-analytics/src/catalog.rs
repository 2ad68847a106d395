//! What the read model's ids mean at query time: the unit tree (places and handlers), the category
//! tree, the knowledge-base articles. Facts store ids; names come from here, so renaming a unit
//! renames it in every past figure too.

use std::collections::HashMap;

use hotline_domain::{Unit, UnitClass};

/// A category as the analytics pages and the question parser see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryInfo {
    /// Full path code, `UTL/heating/not_warm`.
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// Words people use for it.
    pub keywords: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct UnitInfo {
    pub code: String,
    pub name: String,
    pub class: UnitClass,
    pub parent: Option<i64>,
}

/// The reference data a query is answered with.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    units: HashMap<i64, UnitInfo>,
    by_code: HashMap<String, i64>,
    by_name: HashMap<String, Vec<i64>>,
    categories: Vec<CategoryInfo>,
    category_index: HashMap<String, usize>,
    /// Article slug → title.
    articles: HashMap<String, String>,
}

impl Catalog {
    pub fn new(units: &[Unit], categories: Vec<CategoryInfo>, articles: Vec<(String, String)>) -> Self {
        let mut by_name: HashMap<String, Vec<i64>> = HashMap::new();
        for u in units {
            by_name.entry(u.name.clone()).or_default().push(u.id.0);
        }
        let category_index = categories.iter().enumerate().map(|(i, c)| (c.code.clone(), i)).collect();
        Self {
            units: units
                .iter()
                .map(|u| (u.id.0, UnitInfo { code: u.code.clone(), name: u.name.clone(), class: u.class, parent: u.parent.map(|p| p.0) }))
                .collect(),
            by_code: units.iter().map(|u| (u.code.clone(), u.id.0)).collect(),
            by_name,
            categories,
            category_index,
            articles: articles.into_iter().collect(),
        }
    }

    pub fn unit(&self, id: i64) -> Option<&UnitInfo> {
        self.units.get(&id)
    }

    pub fn unit_by_code(&self, code: &str) -> Option<i64> {
        self.by_code.get(code).copied()
    }

    /// Units of a class with this official name.
    pub fn units_named(&self, name: &str, class: UnitClass) -> Vec<i64> {
        self.by_name
            .get(name)
            .map(|ids| ids.iter().copied().filter(|id| self.units.get(id).is_some_and(|u| u.class == class)).collect())
            .unwrap_or_default()
    }

    /// The unit itself or its nearest ancestor of `class`.
    pub fn ancestor(&self, id: i64, class: UnitClass) -> Option<i64> {
        let mut cur = Some(id);
        let mut hops = 0;
        while let Some(c) = cur {
            let u = self.units.get(&c)?;
            if u.class == class {
                return Some(c);
            }
            cur = u.parent;
            hops += 1;
            if hops > 16 {
                return None;
            }
        }
        None
    }

    pub fn units_of(&self, class: UnitClass) -> impl Iterator<Item = (i64, &UnitInfo)> {
        self.units.iter().filter(move |(_, u)| u.class == class).map(|(id, u)| (*id, u))
    }

    pub fn categories(&self) -> &[CategoryInfo] {
        &self.categories
    }

    pub fn category(&self, code: &str) -> Option<&CategoryInfo> {
        self.category_index.get(code).map(|i| &self.categories[*i])
    }

    /// The article's title.
    pub fn article_title(&self, slug: &str) -> Option<&str> {
        self.articles.get(slug).map(String::as_str)
    }
}
