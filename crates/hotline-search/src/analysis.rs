//! Text analysis, shared by indexing, querying and highlighting so the three always agree.
//!
//! Chinese is written without spaces, and a two-character word such as 停车 or 电梯 must match
//! inside 停车位 or 乱停车 whatever a segmenter makes of the longer text. So the index keeps every
//! character bigram (and every character, for one-character queries) of a run of Chinese — the
//! CJK-bigram scheme of Lucene and Elasticsearch: nothing a reader would call a word can be missed.
//! The query is read *by words*: jieba cuts it, a two-character word is one term, a longer word
//! its bigrams, a one-character word (not a particle) itself; bigrams that straddle two words of the
//! query (梯维 in 电梯维修) are never asked for, which keeps ranking on the words the caller used.
//! Latin letters and digits form words, lower-cased and stemmed (English), so "elevators" finds
//! "elevator"; full-width letters and digits count as their ASCII forms.

use std::sync::LazyLock;

use tantivy::tokenizer::{Language, Stemmer, TextAnalyzer, Token, TokenStream, Tokenizer};

/// The name the analyzer is registered under in every index.
pub const TOKENIZER: &str = "hotline";

/// Longest Latin word kept (in characters); longer runs are noise (hashes, URLs).
const MAX_WORD_CHARS: usize = 40;

static JIEBA: LazyLock<jieba_rs::Jieba> = LazyLock::new(jieba_rs::Jieba::new);

/// One-character Chinese words that carry no meaning for search (particles, pronouns, copulas).
const CJK_STOP: &str = "的了是在我有和就不都也很到说要去你会着没看好这那吗呢吧啊么您请问与及或把被给让从对向于其之而且个啥咋呀哦嗯";

/// Chinese words a query drops: question and courtesy words, pronouns and the hotline's own
/// boilerplate (来电, 反映, 咨询), which every second request holds and which say nothing of its
/// matter.
const CJK_STOP_WORDS: &[&str] = &[
    "请问",
    "什么",
    "时候",
    "什么时候",
    "怎么",
    "怎么办",
    "怎样",
    "如何",
    "为什么",
    "哪个",
    "哪里",
    "哪儿",
    "哪些",
    "可以",
    "能否",
    "是否",
    "一下",
    "谢谢",
    "您好",
    "你好",
    "我们",
    "他们",
    "你们",
    "自己",
    "已经",
    "还是",
    "或者",
    "以及",
    "因为",
    "所以",
    "但是",
    "如果",
    "现在",
    "这个",
    "那个",
    "这些",
    "那些",
    "一个",
    "一些",
    "问题",
    "情况",
    "相关",
    "有关",
    "需要",
    "希望",
    "来电",
    "来电人",
    "市民",
    "反映",
    "咨询",
    "表示",
    "目前",
    "知道",
    "想问",
    "想",
    "找",
    "能",
    "该",
    "还",
    "又",
    "再",
    "才",
    "已",
    "被",
];

/// English words a query drops (they would match nearly everything).
const EN_STOP: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "for", "from", "has", "have", "how", "i", "in", "is", "it", "my", "of",
    "on", "or", "our", "the", "there", "this", "to", "was", "we", "what", "when", "where", "which", "who", "why", "with", "you", "your",
];

/// Chinese, Japanese kana and Korean hangul: written without spaces, read as character bigrams.
pub fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30FF}' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{AC00}'..='\u{D7AF}'
        | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{2FA1F}')
}

/// Full-width ASCII (Ａ, １) as ASCII; everything else unchanged.
fn normalise(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() && !is_cjk(c)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Every character and every bigram of a Chinese run; every Latin word.
    Index,
    /// Jieba words, each as its bigrams (a two-character word is its own bigram), a one-character
    /// word as itself unless it is a particle; English stop words dropped.
    Query,
}

/// Splits text into runs of one script and emits the tokens of each. Offsets are byte offsets into
/// the original text (before full-width folding), so highlights land on what the reader sees.
#[derive(Clone)]
struct Segmenter(Mode);

struct Emitter<'t> {
    out: &'t mut Vec<Token>,
    mode: Mode,
}

impl Emitter<'_> {
    fn push(&mut self, text: String, from: usize, to: usize) {
        let position = self.out.len();
        self.out.push(Token { offset_from: from, offset_to: to, position, text, position_length: 1 });
    }

    /// A run of CJK characters: `chars` with their byte offsets, `end` the byte after the last.
    fn cjk(&mut self, chars: &[(usize, char)], end: usize) {
        let end_of = |k: usize| chars.get(k + 1).map_or(end, |c| c.0);
        match (self.mode, chars.len()) {
            (_, 0) => {}
            (Mode::Query, 1) => {
                if !CJK_STOP.contains(chars[0].1) {
                    self.push(chars[0].1.to_string(), chars[0].0, end);
                }
            }
            (Mode::Query, _) => {
                for k in 0..chars.len().saturating_sub(1) {
                    self.push([chars[k].1, chars[k + 1].1].iter().collect(), chars[k].0, end_of(k + 1));
                }
            }
            (Mode::Index, _) => {
                for k in 0..chars.len() {
                    self.push(chars[k].1.to_string(), chars[k].0, end_of(k));
                    if k + 1 < chars.len() {
                        self.push([chars[k].1, chars[k + 1].1].iter().collect(), chars[k].0, end_of(k + 1));
                    }
                }
            }
        }
    }

    fn word(&mut self, chars: &[(usize, char)], end: usize) {
        if chars.is_empty() || chars.len() > MAX_WORD_CHARS {
            return;
        }
        let word: String = chars.iter().flat_map(|c| c.1.to_lowercase()).collect();
        if self.mode == Mode::Query && EN_STOP.contains(&word.as_str()) {
            return;
        }
        self.push(word, chars[0].0, end);
    }

    /// Every run of `text` (which starts at byte `base` of the original).
    fn runs(&mut self, text: &str, base: usize) {
        let chars: Vec<(usize, char)> = text.char_indices().map(|(i, c)| (base + i, normalise(c))).collect();
        let end = base + text.len();
        let mut start = 0;
        while start < chars.len() {
            let c = chars[start].1;
            let kind = |c: char| {
                if is_cjk(c) {
                    1
                } else if is_word_char(c) {
                    2
                } else {
                    0
                }
            };
            let k = kind(c);
            let mut stop = start + 1;
            while stop < chars.len() && kind(chars[stop].1) == k && k != 0 {
                stop += 1;
            }
            let run_end = chars.get(stop).map_or(end, |c| c.0);
            match k {
                1 => self.cjk(&chars[start..stop], run_end),
                2 => self.word(&chars[start..stop], run_end),
                _ => {}
            }
            start = stop;
        }
    }
}

fn segment(mode: Mode, text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut e = Emitter { out: &mut out, mode };
    match mode {
        Mode::Index => e.runs(text, 0),
        Mode::Query => {
            // Folded first so jieba sees ＷｉＦｉ as one word (query offsets are not used).
            let text: String = text.chars().map(normalise).collect();
            for w in JIEBA.cut(&text, true).into_iter().filter(|w| !CJK_STOP_WORDS.contains(&w.word)) {
                e.runs(w.word, w.byte_start);
            }
        }
    }
    out
}

/// The tokens of one text, handed to tantivy one by one.
pub struct Tokens {
    tokens: Vec<Token>,
    next: usize,
}

impl TokenStream for Tokens {
    fn advance(&mut self) -> bool {
        if self.next < self.tokens.len() {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next.saturating_sub(1).min(self.tokens.len().saturating_sub(1))]
    }

    fn token_mut(&mut self) -> &mut Token {
        let i = self.next.saturating_sub(1).min(self.tokens.len().saturating_sub(1));
        &mut self.tokens[i]
    }
}

impl Tokenizer for Segmenter {
    type TokenStream<'a> = Tokens;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Tokens {
        Tokens { tokens: segment(self.0, text), next: 0 }
    }
}

fn analyzer(mode: Mode) -> TextAnalyzer {
    TextAnalyzer::builder(Segmenter(mode)).filter(Stemmer::new(Language::English)).build()
}

/// The analyzer every indexed text field is registered with.
pub fn index_analyzer() -> TextAnalyzer {
    analyzer(Mode::Index)
}

/// A term with where it stands in the analysed text (byte offsets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub text: String,
    pub from: usize,
    pub to: usize,
}

fn collect(mut a: TextAnalyzer, text: &str) -> Vec<Term> {
    let mut out = Vec::new();
    a.token_stream(text).process(&mut |t: &Token| out.push(Term { text: t.text.clone(), from: t.offset_from, to: t.offset_to }));
    out
}

/// The terms a text is indexed under.
pub fn index_terms(text: &str) -> Vec<Term> {
    collect(index_analyzer(), text)
}

/// The distinct terms a query asks for, in the order they first appear.
pub fn query_terms(text: &str) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    collect(analyzer(Mode::Query), text).into_iter().map(|t| t.text).filter(|t| seen.insert(t.clone())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(terms: Vec<Term>) -> Vec<String> {
        terms.into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn chinese_is_indexed_as_characters_and_bigrams_with_offsets_on_the_original() {
        let t = index_terms("乱停车");
        assert_eq!(texts(t.clone()), ["乱", "乱停", "停", "停车", "车"]);
        assert_eq!((t[3].from, t[3].to), (3, 9));
    }

    #[test]
    fn a_query_is_read_by_words_without_bigrams_across_words_or_particles() {
        let q = query_terms("电梯维修");
        assert!(q.contains(&"电梯".to_owned()) && q.contains(&"维修".to_owned()), "{q:?}");
        assert!(!q.contains(&"梯维".to_owned()), "{q:?}");
        let q = query_terms("我的停车位");
        assert!(q.contains(&"停车".to_owned()) && q.contains(&"车位".to_owned()), "{q:?}");
        assert!(!q.iter().any(|t| t == "我" || t == "的"), "{q:?}");
    }

    #[test]
    fn english_words_are_lower_cased_stemmed_and_stop_words_dropped_from_queries() {
        assert_eq!(query_terms("The Elevators of my building"), ["elev", "build"]);
        assert_eq!(texts(index_terms("ELEVATOR broken")), ["elev", "broken"]);
    }

    #[test]
    fn mixed_text_and_full_width_letters_read_as_both_scripts() {
        let q = query_terms("WiFi信号差，ＷＩＦＩ");
        assert!(q.contains(&"wifi".to_owned()) && q.contains(&"信号".to_owned()), "{q:?}");
        assert_eq!(q.iter().filter(|t| *t == "wifi").count(), 1);
        let t = index_terms("３号楼");
        assert_eq!(t[0].text, "3");
    }

    proptest::proptest! {
        #[test]
        fn any_text_analyses_without_panicking_and_offsets_stay_on_char_boundaries(s in "\\PC{0,60}") {
            for t in index_terms(&s) {
                proptest::prop_assert!(s.is_char_boundary(t.from) && s.is_char_boundary(t.to) && t.from < t.to);
            }
            let _ = query_terms(&s);
        }

        #[test]
        fn every_two_character_chinese_word_of_a_text_is_found_by_querying_it(s in "[停车电梯小区暖气供水物业噪音]{2,12}", at in 0usize..10) {
            let chars: Vec<char> = s.chars().collect();
            let k = at % (chars.len() - 1);
            let word: String = chars[k..k + 2].iter().collect();
            let indexed: Vec<String> = texts(index_terms(&s));
            for q in query_terms(&word) {
                proptest::prop_assert!(indexed.contains(&q), "{word} → {q} not in {indexed:?}");
            }
        }
    }
}
