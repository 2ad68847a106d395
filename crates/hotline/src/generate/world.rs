//! The world requests are drawn from: Beijing's shipped units and category tree, the rhythm of the
//! year, the week and the day, and a small deterministic random generator.

use std::collections::HashMap;

use anyhow::bail;
use hotline_domain::UnitClass;

pub(super) const BEIJING_OFFSET: i64 = 8 * 3600;
/// Relative volume by Beijing hour of day: peaks 9–11 h and 14–16 h.
pub(super) const HOURLY: [u32; 24] = [3, 2, 1, 1, 1, 2, 4, 9, 15, 22, 24, 20, 12, 11, 21, 23, 20, 14, 10, 9, 8, 6, 5, 4];
/// First-level weights, after domain.md §10.1 (2020 volumes, 万件) with the rest estimated.
pub(super) const FIRST_LEVEL_WEIGHTS: [(&str, u32); 20] = [
    ("MKT", 98),
    ("UTL", 38),
    ("TRN", 26),
    ("HOU", 36),
    ("PRP", 30),
    ("HLT", 60),
    ("CON", 55),
    ("TRF", 47),
    ("ORD", 46),
    ("LAB", 36),
    ("EDU", 35),
    ("ENV", 28),
    ("CTY", 34),
    ("CIV", 22),
    ("AGR", 5),
    ("CUL", 6),
    ("GOV", 25),
    ("POS", 18),
    ("EMG", 8),
    ("OTH", 8),
];
/// Natures and their shares (per mille).
pub(super) const NATURES: [(&str, u32); 6] =
    [("consult", 450), ("complaint", 250), ("help", 180), ("report", 70), ("suggestion", 30), ("praise", 20)];
pub(super) const DISTRICTS_EN: [(&str, &str); 16] = [
    ("东城区", "Dongcheng"),
    ("西城区", "Xicheng"),
    ("朝阳区", "Chaoyang"),
    ("丰台区", "Fengtai"),
    ("石景山区", "Shijingshan"),
    ("海淀区", "Haidian"),
    ("门头沟区", "Mentougou"),
    ("房山区", "Fangshan"),
    ("通州区", "Tongzhou"),
    ("顺义区", "Shunyi"),
    ("昌平区", "Changping"),
    ("大兴区", "Daxing"),
    ("怀柔区", "Huairou"),
    ("平谷区", "Pinggu"),
    ("密云区", "Miyun"),
    ("延庆区", "Yanqing"),
];
pub(super) const SURGE_LEAVES: [&str; 6] = [
    "EMG/flooding/storm",
    "EMG/flooding/basement",
    "EMG/flooding/sewage",
    "CTY/waterlogging/road",
    "CTY/waterlogging/underpass",
    "CTY/waterlogging/compound",
];

/// A small deterministic generator (xorshift64*), shared with the demo world.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        // splitmix64 so that neighbouring seeds give unrelated streams, never zero.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (((self.next() >> 32) * n.max(1) as u64) >> 32) as usize
    }
    /// True with probability `per_mille`/1000.
    pub(crate) fn chance(&mut self, per_mille: u32) -> bool {
        self.below(1000) < per_mille as usize
    }
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Index into cumulative weights.
pub(super) fn weighted(rng: &mut Rng, cumulative: &[u64]) -> usize {
    let total = *cumulative.last().unwrap_or(&1);
    let x = rng.next() % total.max(1);
    cumulative.partition_point(|&c| c <= x)
}

pub(super) fn cumulate(weights: impl IntoIterator<Item = u64>) -> Vec<u64> {
    let mut sum = 0;
    weights
        .into_iter()
        .map(|w| {
            sum += w;
            sum
        })
        .collect()
}

pub(super) struct Leaf {
    pub(super) path: Vec<String>,
    pub(super) description: String,
    pub(super) keywords: Vec<String>,
    pub(super) keywords_en: Vec<String>,
    pub(super) urgency: String,
}

pub(super) struct Gazetteer {
    pub(super) districts: Vec<String>,
    /// Unit codes of the districts and streets, by index.
    pub(super) district_codes: Vec<String>,
    pub(super) street_codes: Vec<String>,
    /// (name, short form, district index)
    pub(super) streets: Vec<(String, String, usize)>,
    /// (name, short form, street index)
    pub(super) communities: Vec<(String, String, usize)>,
}

pub(super) fn short_street(name: &str) -> String {
    for suffix in ["街道", "地区", "镇", "乡"] {
        if let Some(s) = name.strip_suffix(suffix)
            && s.chars().count() >= 2
        {
            return s.to_owned();
        }
    }
    name.to_owned()
}

pub(super) fn short_community(name: &str) -> String {
    for suffix in ["社区居民委员会", "社区居委会", "居民委员会", "居委会", "村民委员会", "村委会", "委员会"]
    {
        if let Some(s) = name.strip_suffix(suffix)
            && !s.is_empty()
        {
            return match suffix {
                "社区居民委员会" | "社区居委会" => format!("{s}社区"),
                "村民委员会" | "村委会" if !s.ends_with('村') => format!("{s}村"),
                _ => s.to_owned(),
            };
        }
    }
    name.to_owned()
}

pub(super) fn gazetteer() -> anyhow::Result<Gazetteer> {
    let units = crate::seed::shipped_units()?;
    let mut g = Gazetteer {
        districts: Vec::new(),
        district_codes: Vec::new(),
        street_codes: Vec::new(),
        streets: Vec::new(),
        communities: Vec::new(),
    };
    let mut district_of = HashMap::new();
    let mut street_of = HashMap::new();
    for u in units.iter().filter(|u| u.class == UnitClass::District) {
        district_of.insert(u.id, g.districts.len());
        g.districts.push(u.name.clone());
        g.district_codes.push(u.code.clone());
    }
    for u in units.iter().filter(|u| u.class == UnitClass::Street) {
        if let Some(&d) = u.parent.and_then(|p| district_of.get(&p)) {
            street_of.insert(u.id, g.streets.len());
            g.streets.push((u.name.clone(), short_street(&u.name), d));
            g.street_codes.push(u.code.clone());
        }
    }
    for u in units.iter().filter(|u| u.class == UnitClass::Community) {
        if let Some(&s) = u.parent.and_then(|p| street_of.get(&p)) {
            g.communities.push((u.name.clone(), short_community(&u.name), s));
        }
    }
    if g.communities.is_empty() {
        bail!("the shipped units have no communities");
    }
    Ok(g)
}

pub(super) fn leaves() -> anyhow::Result<Vec<Leaf>> {
    let cats = hotline_app::reference::categories_from_csv(crate::seed::CATEGORIES)?;
    let mut out = Vec::new();
    for c in &cats {
        let prefix = format!("{}/", c.code);
        if cats.iter().any(|o| o.code.starts_with(&prefix)) {
            continue;
        }
        let parts: Vec<&str> = c.code.split('/').collect();
        let path = (1..=parts.len()).map(|n| parts[..n].join("/")).collect();
        out.push(Leaf {
            path,
            description: c.description.clone(),
            // Chinese keywords for Chinese text, English ones (and the English name) for English text.
            keywords: c.keywords.iter().filter(|k| !k.is_ascii()).cloned().collect(),
            keywords_en: c.keywords.iter().filter(|k| k.is_ascii()).cloned().chain(std::iter::once(c.name_en.to_lowercase())).collect(),
            urgency: c.default_urgency.clone(),
        });
    }
    Ok(out)
}

/// 0: heating season (Nov–Mar), 1: summer rains (Jul–Aug), 2: the rest.
pub(super) fn season(month: u32) -> usize {
    match month {
        11 | 12 | 1 | 2 | 3 => 0,
        7 | 8 => 1,
        _ => 2,
    }
}

pub(super) fn leaf_weight(leaf: &Leaf, season: usize) -> f64 {
    let code = leaf.path.last().map_or("", String::as_str);
    let heating = code.starts_with("UTL/heating") || code.starts_with("UTL/clean_heating");
    let rain = code.starts_with("CTY/waterlogging") || code.starts_with("EMG/flooding/storm") || code.starts_with("EMG/flooding/basement");
    match season {
        0 if heating => 8.0,
        0 if rain => 0.2,
        1 if rain => 10.0,
        1 | 2 if heating => 0.25,
        _ => 1.0,
    }
}

/// Days since 1970-01-01 → (year, month, day).
pub(super) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

pub(super) fn rfc3339(secs: i64, out: &mut String) {
    use std::fmt::Write as _;
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    out.clear();
    let _ = write!(out, "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", s / 3600, s / 60 % 60, s % 60);
}
