//! Place resolution against Beijing's real units: the gazetteer built from the shipped 16 districts,
//! 349 streets/townships and 7,535 communities, held to hand-written request texts with the official
//! names they must resolve to. Every expected name is checked against the shipped units too.

use std::collections::HashMap;
use std::sync::LazyLock;

use hotline_domain::{Unit, UnitClass, UnitId};
use hotline_places::{Gazetteer, Place, PlaceRef};

static UNITS: LazyLock<Vec<Unit>> = LazyLock::new(|| hotline::seed::shipped_units().expect("the shipped units load"));
static GAZETTEER: LazyLock<Gazetteer> = LazyLock::new(|| Gazetteer::new(&UNITS));

/// A text and the official district, street/township and community it names (street `None`: the
/// text names only the district; community `None`: it names no community).
type Row = (&'static str, &'static str, Option<&'static str>, Option<&'static str>);

/// Operator summaries and formal addresses: 区 + 街道/镇/地区 + 社区/村 + 门牌, across all 16 districts.
const FORMAL: &[Row] = &[
    ("市民来电反映：海淀区中关村街道知春里西社区8号楼门口车辆乱停", "海淀区", Some("中关村街道"), Some("知春里西社区居委会")),
    ("东城区和平里街道和平里社区居委会9区12号楼楼道堆放杂物", "东城区", Some("和平里街道"), Some("和平里社区居委会")),
    // 南大街 is also a village in 怀柔区: a road's name, not the place, next to the district named.
    ("海淀区中关村南大街5号院内路灯不亮", "海淀区", Some("中关村街道"), None),
    ("中关村南大街5号院内路灯不亮", "海淀区", Some("中关村街道"), None),
    ("东城区东华门街道王府井社区东厂北巷3号院下水道堵塞", "东城区", Some("东华门街道"), Some("王府井社区居委会")),
    ("东城区交道口街道南锣鼓巷社区菊儿胡同夜间施工扰民", "东城区", Some("交道口街道"), Some("南锣鼓巷社区居委会")),
    ("东城区天坛街道金鱼池社区1号楼电梯故障", "东城区", Some("天坛街道"), Some("金鱼池社区居委会")),
    ("西城区什刹海街道护国寺社区护国寺东巷12号房屋漏雨", "西城区", Some("什刹海街道"), Some("护国寺社区居委会")),
    ("西城区牛街街道牛街东里社区5号楼供暖不热", "西城区", Some("牛街街道"), Some("牛街东里社区居委会")),
    ("西城区月坛街道三里河社区3号楼楼道路灯不亮", "西城区", Some("月坛街道"), Some("三里河社区居委会")),
    ("西城区展览路街道百万庄东社区寅区3号楼外墙脱落", "西城区", Some("展览路街道"), Some("百万庄东社区居委会")),
    ("朝阳区望京街道南湖东园社区122号楼地下室积水", "朝阳区", Some("望京街道"), Some("南湖东园社区居委会")),
    ("朝阳区三里屯街道幸福一村社区5号楼门前违规停车", "朝阳区", Some("三里屯街道"), Some("幸福一村社区居委会")),
    ("朝阳区劲松街道农光里社区212号楼噪音扰民", "朝阳区", Some("劲松街道"), Some("农光里社区居委会")),
    ("朝阳区酒仙桥街道大山子社区9号院垃圾清运不及时", "朝阳区", Some("酒仙桥街道"), Some("大山子社区居委会")),
    ("丰台区方庄街道芳古园一区第一社区3号楼楼顶漏水", "丰台区", Some("方庄街道"), Some("芳古园一区第一社区")),
    ("丰台区马家堡街道嘉园一里社区8号楼停水", "丰台区", Some("马家堡街道"), Some("嘉园一里社区")),
    ("丰台区卢沟桥街道丰泽家园社区小区内私搭乱建", "丰台区", Some("卢沟桥街道"), Some("丰泽家园社区")),
    ("丰台区长辛店街道朱家坟南区社区12栋燃气异味", "丰台区", Some("长辛店街道"), Some("朱家坟南区社区")),
    ("石景山区八角街道八角北里社区23号楼门口占道经营", "石景山区", Some("八角街道"), Some("八角北里社区")),
    ("石景山区鲁谷街道依翠园北社区电动车充电桩损坏", "石景山区", Some("鲁谷街道"), Some("依翠园北社区")),
    ("石景山区苹果园街道海特花园第一社区物业不作为", "石景山区", Some("苹果园街道"), Some("海特花园第一社区")),
    ("海淀区上地街道上地西里社区路面塌陷", "海淀区", Some("上地街道"), Some("上地西里社区居委会")),
    ("海淀区清河街道安宁里社区3号楼供暖温度不达标", "海淀区", Some("清河街道"), Some("安宁里社区居委会")),
    ("海淀区西三旗街道育新花园社区小区大门门禁损坏", "海淀区", Some("西三旗街道"), Some("育新花园社区居委会")),
    ("海淀区学院路街道五道口嘉园社区地库漏水", "海淀区", Some("学院路街道"), Some("五道口嘉园社区居委会")),
    ("门头沟区大峪街道月季园一区社区12号楼楼道灯不亮", "门头沟区", Some("大峪街道"), Some("月季园一区社区居委会")),
    ("门头沟区龙泉地区琉璃渠村委会村口路灯损坏", "门头沟区", Some("龙泉地区"), Some("琉璃渠村委会")),
    ("门头沟区永定地区迎晖南苑社区小区绿化被毁", "门头沟区", Some("永定地区"), Some("迎晖南苑社区居委会")),
    ("房山区拱辰街道宜春里社区3号楼下水管道破裂", "房山区", Some("拱辰街道"), Some("宜春里社区居委会")),
    ("房山区长阳镇碧桂园社区物业乱收费", "房山区", Some("长阳镇"), Some("碧桂园社区居委会")),
    ("房山区周口店地区周口店村委会村内道路破损", "房山区", Some("周口店地区"), Some("周口店村委会")),
    ("通州区梨园镇群芳园社区东区2号楼电梯停运", "通州区", Some("梨园镇"), Some("群芳园社区居委会")),
    ("通州区九棵树街道翠屏北里社区幼儿园门前拥堵", "通州区", Some("九棵树街道"), Some("翠屏北里社区居委会")),
    ("通州区宋庄镇小堡村委会画家村附近夜间施工", "通州区", Some("宋庄镇"), Some("小堡村委会")),
    ("顺义区胜利街道义宾北区社区12号楼供暖不热", "顺义区", Some("胜利街道"), Some("义宾北区社区居委会")),
    ("顺义区后沙峪地区双裕西区社区小区门口积水", "顺义区", Some("后沙峪地区"), Some("双裕西区社区居委会")),
    ("顺义区空港街道裕祥花园社区垃圾分类驿站无人值守", "顺义区", Some("空港街道"), Some("裕祥花园社区居委会")),
    ("昌平区回龙观街道龙博苑社区一区12号楼停电", "昌平区", Some("回龙观街道"), Some("龙博苑社区居委会")),
    ("昌平区霍营街道华龙苑南里社区电梯频繁故障", "昌平区", Some("霍营街道"), Some("华龙苑南里社区居委会")),
    ("昌平区沙河地区于辛庄村委会村里污水横流", "昌平区", Some("沙河地区"), Some("于辛庄村委会")),
    ("大兴区亦庄地区贵园南里社区7号楼供暖不热", "大兴区", Some("亦庄地区"), Some("贵园南里社区居委会")),
    ("大兴区旧宫地区清逸园社区3号楼外保温脱落", "大兴区", Some("旧宫地区"), Some("清逸园社区居委会")),
    ("大兴区天宫院街道海子角东里社区地下车库漏水", "大兴区", Some("天宫院街道"), Some("海子角东里社区居委会")),
    ("怀柔区泉河街道富乐北里社区楼道堆物", "怀柔区", Some("泉河街道"), Some("富乐北里社区居委会")),
    ("怀柔区龙山街道南华园一区社区3号楼漏水", "怀柔区", Some("龙山街道"), Some("南华园一区社区居委会")),
    ("平谷区滨河街道金谷东园社区小区路面坑洼", "平谷区", Some("滨河街道"), Some("金谷东园社区居委会")),
    ("平谷区兴谷街道乐园东社区楼下烧烤油烟扰民", "平谷区", Some("兴谷街道"), Some("乐园东社区居委会")),
    ("密云区鼓楼街道宾阳里社区8号楼停水", "密云区", Some("鼓楼街道"), Some("宾阳里社区居民委员会")),
    ("密云区果园街道果园西里社区供暖管道漏水", "密云区", Some("果园街道"), Some("果园西里社区居民委员会")),
    ("延庆区百泉街道莲花苑社区小区停车位被占", "延庆区", Some("百泉街道"), Some("莲花苑社区居委会")),
    ("延庆区香水园街道川北东社区路灯不亮", "延庆区", Some("香水园街道"), Some("川北东社区居委会")),
    ("来电人反映朝阳区东坝街道东坝家园社区有人私搭乱建", "朝阳区", Some("东坝地区"), Some("东坝家园社区居委会")),
    ("来电人称通州区永顺镇永顺南里社区供暖不热", "通州区", Some("永顺镇"), Some("永顺南里社区居委会")),
    ("诉求人表示其居住在海淀区万柳地区，小区周边夜间施工", "海淀区", Some("万柳地区"), None),
    ("市民来电反映：丰台区右安门街道翠林一里社区8号楼下水道堵塞，要求尽快疏通", "丰台区", Some("右安门街道"), Some("翠林一里社区")),
    ("来电人反映石景山区古城街道老古城西社区平房漏雨", "石景山区", Some("古城街道"), Some("老古城西社区")),
    ("市民反映西城区德胜街道马甸社区附近夜间渣土车扰民", "西城区", Some("德胜街道"), Some("马甸社区居委会")),
    ("来电人称东城区东直门街道清水苑社区楼下餐馆油烟扰民", "东城区", Some("东直门街道"), Some("清水苑社区居委会")),
    ("东城区前门街道草厂社区胡同里私搭乱建", "东城区", Some("前门街道"), Some("草厂社区居委会")),
];

/// What citizens say: dropped suffixes (望京, 回龙观, 知春里), "这边/那边", a district short name
/// before a place (大兴黄村, 通州梨园), a landmark community (王府井, 南锣鼓巷).
const COLLOQUIAL: &[Row] = &[
    ("望京这边南湖东园小区停车难", "朝阳区", Some("望京街道"), Some("南湖东园社区居委会")),
    ("回龙观那边的龙泽苑，小区门口天天堵车", "昌平区", Some("龙泽园街道"), Some("龙泽苑社区居委会")),
    ("在三里屯，酒吧夜里太吵了", "朝阳区", Some("三里屯街道"), None),
    ("知春里这边有个井盖丢了", "海淀区", Some("中关村街道"), Some("知春里社区居委会")),
    ("东坝村那条路坑坑洼洼的", "朝阳区", Some("东坝地区"), None),
    ("大兴黄村这边路灯不亮", "大兴区", Some("黄村地区"), None),
    ("通州梨园有个小区停水三天了", "通州区", Some("梨园镇"), None),
    ("昌平沙河镇的路灯晚上不亮", "昌平区", Some("沙河地区"), None),
    ("我住回龙观，暖气不热", "昌平区", Some("回龙观街道"), None),
    ("望京有个工地晚上施工", "朝阳区", Some("望京街道"), None),
    ("我家在和平里，楼下天天有人遛狗不拴绳", "东城区", Some("和平里街道"), None),
    // A landmark (the pedestrian street) names the street, not the community inside it.
    ("王府井步行街上有人发小广告", "东城区", Some("东华门街道"), None),
    ("南锣鼓巷那边人太多了，胡同里全是垃圾", "东城区", Some("交道口街道"), Some("南锣鼓巷社区居委会")),
    ("护国寺那边有家餐馆油烟很大", "西城区", Some("什刹海街道"), Some("护国寺社区居委会")),
    ("我在金融街上班，附近共享单车乱停", "西城区", Some("金融街街道"), None),
    ("大栅栏这边的商铺噪音扰民", "西城区", Some("大栅栏街道"), None),
    ("花家地这边的菜市场关了", "朝阳区", Some("望京街道"), Some("花家地社区居委会")),
    ("双井那边有辆车停了半年没动", "朝阳区", Some("双井街道"), None),
    ("亚运村附近有人占道摆摊", "朝阳区", Some("亚运村街道"), None),
    ("常营这边地铁站口黑车多", "朝阳区", Some("常营地区"), None),
    ("方庄这边的公园厕所坏了", "丰台区", Some("方庄街道"), None),
    ("卢沟桥那边大货车半夜过", "丰台区", Some("卢沟桥街道"), None),
    ("长辛店老街的房子漏雨", "丰台区", Some("长辛店街道"), None),
    ("八角这边的游乐园太吵", "石景山区", Some("八角街道"), None),
    ("苹果园地铁站门口有人拉客", "石景山区", Some("苹果园街道"), None),
    ("鲁谷那边的小区停电了", "石景山区", Some("鲁谷街道"), None),
    ("上地这边的写字楼空调不开", "海淀区", Some("上地街道"), None),
    ("清河这边有个工地扬尘大", "海淀区", Some("清河街道"), None),
    ("西三旗这边的桥底下积水", "海淀区", Some("西三旗街道"), None),
    ("我在中关村上班，楼下的路灯坏了", "海淀区", Some("中关村街道"), None),
    ("大峪这边的菜市场拆了", "门头沟区", Some("大峪街道"), None),
    ("潭柘寺那边山路有落石", "门头沟区", Some("潭柘寺镇"), None),
    ("斋堂这边的班车太少", "门头沟区", Some("斋堂镇"), None),
    ("良乡这边的大学城附近路灯不亮", "房山区", Some("良乡地区"), None),
    ("长阳这边的地铁站没有公交接驳", "房山区", Some("长阳镇"), None),
    ("十渡景区周末堵车严重", "房山区", Some("十渡镇"), None),
    ("宋庄这边的画家村有人烧垃圾", "通州区", Some("宋庄镇"), None),
    ("马驹桥那边的物流园大货车太多", "通州区", Some("马驹桥镇"), None),
    ("张家湾这边的运河边有人钓鱼", "通州区", Some("张家湾镇"), None),
    ("后沙峪这边的别墅区停电", "顺义区", Some("后沙峪地区"), None),
    ("牛栏山这边的酒厂有异味", "顺义区", Some("牛栏山地区"), None),
    ("天竺这边飞机噪音太大", "顺义区", Some("天竺地区"), None),
    ("霍营地铁站门口黑车多", "昌平区", Some("霍营街道"), None),
    ("北七家这边的小区没有暖气", "昌平区", Some("北七家镇"), None),
    ("小汤山这边的农场有人烧秸秆", "昌平区", Some("小汤山镇"), None),
    ("亦庄这边的公司拖欠工资", "大兴区", Some("亦庄地区"), None),
    ("旧宫这边的早市占道", "大兴区", Some("旧宫地区"), None),
    ("西红门那边的商场停车收费太贵", "大兴区", Some("西红门地区"), None),
    ("庞各庄的西瓜地被人毁了", "大兴区", Some("庞各庄镇"), None),
    ("雁栖湖那边的路封了", "怀柔区", Some("雁栖地区"), None),
    ("怀柔汤河口这边的山路塌方", "怀柔区", Some("汤河口镇"), None),
    ("平谷金海湖那边的民宿乱收费", "平谷区", Some("金海湖地区"), None),
    ("平谷峪口这边的桃园被淹了", "平谷区", Some("峪口地区"), None),
    ("密云古北口的长城景区门票问题", "密云区", Some("古北口镇"), None),
    ("密云溪翁庄这边的水库边有人钓鱼", "密云区", Some("溪翁庄镇"), None),
    ("延庆八达岭那边旅游大巴乱停", "延庆区", Some("八达岭镇"), None),
    ("延庆康庄这边的风太大把广告牌刮倒了", "延庆区", Some("康庄镇"), None),
    ("延庆张山营这边的滑雪场门口堵车", "延庆区", Some("张山营镇"), None),
    ("丰台看丹这边的厂房着火了", "丰台区", Some("看丹街道"), None),
    ("海淀紫竹院公园门口有人拉客", "海淀区", Some("紫竹院街道"), None),
    ("朝阳太阳宫这边的商场停车难", "朝阳区", Some("太阳宫地区"), None),
    ("房山周口店这边的采石场粉尘大", "房山区", Some("周口店地区"), None),
];

/// Townships (镇, 乡, ethnic 乡, 地区 said as 乡) and their villages, formal and spoken ("XX村").
const TOWNSHIPS_AND_VILLAGES: &[Row] = &[
    ("房山区长沟镇三座庵村村委会不公开账目", "房山区", Some("长沟镇"), Some("三座庵村委会")),
    ("房山区霞云岭乡堂上村委会山路塌方", "房山区", Some("霞云岭乡"), Some("堂上村委会")),
    ("房山蒲洼乡东村的道路被冲毁", "房山区", Some("蒲洼乡"), Some("东村村委会")),
    ("怀柔喇叭沟门乡那边山路塌方", "怀柔区", Some("喇叭沟门满族乡"), None),
    ("通州于家务乡有养殖场臭味大", "通州区", Some("于家务回族乡"), None),
    ("怀柔区长哨营满族乡长哨营村委会门前积水", "怀柔区", Some("长哨营满族乡"), Some("长哨营村委会")),
    ("丰台区王佐镇西王佐村有人倾倒建筑垃圾", "丰台区", Some("王佐镇"), Some("西王佐村")),
    ("丰台区北宫镇张郭庄社区路灯不亮", "丰台区", Some("北宫镇"), Some("张郭庄社区")),
    ("延庆区珍珠泉乡珍珠泉村道路结冰", "延庆区", Some("珍珠泉乡"), Some("珍珠泉村委会")),
    ("密云区太师屯镇太师庄村民委员会附近河道垃圾", "密云区", Some("太师屯镇"), Some("太师庄村民委员会")),
    ("顺义区杨镇地区二郎庙村委会村里没路灯", "顺义区", Some("杨镇地区"), Some("二郎庙村委会")),
    ("昌平区十三陵镇长陵村委会村口违建", "昌平区", Some("十三陵镇"), Some("长陵村委会")),
    ("大兴区榆垡镇石垡村村委会村里垃圾堆积", "大兴区", Some("榆垡镇"), Some("石垡村村委会")),
    ("大兴区庞各庄镇幸福村村委会西瓜大棚被拆", "大兴区", Some("庞各庄镇"), Some("幸福村村委会")),
    ("平谷区金海湖地区将军关村委会长城脚下有人烧烤", "平谷区", Some("金海湖地区"), Some("将军关村委会")),
    ("来电人称其在宋庄小堡村，村里有人私搭乱建", "通州区", Some("宋庄镇"), Some("小堡村委会")),
    ("琉璃渠村的古村落墙体开裂", "门头沟区", Some("龙泉地区"), Some("琉璃渠村委会")),
    ("居庸关村附近有人非法采石", "昌平区", Some("南口地区"), Some("居庸关村委会")),
    ("司马台村的民宿排污", "密云区", Some("古北口镇"), Some("司马台村民委员会")),
    ("将军关村那边有人砍树", "平谷区", Some("金海湖地区"), Some("将军关村委会")),
    ("市民反映朝阳孙河乡的垃圾站臭味大", "朝阳区", Some("孙河地区"), None),
    ("延庆区旧县镇大柏老村道路结冰", "延庆区", Some("旧县镇"), Some("大柏老村委会")),
    ("延庆区康庄镇政府门口积水", "延庆区", Some("康庄镇"), None),
    ("密云区太师屯镇政府附近路灯不亮", "密云区", Some("太师屯镇"), None),
    ("北七家镇北七家村有人倾倒垃圾", "昌平区", Some("北七家镇"), Some("北七家村委会")),
];

/// A district's short name that is also the short name of a street or township inside it (海淀 and
/// 海淀街道, 密云 and 密云镇) means the district.
const DISTRICT_SHORT_NAMES: &[Row] = &[
    ("我住海淀，暖气不热", "海淀区", None, None),
    ("家住丰台，楼上装修噪音扰民", "丰台区", None, None),
    ("密云这边的水库边有人游泳", "密云区", None, None),
    ("怀柔那边山上有人烧荒", "怀柔区", None, None),
    ("延庆这边冬天路面结冰", "延庆区", None, None),
    ("平谷这边的桃子卖不出去", "平谷区", None, None),
];

/// The names of `AMBIGUOUS` told apart by a district or street in the text.
const TOLD_APART: &[Row] = &[
    ("朝阳区和平街街道小黄庄社区垃圾桶满了没人清", "朝阳区", Some("和平街街道"), Some("小黄庄社区居委会")),
    ("东城区小黄庄社区垃圾桶满了没人清", "东城区", Some("和平里街道"), Some("小黄庄社区居委会")),
    ("和平里小黄庄社区的垃圾桶满了", "东城区", Some("和平里街道"), Some("小黄庄社区居委会")),
    ("西城区青年湖社区下水道返味", "西城区", Some("广安门外街道"), Some("青年湖社区居委会")),
    ("东城区和平里街道青年湖社区下水道返味", "东城区", Some("和平里街道"), Some("青年湖社区居委会")),
    ("朝阳区核桃园社区有人在楼道里吸烟", "朝阳区", Some("呼家楼街道"), Some("核桃园社区居委会")),
    ("西城区广安门内街道核桃园社区有人在楼道里吸烟", "西城区", Some("广安门内街道"), Some("核桃园社区居委会")),
    ("大兴区林校路街道新源西里社区电梯坏了", "大兴区", Some("林校路街道"), Some("新源西里社区居委会")),
    ("左家庄新源西里社区的电梯坏了", "朝阳区", Some("左家庄街道"), Some("新源西里社区居委会")),
    ("顺义区樱花园社区门口有人摆摊", "顺义区", Some("李桥镇"), Some("樱花园社区居委会")),
    ("通州台湖银河湾社区地库漏水", "通州区", Some("台湖镇"), Some("银河湾社区居民委员会")),
    ("酒仙桥银河湾社区地库漏水", "朝阳区", Some("酒仙桥街道"), Some("银河湾社区居民委员会")),
    ("海淀区八里庄北里社区供暖不热", "海淀区", Some("八里庄街道"), Some("八里庄北里社区居委会")),
    ("朝阳区八里庄北里社区供暖不热", "朝阳区", Some("六里屯街道"), Some("八里庄北里社区居委会")),
    ("大兴旧宫绿洲家园社区的路灯坏了", "大兴区", Some("旧宫地区"), Some("绿洲家园社区居委会")),
    ("怀柔区杨家园社区楼道堆物", "怀柔区", Some("泉河街道"), Some("杨家园社区居委会")),
    ("石景山鲁谷新华社社区停车难", "石景山区", Some("鲁谷街道"), Some("新华社社区")),
    ("延庆三里河那边的树倒了", "延庆区", Some("延庆镇"), Some("三里河村委会")),
    ("西城区月坛三里河那边的树倒了", "西城区", Some("月坛街道"), Some("三里河社区居委会")),
    ("朝阳金盏小店村的路灯坏了", "朝阳区", Some("金盏地区"), Some("小店村村委会")),
    ("石景山西黄村这边有人私搭乱建", "石景山区", Some("苹果园街道"), Some("西黄村社区")),
    ("大兴黄村西黄村有人私搭乱建", "大兴区", Some("黄村地区"), Some("西黄村村委会")),
    ("延庆香营乡小堡村有人烧垃圾", "延庆区", Some("香营乡"), Some("小堡村委会")),
    ("朝阳区八里庄街道办事处不作为", "朝阳区", Some("八里庄街道"), None),
    ("房山区东风街道的垃圾站臭味大", "房山区", Some("东风街道"), None),
    ("天通苑南街道东辰社区停车难", "昌平区", Some("天通苑南街道"), Some("东辰社区居委会")),
];

/// A name several places share, with no district or street to tell them apart: the district every
/// candidate lies in (if they agree) and the official names the candidates must carry.
const AMBIGUOUS: &[(&str, Option<&str>, &[&str])] = &[
    ("小黄庄社区的垃圾桶满了没人清", None, &["小黄庄社区居委会"]),
    ("青年湖社区这边下水道返味", None, &["青年湖社区居委会"]),
    ("核桃园社区有人在楼道里吸烟", None, &["核桃园社区居委会"]),
    ("新源西里社区的电梯坏了", None, &["新源西里社区居委会"]),
    ("樱花园社区门口有人摆摊", None, &["樱花园社区居委会"]),
    ("银河湾社区地库漏水", None, &["银河湾社区居民委员会"]),
    ("八里庄北里社区供暖不热", None, &["八里庄北里社区居委会"]),
    ("绿洲家园社区的路灯坏了", None, &["绿洲家园社区居委会"]),
    ("杨家园社区楼道堆物", None, &["杨家园社区居委会"]),
    ("新华社社区这边停车难", None, &["新华社社区居委会", "新华社社区"]),
    ("太平街这边有人占道经营", None, &["太平街社区居委会", "太平街村委会"]),
    ("三里河那边的树倒了", None, &["三里河社区居委会", "三里河村委会"]),
    ("四道口社区门口积水", None, &["四道口居民委员会", "四道口社区居委会"]),
    ("小店村的路灯坏了", None, &["小店村村委会", "小店村委会"]),
    ("西黄村这边有人私搭乱建", None, &["西黄村社区", "西黄村村委会"]),
    ("小堡村有人烧垃圾", None, &["小堡村委会"]),
    // Streets: 八里庄街道 in 朝阳 and 海淀; 东风地区 (朝阳, said 东风街道) and 房山's 东风街道.
    ("八里庄街道办事处不作为", None, &["八里庄街道"]),
    ("东风街道的垃圾站臭味大", None, &["东风地区", "东风街道"]),
    // 天通苑 is split into 天通苑北街道 and 天通苑南街道, both in 昌平.
    ("我住天通苑，暖气一直不热", Some("昌平区"), &["天通苑北街道", "天通苑南街道"]),
    ("天通苑这边地铁太挤", Some("昌平区"), &["天通苑北街道", "天通苑南街道"]),
];

/// Requests that name no place.
const NO_PLACE: &[&str] = &[
    "请问社保卡丢了怎么补办",
    "咨询一下公积金提取需要什么材料",
    "我想投诉一家网店发虚假广告，快递一直不到",
    "医保报销比例是多少",
    "出租车司机绕路多收费，车牌号京B12345",
    "询问新能源小客车指标摇号政策",
    "孩子幼儿园入园登记的时间是什么时候",
    "手机号被骚扰电话频繁呼叫，请帮忙处理",
    "反映某外卖平台商家食品不卫生，吃了拉肚子",
    "我要表扬一位热心的公交司机",
    "办理居住证需要带哪些证件",
    "来电人咨询退休金调整政策，要求回电",
];

fn name(r: &Option<PlaceRef>) -> Option<&str> {
    r.as_ref().map(|r| r.name.as_str())
}

/// Resolves every row and fails with each wrong one: its text, what was expected and the whole `Place`.
fn check(rows: &[Row]) {
    let failures: Vec<String> = rows
        .iter()
        .filter_map(|&(text, district, street, community)| {
            let p = GAZETTEER.resolve(text);
            let span_ok = p.span.is_some_and(|(s, e)| s < e && text.get(s..e).is_some());
            let ok = name(&p.district) == Some(district)
                && name(&p.street) == street
                && name(&p.community) == community
                && p.ambiguous.is_empty()
                && span_ok;
            (!ok).then(|| format!("{text}\n  expected {district} / {street:?} / {community:?}\n  got {p:#?}"))
        })
        .collect();
    assert!(failures.is_empty(), "{} of {} texts resolve wrongly:\n{}", failures.len(), rows.len(), failures.join("\n"));
}

#[test]
fn formal_addresses_and_operator_summaries_resolve_every_level() {
    check(FORMAL);
}

#[test]
fn colloquial_short_forms_resolve() {
    check(COLLOQUIAL);
}

#[test]
fn townships_and_villages_resolve() {
    check(TOWNSHIPS_AND_VILLAGES);
}

#[test]
fn a_district_short_name_means_the_district_not_its_namesake_street() {
    check(DISTRICT_SHORT_NAMES);
}

#[test]
fn shared_names_resolve_when_the_text_says_where() {
    check(TOLD_APART);
}

#[test]
fn an_official_street_name_stands_against_a_shared_community_name_that_lies_elsewhere() {
    // 东大街 is a community in two other streets; here it is part of a road name (阜通东大街) in the
    // street the text names officially (issue #12, 11: the web order went to the district).
    check(&[
        ("望京街道阜通东大街 6 号院暖气片不热", "朝阳区", Some("望京街道"), None),
        ("朝阳区望京街道阜通东大街小区门口乱停车", "朝阳区", Some("望京街道"), None),
    ]);
}

#[test]
fn shared_names_are_ambiguous_without_a_district_or_street() {
    let failures: Vec<String> = AMBIGUOUS
        .iter()
        .filter_map(|&(text, district, names)| {
            let p = GAZETTEER.resolve(text);
            let ok = p.community.is_none()
                && p.street.is_none()
                && name(&p.district) == district
                && p.ambiguous.len() >= 2
                && p.ambiguous.iter().all(|a| names.contains(&a.name.as_str()))
                && p.confidence < 0.5;
            (!ok).then(|| format!("{text}\n  expected ambiguous among {names:?} in {district:?}\n  got {p:#?}"))
        })
        .collect();
    assert!(failures.is_empty(), "{} of {} texts are not reported ambiguous:\n{}", failures.len(), AMBIGUOUS.len(), failures.join("\n"));
}

#[test]
fn text_without_a_place_resolves_to_nothing() {
    let failures: Vec<String> = NO_PLACE
        .iter()
        .filter_map(|&text| {
            let p: Place = GAZETTEER.resolve(text);
            let ok = p.district.is_none() && p.street.is_none() && p.community.is_none() && p.ambiguous.is_empty() && p.span.is_none();
            (!ok).then(|| format!("{text}\n  got {p:#?}"))
        })
        .collect();
    assert!(failures.is_empty(), "{} of {} texts found a place:\n{}", failures.len(), NO_PLACE.len(), failures.join("\n"));
}

/// The tables name only real units, each community in its street and each street in its district.
#[test]
fn every_expected_name_is_a_shipped_unit_in_its_street_and_district() {
    let by_id: HashMap<UnitId, &Unit> = UNITS.iter().map(|u| (u.id, u)).collect();
    let parent = |u: &Unit| u.parent.and_then(|p| by_id.get(&p)).map(|p| p.name.as_str());
    let named = |name: &str, class: UnitClass| -> Vec<&Unit> { UNITS.iter().filter(|u| u.class == class && u.name == name).collect() };
    let mut problems = Vec::new();
    for &(text, district, street, community) in
        [FORMAL, COLLOQUIAL, TOWNSHIPS_AND_VILLAGES, DISTRICT_SHORT_NAMES, TOLD_APART].concat().iter()
    {
        if named(district, UnitClass::District).is_empty() {
            problems.push(format!("{text}: no district {district}"));
        }
        if let Some(street) = street
            && !named(street, UnitClass::Street).iter().any(|s| parent(s) == Some(district))
        {
            problems.push(format!("{text}: no street {street} in {district}"));
        }
        if let Some(community) = community
            && !named(community, UnitClass::Community).iter().any(|c| street.is_some() && parent(c) == street)
        {
            problems.push(format!("{text}: no community {community} in {street:?}"));
        }
    }
    for &(text, _, names) in AMBIGUOUS {
        for n in names {
            if named(n, UnitClass::Community).len() + named(n, UnitClass::Street).len() == 0 {
                problems.push(format!("{text}: no unit named {n}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let rows = FORMAL.len() + COLLOQUIAL.len() + TOWNSHIPS_AND_VILLAGES.len() + DISTRICT_SHORT_NAMES.len() + TOLD_APART.len();
    assert!(rows + AMBIGUOUS.len() >= 100, "at least 100 real addresses are pinned, not {rows}");
    let districts: std::collections::HashSet<&str> =
        [FORMAL, COLLOQUIAL, TOWNSHIPS_AND_VILLAGES, DISTRICT_SHORT_NAMES].concat().iter().map(|r| r.1).collect();
    assert_eq!(districts.len(), 16, "every district is covered: {districts:?}");
}

/// Every shipped community resolves from its formal address (区+街道+名称+门牌) and from street and
/// name alone. The one exception: 大红门街道 holds both 时村 and 时村社区, which the text "时村"
/// cannot tell apart.
#[test]
fn every_shipped_community_resolves_from_its_formal_address() {
    let by_id: HashMap<UnitId, &Unit> = UNITS.iter().map(|u| (u.id, u)).collect();
    let mut wrong = Vec::new();
    for c in UNITS.iter().filter(|u| u.class == UnitClass::Community) {
        let street = by_id[&c.parent.expect("a community has a street")];
        let district = by_id[&street.parent.expect("a street has a district")];
        for text in [format!("{}{}{}5号楼", district.name, street.name, c.name), format!("{}{}", street.name, c.name)] {
            let p = GAZETTEER.resolve(&text);
            let id = |r: &Option<PlaceRef>| r.as_ref().map(|r| r.id);
            if id(&p.district) != Some(district.id) || id(&p.street) != Some(street.id) || id(&p.community) != Some(c.id) {
                wrong.push((c.name.clone(), format!("{text}\n  got {p:#?}")));
            }
        }
    }
    assert!(wrong.iter().all(|(n, _)| n == "时村"), "{}", wrong.iter().map(|w| w.1.as_str()).collect::<Vec<_>>().join("\n"));
}

#[test]
fn coordinates_of_well_known_places_fall_in_their_districts() {
    let units = hotline::seed::shipped_units().expect("units");
    let map = hotline_places::DistrictMap::from_geojson(hotline::seed::DISTRICT_POLYGONS, |code| {
        units.iter().find(|u| u.code == code).map(|u| u.id)
    })
    .expect("the shipped polygons parse");
    assert_eq!(map.len(), 16, "a boundary for every district");
    let name = |id: Option<UnitId>| id.and_then(|id| units.iter().find(|u| u.id == id)).map(|u| u.name.as_str());
    let cases = [
        ("天安门", 116.3975, 39.9087, Some("东城区")),
        ("金融街", 116.3580, 39.9150, Some("西城区")),
        ("中关村", 116.3105, 39.9834, Some("海淀区")),
        ("望京", 116.4700, 39.9960, Some("朝阳区")),
        ("丰台科技园", 116.2868, 39.8285, Some("丰台区")),
        ("石景山万达", 116.2231, 39.9062, Some("石景山区")),
        ("通州区政府", 116.6564, 39.9097, Some("通州区")),
        // The capital airport is an exclave of 朝阳区 inside 顺义区: a second polygon of 朝阳区.
        ("首都机场", 116.5871, 40.0799, Some("朝阳区")),
        ("顺义城区", 116.6546, 40.1302, Some("顺义区")),
        ("大兴黄村", 116.3389, 39.7288, Some("大兴区")),
        ("良乡", 116.1398, 39.7353, Some("房山区")),
        ("门头沟新城", 116.1016, 39.9404, Some("门头沟区")),
        ("昌平新城", 116.2312, 40.2207, Some("昌平区")),
        ("怀柔城区", 116.6317, 40.3160, Some("怀柔区")),
        ("平谷城区", 117.1213, 40.1406, Some("平谷区")),
        ("密云水库", 116.9500, 40.5000, Some("密云区")),
        ("八达岭", 115.9800, 40.3600, Some("延庆区")),
        ("上海人民广场", 121.4750, 31.2300, None),
        ("天津", 117.2000, 39.1300, None),
    ];
    for (place, lng, lat, want) in cases {
        assert_eq!(name(map.locate(lng, lat)), want, "{place} ({lng}, {lat})");
    }
}

/// Landmarks people name instead of an address (crates/hotline-places/data/landmarks.csv).
#[test]
fn landmarks_resolve_to_their_district_and_street_and_roads_across_districts_decide_nothing() {
    for (text, district, street) in [
        ("国贸地铁站A口的扶梯停了一个礼拜", Some("朝阳区"), Some("建外街道")),
        ("I'm at Guomao and the escalator is broken", Some("朝阳区"), Some("建外街道")),
        ("北京西站出站口黑车拉客", Some("丰台区"), None),
        ("协和医院门口号贩子倒号", Some("东城区"), Some("东华门街道")),
        // A community of the same name in the landmark's district says more: its street.
        ("颐和园门票能用老年卡吗", Some("海淀区"), Some("青龙桥街道")),
        ("四环主路上有个轮胎", None, None),
    ] {
        let p = GAZETTEER.resolve(text);
        assert_eq!((name(&p.district), name(&p.street)), (district, street), "{text}: {p:?}");
    }
}
