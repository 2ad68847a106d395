//! The unit tree, held in memory: it is small (a few thousand rows), read on every request and
//! changed rarely.

use std::collections::HashMap;

use hotline_domain::{Unit, UnitClass, UnitId};

use crate::App;
use crate::error::{AppError, AppResult};

#[derive(Default)]
pub struct UnitDirectory {
    units: Vec<Unit>,
    by_id: HashMap<UnitId, usize>,
    children: HashMap<UnitId, Vec<UnitId>>,
    /// Address text → community, street, district.
    places: Option<hotline_places::Gazetteer>,
}

impl UnitDirectory {
    pub fn new(units: Vec<Unit>) -> Self {
        let by_id = units.iter().enumerate().map(|(i, u)| (u.id, i)).collect();
        let mut children: HashMap<UnitId, Vec<UnitId>> = HashMap::new();
        for u in &units {
            if let Some(p) = u.parent {
                children.entry(p).or_default().push(u.id);
            }
        }
        let places = Some(hotline_places::Gazetteer::new(&units));
        Self { units, by_id, children, places }
    }

    /// Which community, street and district `text` names (see `hotline-places`).
    pub fn resolve_place(&self, text: &str) -> Option<hotline_places::Place> {
        self.places.as_ref().map(|g| g.resolve(text))
    }

    pub fn get(&self, id: UnitId) -> Option<&Unit> {
        self.by_id.get(&id).map(|&i| &self.units[i])
    }

    pub fn all(&self) -> &[Unit] {
        &self.units
    }

    pub fn children(&self, id: UnitId) -> &[UnitId] {
        self.children.get(&id).map_or(&[], Vec::as_slice)
    }

    pub fn roots(&self) -> impl Iterator<Item = &Unit> {
        self.units.iter().filter(|u| u.parent.is_none())
    }

    /// `id` and every unit below it.
    pub fn subtree(&self, id: UnitId) -> Vec<UnitId> {
        let mut out = vec![id];
        let mut i = 0;
        while i < out.len() {
            out.extend_from_slice(self.children(out[i]));
            i += 1;
        }
        out
    }

    /// The nearest ancestor (or the unit itself) of `class`.
    pub fn ancestor_of_class(&self, id: UnitId, class: UnitClass) -> Option<&Unit> {
        let mut cur = self.get(id);
        while let Some(u) = cur {
            if u.class == class {
                return Some(u);
            }
            cur = u.parent.and_then(|p| self.get(p));
        }
        None
    }

    pub fn by_code(&self, code: &str) -> Option<&Unit> {
        self.units.iter().find(|u| u.code == code)
    }
}

impl App {
    pub fn unit(&self, id: UnitId) -> AppResult<Unit> {
        self.units().get(id).cloned().ok_or(AppError::NotFound { what: "unit" })
    }
}
