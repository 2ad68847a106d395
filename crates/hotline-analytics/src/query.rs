//! The one query model every analytics view, the API and "ask the data" use. Its JSON form is fixed
//! (other tools read it): `{"measure", "group_by", "filters": {from, to, district, street, category,
//! nature, channel, age_group, language, unit}, "compare", "limit"}`.

use chrono::NaiveDate;
use hotline_domain::{AgeGroup, Channel, Nature, ValidationError};
use serde::{Deserialize, Serialize};

macro_rules! words {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $code:tt, $zh:literal, $en:literal;)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        pub enum $name { $($(#[$vm])* #[serde(rename = $code)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn code(self) -> &'static str { match self { $($name::$variant => $code),+ } }
            pub fn label(self, zh: bool) -> &'static str { match self { $($name::$variant => if zh { $zh } else { $en }),+ } }
            pub fn parse(s: &str) -> Option<Self> { Self::ALL.iter().copied().find(|v| v.code() == s) }
        }
    };
}

words!(/// What is counted or computed per group.
    Measure {
    Count = "count", "诉求量", "Requests";
    ResponseRate = "response_rate", "响应率", "Response rate";
    ResolutionRate = "resolution_rate", "解决率", "Resolution rate";
    SatisfactionRate = "satisfaction_rate", "满意率", "Satisfaction rate";
    /// Orders that missed a due time: dispatched, contacted or replied late, or open past due now.
    OverdueCount = "overdue_count", "超期件数", "Overdue";
    MedianReplyHours = "median_reply_hours", "回复时长中位数（小时）", "Median hours to reply";
    /// Beyond the fixed vocabulary: the 90th percentile of hours to reply.
    P90ReplyHours = "p90_reply_hours", "回复时长90分位（小时）", "90th percentile hours to reply";
    /// Beyond the fixed vocabulary: open orders past their due time now.
    OverdueNow = "overdue_now", "当前超期未办结", "Open and overdue now";
    /// Beyond the fixed vocabulary: orders a unit disputed.
    DisputeCount = "dispute_count", "退单件数", "Disputed";
    /// Beyond the fixed vocabulary: orders from a phone that called within 90 days before.
    RepeatCount = "repeat_count", "重复来电件数", "From repeat callers";
});

impl Measure {
    /// A share of evaluated orders (0–1), not a count or a time.
    pub fn is_rate(self) -> bool {
        matches!(self, Self::ResponseRate | Self::ResolutionRate | Self::SatisfactionRate)
    }

    /// Counts orders: empty groups are zero, not unknown.
    pub fn is_count(self) -> bool {
        matches!(self, Self::Count | Self::OverdueCount | Self::OverdueNow | Self::DisputeCount | Self::RepeatCount)
    }
}

words!(/// What rows are grouped by.
    Dimension {
    District = "district", "区", "District";
    Street = "street", "街道乡镇", "Street/township";
    CategoryL1 = "category_l1", "一级分类", "Category (level 1)";
    CategoryL2 = "category_l2", "二级分类", "Category (level 2)";
    CategoryL3 = "category_l3", "三级分类", "Category (level 3)";
    Nature = "nature", "诉求性质", "Nature";
    Channel = "channel", "渠道", "Channel";
    AgeGroup = "age_group", "年龄段", "Age group";
    Language = "language", "语言", "Language";
    Unit = "unit", "承办单位", "Unit";
    Hour = "hour", "小时", "Hour";
    Day = "day", "日", "Day";
    Week = "week", "周", "Week";
    Month = "month", "月", "Month";
    /// Beyond the fixed vocabulary: urgency (deadline class).
    Urgency = "urgency", "紧急程度", "Urgency";
    /// Beyond the fixed vocabulary: the knowledge-base article a consultation was answered from.
    Article = "article", "知识库文章", "Article";
});

impl Dimension {
    pub fn is_time(self) -> bool {
        matches!(self, Self::Hour | Self::Day | Self::Week | Self::Month)
    }
}

words!(/// What the figures are set against.
    Compare {
    PreviousPeriod = "previous_period", "环比", "Previous period";
    SamePeriodLastYear = "same_period_last_year", "同比", "Same period last year";
});

/// Which orders count. Lists are "any of"; an empty list does not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Filters {
    /// First local day, inclusive (YYYY-MM-DD).
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub from: Option<NaiveDate>,
    /// Local day after the last, exclusive (YYYY-MM-DD).
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub to: Option<NaiveDate>,
    /// Official district names (朝阳区).
    #[serde(default)]
    pub district: Vec<String>,
    /// Official street/township names (望京街道).
    #[serde(default)]
    pub street: Vec<String>,
    /// Category codes or prefixes (UTL, UTL/heating).
    #[serde(default)]
    pub category: Vec<String>,
    /// consult, help, complaint, report, suggestion, praise.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub nature: Vec<Nature>,
    /// phone, web, app, wechat, open311, email, other.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub channel: Vec<Channel>,
    /// minor, adult, senior.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub age_group: Vec<AgeGroup>,
    /// Language codes (zh, en, ar…).
    #[serde(default)]
    pub language: Vec<String>,
    /// Unit codes (as `hotline create-user --unit` takes them).
    #[serde(default)]
    pub unit: Vec<String>,
}

/// A question to the read model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Query {
    pub measure: Measure,
    #[serde(default)]
    pub group_by: Vec<Dimension>,
    #[serde(default)]
    pub filters: Filters,
    #[serde(default)]
    pub compare: Option<Compare>,
    #[serde(default)]
    pub limit: Option<u32>,
}

impl Default for Query {
    fn default() -> Self {
        Self { measure: Measure::Count, group_by: Vec::new(), filters: Filters::default(), compare: None, limit: None }
    }
}

/// Most groups one answer may have (rows × columns of a cross table).
pub const MAX_CELLS: usize = 2_000_000;
pub const MAX_LIMIT: u32 = 100_000;

fn bad(field: &str, code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> ValidationError {
    ValidationError::new(field, code, zh, en)
}

impl Query {
    /// The checks that need no reference data: a sane shape.
    pub fn check_shape(&self) -> Result<(), ValidationError> {
        if self.group_by.len() > 3 {
            return Err(bad("group_by", "too_many_dimensions", "最多按三个维度分组", "Group by at most three dimensions"));
        }
        let mut seen = Vec::new();
        for d in &self.group_by {
            if seen.contains(d) {
                return Err(bad("group_by", "repeated_dimension", "同一维度不能重复分组", "A dimension appears twice in group_by"));
            }
            seen.push(*d);
        }
        if self.group_by.iter().filter(|d| d.is_time()).count() > 1 {
            return Err(bad("group_by", "two_time_dimensions", "时间维度只能选一个", "Group by one time dimension at most"));
        }
        if let (Some(f), Some(t)) = (self.filters.from, self.filters.to)
            && f >= t
        {
            return Err(bad("filters.to", "invalid_range", "结束日期须晚于开始日期", "filters.to must be after filters.from"));
        }
        if self.compare.is_some() && (self.filters.from.is_none() || self.filters.to.is_none()) {
            return Err(bad(
                "compare",
                "compare_needs_range",
                "对比需要起止日期（如“本月”“上个月”）",
                "A comparison needs both filters.from and filters.to (a period such as this month)",
            ));
        }
        if self.limit.is_some_and(|l| l == 0 || l > MAX_LIMIT) {
            return Err(bad("limit", "invalid_limit", "条数须在 1 到 100000 之间", "limit is 1 to 100,000"));
        }
        let lists = [
            ("filters.district", self.filters.district.len()),
            ("filters.street", self.filters.street.len()),
            ("filters.category", self.filters.category.len()),
            ("filters.language", self.filters.language.len()),
            ("filters.unit", self.filters.unit.len()),
        ];
        if let Some((field, _)) = lists.iter().find(|(_, n)| *n > 1000) {
            return Err(bad(field, "too_many_values", "筛选值过多（最多 1000 个）", "At most 1,000 values per filter"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_appendix_example_reads_and_writes_the_same() {
        let text = r#"{"measure": "count", "group_by": ["district"],
 "filters": {"from": "2026-11-01", "to": "2026-12-01", "district": ["朝阳区"], "street": [],
             "category": ["UTL/heating"], "nature": [], "channel": [], "age_group": ["senior"], "language": [], "unit": []},
 "compare": null, "limit": 10}"#;
        let q: Query = serde_json::from_str(text).expect("parses");
        assert_eq!(q.group_by, vec![Dimension::District]);
        assert_eq!(q.filters.age_group, vec![AgeGroup::Senior]);
        let back: serde_json::Value = serde_json::to_value(&q).expect("writes");
        assert_eq!(back, serde_json::from_str::<serde_json::Value>(text).expect("json"));
    }

    #[test]
    fn unknown_words_and_shapes_are_refused() {
        assert!(serde_json::from_str::<Query>(r#"{"measure": "sum"}"#).is_err());
        assert!(serde_json::from_str::<Query>(r#"{"measure": "count", "colour": 1}"#).is_err());
        let two_times = Query { group_by: vec![Dimension::Day, Dimension::Month], ..Query::default() };
        assert_eq!(two_times.check_shape().map_err(|e| e.code), Err("two_time_dimensions"));
        let open_compare = Query { compare: Some(Compare::PreviousPeriod), ..Query::default() };
        assert_eq!(open_compare.check_shape().map_err(|e| e.code), Err("compare_needs_range"));
    }
}
