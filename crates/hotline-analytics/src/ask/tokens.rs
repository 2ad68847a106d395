//! The question cut into units: Chinese characters, stemmed English words, numbers.

use std::collections::HashSet;

/// One unit of the question: a Chinese character, an English word (stemmed) or a number.
#[derive(Debug, Clone)]
pub(super) struct Tok {
    pub(super) key: String,
    pub(super) raw: String,
    pub(super) cjk: bool,
}

pub(super) fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FFFF)
}

/// Full-width letters, digits and punctuation as ASCII.
pub(super) fn half_width(s: &str) -> String {
    s.chars()
        .map(|c| match c as u32 {
            0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            0x3000 => ' ',
            _ => c,
        })
        .collect()
}

pub(super) fn numeral_value(s: &str) -> Option<u32> {
    let digit = |c: char| match c {
        '零' => Some(0),
        '一' => Some(1),
        '二' | '两' => Some(2),
        '三' => Some(3),
        '四' => Some(4),
        '五' => Some(5),
        '六' => Some(6),
        '七' => Some(7),
        '八' => Some(8),
        '九' => Some(9),
        _ => None,
    };
    let chars: Vec<char> = s.chars().collect();
    match chars.as_slice() {
        ['十'] => Some(10),
        [a] => digit(*a),
        ['十', b] => Some(10 + digit(*b)?),
        [a, '十'] => Some(digit(*a)? * 10),
        [a, '十', b] => Some(digit(*a)? * 10 + digit(*b)?),
        [a, '百'] => Some(digit(*a)? * 100),
        _ => None,
    }
}

/// Chinese numerals before a counter or unit (前十, 三十天, 七月, 十二月) as digits; numerals
/// inside names (三里屯, 一级分类) stay.
pub(super) fn digits_for_numerals(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let numeral = |c: char| "零一二两三四五六七八九十百".contains(c);
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        if numeral(chars[i]) {
            let mut j = i;
            while j < chars.len() && numeral(chars[j]) {
                j += 1;
            }
            let run: String = chars[i..j].iter().collect();
            let next = chars.get(j).copied();
            let prev = i.checked_sub(1).map(|p| chars[p]);
            let counter = next.is_some_and(|n| "天日周个名月年大位条件".contains(n));
            // 一周/一个月 after 最近 and 前N; 一共/一下/一般/一级/二级 are words, not numbers.
            let after_scope = prev.is_some_and(|p| "前近去".contains(p));
            if let Some(v) = numeral_value(&run).filter(|_| counter || after_scope) {
                out.push_str(&v.to_string());
                i = j;
                continue;
            }
            out.push_str(&run);
            i = j;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// A light English stemmer: both the question and the vocabulary go through it, so it need only be
/// consistent (landlords → landlord, keeping → keep, buses → bus).
pub(super) fn stem(word: &str) -> String {
    let w = word.strip_suffix("'s").or_else(|| word.strip_suffix("’s")).unwrap_or(word);
    let w = w.trim_matches('\'');
    let n = w.len();
    let w = if n > 4 && w.ends_with("ies") {
        format!("{}y", &w[..n - 3])
    } else if n > 4 && (w.ends_with("sses") || w.ends_with("ses") || w.ends_with("xes") || w.ends_with("ches") || w.ends_with("shes")) {
        w[..n - 2].to_owned()
    } else if n > 3 && w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us") && !w.ends_with("is") {
        w[..n - 1].to_owned()
    } else {
        w.to_owned()
    };
    // A stem of three letters or fewer is more often another word (anding → and): keep the word.
    let n = w.len();
    if n >= 7 && w.ends_with("ing") {
        w[..n - 3].to_owned()
    } else if n >= 6 && w.ends_with("ed") {
        w[..n - 2].to_owned()
    } else {
        w
    }
}

/// The question (or a phrase of the vocabulary) as units.
pub(super) fn tokens(text: &str) -> Vec<Tok> {
    let text = digits_for_numerals(&half_width(text));
    let mut out = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<Tok>| {
        if !word.is_empty() {
            let lower = word.to_lowercase();
            let key = if lower.bytes().all(|b| b.is_ascii_digit()) || lower.contains('-') { lower.clone() } else { stem(&lower) };
            out.push(Tok { key, raw: std::mem::take(word), cjk: false });
        }
    };
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_alphanumeric() || ((c == '\'' || c == '’') && !word.is_empty()) {
            // A letter-digit switch cuts a unit ("2025年" is 2025 + 年, "U-WATER" stays whole below).
            if let Some(last) = word.chars().last()
                && last.is_ascii_digit() != c.is_ascii_digit()
                && !word.contains('-')
            {
                flush(&mut word, &mut out);
            }
            word.push(c);
        } else if c == '-'
            && !word.is_empty()
            && word.chars().all(|w| w.is_ascii_alphabetic())
            && word.len() <= 6
            && word.chars().all(|w| w.is_ascii_uppercase())
            && chars.get(i + 1).is_some_and(char::is_ascii_alphanumeric)
        {
            // A unit code such as U-WATER or D-JTW.
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            if is_cjk(c) {
                out.push(Tok { key: c.to_string(), raw: c.to_string(), cjk: true });
            }
        }
    }
    flush(&mut word, &mut out);
    out
}

pub(super) fn key_of(toks: &[Tok]) -> String {
    toks.iter().map(|t| t.key.as_str()).collect::<Vec<_>>().join(" ")
}

/// Pinyin spellings of a Chinese name, every reading of a character with several (朝: chao, zhao).
pub(super) fn pinyin_spellings(name: &str) -> Vec<String> {
    use pinyin::ToPinyinMulti;
    let mut out = vec![String::new()];
    for multi in name.to_pinyin_multi() {
        let Some(multi) = multi else { return Vec::new() };
        let readings: Vec<&str> = multi.into_iter().map(pinyin::Pinyin::plain).collect::<HashSet<_>>().into_iter().collect();
        let mut next = Vec::new();
        for prefix in &out {
            for r in &readings {
                next.push(format!("{prefix}{r}"));
            }
        }
        next.truncate(16);
        out = next;
    }
    out.retain(|s| !s.is_empty());
    out
}
