//! Text → sparse features. Chinese by words (jieba, with the platform's own vocabulary added) and
//! by character unigrams and bigrams (robust to typos and words the dictionary splits badly);
//! English by lower-cased words with a light plural strip. Features are hashed into a fixed space,
//! so a model never needs a vocabulary file and unseen words cost nothing.

use jieba_rs::Jieba;

/// Size of the hashed feature space.
pub const DIM: u32 = 1 << 20;

/// Feature kinds, mixed into the hash so a word and a bigram of the same characters differ.
const WORD: u8 = b'w';
const UNI: u8 = b'u';
const BI: u8 = b'b';
const EN: u8 = b'e';
const EN_PAIR: u8 = b'p';

const ENGLISH_STOPWORDS: &[&str] = &[
    "a", "an", "the", "and", "or", "but", "is", "are", "was", "were", "be", "been", "am", "i", "me", "my", "we", "our", "you", "your",
    "it", "its", "this", "that", "there", "of", "to", "in", "on", "at", "for", "with", "from", "by", "as", "has", "have", "had", "do",
    "does", "did", "so", "if", "can", "could", "would", "will", "please", "hi", "hello", "just", "very", "what", "which", "who", "how",
    "when", "where", "they", "them", "he", "she", "his", "her", "not", "no", "all", "any", "some", "about", "into", "out", "up", "also",
];

pub struct Featurizer {
    jieba: Jieba,
}

impl Default for Featurizer {
    fn default() -> Self {
        Self::new(std::iter::empty::<&str>())
    }
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}')
}

/// Full-width ASCII to half-width, upper to lower case.
pub fn normalise(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
            '\u{3000}' => ' ',
            c => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

pub(crate) fn fnv(kind: u8, s: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in std::iter::once(kind).chain(s.bytes()) {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h % DIM
}

fn stem(word: &str) -> &str {
    if word.len() > 4 && word.ends_with("ies") {
        &word[..word.len() - 3]
    } else if word.len() > 3 && word.ends_with('s') && !word.ends_with("ss") {
        &word[..word.len() - 1]
    } else {
        word
    }
}

impl Featurizer {
    /// A featurizer whose segmenter also knows `words` (category keywords, place names), so they are
    /// kept whole.
    pub fn new<'a>(words: impl IntoIterator<Item = &'a str>) -> Self {
        let mut jieba = Jieba::new();
        for w in words {
            let w = w.trim();
            if w.chars().count() >= 2 && w.chars().all(is_cjk) {
                jieba.add_word(w, Some(2000), None);
            }
        }
        Self { jieba }
    }

    /// The Chinese words and English words of a text, normalised (for keyword baselines and tests).
    pub fn words(&self, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        self.each_token(&normalise(text), |kind, tok| {
            if kind == WORD || kind == EN {
                out.push(tok.to_owned());
            }
        });
        out
    }

    fn each_token(&self, text: &str, mut emit: impl FnMut(u8, &str)) {
        let mut chars = text.char_indices().peekable();
        while let Some(&(start, c)) = chars.peek() {
            if is_cjk(c) {
                let mut end = start;
                while let Some(&(i, c)) = chars.peek() {
                    if !is_cjk(c) {
                        break;
                    }
                    end = i + c.len_utf8();
                    chars.next();
                }
                let run = &text[start..end];
                for token in self.jieba.cut(run, true) {
                    emit(WORD, token.word);
                }
                let idx: Vec<usize> = run.char_indices().map(|(i, _)| i).chain(std::iter::once(run.len())).collect();
                for w in idx.windows(2) {
                    emit(UNI, &run[w[0]..w[1]]);
                }
                for w in idx.windows(3) {
                    emit(BI, &run[w[0]..w[2]]);
                }
            } else if c.is_ascii_alphabetic() {
                let mut end = start;
                while let Some(&(i, c)) = chars.peek() {
                    if !(c.is_ascii_alphanumeric() || c == '\'') {
                        break;
                    }
                    end = i + c.len_utf8();
                    chars.next();
                }
                let word = text[start..end].trim_end_matches("'s").trim_matches('\'');
                if word.len() > 1 && !ENGLISH_STOPWORDS.contains(&word) {
                    emit(EN, stem(word));
                }
            } else {
                chars.next();
            }
        }
    }

    /// The hashed features of a text: sorted, without repeats.
    pub fn features(&self, text: &str) -> Vec<u32> {
        let mut out = Vec::with_capacity(text.len());
        // English word pairs too ("power outage", "fire exit"): English has no characters to pair.
        let mut previous_english: Option<String> = None;
        self.each_token(&normalise(text), |kind, tok| {
            out.push(fnv(kind, tok));
            if kind == EN {
                if let Some(p) = previous_english.replace(tok.to_owned()) {
                    out.push(fnv(EN_PAIR, &format!("{p} {tok}")));
                }
            } else if kind == WORD {
                previous_english = None;
            }
        });
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Character-bigram fingerprint for duplicate detection: CJK bigrams and English words.
    pub fn fingerprint(&self, text: &str) -> Vec<u32> {
        let mut out = Vec::new();
        self.each_token(&normalise(text), |kind, tok| {
            if kind == BI || kind == EN {
                out.push(fnv(kind, tok));
            }
        });
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Overlap of two sorted fingerprints: shared / size of the smaller (a short repeat of a long
/// report still matches).
pub fn overlap(a: &[u32], b: &[u32]) -> f32 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut shared) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    shared as f32 / a.len().min(b.len()) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_character_words_typos_and_english_all_give_features() {
        let f = Featurizer::new(["暖气不热"]);
        let words = f.words("小区暖气不热，停车难！Heating isn't working in Wangjing apartments");
        assert!(words.contains(&"暖气不热".to_owned()), "{words:?}");
        assert!(words.contains(&"停车".to_owned()) || words.contains(&"停车难".to_owned()), "{words:?}");
        assert!(words.contains(&"heating".to_owned()) && words.contains(&"apartment".to_owned()), "{words:?}");
        assert!(!words.contains(&"in".to_owned()));
        // A typo (暖器 for 暖气) still shares the 暖 unigram and most bigrams with the right word.
        let a = f.features("暖气不热");
        let b = f.features("暖器不热");
        let shared = a.iter().filter(|x| b.contains(x)).count();
        assert!(shared >= 3, "{shared}");
    }

    #[test]
    fn features_are_sorted_unique_and_within_the_space() {
        let f = Featurizer::default();
        let v = f.features("ＡＢＣ 停水停水停水 water WATER");
        assert!(v.windows(2).all(|w| w[0] < w[1]));
        assert!(v.iter().all(|x| *x < DIM));
        assert_eq!(f.features("WATER"), f.features("water"), "case and width do not matter");
        assert!(f.features("   ").is_empty());
    }

    #[test]
    fn overlap_is_shared_over_the_smaller() {
        assert!((overlap(&[1, 2, 3, 4], &[2, 3]) - 1.0).abs() < 1e-6);
        assert!((overlap(&[1, 2, 3, 4], &[4, 5, 6, 7]) - 0.25).abs() < 1e-6);
        assert_eq!(overlap(&[], &[1]), 0.0);
    }
}
