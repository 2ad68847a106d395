//! `hotline bench candidates`: the 每月一题 ranking on a generated city with planted chronic
//! problems, at Beijing's scale (about 70,000 calls a day over the shipped 16 districts, 349 streets
//! and 444 categories, 14 months), written straight into the analytics read model.
//!
//! The city has street sizes that vary about tenfold, a skewed category mix with heating six times
//! its usual share in winter and drainage twice in the flood season, ±8% swings between days and
//! quieter weekends. Every street's calls come from its communities (four in five placed in one).
//! Into it are planted:
//!
//! - **chronic problems** (the truth): a street × second-level category running 1.8–3.5 times its
//!   usual calls (`--ratio-from`, `--ratio-to`) for 8–12 of the 12 months ending with the month
//!   ranked, the extra calls with more repeat callers (35% against 10%), half of them from one
//!   compound, poorer callbacks (30% dissatisfied, 25% unresolved) and handed between more units;
//!
//! and distractors that must not rank:
//!
//! - **one-month bursts**: a street × category at five times its usual calls in the month ranked
//!   only;
//! - **big streets**: six times the calls of an average street, with the city's mix;
//! - **ended problems**: three times the usual calls for six months, over half a year before;
//! - **tiny chronic problems**: three extra calls a month for a year about something the street
//!   otherwise hardly calls about;
//! - **heating in winter** everywhere (the month ranked is February).
//!
//! It reports the precision of the top 10 against the planted problems (a candidate counts when it
//! names a planted street and a category at or under the planted one; a second candidate for the
//! same planted problem counts as a miss), the recall of the top 10, every planted problem's rank,
//! the distractors' best ranks and the time of the ranking pass (two scans of the read model).

use std::time::Instant;

use chrono::{Datelike, NaiveDate, Weekday};
use hotline_analytics::candidates::{self, Candidate, Settings};
use hotline_analytics::codes::{self, code, status};
use hotline_analytics::store::Row;
use hotline_analytics::{Catalog, FactStore};
use hotline_domain::{State, UnitClass};

use super::analytics::catalog;
use super::early_warning::{Rng, category_mix, cumulative, seasonal};

const BEIJING: i32 = 480;

/// `[heating, flood, other]` multipliers of a category's calls.
fn regime(d: NaiveDate) -> usize {
    hotline_analytics::warning::Regime::of(d) as usize
}

fn l2_of(path: &str) -> String {
    path.split('/').take(2).collect::<Vec<_>>().join("/")
}

/// A generated street: its unit, district, share of the city's calls, communities (dictionary
/// indexes and cumulative sizes) and its own dictionary index.
struct Street {
    id: i64,
    district: i64,
    share: f64,
    place: u16,
    handler: u16,
    communities: Vec<u16>,
    community_ids: Vec<i64>,
    community_w: Vec<f64>,
}

struct City {
    streets: Vec<Street>,
    street_w: Vec<f64>,
    leaves: Vec<String>,
    leaf_dict: Vec<u16>,
    /// Per regime: cumulative leaf weights and each leaf's share.
    leaf_w: [Vec<f64>; 3],
    leaf_share: [Vec<f64>; 3],
    regime_volume: [f64; 3],
    /// Per leaf: the department or utility that handles it when the street does not.
    leaf_unit: Vec<u16>,
    other_units: Vec<u16>,
}

/// What a planted street × category does: its calls are `ratio` times usual in the months
/// (indexes into the 14 generated months) listed.
#[derive(Debug, Clone)]
struct Plant {
    kind: Kind,
    street: usize,
    /// Second-level path.
    category: String,
    ratio: f64,
    /// Extra calls a month instead of a ratio (tiny problems).
    extra_per_month: f64,
    months: Vec<usize>,
    compound: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Chronic,
    Burst,
    Ended,
    Tiny,
}

impl City {
    fn new(rng: &mut Rng, store: &FactStore) -> anyhow::Result<(Self, Catalog)> {
        let (catalog, units, leaves) = catalog()?;
        let departments: Vec<i64> =
            units.iter().filter(|u| matches!(u.class, UnitClass::Department | UnitClass::Utility)).map(|u| u.id.0).collect();
        anyhow::ensure!(!departments.is_empty(), "the shipped units have no departments");
        let mut d = store.dicts_mut();
        let mut streets = Vec::new();
        for u in units.iter().filter(|u| u.class == UnitClass::Street) {
            let Some(district) = u.parent.filter(|p| units.iter().any(|d| d.id == *p && d.class == UnitClass::District)) else { continue };
            let communities: Vec<&hotline_domain::Unit> =
                units.iter().filter(|c| c.class == UnitClass::Community && c.parent == Some(u.id)).collect();
            let sizes: Vec<f64> = communities.iter().map(|_| (rng.normal() * 0.5).exp()).collect();
            streets.push(Street {
                id: u.id.0,
                district: district.0,
                share: (rng.normal() * 0.6).exp(),
                place: d.place.intern(&u.id.0.to_string())?,
                handler: d.handler.intern(&format!("u{}", u.id.0))?,
                communities: communities.iter().map(|c| d.place.intern(&c.id.0.to_string())).collect::<hotline_analytics::Result<_>>()?,
                community_ids: communities.iter().map(|c| c.id.0).collect(),
                community_w: cumulative(sizes.into_iter()),
            });
        }
        anyhow::ensure!(streets.len() > 20, "the shipped units have too few streets");
        let leaf_dict: Vec<u16> = leaves.iter().map(|c| d.category.intern(c)).collect::<hotline_analytics::Result<_>>()?;
        let dept_handlers: Vec<u16> =
            departments.iter().map(|id| d.handler.intern(&format!("u{id}"))).collect::<hotline_analytics::Result<_>>()?;
        drop(d);
        // Street sizes about tenfold apart; the shares are set once the big streets are chosen.
        let total: f64 = streets.iter().map(|s| s.share).sum();
        for s in &mut streets {
            s.share /= total;
        }
        let (leaf_w, leaf_share, regime_volume) = category_mix(rng, &leaves);
        let leaf_unit = leaves
            .iter()
            .map(|c| {
                let h = c.split('/').next().unwrap_or("").bytes().fold(7usize, |h, b| h.wrapping_mul(31).wrapping_add(usize::from(b)));
                dept_handlers[h % dept_handlers.len()]
            })
            .collect();
        let city = Self {
            street_w: cumulative(streets.iter().map(|s| s.share)),
            streets,
            leaves,
            leaf_dict,
            leaf_w,
            leaf_share,
            regime_volume,
            leaf_unit,
            other_units: dept_handlers,
        };
        Ok((city, catalog))
    }

    fn resize(&mut self, street: usize, factor: f64) {
        self.streets[street].share *= factor;
        let total: f64 = self.streets.iter().map(|s| s.share).sum();
        for s in &mut self.streets {
            s.share /= total;
        }
        self.street_w = cumulative(self.streets.iter().map(|s| s.share));
    }

    /// A second-level category's share of the city's calls in a regime.
    fn l2_share(&self, l2: &str, r: usize) -> f64 {
        self.leaves.iter().zip(&self.leaf_share[r]).filter(|(c, _)| l2_of(c) == l2).map(|(_, s)| s).sum()
    }

    fn leaves_under(&self, l2: &str, r: usize) -> (Vec<usize>, Vec<f64>) {
        let idx: Vec<usize> = (0..self.leaves.len()).filter(|i| l2_of(&self.leaves[*i]) == l2).collect();
        let w = cumulative(idx.iter().map(|i| self.leaf_share[r][*i].max(1e-9)));
        (idx, w)
    }
}

/// Quality of a call: repeat caller, dissatisfied, unresolved (each a chance).
#[derive(Clone, Copy)]
struct Quality {
    repeat: f64,
    dissatisfied: f64,
    unresolved: f64,
}

const ORDINARY: Quality = Quality { repeat: 0.10, dissatisfied: 0.08, unresolved: 0.06 };
const CHRONIC: Quality = Quality { repeat: 0.35, dissatisfied: 0.30, unresolved: 0.25 };

fn row(rng: &mut Rng, city: &City, time: u32, leaf: usize, place: u16, handler: u16, q: Quality) -> Row {
    let mut codes_w = 0u16;
    code::NATURE.put(&mut codes_w, 2);
    code::REPEAT.put(&mut codes_w, u16::from(rng.chance(q.repeat)));
    let mut st = 0u16;
    status::STATE.put(&mut st, codes::position(State::ALL, &State::Closed));
    if rng.chance(0.6) {
        let r = rng.unit();
        status::RESOLUTION.put(
            &mut st,
            if r < q.unresolved {
                3
            } else if r < q.unresolved + 0.1 {
                2
            } else {
                1
            },
        );
        let s = rng.unit();
        status::SATISFACTION.put(
            &mut st,
            if s < q.dissatisfied {
                3
            } else if s < q.dissatisfied + 0.12 {
                2
            } else {
                1
            },
        );
        status::CONTACTED.put(&mut st, 1);
    }
    Row {
        time,
        place,
        category: city.leaf_dict[leaf],
        handler,
        codes: codes_w,
        status: st,
        dispatch: 60,
        contact: 100,
        reply: 300,
        end: 400,
    }
}

/// The generated months: January 2025 to February 2026 (the month ranked).
fn months() -> Vec<NaiveDate> {
    (0..14u32).filter_map(|i| NaiveDate::from_ymd_opt(2025, 1, 1)?.checked_add_months(chrono::Months::new(i))).collect()
}

fn month_index(d: NaiveDate) -> usize {
    usize::try_from((d.year() - 2025) * 12 + d.month0() as i32).unwrap_or(0)
}

/// Writes the city's calls, day by day, with the plants; answers how many.
fn generate(rng: &mut Rng, city: &City, plants: &[Plant], calls_per_day: f64, store: &FactStore) -> anyhow::Result<u64> {
    let ms = months();
    let (first, end) = (ms[0], ms[ms.len() - 1].checked_add_months(chrono::Months::new(1)).unwrap_or(ms[0]));
    let plant_leaves: Vec<[(Vec<usize>, Vec<f64>); 3]> =
        plants.iter().map(|p| [0, 1, 2].map(|r| city.leaves_under(&p.category, r))).collect();
    let plant_share: Vec<[f64; 3]> = plants.iter().map(|p| [0, 1, 2].map(|r| city.l2_share(&p.category, r))).collect();
    let mut written = 0u64;
    let mut rows = Vec::with_capacity(150_000);
    let mut day = first;
    while day < end {
        rows.clear();
        let r = regime(day);
        let m = month_index(day);
        let week = match day.weekday() {
            Weekday::Sat => 0.85,
            Weekday::Sun => 0.8,
            _ => 1.0,
        };
        let swing = (1.0 + 0.08 * rng.normal()).max(0.5);
        let mean = calls_per_day * city.regime_volume[r] * week * swing;
        let t0 = hotline_analytics::engine::time_at(day, BEIJING);
        let n = rng.poisson(mean);
        for _ in 0..n {
            let s = rng.pick(&city.street_w);
            let leaf = rng.pick(&city.leaf_w[r]);
            let street = &city.streets[s];
            let place = if !street.communities.is_empty() && rng.chance(0.8) {
                street.communities[rng.pick(&street.community_w)]
            } else {
                street.place
            };
            let handler = if rng.chance(0.7) { street.handler } else { city.leaf_unit[leaf] };
            let time = t0 + u32::try_from(rng.below(1440)).unwrap_or(0);
            rows.push(row(rng, city, time, leaf, place, handler, ORDINARY));
        }
        let days_in_month = f64::from(days_in(day));
        for (pi, p) in plants.iter().enumerate() {
            if !p.months.contains(&m) {
                continue;
            }
            let street = &city.streets[p.street];
            let extra = if p.kind == Kind::Tiny {
                p.extra_per_month / days_in_month
            } else {
                mean * street.share * plant_share[pi][r] * (p.ratio - 1.0)
            };
            let (idx, w) = &plant_leaves[pi][r];
            if idx.is_empty() {
                continue;
            }
            let chronic = p.kind == Kind::Chronic;
            for _ in 0..rng.poisson(extra) {
                let leaf = idx[rng.pick(w)];
                let place = if street.communities.is_empty() {
                    street.place
                } else if chronic && rng.chance(0.5) {
                    street.communities[p.compound]
                } else {
                    street.communities[rng.pick(&street.community_w)]
                };
                let handler = if chronic {
                    match rng.below(10) {
                        0..=3 => street.handler,
                        4..=6 => city.leaf_unit[leaf],
                        _ => city.other_units[rng.below(city.other_units.len())],
                    }
                } else {
                    street.handler
                };
                let time = t0 + u32::try_from(rng.below(1440)).unwrap_or(0);
                rows.push(row(rng, city, time, leaf, place, handler, if chronic { CHRONIC } else { ORDINARY }));
            }
        }
        rows.sort_unstable_by_key(|r| r.time);
        store.append(written, &rows)?;
        written += rows.len() as u64;
        day = day.succ_opt().unwrap_or(end);
    }
    store.checkpoint(&serde_json::json!({"bench": "candidates"}))?;
    Ok(written)
}

fn days_in(d: NaiveDate) -> u32 {
    let first = d.with_day(1).unwrap_or(d);
    let next = first.checked_add_months(chrono::Months::new(1)).unwrap_or(first);
    u32::try_from((next - first).num_days()).unwrap_or(30)
}

/// Which plant a candidate names (a street candidate at or under the plant's category).
fn matches(c: &Candidate, city: &City, p: &Plant) -> bool {
    c.street == Some(city.streets[p.street].id) && (c.category == p.category || c.category.starts_with(&format!("{}/", p.category)))
}

fn matches_family(c: &Candidate, city: &City, p: &Plant) -> bool {
    let street = &city.streets[p.street];
    c.district == street.district
        && (c.street.is_none() || c.street == Some(street.id))
        && (c.category.starts_with(&p.category) || p.category.starts_with(&c.category))
}

pub(super) fn candidates(calls_per_day: f64, planted: usize, ratios: (f64, f64), runs: usize, seed: u64) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("hotline-bench-candidates-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let result = run(&dir, calls_per_day, planted, ratios, runs, seed);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// `n` street × category cells in streets not yet taken, each usually with at least `min_month`
/// calls a month.
fn pick_cells(
    rng: &mut Rng,
    city: &City,
    taken: &mut Vec<usize>,
    l2s: &[String],
    n: usize,
    min_month: f64,
    per_day: f64,
) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut tries = 0;
    while out.len() < n && tries < 100_000 {
        tries += 1;
        let s = rng.below(city.streets.len());
        if taken.contains(&s) || city.streets[s].communities.is_empty() {
            continue;
        }
        let l2 = &l2s[rng.below(l2s.len())];
        let usual = per_day * 30.0 * city.streets[s].share * city.l2_share(l2, 2);
        if usual < min_month {
            continue;
        }
        taken.push(s);
        out.push((s, l2.clone()));
    }
    out
}

fn run(dir: &std::path::Path, calls_per_day: f64, planted: usize, ratios: (f64, f64), runs: usize, seed: u64) -> anyhow::Result<()> {
    let (store, _) = FactStore::open(dir)?;
    let mut rng = Rng::new(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let (mut city, catalog) = City::new(&mut rng, &store)?;
    let ms = months();
    let ranked_month = ms[ms.len() - 1];
    let last = ms.len() - 1;

    // Second-level categories that are not seasonal, with a share of 0.3–4% of the city's calls.
    let mut l2s: Vec<String> = city.leaves.iter().map(|c| l2_of(c)).collect();
    l2s.sort();
    l2s.dedup();
    let steady: Vec<String> = l2s
        .iter()
        .filter(|l| seasonal(l) == [1.0, 1.0, 1.0] && !l.starts_with("UTL/heating"))
        .filter(|l| (0.003..0.04).contains(&city.l2_share(l, 2)))
        .cloned()
        .collect();
    // The ten rarest for the tiny problems.
    let mut rare: Vec<String> = l2s.iter().filter(|l| seasonal(l) == [1.0, 1.0, 1.0]).cloned().collect();
    rare.sort_by(|a, b| city.l2_share(a, 2).total_cmp(&city.l2_share(b, 2)));
    rare.truncate(10);
    anyhow::ensure!(steady.len() >= 5 && !rare.is_empty(), "the category tree has too few steady categories");

    // Big streets first (their size changes every street's share).
    let mut taken = Vec::new();
    let mut big = Vec::new();
    while big.len() < 5 {
        let s = rng.below(city.streets.len());
        if !taken.contains(&s) {
            taken.push(s);
            big.push(s);
        }
    }
    let mean_share = 1.0 / city.streets.len() as f64;
    for s in &big {
        let f = 6.0 * mean_share / city.streets[*s].share;
        city.resize(*s, f);
    }

    let mut plants = Vec::new();
    for (s, l2) in pick_cells(&mut rng, &city, &mut taken, &steady, planted, 8.0, calls_per_day) {
        let months_on = 8 + rng.below(5);
        let compound = rng.below(city.streets[s].communities.len());
        plants.push(Plant {
            kind: Kind::Chronic,
            street: s,
            category: l2,
            ratio: ratios.0 + (ratios.1 - ratios.0) * rng.unit(),
            extra_per_month: 0.0,
            months: (last + 1 - months_on..=last).collect(),
            compound,
        });
    }
    for (s, l2) in pick_cells(&mut rng, &city, &mut taken, &steady, 10, 8.0, calls_per_day) {
        plants.push(Plant {
            kind: Kind::Burst,
            street: s,
            category: l2,
            ratio: 5.0,
            extra_per_month: 0.0,
            months: vec![last],
            compound: 0,
        });
    }
    for (s, l2) in pick_cells(&mut rng, &city, &mut taken, &steady, 5, 8.0, calls_per_day) {
        plants.push(Plant {
            kind: Kind::Ended,
            street: s,
            category: l2,
            ratio: 3.0,
            extra_per_month: 0.0,
            months: (1..7).collect(),
            compound: 0,
        });
    }
    for (s, l2) in pick_cells(&mut rng, &city, &mut taken, &rare, 5, 0.0, calls_per_day) {
        plants.push(Plant {
            kind: Kind::Tiny,
            street: s,
            category: l2,
            ratio: 1.0,
            extra_per_month: 3.0,
            months: (last - 11..=last).collect(),
            compound: 0,
        });
    }

    let started = Instant::now();
    let calls = generate(&mut rng, &city, &plants, calls_per_day, &store)?;
    println!(
        "city: {} streets, {} categories; {:.1} M calls over {}..{} ({calls_per_day:.0} a day), written in {:.1} s",
        city.streets.len(),
        city.leaves.len(),
        calls as f64 / 1e6,
        ms[0],
        ranked_month.checked_add_months(chrono::Months::new(1)).and_then(|d| d.pred_opt()).unwrap_or(ranked_month),
        started.elapsed().as_secs_f64()
    );
    let count = |k: Kind| plants.iter().filter(|p| p.kind == k).count();
    println!(
        "planted: {} chronic problems ({:.1}–{:.1}× for 8–12 months); distractors: {} one-month bursts (5×), {} big streets (6× an average street), {} ended problems (3× for six months, over half a year before), {} tiny chronic problems (+3 calls a month), heating in winter everywhere",
        count(Kind::Chronic),
        ratios.0,
        ratios.1,
        count(Kind::Burst),
        big.len(),
        count(Kind::Ended),
        count(Kind::Tiny)
    );

    let settings = Settings { limit: 10_000, ..Settings::default() };
    let mut times = Vec::new();
    let mut ranking = None;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        let r = candidates::rank(&store, &catalog, ranked_month, BEIJING, &settings, None)?;
        times.push(t.elapsed().as_secs_f64());
        ranking = Some(r);
    }
    let ranking = ranking.ok_or_else(|| anyhow::anyhow!("no ranking"))?;
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    println!(
        "ranking {}: {} cells with calls, {} persistently above expectation, {} candidates; pass {:.2} s median of {} (first {:.2} s, {:.0} M facts/s)",
        ranked_month.format("%Y-%m"),
        ranking.cells,
        ranking.qualified,
        ranking.candidates.len(),
        sorted[sorted.len() / 2],
        times.len(),
        times[0],
        calls as f64 / sorted[sorted.len() / 2] / 1e6
    );

    let chronic: Vec<&Plant> = plants.iter().filter(|p| p.kind == Kind::Chronic).collect();
    let mut found = vec![false; chronic.len()];
    let (mut hits, mut compounds) = (0, 0);
    println!("top 10:");
    for c in ranking.candidates.iter().take(10) {
        let which = chronic.iter().position(|p| matches(c, &city, p));
        let verdict = match which {
            Some(i) if !found[i] => {
                found[i] = true;
                hits += 1;
                let p = chronic[i];
                let compound = city.streets[p.street].community_ids[p.compound];
                if c.top_community.map(|(id, _)| id) == Some(compound) {
                    compounds += 1;
                    "planted, its compound named"
                } else {
                    "planted"
                }
            }
            Some(_) => "planted (again)",
            None => {
                let d = plants.iter().find(|p| matches_family(c, &city, p)).map(|p| p.kind);
                match d {
                    Some(Kind::Chronic) => "planted (district)",
                    Some(Kind::Burst) => "DISTRACTOR burst",
                    Some(Kind::Ended) => "DISTRACTOR ended",
                    Some(Kind::Tiny) => "DISTRACTOR tiny",
                    None if big.iter().any(|b| c.street == Some(city.streets[*b].id)) => "DISTRACTOR big street",
                    None if c.category.starts_with("UTL/heating") => "DISTRACTOR heating",
                    None => "other",
                }
            }
        };
        println!("  {:>2}  {:>5.1}  {:<48} {:>5} calls  {:>2}/12  {verdict}", c.rank, c.score, c.key, c.volume, c.months_persistent);
    }
    let next: Vec<String> = ranking.candidates.iter().skip(10).take(5).map(|c| format!("#{} {:.1} {}", c.rank, c.score, c.key)).collect();
    println!("next: {}", next.join("; "));
    let top = ranking.candidates.len().clamp(1, 10);
    println!(
        "precision@10 = {hits}/{top} = {:.2}; recall@10 = {hits}/{} = {:.2} (target: precision ≥ 0.9)",
        hits as f64 / top as f64,
        chronic.len(),
        hits as f64 / chronic.len().max(1) as f64
    );
    println!("of those found, the planted compound named as the top community: {compounds}/{hits}");
    let rank_of = |p: &Plant| ranking.candidates.iter().find(|c| matches(c, &city, p)).map(|c| c.rank);
    let ranks: Vec<String> = chronic
        .iter()
        .map(|p| {
            let usual = calls_per_day * 30.0 * city.streets[p.street].share * city.l2_share(&p.category, 2);
            format!(
                "{} ({:.1}× of ~{usual:.0}/month, {} months): {}",
                p.category,
                p.ratio,
                p.months.len(),
                rank_of(p).map_or_else(|| "not listed".to_owned(), |r| format!("#{r}"))
            )
        })
        .collect();
    println!("planted problems' ranks: {}", ranks.join("; "));
    for (kind, name) in [(Kind::Burst, "one-month bursts"), (Kind::Ended, "ended problems"), (Kind::Tiny, "tiny chronic problems")] {
        let best = plants
            .iter()
            .filter(|p| p.kind == kind)
            .filter_map(|p| ranking.candidates.iter().find(|c| matches(c, &city, p)).map(|c| c.rank))
            .min();
        let listed = plants.iter().filter(|p| p.kind == kind && rank_of(p).is_some()).count();
        if std::env::var_os("HOTLINE_BENCH_DETAIL").is_some() {
            for p in plants.iter().filter(|p| p.kind == kind) {
                for c in ranking.candidates.iter().filter(|c| matches(c, &city, p)) {
                    println!(
                        "  {name}: #{} {:.1} {} {:?} excess {:?} m{}/{} parts {:?}",
                        c.rank,
                        c.score,
                        c.key,
                        c.monthly,
                        c.excess_months.iter().map(|x| u8::from(*x)).collect::<Vec<_>>(),
                        c.months_persistent,
                        c.months_persistent_6,
                        c.parts.iter().map(|p| (p.code, p.points)).collect::<Vec<_>>()
                    );
                }
            }
        }
        println!("{name}: {listed} listed, best rank {}", best.map_or_else(|| "—".to_owned(), |r| format!("#{r}")));
    }
    let big_best = ranking.candidates.iter().filter(|c| big.iter().any(|b| c.street == Some(city.streets[*b].id))).map(|c| c.rank).min();
    println!("big streets: best rank {}", big_best.map_or_else(|| "—".to_owned(), |r| format!("#{r}")));
    let heat_best = ranking.candidates.iter().filter(|c| c.category.starts_with("UTL/heating")).map(|c| c.rank).min();
    println!("heating: best rank {}", heat_best.map_or_else(|| "—".to_owned(), |r| format!("#{r}")));
    Ok(())
}
