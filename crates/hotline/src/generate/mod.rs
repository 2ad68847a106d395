//! `hotline generate`: synthetic 12345 requests as JSON Lines, with their ground truth.
//!
//! Everything is built in memory from the shipped units ([`crate::seed::shipped_units`]) and the
//! shipped category tree; no database. The output is deterministic for a seed (a self-written
//! xorshift64* generator seeded through splitmix64).
//!
//! Each line: `id`, `channel`, `lang`, `text`, `received_at` (RFC 3339, UTC), `district`, `street`,
//! `community` (official names, `null` when the text does not name them), `phone`, `nature`,
//! `category` (first level), `category_path` (the codes of every level from the first to the leaf,
//! e.g. `["UTL","UTL/heating","UTL/heating/not_warm"]`), `urgency`, `disposition`, `duplicate_of`.
//!
//! Realism, kept simple: natures and first-level categories follow published Beijing proportions
//! (docs: domain.md §10.1); heating is seasonal (Nov–Mar), waterlogging peaks in Jul–Aug; requests
//! follow a daily rhythm (peaks 9–11 h and 14–16 h Beijing time) and a weekly one (weekends lower);
//! about 8% of callers reuse an earlier number and about 3% of requests restate an earlier one at the
//! same place (`disposition = duplicate`). `--surge rainstorm@YYYY-MM-DDTHH:MM` (Beijing time) adds
//! a burst of flooding and waterlogging requests in the six hours after that time.
//!
//! Wording depends on the nature (questions for consultations; 求助/帮忙 or a plain statement of the
//! fault for help; blame and repeated failures for complaints; violations, with or without the word
//! 举报, for reports); Chinese text uses the category's Chinese keywords, English text its English
//! ones. Nature, category and place are still drawn independently, so some combinations read oddly.

mod history;
mod text;
mod world;

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::io::Write;

use anyhow::{Context, bail};
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use serde::Serialize;

use self::text::{
    DEMAND, DEMAND_HELP, DETAIL_COMPLAINT, DETAIL_HELP, DETAIL_REPORT, REDIRECT_PHRASES, REPEAT_PREFIX, SURGE_TEXTS, render, templates_for,
    typo,
};
pub(crate) use self::world::Rng;
use self::world::{
    BEIJING_OFFSET, DISTRICTS_EN, FIRST_LEVEL_WEIGHTS, Gazetteer, HOURLY, Leaf, NATURES, SURGE_LEAVES, civil_from_days, cumulate,
    gazetteer, leaf_weight, leaves, rfc3339, season, weighted,
};

/// Arguments of `hotline generate`.
#[derive(Debug, Clone, clap::Args)]
pub struct GenerateArgs {
    /// How many lines to write.
    #[arg(long, default_value_t = 1000)]
    pub count: usize,
    /// Seed of the generator: the same seed gives the same bytes.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// First day (Beijing time), YYYY-MM-DD.
    #[arg(long, default_value = "2026-01-01")]
    pub start: String,
    /// Number of days covered.
    #[arg(long, default_value_t = 365)]
    pub days: u32,
    /// A surge of requests, e.g. `rainstorm@2026-07-31T14:00` (Beijing time).
    #[arg(long)]
    pub surge: Option<String>,
    /// Write a city's order history for `hotline import-history` instead: `--days` days from
    /// `--start` at `--per-day` requests a day (with the rhythm of hours, weekdays, holidays, the
    /// heating and flood seasons, a rainstorm surge), handled by their units, with times and
    /// callback answers.
    #[arg(long)]
    pub history: bool,
    /// With `--history`: requests per day on average.
    #[arg(long, default_value_t = 300)]
    pub per_day: u32,
    /// With `--history`: the day the history is taken (YYYY-MM-DD; default the day after it ends):
    /// steps after it have not happened, so the orders still open then are open in the file.
    #[arg(long)]
    pub as_of: Option<String>,
}

/// Public holidays weigh a day down (a percentage): New Year, the Spring Festival week, Labour Day,
/// National Day week. The Spring Festival moves; its first days for the years around now.
fn holiday_weight(d: NaiveDate) -> u64 {
    const SPRING_FESTIVAL: [(i32, u32, u32); 8] =
        [(2023, 1, 22), (2024, 2, 10), (2025, 1, 29), (2026, 2, 17), (2027, 2, 6), (2028, 1, 26), (2029, 2, 13), (2030, 2, 3)];
    let (m, day) = (d.month(), d.day());
    let fixed = (m == 1 && day == 1) || (m == 5 && (1..=5).contains(&day)) || (m == 10 && (1..=7).contains(&day));
    let spring = SPRING_FESTIVAL
        .iter()
        .filter_map(|(y, m, dd)| NaiveDate::from_ymd_opt(*y, *m, *dd))
        .any(|s| d >= s && d < s + chrono::Days::new(7));
    if fixed || spring { 60 } else { 100 }
}

#[derive(Clone, Copy)]
struct PlacePick {
    district: Option<usize>,
    street: Option<usize>,
    community: Option<usize>,
}

const NOWHERE: PlacePick = PlacePick { district: None, street: None, community: None };

/// A request dispatched to a street, which a later one may restate (a duplicate).
#[derive(Clone, Copy)]
struct Earlier {
    number: usize,
    leaf: usize,
    place: PlacePick,
    place_text_kind: u8,
    nature: usize,
    phone: u64,
    urgency: u8,
    /// Where the requester really is (a community index), named in the text or not.
    home: usize,
}

#[derive(Serialize)]
struct Line<'a> {
    id: &'a str,
    channel: &'static str,
    lang: &'static str,
    text: &'a str,
    received_at: &'a str,
    district: Option<&'a str>,
    street: Option<&'a str>,
    community: Option<&'a str>,
    phone: &'a str,
    nature: &'static str,
    category: &'a str,
    category_path: &'a [String],
    urgency: &'a str,
    disposition: &'static str,
    duplicate_of: Option<&'a str>,
}

const URGENCIES: [&str; 4] = ["emergency", "general", "utility24h", "complex"];

/// `--surge rainstorm@YYYY-MM-DDTHH:MM` (Beijing time) as UTC seconds.
fn parse_surge(surge: Option<&str>) -> anyhow::Result<Option<i64>> {
    let Some(s) = surge else { return Ok(None) };
    let (kind, at) = s.split_once('@').context("--surge: expected rainstorm@YYYY-MM-DDTHH:MM")?;
    if kind != "rainstorm" {
        bail!("--surge: unknown kind {kind:?} (known: rainstorm)");
    }
    let at = NaiveDateTime::parse_from_str(at, "%Y-%m-%dT%H:%M").with_context(|| format!("--surge: bad time {at:?}"))?;
    Ok(Some(at.and_utc().timestamp() - BEIJING_OFFSET))
}

/// The world and its weight tables, built once.
struct World {
    g: Gazetteer,
    leaves: Vec<Leaf>,
    /// Cumulative leaf weights per season.
    tables: Vec<Vec<u64>>,
    surge_leaves: Vec<usize>,
    natures: Vec<u64>,
    hours: Vec<u64>,
}

impl World {
    fn new() -> anyhow::Result<Self> {
        let g = gazetteer()?;
        let leaves = leaves()?;
        // Category tables per season: first-level weight spread over its leaves, times the season.
        let tables = (0..3)
            .map(|s| {
                cumulate(leaves.iter().map(|l| {
                    let first = l.path[0].as_str();
                    let fw = FIRST_LEVEL_WEIGHTS.iter().find(|(c, _)| *c == first).map_or(1, |(_, w)| *w) as f64;
                    let n = leaves.iter().filter(|o| o.path[0] == l.path[0]).count() as f64;
                    (fw / n * leaf_weight(l, s) * 1000.0) as u64 + 1
                }))
            })
            .collect();
        let surge_leaves = SURGE_LEAVES.iter().filter_map(|c| leaves.iter().position(|l| l.path.last().is_some_and(|p| p == c))).collect();
        let natures = cumulate(NATURES.iter().map(|(_, w)| u64::from(*w)));
        let hours = cumulate(HOURLY.iter().map(|&w| u64::from(w)));
        Ok(Self { g, leaves, tables, surge_leaves, natures, hours })
    }

    /// When each request arrives, sorted (so ids run in time order and duplicates point
    /// backwards): the rhythm of the day, the week and the heating season, and the surge.
    fn arrival_times(&self, rng: &mut Rng, args: &GenerateArgs, count: usize, start: NaiveDate, surge: Option<i64>) -> Vec<(i64, bool)> {
        let start_day = start.signed_duration_since(NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()).num_days();
        let day_weights = cumulate((0..i64::from(args.days)).map(|i| {
            let (_, m, _) = civil_from_days(start_day + i);
            let weekday = (start + chrono::Days::new(i as u64)).weekday().num_days_from_monday();
            let w: u64 = if weekday >= 5 { 68 } else { 100 };
            let w = if args.history { w * holiday_weight(start + chrono::Days::new(i as u64)) / 100 } else { w };
            w * if season(m) == 0 { 110 } else { 100 } / 100
        }));
        let surge_n = if surge.is_some() { (count / 40).max(count.min(40)) } else { 0 };
        let mut times: Vec<(i64, bool)> = Vec::with_capacity(count);
        for i in 0..count {
            if i < surge_n
                && let Some(at) = surge
            {
                times.push((at + (rng.unit().powf(1.6) * 6.0 * 3600.0) as i64, true));
                continue;
            }
            let day = start_day + weighted(rng, &day_weights) as i64;
            let hour = weighted(rng, &self.hours) as i64;
            let secs = day * 86_400 - BEIJING_OFFSET + hour * 3600 + rng.below(3600) as i64;
            times.push((secs, false));
        }
        times.sort_unstable();
        times
    }

    /// A new request's category leaf, nature, place as the text names it, and the community the
    /// requester is really in (a restatement takes the earlier one's).
    fn subject(&self, rng: &mut Rng, in_surge: bool, english: bool, month: u32) -> (usize, usize, PlacePick, usize) {
        let leaf_i = if in_surge && !self.surge_leaves.is_empty() {
            *rng.pick(&self.surge_leaves)
        } else {
            weighted(rng, &self.tables[season(month)])
        };
        let first = self.leaves[leaf_i].path[0].as_str();
        let mut nature_i = weighted(rng, &self.natures);
        if first == "EMG" || in_surge {
            nature_i = if rng.chance(700) { 2 } else { 3 }; // help / report
        }
        let c = rng.below(self.g.communities.len());
        let (_, _, s) = self.g.communities[c];
        let d = self.g.streets[s].2;
        let no_place = if nature_i == 0 { 550 } else { 150 };
        let r = rng.below(1000) as u32;
        let place = if english {
            match r {
                0..400 => PlacePick { district: Some(d), street: None, community: None },
                400..600 => PlacePick { district: Some(d), street: Some(s), community: Some(c) },
                _ => NOWHERE,
            }
        } else if r < no_place {
            NOWHERE
        } else if r < no_place + 100 {
            PlacePick { district: Some(d), street: None, community: None }
        } else {
            PlacePick { district: Some(d), street: Some(s), community: if r.is_multiple_of(3) { None } else { Some(c) } }
        };
        (leaf_i, nature_i, place, c)
    }

    /// The place as the text names it (official names, short forms, a building), in `out`.
    fn place_text(&self, place: &PlacePick, english: bool, kind: u8, secs: i64, out: &mut String) {
        out.clear();
        let g = &self.g;
        if english {
            match (place.district, place.community) {
                (Some(d), None) => {
                    let en = DISTRICTS_EN.iter().find(|(zh, _)| *zh == g.districts[d]).map_or(g.districts[d].as_str(), |(_, en)| en);
                    let _ = write!(out, " in {en} District");
                }
                (Some(_), Some(c)) => {
                    let _ = write!(out, " at {}", g.communities[c].0);
                }
                _ => {}
            }
            return;
        }
        let Some(d) = place.district else { return };
        let dn = &g.districts[d];
        match (place.street, place.community) {
            (None, _) => out.push_str(dn),
            (Some(s), None) => {
                let (sn, short, _) = &g.streets[s];
                if kind < 3 {
                    let _ = write!(out, "{dn}{sn}");
                } else {
                    out.push_str(short);
                    out.push_str(if kind == 3 { "附近" } else { "这边" });
                }
            }
            (Some(s), Some(c)) => {
                let (sn, _, _) = &g.streets[s];
                let (_, short, _) = &g.communities[c];
                match kind {
                    0 | 1 => {
                        let _ = write!(out, "{dn}{sn}{short}");
                    }
                    2 | 3 => {
                        let _ = write!(out, "{sn}{short}");
                    }
                    _ => out.push_str(short),
                }
                if kind % 2 == 1 {
                    let _ = write!(out, "{}号楼", 1 + (secs as usize ^ c) % 30);
                }
            }
        }
    }
}

/// The ground truth of urgency and disposition: emergencies transferred or dispatched, a share of
/// consultations answered, a few matters redirected, restatements linked. Returns the urgency, the
/// disposition and words the text must then carry (an injury, an accident, another channel).
fn disposition(
    rng: &mut Rng,
    leaf: &Leaf,
    nature: &str,
    english: bool,
    earlier: Option<Earlier>,
) -> (&'static str, &'static str, &'static str) {
    let code = leaf.path.last().map_or("", String::as_str);
    let leaf_urgency = URGENCIES.iter().copied().find(|u| *u == leaf.urgency).unwrap_or("general");
    let mut urgency =
        if matches!(nature, "consult" | "praise" | "suggestion") && leaf_urgency != "complex" { "general" } else { leaf_urgency };
    let mut extra = "";
    let disposition = if let Some(e) = earlier {
        urgency = URGENCIES[e.urgency as usize];
        "duplicate"
    } else if english {
        if nature == "consult" && rng.chance(700) { "answer" } else { "dispatch" }
    } else if urgency == "emergency" {
        let r = rng.below(1000);
        if code == "ORD/security/fighting" && r < 700 {
            "transfer_110"
        } else if (code.starts_with("EMG/fire_risk/smoke")
            || code.starts_with("EMG/trapped")
            || code.starts_with("EMG/collapse/building")
            || code.starts_with("EMG/gas_leak/indoor")
            || code.starts_with("EMG/hazard/chemical"))
            && r < 600
        {
            "transfer_119"
        } else if code.starts_with("EMG/collapse") && r > 850 {
            extra = "，有人受伤了";
            "transfer_120"
        } else {
            "dispatch"
        }
    } else if code.starts_with("TRF/violations/reckless") && matches!(nature, "help" | "report" | "complaint") && rng.chance(200) {
        extra = "，刚刚撞车了，发生交通事故";
        urgency = "emergency";
        "transfer_122"
    } else if nature == "consult" {
        if rng.chance(750) { "answer" } else { "dispatch" }
    } else if matches!(nature, "complaint" | "help") && rng.chance(25) {
        extra = REDIRECT_PHRASES[rng.below(REDIRECT_PHRASES.len())];
        "redirect"
    } else {
        "dispatch"
    };
    (urgency, disposition, extra)
}

/// What a request's text is made of, beside the place.
struct Wording<'a> {
    leaf: &'a Leaf,
    nature: &'static str,
    english: bool,
    in_surge: bool,
    /// Came by phone: an operator's summary, most of the time.
    by_phone: bool,
    restated: bool,
    /// Words the disposition requires (an injury, an accident, another channel).
    extra: &'a str,
}

/// The request's words in `out`. An English template without a place drops the place (returns
/// false); the rest keep it.
fn compose_text(rng: &mut Rng, w: &Wording<'_>, place_s: &str, out: &mut String) -> bool {
    let leaf = w.leaf;
    let kw = rng.pick(&leaf.keywords).as_str();
    let mut kw2 = rng.pick(&leaf.keywords).as_str();
    if kw2 == kw {
        kw2 = rng.pick(&leaf.keywords).as_str();
    }
    let has_place = !place_s.is_empty();
    let operator = w.by_phone && rng.chance(700);
    let templates = templates_for(rng, w.nature, w.english, w.in_surge, operator);
    let detail = match w.nature {
        "help" => *rng.pick(&DETAIL_HELP),
        "report" => *rng.pick(&DETAIL_REPORT),
        _ => *rng.pick(&DETAIL_COMPLAINT),
    };
    let demand = if w.nature == "help" { *rng.pick(&DEMAND_HELP) } else { *rng.pick(&DEMAND) };
    if w.english {
        let t = *rng.pick(templates);
        let k = rng.pick(&leaf.keywords_en).clone();
        render(t, &[('K', &k), ('P', place_s)], out);
        return t.contains("{P}");
    }
    if w.in_surge {
        let s = *rng.pick(&SURGE_TEXTS);
        let (a, b) = if operator { ("市民来电反映：", "，请尽快处置。") } else { ("", "！") };
        out.clear();
        let _ = write!(out, "{a}{place_s}{s}，{kw}{b}");
        return true;
    }
    // Prefer templates that mention the place when there is one, and those that do not otherwise.
    // Templates marked `@` need a place.
    let mut t = *rng.pick(templates);
    for _ in 0..8 {
        if t.contains("{P}") == has_place || (!has_place && !t.starts_with('@')) {
            break;
        }
        t = *rng.pick(templates);
    }
    let t = t.trim_start_matches('@');
    render(t, &[('P', place_s), ('K', kw), ('J', kw2), ('D', &leaf.description), ('E', detail), ('Q', demand)], out);
    if w.restated {
        let prefix = *rng.pick(&REPEAT_PREFIX);
        out.insert_str(0, prefix);
    }
    if !w.extra.is_empty() {
        let trimmed = out.trim_end_matches(['。', '！', '!', '？']).len();
        out.truncate(trimmed);
        out.push_str(w.extra);
        out.push('。');
    }
    if rng.chance(if operator { 20 } else { 70 }) {
        typo(rng, out, place_s);
    }
    true
}

/// The caller's number: restatements and repeat callers reuse earlier numbers.
fn draw_phone(rng: &mut Rng, earlier: Option<Earlier>, phones: &mut Vec<u64>) -> u64 {
    let phone = match earlier {
        Some(e) if rng.chance(700) => e.phone,
        _ if !phones.is_empty() && rng.chance(80) => *rng.pick(phones),
        _ => 13_000_000_000 + rng.next() % 6_000_000_000,
    };
    if phones.len() < 200_000 {
        phones.push(phone);
    } else {
        let i = rng.below(phones.len());
        phones[i] = phone;
    }
    phone
}

/// One generated request, before it is written out.
struct Drawn<'a> {
    number: usize,
    secs: i64,
    channel: &'static str,
    english: bool,
    leaf: &'a Leaf,
    nature: &'static str,
    /// The place as the text names it.
    place: PlacePick,
    /// The community the requester is in.
    home: usize,
    urgency: &'static str,
    disposition: &'static str,
    restates: Option<usize>,
    phone: u64,
}

/// The generator's state across requests: restatable earlier requests, callers' numbers, buffers.
struct Generator<'w> {
    world: &'w World,
    rng: Rng,
    history: VecDeque<Earlier>,
    phones: Vec<u64>,
    text: String,
    place_s: String,
}

impl<'w> Generator<'w> {
    fn new(world: &'w World, seed: u64) -> Self {
        Self {
            world,
            rng: Rng::new(seed),
            history: VecDeque::with_capacity(4096),
            phones: Vec::with_capacity(1 << 16),
            text: String::new(),
            place_s: String::new(),
        }
    }

    /// The next request, arriving at `secs`; its words are left in `self.text`.
    fn draw(&mut self, number: usize, secs: i64, in_surge: bool) -> Drawn<'w> {
        let world = self.world;
        let rng = &mut self.rng;
        let (_, month, _) = civil_from_days((secs + BEIJING_OFFSET).div_euclid(86_400));
        let channel = match rng.below(1000) {
            0..850 => "phone",
            850..900 => "web",
            900..950 => "app",
            _ => "wechat",
        };
        let english = rng.chance(30);
        // A restatement of an earlier request at the same place?
        let earlier = if !in_surge && !english && !self.history.is_empty() && rng.chance(30) {
            Some(self.history[self.history.len() - 1 - rng.below(self.history.len().min(3000))])
        } else {
            None
        };
        let (leaf_i, nature_i, mut place, home) = match earlier {
            Some(e) => (e.leaf, e.nature, e.place, e.home),
            None => world.subject(rng, in_surge, english, month),
        };
        let leaf = &world.leaves[leaf_i];
        let nature = NATURES[nature_i].0;
        let kind = match earlier {
            Some(e) => e.place_text_kind,
            None => rng.below(6) as u8,
        };
        world.place_text(&place, english, kind, secs, &mut self.place_s);
        let (urgency, disposition, extra) = disposition(rng, leaf, nature, english, earlier);
        let wording = Wording { leaf, nature, english, in_surge, by_phone: channel == "phone", restated: earlier.is_some(), extra };
        if !compose_text(rng, &wording, &self.place_s, &mut self.text) {
            place = NOWHERE;
        }
        let phone = draw_phone(rng, earlier, &mut self.phones);
        if earlier.is_none() && disposition == "dispatch" && place.street.is_some() {
            let u = URGENCIES.iter().position(|u| *u == urgency).unwrap_or(1) as u8;
            if self.history.len() == 3000 {
                self.history.pop_front();
            }
            self.history.push_back(Earlier {
                number,
                leaf: leaf_i,
                place,
                place_text_kind: kind,
                nature: nature_i,
                phone,
                urgency: u,
                home,
            });
        }
        let channel = if english && channel == "phone" { "web" } else { channel };
        Drawn {
            number,
            secs,
            channel,
            english,
            leaf,
            nature,
            place,
            home,
            urgency,
            disposition,
            restates: earlier.map(|e| e.number),
            phone,
        }
    }
}

/// `count` generated request lines over a year from `start` (YYYY-MM-DD), one JSON object each: the
/// labelled examples triage trains on and the texts the benchmarks search.
pub fn request_lines(count: usize, seed: u64, start: &str) -> anyhow::Result<Vec<Vec<u8>>> {
    let args = GenerateArgs { count, seed, start: start.into(), days: 365, surge: None, history: false, per_day: 300, as_of: None };
    let mut buf = Vec::new();
    generate(&args, &mut buf)?;
    Ok(buf.split(|b| *b == b'\n').filter(|l| !l.is_empty()).map(<[u8]>::to_vec).collect())
}

/// Writes `args.count` lines to `out` (with `--history`, the history of `--days` days instead).
pub fn generate(args: &GenerateArgs, out: &mut impl Write) -> anyhow::Result<()> {
    let start =
        NaiveDate::parse_from_str(&args.start, "%Y-%m-%d").with_context(|| format!("--start {}: expected YYYY-MM-DD", args.start))?;
    if args.days == 0 {
        bail!("--days must be at least 1");
    }
    let mut surge = parse_surge(args.surge.as_deref())?;
    if args.history && surge.is_none() {
        surge = history::default_surge(start, args.days);
    }
    let count = if args.history { args.per_day as usize * args.days as usize } else { args.count };
    let world = World::new()?;
    let mut generator = Generator::new(&world, args.seed);
    let times = world.arrival_times(&mut generator.rng, args, count, start, surge);
    if args.history {
        let as_of = match &args.as_of {
            Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d").with_context(|| format!("--as-of {d}: expected YYYY-MM-DD"))?,
            None => start + chrono::Days::new(u64::from(args.days)),
        };
        if as_of < start + chrono::Days::new(u64::from(args.days)) {
            bail!("--as-of must not be before the end of the history");
        }
        return history::write(&mut generator, &times, as_of, out);
    }
    let (mut id, mut dup_id, mut stamp, mut phone_s) = (String::new(), String::new(), String::new(), String::new());
    let mut json = Vec::with_capacity(1024);
    for (n, &(secs, in_surge)) in times.iter().enumerate() {
        let d = generator.draw(n + 1, secs, in_surge);
        id.clear();
        let _ = write!(id, "g{:06}", d.number);
        rfc3339(secs, &mut stamp);
        phone_s.clear();
        let _ = write!(phone_s, "{}", d.phone);
        dup_id.clear();
        if let Some(e) = d.restates {
            let _ = write!(dup_id, "g{e:06}");
        }
        let g = &world.g;
        let line = Line {
            id: &id,
            channel: d.channel,
            lang: if d.english { "en" } else { "zh" },
            text: &generator.text,
            received_at: &stamp,
            district: d.place.district.map(|i| g.districts[i].as_str()),
            street: d.place.street.map(|i| g.streets[i].0.as_str()),
            community: d.place.community.map(|i| g.communities[i].0.as_str()),
            phone: &phone_s,
            nature: d.nature,
            category: &d.leaf.path[0],
            category_path: &d.leaf.path,
            urgency: d.urgency,
            disposition: d.disposition,
            duplicate_of: d.restates.map(|_| dup_id.as_str()),
        };
        write_line(&mut json, &line, out)?;
    }
    out.flush()?;
    Ok(())
}

/// Writes `line` as one JSON line, through the reused buffer `json`.
fn write_line(json: &mut Vec<u8>, line: &impl Serialize, out: &mut impl Write) -> anyhow::Result<()> {
    json.clear();
    serde_json::to_writer(&mut *json, line)?;
    json.push(b'\n');
    out.write_all(json)?;
    Ok(())
}

/// Runs `hotline generate`, writing to standard output.
pub fn run(args: &GenerateArgs) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    match generate(args, &mut out) {
        Err(e) if e.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) => Ok(()),
        other => other,
    }
}
