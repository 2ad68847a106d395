//! Time phrases (今天, 上个月, July 2023, 最近30天) and limits (前10, top 5).

use chrono::{Datelike, Duration, Months, NaiveDate};

use super::tokens::Tok;

pub(super) fn month_start(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

pub(super) fn add_months(d: NaiveDate, n: i32) -> NaiveDate {
    if n >= 0 { d.checked_add_months(Months::new(n.unsigned_abs())) } else { d.checked_sub_months(Months::new(n.unsigned_abs())) }
        .unwrap_or(d)
}

pub(super) fn year_range(y: i32) -> Option<(NaiveDate, NaiveDate)> {
    Some((NaiveDate::from_ymd_opt(y, 1, 1)?, NaiveDate::from_ymd_opt(y + 1, 1, 1)?))
}

pub(super) fn month_range(y: i32, m: u32) -> Option<(NaiveDate, NaiveDate)> {
    let from = NaiveDate::from_ymd_opt(y, m, 1)?;
    Some((from, add_months(from, 1)))
}

pub(super) const MONTHS_EN: [&str; 12] =
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];
pub(super) const MONTHS_EN_SHORT: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

pub(super) fn month_word(k: &str) -> Option<u32> {
    MONTHS_EN.iter().position(|m| *m == k).or_else(|| MONTHS_EN_SHORT.iter().position(|m| *m == k && k != "may")).map(|i| i as u32 + 1)
}

/// A time phrase starting at `i`: its length in units and its range.
pub(super) fn time_at(t: &[Tok], i: usize, today: NaiveDate) -> Option<(usize, (NaiveDate, NaiveDate))> {
    let k = |j: usize| t.get(j).map_or("", |x| x.key.as_str());
    let num = |j: usize| t.get(j).and_then(|x| x.key.parse::<u32>().ok());
    let year = today.year();
    let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let this_month = month_start(today);
    let last_n_days = |n: u32| (today - Duration::days(i64::from(n)), today + Duration::days(1));
    // Fixed phrases, longest first.
    let fixed: &[(&[&str], (NaiveDate, NaiveDate))] = &[
        (&["今", "年", "以", "来"], year_range(year)?),
        (&["年", "初", "以", "来"], year_range(year)?),
        (&["今", "年", "至", "今"], year_range(year)?),
        (&["本", "年", "度"], year_range(year)?),
        (&["这", "个", "星", "期"], (monday, monday + Duration::days(7))),
        (&["上", "个", "星", "期"], (monday - Duration::days(7), monday)),
        (&["这", "礼", "拜"], (monday, monday + Duration::days(7))),
        (&["上", "礼", "拜"], (monday - Duration::days(7), monday)),
        (&["本", "星", "期"], (monday, monday + Duration::days(7))),
        (&["上", "星", "期"], (monday - Duration::days(7), monday)),
        (&["这", "个", "月"], (this_month, add_months(this_month, 1))),
        (&["上", "个", "月"], (add_months(this_month, -1), this_month)),
        (&["今", "天"], (today, today + Duration::days(1))),
        (&["今", "日"], (today, today + Duration::days(1))),
        (&["昨", "天"], (today - Duration::days(1), today)),
        (&["昨", "日"], (today - Duration::days(1), today)),
        (&["前", "天"], (today - Duration::days(2), today - Duration::days(1))),
        (&["本", "周"], (monday, monday + Duration::days(7))),
        (&["这", "周"], (monday, monday + Duration::days(7))),
        (&["上", "周"], (monday - Duration::days(7), monday)),
        (&["本", "月"], (this_month, add_months(this_month, 1))),
        (&["这", "月"], (this_month, add_months(this_month, 1))),
        (&["当", "月"], (this_month, add_months(this_month, 1))),
        (&["上", "月"], (add_months(this_month, -1), this_month)),
        (&["今", "年"], year_range(year)?),
        (&["本", "年"], year_range(year)?),
        (&["去", "年"], year_range(year - 1)?),
        (&["上", "年"], year_range(year - 1)?),
        (&["前", "年"], year_range(year - 2)?),
        (&["so", "far", "this", "year"], year_range(year)?),
        (&["year", "to", "date"], year_range(year)?),
        (&["the", "past", "week"], last_n_days(7)),
        (&["the", "past", "month"], last_n_days(30)),
        (&["the", "past", "year"], last_n_days(365)),
        (&["past", "week"], last_n_days(7)),
        (&["past", "month"], last_n_days(30)),
        (&["past", "year"], last_n_days(365)),
        (&["this", "week"], (monday, monday + Duration::days(7))),
        (&["last", "week"], (monday - Duration::days(7), monday)),
        (&["this", "month"], (this_month, add_months(this_month, 1))),
        (&["last", "month"], (add_months(this_month, -1), this_month)),
        (&["this", "year"], year_range(year)?),
        (&["last", "year"], year_range(year - 1)?),
        (&["today"], (today, today + Duration::days(1))),
        (&["yesterday"], (today - Duration::days(1), today)),
    ];
    // A named month: 今年7月, 2025年3月(份), 7月, July 2023, March this year, in March.
    let year_word = |j: usize| -> Option<(usize, i32)> {
        match (k(j), k(j + 1)) {
            ("今", "年") => Some((2, year)),
            ("去", "年") => Some((2, year - 1)),
            ("前", "年") => Some((2, year - 2)),
            _ => num(j).filter(|y| (1990..=2100).contains(y) && k(j + 1) == "年").map(|y| (2, y as i32)),
        }
    };
    let zh_month = |j: usize| -> Option<(usize, u32)> {
        let m = num(j).filter(|m| (1..=12).contains(m))?;
        (k(j + 1) == "月").then_some(if k(j + 2) == "份" { (3, m) } else { (2, m) })
    };
    if let Some((yl, y)) = year_word(i) {
        if let Some((ml, m)) = zh_month(i + yl) {
            return Some((yl + ml, month_range(y, m)?));
        }
        if let Some(y4) = num(i).filter(|y| (1990..=2100).contains(y)) {
            let mut len = 2;
            while matches!(k(i + len), "度" | "全" | "年") {
                len += 1;
            }
            return Some((len, year_range(y4 as i32)?));
        }
    }
    if let Some((ml, m)) = zh_month(i) {
        return Some((ml, month_range(year, m)?));
    }
    if let Some(m) = month_word(k(i)) {
        if let Some(y) = num(i + 1).filter(|y| (1990..=2100).contains(y)) {
            return Some((2, month_range(y as i32, m)?));
        }
        match (k(i + 1), k(i + 2)) {
            ("this", "year") => return Some((3, month_range(year, m)?)),
            ("last", "year") => return Some((3, month_range(year - 1, m)?)),
            _ => {}
        }
        // A bare month is this year's (a question asked in December about "July").
        if k(i) != "may" || i > 0 && matches!(k(i - 1), "in" | "during" | "for") {
            return Some((1, month_range(year, m)?));
        }
    }
    if k(i) == "in"
        && let Some(y) = num(i + 1).filter(|y| (1990..=2100).contains(y))
    {
        return Some((2, year_range(y as i32)?));
    }
    // 最近N天 / 近N天 / 过去N天, 最近N周, 最近N个月; last N days / past N weeks.
    let lead = match (k(i), k(i + 1)) {
        ("最", "近") | ("过", "去") => 2,
        ("近", _) => 1,
        ("last" | "past", _) => 1,
        ("the", "last" | "past") => 2,
        ("over", "the") if matches!(k(i + 2), "last" | "past") => 3,
        ("in", "the") if matches!(k(i + 2), "last" | "past") => 3,
        _ => 0,
    };
    if lead > 0
        && let Some(n) = num(i + lead).filter(|n| (1..=3660).contains(n))
    {
        let unit = k(i + lead + 1);
        let (len, days) = match (unit, k(i + lead + 2)) {
            ("天" | "日" | "day", _) => (1, n),
            ("周" | "week", _) => (1, n * 7),
            ("个", "月") => (2, n * 30),
            ("个", "星") if k(i + lead + 3) == "期" => (3, n * 7),
            ("month", _) => (1, n * 30),
            _ => (0, 0),
        };
        if len > 0 {
            return Some((lead + 1 + len, last_n_days(days)));
        }
    }
    if num(i).is_some_and(|y| (1990..=2100).contains(&y)) && t.get(i).is_some_and(|x| !x.cjk) && !matches!(k(i + 1), "年") {
        let y = num(i)? as i32;
        return Some((1, year_range(y)?));
    }
    for (words, range) in fixed {
        if words.iter().enumerate().all(|(o, w)| k(i + o) == *w) {
            return Some((words.len(), *range));
        }
    }
    None
}

/// 前N / top N / 前N名 / N大: a limit.
pub(super) fn top_at(t: &[Tok], i: usize) -> Option<(usize, u32)> {
    let k = |j: usize| t.get(j).map_or("", |x| x.key.as_str());
    let num = |j: usize| t.get(j).and_then(|x| x.key.parse::<u32>().ok()).filter(|n| (1..=1000).contains(n));
    match k(i) {
        "前" | "top" => {
            let n = num(i + 1)?;
            let len = if matches!(k(i + 2), "名" | "位" | "个") { 3 } else { 2 };
            Some((len, n))
        }
        "取" if k(i + 1) == "前" => num(i + 2).map(|n| (if k(i + 3) == "名" { 4 } else { 3 }, n)),
        _ => num(i).filter(|_| k(i + 1) == "大" && t.get(i).is_some_and(|x| !x.cjk)).map(|n| (2, n)),
    }
}
