//! `hotline generate --history`: a city's past orders, one JSON line each, in the format
//! `hotline import-history` reads (docs/analytics.md): the requests of `hotline generate` (their rhythm
//! of hours, weekdays, holidays, heating and flood seasons and a rainstorm surge), each taken to
//! its end — dispatched to the unit the shipped dispatch catalogue names, contacted, replied,
//! called back and closed, with handling times that depend on urgency — or still open when the
//! history ends.

use std::collections::HashSet;
use std::io::Write;

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone};
use serde::Serialize;

use super::world::{BEIJING_OFFSET, Rng};
use super::{Drawn, Generator};

#[derive(Serialize)]
struct Callback {
    contacted: bool,
    resolution: &'static str,
    satisfaction: &'static str,
}

#[derive(Serialize)]
struct HistoryLine<'a> {
    number: String,
    received_at: String,
    channel: &'static str,
    language: &'static str,
    text: &'a str,
    nature: &'static str,
    category: &'a str,
    urgency: &'static str,
    district: &'a str,
    street: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    community: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    age_group: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unit: Option<String>,
    state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    dispatched_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    first_contact_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    replied_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    closed_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    callback: Option<Callback>,
}

/// A rainstorm on 31 July at 14:00 (the date of Beijing's 2023 storm) in the first year the history
/// covers it, else in the middle of the history.
pub(super) fn default_surge(start: NaiveDate, days: u32) -> Option<i64> {
    let end = start + chrono::Days::new(u64::from(days));
    let day = (start.year_ce().1..=end.year_ce().1)
        .filter_map(|y| NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, 7, 31))
        .find(|d| *d >= start && *d < end)
        .unwrap_or(start + chrono::Days::new(u64::from(days / 2)));
    Some(day.and_hms_opt(14, 0, 0)?.and_utc().timestamp() - BEIJING_OFFSET)
}

use chrono::Datelike as _;

/// Minutes drawn from a log-normal distribution with this median, spread `sigma`.
fn lognormal_minutes(rng: &mut Rng, median_minutes: f64, sigma: f64) -> i64 {
    // Box–Muller from two uniform draws.
    let (u1, u2) = (rng.unit().max(1e-12), rng.unit());
    let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
    (median_minutes * (sigma * z).exp()).round().max(1.0) as i64
}

/// The main unit the shipped dispatch catalogue names for a category at a place: the longest rule
/// whose category is a prefix of it (`street`: the place's street; `district:X`: the district's X).
struct Catalogue {
    rules: Vec<(String, String)>,
    codes: HashSet<String>,
}

impl Catalogue {
    fn shipped() -> anyhow::Result<Self> {
        let mut rules = Vec::new();
        for (i, line) in crate::seed::DISPATCH_RULES.lines().enumerate() {
            let cols: Vec<&str> = line.split(',').collect();
            if i == 0 || cols.len() < 3 || !cols[1].is_empty() {
                continue;
            }
            rules.push((cols[0].to_owned(), cols[2].to_owned()));
        }
        rules.sort_by_key(|(c, _)| std::cmp::Reverse(c.len()));
        let codes = crate::seed::shipped_units()?.into_iter().map(|u| u.code).collect();
        Ok(Self { rules, codes })
    }

    fn unit(&self, category: &str, district_code: &str, street_code: &str) -> String {
        let rule = self.rules.iter().find(|(c, _)| category == c || category.starts_with(&format!("{c}/")));
        let code = match rule.map(|(_, t)| t.as_str()) {
            Some("street") | None => street_code.to_owned(),
            Some(t) => match t.strip_prefix("district:") {
                Some(dept) => format!("{district_code}-{dept}"),
                None => t.to_owned(),
            },
        };
        if self.codes.contains(&code) { code } else { street_code.to_owned() }
    }
}

fn stamp(secs: i64) -> String {
    let tz = FixedOffset::east_opt(i32::try_from(BEIJING_OFFSET).unwrap_or(0)).unwrap_or_else(|| FixedOffset::east_opt(0).expect("UTC"));
    let t: DateTime<FixedOffset> = tz.timestamp_opt(secs, 0).single().unwrap_or_default();
    t.to_rfc3339()
}

/// What happened to a dispatched order, in seconds since the epoch (`None`: not by the end).
struct Handling {
    dispatched: i64,
    contact: Option<i64>,
    reply: Option<i64>,
    closed: Option<i64>,
}

/// Times of each step by urgency: medians in minutes of dispatch, first contact and reply.
fn medians(urgency: &str) -> (f64, f64, f64) {
    match urgency {
        "emergency" => (5.0, 30.0, 240.0),
        "utility24h" => (20.0, 120.0, 1_200.0),
        "complex" => (60.0, 1_440.0, 14_400.0),
        _ => (25.0, 480.0, 5_040.0),
    }
}

fn handle(rng: &mut Rng, d: &Drawn<'_>, end: i64) -> Handling {
    let (m_dispatch, m_contact, m_reply) = medians(d.urgency);
    let dispatched = d.secs + 60 * lognormal_minutes(rng, m_dispatch, 0.8);
    let contact = (!rng.chance(20)).then(|| dispatched + 60 * lognormal_minutes(rng, m_contact, 0.9));
    // A unit replies after it has contacted the requester.
    let reply = (dispatched + 60 * lognormal_minutes(rng, m_reply, 0.7)).max(contact.map_or(0, |c| c + 600));
    let closed = reply + 60 * (360 + rng.below(60 * 60) as i64);
    let before_end = |t: i64| (t < end).then_some(t);
    Handling { dispatched, contact: contact.and_then(before_end), reply: before_end(reply), closed: before_end(closed) }
}

fn callback(rng: &mut Rng) -> Callback {
    let resolution = match rng.below(1000) {
        0..840 => "resolved",
        840..930 => "partly",
        _ => "unresolved",
    };
    let cut = match resolution {
        "resolved" => (900, 980),
        "partly" => (500, 850),
        _ => (200, 500),
    };
    let r = rng.below(1000);
    let satisfaction = if r < cut.0 {
        "satisfied"
    } else if r < cut.1 {
        "basic"
    } else {
        "unsatisfied"
    };
    Callback { contacted: rng.below(1000) < 970, resolution, satisfaction }
}

/// Writes the history: one line per arrival in `times`, as it stood at the start of `as_of` (steps
/// after that have not happened yet).
pub(super) fn write(generator: &mut Generator<'_>, times: &[(i64, bool)], as_of: NaiveDate, out: &mut impl Write) -> anyhow::Result<()> {
    let catalogue = Catalogue::shipped()?;
    let end = as_of.and_hms_opt(0, 0, 0).map_or(0, |t| t.and_utc().timestamp()) - BEIJING_OFFSET;
    let mut json = Vec::with_capacity(1024);
    for (n, &(secs, in_surge)) in times.iter().enumerate() {
        let d = generator.draw(n + 1, secs, in_surge);
        let world = generator.world;
        let g = &world.g;
        let (community, _, street) = &g.communities[d.home];
        let district = g.streets[*street].2;
        let rng = &mut generator.rng;
        let category = d.leaf.path.last().map_or("", String::as_str);
        let age_group = match rng.below(1000) {
            0..150 => None,
            150..340 => Some("senior"),
            340..390 => Some("minor"),
            _ => Some("adult"),
        };
        let language = if d.english {
            "en"
        } else if rng.chance(5) {
            *rng.pick(&["ja", "ko", "ru", "fr", "ar"])
        } else {
            "zh"
        };
        let named_community = rng.chance(600).then_some(community.as_str());
        let quick = |rng: &mut Rng, minutes: i64| (d.secs + 60 * (minutes + rng.below(5) as i64)).min(end - 1);
        let mut line = HistoryLine {
            number: format!("g{:07}", d.number),
            received_at: stamp(d.secs),
            channel: d.channel,
            language,
            text: &generator.text,
            nature: d.nature,
            category,
            urgency: d.urgency,
            district: &g.districts[district],
            street: &g.streets[*street].0,
            community: named_community,
            age_group,
            unit: None,
            state: "received",
            dispatched_at: None,
            first_contact_at: None,
            replied_at: None,
            closed_at: None,
            callback: None,
        };
        match d.disposition {
            "dispatch" => {
                let h = handle(rng, &d, end);
                if h.dispatched >= end {
                    line.state = "triaged";
                } else {
                    line.unit = Some(catalogue.unit(category, &g.district_codes[district], &g.street_codes[*street]));
                    line.dispatched_at = Some(stamp(h.dispatched));
                    line.first_contact_at = h.contact.map(stamp);
                    line.replied_at = h.reply.map(stamp);
                    line.closed_at = h.closed.map(stamp);
                    line.state = match (h.contact, h.reply, h.closed) {
                        (_, Some(_), Some(_)) => "closed",
                        (_, Some(_), None) => "replied",
                        (Some(_), None, _) => "contacted",
                        _ => "dispatched",
                    };
                    if h.closed.is_some() {
                        line.callback = Some(callback(rng));
                    }
                }
            }
            other => {
                line.state = match other {
                    "answer" => "answered_directly",
                    "redirect" => "redirected",
                    "duplicate" => "linked_duplicate",
                    _ => "transferred",
                };
                line.closed_at = Some(stamp(quick(rng, 2)));
            }
        }
        super::write_line(&mut json, &line, out)?;
    }
    out.flush()?;
    Ok(())
}
