//! Coordinates → district by the district boundary polygons (GeoJSON). Sixteen polygons of a few
//! hundred points each: an even–odd ray test over each ring is exact enough for simplified
//! boundaries and needs no geometry library.

use hotline_domain::UnitId;

/// A polygon: its outer ring followed by its holes, each a list of (lng, lat).
pub type Polygon = Vec<Vec<(f64, f64)>>;

/// One district's boundary.
struct Boundary {
    unit: UnitId,
    polygons: Vec<Polygon>,
}

/// The districts of a city by boundary.
pub struct DistrictMap {
    boundaries: Vec<Boundary>,
}

/// Whether `p` lies inside `ring` (even–odd rule).
fn in_ring(ring: &[(f64, f64)], (x, y): (f64, f64)) -> bool {
    let mut inside = false;
    let mut j = ring.len().wrapping_sub(1);
    for i in 0..ring.len() {
        let (xi, yi) = ring[i];
        let (xj, yj) = ring[j];
        if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        j = i;
    }
    inside
}

fn ring(v: &serde_json::Value) -> Option<Vec<(f64, f64)>> {
    v.as_array()?.iter().map(|p| Some((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?))).collect()
}

fn polygon(v: &serde_json::Value) -> Option<Vec<Vec<(f64, f64)>>> {
    v.as_array()?.iter().map(ring).collect()
}

impl DistrictMap {
    /// Reads a GeoJSON FeatureCollection whose features carry the district `code` in their
    /// properties; `unit_of` maps a code to the unit (features of unknown codes are skipped).
    pub fn from_geojson(text: &str, unit_of: impl Fn(&str) -> Option<UnitId>) -> Result<Self, String> {
        let doc: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("district polygons are not JSON: {e}"))?;
        let features = doc.get("features").and_then(|f| f.as_array()).ok_or("district polygons have no features")?;
        let mut boundaries = Vec::new();
        for f in features {
            let code =
                f.pointer("/properties/code").and_then(|c| c.as_str().map(str::to_owned).or_else(|| c.as_i64().map(|n| n.to_string())));
            let Some(unit) = code.as_deref().and_then(&unit_of) else { continue };
            let geometry = f.get("geometry").ok_or("a feature has no geometry")?;
            let coords = geometry.get("coordinates").ok_or("a geometry has no coordinates")?;
            let polygons = match geometry.get("type").and_then(|t| t.as_str()) {
                Some("Polygon") => vec![polygon(coords).ok_or("a malformed polygon")?],
                Some("MultiPolygon") => coords
                    .as_array()
                    .ok_or("a malformed multipolygon")?
                    .iter()
                    .map(polygon)
                    .collect::<Option<Vec<_>>>()
                    .ok_or("a malformed multipolygon")?,
                other => return Err(format!("unsupported geometry {other:?}")),
            };
            boundaries.push(Boundary { unit, polygons });
        }
        Ok(Self { boundaries })
    }

    /// The district containing the point, if any.
    pub fn locate(&self, lng: f64, lat: f64) -> Option<UnitId> {
        let p = (lng, lat);
        self.boundaries
            .iter()
            .find(|b| {
                b.polygons
                    .iter()
                    .any(|rings| rings.first().is_some_and(|outer| in_ring(outer, p)) && !rings[1..].iter().any(|hole| in_ring(hole, p)))
            })
            .map(|b| b.unit)
    }

    pub fn len(&self) -> usize {
        self.boundaries.len()
    }

    /// Each district's polygons (outer ring, then holes), for drawing a map.
    pub fn outlines(&self) -> impl Iterator<Item = (UnitId, &[Polygon])> {
        self.boundaries.iter().map(|b| (b.unit, b.polygons.as_slice()))
    }

    pub fn is_empty(&self) -> bool {
        self.boundaries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQUARE_WITH_HOLE: &str = r#"{"type":"FeatureCollection","features":[
        {"properties":{"code":"1"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[4,4],[6,4],[6,6],[4,6],[4,4]]]}},
        {"properties":{"code":"2"},"geometry":{"type":"MultiPolygon","coordinates":[[[[20,0],[30,0],[30,10],[20,10],[20,0]]],[[[40,0],[50,0],[50,10],[40,10],[40,0]]]]}}]}"#;

    #[test]
    fn points_fall_in_the_right_polygon_and_not_in_holes() {
        let map = DistrictMap::from_geojson(SQUARE_WITH_HOLE, |c| c.parse().ok().map(UnitId)).expect("parses");
        assert_eq!(map.locate(1.0, 1.0), Some(UnitId(1)));
        assert_eq!(map.locate(5.0, 5.0), None, "inside the hole");
        assert_eq!(map.locate(45.0, 5.0), Some(UnitId(2)), "second part of a multipolygon");
        assert_eq!(map.locate(35.0, 5.0), None);
    }

    #[test]
    fn malformed_geojson_is_an_error_not_a_panic() {
        assert!(DistrictMap::from_geojson("{", |_| None).is_err());
        assert!(
            DistrictMap::from_geojson(
                r#"{"features":[{"properties":{"code":"1"},"geometry":{"type":"Polygon","coordinates":[[["x",0]]]}}]}"#,
                |_| Some(UnitId(1))
            )
            .is_err()
        );
    }
}
