//! Address resolution against the real NBS 2023 table. Every code used is
//! first checked against the table with its official name ([`named`]).

use super::*;
use crate::divisions::table;
use proptest::prelude::*;

/// Asserts that `code` is in the table under the official `name`.
fn named(code: &str, name: &str) {
    assert!(table().contains(code), "{code} not in the table");
    if code.len() < 12 {
        assert_eq!(table().name(code), Some(name), "{code}");
    }
    assert_eq!(index().name(code).as_deref(), Some(name), "{code}");
}

fn code(s: &str) -> Code {
    Code::parse(s).unwrap()
}

fn resolve_at(within: &str, text: &str, require: Level) -> Result<Resolved, AddressError> {
    index().resolve(text, &code(within), require)
}

/// Resolves `text` at village level inside `within`, which must succeed.
fn village(within: &str, text: &str) -> Resolved {
    resolve_at(within, text, Level::Village).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

fn codes(candidates: &[Candidate]) -> Vec<&str> {
    candidates.iter().map(|c| c.code.as_str()).collect()
}

// 河南省 鹤壁市 鹤山区 (410602): the county of the examples.
const HESHAN: &str = "410602";
const HEBIJI: &str = "410602100"; // 鹤壁集镇
const BEIYANGYI: &str = "410602100204"; // 北杨邑村民委员会
const JIJIASHAN: &str = "410602201"; // 姬家山乡
const CUICUNGOU: &str = "410602201201"; // 崔村沟村民委员会
// 广东省 深圳市 宝安区 (440306), 新安街道.
const BAOAN: &str = "440306";
const BAOMIN: &str = "440306017001"; // 宝民社区居委会

fn heshan_names() {
    named("41", "河南省");
    named("4106", "鹤壁市");
    named(HESHAN, "鹤山区");
    named(HEBIJI, "鹤壁集镇");
    named(BEIYANGYI, "北杨邑村民委员会");
    named(JIJIASHAN, "姬家山乡");
    named(CUICUNGOU, "崔村沟村民委员会");
    named("410602201202", "姬家山村民委员会");
}

fn baoan_names() {
    named("44", "广东省");
    named("4403", "深圳市");
    named(BAOAN, "宝安区");
    named("440306017", "新安街道");
    named(BAOMIN, "宝民社区居委会");
    named("440306017009", "海富社区居委会");
}

#[test]
fn address_full_path_in_another_province() {
    baoan_names();
    let text = "广东省深圳市宝安区新安街道宝民社区居委会";
    let r = village(HESHAN, text);
    assert_eq!(r.code.as_str(), BAOMIN);
    assert_eq!(r.level, Level::Village);
    assert_eq!(r.full_name, "广东省 深圳市 宝安区 新安街道 宝民社区居委会");
    assert_eq!(r.matched_text(text), text);
    let parts: Vec<&str> = r.parts.iter().map(|p| p.code.as_str()).collect();
    assert_eq!(parts, ["44", "4403", BAOAN, "440306017", BAOMIN]);
    let named: Vec<&str> = r.parts.iter().map(|p| &text[p.matched.clone()]).collect();
    assert_eq!(
        named,
        ["广东省", "深圳市", "宝安区", "新安街道", "宝民社区居委会"]
    );
    // Short forms, and the city instead of the province.
    for text in [
        "广东深圳宝安新安宝民",
        "广东省深圳市宝安区新安街道办事处宝民社区",
        "深圳市宝安区新安街道宝民社区",
        "广东省宝安区新安街道宝民社区",
    ] {
        assert_eq!(village(HESHAN, text).code.as_str(), BAOMIN, "{text}");
    }
    // The same from a national context (an exchange node).
    assert_eq!(
        village("", "广东省深圳市宝安区新安街道宝民社区")
            .code
            .as_str(),
        BAOMIN
    );
}

#[test]
fn address_short_address_in_the_default_county() {
    heshan_names();
    for text in [
        "鹤壁集镇北杨邑村",
        "鹤壁集镇北杨邑村民委员会",
        "鹤壁集镇北杨邑村委会",
        "鹤壁集北杨邑",
        "北杨邑村",
        "北杨邑",
        // Restating the context or its ancestors.
        "鹤山区鹤壁集镇北杨邑村",
        "鹤壁市鹤山区鹤壁集镇北杨邑村",
        "河南省鹤壁市鹤山区鹤壁集镇北杨邑村",
        "河南鹤壁鹤山鹤壁集北杨邑",
    ] {
        let r = village(HESHAN, text);
        assert_eq!(r.code.as_str(), BEIYANGYI, "{text}");
        assert_eq!(
            r.full_name,
            "河南省 鹤壁市 鹤山区 鹤壁集镇 北杨邑村民委员会"
        );
        assert_eq!(r.matched_text(text), text);
    }
    // A township node: its own villages, then the rest of its county.
    assert_eq!(village(HEBIJI, "北杨邑").code.as_str(), BEIYANGYI);
    assert_eq!(village(HEBIJI, "姬家山乡崔村沟村").code.as_str(), CUICUNGOU);
    assert_eq!(
        village(HEBIJI, "鹤山区鹤壁集镇北杨邑村").code.as_str(),
        BEIYANGYI
    );
    // A village node, and a province node (a county under it, without the city).
    assert_eq!(village(BEIYANGYI, "崔村沟").code.as_str(), CUICUNGOU);
    assert_eq!(
        village("41", "鹤山区鹤壁集镇北杨邑村").code.as_str(),
        BEIYANGYI
    );
    // Another county of the same city, given with the city.
    named("410611", "淇滨区");
    let r = resolve_at(HESHAN, "鹤壁市淇滨区", Level::County).unwrap();
    assert_eq!(r.code.as_str(), "410611");
}

#[test]
fn address_endings_may_be_omitted_or_varied() {
    // A township and a village with one short form; a village and a
    // residents' committee with one short form in one township.
    named("130205", "开平区");
    named("130205002", "开平街道");
    named("130205100", "开平镇");
    named("110105022", "高碑店地区");
    named("110105022201", "高井村委会");
    named("110105022025", "高井社区居委会");
    named("110105024", "太阳宫地区");
    named("110105024200", "太阳宫村委会");
    let cases = [
        ("130205", "开平镇", Level::Township, "130205100"),
        ("130205", "开平街道", Level::Township, "130205002"),
        ("130205", "开平街道办事处", Level::Township, "130205002"),
        ("110105", "高井村", Level::Village, "110105022201"),
        ("110105", "高井村委会", Level::Village, "110105022201"),
        ("110105", "高井村民委员会", Level::Village, "110105022201"),
        ("110105", "高井社区", Level::Village, "110105022025"),
        ("110105", "高井居委会", Level::Village, "110105022025"),
        (
            "110105",
            "高碑店高井社区居民委员会",
            Level::Village,
            "110105022025",
        ),
        // 地区 (Beijing) is a 乡's other name.
        ("110105", "太阳宫乡太阳宫村", Level::Village, "110105024200"),
    ];
    for (within, text, level, expected) in cases {
        let r = resolve_at(within, text, level).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(r.code.as_str(), expected, "{text}");
    }
    // A village turned community (撤村建居) written with 村; but where both
    // exist, the name of the right kind wins, and the full name over a short
    // form with an ending.
    named("410602100001", "北街社区居民委员会");
    assert_eq!(village(HEBIJI, "北街村").code.as_str(), "410602100001");
    named("321204002", "三水街道");
    named("321204002006", "桥头居委会");
    named("321204002025", "桥头社区居委会");
    for (text, expected) in [
        ("三水街道桥头居委会", "321204002006"),
        ("三水街道桥头社区居委会", "321204002025"),
    ] {
        assert_eq!(village("321204", text).code.as_str(), expected, "{text}");
    }
    let e = resolve_at("321204", "三水街道桥头社区", Level::Village).unwrap_err();
    assert_eq!(codes(e.candidates()), ["321204002006", "321204002025"]);
    // 开平 alone is either of the two.
    let e = resolve_at("130205", "开平", Level::Township).unwrap_err();
    assert!(matches!(e, AddressError::Ambiguous { .. }), "{e}");
    assert_eq!(codes(e.candidates()), ["130205002", "130205100"]);
}

#[test]
fn address_names_containing_ending_characters() {
    // 村 inside a village name: 崔村沟 is not 崔村.
    heshan_names();
    assert_eq!(village(HESHAN, "姬家山乡崔村沟村").code.as_str(), CUICUNGOU);
    assert_eq!(village(HESHAN, "崔村沟").code.as_str(), CUICUNGOU);
    let e = resolve_at(HESHAN, "姬家山乡崔村", Level::Village).unwrap_err();
    assert!(matches!(e, AddressError::Incomplete { .. }), "{e}");
    assert_eq!(codes(e.candidates()).first(), Some(&CUICUNGOU));
    // 镇 inside a village name, under a 镇.
    named("320681108", "合作镇");
    named("320681108001", "曹家镇村居委会");
    named("320681108206", "曹家镇村委会");
    assert_eq!(
        village("320681", "合作镇曹家镇村居委会").code.as_str(),
        "320681108001"
    );
    assert_eq!(
        village("320681", "合作镇曹家镇村委会").code.as_str(),
        "320681108206"
    );
    // Counties whose short form would be one character are matched whole;
    // 市中区 starts with 市.
    named("140302", "城区");
    named("130133", "赵县");
    named("370103", "市中区");
    let county = |text| resolve_at("", text, Level::County).map(|r| r.code.to_string());
    assert_eq!(county("山西省阳泉市城区").unwrap(), "140302");
    assert_eq!(county("河北省石家庄市赵县").unwrap(), "130133");
    assert!(county("河北省石家庄市赵").is_err());
    assert_eq!(county("山东省济南市市中区").unwrap(), "370103");
    // A village, its township and its county with one name (金门县).
    named("350527", "金门县");
    named("350527000", "金门县");
    named("350527000000", "金门县");
    assert_eq!(
        village("", "福建省泉州市金门县").code.as_str(),
        "350527000000"
    );
}

#[test]
fn address_municipalities_and_table_placeholders() {
    // The table's placeholder levels are never written and never shown.
    named("1101", "市辖区");
    named("5002", "县");
    named("4190", "省直辖县级行政区划");
    named("110105", "朝阳区");
    named("110105022201", "高井村委会");
    for text in [
        "北京市朝阳区高碑店地区高井村",
        "北京朝阳高碑店高井村",
        "北京市朝阳区高井村委会",
    ] {
        let r = village("", text);
        assert_eq!(r.code.as_str(), "110105022201", "{text}");
        assert_eq!(r.full_name, "北京市 朝阳区 高碑店地区 高井村委会");
    }
    let at =
        |text, level| resolve_at(HESHAN, text, level).unwrap_or_else(|e| panic!("{text}: {e}"));
    named("500229", "城口县");
    let r = at("重庆市城口县", Level::County);
    assert_eq!(
        (r.code.as_str(), r.full_name.as_str()),
        ("500229", "重庆市 城口县")
    );
    named("419001", "济源市");
    assert_eq!(at("河南省济源市", Level::County).code.as_str(), "419001");
    // Prefecture-level cities without counties: the table repeats the name.
    named("4419", "东莞市");
    named("441900", "东莞市");
    named("441900121", "虎门镇");
    let r = at("广东省东莞市虎门镇", Level::Township);
    assert_eq!(
        (r.code.as_str(), r.full_name.as_str()),
        ("441900121", "广东省 东莞市 虎门镇")
    );
    named("620201001", "雄关街道");
    assert_eq!(
        at("甘肃嘉峪关雄关街道", Level::Township).code.as_str(),
        "620201001"
    );
    named("310115", "浦东新区");
    assert_eq!(at("上海浦东新区", Level::County).code.as_str(), "310115");
    assert_eq!(at("上海市浦东区", Level::County).code.as_str(), "310115");
}

#[test]
fn address_autonomous_divisions_by_short_name() {
    let cases = [
        ("4501", "南宁市", "广西南宁市", Level::Prefecture),
        ("4501", "南宁市", "广西壮族自治区南宁市", Level::Prefecture),
        // 乌鲁木齐市 is the city, not 乌鲁木齐县 under it.
        ("6501", "乌鲁木齐市", "新疆乌鲁木齐市", Level::Prefecture),
        ("650121", "乌鲁木齐县", "新疆乌鲁木齐县", Level::County),
        ("222401", "延吉市", "吉林省延边州延吉市", Level::County),
        // 海南: a province, and a prefecture of 青海.
        ("632521", "共和县", "青海省海南州共和县", Level::County),
        (
            "632521",
            "共和县",
            "青海海南藏族自治州共和县",
            Level::County,
        ),
        ("420528", "长阳土家族自治县", "湖北省长阳县", Level::County),
        ("150724", "鄂温克族自治旗", "内蒙古鄂温克旗", Level::County),
        (
            "150724",
            "鄂温克族自治旗",
            "内蒙古自治区呼伦贝尔市鄂温克族自治旗",
            Level::County,
        ),
    ];
    for (expected, name, text, level) in cases {
        named(expected, name);
        let r = resolve_at(HESHAN, text, level).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(r.code.as_str(), expected, "{text}");
    }
    // A city is not read as the province of the same short name.
    named("2202", "吉林市");
    let r = resolve_at("", "吉林省吉林市", Level::Prefecture).unwrap();
    assert_eq!(r.code.as_str(), "2202");
}

#[test]
fn address_ambiguity_reports_the_candidates() {
    heshan_names();
    named("410602004", "鹤山街街道");
    named("410602005", "九矿广场街道");
    named("410602004002", "广场社区居民委员会");
    named("410602005001", "广场社区居民委员会");
    let e = resolve_at(HESHAN, "广场社区", Level::Village).unwrap_err();
    let AddressError::Ambiguous { text, candidates } = &e else {
        panic!("{e:?}");
    };
    assert_eq!(text, "广场社区");
    assert_eq!(codes(candidates), ["410602004002", "410602005001"]);
    assert_eq!(
        candidates[1].full_name,
        "河南省 鹤壁市 鹤山区 九矿广场街道 广场社区居民委员会"
    );
    let msg = e.to_string();
    assert!(
        msg.contains("410602004002") && msg.contains("九矿广场街道"),
        "{msg}"
    );
    // Naming the township settles it.
    assert_eq!(
        village(HESHAN, "鹤山街广场社区").code.as_str(),
        "410602004002"
    );
    assert_eq!(
        village(HESHAN, "九矿广场街道广场社区").code.as_str(),
        "410602005001"
    );
    // Naming only the county does not.
    let e = resolve_at("", "河南省鹤壁市鹤山区广场社区", Level::Village).unwrap_err();
    assert_eq!(codes(e.candidates()), ["410602004002", "410602005001"]);
    // A common name: a handful of candidates, not hundreds.
    let e = resolve_at(HESHAN, "东方红村", Level::Village).unwrap_err();
    assert_eq!(e.candidates().len(), MAX_CANDIDATES, "{e}");
}

#[test]
fn address_unknown_reports_the_closest() {
    heshan_names();
    // A misspelt township (寨 for 集).
    let e = resolve_at(HESHAN, "鹤壁寨北杨邑", Level::Village).unwrap_err();
    let AddressError::Unknown { text, candidates } = &e else {
        panic!("{e:?}");
    };
    assert_eq!(text, "鹤壁寨北杨邑");
    let found = codes(candidates);
    assert!(
        found.contains(&HEBIJI) && found.contains(&BEIYANGYI),
        "{found:?}"
    );
    assert!(
        e.to_string()
            .starts_with("无法识别地址“鹤壁寨北杨邑”，相近的有："),
        "{e}"
    );
    // A residential estate, not a community: bare 宝民 must end there.
    baoan_names();
    let e = resolve_at(BAOAN, "宝民花园3栋", Level::Village).unwrap_err();
    assert!(matches!(e, AddressError::Unknown { .. }), "{e}");
    assert_eq!(codes(e.candidates()), [BAOMIN]);
    // Nothing alike.
    let e = resolve_at(HESHAN, "abc", Level::Village).unwrap_err();
    assert_eq!(
        e,
        AddressError::Unknown {
            text: "abc".into(),
            candidates: vec![]
        }
    );
    assert_eq!(e.to_string(), "无法识别地址“abc”");
    // A province name is not the village 河南村 (the boundary rule).
    assert!(resolve_at(HESHAN, "河南省", Level::Province).is_ok());
}

#[test]
fn address_outside_the_context_needs_the_province_or_city() {
    baoan_names();
    heshan_names();
    let e = resolve_at(HESHAN, "宝安区新安街道宝民社区", Level::Village).unwrap_err();
    let AddressError::OutsideContext {
        within, candidates, ..
    } = &e
    else {
        panic!("{e:?}");
    };
    assert_eq!(within.as_str(), HESHAN);
    assert_eq!(codes(candidates), [BAOMIN]);
    assert!(e.to_string().contains("外地地址须从省或市写起"), "{e}");
    // From a national node every address needs its province or city.
    let e = resolve_at("", "鹤山区鹤壁集镇北杨邑村", Level::Village).unwrap_err();
    assert!(matches!(e, AddressError::OutsideContext { .. }), "{e}");
    assert_eq!(codes(e.candidates()), [BEIYANGYI]);
    // A village of the county, asked for at a node elsewhere.
    let e = resolve_at(BAOAN, "北杨邑村", Level::Village).unwrap_err();
    assert_eq!(codes(e.candidates()).first(), Some(&BEIYANGYI));
}

#[test]
fn address_township_only_is_refused_for_village_level() {
    heshan_names();
    let e = resolve_at(HESHAN, "姬家山乡", Level::Village).unwrap_err();
    let AddressError::Incomplete {
        resolved,
        required,
        unrecognised,
        candidates,
        ..
    } = &e
    else {
        panic!("{e:?}");
    };
    assert_eq!(resolved.code.as_str(), JIJIASHAN);
    assert_eq!(resolved.level, Level::Township);
    assert_eq!(*required, Level::Village);
    assert_eq!(unrecognised, "");
    assert!(candidates.is_empty());
    assert_eq!(
        e.to_string(),
        "地址“姬家山乡”只写到乡镇/街道“河南省 鹤壁市 鹤山区 姬家山乡”（410602201），未写明村/社区"
    );
    // The same text is fine where a township is enough.
    let r = resolve_at(HESHAN, "姬家山乡", Level::Township).unwrap();
    assert_eq!(r.code.as_str(), JIJIASHAN);
    // Bare 姬家山 is the village of that name inside the township.
    assert_eq!(village(HESHAN, "姬家山").code.as_str(), "410602201202");
    // Detail after a township is not a village.
    let e = resolve_at(HESHAN, "鹤壁集镇3组", Level::Village).unwrap_err();
    assert!(
        matches!(&e, AddressError::Incomplete { unrecognised, .. } if unrecognised.is_empty()),
        "{e}"
    );
    // A road, or a misspelt village: said so, with what is close.
    let e = resolve_at(HESHAN, "鹤壁集镇中山路12号", Level::Village).unwrap_err();
    assert!(
        matches!(&e, AddressError::Incomplete { unrecognised, .. } if unrecognised == "中山路12号"),
        "{e}"
    );
    let e = resolve_at(HESHAN, "鹤壁集镇北杨村", Level::Village).unwrap_err();
    assert_eq!(codes(e.candidates()).first(), Some(&BEIYANGYI));
    assert!(
        e.to_string().contains("（“北杨村”不是其下的村/社区）"),
        "{e}"
    );
    // A county or a city alone.
    let e = resolve_at(HESHAN, "鹤壁市", Level::Village).unwrap_err();
    assert!(
        matches!(&e, AddressError::Incomplete { resolved, .. } if resolved.code.as_str() == "4106"),
        "{e}"
    );
}

#[test]
fn address_trailing_detail_is_ignored() {
    heshan_names();
    baoan_names();
    let cases = [
        (
            HESHAN,
            "鹤壁集镇北杨邑村3组12号",
            BEIYANGYI,
            "鹤壁集镇北杨邑村",
            "3组12号",
        ),
        (HESHAN, "北杨邑三组", BEIYANGYI, "北杨邑", "三组"),
        (HESHAN, "北杨邑村十二组", BEIYANGYI, "北杨邑村", "十二组"),
        (
            HESHAN,
            "北杨邑村中心街5号",
            BEIYANGYI,
            "北杨邑村",
            "中心街5号",
        ),
        (BAOAN, "宝民社区 3栋201", BAOMIN, "宝民社区", "3栋201"),
        (
            BAOAN,
            "新安街道宝民社区A座1单元",
            BAOMIN,
            "新安街道宝民社区",
            "A座1单元",
        ),
        (BAOAN, "海富3栋", "440306017009", "海富", "3栋"),
        (
            BAOAN,
            "海富社区（原海富村）",
            "440306017009",
            "海富社区",
            "原海富村",
        ),
    ];
    for (within, text, expected, matched, detail) in cases {
        let r = village(within, text);
        assert_eq!(r.code.as_str(), expected, "{text}");
        assert_eq!(r.matched_text(text), matched, "{text}");
        assert_eq!(r.detail(text), detail, "{text}");
    }
    // A bare short form followed by a street is not taken for the village.
    let e = resolve_at(HESHAN, "北杨邑中心街5号", Level::Village).unwrap_err();
    assert!(matches!(e, AddressError::Unknown { .. }), "{e}");
    assert_eq!(codes(e.candidates()).first(), Some(&BEIYANGYI), "{e}");
}

#[test]
fn address_full_width_characters_and_punctuation() {
    heshan_names();
    baoan_names();
    let text = "河南省·鹤壁市，鹤山区\u{3000}鹤壁集镇 北杨邑村";
    let r = village("", text);
    assert_eq!(r.code.as_str(), BEIYANGYI);
    assert_eq!(r.matched_text(text), text);
    let r = village(BAOAN, "宝民社区３栋２０１");
    assert_eq!(r.code.as_str(), BAOMIN);
    assert_eq!(r.detail("宝民社区３栋２０１"), "３栋２０１");
    // Digits of a name written full-width; brackets and dashes dropped.
    named("110102007", "月坛街道");
    named("110102007016", "复兴门外大街甲7号院社区居委会");
    for text in [
        "北京市西城区月坛街道复兴门外大街甲７号院社区",
        "北京市－西城区（月坛街道）复兴门外大街甲7号院社区居委会",
        "北京西城月坛复兴门外大街甲７号院",
    ] {
        assert_eq!(village("", text).code.as_str(), "110102007016", "{text}");
    }
    // The name with 7 is not the one with 17: digits after a name are detail,
    // digits inside one are not.
    assert!(
        resolve_at(
            "",
            "北京市西城区月坛街道复兴门外大街甲17号院社区",
            Level::Village
        )
        .is_err()
    );
}

#[test]
fn address_leading_country_name() {
    heshan_names();
    let text = "中国河南省鹤壁市鹤山区鹤壁集镇北杨邑村";
    let r = village(HESHAN, text);
    assert_eq!(r.code.as_str(), BEIYANGYI);
    assert_eq!(r.matched_text(text), "河南省鹤壁市鹤山区鹤壁集镇北杨邑村");
    assert_eq!(
        village("", "中华人民共和国 河南省鹤壁市鹤山区鹤壁集镇北杨邑村")
            .code
            .as_str(),
        BEIYANGYI
    );
    // ... but 中国 may begin a division's own name.
    named("320114402", "中国（南京）软件谷");
    named("320114402001", "中国（南京）软件谷一号园区社区");
    let text = "中国（南京）软件谷一号园区社区";
    assert_eq!(village("320114402", text).code.as_str(), "320114402001");
    assert_eq!(
        village("320114", "中国(南京)软件谷中国(南京)软件谷一号园区社区")
            .code
            .as_str(),
        "320114402001"
    );
}

#[test]
fn address_empty_text() {
    for text in ["", "   ", "，。·", "\u{3000}", "中国"] {
        assert_eq!(
            resolve_at(HESHAN, text, Level::Village),
            Err(AddressError::Empty),
            "{text:?}"
        );
    }
    assert_eq!(AddressError::Empty.to_string(), "地址为空");
    assert!(AddressError::Empty.candidates().is_empty());
}

#[test]
fn address_short_forms_of_official_names() {
    assert_eq!(ETHNIC.split_whitespace().count(), 56);
    let forms = |name: &str, level: usize| {
        let chars: Vec<char> = name.chars().collect();
        let mut out = Vec::new();
        let kind = short_forms(&chars, level, &mut out);
        let forms: Vec<String> = out.iter().map(|&n| chars[..n].iter().collect()).collect();
        (forms, kind)
    };
    let cases: &[(&str, usize, &[&str])] = &[
        (
            "新疆维吾尔自治区",
            0,
            &["新疆维吾尔自治区", "新疆维吾尔", "新疆"],
        ),
        ("内蒙古自治区", 0, &["内蒙古自治区", "内蒙古"]),
        ("北京市", 0, &["北京市", "北京"]),
        (
            "湘西土家族苗族自治州",
            1,
            &[
                "湘西土家族苗族自治州",
                "湘西土家族苗族",
                "湘西土家族",
                "湘西",
            ],
        ),
        (
            "博尔塔拉蒙古自治州",
            1,
            &["博尔塔拉蒙古自治州", "博尔塔拉蒙古", "博尔塔拉"],
        ),
        (
            "鄂温克族自治旗",
            2,
            &["鄂温克族自治旗", "鄂温克族", "鄂温克"],
        ),
        ("龙胜各族自治县", 2, &["龙胜各族自治县", "龙胜各族", "龙胜"]),
        ("城区", 2, &["城区"]),
        ("市中区", 2, &["市中区", "市中"]),
        ("鹤山街街道", 3, &["鹤山街街道", "鹤山街"]),
        ("北杨邑村民委员会", 4, &["北杨邑村民委员会", "北杨邑"]),
        // One character left by the longest ending: the next one is used.
        ("东社区居委会", 4, &["东社区居委会", "东社区"]),
        ("时村", 4, &["时村"]),
    ];
    for &(name, level, expected) in cases {
        assert_eq!(forms(name, level).0, expected, "{name}");
    }
    assert_eq!(forms("北杨邑村民委员会", 4).1, 2);
    assert_eq!(forms("宝民社区居委会", 4).1, 1);
    assert_eq!(forms("时村", 4).1, 0);
}

#[test]
fn address_names_and_full_names() {
    let ix = index();
    assert_eq!(ix.name(BEIYANGYI).as_deref(), Some("北杨邑村民委员会"));
    assert_eq!(ix.name("4106").as_deref(), Some("鹤壁市"));
    assert_eq!(
        ix.full_name(BEIYANGYI).as_deref(),
        Some("河南省 鹤壁市 鹤山区 鹤壁集镇 北杨邑村民委员会")
    );
    assert_eq!(ix.full_name("110105").as_deref(), Some("北京市 朝阳区"));
    for absent in ["", "410602999999", "4106021", "CN"] {
        assert_eq!(ix.name(absent), None, "{absent}");
        assert_eq!(ix.full_name(absent), None, "{absent}");
    }
}

#[test]
fn address_every_village_resolves_from_its_official_names() {
    // A sample across the country: the full path from a national node, and
    // township + village from the county node.
    let t = table();
    let ix = index();
    for pos in (0..t.level_len(VILLAGE)).step_by(509) {
        let v = t.code_at(VILLAGE, pos);
        let full = ix.full_name(v).unwrap();
        let r = village("", &full);
        assert_eq!(r.code.as_str(), v, "{full}");
        assert_eq!(r.full_name, full);
        let short = format!("{}{}", ix.name(&v[..9]).unwrap(), ix.name(v).unwrap());
        assert_eq!(village(&v[..6], &short).code.as_str(), v, "{short}");
    }
}

#[test]
fn address_index_is_bounded() {
    let ix = index();
    let (p, f, c, t, v) = table().counts();
    // One key per division that an address can name (placeholders aside).
    assert!(ix.keys.len() <= p + f + c + t + v);
    assert!(ix.keys.len() > p + f + c + t + v - 20);
    assert!(ix.heap_bytes() < 12 << 20, "{} bytes", ix.heap_bytes());
    assert!(ix.transparent.len() < 50, "{:?}", ix.transparent);
}

#[test]
fn address_long_and_repetitive_texts_are_bounded() {
    // Long text: only the start is read.
    let long = format!("鹤壁集镇北杨邑村{}", "三组".repeat(10_000));
    assert_eq!(village(HESHAN, &long).code.as_str(), BEIYANGYI);
    // Many possible readings: the search gives up within its budget.
    for s in ["王家", "新村", "东风", "鹤壁", "广场社区"] {
        let text = s.repeat(200);
        let _ = resolve_at("", &text, Level::Village);
        let _ = resolve_at(HESHAN, &text, Level::Village);
    }
}

/// Pieces of addresses: names, endings, digits, punctuation and noise.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("河南省".to_string()),
        Just("鹤壁".to_string()),
        Just("鹤山区".to_string()),
        Just("鹤壁集".to_string()),
        Just("北杨邑".to_string()),
        Just("广场".to_string()),
        Just("北京".to_string()),
        Just("中国".to_string()),
        Just("村".to_string()),
        Just("社区居委会".to_string()),
        Just("镇".to_string()),
        Just("３栋".to_string()),
        Just("·，（）".to_string()),
        Just("\u{3000}".to_string()),
        "[0-9]{1,3}",
        "\\PC{0,4}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn address_never_panics_on_any_text(text in "\\PC{0,40}|.{0,40}") {
        check_result(&text);
    }

    #[test]
    fn address_never_panics_on_address_like_text(parts in prop::collection::vec(fragment(), 0..10)) {
        check_result(&parts.concat());
    }
}

/// Resolves `text` in a few contexts; whatever the outcome, the ranges it
/// gives lie on character boundaries of `text`.
fn check_result(text: &str) {
    for within in ["", "41", HESHAN, HEBIJI, BEIYANGYI, "999999"] {
        for require in [Level::Village, Level::Township, Level::National] {
            match resolve_at(within, text, require) {
                Ok(r) => {
                    assert!(text.get(r.matched.clone()).is_some(), "{text:?}: {r:?}");
                    assert!(
                        r.parts
                            .iter()
                            .all(|p| text.get(p.matched.clone()).is_some())
                    );
                    assert!(table().contains(r.code.as_str()));
                    assert!(r.level >= require);
                    let _ = r.detail(text);
                }
                Err(e) => {
                    assert!(e.candidates().len() <= MAX_CANDIDATES);
                    let _ = e.to_string();
                }
            }
        }
    }
}
