//! Robustness of the text the public hands the domain: a requester's phone and name (intake, the
//! citizen pages, Open311), an order number (tracking), a category path, and an article's Markdown
//! file with its front matter (`hotline kb import`, the editor). Each parser takes arbitrary text —
//! very long, NUL and control characters, RTL overrides, emoji, combining marks, full-width digits —
//! without panicking, and what it accepts is canonical: parsing it again gives it back.
//!
//! Proptest, not cargo-fuzz (which needs a nightly compiler): the properties run with the ordinary
//! `cargo test`, bounded to a few seconds; `PROPTEST_CASES=100000 cargo test -p hotline-domain --test
//! fuzz_text` runs them longer. The committed corpus (`tests/corpus/<target>/`, one input per file)
//! is run first by every property's test.

use hotline_domain::kb::parse_markdown;
use hotline_domain::text::{Phone, bounded, mask_name};
use hotline_domain::{CategoryPath, OrderNumber, Requester};
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;

/// The number of cases: `PROPTEST_CASES` when set, else `default`.
fn config(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

/// The committed inputs of one target: each file of `tests/corpus/<target>/` is one input (read as
/// UTF-8, invalid bytes replaced, as a web form or a file import would).
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

/// Characters that break parsers: controls, invisible and direction marks, the BOM, the last code
/// points, combining marks, full-width and Arabic-Indic digits, the ideographic space, and the
/// punctuation the parsers split on.
const NASTY: &str = concat!(
    "\0\u{1}\u{7}\u{8}\t\n\u{b}\u{c}\r\u{1b}\u{7f}\u{85}\u{a0}\u{ad}\u{200b}\u{200d}\u{200e}",
    "\u{200f}\u{202a}\u{202e}\u{2028}\u{2029}\u{2066}\u{2069}\u{3000}\u{feff}\u{fffd}\u{ffff}",
    "\u{e000}\u{10ffff}\u{301}\u{338}\u{ff10}\u{ff11}\u{ff19}٠٩٫+-#转(). :/\\\"'<>&%=[]{}`*_|,",
    "\u{ff0c}0186aZéßİﬃ😀👨\u{1f3fb}🇨🇳אب中區𠀀",
);

fn nasty_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => any::<char>(),
        4 => prop::sample::select(NASTY.chars().collect::<Vec<char>>()),
        3 => prop::char::range('0', '9'),
        2 => prop::char::range('\u{4e00}', '\u{9fff}'),
        1 => prop::char::range('\u{1f300}', '\u{1faff}'),
        1 => prop::char::range('\u{590}', '\u{6ff}'),
    ]
}

/// Arbitrary text up to `max` characters, sometimes a short piece repeated into a long one.
fn nasty_text(max: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        8 => prop::collection::vec(nasty_char(), 0..max).prop_map(|v| v.into_iter().collect::<String>()),
        1 => (prop::collection::vec(nasty_char(), 1..6), 1..3000usize)
            .prop_map(|(v, n)| v.into_iter().collect::<String>().repeat(n)),
    ]
}

/// Text shaped like a phone number, so the deeper branches are reached: prefixes, digits,
/// separators and extension marks.
fn phone_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        6 => prop::char::range('0', '9').prop_map(String::from),
        1 => prop::sample::select(vec!["+", "00", "+86", "0086", "86", "010", "02", "0755", "13", "19", "-", " ", "(", ")", ".", "#", "转"])
            .prop_map(str::to_owned),
        1 => nasty_char().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..30).prop_map(|v| v.concat())
}

/// The properties of one phone input: no panic, and an accepted number is canonical — it parses to
/// itself, survives the JSON an order is stored as, and masks to as many characters.
fn check_phone(raw: &str) -> Result<(), TestCaseError> {
    let Ok(p) = Phone::parse(raw) else { return Ok(()) };
    let s = p.as_str();
    prop_assert!(!s.is_empty() && s.len() <= 24, "{raw:?} → {s:?}");
    prop_assert!(s.bytes().all(|b| b.is_ascii_digit() || b == b'-' || b == b'+'), "{raw:?} → {s:?}");
    prop_assert_eq!(Phone::parse(s), Ok(p.clone()), "{:?} → {:?} does not parse to itself", raw, s);
    let json = serde_json::to_string(&p).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let back: Phone = serde_json::from_str(&json).map_err(|e| TestCaseError::fail(format!("{raw:?} → {json} does not read back: {e}")))?;
    prop_assert_eq!(&back, &p);
    prop_assert_eq!(p.masked().chars().count(), s.chars().count());
    Ok(())
}

/// The properties of one requester: no panic; an accepted requester's name is trimmed, at most 50
/// characters and free of controls but line breaks and tabs; the language is a subtag; and giving
/// the accepted values again gives the same requester.
fn check_requester(name: &str, phone: Option<&str>, language: Option<&str>, age: Option<&str>) -> Result<(), TestCaseError> {
    let masked = mask_name(name);
    prop_assert!(name.is_empty() || masked.chars().next() == name.chars().next());
    let Ok(r) = Requester::parse(name, phone, language, age, false) else { return Ok(()) };
    prop_assert_eq!(r.name.trim(), r.name.as_str());
    prop_assert!(r.name.chars().count() <= 50);
    prop_assert!(!r.name.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r')), "{:?}", r.name);
    prop_assert!((2..=3).contains(&r.language.len()) && r.language.bytes().all(|b| b.is_ascii_lowercase()), "{:?}", r.language);
    let again = Requester::parse(
        &r.name,
        r.phone.as_ref().map(Phone::as_str),
        Some(&r.language),
        r.age_group.map(hotline_domain::AgeGroup::code),
        false,
    );
    prop_assert_eq!(again, Ok(r));
    Ok(())
}

/// Bounded free text (descriptions, names, addresses): what is accepted is trimmed, within the
/// bounds in characters (not bytes), and accepted again unchanged.
fn check_bounded(raw: &str, min: usize, max: usize) -> Result<(), TestCaseError> {
    let Ok(s) = bounded("description", raw, min, max) else { return Ok(()) };
    let n = s.chars().count();
    prop_assert!((min..=max).contains(&n), "{n} characters outside {min}..={max}");
    prop_assert_eq!(bounded("description", &s, min, max), Ok(s.clone()));
    Ok(())
}

fn check_order_number(raw: &str) -> Result<(), TestCaseError> {
    let Ok(n) = OrderNumber::parse(raw) else { return Ok(()) };
    prop_assert!(n.as_str().bytes().all(|b| b.is_ascii_digit()));
    prop_assert_eq!(OrderNumber::parse(n.as_str()), Ok(n.clone()));
    Ok(())
}

fn check_category(raw: &str) -> Result<(), TestCaseError> {
    let Ok(c) = CategoryPath::parse(raw) else { return Ok(()) };
    prop_assert!(c.as_str().split('/').count() <= 3);
    prop_assert!(hotline_domain::FIRST_LEVEL_CATEGORIES.iter().any(|(code, _, _)| *code == c.first_level()));
    prop_assert_eq!(CategoryPath::parse(c.as_str()), Ok(c.clone()));
    Ok(())
}

/// An article file: no panic, and what is accepted is a valid draft (validating it again keeps it).
fn check_article(raw: &str) -> Result<(), TestCaseError> {
    let Ok(draft) = parse_markdown(raw) else { return Ok(()) };
    prop_assert_eq!(draft.clone().validate(), Ok(draft.clone()));
    prop_assert!(draft.slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
    Ok(())
}

/// Front matter with arbitrary values, so the fields are read and validated rather than refused at
/// the first line.
fn article_like() -> impl Strategy<Value = String> {
    let key = prop::sample::select(vec![
        "slug",
        "title_zh",
        "title_en",
        "owner",
        "categories",
        "status",
        "effective",
        "review_by",
        "sample",
        "#",
    ]);
    let line = (key, nasty_text(40)).prop_map(|(k, v)| format!("{k}: {}", v.replace('\n', " ")));
    (prop::collection::vec(line, 0..10), nasty_text(300), prop::option::of(nasty_text(200))).prop_map(|(head, zh, en)| {
        let en = en.map(|e| format!("\n<!-- en -->\n{e}")).unwrap_or_default();
        format!("---\nslug: a-b\ntitle_zh: 标题\nstatus: public\n{}\n---\n{zh}{en}", head.join("\n"))
    })
}

#[test]
fn the_corpus_of_phones_and_names_is_taken_without_panic() {
    for (name, text) in corpus("phone") {
        check_phone(&text).unwrap_or_else(|e| panic!("corpus phone/{name}: {e}"));
        check_requester("张三", Some(&text), None, None).unwrap_or_else(|e| panic!("corpus phone/{name}: {e}"));
    }
    for (name, text) in corpus("requester_name") {
        check_requester(&text, None, None, None).unwrap_or_else(|e| panic!("corpus requester_name/{name}: {e}"));
        check_requester("张三", None, Some(&text), Some(&text)).unwrap_or_else(|e| panic!("corpus requester_name/{name}: {e}"));
        check_bounded(&text, 0, 50).unwrap_or_else(|e| panic!("corpus requester_name/{name}: {e}"));
        check_order_number(&text).unwrap_or_else(|e| panic!("corpus requester_name/{name}: {e}"));
        check_category(&text).unwrap_or_else(|e| panic!("corpus requester_name/{name}: {e}"));
    }
}

#[test]
fn the_corpus_of_articles_is_taken_without_panic() {
    for (name, text) in corpus("article") {
        check_article(&text).unwrap_or_else(|e| panic!("corpus article/{name}: {e}"));
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn any_text_as_a_phone_is_refused_or_canonical(raw in nasty_text(40)) {
        check_phone(&raw)?;
    }

    #[test]
    fn phone_shaped_text_is_refused_or_canonical(raw in phone_like()) {
        check_phone(&raw)?;
    }

    #[test]
    fn any_requester_is_refused_or_canonical(
        name in nasty_text(80),
        phone in prop::option::of(phone_like()),
        language in prop::option::of(nasty_text(5)),
        age in prop::option::of(prop_oneof![nasty_text(8), prop::sample::select(vec!["minor", "adult", "senior", " Senior "]).prop_map(str::to_owned)]),
    ) {
        check_requester(&name, phone.as_deref(), language.as_deref(), age.as_deref())?;
    }

    #[test]
    fn bounded_text_is_refused_or_within_its_bounds(raw in nasty_text(120), min in 0..5usize, extra in 0..100usize) {
        check_bounded(&raw, min, min + extra)?;
    }

    #[test]
    fn order_numbers_and_category_paths_are_refused_or_canonical(raw in nasty_text(30), digits in "[0-9]{8,22}", path in "[A-Z]{3}(/[a-z_0-9-]{0,34}){0,3}") {
        check_order_number(&raw)?;
        check_order_number(&digits)?;
        check_category(&raw)?;
        check_category(&path)?;
    }

    #[test]
    fn any_article_file_is_refused_or_a_valid_draft(raw in nasty_text(400), shaped in article_like()) {
        check_article(&raw)?;
        check_article(&shaped)?;
    }
}
