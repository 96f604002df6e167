"""GB/T 31000-2015 dispute event types, the monthly statistical categories, and the mapping between them."""

import re

import pytest

from fengqiao.mediation import codes_gbt as g

STANDARD_CLASSES_WITHOUT_OWN_CATCH_ALL = {"14", "16", "99"}


def _names_ok(table):
    for code, value in table.items():
        assert isinstance(value, tuple) and len(value) == 2, code
        zh, en = value
        assert zh.strip() and zh == zh.strip(), code
        assert en.strip() and en == en.strip() and en.isascii(), code


def test_event_classes_are_the_seventeen_of_the_standard_in_order():
    assert list(g.EVENT_CLASSES) == [f"{n:02d}" for n in range(1, 17)] + ["99"]
    assert g.EVENT_CLASSES["01"][0] == "婚恋家庭纠纷"
    assert g.EVENT_CLASSES["09"][0] == "土地及资源权属纠纷"
    assert g.EVENT_CLASSES["99"] == ("其他", "Other")
    _names_ok(g.EVENT_CLASSES)


def test_every_event_type_is_four_digits_under_an_existing_class():
    assert len(g.EVENT_TYPES) == 81
    for code in g.EVENT_TYPES:
        assert re.fullmatch(r"\d{4}", code), code
        assert code[:2] in g.EVENT_CLASSES, code
    _names_ok(g.EVENT_TYPES)


def test_event_types_are_in_code_order():
    assert list(g.EVENT_TYPES) == sorted(g.EVENT_TYPES)


def test_known_codes_of_the_standard():
    assert g.EVENT_TYPES["0101"][0] == "恋爱及婚姻"
    assert g.EVENT_TYPES["0402"][0] == "物业及其管理"
    assert g.EVENT_TYPES["0503"][0] == "交通事故"
    assert g.EVENT_TYPES["0902"][0] == "宅基地使用"
    assert g.EVENT_TYPES["1002"][0] == "公司企业设立解散"
    assert g.EVENT_TYPES["1101"][0] == "国有土地上房屋征收"
    assert g.EVENT_TYPES["1602"][0] == "涉宗教问题"


def test_every_class_has_a_catch_all():
    for class_code in g.EVENT_CLASSES:
        code = f"{class_code}99"
        assert code in g.EVENT_TYPES, class_code
        assert g.EVENT_TYPES[code][0] == "其他"
        assert g.EVENT_TYPES[code][1].startswith("Other")


def test_catch_all_is_the_only_99_code_and_comes_last_in_its_class():
    for class_code in g.EVENT_CLASSES:
        codes = [c for c in g.EVENT_TYPES if c[:2] == class_code]
        assert codes[-1] == f"{class_code}99"


def test_every_class_but_the_bare_other_has_at_least_three_subtypes():
    for class_code in g.EVENT_CLASSES:
        count = sum(1 for c in g.EVENT_TYPES if c[:2] == class_code)
        assert count >= (1 if class_code == "99" else 3), class_code


def test_supplementary_codes_are_exactly_the_missing_catch_alls():
    assert {c[:2] for c in g.SUPPLEMENTARY_CODES} == STANDARD_CLASSES_WITHOUT_OWN_CATCH_ALL
    assert set(g.EVENT_TYPES) >= g.SUPPLEMENTARY_CODES
    assert all(c.endswith("99") for c in g.SUPPLEMENTARY_CODES)


def test_stat_categories_are_the_fifteen_of_the_monthly_table_in_order():
    assert list(g.STAT_CATEGORIES) == [f"{n:02d}" for n in range(1, 16)]
    assert [zh for zh, _ in g.STAT_CATEGORIES.values()] == [
        "婚姻家庭",
        "邻里",
        "房屋宅基地",
        "合同",
        "生产经营",
        "损害赔偿",
        "山林土地",
        "征地拆迁",
        "环境污染",
        "劳动争议",
        "消费",
        "医疗",
        "道路交通事故",
        "物业",
        "其他",
    ]
    assert g.STAT_CATEGORIES["15"] == ("其他", "Other")
    _names_ok(g.STAT_CATEGORIES)


def test_event_to_stat_covers_every_event_type_and_only_existing_categories():
    assert set(g.EVENT_TO_STAT) == set(g.EVENT_TYPES)
    assert set(g.EVENT_TO_STAT.values()) <= set(g.STAT_CATEGORIES)


def test_every_stat_category_is_reachable():
    assert set(g.EVENT_TO_STAT.values()) == set(g.STAT_CATEGORIES)


@pytest.mark.parametrize(
    ("event_type", "category"),
    [
        ("0101", "婚姻家庭"),
        ("0102", "婚姻家庭"),
        ("0201", "邻里"),
        ("0902", "房屋宅基地"),
        ("0603", "合同"),
        ("1002", "生产经营"),
        ("0401", "损害赔偿"),
        ("0903", "山林土地"),
        ("1101", "征地拆迁"),
        ("1102", "征地拆迁"),
        ("0504", "环境污染"),
        ("0701", "劳动争议"),
        ("0703", "劳动争议"),
        ("0601", "消费"),
        ("0502", "医疗"),
        ("0503", "道路交通事故"),
        ("0402", "物业"),
        ("1401", "其他"),
        ("9999", "其他"),
    ],
)
def test_stat_category_for(event_type, category):
    assert g.STAT_CATEGORIES[g.stat_category_for(event_type)][0] == category


@pytest.mark.parametrize("code", ["", "01", "0100", "0198", "9901", "1700", "abcd", " 0101"])
def test_stat_category_for_unknown_code_raises(code):
    with pytest.raises(KeyError):
        g.stat_category_for(code)


def test_every_catch_all_of_a_civil_class_keeps_the_class_category():
    # A class's "其他" is counted with the class's main category where the class has a single one.
    assert g.stat_category_for("0199") == "01"
    assert g.stat_category_for("0299") == "02"
    assert g.stat_category_for("0799") == "10"
    assert g.stat_category_for("0999") == "07"


def test_scales():
    assert g.SCALES == {
        "01": ("个体性事件", "Individual incident"),
        "02": ("一般群体性事件", "Ordinary group incident"),
        "03": ("重大群体性事件", "Major group incident"),
    }


def test_event_type_label_in_both_languages():
    assert g.event_type_label("0101") == "0101 恋爱及婚姻"
    assert g.event_type_label("0101", "zh-hans") == "0101 恋爱及婚姻"
    assert g.event_type_label("0101", "en") == "0101 Courtship and marriage"
    assert g.event_type_label("0503", "en-gb") == "0503 Traffic accidents"
    assert g.event_type_label("0503", "EN-US") == "0503 Traffic accidents"
    assert g.event_type_label("0199", "en") == "0199 Other marriage, love and family disputes"


def test_event_type_label_for_every_code():
    for code, (zh, en) in g.EVENT_TYPES.items():
        assert g.event_type_label(code) == f"{code} {zh}"
        assert g.event_type_label(code, "en") == f"{code} {en}"


def test_event_type_label_unknown_code_raises():
    with pytest.raises(KeyError):
        g.event_type_label("0100")


def test_event_type_choices_grouped_by_class_in_order():
    choices = g.event_type_choices()
    assert [group for group, _ in choices] == [f"{c} {zh}" for c, (zh, _) in g.EVENT_CLASSES.items()]
    assert choices[0][0] == "01 婚恋家庭纠纷"
    assert choices[0][1][0] == ("0101", "0101 恋爱及婚姻")
    assert choices[-1] == ("99 其他", [("9999", "9999 其他")])
    flat = [code for _, options in choices for code, _ in options]
    assert flat == list(g.EVENT_TYPES)
    for group, options in choices:
        assert options, group
        assert all(code[:2] == group[:2] for code, _ in options)
        assert [code for code, _ in options] == sorted(code for code, _ in options)
        assert options[-1][0].endswith("99")


def test_event_type_choices_in_english():
    choices = g.event_type_choices("en")
    assert choices[0][0] == "01 Marriage, love and family disputes"
    assert choices[0][1][0] == ("0101", "0101 Courtship and marriage")
    for _, options in choices:
        for code, label in options:
            assert label == g.event_type_label(code, "en")


def test_is_valid_event_type():
    assert all(g.is_valid_event_type(code) for code in g.EVENT_TYPES)
    for code in ["", "01", "99", "0100", "0198", "9901", "1700", "010", "01010", "abcd", " 0101", "0101 "]:
        assert not g.is_valid_event_type(code), code
    assert not g.is_valid_event_type(None)
    assert not g.is_valid_event_type(101)


def test_module_needs_no_django():
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(g))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    } | {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert "django" not in imported
