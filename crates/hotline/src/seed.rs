//! Reference data shipped in the binary (Beijing's units and the starter category tree), loaded on
//! the first start of an empty database.

use hotline_app::App;
use hotline_app::reference::{DivisionLists, units_from_csv};

pub const DISTRICTS: &str = include_str!("../data/districts.csv");
pub const STREETS: &str = include_str!("../data/streets.csv");
pub const COMMUNITIES: &str = include_str!("../data/communities.csv");
pub const UNITS_EXTRA: &str = include_str!("../data/units_extra.csv");
pub const CATEGORIES: &str = include_str!("../data/categories.csv");
pub const DISTRICT_POLYGONS: &str = include_str!("../data/districts.geojson");
pub const DISPATCH_RULES: &str = include_str!("../data/dispatch_rules.csv");

/// Loads the shipped units if the database has none yet, stores the shipped category tree and
/// dispatch catalogue as their first versions when none is stored, and loads the district boundaries.
/// The starter knowledge base: real, public Beijing service information rewritten for the demo and
/// marked as sample content in every article (`data/kb/`).
pub const SAMPLE_ARTICLES: [(&str, &str); 17] = [
    ("heating-season.md", include_str!("../data/kb/heating-season.md")),
    ("elevator-retrofit.md", include_str!("../data/kb/elevator-retrofit.md")),
    ("wage-arrears.md", include_str!("../data/kb/wage-arrears.md")),
    ("medical-insurance-card.md", include_str!("../data/kb/medical-insurance-card.md")),
    ("illegal-parking.md", include_str!("../data/kb/illegal-parking.md")),
    ("noise-construction.md", include_str!("../data/kb/noise-construction.md")),
    ("hotline-process.md", include_str!("../data/kb/hotline-process.md")),
    ("garbage-sorting.md", include_str!("../data/kb/garbage-sorting.md")),
    ("residence-permit.md", include_str!("../data/kb/residence-permit.md")),
    ("provident-fund-withdrawal.md", include_str!("../data/kb/provident-fund-withdrawal.md")),
    ("property-fees.md", include_str!("../data/kb/property-fees.md")),
    ("elderly-allowance.md", include_str!("../data/kb/elderly-allowance.md")),
    ("taxi-complaints.md", include_str!("../data/kb/taxi-complaints.md")),
    ("school-enrolment.md", include_str!("../data/kb/school-enrolment.md")),
    ("online-shopping-disputes.md", include_str!("../data/kb/online-shopping-disputes.md")),
    ("water-outage-surge-script.md", include_str!("../data/kb/water-outage-surge-script.md")),
    ("gas-leak-transfer-checklist.md", include_str!("../data/kb/gas-leak-transfer-checklist.md")),
];

/// Imports the sample articles (the demo's knowledge base); unchanged ones are left alone.
pub async fn ensure_sample_articles(app: &App) -> anyhow::Result<()> {
    let files: Vec<(String, String)> = SAMPLE_ARTICLES.iter().map(|(n, t)| ((*n).to_owned(), (*t).to_owned())).collect();
    let r = app.import_articles(&files, "demo").await?;
    if !r.created.is_empty() {
        tracing::info!(articles = r.created.len(), "loaded the sample knowledge base");
    }
    Ok(())
}

pub async fn ensure_reference_data(app: &App) -> anyhow::Result<()> {
    let err = |e: hotline_app::AppError| anyhow::Error::new(e);
    if app.units().all().is_empty() {
        let units = units_from_csv(&DivisionLists { districts: DISTRICTS, streets: STREETS, communities: COMMUNITIES }, UNITS_EXTRA)
            .map_err(err)?;
        app.import_units(None, &units).await.map_err(err)?;
        tracing::info!(units = units.len(), "loaded the shipped units");
    }
    app.ensure_reference_sets(CATEGORIES, DISPATCH_RULES).await.map_err(err)?;
    let n = app.load_district_polygons(DISTRICT_POLYGONS).map_err(err)?;
    tracing::debug!(districts = n, "district boundaries loaded");
    Ok(())
}

/// The shipped units with ids assigned in file order, as a fresh database would hold them: for
/// tests and benchmarks that need the real gazetteer without a database.
pub fn shipped_units() -> anyhow::Result<Vec<hotline_domain::Unit>> {
    let err = |e: hotline_app::AppError| anyhow::Error::new(e);
    let units =
        units_from_csv(&DivisionLists { districts: DISTRICTS, streets: STREETS, communities: COMMUNITIES }, UNITS_EXTRA).map_err(err)?;
    let ids: std::collections::HashMap<&str, i64> = units.iter().enumerate().map(|(i, u)| (u.code.as_str(), i as i64 + 1)).collect();
    Ok(units
        .iter()
        .enumerate()
        .map(|(i, u)| hotline_domain::Unit {
            id: hotline_domain::UnitId(i as i64 + 1),
            code: u.code.clone(),
            name: u.name.clone(),
            class: u.class,
            parent: u.parent_code.as_deref().and_then(|p| ids.get(p)).map(|&id| hotline_domain::UnitId(id)),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use hotline_app::reference::categories_from_csv;

    #[test]
    fn the_shipped_category_tree_has_the_fixed_first_level_and_a_full_second_and_third() {
        let cats = categories_from_csv(CATEGORIES).expect("the shipped categories parse");
        let level = |n: usize| cats.iter().filter(|c| c.code.split('/').count() == n).count();
        let first: Vec<&str> = cats.iter().filter(|c| !c.code.contains('/')).map(|c| c.code.as_str()).collect();
        let fixed: Vec<&str> = hotline_domain::FIRST_LEVEL_CATEGORIES.iter().map(|(c, _, _)| *c).collect();
        assert_eq!(first, fixed, "the first level is exactly triage.md's, in its order");
        assert!(level(2) >= 100 && level(3) >= 400, "second level {} and third level {}", level(2), level(3));
        for c in &cats {
            assert!(!c.description.is_empty() && c.keywords.len() >= 3, "{} needs a description and keywords", c.code);
        }
        let emergency: Vec<&str> = cats.iter().filter(|c| c.default_urgency == "emergency").map(|c| c.code.as_str()).collect();
        assert!(emergency.contains(&"EMG/gas_leak") && emergency.contains(&"EMG/flooding"), "{emergency:?}");
    }

    #[test]
    fn every_shipped_street_and_community_hangs_under_a_shipped_parent() {
        let units = shipped_units().expect("units");
        let missing: Vec<&str> = units
            .iter()
            .filter(|u| matches!(u.class, hotline_domain::UnitClass::Street | hotline_domain::UnitClass::Community) && u.parent.is_none())
            .map(|u| u.code.as_str())
            .collect();
        assert!(missing.is_empty(), "orphans: {missing:?}");
        assert_eq!(units.iter().filter(|u| u.class == hotline_domain::UnitClass::Community).count(), 7_535);
    }
}
