//! The question parser on the shipped evaluation set (crates/hotline/data/ask/questions.jsonl,
//! written before the parser and without looking at it): the figures the issue holds it to, and the
//! questions the platform is judged by.

use hotline::ask::{evaluate, read_cases, shipped_catalog};
use hotline_analytics::ask::Lexicon;

fn lexicon() -> Lexicon {
    Lexicon::new(&shipped_catalog().expect("the shipped reference data"))
}

fn cases() -> Vec<hotline_analytics::ask::Case> {
    read_cases(include_str!("../data/ask/questions.jsonl")).expect("the evaluation set reads")
}

#[test]
fn the_parser_reads_at_least_95_percent_of_the_shipped_questions_exactly() {
    let cases = cases();
    assert!(cases.len() >= 200, "at least 200 questions");
    let (all, _, held_out) = evaluate(&lexicon(), &cases);
    assert!(all.accuracy() >= 0.95, "exact on {}/{}: wrong {:?}", all.exact, all.questions, all.wrong);
    // The half never looked at while the parser was written keeps it honest.
    assert!(held_out.accuracy() >= 0.9, "held out exact on {}/{}", held_out.exact, held_out.questions);
}

#[test]
fn the_questions_the_issue_names_are_read_exactly_in_both_languages() {
    let cases = cases();
    let lexicon = lexicon();
    for id in ["zh-001", "zh-002", "zh-003", "zh-004", "en-001", "en-003", "en-005"] {
        let case = cases.iter().find(|c| c.id == id).expect("the case");
        let got = lexicon.parse(&case.q, case.now.date_naive());
        assert_eq!(got.query, case.query, "{id}: {}", case.q);
    }
}

#[test]
fn words_the_parser_cannot_use_are_reported_never_dropped() {
    let lexicon = lexicon();
    let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).expect("date");
    let got = lexicon.parse("用饼图显示上个月各区投诉，再做个PPT", day);
    assert_eq!(got.query.group_by, vec![hotline_analytics::Dimension::District]);
    let unparsed = got.unparsed.join(" ");
    assert!(unparsed.contains("饼图") && unparsed.contains("PPT"), "{unparsed}");
    assert!(lexicon.parse("上个月各区投诉", day).unparsed.is_empty());
}
