//! What people call the fields the API names by code. Messages shown to people use these names
//! (「诉求内容」不能为空, "The request text is required"); the code stays in the error's `field`
//! for programs.

/// The (Chinese, English) name of an input field, by its API name (`requester.phone`, `main_unit`).
/// The last segment decides (`location.address` is an address), and an unknown field is "this field".
pub fn label(field: &str) -> (&'static str, &'static str) {
    let last = field.rsplit('.').next().unwrap_or(field);
    match last {
        "description" => ("诉求内容", "request text"),
        "text" => ("内容", "text"),
        "phone" => ("电话", "phone number"),
        "name" => ("姓名", "name"),
        "address" | "address_string" => ("地址", "address"),
        "district" => ("区", "district"),
        "street" => ("街道/乡镇", "street or township"),
        "lng" | "long" => ("经度", "longitude"),
        "lat" => ("纬度", "latitude"),
        "language" => ("语言", "language"),
        "age_group" => ("年龄段", "age group"),
        "channel" => ("渠道", "channel"),
        "nature" => ("诉求性质", "nature"),
        "category" | "categories" => ("分类", "category"),
        "urgency" => ("紧急程度", "urgency"),
        "disposition" => ("处置方式", "disposition"),
        "main_unit" => ("主办单位", "main unit"),
        "co_units" => ("协办单位", "co-units"),
        "units" => ("召集的部门", "units to summon"),
        "proposed_unit" => ("建议承办单位", "proposed unit"),
        "unit" => ("单位", "unit"),
        "answer" => ("答复内容", "answer"),
        "article" => ("知识库文章", "knowledge-base article"),
        "service" => ("紧急服务", "emergency service"),
        "of" | "duplicate_of" => ("重复的工单编号", "number of the order it repeats"),
        "reason" => ("理由", "reason"),
        "note" => ("备注", "note"),
        "comment" => ("意见", "comment"),
        "until" => ("延期至", "date to extend to"),
        "report_by" => ("报到时限", "report-in time"),
        "reach_site_by" => ("限时到场时间", "time to be on site"),
        "outcome" => ("办理结果类型", "kind of result"),
        "resolution" => ("解决情况", "resolution (was the problem solved?)"),
        "satisfaction" => ("满意度", "satisfaction (was the requester satisfied?)"),
        "contacted" => ("是否联系过诉求人", "whether the unit contacted the requester"),
        "decision" => ("审核决定", "decision"),
        "exclusion" => ("考核认定", "assessment exclusion"),
        "username" => ("用户名", "username"),
        "display_name" => ("显示名称", "display name"),
        "password" => ("密码", "password"),
        "role" => ("角色", "role"),
        "title" | "title_zh" | "title_en" => ("标题", "title"),
        "body" | "body_zh" | "body_en" => ("正文", "body"),
        "owner" => ("负责单位", "owner unit"),
        "slug" => ("文章标识", "article identifier"),
        "status" => ("状态", "status"),
        "kind" => ("类型", "kind"),
        "state" => ("工单状态", "order state"),
        "action" => ("操作", "action"),
        "month" => ("月份", "month"),
        "q" => ("检索词", "search words"),
        "limit" => ("每页条数", "page size"),
        "offset" => ("页码位置", "page position"),
        "name_zh" => ("中文名称", "Chinese name"),
        "name_en" => ("英文名称", "English name"),
        "file_name" => ("文件名", "file name"),
        "content_type" => ("文件类型", "file type"),
        "url" => ("链接", "link"),
        _ => ("该项", "this field"),
    }
}

/// The English name with its first letter in capitals, to begin a sentence.
pub fn label_en_sentence(field: &str) -> String {
    let en = label(field).1;
    let mut c = en.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_fields_are_named_by_their_last_part_and_unknown_ones_plainly() {
        assert_eq!(label("requester.phone"), ("电话", "phone number"));
        assert_eq!(label("location.address"), ("地址", "address"));
        assert_eq!(label("main_unit").0, "主办单位");
        assert_eq!(label("frobnicate"), ("该项", "this field"));
        assert_eq!(label_en_sentence("description"), "Request text");
    }
}
