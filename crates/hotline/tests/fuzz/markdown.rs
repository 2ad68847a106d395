//! The Markdown of knowledge-base articles, as citizens see it on `/kb/{slug}`: an article saved
//! with any body renders without a server error, and what the body becomes holds no script — no
//! element but those Markdown makes, no event-handler or style attribute, and no link or image
//! whose address a browser would run (`javascript:`, `vbscript:`, `data:`, however it is spelled).

use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use hotline_domain::kb::{ArticleDraft, ArticleStatus};
use proptest::prelude::*;

use crate::common::{World, corpus, nasty_text, run, text};

/// Pieces of Markdown and of the HTML and addresses that would run if they got through.
const PIECES: &[&str] = &[
    "[",
    "]",
    "(",
    ")",
    "](",
    "![",
    "<",
    ">",
    "\n",
    "\n\n",
    "```",
    "`",
    "    ",
    "> ",
    "* ",
    "- ",
    "1. ",
    "# ",
    "---",
    "|",
    "\\",
    "\"",
    "'",
    "&",
    "&amp;",
    "&#0;",
    "&#x0;",
    "&#9;",
    "&#10;",
    "&#58;",
    "&colon;",
    "&#106;",
    "&#x6A;",
    "&Tab;",
    "%0a",
    "%3A",
    "\t",
    "\u{0}",
    "\u{1}",
    "\u{b}",
    "\u{c}",
    "\u{202e}",
    "\u{feff}",
    "\u{2028}",
    " ",
    "x",
    "a@b.cn",
    "javascript:",
    "JaVaScRiPt:",
    "java\tscript:",
    "java\nscript:",
    " javascript:",
    "\u{1}javascript:",
    "vbscript:",
    "data:text/html,",
    "data:image/svg+xml,",
    "livescript:",
    "https:",
    "http://a.b/",
    "//evil.example/",
    "/\\evil.example/",
    "mailto:",
    "tel:",
    "alert(1)",
    "<script>",
    "</script>",
    "<SCRIPT SRC=x>",
    "<script",
    "<img src=x onerror=alert(1)>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<svg onload=alert(1)>",
    "<iframe src=x>",
    "<style>",
    "<!--",
    "-->",
    "<![CDATA[",
    "<?php",
    "<javascript:alert(1)>",
    "<https://a.b/>",
    "<mailto:a@b.cn>",
    "[r]: javascript:alert(1)",
    "[r]",
    "[x][r]",
    "\"title\"",
    "onerror=",
    "onclick=\"",
    "style=",
    "<div>",
    "</div>",
    "<p onclick=alert(1)>",
    "{#id}",
    "[^1]",
    "- [ ] ",
    "~~",
    "**",
    "__",
    "*",
    "_",
];

fn markdown() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => prop::sample::select(PIECES).prop_map(str::to_owned),
        1 => nasty_text(8),
    ];
    prop_oneof![
        4 => prop::collection::vec(piece, 0..60).prop_map(|v| v.concat()),
        1 => nasty_text(400),
    ]
}

/// The text of an attribute value with character references read (`&amp;` `&quot;` `&#106;`
/// `&#x6A;`), as the browser reads it.
fn unescape(v: &str) -> String {
    let mut out = String::new();
    let mut rest = v;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest.find(';').filter(|e| *e <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..end];
        let c = match entity {
            "amp" => Some('&'),
            "quot" => Some('"'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "apos" => Some('\''),
            e if e.starts_with("#x") || e.starts_with("#X") => u32::from_str_radix(&e[2..], 16).ok().and_then(char::from_u32),
            e if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Whether a browser would run this address: its scheme, read as the URL standard reads it
/// (leading controls and spaces dropped, tabs and line breaks removed anywhere), is not one of
/// the web, mail or phone.
fn runs(url: &str) -> bool {
    let u: String = unescape(url).trim_start_matches(|c: char| c <= ' ').chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
    let Some((scheme, _)) = u.split_once(':') else { return false };
    let is_scheme = scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    is_scheme && !matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https" | "mailto" | "tel")
}

/// The elements Markdown makes, and their attributes.
const ELEMENTS: &[&str] = &[
    "p",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "em",
    "strong",
    "del",
    "a",
    "img",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "sup",
    "input",
    "div",
    "span",
];
const ATTRIBUTES: &[&str] = &["href", "src", "alt", "title", "start", "class", "id", "type", "checked", "disabled", "align"];

/// The properties of the rendered body: every `<` opens or closes an element Markdown makes, with
/// its own attributes only, and no address that would run.
fn check_html(md: &str, html: &str) -> Result<(), TestCaseError> {
    let lower = html.to_ascii_lowercase();
    for bad in ["<script", "<iframe", "<svg", "<style", "<object", "<embed", "<!--", "<?", "<!["] {
        prop_assert!(!lower.contains(bad), "{bad} in {html:?}\nfrom {md:?}");
    }
    let b = html.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'<' {
            i += 1;
            continue;
        }
        i += 1;
        if b.get(i) == Some(&b'/') {
            i += 1;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_alphanumeric() {
            i += 1;
        }
        let name = html[start..i].to_ascii_lowercase();
        prop_assert!(ELEMENTS.contains(&name.as_str()), "element {name:?} in {html:?}\nfrom {md:?}");
        loop {
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            match b.get(i) {
                None => return Err(TestCaseError::fail(format!("an unclosed tag in {html:?}\nfrom {md:?}"))),
                Some(b'>') => {
                    i += 1;
                    break;
                }
                Some(b'/') => {
                    i += 1;
                    continue;
                }
                _ => {}
            }
            let a = i;
            while i < b.len() && !matches!(b[i], b'=' | b'>' | b'/') && !b[i].is_ascii_whitespace() {
                i += 1;
            }
            let attr = html[a..i].to_ascii_lowercase();
            prop_assert!(ATTRIBUTES.contains(&attr.as_str()), "attribute {attr:?} of <{name}> in {html:?}\nfrom {md:?}");
            if b.get(i) == Some(&b'=') {
                i += 1;
                let value = if b.get(i) == Some(&b'"') {
                    let v = i + 1;
                    let end = html[v..].find('"').map(|e| v + e);
                    let Some(end) = end else { return Err(TestCaseError::fail(format!("an unclosed value in {html:?}"))) };
                    i = end + 1;
                    &html[v..end]
                } else {
                    let v = i;
                    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                        i += 1;
                    }
                    &html[v..i]
                };
                if matches!(attr.as_str(), "href" | "src") {
                    prop_assert!(!runs(value), "{attr}={value:?} would run, in {html:?}\nfrom {md:?}");
                }
            }
        }
    }
    Ok(())
}

#[test]
fn the_checker_sees_what_would_run() {
    assert!(runs("javascript:alert(1)") && runs(" JaVa&#x09;Script&colon;x") == runs(" JaVa\tScript&colon;x"));
    assert!(runs("java&#10;script:alert(1)") && runs("\u{1}data:text/html,x") && runs("vbscript:x"));
    assert!(!runs("https://a.b/") && !runs("/kb/x") && !runs("#") && !runs("mailto:a@b.cn") && !runs("x?a=b:c"));
    assert!(check_html("", "<p><a href=\"https://a.b/\" title=\"t\">x</a></p>\n").is_ok());
    assert!(check_html("", "<p><a href=\"java&#x09;script:x\">x</a></p>").is_err());
    assert!(check_html("", "<p onclick=\"x\">x</p>").is_err());
    assert!(check_html("", "<p>&lt;script&gt;</p><script>").is_err());
}

/// Saves articles with the bodies given and reads each back as a citizen would.
struct Articles {
    world: World,
    next: AtomicU64,
}

impl Articles {
    fn check(&self, md: &str) -> Result<(), TestCaseError> {
        // The shortest article body is 10 characters: a short one gets a line after it.
        let body = if md.trim().chars().count() < 10 { format!("{md}\n\n供暖季时间以政府公告为准。") } else { md.to_owned() };
        let slug = format!("fuzz-{}", self.next.fetch_add(1, Ordering::SeqCst));
        let draft = ArticleDraft {
            slug: slug.clone(),
            status: ArticleStatus::Public,
            owner: "C-12345".into(),
            categories: Vec::new(),
            title_zh: "测试文章".into(),
            title_en: String::new(),
            body_zh: body.chars().take(50_000).collect(),
            body_en: String::new(),
            effective_from: None,
            review_by: None,
            sample: false,
        };
        let saved = self.world.rt.block_on(self.world.app.save_article_draft(self.world.user("admin"), draft, None));
        let Ok(_) = saved else { return Ok(()) };
        let (status, _, page) = self.world.send(Request::get(format!("/kb/{slug}")).body(Body::empty()).expect("a request"));
        let page = String::from_utf8_lossy(&page);
        prop_assert_eq!(status, StatusCode::OK, "{}", page);
        let start = page.find("id=\"article-body\">").map(|i| i + "id=\"article-body\">".len());
        let Some(start) = start else { return Err(TestCaseError::fail(format!("no article body in {page}"))) };
        let Some(len) = page[start..].find("</article>") else { return Err(TestCaseError::fail(format!("an unclosed article in {page}"))) };
        check_html(md, &page[start..start + len])
    }
}

#[test]
fn any_article_body_renders_without_script() {
    let articles = Articles { world: World::new(), next: AtomicU64::new(0) };
    for (name, bytes) in corpus("markdown") {
        articles.check(&text(&bytes)).unwrap_or_else(|e| panic!("corpus {name}: {e}"));
    }
    run(192, markdown(), |md| articles.check(&md));
}
