//! Robustness of the parsers the public reaches through the binary (issue #17 §4): place
//! resolution against the shipped gazetteer, the imports (history lines, category, unit and
//! dispatch CSV), Open311 (parameters, W3C dates, form and multipart bodies, queries) and the
//! Markdown of knowledge-base articles. Each target takes arbitrary input — very long text, NUL and
//! control characters, RTL marks, emoji, invalid UTF-8 where bytes arrive — without panicking or
//! answering with a server error, and keeps an invariant where one makes sense (a resolved place is
//! a shipped unit; an accepted request reads back; a CSV written back reads back the same;
//! rendered Markdown runs no script).
//!
//! Proptest, not cargo-fuzz (which needs a nightly compiler): the properties run with the ordinary
//! `cargo test`, bounded to well under a minute in a debug build. `PROPTEST_CASES=100000 cargo test
//! -p hotline --test fuzz` runs each property that many times. Each target's committed corpus
//! (`tests/corpus/<target>/`, one input per file) runs first, in the same test.

mod common;
mod imports;
mod markdown;
mod open311;
mod places;
