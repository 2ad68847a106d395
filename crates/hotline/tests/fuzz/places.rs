//! Place resolution against the shipped gazetteer (Beijing's 16 districts, 349 streets/townships,
//! 7,535 communities and the landmark table), loaded as `tests/places.rs` loads it: any text
//! resolves without panicking to units of the gazetteer that agree with each other, with a span on
//! character boundaries of the text; a unit's own name, amid text that names nothing, resolves to
//! it (or to a set of places that includes it).

use std::collections::HashMap;
use std::sync::LazyLock;

use hotline_domain::{Unit, UnitClass, UnitId};
use hotline_places::{Gazetteer, Place, PlaceRef};
use proptest::prelude::*;

use crate::common::{NASTY, corpus, nasty_text, run, text};

static UNITS: LazyLock<Vec<Unit>> = LazyLock::new(|| hotline::seed::shipped_units().expect("the shipped units load"));
static BY_ID: LazyLock<HashMap<UnitId, &'static Unit>> = LazyLock::new(|| UNITS.iter().map(|u| (u.id, u)).collect());
static GAZETTEER: LazyLock<Gazetteer> = LazyLock::new(|| Gazetteer::new(&UNITS));

/// The places people name: districts, streets/townships and communities.
static PLACES: LazyLock<Vec<&'static Unit>> =
    LazyLock::new(|| UNITS.iter().filter(|u| matches!(u.class, UnitClass::District | UnitClass::Street | UnitClass::Community)).collect());

/// The unit of `class` that `id` lies in (itself included).
fn ancestor(id: UnitId, class: UnitClass) -> Option<UnitId> {
    let mut cur = BY_ID.get(&id).copied();
    while let Some(u) = cur {
        if u.class == class {
            return Some(u.id);
        }
        cur = u.parent.and_then(|p| BY_ID.get(&p).copied());
    }
    None
}

/// A place named in an answer is a unit of the gazetteer, of the class it is given as, by its
/// official name.
fn check_ref(text: &str, what: &str, r: &PlaceRef, classes: &[UnitClass]) -> Result<(), TestCaseError> {
    let Some(u) = BY_ID.get(&r.id) else { return Err(TestCaseError::fail(format!("{what} {r:?} is no shipped unit ({text:?})"))) };
    prop_assert_eq!(&u.name, &r.name, "{} of {:?}", what, text);
    prop_assert!(classes.contains(&u.class), "{what} {r:?} is a {:?} ({text:?})", u.class);
    Ok(())
}

/// The properties of one resolution.
fn check(text: &str) -> Result<Place, TestCaseError> {
    let p = GAZETTEER.resolve(text);
    prop_assert!(p.confidence.is_finite() && (0.0..=1.0).contains(&p.confidence), "confidence {} for {text:?}", p.confidence);
    if let Some(d) = &p.district {
        check_ref(text, "district", d, &[UnitClass::District])?;
    }
    if let Some(s) = &p.street {
        check_ref(text, "street", s, &[UnitClass::Street])?;
        if let Some(d) = &p.district {
            prop_assert_eq!(ancestor(s.id, UnitClass::District), Some(d.id), "street outside its district for {:?}", text);
        }
    }
    if let Some(c) = &p.community {
        check_ref(text, "community", c, &[UnitClass::Community])?;
        if let Some(s) = &p.street {
            prop_assert_eq!(ancestor(c.id, UnitClass::Street), Some(s.id), "community outside its street for {:?}", text);
        }
        if let Some(d) = &p.district {
            prop_assert_eq!(ancestor(c.id, UnitClass::District), Some(d.id), "community outside its district for {:?}", text);
        }
        prop_assert!(p.ambiguous.is_empty(), "a community and alternatives for {text:?}");
    }
    for a in &p.ambiguous {
        check_ref(text, "alternative", a, &[UnitClass::District, UnitClass::Street, UnitClass::Community])?;
    }
    prop_assert!(p.ambiguous.len() != 1, "one alternative is no ambiguity ({text:?})");
    let nothing = p.district.is_none() && p.street.is_none() && p.community.is_none() && p.ambiguous.is_empty();
    match p.span {
        Some((s, e)) => {
            prop_assert!(!nothing, "a span without a place for {text:?}");
            prop_assert!(s < e && e <= text.len() && text.is_char_boundary(s) && text.is_char_boundary(e), "span {s}..{e} of {text:?}");
        }
        None => prop_assert!(nothing, "a place without a span for {text:?}"),
    }
    Ok(p)
}

/// Text that names no place: no Chinese characters (every name has some) and no Latin letters
/// (landmarks have English names).
fn filler() -> impl Strategy<Value = String> {
    let ranges = [
        '\0'..='\u{7f}',
        '\u{80}'..='\u{ff}',
        '\u{2000}'..='\u{206f}',
        '\u{3000}'..='\u{303f}',
        '\u{ff00}'..='\u{ff65}',
        '\u{1f300}'..='\u{1faff}',
    ];
    let chars: Vec<char> = ranges.into_iter().flatten().chain(NASTY.chars()).filter(|c| !c.is_alphabetic()).collect();
    prop::collection::vec(prop::sample::select(chars), 0..12).prop_map(|v| v.into_iter().collect())
}

#[test]
fn the_corpus_of_addresses_resolves_to_shipped_units() {
    for (name, bytes) in corpus("places") {
        let t = text(&bytes);
        let p = check(&t).unwrap_or_else(|e| panic!("corpus {name}: {e}"));
        assert_eq!(GAZETTEER.resolve(&t), p, "corpus {name}: not the same twice");
    }
}

#[test]
fn any_text_resolves_to_shipped_units_that_agree() {
    run(512, nasty_text(200), |t| check(&t).map(|_| ()));
}

#[test]
fn text_built_from_place_names_resolves_to_shipped_units_that_agree() {
    // Names of random places glued together with arbitrary text: the reconciliation between levels
    // is what runs.
    let piece = prop_oneof![
        2 => prop::sample::select(PLACES.clone()).prop_map(|u| u.name.clone()),
        2 => prop::sample::select(PLACES.clone()).prop_map(|u| {
            hotline_places::spoken_names(&u.name, u.class).into_iter().next().map_or_else(|| u.name.clone(), |(n, _)| n)
        }),
        1 => nasty_text(6),
    ];
    run(512, prop::collection::vec(piece, 0..6), |pieces| check(&pieces.concat()).map(|_| ()));
}

#[test]
fn a_units_own_name_amid_text_naming_nothing_resolves_to_it() {
    run(512, (filler(), prop::sample::select(PLACES.clone()), filler()), |(before, u, after)| {
        let t = format!("{before}{}{after}", u.name);
        let p = check(&t)?;
        let found = match u.class {
            UnitClass::District => p.district.as_ref().map(|d| d.id) == Some(u.id),
            UnitClass::Street => p.street.as_ref().map(|s| s.id) == Some(u.id),
            _ => p.community.as_ref().map(|c| c.id) == Some(u.id),
        };
        prop_assert!(found || p.ambiguous.iter().any(|a| a.id == u.id), "{:?} ({:?}) resolves to {p:?}", u.name, u.class);
        Ok(())
    });
}
