//! Landmarks people name instead of an address — subway stations, hospitals, malls, parks,
//! universities, well-known areas, roads — with the district and street they lie in. The table
//! (`data/landmarks.csv`, provenance and method in `data/LANDMARKS.md`) cites a source for every row.
//! A landmark that spans several districts (a ring road, an expressway, Chang'an Avenue) has no
//! district: it is still indexed, so that its name is read as a place that decides nothing, not as
//! a community whose name it happens to contain.

/// The shipped Beijing table.
pub const BEIJING: &str = include_str!("../data/landmarks.csv");

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Landmark {
    /// The name and its aliases.
    pub names: Vec<String>,
    pub kind: String,
    pub district: Option<String>,
    pub street: Option<String>,
}

/// Parses the table (`name,aliases,kind,district,street,source`; aliases separated by `|`; no
/// quoting: the table has no commas inside fields). Malformed rows are skipped.
pub fn parse(csv: &str) -> Vec<Landmark> {
    let present = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    csv.lines()
        .skip(1)
        .filter_map(|line| {
            let cols: Vec<&str> = line.split(',').collect();
            let [name, aliases, kind, district, street, _source] = cols.as_slice() else { return None };
            let mut names = vec![name.trim().to_owned()];
            names.extend(aliases.split('|').filter_map(present));
            names.retain(|n| n.chars().count() >= 2);
            (!names.is_empty()).then(|| Landmark {
                names,
                kind: kind.trim().to_owned(),
                district: present(district),
                street: present(street),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_table_parses_with_every_row() {
        let rows = parse(BEIJING);
        assert_eq!(rows.len(), BEIJING.lines().count() - 1, "every row parses");
        let guomao = rows.iter().find(|l| l.names.iter().any(|n| n == "国贸")).expect("国贸");
        assert_eq!(guomao.district.as_deref(), Some("朝阳区"));
        assert!(rows.iter().any(|l| l.kind == "ring_road" && l.district.is_none()), "ring roads decide no district");
    }
}
