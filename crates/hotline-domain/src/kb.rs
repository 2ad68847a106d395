//! The knowledge base (知识库): articles (policy, procedure, FAQ) an owner unit keeps current, in
//! Chinese and English, with the categories they serve, effective and review dates, and a status
//! that decides who may read them (draft: the owner; internal: staff; public: everyone).
//!
//! Articles travel as Markdown files with a small front matter (see [`parse_markdown`]), so a
//! unit can keep them in a folder and `hotline kb import` them.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::ValidationError;
use crate::order::CategoryPath;

crate::vocab::vocabulary!(/// Who may read an article.
    ArticleStatus, "status" {
    Draft = "draft", "草稿", "Draft";
    Internal = "internal", "内部", "Internal (staff only)";
    Public = "public", "公开", "Public";
});

/// The article (and the version of it) an operator answered a consultation from, kept on the order
/// so the knowledge base's use is measured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleRef {
    pub slug: String,
    pub version: i64,
    pub title: String,
}

/// The answer given to a consultation on the spot (直接答复).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectAnswer {
    pub text: String,
    pub article: Option<ArticleRef>,
}

/// An article as written, validated, before the store gives it a version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleDraft {
    /// Stable name in URLs and imports: lower-case letters, digits and `-`.
    pub slug: String,
    pub status: ArticleStatus,
    /// The owner unit's code (resolved to a unit by the use case).
    pub owner: String,
    pub categories: Vec<CategoryPath>,
    pub title_zh: String,
    pub title_en: String,
    /// Markdown.
    pub body_zh: String,
    pub body_en: String,
    pub effective_from: Option<NaiveDate>,
    /// After this date the owner is asked to check the article is still right.
    pub review_by: Option<NaiveDate>,
    /// Marked as sample content (the shipped starter set), shown as such.
    pub sample: bool,
}

const MAX_BODY_CHARS: usize = 50_000;

fn invalid(field: &str, code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> ValidationError {
    ValidationError::new(field, code, zh, en)
}

impl ArticleDraft {
    /// Checks every field: slug form, titles present, bodies bounded, review after effective.
    pub fn validate(self) -> Result<Self, ValidationError> {
        let slug_ok = !self.slug.is_empty()
            && self.slug.len() <= 80
            && self.slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            // Taken by the pages (`/kb/new`, `/kb/save`).
            && !matches!(self.slug.as_str(), "new" | "save");
        if !slug_ok {
            return Err(invalid(
                "slug",
                "invalid_slug",
                "文章标识只能含小写字母、数字和 -，不超过 80 个字符",
                "A slug holds lower-case letters, digits and -, at most 80",
            ));
        }
        if self.title_zh.trim().is_empty() || self.title_zh.chars().count() > 200 || self.title_en.chars().count() > 300 {
            return Err(invalid(
                "title_zh",
                "invalid_title",
                "须有中文标题（200 字以内）",
                "A Chinese title (at most 200 characters) is required",
            ));
        }
        if self.body_zh.trim().chars().count() < 10
            || self.body_zh.chars().count() > MAX_BODY_CHARS
            || self.body_en.chars().count() > MAX_BODY_CHARS
        {
            return Err(invalid("body_zh", "invalid_body", "正文须有 10 到 50000 个字符", "The body is 10 to 50,000 characters"));
        }
        if let (Some(from), Some(review)) = (self.effective_from, self.review_by)
            && review < from
        {
            return Err(invalid(
                "review_by",
                "review_before_effective",
                "复核日期不能早于生效日期",
                "The review date cannot precede the effective date",
            ));
        }
        if self.categories.len() > 20 {
            return Err(invalid("categories", "too_many_categories", "最多关联 20 个分类", "At most 20 categories"));
        }
        Ok(self)
    }

    /// Past its review date on `today`: the owner must check it.
    pub fn needs_review(&self, today: NaiveDate) -> bool {
        self.review_by.is_some_and(|r| r < today)
    }
}

/// Reads an article from Markdown:
///
/// ```text
/// ---
/// slug: heating-season
/// title_zh: 北京市供暖季时间
/// title_en: Beijing's heating season
/// owner: D-CGW
/// categories: UTL/heating/season, UTL/heating
/// status: public
/// effective: 2026-11-01
/// review_by: 2027-10-01
/// sample: true
/// ---
/// 中文正文（Markdown）……
///
/// <!-- en -->
/// English body (Markdown)…
/// ```
pub fn parse_markdown(text: &str) -> Result<ArticleDraft, ValidationError> {
    let missing = || {
        invalid(
            "front_matter",
            "missing_front_matter",
            "文章须以 --- 包围的头信息开头",
            "An article starts with front matter between --- lines",
        )
    };
    let text = text.trim_start_matches('\u{feff}');
    let rest = text.strip_prefix("---").ok_or_else(missing)?;
    let (head, body) = rest.split_once("\n---").ok_or_else(missing)?;
    let mut fields: BTreeMap<String, String> = BTreeMap::new();
    for line in head.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let (k, v) = line.split_once(':').ok_or_else(|| {
            invalid(
                "front_matter",
                "invalid_front_matter",
                format!("头信息行应为「键: 值」：{line}"),
                format!("A front matter line is `key: value`: {line}"),
            )
        })?;
        fields.insert(k.trim().to_owned(), v.trim().to_owned());
    }
    let body = body.split_once('\n').map_or("", |(_, b)| b);
    let (zh, en) = body.split_once("<!-- en -->").unwrap_or((body, ""));
    let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let date = |k: &str| -> Result<Option<NaiveDate>, ValidationError> {
        match fields.get(k).map(String::as_str).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| invalid(k, "invalid_date", format!("{k} 应为 YYYY-MM-DD"), format!("{k} is written YYYY-MM-DD"))),
        }
    };
    let categories = get("categories")
        .split([',', '，'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(CategoryPath::parse)
        .collect::<Result<Vec<_>, _>>()?;
    let status = match fields.get("status") {
        Some(s) => ArticleStatus::parse(s)?,
        None => ArticleStatus::Draft,
    };
    ArticleDraft {
        slug: get("slug"),
        status,
        owner: get("owner"),
        categories,
        title_zh: get("title_zh"),
        title_en: get("title_en"),
        body_zh: zh.trim().to_owned(),
        body_en: en.trim().to_owned(),
        effective_from: date("effective")?,
        review_by: date("review_by")?,
        sample: matches!(get("sample").as_str(), "true" | "yes"),
    }
    .validate()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "---\nslug: heating-season\ntitle_zh: 北京市供暖季时间\ntitle_en: Beijing's heating season\nowner: D-CGW\ncategories: UTL/heating/season, UTL/heating\nstatus: public\neffective: 2026-11-01\nreview_by: 2027-10-01\nsample: true\n---\n北京市供暖季为每年11月15日至次年3月15日。\n\n<!-- en -->\nThe heating season runs from 15 November to 15 March.\n";

    #[test]
    fn a_markdown_article_reads_its_front_matter_and_both_bodies() {
        let a = parse_markdown(SAMPLE).unwrap();
        assert_eq!((a.slug.as_str(), a.status, a.owner.as_str()), ("heating-season", ArticleStatus::Public, "D-CGW"));
        assert_eq!(a.categories.iter().map(CategoryPath::as_str).collect::<Vec<_>>(), ["UTL/heating/season", "UTL/heating"]);
        assert!(a.body_zh.starts_with("北京市供暖季") && a.body_en.starts_with("The heating season"));
        assert_eq!(a.review_by, NaiveDate::from_ymd_opt(2027, 10, 1));
        assert!(a.sample);
        assert!(a.needs_review(NaiveDate::from_ymd_opt(2027, 10, 2).unwrap()));
        assert!(!a.needs_review(NaiveDate::from_ymd_opt(2027, 10, 1).unwrap()));
    }

    #[test]
    fn malformed_articles_are_refused_with_the_field_at_fault() {
        let cases = [
            ("no front matter", "北京市供暖季为每年11月15日至次年3月15日。", "missing_front_matter"),
            ("bad slug", &SAMPLE.replace("heating-season", "Heating Season"), "invalid_slug"),
            ("bad date", &SAMPLE.replace("2027-10-01", "2027/10/01"), "invalid_date"),
            ("bad status", &SAMPLE.replace("status: public", "status: secret"), "unknown_code"),
            ("bad category", &SAMPLE.replace("UTL/heating/season", "NOPE/x"), "invalid_category"),
            ("review before effective", &SAMPLE.replace("2027-10-01", "2026-10-01"), "review_before_effective"),
            ("no title", &SAMPLE.replace("title_zh: 北京市供暖季时间", "title_zh:"), "invalid_title"),
        ];
        for (what, text, code) in cases {
            assert_eq!(parse_markdown(text).unwrap_err().code, code, "{what}");
        }
    }
}
