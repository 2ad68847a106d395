//! The search index on its own: Chinese two-character words, mixed Chinese and English, ranking
//! order, filters, who reads which article, updates and a reopened index.

mod common;

use common::{order, state};
use hotline_search::{ArticleDoc, ArticleSearch, Drafts, OrderSearch, SearchIndex};

fn find(index: &SearchIndex, q: OrderSearch) -> Vec<i64> {
    index
        .search_orders(&OrderSearch { limit: 20, snippet_chars: 60, ..q })
        .expect("the search index answers")
        .hits
        .iter()
        .map(|h| h.order.id)
        .collect()
}

fn text(t: &str) -> OrderSearch {
    OrderSearch { text: t.into(), ..OrderSearch::default() }
}

fn sorted(mut v: Vec<i64>) -> Vec<i64> {
    v.sort_unstable();
    v
}

fn world() -> SearchIndex {
    let index = SearchIndex::open(None).expect("the search index answers");
    let orders = vec![
        order(1, "小区门口有人乱停车，堵住消防通道"),
        order(2, "地下停车位被别人长期占用"),
        order(3, "3号楼电梯故障，老人下不了楼"),
        order(4, "The elevator in building 5 has been broken for a week"),
        order(5, "小区WiFi信号差，物业不管"),
        order(6, "暖气不热，室温只有十五度"),
        order(7, "停车场收费不合理"),
    ];
    index.write_orders(&orders, &state(7), false).expect("the search index answers");
    index
}

#[test]
fn a_two_character_word_matches_inside_longer_words_whatever_the_segmentation() {
    let index = world();
    assert_eq!(sorted(find(&index, text("停车"))), [1, 2, 7]);
    assert_eq!(sorted(find(&index, text("电梯"))), [3]);
    assert_eq!(sorted(find(&index, text("暖气"))), [6]);
    // A word that only appears straddling two words of a text still matches (车位 in 停车位).
    assert_eq!(sorted(find(&index, text("车位"))), [2]);
    assert!(find(&index, text("垃圾")).is_empty());
}

#[test]
fn english_and_mixed_queries_match_across_scripts() {
    let index = world();
    assert_eq!(find(&index, text("elevators broken")), [4]);
    assert_eq!(sorted(find(&index, text("elevator 电梯"))), [3, 4]);
    assert_eq!(find(&index, text("wifi 没信号")), [5]);
    assert_eq!(find(&index, text("ＷｉＦｉ")), [5]);
}

#[test]
fn more_of_the_query_and_rarer_words_rank_first() {
    let index = world();
    // Order 1 has both 乱停车 and 消防通道; the others only 停车.
    assert_eq!(find(&index, text("乱停车 消防通道"))[0], 1);
    assert_eq!(find(&index, text("停车位 占用"))[0], 2);
    assert_eq!(find(&index, text("停车 收费"))[0], 7);
}

#[test]
fn hits_come_with_marked_snippets() {
    let index = world();
    let found = index.search_orders(&OrderSearch { limit: 5, snippet_chars: 60, ..text("消防通道") }).expect("the search index answers");
    let marked: Vec<&str> = found.hits[0].description.iter().filter(|s| s.hit).map(|s| s.text.as_str()).collect();
    assert_eq!(marked, ["消防通道"]);
    assert_eq!(found.total, 1);
}

#[test]
fn filters_narrow_without_changing_what_matches() {
    let index = SearchIndex::open(None).expect("the search index answers");
    let mut a = order(1, "路灯不亮");
    a.category = Some("CON/lighting/broken".into());
    a.district = Some(2);
    a.street = None;
    a.age_group = Some("senior".into());
    a.units = vec![20];
    a.state = "closed".into();
    let mut b = order(2, "路灯不亮，晚上很黑");
    b.channel = "web".into();
    let mut c = order(3, "路灯坏了");
    c.received_at_ms = 50_000;
    index.write_orders(&[a, b, c], &state(3), false).expect("the search index answers");
    let q = |f: OrderSearch| sorted(find(&index, OrderSearch { text: "路灯".into(), ..f }));
    assert_eq!(q(OrderSearch::default()), [1, 2, 3]);
    assert_eq!(q(OrderSearch { categories: vec!["CON".into()], ..Default::default() }), [1]);
    assert_eq!(q(OrderSearch { categories: vec!["TRF/parking".into()], ..Default::default() }), [2, 3]);
    assert_eq!(q(OrderSearch { categories: vec!["TRF/parking".into(), "CON/lighting".into()], ..Default::default() }), [1, 2, 3]);
    assert_eq!(q(OrderSearch { districts: vec![2], ..Default::default() }), [1]);
    assert_eq!(q(OrderSearch { units: vec![10], ..Default::default() }), [2, 3]);
    assert_eq!(q(OrderSearch { streets: vec![10], ..Default::default() }), [2, 3]);
    assert_eq!(q(OrderSearch { age_groups: vec!["senior".into()], ..Default::default() }), [1]);
    assert_eq!(q(OrderSearch { natures: vec!["complaint".into()], channels: vec!["web".into()], ..Default::default() }), [2]);
    assert_eq!(q(OrderSearch { visible_units: Some(vec![20, 99]), ..Default::default() }), [1]);
    assert_eq!(q(OrderSearch { visible_units: Some(vec![]), ..Default::default() }), Vec::<i64>::new());
    assert_eq!(q(OrderSearch { states: vec!["closed".into(), "signed".into()], ..Default::default() }), [1]);
    assert_eq!(q(OrderSearch { received_from_ms: Some(3_000), ..Default::default() }), [3]);
    assert_eq!(q(OrderSearch { received_before_ms: Some(3_000), ..Default::default() }), [1, 2]);
    assert_eq!(q(OrderSearch { exclude: Some(2), ..Default::default() }), [1, 3]);
}

#[test]
fn without_words_the_filters_list_the_newest_first() {
    let index = world();
    let listed = find(&index, OrderSearch { streets: vec![10], ..OrderSearch::default() });
    assert!(!listed.is_empty());
    let mut newest_first = listed.clone();
    newest_first.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(listed, newest_first, "ids follow receipt times in this index");
}

#[test]
fn writing_an_order_again_replaces_it() {
    let index = world();
    let mut again = order(6, "暖气已修好");
    again.state = "closed".into();
    again.reply = "已派维修工更换阀门".into();
    index.write_orders(&[again], &state(8), false).expect("the search index answers");
    assert_eq!(index.order_count(), 7);
    assert!(find(&index, text("室温")).is_empty());
    assert_eq!(find(&index, OrderSearch { states: vec!["closed".into()], ..text("阀门") }), [6]);
    assert_eq!(index.orders_state().expect("the search index answers").cursor, 8);
}

fn article(slug: &str, status: &str, owner: i64, title: &str, body: &str) -> ArticleDoc {
    ArticleDoc {
        slug: slug.into(),
        version: 1,
        status: status.into(),
        owner,
        categories: vec!["UTL/heating".into()],
        title_zh: title.into(),
        title_en: String::new(),
        body_zh: body.into(),
        body_en: String::new(),
        sample: true,
    }
}

fn articles() -> SearchIndex {
    let index = SearchIndex::open(None).expect("the search index answers");
    let list = vec![
        article("heating", "public", 1, "供暖季时间", "本市供暖季为11月15日至次年3月15日，室温不低于18度。"),
        article("heating-fee", "public", 1, "供暖费缴纳", "供暖费可在线缴纳。"),
        article("repair", "internal", 2, "维修流程", "暖气不热时先排气，供暖期间报修电话。"),
        article("draft", "draft", 3, "供暖新政策草稿", "尚未发布。"),
    ];
    index.write_articles(&list, &[], &state(4), false).expect("the search index answers");
    index
}

fn slugs(index: &SearchIndex, q: ArticleSearch) -> Vec<String> {
    index
        .search_articles(&ArticleSearch { limit: 10, snippet_chars: 80, ..q })
        .expect("the search index answers")
        .hits
        .into_iter()
        .map(|h| h.article.slug)
        .collect()
}

#[test]
fn a_title_hit_outranks_a_body_hit() {
    let index = articles();
    let found = slugs(&index, ArticleSearch { text: "供暖".into(), internal: true, ..Default::default() });
    assert_eq!(found.last().map(String::as_str), Some("repair"), "{found:?}");
    assert_eq!(slugs(&index, ArticleSearch { text: "供暖季".into(), ..Default::default() })[0], "heating");
}

#[test]
fn citizens_read_public_articles_staff_internal_and_owners_their_drafts() {
    let index = articles();
    let q = |internal, drafts| {
        sorted_strings(slugs(&index, ArticleSearch { text: "供暖 暖气".into(), internal, drafts, ..Default::default() }))
    };
    assert_eq!(q(false, Drafts::None), ["heating", "heating-fee"]);
    assert_eq!(q(true, Drafts::None), ["heating", "heating-fee", "repair"]);
    assert_eq!(q(true, Drafts::OfUnits(vec![3])), ["draft", "heating", "heating-fee", "repair"]);
    assert_eq!(q(true, Drafts::OfUnits(vec![2])), ["heating", "heating-fee", "repair"]);
    assert_eq!(q(true, Drafts::All), ["draft", "heating", "heating-fee", "repair"]);
}

#[test]
fn an_article_serves_its_category_the_ones_below_and_the_ones_above() {
    let index = articles();
    let q = |c: &str| slugs(&index, ArticleSearch { text: "供暖".into(), category: Some(c.into()), ..Default::default() }).len();
    assert_eq!(q("UTL/heating"), 2);
    assert_eq!(q("UTL/heating/season"), 2, "a broader article applies to a narrower category");
    assert_eq!(q("UTL"), 2);
    assert_eq!(q("TRF"), 0);
}

#[test]
fn removed_articles_are_no_longer_found() {
    let index = articles();
    index.write_articles(&[], &["heating-fee".to_owned()], &state(5), false).expect("the search index answers");
    assert_eq!(slugs(&index, ArticleSearch { text: "缴纳".into(), ..Default::default() }), Vec::<String>::new());
    assert_eq!(index.article_count(), 3);
}

fn sorted_strings(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn an_index_in_a_directory_keeps_its_documents_and_state_when_reopened() {
    let dir = tempfile::tempdir().expect("the search index answers");
    {
        let index = SearchIndex::open(Some(dir.path())).expect("the search index answers");
        assert_eq!(index.orders_state(), None);
        index.write_orders(&[order(1, "噪音扰民")], &state(42), false).expect("the search index answers");
    }
    let index = SearchIndex::open(Some(dir.path())).expect("the search index answers");
    assert_eq!(index.orders_state().expect("the search index answers").cursor, 42);
    assert_eq!(find(&index, text("噪音")), [1]);
    // A rebuild empties it first.
    index.write_orders(&[order(2, "噪音")], &state(43), true).expect("the search index answers");
    assert_eq!(find(&index, text("噪音")), [2]);
}

#[test]
fn stop_words_alone_match_nothing_and_no_words_at_all_lists_the_filtered_orders() {
    let index = world();
    assert!(find(&index, text("的了吗 the of")).is_empty());
    let all = find(&index, text(""));
    assert_eq!(all.len() as u64, index.order_count().min(20), "no words: a listing, not a search");
}
