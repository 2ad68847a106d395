//! Place resolution: which community, street/township and district an address text names.
//!
//! People drop suffixes and use short forms ("望京" for 望京街道, "知春里西社区" or "知春里西" for
//! 知春里西社区居委会, "XX村" for XX村委会), so every unit is indexed under its official name and
//! its spoken variants. One Aho–Corasick automaton finds every mention in one pass; mentions that a
//! longer mention covers are dropped; the rest are reconciled through the unit tree (a community must
//! lie in the mentioned street or district, if any). A name that several places share and the text
//! does not disambiguate is reported as ambiguous, never guessed. Pure: built from the unit list,
//! no IO.

pub mod landmarks;
pub mod polygons;

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, MatchKind};
use hotline_domain::{Unit, UnitClass, UnitId};
use serde::Serialize;

pub use landmarks::Landmark;
pub use polygons::DistrictMap;

/// One indexed name of a unit.
#[derive(Debug, Clone)]
struct Entry {
    unit: UnitId,
    /// 2: the official name; 1: a spoken form that keeps its kind (望京街道, 知春里西社区, 东坝村);
    /// 0: a bare name (望京, 知春里西), which everyday words can collide with.
    strength: u8,
}

#[derive(Debug, Clone)]
struct Node {
    name: String,
    class: UnitClass,
    parent: Option<UnitId>,
}

/// A unit named in the answer, with its official name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlaceRef {
    pub id: UnitId,
    pub name: String,
}

/// What the text says about where.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Place {
    pub district: Option<PlaceRef>,
    pub street: Option<PlaceRef>,
    pub community: Option<PlaceRef>,
    /// 0–1: how sure the resolution is (official names and agreeing levels score higher).
    pub confidence: f32,
    /// Byte range in the text of the most specific mention used.
    pub span: Option<(usize, usize)>,
    /// When the most specific name fits several places the text does not tell apart: those places
    /// (communities or streets), and the levels above that they do not agree on are left empty.
    pub ambiguous: Vec<PlaceRef>,
}

impl Place {
    fn nothing() -> Self {
        Self { district: None, street: None, community: None, confidence: 0.0, span: None, ambiguous: Vec::new() }
    }
}

/// A unit a piece of the text may name: the unit, the byte span, and the strength of the name used.
type Mention = (UnitId, (usize, usize), u8);

/// The searchable index of a city's territorial units.
pub struct Gazetteer {
    automaton: AhoCorasick,
    /// Pattern index → the units that name stands for.
    entries: Vec<Vec<Entry>>,
    nodes: HashMap<UnitId, Node>,
}

const COMMUNITY_SUFFIXES: [&str; 8] = ["社区居民委员会", "社区居委会", "村民委员会", "村委会", "居民委员会", "居委会", "委员会", "社区"];
/// Ethnic townships (于家务回族乡, 喇叭沟门满族乡) come before the plain "乡" they end with.
const STREET_SUFFIXES: [&str; 7] = ["街道办事处", "街道", "地区", "镇", "回族乡", "满族乡", "乡"];

/// The names people use for a unit besides its official one, each with whether it keeps a suffix
/// that says what kind of place it is.
pub fn spoken_names(name: &str, class: UnitClass) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = Vec::new();
    let long_enough = |s: &str, min: usize| s.chars().count() >= min;
    match class {
        UnitClass::District => {
            if let Some(base) = name.strip_suffix('区').filter(|b| long_enough(b, 2)) {
                out.push((base.to_owned(), false));
            }
        }
        UnitClass::Street => {
            for suffix in STREET_SUFFIXES {
                if let Some(base) = name.strip_suffix(suffix).filter(|b| long_enough(b, 2)) {
                    out.push((base.to_owned(), false));
                    if suffix == "地区" || suffix == "街道办事处" {
                        out.push((format!("{base}街道"), true));
                    } else if suffix.ends_with("族乡") {
                        out.push((format!("{base}乡"), true));
                    }
                    // A place split into halves by direction (天通苑北, 天通苑南) keeps its own name.
                    if let Some(place) = base.strip_suffix(['东', '南', '西', '北']).filter(|p| long_enough(p, 3)) {
                        out.push((place.to_owned(), false));
                    }
                    break;
                }
            }
        }
        UnitClass::Community => {
            for suffix in COMMUNITY_SUFFIXES {
                if let Some(base) = name.strip_suffix(suffix).filter(|b| long_enough(b, 2)) {
                    let village = suffix.starts_with('村');
                    out.push((format!("{base}{}", if village { "村" } else { "社区" }), true));
                    if base.ends_with('村') {
                        out.push((base.to_owned(), true));
                    } else if long_enough(base, 3) {
                        // A bare two-character name ("光明", "幸福") is an everyday word: only with its suffix.
                        out.push((base.to_owned(), false));
                    }
                    break;
                }
            }
        }
        _ => {}
    }
    out.retain(|(n, _)| n != name);
    out
}

/// The unit of `class` that `id` lies in (itself included), through the unit tree.
fn ancestor_in(nodes: &HashMap<UnitId, Node>, id: UnitId, class: UnitClass) -> Option<UnitId> {
    let mut cur = Some(id);
    while let Some(c) = cur {
        let node = nodes.get(&c)?;
        if node.class == class {
            return Some(c);
        }
        cur = node.parent;
    }
    None
}

impl Gazetteer {
    /// Indexes the districts, streets/townships and communities among `units`, and the shipped
    /// landmarks ([`landmarks::BEIJING`]) whose district and street are among them.
    pub fn new(units: &[Unit]) -> Self {
        Self::with_landmarks(units, &landmarks::parse(landmarks::BEIJING))
    }

    /// Indexes `units` and `landmarks`. A landmark stands for its street (else its district); one
    /// without a district is indexed as a name that decides no place. A landmark's name outranks a
    /// unit's bare short form that it happens to share (双井 the area, not a village called 双井).
    pub fn with_landmarks(units: &[Unit], landmarks: &[Landmark]) -> Self {
        let mut names: HashMap<String, Vec<Entry>> = HashMap::new();
        let mut nodes = HashMap::new();
        for u in units.iter().filter(|u| matches!(u.class, UnitClass::District | UnitClass::Street | UnitClass::Community)) {
            nodes.insert(u.id, Node { name: u.name.clone(), class: u.class, parent: u.parent });
            names.entry(u.name.clone()).or_default().push(Entry { unit: u.id, strength: 2 });
            for (n, suffixed) in spoken_names(&u.name, u.class) {
                names.entry(n).or_default().push(Entry { unit: u.id, strength: u8::from(suffixed) });
            }
        }
        let find = |name: &str, class: UnitClass, within: Option<UnitId>| {
            let official = names.get(name)?;
            official
                .iter()
                .filter(|e| e.strength == 2)
                .map(|e| e.unit)
                .find(|u| nodes.get(u).is_some_and(|n: &Node| n.class == class && (within.is_none() || n.parent == within)))
        };
        // Where each landmark lies, by the official names just indexed (another city's rows find
        // no district and are left out).
        let placed: Vec<(&Landmark, Option<UnitId>, Option<UnitId>)> = landmarks
            .iter()
            .filter_map(|l| {
                let district = l.district.as_deref().and_then(|d| find(d, UnitClass::District, None));
                if l.district.is_some() && district.is_none() {
                    return None;
                }
                Some((l, district, l.street.as_deref().and_then(|s| find(s, UnitClass::Street, district))))
            })
            .collect();
        for (l, district, street) in placed {
            for n in &l.names {
                let entries = names.entry(n.clone()).or_default();
                // A unit's own names stay what they are where they agree with the landmark's
                // district (知春里 the community, 天通苑 the two streets): they say more. A short
                // form of a unit elsewhere yields to the landmark everyone means (双井).
                let elsewhere = |e: &Entry| match district {
                    Some(d) => e.strength == 0 && ancestor_in(&nodes, e.unit, UnitClass::District) != Some(d),
                    None => false,
                };
                if !entries.iter().all(elsewhere) {
                    continue;
                }
                entries.clear();
                if let Some(unit) = street.or(district) {
                    entries.push(Entry { unit, strength: 1 });
                }
            }
        }
        let (patterns, entries): (Vec<String>, Vec<Vec<Entry>>) = names.into_iter().unzip();
        // Overlapping search needs the standard match kind; longer mentions win afterwards. English
        // names of landmarks match in any case.
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .ascii_case_insensitive(true)
            .build(&patterns)
            .expect("names build an automaton");
        Self { automaton, entries, nodes }
    }

    fn ancestor(&self, id: UnitId, class: UnitClass) -> Option<UnitId> {
        ancestor_in(&self.nodes, id, class)
    }

    fn place_ref(&self, id: UnitId) -> PlaceRef {
        PlaceRef { id, name: self.nodes.get(&id).map(|n| n.name.clone()).unwrap_or_default() }
    }

    /// Resolves the place an address or request text names.
    pub fn resolve(&self, text: &str) -> Place {
        fn dedup_ids(v: &[Mention]) -> Vec<UnitId> {
            let mut ids: Vec<UnitId> = v.iter().map(|c| c.0).collect();
            ids.sort();
            ids.dedup();
            ids
        }
        // Every mention, then only those no longer mention covers.
        let mut mentions: Vec<(usize, usize, usize)> =
            self.automaton.find_overlapping_iter(text).map(|m| (m.start(), m.end(), m.pattern().as_usize())).collect();
        mentions.sort_by_key(|&(s, e, _)| (s, std::cmp::Reverse(e)));
        let mut kept: Vec<(usize, usize, usize)> = Vec::new();
        for m in mentions {
            if !kept.iter().any(|k| k.0 <= m.0 && m.1 <= k.1 && (k.1 - k.0) > (m.1 - m.0)) {
                kept.push(m);
            }
        }
        // Candidates by level, each with its span and whether the official name was used.
        let mut by_class: HashMap<UnitClass, Vec<Mention>> = HashMap::new();
        for (s, e, p) in &kept {
            for entry in &self.entries[*p] {
                if let Some(node) = self.nodes.get(&entry.unit) {
                    by_class.entry(node.class).or_default().push((entry.unit, (*s, *e), entry.strength));
                }
            }
        }
        let districts: Vec<_> = by_class.remove(&UnitClass::District).unwrap_or_default();
        let mut streets: Vec<_> = by_class.remove(&UnitClass::Street).unwrap_or_default();
        let mut communities: Vec<_> = by_class.remove(&UnitClass::Community).unwrap_or_default();
        let district_ids: Vec<UnitId> = districts.iter().map(|d| d.0).collect();
        // The same words read as a unit and as a coarser unit that contains it ("海淀": 海淀区 and its
        // 海淀街道; "后沙峪": 后沙峪地区 and its 后沙峪村): the coarser reading is what is meant.
        let same_words_as = |cands: &mut Vec<Mention>, coarser: &[Mention], class: UnitClass| {
            cands.retain(|c| !coarser.iter().any(|o| o.1 == c.1 && self.ancestor(c.0, class) == Some(o.0)));
        };
        same_words_as(&mut streets, &districts, UnitClass::District);
        // Keep only what agrees with the levels above that the text mentions (if anything agrees).
        let narrow = |cands: &mut Vec<Mention>, ok: &dyn Fn(UnitId) -> bool| {
            if cands.iter().any(|c| ok(c.0)) {
                cands.retain(|c| ok(c.0));
            }
        };
        // A community name that is ambiguous and lies in none of the streets the text names
        // officially (望京街道…东大街: 东大街 is a community elsewhere) is a partial match of a road or
        // a building, not the place: the named street stands.
        let official = |v: &[Mention]| v.iter().any(|m| m.2 >= 2);
        if !district_ids.is_empty() {
            narrow(&mut streets, &|s| self.ancestor(s, UnitClass::District).is_some_and(|d| district_ids.contains(&d)));
        }
        let street_ids: Vec<UnitId> = streets.iter().map(|s| s.0).collect();
        if !street_ids.is_empty() {
            let in_named_street = |c: UnitId| self.ancestor(c, UnitClass::Street).is_some_and(|s| street_ids.contains(&s));
            let ambiguous = dedup_ids(&communities).len() > 1;
            if official(&streets) && ambiguous && !communities.iter().any(|c| in_named_street(c.0)) {
                communities.clear();
            }
            narrow(&mut communities, &in_named_street);
            same_words_as(&mut communities, &streets, UnitClass::Street);
        }
        if !district_ids.is_empty() {
            narrow(&mut communities, &|c| self.ancestor(c, UnitClass::District).is_some_and(|d| district_ids.contains(&d)));
        }
        // A community said only by a short form and lying in another district than the street or
        // district the text names (中关村南大街: 南大街 is a village in 怀柔) is part of a road's name,
        // not the place. (A neighbouring street of the same district is how people speak: 回龙观那边的
        // 龙泽苑.)
        let named_districts: Vec<UnitId> =
            district_ids.iter().copied().chain(street_ids.iter().filter_map(|s| self.ancestor(*s, UnitClass::District))).collect();
        let agrees = |c: UnitId| self.ancestor(c, UnitClass::District).is_some_and(|d| named_districts.contains(&d));
        if !named_districts.is_empty() && !official(&communities) && !communities.iter().any(|c| agrees(c.0)) {
            communities.clear();
        }
        let dedup = dedup_ids;
        let (level, cands) = if !communities.is_empty() {
            (UnitClass::Community, communities)
        } else if !streets.is_empty() {
            (UnitClass::Street, streets)
        } else if !districts.is_empty() {
            (UnitClass::District, districts)
        } else {
            return Place::nothing();
        };
        let ids = dedup(&cands);
        let span = cands.iter().map(|c| c.1).max_by_key(|(s, e)| (e - s, std::cmp::Reverse(*s)));
        let strength = cands.iter().map(|c| c.2).max().unwrap_or(0);
        // The levels above: set when every candidate agrees on them.
        let common = |class: UnitClass| {
            let mut up: Vec<Option<UnitId>> = ids.iter().map(|id| self.ancestor(*id, class)).collect();
            up.dedup();
            match up.as_slice() {
                [Some(one)] => Some(self.place_ref(*one)),
                _ => None,
            }
        };
        let mut place = Place {
            district: common(UnitClass::District),
            street: if level == UnitClass::District { None } else { common(UnitClass::Street) },
            community: if level == UnitClass::Community && ids.len() == 1 { Some(self.place_ref(ids[0])) } else { None },
            confidence: 0.0,
            span,
            ambiguous: if ids.len() > 1 { ids.iter().map(|id| self.place_ref(*id)).collect() } else { Vec::new() },
        };
        let mentioned_above = match level {
            UnitClass::Community => !street_ids.is_empty() || !district_ids.is_empty(),
            UnitClass::Street => !district_ids.is_empty(),
            _ => false,
        };
        place.confidence = if ids.len() > 1 {
            0.3
        } else {
            let base: f32 = [0.6, 0.8, 0.85][usize::from(strength.min(2))];
            base + if mentioned_above { 0.1 } else { 0.0 }
        };
        place
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(id: i64, name: &str, class: UnitClass, parent: Option<i64>) -> Unit {
        Unit { id: UnitId(id), code: id.to_string(), name: name.into(), class, parent: parent.map(UnitId) }
    }

    fn gazetteer() -> Gazetteer {
        Gazetteer::new(&[
            unit(1, "海淀区", UnitClass::District, None),
            unit(2, "朝阳区", UnitClass::District, None),
            unit(3, "西城区", UnitClass::District, None),
            unit(10, "中关村街道", UnitClass::Street, Some(1)),
            unit(11, "望京街道", UnitClass::Street, Some(2)),
            unit(12, "展览路街道", UnitClass::Street, Some(3)),
            unit(13, "回龙观地区", UnitClass::Street, Some(1)),
            unit(100, "知春里西社区居委会", UnitClass::Community, Some(10)),
            unit(101, "花园社区居委会", UnitClass::Community, Some(11)),
            unit(102, "花园社区居委会", UnitClass::Community, Some(12)),
            unit(103, "南湖东园社区居委会", UnitClass::Community, Some(11)),
            unit(104, "东坝村委会", UnitClass::Community, Some(11)),
        ])
    }

    #[test]
    fn a_formal_address_resolves_every_level_with_its_span() {
        let text = "市民来电反映：海淀区中关村街道知春里西社区8号楼门口长期有车辆乱停。";
        let p = gazetteer().resolve(text);
        assert_eq!(p.district.map(|d| d.name), Some("海淀区".into()));
        assert_eq!(p.street.map(|s| s.name), Some("中关村街道".into()));
        assert_eq!(p.community.map(|c| c.name), Some("知春里西社区居委会".into()));
        let (s, e) = p.span.expect("a span");
        assert_eq!(&text[s..e], "知春里西社区");
        assert!(p.confidence > 0.8);
    }

    #[test]
    fn short_forms_without_suffixes_resolve() {
        let g = gazetteer();
        assert_eq!(g.resolve("望京这边南湖东园小区停车难").community.map(|c| c.name), Some("南湖东园社区居委会".into()));
        assert_eq!(g.resolve("我住回龙观，暖气不热").street.map(|c| c.name), Some("回龙观地区".into()));
        assert_eq!(g.resolve("东坝村的路坏了").community.map(|c| c.name), Some("东坝村委会".into()));
    }

    #[test]
    fn a_shared_name_is_ambiguous_unless_the_text_tells_which() {
        let g = gazetteer();
        let p = g.resolve("花园社区垃圾没人清运");
        assert_eq!(p.community, None);
        assert_eq!(p.district, None);
        assert_eq!(p.ambiguous.len(), 2);
        let p = g.resolve("朝阳区花园社区垃圾没人清运");
        assert_eq!(p.community.map(|c| c.id), Some(UnitId(101)));
        assert!(p.ambiguous.is_empty());
    }

    #[test]
    fn text_without_a_place_resolves_to_nothing() {
        assert_eq!(gazetteer().resolve("请问社保卡怎么补办"), Place::nothing());
    }
}
