//! The versioned reference sets an admin edits: the category tree (分类目录) and the dispatch
//! catalogue (派单目录). Every save, whether one node or a whole uploaded file, stores the complete
//! set as the next version (the store refuses a save based on a stale version); the newest version
//! is in force on every node within [`REFERENCE_REFRESH_SECS`]. Orders keep the category version they
//! were filed under.

use std::collections::HashSet;

use hotline_domain::dispatch::{DispatchCatalogue, DispatchRule};
use hotline_domain::text::{bounded, optional};
use hotline_domain::{CategoryPath, FIRST_LEVEL_CATEGORIES, Role, Urgency, ValidationError};
use hotline_store::NewReferenceVersion;
pub use hotline_store::{Category, ReferenceKind, ReferenceVersion};

use crate::App;
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::reference::{categories_from_csv, categories_to_csv, dispatch_rules_to_csv};

/// How often a node checks for versions saved on another node.
pub const REFERENCE_REFRESH_SECS: u64 = 30;

/// The largest tree a deployment may keep (Beijing's has a few thousand nodes at most).
const MAX_CATEGORIES: usize = 10_000;
const MAX_RULES: usize = 50_000;

/// One edit to the category tree.
#[derive(Debug, Clone)]
pub enum CategoryEdit {
    /// Adds a node (its parent must exist) or replaces a node's names, urgency, description and keywords.
    Save(Category),
    /// Removes a node without children. First-level nodes are fixed and cannot be removed.
    Remove(String),
}

/// One edit to the dispatch catalogue.
#[derive(Debug, Clone)]
pub enum RuleEdit {
    /// Adds a rule, or replaces the rule with the same category and district scope.
    Save(DispatchRule),
    /// Removes the rule for this category and district scope.
    Remove { category: String, district: Option<String> },
}

/// The versions in force on this node.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Versions {
    pub categories: Option<i64>,
    pub dispatch_rules: Option<i64>,
}

fn invalid(code: &'static str, zh: String, en: String) -> AppError {
    ValidationError::new("categories", code, zh, en).into()
}

fn require_admin(who: Option<&Principal>) -> AppResult<()> {
    match who {
        Some(p) if p.role != Role::Admin => Err(AppError::forbidden(
            "只有系统管理员可以修改分类目录和派单目录",
            "Only a system admin may change the category tree or dispatch catalogue",
        )),
        _ => Ok(()),
    }
}

/// A lost race on the version number means the editor's base is stale.
fn stale(e: hotline_store::StoreError) -> AppError {
    match e {
        hotline_store::StoreError::Conflict(_) => AppError::StaleVersion,
        e => e.into(),
    }
}

fn author(who: Option<&Principal>) -> String {
    who.map_or_else(|| "system".to_owned(), |p| format!("{} ({})", p.display_name, p.username))
}

/// Checks one node's fields, normalising them (trimmed text, keywords without blanks or repeats).
pub fn check_category(c: &Category) -> AppResult<Category> {
    let code = CategoryPath::parse(&c.code)?;
    let keywords: Vec<String> = c.keywords.iter().map(|k| k.trim()).filter(|k| !k.is_empty()).fold(Vec::new(), |mut acc, k| {
        if !acc.iter().any(|a: &String| a == k) {
            acc.push(k.to_owned());
        }
        acc
    });
    if keywords.len() > 40 || keywords.iter().any(|k| k.chars().count() > 30 || k.contains('|')) {
        return Err(invalid(
            "invalid_keywords",
            format!("分类 {} 的关键词最多 40 个，每个不超过 30 字，且不含 |", c.code),
            format!("Category {} may have at most 40 keywords of at most 30 characters each, without |", c.code),
        ));
    }
    Ok(Category {
        code: code.as_str().to_owned(),
        name_zh: bounded("name_zh", &c.name_zh, 1, 40)?,
        name_en: optional("name_en", Some(&c.name_en), 80)?.unwrap_or_default(),
        default_urgency: Urgency::parse(&c.default_urgency)?.code().to_owned(),
        description: optional("description", Some(&c.description), 500)?.unwrap_or_default(),
        keywords,
    })
}

/// Checks a whole tree: valid nodes, each code once, parents present, the fixed first level complete.
pub fn check_tree(categories: &[Category]) -> AppResult<Vec<Category>> {
    if categories.len() > MAX_CATEGORIES {
        return Err(invalid(
            "too_many_categories",
            format!("分类目录最多 {MAX_CATEGORIES} 个节点"),
            format!("A category tree has at most {MAX_CATEGORIES} nodes"),
        ));
    }
    let checked = categories.iter().map(check_category).collect::<AppResult<Vec<_>>>()?;
    let mut codes = HashSet::new();
    if let Some(dup) = checked.iter().find(|c| !codes.insert(c.code.as_str())) {
        return Err(invalid("duplicate_category", format!("分类 {} 出现了两次", dup.code), format!("Category {} appears twice", dup.code)));
    }
    if let Some(orphan) = checked.iter().find(|c| c.code.rsplit_once('/').is_some_and(|(parent, _)| !codes.contains(parent))) {
        return Err(invalid(
            "missing_parent",
            format!("分类 {} 的上级不存在", orphan.code),
            format!("The parent of category {} is missing", orphan.code),
        ));
    }
    let missing: Vec<&str> = FIRST_LEVEL_CATEGORIES.iter().map(|(code, _, _)| *code).filter(|c| !codes.contains(c)).collect();
    if !missing.is_empty() {
        return Err(invalid(
            "missing_first_level",
            format!("一级分类是固定的，不能缺少：{}", missing.join("、")),
            format!("The first level is fixed; missing: {}", missing.join(", ")),
        ));
    }
    Ok(checked)
}

impl App {
    pub(crate) fn versions(&self) -> Versions {
        *self.versions.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The version of the category tree in force on this node (`None` before any was stored).
    pub fn category_version(&self) -> Option<i64> {
        self.versions().categories
    }

    /// The version of the dispatch catalogue in force on this node.
    pub fn dispatch_version(&self) -> Option<i64> {
        self.versions().dispatch_rules
    }

    /// The dispatch catalogue in force.
    pub fn dispatch_catalogue(&self) -> std::sync::Arc<DispatchCatalogue> {
        self.dispatch.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// Validates a category path against the tree in force and returns it with the tree's version.
    /// A deployment that has no tree yet accepts any well-formed path.
    /// The urgency a category's calls get by default, if the category is in the tree.
    pub(crate) fn default_urgency_of(&self, category: &str) -> Option<String> {
        self.categories().iter().find(|c| c.code == category).map(|c| c.default_urgency.clone())
    }

    pub fn known_category(&self, raw: &str) -> AppResult<(CategoryPath, Option<i64>)> {
        let path = CategoryPath::parse(raw)?;
        let categories = self.categories();
        if !categories.is_empty() && !categories.iter().any(|c| c.code == path.as_str()) {
            return Err(ValidationError::new(
                "category",
                "unknown_category",
                format!("分类目录中没有分类 {}", path.as_str()),
                format!("Category {} is not in the category tree", path.as_str()),
            )
            .into());
        }
        Ok((path, self.category_version()))
    }

    /// Saves a whole set (an uploaded CSV in the shipped format of its kind) as the next version:
    /// checked whole first (a tree's fixed first level and parents, a catalogue's units and
    /// categories), then stored, or refused with nothing written.
    pub async fn save_reference_csv(
        &self,
        who: Option<&Principal>,
        kind: ReferenceKind,
        csv: &str,
        note: &str,
        base: Option<i64>,
    ) -> AppResult<ReferenceVersion> {
        require_admin(who)?;
        match kind {
            ReferenceKind::Categories => self.store_categories(who, check_tree(&categories_from_csv(csv)?)?, note, base).await,
            ReferenceKind::DispatchRules => {
                let catalogue = self.parse_dispatch_rules(csv)?;
                self.store_dispatch_rules(who, &catalogue, note, base).await
            }
            // Scoring schemes are JSON documents saved through the assessment's own use case.
            ReferenceKind::ScoringScheme => {
                Err(crate::orders::invalid("kind", "not_a_csv_set", "考评办法不以 CSV 保存", "A scoring scheme is not saved as CSV"))
            }
        }
    }

    /// Applies one edit to the tree in force and saves the result as the next version.
    pub async fn edit_category(
        &self,
        who: Option<&Principal>,
        edit: CategoryEdit,
        note: &str,
        base_version: Option<i64>,
    ) -> AppResult<ReferenceVersion> {
        require_admin(who)?;
        let mut tree: Vec<Category> = self.categories().as_ref().clone();
        match edit {
            CategoryEdit::Save(node) => {
                let node = check_category(&node)?;
                match tree.iter_mut().find(|c| c.code == node.code) {
                    Some(existing) => *existing = node,
                    None => tree.push(node),
                }
            }
            CategoryEdit::Remove(code) => {
                if !code.contains('/') {
                    return Err(invalid(
                        "fixed_first_level",
                        format!("一级分类 {code} 是固定的，不能删除"),
                        format!("First-level category {code} is fixed and cannot be removed"),
                    ));
                }
                if tree.iter().any(|c| c.code.strip_prefix(code.as_str()).is_some_and(|rest| rest.starts_with('/'))) {
                    return Err(invalid(
                        "has_children",
                        format!("分类 {code} 还有下级分类，请先删除下级"),
                        format!("Category {code} has children; remove them first"),
                    ));
                }
                let before = tree.len();
                tree.retain(|c| c.code != code);
                if tree.len() == before {
                    return Err(AppError::NotFound { what: "category" });
                }
            }
        }
        let tree = check_tree(&tree)?;
        self.store_categories(who, tree, note, base_version).await
    }

    async fn store_categories(
        &self,
        who: Option<&Principal>,
        tree: Vec<Category>,
        note: &str,
        base_version: Option<i64>,
    ) -> AppResult<ReferenceVersion> {
        let body = categories_to_csv(&tree);
        self.store_version(who, ReferenceKind::Categories, &body, &tree, note, base_version).await
    }

    /// Stores the next version of a set (for categories, `tree` also replaces the stored projection)
    /// and reloads what this node holds in memory.
    pub(crate) async fn store_version(
        &self,
        who: Option<&Principal>,
        kind: ReferenceKind,
        body: &str,
        tree: &[Category],
        note: &str,
        base_version: Option<i64>,
    ) -> AppResult<ReferenceVersion> {
        let note = optional("note", Some(note), 200)?.unwrap_or_default();
        let saved = self
            .reference()
            .insert_reference_version(&NewReferenceVersion {
                kind,
                base_version,
                body,
                note: &note,
                created_by: &author(who),
                now: self.clock.now(),
                categories: tree,
            })
            .await
            .map_err(stale)?;
        self.reload_reference().await?;
        Ok(saved)
    }

    /// Applies one edit to the catalogue in force and saves the result as the next version.
    pub async fn edit_dispatch_rule(
        &self,
        who: Option<&Principal>,
        edit: RuleEdit,
        note: &str,
        base_version: Option<i64>,
    ) -> AppResult<ReferenceVersion> {
        require_admin(who)?;
        let mut catalogue = self.dispatch_catalogue().as_ref().clone();
        match edit {
            RuleEdit::Save(rule) => match catalogue.rules.iter_mut().find(|r| r.same_key(&rule)) {
                Some(existing) => *existing = rule,
                None => catalogue.rules.push(rule),
            },
            RuleEdit::Remove { category, district } => {
                let before = catalogue.rules.len();
                catalogue.rules.retain(|r| !(r.category == category && r.district == district));
                if catalogue.rules.len() == before {
                    return Err(AppError::NotFound { what: "dispatch rule" });
                }
            }
        }
        // The edited catalogue goes through the same checks as an uploaded one.
        let catalogue = self.parse_dispatch_rules(&dispatch_rules_to_csv(&catalogue))?;
        self.store_dispatch_rules(who, &catalogue, note, base_version).await
    }

    async fn store_dispatch_rules(
        &self,
        who: Option<&Principal>,
        catalogue: &DispatchCatalogue,
        note: &str,
        base_version: Option<i64>,
    ) -> AppResult<ReferenceVersion> {
        if catalogue.rules.len() > MAX_RULES {
            return Err(ValidationError::new(
                "dispatch_rules",
                "too_many_rules",
                format!("派单目录最多 {MAX_RULES} 条规则"),
                format!("A dispatch catalogue has at most {MAX_RULES} rules"),
            )
            .into());
        }
        let body = dispatch_rules_to_csv(catalogue);
        self.store_version(who, ReferenceKind::DispatchRules, &body, &[], note, base_version).await
    }

    /// The versions of a set, newest first (any staff member may read them).
    pub async fn reference_versions(&self, who: &Principal, kind: ReferenceKind) -> AppResult<Vec<ReferenceVersion>> {
        let _ = who;
        Ok(self.reference().list_reference_versions(kind).await?)
    }

    /// One version with its body (the CSV).
    pub async fn reference_version(&self, who: &Principal, kind: ReferenceKind, version: i64) -> AppResult<ReferenceVersion> {
        let _ = who;
        self.reference().get_reference_version(kind, version).await?.ok_or(AppError::NotFound { what: "version" })
    }

    /// On a deployment's first start: stores the shipped tree and catalogue as version 1 of each
    /// when none is stored. A catalogue that names units this deployment lacks (another city's
    /// units) is not stored; operators then pick units by hand until the city saves its own.
    pub async fn ensure_reference_sets(&self, categories_csv: &str, rules_csv: &str) -> AppResult<()> {
        let shipped = "随 Hotline 发布的初始版本 / shipped with Hotline";
        if self.category_version().is_none() {
            let tree = check_tree(&categories_from_csv(categories_csv)?)?;
            self.store_categories(None, tree, shipped, None).await?;
            tracing::info!("stored the shipped category tree as version 1");
        }
        if self.dispatch_version().is_none() {
            match self.parse_dispatch_rules(rules_csv) {
                Ok(catalogue) => {
                    self.store_dispatch_rules(None, &catalogue, shipped, None).await?;
                    tracing::info!(rules = catalogue.rules.len(), "stored the shipped dispatch catalogue as version 1");
                }
                Err(e) => tracing::warn!(error = %e, "the shipped dispatch catalogue does not fit these units; no dispatch suggestions"),
            }
        }
        Ok(())
    }

    /// Re-reads reference data when another node saved a newer version. Returns whether it did.
    pub async fn refresh_reference_if_changed(&self) -> AppResult<bool> {
        let stored = Versions {
            categories: self.reference().list_reference_versions(ReferenceKind::Categories).await?.first().map(|v| v.version),
            dispatch_rules: self.reference().list_reference_versions(ReferenceKind::DispatchRules).await?.first().map(|v| v.version),
        };
        if stored == self.versions() {
            return Ok(false);
        }
        self.reload_reference().await?;
        Ok(true)
    }
}
