//! Robustness of triage on the text citizens write: the shipped model (`crates/hotline/data/
//! triage-default.model`, what a deployment without its own model runs) suggests for any text —
//! arbitrary Unicode, very long, NUL and control characters, RTL marks, emoji, mixed scripts —
//! without panicking, and every decision is a distribution (finite probabilities in 0–1, best first,
//! adding up to at most 1) of codes the platform knows; an emergency is urgent. The words, the
//! emergency reading, the rules and the duplicate score take the same text.
//!
//! Proptest, not cargo-fuzz (which needs a nightly compiler): the properties run with the ordinary
//! `cargo test`, bounded to a few seconds; `PROPTEST_CASES=100000 cargo test -p hotline-triage --test
//! fuzz_text` runs them longer. The committed corpus (`tests/corpus/triage/`, one text per file) is
//! run by its own test.

use std::sync::LazyLock;

use hotline_domain::CategoryPath;
use hotline_triage::duplicates::{Candidate, has_repeat_cue, score};
use hotline_triage::features::overlap;
use hotline_triage::{Engine, Level, Ranked, TriageModel, emergency, rules};
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;

/// The model shipped in the binary, loaded once.
static ENGINE: LazyLock<Engine> = LazyLock::new(|| {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../hotline/data/triage-default.model");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Engine::new(TriageModel::from_bytes(&bytes).expect("the shipped model loads"))
});

/// The number of cases: `PROPTEST_CASES` when set, else `default`.
fn config(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

/// The committed inputs of one target: each file of `tests/corpus/<target>/` is one input.
fn corpus(target: &str) -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus").join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("the corpus {}: {e}", dir.display()))
        .map(|e| e.expect("a corpus entry").path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "the corpus {} is empty", dir.display());
    files
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p.file_name().unwrap_or_default().to_string_lossy().into_owned(), String::from_utf8_lossy(&bytes).into_owned())
        })
        .collect()
}

/// Characters that break text processing: controls, invisible and direction marks, the BOM, the
/// last code points, combining marks, characters whose lower case is longer (İ), full-width forms,
/// and the words triage listens for.
const NASTY: &str = concat!(
    "\0\u{1}\u{7}\u{8}\t\n\u{b}\u{c}\r\u{1b}\u{7f}\u{85}\u{a0}\u{ad}\u{200b}\u{200d}\u{200e}",
    "\u{200f}\u{202a}\u{202e}\u{2028}\u{2029}\u{2066}\u{3000}\u{feff}\u{fffd}\u{ffff}\u{e000}",
    "\u{10ffff}\u{301}\u{338}İẞﬃŉΣ\u{ff21}\u{ff41}\u{ff5e}\u{ff10}'sie .?\u{ff1f}\u{ff01}",
    "\u{ff0c}。😀👨\u{1f3fb}🇨🇳אب𠀀㐀",
);

/// Words and pieces the decisions and rules react to, mixed in so deeper branches run.
const WORDS: &[&str] = &[
    "着火",
    "火灾",
    "冒烟",
    "燃气",
    "煤气味",
    "泄漏",
    "电梯困人",
    "被困",
    "有人晕倒",
    "救命",
    "打架",
    "持刀",
    "车祸",
    "暖气不热",
    "停水",
    "停电",
    "乱停车",
    "噪音",
    "举报",
    "建议",
    "感谢",
    "表扬",
    "请问",
    "怎么办",
    "投诉",
    "上周",
    "已经",
    "听说",
    "如果",
    "又",
    "还没",
    "再催",
    "上次",
    "不",
    "没有",
    "楼",
    "号",
    "社区",
    "望京",
    "海淀区",
    "fire",
    "gas leak",
    "help",
    "stuck",
    "elevator",
    "again",
    "still",
    "please",
    "what's",
    "ladies",
    "it's",
    "?",
    "110",
    "119",
    "120",
    "122",
];

fn nasty_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => any::<char>(),
        3 => prop::sample::select(NASTY.chars().collect::<Vec<char>>()),
        3 => prop::char::range('\u{4e00}', '\u{9fff}'),
        2 => prop::char::range('a', 'z'),
        1 => prop::char::range('A', 'Z'),
        1 => prop::char::range('0', '9'),
        1 => prop::char::range('\u{1f300}', '\u{1faff}'),
        1 => prop::char::range('\u{590}', '\u{6ff}'),
    ]
}

/// Arbitrary text mixed with the words triage listens for.
fn request_text(max_pieces: usize) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => prop::collection::vec(nasty_char(), 1..8).prop_map(|v| v.into_iter().collect::<String>()),
        1 => prop::sample::select(WORDS).prop_map(str::to_owned),
    ];
    prop::collection::vec(piece, 0..max_pieces).prop_map(|v| v.concat())
}

/// Long text: a piece repeated up to the 4,000 characters a description may hold, and beyond.
fn long_text() -> impl Strategy<Value = String> {
    (request_text(6), 1..800usize).prop_map(|(piece, n)| {
        let piece = if piece.is_empty() { "暖气".to_owned() } else { piece };
        piece.repeat(n).chars().take(6000).collect()
    })
}

/// A decision is a distribution: non-empty, finite probabilities in 0–1, best first, at most 1 in all.
fn check_ranked(what: &str, text: &str, r: &Ranked) -> Result<(), TestCaseError> {
    prop_assert!(!r.is_empty(), "{what} is empty for {text:?}");
    for (code, p) in r {
        prop_assert!(!code.is_empty(), "{what} has an empty code for {text:?}");
        prop_assert!(p.is_finite() && (0.0..=1.0 + 1e-4).contains(p), "{what} {code} has p = {p} for {text:?}");
    }
    prop_assert!(r.windows(2).all(|w| w[0].1 >= w[1].1), "{what} is not best first for {text:?}: {r:?}");
    let sum: f32 = r.iter().map(|(_, p)| p).sum();
    prop_assert!(sum <= 1.0 + 1e-3, "{what} adds up to {sum} for {text:?}: {r:?}");
    Ok(())
}

/// The properties of one text.
fn check_text(text: &str) -> Result<(), TestCaseError> {
    let s = ENGINE.suggest(text);
    check_ranked("nature", text, &s.nature)?;
    check_ranked("category", text, &s.category)?;
    check_ranked("urgency", text, &s.urgency)?;
    check_ranked("disposition", text, &s.disposition)?;
    for (code, _) in &s.category {
        prop_assert!(CategoryPath::parse(code).is_ok(), "category {code:?} is not a category path ({text:?})");
    }
    prop_assert!(CategoryPath::parse(&s.emergency.category).is_ok(), "emergency category {:?} ({text:?})", s.emergency.category);
    let p = s.emergency.p;
    prop_assert!(p.is_finite() && (0.0..=1.0).contains(&p), "emergency p = {p} for {text:?}");
    let c = s.confidence();
    prop_assert!(c.is_finite() && (0.0..=1.0 + 1e-4).contains(&c), "confidence {c} for {text:?}");
    if s.emergency.level == Level::Emergency {
        prop_assert_eq!(s.urgency[0].0.as_str(), "emergency", "an emergency that is not urgent: {:?}", text);
        prop_assert_eq!(&s.disposition[0].0, &s.emergency.disposition);
    } else {
        prop_assert!(s.urgency[0].0 != "emergency", "urgency emergency without the emergency decision: {text:?}");
    }
    prop_assert!(s.category_path().len() <= 3);
    // The parts the engine is made of, on their own.
    let words = ENGINE.featurizer().words(text);
    prop_assert!(words.iter().all(|w| !w.is_empty()));
    let reading = emergency::read(text);
    prop_assert!(reading.situations.windows(2).all(|w| !w[0].discounted || w[1].discounted), "now before discounted");
    let _ = (rules::emergency(text), rules::out_of_scope(text), rules::is_question(text), rules::nature_cue(text), has_repeat_cue(text));
    Ok(())
}

/// The duplicate score of two texts at one place: 0–1, finite, and the fingerprint's overlap too.
fn check_duplicate(a: &str, b: &str, repeat_cue: bool) -> Result<(), TestCaseError> {
    let candidate = |id: &str, text: &str| Candidate {
        id: id.into(),
        fingerprint: ENGINE.featurizer().fingerprint(text),
        district: Some("110105".into()),
        street: Some("110105026".into()),
        community: None,
        category: Some("UTL".into()),
        deepest: Some("UTL/heating/not_warm".into()),
        nature: Some("complaint".into()),
        at_ms: Some(0),
        repeat_cue,
    };
    let (new, old) = (candidate("new", a), candidate("old", b));
    let o = overlap(&new.fingerprint, &old.fingerprint);
    prop_assert!(o.is_finite() && (0.0..=1.0).contains(&o), "overlap {o}");
    let s = score(&new, &old, 3_600_000);
    prop_assert!(s.is_finite() && (0.0..=1.0).contains(&s), "score {s} for {a:?} / {b:?}");
    if !new.fingerprint.is_empty() {
        prop_assert!(score(&new, &new, 3_600_000) >= 0.5, "a text does not repeat itself: {a:?}");
    }
    Ok(())
}

#[test]
fn the_corpus_of_texts_is_triaged_without_panic_and_the_same_every_time() {
    let texts = corpus("triage");
    for (name, text) in &texts {
        check_text(text).unwrap_or_else(|e| panic!("corpus triage/{name}: {e}"));
        assert_eq!(ENGINE.suggest(text), ENGINE.suggest(text), "corpus triage/{name}: not the same twice");
    }
    for pair in texts.windows(2) {
        check_duplicate(&pair[0].1, &pair[1].1, true).unwrap_or_else(|e| panic!("corpus triage/{} and {}: {e}", pair[0].0, pair[1].0));
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn any_text_is_triaged_into_distributions(text in request_text(40)) {
        check_text(&text)?;
    }

    #[test]
    fn any_two_texts_score_as_duplicates_between_0_and_1(a in request_text(20), b in request_text(20), cue in any::<bool>()) {
        check_duplicate(&a, &b, cue)?;
    }
}

proptest! {
    #![proptest_config(config(32))]

    #[test]
    fn long_text_is_triaged_into_distributions(text in long_text()) {
        check_text(&text)?;
    }
}
