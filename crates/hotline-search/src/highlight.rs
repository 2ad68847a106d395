//! Highlighting: the stretch of a text with the most query terms, cut to a length, as segments a
//! page renders (the hits marked) without ever treating the text as HTML.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::analysis::index_terms;

/// How much of a text is read for its snippet.
const MAX_SCANNED_CHARS: usize = 20_000;

/// A piece of a snippet: plain text, marked when it matched the query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    pub text: String,
    pub hit: bool,
}

/// The marked ranges (byte offsets) of `text` for `terms`, merged where they touch or overlap.
fn hit_ranges(text: &str, terms: &HashSet<String>) -> Vec<(usize, usize)> {
    let mut ranges: Vec<(usize, usize)> =
        index_terms(text).into_iter().filter(|t| terms.contains(&t.text)).map(|t| (t.from, t.to)).collect();
    ranges.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
    for (from, to) in ranges {
        match merged.last_mut() {
            Some(last) if from <= last.1 => last.1 = last.1.max(to),
            _ => merged.push((from, to)),
        }
    }
    merged
}

/// Whether any of `terms` occurs in `text`.
pub fn matches(text: &str, terms: &HashSet<String>) -> bool {
    !terms.is_empty() && index_terms(text).iter().any(|t| terms.contains(&t.text))
}

/// The window of at most `max_chars` characters of `text` with the most marked text, as segments;
/// `…` marks where the text was cut. A text without hits gives its beginning.
pub fn snippet(text: &str, terms: &HashSet<String>, max_chars: usize) -> Vec<Segment> {
    let text = text.trim();
    // A snippet comes from the start of a long text: marking all of a 50,000-character body for
    // every hit of every search would cost more than the search.
    let text = match text.char_indices().nth(MAX_SCANNED_CHARS) {
        Some((cut, _)) => &text[..cut],
        None => text,
    };
    if text.is_empty() {
        return Vec::new();
    }
    let ranges = if terms.is_empty() { Vec::new() } else { hit_ranges(text, terms) };
    // Byte offset of every character, and the end.
    let bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).chain(std::iter::once(text.len())).collect();
    let chars = bounds.len() - 1;
    let char_at = |byte: usize| bounds.partition_point(|&b| b < byte);
    let (start, end) = if chars <= max_chars {
        (0, chars)
    } else {
        // Try a window starting a little before each hit; keep the one covering the most hit text.
        // Ranges are sorted and disjoint: prefix sums give each window's cover in log time.
        let lead = max_chars / 6;
        let mut prefix = Vec::with_capacity(ranges.len() + 1);
        prefix.push(0usize);
        for &(f, t) in &ranges {
            prefix.push(prefix[prefix.len() - 1] + (t - f));
        }
        let mut best = (0usize, 0usize);
        for &(from, _) in &ranges {
            let s = char_at(from).saturating_sub(lead).min(chars - max_chars);
            let (ws, we) = (bounds[s], bounds[s + max_chars]);
            let first = ranges.partition_point(|&(_, t)| t <= ws);
            let last = ranges.partition_point(|&(f, _)| f < we);
            let mut covered = 0;
            if first < last {
                covered = prefix[last] - prefix[first];
                // Clip the ranges cut by the window's edges.
                covered -= ws.saturating_sub(ranges[first].0);
                covered -= ranges[last - 1].1.saturating_sub(we);
            }
            if covered > best.1 {
                best = (s, covered);
            }
        }
        (best.0, best.0 + max_chars)
    };
    let (ws, we) = (bounds[start], bounds[end]);
    let mut out = Vec::new();
    let mut push = |t: &str, hit: bool| {
        if !t.is_empty() {
            out.push(Segment { text: t.to_owned(), hit });
        }
    };
    if start > 0 {
        push("…", false);
    }
    let mut at = ws;
    for &(from, to) in &ranges {
        let (f, t) = (from.max(ws), to.min(we));
        if f >= t {
            continue;
        }
        push(&text[at..f], false);
        push(&text[f..t], true);
        at = t;
    }
    push(&text[at..we], false);
    if end < chars {
        push("…", false);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::query_terms;

    fn terms(q: &str) -> HashSet<String> {
        query_terms(q).into_iter().collect()
    }

    fn render(s: &[Segment]) -> String {
        s.iter().map(|x| if x.hit { format!("[{}]", x.text) } else { x.text.clone() }).collect()
    }

    #[test]
    fn hits_are_marked_and_touching_bigrams_merge_into_one_mark() {
        assert_eq!(render(&snippet("小区门口乱停车严重", &terms("停车"), 50)), "小区门口乱[停车]严重");
        assert_eq!(render(&snippet("电梯维修后电梯又坏了", &terms("电梯维修"), 50)), "[电梯维修]后[电梯]又坏了");
        assert_eq!(render(&snippet("The elevators are broken", &terms("elevator"), 50)), "The [elevators] are broken");
    }

    #[test]
    fn a_long_text_is_cut_around_the_hits() {
        let text = format!("{}供暖不热{}", "甲".repeat(100), "乙".repeat(100));
        let s = render(&snippet(&text, &terms("供暖"), 30));
        assert!(s.starts_with('…') && s.ends_with('…') && s.contains("[供暖]"), "{s}");
        assert_eq!(s.chars().filter(|c| *c != '[' && *c != ']' && *c != '…').count(), 30);
    }

    #[test]
    fn the_window_with_the_most_marked_text_wins() {
        let text = format!("停车{}停车停车停车{}", "甲".repeat(50), "乙".repeat(50));
        let s = render(&snippet(&text, &terms("停车"), 20));
        assert!(s.contains("[停车停车停车]"), "{s}");
    }

    #[test]
    fn a_huge_text_full_of_hits_gives_a_snippet_of_the_asked_length() {
        let text = "停车，".repeat(100_000);
        let s = snippet(&text, &terms("停车"), 120);
        assert!(s.iter().any(|x| x.hit));
        assert_eq!(s.iter().filter(|x| x.text != "…").map(|x| x.text.chars().count()).sum::<usize>(), 120);
    }

    #[test]
    fn a_text_without_hits_gives_its_beginning() {
        let s = render(&snippet(&"甲".repeat(100), &terms("供暖"), 10));
        assert_eq!(s, format!("{}…", "甲".repeat(10)));
    }
}
