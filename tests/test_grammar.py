"""The value grammar: every form the issue lists, and property-based round trips of what plans print."""

import logging
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.enrich.grammar import canonical_unit, parse_value, to_base, unit_from_name
from pipeline.enrich.values import cells_to_values, measure_of, run

FORMS = [
    # text, kind, value, comparator, cumulative, unit
    ("157.9", "number", 157.9, "=", False, None),
    ("-0.42", "number", -0.42, "=", False, None),
    ("48,510", "number", 48510, "=", False, None),
    ("8%", "number", 8, "=", False, "%"),
    ("≧42", "number", 42, ">=", False, None),
    ("≥91", "number", 91, ">=", False, None),
    (">85", "number", 85, ">", False, None),
    ("＞8.5%", "number", 8.5, ">", False, "%"),
    ("＜3.5", "number", 3.5, "<", False, None),
    ("≤28", "number", 28, "<=", False, None),
    ("45以上", "number", 45, ">=", False, None),
    ("10以下", "number", 10, "<=", False, None),
    ("3以内", "number", 3, "<=", False, None),
    ("约5", "number", 5, "~", False, None),
    ("12左右", "number", 12, "~", False, None),
    ("[10]", "number", 10, "=", True, None),
    ("[-1.28]", "number", -1.28, "=", True, None),
    ("[10000]", "number", 10000, "=", True, None),
    ("［2.5］", "number", 2.5, "=", True, None),
    ("年均提高 1.7个百分点", "number", 1.7, "=", False, "个百分点"),
    ("年均提高 3个百分点以上", "number", 3, ">=", False, "个百分点"),
    ("年均下降2%", "number", -2, "=", False, "%"),
    ("累计提高5个百分点", "number", 5, "=", True, "个百分点"),
    ("不低于95%", "number", 95, ">=", False, "%"),
    ("１２．５％", "number", 12.5, "=", False, "%"),
]


@pytest.mark.parametrize("text,kind,value,cmp,cum,unit", FORMS)
def test_forms(text, kind, value, cmp, cum, unit):
    p = parse_value(text)
    assert (p.kind, p.value, p.comparator, p.is_cumulative, p.unit) == (kind, value, cmp, cum, unit)


@pytest.mark.parametrize("text", ["", "—", "--", "-", "－", "——", "/"])
def test_no_value(text):
    p = parse_value(text)
    assert p.kind == "empty" and p.value is None
    assert p.status_text == (text or None)


@pytest.mark.parametrize(
    "text", ["完成上级下达目标", "完成上级任务", "2018年后，不再列入统计", "基数调整", "已取消考核", "完成年度考核目标"]
)
def test_statements(text):
    p = parse_value(text)
    assert (p.kind, p.value, p.status_text) == ("statement", None, text)


@pytest.mark.parametrize("text", ["5.7：43.5：50.8", "10-12", "≥5且≤8", "[10"])
def test_unknown_forms_are_not_guessed(text):
    p = parse_value(text)
    assert p.kind == "unknown" and p.value is None


def test_unknown_forms_are_counted_in_a_warning(caplog):
    cells = [
        {
            "table_id": "t1",
            "row_no": 1,
            "category": None,
            "seq": "1",
            "name": "指标（亿元）",
            "parent_name": None,
            "unit": None,
            "column": "2025年目标",
            "column_no": 1,
            "column_role": "value",
            "raw_text": t,
            "merged": False,
            "page": 1,
            "bbox": [0, 0, 1, 1],
        }
        for t in ["5.7：43.5", "12"]
    ]
    with caplog.at_level(logging.WARNING):
        values, _ = run(cells, "plan")
    assert [v["parse_status"] for v in values] == ["unknown", "number"]
    assert values[0]["value"] is None and values[0]["raw_text"] == "5.7：43.5"
    assert "1 indicator cell(s)" in caplog.text


# ---------------------------------------------------------------- property-based round trips

numbers = st.decimals(
    min_value=Decimal("-99999"), max_value=Decimal("999999"), places=2, allow_nan=False, allow_infinity=False
)
PREFIX = {
    ">=": ["≧", "≥", ">=", "不低于"],
    ">": ["＞", ">", "高于", "大于"],
    "<": ["＜", "<", "低于"],
    "<=": ["≤", "≦", "<=", "不超过"],
    "~": ["约"],
    "=": [""],
}
SUFFIX = {">=": ["以上"], "<=": ["以下", "以内"], "~": ["左右"]}


def fmt(d: Decimal, thousands: bool) -> str:
    s = f"{d:f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    if thousands and abs(d) >= 1000 and "." not in s:
        s = f"{int(d):,}"
    return s


@st.composite
def printed(draw):
    d = draw(numbers)
    cmp = draw(st.sampled_from(sorted(set(PREFIX) | set(SUFFIX))))
    where = draw(
        st.sampled_from(
            ["prefix", "suffix"]
            if cmp in SUFFIX and cmp in PREFIX
            else (["suffix"] if cmp in SUFFIX and cmp not in PREFIX else ["prefix"])
        )
    )
    word = draw(st.sampled_from(PREFIX[cmp] if where == "prefix" else SUFFIX[cmp]))
    unit = draw(st.sampled_from(["", "%", "％", "个百分点"]))
    bracket = draw(st.sampled_from([None, "[]", "［］", "【】"])) if cmp == "=" else None
    space = draw(st.sampled_from(["", " "]))
    num = fmt(d, draw(st.booleans()))
    body = num + unit
    if bracket:
        body = bracket[0] + body + bracket[1]
    text = (word + space + body) if where == "prefix" else (body + space + word)
    return text, float(d), cmp, bracket is not None, {"": None, "%": "%", "％": "%", "个百分点": "个百分点"}[unit]


@given(printed())
@settings(max_examples=400, deadline=None)
def test_printed_values_parse_back(case):
    text, value, cmp, cumulative, unit = case
    p = parse_value(text)
    assert p.kind == "number", text
    assert p.value == pytest.approx(value) and p.comparator == cmp and p.is_cumulative == cumulative and p.unit == unit


@given(
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99"), places=2),
    st.sampled_from(["提高", "增长", "下降"]),
    st.sampled_from(["个百分点", "%"]),
    st.sampled_from(["", "以上"]),
)
@settings(max_examples=200, deadline=None)
def test_growth_phrases_parse_back(d, verb, unit, suffix):
    text = f"年均{verb} {fmt(d, False)}{unit}{suffix}"
    p = parse_value(text)
    sign = -1 if verb == "下降" else 1
    assert p.value == pytest.approx(sign * float(d)) and p.unit == unit.replace("%", "%") and p.growth_word == "年均"
    assert p.comparator == (">=" if suffix else "=")


@given(
    st.decimals(min_value=Decimal("0.001"), max_value=Decimal("9999"), places=3),
    st.sampled_from(
        [
            ("亿元", 1e8, "元"),
            ("万元", 1e4, "元"),
            ("万人", 1e4, "人"),
            ("万亩", 1e4, "亩"),
            ("亿件", 1e8, "件"),
            ("亿美元", 1e8, "美元"),
            ("亿斤", 1e8, "斤"),
            ("万吨", 1e4, "吨"),
            ("千人", 1e3, "人"),
            ("百万元", 1e6, "元"),
        ]
    ),
)
def test_multipliers(d, case):
    unit, factor, base = case
    value, base_unit = to_base(float(d), unit)
    assert base_unit == base and value == pytest.approx(float(d) * factor)


# ---------------------------------------------------------------- units and headers


def test_units():
    assert canonical_unit("％") == "%" and canonical_unit("微克/立 方米") == "微克/立方米"
    assert to_base(5, "%") == (5, "%") and to_base(1.7, "个百分点") == (1.7, "个百分点")
    assert to_base(0.47, "吨标准煤/万元") == (pytest.approx(0.47e-4), "吨标准煤/元")
    assert to_base(5.29, "件/万人") == (pytest.approx(5.29e-4), "件/人")
    assert unit_from_name("地区生产总值（亿元）") == "亿元"
    assert unit_from_name("人均地区生产总值（元/户籍人口）") == "元/户籍人口"
    assert unit_from_name("空气质量指数（AQI）达到优良天数率（%）") == "%"
    assert unit_from_name("每千人执业(助理)医师数(常住人口)") is None
    assert unit_from_name("细颗粒物（PM2.5）浓度") is None


@pytest.mark.parametrize(
    "path,measure,year",
    [
        ("2015年", "actual", 2015),
        ("规划目标/2020年", "target", 2020),
        ("规划目标/年均增速", "target_growth", None),
        ("完成情况/2020年", "actual", 2020),
        ("完成情况/平均增速", "actual_growth", None),
        ("2020年预期", "expected", 2020),
        ("2025年目标", "target", 2025),
        ("年均/累计增长", "target_growth", None),
        ("2020年基数", "actual", 2020),
        ("2025年目标值", "target", 2025),
        ("“十四五”年均增长", "target_growth", None),
        ("2020年预计", "expected", 2020),
        ("指标属性", None, None),
    ],
)
def test_measure_from_header_words(path, measure, year):
    assert measure_of(path) == (measure, year)


def test_cell_unit_wins_over_row_unit():
    cell = {
        "table_id": "t1",
        "row_no": 1,
        "category": None,
        "seq": "1",
        "name": "地区生产总值",
        "parent_name": None,
        "unit": "亿元",
        "column": "年均增长",
        "column_no": 1,
        "column_role": "value",
        "raw_text": "＞8.5%",
        "merged": False,
        "page": 1,
        "bbox": [0, 0, 1, 1],
    }
    v = cells_to_values([cell])[0]
    assert (v["unit"], v["unit_raw"], v["growth_type"], v["base_unit"]) == ("%", "亿元", "annual_rate", "%")
